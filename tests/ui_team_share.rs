//! Issue 21 in the app, "What is shared" item 2: a look ana approves and renames arrives in bob's app through its
//! sync worker (once), and on bob's Team screen the head ana published is listed and activated with one click
//! (installed, made active, the catalogue re-embedded for it), its catalogue listed beside it. A real PostgreSQL
//! server; skips with one SKIPPED line when none can start (CI installs one). Driven with egui_kittest.

mod common;

use common::{NoDialogs, pump, settle_jobs};
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use outfit_studio::curate::{Command, Studio};
use outfit_studio::ui::{StudioApp, UiOptions};
use std::path::Path;
use std::time::{Duration, Instant};

#[test]
fn a_look_and_a_head_from_ana_reach_bobs_app_and_bob_activates_the_head_on_the_team_screen() {
    let tmp = tempfile::tempdir().unwrap();
    let Some((cluster, pgpass)) = common::team_or_skip(tmp.path(), "the team sharing test", &["ana", "bob"], &[]) else { return };
    // SAFETY: the only test in this binary, and no thread has started yet; bob's sync worker reads it later, as a
    // stylist's app reads PGPASSFILE.
    unsafe { std::env::set_var("PGPASSFILE", &pgpass) };
    let feed = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds/myntra_style.csv");

    // Ana, in her own app's database: joins, approves a look and renames it, trains a head (a copy of the
    // active one under a new name stands in for training), and syncs.
    let (a_dir, b_dir) = (tmp.path().join("ana"), tmp.path().join("bob"));
    std::fs::create_dir_all(&a_dir).unwrap();
    std::fs::create_dir_all(&b_dir).unwrap();
    let mut a = common::engine_with_feed(&a_dir, &feed);
    a.store_mut().join_team(&cluster.url("ana"), "ana").unwrap();
    a.import(&feed).unwrap(); // an import while joined announces the catalogue
    let outfit = common::approve_look(&mut a, "ana", &["90001", "90002"], "Weekend");
    a.rename_look(outfit, "Weekend in the park").unwrap();
    common::share_a_trained_head(&mut a, &cluster, &pgpass, "ana", "ana-finetuned");
    assert_eq!(a.store().team_outbox_counts().unwrap().pending, 0);
    drop(a);

    // Bob's app: joined, his sync worker pulls ana's look by itself.
    let mut b = common::engine_with_feed(&b_dir, &feed);
    b.store_mut().join_team(&cluster.url("bob"), "bob").unwrap();
    let mut s = Studio::with_engine(b, &b_dir.join("x.db"), &Path::new(env!("CARGO_MANIFEST_DIR")).join("models"));
    s.wait_for_job();
    s.settle();
    s.apply(Command::SetStylist("bob".into()));
    let app = StudioApp::new(s, Box::new(NoDialogs), UiOptions { thumbnails: false, thumb_cache: None, thumb_threads: 1 });
    let mut h = common::harness_builder().with_size(egui::vec2(1400.0, 900.0)).build_ui_state(|ui, app: &mut StudioApp| app.show(ui), app);
    let t = Instant::now();
    while !h.state().studio.approved().iter().any(|o| o.name == "Weekend in the park") {
        assert!(t.elapsed() < Duration::from_secs(20), "ana's look did not reach bob's app");
        std::thread::sleep(Duration::from_millis(50));
        h.state_mut().studio.poll();
        pump(&mut h);
    }
    let names: Vec<&str> = h.state().studio.approved().iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["Weekend in the park"], "once, under its new name");

    // The Team screen reads the team's heads and catalogues; bob activates ana's head.
    h.get_by_role_and_label(Role::Button, "Team").click();
    settle_jobs(&mut h);
    h.get_by_label("Team heads and catalogues");
    h.get_by_label_contains("imported here");
    h.get_by_role_and_label(Role::Button, "Activate ana-finetuned").click();
    settle_jobs(&mut h);
    assert!(h.state().studio.last_error().is_none(), "{:?}", h.state().studio.last_error());
    let studio = &h.state().studio;
    let shared = studio.team_shared().expect("read again after activating");
    assert_eq!(shared.heads.len(), 1);
    assert_eq!(shared.active.as_deref(), Some(shared.heads[0].0.id.as_str()), "ana's head is active in bob's app");
    assert!(h.query_by_label("active here").is_some());
}
