//! The demo catalogue travels inside the binary (build.rs embeds assets/demo/) and is written to the data
//! directory on first use, so `outfit-studio` opens it from any working directory, wherever the binary was moved.

use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/demo_files.rs"));

/// The demo could not be written to the data directory (full disk, no permission): the path and the OS's reason.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the demo catalogue to {}: {source}", path.display())]
pub struct InstallError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

fn at(path: &Path) -> impl FnOnce(std::io::Error) -> InstallError + '_ {
    move |source| InstallError { path: path.to_path_buf(), source }
}

const STAMP_FILE: &str = ".demo-stamp";

/// The demo's encoder features, precomputed (`outfit_encode::prebuilt`; regenerate with tools/demo_features.sh):
/// importing the demo stores these instead of encoding 600 photos, so a first launch is usable at once. Not
/// installed into the data dir; an item whose photo or text differs from what they were made from is encoded.
pub const FEATURES: &[u8] = include_bytes!("../../../assets/demo/features.safetensors");

/// The demo catalogue's feed in the data directory (`<data dir>/demo/`), installed on first use.
pub fn feed() -> Result<PathBuf, InstallError> {
    install(&outfit_paths::data_dir().join("demo"))
}

/// Whether `feed` is the demo's feed in the data directory (what [`feed`] returns).
pub fn is_installed_feed(feed: &Path) -> bool {
    feed == outfit_paths::data_dir().join("demo").join("catalogue.csv")
}

/// Writes the embedded demo catalogue into `dir` (unless this version is already there) and returns its feed.
/// Files are written whole and renamed into place, so a concurrent or interrupted install never leaves a torn one;
/// unchanged files are left alone (their modification time is part of an item's content hash).
pub fn install(dir: &Path) -> Result<PathBuf, InstallError> {
    let feed = dir.join("catalogue.csv");
    let stamp = dir.join(STAMP_FILE);
    if feed.is_file() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == DEMO_STAMP) {
        return Ok(feed);
    }
    for (name, bytes) in DEMO_FILES {
        let path = dir.join(name);
        if std::fs::read(&path).is_ok_and(|b| b == *bytes) {
            continue;
        }
        let parent = path.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent).map_err(at(parent))?;
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, bytes).map_err(at(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(at(&path))?;
    }
    std::fs::write(&stamp, DEMO_STAMP).map_err(at(&stamp))?;
    Ok(feed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_demo_is_the_checkout_demo_and_installs_once() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo");
        assert_eq!(DEMO_FILES.len(), 1 + std::fs::read_dir(repo.join("images")).unwrap().count());
        let dir = tempfile::tempdir().unwrap();
        let feed = install(&dir.path().join("demo")).unwrap();
        assert_eq!(std::fs::read(&feed).unwrap(), std::fs::read(repo.join("catalogue.csv")).unwrap());
        let img = dir.path().join("demo/images/KD-000001.png");
        assert_eq!(std::fs::read(&img).unwrap(), std::fs::read(repo.join("images/KD-000001.png")).unwrap());
        // A second install with the same stamp writes nothing; a damaged install is repaired.
        let mtime = std::fs::metadata(&img).unwrap().modified().unwrap();
        install(&dir.path().join("demo")).unwrap();
        assert_eq!(std::fs::metadata(&img).unwrap().modified().unwrap(), mtime);
        std::fs::write(dir.path().join("demo").join(STAMP_FILE), "old").unwrap();
        std::fs::write(&img, b"torn").unwrap();
        install(&dir.path().join("demo")).unwrap();
        assert_eq!(std::fs::read(&img).unwrap(), std::fs::read(repo.join("images/KD-000001.png")).unwrap());
    }
}
