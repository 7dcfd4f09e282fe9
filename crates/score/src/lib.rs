//! Ranking the catalogue: top-k completions for slot query vectors, with filters, on the CPU or a GPU.
//!
//! The head makes completion a dot product (see `model::head`): score(c) = <g_c, q_t>. An
//! [`EmbeddingIndex`] holds every item's embedding, rows grouped by slot so a slot filter is a contiguous range
//! and no matrix is ever copied to filter it. The only module that touches wgpu compute.

pub mod bench;
pub mod cpu;
mod error;
pub mod gpu;
pub mod int8;

pub use error::{Result, ScoreError};

use outfit_catalogue::{AgeGroup, Slot, Styling};
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

/// Per-row facts the filters need, kept compact and apart from the vectors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RowMeta {
    /// Bit `AgeGroup::index()`; 0 when unknown.
    pub age_bit: u8,
    /// Seasons of wear ([`season_bit`]s); 0 for all-season items (they pass every season filter).
    pub seasons: u8,
    /// Gender bits (`catalogue::styling::GIRLS` / `BOYS`; unisex both); 0 when unknown (passes every gender filter).
    pub gender: u8,
    /// The occasion's bit (`Occasion::bit`); 0 when unknown (passes every occasion filter).
    pub occasion: u8,
    pub in_stock: bool,
    /// NaN when unknown.
    pub price: f32,
    /// Index into [`EmbeddingIndex::brands`].
    pub brand: u32,
    /// The store's catalogue id (0 when none).
    pub catalogue: u32,
}

impl RowMeta {
    /// The filter's checks on the row's own facts (stock, age, season, gender, occasion, catalogue, price): what
    /// the CPU scan and the re-checks share. Brands and exclusions are the caller's.
    #[inline]
    pub fn passes(&self, f: &Filter) -> bool {
        // Unknown facts (bit 0) pass: an item the feed says nothing about is not hidden.
        let fits = |mask: Option<u8>, bits: u8| mask.is_none_or(|m| bits == 0 || bits & m != 0);
        (self.in_stock || !f.in_stock_only)
            && fits(f.age_mask, self.age_bit)
            && fits(f.season_mask, self.seasons)
            && fits(f.gender_mask, self.gender)
            && fits(f.occasion_mask, self.occasion)
            && f.catalogue.is_none_or(|c| self.catalogue == c)
            // An unknown (NaN) price compares false, so it fails a price bound.
            && f.min_price.is_none_or(|lo| self.price >= lo)
            && f.max_price.is_none_or(|hi| self.price <= hi)
    }
}

/// Item embeddings of one head version, rows grouped by slot.
#[derive(Debug, Clone)]
pub struct EmbeddingIndex {
    pub dim: usize,
    /// n × dim, row-major: exact scores (re-scoring, outfit scores, the GPU upload).
    pub vectors: Vec<f32>,
    /// The same rows in int8 (`dim` codes a row): what the CPU scan streams, a quarter of the bytes of `vectors`
    /// (its top candidates are re-scored in f32, see `cpu`). Kept equal to `vectors` by every constructor and
    /// [`EmbeddingIndex::set_row`].
    pub codes: Vec<i8>,
    /// Per row: `vectors ≈ scale · codes` (see [`int8::quantise_row`]).
    pub scales: Vec<f32>,
    /// Per slot: at least the largest row scale in its range, which bounds any of its rows' int8 error.
    pub slot_max_scale: [f32; Slot::COUNT],
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
    /// Gender, seasons of wear and occasion (see `catalogue::styling`).
    pub styling: Styling,
    pub in_stock: bool,
    pub price: Option<f64>,
    pub brand: &'a str,
    /// The store's catalogue id (0 when none).
    pub catalogue: u32,
    pub vector: &'a [f32],
}

/// Builds an index row by row, in slot order ([`EmbeddingIndex::build`] sorts arbitrary rows and feeds them
/// through it), or over a stored slot-ordered matrix without copying it ([`IndexBuilder::from_slot_ordered`]).
pub struct IndexBuilder {
    index: EmbeddingIndex,
    brand_ids: std::collections::HashMap<String, u32>,
    /// Slot of the last row pushed.
    last: Option<Slot>,
}

