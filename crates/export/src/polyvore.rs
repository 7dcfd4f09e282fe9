//! Research export: the children's labels in the Polyvore Outfits layout (Vasileva et al. 2018), so research code
//! written for that dataset reads them.
//!
//! Labels are resolved per outfit across stylists (each stylist's latest accept/reject, majority vote, ties
//! left out: [`outfit_labels::training_labels`] with the default policy). Outfits are split by outfit, with a
//! fixed seed, into train/valid/test (80/10/10, at least one outfit in valid and test once there are three),
//! accepted and rejected outfits separately. Files, under the output directory:
//!
//! - `polyvore_item_metadata.json`: item_id -> {semantic_category (our slot), category_id, title, description,
//!   url_name, catgeories (sic, as published), related, plus sku, brand, colour, age_group, gender, price,
//!   currency, in_stock}. `item_id` is the store's numeric item id as text; the SKU is in the metadata.
//! - `categories.csv`: `category_id,category,semantic_category` (the feed's category text).
//! - `nondisjoint/{train,valid,test}.json`: `[{set_id, items: [{item_id, index}]}]`, index 1-based in board
//!   order; set_ids are numbers (as text), unique over the export.
//! - `nondisjoint/compatibility_{split}.txt`: `1 <set_id>_<index> ...` for each accepted outfit and `0 ...` for
//!   each rejected one (hard negatives with their own set_ids).
//! - `nondisjoint/fill_in_blank_{split}.json`: `[{question: [set_id_index...], answers: [4 set_id_index],
//!   blank_position}]` for accepted outfits of three or more items: the right answer shares the question's
//!   set_id; the three wrong ones are items of the same slot from other accepted outfits of the split (any slot
//!   when there are too few); `blank_position` is the blank item's index.
//! - `images/<item_id>.jpg`: hard-linked or copied when the catalogue image is a JPEG, else converted to JPEG
//!   (transparency on white), since the published loaders open `images/<item_id>.jpg`.
//!
//! Where rejected outfits go: compatibility lines must reference `set_id_index` keys of outfits in the split
//! json, and the published loaders build that map from `{split}.json`. In `valid.json` and `test.json` the
//! rejected outfits are therefore listed next to the accepted ones (evaluation code uses those files only as the
//! map; labels come from the compatibility file). Training code treats every outfit in `train.json` as
//! compatible, so there rejected outfits stay out and are listed in `nondisjoint/train_rejected.json` (same
//! schema), which `compatibility_train.txt` references. Only `nondisjoint` is written (no disjoint split).

use super::{ExportError, Result};
use outfit_labels::{TrainingPolicy, training_labels};
use outfit_store::{Store, StoredItem};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

pub const SPLITS: [&str; 3] = ["train", "valid", "test"];

