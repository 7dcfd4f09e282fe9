//! What the UI (or a test) asks the studio to do, and the small value types those requests carry.

use super::*;

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

/// What the UI (or a test) asks the studio to do. Each screen's requests are an enum of their own, applied by that
/// screen's part of the studio; what every screen shares (the stylist, the grid, jobs, files, errors) is here.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Board(BoardCommand),
    Queue(QueueCommand),
    Train(TrainCommand),
    Team(TeamCommand),
    /// Catalogue list and import dialog (see `curate::catalogues`).
    Catalogue(CatalogueCommand),
    /// Undo the most recent judgement still on the undo stack, restoring the board it judged.
    Undo,
    SetStylist(String),
    SetFacets(Facets),
    SetSearchText(String),
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
    /// Choose the scoring backend; probing runs on a worker thread.
    SetScorer(ScorerChoice),
    /// Ask for a path with the desktop's file dialog (on a dialog thread), or the app's own field without one.
    AskPath(paths::PathPurpose),
    /// The app's own path field was confirmed or cancelled.
    ClosePathPrompt,
}

/// The outfit board: what is on it, what suggestions keep to, and judging it.
#[derive(Debug, Clone, PartialEq)]
pub enum BoardCommand {
    /// Put an item on the board in its slot, replacing what was there (accessories stack).
    AddItem(i64),
    /// Put a suggested item on the board (judgements of the look are then recorded as "suggested").
    AddSuggestion(i64),
    RemoveItem(i64),
    Clear,
    Judge(Verdict),
    ToggleReason(Reason),
    SetFilter(CompletionFilter),
    /// Which of the board's facts suggestions keep to: age band, season, gender, occasion and the chosen
    /// catalogue (all on by default; off widens).
    Follow(Follow),
    /// Put these SKUs back on the board (the board in progress, after a restart); `true` marks a suggestion.
    Restore(Vec<(String, bool)>),
    RenameOutfit(i64, String),
    /// Put an approved outfit back on the board; accepting it again updates that outfit.
    ReopenOutfit(i64),
}

/// The review queue, and the look generation that fills it.
#[derive(Debug, Clone, PartialEq)]
pub enum QueueCommand {
    /// Judge the queue's current outfit (source "queue").
    Decide(Verdict),
    /// Undo the most recent queue decision; that outfit becomes current again.
    Undo,
    /// Change a recent queue decision's verdict (judgement id, new verdict).
    Edit(i64, Verdict),
    ToggleReason(Reason),
    /// Propose more outfits (background) when the queue runs dry.
    More,
    /// Review only part of the queue (a generated batch, generated looks, model-picked outfits) or all of it.
    View(QueueView),
    /// Move to the next (true) or previous pending outfit without judging: navigation, never a skip.
    Step(bool),
    /// Take the queue's current outfit to the board to edit it; judging the board then decides that entry.
    OpenOnBoard,
    /// Generate this many looks for every item the grid shows, into the stylist's review queue (background).
    GenerateLooks {
        looks_per_hero: usize,
    },
    /// Close the last Generate looks result panel.
    DismissLooksResult,
}

/// Head versions, training, evaluation, agreement and the labels behind them.
#[derive(Debug, Clone, PartialEq)]
pub enum TrainCommand {
    /// Fine-tune (or train from scratch) in the background.
    Start(TrainRequest),
    /// Switch the active model version, or roll back to an older one (background: it re-embeds the catalogue).
    /// Refused for a version trained without validation: that needs [`TrainCommand::ActivateUnvalidated`].
    Activate(i64),
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
}

/// The team store.
#[derive(Debug, Clone, PartialEq)]
pub enum TeamCommand {
    /// Join a team store (background); `upload_history` also shares the judgements made here before.
    Join { url: String, upload_history: bool },
    /// Leave the team store: local judgements stay.
    Leave,
    /// The lead: add this many outfits the active head is least sure of to the team's review queue (background).
    FillQueue(usize),
    /// The lead: each outfit of the team queue to at most `overlap` stylists, leases of `lease_seconds` (background).
    SetRouting { overlap: u32, lease_seconds: u32 },
    /// Read the team's head versions and catalogues from the team store (background).
    RefreshShared,
    /// Install a head version of the team (by its id) and make it the active head (background; re-embeds).
    ActivateHead(String),
}

/// A recorded judgement that can still be undone.
#[derive(Debug, Clone)]
pub(crate) struct UndoEntry {
    pub(crate) judgement_id: i64,
    pub(crate) verdict: Verdict,
    /// The look's name, for "Undid the accept of …".
    pub(crate) look: String,
    pub(crate) board: Vec<BoardItem>,
    pub(crate) editing: Option<i64>,
    pub(crate) from_queue: Option<FromQueue>,
    pub(crate) reasons: Vec<Reason>,
}

/// A review-queue outfit being edited on the board ("Edit on the board"): judging the board decides that entry,
/// in the judgement's own transaction, with the source the queue would have recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct FromQueue {
    pub entry: i64,
    pub source: outfit_store::JudgementSource,
    /// The hero's title (the seed item's for a model-picked outfit), for the board's banner.
    pub hero: String,
}

/// Commands after which the last judgement's undo is still offered: the undo itself, and acknowledging or
/// cancelling what the app reported. Every other command is an edit or an action, and ends the offer.
pub(crate) fn keeps_undo_offer(cmd: &Command) -> bool {
    matches!(cmd, Command::Undo | Command::DismissError | Command::ReportError(_) | Command::CancelJob)
}
