//! The real ONNX encoders through ort: provisioning, checksums, signatures, and outputs against the Python
//! reference recorded by tools/export_models.py.

use outfit_studio::catalogue::images::load_rgba;
use outfit_studio::encode::Encoders;
use outfit_studio::encode::manifest::{Manifest, default_models_dir};
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
    // The reference was recorded with the fp32 model; the shipped int8 one must agree with it on these photos.
    let models = default_models_dir();
    let shipped = Manifest::load(&models).unwrap();
    let mut fp32 = Encoders::load_with(&models, shipped.with_reference_image().expect("an fp32 reference")).unwrap();
    let mut int8 = Encoders::load(&models).unwrap();
    let mut embs = Vec::new();
    for (img, path) in images.iter().zip(paths) {
        let pixels = fp32.preprocess(&load_rgba(&path).unwrap());
        for enc in [&mut fp32, &mut int8] {
            let logits = enc.classify_pixels(&pixels).unwrap();
            let top1 = logits.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
            assert_eq!(top1 as u64, img["top1_class_index"].as_u64().unwrap(), "ImageNet top-1 of {}", path.display());
        }
        let e = fp32.encode_pixels(std::slice::from_ref(&pixels)).unwrap().remove(0);
        assert_eq!(e.len(), 1280);
        let norm = e.iter().map(|x| x * x).sum::<f32>().sqrt();
        let want = img["norm"].as_f64().unwrap() as f32;
        assert!((norm - want).abs() / want < 0.05, "norm {norm} vs {want}");
        let q = int8.encode_pixels(std::slice::from_ref(&pixels)).unwrap().remove(0);
        assert!(cosine(&e, &q) > 0.97, "int8 vs fp32 cosine {} on {}", cosine(&e, &q), path.display());
        // Same image twice: identical embedding.
        assert_eq!(q, int8.encode_pixels(&[pixels]).unwrap().remove(0));
        embs.push(q);
    }
    assert!(cosine(&embs[0], &embs[1]) < 0.95, "two different garments must differ");
}

/// Cosines of the shipped (int8) image model's embeddings to the fp32 reference's, one per photo.
fn int8_cosines(photos: &[PathBuf]) -> Vec<f32> {
    let models = default_models_dir();
    let manifest = Manifest::load(&models).unwrap();
    let mut fp32 = Encoders::load_with(&models, manifest.with_reference_image().unwrap()).unwrap();
    let mut int8 = Encoders::load(&models).unwrap();
    let pixels: Vec<Vec<f32>> = photos.iter().map(|p| int8.preprocess(&load_rgba(p).unwrap())).collect();
    let (a, b) = (fp32.encode_pixels(&pixels).unwrap(), int8.encode_pixels(&pixels).unwrap());
    let mut cos: Vec<f32> = a.iter().zip(&b).map(|(x, y)| cosine(x, y)).collect();
    cos.sort_by(f32::total_cmp);
    cos
}

fn photos_in(dir: &Path, n: usize) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files.into_iter().filter(|p| p.extension().is_some_and(|x| x == "jpg" || x == "png")).take(n).collect()
}

