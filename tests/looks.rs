//! Looks at catalogue scale through the engine: generate for toddler one-pieces, queue for a stylist, review
//! with the queue's decisions, count, and publish "complete the look" per product in every format.

mod common;

use outfit_studio::Engine;
use outfit_studio::catalogue::{AgeGroup, Slot};
use outfit_studio::export::ExportOptions;
use outfit_studio::export::per_product;
use outfit_studio::labels::ReviewQueue;
use outfit_studio::looks::{self, HeroFilter, LookParams, Template};
use outfit_studio::store::Verdict;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Toddler and kids one-pieces, shoes and hats; one toddler pair of shoes sold out, one kids hat in the toddler
/// price range.
fn catalogue(dir: &Path) -> PathBuf {
    let mut rows = vec!["sku,title,category,colour,brand,age_group,season,price,currency,in_stock,item_group_id".to_string()];
    for age in ["toddler", "kids"] {
        let a = &age[..1].to_uppercase();
        for i in 0..6 {
            rows.push(format!("{a}-DR{i},Dress {i},Dresses,red,Brand {},{age},summer,{},SEK,true,{a}-dress-{i}", i % 2, 200 + i * 10));
        }
        for i in 0..4 {
            let stock = if age == "toddler" && i == 0 { "false" } else { "true" };
            rows.push(format!("{a}-SN{i},Sneaker {i},Sneakers,white,Brand 0,{age},summer,{},SEK,{stock},", 300 + i * 10));
        }
        for i in 0..3 {
            rows.push(format!("{a}-HT{i},Sun hat {i},Hats,beige,Brand 1,{age},summer,{},SEK,true,", 100 + i * 10));
        }
    }
    let p = dir.join("catalogue.csv");
    std::fs::write(&p, rows.join("\n") + "\n").unwrap();
    p
}

fn engine(dir: &Path) -> Engine {
    common::engine_with_feed(dir, &catalogue(dir))
}

