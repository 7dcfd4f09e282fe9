//! The fixed evaluation protocol for outfit compatibility, run on any outfit set and any stored heads, with the
//! baselines an ML engineer asks for in the same table.
//!
//! Questions (all drawn once with a fixed seed, so every method answers exactly the same ones):
//! - **Compatibility AUC**: each test outfit against a negative in which *every* item is replaced by a random
//!   item of the same category (slot) and the same collection. Real outfits stay inside one collection, so
//!   negatives that mix collections would let "same collection" answer the question.
//! - **FITB**: one item of a test outfit blanked; four candidates, the right one and three random items of the
//!   same category and collection; accuracy, ties counting 1/k.
//! - **Warm** uses every test outfit. **Cold** asks only about items that appear in no training outfit (the
//!   case of a new children's catalogue): the AUC positive is the outfit's cold items (two or more), negatives and
//!   wrong FITB answers are drawn from cold items too; FITB's context stays the whole rest of the outfit.
//! - 95% intervals: percentile bootstrap over questions (1,000 resamples).
//!
//! Methods: random; item co-occurrence counted in the training outfits; cosine of the raw image features;
//! cosine of the raw text features; every head given (the untrained one among them); a head blended with
//! co-occurrence (`logit(head) + β·ln(1 + count)`), β chosen on the validation split.

use super::data::FeatureTable;
use super::head::Head;
use super::metrics::{OutfitScorer, auc, fitb_accuracy};
use crate::Result;
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// One compatibility question: a real outfit (or its cold part) and its same-category-and-collection negative.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompatPair {
    pub outfit: String,
    pub positive: Vec<usize>,
    pub negative: Vec<usize>,
}

/// One fill-in-the-blank question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Blank {
    pub outfit: String,
    pub context: Vec<usize>,
    pub candidates: Vec<usize>,
    pub answer: usize,
}

