//! Exports: approved outfits for the webshop, judgements for research code.

use crate::store::{Judgement, OutfitStatus, Store};
use anyhow::Result;
use serde::Serialize;
use std::io::Write;

#[derive(Debug, Clone, Serialize)]
pub struct ExportItem {
    pub slot: String,
    pub sku: String,
    pub title: String,
    pub brand: String,
    pub category: String,
    pub colour: String,
    pub age_group: Option<String>,
    pub price: Option<f64>,
    pub currency: String,
    pub image: Option<String>,
    pub in_stock: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportOutfit {
    pub id: i64,
    pub name: String,
    pub status: String,
    pub created_by: String,
    pub created_at: String,
    pub total_price: f64,
    pub items: Vec<ExportItem>,
}

/// Approved (and already exported) outfits with their items; `in_stock_only` drops outfits with an item that
/// is out of stock, since the webshop cannot sell the look.
pub fn approved_outfits(store: &Store, in_stock_only: bool) -> Result<Vec<ExportOutfit>> {
    let mut out = Vec::new();
    for o in store.outfits(&[OutfitStatus::Approved, OutfitStatus::Exported])? {
        let mut items = Vec::new();
        for (slot, id) in &o.items {
            if let Some(si) = store.item_by_id(*id)? {
                let it = si.item;
                items.push(ExportItem {
                    slot: slot.as_str().to_string(),
                    sku: it.sku,
                    title: it.title,
                    brand: it.brand,
                    category: it.category,
                    colour: it.colour,
                    age_group: it.age_group.map(|a| a.as_str().to_string()),
                    price: it.price,
                    currency: it.currency,
                    image: it.image,
                    in_stock: it.in_stock,
                });
            }
        }
        if in_stock_only && items.iter().any(|i| !i.in_stock) {
            continue;
        }
        out.push(ExportOutfit {
            id: o.id,
            name: o.name,
            status: o.status.as_str().into(),
            created_by: o.created_by,
            created_at: o.created_at,
            total_price: items.iter().filter_map(|i| i.price).sum(),
            items,
        });
    }
    out.sort_by_key(|o| o.id);
    Ok(out)
}

/// Writes outfits as a pretty JSON array and logs the export.
pub fn write_outfits_json(store: &mut Store, w: &mut dyn Write, path_label: &str, in_stock_only: bool) -> Result<usize> {
    let outfits = approved_outfits(store, in_stock_only)?;
    serde_json::to_writer_pretty(&mut *w, &outfits)?;
    writeln!(w)?;
    store.record_export("outfits", "json", path_label, outfits.len())?;
    Ok(outfits.len())
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
