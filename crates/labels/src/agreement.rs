//! Agreement between stylists on the outfits both judged: percent agreement, Cohen's kappa and Gwet's AC1.
//!
//! Each stylist's label on an outfit is their latest live judgement of it (by time, then id); if that is a
//! skip the outfit does not count for them. Only outfits both stylists labelled accept or reject are compared.
//!
//! Kappa corrects for chance agreement with the product of the two raters' marginals; when nearly every outfit
//! is accepted that chance term approaches 1 and kappa collapses even at high raw agreement (the "kappa
//! paradox"). AC1 uses 2π(1-π) as chance agreement, which stays small when one verdict dominates.

use super::Result;
pub use outfit_model::data::latest_labels;
use outfit_store::{Judgement, JudgementSource, Store};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// Two stylists' agreement on the outfits both judged. Counts are `a_b` with `1` = accept, `0` = reject.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agreement {
    pub a: String,
    pub b: String,
    /// Outfits both accepted or rejected.
    pub n: usize,
    pub both_accept: usize,
    pub a_accept_b_reject: usize,
    pub a_reject_b_accept: usize,
    pub both_reject: usize,
    /// Observed agreement, 0..1 (`None` with no shared outfits).
    pub percent: Option<f64>,
    /// Cohen's kappa; `None` when undefined (no shared outfits, or both stylists gave one verdict only).
    pub kappa: Option<f64>,
    /// Gwet's AC1.
    pub ac1: Option<f64>,
}

/// Statistics from the 2×2 table: n11 both accept, n10 a accepts b rejects, n01 a rejects b accepts, n00 both reject.
pub fn from_counts(a: &str, b: &str, n11: usize, n10: usize, n01: usize, n00: usize) -> Agreement {
    let n = n11 + n10 + n01 + n00;
    let (percent, kappa, ac1) = if n == 0 {
        (None, None, None)
    } else {
        let nf = n as f64;
        let po = (n11 + n00) as f64 / nf;
        let pa = (n11 + n10) as f64 / nf;
        let pb = (n11 + n01) as f64 / nf;
        let pe_k = pa * pb + (1.0 - pa) * (1.0 - pb);
        let kappa = ((1.0 - pe_k).abs() > 1e-12).then(|| (po - pe_k) / (1.0 - pe_k));
        let pi = (pa + pb) / 2.0;
        let pe_g = 2.0 * pi * (1.0 - pi);
        (Some(po), kappa, Some((po - pe_g) / (1.0 - pe_g)))
    };
    Agreement {
        a: a.to_string(),
        b: b.to_string(),
        n,
        both_accept: n11,
        a_accept_b_reject: n10,
        a_reject_b_accept: n01,
        both_reject: n00,
        percent,
        kappa,
        ac1,
    }
}

/// The judgements agreement is measured on: a lead's settlement ([`JudgementSource::Settled`]) is an adjudication made after seeing
/// the others' labels, so counting it would inflate the lead's agreement with whoever they sided with.
fn independent(judgements: &[Judgement]) -> Vec<Judgement> {
    judgements.iter().filter(|j| j.source != JudgementSource::Settled).cloned().collect()
}

/// Agreement of two stylists over the given judgements (settlements left out).
pub fn between(judgements: &[Judgement], a: &str, b: &str) -> Agreement {
    let labels = latest_labels(&independent(judgements));
    let empty = HashMap::new();
    let (la, lb) = (labels.get(a).unwrap_or(&empty), labels.get(b).unwrap_or(&empty));
    let (mut n11, mut n10, mut n01, mut n00) = (0, 0, 0, 0);
    for (key, (va, _)) in la {
        if let Some((vb, _)) = lb.get(key) {
            match (va, vb) {
                (true, true) => n11 += 1,
                (true, false) => n10 += 1,
                (false, true) => n01 += 1,
                (false, false) => n00 += 1,
            }
        }
    }
    from_counts(a, b, n11, n10, n01, n00)
}

/// Every pair of stylists with labels (name order), including pairs with no shared outfits.
pub fn pairwise(judgements: &[Judgement]) -> Vec<Agreement> {
    let judgements = &independent(judgements);
    let stylists: BTreeSet<String> = latest_labels(judgements).into_keys().collect();
    let v: Vec<&String> = stylists.iter().collect();
    let mut out = Vec::new();
    for i in 0..v.len() {
        for j in i + 1..v.len() {
            out.push(between(judgements, v[i], v[j]));
        }
    }
    out
}

/// The pairwise table for a store's live judgements.
pub fn pairwise_for_store(store: &Store) -> Result<Vec<Agreement>> {
    Ok(pairwise(&store.judgements()?))
}

