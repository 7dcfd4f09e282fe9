//! CPU scorer: streams the slot's contiguous row range once, a dot product per row (SIMD, rayon over chunks),
//! and checks the filters only for rows that would enter the running top-k, so the matrix is never copied and
//! the per-row metadata is rarely touched.
//!
//! The scan reads the index's int8 copy (a quarter of the f32 bytes: a cold scan costs what it fetches from
//! DRAM), keeps a few times k candidates, and re-scores those in f32. The int8 error bound then proves that no
//! dropped row could enter the top k; when it cannot, that query is ranked again in f32. So the hits and their
//! scores are always the f32 ranking's (the bench counts the fallbacks and the recall of the raw int8 ranking).

use super::{BackendInfo, EmbeddingIndex, Hit, Query, Result, ScoreError, Scorer, hit_order, int8};
use rayon::prelude::*;
use std::ops::Range;

#[derive(Debug, Default)]
pub struct CpuScorer {
    /// Why the CPU was chosen, when a selection made it (shown in the status bar).
    reason: Option<String>,
}

impl CpuScorer {
    pub fn new() -> CpuScorer {
        CpuScorer { reason: None }
    }
    /// A CPU scorer that says why it was chosen over a GPU.
    pub fn with_reason(reason: impl Into<String>) -> CpuScorer {
        CpuScorer { reason: Some(reason.into()) }
    }
}

/// Rows scored per block before the threshold pass.
const BLOCK: usize = 64;
/// Ranges shorter than this are scanned on the calling thread.
const MIN_PARALLEL_ROWS: usize = 8_192;

/// Dot product, portable: sixteen independent accumulators let the compiler vectorise.
#[inline]
fn dot_portable(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 16];
    let ca = a.chunks_exact(16);
    let cb = b.chunks_exact(16);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..16 {
            acc[l] += x[l] * y[l];
        }
    }
    let mut s = 0f32;
    for l in 0..8 {
        acc[l] += acc[l + 8];
    }
    for l in 0..4 {
        acc[l] += acc[l + 4];
    }
    s += (acc[0] + acc[2]) + (acc[1] + acc[3]);
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// Scores `rows` (a row-major block, `dim` floats each) against `q` into `out`.
type BlockKernel = fn(rows: &[f32], dim: usize, q: &[f32], out: &mut [f32]);

fn block_portable(rows: &[f32], dim: usize, q: &[f32], out: &mut [f32]) {
    for (o, r) in out.iter_mut().zip(rows.chunks_exact(dim)) {
        *o = dot_portable(r, q);
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    /// The sum of the sixteen lanes of two accumulators.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn hsum(a0: __m256, a1: __m256) -> f32 {
        let a = _mm256_add_ps(a0, a1);
        let s4 = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
        let s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
        _mm_cvtss_f32(_mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1)))
    }

    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn block(rows: &[f32], dim: usize, q: &[f32], out: &mut [f32]) {
        let d8 = dim / 8 * 8;
        for (o, r) in out.iter_mut().zip(rows.chunks_exact(dim)) {
            let (mut a0, mut a1) = (_mm256_setzero_ps(), _mm256_setzero_ps());
            let mut i = 0;
            // SAFETY: i + 16 <= d8 <= dim = r.len() = q.len() inside the loop; unaligned loads.
            unsafe {
                while i + 16 <= d8 {
                    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(r.as_ptr().add(i)), _mm256_loadu_ps(q.as_ptr().add(i)), a0);
                    a1 = _mm256_fmadd_ps(_mm256_loadu_ps(r.as_ptr().add(i + 8)), _mm256_loadu_ps(q.as_ptr().add(i + 8)), a1);
                    i += 16;
                }
                if i < d8 {
                    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(r.as_ptr().add(i)), _mm256_loadu_ps(q.as_ptr().add(i)), a0);
                    i += 8;
                }
            }
            let mut s = hsum(a0, a1);
            for k in i..dim {
                s += r[k] * q[k];
            }
            *o = s;
        }
    }

    pub fn kernel(rows: &[f32], dim: usize, q: &[f32], out: &mut [f32]) {
        // SAFETY: only selected by `super::kernel()` after runtime detection of AVX2 and FMA.
        // (An eight-rows-at-a-time variant with a horizontal-add tree measured slower on Zen: the vector store
        // of eight scores stalls the scalar loads of the threshold pass.)
        unsafe { block(rows, dim, q, out) }
    }
}

