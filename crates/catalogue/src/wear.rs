//! How a child wears a garment, where its category alone misleads: bodysuits, onesies, rompers, multipacks and
//! underwear-like basics. One decision table ([`RULES`]), read at import (the slot) and by look generation
//! (heroes, what a one-piece may be worn with).
//!
//! A multipack (`3PACK`, `2pk`, `5P `, `Pack of 2`, `multipack`, `mixpack`, `giftset` in the title) is worn as what is in it
//! (a 3-pack of bodysuits fills the top slot) but is never a hero by default. Then the garment, first match wins:
//!
//! | case | words (title, then category, then description) | slot | hero by default | full-length |
//! |---|---|---|---|---|
//! | underwear-like basic | `undershirt`, `singlet`, `camisole`, `tank top` / `tanktop` / `vest top` basics | top | no | no |
//! | footed all-in-one | `all-in-one`, `onesie`, `sleepsuit`, `babygrow`, `footed`, `jumpsuit`, `overall`, `dungaree` | one-piece | yes | yes |
//! | romper | `romper`, `playsuit` | one-piece | yes | no |
//! | bodysuit | `bodysuit`, `body` (in a bodysuit category) | top: needs a bottom | yes | no |
//! | anything else | | as classified | yes | no |
//!
//! So a short- or long-sleeved bodysuit is dressed as a top (with a bottom), a romper or a footed all-in-one as
//! a one-piece; a multipack (of bodysuits, leggings, hats) still fills its slot beside a hero but is never the
//! hero of a generated look unless named; and a full-length one-piece is never combined with a bottom (see
//! [`Wearing::full_length`]).

use crate::taxonomy::Slot;

/// How an article is worn, from [`wear`]: the garment and whether it is sold as a multipack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Wearing {
    pub kind: Wear,
    /// Several garments sold as one article (a 5-pack of bodysuits).
    pub multipack: bool,
}

impl Wearing {
    /// The slot the article fills, given the slot its category maps to.
    pub fn slot(self, classified: Slot) -> Slot {
        self.kind.slot(classified)
    }
    /// Whether a generated look may have it as its hero without it being named.
    pub fn hero_by_default(self) -> bool {
        !self.multipack && self.kind != Wear::Basic
    }
    /// A one-piece that covers the legs: a look never adds a bottom to it.
    pub fn full_length(self) -> bool {
        self.kind == Wear::AllInOne
    }
    /// In words, for the reason a hero is passed over ("multipack", "underwear-like basic").
    pub fn as_str(self) -> &'static str {
        if self.multipack { "multipack" } else { self.kind.as_str() }
    }
}

/// What kind of garment it is, for how it is worn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Wear {
    /// Worn as its category says.
    Regular,
    /// An undershirt, singlet or tank-top basic: worn under a look, not its hero.
    Basic,
    /// A one-piece from neck to ankle (all-in-one, onesie, jumpsuit, dungarees): nothing for the legs goes with it.
    AllInOne,
    /// A short one-piece (romper, playsuit).
    Romper,
    /// A bodysuit: a top that snaps at the crotch, so it needs a bottom.
    Bodysuit,
}

impl Wear {
    /// The slot the garment fills, given the slot its category maps to.
    pub fn slot(self, classified: Slot) -> Slot {
        match self {
            Wear::Bodysuit | Wear::Basic if matches!(classified, Slot::OnePiece | Slot::Top) => Slot::Top,
            Wear::AllInOne | Wear::Romper if matches!(classified, Slot::OnePiece | Slot::Top) => Slot::OnePiece,
            _ => classified,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Wear::Regular => "regular",
            Wear::Basic => "underwear-like basic",
            Wear::AllInOne => "all-in-one",
            Wear::Romper => "romper",
            Wear::Bodysuit => "bodysuit",
        }
    }
}

/// Title words of a multipack (besides counts such as "3PACK", "2pk", "5P").
const MULTIPACK_WORDS: &[&str] = &["multipack", "multi-pack", "mixpack", "giftset", "gift set", "pack of "];

/// The decision table (see the module docs): a case and the words that make it, checked in order.
pub const RULES: &[(Wear, &[&str])] = &[
    (Wear::Basic, &["undershirt", "undershirts", "singlet", "singlets", "camisole", "innerwear vest", "innerwear vests"]),
    (
        Wear::AllInOne,
        &["all-in-one", "onesie", "onesies", "sleepsuit", "babygrow", "footed", "jumpsuit", "overall", "dungaree", "dungarees"],
    ),
    (Wear::Romper, &["romper", "rompers", "playsuit", "playsuits"]),
    (Wear::Bodysuit, &["bodysuit", "bodysuits"]),
];

/// Tank tops and vest tops are basics when the feed says so (H&M's "Baby basics", "Jersey Basic") or when they
/// are ribbed jersey with nothing else to them.
const BASIC_TOPS: &[&str] = &["tank top", "tanktop", "vest top", "tank"];
const BASIC_HINTS: &[&str] = &["basic", "basics", "ribbed", "rib-knit"];

/// How the article with this category, title and description is worn (see the module docs).
pub fn wear(category: &str, title: &str, description: &str) -> Wearing {
    let title = title.to_lowercase();
    Wearing { kind: garment(&category.to_lowercase(), &title, &description.to_lowercase()), multipack: is_multipack(&title) }
}

