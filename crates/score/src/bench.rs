//! `outfit-studio bench`: scoring speed on a generated catalogue, against the memory bound of the same machine.
//!
//! Generates N items (random L2-normalised embeddings; slots, age groups, stock, prices and brands in shop-like
//! proportions; random non-negative slot-pair masks) and prints medians over repeated runs, after warm-up, of:
//! (a) an outfit score of 6 items (15 masked pair terms); (b) top-k completions for one slot with filters;
//! (c) completions for every empty slot of a 2-item board at once (5 queries); (d) the reference: a plain
//! sequential read (sum, all threads) of the bytes (b) and (c) stream (the rows' int8 copy), and of the whole f32
//! matrix. The ratios (b)/(d) and (c)/(d) over the same rows say how close ranking is to the memory bound.

use super::cpu::{CpuScorer, Precision, top_k_stats, top_k_with};
use super::gpu::{GpuOptions, GpuScorer};
use super::{EmbeddingIndex, Filter, IndexRow, Query, Result, ScoreError, Scorer};
use outfit_catalogue::{AgeGroup, Slot};
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// What to measure (the `bench` subcommand's flags).
#[derive(Debug, Clone)]
pub struct BenchConfig {
    /// Catalogue size.
    pub items: usize,
    /// Timed repetitions per measurement (after warm-up); the median is printed.
    pub reps: usize,
    /// cpu, gpu or both (both: the GPU only when an adapter exists).
    pub backend: String,
    pub dim: usize,
    /// Completions per slot.
    pub k: usize,
    pub seed: u64,
    /// Also run numpy and FAISS on the same matrix, filters and queries.
    pub peers: bool,
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
            styling: outfit_catalogue::Styling::default(),
            in_stock: m.in_stock,
            price: m.price,
            brand: &brands[m.brand.min(brands.len() - 1)],
            catalogue: 0,
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

/// Sum of the int8 codes and scales of rows `range` on every thread: the bytes a CPU scan of those rows streams.
pub fn memory_read_codes(index: &EmbeddingIndex, range: std::ops::Range<usize>) -> i64 {
    fn sum(xs: &[i8]) -> i64 {
        // i16 lanes cannot overflow over 256 codes; the compiler vectorises both loops.
        xs.chunks(256).map(|c| c.iter().fold(0i16, |a, &x| a.wrapping_add(x as i16)) as i64).sum()
    }
    let data = &index.codes[range.start * index.dim..range.end * index.dim];
    let scales = index.scales[range].iter().sum::<f32>() as i64;
    let piece = (data.len() / (rayon::current_num_threads() * 4)).max(65_536);
    data.par_chunks(piece).map(sum).sum::<i64>() + scales
}

pub fn median(reps: usize, warmup: usize, f: impl FnMut()) -> Duration {
    median_after(reps, warmup, || (), f)
}

/// Median of `f` over `reps` runs after `warmup`, each run preceded (untimed) by `before`.
fn median_after(reps: usize, warmup: usize, before: impl Fn(), mut f: impl FnMut()) -> Duration {
    for _ in 0..warmup {
        f();
    }
    let mut t: Vec<Duration> = (0..reps.max(1))
        .map(|_| {
            before();
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

/// Reads a buffer twice the last-level cache between cold measurements, so the rows come from DRAM.
struct Evictor(Vec<u64>);

impl Evictor {
    fn new() -> Evictor {
        let llc = outfit_machine::caches().iter().map(|c| c.1).max().unwrap_or(32 << 20);
        Evictor(vec![1; (2 * llc).clamp(64 << 20, 1 << 30) / 8])
    }
    fn bytes(&self) -> usize {
        self.0.len() * 8
    }
    fn touch(&self) {
        // One read per 64-byte line.
        black_box(self.0.iter().step_by(8).fold(0u64, |a, &x| a ^ x));
    }
}

/// Median of `f` run right after the caches were flushed by `ev`.
fn cold_median(reps: usize, ev: &Evictor, f: impl FnMut()) -> Duration {
    median_after(reps, 1, || ev.touch(), f)
}

struct BackendRun {
    label: String,
    cpu: bool,
    first_call: Duration,
    /// Warm, each paired with a read of the same rows.
    b: Paired,
    c: Paired,
    b_cold: Duration,
    c_cold: Duration,
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

/// Runs the bench and prints its report (Markdown) to stdout.
///
/// Long because it is the report, table by table, in print order: each measurement sits by the line it prints.
pub fn run(args: BenchConfig) -> Result<()> {
    let which = args.backend.to_ascii_lowercase();
    if !matches!(which.as_str(), "cpu" | "gpu" | "both") {
        return Err(ScoreError::Bench(format!("--backend must be cpu, gpu or both, not {:?}", args.backend)));
    }
    if args.items < 100 || args.dim == 0 {
        return Err(ScoreError::Bench("--items must be at least 100 and --dim positive".into()));
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
        in_stock_only: true,
        min_price: Some(10.0),
        max_price: Some(60.0),
        brands: None,
        exclude_rows: board.iter().map(|&r| r as u32).collect(),
        ..Default::default()
    };
    let one_slot = Slot::Top;
    let empty = [Slot::Top, Slot::Outerwear, Slot::Headwear, Slot::Bag, Slot::Accessory];
    let queries_b = || vec![Query { slot: one_slot, vector: cat.slot_query(&board, one_slot), filter: filter.clone(), k: args.k }];
    let queries_c = || {
        empty.iter().map(|&s| Query { slot: s, vector: cat.slot_query(&board, s), filter: filter.clone(), k: args.k }).collect::<Vec<_>>()
    };
    let rows_b = index.slot_ranges[one_slot.index()].len();
    let rows_c: usize = empty.iter().map(|s| index.slot_ranges[s.index()].len()).sum();

    // (d) the memory-bound references: the whole matrix, and (paired with each ranking below) the bytes a scan of
    // the same rows streams, their int8 copy.
    let range_b = index.slot_ranges[one_slot.index()].clone();
    let read_b = || {
        black_box(memory_read_codes(index, range_b.clone()));
    };
    let read_c = || {
        for s in empty {
            black_box(memory_read_codes(index, index.slot_ranges[s.index()].clone()));
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
    let ev = Evictor::new();
    let cold_reps = args.reps.min(15);
    let (qb, qc) = (queries_b(), queries_c());
    let mut runs = Vec::new();
    for s in &scorers {
        let t = Instant::now();
        let first = s.top_k(index, &qc)?;
        let first_call = t.elapsed();
        let same =
            first.iter().zip(&reference).all(|(x, y)| x.len() == y.len() && x.iter().zip(y).all(|(h, r)| (h.score - r.score).abs() < 1e-4));
        if !same {
            return Err(ScoreError::Bench(format!("{} returned different completions than the CPU reference", s.backend())));
        }
        // Each warm ranking is timed right after a read of the same rows, so both see the same machine load.
        let b = paired(args.reps, warmup, read_b, || {
            black_box(s.top_k(index, &qb).expect("ranking"));
        });
        let c = paired(args.reps, warmup, read_c, || {
            black_box(s.top_k(index, &qc).expect("ranking"));
        });
        let b_cold = cold_median(cold_reps, &ev, || {
            black_box(s.top_k(index, &qb).expect("ranking"));
        });
        let c_cold = cold_median(cold_reps, &ev, || {
            black_box(s.top_k(index, &qc).expect("ranking"));
        });
        runs.push(BackendRun { label: s.backend().to_string(), cpu: s.backend().kind == "CPU", first_call, b, c, b_cold, c_cold });
    }
    let (rb_cold, rc_cold) = (cold_median(cold_reps, &ev, read_b), cold_median(cold_reps, &ev, read_c));

    let ratio = |x: Duration, y: Duration| format!("{:.2}x", x.as_secs_f64() / y.as_secs_f64().max(1e-12));
    let mb = (index.len() * index.dim * 4) as f64 / 1e6;
    println!("## outfit-studio bench\n");
    println!(
        "`outfit-studio bench --items {} --reps {} --backend {}`: {} items × {} f32 ({mb:.1} MB; the CPU scan streams their int8 copy, {:.1} MB), k = {}, median of {} runs after {warmup} warm-up; cold: a {} MiB buffer (2x the last-level cache) is read before each of {cold_reps} runs; CPU {} with {} rayon threads.\n",
        args.items,
        args.reps,
        which,
        index.len(),
        index.dim,
        (index.codes.len() + 4 * index.scales.len()) as f64 / 1e6,
        args.k,
        args.reps,
        ev.bytes() >> 20,
        outfit_machine::cpu_model(),
        rayon::current_num_threads()
    );
    println!(
        "Every figure below is measured once, on the product's path (the scorer's `top_k`, filters included), and repeated where a later table cites it.\n"
    );
    let mut header = "| measurement | rows scanned |".to_string();
    let mut sep = "|---|---:|".to_string();
    for r in &runs {
        header += &format!(" {} | memory read of those rows' int8 copy (d) | ratio to (d) |", r.label);
        sep += "---:|---:|---:|";
    }
    println!("{header}\n{sep}");
    // The outfit score is CPU maths whatever ranks completions.
    println!("| (a) outfit score, 6 items (15 masked pair terms) | 6 |{}", format!(" {} | – | – |", fmt(a)).repeat(runs.len()));
    let what_b = format!("top-{} for one slot ({}), filters: age, in stock, price", args.k, one_slot.as_str());
    let what_c = format!("top-{} for {} empty slots at once, same filters", args.k, empty.len());
    let mut line_b = format!("| (b) {what_b}, warm | {rows_b} |");
    let mut line_bc = format!("| (b) same, cold | {rows_b} |");
    let mut line_c = format!("| (c) {what_c}, warm | {rows_c} |");
    let mut line_cc = format!("| (c) same, cold | {rows_c} |");
    let mut line_f = format!("| first call of (c) (includes the upload on a GPU) | {rows_c} |");
    let mut line_d = format!("| (d) memory read of the whole f32 matrix, all threads (1 thread: {}) | {} |", fmt(d_all_1), index.len());
    for r in &runs {
        line_b += &format!(" {} | {} | {:.2}x |", fmt(r.b.time), fmt(r.b.reference), r.b.ratio);
        line_bc += &format!(" {} | {} | {} |", fmt(r.b_cold), fmt(rb_cold), ratio(r.b_cold, rb_cold));
        line_c += &format!(" {} | {} | {:.2}x |", fmt(r.c.time), fmt(r.c.reference), r.c.ratio);
        line_cc += &format!(" {} | {} | {} |", fmt(r.c_cold), fmt(rc_cold), ratio(r.c_cold, rc_cold));
        line_f += &format!(" {} | – | – |", fmt(r.first_call));
        line_d += &format!(" – | {} | – |", fmt(d_all));
    }
    println!("{line_b}\n{line_bc}\n{line_c}\n{line_cc}\n{line_f}\n{line_d}");
    println!();
    for r in &runs {
        println!(
            "- {}: (b)/(d whole matrix) = {}, (c)/(d whole matrix) = {}; effective scan rate of (c), f32-equivalent: {:.1} GB/s",
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
    let Some(cpu) = runs.iter().find(|r| r.cpu) else {
        println!("\nConditions: {}", outfit_machine::conditions());
        return Ok(());
    };
    let product = [cpu.b.time, cpu.b_cold, cpu.c.time, cpu.c_cold];

    // What the int8 copy buys: the same scan over the f32 rows, and the cold read of the f32 rows.
    println!("\n### CPU scan: the int8 copy against the f32 rows, warm and cold\n");
    println!("| scan | (b) one slot warm | (b) cold | (c) {} slots warm | (c) cold |\n|---|---:|---:|---:|---:|", empty.len());
    let bw = median(args.reps, warmup, || {
        black_box(top_k_with(index, &qb, Precision::F32).expect("ranking"));
    });
    let bc = cold_median(cold_reps, &ev, || {
        black_box(top_k_with(index, &qb, Precision::F32).expect("ranking"));
    });
    let cw = median(args.reps, warmup, || {
        black_box(top_k_with(index, &qc, Precision::F32).expect("ranking"));
    });
    let cc = cold_median(cold_reps, &ev, || {
        black_box(top_k_with(index, &qc, Precision::F32).expect("ranking"));
    });
    println!("| f32 rows | {} | {} | {} | {} |", fmt(bw), fmt(bc), fmt(cw), fmt(cc));
    println!(
        "| int8 rows, top candidates re-scored in f32 (the scorer, from the first table) | {} | {} | {} | {} |",
        fmt(product[0]),
        fmt(product[1]),
        fmt(product[2]),
        fmt(product[3])
    );
    let read_b32 = || {
        black_box(memory_read(index, range_b.clone(), true));
    };
    println!(
        "| memory read of the (b) rows, f32, all threads | {} | {} | – | – |",
        fmt(median(args.reps, warmup, read_b32)),
        fmt(cold_median(cold_reps, &ev, read_b32))
    );
    println!("| memory read of the (b) rows' int8 copy, all threads | {} | {} | – | – |", fmt(cpu.b.reference), fmt(rb_cold));
    // Recall@k over random boards: each ranking's top-k rows against the f32 ranking's.
    let boards = 100;
    let (mut raw, mut rescored, mut total, mut fallbacks) = (0usize, 0usize, 0usize, 0usize);
    for _ in 0..boards {
        let board = [cat.any_row(Slot::Bottom, &mut rng), cat.any_row(Slot::Shoes, &mut rng)];
        let q = vec![Query { slot: one_slot, vector: cat.slot_query(&board, one_slot), filter: filter.clone(), k: args.k }];
        let exact: std::collections::HashSet<u32> = top_k_with(index, &q, Precision::F32)?[0].iter().map(|h| h.row).collect();
        let found = |hits: &[super::Hit]| hits.iter().filter(|h| exact.contains(&h.row)).count();
        raw += found(&top_k_with(index, &q, Precision::Int8)?[0]);
        let (hits, stats) = top_k_stats(index, &q, Precision::Int8Rescored)?;
        rescored += found(&hits[0]);
        fallbacks += stats.fallbacks;
        total += exact.len();
    }
    let fallbacks_c = top_k_stats(index, &qc, Precision::Int8Rescored)?.1.fallbacks;
    println!(
        "\nrecall@{} against the f32 ranking over {boards} random boards: int8 scores {:.4}, int8 scan re-scored in f32 {:.4} ({fallbacks} of {boards} queries fell back to an f32 scan because the int8 error bound could not prove their candidates; (c): {fallbacks_c} of {} queries)",
        args.k,
        raw as f64 / total.max(1) as f64,
        rescored as f64 / total.max(1) as f64,
        qc.len()
    );
    if args.peers {
        peers(&args, &cat, &filter, &qb, &qc, &ev, product)?;
    }
    println!("\nConditions: {}", outfit_machine::conditions());
    Ok(())
}

/// Runs `tools/bench_peers.py` on this run's matrix, filter and queries and prints its medians beside ours.
fn peers(
    args: &BenchConfig,
    cat: &Catalogue,
    filter: &Filter,
    qb: &[Query],
    qc: &[Query],
    ev: &Evictor,
    project: [Duration; 4],
) -> Result<()> {
    let index = &cat.index;
    let py = outfit_machine::PythonPeer::find("bench_peers.py")?;
    let dir = py.dir();
    let case = |qs: &[Query]| -> Vec<serde_json::Value> {
        qs.iter()
            .map(|q| {
                let r = &index.slot_ranges[q.slot.index()];
                serde_json::json!({ "start": r.start, "end": r.end, "vector": q.vector })
            })
            .collect()
    };
    let meta = serde_json::json!({
        "rows": index.len(), "dim": index.dim, "k": args.k, "reps": args.reps.min(15), "evict_bytes": ev.bytes(),
        "cases": { "b": case(qb), "c": case(qc) },
    });
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).map_err(ScoreError::io(dir.join(name)));
    write("meta.json", meta.to_string().as_bytes())?;
    write("matrix.f32", bytemuck::cast_slice::<f32, u8>(&index.vectors))?;
    let mask: Vec<u8> = (0..index.len()).map(|r| filter.accepts(r, &index.meta[r]) as u8).collect();
    write("mask.u8", &mask)?;
    let threads = rayon::current_num_threads();
    let v = py.run(&[dir.as_os_str(), "--threads".as_ref(), threads.to_string().as_ref()])?;
    let ours: std::collections::HashSet<u64> = super::cpu::top_k_cpu(index, qb)?[0].iter().map(|h| h.row as u64).collect();
    println!(
        "\n### Peers in the same run: numpy {} and FAISS {} (Python {}), {threads} threads each, same matrix, filter and queries\n",
        v["numpy"].as_str().unwrap_or("?"),
        v["faiss"].as_str().unwrap_or("?"),
        v["python"].as_str().unwrap_or("?")
    );
    println!(
        "| case | outfit-studio | numpy | numpy / ours | FAISS IndexFlatIP + IDSelectorBatch | FAISS / ours |\n|---|---:|---:|---:|---:|---:|"
    );
    for (i, (key, label)) in [
        ("b_warm", "(b) one slot, warm"),
        ("b_cold", "(b) one slot, cold"),
        ("c_warm", "(c) 5 slots, warm"),
        ("c_cold", "(c) 5 slots, cold"),
    ]
    .into_iter()
    .enumerate()
    {
        let ms = |peer: &str| v[format!("{peer}_{key}_ms")].as_f64().unwrap_or(f64::NAN);
        let our = project[i].as_secs_f64() * 1e3;
        let (np, fa) = (ms("numpy"), ms("faiss"));
        println!("| {label} | {our:.3} ms | {np:.3} ms | {:.2}x | {fa:.3} ms | {:.2}x |", np / our, fa / our);
    }
    for peer in ["numpy", "faiss"] {
        let rows: Vec<u64> =
            v[format!("{peer}_rows_b")].as_array().map(|a| a.iter().filter_map(|x| x.as_u64()).collect()).unwrap_or_default();
        let same = rows.iter().filter(|r| ours.contains(r)).count();
        println!("- {peer}'s top-{} for (b) shares {same} of {} rows with ours", args.k, ours.len());
    }
    Ok(())
}
