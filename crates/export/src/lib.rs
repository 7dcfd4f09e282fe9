//! Exports: approved outfits for the webshop (JSON, schema.org JSON-LD, Shopify CSV), judgements for research
//! code (JSON Lines, Polyvore Outfits layout).
//!
//! Webshop exports take approved (and already exported) outfits, by default only those whose every item is in
//! stock; each export is logged in the `exports` table and the outfits it contained are marked exported.

mod error;
mod format;
pub mod jsonld;
pub mod per_product;
pub mod polyvore;
pub mod publish_changes;
pub mod shopify;
pub mod shopify_metafields;
pub mod webshop;

use outfit_store::{Judgement, OutfitStatus, Store};
use serde::Serialize;
use std::io::Write;

pub use error::{ExportError, Result};
pub use format::{OutfitFormat, PublishFormat};
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
    /// Absent when the feed gives none (never a made-up 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    pub currency: String,
    /// The catalogue's image as imported (a local path or a URL); not for the webshop.
    #[serde(skip)]
    pub image: Option<String>,
    /// A public link to the image: the feed's http(s) URL, else one built from the image URL template; absent
    /// when there is neither (a local path never reaches a webshop export).
    #[serde(skip_serializing_if = "Option::is_none")]
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
    /// The sum of the items' prices; absent when an item's price is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_price: Option<f64>,
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
    /// Where local image files are published: a template with `{sku}` and/or `{file}`
    /// (`https://cdn.example.com/images/{sku}.jpg`), or a base URL (`<base>/<file name>`). When absent, each
    /// item's catalogue's saved template applies.
    pub image_base_url: Option<String>,
    /// What to do with items that have no public image link.
    pub missing_images: MissingImages,
    /// The metafield the Shopify publish formats set (standard by default).
    pub metafield: shopify_metafields::Metafield,
    /// The shop's product ids and handles by SKU (from its own export), for `metafieldsSet` and real handles.
    pub product_ids: Option<shopify_metafields::ProductIds>,
}

/// Items without a public image link (a local file and no URL template): exported without an image, or the
/// export is refused naming how many there are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MissingImages {
    #[default]
    Omit,
    Refuse,
}

/// The public link for an item image (see [`ExportItem::image_url`]): http(s) as imported, else the image URL
/// template or base URL applied to the item, else none.
pub fn image_link(image: Option<&str>, base: Option<&str>, sku: &str) -> Option<String> {
    let img = image.map(str::trim).unwrap_or_default();
    if img.starts_with("http://") || img.starts_with("https://") {
        return Some(img.to_string());
    }
    let base = base?.trim();
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>().replace('+', "%20");
    let name = std::path::Path::new(img).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if base.contains("{sku}") || base.contains("{file}") {
        if base.contains("{file}") && name.is_empty() {
            return None;
        }
        return Some(base.replace("{sku}", &enc(sku)).replace("{file}", &enc(&name)));
    }
    (!name.is_empty()).then(|| format!("{}/{}", base.trim_end_matches('/'), enc(&name)))
}

/// Checks an image URL template: an http(s) URL, with `{sku}` or `{file}` or ending in `/` or a path.
pub fn check_image_template(t: &str) -> Result<()> {
    let t = t.trim();
    if !(t.starts_with("https://") || t.starts_with("http://")) {
        return Err(ExportError::Refused(format!(
            "the image URL template must be an http(s) URL, such as https://cdn.example.com/images/{{sku}}.jpg (got {t:?})"
        )));
    }
    if let Some(bad) = t.match_indices('{').map(|(i, _)| &t[i..]).find(|r| !r.starts_with("{sku}") && !r.starts_with("{file}")) {
        let found = bad.split('}').next().unwrap_or(bad);
        return Err(ExportError::Refused(format!("the image URL template knows {{sku}} and {{file}} only (found {found:?})")));
    }
    Ok(())
}

/// SKUs of exported items without a public image link, and the export refused when the options say so.
pub fn check_images(outfits: &[ExportOutfit], opts: &ExportOptions) -> Result<Vec<String>> {
    let mut missing: Vec<String> = outfits.iter().flat_map(|o| &o.items).filter(|i| i.image_url.is_none()).map(|i| i.sku.clone()).collect();
    missing.sort();
    missing.dedup();
    if opts.missing_images == MissingImages::Refuse && !missing.is_empty() {
        let first: Vec<&str> = missing.iter().take(5).map(String::as_str).collect();
        return Err(ExportError::Refused(format!(
            "{} items have no public image link (a local file, or none), e.g. {}: give an image URL template \
             (--image-url-template https://cdn.example.com/images/{{sku}}.jpg) or export them without images",
            missing.len(),
            first.join(", ")
        )));
    }
    Ok(missing)
}