fn garment(cat: &str, title: &str, desc: &str) -> Wear {
    // The category and title decide first; the description only settles what they leave open (a bodysuit
    // category whose text says "romper suit").
    let named = |text: &str| RULES.iter().find(|(_, words)| words.iter().any(|w| has_word(text, w))).map(|(k, _)| *k);
    let bodysuit_category = has_word(cat, "bodysuit") || has_word(cat, "bodysuits");
    let kind = named(title).or_else(|| named(cat));
    let kind = match kind {
        Some(Wear::Bodysuit) | None if bodysuit_category => match named(desc) {
            Some(k @ (Wear::AllInOne | Wear::Romper)) => Some(k),
            _ => Some(Wear::Bodysuit),
        },
        None if has_word(title, "body") && (cat.contains("upper body") || cat.is_empty()) => Some(Wear::Bodysuit),
        k => k,
    };
    if let Some(k) = kind {
        return k;
    }
    let basic_top = BASIC_TOPS.iter().any(|w| has_word(cat, w) || has_word(title, w));
    if basic_top && BASIC_HINTS.iter().any(|w| has_word(title, w) || has_word(cat, w) || has_word(desc, w)) {
        return Wear::Basic;
    }
    Wear::Regular
}

/// "3PACK", "2pk", "5P LS body", "10P", "2-pack", "6pcs" (a mixpack), "3 pack": several articles sold as one.
fn is_multipack(title: &str) -> bool {
    if MULTIPACK_WORDS.iter().any(|w| title.contains(w)) {
        return true;
    }
    title.split(|c: char| !c.is_ascii_alphanumeric() && c != '-').enumerate().any(|(i, tok)| {
        let digits = tok.chars().take_while(|c| c.is_ascii_digit()).count();
        let rest = tok[digits..].trim_start_matches('-');
        let counted = digits > 0 && tok[..digits].parse::<u32>().is_ok_and(|n| n >= 2);
        // "3 pack" split over two words.
        let next_is_pack = digits == tok.len()
            && counted
            && title.split(|c: char| !c.is_ascii_alphanumeric()).filter(|t| !t.is_empty()).nth(i + 1).is_some_and(|n| n == "pack");
        counted && (matches!(rest, "pack" | "pk" | "p" | "pck") || next_is_pack)
    })
}

fn has_word(haystack: &str, word: &str) -> bool {
    let bytes = haystack.as_bytes();
    haystack.match_indices(word).any(|(i, m)| {
        let end = i + m.len();
        (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) && (end == bytes.len() || !bytes[end].is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const UPPER: &str = "Garment Upper body > Bodysuit";

    fn kind(cat: &str, title: &str, desc: &str) -> Wear {
        wear(cat, title, desc).kind
    }

    #[test]
    fn bodysuits_are_tops_unless_rompers_or_all_in_ones() {
        let w = wear(UPPER, "SS Body Mixed Single", "Short-sleeved bodysuit in soft organic cotton jersey with press-studs.");
        assert_eq!((w.kind, w.slot(Slot::OnePiece), w.hero_by_default()), (Wear::Bodysuit, Slot::Top, true));
        assert_eq!(kind(UPPER, "timber body", "Bodysuit with a lace collar"), Wear::Bodysuit);
        let romper = wear(UPPER, "VIOLET body", "Long-sleeved romper suit in airy cotton poplin.");
        assert_eq!((romper.kind, romper.slot(Slot::OnePiece), romper.full_length()), (Wear::Romper, Slot::OnePiece, false));
        let footed = wear("Baby > Bodysuits", "Footed sleepsuit", "");
        assert_eq!((footed.kind, footed.slot(Slot::OnePiece), footed.full_length()), (Wear::AllInOne, Slot::OnePiece, true));
        let overall = wear("Garment Full body > Jumpsuit/Playsuit", "IKE overall", "All-in-one suit in soft sweatshirt fabric");
        assert!(overall.full_length() && overall.hero_by_default());
        assert_eq!(kind("Garment Full body > Jumpsuit/Playsuit", "Mimi romper", "Short, sleeveless romper suit"), Wear::Romper);
    }

    #[test]
    fn multipacks_are_worn_as_what_is_in_them_and_neither_they_nor_basics_are_heroes() {
        for t in ["Tanktop body white 3PACK", "2P LS body fancy TVP", "10P LS body", "Sam 2pk body", "ALGOT body 5pack", "Body 3 pack"] {
            let w = wear(UPPER, t, "");
            assert!(w.multipack && !w.hero_by_default(), "{t}");
            assert_eq!(w.slot(Slot::OnePiece), Slot::Top, "a pack of bodysuits is worn as tops: {t}");
        }
        assert!(wear("Garment Full body > Garment Set", "ALGOT mixpack 6pcs", "").multipack);
        assert!(wear(UPPER, "ALFONS giftset", "").multipack);
        assert!(wear("Topwear > Tshirts", "Gini and Jony Boys Pack of 2 T-shirts", "").multipack);
        let basic = wear("Garment Upper body > Vest top", "Ribbed tank top", "Vest top in ribbed cotton jersey.");
        assert_eq!((basic.kind, basic.slot(Slot::Top), basic.hero_by_default()), (Wear::Basic, Slot::Top, false));
        assert_eq!(kind("Underwear > Undershirt", "Undershirt", ""), Wear::Basic);
        // A printed vest top is a top like any other; a set of two pieces is not a multipack.
        assert_eq!(
            wear("Garment Upper body > Vest top", "Glitter vest top", "Top in jersey with a print."),
            Wearing { kind: Wear::Regular, multipack: false }
        );
        assert!(!wear("Garment Full body > Garment Set", "BOB set 2pcs", "").multipack);
        assert_eq!(kind("Topwear > Tshirts", "Boys Navy T-shirt", ""), Wear::Regular);
        assert_eq!(kind("Garment Full body > Dress", "Dress", "Dress in jersey"), Wear::Regular);
    }
}
