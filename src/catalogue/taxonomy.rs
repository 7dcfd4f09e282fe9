//! The closed vocabularies the model and the UI agree on: slots, age groups, genders, seasons, colours.
//!
//! Feeds speak in free text ("Kids' Rain Jackets", "Apparel & Accessories > Shoes > Boots"); everything downstream
//! needs a small fixed set. Mapping lives here, in one place, with the synonyms we accept.

use serde::{Deserialize, Serialize};

/// Where an item goes on an outfit board. One item fills one slot; an outfit has at most one item per slot,
/// except `Accessory`, of which the board allows several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    Top,
    Bottom,
    OnePiece,
    Outerwear,
    Shoes,
    Headwear,
    Bag,
    Accessory,
}

impl Slot {
    pub const ALL: [Slot; 8] =
        [Slot::Top, Slot::Bottom, Slot::OnePiece, Slot::Outerwear, Slot::Shoes, Slot::Headwear, Slot::Bag, Slot::Accessory];
    pub const COUNT: usize = 8;

    pub fn index(self) -> usize {
        self as usize
    }
    pub fn from_index(i: usize) -> Option<Slot> {
        Self::ALL.get(i).copied()
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Slot::Top => "top",
            Slot::Bottom => "bottom",
            Slot::OnePiece => "one_piece",
            Slot::Outerwear => "outerwear",
            Slot::Shoes => "shoes",
            Slot::Headwear => "headwear",
            Slot::Bag => "bag",
            Slot::Accessory => "accessory",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Slot::Top => "Top",
            Slot::Bottom => "Bottom",
            Slot::OnePiece => "One-piece",
            Slot::Outerwear => "Outerwear",
            Slot::Shoes => "Shoes",
            Slot::Headwear => "Headwear",
            Slot::Bag => "Bag",
            Slot::Accessory => "Accessory",
        }
    }
    /// Parses the canonical name or a common spelling ("one-piece", "onepiece", "hats").
    pub fn parse(s: &str) -> Option<Slot> {
        let k = normalise(s);
        Self::ALL.into_iter().find(|slot| normalise(slot.as_str()) == k).or(match k.as_str() {
            "onepiece" | "onepieces" | "dress" | "dresses" => Some(Slot::OnePiece),
            "tops" => Some(Slot::Top),
            "bottoms" => Some(Slot::Bottom),
            "hat" | "hats" | "headwear" => Some(Slot::Headwear),
            "shoe" | "footwear" => Some(Slot::Shoes),
            "bags" => Some(Slot::Bag),
            "accessories" => Some(Slot::Accessory),
            "outer" | "jacket" | "jackets" | "coat" | "coats" => Some(Slot::Outerwear),
            _ => None,
        })
    }

    /// Maps a free-text category (a plain name or a `>`-separated path such as Google's product taxonomy)
    /// to a slot. The most specific path segment that matches wins; `None` when nothing matches.
    pub fn from_category(category: &str) -> Option<Slot> {
        for segment in category.rsplit(['>', '/', '|']) {
            let seg = segment.to_lowercase();
            if let Some(slot) = CATEGORY_KEYWORDS.iter().find(|(kw, _)| contains_word(&seg, kw)).map(|(_, s)| *s) {
                return Some(slot);
            }
        }
        None
    }
}

