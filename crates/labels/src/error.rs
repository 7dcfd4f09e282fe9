//! Why a label operation fails, by what the stylist does next: name a stylist, try the decision again (the store
//! error says whether the database was busy), pick another file, or read the lower layer's error. A refused
//! decision's store error is printed with its causes in the variant's message (the app shows it as it is), not
//! reported as `source()`, so `{:#}` through anyhow does not say it twice.

use outfit_engine::EngineError;
use outfit_store::{StoreError, with_causes};
use std::path::PathBuf;

/// Results of the labels layer.
pub type Result<T, E = LabelsError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum LabelsError {
    /// A review queue was asked for without a stylist.
    #[error("the review queue needs a stylist name")]
    NoStylist,
    /// A decision with nothing left to decide.
    #[error("the review queue is empty")]
    EmptyQueue,
    /// An edit names a judgement this queue did not record.
    #[error("judgement {0} is not a decision of this queue")]
    NotInQueue(i64),
    /// An edit names a judgement the store no longer has.
    #[error("no judgement {0}")]
    NoJudgement(i64),
    /// An item of the current outfit left the catalogue: the entry was skipped for good.
    #[error("queue outfit skipped: an item left the catalogue: {}", with_causes(.0))]
    Skipped(StoreError),
    /// Nothing was recorded or marked (a busy database, among others: the store error says).
    #[error("the decision was not recorded: {}", with_causes(.0))]
    NotRecorded(StoreError),
    /// An edit left the old decision in place.
    #[error("the decision was not changed: {}", with_causes(.0))]
    NotChanged(StoreError),
    /// An import named this very database.
    #[error("{} is this database itself", path.display())]
    SameDatabase { path: PathBuf },
    /// A label file could not be read.
    #[error("cannot read {}: {error}", path.display())]
    Io { path: PathBuf, error: std::io::Error },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Engine(#[from] EngineError),
}
