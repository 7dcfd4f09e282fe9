//! Mapping a generic record to an [`Item`] through a resolved [`ColumnMapping`], and field text to typed values,
//! each failure naming its line and field.

use super::images::{self, ImageStatus};
pub use super::mapping::{ColumnMapping, Field, field_for_header};
use super::records::Record;
use super::taxonomy::{self, Gender, Season, Slot};
use super::wear;
use super::{Item, RowError};
use std::path::Path;

/// Longest field we keep; longer text is cut with a warning (stops a runaway field from bloating the store).
pub const MAX_FIELD_CHARS: usize = 4000;
/// Prices above this are treated as data errors (a children's garment, in any currency we sell in).
pub const MAX_PRICE: f64 = 1_000_000.0;

#[derive(Debug)]
pub struct Mapped {
    pub item: Item,
    pub warnings: Vec<RowError>,
}

/// The text of a field in a record: joined broad to specific for `category` (repeats dropped, as in Myntra's
/// "Flip Flops > Flip Flops"), all values for `age_hint`, else the first non-empty column.
fn value(rec: &Record, mapping: &ColumnMapping, f: Field) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for col in mapping.columns(f) {
        let Some((_, v)) = rec.fields.iter().find(|(k, _)| k == col) else { continue };
        let v = v.trim();
        if v.is_empty() || out.last().is_some_and(|l| l.eq_ignore_ascii_case(v)) {
            continue;
        }
        out.push(v.to_string());
        if !f.joins_columns() {
            break;
        }
    }
    out
}

