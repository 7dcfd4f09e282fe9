//! Background jobs on a worker thread with its own [`Engine`]: SQLite connections and ort sessions belong to one
//! thread. A job is a [`Promise`] of its [`JobOutput`] (a summary line plus whatever the screen needs: a review
//! queue, a report, an agreement table) with two additions: progress (and a training run's loss points) over a
//! channel the UI drains each frame, and a cancel flag the job checks between batches.

use crate::problem::{Context, Result};
use crate::work::{Promise, Waker};
use outfit_engine::Engine;
use outfit_labels::{Agreement, Disagreement, MergeReport, ReviewQueue};
use outfit_model::report::{EvalConfig, TransferReport, transfer_report};
use outfit_model::train::TrainConfig;
use outfit_score::ScorerChoice;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, channel};

/// What the Train panel asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainRequest {
    /// Version to start from (`None`: the active one).
    pub parent: Option<i64>,
    pub epochs: usize,
    pub lr: f64,
    pub freeze_lower: bool,
    pub from_scratch: bool,
}

impl Default for TrainRequest {
    fn default() -> Self {
        let d = TrainConfig::fine_tuning();
        TrainRequest { parent: None, epochs: d.epochs, lr: d.lr, freeze_lower: false, from_scratch: false }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum JobKind {
    /// Import these feeds (none: only index), then encode what is new.
    ImportAndIndex(Vec<PathBuf>),
    /// Install the embedded demo catalogue (600 photos written on first use), then import and index it.
    ImportDemo,
    /// Import one feed with a mapping into a catalogue (the import dialog), then encode what is new; `save_as`
    /// first stores the mapping as a named profile.
    ImportFeed { path: PathBuf, request: outfit_engine::ImportRequest, save_as: Option<String> },
    /// Load a stylist's review queue, proposing `size` outfits when nothing is pending.
    BuildQueue { stylist: String, size: usize },
    /// Fine-tune (or train from scratch) on the stored judgements; stores a new, inactive version.
    Train(TrainRequest),
    /// Switch the active model version (or roll back) and re-embed the catalogue.
    Activate(i64),
    /// Transfer report (zero-shot vs fine-tuned vs scratch, learning curve) on the stored judgements.
    Evaluate { parent: Option<i64> },
    /// Pairwise stylist agreement.
    Agreement,
    /// Merge another stylist's database or JSONL label export, then recompute agreement.
    ImportLabels(PathBuf),
    /// Approved outfits in a webshop format (json, jsonld, bundle).
    ExportOutfits { format: String, path: PathBuf },
    /// The children's labels in the Polyvore Outfits layout.
    ExportPolyvore(PathBuf),
    /// Work out a "complete the look" publish and what it changes, writing nothing.
    PlanPublish { format: String, path: PathBuf },
    /// Write that publish (all products, or only the changes) and record it.
    Publish { format: String, path: PathBuf, changed_only: bool },
    /// Join this database to a team store (the password from ~/.pgpass or PGPASSFILE).
    JoinTeam { url: String, upload_history: bool },
    /// The lead: add outfits the active head is least sure of to the team's review queue.
    FillTeamQueue { count: usize },
    /// The lead: how many stylists see each outfit of the team queue, and how long a lease lasts.
    SetTeamRouting { overlap: u32, lease_seconds: u32 },
    /// The team's head versions and catalogues, read from the team store.
    TeamShared,
    /// Install a head version of the team here (by id) and activate it.
    ActivateTeamHead(String),
    /// Generate looks for these heroes (item ids) into the stylist's review queue; a cancel queues nothing.
    GenerateLooks { stylist: String, heroes: Vec<i64>, params: outfit_looks::LookParams },
}

impl JobKind {
    /// Whether the UI engine must reload the catalogue, head and embeddings afterwards.
    pub fn reloads_engine(&self) -> bool {
        matches!(
            self,
            JobKind::ImportAndIndex(_)
                | JobKind::ImportDemo
                | JobKind::ImportFeed { .. }
                | JobKind::Activate(_)
                | JobKind::ActivateTeamHead(_)
        )
    }
    pub fn label(&self) -> &'static str {
        match self {
            JobKind::ImportAndIndex(feeds) if feeds.is_empty() => "Index",
            JobKind::ImportAndIndex(_) | JobKind::ImportDemo | JobKind::ImportFeed { .. } => "Import and index",
            JobKind::BuildQueue { .. } => "Build review queue",
            JobKind::Train(_) => "Training",
            JobKind::Activate(_) => "Switch model",
            JobKind::Evaluate { .. } => "Evaluation",
            JobKind::Agreement => "Agreement",
            JobKind::ImportLabels(_) => "Import labels",
            JobKind::ExportOutfits { .. } => "Export",
            JobKind::ExportPolyvore(_) => "Research export",
            JobKind::PlanPublish { .. } => "Publish preview",
            JobKind::Publish { .. } => "Publish",
            JobKind::JoinTeam { .. } => "Join team",
            JobKind::FillTeamQueue { .. } => "Fill the team queue",
            JobKind::SetTeamRouting { .. } => "Set the team's routing",
            JobKind::TeamShared => "Team heads and catalogues",
            JobKind::ActivateTeamHead(_) => "Activate a team head",
            JobKind::GenerateLooks { .. } => "Generate looks",
        }
    }
}

/// What a finished job hands back besides its summary line.
pub enum Payload {
    None,
    Queue(ReviewQueue),
    /// A new model version was stored.
    Trained(i64),
    Report(Box<TransferReport>),
    /// Pairwise agreement and the open disagreements, over the same judgements.
    Agreement(Vec<Agreement>, Vec<Disagreement>),
    Merged(MergeReport, Vec<Agreement>, Vec<Disagreement>),
    /// A generated batch's per-hero results.
    Looks(Box<LooksResult>),
    /// Joined a team store as this role.
    Joined(String),
    /// What a publish would change, for the stylist to confirm.
    PublishPlan(Box<crate::publish::PublishPreview>),
    /// The team's head versions and catalogues.
    TeamShared(Box<crate::team_shared::TeamShared>),
}

pub struct JobOutput {
    pub summary: String,
    pub payload: Payload,
}

impl JobOutput {
    fn text(summary: String) -> JobOutput {
        JobOutput { summary, payload: Payload::None }
    }
}

pub enum JobMsg {
    Progress {
        stage: String,
        done: usize,
        total: usize,
    },
    /// A training loss point: x in epochs (fractional), y the running loss.
    Loss(f64, f64),
}

/// The latest progress of a running job, for a progress bar.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobProgress {
    pub stage: String,
    pub done: usize,
    pub total: usize,
}