/// Warm or cold questions.
#[derive(Debug, Clone, Default, Serialize)]
pub struct QuestionSet {
    pub compat: Vec<CompatPair>,
    pub fitb: Vec<Blank>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Questions {
    pub warm: QuestionSet,
    pub cold: QuestionSet,
    /// Whether the rows carried collections (negatives from the same collection) or the category alone was used.
    pub by_collection: bool,
    /// Whether the warm questions are the dataset's own files (Polyvore Outfits test files).
    pub own_files: bool,
}

/// An outfit as feature-table rows, with its id.
#[derive(Debug, Clone)]
pub struct RowOutfit {
    pub id: String,
    pub rows: Vec<usize>,
}

/// Items (rows) that appear in at least one of `outfits`.
pub fn seen_rows(outfits: &[RowOutfit]) -> HashSet<usize> {
    outfits.iter().flat_map(|o| o.rows.iter().copied()).collect()
}

/// Draws the warm and cold questions for `test` outfits; `train` decides which items are warm.
pub fn build_questions(table: &FeatureTable, train: &[RowOutfit], test: &[RowOutfit], seed: u64) -> Questions {
    let seen = seen_rows(train);
    let mut rng = StdRng::seed_from_u64(seed);
    let by_collection = table.groups.iter().any(|&g| g != 0);
    let all = |_: usize| true;
    let cold = |r: usize| !seen.contains(&r);
    let mut q = Questions { by_collection, ..Default::default() };
    for o in test {
        if let Some(p) = compat_pair(table, &o.id, &o.rows, &all, &mut rng) {
            q.warm.compat.push(p);
        }
        if let Some(b) = blank(table, &o.id, &o.rows, &all, &mut rng) {
            q.warm.fitb.push(b);
        }
        let cold_rows: Vec<usize> = o.rows.iter().copied().filter(|&r| cold(r)).collect();
        if cold_rows.len() >= 2
            && let Some(p) = compat_pair(table, &o.id, &cold_rows, &cold, &mut rng)
        {
            q.cold.compat.push(p);
        }
        if !cold_rows.is_empty()
            && let Some(b) = blank_among(table, &o.id, &o.rows, &cold_rows, &cold, &mut rng)
        {
            q.cold.fitb.push(b);
        }
    }
    q
}

/// Replaces every item by a random other item of its slot and collection that `allowed` admits; `None` when an
/// item has no such alternative.
fn compat_pair(table: &FeatureTable, id: &str, rows: &[usize], allowed: &dyn Fn(usize) -> bool, rng: &mut StdRng) -> Option<CompatPair> {
    let mut negative = Vec::with_capacity(rows.len());
    for &r in rows {
        let pool: Vec<usize> =
            table.peers_of(r).iter().copied().filter(|&c| allowed(c) && !rows.contains(&c) && !negative.contains(&c)).collect();
        negative.push(*pool.choose(rng)?);
    }
    Some(CompatPair { outfit: id.to_string(), positive: rows.to_vec(), negative })
}

fn blank(table: &FeatureTable, id: &str, rows: &[usize], allowed: &dyn Fn(usize) -> bool, rng: &mut StdRng) -> Option<Blank> {
    blank_among(table, id, rows, rows, allowed, rng)
}

/// Blanks one of `choices` (a subset of `rows`); the first choice, in random order, with three alternatives.
fn blank_among(
    table: &FeatureTable,
    id: &str,
    rows: &[usize],
    choices: &[usize],
    allowed: &dyn Fn(usize) -> bool,
    rng: &mut StdRng,
) -> Option<Blank> {
    if rows.len() < 2 {
        return None;
    }
    let mut order = choices.to_vec();
    order.shuffle(rng);
    for right in order {
        let pool: Vec<usize> = table.peers_of(right).iter().copied().filter(|&c| allowed(c) && !rows.contains(&c)).collect();
        if pool.len() < 3 {
            continue;
        }
        let mut candidates: Vec<usize> = pool.choose_multiple(rng, 3).copied().collect();
        candidates.push(right);
        candidates.shuffle(rng);
        let answer = candidates.iter().position(|&c| c == right)?;
        let context = rows.iter().copied().filter(|&r| r != right).collect();
        return Some(Blank { outfit: id.to_string(), context, candidates, answer });
    }
    None
}

/// A way of scoring outfits and blanks.
pub trait Method {
    fn name(&self) -> String;
    /// Higher = more compatible.
    fn outfit(&self, rows: &[usize]) -> f32;
    /// How well `candidate` fills the blank next to `context`.
    fn fill(&self, context: &[usize], candidate: usize) -> f32;
}

/// Mean of `f` over the unordered pairs of `rows`.
fn mean_pairs(rows: &[usize], f: impl Fn(usize, usize) -> f32) -> f32 {
    let (mut s, mut n) = (0f32, 0usize);
    for x in 0..rows.len() {
        for y in x + 1..rows.len() {
            s += f(rows[x], rows[y]);
            n += 1;
        }
    }
    if n == 0 { 0.0 } else { s / n as f32 }
}

fn mean_with(context: &[usize], c: usize, f: impl Fn(usize, usize) -> f32) -> f32 {
    if context.is_empty() { 0.0 } else { context.iter().map(|&r| f(r, c)).sum::<f32>() / context.len() as f32 }
}

/// Chance: a fixed pseudo-random score per item set.
pub struct RandomScores(pub u64);

impl RandomScores {
    fn of(&self, key: &[usize]) -> f32 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.0.hash(&mut h);
        let mut k = key.to_vec();
        k.sort_unstable();
        k.hash(&mut h);
        (h.finish() >> 40) as f32
    }
}

impl Method for RandomScores {
    fn name(&self) -> String {
        "random".into()
    }
    fn outfit(&self, rows: &[usize]) -> f32 {
        self.of(rows)
    }
    fn fill(&self, context: &[usize], candidate: usize) -> f32 {
        let mut k = context.to_vec();
        k.push(candidate);
        self.of(&k)
    }
}

