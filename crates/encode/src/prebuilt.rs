//! Precomputed encoder features (a "feature pack"), so the demo catalogue is usable the moment it is imported
//! instead of after encoding its 600 photos (most of a first launch's time).
//!
//! A pack is a safetensors file: `image` [n, image dim] and `text` [n, text dim] in f16 (half the bytes; f16
//! rounding moves a vector's cosine by under 1e-4, far below the int8 image encoder's own 0.99), `has_image` [n],
//! and in its metadata the encoder key it was computed with and one content key per row. A row is only used for
//! an item whose content key matches: the SKU, the encoder's text of the item and the bytes of its photo. So a
//! pack can never give an item features its encoders would not compute; anything else is encoded as usual.
//! `outfit-studio demo-features` (tools/demo_features.sh) writes the demo's pack.

use super::item_text;
use crate::error::Explain;
use crate::{EncodeError, Result};
use half::f16;
use outfit_store::{Store, StoredFeatures, StoredItem};
use safetensors::tensor::{Dtype, TensorView};
use std::collections::HashMap;
use std::path::Path;

/// What an item's features are a function of (with the encoder key): its SKU, its encoder text and its photo's
/// bytes. `None` for an item without a usable, readable photo (those are left to the encoders).
pub fn content_key(it: &StoredItem) -> Option<String> {
    let path = it.item.image.as_deref().filter(|_| it.item.image_status.usable())?;
    let photo = std::fs::read(Path::new(path)).ok()?;
    Some(outfit_paths::stable_key(&[it.item.sku.as_bytes(), item_text(&it.item).as_bytes(), &photo]))
}

/// One row of a pack.
struct Row {
    key: String,
    image: Vec<f32>,
    text: Vec<f32>,
}

/// A parsed feature pack, by SKU.
pub struct FeaturePack {
    pub encoder_key: String,
    rows: HashMap<String, Row>,
}

impl FeaturePack {
    pub fn parse(bytes: &[u8]) -> Result<FeaturePack> {
        let (_, meta) =
            safetensors::SafeTensors::read_metadata(bytes).explain(EncodeError::Features, || "not a feature pack (safetensors)".into())?;
        let meta = meta.metadata().as_ref().explain(EncodeError::Features, || "a feature pack without metadata".into())?;
        let encoder_key =
            meta.get("encoder_key").explain(EncodeError::Features, || "a feature pack without an encoder key".into())?.clone();
        let skus: Vec<String> = serde_json::from_str(meta.get("skus").explain(EncodeError::Features, || "no skus".into())?)?;
        let keys: Vec<String> = serde_json::from_str(meta.get("keys").explain(EncodeError::Features, || "no keys".into())?)?;
        let st = safetensors::SafeTensors::deserialize(bytes)?;
        let halves = |name: &str| -> Result<(Vec<f32>, usize)> {
            let t = st.tensor(name)?;
            if t.dtype() != Dtype::F16 {
                return Err(EncodeError::Features(format!("feature pack tensor {name} is {:?}, expected F16", t.dtype())));
            }
            let dim = *t.shape().get(1).explain(EncodeError::Features, || "not 2-d".into())?;
            let v: Vec<f16> = bytemuck::pod_collect_to_vec(t.data());
            Ok((v.into_iter().map(f16::to_f32).collect(), dim))
        };
        let (image, image_dim) = halves("image")?;
        let (text, text_dim) = halves("text")?;
        let has = st.tensor("has_image")?.data().to_vec();
        let n = skus.len();
        if keys.len() != n || has.len() != n || image.len() != n * image_dim || text.len() != n * text_dim {
            return Err(EncodeError::Features(format!("inconsistent feature pack ({n} SKUs, {} keys, {} flags)", keys.len(), has.len())));
        }
        let rows = skus
            .into_iter()
            .zip(keys)
            .enumerate()
            .filter(|(i, _)| has[*i] != 0)
            .map(|(i, (sku, key))| {
                let row = Row {
                    key,
                    image: image[i * image_dim..(i + 1) * image_dim].to_vec(),
                    text: text[i * text_dim..(i + 1) * text_dim].to_vec(),
                };
                (sku, row)
            })
            .collect();
        Ok(FeaturePack { encoder_key, rows })
    }

    /// The (image, text) features stored for `sku`.
    pub fn get(&self, sku: &str) -> Option<(&[f32], &[f32])> {
        self.rows.get(sku).map(|r| (r.image.as_slice(), r.text.as_slice()))
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Stores the pack's features for every item that needs features under `encoder_key` and whose content key
/// matches its row, in one transaction; returns how many. A pack made for other encoders seeds nothing.
pub fn seed(store: &mut Store, encoder_key: &str, pack: &FeaturePack) -> Result<usize> {
    if pack.encoder_key != encoder_key {
        tracing::info!("feature pack made for {} (today: {encoder_key}): items are encoded instead", pack.encoder_key);
        return Ok(0);
    }
    let batch: Vec<(StoredItem, StoredFeatures, Option<String>)> = store
        .items_needing_features(encoder_key)?
        .into_iter()
        .filter_map(|it| {
            let row = pack.rows.get(it.item.sku.as_str())?;
            (content_key(&it)? == row.key).then(|| {
                let f = StoredFeatures { item_id: it.id, image: Some(row.image.clone()), text: row.text.clone() };
                (it, f, None)
            })
        })
        .collect();
    if !batch.is_empty() {
        store.put_features(encoder_key, &batch)?;
    }
    Ok(batch.len())
}

/// A pack of every item with a photo that has features under `encoder_key` in `store`.
pub fn export(store: &Store, encoder_key: &str) -> Result<Vec<u8>> {
    let feats = store.load_features(encoder_key)?;
    let mut items = store.all_items()?;
    items.sort_by(|a, b| a.item.sku.cmp(&b.item.sku));
    let (mut skus, mut keys, mut image, mut text) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut image_dim, mut text_dim) = (0, 0);
    for it in &items {
        let (Some(f), Some(key)) = (feats.get(&it.id), content_key(it)) else { continue };
        let Some(img) = &f.image else { continue };
        image_dim = img.len();
        text_dim = f.text.len();
        image.extend(img.iter().map(|&x| f16::from_f32(x)));
        text.extend(f.text.iter().map(|&x| f16::from_f32(x)));
        skus.push(it.item.sku.clone());
        keys.push(key);
    }
    if skus.is_empty() {
        return Err(EncodeError::Features(format!("no item with a photo has features under {encoder_key}: index the catalogue first")));
    }
    let n = skus.len();
    let has = vec![1u8; n];
    let views = [
        ("image", TensorView::new(Dtype::F16, vec![n, image_dim], bytemuck::cast_slice(&image))?),
        ("text", TensorView::new(Dtype::F16, vec![n, text_dim], bytemuck::cast_slice(&text))?),
        ("has_image", TensorView::new(Dtype::U8, vec![n], &has)?),
    ];
    let meta = HashMap::from([
        ("encoder_key".to_string(), encoder_key.to_string()),
        ("skus".to_string(), serde_json::to_string(&skus)?),
        ("keys".to_string(), serde_json::to_string(&keys)?),
    ]);
    Ok(safetensors::serialize(views, Some(meta))?)
}
