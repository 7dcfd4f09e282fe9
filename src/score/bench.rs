//! `outfit-studio bench`: scoring speed on a generated catalogue, against the memory bound of the same machine.
//!
//! Generates N items (random L2-normalised embeddings; slots, age groups, stock, prices and brands in shop-like
//! proportions; random non-negative slot-pair masks) and prints medians over repeated runs, after warm-up, of:
//! (a) an outfit score of 6 items (15 masked pair terms); (b) top-k completions for one slot with filters;
//! (c) completions for every empty slot of a 2-item board at once (5 queries); (d) the reference: a plain
//! sequential read (sum, all threads) of the rows (b) and (c) scan, and of the whole matrix. The ratios
//! (b)/(d) and (c)/(d) over the same rows say how close ranking is to the memory bound.

use super::cpu::CpuScorer;
use super::gpu::{GpuOptions, GpuScorer};
use super::{EmbeddingIndex, Filter, IndexRow, Query, Scorer};
use crate::catalogue::{AgeGroup, Slot};
use anyhow::{Result, bail};
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use std::hint::black_box;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug, Clone)]
pub struct BenchArgs {
    /// Catalogue size.
    #[arg(long, default_value_t = 300_000)]
    pub items: usize,
    /// Timed repetitions per measurement (after warm-up); the median is printed.
    #[arg(long, default_value_t = 30)]
    pub reps: usize,
    /// cpu, gpu or both (both: the GPU only when an adapter exists).
    #[arg(long, default_value = "both")]
    pub backend: String,
    /// Embedding dimension.
    #[arg(long, default_value_t = 64)]
    pub dim: usize,
    /// Completions per slot.
    #[arg(short, long, default_value_t = 20)]
    pub k: usize,
    #[arg(long, default_value_t = 2025)]
    pub seed: u64,
}

/// A generated catalogue with its slot-pair masks (squared) and calibration.
pub struct Catalogue {
    pub index: EmbeddingIndex,
    /// m² per ordered slot pair, `[u * COUNT + v]`, symmetric.
    pub mask_sq: Vec<Vec<f32>>,
    pub calib: (f32, f32),
}

