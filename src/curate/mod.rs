//! App state without any UI: the outfit board, live score and suggestions, judgements with undo, the approved
//! list, catalogue search with facets, and background jobs. The UI reads a [`Studio`] and sends it [`Command`]s;
//! tests drive the same commands without a window.

pub mod jobs;
pub mod search;

use crate::catalogue::Slot;
use crate::engine::{CompletionFilter, Engine, OutfitScore, Suggestion};
use crate::store::{Outfit, OutfitStatus, Verdict};
use anyhow::{Context, Result, bail};
pub use jobs::{Job, JobKind, JobProgress};
pub use search::{FacetCounts, Facets, SearchIndex, SearchResult};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};

/// Why a stylist rejected (or accepted with reservations) a look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    ColourClash,
    Season,
    Formality,
    AgeMismatch,
    Other,
}

impl Reason {
    pub const ALL: [Reason; 5] = [Reason::ColourClash, Reason::Season, Reason::Formality, Reason::AgeMismatch, Reason::Other];
    pub fn tag(self) -> &'static str {
        match self {
            Reason::ColourClash => "colour_clash",
            Reason::Season => "season",
            Reason::Formality => "formality",
            Reason::AgeMismatch => "age_mismatch",
            Reason::Other => "other",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Reason::ColourClash => "Colour clash",
            Reason::Season => "Season",
            Reason::Formality => "Formality",
            Reason::AgeMismatch => "Age mismatch",
            Reason::Other => "Other",
        }
    }
}

/// One item on the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoardItem {
    pub slot: Slot,
    pub item_id: i64,
    /// Put there from a "complete the look" suggestion.
    pub suggested: bool,
}

/// What the UI (or a test) asks the studio to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Put an item on the board in its slot, replacing what was there (accessories stack).
    AddItem(i64),
    /// Put a suggested item on the board (judgements of the look are then recorded as "suggested").
    AddSuggestion(i64),
    RemoveItem(i64),
    ClearBoard,
    Judge(Verdict),
    /// Undo the most recent judgement still on the undo stack, restoring the board it judged.
    Undo,
    ToggleReason(Reason),
    SetStylist(String),
    SetFacets(Facets),
    SetSearchText(String),
    SetBoardFilter(CompletionFilter),
    RenameOutfit(i64, String),
    /// Put an approved outfit back on the board; accepting it again updates that outfit.
    ReopenOutfit(i64),
    /// Import feeds and index in the background.
    Import(Vec<PathBuf>),
    /// Import and index the embedded demo catalogue in the background.
    ImportDemo,
    /// Write approved outfits as JSON.
    Export(PathBuf),
    CancelJob,
    DismissError,
    /// Show a problem found outside the studio (a file dialog that could not open).
    ReportError(String),
}

/// A recorded judgement that can still be undone.
#[derive(Debug, Clone)]
struct UndoEntry {
    judgement_id: i64,
    board: Vec<BoardItem>,
    editing: Option<i64>,
    reasons: Vec<Reason>,
}

/// Above this many items a search runs on a worker thread so typing never stalls a frame.
pub const BACKGROUND_SEARCH_ABOVE: usize = 50_000;
pub const SUGGESTIONS_PER_SLOT: usize = 4;

pub struct Studio {
    pub engine: Engine,
    db: PathBuf,
    models: PathBuf,
    board: Vec<BoardItem>,
    score: Option<OutfitScore>,
    /// Why there is no score (fewer than two items, not indexed yet…).
    score_note: Option<String>,
    suggestions: Vec<(Slot, Vec<Suggestion>)>,
    board_filter: CompletionFilter,
    reasons: Vec<Reason>,
    stylist: String,
    undo: Vec<UndoEntry>,
    counts: (usize, usize),
    approved: Vec<Outfit>,
    editing: Option<i64>,
    facets: Facets,
    search: Arc<SearchIndex>,
    results: SearchResult,
    search_gen: u64,
    pending_search: Option<(u64, Receiver<SearchResult>)>,
    job: Option<Job>,
    job_done: Option<String>,
    last_error: Option<String>,
    last_message: Option<String>,
    wake: Arc<dyn Fn() + Send + Sync>,
}

