//! What stylists have already put together: pair counts over approved looks, blended into the head's score for
//! items that have a history (the content score alone for items that have none).
//!
//! The blend is the one `eval-outfits` measures on MANGO: logit = a·s̄ + b + β·mean over pairs ln(1 + count),
//! with β chosen on the validation split when the head was pretrained and stored in its parameters
//! (`cooccurrence_weight`; 0 for heads without one). Warm items then never score worse than the table.

use std::collections::HashMap;

/// Pair counts between item ids.
#[derive(Debug, Clone, Default)]
pub struct PairHistory {
    neighbours: HashMap<i64, HashMap<i64, u32>>,
}

impl PairHistory {
    /// Counts every pair of distinct items inside each look.
    pub fn from_looks<'a>(looks: impl IntoIterator<Item = &'a [i64]>) -> PairHistory {
        let mut h = PairHistory::default();
        for look in looks {
            h.add_look(look);
        }
        h
    }

    pub fn add_look(&mut self, look: &[i64]) {
        for (x, &a) in look.iter().enumerate() {
            for &b in &look[x + 1..] {
                if a != b {
                    *self.neighbours.entry(a).or_default().entry(b).or_insert(0) += 1;
                    *self.neighbours.entry(b).or_default().entry(a).or_insert(0) += 1;
                }
            }
        }
    }

    pub fn count(&self, a: i64, b: i64) -> u32 {
        self.neighbours.get(&a).and_then(|n| n.get(&b)).copied().unwrap_or(0)
    }

    /// ln(1 + count): the blend's history term for one pair.
    pub fn term(&self, a: i64, b: i64) -> f32 {
        (self.count(a, b) as f32).ln_1p()
    }

    /// Mean history term over the unordered pairs of `ids` (0 for fewer than two items).
    pub fn mean_term(&self, ids: &[i64]) -> f32 {
        let (mut s, mut n) = (0f32, 0usize);
        for (x, &a) in ids.iter().enumerate() {
            for &b in &ids[x + 1..] {
                s += self.term(a, b);
                n += 1;
            }
        }
        if n == 0 { 0.0 } else { s / n as f32 }
    }

    /// Items that were ever put together with `a`.
    pub fn neighbours_of(&self, a: i64) -> impl Iterator<Item = i64> + '_ {
        self.neighbours.get(&a).into_iter().flat_map(|n| n.keys().copied())
    }

    pub fn is_empty(&self) -> bool {
        self.neighbours.is_empty()
    }
}

/// The co-occurrence weight β a head was stored with (its parameters' `cooccurrence_weight`), 0 without one.
pub fn blend_weight(params_json: &str) -> f32 {
    serde_json::from_str::<serde_json::Value>(params_json)
        .ok()
        .and_then(|v| v["cooccurrence_weight"].as_f64())
        .filter(|b| b.is_finite() && *b >= 0.0)
        .unwrap_or(0.0) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_pairs_symmetrically_once_per_look() {
        let h = PairHistory::from_looks([&[1, 2, 3][..], &[2, 1][..], &[4][..]]);
        assert_eq!((h.count(1, 2), h.count(2, 1), h.count(1, 3), h.count(3, 4)), (2, 2, 1, 0));
        assert!((h.term(1, 2) - 3f32.ln()).abs() < 1e-6);
        assert!((h.mean_term(&[1, 2, 3]) - (3f32.ln() + 2.0 * 2f32.ln()) / 3.0).abs() < 1e-6, "pairs 1-2 twice, 1-3 and 2-3 once");
        assert_eq!(h.mean_term(&[1]), 0.0);
        let mut n: Vec<i64> = h.neighbours_of(1).collect();
        n.sort();
        assert_eq!(n, [2, 3]);
        assert_eq!(blend_weight(r#"{"cooccurrence_weight": 2.0}"#), 2.0);
        assert_eq!(blend_weight("{}"), 0.0);
        assert_eq!(blend_weight(r#"{"cooccurrence_weight": -1}"#), 0.0);
    }
}
