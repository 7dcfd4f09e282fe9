//! Why ranking fails, by what the caller does next: fix the rows or queries it built (index), pick another
//! backend (no GPU), retry or fall back to the CPU (GPU), or fix the bench's flags or its Python peer. A wrapped
//! error is printed in its variant's message, not reported as `source()`, so `{:#}` does not say it twice.

use super::SCORER_ENV;
use std::path::PathBuf;

/// Results of the score layer.
pub type Result<T, E = ScoreError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    /// An index row's embedding is not `dim` values long.
    #[error("embedding of item {item_id} has {found} values, not {dim}")]
    RowDim { item_id: i64, found: usize, dim: usize },
    /// Rows came out of slot order (the caller then sorts and builds).
    #[error("row of item {item_id} ({slot}) after a {after} row: rows are not in slot order")]
    SlotOrder { item_id: i64, slot: &'static str, after: &'static str },
    /// A slot-ordered matrix is not whole rows of its dimension.
    #[error("matrix buffers do not match (dim {dim})")]
    Buffers { dim: usize },
    /// A kept row number is not ascending or is beyond the matrix.
    #[error("row {row} out of order or beyond the {rows} rows")]
    RowOrder { row: usize, rows: usize },
    /// A query vector is not the index's dimension.
    #[error("query vector for {slot} has {found} values, the index {dim}")]
    QueryDim { slot: &'static str, found: usize, dim: usize },
    /// `OUTFIT_STUDIO_SCORER` names no backend.
    #[error("{SCORER_ENV}={0:?} is not one of cpu, gpu, auto")]
    UnknownChoice(String),
    /// The GPU backend was forced and cannot run; `reason` says why.
    #[error("{SCORER_ENV}=gpu but {reason}")]
    GpuForced { reason: Box<ScoreError> },
    /// No wgpu adapter, one without the compute limits the shaders need, or no device on it.
    #[error("{0}")]
    NoGpu(String),
    /// The GPU failed during an upload, a ranking or its read-back.
    #[error("{0}")]
    Gpu(String),
    /// A [`crate::Scorer`] implemented outside this crate failed; its own words.
    #[error("{0}")]
    Scorer(String),
    /// The bench cannot run as asked (bad flags, a backend that disagrees with the CPU reference).
    #[error("{0}")]
    Bench(String),
    /// The bench's Python peer cannot run.
    #[error(transparent)]
    Peer(#[from] outfit_machine::PeerError),
    /// A file the bench writes for its peer.
    #[error("{}: {error}", path.display())]
    Io { path: PathBuf, error: std::io::Error },
}

impl ScoreError {
    /// An I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> ScoreError {
        let path = path.into();
        move |error| ScoreError::Io { path, error }
    }
}
