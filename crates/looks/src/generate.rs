//! The look generator's search, over an embedding index (the engine's, or the bench's synthetic one).
//!
//! For each hero, in an order shuffled by the batch's seed (so exposure limits do not always favour the same
//! heroes, yet a seed always gives the same batch):
//! 1. **Pools.** One slot query per slot its templates need, q = g_hero ⊙ m²(slot, hero slot), ranked by the
//!    scorer with the hard constraints as filters (in stock, target season, each item within what the price cap
//!    leaves after the hero, brand rules); heroes are batched so the scorer scans each slot's rows once for many
//!    queries. Items of another age band than the hero's are dropped (strictly: an item without an age band
//!    never joins a hero that has one). The best `pool` items per slot stay.
//! 2. **Beam search** per template over its other slots in order, `beam_width` partial looks kept, ranked by
//!    their mean pair term (the head's compatibility logit before calibration) minus the diversity penalty; the
//!    pair terms among the hero and its pools are computed once. Partial looks over the price cap, with an item
//!    already in `max_exposure` looks of this batch, or sharing more than one item besides the hero with a look
//!    already chosen for this hero, are cut.
//! 3. **Diversity (MMR).** The k looks are chosen one after the other; each is the best complete look over the
//!    templates by mean pair − `diversity` × (largest share of its non-hero items found in a chosen look).

use super::templates::Template;
use super::{LooksError, Result};
use outfit_catalogue::{AgeGroup, BoardStyle, Occasion, Season, Slot, Styling};
use outfit_score::{EmbeddingIndex, Filter, Query, Scorer, season_bit};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

/// What the search ranks with: the index, a scorer, the head's squared slot-pair masks and its calibration.
pub struct Scene<'a> {
    pub index: &'a EmbeddingIndex,
    pub scorer: &'a dyn Scorer,
    /// m² per ordered slot pair, `[u * Slot::COUNT + v]`.
    pub masks: Vec<&'a [f32]>,
    /// σ(a · mean pair + b) is a look's probability.
    pub calibration: (f32, f32),
    /// Rows of full-length one-pieces (all-in-ones, jumpsuits; see `outfit_catalogue::wear`), which a look never
    /// pairs with a bottom; empty: none.
    pub full_length: Vec<bool>,
}

impl Scene<'_> {
    /// The slot whose row range holds `row`.
    pub fn slot_of(&self, row: usize) -> Slot {
        Slot::ALL.into_iter().find(|s| self.index.slot_ranges[s.index()].contains(&row)).expect("row inside the index")
    }
    fn mask(&self, u: Slot, v: Slot) -> &[f32] {
        self.masks[u.index() * Slot::COUNT + v.index()]
    }
    /// The head's pair term s(a, b) = Σ g_a · m²(slot_a, slot_b) · g_b.
    fn pair(&self, a: usize, sa: Slot, b: usize, sb: Slot) -> f32 {
        let m = self.mask(sa, sb);
        self.index.row(a).iter().zip(self.index.row(b)).zip(m).map(|((x, y), w)| x * y * w).sum()
    }
    fn is_full_length(&self, row: usize) -> bool {
        self.full_length.get(row).copied().unwrap_or(false)
    }
    fn probability(&self, mean_pair: f32) -> f32 {
        let (a, b) = self.calibration;
        1.0 / (1.0 + (-(a * mean_pair + b)).exp())
    }
}

/// The generator's parameters; recorded with every generated look that enters the review queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LookParams {
    /// Looks per hero (k).
    pub looks_per_hero: usize,
    /// No item (other than a hero in its own looks) in more than this many looks of the batch.
    pub max_exposure: Option<usize>,
    /// Total price of a look, hero included; items without a price are left out under a cap.
    pub price_cap: Option<f32>,
    pub in_stock_only: bool,
    /// Season the looks are for; default: the hero's own (an all-season hero: no season condition).
    pub season: Option<Season>,
    /// Brand rule: only these brands besides the hero (empty: any).
    pub brands: Vec<String>,
    /// Brand rule: only the hero's brand.
    pub hero_brand_only: bool,
    /// Only this template (by name); default: every template that applies to the hero.
    pub template: Option<String>,
    pub beam_width: usize,
    /// Candidates per slot the beam chooses from.
    pub pool: usize,
    /// Weight of the MMR redundancy penalty (0: best looks only, still within the hard diversity rule).
    pub diversity: f32,
    pub seed: u64,
    /// Looks for either gender (by default a boys' hero gets boys' and unisex items).
    pub any_gender: bool,
    /// Looks that mix occasions (by default a sporty hero gets no dressy shoes).
    pub any_occasion: bool,
    /// Items from every catalogue (by default the hero's own).
    pub any_catalogue: bool,
    /// Multipacks and underwear-like basics as heroes too (by default only when named).
    pub include_basics: bool,
}

