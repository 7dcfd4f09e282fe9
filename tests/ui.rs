//! The stylist's app driven through AccessKit roles and labels (egui_kittest), on a small catalogue with fake
//! encoder features so no ONNX model runs. Snapshot tests render with wgpu (lavapipe / llvmpipe headless).

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use outfit_studio::Engine;
use outfit_studio::curate::{Command, Studio};
use outfit_studio::store::StoredFeatures;
use outfit_studio::ui::{Dialogs, StudioApp, UiOptions};
use std::path::{Path, PathBuf};

/// (sku, title, category, colour, brand, age, gender, season, price, in_stock)
const ITEMS: &[(&str, &str, &str, &str, &str, &str, &str, &str, f64, bool)] = &[
    ("T-1", "Striped Tee", "T-shirts", "blue", "Sunny Sprout", "toddler", "unisex", "summer", 149.0, true),
    ("T-2", "Rainbow Sweatshirt", "Sweatshirts", "pink", "Kiddo Nord", "toddler", "female", "autumn", 299.0, true),
    ("T-3", "Linen Shirt", "Shirts", "white", "Little Fjord", "kids", "male", "summer", 349.0, false),
    ("B-1", "Denim Shorts", "Shorts", "navy", "Sunny Sprout", "toddler", "unisex", "summer", 199.0, true),
    ("B-2", "Corduroy Trousers", "Trousers", "brown", "Kiddo Nord", "kids", "male", "autumn", 329.0, true),
    ("B-3", "Tulle Skirt", "Skirts", "pink", "Little Fjord", "toddler", "female", "spring", 259.0, true),
    ("S-1", "Canvas Sneakers", "Sneakers", "white", "Sunny Sprout", "toddler", "unisex", "summer", 399.0, true),
    ("S-2", "Rain Boots", "Boots", "yellow", "Kiddo Nord", "kids", "unisex", "autumn", 349.0, true),
    ("S-3", "Leather Sandals", "Sandals", "brown", "Little Fjord", "toddler", "unisex", "summer", 279.0, false),
    ("O-1", "Padded Rain Jacket", "Jackets", "red", "Kiddo Nord", "kids", "unisex", "autumn", 599.0, true),
    ("O-2", "Knitted Cardigan", "Cardigans", "beige", "Sunny Sprout", "toddler", "female", "spring", 379.0, true),
    ("H-1", "Sun Hat", "Hats", "beige", "Sunny Sprout", "toddler", "unisex", "summer", 129.0, true),
    ("H-2", "Wool Beanie", "Beanies", "grey", "Kiddo Nord", "kids", "unisex", "winter", 149.0, true),
    ("D-1", "Floral Dress", "Dresses", "pink", "Little Fjord", "toddler", "female", "summer", 399.0, true),
];

/// A deterministic unit vector.
fn fake_vec(dim: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut v: Vec<f32> = (0..dim)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        })
        .collect();
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
    v.iter_mut().for_each(|x| *x /= n);
    v
}

fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models")
}

/// A studio on a temp database: tiny CSV catalogue with a few PNGs, fake features, zero-shot head.
fn studio(dir: &Path) -> Studio {
    let img_dir = dir.join("images");
    std::fs::create_dir_all(&img_dir).unwrap();
    let mut csv = String::from(
        "sku,title,description,category,colour,brand,age_group,gender,season,size,price,currency,image,in_stock,item_group_id\n",
    );
    for (k, (sku, title, cat, colour, brand, age, gender, season, price, stock)) in ITEMS.iter().enumerate() {
        let img = if k % 3 == 0 {
            let p = img_dir.join(format!("{sku}.png"));
            image::RgbImage::from_pixel(16, 16, image::Rgb([(k * 17) as u8, 120, 200])).save(&p).unwrap();
            format!("images/{sku}.png")
        } else {
            String::new()
        };
        csv.push_str(&format!("{sku},{title},A lovely {} for little ones.,{cat},{colour},{brand},{age},{gender},{season},2-3Y,{price:.2},SEK,{img},{stock},\n", title.to_lowercase()));
    }
    let feed = dir.join("catalogue.csv");
    std::fs::write(&feed, csv).unwrap();
    let db = dir.join("studio.db");
    let mut e = Engine::open(&db, &models_dir()).unwrap();
    e.import(&feed).unwrap();
    let (idim, tdim) = (e.manifest().image.dim, e.manifest().text.dim);
    let batch: Vec<_> = e
        .store
        .all_items()
        .unwrap()
        .into_iter()
        .map(|it| {
            let f = StoredFeatures { item_id: it.id, image: Some(fake_vec(idim, it.id as u64)), text: fake_vec(tdim, 1000 + it.id as u64) };
            (it, f, None)
        })
        .collect();
    let key = e.encoder_key();
    e.store.put_features(&key, &batch).unwrap();
    e.reload().unwrap();
    let mut s = Studio::with_engine(e, &db, &models_dir());
    s.apply(Command::SetStylist("Ana".into()));
    s
}