#[test]
fn toddler_one_pieces_are_generated_reviewed_and_published_per_product() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = engine(dir.path());
    // A stylist's template list: one-piece + shoes (+ an optional hat look), saved with the app's settings.
    let list = vec![
        Template::new("dress-shoes", &[Slot::OnePiece, Slot::Shoes]),
        Template::new("dress-shoes-hat", &[Slot::OnePiece, Slot::Shoes, Slot::Headwear]),
    ];
    looks::save_templates(&mut e, &list).unwrap();
    assert_eq!(looks::load_templates(&e).unwrap(), list);

    let heroes = looks::select_heroes(
        &e,
        &HeroFilter { slots: vec![Slot::OnePiece], age_groups: vec![AgeGroup::Toddler], in_stock_only: true, ..Default::default() },
    )
    .unwrap();
    assert_eq!(heroes.len(), 6);
    let p = LookParams { looks_per_hero: 2, max_exposure: Some(4), price_cap: Some(700.0), ..Default::default() };
    let batch = looks::generate_for(&e, &heroes, &p, &mut |_, _| {}, &|| false).unwrap();
    assert_eq!(batch.looks.len(), 12, "{:?}", batch.short);
    let mut exposure = std::collections::HashMap::<&str, usize>::new();
    for l in &batch.looks {
        assert!(l.hero_sku.starts_with("T-DR") && l.skus[0] == l.hero_sku);
        // Age band, stock and price cap hold for every look.
        assert!(l.skus.iter().all(|s| s.starts_with("T-")), "{:?}", l.skus);
        assert!(!l.skus.contains(&"T-SN0".to_string()), "sold out: {:?}", l.skus);
        assert!(l.total_price <= 700.0);
        for s in &l.skus[1..] {
            *exposure.entry(s).or_default() += 1;
        }
    }
    assert!(exposure.values().all(|&n| n <= 4), "{exposure:?}");
    // Deterministic for a seed.
    let again = looks::generate_for(&e, &heroes, &p, &mut |_, _| {}, &|| false).unwrap();
    assert_eq!((&again.looks, &again.short), (&batch.looks, &batch.short));

    assert_eq!(looks::enqueue(&mut e, "ana", &batch, &p).unwrap(), 12);
    // Queuing the same batch again adds nothing: those looks are waiting already.
    assert_eq!(looks::enqueue(&mut e, "ana", &batch, &p).unwrap(), 0);
    let mut q = ReviewQueue::load_or_build(&mut e, "ana", 10, 1).unwrap();
    assert_eq!(q.counts().pending, 12);
    let first = q.next().unwrap().clone();
    assert_eq!(first.source, "generated");
    let params: Value = serde_json::from_str(&first.params_json).unwrap();
    assert_eq!(params["generator"]["looks_per_hero"], 2);
    assert_eq!(params["generator"]["price_cap"], 700.0);
    // Accept, reject, skip, then undo the skip: decisions are judgements with the generator as their source.
    let j1 = q.decide(&mut e, Verdict::Accept, &[]).unwrap();
    q.decide(&mut e, Verdict::Reject, &["colour_clash".to_string()]).unwrap();
    q.decide(&mut e, Verdict::Skip, &[]).unwrap();
    q.undo_last(&mut e).unwrap();
    let j = e.store().judgement(j1).unwrap().unwrap();
    assert_eq!((j.source, j.skus.clone()), (outfit_studio::store::JudgementSource::Generated, first.skus.clone()));
    let counts = e.generated_counts().unwrap();
    let total: (usize, usize, usize, usize) =
        counts.iter().fold((0, 0, 0, 0), |t, c| (t.0 + c.generated, t.1 + c.reviewed, t.2 + c.accepted, t.3 + c.rejected));
    assert_eq!(total, (12, 2, 1, 1));
    assert!(looks::counters_table(&counts).contains("| **all** | ana | 12 | 2 | 1 | 1 | 50% |"), "{}", looks::counters_table(&counts));
    let days = e.generated_approval_by_day().unwrap();
    assert_eq!(days.iter().fold((0, 0), |t, d| (t.0 + d.accepted, t.1 + d.rejected)), (1, 1));

    // The accepted look is an approved look, published for each of its products.
    let mut out = Vec::new();
    let r = per_product::write_per_product(e.store_mut(), "json", &mut out, "mem", &ExportOptions::default()).unwrap();
    assert_eq!((r.looks, r.products, r.dropped_for_stock), (1, first.skus.len(), 0));
    let doc: Value = serde_json::from_slice(&out).unwrap();
    for sku in &first.skus {
        let items: Vec<&str> = doc[sku][0]["items"].as_array().unwrap().iter().map(|i| i["sku"].as_str().unwrap()).collect();
        assert_eq!(items, first.skus.iter().map(String::as_str).collect::<Vec<_>>());
    }
    let mut csv_out = Vec::new();
    per_product::write_per_product(e.store_mut(), "shopify", &mut csv_out, "mem", &ExportOptions::default()).unwrap();
    let mut rd = csv::Reader::from_reader(&csv_out[..]);
    assert_eq!(
        rd.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "Handle",
            "Title",
            "Complementary products (product.metafields.shopify--discovery--product_recommendation.complementary_products)"
        ]
    );
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    let hero_row = rows.iter().find(|r| r[0] == *first.skus[0].replace("T-DR", "T-dress-")).expect("the dress by its product handle");
    assert!(hero_row[2].contains(&first.skus[1].to_lowercase()), "{hero_row:?}");
    let mut ld = Vec::new();
    per_product::write_per_product(e.store_mut(), "jsonld", &mut ld, "mem", &ExportOptions::default()).unwrap();
    let ld: Value = serde_json::from_slice(&ld).unwrap();
    assert_eq!(ld[0]["@type"], "Product");
    assert_eq!(ld[0]["isRelatedTo"][0]["@type"], "ItemList");
    assert!(per_product::write_per_product(e.store_mut(), "xml", &mut Vec::new(), "mem", &ExportOptions::default()).is_err());
}

