//! Suggestions a children's stylist would keep (issue 19), through the engine's public API on a generated
//! catalogue: gender, season of wear, occasion and the chosen catalogue are kept by default and each can be
//! widened; the list is not one colour; scores on a catalogue the head never saw are not saturated, and stylists'
//! judgements recalibrate them.

mod common;

use outfit_studio::Engine;
use outfit_studio::catalogue::Slot;
use outfit_studio::catalogue::styling::{BOYS, GIRLS};
use outfit_studio::engine::audit::AuditParams;
use outfit_studio::engine::{CompletionFilter, Follow, Widening};
use outfit_studio::store::{JudgementSource, Verdict};
use std::path::Path;

/// (title, category, gender, season column, colour)
const GARMENTS: &[(&str, &str, &str, &str, &str)] = &[
    ("Dino hoodie", "Hoodie", "male", "", "navy"),
    ("Racing car tee", "T-shirt", "male", "summer", "blue"),
    ("Formal shirt", "Shirt", "male", "", "white"),
    ("Cargo trousers", "Trousers", "male", "", "khaki"),
    ("Sweatpants basic", "Trousers", "male", "", "grey"),
    ("Denim shorts", "Shorts", "male", "summer", "blue"),
    ("Unicorn top", "Top", "female", "", "pink"),
    ("Sleeveless summer dress", "Dress", "female", "summer", "yellow"),
    ("Tulle skirt", "Skirt", "female", "", "pink"),
    ("Leggings", "Leggings", "female", "", "purple"),
    ("Pink ballet flats", "Ballerinas", "", "", "pink"),
    ("Glitter sandals", "Sandals", "female", "", "silver"),
    ("Canvas sneakers", "Sneakers", "", "", "white"),
    ("Leather sandals", "Sandals", "unisex", "summer", "brown"),
    ("Warm-lined snow boots", "Boots", "", "summer", "black"),
    ("Suede loafers", "Loafers", "male", "", "brown"),
    ("Knitted mittens", "Gloves", "", "summer", "red"),
    ("Wool beanie", "Beanie", "", "", "grey"),
    ("Sun hat", "Hat", "", "", "beige"),
    ("Padded snowsuit", "Outdoor overall", "", "", "navy"),
    ("Rain jacket", "Jacket", "unisex", "", "yellow"),
    ("Denim jacket", "Jacket", "unisex", "", "blue"),
    ("Cartoon flip flops", "Flip flops", "unisex", "summer", "purple"),
];

/// Writes a feed with every garment in `copies` colourways (SKU prefix `prefix`), all for kids.
fn feed(dir: &Path, name: &str, prefix: &str, copies: usize) -> std::path::PathBuf {
    let mut csv = String::from("sku,title,description,category,colour,brand,age_group,gender,season,price,in_stock\n");
    let colours = ["navy", "pink", "green", "white", "red", "yellow", "black", "grey"];
    for c in 0..copies {
        for (k, (title, cat, gender, season, colour)) in GARMENTS.iter().enumerate() {
            let colour = if c == 0 { colour.to_string() } else { colours[(k + c) % colours.len()].to_string() };
            csv.push_str(&format!(
                "{prefix}-{k}-{c},{title},A {title} for kids.,{cat},{colour},Brand,kids,{gender},{season},{},true\n",
                10 + k
            ));
        }
    }
    let path = dir.join(name);
    std::fs::write(&path, csv).unwrap();
    path
}

/// A seed per colour name, so made-up features can cluster by colour.
fn colour_seed(colour: &str) -> u64 {
    colour.bytes().fold(3u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64))
}

fn engine(dir: &Path) -> Engine {
    let mut e = Engine::open(&dir.join("x.db"), &Path::new(env!("CARGO_MANIFEST_DIR")).join("models")).unwrap();
    e.import(&feed(dir, "kids.csv", "K", 4)).unwrap();
    common::put_random_features(&mut e);
    e
}

fn id(e: &Engine, sku: &str) -> i64 {
    e.item_by_sku(sku).unwrap().id
}

/// Every suggestion for the board under the given follow, with its item id.
fn suggested(e: &Engine, board: &[i64], follow: Follow) -> Vec<i64> {
    let slots = Slot::missing_from(&board.iter().map(|i| e.item(*i).unwrap().item.slot).collect::<Vec<_>>());
    let f = e.with_board_defaults(board, &CompletionFilter::default(), follow, None);
    e.complete(board, &slots, 50, &f).unwrap().into_iter().flat_map(|(_, v)| v.into_iter().map(|s| s.item_id)).collect()
}