impl Default for LookParams {
    fn default() -> Self {
        LookParams {
            looks_per_hero: 3,
            max_exposure: None,
            price_cap: None,
            in_stock_only: true,
            season: None,
            brands: Vec::new(),
            hero_brand_only: false,
            template: None,
            beam_width: 16,
            pool: 24,
            diversity: 0.25,
            seed: 1,
            any_gender: false,
            any_occasion: false,
            any_catalogue: false,
            include_basics: false,
        }
    }
}

/// One generated look, as index rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Look {
    pub hero: usize,
    pub template: String,
    /// The hero first, then the template's other slots in order.
    pub rows: Vec<usize>,
    pub mean_pair: f32,
    pub probability: f32,
    /// Sum of the known prices.
    pub total_price: f32,
}

/// A hero that got fewer looks than asked for, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shortfall {
    pub hero: usize,
    pub found: usize,
    pub reason: String,
    /// No template dresses this hero (its slot, age band or season): counted apart from heroes left short.
    pub no_template: bool,
}

/// What a batch produced.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Generated {
    pub looks: Vec<Look>,
    pub short: Vec<Shortfall>,
    /// Heroes handled before a cancel (all of them when not cancelled).
    pub heroes_done: usize,
    pub cancelled: bool,
}

/// Heroes whose pools are ranked in one scorer call.
const HERO_CHUNK: usize = 64;

struct Plan<'t> {
    hero: usize,
    slot: Slot,
    age_bit: u8,
    /// The templates that apply to the hero, then the fallbacks they may need.
    templates: Vec<Planned<'t>>,
    slots: Vec<Slot>,
    filter: Filter,
}

/// Fallbacks followed at most this deep (a cycle in a hand-edited list ends here).
const FALLBACK_DEPTH: usize = 4;