fn kernel() -> (BlockKernel, &'static str) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        return (avx2::kernel, "AVX2");
    }
    (block_portable, "portable SIMD")
}

/// What a scan streams, and whether its candidates are re-scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// f32 rows: exact, four times the bytes of int8.
    F32,
    /// int8 rows, a few times k candidates re-scored in f32, proven equal to the f32 ranking by the int8 error
    /// bound or else ranked again in f32 (what the scorer uses).
    Int8Rescored,
    /// int8 rows and int8 scores: what the re-scoring buys is measured against this.
    Int8,
}

/// The row kernel a scan runs.
#[derive(Clone, Copy)]
enum Kernel {
    F32(BlockKernel),
    Int8(int8::Kernel),
}

/// Candidates kept per query by an int8 scan before re-scoring: enough that the error bound nearly always proves
/// the re-scored top k exact, few enough that re-scoring (a random f32 row read each) stays cheap.
fn candidates(k: usize) -> usize {
    k.saturating_mul(2).saturating_add(32)
}

/// The filter in a form cheap to test per candidate: brand set as a bitset, exclusions sorted.
pub struct CompiledFilter<'a> {
    f: &'a super::Filter,
    brand_bits: Option<Vec<u64>>,
    exclude: Vec<u32>,
}

impl<'a> CompiledFilter<'a> {
    pub fn new(f: &'a super::Filter, n_brands: usize) -> Self {
        let brand_bits = f.brands.as_ref().map(|bs| {
            let mut bits = vec![0u64; n_brands.div_ceil(64).max(1)];
            for &b in bs {
                if (b as usize) < n_brands {
                    bits[b as usize / 64] |= 1 << (b % 64);
                }
            }
            bits
        });
        let mut exclude = f.exclude_rows.clone();
        exclude.sort_unstable();
        exclude.dedup();
        CompiledFilter { f, brand_bits, exclude }
    }

    #[inline]
    pub fn accepts(&self, row: usize, m: &super::RowMeta) -> bool {
        if !m.passes(self.f) {
            return false;
        }
        if let Some(bits) = &self.brand_bits {
            let b = m.brand as usize;
            if b / 64 >= bits.len() || bits[b / 64] & (1 << (b % 64)) == 0 {
                return false;
            }
        }
        self.exclude.binary_search(&(row as u32)).is_err()
    }
}

/// A bounded best-first list; `threshold` is the worst kept score once full.
struct TopK {
    k: usize,
    best: Vec<Hit>,
    threshold: f32,
}

impl TopK {
    fn new(k: usize) -> TopK {
        TopK { k, best: Vec::with_capacity(k.min(4096) + 1), threshold: f32::NEG_INFINITY }
    }
    /// Whether a row with this score could enter (rows arrive in ascending order, so an equal score loses).
    #[inline(always)]
    fn could_enter(&self, score: f32) -> bool {
        self.best.len() < self.k || score > self.threshold
    }
    fn push(&mut self, h: Hit) {
        if self.best.len() < self.k {
            let pos = self.best.partition_point(|b| hit_order(b, &h).is_lt());
            self.best.insert(pos, h);
        } else if hit_order(&h, self.best.last().expect("k > 0")).is_lt() {
            let pos = self.best.partition_point(|b| hit_order(b, &h).is_lt());
            self.best.insert(pos, h);
            self.best.pop();
        }
        if self.best.len() == self.k {
            self.threshold = self.best.last().expect("k > 0").score;
        }
    }
}

/// One query of a group, with what its scan needs.
struct Member<'q> {
    qi: usize,
    query: &'q Query,
    filter: CompiledFilter<'q>,
    /// The query rounded for an int8 scan.
    quant: Option<&'q int8::QuantQuery>,
}