impl Studio {
    /// Opens the database (creating it if needed) with the models directory.
    pub fn open(db: &Path, models: &Path) -> Result<Studio> {
        let engine = Engine::open(db, models)?;
        Ok(Self::with_engine(engine, db, models))
    }

    pub fn with_engine(engine: Engine, db: &Path, models: &Path) -> Studio {
        let mut s = Studio {
            engine,
            db: db.to_path_buf(),
            models: models.to_path_buf(),
            board: Vec::new(),
            score: None,
            score_note: None,
            suggestions: Vec::new(),
            board_filter: CompletionFilter::default(),
            reasons: Vec::new(),
            stylist: String::new(),
            undo: Vec::new(),
            counts: (0, 0),
            approved: Vec::new(),
            editing: None,
            facets: Facets::default(),
            search: Arc::new(SearchIndex::default()),
            results: SearchResult::default(),
            search_gen: 0,
            pending_search: None,
            job: None,
            job_done: None,
            last_error: None,
            last_message: None,
            wake: Arc::new(|| {}),
        };
        s.rebuild_catalogue();
        s.refresh_lists();
        s.refresh_board();
        s
    }

    /// Called after every background message (the UI passes a repaint request).
    pub fn set_waker(&mut self, wake: Arc<dyn Fn() + Send + Sync>) {
        self.wake = wake;
    }

    // ---- reading state -------------------------------------------------------------------------------------

