//! Calibration: the head's (a, b) in σ(a · mean pair term + b), fit by logistic regression (Platt scaling) on
//! held-back outfits against their same-category-and-collection negatives, so the app's 0-100 score reads as
//! "how likely a stylist made this", measured on outfits the head did not train on.

/// Fits (a, b) minimising the log loss of σ(a·x + b) with `pos` labelled 1 and `neg` labelled 0 (equal class
/// weight). Newton's method on the 2-parameter convex problem, with a tiny ridge so separable data stays finite,
/// and the step halved until the loss does not rise (a full Newton step from far away can overshoot and diverge,
/// as it did on logits of a head at chance lying around -3).
pub fn fit_platt(pos: &[f32], neg: &[f32]) -> Option<(f32, f32)> {
    if pos.is_empty() || neg.is_empty() {
        return None;
    }
    let wp = 0.5 / pos.len() as f64;
    let wn = 0.5 / neg.len() as f64;
    let data: Vec<(f64, f64, f64)> = pos.iter().map(|&x| (x as f64, 1.0, wp)).chain(neg.iter().map(|&x| (x as f64, 0.0, wn))).collect();
    let (mut a, mut b) = (1.0f64, 0.0f64);
    let ridge = 1e-4;
    let loss = |a: f64, b: f64| -> f64 {
        let nll: f64 = data
            .iter()
            .map(|&(x, y, w)| {
                let z = a * x + b;
                // log(1 + e^z) - y·z, stable.
                w * (z.max(0.0) + (-z.abs()).exp().ln_1p() - y * z)
            })
            .sum();
        nll + 0.5 * ridge * a * a
    };
    for _ in 0..100 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (ridge * a, 0.0, ridge, 0.0, 1e-9);
        for &(x, y, w) in &data {
            let p = 1.0 / (1.0 + (-(a * x + b)).exp());
            let r = w * (p - y);
            ga += r * x;
            gb += r;
            let s = w * p * (1.0 - p);
            haa += s * x * x;
            hab += s * x;
            hbb += s;
        }
        let det = haa * hbb - hab * hab;
        if det.abs() < 1e-18 {
            break;
        }
        let (da, db) = ((hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det);
        let (before, mut t) = (loss(a, b), 1.0);
        while t > 1e-6 && loss(a - t * da, b - t * db) > before + 1e-12 {
            t *= 0.5;
        }
        a -= t * da;
        b -= t * db;
        if t * (da.abs() + db.abs()) < 1e-9 {
            break;
        }
    }
    (a.is_finite() && b.is_finite()).then_some((a as f32, b as f32))
}

/// Expected calibration error over `bins` equal-width probability bins (pos labelled 1, neg 0, equal weight).
pub fn expected_calibration_error(pos: &[f32], neg: &[f32], bins: usize) -> f64 {
    let wp = 0.5 / pos.len().max(1) as f64;
    let wn = 0.5 / neg.len().max(1) as f64;
    let mut acc = vec![(0.0f64, 0.0f64, 0.0f64); bins];
    for (p, y, w) in pos.iter().map(|&p| (p, 1.0, wp)).chain(neg.iter().map(|&p| (p, 0.0, wn))) {
        let i = ((p as f64 * bins as f64) as usize).min(bins - 1);
        acc[i].0 += w * p as f64;
        acc[i].1 += w * y;
        acc[i].2 += w;
    }
    acc.iter().filter(|b| b.2 > 0.0).map(|(p, y, _)| (p - y).abs()).sum()
}

/// The spread (standard deviation, in logits) a head may claim over random same-age pairs of a catalogue it has
/// no judgements on. At 1 logit, 95% of such pairs read between 12 and 88: the head ranks, but does not claim
/// 0 or 100 for garments it never saw stylists combine.
pub const SHIFT_LOGIT_SD: f32 = 1.0;

/// The same bound on the tails, which a bimodal spread (a head that splits a catalogue by colour) can break while
/// its SD looks modest: 95% of random same-age pairs stay within 2 logits of the typical pair (12 to 88).
pub const SHIFT_LOGIT_Q95: f32 = 2.0;

/// Judgements that count as much as the label-free calibration when the two are blended: with 50 judgements of a
/// catalogue the Platt fit on them has half the say.
pub const PRIOR_LABELS: f32 = 50.0;

