//! App state without any UI: the outfit board, live score and suggestions, judgements with undo, the approved
//! list, catalogue search with facets, and background jobs. The UI reads a [`Studio`] and sends it [`Command`]s;
//! tests drive the same commands without a window.

mod background;
mod board;
pub mod catalogues;
mod command;
pub mod dialogs;
pub mod grid;
pub mod instance;
pub mod jobs;
pub mod paths;
pub mod problem;
pub mod publish;
mod screens;
pub mod search;
pub mod team;
mod team_shared;
mod views;
mod words;
pub mod work;
mod writes;

use crate::problem::{Context, Result, refuse};
pub use catalogues::{CatalogueCommand, ImportDialog};
pub use command::{BoardCommand, BoardItem, Command, FromQueue, QueueCommand, Reason, Screen, TeamCommand, TrainCommand, import_command};
use command::{UndoEntry, keeps_undo_offer};
pub use grid::{ExclusionMark, ItemCounts};
pub use jobs::{Job, JobKind, JobOutput, JobProgress, LooksResult, Payload, TrainRequest};
use outfit_catalogue::Slot;
use outfit_engine::{CompletionFilter, Engine, Follow, ItemTable, OutfitScore, Suggestion};
pub use outfit_labels::QueueView;
use outfit_labels::{Agreement, Disagreement, MergeReport, QueueCounts, ReviewQueue};
use outfit_model::report::TransferReport;
use outfit_score::ScorerChoice;
use outfit_store::queue::QueueItem;
use outfit_store::{ModelRow, Outfit, StoredItem, Verdict};
pub use problem::{Problem, ProblemKind};
use screens::{BoardState, GridState, ReviewState, TrainState};
pub use search::{FacetCounts, Facets, SearchIndex, SearchResult};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;
pub use words::{gender_words, occasion_words, reason_words, validated, verdict_noun, verdict_past, weakest_pair};
use work::{EngineWorker, Promise};

/// How many outfits a review-queue build proposes.
pub const QUEUE_SIZE: usize = 50;
/// Below this many accept/reject judgements the Train panel explains instead of training or evaluating.
pub const MIN_JUDGEMENTS: usize = 50;
/// Fine-tuning holds back this share of the distinct outfits to pick the best epoch.
pub const VALIDATION_FRACTION: f64 = outfit_model::train::FINE_TUNE_VALIDATION_FRACTION;
/// Below this many held-out outfits a fine-tuned version would be unvalidated: training refuses and says so.
pub const MIN_HELD_OUT: usize = 10;
/// How many recent queue decisions the queue screen lists.
pub const RECENT_DECISIONS: usize = 10;

/// A finished scorer probe: the backend's description, or why the choice cannot be used.
type ScorerProbe = Result<String, String>;

/// An engine being opened again for the UI (after a catalogue change or an index), and what to say when it is ready.
type EngineReload = (Promise<Result<Engine, String>>, Option<String>);

/// Above this many items a search runs on a worker thread so typing never stalls a frame.
pub const BACKGROUND_SEARCH_ABOVE: usize = 50_000;
pub const SUGGESTIONS_PER_SLOT: usize = 4;

