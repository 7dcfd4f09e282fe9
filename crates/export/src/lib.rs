//! Exports: approved outfits for the webshop (JSON, schema.org JSON-LD, Shopify CSV), judgements for research
//! code (JSON Lines, Polyvore Outfits layout).
//!
//! Webshop exports take approved (and already exported) outfits, by default only those whose every item is in
//! stock; each export is logged in the `exports` table and the outfits it contained are marked exported.

pub mod jsonld;
pub mod per_product;
pub mod polyvore;
pub mod shopify;
pub mod webshop;

use anyhow::Result;
use outfit_store::{Judgement, OutfitStatus, Store};
use serde::Serialize;
use std::io::Write;

pub use jsonld::write_outfits_jsonld;
pub use polyvore::{PolyvoreReport, write_polyvore};
pub use shopify::write_outfits_shopify_csv;
pub use webshop::write_outfits_webshop_json;

#[derive(Debug, Clone, Serialize)]
pub struct ExportItem {
    pub slot: String,
    pub sku: String,
    pub title: String,
    pub description: String,
    pub brand: String,
    pub category: String,
    pub colour: String,
    pub age_group: Option<String>,
    pub price: Option<f64>,
    pub currency: String,
    /// The catalogue's image: a local path or a URL, as imported.
    pub image: Option<String>,
    /// A link to the image for the webshop: a URL as imported, else the file under `image_base_url`, else a
    /// `file://` URL of the local file.
    pub image_url: Option<String>,
    pub in_stock: bool,
    /// The feed's product group (Shopify `Handle`, Merchant `item_group_id`); empty when the feed has none.
    pub item_group_id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportOutfit {
    pub id: i64,
    pub name: String,
    pub status: String,
    pub created_by: String,
    pub created_at: String,
    pub total_price: f64,
    /// The items' currency (the first item's, when they differ).
    pub currency: String,
    /// Distinct age groups of the items.
    pub age_groups: Vec<String>,
    /// Every item is in stock.
    pub in_stock: bool,
    pub items: Vec<ExportItem>,
}

/// Options shared by the webshop exports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportOptions {
    /// Include outfits with an out-of-stock item (default: only outfits the webshop can sell).
    pub include_out_of_stock: bool,
    /// Base URL that local image files are published under (`<base>/<file name>`).
    pub image_base_url: Option<String>,
}

/// The webshop link for an item image (see [`ExportItem::image_url`]).
pub fn image_link(image: Option<&str>, base: Option<&str>) -> Option<String> {
    let img = image?.trim();
    if img.is_empty() {
        return None;
    }
    if img.starts_with("http://") || img.starts_with("https://") {
        return Some(img.to_string());
    }
    let path = std::path::Path::new(img);
    if let Some(base) = base {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| img.to_string());
        let name: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>().replace('+', "%20");
        return Some(format!("{}/{name}", base.trim_end_matches('/')));
    }
    let abs = if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir().ok()?.join(path) };
    url::Url::from_file_path(&abs).ok().map(|u| u.to_string()).or_else(|| Some(img.to_string()))
}

/// Approved (and already exported) outfits with their items; `in_stock_only` drops outfits with an item that
/// is out of stock, since the webshop cannot sell the look.
pub fn approved_outfits(store: &Store, in_stock_only: bool) -> Result<Vec<ExportOutfit>> {
    approved_outfits_with(store, &ExportOptions { include_out_of_stock: !in_stock_only, image_base_url: None })
}

/// [`approved_outfits`] with export options.
pub fn approved_outfits_with(store: &Store, opts: &ExportOptions) -> Result<Vec<ExportOutfit>> {
    let mut out = Vec::new();
    for o in store.outfits(&[OutfitStatus::Approved, OutfitStatus::Exported])? {
        let mut items = Vec::new();
        for (slot, id) in &o.items {
            if let Some(si) = store.item_by_id(*id)? {
                let it = si.item;
                items.push(ExportItem {
                    slot: slot.as_str().to_string(),
                    image_url: image_link(it.image.as_deref(), opts.image_base_url.as_deref()),
                    sku: it.sku,
                    title: it.title,
                    description: it.description,
                    brand: it.brand,
                    category: it.category,
                    colour: it.colour,
                    age_group: it.age_group.map(|a| a.as_str().to_string()),
                    price: it.price,
                    currency: it.currency,
                    image: it.image,
                    in_stock: it.in_stock,
                    item_group_id: it.item_group_id,
                });
            }
        }
        let in_stock = items.iter().all(|i| i.in_stock);
        if !opts.include_out_of_stock && !in_stock {
            continue;
        }
        let mut age_groups: Vec<String> = items.iter().filter_map(|i| i.age_group.clone()).collect();
        age_groups.sort();
        age_groups.dedup();
        out.push(ExportOutfit {
            id: o.id,
            name: o.name,
            status: o.status.as_str().into(),
            created_by: o.created_by,
            created_at: o.created_at,
            total_price: items.iter().filter_map(|i| i.price).sum(),
            currency: items.iter().map(|i| i.currency.clone()).find(|c| !c.is_empty()).unwrap_or_default(),
            age_groups,
            in_stock,
            items,
        });
    }
    out.sort_by_key(|o| o.id);
    Ok(out)
}

/// Logs a webshop export and marks its outfits exported.
pub fn finish_export(store: &mut Store, format: &str, path_label: &str, outfits: &[ExportOutfit]) -> Result<()> {
    for o in outfits {
        store.set_outfit_status(o.id, OutfitStatus::Exported)?;
    }
    store.record_export("outfits", format, path_label, outfits.len())
}

/// Writes outfits as a pretty JSON array, logs the export and marks the outfits exported.
pub fn write_outfits_json(store: &mut Store, w: &mut dyn Write, path_label: &str, in_stock_only: bool) -> Result<usize> {
    let opts = ExportOptions { include_out_of_stock: !in_stock_only, image_base_url: None };
    write_outfits_webshop_json(store, w, path_label, &opts)
}

/// Writes judgements as JSON Lines (one label per line). Undone judgements are included only when asked, marked
/// by their `undone_at`.
pub fn write_labels_jsonl(store: &mut Store, w: &mut dyn Write, path_label: &str, include_undone: bool) -> Result<usize> {
    let js: Vec<Judgement> = if include_undone { store.all_judgements()? } else { store.judgements()? };
    for j in &js {
        serde_json::to_writer(&mut *w, j)?;
        writeln!(w)?;
    }
    store.record_export("labels", "jsonl", path_label, js.len())?;
    Ok(js.len())
}

/// Outfit export formats: `json` (webshop JSON), `jsonld` (schema.org ItemList per outfit), `shopify` (product
/// CSV).
pub const OUTFIT_FORMATS: [&str; 3] = ["json", "jsonld", "shopify"];

/// Writes approved outfits in a named format (see [`OUTFIT_FORMATS`]); returns the number of outfits.
pub fn write_outfits_format(store: &mut Store, format: &str, w: &mut dyn Write, path_label: &str, opts: &ExportOptions) -> Result<usize> {
    match format {
        "json" => write_outfits_webshop_json(store, w, path_label, opts),
        "jsonld" | "json-ld" => write_outfits_jsonld(store, w, path_label, opts),
        "shopify" | "shopify-csv" | "csv" => write_outfits_shopify_csv(store, w, path_label, opts),
        other => anyhow::bail!("unknown outfit export format {other:?}; supported: {}", OUTFIT_FORMATS.join(", ")),
    }
}
