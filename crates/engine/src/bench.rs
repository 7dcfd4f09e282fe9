//! Benchmarks of the engine's real paths on a generated, fully indexed database: `bench --make-db N` builds one
//! (items, frozen features of the encoders' real dimensions, head embeddings and their pack, through the same
//! store calls indexing uses), `bench --cold-start` times whole `complete` processes on it, and `bench --engine`
//! times `Engine::score_outfit` and `Engine::complete` as the app calls them.

use super::{CompletionFilter, Engine};
use crate::{EngineError, Result};
use outfit_catalogue::{AgeGroup, Item, Season, Slot};
use outfit_store::{CatalogueKind, StoredFeatures};
use rand::{Rng, SeedableRng};
use std::path::Path;
use std::time::{Duration, Instant};

/// SKU of the `i`-th generated item (1-based).
pub fn bench_sku(i: usize) -> String {
    format!("BENCH-{i:07}")
}

/// Slot of the `i`-th generated item: shop-like proportions, every slot present from the first eight items on.
fn bench_slot(i: usize) -> Slot {
    const CYCLE: [Slot; 20] = [
        Slot::Top,
        Slot::Bottom,
        Slot::OnePiece,
        Slot::Outerwear,
        Slot::Shoes,
        Slot::Headwear,
        Slot::Bag,
        Slot::Accessory,
        Slot::Top,
        Slot::Top,
        Slot::Top,
        Slot::Bottom,
        Slot::Bottom,
        Slot::Shoes,
        Slot::Shoes,
        Slot::Accessory,
        Slot::Accessory,
        Slot::OnePiece,
        Slot::Top,
        Slot::Bottom,
    ];
    CYCLE[(i - 1) % CYCLE.len()]
}

/// Photos for the generated items, so the app's grid decodes real thumbnails: 64 JPEGs (360x480, a gradient
/// each) in `<database>-images/` beside the database, shared round-robin by the items.
fn write_bench_images(db: &Path) -> Result<Vec<String>> {
    let dir = db.with_file_name(format!("{}-images", db.file_stem().unwrap_or_default().to_string_lossy()));
    std::fs::create_dir_all(&dir).map_err(|e| EngineError::Bench(format!("cannot create {}: {e}", dir.display())))?;
    (0..64u32)
        .map(|k| {
            let path = dir.join(format!("photo-{k:02}.jpg"));
            let (r, g, b) = ((k * 37 % 200) as f32, (k * 71 % 200) as f32, (k * 13 % 200) as f32);
            let img = image::RgbImage::from_fn(360, 480, |x, y| {
                let t = (x + y) as f32 / 840.0;
                image::Rgb([(r + 55.0 * t) as u8, (g + 55.0 * (1.0 - t)) as u8, (b + 40.0 * t) as u8])
            });
            img.save(&path).map_err(|e| EngineError::Bench(format!("cannot write {}: {e}", path.display())))?;
            Ok(std::fs::canonicalize(&path).map_err(EngineError::io(&path))?.to_string_lossy().into_owned())
        })
        .collect()
}

fn unit_vector(rng: &mut impl Rng, dim: usize) -> Vec<f32> {
    let mut v: Vec<f32> = (0..dim).map(|_| rng.random::<f32>() - 0.5).collect();
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.iter_mut().for_each(|x| *x /= n);
    v
}

impl Engine {
    /// Fills an empty database with `n` generated items and indexes them (photos, features of the encoders'
    /// dimensions, embeddings of the active head, the slot-ordered pack): what `bench --cold-start` and `bench --engine` need.
    pub fn make_bench_db(&mut self, n: usize, seed: u64, progress: &mut dyn FnMut(&str)) -> Result<()> {
        if self.store.item_count()? > 0 {
            return Err(EngineError::Invalid(format!(
                "{} already holds items: --make-db fills a new database",
                self.store.path().display()
            )));
        }
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let images = write_bench_images(self.store.path())?;
        const AGES: [Option<AgeGroup>; 6] =
            [Some(AgeGroup::Newborn), Some(AgeGroup::Infant), Some(AgeGroup::Toddler), Some(AgeGroup::Kids), Some(AgeGroup::Kids), None];
        const SEASONS: [Season; 5] = [Season::Spring, Season::Summer, Season::Autumn, Season::Winter, Season::All];
        let items: Vec<Item> = (1..=n)
            .map(|i| {
                let slot = bench_slot(i);
                let mut it = Item::bare(bench_sku(i), slot);
                it.title = format!("Generated {} {i}", slot.label().to_lowercase()).into();
                it.description = "A generated item for benchmarks: soft cotton, easy to wash.".into();
                it.category = slot.label().to_string().into();
                it.colour = ["navy", "red", "white", "green", "yellow"][i % 5].into();
                it.brand = format!("Brand {:03}", (200.0 * rng.random::<f32>().powi(3)) as usize).into();
                it.age_group = AGES[rng.random_range(0..AGES.len())];
                it.season = SEASONS[rng.random_range(0..SEASONS.len())];
                it.in_stock = rng.random::<f32>() < 0.85;
                it.price = Some((5.0 + 60.0 * rng.random::<f64>() * 100.0).round() / 100.0);
                it.currency = "EUR".into();
                it.image = Some(images[i % images.len()].as_str().into());
                it.image_status = outfit_catalogue::ImageStatus::Ok;
                it
            })
            .collect();
        let t = Instant::now();
        self.store.upsert_items(&items, "bench --make-db")?;
        let cat = self.store.ensure_catalogue("Bench", "bench --make-db", CatalogueKind::Feed)?;
        let skus: Vec<String> = items.iter().map(|i| i.sku.to_string()).collect();
        self.store.assign_catalogue(cat, &skus)?;
        drop(items);
        progress(&format!("{n} items stored in {:.1}s", t.elapsed().as_secs_f64()));
        let t = Instant::now();
        let key = self.encoder_key();
        let (image_dim, text_dim) = (self.loaded.manifest.image.dim, self.loaded.manifest.text.dim);
        let stored = self.store.all_items()?;
        for chunk in stored.chunks(2_048) {
            let batch: Vec<_> = chunk
                .iter()
                .map(|it| {
                    let f = StoredFeatures {
                        item_id: it.id,
                        image: Some(unit_vector(&mut rng, image_dim)),
                        text: unit_vector(&mut rng, text_dim),
                    };
                    (it.clone(), f, None)
                })
                .collect();
            self.store.put_features(&key, &batch)?;
        }
        drop(stored);
        progress(&format!("features ({image_dim} image + {text_dim} text) stored in {:.1}s", t.elapsed().as_secs_f64()));
        let t = Instant::now();
        // Nothing is left to encode, so this embeds with the active head and packs, as after a real indexing run.
        self.index_catalogue(32, &mut |_| {}, &|| false)?;
        progress(&format!("embedded and packed {} rows in {:.1}s", self.loaded.index.len(), t.elapsed().as_secs_f64()));
        Ok(())
    }

