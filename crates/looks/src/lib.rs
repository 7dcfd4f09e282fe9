//! Looks at catalogue scale (issue 14): complete outfits generated for many hero items from editable outfit
//! templates, reviewed in batches in the review queue, published per product (`outfit_export::per_product`).
//!
//! Layer: above `engine`, `labels` and `export`, below `curate`. The search itself ([`generate`]) works on an
//! embedding index, so the bench runs it on a synthetic 300k catalogue; this module maps it to catalogue items,
//! picks heroes and puts the looks into a stylist's review queue (source "generated", with the template and the
//! generator's parameters), where every decision is a judgement like any other and an accept approves the look
//! for the webshop.

pub mod bench;
mod error;
pub mod generate;
pub mod recall;
pub mod templates;

pub use error::{LooksError, Result};
pub use generate::{Generated, Look, LookParams, Scene, Shortfall};
pub use templates::Template;

use outfit_catalogue::{AgeGroup, Slot};
use outfit_engine::Engine;
use outfit_labels::queue::{Candidate, Diversity, select};
use outfit_store::outfit_key;
use outfit_store::queue::{GENERATED_SOURCE, GeneratedCounts, NewQueueItem};
use serde::Serialize;

/// The stylist's template list, or the defaults when none was saved.
pub fn load_templates(engine: &Engine) -> Result<Vec<Template>> {
    match engine.setting(templates::SETTING_KEY)? {
        Some(json) => templates::parse(&json).map_err(|e| LooksError::SavedTemplates(Box::new(e))),
        None => Ok(templates::defaults()),
    }
}

/// Validates and saves a template list for every app and CLI on this database.
pub fn save_templates(engine: &mut Engine, list: &[Template]) -> Result<()> {
    templates::validate(list)?;
    let json = serde_json::to_string(list).map_err(LooksError::SaveTemplates)?;
    Ok(engine.set_setting(templates::SETTING_KEY, &json)?)
}

/// Back to the default templates.
pub fn reset_templates(engine: &mut Engine) -> Result<()> {
    Ok(engine.clear_setting(templates::SETTING_KEY)?)
}

/// Which items get looks: explicit SKUs, or every indexed outfit candidate matching the filters.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HeroFilter {
    pub skus: Vec<String>,
    pub slots: Vec<Slot>,
    /// Words that must all appear in the item's category path (case-insensitive).
    pub category: Option<String>,
    pub age_groups: Vec<AgeGroup>,
    pub in_stock_only: bool,
    /// "New in": only items of this catalogue (a weekly drop is imported as its own catalogue).
    pub catalogue: Option<String>,
    /// At most this many heroes (the first by item id).
    pub limit: Option<usize>,
}

/// The heroes a filter selects, by item id (ascending), or an error naming SKUs that are unknown or not indexed.
pub fn select_heroes(engine: &Engine, f: &HeroFilter) -> Result<Vec<i64>> {
    if !f.skus.is_empty() {
        let items = engine.resolve_skus(&f.skus)?;
        let skus: Vec<String> = items.iter().filter(|i| engine.row_of(i.id).is_none()).map(|i| i.item.sku.to_string()).collect();
        if !skus.is_empty() {
            return Err(LooksError::NotIndexed { skus });
        }
        return Ok(items.iter().map(|i| i.id).collect());
    }
    let catalogue = match &f.catalogue {
        Some(name) => Some(engine.catalogue_id(name)?),
        None => None,
    };
    let words: Vec<String> = f.category.iter().flat_map(|c| c.split_whitespace()).map(str::to_lowercase).collect();
    let mut ids: Vec<i64> = engine
        .items()
        .values()
        .filter(|i| engine.row_of(i.id).is_some())
        .filter(|i| f.slots.is_empty() || f.slots.contains(&i.item.slot))
        .filter(|i| f.age_groups.is_empty() || i.item.age_group.is_some_and(|a| f.age_groups.contains(&a)))
        .filter(|i| !f.in_stock_only || i.item.in_stock)
        .filter(|i| catalogue.is_none() || engine.catalogue_of(i.id) == catalogue)
        .filter(|i| {
            let cat = i.item.category.to_lowercase();
            words.iter().all(|w| cat.contains(w.as_str()))
        })
        .map(|i| i.id)
        .collect();
    ids.sort_unstable();
    if let Some(n) = f.limit {
        ids.truncate(n);
    }
    Ok(ids)
}

