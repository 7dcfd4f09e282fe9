//! "Complete the look" as Shopify reads it: the standard complementary-products metafield that Shopify's Search &
//! Discovery app and themes asking for `intent=complementary` read, in three forms a shop can import as they are.
//!
//! - Product CSV (`publish --format shopify`): `Handle`, `Title` and
//!   `Complementary products (product.metafields.shopify--discovery--product_recommendation.complementary_products)`
//!   (the product CSV's metafield column form `<name> (product.metafields.<namespace>.<key>)`); the value is the
//!   other products' handles, comma-separated.
//! - Matrixify sheet (`--format matrixify`): `Handle`, `Command` = `UPDATE` and
//!   `Metafield: shopify--discovery--product_recommendation.complementary_products [list.product_reference]`, one
//!   handle per line in the cell.
//! - JSON Lines for a bulk `metafieldsSet` (`--format metafields-jsonl`): one line per call, `{"metafields": [...]}`
//!   with at most 25 `MetafieldsSetInput`s (the API's limit), each `{ownerId, namespace, key, type, value}` with
//!   `ownerId` = `gid://shopify/Product/<id>` and `value` a JSON array of such ids. Product ids come from the shop's
//!   own export ([`ProductIds`]), which also gives the CSVs their handles.
//!
//! A product never references itself; variants of one product (one handle) share its list. The custom metafield
//! `outfit_studio.complete_the_look` of earlier versions stays available ([`Metafield::Custom`]).

use super::ExportOutfit;
use super::{ExportError, Result};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;

/// The API's limit of metafields per `metafieldsSet` call.
pub const METAFIELDS_PER_CALL: usize = 25;

/// Which metafield the exports set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Metafield {
    /// `shopify--discovery--product_recommendation.complementary_products`: what Shopify's recommendations read.
    #[default]
    Standard,
    /// `outfit_studio.complete_the_look`, for a theme built on it (define it as `list.product_reference`).
    Custom,
}

impl Metafield {
    pub fn namespace(self) -> &'static str {
        match self {
            Metafield::Standard => "shopify--discovery--product_recommendation",
            Metafield::Custom => "outfit_studio",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Metafield::Standard => "complementary_products",
            Metafield::Custom => "complete_the_look",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Metafield::Standard => "Complementary products",
            Metafield::Custom => "Complete the look",
        }
    }
    /// The product CSV's column header.
    pub fn csv_column(self) -> String {
        format!("{} (product.metafields.{}.{})", self.label(), self.namespace(), self.key())
    }
    /// The Matrixify column header.
    pub fn matrixify_column(self) -> String {
        format!("Metafield: {}.{} [list.product_reference]", self.namespace(), self.key())
    }
}

/// A shop product: its numeric id and handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopProduct {
    pub id: u64,
    pub handle: String,
}

impl ShopProduct {
    pub fn gid(&self) -> String {
        format!("gid://shopify/Product/{}", self.id)
    }
}

/// The settings key of the shop's product export used by the last `publish --product-ids`.
pub const PRODUCT_IDS_SETTING: &str = "publish.product_ids";

/// Variant SKU -> shop product, read from the shop's own export: a Matrixify / product CSV with `ID`, `Handle` and
/// `Variant SKU` columns, or the JSON Lines of a GraphQL bulk query over products and their variants (product lines
/// `{"id": "gid://shopify/Product/1", "handle": ...}`, variant lines `{"sku": ..., "__parentId": ...}`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductIds {
    by_sku: HashMap<String, ShopProduct>,
}

impl ProductIds {
    pub fn len(&self) -> usize {
        self.by_sku.len()
    }
    pub fn is_empty(&self) -> bool {
        self.by_sku.is_empty()
    }
    pub fn get(&self, sku: &str) -> Option<&ShopProduct> {
        self.by_sku.get(sku)
    }

