//! Issue 11, catalogues as first-class things: each import belongs to a catalogue; the demo is hidden once a
//! real catalogue exists; hidden catalogues and underwear/nightwear/cosmetics never reach suggestions, the grid
//! or the review queue; deleting keeps judgements; the CLI drives it all (dry run, mapping, profiles, exit
//! codes); and a running studio notices another process's import.

mod common;

use outfit_studio::catalogue::Slot;
use outfit_studio::curate::{BoardCommand, CatalogueCommand, Command, Studio};
use outfit_studio::encode::manifest::default_models_dir;
use outfit_studio::engine::{CompletionFilter, Engine};
use outfit_studio::store::{JudgementSource, Store, Verdict};
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds").join(name)
}

fn demo_feed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/catalogue.csv")
}

fn fake_vec(seed: u64, dim: usize) -> Vec<f32> {
    let mut x = seed.wrapping_add(17);
    (0..dim)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((x >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        })
        .collect()
}

fn fake_features(e: &mut Engine) {
    common::put_fake_features(e, |it, di, dt| (fake_vec(it.id as u64, di), fake_vec(it.id as u64 + 999, dt)));
}

fn statuses(store: &Store) -> Vec<(String, &'static str)> {
    store.catalogues().unwrap().into_iter().map(|c| (c.name.clone(), c.status())).collect()
}

fn suggested_skus(e: &Engine, board: &[&str]) -> Vec<String> {
    let ids: Vec<i64> = board.iter().map(|s| e.item_by_sku(s).unwrap().id).collect();
    let slots = [Slot::Top, Slot::Bottom, Slot::OnePiece, Slot::Outerwear, Slot::Shoes, Slot::Accessory];
    let slots: Vec<Slot> = slots.into_iter().filter(|s| !ids.iter().any(|i| e.item(*i).unwrap().item.slot == *s)).collect();
    e.complete(&ids, &slots, 500, &CompletionFilter::default()).unwrap().into_iter().flat_map(|(_, v)| v).map(|s| s.sku).collect()
}

#[test]
fn demo_hides_when_a_real_catalogue_arrives_and_excluded_items_are_never_suggested() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = Engine::open(&dir.path().join("s.db"), &default_models_dir()).unwrap();
    let demo = e.import(&demo_feed()).unwrap();
    assert_eq!(demo.catalogue, "Demo");
    assert_eq!(statuses(e.store()), [("Demo".to_string(), "visible")]);
    let hm = e.import(&fixture("hm_style.csv")).unwrap();
    assert_eq!((hm.catalogue.as_str(), hm.rows_ok, hm.excluded), ("hm_style", 13, 4));
    assert_eq!(statuses(e.store()), [("Demo".to_string(), "hidden"), ("hm_style".to_string(), "visible")]);
    fake_features(&mut e);

    // Only visible outfit candidates are ranked.
    let demo_item = e.item_by_sku("KD-000001").unwrap().id;
    assert!(!e.in_grid(demo_item) && !e.outfit_candidate(demo_item));
    let pyjamas = e.item_by_sku("0900000006").unwrap().id;
    assert!(e.in_grid(pyjamas) && !e.outfit_candidate(pyjamas), "nightwear shows in the catalogue, not in outfits");
    assert!(e.index().item_ids.iter().all(|id| e.outfit_candidate(*id)));
    let got = suggested_skus(&e, &["0900000002"]);
    assert!(!got.is_empty());
    for never in ["0900000006", "0900000007", "0900000010", "0900000011"] {
        assert!(!got.iter().any(|s| s == never), "{never} (not for outfits) was suggested: {got:?}");
    }
    assert!(!got.iter().any(|s| s.starts_with("KD-")), "a hidden demo item was suggested: {got:?}");
    // A board holding a hidden item still scores (its embedding is kept out of the ranking only).
    let ids = [demo_item, e.item_by_sku("0900000003").unwrap().id];
    assert!(e.score_outfit(&ids).is_ok());

    // Showing the demo again brings its items back.
    e.set_catalogue_hidden("Demo", false).unwrap();
    assert!(suggested_skus(&e, &["0900000002"]).iter().any(|s| s.starts_with("KD-")));
}

