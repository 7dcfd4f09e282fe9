//! Training the type-aware head on frozen encoder features (candle autograd + AdamW; no hand-derived gradients).
//!
//! Loss, as in the outfit-compatibility literature (Vasileva et al. 2018; Han et al. 2017):
//! - outfit-level binary cross-entropy on σ(a · mean_pairs s + b) for positive vs negative outfits (stylists'
//!   accepts vs rejects, plus sampled same-slot swaps of positives as extra negatives), and
//! - a pairwise ranking (triplet) term: a positive outfit must score at least `margin` above the same outfit with
//!   one item swapped for a random item of the same slot.
//!
//! Training runs on a [`FeatureTable`] (one assembled input row per item) and [`LabelledOutfit`]s (row indices and a
//! label), so it needs neither the encoders nor the store: [`FineTuneJob`] owns everything and can run on a worker
//! thread while the UI keeps drawing, reporting [`TrainProgress`] and polling a cancel flag every step.

use super::features::assemble;
use super::head::{BlockWeights, Head, HeadDims, pair_index};
use crate::catalogue::{Item, Slot};
use crate::store::{Judgement, StoredFeatures, Verdict};
use anyhow::{Result, anyhow, bail};
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

/// One assembled input row per item, with the item's slot. Row order is the table's own.
#[derive(Debug, Clone)]
pub struct FeatureTable {
    pub dims: HeadDims,
    /// [n, dims.input()] f32 on the CPU.
    pub x: Tensor,
    pub slots: Vec<Slot>,
    /// Store ids (or any caller ids) of the rows.
    pub item_ids: Vec<i64>,
    pub row_of: HashMap<i64, usize>,
    by_slot: Vec<Vec<usize>>,
    /// Collection of each row (0 = none known). Negatives are drawn from the same slot and collection, since
    /// real outfits stay inside one collection and mixed-collection negatives teach "same collection" only.
    pub groups: Vec<u32>,
    by_slot_group: HashMap<(usize, u32), Vec<usize>>,
}

impl FeatureTable {
    /// From already assembled rows (`rows.len() == slots.len() * dims.input()`).
    pub fn from_rows(dims: HeadDims, rows: Vec<f32>, slots: Vec<Slot>, item_ids: Vec<i64>) -> Result<FeatureTable> {
        let n = slots.len();
        if rows.len() != n * dims.input() || item_ids.len() != n {
            bail!("feature table: {} values for {n} rows of {} inputs ({} ids)", rows.len(), dims.input(), item_ids.len());
        }
        let x = Tensor::from_vec(rows, (n, dims.input()), &Device::Cpu)?;
        let mut by_slot = vec![Vec::new(); Slot::COUNT];
        for (r, s) in slots.iter().enumerate() {
            by_slot[s.index()].push(r);
        }
        let row_of = item_ids.iter().enumerate().map(|(r, id)| (*id, r)).collect();
        let mut t = FeatureTable { dims, x, slots, item_ids, row_of, by_slot, groups: Vec::new(), by_slot_group: HashMap::new() };
        t.set_groups(vec![0; n]);
        Ok(t)
    }

    /// Sets each row's collection (see [`FeatureTable::groups`]).
    pub fn set_groups(&mut self, groups: Vec<u32>) {
        assert_eq!(groups.len(), self.slots.len(), "one collection per row");
        self.by_slot_group.clear();
        for (r, (s, g)) in self.slots.iter().zip(&groups).enumerate() {
            self.by_slot_group.entry((s.index(), *g)).or_default().push(r);
        }
        self.groups = groups;
    }

