//! Publishing "complete the look" to the shop from the app. The difference since the channel's last publish is
//! worked out first (a background job) and shown; only the stylist's confirmation writes the file and records
//! the publish. The same export functions as `outfit-studio publish`, with each catalogue's saved image URL
//! template.

use crate::problem::{Context, Result};
use outfit_engine::Engine;
use outfit_export::ExportOptions;
use outfit_export::per_product::{self, Publish};
use outfit_export::shopify_metafields::ProductIds;
use std::path::{Path, PathBuf};

/// The publish formats the app offers. The CLI has more (JSON per SKU, JSON-LD, and `metafieldsSet` JSON Lines,
/// which need the shop's product ids).
pub const APP_FORMATS: [(&str, &str); 2] = [("shopify", "Shopify product CSV"), ("matrixify", "Matrixify sheet")];

/// Products listed by name in the preview; the rest are counted.
const LISTED: usize = 10;

pub fn format_label(format: &str) -> &'static str {
    APP_FORMATS.iter().find(|(f, _)| *f == format).map(|(_, l)| *l).unwrap_or("publish file")
}

/// What a publish would write and change, shown before anything is written.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishPreview {
    pub format: String,
    pub path: PathBuf,
    /// What changes since the channel's last publish, and why looks went.
    pub summary: String,
    /// Products with looks, and the looks behind them.
    pub products: usize,
    pub looks: usize,
    /// No earlier publish to this channel: everything is new.
    pub first: bool,
    /// Nothing is new, changed or to clear.
    pub nothing_changed: bool,
    /// Up to ten product handles of each kind, for a glance.
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub removed: Vec<String>,
    /// Items that would go without an image: a local file and no image URL template for their catalogue.
    pub missing_images: usize,
    /// Approved looks left out because an item is out of stock.
    pub dropped_for_stock: usize,
    /// The shop's product export the handles come from (saved by `publish --product-ids`); `None`: handles are
    /// made from the items' product codes, which the shop may not use.
    pub ids_from: Option<PathBuf>,
}

impl PublishPreview {
    fn of(format: &str, path: &Path, p: &Publish) -> PublishPreview {
        let first = |v: &[String]| v.iter().take(LISTED).cloned().collect();
        PublishPreview {
            format: format.to_string(),
            path: path.to_path_buf(),
            summary: p.changes.summary(),
            products: p.state.len(),
            looks: p.looks.len(),
            first: p.changes.since.is_none(),
            nothing_changed: p.changes.is_empty(),
            added: first(&p.changes.added),
            changed: first(&p.changes.changed),
            removed: first(&p.changes.removed),
            missing_images: p.report.missing_images,
            dropped_for_stock: p.report.dropped_for_stock,
            ids_from: None,
        }
    }
}

/// The app's export options: each catalogue's saved image URL template (in the store), and the shop's product
/// export the last `publish --product-ids` named, for the shop's own handles. Returns that export's path too.
fn options(e: &Engine) -> Result<(ExportOptions, Option<PathBuf>)> {
    let mut opts = ExportOptions::default();
    let ids = ProductIds::remembered(e.store())?;
    let from = ids.as_ref().map(|(p, _)| p.clone());
    opts.product_ids = ids.map(|(_, ids)| ids);
    Ok((opts, from))
}

/// Works out the publish without writing anything.
pub(crate) fn plan(e: &Engine, format: &str, path: &Path) -> Result<PublishPreview> {
    let (opts, ids_from) = options(e)?;
    let p = per_product::plan_publish(e.store(), format, &opts)?;
    Ok(PublishPreview { ids_from, ..PublishPreview::of(format, path, &p) })
}

/// Writes the publish (all products, or only the changes) and records it, so the next preview compares with it.
/// Worked out again from the store: what is written is what the store holds now. Returns the summary line.
pub(crate) fn write(e: &mut Engine, format: &str, path: &Path, changed_only: bool) -> Result<String> {
    let p = per_product::plan_publish(e.store(), format, &options(e)?.0)?;
    if changed_only && p.changes.is_empty() {
        return Ok(format!("Nothing changed since the last publish: {} not written", path.display()));
    }
    // The app's formats clear a product with an empty cell; only the CLI's JSON Lines needs a delete file.
    let mut buf = Vec::new();
    let r = per_product::write_publish(&p, changed_only, &mut buf, None)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, &buf).with_context(|| format!("cannot write {}", path.display()))?;
    // Recorded only once written: a failed write leaves the last publish as the one to compare with.
    per_product::record_publish(e.store_mut(), &p, changed_only, &r, &path.display().to_string())?;
    let mut s = format!(
        "Published {} looks for {} products to {} ({}; {} written, {} cleared)",
        r.looks,
        r.products,
        path.display(),
        format_label(format),
        r.written,
        r.cleared
    );
    if r.missing_images > 0 {
        s.push_str(&format!("; {} items without a public image", r.missing_images));
    }
    Ok(s)
}
