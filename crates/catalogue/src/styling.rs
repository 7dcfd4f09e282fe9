//! What a children's stylist checks before colour: who wears an item (gender), when (season of wear) and for what
//! (occasion). Derived from the item's category, title and description whenever it is loaded, never stored, so a
//! better word list also fixes catalogues imported before it (as [`super::taxonomy::exclusion`] does).
//!
//! - **Gender**: the feed's (H&M department and section names, Myntra and Google `gender`, "boys"/"girls" in
//!   titles, read at import), else garments that a children's webshop styles for one gender only (dresses, skirts,
//!   ballet pumps, hair clips: girls). An item the feed calls unisex, or says nothing of, that is pink or purple
//!   or carries a girls' motif (princess, unicorn, glitter, frills) is styled for girls too. Other unknown items
//!   fit both, as unisex ones do.
//! - **Season of wear**: product type, title and description words (mittens, snowsuits and warm-lined boots are
//!   winter; sandals and swimwear summer; a sleeveless dress spring/summer). Only where they say nothing does the
//!   feed's season column count: it is a hint (Myntra tags its mittens "Summer" and its sandals "Fall").
//! - **Occasion**: sporty, casual, dressy, party, dance, swim, school or sleep, from the same words (Myntra's
//!   `usage` is 96% "Casual", so it is not read). Unknown items fit every occasion.

use super::Item;
use super::taxonomy::{ColourFamily, Gender, Season};

/// Gender bits: girls, boys; unisex is both, unknown is none (and fits both).
pub const GIRLS: u8 = 1;
pub const BOYS: u8 = 2;

/// Season bits (spring 1, summer 2, autumn 4, winter 8); 0 is all-season.
pub fn season_bit(s: Season) -> u8 {
    match s {
        Season::Spring => 1,
        Season::Summer => 2,
        Season::Autumn => 4,
        Season::Winter => 8,
        Season::All => 0,
    }
}

/// The seasons a mask names, in calendar order (empty for 0, all-season).
pub fn seasons_of(mask: u8) -> Vec<Season> {
    [Season::Spring, Season::Summer, Season::Autumn, Season::Winter].into_iter().filter(|s| mask & season_bit(*s) != 0).collect()
}

/// What an item is worn for. Its bit is `1 << index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Occasion {
    Sporty,
    Casual,
    Dressy,
    Party,
    Dance,
    Swim,
    School,
    Sleep,
}

impl Occasion {
    pub const ALL: [Occasion; 8] = [
        Occasion::Sporty,
        Occasion::Casual,
        Occasion::Dressy,
        Occasion::Party,
        Occasion::Dance,
        Occasion::Swim,
        Occasion::School,
        Occasion::Sleep,
    ];
    pub fn bit(self) -> u8 {
        1 << self as u8
    }
    /// The occasion of a single [`bit`](Occasion::bit) (as the index rows carry it); `None` for 0.
    pub fn from_bit(bit: u8) -> Option<Occasion> {
        Occasion::ALL.into_iter().find(|o| o.bit() == bit)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Occasion::Sporty => "sporty",
            Occasion::Casual => "casual",
            Occasion::Dressy => "dressy",
            Occasion::Party => "party",
            Occasion::Dance => "dance",
            Occasion::Swim => "swim",
            Occasion::School => "school",
            Occasion::Sleep => "sleep",
        }
    }
    pub fn parse(s: &str) -> Option<Occasion> {
        Occasion::ALL.into_iter().find(|o| o.as_str().eq_ignore_ascii_case(s.trim()))
    }
    /// Worn only for their own occasion (dance, swim, sleep): never suggested for a board that is not of it.
    pub fn is_specialist(self) -> bool {
        matches!(self, Occasion::Dance | Occasion::Swim | Occasion::Sleep)
    }
    /// The occasions a board of unknown occasion keeps to: every occasion but the specialist ones, so ballet
    /// slippers, swimwear and pyjamas are not offered with a hoodie whose occasion no word says.
    pub fn everyday() -> u8 {
        Occasion::ALL.into_iter().filter(|o| !o.is_specialist()).fold(0, |m, o| m | o.bit())
    }
    /// The occasions an item of this one may be styled with: sporty pieces never meet dressy ones, swimwear and
    /// sleepwear only their own kind.
    pub fn goes_with(self) -> u8 {
        use Occasion::*;
        let of = |os: &[Occasion]| os.iter().fold(0u8, |m, o| m | o.bit());
        match self {
            Sporty => of(&[Sporty, Casual]),
            Casual => of(&[Sporty, Casual, Dressy, School]),
            Dressy => of(&[Casual, Dressy, Party, School]),
            Party => of(&[Dressy, Party, Dance]),
            Dance => of(&[Party, Dance]),
            Swim => of(&[Swim]),
            School => of(&[Casual, Dressy, School]),
            Sleep => of(&[Sleep]),
        }
    }
}

