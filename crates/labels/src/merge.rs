//! Merging several stylists' labels into one database, and turning them into training labels.
//!
//! Imports keep each judgement's stylist, time, verdict, score and reasons, and mark it `source =
//! "import:<file name>"`. A judgement with the same stylist, outfit key, verdict and time as one already here is a
//! duplicate, so importing the same file twice (or a database that itself imported ours) adds nothing. Items the
//! catalogue here does not know are kept (judgements store SKUs as text) and reported.

use super::{LabelsError, Result};
pub use outfit_model::data::{Conflicts, TrainingPolicy, training_labels_from};
use outfit_store::ImportOutcome;
use outfit_store::{Judgement, JudgementSource, Store};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::Path;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MergeReport {
    pub source: String,
    /// Judgements read from the file (live and undone).
    pub read: usize,
    pub imported: usize,
    pub duplicates: usize,
    /// Judgements undone in the source whose copy here was undone too.
    pub undone_here: usize,
    /// Undone in the source and never imported: ignored.
    pub undone_ignored: usize,
    /// Lines or rows that are not labels (unparseable, fewer than two items, no stylist): `(line/id, why)`.
    pub invalid: Vec<(usize, String)>,
    /// SKUs of imported judgements that this catalogue lacks (kept in the labels).
    pub unknown_skus: Vec<String>,
    pub stylists: Vec<String>,
}

/// Imports a file: an Outfit Studio database (SQLite) or a label export (JSON Lines from `export labels`).
pub fn import_file(store: &mut Store, path: &Path) -> Result<MergeReport> {
    let mut head = [0u8; 16];
    let is_sqlite = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .map(|_| &head == b"SQLite format 3\0")
        .unwrap_or(false);
    if is_sqlite { import_database(store, path) } else { import_labels_jsonl(store, path) }
}

fn source_label(path: &Path) -> JudgementSource {
    JudgementSource::imported(path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string()))
}

/// Imports every judgement of another stylist's database, which is opened read-only and never modified.
pub fn import_database(store: &mut Store, path: &Path) -> Result<MergeReport> {
    let same = std::fs::canonicalize(path).ok().zip(std::fs::canonicalize(store.path()).ok()).is_some_and(|(a, b)| a == b);
    if same {
        return Err(LabelsError::SameDatabase { path: path.to_path_buf() });
    }
    let js = Store::read_judgements_of(path)?;
    import_judgements(store, &js, &source_label(path), Vec::new())
}

/// Imports a JSON Lines label export; lines that are not judgements are reported, not fatal.
pub fn import_labels_jsonl(store: &mut Store, path: &Path) -> Result<MergeReport> {
    let text = std::fs::read_to_string(path).map_err(|error| LabelsError::Io { path: path.to_path_buf(), error })?;
    let mut js = Vec::new();
    let mut invalid = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Judgement>(line) {
            Ok(j) => js.push(j),
            Err(e) => invalid.push((i + 1, format!("not a label: {e}"))),
        }
    }
    import_judgements(store, &js, &source_label(path), invalid)
}

/// Imports judgements under a provenance label.
pub fn import_judgements(
    store: &mut Store,
    js: &[Judgement],
    source: &JudgementSource,
    invalid: Vec<(usize, String)>,
) -> Result<MergeReport> {
    let mut r = MergeReport { source: source.to_string(), read: js.len(), invalid, ..Default::default() };
    let mut unknown = BTreeSet::new();
    let mut stylists = BTreeSet::new();
    for j in js {
        if j.skus.len() < 2 || j.stylist.trim().is_empty() {
            r.invalid.push((j.id as usize, "needs a stylist and at least two items".into()));
            continue;
        }
        match store.import_judgement(j, source)? {
            ImportOutcome::Inserted => {
                r.imported += 1;
                stylists.insert(j.stylist.clone());
                unknown.extend(store.unknown_skus(j.skus.iter().map(String::as_str))?);
            }
            ImportOutcome::Duplicate => r.duplicates += 1,
            ImportOutcome::UndoneHere => r.undone_here += 1,
            ImportOutcome::UndoneIgnored => r.undone_ignored += 1,
        }
    }
    r.unknown_skus = unknown.into_iter().collect();
    r.stylists = stylists.into_iter().collect();
    Ok(r)
}

/// Training examples `(skus, positive, weight)` from the store's live labels (each stylist's latest accept or
/// reject per outfit; skips never count), sorted by outfit key.
///
/// With [`Conflicts::Majority`], each outfit's stylists vote with their weights; the side with more weight wins
/// (equal weight: the outfit is left out) and the example's weight is the winning side's weight divided by the
/// number of stylists who voted: 1.0 for a unanimous or single default-weight label, 2/3 for a 2-1 split.
pub fn training_labels(store: &Store, policy: &TrainingPolicy) -> Result<Vec<(Vec<String>, bool, f32)>> {
    Ok(training_labels_from(&store.judgements()?, policy))
}

#[cfg(test)]
mod tests {
    use super::*;
    use outfit_store::Verdict;

    fn j(id: i64, stylist: &str, key: &str, v: Verdict) -> Judgement {
        crate::agreement::tests::j(id, stylist, key, v, &format!("2025-01-01T00:00:{id:02}.000Z"), false)
    }

    #[test]
    fn majority_ties_weights_and_exclusion() {
        use Verdict::*;
        let js = vec![
            j(1, "ana", "A+B", Accept),
            j(2, "ben", "A+B", Accept),
            j(3, "cy", "A+B", Reject), // 2-1 accept
            j(4, "ana", "A+C", Accept),
            j(5, "ben", "A+C", Reject), // tie: left out
            j(6, "ana", "A+D", Reject), // single label
            j(7, "ben", "A+E", Skip),   // skip: no label
        ];
        let p = TrainingPolicy::default();
        let t = training_labels_from(&js, &p);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].0, ["A", "B"]);
        assert!(t[0].1);
        assert!((t[0].2 - 2.0 / 3.0).abs() < 1e-6);
        assert_eq!((t[1].0.clone(), t[1].1, t[1].2), (vec!["A".to_string(), "D".to_string()], false, 1.0));

        // ben counts double: A+C becomes a reject; excluding cy makes A+B unanimous.
        let p = TrainingPolicy {
            weights: [("ben".to_string(), 2.0)].into(),
            exclude: ["cy".to_string()].into(),
            conflicts: Conflicts::Majority,
        };
        let t = training_labels_from(&js, &p);
        let ac = t.iter().find(|x| x.0 == ["A", "C"]).unwrap();
        assert!(!ac.1);
        assert!((ac.2 - 1.0).abs() < 1e-6);
        let ab = t.iter().find(|x| x.0 == ["A", "B"]).unwrap();
        assert!((ab.2 - 1.5).abs() < 1e-6);

        let all = training_labels_from(&js, &TrainingPolicy { conflicts: Conflicts::KeepAll, ..Default::default() });
        assert_eq!(all.len(), 6);
    }
}
