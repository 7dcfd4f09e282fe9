//! Feed format detection and the import entry points.

use super::fields::{self, map_record};
use super::mapping::{self, Field, Profile};
use super::records::{self, Record};
use super::{ParsedFeed, RowError, merchant_xml, text};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedFormat {
    /// Comma/semicolon/pipe separated with a header row (our own CSV, Shopify product exports).
    Csv,
    /// Tab separated with a header row (Google Merchant Center TSV).
    Tsv,
    /// One JSON object per line.
    JsonLines,
    /// Google Merchant Center XML (RSS or Atom).
    MerchantXml,
}

impl FeedFormat {
    pub fn detect(path: &Path, text: &str) -> FeedFormat {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase();
        match ext.as_str() {
            "jsonl" | "ndjson" => return FeedFormat::JsonLines,
            "xml" | "rss" | "atom" => return FeedFormat::MerchantXml,
            "tsv" | "tab" => return FeedFormat::Tsv,
            _ => {}
        }
        let head = text.trim_start();
        if head.starts_with('<') {
            FeedFormat::MerchantXml
        } else if head.starts_with('{') {
            FeedFormat::JsonLines
        } else if records::sniff_delimiter(text) == b'\t' {
            FeedFormat::Tsv
        } else {
            FeedFormat::Csv
        }
    }
}

/// How to read a feed's columns: a profile (built in or saved; `None` detects one from the header) and
/// per-field overrides (`--map field=column`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportOptions {
    pub profile: Option<Profile>,
    pub overrides: Vec<(Field, Vec<String>)>,
}

/// Reads and parses a feed file. Errors only when the file itself cannot be read; row problems are in the
/// returned [`ParsedFeed`].
pub fn import_feed(path: &Path) -> Result<ParsedFeed, crate::CatalogueError> {
    import_feed_with(path, &ImportOptions::default())
}

/// [`import_feed`] with a profile and column overrides.
pub fn import_feed_with(path: &Path, opts: &ImportOptions) -> Result<ParsedFeed, crate::CatalogueError> {
    let bytes = std::fs::read(path).map_err(|source| crate::CatalogueError::FeedUnreadable { path: path.to_path_buf(), source })?;
    let feed_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok(parse_feed_with(path, &bytes, &feed_dir, opts))
}

/// Parses feed bytes; `name` only informs format detection by extension.
pub fn parse_feed(name: &Path, bytes: &[u8], feed_dir: &Path) -> ParsedFeed {
    parse_feed_with(name, bytes, feed_dir, &ImportOptions::default())
}

/// Keys of JSON Lines / XML records in order of first appearance: their "header".
fn keys_of(records: &[Record]) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for r in records.iter().take(1000) {
        for (k, _) in &r.fields {
            if seen.insert(k.clone()) {
                out.push(k.clone());
            }
        }
    }
    out
}