impl std::fmt::Display for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Keyword -> slot, checked in order, so more specific words come first ("rain jacket" before "jacket" would
/// not matter, but "snowsuit" must be outerwear and "sweatpants" a bottom before "sweat" could match a top).
const CATEGORY_KEYWORDS: &[(&str, Slot)] = &[
    ("snowsuit", Slot::Outerwear),
    ("snowsuits", Slot::Outerwear),
    ("overall", Slot::OnePiece),
    ("overalls", Slot::OnePiece),
    ("dungarees", Slot::OnePiece),
    ("dress", Slot::OnePiece),
    ("dresses", Slot::OnePiece),
    ("jumpsuit", Slot::OnePiece),
    ("jumpsuits", Slot::OnePiece),
    ("romper", Slot::OnePiece),
    ("rompers", Slot::OnePiece),
    ("playsuit", Slot::OnePiece),
    ("playsuits", Slot::OnePiece),
    ("bodysuit", Slot::OnePiece),
    ("bodysuits", Slot::OnePiece),
    ("onesie", Slot::OnePiece),
    ("onesies", Slot::OnePiece),
    ("sleepsuit", Slot::OnePiece),
    ("swimsuit", Slot::OnePiece),
    ("swimsuits", Slot::OnePiece),
    ("sneakers", Slot::Shoes),
    ("sneaker", Slot::Shoes),
    ("trainers", Slot::Shoes),
    ("boots", Slot::Shoes),
    ("boot", Slot::Shoes),
    ("wellies", Slot::Shoes),
    ("wellingtons", Slot::Shoes),
    ("sandals", Slot::Shoes),
    ("sandal", Slot::Shoes),
    ("shoes", Slot::Shoes),
    ("shoe", Slot::Shoes),
    ("slippers", Slot::Shoes),
    ("footwear", Slot::Shoes),
    ("heels", Slot::Shoes),
    ("pumps", Slot::Shoes),
    ("loafers", Slot::Shoes),
    ("flats", Slot::Shoes),
    ("rain jackets", Slot::Outerwear),
    ("jacket", Slot::Outerwear),
    ("jackets", Slot::Outerwear),
    ("coat", Slot::Outerwear),
    ("coats", Slot::Outerwear),
    ("parka", Slot::Outerwear),
    ("parkas", Slot::Outerwear),
    ("gilet", Slot::Outerwear),
    ("vest", Slot::Outerwear),
    ("blazer", Slot::Outerwear),
    ("blazers", Slot::Outerwear),
    ("outerwear", Slot::Outerwear),
    ("jeans", Slot::Bottom),
    ("trousers", Slot::Bottom),
    ("pants", Slot::Bottom),
    ("joggers", Slot::Bottom),
    ("sweatpants", Slot::Bottom),
    ("leggings", Slot::Bottom),
    ("shorts", Slot::Bottom),
    ("skirt", Slot::Bottom),
    ("skirts", Slot::Bottom),
    ("bottoms", Slot::Bottom),
    ("t-shirts", Slot::Top),
    ("t-shirt", Slot::Top),
    ("tees", Slot::Top),
    ("tee", Slot::Top),
    ("shirts", Slot::Top),
    ("shirt", Slot::Top),
    ("blouse", Slot::Top),
    ("blouses", Slot::Top),
    ("sweater", Slot::Top),
    ("sweaters", Slot::Top),
    ("jumper", Slot::Top),
    ("jumpers", Slot::Top),
    ("cardigan", Slot::Top),
    ("cardigans", Slot::Top),
    ("hoodie", Slot::Top),
    ("hoodies", Slot::Top),
    ("sweatshirt", Slot::Top),
    ("sweatshirts", Slot::Top),
    ("tops", Slot::Top),
    ("top", Slot::Top),
    ("tank", Slot::Top),
    ("polo", Slot::Top),
    ("caps", Slot::Headwear),
    ("cap", Slot::Headwear),
    ("beanie", Slot::Headwear),
    ("beanies", Slot::Headwear),
    ("sun hats", Slot::Headwear),
    ("hats", Slot::Headwear),
    ("hat", Slot::Headwear),
    ("headwear", Slot::Headwear),
    ("balaclava", Slot::Headwear),
    ("backpacks", Slot::Bag),
    ("backpack", Slot::Bag),
    ("bags", Slot::Bag),
    ("bag", Slot::Bag),
    ("handbags", Slot::Bag),
    ("handbag", Slot::Bag),
    ("totes", Slot::Bag),
    ("tote", Slot::Bag),
    ("clutch", Slot::Bag),
    ("scarves", Slot::Accessory),
    ("scarf", Slot::Accessory),
    ("gloves", Slot::Accessory),
    ("mittens", Slot::Accessory),
    ("socks", Slot::Accessory),
    ("tights", Slot::Accessory),
    ("belts", Slot::Accessory),
    ("belt", Slot::Accessory),
    ("hair accessories", Slot::Accessory),
    ("sunglasses", Slot::Accessory),
    ("jewelry", Slot::Accessory),
    ("jewellery", Slot::Accessory),
    ("necklace", Slot::Accessory),
    ("bracelet", Slot::Accessory),
    ("earrings", Slot::Accessory),
    ("watch", Slot::Accessory),
    ("accessories", Slot::Accessory),
];

fn contains_word(haystack: &str, word: &str) -> bool {
    let bytes = haystack.as_bytes();
    haystack.match_indices(word).any(|(i, m)| {
        let before_ok = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        let end = i + m.len();
        let after_ok = end == bytes.len() || !bytes[end].is_ascii_alphanumeric();
        before_ok && after_ok
    })
}

fn normalise(s: &str) -> String {
    s.trim().to_lowercase().chars().filter(|c| c.is_alphanumeric()).collect()
}

/// Google Merchant Center age groups: newborn 0-3 months, infant 3-12 months, toddler 1-5 years,
/// kids 5-13 years, adult.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeGroup {
    Newborn,
    Infant,
    Toddler,
    Kids,
    Adult,
}

