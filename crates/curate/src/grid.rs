//! What the catalogue grid and the status bar say about items, without UI: the item counts the stylist sees
//! (visible catalogues only, the hidden ones said apart) and the mark on items that never go in a look.

use super::Studio;
use outfit_catalogue::Exclusion;

/// Item counts as the stylist sees them: items in hidden catalogues are not in the grid, so they are counted
/// apart, never in the totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ItemCounts {
    /// Items in visible catalogues.
    pub shown: usize,
    /// Of those, the ones with an embedding under the active head (they score).
    pub indexed: usize,
    /// Items in hidden catalogues.
    pub hidden: usize,
}

impl ItemCounts {
    /// The status bar's line, e.g. "Indexed 917 / 973 items (600 more in hidden catalogues)".
    pub fn indexed_line(&self) -> String {
        let line = format!("Indexed {} / {} items", self.indexed, self.shown);
        match self.hidden_note() {
            Some(note) => format!("{line} ({note})"),
            None => line,
        }
    }
    /// The top bar's count.
    pub fn shown_line(&self) -> String {
        format!("{} items", self.shown)
    }
    /// What the counts leave out, when something is hidden.
    pub fn hidden_note(&self) -> Option<String> {
        (self.hidden > 0).then(|| format!("{} more in hidden catalogues", self.hidden))
    }
}

/// The grid's mark on an item that is never put in a look (underwear, nightwear, cosmetics, not a garment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExclusionMark {
    /// The badge, e.g. "Underwear".
    pub badge: String,
    /// Its tooltip: why, and what that means for the stylist.
    pub why: String,
}

impl ExclusionMark {
    pub fn new(exclusion: Exclusion) -> ExclusionMark {
        let mut badge = exclusion.as_str().to_string();
        if let Some(first) = badge.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        let why = format!(
            "{badge}: kept out of outfits. It is never suggested and cannot go on the board or in a look; it stays in the catalogue."
        );
        ExclusionMark { badge, why }
    }
}

impl Studio {
    /// Items in visible catalogues, indexed among them, and hidden (counted when the catalogue is (re)built).
    pub fn item_counts(&self) -> ItemCounts {
        self.catalogues.counts
    }

    /// The mark for an item that never goes in a look, `None` for an outfit item.
    pub fn exclusion_mark(&self, item_id: i64) -> Option<ExclusionMark> {
        self.engine.item(item_id)?.item.outfit_exclusion().map(ExclusionMark::new)
    }

    /// Counts the items again (after the catalogue, its visibility or the embeddings changed).
    pub(super) fn count_items(&mut self) {
        let mut c = ItemCounts::default();
        for id in self.engine.items().keys() {
            if !self.engine.in_grid(id) {
                c.hidden += 1;
                continue;
            }
            c.shown += 1;
            if self.engine.embedded(id) {
                c.indexed += 1;
            }
        }
        self.catalogues.counts = c;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_leave_hidden_catalogues_out_and_say_so() {
        let c = ItemCounts { shown: 973, indexed: 917, hidden: 600 };
        assert_eq!(c.indexed_line(), "Indexed 917 / 973 items (600 more in hidden catalogues)");
        assert_eq!(c.shown_line(), "973 items");
        let all = ItemCounts { hidden: 0, ..c };
        assert_eq!(all.indexed_line(), "Indexed 917 / 973 items");
        assert_eq!(all.hidden_note(), None);
    }

    #[test]
    fn the_mark_names_the_exclusion_and_why() {
        let m = ExclusionMark::new(Exclusion::Underwear);
        assert_eq!(m.badge, "Underwear");
        assert!(m.why.starts_with("Underwear: kept out of outfits") && m.why.contains("never suggested"), "{}", m.why);
        assert_eq!(ExclusionMark::new(Exclusion::NotAGarment).badge, "Not a garment");
    }
}
