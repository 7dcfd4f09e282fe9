//! What stylists' judgements buy on a new source (issue 19, part 5; `outfit-studio eval-transfer`).
//!
//! A simulated stylist judges outfits of the target's **training** split: accepts are the target's real outfits,
//! rejects the same outfits with one garment swapped for another of its slot and collection
//! ([`swap_negative`], the protocol's negatives). For each budget of judgements (half accepts, half rejects) and
//! each seed, a head pretrained on the source and centred on the target ([`PreparedSet::centred`]) is fine-tuned
//! on them, and a head is trained from scratch on the same ones; both answer the target's **test** split cold
//! questions of the fixed protocol ([`super::protocol`]). Beside them, once: the pretrained head as it is,
//! co-occurrence counted over the target's training outfits, and raw image / text cosine (as the protocol has
//! them, and centred on the target catalogue as heads are).
//!
//! Fine-tuning is the app's ([`TrainConfig::default`], a fifth of the outfits held back to pick the epoch, as the
//! Train screen does) with at least [`TransferConfig::min_steps`] optimiser steps, as the Train screen's learning
//! curve gives small label counts ([`super::report::EvalConfig`]).
//!
//! The same run compares the review queue's order with random order on the pool of every target-train accept and
//! reject: batches of [`TransferConfig::queue_batch`] are proposed (`queue_oversample` times as many drawn at
//! random from what is left, as the app proposes more than it queues) and picked by the queue's own rule
//! ([`select`]: uncertainty under the current head plus diversity); the head is fine-tuned after each batch and the
//! rest re-scored. The figure is how many queue-picked judgements reach random order's cold AUC at
//! [`TransferConfig::queue_reference`] judgements (means over seeds).
//!
//! Calibration: after [`TransferConfig::ece_budget`] judgements the fine-tuned head's logits are Platt-fitted on
//! them ([`fit_platt`], and the app's [`CatalogueCalibration`]: label-free for the shift, then refitted on the
//! judgements), and the expected calibration error is measured on held-out simulated judgements (accepts and
//! swapped rejects of the target's test outfits).

use super::calibrate::{CatalogueCalibration, expected_calibration_error, fit_platt};
use super::data::{FeatureTable, LabelledOutfit, swap_negative};
use super::head::{Head, HeadDims};
use super::metrics::{OutfitScorer, auc};
use super::outfit_eval::{PreparedSet, Split};
use super::protocol::{
    CoOccurrence, Estimate, HeadMethod, Method, QuestionSet, RawCosine, RowOutfit, SetScores, protocol_text, score_set, seed_mean_estimates,
};
use super::report::{EvalConfig, ellipsize, register_plot_font, save_png, with_min_steps};
use super::selection::{Candidate, Diversity, select};
use super::train::{CROSS_FOLDS, TrainConfig, out_of_fold_logits, replay, scratch_head, train};
use crate::{ModelError, Result};
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

#[derive(Debug, Clone, Serialize)]
pub struct TransferConfig {
    /// Judgement budgets (half accepts, half rejects).
    pub budgets: Vec<usize>,
    /// Seeds per budget (which outfits are judged, which swaps, training order).
    pub seeds: usize,
    pub seed: u64,
    /// Fine-tuning (and from-scratch) hyper-parameters.
    pub fine_tune: TrainConfig,
    /// Each run takes at least this many optimiser steps.
    pub min_steps: usize,
    pub queue_batch: usize,
    pub queue_oversample: usize,
    /// Random order's budget whose figure the queue has to reach.
    pub queue_reference: usize,
    /// The most judgements the queue may take.
    pub queue_max: usize,
    /// Judgements the calibration is fitted on.
    pub ece_budget: usize,
    pub ece_bins: usize,
}

impl Default for TransferConfig {
    fn default() -> Self {
        TransferConfig {
            budgets: vec![50, 100, 200, 500, 1000, 2000],
            seeds: 5,
            seed: 20_251_210,
            fine_tune: TrainConfig::fine_tuning(),
            min_steps: EvalConfig::default().min_steps,
            queue_batch: 50,
            queue_oversample: 4,
            queue_reference: 1000,
            queue_max: 1000,
            ece_budget: 100,
            ece_bins: 10,
        }
    }
}

