//! The int8 copy of the index the CPU scan streams: one signed byte a value and one f32 scale a row, a quarter of
//! the f32 rows' bytes. A cold scan is bound by the bytes it fetches from DRAM, so this is what makes it fast.
//!
//! The query is rounded to i16, so a row's dot product is integer maths (`vpmaddwd`: sixteen products a
//! step). Each approximate score is within a known bound of the f32 one ([`QuantQuery::error_bound`]), which lets
//! the scan prove its re-scored top-k equal to the f32 ranking, and fall back to an f32 scan when it cannot.

/// Quantises one row into `codes` and returns its scale: `x ≈ scale · code`, codes in -127..=127.
pub fn quantise_row(row: &[f32], codes: &mut [i8]) -> f32 {
    let max = row.iter().fold(0f32, |m, x| m.max(x.abs()));
    if max == 0.0 || !row.iter().all(|x| x.is_finite()) {
        codes.fill(0);
        // A non-finite row scores NaN in f32; scale 0 keeps it out of the approximate ranking instead.
        return 0.0;
    }
    let inv = 127.0 / max;
    for (c, &x) in codes.iter_mut().zip(row) {
        // Half away from zero, as `round`, without its libm call (so the loop vectorises); |x · inv| <= 127.
        let v = x * inv;
        *c = (v + 0.5f32.copysign(v)) as i8;
    }
    max / 127.0
}

/// Quantises a row-major matrix (`dim` values a row) into codes and per-row scales.
pub fn quantise(vectors: &[f32], dim: usize) -> (Vec<i8>, Vec<f32>) {
    let mut codes = vec![0i8; vectors.len()];
    let scales = vectors.chunks_exact(dim.max(1)).zip(codes.chunks_exact_mut(dim.max(1))).map(|(r, c)| quantise_row(r, c)).collect();
    (codes, scales)
}

/// A query rounded to i16, with what turns an integer dot product back into a score.
pub struct QuantQuery {
    pub values: Vec<i16>,
    /// Multiplies `scale_row · Σ code · value` into the score's units.
    pub inv_scale: f32,
    /// Half of (‖q‖₁ + 127 · dim / query scale): a row's approximate score is within `scale_row ·` this of its
    /// f32 score (see [`QuantQuery::error_bound`]).
    half_l1: f32,
}

impl QuantQuery {
    /// Rounds `q` to i16 with a scale chosen so that no row's integer dot product can overflow i32.
    pub fn new(q: &[f32]) -> QuantQuery {
        let dim = q.len().max(1);
        let max = q.iter().fold(0f32, |m, x| m.max(x.abs()));
        // |Σ code · value| ≤ dim · 127 · limit < 2^31.
        let limit = (i32::MAX as f32 / (127.0 * dim as f32)).floor().min(i16::MAX as f32);
        let scale = if max > 0.0 && max.is_finite() { limit / max } else { 1.0 };
        let values: Vec<i16> = q.iter().map(|&x| (x * scale).round().clamp(-limit, limit) as i16).collect();
        let l1: f32 = q.iter().map(|x| x.abs()).sum();
        QuantQuery { values, inv_scale: 1.0 / scale, half_l1: 0.5 * (l1 + 127.0 * dim as f32 / scale) }
    }

    /// How far a row of scale `row_scale` may score from its f32 score. Per value, the row's rounding is at most
    /// half its scale and the query's half a step, so |x·q − s·c·q̂| ≤ (s/2)·|q| + s·127/(2·query scale); the
    /// factor and the constant cover the f32 sums' own rounding.
    pub fn error_bound(&self, row_scale: f32) -> f32 {
        row_scale * self.half_l1 * 1.001 + 1e-6
    }
}

/// Scores int8 rows (`dim` codes each, one scale each) against a quantised query into `out`.
pub type Kernel = fn(codes: &[i8], scales: &[f32], q: &QuantQuery, out: &mut [f32]);