/// Generates up to k looks for each hero row (see the module docs); deterministic for the parameters' seed.
/// `progress(done, total)` is called after each chunk of heroes; `cancel()` is checked between chunks.
pub fn generate(
    scene: &Scene<'_>,
    templates: &[Template],
    heroes: &[usize],
    p: &LookParams,
    progress: &mut dyn FnMut(usize, usize),
    cancel: &dyn Fn() -> bool,
) -> Result<Generated> {
    if p.looks_per_hero == 0 || p.beam_width == 0 || p.pool == 0 {
        return Err(LooksError::Params("looks per hero, beam width and pool size must be at least 1".into()));
    }
    if let Some(cap) = p.price_cap
        && cap.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
    {
        return Err(LooksError::Params(format!("the price cap must be a positive amount (got {cap})")));
    }
    let chosen: Vec<&Template> = match &p.template {
        Some(name) => {
            let t = templates.iter().find(|t| &t.name == name);
            vec![t.ok_or_else(|| LooksError::NoTemplate { name: name.clone(), known: templates.iter().map(|t| t.name.clone()).collect() })?]
        }
        None => templates.iter().collect(),
    };
    let n = scene.index.len();
    if let Some(&bad) = heroes.iter().find(|&&h| h >= n) {
        return Err(LooksError::HeroRow { row: bad, rows: n });
    }
    let mut order: Vec<usize> = heroes.to_vec();
    order.dedup();
    order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(p.seed));
    let brand_ids: Option<Vec<u32>> = (!p.brands.is_empty()).then(|| p.brands.iter().filter_map(|b| scene.index.brand_id(b)).collect());
    let mut exposure = vec![0u32; n];
    let mut stocked = Stocked::default();
    let mut out = Generated::default();
    for chunk in order.chunks(HERO_CHUNK) {
        if cancel() {
            out.cancelled = true;
            break;
        }
        let mut plans = Vec::new();
        for &h in chunk {
            match plan(scene, &chosen, templates, h, p, &brand_ids) {
                Ok(pl) => plans.push(pl),
                Err((reason, no_template)) => out.short.push(Shortfall { hero: h, found: 0, reason, no_template }),
            }
        }
        // Strict age filtering drops unknown-age items after ranking: ask for twice the pool.
        let queries: Vec<Query> = plans
            .iter()
            .flat_map(|pl| {
                pl.slots.iter().map(|&s| Query {
                    slot: s,
                    vector: scene.index.row(pl.hero).iter().zip(scene.mask(s, pl.slot)).map(|(g, m)| g * m).collect(),
                    filter: pl.filter.clone(),
                    k: p.pool * 2,
                })
            })
            .collect();
        let hits = scene.scorer.top_k(scene.index, &queries)?;
        let mut hits = hits.into_iter();
        for pl in &plans {
            let pools: Vec<(Slot, Vec<usize>)> = pl
                .slots
                .iter()
                .map(|&s| {
                    let rows = hits
                        .next()
                        .unwrap_or_default()
                        .into_iter()
                        .map(|h| h.row as usize)
                        .filter(|&r| pl.age_bit == 0 || scene.index.meta[r].age_bit == pl.age_bit)
                        .take(p.pool)
                        .collect();
                    (s, rows)
                })
                .collect();
            let usable = usable_templates(pl, &pools);
            if usable.is_empty() {
                let reason = nothing_fits(scene, pl, &pools, p, &mut stocked);
                out.short.push(Shortfall { hero: pl.hero, found: 0, reason, no_template: false });
                continue;
            }
            let looks = dress(scene, pl, &usable, &pools, p, &mut exposure);
            if looks.len() < p.looks_per_hero {
                let reason = too_few(scene, pl, &usable, &pools, looks.len());
                out.short.push(Shortfall { hero: pl.hero, found: looks.len(), reason, no_template: false });
            }
            out.looks.extend(looks);
        }
        out.heroes_done += chunk.len();
        progress(out.heroes_done, order.len());
    }
    Ok(out)
}

/// The plan's templates whose required slots all have candidates, each replaced by its fallback (followed
/// down the chain) when one has none; each template once, in the plan's order.
fn usable_templates<'t>(pl: &Plan<'t>, pools: &[(Slot, Vec<usize>)]) -> Vec<&'t Template> {
    let fits = |t: &Template| {
        t.slots.iter().filter(|s| **s != pl.slot && !t.is_optional(**s)).all(|s| pools.iter().any(|(ps, rows)| ps == s && !rows.is_empty()))
    };
    let mut out: Vec<&Template> = Vec::new();
    for t in pl.templates.iter().filter(|t| !t.fallback_only) {
        let mut cur = Some(t.template);
        for _ in 0..=FALLBACK_DEPTH {
            let Some(c) = cur else { break };
            if fits(c) {
                if !out.iter().any(|o| o.name == c.name) {
                    out.push(c);
                }
                break;
            }
            // Only fallbacks the plan admitted (they dress the hero; no bottom beside an all-in-one).
            cur = c.fallback.as_deref().and_then(|f| pl.templates.iter().map(|x| x.template).find(|o| o.name == f));
        }
    }
    out
}

/// Rows per (slot, age bit) in stock in the hero's catalogue: tells "none in this catalogue" from "none fits".
#[derive(Default)]
struct Stocked(std::collections::HashMap<(Slot, u8, u32, bool), usize>);

