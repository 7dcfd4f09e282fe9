//! Command-line interface: thin clap subcommands over the library. `outfit-studio` with no subcommand opens the app
//! (`main` hands that to `ui`: the CLI layer never imports the UI). Every clap struct of the project lives here.

mod demo;
mod labels;
mod package;
mod team;
mod train;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use outfit_catalogue::{AgeGroup, Slot};
use outfit_engine::{CompletionFilter, Engine, Follow};
use outfit_store::{JudgementSource, Verdict};
use std::path::{Path, PathBuf};

mod looks;

#[derive(Parser, Debug)]
#[command(name = "outfit-studio", version, about = "Outfit compatibility studio for children's-fashion stylists")]
pub struct Cli {
    /// SQLite database (default: $OUTFIT_STUDIO_DATA/studio.db, else ~/.local/share/outfit-studio/studio.db).
    #[arg(long, global = true, env = "OUTFIT_STUDIO_DB")]
    pub db: Option<PathBuf>,
    /// Directory with manifest.json and the ONNX encoders (default: $OUTFIT_STUDIO_MODELS, else the installed
    /// package's, else the checkout's models/).
    #[arg(long, global = true)]
    pub models: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Open the desktop app (the default).
    App,
    /// Import the embedded demo catalogue, index it, and show a scored outfit and completions.
    Demo,
    /// Import catalogue feeds (CSV, TSV, JSON Lines, Google Merchant TSV/XML, Shopify CSV).
    Import(ImportArgs),
    /// List catalogues, or hide, show or delete one (a deleted catalogue's judgements stay).
    Catalogues {
        #[command(subcommand)]
        action: Option<CataloguesAction>,
    },
    /// Encode every new or changed item with the image and text encoders (cached per encoder version).
    Index {
        #[arg(long, default_value_t = 32)]
        batch: usize,
    },
    /// Score an outfit: compatibility 0..1 and every pair's contribution.
    Score {
        #[arg(required = true, num_args = 2..)]
        skus: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Suggest items that complete an outfit.
    Complete {
        #[arg(required = true)]
        skus: Vec<String>,
        /// Slot to fill (top, bottom, one_piece, outerwear, shoes, headwear, bag, accessory); default: every slot the
        /// outfit lacks.
        #[arg(long)]
        slot: Option<String>,
        #[arg(short, long, default_value_t = 10)]
        k: usize,
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long)]
        json: bool,
    },
    /// Record a stylist's judgement of an outfit (committed before the command returns).
    Judge {
        /// accept, reject or skip
        verdict: String,
        #[arg(required = true, num_args = 2..)]
        skus: Vec<String>,
        #[arg(long, env = "OUTFIT_STUDIO_STYLIST")]
        stylist: String,
        /// Reason tags: colour_clash, season, formality, age_mismatch, other.
        #[arg(long = "reason")]
        reasons: Vec<String>,
    },
    /// Undo a judgement by id (it stays in the audit trail, marked undone).
    Undo { id: i64 },
    /// Export approved outfits or labels.
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// List, activate or roll back compatibility-head versions.
    Models {
        #[command(subcommand)]
        action: Option<ModelsAction>,
    },
    /// Build the untrained zero-shot head from the indexed catalogue and write it to a file.
    ZeroShotHead {
        #[arg(long)]
        out: PathBuf,
    },
    /// Check that ONNX Runtime and the models are found and load, and say where from.
    Doctor,
    /// Regenerate the demo's precomputed features (tools/demo_features.sh): encodes the demo, writes the pack.
    #[command(hide = true)]
    DemoFeatures {
        #[arg(long, default_value = "assets/demo/features.safetensors")]
        out: PathBuf,
    },
    /// Test helper (crash-safety tests): records `n` judgements one by one, printing each acknowledged id.
    #[command(hide = true)]
    JudgeLoop {
        #[arg(long, default_value_t = 1000)]
        n: usize,
        #[arg(long)]
        stylist: String,
        #[arg(required = true, num_args = 2..)]
        skus: Vec<String>,
    },
    /// Test helper (crash-safety tests): `n` rounds of queue decide, edit and undo on the stylist's current queue
    /// outfit, printing each acknowledged action.
    #[command(hide = true)]
    QueueLoop {
        #[arg(long, default_value_t = 1000)]
        n: usize,
        #[arg(long)]
        stylist: String,
    },
    /// Scoring speed on a generated catalogue (CPU and GPU) against the memory bound; prints a Markdown table.
    Bench(BenchArgs),
    /// Fine-tune the compatibility head on the stored judgements (a new model version), or `--bench N`.
    Train(train::TrainArgs),
    /// Held-out AUC / FITB: zero-shot vs fine-tuned vs from-scratch, with a learning curve (Markdown, PNG).
    Eval(train::EvalArgs),
    /// Pretrain the head on real stylists' outfits (MANGO, Polyvore, Maryland, or a webshop's own outfits CSV),
    /// calibrate it on their validation split and evaluate it against the baselines.
    Pretrain(train::PretrainArgs),
    /// Evaluate stored heads and the baselines on an outfit set with the fixed warm/cold protocol.
    EvalOutfits(train::EvalOutfitsArgs),
    /// What stylists' judgements buy on a new source: fine-tuned vs from scratch vs pretrained vs baselines over
    /// judgement budgets, the review queue vs random order, and calibration after 100 judgements (simulated stylist).
    EvalTransfer(train::EvalTransferArgs),
    /// What a stylist sees on a catalogue, measured: gender / season / occasion coverage, saturated and
    /// colour-driven scores of random same-age boards, and the default suggestions' colour share and clashes.
    EvalCatalogue {
        /// The catalogue (by name); default every visible one.
        #[arg(long)]
        catalogue: Option<String>,
        /// Random same-age top + bottom boards to score.
        #[arg(long, default_value_t = 2000)]
        boards: usize,
        /// Random heroes (tops, one-pieces) to complete.
        #[arg(long, default_value_t = 100)]
        heroes: usize,
        #[arg(short, long, default_value_t = 10)]
        k: usize,
        #[arg(long, default_value_t = 19)]
        seed: u64,
        #[arg(long)]
        json: bool,
    },
    // --- label collection (issue 6) ---
    /// The review queue: outfits the model is least sure of, judged one at a time.
    Queue(labels::QueueArgs),
    /// Agreement between stylists (percent, Cohen's kappa, Gwet's AC1) on outfits both judged.
    Agreement(labels::AgreementArgs),
    /// Import other stylists' databases or label exports (no duplicates, provenance kept).
    MergeLabels(labels::MergeArgs),
    /// A team on one shared PostgreSQL store: init, route, enqueue, disagreements, settle (the lead); connect,
    /// status, sync, bench (issue 21).
    Team(team::TeamArgs),
    // --- looks at catalogue scale (issue 14) ---
    /// Generate k looks per hero item from the outfit templates into a stylist's review queue.
    GenerateLooks(looks::GenerateLooksArgs),
    /// The outfit templates looks are generated from: list, set FILE.json, reset.
    Templates {
        #[command(subcommand)]
        action: Option<looks::TemplatesAction>,
    },
    /// Generated looks: generated, reviewed and approval rate per template and stylist, and per day.
    LooksStats,
    /// "Complete the look" per product: the approved looks containing each SKU (json, shopify, jsonld).
    Publish(looks::PublishArgs),
    /// Look generation speed: heroes × k looks over a generated catalogue; prints a Markdown table.
    BenchLooks(looks::BenchLooksArgs),
    /// Offline look recovery on real stylists' outfits (MANGO): hit rate and recall at k against baselines.
    EvalLooks(looks::EvalLooksArgs),
}