/// A generated look in catalogue terms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GeneratedLook {
    /// From the hero: "CECILIA padded jacket + dress + hat".
    pub name: String,
    pub hero_sku: String,
    pub template: String,
    /// The hero first.
    pub skus: Vec<String>,
    pub item_ids: Vec<i64>,
    pub probability: f32,
    pub mean_pair: f32,
    pub total_price: f32,
}

/// Why a hero has fewer looks than asked, in three kinds the closing totals keep apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShortKind {
    /// A multipack or underwear-like basic, not a hero unless named (`outfit_catalogue::wear`).
    NotAHero,
    /// No template dresses its slot, age band or season (socks, gloves, hair clips).
    NoTemplate,
    /// Templates apply, but the catalogue gave fewer looks.
    Short,
}

/// A hero left short, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShortHero {
    pub sku: String,
    pub title: String,
    pub found: usize,
    pub reason: String,
    pub kind: ShortKind,
}

/// A generated batch in catalogue terms.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Batch {
    pub looks: Vec<GeneratedLook>,
    /// Heroes with fewer looks than asked, with the reason.
    pub short: Vec<ShortHero>,
    pub heroes: usize,
    pub looks_per_hero: usize,
    pub cancelled: bool,
    /// Names the batch in the review queue (its start time), so a stylist can review just these looks.
    pub id: String,
}

/// A batch in numbers, for the CLI's closing lines and the app's result panel.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BatchSummary {
    pub heroes: usize,
    pub looks: usize,
    pub looks_per_hero: usize,
    /// Heroes with k looks.
    pub full: usize,
    /// Heroes some template dresses (the target's denominator).
    pub dressable: usize,
    pub not_heroes: usize,
    pub no_template: usize,
    /// Heroes left short by reason, most frequent first: (reason, heroes).
    pub reasons: Vec<(String, usize)>,
}

impl Batch {
    pub fn summary(&self) -> BatchSummary {
        let count = |k: ShortKind| self.short.iter().filter(|s| s.kind == k).count();
        let mut reasons: std::collections::BTreeMap<&str, usize> = Default::default();
        for s in self.short.iter().filter(|s| s.kind == ShortKind::Short) {
            *reasons.entry(s.reason.as_str()).or_default() += 1;
        }
        let mut reasons: Vec<(String, usize)> = reasons.into_iter().map(|(r, n)| (r.to_string(), n)).collect();
        reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let (not_heroes, no_template) = (count(ShortKind::NotAHero), count(ShortKind::NoTemplate));
        let dressable = self.heroes - not_heroes - no_template;
        BatchSummary {
            heroes: self.heroes,
            looks: self.looks.len(),
            looks_per_hero: self.looks_per_hero,
            full: dressable - count(ShortKind::Short),
            dressable,
            not_heroes,
            no_template,
            reasons,
        }
    }
}

impl BatchSummary {
    /// One line: "3 looks for 412 of 420 heroes (98%); 8 short; 30 no template dresses; 12 multipacks or basics".
    pub fn headline(&self) -> String {
        let pct = if self.dressable == 0 { 0.0 } else { 100.0 * self.full as f64 / self.dressable as f64 };
        let mut s = format!("{} looks; {} for {} of {} heroes ({pct:.1}%)", self.looks, self.looks_per_hero, self.full, self.dressable);
        if self.dressable > self.full {
            s.push_str(&format!("; {} left short", self.dressable - self.full));
        }
        if self.no_template > 0 {
            s.push_str(&format!("; {} that no template dresses", self.no_template));
        }
        if self.not_heroes > 0 {
            s.push_str(&format!("; {} multipacks or basics not used as heroes", self.not_heroes));
        }
        s
    }
}