/// Approved (and already exported) outfits with their items; `in_stock_only` drops outfits with an item that
/// is out of stock, since the webshop cannot sell the look.
pub fn approved_outfits(store: &Store, in_stock_only: bool) -> Result<Vec<ExportOutfit>> {
    approved_outfits_with(store, &ExportOptions { include_out_of_stock: !in_stock_only, ..Default::default() })
}

/// [`approved_outfits`] with export options.
pub fn approved_outfits_with(store: &Store, opts: &ExportOptions) -> Result<Vec<ExportOutfit>> {
    let mut out = Vec::new();
    // A look with an item that was deleted (or whose catalogue was) cannot be sold as a whole: it is left out.
    let deleted = store.deleted_item_ids()?;
    // Each catalogue's saved image URL template, unless the export names one for all.
    let templates = store.image_url_templates()?;
    let catalogue_of: std::collections::HashMap<i64, i64> =
        if templates.is_empty() { Default::default() } else { store.item_catalogues()?.into_iter().collect() };
    let template_of = |item: i64| -> Option<&str> {
        opts.image_base_url.as_deref().or_else(|| catalogue_of.get(&item).and_then(|c| templates.get(c)).map(String::as_str))
    };
    for o in store.outfits(&[OutfitStatus::Approved, OutfitStatus::Exported])? {
        if o.items.iter().any(|(_, id)| deleted.contains(id)) {
            continue;
        }
        let mut items = Vec::new();
        for (slot, id) in &o.items {
            if let Some(si) = store.item_by_id(*id)? {
                let it = si.item;
                items.push(ExportItem {
                    slot: slot.as_str().to_string(),
                    image_url: image_link(it.image.as_deref(), template_of(*id), &it.sku),
                    sku: it.sku.to_string(),
                    title: it.title.to_string(),
                    description: it.description.to_string(),
                    brand: it.brand.to_string(),
                    category: it.category.to_string(),
                    colour: it.colour.to_string(),
                    age_group: it.age_group.map(|a| a.as_str().to_string()),
                    price: it.price,
                    currency: it.currency.to_string(),
                    image: it.image.map(String::from),
                    in_stock: it.in_stock,
                    item_group_id: it.item_group_id.to_string(),
                });
            }
        }
        if items.len() < o.items.len() {
            continue;
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
            // Unknown prices stay unknown: no total from part of the items (and never a -0.0 from none).
            total_price: items.iter().map(|i| i.price).sum::<Option<f64>>().map(|t| t + 0.0),
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
    Ok(store.record_export("outfits", format, path_label, outfits.len())?)
}

/// Writes outfits as a pretty JSON array, logs the export and marks the outfits exported.
pub fn write_outfits_json(store: &mut Store, w: &mut dyn Write, path_label: &str, in_stock_only: bool) -> Result<usize> {
    let opts = ExportOptions { include_out_of_stock: !in_stock_only, ..Default::default() };
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

/// Writes approved outfits in a named [`OutfitFormat`]; returns the number of outfits.
pub fn write_outfits_format(store: &mut Store, format: &str, w: &mut dyn Write, path_label: &str, opts: &ExportOptions) -> Result<usize> {
    match OutfitFormat::parse(format)? {
        OutfitFormat::Json => write_outfits_webshop_json(store, w, path_label, opts),
        OutfitFormat::JsonLd => write_outfits_jsonld(store, w, path_label, opts),
        OutfitFormat::Bundle => write_outfits_shopify_csv(store, w, path_label, opts),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_from_their_names_and_aliases_and_say_what_exists() {
        for (name, f) in [("shopify", PublishFormat::Shopify), ("csv", PublishFormat::Shopify), ("jsonl", PublishFormat::MetafieldsJsonl)] {
            assert_eq!(PublishFormat::parse(name).unwrap(), f);
        }
        assert_eq!(PublishFormat::parse("json-ld").unwrap().as_str(), "jsonld");
        assert_eq!(PublishFormat::MetafieldsJsonl.to_string(), "metafields-jsonl");
        let err = PublishFormat::parse("xml").unwrap_err().to_string();
        assert_eq!(err, r#"unknown publish format "xml"; supported: json, shopify, matrixify, metafields-jsonl, jsonld"#);
        assert_eq!(OutfitFormat::parse("shopify-bundle").unwrap(), OutfitFormat::Bundle);
        assert!(OutfitFormat::parse("shopify").unwrap_err().to_string().starts_with("say which Shopify file"));
        assert_eq!(
            OutfitFormat::parse("pdf").unwrap_err().to_string(),
            r#"unknown outfit export format "pdf"; supported: json, jsonld, bundle"#
        );
    }
}
