//! Where an installed package keeps the files the binary needs (ONNX Runtime, the models), found from the
//! executable's own path: an app started from the desktop menu has no checkout and no useful working directory.
//!
//! Both the `.deb` and the portable `tar.gz` use one layout, `<prefix>/bin/outfit-studio` beside
//! `<prefix>/lib/outfit-studio/` (the library and `models/`); `<prefix>/share/outfit-studio/` is accepted too, for
//! distributions that keep architecture-independent data there. The prefix is `/usr` for the `.deb` and the
//! unpacked folder for the `tar.gz`, so the same rule finds both.

use std::path::{Path, PathBuf};

/// The package's name: the `.deb`, the folder under `lib/` and `share/`, and what an error tells the user to install.
pub const PACKAGE: &str = "outfit-studio";

/// What a user is told to do when a packaged file is missing.
pub fn install_hint() -> String {
    format!(
        "install the {PACKAGE} package (`sudo apt install ./{PACKAGE}_*.deb`), or unpack the portable {PACKAGE}-*.tar.gz \
         and start bin/{PACKAGE} from it"
    )
}

/// The running executable with symbolic links resolved (a link in `~/bin` to an unpacked `tar.gz` finds the
/// files beside the real binary); `None` where the platform cannot say.
pub fn current_exe() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(exe.canonicalize().unwrap_or(exe))
}

/// The package directories for an executable at `exe`, in the order they are searched:
/// `<prefix>/lib/outfit-studio`, then `<prefix>/share/outfit-studio`, where `<prefix>` is the folder above the
/// executable's `bin/`. Symbolic links in `exe` are resolved first. Directories are listed whether or not they
/// exist; callers look for their file in each.
pub fn package_dirs(exe: &Path) -> Vec<PathBuf> {
    let exe = exe.canonicalize().unwrap_or_else(|_| exe.to_path_buf());
    let Some(prefix) = exe.parent().and_then(Path::parent) else {
        return Vec::new();
    };
    vec![prefix.join("lib").join(PACKAGE), prefix.join("share").join(PACKAGE)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_dirs_sit_beside_the_executables_bin() {
        assert_eq!(
            package_dirs(Path::new("/nonexistent/usr/bin/outfit-studio")),
            [PathBuf::from("/nonexistent/usr/lib/outfit-studio"), PathBuf::from("/nonexistent/usr/share/outfit-studio")]
        );
        // An executable at the root has no prefix to look under.
        assert!(package_dirs(Path::new("/outfit-studio")).is_empty());
    }

    #[test]
    fn a_link_to_the_binary_finds_the_real_binarys_package() {
        let tmp = tempfile::tempdir().unwrap();
        let unpacked = tmp.path().join("outfit-studio-0.1.0");
        std::fs::create_dir_all(unpacked.join("bin")).unwrap();
        std::fs::write(unpacked.join("bin/outfit-studio"), b"").unwrap();
        std::fs::create_dir_all(tmp.path().join("home/bin")).unwrap();
        let link = tmp.path().join("home/bin/outfit-studio");
        std::os::unix::fs::symlink(unpacked.join("bin/outfit-studio"), &link).unwrap();
        let dirs = package_dirs(&link);
        assert_eq!(dirs[0], unpacked.canonicalize().unwrap().join("lib/outfit-studio"));
    }
}