/// An item's styling facts as suggestion filters use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Styling {
    /// [`GIRLS`] | [`BOYS`]; unisex has both, unknown neither.
    pub gender: u8,
    /// Seasons of wear ([`season_bit`]s); 0 for all-season.
    pub seasons: u8,
    pub occasion: Option<Occasion>,
}

impl Styling {
    /// The occasion's bit, 0 when unknown.
    pub fn occasion_bit(&self) -> u8 {
        self.occasion.map_or(0, Occasion::bit)
    }
}

/// Where an item's gender came from, for the coverage report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenderSource {
    /// The feed's gender column, department or section names, or "boys"/"girls" in the title.
    Feed,
    /// A garment, colour or motif styled for one gender (a dress, ballet pumps, pink "unisex" sandals).
    Garment,
    Unknown,
}

/// Words of a text, lower case, between single spaces and with a space at either end, so `" warm lined "`
/// matches the phrase and never a part of a word ("unlined").
fn words(text: &str) -> String {
    if text.is_ascii() { ascii_words(text) } else { unicode_words(text) }
}

/// [`words`] for any text, through Unicode's lower case and alphanumerics.
fn unicode_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
}

/// [`words`] for ASCII text, a byte at a time: the same result without Unicode case tables (this runs for every
/// item's title and description as a catalogue opens, and was the largest part of its CPU time).
fn ascii_words(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len() + 2);
    out.push(b' ');
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() {
            out.push(b.to_ascii_lowercase());
        } else if out.last() != Some(&b' ') {
            out.push(b' ');
        }
    }
    if out.last() != Some(&b' ') {
        out.push(b' ');
    }
    String::from_utf8(out).expect("ASCII in, ASCII out")
}

/// Every phrase of some rule tables in one Aho-Corasick automaton, so an item's text is read once however many
/// phrases there are (word-by-word `contains` cost seconds at 300k items).
struct Matcher {
    ac: aho_corasick::AhoCorasick,
    /// (table, rule) of each pattern.
    owner: Vec<(usize, usize)>,
}

impl Matcher {
    fn new(tables: &[Vec<&[&str]>]) -> Matcher {
        let mut patterns = Vec::new();
        let mut owner = Vec::new();
        for (t, rules) in tables.iter().enumerate() {
            for (r, phrases) in rules.iter().enumerate() {
                for p in *phrases {
                    patterns.push(format!(" {p} "));
                    owner.push((t, r));
                }
            }
        }
        Matcher { ac: aho_corasick::AhoCorasick::new(&patterns).expect("phrase automaton"), owner }
    }

    /// For each table, a bitset of the rules with a phrase in `words` (as made by [`words`]).
    fn rules<const N: usize>(&self, words: &str) -> [u32; N] {
        let mut hit = [0u32; N];
        for m in self.ac.find_overlapping_iter(words) {
            let (t, r) = self.owner[m.pattern().as_usize()];
            hit[t] |= 1 << r;
        }
        hit
    }
}

/// Which rules an item's type and title, and its description, match.
struct Hits {
    /// Gender garments, season rules, occasion rules.
    head: [u32; 3],
    /// Season and occasion description rules.
    desc: [u32; 2],
}

/// The rules read from an item's type and title (and, for the girls' colours, its colour).
fn head_matcher() -> &'static Matcher {
    static HEAD: std::sync::OnceLock<Matcher> = std::sync::OnceLock::new();
    HEAD.get_or_init(|| {
        let girls_style: Vec<&str> = GIRLS_COLOURS.iter().flat_map(|f| f.words()).chain(GIRLS_MOTIFS.iter().copied()).collect();
        Matcher::new(&[
            vec![GIRLS_GARMENTS, BOYS_GARMENTS, &girls_style],
            SEASON_WORDS.iter().map(|(p, _)| *p).collect(),
            OCCASION_WORDS.iter().map(|(_, p)| *p).collect(),
        ])
    })
}

