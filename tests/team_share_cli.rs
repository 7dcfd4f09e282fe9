//! Issue 21, "What is shared" item 2, from a terminal: `team heads`, `team activate-head` and `team catalogues` of
//! the `outfit-studio` binary against a real PostgreSQL (skipped with one SKIPPED line when none can start): the
//! head ana trained is listed in bob's terminal and activated there, her catalogue listed, and `team sync` brings
//! her approved look into bob's database.

mod common;

use outfit_studio::store::{OutfitStatus, Store};
use std::path::Path;
use std::process::Command;

fn cli(db: &Path, pgpass: &Path, args: &[&str]) -> String {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let out = Command::new(env!("CARGO_BIN_EXE_outfit-studio"))
        .arg("--db")
        .arg(db)
        .arg("--models")
        .arg(models)
        .args(args)
        .env("PGPASSFILE", pgpass)
        .env_remove("OUTFIT_STUDIO_DB")
        .output()
        .expect("binary runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "outfit-studio {args:?} failed:\n{text}");
    text
}

#[test]
fn bob_lists_and_activates_anas_head_and_sees_her_catalogue_and_look_from_the_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let Some((cluster, pgpass)) = common::team_or_skip(tmp.path(), "the team sharing CLI test", &["ana", "bob"], &[]) else { return };
    let feed = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds/myntra_style.csv");
    let (a_dir, b_dir) = (tmp.path().join("ana"), tmp.path().join("bob"));
    std::fs::create_dir_all(&a_dir).unwrap();
    std::fs::create_dir_all(&b_dir).unwrap();

    // Ana: joined, imports her feed (announced), approves a look and trains a head (a copy of the active one under
    // a new name stands in for training), then syncs.
    let mut a = common::engine_with_feed(&a_dir, &feed);
    a.store_mut().join_team(&cluster.url("ana"), "ana").unwrap();
    a.import(&feed).unwrap();
    common::approve_look(&mut a, "ana", &["90001", "90004"], "Festive");
    let (active, head) = common::share_a_trained_head(&mut a, &cluster, &pgpass, "ana", "ana-festive-head");
    let head_id = a.store().model_uuid(head).unwrap().unwrap();
    drop(a);

    // Bob, from his terminal.
    let b_db = b_dir.join("x.db");
    drop(common::engine_with_feed(&b_dir, &feed));
    Store::open(&b_db).unwrap().join_team(&cluster.url("bob"), "bob").unwrap();
    let out = cli(&b_db, &pgpass, &["team", "sync"]);
    assert!(out.contains("received"), "{out}");
    let b = Store::open(&b_db).unwrap();
    let names: Vec<String> = b.outfits(&[OutfitStatus::Approved]).unwrap().into_iter().map(|o| o.name).collect();
    assert_eq!(names, ["Festive"]);
    drop(b);
    let out = cli(&b_db, &pgpass, &["team", "heads"]);
    assert!(out.contains(&head_id) && out.contains("ana-festive-head") && out.contains("by ana") && out.contains("[not here]"), "{out}");
    assert!(out.contains("parent mango-pretrained-v3") || out.contains(&format!("parent {}", active.name)), "{out}");
    let out = cli(&b_db, &pgpass, &["team", "catalogues"]);
    assert!(out.contains("myntra_style") && out.contains("10 SKUs") && out.contains("by ana") && out.contains("[imported here]"), "{out}");
    let out = cli(&b_db, &pgpass, &["team", "activate-head", &head_id[..13]]);
    assert!(out.contains("ana-festive-head by ana is the active head here"), "{out}");
    let b = Store::open(&b_db).unwrap();
    let now_active = b.active_model().unwrap().unwrap();
    assert_eq!(now_active.name, "ana-festive-head");
    assert_eq!(b.model_uuid(now_active.id).unwrap().unwrap(), head_id);
    drop(b);
    let out = cli(&b_db, &pgpass, &["team", "heads"]);
    assert!(out.contains("[active here"), "{out}");
}
