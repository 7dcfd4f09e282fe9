//! Which feed column feeds which item field: header synonyms, built-in profiles for the header styles real feeds
//! use (Google Merchant, Shopify, H&M-style, Myntra-style, auto-detected from the header), and overrides a
//! stylist saves as a named profile.
//!
//! A field may read several columns: `category` joins them broad to specific ("Garment Lower body >
//! Leggings/Tights"), `age_hint` collects texts the age rules read ("Baby Sizes 50-98", "Boys"); every other field
//! takes the first non-empty one.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Sku,
    Title,
    Description,
    Category,
    Slot,
    Colour,
    Brand,
    AgeGroup,
    /// Texts that say the age or gender without being an age column: H&M `index_name`, Myntra `gender`.
    AgeHint,
    Gender,
    Season,
    Size,
    Price,
    Currency,
    Image,
    InStock,
    ItemGroup,
}

impl Field {
    pub const ALL: [Field; 17] = [
        Field::Sku,
        Field::Title,
        Field::Description,
        Field::Category,
        Field::Slot,
        Field::Colour,
        Field::Brand,
        Field::AgeGroup,
        Field::AgeHint,
        Field::Gender,
        Field::Season,
        Field::Size,
        Field::Price,
        Field::Currency,
        Field::Image,
        Field::InStock,
        Field::ItemGroup,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::Sku => "sku",
            Field::Title => "title",
            Field::Description => "description",
            Field::Category => "category",
            Field::Slot => "slot",
            Field::Colour => "colour",
            Field::Brand => "brand",
            Field::AgeGroup => "age_group",
            Field::AgeHint => "age_hint",
            Field::Gender => "gender",
            Field::Season => "season",
            Field::Size => "size",
            Field::Price => "price",
            Field::Currency => "currency",
            Field::Image => "image",
            Field::InStock => "in_stock",
            Field::ItemGroup => "item_group_id",
        }
    }

    pub fn parse(s: &str) -> Option<Field> {
        let k = s.trim().to_lowercase().replace('-', "_");
        let k = match k.as_str() {
            "color" => "colour",
            "age" => "age_group",
            "item_group" | "group" => "item_group_id",
            "stock" | "availability" => "in_stock",
            other => other,
        }
        .to_string();
        Field::ALL.into_iter().find(|f| f.as_str() == k)
    }

    /// Fields that read several columns at once.
    pub fn joins_columns(self) -> bool {
        matches!(self, Field::Category | Field::AgeHint)
    }
}

/// Header synonyms, normalised (lowercase, letters and digits only). Covers our CSV, Google Merchant
/// (id, title, product_type, google_product_category, image_link, availability, item_group_id) and Shopify
/// product exports (Handle, Body (HTML), Vendor, Type, Variant SKU, Variant Price, Image Src).
const SYNONYMS: &[(Field, &[&str])] = &[
    (Field::Sku, &["sku", "id", "variantsku", "articlenumber", "article", "articleid", "productid", "itemid", "offerid", "gid"]),
    (Field::Title, &["title", "name", "productname", "producttitle", "prodname", "productdisplayname"]),
    (Field::Description, &["description", "bodyhtml", "body", "productdescription", "longdescription", "detaildesc"]),
    (
        Field::Category,
        &["category", "producttype", "type", "productcategory", "googleproductcategory", "categoryname", "producttypename", "articletype"],
    ),
    (Field::Slot, &["slot"]),
    (Field::Colour, &["colour", "color", "colourname", "colorname", "option1value", "basecolour", "basecolor", "colourgroupname"]),
    (Field::Brand, &["brand", "vendor", "manufacturer", "label"]),
    (Field::AgeGroup, &["agegroup", "age"]),
    (Field::AgeHint, &["agehint", "indexname"]),
    (Field::Gender, &["gender", "sex"]),
    (Field::Season, &["season"]),
    (Field::Size, &["size", "sizes", "option2value"]),
    (Field::Price, &["price", "variantprice", "saleprice", "amount"]),
    (Field::Currency, &["currency", "pricecurrency"]),
    (Field::Image, &["image", "imagelink", "imagesrc", "imageurl", "imagepath", "picture", "variantimage"]),
    (Field::InStock, &["instock", "availability", "stock", "available"]),
    (Field::ItemGroup, &["itemgroupid", "handle", "group", "groupid", "parentsku"]),
];

fn normalise(header: &str) -> String {
    let lower = header.to_lowercase();
    let k: String = lower.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    // Namespaced headers from Merchant TSV exports ("g:id") normalise to "gid"; strip the prefix first.
    match k.strip_prefix('g') {
        Some(rest) if lower.starts_with("g:") && !rest.is_empty() => rest.to_string(),
        _ => k,
    }
}

pub fn field_for_header(header: &str) -> Option<Field> {
    let k = normalise(header);
    SYNONYMS.iter().find(|(_, names)| names.contains(&k.as_str())).map(|(f, _)| *f)
}