fn hits(item: &Item, with_description: bool) -> Hits {
    static DESC: std::sync::OnceLock<Matcher> = std::sync::OnceLock::new();
    let head = head_matcher();
    let mut text = String::with_capacity(item.category.len() + item.title.len() + 1);
    text.push_str(&item.category);
    text.push(' ');
    text.push_str(&item.title);
    let desc = if with_description && !item.description.is_empty() {
        let m = DESC.get_or_init(|| {
            Matcher::new(&[
                SEASON_DESCRIPTION_WORDS.iter().map(|(p, _)| *p).collect(),
                OCCASION_DESCRIPTION_WORDS.iter().map(|(_, p)| *p).collect(),
            ])
        });
        m.rules(&words(&item.description))
    } else {
        [0; 2]
    };
    Hits { head: head.rules(&words(&text)), desc }
}

/// Garments a children's webshop styles for girls only (where the feed does not say), as phrases.
const GIRLS_GARMENTS: &[&str] = &[
    "dress",
    "dresses",
    "skirt",
    "skirts",
    "blouse",
    "blouses",
    "ballerina",
    "ballerinas",
    "ballet",
    "leotard",
    "tutu",
    "bikini",
    "swimsuit",
    "hair clip",
    "hair clips",
    "hairclip",
    "hair band",
    "hairband",
    "alice band",
    "hair string",
    "hair ties",
    "scrunchie",
    "lehenga",
    "kurti",
    "salwar",
    "churidar",
    "tights",
    "pinafore",
    "dungaree dress",
];
/// Garments styled for boys only.
const BOYS_GARMENTS: &[&str] = &["swim trunks", "swimming trunks", "trunks", "bow tie", "necktie"];
/// Colour families whose words (pink, fuchsia, lilac…: the colour taxonomy's) style an item the feed calls unisex,
/// or says nothing of, for girls.
const GIRLS_COLOURS: [ColourFamily; 2] = [ColourFamily::Pink, ColourFamily::Purple];
/// Motifs that do the same.
const GIRLS_MOTIFS: &[&str] = &[
    "princess",
    "minnie",
    "mini mouse",
    "barbie",
    "hello kitty",
    "unicorn",
    "glitter",
    "glittery",
    "frill",
    "frills",
    "ruffle",
    "ruffles",
];

fn feed_gender(item: &Item) -> Option<u8> {
    item.gender.map(|g| match g {
        Gender::Female => GIRLS,
        Gender::Male => BOYS,
        Gender::Unisex => GIRLS | BOYS,
    })
}

/// The item's gender bits and where they came from.
pub fn gender_of(item: &Item) -> (u8, GenderSource) {
    gender_with(item, &hits(item, false))
}

/// The feed's gender where it names one, else a garment styled for one gender. Pink, purple or a girls' motif
/// styles an item the feed calls unisex, or that neither says, for girls: blind judges marked the pink and purple
/// sandals Myntra files as "Unisex" as the fault of boys' looks.
fn gender_with(item: &Item, h: &Hits) -> (u8, GenderSource) {
    let girlish = || h.head[0] & GIRLS_STYLE != 0 || is_girls_colour(&item.colour);
    match feed_gender(item) {
        Some(g) if g == GIRLS | BOYS && girlish() => (GIRLS, GenderSource::Garment),
        Some(g) => (g, GenderSource::Feed),
        None => match gender_from_hits(h) {
            (0, _) if girlish() => (GIRLS, GenderSource::Garment),
            garment => garment,
        },
    }
}

/// The bit of [`GIRLS_COLOURS`] and [`GIRLS_MOTIFS`] in the gender rules' hits (after girls' and boys' garments).
const GIRLS_STYLE: u32 = 4;

/// A colour a children's webshop styles for girls (the words of [`GIRLS_COLOURS`]).
/// Read by the phrase automaton: a colour family lookup per item tripled the cost of styling a catalogue.
fn is_girls_colour(colour: &str) -> bool {
    !colour.is_empty() && head_matcher().rules::<3>(&words(colour))[0] & GIRLS_STYLE != 0
}

fn gender_from_hits(h: &Hits) -> (u8, GenderSource) {
    match (h.head[0] & 1 != 0, h.head[0] & 2 != 0) {
        (true, false) => (GIRLS, GenderSource::Garment),
        (false, true) => (BOYS, GenderSource::Garment),
        _ => (0, GenderSource::Unknown),
    }
}

