//! Training, evaluation and model versioning of the compatibility head (issue 5).
//!
//! Everything here runs on generated data with a known ground truth (small feature sizes for speed), except the
//! Polyvore-layout pretraining test, which encodes a generated Polyvore-layout directory with the real encoders.

use outfit_studio::Engine;
use outfit_studio::catalogue::{AgeGroup, ImageStatus, Item, Season, Slot};
use outfit_studio::model::data::synthetic_set;
use outfit_studio::model::features::CAT_DIM;
use outfit_studio::model::metrics::{evaluate, split_by_outfit};
use outfit_studio::model::outfit_eval;
use outfit_studio::model::report::{EvalConfig, transfer_report};
use outfit_studio::model::train::{TrainConfig, loss_on, train};
use outfit_studio::model::{BlockWeights, Head, HeadDims};
use outfit_studio::store::{JudgementSource, NewJudgement, StoredFeatures, Verdict};
use rand::{Rng, SeedableRng};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

fn small() -> HeadDims {
    HeadDims { image: 12, text: 8, cat: CAT_DIM, hidden: 16, embed: 8 }
}

fn untrained(dims: HeadDims, mean: &[f32]) -> Head {
    Head::zero_shot(dims, mean, &BlockWeights::default(), (4.0, -1.0), 11).unwrap()
}

#[test]
fn training_reduces_loss_on_a_small_fixed_set() {
    let (table, data) = synthetic_set(small(), 120, 80, 4, 1.0, 1).unwrap();
    let parent = untrained(small(), &table.feature_mean().unwrap());
    let cfg = TrainConfig { epochs: 40, batch_size: 16, lr: 1e-2, ..Default::default() };
    let before = loss_on(&parent, &table, &data, &cfg).unwrap();
    let mut steps = 0;
    let t = train(&parent, &table, &data, &cfg, &mut |_| steps += 1, &AtomicBool::new(false)).unwrap();
    let after = loss_on(&t.head, &table, &data, &cfg).unwrap();
    assert_eq!(steps, 40 * 80usize.div_ceil(16));
    assert_eq!(t.history.len(), 40);
    assert!(after < 0.8 * before, "fixed-set loss {before} -> {after}");
    assert!(t.history.last().unwrap().loss < t.history[0].loss, "{:?}", t.history);
}

#[test]
fn fine_tuned_head_beats_untrained_on_a_separable_set() {
    // Weak style signal under strong noise: a random projection barely sees it; training must find it.
    let (table, data) = synthetic_set(small(), 400, 600, 5, 0.6, 2).unwrap();
    let (tr, te) = split_by_outfit(&data, 0.3, 3);
    let parent = untrained(small(), &table.feature_mean().unwrap());
    let cfg = TrainConfig { epochs: 30, batch_size: 32, lr: 1e-2, ..Default::default() };
    let t = train(&parent, &table, &tr, &cfg, &mut |_| {}, &AtomicBool::new(false)).unwrap();
    let before = evaluate(&parent, &table, &te, 5).unwrap();
    let after = evaluate(&t.head, &table, &te, 5).unwrap();
    eprintln!("untrained {before:?}\nfine-tuned {after:?}");
    let (b, a) = (before.auc.unwrap(), after.auc.unwrap());
    assert!(a > 0.85 && a > b + 0.1, "held-out AUC untrained {b:.3} vs fine-tuned {a:.3}");
    assert!(after.fitb.unwrap() > before.fitb.unwrap(), "FITB {:?} vs {:?}", before.fitb, after.fitb);
    // Frozen lower layers still learn (W2, masks, calibration), starting from the parent's function.
    let frozen =
        train(&parent, &table, &tr, &TrainConfig { freeze_lower: true, ..cfg.clone() }, &mut |_| {}, &AtomicBool::new(false)).unwrap();
    assert_eq!(frozen.head.tensors["proj"].to_vec2::<f32>().unwrap(), parent.tensors["proj"].to_vec2::<f32>().unwrap());
    assert!(evaluate(&frozen.head, &table, &te, 5).unwrap().auc.unwrap() > b);
}

