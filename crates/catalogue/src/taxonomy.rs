//! The closed vocabularies the model and the UI agree on: slots, age groups, genders, seasons, colours.
//!
//! Feeds speak in free text ("Kids' Rain Jackets", "Apparel & Accessories > Shoes > Boots"); everything downstream
//! needs a small fixed set. Mapping lives here, in one place, with the synonyms we accept.

mod colour;

pub use colour::{ColourFamily, colour_word};
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
    /// Slots an outfit of `present` still lacks. A one-piece fills top and bottom (and a top or bottom rules
    /// out a one-piece); accessories are always open.
    pub fn missing_from(present: &[Slot]) -> Vec<Slot> {
        Slot::ALL
            .into_iter()
            .filter(|s| !present.contains(s))
            .filter(|s| !(present.contains(&Slot::OnePiece) && matches!(s, Slot::Top | Slot::Bottom)))
            .filter(|s| !(*s == Slot::OnePiece && (present.contains(&Slot::Top) || present.contains(&Slot::Bottom))))
            .collect()
    }

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
        classify(category).map(|c| c.slot)
    }
}

/// What a category means for outfits: its slot, whether it is a set sold as one look, and whether it is kept
/// out of outfits (underwear, nightwear, cosmetics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classified {
    pub slot: Slot,
    /// A two-piece / garment / pyjama set: one item that dresses the body, so it fills the one-piece slot.
    pub set: bool,
    pub excluded: Option<Exclusion>,
}

/// Why an imported item is never put in an outfit (it still shows in the catalogue).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exclusion {
    Underwear,
    Nightwear,
    Cosmetics,
    NotAGarment,
}

impl Exclusion {
    pub fn as_str(self) -> &'static str {
        match self {
            Exclusion::Underwear => "underwear",
            Exclusion::Nightwear => "nightwear",
            Exclusion::Cosmetics => "cosmetics",
            Exclusion::NotAGarment => "not a garment",
        }
    }
}

/// Words anywhere in a category path that keep an item out of outfits. Checked over the whole path, so
/// Google's "Underwear & Socks > Socks" (socks as underwear) is excluded while H&M's "Socks & Tights > Socks"
/// is an accessory.
const EXCLUSION_WORDS: &[(&str, Exclusion)] = &[
    ("underwear", Exclusion::Underwear),
    ("innerwear", Exclusion::Underwear),
    ("lingerie", Exclusion::Underwear),
    ("long john", Exclusion::Underwear),
    ("long johns", Exclusion::Underwear),
    ("briefs", Exclusion::Underwear),
    ("boxers", Exclusion::Underwear),
    ("undershirt", Exclusion::Underwear),
    ("nightwear", Exclusion::Nightwear),
    ("sleepwear", Exclusion::Nightwear),
    ("loungewear", Exclusion::Nightwear),
    ("pyjama", Exclusion::Nightwear),
    ("pyjamas", Exclusion::Nightwear),
    ("pajama", Exclusion::Nightwear),
    ("pajamas", Exclusion::Nightwear),
    ("nightdress", Exclusion::Nightwear),
    ("nightgown", Exclusion::Nightwear),
    ("sleeping bag", Exclusion::Nightwear),
    ("cosmetic", Exclusion::Cosmetics),
    ("cosmetics", Exclusion::Cosmetics),
    ("personal care", Exclusion::Cosmetics),
    ("skin care", Exclusion::Cosmetics),
    ("sunscreen", Exclusion::Cosmetics),
    ("fragrance", Exclusion::Cosmetics),
    ("perfume", Exclusion::Cosmetics),
    ("makeup", Exclusion::Cosmetics),
    ("free gift", Exclusion::NotAGarment),
    ("free gifts", Exclusion::NotAGarment),
    ("baby bib", Exclusion::NotAGarment),
    ("bibs", Exclusion::NotAGarment),
    ("toys", Exclusion::NotAGarment),
];

/// Category path roots that name no slot.
const GENERIC_SEGMENTS: &[&str] = &["apparel & accessories", "apparel and accessories", "clothing", "apparel", "kids", "baby", "children"];

/// Words that make a segment a set of garments sold as one look.
const SET_WORDS: &[&str] = &["set", "sets", "outfit", "outfits", "two-piece", "2-piece", "three-piece", "3-piece", "co-ord", "co-ords"];
/// A set of these is a set of accessories, not a look.
const ACCESSORY_SET_WORDS: &[&str] = &["accessories", "accessory", "hair", "jewellery", "jewelry", "gift"];

