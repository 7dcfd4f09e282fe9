//! The engine: one handle over the store, the active head and the embedding index, used by the CLI and the app.
//!
//! Everything a stylist or a script does goes through here, so the CLI and the UI cannot drift apart.
//! `training` (fine-tuning and evaluation on stored judgements) and `datasets` (outfit datasets encoded for
//! pretraining) are the engine's halves of the model layer's work.

pub mod audit;
pub mod bench;
mod calibration;
mod datasets;
mod error;
mod items;
mod looks_io;
mod names;
mod prebuilt;
mod shortfall;
mod training;

pub use error::{EngineError, Result};
pub use shortfall::{SlotShortfall, Widening};
pub use training::StoredEvalData;

pub use items::{ItemTable, RowsById};
pub use names::{garment_word, look_name, look_name_from, unique_name};
use outfit_catalogue::{self as catalogue, ImportOptions, ImportPreview, Item, ParsedFeed, Slot};
use outfit_encode::{self as encode, Encoders, IndexProgress, IndexStats, manifest::Manifest};
use outfit_model::calibrate::CatalogueCalibration;
use outfit_model::history::{PairHistory, blend_weight};
use outfit_model::{BlockWeights, Head, HeadDims};
use outfit_score::{self as score, EmbeddingIndex, Filter, IndexRow, Query, Scorer};
use outfit_store::{
    CatalogueKind, EmbeddingPack, JudgeEffects, Judgement, ModelRow, NewJudgement, Store, StoreError, StoredItem, UndoEffects, Verdict,
};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Heads shipped in `models/` (file, version name), each with a JSON sidecar saying what it was trained on. All
/// are installed as versions on first open; the last one present becomes the active head of a new database. The
/// installable package ships only the zero-shot head (the MANGO head is research-only: models/LICENSES.md), which
/// a new database then activates.
pub const SHIPPED_HEADS: [(&str, &str); 2] =
    [("head-zeroshot.safetensors", ZERO_SHOT_NAME), ("head-mango.safetensors", "mango-pretrained-v3")];

/// The untrained head's name: a random projection of whatever the encoders give, so it fits any encoder key.
pub const ZERO_SHOT_NAME: &str = "zero-shot-v1";

/// How far (L2, over the image and text blocks) a catalogue's feature mean may move before every item is
/// re-embedded; sampling noise of a few hundred items stays well below it, a new catalogue's style does not.
const CENTRING_TOLERANCE: f32 = 0.05;

pub struct Engine {
    store: Store,
    models_dir: PathBuf,
    encoders: Option<Encoders>,
    scorer: Box<dyn Scorer>,
    loaded: Snapshot,
}

/// What an [`Engine`] loaded from the store: the catalogue, the active head and the embedding index, shared
/// (not copied) by the engines of one process, each on its own connection. At 300k items one copy is about
/// 300 MB, and the app runs three engines (its own, the writer's, the scoring worker's).
#[derive(Clone)]
pub struct Snapshot {
    manifest: Manifest,
    head: Option<(ModelRow, Head)>,
    /// Why there is no usable head (a corrupt shipped head, an active head built for other encoders). The engine
    /// still opens, so the user can import, judge and switch to another version.
    head_error: Option<String>,
    /// Why the head in use is not the one the stylist had active (it was trained on features of earlier
    /// encoders or text template, and the engine switched to the shipped default); said in the app until changed.
    head_note: Option<String>,
    /// The catalogue, with which items are hidden (out of the grid, suggestions and queue, still scorable) or
    /// kept out of outfits, and their catalogues.
    items: Arc<ItemTable>,
    index: Arc<EmbeddingIndex>,
    /// Item id -> row of `index` (the index itself is ordered by slot).
    rows: Arc<RowsById>,
    /// Embeddings of items that are no outfit candidates (hidden, or underwear/nightwear/cosmetics), kept out of
    /// the ranking index but available to score a board that holds them.
    off_index: Arc<HashMap<i64, Vec<f32>>>,
    /// Pair counts over approved looks, and the active head's weight for them (see `model::history`).
    history: PairHistory,
    history_weight: f32,
    /// How the head's logit reads on each catalogue, by catalogue id (see `engine/calibration.rs`).
    calibrations: Arc<HashMap<i64, CatalogueCalibration>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportSummary {
    pub feed: String,
    pub format: String,
    /// The catalogue the items went into (empty when nothing imported).
    pub catalogue: String,
    pub profile: Option<String>,
    /// Imported items kept out of outfits (underwear, nightwear, cosmetics).
    pub excluded: usize,
    pub rows_ok: usize,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub errors: Vec<catalogue::RowError>,
    pub warnings: Vec<catalogue::RowError>,
    pub seconds: f64,
}

/// How to import a feed: into which catalogue (default: the file's name; the demo feed: "Demo"), with which
/// column mapping.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportRequest {
    pub catalogue: Option<String>,
    pub options: ImportOptions,
}

