//! Pretraining on real stylists' outfits and the one evaluation command (`outfit-studio eval-outfits`).
//!
//! A [`PreparedSet`] is an outfit dataset over a feature table whose rows carry their collection, split into
//! train / validation / test outfits. Pretraining fits on train, picks the epoch on validation, calibrates the
//! score on validation and chooses the co-occurrence blend weight there too; the test split is only ever
//! evaluated. The protocol is in [`super::protocol`].

use super::calibrate::fit_platt;
use super::head::{BlockWeights, Head, HeadDims};
use super::polyvore::AdultDataset;
use super::protocol::{
    Blank, Blended, CoOccurrence, CompatPair, HeadMethod, Method, ProtocolReport, QuestionSet, Questions, RandomScores, RawCosine,
    RowOutfit, build_questions, evaluate_methods, protocol_text,
};
use super::train::{FeatureTable, LabelledOutfit, TrainConfig, TrainProgress, Trained, train_validated};
use crate::store::StoredFeatures;
use anyhow::{Result, bail};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;

/// Which split to evaluate on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
pub enum Split {
    Valid,
    Test,
}

/// A dataset over its feature table.
pub struct PreparedSet {
    pub source: String,
    pub table: FeatureTable,
    pub train: Vec<RowOutfit>,
    pub valid: Vec<RowOutfit>,
    pub test: Vec<RowOutfit>,
    /// The dataset's own test questions (Polyvore's compatibility and FITB files), used for the warm test set.
    pub own_test: Option<QuestionSet>,
}

impl PreparedSet {
    /// Rows in `data.catalogue_items()` order; `feats` from the encoders (or their cache) in the same order.
    pub fn new(data: &AdultDataset, dims: HeadDims, feats: &[StoredFeatures]) -> Result<PreparedSet> {
        let mut table = data.feature_table(dims, feats)?;
        // Collection names to group ids, 1 upwards in first-seen order (0: no collection).
        let mut ids: HashMap<&str, u32> = HashMap::new();
        let groups = data
            .items
            .values()
            .enumerate()
            .filter(|(i, _)| table.row_of.contains_key(&(*i as i64)))
            .map(|(_, it)| {
                if it.collection.is_empty() {
                    return 0;
                }
                let next = ids.len() as u32 + 1;
                *ids.entry(it.collection.as_str()).or_insert(next)
            })
            .collect();
        table.set_groups(groups);
        let row_of = data.row_of(&table);
        let rows = |os: &[super::polyvore::AdultOutfit]| -> Vec<RowOutfit> {
            os.iter()
                .filter_map(|o| {
                    let rows: Vec<usize> = o.items.iter().filter_map(|i| row_of.get(i.as_str()).copied()).collect();
                    (rows.len() >= 2).then(|| RowOutfit { id: o.set_id.clone(), rows })
                })
                .collect()
        };
        let (train, valid, test) = (rows(&data.train), rows(&data.valid), rows(&data.test));
        if train.is_empty() {
            bail!("{}: no training outfit has two or more garments", data.source);
        }
        let own_test = own_questions(data, &row_of);
        Ok(PreparedSet { source: data.source.clone(), table, train, valid, test, own_test })
    }

    fn labelled(os: &[RowOutfit]) -> Vec<LabelledOutfit> {
        os.iter()
            .map(|o| LabelledOutfit { rows: o.rows.clone(), positive: true, weight: 1.0, key: o.id.clone(), stylist: "dataset".into() })
            .collect()
    }

    fn split(&self, s: Split) -> &[RowOutfit] {
        match s {
            Split::Valid => &self.valid,
            Split::Test => &self.test,
        }
    }

    /// The protocol's questions for a split; on the test split of a dataset with its own question files, those
    /// replace the generated warm questions (cold ones are still drawn, the files have no notion of them).
    pub fn questions(&self, s: Split, seed: u64) -> Questions {
        let mut q = build_questions(&self.table, &self.train, self.split(s), seed);
        if let (Split::Test, Some(own)) = (s, &self.own_test) {
            q.warm = own.clone();
            q.own_files = true;
        }
        q
    }

    /// The untrained head as the app would build it for this data: the zero-shot projection centred on it.
    pub fn untrained_head(&self, seed: u64) -> Result<Head> {
        Head::zero_shot(self.table.dims, &self.table.feature_mean()?, &BlockWeights::default(), (4.0, -1.0), seed)
    }

    /// `head` re-centred on this data's own feature mean (encoder blocks), as the app centres every catalogue.
    pub fn centred(&self, head: &Head) -> Result<Head> {
        head.recentred(&self.table.feature_mean()?)
    }
}