/// [`parse_feed`] with a profile and column overrides.
pub fn parse_feed_with(name: &Path, bytes: &[u8], feed_dir: &Path, opts: &ImportOptions) -> ParsedFeed {
    let decoded = text::decode(bytes);
    let format = FeedFormat::detect(name, &decoded.text);
    if decoded.text.trim().is_empty() {
        let empty = RowError { line: 1, field: "file".into(), message: "the feed is empty (no header, no rows)".into() };
        return ParsedFeed { format: Some(format), errors: vec![empty], ..Default::default() };
    }
    let delimiter = match format {
        FeedFormat::Csv => records::sniff_delimiter(&decoded.text),
        _ => b'\t',
    };
    let (records, mut errors) = match format {
        FeedFormat::Csv | FeedFormat::Tsv => records::parse_delimited(&decoded.text, delimiter),
        FeedFormat::JsonLines => records::parse_jsonl(&decoded.text),
        FeedFormat::MerchantXml => merchant_xml::parse(&decoded.text),
    };
    let mut out = ParsedFeed { format: Some(format), ..Default::default() };
    if decoded.encoding == "Windows-1252" {
        out.warnings.push(RowError {
            line: 0,
            field: "encoding".into(),
            message: "not valid UTF-8; read as Windows-1252 (Latin-1)".into(),
        });
    }
    let delimited = matches!(format, FeedFormat::Csv | FeedFormat::Tsv);
    out.header = if delimited { records::header(&decoded.text, delimiter) } else { keys_of(&records) };
    let resolved = match mapping::resolve(&out.header, opts.profile.as_ref(), &opts.overrides) {
        Ok(r) => r,
        Err(message) => {
            errors.push(RowError { line: 1, field: "mapping".into(), message });
            out.errors = errors;
            return out;
        }
    };
    out.rows = records.len() + errors.iter().filter(|e| e.field == "row").count();
    out.profile = resolved.profile.clone();
    out.mapping = resolved.mapping;
    if let Some(missing) = missing_required_columns(delimited, &out.header, &out.mapping) {
        errors.push(RowError { line: 1, field: "header".into(), message: missing });
        out.errors = errors;
        return out;
    }
    let records = inherit_group_fields(records);
    let mut seen: HashSet<String> = HashSet::new();
    for rec in &records {
        match map_record(rec, feed_dir, &out.mapping) {
            Ok(m) => {
                if !seen.insert(m.item.sku.to_string()) {
                    errors.push(RowError {
                        line: rec.line,
                        field: "sku".into(),
                        message: format!("duplicate SKU {:?} in this feed; first row kept", m.item.sku),
                    });
                    continue;
                }
                out.warnings.extend(m.warnings);
                out.items.push(m.item);
            }
            Err(e) => errors.push(e),
        }
    }
    errors.sort_by_key(|e| e.line);
    out.errors = errors;
    out
}

/// A delimited feed whose header lacks an id or a title column cannot yield any item: say so once, by name,
/// instead of once per row.
fn missing_required_columns(delimited: bool, header: &[String], mapping: &mapping::ColumnMapping) -> Option<String> {
    if !delimited || header.is_empty() {
        return None;
    }
    let mut missing = Vec::new();
    if !mapping.has(Field::Sku) {
        missing.push("sku (or id, Variant SKU)");
    }
    if !mapping.has(Field::Title) {
        missing.push("title (or name)");
    }
    if !mapping.has(Field::Category) && !mapping.has(Field::Slot) {
        missing.push("category (or product_type, google_product_category, slot)");
    }
    (!missing.is_empty()).then(|| {
        // Quoted and cut: a header of binary garbage or a 1 MB cell must still print as one readable line.
        let mut found: Vec<String> = header.iter().take(12).map(|k| cut_bytes(&format!("{k:?}"), 48)).collect();
        if header.len() > 12 {
            found.push(format!("… ({} more)", header.len() - 12));
        }
        format!(
            "required column(s) missing: {}; found columns: {}; map them with --map field=column (e.g. --map sku=code) \
             or a profile (--profile NAME), and check with --dry-run",
            missing.join(", "),
            found.join(", ")
        )
    })
}

/// At most `max` bytes of `s` (on a char boundary), with an ellipsis when cut.
fn cut_bytes(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let end = (0..=max).rev().find(|i| s.is_char_boundary(*i)).unwrap_or(0);
    format!("{}…", &s[..end])
}

