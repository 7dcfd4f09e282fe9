//! Training the type-aware head on frozen encoder features (candle autograd + AdamW; no hand-derived gradients).
//!
//! Loss, as in the outfit-compatibility literature (Vasileva et al. 2018; Han et al. 2017):
//! - outfit-level binary cross-entropy on σ(a · mean_pairs s + b) for positive vs negative outfits (stylists'
//!   accepts vs rejects, plus sampled same-slot swaps of positives as extra negatives), and
//! - a pairwise ranking (triplet) term: a positive outfit must score at least `margin` above the same outfit with
//!   one item swapped for a random item of the same slot.
//!
//! Training runs on a [`FeatureTable`] (one assembled input row per item) and [`LabelledOutfit`]s (row indices and a
//! label, see [`super::data`]), so it needs neither the encoders nor the store: [`FineTuneJob`] owns everything and can run on a worker
//! thread while the UI keeps drawing, reporting [`TrainProgress`] and polling a cancel flag every step.

use super::data::{DataSnapshot, FeatureTable, LabelSelection, LabelledOutfit, swap_negative, synthetic_set};
use super::head::{BlockWeights, Head, HeadDims, pair_index};
use crate::{ModelError, Result};
use candle_core::{D, Device, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Hyper-parameters; stored with every trained version.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainConfig {
    pub epochs: usize,
    pub lr: f64,
    pub weight_decay: f64,
    /// Outfits per step (each positive also brings its sampled swap negatives).
    pub batch_size: usize,
    /// Freeze the lower layers (the linear projection and the first MLP layer): only W2, b2, masks and the
    /// calibration learn. Right for few labels.
    pub freeze_lower: bool,
    pub seed: u64,
    /// Weight of the ranking term against the BCE term.
    pub rank_weight: f32,
    /// Margin of the ranking term, in mean-pair-score units (s lies in [-1, 1] for unit masks).
    pub margin: f32,
    /// Same-slot swap negatives sampled per positive outfit and step.
    pub swaps_per_positive: usize,
    /// BCE weight of a sampled swap negative (a judged reject weighs 1).
    pub swap_weight: f32,
    /// Judgements by these stylists are left out.
    pub exclude_stylists: Vec<String>,
    /// Per-stylist loss weights (default 1).
    pub stylist_weights: HashMap<String, f32>,
    /// One label per outfit: the (stylist-weighted) majority of the stylists' latest judgements, ties left out,
    /// instead of one example per judgement.
    #[serde(default)]
    pub majority: bool,
    /// Share of the outfits (split by outfit) held back to pick the best epoch, the parent itself included as
    /// epoch 0, so fine-tuning on few labels cannot end worse than where it started on held-back data.
    /// 0 trains on everything and keeps the last epoch. Used only with at least 10 outfits.
    #[serde(default)]
    pub validation_fraction: f64,
    /// Weight of the fill-in-the-blank term: for each positive outfit one item is blanked and must beat
    /// `fitb_negatives` items of its slot and collection in a softmax over the candidates (what "complete the
    /// look" does). 0 turns it off.
    #[serde(default)]
    pub fitb_weight: f32,
    #[serde(default = "default_fitb_negatives")]
    pub fitb_negatives: usize,
    /// Categorical input blocks kept out of the learned part (their weights held at 0). Pretraining on adult
    /// outfits sets age, gender and season, which are constant there and would otherwise meet untrained weights
    /// on children's items. Stored by name (`"age"`) in a model's parameters.
    #[serde(default)]
    pub ignore_blocks: Vec<InputBlock>,
    /// At least this many optimiser steps, in whole epochs: a few dozen judgements make one or two batches an
    /// epoch, and `epochs` of those would barely move a head.
    #[serde(default)]
    pub min_steps: usize,
}

fn default_fitb_negatives() -> usize {
    7
}

/// Softmax temperature of the FITB term (pair terms lie in [-1, 1] for unit masks; the masks can scale them).
const FITB_TEMPERATURE: f64 = 10.0;

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 10,
            lr: 3e-3,
            weight_decay: 1e-4,
            batch_size: 64,
            freeze_lower: false,
            seed: 20_251_125,
            rank_weight: 1.0,
            margin: 0.2,
            swaps_per_positive: 1,
            swap_weight: 0.5,
            exclude_stylists: Vec::new(),
            stylist_weights: HashMap::new(),
            majority: false,
            validation_fraction: 0.0,
            fitb_weight: 0.0,
            fitb_negatives: default_fitb_negatives(),
            ignore_blocks: Vec::new(),
            min_steps: 0,
        }
    }
}