/// Why a hero got no look at all: the required slots with no candidate, said as "no toddler shoes in this
/// catalogue" when the catalogue has none of that age band, else as what filtered them out.
fn nothing_fits(scene: &Scene<'_>, pl: &Plan<'_>, pools: &[(Slot, Vec<usize>)], p: &LookParams, stocked: &mut Stocked) -> String {
    let mut empty: Vec<Slot> = pl
        .templates
        .iter()
        .flat_map(|t| t.template.slots.iter().filter(|s| **s != pl.slot && !t.template.is_optional(**s)))
        .copied()
        .filter(|s| pools.iter().any(|(ps, rows)| ps == s && rows.is_empty()))
        .collect();
    empty.sort();
    empty.dedup();
    let age = age_word(pl.age_bit);
    let catalogue = pl.filter.catalogue.unwrap_or(0);
    let (none, filtered): (Vec<Slot>, Vec<Slot>) = empty.into_iter().partition(|&s| {
        let key = (s, pl.age_bit, catalogue, p.in_stock_only);
        let count = *stocked.0.entry(key).or_insert_with(|| {
            scene.index.slot_ranges[s.index()]
                .clone()
                .filter(|&r| {
                    let m = &scene.index.meta[r];
                    (pl.age_bit == 0 || m.age_bit == pl.age_bit)
                        && (!p.in_stock_only || m.in_stock)
                        && (catalogue == 0 || m.catalogue == catalogue)
                })
                .count()
        });
        count == 0
    });
    let words = |slots: &[Slot]| slots.iter().map(|s| format!("{age}{}", slot_words(*s))).collect::<Vec<_>>().join(" or ");
    match (none.is_empty(), filtered.is_empty()) {
        (false, _) => format!("no {} in this catalogue", words(&none)),
        (true, false) => format!("no {} fit the hero's season, gender, occasion, price or brand rules", words(&filtered)),
        (true, true) => "no look within the price cap, exposure limit and diversity rule".into(),
    }
}

/// Why a hero got fewer looks than asked: the scarcest required slot of its templates.
fn too_few(scene: &Scene<'_>, pl: &Plan<'_>, usable: &[&Template], pools: &[(Slot, Vec<usize>)], found: usize) -> String {
    let scarce = usable
        .iter()
        .flat_map(|t| t.slots.iter().filter(|s| **s != pl.slot && !t.is_optional(**s)))
        .filter_map(|s| pools.iter().find(|(ps, _)| ps == s))
        .min_by_key(|(_, rows)| rows.len());
    let full = pl.slot == Slot::OnePiece && scene.is_full_length(pl.hero);
    match scarce {
        Some((s, rows)) if rows.len() <= found.max(1) * 2 => format!(
            "only {} {}{} fit{}, and a hero's looks share at most one item besides it",
            rows.len(),
            age_word(pl.age_bit),
            slot_words(*s),
            if rows.len() == 1 { "s" } else { "" }
        ),
        _ if full => "a full-length one-piece takes no bottom: fewer templates apply".into(),
        _ => "no further look within the price cap, exposure limit and diversity rule".into(),
    }
}

fn age_word(bit: u8) -> String {
    AgeGroup::ALL.into_iter().find(|a| bit == 1 << a.index()).map(|a| format!("{} ", a.as_str())).unwrap_or_default()
}

/// A slot in a reason ("no toddler shoes").
pub fn slot_words(s: Slot) -> &'static str {
    match s {
        Slot::Top => "tops",
        Slot::Bottom => "bottoms",
        Slot::OnePiece => "one-pieces",
        Slot::Outerwear => "outerwear",
        Slot::Shoes => "shoes",
        Slot::Headwear => "hats",
        Slot::Bag => "bags",
        Slot::Accessory => "accessories",
    }
}

/// A template of a hero's plan; `fallback_only` when it does not apply to the hero itself.
struct Planned<'t> {
    template: &'t Template,
    fallback_only: bool,
}

