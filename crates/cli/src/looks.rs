//! CLI for looks at catalogue scale: `generate-looks`, `templates`, `looks-stats`, `publish`.

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use outfit_catalogue::{AgeGroup, Season, Slot};
use outfit_engine::Engine;
use outfit_export::shopify_metafields::{Metafield, ProductIds};
use outfit_export::{ExportOptions, MissingImages};
use outfit_looks::{self as looks, HeroFilter, LookParams, Template};
use std::io::Write;
use std::path::PathBuf;

#[derive(Args, Debug, Clone)]
pub struct GenerateLooksArgs {
    /// Hero SKUs (default: every indexed item matching the filters below).
    pub skus: Vec<String>,
    /// Heroes of these slots (repeatable: top, bottom, one_piece, outerwear, shoes, headwear, bag, accessory).
    #[arg(long = "slot")]
    pub slots: Vec<String>,
    /// Heroes whose category path contains every word of this.
    #[arg(long)]
    pub category: Option<String>,
    /// Heroes of these age groups (repeatable).
    #[arg(long = "age")]
    pub ages: Vec<String>,
    /// "New in": heroes of this catalogue only.
    #[arg(long)]
    pub catalogue: Option<String>,
    /// At most this many heroes.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Looks per hero.
    #[arg(short = 'k', long, default_value_t = 3)]
    pub looks_per_hero: usize,
    /// No item in more than N looks of the batch (the heroes' own looks aside).
    #[arg(long)]
    pub max_exposure: Option<usize>,
    /// Total price cap of a look, hero included.
    #[arg(long)]
    pub price_cap: Option<f32>,
    /// Only this template (see `outfit-studio templates`).
    #[arg(long)]
    pub template: Option<String>,
    /// Season the looks are for (default: each hero's own).
    #[arg(long)]
    pub season: Option<String>,
    /// Brand rule: only these brands (repeatable).
    #[arg(long = "brand")]
    pub brands: Vec<String>,
    /// Brand rule: only the hero's brand.
    #[arg(long)]
    pub hero_brand_only: bool,
    /// Heroes and items out of stock too (default: in stock only).
    #[arg(long)]
    pub include_out_of_stock: bool,
    #[arg(long, default_value_t = 16)]
    pub beam: usize,
    /// Candidates per slot.
    #[arg(long, default_value_t = 24)]
    pub pool: usize,
    /// Weight of the redundancy penalty between a hero's looks.
    #[arg(long, default_value_t = 0.25)]
    pub diversity: f32,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Looks for either gender (by default a boys' hero gets boys' and unisex items).
    #[arg(long)]
    pub any_gender: bool,
    /// Looks that mix occasions (by default a sporty hero gets no dressy shoes).
    #[arg(long)]
    pub any_occasion: bool,
    /// Items from every catalogue (by default the hero's own).
    #[arg(long)]
    pub any_catalogue: bool,
    /// Multipacks and underwear-like basics as heroes too (named SKUs always are).
    #[arg(long)]
    pub include_basics: bool,
    /// The stylist whose review queue gets the looks.
    #[arg(long, env = "OUTFIT_STUDIO_STYLIST")]
    pub stylist: Option<String>,
    /// Print the looks, queue nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long)]
    pub json: bool,
}

impl GenerateLooksArgs {
    pub fn hero_filter(&self) -> Result<HeroFilter> {
        Ok(HeroFilter {
            skus: self.skus.clone(),
            slots: self.slots.iter().map(|s| Slot::parse(s).with_context(|| format!("unknown slot {s:?}"))).collect::<Result<_>>()?,
            category: self.category.clone(),
            age_groups: self
                .ages
                .iter()
                .map(|a| AgeGroup::parse(a).with_context(|| format!("unknown age group {a:?}")))
                .collect::<Result<_>>()?,
            in_stock_only: !self.include_out_of_stock,
            catalogue: self.catalogue.clone(),
            limit: self.limit,
        })
    }