fn kernel_portable(codes: &[i8], scales: &[f32], q: &QuantQuery, out: &mut [f32]) {
    let dim = q.values.len();
    for ((o, r), s) in out.iter_mut().zip(codes.chunks_exact(dim)).zip(scales) {
        let dot: i32 = r.iter().zip(&q.values).map(|(&c, &v)| c as i32 * v as i32).sum();
        *o = dot as f32 * (s * q.inv_scale);
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::QuantQuery;
    use std::arch::x86_64::*;

    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    unsafe fn block(codes: &[i8], scales: &[f32], q: &QuantQuery, out: &mut [f32]) {
        let dim = q.values.len();
        let d16 = dim / 16 * 16;
        let qp = q.values.as_ptr();
        for ((o, r), s) in out.iter_mut().zip(codes.chunks_exact(dim)).zip(scales) {
            let rp = r.as_ptr();
            let (mut a0, mut a1) = (_mm256_setzero_si256(), _mm256_setzero_si256());
            let mut i = 0;
            // SAFETY: i + 16 <= d16 <= dim = r.len() = q.values.len() inside the loops; unaligned loads of 16 codes
            // (16 bytes) and 16 values (32 bytes).
            unsafe {
                while i + 32 <= d16 {
                    let x0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(rp.add(i) as *const __m128i));
                    let x1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(rp.add(i + 16) as *const __m128i));
                    a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(x0, _mm256_loadu_si256(qp.add(i) as *const __m256i)));
                    a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(x1, _mm256_loadu_si256(qp.add(i + 16) as *const __m256i)));
                    i += 32;
                }
                if i < d16 {
                    let x0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(rp.add(i) as *const __m128i));
                    a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(x0, _mm256_loadu_si256(qp.add(i) as *const __m256i)));
                    i += 16;
                }
            }
            let a = _mm256_add_epi32(a0, a1);
            let s4 = _mm_add_epi32(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
            let s2 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0b01_00_11_10));
            let mut dot = _mm_cvtsi128_si32(_mm_add_epi32(s2, _mm_shuffle_epi32(s2, 0b00_00_00_01)));
            dot += r[i..].iter().zip(&q.values[i..]).map(|(&c, &v)| c as i32 * v as i32).sum::<i32>();
            *o = dot as f32 * (s * q.inv_scale);
        }
    }

    /// Eight rows at a time: their sums leave the vector unit together (one `vphaddd` tree and one multiply for
    /// eight scores), where a row at a time spends as long on its horizontal sum as on its 64 products.
    ///
    /// # Safety
    /// The CPU must support AVX2; `dim` must be a multiple of 16.
    #[target_feature(enable = "avx2")]
    unsafe fn block8(codes: &[i8], scales: &[f32], q: &QuantQuery, out: &mut [f32]) {
        let dim = q.values.len();
        let qp = q.values.as_ptr();
        let inv = _mm256_set1_ps(q.inv_scale);
        let full = out.len() / 8 * 8;
        let mut r = 0;
        while r < full {
            let mut acc = [_mm256_setzero_si256(); 8];
            let mut i = 0;
            // SAFETY: rows r..r + 8 are within `codes` (out.len() rows of dim codes), i + 16 <= dim = q.values.len().
            unsafe {
                while i < dim {
                    let y = _mm256_loadu_si256(qp.add(i) as *const __m256i);
                    for (k, a) in acc.iter_mut().enumerate() {
                        let x = _mm256_cvtepi8_epi16(_mm_loadu_si128(codes.as_ptr().add((r + k) * dim + i) as *const __m128i));
                        *a = _mm256_add_epi32(*a, _mm256_madd_epi16(x, y));
                    }
                    i += 16;
                }
            }
            let h01 = _mm256_hadd_epi32(acc[0], acc[1]);
            let h23 = _mm256_hadd_epi32(acc[2], acc[3]);
            let h45 = _mm256_hadd_epi32(acc[4], acc[5]);
            let h67 = _mm256_hadd_epi32(acc[6], acc[7]);
            let h0123 = _mm256_hadd_epi32(h01, h23);
            let h4567 = _mm256_hadd_epi32(h45, h67);
            // Lanes of h0123: rows 0-3 of the low halves, then rows 0-3 of the high halves; the same for 4-7.
            let sums = _mm256_add_epi32(_mm256_permute2x128_si256(h0123, h4567, 0x20), _mm256_permute2x128_si256(h0123, h4567, 0x31));
            // SAFETY: r + 8 <= full <= out.len() = scales.len() here.
            unsafe {
                let s = _mm256_mul_ps(_mm256_loadu_ps(scales.as_ptr().add(r)), inv);
                _mm256_storeu_ps(out.as_mut_ptr().add(r), _mm256_mul_ps(_mm256_cvtepi32_ps(sums), s));
            }
            r += 8;
        }
        if r < out.len() {
            // SAFETY: AVX2 as above.
            unsafe { block(&codes[r * dim..], &scales[r..], q, &mut out[r..]) }
        }
    }

    pub fn kernel(codes: &[i8], scales: &[f32], q: &QuantQuery, out: &mut [f32]) {
        // SAFETY: only selected by `super::kernel()` after runtime detection of AVX2.
        unsafe { if q.values.len().is_multiple_of(16) { block8(codes, scales, q, out) } else { block(codes, scales, q, out) } }
    }
}