/// How often two items were put in one outfit, counted over training outfits (or approved looks).
#[derive(Debug, Clone, Default)]
pub struct CoOccurrence {
    counts: HashMap<(usize, usize), u32>,
}

impl CoOccurrence {
    pub fn count(outfits: &[RowOutfit]) -> CoOccurrence {
        let mut counts = HashMap::new();
        for o in outfits {
            for x in 0..o.rows.len() {
                for y in x + 1..o.rows.len() {
                    let (a, b) = (o.rows[x].min(o.rows[y]), o.rows[x].max(o.rows[y]));
                    if a != b {
                        *counts.entry((a, b)).or_insert(0) += 1;
                    }
                }
            }
        }
        CoOccurrence { counts }
    }
    pub fn get(&self, a: usize, b: usize) -> u32 {
        self.counts.get(&(a.min(b), a.max(b))).copied().unwrap_or(0)
    }
}

impl Method for CoOccurrence {
    fn name(&self) -> String {
        "item co-occurrence (training outfits)".into()
    }
    fn outfit(&self, rows: &[usize]) -> f32 {
        mean_pairs(rows, |a, b| self.get(a, b) as f32)
    }
    fn fill(&self, context: &[usize], c: usize) -> f32 {
        mean_with(context, c, |a, b| self.get(a, b) as f32)
    }
}

/// Cosine of one raw encoder block (image or text) of the feature table.
pub struct RawCosine {
    label: &'static str,
    dim: usize,
    /// Row-major, L2-normalised (zero rows stay zero).
    v: Vec<f32>,
}

impl RawCosine {
    fn block(table: &FeatureTable, label: &'static str, start: usize, dim: usize, centre: bool) -> Result<RawCosine> {
        let x = table.x.narrow(1, start, dim)?.flatten_all()?.to_vec1::<f32>()?;
        Ok(RawCosine::from_rows(label, dim, x, centre))
    }
    /// Cosine of `rows` (row-major, `dim` wide), centred first on their mean over non-zero rows when `centre`:
    /// the catalogue's common direction (every title says "women's", every feed its house style) then counts for
    /// nothing, as the app centres every catalogue before its head sees it.
    pub fn from_rows(label: &'static str, dim: usize, mut v: Vec<f32>, centre: bool) -> RawCosine {
        if centre && dim > 0 {
            let mut mean = vec![0f32; dim];
            let mut n = 0usize;
            for row in v.chunks(dim).filter(|r| r.iter().any(|x| *x != 0.0)) {
                mean.iter_mut().zip(row).for_each(|(m, x)| *m += x);
                n += 1;
            }
            mean.iter_mut().for_each(|m| *m /= n.max(1) as f32);
            for row in v.chunks_mut(dim).filter(|r| r.iter().any(|x| *x != 0.0)) {
                row.iter_mut().zip(&mean).for_each(|(x, m)| *x -= m);
            }
        }
        for row in v.chunks_mut(dim.max(1)) {
            let n = row.iter().map(|a| a * a).sum::<f32>().sqrt();
            if n > 1e-12 {
                row.iter_mut().for_each(|a| *a /= n);
            }
        }
        RawCosine { label, dim, v }
    }
    pub fn image(table: &FeatureTable) -> Result<RawCosine> {
        RawCosine::block(table, "cosine of raw image features", 0, table.dims.image, false)
    }
    pub fn text(table: &FeatureTable) -> Result<RawCosine> {
        RawCosine::block(table, "cosine of raw text features", table.dims.image, table.dims.text, false)
    }
    /// [`RawCosine::image`] after subtracting the table's mean image feature, as heads are centred on the catalogue
    /// they score ([`super::outfit_eval::PreparedSet::centred`]).
    pub fn image_centred(table: &FeatureTable) -> Result<RawCosine> {
        RawCosine::block(table, "cosine of raw image features, centred on the catalogue", 0, table.dims.image, true)
    }
    /// [`RawCosine::text`] centred on the table's mean text feature.
    pub fn text_centred(table: &FeatureTable) -> Result<RawCosine> {
        RawCosine::block(table, "cosine of raw text features, centred on the catalogue", table.dims.image, table.dims.text, true)
    }
    fn cos(&self, a: usize, b: usize) -> f32 {
        let (x, y) = (&self.v[a * self.dim..(a + 1) * self.dim], &self.v[b * self.dim..(b + 1) * self.dim]);
        x.iter().zip(y).map(|(p, q)| p * q).sum()
    }
}

