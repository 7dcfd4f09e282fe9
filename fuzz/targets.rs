//! Fuzz target bodies, shared by the cargo-fuzz binaries (fuzz/fuzz_targets/*.rs) and the stable replay and
//! mutation harness (tests/fuzz_regressions.rs). Besides "never panics", each checks the importer's promises: good
//! items are complete and in range, every problem names a line within the file and a field, and messages stay
//! short enough to print.

use crate::catalogue;
use std::path::Path;

/// A fuzz target: its name (the corpus directory) and its body.
pub type Target = (&'static str, fn(&[u8]));

/// Every target by name; the corpus lives in tests/fixtures/fuzz/<name>/.
pub const TARGETS: &[Target] = &[
    ("feed_csv", feed_csv),
    ("feed_tsv", feed_tsv),
    ("feed_jsonl", feed_jsonl),
    ("feed_xml", feed_xml),
    ("parse_price", parse_price),
    ("parse_in_stock", parse_in_stock),
];

/// The importer's upper bound on prices (catalogue::fields::MAX_PRICE).
const MAX_PRICE: f64 = 1_000_000.0;
/// The importer's longest kept field (catalogue::fields::MAX_FIELD_CHARS).
const MAX_FIELD_CHARS: usize = 4000;
/// No row message may be longer than this: the CLI prints them one per line.
const MAX_MESSAGE_BYTES: usize = 1000;

pub fn feed_csv(data: &[u8]) {
    feed("fuzz.csv", data)
}
pub fn feed_tsv(data: &[u8]) {
    feed("fuzz.tsv", data)
}
pub fn feed_jsonl(data: &[u8]) {
    feed("fuzz.jsonl", data)
}
pub fn feed_xml(data: &[u8]) {
    feed("fuzz.xml", data)
}

fn feed(name: &str, data: &[u8]) {
    let p = catalogue::parse_feed(Path::new(name), data, Path::new("/nonexistent-fuzz-dir"));
    // Lines are counted on the decoded text; every line break there comes from a '\n' or '\r' byte (UTF-16 too).
    let max_line = data.iter().filter(|b| matches!(b, b'\n' | b'\r')).count() + 1;
    for e in p.errors.iter().chain(&p.warnings) {
        assert!(e.line <= max_line, "line {} beyond the file's {max_line} lines: {e}", e.line);
        assert!(!e.field.is_empty(), "a problem without a field: {e}");
        assert!(
            e.message.len() <= MAX_MESSAGE_BYTES,
            "message of {} bytes: {}…",
            e.message.len(),
            e.message.chars().take(200).collect::<String>()
        );
    }
    let mut skus = std::collections::HashSet::new();
    for it in &p.items {
        assert!(!it.sku.trim().is_empty() && !it.title.trim().is_empty(), "item without sku or title: {it:?}");
        assert!(skus.insert(it.sku.as_str()), "duplicate SKU {:?} imported", it.sku);
        if let Some(price) = it.price {
            assert!(price.is_finite() && (0.0..=MAX_PRICE).contains(&price), "price {price} imported");
        }
        for f in [&it.title, &it.description, &it.category, &it.colour, &it.brand, &it.size] {
            assert!(f.chars().count() <= MAX_FIELD_CHARS, "field of {} chars kept", f.chars().count());
        }
    }
}

pub fn parse_price(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    if let Some((v, currency)) = catalogue::parse_price(&s) {
        assert!(v.is_finite(), "{s:?} parsed to {v}");
        if let Some(c) = currency {
            assert_eq!(c.len(), 3, "{s:?}: currency {c:?}");
        }
    }
}

pub fn parse_in_stock(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let _ = catalogue::parse_in_stock(&s);
}