impl IndexBuilder {
    pub fn new(dim: usize, capacity: usize) -> IndexBuilder {
        IndexBuilder {
            index: EmbeddingIndex {
                dim,
                vectors: Vec::with_capacity(capacity * dim),
                codes: Vec::new(),
                scales: Vec::new(),
                slot_max_scale: [0.0; Slot::COUNT],
                item_ids: Vec::with_capacity(capacity),
                meta: Vec::with_capacity(capacity),
                slot_ranges: Default::default(),
                brands: Vec::new(),
                generation: 0,
            },
            brand_ids: Default::default(),
            last: None,
        }
    }

    /// Appends a row (its int8 copy made in [`IndexBuilder::finish`]). Rows must come in slot order:
    /// a row of an earlier slot than the last one is an error (the caller then sorts and builds).
    pub fn push(&mut self, r: &IndexRow<'_>) -> Result<()> {
        let dim = self.index.dim;
        if r.vector.len() != dim {
            return Err(ScoreError::RowDim { item_id: r.item_id, found: r.vector.len(), dim });
        }
        self.push_meta(r)?;
        let ix = &mut self.index;
        ix.vectors.extend_from_slice(r.vector);
        Ok(())
    }

    /// Appends a row's id and filter facts, not its vector (`r.vector` is not read).
    fn push_meta(&mut self, r: &IndexRow<'_>) -> Result<()> {
        let ix = &mut self.index;
        if let Some(last) = self.last
            && r.slot < last
        {
            return Err(ScoreError::SlotOrder { item_id: r.item_id, slot: r.slot.as_str(), after: last.as_str() });
        }
        let row = ix.item_ids.len();
        if self.last != Some(r.slot) {
            ix.slot_ranges[r.slot.index()] = row..row;
            self.last = Some(r.slot);
        }
        ix.slot_ranges[r.slot.index()].end = row + 1;
        ix.item_ids.push(r.item_id);
        let brand = match self.brand_ids.get(r.brand) {
            Some(&b) => b,
            None => {
                ix.brands.push(r.brand.to_string());
                self.brand_ids.insert(r.brand.to_string(), (ix.brands.len() - 1) as u32);
                (ix.brands.len() - 1) as u32
            }
        };
        ix.meta.push(RowMeta {
            age_bit: r.age_group.map(|a| 1u8 << a.index()).unwrap_or(0),
            seasons: r.styling.seasons,
            gender: r.styling.gender,
            occasion: r.styling.occasion_bit(),
            in_stock: r.in_stock,
            price: r.price.map(|p| p as f32).unwrap_or(f32::NAN),
            brand,
            catalogue: r.catalogue,
        });
        Ok(())
    }

    /// An index over a slot-ordered matrix's own buffer (`dim` values a row), compacted in place to the rows `rows`
    /// names (ascending row numbers, with each row's facts; their `vector` is not read), so the matrix is never
    /// copied. An error when the kept rows are not in slot order or the buffer is not whole rows.
    pub fn from_slot_ordered<'a>(
        dim: usize,
        mut vectors: Vec<f32>,
        rows: impl IntoIterator<Item = (usize, IndexRow<'a>)>,
    ) -> Result<EmbeddingIndex> {
        if dim == 0 || !vectors.len().is_multiple_of(dim) {
            return Err(ScoreError::Buffers { dim });
        }
        let n = vectors.len() / dim;
        let mut b = IndexBuilder::new(dim, 0);
        let mut kept = 0;
        for (r, row) in rows {
            if r < kept || r >= n {
                return Err(ScoreError::RowOrder { row: r, rows: n });
            }
            b.push_meta(&row)?;
            if r != kept {
                vectors.copy_within(r * dim..(r + 1) * dim, kept * dim);
            }
            kept += 1;
        }
        vectors.truncate(kept * dim);
        vectors.shrink_to_fit();
        b.index.vectors = vectors;
        Ok(b.finish())
    }

