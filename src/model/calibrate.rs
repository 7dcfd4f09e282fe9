//! Calibration: the head's (a, b) in σ(a · mean pair term + b), fit by logistic regression (Platt scaling) on
//! held-back outfits against their same-category-and-collection negatives, so the app's 0-100 score reads as
//! "how likely a stylist made this", measured on outfits the head did not train on.

/// Fits (a, b) minimising the log loss of σ(a·x + b) with `pos` labelled 1 and `neg` labelled 0 (equal class
/// weight). Newton's method on the 2-parameter convex problem, with a tiny ridge so separable data stays finite.
pub fn fit_platt(pos: &[f32], neg: &[f32]) -> Option<(f32, f32)> {
    if pos.is_empty() || neg.is_empty() {
        return None;
    }
    let wp = 0.5 / pos.len() as f64;
    let wn = 0.5 / neg.len() as f64;
    let data: Vec<(f64, f64, f64)> = pos.iter().map(|&x| (x as f64, 1.0, wp)).chain(neg.iter().map(|&x| (x as f64, 0.0, wn))).collect();
    let (mut a, mut b) = (1.0f64, 0.0f64);
    let ridge = 1e-4;
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
        let da = (hbb * ga - hab * gb) / det;
        let db = (haa * gb - hab * ga) / det;
        a -= da;
        b -= db;
        if da.abs() + db.abs() < 1e-9 {
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

#[cfg(test)]
mod tests {
    use super::*;

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
