//! Frozen pretrained encoders through ONNX Runtime: image (EfficientNet-Lite0, 1280-d) and text
//! (all-MiniLM-L6-v2, 384-d). The only module that touches `ort`.

pub mod bench;
mod error;
pub mod feature_cache;
pub mod manifest;
pub mod prebuilt;
pub mod runtime;
pub mod template;

use error::Explain;
pub use error::{EncodeError, Result};
use manifest::{Manifest, check_signature, read_verified};
use ndarray::{Array2, Array4};
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use outfit_catalogue::images;
use outfit_store::{Store, StoredFeatures, StoredItem};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

/// Loaded, verified encoder sessions. `ort` sessions run with `&mut self`: one `Encoders` per worker.
pub struct Encoders {
    pub manifest: Manifest,
    image: Session,
    text: Session,
    tokenizer: tokenizers::Tokenizer,
}

/// One batch made ready for the encoders: decoded, preprocessed pixels and tokenised texts (the CPU work
/// around inference; see [`encode_stream`]).
struct Prepared {
    /// Per item: its image's preprocessed pixels, none (no usable image), or why its image failed to decode.
    pixels: Vec<Result<Option<Vec<f32>>, String>>,
    text: TextBatch,
}

struct TextBatch {
    ids: Array2<i64>,
    mask: Array2<i64>,
}

/// Receives each encoded batch with its items, in order; returns false to stop encoding.
pub type BatchSink<'a> = dyn FnMut(&[StoredItem], Vec<Encoded>) -> Result<bool> + 'a;

/// One item's features from [`encode_stream`].
pub struct Encoded {
    pub image: Option<Vec<f32>>,
    /// Why the item's image could not be decoded (its features are then text-only).
    pub image_error: Option<String>,
    pub text: Vec<f32>,
}

impl Encoders {
    /// Loads both encoders from `models_dir`, verifying checksums and graph signatures against the manifest.
    pub fn load(models_dir: &Path) -> Result<Encoders> {
        Encoders::load_with(models_dir, Manifest::load(models_dir)?)
    }

    /// Loads the encoders a given manifest names (the bench and the int8-vs-fp32 test load the fp32 reference
    /// image model through [`Manifest::with_reference_image`]).
    pub fn load_with(models_dir: &Path, manifest: Manifest) -> Result<Encoders> {
        Encoders::load_tuned(models_dir, manifest, false)
    }

    /// [`Encoders::load_with`], choosing whether idle intra-op threads spin (ORT's default; the bench compares).
    fn load_tuned(models_dir: &Path, manifest: Manifest, spinning: bool) -> Result<Encoders> {
        let env = runtime::environment()?;
        let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let open = |file: &str, sha: &str, what: &str| -> Result<Session> {
            let bytes = read_verified(&models_dir.join(file), sha)?;
            Session::builder(env)
                .and_then(|b| b.with_intra_threads(threads).map_err(Into::into))
                .and_then(|b| b.with_optimization_level(GraphOptimizationLevel::All).map_err(Into::into))
                // Idle intra-op threads sleep instead of spinning: the decoding between runs, and the app's UI thread
                // while a background index runs, get the cores (spinning measured 1.2x slower, `bench --index`).
                .and_then(|b| b.with_intra_op_spinning(spinning).map_err(Into::into))
                .explain(EncodeError::Runtime, || "cannot configure an ONNX Runtime session".into())?
                .commit_from_memory(&bytes)
                .explain(EncodeError::Model, || format!("{what} model {file} is not a loadable ONNX graph"))
        };
        let image = open(&manifest.image.file, &manifest.image.sha256, "image")?;
        check_signature("image", &image, &manifest.image.inputs, &manifest.image.outputs)?;
        let text = open(&manifest.text.file, &manifest.text.sha256, "text")?;
        check_signature("text", &text, &manifest.text.inputs, &manifest.text.outputs)?;
        let tok_bytes = read_verified(&models_dir.join(&manifest.text.tokenizer), &manifest.text.tokenizer_sha256)?;
        let mut tokenizer = tokenizers::Tokenizer::from_bytes(&tok_bytes)
            .explain(EncodeError::Model, || format!("tokenizer {} unreadable", manifest.text.tokenizer))?;
        tokenizer
            .with_truncation(Some(tokenizers::TruncationParams { max_length: manifest.text.max_tokens, ..Default::default() }))
            .explain(EncodeError::Model, || "the tokenizer refuses truncation".into())?;
        tokenizer
            .with_padding(Some(tokenizers::PaddingParams { strategy: tokenizers::PaddingStrategy::BatchLongest, ..Default::default() }));
        Ok(Encoders { manifest, image, text, tokenizer })
    }

