//! Frame-time distribution of the real app frame (`StudioApp::show` through `egui::Context::run_ui`, plus
//! tessellation; no GPU rendering) while the studio trains a model version in its background job, another
//! process-like thread imports a large feed over and over (holding SQLite's write lock in long transactions),
//! and a simulated stylist builds boards and judges (`a`/`x` keys, undo) at a brisk pace.
//!
//! ```sh
//! cargo run --release --example frame_times -- [--items 3000] [--import 20000] [--frames 900]
//! ```
//!
//! Prints p50 / p95 / max frame time, the frames over 33 ms, and the conditions (cores, load average, what was
//! running).
//!
//! With `--db big.db` (made by `outfit-studio --db big.db bench --make-db 300000`) it measures the app at catalogue
//! scale instead: process start to the first frame and to the first suggestions, peak RSS, and frame times while
//! scrolling the grid with thumbnails decoding and a 4-item board's suggestions shown. Made-up encoder features stand in for the ONNX encoders, so nothing outside the repository is needed.

use anyhow::{Context, Result};
use outfit_studio::Engine;
use outfit_studio::curate::{BoardCommand, Command, Studio, TrainCommand, TrainRequest};
use outfit_studio::store::{StoredFeatures, Verdict};
use outfit_studio::ui::{Dialogs, StudioApp, UiOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

struct NoDialogs;
impl Dialogs for NoDialogs {
    fn pick_feeds(&self) -> Option<Vec<PathBuf>> {
        None
    }
}

/// CPU time this thread has used, in milliseconds.
fn thread_cpu_ms() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|k| args.get(k + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A deterministic unit-ish vector (an LCG), for made-up encoder features.
fn fake_vec(seed: u64, dim: usize) -> Vec<f32> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..dim)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((x >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        })
        .collect()
}

/// A synthetic children's feed of `n` items, SKUs prefixed with `prefix`.
fn write_feed(path: &Path, n: usize, prefix: &str) -> Result<()> {
    let cats = [
        ("T-shirts", "Tee"),
        ("Shorts", "Shorts"),
        ("Sneakers", "Sneakers"),
        ("Jackets", "Jacket"),
        ("Hats", "Sun Hat"),
        ("Dresses", "Dress"),
    ];
    let colours = ["blue", "pink", "navy", "white", "red", "beige", "green", "yellow"];
    let ages = ["baby", "toddler", "kids", "teen"];
    let seasons = ["summer", "winter", "spring", "autumn", "all"];
    let mut csv = String::from("sku,title,description,category,colour,brand,age_group,gender,season,size,price,currency,in_stock\n");
    for k in 0..n {
        let (cat, noun) = cats[k % cats.len()];
        let colour = colours[(k / 7) % colours.len()];
        csv.push_str(&format!(
            "{prefix}{k:06},{} {noun} {k},A soft {noun} for little ones.,{cat},{colour},Brand {},{},unisex,{},2-3Y,{:.2},SEK,{}\n",
            colour,
            k % 23,
            ages[(k / 3) % 4],
            seasons[(k / 11) % 5],
            99.0 + (k % 300) as f64,
            k % 5 != 0
        ));
    }
    std::fs::write(path, csv)?;
    Ok(())
}

/// Peak resident memory of this process so far, in MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib =
        status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok());
    kib.unwrap_or(0.0) / 1024.0
}

fn stats(v: &[f64]) -> (f64, f64, f64, usize) {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let q = |p: f64| s[((s.len() as f64 - 1.0) * p).round() as usize];
    (q(0.5), q(0.95), s[s.len() - 1], v.iter().filter(|t| **t > 33.0).count())
}