/// Generates looks for heroes (item ids) with the active head, the stylist's templates and the given parameters.
/// Multipacks and underwear-like basics are passed over unless `p.include_basics`.
pub fn generate_for(
    engine: &Engine,
    hero_ids: &[i64],
    p: &LookParams,
    progress: &mut dyn FnMut(usize, usize),
    cancel: &dyn Fn() -> bool,
) -> Result<Batch> {
    let templates = load_templates(engine)?;
    let (masks, calibration) = engine.slot_masks()?;
    let index = engine.index();
    let one_pieces = index.slot_ranges[Slot::OnePiece.index()].clone();
    let full_length = (0..index.len())
        .map(|r| one_pieces.contains(&r) && engine.item(index.item_ids[r]).is_some_and(|i| i.item.wear().full_length()))
        .collect();
    let scene = Scene { index, scorer: engine.scorer(), masks, calibration, full_length };
    let item = |row: usize| engine.item(index.item_ids[row]);
    let sku = |row: usize| item(row).map(|i| i.item.sku.clone()).unwrap_or_default();
    let title = |row: usize| item(row).map(|i| i.item.title.clone()).unwrap_or_default();
    let id = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut batch = Batch { heroes: hero_ids.len(), looks_per_hero: p.looks_per_hero, id, ..Default::default() };
    let mut rows = Vec::new();
    for &id in hero_ids {
        let it = engine.item(id);
        let (s, t) = it.map(|i| (i.item.sku.clone(), i.item.title.clone())).unwrap_or_else(|| (id.to_string().into(), Default::default()));
        let wear = it.map(|i| i.item.wear());
        match engine.row_of(id) {
            Some(_) if !p.include_basics && wear.is_some_and(|w| !w.hero_by_default()) => {
                let reason = format!("{}s are not heroes unless named", wear.map(|w| w.as_str()).unwrap_or_default());
                batch.short.push(ShortHero { sku: s.to_string(), title: t.to_string(), found: 0, reason, kind: ShortKind::NotAHero });
            }
            Some(r) => rows.push(r),
            None => {
                let reason = "not indexed or not an outfit item".into();
                batch.short.push(ShortHero { sku: s.to_string(), title: t.to_string(), found: 0, reason, kind: ShortKind::NoTemplate });
            }
        }
    }
    let g = generate::generate(&scene, &templates, &rows, p, progress, cancel)?;
    batch.cancelled = g.cancelled;
    batch.short.extend(g.short.iter().map(|s| ShortHero {
        sku: sku(s.hero).to_string(),
        title: title(s.hero).to_string(),
        found: s.found,
        reason: s.reason.clone(),
        kind: if s.no_template { ShortKind::NoTemplate } else { ShortKind::Short },
    }));
    batch.looks = g
        .looks
        .iter()
        .map(|l| GeneratedLook {
            name: {
                let items: Vec<&outfit_catalogue::Item> = l.rows.iter().filter_map(|&r| item(r)).map(|i| &i.item).collect();
                items.split_first().map(|(h, rest)| outfit_engine::look_name_from(h, rest)).unwrap_or_default()
            },
            hero_sku: sku(l.hero).to_string(),
            template: l.template.clone(),
            skus: l.rows.iter().map(|&r| sku(r).to_string()).collect(),
            item_ids: l.rows.iter().map(|&r| index.item_ids[r]).collect(),
            probability: l.probability,
            mean_pair: l.mean_pair,
            total_price: l.total_price,
        })
        .collect();
    Ok(batch)
}

/// Above this many looks the queue's max-marginal ordering (quadratic in the batch) gives way to plain
/// uncertainty order.
const MMR_ORDER_LIMIT: usize = 600;

