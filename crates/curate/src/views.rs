//! Read-only views of the studio for the UI: everything a frame draws, without a way around the commands.

use super::*;

impl Studio {
    // ---- reading state -------------------------------------------------------------------------------------

    pub fn db_path(&self) -> &Path {
        &self.db
    }
    pub fn board(&self) -> &[BoardItem] {
        &self.board.items
    }
    pub fn board_ids(&self) -> Vec<i64> {
        self.board.items.iter().map(|b| b.item_id).collect()
    }
    pub fn score(&self) -> Option<&OutfitScore> {
        self.board.score.as_ref()
    }
    /// The live score as 0..=100.
    pub fn score_percent(&self) -> Option<u32> {
        self.board.score.as_ref().map(|s| (s.probability * 100.0).round().clamp(0.0, 100.0) as u32)
    }
    pub fn score_note(&self) -> Option<&str> {
        self.board.score_note.as_deref()
    }
    /// Index into `score().pairs` of a pair that pulls the score down: the weakest, and only when it reads below
    /// 50 and [`CLEARLY_BELOW`] under the mean of the board's other pairs (a board of 95-100 pairs flags none).
    pub fn weakest_pair(&self) -> Option<usize> {
        let s = self.board.score.as_ref()?;
        weakest_pair(&s.pairs.iter().map(|p| p.probability).collect::<Vec<_>>())
    }
    /// What the gauge's tooltip says about how sure the head is on this board's catalogue.
    pub fn confidence_note(&self) -> Option<String> {
        let c = self.board.score.as_ref()?.calibration;
        Some(if c.labels > 0 {
            format!("Recalibrated on {} of your judgements of this catalogue.", c.labels)
        } else if c.raw_sd.is_finite() {
            format!(
                "No judgements of this catalogue yet: the head never saw it, so its scores are relative to this \
                 catalogue's typical pair (50) and tempered so most pairs read 12-88 (its raw spread was {:.1} \
                 logits). Judge boards to recalibrate it.",
                c.raw_sd
            )
        } else {
            "Read as the head was calibrated on its training outfits.".to_string()
        })
    }
    pub fn suggestions(&self) -> &[(Slot, Vec<Suggestion>)] {
        &self.board.suggestions
    }
    pub fn board_filter(&self) -> &CompletionFilter {
        &self.board.filter
    }
    /// Which of the board's facts suggestions keep to.
    pub fn follows_board(&self) -> Follow {
        self.board.follow
    }
    /// Gender, seasons of wear and occasions the board implies.
    pub fn board_style(&self) -> outfit_catalogue::BoardStyle {
        self.engine.board_style(&self.board_ids())
    }

