//! `outfit-studio eval-looks`: how many of a real outfit's items generated looks recover, on MANGO's held-out
//! stylist outfits (or any outfit set `eval-outfits` reads).
//!
//! Protocol: for every outfit of the split, one of its items (drawn with the seed) is the hero; the template is
//! the outfit's own set of slots (each method fills the same slots, so only the choice of items is compared);
//! k looks are generated over every item of the dataset (exposure control off, nothing out of stock). The
//! targets are the outfit's other items; an item is warm when it appears in a training outfit, else cold (as in
//! the `eval-outfits` protocol). Per outfit with at least one warm (cold) target: hit@k = some warm (cold) target
//! is in one of the first k looks; recall@k = share of warm (cold) targets found in them, averaged over outfits.
//! Methods: the generator with the head (centred on the dataset, as the app centres a catalogue), random items
//! of the slot, the most popular items of the slot in training outfits (look j takes each slot's j-th), and
//! co-occurrence with the hero in training outfits (ties and items never seen with the hero: by popularity).

use super::Result;
use super::generate::{LookParams, Scene, generate};
use super::templates::Template;
use outfit_catalogue::Slot;
use outfit_model::Head;
use outfit_model::outfit_eval::PreparedSet;
use outfit_model::protocol::{CoOccurrence, RowOutfit};
use outfit_score::{EmbeddingIndex, IndexRow, Scorer};
use rand::{Rng, SeedableRng};
use std::collections::{HashMap, HashSet};

/// The k values reported.
pub const KS: [usize; 3] = [1, 3, 10];

/// Hit rate and recall at each of [`KS`], over the outfits with a target of the kind.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Recovery {
    pub outfits: usize,
    pub targets: usize,
    pub hit: [f64; 3],
    pub recall: [f64; 3],
}

/// One method's warm and cold figures.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MethodRecovery {
    pub method: String,
    pub warm: Recovery,
    pub cold: Recovery,
}

/// Looks (as table rows, hero first) for one outfit's hero and slots, at most `k`.
trait LookMaker {
    fn name(&self) -> String;
    fn looks(&mut self, hero: usize, slots: &[Slot], k: usize) -> Result<Vec<Vec<usize>>>;
}

struct Generator<'a> {
    label: String,
    index: EmbeddingIndex,
    /// Table row -> index row and back.
    to_index: Vec<usize>,
    masks: Vec<&'a [f32]>,
    calibration: (f32, f32),
    scorer: &'a dyn Scorer,
}

impl LookMaker for Generator<'_> {
    fn name(&self) -> String {
        self.label.clone()
    }
    fn looks(&mut self, hero: usize, slots: &[Slot], k: usize) -> Result<Vec<Vec<usize>>> {
        let scene = Scene {
            index: &self.index,
            scorer: self.scorer,
            masks: self.masks.clone(),
            calibration: self.calibration,
            full_length: Vec::new(),
        };
        let t = Template::new("outfit", slots);
        let p = LookParams { looks_per_hero: k, in_stock_only: false, ..Default::default() };
        let g = generate(&scene, &[t], &[self.to_index[hero]], &p, &mut |_, _| {}, &|| false)?;
        Ok(g.looks.iter().map(|l| l.rows.iter().map(|&r| self.index.item_ids[r] as usize).collect()).collect())
    }
}

/// Fills each slot from a per-slot ranking: look j takes the j-th item (wrapping when a slot runs short).
fn ranked_looks(hero: usize, slots: &[Slot], k: usize, hero_slot: Slot, rank: &dyn Fn(Slot) -> Vec<usize>) -> Vec<Vec<usize>> {
    let lists: Vec<Vec<usize>> = slots.iter().filter(|s| **s != hero_slot).map(|&s| rank(s)).collect();
    if lists.iter().any(|l| l.is_empty()) {
        return Vec::new();
    }
    (0..k).map(|j| std::iter::once(hero).chain(lists.iter().map(|l| l[j % l.len()])).collect()).collect()
}