/// One feed row to an item, field by field, collecting warnings; the first missing required field is the row's
/// error. Long because it is one flat pass over every field, in the order a reader checks them.
pub fn map_record(rec: &Record, feed_dir: &Path, mapping: &ColumnMapping) -> Result<Mapped, RowError> {
    let mut warnings = Vec::new();
    let err = |field: &str, message: String| RowError { line: rec.line, field: field.into(), message };
    let mut get = |f: Field, name: &str| -> String {
        let v = value(rec, mapping, f).join(" > ");
        if v.chars().count() > MAX_FIELD_CHARS {
            warnings.push(err(name, format!("longer than {MAX_FIELD_CHARS} characters; cut")));
            v.chars().take(MAX_FIELD_CHARS).collect()
        } else {
            v
        }
    };
    let sku = get(Field::Sku, "sku");
    let title = get(Field::Title, "title");
    let description = get(Field::Description, "description");
    let category = get(Field::Category, "category");
    let slot_text = get(Field::Slot, "slot");
    // A feed without a colour column still names colours in its titles ("black leather biker jacket").
    let colour = Some(get(Field::Colour, "colour")).filter(|c| !c.is_empty()).or_else(|| taxonomy::colour_word(&title)).unwrap_or_default();
    let brand = get(Field::Brand, "brand");
    let age_text = get(Field::AgeGroup, "age_group");
    let gender_text = get(Field::Gender, "gender");
    let season_text = get(Field::Season, "season");
    let size = get(Field::Size, "size");
    let price_text = get(Field::Price, "price");
    let currency_text = get(Field::Currency, "currency");
    let image_text = get(Field::Image, "image");
    let stock_text = get(Field::InStock, "in_stock");
    let item_group_id = get(Field::ItemGroup, "item_group_id");
    let hints = value(rec, mapping, Field::AgeHint);

    if sku.is_empty() {
        return Err(err("sku", "missing (no id/sku column value)".into()));
    }
    if sku.chars().any(char::is_control) || sku.len() > 200 {
        return Err(err("sku", format!("not a usable identifier: {:?}", truncate(&sku, 40))));
    }
    if title.is_empty() {
        return Err(err("title", "missing".into()));
    }
    let slot = if !slot_text.is_empty() {
        Slot::parse(&slot_text).ok_or_else(|| err("slot", format!("unknown slot {:?}", truncate(&slot_text, 60))))?
    } else if category.is_empty() {
        return Err(err("category", "missing: needed to place the item in a slot".into()));
    } else {
        let classified = Slot::from_category(&category).or_else(|| Slot::from_category(&title)).ok_or_else(|| {
            err(
                "category",
                format!(
                    "cannot map {:?} to a slot (top, bottom, one_piece, outerwear, shoes, headwear, bag, accessory)",
                    truncate(&category, 80)
                ),
            )
        })?;
        // Bodysuits are worn as tops, rompers and all-in-ones as one-pieces, whatever the category says; so is a
        // top whose title names a one-piece ("MORRIS onepiece BB", filed under Sweater).
        taxonomy::one_piece_by_title(wear::wear(&category, &title, &description).slot(classified), &title)
    };
    let hint_refs: Vec<&str> = hints.iter().map(String::as_str).collect();
    let age_group = taxonomy::infer_age(&age_text, &size, &hint_refs, &title).map(|(a, _)| a);
    if age_group.is_none() && !age_text.is_empty() {
        warnings.push(err(
            "age_group",
            format!("unknown age group {:?}; expected newborn, infant, toddler, kids or adult", truncate(&age_text, 40)),
        ));
    }
    let gender = if gender_text.is_empty() {
        taxonomy::gender_from_words(&hints.join(" | ")).or_else(|| taxonomy::gender_from_words(&title))
    } else {
        let g = Gender::parse(&gender_text);
        if g.is_none() {
            warnings.push(err("gender", format!("unknown gender {:?}", truncate(&gender_text, 40))));
        }
        g
    };
    let season = Season::parse(&season_text).unwrap_or_else(|| {
        warnings.push(err("season", format!("unknown season {:?}; using all", truncate(&season_text, 40))));
        Season::All
    });
    let (price, price_currency) = if price_text.is_empty() {
        (None, None)
    } else {
        let (p, c) = parse_price(&price_text).ok_or_else(|| err("price", format!("not a price: {:?}", truncate(&price_text, 40))))?;
        if !(0.0..=MAX_PRICE).contains(&p) {
            return Err(err("price", format!("{p} is outside 0..{MAX_PRICE}")));
        }
        (Some(p), c)
    };
    let currency = if !currency_text.is_empty() { currency_text.to_uppercase() } else { price_currency.unwrap_or_default() };
    let in_stock = if stock_text.is_empty() {
        true
    } else {
        parse_in_stock(&stock_text).ok_or_else(|| err("in_stock", format!("not a stock value: {:?}", truncate(&stock_text, 40))))?
    };
    let (image, image_status) = if image_text.is_empty() {
        (None, ImageStatus::None)
    } else {
        let (resolved, status) = images::resolve(&image_text, feed_dir);
        if let Some(msg) = status.problem() {
            warnings.push(err("image", msg));
        }
        (Some(resolved), status)
    };
    Ok(Mapped {
        item: Item {
            sku: sku.into(),
            title: title.into(),
            description: description.into(),
            category: category.into(),
            slot,
            colour: colour.into(),
            brand: brand.into(),
            age_group,
            gender,
            season,
            size: size.into(),
            price,
            currency: currency.into(),
            image: image.map(Into::into),
            image_status,
            in_stock,
            item_group_id: item_group_id.into(),
        },
        warnings,
    })
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { format!("{}…", s.chars().take(n).collect::<String>()) }
}

/// Parses "129.00", "129,50 SEK", "SEK 1 299,00", "$12.99", "12.99 USD" into (amount, currency).
pub fn parse_price(s: &str) -> Option<(f64, Option<String>)> {
    let letters: String = s.chars().filter(|c| c.is_ascii_alphabetic()).collect();
    let currency = match letters.len() {
        3 => Some(letters.to_uppercase()),
        _ if s.contains('$') => Some("USD".to_string()),
        _ if s.contains('€') => Some("EUR".to_string()),
        _ if s.contains('£') => Some("GBP".to_string()),
        0 => None,
        _ => return None,
    };
    let mut num: String = s.chars().filter(|c| c.is_ascii_digit() || *c == '.' || *c == ',' || *c == '-').collect();
    if num.is_empty() {
        return None;
    }
    // A comma followed by exactly two digits at the end is a decimal comma; other commas group thousands.
    if let Some(pos) = num.rfind(',') {
        if num.len() - pos == 3 && !num[pos..].contains('.') {
            num = format!("{}.{}", num[..pos].replace([',', '.'], ""), &num[pos + 1..]);
        } else {
            num = num.replace(',', "");
        }
    }
    let v: f64 = num.parse().ok()?;
    v.is_finite().then_some((v, currency))
}