impl TransferConfig {
    /// A smoke run: three budgets (the label-efficiency pair among them), two seeds, fewer steps, big queue batches.
    pub fn quick() -> TransferConfig {
        TransferConfig {
            budgets: vec![50, 200, 1000],
            seeds: 2,
            min_steps: 60,
            queue_batch: 250,
            queue_oversample: 2,
            ..TransferConfig::default()
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The simulated stylist.

/// A simulated stylist's verdicts on `outfits`, in a seeded random order: per outfit an accept (the real outfit)
/// and a reject (the outfit with one garment swapped for another of its slot and collection). Outfits without a
/// possible swap are left out.
pub fn judgement_pairs(table: &FeatureTable, outfits: &[RowOutfit], seed: u64) -> Vec<(LabelledOutfit, LabelledOutfit)> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut order: Vec<&RowOutfit> = outfits.iter().filter(|o| o.rows.len() >= 2).collect();
    order.shuffle(&mut rng);
    order
        .into_iter()
        .filter_map(|o| {
            let accept =
                LabelledOutfit { rows: o.rows.clone(), positive: true, weight: 1.0, key: o.id.clone(), stylist: "simulated".into() };
            let reject = swap_negative(&accept, table, &mut rng)?;
            Some((accept, reject))
        })
        .collect()
}

/// `budget` judgements from the first pairs: `budget / 2` accepts and the rest rejects (fewer when the pairs run
/// out).
pub fn simulate(pairs: &[(LabelledOutfit, LabelledOutfit)], budget: usize) -> Vec<LabelledOutfit> {
    let accepts = (budget / 2).min(pairs.len());
    let rejects = (budget - budget / 2).min(pairs.len());
    pairs[..accepts].iter().map(|p| p.0.clone()).chain(pairs[..rejects].iter().map(|p| p.1.clone())).collect()
}

/// Cold AUC of one run, without an interval.
fn point_auc(s: &SetScores) -> Option<f64> {
    let (p, n): (Vec<f32>, Vec<f32>) = s.compat.iter().copied().unzip();
    auc(&p, &n)
}

fn counts(data: &[LabelledOutfit]) -> (usize, usize) {
    let a = data.iter().filter(|o| o.positive).count();
    (a, data.len() - a)
}

// ---------------------------------------------------------------------------------------------------------------
// Results.

/// One method at one budget: means over seeds.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    /// Judgements asked for (0: none used).
    pub budget: usize,
    /// Accepts and rejects actually used (fewer than the budget when the target has too few training outfits).
    pub accepts: usize,
    pub rejects: usize,
    pub seeds: usize,
    pub cold_auc: Option<Estimate>,
    /// Standard deviation of the cold AUC over seeds.
    pub cold_auc_sd: f64,
    pub cold_fitb: Option<Estimate>,
    pub per_seed_auc: Vec<Option<f64>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MethodRow {
    pub method: String,
    pub cells: Vec<Cell>,
}

/// The review queue against random order.
#[derive(Debug, Clone, Serialize)]
pub struct QueueComparison {
    pub pool: usize,
    pub batch: usize,
    pub reference: usize,
    /// Random order's cold AUC at `reference` judgements.
    pub random: Cell,
    /// The queue's mean cold AUC over seeds after each batch: (judgements, AUC).
    pub queue_curve: Vec<(usize, f64)>,
    /// The fewest queue-picked judgements whose mean cold AUC reaches random's; `None` within `queue_max`.
    pub needed: Option<usize>,
}

/// Expected calibration error after a few judgements, on held-out simulated judgements.
#[derive(Debug, Clone, Serialize)]
pub struct CalibrationResult {
    pub head: String,
    pub judgements: usize,
    pub held_out_accepts: usize,
    pub held_out_rejects: usize,
    /// Means over seeds: the head's own probabilities, Platt on the judgements, the app's catalogue calibration.
    pub ece_raw: f64,
    pub ece_platt: f64,
    /// Platt fitted on out-of-fold logits of the judgements (the head's own logits for a head not trained on them).
    pub ece_platt_cross_fitted: f64,
    pub ece_app: f64,
    /// The app's catalogue calibration refitted on out-of-fold logits (what the app does for a fine-tuned head).
    pub ece_app_cross_fitted: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TransferFigure {
    pub source: String,
    pub target: String,
    pub pretrained: String,
    pub config: TransferConfig,
    pub target_train_outfits: usize,
    pub target_test_outfits: usize,
    pub cold_auc_questions: usize,
    pub cold_fitb_questions: usize,
    pub protocol: String,
    /// Fine-tuned and from scratch, per budget.
    pub curves: Vec<MethodRow>,
    /// Pretrained only, co-occurrence, raw cosines: one cell each (budget 0).
    pub baselines: Vec<MethodRow>,
    pub queue: Option<QueueComparison>,
    pub calibration: Vec<CalibrationResult>,
    pub label_efficiency: String,
    pub seconds: f64,
}

pub const FINE_TUNED: &str = "pretrained, then fine-tuned";
pub const SCRATCH: &str = "from scratch";
pub const PRETRAINED_ONLY: &str = "pretrained only (centred on the target)";

// ---------------------------------------------------------------------------------------------------------------
// The run.

struct Ctx<'a> {
    target: &'a PreparedSet,
    cold: QuestionSet,
    answers: Vec<usize>,
    cfg: &'a TransferConfig,
    mean: Vec<f32>,
    cancel: &'a AtomicBool,
}

impl Ctx<'_> {
    fn table(&self) -> &FeatureTable {
        &self.target.table
    }

    fn run_seed(&self, s: usize) -> u64 {
        self.cfg.seed ^ (0x9E37_79B9_7F4A_7C15u64.wrapping_mul(s as u64 + 1))
    }

    /// Fine-tunes `start` on `data` (the app's recipe, at least `min_steps` steps).
    fn fit(&self, start: &Head, data: &[LabelledOutfit], seed: u64) -> Result<Head> {
        Ok(self.fit_kept(start, data, seed)?.0)
    }

    /// The fine-tuned head and the epochs it kept (what its cross-fitted fold heads replay).
    fn fit_kept(&self, start: &Head, data: &[LabelledOutfit], seed: u64) -> Result<(Head, usize)> {
        let tc = with_min_steps(&TrainConfig { seed, ..self.cfg.fine_tune.clone() }, data.len(), self.cfg.min_steps);
        let t = train(start, self.table(), data, &tc, &mut |_| {}, self.cancel)?;
        let kept = t.kept_epochs();
        Ok((t.head, kept))
    }

    fn scratch(&self, data: &[LabelledOutfit], seed: u64) -> Result<Head> {
        let start = scratch_head(self.table().dims, &self.mean, seed)?;
        let tc = with_min_steps(&TrainConfig { seed, freeze_lower: false, ..self.cfg.fine_tune.clone() }, data.len(), self.cfg.min_steps);
        Ok(train(&start, self.table(), data, &tc, &mut |_| {}, self.cancel)?.head)
    }

    fn scores(&self, m: &dyn Method) -> SetScores {
        score_set(m, &self.cold)
    }

    fn head_scores(&self, h: &Head) -> Result<SetScores> {
        Ok(self.scores(&HeadMethod::new("", h, self.table())?))
    }

    fn cell(&self, budget: usize, used: (usize, usize), runs: &[SetScores]) -> Cell {
        let refs: Vec<&SetScores> = runs.iter().collect();
        let (cold_auc, cold_fitb) = seed_mean_estimates(&refs, &self.answers, self.cfg.seed ^ budget as u64);
        let per_seed_auc: Vec<Option<f64>> = runs.iter().map(point_auc).collect();
        let v: Vec<f64> = per_seed_auc.iter().flatten().copied().collect();
        let m = v.iter().sum::<f64>() / v.len().max(1) as f64;
        let sd = if v.len() > 1 { (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt() } else { 0.0 };
        Cell { budget, accepts: used.0, rejects: used.1, seeds: runs.len(), cold_auc, cold_auc_sd: sd, cold_fitb, per_seed_auc }
    }
}

/// Runs the whole figure on `target` for a head `pretrained` on the source (centred on the target here).
/// Long because it is the figure's script: baselines, each budget's runs, calibration and the queue, in order.
pub fn run_transfer(
    pretrained: &Head,
    names: (&str, &str, &str),
    target: &PreparedSet,
    cfg: &TransferConfig,
    log: &mut dyn FnMut(&str),
    cancel: &AtomicBool,
) -> Result<TransferFigure> {
    let t0 = Instant::now();
    let (source, target_name, pretrained_name) = names;
    if pretrained.dims != target.table.dims {
        return Err(ModelError::data(format!(
            "the pretrained head was built for {:?} inputs but the target's features are {:?}",
            pretrained.dims, target.table.dims
        )));
    }
    let pre = target.centred(pretrained)?;
    let q = target.questions(Split::Test, cfg.seed);
    let protocol = protocol_text(&q);
    let answers = q.cold.fitb.iter().map(|b| b.answer).collect();
    let ctx = Ctx { target, cold: q.cold, answers, cfg, mean: target.table.feature_mean()?, cancel };
    if ctx.cold.compat.is_empty() {
        return Err(ModelError::data(format!(
            "{target_name}: no cold questions on the test split (every test item appears in a training outfit)"
        )));
    }
    log(&format!(
        "target {target_name}: {} train / {} test outfits, {} items; {} cold AUC and {} cold FITB questions",
        target.train.len(),
        target.test.len(),
        target.table.len(),
        ctx.cold.compat.len(),
        ctx.cold.fitb.len()
    ));

    // Once: baselines.
    let mut baselines = Vec::new();
    let mut once = |name: String, m: &dyn Method| {
        let c = ctx.cell(0, (0, 0), &[ctx.scores(m)]);
        log(&format!("{name}: cold AUC {}", Estimate::cell(&c.cold_auc)));
        baselines.push(MethodRow { method: name, cells: vec![c] });
    };
    once(PRETRAINED_ONLY.into(), &HeadMethod::new("", &pre, ctx.table())?);
    once("item co-occurrence (target training outfits)".into(), &CoOccurrence::count(&target.train));
    let has = |start: usize, dim: usize| -> Result<bool> {
        Ok(target.table.x.narrow(1, start, dim)?.abs()?.sum_all()?.to_scalar::<f32>()? > 0.0)
    };
    let dims = target.table.dims;
    if has(dims.image, dims.text)? {
        for m in [RawCosine::text(ctx.table())?, RawCosine::text_centred(ctx.table())?] {
            once(m.name(), &m);
        }
    }
    if has(0, dims.image)? {
        for m in [RawCosine::image(ctx.table())?, RawCosine::image_centred(ctx.table())?] {
            once(m.name(), &m);
        }
    }
    if let Some(titles) = &target.title_text {
        let m = RawCosine::from_rows("cosine of raw titles' text embeddings, centred", dims.text, titles.clone(), true);
        once(m.name(), &m);
    }

    // Budgets x seeds.
    let pairs: Vec<Vec<(LabelledOutfit, LabelledOutfit)>> =
        (0..cfg.seeds).map(|s| judgement_pairs(ctx.table(), &target.train, ctx.run_seed(s))).collect();
    let mut ft_row = MethodRow { method: FINE_TUNED.into(), cells: Vec::new() };
    let mut sc_row = MethodRow { method: SCRATCH.into(), cells: Vec::new() };
    let mut ece_heads: Vec<Option<(Head, usize)>> = vec![None; cfg.seeds];
    for &budget in &cfg.budgets {
        let (mut ft, mut sc) = (Vec::new(), Vec::new());
        let mut used = (0, 0);
        for (s, p) in pairs.iter().enumerate() {
            let t = Instant::now();
            let data = simulate(p, budget);
            used = counts(&data);
            let seed = ctx.run_seed(s);
            let (h, kept) = ctx.fit_kept(&pre, &data, seed)?;
            ft.push(ctx.head_scores(&h)?);
            if budget == cfg.ece_budget {
                ece_heads[s] = Some((h, kept));
            }
            sc.push(ctx.head_scores(&ctx.scratch(&data, seed)?)?);
            log(&format!(
                "budget {budget} ({} accepts, {} rejects), seed {}/{}: fine-tuned and from scratch in {:.1}s ({:.0}s so far)",
                used.0,
                used.1,
                s + 1,
                cfg.seeds,
                t.elapsed().as_secs_f64(),
                t0.elapsed().as_secs_f64()
            ));
        }
        let (f, c) = (ctx.cell(budget, used, &ft), ctx.cell(budget, used, &sc));
        log(&format!(
            "budget {budget}: fine-tuned cold AUC {} | from scratch {}",
            Estimate::cell(&f.cold_auc),
            Estimate::cell(&c.cold_auc)
        ));
        ft_row.cells.push(f);
        sc_row.cells.push(c);
    }

    // Calibration after `ece_budget` judgements.
    let mut calibration = Vec::new();
    if cfg.ece_budget > 0 {
        let (mut fine, mut kept) = (Vec::new(), Vec::new());
        for (s, p) in pairs.iter().enumerate() {
            let data = simulate(p, cfg.ece_budget);
            let (h, k) = match ece_heads[s].take() {
                Some(h) => h,
                None => ctx.fit_kept(&pre, &data, ctx.run_seed(s))?,
            };
            fine.push((h, data));
            kept.push(k);
        }
        let with_pre: Vec<(Head, Vec<LabelledOutfit>)> = fine.iter().map(|(_, d)| (pre.clone(), d.clone())).collect();
        let refit = (&pre, kept.as_slice());
        for (name, runs, refit) in [(format!("{FINE_TUNED} on them"), fine, Some(refit)), (PRETRAINED_ONLY.to_string(), with_pre, None)] {
            let r = calibration_after(&ctx, &name, &runs, refit)?;
            log(&format!(
                "calibration after {} judgements, {name}: ECE raw {:.3}, Platt {:.3}, Platt cross-fitted {:.3}, app {:.3}, \
                 app cross-fitted {:.3}",
                r.judgements, r.ece_raw, r.ece_platt, r.ece_platt_cross_fitted, r.ece_app, r.ece_app_cross_fitted
            ));
            calibration.push(r);
        }
    }

    let queue = if cfg.queue_reference > 0 { Some(queue_vs_random(&ctx, &pre, &pairs, log)?) } else { None };
    let label_efficiency = label_efficiency(&ft_row, &sc_row);
    log(&label_efficiency);
    Ok(TransferFigure {
        source: source.to_string(),
        target: target_name.to_string(),
        pretrained: pretrained_name.to_string(),
        config: cfg.clone(),
        target_train_outfits: target.train.len(),
        target_test_outfits: target.test.len(),
        cold_auc_questions: ctx.cold.compat.len(),
        cold_fitb_questions: ctx.cold.fitb.len(),
        protocol,
        curves: vec![ft_row, sc_row],
        baselines,
        queue,
        calibration,
        label_efficiency,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

/// ECE on held-out simulated judgements (the target's test outfits and their swaps) of each seed's head, read
/// as it is, Platt-fitted on its judgements, and through the app's catalogue calibration.
/// With `refit` (the head the runs were fine-tuned from, and the epochs each run kept), the Platt fit is also made
/// on out-of-fold logits ([`CROSS_FOLDS`]-fold cross-fitting: each judgement scored by a head fine-tuned without it
/// for the same epochs, [`replay`]), since a head reads the judgements it was trained on more confidently than new
/// ones.
fn calibration_after(
    ctx: &Ctx,
    name: &str,
    runs: &[(Head, Vec<LabelledOutfit>)],
    refit: Option<(&Head, &[usize])>,
) -> Result<CalibrationResult> {
    let bins = ctx.cfg.ece_bins;
    let (mut raw, mut platt, mut app, mut crossed, mut app_crossed) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut held_a, mut held_r, mut judged) = (0, 0, 0);
    for (s, (head, data)) in runs.iter().enumerate() {
        let scorer = OutfitScorer::new(head, ctx.table())?;
        let logit = |o: &LabelledOutfit| head.logit(scorer.mean_pair(&o.rows), 0.0);
        let split = |os: &[LabelledOutfit]| -> (Vec<f32>, Vec<f32>) {
            (os.iter().filter(|o| o.positive).map(logit).collect(), os.iter().filter(|o| !o.positive).map(logit).collect())
        };
        let (acc, rej) = split(data);
        let held: Vec<LabelledOutfit> =
            judgement_pairs(ctx.table(), &ctx.target.test, ctx.run_seed(s) ^ 0x7e57).into_iter().flat_map(|(a, r)| [a, r]).collect();
        let (hp, hn) = split(&held);
        (held_a, held_r, judged) = (hp.len(), hn.len(), data.len());
        let ece = |f: &dyn Fn(f32) -> f32| {
            expected_calibration_error(&hp.iter().map(|z| f(*z)).collect::<Vec<_>>(), &hn.iter().map(|z| f(*z)).collect::<Vec<_>>(), bins)
        };
        let sigmoid = |z: f32| 1.0 / (1.0 + (-z).exp());
        raw += ece(&sigmoid);
        let (a, b) = fit_platt(&acc, &rej).unwrap_or((1.0, 0.0));
        let (oa, or) = match refit {
            Some((start, kept)) => out_of_fold_split(ctx, start, data, kept[s], ctx.run_seed(s))?,
            None => (acc.clone(), rej.clone()),
        };
        let (ca, cb) = fit_platt(&oa, &or).unwrap_or((1.0, 0.0));
        crossed += ece(&|z| sigmoid(ca * z + cb));
        platt += ece(&|z| sigmoid(a * z + b));
        let pairs = random_cross_slot_logits(head, &scorer, ctx.table(), 4000, ctx.run_seed(s));
        let label_free = CatalogueCalibration::for_shift(&pairs).unwrap_or(CatalogueCalibration::IDENTITY);
        let cal = label_free.with_judgements(&acc, &rej);
        app += ece(&|z| cal.probability(z));
        let cal = label_free.with_judgements(&oa, &or);
        app_crossed += ece(&|z| cal.probability(z));
    }
    let n = runs.len().max(1) as f64;
    Ok(CalibrationResult {
        head: name.to_string(),
        judgements: judged,
        held_out_accepts: held_a,
        held_out_rejects: held_r,
        ece_raw: raw / n,
        ece_platt: platt / n,
        ece_platt_cross_fitted: crossed / n,
        ece_app: app / n,
        ece_app_cross_fitted: app_crossed / n,
    })
}

/// Logits of accepts and rejects, each from a head fine-tuned from `start` on the other folds for the `epochs` the
/// head being calibrated kept.
fn out_of_fold_split(ctx: &Ctx, start: &Head, data: &[LabelledOutfit], epochs: usize, seed: u64) -> Result<(Vec<f32>, Vec<f32>)> {
    let z = out_of_fold_logits(data, ctx.table(), CROSS_FOLDS, |fit, k| {
        let tc = TrainConfig { seed: seed ^ k as u64, ..ctx.cfg.fine_tune.clone() };
        replay(start, ctx.table(), fit, &tc, epochs, ctx.cancel)
    })?;
    let (mut acc, mut rej) = (Vec::new(), Vec::new());
    for (o, z) in data.iter().zip(z) {
        match (z, o.positive) {
            (Some(z), true) => acc.push(z),
            (Some(z), false) => rej.push(z),
            (None, _) => {}
        }
    }
    Ok((acc, rej))
}

/// Head logits of random pairs of items of different slots (the pairs the app's label-free calibration reads).
fn random_cross_slot_logits(head: &Head, scorer: &OutfitScorer, table: &FeatureTable, n: usize, seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(n);
    for _ in 0..n * 4 {
        if out.len() >= n || table.len() < 2 {
            break;
        }
        let (a, b) = (rng.random_range(0..table.len()), rng.random_range(0..table.len()));
        if table.slots[a] != table.slots[b] {
            out.push(head.logit(scorer.pair(a, b), 0.0));
        }
    }
    out
}

/// The queue's batches against random order on the pool of all target-train judgements (see the module docs).
fn queue_vs_random(
    ctx: &Ctx,
    pre: &Head,
    pairs: &[Vec<(LabelledOutfit, LabelledOutfit)>],
    log: &mut dyn FnMut(&str),
) -> Result<QueueComparison> {
    let cfg = ctx.cfg;
    let table = ctx.table();
    let mut random_runs = Vec::new();
    let mut curves: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut pool_len = 0;
    let mut used = (0, 0);
    for (s, p) in pairs.iter().enumerate() {
        let seed = ctx.run_seed(s) ^ 0x0_9ee0;
        let mut rng = StdRng::seed_from_u64(seed);
        let mut pool: Vec<LabelledOutfit> = p.iter().flat_map(|(a, r)| [a.clone(), r.clone()]).collect();
        pool.shuffle(&mut rng);
        pool_len = pool.len();
        let t = Instant::now();
        let random: Vec<LabelledOutfit> = pool.iter().take(cfg.queue_reference).cloned().collect();
        used = counts(&random);
        random_runs.push(ctx.head_scores(&ctx.fit(pre, &random, seed)?)?);
        // The queue: batches picked by uncertainty and diversity under the current head.
        let mut left: Vec<usize> = (0..pool.len()).collect();
        let mut judged: Vec<LabelledOutfit> = Vec::new();
        let mut head = pre.clone();
        let mut curve = Vec::new();
        while judged.len() < cfg.queue_max.min(pool.len()) {
            let want = cfg.queue_batch.min(cfg.queue_max - judged.len());
            let drawn: Vec<usize> = left.choose_multiple(&mut rng, want * cfg.queue_oversample.max(1)).copied().collect();
            let scorer = OutfitScorer::new(&head, table)?;
            let cands: Vec<Candidate> = drawn.iter().map(|&i| candidate(&pool[i], table, scorer.score(&pool[i].rows))).collect();
            let picked = select(&cands, want, &Diversity::default(), &[]);
            if picked.is_empty() {
                break;
            }
            let chosen: Vec<usize> = picked.iter().map(|&k| drawn[k]).collect();
            judged.extend(chosen.iter().map(|&i| pool[i].clone()));
            left.retain(|i| !chosen.contains(i));
            head = ctx.fit(pre, &judged, seed)?;
            let sc = ctx.head_scores(&head)?;
            let auc = point_auc(&sc).unwrap_or(f64::NAN);
            curve.push((judged.len(), auc));
        }
        log(&format!(
            "queue vs random, seed {}/{}: queue {} in {:.1}s",
            s + 1,
            pairs.len(),
            curve.iter().map(|(n, a)| format!("{n}: {a:.3}")).collect::<Vec<_>>().join(", "),
            t.elapsed().as_secs_f64()
        ));
        curves.push(curve);
    }
    let random = ctx.cell(cfg.queue_reference, used, &random_runs);
    // Mean over seeds at each step all seeds reached.
    let steps = curves.iter().map(Vec::len).min().unwrap_or(0);
    let queue_curve: Vec<(usize, f64)> =
        (0..steps).map(|i| (curves[0][i].0, curves.iter().map(|c| c[i].1).sum::<f64>() / curves.len() as f64)).collect();
    let target = random.cold_auc.map(|e| e.value).unwrap_or(f64::INFINITY);
    let needed = queue_curve.iter().find(|(_, a)| *a >= target).map(|(n, _)| *n);
    log(&format!("random order at {}: cold AUC {}; queue reaches it at {needed:?}", cfg.queue_reference, Estimate::cell(&random.cold_auc)));
    Ok(QueueComparison { pool: pool_len, batch: cfg.queue_batch, reference: cfg.queue_reference, random, queue_curve, needed })
}

/// An outfit as the queue's candidate: rows stand for SKUs, the first garment is the seed; simulated outfits
/// carry no brand or age group, so those penalties weigh every candidate alike.
fn candidate(o: &LabelledOutfit, table: &FeatureTable, score: f32) -> Candidate {
    Candidate {
        skus: o.rows.iter().map(|r| r.to_string()).collect(),
        item_ids: o.rows.iter().map(|&r| r as i64).collect(),
        seed_sku: o.rows[0].to_string(),
        seed_slot: table.slots[o.rows[0]],
        brands: Vec::new(),
        age_group: None,
        score,
    }
}

fn auc_at(row: &MethodRow, budget: usize) -> Option<&Cell> {
    row.cells.iter().find(|c| c.budget == budget && c.cold_auc.is_some())
}

/// "Pretrained then fine-tuned at 200 >= from scratch at 1,000?", with both figures.
fn label_efficiency(ft: &MethodRow, sc: &MethodRow) -> String {
    match (auc_at(ft, 200), auc_at(sc, 1000)) {
        (Some(f), Some(s)) => {
            let (a, b) = (f.cold_auc.unwrap(), s.cold_auc.unwrap());
            let verdict = if a.value >= b.value { "yes" } else { "no" };
            format!(
                "Label efficiency: pretrained then fine-tuned at 200 judgements >= from scratch at 1,000? {verdict}: cold AUC {} against {} (means over {} seeds{}).",
                Estimate::cell(&f.cold_auc),
                Estimate::cell(&s.cold_auc),
                f.seeds,
                if a.low > b.high || b.low > a.high { "; the intervals do not overlap" } else { "; the intervals overlap" }
            )
        }
        _ => "Label efficiency: not measured (needs budgets 200 and 1000).".to_string(),
    }
}

/// A GENERATED source or target: each item has a hidden style out of `styles` whose direction (from `style_seed`,
/// so two sets with the same one share what compatibility means) is added to random noise, plus a catalogue
/// `shift` along a direction of its own (which centring removes); an outfit (top, bottom, shoes) is a set of
/// items of one style. Outfits are split 60/20/20 into train / validation / test; every item belongs to one
/// outfit, so test items are cold.
pub fn synthetic_outfit_set(
    dims: HeadDims,
    n_outfits: usize,
    styles: usize,
    signal: f32,
    shift: f32,
    style_seed: u64,
    seed: u64,
) -> Result<PreparedSet> {
    use outfit_catalogue::Slot;
    let enc = dims.image + dims.text;
    let unit = |rng: &mut StdRng| -> Vec<f32> {
        let v: Vec<f32> = (0..enc).map(|_| rng.sample::<f32, _>(rand_distr::StandardNormal)).collect();
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
        v.into_iter().map(|x| x / n).collect()
    };
    let mut srng = StdRng::seed_from_u64(style_seed);
    let dirs: Vec<Vec<f32>> = (0..styles).map(|_| unit(&mut srng)).collect();
    let mut rng = StdRng::seed_from_u64(seed);
    let offset = unit(&mut rng);
    let slots = [Slot::Top, Slot::Bottom, Slot::Shoes];
    let (mut rows, mut row_slots, mut outfits) = (Vec::new(), Vec::new(), Vec::new());
    for o in 0..n_outfits {
        let style = rng.random_range(0..styles);
        let mut members = Vec::new();
        for slot in slots {
            let noise = unit(&mut rng);
            let mut row = vec![0f32; dims.input()];
            for k in 0..enc {
                row[k] = noise[k] + signal * dirs[style][k] + shift * offset[k];
            }
            row[enc + super::features::cat::SLOT + slot.index()] = 1.0;
            members.push(row_slots.len());
            rows.extend(row);
            row_slots.push(slot);
        }
        outfits.push(RowOutfit { id: format!("g{seed}-{o}"), rows: members });
    }
    let n = row_slots.len();
    let table = FeatureTable::from_rows(dims, rows, row_slots, (0..n as i64).collect())?;
    let (a, b) = (n_outfits * 3 / 5, n_outfits * 4 / 5);
    Ok(PreparedSet {
        source: format!("GENERATED outfits (seed {seed})"),
        table,
        train: outfits[..a].to_vec(),
        valid: outfits[a..b].to_vec(),
        test: outfits[b..].to_vec(),
        own_test: None,
        title_text: None,
    })
}

mod figure;
#[cfg(test)]
mod tests;