#[test]
fn looks_with_an_item_gone_out_of_stock_are_dropped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = engine(dir.path());
    let heroes = looks::select_heroes(&e, &HeroFilter { skus: vec!["K-DR0".into()], ..Default::default() }).unwrap();
    let p = LookParams { looks_per_hero: 1, template: Some("one-piece".into()), ..Default::default() };
    let batch = looks::generate_for(&e, &heroes, &p, &mut |_, _| {}, &|| false).unwrap();
    assert_eq!(batch.looks.len(), 1);
    looks::enqueue(&mut e, "ben", &batch, &p).unwrap();
    let mut q = ReviewQueue::load_or_build(&mut e, "ben", 10, 1).unwrap();
    q.decide(&mut e, Verdict::Accept, &[]).unwrap();
    // The shoes sell out after approval: re-import the feed with them out of stock.
    let shoes = batch.looks[0].skus[1].clone();
    let feed = std::fs::read_to_string(dir.path().join("catalogue.csv")).unwrap();
    let feed: String = feed
        .lines()
        .map(|l| if l.starts_with(&format!("{shoes},")) { l.replace(",true,", ",false,") } else { l.to_string() })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.path().join("catalogue.csv"), feed + "\n").unwrap();
    e.import(&dir.path().join("catalogue.csv")).unwrap();
    let r = per_product::write_per_product(e.store_mut(), "json", &mut Vec::new(), "mem", &ExportOptions::default()).unwrap();
    assert_eq!((r.looks, r.dropped_for_stock), (0, 1));
    let r = per_product::write_per_product(
        e.store_mut(),
        "json",
        &mut Vec::new(),
        "mem",
        &ExportOptions { include_out_of_stock: true, ..Default::default() },
    )
    .unwrap();
    assert_eq!((r.looks, r.dropped_for_stock), (1, 0));
    // Unknown SKUs and templates are refused with their names.
    let err = looks::select_heroes(&e, &HeroFilter { skus: vec!["NOPE".into()], ..Default::default() }).unwrap_err();
    assert!(format!("{err:#}").contains("NOPE"), "{err:#}");
}

/// Every SKU of the catalogue as a shop product (id 1000 + n, handle = the feed's group or a slug), in the form of
/// a Matrixify products export (ID, Handle, Variant SKU), leaving out `skip`.
fn product_id_export(e: &Engine, skip: &str) -> String {
    let mut rows = vec!["ID,Handle,Title,Variant SKU".to_string()];
    let mut items: Vec<_> = e.store().all_items().unwrap();
    items.sort_by_key(|i| i.id);
    for (n, it) in items.iter().enumerate().filter(|(_, i)| i.item.sku != skip) {
        rows.push(format!("{},shop-{},{},{}", 1000 + n, it.item.sku.to_lowercase(), it.item.title, it.item.sku));
    }
    rows.join("\n") + "\n"
}

