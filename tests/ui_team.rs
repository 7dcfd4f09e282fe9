//! Issue 21 in the app: the lead's view on the Team screen lists the outfits the stylists split on, and settling one
//! is a judgement of its own (source "settled", the lead's name) after which the list and agreement are
//! recomputed. Driven with egui_kittest by role and label.

mod common;

use common::{NoDialogs, pump, settle_jobs};
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use outfit_studio::curate::{Command, Studio};
use outfit_studio::store::{JudgementSource, NewJudgement, Verdict};
use outfit_studio::ui::{StudioApp, UiOptions};
use std::path::Path;

fn judged(dir: &Path) -> Vec<(String, String, String)> {
    let c = rusqlite::Connection::open(dir.join("x.db")).unwrap();
    let mut st = c.prepare("SELECT stylist, verdict, source FROM judgements WHERE undone_at IS NULL ORDER BY id").unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(|r| r.unwrap()).collect()
}

#[test]
fn the_lead_settles_a_disagreement_on_the_team_screen() {
    let dir = tempfile::tempdir().unwrap();
    let feed = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds/myntra_style.csv");
    let mut e = common::engine_with_feed(dir.path(), &feed);
    // Bob and cy split on one outfit and agree on another (as their judgements arrive from the team).
    for (who, skus, v) in [
        ("bob", ["90001", "90002"], Verdict::Accept),
        ("cy", ["90001", "90002"], Verdict::Reject),
        ("bob", ["90009", "90002"], Verdict::Accept),
        ("cy", ["90009", "90002"], Verdict::Accept),
    ] {
        let j = NewJudgement::new(skus.iter().map(|s| s.to_string()).collect(), v, who, JudgementSource::Queue);
        e.store_mut().record_judgement(&j).unwrap();
    }
    let mut s = Studio::with_engine(e, &dir.path().join("x.db"), &Path::new(env!("CARGO_MANIFEST_DIR")).join("models"));
    s.wait_for_job();
    s.settle();
    s.apply(Command::SetStylist("Lea".into()));
    let app = StudioApp::new(s, Box::new(NoDialogs), UiOptions { thumbnails: false, thumb_cache: None, thumb_threads: 1 });
    let mut h = common::harness_builder().with_size(egui::vec2(1400.0, 900.0)).build_ui_state(|ui, app: &mut StudioApp| app.show(ui), app);
    pump(&mut h);
    let approved_before = h.state().studio.approved().len();

    h.get_by_role_and_label(Role::Button, "Team").click();
    settle_jobs(&mut h);
    h.get_by_label("Disagreements to settle");
    h.get_by_label_contains("1 outfits the stylists split on");
    assert!(h.query_by_label("Accept 90009 + 90002").is_none(), "an outfit both accepted is no disagreement");
    h.get_by_role_and_label(Role::Button, "Accept 90001 + 90002").click();
    settle_jobs(&mut h);

    let rows = judged(dir.path());
    assert_eq!(rows.last().unwrap(), &("Lea".to_string(), "accept".to_string(), "settled".to_string()), "{rows:?}");
    assert_eq!(rows.len(), 5);
    assert!(h.state().studio.last_error().is_none(), "{:?}", h.state().studio.last_error());
    h.get_by_label_contains("None: every outfit judged by several stylists");
    assert!(h.query_by_label("Accept 90001 + 90002").is_none());
    assert_eq!(h.state().studio.approved().len(), approved_before, "a settlement is a label, not a look for the webshop");
    // Agreement was recomputed without the settlement: bob and cy only.
    let pairs = h.state().studio.agreement().unwrap();
    assert_eq!(pairs.iter().map(|p| (p.a.as_str(), p.b.as_str(), p.n)).collect::<Vec<_>>(), [("bob", "cy", 2)]);
}