impl JobProgress {
    /// 0..1, or `None` when the total is unknown yet.
    pub fn fraction(&self) -> Option<f32> {
        (self.total > 0).then(|| self.done as f32 / self.total as f32)
    }
}

pub struct Job {
    pub kind: JobKind,
    pub progress: JobProgress,
    /// Loss points received so far (training jobs).
    pub losses: Vec<[f64; 2]>,
    /// Progress and loss points, in the order the job sent them.
    updates: Receiver<JobMsg>,
    /// The outcome: a promise like every other piece of background work; lost when the job's thread panicked.
    result: Promise<Result<JobOutput, String>>,
    cancel: Arc<AtomicBool>,
}

impl Job {
    /// Starts a job; `wake` is called after every message (the UI passes `ctx.request_repaint`).
    /// Runs `kind` on its own thread and engine, ranking with the stylist's `scorer` choice (the settings reach
    /// background work too, not only the live board).
    pub fn spawn(db: PathBuf, models: PathBuf, kind: JobKind, scorer: ScorerChoice, wake: Waker) -> Job {
        let (tx, updates) = channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let (k, c, w) = (kind.clone(), cancel.clone(), wake.clone());
        let result = Promise::spawn("outfit-studio-job", wake, move || {
            let send = |m: JobMsg| {
                let _ = tx.send(m);
                w();
            };
            run(&db, &models, &k, scorer, &send, &c).map_err(|e| format!("{e:#}"))
        });
        Job { kind, progress: JobProgress { stage: "Starting…".into(), done: 0, total: 0 }, losses: Vec::new(), updates, result, cancel }
    }

    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// Takes in the messages sent so far; returns the outcome once the job has finished.
    pub fn poll(&mut self) -> Option<Result<JobOutput, String>> {
        // The outcome first: every message was sent before it, so draining after it misses none.
        let outcome = self.result.poll();
        while let Ok(m) = self.updates.try_recv() {
            self.absorb(m);
        }
        outcome.map(|r| r.unwrap_or_else(|_lost| Err("the background job crashed; the database is unchanged since its last batch".into())))
    }

