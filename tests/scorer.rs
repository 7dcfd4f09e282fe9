//! The scorer through its public API: top-k against a brute-force sort (ties, every filter, edge cases), CPU vs
//! GPU equality on whatever adapter there is (lavapipe/llvmpipe in CI), chunking under a forced small binding
//! limit, and backend selection with no adapter.

// Only `no_adapter` is used here.
#[allow(dead_code)]
mod common;

use common::no_adapter;
use outfit_studio::catalogue::styling::{BOYS, GIRLS};
use outfit_studio::catalogue::{AgeGroup, Occasion, Season, Slot, Styling};
use outfit_studio::curate::search::SEASONS;
use outfit_studio::score::gpu::{GpuOptions, GpuScorer};
use outfit_studio::score::{self, EmbeddingIndex, Filter, Hit, IndexRow, Query, Scorer, ScorerChoice, hit_order, season_bit};
use rand::{Rng, SeedableRng};

/// A small catalogue with every awkward case: unknown ages, NaN prices, out-of-stock rows, many brands,
/// duplicated vectors (exact ties) and, when `skip_slot` is set, a slot with no rows.
fn catalogue(n: usize, dim: usize, seed: u64, skip_slot: Option<Slot>) -> EmbeddingIndex {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let brands: Vec<String> = (0..40).map(|i| format!("b{i}")).collect();
    let mut vectors: Vec<Vec<f32>> = Vec::with_capacity(n);
    for i in 0..n {
        if i > 10 && rng.random::<f32>() < 0.1 {
            // An exact duplicate of an earlier row: equal scores, ordered by row.
            let j = rng.random_range(0..i);
            vectors.push(vectors[j].clone());
        } else {
            let v: Vec<f32> = (0..dim).map(|_| rng.random::<f32>() * 2.0 - 1.0).collect();
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
            vectors.push(v.into_iter().map(|x| x / norm).collect());
        }
    }
    let slots: Vec<Slot> = Slot::ALL.into_iter().filter(|s| Some(*s) != skip_slot).collect();
    let rows: Vec<IndexRow<'_>> = (0..n)
        .map(|i| IndexRow {
            item_id: 1000 + i as i64,
            slot: slots[rng.random_range(0..slots.len())],
            age_group: if rng.random::<f32>() < 0.15 { None } else { Some(AgeGroup::ALL[rng.random_range(0..AgeGroup::ALL.len())]) },
            styling: Styling {
                // Single seasons from the feed, and the multi-season masks words give (autumn|winter beanies).
                seasons: if i % 7 == 0 { 0b1100 } else { season_bit(SEASONS[i % SEASONS.len()]) },
                // Unknown, girls, boys, unisex.
                gender: (i % 4) as u8,
                occasion: if i % 5 == 0 { None } else { Some(Occasion::ALL[rng.random_range(0..Occasion::ALL.len())]) },
            },
            in_stock: rng.random::<f32>() < 0.7,
            price: if rng.random::<f32>() < 0.1 { None } else { Some(rng.random_range(1.0..100.0f64)) },
            brand: &brands[rng.random_range(0..brands.len())],
            catalogue: rng.random_range(0..4),
            vector: &vectors[i],
        })
        .collect();
    EmbeddingIndex::build(dim, rows)
}

fn query_vector(dim: usize, seed: u64) -> Vec<f32> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..dim).map(|_| rng.random::<f32>() * 2.0 - 1.0).collect()
}

