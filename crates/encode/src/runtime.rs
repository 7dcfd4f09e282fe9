//! ONNX Runtime provisioning for `ort`'s `load-dynamic` mode.
//!
//! Order ([`locate_library`]): `ORT_DYLIB_PATH` (a user's own build, e.g. with CUDA) > the installed package's
//! copy beside the executable (`<prefix>/lib/outfit-studio/`, see `outfit_paths::package`) > the per-user cache >
//! (developers only) a one-time fetch of the official PyPI wheel `onnxruntime==1.31.1` through `pip download`,
//! unpacked into the cache. An installed package therefore never needs the network or Python.

use crate::error::Explain;
use crate::{EncodeError, Result};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub const ORT_VERSION: &str = "1.31.1";

/// The process-wide ort environment, created once on first use.
pub fn environment() -> Result<&'static ort::environment::Environment> {
    static ENV: OnceLock<std::result::Result<ort::environment::Environment, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let lib = library_path().map_err(|e| format!("{e:#}"))?;
        let builder = ort::init_from(&lib).map_err(|e| format!("cannot load ONNX Runtime from {}: {e}", lib.display()))?;
        builder.with_name("outfit-studio").build().map_err(|e| format!("cannot start ONNX Runtime: {e}"))
    })
    .as_ref()
    .map_err(|e| EncodeError::Runtime(e.clone()))
}

/// Where a library was found, for `doctor` and errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LibrarySource {
    /// `ORT_DYLIB_PATH`.
    Env,
    /// The installed package, beside the executable.
    Package,
    /// The per-user cache (an earlier pip fetch).
    Cache,
    /// Fetched through pip just now (developer fallback).
    Pip,
}

impl LibrarySource {
    pub fn describe(self) -> &'static str {
        match self {
            LibrarySource::Env => "ORT_DYLIB_PATH",
            LibrarySource::Package => "the installed package",
            LibrarySource::Cache => "the user cache",
            LibrarySource::Pip => "fetched through pip into the user cache",
        }
    }
}

/// What [`locate_library`] searches: the environment variable's value, the executable's path and the cache dir,
/// passed in so tests can lay out a package in a temp dir.
#[derive(Debug, Clone)]
pub struct LibraryLookup {
    pub env: Option<PathBuf>,
    pub exe: Option<PathBuf>,
    pub cache_dir: PathBuf,
}

impl LibraryLookup {
    /// This process's: `$ORT_DYLIB_PATH`, the running executable, `outfit_paths::cache_dir()`.
    pub fn from_process() -> LibraryLookup {
        LibraryLookup {
            env: std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()).map(PathBuf::from),
            exe: outfit_paths::package::current_exe(),
            cache_dir: outfit_paths::cache_dir(),
        }
    }

    /// Where a pip fetch unpacks the library (and where the cache step looks).
    pub fn cached(&self) -> PathBuf {
        self.cache_dir.join(format!("onnxruntime-{ORT_VERSION}")).join(lib_file_name())
    }
}

/// The first usable library in lookup order, without fetching anything. `Ok(None)`: none is there (the caller
/// may fetch). An `ORT_DYLIB_PATH` that is set but unusable is an error, not a fall-through: the user asked for
/// that build.
pub fn locate_library(l: &LibraryLookup) -> Result<Option<(PathBuf, LibrarySource)>> {
    if let Some(p) = &l.env {
        check_library(p).explain(EncodeError::Runtime, || format!("ORT_DYLIB_PATH={} is not usable", p.display()))?;
        return Ok(Some((p.clone(), LibrarySource::Env)));
    }
    for dir in l.exe.as_deref().map(outfit_paths::package::package_dirs).unwrap_or_default() {
        let p = dir.join(lib_file_name());
        if check_library(&p).is_ok() {
            return Ok(Some((p, LibrarySource::Package)));
        }
    }
    let cached = l.cached();
    Ok(check_library(&cached).is_ok().then_some((cached, LibrarySource::Cache)))
}

/// Where the shared library is, fetching it through pip (developer fallback) when nothing is installed.
pub fn library_path() -> Result<PathBuf> {
    library_with_source().map(|(p, _)| p)
}

