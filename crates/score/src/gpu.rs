//! GPU scorer: wgpu compute shaders rank the slot's rows and select the top k on the device, so only k hits
//! per query come back.
//!
//! - The index's embeddings (f32, padded to whole `vec4`s) and packed row metadata are uploaded once per
//!   [`EmbeddingIndex::generation`], split into chunks that each fit `max_storage_buffer_binding_size` (or a
//!   smaller cap from [`GpuOptions`], for tests). Each chunk is its own pair of storage buffers. A new
//!   generation over the same rows in the same order (prices, stock, re-encoded items) is written in place, only
//!   the rows whose content hash changed; different rows (items added or removed) are uploaded anew.
//! - Pass 1 (`score_tiles`), one dispatch per chunk: a workgroup takes 1024 consecutive rows of one query's slot
//!   range, evaluates the filter (age, stock, price, brand bitset, sorted exclusions), scores accepted rows
//!   (masked dot product), bitonic-sorts the tile in workgroup memory and writes its best k.
//! - Reduce passes (`reduce`): each workgroup merges 1024 candidates into their best k, until one list of k
//!   per query remains. That list is copied into a small mapped buffer and read back.
//!
//! Ties order by row, as [`hit_order`] does; the CPU re-sorts the k hits with `hit_order` after read-back.
//! Requests the shaders do not cover (k > [`MAX_K`], intermediate buffers beyond the adapter's limits) are
//! ranked on the CPU instead, with the same results.
//!
//! Every call waits for the device (`poll(Wait)`): call it from a worker thread, never the UI thread.

mod shaders;

use super::{BackendInfo, EmbeddingIndex, Hit, Query, Result, ScoreError, Scorer, cpu, hit_order};
use shaders::{COMMON_WGSL, Cand, Globals, GpuMeta, QParams, REDUCE_WGSL, RGlobals, SCORE_WGSL, TileInfo, bits, gpu_meta};
use std::ops::Range;
use std::sync::Mutex;
use wgpu::util::DeviceExt;

const WORKGROUP: u32 = 256;
const TILE: u32 = 1024;
/// Largest k selected on the GPU; larger requests are ranked on the CPU.
pub const MAX_K: usize = 256;
const NONE_ROW: u32 = u32::MAX;

/// How to find and use the GPU.
#[derive(Debug, Clone, Default)]
pub struct GpuOptions {
    /// wgpu backends to probe; `None`: `WGPU_BACKEND` from the environment, else all.
    pub backends: Option<wgpu::Backends>,
    /// Caps one embedding chunk's binding below the adapter's `max_storage_buffer_binding_size` (to test
    /// chunking on a small index).
    pub max_binding_bytes: Option<u64>,
}

/// A found adapter, with the instance that owns it.
pub struct Probed {
    pub instance: wgpu::Instance,
    pub adapter: wgpu::Adapter,
}

impl Probed {
    pub fn info(&self) -> wgpu::AdapterInfo {
        self.adapter.get_info()
    }
}

/// Looks for an adapter (high-performance preference). An error means none is usable.
pub fn probe(opts: &GpuOptions) -> Result<Probed> {
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
    if let Some(b) = opts.backends {
        desc.backends = b;
    }
    let backends = desc.backends;
    let instance = wgpu::Instance::new(desc);
    let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
        power_preference: wgpu::PowerPreference::HighPerformance,
        force_fallback_adapter: false,
        compatible_surface: None,
        apply_limit_buckets: false,
    }))
    .map_err(|e| ScoreError::NoGpu(format!("no GPU adapter found (backends {backends:?}: {e})")))?;
    Ok(Probed { instance, adapter })
}

/// One chunk of the resident index: rows `rows`, their embeddings and metadata.
struct Chunk {
    rows: Range<usize>,
    emb: wgpu::Buffer,
    meta: wgpu::Buffer,
}

struct Resident {
    generation: u64,
    dim: usize,
    dim4: usize,
    chunks: Vec<Chunk>,
    /// Item id and content hash of every resident row: a new index over the same rows in the same order is
    /// updated in place, row by row, instead of re-uploaded.
    item_ids: Vec<i64>,
    row_hashes: Vec<u64>,
}