/// Every filter kind, alone and combined.
fn filters(index: &EmbeddingIndex) -> Vec<(&'static str, Filter)> {
    let toddler_kids = 1 << AgeGroup::Toddler.index() | 1 << AgeGroup::Kids.index();
    let (summer, winter) = (season_bit(Season::Summer), season_bit(Season::Winter));
    let some_brands: Vec<u32> = (0..index.brands.len() as u32).step_by(3).collect();
    let slot_rows = |s: Slot| index.slot_ranges[s.index()].clone();
    let exclude: Vec<u32> = slot_rows(Slot::Top).step_by(2).take(30).map(|r| r as u32).chain([5, 5, 0]).collect();
    vec![
        ("none", Filter::default()),
        ("age", Filter { age_mask: Some(toddler_kids), ..Default::default() }),
        ("age none allowed (unknown ages only)", Filter { age_mask: Some(0), ..Default::default() }),
        ("season (all-season items pass)", Filter { season_mask: Some(summer), ..Default::default() }),
        ("season and age", Filter { season_mask: Some(summer | winter), age_mask: Some(toddler_kids), ..Default::default() }),
        ("in stock", Filter { in_stock_only: true, ..Default::default() }),
        ("min price (NaN prices out)", Filter { min_price: Some(40.0), ..Default::default() }),
        ("max price", Filter { max_price: Some(30.0), ..Default::default() }),
        ("price range", Filter { min_price: Some(20.0), max_price: Some(45.5), ..Default::default() }),
        ("empty price range", Filter { min_price: Some(50.0), max_price: Some(10.0), ..Default::default() }),
        ("NaN bound", Filter { min_price: Some(f32::NAN), ..Default::default() }),
        ("brands", Filter { brands: Some(some_brands.clone()), ..Default::default() }),
        ("no brand allowed", Filter { brands: Some(vec![]), ..Default::default() }),
        ("unknown brand id", Filter { brands: Some(vec![9999, 1]), ..Default::default() }),
        ("exclusions", Filter { exclude_rows: exclude.clone(), ..Default::default() }),
        ("boys (unisex and unknown pass)", Filter { gender_mask: Some(BOYS), ..Default::default() }),
        ("girls", Filter { gender_mask: Some(GIRLS), ..Default::default() }),
        ("occasion (unknown passes)", Filter { occasion_mask: Some(Occasion::Sporty.goes_with()), ..Default::default() }),
        ("one catalogue", Filter { catalogue: Some(2), ..Default::default() }),
        ("an unknown catalogue", Filter { catalogue: Some(77), ..Default::default() }),
        (
            "everything",
            Filter {
                age_mask: Some(toddler_kids),
                season_mask: Some(summer),
                gender_mask: Some(GIRLS),
                occasion_mask: Some(Occasion::Dressy.goes_with()),
                catalogue: Some(1),
                in_stock_only: true,
                min_price: Some(5.0),
                max_price: Some(80.0),
                brands: Some(some_brands),
                exclude_rows: exclude,
            },
        ),
    ]
}

/// The definition: filter every row of the slot, score with a plain loop, sort by `hit_order`, keep k.
fn brute_force(index: &EmbeddingIndex, q: &Query) -> Vec<Hit> {
    let mut hits: Vec<Hit> = index.slot_ranges[q.slot.index()]
        .clone()
        .filter(|&r| q.filter.accepts(r, &index.meta[r]))
        .map(|r| Hit { row: r as u32, score: index.row(r).iter().zip(&q.vector).map(|(a, b)| a * b).sum() })
        .collect();
    hits.sort_by(hit_order);
    hits.truncate(q.k);
    hits
}

/// Same length, scores within 1e-4, rows identical except where two backends' scores are a near-tie (< 1e-5).
fn assert_same(what: &str, got: &[Hit], want: &[Hit]) {
    assert_eq!(got.len(), want.len(), "{what}: {} hits, expected {}", got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g.score - w.score).abs() <= 1e-4, "{what}: hit {i} score {} vs {}", g.score, w.score);
        if g.row != w.row {
            assert!(
                (g.score - w.score).abs() < 1e-5,
                "{what}: hit {i} is row {} ({}) instead of row {} ({})",
                g.row,
                g.score,
                w.row,
                w.score
            );
        }
    }
    for w in got.windows(2) {
        assert!(hit_order(&w[0], &w[1]).is_lt(), "{what}: hits out of order: {:?}", w);
    }
}

fn all_queries(index: &EmbeddingIndex, ks: &[usize]) -> Vec<(String, Query)> {
    let mut out = Vec::new();
    for (name, f) in filters(index) {
        for (si, slot) in Slot::ALL.into_iter().enumerate() {
            for &k in ks {
                let q = Query { slot, vector: query_vector(index.dim, si as u64 * 31 + k as u64), filter: f.clone(), k };
                out.push((format!("{name}, {slot:?}, k={k}"), q));
            }
        }
    }
    out
}

