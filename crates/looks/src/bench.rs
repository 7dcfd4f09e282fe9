//! `outfit-studio bench-looks`: look generation at catalogue scale on the bench's synthetic catalogue
//! (`score::bench::generate`: shop-like slots, age groups, stock, prices and brands, 64-d embeddings as the
//! head makes them, random slot-pair masks), with the default templates. Prints a Markdown table with the median
//! over repeated batches (after one warm-up batch) and the conditions.

use super::generate::{LookParams, Scene, generate};
use super::templates;
use super::{LooksError, Result};
use outfit_catalogue::{AgeGroup, Slot};
use outfit_machine::cpu_model;
use outfit_score::Scorer;
use outfit_score::bench::{generate as synthetic, median};
use rand::{Rng, SeedableRng};

/// What to measure.
#[derive(Debug, Clone)]
pub struct LooksBench {
    pub items: usize,
    pub heroes: usize,
    pub params: LookParams,
    pub dim: usize,
    pub reps: usize,
    pub seed: u64,
}

/// Runs the bench with `scorer`; returns the Markdown report.
pub fn run(b: &LooksBench, scorer: &dyn Scorer) -> Result<String> {
    if b.items < 1000 || b.heroes == 0 || b.dim == 0 {
        return Err(LooksError::Params("--items must be at least 1000, --heroes and --dim positive".into()));
    }
    let t = std::time::Instant::now();
    let cat = synthetic(b.items, b.dim, b.seed);
    eprintln!("generated {} items (dim {}) in {:.1}s", cat.index.len(), cat.index.dim, t.elapsed().as_secs_f64());
    // Heroes: in-stock tops, bottoms and one-pieces of a known children's age band, as a stylist's filter picks.
    let mut rng = rand::rngs::StdRng::seed_from_u64(b.seed ^ 0x100c);
    let kids_bits = [AgeGroup::Newborn, AgeGroup::Infant, AgeGroup::Toddler, AgeGroup::Kids].map(|a| 1u8 << a.index());
    let eligible: Vec<usize> = [Slot::Top, Slot::Bottom, Slot::OnePiece]
        .iter()
        .flat_map(|s| cat.index.slot_ranges[s.index()].clone())
        .filter(|&r| cat.index.meta[r].in_stock && kids_bits.contains(&cat.index.meta[r].age_bit))
        .collect();
    let mut heroes = Vec::with_capacity(b.heroes);
    while heroes.len() < b.heroes.min(eligible.len()) {
        let r = eligible[rng.random_range(0..eligible.len())];
        if !heroes.contains(&r) {
            heroes.push(r);
        }
    }
    let scene = Scene {
        index: &cat.index,
        scorer,
        masks: cat.mask_sq.iter().map(Vec::as_slice).collect(),
        calibration: cat.calib,
        full_length: Vec::new(),
    };
    let ts = templates::defaults();
    let mut last = None;
    let mut run_once = || {
        last = Some(generate(&scene, &ts, &heroes, &b.params, &mut |_, _| {}, &|| false));
    };
    let d = median(b.reps, 1, &mut run_once);
    let g = last.expect("ran")?;
    let threads = rayon::current_num_threads();
    let full = g.looks.len();
    let mut s = String::new();
    s.push_str(&format!(
        "Look generation: {} heroes × k = {} over {} items (dim {}), default templates, beam {}, pool {}, max exposure {}, \
         price cap {}, in stock only; scorer {}; {threads} threads on {}. Median of {} batches after one warm-up.\n\n",
        heroes.len(),
        b.params.looks_per_hero,
        cat.index.len(),
        cat.index.dim,
        b.params.beam_width,
        b.params.pool,
        b.params.max_exposure.map(|x| x.to_string()).unwrap_or_else(|| "none".into()),
        b.params.price_cap.map(|x| x.to_string()).unwrap_or_else(|| "none".into()),
        scorer.backend(),
        cpu_model(),
        b.reps.max(1),
    ));
    s.push_str("| heroes | looks | heroes short | batch (median) | per hero |\n|---:|---:|---:|---:|---:|\n");
    s.push_str(&format!(
        "| {} | {full} | {} | {:.2} s | {:.2} ms |\n",
        heroes.len(),
        g.short.len(),
        d.as_secs_f64(),
        d.as_secs_f64() * 1e3 / heroes.len().max(1) as f64
    ));
    Ok(s)
}
