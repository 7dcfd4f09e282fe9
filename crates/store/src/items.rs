//! Items: upsert from feeds (update in place by SKU), lookups.

use super::types::{StoreError, corrupt};
use super::{Result, Store, now};
use outfit_catalogue::{AgeGroup, CompactString, Gender, ImageStatus, Item};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, params};
use sha2::{Digest, Sha256};
use std::path::Path;

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

/// The item columns [`row_to_item`] reads, in its order, up to the content hash (the last column).
macro_rules! item_columns {
    () => {
        "id, sku, title, description, category, slot, colour, brand, age_group, gender, season, size, price, \
         currency, image, image_status, in_stock, item_group_id, "
    };
}
const COLUMNS: &str = concat!(item_columns!(), "content_hash");
/// [`COLUMNS`] with an empty content hash, for catalogues held in memory: only indexing reads the hash, and at
/// 300k items it is 7 MB of strings plus an allocation's overhead each.
const COLUMNS_NO_HASH: &str = concat!(item_columns!(), "''");

fn row_to_item(r: &Row) -> rusqlite::Result<StoredItem> {
    let id: i64 = r.get(0)?;
    let c = corrupt("items", id);
    // Text is copied from SQLite's buffer straight into a `CompactString`: no `String` in between, and none at
    // all for the short fields, which sit inline.
    let text = |i: usize| -> rusqlite::Result<CompactString> {
        let v = r.get_ref(i)?;
        v.as_str().map(CompactString::new).map_err(|e| c(rusqlite::Error::FromSqlConversionFailure(i, v.data_type(), Box::new(e))))
    };
    let image = match r.get_ref(14)? {
        rusqlite::types::ValueRef::Null => None,
        _ => Some(text(14)?),
    };
    Ok(StoredItem {
        id,
        item: Item {
            sku: text(1)?,
            title: text(2)?,
            description: text(3)?,
            category: text(4)?,
            slot: r.get(5).map_err(&c)?,
            colour: text(6)?,
            brand: text(7)?,
            age_group: r.get(8).map_err(&c)?,
            gender: r.get(9).map_err(&c)?,
            season: r.get(10).map_err(&c)?,
            size: text(11)?,
            price: r.get(12).map_err(&c)?,
            currency: text(13)?,
            image,
            image_status: r.get(15).map_err(&c)?,
            in_stock: r.get(16).map_err(&c)?,
            item_group_id: text(17)?,
        },
        content_hash: r.get(18).map_err(&c)?,
    })
}

