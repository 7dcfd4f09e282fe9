//! The catalogue: what an article is, and how feeds become articles.
//!
//! Importers (one file per format) turn a feed into [`Item`]s plus row-level [`RowError`]s, so one bad row never
//! stops the rest. They do no I/O besides reading the feed and peeking at image headers; storing is `store`'s job.

mod fields;
pub mod images;
mod import;
mod merchant_xml;
mod records;
pub mod taxonomy;
mod text;

pub use fields::{parse_in_stock, parse_price};
pub use images::ImageStatus;
pub use import::{FeedFormat, import_feed, parse_feed};
pub use taxonomy::{AgeGroup, Gender, Season, Slot};

use serde::{Deserialize, Serialize};

/// One article of the catalogue as the app uses it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub sku: String,
    pub title: String,
    pub description: String,
    /// The feed's own category text, kept verbatim for display and re-mapping.
    pub category: String,
    pub slot: Slot,
    pub colour: String,
    pub brand: String,
    pub age_group: Option<AgeGroup>,
    pub gender: Option<Gender>,
    pub season: Season,
    pub size: String,
    pub price: Option<f64>,
    pub currency: String,
    /// Resolved absolute path of a local image, or a remote URL as given.
    pub image: Option<String>,
    pub image_status: ImageStatus,
    pub in_stock: bool,
    pub item_group_id: String,
}

/// A row that could not be imported, or a field that was imported with a caveat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// 1-based line in the feed file (the header is line 1 in CSV/TSV).
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.field, self.message)
    }
}

/// What parsing a feed produced: the good items, the rejected rows, and warnings about rows that were imported
/// anyway (an unknown colour, a missing image).
#[derive(Debug, Default, Clone)]
pub struct ParsedFeed {
    pub format: Option<FeedFormat>,
    pub items: Vec<Item>,
    pub errors: Vec<RowError>,
    pub warnings: Vec<RowError>,
}