/// Shopify exports write a product's title, vendor and type on its first row only; later rows of the same
/// Handle carry just variant and image columns. Fill the blanks from the first row of the group.
fn inherit_group_fields(records: Vec<Record>) -> Vec<Record> {
    let has_handle = records.first().is_some_and(|r| r.fields.iter().any(|(k, _)| k.eq_ignore_ascii_case("handle")));
    if !has_handle {
        return records;
    }
    let mut firsts: HashMap<String, Vec<(String, String)>> = HashMap::new();
    records
        .into_iter()
        .filter_map(|mut rec| {
            let handle = rec.fields.iter().find(|(k, _)| k.eq_ignore_ascii_case("handle")).map(|(_, v)| v.clone()).unwrap_or_default();
            if handle.is_empty() {
                return Some(rec);
            }
            match firsts.get(&handle) {
                None => {
                    firsts.insert(handle, rec.fields.clone());
                    Some(rec)
                }
                Some(first) => {
                    for (k, v) in rec.fields.iter_mut() {
                        if v.trim().is_empty()
                            && let Some((_, fv)) = first.iter().find(|(fk, _)| fk == k)
                        {
                            *v = fv.clone();
                        }
                    }
                    // Image-only rows (no variant SKU) add nothing we model.
                    let sku_empty =
                        rec.fields.iter().any(|(k, v)| fields::field_for_header(k) == Some(fields::Field::Sku) && v.trim().is_empty());
                    (!sku_empty).then_some(rec)
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Slot;

    fn parse(name: &str, text: &str) -> ParsedFeed {
        parse_feed(Path::new(name), text.as_bytes(), Path::new("/nonexistent"))
    }

    #[test]
    fn csv_with_bad_rows_keeps_good_ones() {
        let feed =
            "sku,title,category,price\nA,Red dress,Dresses,199\nB,,Dresses,10\nC,Boots,Boots,abc\nD,Jeans,Jeans,299\nA,Dup,Dresses,1\n";
        let p = parse("f.csv", feed);
        assert_eq!(p.items.iter().map(|i| i.sku.as_str()).collect::<Vec<_>>(), ["A", "D"]);
        let errs: Vec<(usize, &str)> = p.errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(errs, [(3, "title"), (4, "price"), (6, "sku")]);
    }

    #[test]
    fn semicolon_csv_and_missing_columns() {
        let p = parse("f.csv", "sku;title;category\n1;Tee;T-shirts\n");
        assert_eq!(p.items.len(), 1);
        let p = parse("f.csv", "name,price\nTee,10\n");
        assert!(p.items.is_empty());
        assert!(p.errors[0].message.contains("sku"), "{:?}", p.errors);
    }

    #[test]
    fn merchant_tsv_and_xml() {
        let tsv = "id\ttitle\tdescription\tproduct_type\tcolor\tage_group\tprice\tavailability\nM1\tKids Rain Jacket\tDry\tApparel > Outerwear\tyellow\tkids\t399.00 SEK\tin stock\n";
        let p = parse("feed.txt", tsv);
        assert_eq!(p.format, Some(FeedFormat::Tsv));
        assert_eq!(p.items[0].slot, Slot::Outerwear);
        assert_eq!(p.items[0].price, Some(399.0));
        let xml = r#"<?xml version="1.0"?><rss xmlns:g="http://base.google.com/ns/1.0"><channel>
<item><g:id>X1</g:id><g:title>Girls' Sandals &amp; Bows</g:title><g:product_type>Shoes &gt; Sandals</g:product_type><g:price>199 SEK</g:price><g:age_group>toddler</g:age_group></item>
<item><g:id>X2</g:id><g:title>Mystery</g:title><g:product_type>Garden</g:product_type></item>
</channel></rss>"#;
        let p = parse("feed.xml", xml);
        assert_eq!(p.items.len(), 1);
        assert_eq!(p.items[0].title, "Girls' Sandals & Bows");
        assert_eq!(p.items[0].slot, Slot::Shoes);
        assert_eq!(p.errors.len(), 1);
        assert_eq!((p.errors[0].line, p.errors[0].field.as_str()), (3, "category"));
    }

    #[test]
    fn jsonl_reports_bad_lines() {
        let p = parse("f.jsonl", "{\"sku\":\"J1\",\"title\":\"Beanie\",\"category\":\"Beanies\",\"price\":99}\nnot json\n[1]\n");
        assert_eq!(p.items.len(), 1);
        assert_eq!(p.items[0].price, Some(99.0));
        assert_eq!(p.errors.iter().map(|e| e.line).collect::<Vec<_>>(), [2, 3]);
    }

    #[test]
    fn shopify_rows_inherit_from_handle() {
        let csv = "Handle,Title,Body (HTML),Vendor,Type,Option1 Value,Variant SKU,Variant Price,Image Src\n\
                   tee,Star Tee,Soft,Little Fern,T-shirts,Red,TEE-R,99,\n\
                   tee,,,,,Blue,TEE-B,99,\n\
                   tee,,,,,,,,img2.jpg\n";
        let p = parse("products.csv", csv);
        assert_eq!(p.items.len(), 2, "{:?}", p.errors);
        assert_eq!(p.items[1].title, "Star Tee");
        assert_eq!(p.items[1].colour, "Blue");
        assert_eq!(p.items[1].brand, "Little Fern");
        assert_eq!(p.items[1].item_group_id, "tee");
    }
}