pub struct Studio {
    /// Private: the UI reads through the views below and writes through `Command`s, never around them.
    engine: Engine,
    db: PathBuf,
    models: PathBuf,
    /// The Studio screen: the outfit board, its live score and suggestions.
    board: BoardState,
    /// The Review screen: the stylist's queue.
    review: ReviewState,
    /// The Train screen: head versions, labels, evaluation and agreement.
    train: TrainState,
    /// The catalogue grid: filters, the search index and its results.
    grid: GridState,
    stylist: String,
    undo: Vec<UndoEntry>,
    /// Counts the stylist's edits and actions: the undo offer is for the judgement made last, and expires with the
    /// next edit or action (a rename after an accept, then Backspace, must not undo the accept).
    actions: u64,
    counts: (usize, usize),
    approved: Vec<Outfit>,
    job: Option<Job>,
    /// Jobs waiting for the running one to finish (one worker at a time).
    pending_jobs: VecDeque<JobKind>,
    job_done: Option<String>,
    screen: Screen,
    /// The last Generate looks job's per-hero results, until dismissed.
    looks_result: Option<LooksResult>,
    /// A worked-out publish waiting for the stylist's confirmation.
    publish_preview: Option<publish::PublishPreview>,
    scorer_choice: ScorerChoice,
    pending_scorer: Option<(ScorerChoice, Promise<ScorerProbe>)>,
    /// How many items need features for today's encoders, counted by the writer at start.
    index_check: Option<Promise<Result<usize, String>>>,
    /// The scoring backend in use, as the scoring worker described it (`None` while the first probe runs).
    backend: Option<String>,
    /// Owns the studio's database writes, in order (see `writes`).
    writer: EngineWorker,
    /// Owns the scorer and computes the board's score and suggestions (see `board`).
    scoring: EngineWorker,
    /// Writes sent and not acknowledged yet, oldest first.
    writes: VecDeque<(writes::Write, Promise<writes::Apply>)>,
    /// Commands waiting for the writes they depend on (an undo for its judgement's id).
    deferred: VecDeque<Command>,
    /// A write was acknowledged since the studio opened and none is in flight: "Recorded".
    recorded: bool,
    /// The catalogue, head and embeddings being read again for the UI's engine, and what to say when done.
    engine_reload: Option<EngineReload>,
    dialogs: Arc<dyn dialogs::Dialogs>,
    pending_dialog: Option<Promise<dialogs::DialogAnswer>>,
    dialog_purpose: Option<paths::PathPurpose>,
    /// No file dialog can open here: the app's own path field asks for this.
    path_prompt: Option<paths::PathPurpose>,
    last_error: Option<Problem>,
    last_message: Option<String>,
    /// The message `judge` set (compared with `last_message` to know it is still current).
    judged_message: Option<String>,
    /// Wakes the UI through whatever `waker` holds now (every worker and promise has a clone).
    wake: work::Waker,
    waker: Arc<std::sync::RwLock<work::Waker>>,
    catalogues: catalogues::CatalogueState,
    /// The team sync worker, while this database is joined to a team (see `team`).
    team: Option<team::TeamState>,
}

impl Studio {
    /// Opens the database (creating it if needed) with the models directory.
    pub fn open(db: &Path, models: &Path) -> Result<Studio> {
        let engine = Engine::open(db, models)?;
        Ok(Self::with_engine(engine, db, models))
    }

