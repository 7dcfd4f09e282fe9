//! Catalogue search and facets over the loaded items: lowercase text and compact facet columns precomputed once,
//! so a query is one linear scan (tens of ms at 300k items; the studio runs big scans on a worker thread).
//!
//! The lowercase text of every item lives in one buffer with an end offset per row: a `String` per row cost
//! 24 bytes of header plus an allocation's overhead and rounding each (about 12 MB at 300k items), and one
//! buffer is read front to back by a query.

use outfit_catalogue::taxonomy::ColourFamily;
use outfit_catalogue::{AgeGroup, Gender, Season, Slot};
use outfit_store::StoredItem;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What the stylist filters the catalogue grid by. Empty lists mean "any".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Facets {
    /// Words that must all appear in the title or description (case-insensitive).
    pub text: String,
    pub slots: Vec<Slot>,
    pub age_groups: Vec<AgeGroup>,
    pub colours: Vec<ColourFamily>,
    pub brands: Vec<String>,
    pub genders: Vec<Gender>,
    pub seasons: Vec<Season>,
    pub min_price: Option<f32>,
    pub max_price: Option<f32>,
    pub in_stock_only: bool,
}

impl Facets {
    pub fn is_empty(&self) -> bool {
        *self == Facets::default()
    }
}

pub const GENDERS: [Gender; 3] = [Gender::Female, Gender::Male, Gender::Unisex];
pub const SEASONS: [Season; 5] = [Season::Spring, Season::Summer, Season::Autumn, Season::Winter, Season::All];

/// Per-value counts for the facet panel. Each facet's counts ignore that facet's own selection (so ticking
/// "Shoes" still shows how many tops there are), while every other filter applies.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FacetCounts {
    pub slots: [usize; Slot::COUNT],
    pub age_groups: [usize; 5],
    pub colours: [usize; ColourFamily::COUNT],
    pub genders: [usize; 3],
    pub seasons: [usize; 5],
    pub in_stock: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchResult {
    /// Matching item ids, in catalogue (id) order.
    pub ids: Vec<i64>,
    pub counts: FacetCounts,
    pub millis: f64,
}

/// Precomputed search columns of the catalogue.
#[derive(Debug, Default)]
pub struct SearchIndex {
    ids: Vec<i64>,
    /// Lowercase "title\ndescription" of every row, back to back.
    text: String,
    /// End of row `r`'s text in `text` (it starts where row `r - 1` ends).
    text_end: Vec<usize>,
    slot: Vec<u8>,
    /// 255 when unknown.
    age: Vec<u8>,
    colour: Vec<u8>,
    brand: Vec<u32>,
    /// 255 when unknown.
    gender: Vec<u8>,
    season: Vec<u8>,
    price: Vec<f32>,
    in_stock: Vec<bool>,
    /// Brand names, sorted; `brand` indexes this.
    pub brands: Vec<String>,
    /// Lowest and highest known price (where a price filter starts when ticked).
    pub price_range: Option<(f32, f32)>,
}

/// How a search word is understood besides matching title and description: a season ("summer", "fall") or a
/// colour family ("navy", "gray").
#[derive(Debug, Clone, PartialEq)]
enum Word {
    Text(String),
    Season(String, u8),
    Colour(String, u8),
}

impl Word {
    fn parse(w: &str) -> Word {
        let w = w.to_lowercase();
        if let Some(s) = Season::parse(&w).filter(|s| *s != Season::All && !w.is_empty()) {
            return Word::Season(w, season_index(s));
        }
        // Whole colour words only: "sandals" must not mean "sand" (beige), nor "denim" every blue item.
        const COLOUR_WORDS: [&str; 14] = [
            "gray", "cream", "ivory", "khaki", "rose", "coral", "mustard", "teal", "mint", "lilac", "lavender", "burgundy", "camel", "tan",
        ];
        if ColourFamily::NAMED.iter().any(|f| f.name() == w) || COLOUR_WORDS.contains(&w.as_str()) {
            return Word::Colour(w.clone(), ColourFamily::of(&w).index() as u8);
        }
        Word::Text(w)
    }
}

fn gender_index(g: Gender) -> u8 {
    GENDERS.iter().position(|x| *x == g).unwrap_or(0) as u8
}
fn season_index(s: Season) -> u8 {
    SEASONS.iter().position(|x| *x == s).unwrap_or(4) as u8
}