#[test]
fn the_int8_image_model_stays_as_close_to_fp32_as_the_manifest_says() {
    let manifest = Manifest::load(&default_models_dir()).unwrap();
    assert_eq!(manifest.image.precision, "int8");
    let recorded = manifest.image.cosine_to_fp32.clone().expect("the manifest records the int8 model's cosine to fp32");
    // The repository's own demo photos (drawn, not photographed: a harder case for ranges calibrated on photos).
    let demo = int8_cosines(&photos_in(&Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/images"), 48));
    let median = demo[demo.len() / 2];
    eprintln!("int8 vs fp32 cosine, 48 demo photos: median {median:.4}, min {:.4}", demo[0]);
    assert!(median > 0.99 && demo[0] > 0.98, "demo photos: int8 vs fp32 cosine median {median}, min {}", demo[0]);
    // Real product photos, which the manifest's figures were measured on (H&M's, none of them in calibration).
    let Some(hm) = shared("../shared/data/hm-kids/images/0146706004.jpg") else {
        eprintln!("SKIPPED (real photos): ../shared/data/hm-kids is not here");
        return;
    };
    let cos = int8_cosines(&photos_in(hm.parent().unwrap(), 96));
    let median = cos[cos.len() / 2];
    eprintln!("int8 vs fp32 cosine, 96 H&M photos: median {median:.4}, min {:.4}", cos[0]);
    assert!(
        median > recorded.median - 0.005 && cos[0] > recorded.min - 0.02,
        "H&M photos: int8 vs fp32 cosine median {median}, min {} (manifest: median {}, min {})",
        cos[0],
        recorded.median,
        recorded.min
    );
}

#[test]
fn wrong_model_files_say_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let src = default_models_dir();
    for f in ["manifest.json", "efficientnet-lite0-int8.onnx", "all-minilm-l6-v2.onnx", "all-minilm-l6-v2.tokenizer.json"] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    // A corrupted byte: checksum mismatch.
    let p = dir.path().join("efficientnet-lite0-int8.onnx");
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
    assert!(err.contains("efficientnet-lite0-int8.onnx is missing"), "{err}");
}

#[test]
fn a_new_text_template_re_encodes_text_only_and_keeps_the_photos() {
    // A text-template bump changes the encoder key: every item needs new features, but its photo's vector is the
    // same, so re-indexing encodes titles only (minutes, not the hours of a large catalogue's photos).
    let tmp = tempfile::tempdir().unwrap();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/images");
    let feed = tmp.path().join("feed.csv");
    std::fs::write(
        &feed,
        format!(
            "sku,title,category,image\nA,Striped tee,T-shirts,{}\nB,Denim shorts,Shorts,{}\nC,Sun hat,Hats,\n",
            demo.join("KD-000001.png").display(),
            demo.join("KD-000002.png").display()
        ),
    )
    .unwrap();
    let db = tmp.path().join("x.db");
    let mut e = outfit_studio::engine::Engine::open(&db, &default_models_dir()).unwrap();
    e.import(&feed).unwrap();
    let first = e.index_catalogue(8, &mut |_| {}, &|| false).unwrap();
    assert_eq!((first.encoded, first.images_reused), (3, 0));
    let key = e.encoder_key();
    let before = e.store().load_features(&key).unwrap();
    // As an earlier template left them: the same image encoder, an older text key, and a recognisable image vector.
    let old_key = format!("{}+{}@0+text-v0", e.manifest().image_key(), e.manifest().text.name);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let marker: Vec<u8> = std::iter::repeat_n(0.25f32.to_le_bytes(), e.manifest().image.dim).flatten().collect();
    conn.execute(
        "UPDATE features SET encoder_key = ?1, image_vec = CASE WHEN image_vec IS NULL THEN NULL ELSE ?2 END",
        rusqlite::params![old_key, marker],
    )
    .unwrap();
    let again = e.index_catalogue(8, &mut |_| {}, &|| false).unwrap();
    assert_eq!((again.encoded, again.images_reused), (3, 2), "two photos kept, the photo-less hat encoded in full");
    let after = e.store().load_features(&key).unwrap();
    for id in after.keys() {
        // Batched with other texts, the padding differs, and the int8 text model rounds differently with it.
        let c = cosine(&after[id].text, &before[id].text);
        assert!(c > 0.98, "the text is encoded again: cosine {c}");
    }
    let reused: Vec<_> = after.values().filter_map(|f| f.image.as_ref()).collect();
    assert_eq!(reused.len(), 2);
    assert!(reused.iter().all(|v| v.iter().all(|x| *x == 0.25)), "the stored photo vectors were kept, not recomputed");
    let left: i64 = conn.query_row("SELECT COUNT(*) FROM features WHERE encoder_key = ?1", [&old_key], |r| r.get(0)).unwrap();
    assert_eq!(left, 0, "the earlier template's rows are dropped once every item has today's");
}