    /// A studio on `engine` (read on this thread only, in memory). Its scorer moves to the scoring worker; the
    /// writer and the scoring worker open their own engines on the same database.
    pub fn with_engine(mut engine: Engine, db: &Path, models: &Path) -> Studio {
        // Work sent before the UI gives its repaint request (at the first frame) still wakes it when done.
        let waker = Arc::new(std::sync::RwLock::new(Arc::new(|| {}) as work::Waker));
        let w = waker.clone();
        let wake: work::Waker = Arc::new(move || {
            let current = w.read().map(|f| f.clone());
            if let Ok(f) = current {
                f();
            }
        });
        let scorer = engine.take_scorer();
        // The workers share what the UI's engine loaded (see `engine::Snapshot`), each on its own connection.
        let (sdb, smodels, snap) = (db.to_path_buf(), models.to_path_buf(), engine.snapshot());
        let scoring = EngineWorker::spawn_with(
            "outfit-studio-scoring",
            move || {
                let mut e = Engine::open_from(&sdb, &smodels, snap).map_err(|e| format!("{e:#}"))?;
                e.set_scorer(scorer);
                Ok(e)
            },
            wake.clone(),
        );
        // The first use of the default scorer probes the GPU adapter: there, not in a frame.
        let probe = scoring.run(|e| Ok(e.scorer().backend().to_string()));
        let (wdb, wmodels, snap) = (db.to_path_buf(), models.to_path_buf(), engine.snapshot());
        let writer = EngineWorker::spawn_with(
            "outfit-studio-writer",
            move || Engine::open_from(&wdb, &wmodels, snap).map_err(|e| format!("{e:#}")),
            wake.clone(),
        );
        let mut s = Studio {
            engine,
            db: db.to_path_buf(),
            models: models.to_path_buf(),
            board: BoardState::default(),
            review: ReviewState::default(),
            train: TrainState::default(),
            grid: GridState::default(),
            stylist: String::new(),
            undo: Vec::new(),
            actions: 0,
            counts: (0, 0),
            approved: Vec::new(),
            job: None,
            pending_jobs: VecDeque::new(),
            job_done: None,
            screen: Screen::Studio,
            looks_result: None,
            publish_preview: None,
            scorer_choice: ScorerChoice::Auto,
            pending_scorer: Some((ScorerChoice::Auto, probe)),
            index_check: None,
            backend: None,
            writer,
            scoring,
            writes: VecDeque::new(),
            deferred: VecDeque::new(),
            recorded: false,
            engine_reload: None,
            dialogs: Arc::new(dialogs::NativeDialogs::default()),
            pending_dialog: None,
            dialog_purpose: None,
            path_prompt: None,
            last_error: None,
            last_message: None,
            judged_message: None,
            wake,
            waker,
            catalogues: Default::default(),
            team: None,
        };
        s.team = team::start(&s.engine, db, s.wake.clone());
        // Before the first frame, the lists are read here once; afterwards only the writer reads them.
        let lists = writes::Lists::read(&s.engine, "", writes::Changes::ALL).map_err(|e| format!("{e:#}"));
        if let Ok(Some((_, stamp))) = lists.as_ref().map(|l| &l.catalogues) {
            s.set_catalogue_stamp(*stamp);
        }
        s.take_lists(lists);
        s.rebuild_catalogue();
        s.refresh_board();
        // Items without features for today's encoders (a new text template, an interrupted index) are indexed
        // in the background at once: without them nothing scores. Counting them reads every feature row (a second
        // at 300k items), so the writer counts and the first frames start the job (`poll_index_check`).
        let key = s.engine.encoder_key();
        s.index_check = Some(s.writer.run(move |e| e.store().count_items_needing_features(&key).map_err(|e| format!("{e:#}"))));
        s
    }

    /// Called after every background message (the UI passes a repaint request).
    pub fn set_waker(&mut self, wake: Arc<dyn Fn() + Send + Sync>) {
        if let Ok(mut w) = self.waker.write() {
            *w = wake;
        }
        self.rewake_watcher();
    }

    /// Applies a command; a failure becomes `last_error` (readable text), never a panic.
    pub fn apply(&mut self, cmd: Command) {
        if self.must_wait(&cmd) || (!self.deferred.is_empty() && matches!(cmd, Command::Board(BoardCommand::Judge(_)))) {
            self.deferred.push_back(cmd);
            return;
        }
        if let Err(e) = self.try_apply(cmd) {
            self.last_error = Some(Problem::of(e));
        }
    }

