//! `bench --index`: indexing throughput as `outfit-studio index` does it (decode, preprocess, tokenise, both
//! encoders; storing excluded), on a database's own items, against Python onnxruntime on the same items.
//!
//! Our variants isolate each choice: the shipped one (int8 image model, idle ORT threads sleeping, a batch's
//! photos decoded on every core before inference), then each choice changed in turn. The peer
//! (`tools/bench_index_peer.py`) runs the same ONNX files, batch, photos and texts, with the reference
//! preprocessing, once with the fp32 image model (a plain Python indexer of these encoders) and once with our
//! int8 file.

use super::{Encoded, Encoders, encode_stream_with, item_text, manifest::Manifest};
use crate::error::Explain;
use crate::{EncodeError, Result};
use outfit_store::{Store, StoredItem};
use std::path::Path;
use std::time::Instant;

/// One way of running the encoders.
#[derive(Debug, Clone, Copy)]
struct Variant {
    label: &'static str,
    int8: bool,
    overlap: bool,
    spinning: bool,
}

const VARIANTS: [Variant; 4] = [
    Variant {
        label: "shipped: int8 image model, ORT threads sleep when idle, decode then infer",
        int8: true,
        overlap: false,
        spinning: false,
    },
    Variant { label: "  same, next batch decoded during inference (pipelined)", int8: true, overlap: true, spinning: false },
    Variant { label: "  same, ORT threads spin when idle (ORT's default)", int8: true, overlap: false, spinning: true },
    Variant { label: "  same, fp32 image model", int8: false, overlap: false, spinning: false },
];

/// One timed pass: wall and process CPU seconds.
#[derive(Debug, Clone, Copy)]
struct Pass {
    wall: f64,
    cpu: f64,
}

