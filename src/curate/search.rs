//! Catalogue search and facets over the loaded items: lowercase text and compact facet columns precomputed once,
//! so a query is one linear scan (tens of ms at 300k items; the studio runs big scans on a worker thread).

use crate::catalogue::taxonomy::{COLOUR_FAMILIES, colour_family};
use crate::catalogue::{AgeGroup, Gender, Season, Slot};
use crate::store::StoredItem;
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
    /// Colour family names from [`COLOUR_FAMILIES`].
    pub colours: Vec<String>,
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

/// Per-value counts of a result set, for the facet panel.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FacetCounts {
    pub slots: [usize; Slot::COUNT],
    pub age_groups: [usize; 5],
    pub colours: [usize; COLOUR_FAMILIES.len()],
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
    text: Vec<String>,
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
        let mut brands: Vec<String> = items.iter().map(|i| i.item.brand.clone()).collect();
        brands.sort();
        brands.dedup();
        let brand_of: HashMap<&str, u32> = brands.iter().enumerate().map(|(k, b)| (b.as_str(), k as u32)).collect();
        let mut ix = SearchIndex { brands: Vec::new(), ..Default::default() };
        for s in &items {
            let it = &s.item;
            ix.ids.push(s.id);
            let mut t = String::with_capacity(it.title.len() + it.description.len() + 1);
            t.push_str(&it.title.to_lowercase());
            t.push('\n');
            t.push_str(&it.description.to_lowercase());
            ix.text.push(t);
            ix.slot.push(it.slot.index() as u8);
            ix.age.push(it.age_group.map(|a| a.index() as u8).unwrap_or(255));
            ix.colour.push(colour_family(&it.colour) as u8);
            ix.brand.push(brand_of[it.brand.as_str()]);
            ix.gender.push(it.gender.map(gender_index).unwrap_or(255));
            ix.season.push(season_index(it.season));
            ix.price.push(it.price.map(|p| p as f32).unwrap_or(f32::NAN));
            ix.in_stock.push(it.in_stock);
        }
        ix.brands = brands;
        ix
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Items matching every facet, with the per-value counts of the matches.
    pub fn search(&self, f: &Facets) -> SearchResult {
        let t = std::time::Instant::now();
        let words: Vec<String> = f.text.split_whitespace().map(str::to_lowercase).collect();
        let mask = |vals: &mut dyn Iterator<Item = usize>| -> Option<u64> {
            let m = vals.fold(0u64, |m, v| m | 1u64 << v.min(63));
            (m != 0).then_some(m)
        };
        let slot_m = mask(&mut f.slots.iter().map(|s| s.index()));
        let age_m = mask(&mut f.age_groups.iter().map(|a| a.index()));
        let colour_m = mask(&mut f.colours.iter().filter_map(|c| COLOUR_FAMILIES.iter().position(|x| x == c)));
        let gender_m = mask(&mut f.genders.iter().map(|g| gender_index(*g) as usize));
        let season_m = mask(&mut f.seasons.iter().map(|s| season_index(*s) as usize));
        let brand_ids: Option<Vec<u32>> =
            (!f.brands.is_empty()).then(|| f.brands.iter().filter_map(|b| self.brands.binary_search(b).ok().map(|k| k as u32)).collect());
        let hit = |m: Option<u64>, v: u8| m.is_none_or(|m| v < 64 && m & (1u64 << v) != 0);
        let mut out = SearchResult::default();
        for r in 0..self.ids.len() {
            if f.in_stock_only && !self.in_stock[r] {
                continue;
            }
            if !hit(slot_m, self.slot[r])
                || !hit(age_m, self.age[r])
                || !hit(colour_m, self.colour[r])
                || !hit(gender_m, self.gender[r])
                || !hit(season_m, self.season[r])
            {
                continue;
            }
            if let Some(b) = &brand_ids
                && !b.contains(&self.brand[r])
            {
                continue;
            }
            let p = self.price[r];
            // Negated on purpose: an unknown (NaN) price fails any price bound.
            #[allow(clippy::neg_cmp_op_on_partial_ord)]
            if f.min_price.is_some_and(|lo| !(p >= lo)) || f.max_price.is_some_and(|hi| !(p <= hi)) {
                continue;
            }
            if !words.iter().all(|w| self.text[r].contains(w.as_str())) {
                continue;
            }
            out.ids.push(self.ids[r]);
            let c = &mut out.counts;
            c.slots[self.slot[r] as usize] += 1;
            if let Some(a) = c.age_groups.get_mut(self.age[r] as usize) {
                *a += 1;
            }
            c.colours[self.colour[r] as usize] += 1;
            if let Some(g) = c.genders.get_mut(self.gender[r] as usize) {
                *g += 1;
            }
            c.seasons[self.season[r] as usize] += 1;
            c.in_stock += self.in_stock[r] as usize;
        }
        out.millis = t.elapsed().as_secs_f64() * 1e3;
        out
    }
}