    /// Blocks until the job ends (tests and the CLI), on the promise itself: no polling.
    pub fn wait(&mut self) -> Result<JobOutput, String> {
        self.result.block();
        self.poll().expect("the outcome is there once blocked")
    }

    /// Takes one message in.
    fn absorb(&mut self, m: JobMsg) {
        match m {
            JobMsg::Progress { stage, done, total } => self.progress = JobProgress { stage, done, total },
            JobMsg::Loss(x, y) => self.losses.push([x, y]),
        }
    }
}

fn progress(send: &dyn Fn(JobMsg), stage: &str) {
    send(JobMsg::Progress { stage: stage.into(), done: 0, total: 0 });
}

fn run(
    db: &std::path::Path,
    models: &std::path::Path,
    kind: &JobKind,
    scorer: ScorerChoice,
    send: &dyn Fn(JobMsg),
    cancel: &AtomicBool,
) -> Result<JobOutput> {
    progress(send, "Opening the catalogue…");
    let mut e = Engine::open(db, models)?;
    e.set_scorer(outfit_score::scorer_for(scorer));
    match kind {
        JobKind::ImportAndIndex(feeds) => {
            let feeds: Vec<_> = feeds.iter().map(|f| (f.clone(), outfit_engine::ImportRequest::default())).collect();
            import_and_index(&mut e, &feeds, send, cancel).map(JobOutput::text)
        }
        JobKind::ImportDemo => {
            progress(send, "Installing the demo catalogue…");
            let feed = outfit_demo::feed()?;
            import_and_index(&mut e, &[(feed, outfit_engine::ImportRequest::default())], send, cancel).map(JobOutput::text)
        }
        JobKind::ImportFeed { path, request, save_as } => {
            if let Some(name) = save_as {
                progress(send, "Saving the mapping as a profile…");
                let parsed = outfit_catalogue::import_feed_with(path, &request.options)?;
                e.store().save_profile(name, &parsed.mapping)?;
            }
            import_and_index(&mut e, &[(path.clone(), request.clone())], send, cancel).map(JobOutput::text)
        }
        JobKind::BuildQueue { stylist, size } => {
            progress(send, "Proposing outfits for the review queue…");
            let q = ReviewQueue::load_or_build(&mut e, stylist, *size, queue_seed(stylist))?;
            let c = q.counts();
            Ok(JobOutput {
                summary: format!("Review queue for {stylist}: {} to review, {} decided", c.pending, c.done + c.skipped),
                payload: Payload::Queue(q),
            })
        }
        JobKind::Train(req) => train(&mut e, req, send, cancel),
        JobKind::GenerateLooks { stylist, heroes, params } => generate_looks(&mut e, stylist, heroes, params, send, cancel),
        JobKind::Activate(id) => {
            progress(send, "Switching the model and re-embedding the catalogue…");
            e.activate_model(*id)?;
            let name = e.active_model().map(|m| m.name.clone()).unwrap_or_default();
            Ok(JobOutput::text(format!("Active model is now {name} (version {id})")))
        }
        JobKind::Evaluate { parent } => evaluate(&e, *parent, send, cancel),
        JobKind::Agreement => {
            progress(send, "Computing stylist agreement…");
            let js = e.store().judgements()?;
            let (rows, open) = (outfit_labels::pairwise(&js), outfit_labels::disagreements::open(&js));
            let summary = format!("Agreement over {} stylist pairs, {} disagreements to settle", rows.len(), open.len());
            Ok(JobOutput { summary, payload: Payload::Agreement(rows, open) })
        }
        JobKind::ImportLabels(path) => {
            progress(send, "Merging labels…");
            let r = outfit_labels::import_file(e.store_mut(), path)?;
            let summary = format!(
                "Imported {} judgements from {} ({} read, {} duplicates, {} unknown SKUs, {} invalid rows; stylists: {})",
                r.imported,
                path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
                r.read,
                r.duplicates,
                r.unknown_skus.len(),
                r.invalid.len(),
                r.stylists.join(", ")
            );
            let js = e.store().judgements()?;
            Ok(JobOutput { summary, payload: Payload::Merged(r, outfit_labels::pairwise(&js), outfit_labels::disagreements::open(&js)) })
        }
        JobKind::ExportOutfits { format, path } => {
            progress(send, "Exporting approved looks…");
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            }
            let f = std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
            let mut w = std::io::BufWriter::new(f);
            let opts = outfit_export::ExportOptions::default();
            let n = outfit_export::write_outfits_format(e.store_mut(), format, &mut w, &path.display().to_string(), &opts)?;
            std::io::Write::flush(&mut w)?;
            Ok(JobOutput::text(format!("Exported {n} approved looks ({}) to {}", format_label(format), path.display())))
        }
        JobKind::PlanPublish { format, path } => {
            progress(send, "Working out what changed since the last publish…");
            let p = crate::publish::plan(&e, format, path)?;
            Ok(JobOutput { summary: p.summary.clone(), payload: Payload::PublishPlan(Box::new(p)) })
        }
        JobKind::Publish { format, path, changed_only } => {
            progress(send, "Publishing complete the look…");
            crate::publish::write(&mut e, format, path, *changed_only).map(JobOutput::text)
        }
        JobKind::JoinTeam { url, upload_history } => {
            progress(send, "Joining the team store…");
            let j = outfit_team::join(e.store_mut(), url, false, *upload_history)?;
            let summary = format!(
                "Joined the team store {} as stylist {}: pushed {}, received {} (earlier judgements queued: {})",
                j.url, j.role, j.pushed, j.pulled, j.history
            );
            Ok(JobOutput { summary, payload: Payload::Joined(j.role) })
        }
        JobKind::FillTeamQueue { count } => {
            progress(send, "Proposing outfits for the team's review queue…");
            let (config, mut client) = outfit_team::membership::connect_joined(e.store())?;
            let (head, outfits) = outfit_labels::queue::team_proposals(&e, *count, queue_seed(&config.stylist))?;
            let added = outfit_team::routing::enqueue(&mut client, &outfits)
                .map_err(|err| crate::problem::Problem::of(err).context("only a lead fills the team queue (`team init … --lead NAME`)"))?;
            Ok(JobOutput::text(format!("{added} of {} outfits proposed by head {head} added to the team's review queue", outfits.len())))
        }
        JobKind::SetTeamRouting { overlap, lease_seconds } => {
            progress(send, "Setting the team queue's routing…");
            let (_, mut client) = outfit_team::membership::connect_joined(e.store())?;
            let (n, secs) = (i32::try_from(*overlap)?, i32::try_from(*lease_seconds)?);
            outfit_team::routing::set_routing(&mut client, n, secs)
                .map_err(|err| crate::problem::Problem::of(err).context("only a lead sets the routing (`team init … --lead NAME`)"))?;
            Ok(JobOutput::text(format!(
                "Each outfit of the team queue goes to at most {overlap} stylist{}; a lease lasts {} min",
                if *overlap == 1 { "" } else { "s" },
                lease_seconds.div_ceil(60)
            )))
        }
        JobKind::TeamShared => {
            progress(send, "Reading the team's heads and catalogues…");
            let t = crate::team_shared::read_shared(&e)?;
            let summary = format!("The team has {} head versions and {} catalogues", t.heads.len(), t.catalogues.len());
            Ok(JobOutput { summary, payload: Payload::TeamShared(Box::new(t)) })
        }
        JobKind::ActivateTeamHead(id) => {
            progress(send, "Installing the team's head and re-embedding the catalogue…");
            crate::team_shared::activate_team_head(&mut e, id).map(JobOutput::text)
        }
        JobKind::ExportPolyvore(dir) => {
            progress(send, "Writing the Polyvore-layout research export…");
            let r = outfit_export::write_polyvore(e.store_mut(), dir, 7)?;
            let splits: Vec<String> = r.splits.keys().cloned().collect();
            Ok(JobOutput::text(format!(
                "Research export: {} items, splits {} in {} ({} images linked, {} copied, {} missing)",
                r.items,
                splits.join("/"),
                r.dir,
                r.images_linked,
                r.images_copied + r.images_converted,
                r.images_missing.len()
            )))
        }
    }
}