impl TrainConfig {
    /// The judgements this config trains on.
    pub fn label_selection(&self) -> LabelSelection {
        LabelSelection {
            exclude_stylists: self.exclude_stylists.clone(),
            stylist_weights: self.stylist_weights.clone(),
            majority: self.majority,
        }
    }

    /// The recipe for pretraining on real stylists' outfits (chosen on the MANGO validation split).
    pub fn pretraining() -> TrainConfig {
        TrainConfig {
            epochs: 15,
            lr: 1e-3,
            weight_decay: 1e-2,
            batch_size: 64,
            swaps_per_positive: 2,
            fitb_weight: 1.0,
            fitb_negatives: 15,
            validation_fraction: 0.0,
            ignore_blocks: vec![InputBlock::Age, InputBlock::Gender, InputBlock::Season],
            ..TrainConfig::default()
        }
    }

    /// The recipe for fine-tuning on stylists' judgements: the pretraining objective (a fill-in-the-blank term over
    /// each accepted outfit, two swaps per accept, its learning rate and weight decay) at no fewer than
    /// [`FINE_TUNE_MIN_STEPS`] steps, with a share of the judged outfits held back to keep the best epoch, the
    /// parent counting as epoch 0. The lighter objective it replaced (BCE and ranking, one swap) barely moved a
    /// pretrained head in 2,000 judgements (README, "What stylists' judgements buy").
    pub fn fine_tuning() -> TrainConfig {
        TrainConfig {
            validation_fraction: FINE_TUNE_VALIDATION_FRACTION,
            ignore_blocks: Vec::new(),
            min_steps: FINE_TUNE_MIN_STEPS,
            ..TrainConfig::pretraining()
        }
    }

    /// The number of epochs this config runs on `n` outfits (`epochs`, or more to reach `min_steps`).
    pub fn epochs_for(&self, n: usize) -> usize {
        self.epochs.max(self.min_steps.div_ceil(n.div_ceil(self.batch_size.max(1)).max(1)))
    }
}

/// The fewest optimiser steps a fine-tuning run takes (the Train screen's learning curve has always used it).
pub const FINE_TUNE_MIN_STEPS: usize = 150;

/// The share of judged outfits fine-tuning holds back to pick the epoch (the app's and `eval-transfer`'s).
pub const FINE_TUNE_VALIDATION_FRACTION: f64 = 0.2;

/// A categorical block of the head's input (see `features::cat`), by the name it has in a model's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum InputBlock {
    Slot,
    Age,
    Gender,
    Season,
    Colour,
}

impl InputBlock {
    /// Where the block starts inside the categorical block, and how many inputs it spans (`cat`: its width).
    fn span(self, cat: usize) -> (usize, usize) {
        use super::features::cat as c;
        match self {
            InputBlock::Slot => (c::SLOT, c::AGE - c::SLOT),
            InputBlock::Age => (c::AGE, c::GENDER - c::AGE),
            InputBlock::Gender => (c::GENDER, c::SEASON - c::GENDER),
            InputBlock::Season => (c::SEASON, c::COLOUR - c::SEASON),
            InputBlock::Colour => (c::COLOUR, cat.saturating_sub(c::COLOUR)),
        }
    }
}