    pub fn db_path(&self) -> &Path {
        &self.db
    }
    pub fn board(&self) -> &[BoardItem] {
        &self.board
    }
    pub fn board_ids(&self) -> Vec<i64> {
        self.board.iter().map(|b| b.item_id).collect()
    }
    pub fn score(&self) -> Option<&OutfitScore> {
        self.score.as_ref()
    }
    /// The live score as 0..=100.
    pub fn score_percent(&self) -> Option<u32> {
        self.score.as_ref().map(|s| (s.probability * 100.0).round().clamp(0.0, 100.0) as u32)
    }
    pub fn score_note(&self) -> Option<&str> {
        self.score_note.as_deref()
    }
    /// Index into `score().pairs` of the pair that pulls the score down most.
    pub fn weakest_pair(&self) -> Option<usize> {
        let s = self.score.as_ref()?;
        (s.pairs.len() > 1).then(|| s.pairs.iter().enumerate().min_by(|a, b| a.1.raw.total_cmp(&b.1.raw)).map(|(k, _)| k)).flatten()
    }
    pub fn suggestions(&self) -> &[(Slot, Vec<Suggestion>)] {
        &self.suggestions
    }
    pub fn board_filter(&self) -> &CompletionFilter {
        &self.board_filter
    }
    pub fn reasons(&self) -> &[Reason] {
        &self.reasons
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
    pub fn approved(&self) -> &[Outfit] {
        &self.approved
    }
    /// The approved outfit currently reopened on the board.
    pub fn editing(&self) -> Option<i64> {
        self.editing
    }
    pub fn facets(&self) -> &Facets {
        &self.facets
    }
    pub fn results(&self) -> &SearchResult {
        &self.results
    }
    pub fn search_index(&self) -> &SearchIndex {
        &self.search
    }
    pub fn searching(&self) -> bool {
        self.pending_search.is_some()
    }
    pub fn job(&self) -> Option<&Job> {
        self.job.as_ref()
    }
    pub fn last_error(&self) -> Option<&str> {
        self.last_error.as_deref()
    }
    pub fn last_message(&self) -> Option<&str> {
        self.last_message.as_deref()
    }
    pub fn item_count(&self) -> usize {
        self.engine.items().len()
    }
    pub fn indexed_count(&self) -> usize {
        self.engine.index().len()
    }
    /// True for a database with no items yet (first run).
    pub fn is_empty(&self) -> bool {
        self.engine.items().is_empty()
    }

    // ---- commands ------------------------------------------------------------------------------------------

    /// Applies a command; a failure becomes `last_error` (readable text), never a panic.
    pub fn apply(&mut self, cmd: Command) {
        if let Err(e) = self.try_apply(cmd) {
            self.last_error = Some(format!("{e:#}"));
        }
    }

    pub fn try_apply(&mut self, cmd: Command) -> Result<()> {
        match cmd {
            Command::AddItem(id) => self.add(id, false)?,
            Command::AddSuggestion(id) => self.add(id, true)?,
            Command::RemoveItem(id) => {
                self.board.retain(|b| b.item_id != id);
                self.refresh_board();
            }
            Command::ClearBoard => {
                self.board.clear();
                self.editing = None;
                self.reasons.clear();
                self.refresh_board();
            }
            Command::Judge(v) => self.judge(v)?,
            Command::Undo => self.undo_last()?,
            Command::ToggleReason(r) => {
                if let Some(k) = self.reasons.iter().position(|x| *x == r) {
                    self.reasons.remove(k);
                } else {
                    self.reasons.push(r);
                    self.reasons.sort();
                }
            }
            Command::SetStylist(name) => {
                self.stylist = name.trim().to_string();
                self.refresh_lists();
            }
            Command::SetFacets(f) => self.set_facets(f),
            Command::SetSearchText(t) => {
                let f = Facets { text: t, ..self.facets.clone() };
                self.set_facets(f)
            }
            Command::SetBoardFilter(f) => {
                self.board_filter = f;
                self.refresh_board();
            }
            Command::RenameOutfit(id, name) => {
                let name = name.trim();
                if name.is_empty() {
                    bail!("an approved look needs a name");
                }
                let o = self.engine.store.outfit(id)?.with_context(|| format!("no outfit {id}"))?;
                self.engine.store.update_outfit(id, name, &o.items)?;
                self.refresh_lists();
            }
            Command::ReopenOutfit(id) => {
                let o = self.engine.store.outfit(id)?.with_context(|| format!("no outfit {id}"))?;
                self.board = o
                    .items
                    .iter()
                    .filter(|(_, i)| self.engine.item(*i).is_some())
                    .map(|&(slot, item_id)| BoardItem { slot, item_id, suggested: false })
                    .collect();
                self.editing = Some(id);
                self.reasons.clear();
                self.last_message = Some(format!("Editing “{}”: accept to save changes", o.name));
                self.refresh_board();
            }
            Command::Import(feeds) => self.start_job(JobKind::ImportAndIndex(feeds))?,
            Command::ImportDemo => self.start_job(JobKind::ImportAndIndex(vec![crate::cli::demo_feed()]))?,
            Command::Export(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
                }
                let mut f =
                    std::io::BufWriter::new(std::fs::File::create(&path).with_context(|| format!("cannot write {}", path.display()))?);
                let n = crate::export::write_outfits_json(&mut self.engine.store, &mut f, &path.display().to_string(), false)?;
                std::io::Write::flush(&mut f)?;
                self.last_message = Some(format!("Exported {n} approved looks to {}", path.display()));
                self.refresh_lists();
            }
            Command::CancelJob => {
                if let Some(j) = &self.job {
                    j.cancel();
                }
            }
            Command::DismissError => self.last_error = None,
            Command::ReportError(e) => self.last_error = Some(e),
        }
        Ok(())
    }

