//! Issue 11 in the app: Import… opens the preview dialog (detected profile, coverage, Import button), and the
//! catalogue list in the left panel hides a catalogue and deletes one after confirmation. Driven with
//! egui_kittest by role and label.

mod common;

use common::pump;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use outfit_studio::curate::{Command, Studio};
use outfit_studio::encode::manifest::default_models_dir;
use outfit_studio::engine::Engine;
use outfit_studio::ui::{Dialogs, StudioApp, UiOptions};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds").join(name)
}

/// Import… picks the H&M-style fixture.
struct PickFeed(PathBuf);
impl Dialogs for PickFeed {
    fn pick_feeds(&self) -> Option<Vec<PathBuf>> {
        Some(vec![self.0.clone()])
    }
}

fn harness(dir: &Path) -> Harness<'static, StudioApp> {
    let db = dir.join("s.db");
    let mut e = Engine::open(&db, &default_models_dir()).unwrap();
    e.import(&fixture("myntra_style.csv")).unwrap();
    e.import(&fixture("merchant.tsv")).unwrap();
    let mut s = Studio::with_engine(e, &db, &default_models_dir());
    // The app indexes the freshly imported catalogue as it opens (Import… waits for that job).
    s.wait_for_job();
    s.settle();
    s.apply(Command::SetStylist("Ana".into()));
    let app = StudioApp::new(
        s,
        Box::new(PickFeed(fixture("hm_style.csv"))),
        UiOptions { thumbnails: false, thumb_cache: None, thumb_threads: 1 },
    );
    let mut h = common::harness_builder().with_size(egui::vec2(1400.0, 900.0)).build_ui_state(|ui, app: &mut StudioApp| app.show(ui), app);
    pump(&mut h);
    h
}

#[test]
fn import_button_opens_the_preview_and_imports_into_a_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(dir.path());
    h.get_by_label("Import…").click();
    pump(&mut h);
    h.state_mut().studio.wait_for_preview();
    pump(&mut h);
    assert!(h.query_by_label("Detected profile: hm-kids").is_some(), "the detected profile is shown");
    assert!(h.query_by_label_contains("13 items will import").is_some());
    assert_eq!(h.get_all_by_label("13 / 14").count(), 3, "slot, age group and colour coverage");
    assert_eq!(h.state().studio.items().len(), 15, "nothing written before Import");
    // Through accesskit: the window's first frames size it, and a pointer click there can land mid-layout.
    h.get_by_label("Import").click_accesskit();
    h.step();
    h.state_mut().studio.wait_for_job();
    h.state_mut().studio.settle();
    pump(&mut h);
    assert!(h.state().studio.import_dialog().is_none());
    assert!(h.state().studio.catalogues().iter().any(|c| c.name == "hm_style" && c.items == 13));
}

#[test]
fn catalogue_list_hides_and_deletes_with_confirmation() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(dir.path());
    assert_eq!(h.state().studio.results().ids.len(), 15);
    assert!(h.query_by_label("Catalogues").is_some());
    h.get_all_by_label("Hide").next().unwrap().click();
    pump(&mut h);
    assert_eq!(h.state().studio.results().ids.len(), 5, "the first catalogue (myntra_style, 10 items) left the grid");
    h.get_by_label("Show").click();
    pump(&mut h);
    assert_eq!(h.state().studio.results().ids.len(), 15);
    h.get_all_by_label("Delete…").next().unwrap().click();
    pump(&mut h);
    assert!(h.query_by_label("Delete “myntra_style”?").is_some(), "a confirmation is asked");
    h.get_by_label("Cancel").click();
    pump(&mut h);
    assert_eq!(h.state().studio.results().ids.len(), 15, "cancel deletes nothing");
    h.get_all_by_label("Delete…").next().unwrap().click();
    pump(&mut h);
    h.get_by_label("Delete catalogue").click();
    pump(&mut h);
    assert_eq!(h.state().studio.results().ids.len(), 5);
    assert!(h.state().studio.catalogues().iter().any(|c| c.name == "myntra_style" && c.status() == "deleted"));
}

#[test]
fn items_without_features_for_todays_encoders_are_indexed_when_the_app_opens() {
    // A catalogue imported but never indexed, or indexed for an earlier text template: nothing would score.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let mut e = Engine::open(&db, &default_models_dir()).unwrap();
    e.import(&fixture("myntra_style.csv")).unwrap();
    assert!(e.store().count_items_needing_features(&e.encoder_key()).unwrap() > 0);
    let mut s = Studio::with_engine(e, &db, &default_models_dir());
    // The writer counts them off the UI thread; the job starts as its answer comes in.
    assert!(!s.job_busy(|_| true), "opening waits for no count");
    s.settle();
    assert!(s.job_busy(|k| k.label() == "Index"), "an index job starts with the app");
    s.wait_for_job();
    s.settle();
    let e = s.engine_for_tests();
    assert_eq!(e.store().count_items_needing_features(&e.encoder_key()).unwrap(), 0);
    assert!(s.item_counts().indexed > 0, "items score once it is done");
    // The next start finds nothing to do.
    let mut s = Studio::open(&db, &default_models_dir()).unwrap();
    s.settle();
    assert!(!s.job_busy(|_| true));
}

#[test]
fn hidden_catalogues_are_left_out_of_the_item_counts() {
    // Issue 23: "Indexed 917 / 1573" with the demo hidden. The counts are of what the stylist works with.
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(dir.path());
    h.get_by_label("Indexed 15 / 15 items");
    h.get_by_label("15 items");
    h.get_all_by_label("Hide").next().unwrap().click();
    pump(&mut h);
    assert_eq!(h.state().studio.results().ids.len(), 5, "myntra_style (10 items) is hidden");
    h.get_by_label("Indexed 5 / 5 items (10 more in hidden catalogues)");
    h.get_by_label("5 items");
    assert!(h.query_by_label_contains("/ 15 items").is_none(), "no count includes the hidden catalogue");
    h.get_by_label("Show").click();
    pump(&mut h);
    h.get_by_label("Indexed 15 / 15 items");
}

#[test]
fn underwear_is_marked_in_the_grid_and_says_why() {
    // Issue 23: the app refuses underwear on the board, but the grid did not say which items those are.
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(dir.path());
    let underwear: Vec<String> = h
        .state()
        .studio
        .items()
        .values()
        .filter(|i| i.item.outfit_exclusion() == Some(outfit_studio::catalogue::Exclusion::Underwear))
        .map(|i| i.item.title.to_string())
        .collect();
    assert!(!underwear.is_empty(), "the fixtures hold underwear (Innerwear)");
    assert_eq!(h.get_all_by_role_and_label(Role::Label, "Underwear").count(), underwear.len(), "{underwear:?}");
    // Each mark sits on its item's cell.
    let vest = h.get_by_role_and_label(Role::Button, &underwear[0]).rect();
    let mark = h.get_all_by_role_and_label(Role::Label, "Underwear").map(|n| n.rect()).find(|r| vest.contains_rect(*r));
    assert!(mark.is_some(), "a mark on {}", underwear[0]);
    h.get_all_by_role_and_label(Role::Label, "Underwear").next().unwrap().hover();
    pump(&mut h);
    h.get_by_label_contains("never suggested and cannot go on the board or in a look");
}
