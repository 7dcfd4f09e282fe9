//! ONNX Runtime provisioning for `ort`'s `load-dynamic` mode.
//!
//! Order: `ORT_DYLIB_PATH` (a user's own build, e.g. with CUDA) > the per-user cache > a one-time fetch of the
//! official PyPI wheel `onnxruntime==1.31.1` through `pip download`, from which the one shared library is unpacked
//! into the cache. Nothing else is downloaded, and nothing is needed by hand on a machine with Python's pip.

use anyhow::{Context, Result, anyhow, bail};
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
    .map_err(|e| anyhow!("{e}"))
}

/// Where the shared library is, fetching it on first use.
pub fn library_path() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        check_library(&p).with_context(|| format!("ORT_DYLIB_PATH={} is not usable", p.display()))?;
        return Ok(p);
    }
    let cached = outfit_paths::cache_dir().join(format!("onnxruntime-{ORT_VERSION}")).join(lib_file_name());
    if check_library(&cached).is_ok() {
        return Ok(cached);
    }
    fetch_into(&cached).with_context(|| {
        format!(
            "ONNX Runtime {ORT_VERSION} is not installed and could not be fetched.\n\
             Either install Python's pip (Debian: apt-get install python3-pip) so Outfit Studio can fetch the \
             `onnxruntime=={ORT_VERSION}` wheel itself, or set ORT_DYLIB_PATH to an existing libonnxruntime.so \
             (1.31.x, e.g. from `pip download --no-deps onnxruntime=={ORT_VERSION}`, file onnxruntime/capi/{})",
            lib_file_name()
        )
    })?;
    Ok(cached)
}

fn lib_file_name() -> String {
    format!("libonnxruntime.so.{ORT_VERSION}")
}

/// A path that does not hold a real shared library can make the dynamic loader hang or crash: check first.
fn check_library(p: &Path) -> Result<()> {
    let mut f = std::fs::File::open(p).with_context(|| format!("{} does not exist", p.display()))?;
    let mut magic = [0u8; 4];
    f.read_exact(&mut magic).with_context(|| format!("{} is empty", p.display()))?;
    if magic != *b"\x7fELF" {
        bail!("{} is not a shared library", p.display());
    }
    Ok(())
}

fn fetch_into(dest: &Path) -> Result<()> {
    let dir = dest.parent().expect("cache path has a parent");
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = tempfile_dir(dir)?;
    let platform = match std::env::consts::ARCH {
        "x86_64" => "manylinux_2_28_x86_64",
        "aarch64" => "manylinux_2_28_aarch64",
        other => bail!("no ONNX Runtime wheel is known for architecture {other}"),
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
        bail!("pip download failed: {last_err}");
    }
    let wheel = std::fs::read_dir(&tmp)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "whl"))
        .ok_or_else(|| anyhow!("pip download produced no wheel"))?;
    let member = format!("onnxruntime/capi/{}", lib_file_name());
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&wheel)?)?;
    let mut entry = zip.by_name(&member).with_context(|| format!("{} lacks {member}", wheel.display()))?;
    let part = tmp.join("lib.part");
    let mut out = std::fs::File::create(&part)?;
    std::io::copy(&mut entry, &mut out)?;
    out.sync_all()?;
    // Rename is atomic: concurrent first runs (parallel tests) each finish with a complete file.
    std::fs::rename(&part, dest)?;
    let _ = std::fs::remove_dir_all(&tmp);
    check_library(dest)
}

fn tempfile_dir(parent: &Path) -> Result<PathBuf> {
    let p = parent.join(format!(".fetch-{}-{}", std::process::id(), chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)));
    std::fs::create_dir_all(&p)?;
    Ok(p)
}