fn timed_pass(enc: &mut Encoders, items: &[StoredItem], batch: usize, overlap: bool) -> Result<(Pass, Vec<Encoded>)> {
    let (t, c) = (Instant::now(), outfit_machine::cpu_seconds());
    let mut out = Vec::with_capacity(items.len());
    encode_stream_with(enc, items, batch, overlap, &mut |_, e| {
        out.extend(e);
        Ok(true)
    })?;
    Ok((Pass { wall: t.elapsed().as_secs_f64(), cpu: outfit_machine::cpu_seconds() - c }, out))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs the bench on the first `n` items of `db` (all with photos, if it has that many), `reps` passes per
/// variant interleaved, and the peer when `peers`.
pub fn run(store: &Store, models_dir: &Path, n: usize, batch: usize, reps: usize, peers: bool) -> Result<()> {
    let mut items: Vec<StoredItem> = store.all_items()?;
    items.sort_by_key(|it| !(it.item.image.is_some() && it.item.image_status.usable()));
    items.truncate(n);
    if items.is_empty() {
        return Err(EncodeError::Bench("the database has no items to encode: import a feed first".into()));
    }
    let photos = items.iter().filter(|it| it.item.image.is_some() && it.item.image_status.usable()).count();
    let manifest = Manifest::load(models_dir)?;
    let reference = manifest.with_reference_image().explain(EncodeError::Bench, || {
        "the manifest's image model has no fp32 reference to compare with (run tools/quantize_image_model.py)".into()
    })?;
    if manifest.image.precision != "int8" {
        return Err(EncodeError::Bench(format!(
            "the manifest's image model is {}, the bench compares an int8 model with its fp32 reference",
            manifest.image.precision
        )));
    }
    let mut encoders: Vec<Encoders> = VARIANTS
        .iter()
        .map(|v| {
            let m = if v.int8 { manifest.clone() } else { reference.clone() };
            Encoders::load_tuned(models_dir, m, v.spinning)
        })
        .collect::<Result<_>>()?;
    println!(
        "### Indexing {} items ({photos} with photos), batch {batch}, {} threads; {}\n",
        items.len(),
        rayon::current_num_threads(),
        outfit_machine::conditions()
    );
    // One warm-up batch each (session start-up, first allocations), then interleaved timed passes.
    let mut ours: Option<Vec<Encoded>> = None;
    for (v, e) in VARIANTS.iter().zip(&mut encoders) {
        let (_, out) = timed_pass(e, &items[..batch.min(items.len())], batch, v.overlap)?;
        drop(out);
    }
    let mut passes: Vec<Vec<Pass>> = vec![Vec::new(); VARIANTS.len()];
    for _ in 0..reps.max(1) {
        for (i, (v, e)) in VARIANTS.iter().zip(&mut encoders).enumerate() {
            let (p, out) = timed_pass(e, &items, batch, v.overlap)?;
            passes[i].push(p);
            if i == 0 {
                ours = Some(out);
            }
        }
    }
    let wall: Vec<f64> = passes.iter().map(|p| median(p.iter().map(|x| x.wall).collect())).collect();
    let cpu: Vec<f64> = passes.iter().map(|p| median(p.iter().map(|x| x.cpu).collect())).collect();
    println!("| variant | items/s | wall | CPU | vs shipped |\n|---|---:|---:|---:|---:|");
    for (i, v) in VARIANTS.iter().enumerate() {
        println!("| {} | {:.1} | {:.2} s | {:.2} s | {:.2}x |", v.label, items.len() as f64 / wall[i], wall[i], cpu[i], wall[i] / wall[0]);
    }
    println!("\n{} timed passes per variant after one warm-up batch, interleaved; medians", reps.max(1));
    if peers {
        peer(&manifest, models_dir, &items, batch, reps, wall[0], &ours.expect("at least one pass"))?;
    }
    Ok(())
}

/// Runs `tools/bench_index_peer.py` on the same items and prints its throughput beside ours, and how close its
/// image embeddings are to ours (the same work, preprocessed by PIL instead of the `image` crate).
fn peer(
    manifest: &Manifest,
    models_dir: &Path,
    items: &[StoredItem],
    batch: usize,
    reps: usize,
    ours_wall: f64,
    ours: &[Encoded],
) -> Result<()> {
    let py = outfit_machine::PythonPeer::find("bench_index_peer.py")?;
    let dir = py.dir();
    let reference = manifest.image.reference.as_ref().expect("checked by run");
    // Photos ours decoded (a corrupt one is text-only on both sides).
    let rows: Vec<serde_json::Value> = items
        .iter()
        .zip(ours)
        .map(|(it, e)| {
            let image = it.item.image.as_ref().filter(|_| e.image.is_some());
            serde_json::json!({ "image": image, "text": format!("{}{}", manifest.text.prefix, item_text(&it.item)) })
        })
        .collect();
    let with_image: Vec<f32> = ours.iter().filter_map(|e| e.image.as_deref()).flatten().copied().collect();
    let ours_file = dir.join("ours_image.f32");
    std::fs::write(&ours_file, bytemuck::cast_slice::<f32, u8>(&with_image)).map_err(EncodeError::io(&ours_file))?;
    let job = serde_json::json!({
        "items": rows, "batch": batch, "reps": reps.max(1), "threads": rayon::current_num_threads(),
        "image_fp32": models_dir.join(&reference.file), "image_int8": models_dir.join(&manifest.image.file),
        "image_dim": manifest.image.dim, "text": models_dir.join(&manifest.text.file),
        "tokenizer": models_dir.join(&manifest.text.tokenizer), "max_tokens": manifest.text.max_tokens,
        "ours_image": dir.join("ours_image.f32"),
    });
    std::fs::write(dir.join("job.json"), job.to_string()).map_err(EncodeError::io(dir.join("job.json")))?;
    let v = py.run(&[dir.join("job.json").as_os_str()])?;
    println!(
        "\n### Peer in the same run: Python {} onnxruntime {}, same ONNX files, batch, photos and texts; PIL preprocessing on a \
         thread pool, `tokenizers` {}\n",
        v["python"].as_str().unwrap_or("?"),
        v["onnxruntime"].as_str().unwrap_or("?"),
        v["tokenizers"].as_str().unwrap_or("?")
    );
    println!("| peer | items/s | wall | CPU | peer wall / ours (shipped) |\n|---|---:|---:|---:|---:|");
    for (key, label) in
        [("fp32", "Python, fp32 image model (a plain Python indexer of these encoders)"), ("int8", "Python, our int8 image model")]
    {
        let w = v[format!("{key}_wall_s")].as_f64().unwrap_or(f64::NAN);
        let c = v[format!("{key}_cpu_s")].as_f64().unwrap_or(f64::NAN);
        println!("| {label} | {:.1} | {w:.2} s | {c:.2} s | {:.2}x |", items.len() as f64 / w, w / ours_wall);
    }
    println!(
        "\n- int8 image embeddings, ours vs Python's for the same photos: cosine median {:.4}, min {:.4} ({} photos)",
        v["cosine_median"].as_f64().unwrap_or(f64::NAN),
        v["cosine_min"].as_f64().unwrap_or(f64::NAN),
        v["cosine_photos"].as_u64().unwrap_or(0)
    );
    if let Some(c) = &manifest.image.cosine_to_fp32 {
        println!(
            "- int8 vs fp32 (manifest, {} photos of {}): cosine median {:.4}, 1st percentile {:.4}, min {:.4}",
            c.photos, c.set, c.median, c.p1, c.min
        );
    }
    Ok(())
}
