//! Metrics: compatibility AUC and fill-in-the-blank (FITB) accuracy of a head over labelled outfits, and the
//! held-out split by outfit.

use super::data::{FeatureTable, LabelledOutfit, swap_negative};
use super::head::Head;
use crate::Result;
use candle_core::Tensor;
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Area under the ROC curve: the probability that a random positive scores above a random negative, ties
/// counting one half. `None` when either side is empty.
pub fn auc(pos: &[f32], neg: &[f32]) -> Option<f64> {
    if pos.is_empty() || neg.is_empty() {
        return None;
    }
    // Rank-sum (Mann–Whitney U) with average ranks for ties: O(n log n).
    let mut all: Vec<(f32, bool)> = pos.iter().map(|&s| (s, true)).chain(neg.iter().map(|&s| (s, false))).collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut rank_sum_pos = 0f64;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j + 1 < all.len() && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        // Ranks i+1 ..= j+1 share their average.
        let avg = (i + j) as f64 / 2.0 + 1.0;
        rank_sum_pos += all[i..=j].iter().filter(|x| x.1).count() as f64 * avg;
        i = j + 1;
    }
    let (np, nn) = (pos.len() as f64, neg.len() as f64);
    Some((rank_sum_pos - np * (np + 1.0) / 2.0) / (np * nn))
}

/// One fill-in-the-blank question: the outfit without one item, candidates for the blank (same slot), and the
/// index of the right one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitbQuestion {
    pub context: Vec<usize>,
    pub candidates: Vec<usize>,
    pub answer: usize,
}

/// FITB accuracy from each question's candidate scores (the prediction is the best-scoring candidate). When k
/// candidates tie for best and the right one is among them, the question counts 1/k (a constant scorer gets chance).
pub fn fitb_accuracy(scores: &[Vec<f32>], answers: &[usize]) -> Option<f64> {
    if scores.is_empty() {
        return None;
    }
    let mut hits = 0f64;
    for (s, &a) in scores.iter().zip(answers) {
        let best = s.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let tied = s.iter().filter(|&&v| v == best).count();
        if s.get(a) == Some(&best) {
            hits += 1.0 / tied as f64;
        }
    }
    Some(hits / scores.len() as f64)
}

/// Every row of a feature table embedded by a head: `table.len() × head.dims.embed`, row-major.
pub fn embed_rows(head: &Head, table: &FeatureTable) -> Result<Vec<f32>> {
    let d = head.dims.embed;
    let mut g = Vec::with_capacity(table.len() * d);
    let n = table.len();
    let mut start = 0;
    while start < n {
        let len = 4096.min(n - start);
        let x = table.x.narrow(0, start, len)?;
        let e: Tensor = Head::forward(&head.tensors, &x)?;
        g.extend(e.flatten_all()?.to_vec1::<f32>()?);
        start += len;
    }
    Ok(g)
}

/// Scores outfits of a [`FeatureTable`] with one head (all rows embedded once).
pub struct OutfitScorer<'a> {
    head: &'a Head,
    table: &'a FeatureTable,
    g: Vec<f32>,
}

impl<'a> OutfitScorer<'a> {
    pub fn new(head: &'a Head, table: &'a FeatureTable) -> Result<OutfitScorer<'a>> {
        Ok(OutfitScorer { head, table, g: embed_rows(head, table)? })
    }

    fn row(&self, r: usize) -> &[f32] {
        let d = self.head.dims.embed;
        &self.g[r * d..(r + 1) * d]
    }

    /// The masked pair term of two rows.
    pub fn pair(&self, a: usize, b: usize) -> f32 {
        self.head.pair_score(self.row(a), self.table.slots[a], self.row(b), self.table.slots[b])
    }

    pub fn head(&self) -> &Head {
        self.head
    }

    /// Mean pair term of an outfit.
    pub fn mean_pair(&self, rows: &[usize]) -> f32 {
        let (mut sum, mut n) = (0f32, 0usize);
        for x in 0..rows.len() {
            for y in x + 1..rows.len() {
                let (a, b) = (rows[x], rows[y]);
                sum += self.head.pair_score(self.row(a), self.table.slots[a], self.row(b), self.table.slots[b]);
                n += 1;
            }
        }
        if n == 0 { 0.0 } else { sum / n as f32 }
    }

    /// Compatibility probability of an outfit.
    pub fn score(&self, rows: &[usize]) -> f32 {
        self.head.probability(self.mean_pair(rows))
    }
}