    pub fn params(&self) -> Result<LookParams> {
        let season = match &self.season {
            Some(s) => Some(Season::parse(s).filter(|s| *s != Season::All).with_context(|| format!("unknown season {s:?}"))?),
            None => None,
        };
        Ok(LookParams {
            looks_per_hero: self.looks_per_hero,
            max_exposure: self.max_exposure,
            price_cap: self.price_cap,
            in_stock_only: !self.include_out_of_stock,
            season,
            brands: self.brands.clone(),
            hero_brand_only: self.hero_brand_only,
            template: self.template.clone(),
            beam_width: self.beam,
            pool: self.pool,
            diversity: self.diversity,
            seed: self.seed,
            any_gender: self.any_gender,
            any_occasion: self.any_occasion,
            any_catalogue: self.any_catalogue,
            include_basics: self.include_basics || !self.skus.is_empty(),
        })
    }
}

pub fn generate_looks(e: &mut Engine, a: &GenerateLooksArgs) -> Result<()> {
    let stylist = a.stylist.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if stylist.is_none() && !a.dry_run {
        bail!("name the stylist whose review queue gets the looks (--stylist or OUTFIT_STUDIO_STYLIST), or use --dry-run");
    }
    let params = a.params()?;
    let heroes = looks::select_heroes(e, &a.hero_filter()?)?;
    if heroes.is_empty() {
        bail!("no indexed item matches the hero filters");
    }
    let t = std::time::Instant::now();
    let bar = indicatif::ProgressBar::new(heroes.len() as u64);
    bar.set_style(indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} heroes  eta {eta}").expect("template"));
    let batch = looks::generate_for(e, &heroes, &params, &mut |done, _| bar.set_position(done as u64), &|| false)?;
    bar.finish_and_clear();
    let secs = t.elapsed().as_secs_f64();
    if a.json {
        println!("{}", serde_json::to_string_pretty(&batch)?);
    } else if a.dry_run {
        for l in &batch.looks {
            println!("{:.3}  {:<20} {}  [{}]", l.probability, l.template, l.name, l.skus.join(" + "));
        }
    }
    let mut per_template: std::collections::BTreeMap<&str, usize> = Default::default();
    for l in &batch.looks {
        *per_template.entry(l.template.as_str()).or_default() += 1;
    }
    let counts: Vec<String> = per_template.iter().map(|(t, n)| format!("{t} {n}")).collect();
    let sum = batch.summary();
    eprintln!("generated in {secs:.1}s for {} heroes: {} ({})", batch.heroes, sum.headline(), counts.join(", "));
    for s in batch.short.iter().filter(|s| s.kind == looks::ShortKind::Short) {
        eprintln!("  {} {}: {} of {} ({})", s.sku, s.title, s.found, params.looks_per_hero, s.reason);
    }
    if !sum.reasons.is_empty() {
        eprintln!("heroes left short, by reason:");
        for (why, n) in &sum.reasons {
            eprintln!("  {n:>5}  {why}");
        }
    }
    for (kind, label) in [(looks::ShortKind::NoTemplate, "no template dresses"), (looks::ShortKind::NotAHero, "not heroes by default")] {
        let mut by: std::collections::BTreeMap<&str, usize> = Default::default();
        for s in batch.short.iter().filter(|s| s.kind == kind) {
            *by.entry(s.reason.as_str()).or_default() += 1;
        }
        if !by.is_empty() {
            let parts: Vec<String> = by.iter().map(|(r, n)| format!("{n} {r}")).collect();
            eprintln!("{label}: {}", parts.join("; "));
        }
    }
    if let (Some(stylist), false) = (stylist, a.dry_run) {
        let n = looks::enqueue(e, stylist, &batch, &params)?;
        eprintln!("queued {n} looks for {stylist} (review with `outfit-studio queue --stylist {stylist}` or in the app)");
    }
    Ok(())
}

#[derive(Subcommand, Debug, Clone)]
pub enum TemplatesAction {
    /// Print the template list as JSON (the saved one, else the defaults).
    List,
    /// Replace the list with a JSON file (an array of {name, slots, age_groups, seasons}).
    Set { file: PathBuf },
    /// Back to the default templates.
    Reset,
}

pub fn templates(e: &mut Engine, action: TemplatesAction) -> Result<()> {
    match action {
        TemplatesAction::List => {}
        TemplatesAction::Set { file } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let list: Vec<Template> = looks::templates::parse(&text).with_context(|| format!("{} was not saved", file.display()))?;
            looks::save_templates(e, &list)?;
            eprintln!("saved {} templates", list.len());
        }
        TemplatesAction::Reset => {
            looks::reset_templates(e)?;
            eprintln!("templates reset to the defaults");
        }
    }
    println!("{}", serde_json::to_string_pretty(&looks::load_templates(e)?)?);
    Ok(())
}

