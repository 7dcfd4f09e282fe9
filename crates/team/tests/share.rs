//! Issue 21, "What is shared" item 2, against a real PostgreSQL (skipped with one line when none can start, as the
//! judgement tests are): approved looks, their renames and their archiving arrive in the other stylists' stores
//! exactly once, a retried push changes nothing, a head published by one stylist is listed and activated by
//! another, the team's catalogues are listed, and nobody writes a look, head or catalogue under another's name.

mod common;

use common::{connect, joined, team};
use outfit_catalogue::{Item, Slot};
use outfit_store::{JudgeEffects, JudgementSource, ModelRow, NewJudgement, OutfitStatus, Store, Verdict};
use outfit_team::cluster::Cluster;
use outfit_team::share;
use std::path::Path;

fn items(store: &mut Store, skus: &[(&str, Slot)]) -> Vec<(Slot, i64)> {
    let list: Vec<Item> = skus.iter().map(|(s, slot)| Item { title: format!("Item {s}").into(), ..Item::bare(*s, *slot) }).collect();
    store.upsert_items(&list, "feed.csv").unwrap();
    skus.iter().map(|(s, slot)| (*slot, store.item_by_sku(s).unwrap().unwrap().id)).collect()
}

/// Approves a look of these items as `stylist`, as the app's accept does (judgement and look in one transaction).
fn approve(store: &mut Store, stylist: &str, look: &[(Slot, i64)], name: &str) -> i64 {
    let skus = look.iter().map(|(_, id)| store.item_by_id(*id).unwrap().unwrap().item.sku.to_string()).collect();
    let j = NewJudgement {
        skus,
        verdict: Verdict::Accept,
        stylist: stylist.into(),
        model_id: None,
        model_name: None,
        score: None,
        source: JudgementSource::Manual,
        reasons: vec![],
        outfit_id: None,
    };
    store.judge_action(&j, &JudgeEffects { look: Some(look), look_name: name, ..Default::default() }).unwrap().outfit_id.unwrap()
}

fn sync(store: &mut Store, cluster: &Cluster, pgpass: &Path, who: &str) {
    outfit_team::sync_once(store, &mut connect(cluster, pgpass, who)).unwrap();
}

fn server_count(cluster: &Cluster, sql: &str) -> i64 {
    cluster.admin().unwrap().query_one(sql, &[]).unwrap().get(0)
}

fn approved(store: &Store) -> Vec<(String, String)> {
    let looks = store.outfits(&[OutfitStatus::Approved]).unwrap();
    looks.iter().map(|o| (store.outfit_uuid(o.id).unwrap().unwrap(), o.name.clone())).collect()
}

