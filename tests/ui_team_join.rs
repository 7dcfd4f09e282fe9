//! Issue 21 in the app: a stylist joins a team store from the Team screen (no terminal: the password comes from
//! PGPASSFILE), the lead fills the team's review queue from there, and Leave stops sharing. A real PostgreSQL
//! server; skips with one SKIPPED line when none can start (CI installs one). Driven by role and label.

mod common;

use common::{NoDialogs, pump, settle_jobs};
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use outfit_studio::curate::{Command, Studio};
use outfit_studio::store::{JudgementSource, NewJudgement, Verdict};
use outfit_studio::team::cluster::write_pgpass;
use outfit_studio::team::server;
use outfit_studio::ui::{StudioApp, UiOptions};
use std::path::Path;

#[test]
fn a_stylist_joins_from_the_team_screen_and_the_lead_fills_the_team_queue_and_sets_its_routing() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(cluster) = common::postgres_or_skip("joining a team from the app") else { return };
    let report = server::init(&mut cluster.admin().unwrap(), &["ana".into()], &["lea".into()]).unwrap();
    let pgpass = tmp.path().join("pgpass");
    write_pgpass(&pgpass, &report.created.iter().map(|s| cluster.pgpass(&s.name, &s.password)).collect::<Vec<_>>()).unwrap();
    // SAFETY: the only test in this binary, set before any thread starts; the app reads it as a stylist's would.
    unsafe { std::env::set_var("PGPASSFILE", &pgpass) };

    let feed = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds/myntra_style.csv");
    let mut e = common::engine_with_feed(tmp.path(), &feed);
    // A judgement made before joining, shared only because the stylist ticks the box.
    let before = NewJudgement::new(vec!["90001".into(), "90002".into()], Verdict::Accept, "lea", JudgementSource::Manual);
    e.store_mut().record_judgement(&before).unwrap();
    let mut s = Studio::with_engine(e, &tmp.path().join("x.db"), &Path::new(env!("CARGO_MANIFEST_DIR")).join("models"));
    s.wait_for_job();
    s.settle();
    s.apply(Command::SetStylist("Lea".into()));
    let app = StudioApp::new(s, Box::new(NoDialogs), UiOptions { thumbnails: false, thumb_cache: None, thumb_threads: 1 });
    let mut h = common::harness_builder().with_size(egui::vec2(1400.0, 900.0)).build_ui_state(|ui, app: &mut StudioApp| app.show(ui), app);
    pump(&mut h);
    h.get_by_role_and_label(Role::Button, "Team").click();
    settle_jobs(&mut h);
    assert!(h.state().studio.team_status().is_none());

    h.get_by_role_and_label(Role::TextInput, "Team store address").focus();
    h.run();
    h.get_by_role_and_label(Role::TextInput, "Team store address").type_text(&cluster.url("lea"));
    h.run();
    h.get_by_label("Also share the judgements I made here before joining").click();
    pump(&mut h);
    h.get_by_role_and_label(Role::Button, "Join team").click();
    settle_jobs(&mut h);
    assert!(h.state().studio.last_error().is_none(), "{:?}", h.state().studio.last_error());
    let status = h.state().studio.team_status().expect("sync runs once joined");
    assert_eq!(status.stylist, "lea");
    assert_eq!(h.state().studio.stylist(), "lea", "judgements are made under the team role");
    h.get_by_label_contains("Sharing as stylist lea");
    let db = rusqlite::Connection::open(tmp.path().join("x.db")).unwrap();
    let stored: String = db.query_row("SELECT url FROM team_config", [], |r| r.get(0)).unwrap();
    let password = &report.created.iter().find(|c| c.name == "lea").unwrap().password;
    assert!(!stored.contains(password.as_str()), "no password in the database: {stored}");
    let mut admin = cluster.admin().unwrap();
    let shared = || -> i64 {
        cluster.admin().unwrap().query_one("SELECT count(*) FROM outfit_team.events WHERE stylist = 'lea'", &[]).unwrap().get(0)
    };
    let t = std::time::Instant::now();
    while shared() < 1 && t.elapsed() < std::time::Duration::from_secs(10) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(shared(), 1, "the earlier judgement was shared, once");

    // The lead fills the team queue with what the active head is least sure of.
    h.get_by_role_and_label(Role::Button, "Add 50 outfits to the team queue").click();
    settle_jobs(&mut h);
    assert!(h.state().studio.last_error().is_none(), "{:?}", h.state().studio.last_error());
    let queued: i64 = admin.query_one("SELECT count(*) FROM outfit_team.queue", &[]).unwrap().get(0);
    assert!(queued > 0, "{:?}", h.state().studio.last_message());

    // The lead sets the routing: three stylists per outfit (`team init` sets two), 15-minute leases.
    h.get_by_role_and_label(Role::SpinButton, "Stylists per outfit").set_value_accesskit(3.0);
    pump(&mut h);
    h.get_by_role_and_label(Role::Button, "Apply routing").click();
    settle_jobs(&mut h);
    assert!(h.state().studio.last_error().is_none(), "{:?}", h.state().studio.last_error());
    let routing = admin.query_one("SELECT overlap, lease_seconds FROM outfit_team.routing WHERE id = 1", &[]).unwrap();
    assert_eq!((routing.get::<_, i32>(0), routing.get::<_, i32>(1)), (3, 900), "{:?}", h.state().studio.last_message());

    h.get_by_role_and_label(Role::Button, "Leave team").click();
    settle_jobs(&mut h);
    assert!(h.state().studio.team_status().is_none());
    let left: i64 = db.query_row("SELECT count(*) FROM team_config", [], |r| r.get(0)).unwrap();
    assert_eq!(left, 0);
    h.get_by_role_and_label(Role::Button, "Join team");
}