/// Queries that scan the same slot range, scored together so each row is read once.
struct Group<'q> {
    range: Range<usize>,
    members: Vec<Member<'q>>,
}

/// A piece's best rows for one query, and the best score it dropped for lack of room (−∞ when it dropped none).
struct Kept {
    hits: Vec<Hit>,
    dropped: f32,
}

fn scan(index: &EmbeddingIndex, group: &Group<'_>, rows: Range<usize>, kernel: Kernel, keep: fn(usize) -> usize) -> Vec<Kept> {
    let dim = index.dim;
    let mut tops: Vec<TopK> = group.members.iter().map(|m| TopK::new(keep(m.query.k))).collect();
    let mut scores = [0f32; BLOCK];
    let mut start = rows.start;
    while start < rows.end {
        let end = (start + BLOCK).min(rows.end);
        let n = end - start;
        for (m, top) in group.members.iter().zip(tops.iter_mut()) {
            match kernel {
                Kernel::F32(f) => f(&index.vectors[start * dim..end * dim], dim, &m.query.vector, &mut scores[..n]),
                Kernel::Int8(f) => {
                    let q = m.quant.expect("an int8 scan is given every query rounded (top_k_stats)");
                    f(&index.codes[start * dim..end * dim], &index.scales[start..end], q, &mut scores[..n])
                }
            }
            for (i, &s) in scores[..n].iter().enumerate() {
                if top.could_enter(s) {
                    let row = start + i;
                    if m.filter.accepts(row, &index.meta[row]) {
                        top.push(Hit { row: row as u32, score: s });
                    }
                }
            }
        }
        start = end;
    }
    // A full list dropped nothing better than its worst kept row (rows arrive in order; an equal score loses).
    tops.into_iter()
        .map(|t| {
            let dropped = if t.best.len() == t.k { t.threshold } else { f32::NEG_INFINITY };
            Kept { hits: t.best, dropped }
        })
        .collect()
}

/// Splits a range into pieces for the thread pool (a few per thread, never tiny).
fn pieces(range: Range<usize>) -> Vec<Range<usize>> {
    let len = range.len();
    if len < MIN_PARALLEL_ROWS {
        return vec![range];
    }
    let target = (rayon::current_num_threads() * 4).max(1);
    let size = len.div_ceil(target).max(MIN_PARALLEL_ROWS / 2);
    (range.start..range.end).step_by(size).map(|s| s..(s + size).min(range.end)).collect()
}

/// Validates queries against the index; shared by every backend.
pub fn check_queries(index: &EmbeddingIndex, queries: &[Query]) -> Result<()> {
    for q in queries {
        if q.vector.len() != index.dim && !index.is_empty() {
            return Err(ScoreError::QueryDim { slot: q.slot.as_str(), found: q.vector.len(), dim: index.dim });
        }
    }
    Ok(())
}

/// The CPU ranking, usable by other backends for requests they cannot serve.
pub fn top_k_cpu(index: &EmbeddingIndex, queries: &[Query]) -> Result<Vec<Vec<Hit>>> {
    top_k_with(index, queries, Precision::Int8Rescored)
}

/// The CPU ranking at a chosen precision (the bench compares them).
pub fn top_k_with(index: &EmbeddingIndex, queries: &[Query], precision: Precision) -> Result<Vec<Vec<Hit>>> {
    Ok(top_k_stats(index, queries, precision)?.0)
}

/// What a ranking did besides its hits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanStats {
    /// Queries whose int8 candidates could not be proven to hold the f32 top k, and were ranked again in f32.
    pub fallbacks: usize,
}

