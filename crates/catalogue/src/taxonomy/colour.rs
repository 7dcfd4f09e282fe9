//! Colours: free-text colours and title words mapped to the few families the categorical features know.

use super::contains_word;

/// Colour families the categorical features know. Free-text colours ("Dusty Rose", "marinblå") map to the
/// first family whose name appears in them; anything else is `Other`.
pub const COLOUR_FAMILIES: [&str; 15] =
    ["red", "pink", "orange", "yellow", "green", "olive", "blue", "navy", "purple", "brown", "beige", "white", "grey", "black", "other"];

/// The first colour word of a title, as written ("navy", "off white"), for feeds without a colour column
/// (Polyvore names: "black leather biker jacket"). Whole words only: "tangerine" is no "tan", "Redwood" no "red".
pub fn colour_word(title: &str) -> Option<String> {
    let lower = title.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()).collect();
    let is_colour = |w: &str| COLOUR_FAMILIES[..14].contains(&w) || COLOUR_SYNONYMS.iter().any(|(syn, _)| *syn == w);
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
const COLOUR_SYNONYMS: &[(&str, &str)] = &[
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
    ("turquoise", "blue"),
    ("magenta", "pink"),
    ("fuchsia", "pink"),
    ("peach", "orange"),
    ("tangerine", "orange"),
    ("rust", "orange"),
    ("maroon", "red"),
    ("wine", "red"),
    ("silver", "grey"),
    ("charcoal", "grey"),
    ("melange", "grey"),
    ("gold", "yellow"),
    ("bronze", "brown"),
    ("copper", "brown"),
    ("off white", "white"),
    ("offwhite", "white"),
    ("nude", "beige"),
    ("taupe", "beige"),
];

/// Index into [`COLOUR_FAMILIES`] for a free-text colour.
pub fn colour_family(colour: &str) -> usize {
    let c = colour.to_lowercase();
    // Navy before blue: "navy blue" is navy.
    for (i, fam) in COLOUR_FAMILIES.iter().enumerate().take(14) {
        if *fam == "blue" && c.contains("navy") {
            continue;
        }
        if contains_word(&c, fam) {
            return i;
        }
    }
    for (syn, fam) in COLOUR_SYNONYMS {
        if contains_word(&c, syn) {
            return COLOUR_FAMILIES.iter().position(|f| f == fam).unwrap_or(14);
        }
    }
    14
}