/// Field -> the feed columns it reads, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMapping {
    pub fields: BTreeMap<Field, Vec<String>>,
}

impl ColumnMapping {
    pub fn columns(&self, f: Field) -> &[String] {
        self.fields.get(&f).map(Vec::as_slice).unwrap_or(&[])
    }
    pub fn has(&self, f: Field) -> bool {
        !self.columns(f).is_empty()
    }
    pub fn set(&mut self, f: Field, columns: Vec<String>) {
        if columns.is_empty() {
            self.fields.remove(&f);
        } else {
            self.fields.insert(f, columns);
        }
    }

    /// The mapping by header synonyms alone (the first column of each field; `category` may join a broad and a
    /// specific column when both are present, as in Google's `google_product_category` + `product_type`).
    pub fn from_synonyms(header: &[String]) -> ColumnMapping {
        let mut m = ColumnMapping::default();
        for h in header {
            let Some(f) = field_for_header(h) else { continue };
            let cols = m.fields.entry(f).or_default();
            if cols.is_empty() || f.joins_columns() {
                cols.push(h.clone());
            }
        }
        m
    }

    /// "field=column[+column...]" per field, for the CLI and the preview.
    pub fn describe(&self) -> Vec<String> {
        self.fields.iter().map(|(f, c)| format!("{}={}", f.as_str(), c.join("+"))).collect()
    }
}

/// A named mapping: built in (detected by its signature headers) or saved by a stylist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    /// Fields this profile maps explicitly; fields it leaves out fall back to header synonyms.
    pub mapping: ColumnMapping,
    /// Normalised headers that must all be present for auto-detection (empty: never auto-detected).
    #[serde(default)]
    pub signature: Vec<String>,
    #[serde(default)]
    pub builtin: bool,
}

fn builtin(name: &str, signature: &[&str], fields: &[(Field, &[&str])]) -> Profile {
    let mut mapping = ColumnMapping::default();
    for (f, cols) in fields {
        mapping.set(*f, cols.iter().map(|c| c.to_string()).collect());
    }
    Profile { name: name.into(), mapping, signature: signature.iter().map(|s| s.to_string()).collect(), builtin: true }
}

/// The built-in profiles, in detection order (most specific signatures first).
pub fn builtin_profiles() -> Vec<Profile> {
    vec![
        builtin(
            "shopify",
            &["handle", "variantsku"],
            &[
                (Field::Sku, &["Variant SKU"]),
                (Field::Title, &["Title"]),
                (Field::Description, &["Body (HTML)"]),
                (Field::Brand, &["Vendor"]),
                (Field::Category, &["Product Category", "Type"]),
                (Field::Colour, &["Option1 Value"]),
                (Field::Size, &["Option2 Value"]),
                (Field::Price, &["Variant Price"]),
                (Field::Image, &["Variant Image", "Image Src"]),
                (Field::ItemGroup, &["Handle"]),
            ],
        ),
        builtin(
            "hm-kids",
            &["articleid", "prodname", "producttypename"],
            &[
                (Field::Sku, &["article_id"]),
                (Field::Title, &["prod_name"]),
                (Field::Description, &["detail_desc"]),
                (Field::Category, &["product_group_name", "product_type_name"]),
                (Field::Colour, &["colour_group_name"]),
                (Field::AgeHint, &["index_name", "department_name", "section_name"]),
                (Field::Image, &["image"]),
                (Field::ItemGroup, &["product_code"]),
            ],
        ),
        builtin(
            "myntra-kids",
            &["productdisplayname", "articletype"],
            &[
                (Field::Sku, &["id"]),
                (Field::Title, &["productDisplayName"]),
                (Field::Category, &["masterCategory", "subCategory", "articleType"]),
                (Field::Colour, &["baseColour"]),
                (Field::Gender, &["gender"]),
                (Field::AgeHint, &["gender"]),
                (Field::Season, &["season"]),
                (Field::Image, &["image"]),
            ],
        ),
        builtin(
            "google-merchant",
            &["id", "imagelink"],
            &[
                (Field::Sku, &["id"]),
                (Field::Title, &["title"]),
                (Field::Description, &["description"]),
                (Field::Category, &["google_product_category", "product_type"]),
                (Field::Colour, &["color"]),
                (Field::AgeGroup, &["age_group"]),
                (Field::Gender, &["gender"]),
                (Field::Size, &["size"]),
                (Field::Price, &["sale_price", "price"]),
                (Field::Image, &["image_link"]),
                (Field::InStock, &["availability"]),
                (Field::ItemGroup, &["item_group_id"]),
                (Field::Brand, &["brand"]),
            ],
        ),
    ]
}

/// The first built-in profile whose signature headers are all present.
pub fn detect_profile(header: &[String]) -> Option<Profile> {
    let have: Vec<String> = header.iter().map(|h| normalise(h)).collect();
    builtin_profiles().into_iter().find(|p| !p.signature.is_empty() && p.signature.iter().all(|s| have.contains(s)))
}

