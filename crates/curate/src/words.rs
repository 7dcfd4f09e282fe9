//! How verdicts, reasons, occasions and genders read in the UI's sentences, and small judgements on numbers
//! (a version's validation, the weakest pair) that screens show as words.

use super::*;

/// The board's occasions as the chips and notes name them; a board no word places keeps to "everyday" wear.
pub fn occasion_words(own: &[outfit_catalogue::Occasion]) -> String {
    if own.is_empty() { "everyday".to_string() } else { own.iter().map(|o| o.as_str()).collect::<Vec<_>>().join(" / ") }
}

/// "Accepted", "Rejected", "Skipped".
pub fn verdict_past(v: Verdict) -> &'static str {
    match v {
        Verdict::Accept => "Accepted",
        Verdict::Reject => "Rejected",
        Verdict::Skip => "Skipped",
    }
}

/// "accept", "rejection", "skip": what an undo takes back.
pub fn verdict_noun(v: Verdict) -> &'static str {
    match v {
        Verdict::Accept => "accept",
        Verdict::Reject => "rejection",
        Verdict::Skip => "skip",
    }
}

/// Reason tags in words: "colour clash, age mismatch".
pub fn reason_words(tags: &[String]) -> String {
    tags.iter()
        .map(|t| Reason::ALL.iter().find(|r| r.tag() == t).map(|r| r.label().to_lowercase()).unwrap_or_else(|| t.replace('_', " ")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a model version's metrics show a validation split (trained versions only; the shipped zero-shot head
/// and other untrained heads count as validated: there is nothing to validate). Reads the metrics JSON
/// defensively: `validation_loss` with entries, a `validation` object, or a held-out `test` evaluation (pretrained
/// heads).
pub fn validated(metrics_json: &str) -> bool {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(metrics_json) else { return true };
    let trained = v.get("final_loss").is_some() || v.get("history").is_some();
    if !trained {
        return true;
    }
    v.get("validation_loss").and_then(|x| x.as_array()).is_some_and(|a| !a.is_empty())
        || v.get("validation").is_some_and(|x| x.is_object() || x.as_array().is_some_and(|a| !a.is_empty()))
        || v.get("test").is_some_and(|x| x.is_object())
}

/// "girls'" / "boys'" for a gender mask, as the empty-slot note and the chips say it.
pub fn gender_words(mask: u8) -> &'static str {
    use outfit_catalogue::styling::{BOYS, GIRLS};
    match mask {
        GIRLS => "girls'",
        BOYS => "boys'",
        _ => "girls' and boys'",
    }
}

/// How far (in probability) a pair must read below the mean of the board's other pairs to be flagged.
pub const CLEARLY_BELOW: f32 = 0.15;

/// The pair to flag among pair probabilities: the lowest, when it is below 0.5 and [`CLEARLY_BELOW`] under the
/// others' mean; none for fewer than two pairs.
pub fn weakest_pair(probs: &[f32]) -> Option<usize> {
    if probs.len() < 2 {
        return None;
    }
    let (k, low) = probs.iter().copied().enumerate().min_by(|a, b| a.1.total_cmp(&b.1))?;
    let others = (probs.iter().sum::<f32>() - low) / (probs.len() - 1) as f32;
    (low < 0.5 && others - low >= CLEARLY_BELOW).then_some(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validated_reads_what_a_versions_metrics_hold() {
        assert!(validated("{}"), "an untrained head has nothing to validate");
        assert!(validated("not json"));
        assert!(validated(r#"{"final_loss":0.3,"history":[],"best_epoch":2,"validation_loss":[0.5,0.4]}"#));
        assert!(!validated(r#"{"final_loss":0.3,"history":[],"best_epoch":null,"validation_loss":[]}"#));
        assert!(!validated(r#"{"final_loss":0.3,"history":[]}"#));
        assert!(validated(r#"{"test":{"auc":0.6},"history":[]}"#), "pretrained heads are tested on held-out outfits");
    }

    #[test]
    fn reasons_and_verdicts_read_as_words() {
        assert_eq!(reason_words(&["colour_clash".into(), "age_mismatch".into()]), "colour clash, age mismatch");
        assert_eq!(reason_words(&["too_formal".into()]), "too formal");
        assert_eq!(verdict_past(Verdict::Reject), "Rejected");
        assert_eq!(verdict_noun(Verdict::Accept), "accept");
    }

    #[test]
    fn only_a_pair_clearly_below_the_others_and_below_half_is_flagged() {
        assert_eq!(weakest_pair(&[0.95, 0.97, 0.99]), None, "a board of strong pairs flags nothing");
        assert_eq!(weakest_pair(&[0.3, 0.8, 0.85]), Some(0));
        assert_eq!(weakest_pair(&[0.45, 0.5]), None, "not clearly below");
        assert_eq!(weakest_pair(&[0.2]), None);
    }
}