fn check_against_brute_force(scorer: &dyn Scorer, index: &EmbeddingIndex, ks: &[usize]) {
    let qs = all_queries(index, ks);
    // One query at a time, and all at once (batching must not change anything).
    let queries: Vec<Query> = qs.iter().map(|(_, q)| q.clone()).collect();
    let batch = scorer.top_k(index, &queries).unwrap();
    assert_eq!(batch.len(), queries.len());
    for ((name, q), got) in qs.iter().zip(&batch) {
        let want = brute_force(index, q);
        assert_same(&format!("{} batch: {name}", scorer.backend()), got, &want);
    }
    for (name, q) in qs.iter().step_by(7) {
        let got = scorer.top_k(index, std::slice::from_ref(q)).unwrap();
        assert_same(&format!("{} single: {name}", scorer.backend()), &got[0], &brute_force(index, q));
    }
}

/// The GPU backend on any adapter (software included), or None with a note when this machine has none.
fn gpu(opts: &GpuOptions) -> Option<GpuScorer> {
    match GpuScorer::new(opts) {
        Ok(g) => Some(g),
        Err(e) => {
            no_adapter("the GPU part of this test", &format!("{e:#}"));
            None
        }
    }
}

#[test]
fn cpu_top_k_matches_brute_force_with_every_filter() {
    let index = catalogue(3_000, 24, 1, None);
    check_against_brute_force(&score::cpu::CpuScorer::new(), &index, &[1, 7, 20, 5_000]);
}

#[test]
fn cpu_parallel_scan_of_a_large_slot_matches_brute_force() {
    // Big enough that the slot ranges are split across threads.
    let index = catalogue(120_000, 16, 2, None);
    let scorer = score::cpu::CpuScorer::new();
    for (name, f) in filters(&index) {
        let q = Query { slot: Slot::Top, vector: query_vector(16, 9), filter: f, k: 25 };
        assert_same(name, &scorer.top_k(&index, std::slice::from_ref(&q)).unwrap()[0], &brute_force(&index, &q));
    }
}

#[test]
fn ties_are_ordered_by_row_and_the_boundary_keeps_the_lowest_rows() {
    let dim = 8;
    let v = vec![0.5f32; dim];
    let rows: Vec<IndexRow<'_>> = (0..2_500)
        .map(|i| IndexRow {
            item_id: i,
            slot: Slot::Shoes,
            age_group: None,
            styling: Styling::default(),
            in_stock: i % 3 != 0,
            price: Some(10.0),
            brand: "x",
            catalogue: 0,
            vector: &v,
        })
        .collect();
    let index = EmbeddingIndex::build(dim, rows);
    let q = Query {
        slot: Slot::Shoes,
        vector: vec![1.0; dim],
        filter: Filter { in_stock_only: true, exclude_rows: vec![1, 4], ..Default::default() },
        k: 10,
    };
    let want: Vec<u32> = (0..2_500u32).filter(|r| r % 3 != 0 && *r != 1 && *r != 4).take(10).collect();
    let mut scorers: Vec<Box<dyn Scorer>> = vec![Box::new(score::cpu::CpuScorer::new())];
    if let Some(g) = gpu(&GpuOptions::default()) {
        scorers.push(Box::new(g));
    }
    for s in &scorers {
        let got: Vec<u32> = s.top_k(&index, std::slice::from_ref(&q)).unwrap()[0].iter().map(|h| h.row).collect();
        assert_eq!(got, want, "{}", s.backend());
    }
}

#[test]
fn k_beyond_the_candidates_empty_slots_and_k_zero() {
    let index = catalogue(500, 12, 3, Some(Slot::Bag));
    assert!(index.slot_ranges[Slot::Bag.index()].is_empty());
    let mut scorers: Vec<Box<dyn Scorer>> = vec![Box::new(score::cpu::CpuScorer::new())];
    if let Some(g) = gpu(&GpuOptions::default()) {
        scorers.push(Box::new(g));
    }
    let v = query_vector(12, 4);
    let qs = vec![
        Query { slot: Slot::Bag, vector: v.clone(), filter: Filter::default(), k: 10 },
        Query { slot: Slot::Top, vector: v.clone(), filter: Filter::default(), k: 0 },
        Query { slot: Slot::Top, vector: v.clone(), filter: Filter::default(), k: 100_000 },
        Query { slot: Slot::Shoes, vector: v.clone(), filter: Filter { in_stock_only: true, ..Default::default() }, k: 200 },
    ];
    let top_rows = index.slot_ranges[Slot::Top.index()].len();
    for s in &scorers {
        let got = s.top_k(&index, &qs).unwrap();
        assert!(got[0].is_empty() && got[1].is_empty(), "{}", s.backend());
        assert_eq!(got[2].len(), top_rows, "{}", s.backend());
        for (q, g) in qs.iter().zip(&got) {
            assert_same(&s.backend().to_string(), g, &brute_force(&index, q));
        }
        // An empty index and no queries are fine too.
        let empty = EmbeddingIndex::build(12, Vec::new());
        assert!(s.top_k(&empty, &qs).unwrap().iter().all(Vec::is_empty));
        assert!(s.top_k(&index, &[]).unwrap().is_empty());
        // A query of the wrong dimension is an error, not a panic.
        let bad = Query { slot: Slot::Top, vector: vec![1.0; 5], filter: Filter::default(), k: 3 };
        assert!(s.top_k(&index, &[bad]).is_err());
    }
}

