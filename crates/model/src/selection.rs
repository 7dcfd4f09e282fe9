//! The review queue's selection rule, free of the store and the engine: greedy max-marginal selection of
//! candidate outfits by uncertainty `1 - 2|p - 0.5|` minus a redundancy penalty against the outfits already picked
//! (the largest item-set Jaccard similarity, and the shares of picked outfits with the same seed slot, a shared
//! brand and the same age group; weights in [`Diversity`]). Candidates more similar than `max_jaccard` to a picked
//! or queued outfit are near-duplicates and never picked.
//!
//! One rule for the app's review queue (`labels::queue`, which proposes the candidates from the catalogue) and for
//! the simulated stylist of `transfer_eval` (which draws them from a target's outfits).

use outfit_catalogue::{AgeGroup, Slot};
use serde::Serialize;
use std::collections::HashSet;

/// Weights of the redundancy penalty (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Diversity {
    pub items: f32,
    pub seed_slot: f32,
    pub brand: f32,
    pub age_group: f32,
    /// Candidates more similar than this (item-set Jaccard) to a picked outfit are near-duplicates.
    pub max_jaccard: f32,
}

impl Default for Diversity {
    fn default() -> Self {
        Diversity { items: 0.5, seed_slot: 0.3, brand: 0.2, age_group: 0.2, max_jaccard: 0.5 }
    }
}

impl Diversity {
    /// Pure uncertainty order (near-duplicates are still dropped).
    pub fn none() -> Self {
        Diversity { items: 0.0, seed_slot: 0.0, brand: 0.0, age_group: 0.0, max_jaccard: 0.5 }
    }
}

/// A proposed outfit before it is queued.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub skus: Vec<String>,
    pub item_ids: Vec<i64>,
    pub seed_sku: String,
    pub seed_slot: Slot,
    pub brands: Vec<String>,
    pub age_group: Option<AgeGroup>,
    /// Compatibility probability under the active head.
    pub score: f32,
}

impl Candidate {
    pub fn uncertainty(&self) -> f32 {
        1.0 - 2.0 * (self.score - 0.5).abs()
    }
}

/// Jaccard similarity of two SKU sets.
pub fn jaccard(a: &[String], b: &[String]) -> f32 {
    let sa: HashSet<&String> = a.iter().collect();
    let sb: HashSet<&String> = b.iter().collect();
    let inter = sa.intersection(&sb).count();
    let union = sa.union(&sb).count();
    if union == 0 { 0.0 } else { inter as f32 / union as f32 }
}

/// Greedy max-marginal selection of up to `n` candidates (indices, in review order); `queued` are outfits already
/// waiting in the queue, which count as picked for near-duplicates and redundancy.
pub fn select(candidates: &[Candidate], n: usize, w: &Diversity, queued: &[Candidate]) -> Vec<usize> {
    let mut picked: Vec<usize> = Vec::new();
    let mut taken = vec![false; candidates.len()];
    while picked.len() < n {
        let chosen: Vec<&Candidate> = queued.iter().chain(picked.iter().map(|&i| &candidates[i])).collect();
        let mut best: Option<(f32, usize)> = None;
        for (i, c) in candidates.iter().enumerate() {
            if taken[i] {
                continue;
            }
            let max_j = chosen.iter().map(|p| jaccard(&c.skus, &p.skus)).fold(0.0f32, f32::max);
            if max_j > w.max_jaccard {
                continue;
            }
            let penalty = if chosen.is_empty() {
                0.0
            } else {
                let m = chosen.len() as f32;
                let share = |f: &dyn Fn(&Candidate) -> bool| chosen.iter().filter(|p| f(p)).count() as f32 / m;
                w.items * max_j
                    + w.seed_slot * share(&|p| p.seed_slot == c.seed_slot)
                    + w.brand * share(&|p| p.brands.iter().any(|b| c.brands.contains(b)))
                    + w.age_group * share(&|p| p.age_group == c.age_group)
            };
            let value = c.uncertainty() - penalty;
            if best.is_none_or(|(v, _)| value > v + 1e-9) {
                best = Some((value, i));
            }
        }
        let Some((_, i)) = best else { break };
        taken[i] = true;
        picked.push(i);
    }
    picked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(skus: &[&str], score: f32, slot: Slot, brand: &str, age: AgeGroup) -> Candidate {
        Candidate {
            skus: skus.iter().map(|s| s.to_string()).collect(),
            item_ids: vec![],
            seed_sku: skus[0].into(),
            seed_slot: slot,
            brands: vec![brand.into()],
            age_group: Some(age),
            score,
        }
    }

    #[test]
    fn uncertainty_first_then_diversity_and_no_near_duplicates() {
        use AgeGroup::*;
        let c = vec![
            cand(&["A", "B", "C"], 0.50, Slot::Top, "x", Kids),      // most uncertain
            cand(&["A", "B", "D"], 0.51, Slot::Top, "x", Kids),      // Jaccard 0.5 with 0: allowed, but redundant
            cand(&["A", "B", "C", "E"], 0.50, Slot::Top, "x", Kids), // Jaccard 0.75 with 0: near-duplicate
            cand(&["F", "G", "H"], 0.60, Slot::Shoes, "y", Toddler), // less sure, but new in every respect
            cand(&["I", "J", "K"], 0.95, Slot::Top, "x", Kids),
        ];
        // Pure uncertainty: 0, 1, 3, 4 (2 is a near-duplicate of 0).
        assert_eq!(select(&c, 5, &Diversity::none(), &[]), [0, 1, 3, 4]);
        // With diversity the fresh outfit comes before the redundant one.
        assert_eq!(select(&c, 5, &Diversity::default(), &[]), [0, 3, 1, 4]);
        // Already queued outfits count as picked.
        assert_eq!(select(&c, 1, &Diversity::default(), &[c[0].clone()]), [3]);
        assert!((jaccard(&c[0].skus, &c[2].skus) - 0.75).abs() < 1e-6);
    }
}
