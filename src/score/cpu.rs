//! CPU scorer: a dot product per row of the slot's range, filtered, with a bounded heap per thread.

use super::{BackendInfo, EmbeddingIndex, Hit, Query, Scorer, hit_order};
use rayon::prelude::*;

#[derive(Debug, Default)]
pub struct CpuScorer;

impl CpuScorer {
    pub fn new() -> CpuScorer {
        CpuScorer
    }
}

#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Eight independent accumulators let the compiler vectorise.
    let mut acc = [0f32; 8];
    let chunks = a.len() / 8 * 8;
    for i in (0..chunks).step_by(8) {
        for l in 0..8 {
            acc[l] += a[i + l] * b[i + l];
        }
    }
    let mut s: f32 = acc.iter().sum();
    for i in chunks..a.len() {
        s += a[i] * b[i];
    }
    s
}

fn top_k_range(index: &EmbeddingIndex, q: &Query, rows: std::ops::Range<usize>) -> Vec<Hit> {
    let mut best: Vec<Hit> = Vec::with_capacity(q.k + 1);
    for r in rows {
        if !q.filter.accepts(r, &index.meta[r]) {
            continue;
        }
        let h = Hit { row: r as u32, score: dot(index.row(r), &q.vector) };
        if best.len() < q.k {
            best.push(h);
            if best.len() == q.k {
                best.sort_by(hit_order);
            }
        } else if q.k > 0 && hit_order(&h, best.last().expect("k > 0")).is_lt() {
            let pos = best.partition_point(|b| hit_order(b, &h).is_lt());
            best.insert(pos, h);
            best.pop();
        }
    }
    best.sort_by(hit_order);
    best
}

impl Scorer for CpuScorer {
    fn backend(&self) -> BackendInfo {
        BackendInfo { kind: "CPU", device: format!("{} threads", rayon::current_num_threads()) }
    }

    fn top_k(&self, index: &EmbeddingIndex, queries: &[Query]) -> anyhow::Result<Vec<Vec<Hit>>> {
        Ok(queries
            .iter()
            .map(|q| {
                let range = index.slot_ranges[q.slot.index()].clone();
                let chunk = 16_384;
                let starts: Vec<usize> = range.clone().step_by(chunk).collect();
                let mut hits: Vec<Hit> =
                    starts.into_par_iter().flat_map_iter(|s| top_k_range(index, q, s..(s + chunk).min(range.end))).collect();
                hits.sort_by(hit_order);
                hits.truncate(q.k);
                hits
            })
            .collect())
    }
}
