//! Why "complete the look" left a slot empty: how many of the slot's items each single widening would offer.
//! A children's catalogue is often thin in one slot (H&M's has 3 kids' shoes beside 20 dance shoes), and "nothing
//! matches" alone leaves the stylist guessing which chip to widen.

use super::{CompletionFilter, Engine};
use outfit_catalogue::Slot;
use outfit_score::Filter;
use serde::Serialize;

/// One filter a stylist can widen, as the board's chips name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Widening {
    AgeBand,
    Season,
    Gender,
    Occasion,
    Catalogue,
    /// Price, brand and stock together.
    Filters,
}

impl Widening {
    pub fn label(self) -> &'static str {
        match self {
            Widening::AgeBand => "age band",
            Widening::Season => "season",
            Widening::Gender => "gender",
            Widening::Occasion => "occasion",
            Widening::Catalogue => "catalogue",
            Widening::Filters => "filters",
        }
    }
}

/// What keeps a slot empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SlotShortfall {
    /// Items of the slot in the index (every catalogue).
    pub in_slot: usize,
    /// Items that pass every filter (0 when the slot came back empty).
    pub passing: usize,
    /// How many items widening one filter alone would offer, most first; filters that would offer none are left out.
    pub widen: Vec<(Widening, usize)>,
}

impl SlotShortfall {
    /// "widening the occasion would offer 20, the age band 1" (empty when no single widening helps).
    pub fn advice(&self) -> String {
        let parts: Vec<String> = self
            .widen
            .iter()
            .enumerate()
            .map(
                |(i, (w, n))| if i == 0 { format!("widening the {} would offer {n}", w.label()) } else { format!("the {} {n}", w.label()) },
            )
            .collect();
        parts.join(", ")
    }
}

impl Engine {
    /// Counts, over `slot`'s rows, what passes `filter` (with the board's items excluded) and what each single
    /// widening would let through. One pass per widening over the slot's rows: call it for an empty slot only.
    pub fn slot_shortfall(&self, board: &[i64], slot: Slot, filter: &CompletionFilter) -> SlotShortfall {
        let index = &self.loaded.index;
        let Some(range) = index.slot_ranges.get(slot.index()).cloned() else {
            return SlotShortfall::default();
        };
        let count = |f: &Filter| range.clone().filter(|&r| f.accepts(r, &index.meta[r])).count();
        let base = self.to_filter(board, filter);
        let passing = count(&base);
        let variants = [
            (Widening::AgeBand, base.age_mask.is_some(), Filter { age_mask: None, ..base.clone() }),
            (Widening::Season, base.season_mask.is_some(), Filter { season_mask: None, ..base.clone() }),
            (Widening::Gender, base.gender_mask.is_some(), Filter { gender_mask: None, ..base.clone() }),
            (Widening::Occasion, base.occasion_mask.is_some(), Filter { occasion_mask: None, ..base.clone() }),
            (Widening::Catalogue, base.catalogue.is_some(), Filter { catalogue: None, ..base.clone() }),
            (
                Widening::Filters,
                base.in_stock_only || base.min_price.is_some() || base.max_price.is_some() || base.brands.is_some(),
                Filter { in_stock_only: false, min_price: None, max_price: None, brands: None, ..base.clone() },
            ),
        ];
        let mut widen: Vec<(Widening, usize)> =
            variants.iter().filter(|(_, set, _)| *set).map(|(w, _, f)| (*w, count(f) - passing)).filter(|(_, n)| *n > 0).collect();
        widen.sort_by_key(|w| std::cmp::Reverse(w.1));
        SlotShortfall { in_slot: range.len(), passing, widen }
    }
}