struct TestDialogs {
    export_to: PathBuf,
}
impl Dialogs for TestDialogs {
    fn pick_feeds(&mut self) -> Option<Vec<PathBuf>> {
        None
    }
    fn save_export(&mut self) -> Option<PathBuf> {
        Some(self.export_to.clone())
    }
}

fn harness(dir: &Path) -> Harness<'static, StudioApp> {
    let s = studio(dir);
    let app = StudioApp::new(
        s,
        Box::new(TestDialogs { export_to: dir.join("export.json") }),
        UiOptions { thumbnails: false, thumb_cache: None, thumb_threads: 1 },
    );
    let mut h = Harness::builder().with_size(egui::vec2(1400.0, 900.0)).build_ui_state(|ui, app: &mut StudioApp| app.show(ui), app);
    h.run();
    h
}

fn id_of(h: &Harness<'_, StudioApp>, sku: &str) -> i64 {
    h.state().studio.engine.item_by_sku(sku).unwrap().id
}

fn db_rows(dir: &Path, sql: &str) -> Vec<(String, String, Option<String>)> {
    let c = rusqlite::Connection::open(dir.join("studio.db")).unwrap();
    let mut st = c.prepare(sql).unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(|r| r.unwrap()).collect()
}

#[test]
fn clicking_items_builds_the_board_and_shows_the_score() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(dir.path());
    assert!(h.query_by_label("Compatibility not scored").is_some());
    h.get_by_label("Striped Tee").click();
    h.run();
    assert_eq!(h.state().studio.board().len(), 1);
    assert!(h.state().studio.score().is_none(), "one item has no score yet");
    h.get_by_label("Denim Shorts").click();
    h.run();
    let pct = h.state().studio.score_percent().expect("two items are scored");
    h.get_by_label(&format!("Compatibility {pct} / 100"));
    // A third item moves the score and the breakdown names three pairs.
    h.get_by_label("Canvas Sneakers").click();
    h.run();
    assert_eq!(h.state().studio.board().len(), 3);
    assert_eq!(h.state().studio.score().unwrap().pairs.len(), 3);
    let pct3 = h.state().studio.score_percent().unwrap();
    h.get_by_label(&format!("Compatibility {pct3} / 100"));
    assert!(h.query_by_label_contains("pulls the score down").is_some(), "the weakest pair is highlighted");
    // Another top swaps the first one out.
    h.get_by_label("Rainbow Sweatshirt").click();
    h.run();
    let on_board: Vec<i64> = h.state().studio.board_ids();
    assert!(on_board.contains(&id_of(&h, "T-2")) && !on_board.contains(&id_of(&h, "T-1")));
}