pub fn parse_in_stock(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().replace([' ', '-'], "_").as_str() {
        "in_stock" | "instock" | "true" | "yes" | "1" | "y" | "available" | "preorder" | "backorder" => Some(true),
        "out_of_stock" | "outofstock" | "false" | "no" | "0" | "n" | "sold_out" | "discontinued" => Some(false),
        other => other.parse::<i64>().ok().map(|n| n > 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AgeGroup;

    #[test]
    fn prices_in_feed_spellings() {
        assert_eq!(parse_price("129.00"), Some((129.0, None)));
        assert_eq!(parse_price("129,50 SEK"), Some((129.5, Some("SEK".into()))));
        assert_eq!(parse_price("SEK 1 299,00"), Some((1299.0, Some("SEK".into()))));
        assert_eq!(parse_price("1,299.00 USD"), Some((1299.0, Some("USD".into()))));
        assert_eq!(parse_price("$12.99"), Some((12.99, Some("USD".into()))));
        assert_eq!(parse_price("cheap"), None);
        assert_eq!(parse_price("12 kronor"), None);
    }

    #[test]
    fn stock_values() {
        assert_eq!(parse_in_stock("in stock"), Some(true));
        assert_eq!(parse_in_stock("out_of_stock"), Some(false));
        assert_eq!(parse_in_stock("3"), Some(true));
        assert_eq!(parse_in_stock("0"), Some(false));
        assert_eq!(parse_in_stock("maybe"), None);
    }

    #[test]
    fn headers_by_synonym() {
        assert_eq!(field_for_header("Variant SKU"), Some(Field::Sku));
        assert_eq!(field_for_header("g:id"), Some(Field::Sku));
        assert_eq!(field_for_header("image_link"), Some(Field::Image));
        assert_eq!(field_for_header("Body (HTML)"), Some(Field::Description));
        assert_eq!(field_for_header("google_product_category"), Some(Field::Category));
        assert_eq!(field_for_header("Colour"), Some(Field::Colour));
        assert_eq!(field_for_header("whatever"), None);
    }

    fn map_record(rec: &Record, dir: &Path) -> Result<Mapped, RowError> {
        let header: Vec<String> = rec.fields.iter().map(|(k, _)| k.clone()).collect();
        super::map_record(rec, dir, &ColumnMapping::from_synonyms(&header))
    }

    fn rec(fields: &[(&str, &str)]) -> Record {
        Record { line: 7, fields: fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() }
    }

    #[test]
    fn bad_rows_name_line_and_field() {
        let dir = Path::new(".");
        let e = map_record(&rec(&[("id", "A1"), ("title", "Dress"), ("category", "Dresses"), ("price", "-5")]), dir).unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (7, "price"));
        let e = map_record(&rec(&[("id", ""), ("title", "Dress")]), dir).unwrap_err();
        assert_eq!(e.field, "sku");
        let e = map_record(&rec(&[("id", "A2"), ("title", "Thing"), ("category", "Furniture")]), dir).unwrap_err();
        assert_eq!(e.field, "category");
        let ok = map_record(
            &rec(&[
                ("id", "A3"),
                ("title", "Rain jacket"),
                ("product_type", "Kids > Outerwear"),
                ("price", "299 SEK"),
                ("availability", "in stock"),
                ("age_group", "toddler"),
            ]),
            dir,
        )
        .unwrap();
        assert_eq!(ok.item.slot, Slot::Outerwear);
        assert_eq!(ok.item.currency, "SEK");
        assert_eq!(ok.item.age_group, Some(AgeGroup::Toddler));
        assert!(ok.warnings.is_empty());
    }
}
