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
pub mod search;
pub mod team;
mod team_shared;
mod views;
mod words;
pub mod work;
mod writes;

use anyhow::{Context, Result, bail};
pub use catalogues::{CatalogueCommand, ImportDialog};
pub use command::{BoardItem, Command, FromQueue, Reason, Screen, import_command};
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
pub use search::{FacetCounts, Facets, SearchIndex, SearchResult};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};
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
    board: Vec<BoardItem>,
    score: Option<OutfitScore>,
    /// Why there is no score (fewer than two items, not indexed yet…).
    score_note: Option<String>,
    suggestions: Vec<(Slot, Vec<Suggestion>)>,
    /// For each slot the last suggestions left empty, what each single widening would offer.
    shortfalls: Vec<(Slot, outfit_engine::SlotShortfall)>,
    board_filter: CompletionFilter,
    /// Suggestions keep to the board's age bands, seasons, gender, occasion and catalogue unless widened.
    follow: Follow,
    reasons: Vec<Reason>,
    stylist: String,
    undo: Vec<UndoEntry>,
    /// Counts the stylist's edits and actions: the undo offer is for the judgement made last, and expires with the
    /// next edit or action (a rename after an accept, then Backspace, must not undo the accept).
    actions: u64,
    counts: (usize, usize),
    approved: Vec<Outfit>,
    /// Review counters of generated looks, and their approval per day (the Review screen's chart).
    generated: Vec<outfit_store::queue::GeneratedCounts>,
    approval_days: Vec<outfit_store::queue::DailyApproval>,
    editing: Option<i64>,
    from_queue: Option<FromQueue>,
    facets: Facets,
    search: Arc<SearchIndex>,
    /// Catalogue items per slot (a slot with none gets no "widen the filters" advice).
    slot_counts: [usize; Slot::COUNT],
    results: SearchResult,
    search_gen: u64,
    /// Bumped whenever `results` is replaced by a new search (the grid scrolls back to the top).
    results_gen: u64,
    pending_search: Option<(u64, Receiver<SearchResult>)>,
    job: Option<Job>,
    /// Jobs waiting for the running one to finish (one worker at a time).
    pending_jobs: VecDeque<JobKind>,
    job_done: Option<String>,
    screen: Screen,
    queue: Option<ReviewQueue>,
    /// The queue should be (re)built as soon as no job is running.
    queue_wanted: bool,
    queue_reasons: Vec<Reason>,
    versions: Vec<ModelRow>,
    /// Live accept/reject judgements (all stylists), for the Train panel.
    labelled: usize,
    /// Distinct outfits among them (fine-tuning splits by outfit).
    labelled_outfits: usize,
    losses: Vec<[f64; 2]>,
    last_trained: Option<i64>,
    /// The last Generate looks job's per-hero results, until dismissed.
    looks_result: Option<LooksResult>,
    /// A worked-out publish waiting for the stylist's confirmation.
    publish_preview: Option<publish::PublishPreview>,
    /// The part of the review queue the stylist reviews; kept when the queue is loaded again.
    queue_view: QueueView,
    report: Option<TransferReport>,
    agreement: Option<Vec<Agreement>>,
    /// Outfits the stylists split on and no lead settled, computed with `agreement`.
    disagreements: Vec<Disagreement>,
    last_merge: Option<MergeReport>,
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
    writes: VecDeque<(&'static str, Promise<writes::Apply>)>,
    /// Commands waiting for the writes they depend on (an undo for its judgement's id).
    deferred: VecDeque<Command>,
    /// A write was acknowledged since the studio opened and none is in flight: "Recorded".
    recorded: bool,
    board_gen: u64,
    board_latest: board::Latest,
    board_pending: VecDeque<(u64, Promise<Option<board::BoardResult>>)>,
    /// The catalogue, head and embeddings being read again for the UI's engine, and what to say when done.
    engine_reload: Option<EngineReload>,
    /// The queue as the screen shows it while a decision on it is being written.
    queue_shown: Option<ReviewQueue>,
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
            board: Vec::new(),
            score: None,
            score_note: None,
            suggestions: Vec::new(),
            shortfalls: Vec::new(),
            board_filter: CompletionFilter::default(),
            follow: Follow::default(),
            reasons: Vec::new(),
            stylist: String::new(),
            undo: Vec::new(),
            actions: 0,
            counts: (0, 0),
            approved: Vec::new(),
            generated: Vec::new(),
            approval_days: Vec::new(),
            editing: None,
            from_queue: None,
            facets: Facets::default(),
            search: Arc::new(SearchIndex::default()),
            slot_counts: [0; Slot::COUNT],
            results: SearchResult::default(),
            search_gen: 0,
            results_gen: 0,
            pending_search: None,
            job: None,
            pending_jobs: VecDeque::new(),
            job_done: None,
            screen: Screen::Studio,
            queue: None,
            queue_wanted: false,
            queue_reasons: Vec::new(),
            versions: Vec::new(),
            labelled: 0,
            labelled_outfits: 0,
            losses: Vec::new(),
            last_trained: None,
            looks_result: None,
            publish_preview: None,
            queue_view: QueueView::All,
            report: None,
            agreement: None,
            disagreements: Vec::new(),
            last_merge: None,
            scorer_choice: ScorerChoice::Auto,
            pending_scorer: Some((ScorerChoice::Auto, probe)),
            index_check: None,
            backend: None,
            writer,
            scoring,
            writes: VecDeque::new(),
            deferred: VecDeque::new(),
            recorded: false,
            board_gen: 0,
            board_latest: Default::default(),
            board_pending: VecDeque::new(),
            engine_reload: None,
            queue_shown: None,
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
        let lists = writes::Lists::read(&s.engine, "").map_err(|e| format!("{e:#}"));
        if let Ok(l) = &lists {
            s.set_catalogue_stamp(l.stamp);
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
        if self.must_wait(&cmd) || (!self.deferred.is_empty() && matches!(cmd, Command::Judge(_))) {
            self.deferred.push_back(cmd);
            return;
        }
        if let Err(e) = self.try_apply(cmd) {
            self.last_error = Some(Problem::of(e));
        }
    }

    /// Applies a command, or says why not. Long because it is the one match over every [`Command`]; each arm is a
    /// line or two that hands the work to the module doing it.
    pub fn try_apply(&mut self, cmd: Command) -> Result<()> {
        if !keeps_undo_offer(&cmd) {
            self.undo.clear();
            self.actions += 1;
        }
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
                self.from_queue = None;
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
                let name = name.trim().to_string();
                if name != self.stylist {
                    self.queue = None;
                    self.queue_reasons.clear();
                    self.queue_view = QueueView::All;
                }
                self.stylist = name;
                self.refresh_lists();
                if self.screen == Screen::Queue && self.queue.is_none() {
                    self.want_queue();
                }
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
            Command::FollowBoard(follow) => {
                self.follow = follow;
                self.refresh_board();
            }
            Command::RestoreBoard(skus) => {
                for (sku, suggested) in skus {
                    // Items that left the catalogue since are skipped.
                    if let Some(id) = self.engine.item_by_sku(&sku).map(|i| i.id) {
                        self.add(id, suggested)?;
                    }
                }
            }
            Command::RenameOutfit(id, name) => self.rename_outfit(id, name)?,
            Command::ReopenOutfit(id) => {
                let o = self.approved.iter().find(|o| o.id == id).cloned().with_context(|| format!("no approved look {id}"))?;
                self.board = o
                    .items
                    .iter()
                    .filter(|(_, i)| self.engine.item(*i).is_some())
                    .map(|&(slot, item_id)| BoardItem { slot, item_id, suggested: false })
                    .collect();
                self.editing = Some(id);
                self.from_queue = None;
                self.reasons.clear();
                self.last_message = Some(format!("Editing “{}”: accept to save changes", o.name));
                self.refresh_board();
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
                    Screen::Queue if self.queue.is_none() => self.want_queue(),
                    // In a team, coming back to the queue asks the team's queue again (others may have let go).
                    Screen::Queue => self.claim_team_queue(),
                    Screen::Train => self.refresh_lists(),
                    Screen::Team => self.opened_team_screen()?,
                    _ => {}
                }
            }
            Command::QueueDecide(v) => self.queue_decide(v)?,
            Command::QueueUndo => self.queue_undo()?,
            Command::QueueEdit(jid, v) => self.queue_edit(jid, v)?,
            Command::ToggleQueueReason(r) => {
                if let Some(k) = self.queue_reasons.iter().position(|x| *x == r) {
                    self.queue_reasons.remove(k);
                } else {
                    self.queue_reasons.push(r);
                    self.queue_reasons.sort();
                }
            }
            Command::QueueMore => self.want_queue(),
            Command::QueueView(v) => {
                if self.queue.is_none() && self.queue_shown.is_some() {
                    bail!("the last decision is still being saved");
                }
                self.queue_view = v.clone();
                if let Some(q) = self.queue.as_mut() {
                    q.set_view(v);
                } else {
                    self.want_queue();
                }
            }
            Command::QueueStep(forward) => {
                let Some(q) = self.queue.as_mut() else { bail!("the review queue is still loading") };
                let left = q.next().map(|e| e.id);
                if q.step(forward)
                    && let Some(id) = left
                {
                    self.left_queue_entry(id);
                }
            }
            Command::QueueOpenOnBoard => self.queue_open_on_board()?,
            Command::GenerateLooks { looks_per_hero } => {
                if self.stylist.trim().is_empty() {
                    bail!("set the stylist first: generated looks go to their review queue");
                }
                let heroes = self.results.ids.clone();
                if heroes.is_empty() {
                    bail!("no items in the grid to generate looks for");
                }
                let params = outfit_looks::LookParams { looks_per_hero: looks_per_hero.max(1), ..Default::default() };
                self.start_job(JobKind::GenerateLooks { stylist: self.stylist.clone(), heroes, params })?
            }
            Command::DismissLooksResult => self.looks_result = None,
            Command::StartTraining(req) => {
                if let Some(why) = self.training_shortfall() {
                    bail!("{why}");
                }
                if self.training() {
                    bail!("a training run is already going");
                }
                self.losses.clear();
                self.start_job(JobKind::Train(req))?
            }
            Command::ActivateModel(id) => {
                if let Some(m) = self.versions.iter().find(|m| m.id == id)
                    && !validated(&m.metrics_json)
                {
                    bail!("{} was trained without a validation split; confirm to activate it anyway", m.name);
                }
                self.start_job(JobKind::Activate(id))?
            }
            Command::ActivateUnvalidated(id) => self.start_job(JobKind::Activate(id))?,
            Command::Evaluate(parent) => {
                if self.labelled < MIN_JUDGEMENTS {
                    bail!("too few judgements to evaluate: {} accepts/rejects, at least {MIN_JUDGEMENTS} needed", self.labelled);
                }
                self.start_job(JobKind::Evaluate { parent })?
            }
            Command::RefreshAgreement => self.start_job(JobKind::Agreement)?,
            Command::Settle(skus, v) => self.settle_disagreement(skus, v)?,
            Command::ImportLabels(path) => self.start_job(JobKind::ImportLabels(path))?,
            Command::ExportOutfits { format, path } => {
                outfit_export::OutfitFormat::parse(&format)?;
                self.start_job(JobKind::ExportOutfits { format, path })?
            }
            Command::ExportPolyvore(dir) => self.start_job(JobKind::ExportPolyvore(dir))?,
            Command::PlanPublish { format, path } => {
                if !publish::APP_FORMATS.iter().any(|(f, _)| *f == format) {
                    bail!("unknown publish format {format:?}");
                }
                self.publish_preview = None;
                self.start_job(JobKind::PlanPublish { format, path })?
            }
            Command::ConfirmPublish { changed_only } => {
                let Some(p) = self.publish_preview.take() else { bail!("nothing to publish: choose Publish in the Export menu") };
                self.start_job(JobKind::Publish { format: p.format, path: p.path, changed_only })?
            }
            Command::DismissPublish => self.publish_preview = None,
            Command::JoinTeam { url, upload_history } => {
                let url = url.trim().to_string();
                if !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
                    bail!("a team store's address starts with postgres:// (postgres://STYLIST@host/database)");
                }
                self.start_job(JobKind::JoinTeam { url, upload_history })?
            }
            Command::LeaveTeam => self.leave_team(),
            Command::FillTeamQueue(count) => {
                if self.team.is_none() {
                    bail!("join a team store first");
                }
                self.start_job(JobKind::FillTeamQueue { count })?
            }
            Command::SetTeamRouting { overlap, lease_seconds } => {
                if self.team.is_none() {
                    bail!("join a team store first");
                }
                if overlap == 0 || lease_seconds == 0 {
                    bail!("each outfit needs at least one stylist, and a lease at least a second");
                }
                self.start_job(JobKind::SetTeamRouting { overlap, lease_seconds })?
            }
            Command::RefreshTeamShared => self.refresh_team_shared()?,
            Command::ActivateTeamHead(id) => {
                if self.team.is_none() {
                    bail!("join a team store first");
                }
                self.start_job(JobKind::ActivateTeamHead(id))?;
                // Read again after it, so the list shows which head is active now.
                self.refresh_team_shared()?
            }
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
            self.queue_wanted = true;
            self.start_wanted_queue();
        }
    }

    fn start_wanted_queue(&mut self) {
        if self.queue_wanted && self.job.is_none() && !self.stylist.is_empty() {
            self.queue_wanted = false;
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
            bail!("“{}” is {}: it stays in the catalogue but is not used in outfits", item.title, why.as_str());
        }
        let slot = item.slot;
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
            self.results_gen += 1;
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
            self.results_gen += 1;
        }
    }

    /// Rebuilds search columns after the catalogue changed.
    fn rebuild_catalogue(&mut self) {
        self.search = Arc::new(SearchIndex::build(self.engine.items().values().filter(|i| self.grid_shows(i.id))));
        let mut counts = [0; Slot::COUNT];
        for i in self.engine.items().values().filter(|i| self.grid_shows(i.id)) {
            counts[i.item.slot.index()] += 1;
        }
        self.slot_counts = counts;
        self.count_items();
        self.board.retain(|b| self.engine.items().contains_key(&b.item_id));
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