/// How the head's logit z = a·s̄ + b + h is read on one catalogue: p = σ(scale·z + shift).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct CatalogueCalibration {
    pub scale: f32,
    pub shift: f32,
    /// Judgements it was refitted on (0: label-free, from the catalogue's own pairs only).
    pub labels: usize,
    /// The head's logit spread over random same-age pairs of the catalogue, before any correction.
    pub raw_sd: f32,
}

impl CatalogueCalibration {
    /// The head's own calibration, unchanged.
    pub const IDENTITY: CatalogueCalibration = CatalogueCalibration { scale: 1.0, shift: 0.0, labels: 0, raw_sd: f32::NAN };

    pub fn probability(&self, logit: f32) -> f32 {
        1.0 / (1.0 + (-(self.scale * logit + self.shift)).exp())
    }

    /// Label-free calibration for a catalogue the head was not trained on, from the head's logits of random
    /// same-age cross-slot pairs of it: centred so a typical pair of this catalogue reads 50, and tempered so the
    /// logits spread at most [`SHIFT_LOGIT_SD`] and 95% of them lie within [`SHIFT_LOGIT_Q95`] of the centre
    /// (never sharpened). `None` for fewer than 20 pairs.
    pub fn for_shift(pair_logits: &[f32]) -> Option<CatalogueCalibration> {
        if pair_logits.len() < 20 {
            return None;
        }
        let mut v: Vec<f32> = pair_logits.iter().copied().filter(|x| x.is_finite()).collect();
        if v.len() < 20 {
            return None;
        }
        v.sort_by(f32::total_cmp);
        let median = v[v.len() / 2];
        let mean = v.iter().sum::<f32>() / v.len() as f32;
        let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / v.len() as f32).sqrt();
        let mut dev: Vec<f32> = v.iter().map(|x| (x - median).abs()).collect();
        dev.sort_by(f32::total_cmp);
        let q95 = dev[(dev.len() * 95 / 100).min(dev.len() - 1)];
        let temperature = (sd / SHIFT_LOGIT_SD).max(q95 / SHIFT_LOGIT_Q95).max(1.0);
        Some(CatalogueCalibration { scale: 1.0 / temperature, shift: -median / temperature, labels: 0, raw_sd: sd })
    }

    /// Refits on stylists' judgements of this catalogue (head logits of accepted and rejected boards), blended
    /// with `self` by label count (`n / (n + PRIOR_LABELS)`), so the first judgements move it and many decide.
    /// Unchanged below 5 of either verdict.
    pub fn with_judgements(&self, accepted: &[f32], rejected: &[f32]) -> CatalogueCalibration {
        if accepted.len() < 5 || rejected.len() < 5 {
            return *self;
        }
        // A fit that reads higher logits as worse would invert the order the stylist sees; it is not applied.
        let Some((a, b)) = fit_platt(accepted, rejected).filter(|(a, _)| *a > 0.0) else { return *self };
        let n = (accepted.len() + rejected.len()) as f32;
        let w = n / (n + PRIOR_LABELS);
        CatalogueCalibration {
            scale: (1.0 - w) * self.scale + w * a,
            shift: (1.0 - w) * self.shift + w * b,
            labels: accepted.len() + rejected.len(),
            raw_sd: self.raw_sd,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shifted_catalogue_is_centred_and_tempered_never_sharpened() {
        // Logits of a head that is far too sure on a new catalogue: centred at +2, spread 4.
        let wide: Vec<f32> = (0..400).map(|i| 2.0 + 4.0 * ((i as f32 / 399.0) * 2.0 - 1.0) * 1.7).collect();
        let c = CatalogueCalibration::for_shift(&wide).unwrap();
        let probs: Vec<f32> = wide.iter().map(|z| c.probability(*z)).collect();
        let saturated = probs.iter().filter(|p| **p >= 0.95 || **p <= 0.05).count() as f32 / probs.len() as f32;
        assert!(saturated <= 0.10, "{saturated}");
        assert!((c.probability(2.0) - 0.5).abs() < 0.02, "the typical pair reads 50");
        assert!(c.raw_sd > 3.0 && c.scale < 0.5);
        // Order is kept: calibration is monotone.
        assert!(probs.windows(2).all(|w| w[0] <= w[1]));
        // A head already modest on the catalogue is only centred.
        let narrow: Vec<f32> = (0..100).map(|i| (i as f32 / 99.0) - 0.5).collect();
        assert_eq!(CatalogueCalibration::for_shift(&narrow).unwrap().scale, 1.0);
        assert!(CatalogueCalibration::for_shift(&narrow[..10]).is_none());
    }

    #[test]
    fn judgements_move_the_calibration_in_proportion_to_their_number() {
        let base = CatalogueCalibration { scale: 0.2, shift: 0.0, labels: 0, raw_sd: 5.0 };
        // Stylists accept boards with logit > 1 and reject the rest: a steeper truth than the base.
        let (acc, rej): (Vec<f32>, Vec<f32>) = {
            let xs: Vec<f32> = (0..200).map(|i| -4.0 + 8.0 * i as f32 / 199.0).collect();
            (xs.iter().copied().filter(|x| *x > 1.0).collect(), xs.iter().copied().filter(|x| *x <= 1.0).collect())
        };
        assert_eq!(base.with_judgements(&rej, &acc), base, "an inverted fit is not applied");
        let few = base.with_judgements(&acc[..3], &rej[..3]);
        assert_eq!(few, base, "too few judgements change nothing");
        let many = base.with_judgements(&acc, &rej);
        assert_eq!(many.labels, 200);
        assert!(many.scale > base.scale, "{many:?}");
        assert!(many.probability(3.0) > 0.8 && many.probability(-2.0) < 0.2, "{many:?}");
    }

    #[test]
    fn recovers_a_known_logistic_curve() {
        // Scores x with P(positive | x) = σ(3x − 1): draw counts proportional to it on a grid.
        let (mut pos, mut neg) = (Vec::new(), Vec::new());
        for i in 0..200 {
            let x = -2.0 + 4.0 * i as f32 / 199.0;
            let p = 1.0 / (1.0 + (-(3.0 * x - 1.0)).exp());
            let np = (p * 100.0).round() as usize;
            pos.extend(std::iter::repeat_n(x, np));
            neg.extend(std::iter::repeat_n(x, 100 - np));
        }
        // Equal class weights shift the intercept by the log prior ratio.
        let prior = (pos.len() as f32 / neg.len() as f32).ln();
        let (a, b) = fit_platt(&pos, &neg).unwrap();
        assert!((a - 3.0).abs() < 0.1, "a = {a}");
        assert!((b - (-1.0 - prior)).abs() < 0.1, "b = {b}, prior {prior}");
    }

    #[test]
    fn a_head_at_chance_far_from_zero_gets_a_flat_fit_not_a_divergent_one() {
        // Accepts and rejects from the same spread of logits around -3: nothing to separate. A full Newton step
        // from (1, 0) overshot here and ended at a = 16602, b = -1e8 (every probability 0 or 1).
        let xs: Vec<f32> = (0..100).map(|i| -3.0 + 2.5 * ((i * 37 % 100) as f32 / 50.0 - 1.0)).collect();
        let (pos, neg) = (&xs[..50], &xs[50..]);
        let (a, b) = fit_platt(pos, neg).unwrap();
        let p = |x: f32| 1.0 / (1.0 + (-(a * x + b)).exp());
        assert!(xs.iter().all(|x| (p(*x) - 0.5).abs() < 0.2), "a = {a}, b = {b}");
        let probs = |v: &[f32]| v.iter().map(|x| p(*x)).collect::<Vec<_>>();
        let ece = expected_calibration_error(&probs(pos), &probs(neg), 10);
        assert!(ece < 0.1, "{ece}");
    }

    #[test]
    fn calibrated_probabilities_have_small_error() {
        // Raw scores in [0, 1] whose true positive rate is σ(6x − 3): raw scores misstate it, the fit does not.
        let (mut pos, mut neg) = (Vec::new(), Vec::new());
        for i in 0..100 {
            let x = i as f32 / 99.0;
            let np = (100.0 / (1.0 + (-(6.0 * x - 3.0)).exp())).round() as usize;
            pos.extend(std::iter::repeat_n(x * 0.5, np));
            neg.extend(std::iter::repeat_n(x * 0.5, 100 - np));
        }
        let (a, b) = fit_platt(&pos, &neg).unwrap();
        let prob = |x: &f32| 1.0 / (1.0 + (-(a * x + b)).exp());
        let (pp, pn): (Vec<f32>, Vec<f32>) = (pos.iter().map(prob).collect(), neg.iter().map(prob).collect());
        let raw_ece = expected_calibration_error(&pos, &neg, 10);
        let ece = expected_calibration_error(&pp, &pn, 10);
        assert!(ece < 0.05 && raw_ece > 0.15, "ece {ece} vs raw {raw_ece}");
        assert!(fit_platt(&[], &neg).is_none());
    }
}
