//! Outfit sets beyond Polyvore: MANGO's stylist outfits and a webshop's own outfits (a catalogue feed plus an
//! `outfit_id,sku` CSV). Both become an [`AdultDataset`] that training and the evaluation protocol read.
//!
//! MANGO layout (UPC Datathon 2023): `product_data.csv` (one row per article: `cod_modelo_color`, colour,
//! fabric, category, family, type, `des_filename` = `datathon/images/<year>_<model>_<colour>.jpg`),
//! `outfits_*.csv` (`cod_outfit,cod_modelo_color`), `images/`. MANGO has no titles: the item text is built from
//! the attributes (colour, fabric, type) through the same template as every catalogue (`encode::template`). The
//! photo's year is the item's collection.
//!
//! Neither source ships a split, so outfits are split by a hash of their id (80% train, 10% validation, 10%
//! test): stable across runs and machines, and independent of row order.

use super::polyvore::{AdultDataset, AdultItem, AdultOutfit};
use crate::{ModelError, Result};
use outfit_catalogue::Slot;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Which split an outfit id falls in: 0 train (80%), 1 validation (10%), 2 test (10%).
pub fn split_of(outfit_id: &str) -> usize {
    let h = Sha256::digest(format!("outfit-studio-split-v1:{outfit_id}").as_bytes());
    match h[0] as usize * 100 / 256 {
        0..80 => 0,
        80..90 => 1,
        _ => 2,
    }
}

/// MANGO's slot for a product: footwear, bags, headwear and small accessories by family and type; swimwear,
/// intimates, home, beauty and gadgets are no outfit garments (`None`).
pub fn mango_slot(category: &str, family: &str, kind: &str) -> Option<Slot> {
    let (c, f, t) = (category.to_lowercase(), family.to_lowercase(), kind.to_lowercase());
    if c == "home" || c == "beauty" || f.contains("intimate") || f.contains("swim") || f.contains("gadget") || f.contains("fragance") {
        return None;
    }
    Some(match f.as_str() {
        "footwear" => Slot::Shoes,
        "bags" | "wallets & cases" => Slot::Bag,
        "jewellery" | "glasses" | "belts and ties" => Slot::Accessory,
        "hats, scarves and gloves" => {
            if ["hat", "cap", "beanie", "turban"].iter().any(|w| t.split_whitespace().any(|x| x == *w)) {
                Slot::Headwear
            } else {
                Slot::Accessory
            }
        }
        _ => match c.as_str() {
            "tops" => Slot::Top,
            "bottoms" => Slot::Bottom,
            "outerwear" => Slot::Outerwear,
            c if c.starts_with("dresses") => Slot::OnePiece,
            _ => return Slot::from_category(&t),
        },
    })
}

/// MANGO's Spanish colour specification in English, for the text template ("TEJANO OSCURO" -> "dark denim blue").
/// Unknown ones fall back to the coarse English colour group.
pub fn mango_colour(spec: &str, group: &str) -> String {
    const WORDS: &[(&str, &str)] = &[
        ("tejano negro", "black denim"),
        ("tejano oscuro", "dark denim blue"),
        ("tejano medio", "mid denim blue"),
        ("tejano claro", "light denim blue"),
        ("tejano", "denim blue"),
        ("rosa pastel", "pastel pink"),
        ("gris medio vigore", "grey marl"),
        ("gris claro vigore", "light grey marl"),
        ("negro", "black"),
        ("crudo", "ecru"),
        ("offwhite", "off-white"),
        ("blanco", "white"),
        ("oro", "gold"),
        ("plata", "silver"),
        ("beige", "beige"),
        ("verde", "green"),
        ("marron", "brown"),
        ("azul", "blue"),
        ("khaki", "khaki"),
        ("rojo", "red"),
        ("navy", "navy"),
        ("camel", "camel"),
        ("gris", "grey"),
        ("rosa", "pink"),
        ("arena", "sand"),
        ("naranja", "orange"),
        ("piedra", "stone"),
        ("celeste", "light blue"),
        ("mostaza", "mustard"),
        ("fucsia", "fuchsia"),
        ("chocolate", "chocolate brown"),
        ("cuero", "tan"),
        ("antracita", "charcoal"),
        ("granate", "burgundy"),
        ("terracota", "terracotta"),
        ("topo", "taupe"),
        ("morado", "purple"),
        ("amarillo", "yellow"),
        ("nude", "nude"),
        ("caramelo", "caramel"),
        ("lila", "lilac"),
        ("coral", "coral"),
        ("vino", "burgundy"),
        ("tostado", "tan"),
        ("visón", "mink"),
    ];
    let s = spec.trim().to_lowercase();
    WORDS.iter().find(|(k, _)| s.starts_with(k)).map(|(_, v)| v.to_string()).unwrap_or_else(|| group.trim().to_lowercase())
}