/// Puts a batch's looks into a stylist's review queue as source "generated", in the queue's review order, with
/// the template and the generator's parameters; looks the stylist judged or has queued already are left out.
/// Returns how many were queued.
pub fn enqueue(engine: &mut Engine, stylist: &str, batch: &Batch, p: &LookParams) -> Result<usize> {
    if stylist.trim().is_empty() {
        return Err(LooksError::NoStylist);
    }
    let mut seen = engine.seen_outfit_keys(stylist)?;
    let mut looks: Vec<&GeneratedLook> = Vec::new();
    for l in &batch.looks {
        if seen.insert(outfit_key(&l.skus)) {
            looks.push(l);
        }
    }
    let mut cands = Vec::with_capacity(looks.len());
    for l in &looks {
        let items: Vec<_> = l.item_ids.iter().filter_map(|&id| engine.item(id)).collect();
        let mut brands: Vec<String> = items.iter().map(|i| i.item.brand.to_string()).filter(|b| !b.is_empty()).collect();
        brands.sort();
        brands.dedup();
        cands.push(Candidate {
            skus: l.skus.clone(),
            item_ids: l.item_ids.clone(),
            seed_sku: l.hero_sku.clone(),
            seed_slot: items.first().map(|i| i.item.slot).unwrap_or(Slot::Top),
            brands,
            age_group: items.first().and_then(|i| i.item.age_group),
            // The queue's score blends in what stylists approved together, as every proposal's does.
            score: engine.score_outfit(&l.item_ids).map(|s| s.probability).unwrap_or(l.probability),
        });
    }
    let order: Vec<usize> = if cands.len() <= MMR_ORDER_LIMIT {
        select(&cands, cands.len(), &Diversity { max_jaccard: 1.0, ..Diversity::default() }, &[])
    } else {
        let mut o: Vec<usize> = (0..cands.len()).collect();
        o.sort_by(|&a, &b| cands[b].uncertainty().total_cmp(&cands[a].uncertainty()).then(a.cmp(&b)));
        o
    };
    let model = engine.active_model().map(|m| m.name.clone()).unwrap_or_default();
    let new: Vec<NewQueueItem> = order
        .iter()
        .map(|&i| {
            let l = looks[i];
            let params = serde_json::json!({
                "generator": p,
                "model": model,
                "hero": l.hero_sku,
                "name": l.name,
                "batch": batch.id,
                "mean_pair": l.mean_pair,
                "total_price": l.total_price,
            });
            NewQueueItem {
                skus: l.skus.clone(),
                score: cands[i].score as f64,
                seed_sku: l.hero_sku.clone(),
                source: GENERATED_SOURCE.into(),
                template: l.template.clone(),
                params_json: params.to_string(),
            }
        })
        .collect();
    Ok(engine.enqueue(stylist, &new)?.len())
}

/// Approval rate of decided looks: accepts / (accepts + rejects); `None` before any.
pub fn approval_rate(accepted: usize, rejected: usize) -> Option<f64> {
    (accepted + rejected > 0).then(|| accepted as f64 / (accepted + rejected) as f64)
}

/// The review counters of generated looks as a Markdown table: per template and stylist, then totals per
/// template and per stylist.
pub fn counters_table(rows: &[GeneratedCounts]) -> String {
    let mut s = String::from(
        "| template | stylist | generated | reviewed | accepted | rejected | approval |\n|---|---|---:|---:|---:|---:|---:|\n",
    );
    let line = |s: &mut String, t: &str, st: &str, c: &[&GeneratedCounts]| {
        let sum = |f: fn(&GeneratedCounts) -> usize| c.iter().map(|r| f(r)).sum::<usize>();
        let (a, r) = (sum(|r| r.accepted), sum(|r| r.rejected));
        let rate = approval_rate(a, r).map(|x| format!("{:.0}%", x * 100.0)).unwrap_or_else(|| "–".into());
        s.push_str(&format!("| {t} | {st} | {} | {} | {a} | {r} | {rate} |\n", sum(|r| r.generated), sum(|r| r.reviewed)));
    };
    for r in rows {
        line(&mut s, &r.template, &r.stylist, &[r]);
    }
    let mut templates: Vec<&str> = rows.iter().map(|r| r.template.as_str()).collect();
    templates.dedup();
    for t in &templates {
        let c: Vec<&GeneratedCounts> = rows.iter().filter(|r| r.template == *t).collect();
        line(&mut s, t, "**all**", &c);
    }
    let mut stylists: Vec<&str> = rows.iter().map(|r| r.stylist.as_str()).collect();
    stylists.sort();
    stylists.dedup();
    for st in &stylists {
        let c: Vec<&GeneratedCounts> = rows.iter().filter(|r| r.stylist == *st).collect();
        line(&mut s, "**all**", st, &c);
    }
    s
}