/// The app on a `bench --make-db` database (300k items indexed, the shipped head, photos): time from process
/// start to the first frame and to the first frame showing suggestions for a 4-item board, then frames while the
/// stylist scrolls the grid and thumbnails decode, with every empty slot's suggestions on screen.
fn at_scale(db: &Path, frames: usize, started: Instant) -> Result<()> {
    use outfit_studio::engine::bench::bench_sku;
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let studio = Studio::open(db, &models)?;
    let opened = started.elapsed();
    let mut app = StudioApp::new(studio, Box::new(NoDialogs), UiOptions { thumbnails: true, thumb_cache: None, thumb_threads: 2 });
    let ctx = egui::Context::default();
    let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1440.0, 900.0));
    let frame = |app: &mut StudioApp, t: f64| {
        let input = egui::RawInput { screen_rect: Some(screen), time: Some(t), ..Default::default() };
        let mut out = ctx.run_ui(input, |ui| app.show(ui));
        let _ = ctx.tessellate(std::mem::take(&mut out.shapes), out.pixels_per_point);
        out.textures_delta.clear();
    };
    frame(&mut app, started.elapsed().as_secs_f64());
    let first_frame = started.elapsed();
    // A top, a bottom, shoes and an accessory: three empty slots to suggest for.
    for i in [1, 2, 5, 8] {
        let id = app.studio.item_by_sku(&bench_sku(i)).map(|s| s.id).context("not a `bench --make-db` database")?;
        app.studio.apply(Command::Board(BoardCommand::AddItem(id)));
    }
    let t_board = Instant::now();
    while app.studio.suggestions().iter().all(|(_, s)| s.is_empty()) {
        frame(&mut app, started.elapsed().as_secs_f64());
        anyhow::ensure!(t_board.elapsed() < Duration::from_secs(120), "no suggestions after 120 s");
        std::thread::sleep(Duration::from_millis(1));
    }
    let suggested = started.elapsed();
    let first_suggestions = t_board.elapsed();
    let rss_ready = peak_rss_mib();
    let n = app.studio.items().len();
    let (mut times, mut cpu) = (Vec::with_capacity(frames), Vec::with_capacity(frames));
    let rows = n as f32 / 7.0;
    let t0 = Instant::now();
    for k in 0..frames {
        // Scrolling like a stylist flicking through: steady steps, now and then a jump across the catalogue.
        app.scroll_to = Some(if k % 50 == 49 { (k as f32 / frames as f32) * rows * 214.0 } else { k as f32 * 40.0 });
        let (t, c) = (Instant::now(), thread_cpu_ms());
        frame(&mut app, started.elapsed().as_secs_f64());
        times.push(t.elapsed().as_secs_f64() * 1e3);
        cpu.push(thread_cpu_ms() - c);
        std::thread::sleep(Duration::from_millis(16).saturating_sub(t.elapsed()));
    }
    let wall = t0.elapsed().as_secs_f64();
    let (p50, p95, max, over) = stats(&times);
    let (c50, c95, cmax, cover) = stats(&cpu);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let slots: Vec<String> = app.studio.suggestions().iter().map(|(s, v)| format!("{s} {}", v.len())).collect();
    println!(
        "at_scale: {n} items; process start to engine and studio open {:.2} s, to first frame {:.2} s, to first suggestions {:.2} s \
         ({:.0} ms after the board was filled); peak RSS {rss_ready:.0} MiB then, {:.0} MiB at the end",
        opened.as_secs_f64(),
        first_frame.as_secs_f64(),
        suggested.as_secs_f64(),
        first_suggestions.as_secs_f64() * 1e3,
        peak_rss_mib()
    );
    println!(
        "at_scale: {frames} scrolling frames in {wall:.1}s; wall p50 {p50:.2} ms, p95 {p95:.2} ms, max {max:.2} ms; {over} over 33 ms"
    );
    println!("at_scale: UI-thread CPU per frame p50 {c50:.2} ms, p95 {c95:.2} ms, max {cmax:.2} ms; {cover} over 33 ms");
    // The grid's search, on the catalogue the app holds (a worker thread runs it at this size; medians of 15).
    for (label, ms) in app.studio.search_index().timings(15) {
        println!("at_scale: grid search, {label}: median {ms:.1} ms");
    }
    println!(
        "conditions: {cores} cores, load average {}; 4-item board, suggestions {}; {} thumbnails in the texture cache; CPU egui frame + tessellation, no GPU render",
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
        slots.join(", "),
        app.thumbnails_loaded()
    );
    std::process::exit(0)
}

