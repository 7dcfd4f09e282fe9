//! Issue 7, bad models: missing encoder files, wrong checksums, graphs with other input names or shapes, a head
//! whose dimensions do not match the encoders, a corrupt shipped head, a malformed manifest. Each names what was
//! expected; the app still opens wherever it can work without the broken part.
//! (tests/encoders.rs already covers a flipped byte in the image model, the text model in the image model's place,
//! and a missing image model file, at the `Encoders::load` level.)

use outfit_studio::encode::Encoders;
use outfit_studio::encode::manifest::default_models_dir;
use outfit_studio::engine::Engine;
use outfit_studio::model::{BlockWeights, Head, HeadDims};
use std::path::{Path, PathBuf};

const FILES: [&str; 7] = [
    "manifest.json",
    "efficientnet-lite0-int8.onnx",
    "efficientnet-lite0.onnx",
    "all-minilm-l6-v2.onnx",
    "all-minilm-l6-v2.tokenizer.json",
    "head-zeroshot.safetensors",
    "head-zeroshot.json",
];

/// A models directory linking to the shipped files, minus `leave_out`; manifest.json is a copy (to edit).
fn models_dir(leave_out: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = default_models_dir();
    for f in FILES.iter().filter(|f| !leave_out.contains(f)) {
        if *f == "manifest.json" {
            std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
        } else {
            std::os::unix::fs::symlink(src.join(f), dir.path().join(f)).unwrap();
        }
    }
    dir
}

fn edit_manifest(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let p = dir.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    edit(&mut m);
    std::fs::write(p, m.to_string()).unwrap();
}

fn feed(dir: &Path) -> PathBuf {
    let f = dir.join("feed.csv");
    std::fs::write(&f, "sku,title,category,price\nA,Red dress,Dresses,199\nB,Sandals,Sandals,149\n").unwrap();
    f
}

fn index(e: &mut Engine) -> Result<outfit_studio::encode::IndexStats, outfit_studio::engine::EngineError> {
    e.index_catalogue(8, &mut |_| {}, &|| false)
}