/// The catalogue a feed goes into: the given name, "Demo" for the generated demo feed, else the file stem.
pub fn catalogue_for(path: &Path, given: Option<&str>) -> (String, CatalogueKind) {
    // The demo as built into the binary (`<data dir>/demo/`) or in a checkout (`assets/demo/`).
    let demo = path.ends_with("demo/catalogue.csv");
    let kind = if demo { CatalogueKind::Demo } else { CatalogueKind::Feed };
    match given.map(str::trim).filter(|g| !g.is_empty()) {
        Some(g) => (g.to_string(), kind),
        None if demo => (outfit_store::DEMO_CATALOGUE.to_string(), kind),
        None => (path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "Imported".into()), kind),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PairScore {
    pub a: String,
    pub b: String,
    /// s(a,b), the raw bilinear pair term.
    pub raw: f32,
    /// σ(a·raw + b): this pair alone, as a probability.
    pub probability: f32,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutfitScore {
    /// Calibrated probability that stylists would put this together (content and history).
    pub probability: f32,
    pub mean_pair: f32,
    /// The history part of the logit (β · mean ln(1 + times approved together)); 0 for items without history.
    pub history: f32,
    pub pairs: Vec<PairScore>,
    pub model: String,
    /// How the head's logit was read on this board's catalogue (label-free, or refitted on judgements).
    pub calibration: CatalogueCalibration,
}

#[derive(Debug, Clone, Serialize)]
pub struct Suggestion {
    pub item_id: i64,
    pub sku: String,
    pub title: String,
    /// Probability of the outfit with this item added.
    pub outfit_probability: f32,
    /// Mean pair term of this item with the board's items (the ranking key).
    pub fit: f32,
}

/// Board-level filters for completions, in catalogue terms (the engine maps them to index rows).
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct CompletionFilter {
    pub age_groups: Vec<catalogue::AgeGroup>,
    /// Seasons to suggest for; all-season items always pass.
    pub seasons: Vec<catalogue::Season>,
    pub in_stock_only: bool,
    pub min_price: Option<f32>,
    pub max_price: Option<f32>,
    pub brands: Vec<String>,
    /// Genders to suggest for (`catalogue::styling::GIRLS` / `BOYS` bits); `None` = any. Unisex items fit both,
    /// items of unknown gender always pass.
    pub gender: Option<u8>,
    /// Occasions to suggest for ([`catalogue::Occasion::bit`]s); `None` = any. Items of unknown occasion pass.
    pub occasions: Option<u8>,
    /// Only this catalogue's items; `None` = every visible catalogue.
    pub catalogue: Option<i64>,
    /// Weight of the diversity term when ordering suggestions, 0..1 (`None`: [`DEFAULT_DIVERSITY`]; 0: by score
    /// alone).
    pub diversity: Option<f32>,
}

/// How much suggestions trade score for variety by default: enough that a navy board is offered contrasting
/// colours beside tonal ones, little enough that the best item is nearly always kept.
pub const DEFAULT_DIVERSITY: f32 = 0.3;

/// One candidate of a suggestion list, as [`diversify`] sees it.
pub struct MmrCandidate<'a> {
    /// The ranking key (the outfit logit's change), higher is better.
    pub relevance: f32,
    /// The item's head embedding (unit length).
    pub vector: &'a [f32],
    /// Its colour family (`catalogue::taxonomy::colour_family`).
    pub colour: usize,
}

/// Maximal marginal relevance (Carbonell & Goldstein 1998): picks `k` of `pool` (given best first) one at a time,
/// each maximising (1 − λ)·relevance − λ·similarity to what is already shown, relevance scaled to 0..1 over the
/// pool. Similarity is half the cosine of the head embeddings (to picks of the same slot) and half "same colour
/// family" (to the picks and to the board's items), so a navy board gets tonal and contrasting options. Returns
/// indices into `pool`.
pub fn diversify(pool: &[MmrCandidate<'_>], board_colours: &[usize], k: usize, lambda: f32) -> Vec<usize> {
    let (lo, hi) = pool.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), c| (lo.min(c.relevance), hi.max(c.relevance)));
    let span = (hi - lo).max(1e-6);
    let mut max_sim: Vec<f32> =
        pool.iter().map(|c| if board_colours.contains(&c.colour) && c.colour != usize::MAX { 0.5 } else { 0.0 }).collect();
    let mut taken = vec![false; pool.len()];
    let mut out = Vec::with_capacity(k.min(pool.len()));
    while out.len() < k.min(pool.len()) {
        let mut best: Option<(usize, f32)> = None;
        for (i, c) in pool.iter().enumerate() {
            if taken[i] {
                continue;
            }
            let v = (1.0 - lambda) * (c.relevance - lo) / span - lambda * max_sim[i];
            if best.is_none_or(|(_, b)| v > b) {
                best = Some((i, v));
            }
        }
        let Some((i, _)) = best else { break };
        taken[i] = true;
        out.push(i);
        let picked = &pool[i];
        for (j, c) in pool.iter().enumerate() {
            if !taken[j] {
                let cos: f32 = c.vector.iter().zip(picked.vector).map(|(x, y)| x * y).sum();
                let same = (c.colour == picked.colour && c.colour != usize::MAX) as u8 as f32;
                max_sim[j] = max_sim[j].max(0.5 * cos.max(0.0) + 0.5 * same);
            }
        }
    }
    out
}

/// Which of the board's own facts suggestions keep to. Each is a default the stylist can widen (a chip in the
/// app, `--any-…` in the CLI); an explicit filter of the same kind replaces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Follow {
    pub age: bool,
    pub season: bool,
    pub gender: bool,
    pub occasion: bool,
    /// The catalogue the stylist chose (the app's focus); "All visible" has none, so nothing changes.
    pub catalogue: bool,
}

impl Default for Follow {
    fn default() -> Self {
        Follow { age: true, season: true, gender: true, occasion: true, catalogue: true }
    }
}

impl Follow {
    /// Nothing followed: every age band, season, gender, occasion and catalogue.
    pub const NONE: Follow = Follow { age: false, season: false, gender: false, occasion: false, catalogue: false };
}

impl Engine {
    /// Opens (creating if needed) a database and makes sure a head is active.
    pub fn open(db: &Path, models_dir: &Path) -> Result<Engine> {
        let mut e = Engine::unloaded(Store::open(db)?, models_dir, Manifest::load(models_dir)?);
        e.reload()?;
        Ok(e)
    }

    /// An engine that has loaded nothing yet.
    fn unloaded(store: Store, models_dir: &Path, manifest: Manifest) -> Engine {
        Engine {
            store,
            models_dir: models_dir.to_path_buf(),
            encoders: None,
            scorer: score::select_scorer(),
            loaded: Snapshot {
                manifest,
                head: None,
                head_error: None,
                head_note: None,
                items: Arc::default(),
                index: Arc::new(EmbeddingIndex::build(0, Vec::new())),
                rows: Arc::default(),
                off_index: Arc::default(),
                history: PairHistory::default(),
                history_weight: 0.0,
                calibrations: Arc::default(),
            },
        }
    }

    /// What this engine has loaded (catalogue, head, index), to start another engine of this process from.
    pub fn snapshot(&self) -> Snapshot {
        self.loaded.clone()
    }

    /// An engine on a connection of its own to `db`, starting from another engine's [`Snapshot`] instead of
    /// reading the catalogue again.
    pub fn open_from(db: &Path, models_dir: &Path, snapshot: Snapshot) -> Result<Engine> {
        let mut e = Engine::unloaded(Store::open(db)?, models_dir, snapshot.manifest.clone());
        e.adopt(snapshot);
        Ok(e)
    }

    /// Takes over another engine's [`Snapshot`] (one that reloaded after a change), as if this one had reloaded.
    pub fn adopt(&mut self, s: Snapshot) {
        self.loaded = s;
    }

    /// Re-reads items, the active head and embeddings from the store (after another process changed them).
    pub fn reload(&mut self) -> Result<()> {
        let t = std::time::Instant::now();
        self.load_items()?;
        let items = t.elapsed();
        self.ensure_head_or_note()?;
        let head = t.elapsed();
        self.load_history()?;
        let history = t.elapsed();
        self.refresh_embeddings()?;
        tracing::debug!(?items, ?head, ?history, total = ?t.elapsed(), n = self.loaded.items.len(), "reloaded (cumulative times)");
        Ok(())
    }

    /// Pair counts from the approved (and exported) looks, and the active head's weight for them.
    fn load_history(&mut self) -> Result<(), StoreError> {
        use outfit_store::OutfitStatus;
        let looks = self.store.outfits(&[OutfitStatus::Approved, OutfitStatus::Exported])?;
        let ids: Vec<Vec<i64>> = looks.iter().map(|o| o.items.iter().map(|(_, id)| *id).collect()).collect();
        self.loaded.history = PairHistory::from_looks(ids.iter().map(Vec::as_slice));
        self.loaded.history_weight = self.loaded.head.as_ref().map(|(m, _)| blend_weight(&m.params_json)).unwrap_or(0.0);
        Ok(())
    }

    /// Mean history term ln(1 + count) over the pairs of `ids`, times the head's weight.
    fn history_logit(&self, ids: &[i64]) -> f32 {
        if self.loaded.history_weight == 0.0 { 0.0 } else { self.loaded.history_weight * self.loaded.history.mean_term(ids) }
    }