/// MANGO's fabric code as a material word.
pub fn mango_material(code: &str) -> &'static str {
    match code.split('-').next().unwrap_or("") {
        "J" => "denim",
        "T" => "knit",
        "K" => "jersey",
        "P" => "woven",
        "L" => "leather",
        "O" => "faux leather",
        _ => "",
    }
}

fn csv_reader(path: &Path) -> Result<csv::Reader<std::fs::File>> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| ModelError::dataset(format!("cannot read {}: {e}", path.display())))
}

fn header_index(path: &Path, headers: &csv::StringRecord, names: &[&str]) -> Result<Vec<usize>> {
    names
        .iter()
        .map(|n| {
            headers.iter().position(|h| h.trim().trim_start_matches('\u{feff}') == *n).ok_or_else(|| {
                ModelError::dataset(format!(
                    "{} has no column {n:?} (columns: {})",
                    path.display(),
                    headers.iter().collect::<Vec<_>>().join(", ")
                ))
            })
        })
        .collect()
}

/// Reads `outfit_id,sku` rows (any header names for the two columns: the first two columns are taken) into
/// outfits, in first-seen order; SKUs the `known` test rejects are counted, not kept.
fn read_outfit_rows(path: &Path, id_col: usize, sku_col: usize, known: impl Fn(&str) -> bool) -> Result<(Vec<AdultOutfit>, usize)> {
    let mut rdr = csv_reader(path)?;
    let mut order: Vec<String> = Vec::new();
    let mut by_id: HashMap<String, Vec<String>> = HashMap::new();
    let mut unknown = 0;
    for (line, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| ModelError::dataset(format!("{} line {}: unreadable row: {e}", path.display(), line + 2)))?;
        let (Some(id), Some(sku)) = (rec.get(id_col), rec.get(sku_col)) else {
            return Err(ModelError::dataset(format!("{} line {}: expected outfit id and sku columns", path.display(), line + 2)));
        };
        if !known(sku.trim()) {
            unknown += 1;
            continue;
        }
        let items = by_id.entry(id.trim().to_string()).or_insert_with(|| {
            order.push(id.trim().to_string());
            Vec::new()
        });
        if !items.iter().any(|s| s == sku.trim()) {
            items.push(sku.trim().to_string());
        }
    }
    let outfits = order.into_iter().map(|id| AdultOutfit { items: by_id.remove(&id).unwrap_or_default(), set_id: id }).collect();
    Ok((outfits, unknown))
}

fn split_outfits(data: &mut AdultDataset, outfits: Vec<AdultOutfit>) {
    for o in outfits {
        match split_of(&o.set_id) {
            0 => data.train.push(o),
            1 => data.valid.push(o),
            _ => data.test.push(o),
        }
    }
}

