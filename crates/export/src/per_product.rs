//! "Complete the look" per product: for every SKU, the approved looks that contain it, for the product page.
//!
//! Formats (`outfit-studio publish --format ...`):
//! - `json`: an object keyed by SKU, each a list of looks `{id, name, total_price, currency, items: [{sku, slot,
//!   title, price, in_stock, image_url}]}` (the product itself included, so a page can show the whole look);
//!   unknown prices and images are absent. A product whose looks all went since the last publish is `[]`.
//! - `shopify`, `matrixify`, `metafields-jsonl`: the complementary-products metafield as a product CSV, a
//!   Matrixify sheet or `metafieldsSet` JSON Lines (see [`super::shopify_metafields`]). A product's handle is the
//!   shop's (from the product-ID export) when given, else its feed's product group (`item_group_id` / Shopify
//!   `Handle` as imported), else the slug of its SKU. A product to clear gets an empty cell (CSV, Matrixify) or a
//!   `metafieldsDelete` input (JSON Lines, written to a second file).
//! - `jsonld`: a JSON array of schema.org `Product`s (`sku`, `name`), each `isRelatedTo` the `ItemList`s of its
//!   looks (as in the outfit JSON-LD export).
//!
//! Only looks whose every item is in stock (and in a catalogue that was not deleted) are published by default (a
//! look the shop cannot sell would point to a dead end); how many were dropped for stock is returned and logged.
//!
//! Every publish is worked out first ([`plan_publish`]): each product's entry, and how it differs from what the
//! channel got last time ([`super::publish_changes`]), which can be shown before anything is written
//! ([`write_publish`]); a publish can then write only the products that changed.

use super::publish_changes::{self as changes, Channel, PublishChanges};
use super::shopify_metafields::{self as metafields, Complementary, complementary};
use super::{ExportError, Result};
use super::{ExportItem, ExportOptions, ExportOutfit, approved_outfits_with, check_images, jsonld, shopify};
use outfit_store::{NewPublish, Store};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

pub use super::format::PublishFormat;

/// What a publish wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PublishReport {
    /// Products with at least one look.
    pub products: usize,
    /// Looks published.
    pub looks: usize,
    /// Approved looks left out because an item is out of stock.
    pub dropped_for_stock: usize,
    /// Items published without an image: no public link (see [`super::MissingImages`]).
    pub missing_images: usize,
    /// `metafieldsSet` calls written (JSON Lines).
    pub calls: usize,
    /// Products written: set, changed or cleared (all of them, or only the changed ones).
    pub written: usize,
    /// Products cleared: they had looks at the last publish and have none now.
    pub cleared: usize,
    /// `metafieldsDelete` calls written (the JSON Lines' second file).
    pub delete_calls: usize,
}

/// A product's entry in the chosen format, before it is written.
#[derive(Debug, Clone)]
enum Entry {
    /// JSON and JSON-LD: the product's value.
    Doc(Value),
    /// The Shopify formats: the product's row.
    Row(Complementary),
}

/// A publish worked out and not yet written: every product's entry, the looks behind them, and the changes since
/// the channel's last publish.
#[derive(Debug, Clone)]
pub struct Publish {
    pub format: PublishFormat,
    pub channel: Channel,
    entries: BTreeMap<String, Entry>,
    /// Each product's entry as recorded (what the diff compares).
    pub state: BTreeMap<String, String>,
    pub looks: BTreeSet<i64>,
    pub changes: PublishChanges,
    /// Counts so far (`written`, `calls` and `cleared` are filled in by [`write_publish`]).
    pub report: PublishReport,
    /// The last state's entries of the products to clear.
    cleared: BTreeMap<String, String>,
}

/// Approved looks per SKU (SKUs sorted; looks in id order), and how many looks were dropped for stock.
pub fn looks_by_product(store: &Store, opts: &ExportOptions) -> Result<(BTreeMap<String, Vec<ExportOutfit>>, PublishReport)> {
    let all = approved_outfits_with(store, &ExportOptions { include_out_of_stock: true, ..opts.clone() })?;
    let (kept, dropped): (Vec<ExportOutfit>, Vec<ExportOutfit>) = all.into_iter().partition(|o| opts.include_out_of_stock || o.in_stock);
    let mut by: BTreeMap<String, Vec<ExportOutfit>> = BTreeMap::new();
    for o in &kept {
        for it in &o.items {
            let list = by.entry(it.sku.clone()).or_default();
            if !list.iter().any(|x| x.id == o.id) {
                list.push(o.clone());
            }
        }
    }
    let missing_images = check_images(&kept, opts)?.len();
    let report =
        PublishReport { products: by.len(), looks: kept.len(), dropped_for_stock: dropped.len(), missing_images, ..Default::default() };
    Ok((by, report))
}

