//! Evaluation: compatibility AUC and fill-in-the-blank (FITB) accuracy, a held-out split by outfit, and the
//! transfer report (zero-shot vs fine-tuned vs from-scratch, plus a learning curve over label counts).

use super::head::Head;
use super::train::{FeatureTable, LabelledOutfit, TrainConfig, scratch_head, swap_negative, train};
use anyhow::{Result, bail};
use candle_core::Tensor;
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::atomic::AtomicBool;

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

/// Scores outfits of a [`FeatureTable`] with one head (all rows embedded once).
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

/// Held-out metrics of one head.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Metrics {
    /// Positives vs judged negatives (accept vs reject).
    pub auc: Option<f64>,
    /// Positives vs the same outfits with one item swapped for a random same-slot item (Polyvore protocol).
    pub auc_swap: Option<f64>,
    /// FITB accuracy, 4 same-slot candidates.
    pub fitb: Option<f64>,
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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvalConfig {
    pub test_fraction: f64,
    pub seed: u64,
    /// Label counts of the learning curve ("all" is always added).
    pub sizes: Vec<usize>,
    /// Fine-tuning hyper-parameters (from-scratch uses the same, with nothing frozen).
    pub train: TrainConfig,
    /// Each run takes at least this many optimiser steps (small label counts get more epochs).
    pub min_steps: usize,
}