    /// The shop's product export last given to `publish --product-ids` ([`ProductIds::remember`]), read again: the
    /// app publishes with the shop's handles and ids without asking for the file. `None` when none was given.
    pub fn remembered(store: &outfit_store::Store) -> Result<Option<(std::path::PathBuf, ProductIds)>> {
        let Some(json) = store.setting(PRODUCT_IDS_SETTING)? else { return Ok(None) };
        let path: std::path::PathBuf = serde_json::from_str::<String>(&json)
            .map_err(|e| ExportError::ProductIds(format!("the saved product-ID export path is unreadable: {e}")))?
            .into();
        let ids = Self::read(&path).map_err(|e| {
            ExportError::Refused(format!(
                "the shop's product export saved for publishing ({}) cannot be used: publish once with --product-ids NEWFILE ({e})",
                path.display()
            ))
        })?;
        Ok(Some((path, ids)))
    }

    /// Keeps `path` (made absolute) as the shop's product export for later publishes from the CLI and the app.
    pub fn remember(store: &mut outfit_store::Store, path: &std::path::Path) -> Result<()> {
        let abs = std::path::absolute(path).map_err(ExportError::file("resolve", path))?;
        store.set_setting(PRODUCT_IDS_SETTING, &serde_json::to_string(&abs.to_string_lossy())?)?;
        Ok(())
    }

    /// Reads a product-ID export (CSV or JSON Lines, told apart by the first character).
    pub fn read(path: &std::path::Path) -> Result<ProductIds> {
        let text = std::fs::read_to_string(path).map_err(ExportError::file("read the product-ID export", path))?;
        let ids = if text.trim_start().starts_with('{') { Self::from_jsonl(&text) } else { Self::from_csv(&text) };
        let ids = ids.map_err(|e| ExportError::NotProductIds { path: path.to_path_buf(), reason: Box::new(e) })?;
        if ids.is_empty() {
            return Err(ExportError::ProductIds(format!(
                "{} maps no SKU to a product: export products with their variants' SKUs",
                path.display()
            )));
        }
        Ok(ids)
    }

    /// A Matrixify (or product) CSV export: `ID`, `Handle`, `Variant SKU`; rows of one product may leave `ID` and
    /// `Handle` empty after the first.
    pub fn from_csv(text: &str) -> Result<ProductIds> {
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let headers: Vec<String> = r.headers()?.iter().map(|h| h.trim().to_string()).collect();
        let col = |names: &[&str]| headers.iter().position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)));
        let (Some(id), Some(handle), Some(sku)) =
            (col(&["ID", "Product ID"]), col(&["Handle", "URL handle"]), col(&["Variant SKU", "SKU"]))
        else {
            return Err(ExportError::ProductIds(format!(
                "the CSV needs ID, Handle and Variant SKU columns (a Matrixify products export has them); found {}",
                headers.join(", ")
            )));
        };
        let mut out = ProductIds::default();
        let mut current: Option<ShopProduct> = None;
        for (n, rec) in r.records().enumerate() {
            let rec = rec?;
            let (i, h) = (rec.get(id).unwrap_or("").trim(), rec.get(handle).unwrap_or("").trim());
            if !i.is_empty() {
                let id = parse_id(i).map_err(|e| ExportError::ProductIds(format!("line {}: product ID {i:?}: {e}", n + 2)))?;
                current = Some(ShopProduct { id, handle: h.to_string() });
            }
            let s = rec.get(sku).unwrap_or("").trim();
            if let (Some(p), false) = (&current, s.is_empty()) {
                out.by_sku.insert(s.to_string(), p.clone());
            }
        }
        Ok(out)
    }

    /// The JSON Lines of a GraphQL bulk query (`products { id handle variants { sku } }`).
    pub fn from_jsonl(text: &str) -> Result<ProductIds> {
        let mut products: HashMap<String, ShopProduct> = HashMap::new();
        let mut variants: Vec<(String, String)> = Vec::new();
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).map_err(|e| ExportError::ProductIds(format!("line {}: {e}", n + 1)))?;
            let gid = v["id"].as_str().unwrap_or_default();
            if gid.starts_with("gid://shopify/Product/") {
                let handle = v["handle"].as_str().unwrap_or_default().to_string();
                products.insert(gid.to_string(), ShopProduct { id: parse_id(gid)?, handle });
            } else if let (Some(sku), Some(parent)) = (v["sku"].as_str(), v["__parentId"].as_str()) {
                variants.push((sku.trim().to_string(), parent.to_string()));
            }
        }
        let mut out = ProductIds::default();
        for (sku, parent) in variants.into_iter().filter(|(s, _)| !s.is_empty()) {
            let p = products
                .get(&parent)
                .ok_or_else(|| ExportError::ProductIds(format!("variant {sku} names product {parent}, which is not in the file")))?;
            out.by_sku.insert(sku, p.clone());
        }
        Ok(out)
    }
}