#[test]
fn accept_key_records_a_judgement_and_backspace_undoes_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(dir.path());
    h.get_by_label("Striped Tee").click();
    h.get_by_label("Denim Shorts").click();
    h.run();
    h.get_by_role_and_label(Role::Button, "Colour clash").click();
    h.run();
    h.key_press(egui::Key::A);
    h.run();
    let rows =
        db_rows(dir.path(), "SELECT verdict, source || '|' || reasons || '|' || stylist || '|' || skus_json, undone_at FROM judgements");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, "accept");
    assert!(rows[0].1.starts_with("manual|colour_clash|Ana|"), "{rows:?}");
    assert!(rows[0].1.contains("T-1") && rows[0].1.contains("B-1"));
    assert_eq!(rows[0].2, None);
    assert_eq!(h.state().studio.counts(), (1, 1));
    assert_eq!(h.state().studio.approved().len(), 1);
    assert!(h.state().studio.board().is_empty(), "the board clears for the next look");
    h.get_by_label("Today 1 · Total 1 judgements");
    h.get_by_label("Approved looks (1)");

    h.key_press(egui::Key::Backspace);
    h.run();
    let rows = db_rows(dir.path(), "SELECT verdict, stylist, undone_at FROM judgements");
    assert!(rows[0].2.is_some(), "undo marks the judgement undone: {rows:?}");
    assert_eq!(h.state().studio.counts(), (0, 0));
    assert!(h.state().studio.approved().is_empty());
    assert_eq!(h.state().studio.board().len(), 2, "undo restores the judged board");

    // Accept again, then reject another look with `x`, undo it with Ctrl+Z.
    h.key_press(egui::Key::A);
    h.run();
    h.get_by_label("Linen Shirt").click();
    h.get_by_label("Corduroy Trousers").click();
    h.run();
    h.key_press(egui::Key::X);
    h.run();
    assert_eq!(h.state().studio.counts(), (2, 2));
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    assert_eq!(h.state().studio.counts(), (1, 1));
    let live = db_rows(dir.path(), "SELECT verdict, stylist, undone_at FROM judgements WHERE undone_at IS NULL");
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].0, "accept");
}

#[test]
fn a_facet_shrinks_the_grid() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(dir.path());
    assert_eq!(h.state().studio.results().ids.len(), ITEMS.len());
    assert!(h.query_by_label("Striped Tee").is_some());
    h.get_by_role_and_label(Role::CheckBox, "Shoes").click();
    h.run();
    assert_eq!(h.state().studio.results().ids.len(), 3);
    assert!(h.query_by_label("Striped Tee").is_none(), "tops left the grid");
    h.get_by_label("Rain Boots");
    h.get_by_role_and_label(Role::CheckBox, "In stock only").click();
    h.run();
    assert_eq!(h.state().studio.results().ids.len(), 2, "sandals are sold out");
    assert!(h.query_by_label("Leather Sandals").is_none());
    // Text search over title and description.
    h.get_by_label("Clear filters").click();
    h.run();
    assert_eq!(h.state().studio.results().ids.len(), ITEMS.len());
    h.get_by_role_and_label(Role::TextInput, "Search").focus();
    h.run();
    h.get_by_role_and_label(Role::TextInput, "Search").type_text("rain");
    h.run();
    let ids = h.state().studio.results().ids.clone();
    assert_eq!(ids.len(), 3, "rainbow sweatshirt, rain boots, rain jacket");
}

#[test]
fn clicking_a_suggestion_puts_it_on_the_board() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(dir.path());
    h.get_by_label("Striped Tee").click();
    h.run();
    let sugg = h.state().studio.suggestions().to_vec();
    assert!(sugg.iter().any(|(s, v)| *s == outfit_studio::catalogue::Slot::Shoes && !v.is_empty()), "{sugg:?}");
    let first = sugg.iter().find(|(_, v)| !v.is_empty()).unwrap().1[0].clone();
    h.get_by_label(&format!("Suggestion: {}", first.title)).click();
    h.run();
    let board = h.state().studio.board().to_vec();
    assert_eq!(board.len(), 2);
    assert!(board.iter().any(|b| b.item_id == first.item_id && b.suggested));
    assert!(h.state().studio.score_percent().is_some());
    h.key_press(egui::Key::A);
    h.run();
    let rows = db_rows(dir.path(), "SELECT verdict, source, undone_at FROM judgements");
    assert_eq!(rows[0].1, "suggested");
}

#[test]
fn suggestions_honour_board_filters() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = studio(dir.path());
    s.apply(Command::AddItem(s.engine.item_by_sku("T-1").unwrap().id));
    let f = outfit_studio::engine::CompletionFilter { in_stock_only: true, brands: vec!["Kiddo Nord".into()], ..Default::default() };
    s.apply(Command::SetBoardFilter(f));
    for (_, v) in s.suggestions() {
        for x in v {
            let it = &s.engine.item(x.item_id).unwrap().item;
            assert!(it.in_stock && it.brand == "Kiddo Nord", "{}", it.sku);
        }
    }
    assert!(s.last_error().is_none(), "{:?}", s.last_error());
}