/// Per-input 0/1 mask ([in, 1]) for the lower layers' rows, or `None` when no block is ignored.
fn input_mask(dims: super::head::HeadDims, blocks: &[InputBlock]) -> Result<Option<Tensor>> {
    if blocks.is_empty() {
        return Ok(None);
    }
    let mut m = vec![1f32; dims.input()];
    let base = dims.image + dims.text;
    for &b in blocks {
        let (start, len) = b.span(dims.cat);
        if base + start + len > m.len() {
            let name: &str = b.into();
            return Err(ModelError::data(format!("input block {name:?} lies outside the head's {} inputs", m.len())));
        }
        m[base + start..base + start + len].fill(0.0);
    }
    Ok(Some(Tensor::from_vec(m, (dims.input(), 1), &Device::Cpu)?))
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct TrainProgress {
    pub epoch: usize,
    pub epochs: usize,
    pub step: usize,
    pub steps_per_epoch: usize,
    pub loss: f32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EpochStats {
    pub epoch: usize,
    pub loss: f32,
    pub bce: f32,
    pub rank: f32,
    pub seconds: f64,
}

/// A trained head and how training went.
#[derive(Debug, Clone)]
pub struct Trained {
    pub head: Head,
    pub history: Vec<EpochStats>,
    /// With a validation split: the epoch whose weights were kept (0 = the parent unchanged) and each epoch's
    /// validation loss, starting with the parent's.
    pub best_epoch: Option<usize>,
    pub validation_loss: Vec<f32>,
    /// With an epoch selector: its score per epoch, starting with the parent's.
    pub validation_score: Vec<f32>,
    pub seconds: f64,
    pub positives: usize,
    pub negatives: usize,
    /// Each trained-on outfit's logit (by outfit key) from a head trained without its fold
    /// ([`out_of_fold_logits`]); empty unless a [`FineTuneJob`] asked for them.
    pub out_of_fold: Vec<(String, f32)>,
}

impl Trained {
    /// The epochs whose weights the head holds: the kept one with a validation split, else all that ran.
    pub fn kept_epochs(&self) -> usize {
        self.best_epoch.unwrap_or(self.history.len())
    }
}

/// A head trained from nothing: random projection (all blocks weighted equally) and a random first MLP layer,
/// identity masks, centred on `mean`.
pub fn scratch_head(dims: HeadDims, mean: &[f32], seed: u64) -> Result<Head> {
    let bw = BlockWeights { image: 1.0, text: 1.0, slot: 1.0, age: 1.0, gender: 1.0, season: 1.0, colour: 1.0 };
    let h = Head::zero_shot(dims, mean, &bw, (4.0, 0.0), seed)?;
    with_random_w1(&h, seed ^ 0x9E37_79B9)
}

/// W1 = W2 = 0 is a saddle (no gradient reaches either), so a head whose first layer is all zeros gets a random
/// W1 before training; W2 stays 0, so the head's output is unchanged until it learns.
fn with_random_w1(head: &Head, seed: u64) -> Result<Head> {
    let w1 = &head.tensors["w1"];
    if w1.abs()?.sum_all()?.to_scalar::<f32>()? > 0.0 {
        return Ok(head.clone());
    }
    let (i, h) = w1.dims2()?;
    let mut rng = StdRng::seed_from_u64(seed);
    // Inputs are blocks of unit-norm vectors (a few units of norm in all), so this gives O(1) hidden activations.
    let std = 0.5f32;
    let v: Vec<f32> = (0..i * h).map(|_| rng.sample::<f32, _>(rand_distr::StandardNormal) * std).collect();
    let mut t = head.tensors.clone();
    t.insert("w1".into(), Tensor::from_vec(v, (i, h), &Device::Cpu)?);
    Head::from_tensors(head.dims, t)
}

/// Index tensors for one batch of outfits.
struct Batch {
    rows: Tensor,
    left: Tensor,
    right: Tensor,
    pair_type: Tensor,
    /// [B, P]: 1/npairs where pair p belongs to outfit b.
    agg: Tensor,
    labels: Tensor,
    weights: Tensor,
    weight_sum: f32,
    trip_pos: Option<(Tensor, Tensor)>,
    fitb: Option<FitbBatch>,
}

/// FITB questions of a batch: every candidate's pair terms with its question's context.
struct FitbBatch {
    left: Tensor,
    right: Tensor,
    pair_type: Tensor,
    /// [Q·C, P]: 1/|context| where pair p belongs to candidate slot q·C + c.
    agg: Tensor,
    questions: usize,
    candidates: usize,
}

/// A blank to fill in training: the context rows and the candidates, the right one first.
struct FitbTrain {
    context: Vec<usize>,
    candidates: Vec<usize>,
}

/// One blank per positive outfit: a random item against `k` random peers (same slot and collection).
fn fitb_train_questions(table: &FeatureTable, outfits: &[LabelledOutfit], k: usize, rng: &mut impl Rng) -> Vec<FitbTrain> {
    let mut out = Vec::new();
    for o in outfits.iter().filter(|o| o.positive && o.rows.len() >= 2) {
        let pos = rng.random_range(0..o.rows.len());
        let right = o.rows[pos];
        let pool: Vec<usize> = table.peers_of(right).iter().copied().filter(|r| !o.rows.contains(r)).collect();
        if pool.len() < k {
            continue;
        }
        let mut candidates = vec![right];
        candidates.extend(pool.choose_multiple(rng, k).copied());
        let context = o.rows.iter().enumerate().filter(|(i, _)| *i != pos).map(|(_, r)| *r).collect();
        out.push(FitbTrain { context, candidates });
    }
    out
}

fn build_batch(
    table: &FeatureTable,
    outfits: &[&LabelledOutfit],
    weights: &[f32],
    triplets: &[(usize, usize)],
    blanks: &[FitbTrain],
) -> Result<Batch> {
    let dev = Device::Cpu;
    let mut local: HashMap<usize, u32> = HashMap::new();
    let mut rows = Vec::new();
    let mut id_of = |r: usize| -> u32 {
        *local.entry(r).or_insert_with(|| {
            rows.push(r as u32);
            (rows.len() - 1) as u32
        })
    };
    let (mut left, mut right, mut ptype, mut owner) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (b, o) in outfits.iter().enumerate() {
        let ids: Vec<u32> = o.rows.iter().map(|&r| id_of(r)).collect();
        for x in 0..ids.len() {
            for y in x + 1..ids.len() {
                left.push(ids[x]);
                right.push(ids[y]);
                ptype.push(pair_index(table.slots[o.rows[x]], table.slots[o.rows[y]]) as u32);
                owner.push(b);
            }
        }
    }
    let (nb, np) = (outfits.len(), left.len());
    let mut counts = vec![0f32; nb];
    owner.iter().for_each(|&b| counts[b] += 1.0);
    let mut agg = vec![0f32; nb * np];
    for (p, &b) in owner.iter().enumerate() {
        agg[b * np + p] = 1.0 / counts[b];
    }
    let fitb = if blanks.is_empty() {
        None
    } else {
        let c = blanks[0].candidates.len();
        let (mut fl, mut fr, mut ft, mut fo) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (q, b) in blanks.iter().enumerate() {
            debug_assert_eq!(b.candidates.len(), c);
            for (k, &cand) in b.candidates.iter().enumerate() {
                let ci = id_of(cand);
                for &ctx in &b.context {
                    fl.push(ci);
                    fr.push(id_of(ctx));
                    ft.push(pair_index(table.slots[cand], table.slots[ctx]) as u32);
                    fo.push((q * c + k, b.context.len()));
                }
            }
        }
        let np = fl.len();
        let mut agg = vec![0f32; blanks.len() * c * np];
        for (p, &(slot, n)) in fo.iter().enumerate() {
            agg[slot * np + p] = 1.0 / n as f32;
        }
        Some(FitbBatch {
            left: Tensor::new(fl.as_slice(), &dev)?,
            right: Tensor::new(fr.as_slice(), &dev)?,
            pair_type: Tensor::new(ft.as_slice(), &dev)?,
            agg: Tensor::from_vec(agg, (blanks.len() * c, np), &dev)?,
            questions: blanks.len(),
            candidates: c,
        })
    };
    let labels: Vec<f32> = outfits.iter().map(|o| if o.positive { 1.0 } else { 0.0 }).collect();
    let trip_pos = if triplets.is_empty() {
        None
    } else {
        let p: Vec<u32> = triplets.iter().map(|t| t.0 as u32).collect();
        let n: Vec<u32> = triplets.iter().map(|t| t.1 as u32).collect();
        Some((Tensor::new(p.as_slice(), &dev)?, Tensor::new(n.as_slice(), &dev)?))
    };
    Ok(Batch {
        rows: Tensor::new(rows.as_slice(), &dev)?,
        left: Tensor::new(left.as_slice(), &dev)?,
        right: Tensor::new(right.as_slice(), &dev)?,
        pair_type: Tensor::new(ptype.as_slice(), &dev)?,
        agg: Tensor::from_vec(agg, (nb, np), &dev)?,
        labels: Tensor::new(labels.as_slice(), &dev)?,
        weight_sum: weights.iter().sum::<f32>().max(1e-6),
        weights: Tensor::new(weights, &dev)?,
        trip_pos,
        fitb,
    })
}

/// Mean pair score of every outfit of the batch, [B].
/// With the lower layers frozen, their outputs per item (x̄·P and relu(x̄·W1 + b1)) are computed once per run
/// instead of once per step: a step then costs only the small upper layer.
struct FrozenLower {
    lin: Tensor,
    hid: Tensor,
}

impl FrozenLower {
    fn new(t: &HashMap<String, Tensor>, table: &FeatureTable) -> candle_core::Result<FrozenLower> {
        let xc = table.x.broadcast_sub(&t["mean"])?;
        let lin = xc.matmul(&t["proj"])?;
        let hid = xc.matmul(&t["w1"])?.broadcast_add(&t["b1"])?.relu()?;
        Ok(FrozenLower { lin, hid })
    }
}

/// Mean pair term of every outfit of the batch, [B], and the FITB candidate scores, [Q, C] (when the batch has
/// blanks).
fn outfit_means(
    t: &HashMap<String, Tensor>,
    table: &FeatureTable,
    b: &Batch,
    frozen: Option<&FrozenLower>,
) -> candle_core::Result<(Tensor, Option<Tensor>)> {
    let g = match frozen {
        // The same maths as `Head::forward`, from the cached lower-layer outputs.
        Some(f) => {
            let lin = f.lin.index_select(&b.rows, 0)?;
            let hid = f.hid.index_select(&b.rows, 0)?;
            let g = (lin + hid.matmul(&t["w2"])?.broadcast_add(&t["b2"])?)?;
            let norm = g.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12f32, f32::MAX)?;
            g.broadcast_div(&norm)?
        }
        None => Head::forward(t, &table.x.index_select(&b.rows, 0)?)?,
    };
    let pair_means = |left: &Tensor, right: &Tensor, pair_type: &Tensor, agg: &Tensor| -> candle_core::Result<Tensor> {
        let gl = g.index_select(left, 0)?;
        let gr = g.index_select(right, 0)?;
        let m = t["masks"].index_select(pair_type, 0)?.sqr()?;
        let s = (gl * gr)?.mul(&m)?.sum(D::Minus1)?;
        agg.matmul(&s.unsqueeze(1)?)?.squeeze(1)
    };
    let means = pair_means(&b.left, &b.right, &b.pair_type, &b.agg)?;
    let fitb = match &b.fitb {
        Some(f) => Some(pair_means(&f.left, &f.right, &f.pair_type, &f.agg)?.reshape((f.questions, f.candidates))?),
        None => None,
    };
    Ok((means, fitb))
}

/// (total, bce, rank) losses of a batch.
fn batch_loss(
    t: &HashMap<String, Tensor>,
    table: &FeatureTable,
    b: &Batch,
    cfg: &TrainConfig,
    frozen: Option<&FrozenLower>,
) -> candle_core::Result<(Tensor, Tensor, Tensor)> {
    let (mean, fitb) = outfit_means(t, table, b, frozen)?;
    let calib = &t["calib"];
    let z = mean.broadcast_mul(&calib.narrow(0, 0, 1)?)?.broadcast_add(&calib.narrow(0, 1, 1)?)?;
    // BCE with logits, stable: softplus(z) − y·z, softplus(z) = relu(z) + log(1 + e^{−|z|}).
    let softplus = (z.relu()? + (z.abs()?.neg()?.exp()? + 1.0)?.log()?)?;
    let bce = (softplus - b.labels.mul(&z)?)?.mul(&b.weights)?.sum_all()?.affine(1.0 / b.weight_sum as f64, 0.0)?;
    let rank = match &b.trip_pos {
        Some((p, n)) => {
            let diff = (mean.index_select(p, 0)? - mean.index_select(n, 0)?)?;
            diff.neg()?.affine(1.0, cfg.margin as f64)?.relu()?.mean_all()?
        }
        None => Tensor::new(0f32, &Device::Cpu)?,
    };
    let mut total = (&bce + rank.affine(cfg.rank_weight as f64, 0.0)?)?;
    if let Some(scores) = fitb {
        // Cross-entropy with the right candidate in column 0.
        let logp = candle_nn::ops::log_softmax(&scores.affine(FITB_TEMPERATURE, 0.0)?, D::Minus1)?;
        let ce = logp.narrow(1, 0, 1)?.mean_all()?.neg()?;
        total = (total + ce.affine(cfg.fitb_weight as f64, 0.0)?)?;
    }
    Ok((total, bce, rank))
}

/// Fine-tunes `parent` (or trains a [`scratch_head`]) on labelled outfits. Returns a new head and the per-epoch
/// history; `Err(ModelError::Cancelled)` as soon as `cancel` is set (checked every step).
pub fn train(
    parent: &Head,
    table: &FeatureTable,
    data: &[LabelledOutfit],
    cfg: &TrainConfig,
    progress: &mut dyn FnMut(TrainProgress),
    cancel: &AtomicBool,
) -> Result<Trained> {
    let start = Instant::now();
    let usable: Vec<LabelledOutfit> = data.iter().filter(|o| o.rows.len() >= 2 && o.weight > 0.0).cloned().collect();
    let (fit, validation) = if cfg.validation_fraction > 0.0 && usable.len() >= 10 {
        let (fit, val) = super::metrics::split_by_outfit(&usable, cfg.validation_fraction, cfg.seed);
        if fit.iter().any(|o| o.positive) && val.iter().any(|o| o.positive) { (fit, val) } else { (usable, Vec::new()) }
    } else {
        (usable, Vec::new())
    };
    train_validated(parent, table, &fit, &validation, None, cfg, progress, cancel).map(|mut t| {
        t.seconds = start.elapsed().as_secs_f64();
        t
    })
}

/// A score on held-back data, higher is better, that picks the epoch instead of the validation loss.
pub type EpochSelector<'a> = &'a dyn Fn(&Head) -> Result<f32>;

/// [`train`] on `fit` with an explicit validation set (a dataset's own validation split) that picks the epoch
/// (by `select` when given, else by the validation loss); an empty one keeps the last epoch.
/// Long because the epoch loop, its snapshot of the best epoch and its cancel checks share the optimiser's state.
#[allow(clippy::too_many_arguments)]
pub fn train_validated(
    parent: &Head,
    table: &FeatureTable,
    fit: &[LabelledOutfit],
    validation: &[LabelledOutfit],
    select: Option<EpochSelector>,
    cfg: &TrainConfig,
    progress: &mut dyn FnMut(TrainProgress),
    cancel: &AtomicBool,
) -> Result<Trained> {
    let start = Instant::now();
    if parent.dims != table.dims {
        return Err(ModelError::data(format!("the head was built for {:?} inputs but the features are {:?}", parent.dims, table.dims)));
    }
    if let Some(bad) = fit.iter().chain(validation).flat_map(|o| &o.rows).find(|&&r| r >= table.len()) {
        return Err(ModelError::data(format!("outfit refers to feature row {bad}, but the table has {} rows", table.len())));
    }
    let fit: Vec<LabelledOutfit> = fit.iter().filter(|o| o.rows.len() >= 2 && o.weight > 0.0).cloned().collect();
    let validation: Vec<LabelledOutfit> = validation.iter().filter(|o| o.rows.len() >= 2).cloned().collect();
    let data: Vec<&LabelledOutfit> = fit.iter().collect();
    let positives = data.iter().filter(|o| o.positive).count();
    let negatives = data.len() - positives;
    if positives == 0 {
        return Err(ModelError::data("training needs at least one positive (accepted) outfit with two or more items"));
    }
    let mask = input_mask(parent.dims, &cfg.ignore_blocks)?;
    let mut init = with_random_w1(parent, cfg.seed)?;
    if let Some(m) = &mask {
        let mut t = init.tensors.clone();
        for name in ["proj", "w1"] {
            t.insert(name.into(), t[name].broadcast_mul(m)?);
        }
        init = Head::from_tensors(parent.dims, t)?;
    }
    let trainable: &[&str] =
        if cfg.freeze_lower { &["w2", "b2", "masks", "calib"] } else { &["proj", "w1", "b1", "w2", "b2", "masks", "calib"] };
    let mut vars: HashMap<String, Var> = HashMap::new();
    for name in trainable {
        vars.insert(name.to_string(), Var::from_tensor(&init.tensors[*name])?);
    }
    // Ignored input rows stay 0: the product with the mask passes them no gradient.
    let current = |vars: &HashMap<String, Var>| -> HashMap<String, Tensor> {
        init.tensors
            .iter()
            .map(|(k, v)| {
                let t = vars.get(k).map(|v| v.as_tensor().clone()).unwrap_or_else(|| v.clone());
                let t = match (&mask, k.as_str()) {
                    (Some(m), "proj" | "w1") => t.broadcast_mul(m).expect("mask matches the head's inputs"),
                    _ => t,
                };
                (k.clone(), t)
            })
            .collect()
    };
    let mut opt = AdamW::new(
        trainable.iter().map(|n| vars[*n].clone()).collect(),
        ParamsAdamW { lr: cfg.lr, weight_decay: cfg.weight_decay, ..Default::default() },
    )?;
    let frozen = if cfg.freeze_lower { Some(FrozenLower::new(&init.tensors, table)?) } else { None };
    let mut rng = StdRng::seed_from_u64(cfg.seed);
    let bs = cfg.batch_size.max(1);
    let steps_per_epoch = data.len().div_ceil(bs);
    let epochs = cfg.epochs_for(data.len());
    let mut history = Vec::with_capacity(epochs);
    let mut order: Vec<usize> = (0..data.len()).collect();
    let snapshot = |vars: &HashMap<String, Var>| -> candle_core::Result<HashMap<String, Tensor>> {
        current(vars).into_iter().map(|(k, v)| Ok((k, v.detach().copy()?))).collect()
    };
    // (validation loss, selection score, criterion: lower is better).
    let validate = |tensors: &HashMap<String, Tensor>| -> Result<(f32, Option<f32>, f32)> {
        let head = Head::from_tensors(parent.dims, tensors.clone())?;
        let loss = loss_on(&head, table, &validation, cfg)?;
        let score = select.map(|f| f(&head)).transpose()?;
        Ok((loss, score, score.map(|s| -s).unwrap_or(loss)))
    };
    let mut validation_loss = Vec::new();
    let mut validation_score = Vec::new();
    let mut best: Option<(usize, f32, HashMap<String, Tensor>)> = None;
    if !validation.is_empty() {
        let t = snapshot(&vars)?;
        let (v, score, crit) = validate(&t)?;
        validation_loss.push(v);
        validation_score.extend(score);
        best = Some((0, crit, t));
    }
    for epoch in 0..epochs {
        let t0 = Instant::now();
        order.shuffle(&mut rng);
        let (mut sum, mut sum_bce, mut sum_rank, mut n) = (0f64, 0f64, 0f64, 0usize);
        for (step, chunk) in order.chunks(bs).enumerate() {
            if cancel.load(Ordering::Relaxed) {
                return Err(ModelError::Cancelled);
            }
            let mut outfits: Vec<LabelledOutfit> = Vec::with_capacity(chunk.len() * (1 + cfg.swaps_per_positive));
            let mut weights = Vec::new();
            let mut triplets = Vec::new();
            for &i in chunk {
                outfits.push(data[i].clone());
                weights.push(data[i].weight);
            }
            for b in 0..chunk.len() {
                if !outfits[b].positive {
                    continue;
                }
                for _ in 0..cfg.swaps_per_positive {
                    if let Some(neg) = swap_negative(&outfits[b], table, &mut rng) {
                        weights.push(outfits[b].weight * cfg.swap_weight);
                        outfits.push(neg);
                        triplets.push((b, outfits.len() - 1));
                    }
                }
            }
            let blanks = if cfg.fitb_weight > 0.0 {
                fitb_train_questions(table, &outfits[..chunk.len()], cfg.fitb_negatives, &mut rng)
            } else {
                Vec::new()
            };
            let refs: Vec<&LabelledOutfit> = outfits.iter().collect();
            let batch = build_batch(table, &refs, &weights, &triplets, &blanks)?;
            let (loss, bce, rank) = batch_loss(&current(&vars), table, &batch, cfg, frozen.as_ref())?;
            opt.backward_step(&loss)?;
            let l = loss.to_scalar::<f32>()?;
            if !l.is_finite() {
                return Err(ModelError::data(format!("training diverged (loss {l}); try a lower learning rate")));
            }
            sum += l as f64;
            sum_bce += bce.to_scalar::<f32>()? as f64;
            sum_rank += rank.to_scalar::<f32>()? as f64;
            n += 1;
            progress(TrainProgress { epoch, epochs, step, steps_per_epoch, loss: l });
        }
        let n = n.max(1) as f64;
        history.push(EpochStats {
            epoch,
            loss: (sum / n) as f32,
            bce: (sum_bce / n) as f32,
            rank: (sum_rank / n) as f32,
            seconds: t0.elapsed().as_secs_f64(),
        });
        if let Some((_, best_crit, _)) = &best {
            let t = snapshot(&vars)?;
            let (v, score, crit) = validate(&t)?;
            validation_loss.push(v);
            validation_score.extend(score);
            if crit < *best_crit {
                best = Some((epoch + 1, crit, t));
            }
        }
    }
    let (best_epoch, tensors) = match best {
        Some((e, _, t)) => (Some(e), t),
        None => (None, snapshot(&vars)?),
    };
    Ok(Trained {
        head: Head::from_tensors(parent.dims, tensors)?,
        history,
        best_epoch,
        validation_loss,
        validation_score,
        seconds: start.elapsed().as_secs_f64(),
        positives,
        negatives,
        out_of_fold: Vec::new(),
    })
}

/// The training objective of `head` on a fixed set of outfits with fixed swap negatives (for tests and reports).
pub fn loss_on(head: &Head, table: &FeatureTable, data: &[LabelledOutfit], cfg: &TrainConfig) -> Result<f32> {
    let mut rng = StdRng::seed_from_u64(cfg.seed ^ 0x5eed);
    let mut outfits: Vec<LabelledOutfit> = data.iter().filter(|o| o.rows.len() >= 2).cloned().collect();
    let blanks = if cfg.fitb_weight > 0.0 { fitb_train_questions(table, &outfits, cfg.fitb_negatives, &mut rng) } else { Vec::new() };
    let mut weights: Vec<f32> = outfits.iter().map(|o| o.weight).collect();
    let mut triplets = Vec::new();
    for b in 0..outfits.len() {
        if outfits[b].positive
            && let Some(neg) = swap_negative(&outfits[b], table, &mut rng)
        {
            weights.push(outfits[b].weight * cfg.swap_weight);
            outfits.push(neg);
            triplets.push((b, outfits.len() - 1));
        }
    }
    let refs: Vec<&LabelledOutfit> = outfits.iter().collect();
    let batch = build_batch(table, &refs, &weights, &triplets, &blanks)?;
    Ok(batch_loss(&head.tensors, table, &batch, cfg, None)?.0.to_scalar::<f32>()?)
}

/// Everything a fine-tuning run needs, detached from the engine so it can run on a worker thread.
#[derive(Debug, Clone)]
pub struct FineTuneJob {
    pub parent_id: Option<i64>,
    pub parent_name: String,
    pub parent: Head,
    pub from_scratch: bool,
    pub table: Arc<FeatureTable>,
    pub data: Vec<LabelledOutfit>,
    pub snapshot: DataSnapshot,
    pub cfg: TrainConfig,
}

impl FineTuneJob {
    /// Trains the new head, then [`CROSS_FOLDS`] more on the other folds of the same judgements, for the
    /// out-of-fold logits the app calibrates the new head on (they cost five more runs of the same recipe).
    pub fn run(&self, progress: &mut dyn FnMut(TrainProgress), cancel: &AtomicBool) -> Result<Trained> {
        let start = if self.from_scratch {
            scratch_head(self.parent.dims, &self.table.feature_mean()?, self.cfg.seed)?
        } else {
            self.parent.clone()
        };
        let mut trained = train(&start, &self.table, &self.data, &self.cfg, progress, cancel)?;
        // The app's calibration ignores fewer than 5 accepts or rejects; below this a fold has too few to learn.
        if self.data.len() < MIN_OUTFITS_FOR_OUT_OF_FOLD {
            return Ok(trained);
        }
        let epochs = trained.kept_epochs();
        let oof = out_of_fold_logits(&self.data, &self.table, CROSS_FOLDS, |fit, k| {
            let cfg = TrainConfig { seed: self.cfg.seed ^ (k as u64 + 1), ..self.cfg.clone() };
            replay(&start, &self.table, fit, &cfg, epochs, cancel)
        })?;
        trained.out_of_fold = self.data.iter().zip(oof).filter_map(|(o, z)| Some((o.key.clone(), z?))).collect();
        Ok(trained)
    }
}

mod bench;
mod cross_fit;
pub use bench::bench;
pub use cross_fit::{CROSS_FOLDS, MIN_OUTFITS_FOR_OUT_OF_FOLD, near_outfit_groups, out_of_fold_logits, replay};

#[cfg(test)]
mod tests;
