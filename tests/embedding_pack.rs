//! Issue 13, embedding storage: each head's embeddings are also kept as one slot-ordered pack read in one query;
//! a database from before packs is packed on its first open and ranks exactly as before; any change to the
//! per-item embeddings (or an item's slot) drops the pack, and the next open packs again.

use outfit_studio::catalogue::Slot;
use outfit_studio::engine::CompletionFilter;
use outfit_studio::store::{JudgementSource, Store};
use outfit_studio::{Engine, store::SCHEMA_VERSION};
use rusqlite::Connection;
use std::path::Path;

fn models() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models")
}

fn made_db(n: usize) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("studio.db");
    let mut e = Engine::open(&db, &models()).unwrap();
    e.make_bench_db(n, 7, &mut |_| {}).unwrap();
    (dir, db)
}

/// Completions for every empty slot of a fixed board: (slot, [(sku, fit)]).
fn completions(e: &Engine) -> Vec<(Slot, Vec<(String, f32)>)> {
    let board: Vec<i64> = ["BENCH-0000001", "BENCH-0000002"].iter().map(|s| e.item_by_sku(s).unwrap().id).collect();
    let slots = [Slot::Outerwear, Slot::Shoes, Slot::Headwear, Slot::Bag, Slot::Accessory];
    e.complete(&board, &slots, 15, &CompletionFilter { in_stock_only: true, ..Default::default() })
        .unwrap()
        .into_iter()
        .map(|(s, v)| (s, v.into_iter().map(|x| (x.sku, x.fit)).collect()))
        .collect()
}

fn pack_rows(db: &Path, model_id: i64) -> Option<usize> {
    Store::open(db).unwrap().load_embedding_pack(model_id).unwrap().map(|p| p.len())
}