#[derive(Subcommand, Debug)]
pub enum ExportWhat {
    /// Approved outfits for the webshop: json, jsonld (schema.org ItemList per outfit) or bundle (each look a new
    /// Shopify product with the items' real SKUs; for complementary products on the shop's own pages use `publish`).
    Outfits {
        #[arg(long, default_value = "json")]
        format: String,
        #[command(flatten)]
        shop: looks::ShopArgs,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Include outfits with out-of-stock items.
        #[arg(long)]
        include_out_of_stock: bool,
    },
    /// Judgements as JSON Lines.
    Labels {
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        include_undone: bool,
    },
    /// Labels in the Polyvore Outfits layout for research code (item metadata, splits, compatibility, FITB, images).
    Polyvore {
        #[arg(long)]
        out: PathBuf,
        /// Seed of the train/valid/test split and the fill-in-the-blank questions.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
}

#[derive(Args, Debug, Default)]
pub struct ImportArgs {
    #[arg(required_unless_present = "demo")]
    pub feeds: Vec<PathBuf>,
    /// Import the demo catalogue embedded in this binary (written to the data directory's demo/ first).
    #[arg(long)]
    pub demo: bool,
    /// Print every row error and warning instead of the first 20.
    #[arg(long)]
    pub all_errors: bool,
    /// Show the detected column mapping, coverage and sample rows; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Column mapping profile: google-merchant, shopify, hm-kids, myntra-kids or one saved with --save-profile
    /// (default: detected from the header).
    #[arg(long)]
    pub profile: Option<String>,
    /// Map a field to a feed column, e.g. `--map colour=baseColour` or `--map category=group+type` (repeatable).
    #[arg(long = "map", value_name = "FIELD=COLUMN")]
    pub maps: Vec<String>,
    /// Save the mapping used (profile plus --map) as a named profile for later imports.
    #[arg(long, value_name = "NAME")]
    pub save_profile: Option<String>,
    /// Catalogue to import into (default: the feed's file name).
    #[arg(long)]
    pub catalogue: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum CataloguesAction {
    List,
    /// Hide a catalogue: its items leave the grid, suggestions and review queue.
    Hide {
        name: String,
    },
    Show {
        name: String,
    },
    /// Delete a catalogue: unjudged items are removed; judged ones stay with their judgements.
    Delete {
        name: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ModelsAction {
    List,
    /// Make a version the active head and re-embed the catalogue.
    Activate {
        id: i64,
    },
}

#[derive(Args, Debug, Default)]
pub struct FilterArgs {
    /// Allowed age groups (repeatable).
    #[arg(long = "age")]
    pub ages: Vec<String>,
    /// Allowed seasons (repeatable: spring, summer, autumn, winter); all-season items always pass.
    #[arg(long = "season")]
    pub seasons: Vec<String>,
    #[arg(long)]
    pub in_stock: bool,
    #[arg(long)]
    pub min_price: Option<f32>,
    #[arg(long)]
    pub max_price: Option<f32>,
    #[arg(long = "brand")]
    pub brands: Vec<String>,
    /// Suggest from every age band and season; by default suggestions keep to the board's (as the app does).
    #[arg(long)]
    pub any_age_or_season: bool,
    /// Suggest for either gender; by default a boys' board gets boys' and unisex items (girls' likewise).
    #[arg(long)]
    pub any_gender: bool,
    /// Suggest for every occasion; by default sporty, dressy, party, swim... stay apart as the board's items are.
    #[arg(long)]
    pub any_occasion: bool,
    /// Only items of this catalogue (by name); default every visible catalogue.
    #[arg(long)]
    pub catalogue: Option<String>,
    /// Weight of variety against score when ordering suggestions, 0..1 (0: by score alone).
    #[arg(long)]
    pub diversity: Option<f32>,
}

impl FilterArgs {
    fn to_filter(&self) -> Result<CompletionFilter> {
        let age_groups =
            self.ages.iter().map(|a| AgeGroup::parse(a).with_context(|| format!("unknown age group {a:?}"))).collect::<Result<_>>()?;
        let seasons = self
            .seasons
            .iter()
            .map(|s| outfit_catalogue::Season::parse(s).with_context(|| format!("unknown season {s:?}")))
            .collect::<Result<_>>()?;
        Ok(CompletionFilter {
            age_groups,
            seasons,
            in_stock_only: self.in_stock,
            min_price: self.min_price,
            max_price: self.max_price,
            brands: self.brands.clone(),
            diversity: self.diversity,
            ..Default::default()
        })
    }

    /// Which of the board's facts the suggestions keep to.
    fn follow(&self) -> Follow {
        Follow {
            age: !self.any_age_or_season,
            season: !self.any_age_or_season,
            gender: !self.any_gender,
            occasion: !self.any_occasion,
            catalogue: true,
        }
    }
}

/// `outfit-studio bench`.
#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// Catalogue size.
    #[arg(long, default_value_t = 300_000)]
    pub items: usize,
    /// Timed repetitions per measurement (after warm-up); the median is printed.
    #[arg(long, default_value_t = 30)]
    pub reps: usize,
    /// cpu, gpu or both (both: the GPU only when an adapter exists).
    #[arg(long, default_value = "both")]
    pub backend: String,
    /// Embedding dimension.
    #[arg(long, default_value_t = 64)]
    pub dim: usize,
    /// Completions per slot.
    #[arg(short, long, default_value_t = 20)]
    pub k: usize,
    #[arg(long, default_value_t = 2025)]
    pub seed: u64,
    /// Builds an indexed database of N generated items at `--db` (features of the encoders' real dimensions,
    /// head embeddings, their pack) and stops: the database `--cold-start` and `--engine` measure.
    #[arg(long, value_name = "N")]
    pub make_db: Option<usize>,
    /// Times whole `complete` processes (start to first completion, peak RSS) on the `--make-db` database at `--db`.
    #[arg(long)]
    pub cold_start: bool,
    /// Times `Engine::score_outfit` and `Engine::complete` on the `--make-db` database at `--db`.
    #[arg(long)]
    pub engine: bool,
    /// Times indexing (decode, preprocess, both encoders; no storing) on the first `--items` items of `--db`
    /// (those with photos first; `--reps` passes per variant, at most 5), and with `--peers` against Python
    /// onnxruntime (`tools/bench_index_peer.py`) on the same items.
    #[arg(long)]
    pub index: bool,
    /// Batch size for `--index` (the `index` command's).
    #[arg(long, default_value_t = 32)]
    pub batch: usize,
    /// Also runs numpy and FAISS (`tools/bench_peers.py`, venv from `tools/bench_peers_venv.sh`) on the same
    /// matrix, filters and queries, warm and cold.
    #[arg(long)]
    pub peers: bool,
}

impl BenchArgs {
    pub fn config(&self) -> outfit_score::bench::BenchConfig {
        outfit_score::bench::BenchConfig {
            items: self.items,
            reps: self.reps,
            backend: self.backend.clone(),
            dim: self.dim,
            k: self.k,
            seed: self.seed,
            peers: self.peers,
        }
    }
}

/// What `main` does after a command: nothing more, or open the desktop app on this database.
#[derive(Debug)]
pub enum Outcome {
    Done,
    OpenApp { db: PathBuf, models: PathBuf },
}

/// Logging to stderr, filtered by `$OUTFIT_STUDIO_LOG`.
pub fn init_logging() {
    // Targets are crate paths (`outfit_score::…`, `outfit_engine::…`): `OUTFIT_STUDIO_LOG=outfit=info` covers them all.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("OUTFIT_STUDIO_LOG"))
        .with_writer(std::io::stderr)
        .try_init();
}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Result<Outcome> {
    let db = cli.db.clone().unwrap_or_else(outfit_paths::default_db);
    let models = cli.models.clone().unwrap_or_else(outfit_encode::manifest::default_models_dir);
    let open = || Engine::open(&db, &models);
    let done = match cli.command.unwrap_or(Command::App) {
        Command::App => return Ok(Outcome::OpenApp { db, models }),
        Command::Demo => demo::demo(&mut open()?),
        Command::Import(args) => import(&mut open()?, &args),
        Command::Catalogues { action } => catalogues(&mut open()?, action.unwrap_or(CataloguesAction::List)),
        Command::Index { batch } => index(&mut open()?, batch),
        Command::Score { skus, json } => {
            let e = open()?;
            let ids: Vec<i64> = e.resolve_skus(&skus)?.iter().map(|i| i.id).collect();
            let s = e.score_outfit(&ids)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&s)?);
            } else {
                println!("compatibility {:.3}  (model {}, mean pair term {:+.3})", s.probability, s.model, s.mean_pair);
                let mut pairs = s.pairs.clone();
                pairs.sort_by(|a, b| a.raw.total_cmp(&b.raw));
                println!("pairs, weakest first:");
                for p in pairs {
                    println!("  {:<14} {:<14} {:+.3}  ({:.2})", p.a, p.b, p.raw, p.probability);
                }
            }
            Ok(())
        }
        Command::Complete { skus, slot, k, filter, json } => {
            let mut e = open()?;
            e.set_scorer(outfit_score::one_shot_scorer());
            let board: Vec<&outfit_store::StoredItem> = e.resolve_skus(&skus)?;
            let slots = match slot {
                Some(s) => vec![Slot::parse(&s).with_context(|| {
                    format!("unknown slot {s:?}; one of top, bottom, one_piece, outerwear, shoes, headwear, bag, accessory")
                })?],
                None => Slot::missing_from(&board.iter().map(|i| i.item.slot).collect::<Vec<_>>()),
            };
            let ids: Vec<i64> = board.iter().map(|i| i.id).collect();
            let catalogue = filter.catalogue.as_deref().map(|name| e.catalogue_id(name)).transpose()?;
            // Age bands, seasons, genders and occasions never mix by default: the board's, unless the command names
            // its own or widens them.
            let f = e.with_board_defaults(&ids, &filter.to_filter()?, filter.follow(), catalogue);
            let res = e.complete(&ids, &slots, k, &f)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&res)?);
            } else {
                for (s, sugg) in res {
                    println!("{}:", s.label());
                    if sugg.is_empty() {
                        let short = e.slot_shortfall(&ids, s, &f);
                        match short.advice() {
                            _ if short.in_slot == 0 => println!("  (no {} in the catalogue)", s.label().to_lowercase()),
                            a if a.is_empty() => println!("  (nothing matches the filters, and no single widening helps)"),
                            a => println!("  (nothing matches the filters; {a})"),
                        }
                    }
                    for (i, x) in sugg.iter().enumerate() {
                        println!("  {:>2}. {:<12} {:.3}  {}", i + 1, x.sku, x.outfit_probability, x.title);
                    }
                }
            }
            Ok(())
        }
        Command::Judge { verdict, skus, stylist, reasons } => {
            let v = Verdict::parse(&verdict).with_context(|| format!("verdict must be accept, reject or skip, not {verdict:?}"))?;
            let mut e = open()?;
            let id = e.judge(&skus, v, &stylist, JudgementSource::Cli, &reasons, None)?;
            println!("recorded judgement {id}: {} by {stylist}", v.as_str());
            Ok(())
        }
        Command::Undo { id } => {
            open()?.undo(id)?;
            println!("judgement {id} undone");
            Ok(())
        }
        Command::Export { what } => export(&mut open()?, what),
        Command::Models { action } => {
            let mut e = open()?;
            if let Some(ModelsAction::Activate { id }) = action {
                e.activate_model(id)?;
                println!("model {id} is now active");
            }
            if let Some(note) = e.head_note() {
                println!("{note}");
            }
            for m in e.store().models()? {
                println!(
                    "{} {:>3}  {:<24} parent {:<4} {}  trained on: {}",
                    if m.active {
                        "*"
                    } else if !e.fits_encoders(&m) {
                        "!" // trained on earlier features
                    } else {
                        " "
                    },
                    m.id,
                    m.name,
                    m.parent_id.map(|p| p.to_string()).unwrap_or("-".into()),
                    m.created_at,
                    m.trained_on
                );
            }
            Ok(())
        }
        Command::ZeroShotHead { out } => {
            let e = open()?;
            let head = e.zero_shot_from_catalogue()?;
            std::fs::write(&out, head.to_bytes()?)?;
            println!("wrote {} (calibration a={:.3} b={:.3})", out.display(), head.calibration().0, head.calibration().1);
            Ok(())
        }
        Command::Bench(args) if args.index => {
            let store = outfit_store::Store::open(&db)?;
            Ok(outfit_encode::bench::run(&store, &models, args.items, args.batch, args.reps.min(5), args.peers)?)
        }
        Command::Bench(args) => match (args.make_db, args.cold_start, args.engine) {
            (Some(n), _, _) => {
                let mut e = open()?;
                e.make_bench_db(n, args.seed, &mut |m| eprintln!("{m}"))?;
                println!("made {} with {n} indexed items", db.display());
                Ok(())
            }
            (None, true, _) => Ok(outfit_engine::bench::cold_start(&db, args.reps.min(10))?),
            (None, false, true) => {
                let e = open()?;
                println!("### engine paths on {} ({} items indexed)\n\n| path | median |\n|---|---:|", db.display(), e.index().len());
                for (label, t) in e.bench_paths(args.reps)? {
                    println!("| {label} | {:.1} µs |", t.as_secs_f64() * 1e6);
                }
                println!("\n{} runs after 3 warm-up; {}", args.reps, outfit_machine::conditions());
                Ok(())
            }
            (None, false, false) => Ok(outfit_score::bench::run(args.config())?),
        },
        Command::Train(args) => train::run_train(&db, &models, args),
        Command::Eval(args) => train::run_eval(&db, &models, args),
        Command::Pretrain(args) => train::run_pretrain(&db, &models, args),
        Command::EvalOutfits(args) => train::run_eval_outfits(&db, &models, args),
        Command::EvalTransfer(args) => train::run_eval_transfer(&db, &models, args),
        Command::EvalCatalogue { catalogue, boards, heroes, k, seed, json } => {
            let mut e = open()?;
            e.set_scorer(outfit_score::one_shot_scorer());
            let catalogue = catalogue.as_deref().map(|name| e.catalogue_id(name)).transpose()?;
            let a = e.audit_catalogue(&outfit_engine::audit::AuditParams { catalogue, boards, heroes, k, seed })?;
            if json {
                println!("{}", serde_json::to_string_pretty(&a)?);
            } else {
                print!("{a}");
            }
            Ok(())
        }
        Command::Queue(args) => labels::run_queue(&db, &models, args),
        Command::Agreement(args) => labels::run_agreement(&db, args),
        Command::MergeLabels(args) => labels::run_merge(&db, args),
        Command::Team(args) => team::run(&db, &models, args),
        Command::GenerateLooks(args) => looks::generate_looks(&mut open()?, &args),
        Command::Templates { action } => looks::templates(&mut open()?, action.unwrap_or(looks::TemplatesAction::List)),
        Command::LooksStats => looks::looks_stats(&open()?),
        Command::Publish(args) => looks::publish(&mut open()?, &args),
        Command::BenchLooks(args) => looks::bench_looks(&args),
        Command::EvalLooks(args) => looks::eval_looks(&db, &models, &args),
        Command::JudgeLoop { n, stylist, skus } => {
            use std::io::Write as _;
            let mut e = open()?;
            let mut out = std::io::stdout().lock();
            for i in 0..n {
                // Cycle the verdicts so accepts (which also create an approved outfit) are exercised too.
                let v = [Verdict::Reject, Verdict::Accept, Verdict::Skip][i % 3];
                let id = e.judge(&skus, v, &stylist, JudgementSource::Cli, &[], None)?;
                writeln!(out, "{id}")?;
                out.flush()?;
            }
            Ok(())
        }
        Command::QueueLoop { n, stylist } => {
            use std::io::Write as _;
            let mut e = open()?;
            let mut q = outfit_labels::queue::ReviewQueue::load_or_build(&mut e, &stylist, 20, 1)?;
            let mut out = std::io::stdout().lock();
            for i in 0..n {
                // Every round leaves the outfit pending again; the verdicts cycle so accepts (and their approved
                // looks, archived by the edit or the undo) are exercised in each step.
                let (first, second) =
                    [(Verdict::Accept, Verdict::Reject), (Verdict::Reject, Verdict::Accept), (Verdict::Skip, Verdict::Accept)][i % 3];
                let jid = q.decide(&mut e, first, &["colour_clash".to_string()])?;
                writeln!(out, "decide {jid}")?;
                out.flush()?;
                let jid2 = q.edit(&mut e, jid, second)?;
                writeln!(out, "edit {jid} {jid2}")?;
                out.flush()?;
                q.undo_last(&mut e)?.context("a decision to undo")?;
                writeln!(out, "undo {jid2}")?;
                out.flush()?;
            }
            Ok(())
        }
        Command::Doctor => package::doctor(&db, &models),
        Command::DemoFeatures { out } => package::demo_features(&models, &out),
    };
    done.map(|()| Outcome::Done)
}