struct Popular<'a> {
    set: &'a PreparedSet,
    /// Per slot, rows by training-outfit count (most first, then row).
    by_slot: Vec<Vec<usize>>,
}

impl<'a> Popular<'a> {
    fn new(set: &'a PreparedSet) -> Popular<'a> {
        let mut count: HashMap<usize, usize> = HashMap::new();
        for o in &set.train {
            for &r in &o.rows {
                *count.entry(r).or_default() += 1;
            }
        }
        let by_slot = Slot::ALL
            .iter()
            .map(|&s| {
                let mut rows: Vec<usize> = set.table.rows_of_slot(s).to_vec();
                rows.sort_by_key(|r| (std::cmp::Reverse(count.get(r).copied().unwrap_or(0)), *r));
                rows
            })
            .collect();
        Popular { set, by_slot }
    }
}

impl LookMaker for Popular<'_> {
    fn name(&self) -> String {
        "most popular per slot (training outfits)".into()
    }
    fn looks(&mut self, hero: usize, slots: &[Slot], k: usize) -> Result<Vec<Vec<usize>>> {
        let rank = |s: Slot| self.by_slot[s.index()].iter().copied().filter(|&r| r != hero).take(k).collect();
        Ok(ranked_looks(hero, slots, k, self.set.table.slots[hero], &rank))
    }
}

struct CoOccur<'a> {
    popular: Popular<'a>,
    cooc: CoOccurrence,
}

impl LookMaker for CoOccur<'_> {
    fn name(&self) -> String {
        "co-occurrence with the hero (training outfits)".into()
    }
    fn looks(&mut self, hero: usize, slots: &[Slot], k: usize) -> Result<Vec<Vec<usize>>> {
        let rank = |s: Slot| {
            // Popularity order, stably re-sorted by co-occurrence with the hero.
            let mut rows: Vec<usize> = self.popular.by_slot[s.index()].iter().copied().filter(|&r| r != hero).collect();
            rows.sort_by_key(|&r| std::cmp::Reverse(self.cooc.get(hero, r)));
            rows.truncate(k);
            rows
        };
        Ok(ranked_looks(hero, slots, k, self.popular.set.table.slots[hero], &rank))
    }
}

struct RandomSlot<'a> {
    set: &'a PreparedSet,
    rng: rand::rngs::StdRng,
}

impl LookMaker for RandomSlot<'_> {
    fn name(&self) -> String {
        "random item of the slot".into()
    }
    fn looks(&mut self, hero: usize, slots: &[Slot], k: usize) -> Result<Vec<Vec<usize>>> {
        let rng = &mut self.rng;
        let mut lists = Vec::new();
        for &s in slots.iter().filter(|s| **s != self.set.table.slots[hero]) {
            let pool = self.set.table.rows_of_slot(s);
            if pool.is_empty() {
                return Ok(Vec::new());
            }
            lists.push((0..k).map(|_| pool[rng.random_range(0..pool.len())]).collect::<Vec<_>>());
        }
        Ok((0..k).map(|j| std::iter::once(hero).chain(lists.iter().map(|l| l[j])).collect()).collect())
    }
}