/// [`library_path`] and where it came from.
pub fn library_with_source() -> Result<(PathBuf, LibrarySource)> {
    let l = LibraryLookup::from_process();
    if let Some(found) = locate_library(&l)? {
        return Ok(found);
    }
    let cached = l.cached();
    fetch_into(&cached).explain(EncodeError::Runtime, || {
        let searched: Vec<String> = l
            .exe
            .as_deref()
            .map(outfit_paths::package::package_dirs)
            .unwrap_or_default()
            .iter()
            .chain([cached.parent().unwrap_or(&cached).to_path_buf()].iter())
            .map(|d| d.display().to_string())
            .collect();
        format!(
            "ONNX Runtime {ORT_VERSION} ({}) was not found in {} and could not be fetched.\n\
             To fix: {}, which ship it; or set ORT_DYLIB_PATH to an existing libonnxruntime.so 1.31.x. \
             (Developers: install Python's pip, e.g. `apt-get install python3-pip`, and Outfit Studio fetches the \
             `onnxruntime=={ORT_VERSION}` wheel itself.)",
            lib_file_name(),
            searched.join(", "),
            outfit_paths::package::install_hint()
        )
    })?;
    Ok((cached, LibrarySource::Pip))
}

/// The file name of the library: the same in the wheel, the package and the cache.
pub fn lib_file_name() -> String {
    format!("libonnxruntime.so.{ORT_VERSION}")
}

/// A path that does not hold a real shared library can make the dynamic loader hang or crash: check first.
fn check_library(p: &Path) -> Result<()> {
    let mut f = std::fs::File::open(p).explain(EncodeError::Runtime, || format!("{} does not exist", p.display()))?;
    let mut magic = [0u8; 4];
    f.read_exact(&mut magic).explain(EncodeError::Runtime, || format!("{} is empty", p.display()))?;
    if magic != *b"\x7fELF" {
        return Err(EncodeError::Runtime(format!("{} is not a shared library", p.display())));
    }
    Ok(())
}

fn fetch_into(dest: &Path) -> Result<()> {
    let dir = dest.parent().expect("cache path has a parent");
    std::fs::create_dir_all(dir).map_err(EncodeError::io(dir))?;
    let tmp = tempfile_dir(dir)?;
    let platform = match std::env::consts::ARCH {
        "x86_64" => "manylinux_2_28_x86_64",
        "aarch64" => "manylinux_2_28_aarch64",
        other => return Err(EncodeError::Runtime(format!("no ONNX Runtime wheel is known for architecture {other}"))),
    };
    eprintln!("outfit-studio: fetching ONNX Runtime {ORT_VERSION} (one time, via pip) into {}", dir.display());
    let mut last_err = String::new();
    let mut fetched = false;
    for pip in [["python3", "-m", "pip"], ["python", "-m", "pip"]] {
        let out = Command::new(pip[0])
            .args(&pip[1..])
            .args(["download", "--quiet", "--no-deps", "--only-binary=:all:", "--python-version", "3.11", "--platform", platform])
            .arg(format!("onnxruntime=={ORT_VERSION}"))
            .arg("-d")
            .arg(&tmp)
            .output();
        match out {
            Ok(o) if o.status.success() => {
                fetched = true;
                break;
            }
            Ok(o) => last_err = String::from_utf8_lossy(&o.stderr).trim().to_string(),
            Err(e) => last_err = format!("{} not runnable: {e}", pip[0]),
        }
    }
    if !fetched {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(EncodeError::Runtime(format!("pip download failed: {last_err}")));
    }
    let wheel = std::fs::read_dir(&tmp)
        .map_err(EncodeError::io(&tmp))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "whl"))
        .explain(EncodeError::Runtime, || "pip download produced no wheel".into())?;
    let member = format!("onnxruntime/capi/{}", lib_file_name());
    let file = std::fs::File::open(&wheel).map_err(EncodeError::io(&wheel))?;
    let mut zip = zip::ZipArchive::new(file).explain(EncodeError::Runtime, || format!("{} is not a wheel", wheel.display()))?;
    let mut entry = zip.by_name(&member).explain(EncodeError::Runtime, || format!("{} lacks {member}", wheel.display()))?;
    let part = tmp.join("lib.part");
    let mut out = std::fs::File::create(&part).map_err(EncodeError::io(&part))?;
    std::io::copy(&mut entry, &mut out).and_then(|_| out.sync_all()).map_err(EncodeError::io(&part))?;
    // Rename is atomic: concurrent first runs (parallel tests) each finish with a complete file.
    std::fs::rename(&part, dest).map_err(EncodeError::io(dest))?;
    let _ = std::fs::remove_dir_all(&tmp);
    check_library(dest)
}