#[test]
fn transfer_report_has_every_row_and_a_plot() {
    let (table, data) = synthetic_set(small(), 300, 400, 5, 0.6, 4).unwrap();
    let parent = untrained(small(), &table.feature_mean().unwrap());
    let cfg = EvalConfig {
        sizes: vec![25, 100],
        train: TrainConfig { epochs: 5, batch_size: 32, lr: 1e-2, ..Default::default() },
        min_steps: 40,
        ..Default::default()
    };
    let r = transfer_report(&parent, "zero-shot", &[], "GENERATED test data", &table, &data, &cfg, &mut |_| {}, &AtomicBool::new(false))
        .unwrap();
    assert_eq!(r.curve.iter().map(|p| p.labels).collect::<Vec<_>>(), vec![25, 100, r.train_outfits]);
    let md = r.markdown();
    for needle in ["| zero-shot, not fine-tuned | 0 |", "| fine-tuned from zero-shot |", "| from scratch |", "| 25 |", "| 100 |"] {
        assert!(md.contains(needle), "{needle} missing from\n{md}");
    }
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("curve.png");
    r.write_png(&png).unwrap();
    assert_eq!(image::open(&png).unwrap().width(), 960);
}

// ------------------------------------------------------------------------------------------------
// Engine-level: judgements in SQLite -> new versions; switching, rollback, cancellation.

/// A models directory whose manifest says 12-d image and 8-d text features (no encoder runs in these tests).
fn small_models_dir(dir: &Path) -> PathBuf {
    let real = outfit_studio::encode::manifest::default_models_dir();
    let mut m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(real.join("manifest.json")).unwrap()).unwrap();
    m["image"]["dim"] = 12.into();
    m["text"]["dim"] = 8.into();
    let out = dir.join("models");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("manifest.json"), m.to_string()).unwrap();
    out
}

fn item(sku: &str, slot: Slot) -> Item {
    Item {
        sku: sku.into(),
        title: format!("{sku} {}", slot.label()).into(),
        description: Default::default(),
        category: slot.as_str().into(),
        slot,
        colour: Default::default(),
        brand: "Test".into(),
        age_group: Some(AgeGroup::Kids),
        gender: None,
        season: Season::All,
        size: Default::default(),
        price: Some(10.0),
        currency: "EUR".into(),
        image: None,
        image_status: ImageStatus::None,
        in_stock: true,
        item_group_id: Default::default(),
    }
}

/// An engine over a tempdir database with 60 items in 3 hidden styles and `n` judgements (accept = one style).
fn engine_with_judgements(dir: &Path, n: usize) -> Engine {
    let models = small_models_dir(dir);
    let mut e = Engine::open(&dir.join("studio.db"), &models).unwrap();
    let slots = [Slot::Top, Slot::Bottom, Slot::Shoes];
    let items: Vec<Item> = (0..60).map(|i| item(&format!("S{}-{i}", i % 3), slots[(i / 3) % 3])).collect();
    e.store_mut().upsert_items(&items, "test").unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(9);
    let style_dir: Vec<Vec<f32>> = (0..3).map(|_| (0..20).map(|_| rng.random::<f32>() - 0.5).collect()).collect();
    let stored = e.store().all_items().unwrap();
    let batch: Vec<_> = stored
        .iter()
        .map(|s| {
            let style: usize = s.item.sku[1..2].parse().unwrap();
            let v: Vec<f32> = (0..20).map(|k| 0.7 * style_dir[style][k] + rng.random::<f32>() - 0.5).collect();
            (s.clone(), StoredFeatures { item_id: s.id, image: Some(v[..12].to_vec()), text: v[12..].to_vec() }, None)
        })
        .collect();
    let key = e.encoder_key();
    e.store_mut().put_features(&key, &batch).unwrap();
    e.reload().unwrap();
    let by_slot_style = |slot: Slot, style: usize| -> Vec<String> {
        items.iter().filter(|i| i.slot == slot && i.sku[1..2] == *style.to_string()).map(|i| i.sku.to_string()).collect()
    };
    for k in 0..n {
        let accept = k % 2 == 0;
        let base = rng.random_range(0..3);
        let skus: Vec<String> = slots
            .iter()
            .enumerate()
            .map(|(w, &s)| {
                let st = if accept || w == 0 { base } else { (base + 1 + rng.random_range(0..2)) % 3 };
                let pool = by_slot_style(s, st);
                pool[rng.random_range(0..pool.len())].clone()
            })
            .collect();
        e.store_mut()
            .record_judgement(&NewJudgement {
                skus,
                verdict: if accept { Verdict::Accept } else { Verdict::Reject },
                stylist: if k % 3 == 0 { "ana".into() } else { "ben".into() },
                model_id: None,
                model_name: None,
                score: None,
                source: JudgementSource::Manual,
                reasons: vec![],
                outfit_id: None,
            })
            .unwrap();
    }
    e
}

