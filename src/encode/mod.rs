//! Frozen pretrained encoders through ONNX Runtime: image (EfficientNet-Lite0, 1280-d) and text
//! (all-MiniLM-L6-v2, 384-d). The only module that touches `ort`.

pub mod feature_cache;
pub mod manifest;
pub mod runtime;
pub mod template;

use crate::catalogue::images;
use crate::store::{Store, StoredFeatures, StoredItem};
use anyhow::{Context, Result, anyhow, bail};
use manifest::{Manifest, check_signature, read_verified};
use ndarray::{Array2, Array4};
use ort::session::Session;
use rayon::prelude::*;
use std::path::Path;
use std::time::Instant;

/// Loaded, verified encoder sessions. `ort` sessions run with `&mut self`: one `Encoders` per worker.
pub struct Encoders {
    pub manifest: Manifest,
    image: Session,
    text: Session,
    tokenizer: tokenizers::Tokenizer,
}

impl Encoders {
    /// Loads both encoders from `models_dir`, verifying checksums and graph signatures against the manifest.
    pub fn load(models_dir: &Path) -> Result<Encoders> {
        let manifest = Manifest::load(models_dir)?;
        let env = runtime::environment()?;
        let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let open = |file: &str, sha: &str, what: &str| -> Result<Session> {
            let bytes = read_verified(&models_dir.join(file), sha)?;
            Session::builder(env)
                .and_then(|b| b.with_intra_threads(threads).map_err(Into::into))
                .map_err(|e| anyhow!("{e}"))?
                .commit_from_memory(&bytes)
                .map_err(|e| anyhow!("{what} model {file} is not a loadable ONNX graph: {e}"))
        };
        let image = open(&manifest.image.file, &manifest.image.sha256, "image")?;
        check_signature("image", &image, &manifest.image.inputs, &manifest.image.outputs)?;
        let text = open(&manifest.text.file, &manifest.text.sha256, "text")?;
        check_signature("text", &text, &manifest.text.inputs, &manifest.text.outputs)?;
        let tok_bytes = read_verified(&models_dir.join(&manifest.text.tokenizer), &manifest.text.tokenizer_sha256)?;
        let mut tokenizer =
            tokenizers::Tokenizer::from_bytes(&tok_bytes).map_err(|e| anyhow!("tokenizer {} unreadable: {e}", manifest.text.tokenizer))?;
        tokenizer
            .with_truncation(Some(tokenizers::TruncationParams { max_length: manifest.text.max_tokens, ..Default::default() }))
            .map_err(|e| anyhow!("{e}"))?;
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
        if pixels.is_empty() {
            return Ok(Vec::new());
        }
        let s = self.manifest.image.preprocess.size as usize;
        let mut batch = Array4::<f32>::zeros((pixels.len(), 3, s, s));
        for (i, p) in pixels.iter().enumerate() {
            if p.len() != 3 * s * s {
                bail!("image {i} has {} values, the image model takes 3x{s}x{s} = {}", p.len(), 3 * s * s);
            }
            batch.index_axis_mut(ndarray::Axis(0), i).as_slice_mut().expect("a fresh array is contiguous").copy_from_slice(p);
        }
        let input_name = first_input(&self.manifest.image.inputs, "image")?;
        let out_name = self.manifest.image.embedding_output.clone();
        let dim = self.manifest.image.dim;
        let tensor = ort::value::Tensor::from_array(batch)?;
        let outputs = self.image.run(ort::inputs![input_name => tensor])?;
        rows(output(&outputs, &out_name, "image")?, pixels.len(), dim, "image")
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
        let prefixed: Vec<String> = texts.iter().map(|t| format!("{}{}", self.manifest.text.prefix, t)).collect();
        let enc = self.tokenizer.encode_batch(prefixed, true).map_err(|e| anyhow!("tokenizer: {e}"))?;
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
        let types = Array2::<i64>::zeros((n, len));
        let names: Vec<String> = self.manifest.text.inputs.iter().map(|s| s.name.clone()).collect();
        let mut inputs = Vec::new();
        for name in &names {
            let arr = match name.as_str() {
                "input_ids" => ids.clone(),
                "attention_mask" => mask.clone(),
                "token_type_ids" => types.clone(),
                other => bail!("text model input {other:?} is not one this app can fill (input_ids, attention_mask, token_type_ids)"),
            };
            inputs.push((
                std::borrow::Cow::<str>::from(name.clone()),
                ort::session::SessionInputValue::from(ort::value::Tensor::from_array(arr)?),
            ));
        }
        let out_name = self.manifest.text.embedding_output.clone();
        let dim = self.manifest.text.dim;
        let outputs = self.text.run(inputs)?;
        rows(output(&outputs, &out_name, "text")?, n, dim, "text")
    }

    /// Tokenizer ids for a text (with special tokens), for tests against the reference tokenizer.
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>> {
        Ok(self.tokenizer.encode(text, true).map_err(|e| anyhow!("{e}"))?.get_ids().to_vec())
    }
}

/// The name of a model's first declared input (the manifest may list none).
fn first_input(inputs: &[manifest::TensorSpec], what: &str) -> Result<String> {
    inputs.first().map(|i| i.name.clone()).ok_or_else(|| anyhow!("the manifest declares no input for the {what} model"))
}

/// A named output of a run, or an error naming it (a manifest can name an output the graph lacks).
fn output<'o>(outputs: &'o ort::session::SessionOutputs<'_>, name: &str, what: &str) -> Result<&'o ort::value::DynValue> {
    outputs.get(name).ok_or_else(|| anyhow!("the {what} model has no output named {name:?}"))
}

