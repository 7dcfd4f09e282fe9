//! The transfer report: zero-shot vs fine-tuned vs from-scratch on held-out stylist labels, with a learning
//! curve over label counts, as Markdown, JSON and a PNG plot.

use super::data::{FeatureTable, LabelledOutfit};
use super::head::Head;
use super::metrics::{Metrics, evaluate, split_by_outfit};
use super::train::{TrainConfig, scratch_head, train};
use crate::{ModelError, Result};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::atomic::AtomicBool;

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
        EvalConfig {
            test_fraction: 0.25,
            seed: 7,
            sizes: vec![25, 50, 100, 200, 500],
            train: TrainConfig::fine_tuning(),
            min_steps: super::train::FINE_TUNE_MIN_STEPS,
        }
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

/// `cfg` with enough epochs for at least `min_steps` optimiser steps on `n` outfits (the learning curve's rule).
pub fn with_min_steps(cfg: &TrainConfig, n: usize, min_steps: usize) -> TrainConfig {
    let cfg = TrainConfig { min_steps, ..cfg.clone() };
    TrainConfig { epochs: cfg.epochs_for(n), ..cfg }
}

/// Splits `data` by outfit, then measures the parent head zero-shot and, for each label count, a head fine-tuned
/// from the parent and one trained from scratch on the same (nested, seeded) subset of the training outfits;
/// `others` (other versions) are measured unchanged on the same held-out outfits (no fine-tuning).
#[allow(clippy::too_many_arguments)]
pub fn transfer_report(
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
        return Err(ModelError::data(format!(
            "need accepted outfits on both sides of the split ({} train, {} held out); judge more outfits",
            train_set.len(),
            test.len()
        )));
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

/// A value with its 95% interval where there is one: "0.712 [0.650, 0.770]".
fn fmt_ci(v: Option<f64>, ci: Option<(f64, f64)>) -> String {
    match (v, ci) {
        (Some(x), Some((lo, hi))) => format!("{x:.3} [{lo:.3}, {hi:.3}]"),
        _ => fmt(v),
    }
}

/// The AUC a curve is judged on: accept vs reject where there are judged negatives, else vs same-slot swaps;
/// with its interval.
pub fn headline_auc(m: &Metrics) -> Option<(f64, Option<(f64, f64)>)> {
    m.auc.map(|a| (a, m.auc_interval)).or(m.auc_swap.map(|a| (a, m.auc_swap_interval)))
}

fn short(m: &Metrics) -> String {
    format!("AUC {} swap-AUC {} FITB {}", fmt(m.auc), fmt(m.auc_swap), fmt(m.fitb))
}

impl TransferReport {
    /// The label count from which the fine-tuned head stays above its parent (zero-shot) on the headline AUC at
    /// every larger count measured; `None` if it never does. `clearly` asks the interval's lower bound to be above
    /// the parent, not just the estimate.
    pub fn overtakes_parent(&self, clearly: bool) -> Option<usize> {
        let (parent, _) = headline_auc(&self.zero_shot)?;
        let above = |p: &CurvePoint| {
            headline_auc(&p.fine_tuned).is_some_and(|(a, ci)| if clearly { ci.is_some_and(|(lo, _)| lo > parent) } else { a > parent })
        };
        let mut from = None;
        for p in &self.curve {
            if above(p) {
                from.get_or_insert(p.labels);
            } else {
                from = None;
            }
        }
        from
    }

    /// One line for a lead: is labelling paying off yet?
    pub fn verdict(&self) -> String {
        match (self.overtakes_parent(false), self.overtakes_parent(true)) {
            (Some(m), Some(n)) if m < n => format!(
                "Fine-tuning is above {} from {m} labels on, and beats it outside the 95% interval from {n} labels on.",
                self.parent
            ),
            (_, Some(n)) => format!("Fine-tuning beats {} from {n} labels on, outside the 95% interval.", self.parent),
            (Some(n), None) => {
                format!("Fine-tuning is above {} from {n} labels on, but within the 95% interval: judge more.", self.parent)
            }
            (None, _) => format!("Fine-tuning has not overtaken {} yet: judge more, or check the labels.", self.parent),
        }
    }

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
            s.push_str(&format!(
                "| {name}, not fine-tuned | 0 | {} | {} | {} |\n",
                fmt_ci(m.auc, m.auc_interval),
                fmt_ci(m.auc_swap, m.auc_swap_interval),
                fmt(m.fitb)
            ));
        }
        s.push_str(&format!(
            "| {}, not fine-tuned | 0 | {} | {} | {} |\n",
            self.parent,
            fmt_ci(z.auc, z.auc_interval),
            fmt_ci(z.auc_swap, z.auc_swap_interval),
            fmt(z.fitb)
        ));
        if let Some(all) = self.curve.last() {
            s.push_str(&format!(
                "| fine-tuned from {} | {} | {} | {} | {} |\n",
                self.parent,
                all.labels,
                fmt_ci(all.fine_tuned.auc, all.fine_tuned.auc_interval),
                fmt_ci(all.fine_tuned.auc_swap, all.fine_tuned.auc_swap_interval),
                fmt(all.fine_tuned.fitb)
            ));
            s.push_str(&format!(
                "| from scratch | {} | {} | {} | {} |\n",
                all.labels,
                fmt_ci(all.scratch.auc, all.scratch.auc_interval),
                fmt_ci(all.scratch.auc_swap, all.scratch.auc_swap_interval),
                fmt(all.scratch.fitb)
            ));
        }
        s.push_str(&format!("\n{}\n", self.verdict()));
        s.push_str(&format!(
            "\nHeld out: {} positives, {} judged negatives, {} FITB questions.\n\nLearning curve\n\n",
            z.positives, z.negatives, z.fitb_questions
        ));
        s.push_str("| Labels | AUC fine-tuned | AUC scratch | swap-AUC fine-tuned | swap-AUC scratch | FITB fine-tuned | FITB scratch | fine-tune s |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        s.push_str(&format!(
            "| 0 (zero-shot) | {} | – | {} | – | {} | – | – |\n",
            fmt_ci(z.auc, z.auc_interval),
            fmt_ci(z.auc_swap, z.auc_swap_interval),
            fmt(z.fitb)
        ));
        for p in &self.curve {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {:.1} |\n",
                p.labels,
                fmt_ci(p.fine_tuned.auc, p.fine_tuned.auc_interval),
                fmt_ci(p.scratch.auc, p.scratch.auc_interval),
                fmt_ci(p.fine_tuned.auc_swap, p.fine_tuned.auc_swap_interval),
                fmt_ci(p.scratch.auc_swap, p.scratch.auc_swap_interval),
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
        save_png(path, (960, 500), "the learning curve", &|buf, size| self.draw_plot(buf, size))
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

/// A plot's drawing into an RGB buffer of the given size.
pub(super) type DrawPlot<'a> = &'a dyn Fn(&mut [u8], (u32, u32)) -> std::result::Result<(), Box<dyn std::error::Error>>;

/// Draws a plot of `size` pixels with `draw` and writes it as a PNG; `what` names it in errors.
pub(super) fn save_png(path: &Path, (w, h): (u32, u32), what: &str, draw: DrawPlot) -> Result<()> {
    let mut buf = vec![255u8; (w * h * 3) as usize];
    draw(&mut buf, (w, h)).map_err(|e| ModelError::Plot { what: what.to_string(), message: e.to_string() })?;
    let img = image::RgbImage::from_raw(w, h, buf)
        .ok_or_else(|| ModelError::Plot { what: what.to_string(), message: "the plot buffer has the wrong size".into() })?;
    img.save(path).map_err(|e| ModelError::Plot { what: format!("{what} to {}", path.display()), message: e.to_string() })
}

/// Registers egui's bundled Ubuntu-Light as plotters' "sans-serif" (no system fonts needed).
pub(super) fn register_plot_font() -> std::result::Result<(), Box<dyn std::error::Error>> {
    static ONCE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let ok = *ONCE.get_or_init(|| {
        plotters::style::register_font("sans-serif", plotters::style::FontStyle::Normal, epaint_default_fonts::UBUNTU_LIGHT).is_ok()
    });
    if ok { Ok(()) } else { Err("cannot load the bundled plot font".into()) }
}

/// `s` cut to `max` characters (at least 20) with an ellipsis, for plot titles.
pub(super) fn ellipsize(s: &str, max: usize) -> String {
    let max = max.max(20);
    if s.chars().count() <= max { s.to_string() } else { format!("{}…", s.chars().take(max - 1).collect::<String>()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(auc: f64, half_width: f64) -> Metrics {
        Metrics { auc: Some(auc), auc_interval: Some((auc - half_width, auc + half_width)), ..Metrics::default() }
    }

    fn report(curve: &[(usize, f64, f64)]) -> TransferReport {
        TransferReport {
            data: "test".into(),
            parent: "parent".into(),
            train_outfits: 0,
            test_outfits: 0,
            zero_shot: m(0.60, 0.05),
            unchanged: Vec::new(),
            curve: curve
                .iter()
                .map(|&(labels, auc, hw)| CurvePoint { labels, fine_tuned: m(auc, hw), scratch: m(0.5, 0.05), fine_tune_seconds: 0.0 })
                .collect(),
        }
    }

    #[test]
    fn fine_tuning_overtakes_its_parent_where_it_stays_above() {
        // Above at 50, below at 100 (noise), above from 200 on; clearly (interval) from 500.
        let r = report(&[(50, 0.62, 0.05), (100, 0.58, 0.05), (200, 0.63, 0.05), (500, 0.70, 0.04), (800, 0.74, 0.03)]);
        assert_eq!(r.overtakes_parent(false), Some(200));
        assert_eq!(r.overtakes_parent(true), Some(500));
        assert!(r.verdict().contains("from 200 labels on, and beats it outside the 95% interval from 500"), "{}", r.verdict());
        assert!(r.markdown().contains("0.700 [0.660, 0.740]"), "intervals are in the table");
        let never = report(&[(50, 0.55, 0.05), (100, 0.59, 0.05)]);
        assert_eq!(never.overtakes_parent(false), None);
        assert!(never.verdict().contains("has not overtaken"));
    }
}