/// The columns of `want` that exist in `header` (matched ignoring case and punctuation), spelled as in the header.
fn present(header: &[String], want: &[String]) -> Vec<String> {
    want.iter()
        .filter_map(|w| {
            let k = normalise(w);
            header.iter().find(|h| *h == w || normalise(h) == k).cloned()
        })
        .collect()
}

/// How a feed's columns were mapped, and by what.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ResolvedMapping {
    pub mapping: ColumnMapping,
    /// The profile used (given or detected), `None` for header synonyms only.
    pub profile: Option<String>,
    pub detected: bool,
}

/// Resolves the mapping for a header: synonyms, then the profile (given, else detected; only columns the header
/// has), then explicit overrides. An override naming a column the header lacks is an error naming the columns.
pub fn resolve(header: &[String], profile: Option<&Profile>, overrides: &[(Field, Vec<String>)]) -> Result<ResolvedMapping, String> {
    let mut mapping = ColumnMapping::from_synonyms(header);
    let (profile, detected) = match profile {
        Some(p) => (Some(p.clone()), false),
        None => (detect_profile(header), true),
    };
    if let Some(p) = &profile {
        for (f, cols) in &p.mapping.fields {
            let cols = present(header, cols);
            if !cols.is_empty() {
                mapping.set(*f, cols);
            }
        }
    }
    for (f, cols) in overrides {
        if cols.is_empty() || cols.iter().all(|c| c.is_empty()) {
            mapping.set(*f, Vec::new());
            continue;
        }
        let found = present(header, cols);
        if found.len() != cols.len() {
            let missing: Vec<&String> = cols.iter().filter(|c| !found.iter().any(|x| normalise(x) == normalise(c))).collect();
            return Err(format!(
                "--map {}: no column {} in this feed; its columns are: {}",
                f.as_str(),
                missing.iter().map(|c| format!("{c:?}")).collect::<Vec<_>>().join(", "),
                header.join(", ")
            ));
        }
        mapping.set(*f, found);
    }
    Ok(ResolvedMapping { mapping, detected: detected && profile.is_some(), profile: profile.map(|p| p.name) })
}

/// Parses `field=column` or `field=col1+col2` (an empty column removes the field's mapping).
pub fn parse_override(s: &str) -> Result<(Field, Vec<String>), String> {
    let (f, cols) = s.split_once('=').ok_or_else(|| format!("--map {s:?}: expected field=column"))?;
    let field = Field::parse(f).ok_or_else(|| {
        format!("--map {s:?}: unknown field {f:?}; one of {}", Field::ALL.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", "))
    })?;
    let cols: Vec<String> = cols.split('+').map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect();
    Ok((field, cols))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(cols: &[&str]) -> Vec<String> {
        cols.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn profiles_are_detected_from_headers() {
        let hm = h(&["article_id", "prod_name", "product_type_name", "product_group_name", "colour_group_name", "index_name", "image"]);
        let r = resolve(&hm, None, &[]).unwrap();
        assert_eq!(r.profile.as_deref(), Some("hm-kids"));
        assert!(r.detected);
        assert_eq!(r.mapping.columns(Field::Category), ["product_group_name", "product_type_name"]);
        assert_eq!(r.mapping.columns(Field::AgeHint), ["index_name"]);
        let myntra = h(&["id", "productDisplayName", "articleType", "baseColour", "gender", "season", "image"]);
        let r = resolve(&myntra, None, &[]).unwrap();
        assert_eq!(r.profile.as_deref(), Some("myntra-kids"));
        assert_eq!(r.mapping.columns(Field::Colour), ["baseColour"]);
        assert_eq!(r.mapping.columns(Field::Category), ["articleType"]);
        let shop = h(&["Handle", "Title", "Type", "Variant SKU", "Image Src"]);
        assert_eq!(resolve(&shop, None, &[]).unwrap().profile.as_deref(), Some("shopify"));
        let gm = h(&["id", "title", "product_type", "image_link"]);
        assert_eq!(resolve(&gm, None, &[]).unwrap().profile.as_deref(), Some("google-merchant"));
        let ours = h(&["sku", "title", "category"]);
        assert_eq!(resolve(&ours, None, &[]).unwrap().profile, None);
    }

    #[test]
    fn overrides_replace_and_name_missing_columns() {
        let header = h(&["code", "naam", "soort"]);
        let o = vec![parse_override("sku=code").unwrap(), parse_override("title=naam").unwrap(), parse_override("category=soort").unwrap()];
        let r = resolve(&header, None, &o).unwrap();
        assert_eq!(r.mapping.columns(Field::Sku), ["code"]);
        let err = resolve(&header, None, &[parse_override("colour=kleur").unwrap()]).unwrap_err();
        assert!(err.contains("\"kleur\"") && err.contains("code, naam, soort"), "{err}");
        assert!(parse_override("nonsense=x").unwrap_err().contains("unknown field"));
        assert_eq!(parse_override("category=a+b").unwrap().1, ["a", "b"]);
    }
}