    /// [`Engine::ensure_head`], keeping a head problem as a note instead of failing: storage errors still fail.
    fn ensure_head_or_note(&mut self) -> Result<()> {
        match self.ensure_head() {
            Ok(()) => self.loaded.head_error = None,
            Err(e @ EngineError::Store(_)) => return Err(e),
            Err(e) => {
                tracing::warn!("no usable compatibility head: {e:#}");
                self.loaded.head = None;
                self.loaded.head_error = Some(format!("{e:#}"));
            }
        }
        Ok(())
    }

    /// The store, for reading (exports, reports, listings). The engine's own writes (import, judge, undo, models,
    /// catalogues) are its methods, each one transaction.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The store for the tables the layers above own: the review queue, the export log, merged labels, saved
    /// import profiles and look names. Catalogue, embedding, judgement and model writes stay engine methods.
    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// Renames an approved look, keeping its items.
    pub fn rename_look(&mut self, id: i64, name: &str) -> Result<()> {
        let o = self.store.outfit(id)?.ok_or_else(|| EngineError::NotFound(format!("no outfit {id}")))?;
        Ok(self.store.update_outfit(id, name, &o.items)?)
    }

    /// The folder with the encoders and the shipped heads.
    pub fn models_dir(&self) -> &Path {
        &self.models_dir
    }

    /// Why no head is usable, when none is.
    pub fn head_error(&self) -> Option<&str> {
        self.loaded.head_error.as_deref()
    }

    fn load_items(&mut self) -> Result<()> {
        self.loaded.items =
            Arc::new(ItemTable::new(self.store.all_items_to_hold()?, &self.store.hidden_item_ids()?, self.store.item_catalogues()?));
        Ok(())
    }

    /// Whether an item belongs in the catalogue grid (its catalogue is not hidden or deleted).
    pub fn in_grid(&self, item_id: i64) -> bool {
        self.loaded.items.visible(item_id)
    }

    /// Whether an item may be suggested or proposed: visible, and not underwear, nightwear or cosmetics.
    pub fn outfit_candidate(&self, item_id: i64) -> bool {
        self.loaded.items.outfit_candidate(item_id)
    }

    /// The catalogue an item was imported into.
    pub fn catalogue_of(&self, item_id: i64) -> Option<i64> {
        self.loaded.items.catalogue_of(item_id)
    }

    /// Hides or shows a catalogue and re-reads what the grid and suggestions may use.
    pub fn set_catalogue_hidden(&mut self, name: &str, hidden: bool) -> Result<()> {
        self.store.set_catalogue_hidden(name, hidden)?;
        // What the stylist works with changed: its feature mean is measured again (see `refresh_embeddings`).
        self.store.forget_head_centring()?;
        self.load_items()?;
        self.refresh_embeddings()
    }

    /// Deletes a catalogue (see [`Store::delete_catalogue`]).
    pub fn delete_catalogue(&mut self, name: &str) -> Result<outfit_store::DeleteReport> {
        let r = self.store.delete_catalogue(name)?;
        self.store.forget_head_centring()?;
        self.load_items()?;
        self.refresh_embeddings()?;
        Ok(r)
    }

    pub fn encoder_key(&self) -> String {
        self.loaded.manifest.encoder_key()
    }
    pub fn manifest(&self) -> &Manifest {
        &self.loaded.manifest
    }

    pub fn set_scorer(&mut self, scorer: Box<dyn Scorer>) {
        self.scorer = scorer;
    }
    /// Hands the scorer over (the app ranks on a worker thread), leaving the plain CPU one here.
    pub fn take_scorer(&mut self) -> Box<dyn Scorer> {
        std::mem::replace(&mut self.scorer, score::default_scorer())
    }
    pub fn scorer(&self) -> &dyn Scorer {
        self.scorer.as_ref()
    }
    pub fn index(&self) -> &Arc<EmbeddingIndex> {
        &self.loaded.index
    }
    pub fn items(&self) -> &ItemTable {
        &self.loaded.items
    }
    pub fn item(&self, id: i64) -> Option<&StoredItem> {
        self.loaded.items.get(&id)
    }
    pub fn item_by_sku(&self, sku: &str) -> Option<&StoredItem> {
        self.loaded.items.by_sku(sku)
    }
    pub fn active_model(&self) -> Option<&ModelRow> {
        self.loaded.head.as_ref().map(|(m, _)| m)
    }
    pub fn head(&self) -> Option<&Head> {
        self.loaded.head.as_ref().map(|(_, h)| h)
    }

    /// Imports a feed file into the catalogue named after the file (the demo feed into "Demo").
    pub fn import(&mut self, path: &Path) -> Result<ImportSummary> {
        self.import_with(path, &ImportRequest::default())
    }

    /// Imports a feed file: parse with the request's profile and overrides, upsert by SKU, and put the items in
    /// their catalogue.
    pub fn import_with(&mut self, path: &Path, req: &ImportRequest) -> Result<ImportSummary> {
        let t = std::time::Instant::now();
        let parsed: ParsedFeed = catalogue::import_feed_with(path, &req.options)?;
        if let Some(e) = parsed.errors.iter().find(|e| e.field == "mapping") {
            return Err(EngineError::Invalid(format!("{}: {}", path.display(), e.message)));
        }
        let source = path.display().to_string();
        let (name, kind) = catalogue_for(path, req.catalogue.as_deref());
        let mut catalogue_name = String::new();
        let stats = self.store.upsert_items(&parsed.items, &source)?;
        if !parsed.items.is_empty() {
            let id = self.store.ensure_catalogue(&name, &source, kind)?;
            let skus: Vec<String> = parsed.items.iter().map(|i| i.sku.clone()).collect();
            self.store.assign_catalogue(id, &skus)?;
            catalogue_name = name;
        }
        self.load_items()?;
        Ok(ImportSummary {
            feed: source,
            format: parsed.format.map(|f| format!("{f:?}")).unwrap_or_default(),
            catalogue: catalogue_name,
            profile: parsed.profile.clone(),
            rows_ok: parsed.items.len(),
            excluded: parsed.items.iter().filter(|i| i.outfit_exclusion().is_some()).count(),
            inserted: stats.inserted,
            updated: stats.updated,
            unchanged: stats.unchanged,
            errors: parsed.errors,
            warnings: parsed.warnings,
            seconds: t.elapsed().as_secs_f64(),
        })
    }

    /// What importing a feed would do, writing nothing.
    pub fn preview_import(&self, path: &Path, options: &ImportOptions) -> Result<ImportPreview> {
        Ok(catalogue::preview::preview_file(path, options)?)
    }

    /// Encodes items whose features are missing or stale, then embeds them with the active head.
    pub fn index_catalogue(
        &mut self,
        batch: usize,
        progress: &mut dyn FnMut(IndexProgress),
        cancel: &dyn Fn() -> bool,
    ) -> Result<IndexStats> {
        let todo = self.store.items_needing_features(&self.encoder_key())?.len();
        let stats = if todo == 0 {
            IndexStats { already_fresh: self.store.item_count()?, ..Default::default() }
        } else {
            let mut enc = self.encoders.take().map(Ok).unwrap_or_else(|| Encoders::load(&self.models_dir))?;
            let r = encode::index(&mut self.store, &mut enc, batch, progress, cancel);
            self.encoders = Some(enc);
            r?
        };
        self.load_items()?;
        self.ensure_head_or_note()?;
        self.refresh_embeddings()?;
        Ok(stats)
    }