/// Rows each query's scan kept, merged over the pieces: per query, its hits and the best score dropped. An int8
/// scan takes each query rounded (`quants`, one per query).
fn scan_queries<'q>(
    index: &EmbeddingIndex,
    queries: &'q [Query],
    quants: Option<&'q [int8::QuantQuery]>,
    kernel: Kernel,
    keep: fn(usize) -> usize,
) -> Vec<Kept> {
    let mut groups: Vec<Group<'_>> = Vec::new();
    for (qi, q) in queries.iter().enumerate() {
        let range = index.slot_ranges[q.slot.index()].clone();
        if q.k == 0 || range.is_empty() {
            continue;
        }
        let quant = quants.map(|qs| &qs[qi]);
        let m = Member { qi, query: q, filter: CompiledFilter::new(&q.filter, index.brands.len()), quant };
        match groups.iter_mut().find(|g| g.range == range) {
            Some(g) => g.members.push(m),
            None => groups.push(Group { range, members: vec![m] }),
        }
    }
    let tasks: Vec<(usize, Range<usize>)> =
        groups.iter().enumerate().flat_map(|(gi, g)| pieces(g.range.clone()).into_iter().map(move |p| (gi, p))).collect();
    let partial: Vec<(usize, Vec<Kept>)> = if tasks.len() == 1 {
        tasks.into_iter().map(|(gi, p)| (gi, scan(index, &groups[gi], p, kernel, keep))).collect()
    } else {
        tasks.into_par_iter().map(|(gi, p)| (gi, scan(index, &groups[gi], p, kernel, keep))).collect()
    };
    let mut out: Vec<Kept> = queries.iter().map(|_| Kept { hits: Vec::new(), dropped: f32::NEG_INFINITY }).collect();
    for (gi, lists) in partial {
        for (m, kept) in groups[gi].members.iter().zip(lists) {
            let o = &mut out[m.qi];
            o.hits.extend(kept.hits);
            o.dropped = o.dropped.max(kept.dropped);
        }
    }
    out
}

/// The CPU ranking at a chosen precision, and how often the int8 scan had to fall back to f32.
pub fn top_k_stats(index: &EmbeddingIndex, queries: &[Query], precision: Precision) -> Result<(Vec<Vec<Hit>>, ScanStats)> {
    check_queries(index, queries)?;
    let (scan_kernel, keep): (Kernel, fn(usize) -> usize) = match precision {
        Precision::F32 => (Kernel::F32(kernel().0), |k| k),
        Precision::Int8 => (Kernel::Int8(int8::kernel().0), |k| k),
        Precision::Int8Rescored => (Kernel::Int8(int8::kernel().0), candidates),
    };
    let quants: Option<Vec<int8::QuantQuery>> =
        matches!(scan_kernel, Kernel::Int8(_)).then(|| queries.iter().map(|q| int8::QuantQuery::new(&q.vector)).collect());
    let mut stats = ScanStats::default();
    let mut out = Vec::with_capacity(queries.len());
    let mut again = Vec::new();
    for (qi, (kept, q)) in scan_queries(index, queries, quants.as_deref(), scan_kernel, keep).into_iter().zip(queries).enumerate() {
        let Kept { mut hits, mut dropped } = kept;
        hits.sort_by(hit_order);
        if precision == Precision::Int8Rescored {
            // Only the best candidates over all pieces are re-scored; the rest count as dropped.
            if let Some(h) = hits.get(candidates(q.k)) {
                dropped = dropped.max(h.score);
            }
            hits.truncate(candidates(q.k));
            for h in hits.iter_mut() {
                h.score = dot_portable(index.row(h.row as usize), &q.vector);
            }
            hits.sort_by(hit_order);
            // A dropped row's f32 score is at most its int8 score plus the slot's bound: if the k-th re-scored
            // hit beats that, no dropped row belongs in the top k.
            let quant = &quants.as_ref().expect("an int8 scan rounds every query")[qi];
            let bound = quant.error_bound(index.slot_max_scale[q.slot.index()]);
            let proven = dropped == f32::NEG_INFINITY || hits.get(q.k.saturating_sub(1)).is_some_and(|h| h.score > dropped + bound);
            if !proven {
                again.push(qi);
            }
        }
        hits.truncate(q.k);
        out.push(hits);
    }
    if !again.is_empty() {
        stats.fallbacks = again.len();
        let qs: Vec<Query> = again.iter().map(|&qi| queries[qi].clone()).collect();
        for (qi, kept) in again.into_iter().zip(scan_queries(index, &qs, None, Kernel::F32(kernel().0), |k| k)) {
            let mut hits = kept.hits;
            hits.sort_by(hit_order);
            hits.truncate(queries[qi].k);
            out[qi] = hits;
        }
    }
    Ok((out, stats))
}