fn normal(rng: &mut impl Rng) -> f32 {
    let (u1, u2): (f32, f32) = (rng.random::<f32>().max(1e-12), rng.random());
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

fn pick<T: Copy>(rng: &mut impl Rng, table: &[(T, f32)]) -> T {
    let total: f32 = table.iter().map(|t| t.1).sum();
    let mut x = rng.random::<f32>() * total;
    for &(v, w) in table {
        if x < w {
            return v;
        }
        x -= w;
    }
    table[table.len() - 1].0
}

/// Generates a catalogue of `n` items with `dim`-d embeddings.
pub fn generate(n: usize, dim: usize, seed: u64) -> Catalogue {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let slots = [
        (Slot::Top, 25.0),
        (Slot::Bottom, 18.0),
        (Slot::OnePiece, 10.0),
        (Slot::Outerwear, 8.0),
        (Slot::Shoes, 13.0),
        (Slot::Headwear, 6.0),
        (Slot::Bag, 5.0),
        (Slot::Accessory, 15.0),
    ];
    let ages = [
        (Some(AgeGroup::Newborn), 8.0),
        (Some(AgeGroup::Infant), 12.0),
        (Some(AgeGroup::Toddler), 25.0),
        (Some(AgeGroup::Kids), 45.0),
        (Some(AgeGroup::Adult), 5.0),
        (None, 5.0),
    ];
    let brands: Vec<String> = (0..200).map(|i| format!("Brand {i:03}")).collect();
    let mut vectors = vec![0f32; n * dim];
    for row in vectors.chunks_exact_mut(dim.max(1)) {
        let mut norm = 0f32;
        for v in row.iter_mut() {
            *v = normal(&mut rng);
            norm += *v * *v;
        }
        let inv = 1.0 / norm.sqrt().max(1e-12);
        row.iter_mut().for_each(|v| *v *= inv);
    }
    struct Meta {
        slot: Slot,
        age: Option<AgeGroup>,
        in_stock: bool,
        price: Option<f64>,
        brand: usize,
    }
    let metas: Vec<Meta> = (0..n)
        .map(|_| Meta {
            slot: pick(&mut rng, &slots),
            age: pick(&mut rng, &ages),
            in_stock: rng.random::<f32>() < 0.85,
            // Log-normal around 25, 2% unknown.
            price: (rng.random::<f32>() >= 0.02).then(|| ((25f32.ln() + 0.6 * normal(&mut rng)).exp() * 100.0).round() as f64 / 100.0),
            // Zipf-like: a few big brands, a long tail.
            brand: ((brands.len() as f32) * rng.random::<f32>().powi(3)) as usize,
        })
        .collect();
    let rows: Vec<IndexRow<'_>> = metas
        .iter()
        .enumerate()
        .map(|(i, m)| IndexRow {
            item_id: i as i64 + 1,
            slot: m.slot,
            age_group: m.age,
            season: crate::catalogue::Season::All,
            in_stock: m.in_stock,
            price: m.price,
            brand: &brands[m.brand.min(brands.len() - 1)],
            vector: &vectors[i * dim..(i + 1) * dim],
        })
        .collect();
    let index = EmbeddingIndex::build(dim, rows);
    let mut mask_sq = vec![Vec::new(); Slot::COUNT * Slot::COUNT];
    for u in 0..Slot::COUNT {
        for v in u..Slot::COUNT {
            let m: Vec<f32> = (0..dim).map(|_| 0.25 + 1.5 * rng.random::<f32>()).collect();
            mask_sq[u * Slot::COUNT + v] = m.clone();
            mask_sq[v * Slot::COUNT + u] = m;
        }
    }
    Catalogue { index, mask_sq, calib: (6.0, -1.0) }
}

impl Catalogue {
    pub fn mask(&self, u: Slot, v: Slot) -> &[f32] {
        &self.mask_sq[u.index() * Slot::COUNT + v.index()]
    }
    fn slot_of(&self, row: usize) -> Slot {
        Slot::ALL.into_iter().find(|s| self.index.slot_ranges[s.index()].contains(&row)).expect("row in a slot")
    }
    /// σ(a · mean pair term + b) over every pair of `rows`.
    pub fn outfit_score(&self, rows: &[usize]) -> f32 {
        let mut sum = 0f32;
        let mut pairs = 0;
        for (x, &i) in rows.iter().enumerate() {
            for &j in &rows[x + 1..] {
                let m = self.mask(self.slot_of(i), self.slot_of(j));
                sum += m.iter().zip(self.index.row(i).iter().zip(self.index.row(j))).map(|(m, (a, b))| m * a * b).sum::<f32>();
                pairs += 1;
            }
        }
        let mean = sum / pairs.max(1) as f32;
        1.0 / (1.0 + (-(self.calib.0 * mean + self.calib.1)).exp())
    }
    /// q_t = mean_i g_i ⊙ m²(t, slot_i).
    pub fn slot_query(&self, board: &[usize], slot: Slot) -> Vec<f32> {
        let mut q = vec![0f32; self.index.dim];
        for &i in board {
            let m = self.mask(slot, self.slot_of(i));
            for ((qk, gk), mk) in q.iter_mut().zip(self.index.row(i)).zip(m) {
                *qk += gk * mk;
            }
        }
        q.iter_mut().for_each(|v| *v /= board.len().max(1) as f32);
        q
    }
    /// A random row of a slot.
    fn any_row(&self, slot: Slot, rng: &mut impl Rng) -> usize {
        let r = &self.index.slot_ranges[slot.index()];
        r.start + rng.random_range(0..r.len().max(1))
    }
}

/// Sum of rows `range` of the matrix on every thread: the memory-bound reference.
pub fn memory_read(index: &EmbeddingIndex, range: std::ops::Range<usize>, parallel: bool) -> f32 {
    fn sum8(xs: &[f32]) -> f32 {
        let mut acc = [0f32; 16];
        let c = xs.chunks_exact(16);
        let rest: f32 = c.remainder().iter().sum();
        for x in c {
            for l in 0..16 {
                acc[l] += x[l];
            }
        }
        acc.iter().sum::<f32>() + rest
    }
    let data = &index.vectors[range.start * index.dim..range.end * index.dim];
    if !parallel {
        return sum8(data);
    }
    let piece = (data.len() / (rayon::current_num_threads() * 4)).max(16_384);
    data.par_chunks(piece).map(sum8).sum()
}

pub(crate) fn median(reps: usize, warmup: usize, mut f: impl FnMut()) -> Duration {
    for _ in 0..warmup {
        f();
    }
    let mut t: Vec<Duration> = (0..reps.max(1))
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed()
        })
        .collect();
    t.sort();
    t[t.len() / 2]
}

fn fmt(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 { format!("{us:.2} µs") } else { format!("{:.2} ms", us / 1000.0) }
}