    pub fn encoder_key(&self) -> String {
        self.manifest.encoder_key()
    }

    /// Turns an RGBA image into the model's normalised CHW input: pad to a white square, resize, scale.
    pub fn preprocess(&self, img: &image::RgbaImage) -> Vec<f32> {
        preprocess(img, &self.manifest.image.preprocess)
    }

    /// Image embeddings for preprocessed CHW tensors (see [`Encoders::preprocess`]).
    pub fn encode_pixels(&mut self, pixels: &[Vec<f32>]) -> Result<Vec<Vec<f32>>> {
        run_image(&mut self.image, &self.manifest, &pixels.iter().map(Vec::as_slice).collect::<Vec<_>>())
    }

    /// Logits of the image model's ImageNet head (a sanity check that the encoder sees what we see).
    pub fn classify_pixels(&mut self, pixels: &[f32]) -> Result<Vec<f32>> {
        let s = self.manifest.image.preprocess.size as usize;
        let batch = Array4::from_shape_vec((1, 3, s, s), pixels.to_vec())?;
        let input_name = first_input(&self.manifest.image.inputs, "image")?;
        let tensor = ort::value::Tensor::from_array(batch)?;
        let outputs = self.image.run(ort::inputs![input_name => tensor])?;
        let (_, logits) = output(&outputs, "logits", "image")?.try_extract_tensor::<f32>()?;
        Ok(logits.to_vec())
    }

    /// Sentence embeddings (L2-normalised inside the graph).
    pub fn encode_texts(&mut self, texts: &[String]) -> Result<Vec<Vec<f32>>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let batch = tokenize(&self.tokenizer, &self.manifest, texts)?;
        run_text(&mut self.text, &self.manifest, &batch)
    }

    /// Tokenizer ids for a text (with special tokens), for tests against the reference tokenizer.
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>> {
        Ok(self.tokenizer.encode(text, true).explain(EncodeError::Inference, || "tokenizer".into())?.get_ids().to_vec())
    }
}

/// Decodes and preprocesses a batch's images (in parallel) and tokenises its texts.
fn prepare(manifest: &Manifest, tokenizer: &tokenizers::Tokenizer, items: &[StoredItem], parallel: bool) -> Result<Prepared> {
    let pre = &manifest.image.preprocess;
    let one = |it: &StoredItem| match (&it.item.image, it.item.image_status.usable()) {
        (Some(p), true) => images::load_rgba(Path::new(p)).map(|img| Some(preprocess(&img, pre))).map_err(|e| format!("{e:#}")),
        _ => Ok(None),
    };
    let pixels = if parallel { items.par_iter().map(one).collect() } else { items.iter().map(one).collect() };
    let texts: Vec<String> = items.iter().map(|it| item_text(&it.item)).collect();
    Ok(Prepared { pixels, text: tokenize(tokenizer, manifest, &texts)? })
}

/// Runs both encoders on a prepared batch.
fn infer(image: &mut Session, text: &mut Session, manifest: &Manifest, batch: Prepared) -> Result<Vec<Encoded>> {
    let present: Vec<&[f32]> = batch.pixels.iter().filter_map(|p| p.as_ref().ok()?.as_deref()).collect();
    let mut image_vecs =
        run_image(image, manifest, &present).explain(EncodeError::Inference, || "image encoder failed".into())?.into_iter();
    let text_vecs = run_text(text, manifest, &batch.text).explain(EncodeError::Inference, || "text encoder failed".into())?;
    Ok(batch
        .pixels
        .into_iter()
        .zip(text_vecs)
        .map(|(p, text)| match p {
            Ok(Some(_)) => Encoded { image: image_vecs.next(), image_error: None, text },
            Ok(None) => Encoded { image: None, image_error: None, text },
            Err(e) => Encoded { image: None, image_error: Some(e), text },
        })
        .collect())
}

/// Encodes `items` in batches, handing each batch's features to `sink` in order; `sink` returns false to stop.
///
/// A batch's photos are decoded on every core, then both encoders run on every core. Decoding the next batch
/// during inference instead (pipelining) made no consistent difference on two cores (`bench --index`: from 14%
/// faster to 10% slower across runs): decoding is a tenth of the work, and inference leaves no core idle for it.
pub fn encode_stream(enc: &mut Encoders, items: &[StoredItem], batch_size: usize, sink: &mut BatchSink<'_>) -> Result<()> {
    encode_stream_with(enc, items, batch_size, false, sink)
}