/// Reads a MANGO outfit directory. Every `outfits_*.csv` (or `outfit_data.csv`) in it is read.
pub fn read_mango(dir: &Path) -> Result<AdultDataset> {
    let products = dir.join("product_data.csv");
    let mut rdr = csv_reader(&products)?;
    let headers = rdr.headers().map_err(|e| ModelError::dataset(format!("{}: unreadable header: {e}", products.display())))?.clone();
    let cols = [
        "cod_modelo_color",
        "des_color_specification_esp",
        "des_agrup_color_eng",
        "des_fabric",
        "des_product_category",
        "des_product_family",
        "des_product_type",
        "des_filename",
    ];
    let ix = header_index(&products, &headers, &cols)?;
    let mut data = AdultDataset { source: format!("MANGO stylist outfits at {}", dir.display()), ..Default::default() };
    let mut items = BTreeMap::new();
    for (line, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| ModelError::dataset(format!("{} line {}: unreadable row: {e}", products.display(), line + 2)))?;
        let f = |i: usize| rec.get(ix[i]).unwrap_or("").trim();
        let id = f(0).to_string();
        if id.is_empty() {
            continue;
        }
        let Some(slot) = mango_slot(f(4), f(5), f(6)) else {
            data.skipped_items += 1;
            continue;
        };
        let file = f(7).rsplit('/').next().unwrap_or("").to_string();
        let img = dir.join("images").join(&file);
        let collection = file.split('_').next().filter(|y| y.len() == 4 && y.chars().all(|c| c.is_ascii_digit())).unwrap_or("");
        items.insert(
            id.clone(),
            AdultItem {
                id,
                title: String::new(),
                category: f(6).to_string(),
                slot,
                price: None,
                image: img.is_file().then_some(img),
                colour: mango_colour(f(1), f(2)),
                description: mango_material(f(3)).to_string(),
                collection: collection.to_string(),
            },
        );
    }
    data.items = items;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(ModelError::io(dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("outfit") && n.ends_with(".csv")))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(ModelError::dataset(format!("{} has no outfits_*.csv (cod_outfit,cod_modelo_color)", dir.display())));
    }
    for path in files {
        let mut r = csv_reader(&path)?;
        let h = r.headers().map_err(|e| ModelError::dataset(format!("{}: unreadable header: {e}", path.display())))?.clone();
        let ix = header_index(&path, &h, &["cod_outfit", "cod_modelo_color"])?;
        let (outfits, _unknown) = read_outfit_rows(&path, ix[0], ix[1], |s| data.items.contains_key(s))?;
        split_outfits(&mut data, outfits.into_iter().filter(|o| o.items.len() >= 2).collect());
    }
    Ok(data)
}

/// The part of a dataset in one collection: its items of that collection and the outfits, each in its own split,
/// whose garments all belong to it (MANGO's 2019 and 2023 collections become two sources this way). The
/// dataset's own question files are left out: they mix collections.
pub fn collection_subset(data: &AdultDataset, collection: &str) -> AdultDataset {
    let items: BTreeMap<String, AdultItem> =
        data.items.iter().filter(|(_, i)| i.collection == collection).map(|(k, i)| (k.clone(), i.clone())).collect();
    let keep = |os: &[AdultOutfit]| -> Vec<AdultOutfit> {
        os.iter().filter(|o| o.items.len() >= 2 && o.items.iter().all(|i| items.contains_key(i))).cloned().collect()
    };
    let (train, valid, test) = (keep(&data.train), keep(&data.valid), keep(&data.test));
    AdultDataset {
        source: format!("{} (collection {collection})", data.source),
        items,
        train,
        valid,
        test,
        skipped_items: data.skipped_items,
        ..Default::default()
    }
}