fn cli(db: &Path, models: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_outfit-studio"))
        .env_remove("OUTFIT_STUDIO_DB")
        .arg("--db")
        .arg(db)
        .arg("--models")
        .arg(models)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_app_opens_and_labels_without_encoder_files() {
    let models = models_dir(&[
        "efficientnet-lite0-int8.onnx",
        "efficientnet-lite0.onnx",
        "all-minilm-l6-v2.onnx",
        "all-minilm-l6-v2.tokenizer.json",
    ]);
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("s.db");
    // Encoders load lazily, at index time: opening, importing and judging work without them.
    let mut e = Engine::open(&db, models.path()).expect("the app opens without encoder files");
    assert_eq!(e.import(&feed(tmp.path())).unwrap().inserted, 2);
    let id = e
        .judge(
            &["A".into(), "B".into()],
            outfit_studio::store::Verdict::Accept,
            "ana",
            outfit_studio::store::JudgementSource::Manual,
            &[],
            None,
        )
        .unwrap();
    assert!(id > 0);
    let err = format!("{:#}", index(&mut e).unwrap_err());
    assert!(err.contains("efficientnet-lite0-int8.onnx is missing") && err.contains("tools/README.md"), "{err}");
    // The failed index left everything as it was; the app reopens.
    assert_eq!(e.store().integrity_check().unwrap(), "ok");
    drop(e);
    let e = Engine::open(&db, models.path()).unwrap();
    assert_eq!(e.store().all_judgements().unwrap().len(), 1);
    // Through the CLI: `index` and `doctor` fail naming the file; `judge` still works.
    let out = cli(&db, models.path(), &["index"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("efficientnet-lite0-int8.onnx is missing"));
    let out = cli(&db, models.path(), &["judge", "reject", "A", "B", "--stylist", "ana"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_wrong_checksum_is_named_at_index_time_not_at_open() {
    let models = models_dir(&[]);
    edit_manifest(models.path(), |m| m["text"]["sha256"] = "0".repeat(64).into());
    let tmp = tempfile::tempdir().unwrap();
    let mut e = Engine::open(&tmp.path().join("s.db"), models.path()).expect("opens with a wrong checksum");
    e.import(&feed(tmp.path())).unwrap();
    let err = format!("{:#}", index(&mut e).unwrap_err());
    assert!(err.contains("all-minilm-l6-v2.onnx has sha256") && err.contains(&format!("manifest expects {}", "0".repeat(64))), "{err}");
    // The tokenizer is checked too.
    let models = models_dir(&[]);
    edit_manifest(models.path(), |m| m["text"]["tokenizer_sha256"] = "ab".repeat(32).into());
    let err = format!("{:#}", Encoders::load(models.path()).err().unwrap());
    assert!(err.contains("tokenizer.json has sha256") && err.contains("the file is corrupt"), "{err}");
}

#[test]
fn graphs_with_other_inputs_or_shapes_are_named() {
    // The manifest promises a 256x256 input; the file has 224x224.
    let models = models_dir(&[]);
    edit_manifest(models.path(), |m| m["image"]["inputs"][0]["shape"] = serde_json::json!([-1, 3, 256, 256]));
    let err = format!("{:#}", Encoders::load(models.path()).err().unwrap());
    assert!(err.contains("image model: input \"pixel_values\" has shape [-1, 3, 224, 224], expected [-1, 3, 256, 256]"), "{err}");
    // The text model under another input name than the graph has.
    let models = models_dir(&[]);
    edit_manifest(models.path(), |m| m["text"]["inputs"][0]["name"] = "token_ids".into());
    let err = format!("{:#}", Encoders::load(models.path()).err().unwrap());
    assert!(err.contains("text model: expected an input named \"token_ids\"") && err.contains("input_ids"), "{err}");
    // An output of another width than the manifest's.
    let models = models_dir(&[]);
    edit_manifest(models.path(), |m| {
        let outputs = m["text"]["outputs"].as_array_mut().unwrap();
        let last = outputs[0]["shape"].as_array().unwrap().len() - 1;
        outputs[0]["shape"][last] = 512.into();
    });
    let err = format!("{:#}", Encoders::load(models.path()).err().unwrap());
    assert!(err.contains("text model: output") && err.contains("512"), "{err}");
}

/// A zero-shot head for other encoder widths.
fn head_with(image: usize, text: usize) -> Head {
    let dims = HeadDims::standard(image, text);
    Head::zero_shot(dims, &vec![0.0; dims.input()], &BlockWeights::default(), (1.0, 0.0), 7).unwrap()
}

#[test]
fn an_active_head_of_other_dimensions_is_refused_naming_both() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("s.db");
    let mut e = Engine::open(&db, &default_models_dir()).unwrap();
    e.import(&feed(tmp.path())).unwrap();
    let shipped = e.active_model().unwrap().id;
    let id = e.install_head("other-encoders", &head_with(512, 384), None, "test", "{}", "{}").unwrap();
    // Activating it through the engine is refused and changes nothing.
    let err = e.activate_model(id).unwrap_err().to_string();
    assert!(err.contains("expects 512-d image") && err.contains("encoders give 1280-d image"), "{err}");
    assert_eq!(e.store().active_model().unwrap().unwrap().id, shipped);
    // Stored as active behind the engine's back (an older build, another encoder set): the app still opens, says
    // why it cannot score naming both sides, and the user can roll back.
    e.store_mut().set_active_model(id).unwrap();
    drop(e);
    let mut e = Engine::open(&db, &default_models_dir()).expect("opens with an unusable active head");
    let note = e.head_error().unwrap().to_string();
    assert!(note.contains("expects 512-d image, 384-d text") && note.contains("encoders give 1280-d image, 384-d text"), "{note}");
    assert!(note.contains("re-create or retrain the head"), "{note}");
    let a = e.item_by_sku("A").unwrap().id;
    let b = e.item_by_sku("B").unwrap().id;
    let err = format!("{:#}", e.score_outfit(&[a, b]).unwrap_err());
    assert!(err.contains("expects 512-d image") && err.contains("models activate"), "{err}");
    let out = cli(&db, &default_models_dir(), &["score", "A", "B"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("expects 512-d image"));
    let out = cli(&db, &default_models_dir(), &["models", "activate", &shipped.to_string()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    e.reload().unwrap();
    assert!(e.head_error().is_none());
    assert_eq!(e.active_model().unwrap().id, shipped);
}

#[test]
fn a_head_trained_on_an_earlier_text_template_is_set_aside_and_named() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("s.db");
    let mut e = Engine::open(&db, &default_models_dir()).unwrap();
    e.import(&feed(tmp.path())).unwrap();
    let shipped = e.active_model().unwrap().clone();
    // A stylist's fine-tuned head, stored when the text encoder read another template.
    let mut stale = shipped.clone();
    stale.name = "fine-tuned-by-anna".into();
    stale.parent_id = Some(shipped.id);
    stale.encoder_key = e.encoder_key().replace(&format!("text-v{}", outfit_studio::encode::template::TEMPLATE_VERSION), "text-v2");
    assert_ne!(stale.encoder_key, e.encoder_key());
    let id = e.store_mut().insert_model(&stale).unwrap();
    let err = e.activate_model(id).unwrap_err().to_string();
    assert!(err.contains("fine-tuned-by-anna") && err.contains("text-v2") && err.contains("fine-tune again"), "{err}");
    // Active from before the upgrade: the app opens on the shipped head and says why, once.
    e.store_mut().set_active_model(id).unwrap();
    drop(e);
    let e = Engine::open(&db, &default_models_dir()).unwrap();
    assert!(e.head_error().is_none());
    assert_eq!(e.active_model().unwrap().name, shipped.name, "the shipped default stands in");
    let note = e.head_note().expect("the switch is said").to_string();
    assert!(note.contains("fine-tuned-by-anna") && note.contains("Fine-tune again") && note.contains("0 stored judgements"), "{note}");
    assert!(!e.fits_encoders(&e.store().model_by_id(id).unwrap().unwrap()));
    let out = cli(&db, &default_models_dir(), &["models"]);
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(listing.lines().any(|l| l.starts_with('!') && l.contains("fine-tuned-by-anna")), "{listing}");
}

#[test]
fn a_corrupt_shipped_head_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let shipped = std::fs::read(default_models_dir().join("head-zeroshot.safetensors")).unwrap();
    let other_dims = head_with(640, 384).to_bytes().unwrap();
    let mut flipped_header = shipped.clone();
    flipped_header[20] ^= 0x5A;
    let cases: [(&str, Vec<u8>); 5] = [
        ("empty", Vec::new()),
        ("garbage", b"definitely not safetensors".repeat(100)),
        ("truncated", shipped[..shipped.len() / 2].to_vec()),
        ("bad header", flipped_header),
        ("other dims", other_dims),
    ];
    for (what, bytes) in cases {
        let models = models_dir(&["head-zeroshot.safetensors"]);
        std::fs::write(models.path().join("head-zeroshot.safetensors"), &bytes).unwrap();
        let db = tmp.path().join(format!("{what}.db"));
        let e = Engine::open(&db, models.path()).unwrap_or_else(|e| panic!("{what}: the app should still open: {e:#}"));
        let err = e.head_error().unwrap_or_else(|| panic!("{what}: no head problem reported")).to_string();
        assert!(e.active_model().is_none(), "{what}");
        if what == "other dims" {
            assert!(err.contains("expects 640-d image") && err.contains("1280-d image"), "{what}: {err}");
        } else {
            assert!(err.contains("head-zeroshot.safetensors is not a valid head"), "{what}: {err}");
        }
    }
    // Without a shipped head at all the app opens, and scoring waits for `index`.
    let models = models_dir(&["head-zeroshot.safetensors", "head-zeroshot.json"]);
    let e = Engine::open(&tmp.path().join("nohead.db"), models.path()).expect("opens without a shipped head");
    assert!(e.active_model().is_none());
}

#[test]
fn a_missing_or_malformed_manifest_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let models = models_dir(&["manifest.json"]);
    let err = format!("{:#}", Engine::open(&tmp.path().join("a.db"), models.path()).err().unwrap());
    assert!(err.contains("manifest.json is missing"), "{err}");
    for (what, text) in [
        ("not json", "{ \"image\": "),
        ("no text section", "{\"image\": {}}"),
        ("wrong type", "{\"image\": {\"dim\": \"1280\"}, \"text\": {}}"),
        ("empty", ""),
    ] {
        std::fs::write(models.path().join("manifest.json"), text).unwrap();
        let err = format!("{:#}", Engine::open(&tmp.path().join("a.db"), models.path()).err().unwrap());
        assert!(err.contains("manifest.json is malformed"), "{what}: {err}");
        let err = format!("{:#}", Encoders::load(models.path()).err().unwrap());
        assert!(err.contains("manifest.json is malformed"), "{what}: {err}");
    }
}