fn main() -> Result<()> {
    let started = Instant::now();
    let args: Vec<String> = std::env::args().collect();
    if let Some(db) = args.iter().position(|a| a == "--db").and_then(|k| args.get(k + 1)) {
        return at_scale(Path::new(db), arg("--frames", 600), started);
    }
    let items = arg("--items", 3000);
    let import_items = arg("--import", 20000);
    let frames = arg("--frames", 900);
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("studio.db");
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");

    // The catalogue, made-up features, and enough judged looks to train on.
    let feed = dir.path().join("catalogue.csv");
    write_feed(&feed, items, "KD-")?;
    let mut e = Engine::open(&db, &models)?;
    e.import(&feed)?;
    let key = e.encoder_key();
    let (di, dt) = (e.manifest().image.dim, e.manifest().text.dim);
    let batch: Vec<_> = e
        .store()
        .all_items()?
        .into_iter()
        .map(|it| {
            let f = StoredFeatures { item_id: it.id, image: Some(fake_vec(it.id as u64, di)), text: fake_vec(1000 + it.id as u64, dt) };
            (it, f, None)
        })
        .collect();
    e.store_mut().put_features(&key, &batch)?;
    e.reload()?;
    let skus: Vec<String> =
        e.items().values().map(|i| i.item.sku.to_string()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let by_slot = |k: usize| -> Vec<String> { skus.iter().skip(k).step_by(6).take(40).cloned().collect() };
    let (tops, bottoms, shoes) = (by_slot(0), by_slot(1), by_slot(2));
    let mut judged = 0;
    for (a, t) in tops.iter().enumerate() {
        for (b, o) in bottoms.iter().enumerate().take(4) {
            let look = vec![t.clone(), o.clone(), shoes[(a + b) % shoes.len()].clone()];
            let v = if (a + b) % 3 == 0 { Verdict::Reject } else { Verdict::Accept };
            e.judge(&look, v, "seed", outfit_studio::store::JudgementSource::Manual, &[], None)?;
            judged += 1;
        }
    }
    let mut studio = Studio::with_engine(e, &db, &models);
    studio.apply(Command::SetStylist("bench".into()));
    studio.settle();
    let mut app = StudioApp::new(studio, Box::new(NoDialogs), UiOptions { thumbnails: false, thumb_cache: None, thumb_threads: 1 });

    // Background load 1: the studio's own training job.
    app.studio.apply(Command::Train(TrainCommand::Start(TrainRequest { epochs: 400, ..TrainRequest::default() })));
    if let Some(err) = app.studio.last_error() {
        anyhow::bail!("training did not start: {err}");
    }
    // Background load 2: an import in "another process" (its own engine), again and again until the end.
    let big = dir.path().join("drop.csv");
    write_feed(&big, import_items, "DROP-")?;
    let stop = Arc::new(AtomicBool::new(false));
    let imports = Arc::new(AtomicUsize::new(0));
    let importer = {
        let (db, models, stop, imports) = (db.clone(), models.clone(), stop.clone(), imports.clone());
        std::thread::spawn(move || -> Result<()> {
            let mut e = Engine::open(&db, &models)?;
            while !stop.load(Ordering::Relaxed) {
                e.import(&big)?;
                imports.fetch_add(1, Ordering::Relaxed);
            }
            Ok(())
        })
    };

    let ctx = egui::Context::default();
    let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1440.0, 900.0));
    let ids: Vec<i64> = app.studio.items().keys().collect();
    let mut times = Vec::with_capacity(frames);
    // The UI thread's own CPU time per frame: what the frame computed, apart from waiting to be scheduled.
    let mut cpu = Vec::with_capacity(frames);
    let mut judgements = 0usize;
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let started = Instant::now();
    let mut training_frames = 0;
    for f in 0..frames {
        let mut input = egui::RawInput { screen_rect: Some(screen), time: Some(started.elapsed().as_secs_f64()), ..Default::default() };
        let t = Instant::now();
        let c = thread_cpu_ms();
        // The stylist: two or three items every few frames, then a judgement key; now and then an undo.
        match f % 12 {
            2 | 5 | 8 => app.studio.apply(Command::Board(BoardCommand::AddItem(ids[next() as usize % ids.len()]))),
            10 => {
                let key = if f % 36 == 10 { egui::Key::X } else { egui::Key::A };
                input.events.push(egui::Event::Key {
                    key,
                    physical_key: None,
                    pressed: true,
                    repeat: false,
                    modifiers: Default::default(),
                });
                judgements += 1;
            }
            11 if f % 60 == 11 => {
                input.events.push(egui::Event::Key {
                    key: egui::Key::Backspace,
                    physical_key: None,
                    pressed: true,
                    repeat: false,
                    modifiers: Default::default(),
                });
            }
            _ => {}
        }
        let mut out = ctx.run_ui(input, |ui| app.show(ui));
        let _ = ctx.tessellate(std::mem::take(&mut out.shapes), out.pixels_per_point);
        // No renderer uploads the font atlas here.
        out.textures_delta.clear();
        times.push(t.elapsed().as_secs_f64() * 1e3);
        cpu.push(thread_cpu_ms() - c);
        if app.studio.training() {
            training_frames += 1;
        }
        // About 60 frames a second, as a window would run.
        std::thread::sleep(Duration::from_millis(16).saturating_sub(t.elapsed()));
    }
    let wall = started.elapsed().as_secs_f64();
    // Writes still queued behind the importer's transactions are reported, not waited for.
    let saving_at_end = app.studio.saving();
    let import_runs = imports.load(Ordering::Relaxed);
    let importer_result: Result<()> =
        if importer.is_finished() { importer.join().map_err(|_| anyhow::anyhow!("importer panicked"))? } else { Ok(()) };
    stop.store(true, Ordering::Relaxed);
    let recorded = app.studio.counts().1;
    let error = app.studio.last_error().map(str::to_string);

    let (p50, p95, max, over) = stats(&times);
    let (c50, c95, cmax, cover) = stats(&cpu);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    println!(
        "frame_times: {frames} frames in {wall:.1}s; wall p50 {p50:.2} ms, p95 {p95:.2} ms, max {max:.2} ms; {over} frames over 33 ms"
    );
    println!("frame_times: UI-thread CPU per frame p50 {c50:.2} ms, p95 {c95:.2} ms, max {cmax:.2} ms; {cover} frames over 33 ms");
    if let Some(e) = error {
        println!("last error shown: {e}");
    }
    println!(
        "conditions: {cores} cores, load average {}; catalogue {items} items (+{import_items}-row feed imported {import_runs} times alongside{}), \
         training running in {training_frames} of {frames} frames, {judgements} judgement keys pressed ({recorded} recorded by the stylist; \
         writes still saving when the frames stopped: {saving_at_end}), {judged} seed judgements; CPU egui frame + tessellation, no GPU render",
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
        importer_result.err().map(|e| format!(", importer stopped: {e:#}")).unwrap_or_default()
    );
    // The training job, the importer and the queued writes stop with the process.
    std::process::exit(0)
}
