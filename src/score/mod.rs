//! Ranking the catalogue: top-k completions for slot query vectors, with filters, on the CPU or a GPU.
//!
//! The head makes completion a dot product (see `model::head`): score(c) = <g_c, q_t>. An
//! [`EmbeddingIndex`] holds every item's embedding, rows grouped by slot so a slot filter is a contiguous range
//! and no matrix is ever copied to filter it. The only module that touches wgpu compute.

pub mod cpu;

use crate::catalogue::{AgeGroup, Slot};
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

/// Per-row facts the filters need, kept compact and apart from the vectors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RowMeta {
    /// Bit `AgeGroup::index()`; 0 when unknown.
    pub age_bit: u8,
    pub in_stock: bool,
    /// NaN when unknown.
    pub price: f32,
    /// Index into [`EmbeddingIndex::brands`].
    pub brand: u32,
}

/// Item embeddings of one head version, rows grouped by slot.
#[derive(Debug, Clone)]
pub struct EmbeddingIndex {
    pub dim: usize,
    /// n × dim, row-major.
    pub vectors: Vec<f32>,
    /// Store item id of each row.
    pub item_ids: Vec<i64>,
    pub meta: Vec<RowMeta>,
    pub slot_ranges: [Range<usize>; Slot::COUNT],
    pub brands: Vec<String>,
    /// Unique per built index, so a GPU backend knows when to re-upload.
    pub generation: u64,
}

static GENERATION: AtomicU64 = AtomicU64::new(1);

/// One row to put into an index.
pub struct IndexRow<'a> {
    pub item_id: i64,
    pub slot: Slot,
    pub age_group: Option<AgeGroup>,
    pub in_stock: bool,
    pub price: Option<f64>,
    pub brand: &'a str,
    pub vector: &'a [f32],
}

impl EmbeddingIndex {
    pub fn build(dim: usize, rows: Vec<IndexRow<'_>>) -> EmbeddingIndex {
        let mut rows = rows;
        rows.sort_by_key(|r| (r.slot, r.item_id));
        let mut brands: Vec<String> = Vec::new();
        let mut brand_ids = std::collections::HashMap::<String, u32>::new();
        let mut vectors = Vec::with_capacity(rows.len() * dim);
        let mut item_ids = Vec::with_capacity(rows.len());
        let mut meta = Vec::with_capacity(rows.len());
        let mut slot_ranges: [Range<usize>; Slot::COUNT] = Default::default();
        for slot in Slot::ALL {
            let start = item_ids.len();
            for r in rows.iter().filter(|r| r.slot == slot) {
                assert_eq!(r.vector.len(), dim, "embedding of item {} has the wrong dimension", r.item_id);
                vectors.extend_from_slice(r.vector);
                item_ids.push(r.item_id);
                let brand = *brand_ids.entry(r.brand.to_string()).or_insert_with(|| {
                    brands.push(r.brand.to_string());
                    (brands.len() - 1) as u32
                });
                meta.push(RowMeta {
                    age_bit: r.age_group.map(|a| 1u8 << a.index()).unwrap_or(0),
                    in_stock: r.in_stock,
                    price: r.price.map(|p| p as f32).unwrap_or(f32::NAN),
                    brand,
                });
            }
            slot_ranges[slot.index()] = start..item_ids.len();
        }
        EmbeddingIndex { dim, vectors, item_ids, meta, slot_ranges, brands, generation: GENERATION.fetch_add(1, Ordering::Relaxed) }
    }

    pub fn len(&self) -> usize {
        self.item_ids.len()
    }
    pub fn is_empty(&self) -> bool {
        self.item_ids.is_empty()
    }
    pub fn row(&self, r: usize) -> &[f32] {
        &self.vectors[r * self.dim..(r + 1) * self.dim]
    }
    /// Row of a store item id (linear in the slot range; for the few items on a board).
    pub fn row_of(&self, item_id: i64) -> Option<usize> {
        self.item_ids.iter().position(|&i| i == item_id)
    }
    pub fn brand_id(&self, brand: &str) -> Option<u32> {
        self.brands.iter().position(|b| b == brand).map(|i| i as u32)
    }
}

/// Which rows may be returned.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// Bitmask of allowed age groups (bit `AgeGroup::index()`); `None` = any. Items of unknown age always pass.
    pub age_mask: Option<u8>,
    pub in_stock_only: bool,
    pub min_price: Option<f32>,
    pub max_price: Option<f32>,
    /// Allowed brand ids; `None` = any.
    pub brands: Option<Vec<u32>>,
    /// Rows never returned (items already on the board).
    pub exclude_rows: Vec<u32>,
}

impl Filter {
    #[inline]
    pub fn accepts(&self, row: usize, m: &RowMeta) -> bool {
        if self.in_stock_only && !m.in_stock {
            return false;
        }
        if let Some(mask) = self.age_mask
            && m.age_bit != 0
            && m.age_bit & mask == 0
        {
            return false;
        }
        if let Some(lo) = self.min_price
            && !(m.price >= lo)
        {
            return false;
        }
        if let Some(hi) = self.max_price
            && !(m.price <= hi)
        {
            return false;
        }
        if let Some(b) = &self.brands
            && !b.contains(&m.brand)
        {
            return false;
        }
        !self.exclude_rows.contains(&(row as u32))
    }
}

/// A ranking request: the slot to fill, its query vector, filters and how many results.
#[derive(Debug, Clone)]
pub struct Query {
    pub slot: Slot,
    pub vector: Vec<f32>,
    pub filter: Filter,
    pub k: usize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub row: u32,
    pub score: f32,
}

/// Orders hits best first; equal scores by row, so every backend returns the same list.
pub fn hit_order(a: &Hit, b: &Hit) -> std::cmp::Ordering {
    b.score.total_cmp(&a.score).then(a.row.cmp(&b.row))
}

/// What a scorer runs on, for the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendInfo {
    pub kind: &'static str,
    pub device: String,
}

impl std::fmt::Display for BackendInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.kind, self.device)
    }
}

/// Ranks index rows against query vectors. Implementations return identical hits (to 1e-4 in score).
pub trait Scorer: Send + Sync {
    fn backend(&self) -> BackendInfo;
    /// One hit list per query, best first, at most `k` each.
    fn top_k(&self, index: &EmbeddingIndex, queries: &[Query]) -> anyhow::Result<Vec<Vec<Hit>>>;
}

/// The scorer the app uses: CPU unless a faster backend is chosen (see `select`).
pub fn default_scorer() -> Box<dyn Scorer> {
    Box::new(cpu::CpuScorer::new())
}