/// FNV-1a over a row's embedding and filter metadata: which rows changed between two index generations.
fn row_hash(index: &EmbeddingIndex, r: usize) -> u64 {
    let m = &index.meta[r];
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let words = index.row(r).iter().map(|v| v.to_bits()).chain([gpu_meta(m).flags, m.price.to_bits(), m.brand, m.catalogue]);
    for w in words {
        h = (h ^ w as u64).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Scratch buffers reused across calls while big enough.
#[derive(Default)]
struct Scratch {
    cands: Option<[wgpu::Buffer; 2]>,
    cand_bytes: u64,
    readback: Option<wgpu::Buffer>,
    readback_bytes: u64,
}

struct State {
    resident: Option<Resident>,
    scratch: Scratch,
}

pub struct GpuScorer {
    _instance: wgpu::Instance,
    info: wgpu::AdapterInfo,
    device: wgpu::Device,
    queue: wgpu::Queue,
    score_pipeline: wgpu::ComputePipeline,
    reduce_pipeline: wgpu::ComputePipeline,
    /// Largest storage binding the device allows.
    max_binding: u64,
    /// Largest embedding chunk binding (the device limit, or smaller when capped).
    chunk_binding: u64,
    max_workgroups: u32,
    reason: Option<String>,
    state: Mutex<State>,
    uploads: std::sync::atomic::AtomicUsize,
    rows_updated: std::sync::atomic::AtomicUsize,
}

impl std::fmt::Debug for GpuScorer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GpuScorer").field("adapter", &self.info.name).field("backend", &self.info.backend).finish()
    }
}

impl GpuScorer {
    /// Probes for an adapter (any kind, software included) and builds the scorer on it.
    pub fn new(opts: &GpuOptions) -> Result<GpuScorer> {
        GpuScorer::from_adapter(probe(opts)?, opts)
    }

