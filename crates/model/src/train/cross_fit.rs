//! Cross-fitting: each judged outfit's logit from a head that did not learn from it, for the calibration the app
//! refits on a fine-tuned head's judgements (a head reads what it was trained on too confidently).

use super::*;

/// Folds of the cross-fitted calibration logits.
pub const CROSS_FOLDS: usize = 5;

/// Fewer judged outfits than this get no out-of-fold logits (the calibration then reads the head's own).
pub const MIN_OUTFITS_FOR_OUT_OF_FOLD: usize = 20;

/// Each outfit's logit from a head fitted (by `fit`, from the fold's training outfits and the fold number) on the
/// other folds; `None` where its fold could not be fitted (no accept left to learn from). A head reads the
/// judgements it was trained on more confidently than new ones, so a calibration refitted on its own training
/// judgements is overconfident: on polyvore-mcn-test after 100 judgements, ECE 0.063 with the app's calibration
/// refitted on the head's own logits against 0.041 on out-of-fold ones (`eval-transfer`). Folds go by
/// [`near_outfit_groups`], so neither one outfit's judgements nor an outfit and its one-garment variants sit on both
/// sides: a head trained on an accepted look reads the same look with one garment swapped as good, and those
/// variants are what stylists (and the simulated stylist's rejects) judge side by side.
pub fn out_of_fold_logits(
    data: &[LabelledOutfit],
    table: &FeatureTable,
    folds: usize,
    mut fit: impl FnMut(&[LabelledOutfit], usize) -> Result<Head>,
) -> Result<Vec<Option<f32>>> {
    use std::hash::{Hash, Hasher};
    let groups = near_outfit_groups(data);
    let fold_of = |key: &str| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut h);
        (h.finish() % folds.max(1) as u64) as usize
    };
    let fold: Vec<usize> = groups.iter().map(|&g| fold_of(&data[g].key)).collect();
    let mut out = vec![None; data.len()];
    for k in 0..folds {
        let train_on: Vec<LabelledOutfit> = data.iter().zip(&fold).filter(|(_, f)| **f != k).map(|(o, _)| o.clone()).collect();
        if !fold.contains(&k) || !train_on.iter().any(|o| o.positive) {
            continue;
        }
        let head = fit(&train_on, k)?;
        let scorer = crate::metrics::OutfitScorer::new(&head, table)?;
        for (i, o) in data.iter().enumerate().filter(|(i, _)| fold[*i] == k) {
            out[i] = Some(head.logit(scorer.mean_pair(&o.rows), 0.0));
        }
    }
    Ok(out)
}

/// For each outfit, the index of the first outfit of its group: outfits with the same garments, or that differ by
/// one garment swapped, added or removed, and everything linked to them that way. Outfits of two garments join
/// only on the same two (one shared garment would chain every pairing of a popular hero into one group).
pub fn near_outfit_groups(data: &[LabelledOutfit]) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..data.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    // Two outfits differ by at most one garment when they share a leave-one-out subset, or one is such a subset of
    // the other: every outfit registers its own garments and each leave-one-out subset of them.
    let mut first: HashMap<Vec<usize>, usize> = HashMap::new();
    for (i, o) in data.iter().enumerate() {
        let mut rows = o.rows.clone();
        rows.sort_unstable();
        rows.dedup();
        let mut keys = vec![rows.clone()];
        if rows.len() > 2 {
            keys.extend((0..rows.len()).map(|k| rows.iter().enumerate().filter(|(j, _)| *j != k).map(|(_, r)| *r).collect()));
        }
        for key in keys {
            let j = *first.entry(key).or_insert(i);
            let (a, b) = (root(&mut parent, i), root(&mut parent, j));
            parent[a.max(b)] = a.min(b);
        }
    }
    (0..data.len()).map(|i| root(&mut parent, i)).collect()
}

/// A stand-in, for cross-fitting, for a head that kept `epochs` epochs of a validated run: `start` trained on `fit`
/// (one fold's training outfits) for exactly that many epochs with nothing held back, or `start` itself when the
/// run kept the parent. A fold head that picked its own epoch on its few held-back outfits often kept the parent,
/// so its logits described the parent instead of the head being calibrated (MANGO after 100 judgements: ECE 0.105).
pub fn replay(
    start: &Head,
    table: &FeatureTable,
    fit: &[LabelledOutfit],
    cfg: &TrainConfig,
    epochs: usize,
    cancel: &AtomicBool,
) -> Result<Head> {
    if epochs == 0 {
        return Ok(start.clone());
    }
    let cfg = TrainConfig { epochs, min_steps: 0, validation_fraction: 0.0, ..cfg.clone() };
    Ok(train(start, table, fit, &cfg, &mut |_| {}, cancel)?.head)
}
