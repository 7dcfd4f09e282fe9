//! Looks on the real H&M children's feed (`../shared/data/hm-kids`, issue 20): every generated look is one a
//! child can wear. Skipped, with one line, when the shared data is absent. The features are made up (the rules
//! under test do not depend on them), so this runs without the encoders.

mod common;

use outfit_studio::catalogue::{Slot, Wear};
use outfit_studio::looks::{self, HeroFilter, LookParams, ShortKind};
use std::path::Path;

#[test]
fn hm_kids_looks_have_no_bare_bodysuit_no_basic_hero_and_no_all_in_one_with_a_bottom() {
    let feed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/hm-kids/kids_articles.csv");
    if !feed.exists() {
        println!("SKIPPED: ../shared/data/hm-kids is absent");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let e = common::engine_with_feed(dir.path(), &feed);
    let heroes = looks::select_heroes(&e, &HeroFilter { in_stock_only: true, ..Default::default() }).unwrap();
    let batch = looks::generate_for(&e, &heroes, &LookParams::default(), &mut |_, _| {}, &|| false).unwrap();
    let sum = batch.summary();
    println!("{}", sum.headline());
    for (why, n) in &sum.reasons {
        println!("  {n:>4}  {why}");
    }
    assert!(!batch.looks.is_empty());
    let mut bodysuit_looks = 0;
    for l in &batch.looks {
        let items: Vec<_> = l.skus.iter().map(|s| e.item_by_sku(s).unwrap()).collect();
        let wear: Vec<_> = items.iter().map(|i| i.item.wear()).collect();
        let slots: Vec<Slot> = items.iter().map(|i| i.item.slot).collect();
        assert!(wear[0].hero_by_default(), "a {} hero: {}", wear[0].as_str(), l.name);
        if wear.iter().any(|w| w.kind == Wear::Bodysuit) {
            bodysuit_looks += 1;
            assert!(slots.contains(&Slot::Bottom), "a bodysuit without a bottom: {} {:?}", l.name, l.skus);
        }
        let all_in_one = items.iter().zip(&wear).any(|(i, w)| i.item.slot == Slot::OnePiece && w.full_length());
        assert!(!(all_in_one && slots.contains(&Slot::Bottom)), "a full-length one-piece with a bottom: {} {:?}", l.name, l.skus);
        assert!(!(slots.contains(&Slot::OnePiece) && slots.contains(&Slot::Top)), "a one-piece with a top: {}", l.name);
    }
    assert!(bodysuit_looks > 0, "H&M's baby bodysuits are dressed as tops");
    // Multipacks and basics are counted apart, never dropped silently; every short hero has a reason.
    assert!(sum.not_heroes > 0);
    assert!(batch.short.iter().all(|s| !s.reason.is_empty()));
    assert!(batch.short.iter().filter(|s| s.kind == ShortKind::Short).all(|s| s.found < 3));
}