impl Scorer for CpuScorer {
    fn backend(&self) -> BackendInfo {
        let n = rayon::current_num_threads();
        BackendInfo {
            kind: "CPU",
            device: format!("{n} thread{}, {} scan re-scored in f32", if n == 1 { "" } else { "s" }, int8::kernel().1),
            reason: self.reason.clone(),
        }
    }

    fn top_k(&self, index: &EmbeddingIndex, queries: &[Query]) -> Result<Vec<Vec<Hit>>> {
        top_k_cpu(index, queries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Filter, IndexRow, Styling};
    use outfit_catalogue::Slot;

    #[test]
    fn kernels_agree_with_a_plain_dot() {
        for dim in [1usize, 7, 8, 15, 16, 17, 24, 64, 100] {
            let n = 21;
            let rows: Vec<f32> = (0..dim * n).map(|i| ((i * 37 % 23) as f32 - 11.0) / 7.0).collect();
            let q: Vec<f32> = (0..dim).map(|i| ((i * 13 % 17) as f32 - 8.0) / 5.0).collect();
            let mut a = vec![0f32; n];
            let mut b = vec![0f32; n];
            block_portable(&rows, dim, &q, &mut a);
            (kernel().0)(&rows, dim, &q, &mut b);
            for r in 0..n {
                let plain: f32 = rows[r * dim..(r + 1) * dim].iter().zip(&q).map(|(x, y)| x * y).sum();
                assert!((a[r] - plain).abs() < 1e-4 && (b[r] - plain).abs() < 1e-4, "dim {dim}: {} {} {plain}", a[r], b[r]);
            }
        }
    }

    /// Rows whose scores crowd together (every row near one direction) are where int8 rounding reorders the top k.
    fn crowded(n: usize, dim: usize, spread: f32) -> (EmbeddingIndex, Vec<f32>) {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        };
        let vectors: Vec<f32> = (0..n * dim).map(|i| if i % dim == 0 { 1.0 } else { spread * rnd() }).collect();
        let rows = (0..n)
            .map(|r| IndexRow {
                item_id: r as i64 + 1,
                slot: Slot::Top,
                age_group: None,
                styling: Styling::default(),
                in_stock: r % 3 != 0,
                price: Some(10.0),
                brand: "b",
                catalogue: 0,
                vector: &vectors[r * dim..(r + 1) * dim],
            })
            .collect();
        let index = EmbeddingIndex::build(dim, rows);
        let q: Vec<f32> = (0..dim).map(|_| rnd()).collect();
        (index, q)
    }

    #[test]
    fn the_int8_scan_returns_the_f32_ranking_and_falls_back_when_it_cannot_prove_it() {
        for (spread, n) in [(0.5f32, 20_000usize), (1e-3, 5_000)] {
            let (index, q) = crowded(n, 48, spread);
            let query = Query { slot: Slot::Top, vector: q, filter: Filter { in_stock_only: true, ..Default::default() }, k: 20 };
            let exact = top_k_with(&index, std::slice::from_ref(&query), Precision::F32).unwrap();
            let (hits, stats) = top_k_stats(&index, std::slice::from_ref(&query), Precision::Int8Rescored).unwrap();
            let rows = |h: &[Hit]| h.iter().map(|h| h.row).collect::<Vec<_>>();
            assert_eq!(rows(&hits[0]), rows(&exact[0]), "spread {spread}");
            assert!(hits[0].iter().all(|h| index.meta[h.row as usize].in_stock));
            if spread < 0.01 {
                // Scores closer together than int8 can tell apart: the bound cannot prove the candidates, so f32 ranks.
                assert_eq!(stats.fallbacks, 1, "spread {spread}");
                let raw = top_k_with(&index, std::slice::from_ref(&query), Precision::Int8).unwrap();
                assert_ne!(rows(&raw[0]), rows(&exact[0]), "int8 scores alone misorder crowded rows");
            } else {
                assert_eq!(stats.fallbacks, 0, "spread {spread}: well-separated scores are proven without f32");
            }
        }
    }
}
