//! What went wrong, as a stylist needs to know it: whether doing it again helps (the database was busy), whether
//! something the action named has gone, or whether the database itself is damaged, each with what to do. Read
//! from the typed errors underneath (`StoreError`, reached directly or through the engine's, labels', looks',
//! team's or export's error), never from words.

use outfit_engine::EngineError;
use outfit_export::ExportError;
use outfit_labels::LabelsError;
use outfit_looks::LooksError;
use outfit_store::StoreError;
use outfit_team::TeamError;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// Another writer held the database: nothing was recorded, and the same action will work in a moment.
    Busy,
    /// An item, version or look the action named is no longer there.
    Gone,
    /// The database has a row this build cannot read, or was written by a newer Outfit Studio.
    Corrupt,
    Other,
}

/// An error for the status line: its kind and its full text (with the context that says what was being done).
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub kind: ProblemKind,
    pub text: String,
}

impl Problem {
    /// Classifies an error by the store error it is or carries.
    pub fn of(err: impl Into<Problem>) -> Problem {
        err.into()
    }

    /// A typed error with its causes on one line, classified by the first store error in its chain.
    fn from_error(err: &(dyn std::error::Error + 'static)) -> Problem {
        let mut store = None;
        let mut e: Option<&(dyn std::error::Error + 'static)> = Some(err);
        while let Some(cur) = e {
            store = store.or_else(|| store_error(cur));
            e = cur.source();
        }
        let kind = match store {
            Some(StoreError::Busy(_)) => ProblemKind::Busy,
            Some(StoreError::Gone { .. } | StoreError::NotFound(_)) => ProblemKind::Gone,
            Some(StoreError::Corrupt { .. } | StoreError::TooNew { .. }) => ProblemKind::Corrupt,
            _ => ProblemKind::Other,
        };
        Problem { kind, text: outfit_store::with_causes(err) }
    }

    /// The same problem, saying what was being done ("the judgement was not recorded: …").
    pub fn context(self, what: &str) -> Problem {
        Problem { text: format!("{what}: {}", self.text), ..self }
    }

    /// The status line's word for the kind.
    pub fn title(&self) -> &'static str {
        match self.kind {
            ProblemKind::Busy => "Busy",
            ProblemKind::Gone => "Gone",
            ProblemKind::Corrupt => "Damaged database",
            ProblemKind::Other => "Error",
        }
    }

    /// What the stylist can do about it.
    pub fn advice(&self) -> Option<&'static str> {
        match self.kind {
            ProblemKind::Busy => {
                Some("Another Outfit Studio or a command is writing to this database. Nothing was recorded: do it again in a moment.")
            }
            ProblemKind::Gone => {
                Some("It left the catalogue or was deleted since this screen was drawn: take it off the board, or skip it.")
            }
            ProblemKind::Corrupt => Some(
                "Keep a copy of the database file, export your labels (Export → Research export), and open a backup or a newer Outfit Studio.",
            ),
            ProblemKind::Other => None,
        }
    }
}

/// The store error an error is, or carries: the layers above the store wrap it in their own enums (their message
/// prints it, so it is not always their `source()`).
fn store_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a StoreError> {
    let engine = |e: &'a EngineError| match e {
        EngineError::Store(s) => Some(s),
        _ => None,
    };
    if let Some(s) = e.downcast_ref::<StoreError>() {
        return Some(s);
    }
    if let Some(e) = e.downcast_ref::<EngineError>() {
        return engine(e);
    }
    if let Some(e) = e.downcast_ref::<LabelsError>() {
        return match e {
            LabelsError::Skipped(s) | LabelsError::NotRecorded(s) | LabelsError::NotChanged(s) | LabelsError::Store(s) => Some(s),
            LabelsError::Engine(e) => engine(e),
            _ => None,
        };
    }
    if let Some(e) = e.downcast_ref::<LooksError>() {
        return match e {
            LooksError::Store(s) => Some(s),
            LooksError::Engine(e) => engine(e),
            _ => None,
        };
    }
    match (e.downcast_ref::<TeamError>(), e.downcast_ref::<ExportError>()) {
        (Some(TeamError::Store(s)), _) | (_, Some(ExportError::Store(s))) => Some(s),
        _ => None,
    }
}

