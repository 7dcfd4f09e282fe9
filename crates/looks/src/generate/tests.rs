use super::*;
use outfit_score::IndexRow;
use outfit_score::cpu::CpuScorer;
use std::collections::HashMap;

/// A generated catalogue with known answers: every embedding is `s · e0` (plus a small private component), all
/// masks are ones, so an item's pair term with any other is proportional to its strength `s` and the best
/// look is always the strongest allowed item of each slot.
struct Cat {
    index: EmbeddingIndex,
    ones: Vec<f32>,
    sku_row: HashMap<String, usize>,
    full: Vec<bool>,
}

struct It {
    sku: &'static str,
    slot: Slot,
    age: Option<AgeGroup>,
    strength: f32,
    price: f64,
    in_stock: bool,
    brand: &'static str,
    full: bool,
}

fn it(sku: &'static str, slot: Slot, age: AgeGroup, strength: f32, price: f64) -> It {
    It { sku, slot, age: Some(age), strength, price, in_stock: true, brand: "b", full: false }
}

const DIM: usize = 4;

fn cat(items: &[It]) -> Cat {
    let vecs: Vec<Vec<f32>> = items
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let mut v = vec![x.strength, 0.0, 0.0, 0.0];
            v[1 + i % 3] = 1e-3;
            v
        })
        .collect();
    let rows = items
        .iter()
        .zip(&vecs)
        .enumerate()
        .map(|(i, (x, v))| IndexRow {
            item_id: i as i64,
            slot: x.slot,
            age_group: x.age,
            styling: outfit_catalogue::Styling::default(),
            in_stock: x.in_stock,
            price: Some(x.price),
            brand: x.brand,
            catalogue: 0,
            vector: v,
        })
        .collect();
    let index = EmbeddingIndex::build(DIM, rows);
    let sku_row = index.item_ids.iter().enumerate().map(|(r, id)| (items[*id as usize].sku.to_string(), r)).collect();
    let full = index.item_ids.iter().map(|id| items[*id as usize].full).collect();
    Cat { index, ones: vec![1.0; DIM], sku_row, full }
}

impl Cat {
    fn run(&self, heroes: &[&str], templates: &[Template], p: &LookParams) -> (Vec<Vec<String>>, Generated) {
        let scorer = CpuScorer::new();
        let scene = Scene {
            index: &self.index,
            scorer: &scorer,
            masks: vec![&self.ones[..]; Slot::COUNT * Slot::COUNT],
            calibration: (1.0, 0.0),
            full_length: self.full.clone(),
        };
        let rows: Vec<usize> = heroes.iter().map(|h| self.sku_row[*h]).collect();
        let g = generate(&scene, templates, &rows, p, &mut |_, _| {}, &|| false).unwrap();
        let name = |r: usize| self.sku_row.iter().find(|(_, v)| **v == r).unwrap().0.clone();
        (g.looks.iter().map(|l| l.rows.iter().map(|&r| name(r)).collect()).collect(), g)
    }
}

fn two_piece() -> Vec<Template> {
    vec![Template::new("two-piece", &[Slot::Top, Slot::Bottom, Slot::Shoes])]
}

fn one() -> LookParams {
    LookParams { looks_per_hero: 1, ..Default::default() }
}

use AgeGroup::{Kids, Toddler};
use Slot::{Bottom, Shoes, Top};

#[test]
fn the_best_look_keeps_to_the_heros_age_band_and_stock() {
    let mut items = vec![
        it("hero", Top, Toddler, 1.0, 10.0),
        it("kids-bottom", Bottom, Kids, 9.0, 10.0),
        It { age: None, ..it("ageless-bottom", Bottom, Toddler, 8.0, 10.0) },
        it("bottom", Bottom, Toddler, 2.0, 10.0),
        it("bottom-2", Bottom, Toddler, 1.0, 10.0),
        It { in_stock: false, ..it("sold-out-shoes", Shoes, Toddler, 9.0, 10.0) },
        it("shoes", Shoes, Toddler, 2.0, 10.0),
    ];
    let c = cat(&items);
    let (looks, _) = c.run(&["hero"], &two_piece(), &one());
    assert_eq!(looks, [["hero", "bottom", "shoes"]]);
    // Out-of-stock items are allowed when asked for.
    let (looks, _) = c.run(&["hero"], &two_piece(), &LookParams { in_stock_only: false, ..one() });
    assert_eq!(looks, [["hero", "bottom", "sold-out-shoes"]]);
    // No toddler shoes in stock: the hero is reported short, with the reason.
    items.retain(|i| i.sku != "shoes");
    let (looks, g) = cat(&items).run(&["hero"], &two_piece(), &one());
    assert!(looks.is_empty());
    assert_eq!(g.short.len(), 1);
    assert!(g.short[0].reason.contains("shoes"), "{:?}", g.short);
}

