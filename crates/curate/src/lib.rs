//! App state without any UI: the outfit board, live score and suggestions, judgements with undo, the approved
//! list, catalogue search with facets, and background jobs. The UI reads a [`Studio`] and sends it [`Command`]s;
//! tests drive the same commands without a window.

mod board;
pub mod catalogues;
pub mod dialogs;
pub mod grid;
pub mod instance;
pub mod jobs;
pub mod paths;
pub mod problem;
pub mod publish;
pub mod search;
pub mod team;
pub mod work;
mod writes;

use anyhow::{Context, Result, bail};
pub use catalogues::{CatalogueCommand, ImportDialog};
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
use work::{EngineWorker, Promise};

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

/// The app's screens (top bar tabs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Screen {
    /// The outfit board with the catalogue.
    #[default]
    Studio,
    /// The active-learning review queue.
    Queue,
    /// Training, model versions and evaluation.
    Train,
    /// Stylist agreement and label import.
    Team,
}

impl Screen {
    pub const ALL: [Screen; 4] = [Screen::Studio, Screen::Queue, Screen::Train, Screen::Team];
    pub fn label(self) -> &'static str {
        match self {
            Screen::Studio => "Studio",
            Screen::Queue => "Review queue",
            Screen::Train => "Train",
            Screen::Team => "Team",
        }
    }
}

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

/// One item on the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoardItem {
    pub slot: Slot,
    pub item_id: i64,
    /// Put there from a "complete the look" suggestion.
    pub suggested: bool,
}

/// What importing chosen feeds does: one feed opens the preview (mapping, coverage) before anything is written;
/// several import at once.
pub fn import_command(mut feeds: Vec<PathBuf>) -> Command {
    if feeds.len() == 1 { Command::Catalogue(CatalogueCommand::Preview(feeds.remove(0))) } else { Command::Import(feeds) }
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
    /// Which of the board's facts suggestions keep to: age band, season, gender, occasion and the chosen
    /// catalogue (all on by default; off widens).
    FollowBoard(Follow),
    /// Put these SKUs back on the board (the board in progress, after a restart); `true` marks a suggestion.
    RestoreBoard(Vec<(String, bool)>),
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
    /// Switch screens; opening the review queue loads (or builds, in the background) the stylist's queue.
    SetScreen(Screen),
    /// Judge the queue's current outfit (source "queue").
    QueueDecide(Verdict),
    /// Undo the most recent queue decision; that outfit becomes current again.
    QueueUndo,
    /// Change a recent queue decision's verdict (judgement id, new verdict).
    QueueEdit(i64, Verdict),
    ToggleQueueReason(Reason),
    /// Propose more outfits (background) when the queue runs dry.
    QueueMore,
    /// Review only part of the queue (a generated batch, generated looks, model-picked outfits) or all of it.
    QueueView(QueueView),
    /// Move to the next (true) or previous pending outfit without judging: navigation, never a skip.
    QueueStep(bool),
    /// Take the queue's current outfit to the board to edit it; judging the board then decides that entry.
    QueueOpenOnBoard,
    /// Generate this many looks for every item the grid shows, into the stylist's review queue (background).
    GenerateLooks {
        looks_per_hero: usize,
    },
    /// Close the last Generate looks result panel.
    DismissLooksResult,
    /// Fine-tune (or train from scratch) in the background.
    StartTraining(TrainRequest),
    /// Switch the active model version, or roll back to an older one (background: it re-embeds the catalogue).
    /// Refused for a version trained without validation: that needs [`Command::ActivateUnvalidated`].
    ActivateModel(i64),
    /// Activate a version trained without a validation split, after the stylist confirmed it.
    ActivateUnvalidated(i64),
    /// Transfer report on the stored judgements from a version (`None`: active), in the background.
    Evaluate(Option<i64>),
    /// Recompute the stylist agreement table (background).
    RefreshAgreement,
    /// The lead settles a disagreement on these SKUs: a judgement of its own with the source "settled".
    Settle(Vec<String>, Verdict),
    /// Merge another stylist's database or JSONL label export (background).
    ImportLabels(PathBuf),
    /// Approved outfits as json, jsonld or bundle (background).
    ExportOutfits {
        format: String,
        path: PathBuf,
    },
    /// Research export in the Polyvore Outfits layout into a folder (background).
    ExportPolyvore(PathBuf),
    /// Work out a "complete the look" publish to this file and show what it changes (background; writes nothing).
    PlanPublish {
        format: String,
        path: PathBuf,
    },
    /// Write the previewed publish: every product, or only those that changed (background).
    ConfirmPublish {
        changed_only: bool,
    },
    /// Close the publish preview without writing.
    DismissPublish,
    /// Join a team store (background); `upload_history` also shares the judgements made here before.
    JoinTeam {
        url: String,
        upload_history: bool,
    },
    /// Leave the team store: local judgements stay.
    LeaveTeam,
    /// The lead: add this many outfits the active head is least sure of to the team's review queue (background).
    FillTeamQueue(usize),
    /// Choose the scoring backend; probing runs on a worker thread.
    SetScorer(ScorerChoice),
    /// Catalogue list and import dialog (see `curate::catalogues`).
    Catalogue(CatalogueCommand),
    /// Ask for a path with the desktop's file dialog (on a dialog thread), or the app's own field without one.
    AskPath(paths::PathPurpose),
    /// The app's own path field was confirmed or cancelled.
    ClosePathPrompt,
}

