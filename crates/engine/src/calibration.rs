//! How the head is read on each catalogue (issue 19). A head pretrained on adult outfits and applied to a
//! children's catalogue it never saw claimed 0.000 and 1.000 for a quarter of random pairs each, and its score
//! was mostly "same colour family" (MANGO's stylists dress women tonally). So, when the embeddings load, each
//! catalogue gets:
//!
//! 1. **colour held back until judged**: the directions of the head's embedding space that separate this
//!    catalogue's colour families (their centroids) are shrunk by [`COLOUR_SHRINK_UNJUDGED`], less as the
//!    catalogue's judgements n grow (times `PRIOR_LABELS / (n + PRIOR_LABELS)`), so pairs are matched more on what
//!    else the head learned (type, shape, texture) until stylists show how much colour matters here
//!    ([`Engine::neutralise_colour`]);
//! 2. a label-free calibration from its own random same-age cross-slot pairs: centred so a typical pair reads 50
//!    and tempered to at most one logit of spread ([`CatalogueCalibration::for_shift`]);
//! 3. refitted on the stylists' accept/reject judgements of boards from that catalogue, blended by their number
//!    ([`CatalogueCalibration::with_judgements`]). A judged board the head was trained on is read by its
//!    out-of-fold logit, stored with the head at training (`train::out_of_fold_logits`): the head's own logit for a
//!    board it learned from is overconfident, and a calibration fitted on it is too.

use super::Engine;
use crate::Result;
use outfit_catalogue::Slot;
use outfit_catalogue::taxonomy::ColourFamily;
use outfit_model::calibrate::{CatalogueCalibration, PRIOR_LABELS};
use outfit_score::EmbeddingIndex;
use outfit_store::{Judgement, Verdict};
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::sync::Arc;

/// A trained head's out-of-fold logits by outfit key, from its params (empty for shipped and older heads).
fn out_of_fold_logits(params_json: &str) -> HashMap<String, f32> {
    let v: serde_json::Value = serde_json::from_str(params_json).unwrap_or_default();
    let pairs: Vec<(String, f32)> =
        v.get(super::training::OUT_OF_FOLD_LOGITS).and_then(|x| serde_json::from_value(x.clone()).ok()).unwrap_or_default();
    pairs.into_iter().collect()
}

/// Random pairs measured per catalogue.
const PAIRS: usize = 4000;

/// How much of the colour-family directions an unjudged catalogue loses. Removing them all (1.0) overshoots: on
/// H&M and Myntra kids, different-colour pairs then outscore same-colour ones (AUC of "same colour family" 0.40
/// and 0.36, from 0.86 and 0.85); half keeps colour as one consideration among others.
pub const COLOUR_SHRINK_UNJUDGED: f32 = 0.5;

/// A colour family needs this many items of a catalogue for its centroid to count.
const MIN_FAMILY: usize = 5;

impl Engine {
    /// Live accept/reject judgements per catalogue (of the board's first item).
    fn judgements_per_catalogue(&self, judgements: &[Judgement]) -> HashMap<i64, usize> {
        let mut n: HashMap<i64, usize> = HashMap::new();
        for j in judgements {
            if j.verdict == Verdict::Skip {
                continue;
            }
            if let Some(cat) = j.skus.first().and_then(|s| self.item_by_sku(s)).and_then(|i| self.catalogue_of(i.id)) {
                *n.entry(cat).or_default() += 1;
            }
        }
        n
    }