    pub fn from_adapter(probed: Probed, opts: &GpuOptions) -> Result<GpuScorer> {
        let Probed { instance, adapter } = probed;
        let info = adapter.get_info();
        let limits = adapter.limits();
        if limits.max_storage_buffers_per_shader_stage < 7
            || limits.max_compute_invocations_per_workgroup < WORKGROUP
            || limits.max_compute_workgroup_storage_size < 8 * TILE
        {
            return Err(ScoreError::NoGpu(format!("adapter {} lacks the compute limits the scorer needs", info.name)));
        }
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("outfit-studio scorer"),
            required_limits: limits.clone(),
            memory_hints: wgpu::MemoryHints::Performance,
            ..Default::default()
        }))
        .map_err(|e| ScoreError::NoGpu(format!("cannot open a device on {}: {e}", info.name)))?;
        let module = |label: &str, src: &str| {
            device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(label),
                source: wgpu::ShaderSource::Wgsl(format!("{}\n{COMMON_WGSL}\n{src}", bits::wgsl()).into()),
            })
        };
        let pipeline = |label: &str, m: &wgpu::ShaderModule, entry: &str| {
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(label),
                layout: None,
                module: m,
                entry_point: Some(entry),
                compilation_options: Default::default(),
                cache: None,
            })
        };
        let score_module = module("score_tiles", SCORE_WGSL);
        let reduce_module = module("reduce", REDUCE_WGSL);
        let score_pipeline = pipeline("score_tiles", &score_module, "score_tiles");
        let reduce_pipeline = pipeline("reduce", &reduce_module, "reduce");
        let max_binding = limits.max_storage_buffer_binding_size.min(limits.max_buffer_size).min(1 << 30);
        let chunk_binding = opts.max_binding_bytes.map_or(max_binding, |m| m.min(max_binding));
        Ok(GpuScorer {
            _instance: instance,
            info,
            device,
            queue,
            score_pipeline,
            reduce_pipeline,
            max_binding,
            chunk_binding,
            max_workgroups: limits.max_compute_workgroups_per_dimension,
            reason: None,
            state: Mutex::new(State { resident: None, scratch: Scratch::default() }),
            uploads: Default::default(),
            rows_updated: Default::default(),
        })
    }

    /// Says why this backend was chosen, for the status bar.
    pub fn with_reason(mut self, reason: impl Into<String>) -> GpuScorer {
        self.reason = Some(reason.into());
        self
    }

    pub fn adapter_info(&self) -> &wgpu::AdapterInfo {
        &self.info
    }

    /// Number of chunks the resident index is split into (0 before the first upload).
    pub fn chunk_count(&self) -> usize {
        self.state.lock().map(|s| s.resident.as_ref().map_or(0, |r| r.chunks.len())).unwrap_or(0)
    }

    /// Uploads an index now (otherwise the first ranking against it does); a no-op when already resident.
    pub fn upload(&self, index: &EmbeddingIndex) -> Result<()> {
        let mut st = self.state.lock().map_err(|_| poisoned())?;
        self.ensure_resident(&mut st, index)
    }

    fn ensure_resident(&self, st: &mut State, index: &EmbeddingIndex) -> Result<()> {
        if st.resident.as_ref().is_some_and(|r| r.generation == index.generation && r.dim == index.dim) {
            return Ok(());
        }
        if let Some(r) = st.resident.as_mut()
            && r.dim == index.dim
            && r.item_ids == index.item_ids
        {
            self.update_rows(r, index);
            return Ok(());
        }
        st.resident = None; // free the old copy first
        let dim = index.dim;
        let dim4 = dim.div_ceil(4).max(1);
        let row_bytes = (dim4 * 16) as u64;
        let rows_per_chunk = (self.chunk_binding / row_bytes) as usize;
        if rows_per_chunk == 0 {
            return Err(ScoreError::Gpu(format!(
                "one embedding row ({row_bytes} bytes) exceeds the GPU's storage binding limit ({} bytes)",
                self.chunk_binding
            )));
        }
        // Keep each dispatch within the workgroup-count limit.
        let rows_per_chunk = rows_per_chunk.min(self.max_workgroups as usize * TILE as usize);
        let mut chunks = Vec::new();
        let mut start = 0;
        while start < index.len() {
            let end = (start + rows_per_chunk).min(index.len());
            let emb_bytes: std::borrow::Cow<[u8]> = if dim4 * 4 == dim {
                bytemuck::cast_slice(&index.vectors[start * dim..end * dim]).into()
            } else {
                let mut padded = vec![0f32; (end - start) * dim4 * 4];
                for (dst, src) in padded.chunks_exact_mut(dim4 * 4).zip(index.vectors[start * dim..end * dim].chunks_exact(dim.max(1))) {
                    dst[..dim].copy_from_slice(src);
                }
                bytemuck::cast_slice(&padded).to_vec().into()
            };
            let meta: Vec<GpuMeta> = index.meta[start..end].iter().map(gpu_meta).collect();
            let emb = self.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("embeddings"),
                contents: &emb_bytes,
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
            });
            let meta = self.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("row meta"),
                contents: bytemuck::cast_slice(&meta),
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
            });
            chunks.push(Chunk { rows: start..end, emb, meta });
            start = end;
        }
        self.queue.submit([]);
        let row_hashes = (0..index.len()).map(|r| row_hash(index, r)).collect();
        st.resident = Some(Resident { generation: index.generation, dim, dim4, chunks, item_ids: index.item_ids.clone(), row_hashes });
        self.uploads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// Writes only the rows whose embedding or metadata changed (a price, a stock flag, a re-encoded item).
    fn update_rows(&self, r: &mut Resident, index: &EmbeddingIndex) {
        let mut changed = 0;
        for chunk in &r.chunks {
            for row in chunk.rows.clone() {
                let h = row_hash(index, row);
                if h == r.row_hashes[row] {
                    continue;
                }
                r.row_hashes[row] = h;
                changed += 1;
                let local = (row - chunk.rows.start) as u64;
                let mut padded = vec![0f32; r.dim4 * 4];
                padded[..r.dim].copy_from_slice(index.row(row));
                self.queue.write_buffer(&chunk.emb, local * (r.dim4 * 16) as u64, bytemuck::cast_slice(&padded));
                let meta = [gpu_meta(&index.meta[row])];
                self.queue.write_buffer(&chunk.meta, local * std::mem::size_of::<GpuMeta>() as u64, bytemuck::cast_slice(&meta));
            }
        }
        self.queue.submit([]);
        r.generation = index.generation;
        self.rows_updated.fetch_add(changed, std::sync::atomic::Ordering::Relaxed);
    }

    /// (full uploads, rows updated in place) so far: how much the incremental path saved.
    pub fn upload_stats(&self) -> (usize, usize) {
        (self.uploads.load(std::sync::atomic::Ordering::Relaxed), self.rows_updated.load(std::sync::atomic::Ordering::Relaxed))
    }

    fn storage(&self, label: &str, bytes: &[u8]) -> wgpu::Buffer {
        let bytes: &[u8] = if bytes.is_empty() { &[0u8; 16] } else { bytes };
        self.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: bytes,
            usage: wgpu::BufferUsages::STORAGE,
        })
    }
    fn uniform(&self, label: &str, bytes: &[u8]) -> wgpu::Buffer {
        self.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: bytes,
            usage: wgpu::BufferUsages::UNIFORM,
        })
    }

    /// Ranks `queries` (all with 0 < k <= MAX_K, non-empty slot ranges, finite price bounds) on the GPU.
    /// `None` when the intermediate buffers would exceed the device's limits.
    ///
    /// Long because it is one command encoder: packing the queries, the score pass, the reduce passes and the
    /// read-back share buffers and sizes that splitting would only pass around.
    fn rank(&self, st: &mut State, index: &EmbeddingIndex, queries: &[&Query]) -> Result<Option<Vec<Vec<Hit>>>> {
        self.ensure_resident(st, index)?;
        let res = st.resident.as_ref().expect("just uploaded");
        let nq = queries.len();
        let k = queries.iter().map(|q| q.k).max().unwrap_or(0) as u32;
        let dim4 = res.dim4;

        // Query vectors, parameters, and aux (brand bitsets, then sorted exclusions).
        let mut qvecs = vec![0f32; nq * dim4 * 4];
        let mut params = Vec::with_capacity(nq);
        let mut aux: Vec<u32> = Vec::new();
        let brand_words = index.brands.len().div_ceil(32).max(1);
        for (i, q) in queries.iter().enumerate() {
            qvecs[i * dim4 * 4..i * dim4 * 4 + res.dim].copy_from_slice(&q.vector);
            let f = &q.filter;
            let range = &index.slot_ranges[q.slot.index()];
            let mut p = QParams { start: range.start as u32, end: range.end as u32, ..Default::default() };
            if f.in_stock_only {
                p.flags |= bits::Q_IN_STOCK;
            }
            if let Some(m) = f.age_mask {
                p.flags |= bits::Q_AGE;
                p.age_mask |= m as u32;
            }
            if let Some(m) = f.season_mask {
                p.flags |= bits::Q_SEASON;
                p.age_mask |= (m as u32) << bits::MASK_HIGH_SHIFT;
            }
            if let Some(m) = f.gender_mask {
                p.flags |= bits::Q_GENDER;
                p.style_mask |= m as u32;
            }
            if let Some(m) = f.occasion_mask {
                p.flags |= bits::Q_OCCASION;
                p.style_mask |= (m as u32) << bits::MASK_HIGH_SHIFT;
            }
            if let Some(c) = f.catalogue {
                p.flags |= bits::Q_CATALOGUE;
                p.catalogue = c;
            }
            if let Some(lo) = f.min_price {
                p.flags |= bits::Q_MIN_PRICE;
                p.min_price = lo;
            }
            if let Some(hi) = f.max_price {
                p.flags |= bits::Q_MAX_PRICE;
                p.max_price = hi;
            }
            if let Some(bs) = &f.brands {
                p.flags |= bits::Q_BRANDS;
                p.brand_off = aux.len() as u32;
                let mut bits = vec![0u32; brand_words];
                for &b in bs {
                    if (b as usize) < index.brands.len() {
                        bits[b as usize / 32] |= 1 << (b % 32);
                    }
                }
                aux.extend(bits);
            }
            let mut excl: Vec<u32> = f.exclude_rows.clone();
            excl.sort_unstable();
            excl.dedup();
            p.excl_off = aux.len() as u32;
            p.excl_len = excl.len() as u32;
            aux.extend(excl);
            params.push(p);
        }

        // Tiles per (chunk, query), and each query's groups in the candidate buffer.
        let mut tiles = vec![TileInfo::default(); res.chunks.len() * nq];
        let mut groups = vec![0u32; nq];
        let mut dispatch_x = vec![0u32; res.chunks.len()];
        for (c, chunk) in res.chunks.iter().enumerate() {
            for (i, q) in queries.iter().enumerate() {
                let range = &index.slot_ranges[q.slot.index()];
                let (a, b) = (range.start.max(chunk.rows.start), range.end.min(chunk.rows.end));
                let n_tiles = if b > a { (b - a).div_ceil(TILE as usize) as u32 } else { 0 };
                tiles[c * nq + i] = TileInfo { a: a as u32, b: b as u32, n_tiles, group_base: groups[i] };
                groups[i] += n_tiles;
                dispatch_x[c] = dispatch_x[c].max(n_tiles);
            }
        }
        let stride = groups.iter().copied().max().unwrap_or(1).max(1) * k;
        let cand_bytes = (nq as u64) * stride as u64 * std::mem::size_of::<Cand>() as u64;
        if cand_bytes > self.max_binding {
            return Ok(None);
        }
        let readback_bytes = (nq as u64) * k as u64 * std::mem::size_of::<Cand>() as u64;
        let scratch = &mut st.scratch;
        if scratch.cands.is_none() || scratch.cand_bytes < cand_bytes {
            let mk = |l| {
                self.device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some(l),
                    size: cand_bytes,
                    usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                    mapped_at_creation: false,
                })
            };
            scratch.cands = Some([mk("candidates a"), mk("candidates b")]);
            scratch.cand_bytes = cand_bytes;
        }
        if scratch.readback.is_none() || scratch.readback_bytes < readback_bytes {
            scratch.readback = Some(self.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("readback"),
                size: readback_bytes,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }));
            scratch.readback_bytes = readback_bytes;
        }
        let cands = scratch.cands.as_ref().expect("allocated");
        let readback = scratch.readback.as_ref().expect("allocated");

        let q_buf = self.storage("queries", bytemuck::cast_slice(&qvecs));
        let p_buf = self.storage("query params", bytemuck::cast_slice(&params));
        let aux_buf = self.storage("filters aux", bytemuck::cast_slice(&aux));
        let t_buf = self.storage("tiles", bytemuck::cast_slice(&tiles));

        let mut enc = self.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("rank") });
        let score_layout = self.score_pipeline.get_bind_group_layout(0);
        {
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("score tiles"), timestamp_writes: None });
            pass.set_pipeline(&self.score_pipeline);
            for (c, chunk) in res.chunks.iter().enumerate() {
                if dispatch_x[c] == 0 {
                    continue;
                }
                let globals = Globals {
                    dim4: dim4 as u32,
                    k,
                    chunk_start: chunk.rows.start as u32,
                    tile_off: (c * nq) as u32,
                    stride,
                    nq: nq as u32,
                    _pad: [0; 2],
                };
                let g_buf = self.uniform("globals", bytemuck::bytes_of(&globals));
                let bg = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("score tiles"),
                    layout: &score_layout,
                    entries: &[
                        wgpu::BindGroupEntry { binding: 0, resource: chunk.emb.as_entire_binding() },
                        wgpu::BindGroupEntry { binding: 1, resource: chunk.meta.as_entire_binding() },
                        wgpu::BindGroupEntry { binding: 2, resource: q_buf.as_entire_binding() },
                        wgpu::BindGroupEntry { binding: 3, resource: p_buf.as_entire_binding() },
                        wgpu::BindGroupEntry { binding: 4, resource: aux_buf.as_entire_binding() },
                        wgpu::BindGroupEntry { binding: 5, resource: t_buf.as_entire_binding() },
                        wgpu::BindGroupEntry { binding: 6, resource: cands[0].as_entire_binding() },
                        wgpu::BindGroupEntry { binding: 7, resource: g_buf.as_entire_binding() },
                    ],
                });
                pass.set_bind_group(0, &bg, &[]);
                pass.dispatch_workgroups(dispatch_x[c], nq as u32, 1);
            }
        }
        // Reduce until one group of k per query remains.
        let reduce_layout = self.reduce_pipeline.get_bind_group_layout(0);
        let rg = RGlobals { k, stride, nq: nq as u32, _pad: 0 };
        let rg_buf = self.uniform("reduce globals", bytemuck::bytes_of(&rg));
        let mut cur = 0usize;
        while groups.iter().any(|&g| g > 1) {
            let counts_buf = self.storage("group counts", bytemuck::cast_slice(&groups));
            let next: Vec<u32> = groups.iter().map(|&g| (g * k).div_ceil(TILE).max(1)).collect();
            let x = next.iter().copied().max().unwrap_or(1);
            let bg = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("reduce"),
                layout: &reduce_layout,
                entries: &[
                    wgpu::BindGroupEntry { binding: 0, resource: cands[cur].as_entire_binding() },
                    wgpu::BindGroupEntry { binding: 1, resource: cands[1 - cur].as_entire_binding() },
                    wgpu::BindGroupEntry { binding: 2, resource: counts_buf.as_entire_binding() },
                    wgpu::BindGroupEntry { binding: 3, resource: rg_buf.as_entire_binding() },
                ],
            });
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("reduce"), timestamp_writes: None });
            pass.set_pipeline(&self.reduce_pipeline);
            pass.set_bind_group(0, &bg, &[]);
            pass.dispatch_workgroups(x, nq as u32, 1);
            drop(pass);
            groups = next;
            cur = 1 - cur;
        }
        let cand_size = std::mem::size_of::<Cand>() as u64;
        for i in 0..nq as u64 {
            enc.copy_buffer_to_buffer(&cands[cur], i * stride as u64 * cand_size, readback, i * k as u64 * cand_size, k as u64 * cand_size);
        }
        let submission = self.queue.submit([enc.finish()]);
        let slice = readback.slice(..readback_bytes);
        let (tx, rx) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        self.device
            .poll(wgpu::PollType::Wait { submission_index: Some(submission), timeout: None })
            .map_err(|e| ScoreError::Gpu(format!("GPU ranking failed: {e}")))?;
        rx.recv()
            .map_err(|_| ScoreError::Gpu("GPU read-back was dropped".into()))?
            .map_err(|e| ScoreError::Gpu(format!("GPU read-back failed: {e}")))?;
        let out = {
            let view = slice.get_mapped_range().map_err(|e| ScoreError::Gpu(format!("GPU read-back failed: {e:?}")))?;
            let all: &[Cand] = bytemuck::cast_slice(&view[..readback_bytes as usize]);
            queries
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    let mut hits: Vec<Hit> = all[i * k as usize..(i + 1) * k as usize]
                        .iter()
                        .filter(|c| c.row != NONE_ROW)
                        .map(|c| Hit { row: c.row, score: c.score })
                        .collect();
                    hits.sort_by(hit_order);
                    hits.truncate(q.k);
                    hits
                })
                .collect()
        };
        readback.unmap();
        Ok(Some(out))
    }
}

