//! Issue 7, bad feeds: broken, mis-encoded, hostile and huge catalogue feeds, through the library
//! (`catalogue::parse_feed`/`import_feed`), the engine (`Engine::import`) and the CLI. Each gives a message naming
//! the line and field, good rows still import, and nothing already in the store is damaged.

use outfit_studio::catalogue::{self, ParsedFeed, RowError, Slot};
use outfit_studio::encode::manifest::default_models_dir;
use outfit_studio::engine::Engine;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn parse(name: &str, bytes: &[u8]) -> ParsedFeed {
    catalogue::parse_feed(Path::new(name), bytes, Path::new("/nonexistent"))
}

fn skus(p: &ParsedFeed) -> Vec<&str> {
    p.items.iter().map(|i| i.sku.as_str()).collect()
}

fn problems(p: &ParsedFeed) -> Vec<(usize, &str)> {
    p.errors.iter().map(|e| (e.line, e.field.as_str())).collect()
}

/// The error on `line`, which must exist and name `field`.
fn error_at<'a>(p: &'a ParsedFeed, line: usize, field: &str) -> &'a RowError {
    p.errors
        .iter()
        .find(|e| e.line == line && e.field == field)
        .unwrap_or_else(|| panic!("no error on line {line} for {field}; got {:?}", p.errors))
}

/// Every message is printable on one line of a terminal log.
fn assert_readable(p: &ParsedFeed) {
    for e in p.errors.iter().chain(&p.warnings) {
        assert!(e.message.len() <= 1000, "message of {} bytes on line {}", e.message.len(), e.line);
        assert!(!e.field.is_empty());
    }
}

const HEADER: &str = "sku,title,category,price\n";

#[test]
fn truncated_files_keep_complete_rows_and_name_the_cut() {
    // Cut mid-row: the last row has too few columns.
    let p = parse("f.csv", format!("{HEADER}A1,Dress,Dresses,10\nA2,Jea").as_bytes());
    assert_eq!(skus(&p), ["A1"]);
    assert!(error_at(&p, 3, "row").message.contains("has 2 columns, the header has 4"), "{:?}", p.errors);

    // Cut inside a quoted field: the rest of the file is one field, reported on the line where it starts.
    let p = parse("f.csv", format!("{HEADER}A1,Dress,Dresses,10\nA2,\"Jeans, blue,Jeans,2\nA3,Tee,T-shirts,5\n").as_bytes());
    assert_eq!(skus(&p), ["A1"]);
    assert_eq!(problems(&p), [(3, "row")]);

    // Cut mid-record in JSON Lines.
    let p = parse("f.jsonl", b"{\"sku\":\"J1\",\"title\":\"Beanie\",\"category\":\"Beanies\"}\n{\"sku\":\"J2\",\"tit");
    assert_eq!(skus(&p), ["J1"]);
    assert!(error_at(&p, 2, "row").message.contains("invalid JSON"), "{:?}", p.errors);

    // Cut mid-XML: inside an element, and between items with the channel left open.
    let xml = "<?xml version=\"1.0\"?>\n<rss xmlns:g=\"http://base.google.com/ns/1.0\"><channel>\n\
               <item><g:id>X1</g:id><g:title>Sandals</g:title><g:product_type>Shoes</g:product_type></item>\n\
               <item><g:id>X2</g:id><g:title>Boo";
    let p = parse("f.xml", xml.as_bytes());
    assert_eq!(skus(&p), ["X1"]);
    let e = p.errors.iter().find(|e| e.line == 4).unwrap_or_else(|| panic!("the cut item on line 4 is not reported: {:?}", p.errors));
    assert!(e.message.contains("truncated") || e.message.contains("malformed"), "{e}");
    let p = parse("f.xml", xml.rsplit_once("<item><g:id>X2").unwrap().0.as_bytes());
    assert_eq!(skus(&p), ["X1"]);
    assert_readable(&p);

    // Cut inside a tag name.
    let p = parse("f.xml", &xml.as_bytes()[..xml.find("</g:title>").unwrap() + 4]);
    assert!(p.items.is_empty());
    assert!(!p.errors.is_empty() && p.errors.iter().all(|e| e.line == 3), "{:?}", p.errors);
}

