//! `train`, `eval`, `pretrain` and `eval-outfits`: flags in, library calls, reports out.

use anyhow::{Context, Result, anyhow, bail};
use outfit_engine::{Engine, StoredEvalData};
use outfit_model::Head;
use outfit_model::outfit_eval::{Split, evaluate, pretrain};
use outfit_model::polyvore::AdultDataset;
use outfit_model::protocol::ProtocolReport;
use outfit_model::report::{EvalConfig, transfer_report};
use outfit_model::train::TrainConfig;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

pub(super) fn parse_split(s: &str) -> Result<Split, String> {
    match s {
        "valid" | "validation" => Ok(Split::Valid),
        "test" => Ok(Split::Test),
        _ => Err(format!("{s:?}: choose valid or test")),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// `outfit-studio train`.

/// Hyper-parameter flags shared by `train` and `eval`.
#[derive(clap::Args, Debug, Clone)]
pub struct TrainFlags {
    #[arg(long, default_value_t = TrainConfig::fine_tuning().epochs)]
    pub epochs: usize,
    #[arg(long, default_value_t = TrainConfig::fine_tuning().lr)]
    pub lr: f64,
    #[arg(long, default_value_t = TrainConfig::fine_tuning().weight_decay)]
    pub weight_decay: f64,
    #[arg(long, default_value_t = TrainConfig::fine_tuning().batch_size)]
    pub batch: usize,
    /// Freeze the projection and the first MLP layer (train W2, b2, masks and calibration only).
    #[arg(long)]
    pub freeze_lower: bool,
    #[arg(long, default_value_t = 20_251_125)]
    pub seed: u64,
    /// Leave out this stylist's judgements (repeatable).
    #[arg(long = "exclude-stylist")]
    pub exclude_stylists: Vec<String>,
    /// Weight a stylist's judgements, as NAME=WEIGHT (repeatable).
    #[arg(long = "stylist-weight")]
    pub stylist_weights: Vec<String>,
    /// Resolve disagreements between stylists by weighted majority (one label per outfit; ties left out).
    #[arg(long)]
    pub majority: bool,
    /// Share of outfits held back to keep the best epoch (the parent counts as epoch 0); 0 keeps the last epoch.
    #[arg(long, default_value_t = TrainConfig::fine_tuning().validation_fraction)]
    pub validation: f64,
}

impl TrainFlags {
    pub fn config(&self) -> Result<TrainConfig> {
        let mut stylist_weights = HashMap::new();
        for sw in &self.stylist_weights {
            let (n, w) = sw.rsplit_once('=').ok_or_else(|| anyhow!("--stylist-weight wants NAME=WEIGHT, got {sw:?}"))?;
            stylist_weights.insert(n.to_string(), w.parse::<f32>().map_err(|_| anyhow!("--stylist-weight {sw:?}: {w:?} is not a number"))?);
        }
        Ok(TrainConfig {
            epochs: self.epochs,
            lr: self.lr,
            weight_decay: self.weight_decay,
            batch_size: self.batch,
            freeze_lower: self.freeze_lower,
            seed: self.seed,
            exclude_stylists: self.exclude_stylists.clone(),
            stylist_weights,
            majority: self.majority,
            validation_fraction: self.validation,
            ..TrainConfig::fine_tuning()
        })
    }
}

#[derive(clap::Args, Debug)]
pub struct TrainArgs {
    /// Model version id to start from (default: the active head).
    #[arg(long = "from")]
    pub from: Option<i64>,
    /// Train a fresh head instead of fine-tuning (the version is still recorded as its parent).
    #[arg(long)]
    pub scratch: bool,
    /// Make the new version the active head (re-embeds the catalogue).
    #[arg(long)]
    pub activate: bool,
    /// Name of the new version (default finetuned-vN / scratch-vN).
    #[arg(long)]
    pub name: Option<String>,
    /// Benchmark instead: fine-tune on N generated judgements with the real feature sizes (no database used).
    #[arg(long, value_name = "N")]
    pub bench: Option<usize>,
    #[command(flatten)]
    pub flags: TrainFlags,
}

pub fn run_train(db: &Path, models: &Path, args: TrainArgs) -> Result<()> {
    let cfg = args.flags.config()?;
    if let Some(n) = args.bench {
        return Ok(outfit_model::train::bench(n, &cfg)?);
    }
    let mut e = Engine::open(db, models)?;
    let job = e.prepare_fine_tune(args.from, args.scratch, &cfg)?;
    println!(
        "{} {} on {} judgements ({} accepts, {} rejects; {} skipped for missing items), {} epochs",
        if args.scratch { "training from scratch, parent" } else { "fine-tuning" },
        job.parent_name,
        job.snapshot.judgements,
        job.snapshot.positives,
        job.snapshot.negatives,
        job.snapshot.outfits_skipped,
        cfg.epochs
    );
    let cancel = AtomicBool::new(false);
    let mut last_epoch = usize::MAX;
    let trained = job.run(
        &mut |p| {
            if p.step + 1 == p.steps_per_epoch && p.epoch != last_epoch {
                last_epoch = p.epoch;
                eprintln!("  epoch {:>3}/{}  loss {:.4}", p.epoch + 1, p.epochs, p.loss);
            }
        },
        &cancel,
    )?;
    let id = e.install_trained(&job, &trained, args.name.as_deref())?;
    println!(
        "stored model version {id} ({:.1}s); final epoch loss {:.4}",
        trained.seconds,
        trained.history.last().map(|h| h.loss).unwrap_or(f32::NAN)
    );
    if args.activate {
        e.activate_model(id)?;
        println!("model {id} is now active");
    } else {
        println!("activate it with: outfit-studio models activate {id}");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------------
// `outfit-studio eval`.

#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    /// The adult-pretrained / zero-shot version to start from (default: the active head).
    #[arg(long = "from")]
    pub from: Option<i64>,
    /// Use N generated judgements with a known ground truth (real feature sizes) instead of the stored ones.
    #[arg(long, value_name = "N")]
    pub synthetic: Option<usize>,
    #[arg(long, default_value_t = 0.25)]
    pub test_fraction: f64,
    #[arg(long, default_value_t = 7)]
    pub split_seed: u64,
    /// Label counts of the learning curve ("all" is always added).
    #[arg(long, value_delimiter = ',', default_value = "25,50,100,200,500")]
    pub sizes: Vec<usize>,
    /// Also write the Markdown report to this file.
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    /// Write the learning-curve plot (PNG) here.
    #[arg(long)]
    pub plot: Option<std::path::PathBuf>,
    /// Also print the report as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub flags: TrainFlags,
}

pub fn run_eval(db: &Path, models: &Path, args: EvalArgs) -> Result<()> {
    let cfg = EvalConfig {
        test_fraction: args.test_fraction,
        seed: args.split_seed,
        sizes: args.sizes.clone(),
        train: args.flags.config()?,
        ..EvalConfig::default()
    };
    let cancel = AtomicBool::new(false);
    let mut log = |s: &str| eprintln!("  {s}");
    let report = if let Some(n) = args.synthetic {
        let dims = outfit_model::head::HeadDims::standard(1280, 384);
        let (table, data) = outfit_model::data::synthetic_set(dims, (n / 2).clamp(400, 20_000), n, 12, 0.6, cfg.train.seed)?;
        let parent =
            Head::zero_shot(dims, &table.feature_mean()?, &outfit_model::head::BlockWeights::default(), (4.0, -1.0), cfg.train.seed)?;
        let note = format!(
            "GENERATED: {n} synthetic judgements over {} synthetic items (real feature sizes; compatible = same hidden style, half positives, negatives mix styles). Not fashion data.",
            table.len()
        );
        transfer_report(&parent, "untrained zero-shot", &[], &note, &table, &data, &cfg, &mut log, &cancel)?
    } else {
        let e = Engine::open(db, models)?;
        let StoredEvalData { parent_name, parent, others, table, data, note } = e.stored_eval_data(args.from, &cfg.train)?;
        let others: Vec<(&str, &Head)> = others.iter().map(|(n, h)| (n.as_str(), h)).collect();
        transfer_report(&parent, &parent_name, &others, &note, &table, &data, &cfg, &mut log, &cancel)?
    };
    let md = report.markdown();
    println!("{md}");
    if let Some(p) = &args.out {
        std::fs::write(p, &md).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", p.display()))?;
    }
    if let Some(p) = &args.plot {
        report.write_png(p)?;
        println!("plot: {} (left AUC, right FITB, against the number of training labels)", p.display());
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------------
// `outfit-studio pretrain` and `outfit-studio eval-outfits`.

/// Where outfits come from: exactly one of these.
#[derive(clap::Args, Debug, Clone)]
pub struct OutfitSource {
    /// A MANGO outfit directory (product_data.csv, outfits_*.csv, images/).
    #[arg(long)]
    pub mango: Option<PathBuf>,
    /// A Polyvore Outfits directory (polyvore_item_metadata.json, nondisjoint/, disjoint/, images/); its own
    /// compatibility_test.txt and fill_in_blank_test.json are used for the warm test questions.
    #[arg(long)]
    pub polyvore: Option<PathBuf>,
    /// Polyvore Outfits split: nondisjoint or disjoint.
    #[arg(long, default_value = "nondisjoint")]
    pub variant: String,
    /// A Maryland Polyvore directory (label/*.json, images/<set_id>/<index>.jpg).
    #[arg(long)]
    pub maryland: Option<PathBuf>,
    /// A webshop's own outfits: a CSV of `outfit_id,sku` rows (with --feed).
    #[arg(long, requires = "feed")]
    pub outfits: Option<PathBuf>,
    /// The catalogue feed the --outfits SKUs refer to (any format `import` reads).
    #[arg(long)]
    pub feed: Option<PathBuf>,
}

impl OutfitSource {
    pub fn read(&self) -> Result<(AdultDataset, String)> {
        let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()).display().to_string();
        Ok(match (&self.mango, &self.polyvore, &self.maryland, &self.outfits) {
            (Some(d), None, None, None) => (outfit_model::outfit_sets::read_mango(d)?, canonical(d)),
            (None, Some(d), None, None) => {
                (outfit_model::polyvore::read_polyvore(d, &self.variant)?, format!("{}#{}", canonical(d), self.variant))
            }
            (None, None, Some(d), None) => (outfit_model::polyvore::read_maryland(d)?, canonical(d)),
            (None, None, None, Some(o)) => {
                let feed = self.feed.as_deref().context("--outfits needs --feed")?;
                (outfit_model::outfit_sets::read_outfit_csv(feed, o)?, format!("{}+{}", canonical(o), canonical(feed)))
            }
            _ => bail!("give exactly one of --mango DIR, --polyvore DIR, --maryland DIR or --outfits CSV --feed FEED"),
        })
    }
}

fn describe(data: &AdultDataset) {
    println!(
        "{}: {} garments ({} non-garment items skipped), {} train / {} validation / {} test outfits",
        data.source,
        data.items.len(),
        data.skipped_items,
        data.train.len(),
        data.valid.len(),
        data.test.len()
    );
}

/// Writes the report as Markdown and JSON (with every per-question score) where asked.
fn write_reports(reports: &[ProtocolReport], md: Option<&Path>, json: Option<&Path>) -> Result<()> {
    if let Some(p) = md {
        let text: String = reports.iter().map(|r| r.markdown() + "\n").collect::<String>() + PUBLISHED;
        std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display()))?;
        println!("wrote {}", p.display());
    }
    if let Some(p) = json {
        std::fs::write(p, serde_json::to_vec(reports)?).with_context(|| format!("cannot write {}", p.display()))?;
        println!("wrote {} (questions and per-question scores)", p.display());
    }
    Ok(())
}

const PUBLISHED: &str = "Published on Polyvore Outfits (a different dataset, adult, with its own protocol): Vasileva et al. 2018 \
AUC 0.88 / FITB 0.576; OutfitTransformer AUC 0.93 / FITB 0.671.\n";

#[derive(clap::Args, Debug)]
pub struct EvalOutfitsArgs {
    #[command(flatten)]
    pub source: OutfitSource,
    /// Split to evaluate on: valid or test.
    #[arg(long, default_value = "test", value_parser = parse_split)]
    pub split: Split,
    /// Stored head versions to evaluate (comma-separated ids; default: every stored head for these encoders).
    #[arg(long, value_delimiter = ',')]
    pub heads: Vec<i64>,
    /// Markdown report.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// JSON report with the questions and every per-question score.
    #[arg(long)]
    pub json: Option<PathBuf>,
    #[arg(long, default_value_t = 20_251_201)]
    pub seed: u64,
}

/// The co-occurrence weight a stored head was pretrained with, if it has one.
fn stored_beta(params_json: &str) -> Option<f32> {
    Some(outfit_model::history::blend_weight(params_json)).filter(|b| *b > 0.0)
}

pub fn run_eval_outfits(db: &Path, models: &Path, args: EvalOutfitsArgs) -> Result<()> {
    let (data, key) = args.source.read()?;
    describe(&data);
    let e = Engine::open(db, models)?;
    let set = e.prepare_outfit_set(&data, &key)?;
    let rows = if args.heads.is_empty() {
        e.store().models()?
    } else {
        args.heads.iter().map(|id| e.model_or_active(Some(*id))).collect::<Result<Vec<_>, _>>()?
    };
    let mut heads = vec![("untrained zero-shot head (centred on this data)".to_string(), set.untrained_head(args.seed)?, None)];
    for r in rows {
        let h = Head::from_bytes(&r.weights).with_context(|| format!("head {} is unreadable", r.name))?;
        if h.check_encoders(e.manifest().image.dim, e.manifest().text.dim).is_err() {
            continue;
        }
        heads.push((format!("stored head {} ({})", r.id, r.name), set.centred(&h)?, stored_beta(&r.params_json)));
    }
    let refs: Vec<(String, &Head, Option<f32>)> = heads.iter().map(|(n, h, b)| (n.clone(), h, *b)).collect();
    let report = evaluate(&set, args.split, &refs, args.seed)?;
    println!("{}", report.markdown());
    print!("{PUBLISHED}");
    write_reports(&[report], args.out.as_deref(), args.json.as_deref())
}

#[derive(clap::Args, Debug)]
pub struct PretrainArgs {
    #[command(flatten)]
    pub source: OutfitSource,
    #[arg(long)]
    pub epochs: Option<usize>,
    #[arg(long)]
    pub lr: Option<f64>,
    #[arg(long)]
    pub weight_decay: Option<f64>,
    /// Weight of the fill-in-the-blank term (0: outfit-level losses only).
    #[arg(long)]
    pub fitb_weight: Option<f32>,
    #[arg(long, default_value_t = 20_251_125)]
    pub seed: u64,
    /// Make the pretrained head the active one.
    #[arg(long)]
    pub activate: bool,
    /// Also write the head as a shippable file (`models/head-mango.safetensors`) with its JSON sidecar.
    #[arg(long)]
    pub export: Option<PathBuf>,
    /// Markdown report of the validation and test tables.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// JSON report with the questions and every per-question score.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// [`pretrain`] with one progress line per epoch on stderr.
fn pretrain_logged(
    set: &outfit_model::outfit_eval::PreparedSet,
    cfg: &TrainConfig,
    what: &str,
) -> Result<outfit_model::outfit_eval::Pretrained> {
    let mut last = usize::MAX;
    let progress = &mut |p: outfit_model::train::TrainProgress| {
        if p.step + 1 == p.steps_per_epoch && p.epoch != last {
            last = p.epoch;
            eprintln!("  {what} {:>3}/{}  loss {:.4}", p.epoch + 1, p.epochs, p.loss);
        }
    };
    Ok(pretrain(set, cfg, progress, &AtomicBool::new(false))?)
}

pub fn run_pretrain(db: &Path, models: &Path, args: PretrainArgs) -> Result<()> {
    let (data, key) = args.source.read()?;
    describe(&data);
    let mut e = Engine::open(db, models)?;
    let t0 = std::time::Instant::now();
    let set = e.prepare_outfit_set(&data, &key)?;
    let seconds_features = t0.elapsed().as_secs_f64();
    let mut cfg = TrainConfig::pretraining();
    cfg.seed = args.seed;
    cfg.epochs = args.epochs.unwrap_or(cfg.epochs);
    cfg.lr = args.lr.unwrap_or(cfg.lr);
    cfg.weight_decay = args.weight_decay.unwrap_or(cfg.weight_decay);
    cfg.fitb_weight = args.fitb_weight.unwrap_or(cfg.fitb_weight);
    let p = pretrain_logged(&set, &cfg, "epoch")?;
    eprintln!(
        "trained in {:.1}s; kept epoch {:?} of {} by validation warm FITB + cold FITB + cold AUC {:?} (validation loss {:?})",
        p.seconds,
        p.trained.best_epoch,
        cfg.epochs,
        p.trained.validation_score.iter().map(|v| format!("{v:.3}")).collect::<Vec<_>>(),
        p.trained.validation_loss.iter().map(|v| format!("{v:.4}")).collect::<Vec<_>>()
    );
    let untrained = set.untrained_head(cfg.seed)?;
    let heads = [
        ("untrained zero-shot head (centred on this data)".to_string(), &untrained, None),
        ("pretrained head (this run)".to_string(), &p.head, Some(p.beta)),
    ];
    let valid = evaluate(&set, Split::Valid, &heads, 20_251_201)?;
    let test = evaluate(&set, Split::Test, &heads, 20_251_201)?;
    println!("{}\n{}", valid.markdown(), test.markdown());
    print!("{PUBLISHED}");
    let source_name = data.source.split(" at ").next().unwrap_or(&data.source).to_string();
    let trained_on = format!(
        "{source_name}: {} training outfits ({} items; epoch and calibration picked on {} validation outfits, {} test outfits held out); negatives of the same category and collection",
        set.train.len(),
        set.table.len(),
        set.valid.len(),
        set.test.len()
    );
    let figures =
        |r: &ProtocolReport| -> serde_json::Value {
            serde_json::json!(r.results.iter().map(|m| serde_json::json!({
            "method": m.method, "warm_auc": m.warm_auc, "warm_fitb": m.warm_fitb, "cold_auc": m.cold_auc, "cold_fitb": m.cold_fitb
        })).collect::<Vec<_>>())
        };
    let params = serde_json::json!({
        "config": cfg,
        "source": data.source,
        "cooccurrence_weight": p.beta,
        "calibration": p.head.calibration(),
        "reproduce": format!("outfit-studio pretrain --mango DIR --seed {}", cfg.seed),
    });
    let metrics = serde_json::json!({
        "validation": figures(&valid),
        "test": figures(&test),
        "best_epoch": p.trained.best_epoch,
        "validation_loss": p.trained.validation_loss,
        "validation_selection_score": p.trained.validation_score,
        "history": p.trained.history,
        "seconds_features": seconds_features,
        "seconds_training": p.seconds,
    });
    let name = format!(
        "pretrained-{}-v{}",
        source_name.split_whitespace().next().unwrap_or("outfits").to_lowercase(),
        e.store().models()?.len() + 1
    );
    let id = e.install_head(&name, &p.head, None, &trained_on, &params.to_string(), &metrics.to_string())?;
    println!("features {:.1}s, training {:.1}s; stored model version {id} ({name})", seconds_features, p.seconds);
    if let Some(path) = &args.export {
        std::fs::write(path, p.head.to_bytes()?).with_context(|| format!("cannot write {}", path.display()))?;
        let sidecar = serde_json::json!({
            "name": name,
            "file": path.file_name().map(|f| f.to_string_lossy().into_owned()),
            "trained_on": trained_on,
            "made_by": format!("outfit-studio pretrain --mango ../shared/data/mango-outfits --seed {} --export {}", cfg.seed, path.display()),
            "encoders": e.encoder_key(),
            "params": params,
            "metrics": metrics,
        });
        let json_path = path.with_extension("json");
        std::fs::write(&json_path, serde_json::to_string_pretty(&sidecar)?)?;
        println!("wrote {} and {}", path.display(), json_path.display());
    }
    if args.activate {
        e.activate_model(id)?;
        println!("model {id} is now active");
    }
    write_reports(&[valid, test], args.out.as_deref(), args.json.as_deref())
}

// ---------------------------------------------------------------------------------------------------------------
// `outfit-studio eval-transfer`.

#[derive(clap::Args, Debug)]
pub struct EvalTransferArgs {
    /// The source the head is pretrained on (not needed with --pretrained, except for --by-year).
    #[command(flatten)]
    pub source: OutfitSource,
    /// The target: a MANGO outfit directory.
    #[arg(long)]
    pub target_mango: Option<PathBuf>,
    /// The target: a webshop's own outfits (`outfit_id,sku` CSV, with --target-feed).
    #[arg(long, requires = "target_feed")]
    pub target_outfits: Option<PathBuf>,
    /// The catalogue feed the --target-outfits SKUs refer to.
    #[arg(long)]
    pub target_feed: Option<PathBuf>,
    /// Source and target from one MANGO directory (--mango) by collection, SOURCE:TARGET years: outfits whose
    /// garments are all of one year (e.g. 2019:2023).
    #[arg(long, value_name = "SOURCE:TARGET", requires = "mango")]
    pub by_year: Option<String>,
    /// Start from this head file instead of pretraining on the source (e.g. models/head-mango.safetensors).
    #[arg(long)]
    pub pretrained: Option<PathBuf>,
    /// Judgement budgets (half accepts, half rejects).
    #[arg(long, value_delimiter = ',')]
    pub budgets: Vec<usize>,
    /// Seeds per budget.
    #[arg(long)]
    pub seeds: Option<usize>,
    /// Fine-tuning epochs (at least the minimum number of steps is always taken).
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Pretraining epochs on the source.
    #[arg(long)]
    pub pretrain_epochs: Option<usize>,
    /// Review-queue batch size (judgements picked between two fine-tunes).
    #[arg(long)]
    pub queue_batch: Option<usize>,
    /// Random order's judgement count the queue has to match (0: skip the queue comparison).
    #[arg(long)]
    pub queue_reference: Option<usize>,
    /// A fast smoke run: budgets 50,200,1000, 2 seeds, fewer steps, queue batches of 250.
    #[arg(long)]
    pub quick: bool,
    /// Directory for transfer.md, transfer.json and transfer.png.
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[arg(long, default_value_t = 20_251_210)]
    pub seed: u64,
}

impl EvalTransferArgs {
    fn target(&self) -> OutfitSource {
        OutfitSource {
            mango: self.target_mango.clone(),
            polyvore: None,
            variant: "nondisjoint".into(),
            maryland: None,
            outfits: self.target_outfits.clone(),
            feed: self.target_feed.clone(),
        }
    }

    fn config(&self) -> outfit_model::transfer_eval::TransferConfig {
        let mut c = if self.quick {
            outfit_model::transfer_eval::TransferConfig::quick()
        } else {
            outfit_model::transfer_eval::TransferConfig::default()
        };
        c.seed = self.seed;
        if !self.budgets.is_empty() {
            c.budgets = self.budgets.clone();
        }
        c.seeds = self.seeds.unwrap_or(c.seeds).max(1);
        c.fine_tune.epochs = self.epochs.unwrap_or(c.fine_tune.epochs);
        c.queue_batch = self.queue_batch.unwrap_or(c.queue_batch).max(1);
        c.queue_reference = self.queue_reference.unwrap_or(c.queue_reference);
        c.queue_max = c.queue_max.max(c.queue_reference);
        c
    }
}

fn short_name(source: &str) -> String {
    source.split(" at ").next().unwrap_or(source).to_string()
}

pub fn run_eval_transfer(db: &Path, models: &Path, args: EvalTransferArgs) -> Result<()> {
    use outfit_model::outfit_eval::PreparedSet;
    let e = Engine::open(db, models)?;
    let log = |s: &str| eprintln!("  {s}");
    // Target (and, for --by-year, the source) over the encoders' features.
    let (target, source_set, source_name): (PreparedSet, Option<PreparedSet>, String) = if let Some(years) = &args.by_year {
        let (from, to) = years.split_once(':').with_context(|| format!("--by-year wants SOURCE:TARGET, got {years:?}"))?;
        let (data, key) = args.source.read()?;
        let parts = [from, to].map(|y| outfit_model::outfit_sets::collection_subset(&data, y.trim()));
        for p in &parts {
            describe(p);
        }
        let mut sets = e.prepare_outfit_parts(&data, &key, &[&parts[0], &parts[1]])?.into_iter();
        let (s, t) = (sets.next().context("source set")?, sets.next().context("target set")?);
        (t, Some(s), format!("{} {from}", short_name(&data.source)))
    } else {
        let (data, key) = args.target().read().context("the target: give --target-mango DIR or --target-outfits CSV --target-feed FEED")?;
        describe(&data);
        let t = e.prepare_outfit_set(&data, &key)?;
        if args.pretrained.is_some() {
            (t, None, String::new())
        } else {
            let (sdata, skey) = args.source.read()?;
            describe(&sdata);
            let name = short_name(&sdata.source);
            (t, Some(e.prepare_outfit_set(&sdata, &skey)?), name)
        }
    };
    let (head, pretrained_name, source_name) = match &args.pretrained {
        Some(path) => {
            let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            let h = Head::from_bytes(&bytes).with_context(|| format!("{} is not a head file", path.display()))?;
            h.check_encoders(e.manifest().image.dim, e.manifest().text.dim)?;
            let from = if source_name.is_empty() { format!("the source of {}", path.display()) } else { source_name.clone() };
            (h, format!("{} (loaded, not retrained)", path.display()), from)
        }
        None => {
            let set = source_set.context("no source to pretrain on")?;
            let mut cfg = TrainConfig::pretraining();
            cfg.seed = args.seed;
            cfg.epochs = args.pretrain_epochs.unwrap_or(if args.quick { 5 } else { cfg.epochs });
            eprintln!("pretraining on {} ({} training outfits), {} epochs", set.source, set.train.len(), cfg.epochs);
            let p = pretrain_logged(&set, &cfg, "pretraining epoch")?;
            let name = format!("pretrained on {source_name} here ({} training outfits, {:.0}s)", set.train.len(), p.seconds);
            (p.head, name, source_name)
        }
    };
    let cfg = args.config();
    let target_name = match &args.by_year {
        Some(y) => format!("{} {}", short_name(&target.source), y.split(':').nth(1).unwrap_or("")),
        None => short_name(&target.source),
    };
    let t0 = std::time::Instant::now();
    let fig = outfit_model::transfer_eval::run_transfer(
        &head,
        (&source_name, &target_name, &pretrained_name),
        &target,
        &cfg,
        &mut |s| log(s),
        &AtomicBool::new(false),
    )?;
    let md = fig.markdown();
    println!("{md}");
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        std::fs::write(dir.join("transfer.md"), &md).with_context(|| format!("cannot write {}", dir.display()))?;
        std::fs::write(dir.join("transfer.json"), serde_json::to_vec_pretty(&fig)?)?;
        fig.write_png(&dir.join("transfer.png"))?;
        println!("wrote transfer.md, transfer.json and transfer.png to {}", dir.display());
    }
    eprintln!("eval-transfer took {:.0}s", t0.elapsed().as_secs_f64());
    Ok(())
}