impl Default for EvalConfig {
    fn default() -> Self {
        EvalConfig { test_fraction: 0.25, seed: 7, sizes: vec![25, 50, 100, 200, 500], train: TrainConfig::default(), min_steps: 150 }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CurvePoint {
    pub labels: usize,
    pub fine_tuned: Metrics,
    pub scratch: Metrics,
    pub fine_tune_seconds: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TransferReport {
    /// Plain words on what the labels are (stored judgements, or generated).
    pub data: String,
    pub parent: String,
    pub train_outfits: usize,
    pub test_outfits: usize,
    /// The parent as it is (no labels used).
    pub zero_shot: Metrics,
    /// Other heads measured as they are (the untrained head beside a pretrained parent).
    #[serde(default)]
    pub unchanged: Vec<(String, Metrics)>,
    /// The curve; its last point is "all labels".
    pub curve: Vec<CurvePoint>,
}

fn with_min_steps(cfg: &TrainConfig, n: usize, min_steps: usize) -> TrainConfig {
    let steps_per_epoch = n.div_ceil(cfg.batch_size.max(1)).max(1);
    TrainConfig { epochs: cfg.epochs.max(min_steps.div_ceil(steps_per_epoch)), ..cfg.clone() }
}

/// Splits `data` by outfit, then measures the parent head zero-shot and, for each label count, a head fine-tuned
/// from the parent and one trained from scratch on the same (nested, seeded) subset of the training outfits.
pub fn transfer_report(
    parent: &Head,
    parent_name: &str,
    data_note: &str,
    table: &FeatureTable,
    data: &[LabelledOutfit],
    cfg: &EvalConfig,
    log: &mut dyn FnMut(&str),
    cancel: &AtomicBool,
) -> Result<TransferReport> {
    transfer_report_against(parent, parent_name, &[], data_note, table, data, cfg, log, cancel)
}

/// [`transfer_report`] with `others` measured unchanged on the same held-out outfits (no fine-tuning).
#[allow(clippy::too_many_arguments)]
pub fn transfer_report_against(
    parent: &Head,
    parent_name: &str,
    others: &[(&str, &Head)],
    data_note: &str,
    table: &FeatureTable,
    data: &[LabelledOutfit],
    cfg: &EvalConfig,
    log: &mut dyn FnMut(&str),
    cancel: &AtomicBool,
) -> Result<TransferReport> {
    let (mut train_set, test) = split_by_outfit(data, cfg.test_fraction, cfg.seed);
    if test.iter().filter(|o| o.positive).count() == 0 || train_set.iter().filter(|o| o.positive).count() == 0 {
        bail!("need accepted outfits on both sides of the split ({} train, {} held out); judge more outfits", train_set.len(), test.len());
    }
    train_set.shuffle(&mut StdRng::seed_from_u64(cfg.seed));
    let zero_shot = evaluate(parent, table, &test, cfg.seed)?;
    log(&format!("{parent_name}, not fine-tuned: {}", short(&zero_shot)));
    let mut unchanged = Vec::new();
    for (name, h) in others {
        let m = evaluate(h, table, &test, cfg.seed)?;
        log(&format!("{name}, not fine-tuned: {}", short(&m)));
        unchanged.push((name.to_string(), m));
    }
    let mut sizes: Vec<usize> = cfg.sizes.iter().copied().filter(|&n| n < train_set.len()).collect();
    sizes.push(train_set.len());
    let mean = table.feature_mean()?;
    let mut curve = Vec::new();
    for n in sizes {
        let subset = &train_set[..n];
        if !subset.iter().any(|o| o.positive) {
            log(&format!("{n} labels: no accepted outfit among them, skipped"));
            continue;
        }
        let tc = with_min_steps(&cfg.train, n, cfg.min_steps);
        let t0 = std::time::Instant::now();
        let ft = train(parent, table, subset, &tc, &mut |_| {}, cancel)?;
        let fine_tune_seconds = t0.elapsed().as_secs_f64();
        let sc_cfg = TrainConfig { freeze_lower: false, ..tc.clone() };
        let sc = train(&scratch_head(parent.dims, &mean, cfg.seed)?, table, subset, &sc_cfg, &mut |_| {}, cancel)?;
        let p = CurvePoint {
            labels: n,
            fine_tuned: evaluate(&ft.head, table, &test, cfg.seed)?,
            scratch: evaluate(&sc.head, table, &test, cfg.seed)?,
            fine_tune_seconds,
        };
        log(&format!("{n} labels: fine-tuned {} | scratch {} ({fine_tune_seconds:.1}s)", short(&p.fine_tuned), short(&p.scratch)));
        curve.push(p);
    }
    Ok(TransferReport {
        data: data_note.to_string(),
        parent: parent_name.to_string(),
        train_outfits: train_set.len(),
        test_outfits: test.len(),
        zero_shot,
        unchanged,
        curve,
    })
}

fn fmt(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.3}")).unwrap_or_else(|| "–".into())
}

fn short(m: &Metrics) -> String {
    format!("AUC {} swap-AUC {} FITB {}", fmt(m.auc), fmt(m.auc_swap), fmt(m.fitb))
}

impl TransferReport {
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!("Data: {}\n\n", self.data));
        s.push_str(&format!(
            "Split by outfit: {} training outfits, {} held out. FITB: 4 candidates of the same slot; chance 0.250.\n\n",
            self.train_outfits, self.test_outfits
        ));
        s.push_str("| Head | Labels | AUC (accept vs reject) | AUC (vs same-slot swap) | FITB |\n|---|---:|---:|---:|---:|\n");
        let z = &self.zero_shot;
        for (name, m) in &self.unchanged {
            s.push_str(&format!("| {name}, not fine-tuned | 0 | {} | {} | {} |\n", fmt(m.auc), fmt(m.auc_swap), fmt(m.fitb)));
        }
        s.push_str(&format!("| {}, not fine-tuned | 0 | {} | {} | {} |\n", self.parent, fmt(z.auc), fmt(z.auc_swap), fmt(z.fitb)));
        if let Some(all) = self.curve.last() {
            s.push_str(&format!(
                "| fine-tuned from {} | {} | {} | {} | {} |\n",
                self.parent,
                all.labels,
                fmt(all.fine_tuned.auc),
                fmt(all.fine_tuned.auc_swap),
                fmt(all.fine_tuned.fitb)
            ));
            s.push_str(&format!(
                "| from scratch | {} | {} | {} | {} |\n",
                all.labels,
                fmt(all.scratch.auc),
                fmt(all.scratch.auc_swap),
                fmt(all.scratch.fitb)
            ));
        }
        s.push_str(&format!(
            "\nHeld out: {} positives, {} judged negatives, {} FITB questions.\n\nLearning curve\n\n",
            z.positives, z.negatives, z.fitb_questions
        ));
        s.push_str("| Labels | AUC fine-tuned | AUC scratch | swap-AUC fine-tuned | swap-AUC scratch | FITB fine-tuned | FITB scratch | fine-tune s |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        s.push_str(&format!("| 0 (zero-shot) | {} | – | {} | – | {} | – | – |\n", fmt(z.auc), fmt(z.auc_swap), fmt(z.fitb)));
        for p in &self.curve {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {:.1} |\n",
                p.labels,
                fmt(p.fine_tuned.auc),
                fmt(p.scratch.auc),
                fmt(p.fine_tuned.auc_swap),
                fmt(p.scratch.auc_swap),
                fmt(p.fine_tuned.fitb),
                fmt(p.scratch.fitb),
                p.fine_tune_seconds
            ));
        }
        s
    }

    /// A PNG of the learning curve: left panel AUC (judged, or swap when there are no judged negatives), right panel
    /// FITB, against the number of training labels; fine-tuned, from scratch, and the zero-shot head as a line.
    pub fn write_png(&self, path: &Path) -> Result<()> {
        let (w, h) = (960u32, 500u32);
        let mut buf = vec![255u8; (w * h * 3) as usize];
        self.draw_plot(&mut buf, (w, h)).map_err(|e| anyhow::anyhow!("cannot draw the learning curve: {e}"))?;
        let img = image::RgbImage::from_raw(w, h, buf).ok_or_else(|| anyhow::anyhow!("plot buffer has the wrong size"))?;
        img.save(path).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
    }

    /// Draws the two-panel learning curve (AUC and FITB vs label count) into an RGB buffer.
    fn draw_plot(&self, buf: &mut [u8], (w, h): (u32, u32)) -> std::result::Result<(), Box<dyn std::error::Error>> {
        use plotters::element::DashedPathElement;
        use plotters::prelude::*;
        register_plot_font()?;
        let root = BitMapBackend::with_buffer(buf, (w, h)).into_drawing_area();
        root.fill(&WHITE)?;
        let synthetic = self.data.trim_start().to_ascii_uppercase().starts_with("GENERATED");
        let title = if synthetic {
            "Transfer learning curve: GENERATED data (synthetic, not fashion data)".to_string()
        } else {
            "Transfer learning curve: stored stylist judgements".to_string()
        };
        let (top, rest) = root.split_vertically(62);
        top.draw(&Text::new(title, (16, 8), ("sans-serif", 22).into_font().color(&BLACK)))?;
        let head = format!("parent: {}  |  {} train / {} test outfits  |  ", self.parent, self.train_outfits, self.test_outfits);
        let sub = format!("{head}{}", ellipsize(&self.data, 168usize.saturating_sub(head.chars().count())));
        top.draw(&Text::new(sub, (16, 38), ("sans-serif", 13).into_font().color(&RGBColor(90, 90, 90))))?;

        let use_judged = self.zero_shot.auc.is_some();
        let auc_of = |m: &Metrics| if use_judged { m.auc } else { m.auc_swap };
        let n = self.curve.len().max(1);
        let last = self.curve.len().saturating_sub(1);
        let tick = |x: &SegmentValue<i32>| -> String {
            let i = match x {
                SegmentValue::CenterOf(i) => *i as usize,
                _ => return String::new(),
            };
            match self.curve.get(i) {
                Some(p) if i == last && self.curve.len() > 1 => format!("all ({})", p.labels),
                Some(p) => p.labels.to_string(),
                None => String::new(),
            }
        };
        let blue = RGBColor(31, 119, 180);
        let orange = RGBColor(255, 127, 14);
        let grey = RGBColor(110, 110, 110);
        let chance_col = RGBColor(190, 190, 190);
        let panels = rest.split_evenly((1, 2));
        for (panel, area) in panels.iter().enumerate() {
            let pick = |m: &Metrics| if panel == 0 { auc_of(m) } else { m.fitb };
            let (caption, ylabel, chance) = if panel == 0 {
                let c = if use_judged { "AUC: accept vs reject" } else { "AUC: positive vs swapped-item outfit" };
                (c, "AUC", 0.5)
            } else {
                ("FITB accuracy (4 candidates)", "FITB accuracy", 0.25)
            };
            let values: Vec<f64> = std::iter::once(pick(&self.zero_shot))
                .chain(self.curve.iter().flat_map(|p| [pick(&p.fine_tuned), pick(&p.scratch)]))
                .flatten()
                .filter(|v| v.is_finite())
                .collect();
            let lo = values.iter().copied().fold(chance, f64::min);
            let ymin = ((lo - 0.05) * 10.0).floor().max(0.0) / 10.0;
            let ymax = 1.02f64;
            let xr = (0..(n as i32 - 1).max(1)).into_segmented();
            let mut chart = ChartBuilder::on(area)
                .caption(caption, ("sans-serif", 17))
                .margin(12)
                .x_label_area_size(44)
                .y_label_area_size(56)
                .build_cartesian_2d(xr, ymin..ymax)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(n + 1)
                .x_desc("training labels (outfits)")
                .y_desc(ylabel)
                .x_label_formatter(&tick)
                .y_labels(8)
                .y_label_formatter(&|v| format!("{v:.2}"))
                .label_style(("sans-serif", 14))
                .axis_desc_style(("sans-serif", 15))
                .light_line_style(TRANSPARENT)
                .bold_line_style(RGBColor(225, 225, 225))
                .draw()?;
            let (x0, x1) = (SegmentValue::Exact(0), SegmentValue::Last);
            chart
                .draw_series(DashedLineSeries::new(vec![(x0.clone(), chance), (x1.clone(), chance)], 3, 5, chance_col.stroke_width(1)))?
                .label(format!("chance ({chance})"))
                .legend(move |(x, y)| DashedPathElement::new(vec![(x, y), (x + 22, y)], 3, 5, chance_col.stroke_width(1)));
            if let Some(z) = pick(&self.zero_shot) {
                chart
                    .draw_series(DashedLineSeries::new(vec![(x0.clone(), z), (x1.clone(), z)], 8, 5, grey.stroke_width(2)))?
                    .label(format!("zero-shot ({z:.3})"))
                    .legend(move |(x, y)| DashedPathElement::new(vec![(x, y), (x + 22, y)], 6, 4, grey.stroke_width(2)));
            }
            for (name, colour, scratch) in [("fine-tuned", blue, false), ("from scratch", orange, true)] {
                let pts: Vec<(SegmentValue<i32>, f64)> = self
                    .curve
                    .iter()
                    .enumerate()
                    .filter_map(|(i, p)| {
                        pick(if scratch { &p.scratch } else { &p.fine_tuned }).map(|v| (SegmentValue::CenterOf(i as i32), v))
                    })
                    .collect();
                if pts.is_empty() {
                    continue;
                }
                chart
                    .draw_series(LineSeries::new(pts.clone(), colour.stroke_width(3)))?
                    .label(name)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], colour.stroke_width(3)));
                chart.draw_series(pts.iter().map(|p| Circle::new(p.clone(), 5, colour.filled())))?;
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(180, 180, 180))
                .label_font(("sans-serif", 14))
                .draw()?;
        }
        root.present()?;
        Ok(())
    }
}

