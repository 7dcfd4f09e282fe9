//! Encoder features of outfit datasets (MANGO, Polyvore), cached on disk like the catalogue's are in SQLite.
//!
//! Dataset items are not catalogue items (they must never show up in children's suggestions), so their features
//! live in one safetensors file per dataset and encoder pair under the user cache. Each item is keyed by what its
//! features depend on (id, encoder text, image path, size and modification time): a changed item is re-encoded,
//! an unchanged one is read back. Re-evaluating MANGO then takes seconds instead of minutes of encoding.

use super::{Encoders, encode_items, item_text};
use crate::error::Explain;
use crate::{EncodeError, Result};
use outfit_store::{StoredFeatures, StoredItem};
use safetensors::tensor::{Dtype, TensorView};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What an item's features depend on.
pub fn item_key(it: &StoredItem) -> String {
    let mut h = Sha256::new();
    h.update(it.item.sku.as_bytes());
    h.update([0]);
    h.update(item_text(&it.item).as_bytes());
    h.update([0]);
    if let Some(p) = it.item.image.as_deref().filter(|_| it.item.image_status.usable()) {
        h.update(p.as_bytes());
        if let Ok(m) = std::fs::metadata(p) {
            h.update(m.len().to_le_bytes());
            let t = m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_nanos()).unwrap_or(0);
            h.update(t.to_le_bytes());
        }
    }
    hex::encode(&h.finalize()[..16])
}

/// The cache file for one dataset (named by `source`, e.g. its directory) and encoder pair.
pub fn cache_file(cache_dir: &Path, source: &str, encoder_key: &str) -> PathBuf {
    let h = Sha256::digest(format!("{source}\u{0}{encoder_key}").as_bytes());
    cache_dir.join("outfit-features").join(format!("{}.safetensors", hex::encode(&h[..12])))
}

/// Cached features by item key.
struct Cached {
    rows: HashMap<String, (Option<Vec<f32>>, Vec<f32>)>,
}

fn read(path: &Path) -> Result<Cached> {
    let bytes = std::fs::read(path).map_err(EncodeError::io(path))?;
    let (_, meta) = safetensors::SafeTensors::read_metadata(&bytes)?;
    let keys: Vec<String> =
        serde_json::from_str(meta.metadata().as_ref().and_then(|m| m.get("keys")).explain(EncodeError::Features, || "no keys".into())?)?;
    let st = safetensors::SafeTensors::deserialize(&bytes)?;
    let f32s = |name: &str| -> Result<(Vec<f32>, usize)> {
        let t = st.tensor(name)?;
        let dim = *t.shape().get(1).explain(EncodeError::Features, || format!("{name} is not 2-d"))?;
        Ok((bytemuck::pod_collect_to_vec(t.data()), dim))
    };
    let (image, image_dim) = f32s("image")?;
    let (text, text_dim) = f32s("text")?;
    let has = st.tensor("has_image")?.data().to_vec();
    if has.len() != keys.len() || image.len() != keys.len() * image_dim || text.len() != keys.len() * text_dim {
        return Err(EncodeError::Features(format!("{} is inconsistent", path.display())));
    }
    let rows = keys
        .into_iter()
        .enumerate()
        .map(|(i, k)| {
            let img = (has[i] != 0).then(|| image[i * image_dim..(i + 1) * image_dim].to_vec());
            (k, (img, text[i * text_dim..(i + 1) * text_dim].to_vec()))
        })
        .collect();
    Ok(Cached { rows })
}

