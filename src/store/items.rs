//! Items: upsert from feeds (update in place by SKU), lookups.

use super::types::corrupt;
use super::{Store, now};
use crate::catalogue::{AgeGroup, Gender, ImageStatus, Item};
use anyhow::{Result, bail};
use rusqlite::{Connection, OptionalExtension, Row, params};
use sha2::{Digest, Sha256};

/// An item with its store id.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredItem {
    pub id: i64,
    pub item: Item,
    /// Hash of the fields the encoders read: features are recomputed when it changes.
    pub content_hash: String,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct UpsertStats {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Hash of everything that feeds the encoders and the categorical features, including the image file's size and
/// modification time so a replaced image is re-encoded.
pub fn content_hash(item: &Item) -> String {
    let mut h = Sha256::new();
    let image_stamp = item
        .image
        .as_deref()
        .and_then(|p| std::fs::metadata(p).ok())
        .map(|m| format!("{}:{:?}", m.len(), m.modified().ok()))
        .unwrap_or_default();
    for part in [
        item.title.as_str(),
        item.description.as_str(),
        item.slot.as_str(),
        item.colour.as_str(),
        item.age_group.map(AgeGroup::as_str).unwrap_or(""),
        item.gender.map(Gender::as_str).unwrap_or(""),
        item.season.as_str(),
        item.image.as_deref().unwrap_or(""),
        item.image_status.as_str(),
        &image_stamp,
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    hex::encode(&h.finalize()[..12])
}

const COLUMNS: &str = "id, sku, title, description, category, slot, colour, brand, age_group, gender, season, size, price, \
                       currency, image, image_status, in_stock, item_group_id, content_hash";

fn row_to_item(r: &Row) -> rusqlite::Result<StoredItem> {
    let id: i64 = r.get(0)?;
    let c = corrupt("items", id);
    Ok(StoredItem {
        id,
        item: Item {
            sku: r.get(1).map_err(&c)?,
            title: r.get(2).map_err(&c)?,
            description: r.get(3).map_err(&c)?,
            category: r.get(4).map_err(&c)?,
            slot: r.get(5).map_err(&c)?,
            colour: r.get(6).map_err(&c)?,
            brand: r.get(7).map_err(&c)?,
            age_group: r.get(8).map_err(&c)?,
            gender: r.get(9).map_err(&c)?,
            season: r.get(10).map_err(&c)?,
            size: r.get(11).map_err(&c)?,
            price: r.get(12).map_err(&c)?,
            currency: r.get(13).map_err(&c)?,
            image: r.get(14).map_err(&c)?,
            image_status: r.get(15).map_err(&c)?,
            in_stock: r.get(16).map_err(&c)?,
            item_group_id: r.get(17).map_err(&c)?,
        },
        content_hash: r.get(18).map_err(&c)?,
    })
}

/// The SKUs among `skus` that are not in the catalogue, inside the caller's transaction or connection.
pub(super) fn unknown_skus_in<'a>(conn: &Connection, skus: impl IntoIterator<Item = &'a String>) -> rusqlite::Result<Vec<String>> {
    let mut st = conn.prepare_cached("SELECT 1 FROM items WHERE sku = ?1")?;
    let mut out = Vec::new();
    for s in skus {
        if !st.exists([s])? {
            out.push(s.clone());
        }
    }
    Ok(out)
}

impl Store {
    /// Inserts new SKUs and updates changed ones in one transaction; items not in `items` are left alone.
    pub fn upsert_items(&mut self, items: &[Item], source: &str) -> Result<UpsertStats> {
        let mut stats = UpsertStats::default();
        let at = now();
        // IMMEDIATE: this transaction reads before it writes, and a deferred one would fail at once with
        // SQLITE_BUSY (no busy wait) if another connection committed in between.
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut find = tx.prepare_cached("SELECT id, content_hash, title, description, category, colour, brand, size, price, currency, in_stock, item_group_id FROM items WHERE sku = ?1")?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO items (sku, title, description, category, slot, colour, brand, age_group, gender, season, size, price, currency, image, image_status, in_stock, item_group_id, content_hash, source, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
            )?;
            let mut update = tx.prepare_cached(
                "UPDATE items SET title=?2, description=?3, category=?4, slot=?5, colour=?6, brand=?7, age_group=?8, gender=?9, season=?10, size=?11, price=?12, currency=?13, image=?14, image_status=?15, in_stock=?16, item_group_id=?17, content_hash=?18, source=?19, updated_at=?20 WHERE sku=?1",
            )?;
            for it in items {
                let hash = content_hash(it);
                type Existing = (i64, String, String, String, String, String, String, String, Option<f64>, String, bool, String);
                let existing: Option<Existing> = find
                    .query_row([&it.sku], |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                            r.get(6)?,
                            r.get(7)?,
                            r.get(8)?,
                            r.get(9)?,
                            r.get(10)?,
                            r.get(11)?,
                        ))
                    })
                    .optional()?;
                let p = params![
                    it.sku,
                    it.title,
                    it.description,
                    it.category,
                    it.slot.as_str(),
                    it.colour,
                    it.brand,
                    it.age_group.map(AgeGroup::as_str),
                    it.gender.map(Gender::as_str),
                    it.season.as_str(),
                    it.size,
                    it.price,
                    it.currency,
                    it.image,
                    it.image_status.as_str(),
                    it.in_stock,
                    it.item_group_id,
                    hash,
                    source,
                    at
                ];
                match existing {
                    None => {
                        insert.execute(p)?;
                        stats.inserted += 1;
                    }
                    Some(e) => {
                        let same = e.1 == hash
                            && (
                                e.2.as_str(),
                                e.3.as_str(),
                                e.4.as_str(),
                                e.5.as_str(),
                                e.6.as_str(),
                                e.7.as_str(),
                                e.8,
                                e.9.as_str(),
                                e.10,
                                e.11.as_str(),
                            ) == (
                                it.title.as_str(),
                                it.description.as_str(),
                                it.category.as_str(),
                                it.colour.as_str(),
                                it.brand.as_str(),
                                it.size.as_str(),
                                it.price,
                                it.currency.as_str(),
                                it.in_stock,
                                it.item_group_id.as_str(),
                            );
                        if same {
                            stats.unchanged += 1;
                        } else {
                            update.execute(p)?;
                            stats.updated += 1;
                        }
                    }
                }
            }
        }
        tx.commit()?;
        Ok(stats)
    }

    pub fn item_count(&self) -> Result<usize> {
        Ok(self.conn.query_row("SELECT COUNT(*) FROM items", [], |r| r.get::<_, i64>(0))? as usize)
    }

    /// Every item, ordered by id.
    pub fn all_items(&self) -> Result<Vec<StoredItem>> {
        let mut st = self.conn.prepare(&format!("SELECT {COLUMNS} FROM items ORDER BY id"))?;
        let rows = st.query_map([], row_to_item)?;
        Ok(rows.collect::<rusqlite::Result<_>>().map_err(super::StoreError::from)?)
    }

    pub fn item_by_sku(&self, sku: &str) -> Result<Option<StoredItem>> {
        Ok(self.conn.query_row(&format!("SELECT {COLUMNS} FROM items WHERE sku = ?1"), [sku], row_to_item).optional()?)
    }

    pub fn item_by_id(&self, id: i64) -> Result<Option<StoredItem>> {
        Ok(self.conn.query_row(&format!("SELECT {COLUMNS} FROM items WHERE id = ?1"), [id], row_to_item).optional()?)
    }

    /// Looks up SKUs in order; fails naming every SKU that is not in the catalogue.
    pub fn items_by_skus(&self, skus: &[String]) -> Result<Vec<StoredItem>> {
        let mut found = Vec::with_capacity(skus.len());
        let mut missing = Vec::new();
        for s in skus {
            match self.item_by_sku(s)? {
                Some(i) => found.push(i),
                None => missing.push(s.as_str()),
            }
        }
        if !missing.is_empty() {
            bail!("unknown SKU(s): {} (import a feed that has them, or check the spelling)", missing.join(", "));
        }
        Ok(found)
    }

    pub fn set_image_status(&self, item_id: i64, status: ImageStatus) -> Result<()> {
        self.conn.execute("UPDATE items SET image_status = ?2 WHERE id = ?1", params![item_id, status.as_str()])?;
        Ok(())
    }
}