#[test]
fn the_price_cap_bounds_the_whole_look() {
    let items = vec![
        it("hero", Top, Toddler, 1.0, 30.0),
        it("dear-bottom", Bottom, Toddler, 5.0, 60.0),
        it("bottom", Bottom, Toddler, 2.0, 30.0),
        it("cheap-bottom", Bottom, Toddler, 1.0, 10.0),
        it("dear-shoes", Shoes, Toddler, 5.0, 50.0),
        it("shoes", Shoes, Toddler, 2.0, 45.0),
        it("cheap-shoes", Shoes, Toddler, 1.0, 20.0),
    ];
    let c = cat(&items);
    let (looks, g) = c.run(&["hero"], &two_piece(), &LookParams { price_cap: Some(100.0), ..one() });
    // Dearest first would be 30 + 60 + 50 = 140; within 100 the best is the cheap bottom with the dear shoes
    // (pair sum 1 + 5 + 5), ahead of bottom + cheap shoes (2 + 1 + 2).
    assert_eq!(looks, [["hero", "cheap-bottom", "dear-shoes"]]);
    assert!(g.looks[0].total_price <= 100.0, "{:?}", g.looks[0]);
    let (looks, _) = c.run(&["hero"], &two_piece(), &LookParams { price_cap: Some(200.0), ..one() });
    assert_eq!(looks, [["hero", "dear-bottom", "dear-shoes"]]);
    // A hero over the cap on its own gets nothing, and says why.
    let (looks, g) = c.run(&["hero"], &two_piece(), &LookParams { price_cap: Some(20.0), ..one() });
    assert!(looks.is_empty() && g.short[0].reason.contains("price cap"), "{:?}", g.short);
}

#[test]
fn a_heros_looks_share_at_most_one_item_besides_the_hero() {
    let items = vec![
        it("hero", Top, Toddler, 1.0, 10.0),
        it("b1", Bottom, Toddler, 5.0, 10.0),
        it("b2", Bottom, Toddler, 4.0, 10.0),
        it("b3", Bottom, Toddler, 3.0, 10.0),
        it("s1", Shoes, Toddler, 5.0, 10.0),
        it("s2", Shoes, Toddler, 4.0, 10.0),
        it("s3", Shoes, Toddler, 3.0, 10.0),
    ];
    let c = cat(&items);
    let p = LookParams { looks_per_hero: 3, diversity: 0.0, ..Default::default() };
    let (looks, _) = c.run(&["hero"], &two_piece(), &p);
    assert_eq!(looks.len(), 3);
    assert_eq!(looks[0], ["hero", "b1", "s1"]);
    for (i, a) in looks.iter().enumerate() {
        for b in &looks[i + 1..] {
            assert!(a[1..].iter().filter(|x| b.contains(x)).count() <= 1, "{a:?} vs {b:?}");
        }
    }
    // With a strong MMR penalty the second look shares nothing with the first.
    let (looks, _) = c.run(&["hero"], &two_piece(), &LookParams { diversity: 10.0, ..p });
    assert_eq!(looks[1][1..], ["b2", "s2"]);
}

