//! The "bundle" option (`export --format bundle`): each approved outfit becomes one Shopify product (a bundle
//! page), one CSV row per item, with the items' real SKUs, prices and images. For "complete the look" on the
//! shop's own product pages use the complementary-products metafield instead ([`super::shopify_metafields`]).
//!
//! Mapping (Shopify groups rows by `Handle`; product-level columns are filled on the first row only, as in
//! Shopify's own exports):
//! - `Handle`: `outfit-<id>-<slug of the outfit name>` (lowercase ASCII letters, digits and dashes, accents folded,
//!   at most 80 characters), shared by the outfit's rows.
//! - `Title`, `Body (HTML)` (a `<ul>` of the pieces with slot, title and SKU), `Vendor` (the brand when every
//!   piece has the same one, else `Outfit Studio`), `Type` = `Outfit`, `Tags` (`outfit`, `age:<group>`,
//!   `slot:<slot>`, `brand:<brand>`), `Published` = `TRUE`, `Status` = `active`: first row only.
//! - `Option1 Name` = `Piece` (first row) and `Option1 Value` = `<Slot>: <item title>` (numbered when repeated):
//!   each piece is a variant of the bundle.
//! - `Variant SKU` = the item's own catalogue SKU, never an invented one (the warehouse and the shop's own
//!   product know it; a bundle variant that shares it is what a bundle app expects). `Variant Price` = its price
//!   (two decimals, in the shop's currency: Shopify CSVs carry no currency column); a bundle with an item of
//!   unknown price is refused, naming it. `Variant Inventory Policy` = `deny`, `Variant Requires Shipping` = `TRUE`.
//! - `Image Src` = the item's image when it is an http(s) URL (as imported, or under `--image-base-url`):
//!   Shopify fetches images by URL, so local paths are left out. `Image Position` = its 1-based place in the
//!   outfit, `Image Alt Text` = its title, `Variant Image` = the same link (so choosing a piece shows its photo).

use super::{ExportError, Result};
use super::{ExportOptions, ExportOutfit, approved_outfits_with, check_images, finish_export};
use outfit_store::Store;
use std::collections::HashSet;
use std::io::Write;

pub const COLUMNS: [&str; 20] = [
    "Handle",
    "Title",
    "Body (HTML)",
    "Vendor",
    "Type",
    "Tags",
    "Published",
    "Option1 Name",
    "Option1 Value",
    "Variant SKU",
    "Variant Price",
    "Variant Inventory Policy",
    "Variant Fulfillment Service",
    "Variant Requires Shipping",
    "Variant Taxable",
    "Image Src",
    "Image Position",
    "Image Alt Text",
    "Variant Image",
    "Status",
];

/// A handle from an outfit: `outfit-<id>-<slug>`.
pub fn handle(o: &ExportOutfit) -> String {
    let slug = slug(&o.name);
    if slug.is_empty() { format!("outfit-{}", o.id) } else { format!("outfit-{}-{slug}", o.id) }
}