/// Registers egui's bundled Ubuntu-Light as plotters' "sans-serif" (no system fonts needed).
fn register_plot_font() -> std::result::Result<(), Box<dyn std::error::Error>> {
    static ONCE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let ok = *ONCE.get_or_init(|| {
        plotters::style::register_font("sans-serif", plotters::style::FontStyle::Normal, epaint_default_fonts::UBUNTU_LIGHT).is_ok()
    });
    if ok { Ok(()) } else { Err("cannot load the bundled plot font".into()) }
}

fn ellipsize(s: &str, max: usize) -> String {
    let max = max.max(20);
    if s.chars().count() <= max { s.to_string() } else { format!("{}…", s.chars().take(max - 1).collect::<String>()) }
}

// ---------------------------------------------------------------------------------------------------------------
// `outfit-studio eval`.

#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    /// The adult-pretrained / zero-shot version to start from (default: the active head).
    #[arg(long = "from")]
    pub from: Option<i64>,
    /// Use N generated judgements with a known ground truth (real feature sizes) instead of the stored ones.
    #[arg(long, value_name = "N")]
    pub synthetic: Option<usize>,
    #[arg(long, default_value_t = 0.25)]
    pub test_fraction: f64,
    #[arg(long, default_value_t = 7)]
    pub split_seed: u64,
    /// Label counts of the learning curve ("all" is always added).
    #[arg(long, value_delimiter = ',', default_value = "25,50,100,200,500")]
    pub sizes: Vec<usize>,
    /// Also write the Markdown report to this file.
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    /// Write the learning-curve plot (PNG) here.
    #[arg(long)]
    pub plot: Option<std::path::PathBuf>,
    /// Also print the report as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub flags: super::train::TrainFlags,
}