fn write(path: &Path, keys: &[String], feats: &[StoredFeatures], image_dim: usize, text_dim: usize) -> Result<()> {
    let n = keys.len();
    let mut image = vec![0f32; n * image_dim];
    let mut text = vec![0f32; n * text_dim];
    let mut has = vec![0u8; n];
    for (i, f) in feats.iter().enumerate() {
        if let Some(v) = f.image.as_ref().filter(|v| v.len() == image_dim) {
            image[i * image_dim..(i + 1) * image_dim].copy_from_slice(v);
            has[i] = 1;
        }
        if f.text.len() == text_dim {
            text[i * text_dim..(i + 1) * text_dim].copy_from_slice(&f.text);
        }
    }
    let image_b: &[u8] = bytemuck::cast_slice(&image);
    let text_b: &[u8] = bytemuck::cast_slice(&text);
    let views = [
        ("image", TensorView::new(Dtype::F32, vec![n, image_dim], image_b)?),
        ("text", TensorView::new(Dtype::F32, vec![n, text_dim], text_b)?),
        ("has_image", TensorView::new(Dtype::U8, vec![n], &has)?),
    ];
    let meta = HashMap::from([("keys".to_string(), serde_json::to_string(keys)?)]);
    let bytes = safetensors::serialize(views, Some(meta))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(EncodeError::io(dir))?;
    }
    // Written beside and renamed: a crash mid-write leaves the old cache, never half a file.
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(EncodeError::io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(EncodeError::io(path))?;
    Ok(())
}

/// How many items were read from the cache and how many encoded.
#[derive(Debug, Clone, Copy, Default)]
pub struct CacheStats {
    pub cached: usize,
    pub encoded: usize,
}

/// Features for `items` (in order): cached ones read back, the rest encoded (loading the encoders only then)
/// and the cache rewritten. An unreadable cache file is ignored and replaced.
pub fn encode_cached(
    path: &Path,
    items: &[StoredItem],
    load: &mut dyn FnMut() -> Result<Encoders>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(Vec<StoredFeatures>, CacheStats)> {
    let keys: Vec<String> = items.iter().map(item_key).collect();
    let cached = match read(path) {
        Ok(c) => Some(c),
        Err(e) => {
            if path.exists() {
                tracing::warn!("ignoring unreadable feature cache {}: {e:#}", path.display());
            }
            None
        }
    };
    let mut out: Vec<Option<StoredFeatures>> = items
        .iter()
        .zip(&keys)
        .map(|(it, k)| {
            let (img, txt) = cached.as_ref()?.rows.get(k)?;
            Some(StoredFeatures { item_id: it.id, image: img.clone(), text: txt.clone() })
        })
        .collect();
    let todo: Vec<usize> = (0..items.len()).filter(|&i| out[i].is_none()).collect();
    let stats = CacheStats { cached: items.len() - todo.len(), encoded: todo.len() };
    if !todo.is_empty() {
        let mut enc = load()?;
        for (done, chunk) in todo.chunks(256).enumerate() {
            let batch: Vec<StoredItem> = chunk.iter().map(|&i| items[i].clone()).collect();
            for (&i, f) in chunk.iter().zip(encode_items(&mut enc, &batch)?) {
                out[i] = Some(f);
            }
            progress((done * 256 + chunk.len()).min(todo.len()), todo.len());
        }
        let feats: Vec<StoredFeatures> = out.iter().map(|f| f.clone().expect("every item encoded")).collect();
        let image_dim = enc.manifest.image.dim;
        let text_dim = enc.manifest.text.dim;
        write(path, &keys, &feats, image_dim, text_dim)?;
        return Ok((feats, stats));
    }
    Ok((out.into_iter().map(|f| f.expect("all cached")).collect(), stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_features_read_back_by_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = cache_file(dir.path(), "toy", "enc");
        let feats = vec![
            StoredFeatures { item_id: 0, image: Some(vec![1.0, 2.0]), text: vec![3.0, 4.0, 5.0] },
            StoredFeatures { item_id: 1, image: None, text: vec![6.0, 7.0, 8.0] },
        ];
        write(&path, &["a".into(), "b".into()], &feats, 2, 3).unwrap();
        let c = read(&path).unwrap();
        assert_eq!(c.rows["a"], (Some(vec![1.0, 2.0]), vec![3.0, 4.0, 5.0]));
        assert_eq!(c.rows["b"], (None, vec![6.0, 7.0, 8.0]));
        std::fs::write(&path, b"garbage").unwrap();
        assert!(read(&path).is_err(), "a corrupt cache is refused, not misread");
        assert_ne!(cache_file(dir.path(), "toy", "enc"), cache_file(dir.path(), "toy", "other-encoders"));
    }
}