/// Classifies a free-text category (see [`Slot::from_category`]). Rules, in order:
/// 1. a segment naming a set ("Garment Set", "Clothing Set", "Kurta Sets", "Pyjama set", "Baby & Toddler Outfits")
///    is a one-piece look (an accessories set is an accessory); multi-packs ("3PACK" bodysuits) keep the slot of
///    what is in the pack;
/// 2. otherwise the most specific segment with a keyword decides the slot (keywords in table order, specific
///    phrases such as "vest top" and "outdoor overall" before single words);
/// 3. exclusion words anywhere in the path (underwear, nightwear, cosmetics, ...) mark the item as not for
///    outfits; such an item with no slot keyword still imports (nightwear as a one-piece, the rest as accessories).
pub fn classify(category: &str) -> Option<Classified> {
    let lower = category.to_lowercase();
    let excluded = EXCLUSION_WORDS.iter().find(|(w, _)| contains_word(&lower, w)).map(|(_, e)| *e);
    let mut found: Option<(Slot, bool)> = None;
    for segment in lower.rsplit(['>', '|']) {
        let seg = segment.trim();
        // Roots of Google's and Shopify's taxonomies say nothing about the slot ("accessories" would).
        if seg.is_empty() || GENERIC_SEGMENTS.contains(&seg) {
            continue;
        }
        if SET_WORDS.iter().any(|w| contains_word(seg, w)) {
            let accessory = ACCESSORY_SET_WORDS.iter().any(|w| contains_word(seg, w));
            found = Some(if accessory { (Slot::Accessory, false) } else { (Slot::OnePiece, true) });
            break;
        }
        if let Some(slot) = CATEGORY_KEYWORDS.iter().find(|(kw, _)| contains_word(seg, kw)).map(|(_, s)| *s) {
            found = Some((slot, false));
            break;
        }
    }
    let (slot, set) = match (found, excluded) {
        (Some(f), _) => f,
        (None, Some(Exclusion::Nightwear)) => (Slot::OnePiece, false),
        (None, Some(_)) => (Slot::Accessory, false),
        (None, None) => return None,
    };
    Some(Classified { slot, set, excluded })
}

/// Why an item with this category (or, without one, this title) is kept out of outfits.
pub fn exclusion(category: &str, title: &str) -> Option<Exclusion> {
    let text = if category.trim().is_empty() { title } else { category };
    let lower = text.to_lowercase();
    EXCLUSION_WORDS.iter().find(|(w, _)| contains_word(&lower, w)).map(|(_, e)| *e)
}

