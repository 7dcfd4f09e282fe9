//! Why an engine call fails, by what the caller does next: stop quietly (cancelled), offer to train or activate a
//! head (no head), retry or reopen (store), or show the message (the rest).

use outfit_catalogue::CatalogueError;
use outfit_encode::EncodeError;
use outfit_model::ModelError;
use outfit_store::StoreError;

/// Results of the engine.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The caller's cancel flag stopped the work; nothing was kept.
    #[error("cancelled")]
    Cancelled,
    /// No usable compatibility head (none yet, or the active one does not fit these features); says what to do.
    #[error("{0}")]
    NoHead(String),
    /// An item, outfit or model version the caller named does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request cannot be done as asked (a board of one item, an unindexed item, a database that is not
    /// empty); the message says what to change.
    #[error("{0}")]
    Invalid(String),
    /// The ranking backend failed (a GPU lost mid-query, a malformed index).
    #[error("scorer: {0}")]
    Score(String),
    /// A benchmark could not run or write its files.
    #[error("{0}")]
    Bench(String),
    /// A file the engine reads or writes itself (a shipped head, a bench photo).
    #[error("{}: {source}", path.display())]
    Io { path: std::path::PathBuf, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Model(ModelError),
    #[error(transparent)]
    Encode(#[from] EncodeError),
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
}

/// A cancelled training run is the engine's cancellation, whichever layer noticed it.
impl From<ModelError> for EngineError {
    fn from(e: ModelError) -> EngineError {
        if e.is_cancelled() { EngineError::Cancelled } else { EngineError::Model(e) }
    }
}

impl EngineError {
    /// Whether the work stopped because it was asked to.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, EngineError::Cancelled)
    }

    /// An I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<std::path::PathBuf>) -> impl FnOnce(std::io::Error) -> EngineError {
        let path = path.into();
        move |source| EngineError::Io { path, source }
    }

    /// The scorer's error, kept as its message.
    pub(crate) fn score(e: impl std::fmt::Display) -> EngineError {
        EngineError::Score(format!("{e:#}"))
    }
}