#[test]
fn shopify_publish_formats_read_as_shopify_documents_them() {
    use outfit_studio::export::shopify_metafields::{Metafield, ProductIds};
    let dir = tempfile::tempdir().unwrap();
    let mut e = engine(dir.path());
    let heroes = looks::select_heroes(&e, &HeroFilter { skus: vec!["K-DR0".into(), "K-DR1".into()], ..Default::default() }).unwrap();
    let p = LookParams { looks_per_hero: 2, template: Some("one-piece".into()), ..Default::default() };
    let batch = looks::generate_for(&e, &heroes, &p, &mut |_, _| {}, &|| false).unwrap();
    looks::enqueue(&mut e, "ana", &batch, &p).unwrap();
    let mut q = ReviewQueue::load_or_build(&mut e, "ana", 10, 1).unwrap();
    while q.next().is_some() {
        q.decide(&mut e, Verdict::Accept, &[]).unwrap();
    }
    let ids = ProductIds::from_csv(&product_id_export(&e, "")).unwrap();
    let opts = ExportOptions { product_ids: Some(ids), ..Default::default() };
    let standard = "shopify--discovery--product_recommendation.complementary_products";

    // Product CSV: the shop's handles, comma-separated, never the product itself.
    let mut out = Vec::new();
    per_product::write_per_product(e.store_mut(), "shopify", &mut out, "mem", &opts).unwrap();
    let mut rd = csv::Reader::from_reader(&out[..]);
    assert_eq!(rd.headers().unwrap()[2], format!("Complementary products (product.metafields.{standard})"));
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert!(!rows.is_empty());
    for r in &rows {
        assert!(r[0].starts_with("shop-"), "{r:?}");
        let refs: Vec<&str> = r[2].split(", ").collect();
        assert!(refs.iter().all(|h| h.starts_with("shop-") && *h != &r[0]), "{r:?}");
    }
    let hero = rows.iter().find(|r| &r[0] == "shop-k-dr0").expect("the hero's row");
    assert!(hero[2].contains("shop-k-sn") || hero[2].contains("shop-k-ht"), "{hero:?}");

    // Matrixify: Handle, Command, the typed metafield column, one handle per line.
    let mut out = Vec::new();
    per_product::write_per_product(e.store_mut(), "matrixify", &mut out, "mem", &opts).unwrap();
    let mut rd = csv::Reader::from_reader(&out[..]);
    assert_eq!(
        rd.headers().unwrap().iter().collect::<Vec<_>>(),
        ["Handle", "Command", &format!("Metafield: {standard} [list.product_reference]")]
    );
    let first = rd.records().next().unwrap().unwrap();
    assert_eq!(&first[1], "UPDATE");
    assert!(!first[2].contains(',') && first[2].lines().all(|h| h.starts_with("shop-")), "{first:?}");

    // metafieldsSet JSON Lines: gid owners, a JSON array of gids as the value, at most 25 per call, no self-reference.
    let mut out = Vec::new();
    let r = per_product::write_per_product(e.store_mut(), "metafields-jsonl", &mut out, "mem", &opts).unwrap();
    let lines: Vec<Value> = String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(r.calls, lines.len());
    for l in &lines {
        let ms = l["metafields"].as_array().unwrap();
        assert!(!ms.is_empty() && ms.len() <= 25);
        for m in ms {
            let owner = m["ownerId"].as_str().unwrap();
            assert!(owner.starts_with("gid://shopify/Product/1"), "{m}");
            assert_eq!(
                (m["namespace"].as_str(), m["key"].as_str()),
                (Some("shopify--discovery--product_recommendation"), Some("complementary_products"))
            );
            assert_eq!(m["type"], "list.product_reference");
            let refs: Vec<String> = serde_json::from_str(m["value"].as_str().unwrap()).unwrap();
            assert!(!refs.is_empty() && refs.iter().all(|g| g.starts_with("gid://shopify/Product/") && g != owner), "{m}");
        }
    }
    // A SKU the shop does not know is named, and nothing is written.
    let missing = ExportOptions { product_ids: Some(ProductIds::from_csv(&product_id_export(&e, "K-DR0")).unwrap()), ..Default::default() };
    let err = per_product::write_per_product(e.store_mut(), "metafields-jsonl", &mut Vec::new(), "mem", &missing).unwrap_err();
    assert!(err.to_string().contains("K-DR0") && err.to_string().contains("map to no product"), "{err}");
    // Without product ids the JSON Lines cannot be written; the custom metafield stays available behind its option.
    assert!(per_product::write_per_product(e.store_mut(), "metafields-jsonl", &mut Vec::new(), "mem", &ExportOptions::default()).is_err());
    let mut out = Vec::new();
    let custom = ExportOptions { metafield: Metafield::Custom, ..Default::default() };
    per_product::write_per_product(e.store_mut(), "shopify", &mut out, "mem", &custom).unwrap();
    assert!(
        String::from_utf8(out).unwrap().starts_with("Handle,Title,Complete the look (product.metafields.outfit_studio.complete_the_look)")
    );
}

