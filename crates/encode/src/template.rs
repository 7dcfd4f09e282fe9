//! The one text template every catalogue goes through before the text encoder: the item's own title words, then
//! the same facts for every feed (colour, pattern, material, product type), then its occasion and season of wear
//! ("tilly tee. navy striped jersey t-shirt. casual").
//!
//! Why both: reduced to the four facts alone (template v2), text from different retailers meant the same thing,
//! but the facts throw away the words that carry style ("dolce gabbana silk shirt", "ballet flats", "biker"):
//! on user-made Polyvore outfits a plain cosine of the raw titles beat every head trained on the facts. The facts
//! stay, so feeds without titles (MANGO's attribute codes) still read alike; the title adds what a stylist reads.
//! Free text still shows in the app; only the encoder's input is normalised (lower case, no codes or numbers).

use outfit_catalogue::Item;
use outfit_catalogue::styling;

/// Bumped whenever the template changes: it is part of the encoder key, so stale text features are recomputed.
pub const TEMPLATE_VERSION: u32 = 3;

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

/// Title words kept for the encoder: at most this many (titles are short; a longer one is a description).
const TITLE_WORDS: usize = 16;

/// The title as the encoder reads it: lower case, words with digits (codes, sizes, "2-pack") dropped.
fn title_words(title: &str) -> String {
    let lower = title.to_lowercase();
    let words = lower
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '|' | '(' | ')' | '[' | ']'))
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty() && !w.chars().any(|c| c.is_ascii_digit()));
    words.take(TITLE_WORDS).collect::<Vec<_>>().join(" ")
}

/// The four facts: `"{colour} {pattern} {material} {product type}"`, words that are unknown left out. Pattern and
/// material are looked up in the title, description and category; the product type is the feed's category (the
/// most specific type word it has), falling back to the item's slot.
pub fn facts(item: &Item) -> String {
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

/// What the item is worn for and when, where its words say: "party", "winter" ("sporty summer").
fn occasion_and_season(item: &Item) -> String {
    let s = styling::styling(item);
    // Casual is what most types say by default (t-shirt, shorts): only the occasions that set an item apart count.
    let mut words: Vec<&str> = s.occasion.filter(|o| *o != styling::Occasion::Casual).map(|o| o.as_str()).into_iter().collect();
    // Only a season of wear narrower than the year says something ("winter", "summer"); all-season says nothing.
    let seasons = styling::seasons_of(s.seasons);
    if seasons.len() == 1 {
        words.push(seasons[0].as_str());
    }
    words.join(" ").to_lowercase()
}

/// The encoder text of an item: `"{title}. {facts}. {occasion and season}"`, empty parts left out.
pub fn encoder_text(item: &Item) -> String {
    let parts = [title_words(&item.title), facts(item), occasion_and_season(item)];
    parts.into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(". ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use outfit_catalogue::Slot;

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
        assert_eq!(facts(&hm), "dark blue striped jersey t-shirt");
        assert_eq!(facts(&mango), "dark blue jersey t-shirt");
        let jeans = item("Slim jeans", "5-pocket jeans in washed denim", "Jeans", "Blue");
        assert_eq!(facts(&jeans), "blue denim jeans");
        let biker = item("Biker", "Jacket in faux leather", "Leather jacket", "Black");
        assert_eq!(facts(&biker), "black leather jacket", "the material is not repeated when the type names it");
        let path = item("", "", "Apparel & Accessories > Clothing > Dresses", "");
        assert_eq!(facts(&path), "dresses");
        assert_eq!(facts(&item("", "", "", "")), "top");
    }

    #[test]
    fn the_title_keeps_its_style_words_before_the_facts() {
        let polyvore = item("Dolce&Gabbana silk shirt (2019) SKU-443", "", "tops", "");
        assert_eq!(encoder_text(&polyvore), "dolce&gabbana silk shirt. satin tops");
        let mango = item("", "jersey", "T-shirt", "dark blue");
        assert_eq!(encoder_text(&mango), facts(&mango), "a feed without titles reads its facts alone");
        let mittens = item("Fleece mittens", "", "Mittens", "Red");
        assert_eq!(encoder_text(&mittens), "fleece mittens. red fleece mittens. winter");
        let leotard = item("Ballet leotard", "", "Leotard", "Pink");
        assert!(encoder_text(&leotard).ends_with(". dance"), "{}", encoder_text(&leotard));
        let long = "word ".repeat(40);
        assert_eq!(title_words(&long).split(' ').count(), TITLE_WORDS);
    }
}