#[test]
fn gpu_equals_cpu_on_the_available_adapter() {
    let Some(g) = gpu(&GpuOptions::default()) else { return };
    eprintln!("GPU backend: {}", g.backend());
    assert_eq!(g.backend().kind, "GPU");
    // dim 20 (whole vec4s) and 13 (padded), ties and every filter; k above the GPU's MAX_K goes to the CPU.
    for (n, dim) in [(4_000, 20), (1_500, 13)] {
        let index = catalogue(n, dim, 5, Some(Slot::Headwear));
        check_against_brute_force(&g, &index, &[1, 20, 300, 2_000]);
    }
}

#[test]
fn gpu_chunks_the_matrix_under_a_small_binding_limit() {
    let index = catalogue(6_000, 16, 6, None);
    // 16 floats = 64 bytes a row: 8 KiB bindings hold 128 rows, so ~47 chunks and slot ranges cross them.
    let Some(small) = gpu(&GpuOptions { max_binding_bytes: Some(8 * 1024), ..Default::default() }) else { return };
    let whole = GpuScorer::new(&GpuOptions::default()).unwrap();
    let qs: Vec<Query> = all_queries(&index, &[20]).into_iter().map(|(_, q)| q).collect();
    let a = small.top_k(&index, &qs).unwrap();
    let b = whole.top_k(&index, &qs).unwrap();
    assert!(small.chunk_count() > 40, "{} chunks", small.chunk_count());
    assert_eq!(whole.chunk_count(), 1);
    for ((x, y), q) in a.iter().zip(&b).zip(&qs) {
        assert_eq!(x, y, "chunked and unchunked GPU results differ");
        assert_same("chunked GPU vs brute force", x, &brute_force(&index, q));
    }
}

#[test]
fn gpu_reuploads_when_the_index_changes() {
    let Some(g) = gpu(&GpuOptions::default()) else { return };
    let cpu = score::cpu::CpuScorer::new();
    for seed in [7, 8, 7] {
        let index = catalogue(2_000, 8, seed, None);
        let qs = vec![Query { slot: Slot::Top, vector: query_vector(8, 1), filter: Filter::default(), k: 15 }];
        assert_same("after re-upload", &g.top_k(&index, &qs).unwrap()[0], &cpu.top_k(&index, &qs).unwrap()[0]);
    }
}

#[test]
fn gpu_updates_changed_rows_in_place_when_the_rows_are_the_same() {
    // A small binding limit: the changed rows sit in different chunks.
    let Some(g) = gpu(&GpuOptions { max_binding_bytes: Some(8 * 1024), ..Default::default() }) else { return };
    let cpu = score::cpu::CpuScorer::new();
    let index = catalogue(2_000, 12, 3, None);
    let top = index.slot_ranges[Slot::Top.index()].clone();
    let filter = Filter { max_price: Some(500.0), ..Filter::default() };
    let qs = vec![Query { slot: Slot::Top, vector: query_vector(12, 2), filter, k: 10 }];
    assert_same("first upload", &g.top_k(&index, &qs).unwrap()[0], &cpu.top_k(&index, &qs).unwrap()[0]);
    // The same items re-indexed with a price drop and one re-encoded item: a new generation over the same rows.
    let mut next = index.clone();
    next.generation = u64::MAX - 1;
    let (cheap, moved) = (top.start + 3, top.end - 2);
    next.meta[cheap].price = 1.0;
    next.set_row(moved, &[0.9; 12]);
    let hits = g.top_k(&next, &qs).unwrap();
    assert_same("after in-place update", &hits[0], &cpu.top_k(&next, &qs).unwrap()[0]);
    assert_eq!(g.upload_stats(), (1, 2), "one full upload, then two rows written in place");
    // Different rows (an item added): a full upload.
    let bigger = catalogue(2_001, 12, 3, None);
    assert_same("after a full re-upload", &g.top_k(&bigger, &qs).unwrap()[0], &cpu.top_k(&bigger, &qs).unwrap()[0]);
    assert_eq!(g.upload_stats().0, 2);
}

