//! Issue 22, the installable package: an installed binary finds ONNX Runtime and the models from its own path,
//! the package's models (only the zero-shot head, as Cargo.toml's deb assets list them) open the demo, and the
//! demo's precomputed features fit the shipped encoders, so a first launch does not encode the demo.

use outfit_studio::encode::manifest::{Manifest, ModelsLookup, default_models_dir, locate_models};
use outfit_studio::encode::prebuilt::FeaturePack;
use outfit_studio::encode::{Encoders, runtime};
use outfit_studio::engine::{Engine, ZERO_SHOT_NAME};
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The model files the .deb ships: the `models/...` sources of `[package.metadata.deb] assets` in Cargo.toml.
fn packaged_models() -> Vec<String> {
    let toml = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let deb = &toml[toml.find("[package.metadata.deb]").expect("deb metadata")..];
    deb.lines().filter_map(|l| l.trim().strip_prefix("[\"models/")).map(|l| l[..l.find('"').unwrap()].to_string()).collect()
}

/// `dir/usr/bin/outfit-studio` (an empty file unless `exe` is given, then a hard link or copy of it) beside
/// `dir/usr/lib/outfit-studio/models` holding the packaged model files; returns the executable's path.
fn package_layout(dir: &Path, exe: Option<&Path>) -> PathBuf {
    let bin = dir.join("usr/bin/outfit-studio");
    std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
    match exe {
        Some(src) => link_or_copy(src, &bin),
        None => std::fs::write(&bin, b"").unwrap(),
    }
    let models = dir.join("usr/lib/outfit-studio/models");
    std::fs::create_dir_all(&models).unwrap();
    for f in packaged_models() {
        std::fs::copy(default_models_dir().join(&f), models.join(&f)).unwrap();
    }
    bin
}

fn link_or_copy(src: &Path, dst: &Path) {
    if std::fs::hard_link(src, dst).is_err() {
        std::fs::copy(src, dst).unwrap();
    }
}

#[test]
fn the_package_ships_the_zero_shot_head_and_not_the_mango_head() {
    let files = packaged_models();
    assert!(files.contains(&"head-zeroshot.safetensors".to_string()) && files.contains(&"manifest.json".to_string()), "{files:?}");
    // The MANGO head's training data carries no licence for product use.
    assert!(!files.iter().any(|f| f.contains("mango")), "{files:?}");
    // Every file the manifest names for loading the encoders is shipped (the fp32 reference is not needed).
    let m = Manifest::load(&default_models_dir()).unwrap();
    for needed in [&m.image.file, &m.text.file, &m.text.tokenizer] {
        assert!(files.contains(needed), "{needed} is not in the package: {files:?}");
    }
}

#[test]
fn demo_features_were_made_with_the_shipped_encoders_and_cover_the_demo() {
    let pack = FeaturePack::parse(outfit_studio::demo::FEATURES).expect("assets/demo/features.safetensors (tools/demo_features.sh)");
    let key = Manifest::load(&default_models_dir()).unwrap().encoder_key();
    assert_eq!(pack.encoder_key, key, "the demo's features are stale: run tools/demo_features.sh");
    let photos = std::fs::read_dir(root().join("assets/demo/images")).unwrap().count();
    assert_eq!(pack.len(), photos);
}

/// The packaged models alone (only the zero-shot head) open the demo; its features come from the pack, so nothing
/// is encoded (ONNX Runtime is not even loaded) and the zero-shot head scores at once.
#[test]
fn the_packaged_models_open_the_demo_with_the_zero_shot_head_and_no_encoding() {
    let tmp = tempfile::tempdir().unwrap();
    let exe = package_layout(tmp.path(), None);
    let lookup = ModelsLookup { env: None, exe: Some(exe), checkout: tmp.path().join("none"), cwd: tmp.path().join("none") };
    let models = locate_models(&lookup);
    assert_eq!(models, tmp.path().canonicalize().unwrap().join("usr/lib/outfit-studio/models"));

    let mut e = Engine::open(&tmp.path().join("studio.db"), &models).unwrap();
    let feed = outfit_studio::demo::install(&tmp.path().join("demo")).unwrap();
    e.import(&feed).unwrap();
    let items = e.store().all_items().unwrap().len();
    let seeded = e.seed_features(outfit_studio::demo::FEATURES).unwrap();
    assert_eq!(seeded, items, "every demo item has precomputed features");
    let stats = e.index_catalogue(32, &mut |_| {}, &|| false).unwrap();
    assert_eq!(stats.encoded, 0);
    assert_eq!(e.active_model().map(|m| m.name.as_str()), Some(ZERO_SHOT_NAME));
    let mut ids: Vec<i64> = e.items().values().map(|i| i.id).collect();
    ids.sort();
    let s = e.score_outfit(&ids[..2]).unwrap();
    assert!(s.probability > 0.0 && s.probability < 1.0, "{}", s.probability);
}