impl SearchIndex {
    pub fn build<'a>(items: impl IntoIterator<Item = &'a StoredItem>) -> SearchIndex {
        let mut items: Vec<&StoredItem> = items.into_iter().collect();
        items.sort_by_key(|i| i.id);
        // Distinct names first: a `String` per row would allocate 300k times for a few hundred brands.
        let distinct: std::collections::HashSet<&str> = items.iter().map(|i| i.item.brand.as_str()).collect();
        let mut brands: Vec<String> = distinct.into_iter().map(String::from).collect();
        brands.sort();
        let brand_of: HashMap<&str, u32> = brands.iter().enumerate().map(|(k, b)| (b.as_str(), k as u32)).collect();
        let mut ix = SearchIndex { brands: Vec::new(), ..Default::default() };
        // Sized once (exact for ASCII text): grown by doubling, the buffer would reserve half as much again.
        ix.text.reserve_exact(items.iter().map(|i| i.item.title.len() + 1 + i.item.description.len()).sum());
        for s in &items {
            let it = &s.item;
            ix.ids.push(s.id);
            push_lowercase(&mut ix.text, &it.title);
            ix.text.push('\n');
            push_lowercase(&mut ix.text, &it.description);
            ix.text_end.push(ix.text.len());
            ix.slot.push(it.slot.index() as u8);
            ix.age.push(it.age_group.map(|a| a.index() as u8).unwrap_or(255));
            ix.colour.push(ColourFamily::of(&it.colour).index() as u8);
            ix.brand.push(brand_of[it.brand.as_str()]);
            ix.gender.push(it.gender.map(gender_index).unwrap_or(255));
            ix.season.push(season_index(it.season));
            ix.price.push(it.price.map(|p| p as f32).unwrap_or(f32::NAN));
            ix.in_stock.push(it.in_stock);
        }
        ix.text.shrink_to_fit();
        ix.brands = brands;
        let known = ix.price.iter().copied().filter(|p| !p.is_nan());
        ix.price_range = known.fold(None, |r: Option<(f32, f32)>, p| Some(r.map_or((p, p), |(lo, hi)| (lo.min(p), hi.max(p)))));
        ix
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Row `r`'s lowercase title and description.
    fn text(&self, r: usize) -> &str {
        let start = if r == 0 { 0 } else { self.text_end[r - 1] };
        &self.text[start..self.text_end[r]]
    }
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Items matching every facet, with the per-facet counts (see [`FacetCounts`]).
    pub fn search(&self, f: &Facets) -> SearchResult {
        let t = std::time::Instant::now();
        let words: Vec<Word> = f.text.split_whitespace().map(Word::parse).collect();
        let mask = |vals: &mut dyn Iterator<Item = usize>| -> Option<u64> {
            let m = vals.fold(0u64, |m, v| m | 1u64 << v.min(63));
            (m != 0).then_some(m)
        };
        let slot_m = mask(&mut f.slots.iter().map(|s| s.index()));
        let age_m = mask(&mut f.age_groups.iter().map(|a| a.index()));
        let colour_m = mask(&mut f.colours.iter().map(|c| c.index()));
        let gender_m = mask(&mut f.genders.iter().map(|g| gender_index(*g) as usize));
        let season_m = mask(&mut f.seasons.iter().map(|s| season_index(*s) as usize));
        let brand_ids: Option<Vec<u32>> =
            (!f.brands.is_empty()).then(|| f.brands.iter().filter_map(|b| self.brands.binary_search(b).ok().map(|k| k as u32)).collect());
        let hit = |m: Option<u64>, v: u8| m.is_none_or(|m| v < 64 && m & (1u64 << v) != 0);
        // One bit per facet the row fails; a row counts towards facet X when it fails nothing but (maybe) X.
        const SLOT: u8 = 1;
        const AGE: u8 = 2;
        const COLOUR: u8 = 4;
        const GENDER: u8 = 8;
        const SEASON: u8 = 16;
        const STOCK: u8 = 32;
        let mut out = SearchResult::default();
        for r in 0..self.ids.len() {
            let p = self.price[r];
            // Negated on purpose: an unknown (NaN) price fails any price bound.
            #[allow(clippy::neg_cmp_op_on_partial_ord)]
            if f.min_price.is_some_and(|lo| !(p >= lo)) || f.max_price.is_some_and(|hi| !(p <= hi)) {
                continue;
            }
            if let Some(b) = &brand_ids
                && !b.contains(&self.brand[r])
            {
                continue;
            }
            let text = self.text(r);
            let text_ok = words.iter().all(|w| match w {
                Word::Text(w) => text.contains(w.as_str()),
                Word::Season(w, s) => self.season[r] == *s || text.contains(w.as_str()),
                Word::Colour(w, c) => self.colour[r] == *c || text.contains(w.as_str()),
            });
            if !text_ok {
                continue;
            }
            let mut fails = 0u8;
            fails |= if hit(slot_m, self.slot[r]) { 0 } else { SLOT };
            fails |= if hit(age_m, self.age[r]) { 0 } else { AGE };
            fails |= if hit(colour_m, self.colour[r]) { 0 } else { COLOUR };
            fails |= if hit(gender_m, self.gender[r]) { 0 } else { GENDER };
            fails |= if hit(season_m, self.season[r]) { 0 } else { SEASON };
            fails |= if f.in_stock_only && !self.in_stock[r] { STOCK } else { 0 };
            if fails & (fails.wrapping_sub(1)) != 0 {
                continue; // fails two facets: counts nowhere
            }
            if fails == 0 {
                out.ids.push(self.ids[r]);
            }
            let c = &mut out.counts;
            let counts_for = |facet: u8| fails == 0 || fails == facet;
            if counts_for(SLOT) {
                c.slots[self.slot[r] as usize] += 1;
            }
            if counts_for(AGE)
                && let Some(a) = c.age_groups.get_mut(self.age[r] as usize)
            {
                *a += 1;
            }
            if counts_for(COLOUR) {
                c.colours[self.colour[r] as usize] += 1;
            }
            if counts_for(GENDER)
                && let Some(g) = c.genders.get_mut(self.gender[r] as usize)
            {
                *g += 1;
            }
            if counts_for(SEASON) {
                c.seasons[self.season[r] as usize] += 1;
            }
            if counts_for(STOCK) {
                c.in_stock += self.in_stock[r] as usize;
            }
        }
        out.millis = t.elapsed().as_secs_f64() * 1e3;
        out
    }
}

