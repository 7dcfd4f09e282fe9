//! The real ONNX encoders through ort: provisioning, checksums, signatures, and outputs against the Python
//! reference recorded by tools/export_models.py.

use outfit_studio::catalogue::images::load_rgba;
use outfit_studio::encode::{Encoders, manifest::default_models_dir};
use std::path::{Path, PathBuf};

fn reference() -> serde_json::Value {
    serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/encoder_reference.json")).unwrap(),
    )
    .unwrap()
}

/// A reference path recorded relative to the repository ("../shared/data/..."): the shared data set lives beside
/// the checkout (CI has it; a plain clone does not). `OUTFIT_STUDIO_SHARED_DIR` stands in for `../shared`, which
/// is also how to check that the tests skip without it (point it at a directory that does not exist).
fn shared(p: &str) -> Option<PathBuf> {
    let rest = p.strip_prefix("../shared/")?;
    let root = std::env::var_os("OUTFIT_STUDIO_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    Some(root.join(rest)).filter(|p| p.is_file())
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let d: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    d / (a.iter().map(|x| x * x).sum::<f32>().sqrt() * b.iter().map(|x| x * x).sum::<f32>().sqrt())
}

#[test]
fn text_encoder_matches_python_reference() {
    let mut enc = Encoders::load(&default_models_dir()).unwrap();
    let r = reference();
    let sentences: Vec<String> = r["sentences"].as_array().unwrap().iter().map(|s| s["text"].as_str().unwrap().to_string()).collect();
    for s in r["sentences"].as_array().unwrap() {
        let text = s["text"].as_str().unwrap();
        let ids: Vec<u32> = s["token_ids"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as u32).collect();
        assert_eq!(enc.token_ids(text).unwrap(), ids, "tokenisation of {text:?}");
        let v = enc.encode_texts(&[text.to_string()]).unwrap().remove(0);
        assert_eq!(v.len(), 384);
        for (a, b) in v.iter().zip(s["first16"].as_array().unwrap()) {
            assert!((a - b.as_f64().unwrap() as f32).abs() < 2e-3, "{text:?}: {a} vs {b}");
        }
    }
    let all = enc.encode_texts(&sentences).unwrap();
    for c in r["sentence_cosines"].as_array().unwrap() {
        let i = sentences.iter().position(|s| s == c["a"].as_str().unwrap()).unwrap();
        let j = sentences.iter().position(|s| s == c["b"].as_str().unwrap()).unwrap();
        // Batched (padded) int8 inference differs slightly from one-at-a-time.
        assert!((cosine(&all[i], &all[j]) - c["cosine"].as_f64().unwrap() as f32).abs() < 0.03);
    }
    // Deterministic.
    assert_eq!(enc.encode_texts(&sentences[..1]).unwrap(), enc.encode_texts(&sentences[..1]).unwrap());
}

#[test]
fn image_encoder_matches_python_reference_on_real_photos() {
    let r = reference();
    let images = r["images"].as_array().unwrap();
    let paths: Option<Vec<PathBuf>> = images.iter().map(|img| shared(img["path"].as_str().unwrap())).collect();
    let Some(paths) = paths else {
        eprintln!("SKIPPED: the reference photos ({}) are not here (no ../shared beside the checkout)", images[0]["path"]);
        return;
    };
    let mut enc = Encoders::load(&default_models_dir()).unwrap();
    let mut embs = Vec::new();
    for (img, path) in images.iter().zip(paths) {
        let pixels = enc.preprocess(&load_rgba(&path).unwrap());
        let logits = enc.classify_pixels(&pixels).unwrap();
        let top1 = logits.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
        assert_eq!(top1 as u64, img["top1_class_index"].as_u64().unwrap(), "ImageNet top-1 of {}", path.display());
        let e = enc.encode_pixels(std::slice::from_ref(&pixels)).unwrap().remove(0);
        assert_eq!(e.len(), 1280);
        let norm = e.iter().map(|x| x * x).sum::<f32>().sqrt();
        let want = img["norm"].as_f64().unwrap() as f32;
        assert!((norm - want).abs() / want < 0.05, "norm {norm} vs {want}");
        // Same image twice: identical embedding.
        assert_eq!(e, enc.encode_pixels(&[pixels]).unwrap().remove(0));
        embs.push(e);
    }
    assert!(cosine(&embs[0], &embs[1]) < 0.95, "two different garments must differ");
}

#[test]
fn wrong_model_files_say_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let src = default_models_dir();
    for f in ["manifest.json", "efficientnet-lite0.onnx", "all-minilm-l6-v2.onnx", "all-minilm-l6-v2.tokenizer.json"] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    // A corrupted byte: checksum mismatch.
    let p = dir.path().join("efficientnet-lite0.onnx");
    let mut bytes = std::fs::read(&p).unwrap();
    let n = bytes.len();
    bytes[n - 10] ^= 0xFF;
    std::fs::write(&p, &bytes).unwrap();
    let err = Encoders::load(dir.path()).err().unwrap().to_string();
    assert!(err.contains("sha256") && err.contains("manifest expects"), "{err}");

    // The text model in place of the image model, with a matching checksum: the signature check names the input.
    std::fs::copy(src.join("all-minilm-l6-v2.onnx"), &p).unwrap();
    let mut m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("manifest.json")).unwrap()).unwrap();
    m["image"]["sha256"] = m["text"]["sha256"].clone();
    std::fs::write(dir.path().join("manifest.json"), m.to_string()).unwrap();
    let err = format!("{:#}", Encoders::load(dir.path()).err().unwrap());
    assert!(err.contains("expected an input named \"pixel_values\" with shape [-1, 3, 224, 224]"), "{err}");

    // A missing file.
    std::fs::remove_file(&p).unwrap();
    let err = Encoders::load(dir.path()).err().unwrap().to_string();
    assert!(err.contains("efficientnet-lite0.onnx is missing"), "{err}");
}
