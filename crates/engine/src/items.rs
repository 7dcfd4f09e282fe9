//! The loaded catalogue: every item in one id-ordered vector, its SKU lookup, and the per-item facts the ranking
//! filters on, computed once at load.
//!
//! At 300k items a `HashMap<i64, StoredItem>` spent 1.75x the rows' size on buckets (160 MB), a second map
//! cloned every SKU, and every suggestion re-tested every title for outfit exclusions: together most of a cold
//! start's time and memory. Here a lookup by id indexes a table of row numbers ([`RowsById`]), the SKU table
//! holds row numbers only, and exclusion is decided once per distinct category.

use std::hash::BuildHasher;

use outfit_catalogue::{Styling, styling, taxonomy};
use outfit_store::StoredItem;
use rayon::prelude::*;

/// Items by id, as read from the store (without their content hash, which only indexing reads).
#[derive(Default)]
pub struct ItemTable {
    /// Ascending by id.
    items: Vec<StoredItem>,
    /// Row by id.
    rows: RowsById,
    /// Row numbers, found by the hash of their SKU.
    by_sku: hashbrown::HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
    /// Per row: underwear, nightwear, cosmetics and the like, never suggested or proposed.
    excluded: Vec<bool>,
    /// Per row: in a hidden or deleted catalogue.
    hidden: Vec<bool>,
    /// Per row: the catalogue it was imported into.
    catalogue: Vec<Option<i64>>,
    /// Per row: gender, seasons of wear and occasion, read from the item's words once here (the suggestion filters
    /// and the index use them for every query).
    styling: Vec<Styling>,
}

impl ItemTable {
    /// Builds the table from the store's rows (any order), the ids in hidden catalogues and each item's catalogue.
    pub fn new(
        mut items: Vec<StoredItem>,
        hidden: &std::collections::HashSet<i64>,
        catalogues: impl IntoIterator<Item = (i64, i64)>,
    ) -> ItemTable {
        if !items.is_sorted_by_key(|i| i.id) {
            items.sort_by_key(|i| i.id);
        }
        let hasher = hashbrown::DefaultHashBuilder::default();
        let mut by_sku = hashbrown::HashTable::with_capacity(items.len());
        for (r, it) in items.iter().enumerate() {
            by_sku
                .insert_unique(hasher.hash_one(it.item.sku.as_str()), r as u32, |&r| hasher.hash_one(items[r as usize].item.sku.as_str()));
        }
        // Exclusion reads the category (the title only where there is none): categories are few, titles many.
        let mut by_category: hashbrown::HashMap<&str, bool> = hashbrown::HashMap::new();
        let excluded = items
            .iter()
            .map(|i| {
                let it = &i.item;
                if it.category.trim().is_empty() {
                    return it.outfit_exclusion().is_some();
                }
                *by_category.entry(it.category.as_str()).or_insert_with(|| taxonomy::exclusion(&it.category, &it.title).is_some())
            })
            .collect();
        drop(by_category);
        let styling = items.par_iter().map(|i| styling::styling(&i.item)).collect();
        let mut table = ItemTable {
            rows: RowsById::new(items.iter().enumerate().map(|(r, i)| (i.id, r as u32)).collect()),
            hidden: items.iter().map(|i| hidden.contains(&i.id)).collect(),
            catalogue: vec![None; items.len()],
            excluded,
            styling,
            by_sku,
            hasher,
            items,
        };
        for (id, cat) in catalogues {
            if let Some(r) = table.row(id) {
                table.catalogue[r] = Some(cat);
            }
        }
        table
    }

    /// Position of an item in id order (0..len), for tables kept beside this one.
    pub fn position(&self, id: i64) -> Option<usize> {
        self.row(id)
    }

    fn row(&self, id: i64) -> Option<usize> {
        self.rows.get(id)
    }

    pub fn get(&self, id: &i64) -> Option<&StoredItem> {
        self.row(*id).map(|r| &self.items[r])
    }
    pub fn contains_key(&self, id: &i64) -> bool {
        self.row(*id).is_some()
    }
    pub fn by_sku(&self, sku: &str) -> Option<&StoredItem> {
        let r = self.by_sku.find(self.hasher.hash_one(sku), |&r| self.items[r as usize].item.sku == sku)?;
        Some(&self.items[*r as usize])
    }
    /// Every item, ascending by id.
    pub fn values(&self) -> std::slice::Iter<'_, StoredItem> {
        self.items.iter()
    }
    pub fn keys(&self) -> impl Iterator<Item = i64> + '_ {
        self.items.iter().map(|i| i.id)
    }
    pub fn len(&self) -> usize {
        self.items.len()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    /// Known and not in a hidden or deleted catalogue.
    pub fn visible(&self, id: i64) -> bool {
        self.row(id).is_some_and(|r| !self.hidden[r])
    }
    /// Visible and not kept out of outfits by its category.
    pub fn outfit_candidate(&self, id: i64) -> bool {
        self.row(id).is_some_and(|r| !self.hidden[r] && !self.excluded[r])
    }
    pub fn catalogue_of(&self, id: i64) -> Option<i64> {
        self.row(id).and_then(|r| self.catalogue[r])
    }
    /// Gender, seasons of wear and occasion (default for an unknown id: nothing known).
    pub fn styling(&self, id: i64) -> Styling {
        self.row(id).map(|r| self.styling[r]).unwrap_or_default()
    }
}

