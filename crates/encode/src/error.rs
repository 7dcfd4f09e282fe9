//! Why encoding fails, by what the user can do about it: install or point at ONNX Runtime, restore a model
//! file, or look at the batch that failed.

use outfit_store::StoreError;
use std::fmt::Display;
use std::path::PathBuf;

/// Results of the encode layer.
pub type Result<T, E = EncodeError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    /// ONNX Runtime is missing, unusable or could not be fetched; the message says how to fix it.
    #[error("{0}")]
    Runtime(String),
    /// A model, tokenizer or manifest file is missing, altered, or not the graph the manifest describes (the
    /// message says what shape was expected).
    #[error("{0}")]
    Model(String),
    /// An encoder failed on a batch (ONNX Runtime's or the tokenizer's own error).
    #[error("{0}")]
    Inference(String),
    /// A feature cache or feature pack is unreadable, inconsistent, or has nothing to hold.
    #[error("{0}")]
    Features(String),
    /// `bench --index` cannot run here (no items, no fp32 reference, no Python peer); the message says why.
    #[error("{0}")]
    Bench(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

impl EncodeError {
    /// An I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> EncodeError {
        let path = path.into();
        move |source| EncodeError::Io { path, source }
    }
}

impl From<ort::Error> for EncodeError {
    fn from(e: ort::Error) -> EncodeError {
        EncodeError::Inference(e.to_string())
    }
}

impl From<ndarray::ShapeError> for EncodeError {
    fn from(e: ndarray::ShapeError) -> EncodeError {
        EncodeError::Inference(e.to_string())
    }
}

impl From<outfit_machine::PeerError> for EncodeError {
    fn from(e: outfit_machine::PeerError) -> EncodeError {
        EncodeError::Bench(e.0)
    }
}

/// Feature caches and packs are safetensors files with JSON metadata: their decoding errors are feature errors.
impl From<safetensors::SafeTensorError> for EncodeError {
    fn from(e: safetensors::SafeTensorError) -> EncodeError {
        EncodeError::Features(e.to_string())
    }
}

impl From<serde_json::Error> for EncodeError {
    fn from(e: serde_json::Error) -> EncodeError {
        EncodeError::Features(e.to_string())
    }
}

/// Adds what was being done to a foreign error, as one typed variant (the crate's own `context`).
pub(crate) trait Explain<T> {
    fn explain(self, kind: fn(String) -> EncodeError, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T, E: Display> Explain<T> for std::result::Result<T, E> {
    fn explain(self, kind: fn(String) -> EncodeError, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| kind(format!("{}: {e}", what())))
    }
}

impl<T> Explain<T> for Option<T> {
    fn explain(self, kind: fn(String) -> EncodeError, what: impl FnOnce() -> String) -> Result<T> {
        self.ok_or_else(|| kind(what()))
    }
}