/// A changed photo or title is not matched: those items are left to the encoders.
#[test]
fn an_item_that_differs_from_the_pack_is_not_seeded() {
    let tmp = tempfile::tempdir().unwrap();
    let feed = outfit_studio::demo::install(&tmp.path().join("demo")).unwrap();
    let csv = std::fs::read_to_string(&feed).unwrap();
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    // Rows start `sku,title,`; the first row's title is renamed, the second row's photo replaced.
    let field = |line: &str, i: usize| line.split(',').nth(i).unwrap().to_string();
    let (sku, title) = (field(&lines[1], 0), field(&lines[1], 1));
    lines[1] = lines[1].replacen(&format!(",{title},"), ",Renamed,", 1);
    let other = field(&lines[2], 0);
    std::fs::write(&feed, lines.join("\n") + "\n").unwrap();
    std::fs::write(tmp.path().join("demo/images").join(format!("{other}.png")), b"not the photo").unwrap();

    let mut e = Engine::open(&tmp.path().join("studio.db"), &default_models_dir()).unwrap();
    e.import(&feed).unwrap();
    let n = e.store().all_items().unwrap().len();
    let seeded = e.seed_features(outfit_studio::demo::FEATURES).unwrap();
    assert_eq!(seeded, n - 2, "the renamed item ({sku}) and the one with another photo ({other}) are encoded instead");
    let left: Vec<String> =
        e.store().items_needing_features(&e.encoder_key()).unwrap().into_iter().map(|i| i.item.sku.to_string()).collect();
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left.contains(&sku) && left.contains(&other), "{left:?}");
}

/// The pack holds what the encoders compute today (f16-rounded): re-encoding a few demo items agrees.
#[test]
fn demo_features_match_a_fresh_encoding() {
    let tmp = tempfile::tempdir().unwrap();
    let feed = outfit_studio::demo::install(&tmp.path().join("demo")).unwrap();
    let mut e = Engine::open(&tmp.path().join("studio.db"), &default_models_dir()).unwrap();
    e.import(&feed).unwrap();
    let mut items = e.store().all_items().unwrap();
    items.sort_by_key(|i| i.id);
    let sample: Vec<_> = items.into_iter().step_by(97).collect();
    let mut enc = Encoders::load(&default_models_dir()).unwrap();
    let fresh = outfit_studio::encode::encode_items(&mut enc, &sample).unwrap();
    let pack = FeaturePack::parse(outfit_studio::demo::FEATURES).unwrap();
    let cos = |a: &[f32], b: &[f32]| {
        let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        dot / (a.iter().map(|x| x * x).sum::<f32>().sqrt() * b.iter().map(|x| x * x).sum::<f32>().sqrt())
    };
    for (it, f) in sample.iter().zip(&fresh) {
        let (image, text) = pack.get(&it.item.sku).unwrap();
        let (ci, ct) = (cos(image, f.image.as_ref().unwrap()), cos(text, &f.text));
        // The int8 text encoder quantises its activations per batch, so a text vector moves by about 1% with its
        // batch-mates (the pack's rows were encoded 32 at a time, these 7 together): 0.991 measured.
        assert!(ci > 0.999 && ct > 0.98, "{}: image cosine {ci}, text cosine {ct}", it.item.sku);
    }
}

/// The real binary, placed in a package layout with the library and models beside it, finds both there with no
/// environment variable, no checkout and an empty cache (`doctor` says where from).
#[test]
fn an_installed_binary_finds_onnx_runtime_and_the_models_in_its_package() {
    let tmp = tempfile::Builder::new().prefix("package-layout").tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let exe = package_layout(tmp.path(), Some(Path::new(env!("CARGO_BIN_EXE_outfit-studio"))));
    let lib = runtime::library_path().expect("ONNX Runtime for the test (ORT_DYLIB_PATH, the cache or pip)");
    link_or_copy(&lib, &tmp.path().join("usr/lib/outfit-studio").join(runtime::lib_file_name()));
    let elsewhere = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(&exe)
        .arg("--db")
        .arg(elsewhere.path().join("studio.db"))
        .arg("doctor")
        .env_remove("ORT_DYLIB_PATH")
        .env_remove("OUTFIT_STUDIO_MODELS")
        .env_remove("OUTFIT_STUDIO_DB")
        .env("OUTFIT_STUDIO_CACHE", elsewhere.path().join("cache"))
        .env("OUTFIT_STUDIO_DATA", elsewhere.path().join("data"))
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let base = tmp.path().canonicalize().unwrap();
    let packaged_lib = base.join("usr/lib/outfit-studio").join(runtime::lib_file_name());
    assert!(stdout.contains(&format!("ONNX Runtime: {} (from the installed package)", packaged_lib.display())), "{stdout}");
    assert!(stdout.contains(&format!("models: {}", base.join("usr/lib/outfit-studio/models").display())), "{stdout}");
    assert!(stdout.contains(&format!("shipped heads: {ZERO_SHOT_NAME}\n")), "{stdout}");
    assert!(stdout.contains("demo features: 600 items, fit these encoders"), "{stdout}");
}
