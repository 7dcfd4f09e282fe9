//! Thumbnails: decoded off the UI thread on a small pool, cached as small PNGs on disk and as textures in memory
//! (least recently used evicted, by `lru`). Only what the grid asks for (the visible cells) is ever decoded; the request
//! stack is served newest first and trimmed, so fast scrolling never builds a backlog. Each request is a
//! [`Promise`], as all background work is; a request trimmed off the stack reads as lost and may be asked again.

use lru::LruCache;
use outfit_curate::work::{Promise, Resolver, Waker};
use std::collections::HashMap;
use std::collections::HashSet;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};

/// Thumbnail edge in pixels.
pub const THUMB_PX: u32 = 128;
const MAX_QUEUED: usize = 256;

type Decoded = Option<egui::ColorImage>;
/// An image to decode, and where its thumbnail goes.
type Request = (PathBuf, Resolver<Decoded>);

/// The decoders' request stack (served from the top: the newest first) and whether the pool is stopping.
struct Queue {
    jobs: Mutex<(Vec<Request>, bool)>,
    ready: Condvar,
}

pub enum Thumb<'a> {
    Ready(&'a egui::TextureHandle),
    Loading,
    /// No image, or it could not be read.
    Missing,
}

pub struct Thumbnails {
    queue: Arc<Queue>,
    wake: Waker,
    textures: LruCache<i64, egui::TextureHandle>,
    failed: HashSet<i64>,
    pending: HashMap<i64, Promise<Decoded>>,
    workers: Vec<std::thread::JoinHandle<()>>,
}

impl Thumbnails {
    /// `cache_dir`: where small PNGs are kept between runs (`None`: memory only). `threads`: decoder threads.
    pub fn new(ctx: &egui::Context, cache_dir: Option<PathBuf>, threads: usize, capacity: usize) -> Thumbnails {
        let queue = Arc::new(Queue { jobs: Mutex::new((Vec::new(), false)), ready: Condvar::new() });
        if let Some(d) = &cache_dir {
            let _ = std::fs::create_dir_all(d);
        }
        let workers = (0..threads.max(1))
            .map(|n| {
                let (q, dir) = (queue.clone(), cache_dir.clone());
                std::thread::Builder::new()
                    .name(format!("thumbs-{n}"))
                    .spawn(move || worker(&q, dir.as_deref()))
                    .expect("spawn thumbnail thread")
            })
            .collect();
        let textures = LruCache::new(NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN));
        let ctx = ctx.clone();
        let wake: Waker = Arc::new(move || ctx.request_repaint());
        Thumbnails { queue, wake, textures, failed: HashSet::new(), pending: HashMap::new(), workers }
    }

    /// Call once per frame before the grid: uploads what the workers finished (the cache evicts the least recently
    /// shown texture when full).
    pub fn begin_frame(&mut self, ctx: &egui::Context) {
        let mut done = Vec::new();
        for (&id, p) in &mut self.pending {
            if let Some(r) = p.poll() {
                done.push((id, r));
            }
        }
        for (id, r) in done {
            self.pending.remove(&id);
            match r {
                Ok(Some(img)) => {
                    let tex = ctx.load_texture(format!("thumb-{id}"), img, egui::TextureOptions::LINEAR);
                    self.textures.put(id, tex);
                }
                Ok(None) => {
                    self.failed.insert(id);
                }
                // Trimmed off the stack before a decoder took it: asked again if the cell is still shown.
                Err(_) => {}
            }
        }
    }

    /// The thumbnail of an item, requesting it if needed.
    pub fn get(&mut self, item_id: i64, image: Option<&str>) -> Thumb<'_> {
        let Some(path) = image.filter(|p| !p.starts_with("http://") && !p.starts_with("https://")) else { return Thumb::Missing };
        if self.failed.contains(&item_id) {
            return Thumb::Missing;
        }
        if self.textures.contains(&item_id) {
            return self.textures.get(&item_id).map_or(Thumb::Loading, Thumb::Ready);
        }
        if !self.pending.contains_key(&item_id) {
            let (resolver, promise) = Promise::pair(self.wake.clone());
            self.pending.insert(item_id, promise);
            let mut q = self.queue.jobs.lock().expect("thumbnail queue");
            q.0.push((PathBuf::from(path), resolver));
            if q.0.len() > MAX_QUEUED {
                // The oldest requests go; their promises read as lost, and `begin_frame` forgets them.
                let excess = q.0.len() - MAX_QUEUED;
                q.0.drain(..excess);
            }
            self.queue.ready.notify_one();
        }
        Thumb::Loading
    }

    pub fn is_ready(&self, item_id: i64) -> bool {
        self.textures.contains(&item_id)
    }
    pub fn loaded(&self) -> usize {
        self.textures.len()
    }
    pub fn is_idle(&self) -> bool {
        self.pending.is_empty()
    }
}

impl Drop for Thumbnails {
    fn drop(&mut self) {
        if let Ok(mut q) = self.queue.jobs.lock() {
            q.1 = true;
            q.0.clear();
        }
        self.queue.ready.notify_all();
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

fn worker(q: &Queue, cache_dir: Option<&Path>) {
    loop {
        let job = {
            let mut g = q.jobs.lock().expect("thumbnail queue");
            loop {
                if g.1 {
                    return;
                }
                if let Some(j) = g.0.pop() {
                    break j;
                }
                g = q.ready.wait(g).expect("thumbnail queue");
            }
        };
        let (path, resolver) = job;
        resolver.resolve(load_thumb(&path, cache_dir));
    }
}

/// Reads the cached small PNG, or decodes the original, shrinks it and caches it.
fn load_thumb(path: &Path, cache_dir: Option<&Path>) -> Option<egui::ColorImage> {
    let cached = cache_dir.map(|d| {
        let stamp = std::fs::metadata(path).ok().map(|m| format!("{}:{:?}", m.len(), m.modified().ok())).unwrap_or_default();
        // A stable key (sha256, not std's DefaultHasher, whose output may change between Rust releases).
        let key = outfit_paths::stable_key(&[path.to_string_lossy().as_bytes(), stamp.as_bytes(), &THUMB_PX.to_le_bytes()]);
        d.join(format!("{key}.png"))
    });
    let rgba = cached.as_ref().and_then(|c| image::open(c).ok()).map(|i| i.to_rgba8()).or_else(|| {
        let full = outfit_catalogue::images::load_rgba(path).ok()?;
        let small = image::DynamicImage::ImageRgba8(full).thumbnail(THUMB_PX, THUMB_PX).to_rgba8();
        if let Some(c) = &cached {
            let _ = small.save(c);
        }
        Some(small)
    })?;
    let size = [rgba.width() as usize, rgba.height() as usize];
    Some(egui::ColorImage::from_rgba_unmultiplied(size, rgba.as_raw()))
}