    pub fn finish(mut self) -> EmbeddingIndex {
        // Empty slots sit where their neighbours end, so every range stays in bounds.
        let mut at = 0;
        for s in Slot::ALL {
            let r = &mut self.index.slot_ranges[s.index()];
            if r.start == r.end {
                *r = at..at;
            }
            at = r.end;
        }
        let ix = &mut self.index;
        (ix.codes, ix.scales) = int8::quantise(&ix.vectors, ix.dim);
        for s in Slot::ALL {
            ix.slot_max_scale[s.index()] = ix.scales[ix.slot_ranges[s.index()].clone()].iter().fold(0f32, |m, &x| m.max(x));
        }
        self.index.generation = GENERATION.fetch_add(1, Ordering::Relaxed);
        self.index
    }
}

impl EmbeddingIndex {
    pub fn build(dim: usize, rows: Vec<IndexRow<'_>>) -> EmbeddingIndex {
        let mut rows = rows;
        rows.sort_by_key(|r| (r.slot, r.item_id));
        let mut b = IndexBuilder::new(dim, rows.len());
        for r in &rows {
            if let Err(e) = b.push(r) {
                panic!("{e}");
            }
        }
        b.finish()
    }

    /// Replaces one row's embedding (f32 and its int8 copy) in place.
    pub fn set_row(&mut self, r: usize, v: &[f32]) {
        let d = self.dim;
        assert_eq!(v.len(), d, "row {r}: {} values, not {d}", v.len());
        self.vectors[r * d..(r + 1) * d].copy_from_slice(v);
        self.scales[r] = int8::quantise_row(v, &mut self.codes[r * d..(r + 1) * d]);
        if let Some(s) = Slot::ALL.into_iter().find(|s| self.slot_ranges[s.index()].contains(&r)) {
            // Only ever raised: a bound that is a little loose stays a bound.
            let m = &mut self.slot_max_scale[s.index()];
            *m = m.max(self.scales[r]);
        }
    }

    /// Rewrites rows in place on the thread pool (`f` gets the row number and its values, and says whether it
    /// changed them), then re-quantises the changed rows and the slots' bounds.
    pub fn update_rows(&mut self, f: impl Fn(usize, &mut [f32]) -> bool + Sync) {
        use rayon::prelude::*;
        let d = self.dim;
        if d == 0 {
            return;
        }
        self.vectors.par_chunks_mut(d).zip(self.codes.par_chunks_mut(d)).zip(self.scales.par_iter_mut()).enumerate().for_each(
            |(r, ((v, c), s))| {
                if f(r, v) {
                    *s = int8::quantise_row(v, c);
                }
            },
        );
        for s in Slot::ALL {
            self.slot_max_scale[s.index()] = self.scales[self.slot_ranges[s.index()].clone()].iter().fold(0f32, |m, &x| m.max(x));
        }
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

/// One bit per season (spring 1, summer 2, autumn 4, winter 8); 0 for all-season.
pub use outfit_catalogue::styling::season_bit;

/// Which rows may be returned.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// Bitmask of allowed age groups (bit `AgeGroup::index()`); `None` = any. Items of unknown age always pass.
    pub age_mask: Option<u8>,
    /// Bitmask of allowed seasons of wear ([`season_bit`]); `None` = any. All-season items always pass.
    pub season_mask: Option<u8>,
    /// Allowed gender bits (girls 1, boys 2); `None` = any. Unisex items fit both, unknown ones always pass.
    pub gender_mask: Option<u8>,
    /// Allowed occasion bits (`Occasion::bit`); `None` = any. Items of unknown occasion always pass.
    pub occasion_mask: Option<u8>,
    /// Only this catalogue's rows; `None` = every catalogue in the index.
    pub catalogue: Option<u32>,
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
        m.passes(self) && self.brands.as_ref().is_none_or(|b| b.contains(&m.brand)) && !self.exclude_rows.contains(&(row as u32))
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
    /// "CPU" or "GPU".
    pub kind: &'static str,
    /// The adapter's name and API, or the CPU's thread count and kernel.
    pub device: String,
    /// Why this backend was chosen, when the choice was not obvious ("software adapter llvmpipe: CPU is faster").
    pub reason: Option<String>,
}

impl std::fmt::Display for BackendInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.kind, self.device)?;
        if let Some(r) = &self.reason {
            write!(f, ": {r}")?;
        }
        Ok(())
    }
}

