//! The foundation, driven as a user drives it: the `outfit-studio` binary on the embedded demo catalogue.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_outfit-studio"));
    c.env("OUTFIT_STUDIO_DATA", data).env_remove("OUTFIT_STUDIO_DB").env_remove("OUTFIT_STUDIO_STYLIST");
    c
}

fn run_ok(data: &Path, args: &[&str]) -> String {
    let out: Output = bin(data).args(args).output().expect("binary runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "outfit-studio {args:?} failed:\n{text}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn run_err(data: &Path, args: &[&str]) -> String {
    let out = bin(data).args(args).output().expect("binary runs");
    assert!(!out.status.success(), "outfit-studio {args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn demo_feed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/catalogue.csv")
}

fn demo_rows() -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_path(demo_feed()).unwrap();
    r.records().map(|x| x.unwrap().iter().map(str::to_string).collect()).collect()
}

/// First demo SKU of a category and age group.
fn sku(category: &str, age: &str) -> String {
    demo_rows().into_iter().find(|r| r[3] == category && r[6] == age && r[13] == "true").unwrap_or_else(|| panic!("no {category}/{age}"))[0]
        .clone()
}

#[test]
fn import_index_score_complete_judge_export() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path();

    let out = run_ok(d, &["import", demo_feed().to_str().unwrap()]);
    assert!(out.contains("600 items imported (600 new"), "{out}");
    // Re-import updates in place: nothing new.
    let out = run_ok(d, &["import", demo_feed().to_str().unwrap()]);
    assert!(out.contains("(0 new, 0 updated, 600 unchanged)"), "{out}");

    let out = run_ok(d, &["index"]);
    assert!(out.contains("indexed 600 items"), "{out}");
    // A second run does no work.
    let out = run_ok(d, &["index"]);
    assert!(out.contains("indexed 0 items") && out.contains("600 already up to date"), "{out}");

    let (top, bottom, shoes) = (sku("T-shirts", "toddler"), sku("Shorts", "toddler"), sku("Sandals", "toddler"));
    let json = run_ok(d, &["score", &top, &bottom, &shoes, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let p = v["probability"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&p));
    assert_eq!(v["pairs"].as_array().unwrap().len(), 3);
    let text = run_ok(d, &["score", &top, &bottom]);
    assert!(text.starts_with("compatibility 0."), "{text}");

    // By default suggestions keep to the board's age bands and seasons (the top and shorts are summer toddler).
    let rows = demo_rows();
    let json = run_ok(d, &["complete", &top, &bottom, "--slot", "shoes", "-k", "10", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    // Seasons of wear, as the library reads them (words first, the feed's season column as a hint).
    let wear = |sku: &str| -> u8 {
        let r = rows.iter().find(|r| r[0] == sku).unwrap();
        let mut it = outfit_studio::catalogue::Item::bare(sku, outfit_studio::catalogue::Slot::Top);
        (it.title, it.description, it.category) = (r[1].as_str().into(), r[2].as_str().into(), r[3].as_str().into());
        it.season = outfit_studio::catalogue::Season::parse(&r[8]).unwrap();
        outfit_studio::catalogue::styling::seasons_of_wear(&it)
    };
    let board = [wear(&top), wear(&bottom)].into_iter().filter(|m| *m != 0).fold(0xf, |a, m| a & m);
    assert_ne!(board, 0, "a summer toddler board");
    for s in v[0][1].as_array().unwrap() {
        let row = rows.iter().find(|r| r[0] == s["sku"].as_str().unwrap()).unwrap();
        assert_eq!(row[6], "toddler", "{row:?}: age bands never mix by default");
        let m = wear(&row[0]);
        assert!(m == 0 || m & board != 0, "{row:?} ({m:#b}) vs the board's {board:#b}");
    }
    let json = run_ok(
        d,
        &[
            "complete",
            &top,
            &bottom,
            "--slot",
            "shoes",
            "-k",
            "10",
            "--age",
            "toddler",
            "--in-stock",
            "--any-age-or-season",
            "--any-gender",
            "--any-occasion",
            "--diversity",
            "0",
            "--json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let sugg = v[0][1].as_array().unwrap();
    assert_eq!(sugg.len(), 10);
    let probs: Vec<f64> = sugg.iter().map(|s| s["outfit_probability"].as_f64().unwrap()).collect();
    assert!(probs.windows(2).all(|w| w[0] >= w[1]), "best first: {probs:?}");
    for s in sugg {
        let row = rows.iter().find(|r| r[0] == s["sku"].as_str().unwrap()).unwrap();
        assert!(["Sneakers", "Boots", "Sandals", "Wellies"].contains(&row[3].as_str()), "{row:?} is not shoes");
        assert_eq!(row[6], "toddler");
        assert_eq!(row[13], "true");
    }
    // All empty slots at once.
    let text = run_ok(d, &["complete", &top, &bottom, "-k", "3"]);
    assert!(text.contains("Shoes:") && text.contains("Outerwear:") && !text.contains("One-piece:"), "{text}");
    // One ranking never probes for a GPU under `auto` (a probe logs the scorer it chose); a choice made is obeyed.
    let chose_a_scorer = |scorer: &str| {
        let out = bin(d)
            .args(["complete", &top, &bottom, "-k", "3"])
            .env("OUTFIT_STUDIO_SCORER", scorer)
            .env("OUTFIT_STUDIO_LOG", "outfit=info")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stderr).contains("scorer: ")
    };
    assert!(!chose_a_scorer("auto"), "a one-shot complete probed for a GPU");
    assert!(chose_a_scorer("cpu"));

    let out = run_ok(d, &["judge", "accept", &top, &bottom, &shoes, "--stylist", "ana"]);
    assert!(out.contains("recorded judgement 1"), "{out}");
    run_ok(d, &["judge", "reject", &top, &shoes, "--stylist", "ben", "--reason", "colour_clash"]);
    let err = run_err(d, &["judge", "accept", &top, "NOPE-1", "--stylist", "ana"]);
    assert!(err.contains("unknown SKU(s): NOPE-1"), "{err}");

    let labels = run_ok(d, &["export", "labels"]);
    let lines: Vec<serde_json::Value> = labels.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["verdict"], "accept");
    assert_eq!(lines[0]["stylist"], "ana");
    assert!(lines[0]["score"].as_f64().is_some() && lines[0]["model_name"].as_str().is_some());
    assert_eq!(lines[1]["reasons"][0], "colour_clash");

    let out_file = d.join("outfits.json");
    run_ok(d, &["export", "outfits", "--format", "json", "--out", out_file.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    let outfits = v.as_array().unwrap();
    assert_eq!(outfits.len(), 1, "only the accepted outfit is approved");
    let items = outfits[0]["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    // The demo's photos are local files: no image link rather than a local path.
    assert!(items.iter().all(|i| i.get("image").is_none() && i.get("image_url").is_none() && i["price"].as_f64().unwrap() > 0.0));
    let err = run_err(d, &["export", "outfits", "--refuse-missing-images"]);
    assert!(err.contains("3 items have no public image link"), "{err}");
    let v: serde_json::Value =
        serde_json::from_str(&run_ok(d, &["export", "outfits", "--image-url-template", "https://cdn.example.com/i/{sku}.jpg"])).unwrap();
    assert_eq!(
        v[0]["items"][0]["image_url"].as_str().unwrap(),
        format!("https://cdn.example.com/i/{}.jpg", v[0]["items"][0]["sku"].as_str().unwrap())
    );
    // Saved for the catalogue, the template serves the next exports without the flag.
    run_ok(d, &["export", "outfits", "--image-url-template", "https://cdn.example.com/demo/{sku}.jpg", "--save-image-url-template"]);
    let v: serde_json::Value = serde_json::from_str(&run_ok(d, &["export", "outfits", "--refuse-missing-images"])).unwrap();
    assert!(v[0]["items"][0]["image_url"].as_str().unwrap().starts_with("https://cdn.example.com/demo/"), "{v}");
    // Publish shows the difference first; a dry run records nothing, and after a publish nothing has changed.
    let publish = |args: &[&str]| {
        let out = bin(d).args(["publish"]).args(args).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let csv_out = d.join("shop.csv");
    assert!(publish(&["--format", "shopify", "--dry-run"]).contains("first publish here: 3 products"));
    let err = publish(&["--format", "shopify", "--out", csv_out.to_str().unwrap()]);
    assert!(err.contains("first publish here: 3 products") && err.contains("wrote 3 products"), "{err}");
    let err = publish(&["--format", "matrixify", "--changed-only", "--out", d.join("m.csv").to_str().unwrap()]);
    assert!(err.contains("0 products new, 0 changed, 0 to clear, 3 unchanged") && err.contains("nothing written"), "{err}");
    assert!(!d.join("m.csv").exists());

    // Generate looks for the toddler one-pieces: every hero short of k says why, and the totals close the run.
    let out = bin(d).args(["generate-looks", "--age", "toddler", "--slot", "one_piece", "-k", "3", "--dry-run"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains(" heroes (") && err.contains("looks; 3 for"), "{err}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.lines().all(|l| l.contains(" + ")), "{stdout}");

    // Undo removes the label from the export and the outfit from the approved list.
    run_ok(d, &["undo", "1"]);
    assert_eq!(run_ok(d, &["export", "labels"]).lines().count(), 1);
    let v: serde_json::Value = serde_json::from_str(&run_ok(d, &["export", "outfits"])).unwrap();
    assert!(v.as_array().unwrap().is_empty());

    let models = run_ok(d, &["models"]);
    assert!(models.contains("* "), "an active head is listed: {models}");
}

#[test]
fn bad_feed_reports_lines_and_keeps_good_rows() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    let feed = d.join("feed.csv");
    std::fs::write(&feed, "sku,title,category,price,image\nG1,Red dress,Dresses,199,missing.png\nB1,,Dresses,10,\nB2,Boots,Boots,lots,\nG2,Jeans,Jeans,299,\n").unwrap();
    let out = run_ok(d, &["import", feed.to_str().unwrap()]);
    assert!(out.contains("2 items imported"), "{out}");
    assert!(out.contains("rejected line 3: title: missing"), "{out}");
    assert!(out.contains("rejected line 4: price: not a price"), "{out}");
    assert!(out.contains("warning  line 2: image: image file not found"), "{out}");

    // Text-only items (missing image, no image) still get features and can be scored.
    let out = run_ok(d, &["index"]);
    assert!(out.contains("indexed 2 items") && out.contains("2 text-only"), "{out}");
    let out = run_ok(d, &["score", "G1", "G2"]);
    assert!(out.starts_with("compatibility "), "{out}");

    let err = run_err(d, &["import", d.join("nope.csv").to_str().unwrap()]);
    assert!(err.contains("cannot read feed"), "{err}");
    let err = run_err(d, &["judge", "maybe", "G1", "G2", "--stylist", "x"]);
    assert!(err.contains("verdict must be accept, reject or skip"), "{err}");
}

#[test]
fn unusable_onnx_runtime_path_says_what_to_set() {
    let data = tempfile::tempdir().unwrap();
    let out = bin(data.path()).args(["doctor"]).env("ORT_DYLIB_PATH", data.path().join("libonnxruntime.so")).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ORT_DYLIB_PATH=") && err.contains("is not usable") && err.contains("does not exist"), "{err}");
}

/// A MANGO-layout directory written by the test: 3 colour styles x 2 collections, outfits of one style and one
/// collection (top, bottom, shoes, bag), with real (tiny) photos so the real encoders run.
fn write_mango(dir: &Path) {
    std::fs::create_dir_all(dir.join("images")).unwrap();
    let header = "\"cod_modelo_color\",\"cod_color_code\",\"des_color_specification_esp\",\"des_agrup_color_eng\",\"des_sex\",\"des_age\",\"des_line\",\"des_fabric\",\"des_product_category\",\"des_product_aggregated_family\",\"des_product_family\",\"des_product_type\",\"des_filename\"";
    let kinds = [
        ("Tops", "T-shirts", "T-shirt", "T-shirt", "K-CIRCULAR"),
        ("Bottoms", "Jeans", "Jeans", "Jeans", "J-JEANS"),
        ("Accesories, Swim and Intimate", "Accessories", "Footwear", "Trainers", "C-COMPLEMENTOS"),
        ("Accesories, Swim and Intimate", "Accessories", "Bags", "Handbag", "C-COMPLEMENTOS"),
    ];
    let styles = [("ROJO", "RED", [200u8, 30, 30]), ("AZUL", "BLUE", [30, 30, 200]), ("VERDE", "GREEN", [30, 160, 30])];
    let mut rows = vec![header.to_string()];
    let mut outfits = String::from("cod_outfit,cod_modelo_color\n");
    let mut outfit = 0;
    for year in ["2019", "2023"] {
        for (s, (spec, group, rgb)) in styles.iter().enumerate() {
            for v in 0..6 {
                outfit += 1;
                for (k, (cat, agg, fam, kind, fabric)) in kinds.iter().enumerate() {
                    let code = format!("{year}{s}{v}{k}-0{s}");
                    let file = format!("{year}_{year}{s}{v}{k}_0{s}.jpg");
                    let img = image::RgbImage::from_fn(32, 32, |x, y| {
                        if (x * (k as u32 + 1) + y + v).is_multiple_of(9) { image::Rgb([250, 250, 250]) } else { image::Rgb(*rgb) }
                    });
                    img.save(dir.join("images").join(&file)).unwrap();
                    rows.push(format!(
                        "\"{code}\",\"0{s}\",\"{spec}\",\"{group}\",\"Female\",\"Adult\",\"SHE\",\"{fabric}\",\"{cat}\",\"{agg}\",\"{fam}\",\"{kind}\",\"datathon/images/{file}\""
                    ));
                    outfits.push_str(&format!("{outfit},{code}\n"));
                }
            }
        }
    }
    std::fs::write(dir.join("product_data.csv"), rows.join("\n") + "\n").unwrap();
    std::fs::write(dir.join("outfits_dev.csv"), outfits).unwrap();
}

#[test]
fn pretrain_and_eval_outfits_on_a_generated_mango_layout() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    let mango = d.join("mango");
    write_mango(&mango);
    let cache = d.join("cache");
    let report = d.join("report.json");
    let head = d.join("head-test.safetensors");
    let out = bin(d)
        .env("OUTFIT_STUDIO_CACHE", &cache)
        .args(["pretrain", "--mango", mango.to_str().unwrap(), "--epochs", "8", "--json", report.to_str().unwrap()])
        .args(["--export", head.to_str().unwrap()])
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{text}");
    assert!(text.contains("MANGO stylist outfits") && text.contains("144 garments"), "{text}");
    for row in [
        "random",
        "item co-occurrence",
        "cosine of raw image features",
        "cosine of raw text features",
        "untrained zero-shot",
        "pretrained head (this run)",
    ] {
        assert!(text.contains(row), "{row} missing:\n{text}");
    }
    assert!(text.contains("same category (slot) and collection"), "{text}");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let per_question = &v[0]["results"][0]["warm"]["fitb"];
    assert!(per_question.as_array().is_some_and(|a| !a.is_empty()), "per-question scores are written");
    let side: serde_json::Value = serde_json::from_slice(&std::fs::read(head.with_extension("json")).unwrap()).unwrap();
    assert!(side["trained_on"].as_str().unwrap().contains("MANGO"), "{side}");
    assert!(side["params"]["calibration"].is_array(), "{side}");

    // The evaluation command re-reads the features from the cache and scores every stored head.
    let out = bin(d).env("OUTFIT_STUDIO_CACHE", &cache).args(["eval-outfits", "--mango", mango.to_str().unwrap()]).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{text}");
    assert!(text.contains(" 0 encoded"), "features come from the cache: {text}");
    assert!(text.contains("stored head") && text.contains("pretrained-mango"), "{text}");
}

#[test]
fn the_demo_travels_inside_the_binary() {
    // The binary copied away from the checkout and started from an unrelated directory: the demo catalogue comes
    // out of the binary into the data directory, images included.
    let tmp = tempfile::tempdir().unwrap();
    let (cwd, data) = (tmp.path().join("somewhere"), tmp.path().join("data"));
    std::fs::create_dir_all(&cwd).unwrap();
    let exe = tmp.path().join("outfit-studio");
    std::fs::copy(env!("CARGO_BIN_EXE_outfit-studio"), &exe).unwrap();
    let out = bin(&data).current_dir(&cwd).arg("--db").arg(data.join("studio.db")).args(["import", "--demo"]).output().unwrap();
    let moved = Command::new(&exe)
        .current_dir(&cwd)
        .env("OUTFIT_STUDIO_DATA", &data)
        .env_remove("OUTFIT_STUDIO_DB")
        .args(["import", "--demo"])
        .output()
        .unwrap();
    for o in [&out, &moved] {
        let text = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
        assert!(o.status.success(), "{text}");
    }
    let first = String::from_utf8_lossy(&out.stdout);
    assert!(
        first.contains("600 items imported (600 new") && first.contains(&data.join("demo/catalogue.csv").display().to_string()),
        "{first}"
    );
    assert!(String::from_utf8_lossy(&moved.stdout).contains("600 unchanged"), "the moved binary found the same demo");
    assert_eq!(std::fs::read(data.join("demo/catalogue.csv")).unwrap(), std::fs::read(demo_feed()).unwrap());
    let s = outfit_studio::store::Store::open(&data.join("studio.db")).unwrap();
    let items = s.all_items().unwrap();
    assert_eq!(items.len(), 600);
    assert!(
        items.iter().all(|i| i
            .item
            .image
            .as_deref()
            .map(Path::new)
            .is_some_and(|p| p.starts_with(data.join("demo/images")) && p.is_file()))
    );
    assert!(std::fs::read_dir(&cwd).unwrap().next().is_none(), "nothing written to the working directory");
}

#[test]
fn bench_index_times_every_variant_on_the_databases_own_items() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    run_ok(d, &["import", demo_feed().to_str().unwrap()]);
    let out = run_ok(d, &["bench", "--index", "--items", "20", "--batch", "8", "--reps", "1"]);
    assert!(out.contains("### Indexing 20 items (20 with photos), batch 8"), "{out}");
    for variant in ["shipped: int8 image model", "pipelined", "spin when idle", "fp32 image model"] {
        let row = out.lines().find(|l| l.contains(variant)).unwrap_or_else(|| panic!("no {variant:?} row:\n{out}"));
        let items_per_s: f64 = row.split('|').nth(2).unwrap().trim().parse().unwrap();
        assert!(items_per_s > 0.0, "{row}");
    }
    // `doctor` names the image model's precision and how close it measured to fp32.
    let out = run_ok(d, &["doctor"]);
    assert!(out.contains("image model: efficientnet-lite0-int8.onnx (int8; cosine to the fp32 model median 0.99"), "{out}");
    // An empty database has nothing to time, and says so.
    let empty = tempfile::tempdir().unwrap();
    let err = run_err(empty.path(), &["bench", "--index"]);
    assert!(err.contains("no items to encode"), "{err}");
}
