//! "Complete the look" per product: for every SKU, the approved looks that contain it, for the product page.
//!
//! Formats (`outfit-studio publish --format ...`):
//! - `json`: an object keyed by SKU, each a list of looks `{id, name, total_price, currency, items: [{sku, slot,
//!   title, price, in_stock, image_url}]}` (the product itself included, so a page can show the whole look).
//! - `shopify`: a Shopify product CSV that sets one product metafield, `Handle`, `Title` and
//!   `Complete the look (product.metafields.outfit_studio.complete_the_look)` (the product CSV's metafield column
//!   form `<name> (product.metafields.<namespace>.<key>)`), whose value is the list of product references: the
//!   handles of the other products of its looks, best look first, comma-separated, each once. The metafield must
//!   be defined in the shop as `list.product_reference`. A product's handle is its feed's product group
//!   (`item_group_id` / Shopify `Handle` as imported), else the slug of its SKU.
//! - `jsonld`: a JSON array of schema.org `Product`s (`sku`, `name`), each `isRelatedTo` the `ItemList`s of its
//!   looks (as in the outfit JSON-LD export).
//!
//! Only looks whose every item is in stock are published by default (a look the shop cannot sell would point to
//! a dead end); how many were dropped for stock is returned and logged.

use super::{ExportItem, ExportOptions, ExportOutfit, approved_outfits_with, jsonld, shopify};
use anyhow::{Result, bail};
use outfit_store::Store;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;

/// Publish formats.
pub const PUBLISH_FORMATS: [&str; 3] = ["json", "shopify", "jsonld"];

/// The Shopify metafield the CSV sets.
pub const METAFIELD_NAMESPACE: &str = "outfit_studio";
pub const METAFIELD_KEY: &str = "complete_the_look";

/// What a publish wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PublishReport {
    /// Products with at least one look.
    pub products: usize,
    /// Looks published.
    pub looks: usize,
    /// Approved looks left out because an item is out of stock.
    pub dropped_for_stock: usize,
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
    let report = PublishReport { products: by.len(), looks: kept.len(), dropped_for_stock: dropped.len() };
    Ok((by, report))
}

/// A product's Shopify handle (see the module docs).
pub fn product_handle(it: &ExportItem) -> String {
    let group = it.item_group_id.trim();
    if group.is_empty() { shopify::slug(&it.sku) } else { group.to_string() }
}

fn look_json(o: &ExportOutfit) -> Value {
    json!({
        "id": o.id,
        "name": o.name,
        "total_price": o.total_price,
        "currency": o.currency,
        "items": o.items.iter().map(|i| json!({
            "sku": i.sku, "slot": i.slot, "title": i.title, "price": i.price, "in_stock": i.in_stock, "image_url": i.image_url,
        })).collect::<Vec<_>>(),
    })
}

/// Writes "complete the look" per product in a format of [`PUBLISH_FORMATS`], and logs the export.
pub fn write_per_product(
    store: &mut Store,
    format: &str,
    w: &mut dyn Write,
    path_label: &str,
    opts: &ExportOptions,
) -> Result<PublishReport> {
    let (by, report) = looks_by_product(store, opts)?;
    let format = match format {
        "json" => {
            let doc: serde_json::Map<String, Value> =
                by.iter().map(|(sku, looks)| (sku.clone(), Value::Array(looks.iter().map(look_json).collect()))).collect();
            serde_json::to_writer_pretty(&mut *w, &doc)?;
            writeln!(w)?;
            "json"
        }
        "shopify" | "shopify-csv" | "csv" => {
            let mut csv = csv::Writer::from_writer(&mut *w);
            let column = format!("Complete the look (product.metafields.{METAFIELD_NAMESPACE}.{METAFIELD_KEY})");
            csv.write_record(["Handle", "Title", column.as_str()])?;
            let mut seen_handles = std::collections::HashSet::new();
            for (sku, looks) in &by {
                let Some(me) = looks[0].items.iter().find(|i| &i.sku == sku) else { continue };
                let handle = product_handle(me);
                // Variants of one product group share a handle: the first SKU's looks speak for it.
                if !seen_handles.insert(handle.clone()) {
                    continue;
                }
                let mut refs: Vec<String> = Vec::new();
                for it in looks.iter().flat_map(|o| &o.items) {
                    let h = product_handle(it);
                    if h != handle && !refs.contains(&h) {
                        refs.push(h);
                    }
                }
                csv.write_record([handle.as_str(), me.title.as_str(), refs.join(", ").as_str()])?;
            }
            csv.flush()?;
            "shopify_metafield_csv"
        }
        "jsonld" | "json-ld" => {
            let docs: Vec<Value> = by
                .iter()
                .map(|(sku, looks)| {
                    let name = looks[0].items.iter().find(|i| &i.sku == sku).map(|i| i.title.clone()).unwrap_or_default();
                    let lists: Vec<Value> = looks
                        .iter()
                        .map(|o| {
                            let mut l = jsonld::item_list(o);
                            l.as_object_mut().map(|m| m.remove("@context"));
                            l
                        })
                        .collect();
                    json!({"@context": "https://schema.org", "@type": "Product", "sku": sku, "name": name, "isRelatedTo": lists})
                })
                .collect();
            serde_json::to_writer_pretty(&mut *w, &docs)?;
            writeln!(w)?;
            "jsonld"
        }
        other => bail!("unknown publish format {other:?}; supported: {}", PUBLISH_FORMATS.join(", ")),
    };
    if report.dropped_for_stock > 0 {
        tracing::info!("publish: {} approved looks left out for stock", report.dropped_for_stock);
    }
    store.record_export("complete_the_look", format, path_label, report.products)?;
    Ok(report)
}
