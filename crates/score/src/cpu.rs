//! CPU scorer: streams the slot's contiguous row range once, a dot product per row (SIMD, rayon over chunks),
//! and checks the filters only for rows that would enter the running top-k, so the matrix is never copied and
//! the per-row metadata is rarely touched.
//!
//! The scan reads the index's f16 copy (half the bytes: a memory-bound scan is about twice as fast once the
//! slot no longer fits in cache), keeps a few times k candidates, and re-scores those in f32, so the hits and
//! their scores are the f32 ranking's (the bench records the recall of the raw f16 ranking and of this one).

use super::{BackendInfo, EmbeddingIndex, Hit, Query, Result, ScoreError, Scorer, hit_order};
use half::f16;
use half::slice::HalfFloatSliceExt;
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

/// Scores f16 rows against an f32 query.
type HalfKernel = fn(rows: &[f16], dim: usize, q: &[f32], out: &mut [f32]);

fn half_portable(rows: &[f16], dim: usize, q: &[f32], out: &mut [f32]) {
    let mut buf = vec![0f32; dim];
    for (o, r) in out.iter_mut().zip(rows.chunks_exact(dim)) {
        r.convert_to_f32_slice(&mut buf);
        *o = dot_portable(&buf, q);
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::f16;
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

    /// # Safety
    /// The CPU must support AVX2, FMA and F16C.
    #[target_feature(enable = "avx2,fma,f16c")]
    unsafe fn block_half(rows: &[f16], dim: usize, q: &[f32], out: &mut [f32]) {
        let d8 = dim / 8 * 8;
        for (o, r) in out.iter_mut().zip(rows.chunks_exact(dim)) {
            let (mut a0, mut a1) = (_mm256_setzero_ps(), _mm256_setzero_ps());
            let mut i = 0;
            let rp = r.as_ptr() as *const u16;
            // SAFETY: i + 16 <= d8 <= dim = r.len() = q.len() inside the loop; unaligned loads of 8 halves (16 bytes).
            unsafe {
                while i + 16 <= d8 {
                    let x0 = _mm256_cvtph_ps(_mm_loadu_si128(rp.add(i) as *const __m128i));
                    let x1 = _mm256_cvtph_ps(_mm_loadu_si128(rp.add(i + 8) as *const __m128i));
                    a0 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(q.as_ptr().add(i)), a0);
                    a1 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(q.as_ptr().add(i + 8)), a1);
                    i += 16;
                }
                if i < d8 {
                    let x0 = _mm256_cvtph_ps(_mm_loadu_si128(rp.add(i) as *const __m128i));
                    a0 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(q.as_ptr().add(i)), a0);
                    i += 8;
                }
            }
            let mut s = hsum(a0, a1);
            for k in i..dim {
                s += r[k].to_f32() * q[k];
            }
            *o = s;
        }
    }

    pub fn half_kernel(rows: &[super::f16], dim: usize, q: &[f32], out: &mut [f32]) {
        // SAFETY: only selected by `super::half_kernel()` after runtime detection of AVX2, FMA and F16C.
        unsafe { block_half(rows, dim, q, out) }
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

fn half_kernel() -> HalfKernel {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") && std::is_x86_feature_detected!("f16c") {
        return avx2::half_kernel;
    }
    half_portable
}

/// What a scan streams, and whether its candidates are re-scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// f32 rows: exact, twice the bytes of f16.
    F32,
    /// f16 rows, a few times k candidates re-scored in f32: the f32 ranking unless f16 rounding moves a row
    /// across several places (what the scorer uses).
    F16Rescored,
    /// f16 rows and f16 scores: what the re-scoring buys is measured against this.
    F16,
}

/// The row kernel a scan runs.
#[derive(Clone, Copy)]
enum Kernel {
    F32(BlockKernel),
    F16(HalfKernel),
}

/// Candidates kept per query by an f16 scan before re-scoring: enough slack that f16 rounding (relative 2^-11
/// per value) cannot push a true top-k row out.
fn candidates(k: usize) -> usize {
    k.saturating_mul(2).max(k.saturating_add(16))
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

/// Queries that scan the same slot range, scored together so each row is read once.
struct Group<'q> {
    range: Range<usize>,
    queries: Vec<(usize, &'q Query, CompiledFilter<'q>)>,
}

