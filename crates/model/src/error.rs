//! Why the model layer fails: one enum, so callers can tell a cancelled run from a wrong head file from data
//! that cannot train, without reading messages.

use super::features::CAT_DIM;
use super::head::HeadDims;
use std::path::PathBuf;

/// Results of the model layer.
pub type Result<T, E = ModelError> = std::result::Result<T, E>;

/// Why a head file or a head's tensors cannot be used: each says what was expected, so a wrong model file is
/// reported as such rather than as a maths error later. Data and dataset errors say which file or what was wrong.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("head weights are not a safetensors file: {0}")]
    NotSafetensors(String),
    #[error("head weights lack their dims metadata")]
    MissingDims,
    #[error("head dims metadata malformed: {0}")]
    BadDims(String),
    #[error("head weights lack tensor {0:?}")]
    MissingTensor(String),
    #[error(
        "head tensor {tensor:?} has shape {found:?}, expected {expected:?} (image {} + text {} + categorical {} inputs, hidden {}, embedding {})",
        dims.image, dims.text, dims.cat, dims.hidden, dims.embed
    )]
    WrongShape { tensor: String, found: Vec<usize>, expected: Vec<usize>, dims: HeadDims },
    #[error(
        "the compatibility head expects {}-d image, {}-d text and {}-d categorical features, but the encoders give {image}-d image, {text}-d text and this build {CAT_DIM}-d categorical; re-create or retrain the head for these encoders",
        head.image, head.text, head.cat
    )]
    EncoderMismatch { head: HeadDims, image: usize, text: usize },
    #[error(transparent)]
    Tensor(#[from] candle_core::Error),
    /// The caller's cancel flag was raised; nothing was kept.
    #[error("training cancelled")]
    Cancelled,
    /// The inputs cannot train or evaluate a head (too few outfits, mismatched tables, divergence).
    #[error("{0}")]
    Data(String),
    /// An outfit dataset on disk is missing or malformed; the message names the file (and line where known).
    #[error("{0}")]
    Dataset(String),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// A figure could not be drawn.
    #[error("cannot draw {what}: {message}")]
    Plot { what: String, message: String },
    /// A feed the dataset names could not be read (see the catalogue's own error).
    #[error(transparent)]
    Feed(#[from] outfit_catalogue::CatalogueError),
}

impl ModelError {
    /// Whether the run stopped because it was asked to (not a failure to report).
    pub fn is_cancelled(&self) -> bool {
        matches!(self, ModelError::Cancelled)
    }
    /// A [`ModelError::Data`] from a message.
    pub fn data(message: impl Into<String>) -> ModelError {
        ModelError::Data(message.into())
    }
    /// A [`ModelError::Dataset`] from a message.
    pub fn dataset(message: impl Into<String>) -> ModelError {
        ModelError::Dataset(message.into())
    }
    /// An I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> ModelError {
        let path = path.into();
        move |source| ModelError::Io { path, source }
    }
}