#[test]
fn a_generated_batch_is_reviewed_from_its_first_look_with_no_skip_recorded() {
    use outfit_studio::labels::QueueView;
    let dir = tempfile::tempdir().unwrap();
    let mut e = engine(dir.path());
    // Model-picked outfits first, then a generated batch behind them.
    let mut q = ReviewQueue::load_or_build(&mut e, "ana", 6, 1).unwrap();
    let picked = q.counts().pending;
    assert!(picked > 0);
    let heroes =
        looks::select_heroes(&e, &HeroFilter { age_groups: vec![AgeGroup::Kids], slots: vec![Slot::OnePiece], ..Default::default() })
            .unwrap();
    let p = LookParams { looks_per_hero: 2, ..Default::default() };
    let batch = looks::generate_for(&e, &heroes, &p, &mut |_, _| {}, &|| false).unwrap();
    let n = looks::enqueue(&mut e, "ana", &batch, &p).unwrap();
    assert!(n >= 4, "{:?}", batch.summary());
    q.reload(&mut e).unwrap();
    assert_ne!(q.next().unwrap().source, "generated", "the batch waits behind the model's picks");
    q.set_view(QueueView::Batch(batch.id.clone()));
    assert_eq!(q.pending_in_view(), n);
    let first = q.next().unwrap().clone();
    assert_eq!(first.source, "generated");
    // Pass over two looks, come back one, accept, then accept the rest: only accepts are recorded.
    assert!(q.step(true) && q.step(true) && q.step(false));
    let second = q.next().unwrap().clone();
    assert_ne!(second.id, first.id);
    q.decide(&mut e, Verdict::Accept, &[]).unwrap();
    let mut decided = 1;
    while let Some(cur) = q.next().cloned() {
        assert!(outfit_studio::labels::batch_of(&cur).as_deref() == Some(batch.id.as_str()));
        q.decide(&mut e, Verdict::Accept, &[]).unwrap();
        decided += 1;
    }
    assert_eq!(decided, n, "every look of the batch, the passed-over ones included");
    let skips = e.store().judgements().unwrap().iter().filter(|j| j.verdict == Verdict::Skip).count();
    assert_eq!(skips, 0, "navigation records no skip");
    // The model's picks are still pending, untouched.
    q.set_view(QueueView::ModelPicked);
    assert_eq!(q.pending_in_view(), picked);
    // Generated looks were approved under names from their hero.
    let names: Vec<String> =
        e.store().outfits(&[outfit_studio::store::OutfitStatus::Approved]).unwrap().into_iter().map(|o| o.name).collect();
    assert!(names.iter().all(|n| n.starts_with("Dress ")), "{names:?}");
}