impl Scorer for GpuScorer {
    fn backend(&self) -> BackendInfo {
        let kind = match self.info.device_type {
            wgpu::DeviceType::Cpu => "software adapter",
            wgpu::DeviceType::DiscreteGpu => "discrete",
            wgpu::DeviceType::IntegratedGpu => "integrated",
            _ => "other",
        };
        BackendInfo { kind: "GPU", device: format!("{}, {kind}, {}", self.info.name, self.info.backend), reason: self.reason.clone() }
    }

    fn top_k(&self, index: &EmbeddingIndex, queries: &[Query]) -> Result<Vec<Vec<Hit>>> {
        self.rank_queries(index, queries)
    }
}

/// A panic while the state was locked (the scorer cannot trust its buffers).
fn poisoned() -> ScoreError {
    ScoreError::Gpu("GPU scorer state poisoned".into())
}

impl GpuScorer {
    /// [`Scorer::top_k`], typed: the queries the shaders cannot serve go to the CPU.
    fn rank_queries(&self, index: &EmbeddingIndex, queries: &[Query]) -> Result<Vec<Vec<Hit>>> {
        cpu::check_queries(index, queries)?;
        let mut out: Vec<Vec<Hit>> = vec![Vec::new(); queries.len()];
        let mut on_gpu: Vec<usize> = Vec::new();
        let mut on_cpu: Vec<usize> = Vec::new();
        for (i, q) in queries.iter().enumerate() {
            let range = &index.slot_ranges[q.slot.index()];
            let nan_bound = q.filter.min_price.is_some_and(f32::is_nan) || q.filter.max_price.is_some_and(f32::is_nan);
            if q.k == 0 || range.is_empty() || nan_bound || q.filter.brands.as_ref().is_some_and(Vec::is_empty) {
                continue; // nothing can match
            }
            if q.k > MAX_K { on_cpu.push(i) } else { on_gpu.push(i) }
        }
        if !on_gpu.is_empty() {
            let qs: Vec<&Query> = on_gpu.iter().map(|&i| &queries[i]).collect();
            let mut st = self.state.lock().map_err(|_| poisoned())?;
            match self.rank(&mut st, index, &qs)? {
                Some(lists) => {
                    for (i, hits) in on_gpu.iter().zip(lists) {
                        out[*i] = hits;
                    }
                }
                None => on_cpu.extend(on_gpu),
            }
        }
        if !on_cpu.is_empty() {
            let qs: Vec<Query> = on_cpu.iter().map(|&i| queries[i].clone()).collect();
            for (i, hits) in on_cpu.iter().zip(cpu::top_k_cpu(index, &qs)?) {
                out[*i] = hits;
            }
        }
        Ok(out)
    }
}
