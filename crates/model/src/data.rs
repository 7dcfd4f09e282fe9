//! What the model learns from: a [`FeatureTable`] (one assembled input row per item, with slot and collection),
//! [`LabelledOutfit`]s over it (from stylists' judgements, resolved across stylists by [`TrainingPolicy`]),
//! same-slot negative sampling, and generated sets with a known ground truth for tests and benchmarks.

use super::features::assemble;
use super::head::HeadDims;
use crate::{ModelError, Result};
use candle_core::{Device, Tensor};
use outfit_catalogue::{Item, Slot};
use outfit_store::{Judgement, JudgementSource, StoredFeatures, Verdict};
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};

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
            return Err(ModelError::data(format!(
                "feature table: {} values for {n} rows of {} inputs ({} ids)",
                rows.len(),
                dims.input(),
                item_ids.len()
            )));
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

// ---------------------------------------------------------------------------------------------------------------
// From judgements in the store.

/// Which judgements become training examples, and with what weight (the label part of a training config).
#[derive(Debug, Clone, Default)]
pub struct LabelSelection {
    /// Judgements by these stylists are left out.
    pub exclude_stylists: Vec<String>,
    /// Per-stylist loss weights (default 1).
    pub stylist_weights: HashMap<String, f32>,
    /// One example per outfit by weighted majority of the stylists instead of one per judgement.
    pub majority: bool,
}

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
    cfg: &LabelSelection,
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
    cfg: &LabelSelection,
) -> (Vec<LabelledOutfit>, DataSnapshot) {
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
        let key = outfit_store::outfit_key(&skus);
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
    let normal = |rng: &mut StdRng| -> f32 { rng.sample(rand_distr::StandardNormal) };
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
    for (r, (&slot, &style)) in table.slots.iter().zip(&style_of).enumerate() {
        by.entry((slot, style)).or_default().push(r);
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

// ---------------------------------------------------------------------------------------------------------------
// Several stylists' labels as training labels (the review tools in `labels` read the same resolution).

/// Each stylist's current label per outfit key: the latest live judgement, `true` = accept; skips drop out.
pub fn latest_labels(judgements: &[Judgement]) -> BTreeMap<String, HashMap<String, (bool, Judgement)>> {
    let mut latest: HashMap<(&str, &str), &Judgement> = HashMap::new();
    for j in judgements.iter().filter(|j| j.undone_at.is_none()) {
        let e = latest.entry((j.stylist.as_str(), j.outfit_key.as_str())).or_insert(j);
        if (j.at.as_str(), j.id) > (e.at.as_str(), e.id) {
            *e = j;
        }
    }
    let mut out: BTreeMap<String, HashMap<String, (bool, Judgement)>> = BTreeMap::new();
    for ((stylist, key), j) in latest {
        if j.verdict == Verdict::Skip {
            continue;
        }
        out.entry(stylist.to_string()).or_default().insert(key.to_string(), (j.verdict == Verdict::Accept, j.clone()));
    }
    out
}

/// How several stylists' labels become training labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainingPolicy {
    /// Per-stylist vote weight (default 1.0); a weight of 0 excludes the stylist like `exclude` does.
    pub weights: HashMap<String, f32>,
    pub exclude: HashSet<String>,
    pub conflicts: Conflicts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Conflicts {
    /// One label per outfit: the weighted majority of the stylists' latest labels; ties are left out.
    Majority,
    /// Every stylist's latest label is its own example, weighted by the stylist's weight.
    KeepAll,
}

impl Default for TrainingPolicy {
    fn default() -> Self {
        TrainingPolicy { weights: HashMap::new(), exclude: HashSet::new(), conflicts: Conflicts::Majority }
    }
}

impl TrainingPolicy {
    pub fn weight(&self, stylist: &str) -> f32 {
        if self.exclude.contains(stylist) { 0.0 } else { self.weights.get(stylist).copied().unwrap_or(1.0) }
    }
}

/// A stylist's vote on an outfit: (stylist, positive, weight, the judgement).
type Vote<'a> = (&'a str, bool, f32, &'a Judgement);

/// Training examples `(skus, positive, weight)` from judgements (each stylist's latest accept or reject per
/// outfit; skips never count), sorted by outfit key; `labels::training_labels` reads them from the store.
///
/// With [`Conflicts::Majority`], each outfit's stylists vote with their weights; the side with more weight wins
/// (equal weight: the outfit is left out) and the example's weight is the winning side's weight divided by the
/// number of stylists who voted: 1.0 for a unanimous or single default-weight label, 2/3 for a 2-1 split.
///
/// In either mode an outfit a lead settled ([`JudgementSource::Settled`], the latest settlement if several) is one
/// example with the settled label and weight 1.0: the lead looked at the split and decided it.
pub fn training_labels_from(judgements: &[Judgement], policy: &TrainingPolicy) -> Vec<(Vec<String>, bool, f32)> {
    // The latest live settlement per outfit; the votes are everyone's latest label apart from settlements.
    let mut settled: HashMap<&str, &Judgement> = HashMap::new();
    for j in judgements.iter().filter(|j| j.source == JudgementSource::Settled && j.undone_at.is_none()) {
        let e = settled.entry(j.outfit_key.as_str()).or_insert(j);
        if (j.at.as_str(), j.id) > (e.at.as_str(), e.id) {
            *e = j;
        }
    }
    let votes: Vec<Judgement> = judgements.iter().filter(|j| j.source != JudgementSource::Settled).cloned().collect();
    let labels = latest_labels(&votes);
    // outfit key -> [(stylist, positive, weight, skus)]
    let mut by_key: BTreeMap<String, Vec<Vote>> = BTreeMap::new();
    for (stylist, ls) in &labels {
        let w = policy.weight(stylist);
        if w <= 0.0 {
            continue;
        }
        for (key, (pos, j)) in ls {
            by_key.entry(key.clone()).or_default().push((stylist, *pos, w, j));
        }
    }
    for (key, j) in &settled {
        if j.verdict != Verdict::Skip {
            by_key.entry(key.to_string()).or_default();
        }
    }
    let mut out = Vec::new();
    for (key, mut votes) in by_key {
        if let Some(j) = settled.get(key.as_str()).filter(|j| j.verdict != Verdict::Skip) {
            out.push((j.skus.clone(), j.verdict == Verdict::Accept, 1.0));
            continue;
        }
        votes.sort_by(|a, b| a.0.cmp(b.0));
        match policy.conflicts {
            Conflicts::KeepAll => out.extend(votes.iter().map(|(_, p, w, j)| (j.skus.clone(), *p, *w))),
            Conflicts::Majority => {
                let acc: f32 = votes.iter().filter(|v| v.1).map(|v| v.2).sum();
                let rej: f32 = votes.iter().filter(|v| !v.1).map(|v| v.2).sum();
                if (acc - rej).abs() < 1e-6 {
                    continue;
                }
                let positive = acc > rej;
                out.push((votes[0].3.skus.clone(), positive, acc.max(rej) / votes.len() as f32));
            }
        }
    }
    out
}