/// Ranks index rows against query vectors. Implementations return identical hits (to 1e-4 in score).
///
/// Calls may block for the duration of the ranking (a GPU backend waits for its device): call from a worker
/// thread, never the UI thread.
pub trait Scorer: Send + Sync {
    fn backend(&self) -> BackendInfo;
    /// One hit list per query, best first, at most `k` each. A scorer outside this crate says what failed with
    /// [`ScoreError::Scorer`].
    fn top_k(&self, index: &EmbeddingIndex, queries: &[Query]) -> Result<Vec<Vec<Hit>>>;
}

/// The plain CPU scorer.
pub fn default_scorer() -> Box<dyn Scorer> {
    Box::new(cpu::CpuScorer::new())
}

/// Which backend to use: the `OUTFIT_STUDIO_SCORER` environment variable or a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScorerChoice {
    /// A real GPU when there is one, else the CPU.
    #[default]
    Auto,
    Cpu,
    /// The GPU backend even on a software adapter (lavapipe, llvmpipe); an error when there is no adapter.
    Gpu,
}

/// Environment variable naming the backend: `cpu`, `gpu` or `auto`.
pub const SCORER_ENV: &str = "OUTFIT_STUDIO_SCORER";

impl ScorerChoice {
    pub fn parse(s: &str) -> Option<ScorerChoice> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Some(ScorerChoice::Auto),
            "cpu" => Some(ScorerChoice::Cpu),
            "gpu" | "wgpu" => Some(ScorerChoice::Gpu),
            _ => None,
        }
    }
    /// From `OUTFIT_STUDIO_SCORER`; unset means auto, an unknown value is an error.
    pub fn from_env() -> Result<ScorerChoice> {
        match std::env::var(SCORER_ENV) {
            Ok(v) => ScorerChoice::parse(&v).ok_or(ScoreError::UnknownChoice(v)),
            Err(_) => Ok(ScorerChoice::Auto),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ScorerChoice::Auto => "auto",
            ScorerChoice::Cpu => "cpu",
            ScorerChoice::Gpu => "gpu",
        }
    }
}

/// Picks a backend now (probing GPU adapters for auto and gpu). `gpu_options` chooses the wgpu backends to
/// probe (tests pass one that is absent to simulate a machine without an adapter).
///
/// - `Cpu`: the CPU.
/// - `Auto`: the GPU when the adapter is a real GPU (discrete or integrated); the CPU, with the reason, when
///   there is no adapter or only a software one (device type Cpu: lavapipe, llvmpipe, which are slower).
/// - `Gpu`: the GPU on any adapter, software included; an error when there is none.
pub fn select_scorer_with(choice: ScorerChoice, gpu_options: &gpu::GpuOptions) -> Result<Box<dyn Scorer>> {
    match choice {
        ScorerChoice::Cpu => Ok(Box::new(cpu::CpuScorer::with_reason(format!("chosen by {SCORER_ENV}=cpu or the settings")))),
        ScorerChoice::Gpu => {
            let adapter = gpu::probe(gpu_options).map_err(|e| ScoreError::GpuForced { reason: Box::new(e) })?;
            Ok(Box::new(
                gpu::GpuScorer::from_adapter(adapter, gpu_options)?.with_reason(format!("forced by {SCORER_ENV}=gpu or the settings")),
            ))
        }
        ScorerChoice::Auto => {
            let adapter = match gpu::probe(gpu_options) {
                Ok(a) => a,
                Err(e) => return Ok(Box::new(cpu::CpuScorer::with_reason(format!("{e}")))),
            };
            let info = adapter.info();
            match info.device_type {
                wgpu::DeviceType::DiscreteGpu | wgpu::DeviceType::IntegratedGpu => match gpu::GpuScorer::from_adapter(adapter, gpu_options)
                {
                    Ok(s) => Ok(Box::new(s.with_reason("a real GPU adapter is present"))),
                    Err(e) => Ok(Box::new(cpu::CpuScorer::with_reason(format!("GPU {} unusable: {e:#}", info.name)))),
                },
                wgpu::DeviceType::Cpu => {
                    Ok(Box::new(cpu::CpuScorer::with_reason(format!("software adapter {}: CPU is faster", info.name))))
                }
                other => Ok(Box::new(cpu::CpuScorer::with_reason(format!(
                    "adapter {} is a {other:?} device, not a GPU: CPU is faster",
                    info.name
                )))),
            }
        }
    }
}

