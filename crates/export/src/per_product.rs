//! "Complete the look" per product: for every SKU, the approved looks that contain it, for the product page.
//!
//! Formats (`outfit-studio publish --format ...`):
//! - `json`: an object keyed by SKU, each a list of looks `{id, name, total_price, currency, items: [{sku, slot,
//!   title, price, in_stock, image_url}]}` (the product itself included, so a page can show the whole look);
//!   unknown prices and images are absent.
//! - `shopify`, `matrixify`, `metafields-jsonl`: the complementary-products metafield as a product CSV, a
//!   Matrixify sheet or `metafieldsSet` JSON Lines (see [`super::shopify_metafields`]). A product's handle is the
//!   shop's (from the product-ID export) when given, else its feed's product group (`item_group_id` / Shopify
//!   `Handle` as imported), else the slug of its SKU.
//! - `jsonld`: a JSON array of schema.org `Product`s (`sku`, `name`), each `isRelatedTo` the `ItemList`s of its
//!   looks (as in the outfit JSON-LD export).
//!
//! Only looks whose every item is in stock are published by default (a look the shop cannot sell would point to
//! a dead end); how many were dropped for stock is returned and logged.

use super::shopify_metafields::{self as metafields, complementary};
use super::{ExportItem, ExportOptions, ExportOutfit, approved_outfits_with, check_images, jsonld, shopify};
use anyhow::{Result, bail};
use outfit_store::Store;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;

/// Publish formats.
pub const PUBLISH_FORMATS: [&str; 5] = ["json", "shopify", "matrixify", "metafields-jsonl", "jsonld"];

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
    let report = PublishReport { products: by.len(), looks: kept.len(), dropped_for_stock: dropped.len(), missing_images, calls: 0 };
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

/// Writes "complete the look" per product in a format of [`PUBLISH_FORMATS`], and logs the export.
pub fn write_per_product(
    store: &mut Store,
    format: &str,
    w: &mut dyn Write,
    path_label: &str,
    opts: &ExportOptions,
) -> Result<PublishReport> {
    let (by, mut report) = looks_by_product(store, opts)?;
    let format = match format {
        "json" => {
            let doc: serde_json::Map<String, Value> =
                by.iter().map(|(sku, looks)| (sku.clone(), Value::Array(looks.iter().map(look_json).collect()))).collect();
            serde_json::to_writer_pretty(&mut *w, &doc)?;
            writeln!(w)?;
            "json"
        }
        "shopify" | "shopify-csv" | "csv" | "matrixify" | "metafields-jsonl" | "jsonl" => {
            let rows = complementary(&by, opts.product_ids.as_ref(), &product_handle)?;
            report.products = rows.len();
            match format {
                "matrixify" => {
                    metafields::write_matrixify(&rows, opts.metafield, w)?;
                    "matrixify"
                }
                "metafields-jsonl" | "jsonl" => {
                    if opts.product_ids.is_none() {
                        bail!(
                            "metafieldsSet needs the shop's product ids: give a product-ID export (Matrixify CSV or bulk-query JSON Lines)"
                        );
                    }
                    report.calls = metafields::write_metafields_jsonl(&rows, opts.metafield, w)?;
                    "metafields_set_jsonl"
                }
                _ => {
                    metafields::write_csv(&rows, opts.metafield, w)?;
                    "shopify_metafield_csv"
                }
            }
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