#[test]
fn exposure_is_capped_over_the_batch_and_the_batch_is_deterministic() {
    let items = vec![
        it("h1", Top, Toddler, 1.0, 10.0),
        it("h2", Top, Toddler, 1.0, 10.0),
        it("h3", Top, Toddler, 1.0, 10.0),
        it("bestseller", Shoes, Toddler, 9.0, 10.0),
        it("shoes", Shoes, Toddler, 2.0, 10.0),
        it("other-shoes", Shoes, Toddler, 1.0, 10.0),
        it("b1", Bottom, Toddler, 3.0, 10.0),
        it("b2", Bottom, Toddler, 2.0, 10.0),
        it("b3", Bottom, Toddler, 1.0, 10.0),
    ];
    let c = cat(&items);
    let p = LookParams { max_exposure: Some(1), ..one() };
    let (looks, g) = c.run(&["h1", "h2", "h3"], &two_piece(), &p);
    assert_eq!(looks.len(), 3, "{:?}", g.short);
    let mut count: HashMap<&str, usize> = HashMap::new();
    for l in &looks {
        for x in &l[1..] {
            *count.entry(x.as_str()).or_default() += 1;
        }
    }
    assert!(count.values().all(|&n| n == 1), "{count:?}");
    assert_eq!(count["bestseller"], 1);
    // Without a limit every hero gets the bestseller.
    let (free, _) = c.run(&["h1", "h2", "h3"], &two_piece(), &one());
    assert!(free.iter().all(|l| l.contains(&"bestseller".to_string())));
    // Same seed, same batch; another seed changes which hero got the bestseller first (order of heroes).
    assert_eq!(c.run(&["h1", "h2", "h3"], &two_piece(), &p).0, looks);
}

#[test]
fn a_two_piece_template_never_repeats_a_look() {
    let items =
        vec![it("dress", Slot::OnePiece, Toddler, 1.0, 10.0), it("s1", Shoes, Toddler, 2.0, 10.0), it("s2", Shoes, Toddler, 1.0, 10.0)];
    let ts = vec![Template::new("one-piece", &[Slot::OnePiece, Shoes])];
    let (looks, g) = cat(&items).run(&["dress"], &ts, &LookParams { looks_per_hero: 3, ..Default::default() });
    assert_eq!(looks, [["dress", "s1"], ["dress", "s2"]]);
    assert_eq!((g.short[0].found, g.short.len()), (2, 1));
}

#[test]
fn a_cancel_stops_between_hero_chunks_and_says_so() {
    let c = cat(&[it("hero", Top, Toddler, 1.0, 10.0), it("b", Bottom, Toddler, 1.0, 10.0), it("s", Shoes, Toddler, 1.0, 10.0)]);
    let scorer = CpuScorer::new();
    let scene = Scene { index: &c.index, scorer: &scorer, masks: vec![&c.ones[..]; 64], calibration: (1.0, 0.0), full_length: Vec::new() };
    let g = generate(&scene, &two_piece(), &[c.sku_row["hero"]], &one(), &mut |_, _| {}, &|| true).unwrap();
    assert!(g.cancelled && g.looks.is_empty() && g.heroes_done == 0);
}

#[test]
fn templates_follow_the_hero_and_unknown_names_are_refused() {
    let items = vec![it("dress", Slot::OnePiece, Toddler, 1.0, 10.0), it("shoes", Shoes, Toddler, 1.0, 10.0)];
    let c = cat(&items);
    let mut ts = two_piece();
    ts.push(Template::new("one-piece", &[Slot::OnePiece, Shoes]));
    let (looks, g) = c.run(&["dress"], &ts, &one());
    assert_eq!(looks, [["dress", "shoes"]]);
    assert_eq!(g.looks[0].template, "one-piece");
    let scorer = CpuScorer::new();
    let scene = Scene { index: &c.index, scorer: &scorer, masks: vec![&c.ones[..]; 64], calibration: (1.0, 0.0), full_length: Vec::new() };
    let p = LookParams { template: Some("nope".into()), ..one() };
    let e = generate(&scene, &ts, &[0], &p, &mut |_, _| {}, &|| false).unwrap_err();
    assert!(e.to_string().contains("one-piece"), "{e}");
}

fn with_optional(name: &str, required: &[Slot], optional: &[Slot]) -> Template {
    let mut t = Template::new(name, required);
    t.slots.extend(optional);
    t.optional = optional.to_vec();
    t
}