    /// Medians of `Engine::score_outfit` on a 4-item board and `Engine::complete` for every empty slot of it.
    pub fn bench_paths(&self, reps: usize) -> Result<Vec<(String, Duration)>> {
        let board: Vec<i64> = [1, 2, 5, 8]
            .iter()
            .map(|&i| {
                self.item_by_sku(&bench_sku(i))
                    .map(|s| s.id)
                    .ok_or_else(|| EngineError::Invalid("not a --make-db database (no BENCH-0000001)".into()))
            })
            .collect::<Result<_>>()?;
        let held: Vec<Slot> = board.iter().map(|i| self.loaded.items[i].item.slot).collect();
        // A one-piece does not complete a board that has a top or a bottom.
        let slots: Vec<Slot> = Slot::ALL.into_iter().filter(|s| !held.contains(s) && *s != Slot::OnePiece).collect();
        let (ages, seasons) = self.board_bands(&board);
        let filter = CompletionFilter { age_groups: ages, seasons, in_stock_only: true, ..Default::default() };
        let median = |f: &mut dyn FnMut() -> Result<()>| -> Result<Duration> {
            for _ in 0..3 {
                f()?;
            }
            let mut t = Vec::with_capacity(reps);
            for _ in 0..reps.max(1) {
                let s = Instant::now();
                f()?;
                t.push(s.elapsed());
            }
            t.sort();
            Ok(t[t.len() / 2])
        };
        let score = median(&mut || self.score_outfit(&board).map(drop))?;
        let complete = median(&mut || self.complete(&board, &slots, 20, &filter).map(drop))?;
        Ok(vec![
            ("Engine::score_outfit, 4 items (6 pairs)".into(), score),
            (
                format!("Engine::complete, 4-item board, top-20 for each of its {} empty slots, board bands + in stock", slots.len()),
                complete,
            ),
        ])
    }
}

/// One `complete` process on `db`: wall time from spawn to exit, its CPU time (user + system, which a loaded
/// machine does not inflate the way it does wall time) and its peak RSS in KiB.
fn one_cold_start(exe: &Path, db: &Path, scorer: &str) -> Result<(Duration, Duration, i64)> {
    let t = Instant::now();
    let child = std::process::Command::new(exe)
        .arg("--db")
        .arg(db)
        .args(["complete", &bench_sku(1), "-k", "20"])
        .env(outfit_score::SCORER_ENV, scorer)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| EngineError::Bench(format!("cannot run {}: {e}", exe.display())))?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for the child spawned above, which nothing else waits for.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = t.elapsed();
    if r != pid || !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(EngineError::Bench(format!(
            "`{} --db {} complete {}` failed (status {status})",
            exe.display(),
            db.display(),
            bench_sku(1)
        )));
    }
    let tv = |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    Ok((wall, tv(usage.ru_utime) + tv(usage.ru_stime), usage.ru_maxrss))
}

/// Times whole `outfit-studio complete` processes on a `--make-db` database (process start to the first
/// completion printed), per scorer choice, and prints medians and peak RSS.
pub fn cold_start(db: &Path, reps: usize) -> Result<()> {
    let exe = std::env::current_exe().map_err(|e| EngineError::Bench(format!("cannot find this executable: {e}")))?;
    println!("### cold start: `outfit-studio --db {} complete {} -k 20` (every empty slot)\n", db.display(), bench_sku(1));
    println!(
        "| {} | median wall | min wall | median CPU (user + sys) | peak RSS (max) |\n|---|---:|---:|---:|---:|",
        outfit_score::SCORER_ENV
    );
    for scorer in ["auto", "cpu"] {
        one_cold_start(&exe, db, scorer)?; // page cache warm for every run alike
        let runs: Vec<(Duration, Duration, i64)> = (0..reps.max(1)).map(|_| one_cold_start(&exe, db, scorer)).collect::<Result<_>>()?;
        let mut wall: Vec<Duration> = runs.iter().map(|r| r.0).collect();
        let mut cpu: Vec<Duration> = runs.iter().map(|r| r.1).collect();
        wall.sort();
        cpu.sort();
        let rss = runs.iter().map(|r| r.2).max().unwrap_or(0);
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "| {scorer} | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} MiB |",
            ms(wall[wall.len() / 2]),
            ms(wall[0]),
            ms(cpu[cpu.len() / 2]),
            rss as f64 / 1024.0
        );
    }
    println!("\n{} runs each after one untimed run (database in the page cache); {}", reps, outfit_machine::conditions());
    Ok(())
}