const SPRING: u8 = 1;
const SUMMER: u8 = 2;
const AUTUMN: u8 = 4;
const WINTER: u8 = 8;

/// Season-of-wear rules: phrases in the product type or title, and the seasons they mean.
const SEASON_WORDS: &[(&[&str], u8)] = &[
    (
        &[
            "mitten",
            "mittens",
            "snowsuit",
            "snow suit",
            "snowsuits",
            "ski",
            "thermal",
            "thermals",
            "long john",
            "long johns",
            "outdoor overall",
            "winter",
            "wintersneaker",
            "winterboot",
            "puffer",
            "down jacket",
            "parka",
            "snow boots",
            "snowboots",
            "earmuffs",
            "balaclava",
            "warm lined",
            "pile lined",
            "fur lined",
        ],
        WINTER,
    ),
    (
        &["beanie", "beanies", "gloves", "glove", "scarf", "scarves", "coat", "padded", "fleece", "shearling", "wool", "knitted hat"],
        AUTUMN | WINTER,
    ),
    (
        &[
            "sweater",
            "sweaters",
            "jumper",
            "cardigan",
            "cardigans",
            "hoodie",
            "hoodies",
            "sweatshirt",
            "sweatshirts",
            "jacket",
            "jackets",
            "boots",
            "boot",
            "corduroy",
            "long sleeved",
            "long sleeve",
            "l s",
        ],
        SPRING | AUTUMN | WINTER,
    ),
    (&["rain boots", "wellies", "wellington", "raincoat", "rain jacket", "windbreaker", "softshell"], SPRING | AUTUMN),
    (
        &[
            "sandal",
            "sandals",
            "flip flops",
            "flip flop",
            "flops",
            "swim",
            "swimwear",
            "swimsuit",
            "swimming",
            "bikini",
            "trunks",
            "sun hat",
            "sunhat",
            "uv",
            "beach",
        ],
        SUMMER,
    ),
    (
        &[
            "shorts",
            "sleeveless",
            "short sleeved",
            "short sleeve",
            "s s",
            "vest top",
            "tank top",
            "tanktop",
            "capris",
            "capri",
            "sunglasses",
            "linen",
            "strap dress",
            "playsuit",
        ],
        SPRING | SUMMER,
    ),
];

/// Description phrases that settle the season where the type does not ("Warm-lined boots", "Sleeveless dress").
const SEASON_DESCRIPTION_WORDS: &[(&[&str], u8)] = &[
    (&["warm lined", "pile lined", "pile linings", "pile lining", "faux fur linings", "ski mittens", "snowsuit"], WINTER),
    (&["padded", "puffer", "down jacket", "wool", "shearling"], AUTUMN | WINTER),
    (&["sleeveless", "short sleeves", "short sleeved", "flutter sleeves"], SPRING | SUMMER),
    (&["long sleeves", "long sleeved"], SPRING | AUTUMN | WINTER),
];

/// The seasons the matched rules (a bitset over `rules`) agree on: every match narrows, and one that contradicts
/// the earlier ones (a sleeveless padded gilet) is passed over, so the earlier, more specific rule stands.
fn rule_mask(hit: u32, rules: &[(&[&str], u8)]) -> Option<u8> {
    let mut mask: Option<u8> = None;
    for (r, (_, m)) in rules.iter().enumerate() {
        if hit & (1 << r) != 0 {
            mask = Some(match mask {
                None => *m,
                Some(prev) if prev & m != 0 => prev & m,
                Some(prev) => prev,
            });
        }
    }
    mask
}

/// Seasons of wear ([`season_bit`]s; 0 = all-season): the type and title first, then the description, and the
/// feed's season only where both say nothing.
pub fn seasons_of_wear(item: &Item) -> u8 {
    seasons_from_hits(item, &hits(item, true))
}

fn seasons_from_hits(item: &Item, h: &Hits) -> u8 {
    match (rule_mask(h.head[1], SEASON_WORDS), rule_mask(h.desc[0], SEASON_DESCRIPTION_WORDS)) {
        (Some(t), Some(d)) if t & d != 0 => t & d,
        (Some(t), _) => t,
        (None, Some(d)) => d,
        (None, None) => season_bit(item.season),
    }
}