#[derive(Debug, Clone, Default, Serialize)]
pub struct SplitCounts {
    pub accepted: usize,
    pub rejected: usize,
    pub fitb_questions: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PolyvoreReport {
    pub dir: String,
    pub items: usize,
    pub splits: BTreeMap<String, SplitCounts>,
    pub images_linked: usize,
    pub images_copied: usize,
    pub images_converted: usize,
    /// SKUs whose image is remote or unreadable (no file in `images/`).
    pub images_missing: Vec<String>,
    /// Labelled outfits left out because an item is not in this catalogue.
    pub outfits_with_unknown_items: usize,
}

struct Outfit {
    set_id: String,
    items: Vec<i64>,
    positive: bool,
}

fn split_sizes(n: usize) -> [usize; 3] {
    if n < 3 {
        return [n, 0, 0];
    }
    let v = ((n as f64 * 0.1).round() as usize).max(1);
    [n - 2 * v, v, v]
}

fn url_name(title: &str) -> String {
    title.to_lowercase().split(|c: char| !c.is_alphanumeric()).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Writes the export into `dir` (created; existing files of the layout are overwritten), logs it and returns
/// what was written.
///
/// Long because it writes the layout file by file, and every file uses the item and outfit ids numbered above it.
pub fn write_polyvore(store: &mut Store, dir: &Path, seed: u64) -> Result<PolyvoreReport> {
    let labels = training_labels(store, &TrainingPolicy::default())?;
    let mut report = PolyvoreReport { dir: dir.display().to_string(), ..Default::default() };
    let mut items: HashMap<i64, StoredItem> = HashMap::new();
    let (mut acc, mut rej): (Vec<Vec<i64>>, Vec<Vec<i64>>) = (Vec::new(), Vec::new());
    for (skus, positive, _) in &labels {
        let mut ids = Vec::new();
        for s in skus {
            match store.item_by_sku(s)? {
                Some(it) => {
                    ids.push(it.id);
                    items.insert(it.id, it);
                }
                None => break,
            }
        }
        if ids.len() != skus.len() {
            report.outfits_with_unknown_items += 1;
            continue;
        }
        if *positive { acc.push(ids) } else { rej.push(ids) }
    }
    let mut rng = StdRng::seed_from_u64(seed);
    acc.shuffle(&mut rng);
    rej.shuffle(&mut rng);
    // split -> outfits, set_ids numbered over the whole export.
    let mut next_id = 1usize;
    let mut splits: Vec<Vec<Outfit>> = vec![Vec::new(), Vec::new(), Vec::new()];
    for (list, positive) in [(acc, true), (rej, false)] {
        let sizes = split_sizes(list.len());
        let mut it = list.into_iter();
        for (s, &n) in sizes.iter().enumerate() {
            for o in it.by_ref().take(n) {
                splits[s].push(Outfit { set_id: String::new(), items: o, positive });
            }
        }
    }
    for s in &mut splits {
        s.sort_by_key(|o| !o.positive);
        for o in s.iter_mut() {
            o.set_id = next_id.to_string();
            next_id += 1;
        }
    }

    let nd = dir.join("nondisjoint");
    std::fs::create_dir_all(&nd).map_err(ExportError::file("create", &nd))?;
    let img_dir = dir.join("images");
    std::fs::create_dir_all(&img_dir).map_err(ExportError::file("create", &img_dir))?;

    // Item metadata and categories.
    let mut cats: BTreeSet<(String, String)> = BTreeSet::new();
    for it in items.values() {
        cats.insert((it.item.category.to_string(), it.item.slot.as_str().to_string()));
    }
    let cat_id: HashMap<&(String, String), usize> = cats.iter().enumerate().map(|(i, c)| (c, i + 1)).collect();
    let mut meta = serde_json::Map::new();
    let mut ids: Vec<&i64> = items.keys().collect();
    ids.sort();
    for id in ids {
        let it = &items[id].item;
        let key = (it.category.to_string(), it.slot.as_str().to_string());
        meta.insert(
            id.to_string(),
            json!({
                "semantic_category": it.slot.as_str(),
                "category_id": cat_id[&key],
                "title": it.title,
                "description": it.description,
                "url_name": url_name(&it.title),
                "catgeories": [it.category],
                "related": [],
                "sku": it.sku,
                "brand": it.brand,
                "colour": it.colour,
                "age_group": it.age_group.map(|a| a.as_str()),
                "gender": it.gender.map(|g| g.as_str()),
                "price": it.price,
                "currency": it.currency,
                "in_stock": it.in_stock,
            }),
        );
    }
    write_json(&dir.join("polyvore_item_metadata.json"), &Value::Object(meta))?;
    let categories = dir.join("categories.csv");
    let mut cw = csv::Writer::from_path(&categories)?;
    for (i, (cat, slot)) in cats.iter().enumerate() {
        cw.write_record([(i + 1).to_string(), cat.clone(), slot.clone()])?;
    }
    cw.flush().map_err(ExportError::file("write", &categories))?;
    report.items = items.len();

    let outfit_json = |o: &Outfit| json!({"set_id": o.set_id, "items": o.items.iter().enumerate().map(|(i, id)| json!({"item_id": id.to_string(), "index": i + 1})).collect::<Vec<_>>()});
    for (s, name) in SPLITS.iter().enumerate() {
        let outfits = &splits[s];
        let (pos, neg): (Vec<&Outfit>, Vec<&Outfit>) = outfits.iter().partition(|o| o.positive);
        if *name == "train" {
            write_json(&nd.join("train.json"), &Value::Array(pos.iter().map(|o| outfit_json(o)).collect()))?;
            write_json(&nd.join("train_rejected.json"), &Value::Array(neg.iter().map(|o| outfit_json(o)).collect()))?;
        } else {
            write_json(&nd.join(format!("{name}.json")), &Value::Array(outfits.iter().map(outfit_json).collect()))?;
        }
        let mut compat = String::new();
        for o in outfits {
            compat.push(if o.positive { '1' } else { '0' });
            for i in 1..=o.items.len() {
                compat.push_str(&format!(" {}_{i}", o.set_id));
            }
            compat.push('\n');
        }
        let path = nd.join(format!("compatibility_{name}.txt"));
        std::fs::write(&path, compat).map_err(ExportError::file("write", &path))?;

        // Fill in the blank, from accepted outfits.
        let mut questions = Vec::new();
        for o in &pos {
            if o.items.len() < 3 {
                continue;
            }
            let blank = rng.random_range(0..o.items.len());
            let blank_item = o.items[blank];
            let slot = items[&blank_item].item.slot;
            let own: HashSet<i64> = o.items.iter().copied().collect();
            let mut same = Vec::new();
            let mut any = Vec::new();
            let mut seen = HashSet::new();
            for other in pos.iter().filter(|x| x.set_id != o.set_id) {
                for (i, id) in other.items.iter().enumerate() {
                    if own.contains(id) || !seen.insert(*id) {
                        continue;
                    }
                    let key = format!("{}_{}", other.set_id, i + 1);
                    if items[id].item.slot == slot { same.push(key) } else { any.push(key) }
                }
            }
            same.shuffle(&mut rng);
            any.shuffle(&mut rng);
            let wrong: Vec<String> = same.into_iter().chain(any).take(3).collect();
            if wrong.len() < 3 {
                continue;
            }
            let mut answers = wrong;
            answers.push(format!("{}_{}", o.set_id, blank + 1));
            answers.shuffle(&mut rng);
            let question: Vec<String> = (0..o.items.len()).filter(|&i| i != blank).map(|i| format!("{}_{}", o.set_id, i + 1)).collect();
            questions.push(json!({"question": question, "answers": answers, "blank_position": blank + 1}));
        }
        report.splits.insert(name.to_string(), SplitCounts { accepted: pos.len(), rejected: neg.len(), fitb_questions: questions.len() });
        write_json(&nd.join(format!("fill_in_blank_{name}.json")), &Value::Array(questions))?;
    }

    // Images.
    let mut ids: Vec<&i64> = items.keys().collect();
    ids.sort();
    for id in ids {
        let it = &items[id].item;
        let dest = img_dir.join(format!("{id}.jpg"));
        let src = it.image.as_deref().map(Path::new).filter(|p| p.is_file());
        let Some(src) = src else {
            report.images_missing.push(it.sku.to_string());
            continue;
        };
        let _ = std::fs::remove_file(&dest);
        let is_jpeg =
            src.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("jpg") || e.eq_ignore_ascii_case("jpeg"));
        if is_jpeg {
            if std::fs::hard_link(src, &dest).is_ok() {
                report.images_linked += 1;
            } else {
                std::fs::copy(src, &dest).map_err(ExportError::file("copy", src))?;
                report.images_copied += 1;
            }
        } else {
            match image::open(src) {
                Ok(img) => {
                    let rgba = img.to_rgba8();
                    let rgb = image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
                        let p = rgba.get_pixel(x, y).0;
                        let a = p[3] as u32;
                        let c = |v: u8| ((v as u32 * a + 255 * (255 - a)) / 255) as u8;
                        image::Rgb([c(p[0]), c(p[1]), c(p[2])])
                    });
                    rgb.save_with_format(&dest, image::ImageFormat::Jpeg)
                        .map_err(|error| ExportError::Image { path: dest.clone(), error })?;
                    report.images_converted += 1;
                }
                Err(_) => report.images_missing.push(it.sku.to_string()),
            }
        }
    }
    let readme = dir.join("README.md");
    std::fs::write(&readme, README).map_err(ExportError::file("write", &readme))?;
    let n: usize = report.splits.values().map(|s| s.accepted + s.rejected).sum();
    store.record_export("labels", "polyvore", &dir.display().to_string(), n)?;
    Ok(report)
}