/// [`encode_stream`], with the next batch prepared during inference (`overlap`, on one thread beside inference's)
/// or after it (the bench compares).
fn encode_stream_with(enc: &mut Encoders, items: &[StoredItem], batch_size: usize, overlap: bool, sink: &mut BatchSink<'_>) -> Result<()> {
    let Encoders { manifest, image, text, tokenizer } = enc;
    let (manifest, tokenizer) = (&*manifest, &*tokenizer);
    let chunks: Vec<&[StoredItem]> = items.chunks(batch_size.max(1)).collect();
    let Some(first) = chunks.first() else { return Ok(()) };
    let mut ready = prepare(manifest, tokenizer, first, true)?;
    for (i, chunk) in chunks.iter().enumerate() {
        let next_chunk = chunks.get(i + 1);
        let (encoded, prepared) = if overlap {
            std::thread::scope(|s| {
                let next = next_chunk.map(|c| s.spawn(|| prepare(manifest, tokenizer, c, false)));
                let encoded = infer(image, text, manifest, ready);
                (encoded, next.map(|h| h.join().expect("batch preparation does not panic")))
            })
        } else {
            (infer(image, text, manifest, ready), None)
        };
        if !sink(chunk, encoded?)? {
            return Ok(());
        }
        let Some(c) = next_chunk else { break };
        ready = match prepared {
            Some(p) => p?,
            None => prepare(manifest, tokenizer, c, true)?,
        };
    }
    Ok(())
}

fn run_image(image: &mut Session, manifest: &Manifest, pixels: &[&[f32]]) -> Result<Vec<Vec<f32>>> {
    if pixels.is_empty() {
        return Ok(Vec::new());
    }
    let s = manifest.image.preprocess.size as usize;
    let mut batch = Array4::<f32>::zeros((pixels.len(), 3, s, s));
    for (i, p) in pixels.iter().enumerate() {
        if p.len() != 3 * s * s {
            return Err(EncodeError::Inference(format!(
                "image {i} has {} values, the image model takes 3x{s}x{s} = {}",
                p.len(),
                3 * s * s
            )));
        }
        batch.index_axis_mut(ndarray::Axis(0), i).as_slice_mut().expect("a fresh array is contiguous").copy_from_slice(p);
    }
    let input_name = first_input(&manifest.image.inputs, "image")?;
    let tensor = ort::value::Tensor::from_array(batch)?;
    let outputs = image.run(ort::inputs![input_name => tensor])?;
    rows(output(&outputs, &manifest.image.embedding_output, "image")?, pixels.len(), manifest.image.dim, "image")
}

fn tokenize(tokenizer: &tokenizers::Tokenizer, manifest: &Manifest, texts: &[String]) -> Result<TextBatch> {
    let prefixed: Vec<String> = texts.iter().map(|t| format!("{}{}", manifest.text.prefix, t)).collect();
    let enc = tokenizer.encode_batch(prefixed, true).explain(EncodeError::Inference, || "tokenizer".into())?;
    let len = enc.iter().map(|e| e.get_ids().len()).max().unwrap_or(1).max(1);
    let n = enc.len();
    let mut ids = Array2::<i64>::zeros((n, len));
    let mut mask = Array2::<i64>::zeros((n, len));
    for (i, e) in enc.iter().enumerate() {
        for (j, (&id, &m)) in e.get_ids().iter().zip(e.get_attention_mask()).enumerate() {
            ids[[i, j]] = id as i64;
            mask[[i, j]] = m as i64;
        }
    }
    Ok(TextBatch { ids, mask })
}

fn run_text(text: &mut Session, manifest: &Manifest, batch: &TextBatch) -> Result<Vec<Vec<f32>>> {
    let n = batch.ids.nrows();
    if n == 0 {
        return Ok(Vec::new());
    }
    let mut inputs = Vec::new();
    for spec in &manifest.text.inputs {
        let arr = match spec.name.as_str() {
            "input_ids" => batch.ids.clone(),
            "attention_mask" => batch.mask.clone(),
            "token_type_ids" => Array2::<i64>::zeros(batch.ids.raw_dim()),
            other => {
                return Err(EncodeError::Model(format!(
                    "text model input {other:?} is not one this app can fill (input_ids, attention_mask, token_type_ids)"
                )));
            }
        };
        inputs.push((
            std::borrow::Cow::<str>::from(spec.name.clone()),
            ort::session::SessionInputValue::from(ort::value::Tensor::from_array(arr)?),
        ));
    }
    let outputs = text.run(inputs)?;
    rows(output(&outputs, &manifest.text.embedding_output, "text")?, n, manifest.text.dim, "text")
}