#[test]
fn a_boys_board_never_gets_girls_items_by_default_and_the_chip_widens() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path());
    for hero in ["K-0-0", "K-1-2", "K-2-1"] {
        let board = [id(&e, hero)];
        let got = suggested(&e, &board, Follow::default());
        assert!(!got.is_empty());
        for i in &got {
            assert_ne!(e.styling(*i).gender, GIRLS, "{hero}: girls' item {} suggested", e.item(*i).unwrap().item.title);
        }
        // Unisex and unknown-gender items still fit (the canvas sneakers say nothing).
        assert!(got.iter().any(|i| e.styling(*i).gender == 0), "{hero}: unknown-gender items fit a boys' board");
        let wide = suggested(&e, &board, Follow { gender: false, ..Follow::default() });
        assert!(wide.iter().any(|i| e.styling(*i).gender == GIRLS), "{hero}: widened, girls' items come back");
    }
    // Ballet flats have no gender in the feed: styled for girls, they never go with a boys' hoodie.
    let flats = e.styling(id(&e, "K-10-0"));
    assert_eq!(flats.gender, GIRLS);
    // Purple "unisex" flip flops are styled for girls (judges marked them as a boys' look's fault); the same
    // flip flops in grey stay unisex and fit the boys' board.
    assert_eq!(e.styling(id(&e, "K-22-0")).gender, GIRLS);
    assert_eq!(e.styling(id(&e, "K-22-1")).gender, GIRLS | BOYS);
    let shorts = [id(&e, "K-5-0")];
    let got = suggested(&e, &shorts, Follow::default());
    assert!(!got.contains(&id(&e, "K-22-0")) && got.contains(&id(&e, "K-22-1")));
    let girls_top = [id(&e, "K-6-0")];
    assert!(suggested(&e, &girls_top, Follow::default()).iter().all(|i| e.styling(*i).gender != BOYS));
}

#[test]
fn an_empty_slot_says_which_widening_would_fill_it_and_by_how_many() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path());
    let board = [id(&e, "K-0-0")];
    // No toddlers' items in this catalogue at all: shoes come back empty. The brand filter names the one brand
    // every item has, so widening it would offer nothing and is not advised.
    let f = CompletionFilter {
        age_groups: vec![outfit_studio::catalogue::AgeGroup::Toddler],
        brands: vec!["Brand".into()],
        ..e.with_board_defaults(&board, &CompletionFilter::default(), Follow::default(), None)
    };
    assert!(e.complete(&board, &[Slot::Shoes], 10, &f).unwrap()[0].1.is_empty());
    let short = e.slot_shortfall(&board, Slot::Shoes, &f);
    assert_eq!(short.passing, 0);
    assert!(short.in_slot > 0);
    // Only the age band keeps them out, and widening it offers exactly what the widened suggestions then hold.
    assert_eq!(short.widen.len(), 1, "{short:?}");
    let (what, offered) = short.widen[0];
    assert_eq!(what, Widening::AgeBand);
    let widened = CompletionFilter { age_groups: Vec::new(), ..f.clone() };
    let got = e.complete(&board, &[Slot::Shoes], 1000, &widened).unwrap();
    assert_eq!(got[0].1.len(), offered);
    assert_eq!(short.advice(), format!("widening the age band would offer {offered}"));
    // A slot that is filled needs no advice.
    let filled = e.slot_shortfall(&board, Slot::Shoes, &widened);
    assert_eq!(filled.passing, offered);
}