#[test]
fn a_look_approved_and_renamed_on_a_appears_on_b_exactly_once_and_a_retry_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let Some((cluster, pgpass)) = team(&["ana", "bob"], tmp.path()) else { return };
    let (a_db, b_db) = (joined(tmp.path(), &cluster, "ana"), joined(tmp.path(), &cluster, "bob"));
    let (mut a, mut b) = (Store::open(&a_db).unwrap(), Store::open(&b_db).unwrap());
    let skus = [("T1", Slot::Top), ("B1", Slot::Bottom), ("S1", Slot::Shoes)];
    let look_a = items(&mut a, &skus);
    items(&mut b, &skus);
    // Ana imports a catalogue (announced to the team) and approves a look, then renames it.
    let cat = a.ensure_catalogue("Spring feed", "https://shop.example/feed.csv", outfit_store::CatalogueKind::Feed).unwrap();
    a.assign_catalogue(cat, &["T1".into(), "B1".into(), "S1".into()]).unwrap();
    let id = approve(&mut a, "ana", &look_a, "Picnic");
    a.update_outfit(id, "Spring picnic", &look_a).unwrap();
    let uuid = a.outfit_uuid(id).unwrap().unwrap();
    assert_eq!(&uuid[14..15], "7", "a UUID v7: {uuid}");
    assert_eq!(a.team_outbox_counts().unwrap().pending, 4, "judgement, catalogue, look, rename");
    sync(&mut a, &cluster, &pgpass, "ana");
    assert_eq!(a.team_outbox_counts().unwrap().pending, 0);
    sync(&mut b, &cluster, &pgpass, "bob");
    assert_eq!(approved(&b), [(uuid.clone(), "Spring picnic".to_string())], "the look arrives once, renamed");
    let look_b = b.outfit(b.outfit_by_uuid(&uuid).unwrap().unwrap()).unwrap().unwrap();
    assert_eq!((look_b.created_by.as_str(), look_b.items.len()), ("ana", 3));

    // A crash between the server's commit and marking the outbox: everything is pushed again, harmlessly.
    let raw = rusqlite::Connection::open(&a_db).unwrap();
    raw.execute_batch("UPDATE team_share_outbox SET pushed_at = NULL; UPDATE team_outbox SET pushed_at = NULL").unwrap();
    drop(raw);
    sync(&mut a, &cluster, &pgpass, "ana");
    assert_eq!(server_count(&cluster, "SELECT count(*) FROM outfit_team.looks"), 2, "approve and rename, once each");
    assert_eq!(server_count(&cluster, "SELECT count(*) FROM outfit_team.catalogues"), 1);
    sync(&mut b, &cluster, &pgpass, "bob");
    sync(&mut b, &cluster, &pgpass, "bob");
    assert_eq!(approved(&b), [(uuid.clone(), "Spring picnic".to_string())], "still exactly once");
    assert_eq!(approved(&a), [(uuid.clone(), "Spring picnic".to_string())], "ana's own echo changes nothing");

    // Bob renames the team's look: it is renamed on ana's side too, and the rename is his.
    b.update_outfit(look_b.id, "Park day", &look_b.items).unwrap();
    sync(&mut b, &cluster, &pgpass, "bob");
    sync(&mut a, &cluster, &pgpass, "ana");
    assert_eq!(approved(&a), [(uuid.clone(), "Park day".to_string())]);
    assert_eq!(server_count(&cluster, "SELECT count(*) FROM outfit_team.looks WHERE kind = 'rename' AND stylist = 'bob'"), 1);

    // A look of SKUs bob has not imported waits, and appears once his catalogue has them.
    let more = items(&mut a, &[("T9", Slot::Top), ("B9", Slot::Bottom)]);
    let later = approve(&mut a, "ana", &more, "Later");
    let waiting = a.outfit_uuid(later).unwrap().unwrap();
    sync(&mut a, &cluster, &pgpass, "ana");
    sync(&mut b, &cluster, &pgpass, "bob");
    assert_eq!(b.outfit_by_uuid(&waiting).unwrap(), None);
    assert!(b.team_looks().unwrap().iter().any(|l| l.uuid == waiting && l.outfit_id.is_none()));
    items(&mut b, &[("T9", Slot::Top), ("B9", Slot::Bottom)]);
    assert_eq!(b.materialise_team_looks().unwrap(), 1);
    assert_eq!(approved(&b).len(), 2);

    // Ana undoes the accept behind that look: it leaves bob's approved looks too.
    let accept = a.judgements().unwrap().into_iter().find(|j| j.outfit_id == Some(later)).unwrap();
    a.undo_action(accept.id, &Default::default()).unwrap();
    sync(&mut a, &cluster, &pgpass, "ana");
    sync(&mut b, &cluster, &pgpass, "bob");
    assert_eq!(approved(&b), [(uuid.clone(), "Park day".to_string())]);

    // The team's catalogues, as any stylist lists them.
    let cats = share::catalogues(&mut connect(&cluster, &pgpass, "bob")).unwrap();
    assert_eq!(cats.len(), 1);
    assert_eq!(
        (cats[0].name.as_str(), cats[0].source.as_str(), cats[0].stylist.as_str()),
        ("Spring feed", "https://shop.example/feed.csv", "ana")
    );
    assert_eq!(cats[0].skus, ["B1", "S1", "T1"]);
}

fn head(name: &str, parent: Option<i64>, sha: &str) -> ModelRow {
    ModelRow {
        id: 0,
        name: name.into(),
        kind: "head".into(),
        parent_id: parent,
        encoder_key: "enc-1".into(),
        sha256: sha.into(),
        weights: vec![1, 2, 3, 4, 5],
        trained_on: "ana's 300 judgements".into(),
        params_json: r#"{"epochs":3}"#.into(),
        metrics_json: r#"{"auc":0.81}"#.into(),
        created_at: String::new(),
        active: false,
    }
}