/// A hero's templates, slots to fill and candidate filter, or why it cannot be dressed (and whether that is
/// because no template applies).
fn plan<'t>(
    scene: &Scene<'_>,
    templates: &[&'t Template],
    all: &'t [Template],
    hero: usize,
    p: &LookParams,
    brand_ids: &Option<Vec<u32>>,
) -> Result<Plan<'t>, (String, bool)> {
    let m = scene.index.meta[hero];
    let slot = scene.slot_of(hero);
    let age = AgeGroup::ALL.into_iter().find(|a| m.age_bit == 1 << a.index());
    // What the hero implies, read as complete-the-look reads a one-item board.
    let occasion = Occasion::from_bit(m.occasion);
    let style = BoardStyle::of(&[Styling { gender: m.gender, seasons: m.seasons, occasion }]);
    // The batch's season, else the hero's seasons of wear (a beanie: autumn and winter templates).
    let season_mask = p.season.map(season_bit).filter(|b| *b != 0).or(style.seasons);
    let seasons: Vec<Option<Season>> = match season_mask {
        Some(mask) => outfit_catalogue::styling::seasons_of(mask).into_iter().map(Some).collect(),
        None => vec![None],
    };
    if p.in_stock_only && !m.in_stock {
        return Err(("the hero is out of stock".into(), false));
    }
    let max_price = match p.price_cap {
        Some(_) if m.price.is_nan() => return Err(("the hero has no price, so no look can be kept under the price cap".into(), false)),
        Some(cap) if m.price > cap => return Err((format!("the hero alone costs more than the price cap ({} > {cap})", m.price), false)),
        Some(cap) => Some(cap - m.price),
        None => None,
    };
    // A full-length one-piece never gets a template with a bottom.
    let full_length = slot == Slot::OnePiece && scene.is_full_length(hero);
    let allowed = |t: &Template| !(full_length && t.slots.contains(&Slot::Bottom));
    let ts: Vec<&Template> = templates.iter().copied().filter(|t| allowed(t) && seasons.iter().any(|s| t.applies(slot, age, *s))).collect();
    if ts.is_empty() {
        let age = age.map(|a| a.as_str()).unwrap_or("unknown age");
        let season = match seasons.as_slice() {
            [None] => "any season".to_string(),
            s => s.iter().flatten().map(|s| s.as_str()).collect::<Vec<_>>().join("/"),
        };
        let article = if age.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
        return Err((format!("no template for {article} {age} {} hero in {season}", slot_words(slot)), true));
    }
    let mut planned: Vec<Planned> = ts.iter().map(|&t| Planned { template: t, fallback_only: false }).collect();
    for &t in &ts {
        let mut cur = t;
        for _ in 0..FALLBACK_DEPTH {
            let Some(f) = cur.fallback.as_deref().and_then(|f| all.iter().find(|o| o.name == f)) else { break };
            if !f.dresses(slot) || !allowed(f) {
                break;
            }
            if !planned.iter().any(|x| x.template.name == f.name) {
                planned.push(Planned { template: f, fallback_only: true });
            }
            cur = f;
        }
    }
    let mut slots: Vec<Slot> = planned.iter().flat_map(|t| t.template.slots.iter().copied()).filter(|s| *s != slot).collect();
    slots.sort();
    slots.dedup();
    let brands = if p.hero_brand_only { Some(vec![m.brand]) } else { brand_ids.clone() };
    // A boys' hero gets boys' and unisex items, a sporty one no dressy shoes, and all from its own catalogue.
    let filter = Filter {
        age_mask: (m.age_bit != 0).then_some(m.age_bit),
        season_mask,
        gender_mask: style.gender.filter(|_| !p.any_gender),
        occasion_mask: style.occasions.filter(|_| !p.any_occasion),
        catalogue: (!p.any_catalogue && m.catalogue != 0).then_some(m.catalogue),
        in_stock_only: p.in_stock_only,
        min_price: None,
        max_price,
        brands,
        exclude_rows: vec![hero as u32],
    };
    Ok(Plan { hero, slot, age_bit: m.age_bit, templates: planned, slots, filter })
}

#[derive(Clone)]
struct Partial {
    /// Indices into the hero's member table (0 = the hero).
    members: Vec<usize>,
    pair_sum: f32,
    price: f32,
    value: f32,
}