#[test]
fn a_summer_board_gets_no_winter_only_item_and_occasions_stay_apart() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path());
    const WINTER: u8 = 8;
    // The sleeveless dress: spring/summer by its words.
    let board = [id(&e, "K-7-0")];
    let got = suggested(&e, &board, Follow::default());
    for i in &got {
        let s = e.styling(*i);
        assert!(s.seasons == 0 || s.seasons & 0b0011 != 0, "{} is not for spring or summer", e.item(*i).unwrap().item.title);
    }
    let winter_only = |ids: &[i64]| ids.iter().filter(|i| e.styling(**i).seasons == WINTER).count();
    assert_eq!(winter_only(&got), 0);
    // Mittens and warm-lined boots tagged "summer" by the feed are still winter (the column is only a hint).
    assert_eq!(e.styling(id(&e, "K-16-0")).seasons, WINTER);
    assert_eq!(e.styling(id(&e, "K-14-0")).seasons, WINTER);
    let wide = suggested(&e, &board, Follow { season: false, ..Follow::default() });
    assert!(winter_only(&wide) > 0, "widened, winter items come back");

    // Sweatpants are sporty: no dressy loafers with them unless the occasion is widened.
    let sweatpants = [id(&e, "K-4-0")];
    let loafers = |ids: &[i64]| ids.iter().filter(|i| e.item(**i).unwrap().item.title == "Suede loafers").count();
    assert_eq!(loafers(&suggested(&e, &sweatpants, Follow::default())), 0);
    assert!(loafers(&suggested(&e, &sweatpants, Follow { occasion: false, ..Follow::default() })) > 0);
}

#[test]
fn suggestions_come_from_the_chosen_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = Engine::open(&dir.path().join("x.db"), &Path::new(env!("CARGO_MANIFEST_DIR")).join("models")).unwrap();
    e.import(&feed(dir.path(), "hm.csv", "H", 2)).unwrap();
    e.import(&feed(dir.path(), "myntra.csv", "M", 2)).unwrap();
    common::put_random_features(&mut e);
    let (hm, myntra) = (e.catalogue_id("hm").unwrap(), e.catalogue_id("myntra").unwrap());
    let board = [id(&e, "M-0-0")];
    let slots = [Slot::Bottom, Slot::Shoes, Slot::Outerwear];
    let run = |catalogue: Option<i64>, follow: Follow| -> Vec<i64> {
        let f = e.with_board_defaults(&board, &CompletionFilter::default(), follow, catalogue);
        e.complete(&board, &slots, 40, &f).unwrap().into_iter().flat_map(|(_, v)| v.into_iter().map(|s| s.item_id)).collect()
    };
    let chosen = run(Some(myntra), Follow::default());
    assert!(!chosen.is_empty() && chosen.iter().all(|i| e.catalogue_of(*i) == Some(myntra)), "outerwear from H&M with Myntra chosen");
    let all = run(None, Follow::default());
    assert!(all.iter().any(|i| e.catalogue_of(*i) == Some(hm)), "\"All visible\" keeps every catalogue");
    let widened = run(Some(myntra), Follow { catalogue: false, ..Follow::default() });
    assert!(widened.iter().any(|i| e.catalogue_of(*i) == Some(hm)), "the catalogue chip widens");
}

#[test]
fn scores_on_a_shifted_catalogue_are_not_saturated_and_judgements_recalibrate_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = Engine::open(&dir.path().join("x.db"), &Path::new(env!("CARGO_MANIFEST_DIR")).join("models")).unwrap();
    e.import(&feed(dir.path(), "kids.csv", "K", 6)).unwrap();
    // A catalogue far from anything the head trained on: features of one huge scale, strongly clustered by colour.
    common::put_fake_features(&mut e, |it, di, dt| {
        let family = colour_seed(&it.item.colour);
        let (base, noise) = (common::fake_vec(family, di), common::fake_vec(it.id as u64, di));
        let image = base.iter().zip(&noise).map(|(b, n)| 40.0 * (b + 0.1 * n)).collect();
        (image, common::fake_vec(family ^ 5, dt).iter().map(|x| 40.0 * x).collect())
    });
    let params = AuditParams { catalogue: None, boards: 400, heroes: 10, k: 5, seed: 1 };
    let a = e.audit_catalogue(&params).unwrap();
    assert!(a.boards >= 100, "{a:?}");
    assert!(a.saturated_calibrated <= 0.10, "{a}");
    assert_eq!(a.clashes_default, [0, 0, 0], "{a}");
    let board = [id(&e, "K-0-0"), id(&e, "K-3-0")];
    let before = e.calibration_for(&board);
    assert_eq!(before.labels, 0);
    assert!(before.scale <= 1.0);

    // Stylists accept boards of matching garments' first colourway and reject others: 30 judgements refit it.
    for c in 0..15 {
        let ok = [format!("K-{}-0", c % 6), format!("K-{}-0", 12 + c % 5)];
        e.judge(&ok, Verdict::Accept, "ana", JudgementSource::Manual, &[], None).unwrap();
        let bad = [format!("K-{}-{}", c % 6, 1 + c % 5), format!("K-{}-{}", 12 + c % 5, 1 + (c + 2) % 5)];
        e.judge(&bad, Verdict::Reject, "ana", JudgementSource::Manual, &[], None).unwrap();
    }
    e.reload().unwrap();
    let after = e.calibration_for(&board);
    assert_eq!(after.labels, 30, "{after:?}");
    assert_ne!((after.scale, after.shift), (before.scale, before.shift));
}

