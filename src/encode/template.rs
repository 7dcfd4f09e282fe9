//! The one text template every catalogue goes through before the text encoder: colour, pattern, material and
//! product type, lower case ("navy striped cotton t-shirt").
//!
//! Why: a head trained on one retailer's text learns that retailer's writing (MANGO has only attribute codes,
//! H&M writes paragraphs, Myntra writes "Boys Navy Tshirts"). Reduced to the same four facts for every feed, the
//! text features mean the same thing whichever catalogue an item comes from, so what the head learned on adult
//! outfits can transfer to a children's catalogue it has never seen. Free text still shows in the app; only the
//! encoder's input is normalised.

use crate::catalogue::Item;

/// Bumped whenever the template changes: it is part of the encoder key, so stale text features are recomputed.
pub const TEMPLATE_VERSION: u32 = 2;

/// Pattern words, first match wins; (word found in the item's text, word written).
const PATTERNS: &[(&str, &str)] = &[
    ("stripe", "striped"),
    ("floral", "floral"),
    ("flower", "floral"),
    ("check", "checked"),
    ("plaid", "checked"),
    ("tartan", "checked"),
    ("dot", "dotted"),
    ("spot", "dotted"),
    ("leopard", "animal print"),
    ("animal", "animal print"),
    ("camouflage", "camouflage"),
    ("tie-dye", "tie-dye"),
    ("glitter", "glitter"),
    ("sequin", "sequinned"),
    ("embroider", "embroidered"),
    ("lace", "lace"),
    ("graphic", "printed"),
    ("print", "printed"),
    ("melange", "melange"),
    ("marl", "melange"),
    ("solid", "plain"),
];

/// Material words, first match wins.
const MATERIALS: &[(&str, &str)] = &[
    ("denim", "denim"),
    ("jeans", "denim"),
    ("faux leather", "faux leather"),
    ("imitation leather", "faux leather"),
    ("leather", "leather"),
    ("suede", "suede"),
    ("fleece", "fleece"),
    ("teddy", "fleece"),
    ("corduroy", "corduroy"),
    ("velour", "velour"),
    ("velvet", "velvet"),
    ("wool", "wool"),
    ("cashmere", "wool"),
    ("knit", "knit"),
    ("tricot", "knit"),
    ("jersey", "jersey"),
    ("linen", "linen"),
    ("muslin", "muslin"),
    ("satin", "satin"),
    ("silk", "satin"),
    ("chiffon", "chiffon"),
    ("tulle", "tulle"),
    ("padded", "padded"),
    ("down", "padded"),
    ("shell", "water-repellent"),
    ("waterproof", "water-repellent"),
    ("water-repellent", "water-repellent"),
    ("rubber", "rubber"),
    ("canvas", "canvas"),
    ("woven", "woven"),
    ("twill", "woven"),
    ("poplin", "woven"),
    ("cotton", "cotton"),
    ("polyester", "synthetic"),
];

fn first_match(text: &str, table: &[(&str, &'static str)]) -> Option<&'static str> {
    table.iter().find(|(k, _)| text.contains(k)).map(|(_, v)| *v)
}

/// The encoder text of an item: `"{colour} {pattern} {material} {product type}"`, words that are unknown left
/// out. Pattern and material are looked up in the title, description and category; the product type is the
/// feed's category (the most specific type word it has), falling back to the item's slot.
pub fn encoder_text(item: &Item) -> String {
    let haystack = format!("{} {} {}", item.title, item.description, item.category).to_lowercase();
    let colour = item.colour.trim().to_lowercase();
    let kind = {
        let c = item.category.trim();
        // Taxonomy paths ("Apparel > Clothing > Dresses") keep their last, most specific part.
        let last = c.rsplit(['>', '/']).next().unwrap_or(c).trim();
        if last.is_empty() { item.slot.label().to_lowercase() } else { last.to_lowercase() }
    };
    let mut words: Vec<&str> = Vec::with_capacity(4);
    if !colour.is_empty() {
        words.push(&colour);
    }
    let pattern = first_match(&haystack, PATTERNS);
    // "black leather leather jacket" reads badly and says nothing more.
    let material = first_match(&haystack, MATERIALS).filter(|m| !m.split_whitespace().any(|w| kind.contains(w)));
    words.extend(pattern);
    words.extend(material);
    words.push(&kind);
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Slot;

    fn item(title: &str, description: &str, category: &str, colour: &str) -> Item {
        Item {
            title: title.into(),
            description: description.into(),
            category: category.into(),
            colour: colour.into(),
            ..Item::bare("x", Slot::Top)
        }
    }

    #[test]
    fn every_feed_reads_the_same_four_facts() {
        // An H&M-style paragraph and a MANGO-style attribute row for the same kind of garment agree.
        let hm = item("Tilly tee", "T-shirt in soft cotton jersey with a striped pattern.", "T-shirt", "Dark Blue");
        let mango = item("", "jersey", "T-shirt", "dark blue");
        assert_eq!(encoder_text(&hm), "dark blue striped jersey t-shirt");
        assert_eq!(encoder_text(&mango), "dark blue jersey t-shirt");
        let jeans = item("Slim jeans", "5-pocket jeans in washed denim", "Jeans", "Blue");
        assert_eq!(encoder_text(&jeans), "blue denim jeans");
        let biker = item("Biker", "Jacket in faux leather", "Leather jacket", "Black");
        assert_eq!(encoder_text(&biker), "black leather jacket", "the material is not repeated when the type names it");
        let path = item("", "", "Apparel & Accessories > Clothing > Dresses", "");
        assert_eq!(encoder_text(&path), "dresses");
        assert_eq!(encoder_text(&item("", "", "", "")), "top");
    }
}