/// Row numbers by item id: a table indexed by `id - first` when the ids are dense enough (SQLite's rowids are,
/// short of deletions) for it to cost at most 16 bytes an entry, else a sorted list to binary-search. A hash map
/// of 300k ids took a tenth of a cold start.
#[derive(Default)]
pub struct RowsById {
    first: i64,
    /// Row of id `first + k` at `k`; `u32::MAX`: none.
    dense: Vec<u32>,
    /// (id, row), ascending by id, when the ids are sparse.
    sparse: Vec<(i64, u32)>,
}

impl RowsById {
    pub fn new(mut pairs: Vec<(i64, u32)>) -> RowsById {
        let (Some(lo), Some(hi)) = (pairs.iter().map(|p| p.0).min(), pairs.iter().map(|p| p.0).max()) else {
            return RowsById::default();
        };
        if (hi.abs_diff(lo)) < 4 * pairs.len() as u64 + 1024 {
            let mut dense = vec![u32::MAX; (hi - lo + 1) as usize];
            for (id, r) in pairs {
                dense[(id - lo) as usize] = r;
            }
            RowsById { first: lo, dense, sparse: Vec::new() }
        } else {
            pairs.sort_unstable();
            RowsById { first: 0, dense: Vec::new(), sparse: pairs }
        }
    }

    pub fn get(&self, id: i64) -> Option<usize> {
        if self.dense.is_empty() {
            let k = self.sparse.binary_search_by_key(&id, |p| p.0).ok()?;
            return Some(self.sparse[k].1 as usize);
        }
        let k = usize::try_from(id.checked_sub(self.first)?).ok()?;
        self.dense.get(k).filter(|&&r| r != u32::MAX).map(|&r| r as usize)
    }
}

impl std::ops::Index<&i64> for ItemTable {
    type Output = StoredItem;
    fn index(&self, id: &i64) -> &StoredItem {
        self.get(id).unwrap_or_else(|| panic!("item {id} is not in the loaded catalogue"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use outfit_catalogue::{Item, taxonomy::Slot};

    fn item(id: i64, sku: &str, category: &str, title: &str) -> StoredItem {
        let mut it = Item::bare(sku, Slot::Top);
        it.category = category.into();
        it.title = title.into();
        StoredItem { id, item: it, content_hash: String::new() }
    }

    #[test]
    fn looks_up_by_id_and_sku_and_flags_each_row() {
        let rows = vec![
            item(7, "C", "Underwear", "Briefs"),
            item(2, "A", "T-shirts", "Tee"),
            item(5, "B", "", "Girls' pyjamas"),
            item(9, "D", "Underwear", "Briefs too"),
        ];
        let t = ItemTable::new(rows, &[9].into_iter().collect(), [(2, 1), (9, 2), (42, 3)]);
        assert_eq!(t.keys().collect::<Vec<_>>(), [2, 5, 7, 9], "ascending ids");
        assert_eq!(t.by_sku("C").map(|i| i.id), Some(7));
        assert_eq!(t[&5].item.sku, "B");
        assert!(t.by_sku("Z").is_none() && t.get(&3).is_none() && !t.contains_key(&3));
        assert!(t.outfit_candidate(2));
        assert!(!t.outfit_candidate(5), "no category: the title's pyjamas exclude it");
        assert!(!t.outfit_candidate(7) && t.visible(7), "underwear is shown but never suggested");
        assert!(!t.visible(9) && !t.outfit_candidate(9), "in a hidden catalogue");
        assert!(!t.visible(3) && !t.outfit_candidate(3), "unknown");
        assert_eq!((t.catalogue_of(2), t.catalogue_of(9), t.catalogue_of(5)), (Some(1), Some(2), None));
        assert!(!t.rows.dense.is_empty(), "ids 2..9 are dense");
        assert!(t.get(&i64::MIN).is_none() && t.get(&i64::MAX).is_none() && t.get(&1).is_none() && t.get(&10).is_none());
    }

    #[test]
    fn rows_by_id_dense_sparse_and_empty() {
        let dense = RowsById::new(vec![(10, 0), (12, 1), (11, 2)]);
        assert_eq!([9, 10, 11, 12, 13].map(|i| dense.get(i)), [None, Some(0), Some(2), Some(1), None]);
        let sparse = RowsById::new(vec![(i64::MAX, 0), (-5, 1), (7, 2)]);
        assert!(sparse.dense.is_empty());
        assert_eq!([i64::MAX, -5, 7, 8, i64::MIN].map(|i| sparse.get(i)), [Some(0), Some(1), Some(2), None, None]);
        assert_eq!(RowsById::new(Vec::new()).get(0), None);
    }

    #[test]
    fn sparse_ids_are_found_by_binary_search() {
        let rows = vec![item(1, "A", "Tops", "Tee"), item(1_000_000_000, "B", "Tops", "Tee"), item(5_000, "C", "Bras", "Bra")];
        let t = ItemTable::new(rows, &Default::default(), []);
        assert!(t.rows.dense.is_empty(), "a table over a billion ids would be wasted");
        assert_eq!(t.keys().collect::<Vec<_>>(), [1, 5_000, 1_000_000_000]);
        assert_eq!(t.get(&1_000_000_000).map(|i| i.item.sku.as_str()), Some("B"));
        assert_eq!(t.by_sku("C").map(|i| i.id), Some(5_000));
        assert!(t.get(&2).is_none() && t.outfit_candidate(1) && t.outfit_candidate(1_000_000_000));
    }
}
