//! Issue 7, schema upgrades: databases written by older schema versions open and migrate with their data intact;
//! a newer one is refused with a clear message and left byte-identical; a file that is not a database says so.

use outfit_studio::store::queue::QueueStatus;
use outfit_studio::store::{JudgementSource, SCHEMA_VERSION, Store, StoreError, Verdict, outfit_key};
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

/// Migration `n` (1-based) exactly as shipped: the n-th raw string of crates/store/src/schema.rs (shipped migrations are
/// never edited).
fn shipped_migration(n: usize) -> &'static str {
    let src = include_str!("../crates/store/src/schema.rs");
    let mut start = 0;
    for _ in 0..n {
        start += src[start..].find("r#\"").expect("a raw-string migration") + 3;
    }
    let len = src[start..].find("\"#").unwrap();
    &src[start..start + len]
}

fn migration_1() -> &'static str {
    shipped_migration(1)
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

/// A database as the review-queue release (migrations 1 and 2) wrote it: SKUs that the old '+'-joined outfit key
/// could not tell apart, reasons with commas, live and undone judgements, queue rows of every status.
fn version_2_database(db: &Path) {
    let c = Connection::open(db).unwrap();
    c.execute_batch(shipped_migration(1)).unwrap();
    c.execute_batch(shipped_migration(2)).unwrap();
    c.execute_batch(
        r#"PRAGMA user_version = 2;
         INSERT INTO items (sku, title, category, slot, content_hash, updated_at) VALUES
           ('A+B', 'Striped tee', 'T-shirts', 'top', 'h1', '2025-01-01T00:00:00Z'),
           ('C', 'Shorts', 'Shorts', 'bottom', 'h2', '2025-01-01T00:00:00Z'),
           ('A', 'Plain tee', 'T-shirts', 'top', 'h3', '2025-01-01T00:00:00Z'),
           ('B+C', 'Denim shorts', 'Shorts', 'bottom', 'h4', '2025-01-01T00:00:00Z'),
           ('Ö "q"', 'Sandals', 'Sandals', 'shoes', 'h5', '2025-01-01T00:00:00Z');
         INSERT INTO stylists (name, created_at) VALUES ('ana', '2025-01-01T00:00:00Z'), ('ben', '2025-01-01T00:00:00Z');
         INSERT INTO judgements (outfit_key, skus_json, verdict, stylist, at, model_name, score, source, reasons, undone_at) VALUES
           ('A+B+C', '["A+B","C"]', 'accept', 'ana', '2025-01-01T10:00:00.000Z', 'zero-shot-v1', 0.61, 'manual', '', NULL),
           ('A+B+C', '["B+C","A"]', 'reject', 'ana', '2025-01-01T11:00:00.000Z', NULL, NULL, 'queue', 'colour_clash,season', NULL),
           ('A+B+C', '["C","A+B"]', 'reject', 'ben', '2025-01-02T10:00:00.000Z', NULL, 0.2, 'suggested', 'too warm, really,,formality,', NULL),
           ('A+Ö "q"', '["Ö \"q\"","A"]', 'skip', 'ben', '2025-01-02T11:00:00.000Z', NULL, NULL, 'manual', ',', '2025-01-02T12:00:00.000Z');
         INSERT INTO queue_items (stylist, position, skus_json, outfit_key, score, seed_sku, status, verdict, judgement_id, created_at, decided_at) VALUES
           ('ana', 0, '["A+B","C"]', 'A+B+C', 0.5, 'A+B', 'done', 'accept', 1, '2025-01-01T09:00:00.000Z', '2025-01-01T10:00:00.000Z'),
           ('ana', 1, '["B+C","A"]', 'A+B+C', 0.52, 'A', 'done', 'reject', 2, '2025-01-01T09:00:00.000Z', '2025-01-01T11:00:00.000Z'),
           ('ana', 2, '["A","C","Ö \"q\""]', 'A+C+Ö "q"', 0.48, 'C', 'pending', NULL, NULL, '2025-01-01T09:00:00.000Z', NULL),
           ('ben', 0, '["A","B+C"]', 'A+B+C', 0.47, 'A', 'skipped', NULL, NULL, '2025-01-01T09:00:00.000Z', '2025-01-02T09:00:00.000Z');"#,
    )
    .unwrap();
}

