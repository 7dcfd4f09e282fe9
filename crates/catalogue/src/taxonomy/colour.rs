//! Colours: free-text colours and title words mapped to the few families the categorical features know.

use super::contains_word;

/// The colour families the categorical features know, in their one-hot order ([`ColourFamily::index`]). Free-text
/// colours ("Dusty Rose", "marinblå") map to the first family whose name appears in them as a word; anything else
/// is [`ColourFamily::Other`].
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
    strum::EnumCount,
    serde::Serialize,
    serde::Deserialize,
)]
#[strum(serialize_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum ColourFamily {
    Red,
    Pink,
    Orange,
    Yellow,
    Green,
    Olive,
    Blue,
    Navy,
    Purple,
    Brown,
    Beige,
    White,
    Grey,
    Black,
    Other,
}

impl ColourFamily {
    /// Every family, in one-hot order.
    pub const ALL: &'static [ColourFamily] = <ColourFamily as strum::VariantArray>::VARIANTS;
    /// How many families there are (the categorical features' colour block).
    pub const COUNT: usize = <ColourFamily as strum::EnumCount>::COUNT;
    /// The families a colour word names, without [`ColourFamily::Other`].
    pub const NAMED: &'static [ColourFamily] = ColourFamily::ALL.split_last().unwrap().1;

    /// The family of a free-text colour.
    pub fn of(colour: &str) -> ColourFamily {
        let c = colour.to_lowercase();
        // Navy before blue: "navy blue" is navy.
        for &fam in ColourFamily::NAMED {
            if fam == ColourFamily::Blue && c.contains("navy") {
                continue;
            }
            if contains_word(&c, fam.name()) {
                return fam;
            }
        }
        COLOUR_SYNONYMS.iter().find(|(syn, _)| contains_word(&c, syn)).map_or(ColourFamily::Other, |&(_, fam)| fam)
    }

    /// Its position in the categorical features' colour block and in per-family counts.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Its name, lower case ("navy").
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The words that name it: its name, then its synonyms ("purple", "lilac", "lavender").
    pub fn words(self) -> impl Iterator<Item = &'static str> {
        std::iter::once(self.name()).chain(COLOUR_SYNONYMS.iter().filter(move |(_, f)| *f == self).map(|(w, _)| *w))
    }
}

/// The first colour word of a title, as written ("navy", "off white"), for feeds without a colour column
/// (Polyvore names: "black leather biker jacket"). Whole words only: "tangerine" is no "tan", "Redwood" no "red".
pub fn colour_word(title: &str) -> Option<String> {
    let lower = title.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()).collect();
    let is_colour = |w: &str| ColourFamily::NAMED.iter().any(|f| f.name() == w) || COLOUR_SYNONYMS.iter().any(|(syn, _)| *syn == w);
    for (i, w) in words.iter().enumerate() {
        if *w == "off" && words.get(i + 1) == Some(&"white") {
            return Some("off white".into());
        }
        if is_colour(w) {
            return Some((*w).to_string());
        }
    }
    None
}

/// Colour words and the family each belongs to (after the family names themselves).
const COLOUR_SYNONYMS: &[(&str, ColourFamily)] = &[
    ("gray", ColourFamily::Grey),
    ("cream", ColourFamily::Beige),
    ("ivory", ColourFamily::White),
    ("khaki", ColourFamily::Olive),
    ("rose", ColourFamily::Pink),
    ("coral", ColourFamily::Orange),
    ("mustard", ColourFamily::Yellow),
    ("teal", ColourFamily::Green),
    ("mint", ColourFamily::Green),
    ("lilac", ColourFamily::Purple),
    ("lavender", ColourFamily::Purple),
    ("burgundy", ColourFamily::Red),
    ("denim", ColourFamily::Blue),
    ("camel", ColourFamily::Brown),
    ("tan", ColourFamily::Brown),
    ("sand", ColourFamily::Beige),
    ("turquoise", ColourFamily::Blue),
    ("magenta", ColourFamily::Pink),
    ("fuchsia", ColourFamily::Pink),
    ("peach", ColourFamily::Orange),
    ("tangerine", ColourFamily::Orange),
    ("rust", ColourFamily::Orange),
    ("maroon", ColourFamily::Red),
    ("wine", ColourFamily::Red),
    ("silver", ColourFamily::Grey),
    ("charcoal", ColourFamily::Grey),
    ("melange", ColourFamily::Grey),
    ("gold", ColourFamily::Yellow),
    ("bronze", ColourFamily::Brown),
    ("copper", ColourFamily::Brown),
    ("off white", ColourFamily::White),
    ("offwhite", ColourFamily::White),
    ("nude", ColourFamily::Beige),
    ("taupe", ColourFamily::Beige),
];