/// A recorded judgement that can still be undone.
#[derive(Debug, Clone)]
struct UndoEntry {
    judgement_id: i64,
    verdict: Verdict,
    /// The look's name, for "Undid the accept of …".
    look: String,
    board: Vec<BoardItem>,
    editing: Option<i64>,
    from_queue: Option<FromQueue>,
    reasons: Vec<Reason>,
}

/// A review-queue outfit being edited on the board ("Edit on the board"): judging the board decides that entry,
/// in the judgement's own transaction, with the source the queue would have recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct FromQueue {
    pub entry: i64,
    pub source: &'static str,
    /// The hero's title (the seed item's for a model-picked outfit), for the board's banner.
    pub hero: String,
}

/// A finished scorer probe: the backend's description, or why the choice cannot be used.
type ScorerProbe = Result<String, String>;

/// An engine being opened again for the UI (after a catalogue change or an index), and what to say when it is ready.
type EngineReload = (Promise<Result<Engine, String>>, Option<String>);

/// Commands after which the last judgement's undo is still offered: the undo itself, and acknowledging or
/// cancelling what the app reported. Every other command is an edit or an action, and ends the offer.
fn keeps_undo_offer(cmd: &Command) -> bool {
    matches!(cmd, Command::Undo | Command::DismissError | Command::ReportError(_) | Command::CancelJob)
}

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
        // in the background at once: without them nothing scores.
        match s.engine.store().count_items_needing_features(&s.engine.encoder_key()) {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!("{n} items need features for {}: indexing", s.engine.encoder_key());
                let _ = s.start_job(JobKind::ImportAndIndex(Vec::new()));
            }
            Err(e) => tracing::warn!("cannot count items to index: {e:#}"),
        }
        s
    }

    /// Called after every background message (the UI passes a repaint request).
    pub fn set_waker(&mut self, wake: Arc<dyn Fn() + Send + Sync>) {
        if let Ok(mut w) = self.waker.write() {
            *w = wake;
        }
        self.rewake_watcher();
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
    /// Index into `score().pairs` of a pair that pulls the score down: the weakest, and only when it reads below
    /// 50 and [`CLEARLY_BELOW`] under the mean of the board's other pairs (a board of 95-100 pairs flags none).
    pub fn weakest_pair(&self) -> Option<usize> {
        let s = self.score.as_ref()?;
        weakest_pair(&s.pairs.iter().map(|p| p.probability).collect::<Vec<_>>())
    }
    /// What the gauge's tooltip says about how sure the head is on this board's catalogue.
    pub fn confidence_note(&self) -> Option<String> {
        let c = self.score.as_ref()?.calibration;
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
        &self.suggestions
    }
    pub fn board_filter(&self) -> &CompletionFilter {
        &self.board_filter
    }
    /// Which of the board's facts suggestions keep to.
    pub fn follows_board(&self) -> Follow {
        self.follow
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
        self.engine.with_board_defaults(&self.board_ids(), &self.board_filter, self.follow, self.catalogues.focus)
    }
    /// Why a slot has no suggestion, in the stylist's words: "No toddler summer shoes in stock — widen the age
    /// band or season".
    pub fn empty_slot_note(&self, slot: Slot) -> String {
        if self.slot_counts[slot.index()] == 0 {
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
        let advice = self.shortfalls.iter().find(|(s, _)| *s == slot).map(|(_, sf)| sf.advice()).filter(|a| !a.is_empty());
        match (advice, widen.split_last()) {
            (Some(a), _) => format!("No {what} — {a}"),
            (None, None) => format!("No {what} in the catalogue"),
            (None, Some((last, []))) => format!("No {what} — widen the {last}"),
            (None, Some((last, rest))) => format!("No {what} — widen the {} or {last}", rest.join(", ")),
        }
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
        self.editing
    }

    /// The review-queue outfit the board is editing, if any.
    pub fn board_from_queue(&self) -> Option<&FromQueue> {
        self.from_queue.as_ref()
    }
    pub fn facets(&self) -> &Facets {
        &self.facets
    }
    pub fn results(&self) -> &SearchResult {
        &self.results
    }
    /// Changes whenever the results come from a new search.
    pub fn results_generation(&self) -> u64 {
        self.results_gen
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
        self.queue.as_ref().or(self.queue_shown.as_ref())
    }
    /// True while the queue is being loaded or built.
    pub fn queue_loading(&self) -> bool {
        self.queue_wanted || self.job_busy(|k| matches!(k, JobKind::BuildQueue { .. }))
    }
    /// The part of the queue being reviewed.
    pub fn queue_view(&self) -> &QueueView {
        &self.queue_view
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
        &self.queue_reasons
    }
    /// Stored model versions, oldest first.
    pub fn models(&self) -> &[ModelRow] {
        &self.versions
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
        &self.generated
    }
    /// Accepts and rejects of generated looks per day, oldest first.
    pub fn approval_days(&self) -> &[outfit_store::queue::DailyApproval] {
        &self.approval_days
    }

    /// Live accept/reject judgements of all stylists (what training learns from).
    pub fn labelled_count(&self) -> usize {
        self.labelled
    }
    /// Distinct outfits among the live accept/reject judgements.
    pub fn labelled_outfits(&self) -> usize {
        self.labelled_outfits
    }
    /// About how many outfits fine-tuning would hold out for validation.
    pub fn held_out_estimate(&self) -> usize {
        (self.labelled_outfits as f64 * VALIDATION_FRACTION).floor() as usize
    }
    /// What is missing before training can produce a validated version (`None`: enough).
    pub fn training_shortfall(&self) -> Option<String> {
        let held = self.held_out_estimate();
        if self.labelled >= MIN_JUDGEMENTS && held >= MIN_HELD_OUT {
            return None;
        }
        let need_outfits = (MIN_HELD_OUT as f64 / VALIDATION_FRACTION).ceil() as usize;
        // Every new outfit judged adds a label too, so the larger gap is what is left to do.
        let more = MIN_JUDGEMENTS.saturating_sub(self.labelled).max(need_outfits.saturating_sub(self.labelled_outfits));
        Some(format!(
            "Not enough labels to train a version that can be checked: {} accept/reject judgements on {} different outfits. \
             Training holds back {:.0}% of the outfits (about {held} now) to validate the new version, and needs at least \
             {MIN_JUDGEMENTS} judgements and {MIN_HELD_OUT} held-out outfits ({need_outfits} different outfits). Judge at least \
             {more} more different outfits on the Studio or Review queue screens.",
            self.labelled,
            self.labelled_outfits,
            VALIDATION_FRACTION * 100.0,
        ))
    }

    /// Loss points of the running (or last) training run: (epoch, loss).
    pub fn losses(&self) -> &[[f64; 2]] {
        match &self.job {
            Some(j) if matches!(j.kind, JobKind::Train(_)) => &j.losses,
            _ => &self.losses,
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
        self.last_trained
    }
    pub fn report(&self) -> Option<&TransferReport> {
        self.report.as_ref()
    }
    pub fn agreement(&self) -> Option<&[Agreement]> {
        self.agreement.as_deref()
    }
    /// The lead's list: outfits the stylists split on and nobody settled (as of the last agreement computation).
    pub fn disagreements(&self) -> &[Disagreement] {
        &self.disagreements
    }
    pub fn last_merge(&self) -> Option<&MergeReport> {
        self.last_merge.as_ref()
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
            Command::ImportDemo => self.start_job(JobKind::ImportAndIndex(vec![outfit_demo::feed()?]))?,
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
                    Screen::Team if self.agreement.is_none() && !self.job_busy(|k| matches!(k, JobKind::Agreement)) => {
                        self.start_job(JobKind::Agreement)?
                    }
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
                if !outfit_export::OUTFIT_FORMATS.contains(&format.as_str()) {
                    bail!("unknown export format {format:?}");
                }
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

    /// Starts a job, or queues it behind the running one.
    fn start_job(&mut self, kind: JobKind) -> Result<()> {
        if self.job.is_some() {
            if self.pending_jobs.contains(&kind) {
                bail!("{} is already waiting to run", kind.label());
            }
            self.pending_jobs.push_back(kind);
            return Ok(());
        }
        self.job = Some(Job::spawn(self.db.clone(), self.models.clone(), kind, self.scorer_choice, self.wake.clone()));
        Ok(())
    }

    fn start_next_job(&mut self) {
        if self.job.is_some() {
            return;
        }
        if let Some(kind) = self.pending_jobs.pop_front() {
            self.job = Some(Job::spawn(self.db.clone(), self.models.clone(), kind, self.scorer_choice, self.wake.clone()));
        } else {
            self.start_wanted_queue();
        }
    }

    /// Takes in a finished job's output.
    fn finish_job(&mut self, job: Job, outcome: Result<JobOutput, String>) {
        if matches!(job.kind, JobKind::Train(_)) {
            self.losses = job.losses;
        }
        match outcome {
            Ok(out) => {
                tracing::info!("job done: {}", out.summary);
                self.last_message = Some(out.summary.clone());
                self.job_done = Some(out.summary);
                match out.payload {
                    // New looks are in the stylist's queue: read it again (the Review screen shows them).
                    Payload::Looks(r) => {
                        // Straight to the batch just made, ahead of the model's picks.
                        if r.queued > 0 {
                            self.queue_view = QueueView::Batch(r.batch.clone());
                        }
                        self.looks_result = Some(*r);
                        self.queue = None;
                        self.queue_wanted = true;
                        self.refresh_lists();
                    }
                    Payload::PublishPlan(p) => self.publish_preview = Some(*p),
                    Payload::Joined(role) => self.joined_team(role),
                    Payload::None => {}
                    Payload::Queue(q) => {
                        // A queue built for a stylist who has since changed is dropped.
                        if q.stylist() == self.stylist {
                            let mut q = q;
                            if *q.view() != self.queue_view {
                                q.set_view(self.queue_view.clone());
                            }
                            self.queue = Some(q);
                            self.claim_team_queue();
                        }
                    }
                    Payload::Trained(id) => self.last_trained = Some(id),
                    Payload::Report(r) => self.report = Some(*r),
                    Payload::Agreement(rows, open) => {
                        self.agreement = Some(rows);
                        self.disagreements = open;
                    }
                    Payload::Merged(m, rows, open) => {
                        self.last_merge = Some(m);
                        self.agreement = Some(rows);
                        self.disagreements = open;
                    }
                }
            }
            Err(e) => {
                tracing::warn!("job failed: {e}");
                self.last_error = Some(e.into());
            }
        }
        // Whatever the job finished (a failed index still keeps its batches), read it back.
        if job.kind.reloads_engine() {
            self.reload_engines(None);
        } else {
            self.refresh_lists();
        }
    }

    /// Polls background work; call once per frame. Returns true when something changed.
    pub fn poll(&mut self) -> bool {
        let mut changed = false;
        if let Some((g, rx)) = &self.pending_search
            && let Ok(r) = rx.try_recv()
        {
            if *g == self.search_gen {
                self.results = r;
                self.results_gen += 1;
            }
            self.pending_search = None;
            changed = true;
        }
        changed |= self.poll_scorer();
        changed |= self.poll_writes();
        changed |= self.poll_board();
        changed |= self.poll_reload();
        changed |= self.poll_dialog();
        changed |= self.poll_catalogues();
        changed |= self.poll_team();
        if let Some(job) = &mut self.job
            && let Some(outcome) = job.poll()
        {
            let job = self.job.take().expect("polled");
            changed = true;
            self.finish_job(job, outcome);
        }
        if self.job.is_none() && (!self.pending_jobs.is_empty() || self.queue_wanted) {
            self.start_next_job();
            changed = true;
        }
        changed
    }

    fn poll_scorer(&mut self) -> bool {
        let Some((choice, p)) = &mut self.pending_scorer else { return false };
        let choice = *choice;
        let Some(r) = p.poll() else { return false };
        let first = self.backend.is_none();
        self.pending_scorer = None;
        match r.and_then(|r| r) {
            Ok(b) => {
                if !first || choice != ScorerChoice::Auto {
                    self.last_message = Some(format!("Scorer ({}): {b}", choice.as_str()));
                }
                self.backend = Some(b);
            }
            Err(e) => self.last_error = Some(format!("cannot use the {} scorer: {e}", choice.as_str()).into()),
        }
        true
    }

    /// Blocks until a scorer probe finishes (tests).
    pub fn wait_for_scorer(&mut self) {
        if let Some((_, p)) = &mut self.pending_scorer {
            p.block();
            self.poll_scorer();
        }
    }

    /// The worker that scores boards (tests hold it to see how late results are handled).
    #[doc(hidden)]
    pub fn scoring_worker(&self) -> &EngineWorker {
        &self.scoring
    }

    /// The scoring backend in use, once probed.
    pub fn scorer_backend(&self) -> Option<&str> {
        self.backend.as_deref()
    }

    /// True while anything the studio sent off is still on its way back (jobs aside).
    pub fn busy(&self) -> bool {
        !self.writes.is_empty()
            || !self.board_pending.is_empty()
            || self.pending_scorer.is_some()
            || self.engine_reload.is_some()
            || self.pending_search.is_some()
            || self.pending_dialog.is_some()
            || !self.deferred.is_empty()
    }

    /// Waits for everything sent off so far (writes, scores, probes, reloads, searches) and takes it in; jobs are
    /// [`Studio::wait_for_job`]'s. Tests and benchmarks call this between commands and assertions.
    pub fn settle(&mut self) {
        for _ in 0..100 {
            self.wait_for_writes();
            self.wait_for_reload();
            self.wait_for_board();
            self.wait_for_scorer();
            self.wait_for_search();
            self.wait_for_preview();
            self.wait_for_dialog();
            self.poll();
            if !self.busy() {
                return;
            }
        }
    }

    /// Re-reads the catalogue, head and embeddings: once, into a new engine on a thread of its own, swapped in
    /// for the UI's when ready and then shared with the writer and the scoring worker. `done` is said then.
    fn reload_engines(&mut self, done: Option<String>) {
        let (db, models) = (self.db.clone(), self.models.clone());
        let p = Promise::spawn("outfit-studio-reload", self.wake.clone(), move || Engine::open(&db, &models).map_err(|e| format!("{e:#}")));
        self.engine_reload = Some((p, done));
    }

    fn poll_reload(&mut self) -> bool {
        let Some((p, _)) = &mut self.engine_reload else { return false };
        let Some(r) = p.poll() else { return false };
        let done = self.engine_reload.take().and_then(|(_, d)| d);
        match r.and_then(|r| r) {
            Ok(e) => {
                // The writer takes it over in order with its tasks; the scoring worker before the board's requests
                // below (a dropped promise: those requests see the new snapshot).
                let snap = e.snapshot();
                self.write("reloading", move |w| {
                    w.adopt(snap);
                    let r = w.store().catalogue_stamp().map_err(|err| format!("{err:#}"));
                    Box::new(move |s: &mut Studio| match r {
                        Ok(stamp) => s.set_catalogue_stamp(stamp),
                        Err(err) => s.last_error = Some(err.into()),
                    })
                });
                let snap = e.snapshot();
                drop(self.scoring.run(move |w| w.adopt(snap)));
                self.engine = e;
                self.rebuild_catalogue();
                self.refresh_board();
                if let Some(d) = done {
                    self.last_message = Some(d);
                }
            }
            Err(e) => self.last_error = Some(e.into()),
        }
        true
    }

    fn wait_for_reload(&mut self) {
        if let Some((p, _)) = &mut self.engine_reload {
            p.block();
            self.poll_reload();
        }
    }

    /// Blocks until the running job (if any) finishes, then reloads (tests).
    /// Blocks until the running job and those queued behind it finish (tests).
    pub fn wait_for_job(&mut self) -> Option<String> {
        loop {
            self.start_next_job();
            let Some(mut job) = self.job.take() else { break };
            let r = job.wait();
            self.finish_job(job, r);
        }
        self.job_done.take().or_else(|| self.last_message.clone())
    }

    /// Re-reads the catalogue, head and embeddings (after another process changed the database), in the
    /// background; [`Studio::settle`] waits for it.
    pub fn reload(&mut self) {
        self.reload_engines(None);
    }

    /// Item titles of a list of SKUs, joined with " + " (SKUs no longer in the catalogue stay as they are).
    fn titles(&self, skus: &[String]) -> String {
        skus.iter()
            .map(|s| self.engine.item_by_sku(s).map(|i| i.item.title.clone()).unwrap_or_else(|| s.clone()))
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

/// The board's occasions as the chips and notes name them; a board no word places keeps to "everyday" wear.
pub fn occasion_words(own: &[outfit_catalogue::Occasion]) -> String {
    if own.is_empty() { "everyday".to_string() } else { own.iter().map(|o| o.as_str()).collect::<Vec<_>>().join(" / ") }
}

/// "Accepted", "Rejected", "Skipped".
pub fn verdict_past(v: Verdict) -> &'static str {
    match v {
        Verdict::Accept => "Accepted",
        Verdict::Reject => "Rejected",
        Verdict::Skip => "Skipped",
    }
}

/// "accept", "rejection", "skip": what an undo takes back.
pub fn verdict_noun(v: Verdict) -> &'static str {
    match v {
        Verdict::Accept => "accept",
        Verdict::Reject => "rejection",
        Verdict::Skip => "skip",
    }
}

/// Reason tags in words: "colour clash, age mismatch".
pub fn reason_words(tags: &[String]) -> String {
    tags.iter()
        .map(|t| Reason::ALL.iter().find(|r| r.tag() == t).map(|r| r.label().to_lowercase()).unwrap_or_else(|| t.replace('_', " ")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a model version's metrics show a validation split (trained versions only; the shipped zero-shot head
/// and other untrained heads count as validated: there is nothing to validate). Reads the metrics JSON
/// defensively: `validation_loss` with entries, a `validation` object, or a held-out `test` evaluation (pretrained
/// heads).
pub fn validated(metrics_json: &str) -> bool {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(metrics_json) else { return true };
    let trained = v.get("final_loss").is_some() || v.get("history").is_some();
    if !trained {
        return true;
    }
    v.get("validation_loss").and_then(|x| x.as_array()).is_some_and(|a| !a.is_empty())
        || v.get("validation").is_some_and(|x| x.is_object() || x.as_array().is_some_and(|a| !a.is_empty()))
        || v.get("test").is_some_and(|x| x.is_object())
}

/// "girls'" / "boys'" for a gender mask, as the empty-slot note and the chips say it.
pub fn gender_words(mask: u8) -> &'static str {
    use outfit_catalogue::styling::{BOYS, GIRLS};
    match mask {
        GIRLS => "girls'",
        BOYS => "boys'",
        _ => "girls' and boys'",
    }
}

/// How far (in probability) a pair must read below the mean of the board's other pairs to be flagged.
pub const CLEARLY_BELOW: f32 = 0.15;

/// The pair to flag among pair probabilities: the lowest, when it is below 0.5 and [`CLEARLY_BELOW`] under the
/// others' mean; none for fewer than two pairs.
pub fn weakest_pair(probs: &[f32]) -> Option<usize> {
    if probs.len() < 2 {
        return None;
    }
    let (k, low) = probs.iter().copied().enumerate().min_by(|a, b| a.1.total_cmp(&b.1))?;
    let others = (probs.iter().sum::<f32>() - low) / (probs.len() - 1) as f32;
    (low < 0.5 && others - low >= CLEARLY_BELOW).then_some(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validated_reads_what_a_versions_metrics_hold() {
        assert!(validated("{}"), "an untrained head has nothing to validate");
        assert!(validated("not json"));
        assert!(validated(r#"{"final_loss":0.3,"history":[],"best_epoch":2,"validation_loss":[0.5,0.4]}"#));
        assert!(!validated(r#"{"final_loss":0.3,"history":[],"best_epoch":null,"validation_loss":[]}"#));
        assert!(!validated(r#"{"final_loss":0.3,"history":[]}"#));
        assert!(validated(r#"{"test":{"auc":0.6},"history":[]}"#), "pretrained heads are tested on held-out outfits");
    }

    #[test]
    fn reasons_and_verdicts_read_as_words() {
        assert_eq!(reason_words(&["colour_clash".into(), "age_mismatch".into()]), "colour clash, age mismatch");
        assert_eq!(reason_words(&["too_formal".into()]), "too formal");
        assert_eq!(verdict_past(Verdict::Reject), "Rejected");
        assert_eq!(verdict_noun(Verdict::Accept), "accept");
    }

    #[test]
    fn only_a_pair_clearly_below_the_others_and_below_half_is_flagged() {
        assert_eq!(weakest_pair(&[0.95, 0.97, 0.99]), None, "a board of strong pairs flags nothing");
        assert_eq!(weakest_pair(&[0.3, 0.8, 0.85]), Some(0));
        assert_eq!(weakest_pair(&[0.45, 0.5]), None, "not clearly below");
        assert_eq!(weakest_pair(&[0.2]), None);
    }
}