/// The typed errors of the layers below, each classified by the store error it carries.
macro_rules! problem_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Problem {
            fn from(e: $t) -> Problem {
                Problem::from_error(&e)
            }
        }
    )*};
}
problem_from!(
    StoreError,
    EngineError,
    LabelsError,
    LooksError,
    TeamError,
    ExportError,
    outfit_model::ModelError,
    outfit_catalogue::CatalogueError,
    outfit_demo::InstallError,
    std::io::Error,
    std::num::TryFromIntError
);

impl std::error::Error for Problem {}

/// The app's results: a [`Problem`] the status line can show.
pub type Result<T, E = Problem> = std::result::Result<T, E>;

/// Says what was being done when a step failed, or why a missing value stops the action (as anyhow's `Context`,
/// keeping the problem's kind).
pub trait Context<T> {
    fn context(self, what: &str) -> Result<T>;
    fn with_context(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T, E: Into<Problem>> Context<T> for std::result::Result<T, E> {
    fn context(self, what: &str) -> Result<T> {
        self.map_err(|e| e.into().context(what))
    }
    fn with_context(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| e.into().context(&what()))
    }
}

impl<T> Context<T> for Option<T> {
    fn context(self, what: &str) -> Result<T> {
        self.ok_or_else(|| Problem::from(what))
    }
    fn with_context(self, what: impl FnOnce() -> String) -> Result<T> {
        self.ok_or_else(|| Problem::from(what()))
    }
}

/// Returns a [`Problem`] of kind Other with a formatted text: why the app will not do what was asked.
macro_rules! refuse {
    ($($arg:tt)*) => {
        return Err($crate::problem::Problem::from(format!($($arg)*)))
    };
}
pub(crate) use refuse;

impl From<String> for Problem {
    fn from(text: String) -> Problem {
        Problem { kind: ProblemKind::Other, text }
    }
}

impl From<&str> for Problem {
    fn from(text: &str) -> Problem {
        Problem::from(text.to_string())
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn busy() -> StoreError {
        StoreError::Busy(rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY), None))
    }

    #[test]
    fn the_kind_comes_from_the_store_error_however_it_is_wrapped() {
        assert_eq!(Problem::of(busy()).kind, ProblemKind::Busy);
        let gone = || StoreError::Gone { skus: vec!["K-1".into()] };
        assert_eq!(Problem::of(EngineError::Store(gone())).kind, ProblemKind::Gone);
        let p = Problem::of(gone()).context("the decision was not recorded");
        assert_eq!(p.kind, ProblemKind::Gone);
        assert!(p.text.starts_with("the decision was not recorded: unknown SKU(s): K-1"), "{}", p.text);
        let corrupt = StoreError::Corrupt { table: "judgements", id: 7, detail: "verdict \"maybe\"".into() };
        assert_eq!(Problem::of(EngineError::Store(corrupt)).context("reading").kind, ProblemKind::Corrupt);
        assert_eq!(Problem::from("the board is empty").kind, ProblemKind::Other);
        // The queue's "not recorded" prints the store error in its message rather than as its source.
        let p = Problem::of(LabelsError::NotRecorded(busy()));
        assert_eq!(
            (p.kind, p.text.starts_with("the decision was not recorded: the database is busy")),
            (ProblemKind::Busy, true),
            "{}",
            p.text
        );
        assert_eq!(Problem::of(TeamError::Store(gone())).kind, ProblemKind::Gone);
        assert_eq!(Problem::from("typed text").kind, ProblemKind::Other);
        let ctx = Problem::of(busy()).context("cannot undo");
        assert_eq!((ctx.kind, ctx.title()), (ProblemKind::Busy, "Busy"));
        assert!(ctx.advice().unwrap().contains("Nothing was recorded"));
    }
}