impl std::fmt::Display for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Keyword -> slot, checked in order within one category segment, so specific phrases come first ("vest top"
/// is a top and "outdoor overall" outerwear before "vest" and "overall" could match; "leggings/tights" a bottom
/// before "tights"). The vocabulary covers our own feeds, Google product categories, H&M product types and
/// groups ("Garment Upper body") and Myntra article types and sub-categories ("Topwear", "Capris", "Kurtas").
const CATEGORY_KEYWORDS: &[(&str, Slot)] = &[
    // Phrases that contain a word of another slot.
    ("vest top", Slot::Top),
    ("vest tops", Slot::Top),
    ("tank top", Slot::Top),
    ("innerwear vest", Slot::Top),
    ("innerwear vests", Slot::Top),
    ("underwear top", Slot::Top),
    ("underwear bottom", Slot::Bottom),
    ("long john", Slot::Bottom),
    ("long johns", Slot::Bottom),
    ("outdoor overall", Slot::Outerwear),
    ("outdoor overalls", Slot::Outerwear),
    ("snow overall", Slot::Outerwear),
    ("snow pants", Slot::Outerwear),
    ("snow suit", Slot::Outerwear),
    ("rain gear", Slot::Outerwear),
    ("rain pants", Slot::Outerwear),
    ("pramsuit", Slot::Outerwear),
    ("lehenga choli", Slot::OnePiece),
    ("hair accessories", Slot::Accessory),
    ("shoe accessories", Slot::Accessory),
    ("snowsuit", Slot::Outerwear),
    ("snowsuits", Slot::Outerwear),
    ("overall", Slot::OnePiece),
    ("overalls", Slot::OnePiece),
    ("dungaree", Slot::OnePiece),
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
    ("one-piece", Slot::OnePiece),
    ("one-pieces", Slot::OnePiece),
    ("babygrow", Slot::OnePiece),
    ("sleepsuit", Slot::OnePiece),
    ("sleepsuits", Slot::OnePiece),
    ("swimsuit", Slot::OnePiece),
    ("swimsuits", Slot::OnePiece),
    ("swimwear", Slot::OnePiece),
    ("costume", Slot::OnePiece),
    ("costumes", Slot::OnePiece),
    ("lehenga", Slot::OnePiece),
    ("saree", Slot::OnePiece),
    ("full body", Slot::OnePiece),
    ("sneakers", Slot::Shoes),
    ("sneaker", Slot::Shoes),
    ("trainers", Slot::Shoes),
    ("boots", Slot::Shoes),
    ("boot", Slot::Shoes),
    ("bootie", Slot::Shoes),
    ("booties", Slot::Shoes),
    ("wellies", Slot::Shoes),
    ("wellingtons", Slot::Shoes),
    ("sandals", Slot::Shoes),
    ("sandal", Slot::Shoes),
    ("flip flops", Slot::Shoes),
    ("flip-flops", Slot::Shoes),
    ("flipflops", Slot::Shoes),
    ("clogs", Slot::Shoes),
    ("ballerinas", Slot::Shoes),
    ("ballerina", Slot::Shoes),
    ("ballet flats", Slot::Shoes),
    ("moccasins", Slot::Shoes),
    ("espadrilles", Slot::Shoes),
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
    ("raincoat", Slot::Outerwear),
    ("parka", Slot::Outerwear),
    ("parkas", Slot::Outerwear),
    ("anorak", Slot::Outerwear),
    ("gilet", Slot::Outerwear),
    ("waistcoat", Slot::Outerwear),
    ("waistcoats", Slot::Outerwear),
    ("vest", Slot::Outerwear),
    ("vests", Slot::Outerwear),
    ("blazer", Slot::Outerwear),
    ("blazers", Slot::Outerwear),
    ("outerwear", Slot::Outerwear),
    ("jeans", Slot::Bottom),
    ("jeggings", Slot::Bottom),
    ("trousers", Slot::Bottom),
    ("pants", Slot::Bottom),
    ("joggers", Slot::Bottom),
    ("sweatpants", Slot::Bottom),
    ("chinos", Slot::Bottom),
    ("leggings", Slot::Bottom),
    ("capris", Slot::Bottom),
    ("capri", Slot::Bottom),
    ("churidar", Slot::Bottom),
    ("salwar", Slot::Bottom),
    ("palazzos", Slot::Bottom),
    ("culottes", Slot::Bottom),
    ("shorts", Slot::Bottom),
    ("skort", Slot::Bottom),
    ("skorts", Slot::Bottom),
    ("skirt", Slot::Bottom),
    ("skirts", Slot::Bottom),
    ("bottoms", Slot::Bottom),
    ("bottom", Slot::Bottom),
    ("bottomwear", Slot::Bottom),
    ("lower body", Slot::Bottom),
    ("t-shirts", Slot::Top),
    ("t-shirt", Slot::Top),
    ("tshirts", Slot::Top),
    ("tshirt", Slot::Top),
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
    ("kurta", Slot::Top),
    ("kurtas", Slot::Top),
    ("kurti", Slot::Top),
    ("tunic", Slot::Top),
    ("tunics", Slot::Top),
    ("jersey", Slot::Top),
    ("jerseys", Slot::Top),
    ("tops", Slot::Top),
    ("top", Slot::Top),
    ("topwear", Slot::Top),
    ("tank", Slot::Top),
    ("tanktop", Slot::Top),
    ("polo", Slot::Top),
    ("upper body", Slot::Top),
    ("caps", Slot::Headwear),
    ("cap", Slot::Headwear),
    ("beanie", Slot::Headwear),
    ("beanies", Slot::Headwear),
    ("sun hats", Slot::Headwear),
    ("hats", Slot::Headwear),
    ("hat", Slot::Headwear),
    ("beret", Slot::Headwear),
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
    ("hair clip", Slot::Accessory),
    ("hair clips", Slot::Accessory),
    ("hair string", Slot::Accessory),
    ("hair ties", Slot::Accessory),
    ("alice band", Slot::Accessory),
    ("hairband", Slot::Accessory),
    ("headband", Slot::Accessory),
    ("hair", Slot::Accessory),
    ("sunglasses", Slot::Accessory),
    ("eyewear", Slot::Accessory),
    ("jewelry", Slot::Accessory),
    ("jewellery", Slot::Accessory),
    ("necklace", Slot::Accessory),
    ("necklaces", Slot::Accessory),
    ("bracelet", Slot::Accessory),
    ("earrings", Slot::Accessory),
    ("watch", Slot::Accessory),
    ("watches", Slot::Accessory),
    ("umbrella", Slot::Accessory),
    ("bib", Slot::Accessory),
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

/// Title words that name a garment dressing the whole body, whatever the feed's product type says: H&M files
/// "MORRIS onepiece BB" (a hooded jumpsuit) under "Sweater".
const ONE_PIECE_TITLE_WORDS: &[&str] = &["onepiece", "one-piece", "jumpsuit", "playsuit", "all-in-one"];

/// A top or bottom whose title names a one-piece garment is a one-piece; every other slot is kept.
pub fn one_piece_by_title(slot: Slot, title: &str) -> Slot {
    let t = title.to_lowercase();
    match slot {
        Slot::Top | Slot::Bottom if ONE_PIECE_TITLE_WORDS.iter().any(|w| contains_word(&t, w)) => Slot::OnePiece,
        s => s,
    }
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

/// Where an inferred age group came from (shown in the import preview).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeSource {
    /// The feed's age group column.
    Column,
    /// A size or size range (cm heights, months, years).
    Size,
    /// Words such as "Baby", "Toddler", "Boys" in the feed's age hints (H&M `index_name`, Myntra `gender`) or title.
    Words,
}

/// Band of a child's height in cm (Google's bands; H&M/European sizes are heights): up to 62 newborn, 68-80
/// infant, 86-110 toddler, 116-170 kids, taller adult.
fn band_of_cm(cm: u32) -> AgeGroup {
    match cm {
        0..=62 => AgeGroup::Newborn,
        63..=80 => AgeGroup::Infant,
        81..=110 => AgeGroup::Toddler,
        111..=170 => AgeGroup::Kids,
        _ => AgeGroup::Adult,
    }
}

/// Band of an age in months: under 3 newborn, under 12 infant, under 60 toddler, under 156 kids.
fn band_of_months(m: u32) -> AgeGroup {
    match m {
        0..=2 => AgeGroup::Newborn,
        3..=11 => AgeGroup::Infant,
        12..=59 => AgeGroup::Toddler,
        60..=155 => AgeGroup::Kids,
        _ => AgeGroup::Adult,
    }
}

/// A range is the band of its smallest size, except that a range starting at newborn sizes and going further is
/// infant ("Baby Sizes 50-98" dress babies of 0-3 years; "Children Sizes 92-140" start at toddler,
/// "Children Sizes 134-170" at kids).
fn band_of_range(lo: AgeGroup, hi: AgeGroup) -> AgeGroup {
    if lo == AgeGroup::Newborn && hi != AgeGroup::Newborn { AgeGroup::Infant } else { lo }
}

/// Age group from a size text: cm heights ("92", "50-98", "74/80", "Sizes 134-170", "110 cm"), months
/// ("0-3M", "6-12 months") or years ("2-3Y", "4 years", "8-10 yrs"). Bare numbers count as cm only when
/// they are plausible children's heights (44-188), so "Size 2" or "100% cotton" say nothing.
pub fn age_from_size(text: &str) -> Option<AgeGroup> {
    let lower = text.to_lowercase();
    let chars: Vec<char> = lower.chars().collect();
    // Numbers with what follows them: (value, unit) where unit is 'm' (months), 'y' (years) or 'c' (cm/bare).
    let mut nums: Vec<(u32, char)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_alphabetic()) {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let v: u32 = chars[start..i].iter().collect::<String>().parse().unwrap_or(u32::MAX);
            if i < chars.len() && (chars[i] == '%' || chars[i] == '.' || chars[i] == ',') {
                i += 1;
                continue;
            }
            let mut j = i;
            while j < chars.len() && chars[j] == ' ' {
                j += 1;
            }
            let rest: String = chars[j..chars.len().min(j + 6)].iter().collect();
            let unit = if rest.starts_with("cm") {
                'c'
            } else if rest.starts_with('m') && !rest.starts_with("mm") {
                'm'
            } else if rest.starts_with('y') || rest.starts_with("år") || rest.starts_with('å') {
                'y'
            } else if rest.starts_with(|c: char| c.is_alphabetic()) {
                'x'
            } else {
                'c'
            };
            nums.push((v, unit));
        } else {
            i += 1;
        }
    }
    // A range's unit is written once, after its second number ("0-3M", "2-3Y").
    for k in (0..nums.len().saturating_sub(1)).rev() {
        if nums[k].1 == 'c' && matches!(nums[k + 1].1, 'm' | 'y') {
            nums[k].1 = nums[k + 1].1;
        }
    }
    // Ages: a range's upper bound is exclusive ("0-3M" is newborn, "3-6M" infant).
    let months: Vec<u32> = nums
        .iter()
        .filter_map(|&(v, unit)| match unit {
            'm' if v <= 36 => Some(v),
            'y' if v <= 18 => Some(v * 12),
            _ => None,
        })
        .collect();
    if let (Some(&lo), Some(&hi)) = (months.iter().min(), months.iter().max()) {
        let hi = if months.len() > 1 && hi > lo { hi - 1 } else { hi };
        return Some(band_of_range(band_of_months(lo), band_of_months(hi)));
    }
    let cms: Vec<u32> = nums.iter().filter(|(v, unit)| *unit == 'c' && (44..=188).contains(v)).map(|(v, _)| *v).collect();
    let (lo, hi) = (*cms.iter().min()?, *cms.iter().max()?);
    Some(band_of_range(band_of_cm(lo), band_of_cm(hi)))
}