/// Generated looks' review counters per template and stylist, and the approval rate per day.
pub fn looks_stats(e: &Engine) -> Result<()> {
    let rows = e.generated_counts()?;
    if rows.is_empty() {
        println!("no generated looks yet (`outfit-studio generate-looks`)");
        return Ok(());
    }
    print!("{}", looks::counters_table(&rows));
    let days = e.generated_approval_by_day()?;
    if !days.is_empty() {
        println!("\n| day | accepted | rejected | approval |\n|---|---:|---:|---:|");
        for d in days {
            let rate = looks::approval_rate(d.accepted, d.rejected).map(|r| format!("{:.0}%", r * 100.0)).unwrap_or_default();
            println!("| {} | {} | {} | {rate} |", d.day, d.accepted, d.rejected);
        }
    }
    Ok(())
}

/// Image links and the shop's product ids, shared by `publish` and `export outfits`.
#[derive(Args, Debug, Clone, Default)]
pub struct ShopArgs {
    /// Public image links for items whose feed has only local files: a template with {sku} and/or {file}
    /// (https://cdn.example.com/images/{sku}.jpg), or a base URL (<base>/<file name>). Without it, each catalogue's
    /// saved template applies (--save-image-url-template).
    #[arg(long, alias = "image-base-url")]
    pub image_url_template: Option<String>,
    /// Save --image-url-template for this catalogue's next exports (--image-catalogue names it; needed when there
    /// is more than one).
    #[arg(long, requires = "image_url_template")]
    pub save_image_url_template: bool,
    /// The catalogue whose image URL template is saved.
    #[arg(long, requires = "save_image_url_template")]
    pub image_catalogue: Option<String>,
    /// Refuse the export when an item has no public image link (default: export it without an image, and say how many).
    #[arg(long)]
    pub refuse_missing_images: bool,
}

impl ShopArgs {
    /// Export options from the flags; without a template, the catalogues' saved ones apply.
    pub fn options(&self, e: &mut Engine, include_out_of_stock: bool) -> Result<ExportOptions> {
        let template = match &self.image_url_template {
            Some(t) => {
                outfit_export::check_image_template(t)?;
                if self.save_image_url_template {
                    let name = match &self.image_catalogue {
                        Some(n) => n.clone(),
                        None => {
                            let feeds: Vec<String> =
                                e.store().catalogues()?.into_iter().filter(|c| c.visible() && c.items > 0).map(|c| c.name).collect();
                            match feeds.as_slice() {
                                [one] => one.clone(),
                                _ => bail!("say which catalogue the image URL template is for (--image-catalogue): {}", feeds.join(", ")),
                            }
                        }
                    };
                    e.store_mut().set_image_url_template(&name, Some(t.trim()))?;
                    eprintln!("saved the image URL template {t} for the catalogue {name}");
                }
                Some(t.trim().to_string())
            }
            None => None,
        };
        Ok(ExportOptions {
            include_out_of_stock,
            image_base_url: template,
            missing_images: if self.refuse_missing_images { MissingImages::Refuse } else { MissingImages::Omit },
            ..Default::default()
        })
    }
}

#[derive(Args, Debug, Clone)]
pub struct PublishArgs {
    /// json (keyed by SKU); shopify (product CSV with the complementary-products metafield), matrixify (the same
    /// as a Matrixify sheet), metafields-jsonl (metafieldsSet inputs for a bulk operation; needs --product-ids);
    /// jsonld (schema.org Product per SKU).
    #[arg(long, default_value = "json")]
    pub format: String,
    /// Output file (default: standard output).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Publish looks with out-of-stock items too.
    #[arg(long)]
    pub include_out_of_stock: bool,
    /// The shop's products with their ids and handles: a Matrixify products export (ID, Handle, Variant SKU) or the
    /// JSON Lines of a GraphQL bulk query. Gives the CSVs the shop's handles and metafields-jsonl its product ids.
    /// Kept for later publishes (and the app's), which read the same file again when it is not given.
    #[arg(long)]
    pub product_ids: Option<PathBuf>,
    /// Set the custom metafield outfit_studio.complete_the_look instead of Shopify's standard complementary products.
    #[arg(long)]
    pub custom_metafield: bool,
    /// Write only the products whose looks changed since the last publish to this channel (and clear those whose
    /// looks all went); the difference is printed first.
    #[arg(long)]
    pub changed_only: bool,
    /// Print what the publish would change, write and record nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub shop: ShopArgs,
}