/// Items with ids in `lo..hi`, ordered by id.
fn items_in(conn: &Connection, columns: &str, lo: i64, hi: i64) -> Result<Vec<StoredItem>> {
    let mut st = conn.prepare(&format!("SELECT {columns} FROM items WHERE id >= ?1 AND id < ?2 ORDER BY id"))?;
    let rows = st.query_map([lo, hi], row_to_item)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
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
                    .query_row([it.sku.as_str()], |r| {
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
                    it.sku.as_str(),
                    it.title.as_str(),
                    it.description.as_str(),
                    it.category.as_str(),
                    it.slot.as_str(),
                    it.colour.as_str(),
                    it.brand.as_str(),
                    it.age_group.map(AgeGroup::as_str),
                    it.gender.map(Gender::as_str),
                    it.season.as_str(),
                    it.size.as_str(),
                    it.price,
                    it.currency.as_str(),
                    it.image.as_deref(),
                    it.image_status.as_str(),
                    it.in_stock,
                    it.item_group_id.as_str(),
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
    ///
    /// A large catalogue is read in id ranges by one connection per core (decoding 300k rows' strings is most of
    /// an app's start); each range is its own read, so a write committed meanwhile may show in one range and not
    /// in an earlier one, as if the later ranges were read a moment later.
    pub fn all_items(&self) -> Result<Vec<StoredItem>> {
        self.all_items_with(COLUMNS)
    }

    /// Every item, ordered by id, as [`Store::all_items`] but with an empty `content_hash`: the catalogue an app
    /// holds for its lifetime, which never re-indexes from it.
    pub fn all_items_to_hold(&self) -> Result<Vec<StoredItem>> {
        self.all_items_with(COLUMNS_NO_HASH)
    }

    fn all_items_with(&self, columns: &'static str) -> Result<Vec<StoredItem>> {
        const PER_THREAD: i64 = 50_000;
        let (lo, hi, n): (i64, i64, i64) =
            self.conn.query_row("SELECT coalesce(min(id), 0), coalesce(max(id), 0), count(*) FROM items", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get()).min(8) as i64;
        self.items_in_parts(columns, (n / PER_THREAD).clamp(1, cores), lo, hi)
    }

    /// Every item, ordered by id, read as `parts` id ranges of `lo..=hi` on as many connections.
    fn items_in_parts(&self, columns: &'static str, parts: i64, lo: i64, hi: i64) -> Result<Vec<StoredItem>> {
        if parts <= 1 || self.path == Path::new(":memory:") {
            return items_in(&self.conn, columns, i64::MIN, i64::MAX);
        }
        let step = (hi - lo) / parts + 1;
        let bounds: Vec<(i64, i64)> =
            (0..parts).map(|k| (lo + k * step, if k == parts - 1 { i64::MAX } else { lo + (k + 1) * step })).collect();
        let path = self.path.as_path();
        std::thread::scope(|s| {
            let others: Vec<_> = bounds[1..]
                .iter()
                .map(|&(a, b)| {
                    s.spawn(move || -> Result<Vec<StoredItem>> {
                        let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
                        c.busy_timeout(std::time::Duration::from_secs(10))?;
                        items_in(&c, columns, a, b)
                    })
                })
                .collect();
            let mut all = items_in(&self.conn, columns, i64::MIN, bounds[0].1)?;
            for h in others {
                all.extend(h.join().map_err(|_| StoreError::Internal("a catalogue reader thread panicked".into()))??);
            }
            Ok(all)
        })
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
                None => missing.push(s.clone()),
            }
        }
        if !missing.is_empty() {
            return Err(StoreError::Gone { skus: missing });
        }
        Ok(found)
    }

    pub fn set_image_status(&self, item_id: i64, status: ImageStatus) -> Result<()> {
        self.conn.execute("UPDATE items SET image_status = ?2 WHERE id = ?1", params![item_id, status.as_str()])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use outfit_catalogue::Slot;

    #[test]
    fn items_read_in_parallel_ranges_are_all_there_once_in_id_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        let items: Vec<Item> =
            (0..37).map(|k| Item { title: format!("Tee {k}").into(), ..Item::bare(format!("T-{k:03}"), Slot::Top) }).collect();
        store.upsert_items(&items, "test").unwrap();
        // A gap in the ids, so ranges do not hold equal counts.
        store.conn.execute("DELETE FROM items WHERE sku BETWEEN 'T-005' AND 'T-020'", []).unwrap();
        let one = store.items_in_parts(COLUMNS, 1, 0, 0).unwrap();
        assert_eq!(one.len(), 21);
        let (lo, hi) = (one[0].id, one[one.len() - 1].id);
        for parts in [2, 3, 5, 40] {
            let many = store.items_in_parts(COLUMNS, parts, lo, hi).unwrap();
            assert_eq!(many, one, "{parts} ranges");
        }
        assert_eq!(store.all_items().unwrap(), one);
        assert!(one.iter().all(|i| !i.content_hash.is_empty()));
        let held = store.all_items_to_hold().unwrap();
        let without_hash: Vec<StoredItem> = one.iter().map(|i| StoredItem { content_hash: String::new(), ..i.clone() }).collect();
        assert_eq!(held, without_hash, "the same rows, with no hash");
    }
}
