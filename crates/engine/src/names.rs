//! Names of looks: the hero's title, then clean words for the other garments ("CECILIA padded jacket + dress +
//! hat"), so the approved list and the webshop exports read as outfits, not numbers or raw feed categories.

use outfit_catalogue::{Item, Slot};

/// The order garments are named in.
const NAME_ORDER: [Slot; 8] =
    [Slot::OnePiece, Slot::Top, Slot::Outerwear, Slot::Bottom, Slot::Shoes, Slot::Headwear, Slot::Bag, Slot::Accessory];

fn rank(s: Slot) -> usize {
    NAME_ORDER.iter().position(|x| *x == s).unwrap_or(NAME_ORDER.len())
}

/// A look's default name when no hero is known (a board): the garment that dresses the body first (one-piece,
/// top, outerwear, bottom...), then the others ("Striped Tee + shorts + sneakers").
pub fn look_name(items: &[&Item]) -> String {
    let mut sorted: Vec<&Item> = items.to_vec();
    sorted.sort_by_key(|i| rank(i.slot));
    match sorted.split_first() {
        Some((hero, rest)) => look_name_from(hero, rest),
        None => "Empty look".into(),
    }
}

/// A look's name from its hero: the hero's title, then up to three other garments in words, by slot order.
pub fn look_name_from(hero: &Item, rest: &[&Item]) -> String {
    let mut rest: Vec<&Item> = rest.to_vec();
    rest.sort_by_key(|i| rank(i.slot));
    let mut parts = vec![hero.title.trim().to_string()];
    parts.extend(rest.iter().take(3).map(|i| garment_word(i)));
    if rest.len() > 3 {
        parts.push(format!("{} more", rest.len() - 3));
    }
    parts.join(" + ")
}

/// Words sold as a pair or plural that stay as they are ("trousers", not "trouser").
const PAIR_WORDS: &[&str] = &[
    "trousers",
    "shorts",
    "leggings",
    "jeans",
    "tights",
    "capris",
    "shoes",
    "sandals",
    "sneakers",
    "boots",
    "flip flops",
    "ballerinas",
    "sunglasses",
    "gloves",
    "socks",
    "joggers",
    "dungarees",
    "slippers",
    "trainers",
    "clogs",
];

/// A garment in one or two plain words, from the last level of its category ("Cap/peaked" -> "cap",
/// "Hat/beanie" -> "hat", "Dresses" -> "dress", "Tshirts" -> "t-shirt"); the slot when the category says
/// nothing useful ("Other shoe", "Garment Set").
pub fn garment_word(it: &Item) -> String {
    let last = it.category.rsplit(['>', '|']).next().unwrap_or("").trim().to_lowercase();
    let first = last.split('/').next().unwrap_or("").trim();
    let word = match first {
        "" => "",
        w if w.starts_with("other") || w.contains("set") || w.starts_with("garment") => "",
        "tshirts" | "tshirt" | "t-shirts" => "t-shirt",
        "casual shoes" | "sports shoes" => "shoes",
        w if PAIR_WORDS.contains(&w) => w,
        w if w.ends_with("sses") || w.ends_with("shes") || w.ends_with("ches") => &w[..w.len() - 2],
        w if w.ends_with('s') && !w.ends_with("ss") => &w[..w.len() - 1],
        w => w,
    };
    if word.is_empty() { it.slot.label().to_lowercase() } else { word.to_string() }
}

/// `name`, or `name (2)`, `name (3)`… when an existing look already has it.
pub fn unique_name(name: &str, taken: &[String]) -> String {
    if !taken.iter().any(|t| t == name) {
        return name.to_string();
    }
    (2..).map(|k| format!("{name} ({k})")).find(|n| !taken.iter().any(|t| t == n)).expect("unbounded")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(title: &str, category: &str, slot: Slot) -> Item {
        Item { title: title.into(), category: category.into(), ..Item::bare(title, slot) }
    }

    #[test]
    fn names_come_from_the_hero_with_clean_garment_words() {
        let jacket = item("CECILIA padded jacket", "Garment Upper body > Jacket", Slot::Outerwear);
        let dress = item("Whiskey dress", "Garment Full body > Dress", Slot::OnePiece);
        let hat = item("Knit hat", "Accessories > Hat/beanie", Slot::Headwear);
        assert_eq!(look_name_from(&jacket, &[&hat, &dress]), "CECILIA padded jacket + dress + hat");
        // Without a hero, the garment that dresses the body names the look.
        assert_eq!(look_name(&[&jacket, &dress, &hat]), "Whiskey dress + jacket + hat");
        let words: Vec<String> = [
            ("Accessories > Cap/peaked", Slot::Headwear),
            ("Topwear > Tshirts", Slot::Top),
            ("Bottomwear > Trousers", Slot::Bottom),
            ("Dress > Dresses", Slot::OnePiece),
            ("Shoes > Other shoe", Slot::Shoes),
            ("Garment Full body > Garment Set", Slot::OnePiece),
            ("", Slot::Bag),
        ]
        .iter()
        .map(|(c, s)| garment_word(&item("x", c, *s)))
        .collect();
        assert_eq!(words, ["cap", "t-shirt", "trousers", "dress", "shoes", "one-piece", "bag"]);
    }
}
