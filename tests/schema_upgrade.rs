//! Issue 7, schema upgrades: databases written by older schema versions open and migrate with their data intact;
//! a newer one is refused with a clear message and left byte-identical; a file that is not a database says so.

use outfit_studio::store::{SCHEMA_VERSION, Store};
use rusqlite::Connection;
use std::path::Path;
use std::process::{Command, Output};

fn cli(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_outfit-studio"))
        .env_remove("OUTFIT_STUDIO_DB")
        .env_remove("OUTFIT_STUDIO_STYLIST")
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Migration 1 exactly as shipped: the first raw string of src/store/schema.rs (shipped migrations are never edited).
fn migration_1() -> &'static str {
    let src = include_str!("../src/store/schema.rs");
    let start = src.find("r#\"").expect("a raw-string migration") + 3;
    let len = src[start..].find("\"#").unwrap();
    &src[start..start + len]
}

fn feed(dir: &Path) -> std::path::PathBuf {
    let f = dir.join("feed.csv");
    std::fs::write(&f, "sku,title,category,price\nA,Red dress,Dresses,199\nB,Sandals,Sandals,149\n").unwrap();
    f
}

#[test]
fn an_empty_file_and_a_missing_file_become_current_databases() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let missing = tmp.path().join("sub/dir/new.db");
    for db in [&empty, &missing] {
        let out = ok(&cli(db, &["import", feed(tmp.path()).to_str().unwrap()]));
        assert!(out.contains("2 items imported"), "{out}");
        let s = Store::open(db).unwrap();
        assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(s.integrity_check().unwrap(), "ok");
    }
}

#[test]
fn a_version_1_database_migrates_with_its_judgements() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("v1.db");
    // A database as the first release wrote it, in rollback-journal mode, with items, a stylist and judgements.
    let c = Connection::open(&db).unwrap();
    c.execute_batch(migration_1()).unwrap();
    c.execute_batch(
        "PRAGMA user_version = 1;
         INSERT INTO items (sku, title, category, slot, content_hash, updated_at) VALUES
           ('A', 'Red dress', 'Dresses', 'one_piece', 'h1', '2025-01-01T00:00:00Z'),
           ('B', 'Sandals', 'Sandals', 'shoes', 'h2', '2025-01-01T00:00:00Z');
         INSERT INTO stylists (name, created_at) VALUES ('ana', '2025-01-01T00:00:00Z');
         INSERT INTO judgements (outfit_key, skus_json, verdict, stylist, at, source, reasons) VALUES
           ('A+B', '[\"A\",\"B\"]', 'accept', 'ana', '2025-01-01T10:00:00.000Z', 'manual', ''),
           ('A+B', '[\"B\",\"A\"]', 'reject', 'ana', '2025-01-02T10:00:00.000Z', 'manual', 'colour_clash');",
    )
    .unwrap();
    drop(c);

    // Opened by this build through the CLI: migrated, old labels exported, new ones recorded.
    let labels = ok(&cli(&db, &["export", "labels"]));
    let rows: Vec<serde_json::Value> = labels.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 2, "{labels}");
    assert_eq!((rows[0]["verdict"].as_str(), rows[1]["reasons"][0].as_str()), (Some("accept"), Some("colour_clash")));
    assert!(ok(&cli(&db, &["judge", "accept", "A", "B", "--stylist", "ben"])).contains("recorded judgement 3"));
    let s = Store::open(&db).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(s.integrity_check().unwrap(), "ok");
    assert_eq!(s.all_judgements().unwrap().len(), 3);
    assert_eq!(s.item_count().unwrap(), 2);
}

#[test]
fn a_current_database_reopens_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("cur.db");
    ok(&cli(&db, &["import", feed(tmp.path()).to_str().unwrap()]));
    ok(&cli(&db, &["judge", "reject", "A", "B", "--stylist", "ana"]));
    for _ in 0..3 {
        let s = Store::open(&db).unwrap();
        assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(s.all_judgements().unwrap().len(), 1);
    }
}

#[test]
fn a_newer_database_is_refused_and_left_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("future.db");
    ok(&cli(&db, &["import", feed(tmp.path()).to_str().unwrap()]));
    ok(&cli(&db, &["judge", "accept", "A", "B", "--stylist", "ana"]));
    let c = Connection::open(&db).unwrap();
    c.pragma_update(None, "user_version", 99).unwrap();
    c.execute_batch("CREATE TABLE from_the_future (x); PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    drop(c);
    let before = std::fs::read(&db).unwrap();
    let listing = |d: &Path| {
        let mut v: Vec<String> = std::fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    };
    let files_before = listing(tmp.path());
    for args in [&["judge", "accept", "A", "B", "--stylist", "ana"][..], &["import", "feed.csv"], &["export", "labels"], &["models"]] {
        let out = cli(&db, args);
        assert!(!out.status.success(), "{args:?} must refuse a newer database");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("schema version 99, newer than this Outfit Studio understands")
                && err.contains("left untouched")
                && err.contains("future.db"),
            "{args:?}: {err}"
        );
        assert_eq!(std::fs::read(&db).unwrap(), before, "{args:?} changed the file");
        assert_eq!(listing(tmp.path()), files_before, "{args:?} left files behind");
    }
    let e = Store::open(&db).err().unwrap().to_string();
    assert!(e.contains(&format!("({SCHEMA_VERSION})")), "names the version this build understands: {e}");
}

#[test]
fn an_unversioned_database_with_an_older_layout_fails_clearly_and_keeps_its_data() {
    // A hypothetical pre-release layout at user_version 0: migration 1 cannot create its tables over it.
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("old.db");
    let c = Connection::open(&db).unwrap();
    c.execute_batch("CREATE TABLE items (sku TEXT PRIMARY KEY, name TEXT); INSERT INTO items VALUES ('OLD-1', 'Kept');").unwrap();
    drop(c);
    let out = cli(&db, &["models"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("schema migration 1 failed") && err.contains("items already exists"), "{err}");
    // The failed migration rolled back: the old data is still there and the version unchanged.
    let c = Connection::open(&db).unwrap();
    let name: String = c.query_row("SELECT name FROM items WHERE sku = 'OLD-1'", [], |r| r.get(0)).unwrap();
    assert_eq!(name, "Kept");
    assert_eq!(c.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0)).unwrap(), 0);
    assert_eq!(c.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)).unwrap(), "ok");
}

#[test]
fn a_file_that_is_not_a_database_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("notes.db");
    std::fs::write(&db, "these are my notes, not a database ".repeat(100)).unwrap();
    let before = std::fs::read(&db).unwrap();
    let out = cli(&db, &["models"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("notes.db") && err.contains("not a database"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), before);
}
