//! schema.org JSON-LD: one `ItemList` per approved outfit, for embedding in the outfit's page.
//!
//! The file is a JSON array; each element is a self-contained document (`@context` included):
//! `ItemList{name, identifier, numberOfItems, itemListOrder, itemListElement: [ListItem{position (1-based,
//! board order), item: Product{name, sku, description, image, color, category, brand: Brand{name}, audience:
//! PeopleAudience{suggestedMinAge, suggestedMaxAge} (from the Merchant Center age group, in years), offers:
//! Offer{price, priceCurrency, availability https://schema.org/InStock or OutOfStock}}}]}`. The offer is left out
//! for an item without a price.

use super::Result;
use super::{ExportItem, ExportOptions, ExportOutfit, approved_outfits_with, finish_export};
use outfit_store::Store;
use serde_json::{Value, json};
use std::io::Write;

/// Google Merchant Center age group -> suggested age range in years.
fn age_range(age_group: &str) -> Option<(f64, f64)> {
    match age_group {
        "newborn" => Some((0.0, 0.25)),
        "infant" => Some((0.25, 1.0)),
        "toddler" => Some((1.0, 5.0)),
        "kids" => Some((5.0, 13.0)),
        _ => None,
    }
}

fn product(it: &ExportItem) -> Value {
    let mut p = json!({
        "@type": "Product",
        "name": it.title,
        "sku": it.sku,
        "category": it.category,
    });
    if !it.description.is_empty() {
        p["description"] = json!(it.description);
    }
    if let Some(img) = &it.image_url {
        p["image"] = json!(img);
    }
    if !it.colour.is_empty() {
        p["color"] = json!(it.colour);
    }
    if !it.brand.is_empty() {
        p["brand"] = json!({"@type": "Brand", "name": it.brand});
    }
    if let Some((lo, hi)) = it.age_group.as_deref().and_then(age_range) {
        p["audience"] = json!({"@type": "PeopleAudience", "suggestedMinAge": lo, "suggestedMaxAge": hi});
    }
    if let Some(price) = it.price {
        p["offers"] = json!({
            "@type": "Offer",
            "price": format!("{price:.2}"),
            "priceCurrency": it.currency,
            "availability": if it.in_stock { "https://schema.org/InStock" } else { "https://schema.org/OutOfStock" },
        });
    }
    p
}

/// One outfit as a schema.org `ItemList` document.
pub fn item_list(o: &ExportOutfit) -> Value {
    json!({
        "@context": "https://schema.org",
        "@type": "ItemList",
        "name": o.name,
        "identifier": format!("outfit-{}", o.id),
        "numberOfItems": o.items.len(),
        "itemListOrder": "https://schema.org/ItemListUnordered",
        "itemListElement": o.items.iter().enumerate().map(|(i, it)| json!({
            "@type": "ListItem",
            "position": i + 1,
            "item": product(it),
        })).collect::<Vec<_>>(),
    })
}

/// Writes the approved outfits as a JSON array of `ItemList` documents, logs the export and marks the outfits
/// exported. Returns the number of outfits.
pub fn write_outfits_jsonld(store: &mut Store, w: &mut dyn Write, path_label: &str, opts: &ExportOptions) -> Result<usize> {
    let outfits = approved_outfits_with(store, opts)?;
    super::check_images(&outfits, opts)?;
    let docs: Vec<Value> = outfits.iter().map(item_list).collect();
    serde_json::to_writer_pretty(&mut *w, &docs)?;
    writeln!(w)?;
    finish_export(store, "jsonld", path_label, &outfits)?;
    Ok(outfits.len())
}