/// A stable per-stylist seed, so a rebuilt queue proposes the same outfits.
fn queue_seed(stylist: &str) -> u64 {
    stylist.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3))
}

pub fn format_label(format: &str) -> &'static str {
    match format {
        "json" => "JSON",
        "jsonld" => "JSON-LD",
        "bundle" => "Shopify bundle CSV",
        _ => "export",
    }
}

fn import_and_index(
    e: &mut Engine,
    feeds: &[(PathBuf, outfit_engine::ImportRequest)],
    send: &dyn Fn(JobMsg),
    cancel: &AtomicBool,
) -> Result<String> {
    let mut summary = Vec::new();
    // Stage times go to the log (`OUTFIT_STUDIO_LOG=info`): a first launch's breakdown (README, "Measured").
    let t = std::time::Instant::now();
    for (n, (f, req)) in feeds.iter().enumerate() {
        let name = f.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        send(JobMsg::Progress { stage: format!("Importing {name}…"), done: n, total: feeds.len() });
        let s = e.import_with(f, req)?;
        summary.push(format!(
            "{name}: {} items into “{}” ({} new, {} updated; {} kept out of outfits), {} rows rejected",
            s.rows_ok,
            s.catalogue,
            s.inserted,
            s.updated,
            s.excluded,
            s.errors.len()
        ));
        if let Some(first) = s.errors.first() {
            summary.push(format!("first rejected row: {first}"));
        }
    }
    tracing::info!("imported in {:.2} s", t.elapsed().as_secs_f64());
    // The demo's items come with their features (matched by SKU, text and photo bytes): a first launch shows a
    // usable demo without encoding it. Other feeds skip the lookup, which reads every item needing features.
    if feeds.iter().any(|(f, _)| outfit_demo::is_installed_feed(f)) {
        let t = std::time::Instant::now();
        let seeded = e.seed_features(outfit_demo::FEATURES)?;
        tracing::info!("stored precomputed features for {seeded} demo items in {:.2} s", t.elapsed().as_secs_f64());
    }
    let t = std::time::Instant::now();
    send(JobMsg::Progress { stage: "Indexing (encoding images and text)…".into(), done: 0, total: 0 });
    let stats = e.index_catalogue(
        32,
        &mut |p| send(JobMsg::Progress { stage: "Indexing (encoding images and text)…".into(), done: p.done, total: p.total }),
        &|| cancel.load(Ordering::Relaxed),
    )?;
    tracing::info!("indexed {} items in {:.2} s (encoding {:.2} s)", stats.encoded, t.elapsed().as_secs_f64(), stats.seconds);
    summary.push(format!("indexed {} items ({} already up to date)", stats.encoded, stats.already_fresh));
    Ok(summary.join("; "))
}

