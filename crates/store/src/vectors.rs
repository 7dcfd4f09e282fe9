//! Cached vectors: encoder features per (item, encoder version) and head embeddings per (item, head version).

use super::types::{ResultExt, StoreError};
use super::{Result, Store, StoredItem, blob_to_vec, vec_to_blob};
use outfit_catalogue::Slot;
use rusqlite::params;
use std::collections::HashMap;

/// A head's embeddings as stored in one pack: rows ordered by (slot, item id), as the ranking index wants them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EmbeddingPack {
    pub dim: usize,
    pub item_ids: Vec<i64>,
    /// rows × dim.
    pub vectors: Vec<f32>,
}

impl EmbeddingPack {
    pub fn len(&self) -> usize {
        self.item_ids.len()
    }
    pub fn is_empty(&self) -> bool {
        self.item_ids.is_empty()
    }
    pub fn row(&self, r: usize) -> &[f32] {
        &self.vectors[r * self.dim..(r + 1) * self.dim]
    }
}

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

    /// How many items [`Store::items_needing_features`] would return, counted in SQL (the app asks at start).
    pub fn count_items_needing_features(&self, encoder_key: &str) -> Result<usize> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM items i LEFT JOIN features f ON f.item_id = i.id AND f.encoder_key = ?1
             WHERE f.item_id IS NULL OR f.content_hash != i.content_hash",
            [encoder_key],
            |r| r.get::<_, i64>(0),
        )? as usize)
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

    /// Image vectors this image encoder already computed under another encoder key (the text encoder or its
    /// template changed), with the content hash each was computed from. Re-indexing after a text change then
    /// encodes text only: the photos of a large catalogue take hours, its titles minutes.
    pub fn image_features_elsewhere(&self, encoder_key: &str, image_key: &str) -> Result<HashMap<i64, (String, Vec<f32>)>> {
        let mut st = self.conn.prepare(
            "SELECT item_id, content_hash, image_vec FROM features
             WHERE encoder_key != ?1 AND substr(encoder_key, 1, length(?2) + 1) = ?2 || '+' AND image_vec IS NOT NULL",
        )?;
        let rows = st.query_map(params![encoder_key, image_key], |r| {
            Ok((r.get::<_, i64>(0)?, (r.get::<_, String>(1)?, blob_to_vec(&r.get::<_, Vec<u8>>(2)?))))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Drops features stored under keys that start with `image_key` other than `encoder_key`: what an earlier
    /// text template computed, once every item has features under the current one. Returns the rows dropped.
    pub fn drop_superseded_features(&mut self, encoder_key: &str, image_key: &str) -> Result<usize> {
        Ok(self.conn.execute(
            "DELETE FROM features WHERE encoder_key != ?1 AND substr(encoder_key, 1, length(?2) + 1) = ?2 || '+'",
            params![encoder_key, image_key],
        )?)
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

    /// A head's embedding pack, read in one transaction; `None` when there is none (never packed, or the per-item rows
    /// changed since). A pack whose blobs disagree with its header is an error naming the model.
    pub fn load_embedding_pack(&self, model_id: i64) -> Result<Option<EmbeddingPack>> {
        use rusqlite::{MAIN_DB, OptionalExtension};
        // One read transaction, so a writer cannot swap the pack between its lengths and its blobs.
        let tx = self.conn.unchecked_transaction()?;
        let head = tx
            .query_row("SELECT dim, rows, length(item_ids), length(vectors) FROM embedding_packs WHERE model_id = ?1", [model_id], |r| {
                Ok([r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?, r.get(3)?].map(|v| v.max(0) as usize))
            })
            .optional()?;
        let Some([dim, rows, ids_len, vecs_len]) = head else { return Ok(None) };
        if ids_len != rows * 8 || vecs_len != rows * dim * 4 {
            return Err(StoreError::Corrupt {
                table: "embedding_packs",
                id: model_id,
                detail: format!("the embedding pack of model {model_id} does not match its row count"),
            });
        }
        // Each blob is read straight into its typed buffer: a plain `SELECT` would first copy all of them
        // (77 MB at 300k items) into SQLite's memory, and then again into ours.
        fn read_into<T: bytemuck::Pod>(tx: &rusqlite::Transaction, column: &str, model_id: i64, out: &mut [T]) -> Result<()> {
            use std::io::Read;
            let mut blob = tx.blob_open(MAIN_DB, "embedding_packs", column, model_id, true)?;
            blob.read_exact(bytemuck::cast_slice_mut(out))
                .with_context(|| format!("cannot read the embedding pack of model {model_id}"))?;
            Ok(())
        }
        let mut pack = EmbeddingPack { dim, item_ids: vec![0; rows], vectors: vec![0.0; rows * dim] };
        read_into(&tx, "item_ids", model_id, &mut pack.item_ids)?;
        read_into(&tx, "vectors", model_id, &mut pack.vectors)?;
        Ok(Some(pack))
    }

    /// Packs a head's per-item embeddings into one slot-ordered pack and stores it, reading and writing in one
    /// IMMEDIATE transaction so a concurrent change cannot slip between the two. Embeddings of items that are gone
    /// are left out; rows of the wrong dimension are an error.
    pub fn pack_embeddings(&mut self, model_id: i64) -> Result<EmbeddingPack> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut rows: Vec<(Slot, i64, Vec<f32>)> = {
            let mut st =
                tx.prepare("SELECT e.item_id, i.slot, e.vector FROM embeddings e JOIN items i ON i.id = e.item_id WHERE e.model_id = ?1")?;
            st.query_map([model_id], |r| Ok((r.get::<_, Slot>(1)?, r.get::<_, i64>(0)?, blob_to_vec(r.get_ref(2)?.as_blob()?))))?
                .collect::<rusqlite::Result<_>>()?
        };
        rows.sort_by_key(|(slot, id, _)| (*slot, *id));
        let dim = rows.first().map(|r| r.2.len()).unwrap_or(0);
        if let Some((_, id, v)) = rows.iter().find(|r| r.2.len() != dim) {
            return Err(StoreError::Corrupt {
                table: "embeddings",
                id: *id,
                detail: format!("the embedding of item {id} for model {model_id} has {} values, the others {dim}", v.len()),
            });
        }
        let mut pack = EmbeddingPack { dim, ..Default::default() };
        pack.item_ids = rows.iter().map(|r| r.1).collect();
        pack.vectors = Vec::with_capacity(rows.len() * dim);
        for (_, _, v) in rows {
            pack.vectors.extend_from_slice(&v);
        }
        tx.execute(
            "INSERT OR REPLACE INTO embedding_packs (model_id, dim, rows, item_ids, vectors, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                model_id,
                dim as i64,
                pack.len() as i64,
                bytemuck::cast_slice::<i64, u8>(&pack.item_ids),
                bytemuck::cast_slice::<f32, u8>(&pack.vectors),
                super::now()
            ],
        )?;
        tx.commit()?;
        Ok(pack)
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