fn write_json(path: &Path, v: &Value) -> Result<()> {
    let f = std::io::BufWriter::new(std::fs::File::create(path).map_err(ExportError::file("write", path))?);
    serde_json::to_writer(f, v)?;
    Ok(())
}

const README: &str = "Children's outfit labels from Outfit Studio, in the Polyvore Outfits layout (Vasileva et al. 2018).\n\
\n\
Accepted outfits are compatible (label 1), rejected outfits are hard negatives (label 0) with their own set_ids.\n\
train.json lists accepted outfits only (training code treats every outfit there as compatible); the rejected\n\
training outfits are in train_rejected.json. valid.json and test.json list accepted and rejected outfits (the\n\
evaluation loaders use them as the set_id_index map); labels are in compatibility_{split}.txt.\n\
item_id is the Outfit Studio item id; each item's SKU, brand, age group and price are in the metadata.\n\
Items are children's garments from the stylists' catalogue; there is no disjoint split.\n";

/// `outfit-studio export polyvore --out DIR [--seed N]`.
pub fn run_cli(store: &mut Store, out: &Path, seed: u64) -> Result<()> {
    let r = write_polyvore(store, out, seed)?;
    println!("wrote the Polyvore Outfits layout to {} ({} items)", r.dir, r.items);
    for (name, s) in &r.splits {
        println!("  {name:<5}: {} accepted, {} rejected outfits, {} fill-in-the-blank questions", s.accepted, s.rejected, s.fitb_questions);
    }
    println!(
        "  images: {} linked, {} copied, {} converted to JPEG, {} missing",
        r.images_linked,
        r.images_copied,
        r.images_converted,
        r.images_missing.len()
    );
    if r.outfits_with_unknown_items > 0 {
        println!("  {} labelled outfits left out: an item is not in this catalogue", r.outfits_with_unknown_items);
    }
    Ok(())
}