pub fn run_cli(db: &Path, models: &Path, args: EvalArgs) -> Result<()> {
    let cfg = EvalConfig {
        test_fraction: args.test_fraction,
        seed: args.split_seed,
        sizes: args.sizes.clone(),
        train: args.flags.config()?,
        ..EvalConfig::default()
    };
    let cancel = AtomicBool::new(false);
    let mut log = |s: &str| eprintln!("  {s}");
    let report = if let Some(n) = args.synthetic {
        let dims = super::head::HeadDims::standard(1280, 384);
        let (table, data) = super::train::synthetic_set(dims, (n / 2).clamp(400, 20_000), n, 12, 0.6, cfg.train.seed)?;
        let parent = Head::zero_shot(dims, &table.feature_mean()?, &super::head::BlockWeights::default(), (4.0, -1.0), cfg.train.seed)?;
        let note = format!(
            "GENERATED: {n} synthetic judgements over {} synthetic items (real feature sizes; compatible = same hidden style, half positives, negatives mix styles). Not fashion data.",
            table.len()
        );
        transfer_report(&parent, "untrained zero-shot", &note, &table, &data, &cfg, &mut log, &cancel)?
    } else {
        let e = crate::engine::Engine::open(db, models)?;
        let StoredEvalData { parent_name, parent, others, table, data, note } = e.stored_eval_data(args.from, &cfg.train)?;
        let others: Vec<(&str, &Head)> = others.iter().map(|(n, h)| (n.as_str(), h)).collect();
        transfer_report_against(&parent, &parent_name, &others, &note, &table, &data, &cfg, &mut log, &cancel)?
    };
    let md = report.markdown();
    println!("{md}");
    if let Some(p) = &args.out {
        std::fs::write(p, &md).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", p.display()))?;
    }
    if let Some(p) = &args.plot {
        report.write_png(p)?;
        println!("plot: {} (left AUC, right FITB, against the number of training labels)", p.display());
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(())
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

/// The stored judgements and the parent head an evaluation starts from (CLI `eval` and the app's Train panel).
pub struct StoredEvalData {
    pub parent_name: String,
    pub parent: Head,
    /// Further heads measured unchanged beside the parent (the untrained head when the parent is pretrained).
    pub others: Vec<(String, Head)>,
    pub table: std::sync::Arc<FeatureTable>,
    pub data: Vec<LabelledOutfit>,
    /// What the data is, in words, for the report.
    pub note: String,
}

impl crate::engine::Engine {
    /// A model version (`None`: the active one), its head, and the stored judgements as labelled outfits.
    pub fn stored_eval_data(&self, from: Option<i64>, cfg: &TrainConfig) -> Result<StoredEvalData> {
        let row = self.model_or_active(from)?;
        let parent = self.head_as_used(&row)?;
        let (table, data, snap) = self.judgement_dataset(parent.dims, cfg)?;
        let note = format!(
            "{} stored stylist judgements ({} accepts, {} rejects; {} stylists) up to judgement #{}; parent {} ({})",
            snap.judgements,
            snap.positives,
            snap.negatives,
            snap.stylists.len(),
            snap.max_judgement_id,
            row.name,
            row.trained_on
        );
        // The untrained head beside a pretrained parent, so the report shows what pretraining itself brought.
        let mut others = Vec::new();
        for m in self.store.models()? {
            if m.id != row.id && m.name == "zero-shot-v1" {
                others.push((format!("{} (untrained)", m.name), self.head_as_used(&m)?));
            }
        }
        Ok(StoredEvalData { parent_name: row.name, parent, others, table, data, note })
    }
}