#[test]
fn a_version_2_database_with_odd_skus_keeps_every_label() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("v2.db");
    version_2_database(&db);
    // Another stylist's file is read without being migrated (merge-labels): in its old format.
    let before = std::fs::read(&db).unwrap();
    let read_old = Store::read_judgements_of(&db).unwrap();
    assert_eq!(std::fs::read(&db).unwrap(), before, "reading another database must not change it");

    let s = Store::open(&db).unwrap();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(s.integrity_check().unwrap(), "ok");
    let js = s.all_judgements().unwrap();
    /// (id, skus, verdict, stylist, at, reasons, score, source, undone)
    type Label<'a> = (i64, Vec<&'a str>, Verdict, &'a str, &'a str, Vec<&'a str>, Option<f64>, JudgementSource, bool);
    let got: Vec<Label> = js
        .iter()
        .map(|j| {
            (
                j.id,
                j.skus.iter().map(String::as_str).collect(),
                j.verdict,
                j.stylist.as_str(),
                j.at.as_str(),
                j.reasons.iter().map(String::as_str).collect(),
                j.score,
                j.source.clone(),
                j.undone_at.is_some(),
            )
        })
        .collect();
    use Verdict::*;
    assert_eq!(
        got,
        vec![
            (1, vec!["A+B", "C"], Accept, "ana", "2025-01-01T10:00:00.000Z", vec![], Some(0.61), JudgementSource::Manual, false),
            (
                2,
                vec!["B+C", "A"],
                Reject,
                "ana",
                "2025-01-01T11:00:00.000Z",
                vec!["colour_clash", "season"],
                None,
                JudgementSource::Queue,
                false
            ),
            // Reasons split exactly as the old reader split them (it could not keep a comma inside a reason).
            (
                3,
                vec!["C", "A+B"],
                Reject,
                "ben",
                "2025-01-02T10:00:00.000Z",
                vec!["too warm", " really", "formality"],
                Some(0.2),
                JudgementSource::Suggested,
                false
            ),
            (4, vec!["Ö \"q\"", "A"], Skip, "ben", "2025-01-02T11:00:00.000Z", vec![], None, JudgementSource::Manual, true),
        ]
    );
    // Every key is the one this build computes, and the outfits the old key merged are now apart.
    for j in &js {
        assert_eq!(j.outfit_key, outfit_key(&j.skus), "judgement {}", j.id);
    }
    assert_eq!(js[0].outfit_key, js[2].outfit_key, "the same outfit in another order");
    assert_ne!(js[0].outfit_key, js[1].outfit_key, "(A+B, C) and (A, B+C) are different outfits");
    assert_eq!(s.judged_keys("ana").unwrap().len(), 2);
    // The unmigrated read of the old file gives the same labels as the migrated database, which adds only their
    // global ids (UUID v7, migration 8).
    assert!(js.iter().all(|j| j.uuid.len() == 36), "{js:?}");
    let without_ids: Vec<_> = js
        .iter()
        .cloned()
        .map(|mut j| {
            j.uuid.clear();
            j
        })
        .collect();
    assert_eq!(read_old, without_ids);

    let q = s.queue_items("ana").unwrap();
    assert_eq!(
        q.iter().map(|e| (e.position, e.skus.clone(), e.status, e.verdict, e.judgement_id)).collect::<Vec<_>>(),
        vec![
            (0, vec!["A+B".to_string(), "C".into()], QueueStatus::Done, Some(Accept), Some(1)),
            (1, vec!["B+C".to_string(), "A".into()], QueueStatus::Done, Some(Reject), Some(2)),
            (2, vec!["A".to_string(), "C".into(), "Ö \"q\"".into()], QueueStatus::Pending, None, None),
        ]
    );
    for e in q.iter().chain(&s.queue_items("ben").unwrap()) {
        assert_eq!(e.outfit_key, outfit_key(&e.skus), "queue entry {}", e.id);
    }
    assert_eq!(s.queue_items("ben").unwrap()[0].status, QueueStatus::Skipped);
    drop(s);

    // The migrated database keeps working through the CLI: labels export with their reasons, new judgements record.
    let labels = ok(&cli(&db, &["export", "labels", "--include-undone"]));
    let rows: Vec<serde_json::Value> = labels.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 4, "{labels}");
    assert_eq!(rows[2]["reasons"], serde_json::json!(["too warm", " really", "formality"]));
    assert!(ok(&cli(&db, &["judge", "reject", "A", "B+C", "--stylist", "ana", "--reason", "a, b"])).contains("recorded judgement 5"));
    let s = Store::open(&db).unwrap();
    let j5 = s.judgement(5).unwrap().unwrap();
    assert_eq!((j5.reasons, j5.outfit_key), (vec!["a, b".to_string()], js[1].outfit_key.clone()), "a comma inside a reason is kept now");
}