/// A product's Shopify handle (see the module docs).
pub fn product_handle(it: &ExportItem) -> String {
    let group = it.item_group_id.trim();
    if group.is_empty() { shopify::slug(&it.sku) } else { group.to_string() }
}

/// A look for the product page; unknown prices and images are left out rather than written as null or 0.
fn look_json(o: &ExportOutfit) -> Value {
    let mut look = json!({ "id": o.id, "name": o.name, "currency": o.currency });
    if let Some(t) = o.total_price {
        look["total_price"] = json!(t);
    }
    look["items"] = o
        .items
        .iter()
        .map(|i| {
            let mut it = json!({ "sku": i.sku, "slot": i.slot, "title": i.title, "in_stock": i.in_stock });
            if let Some(p) = i.price {
                it["price"] = json!(p);
            }
            if let Some(u) = &i.image_url {
                it["image_url"] = json!(u);
            }
            it
        })
        .collect();
    look
}

/// A product as schema.org JSON-LD, related to the item lists of its looks.
fn product_jsonld(sku: &str, looks: &[ExportOutfit]) -> Value {
    let name = looks[0].items.iter().find(|i| i.sku == sku).map(|i| i.title.clone()).unwrap_or_default();
    let lists: Vec<Value> = looks
        .iter()
        .map(|o| {
            let mut l = jsonld::item_list(o);
            l.as_object_mut().map(|m| m.remove("@context"));
            l
        })
        .collect();
    json!({"@context": "https://schema.org", "@type": "Product", "sku": sku, "name": name, "isRelatedTo": lists})
}

/// Works out a publish in a [`PublishFormat`] (by name): every product's entry and the changes since the
/// channel's last publish. Reads only; refusals (images, unmapped SKUs) come here, before anything is written.
pub fn plan_publish(store: &Store, format: &str, opts: &ExportOptions) -> Result<Publish> {
    let format = PublishFormat::parse(format)?;
    let (by, mut report) = looks_by_product(store, opts)?;
    let looks: BTreeSet<i64> = by.values().flatten().map(|o| o.id).collect();
    let channel = Channel::of(format, opts.metafield);
    let entries: BTreeMap<String, Entry> = match format {
        PublishFormat::Json => {
            by.iter().map(|(sku, l)| (sku.clone(), Entry::Doc(Value::Array(l.iter().map(look_json).collect())))).collect()
        }
        PublishFormat::JsonLd => by.iter().map(|(sku, l)| (sku.clone(), Entry::Doc(product_jsonld(sku, l)))).collect(),
        PublishFormat::Shopify | PublishFormat::Matrixify | PublishFormat::MetafieldsJsonl => {
            if format == PublishFormat::MetafieldsJsonl && opts.product_ids.is_none() {
                return Err(ExportError::Refused(
                    "metafieldsSet needs the shop's product ids: give a product-ID export (Matrixify CSV or bulk-query JSON Lines)".into(),
                ));
            }
            let rows = complementary(&by, opts.product_ids.as_ref(), &product_handle)?;
            report.products = rows.len();
            rows.into_iter().map(|r| (r.handle.clone(), Entry::Row(r))).collect()
        }
    };
    let state: BTreeMap<String, String> = entries
        .iter()
        .map(|(k, e)| {
            let v = match e {
                Entry::Doc(v) => v.to_string(),
                Entry::Row(r) => metafields::row_state(r),
            };
            (k.clone(), v)
        })
        .collect();
    let last = store.last_publish(channel.as_str())?;
    let changes = changes::compare(store, last.as_ref(), &state, &looks)?;
    let cleared = changes.removed.iter().filter_map(|k| Some((k.clone(), last.as_ref()?.products.get(k)?.clone()))).collect();
    Ok(Publish { format, channel, entries, state, looks, changes, report, cleared })
}

