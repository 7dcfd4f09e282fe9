//! What changed since a channel's last publish: products new, changed or to clear, and why looks went (an item
//! out of stock, deleted, or the look unapproved), so a stylist sees the difference before it is written.

use super::Result;
use super::format::PublishFormat;
use super::shopify_metafields::Metafield;
use outfit_store::{OutfitStatus, PublishedState, Store};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Where a publish lands: formats that set the same Shopify metafield share a channel (a CSV after a Matrixify
/// sheet changes the same shop), the JSON and JSON-LD files are channels of their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel(String);

impl Channel {
    pub fn of(format: PublishFormat, field: Metafield) -> Channel {
        match format {
            PublishFormat::Json | PublishFormat::JsonLd => Channel(format.to_string()),
            PublishFormat::Shopify | PublishFormat::Matrixify | PublishFormat::MetafieldsJsonl => {
                Channel(format!("shopify:{}.{}", field.namespace(), field.key()))
            }
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The metafield of a Shopify channel (the standard one otherwise).
    pub fn metafield(&self) -> Metafield {
        if self.0.ends_with(&format!("{}.{}", Metafield::Custom.namespace(), Metafield::Custom.key())) {
            Metafield::Custom
        } else {
            Metafield::Standard
        }
    }
}

/// Why published looks are gone since the last publish.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LooksGone {
    /// An item is out of stock now.
    pub out_of_stock: usize,
    /// An item was deleted (or its catalogue was).
    pub deleted: usize,
    /// The look is no longer approved (or was deleted).
    pub unapproved: usize,
    /// Still approved and sellable, but left out by this publish's options.
    pub left_out: usize,
}

impl LooksGone {
    pub fn total(&self) -> usize {
        self.out_of_stock + self.deleted + self.unapproved + self.left_out
    }
}

/// The difference between what a publish would write and what its channel holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PublishChanges {
    /// When the channel last got a publish; `None` for the first.
    pub since: Option<String>,
    /// Products with looks now and none at the last publish.
    pub added: Vec<String>,
    /// Products whose entry changed (looks added or gone, a price, title or image changed).
    pub changed: Vec<String>,
    pub unchanged: usize,
    /// Products that had looks at the last publish and have none now: cleared.
    pub removed: Vec<String>,
    /// Looks published now that were not last time.
    pub looks_added: usize,
    pub looks_gone: LooksGone,
}

impl PublishChanges {
    /// Nothing to write: no product is new, changed or to clear.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }

    /// One paragraph for the CLI and the app: what the publish changes and why looks went.
    pub fn summary(&self) -> String {
        let Some(since) = &self.since else {
            return format!("first publish here: {} products with looks", self.added.len());
        };
        let mut s = format!(
            "since the last publish ({since}): {} products new, {} changed, {} to clear, {} unchanged; {} looks added, {} gone",
            self.added.len(),
            self.changed.len(),
            self.removed.len(),
            self.unchanged,
            self.looks_added,
            self.looks_gone.total()
        );
        let g = &self.looks_gone;
        let why: Vec<String> = [
            (g.out_of_stock, "an item out of stock"),
            (g.deleted, "an item deleted"),
            (g.unapproved, "unapproved"),
            (g.left_out, "left out by the options"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, w)| format!("{n} {w}"))
        .collect();
        if !why.is_empty() {
            s.push_str(&format!(" ({})", why.join(", ")));
        }
        s
    }
}

/// Compares the entries a publish would write (product key -> entry) and its looks with the channel's last state.
pub fn compare(
    store: &Store,
    last: Option<&PublishedState>,
    now: &BTreeMap<String, String>,
    looks: &BTreeSet<i64>,
) -> Result<PublishChanges> {
    let Some(last) = last else {
        return Ok(PublishChanges { added: now.keys().cloned().collect(), looks_added: looks.len(), ..Default::default() });
    };
    let mut c = PublishChanges { since: Some(last.at.clone()), ..Default::default() };
    for (k, v) in now {
        match last.products.get(k) {
            None => c.added.push(k.clone()),
            Some(old) if old != v => c.changed.push(k.clone()),
            Some(_) => c.unchanged += 1,
        }
    }
    c.removed = last.products.keys().filter(|k| !now.contains_key(*k)).cloned().collect();
    c.looks_added = looks.difference(&last.looks).count();
    let deleted = store.deleted_item_ids()?;
    for &id in last.looks.difference(looks) {
        let g = &mut c.looks_gone;
        let Some(o) = store.outfit(id)?.filter(|o| matches!(o.status, OutfitStatus::Approved | OutfitStatus::Exported)) else {
            g.unapproved += 1;
            continue;
        };
        let mut items = Vec::with_capacity(o.items.len());
        for (_, item) in &o.items {
            items.push(store.item_by_id(*item)?.filter(|_| !deleted.contains(item)));
        }
        if items.iter().any(Option::is_none) {
            g.deleted += 1;
        } else if items.iter().flatten().any(|i| !i.item.in_stock) {
            g.out_of_stock += 1;
        } else {
            g.left_out += 1;
        }
    }
    Ok(c)
}