/// Runs the protocol on `outfits` (a held-out split of `set`) for the head and the baselines.
pub fn evaluate(
    set: &PreparedSet,
    outfits: &[RowOutfit],
    head: (&str, &Head),
    scorer: &dyn Scorer,
    seed: u64,
) -> Result<Vec<MethodRecovery>> {
    let (label, head) = head;
    let g = outfit_model::metrics::embed_rows(head, &set.table)?;
    let d = head.dims.embed;
    let rows: Vec<IndexRow> = (0..set.table.len())
        .map(|r| IndexRow {
            item_id: r as i64,
            slot: set.table.slots[r],
            age_group: None,
            styling: outfit_catalogue::Styling::default(),
            in_stock: true,
            price: None,
            brand: "",
            catalogue: 0,
            vector: &g[r * d..(r + 1) * d],
        })
        .collect();
    let index = EmbeddingIndex::build(d, rows);
    let mut to_index = vec![0; set.table.len()];
    for (i, id) in index.item_ids.iter().enumerate() {
        to_index[*id as usize] = i;
    }
    let masks = Slot::ALL.iter().flat_map(|&u| Slot::ALL.iter().map(move |&v| head.mask_sq(u, v))).collect();
    let mut generator =
        Generator { label: format!("look generator, {label}"), index, to_index, masks, calibration: head.calibration(), scorer };
    let popular = || Popular::new(set);
    let mut methods: Vec<Box<dyn LookMaker + '_>> = vec![
        Box::new(RandomSlot { set, rng: rand::rngs::StdRng::seed_from_u64(seed ^ 0x7a) }),
        Box::new(popular()),
        Box::new(CoOccur { popular: popular(), cooc: CoOccurrence::count(&set.train) }),
    ];
    let seen: HashSet<usize> = set.train.iter().flat_map(|o| o.rows.iter().copied()).collect();
    let kmax = KS[KS.len() - 1];
    let mut out = Vec::new();
    let mut all: Vec<&mut dyn LookMaker> = vec![&mut generator];
    all.extend(methods.iter_mut().map(|m| m.as_mut() as &mut dyn LookMaker));
    for m in all {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let (mut warm, mut cold) = (Recovery::default(), Recovery::default());
        for o in outfits {
            let hero = o.rows[rng.random_range(0..o.rows.len())];
            let mut slots: Vec<Slot> = o.rows.iter().map(|&r| set.table.slots[r]).collect();
            slots.sort();
            slots.dedup();
            if slots.len() < 2 {
                continue;
            }
            let looks = m.looks(hero, &slots, kmax)?;
            let targets: Vec<usize> = o.rows.iter().copied().filter(|&r| r != hero).collect();
            for (acc, want_warm) in [(&mut warm, true), (&mut cold, false)] {
                let t: Vec<usize> = targets.iter().copied().filter(|r| seen.contains(r) == want_warm).collect();
                if t.is_empty() {
                    continue;
                }
                acc.outfits += 1;
                acc.targets += t.len();
                for (i, &k) in KS.iter().enumerate() {
                    let found: HashSet<usize> = looks.iter().take(k).flat_map(|l| l[1..].iter().copied()).collect();
                    let n = t.iter().filter(|r| found.contains(r)).count();
                    acc.hit[i] += (n > 0) as u8 as f64;
                    acc.recall[i] += n as f64 / t.len() as f64;
                }
            }
        }
        for acc in [&mut warm, &mut cold] {
            let n = acc.outfits.max(1) as f64;
            acc.hit.iter_mut().chain(acc.recall.iter_mut()).for_each(|v| *v /= n);
        }
        out.push(MethodRecovery { method: m.name(), warm, cold });
    }
    Ok(out)
}

/// The Markdown table: one row per method, hit rate and recall at [`KS`], warm and cold.
pub fn markdown(results: &[MethodRecovery]) -> String {
    let mut s = String::new();
    for (kind, pick) in [("warm", true), ("cold", false)] {
        let r0 = results.first().map(|r| if pick { &r.warm } else { &r.cold });
        let (o, t) = r0.map(|r| (r.outfits, r.targets)).unwrap_or_default();
        s.push_str(&format!("\n**{kind} targets** ({o} outfits, {t} target items)\n\n"));
        s.push_str("| method | hit@1 | hit@3 | hit@10 | recall@1 | recall@3 | recall@10 |\n|---|---:|---:|---:|---:|---:|---:|\n");
        for r in results {
            let x = if pick { &r.warm } else { &r.cold };
            let f = |v: f64| format!("{:.3}", v);
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                r.method,
                f(x.hit[0]),
                f(x.hit[1]),
                f(x.hit[2]),
                f(x.recall[0]),
                f(x.recall[1]),
                f(x.recall[2])
            ));
        }
    }
    s
}