/// Generates looks with progress; the batch enters the queue in one transaction, only when not cancelled.
fn generate_looks(
    e: &mut Engine,
    stylist: &str,
    heroes: &[i64],
    params: &outfit_looks::LookParams,
    send: &dyn Fn(JobMsg),
    cancel: &AtomicBool,
) -> Result<JobOutput> {
    let stage = format!("Generating looks for {} items…", heroes.len());
    send(JobMsg::Progress { stage: stage.clone(), done: 0, total: heroes.len() });
    let report = &mut |done, total| send(JobMsg::Progress { stage: stage.clone(), done, total });
    let batch = outfit_looks::generate_for(e, heroes, params, report, &|| cancel.load(Ordering::Relaxed))?;
    if batch.cancelled || cancel.load(Ordering::Relaxed) {
        crate::problem::refuse!("look generation cancelled; nothing was queued");
    }
    let n = outfit_looks::enqueue(e, stylist, &batch, params)?;
    let summary = batch.summary();
    let ranked_on = e.scorer().backend().kind;
    let text = format!("Generate looks: {}; {n} queued for {stylist} to review (ranked on the {ranked_on})", summary.headline());
    let result = LooksResult { summary, short: batch.short, queued: n, batch: batch.id, ranked_on };
    Ok(JobOutput { summary: text, payload: Payload::Looks(Box::new(result)) })
}

