//! Adult outfit data: readers for the Polyvore Outfits layout (Vasileva et al. 2018) and the Maryland Polyvore
//! layout (Han et al. 2017), and pretraining / evaluating the head on them.
//!
//! Polyvore Outfits: `polyvore_item_metadata.json` (item_id -> {semantic_category, title, url_name, ...}),
//! `{nondisjoint,disjoint}/{train,valid,test}.json` ([{set_id, items: [{item_id, index}]}]),
//! `compatibility_{split}.txt` (`<0|1> <set_id>_<index> ...`), `fill_in_blank_{split}.json`
//! ([{question, answers, blank_position}], the right answer sharing the question's set_id), `images/<item_id>.jpg`.
//!
//! Maryland: `label/{train,valid,test}_no_dup.json` ([{set_id, items: [{index, name, price, categoryid, image}]}])
//! with images under `images/<set_id>/<index>.jpg`. It has no compatibility or FITB files: evaluation there uses
//! same-slot swaps and generated FITB questions (see `eval`).
//!
//! Pretraining and evaluation on any of these live in `outfit_eval`. Adult items are encoded for training only
//! (features cached per dataset); they are not imported into the stylists' catalogue (250k adult
//! products would otherwise show up in children's completions).

use super::data::{FeatureTable, LabelledOutfit};
use super::head::HeadDims;
use crate::{ModelError, Result};
use outfit_catalogue::{AgeGroup, ImageStatus, Item, Slot, images};
use outfit_store::{StoredFeatures, StoredItem};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
pub struct AdultItem {
    pub id: String,
    pub title: String,
    /// The dataset's category words (Polyvore's semantic_category, or Maryland's category id as text).
    pub category: String,
    pub slot: Slot,
    pub price: Option<f64>,
    pub image: Option<PathBuf>,
    /// Colour words (MANGO's attributes, a feed's colour column); empty when the source has none.
    pub colour: String,
    /// Further words for the text template (material, pattern); empty when the source has none.
    pub description: String,
    /// The collection or season the item belongs to (MANGO: the year its photo opens with); empty when the
    /// source has none. Evaluation negatives come from the same collection, since real outfits stay inside one.
    pub collection: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdultOutfit {
    pub set_id: String,
    /// Item ids of the outfit's garments (items without a slot, such as cosmetics or furniture, left out).
    pub items: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompatQuestion {
    pub positive: bool,
    pub items: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FitbItem {
    pub question: Vec<String>,
    pub answers: Vec<String>,
    pub answer: usize,
}

/// An adult outfit dataset in memory.
#[derive(Debug, Clone, Default)]
pub struct AdultDataset {
    /// Plain words: which layout, which directory.
    pub source: String,
    pub items: BTreeMap<String, AdultItem>,
    pub train: Vec<AdultOutfit>,
    pub valid: Vec<AdultOutfit>,
    pub test: Vec<AdultOutfit>,
    /// The dataset's own compatibility questions for the test split (empty for Maryland).
    pub compatibility: Vec<CompatQuestion>,
    /// The dataset's own FITB questions for the test split (empty for Maryland).
    pub fitb: Vec<FitbItem>,
    /// Items the reader skipped (no slot: beauty, home, ...), for the report.
    pub skipped_items: usize,
}

/// Polyvore's semantic categories (and anything else) to our slots.
pub fn slot_for(category: &str, title: &str) -> Option<Slot> {
    let c = category.trim().to_lowercase();
    let by_cat = match c.as_str() {
        "all-body" | "all body" => Some(Slot::OnePiece),
        "jewellery" | "jewelry" | "sunglasses" | "scarves" | "accessories" => Some(Slot::Accessory),
        "hats" => Some(Slot::Headwear),
        _ => None,
    };
    by_cat.or_else(|| Slot::parse(&c)).or_else(|| Slot::from_category(&c)).or_else(|| Slot::from_category(title))
}

/// Maryland Polyvore category ids met in the sample (the full map is in the Maryland release, not here).
pub fn maryland_slot(category_id: i64) -> Option<Slot> {
    Some(match category_id {
        4 | 244 => Slot::OnePiece,
        11 | 17 | 18 | 19 | 21 | 104 | 272 | 4495 => Slot::Top,
        9 | 28 | 237 | 240 => Slot::Bottom,
        24 | 25 | 236 => Slot::Outerwear,
        41 | 42 | 43 | 46 | 49 | 50 | 261 | 266 => Slot::Shoes,
        55 | 58 => Slot::Headwear,
        37 | 38 | 259 | 318 => Slot::Bag,
        51 | 52 | 57 | 61 | 62 | 64 | 65 | 106 => Slot::Accessory,
        _ => return None,
    })
}

fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(ModelError::io(path))?;
    serde_json::from_str(&text).map_err(|e| ModelError::dataset(format!("{} is not valid JSON: {e}", path.display())))
}

fn str_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Reads a Polyvore Outfits directory; `variant` is `nondisjoint` or `disjoint`.
pub fn read_polyvore(dir: &Path, variant: &str) -> Result<AdultDataset> {
    let meta = read_json(&dir.join("polyvore_item_metadata.json"))?;
    let meta =
        meta.as_object().ok_or_else(|| ModelError::dataset("polyvore_item_metadata.json is not an object of item_id -> metadata"))?;
    let mut data = AdultDataset { source: format!("Polyvore Outfits ({variant}) at {}", dir.display()), ..Default::default() };
    for (id, m) in meta {
        let category = str_of(&m["semantic_category"]);
        let title = [str_of(&m["title"]), str_of(&m["url_name"])].into_iter().find(|s| !s.trim().is_empty()).unwrap_or_default();
        let Some(slot) = slot_for(&category, &title) else {
            data.skipped_items += 1;
            continue;
        };
        let img = dir.join("images").join(format!("{id}.jpg"));
        data.items.insert(
            id.clone(),
            AdultItem {
                id: id.clone(),
                title,
                category,
                slot,
                price: None,
                image: img.is_file().then_some(img),
                colour: String::new(),
                description: String::new(),
                collection: String::new(),
            },
        );
    }
    let split_dir = dir.join(variant);
    if !split_dir.is_dir() {
        return Err(ModelError::dataset(format!("{} has no {variant}/ folder with train.json, valid.json and test.json", dir.display())));
    }
    // set_id_index -> item_id, over every split (compatibility negatives mix outfits).
    let mut by_index: HashMap<String, String> = HashMap::new();
    for (name, target) in [("train", 0), ("valid", 1), ("test", 2)] {
        let path = split_dir.join(format!("{name}.json"));
        if !path.is_file() {
            if name == "train" {
                return Err(ModelError::dataset(format!("{} is missing", path.display())));
            }
            continue;
        }
        let v = read_json(&path)?;
        let mut outfits = Vec::new();
        for o in v.as_array().ok_or_else(|| ModelError::dataset(format!("{} is not a list of outfits", path.display())))? {
            let set_id = str_of(&o["set_id"]);
            let mut items = Vec::new();
            for it in o["items"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
                let item_id = str_of(&it["item_id"]);
                by_index.insert(format!("{set_id}_{}", str_of(&it["index"])), item_id.clone());
                if data.items.contains_key(&item_id) {
                    items.push(item_id);
                }
            }
            outfits.push(AdultOutfit { set_id, items });
        }
        match target {
            0 => data.train = outfits,
            1 => data.valid = outfits,
            _ => data.test = outfits,
        }
    }
    let resolve = |k: &str| by_index.get(k).filter(|id| data.items.contains_key(*id)).cloned();
    let compat = split_dir.join("compatibility_test.txt");
    if compat.is_file() {
        for line in std::fs::read_to_string(&compat).map_err(ModelError::io(&compat))?.lines() {
            let mut parts = line.split_whitespace();
            let Some(label) = parts.next() else { continue };
            let items: Vec<String> = parts.filter_map(resolve).collect();
            if items.len() >= 2 {
                data.compatibility.push(CompatQuestion { positive: label == "1", items });
            }
        }
    }
    let fitb = split_dir.join("fill_in_blank_test.json");
    if fitb.is_file() {
        let v = read_json(&fitb)?;
        for q in v.as_array().map(Vec::as_slice).unwrap_or(&[]) {
            let qs: Vec<String> = q["question"].as_array().map(Vec::as_slice).unwrap_or(&[]).iter().map(str_of).collect();
            let ans: Vec<String> = q["answers"].as_array().map(Vec::as_slice).unwrap_or(&[]).iter().map(str_of).collect();
            let set = qs.first().and_then(|k| k.rsplit_once('_')).map(|(s, _)| s.to_string()).unwrap_or_default();
            let Some(answer) = ans.iter().position(|a| a.rsplit_once('_').map(|(s, _)| s) == Some(set.as_str())) else { continue };
            let question: Vec<String> = qs.iter().filter_map(|k| resolve(k)).collect();
            let answers: Vec<Option<String>> = ans.iter().map(|k| resolve(k)).collect();
            if question.is_empty() || answers.iter().any(Option::is_none) {
                continue;
            }
            data.fitb.push(FitbItem { question, answers: answers.into_iter().flatten().collect(), answer });
        }
    }
    Ok(data)
}

/// Reads a Maryland Polyvore directory (`label/*.json`, `images/<set_id>/<index>.jpg`). `train_no_dup` is the
/// training split, `valid_no_dup` validation, `test_no_dup` test; `label.json` (a duplicate sample) is ignored.
pub fn read_maryland(dir: &Path) -> Result<AdultDataset> {
    let mut data = AdultDataset { source: format!("Maryland Polyvore at {}", dir.display()), ..Default::default() };
    for (name, target) in [("train_no_dup", 0), ("valid_no_dup", 1), ("test_no_dup", 2)] {
        let path = dir.join("label").join(format!("{name}.json"));
        if !path.is_file() {
            continue;
        }
        let v = read_json(&path)?;
        let mut outfits = Vec::new();
        for o in v.as_array().ok_or_else(|| ModelError::dataset(format!("{} is not a list of outfits", path.display())))? {
            // Older files lack set_id: take it from the image path (data/images/<set_id>/...).
            let set_id = match o.get("set_id") {
                Some(s) if !s.is_null() => str_of(s),
                _ => str_of(&o["image"]).split('/').rev().nth(1).unwrap_or_default().to_string(),
            };
            let mut items = Vec::new();
            for it in o["items"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
                let index = str_of(&it["index"]);
                let id = format!("{set_id}_{index}");
                let title = str_of(&it["name"]);
                let cat = it["categoryid"].as_i64().unwrap_or(-1);
                let Some(slot) = maryland_slot(cat).or_else(|| Slot::from_category(&title)) else {
                    data.skipped_items += 1;
                    continue;
                };
                let rel = str_of(&it["image"]);
                let rel = rel.strip_prefix("data/").unwrap_or(&rel);
                let img = if rel.is_empty() { dir.join("images").join(&set_id).join(format!("{index}.jpg")) } else { dir.join(rel) };
                let price = it["price"].as_f64().filter(|p| *p >= 0.0);
                data.items.insert(
                    id.clone(),
                    AdultItem {
                        id: id.clone(),
                        title,
                        category: format!("maryland category {cat}"),
                        slot,
                        price,
                        image: img.is_file().then_some(img),
                        colour: String::new(),
                        description: String::new(),
                        collection: String::new(),
                    },
                );
                items.push(id);
            }
            outfits.push(AdultOutfit { set_id, items });
        }
        match target {
            0 => data.train = outfits,
            1 => data.valid = outfits,
            _ => data.test = outfits,
        }
    }
    if data.items.is_empty() {
        return Err(ModelError::dataset(format!("no Maryland outfits found under {}/label", dir.display())));
    }
    Ok(data)
}

impl AdultDataset {
    /// Items in a fixed order (the feature table's rows), as catalogue items for the encoders.
    pub fn catalogue_items(&self) -> Vec<StoredItem> {
        self.items
            .values()
            .enumerate()
            .map(|(i, a)| {
                let image = a.image.as_ref().map(|p| p.to_string_lossy().into_owned());
                let image_status = a.image.as_deref().map(images::check).unwrap_or(ImageStatus::None);
                StoredItem {
                    id: i as i64,
                    content_hash: String::new(),
                    item: Item {
                        title: a.title.as_str().into(),
                        description: a.description.as_str().into(),
                        category: a.category.as_str().into(),
                        colour: a.colour.as_str().into(),
                        age_group: Some(AgeGroup::Adult),
                        price: a.price,
                        image: image.map(Into::into),
                        image_status,
                        ..Item::bare(a.id.clone(), a.slot)
                    },
                }
            })
            .collect()
    }

    /// Feature table from encoder features in `catalogue_items` order.
    pub fn feature_table(&self, dims: HeadDims, feats: &[StoredFeatures]) -> Result<FeatureTable> {
        let items = self.catalogue_items();
        let by_id: HashMap<i64, &StoredFeatures> = feats.iter().map(|f| (f.item_id, f)).collect();
        let rows: Vec<(i64, &Item, &StoredFeatures)> = items.iter().filter_map(|s| by_id.get(&s.id).map(|f| (s.id, &s.item, *f))).collect();
        FeatureTable::from_items(dims, &rows)
    }

    /// Item id -> feature-table row.
    pub fn row_of(&self, table: &FeatureTable) -> HashMap<&str, usize> {
        self.items.keys().enumerate().filter_map(|(i, k)| table.row_of.get(&(i as i64)).map(|r| (k.as_str(), *r))).collect()
    }

    /// Positive training outfits over `table` (outfits with fewer than two usable items dropped).
    pub fn labelled(&self, table: &FeatureTable, outfits: &[AdultOutfit]) -> Vec<LabelledOutfit> {
        let rows = self.row_of(table);
        outfits
            .iter()
            .filter_map(|o| {
                let r: Vec<usize> = o.items.iter().filter_map(|i| rows.get(i.as_str()).copied()).collect();
                (r.len() >= 2).then(|| LabelledOutfit {
                    rows: r,
                    positive: true,
                    weight: 1.0,
                    key: o.set_id.clone(),
                    stylist: "polyvore".into(),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maryland_sample_reads() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/maryland-polyvore-sample");
        if !dir.is_dir() {
            eprintln!("skipped: {} not present", dir.display());
            return;
        }
        let d = read_maryland(&dir).unwrap();
        assert_eq!(d.train.len(), 9);
        assert_eq!(d.valid.len(), 5);
        assert_eq!(d.test.len(), 5);
        assert!(d.items.len() > 60, "{}", d.items.len());
        assert!(d.skipped_items > 0, "beauty and home items are skipped");
        let dress = &d.items["100002074_1"];
        assert_eq!(dress.slot, Slot::OnePiece);
        assert!(dress.image.is_some());
        // The sample's three image-less items are not garments; every garment kept has its photo.
        assert!(d.items.values().filter(|i| i.image.is_some()).count() >= d.items.len() - 3);
    }

    #[test]
    fn polyvore_semantic_categories_map_to_slots() {
        assert_eq!(slot_for("tops", ""), Some(Slot::Top));
        assert_eq!(slot_for("bottoms", ""), Some(Slot::Bottom));
        assert_eq!(slot_for("all-body", ""), Some(Slot::OnePiece));
        assert_eq!(slot_for("outerwear", ""), Some(Slot::Outerwear));
        assert_eq!(slot_for("shoes", ""), Some(Slot::Shoes));
        assert_eq!(slot_for("bags", ""), Some(Slot::Bag));
        assert_eq!(slot_for("hats", ""), Some(Slot::Headwear));
        assert_eq!(slot_for("jewellery", ""), Some(Slot::Accessory));
        assert_eq!(slot_for("sunglasses", ""), Some(Slot::Accessory));
        assert_eq!(slot_for("scarves", ""), Some(Slot::Accessory));
        assert_eq!(slot_for("", "lipstick"), None);
    }
}