fn import(e: &mut Engine, args: &ImportArgs) -> Result<()> {
    let overrides =
        args.maps.iter().map(|m| outfit_catalogue::mapping::parse_override(m).map_err(anyhow::Error::msg)).collect::<Result<_>>()?;
    let profile = args.profile.as_deref().map(|p| e.store().profile(p)).transpose()?;
    let req =
        outfit_engine::ImportRequest { catalogue: args.catalogue.clone(), options: outfit_catalogue::ImportOptions { profile, overrides } };
    let mut imported = 0;
    let demo = if args.demo { Some(outfit_demo::feed()?) } else { None };
    for f in demo.iter().chain(&args.feeds) {
        if args.dry_run {
            let p = e.preview_import(f, &req.options)?;
            print!("{}", p.to_text());
            imported += p.items;
        } else {
            imported += import_one(e, f, &req, args.all_errors)?;
        }
        if let Some(name) = &args.save_profile {
            let parsed = outfit_catalogue::import_feed_with(f, &req.options)?;
            e.store().save_profile(name, &parsed.mapping)?;
            println!("saved profile {name:?}: {}", parsed.mapping.describe().join(" "));
        }
    }
    if demo.is_some() && !args.dry_run {
        // Its precomputed features: `index` then has nothing of the demo to encode.
        e.seed_features(outfit_demo::FEATURES)?;
    }
    if imported == 0 {
        bail!(
            "nothing {} from {}: see the rejected rows above; map columns with --map field=column or --profile NAME",
            if args.dry_run { "would be imported" } else { "was imported" },
            args.feeds.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ")
        );
    }
    Ok(())
}