    /// Whether a stored head can read today's features: it learned from features under this encoder key, or it
    /// learned nothing (the zero-shot projection). A head trained on an earlier text template's features would
    /// score today's as if they meant what the old ones did.
    pub fn fits_encoders(&self, row: &ModelRow) -> bool {
        row.encoder_key == self.encoder_key() || row.name == ZERO_SHOT_NAME
    }

    /// "NAME was trained on features of other encoders (KEY; today: KEY)", for a head that does not fit.
    fn unfit_reason(&self, row: &ModelRow) -> String {
        format!("{} was trained on features of other encoders ({}; today: {})", row.name, row.encoder_key, self.encoder_key())
    }

    /// Why the head in use is not the version the stylist had active, when the engine had to switch.
    pub fn head_note(&self) -> Option<&str> {
        self.loaded.head_note.as_deref()
    }

    /// Makes sure a head is active: the stored active one, else the default shipped head (all shipped heads are
    /// installed on first use), else a zero-shot head built from this catalogue's features.
    ///
    /// An active head trained on features of other encoders (an earlier text template) no longer fits: the
    /// shipped default is activated in its place, the old version stays listed (marked, and not activatable), and
    /// the note says how to get it back: fine-tune again, which reads the stored judgements with today's features.
    fn ensure_head(&mut self) -> Result<()> {
        if let Some(row) = self.store.active_model()? {
            if self.loaded.head.as_ref().is_some_and(|(m, _)| m.id == row.id) {
                return Ok(());
            }
            if !self.fits_encoders(&row) {
                self.store.clear_active_model()?;
                let judged = self.store.judgements()?.len();
                self.ensure_head()?;
                let now = self.active_model().map(|m| m.name.clone()).unwrap_or_else(|| "no head".into());
                let note = format!(
                    "Head {}, so its scores no longer mean anything. Switched to {now}. Fine-tune again (Train) to \
                     learn from your {judged} stored judgements on today's features.",
                    self.unfit_reason(&row)
                );
                tracing::warn!("{note}");
                self.loaded.head_note = Some(note);
                return Ok(());
            }
            let head = Head::from_bytes(&row.weights).map_err(|e| EngineError::NoHead(format!("head {} is unreadable: {e}", row.name)))?;
            head.check_encoders(self.loaded.manifest.image.dim, self.loaded.manifest.text.dim)?;
            // A database from before a head was shipped gets it as a selectable version; the stylist's choice stays.
            self.install_other_shipped_heads(&row.name)?;
            self.loaded.head = Some((row, head));
            return Ok(());
        }
        let mut default = None;
        for (file, name) in SHIPPED_HEADS {
            let path = self.models_dir.join(file);
            if !path.is_file() {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(EngineError::io(&path))?;
            let head =
                Head::from_bytes(&bytes).map_err(|e| EngineError::Invalid(format!("{} is not a valid head: {e}", path.display())))?;
            head.check_encoders(self.loaded.manifest.image.dim, self.loaded.manifest.text.dim)?;
            let side = shipped_sidecar(&path);
            let row = self.shipped_row(name, &head, &side)?;
            if !self.fits_encoders(&row) {
                tracing::warn!("{} was trained on features of other encoders ({}); not used", path.display(), row.encoder_key);
                continue;
            }
            default = Some((row, head));
        }
        let (row, head) = match default {
            Some(d) => d,
            None if self.store.features_count(&self.encoder_key())? > 0 => {
                let head = self.zero_shot_from_catalogue()?;
                let trained_on = "untrained zero-shot head (random projection of frozen features, centred on this catalogue)";
                (self.model_row("zero-shot-v1", &head, None, trained_on, "{}", "{}")?, head)
            }
            // Nothing indexed yet and no shipped head: scoring waits for `index`.
            None => return Ok(()),
        };
        self.install_other_shipped_heads(&row.name)?;
        let stored = self.store.activate_default_model(&row)?;
        // Another process may have won the race with its own head: use whatever is active now.
        let head = if stored.sha256 == row.sha256 { head } else { Head::from_bytes(&stored.weights)? };
        self.loaded.head = Some((stored, head));
        Ok(())
    }

    /// Installs the shipped heads other than `default` as selectable versions, once each (by name).
    fn install_other_shipped_heads(&mut self, default: &str) -> Result<()> {
        for (file, name) in SHIPPED_HEADS.into_iter().filter(|(_, n)| *n != default) {
            let path = self.models_dir.join(file);
            if !path.is_file() || self.store.model_by_name(name)?.is_some() {
                continue;
            }
            let Some(head) = std::fs::read(&path).ok().and_then(|b| Head::from_bytes(&b).ok()) else { continue };
            if head.check_encoders(self.loaded.manifest.image.dim, self.loaded.manifest.text.dim).is_err() {
                continue;
            }
            let side = shipped_sidecar(&path);
            let row = self.shipped_row(name, &head, &side)?;
            if self.fits_encoders(&row) {
                self.store.insert_model_if_absent(&row)?;
            }
        }
        Ok(())
    }

    /// Stores a head as a new model version (not activated); returns its id.
    pub fn install_head(
        &mut self,
        name: &str,
        head: &Head,
        parent: Option<i64>,
        trained_on: &str,
        params_json: &str,
        metrics_json: &str,
    ) -> Result<i64> {
        let row = self.model_row(name, head, parent, trained_on, params_json, metrics_json)?;
        Ok(self.store.insert_model(&row)?)
    }

    /// A shipped head's row, keyed by the encoders its sidecar says it was trained on.
    fn shipped_row(&self, name: &str, head: &Head, side: &Sidecar) -> Result<ModelRow> {
        let mut row = self.model_row(name, head, None, &side.trained_on, &side.params_json, &side.metrics_json)?;
        if let Some(key) = &side.encoders {
            row.encoder_key = key.clone();
        }
        Ok(row)
    }

    fn model_row(
        &self,
        name: &str,
        head: &Head,
        parent: Option<i64>,
        trained_on: &str,
        params_json: &str,
        metrics_json: &str,
    ) -> Result<ModelRow> {
        let weights = head.to_bytes()?;
        Ok(ModelRow {
            id: 0,
            name: name.to_string(),
            kind: "head".into(),
            parent_id: parent,
            encoder_key: self.encoder_key(),
            sha256: Head::sha256(&weights),
            weights,
            trained_on: trained_on.to_string(),
            params_json: params_json.to_string(),
            metrics_json: metrics_json.to_string(),
            created_at: String::new(),
            active: false,
        })
    }

    /// A stored model version, or the active one when `id` is `None`.
    pub fn model_or_active(&self, id: Option<i64>) -> Result<ModelRow> {
        match id {
            Some(id) => self.store.model_by_id(id)?.ok_or_else(|| EngineError::NotFound(format!("no model version {id}"))),
            None => {
                self.active_model().cloned().ok_or_else(|| EngineError::NoHead("no active head: run `outfit-studio index` first".into()))
            }
        }
    }

    /// A stored head as the app uses it: centred on this catalogue's feature mean where its embeddings were
    /// made with one (fine-tuning and evaluation then see the same inputs as scoring).
    pub fn head_as_used(&self, row: &ModelRow) -> Result<Head> {
        let head = Head::from_bytes(&row.weights).map_err(|e| EngineError::NoHead(format!("head {} is unreadable: {e}", row.name)))?;
        match self.store.head_centring(row.id)? {
            Some((mean, _)) => Ok(head.recentred(&mean)?),
            None => Ok(head),
        }
    }

    /// Switches the active head (or rolls back to an earlier version) and re-embeds the catalogue for it.
    pub fn activate_model(&mut self, id: i64) -> Result<()> {
        let row = self.store.model_by_id(id)?.ok_or_else(|| EngineError::NotFound(format!("no model version {id}")))?;
        if !self.fits_encoders(&row) {
            return Err(EngineError::Invalid(format!(
                "{} (v{id}): fine-tune again from the stored judgements instead",
                self.unfit_reason(&row)
            )));
        }
        let head = Head::from_bytes(&row.weights)?;
        head.check_encoders(self.loaded.manifest.image.dim, self.loaded.manifest.text.dim)?;
        self.store.set_active_model(id)?;
        self.loaded.head_note = None;
        self.loaded.head = Some((row, head));
        self.loaded.head_error = None;
        self.load_history()?;
        self.refresh_embeddings()
    }

    /// A zero-shot head centred and calibrated on this store's features.
    pub fn zero_shot_from_catalogue(&self) -> Result<Head> {
        let feats = self.store.load_features(&self.encoder_key())?;
        if feats.is_empty() {
            return Err(EngineError::Invalid("no indexed items: run `outfit-studio index` first".into()));
        }
        let dims = HeadDims::standard(self.loaded.manifest.image.dim, self.loaded.manifest.text.dim);
        let mut mean = vec![0f32; dims.input()];
        let mut row = vec![0f32; dims.input()];
        let mut n = 0usize;
        for (id, f) in &feats {
            let Some(it) = self.loaded.items.get(id) else { continue };
            outfit_model::features::assemble(&it.item, f, dims.image, dims.text, &mut row);
            for (m, x) in mean.iter_mut().zip(&row) {
                *m += x;
            }
            n += 1;
        }
        mean.iter_mut().for_each(|m| *m /= n.max(1) as f32);
        // Only the encoder blocks are centred: categorical one-hots keep their "same value" meaning.
        let enc_dims = dims.image + dims.text;
        mean[enc_dims..].fill(0.0);
        let provisional = Head::zero_shot(dims, &mean, &BlockWeights::default(), (1.0, 0.0), 20_251_125)?;
        // Calibrate: random cross-slot pairs should sit around 0.3, the top decile around 0.75.
        let ids: Vec<i64> = feats.keys().copied().filter(|id| self.loaded.items.contains_key(id)).collect();
        let pairs: Vec<(&Item, &encode_types::Features)> = ids.iter().map(|id| (&self.loaded.items[id].item, &feats[id])).collect();
        let g = provisional.embed(&pairs)?;
        let mut sims = Vec::new();
        for i in 0..g.len() {
            for j in (i + 1..g.len()).step_by(7).take(40) {
                if pairs[i].0.slot != pairs[j].0.slot {
                    sims.push(provisional.pair_score(&g[i], pairs[i].0.slot, &g[j], pairs[j].0.slot));
                }
            }
        }
        sims.sort_by(f32::total_cmp);
        let q = |p: f64| sims.get(((sims.len() as f64 - 1.0) * p) as usize).copied().unwrap_or(0.0);
        let (med, top) = (q(0.5), q(0.9));
        // σ(a·med + b) = 0.3 and σ(a·top + b) = 0.75.
        let logit = |p: f32| (p / (1.0 - p)).ln();
        let a = (logit(0.75) - logit(0.3)) / (top - med).max(1e-3);
        let b = logit(0.3) - a * med;
        Ok(Head::zero_shot(dims, &mean, &BlockWeights::default(), (a, b), 20_251_125)?)
    }

    /// Embeds every item that has features but no embedding for the active head, then rebuilds the index.
    ///
    /// Every head sees a catalogue through that catalogue's own feature mean (see [`Head::recentred`]). The mean
    /// the stored embeddings were made with is kept beside them; when new features move the catalogue's mean
    /// (a real catalogue imported next to the demo, say), every item is re-embedded with the new mean in one
    /// transaction, otherwise only the missing items are embedded, with the recorded mean.
    pub fn refresh_embeddings(&mut self) -> Result<()> {
        let Some((row, head)) = self.loaded.head.as_ref() else { return Ok(()) };
        let model_id = row.id;
        // One read of the stored slot-ordered pack; a database from before packs (or whose embeddings changed
        // since) is packed now, once.
        let mut pack = match self.store.load_embedding_pack(model_id) {
            Ok(Some(p)) => p,
            Ok(None) => self.store.pack_embeddings(model_id)?,
            // The pack is a copy of the per-item rows: a damaged one is made again from them.
            Err(e) => {
                tracing::warn!("{e:#}; packing the embeddings again");
                self.store.pack_embeddings(model_id)?
            }
        };
        let mut packed = vec![false; self.loaded.items.len()];
        for id in &pack.item_ids {
            if let Some(p) = self.loaded.items.position(*id) {
                packed[p] = true;
            }
        }
        let missing_ids: Vec<i64> = self.loaded.items.keys().zip(&packed).filter(|(_, p)| !**p).map(|(id, _)| id).collect();
        drop(packed);
        let recorded = self.store.head_centring(model_id)?;
        let mut stored_new = false;
        if !missing_ids.is_empty() || recorded.is_none() {
            let feats = self.store.load_features(&self.encoder_key())?;
            let known: Vec<(&Item, &encode_types::Features)> =
                feats.values().filter_map(|f| self.loaded.items.get(&f.item_id).map(|it| (&it.item, f))).collect();
            if !known.is_empty() {
                // The mean of what the stylist works with: visible outfit candidates (all items if none are).
                let visible: Vec<(&Item, &encode_types::Features)> =
                    known.iter().filter(|(_, f)| self.outfit_candidate(f.item_id)).copied().collect();
                let basis = if visible.is_empty() { &known } else { &visible };
                let mean = outfit_model::features::catalogue_mean(basis, head.dims.image, head.dims.text);
                let shifted = match &recorded {
                    Some((old, _)) => outfit_model::features::mean_shift(old, &mean) > CENTRING_TOLERANCE,
                    None => true,
                };
                if shifted {
                    let centred = head.recentred(&mean)?;
                    let vecs = centred.embed(&known)?;
                    let rows: Vec<(i64, Vec<f32>)> = known.iter().map(|(_, f)| f.item_id).zip(vecs).collect();
                    self.store.replace_embeddings(model_id, &mean, rows.len(), &rows)?;
                    stored_new = true;
                } else if let Some((old, _)) = &recorded {
                    let todo: Vec<(&Item, &encode_types::Features)> =
                        missing_ids.iter().filter_map(|id| feats.get(id).map(|f| (&self.loaded.items[id].item, f))).collect();
                    if !todo.is_empty() {
                        let vecs = head.recentred(old)?.embed(&todo)?;
                        let rows: Vec<(i64, Vec<f32>)> = todo.iter().map(|(_, f)| f.item_id).zip(vecs).collect();
                        self.store.put_embeddings(model_id, &rows)?;
                        stored_new = true;
                    }
                }
            }
        }
        if stored_new {
            pack = self.store.pack_embeddings(model_id)?;
        }
        let dim = if pack.is_empty() { head.dims.embed } else { pack.dim };
        fn index_row<'a>(table: &ItemTable, item_id: i64, it: &'a Item, vector: &'a [f32]) -> IndexRow<'a> {
            IndexRow {
                item_id,
                slot: it.slot,
                age_group: it.age_group,
                styling: table.styling(item_id),
                in_stock: it.in_stock,
                price: it.price,
                brand: &it.brand,
                catalogue: table.catalogue_of(item_id).and_then(|c| u32::try_from(c).ok()).unwrap_or(0),
                vector,
            }
        }
        let table: &ItemTable = &self.loaded.items;
        // Only outfit candidates are ranked; the rest stay scorable from `off_index`. The pack is in slot order,
        // so the index takes over its buffers, compacted in place (sorted and copied only if an item's slot moved).
        let candidate: Vec<Option<&Item>> =
            pack.item_ids.iter().map(|id| self.outfit_candidate(*id).then(|| &self.loaded.items[id].item)).collect();
        let mut off_index = HashMap::new();
        for (r, id) in pack.item_ids.iter().enumerate() {
            if candidate[r].is_none() && self.loaded.items.contains_key(id) {
                off_index.insert(*id, pack.row(r).to_vec());
            }
        }
        let slots: Vec<Slot> = candidate.iter().flatten().map(|it| it.slot).collect();
        let mut index = if !pack.is_empty() && slots.is_sorted() {
            let EmbeddingPack { item_ids, vectors, half, .. } = pack;
            let rows =
                item_ids.iter().zip(&candidate).enumerate().filter_map(|(r, (id, it))| Some((r, index_row(table, *id, (*it)?, &[]))));
            score::IndexBuilder::from_slot_ordered(dim, vectors, half, rows).map_err(EngineError::score)?
        } else {
            let rows: Vec<IndexRow> =
                (0..pack.len()).filter_map(|r| Some(index_row(table, pack.item_ids[r], candidate[r]?, pack.row(r)))).collect();
            EmbeddingIndex::build(dim, rows)
        };
        // The judgements tell both how much colour each catalogue keeps and how its scores read.
        let judgements = self.store.judgements()?;
        self.neutralise_colour(&mut index, &judgements);
        self.loaded.rows = Arc::new(RowsById::new(index.item_ids.iter().enumerate().map(|(r, id)| (*id, r as u32)).collect()));
        self.loaded.index = Arc::new(index);
        self.loaded.off_index = Arc::new(off_index);
        self.load_calibrations(&judgements);
        Ok(())
    }

    /// Row of an item in the embedding index; `None` until the item is indexed.
    pub fn row_of(&self, item_id: i64) -> Option<usize> {
        self.loaded.rows.get(item_id)
    }

    /// Whether an item has an embedding under the active head: ranked, or kept out of the ranking (underwear,
    /// hidden) but scorable.
    pub fn embedded(&self, item_id: i64) -> bool {
        self.row_of(item_id).is_some() || self.loaded.off_index.contains_key(&item_id)
    }

    fn ready_head(&self) -> Result<&Head> {
        self.head().ok_or_else(|| match &self.loaded.head_error {
            Some(e) => EngineError::NoHead(format!(
                "no usable compatibility head: {e}; activate another version (`outfit-studio models activate ID`)"
            )),
            None => EngineError::NoHead("no compatibility head yet: run `outfit-studio index` to encode the catalogue first".into()),
        })
    }

    /// Looks up SKUs in the loaded catalogue, naming any that are unknown ([`StoreError::Gone`]).
    pub fn resolve_skus(&self, skus: &[String]) -> Result<Vec<&StoredItem>, StoreError> {
        let missing: Vec<String> = skus.iter().filter(|s| self.item_by_sku(s).is_none()).cloned().collect();
        if !missing.is_empty() {
            return Err(StoreError::Gone { skus: missing });
        }
        Ok(skus.iter().filter_map(|s| self.item_by_sku(s)).collect())
    }

    /// The catalogue item of an id, or an error naming the id.
    fn known(&self, item_id: i64) -> Result<&Item> {
        self.loaded
            .items
            .get(&item_id)
            .map(|i| &i.item)
            .ok_or_else(|| EngineError::NotFound(format!("item {item_id} is not in the catalogue")))
    }

    fn embedding(&self, item_id: i64) -> Result<&[f32]> {
        if let Some(v) = self.loaded.off_index.get(&item_id) {
            return Ok(v);
        }
        let row = self.row_of(item_id).ok_or_else(|| {
            let sku = self.loaded.items.get(&item_id).map(|i| i.item.sku.as_str()).unwrap_or("?");
            EngineError::Invalid(format!("item {sku} is not indexed yet: run `outfit-studio index`"))
        })?;
        Ok(self.loaded.index.row(row))
    }

    /// Compatibility of a set of items, with every pair's contribution. The probability blends in what stylists
    /// already approved together (see `model::history`); the pair terms are the head's alone.
    pub fn score_outfit(&self, item_ids: &[i64]) -> Result<OutfitScore> {
        let head = self.ready_head()?;
        if item_ids.len() < 2 {
            return Err(EngineError::Invalid(format!("an outfit needs at least two items to score (got {})", item_ids.len())));
        }
        let items: Vec<&Item> = item_ids.iter().map(|&i| self.known(i)).collect::<Result<_>>()?;
        let cal = self.calibration_for(item_ids);
        let mut pairs = Vec::new();
        let mut sum = 0.0;
        for (x, &i) in item_ids.iter().enumerate() {
            for (y, &j) in item_ids.iter().enumerate().skip(x + 1) {
                let (a, b) = (items[x], items[y]);
                let raw = head.pair_score(self.embedding(i)?, a.slot, self.embedding(j)?, b.slot);
                sum += raw;
                pairs.push(PairScore { a: a.sku.clone(), b: b.sku.clone(), raw, probability: cal.probability(head.logit(raw, 0.0)) });
            }
        }
        let mean_pair = sum / pairs.len() as f32;
        let history = self.history_logit(item_ids);
        Ok(OutfitScore {
            probability: cal.probability(head.logit(mean_pair, history)),
            mean_pair,
            history,
            pairs,
            model: self.active_model().map(|m| m.name.clone()).unwrap_or_default(),
            calibration: cal,
        })
    }

    /// The age bands and seasons (all-season left out) of the board's known items, in a fixed order: what
    /// suggestions keep to by default, in the app and the CLI.
    pub fn board_bands(&self, board: &[i64]) -> (Vec<catalogue::AgeGroup>, Vec<catalogue::Season>) {
        let items: Vec<&Item> = board.iter().filter_map(|i| self.loaded.items.get(i)).map(|s| &s.item).collect();
        let mut ages: Vec<_> = items.iter().filter_map(|i| i.age_group).collect();
        ages.sort_by_key(|a| a.index());
        ages.dedup();
        let seasons = self.board_style(board).seasons.map(catalogue::styling::seasons_of).unwrap_or_default();
        (ages, seasons)
    }

    /// Gender, seasons of wear and occasions the board implies (see `catalogue::styling`).
    pub fn board_style(&self, board: &[i64]) -> catalogue::BoardStyle {
        let items: Vec<catalogue::Styling> = board.iter().map(|&i| self.loaded.items.styling(i)).collect();
        catalogue::BoardStyle::of(&items)
    }

    /// An item's gender, seasons of wear and occasion.
    pub fn styling(&self, item_id: i64) -> catalogue::Styling {
        self.loaded.items.styling(item_id)
    }

    /// The stylist's filter with the board's defaults filled in where it sets none of that kind and `follow` keeps
    /// to it: age bands, seasons of wear, gender, occasion, and `catalogue` (the catalogue the stylist chose).
    pub fn with_board_defaults(&self, board: &[i64], f: &CompletionFilter, follow: Follow, catalogue: Option<i64>) -> CompletionFilter {
        let mut f = f.clone();
        let (ages, seasons) = self.board_bands(board);
        let style = self.board_style(board);
        if follow.age && f.age_groups.is_empty() {
            f.age_groups = ages;
        }
        if follow.season && f.seasons.is_empty() {
            f.seasons = seasons;
        }
        if follow.gender && f.gender.is_none() {
            f.gender = style.gender;
        }
        if follow.occasion && f.occasions.is_none() {
            f.occasions = style.occasions;
        }
        if follow.catalogue && f.catalogue.is_none() {
            f.catalogue = catalogue;
        }
        f
    }

    /// The query vector for filling `slot` next to the board's items: q = mean_i g_i ⊙ m²(slot, slot_i).
    pub fn slot_query(&self, board: &[i64], slot: Slot) -> Result<Vec<f32>> {
        let head = self.ready_head()?;
        let mut q = vec![0f32; head.dims.embed];
        for &i in board {
            let g = self.embedding(i)?;
            let m = head.mask_sq(slot, self.known(i)?.slot);
            for ((qk, gk), mk) in q.iter_mut().zip(g).zip(m) {
                *qk += gk * mk;
            }
        }
        q.iter_mut().for_each(|v| *v /= board.len().max(1) as f32);
        Ok(q)
    }

    fn to_filter(&self, board: &[i64], f: &CompletionFilter) -> Filter {
        let age_mask = (!f.age_groups.is_empty()).then(|| f.age_groups.iter().fold(0u8, |m, a| m | 1 << a.index()));
        let brands = (!f.brands.is_empty()).then(|| f.brands.iter().filter_map(|b| self.loaded.index.brand_id(b)).collect());
        let season_mask = (!f.seasons.is_empty()).then(|| f.seasons.iter().fold(0u8, |m, s| m | score::season_bit(*s)));
        Filter {
            age_mask,
            season_mask,
            gender_mask: f.gender,
            occasion_mask: f.occasions,
            // An id beyond u32 can match no row (rows carry u32 ids), so it filters everything out, as it should.
            catalogue: f.catalogue.map(|c| u32::try_from(c).unwrap_or(u32::MAX)),
            in_stock_only: f.in_stock_only,
            min_price: f.min_price,
            max_price: f.max_price,
            brands,
            exclude_rows: board.iter().filter_map(|&i| self.row_of(i)).map(|r| r as u32).collect(),
        }
    }

    /// Top-k items for each requested slot given the board, best first. Unless `filter.diversity` is 0, the k are
    /// chosen by maximal marginal relevance from a larger pool so the list is not one colour (see [`diversify`]).
    pub fn complete(&self, board: &[i64], slots: &[Slot], k: usize, filter: &CompletionFilter) -> Result<Vec<(Slot, Vec<Suggestion>)>> {
        let head = self.ready_head()?;
        if board.is_empty() {
            return Err(EngineError::Invalid("put at least one item on the board to get suggestions".into()));
        }
        if k == 0 {
            return Ok(slots.iter().map(|&s| (s, Vec::new())).collect());
        }
        let diversity = filter.diversity.unwrap_or(DEFAULT_DIVERSITY).clamp(0.0, 1.0);
        // Diversifying chooses k from a larger pool of the best.
        let pool = if diversity > 0.0 { k.saturating_mul(4).max(k + 20) } else { k };
        let flt = self.to_filter(board, filter);
        let queries: Vec<Query> = slots
            .iter()
            .map(|&s| Ok(Query { slot: s, vector: self.slot_query(board, s)?, filter: flt.clone(), k: pool }))
            .collect::<Result<_>>()?;
        let hits = self.scorer.top_k(&self.loaded.index, &queries).map_err(EngineError::score)?;
        // The outfit's mean pair term after adding c: (existing sum + |board|·fit) / new pair count; likewise the
        // history term. Items with history can rank above the content scan's top-k, so they are merged in.
        let n = board.len() as f32;
        let (existing_sum, existing_hist) = if board.len() >= 2 {
            let s = self.score_outfit(board)?;
            let pairs = n * (n - 1.0) / 2.0;
            (s.mean_pair * pairs, s.history * pairs)
        } else {
            (0.0, 0.0)
        };
        let new_pairs = (n + 1.0) * n / 2.0;
        let (a, _) = head.calibration();
        let cal = self.calibration_for(board);
        let hist_of = |c: i64| -> f32 {
            if self.loaded.history_weight == 0.0 {
                0.0
            } else {
                self.loaded.history_weight * board.iter().map(|&b| self.loaded.history.term(b, c)).sum::<f32>()
            }
        };
        // The ranking key: the blended logit's change, a·|board|·fit + history.
        let relevance = |(r, f): &(u32, f32)| a * n * f + hist_of(self.loaded.index.item_ids[*r as usize]);
        let colour_of = |id: i64| self.loaded.items.get(&id).map_or(usize::MAX, |i| catalogue::taxonomy::colour_family(&i.item.colour));
        let board_colours: Vec<usize> =
            board.iter().filter_map(|b| self.loaded.items.get(b)).map(|i| catalogue::taxonomy::colour_family(&i.item.colour)).collect();
        Ok(queries
            .iter()
            .zip(hits)
            .map(|(q, hs)| {
                let mut cands: Vec<(u32, f32)> = hs.into_iter().map(|h| (h.row, h.score)).collect();
                if self.loaded.history_weight > 0.0 {
                    for c in board.iter().flat_map(|&b| self.loaded.history.neighbours_of(b)) {
                        let Some(r) = self.row_of(c) else { continue };
                        let slot_ok = self.loaded.index.slot_ranges[q.slot.index()].contains(&r);
                        if slot_ok && !cands.iter().any(|(x, _)| *x as usize == r) && q.filter.accepts(r, &self.loaded.index.meta[r]) {
                            let fit = self.loaded.index.row(r).iter().zip(&q.vector).map(|(x, y)| x * y).sum();
                            cands.push((r as u32, fit));
                        }
                    }
                    cands.sort_by(|x, y| relevance(y).total_cmp(&relevance(x)));
                    cands.truncate(q.k);
                }
                let picked: Vec<(u32, f32)> = if diversity > 0.0 && cands.len() > 1 {
                    let pool: Vec<MmrCandidate> = cands
                        .iter()
                        .map(|c| MmrCandidate {
                            relevance: relevance(c),
                            vector: self.loaded.index.row(c.0 as usize),
                            colour: colour_of(self.loaded.index.item_ids[c.0 as usize]),
                        })
                        .collect();
                    // MMR chooses which k to show; they are shown best first (the pool is in score order), so
                    // the list reads as a ranking.
                    let mut chosen = diversify(&pool, &board_colours, k, diversity);
                    chosen.sort_unstable();
                    chosen.into_iter().map(|i| cands[i]).collect()
                } else {
                    cands.into_iter().take(k).collect()
                };
                let sugg = picked
                    .into_iter()
                    .filter_map(|(row, fit)| {
                        let id = *self.loaded.index.item_ids.get(row as usize)?;
                        let it = &self.loaded.items.get(&id)?.item;
                        let logit_hist = (existing_hist + hist_of(id)) / new_pairs;
                        Some(Suggestion {
                            item_id: id,
                            sku: it.sku.clone(),
                            title: it.title.clone(),
                            fit,
                            outfit_probability: cal.probability(head.logit((existing_sum + n * fit) / new_pairs, logit_hist)),
                        })
                    })
                    .collect();
                (q.slot, sugg)
            })
            .collect())
    }

    /// Records a judgement on an outfit, scored by the active head; durable when this returns.
    pub fn judge(
        &mut self,
        skus: &[String],
        verdict: Verdict,
        stylist: &str,
        source: &str,
        reasons: &[String],
        outfit_id: Option<i64>,
    ) -> Result<i64, StoreError> {
        self.judge_request(&JudgeRequest { skus, verdict, stylist, source, reasons, outfit_id, replaces: None, queue_item: None })
    }

    /// Records a judgement and everything it changes (an accept's approved look, the replaced judgement of an
    /// edit, the queue entry it decides) in one transaction. An unknown SKU is [`StoreError::Gone`].
    pub fn judge_request(&mut self, r: &JudgeRequest) -> Result<i64, StoreError> {
        let resolved: Vec<(Slot, i64)> = self.resolve_skus(r.skus)?.iter().map(|i| (i.item.slot, i.id)).collect();
        let ids: Vec<i64> = resolved.iter().map(|(_, id)| *id).collect();
        let score = self.score_outfit(&ids).ok().map(|s| s.probability as f64);
        let model = self.active_model().cloned();
        let j = NewJudgement {
            skus: r.skus.to_vec(),
            verdict: r.verdict,
            stylist: r.stylist.to_string(),
            model_id: model.as_ref().map(|m| m.id),
            model_name: model.map(|m| m.name),
            score,
            source: r.source.to_string(),
            reasons: r.reasons.to_vec(),
            outfit_id: r.outfit_id,
        };
        // A review-queue accept or a lead's settlement is a label, not a look for the webshop: only looks built (or
        // reopened) on the board go to the approved list, atomically with their judgement, under a name that says
        // what they are.
        let makes_look = r.verdict == Verdict::Accept && r.source != QUEUE_SOURCE && r.source != outfit_model::data::SETTLED;
        let name = if makes_look {
            let taken: Vec<String> = self
                .store
                .outfits(&[outfit_store::OutfitStatus::Approved, outfit_store::OutfitStatus::Exported])?
                .into_iter()
                .map(|o| o.name)
                .collect();
            let items: Vec<&Item> = ids.iter().filter_map(|i| self.loaded.items.get(i)).map(|i| &i.item).collect();
            // A generated look lists its hero first and is named from it.
            let name = match items.split_first() {
                Some((hero, rest)) if r.source == outfit_store::queue::GENERATED_SOURCE => look_name_from(hero, rest),
                _ => look_name(&items),
            };
            unique_name(&name, &taken)
        } else {
            String::new()
        };
        let fx = JudgeEffects {
            replaces: r.replaces,
            queue_item: r.queue_item,
            look: makes_look.then_some(resolved.as_slice()),
            look_name: &name,
            in_catalogue: true,
        };
        let id = self.store.judge_action(&j, &fx)?.judgement_id;
        if makes_look {
            self.loaded.history.add_look(&ids);
        }
        Ok(id)
    }

    /// Undoes a judgement; an outfit that was approved by it leaves the approved list (one transaction).
    pub fn undo(&mut self, judgement_id: i64) -> Result<(), StoreError> {
        self.undo_with(judgement_id, &UndoEffects::default()).map(drop)
    }

    /// Undoes a judgement with what the undo restores (a reopened look approved again, a queue entry pending
    /// again), in one transaction; returns the judgement as it was.
    pub fn undo_with(&mut self, judgement_id: i64, fx: &UndoEffects) -> Result<Judgement, StoreError> {
        let j = self.store.undo_action(judgement_id, fx)?;
        if j.verdict == Verdict::Accept {
            // The look left the approved list: what stylists put together is counted afresh.
            self.load_history()?;
        }
        Ok(j)
    }
}

/// A judgement to record with [`Engine::judge_request`].
#[derive(Debug, Clone, Copy)]
pub struct JudgeRequest<'a> {
    pub skus: &'a [String],
    pub verdict: Verdict,
    pub stylist: &'a str,
    /// Where the outfit came from: manual, suggested, queue, cli.
    pub source: &'a str,
    pub reasons: &'a [String],
    /// The reopened approved look being judged.
    pub outfit_id: Option<i64>,
    /// A judgement this one replaces (undone in the same transaction).
    pub replaces: Option<i64>,
    /// The review-queue entry this judgement decides (marked in the same transaction).
    pub queue_item: Option<i64>,
}

/// The judgement source of review-queue decisions.
pub const QUEUE_SOURCE: &str = "queue";

/// What a shipped head's JSON sidecar says: what it was trained on, its parameters and its figures.
struct Sidecar {
    /// The encoder key of the features it was trained on (`None` for sidecars that name the encoders in words).
    encoders: Option<String>,
    trained_on: String,
    params_json: String,
    metrics_json: String,
}

fn shipped_sidecar(weights: &Path) -> Sidecar {
    let v = std::fs::read_to_string(weights.with_extension("json"))
        .ok()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
        .unwrap_or_default();
    let json = |k: &str| if v[k].is_null() { "{}".to_string() } else { v[k].to_string() };
    Sidecar {
        encoders: v["encoders"].as_str().filter(|k| k.contains("+text-v")).map(str::to_string),
        trained_on: v["trained_on"].as_str().unwrap_or("a shipped head without a description").to_string(),
        params_json: json("params"),
        metrics_json: json("metrics"),
    }
}

/// Stored features under the name the head reads them by.
mod encode_types {
    pub use outfit_store::StoredFeatures as Features;
}