/// Where the `metafieldsDelete` lines of a JSON Lines publish go: beside the output, `<name>.delete.jsonl`.
pub fn deletes_path(out: &std::path::Path) -> PathBuf {
    let stem = out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "metafields".into());
    out.with_file_name(format!("{stem}.delete.jsonl"))
}

pub fn publish(e: &mut Engine, a: &PublishArgs) -> Result<()> {
    let mut opts = a.shop.options(e, a.include_out_of_stock)?;
    opts.metafield = if a.custom_metafield { Metafield::Custom } else { Metafield::Standard };
    if let Some(p) = &a.product_ids {
        let ids = ProductIds::read(p)?;
        eprintln!("{} shop SKUs read from {} (kept for the next publishes, here and in the app)", ids.len(), p.display());
        ProductIds::remember(e.store_mut(), p)?;
        opts.product_ids = Some(ids);
    } else if let Some((p, ids)) = ProductIds::remembered(e.store())? {
        eprintln!("{} shop SKUs read from {} (saved by an earlier --product-ids)", ids.len(), p.display());
        opts.product_ids = Some(ids);
    }
    // Worked out and written to memory first: the difference is shown before writing, and a refused publish
    // leaves no half-written file behind.
    let label = a.out.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "-".into());
    let plan = outfit_export::per_product::plan_publish(e.store(), &a.format, &opts)?;
    eprintln!("{}", plan.changes.summary());
    for (what, list) in [("new", &plan.changes.added), ("changed", &plan.changes.changed), ("to clear", &plan.changes.removed)] {
        if !list.is_empty() && plan.changes.since.is_some() {
            let shown: Vec<&str> = list.iter().take(10).map(String::as_str).collect();
            let more = if list.len() > 10 { format!(" and {} more", list.len() - 10) } else { String::new() };
            eprintln!("  {what}: {}{more}", shown.join(", "));
        }
    }
    if a.dry_run {
        eprintln!("dry run: nothing written or recorded");
        return Ok(());
    }
    if a.changed_only && plan.changes.is_empty() {
        eprintln!("nothing changed since the last publish: nothing written");
        return Ok(());
    }
    let mut buf = Vec::new();
    let mut del = Vec::new();
    let deletes: Option<&mut dyn Write> = if a.out.is_some() { Some(&mut del) } else { None };
    let r = outfit_export::per_product::write_publish(&plan, a.changed_only, &mut buf, deletes)?;
    match &a.out {
        Some(p) => {
            std::fs::write(p, &buf).with_context(|| format!("cannot write {}", p.display()))?;
            if !del.is_empty() {
                let d = deletes_path(p);
                std::fs::write(&d, &del).with_context(|| format!("cannot write {}", d.display()))?;
                eprintln!("{} metafieldsDelete calls for the cleared products in {}", r.delete_calls, d.display());
            }
        }
        None => std::io::stdout().lock().write_all(&buf)?,
    }
    // Recorded only once written: a failed write leaves the last publish as the one to compare with.
    outfit_export::per_product::record_publish(e.store_mut(), &plan, a.changed_only, &r, &label)?;
    eprintln!("wrote {} products ({} cleared){}", r.written, r.cleared, if a.changed_only { ", only the changes" } else { "" });
    eprintln!("published {} looks for {} products to {label}", r.looks, r.products);
    if r.calls > 0 {
        eprintln!("{} metafieldsSet calls (at most {} metafields each)", r.calls, outfit_export::shopify_metafields::METAFIELDS_PER_CALL);
    }
    if r.dropped_for_stock > 0 {
        eprintln!("{} approved looks left out: an item is out of stock (--include-out-of-stock keeps them)", r.dropped_for_stock);
    }
    if r.missing_images > 0 {
        eprintln!(
            "{} items have no public image link and were published without one (--image-url-template builds links; --refuse-missing-images refuses)",
            r.missing_images
        );
    }
    Ok(())
}