/// The scorer the app uses, per `OUTFIT_STUDIO_SCORER` (auto by default); see [`select_scorer_with`].
///
/// Probing adapters takes a moment, so the choice is made on first use (the first ranking or `backend()`),
/// once per process, and shared by every engine. A forced `gpu` with no adapter, or an unknown value, falls back
/// to the CPU with the error as the reason (and a warning in the log); [`try_select_scorer`] returns it instead.
pub fn select_scorer() -> Box<dyn Scorer> {
    Box::new(LazyScorer { cell: std::sync::OnceLock::new() })
}

/// The scorer for a process that ranks once (the CLI's `complete`): under `auto`, the CPU without probing, since
/// setting up a GPU device and uploading the index (tens to hundreds of milliseconds) costs more than one CPU scan
/// (a few); `cpu` and `gpu` are obeyed as ever.
pub fn one_shot_scorer() -> Box<dyn Scorer> {
    match ScorerChoice::from_env() {
        Ok(ScorerChoice::Auto) => Box::new(cpu::CpuScorer::with_reason(format!(
            "one ranking in this process: a GPU's setup and upload would cost more than the scan ({SCORER_ENV}=gpu to use one)"
        ))),
        _ => select_scorer(),
    }
}

/// The scorer for a stylist's choice in the settings, for work that opens its own engine (look generation, the
/// review queue): `auto` shares the process's one probe ([`select_scorer`]); `cpu` and `gpu` are obeyed, and a
/// `gpu` without an adapter ranks on the CPU with the error as its reason.
pub fn scorer_for(choice: ScorerChoice) -> Box<dyn Scorer> {
    match choice {
        ScorerChoice::Auto => select_scorer(),
        c => select_scorer_with(c, &gpu::GpuOptions::default())
            .unwrap_or_else(|e| Box::new(cpu::CpuScorer::with_reason(format!("{e:#}; using the CPU")))),
    }
}

/// Like [`select_scorer`], choosing now and failing clearly when `gpu` is forced without an adapter.
pub fn try_select_scorer() -> Result<Box<dyn Scorer>> {
    select_scorer_with(ScorerChoice::from_env()?, &gpu::GpuOptions::default())
}

/// The process-wide selection per `OUTFIT_STUDIO_SCORER`, made once.
fn shared_scorer() -> std::sync::Arc<dyn Scorer> {
    static SHARED: std::sync::OnceLock<std::sync::Arc<dyn Scorer>> = std::sync::OnceLock::new();
    SHARED
        .get_or_init(|| match try_select_scorer() {
            Ok(s) => {
                tracing::info!("scorer: {}", s.backend());
                std::sync::Arc::from(s)
            }
            Err(e) => {
                tracing::warn!("scorer: {e:#}; using the CPU");
                std::sync::Arc::new(cpu::CpuScorer::with_reason(format!("{e:#}")))
            }
        })
        .clone()
}

struct LazyScorer {
    cell: std::sync::OnceLock<std::sync::Arc<dyn Scorer>>,
}

impl LazyScorer {
    fn inner(&self) -> &dyn Scorer {
        self.cell.get_or_init(shared_scorer).as_ref()
    }
}