/// A product the `metafieldsSet` lines must name by its shop id.
fn no_shop_id(handle: &str) -> ExportError {
    ExportError::Refused(format!("product {handle} has no shop id: give the product-ID export"))
}

/// `123` or `gid://shopify/Product/123`.
fn parse_id(s: &str) -> Result<u64> {
    let digits = s.rsplit('/').next().unwrap_or(s).trim();
    digits.parse().map_err(|_| ExportError::ProductIds(format!("not a product id: {s:?}")))
}

/// One product's complementary products: its handle (and shop product when known) and the other products of
/// its looks, best look first, each once.
#[derive(Debug, Clone, PartialEq)]
pub struct Complementary {
    pub handle: String,
    pub title: String,
    pub product: Option<ShopProduct>,
    pub refs: Vec<(String, Option<ShopProduct>)>,
}

/// The complementary products of every product with a look. `handle` gives a catalogue item's handle when the
/// shop's ids are not known. With `ids`, every SKU must map to a shop product: the error lists those that do not.
pub fn complementary(
    by_sku: &BTreeMap<String, Vec<ExportOutfit>>,
    ids: Option<&ProductIds>,
    handle: &dyn Fn(&super::ExportItem) -> String,
) -> Result<Vec<Complementary>> {
    if let Some(ids) = ids {
        let mut unmapped: Vec<&str> =
            by_sku.values().flatten().flat_map(|o| &o.items).map(|i| i.sku.as_str()).filter(|s| ids.get(s).is_none()).collect();
        unmapped.sort();
        unmapped.dedup();
        if !unmapped.is_empty() {
            return Err(ExportError::Refused(format!(
                "{} SKUs of published looks map to no product in the product-ID export: {}. Export the shop's products \
                 again (with variant SKUs), or leave those looks out",
                unmapped.len(),
                unmapped.join(", ")
            )));
        }
    }
    let shop = |it: &super::ExportItem| ids.and_then(|ids| ids.get(&it.sku)).cloned();
    let handle_of = |it: &super::ExportItem| shop(it).map(|p| p.handle).filter(|h| !h.is_empty()).unwrap_or_else(|| handle(it));
    let mut out: Vec<Complementary> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (sku, looks) in by_sku {
        let Some(me) = looks[0].items.iter().find(|i| &i.sku == sku) else { continue };
        let h = handle_of(me);
        // Variants of one product share a handle: the first SKU's looks speak for it.
        if !seen.insert(h.clone()) {
            continue;
        }
        let mut refs: Vec<(String, Option<ShopProduct>)> = Vec::new();
        for it in looks.iter().flat_map(|o| &o.items) {
            let rh = handle_of(it);
            if rh != h && !refs.iter().any(|(x, _)| *x == rh) {
                refs.push((rh, shop(it)));
            }
        }
        if !refs.is_empty() {
            out.push(Complementary { handle: h, title: me.title.clone(), product: shop(me), refs });
        }
    }
    Ok(out)
}