fn scan(index: &EmbeddingIndex, group: &Group<'_>, rows: Range<usize>, kernel: Kernel, keep: fn(usize) -> usize) -> Vec<Vec<Hit>> {
    let dim = index.dim;
    let mut tops: Vec<TopK> = group.queries.iter().map(|(_, q, _)| TopK::new(keep(q.k))).collect();
    let mut scores = [0f32; BLOCK];
    let mut start = rows.start;
    while start < rows.end {
        let end = (start + BLOCK).min(rows.end);
        let n = end - start;
        for ((_, q, filter), top) in group.queries.iter().zip(tops.iter_mut()) {
            match kernel {
                Kernel::F32(f) => f(&index.vectors[start * dim..end * dim], dim, &q.vector, &mut scores[..n]),
                Kernel::F16(f) => f(&index.half[start * dim..end * dim], dim, &q.vector, &mut scores[..n]),
            }
            for (i, &s) in scores[..n].iter().enumerate() {
                if top.could_enter(s) {
                    let row = start + i;
                    if filter.accepts(row, &index.meta[row]) {
                        top.push(Hit { row: row as u32, score: s });
                    }
                }
            }
        }
        start = end;
    }
    tops.into_iter().map(|t| t.best).collect()
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
    top_k_with(index, queries, Precision::F16Rescored)
}

/// The CPU ranking at a chosen precision (the bench compares them).
pub fn top_k_with(index: &EmbeddingIndex, queries: &[Query], precision: Precision) -> Result<Vec<Vec<Hit>>> {
    check_queries(index, queries)?;
    let (kernel, keep): (Kernel, fn(usize) -> usize) = match precision {
        Precision::F32 => (Kernel::F32(kernel().0), |k| k),
        Precision::F16 => (Kernel::F16(half_kernel()), |k| k),
        Precision::F16Rescored => (Kernel::F16(half_kernel()), candidates),
    };
    let mut groups: Vec<Group<'_>> = Vec::new();
    for (qi, q) in queries.iter().enumerate() {
        let range = index.slot_ranges[q.slot.index()].clone();
        if q.k == 0 || range.is_empty() {
            continue;
        }
        let cf = CompiledFilter::new(&q.filter, index.brands.len());
        match groups.iter_mut().find(|g| g.range == range) {
            Some(g) => g.queries.push((qi, q, cf)),
            None => groups.push(Group { range, queries: vec![(qi, q, cf)] }),
        }
    }
    let tasks: Vec<(usize, Range<usize>)> =
        groups.iter().enumerate().flat_map(|(gi, g)| pieces(g.range.clone()).into_iter().map(move |p| (gi, p))).collect();
    let partial: Vec<(usize, Vec<Vec<Hit>>)> = if tasks.len() == 1 {
        tasks.into_iter().map(|(gi, p)| (gi, scan(index, &groups[gi], p, kernel, keep))).collect()
    } else {
        tasks.into_par_iter().map(|(gi, p)| (gi, scan(index, &groups[gi], p, kernel, keep))).collect()
    };
    let mut out: Vec<Vec<Hit>> = vec![Vec::new(); queries.len()];
    for (gi, lists) in partial {
        for ((qi, _, _), hits) in groups[gi].queries.iter().zip(lists) {
            out[*qi].extend(hits);
        }
    }
    for (hits, q) in out.iter_mut().zip(queries) {
        if precision == Precision::F16Rescored {
            for h in hits.iter_mut() {
                h.score = dot_portable(index.row(h.row as usize), &q.vector);
            }
        }
        hits.sort_by(hit_order);
        hits.truncate(q.k);
    }
    Ok(out)
}

impl Scorer for CpuScorer {
    fn backend(&self) -> BackendInfo {
        let n = rayon::current_num_threads();
        BackendInfo {
            kind: "CPU",
            device: format!("{n} thread{}, {}, f16 scan re-scored in f32", if n == 1 { "" } else { "s" }, kernel().1),
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
            let half: Vec<f16> = rows.iter().map(|&x| f16::from_f32(x)).collect();
            let (mut c, mut d) = (vec![0f32; n], vec![0f32; n]);
            half_portable(&half, dim, &q, &mut c);
            half_kernel()(&half, dim, &q, &mut d);
            for r in 0..n {
                let plain: f32 = rows[r * dim..(r + 1) * dim].iter().zip(&q).map(|(x, y)| x * y).sum();
                assert!((a[r] - plain).abs() < 1e-4 && (b[r] - plain).abs() < 1e-4, "dim {dim}: {} {} {plain}", a[r], b[r]);
                let plain_half: f32 = half[r * dim..(r + 1) * dim].iter().zip(&q).map(|(x, y)| x.to_f32() * y).sum();
                assert!(
                    (c[r] - plain_half).abs() < 1e-4 && (d[r] - plain_half).abs() < 1e-4,
                    "f16, dim {dim}: {} {} {plain_half}",
                    c[r],
                    d[r]
                );
            }
        }
    }
}