impl Method for RawCosine {
    fn name(&self) -> String {
        self.label.into()
    }
    fn outfit(&self, rows: &[usize]) -> f32 {
        mean_pairs(rows, |a, b| self.cos(a, b))
    }
    fn fill(&self, context: &[usize], c: usize) -> f32 {
        mean_with(context, c, |a, b| self.cos(a, b))
    }
}

/// A head, scored as the app scores (mean masked pair term; the outfit's probability).
pub struct HeadMethod<'a> {
    pub label: String,
    pub scorer: OutfitScorer<'a>,
}

impl<'a> HeadMethod<'a> {
    pub fn new(label: impl Into<String>, head: &'a Head, table: &'a FeatureTable) -> Result<HeadMethod<'a>> {
        Ok(HeadMethod { label: label.into(), scorer: OutfitScorer::new(head, table)? })
    }
}

impl Method for HeadMethod<'_> {
    fn name(&self) -> String {
        self.label.clone()
    }
    fn outfit(&self, rows: &[usize]) -> f32 {
        self.scorer.mean_pair(rows)
    }
    fn fill(&self, context: &[usize], c: usize) -> f32 {
        mean_with(context, c, |a, b| self.scorer.pair(a, b))
    }
}

/// A head's logit plus β·ln(1 + co-occurrence): the content score where an item has no history, and what
/// stylists already put together where it has.
pub struct Blended<'a> {
    pub head: &'a HeadMethod<'a>,
    pub cooc: &'a CoOccurrence,
    pub beta: f32,
}

impl Method for Blended<'_> {
    fn name(&self) -> String {
        format!("{} + co-occurrence (β = {})", self.head.label, self.beta)
    }
    fn outfit(&self, rows: &[usize]) -> f32 {
        let (a, _) = self.head.scorer.head().calibration();
        a * self.head.outfit(rows) + self.beta * mean_pairs(rows, |x, y| (self.cooc.get(x, y) as f32).ln_1p())
    }
    fn fill(&self, context: &[usize], c: usize) -> f32 {
        let (a, _) = self.head.scorer.head().calibration();
        a * self.head.fill(context, c) + self.beta * mean_with(context, c, |x, y| (self.cooc.get(x, y) as f32).ln_1p())
    }
}

/// Per-question scores of one method on one question set.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SetScores {
    /// (positive, negative) per compatibility question.
    pub compat: Vec<(f32, f32)>,
    /// Candidate scores per FITB question.
    pub fitb: Vec<Vec<f32>>,
}

pub fn score_set(m: &dyn Method, q: &QuestionSet) -> SetScores {
    SetScores {
        compat: q.compat.iter().map(|p| (m.outfit(&p.positive), m.outfit(&p.negative))).collect(),
        fitb: q.fitb.iter().map(|b| b.candidates.iter().map(|&c| m.fill(&b.context, c)).collect()).collect(),
    }
}

/// A figure with its 95% bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
    pub n: usize,
}

impl Estimate {
    pub fn cell(e: &Option<Estimate>) -> String {
        match e {
            Some(e) => format!("{:.3} [{:.3}, {:.3}]", e.value, e.low, e.high),
            None => "–".into(),
        }
    }
}

const BOOTSTRAP: usize = 1000;

fn percentile_interval(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    let at = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    (at(0.025), at(0.975))
}

fn auc_of(pairs: &[(f32, f32)], idx: impl Iterator<Item = usize>) -> Option<f64> {
    let (p, n): (Vec<f32>, Vec<f32>) = idx.map(|i| pairs[i]).unzip();
    auc(&p, &n)
}