/// Occasion rules in priority order: the first that matches the type or title decides.
const OCCASION_WORDS: &[(Occasion, &[&str])] = &[
    (
        Occasion::Sleep,
        &[
            "pyjama",
            "pyjamas",
            "pajama",
            "pajamas",
            "nightdress",
            "nightgown",
            "nightwear",
            "sleepsuit",
            "sleep",
            "sleeping bag",
            "dressing gown",
            "bathrobe",
            "slippers",
        ],
    ),
    (Occasion::Swim, &["swim", "swimwear", "swimsuit", "swimming", "bikini", "trunks", "rash guard", "rash vest", "uv suit"]),
    // Dance garments by name, not a bare "dance": Myntra's "TJ Dance Canvas Casual Shoes" are a cartoon line's
    // sneakers, and a "Let's dance" print is still a T-shirt.
    (
        Occasion::Dance,
        &[
            "dance shoe",
            "dance shoes",
            "dance dress",
            "dancedress",
            "dancewear",
            "dance wear",
            "leotard",
            "tutu",
            "ballet shoes",
            "ballet slippers",
        ],
    ),
    (
        Occasion::Party,
        &[
            "party",
            "sequin",
            "sequins",
            "sequinned",
            "tulle",
            "festive",
            "lehenga",
            "lehenga choli",
            "bridesmaid",
            "occasion",
            "christmas",
            "costume",
            "costumes",
        ],
    ),
    (Occasion::School, &["school", "uniform"]),
    (
        Occasion::Sporty,
        &[
            "sport",
            "sports",
            "sporty",
            "football",
            "training",
            "running",
            "track",
            "tracksuit",
            "joggers",
            "jogger",
            "sweatpants",
            "sweatpant",
            "sports shoes",
            "trainers",
            "runner",
            "active",
            "gym",
            "softshell",
            "function",
        ],
    ),
    (
        Occasion::Dressy,
        &[
            "formal",
            "blazer",
            "blazers",
            "tailored",
            "waistcoat",
            "suit",
            "bow tie",
            "tie",
            "loafer",
            "loafers",
            "ballerina",
            "ballerinas",
            "ballet pumps",
            "ballet flat",
            "ballet flats",
            "mary jane",
            "patent",
            "oxford",
            "brogue",
            "brogues",
            "blouse",
            "kurta",
            "kurtas",
            "kurta sets",
            "salwar",
            "churidar",
            "chinos",
            "chino",
            "velvet",
            "smart",
            "shirt dress",
            "shirtdress",
        ],
    ),
    (
        Occasion::Casual,
        &[
            "jeans",
            "denim",
            "t shirt",
            "t shirts",
            "tshirt",
            "tshirts",
            "tee",
            "hoodie",
            "hoodies",
            "sweatshirt",
            "sweatshirts",
            "shorts",
            "leggings",
            "sneakers",
            "sneaker",
            "canvas",
            "cap",
            "caps",
            "cap peaked",
            "capris",
            "casual shoes",
            "flip flops",
            "sandals",
            "jersey",
            "dungarees",
            "cargo",
            "hi tops",
            "backpack",
            "top",
            "tops",
        ],
    ),
];

/// Description phrases strong enough to set the occasion where the type and title do not.
const OCCASION_DESCRIPTION_WORDS: &[(Occasion, &[&str])] = &[
    (Occasion::Dance, &["dance shoes", "ballet shoes", "dance dress", "leotard"]),
    (Occasion::Party, &["sequins", "sequin", "glittery tulle", "party"]),
    (Occasion::Sporty, &["football", "functional fabric", "fast drying", "sports"]),
];

/// The item's occasion, or `None` where no word says.
pub fn occasion_of(item: &Item) -> Option<Occasion> {
    occasion_from_hits(&hits(item, true))
}

fn occasion_from_hits(h: &Hits) -> Option<Occasion> {
    let first = |hit: u32, rules: &[(Occasion, &[&str])]| (hit != 0).then(|| rules[hit.trailing_zeros() as usize].0);
    // "Casual" is what a type says by default (shorts), "dressy" what ballerinas are; football shorts and ballet
    // shoes filed under "Ballerinas" say more in the text.
    match first(h.head[2], OCCASION_WORDS) {
        None | Some(Occasion::Casual) | Some(Occasion::Dressy) => {
            first(h.desc[1], OCCASION_DESCRIPTION_WORDS).or(first(h.head[2], OCCASION_WORDS))
        }
        known => known,
    }
}