/// 95% percentile-bootstrap interval of [`auc`] (positives and negatives resampled separately, 400 draws, seeded),
/// so a learning curve on a few hundred judgements shows which of its differences are real. `None` with fewer
/// than two of either.
pub fn auc_interval(pos: &[f32], neg: &[f32], seed: u64) -> Option<(f64, f64)> {
    const DRAWS: usize = 400;
    if pos.len() < 2 || neg.len() < 2 {
        return None;
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut resample = |v: &[f32]| -> Vec<f32> { (0..v.len()).map(|_| v[rng.random_range(0..v.len())]).collect() };
    let mut draws: Vec<f64> = (0..DRAWS).filter_map(|_| auc(&resample(pos), &resample(neg))).collect();
    draws.sort_by(f64::total_cmp);
    Some((draws[DRAWS * 25 / 1000], draws[DRAWS * 975 / 1000 - 1]))
}

/// Held-out metrics of one head.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Metrics {
    /// Positives vs judged negatives (accept vs reject).
    pub auc: Option<f64>,
    /// Positives vs the same outfits with one item swapped for a random same-slot item (Polyvore protocol).
    pub auc_swap: Option<f64>,
    /// FITB accuracy, 4 same-slot candidates.
    pub fitb: Option<f64>,
    /// 95% bootstrap intervals of `auc` and `auc_swap` (see [`auc_interval`]).
    #[serde(default)]
    pub auc_interval: Option<(f64, f64)>,
    #[serde(default)]
    pub auc_swap_interval: Option<(f64, f64)>,
    pub positives: usize,
    pub negatives: usize,
    pub fitb_questions: usize,
}

/// FITB questions from positive outfits: blank one random item, add 3 random other items of its slot and
/// collection.
pub fn fitb_questions(table: &FeatureTable, positives: &[&LabelledOutfit], candidates: usize, seed: u64) -> Vec<FitbQuestion> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = Vec::new();
    for o in positives {
        if o.rows.len() < 2 {
            continue;
        }
        let pos = rng.random_range(0..o.rows.len());
        let right = o.rows[pos];
        let pool: Vec<usize> = table.peers_of(right).iter().copied().filter(|r| !o.rows.contains(r)).collect();
        if pool.len() < candidates - 1 {
            continue;
        }
        let mut cands: Vec<usize> = pool.choose_multiple(&mut rng, candidates - 1).copied().collect();
        cands.push(right);
        cands.shuffle(&mut rng);
        let answer = cands.iter().position(|&c| c == right).expect("just pushed");
        let context = o.rows.iter().enumerate().filter(|(i, _)| *i != pos).map(|(_, r)| *r).collect();
        out.push(FitbQuestion { context, candidates: cands, answer });
    }
    out
}

/// Scores FITB questions with a scorer: each candidate is scored as the context plus the candidate.
pub fn fitb_with(scorer: &OutfitScorer, questions: &[FitbQuestion]) -> Option<f64> {
    let scores: Vec<Vec<f32>> = questions
        .iter()
        .map(|q| {
            q.candidates
                .iter()
                .map(|&c| {
                    let mut rows = q.context.clone();
                    rows.push(c);
                    scorer.mean_pair(&rows)
                })
                .collect()
        })
        .collect();
    let answers: Vec<usize> = questions.iter().map(|q| q.answer).collect();
    fitb_accuracy(&scores, &answers)
}

/// AUC (judged and swap) and FITB of `head` on held-out outfits; swaps and questions are drawn with `seed`, so
/// every head is measured on exactly the same negatives and questions.
pub fn evaluate(head: &Head, table: &FeatureTable, test: &[LabelledOutfit], seed: u64) -> Result<Metrics> {
    let scorer = OutfitScorer::new(head, table)?;
    let pos: Vec<&LabelledOutfit> = test.iter().filter(|o| o.positive && o.rows.len() >= 2).collect();
    let neg: Vec<&LabelledOutfit> = test.iter().filter(|o| !o.positive && o.rows.len() >= 2).collect();
    let ps: Vec<f32> = pos.iter().map(|o| scorer.score(&o.rows)).collect();
    let ns: Vec<f32> = neg.iter().map(|o| scorer.score(&o.rows)).collect();
    let mut rng = StdRng::seed_from_u64(seed ^ 0xA0C);
    let swaps: Vec<f32> = pos.iter().filter_map(|o| swap_negative(o, table, &mut rng)).map(|o| scorer.score(&o.rows)).collect();
    let questions = fitb_questions(table, &pos, 4, seed ^ 0xF17B);
    Ok(Metrics {
        auc: auc(&ps, &ns),
        auc_swap: auc(&ps, &swaps),
        fitb: fitb_with(&scorer, &questions),
        auc_interval: auc_interval(&ps, &ns, seed ^ 0xB007),
        auc_swap_interval: auc_interval(&ps, &swaps, seed ^ 0xB008),
        positives: pos.len(),
        negatives: neg.len(),
        fitb_questions: questions.len(),
    })
}