#[test]
fn wrong_delimiters_are_reported_per_row_or_by_header() {
    // Header with semicolons, rows with commas: every row has one column.
    let p = parse("f.csv", b"sku;title;category\nA1,Dress,Dresses\nA2,Jeans,Jeans\n");
    assert!(p.items.is_empty());
    assert_eq!(problems(&p), [(2, "row"), (3, "row")]);
    assert!(p.errors[0].message.contains("has 1 columns, the header has 3"), "{}", p.errors[0]);

    // A .tsv that is really comma separated: one header column, so the required columns are named as missing.
    let p = parse("f.tsv", b"sku,title,category\nA1,Dress,Dresses\n");
    assert!(p.items.is_empty());
    let e = error_at(&p, 1, "header");
    assert!(e.message.contains("required column(s) missing: sku") && e.message.contains("found columns: \"sku,title,category\""), "{e}");

    // Tab separated with a .csv name, pipes and semicolons: sniffed from the header.
    for d in ['\t', '|', ';'] {
        let text = format!("sku{d}title{d}category{d}price\nA1{d}Dress{d}Dresses{d}10,50\n");
        let p = parse("f.csv", text.as_bytes());
        assert_eq!(skus(&p), ["A1"], "delimiter {d:?}: {:?}", p.errors);
        assert_eq!(p.items[0].price, Some(10.5));
    }
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let units = bom.then_some(0xFEFF).into_iter().chain(text.encode_utf16());
    for u in units {
        out.extend(if big_endian { u.to_be_bytes() } else { u.to_le_bytes() });
    }
    out
}