fn catalogues(e: &mut Engine, action: CataloguesAction) -> Result<()> {
    match action {
        CataloguesAction::List => {}
        CataloguesAction::Hide { name } => {
            e.set_catalogue_hidden(&name, true)?;
            println!("catalogue {name:?} hidden");
        }
        CataloguesAction::Show { name } => {
            e.set_catalogue_hidden(&name, false)?;
            println!("catalogue {name:?} shown");
        }
        CataloguesAction::Delete { name } => {
            let r = e.delete_catalogue(&name)?;
            println!(
                "catalogue {name:?} deleted: {} items removed, {} kept for the {} judgements that name them",
                r.removed_items, r.kept_items, r.judgements_kept
            );
        }
    }
    let cats = e.store().catalogues()?;
    if cats.is_empty() {
        println!("no catalogues yet: import a feed with `outfit-studio import FEED`");
    }
    for c in cats {
        println!(
            "{:<24} {:<8} {:>6} items {:>5} judgements  {:<4}  {}  {}",
            c.name,
            c.status(),
            c.items,
            c.judgements,
            c.kind.as_str(),
            c.updated_at,
            c.source
        );
    }
    Ok(())
}

/// Imports one feed and prints its summary; returns how many items it imported.
fn import_one(e: &mut Engine, f: &Path, req: &outfit_engine::ImportRequest, all_errors: bool) -> Result<usize> {
    let s = e.import_with(f, req)?;
    println!(
        "{}: {} format{}, {} items imported ({} new, {} updated, {} unchanged) into catalogue {:?}; {} kept out of outfits, {} rows rejected, {} warnings, {:.0} items/s",
        s.feed,
        s.format,
        s.profile.as_ref().map(|p| format!(" (profile {p})")).unwrap_or_default(),
        s.rows_ok,
        s.inserted,
        s.updated,
        s.unchanged,
        s.catalogue,
        s.excluded,
        s.errors.len(),
        s.warnings.len(),
        s.rows_ok as f64 / s.seconds.max(1e-9)
    );
    let limit = if all_errors { usize::MAX } else { 20 };
    for err in s.errors.iter().take(limit) {
        println!("  rejected {err}");
    }
    for w in s.warnings.iter().take(limit) {
        println!("  warning  {w}");
    }
    let hidden = s.errors.len().saturating_sub(limit) + s.warnings.len().saturating_sub(limit);
    if hidden > 0 {
        println!("  … more not shown ({hidden}); use --all-errors");
    }
    Ok(s.rows_ok)
}