#[test]
fn a_publish_writes_only_what_changed_and_says_why_looks_went() {
    use outfit_studio::export::shopify_metafields::ProductIds;
    use outfit_studio::store::OutfitStatus;
    let dir = tempfile::tempdir().unwrap();
    let mut e = engine(dir.path());
    let heroes =
        looks::select_heroes(&e, &HeroFilter { skus: vec!["K-DR0".into(), "K-DR1".into(), "K-DR2".into()], ..Default::default() }).unwrap();
    let p = LookParams { looks_per_hero: 2, template: Some("one-piece".into()), ..Default::default() };
    let batch = looks::generate_for(&e, &heroes, &p, &mut |_, _| {}, &|| false).unwrap();
    looks::enqueue(&mut e, "ana", &batch, &p).unwrap();
    let mut q = ReviewQueue::load_or_build(&mut e, "ana", 10, 1).unwrap();
    while q.next().is_some() {
        q.decide(&mut e, Verdict::Accept, &[]).unwrap();
    }
    let opts = ExportOptions { product_ids: Some(ProductIds::from_csv(&product_id_export(&e, "")).unwrap()), ..Default::default() };
    let first = per_product::plan_publish(e.store(), "shopify", &opts).unwrap();
    assert_eq!((first.changes.since.as_deref(), first.changes.added.len()), (None, first.state.len()));
    per_product::write_per_product(e.store_mut(), "shopify", &mut Vec::new(), "shop.csv", &opts).unwrap();
    // Nothing changed: nothing to write, on any format of the channel.
    let again = per_product::plan_publish(e.store(), "matrixify", &opts).unwrap();
    assert!(again.changes.is_empty() && again.changes.unchanged == first.state.len(), "{:?}", again.changes);

    // One look unapproved, one item sold out.
    let approved = e.store().outfits(&[OutfitStatus::Approved, OutfitStatus::Exported]).unwrap();
    let (gone, rest) = approved.split_first().unwrap();
    e.store_mut().set_outfit_status(gone.id, OutfitStatus::Archived).unwrap();
    let sold = e.store().item_by_id(rest[0].items.last().unwrap().1).unwrap().unwrap().item.sku;
    let with_sold =
        rest.iter().filter(|o| o.items.iter().any(|(_, i)| e.store().item_by_id(*i).unwrap().unwrap().item.sku == sold)).count();
    let feed = std::fs::read_to_string(dir.path().join("catalogue.csv")).unwrap();
    let feed: Vec<String> =
        feed.lines().map(|l| if l.starts_with(&format!("{sold},")) { l.replace(",true,", ",false,") } else { l.to_string() }).collect();
    std::fs::write(dir.path().join("catalogue.csv"), feed.join("\n") + "\n").unwrap();
    e.import(&dir.path().join("catalogue.csv")).unwrap();

    let plan = per_product::plan_publish(e.store(), "shopify", &opts).unwrap();
    let c = &plan.changes;
    assert_eq!((c.looks_gone.unapproved, c.looks_gone.out_of_stock, c.looks_gone.deleted), (1, with_sold, 0), "{c:?}");
    assert!(!c.is_empty() && c.summary().contains("1 unapproved"), "{}", c.summary());
    let mut out = Vec::new();
    let r = per_product::write_publish(&plan, true, &mut out, None).unwrap();
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(&out[..]).records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), c.added.len() + c.changed.len() + c.removed.len());
    assert_eq!((r.written, r.cleared), (rows.len(), c.removed.len()));
    for row in &rows {
        let cleared = c.removed.contains(&row[0].to_string());
        assert!(cleared || c.changed.contains(&row[0].to_string()) || c.added.contains(&row[0].to_string()), "{row:?}");
        assert_eq!(row[2].is_empty(), cleared, "a cleared product has an empty metafield cell: {row:?}");
    }
    assert!(!c.removed.is_empty(), "the sold-out item's product has no look left: {c:?}");
    // Nothing is recorded until asked: the same difference stands until the publish is recorded.
    assert_eq!(per_product::plan_publish(e.store(), "shopify", &opts).unwrap().changes, *c);
    per_product::record_publish(e.store_mut(), &plan, true, &r, "shop.csv").unwrap();
    assert!(per_product::plan_publish(e.store(), "shopify", &opts).unwrap().changes.is_empty());

    // The catalogue deleted: every look goes for a deleted item, and the JSON Lines clear every product with
    // metafieldsDelete inputs in a second file.
    let (live, held) = (plan.looks.len(), plan.state.len());
    let name = e.store().catalogues().unwrap()[0].name.clone();
    e.store_mut().delete_catalogue(&name).unwrap();
    let plan = per_product::plan_publish(e.store(), "metafields-jsonl", &opts).unwrap();
    assert_eq!((plan.changes.looks_gone.deleted, plan.changes.removed.len(), plan.state.len()), (live, held, 0));
    assert!(per_product::write_publish(&plan, true, &mut Vec::new(), None).unwrap_err().to_string().contains("metafieldsDelete"));
    let mut del = Vec::new();
    let r = per_product::write_publish(&plan, true, &mut Vec::new(), Some(&mut del)).unwrap();
    let lines: Vec<Value> = String::from_utf8(del).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(r.delete_calls, lines.len());
    let owners: Vec<&str> =
        lines.iter().flat_map(|l| l["metafields"].as_array().unwrap()).map(|m| m["ownerId"].as_str().unwrap()).collect();
    assert_eq!(owners.len(), plan.changes.removed.len());
    assert!(owners.iter().all(|o| o.starts_with("gid://shopify/Product/1")), "{owners:?}");
}

#[test]
fn the_shops_product_export_is_remembered_for_later_publishes() {
    use outfit_studio::export::shopify_metafields::ProductIds;
    let dir = tempfile::tempdir().unwrap();
    let mut e = engine(dir.path());
    assert!(ProductIds::remembered(e.store()).unwrap().is_none(), "none given yet");
    let file = dir.path().join("products_export.csv");
    std::fs::write(&file, product_id_export(&e, "")).unwrap();
    ProductIds::remember(e.store_mut(), &file).unwrap();
    let (path, ids) = ProductIds::remembered(e.store()).unwrap().expect("kept");
    assert_eq!(path, std::path::absolute(&file).unwrap());
    assert_eq!(ids.get("K-DR0").unwrap().handle, "shop-k-dr0");
    // The file gone: said, with what to do, never silently the guessed handles.
    std::fs::remove_file(&file).unwrap();
    let err = format!("{:#}", ProductIds::remembered(e.store()).unwrap_err());
    assert!(err.contains("publish once with --product-ids NEWFILE"), "{err}");
}