/// Age group from words: newborn words, then baby/infant, toddler, then kids words (kids, children, junior,
/// boys, girls, teen), then adult words. The most specific wins ("Baby Girls" is infant, not kids).
pub fn age_from_words(text: &str) -> Option<AgeGroup> {
    const WORDS: &[(AgeGroup, &[&str])] = &[
        (AgeGroup::Newborn, &["newborn", "newborns", "new born", "nyfödd", "premature", "preemie"]),
        (AgeGroup::Infant, &["baby", "babies", "infant", "infants", "bebe", "bébé"]),
        (AgeGroup::Toddler, &["toddler", "toddlers", "little kids"]),
        (
            AgeGroup::Kids,
            &[
                "kids",
                "kid",
                "kid's",
                "kids'",
                "children",
                "child",
                "children's",
                "junior",
                "juniors",
                "boys",
                "girls",
                "boy",
                "girl",
                "boy's",
                "girl's",
                "boys'",
                "girls'",
                "teen",
                "teens",
                "youth",
                "kidswear",
            ],
        ),
        (AgeGroup::Adult, &["men", "women", "mens", "womens", "men's", "women's", "adult", "adults", "ladies"]),
    ];
    let lower = text.to_lowercase();
    WORDS.iter().find(|(_, ws)| ws.iter().any(|w| contains_word(&lower, w))).map(|(a, _)| *a)
}

