//! Cached vectors: encoder features per (item, encoder version) and head embeddings per (item, head version).

use super::{Store, StoredItem, blob_to_vec, vec_to_blob};
use anyhow::Result;
use rusqlite::params;
use std::collections::HashMap;

/// The frozen encoders' output for one item.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFeatures {
    pub item_id: i64,
    /// `None` for text-only items (no usable image).
    pub image: Option<Vec<f32>>,
    pub text: Vec<f32>,
}

impl Store {
    /// Items whose features for `encoder_key` are absent or were computed from older content.
    pub fn items_needing_features(&self, encoder_key: &str) -> Result<Vec<StoredItem>> {
        let fresh: HashMap<i64, String> = {
            let mut st = self.conn.prepare("SELECT item_id, content_hash FROM features WHERE encoder_key = ?1")?;
            st.query_map([encoder_key], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?
        };
        Ok(self.all_items()?.into_iter().filter(|i| fresh.get(&i.id) != Some(&i.content_hash)).collect())
    }

    /// Stores features for a batch in one transaction, and drops the items' head embeddings, which were computed
    /// from the old features.
    pub fn put_features(&mut self, encoder_key: &str, batch: &[(StoredItem, StoredFeatures, Option<String>)]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut put = tx.prepare_cached(
                "INSERT OR REPLACE INTO features (item_id, encoder_key, content_hash, image_vec, text_vec, image_error) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let mut drop_emb = tx.prepare_cached("DELETE FROM embeddings WHERE item_id = ?1")?;
            for (item, f, image_error) in batch {
                put.execute(params![
                    item.id,
                    encoder_key,
                    item.content_hash,
                    f.image.as_deref().map(vec_to_blob),
                    vec_to_blob(&f.text),
                    image_error
                ])?;
                drop_emb.execute([item.id])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn features_count(&self, encoder_key: &str) -> Result<usize> {
        Ok(self.conn.query_row("SELECT COUNT(*) FROM features WHERE encoder_key = ?1", [encoder_key], |r| r.get::<_, i64>(0))? as usize)
    }

    /// All features for an encoder version, keyed by item id.
    pub fn load_features(&self, encoder_key: &str) -> Result<HashMap<i64, StoredFeatures>> {
        let mut st = self.conn.prepare("SELECT item_id, image_vec, text_vec FROM features WHERE encoder_key = ?1")?;
        let rows = st.query_map([encoder_key], |r| {
            let img: Option<Vec<u8>> = r.get(1)?;
            let txt: Vec<u8> = r.get(2)?;
            Ok(StoredFeatures { item_id: r.get(0)?, image: img.map(|b| blob_to_vec(&b)), text: blob_to_vec(&txt) })
        })?;
        let mut out = HashMap::new();
        for f in rows {
            let f = f?;
            out.insert(f.item_id, f);
        }
        Ok(out)
    }

    pub fn put_embeddings(&mut self, model_id: i64, rows: &[(i64, Vec<f32>)]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut put = tx.prepare_cached("INSERT OR REPLACE INTO embeddings (item_id, model_id, vector) VALUES (?1, ?2, ?3)")?;
            for (item_id, v) in rows {
                put.execute(params![item_id, model_id, vec_to_blob(v)])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Head embeddings of a model version, keyed by item id.
    pub fn load_embeddings(&self, model_id: i64) -> Result<HashMap<i64, Vec<f32>>> {
        let mut st = self.conn.prepare("SELECT item_id, vector FROM embeddings WHERE model_id = ?1")?;
        let rows = st.query_map([model_id], |r| Ok((r.get::<_, i64>(0)?, blob_to_vec(&r.get::<_, Vec<u8>>(1)?))))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The feature mean a head's stored embeddings were computed with, and over how many items.
    pub fn head_centring(&self, model_id: i64) -> Result<Option<(Vec<f32>, usize)>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row("SELECT mean, items FROM head_centring WHERE model_id = ?1", [model_id], |r| {
                Ok((blob_to_vec(&r.get::<_, Vec<u8>>(0)?), r.get::<_, i64>(1)? as usize))
            })
            .optional()?)
    }

    /// Forgets the recorded centrings, so the next refresh measures the catalogue's mean again (embeddings are
    /// replaced only if it moved).
    pub fn forget_head_centring(&mut self) -> Result<()> {
        self.conn.execute("DELETE FROM head_centring", [])?;
        Ok(())
    }

    /// Replaces every embedding of a head and the centring they were computed with, in one transaction.
    pub fn replace_embeddings(&mut self, model_id: i64, mean: &[f32], items: usize, rows: &[(i64, Vec<f32>)]) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            tx.execute("DELETE FROM embeddings WHERE model_id = ?1", [model_id])?;
            let mut put = tx.prepare_cached("INSERT OR REPLACE INTO embeddings (item_id, model_id, vector) VALUES (?1, ?2, ?3)")?;
            for (item_id, v) in rows {
                put.execute(params![item_id, model_id, vec_to_blob(v)])?;
            }
            tx.execute(
                "INSERT OR REPLACE INTO head_centring (model_id, mean, items, at) VALUES (?1, ?2, ?3, ?4)",
                params![model_id, vec_to_blob(mean), items as i64, super::now()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}