    /// Applies a command, or says why not: a screen's commands go to that screen's part of the studio
    /// (`screens.rs`); each other arm is a line or two that hands the work to the module doing it.
    pub fn try_apply(&mut self, cmd: Command) -> Result<()> {
        if !keeps_undo_offer(&cmd) {
            self.undo.clear();
            self.actions += 1;
        }
        match cmd {
            Command::Board(c) => self.apply_board(c)?,
            Command::Queue(c) => self.apply_queue(c)?,
            Command::Train(c) => self.apply_train(c)?,
            Command::Team(c) => self.apply_team(c)?,
            Command::Undo => self.undo_last()?,
            Command::SetStylist(name) => {
                let name = name.trim().to_string();
                if name != self.stylist {
                    self.review.queue = None;
                    self.review.reasons.clear();
                    self.review.view = QueueView::All;
                }
                self.stylist = name;
                self.refresh_lists();
                if self.screen == Screen::Queue && self.review.queue.is_none() {
                    self.want_queue();
                }
            }
            Command::SetFacets(f) => self.set_facets(f),
            Command::SetSearchText(t) => {
                let f = Facets { text: t, ..self.grid.facets.clone() };
                self.set_facets(f)
            }
            Command::Import(feeds) => self.start_job(JobKind::ImportAndIndex(feeds))?,
            // The demo's files are written by the job, never on the frame.
            Command::ImportDemo => self.start_job(JobKind::ImportDemo)?,
            Command::Export(path) => self.start_job(JobKind::ExportOutfits { format: "json".into(), path })?,
            Command::CancelJob => {
                if let Some(j) = &self.job {
                    j.cancel();
                }
            }
            Command::DismissError => self.last_error = None,
            Command::ReportError(e) => self.last_error = Some(e.into()),
            Command::SetScreen(screen) => {
                self.screen = screen;
                match screen {
                    Screen::Queue if self.review.queue.is_none() => self.want_queue(),
                    // In a team, coming back to the queue asks the team's queue again (others may have let go).
                    Screen::Queue => self.claim_team_queue(),
                    Screen::Train => self.refresh_lists(),
                    Screen::Team => self.opened_team_screen()?,
                    _ => {}
                }
            }
            Command::ExportOutfits { format, path } => {
                outfit_export::OutfitFormat::parse(&format)?;
                self.start_job(JobKind::ExportOutfits { format, path })?
            }
            Command::ExportPolyvore(dir) => self.start_job(JobKind::ExportPolyvore(dir))?,
            Command::PlanPublish { format, path } => {
                if !publish::APP_FORMATS.iter().any(|(f, _)| *f == format) {
                    refuse!("unknown publish format {format:?}");
                }
                self.publish_preview = None;
                self.start_job(JobKind::PlanPublish { format, path })?
            }
            Command::ConfirmPublish { changed_only } => {
                let Some(p) = self.publish_preview.take() else { refuse!("nothing to publish: choose Publish in the Export menu") };
                self.start_job(JobKind::Publish { format: p.format, path: p.path, changed_only })?
            }
            Command::DismissPublish => self.publish_preview = None,
            Command::SetScorer(choice) => self.set_scorer(choice),
            Command::Catalogue(c) => self.apply_catalogue(c)?,
            Command::AskPath(p) => self.ask_path(p)?,
            Command::ClosePathPrompt => self.path_prompt = None,
        }
        Ok(())
    }

    /// Loads or builds the stylist's queue as soon as no job is running.
    fn want_queue(&mut self) {
        if !self.stylist.is_empty() && !self.job_busy(|k| matches!(k, JobKind::BuildQueue { .. })) {
            self.review.wanted = true;
            self.start_wanted_queue();
        }
    }

    fn start_wanted_queue(&mut self) {
        if self.review.wanted && self.job.is_none() && !self.stylist.is_empty() {
            self.review.wanted = false;
            // In a team the queue is the team's (routed with overlap, filled by the lead): no local proposals.
            let size = if self.team.is_some() { 0 } else { QUEUE_SIZE };
            let kind = JobKind::BuildQueue { stylist: self.stylist.clone(), size };
            self.job = Some(Job::spawn(self.db.clone(), self.models.clone(), kind, self.scorer_choice, self.wake.clone()));
        }
    }

    /// Probes the chosen backend on the scoring worker, which then ranks with it.
    fn set_scorer(&mut self, choice: ScorerChoice) {
        self.scorer_choice = choice;
        let p = self.scoring.run(move |e| {
            let s = outfit_score::select_scorer_with(choice, &outfit_score::gpu::GpuOptions::default()).map_err(|e| format!("{e:#}"))?;
            e.set_scorer(s);
            Ok(e.scorer().backend().to_string())
        });
        self.pending_scorer = Some((choice, p));
    }

