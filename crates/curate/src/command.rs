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
    /// The lead: each outfit of the team queue to at most `overlap` stylists, leases of `lease_seconds` (background).
    SetTeamRouting {
        overlap: u32,
        lease_seconds: u32,
    },
    /// Read the team's head versions and catalogues from the team store (background).
    RefreshTeamShared,
    /// Install a head version of the team (by its id) and make it the active head (background; re-embeds).
    ActivateTeamHead(String),
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
    pub source: &'static str,
    /// The hero's title (the seed item's for a model-picked outfit), for the board's banner.
    pub hero: String,
}

/// Commands after which the last judgement's undo is still offered: the undo itself, and acknowledging or
/// cancelling what the app reported. Every other command is an edit or an action, and ends the offer.
pub(crate) fn keeps_undo_offer(cmd: &Command) -> bool {
    matches!(cmd, Command::Undo | Command::DismissError | Command::ReportError(_) | Command::CancelJob)
}