/// Text as a Shopify handle part: lowercase ASCII letters, digits and single dashes, accents folded, at most 64
/// characters.
pub fn slug(text: &str) -> String {
    let mut slug = String::new();
    for c in text.to_lowercase().chars() {
        let folded = match c {
            'å' | 'ä' | 'à' | 'á' | 'â' | 'ã' => "a",
            'æ' => "ae",
            'ö' | 'ø' | 'ò' | 'ó' | 'ô' | 'õ' => "o",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'ü' | 'ù' | 'ú' | 'û' => "u",
            'í' | 'ì' | 'î' | 'ï' => "i",
            'ç' => "c",
            'ñ' => "n",
            'ß' => "ss",
            _ => "",
        };
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !folded.is_empty() {
            slug.push_str(folded);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let mut slug = slug.trim_matches('-').to_string();
    if slug.len() > 64 {
        slug.truncate(64);
        slug = slug.trim_end_matches('-').to_string();
    }
    slug
}

/// Only web URLs go to Shopify, which downloads images itself; a local path would be an unreachable link.
fn web_image(url: Option<&str>) -> String {
    url.filter(|u| u.starts_with("https://") || u.starts_with("http://")).unwrap_or_default().to_string()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn label(slot: &str) -> String {
    outfit_catalogue::Slot::parse(slot).map(|s| s.label().to_string()).unwrap_or_else(|| slot.to_string())
}

/// The CSV rows of one outfit.
pub fn rows(o: &ExportOutfit) -> Vec<Vec<String>> {
    let h = handle(o);
    let brands: HashSet<&str> = o.items.iter().map(|i| i.brand.as_str()).filter(|b| !b.is_empty()).collect();
    let vendor = if brands.len() == 1 { brands.iter().next().unwrap().to_string() } else { "Outfit Studio".to_string() };
    let mut tags = vec!["outfit".to_string()];
    tags.extend(o.age_groups.iter().map(|a| format!("age:{a}")));
    let mut seen = HashSet::new();
    for it in &o.items {
        if seen.insert(format!("slot:{}", it.slot)) {
            tags.push(format!("slot:{}", it.slot));
        }
    }
    let mut bs: Vec<&str> = brands.into_iter().collect();
    bs.sort();
    tags.extend(bs.iter().map(|b| format!("brand:{b}")));
    let body = format!(
        "<ul>{}</ul>",
        o.items
            .iter()
            .map(|i| format!("<li>{}: {} ({})</li>", html_escape(&label(&i.slot)), html_escape(&i.title), html_escape(&i.sku)))
            .collect::<String>()
    );
    let mut values = HashSet::new();
    o.items
        .iter()
        .enumerate()
        .map(|(n, it)| {
            let first = n == 0;
            let mut value = format!("{}: {}", label(&it.slot), it.title);
            if !values.insert(value.clone()) {
                value = format!("{value} ({})", n + 1);
                values.insert(value.clone());
            }
            let img = web_image(it.image_url.as_deref());
            let f = |s: &str| if first { s.to_string() } else { String::new() };
            vec![
                h.clone(),
                f(&o.name),
                f(&body),
                f(&vendor),
                f("Outfit"),
                f(&tags.join(", ")),
                f("TRUE"),
                f("Piece"),
                value,
                it.sku.clone(),
                it.price.map(|p| format!("{p:.2}")).unwrap_or_default(),
                "deny".into(),
                "manual".into(),
                "TRUE".into(),
                "TRUE".into(),
                img.clone(),
                if img.is_empty() { String::new() } else { (n + 1).to_string() },
                if img.is_empty() { String::new() } else { it.title.clone() },
                img,
                f("active"),
            ]
        })
        .collect()
}

/// Writes the approved outfits as a Shopify product CSV, logs the export and marks the outfits exported.
/// Returns the number of outfits.
pub fn write_outfits_shopify_csv(store: &mut Store, w: &mut dyn Write, path_label: &str, opts: &ExportOptions) -> Result<usize> {
    let outfits = approved_outfits_with(store, opts)?;
    let unpriced: Vec<String> = outfits
        .iter()
        .filter_map(|o| {
            let skus: Vec<&str> = o.items.iter().filter(|i| i.price.is_none()).map(|i| i.sku.as_str()).collect();
            (!skus.is_empty()).then(|| format!("“{}” ({})", o.name, skus.join(", ")))
        })
        .collect();
    if !unpriced.is_empty() {
        return Err(ExportError::Refused(format!(
            "{} bundles have an item without a price, so the bundle has none: {}. Give those items a price in the feed \
             and import it again",
            unpriced.len(),
            unpriced.join("; ")
        )));
    }
    check_images(&outfits, opts)?;
    {
        let mut csv = csv::Writer::from_writer(&mut *w);
        csv.write_record(COLUMNS)?;
        for o in &outfits {
            for r in rows(o) {
                csv.write_record(&r)?;
            }
        }
        csv.flush()?;
    }
    finish_export(store, "shopify_csv", path_label, &outfits)?;
    Ok(outfits.len())
}