/// Polyvore's compatibility_test.txt (positives and negatives, paired in file order for the bootstrap) and
/// fill_in_blank_test.json over feature rows; `None` when the dataset has neither.
fn own_questions(data: &AdultDataset, row_of: &HashMap<&str, usize>) -> Option<QuestionSet> {
    if data.compatibility.is_empty() && data.fitb.is_empty() {
        return None;
    }
    let rows = |ids: &[String]| -> Option<Vec<usize>> { ids.iter().map(|i| row_of.get(i.as_str()).copied()).collect() };
    let pos = data.compatibility.iter().filter(|q| q.positive).filter_map(|q| rows(&q.items));
    let neg = data.compatibility.iter().filter(|q| !q.positive).filter_map(|q| rows(&q.items));
    let compat = pos
        .zip(neg)
        .enumerate()
        .map(|(i, (positive, negative))| CompatPair { outfit: format!("compatibility_test #{i}"), positive, negative })
        .collect();
    let fitb = data
        .fitb
        .iter()
        .enumerate()
        .filter_map(|(i, q)| {
            Some(Blank {
                outfit: format!("fill_in_blank_test #{i}"),
                context: rows(&q.question)?,
                candidates: rows(&q.answers)?,
                answer: q.answer,
            })
        })
        .collect();
    Some(QuestionSet { compat, fitb })
}

/// What pretraining produced.
pub struct Pretrained {
    pub head: Head,
    pub trained: Trained,
    /// Co-occurrence blend weight chosen on validation.
    pub beta: f32,
    pub seconds: f64,
}

/// Co-occurrence blend weights tried on validation.
const BETAS: [f32; 8] = [0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0];

/// Pretrains a head on `set.train`, keeping the epoch with the lowest validation loss, then calibrates it and
/// picks the co-occurrence weight on the validation split.
pub fn pretrain(set: &PreparedSet, cfg: &TrainConfig, progress: &mut dyn FnMut(TrainProgress), cancel: &AtomicBool) -> Result<Pretrained> {
    let t0 = std::time::Instant::now();
    let parent = set.untrained_head(cfg.seed)?;
    let valid = set.questions(Split::Valid, cfg.seed ^ 0xCA1);
    // The epoch that answers the validation questions best, cold ones counting as much as warm: a new children's
    // catalogue is the cold case.
    let select = |h: &Head| -> Result<f32> {
        let m = HeadMethod::new("epoch", h, &set.table)?;
        let r = &evaluate_methods(&[&m], &valid, cfg.seed)[0];
        let v = |e: &Option<super::protocol::Estimate>| e.map(|e| e.value as f32).unwrap_or(0.0);
        Ok(v(&r.warm_fitb) + v(&r.cold_fitb) + v(&r.cold_auc))
    };
    let trained = train_validated(
        &parent,
        &set.table,
        &PreparedSet::labelled(&set.train),
        &PreparedSet::labelled(&set.valid),
        Some(&select),
        cfg,
        progress,
        cancel,
    )?;
    let mut head = trained.head.clone();
    let m = HeadMethod::new("pretrained", &head, &set.table)?;
    let (pos, neg): (Vec<f32>, Vec<f32>) = valid.warm.compat.iter().map(|p| (m.outfit(&p.positive), m.outfit(&p.negative))).unzip();
    if let Some(ab) = fit_platt(&pos, &neg) {
        head = head.with_calibration(ab)?;
    }
    let m = HeadMethod::new("pretrained", &head, &set.table)?;
    let cooc = CoOccurrence::count(&set.train);
    let mut best = (f64::NEG_INFINITY, 0.0f32);
    for beta in BETAS {
        let b = Blended { head: &m, cooc: &cooc, beta };
        let r = &evaluate_methods(&[&b], &valid, cfg.seed)[0];
        let v = r.warm_fitb.map(|e| e.value).unwrap_or(0.0) + r.warm_auc.map(|e| e.value).unwrap_or(0.0);
        if v > best.0 + 1e-9 {
            best = (v, beta);
        }
    }
    Ok(Pretrained { head, trained, beta: best.1, seconds: t0.elapsed().as_secs_f64() })
}

/// Evaluates the baselines and `heads` (name, head, optional co-occurrence weight) on a split.
pub fn evaluate(set: &PreparedSet, split: Split, heads: &[(String, &Head, Option<f32>)], seed: u64) -> Result<ProtocolReport> {
    let q = set.questions(split, seed);
    let cooc = CoOccurrence::count(&set.train);
    let random = RandomScores(seed);
    let image = RawCosine::image(&set.table)?;
    let text = RawCosine::text(&set.table)?;
    let head_methods: Vec<HeadMethod> = heads.iter().map(|(n, h, _)| HeadMethod::new(n.clone(), h, &set.table)).collect::<Result<_>>()?;
    let blends: Vec<Blended> =
        heads.iter().zip(&head_methods).filter_map(|((_, _, b), m)| b.map(|beta| Blended { head: m, cooc: &cooc, beta })).collect();
    let mut methods: Vec<&dyn Method> = vec![&random, &cooc, &image, &text];
    methods.extend(head_methods.iter().map(|m| m as &dyn Method));
    methods.extend(blends.iter().map(|m| m as &dyn Method));
    let results = evaluate_methods(&methods, &q, seed);
    Ok(ProtocolReport {
        dataset: set.source.clone(),
        split: format!(
            "{} split: {} outfits; trained on {} outfits, {} items",
            match split {
                Split::Valid => "validation",
                Split::Test => "test",
            },
            set.split(split).len(),
            set.train.len(),
            set.table.len()
        ),
        protocol: protocol_text(&q),
        questions: q,
        results,
    })
}