/// Writes a worked-out publish. With `changed_only`, only products that are new or changed since the last
/// publish are written; products to clear are written in both cases. `deletes` receives the `metafieldsDelete`
/// JSON Lines of the products to clear (JSON Lines format only; it is an error to have some and no writer for
/// them). Record it with [`record_publish`] once the output is safely written.
pub fn write_publish(p: &Publish, changed_only: bool, w: &mut dyn Write, deletes: Option<&mut dyn Write>) -> Result<PublishReport> {
    let mut report = p.report;
    let chosen: Vec<(&String, &Entry)> =
        p.entries.iter().filter(|(k, _)| !changed_only || p.changes.added.contains(k) || p.changes.changed.contains(k)).collect();
    report.written = chosen.len() + p.cleared.len();
    report.cleared = p.cleared.len();
    match p.format {
        PublishFormat::Json => {
            let mut doc: serde_json::Map<String, Value> = serde_json::Map::new();
            for (k, e) in &chosen {
                if let Entry::Doc(v) = e {
                    doc.insert((*k).clone(), v.clone());
                }
            }
            for k in p.cleared.keys() {
                doc.insert(k.clone(), json!([]));
            }
            serde_json::to_writer_pretty(&mut *w, &doc)?;
            writeln!(w)?;
        }
        PublishFormat::JsonLd => {
            let mut docs: Vec<Value> =
                chosen.iter().filter_map(|(_, e)| if let Entry::Doc(v) = e { Some(v.clone()) } else { None }).collect();
            for (sku, old) in &p.cleared {
                let name = serde_json::from_str::<Value>(old).ok().and_then(|v| v["name"].as_str().map(str::to_string)).unwrap_or_default();
                docs.push(json!({"@context": "https://schema.org", "@type": "Product", "sku": sku, "name": name, "isRelatedTo": []}));
            }
            serde_json::to_writer_pretty(&mut *w, &docs)?;
            writeln!(w)?;
        }
        PublishFormat::Shopify | PublishFormat::Matrixify | PublishFormat::MetafieldsJsonl => {
            let rows: Vec<&Complementary> = chosen.iter().filter_map(|(_, e)| if let Entry::Row(r) = e { Some(r) } else { None }).collect();
            let clears: Vec<metafields::Cleared> = p.cleared.iter().map(|(h, old)| metafields::Cleared::from_state(h, old)).collect();
            let field = p.channel.metafield();
            match p.format {
                PublishFormat::Matrixify => metafields::write_matrixify(&rows, &clears, field, w)?,
                PublishFormat::MetafieldsJsonl => {
                    report.calls = metafields::write_metafields_jsonl(&rows, field, w)?;
                    if !clears.is_empty() {
                        let Some(d) = deletes else {
                            return Err(ExportError::Refused(format!(
                                "{} products lost all their looks since the last publish and need a metafieldsDelete file: write to a file (--out)",
                                clears.len()
                            )));
                        };
                        report.delete_calls = metafields::write_metafields_delete_jsonl(&clears, field, d)?;
                    }
                }
                _ => metafields::write_csv(&rows, &clears, field, w)?,
            }
        }
    }
    if report.dropped_for_stock > 0 {
        tracing::info!("publish: {} approved looks left out for stock", report.dropped_for_stock);
    }
    Ok(report)
}

/// Records a written publish: the state its channel now holds, and the export log's row (one transaction).
pub fn record_publish(store: &mut Store, p: &Publish, changed_only: bool, report: &PublishReport, path_label: &str) -> Result<()> {
    store.record_publish(&NewPublish {
        channel: p.channel.as_str(),
        format: p.format.as_str(),
        path: path_label,
        changed_only,
        written: report.written,
        products: &p.state,
        looks: &p.looks,
    })?;
    Ok(())
}

/// Works out and writes "complete the look" per product in a [`PublishFormat`] (every product), and
/// records it.
pub fn write_per_product(
    store: &mut Store,
    format: &str,
    w: &mut dyn Write,
    path_label: &str,
    opts: &ExportOptions,
) -> Result<PublishReport> {
    let p = plan_publish(store, format, opts)?;
    let report = write_publish(&p, false, w, None)?;
    record_publish(store, &p, false, &report, path_label)?;
    Ok(report)
}