fn index(e: &mut Engine, batch: usize) -> Result<()> {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} items  {per_sec}  eta {eta}").expect("template"));
    let stats = e.index_catalogue(
        batch,
        &mut |p| {
            bar.set_length(p.total as u64);
            bar.set_position(p.done as u64);
        },
        &|| false,
    )?;
    bar.finish_and_clear();
    println!(
        "indexed {} items in {:.1}s ({:.1} items/s); {} already up to date; {} text-only",
        stats.encoded,
        stats.seconds,
        stats.encoded as f64 / stats.seconds.max(1e-9),
        stats.already_fresh,
        stats.text_only
    );
    if stats.images_reused > 0 {
        println!("  {} photos' features kept from an earlier text template: only their text was encoded", stats.images_reused);
    }
    for (sku, err) in stats.image_errors.iter().take(20) {
        println!("  image of {sku} unusable, text only: {err}");
    }
    if let Some(m) = e.active_model() {
        println!("active head: {} ({})", m.name, m.trained_on);
    }
    Ok(())
}

fn export(e: &mut Engine, what: ExportWhat) -> Result<()> {
    if let ExportWhat::Polyvore { out, seed } = &what {
        return Ok(outfit_export::polyvore::run_cli(e.store_mut(), out, *seed)?);
    }
    let mut sink: (Box<dyn std::io::Write>, String) = |out: &Option<PathBuf>| -> Result<(Box<dyn std::io::Write>, String)> {
        Ok(match out {
            Some(p) => (
                Box::new(std::io::BufWriter::new(std::fs::File::create(p).with_context(|| format!("cannot write {}", p.display()))?)),
                p.display().to_string(),
            ),
            None => (Box::new(std::io::stdout().lock()), "-".into()),
        })
    }(match &what {
        ExportWhat::Outfits { out, .. } | ExportWhat::Labels { out, .. } => out,
        ExportWhat::Polyvore { .. } => unreachable!("handled above"),
    })?;
    let n = match what {
        ExportWhat::Outfits { format, include_out_of_stock, shop, .. } => {
            let opts = shop.options(e, include_out_of_stock)?;
            outfit_export::write_outfits_format(e.store_mut(), &format, &mut sink.0, &sink.1, &opts)?
        }
        ExportWhat::Polyvore { .. } => unreachable!("handled above"),
        ExportWhat::Labels { include_undone, .. } => {
            outfit_export::write_labels_jsonl(e.store_mut(), &mut sink.0, &sink.1, include_undone)?
        }
    };
    sink.0.flush()?;
    if sink.1 != "-" {
        println!("exported {n} records to {}", sink.1);
    }
    Ok(())
}