fn fitb_of(scores: &[Vec<f32>], answers: &[usize], idx: &[usize]) -> Option<f64> {
    let s: Vec<Vec<f32>> = idx.iter().map(|&i| scores[i].clone()).collect();
    let a: Vec<usize> = idx.iter().map(|&i| answers[i]).collect();
    fitb_accuracy(&s, &a)
}

/// AUC with its bootstrap interval (resampling questions, each with its own negative).
pub fn auc_estimate(pairs: &[(f32, f32)], seed: u64) -> Option<Estimate> {
    let value = auc_of(pairs, 0..pairs.len())?;
    let mut rng = StdRng::seed_from_u64(seed);
    let n = pairs.len();
    let samples = (0..BOOTSTRAP).filter_map(|_| auc_of(pairs, (0..n).map(|_| rng.random_range(0..n)))).collect();
    let (low, high) = percentile_interval(samples);
    Some(Estimate { value, low, high, n })
}

pub fn fitb_estimate(scores: &[Vec<f32>], answers: &[usize], seed: u64) -> Option<Estimate> {
    let n = scores.len();
    let value = fitb_of(scores, answers, &(0..n).collect::<Vec<_>>())?;
    let mut rng = StdRng::seed_from_u64(seed);
    let samples = (0..BOOTSTRAP)
        .filter_map(|_| {
            let idx: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
            fitb_of(scores, answers, &idx)
        })
        .collect();
    let (low, high) = percentile_interval(samples);
    Some(Estimate { value, low, high, n })
}

/// Cold (or warm) AUC and FITB of several runs of one method on the same questions (one run per seed): the mean
/// over runs, with a 95% percentile-bootstrap interval over questions of that mean (each resample of the questions
/// is scored by every run). `None` where a run has no questions of that kind.
pub fn seed_mean_estimates(runs: &[&SetScores], answers: &[usize], seed: u64) -> (Option<Estimate>, Option<Estimate>) {
    if runs.is_empty() {
        return (None, None);
    }
    let mean = |v: Vec<Option<f64>>| -> Option<f64> {
        let v: Option<Vec<f64>> = v.into_iter().collect();
        v.filter(|v| !v.is_empty()).map(|v| v.iter().sum::<f64>() / v.len() as f64)
    };
    let mut rng = StdRng::seed_from_u64(seed);
    let nc = runs[0].compat.len();
    let auc = mean(runs.iter().map(|r| auc_of(&r.compat, 0..r.compat.len())).collect()).map(|value| {
        let samples = (0..BOOTSTRAP)
            .filter_map(|_| {
                let idx: Vec<usize> = (0..nc).map(|_| rng.random_range(0..nc)).collect();
                mean(runs.iter().map(|r| auc_of(&r.compat, idx.iter().copied())).collect())
            })
            .collect();
        let (low, high) = percentile_interval(samples);
        Estimate { value, low, high, n: nc }
    });
    let nf = answers.len();
    let all: Vec<usize> = (0..nf).collect();
    let fitb = mean(runs.iter().map(|r| fitb_of(&r.fitb, answers, &all)).collect()).map(|value| {
        let samples = (0..BOOTSTRAP)
            .filter_map(|_| {
                let idx: Vec<usize> = (0..nf).map(|_| rng.random_range(0..nf)).collect();
                mean(runs.iter().map(|r| fitb_of(&r.fitb, answers, &idx)).collect())
            })
            .collect();
        let (low, high) = percentile_interval(samples);
        Estimate { value, low, high, n: nf }
    });
    (auc, fitb)
}

/// One method's row of the table.
#[derive(Debug, Clone, Serialize)]
pub struct MethodResult {
    pub method: String,
    pub warm_auc: Option<Estimate>,
    pub warm_fitb: Option<Estimate>,
    pub cold_auc: Option<Estimate>,
    pub cold_fitb: Option<Estimate>,
    pub warm: SetScores,
    pub cold: SetScores,
}