#[test]
fn no_adapter_means_cpu_for_auto_and_a_clear_error_for_forced_gpu() {
    // Metal does not exist on this platform: no adapter at all.
    let none = GpuOptions { backends: Some(wgpu::Backends::METAL), ..Default::default() };
    let s = score::select_scorer_with(ScorerChoice::Auto, &none).unwrap();
    let info = s.backend();
    assert_eq!(info.kind, "CPU");
    assert!(info.reason.as_deref().unwrap_or("").contains("no GPU adapter"), "{info}");
    let err = score::select_scorer_with(ScorerChoice::Gpu, &none).err().expect("forced GPU without an adapter must fail").to_string();
    assert!(err.contains("OUTFIT_STUDIO_SCORER=gpu") && err.contains("no GPU adapter"), "{err}");
    let cpu = score::select_scorer_with(ScorerChoice::Cpu, &GpuOptions::default()).unwrap();
    assert_eq!(cpu.backend().kind, "CPU");
}

#[test]
fn auto_picks_the_cpu_over_a_software_adapter_and_gpu_forces_it() {
    let probed = match score::gpu::probe(&GpuOptions::default()) {
        Ok(p) => p,
        Err(e) => return no_adapter("selection with an adapter", &format!("{e:#}")),
    };
    let info = probed.info();
    drop(probed);
    let auto = score::select_scorer_with(ScorerChoice::Auto, &GpuOptions::default()).unwrap().backend();
    match info.device_type {
        wgpu::DeviceType::DiscreteGpu | wgpu::DeviceType::IntegratedGpu => {
            assert_eq!(auto.kind, "GPU", "{auto}");
            assert!(auto.device.contains(&info.name), "{auto}");
        }
        wgpu::DeviceType::Cpu => {
            assert_eq!(auto.kind, "CPU", "{auto}");
            let reason = auto.reason.clone().unwrap_or_default();
            assert!(reason.contains("software adapter") && reason.contains("CPU is faster"), "{auto}");
        }
        _ => assert_eq!(auto.kind, "CPU", "{auto}"),
    }
    let forced = score::select_scorer_with(ScorerChoice::Gpu, &GpuOptions::default()).unwrap().backend();
    assert_eq!(forced.kind, "GPU", "{forced}");
    assert!(forced.to_string().contains(&info.name), "{forced}");
}

#[test]
fn scorer_choice_parses_the_environment_values() {
    assert_eq!(ScorerChoice::parse("cpu"), Some(ScorerChoice::Cpu));
    assert_eq!(ScorerChoice::parse(" GPU "), Some(ScorerChoice::Gpu));
    assert_eq!(ScorerChoice::parse("auto"), Some(ScorerChoice::Auto));
    assert_eq!(ScorerChoice::parse(""), Some(ScorerChoice::Auto));
    assert_eq!(ScorerChoice::parse("tpu"), None);
}

#[test]
fn bench_catalogue_and_outfit_maths_are_sane() {
    let cat = score::bench::generate(2_000, 16, 1);
    assert_eq!(cat.index.len(), 2_000);
    for r in 0..cat.index.len() {
        let n: f32 = cat.index.row(r).iter().map(|x| x * x).sum();
        assert!((n - 1.0).abs() < 1e-4);
    }
    let p = cat.outfit_score(&[0, 1_000, 1_999]);
    assert!(p > 0.0 && p < 1.0);
    let whole = score::bench::memory_read(&cat.index, 0..cat.index.len(), true);
    let single = score::bench::memory_read(&cat.index, 0..cat.index.len(), false);
    assert!((whole - single).abs() < 1e-2 * (1.0 + single.abs()));
}