/// The k looks of one hero (see the module docs, steps 2 and 3); counts the exposure of what it picks.
/// An optional slot with no candidate left is passed over; a look needs the hero and at least one more item.
fn dress(
    scene: &Scene<'_>,
    pl: &Plan<'_>,
    templates: &[&Template],
    pools: &[(Slot, Vec<usize>)],
    p: &LookParams,
    exposure: &mut [u32],
) -> Vec<Look> {
    // Member table: the hero, then every pooled item; pair terms between members of different slots.
    let mut members: Vec<(usize, Slot)> = vec![(pl.hero, pl.slot)];
    let mut by_slot: Vec<(Slot, Vec<usize>)> = Vec::new();
    for (s, rows) in pools {
        let start = members.len();
        members.extend(rows.iter().map(|&r| (r, *s)));
        by_slot.push((*s, (start..members.len()).collect()));
    }
    let n = members.len();
    let mut pair = vec![0f32; n * n];
    for i in 0..n {
        for j in i + 1..n {
            if members[i].1 != members[j].1 {
                let v = scene.pair(members[i].0, members[i].1, members[j].0, members[j].1);
                pair[i * n + j] = v;
                pair[j * n + i] = v;
            }
        }
    }
    let price = |i: usize| {
        let v = scene.index.meta[members[i].0].price;
        if v.is_nan() { 0.0 } else { v }
    };
    let cap = p.price_cap.map(|c| c + 1e-3);
    let limit = p.max_exposure.map(|x| x as u32);
    let mut chosen: Vec<Vec<usize>> = Vec::new();
    let mut looks = Vec::new();
    // Largest number of non-hero members shared with a chosen look.
    let shared = |ms: &[usize], chosen: &[Vec<usize>]| -> usize {
        chosen.iter().map(|c| ms[1..].iter().filter(|m| c.contains(m)).count()).max().unwrap_or(0)
    };
    let repeats = |ms: &[usize], chosen: &[Vec<usize>]| chosen.iter().any(|c| ms[1..].iter().all(|m| c.contains(m)));
    let value = |pair_sum: f32, ms: &[usize], chosen: &[Vec<usize>]| {
        let k = ms.len() as f32;
        let mean = pair_sum / (k * (k - 1.0) / 2.0);
        mean - p.diversity * shared(ms, chosen) as f32 / (k - 1.0)
    };
    for _ in 0..p.looks_per_hero {
        let mut best: Option<(Partial, &Template)> = None;
        for &t in templates {
            let mut beam = vec![Partial { members: vec![0], pair_sum: 0.0, price: price(0), value: 0.0 }];
            let to_fill: Vec<Slot> = t.slots.iter().copied().filter(|s| *s != pl.slot).collect();
            // A one-piece beside a bottom must leave the legs free: no all-in-ones.
            let no_full_length = t.slots.contains(&Slot::Bottom) && t.slots.contains(&Slot::OnePiece);
            for (step, slot) in to_fill.iter().enumerate() {
                let last = step + 1 == to_fill.len();
                let pool = &by_slot.iter().find(|(s, _)| s == slot).expect("pooled slot").1;
                let mut next: Vec<Partial> = Vec::new();
                for st in &beam {
                    for &c in pool {
                        if limit.is_some_and(|l| exposure[members[c].0] >= l) {
                            continue;
                        }
                        if no_full_length && *slot == Slot::OnePiece && scene.is_full_length(members[c].0) {
                            continue;
                        }
                        let pr = st.price + price(c);
                        if cap.is_some_and(|cap| pr > cap) {
                            continue;
                        }
                        let mut ms = st.members.clone();
                        ms.push(c);
                        // A complete look whose every other item is in a chosen look repeats it (two-slot templates).
                        if shared(&ms, &chosen) > 1 || (last && repeats(&ms, &chosen)) {
                            continue;
                        }
                        let pair_sum = st.pair_sum + st.members.iter().map(|&j| pair[c * n + j]).sum::<f32>();
                        let v = value(pair_sum, &ms, &chosen);
                        next.push(Partial { members: ms, pair_sum, price: pr, value: v });
                    }
                }
                if next.is_empty() && t.is_optional(*slot) {
                    continue;
                }
                next.sort_by(|a, b| b.value.total_cmp(&a.value).then_with(|| a.members.cmp(&b.members)));
                next.truncate(p.beam_width);
                beam = next;
                if beam.is_empty() {
                    break;
                }
            }
            if let Some(top) = beam.into_iter().find(|b| b.members.len() >= 2 && !repeats(&b.members, &chosen))
                && best.as_ref().is_none_or(|(b, _)| top.value > b.value)
            {
                best = Some((top, t));
            }
        }
        let Some((look, t)) = best else { break };
        for &m in &look.members[1..] {
            exposure[members[m].0] += 1;
        }
        let k = look.members.len() as f32;
        let mean_pair = look.pair_sum / (k * (k - 1.0) / 2.0);
        looks.push(Look {
            hero: pl.hero,
            template: t.name.clone(),
            rows: look.members.iter().map(|&m| members[m].0).collect(),
            mean_pair,
            probability: scene.probability(mean_pair),
            total_price: look.price,
        });
        chosen.push(look.members);
    }
    looks
}

#[cfg(test)]
mod tests;