/// The whole evaluation: questions, every method's per-question scores and its figures.
#[derive(Debug, Clone, Serialize)]
pub struct ProtocolReport {
    pub dataset: String,
    pub split: String,
    pub protocol: String,
    pub questions: Questions,
    pub results: Vec<MethodResult>,
}

pub fn evaluate_methods(methods: &[&dyn Method], q: &Questions, seed: u64) -> Vec<MethodResult> {
    let answers = |s: &QuestionSet| s.fitb.iter().map(|b| b.answer).collect::<Vec<_>>();
    let (wa, ca) = (answers(&q.warm), answers(&q.cold));
    methods
        .iter()
        .map(|m| {
            let warm = score_set(*m, &q.warm);
            let cold = score_set(*m, &q.cold);
            MethodResult {
                method: m.name(),
                warm_auc: auc_estimate(&warm.compat, seed ^ 1),
                warm_fitb: fitb_estimate(&warm.fitb, &wa, seed ^ 2),
                cold_auc: auc_estimate(&cold.compat, seed ^ 3),
                cold_fitb: fitb_estimate(&cold.fitb, &ca, seed ^ 4),
                warm,
                cold,
            }
        })
        .collect()
}

/// The protocol in words, for reports.
pub fn protocol_text(q: &Questions) -> String {
    let scope = if q.by_collection { "category (slot) and collection" } else { "category (slot); this source has no collections" };
    let warm =
        if q.own_files { "Warm: the dataset's own compatibility_test.txt and fill_in_blank_test.json" } else { "Warm: all test outfits" };
    format!(
        "AUC: each test outfit vs. a negative with every item replaced by a random item of the same {scope}. \
         FITB: one item blanked, 4 candidates of the same {scope}. {warm} ({} AUC / {} FITB questions). \
         Cold: only items in no training outfit, negatives and wrong answers drawn from such items too ({} AUC / {} FITB \
         questions). 95% intervals: percentile bootstrap over questions, {BOOTSTRAP} resamples.",
        q.warm.compat.len(),
        q.warm.fitb.len(),
        q.cold.compat.len(),
        q.cold.fitb.len()
    )
}

