//! What each screen of the studio holds, apart from what they share (the engine, the stylist, the workers, the
//! messages), and each screen's commands ([`BoardCommand`], [`QueueCommand`], [`TrainCommand`], [`TeamCommand`]),
//! applied here; the UI reads the state through the views.

use super::*;
use outfit_engine::SlotShortfall;
use outfit_store::queue::{DailyApproval, GeneratedCounts};

/// The Studio screen: the outfit board being assembled, its score, suggestions and the judgement being made.
#[derive(Default)]
pub(crate) struct BoardState {
    pub(crate) items: Vec<BoardItem>,
    pub(crate) score: Option<OutfitScore>,
    /// Why there is no score (fewer than two items, not indexed yet…).
    pub(crate) score_note: Option<String>,
    pub(crate) suggestions: Vec<(Slot, Vec<Suggestion>)>,
    /// For each slot the last suggestions left empty, what each single widening would offer.
    pub(crate) shortfalls: Vec<(Slot, SlotShortfall)>,
    pub(crate) filter: CompletionFilter,
    /// Suggestions keep to the board's age bands, seasons, gender, occasion and catalogue unless widened.
    pub(crate) follow: Follow,
    pub(crate) reasons: Vec<Reason>,
    pub(crate) editing: Option<i64>,
    pub(crate) from_queue: Option<FromQueue>,
    pub(crate) generation: u64,
    pub(crate) latest: board::Latest,
    pub(crate) pending: VecDeque<(u64, Promise<Option<board::BoardResult>>)>,
}

/// The Review screen: the stylist's review queue and the counters of generated looks.
#[derive(Default)]
pub(crate) struct ReviewState {
    /// Review counters of generated looks, and their approval per day (the Review screen's chart).
    pub(crate) generated: Vec<GeneratedCounts>,
    pub(crate) approval_days: Vec<DailyApproval>,
    pub(crate) queue: Option<ReviewQueue>,
    /// The queue should be (re)built as soon as no job is running.
    pub(crate) wanted: bool,
    pub(crate) reasons: Vec<Reason>,
    /// The part of the review queue the stylist reviews; kept when the queue is loaded again.
    pub(crate) view: QueueView,
    /// The queue as the screen shows it while a decision on it is being written.
    pub(crate) shown: Option<ReviewQueue>,
}

/// The Train screen: head versions, the label counts, the last training's losses and the evaluation and
/// agreement reports.
#[derive(Default)]
pub(crate) struct TrainState {
    pub(crate) versions: Vec<ModelRow>,
    /// Live accept/reject judgements (all stylists), for the Train panel.
    pub(crate) labelled: usize,
    /// Distinct outfits among them (fine-tuning splits by outfit).
    pub(crate) labelled_outfits: usize,
    pub(crate) losses: Vec<[f64; 2]>,
    pub(crate) last_trained: Option<i64>,
    pub(crate) report: Option<TransferReport>,
    pub(crate) agreement: Option<Vec<Agreement>>,
    /// Outfits the stylists split on and no lead settled, computed with `agreement`.
    pub(crate) disagreements: Vec<Disagreement>,
    pub(crate) last_merge: Option<MergeReport>,
}

/// The catalogue grid: the stylist's filters, the search columns and the results shown.
#[derive(Default)]
pub(crate) struct GridState {
    pub(crate) facets: Facets,
    pub(crate) index: Arc<SearchIndex>,
    /// Catalogue items per slot (a slot with none gets no "widen the filters" advice).
    pub(crate) slot_counts: [usize; Slot::COUNT],
    pub(crate) results: SearchResult,
    pub(crate) search_gen: u64,
    /// Bumped whenever `results` is replaced by a new search (the grid scrolls back to the top).
    pub(crate) results_gen: u64,
    pub(crate) pending: Option<(u64, Promise<SearchResult>)>,
}

impl Studio {
    /// The Studio screen's commands: what is on the board, what suggestions keep to, and judging it.
    pub(crate) fn apply_board(&mut self, cmd: BoardCommand) -> Result<()> {
        match cmd {
            BoardCommand::AddItem(id) => self.add(id, false)?,
            BoardCommand::AddSuggestion(id) => self.add(id, true)?,
            BoardCommand::RemoveItem(id) => {
                self.board.items.retain(|b| b.item_id != id);
                self.refresh_board();
            }
            BoardCommand::Clear => {
                self.board.items.clear();
                self.board.editing = None;
                self.board.from_queue = None;
                self.board.reasons.clear();
                self.refresh_board();
            }
            BoardCommand::Judge(v) => self.judge(v)?,
            BoardCommand::ToggleReason(r) => toggle(&mut self.board.reasons, r),
            BoardCommand::SetFilter(f) => {
                self.board.filter = f;
                self.refresh_board();
            }
            BoardCommand::Follow(follow) => {
                self.board.follow = follow;
                self.refresh_board();
            }
            BoardCommand::Restore(skus) => {
                for (sku, suggested) in skus {
                    // Items that left the catalogue since are skipped.
                    if let Some(id) = self.engine.item_by_sku(&sku).map(|i| i.id) {
                        self.add(id, suggested)?;
                    }
                }
            }
            BoardCommand::RenameOutfit(id, name) => self.rename_outfit(id, name)?,
            BoardCommand::ReopenOutfit(id) => {
                let o = self.approved.iter().find(|o| o.id == id).cloned().with_context(|| format!("no approved look {id}"))?;
                self.board.items = o
                    .items
                    .iter()
                    .filter(|(_, i)| self.engine.item(*i).is_some())
                    .map(|&(slot, item_id)| BoardItem { slot, item_id, suggested: false })
                    .collect();
                self.board.editing = Some(id);
                self.board.from_queue = None;
                self.board.reasons.clear();
                self.last_message = Some(format!("Editing “{}”: accept to save changes", o.name));
                self.refresh_board();
            }
        }
        Ok(())
    }