/// Splits labelled outfits into (train, test) by outfit key with a keyed hash: every judgement of one outfit lands
/// on the same side, and the split of an outfit never changes as more labels arrive.
pub fn split_by_outfit(data: &[LabelledOutfit], test_fraction: f64, seed: u64) -> (Vec<LabelledOutfit>, Vec<LabelledOutfit>) {
    let mut train = Vec::new();
    let mut test = Vec::new();
    for o in data {
        let h = Sha256::digest(format!("{seed}:{}", o.key).as_bytes());
        let u = u64::from_le_bytes(h[..8].try_into().expect("8 bytes")) as f64 / u64::MAX as f64;
        if u < test_fraction { test.push(o.clone()) } else { train.push(o.clone()) }
    }
    (train, test)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_hand_computed() {
        assert_eq!(auc(&[0.9, 0.8], &[0.1, 0.2]), Some(1.0));
        assert_eq!(auc(&[0.1], &[0.9]), Some(0.0));
        // Pairs: (0.8 vs 0.5) win, (0.8 vs 0.9) lose, (0.4 vs 0.5) lose, (0.4 vs 0.9) lose -> 1/4.
        assert_eq!(auc(&[0.8, 0.4], &[0.5, 0.9]), Some(0.25));
        // Ties count one half: (0.5 vs 0.5) = 1/2, (0.5 vs 0.1) = 1 -> 3/4.
        assert_eq!(auc(&[0.5], &[0.5, 0.1]), Some(0.75));
        // All tied: chance.
        assert_eq!(auc(&[0.3, 0.3, 0.3], &[0.3, 0.3]), Some(0.5));
        // Mixed: pos {0.7, 0.3, 0.3}, neg {0.3, 0.1}: 0.7 beats both (2), each 0.3 ties one (½) and beats one (1)
        // -> (2 + 1.5 + 1.5) / 6.
        assert!((auc(&[0.7, 0.3, 0.3], &[0.3, 0.1]).unwrap() - 5.0 / 6.0).abs() < 1e-12);
        assert_eq!(auc(&[], &[0.1]), None);
    }

    #[test]
    fn auc_intervals_hold_the_estimate_and_narrow_with_data() {
        // Positives drawn a little above negatives: AUC around 0.75.
        let draw = |n: usize, shift: f32| -> Vec<f32> { (0..n).map(|i| ((i * 7919) % n) as f32 / n as f32 + shift).collect() };
        let (p, q) = (draw(40, 0.3), draw(40, 0.0));
        let (lo, hi) = auc_interval(&p, &q, 1).unwrap();
        let a = auc(&p, &q).unwrap();
        assert!(lo < a && a < hi, "{lo} {a} {hi}");
        let (p4, q4) = (draw(400, 0.3), draw(400, 0.0));
        let (lo4, hi4) = auc_interval(&p4, &q4, 1).unwrap();
        assert!(hi4 - lo4 < hi - lo, "more judgements, a narrower interval: {} vs {}", hi4 - lo4, hi - lo);
        assert_eq!(auc_interval(&p[..1], &q, 1), None);
    }

    #[test]
    fn fitb_hand_computed() {
        let scores = vec![vec![0.1, 0.9, 0.2, 0.3], vec![0.5, 0.4, 0.3, 0.2], vec![0.2, 0.2, 0.1, 0.0], vec![0.0, 0.0, 0.0, 0.0]];
        // Q1 right (1), Q2 wrong (answer 3), Q3 two-way tie including the answer (½), Q4 four-way tie (¼).
        let acc = fitb_accuracy(&scores, &[1, 3, 0, 2]).unwrap();
        assert!((acc - (1.0 + 0.0 + 0.5 + 0.25) / 4.0).abs() < 1e-12);
        assert_eq!(fitb_accuracy(&[], &[]), None);
    }

    #[test]
    fn split_is_by_outfit_and_stable() {
        let mk = |k: usize, pos: bool| LabelledOutfit {
            rows: vec![0, 1],
            positive: pos,
            weight: 1.0,
            key: format!("o{}", k % 40),
            stylist: "a".into(),
        };
        let data: Vec<LabelledOutfit> = (0..200).map(|k| mk(k, k % 3 == 0)).collect();
        let (tr, te) = split_by_outfit(&data, 0.25, 7);
        assert_eq!(tr.len() + te.len(), 200);
        assert!(!te.is_empty() && !tr.is_empty());
        for o in &te {
            assert!(!tr.iter().any(|t| t.key == o.key), "outfit {} on both sides", o.key);
        }
        let (tr2, _) = split_by_outfit(&data[..100], 0.25, 7);
        assert!(tr2.iter().all(|o| tr.iter().any(|t| t.key == o.key)));
    }
}