#[test]
fn a_database_from_before_packs_is_packed_on_first_open_and_ranks_the_same() {
    let (_dir, db) = made_db(400);
    let e = Engine::open(&db, &models()).unwrap();
    let model = e.active_model().unwrap().id;
    let before = completions(&e);
    let vectors = e.index().vectors.clone();
    assert!(before.iter().all(|(_, v)| !v.is_empty()), "{before:?}");
    assert_eq!(pack_rows(&db, model), Some(400));
    drop(e);

    // The same file as schema version 5 wrote it: no pack table, no triggers, the per-item rows only (and none of
    // the later migrations' settings table and queue columns (7), team-mode ids and outbox (8), or publish log and
    // per-catalogue image URL template (9), shared looks and heads (10); 11 drops a column of the pack table, which 6
    // makes anew).
    let c = Connection::open(&db).unwrap();
    c.execute_batch(
        "DROP TABLE team_looks; DROP TABLE team_share_outbox; DROP TRIGGER outfits_uuid; DROP TRIGGER models_uuid;
         DROP INDEX outfits_uuid; DROP INDEX models_uuid; ALTER TABLE outfits DROP COLUMN uuid; ALTER TABLE outfits DROP COLUMN origin;
         ALTER TABLE models DROP COLUMN uuid; ALTER TABLE models DROP COLUMN origin;
         DROP TABLE published_looks; DROP TABLE published_products; DROP TABLE publishes;
         ALTER TABLE catalogues DROP COLUMN image_url_template;
         DROP TRIGGER team_judgement_id; DROP TRIGGER team_outbox_judgement; DROP TRIGGER team_outbox_undo;
         DROP TABLE team_outbox; DROP TABLE team_config; DROP INDEX judgements_uuid;
         ALTER TABLE judgements DROP COLUMN uuid; ALTER TABLE judgements DROP COLUMN origin;
         DROP TRIGGER embedding_packs_stale_on_insert; DROP TRIGGER embedding_packs_stale_on_update;
         DROP TRIGGER embedding_packs_stale_on_delete; DROP TRIGGER embedding_packs_stale_on_slot;
         DROP TABLE embedding_packs;
         DROP INDEX queue_items_source; ALTER TABLE queue_items DROP COLUMN source;
         ALTER TABLE queue_items DROP COLUMN template; ALTER TABLE queue_items DROP COLUMN params_json;
         DROP TABLE settings; PRAGMA user_version = 5;",
    )
    .unwrap();
    drop(c);

    let e = Engine::open(&db, &models()).unwrap();
    assert_eq!(Store::open(&db).unwrap().schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(pack_rows(&db, model), Some(400), "packed on the first open after the upgrade");
    assert_eq!(e.index().vectors, vectors, "the same rows in the same order");
    assert_eq!(completions(&e), before);
}

#[test]
fn changed_embeddings_or_slots_drop_the_pack_and_the_next_open_packs_again() {
    let (_dir, db) = made_db(120);
    let e = Engine::open(&db, &models()).unwrap();
    let model = e.active_model().unwrap().id;
    let before = completions(&e);
    drop(e);
    assert_eq!(pack_rows(&db, model), Some(120));

    let mut s = Store::open(&db).unwrap();
    let id = s.item_by_sku("BENCH-0000009").unwrap().unwrap().id;
    let v = s.load_embeddings(model).unwrap()[&id].clone();
    s.put_embeddings(model, &[(id, v)]).unwrap();
    assert_eq!(pack_rows(&db, model), None, "a rewritten embedding drops the pack");
    let e = Engine::open(&db, &models()).unwrap();
    assert_eq!(pack_rows(&db, model), Some(120));
    assert_eq!(completions(&e), before);
    drop(e);

    // An item moved to another slot: the pack's order is stale, so it goes; the item ranks in its new slot.
    let c = Connection::open(&db).unwrap();
    c.execute("UPDATE items SET slot = 'bag' WHERE sku = 'BENCH-0000009'", []).unwrap();
    assert_eq!(pack_rows(&db, model), None);
    drop(c);
    let e = Engine::open(&db, &models()).unwrap();
    let row = e.row_of(id).unwrap();
    assert!(e.index().slot_ranges[Slot::Bag.index()].contains(&row));
    assert_eq!(pack_rows(&db, model), Some(120));

    // Deleted items leave the pack (their rows cascade away).
    let gone = e.item_by_sku("BENCH-0000010").unwrap().id;
    drop(e);
    let c = Connection::open(&db).unwrap();
    c.execute_batch("PRAGMA foreign_keys = ON; DELETE FROM items WHERE sku = 'BENCH-0000010';").unwrap();
    drop(c);
    let e = Engine::open(&db, &models()).unwrap();
    assert_eq!(pack_rows(&db, model), Some(119));
    assert!(!e.index().item_ids.contains(&gone) && e.item(gone).is_none());
}

/// The app's workers start from the UI engine's snapshot instead of loading the catalogue again: they rank the
/// same on their own connection, and follow a reload when they adopt the reloaded engine's snapshot.
#[test]
fn an_engine_started_from_a_snapshot_ranks_the_same_and_follows_a_reload() {
    let (dir, db) = made_db(300);
    let mut a = Engine::open(&db, &models()).unwrap();
    let mut b = Engine::open_from(&db, &models(), a.snapshot()).unwrap();
    assert_eq!(b.items().len(), 300);
    assert_eq!(completions(&b), completions(&a));
    assert_eq!(b.active_model().map(|m| m.id), a.active_model().map(|m| m.id));
    // Its own connection: it writes while `a` reads.
    let skus = vec!["BENCH-0000001".to_string(), "BENCH-0000002".to_string()];
    b.judge(&skus, outfit_studio::store::Verdict::Accept, "kim", JudgementSource::Manual, &[], None).unwrap();
    assert_eq!(a.store().judgements().unwrap().len(), 1);

    // Another feed arrives through `a`; `b` sees it once it adopts `a`'s reloaded snapshot.
    let feed = dir.path().join("more.csv");
    std::fs::write(&feed, "sku,title,category,colour\nNEW-1,Red Cap,Hats,red\n").unwrap();
    a.import(&feed).unwrap();
    a.reload().unwrap();
    assert!(b.item_by_sku("NEW-1").is_none());
    b.adopt(a.snapshot());
    assert_eq!(b.item_by_sku("NEW-1").map(|i| i.item.title.as_str()), Some("Red Cap"));
    assert_eq!(completions(&b), completions(&a));
}

/// The pack is a copy of the per-item rows: a damaged one (its blobs do not match its row count) is made again.
#[test]
fn a_damaged_pack_is_made_again_from_the_rows() {
    let (_dir, db) = made_db(200);
    let e = Engine::open(&db, &models()).unwrap();
    let (model, before) = (e.active_model().unwrap().id, completions(&e));
    drop(e);
    Connection::open(&db).unwrap().execute("UPDATE embedding_packs SET rows = rows + 1", []).unwrap();
    let err = Store::open(&db).unwrap().load_embedding_pack(model).unwrap_err();
    assert!(format!("{err:#}").contains("corrupt"), "{err:#}");
    let e = Engine::open(&db, &models()).unwrap();
    assert_eq!(completions(&e), before);
    assert_eq!(pack_rows(&db, model), Some(200), "packed again");
}