    /// The Review screen's commands: deciding, undoing and moving through the queue, and generating looks into it.
    pub(crate) fn apply_queue(&mut self, cmd: QueueCommand) -> Result<()> {
        match cmd {
            QueueCommand::Decide(v) => self.queue_decide(v)?,
            QueueCommand::Undo => self.queue_undo()?,
            QueueCommand::Edit(jid, v) => self.queue_edit(jid, v)?,
            QueueCommand::ToggleReason(r) => toggle(&mut self.review.reasons, r),
            QueueCommand::More => self.want_queue(),
            QueueCommand::View(v) => {
                if self.review.queue.is_none() && self.review.shown.is_some() {
                    refuse!("the last decision is still being saved");
                }
                self.review.view = v.clone();
                if let Some(q) = self.review.queue.as_mut() {
                    q.set_view(v);
                } else {
                    self.want_queue();
                }
            }
            QueueCommand::Step(forward) => {
                let Some(q) = self.review.queue.as_mut() else { refuse!("the review queue is still loading") };
                let left = q.next().map(|e| e.id);
                if q.step(forward)
                    && let Some(id) = left
                {
                    self.left_queue_entry(id);
                }
            }
            QueueCommand::OpenOnBoard => self.queue_open_on_board()?,
            QueueCommand::GenerateLooks { looks_per_hero } => {
                if self.stylist.trim().is_empty() {
                    refuse!("set the stylist first: generated looks go to their review queue");
                }
                let heroes = self.grid.results.ids.clone();
                if heroes.is_empty() {
                    refuse!("no items in the grid to generate looks for");
                }
                let params = outfit_looks::LookParams { looks_per_hero: looks_per_hero.max(1), ..Default::default() };
                self.start_job(JobKind::GenerateLooks { stylist: self.stylist.clone(), heroes, params })?
            }
            QueueCommand::DismissLooksResult => self.looks_result = None,
        }
        Ok(())
    }

    /// The Train screen's commands: training, activating and evaluating heads, agreement, settling, merging labels.
    pub(crate) fn apply_train(&mut self, cmd: TrainCommand) -> Result<()> {
        match cmd {
            TrainCommand::Start(req) => {
                if let Some(why) = self.training_shortfall() {
                    refuse!("{why}");
                }
                if self.training() {
                    refuse!("a training run is already going");
                }
                self.train.losses.clear();
                self.start_job(JobKind::Train(req))?
            }
            TrainCommand::Activate(id) => {
                if let Some(m) = self.train.versions.iter().find(|m| m.id == id)
                    && !validated(&m.metrics_json)
                {
                    refuse!("{} was trained without a validation split; confirm to activate it anyway", m.name);
                }
                self.start_job(JobKind::Activate(id))?
            }
            TrainCommand::ActivateUnvalidated(id) => self.start_job(JobKind::Activate(id))?,
            TrainCommand::Evaluate(parent) => {
                if self.train.labelled < MIN_JUDGEMENTS {
                    refuse!("too few judgements to evaluate: {} accepts/rejects, at least {MIN_JUDGEMENTS} needed", self.train.labelled);
                }
                self.start_job(JobKind::Evaluate { parent })?
            }
            TrainCommand::RefreshAgreement => self.start_job(JobKind::Agreement)?,
            TrainCommand::Settle(skus, v) => self.settle_disagreement(skus, v)?,
            TrainCommand::ImportLabels(path) => self.start_job(JobKind::ImportLabels(path))?,
        }
        Ok(())
    }

    /// The Team screen's commands.
    pub(crate) fn apply_team(&mut self, cmd: TeamCommand) -> Result<()> {
        match cmd {
            TeamCommand::Join { url, upload_history } => {
                let url = url.trim().to_string();
                if !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
                    refuse!("a team store's address starts with postgres:// (postgres://STYLIST@host/database)");
                }
                self.start_job(JobKind::JoinTeam { url, upload_history })?
            }
            TeamCommand::Leave => self.leave_team(),
            TeamCommand::FillQueue(count) => {
                self.require_team()?;
                self.start_job(JobKind::FillTeamQueue { count })?
            }
            TeamCommand::SetRouting { overlap, lease_seconds } => {
                self.require_team()?;
                if overlap == 0 || lease_seconds == 0 {
                    refuse!("each outfit needs at least one stylist, and a lease at least a second");
                }
                self.start_job(JobKind::SetTeamRouting { overlap, lease_seconds })?
            }
            TeamCommand::RefreshShared => self.refresh_team_shared()?,
            TeamCommand::ActivateHead(id) => {
                self.require_team()?;
                self.start_job(JobKind::ActivateTeamHead(id))?;
                // Read again after it, so the list shows which head is active now.
                self.refresh_team_shared()?
            }
        }
        Ok(())
    }
}

/// Ticks a reason chip on or off; the chips stay in their display order.
fn toggle(reasons: &mut Vec<Reason>, r: Reason) {
    if let Some(k) = reasons.iter().position(|x| *x == r) {
        reasons.remove(k);
    } else {
        reasons.push(r);
        reasons.sort();
    }
}