#[test]
fn a_head_published_by_a_is_listed_and_activatable_on_b() {
    let tmp = tempfile::tempdir().unwrap();
    let Some((cluster, pgpass)) = team(&["ana", "bob"], tmp.path()) else { return };
    let (a_db, b_db) = (joined(tmp.path(), &cluster, "ana"), joined(tmp.path(), &cluster, "bob"));
    let (mut a, mut b) = (Store::open(&a_db).unwrap(), Store::open(&b_db).unwrap());
    // Both apps installed the same shipped head (each under its own id); a shipped head is not published.
    let shipped = head("shipped-v1", None, "sha-shipped");
    a.insert_model_if_absent(&shipped).unwrap();
    b.insert_model_if_absent(&shipped).unwrap();
    let parent_a = a.model_by_name("shipped-v1").unwrap().unwrap().id;
    let trained = a.insert_model(&head("finetuned-1", Some(parent_a), "sha-trained")).unwrap();
    let trained_uuid = a.model_uuid(trained).unwrap().unwrap();
    sync(&mut a, &cluster, &pgpass, "ana");
    sync(&mut a, &cluster, &pgpass, "ana");

    let mut bob = connect(&cluster, &pgpass, "bob");
    let heads = share::heads(&mut bob).unwrap();
    assert_eq!(heads.len(), 1, "{heads:?}");
    let h = &heads[0];
    assert_eq!((h.id.as_str(), h.name.as_str(), h.stylist.as_str(), h.bytes), (trained_uuid.as_str(), "finetuned-1", "ana", 5));
    assert_eq!((h.parent_name.as_deref(), h.metrics_json.as_str()), (Some("shipped-v1"), r#"{"auc": 0.81}"#));
    // Activated on bob's side by a prefix of its id: installed once, with its parent found by digest.
    let (shared, by) = share::fetch_head(&mut bob, &trained_uuid[..13]).unwrap().unwrap();
    let id = b.install_team_head(&shared, &by).unwrap();
    assert_eq!(b.install_team_head(&shared, &by).unwrap(), id, "installing again finds it");
    b.set_active_model(id).unwrap();
    let active = b.active_model().unwrap().unwrap();
    assert_eq!(
        (active.name.as_str(), active.weights.as_slice(), active.metrics_json.as_str()),
        ("finetuned-1", &[1u8, 2, 3, 4, 5][..], r#"{"auc": 0.81}"#)
    );
    assert_eq!(active.parent_id, Some(b.model_by_name("shipped-v1").unwrap().unwrap().id));
    assert_eq!(b.model_uuid(id).unwrap().unwrap(), trained_uuid);
    assert_eq!(b.team_outbox_counts().unwrap().pending, 0, "a head from the team is not published back");
    assert!(share::fetch_head(&mut bob, "ffffffff").unwrap().is_none());
    assert!(share::fetch_head(&mut bob, "%").unwrap().is_none(), "a wildcard is no id");
}

#[test]
fn a_stylist_cannot_write_a_look_head_or_catalogue_under_another_name() {
    let tmp = tempfile::tempdir().unwrap();
    let Some((cluster, pgpass)) = team(&["ana", "bob"], tmp.path()) else { return };
    let b_db = joined(tmp.path(), &cluster, "bob");
    let mut b = Store::open(&b_db).unwrap();
    let look = items(&mut b, &[("T1", Slot::Top), ("B1", Slot::Bottom)]);
    approve(&mut b, "bob", &look, "Bob's");
    b.insert_model(&head("bob-head", None, "sha-bob")).unwrap();
    sync(&mut b, &cluster, &pgpass, "bob");
    let snapshot = |c: &Cluster| -> Vec<String> {
        let mut admin = c.admin().unwrap();
        ["looks", "heads", "catalogues"]
            .iter()
            .flat_map(|t| {
                admin
                    .query(&format!("SELECT row_to_json(x)::text FROM outfit_team.{t} x ORDER BY 1"), &[])
                    .unwrap()
                    .into_iter()
                    .map(|r| r.get::<_, String>(0))
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let before = snapshot(&cluster);
    assert_eq!(before.len(), 2);
    let bob_event: String = cluster.admin().unwrap().query_one("SELECT id::text FROM outfit_team.looks", &[]).unwrap().get(0);

    let mut ana = connect(&cluster, &pgpass, "ana");
    let refused = |r: Result<u64, postgres::Error>| {
        let e = r.expect_err("the server must refuse");
        e.as_db_error().map(|d| d.message().to_string()).unwrap_or_else(|| e.to_string())
    };
    let m = refused(
        ana.execute("SELECT outfit_team.push_look(gen_random_uuid(), 'approve', gen_random_uuid(), 'bob', 'x', 'n', '[\"A\",\"B\"]')", &[]),
    );
    assert!(m.contains("cannot share a look under the name bob"), "{m}");
    let m = refused(ana.execute(
        "SELECT outfit_team.push_head(gen_random_uuid(), 'bob', 'x', 'n', NULL, NULL, NULL, 'e', 's', '\\x00', 't', '{}', '{}')",
        &[],
    ));
    assert!(m.contains("cannot publish a head under the name bob"), "{m}");
    let m = refused(ana.execute("SELECT outfit_team.push_catalogue(gen_random_uuid(), 'bob', 'x', 'n', 's', '[]')", &[]));
    assert!(m.contains("cannot announce a catalogue under the name bob"), "{m}");
    // Straight into the tables, or altering bob's rows.
    for sql in [
        "INSERT INTO outfit_team.looks (id, kind, look, stylist, at, name, skus) VALUES (gen_random_uuid(), 'approve', gen_random_uuid(), 'bob', 'x', 'n', '[]')",
        "UPDATE outfit_team.looks SET name = 'mine' WHERE stylist = 'bob'",
        "DELETE FROM outfit_team.heads WHERE stylist = 'bob'",
        "UPDATE outfit_team.heads SET weights = '\\x00'",
        "INSERT INTO outfit_team.catalogues (id, stylist, at, name, source, skus) VALUES (gen_random_uuid(), 'bob', 'x', 'n', 's', '[]')",
    ] {
        let m = refused(ana.execute(sql, &[]));
        assert!(m.contains("permission denied"), "{sql}: {m}");
    }
    // Taking over bob's event id under her own name.
    let m = refused(
        ana.execute("SELECT outfit_team.push_look($1::text::uuid, 'rename', gen_random_uuid(), 'ana', 'x', 'mine', '[]')", &[&bob_event]),
    );
    assert!(m.contains("belongs to bob"), "{m}");
    assert_eq!(snapshot(&cluster), before, "bob's look and head are untouched and nothing was added");
}

#[test]
fn a_team_store_set_up_before_sharing_keeps_syncing_judgements_and_shares_once_init_runs_again() {
    let tmp = tempfile::tempdir().unwrap();
    let Some((cluster, pgpass)) = team(&["ana"], tmp.path()) else { return };
    // The team store as `team init` made it before looks, heads and catalogues were shared.
    cluster
        .admin()
        .unwrap()
        .batch_execute(
            "DROP TABLE outfit_team.looks, outfit_team.heads, outfit_team.catalogues;
             DROP FUNCTION outfit_team.push_look(uuid, text, uuid, text, text, text, jsonb);
             DROP FUNCTION outfit_team.push_head(uuid, text, text, text, uuid, text, text, text, text, bytea, text, jsonb, jsonb);
             DROP FUNCTION outfit_team.push_catalogue(uuid, text, text, text, text, jsonb);",
        )
        .unwrap();
    let mut a = Store::open(&joined(tmp.path(), &cluster, "ana")).unwrap();
    let look = items(&mut a, &[("T1", Slot::Top), ("B1", Slot::Bottom)]);
    approve(&mut a, "ana", &look, "Early");
    sync(&mut a, &cluster, &pgpass, "ana");
    assert_eq!(server_count(&cluster, "SELECT count(*) FROM outfit_team.events"), 1, "the judgement is shared as before");
    let c = a.team_outbox_counts().unwrap();
    assert_eq!((c.pending, c.refused), (1, 0), "the look waits, it is not refused");
    // The lead runs `team init` again: the look goes.
    let report = outfit_team::server::init(&mut cluster.admin().unwrap(), &["ana".into()], &[]).unwrap();
    assert_eq!(report.existing, ["ana"]);
    sync(&mut a, &cluster, &pgpass, "ana");
    assert_eq!(server_count(&cluster, "SELECT count(*) FROM outfit_team.looks"), 1);
    assert_eq!(a.team_outbox_counts().unwrap().pending, 0);
}