/// The name of a model's first declared input (the manifest may list none).
fn first_input(inputs: &[manifest::TensorSpec], what: &str) -> Result<String> {
    inputs.first().map(|i| i.name.clone()).explain(EncodeError::Model, || format!("the manifest declares no input for the {what} model"))
}

/// A named output of a run, or an error naming it (a manifest can name an output the graph lacks).
fn output<'o>(outputs: &'o ort::session::SessionOutputs<'_>, name: &str, what: &str) -> Result<&'o ort::value::DynValue> {
    outputs.get(name).explain(EncodeError::Model, || format!("the {what} model has no output named {name:?}"))
}

fn rows(value: &ort::value::DynValue, n: usize, dim: usize, what: &str) -> Result<Vec<Vec<f32>>> {
    let (shape, data) = value.try_extract_tensor::<f32>()?;
    let dims: Vec<i64> = shape.iter().copied().collect();
    if dims != [n as i64, dim as i64] {
        return Err(EncodeError::Model(format!("{what} model returned shape {dims:?}, expected [{n}, {dim}]")));
    }
    Ok(data.chunks(dim).map(<[f32]>::to_vec).collect())
}

pub fn preprocess(img: &image::RgbaImage, p: &manifest::ImagePreprocess) -> Vec<f32> {
    use fast_image_resize as fr;
    let (w, h) = img.dimensions();
    let side = w.max(h).max(1);
    // Composite over white on a white square canvas: product shots are on white, and transparency means "no garment".
    let mut canvas = vec![255u8; side as usize * side as usize * 3];
    let (ox, oy) = (((side - w) / 2) as usize, ((side - h) / 2) as usize);
    for (y, row) in img.as_raw().chunks_exact(w as usize * 4).enumerate() {
        let start = ((y + oy) * side as usize + ox) * 3;
        for (dst, px) in canvas[start..start + w as usize * 3].chunks_exact_mut(3).zip(row.chunks_exact(4)) {
            let a = px[3] as u32;
            for c in 0..3 {
                // Rounded integer form of v·a + 255·(1 − a), a in [0, 1].
                dst[c] = ((px[c] as u32 * a + 255 * (255 - a) + 127) / 255) as u8;
            }
        }
    }
    let s = p.size;
    let src = fr::images::Image::from_vec_u8(side, side, canvas, fr::PixelType::U8x3).expect("the buffer is side x side RGB");
    let mut resized = fr::images::Image::new(s, s, fr::PixelType::U8x3);
    // Pillow's BILINEAR (a triangle filter widened when downscaling), which the reference preprocessing uses.
    let options = fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Bilinear));
    fr::Resizer::new().resize(&src, &mut resized, &options).expect("same pixel type, non-empty images");
    let plane = (s * s) as usize;
    let mut out = vec![0f32; 3 * plane];
    for (i, px) in resized.buffer().chunks_exact(3).enumerate() {
        for c in 0..3 {
            out[c * plane + i] = (px[c] as f32 - p.offset) / p.scale;
        }
    }
    out
}

/// The text the text encoder reads for an item: the catalogue-independent template (see [`template`]).
pub fn item_text(item: &outfit_catalogue::Item) -> String {
    template::encoder_text(item)
}

#[derive(Debug, Clone, Copy, Default)]
pub struct IndexProgress {
    pub done: usize,
    pub total: usize,
}

#[derive(Debug, Clone, Default)]
pub struct IndexStats {
    pub encoded: usize,
    pub already_fresh: usize,
    pub text_only: usize,
    /// Items whose image vector was kept from an earlier text template (their text alone was encoded).
    pub images_reused: usize,
    /// Items whose image failed to decode at index time (their features are text-only).
    pub image_errors: Vec<(String, String)>,
    pub seconds: f64,
}