    /// Shrinks, per catalogue, the embedding directions that separate its colour families (see the module docs),
    /// in the index the scan and the scores read; the stored embeddings stay as the head made them.
    pub(super) fn neutralise_colour(&self, index: &mut EmbeddingIndex, judgements: &[Judgement]) {
        if index.is_empty() || self.loaded.head.is_none() {
            return;
        }
        let judged = self.judgements_per_catalogue(judgements);
        let d = index.dim;
        // Per catalogue its colour basis and shrink; per row the plan it follows. The rows are then rewritten in
        // parallel and re-quantised once (300k rows one by one were a tenth of an app's start).
        let mut plans: Vec<(Vec<Vec<f32>>, f32)> = Vec::new();
        let mut plan_of: Vec<Option<u32>> = vec![None; index.len()];
        for (cat, rows) in rows_by_catalogue(index) {
            let n = judged.get(&(cat as i64)).copied().unwrap_or(0) as f32;
            let shrink = COLOUR_SHRINK_UNJUDGED * (1.0 - n / (n + PRIOR_LABELS));
            // A row without a loaded item counts as "other", which the basis leaves out.
            let family =
                |r: usize| self.loaded.items.get(&index.item_ids[r]).map_or(ColourFamily::Other, |i| ColourFamily::of(&i.item.colour));
            let families: Vec<ColourFamily> = rows.iter().map(|&r| family(r)).collect();
            let basis = colour_basis(index, &rows, &families, d);
            if basis.is_empty() || shrink <= 0.0 {
                continue;
            }
            for &r in &rows {
                plan_of[r] = Some(plans.len() as u32);
            }
            plans.push((basis, shrink));
        }
        index.update_rows(|r, v| {
            let Some(p) = plan_of[r] else { return false };
            let (basis, shrink) = &plans[p as usize];
            let mut w = v.to_vec();
            for u in basis {
                let c: f32 = w.iter().zip(u).map(|(x, y)| x * y).sum::<f32>() * shrink;
                w.iter_mut().zip(u).for_each(|(x, y)| *x -= c * y);
            }
            // A row that is (nearly) all colour keeps its embedding rather than becoming noise.
            let norm = w.iter().map(|x| x * x).sum::<f32>().sqrt();
            if norm <= 1e-6 {
                return false;
            }
            v.iter_mut().zip(&w).for_each(|(x, y)| *x = y / norm);
            true
        });
    }

    /// Measures every catalogue's calibration for the active head (see the module docs).
    pub(super) fn load_calibrations(&mut self, judgements: &[Judgement]) {
        let Some((row, head)) = self.loaded.head.as_ref() else {
            self.loaded.calibrations = Arc::default();
            return;
        };
        let index = &self.loaded.index;
        let mut slot_of = vec![Slot::Top; index.len()];
        for s in Slot::ALL {
            for r in index.slot_ranges[s.index()].clone() {
                slot_of[r] = s;
            }
        }
        let mut out: HashMap<i64, CatalogueCalibration> = HashMap::new();
        for (cat, rows) in rows_by_catalogue(index) {
            let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed ^ cat as u64);
            let mut logits = Vec::with_capacity(PAIRS);
            for _ in 0..PAIRS * 8 {
                if logits.len() == PAIRS {
                    break;
                }
                let (i, j) = (rows[rng.random_range(0..rows.len())], rows[rng.random_range(0..rows.len())]);
                let (mi, mj) = (&index.meta[i], &index.meta[j]);
                if slot_of[i] == slot_of[j] || (mi.age_bit != 0 && mj.age_bit != 0 && mi.age_bit != mj.age_bit) {
                    continue;
                }
                logits.push(head.logit(head.pair_score(index.row(i), slot_of[i], index.row(j), slot_of[j]), 0.0));
            }
            if let Some(c) = CatalogueCalibration::for_shift(&logits) {
                out.insert(cat as i64, c);
            }
        }
        let out_of_fold = out_of_fold_logits(&row.params_json);
        // Stylists' judgements of boards from each catalogue (the first item's).
        let mut votes: HashMap<i64, (Vec<f32>, Vec<f32>)> = HashMap::new();
        for j in judgements {
            let ids: Vec<i64> = j.skus.iter().filter_map(|s| self.item_by_sku(s)).map(|i| i.id).collect();
            if ids.len() < 2 || ids.len() != j.skus.len() {
                continue;
            }
            let Some(cat) = self.catalogue_of(ids[0]) else { continue };
            let Some(z) = out_of_fold.get(&j.outfit_key).copied().or_else(|| self.raw_logit(&ids).ok()) else { continue };
            let v = votes.entry(cat).or_default();
            match j.verdict {
                Verdict::Accept => v.0.push(z),
                Verdict::Reject => v.1.push(z),
                Verdict::Skip => {}
            }
        }
        for (cat, (acc, rej)) in votes {
            if let Some(c) = out.get_mut(&cat) {
                *c = c.with_judgements(&acc, &rej);
            }
        }
        self.loaded.calibrations = Arc::new(out);
    }

    /// The head's logit for a board (content and history), before any catalogue's calibration.
    /// (Rows of the index carry the colour-neutralised embeddings, so this reads what the stylist was shown.)
    fn raw_logit(&self, ids: &[i64]) -> Result<f32> {
        let head = self.ready_head()?;
        let mut sum = 0.0;
        let mut n = 0;
        for (x, &i) in ids.iter().enumerate() {
            for &j in &ids[x + 1..] {
                sum += head.pair_score(self.embedding(i)?, self.known(i)?.slot, self.embedding(j)?, self.known(j)?.slot);
                n += 1;
            }
        }
        Ok(head.logit(sum / n.max(1) as f32, self.history_logit(ids)))
    }

    /// How the head's logit reads for a board: its first item's catalogue's calibration, or the head's own.
    pub fn calibration_for(&self, ids: &[i64]) -> CatalogueCalibration {
        ids.iter()
            .find_map(|&i| self.catalogue_of(i))
            .and_then(|c| self.loaded.calibrations.get(&c).copied())
            .unwrap_or(CatalogueCalibration::IDENTITY)
    }
}