#[test]
fn fine_tune_creates_a_version_that_can_be_activated_and_rolled_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = engine_with_judgements(dir.path(), 120);
    let parent = e.active_model().expect("zero-shot head installed on reload").clone();
    let board: Vec<i64> = ["S0-0", "S0-3", "S0-6"].iter().map(|s| e.item_by_sku(s).unwrap().id).collect();
    let before = e.score_outfit(&board).unwrap().probability;
    let cfg = TrainConfig { epochs: 20, batch_size: 16, lr: 1e-2, ..Default::default() };
    let mut calls = 0;
    let id = e.fine_tune_from_judgements(None, &cfg, &mut |_| calls += 1, &AtomicBool::new(false)).unwrap();
    assert!(calls > 0);
    let row = e.store().model_by_id(id).unwrap().unwrap();
    assert_eq!(row.parent_id, Some(parent.id));
    assert!(row.trained_on.contains("120 stylist judgements"), "{}", row.trained_on);
    let params: serde_json::Value = serde_json::from_str(&row.params_json).unwrap();
    assert_eq!(params["data"]["max_judgement_id"], 120);
    assert_eq!(params["config"]["epochs"], 20);
    // The version carries each trained-on outfit's logit from a head trained without it, for the calibration.
    let oof = params["out_of_fold_logits"].as_array().unwrap();
    assert_eq!(oof.len(), 120, "one per labelled outfit (an outfit two stylists judged counts once per stylist)");
    let mut by_key: std::collections::HashMap<&str, f64> = std::collections::HashMap::new();
    for p in oof {
        let z = p[1].as_f64().unwrap();
        assert!(z.is_finite());
        // Folds go by outfit: one outfit's labels are scored by the same fold's head, so they read the same.
        assert_eq!(*by_key.entry(p[0].as_str().unwrap()).or_insert(z), z);
    }
    let metrics: serde_json::Value = serde_json::from_str(&row.metrics_json).unwrap();
    assert_eq!(metrics["history"].as_array().unwrap().len(), 20);
    // Not active until asked.
    assert_eq!(e.active_model().unwrap().id, parent.id);
    e.activate_model(id).unwrap();
    assert_eq!(e.active_model().unwrap().id, id);
    assert_eq!(e.store().active_model().unwrap().unwrap().id, id);
    let tuned = e.score_outfit(&board).unwrap().probability;
    assert!((tuned - before).abs() > 1e-4, "new head, new scores ({before} vs {tuned})");
    // Roll back: the parent's scores come back exactly.
    e.activate_model(parent.id).unwrap();
    assert_eq!(e.active_model().unwrap().id, parent.id);
    assert!((e.score_outfit(&board).unwrap().probability - before).abs() < 1e-6);
    // And a reopened engine keeps the choice.
    drop(e);
    let e2 = Engine::open(&dir.path().join("studio.db"), &dir.path().join("models")).unwrap();
    assert_eq!(e2.active_model().unwrap().id, parent.id);
    assert_eq!(e2.store().models().unwrap().len(), 2);
}

#[test]
fn training_cancels_promptly_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = engine_with_judgements(dir.path(), 60);
    let versions = e.store().models().unwrap().len();
    let cancel = AtomicBool::new(false);
    let mut steps = 0;
    let t = std::time::Instant::now();
    let cfg = TrainConfig { epochs: 10_000, batch_size: 8, ..Default::default() };
    let err = e
        .fine_tune_from_judgements(
            None,
            &cfg,
            &mut |_| {
                steps += 1;
                if steps == 3 {
                    cancel.store(true, Ordering::Relaxed);
                }
            },
            &cancel,
        )
        .unwrap_err();
    assert!(err.is_cancelled(), "{err:#}");
    assert_eq!(steps, 3, "stops at the next step");
    assert!(t.elapsed().as_secs() < 10);
    assert_eq!(e.store().models().unwrap().len(), versions);
}

#[test]
fn stylist_exclusion_and_weights_shape_the_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine_with_judgements(dir.path(), 30);
    let dims = e.head().unwrap().dims;
    let (_, all, snap) = e.judgement_dataset(dims, &TrainConfig::default()).unwrap();
    assert_eq!(all.len(), 30);
    assert_eq!(snap.positives, 15);
    let cfg =
        TrainConfig { exclude_stylists: vec!["ana".into()], stylist_weights: [("ben".to_string(), 2.0)].into(), ..Default::default() };
    let (_, some, snap) = e.judgement_dataset(dims, &cfg).unwrap();
    assert_eq!(some.len(), 20);
    assert_eq!(snap.stylists, vec!["ben".to_string()]);
    assert!(some.iter().all(|o| o.weight == 2.0));
}