    fn add(&mut self, id: i64, suggested: bool) -> Result<()> {
        let item = &self.engine.item(id).with_context(|| format!("item {id} is not in the catalogue"))?.item;
        if let Some(why) = item.outfit_exclusion() {
            refuse!("“{}” is {}: it stays in the catalogue but is not used in outfits", item.title, why.as_str());
        }
        let slot = item.slot;
        if self.board.items.iter().any(|b| b.item_id == id) {
            return Ok(());
        }
        if slot != Slot::Accessory {
            self.board.items.retain(|b| b.slot != slot);
        }
        // A one-piece replaces a top and bottom, and the other way round.
        match slot {
            Slot::OnePiece => self.board.items.retain(|b| !matches!(b.slot, Slot::Top | Slot::Bottom)),
            Slot::Top | Slot::Bottom => self.board.items.retain(|b| b.slot != Slot::OnePiece),
            _ => {}
        }
        self.board.items.push(BoardItem { slot, item_id: id, suggested });
        self.board.items.sort_by_key(|b| (b.slot, b.item_id));
        self.refresh_board();
        Ok(())
    }

    fn set_facets(&mut self, f: Facets) {
        if f == self.grid.facets && self.grid.pending.is_none() {
            return;
        }
        self.grid.facets = f;
        self.run_search();
    }

    fn run_search(&mut self) {
        self.grid.search_gen += 1;
        if self.grid.index.len() <= BACKGROUND_SEARCH_ABOVE {
            self.grid.results = self.grid.index.search(&self.grid.facets);
            self.grid.results_gen += 1;
            self.grid.pending = None;
            return;
        }
        let (ix, f) = (self.grid.index.clone(), self.grid.facets.clone());
        self.grid.pending = Some((self.grid.search_gen, Promise::spawn("outfit-studio-search", self.wake.clone(), move || ix.search(&f))));
    }

    /// Waits for a background search to finish (tests and benchmarks).
    pub fn wait_for_search(&mut self) {
        if let Some((_, p)) = self.grid.pending.take()
            && let Ok(r) = p.wait()
        {
            self.grid.results = r;
            self.grid.results_gen += 1;
        }
    }

    /// Rebuilds search columns after the catalogue changed.
    fn rebuild_catalogue(&mut self) {
        self.grid.index = Arc::new(SearchIndex::build(self.engine.items().values().filter(|i| self.grid_shows(i.id))));
        let mut counts = [0; Slot::COUNT];
        for i in self.engine.items().values().filter(|i| self.grid_shows(i.id)) {
            counts[i.item.slot.index()] += 1;
        }
        self.grid.slot_counts = counts;
        self.count_items();
        self.board.items.retain(|b| self.engine.items().contains_key(&b.item_id));
        self.run_search();
    }

    /// Item titles of a list of SKUs, joined with " + " (SKUs no longer in the catalogue stay as they are).
    fn titles(&self, skus: &[String]) -> String {
        skus.iter()
            .map(|s| self.engine.item_by_sku(s).map(|i| i.item.title.clone()).unwrap_or_else(|| s.as_str().into()))
            .collect::<Vec<_>>()
            .join(" + ")
    }

    /// The active model, what it was trained on, and the scorer backend, for the status bar.
    pub fn model_status(&self) -> (String, String, String) {
        let backend = self.backend.clone().unwrap_or_else(|| "choosing (probing the GPU adapter)…".into());
        match self.engine.active_model() {
            Some(m) => (m.name.clone(), m.trained_on.clone(), backend),
            None => match self.engine.head_error() {
                Some(e) => ("unusable".into(), e.to_string(), backend),
                None => ("none yet".into(), "index the catalogue to create the zero-shot head".into(), backend),
            },
        }
    }
}