impl AgeGroup {
    pub const ALL: [AgeGroup; 5] = [AgeGroup::Newborn, AgeGroup::Infant, AgeGroup::Toddler, AgeGroup::Kids, AgeGroup::Adult];
    pub fn index(self) -> usize {
        self as usize
    }
    pub fn as_str(self) -> &'static str {
        match self {
            AgeGroup::Newborn => "newborn",
            AgeGroup::Infant => "infant",
            AgeGroup::Toddler => "toddler",
            AgeGroup::Kids => "kids",
            AgeGroup::Adult => "adult",
        }
    }
    pub fn parse(s: &str) -> Option<AgeGroup> {
        match normalise(s).as_str() {
            "newborn" | "nyfodd" | "0-3m" => Some(AgeGroup::Newborn),
            "infant" | "baby" | "babies" => Some(AgeGroup::Infant),
            "toddler" | "toddlers" => Some(AgeGroup::Toddler),
            "kids" | "kid" | "child" | "children" | "junior" => Some(AgeGroup::Kids),
            "adult" | "adults" => Some(AgeGroup::Adult),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Female,
    Male,
    Unisex,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Female => "female",
            Gender::Male => "male",
            Gender::Unisex => "unisex",
        }
    }
    pub fn parse(s: &str) -> Option<Gender> {
        match normalise(s).as_str() {
            "female" | "girl" | "girls" | "f" | "women" | "womens" => Some(Gender::Female),
            "male" | "boy" | "boys" | "m" | "men" | "mens" => Some(Gender::Male),
            "unisex" | "u" | "all" | "neutral" => Some(Gender::Unisex),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Season {
    Spring,
    Summer,
    Autumn,
    Winter,
    All,
}

impl Season {
    pub fn as_str(self) -> &'static str {
        match self {
            Season::Spring => "spring",
            Season::Summer => "summer",
            Season::Autumn => "autumn",
            Season::Winter => "winter",
            Season::All => "all",
        }
    }
    pub fn parse(s: &str) -> Option<Season> {
        match normalise(s).as_str() {
            "spring" => Some(Season::Spring),
            "summer" => Some(Season::Summer),
            "autumn" | "fall" => Some(Season::Autumn),
            "winter" => Some(Season::Winter),
            "all" | "allseason" | "allseasons" | "yearround" | "" => Some(Season::All),
            _ => None,
        }
    }
}

/// Colour families the categorical features know. Free-text colours ("Dusty Rose", "marinblå") map to the
/// first family whose name appears in them; anything else is `Other`.
pub const COLOUR_FAMILIES: [&str; 15] =
    ["red", "pink", "orange", "yellow", "green", "olive", "blue", "navy", "purple", "brown", "beige", "white", "grey", "black", "other"];

/// Index into [`COLOUR_FAMILIES`] for a free-text colour.
pub fn colour_family(colour: &str) -> usize {
    let c = colour.to_lowercase();
    const SYNONYMS: &[(&str, &str)] = &[
        ("gray", "grey"),
        ("cream", "beige"),
        ("ivory", "white"),
        ("khaki", "olive"),
        ("rose", "pink"),
        ("coral", "orange"),
        ("mustard", "yellow"),
        ("teal", "green"),
        ("mint", "green"),
        ("lilac", "purple"),
        ("lavender", "purple"),
        ("burgundy", "red"),
        ("denim", "blue"),
        ("camel", "brown"),
        ("tan", "brown"),
        ("sand", "beige"),
    ];
    // Navy before blue: "navy blue" is navy.
    for (i, fam) in COLOUR_FAMILIES.iter().enumerate().take(14) {
        if *fam == "blue" && c.contains("navy") {
            continue;
        }
        if contains_word(&c, fam) {
            return i;
        }
    }
    for (syn, fam) in SYNONYMS {
        if c.contains(syn) {
            return COLOUR_FAMILIES.iter().position(|f| f == fam).unwrap_or(14);
        }
    }
    14
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_map_to_slots() {
        assert_eq!(Slot::from_category("Dresses"), Some(Slot::OnePiece));
        assert_eq!(Slot::from_category("Rain jackets"), Some(Slot::Outerwear));
        assert_eq!(Slot::from_category("Snowsuits"), Some(Slot::Outerwear));
        assert_eq!(Slot::from_category("Apparel & Accessories > Shoes > Boots"), Some(Slot::Shoes));
        assert_eq!(Slot::from_category("Apparel & Accessories > Clothing > Pants"), Some(Slot::Bottom));
        assert_eq!(Slot::from_category("Kids' T-shirts"), Some(Slot::Top));
        assert_eq!(Slot::from_category("Hair accessories"), Some(Slot::Accessory));
        assert_eq!(Slot::from_category("Sun hats"), Some(Slot::Headwear));
        assert_eq!(Slot::from_category("Furniture"), None);
        // "top" must not match inside "laptop".
        assert_eq!(Slot::from_category("laptop"), None);
    }

    #[test]
    fn slot_round_trips_and_synonyms() {
        for s in Slot::ALL {
            assert_eq!(Slot::parse(s.as_str()), Some(s));
            assert_eq!(Slot::from_index(s.index()), Some(s));
        }
        assert_eq!(Slot::parse("One-piece"), Some(Slot::OnePiece));
        assert_eq!(Slot::parse("nonsense"), None);
    }

    #[test]
    fn enums_parse_feed_values() {
        assert_eq!(AgeGroup::parse("Toddler"), Some(AgeGroup::Toddler));
        assert_eq!(AgeGroup::parse("kids"), Some(AgeGroup::Kids));
        assert_eq!(AgeGroup::parse("teen"), None);
        assert_eq!(Gender::parse("Girls"), Some(Gender::Female));
        assert_eq!(Season::parse("fall"), Some(Season::Autumn));
    }

    #[test]
    fn colours_fold_into_families() {
        let idx = |s| COLOUR_FAMILIES[colour_family(s)];
        assert_eq!(idx("Navy Blue"), "navy");
        assert_eq!(idx("light blue"), "blue");
        assert_eq!(idx("Dusty Rose"), "pink");
        assert_eq!(idx("heather gray"), "grey");
        assert_eq!(idx("chartreuse"), "other");
    }
}