#[test]
fn approved_looks_can_be_renamed_reopened_and_exported() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(dir.path());
    h.get_by_label("Striped Tee").click();
    h.get_by_label("Denim Shorts").click();
    h.run();
    h.get_by_label_contains("Accept (A)").click();
    h.run();
    let id = h.state().studio.approved()[0].id;
    h.state_mut().studio.apply(Command::RenameOutfit(id, "Beach day".into()));
    h.run();
    assert_eq!(h.state().studio.approved()[0].name, "Beach day");
    h.get_by_label("Open").click();
    h.run();
    assert_eq!(h.state().studio.editing(), Some(id));
    assert_eq!(h.state().studio.board().len(), 2);
    h.get_by_label("Canvas Sneakers").click();
    h.run();
    h.key_press(egui::Key::A);
    h.run();
    let approved = h.state().studio.approved().to_vec();
    assert_eq!(approved.len(), 1, "editing updates the same look");
    assert_eq!(approved[0].items.len(), 3);
    h.get_by_label_contains("Export…").click();
    h.run();
    let json = std::fs::read_to_string(dir.path().join("export.json")).unwrap();
    assert!(json.contains("Beach day") && json.contains("S-1"), "{json}");
    assert!(h.state().studio.last_error().is_none(), "{:?}", h.state().studio.last_error());
}

#[test]
fn judging_needs_two_items_and_reports_it_readably() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(dir.path());
    h.get_by_label("Striped Tee").click();
    h.run();
    h.state_mut().studio.apply(Command::Judge(outfit_studio::store::Verdict::Accept));
    h.run();
    let err = h.state().studio.last_error().unwrap().to_string();
    assert!(err.contains("two items"), "{err}");
    h.get_by_label_contains("put at least two items");
    h.get_by_label("Dismiss").click();
    h.run();
    assert!(h.state().studio.last_error().is_none());
}

// ---- snapshots (wgpu) -------------------------------------------------------------------------------------

fn snapshot_harness(dir: &Path) -> Harness<'static, StudioApp> {
    let s = studio(dir);
    let app = StudioApp::new(
        s,
        Box::new(TestDialogs { export_to: dir.join("export.json") }),
        UiOptions { thumbnails: false, thumb_cache: None, thumb_threads: 1 },
    );
    let mut h = Harness::builder().with_size(egui::vec2(1400.0, 860.0)).wgpu().build_ui_state(|ui, app: &mut StudioApp| app.show(ui), app);
    h.run();
    h
}

#[test]
fn snapshot_main_screen() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = snapshot_harness(dir.path());
    h.snapshot("main_screen");
}

#[test]
fn snapshot_board_with_score_and_suggestions() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = snapshot_harness(dir.path());
    h.get_by_label("Striped Tee").click();
    h.get_by_label("Denim Shorts").click();
    h.get_by_label("Canvas Sneakers").click();
    h.run();
    h.get_by_role_and_label(Role::Button, "Season").click();
    h.run();
    h.remove_cursor();
    h.run();
    h.snapshot("board_scored");
}

#[test]
fn snapshot_stylist_prompt() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = studio(dir.path());
    s.apply(Command::SetStylist(String::new()));
    let app = StudioApp::new(
        s,
        Box::new(TestDialogs { export_to: dir.path().join("export.json") }),
        UiOptions { thumbnails: false, thumb_cache: None, thumb_threads: 1 },
    );
    let mut h = Harness::builder().with_size(egui::vec2(1400.0, 860.0)).wgpu().build_ui_state(|ui, app: &mut StudioApp| app.show(ui), app);
    h.run();
    h.get_by_role_and_label(Role::TextInput, "Stylist name").focus();
    h.run();
    h.get_by_role_and_label(Role::TextInput, "Stylist name").type_text("Ana");
    h.run();
    h.snapshot("stylist_prompt");
    h.get_by_label("Start").click();
    h.run();
    assert_eq!(h.state().studio.stylist(), "Ana");
}