    fn add(&mut self, id: i64, suggested: bool) -> Result<()> {
        let slot = self.engine.item(id).with_context(|| format!("item {id} is not in the catalogue"))?.item.slot;
        if self.board.iter().any(|b| b.item_id == id) {
            return Ok(());
        }
        if slot != Slot::Accessory {
            self.board.retain(|b| b.slot != slot);
        }
        // A one-piece replaces a top and bottom, and the other way round.
        match slot {
            Slot::OnePiece => self.board.retain(|b| !matches!(b.slot, Slot::Top | Slot::Bottom)),
            Slot::Top | Slot::Bottom => self.board.retain(|b| b.slot != Slot::OnePiece),
            _ => {}
        }
        self.board.push(BoardItem { slot, item_id: id, suggested });
        self.board.sort_by_key(|b| (b.slot, b.item_id));
        self.refresh_board();
        Ok(())
    }

    fn judge(&mut self, v: Verdict) -> Result<()> {
        if self.stylist.is_empty() {
            bail!("enter your name first: every judgement records who made it");
        }
        if self.board.len() < 2 {
            bail!("put at least two items on the board to judge the look");
        }
        let skus: Vec<String> = self.board.iter().filter_map(|b| self.engine.item(b.item_id)).map(|i| i.item.sku.clone()).collect();
        let source = if self.board.iter().any(|b| b.suggested) { "suggested" } else { "manual" };
        let reasons: Vec<String> = self.reasons.iter().map(|r| r.tag().to_string()).collect();
        let editing = self.editing;
        let id = self.engine.judge(&skus, v, &self.stylist, source, &reasons, editing)?;
        self.undo.push(UndoEntry { judgement_id: id, board: self.board.clone(), editing, reasons: self.reasons.clone() });
        if self.undo.len() > 100 {
            self.undo.remove(0);
        }
        self.last_message = Some(format!(
            "{}{}",
            match v {
                Verdict::Accept => "Accepted: the look is in Approved looks",
                Verdict::Reject => "Rejection recorded",
                Verdict::Skip => "Skip recorded",
            },
            if reasons.is_empty() { String::new() } else { format!(" ({})", reasons.join(", ")) }
        ));
        // The next look starts from an empty board.
        self.board.clear();
        self.editing = None;
        self.reasons.clear();
        self.refresh_lists();
        self.refresh_board();
        Ok(())
    }

    fn undo_last(&mut self) -> Result<()> {
        let Some(e) = self.undo.pop() else { bail!("nothing to undo") };
        if let Err(err) = self.engine.undo(e.judgement_id) {
            self.undo.push(e);
            return Err(err);
        }
        self.board = e.board;
        self.editing = e.editing;
        self.reasons = e.reasons;
        // Reopened-and-accepted looks stay approved: undoing that judgement archives a new look only.
        if let Some(o) = self.editing {
            self.engine.store.set_outfit_status(o, OutfitStatus::Approved)?;
        }
        self.last_message = Some(format!("Undid judgement {}", e.judgement_id));
        self.refresh_lists();
        self.refresh_board();
        Ok(())
    }

    fn set_facets(&mut self, f: Facets) {
        if f == self.facets && self.pending_search.is_none() {
            return;
        }
        self.facets = f;
        self.run_search();
    }

    fn run_search(&mut self) {
        self.search_gen += 1;
        if self.search.len() <= BACKGROUND_SEARCH_ABOVE {
            self.results = self.search.search(&self.facets);
            self.pending_search = None;
            return;
        }
        let (tx, rx) = channel();
        let (ix, f, wake) = (self.search.clone(), self.facets.clone(), self.wake.clone());
        std::thread::spawn(move || {
            let _ = tx.send(ix.search(&f));
            wake();
        });
        self.pending_search = Some((self.search_gen, rx));
    }

    /// Waits for a background search to finish (tests and benchmarks).
    pub fn wait_for_search(&mut self) {
        if let Some((_, rx)) = self.pending_search.take()
            && let Ok(r) = rx.recv()
        {
            self.results = r;
        }
    }

    /// Rebuilds search columns after the catalogue changed.
    fn rebuild_catalogue(&mut self) {
        self.search = Arc::new(SearchIndex::build(self.engine.items().values()));
        self.board.retain(|b| self.engine.items().contains_key(&b.item_id));
        self.run_search();
    }