/// Encodes every item whose features are missing or stale for these encoders, in batches, storing each batch in
/// one transaction (an interrupted index keeps what it finished). `cancel` is polled between batches.
pub fn index(
    store: &mut Store,
    enc: &mut Encoders,
    batch_size: usize,
    progress: &mut dyn FnMut(IndexProgress),
    cancel: &dyn Fn() -> bool,
) -> Result<IndexStats> {
    let start = Instant::now();
    let key = enc.encoder_key();
    let image_key = enc.manifest.image_key();
    let todo = store.items_needing_features(&key)?;
    let total_items = store.item_count()?;
    let mut stats = IndexStats { already_fresh: total_items - todo.len(), ..Default::default() };
    progress(IndexProgress { done: 0, total: todo.len() });
    if cancel() {
        stats.seconds = start.elapsed().as_secs_f64();
        return Ok(stats);
    }
    // Items whose photo this image encoder already read (only the text side changed) get their text encoded alone.
    let mut elsewhere = if todo.is_empty() { HashMap::new() } else { store.image_features_elsewhere(&key, &image_key)? };
    let (reuse, full): (Vec<StoredItem>, Vec<StoredItem>) =
        todo.into_iter().partition(|it| elsewhere.get(&it.id).is_some_and(|(hash, _)| *hash == it.content_hash));
    let total = reuse.len() + full.len();
    for chunk in reuse.chunks(batch_size.max(1) * 4) {
        let texts: Vec<String> = chunk.iter().map(|it| item_text(&it.item)).collect();
        let vecs = enc.encode_texts(&texts).explain(EncodeError::Inference, || "text encoder failed".into())?;
        let batch: Vec<_> = chunk
            .iter()
            .zip(vecs)
            .map(|(it, text)| {
                let image = elsewhere.remove(&it.id).map(|(_, v)| v);
                (it.clone(), StoredFeatures { item_id: it.id, image, text }, None)
            })
            .collect();
        store.put_features(&key, &batch)?;
        stats.encoded += chunk.len();
        stats.images_reused += chunk.len();
        progress(IndexProgress { done: stats.encoded, total });
        if cancel() {
            stats.seconds = start.elapsed().as_secs_f64();
            return Ok(stats);
        }
    }
    drop(elsewhere);
    let mut cancelled = false;
    encode_stream(enc, &full, batch_size, &mut |chunk, encoded| {
        let mut batch = Vec::with_capacity(chunk.len());
        for (it, e) in chunk.iter().zip(encoded) {
            if let Some(err) = &e.image_error {
                stats.image_errors.push((it.item.sku.to_string(), err.clone()));
                store.set_image_status(it.id, outfit_catalogue::ImageStatus::Corrupt)?;
            }
            if e.image.is_none() {
                stats.text_only += 1;
            }
            batch.push((it.clone(), StoredFeatures { item_id: it.id, image: e.image, text: e.text }, e.image_error));
        }
        store.put_features(&key, &batch)?;
        stats.encoded += chunk.len();
        progress(IndexProgress { done: stats.encoded, total });
        cancelled = cancel();
        Ok(!cancelled)
    })?;
    if !cancelled && total > 0 {
        // Every item now has features under this key: an earlier template's copies only take space.
        let dropped = store.drop_superseded_features(&key, &image_key)?;
        if dropped > 0 {
            tracing::info!("dropped {dropped} features rows of an earlier text template");
        }
    }
    stats.seconds = start.elapsed().as_secs_f64();
    Ok(stats)
}

/// Features of items that are already in the store (used by pretraining and tests).
pub fn encode_items(enc: &mut Encoders, items: &[StoredItem]) -> Result<Vec<StoredFeatures>> {
    let mut out = Vec::with_capacity(items.len());
    encode_stream(enc, items, 32, &mut |chunk, encoded| {
        out.extend(chunk.iter().zip(encoded).map(|(it, e)| StoredFeatures { item_id: it.id, image: e.image, text: e.text }));
        Ok(true)
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(size: u32) -> manifest::ImagePreprocess {
        manifest::ImagePreprocess { size, offset: 127.0, scale: 128.0 }
    }

    #[test]
    fn transparency_is_white_and_a_wide_photo_is_padded_centred() {
        let white = (255.0 - 127.0) / 128.0;
        let clear = image::RgbaImage::from_pixel(10, 10, image::Rgba([0, 0, 0, 0]));
        assert!(preprocess(&clear, &spec(4)).iter().all(|&v| v == white));
        // Half-transparent black (alpha 128) over white: 127 on every channel.
        let half = image::RgbaImage::from_pixel(8, 8, image::Rgba([0, 0, 0, 128]));
        assert!(preprocess(&half, &spec(4)).iter().all(|&v| v == (127.0 - 127.0) / 128.0));
        // A black 8x2 strip: padded to 8x8 with white above and below, so the middle rows are dark, the edges white.
        let strip = image::RgbaImage::from_pixel(8, 2, image::Rgba([0, 0, 0, 255]));
        let out = preprocess(&strip, &spec(8));
        let at = |c: usize, y: usize, x: usize| out[c * 64 + y * 8 + x];
        assert_eq!(at(0, 0, 4), white);
        assert_eq!(at(2, 7, 4), white);
        assert!(at(1, 3, 4) < -0.9 && at(1, 4, 0) < -0.9, "{} {}", at(1, 3, 4), at(1, 4, 0));
        assert_eq!(out.len(), 3 * 64);
    }
}