#[test]
fn diversified_suggestions_are_not_all_the_heros_colour() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = Engine::open(&dir.path().join("x.db"), &Path::new(env!("CARGO_MANIFEST_DIR")).join("models")).unwrap();
    e.import(&feed(dir.path(), "kids.csv", "K", 8)).unwrap();
    // Features that make same-colour items look alike, so a list ranked by score alone leans tonal.
    common::put_fake_features(&mut e, |it, di, dt| {
        let family = colour_seed(&it.item.colour);
        let mix = |seed: u64, dim: usize, w: f32| -> Vec<f32> {
            let (base, noise) = (common::fake_vec(seed, dim), common::fake_vec(it.id as u64 ^ seed, dim));
            base.iter().zip(&noise).map(|(b, n)| b + w * n).collect()
        };
        (mix(family, di, 0.35), mix(family ^ 5, dt, 0.6))
    });
    // The zero-shot head scores likeness, so its list by score is tonal by construction, whatever a trained head
    // has learned about colour.
    let zero_shot = e.store().model_by_name(outfit_studio::engine::ZERO_SHOT_NAME).unwrap().unwrap().id;
    e.activate_model(zero_shot).unwrap();
    let hero = id(&e, "K-0-1");
    let colour = e.item(hero).unwrap().item.colour.clone();
    let share = |diversity: f32| -> f32 {
        let f = CompletionFilter { diversity: Some(diversity), ..Default::default() };
        let f = e.with_board_defaults(&[hero], &f, Follow::NONE, None);
        let got: Vec<i64> =
            e.complete(&[hero], &[Slot::Bottom, Slot::Shoes], 6, &f).unwrap().into_iter().flat_map(|(_, v)| v).map(|s| s.item_id).collect();
        got.iter().filter(|i| e.item(**i).unwrap().item.colour == colour).count() as f32 / got.len() as f32
    };
    // Diversity chooses which items are shown; they are still shown best first.
    let f = e.with_board_defaults(&[hero], &CompletionFilter::default(), Follow::NONE, None);
    for (_, list) in e.complete(&[hero], &[Slot::Bottom, Slot::Shoes], 6, &f).unwrap() {
        let probs: Vec<f32> = list.iter().map(|s| s.outfit_probability).collect();
        assert!(probs.windows(2).all(|w| w[0] >= w[1]), "best first: {probs:?}");
    }
    let (by_score, diversified) = (share(0.0), share(0.3));
    assert!(diversified < by_score, "diversified {diversified} vs by score {by_score} in the hero's colour");
}

#[test]
fn mmr_takes_the_best_first_then_trades_score_for_variety() {
    use outfit_studio::catalogue::taxonomy::ColourFamily::{Navy, Orange};
    use outfit_studio::engine::{MmrCandidate, diversify};
    let navy = [1.0f32, 0.0];
    let orange = [0.0f32, 1.0];
    // Five navy candidates slightly better than five orange ones; the board is navy.
    let pool: Vec<MmrCandidate<'_>> = (0..10)
        .map(|i| {
            let is_navy = i < 5;
            MmrCandidate {
                relevance: 10.0 - i as f32 * 0.1,
                vector: if is_navy { &navy } else { &orange },
                colour: Some(if is_navy { Navy } else { Orange }),
            }
        })
        .collect();
    assert_eq!(diversify(&pool, &[Navy], 4, 0.0), vec![0, 1, 2, 3], "no diversity: by relevance");
    let picked = diversify(&pool, &[Navy], 4, 0.3);
    assert!(picked.iter().any(|&i| i < 5) && picked.iter().any(|&i| i >= 5), "tonal and contrasting: {picked:?}");
    assert_eq!(diversify(&pool, &[Navy], 20, 0.3).len(), 10, "never more than the pool");
}