#[test]
fn deleting_a_catalogue_keeps_its_judgements() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = Engine::open(&dir.path().join("s.db"), &default_models_dir()).unwrap();
    e.import(&fixture("hm_style.csv")).unwrap();
    e.import(&fixture("myntra_style.csv")).unwrap();
    fake_features(&mut e);
    let skus = vec!["0900000002".to_string(), "0900000003".to_string()];
    e.judge(&skus, Verdict::Reject, "ana", JudgementSource::Manual, &[], None).unwrap();
    let r = e.delete_catalogue("hm_style").unwrap();
    assert_eq!((r.kept_items, r.judgements_kept), (2, 1));
    assert_eq!(r.removed_items, 11);
    assert_eq!(e.store().judgements().unwrap().len(), 1);
    assert_eq!(e.store().judgements_from_deleted_catalogues().unwrap().len(), 1);
    assert!(!e.in_grid(e.item_by_sku("0900000002").unwrap().id));
    assert_eq!(statuses(e.store()), [("hm_style".to_string(), "deleted"), ("myntra_style".to_string(), "visible")]);
    // Importing the feed again revives the catalogue.
    e.import(&fixture("hm_style.csv")).unwrap();
    assert_eq!(statuses(e.store())[0], ("hm_style".to_string(), "visible"));
}

#[test]
fn studio_grid_follows_catalogues_and_notices_another_process() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    {
        let mut e = Engine::open(&db, &default_models_dir()).unwrap();
        e.import(&fixture("hm_style.csv")).unwrap();
        e.import(&fixture("myntra_style.csv")).unwrap();
    }
    let mut s = Studio::open(&db, &default_models_dir()).unwrap();
    s.watch_catalogues();
    assert_eq!(s.results().ids.len(), 23);
    let hm = s.catalogues().iter().find(|c| c.name == "hm_style").unwrap().id;
    s.apply(Command::Catalogue(CatalogueCommand::Focus(Some(hm))));
    assert_eq!(s.results().ids.len(), 13, "switched to one catalogue");
    s.apply(Command::Catalogue(CatalogueCommand::Focus(None)));
    s.apply(Command::Catalogue(CatalogueCommand::SetHidden("hm_style".into(), true)));
    s.settle();
    assert_eq!(s.last_error(), None);
    assert_eq!(s.results().ids.len(), 10, "a hidden catalogue leaves the grid");
    // Underwear cannot go on the board.
    let vest = s.item_by_sku("90003").unwrap().id;
    s.apply(Command::Board(BoardCommand::AddItem(vest)));
    assert!(s.last_error().unwrap().contains("not used in outfits"), "{:?}", s.last_error());
    s.apply(Command::DismissError);

    // Another process imports: the studio reloads on its own.
    let out = Process::new(env!("CARGO_BIN_EXE_outfit-studio"))
        .args(["--db", db.to_str().unwrap(), "import"])
        .arg(fixture("merchant.tsv"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut waited = 0;
    while s.results().ids.len() == 10 && waited < 200 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        s.poll();
        waited += 1;
    }
    assert_eq!(s.results().ids.len(), 15, "the studio did not pick up the other process's import");
    // The catalogue list comes back from the writer, which takes the reloaded catalogue over after the grid.
    s.settle();
    assert!(s.catalogues().iter().any(|c| c.name == "merchant"), "{:?}", s.catalogues());
}