impl ProtocolReport {
    pub fn markdown(&self) -> String {
        let mut s = format!("### {} ({})\n\n", self.dataset, self.split);
        s.push_str("| method | warm AUC | warm FITB | cold AUC | cold FITB |\n|---|---:|---:|---:|---:|\n");
        for r in &self.results {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                r.method,
                Estimate::cell(&r.warm_auc),
                Estimate::cell(&r.warm_fitb),
                Estimate::cell(&r.cold_auc),
                Estimate::cell(&r.cold_fitb)
            ));
        }
        s.push_str(&format!("\nProtocol: {}\n", self.protocol));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HeadDims;
    use outfit_catalogue::Slot;

    /// 6 blocks of 4 outfits (top, bottom, shoes), blocks alternating between 2 collections. The image block is
    /// a one-hot of the outfit, so raw image cosine knows every answer.
    fn toy() -> (FeatureTable, Vec<RowOutfit>, Vec<RowOutfit>) {
        let dims = HeadDims { image: 24, text: 2, cat: 0, hidden: 4, embed: 4 };
        let slots_cycle = [Slot::Top, Slot::Bottom, Slot::Shoes];
        let mut rows = Vec::new();
        let mut slots = Vec::new();
        let mut groups = Vec::new();
        // Item r: style r % 4, slot (r / 4) % 3, block r / 12 (collection block % 2) -> 72 items.
        for r in 0..72usize {
            let mut v = vec![0f32; 26];
            v[(r / 12) * 4 + r % 4] = 1.0;
            v[24] = (r % 7) as f32 / 7.0;
            v[25] = 1.0;
            rows.extend(v);
            slots.push(slots_cycle[(r / 4) % 3]);
            groups.push(((r / 12) % 2) as u32 + 1);
        }
        let mut t = FeatureTable::from_rows(dims, rows, slots, (0..72).collect()).unwrap();
        t.set_groups(groups);
        // Outfits: one top, bottom and shoe of one style and collection.
        let outfit = |base: usize, style: usize| vec![base + style, base + 4 + style, base + 8 + style];
        let mut train = Vec::new();
        let mut test = Vec::new();
        for block in 0..6 {
            for style in 0..4 {
                let o = RowOutfit { id: format!("{block}-{style}"), rows: outfit(block * 12, style) };
                if block < 3 { train.push(o) } else { test.push(o) }
            }
        }
        (t, train, test)
    }

    #[test]
    fn negatives_and_wrong_answers_share_category_and_collection() {
        let (t, train, test) = toy();
        let q = build_questions(&t, &train, &test, 7);
        assert!(q.by_collection);
        assert_eq!(q.warm.compat.len(), test.len());
        for p in q.warm.compat.iter().chain(&q.cold.compat) {
            for (a, b) in p.positive.iter().zip(&p.negative) {
                assert_eq!((t.slots[*a], t.groups[*a]), (t.slots[*b], t.groups[*b]));
                assert!(!p.positive.contains(b));
            }
        }
        for b in q.warm.fitb.iter().chain(&q.cold.fitb) {
            let right = b.candidates[b.answer];
            assert_eq!(b.candidates.len(), 4);
            assert!(!b.context.contains(&right));
            for c in &b.candidates {
                assert_eq!((t.slots[*c], t.groups[*c]), (t.slots[right], t.groups[right]));
            }
        }
    }

    #[test]
    fn cold_questions_use_only_unseen_items() {
        let (t, train, test) = toy();
        let seen = seen_rows(&train);
        let q = build_questions(&t, &train, &test, 7);
        assert!(!q.cold.compat.is_empty() && !q.cold.fitb.is_empty());
        for p in &q.cold.compat {
            assert!(p.positive.iter().chain(&p.negative).all(|r| !seen.contains(r)));
        }
        for b in &q.cold.fitb {
            assert!(b.candidates.iter().all(|r| !seen.contains(r)));
        }
    }

    #[test]
    fn known_answers_come_out() {
        let (t, train, test) = toy();
        let q = build_questions(&t, &train, &test, 11);
        let image = RawCosine::image(&t).unwrap();
        let cooc = CoOccurrence::count(&train);
        // Test outfits share no item with training outfits: co-occurrence knows nothing about them.
        let rows = evaluate_methods(&[&RandomScores(3), &cooc, &image], &q, 5);
        let img = &rows[2];
        assert!(img.warm_auc.unwrap().value > 0.95, "the image block names the outfit: {:?}", img.warm_auc);
        assert_eq!(img.warm_fitb.unwrap().value, 1.0);
        assert_eq!(img.cold_fitb.unwrap().value, 1.0);
        assert_eq!(rows[1].cold_auc.unwrap().value, 0.5, "no history: every score ties");
        assert!((rows[1].cold_fitb.unwrap().value - 0.25).abs() < 1e-9, "ties count 1/k: chance");
        let r = rows[0].warm_fitb.unwrap();
        assert!(r.low <= r.value && r.value <= r.high);
        // On outfits it saw, the table answers by memory.
        let seen = build_questions(&t, &train, &train, 11);
        let memo = evaluate_methods(&[&cooc], &seen, 5);
        assert_eq!(memo[0].warm_auc.unwrap().value, 1.0);
    }

    #[test]
    fn bootstrap_interval_brackets_and_narrows_with_more_questions() {
        let few: Vec<(f32, f32)> = (0..20).map(|i| (i as f32 % 3.0, 1.0)).collect();
        let many: Vec<(f32, f32)> = (0..2000).map(|i| (i as f32 % 3.0, 1.0)).collect();
        let (a, b) = (auc_estimate(&few, 1).unwrap(), auc_estimate(&many, 1).unwrap());
        assert!(a.low <= a.value && a.value <= a.high);
        assert!((b.high - b.low) < (a.high - a.low));
    }
}