impl SearchIndex {
    /// Median wall time in ms over `reps` runs of each of a few typical grid searches (for benchmarks): no filter,
    /// a word most items hold, a word they don't, two words, and a slot with "in stock". The words are taken from
    /// the first item's title, so they mean something on any catalogue.
    pub fn timings(&self, reps: usize) -> Vec<(String, f64)> {
        let first = if self.is_empty() { "" } else { self.text(0).split('\n').next().unwrap_or("") };
        let mut words = first.split_whitespace();
        let (w1, w2) = (words.next().unwrap_or("a").to_string(), words.next().unwrap_or("b").to_string());
        let cases = [
            ("no filter".to_string(), Facets::default()),
            (format!("text \"{w1}\""), Facets { text: w1.clone(), ..Default::default() }),
            ("text \"zqxjv\" (no match)".to_string(), Facets { text: "zqxjv".into(), ..Default::default() }),
            (format!("text \"{w1} {w2}\""), Facets { text: format!("{w1} {w2}"), ..Default::default() }),
            ("slot Top, in stock".to_string(), Facets { slots: vec![Slot::Top], in_stock_only: true, ..Default::default() }),
        ];
        cases
            .into_iter()
            .map(|(label, f)| {
                let mut ms: Vec<f64> = (0..reps.max(1))
                    .map(|_| {
                        let t = std::time::Instant::now();
                        std::hint::black_box(self.search(std::hint::black_box(&f)));
                        t.elapsed().as_secs_f64() * 1e3
                    })
                    .collect();
                ms.sort_by(f64::total_cmp);
                (label, ms[ms.len() / 2])
            })
            .collect()
    }
}