/// All three facts of an item, its text read once.
pub fn styling(item: &Item) -> Styling {
    let h = hits(item, true);
    Styling { gender: gender_with(item, &h).0, seasons: seasons_from_hits(item, &h), occasion: occasion_from_hits(&h) }
}

/// What a board implies for the next item: the filters suggestions keep to by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BoardStyle {
    /// Genders a candidate may have (`None`: the board says nothing, or mixes both).
    pub gender: Option<u8>,
    /// Seasons the board is for (`None`: all-season board).
    pub seasons: Option<u8>,
    /// Occasions a candidate may have (`None`: an empty board); a board whose items name no occasion keeps to
    /// [`Occasion::everyday`].
    pub occasions: Option<u8>,
    /// The board's own occasions (bits), for saying what it keeps to.
    pub own_occasions: u8,
}

impl BoardStyle {
    /// Combines the board's items: a board of girls' items takes girls' and unisex items; the seasons every item
    /// can be worn in (or, where they share none, any of theirs); the occasions every known one goes with.
    pub fn of(items: &[Styling]) -> BoardStyle {
        let only = |bit: u8| items.iter().any(|s| s.gender == bit);
        let gender = match (only(GIRLS), only(BOYS)) {
            (true, false) => Some(GIRLS),
            (false, true) => Some(BOYS),
            _ => None,
        };
        let masks: Vec<u8> = items.iter().map(|s| s.seasons).filter(|m| *m != 0).collect();
        let seasons = (!masks.is_empty()).then(|| {
            let all = masks.iter().fold(0xf, |a, m| a & m);
            if all != 0 { all } else { masks.iter().fold(0, |a, m| a | m) }
        });
        let known: Vec<Occasion> = items.iter().filter_map(|s| s.occasion).collect();
        let occasions = if known.is_empty() {
            // No word says what the board is for: everyday wear, not dance, swim or sleep.
            (!items.is_empty()).then(Occasion::everyday)
        } else {
            let all = known.iter().fold(0xff, |a, o| a & o.goes_with());
            Some(if all != 0 { all } else { known.iter().fold(0, |a, o| a | o.goes_with()) })
        };
        let own_occasions = known.iter().fold(0, |a, o| a | o.bit());
        BoardStyle { gender, seasons, occasions, own_occasions }
    }

    /// Which of the board's defaults a candidate with these facts breaks: [gender, season, occasion] (unknowns
    /// break none).
    pub fn misfits(&self, c: &Styling) -> [bool; 3] {
        [
            self.gender.is_some_and(|g| c.gender != 0 && c.gender & g == 0),
            self.seasons.is_some_and(|m| c.seasons != 0 && c.seasons & m == 0),
            self.occasions.is_some_and(|m| c.occasion.is_some_and(|o| o.bit() & m == 0)),
        ]
    }
}

/// The occasions a mask names, in [`Occasion::ALL`] order.
pub fn occasions_of(mask: u8) -> Vec<Occasion> {
    Occasion::ALL.into_iter().filter(|o| mask & o.bit() != 0).collect()
}

