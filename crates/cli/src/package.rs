//! Commands about the installation itself: `doctor` (are ONNX Runtime and the models found and usable, and from
//! where) and `demo-features` (regenerates the demo's precomputed features, assets/demo/features.safetensors).

use anyhow::{Context, Result};
use outfit_engine::Engine;
use std::path::Path;

/// Checks that ONNX Runtime and the models load, saying where each was found.
pub(crate) fn doctor(db: &Path, models: &Path) -> Result<()> {
    let (lib, source) = outfit_encode::runtime::library_with_source()?;
    println!("ONNX Runtime: {} (from {})", lib.display(), source.describe());
    println!("models: {}", models.display());
    let mut enc = outfit_encode::Encoders::load(models)?;
    println!("encoders: {} (checksums and signatures verified)", enc.encoder_key());
    let image = &enc.manifest.image;
    match &image.cosine_to_fp32 {
        Some(c) => println!(
            "image model: {} ({}; cosine to the fp32 model median {:.4}, min {:.4} on {} photos of {})",
            image.file, image.precision, c.median, c.min, c.photos, c.set
        ),
        None => println!("image model: {} ({})", image.file, image.precision),
    }
    let v = enc.encode_texts(&["red summer dress".to_string()])?;
    println!("text embedding dim {}", v[0].len());
    let heads: Vec<&str> = outfit_engine::SHIPPED_HEADS.iter().filter(|(f, _)| models.join(f).is_file()).map(|(_, name)| *name).collect();
    println!(
        "shipped heads: {}",
        if heads.is_empty() { "none (a zero-shot head is built from the catalogue)".into() } else { heads.join(", ") }
    );
    match outfit_encode::prebuilt::FeaturePack::parse(outfit_demo::FEATURES) {
        Ok(p) if p.encoder_key == enc.encoder_key() => println!("demo features: {} items, fit these encoders", p.len()),
        Ok(p) => println!("demo features: {} items, made for other encoders: the demo is encoded on import", p.len()),
        Err(e) => println!("demo features: unreadable ({e:#}): the demo is encoded on import"),
    }
    println!("database: {}", db.display());
    Ok(())
}

/// Installs the demo into a scratch folder, imports and indexes it into a fresh database there (encoding every
/// photo), then writes its feature pack to `out`.
pub(crate) fn demo_features(models: &Path, out: &Path) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("outfit-demo-features-{}", std::process::id()));
    let written = (|| {
        let mut e = Engine::open(&dir.join("demo.db"), models)?;
        e.import(&outfit_demo::install(&dir.join("demo"))?)?;
        let stats = e.index_catalogue(32, &mut |_| {}, &|| false)?;
        Ok::<_, anyhow::Error>((stats, e.feature_pack()?, e.encoder_key()))
    })();
    let _ = std::fs::remove_dir_all(&dir);
    let (stats, pack, key) = written?;
    std::fs::write(out, &pack).with_context(|| format!("cannot write {}", out.display()))?;
    println!("encoded {} demo items in {:.1} s; wrote {} ({} bytes, {key})", stats.encoded, stats.seconds, out.display(), pack.len());
    Ok(())
}