/// Reads a webshop's own outfits: a catalogue feed in any format the importers read, and a CSV whose first two
/// columns are outfit id and SKU. The feed's season is the collection (all-season items share one).
pub fn read_outfit_csv(feed: &Path, outfits: &Path) -> Result<AdultDataset> {
    let parsed = outfit_catalogue::import_feed(feed)?;
    if parsed.items.is_empty() {
        return Err(ModelError::dataset(format!("{}: no importable items ({} row errors)", feed.display(), parsed.errors.len())));
    }
    let mut data = AdultDataset { source: format!("outfits {} over {}", outfits.display(), feed.display()), ..Default::default() };
    for it in parsed.items {
        data.items.insert(
            it.sku.to_string(),
            AdultItem {
                id: it.sku.to_string(),
                title: it.title.to_string(),
                category: it.category.to_string(),
                slot: it.slot,
                price: it.price,
                image: it.image.as_deref().map(PathBuf::from).filter(|p| p.is_file()),
                colour: it.colour.to_string(),
                description: it.description.to_string(),
                collection: it.season.as_str().to_string(),
            },
        );
    }
    let (list, unknown) = read_outfit_rows(outfits, 0, 1, |s| data.items.contains_key(s))?;
    data.skipped_items = unknown;
    split_outfits(&mut data, list.into_iter().filter(|o| o.items.len() >= 2).collect());
    if data.train.is_empty() {
        return Err(ModelError::dataset(format!("{}: no outfit with two or more known SKUs", outfits.display())));
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_are_stable_and_near_80_10_10() {
        let counts = (0..10_000).fold([0usize; 3], |mut c, i| {
            c[split_of(&i.to_string())] += 1;
            c
        });
        assert!((7_700..8_300).contains(&counts[0]), "{counts:?}");
        assert!((800..1_200).contains(&counts[1]) && (800..1_200).contains(&counts[2]), "{counts:?}");
        assert_eq!(split_of("2"), split_of("2"));
    }

    #[test]
    fn mango_attributes_map_to_slots_colours_and_materials() {
        assert_eq!(mango_slot("Bottoms", "Jeans", "Jeans"), Some(Slot::Bottom));
        assert_eq!(mango_slot("Dresses, jumpsuits and Complete set", "Dresses", "Dress"), Some(Slot::OnePiece));
        assert_eq!(mango_slot("Accesories, Swim and Intimate", "Footwear", "Ankle Boots"), Some(Slot::Shoes));
        assert_eq!(mango_slot("Accesories, Swim and Intimate", "Hats, scarves and gloves", "Beanie"), Some(Slot::Headwear));
        assert_eq!(mango_slot("Accesories, Swim and Intimate", "Hats, scarves and gloves", "Scarf"), Some(Slot::Accessory));
        assert_eq!(mango_slot("Accesories, Swim and Intimate", "Intimate", "Bras"), None);
        assert_eq!(mango_slot("Home", "Bedding", "Cushion"), None);
        assert_eq!(mango_colour("TEJANO OSCURO", "BLUE"), "dark denim blue");
        assert_eq!(mango_colour("NEGRO", "GREY"), "black");
        assert_eq!(mango_colour("ALGO RARO", "GREEN"), "green");
        assert_eq!(mango_material("J-JEANS"), "denim");
        assert_eq!(mango_material("C-COMPLEMENTOS"), "");
    }

    #[test]
    fn the_real_mango_development_set_reads() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/mango-outfits");
        if !dir.join("product_data.csv").is_file() {
            eprintln!("SKIPPED: {} is not here (real MANGO outfits; CI has them)", dir.display());
            return;
        }
        let d = read_mango(&dir).unwrap();
        assert_eq!(d.items.len(), 8_940, "garments (home, beauty, intimates and swimwear left out)");
        assert_eq!(d.train.len() + d.valid.len() + d.test.len(), 6_217, "outfits with two or more garments");
        assert_eq!((d.train.len(), d.valid.len(), d.test.len()), (4_975, 641, 601), "the split the README reports");
        assert!(d.items.values().all(|i| i.image.is_some()), "every garment has its photo");
        let in_2019 = d.items.values().filter(|i| i.collection == "2019").count();
        assert!(in_2019 > 3_000 && d.items.values().filter(|i| i.collection == "2023").count() > 3_000);
        assert!(d.items.values().any(|i| i.colour == "black" && i.slot == Slot::Bottom));
        // The by-year transfer target and source (`eval-transfer --by-year 2019:2023`).
        let count = |s: &AdultDataset| s.train.len() + s.valid.len() + s.test.len();
        let (y19, y23) = (collection_subset(&d, "2019"), collection_subset(&d, "2023"));
        // Outfits of two or more garments, every garment of one year (the 3,124 / 2,794 counted the raw
        // outfits file, before garment filtering).
        assert_eq!((count(&y19), count(&y23)), (2_794, 3_070), "single-collection outfits");
        assert!(y23.items.values().all(|i| i.collection == "2023") && y23.items.len() < d.items.len());
    }

    #[test]
    fn a_generated_mango_layout_reads() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("images")).unwrap();
        let header = "\"cod_modelo_color\",\"cod_color_code\",\"des_color_specification_esp\",\"des_agrup_color_eng\",\"des_sex\",\"des_age\",\"des_line\",\"des_fabric\",\"des_product_category\",\"des_product_aggregated_family\",\"des_product_family\",\"des_product_type\",\"des_filename\"";
        let rows = [
            "\"1-01\",\"01\",\"NEGRO\",\"GREY\",\"Female\",\"Adult\",\"SHE\",\"K-CIRCULAR\",\"Tops\",\"T-shirts\",\"T-shirt\",\"T-shirt\",\"datathon/images/2019_1_01.jpg\"",
            "\"2-02\",\"02\",\"TEJANO MEDIO\",\"BLUE\",\"Female\",\"Adult\",\"SHE\",\"J-JEANS\",\"Bottoms\",\"Jeans\",\"Jeans\",\"Jeans\",\"datathon/images/2019_2_02.jpg\"",
            "\"3-03\",\"03\",\"BLANCO\",\"WHITE\",\"Female\",\"Adult\",\"SHE\",\"C-COMPLEMENTOS\",\"Accesories, Swim and Intimate\",\"Accessories\",\"Footwear\",\"Trainers\",\"datathon/images/2023_3_03.jpg\"",
            "\"4-04\",\"04\",\"ROSA\",\"PINK\",\"Female\",\"Adult\",\"SHE\",\"C-COMPLEMENTOS\",\"Home\",\"Decor\",\"Deco Textiles\",\"Cushion\",\"datathon/images/2023_4_04.jpg\"",
        ];
        std::fs::write(dir.path().join("product_data.csv"), format!("{header}\n{}\n", rows.join("\n"))).unwrap();
        std::fs::write(dir.path().join("images/2019_1_01.jpg"), b"not checked here").unwrap();
        let mut outfits = String::from("cod_outfit,cod_modelo_color\n");
        for o in 0..50 {
            outfits.push_str(&format!("{o},1-01\n{o},2-02\n{o},3-03\n{o},4-04\n"));
        }
        outfits.push_str("99,1-01\n");
        std::fs::write(dir.path().join("outfits_dev.csv"), outfits).unwrap();
        let d = read_mango(dir.path()).unwrap();
        assert_eq!(d.items.len(), 3, "the cushion is no garment");
        assert_eq!(d.skipped_items, 1);
        let tee = &d.items["1-01"];
        assert_eq!(
            (tee.slot, tee.colour.as_str(), tee.description.as_str(), tee.collection.as_str()),
            (Slot::Top, "black", "jersey", "2019")
        );
        assert!(tee.image.is_some() && d.items["2-02"].image.is_none());
        assert_eq!(d.items["3-03"].collection, "2023");
        assert_eq!(d.train.len() + d.valid.len() + d.test.len(), 50, "the one-item outfit is dropped");
        assert!(d.train.iter().all(|o| o.items == ["1-01", "2-02", "3-03"]));
        // Every outfit mixes 2019 and 2023: neither collection keeps one.
        let y19 = collection_subset(&d, "2019");
        assert_eq!((y19.items.len(), y19.train.len() + y19.valid.len() + y19.test.len()), (2, 0));
    }
}
