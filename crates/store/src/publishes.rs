//! The publish log: what each webshop publish sent, per channel, so the next one can send only the difference.
//! Also where each catalogue's images are published (its image URL template).

use super::types::{Missing, StoreError};
use super::{Result, Store, now};
use rusqlite::{OptionalExtension, params};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// The state a channel holds after a publish: each product's entry as sent, and the looks behind them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishedState {
    pub id: i64,
    pub format: String,
    pub path: String,
    pub at: String,
    /// Product key (SKU or shop handle) -> its entry as the channel holds it.
    pub products: BTreeMap<String, String>,
    /// Approved looks (outfit ids) the entries were made from.
    pub looks: BTreeSet<i64>,
}

/// A publish to record with [`Store::record_publish`].
#[derive(Debug, Clone, Copy)]
pub struct NewPublish<'a> {
    pub channel: &'a str,
    pub format: &'a str,
    pub path: &'a str,
    /// Only the difference from the channel's last state was written.
    pub changed_only: bool,
    /// Products written (set or cleared).
    pub written: usize,
    /// The state the channel holds now.
    pub products: &'a BTreeMap<String, String>,
    pub looks: &'a BTreeSet<i64>,
}

impl Store {
    /// The state after the channel's latest publish; `None` before the first.
    pub fn last_publish(&self, channel: &str) -> Result<Option<PublishedState>> {
        let head = self
            .conn
            .query_row("SELECT id, format, path, at FROM publishes WHERE channel = ?1 ORDER BY id DESC LIMIT 1", [channel], |r| {
                Ok(PublishedState { id: r.get(0)?, format: r.get(1)?, path: r.get(2)?, at: r.get(3)?, ..Default::default() })
            })
            .optional()?;
        let Some(mut s) = head else { return Ok(None) };
        let mut st = self.conn.prepare("SELECT product, value FROM published_products WHERE publish_id = ?1")?;
        s.products = st.query_map([s.id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        let mut st = self.conn.prepare("SELECT outfit_id FROM published_looks WHERE publish_id = ?1")?;
        s.looks = st.query_map([s.id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        Ok(Some(s))
    }

    /// Records a publish and the state its channel now holds, in one transaction with the export log's row; the
    /// channel's older states are dropped (their `publishes` rows stay as the log). Returns the publish id.
    pub fn record_publish(&mut self, p: &NewPublish) -> Result<i64> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO publishes (channel, format, path, changed_only, written, products, looks, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![p.channel, p.format, p.path, p.changed_only, p.written as i64, p.products.len() as i64, p.looks.len() as i64, now()],
        )?;
        let id = tx.last_insert_rowid();
        for table in ["published_products", "published_looks"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE publish_id IN (SELECT id FROM publishes WHERE channel = ?1 AND id < ?2)"),
                params![p.channel, id],
            )?;
        }
        {
            let mut st = tx.prepare("INSERT INTO published_products (publish_id, product, value) VALUES (?1, ?2, ?3)")?;
            for (product, value) in p.products {
                st.execute(params![id, product, value])?;
            }
            let mut st = tx.prepare("INSERT INTO published_looks (publish_id, outfit_id) VALUES (?1, ?2)")?;
            for look in p.looks {
                st.execute(params![id, look])?;
            }
        }
        tx.execute(
            "INSERT INTO exports (kind, format, path, count, at) VALUES ('complete_the_look', ?1, ?2, ?3, ?4)",
            params![p.format, p.path, p.written as i64, now()],
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Image URL templates by catalogue id (catalogues without one are absent).
    pub fn image_url_templates(&self) -> Result<HashMap<i64, String>> {
        let mut st = self.conn.prepare("SELECT id, image_url_template FROM catalogues WHERE image_url_template IS NOT NULL")?;
        Ok(st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?)
    }

    /// Saves (or with `None` forgets) where a catalogue's images are published.
    pub fn set_image_url_template(&mut self, catalogue: &str, template: Option<&str>) -> Result<()> {
        let n = self.conn.execute(
            "UPDATE catalogues SET image_url_template = ?2, updated_at = ?3 WHERE name = ?1",
            params![catalogue, template, now()],
        )?;
        if n == 0 {
            let known = self.catalogues().map(|c| c.into_iter().map(|c| c.name).collect()).unwrap_or_default();
            return Err(StoreError::NotFound(Missing::Catalogue { name: catalogue.to_string(), known }));
        }
        Ok(())
    }

    /// Ids of items whose catalogue was deleted (kept only because a judgement or look names them).
    pub fn deleted_item_ids(&self) -> Result<HashSet<i64>> {
        let mut st =
            self.conn.prepare("SELECT i.id FROM items i JOIN catalogues c ON c.id = i.catalogue_id WHERE c.deleted_at IS NOT NULL")?;
        Ok(st.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_channel_keeps_its_latest_state_and_the_log_keeps_every_publish() {
        let mut s = Store::open_in_memory().unwrap();
        assert_eq!(s.last_publish("shopify").unwrap(), None);
        let first: BTreeMap<String, String> = [("a".to_string(), "b, c".to_string()), ("b".into(), "a".into())].into();
        let looks: BTreeSet<i64> = [1, 2].into();
        let p = NewPublish {
            channel: "shopify",
            format: "shopify",
            path: "x.csv",
            changed_only: false,
            written: 2,
            products: &first,
            looks: &looks,
        };
        s.record_publish(&p).unwrap();
        let second: BTreeMap<String, String> = [("a".to_string(), "c".to_string())].into();
        let one: BTreeSet<i64> = [2].into();
        s.record_publish(&NewPublish { products: &second, looks: &one, changed_only: true, written: 2, ..p }).unwrap();
        // Another channel is kept apart.
        s.record_publish(&NewPublish { channel: "json", products: &first, ..p }).unwrap();
        let last = s.last_publish("shopify").unwrap().unwrap();
        assert_eq!((last.products, last.looks), (second, one));
        assert_eq!(s.last_publish("json").unwrap().unwrap().products, first);
        let kept: i64 = s.conn.query_row("SELECT COUNT(*) FROM published_products", [], |r| r.get(0)).unwrap();
        assert_eq!(kept, 3, "the shopify channel's first state was dropped");
        let log: i64 = s.conn.query_row("SELECT COUNT(*) FROM publishes", [], |r| r.get(0)).unwrap();
        let exports: i64 = s.conn.query_row("SELECT COUNT(*) FROM exports", [], |r| r.get(0)).unwrap();
        assert_eq!((log, exports), (3, 3));
        assert!(s.set_image_url_template("nope", Some("https://x/{sku}.jpg")).is_err());
    }
}
