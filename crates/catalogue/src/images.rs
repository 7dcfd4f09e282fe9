//! Item images: resolving feed references to files, a cheap validity check at import, and decoding with limits.
//!
//! A missing or broken image never blocks an item: it is imported with an [`ImageStatus`] that the encoder and
//! the UI respect (text-only features, a placeholder thumbnail).

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageStatus {
    /// The feed gave no image.
    None,
    /// A local file whose header decodes.
    Ok,
    /// A local path that does not exist.
    Missing,
    /// A file that exists but is not a decodable image (or is too large to decode safely).
    Corrupt,
    /// An http(s) URL: not fetched by the app (catalogue hosts are not reachable from every workstation).
    Remote,
}

impl ImageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ImageStatus::None => "none",
            ImageStatus::Ok => "ok",
            ImageStatus::Missing => "missing",
            ImageStatus::Corrupt => "corrupt",
            ImageStatus::Remote => "remote",
        }
    }
    pub fn parse(s: &str) -> ImageStatus {
        match s {
            "ok" => ImageStatus::Ok,
            "missing" => ImageStatus::Missing,
            "corrupt" => ImageStatus::Corrupt,
            "remote" => ImageStatus::Remote,
            _ => ImageStatus::None,
        }
    }
    /// A human-readable note when the image will not be used, for import warnings.
    pub fn problem(self) -> Option<String> {
        match self {
            ImageStatus::Missing => Some("image file not found; item imported without an image".into()),
            ImageStatus::Corrupt => Some("image file is not a readable image; item imported without an image".into()),
            ImageStatus::Remote => Some("remote image URL is not downloaded; item imported without an image".into()),
            _ => None,
        }
    }
    pub fn usable(self) -> bool {
        self == ImageStatus::Ok
    }
}

/// Largest image side we decode; bigger images are refused instead of risking gigabytes of RAM.
pub const MAX_DIMENSION: u32 = 12_000;
/// Upper bound on decoder allocations.
pub const MAX_ALLOC_BYTES: u64 = 192 * 1024 * 1024;

/// Resolves a feed's image reference (relative path, absolute path, `file://` URL or http URL).
pub fn resolve(reference: &str, feed_dir: &Path) -> (String, ImageStatus) {
    let r = reference.trim();
    if r.starts_with("http://") || r.starts_with("https://") {
        return (r.to_string(), ImageStatus::Remote);
    }
    let path: PathBuf = if r.starts_with("file:") {
        match url::Url::parse(r).ok().and_then(|u| u.to_file_path().ok()) {
            Some(p) => p,
            None => return (r.to_string(), ImageStatus::Missing),
        }
    } else {
        let p = Path::new(r);
        if p.is_absolute() { p.to_path_buf() } else { feed_dir.join(p) }
    };
    let status = check(&path);
    let shown = std::path::absolute(&path).unwrap_or(path);
    (shown.to_string_lossy().into_owned(), status)
}

/// Reads only the image header: cheap enough for 300k items at import.
pub fn check(path: &Path) -> ImageStatus {
    if !path.is_file() {
        return ImageStatus::Missing;
    }
    match image::ImageReader::open(path).and_then(|r| r.with_guessed_format()) {
        Ok(reader) => match reader.into_dimensions() {
            Ok((w, h)) if w > 0 && h > 0 && w <= MAX_DIMENSION && h <= MAX_DIMENSION => ImageStatus::Ok,
            _ => ImageStatus::Corrupt,
        },
        Err(_) => ImageStatus::Corrupt,
    }
}

/// Decodes an image fully, with dimension and allocation limits, as RGBA8 (CMYK, 16-bit and palette images are
/// converted; animated formats give their first frame).
pub fn load_rgba(path: &Path) -> Result<image::RgbaImage, crate::CatalogueError> {
    let open = || image::ImageReader::open(path)?.with_guessed_format();
    let mut reader = open().map_err(|source| crate::CatalogueError::ImageUnreadable { path: path.to_path_buf(), source })?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_ALLOC_BYTES);
    reader.limits(limits);
    let img = reader.decode().map_err(|source| crate::CatalogueError::ImageUndecodable { path: path.to_path_buf(), source })?;
    Ok(img.to_rgba8())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_and_checks() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("a.png");
        image::RgbImage::from_pixel(4, 4, image::Rgb([1, 2, 3])).save(&good).unwrap();
        std::fs::write(dir.path().join("bad.jpg"), b"not a jpeg").unwrap();
        std::fs::write(dir.path().join("empty.png"), b"").unwrap();
        assert_eq!(resolve("a.png", dir.path()).1, ImageStatus::Ok);
        let url = url::Url::from_file_path(&good).unwrap().to_string();
        assert_eq!(resolve(&url, Path::new("/nowhere")).1, ImageStatus::Ok);
        assert_eq!(resolve("bad.jpg", dir.path()).1, ImageStatus::Corrupt);
        assert_eq!(resolve("empty.png", dir.path()).1, ImageStatus::Corrupt);
        assert_eq!(resolve("gone.png", dir.path()).1, ImageStatus::Missing);
        assert_eq!(resolve("https://shop.example/x.jpg", dir.path()).1, ImageStatus::Remote);
        assert!(load_rgba(&dir.path().join("bad.jpg")).is_err());
        assert_eq!(load_rgba(&good).unwrap().dimensions(), (4, 4));
    }
}