/// The age rule table (documented in the catalogue module and README): the age group column when it parses;
/// else a size in the size column; else a size range in the age hints (H&M `index_name` "Baby Sizes 50-98");
/// else words in the hints ("Boys", "Girls" -> kids unless sizes said otherwise), else words in the title.
pub fn infer_age(column: &str, size: &str, hints: &[&str], title: &str) -> Option<(AgeGroup, AgeSource)> {
    if let Some(a) = AgeGroup::parse(column) {
        return Some((a, AgeSource::Column));
    }
    if let Some(a) = age_from_size(size) {
        return Some((a, AgeSource::Size));
    }
    // Hints name sizes with a word ("Sizes 92-140", "110 cm"): bare numbers there could be anything.
    if let Some(a) = hints.iter().filter(|h| h.to_lowercase().contains("size") || h.contains("cm")).find_map(|h| age_from_size(h)) {
        return Some((a, AgeSource::Size));
    }
    if let Some(a) = age_from_words(column) {
        return Some((a, AgeSource::Words));
    }
    let joined = hints.join(" | ");
    let from_hints = age_from_words(&joined);
    // "Boys" or "Girls" in a feed's columns says only "a child"; a title that names a younger band ("Madagascar 3
    // Infant Boys Booties" in Myntra's Boys department) is the more precise of the two. "Baby" does not count
    // there: in a title it is as often a colour or a character ("Baby Blue Clothing Set", "Baby Mickey").
    if from_hints == Some(AgeGroup::Kids) {
        let named: Vec<&str> = title.split_whitespace().filter(|w| !matches!(w.to_lowercase().as_str(), "baby" | "babies")).collect();
        if let Some(younger @ (AgeGroup::Newborn | AgeGroup::Infant | AgeGroup::Toddler)) = age_from_words(&named.join(" ")) {
            return Some((younger, AgeSource::Words));
        }
    }
    from_hints.or_else(|| age_from_words(title)).map(|a| (a, AgeSource::Words))
}

/// Gender from words in the hints or title ("Young Girl", "Baby Boy", "Boys' jeans").
pub fn gender_from_words(text: &str) -> Option<Gender> {
    let lower = text.to_lowercase();
    let has = |ws: &[&str]| ws.iter().any(|w| contains_word(&lower, w));
    let (girl, boy) = (has(&["girl", "girls", "girl's", "girls'"]), has(&["boy", "boys", "boy's", "boys'"]));
    match (girl, boy) {
        (true, false) => Some(Gender::Female),
        (false, true) => Some(Gender::Male),
        _ if has(&["unisex"]) => Some(Gender::Unisex),
        _ => None,
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

#[cfg(test)]
mod tests;