/// A row's state as the publish log records it: the references (handles and, when known, shop ids), the title
/// and the owner's id, so a later publish can compare it and clear it.
pub fn row_state(r: &Complementary) -> String {
    let refs: Vec<&str> = r.refs.iter().map(|(h, _)| h.as_str()).collect();
    let ids: Vec<Option<u64>> = r.refs.iter().map(|(_, p)| p.as_ref().map(|p| p.id)).collect();
    json!({ "title": r.title, "owner": r.product.as_ref().map(|p| p.id), "refs": refs, "ids": ids }).to_string()
}

/// A product whose looks all went since the last publish: its metafield is cleared.
#[derive(Debug, Clone, PartialEq)]
pub struct Cleared {
    pub handle: String,
    pub title: String,
    /// The shop product id, when the last publish knew it.
    pub owner: Option<u64>,
}

impl Cleared {
    /// From the state recorded by [`row_state`].
    pub fn from_state(handle: &str, state: &str) -> Cleared {
        let v: serde_json::Value = serde_json::from_str(state).unwrap_or_default();
        Cleared { handle: handle.to_string(), title: v["title"].as_str().unwrap_or_default().to_string(), owner: v["owner"].as_u64() }
    }
}

/// The product CSV (see the module docs); a product to clear gets an empty metafield cell.
pub fn write_csv(rows: &[&Complementary], clears: &[Cleared], field: Metafield, w: &mut dyn Write) -> Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(["Handle", "Title", field.csv_column().as_str()])?;
    for r in rows {
        let refs: Vec<&str> = r.refs.iter().map(|(h, _)| h.as_str()).collect();
        csv.write_record([r.handle.as_str(), r.title.as_str(), refs.join(", ").as_str()])?;
    }
    for c in clears {
        csv.write_record([c.handle.as_str(), c.title.as_str(), ""])?;
    }
    csv.flush()?;
    Ok(())
}

/// The Matrixify sheet (see the module docs); a product to clear gets an empty metafield cell, which Matrixify
/// imports as removing the value.
pub fn write_matrixify(rows: &[&Complementary], clears: &[Cleared], field: Metafield, w: &mut dyn Write) -> Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(["Handle", "Command", field.matrixify_column().as_str()])?;
    for r in rows {
        let refs: Vec<&str> = r.refs.iter().map(|(h, _)| h.as_str()).collect();
        csv.write_record([r.handle.as_str(), "UPDATE", refs.join("\n").as_str()])?;
    }
    for c in clears {
        csv.write_record([c.handle.as_str(), "UPDATE", ""])?;
    }
    csv.flush()?;
    Ok(())
}

/// The `metafieldsSet` JSON Lines (see the module docs); every product and reference must carry its shop id.
/// Returns the number of calls (lines).
pub fn write_metafields_jsonl(rows: &[&Complementary], field: Metafield, w: &mut dyn Write) -> Result<usize> {
    let mut inputs = Vec::with_capacity(rows.len());
    for r in rows {
        let owner = r.product.as_ref().ok_or_else(|| no_shop_id(&r.handle))?;
        let mut refs: Vec<String> = Vec::new();
        for (h, p) in &r.refs {
            let p = p.as_ref().ok_or_else(|| no_shop_id(h))?;
            if p.id != owner.id && !refs.contains(&p.gid()) {
                refs.push(p.gid());
            }
        }
        if refs.is_empty() {
            continue;
        }
        inputs.push(json!({
            "ownerId": owner.gid(),
            "namespace": field.namespace(),
            "key": field.key(),
            "type": "list.product_reference",
            "value": serde_json::to_string(&refs)?,
        }));
    }
    let mut calls = 0;
    for chunk in inputs.chunks(METAFIELDS_PER_CALL) {
        serde_json::to_writer(&mut *w, &json!({ "metafields": chunk }))?;
        writeln!(w)?;
        calls += 1;
    }
    Ok(calls)
}

