//! The scorer's shaders and the buffer layouts they share with the Rust side: the filter bits, the `#[repr(C)]`
//! structs the shaders read and write, and the WGSL itself, apart from the device code in `gpu` so the layout
//! is read (and tested) in one place.

use bytemuck::{Pod, Zeroable};

/// The filter's bit layout, defined once: the Rust side packs with these and [`bits::wgsl`] declares the same
/// names as WGSL constants ahead of the shaders, so the two cannot drift apart.
pub(super) mod bits {
    /// `QParams.flags`: which parts of the filter a query sets.
    pub const Q_IN_STOCK: u32 = 1;
    pub const Q_AGE: u32 = 1 << 1;
    pub const Q_MIN_PRICE: u32 = 1 << 2;
    pub const Q_MAX_PRICE: u32 = 1 << 3;
    pub const Q_BRANDS: u32 = 1 << 4;
    pub const Q_SEASON: u32 = 1 << 5;
    pub const Q_GENDER: u32 = 1 << 6;
    pub const Q_OCCASION: u32 = 1 << 7;
    pub const Q_CATALOGUE: u32 = 1 << 8;
    /// `GpuMeta.flags`: the age bit in the low byte, then these.
    pub const ROW_AGE: u32 = 0xff;
    pub const ROW_IN_STOCK: u32 = 1 << 8;
    pub const ROW_PRICE_KNOWN: u32 = 1 << 9;
    pub const ROW_SEASON_SHIFT: u32 = 10;
    pub const ROW_SEASON: u32 = 0xf;
    pub const ROW_GENDER_SHIFT: u32 = 14;
    pub const ROW_GENDER: u32 = 0x3;
    pub const ROW_OCCASION_SHIFT: u32 = 16;
    pub const ROW_OCCASION: u32 = 0xff;
    /// The second mask of a shared `QParams` word (season in `age_mask`, occasion in `style_mask`).
    pub const MASK_HIGH_SHIFT: u32 = 8;

    /// The constants above as WGSL declarations.
    pub fn wgsl() -> String {
        [
            ("Q_IN_STOCK", Q_IN_STOCK),
            ("Q_AGE", Q_AGE),
            ("Q_MIN_PRICE", Q_MIN_PRICE),
            ("Q_MAX_PRICE", Q_MAX_PRICE),
            ("Q_BRANDS", Q_BRANDS),
            ("Q_SEASON", Q_SEASON),
            ("Q_GENDER", Q_GENDER),
            ("Q_OCCASION", Q_OCCASION),
            ("Q_CATALOGUE", Q_CATALOGUE),
            ("ROW_AGE", ROW_AGE),
            ("ROW_IN_STOCK", ROW_IN_STOCK),
            ("ROW_PRICE_KNOWN", ROW_PRICE_KNOWN),
            ("ROW_SEASON_SHIFT", ROW_SEASON_SHIFT),
            ("ROW_SEASON", ROW_SEASON),
            ("ROW_GENDER_SHIFT", ROW_GENDER_SHIFT),
            ("ROW_GENDER", ROW_GENDER),
            ("ROW_OCCASION_SHIFT", ROW_OCCASION_SHIFT),
            ("ROW_OCCASION", ROW_OCCASION),
            ("MASK_HIGH_SHIFT", MASK_HIGH_SHIFT),
        ]
        .iter()
        .map(|(name, v)| format!("const {name}: u32 = {v}u;\n"))
        .collect()
    }
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub(super) struct GpuMeta {
    /// Age bit, in stock, price known, seasons of wear, gender, occasion: laid out by [`bits`].
    pub(super) flags: u32,
    pub(super) price: f32,
    pub(super) brand: u32,
    pub(super) catalogue: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable, Default)]
pub(super) struct QParams {
    pub(super) start: u32,
    pub(super) end: u32,
    /// Which parts of the filter are set ([`bits`]'s `Q_*`).
    pub(super) flags: u32,
    /// Age mask in bits 0..8, season mask in bits 8..16.
    pub(super) age_mask: u32,
    pub(super) min_price: f32,
    pub(super) max_price: f32,
    pub(super) brand_off: u32,
    pub(super) excl_off: u32,
    pub(super) excl_len: u32,
    /// Gender mask in bits 0..8, occasion mask in bits 8..16.
    pub(super) style_mask: u32,
    pub(super) catalogue: u32,
    pub(super) _pad: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable, Default)]