#[test]
fn majority_resolves_conflicts_between_stylists() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = engine_with_judgements(dir.path(), 0);
    let dims = e.head().unwrap().dims;
    let skus = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let (a, b) = (skus(&["S0-0", "S0-3", "S0-6"]), skus(&["S1-1", "S1-4", "S1-7"]));
    // Outfit a: two accepts, one reject -> accepted. Outfit b: one each -> a tie, left out.
    for (outfit, stylist, v) in [
        (&a, "ana", Verdict::Accept),
        (&a, "ben", Verdict::Accept),
        (&a, "cy", Verdict::Reject),
        (&b, "ana", Verdict::Accept),
        (&b, "ben", Verdict::Reject),
    ] {
        e.judge(outfit, v, stylist, JudgementSource::Manual, &[], None).unwrap();
    }
    let (_, per_judgement, _) = e.judgement_dataset(dims, &TrainConfig::default()).unwrap();
    assert_eq!(per_judgement.len(), 5);
    let (_, voted, snap) = e.judgement_dataset(dims, &TrainConfig { majority: true, ..Default::default() }).unwrap();
    assert_eq!(voted.len(), 1, "the tie is left out");
    assert!(voted[0].positive);
    assert_eq!((snap.judgements, snap.positives, snap.negatives), (5, 1, 0));
    // Weighting cy up turns outfit a into a reject.
    let cfg = TrainConfig { majority: true, stylist_weights: [("cy".to_string(), 3.0)].into(), ..Default::default() };
    let (_, voted, _) = e.judgement_dataset(dims, &cfg).unwrap();
    assert!(!voted[0].positive);
}

// ------------------------------------------------------------------------------------------------
// Polyvore Outfits layout, generated, through the real encoders.

fn write_polyvore(dir: &Path) {
    use serde_json::json;
    std::fs::create_dir_all(dir.join("images")).unwrap();
    std::fs::create_dir_all(dir.join("nondisjoint")).unwrap();
    let cats = [("tops", "blouse"), ("bottoms", "jeans"), ("shoes", "sneakers"), ("bags", "tote bag")];
    let colours = [[200u8, 30, 30], [30, 30, 200], [30, 160, 30]];
    let names = ["red", "blue", "green"];
    let mut meta = serde_json::Map::new();
    let mut id = 100;
    let mut by: Vec<Vec<Vec<String>>> = vec![vec![Vec::new(); 4]; 3];
    for (style, c) in colours.iter().enumerate() {
        for (k, (cat, word)) in cats.iter().enumerate() {
            for v in 0..3 {
                let iid = id.to_string();
                id += 1;
                let img = image::RgbImage::from_fn(
                    24,
                    24,
                    |x, y| if (x + y + v) % 7 == 0 { image::Rgb([255, 255, 255]) } else { image::Rgb(*c) },
                );
                img.save(dir.join("images").join(format!("{iid}.jpg"))).unwrap();
                meta.insert(
                    iid.clone(),
                    json!({"semantic_category": cat, "title": format!("{} {word} {v}", names[style]), "url_name": ""}),
                );
                by[style][k].push(iid);
            }
        }
    }
    meta.insert("999".into(), json!({"semantic_category": "", "title": "lipstick", "url_name": ""}));
    let mut outfits = vec![Vec::new(), Vec::new(), Vec::new()];
    let mut set = 1;
    for v in 0..3 {
        for of_style in &by {
            let items: Vec<_> = (0..4).map(|k| json!({"item_id": of_style[k][v], "index": k + 1})).collect();
            let split = if v < 2 { 0 } else { 2 };
            outfits[split].push(json!({"set_id": format!("{set}"), "items": items}));
            set += 1;
        }
    }
    for (name, o) in ["train", "valid", "test"].iter().zip(&outfits) {
        std::fs::write(dir.join("nondisjoint").join(format!("{name}.json")), serde_json::to_string(o).unwrap()).unwrap();
    }
    // Test sets are 7, 8, 9. Compatibility: the real ones, and mixes.
    let compat = "1 7_1 7_2 7_3 7_4\n1 8_1 8_2 8_3 8_4\n1 9_1 9_2 9_3\n0 7_1 8_2 9_3 7_4\n0 8_1 9_2 7_3\n0 9_1 7_2 8_3 8_4\n";
    std::fs::write(dir.join("nondisjoint/compatibility_test.txt"), compat).unwrap();
    let fitb = json!([
        {"question": ["7_1", "7_2", "7_4"], "answers": ["8_3", "7_3", "9_3", "1_3"], "blank_position": 3},
        {"question": ["8_1", "8_3", "8_4"], "answers": ["8_2", "7_2", "9_2", "2_2"], "blank_position": 2}
    ]);
    std::fs::write(dir.join("nondisjoint/fill_in_blank_test.json"), fitb.to_string()).unwrap();
    std::fs::write(dir.join("polyvore_item_metadata.json"), serde_json::Value::Object(meta).to_string()).unwrap();
}