    fn refresh_lists(&mut self) {
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        match self.engine.store.judgement_counts(&self.stylist, &today) {
            Ok(c) => self.counts = c,
            Err(e) => self.last_error = Some(format!("cannot count judgements: {e:#}")),
        }
        match self.engine.store.outfits(&[OutfitStatus::Approved, OutfitStatus::Exported]) {
            Ok(o) => self.approved = o,
            Err(e) => self.last_error = Some(format!("cannot read approved looks: {e:#}")),
        }
    }

    /// Recomputes the live score and the suggestions for the board (milliseconds).
    fn refresh_board(&mut self) {
        let ids = self.board_ids();
        self.score = None;
        self.score_note = None;
        if ids.len() >= 2 {
            match self.engine.score_outfit(&ids) {
                Ok(s) => self.score = Some(s),
                Err(e) => self.score_note = Some(format!("{e:#}")),
            }
        } else {
            self.score_note = Some("Add at least two items to see the score".into());
        }
        self.suggestions.clear();
        if !ids.is_empty() {
            let slots = crate::cli::empty_slots(&self.board.iter().map(|b| b.slot).collect::<Vec<_>>());
            match self.engine.complete(&ids, &slots, SUGGESTIONS_PER_SLOT, &self.board_filter) {
                Ok(s) => self.suggestions = s,
                Err(e) => {
                    if self.score_note.is_none() {
                        self.score_note = Some(format!("{e:#}"));
                    }
                }
            }
        }
    }

    fn start_job(&mut self, kind: JobKind) -> Result<()> {
        if self.job.is_some() {
            bail!("a background job is already running; wait for it to finish");
        }
        self.job = Some(Job::spawn(self.db.clone(), self.models.clone(), kind, self.wake.clone()));
        Ok(())
    }

    /// Polls background work; call once per frame. Returns true when something changed.
    pub fn poll(&mut self) -> bool {
        let mut changed = false;
        if let Some((g, rx)) = &self.pending_search
            && let Ok(r) = rx.try_recv()
        {
            if *g == self.search_gen {
                self.results = r;
            }
            self.pending_search = None;
            changed = true;
        }
        if let Some(job) = &mut self.job
            && let Some(outcome) = job.poll()
        {
            self.job = None;
            changed = true;
            match outcome {
                Ok(summary) => {
                    self.last_message = Some(summary.clone());
                    self.job_done = Some(summary);
                }
                Err(e) => self.last_error = Some(e),
            }
            // Whatever the job finished (a failed index still keeps its batches), read it back.
            if let Err(e) = self.reload() {
                self.last_error = Some(format!("{e:#}"));
            }
        }
        changed
    }

    /// Blocks until the running job (if any) finishes, then reloads (tests).
    pub fn wait_for_job(&mut self) -> Option<String> {
        if let Some(job) = &mut self.job {
            let r = job.wait();
            self.job = None;
            match r {
                Ok(s) => self.last_message = Some(s),
                Err(e) => self.last_error = Some(e),
            }
            if let Err(e) = self.reload() {
                self.last_error = Some(format!("{e:#}"));
            }
        }
        self.job_done.take().or_else(|| self.last_message.clone())
    }

    /// Re-reads the catalogue, head and embeddings (after a job or another process changed the database).
    pub fn reload(&mut self) -> Result<()> {
        self.engine.reload()?;
        self.rebuild_catalogue();
        self.refresh_lists();
        self.refresh_board();
        Ok(())
    }

    /// The active model, what it was trained on, and the scorer backend, for the status bar.
    pub fn model_status(&self) -> (String, String, String) {
        let backend = self.engine.scorer().backend().to_string();
        match self.engine.active_model() {
            Some(m) => (m.name.clone(), m.trained_on.clone(), backend),
            None => ("none yet".into(), "index the catalogue to create the zero-shot head".into(), backend),
        }
    }
}