pub(super) struct TileInfo {
    pub(super) a: u32,
    pub(super) b: u32,
    pub(super) n_tiles: u32,
    pub(super) group_base: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub(super) struct Globals {
    pub(super) dim4: u32,
    pub(super) k: u32,
    pub(super) chunk_start: u32,
    pub(super) tile_off: u32,
    pub(super) stride: u32,
    pub(super) nq: u32,
    pub(super) _pad: [u32; 2],
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub(super) struct RGlobals {
    pub(super) k: u32,
    pub(super) stride: u32,
    pub(super) nq: u32,
    pub(super) _pad: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub(super) struct Cand {
    pub(super) score: f32,
    pub(super) row: u32,
}

pub(super) const COMMON_WGSL: &str = r#"
const TILE: u32 = 1024u;
const WG: u32 = 256u;
const NONE: u32 = 0xffffffffu;
const WORST: f32 = -3.0e38;

struct Cand { score: f32, row: u32 }

var<workgroup> s_score: array<f32, 1024>;
var<workgroup> s_row: array<u32, 1024>;

fn better(sa: f32, ra: u32, sb: f32, rb: u32) -> bool {
    return sa > sb || (sa == sb && ra < rb);
}

// Bitonic sort of the tile in workgroup memory, best first.
fn sort_tile(li: u32) {
    var size = 2u;
    loop {
        if size > TILE { break; }
        var stride = size / 2u;
        loop {
            if stride == 0u { break; }
            for (var h = 0u; h < 2u; h = h + 1u) {
                let i = li + h * WG;
                let lo = (i / stride) * 2u * stride + (i % stride);
                let hi = lo + stride;
                let s_lo = s_score[lo];
                let r_lo = s_row[lo];
                let s_hi = s_score[hi];
                let r_hi = s_row[hi];
                var swap = false;
                if (lo & size) == 0u {
                    swap = better(s_hi, r_hi, s_lo, r_lo);
                } else {
                    swap = better(s_lo, r_lo, s_hi, r_hi);
                }
                if swap {
                    s_score[lo] = s_hi;
                    s_row[lo] = r_hi;
                    s_score[hi] = s_lo;
                    s_row[hi] = r_lo;
                }
            }
            workgroupBarrier();
            stride = stride / 2u;
        }
        size = size * 2u;
    }
}
"#;

pub(super) const SCORE_WGSL: &str = r#"
struct RowMeta { flags: u32, price: f32, brand: u32, catalogue: u32 }
struct QParams {
    start: u32, end: u32, flags: u32, age_mask: u32,
    min_price: f32, max_price: f32, brand_off: u32, excl_off: u32,
    excl_len: u32, style_mask: u32, catalogue: u32, pad0: u32,
}
struct TileInfo { a: u32, b: u32, n_tiles: u32, group_base: u32 }
struct Globals { dim4: u32, k: u32, chunk_start: u32, tile_off: u32, stride: u32, nq: u32, pad0: u32, pad1: u32 }

@group(0) @binding(0) var<storage, read> emb: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> metas: array<RowMeta>;
@group(0) @binding(2) var<storage, read> queries: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> qparams: array<QParams>;
@group(0) @binding(4) var<storage, read> aux: array<u32>;
@group(0) @binding(5) var<storage, read> tiles: array<TileInfo>;
@group(0) @binding(6) var<storage, read_write> cands: array<Cand>;
@group(0) @binding(7) var<uniform> g: Globals;

fn accepts(p: QParams, row: u32, m: RowMeta) -> bool {
    let low = (1u << MASK_HIGH_SHIFT) - 1u;
    let age = m.flags & ROW_AGE;
    if (p.flags & Q_IN_STOCK) != 0u && (m.flags & ROW_IN_STOCK) == 0u { return false; }
    if (p.flags & Q_AGE) != 0u && age != 0u && (age & p.age_mask & low) == 0u { return false; }
    let season = (m.flags >> ROW_SEASON_SHIFT) & ROW_SEASON;
    if (p.flags & Q_SEASON) != 0u && season != 0u && (season & (p.age_mask >> MASK_HIGH_SHIFT)) == 0u { return false; }
    let gender = (m.flags >> ROW_GENDER_SHIFT) & ROW_GENDER;
    if (p.flags & Q_GENDER) != 0u && gender != 0u && (gender & p.style_mask & low) == 0u { return false; }
    let occasion = (m.flags >> ROW_OCCASION_SHIFT) & ROW_OCCASION;
    if (p.flags & Q_OCCASION) != 0u && occasion != 0u && (occasion & (p.style_mask >> MASK_HIGH_SHIFT)) == 0u { return false; }
    if (p.flags & Q_CATALOGUE) != 0u && m.catalogue != p.catalogue { return false; }
    let known = (m.flags & ROW_PRICE_KNOWN) != 0u;
    if (p.flags & Q_MIN_PRICE) != 0u && (!known || m.price < p.min_price) { return false; }
    if (p.flags & Q_MAX_PRICE) != 0u && (!known || m.price > p.max_price) { return false; }
    if (p.flags & Q_BRANDS) != 0u {
        let w = aux[p.brand_off + m.brand / 32u];
        if ((w >> (m.brand % 32u)) & 1u) == 0u { return false; }
    }
    // Exclusions: binary search in the query's sorted list.
    var lo = 0u;
    var hi = p.excl_len;
    loop {
        if lo >= hi { break; }
        let mid = (lo + hi) / 2u;
        let v = aux[p.excl_off + mid];
        if v == row { return false; }
        if v < row { lo = mid + 1u; } else { hi = mid; }
    }
    return true;
}

@compute @workgroup_size(256)
fn score_tiles(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let q = wg.y;
    let t = tiles[g.tile_off + q];
    let p = qparams[q];
    let live = wg.x < t.n_tiles;
    let first = t.a + wg.x * TILE;
    for (var h = 0u; h < 4u; h = h + 1u) {
        let slot = li + h * WG;
        let row = first + slot;
        var s = WORST;
        var r = NONE;
        if live && row < t.b {
            let local = row - g.chunk_start;
            if accepts(p, row, metas[local]) {
                var acc = vec4<f32>(0.0);
                let eb = local * g.dim4;
                let qb = q * g.dim4;
                for (var d = 0u; d < g.dim4; d = d + 1u) {
                    acc = fma(emb[eb + d], queries[qb + d], acc);
                }
                s = (acc.x + acc.y) + (acc.z + acc.w);
                r = row;
            }
        }
        s_score[slot] = s;
        s_row[slot] = r;
    }
    workgroupBarrier();
    sort_tile(li);
    if live {
        let out_base = q * g.stride + (t.group_base + wg.x) * g.k;
        for (var j = li; j < g.k; j = j + WG) {
            cands[out_base + j] = Cand(s_score[j], s_row[j]);
        }
    }
}
"#;

pub(super) const REDUCE_WGSL: &str = r#"
struct RGlobals { k: u32, stride: u32, nq: u32, pad0: u32 }

@group(0) @binding(0) var<storage, read> src: array<Cand>;
@group(0) @binding(1) var<storage, read_write> dst: array<Cand>;
@group(0) @binding(2) var<storage, read> counts: array<u32>;
@group(0) @binding(3) var<uniform> rg: RGlobals;

@compute @workgroup_size(256)
fn reduce(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let q = wg.y;
    let n = counts[q] * rg.k;
    let first = wg.x * TILE;
    for (var h = 0u; h < 4u; h = h + 1u) {
        let slot = li + h * WG;
        let idx = first + slot;
        var s = WORST;
        var r = NONE;
        if idx < n {
            let c = src[q * rg.stride + idx];
            s = c.score;
            r = c.row;
        }
        s_score[slot] = s;
        s_row[slot] = r;
    }
    workgroupBarrier();
    sort_tile(li);
    let groups_out = max(1u, (n + TILE - 1u) / TILE);
    if wg.x < groups_out {
        let out_base = q * rg.stride + wg.x * rg.k;
        for (var j = li; j < rg.k; j = j + WG) {
            dst[out_base + j] = Cand(s_score[j], s_row[j]);
        }
    }
}
"#;

pub(super) fn gpu_meta(m: &crate::RowMeta) -> GpuMeta {
    GpuMeta {
        flags: (m.age_bit as u32 & bits::ROW_AGE)
            | if m.in_stock { bits::ROW_IN_STOCK } else { 0 }
            | if m.price.is_nan() { 0 } else { bits::ROW_PRICE_KNOWN }
            | (m.seasons as u32 & bits::ROW_SEASON) << bits::ROW_SEASON_SHIFT
            | (m.gender as u32 & bits::ROW_GENDER) << bits::ROW_GENDER_SHIFT
            | (m.occasion as u32 & bits::ROW_OCCASION) << bits::ROW_OCCASION_SHIFT,
        price: if m.price.is_nan() { 0.0 } else { m.price },
        brand: m.brand,
        catalogue: m.catalogue,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shaders, with the filter constants ahead of them, parse and validate without any adapter (CI machines
    /// without lavapipe still catch a constant the WGSL names but `bits` does not declare).
    #[test]
    fn the_shaders_parse_with_the_shared_filter_constants() {
        for (name, src) in [("score", SCORE_WGSL), ("reduce", REDUCE_WGSL)] {
            let full = format!("{}\n{COMMON_WGSL}\n{src}", bits::wgsl());
            let module = wgpu::naga::front::wgsl::parse_str(&full).unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string(&full)));
            wgpu::naga::valid::Validator::new(Default::default(), wgpu::naga::valid::Capabilities::all())
                .validate(&module)
                .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        }
        assert!(!SCORE_WGSL.contains("& 256u") && SCORE_WGSL.contains("Q_CATALOGUE"), "the WGSL names its flags");
    }

    #[test]
    fn row_flags_round_trip_through_the_layout() {
        let m = crate::RowMeta {
            age_bit: 1 << 3,
            in_stock: true,
            price: 9.5,
            seasons: 0b1010,
            gender: 2,
            occasion: 0x81,
            brand: 0,
            catalogue: 1,
        };
        let f = gpu_meta(&m).flags;
        assert_eq!(f & bits::ROW_AGE, 1 << 3);
        assert_ne!(f & bits::ROW_IN_STOCK, 0);
        assert_ne!(f & bits::ROW_PRICE_KNOWN, 0);
        assert_eq!((f >> bits::ROW_SEASON_SHIFT) & bits::ROW_SEASON, 0b1010);
        assert_eq!((f >> bits::ROW_GENDER_SHIFT) & bits::ROW_GENDER, 2);
        assert_eq!((f >> bits::ROW_OCCASION_SHIFT) & bits::ROW_OCCASION, 0x81);
    }
}