#[derive(Args, Debug, Clone)]
pub struct BenchLooksArgs {
    /// Catalogue size.
    #[arg(long, default_value_t = 300_000)]
    pub items: usize,
    #[arg(long, default_value_t = 1000)]
    pub heroes: usize,
    #[arg(short = 'k', long, default_value_t = 3)]
    pub looks_per_hero: usize,
    #[arg(long, default_value_t = 10)]
    pub max_exposure: usize,
    #[arg(long)]
    pub price_cap: Option<f32>,
    /// Embedding dimension (the shipped heads embed in 64).
    #[arg(long, default_value_t = 64)]
    pub dim: usize,
    #[arg(long, default_value_t = 3)]
    pub reps: usize,
    /// cpu, or auto (a real GPU when there is one).
    #[arg(long, default_value = "cpu")]
    pub backend: String,
    #[arg(long, default_value_t = 2025)]
    pub seed: u64,
}

pub fn bench_looks(a: &BenchLooksArgs) -> Result<()> {
    let scorer: Box<dyn outfit_score::Scorer> = match a.backend.as_str() {
        "cpu" => Box::new(outfit_score::cpu::CpuScorer::new()),
        "auto" => outfit_score::try_select_scorer()?,
        other => bail!("--backend must be cpu or auto, not {other:?}"),
    };
    let params = LookParams {
        looks_per_hero: a.looks_per_hero,
        max_exposure: Some(a.max_exposure),
        price_cap: a.price_cap,
        seed: a.seed,
        ..LookParams::default()
    };
    let b = looks::bench::LooksBench { items: a.items, heroes: a.heroes, params, dim: a.dim, reps: a.reps, seed: a.seed };
    print!("{}", looks::bench::run(&b, scorer.as_ref())?);
    Ok(())
}

#[derive(Args, Debug, Clone)]
pub struct EvalLooksArgs {
    #[command(flatten)]
    pub source: super::train::OutfitSource,
    /// Split to evaluate on: valid or test.
    #[arg(long, default_value = "test", value_parser = super::train::parse_split)]
    pub split: outfit_model::outfit_eval::Split,
    /// Stored head version (default: the shipped MANGO head, else the active one).
    #[arg(long)]
    pub head: Option<i64>,
    /// Markdown report file (also printed).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[arg(long, default_value_t = 20_251_201)]
    pub seed: u64,
}

pub fn eval_looks(db: &std::path::Path, models: &std::path::Path, a: &EvalLooksArgs) -> Result<()> {
    use outfit_model::outfit_eval::Split;
    let (data, key) = a.source.read()?;
    let e = Engine::open(db, models)?;
    let set = e.prepare_outfit_set(&data, &key)?;
    let row = match a.head {
        Some(id) => e.model_or_active(Some(id))?,
        None => match e.store().model_by_name(outfit_engine::SHIPPED_HEADS[1].1)? {
            Some(r) => r,
            None => e.model_or_active(None)?,
        },
    };
    let head = set.centred(&outfit_model::Head::from_bytes(&row.weights).with_context(|| format!("head {} is unreadable", row.name))?)?;
    let (outfits, split) = match a.split {
        Split::Test => (&set.test, "test"),
        Split::Valid => (&set.valid, "validation"),
    };
    let t = std::time::Instant::now();
    let results = looks::recall::evaluate(&set, outfits, (&row.name, &head), e.scorer(), a.seed)?;
    let mut md = format!(
        "Look recovery on {} ({split} split, {} outfits; {} items; trained on {} outfits). One item per outfit is the hero \
         (seed {}), the template is the outfit's own slots, k looks each; warm = the item is in a training outfit.\n",
        set.source,
        outfits.len(),
        set.table.len(),
        set.train.len(),
        a.seed
    );
    md.push_str(&looks::recall::markdown(&results));
    print!("{md}");
    eprintln!("evaluated in {:.1}s", t.elapsed().as_secs_f64());
    if let Some(p) = &a.out {
        std::fs::write(p, &md).with_context(|| format!("cannot write {}", p.display()))?;
    }
    Ok(())
}
