//! The import preview: what a feed would become before anything is written (detected mapping, sample rows,
//! how many rows get a slot, an age group, a colour and an image). `import --dry-run` prints it; the app's
//! import dialog shows it.

use super::import::{ImportOptions, parse_feed_with};
use super::taxonomy::{self, ColourFamily};
use super::{AgeGroup, FeedFormat, Item, ParsedFeed, RowError, Slot};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;

/// How many sample rows a preview keeps.
pub const SAMPLE_ROWS: usize = 8;

/// Share of the feed's data rows that got a value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Coverage {
    pub rows: usize,
    pub slot: usize,
    pub age_group: usize,
    /// A colour that folds into a known colour family (not "other").
    pub colour: usize,
    pub image: usize,
}

impl Coverage {
    pub fn percent(&self, n: usize) -> f64 {
        if self.rows == 0 { 0.0 } else { 100.0 * n as f64 / self.rows as f64 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleRow {
    pub sku: String,
    pub title: String,
    pub category: String,
    pub slot: Slot,
    pub age_group: Option<AgeGroup>,
    pub colour: String,
    pub image: bool,
    /// Why this item stays out of outfits, if it does.
    pub excluded: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportPreview {
    pub feed: String,
    pub format: Option<FeedFormat>,
    pub header: Vec<String>,
    /// "field=column" lines.
    pub mapping: Vec<(String, Vec<String>)>,
    /// The profile used, and whether it was detected from the header.
    pub profile: Option<String>,
    pub detected: bool,
    pub coverage: Coverage,
    pub items: usize,
    pub rejected: usize,
    /// Imported, but kept out of outfits (underwear, nightwear, cosmetics), by reason.
    pub excluded: Vec<(String, usize)>,
    /// Garment sets imported as one-piece looks.
    pub sets: usize,
    pub per_slot: Vec<(Slot, usize)>,
    pub per_age: Vec<(String, usize)>,
    pub sample: Vec<SampleRow>,
    /// Category texts that mapped to no slot, most frequent first (what to add to the taxonomy or `--map`).
    pub unmapped_categories: Vec<(String, usize)>,
    pub first_errors: Vec<RowError>,
}

/// Parses a feed file without storing anything and summarises it.
pub fn preview_file(path: &Path, opts: &ImportOptions) -> Result<ImportPreview, crate::CatalogueError> {
    let bytes = std::fs::read(path).map_err(|source| crate::CatalogueError::FeedUnreadable { path: path.to_path_buf(), source })?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let parsed = parse_feed_with(path, &bytes, &dir, opts);
    Ok(summarise(&path.display().to_string(), &parsed, opts.profile.is_none()))
}

/// The preview of an already parsed feed.
pub fn summarise(feed: &str, p: &ParsedFeed, detect: bool) -> ImportPreview {
    let items: &[Item] = &p.items;
    let coverage = Coverage {
        rows: p.rows.max(items.len()),
        slot: items.len(),
        age_group: items.iter().filter(|i| i.age_group.is_some()).count(),
        colour: items.iter().filter(|i| ColourFamily::of(&i.colour) != ColourFamily::Other).count(),
        image: items.iter().filter(|i| i.image.is_some()).count(),
    };
    let mut excluded: HashMap<&'static str, usize> = HashMap::new();
    let mut sets = 0;
    for it in items {
        if let Some(e) = it.outfit_exclusion() {
            *excluded.entry(e.as_str()).or_default() += 1;
        }
        if taxonomy::classify(&it.category).is_some_and(|c| c.set) {
            sets += 1;
        }
    }
    let mut excluded: Vec<(String, usize)> = excluded.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    excluded.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let per_slot = Slot::ALL.iter().map(|s| (*s, items.iter().filter(|i| i.slot == *s).count())).collect();
    let mut per_age: Vec<(String, usize)> =
        AgeGroup::ALL.iter().map(|a| (a.as_str().to_string(), items.iter().filter(|i| i.age_group == Some(*a)).count())).collect();
    per_age.push(("unknown".into(), items.iter().filter(|i| i.age_group.is_none()).count()));
    let mut unmapped: HashMap<String, usize> = HashMap::new();
    for e in p.errors.iter().filter(|e| e.field == "category") {
        let cat = e.message.split('"').nth(1).unwrap_or(&e.message).to_string();
        *unmapped.entry(cat).or_default() += 1;
    }
    let mut unmapped_categories: Vec<(String, usize)> = unmapped.into_iter().collect();
    unmapped_categories.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    unmapped_categories.truncate(12);
    ImportPreview {
        feed: feed.to_string(),
        format: p.format,
        header: p.header.clone(),
        mapping: p.mapping.fields.iter().map(|(f, c)| (f.as_str().to_string(), c.clone())).collect(),
        profile: p.profile.clone(),
        detected: detect && p.profile.is_some(),
        coverage,
        items: items.len(),
        rejected: p.errors.len(),
        excluded,
        sets,
        per_slot,
        per_age,
        sample: items
            .iter()
            .take(SAMPLE_ROWS)
            .map(|i| SampleRow {
                sku: i.sku.to_string(),
                title: i.title.to_string(),
                category: i.category.to_string(),
                slot: i.slot,
                age_group: i.age_group,
                colour: i.colour.to_string(),
                image: i.image.is_some(),
                excluded: i.outfit_exclusion().map(|e| e.as_str().to_string()),
            })
            .collect(),
        unmapped_categories,
        first_errors: p.errors.iter().take(10).cloned().collect(),
    }
}

impl ImportPreview {
    /// The preview as plain text: the mapping, the coverage table, counts and sample rows.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let c = &self.coverage;
        let profile = match (&self.profile, self.detected) {
            (Some(p), true) => format!("{p} (detected from the header)"),
            (Some(p), false) => p.clone(),
            (None, _) => "none (header synonyms)".into(),
        };
        let _ = writeln!(s, "{}: {} format, profile {profile}", self.feed, self.format.map(|f| format!("{f:?}")).unwrap_or("?".into()));
        let _ = writeln!(s, "mapping:");
        for (f, cols) in &self.mapping {
            let _ = writeln!(s, "  {f:<14} <- {}", cols.join(" + "));
        }
        let _ = writeln!(s, "\n| field | rows with it | share |\n|---|---|---|");
        for (name, n) in [("slot", c.slot), ("age group", c.age_group), ("colour", c.colour), ("image", c.image)] {
            let _ = writeln!(s, "| {name} | {n} / {} | {:.1}% |", c.rows, c.percent(n));
        }
        let _ = writeln!(
            s,
            "\n{} items would import, {} rows rejected; {} garment sets as one-piece looks",
            self.items, self.rejected, self.sets
        );
        if !self.excluded.is_empty() {
            let ex: Vec<String> = self.excluded.iter().map(|(k, v)| format!("{v} {k}")).collect();
            let _ = writeln!(s, "kept out of outfits (imported, never suggested): {}", ex.join(", "));
        }
        let slots: Vec<String> = self.per_slot.iter().filter(|(_, n)| *n > 0).map(|(sl, n)| format!("{} {n}", sl.as_str())).collect();
        let _ = writeln!(s, "slots: {}", slots.join(", "));
        let ages: Vec<String> = self.per_age.iter().filter(|(_, n)| *n > 0).map(|(a, n)| format!("{a} {n}")).collect();
        let _ = writeln!(s, "age groups: {}", ages.join(", "));
        if !self.unmapped_categories.is_empty() {
            let u: Vec<String> = self.unmapped_categories.iter().map(|(k, v)| format!("{k:?} ×{v}")).collect();
            let _ = writeln!(s, "categories with no slot: {}", u.join(", "));
        }
        for e in &self.first_errors {
            let _ = writeln!(s, "  rejected {e}");
        }
        let _ = writeln!(s, "\nsample rows:");
        for r in &self.sample {
            let _ = writeln!(
                s,
                "  {:<12} {:<10} {:<8} {:<10} {:<40} [{}]{}",
                r.sku,
                r.slot.as_str(),
                r.age_group.map(|a| a.as_str()).unwrap_or("-"),
                r.colour,
                r.title.chars().take(40).collect::<String>(),
                r.category,
                r.excluded.as_ref().map(|e| format!(" (not for outfits: {e})")).unwrap_or_default()
            );
        }
        s
    }
}
