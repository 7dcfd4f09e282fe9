//! Why an export or a publish fails, by what the stylist does next: change the options (format, image links,
//! prices, product ids: the message says which), fix the product-ID file, free the output, or read the store's
//! error.

use outfit_labels::LabelsError;
use outfit_store::StoreError;
use std::path::PathBuf;

/// Results of the export layer.
pub type Result<T, E = ExportError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A format this export or publish does not write (or a name that could mean two).
    #[error("{0}")]
    Format(String),
    /// The export cannot be made as asked (an image URL template, items without a public image or a price,
    /// products without a shop id, clears without a delete file); the message says what to give.
    #[error("{0}")]
    Refused(String),
    /// A product-ID export line that cannot be read; the message names the line.
    #[error("{0}")]
    ProductIds(String),
    /// A product-ID export file that cannot be used.
    #[error("{} is not a product-ID export: {reason}", path.display())]
    NotProductIds { path: PathBuf, reason: Box<ExportError> },
    /// A file the export reads or writes itself (the product-ID export, the Polyvore layout's files).
    #[error("cannot {what} {}: {error}", path.display())]
    File { what: &'static str, path: PathBuf, error: std::io::Error },
    /// An image of the Polyvore layout could not be converted to JPEG.
    #[error("cannot write {}: {error}", path.display())]
    Image { path: PathBuf, error: image::ImageError },
    /// The output the caller gave failed.
    #[error(transparent)]
    Write(#[from] std::io::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Csv(#[from] csv::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Labels(#[from] LabelsError),
}

impl ExportError {
    /// A file error: `what` is the verb ("read", "write", "create", "copy").
    pub(crate) fn file(what: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> ExportError {
        let path = path.into();
        move |error| ExportError::File { what, path, error }
    }
}
