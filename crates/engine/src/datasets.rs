//! Outfit datasets (MANGO, Polyvore, a webshop's own outfits) encoded with this engine's encoders, through the
//! user's feature cache, for pretraining and `eval-outfits`.

use super::Engine;
use crate::{EngineError, Result};
use outfit_model::HeadDims;
use outfit_model::outfit_eval::PreparedSet;
use outfit_model::polyvore::AdultDataset;
use outfit_store::StoredFeatures;
use std::collections::HashMap;
use std::path::Path;

impl Engine {
    /// Encodes a dataset's items through the user's feature cache and builds its [`PreparedSet`]; `cache_key` names
    /// the dataset (its canonical path).
    pub fn prepare_outfit_set(&self, data: &AdultDataset, cache_key: &str) -> Result<PreparedSet> {
        let path = outfit_encode::feature_cache::cache_file(&outfit_paths::cache_dir(), cache_key, &self.encoder_key());
        self.prepare_outfit_set_cached(data, &path)
    }

    /// [`PreparedSet`]s of parts of `data` (subsets of its items and outfits, such as one collection each:
    /// `outfit_sets::collection_subset`), encoded once through `data`'s own feature cache.
    pub fn prepare_outfit_parts(&self, data: &AdultDataset, cache_key: &str, parts: &[&AdultDataset]) -> Result<Vec<PreparedSet>> {
        let path = outfit_encode::feature_cache::cache_file(&outfit_paths::cache_dir(), cache_key, &self.encoder_key());
        let (feats, dims) = self.encode_outfit_set(data, &path)?;
        let by_id: HashMap<&str, &StoredFeatures> = data.items.keys().map(String::as_str).zip(&feats).collect();
        parts
            .iter()
            .map(|part| {
                let mut own = Vec::with_capacity(part.items.len());
                for (row, id) in part.items.keys().enumerate() {
                    let f =
                        by_id.get(id.as_str()).ok_or_else(|| EngineError::Invalid(format!("{id} is not an item of {}", data.source)))?;
                    own.push(StoredFeatures { item_id: row as i64, ..(*f).clone() });
                }
                let mut set = PreparedSet::new(part, dims, &own)?;
                set.title_text = self.title_embeddings(part, &set)?;
                Ok(set)
            })
            .collect()
    }

    /// [`Engine::prepare_outfit_set`] with an explicit cache file.
    pub fn prepare_outfit_set_cached(&self, data: &AdultDataset, path: &Path) -> Result<PreparedSet> {
        let (feats, dims) = self.encode_outfit_set(data, path)?;
        let mut set = PreparedSet::new(data, dims, &feats)?;
        set.title_text = self.title_embeddings(data, &set)?;
        Ok(set)
    }

    /// Features of `data.catalogue_items()`, in that order, through the cache file `path`.
    fn encode_outfit_set(&self, data: &AdultDataset, path: &Path) -> Result<(Vec<StoredFeatures>, HeadDims)> {
        let items = data.catalogue_items();
        let models_dir = self.models_dir.clone();
        let t0 = std::time::Instant::now();
        let (feats, stats) = outfit_encode::feature_cache::encode_cached(
            path,
            &items,
            &mut || outfit_encode::Encoders::load(&models_dir),
            &mut |done, total| {
                if done % 1024 < 256 || done == total {
                    eprintln!("  encoded {done}/{total} items");
                }
            },
        )?;
        eprintln!(
            "features: {} from the cache, {} encoded in {:.1}s ({})",
            stats.cached,
            stats.encoded,
            t0.elapsed().as_secs_f64(),
            path.display()
        );
        Ok((feats, HeadDims::standard(self.manifest().image.dim, self.manifest().text.dim)))
    }

    /// The text encoder's embedding of each table row's raw title, for the raw-title baseline (`None` when the data
    /// has no titles). Not cached: titles are short, 10k of them encode in seconds.
    fn title_embeddings(&self, data: &AdultDataset, set: &PreparedSet) -> Result<Option<Vec<f32>>> {
        let items: Vec<&outfit_model::polyvore::AdultItem> = data.items.values().collect();
        let titles: Vec<String> = set.table.item_ids.iter().map(|&i| items[i as usize].title.trim().to_lowercase()).collect();
        if titles.iter().all(String::is_empty) {
            return Ok(None);
        }
        let mut enc = outfit_encode::Encoders::load(&self.models_dir)?;
        let dim = set.table.dims.text;
        let mut out = vec![0f32; titles.len() * dim];
        for (k, chunk) in titles.chunks(256).enumerate() {
            let vecs = enc.encode_texts(chunk)?;
            for (j, (t, v)) in chunk.iter().zip(vecs).enumerate() {
                if !t.is_empty() {
                    let r = k * 256 + j;
                    out[r * dim..(r + 1) * dim].copy_from_slice(&v);
                }
            }
        }
        Ok(Some(out))
    }
}