/// What a Generate looks job shows when it ends: the totals, every hero left short with its reason, and how
/// many looks went to the queue (so a batch that made nothing still says why).
#[derive(Debug, Clone, PartialEq)]
pub struct LooksResult {
    pub summary: outfit_looks::BatchSummary,
    pub short: Vec<outfit_looks::ShortHero>,
    pub queued: usize,
    /// The batch's id in the review queue.
    pub batch: String,
    /// The backend that ranked the candidates ("CPU" or "GPU"), per the settings' scorer choice.
    pub ranked_on: &'static str,
}

fn train(e: &mut Engine, req: &TrainRequest, send: &dyn Fn(JobMsg), cancel: &AtomicBool) -> Result<JobOutput> {
    progress(send, "Preparing the training data…");
    let cfg = TrainConfig {
        epochs: req.epochs.max(1),
        lr: req.lr,
        freeze_lower: req.freeze_lower && !req.from_scratch,
        ..TrainConfig::fine_tuning()
    };
    let job = e.prepare_fine_tune(req.parent, req.from_scratch, &cfg)?;
    // The same split training makes: refuse rather than store a version nothing was held out to check.
    let (fit, held) = outfit_model::metrics::split_by_outfit(&job.data, cfg.validation_fraction, cfg.seed);
    let has_both = |v: &[outfit_model::data::LabelledOutfit]| v.iter().any(|o| o.positive) && v.iter().any(|o| !o.positive);
    if held.len() < super::MIN_HELD_OUT || !has_both(&held) || !fit.iter().any(|o| o.positive) {
        crate::problem::refuse!(
            "not trained: only {} of {} outfits would be held out to validate the new version ({} needed, with both an accept and a reject among them); judge more different outfits first",
            held.len(),
            job.data.len(),
            super::MIN_HELD_OUT
        );
    }
    let what = if req.from_scratch { "Training from scratch" } else { "Fine-tuning" };
    let stage = format!("{what} from {} on {} outfits…", job.parent_name, job.data.len());
    let trained = job.run(
        &mut |p| {
            let spe = p.steps_per_epoch.max(1);
            let x = p.epoch as f64 + p.step as f64 / spe as f64;
            send(JobMsg::Loss(x, p.loss as f64));
            send(JobMsg::Progress { stage: stage.clone(), done: p.epoch * spe + p.step, total: p.epochs * spe });
        },
        cancel,
    );
    let trained = match trained {
        Ok(t) => t,
        Err(err) if err.is_cancelled() || cancel.load(Ordering::Relaxed) => {
            crate::problem::refuse!("training cancelled; no model version was stored")
        }
        Err(err) => return Err(err.into()),
    };
    progress(send, "Storing the new model version…");
    let id = e.install_trained(&job, &trained, None)?;
    let name = e.store().model_by_id(id)?.map(|m| m.name).unwrap_or_default();
    let loss = trained.history.last().map(|h| format!("{:.4}", h.loss)).unwrap_or_else(|| "–".into());
    Ok(JobOutput {
        summary: format!(
            "Trained {name} from {} in {:.1}s (final loss {loss}); activate it in the model list",
            job.parent_name, trained.seconds
        ),
        payload: Payload::Trained(id),
    })
}

fn evaluate(e: &Engine, parent: Option<i64>, send: &dyn Fn(JobMsg), cancel: &AtomicBool) -> Result<JobOutput> {
    let cfg = EvalConfig::default();
    progress(send, "Evaluating: preparing held-out judgements…");
    let outfit_engine::StoredEvalData { parent_name, parent: head, others, table, data, note } = e.stored_eval_data(parent, &cfg.train)?;
    let others: Vec<(&str, &outfit_model::Head)> = others.iter().map(|(n, h)| (n.as_str(), h)).collect();
    let total = cfg.sizes.len() + 2;
    let mut step = 0usize;
    let mut log = |s: &str| {
        step += 1;
        send(JobMsg::Progress { stage: format!("Evaluating: {s}"), done: step.min(total), total });
    };
    let report = transfer_report(&head, &parent_name, &others, &note, &table, &data, &cfg, &mut log, cancel)
        .map_err(|err| if err.is_cancelled() { crate::problem::Problem::from("evaluation cancelled") } else { err.into() })?;
    Ok(JobOutput {
        summary: format!("Evaluated {parent_name} on {} held-out outfits", report.test_outfits),
        payload: Payload::Report(Box::new(report)),
    })
}