/// The `metafieldsDelete` JSON Lines for products to clear (a bulk operation runs one mutation, so these go to a
/// file of their own): `{"metafields": [{ownerId, namespace, key}]}`, at most 25 per line. Returns the lines.
pub fn write_metafields_delete_jsonl(clears: &[Cleared], field: Metafield, w: &mut dyn Write) -> Result<usize> {
    let mut ids = Vec::with_capacity(clears.len());
    for c in clears {
        let id = c.owner.ok_or_else(|| {
            ExportError::Refused(format!("product {} has no shop id in the last publish: clear it by hand or publish a CSV", c.handle))
        })?;
        ids.push(json!({ "ownerId": format!("gid://shopify/Product/{id}"), "namespace": field.namespace(), "key": field.key() }));
    }
    let mut calls = 0;
    for chunk in ids.chunks(METAFIELDS_PER_CALL) {
        serde_json::to_writer(&mut *w, &json!({ "metafields": chunk }))?;
        writeln!(w)?;
        calls += 1;
    }
    Ok(calls)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_ids_read_from_matrixify_csv_and_bulk_jsonl() {
        let csv = "ID,Handle,Title,Variant SKU\n101,striped-tee,Striped tee,TEE-1\n,,,TEE-2\n202,blue-shorts,Shorts,SH-1\n";
        let ids = ProductIds::from_csv(csv).unwrap();
        assert_eq!(ids.get("TEE-2").unwrap(), &ShopProduct { id: 101, handle: "striped-tee".into() });
        assert_eq!(ids.get("SH-1").unwrap().gid(), "gid://shopify/Product/202");
        let jsonl = "{\"id\":\"gid://shopify/Product/7\",\"handle\":\"cap\"}\n{\"id\":\"gid://shopify/ProductVariant/70\",\"sku\":\"CAP-1\",\"__parentId\":\"gid://shopify/Product/7\"}\n";
        assert_eq!(ProductIds::from_jsonl(jsonl).unwrap().get("CAP-1").unwrap().id, 7);
        assert!(ProductIds::from_csv("Handle,Title\nx,y\n").unwrap_err().to_string().contains("Variant SKU"));
        assert!(ProductIds::from_csv("ID,Handle,Variant SKU\nabc,x,y\n").is_err());
    }

    #[test]
    fn metafields_set_lines_hold_at_most_25_inputs_and_never_the_owner() {
        let p = |id: u64| Some(ShopProduct { id, handle: format!("p{id}") });
        let rows: Vec<Complementary> = (0..60u64)
            .map(|i| Complementary {
                handle: format!("p{i}"),
                title: String::new(),
                product: p(i),
                refs: vec![(format!("p{i}"), p(i)), (format!("p{}", i + 100), p(i + 100))],
            })
            .collect();
        let mut out = Vec::new();
        let refs: Vec<&Complementary> = rows.iter().collect();
        assert_eq!(write_metafields_jsonl(&refs, Metafield::Standard, &mut out).unwrap(), 3);
        let lines: Vec<serde_json::Value> = String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.iter().map(|l| l["metafields"].as_array().unwrap().len()).collect::<Vec<_>>(), [25, 25, 10]);
        let m = &lines[0]["metafields"][0];
        assert_eq!(m["ownerId"], "gid://shopify/Product/0");
        assert_eq!(m["type"], "list.product_reference");
        let value: Vec<String> = serde_json::from_str(m["value"].as_str().unwrap()).unwrap();
        assert_eq!(value, ["gid://shopify/Product/100"]);
        // Without shop ids the JSON Lines cannot be written, and says so.
        let e = write_metafields_jsonl(&[&Complementary { product: None, ..rows[0].clone() }], Metafield::Standard, &mut Vec::new());
        assert!(e.unwrap_err().to_string().contains("product-ID export"));
    }
}