/// Appends `s` lowercased, as `str::to_lowercase` would, without a temporary `String` when it is ASCII.
fn push_lowercase(out: &mut String, s: &str) {
    if s.is_ascii() {
        let start = out.len();
        out.push_str(s);
        out[start..].make_ascii_lowercase();
    } else {
        out.push_str(&s.to_lowercase());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use outfit_catalogue::{ImageStatus, Item};

    fn item(id: i64, title: &str, slot: Slot, colour: &str, season: Season, price: f64) -> StoredItem {
        StoredItem {
            id,
            item: Item {
                sku: format!("S{id}").into(),
                title: title.into(),
                description: Default::default(),
                category: Default::default(),
                slot,
                colour: colour.into(),
                brand: "B".into(),
                age_group: Some(AgeGroup::Toddler),
                gender: None,
                season,
                size: Default::default(),
                price: Some(price),
                currency: "SEK".into(),
                image: None,
                image_status: ImageStatus::None,
                in_stock: true,
                item_group_id: Default::default(),
            },
            content_hash: String::new(),
        }
    }

    fn index() -> SearchIndex {
        let items = [
            item(1, "Striped Tee", Slot::Top, "navy blue", Season::Summer, 149.0),
            item(2, "Wool Jumper", Slot::Top, "grey", Season::Winter, 399.0),
            item(3, "Denim Shorts", Slot::Bottom, "navy", Season::Summer, 199.0),
            item(4, "Rain Boots", Slot::Shoes, "yellow", Season::Autumn, 349.0),
            item(5, "Sandals", Slot::Shoes, "brown", Season::Summer, 279.0),
        ];
        SearchIndex::build(items.iter())
    }

    #[test]
    fn a_facets_counts_ignore_its_own_selection() {
        let ix = index();
        let r = ix.search(&Facets { slots: vec![Slot::Shoes], ..Default::default() });
        assert_eq!(r.ids, vec![4, 5]);
        // Ticking Shoes still shows the two tops and the bottom.
        assert_eq!(r.counts.slots[Slot::Top.index()], 2);
        assert_eq!(r.counts.slots[Slot::Bottom.index()], 1);
        assert_eq!(r.counts.slots[Slot::Shoes.index()], 2);
        // Other facets count only the shoes.
        assert_eq!(r.counts.seasons[season_index(Season::Summer) as usize], 1);
        let r = ix.search(&Facets { slots: vec![Slot::Shoes], seasons: vec![Season::Summer], ..Default::default() });
        assert_eq!(r.ids, vec![5]);
        assert_eq!(r.counts.slots[Slot::Top.index()], 1, "summer tops, whatever the slot filter");
        assert_eq!(r.counts.seasons[season_index(Season::Autumn) as usize], 1, "autumn shoes, whatever the season filter");
        assert_eq!(r.counts.seasons[season_index(Season::Winter) as usize], 0, "the winter jumper is not a shoe");
    }

    #[test]
    fn search_words_understand_seasons_and_colours() {
        let ix = index();
        let ids = |q: &str| ix.search(&Facets { text: q.into(), ..Default::default() }).ids;
        assert_eq!(ids("summer"), vec![1, 3, 5]);
        assert_eq!(ids("Navy"), vec![1, 3]);
        assert_eq!(ids("gray"), vec![2], "a colour synonym finds the grey family");
        assert_eq!(ids("navy summer shorts"), vec![3]);
        assert_eq!(ids("fall"), vec![4]);
        assert_eq!(ids("tee"), vec![1]);
        assert_eq!(ids("sandals"), vec![5], "not every beige (\"sand\") item");
        assert_eq!(ix.price_range, Some((149.0, 399.0)));
    }

    #[test]
    fn each_rows_text_is_its_own() {
        let mut items = [
            item(1, "Röd KLÄNNING", Slot::Top, "red", Season::Summer, 1.0),
            item(2, "", Slot::Top, "red", Season::Summer, 1.0),
            item(3, "Blue Cap", Slot::Top, "blue", Season::Summer, 1.0),
        ];
        items[1].item.description = "Plain".into();
        let ix = SearchIndex::build(items.iter());
        assert_eq!([ix.text(0), ix.text(1), ix.text(2)], ["röd klänning\n", "\nplain", "blue cap\n"]);
        let ids = |q: &str| ix.search(&Facets { text: q.into(), ..Default::default() }).ids;
        assert_eq!(ids("KLÄNNING"), vec![1], "non-ASCII words are lowercased on both sides");
        assert_eq!(ids("plain"), vec![2]);
        assert!(ids("ningblue").is_empty() && ids("plainblue").is_empty(), "no match across two rows' texts");
    }

    #[test]
    fn timings_name_each_case_with_the_catalogues_own_words() {
        let t = index().timings(3);
        let labels: Vec<&str> = t.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(labels, ["no filter", "text \"striped\"", "text \"zqxjv\" (no match)", "text \"striped tee\"", "slot Top, in stock"]);
        assert!(t.iter().all(|(_, ms)| ms.is_finite() && *ms >= 0.0));
        assert!(SearchIndex::default().timings(1).len() == 5, "an empty catalogue still runs every case");
    }
}