    /// Rows of the same slot and collection as `row` (itself included).
    pub fn peers_of(&self, row: usize) -> &[usize] {
        self.by_slot_group.get(&(self.slots[row].index(), self.groups[row])).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Assembles rows from items and their stored features (see `features::assemble`).
    pub fn from_items(dims: HeadDims, items: &[(i64, &Item, &StoredFeatures)]) -> Result<FeatureTable> {
        let n_in = dims.input();
        let mut rows = vec![0f32; items.len() * n_in];
        for (row, (_, item, f)) in rows.chunks_mut(n_in).zip(items) {
            assemble(item, f, dims.image, dims.text, row);
        }
        FeatureTable::from_rows(dims, rows, items.iter().map(|(_, i, _)| i.slot).collect(), items.iter().map(|(id, _, _)| *id).collect())
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
    /// Rows of one slot.
    pub fn rows_of_slot(&self, slot: Slot) -> &[usize] {
        &self.by_slot[slot.index()]
    }

    /// Mean of the encoder blocks (categorical block left at 0), for centring a head trained from scratch.
    pub fn feature_mean(&self) -> Result<Vec<f32>> {
        let mut m: Vec<f32> = if self.is_empty() { vec![0.0; self.dims.input()] } else { self.x.mean(0)?.to_vec1()? };
        m[self.dims.image + self.dims.text..].fill(0.0);
        Ok(m)
    }
}

/// An outfit with a label, as row indices into a [`FeatureTable`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelledOutfit {
    pub rows: Vec<usize>,
    pub positive: bool,
    /// Loss weight (stylist weighting; 1 by default).
    pub weight: f32,
    /// Order-independent identity of the outfit (the split is by this key, so one outfit never sits on both sides).
    pub key: String,
    pub stylist: String,
}

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
    /// Categorical input blocks kept out of the learned part (their weights held at 0): `age`, `gender`,
    /// `season`, `colour`, `slot`. Pretraining on adult outfits sets age, gender and season, which are constant
    /// there and would otherwise meet untrained weights on children's items.
    #[serde(default)]
    pub ignore_blocks: Vec<String>,
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
        }
    }
}

impl TrainConfig {
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
            ignore_blocks: ["age", "gender", "season"].map(String::from).to_vec(),
            ..TrainConfig::default()
        }
    }
}

/// Per-input 0/1 mask ([in, 1]) for the lower layers' rows, or `None` when no block is ignored.
fn input_mask(dims: super::head::HeadDims, blocks: &[String]) -> Result<Option<Tensor>> {
    use super::features::cat;
    if blocks.is_empty() {
        return Ok(None);
    }
    let mut m = vec![1f32; dims.input()];
    let base = dims.image + dims.text;
    for b in blocks {
        let (start, len) = match b.as_str() {
            "slot" => (cat::SLOT, cat::AGE - cat::SLOT),
            "age" => (cat::AGE, cat::GENDER - cat::AGE),
            "gender" => (cat::GENDER, cat::SEASON - cat::GENDER),
            "season" => (cat::SEASON, cat::COLOUR - cat::SEASON),
            "colour" => (cat::COLOUR, dims.cat - cat::COLOUR),
            other => bail!("unknown input block {other:?} (slot, age, gender, season, colour)"),
        };
        if base + start + len > m.len() {
            bail!("input block {b:?} lies outside the head's {} inputs", m.len());
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
}

/// Returned (inside `anyhow::Error`) when training was cancelled; nothing was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

impl std::fmt::Display for Cancelled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("training cancelled")
    }
}
impl std::error::Error for Cancelled {}

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
    let v: Vec<f32> = (0..i * h)
        .map(|_| {
            let (u1, u2): (f32, f32) = (rng.random::<f32>().max(1e-12), rng.random());
            (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos() * std
        })
        .collect();
    let mut t = head.tensors.clone();
    t.insert("w1".into(), Tensor::from_vec(v, (i, h), &Device::Cpu)?);
    Head::from_tensors(head.dims, t)
}

