//! Where the app keeps things: the data directory (databases, the installed demo) and the per-user cache
//! (ONNX Runtime, thumbnails, dataset features). Environment overrides first, then the platform's conventions
//! (XDG on Linux) through `directories`. Also stable content keys for cache file names.

use sha2::{Digest, Sha256};
use std::path::PathBuf;

pub mod package;

fn project() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "outfit-studio")
}

fn from_env(var: &str) -> Option<PathBuf> {
    std::env::var_os(var).filter(|p| !p.is_empty()).map(PathBuf::from)
}

/// The data directory: `$OUTFIT_STUDIO_DATA`, else the platform data dir (`$XDG_DATA_HOME/outfit-studio`,
/// `~/.local/share/outfit-studio`), else a folder under the temp dir when there is no home.
pub fn data_dir() -> PathBuf {
    from_env("OUTFIT_STUDIO_DATA")
        .or_else(|| project().map(|p| p.data_dir().to_path_buf()))
        .unwrap_or_else(|| std::env::temp_dir().join("outfit-studio"))
}

/// The default database: `studio.db` in the data directory.
pub fn default_db() -> PathBuf {
    data_dir().join("studio.db")
}

/// The per-user cache: `$OUTFIT_STUDIO_CACHE`, else the platform cache dir (`$XDG_CACHE_HOME/outfit-studio`,
/// `~/.cache/outfit-studio`), else a folder under the temp dir.
pub fn cache_dir() -> PathBuf {
    from_env("OUTFIT_STUDIO_CACHE")
        .or_else(|| project().map(|p| p.cache_dir().to_path_buf()))
        .unwrap_or_else(|| std::env::temp_dir().join("outfit-studio-cache"))
}

/// A key for cache file names that stays the same across runs, platforms and Rust releases (std's `DefaultHasher`
/// promises none of that): the first 16 bytes of SHA-256 over the parts, each length-prefixed so that
/// ("ab", "c") and ("a", "bc") differ.
pub fn stable_key(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    hex::encode(&h.finalize()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_keys_are_fixed_and_length_prefixed() {
        // A fixed value (sha256 of the u64 length 6 then "outfit"): cache files written by one build must be
        // found by the next.
        assert_ne!(stable_key(&[b"ab", b"c"]), stable_key(&[b"a", b"bc"]));
        assert_eq!(stable_key(&[]).len(), 32);
        assert_eq!(stable_key(&[b"outfit"]), "151719c62951c79cba9a20be3d28cc2b");
    }
}