#[test]
fn a_corrupt_row_is_reported_with_its_id_not_read_as_another_label() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("v2.db");
    version_2_database(&db);
    drop(Store::open(&db).unwrap());
    let c = Connection::open(&db).unwrap();
    c.execute_batch(
        "UPDATE queue_items SET verdict = 'maybe' WHERE id = 2;
         UPDATE judgements SET skus_json = 'A,B' WHERE id = 3;
         UPDATE items SET slot = 'cape' WHERE id = 4;",
    )
    .unwrap();
    drop(c);
    let s = Store::open(&db).unwrap();
    let corrupt = |e: StoreError| match e {
        StoreError::Corrupt { table, id, detail } => (table, id, detail),
        other => panic!("not reported as a corrupt row: {other}"),
    };
    let (t, id, detail) = corrupt(s.queue_items("ana").unwrap_err());
    assert_eq!((t, id), ("queue_items", 2));
    assert!(detail.contains("unknown verdict \"maybe\""), "{detail}");
    let (t, id, detail) = corrupt(s.all_judgements().unwrap_err());
    assert_eq!((t, id), ("judgements", 3));
    assert!(detail.contains("not a JSON array"), "{detail}");
    let err = s.all_items().unwrap_err();
    assert!(format!("{err:#}").contains("corrupt row 4 in table items: unknown slot \"cape\""), "{err:#}");
    // The rows that are fine still read one by one.
    assert_eq!(s.judgement(1).unwrap().unwrap().verdict, Verdict::Accept);
}

/// Issue 21: judgements of a database from before team mode get global ids (UUID v7) whose time is each judgement's
/// own, all distinct; an older file read as another stylist's (merge-labels) has none and still reads.
#[test]
fn a_version_7_database_gets_a_uuid_v7_per_judgement_from_its_own_time() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("v7.db");
    let c = Connection::open(&db).unwrap();
    for n in 1..=7 {
        c.execute_batch(shipped_migration(n)).unwrap();
    }
    c.execute_batch("PRAGMA user_version = 7;").unwrap();
    let mut at = Vec::new();
    for i in 0..50 {
        let t = format!("2025-03-{:02}T10:{:02}:00.{:03}Z", 1 + i % 28, i, i * 7);
        c.execute(
            "INSERT INTO judgements (outfit_key, skus_json, verdict, stylist, at, source, reasons) VALUES ('1:A 1:B', '[\"A\",\"B\"]', 'accept', 'ana', ?1, 'manual', '[]')",
            [&t],
        )
        .unwrap();
        at.push(t);
    }
    drop(c);
    let older = Store::read_judgements_of(&db).unwrap();
    assert!(older.iter().all(|j| j.uuid.is_empty()), "a version-7 file read as it is has no ids");

    let s = Store::open(&db).unwrap();
    let js = s.all_judgements().unwrap();
    assert_eq!(js.len(), 50);
    let ids: std::collections::HashSet<&str> = js.iter().map(|j| j.uuid.as_str()).collect();
    assert_eq!(ids.len(), 50, "every judgement has its own id");
    for (j, t) in js.iter().zip(&at) {
        let u = &j.uuid;
        assert_eq!((u.len(), &u[14..15]), (36, "7"), "{u} is a UUID v7");
        assert!("89ab".contains(&u[19..20]), "{u} has the RFC 4122 variant");
        let ms = i64::from_str_radix(&u.replace('-', "")[..12], 16).unwrap();
        let want = chrono::DateTime::parse_from_rfc3339(t).unwrap().timestamp_millis();
        assert_eq!(ms, want, "{u}'s time is the judgement's own ({t})");
    }
    // Nothing is queued for a team this database never joined.
    assert_eq!(s.team_outbox_counts().unwrap().pending, 0);
}