#[test]
fn encodings_bom_latin1_utf16() {
    let text = "sku,title,category,colour\nE1,Blå klänning,Dresses,röd\nE2,Jeans Ærø,Jeans,blå\n";
    let check = |p: &ParsedFeed, what: &str| {
        assert_eq!(skus(p), ["E1", "E2"], "{what}: {:?}", p.errors);
        assert_eq!(p.items[0].title, "Blå klänning", "{what}");
        assert_eq!(p.items[1].colour, "blå", "{what}");
        assert_eq!(p.items[0].slot, Slot::OnePiece, "{what}");
        assert!(p.errors.is_empty(), "{what}: {:?}", p.errors);
    };
    // UTF-8 with BOM: the BOM must not stick to the first header ("\u{feff}sku" would lose the sku column).
    let p = parse("f.csv", &[b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat());
    check(&p, "utf-8 bom");
    assert!(p.warnings.is_empty());
    // Latin-1 (what spreadsheets export): read as Windows-1252 with a warning saying so.
    let latin1: Vec<u8> = text.chars().map(|c| u8::try_from(c as u32).unwrap()).collect();
    let p = parse("f.csv", &latin1);
    check(&p, "latin-1");
    assert_eq!(p.warnings.len(), 1);
    assert!(p.warnings[0].field == "encoding" && p.warnings[0].message.contains("Windows-1252"), "{:?}", p.warnings);
    // UTF-16 with a BOM (Excel "Unicode text"), both byte orders, tab separated as Excel writes it.
    let tabbed = text.replace(',', "\t");
    for be in [false, true] {
        check(&parse("f.txt", &utf16(&tabbed, be, true)), if be { "utf-16be" } else { "utf-16le" });
        check(&parse("f.csv", &utf16(text, be, true)), "utf-16 csv");
    }
    // UTF-16 without a BOM is recognised by its zero bytes.
    for be in [false, true] {
        check(&parse("f.csv", &utf16(text, be, false)), if be { "utf-16be, no bom" } else { "utf-16le, no bom" });
    }
    // A UTF-16 file cut mid-character keeps its complete rows.
    let mut cut = utf16(text, false, true);
    cut.truncate(cut.len() - 3);
    let p = parse("f.csv", &cut);
    assert_eq!(skus(&p), ["E1", "E2"], "{:?}", p.errors);
}

#[test]
fn missing_columns_are_named_once() {
    for (feed, missing) in [
        ("name,price\nTee,10\nShorts,20\n", "sku (or id, Variant SKU), category"),
        ("sku,price,category\nA1,10,Dresses\n", "title (or name)"),
        ("sku,title\nA1,Dress\n", "category (or product_type"),
    ] {
        let p = parse("f.csv", feed.as_bytes());
        assert!(p.items.is_empty());
        assert_eq!(problems(&p), [(1, "header")], "{feed:?}");
        assert!(p.errors[0].message.contains(missing), "{feed:?}: {}", p.errors[0]);
    }
    // A header-only file still checks its header.
    let p = parse("f.csv", b"name,price\n");
    assert_eq!(problems(&p), [(1, "header")]);
    // JSON Lines rows without a title: per row.
    let p = parse("f.jsonl", b"{\"sku\":\"J1\",\"category\":\"Beanies\"}\n{\"sku\":\"J2\",\"title\":\"Cap\",\"category\":\"Caps\"}\n");
    assert_eq!(skus(&p), ["J2"]);
    assert_eq!(problems(&p), [(1, "title")]);
}

#[test]
fn duplicate_skus_keep_the_first_row() {
    let p = parse("f.csv", format!("{HEADER}D1,Dress,Dresses,10\nD2,Tee,T-shirts,5\nD1,Other,Jeans,3\n D1 ,Spaces,Jeans,3\n").as_bytes());
    assert_eq!(skus(&p), ["D1", "D2"]);
    assert_eq!(p.items[0].title, "Dress");
    assert_eq!(problems(&p), [(4, "sku"), (5, "sku")]);
    assert!(p.errors[0].message.contains("duplicate SKU \"D1\""), "{}", p.errors[0]);
}

#[test]
fn absurd_prices_are_rejected_with_line_and_field() {
    let bad = [
        "-5",
        "-0.01",
        "1e12",
        "1000000000000",
        "1000001",
        "NaN",
        "nan",
        "inf",
        "-inf",
        "Infinity",
        "1e400",
        "--",
        "12.5.3",
        "SEK",
        "∞",
        "0x10",
        "1,2,3,4 SEK USD",
    ];
    let mut feed = String::from(HEADER);
    for (i, p) in bad.iter().enumerate() {
        feed.push_str(&format!("P{i},Dress,Dresses,\"{p}\"\n"));
    }
    feed.push_str("OK1,Dress,Dresses,0\nOK2,Dress,Dresses,1 000 000\nOK3,Dress,Dresses,\"1.234,50 €\"\nOK4,Dress,Dresses,\n");
    let p = parse("f.csv", feed.as_bytes());
    assert_eq!(skus(&p), ["OK1", "OK2", "OK3", "OK4"], "{:?}", p.errors);
    assert_eq!(p.items.iter().map(|i| i.price).collect::<Vec<_>>(), [Some(0.0), Some(1e6), Some(1234.5), None]);
    assert_eq!(p.items[2].currency, "EUR");
    for (i, price) in bad.iter().enumerate() {
        let e = error_at(&p, i + 2, "price");
        assert!(e.message.contains("not a price") || e.message.contains("outside"), "{price}: {e}");
    }
    // The same through JSON numbers (serde_json has no NaN; huge numbers arrive as text).
    let p = parse("f.jsonl", b"{\"sku\":\"J1\",\"title\":\"T\",\"category\":\"Caps\",\"price\":1e300}\n{\"sku\":\"J2\",\"title\":\"T\",\"category\":\"Caps\",\"price\":-1}\n");
    assert!(p.items.is_empty());
    assert_eq!(problems(&p), [(1, "price"), (2, "price")]);
}

/// 10^5 rows of garbage of every kind, with one good row at the end.
fn garbage_csv(rows: usize) -> String {
    let mut s = String::from("sku,title,category,price,availability\n");
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..rows {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        match x % 6 {
            0 => s.push_str(&format!("G{i},,Dresses,1,\n")),
            1 => s.push_str(&format!("G{i},Thing,Furniture,1,\n")),
            2 => s.push_str(&format!("G{i},Dress,Dresses,lots,\n")),
            3 => s.push_str(&format!("G{i},Dress,Dresses,1,maybe\n")),
            4 => s.push_str("junk\n"),
            _ => s.push_str(&format!("G{i},Dress,Dresses,-{x}\n")),
        }
    }
    s.push_str("LAST,Good dress,Dresses,10,in stock\n");
    s
}

#[test]
fn hundred_thousand_garbage_rows_are_fast_and_numbered() {
    let rows = 100_000;
    let t = Instant::now();
    let p = parse("f.csv", garbage_csv(rows).as_bytes());
    let csv_time = t.elapsed();
    assert_eq!(skus(&p).len(), 1, "garbage imported: {:?}", &skus(&p)[..5.min(p.items.len())]);
    assert_eq!(skus(&p), ["LAST"]);
    assert_eq!(p.errors.len(), rows);
    assert!(p.errors.windows(2).all(|w| w[0].line < w[1].line), "errors sorted by line, one per row");
    assert_eq!((p.errors[0].line, p.errors[rows - 1].line), (2, rows + 1));
    assert_readable(&p);

    let mut jsonl = String::new();
    for i in 0..rows {
        jsonl.push_str(if i % 2 == 0 { "{\"sku\": \n" } else { "[1,2,3]\n" });
    }
    let t = Instant::now();
    let p = parse("f.jsonl", jsonl.as_bytes());
    let jsonl_time = t.elapsed();
    assert_eq!(p.errors.len(), rows);

    let mut xml = String::from("<rss xmlns:g=\"http://base.google.com/ns/1.0\"><channel>\n");
    for i in 0..rows {
        xml.push_str(&format!("<item><g:id>X{i}</g:id><g:title>Thing</g:title><g:product_type>Garden</g:product_type></item>\n"));
    }
    xml.push_str("</channel></rss>\n");
    let t = Instant::now();
    let p = parse("f.xml", xml.as_bytes());
    let xml_time = t.elapsed();
    assert_eq!(p.errors.len(), rows);
    assert_eq!((p.errors[0].line, p.errors[rows - 1].line), (2, rows + 1));
    // Generous bounds for a debug build on a loaded 2-core machine; quadratic behaviour takes minutes.
    for (what, d) in [("csv", csv_time), ("jsonl", jsonl_time), ("xml", xml_time)] {
        assert!(d < Duration::from_secs(10), "{what}: 10^5 garbage rows took {d:?}");
    }
}

#[test]
fn very_long_fields_are_cut_or_refused_with_short_messages() {
    let mb = "x".repeat(1 << 20);
    let feed = format!("{HEADER}L1,{mb},Dresses,10\n{mb},Dress,Dresses,10\nL3,Thing,{mb},10\nL4,Dress,Dresses,{mb}\nL5,Dress,Dresses,10\n");
    let p = parse("f.csv", feed.as_bytes());
    assert_eq!(skus(&p), ["L1", "L5"]);
    assert_eq!(p.items[0].title.chars().count(), 4000, "cut to MAX_FIELD_CHARS");
    assert!(p.warnings.iter().any(|w| w.line == 2 && w.field == "title" && w.message.contains("cut")), "{:?}", p.warnings);
    assert_eq!(problems(&p), [(3, "sku"), (4, "category"), (5, "price")]);
    assert_readable(&p);
    // One 1 MB line with no structure at all, and a 1 MB header.
    for name in ["f.csv", "f.tsv", "f.jsonl", "f.xml"] {
        let p = parse(name, mb.as_bytes());
        assert!(p.items.is_empty());
        assert!(!p.errors.is_empty(), "{name}: a 1 MB line of x is not a feed");
        assert_readable(&p);
    }
    let p = parse("f.csv", format!("{mb},title\n1,2\n").as_bytes());
    assert_eq!(problems(&p), [(1, "header")]);
    assert_readable(&p);
}

#[test]
fn empty_and_binary_files() {
    for name in ["f.csv", "f.tsv", "f.jsonl", "f.xml"] {
        for bytes in [b"".as_slice(), b"\n\n  \n", b"\xEF\xBB\xBF", b"\xFF\xFE"] {
            let p = parse(name, bytes);
            assert!(p.items.is_empty());
            let e = p.errors.first().unwrap_or_else(|| panic!("{name} {bytes:?}: an empty feed says so"));
            assert!(e.message.contains("empty"), "{name}: {e}");
        }
    }
    // Binary garbage: 1 MB of pseudo-random bytes, and a PNG named .csv.
    let mut x: u32 = 12345;
    let garbage: Vec<u8> = (0..1 << 20)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 16) as u8
        })
        .collect();
    let png = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/images/KD-000001.png")).unwrap();
    for bytes in [&garbage, &png] {
        for name in ["f.csv", "f.tsv", "f.jsonl", "f.xml", "f.bin"] {
            let t = Instant::now();
            let p = parse(name, bytes);
            assert!(p.items.is_empty(), "{name}: {:?}", skus(&p));
            assert!(!p.errors.is_empty(), "{name}: binary garbage must be reported");
            assert_readable(&p);
            assert!(t.elapsed() < Duration::from_secs(5), "{name}: {:?}", t.elapsed());
        }
    }
}