/// The fastest kernel this CPU runs, and its name for the status bar.
pub fn kernel() -> (Kernel, &'static str) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        return (avx2::kernel, "AVX2 int8");
    }
    (kernel_portable, "portable int8")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn kernels_agree_and_every_score_is_within_its_bound() {
        for dim in [1usize, 7, 16, 17, 33, 64, 100, 1280] {
            let n = 37;
            let rows: Vec<f32> = (0..dim * n).map(|i| (((i * 37) % 23) as f32 - 11.0) / (3.0 + (i % 5) as f32)).collect();
            let q: Vec<f32> = (0..dim).map(|i| (((i * 13) % 17) as f32 - 8.0) / 5.0).collect();
            let (codes, scales) = quantise(&rows, dim);
            let qq = QuantQuery::new(&q);
            let (mut a, mut b) = (vec![0f32; n], vec![0f32; n]);
            kernel_portable(&codes, &scales, &qq, &mut a);
            (kernel().0)(&codes, &scales, &qq, &mut b);
            for r in 0..n {
                assert_eq!(a[r], b[r], "dim {dim}, row {r}: the SIMD kernel sums the same integers");
                let exact = plain(&rows[r * dim..(r + 1) * dim], &q);
                let bound = qq.error_bound(scales[r]);
                assert!((a[r] - exact).abs() <= bound, "dim {dim}, row {r}: {} vs {exact}, bound {bound}", a[r]);
                // The bound is not vacuous: it is a small part of the score's range.
                let row = &rows[r * dim..(r + 1) * dim];
                let scale = plain(&q, &q).sqrt() * plain(row, row).sqrt();
                assert!(bound <= 0.05 * scale + 1e-6, "dim {dim}, row {r}: bound {bound} against |q||r| {scale}");
            }
        }
    }

    #[test]
    fn zero_and_extreme_rows_quantise_safely() {
        let mut c = [1i8; 4];
        assert_eq!(quantise_row(&[0.0; 4], &mut c), 0.0);
        assert_eq!(c, [0; 4]);
        let s = quantise_row(&[1.0, -1.0, 0.5, 0.0], &mut c);
        assert_eq!(c, [127, -127, 64, 0]);
        assert!((s - 1.0 / 127.0).abs() < 1e-9);
        assert_eq!(quantise_row(&[f32::NAN, 1.0, 0.0, 0.0], &mut c), 0.0, "a row with NaN gets scale 0");
        // A huge query cannot overflow the integer sum.
        let q = QuantQuery::new(&vec![1e30; 4096]);
        assert!(q.values.iter().all(|&v| (v as i64).abs() * 127 * 4096 < i32::MAX as i64));
    }
}
