//! Why a feed or an image file cannot be read at all. Row-level problems are not errors: they are
//! [`crate::RowError`]s inside the parsed feed, so one bad row never stops the rest.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// The feed file itself cannot be read.
    #[error("cannot read feed {}: {source}", path.display())]
    FeedUnreadable { path: PathBuf, source: std::io::Error },
    /// The image file cannot be opened.
    #[error("cannot open image {}: {source}", path.display())]
    ImageUnreadable { path: PathBuf, source: std::io::Error },
    /// The image file is not a decodable image within the size limits.
    #[error("cannot decode {}: {source}", path.display())]
    ImageUndecodable { path: PathBuf, source: image::ImageError },
}