/// Writes feeds into `dir` and returns their paths.
fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn bad_feeds_never_damage_the_store() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let mut e = Engine::open(&d.join("studio.db"), &default_models_dir()).unwrap();
    let good = write(
        d,
        "good.csv",
        "sku,title,category,price,colour\nS1,Red dress,Dresses,199,red\nS2,Jeans,Jeans,299,blue\nS3,Boots,Boots,399,black\n",
    );
    let s = e.import(&good).unwrap();
    assert_eq!((s.inserted, s.errors.len()), (3, 0));
    let before = e.store().all_items().unwrap();

    // Bad feeds, some naming the stored SKUs with bad values, some with good rows of new SKUs.
    let bad: Vec<(&str, Vec<u8>)> = vec![
        ("trunc.csv", b"sku,title,category,price\nN0,Tee,T-shirts,1\nS2,Jea".to_vec()),
        ("quote.csv", b"sku,title,category,price\nS1,\"Changed,Dresses,5\nS2,x,Jeans,1\n".to_vec()),
        (
            "prices.csv",
            b"sku,title,category,price\nS1,Red dress,Dresses,NaN\nS2,Jeans,Jeans,-1\nS3,Boots,Boots,1e12\nN1,New tee,T-shirts,99\n"
                .to_vec(),
        ),
        ("cols.csv", b"name,price\nS1,0\n".to_vec()),
        ("dups.csv", b"sku,title,category\nN2,Cap,Caps\nN2,Changed cap,Caps\n".to_vec()),
        ("empty.csv", Vec::new()),
        ("garbage.csv", garbage_csv(20_000).into_bytes()),
        ("trunc.xml", b"<rss><channel><item><id>S1</id><title>Changed</title><product_type>Dresses</product_type></ite".to_vec()),
        ("bad.jsonl", b"{\"sku\":\"S2\",\"title\":\"Thing\",\"category\":\"Furniture\"}\n\x00\x01\x02\n".to_vec()),
        ("binary.csv", (0..=255u8).cycle().take(100_000).collect()),
        ("utf16.csv", utf16("sku,title,category\nN3,Blå mössa,Beanies\nS3,,Boots\n", false, true)),
    ];
    for (name, bytes) in &bad {
        let s = e.import(&write(d, name, bytes)).unwrap_or_else(|err| panic!("{name}: {err:#}"));
        assert!(!s.errors.is_empty(), "{name}: nothing reported");
        assert!(s.errors.iter().all(|e| e.line >= 1 && !e.field.is_empty()), "{name}: {:?}", s.errors);
    }
    let after = e.store().all_items().unwrap();
    for b in &before {
        let a = after.iter().find(|a| a.id == b.id).unwrap_or_else(|| panic!("{} vanished", b.item.sku));
        assert_eq!(a, b, "stored item {} was changed by a bad feed", b.item.sku);
    }
    let mut new: Vec<&str> = after.iter().filter(|a| !before.iter().any(|b| b.id == a.id)).map(|a| a.item.sku.as_str()).collect();
    new.sort();
    assert_eq!(new, ["LAST", "N0", "N1", "N2", "N3"], "good rows of bad feeds still import");
    assert_eq!(after.iter().find(|a| a.item.sku == "N2").unwrap().item.title, "Cap");
    assert_eq!(after.iter().find(|a| a.item.sku == "N3").unwrap().item.title, "Blå mössa");
    assert_eq!(e.store().integrity_check().unwrap(), "ok");
    // A feed that cannot be read at all is an error, and changes nothing.
    let err = e.import(&d.join("does-not-exist.csv")).unwrap_err().to_string();
    assert!(err.contains("cannot read feed"), "{err}");
    let err = e.import(d).unwrap_err().to_string();
    assert!(err.contains("cannot read feed"), "{err}");
    drop(e);
    let e = Engine::open(&d.join("studio.db"), &default_models_dir()).unwrap();
    assert_eq!(e.store().all_items().unwrap().len(), after.len());
    assert_eq!(e.store().integrity_check().unwrap(), "ok");
}