/// The same outfit with one random item replaced by a random other item of the same slot and collection (a
/// Polyvore-style negative). `None` when no item of the outfit has an alternative.
pub fn swap_negative(o: &LabelledOutfit, table: &FeatureTable, rng: &mut impl Rng) -> Option<LabelledOutfit> {
    let mut order: Vec<usize> = (0..o.rows.len()).collect();
    order.shuffle(rng);
    for pos in order {
        let pool = table.peers_of(o.rows[pos]);
        let choices: Vec<usize> = pool.iter().copied().filter(|r| !o.rows.contains(r)).collect();
        if let Some(&r) = choices.as_slice().choose(rng) {
            let mut rows = o.rows.clone();
            rows[pos] = r;
            return Some(LabelledOutfit {
                rows,
                positive: false,
                weight: o.weight,
                key: format!("{}~swap", o.key),
                stylist: o.stylist.clone(),
            });
        }
    }
    None
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
/// history; `Err(Cancelled)` as soon as `cancel` is set (checked every step).
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
        let (fit, val) = super::eval::split_by_outfit(&usable, cfg.validation_fraction, cfg.seed);
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
        bail!("the head was built for {:?} inputs but the features are {:?}", parent.dims, table.dims);
    }
    if let Some(bad) = fit.iter().chain(validation).flat_map(|o| &o.rows).find(|&&r| r >= table.len()) {
        bail!("outfit refers to feature row {bad}, but the table has {} rows", table.len());
    }
    let fit: Vec<LabelledOutfit> = fit.iter().filter(|o| o.rows.len() >= 2 && o.weight > 0.0).cloned().collect();
    let validation: Vec<LabelledOutfit> = validation.iter().filter(|o| o.rows.len() >= 2).cloned().collect();
    let data: Vec<&LabelledOutfit> = fit.iter().collect();
    let positives = data.iter().filter(|o| o.positive).count();
    let negatives = data.len() - positives;
    if positives == 0 {
        bail!("training needs at least one positive (accepted) outfit with two or more items");
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
    let mut history = Vec::with_capacity(cfg.epochs);
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
    for epoch in 0..cfg.epochs {
        let t0 = Instant::now();
        order.shuffle(&mut rng);
        let (mut sum, mut sum_bce, mut sum_rank, mut n) = (0f64, 0f64, 0f64, 0usize);
        for (step, chunk) in order.chunks(bs).enumerate() {
            if cancel.load(Ordering::Relaxed) {
                return Err(anyhow!(Cancelled));
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
                bail!("training diverged (loss {l}); try a lower learning rate");
            }
            sum += l as f64;
            sum_bce += bce.to_scalar::<f32>()? as f64;
            sum_rank += rank.to_scalar::<f32>()? as f64;
            n += 1;
            progress(TrainProgress { epoch, epochs: cfg.epochs, step, steps_per_epoch, loss: l });
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

// ---------------------------------------------------------------------------------------------------------------
// From judgements in the store.

/// What a fine-tuned version was trained on (stored with it).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DataSnapshot {
    pub judgements: usize,
    pub max_judgement_id: i64,
    pub positives: usize,
    pub negatives: usize,
    pub outfits_skipped: usize,
    pub stylists: Vec<String>,
}

/// Turns judgements into labelled outfits over `table`: accept = positive, reject = hard negative, skip ignored.
/// Items without features are dropped from an outfit; outfits left with fewer than two items are skipped.
pub fn outfits_from_judgements(
    table: &FeatureTable,
    sku_to_id: &HashMap<String, i64>,
    judgements: &[Judgement],
    cfg: &TrainConfig,
) -> (Vec<LabelledOutfit>, DataSnapshot) {
    if cfg.majority {
        return majority_outfits(table, sku_to_id, judgements, cfg);
    }
    let mut out = Vec::new();
    let mut skipped = 0;
    let mut stylists: Vec<String> = Vec::new();
    let mut max_id = 0;
    let mut used = 0;
    for j in judgements {
        if j.verdict == Verdict::Skip || cfg.exclude_stylists.iter().any(|s| s == &j.stylist) {
            continue;
        }
        used += 1;
        max_id = max_id.max(j.id);
        let rows: Vec<usize> = j.skus.iter().filter_map(|s| sku_to_id.get(s)).filter_map(|id| table.row_of.get(id)).copied().collect();
        if rows.len() < 2 {
            skipped += 1;
            continue;
        }
        if !stylists.contains(&j.stylist) {
            stylists.push(j.stylist.clone());
        }
        let weight = cfg.stylist_weights.get(&j.stylist).copied().unwrap_or(1.0);
        out.push(LabelledOutfit {
            rows,
            positive: j.verdict == Verdict::Accept,
            weight,
            key: j.outfit_key.clone(),
            stylist: j.stylist.clone(),
        });
    }
    let positives = out.iter().filter(|o| o.positive).count();
    let snap = DataSnapshot {
        judgements: used,
        max_judgement_id: max_id,
        positives,
        negatives: out.len() - positives,
        outfits_skipped: skipped,
        stylists,
    };
    (out, snap)
}

/// [`outfits_from_judgements`] with conflicts between stylists resolved by weighted majority
/// (`labels::merge::training_labels_from`).
fn majority_outfits(
    table: &FeatureTable,
    sku_to_id: &HashMap<String, i64>,
    judgements: &[Judgement],
    cfg: &TrainConfig,
) -> (Vec<LabelledOutfit>, DataSnapshot) {
    use crate::labels::merge::{Conflicts, TrainingPolicy, training_labels_from};
    let policy = TrainingPolicy {
        weights: cfg.stylist_weights.clone(),
        exclude: cfg.exclude_stylists.iter().cloned().collect(),
        conflicts: Conflicts::Majority,
    };
    let counted: Vec<&Judgement> =
        judgements.iter().filter(|j| j.verdict != Verdict::Skip && !cfg.exclude_stylists.contains(&j.stylist)).collect();
    let mut stylists: Vec<String> = counted.iter().map(|j| j.stylist.clone()).collect();
    stylists.sort();
    stylists.dedup();
    let mut out = Vec::new();
    let mut skipped = 0;
    for (skus, positive, weight) in training_labels_from(judgements, &policy) {
        let rows: Vec<usize> = skus.iter().filter_map(|s| sku_to_id.get(s)).filter_map(|id| table.row_of.get(id)).copied().collect();
        if rows.len() < 2 {
            skipped += 1;
            continue;
        }
        let key = crate::store::outfit_key(&skus);
        out.push(LabelledOutfit { rows, positive, weight, key, stylist: "majority".into() });
    }
    let positives = out.iter().filter(|o| o.positive).count();
    let snap = DataSnapshot {
        judgements: counted.len(),
        max_judgement_id: counted.iter().map(|j| j.id).max().unwrap_or(0),
        positives,
        negatives: out.len() - positives,
        outfits_skipped: skipped,
        stylists,
    };
    (out, snap)
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
    pub fn run(&self, progress: &mut dyn FnMut(TrainProgress), cancel: &AtomicBool) -> Result<Trained> {
        let start = if self.from_scratch {
            scratch_head(self.parent.dims, &self.table.feature_mean()?, self.cfg.seed)?
        } else {
            self.parent.clone()
        };
        train(&start, &self.table, &self.data, &self.cfg, progress, cancel)
    }
}

impl crate::engine::Engine {
    /// Assembled features of every indexed item, for a head of `dims`.
    pub fn feature_table(&self, dims: HeadDims) -> Result<FeatureTable> {
        let feats = self.store.load_features(&self.encoder_key())?;
        let mut ids: Vec<i64> = feats.keys().copied().filter(|id| self.items().contains_key(id)).collect();
        ids.sort_unstable();
        let rows: Vec<(i64, &Item, &StoredFeatures)> = ids.iter().map(|id| (*id, &self.items()[id].item, &feats[id])).collect();
        FeatureTable::from_items(dims, &rows)
    }

    /// The judgements as labelled outfits over the indexed catalogue.
    pub fn judgement_dataset(&self, dims: HeadDims, cfg: &TrainConfig) -> Result<(Arc<FeatureTable>, Vec<LabelledOutfit>, DataSnapshot)> {
        let table = self.feature_table(dims)?;
        let sku_to_id: HashMap<String, i64> = self.items().values().map(|i| (i.item.sku.clone(), i.id)).collect();
        let (data, snap) = outfits_from_judgements(&table, &sku_to_id, &self.store.judgements()?, cfg);
        Ok((Arc::new(table), data, snap))
    }

    /// Prepares fine-tuning from a stored version (`None`: the active one); `from_scratch` trains a fresh head of
    /// the same dimensions instead, keeping the version as its recorded parent.
    pub fn prepare_fine_tune(&self, from_version: Option<i64>, from_scratch: bool, cfg: &TrainConfig) -> Result<FineTuneJob> {
        let row = self.model_or_active(from_version)?;
        let parent = self.head_as_used(&row)?;
        let (table, data, snapshot) = self.judgement_dataset(parent.dims, cfg)?;
        if snapshot.positives == 0 {
            bail!(
                "no accepted outfits with indexed items to learn from ({} judgements usable, {} skipped)",
                snapshot.judgements,
                snapshot.outfits_skipped
            );
        }
        Ok(FineTuneJob { parent_id: Some(row.id), parent_name: row.name, parent, from_scratch, table, data, snapshot, cfg: cfg.clone() })
    }

    /// Stores a finished job's head as a new (inactive) model version with its lineage, data and metrics.
    pub fn install_trained(&mut self, job: &FineTuneJob, trained: &Trained, name: Option<&str>) -> Result<i64> {
        let n = self.store.models()?.len() + 1;
        let name = name.map(str::to_string).unwrap_or_else(|| format!("{}-v{n}", if job.from_scratch { "scratch" } else { "finetuned" }));
        let trained_on = format!(
            "{} on {} stylist judgements ({} accepts, {} rejects, up to judgement #{}){}",
            if job.from_scratch { "trained from scratch".to_string() } else { format!("fine-tuned from {}", job.parent_name) },
            job.snapshot.judgements,
            job.snapshot.positives,
            job.snapshot.negatives,
            job.snapshot.max_judgement_id,
            if job.cfg.freeze_lower { ", lower layers frozen" } else { "" }
        );
        let params = serde_json::json!({ "config": job.cfg, "data": job.snapshot, "from_scratch": job.from_scratch });
        // Metrics on the training set itself (held-out numbers come from `outfit-studio eval`).
        let train_auc = super::eval::evaluate(&trained.head, &job.table, &job.data, job.cfg.seed).ok();
        let metrics = serde_json::json!({
            "final_loss": trained.history.last().map(|h| h.loss),
            "history": trained.history,
            "seconds": trained.seconds,
            "train_set": train_auc,
            "best_epoch": trained.best_epoch,
            "validation_loss": trained.validation_loss,
        });
        self.install_head(&name, &trained.head, job.parent_id, &trained_on, &params.to_string(), &metrics.to_string())
    }

    /// Fine-tunes from a version on the stored judgements and stores the result as a new version (not activated:
    /// call `activate_model` to switch, which re-embeds the catalogue). Cancelling stores nothing.
    pub fn fine_tune_from_judgements(
        &mut self,
        from_version: Option<i64>,
        cfg: &TrainConfig,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<i64> {
        let job = self.prepare_fine_tune(from_version, false, cfg)?;
        let trained = job.run(progress, cancel)?;
        self.install_trained(&job, &trained, None)
    }
}

// ---------------------------------------------------------------------------------------------------------------
// `outfit-studio train`.

/// Hyper-parameter flags shared by `train` and `eval`.
#[derive(clap::Args, Debug, Clone)]
pub struct TrainFlags {
    #[arg(long, default_value_t = 10)]
    pub epochs: usize,
    #[arg(long, default_value_t = 3e-3)]
    pub lr: f64,
    #[arg(long, default_value_t = 1e-4)]
    pub weight_decay: f64,
    #[arg(long, default_value_t = 64)]
    pub batch: usize,
    /// Freeze the projection and the first MLP layer (train W2, b2, masks and calibration only).
    #[arg(long)]
    pub freeze_lower: bool,
    #[arg(long, default_value_t = 20_251_125)]
    pub seed: u64,
    /// Leave out this stylist's judgements (repeatable).
    #[arg(long = "exclude-stylist")]
    pub exclude_stylists: Vec<String>,
    /// Weight a stylist's judgements, as NAME=WEIGHT (repeatable).
    #[arg(long = "stylist-weight")]
    pub stylist_weights: Vec<String>,
    /// Resolve disagreements between stylists by weighted majority (one label per outfit; ties left out).
    #[arg(long)]
    pub majority: bool,
    /// Share of outfits held back to keep the best epoch (the parent counts as epoch 0); 0 keeps the last epoch.
    #[arg(long, default_value_t = 0.2)]
    pub validation: f64,
}

impl TrainFlags {
    pub fn config(&self) -> Result<TrainConfig> {
        let mut stylist_weights = HashMap::new();
        for sw in &self.stylist_weights {
            let (n, w) = sw.rsplit_once('=').ok_or_else(|| anyhow!("--stylist-weight wants NAME=WEIGHT, got {sw:?}"))?;
            stylist_weights.insert(n.to_string(), w.parse::<f32>().map_err(|_| anyhow!("--stylist-weight {sw:?}: {w:?} is not a number"))?);
        }
        Ok(TrainConfig {
            epochs: self.epochs,
            lr: self.lr,
            weight_decay: self.weight_decay,
            batch_size: self.batch,
            freeze_lower: self.freeze_lower,
            seed: self.seed,
            exclude_stylists: self.exclude_stylists.clone(),
            stylist_weights,
            majority: self.majority,
            validation_fraction: self.validation,
            ..TrainConfig::default()
        })
    }
}

#[derive(clap::Args, Debug)]
pub struct TrainArgs {
    /// Model version id to start from (default: the active head).
    #[arg(long = "from")]
    pub from: Option<i64>,
    /// Train a fresh head instead of fine-tuning (the version is still recorded as its parent).
    #[arg(long)]
    pub scratch: bool,
    /// Make the new version the active head (re-embeds the catalogue).
    #[arg(long)]
    pub activate: bool,
    /// Name of the new version (default finetuned-vN / scratch-vN).
    #[arg(long)]
    pub name: Option<String>,
    /// Benchmark instead: fine-tune on N generated judgements with the real feature sizes (no database used).
    #[arg(long, value_name = "N")]
    pub bench: Option<usize>,
    #[command(flatten)]
    pub flags: TrainFlags,
}

pub fn run_cli(db: &std::path::Path, models: &std::path::Path, args: TrainArgs) -> Result<()> {
    let cfg = args.flags.config()?;
    if let Some(n) = args.bench {
        return bench(n, &cfg);
    }
    let mut e = crate::engine::Engine::open(db, models)?;
    let job = e.prepare_fine_tune(args.from, args.scratch, &cfg)?;
    println!(
        "{} {} on {} judgements ({} accepts, {} rejects; {} skipped for missing items), {} epochs",
        if args.scratch { "training from scratch, parent" } else { "fine-tuning" },
        job.parent_name,
        job.snapshot.judgements,
        job.snapshot.positives,
        job.snapshot.negatives,
        job.snapshot.outfits_skipped,
        cfg.epochs
    );
    let cancel = AtomicBool::new(false);
    let mut last_epoch = usize::MAX;
    let trained = job.run(
        &mut |p| {
            if p.step + 1 == p.steps_per_epoch && p.epoch != last_epoch {
                last_epoch = p.epoch;
                eprintln!("  epoch {:>3}/{}  loss {:.4}", p.epoch + 1, p.epochs, p.loss);
            }
        },
        &cancel,
    )?;
    let id = e.install_trained(&job, &trained, args.name.as_deref())?;
    println!(
        "stored model version {id} ({:.1}s); final epoch loss {:.4}",
        trained.seconds,
        trained.history.last().map(|h| h.loss).unwrap_or(f32::NAN)
    );
    if args.activate {
        e.activate_model(id)?;
        println!("model {id} is now active");
    } else {
        println!("activate it with: outfit-studio models activate {id}");
    }
    Ok(())
}

/// Times fine-tuning on `n` generated judgements with the real feature sizes (1280 + 384 + categorical).
pub fn bench(n: usize, cfg: &TrainConfig) -> Result<()> {
    let dims = HeadDims::standard(1280, 384);
    let n_items = (n / 2).clamp(400, 20_000);
    let t0 = Instant::now();
    let (table, data) = synthetic_set(dims, n_items, n, 12, 0.6, cfg.seed)?;
    let parent = Head::zero_shot(dims, &table.feature_mean()?, &BlockWeights::default(), (4.0, -1.0), cfg.seed)?;
    println!("generated {n} judgements over {n_items} items ({} inputs per item) in {:.1}s", dims.input(), t0.elapsed().as_secs_f64());
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let t = train(&parent, &table, &data, cfg, &mut |_| {}, &AtomicBool::new(false))?;
    println!(
        "fine-tuned on {n} judgements: {} epochs in {:.1}s ({:.2}s/epoch, {} threads available, freeze_lower={}); loss {:.4} -> {:.4}",
        cfg.epochs,
        t.seconds,
        t.seconds / cfg.epochs.max(1) as f64,
        threads,
        cfg.freeze_lower,
        t.history.first().map(|h| h.loss).unwrap_or(f32::NAN),
        t.history.last().map(|h| h.loss).unwrap_or(f32::NAN)
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------------
// Generated data with a known ground truth (tests, benchmarks, demos; never reported as fashion results).

/// A synthetic catalogue and labelled outfits: each item has a hidden style out of `styles`; its features are
/// large style-independent noise plus a small style direction. An outfit (top, bottom, shoes, sometimes outerwear)
/// is compatible exactly when all its items share a style. Positives and negatives are balanced.
pub fn synthetic_set(
    dims: HeadDims,
    n_items: usize,
    n_outfits: usize,
    styles: usize,
    signal: f32,
    seed: u64,
) -> Result<(FeatureTable, Vec<LabelledOutfit>)> {
    let mut rng = StdRng::seed_from_u64(seed);
    let enc = dims.image + dims.text;
    let normal = move |rng: &mut StdRng| -> f32 {
        let (u1, u2): (f32, f32) = (rng.random::<f32>().max(1e-12), rng.random());
        (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
    };
    let dirs: Vec<Vec<f32>> = (0..styles)
        .map(|_| {
            let v: Vec<f32> = (0..enc).map(|_| normal(&mut rng)).collect();
            let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.into_iter().map(|x| x / n).collect()
        })
        .collect();
    let slots_cycle = [Slot::Top, Slot::Bottom, Slot::Shoes, Slot::Outerwear];
    let mut rows = vec![0f32; n_items * dims.input()];
    let mut slots = Vec::with_capacity(n_items);
    let mut style_of = Vec::with_capacity(n_items);
    for (i, row) in rows.chunks_mut(dims.input()).enumerate() {
        let slot = slots_cycle[i % slots_cycle.len()];
        let style = (i / slots_cycle.len()) % styles;
        let noise: Vec<f32> = (0..enc).map(|_| normal(&mut rng)).collect();
        let nn = noise.iter().map(|x| x * x).sum::<f32>().sqrt();
        for k in 0..enc {
            row[k] = noise[k] / nn + signal * dirs[style][k];
        }
        row[enc + super::features::cat::SLOT + slot.index()] = 1.0;
        slots.push(slot);
        style_of.push(style);
    }
    let table = FeatureTable::from_rows(dims, rows, slots, (0..n_items as i64).collect())?;
    let mut by: HashMap<(Slot, usize), Vec<usize>> = HashMap::new();
    for r in 0..n_items {
        by.entry((table.slots[r], style_of[r])).or_default().push(r);
    }
    let mut outfits = Vec::with_capacity(n_outfits);
    for k in 0..n_outfits {
        let positive = k % 2 == 0;
        let mut wanted = vec![Slot::Top, Slot::Bottom, Slot::Shoes];
        if rng.random::<f32>() < 0.4 {
            wanted.push(Slot::Outerwear);
        }
        let base = rng.random_range(0..styles);
        let mut rows = Vec::new();
        for (w, s) in wanted.iter().enumerate() {
            // Negatives: every item but the first from another style.
            let style = if positive || w == 0 { base } else { (base + 1 + rng.random_range(0..styles - 1)) % styles };
            if let Some(r) = by.get(&(*s, style)).and_then(|v| v.as_slice().choose(&mut rng)) {
                rows.push(*r);
            }
        }
        let mut key_rows = rows.clone();
        key_rows.sort_unstable();
        outfits.push(LabelledOutfit { key: format!("{key_rows:?}"), rows, positive, weight: 1.0, stylist: "synthetic".into() });
    }
    Ok((table, outfits))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims() -> HeadDims {
        HeadDims { image: 12, text: 8, cat: super::super::features::CAT_DIM, hidden: 16, embed: 8 }
    }

    #[test]
    fn swap_negative_keeps_slots() {
        let (table, data) = synthetic_set(dims(), 80, 10, 4, 1.0, 1).unwrap();
        let mut rng = StdRng::seed_from_u64(3);
        for o in &data {
            let n = swap_negative(o, &table, &mut rng).unwrap();
            assert!(!n.positive);
            assert_eq!(n.rows.len(), o.rows.len());
            assert_eq!(n.rows.iter().zip(&o.rows).filter(|(a, b)| a != b).count(), 1);
            for (a, b) in n.rows.iter().zip(&o.rows) {
                assert_eq!(table.slots[*a], table.slots[*b]);
            }
        }
    }

    #[test]
    fn training_preserves_the_parent_at_step_zero_and_reduces_loss() {
        let (table, data) = synthetic_set(dims(), 120, 60, 4, 1.0, 2).unwrap();
        let parent = Head::zero_shot(dims(), &table.feature_mean().unwrap(), &BlockWeights::default(), (4.0, 0.0), 5).unwrap();
        let cfg = TrainConfig { epochs: 0, ..Default::default() };
        let t = train(&parent, &table, &data, &cfg, &mut |_| {}, &AtomicBool::new(false)).unwrap();
        // Zero epochs: W1 became random but W2 = 0, so the function is the parent's.
        let before = loss_on(&parent, &table, &data, &cfg).unwrap();
        let same = loss_on(&t.head, &table, &data, &cfg).unwrap();
        assert!((before - same).abs() < 1e-5, "{before} vs {same}");
        let cfg = TrainConfig { epochs: 40, batch_size: 16, lr: 1e-2, ..Default::default() };
        let t = train(&parent, &table, &data, &cfg, &mut |_| {}, &AtomicBool::new(false)).unwrap();
        let after = loss_on(&t.head, &table, &data, &cfg).unwrap();
        assert!(after < before * 0.8, "loss {before} -> {after}");
    }
}
