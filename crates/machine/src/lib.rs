//! Facts about the machine that every benchmark prints beside its figures (CPUs, cache sizes, load), the
//! process CPU time benchmarks report beside wall time, and the Python peers they run in the same breath.
//! Figures without their conditions do not reproduce.

use std::path::{Path, PathBuf};

/// The CPU's model name from /proc/cpuinfo (the architecture where there is none).
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split(':').nth(1)).map(|s| s.trim().to_string()))
        .unwrap_or_else(|| std::env::consts::ARCH.to_string())
}

/// The machine's cache sizes from sysfs ("L1d 48K, L2 2048K, L3 307200K").
pub fn caches() -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for i in 0..8 {
        let dir = format!("/sys/devices/system/cpu/cpu0/cache/index{i}");
        let read = |f: &str| std::fs::read_to_string(format!("{dir}/{f}")).ok().map(|s| s.trim().to_string());
        let (Some(level), Some(kind), Some(size)) = (read("level"), read("type"), read("size")) else { break };
        let bytes = size.trim_end_matches(['K', 'M', 'G']).parse::<usize>().unwrap_or(0)
            * match size.chars().last() {
                Some('K') => 1 << 10,
                Some('M') => 1 << 20,
                Some('G') => 1 << 30,
                _ => 1,
            };
        let name = match kind.as_str() {
            "Data" => format!("L{level}d"),
            "Instruction" => format!("L{level}i"),
            _ => format!("L{level}"),
        };
        out.push((name, bytes));
    }
    out
}

/// CPU count, model, load average and cache sizes: the conditions every printed figure was measured under.
pub fn conditions() -> String {
    let load =
        std::fs::read_to_string("/proc/loadavg").map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")).unwrap_or_default();
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let caches: Vec<String> = caches().iter().map(|(n, b)| format!("{n} {} KiB", b >> 10)).collect();
    format!("{cpus} CPUs ({}), load average {load}, caches per core/shared: {}", cpu_model(), caches.join(", "))
}

/// User plus system CPU seconds of this process so far, every thread included.
pub fn cpu_seconds() -> f64 {
    // SAFETY: rusage is a plain C struct (all zeroes is a valid value), and getrusage only writes into it.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

/// Why a benchmark's Python peer cannot run: what to do is in the message (run from a checkout, make the venv).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PeerError(pub String);

/// A peer script in `tools/` run by the bench venv's Python (`tools/bench_peers_venv.sh`), with a scratch folder
/// for the inputs the bench writes for it; the folder is removed when the peer is dropped.
pub struct PythonPeer {
    script: PathBuf,
    python: PathBuf,
    dir: PathBuf,
}

impl PythonPeer {
    /// Finds `tools/<script>` (from the working directory or the checkout this binary was built from) and the
    /// venv, and makes an empty scratch folder.
    pub fn find(script: &str) -> Result<PythonPeer, PeerError> {
        let tools = ["tools", concat!(env!("CARGO_MANIFEST_DIR"), "/../../tools")]
            .iter()
            .map(PathBuf::from)
            .find(|d| d.join(script).is_file())
            .ok_or_else(|| PeerError(format!("tools/{script} not found (run from a checkout)")))?;
        let python = tools.join(".venv-bench/bin/python");
        if !python.is_file() {
            return Err(PeerError(format!("{} is missing: run tools/bench_peers_venv.sh once", python.display())));
        }
        let stem = script.trim_end_matches(".py").replace('_', "-");
        let dir = std::env::temp_dir().join(format!("outfit-studio-{stem}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| PeerError(format!("cannot create {}: {e}", dir.display())))?;
        Ok(PythonPeer { script: tools.join(script), python, dir })
    }

    /// The scratch folder for the peer's inputs.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Runs the script with `args` and parses the JSON it prints; its stderr is the error when it fails.
    pub fn run(&self, args: &[&std::ffi::OsStr]) -> Result<serde_json::Value, PeerError> {
        let name = self.script.file_name().unwrap_or_default().to_string_lossy();
        let out = std::process::Command::new(&self.python)
            .arg(&self.script)
            .args(args)
            .output()
            .map_err(|e| PeerError(format!("cannot run {}: {e}", self.python.display())))?;
        if !out.status.success() {
            return Err(PeerError(format!("{name} failed: {}", String::from_utf8_lossy(&out.stderr))));
        }
        serde_json::from_slice(&out.stdout).map_err(|e| PeerError(format!("{name} printed no JSON: {e}")))
    }
}

impl Drop for PythonPeer {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