#[test]
fn import_feed_reads_files_and_reports_unreadable_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let p = write(tmp.path(), "f.csv", format!("{HEADER}A1,Dress,Dresses,10\n"));
    assert_eq!(skus(&catalogue::import_feed(&p).unwrap()), ["A1"]);
    let err = catalogue::import_feed(&tmp.path().join("nope.csv")).unwrap_err().to_string();
    assert!(err.contains("cannot read feed") && err.contains("nope.csv"), "{err}");
}

#[test]
fn cli_output_stays_readable_for_huge_error_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let feed = write(d, "garbage.csv", garbage_csv(100_000));
    let t = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_outfit-studio"))
        .env("OUTFIT_STUDIO_DATA", d)
        .env_remove("OUTFIT_STUDIO_DB")
        .args(["import", feed.to_str().unwrap()])
        .output()
        .unwrap();
    let elapsed = t.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(elapsed < Duration::from_secs(20), "import of 10^5 garbage rows took {elapsed:?}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.len() <= 45, "{} lines of output", lines.len());
    assert!(lines[0].contains("1 items imported") && lines[0].contains("100000 rows rejected"), "{}", lines[0]);
    assert!(lines[1].starts_with("  rejected line 2: "), "{}", lines[1]);
    assert!(lines.iter().all(|l| l.len() < 300), "long line in output");
    assert_eq!(lines.iter().filter(|l| l.starts_with("  rejected line ")).count(), 20);
    assert!(
        lines.last().unwrap().contains("more not shown") && lines.last().unwrap().contains("--all-errors"),
        "{}",
        lines.last().unwrap()
    );
}