#[test]
fn import_dialog_previews_maps_and_imports() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let mut s = Studio::open(&db, &default_models_dir()).unwrap();
    s.apply(Command::Catalogue(CatalogueCommand::Preview(fixture("odd_headers.csv"))));
    s.wait_for_preview();
    let d = s.import_dialog().unwrap();
    assert_eq!(d.catalogue, "odd_headers");
    assert!(d.profiles.iter().any(|p| p == "hm-kids"));
    assert!(!d.can_import(), "no sku/title/category columns yet");
    for (f, c) in [("sku", "code"), ("title", "naam"), ("category", "soort"), ("colour", "kleur"), ("size", "maat")] {
        let f = outfit_studio::catalogue::Field::parse(f).unwrap();
        s.apply(Command::Catalogue(CatalogueCommand::SetColumns(f, vec![c.into()])));
    }
    s.wait_for_preview();
    let p = s.import_dialog().unwrap().preview.clone().unwrap();
    assert_eq!((p.items, p.coverage.slot, p.coverage.age_group), (2, 2, 2));
    s.apply(Command::Catalogue(CatalogueCommand::SetCatalogueName("Dutch shop".into())));
    s.apply(Command::Catalogue(CatalogueCommand::SetSaveAs("dutch".into())));
    s.apply(Command::Catalogue(CatalogueCommand::Confirm));
    assert_eq!(s.last_error(), None);
    assert!(s.import_dialog().is_none());
    s.wait_for_job();
    s.settle();
    assert!(s.catalogues().iter().any(|c| c.name == "Dutch shop" && c.items == 2), "{:?}", s.catalogues());
    assert!(s.engine_for_tests().store().profile("dutch").is_ok(), "the mapping was saved as a profile");
}

fn cli(db: &Path, args: &[&str]) -> Output {
    Process::new(env!("CARGO_BIN_EXE_outfit-studio")).arg("--db").arg(db).args(args).output().expect("binary runs")
}

fn ok(db: &Path, args: &[&str]) -> String {
    let o = cli(db, args);
    assert!(o.status.success(), "{args:?} failed:\n{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn cli_dry_run_mapping_profiles_exit_codes_and_catalogues() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let path = |n: &str| fixture(n).display().to_string();
    let hm = path("hm_style.csv");
    let odd = path("odd_headers.csv");

    let out = ok(&db, &["import", "--dry-run", &hm]);
    assert!(out.contains("profile hm-kids (detected from the header)"), "{out}");
    assert!(out.contains("| slot | 13 / 14 | 92.9% |") && out.contains("| age group | 13 / 14 |"), "{out}");
    let store = Store::open(&db).unwrap();
    assert_eq!(store.item_count().unwrap(), 0, "--dry-run wrote items");
    assert!(store.catalogues().unwrap().is_empty());

    // Headers nothing maps: a non-zero exit that says how to map.
    let o = cli(&db, &["import", &odd]);
    assert!(!o.status.success());
    let text = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(text.contains("required column(s) missing") && text.contains("--map") && text.contains("nothing was imported"), "{text}");

    let maps = ["--map", "sku=code", "--map", "title=naam", "--map", "category=soort", "--map", "colour=kleur", "--map", "size=maat"];
    let mut args = vec!["import", odd.as_str()];
    args.extend(maps);
    args.extend(["--save-profile", "dutch", "--catalogue", "NL"]);
    let out = ok(&db, &args);
    assert!(
        out.contains("2 items imported (2 new, 0 updated, 0 unchanged) into catalogue \"NL\"") && out.contains("saved profile \"dutch\""),
        "{out}"
    );
    let out = ok(&db, &["import", "--dry-run", &odd, "--profile", "dutch"]);
    assert!(out.contains("2 items would import"), "{out}");
    let o = cli(&db, &["import", &odd, "--map", "colour=nope"]);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("no column \"nope\""));

    ok(&db, &["import", &hm]);
    let out = ok(&db, &["catalogues"]);
    assert!(out.contains("NL") && out.contains("hm_style") && out.contains("visible"), "{out}");
    assert!(ok(&db, &["catalogues", "hide", "NL"]).contains("catalogue \"NL\" hidden"));
    assert_eq!(Store::open(&db).unwrap().hidden_item_ids().unwrap().len(), 2);
    ok(&db, &["catalogues", "show", "NL"]);
    assert!(ok(&db, &["catalogues", "delete", "NL"]).contains("2 items removed"));
    let o = cli(&db, &["catalogues", "hide", "nope"]);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("no catalogue \"nope\""));
}