// ---------------------------------------------------------------------------------------------------------------
// `outfit-studio pretrain` and `outfit-studio eval-outfits`.

use crate::engine::Engine;
use anyhow::Context;
use std::path::{Path, PathBuf};

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
            (Some(d), None, None, None) => (super::outfit_sets::read_mango(d)?, canonical(d)),
            (None, Some(d), None, None) => {
                (super::polyvore::read_polyvore(d, &self.variant)?, format!("{}#{}", canonical(d), self.variant))
            }
            (None, None, Some(d), None) => (super::polyvore::read_maryland(d)?, canonical(d)),
            (None, None, None, Some(o)) => {
                let feed = self.feed.as_deref().context("--outfits needs --feed")?;
                (super::outfit_sets::read_outfit_csv(feed, o)?, format!("{}+{}", canonical(o), canonical(feed)))
            }
            _ => bail!("give exactly one of --mango DIR, --polyvore DIR, --maryland DIR or --outfits CSV --feed FEED"),
        })
    }
}

/// Encodes a dataset's items through the user's feature cache and builds its [`PreparedSet`]; `cache_key` names
/// the dataset (its canonical path).
pub fn prepare(engine: &Engine, data: &AdultDataset, cache_key: &str) -> Result<PreparedSet> {
    let path = crate::encode::feature_cache::cache_file(&crate::encode::runtime::cache_dir(), cache_key, &engine.encoder_key());
    prepare_with_cache(engine, data, &path)
}

/// [`prepare`] with an explicit cache file.
pub fn prepare_with_cache(engine: &Engine, data: &AdultDataset, path: &Path) -> Result<PreparedSet> {
    let items = data.catalogue_items();
    let models_dir = engine.models_dir.clone();
    let t0 = std::time::Instant::now();
    let (feats, stats) = crate::encode::feature_cache::encode_cached(
        path,
        &items,
        &mut || crate::encode::Encoders::load(&models_dir),
        &mut |done, total| {
            if done % 1024 < 256 || done == total {
                eprintln!("  encoded {done}/{total} items");
            }
        },
    )?;
    eprintln!(
        "features: {} from the cache, {} encoded in {:.1}s ({})",
        stats.cached,
        stats.encoded,
        t0.elapsed().as_secs_f64(),
        path.display()
    );
    let dims = HeadDims::standard(engine.manifest().image.dim, engine.manifest().text.dim);
    PreparedSet::new(data, dims, &feats)
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
    /// Split to evaluate on.
    #[arg(long, value_enum, default_value = "test")]
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
    Some(super::history::blend_weight(params_json)).filter(|b| *b > 0.0)
}

pub fn run_eval_cli(db: &Path, models: &Path, args: EvalOutfitsArgs) -> Result<()> {
    let (data, key) = args.source.read()?;
    describe(&data);
    let e = Engine::open(db, models)?;
    let set = prepare(&e, &data, &key)?;
    let rows = if args.heads.is_empty() {
        e.store.models()?
    } else {
        args.heads.iter().map(|id| e.model_or_active(Some(*id))).collect::<Result<Vec<_>>>()?
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

pub fn run_pretrain_cli(db: &Path, models: &Path, args: PretrainArgs) -> Result<()> {
    let (data, key) = args.source.read()?;
    describe(&data);
    let mut e = Engine::open(db, models)?;
    let t0 = std::time::Instant::now();
    let set = prepare(&e, &data, &key)?;
    let seconds_features = t0.elapsed().as_secs_f64();
    let mut cfg = TrainConfig::pretraining();
    cfg.seed = args.seed;
    cfg.epochs = args.epochs.unwrap_or(cfg.epochs);
    cfg.lr = args.lr.unwrap_or(cfg.lr);
    cfg.weight_decay = args.weight_decay.unwrap_or(cfg.weight_decay);
    cfg.fitb_weight = args.fitb_weight.unwrap_or(cfg.fitb_weight);
    let mut last = usize::MAX;
    let p = pretrain(
        &set,
        &cfg,
        &mut |p| {
            if p.step + 1 == p.steps_per_epoch && p.epoch != last {
                last = p.epoch;
                eprintln!("  epoch {:>3}/{}  loss {:.4}", p.epoch + 1, p.epochs, p.loss);
            }
        },
        &AtomicBool::new(false),
    )?;
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
        e.store.models()?.len() + 1
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
