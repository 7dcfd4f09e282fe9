//! Webshop JSON: approved outfits with their items' slots, SKUs, image links, prices and age groups.

use super::Result;
use super::{ExportOptions, approved_outfits_with, finish_export};
use outfit_store::Store;
use std::io::Write;

/// Writes approved outfits as a pretty JSON array of [`super::ExportOutfit`], logs the export and marks the
/// outfits exported. Returns the number of outfits.
pub fn write_outfits_webshop_json(store: &mut Store, w: &mut dyn Write, path_label: &str, opts: &ExportOptions) -> Result<usize> {
    let outfits = approved_outfits_with(store, opts)?;
    super::check_images(&outfits, opts)?;
    serde_json::to_writer_pretty(&mut *w, &outfits)?;
    writeln!(w)?;
    finish_export(store, "json", path_label, &outfits)?;
    Ok(outfits.len())
}
