//! The export and publish formats by name: what a stylist or a script types (`--format csv`), parsed once at the
//! edge, matched as enums inside.

use super::{ExportError, Result};

/// How approved outfits are exported, each look as a whole. Parsed from its name and aliases; named by the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::Display, strum::VariantArray)]
pub enum OutfitFormat {
    /// Webshop JSON: items, slots, SKUs, image links, prices, age group.
    #[strum(to_string = "json")]
    Json,
    /// A schema.org `ItemList` of `Product`s per outfit.
    #[strum(to_string = "jsonld", serialize = "json-ld")]
    JsonLd,
    /// Each look a new Shopify product whose variants are the items' real SKUs.
    #[strum(to_string = "bundle", serialize = "shopify-bundle")]
    Bundle,
}

impl OutfitFormat {
    /// The format a name means, or an error that lists the names (and, for a bare "shopify", asks which file).
    pub fn parse(name: &str) -> Result<OutfitFormat> {
        if matches!(name, "shopify" | "shopify-csv" | "csv") {
            return Err(ExportError::Format(
                "say which Shopify file: --format bundle makes each look a new Shopify product (a bundle of the items' own \
                 SKUs); `publish --format shopify` (or matrixify, metafields-jsonl) sets complementary products on the \
                 shop's own products"
                    .into(),
            ));
        }
        name.parse().map_err(|_| {
            let names: Vec<&str> = <OutfitFormat as strum::VariantArray>::VARIANTS.iter().map(|f| f.into()).collect();
            ExportError::Format(format!("unknown outfit export format {name:?}; supported: {}", names.join(", ")))
        })
    }
}

/// What a "complete the look" publish writes. Parsed from its name and the aliases people type (`csv`, `jsonl`,
/// `json-ld`); named by the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::Display, strum::VariantArray)]
pub enum PublishFormat {
    /// JSON keyed by SKU.
    #[strum(to_string = "json")]
    Json,
    /// Shopify's product CSV with the complementary-products metafield column.
    #[strum(to_string = "shopify", serialize = "shopify-csv", serialize = "csv")]
    Shopify,
    /// A Matrixify sheet (`UPDATE` rows).
    #[strum(to_string = "matrixify")]
    Matrixify,
    /// Admin GraphQL `metafieldsSet` inputs, one call per line.
    #[strum(to_string = "metafields-jsonl", serialize = "jsonl")]
    MetafieldsJsonl,
    /// schema.org `Product` documents.
    #[strum(to_string = "jsonld", serialize = "json-ld")]
    JsonLd,
}

impl PublishFormat {
    /// The format a name means, or an error listing the names.
    pub fn parse(name: &str) -> Result<PublishFormat> {
        name.parse().map_err(|_| {
            let names: Vec<&str> = <PublishFormat as strum::VariantArray>::VARIANTS.iter().map(|f| f.into()).collect();
            ExportError::Format(format!("unknown publish format {name:?}; supported: {}", names.join(", ")))
        })
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}