fn tempfile_dir(parent: &Path) -> Result<PathBuf> {
    let p = parent.join(format!(".fetch-{}-{}", std::process::id(), chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)));
    std::fs::create_dir_all(&p).map_err(EncodeError::io(&p))?;
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake shared library: only the ELF magic is checked before loading.
    fn fake_lib(p: &Path) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"\x7fELF fake").unwrap();
    }

    /// A temp dir laid out like the installed `.deb` (usr/bin, usr/lib/outfit-studio) plus a user cache.
    fn layout() -> (tempfile::TempDir, LibraryLookup) {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().canonicalize().unwrap();
        let exe = base.join("usr/bin/outfit-studio");
        std::fs::create_dir_all(exe.parent().unwrap()).unwrap();
        std::fs::write(&exe, b"").unwrap();
        let l = LibraryLookup { env: None, exe: Some(exe), cache_dir: base.join("cache") };
        (tmp, l)
    }

    #[test]
    fn lookup_order_is_env_then_package_then_cache() {
        let (tmp, mut l) = layout();
        let base = tmp.path().canonicalize().unwrap();
        assert!(locate_library(&l).unwrap().is_none(), "nothing installed: the caller fetches");
        fake_lib(&l.cached());
        assert_eq!(locate_library(&l).unwrap(), Some((l.cached(), LibrarySource::Cache)));
        let share = base.join("usr/share/outfit-studio").join(lib_file_name());
        fake_lib(&share);
        assert_eq!(locate_library(&l).unwrap(), Some((share, LibrarySource::Package)));
        let lib = base.join("usr/lib/outfit-studio").join(lib_file_name());
        fake_lib(&lib);
        assert_eq!(locate_library(&l).unwrap(), Some((lib, LibrarySource::Package)));
        let own = base.join("cuda/libonnxruntime.so");
        fake_lib(&own);
        l.env = Some(own.clone());
        assert_eq!(locate_library(&l).unwrap(), Some((own, LibrarySource::Env)));
    }

    #[test]
    fn a_broken_package_copy_falls_through_and_a_broken_env_path_is_an_error() {
        let (tmp, mut l) = layout();
        let lib = tmp.path().join("usr/lib/outfit-studio").join(lib_file_name());
        std::fs::create_dir_all(lib.parent().unwrap()).unwrap();
        std::fs::write(&lib, b"not a library").unwrap();
        fake_lib(&l.cached());
        assert_eq!(locate_library(&l).unwrap().unwrap().1, LibrarySource::Cache);
        l.env = Some(tmp.path().join("missing.so"));
        let err = format!("{:#}", locate_library(&l).unwrap_err());
        assert!(err.contains("ORT_DYLIB_PATH") && err.contains("does not exist"), "{err}");
    }

    #[test]
    fn the_portable_tarball_is_found_through_a_link_to_its_binary() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("outfit-studio-0.1.0");
        let exe = root.join("bin/outfit-studio");
        std::fs::create_dir_all(exe.parent().unwrap()).unwrap();
        std::fs::write(&exe, b"").unwrap();
        let lib = root.join("lib/outfit-studio").join(lib_file_name());
        fake_lib(&lib);
        std::fs::create_dir_all(tmp.path().join("home/bin")).unwrap();
        let link = tmp.path().join("home/bin/outfit-studio");
        std::os::unix::fs::symlink(&exe, &link).unwrap();
        let l = LibraryLookup { env: None, exe: Some(link), cache_dir: tmp.path().join("cache") };
        let (found, source) = locate_library(&l).unwrap().unwrap();
        assert_eq!((found, source), (lib.canonicalize().unwrap(), LibrarySource::Package));
    }
}