/// A plain-text table, one row per pair, for the CLI.
pub fn format_table(rows: &[Agreement]) -> String {
    let f = |x: Option<f64>| x.map(|v| format!("{v:+.3}")).unwrap_or_else(|| "   n/a".into());
    let mut s = format!(
        "{:<12} {:<12} {:>5} {:>5} {:>5} {:>5} {:>5} {:>8} {:>7} {:>7}\n",
        "stylist A", "stylist B", "n", "AA", "AR", "RA", "RR", "agree", "kappa", "AC1"
    );
    for r in rows {
        s.push_str(&format!(
            "{:<12} {:<12} {:>5} {:>5} {:>5} {:>5} {:>5} {:>8} {:>7} {:>7}\n",
            r.a,
            r.b,
            r.n,
            r.both_accept,
            r.a_accept_b_reject,
            r.a_reject_b_accept,
            r.both_reject,
            r.percent.map(|p| format!("{:.1}%", p * 100.0)).unwrap_or_else(|| "n/a".into()),
            f(r.kappa),
            f(r.ac1)
        ));
    }
    s
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use outfit_store::Verdict;

    fn close(a: Option<f64>, b: f64) {
        let a = a.expect("defined");
        assert!((a - b).abs() < 1e-4, "{a} != {b}");
    }

    #[test]
    fn balanced_table_matches_hand_computation() {
        // n=50: po = 35/50 = 0.7; pa = 25/50 = 0.5, pb = 30/50 = 0.6; pe = 0.5·0.6 + 0.5·0.4 = 0.5 -> kappa 0.4.
        // π = 0.55, pe(AC1) = 2·0.55·0.45 = 0.495 -> AC1 = 0.205 / 0.505 = 0.405941.
        let r = from_counts("a", "b", 20, 5, 10, 15);
        assert_eq!(r.n, 50);
        close(r.percent, 0.7);
        close(r.kappa, 0.4);
        close(r.ac1, 0.205 / 0.505);
    }

    #[test]
    fn kappa_paradox_high_agreement_low_kappa_high_ac1() {
        // 100 outfits, 90 both accept, 5 + 5 disagreements, none both rejected: 90% agreement.
        // pa = pb = 0.95: pe = 0.9025 + 0.0025 = 0.905 -> kappa = (0.9 - 0.905) / 0.095 = -0.052632.
        // π = 0.95: pe(AC1) = 2·0.95·0.05 = 0.095 -> AC1 = 0.805 / 0.905 = 0.889503.
        let r = from_counts("a", "b", 90, 5, 5, 0);
        close(r.percent, 0.9);
        close(r.kappa, -0.005 / 0.095);
        close(r.ac1, 0.805 / 0.905);
        assert!(r.kappa.unwrap() < 0.0 && r.ac1.unwrap() > 0.85);
    }

    #[test]
    fn perfect_and_degenerate_tables() {
        let r = from_counts("a", "b", 10, 0, 0, 10);
        close(r.percent, 1.0);
        close(r.kappa, 1.0);
        close(r.ac1, 1.0);
        // Both accept everything: kappa is 0/0, AC1 is 1.
        let r = from_counts("a", "b", 10, 0, 0, 0);
        assert_eq!(r.kappa, None);
        close(r.ac1, 1.0);
        let r = from_counts("a", "b", 0, 0, 0, 0);
        assert_eq!((r.percent, r.kappa, r.ac1), (None, None, None));
    }

    /// A judgement of the outfit `key` (SKUs joined by '+'), for tests here and in `merge`.
    pub fn j(id: i64, stylist: &str, key: &str, v: Verdict, at: &str, undone: bool) -> Judgement {
        Judgement {
            id,
            outfit_key: key.into(),
            skus: key.split('+').map(str::to_string).collect(),
            verdict: v,
            stylist: stylist.into(),
            at: at.into(),
            model_id: None,
            model_name: None,
            score: None,
            source: JudgementSource::Manual,
            reasons: vec![],
            outfit_id: None,
            undone_at: undone.then(|| "x".into()),
            uuid: String::new(),
        }
    }

    #[test]
    fn latest_live_label_counts_and_skips_drop_out() {
        use Verdict::*;
        let js = vec![
            j(1, "ana", "A+B", Reject, "2025-01-01", false),
            j(2, "ana", "A+B", Accept, "2025-01-02", false), // latest: accept
            j(3, "ben", "A+B", Accept, "2025-01-01", false),
            j(4, "ana", "A+C", Accept, "2025-01-01", false),
            j(5, "ben", "A+C", Reject, "2025-01-01", false),
            j(6, "ben", "A+C", Accept, "2025-01-03", true), // undone: ben's label stays reject
            j(7, "ana", "A+D", Accept, "2025-01-01", false),
            j(8, "ben", "A+D", Skip, "2025-01-01", false), // skip: excluded
            j(9, "cy", "A+B", Reject, "2025-01-01", false),
        ];
        let r = between(&js, "ana", "ben");
        assert_eq!((r.n, r.both_accept, r.a_accept_b_reject, r.a_reject_b_accept, r.both_reject), (2, 1, 1, 0, 0));
        close(r.percent, 0.5);
        let table = pairwise(&js);
        assert_eq!(
            table.iter().map(|r| (r.a.as_str(), r.b.as_str(), r.n)).collect::<Vec<_>>(),
            [("ana", "ben", 2), ("ana", "cy", 1), ("ben", "cy", 1)]
        );
        assert!(format_table(&table).contains("ana"));
    }
}