    /// Age bands of the board's items (known ones, in order).
    pub fn board_ages(&self) -> Vec<outfit_catalogue::AgeGroup> {
        self.engine.board_bands(&self.board_ids()).0
    }
    /// Seasons of the board's items, all-season items left out (they go with anything).
    pub fn board_seasons(&self) -> Vec<outfit_catalogue::Season> {
        self.engine.board_bands(&self.board_ids()).1
    }
    /// The filter suggestions run with: the stylist's board filter, plus the board's age bands, seasons, gender
    /// and occasion and the chosen catalogue, each where the stylist set none and has not widened it.
    pub fn effective_filter(&self) -> CompletionFilter {
        self.engine.with_board_defaults(&self.board_ids(), &self.board.filter, self.board.follow, self.catalogues.focus)
    }
    /// Why a slot has no suggestion, in the stylist's words: "No toddler summer shoes in stock — widen the age
    /// band or season".
    pub fn empty_slot_note(&self, slot: Slot) -> String {
        if self.grid.slot_counts[slot.index()] == 0 {
            return format!("No {} in the catalogue", slot.label().to_lowercase());
        }
        let f = self.effective_filter();
        let mut words: Vec<String> = Vec::new();
        if let Some(g) = f.gender {
            words.push(gender_words(g).to_string());
        }
        if !f.age_groups.is_empty() {
            words.push(f.age_groups.iter().map(|a| a.as_str().to_string()).collect::<Vec<_>>().join("/"));
        }
        if !f.seasons.is_empty() {
            words.push(f.seasons.iter().map(|s| s.as_str().to_string()).collect::<Vec<_>>().join("/"));
        }
        if f.occasions.is_some() {
            let own = outfit_catalogue::styling::occasions_of(self.board_style().own_occasions);
            words.push(occasion_words(&own).replace(" / ", "/"));
        }
        words.push(slot.label().to_lowercase());
        let mut what = words.join(" ");
        if let Some(c) = f.catalogue
            && let Some(cat) = self.catalogues.list.iter().find(|x| x.id == c)
        {
            what.push_str(&format!(" in {}", cat.name));
        }
        if !f.brands.is_empty() {
            what.push_str(&format!(" by {}", f.brands.join(", ")));
        }
        if f.min_price.is_some() || f.max_price.is_some() {
            what.push_str(" in the price range");
        }
        if f.in_stock_only {
            what.push_str(" in stock");
        }
        let mut widen = Vec::new();
        if !f.age_groups.is_empty() {
            widen.push("age band");
        }
        if !f.seasons.is_empty() {
            widen.push("season");
        }
        if f.gender.is_some() {
            widen.push("gender");
        }
        if f.occasions.is_some() {
            widen.push("occasion");
        }
        if f.catalogue.is_some() {
            widen.push("catalogue");
        }
        if !f.brands.is_empty() || f.min_price.is_some() || f.max_price.is_some() || f.in_stock_only {
            widen.push("filters");
        }
        let advice = self.board.shortfalls.iter().find(|(s, _)| *s == slot).map(|(_, sf)| sf.advice()).filter(|a| !a.is_empty());
        match (advice, widen.split_last()) {
            (Some(a), _) => format!("No {what} — {a}"),
            (None, None) => format!("No {what} in the catalogue"),
            (None, Some((last, []))) => format!("No {what} — widen the {last}"),
            (None, Some((last, rest))) => format!("No {what} — widen the {} or {last}", rest.join(", ")),
        }
    }
    pub fn reasons(&self) -> &[Reason] {
        &self.board.reasons
    }
    pub fn stylist(&self) -> &str {
        &self.stylist
    }
    /// (today, total) live judgements by the current stylist.
    pub fn counts(&self) -> (usize, usize) {
        self.counts
    }
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }
    /// The message of the judgement just made, while it is still the latest one (the UI offers its undo).
    pub fn undo_offer(&self) -> Option<&str> {
        (self.can_undo() && self.last_message.is_some() && self.last_message == self.judged_message)
            .then_some(self.last_message.as_deref()?)
    }
    pub fn approved(&self) -> &[Outfit] {
        &self.approved
    }
    /// The approved outfit currently reopened on the board.
    pub fn editing(&self) -> Option<i64> {
        self.board.editing
    }

    /// The review-queue outfit the board is editing, if any.
    pub fn board_from_queue(&self) -> Option<&FromQueue> {
        self.board.from_queue.as_ref()
    }
    pub fn facets(&self) -> &Facets {
        &self.grid.facets
    }
    pub fn results(&self) -> &SearchResult {
        &self.grid.results
    }
    /// Changes whenever the results come from a new search.
    pub fn results_generation(&self) -> u64 {
        self.grid.results_gen
    }
    pub fn search_index(&self) -> &SearchIndex {
        &self.grid.index
    }
    pub fn searching(&self) -> bool {
        self.grid.pending.is_some()
    }
    pub fn job(&self) -> Option<&Job> {
        self.job.as_ref()
    }
    pub fn last_error(&self) -> Option<&str> {
        self.last_error.as_ref().map(|p| p.text.as_str())
    }
    /// The last error with its kind (busy, gone, damaged database), for the status line's advice.
    pub fn last_problem(&self) -> Option<&Problem> {
        self.last_error.as_ref()
    }
    pub fn last_message(&self) -> Option<&str> {
        self.last_message.as_deref()
    }
    pub fn screen(&self) -> Screen {
        self.screen
    }
    /// Jobs queued behind the running one.
    pub fn pending_jobs(&self) -> &VecDeque<JobKind> {
        &self.pending_jobs
    }
    /// True when a job of this kind is running or waiting.
    pub fn job_busy(&self, f: impl Fn(&JobKind) -> bool) -> bool {
        self.job.as_ref().is_some_and(|j| f(&j.kind)) || self.pending_jobs.iter().any(f)
    }
    /// The stylist's review queue once loaded.
    pub fn queue(&self) -> Option<&ReviewQueue> {
        self.review.queue.as_ref().or(self.review.shown.as_ref())
    }
    /// True while the queue is being loaded or built.
    pub fn queue_loading(&self) -> bool {
        self.review.wanted || self.job_busy(|k| matches!(k, JobKind::BuildQueue { .. }))
    }
    /// The part of the queue being reviewed.
    pub fn queue_view(&self) -> &QueueView {
        &self.review.view
    }
    pub fn queue_current(&self) -> Option<&QueueItem> {
        self.queue().and_then(|q| q.next())
    }
    pub fn queue_counts(&self) -> QueueCounts {
        self.queue().map(|q| q.counts()).unwrap_or_default()
    }
    pub fn queue_recent(&self) -> Vec<&QueueItem> {
        self.queue().map(|q| q.recent(RECENT_DECISIONS)).unwrap_or_default()
    }
    pub fn queue_reasons(&self) -> &[Reason] {
        &self.review.reasons
    }
    /// Stored model versions, oldest first.
    pub fn models(&self) -> &[ModelRow] {
        &self.train.versions
    }
    /// Whether a version can read today's features (one trained on an earlier text template cannot).
    pub fn model_fits(&self, m: &ModelRow) -> bool {
        self.engine.fits_encoders(m)
    }
    /// Why the head in use is not the one that was active (see `Engine::head_note`).
    pub fn head_note(&self) -> Option<&str> {
        self.engine.head_note()
    }
    /// Review counters of generated looks per template and stylist.
    pub fn generated_counts(&self) -> &[outfit_store::queue::GeneratedCounts] {
        &self.review.generated
    }
    /// Accepts and rejects of generated looks per day, oldest first.
    pub fn approval_days(&self) -> &[outfit_store::queue::DailyApproval] {
        &self.review.approval_days
    }

    /// Live accept/reject judgements of all stylists (what training learns from).
    pub fn labelled_count(&self) -> usize {
        self.train.labelled
    }
    /// Distinct outfits among the live accept/reject judgements.
    pub fn labelled_outfits(&self) -> usize {
        self.train.labelled_outfits
    }
    /// About how many outfits fine-tuning would hold out for validation.
    pub fn held_out_estimate(&self) -> usize {
        (self.train.labelled_outfits as f64 * VALIDATION_FRACTION).floor() as usize
    }
    /// What is missing before training can produce a validated version (`None`: enough).
    pub fn training_shortfall(&self) -> Option<String> {
        let held = self.held_out_estimate();
        if self.train.labelled >= MIN_JUDGEMENTS && held >= MIN_HELD_OUT {
            return None;
        }
        let need_outfits = (MIN_HELD_OUT as f64 / VALIDATION_FRACTION).ceil() as usize;
        // Every new outfit judged adds a label too, so the larger gap is what is left to do.
        let more = MIN_JUDGEMENTS.saturating_sub(self.train.labelled).max(need_outfits.saturating_sub(self.train.labelled_outfits));
        Some(format!(
            "Not enough labels to train a version that can be checked: {} accept/reject judgements on {} different outfits. \
             Training holds back {:.0}% of the outfits (about {held} now) to validate the new version, and needs at least \
             {MIN_JUDGEMENTS} judgements and {MIN_HELD_OUT} held-out outfits ({need_outfits} different outfits). Judge at least \
             {more} more different outfits on the Studio or Review queue screens.",
            self.train.labelled,
            self.train.labelled_outfits,
            VALIDATION_FRACTION * 100.0,
        ))
    }

    /// Loss points of the running (or last) training run: (epoch, loss).
    pub fn losses(&self) -> &[[f64; 2]] {
        match &self.job {
            Some(j) if matches!(j.kind, JobKind::Train(_)) => &j.losses,
            _ => &self.train.losses,
        }
    }
    pub fn training(&self) -> bool {
        self.job_busy(|k| matches!(k, JobKind::Train(_)))
    }
    /// The last Generate looks job's results: totals, and every hero left short with its reason.
    pub fn looks_result(&self) -> Option<&LooksResult> {
        self.looks_result.as_ref()
    }
    /// The publish preview waiting for a confirmation, if any.
    pub fn publish_preview(&self) -> Option<&publish::PublishPreview> {
        self.publish_preview.as_ref()
    }
    /// The version the last training run stored.
    pub fn last_trained(&self) -> Option<i64> {
        self.train.last_trained
    }
    pub fn report(&self) -> Option<&TransferReport> {
        self.train.report.as_ref()
    }
    pub fn agreement(&self) -> Option<&[Agreement]> {
        self.train.agreement.as_deref()
    }
    /// The lead's list: outfits the stylists split on and nobody settled (as of the last agreement computation).
    pub fn disagreements(&self) -> &[Disagreement] {
        &self.train.disagreements
    }
    pub fn last_merge(&self) -> Option<&MergeReport> {
        self.train.last_merge.as_ref()
    }
    /// A loaded item (in memory: no SQL).
    pub fn item(&self, id: i64) -> Option<&StoredItem> {
        self.engine.item(id)
    }
    pub fn item_by_sku(&self, sku: &str) -> Option<&StoredItem> {
        self.engine.item_by_sku(sku)
    }
    /// The loaded catalogue.
    pub fn items(&self) -> &ItemTable {
        self.engine.items()
    }
    /// What an item is worn for (occasion, seasons, gender), as the suggestion filters read it.
    pub fn styling(&self, id: i64) -> outfit_catalogue::Styling {
        self.engine.styling(id)
    }
    /// The engine behind the app, for tests and tools that set up state the app would reach through commands
    /// (install a head, judge as a second stylist). The UI never calls it (`tests/architecture.rs`).
    #[doc(hidden)]
    pub fn engine_for_tests(&mut self) -> &mut Engine {
        &mut self.engine
    }
    pub fn scorer_choice(&self) -> ScorerChoice {
        self.scorer_choice
    }
    pub fn scorer_probing(&self) -> bool {
        self.pending_scorer.is_some()
    }

    /// True for a database with no items yet (first run).
    pub fn is_empty(&self) -> bool {
        self.engine.items().is_empty()
    }

    // ---- commands ------------------------------------------------------------------------------------------
}