// ---- frame time at 300k items ---------------------------------------------------------------------------

/// `cargo test --test ui -- --ignored --nocapture scroll_300k`: prints the median UI frame time while scrolling a
/// 300,000-item catalogue (no images, no features; CPU-side egui frame, no rendering).
#[test]
#[ignore]
fn scroll_300k_frame_time() {
    use outfit_studio::catalogue::{AgeGroup, Gender, ImageStatus, Item, Season, Slot};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("big.db");
    let n: usize = std::env::var("BENCH_ITEMS").ok().and_then(|s| s.parse().ok()).unwrap_or(300_000);
    let t = std::time::Instant::now();
    {
        let mut e = Engine::open(&db, &models_dir()).unwrap();
        let colours = ["red", "blue", "navy", "pink", "green", "beige", "white", "black", "grey", "yellow"];
        let nouns = ["Tee", "Shorts", "Dress", "Sneakers", "Jacket", "Hat", "Bag", "Scarf"];
        let items: Vec<Item> = (0..n)
            .map(|k| {
                let slot = Slot::ALL[k % 8];
                Item {
                    sku: format!("SYN-{k:07}"),
                    title: format!("{} {} no. {k}", colours[k % 10], nouns[k % 8]),
                    description: format!("Synthetic item {k} for the frame-time benchmark, soft cotton, machine washable."),
                    category: nouns[k % 8].into(),
                    slot,
                    colour: colours[k % 10].into(),
                    brand: format!("Brand {}", k % 37),
                    age_group: Some(AgeGroup::ALL[k % 4]),
                    gender: Some(Gender::Unisex),
                    season: Season::All,
                    size: "2-3Y".into(),
                    price: Some(99.0 + (k % 400) as f64),
                    currency: "SEK".into(),
                    image: None,
                    image_status: ImageStatus::None,
                    in_stock: k % 5 != 0,
                    item_group_id: String::new(),
                }
            })
            .collect();
        e.store.upsert_items(&items, "synthetic").unwrap();
    }
    eprintln!("built {n} items in {:.1}s", t.elapsed().as_secs_f64());
    let t = std::time::Instant::now();
    let mut s = Studio::open(&db, &models_dir()).unwrap();
    s.apply(Command::SetStylist("bench".into()));
    eprintln!("opened studio in {:.1}s", t.elapsed().as_secs_f64());
    let t = std::time::Instant::now();
    s.apply(Command::SetSearchText("navy".into()));
    s.wait_for_search();
    eprintln!(
        "search 'navy': {} hits in {:.1} ms ({:.1} ms wall incl. thread)",
        s.results().ids.len(),
        s.results().millis,
        t.elapsed().as_secs_f64() * 1e3
    );
    s.apply(Command::SetSearchText(String::new()));
    s.wait_for_search();
    assert_eq!(s.results().ids.len(), n);
    let app = StudioApp::new(
        s,
        Box::new(TestDialogs { export_to: dir.path().join("x.json") }),
        UiOptions { thumbnails: false, thumb_cache: None, thumb_threads: 1 },
    );
    let mut h = Harness::builder().with_size(egui::vec2(1600.0, 1000.0)).build_ui_state(|ui, app: &mut StudioApp| app.show(ui), app);
    h.run_steps(3);
    let mut times = Vec::new();
    let rows = n as f32 / 7.0;
    for k in 0..300 {
        // Scroll like a stylist flicking through: steady steps, then jumps across the catalogue.
        let y = if k % 50 == 49 { (k as f32 / 300.0) * rows * 214.0 } else { (k as f32 * 90.0) % (rows * 214.0) };
        h.state_mut().scroll_to = Some(y);
        let t = std::time::Instant::now();
        h.step();
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    let med = times[times.len() / 2];
    let p95 = times[times.len() * 95 / 100];
    println!(
        "scroll_300k: {n} items, median UI frame {med:.2} ms, p95 {p95:.2} ms, max {:.2} ms (CPU egui frame, no GPU render)",
        times[times.len() - 1]
    );
}