/// The index's rows of each catalogue (rows without one left out).
fn rows_by_catalogue(index: &EmbeddingIndex) -> HashMap<u32, Vec<usize>> {
    let mut rows_of: HashMap<u32, Vec<usize>> = HashMap::new();
    for (r, m) in index.meta.iter().enumerate() {
        if m.catalogue != 0 {
            rows_of.entry(m.catalogue).or_default().push(r);
        }
    }
    rows_of
}

/// An orthonormal basis of the directions between a catalogue's colour-family centroids and its mean (families of
/// fewer than [`MIN_FAMILY`] items and "other" left out), by Gram-Schmidt.
fn colour_basis(index: &EmbeddingIndex, rows: &[usize], families: &[ColourFamily], d: usize) -> Vec<Vec<f32>> {
    let mut mean = vec![0f32; d];
    for &r in rows {
        mean.iter_mut().zip(index.row(r)).for_each(|(m, x)| *m += x / rows.len() as f32);
    }
    let mut sums: HashMap<ColourFamily, (Vec<f32>, usize)> = HashMap::new();
    for (&r, &f) in rows.iter().zip(families) {
        if f == ColourFamily::Other {
            continue;
        }
        let e = sums.entry(f).or_insert_with(|| (vec![0f32; d], 0));
        e.0.iter_mut().zip(index.row(r)).for_each(|(s, x)| *s += x);
        e.1 += 1;
    }
    let mut keys: Vec<ColourFamily> = sums.keys().copied().collect();
    keys.sort_unstable();
    let mut basis: Vec<Vec<f32>> = Vec::new();
    for f in keys {
        let (sum, n) = &sums[&f];
        if *n < MIN_FAMILY {
            continue;
        }
        let mut v: Vec<f32> = sum.iter().zip(&mean).map(|(s, m)| s / *n as f32 - m).collect();
        for u in &basis {
            let c: f32 = v.iter().zip(u).map(|(x, y)| x * y).sum();
            v.iter_mut().zip(u).for_each(|(x, y)| *x -= c * y);
        }
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 1e-4 {
            basis.push(v.into_iter().map(|x| x / norm).collect());
        }
    }
    basis
}
