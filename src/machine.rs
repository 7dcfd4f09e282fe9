//! Facts about the machine that every benchmark prints beside its figures (CPUs, cache sizes, load), and the
//! process CPU time benchmarks report beside wall time. Figures without their conditions do not reproduce.

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