#[test]
fn optional_slots_are_filled_when_something_fits_and_passed_over_when_not() {
    let items = vec![
        it("hero", Top, Toddler, 1.0, 10.0),
        it("b1", Bottom, Toddler, 3.0, 10.0),
        it("b2", Bottom, Toddler, 2.0, 10.0),
        it("b3", Bottom, Toddler, 1.0, 10.0),
        it("kids-shoes", Shoes, Kids, 9.0, 10.0),
    ];
    let ts = vec![with_optional("two-piece", &[Top, Bottom], &[Shoes])];
    let p = LookParams { looks_per_hero: 3, ..Default::default() };
    // No toddler shoes: three looks of top + bottom, nobody short.
    let (looks, g) = cat(&items).run(&["hero"], &ts, &p);
    assert_eq!(looks, [["hero", "b1"], ["hero", "b2"], ["hero", "b3"]]);
    assert!(g.short.is_empty(), "{:?}", g.short);
    // With toddler shoes, every look wears them.
    let mut more = items;
    more.push(it("shoes", Shoes, Toddler, 1.0, 10.0));
    let (looks, _) = cat(&more).run(&["hero"], &ts, &LookParams { looks_per_hero: 1, ..p });
    assert_eq!(looks, [["hero", "b1", "shoes"]]);
}

#[test]
fn a_template_falls_back_when_a_required_slot_has_nothing_and_says_why_when_none_is_left() {
    let items = vec![
        it("dress", Slot::OnePiece, Toddler, 1.0, 10.0),
        it("cardigan", Slot::Outerwear, Toddler, 1.0, 10.0),
        it("kids-shoes", Shoes, Kids, 1.0, 10.0),
    ];
    let mut one_piece = Template::new("one-piece", &[Slot::OnePiece, Shoes]);
    one_piece.fallback = Some("covered".into());
    let covered = Template::new("covered", &[Slot::OnePiece, Slot::Outerwear]);
    let ts = vec![one_piece.clone(), covered];
    // Only "one-piece" is asked for; no toddler shoes: its fallback dresses the hero.
    let p = LookParams { template: Some("one-piece".into()), ..one() };
    let (looks, g) = cat(&items).run(&["dress"], &ts, &p);
    assert_eq!(looks, [["dress", "cardigan"]]);
    assert_eq!(g.looks[0].template, "covered");
    // Without a fallback the hero is short, and the reason names the age band and the slot.
    let (looks, g) = cat(&items).run(&["dress"], &[Template { fallback: None, ..one_piece }], &one());
    assert!(looks.is_empty());
    assert_eq!(g.short[0].reason, "no toddler shoes in this catalogue");
    assert!(!g.short[0].no_template);
    // A hero no template dresses is marked as such.
    let (_, g) = cat(&items).run(&["cardigan"], &ts[..1], &one());
    assert!(g.short[0].no_template && g.short[0].reason.contains("no template"), "{:?}", g.short);
}

#[test]
fn a_full_length_one_piece_never_gets_a_bottom() {
    let items = vec![
        It { full: true, ..it("all-in-one", Slot::OnePiece, Toddler, 1.0, 10.0) },
        it("dress", Slot::OnePiece, Toddler, 1.0, 10.0),
        it("leggings", Bottom, Toddler, 5.0, 10.0),
        it("shoes", Shoes, Toddler, 1.0, 10.0),
    ];
    let ts = vec![
        with_optional("dress-and-leggings", &[Slot::OnePiece, Bottom], &[Shoes]),
        Template::new("one-piece", &[Slot::OnePiece, Shoes]),
    ];
    let (looks, _) = cat(&items).run(&["all-in-one", "dress"], &ts, &one());
    assert!(looks.contains(&vec!["all-in-one".to_string(), "shoes".to_string()]), "{looks:?}");
    assert!(looks.contains(&vec!["dress".to_string(), "leggings".to_string(), "shoes".to_string()]), "{looks:?}");
    // From the bottom's side too: leggings are never dressed with the all-in-one.
    let ts = vec![Template::new("legs", &[Bottom, Slot::OnePiece])];
    let (looks, _) = cat(&items).run(&["leggings"], &ts, &LookParams { looks_per_hero: 3, ..Default::default() });
    assert_eq!(looks, [["leggings", "dress"]]);
}