#[test]
fn pretrains_on_a_generated_polyvore_layout_with_the_real_encoders() {
    use outfit_studio::model::polyvore::read_polyvore;
    let dir = tempfile::tempdir().unwrap();
    let pv = dir.path().join("polyvore");
    write_polyvore(&pv);
    let data = read_polyvore(&pv, "nondisjoint").unwrap();
    assert_eq!(data.items.len(), 36);
    assert_eq!(data.skipped_items, 1);
    assert_eq!((data.train.len(), data.test.len()), (6, 3));
    assert_eq!(data.compatibility.len(), 6);
    assert_eq!(data.fitb.len(), 2);
    assert_eq!(data.fitb[0].answer, 1);
    assert!(data.items.values().all(|i| i.image.is_some()));

    let models = outfit_studio::encode::manifest::default_models_dir();
    let e = Engine::open(&dir.path().join("studio.db"), &models).unwrap();
    let cache = dir.path().join("features.safetensors");
    let set = e.prepare_outfit_set_cached(&data, &cache).unwrap();
    assert_eq!(set.table.len(), 36);
    assert_eq!(set.train.len(), 6);
    assert!(cache.is_file(), "dataset features are cached");
    let cfg = TrainConfig { epochs: 30, batch_size: 8, lr: 1e-2, ..TrainConfig::pretraining() };
    let p = outfit_eval::pretrain(&set, &cfg, &mut |_| {}, &AtomicBool::new(false)).unwrap();
    let untrained = set.untrained_head(1).unwrap();
    let heads = [("untrained".to_string(), &untrained, None), ("pretrained".to_string(), &p.head, Some(p.beta))];
    let r = outfit_eval::evaluate(&set, outfit_eval::Split::Test, &heads, 3).unwrap();
    eprintln!("{}", r.markdown());
    assert!(r.questions.own_files, "the dataset's own test files are the warm questions");
    assert_eq!((r.questions.warm.compat.len(), r.questions.warm.fitb.len()), (3, 2));
    let names: Vec<&str> = r.results.iter().map(|m| m.method.as_str()).collect();
    assert_eq!(
        names.len(),
        9,
        "random, co-occurrence, image, text, centred text, raw titles (the layout has titles), two heads, one blend: {names:?}"
    );
    assert!(names.contains(&"cosine of raw titles' text embeddings, centred"), "{names:?}");
    let pretrained = r.results.iter().find(|m| m.method == "pretrained").unwrap();
    assert!(pretrained.warm_auc.unwrap().value >= 0.5, "{:?}", pretrained.warm_auc);
    // A second preparation reads every feature back from the cache and gives the same table.
    let again = e.prepare_outfit_set_cached(&data, &cache).unwrap();
    assert_eq!(
        again.table.x.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
        set.table.x.flatten_all().unwrap().to_vec1::<f32>().unwrap()
    );
    // Adult items stay out of the stylists' catalogue.
    assert_eq!(e.store().item_count().unwrap(), 0);
}

#[test]
fn a_validation_split_keeps_the_best_epoch_and_never_ends_below_the_parent() {
    let (table, data) = synthetic_set(small(), 200, 160, 4, 0.6, 5).unwrap();
    let parent = Head::zero_shot(small(), &table.feature_mean().unwrap(), &BlockWeights::default(), (4.0, -1.0), 5).unwrap();
    // A learning rate far too high: training only hurts, so the parent (epoch 0) must be kept.
    let cfg = TrainConfig { epochs: 4, lr: 3.0, validation_fraction: 0.3, ..Default::default() };
    let t = train(&parent, &table, &data, &cfg, &mut |_| {}, &AtomicBool::new(false)).unwrap();
    assert_eq!(t.validation_loss.len(), 5, "the parent plus one value per epoch");
    let best = t.best_epoch.expect("a validation split was used");
    assert!(t.validation_loss.iter().all(|v| *v >= t.validation_loss[best]));
    assert!(t.validation_loss[best] <= t.validation_loss[0]);
    // Without a split, the last epoch is kept and no validation is reported.
    let t = train(&parent, &table, &data, &TrainConfig { epochs: 1, ..Default::default() }, &mut |_| {}, &AtomicBool::new(false)).unwrap();
    assert!(t.best_epoch.is_none() && t.validation_loss.is_empty());
}
