//! The lead's list of disagreements to settle: outfits on which the stylists' current labels split (one accepts,
//! another rejects) and which no lead has settled. Settling is itself a judgement, by the lead, with the source
//! [`JudgementSource::Settled`]: it travels through the same log as every judgement (pushed to the team store,
//! undoable), training takes its label for the outfit, and agreement leaves it out. Undoing the settlement opens
//! the outfit again.

use super::Result;
use crate::agreement::latest_labels;
use outfit_store::{Judgement, JudgementSource, Store};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// An outfit the stylists split on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Disagreement {
    pub outfit_key: String,
    pub skus: Vec<String>,
    /// Stylists whose current label is accept (name order).
    pub accepted_by: Vec<String>,
    pub rejected_by: Vec<String>,
    /// When the latest of these labels was given (the list shows the freshest splits first).
    pub latest_at: String,
}

/// The open disagreements in these judgements, freshest first. Skips and undone judgements do not vote; a live
/// settlement of an outfit closes it.
pub fn open(judgements: &[Judgement]) -> Vec<Disagreement> {
    let settled: HashSet<&str> = judgements
        .iter()
        .filter(|j| j.source == JudgementSource::Settled && j.undone_at.is_none())
        .map(|j| j.outfit_key.as_str())
        .collect();
    let votes: Vec<Judgement> = judgements.iter().filter(|j| j.source != JudgementSource::Settled).cloned().collect();
    let mut by_key: BTreeMap<String, Disagreement> = BTreeMap::new();
    for (stylist, labels) in latest_labels(&votes) {
        for (key, (accept, j)) in labels {
            if settled.contains(key.as_str()) {
                continue;
            }
            let d = by_key.entry(key.clone()).or_insert_with(|| Disagreement {
                outfit_key: key,
                skus: j.skus.clone(),
                accepted_by: vec![],
                rejected_by: vec![],
                latest_at: String::new(),
            });
            if accept {
                d.accepted_by.push(stylist.clone())
            } else {
                d.rejected_by.push(stylist.clone())
            }
            if j.at > d.latest_at {
                d.latest_at = j.at.clone();
            }
        }
    }
    let mut out: Vec<Disagreement> = by_key.into_values().filter(|d| !d.accepted_by.is_empty() && !d.rejected_by.is_empty()).collect();
    // latest_labels iterates stylists in name order, so the name lists are sorted already.
    out.sort_by(|a, b| b.latest_at.cmp(&a.latest_at).then_with(|| a.outfit_key.cmp(&b.outfit_key)));
    out
}

/// The open disagreements over a store's judgements (in team mode: the shared log as pulled so far).
pub fn open_for_store(store: &Store) -> Result<Vec<Disagreement>> {
    Ok(open(&store.judgements()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agreement::{pairwise, tests::j};
    use crate::merge::{TrainingPolicy, training_labels_from};
    use outfit_store::Verdict::*;

    fn settle(id: i64, lead: &str, key: &str, v: outfit_store::Verdict, at: &str) -> Judgement {
        Judgement { source: JudgementSource::Settled, ..j(id, lead, key, v, at, false) }
    }

    #[test]
    fn splits_are_listed_until_settled_and_the_settlement_decides_training() {
        let mut js = vec![
            j(1, "ana", "A+B", Accept, "2026-01-01", false),
            j(2, "bob", "A+B", Reject, "2026-01-02", false),
            j(3, "ana", "A+C", Accept, "2026-01-01", false),
            j(4, "bob", "A+C", Accept, "2026-01-01", false), // agreement: not listed
            j(5, "ana", "A+D", Reject, "2026-01-03", false),
            j(6, "cy", "A+D", Accept, "2026-01-03", false),
            j(7, "bob", "A+D", Skip, "2026-01-04", false), // a skip does not vote
            j(8, "ana", "A+E", Accept, "2026-01-01", false),
            j(9, "bob", "A+E", Reject, "2026-01-01", true), // undone: no split
        ];
        let d = open(&js);
        assert_eq!(d.iter().map(|d| d.outfit_key.as_str()).collect::<Vec<_>>(), ["A+D", "A+B"], "freshest first");
        assert_eq!((d[1].accepted_by.clone(), d[1].rejected_by.clone()), (vec!["ana".to_string()], vec!["bob".to_string()]));
        assert_eq!(d[1].skus, ["A", "B"]);
        // A tie: majority training leaves A+B out.
        assert!(!training_labels_from(&js, &TrainingPolicy::default()).iter().any(|(s, ..)| s == &["A", "B"]));
        let before = pairwise(&js);

        // The lead (also a stylist who voted on A+D) settles both.
        js.push(settle(10, "lea", "A+B", Reject, "2026-01-05"));
        js.push(j(11, "lea", "A+D", Reject, "2026-01-02", false));
        js.push(settle(12, "lea", "A+D", Accept, "2026-01-05"));
        assert!(open(&js).is_empty());
        let labels = training_labels_from(&js, &TrainingPolicy::default());
        assert!(labels.contains(&(vec!["A".into(), "B".into()], false, 1.0)), "{labels:?}");
        // 2 reject (ana, lea's own vote) to 1 accept, but the settlement says accept.
        assert!(labels.contains(&(vec!["A".into(), "D".into()], true, 1.0)), "{labels:?}");
        // Agreement counts lea's own vote on A+D, never the settlements.
        let after = pairwise(&js);
        let pair = |t: &[crate::Agreement], a: &str, b: &str| t.iter().find(|r| r.a == a && r.b == b).map(|r| r.n);
        assert_eq!(pair(&after, "ana", "bob"), pair(&before, "ana", "bob"));
        assert_eq!(pair(&after, "ana", "lea"), Some(1));
        assert_eq!(pair(&after, "bob", "lea"), Some(0));

        // Undoing a settlement opens the outfit again.
        js[9].undone_at = Some("2026-01-06".into());
        assert_eq!(open(&js).iter().map(|d| d.outfit_key.as_str()).collect::<Vec<_>>(), ["A+B"]);
    }
}