fn rows(value: &ort::value::DynValue, n: usize, dim: usize, what: &str) -> Result<Vec<Vec<f32>>> {
    let (shape, data) = value.try_extract_tensor::<f32>()?;
    let dims: Vec<i64> = shape.iter().copied().collect();
    if dims != [n as i64, dim as i64] {
        bail!("{what} model returned shape {dims:?}, expected [{n}, {dim}]");
    }
    Ok(data.chunks(dim).map(<[f32]>::to_vec).collect())
}

pub fn preprocess(img: &image::RgbaImage, p: &manifest::ImagePreprocess) -> Vec<f32> {
    let (w, h) = img.dimensions();
    let side = w.max(h).max(1);
    // Composite over white on a white square canvas: product shots are on white, and transparency means "no garment".
    let mut canvas = image::RgbImage::from_pixel(side, side, image::Rgb([255, 255, 255]));
    let (ox, oy) = ((side - w) / 2, (side - h) / 2);
    for (x, y, px) in img.enumerate_pixels() {
        let a = px[3] as f32 / 255.0;
        let c = |v: u8| (v as f32 * a + 255.0 * (1.0 - a)).round() as u8;
        canvas.put_pixel(x + ox, y + oy, image::Rgb([c(px[0]), c(px[1]), c(px[2])]));
    }
    let s = p.size;
    let resized = image::imageops::resize(&canvas, s, s, image::imageops::FilterType::Triangle);
    let plane = (s * s) as usize;
    let mut out = vec![0f32; 3 * plane];
    for (i, px) in resized.pixels().enumerate() {
        for c in 0..3 {
            out[c * plane + i] = (px[c] as f32 - p.offset) / p.scale;
        }
    }
    out
}

/// The text the text encoder reads for an item: the catalogue-independent template (see [`template`]).
pub fn item_text(item: &crate::catalogue::Item) -> String {
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
    let todo = store.items_needing_features(&key)?;
    let total_items = store.item_count()?;
    let mut stats = IndexStats { already_fresh: total_items - todo.len(), ..Default::default() };
    progress(IndexProgress { done: 0, total: todo.len() });
    for chunk in todo.chunks(batch_size.max(1)) {
        if cancel() {
            break;
        }
        let pre = &enc.manifest.image.preprocess.clone();
        let decoded: Vec<Result<Option<Vec<f32>>, String>> = chunk
            .par_iter()
            .map(|it| match (&it.item.image, it.item.image_status.usable()) {
                (Some(p), true) => images::load_rgba(Path::new(p)).map(|img| Some(preprocess(&img, pre))).map_err(|e| format!("{e:#}")),
                _ => Ok(None),
            })
            .collect();
        let with_image: Vec<usize> = decoded.iter().enumerate().filter(|(_, d)| matches!(d, Ok(Some(_)))).map(|(i, _)| i).collect();
        let pixels: Vec<Vec<f32>> = with_image.iter().map(|&i| decoded[i].as_ref().ok().cloned().flatten().expect("filtered")).collect();
        let img_vecs = enc.encode_pixels(&pixels).context("image encoder failed")?;
        let texts: Vec<String> = chunk.iter().map(|it| item_text(&it.item)).collect();
        let txt_vecs = enc.encode_texts(&texts).context("text encoder failed")?;
        let mut img_iter = with_image.iter().zip(img_vecs);
        let mut next_img = img_iter.next();
        let mut batch = Vec::with_capacity(chunk.len());
        for (i, (it, text)) in chunk.iter().zip(txt_vecs).enumerate() {
            let image = match next_img.take() {
                Some((&j, v)) if j == i => {
                    next_img = img_iter.next();
                    Some(v)
                }
                other => {
                    next_img = other;
                    None
                }
            };
            let err = decoded[i].as_ref().err().cloned();
            if let Some(e) = &err {
                stats.image_errors.push((it.item.sku.clone(), e.clone()));
                store.set_image_status(it.id, crate::catalogue::ImageStatus::Corrupt)?;
            }
            if image.is_none() {
                stats.text_only += 1;
            }
            batch.push((it.clone(), StoredFeatures { item_id: it.id, image, text }, err));
        }
        store.put_features(&key, &batch)?;
        stats.encoded += chunk.len();
        progress(IndexProgress { done: stats.encoded, total: todo.len() });
    }
    stats.seconds = start.elapsed().as_secs_f64();
    Ok(stats)
}

/// Features of items that are already in the store (used by pretraining and tests).
pub fn encode_items(enc: &mut Encoders, items: &[StoredItem]) -> Result<Vec<StoredFeatures>> {
    let pre = enc.manifest.image.preprocess.clone();
    let mut out = Vec::with_capacity(items.len());
    for chunk in items.chunks(32) {
        let pix: Vec<Option<Vec<f32>>> = chunk
            .par_iter()
            .map(|it| {
                it.item
                    .image
                    .as_deref()
                    .filter(|_| it.item.image_status.usable())
                    .and_then(|p| images::load_rgba(Path::new(p)).ok())
                    .map(|i| preprocess(&i, &pre))
            })
            .collect();
        let present: Vec<Vec<f32>> = pix.iter().flatten().cloned().collect();
        let mut img = enc.encode_pixels(&present)?.into_iter();
        let txt = enc.encode_texts(&chunk.iter().map(|it| item_text(&it.item)).collect::<Vec<_>>())?;
        for ((it, p), t) in chunk.iter().zip(&pix).zip(txt) {
            out.push(StoredFeatures { item_id: it.id, image: p.as_ref().and_then(|_| img.next()), text: t });
        }
    }
    Ok(out)
}