impl Scorer for LazyScorer {
    fn backend(&self) -> BackendInfo {
        self.inner().backend()
    }
    fn top_k(&self, index: &EmbeddingIndex, queries: &[Query]) -> Result<Vec<Vec<Hit>>> {
        self.inner().top_k(index, queries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gender_occasion_and_catalogue_filters_let_unknowns_through() {
        use outfit_catalogue::Occasion;
        use outfit_catalogue::styling::{BOYS, GIRLS};
        let meta = |gender: u8, occasion: u8, catalogue: u32| RowMeta {
            age_bit: 0,
            seasons: 0,
            gender,
            occasion,
            in_stock: true,
            price: 10.0,
            brand: 0,
            catalogue,
        };
        let boys = Filter { gender_mask: Some(BOYS), ..Default::default() };
        assert!(meta(BOYS, 0, 0).passes(&boys) && meta(GIRLS | BOYS, 0, 0).passes(&boys) && meta(0, 0, 0).passes(&boys));
        assert!(!meta(GIRLS, 0, 0).passes(&boys), "a girls' item never fits a boys' board");
        let sporty = Filter { occasion_mask: Some(Occasion::Sporty.goes_with()), ..Default::default() };
        assert!(!meta(0, Occasion::Dressy.bit(), 0).passes(&sporty));
        assert!(meta(0, Occasion::Casual.bit(), 0).passes(&sporty) && meta(0, 0, 0).passes(&sporty));
        let one = Filter { catalogue: Some(3), ..Default::default() };
        assert!(meta(0, 0, 3).passes(&one) && !meta(0, 0, 4).passes(&one) && !meta(0, 0, 0).passes(&one));
        let priced = Filter { min_price: Some(5.0), ..Default::default() };
        assert!(!RowMeta { price: f32::NAN, ..meta(0, 0, 0) }.passes(&priced), "an unknown price fails a price bound");
    }

    fn row(item_id: i64, slot: Slot, vector: &[f32]) -> IndexRow<'_> {
        IndexRow {
            item_id,
            slot,
            age_group: None,
            styling: Styling::default(),
            in_stock: item_id % 2 == 0,
            price: Some(item_id as f64),
            brand: if item_id % 3 == 0 { "a" } else { "b" },
            catalogue: 0,
            vector,
        }
    }

    #[test]
    fn rows_rewritten_in_place_keep_their_int8_copy_and_bounds_in_step() {
        let dim = 5;
        let slots = [Slot::Top, Slot::Top, Slot::Shoes];
        let vectors: Vec<f32> = (0..slots.len() * dim).map(|i| (i as f32 - 6.0) / 9.0).collect();
        let mut ix = EmbeddingIndex::build(dim, (0..3).map(|r| row(r as i64, slots[r], &vectors[r * dim..(r + 1) * dim])).collect());
        // Row 2 (shoes) grows tenfold; the others are left alone.
        ix.update_rows(|r, v| {
            r == 2 && {
                v.iter_mut().for_each(|x| *x *= 10.0);
                true
            }
        });
        let (codes, scales) = int8::quantise(&ix.vectors, dim);
        assert_eq!((ix.codes.clone(), ix.scales.clone()), (codes, scales));
        assert_eq!(ix.slot_max_scale[Slot::Shoes.index()], ix.scales[2]);
        assert_eq!(ix.row(0), &vectors[..dim], "an unchanged row is untouched");
    }

    #[test]
    fn an_index_over_slot_ordered_buffers_compacts_in_place_like_a_sorted_build() {
        let dim = 3;
        let slots = [Slot::Top, Slot::Top, Slot::Bottom, Slot::Shoes, Slot::Shoes, Slot::Bag];
        let vectors: Vec<f32> = (0..slots.len() * dim).map(|i| i as f32 / 7.0).collect();
        // Rows 1 and 3 are dropped (not outfit candidates): the kept rows move down, nothing is copied elsewhere.
        let keep = [0usize, 2, 4, 5];
        let rows = keep.iter().map(|&r| (r, row(r as i64 + 10, slots[r], &[])));
        let packed = IndexBuilder::from_slot_ordered(dim, vectors.clone(), rows).unwrap();
        let built =
            EmbeddingIndex::build(dim, keep.iter().map(|&r| row(r as i64 + 10, slots[r], &vectors[r * dim..(r + 1) * dim])).collect());
        assert_eq!(packed.vectors, built.vectors);
        assert_eq!((&packed.codes, &packed.scales, packed.slot_max_scale), (&built.codes, &built.scales, built.slot_max_scale));
        assert_eq!(packed.item_ids, built.item_ids);
        assert_eq!(packed.meta, built.meta);
        assert_eq!(packed.slot_ranges, built.slot_ranges);
        assert_eq!(packed.brands, built.brands);
        // Rows out of slot order are refused, so the caller sorts instead.
        let backwards = [(0usize, row(1, Slot::Shoes, &[])), (1, row(2, Slot::Top, &[]))];
        assert!(IndexBuilder::from_slot_ordered(dim, vec![0.0; 2 * dim], backwards).is_err());
    }
}