pub(crate) fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split(':').nth(1)).map(|s| s.trim().to_string()))
        .unwrap_or_else(|| std::env::consts::ARCH.to_string())
}

struct BackendRun {
    label: String,
    first_call: Duration,
    b: Paired,
    c: Paired,
}

/// Medians of a reference and a measurement timed alternately, and the median of their per-run ratio.
struct Paired {
    reference: Duration,
    time: Duration,
    ratio: f64,
}

fn paired(reps: usize, warmup: usize, mut reference: impl FnMut(), mut f: impl FnMut()) -> Paired {
    for _ in 0..warmup {
        reference();
        f();
    }
    let mut refs = Vec::new();
    let mut times = Vec::new();
    let mut ratios = Vec::new();
    for _ in 0..reps.max(1) {
        let t = Instant::now();
        reference();
        let r = t.elapsed();
        let t = Instant::now();
        f();
        let x = t.elapsed();
        refs.push(r);
        times.push(x);
        ratios.push(x.as_secs_f64() / r.as_secs_f64().max(1e-12));
    }
    refs.sort();
    times.sort();
    ratios.sort_by(f64::total_cmp);
    Paired { reference: refs[refs.len() / 2], time: times[times.len() / 2], ratio: ratios[ratios.len() / 2] }
}

pub fn run(args: BenchArgs) -> Result<()> {
    let which = args.backend.to_ascii_lowercase();
    if !matches!(which.as_str(), "cpu" | "gpu" | "both") {
        bail!("--backend must be cpu, gpu or both, not {:?}", args.backend);
    }
    if args.items < 100 || args.dim == 0 {
        bail!("--items must be at least 100 and --dim positive");
    }
    let t = Instant::now();
    let cat = generate(args.items, args.dim, args.seed);
    let index = &cat.index;
    eprintln!("generated {} items (dim {}) in {:.1}s", index.len(), index.dim, t.elapsed().as_secs_f64());
    let mut rng = rand::rngs::StdRng::seed_from_u64(args.seed ^ 0x5eed);
    let warmup = 3;

    // (a) outfit score of a 6-item outfit.
    let outfit: Vec<usize> = [Slot::Top, Slot::Bottom, Slot::Outerwear, Slot::Shoes, Slot::Headwear, Slot::Bag]
        .iter()
        .map(|&s| cat.any_row(s, &mut rng))
        .collect();
    const INNER: u32 = 1000;
    let a = median(args.reps, warmup, || {
        for _ in 0..INNER {
            black_box(cat.outfit_score(black_box(&outfit)));
        }
    }) / INNER;

    // (b) one slot with filters; (c) every empty slot of a bottom + shoes board.
    let board = vec![cat.any_row(Slot::Bottom, &mut rng), cat.any_row(Slot::Shoes, &mut rng)];
    let filter = Filter {
        age_mask: Some(1 << AgeGroup::Toddler.index() | 1 << AgeGroup::Kids.index()),
        season_mask: None,
        in_stock_only: true,
        min_price: Some(10.0),
        max_price: Some(60.0),
        brands: None,
        exclude_rows: board.iter().map(|&r| r as u32).collect(),
    };
    let one_slot = Slot::Top;
    let empty = [Slot::Top, Slot::Outerwear, Slot::Headwear, Slot::Bag, Slot::Accessory];
    let queries_b = || vec![Query { slot: one_slot, vector: cat.slot_query(&board, one_slot), filter: filter.clone(), k: args.k }];
    let queries_c = || {
        empty.iter().map(|&s| Query { slot: s, vector: cat.slot_query(&board, s), filter: filter.clone(), k: args.k }).collect::<Vec<_>>()
    };
    let rows_b = index.slot_ranges[one_slot.index()].len();
    let rows_c: usize = empty.iter().map(|s| index.slot_ranges[s.index()].len()).sum();

    // (d) the memory-bound references: the whole matrix, and (paired with each ranking below) the same rows.
    let range_b = index.slot_ranges[one_slot.index()].clone();
    let read_b = || {
        black_box(memory_read(index, range_b.clone(), true));
    };
    let read_c = || {
        for s in empty {
            black_box(memory_read(index, index.slot_ranges[s.index()].clone(), true));
        }
    };
    let d_all = median(args.reps, warmup, || {
        black_box(memory_read(index, 0..index.len(), true));
    });
    let d_all_1 = median(args.reps.min(10), 1, || {
        black_box(memory_read(index, 0..index.len(), false));
    });

    let mut scorers: Vec<Box<dyn Scorer>> = Vec::new();
    if which != "gpu" {
        scorers.push(Box::new(CpuScorer::new()));
    }
    let mut gpu_note = None;
    if which != "cpu" {
        match GpuScorer::new(&GpuOptions::default()) {
            Ok(g) => {
                if g.adapter_info().device_type == wgpu::DeviceType::Cpu {
                    gpu_note = Some(format!("{} is a software adapter: GPU figures are for correctness, not speed", g.adapter_info().name));
                }
                scorers.push(Box::new(g));
            }
            Err(e) if which == "gpu" => return Err(e),
            Err(e) => gpu_note = Some(format!("no GPU run: {e:#}")),
        }
    }
    let reference = super::cpu::top_k_cpu(index, &queries_c())?;
    let mut runs = Vec::new();
    for s in &scorers {
        let t = Instant::now();
        let first = s.top_k(index, &queries_c())?;
        let first_call = t.elapsed();
        let same =
            first.iter().zip(&reference).all(|(x, y)| x.len() == y.len() && x.iter().zip(y).all(|(h, r)| (h.score - r.score).abs() < 1e-4));
        if !same {
            bail!("{} returned different completions than the CPU reference", s.backend());
        }
        // Each ranking is timed right after a read of the same rows, so both see the same machine load.
        let b = paired(args.reps, warmup, read_b, || {
            black_box(s.top_k(index, &queries_b()).expect("ranking"));
        });
        let c = paired(args.reps, warmup, read_c, || {
            black_box(s.top_k(index, &queries_c()).expect("ranking"));
        });
        runs.push(BackendRun { label: s.backend().to_string(), first_call, b, c });
    }

    let ratio = |x: Duration, y: Duration| format!("{:.2}x", x.as_secs_f64() / y.as_secs_f64().max(1e-12));
    let mb = (index.len() * index.dim * 4) as f64 / 1e6;
    println!("## outfit-studio bench\n");
    println!(
        "`outfit-studio bench --items {} --reps {} --backend {}`: {} items × {} f32 ({mb:.1} MB), k = {}, median of {} runs after {warmup} warm-up; CPU {} with {} rayon threads.\n",
        args.items,
        args.reps,
        which,
        index.len(),
        index.dim,
        args.k,
        args.reps,
        cpu_model(),
        rayon::current_num_threads()
    );
    let mut header = "| measurement | rows scanned |".to_string();
    let mut sep = "|---|---:|".to_string();
    for r in &runs {
        header += &format!(" {} | memory read of those rows (d) | ratio to (d) |", r.label);
        sep += "---:|---:|---:|";
    }
    println!("{header}\n{sep}");
    // The outfit score is CPU maths whatever ranks completions.
    println!("| (a) outfit score, 6 items (15 masked pair terms) | 6 |{}", format!(" {} | – | – |", fmt(a)).repeat(runs.len()));
    let mut line_b = format!("| (b) top-{} for one slot ({}), filters: age, in stock, price | {rows_b} |", args.k, one_slot.as_str());
    let mut line_c = format!("| (c) top-{} for {} empty slots at once, same filters | {rows_c} |", args.k, empty.len());
    let mut line_f = format!("| first call of (c) (includes the upload on a GPU) | {rows_c} |");
    let mut line_d = format!("| (d) memory read of the whole matrix, all threads (1 thread: {}) | {} |", fmt(d_all_1), index.len());
    for r in &runs {
        line_b += &format!(" {} | {} | {:.2}x |", fmt(r.b.time), fmt(r.b.reference), r.b.ratio);
        line_c += &format!(" {} | {} | {:.2}x |", fmt(r.c.time), fmt(r.c.reference), r.c.ratio);
        line_f += &format!(" {} | – | – |", fmt(r.first_call));
        line_d += &format!(" – | {} | – |", fmt(d_all));
    }
    println!("{line_b}\n{line_c}\n{line_f}\n{line_d}");
    println!();
    for r in &runs {
        println!(
            "- {}: (b)/(d whole matrix) = {}, (c)/(d whole matrix) = {}; effective scan rate of (c): {:.1} GB/s",
            r.label,
            ratio(r.b.time, d_all),
            ratio(r.c.time, d_all),
            (rows_c * index.dim * 4) as f64 / r.c.time.as_secs_f64() / 1e9
        );
    }
    println!("- memory read rate (whole matrix, all threads): {:.1} GB/s", mb / 1e3 / d_all.as_secs_f64());
    if let Some(n) = gpu_note {
        println!("- {n}");
    }
    Ok(())
}