/// Whether a candidate with these facts passes the board's defaults (unknowns always pass).
pub fn fits(board: &BoardStyle, c: &Styling) -> bool {
    !board.misfits(c).contains(&true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Slot;

    fn item(category: &str, title: &str, description: &str) -> Item {
        let mut it = Item::bare("x", Slot::Top);
        it.category = category.into();
        it.title = title.into();
        it.description = description.into();
        it
    }

    #[test]
    fn seasons_come_from_the_garment_before_the_feeds_column() {
        let mut mittens = item("Gloves", "Magic mittens 3p", "Mittens in a soft, fine knit with ribbed cuffs.");
        mittens.season = Season::Summer; // as Myntra tags them
        assert_eq!(seasons_of_wear(&mittens), WINTER);
        assert_eq!(seasons_of_wear(&item("Boots", "Tyra boot", "Warm-lined boots in imitation patent leather")), WINTER);
        assert_eq!(seasons_of_wear(&item("Boots", "Blake boot", "Boots in imitation patent leather")), SPRING | AUTUMN | WINTER);
        // Babies' booties are soft shoes for any season (Myntra's are tagged summer); a boot is still a boot.
        let mut booties = item("Booties", "Madagascar 3 Infant Boys Blue Booties", "");
        booties.season = Season::Summer;
        assert_eq!(seasons_of_wear(&booties), SUMMER);
        let mut sandals = item("Footwear > Sandal > Sandals", "Kids Unisex Brown Sandals", "");
        sandals.season = Season::Autumn;
        assert_eq!(seasons_of_wear(&sandals), SUMMER);
        assert_eq!(seasons_of_wear(&item("Dress", "Dragonfly dress", "Sleeveless dress in printed cotton jersey")), SPRING | SUMMER);
        assert_eq!(seasons_of_wear(&item("Outdoor overall", "PUTTE overall", "All-in-one suit in soft pile.")), WINTER);
        assert_eq!(seasons_of_wear(&item("Hat/beanie", "NELLY beanie", "")), AUTUMN | WINTER);
        // "Unlined" is not "lined"; a garment that says nothing keeps the feed's hint.
        let mut tee = item("T-shirt", "Striped Tee", "Unlined.");
        assert_eq!(seasons_of_wear(&tee), 0);
        tee.season = Season::Summer;
        assert_eq!(seasons_of_wear(&tee), SUMMER);
    }

    #[test]
    fn gender_falls_back_to_garments_styled_for_one() {
        let mut ballet = item("Ballerinas", "Doris fancy ballerina", "");
        assert_eq!(gender_of(&ballet), (GIRLS, GenderSource::Garment));
        ballet.gender = Some(Gender::Unisex);
        assert_eq!(gender_of(&ballet), (GIRLS | BOYS, GenderSource::Feed));
        assert_eq!(gender_of(&item("Sneakers", "Johan basic sneaker", "")), (0, GenderSource::Unknown));
        assert_eq!(gender_of(&item("Shirt", "Formal shirt", "")), (0, GenderSource::Unknown));
        // Pink, purple and girls' motifs style a unisex or unknown item for girls; a feed's boys' item stays boys'.
        let mut flops = item("Footwear > Flip Flops", "Warner Bros Kids Unisex Purple Flip Flops", "");
        flops.gender = Some(Gender::Unisex);
        assert_eq!(gender_of(&flops), (GIRLS, GenderSource::Garment));
        let mut sandals = item("Footwear > Sandal > Sandals", "Crocs Kids Crocband", "");
        sandals.colour = "Fuchsia Pink".into();
        assert_eq!(gender_of(&sandals), (GIRLS, GenderSource::Garment));
        assert_eq!(gender_of(&item("Flip Flops", "Disney Kids Princess Heart Flip Flops", "")).0, GIRLS);
        sandals.colour = "Red".into();
        assert_eq!(gender_of(&sandals), (0, GenderSource::Unknown));
        sandals.gender = Some(Gender::Unisex);
        assert_eq!(gender_of(&sandals), (GIRLS | BOYS, GenderSource::Feed));
        let mut tee = item("T-shirt", "Pink Panther tee", "");
        tee.gender = Some(Gender::Male);
        assert_eq!(gender_of(&tee), (BOYS, GenderSource::Feed));
        assert_eq!(styling(&flops).gender, GIRLS, "the filters read the same gender");
    }

    #[test]
    fn ascii_words_are_the_unicode_words_of_ascii_text() {
        for t in ["", "  ", "Warm-Lined BOOTS, size 98/104!", "T-shirt 2PACK", "x", "a  b\tc\nD", "100% cotton."] {
            assert_eq!(ascii_words(t), unicode_words(t), "{t:?}");
        }
        assert_eq!(words("Ärmel GRÜN"), " ärmel grün ", "non-ASCII text keeps the Unicode path");
    }

    #[test]
    fn occasions_from_type_title_and_strong_description_words() {
        assert_eq!(occasion_of(&item("Other shoe", "PQ Marci Loafer SB", "")), Some(Occasion::Dressy));
        assert_eq!(occasion_of(&item("Trousers", "Sweatpants basic", "")), Some(Occasion::Sporty));
        assert_eq!(occasion_of(&item("Other shoe", "Sofia dance shoe", "")), Some(Occasion::Dance));
        assert_eq!(occasion_of(&item("Shorts", "Country shorts", "Knee-length football shorts")), Some(Occasion::Sporty));
        assert_eq!(occasion_of(&item("Dress", "Scarlett Fancy Sequin Dress", "")), Some(Occasion::Party));
        assert_eq!(occasion_of(&item("Dress", "Whiskey dress", "A-line dress in airy, patterned viscose")), None);
        assert_eq!(occasion_of(&item("Dress", "SARA", "Dance dress in glossy jersey")), Some(Occasion::Dance));
        assert_eq!(occasion_of(&item("Garment Full body > Dress", "SARA Dancedress", "")), Some(Occasion::Dance));
        let sneakers = item("Footwear > Shoes > Casual Shoes", "Warner Bros Kids Unisex TJ Dance Canvas Grey Casual Shoes", "");
        assert_eq!(occasion_of(&sneakers), Some(Occasion::Casual));
        assert_eq!(occasion_of(&item("T-shirt", "Let's dance tee", "")), Some(Occasion::Casual));
        let flats = item("Footwear > Shoes > Casual Shoes", "Enroute Teens Girls Red Ballet Flats", "");
        assert_eq!(occasion_of(&flats), Some(Occasion::Dressy));
        assert_eq!(Occasion::parse("Dressy"), Some(Occasion::Dressy));
        // H&M files its satin ballet slippers under "Ballerinas" (dressy); the description says dance.
        let illona = item("Shoes > Ballerinas", "ILLONA Shoes", "Ballet shoes in satin with a decorative bow at the front");
        assert_eq!(occasion_of(&illona), Some(Occasion::Dance));
        assert_eq!(
            occasion_of(&item("Shoes > Ballerinas", "Glitter ballerinas", "Ballet pumps in glittery imitation leather")),
            Some(Occasion::Dressy)
        );
    }

    #[test]
    fn a_board_no_word_places_keeps_to_everyday_wear() {
        let hoodie = Styling { gender: BOYS, seasons: 0, occasion: None };
        let b = BoardStyle::of(&[hoodie]);
        assert_eq!(b.occasions, Some(Occasion::everyday()));
        assert_eq!(b.own_occasions, 0);
        for (o, ok) in [
            (Occasion::Dance, false),
            (Occasion::Swim, false),
            (Occasion::Sleep, false),
            (Occasion::Dressy, true),
            (Occasion::Sporty, true),
        ] {
            assert_eq!(fits(&b, &Styling { gender: 0, seasons: 0, occasion: Some(o) }), ok, "{o:?}");
        }
        assert!(fits(&b, &Styling::default()), "unknown occasion still fits");
        assert_eq!(BoardStyle::of(&[]).occasions, None, "an empty board implies nothing");
        let leotard = Styling { gender: GIRLS, seasons: 0, occasion: Some(Occasion::Dance) };
        assert!(fits(&BoardStyle::of(&[leotard]), &Styling { occasion: Some(Occasion::Dance), ..Styling::default() }));
    }

    #[test]
    fn a_board_narrows_gender_season_and_occasion_and_unknowns_pass() {
        let boys_hoodie = Styling { gender: BOYS, seasons: SPRING | AUTUMN | WINTER, occasion: Some(Occasion::Casual) };
        let b = BoardStyle::of(&[boys_hoodie]);
        assert_eq!(b.gender, Some(BOYS));
        let pink_ballet = Styling { gender: GIRLS, seasons: 0, occasion: Some(Occasion::Dressy) };
        assert!(!fits(&b, &pink_ballet), "girls' shoes for a boys' hoodie");
        assert!(fits(&b, &Styling { gender: GIRLS | BOYS, ..pink_ballet }), "unisex fits");
        assert!(fits(&b, &Styling { gender: 0, seasons: 0, occasion: None }), "unknown fits");
        let summer_dress = Styling { gender: GIRLS, seasons: SPRING | SUMMER, occasion: None };
        let beanie = Styling { gender: 0, seasons: AUTUMN | WINTER, occasion: Some(Occasion::Casual) };
        assert!(!fits(&BoardStyle::of(&[summer_dress]), &beanie), "no beanie with a sleeveless dress");
        let sweatpants = Styling { gender: 0, seasons: 0, occasion: Some(Occasion::Sporty) };
        let loafers = Styling { gender: 0, seasons: 0, occasion: Some(Occasion::Dressy) };
        assert!(!fits(&BoardStyle::of(&[sweatpants]), &loafers), "no loafers with sweatpants");
        // A mixed board: girls' and boys' items say nothing about gender; seasons that share none widen.
        let mixed = BoardStyle::of(&[summer_dress, boys_hoodie, beanie]);
        assert_eq!(mixed.gender, None);
        assert_eq!(mixed.seasons, Some(SPRING | SUMMER | AUTUMN | WINTER));
        assert_eq!(seasons_of(SPRING | SUMMER), vec![Season::Spring, Season::Summer]);
    }
}
