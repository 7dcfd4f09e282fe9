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
mod heads;
mod items;
mod judging;
mod looks_io;
mod names;
mod prebuilt;
mod scoring;
mod shortfall;
mod training;

pub use error::{EngineError, Result};
pub use shortfall::{SlotShortfall, Widening};
pub use training::StoredEvalData;

pub use items::{ItemTable, RowsById};
pub use judging::JudgeRequest;
pub use names::{garment_word, look_name, look_name_from, unique_name};
use outfit_catalogue::taxonomy::ColourFamily;
use outfit_catalogue::{self as catalogue, ImportOptions, ImportPreview, Item, ParsedFeed, Slot};
use outfit_encode::{self as encode, Encoders, IndexProgress, IndexStats, manifest::Manifest};
use outfit_model::calibrate::CatalogueCalibration;
use outfit_model::history::{PairHistory, blend_weight};
use outfit_model::{BlockWeights, Head, HeadDims};
use outfit_score::{self as score, EmbeddingIndex, Filter, IndexRow, Query, Scorer};
use outfit_store::{
    CatalogueKind, EmbeddingPack, JudgeEffects, Judgement, JudgementSource, ModelRow, NewJudgement, Store, StoreError, StoredItem,
    UndoEffects, Verdict,
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
    /// Its colour family; `None` (an item not loaded) is like no other.
    pub colour: Option<ColourFamily>,
}

/// Maximal marginal relevance (Carbonell & Goldstein 1998): picks `k` of `pool` (given best first) one at a time,
/// each maximising (1 − λ)·relevance − λ·similarity to what is already shown, relevance scaled to 0..1 over the
/// pool. Similarity is half the cosine of the head embeddings (to picks of the same slot) and half "same colour
/// family" (to the picks and to the board's items), so a navy board gets tonal and contrasting options. Returns
/// indices into `pool`.
pub fn diversify(pool: &[MmrCandidate<'_>], board_colours: &[ColourFamily], k: usize, lambda: f32) -> Vec<usize> {
    let (lo, hi) = pool.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), c| (lo.min(c.relevance), hi.max(c.relevance)));
    let span = (hi - lo).max(1e-6);
    let mut max_sim: Vec<f32> = pool.iter().map(|c| if c.colour.is_some_and(|f| board_colours.contains(&f)) { 0.5 } else { 0.0 }).collect();
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
                let same = (c.colour.is_some() && c.colour == picked.colour) as u8 as f32;
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
    /// their catalogue (announced to the team when joined, and the team's looks waiting for these SKUs appear).
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
            let skus: Vec<String> = parsed.items.iter().map(|i| i.sku.to_string()).collect();
            self.store.assign_catalogue(id, &skus)?;
            // Looks the team shared before this catalogue was here appear now that their SKUs are.
            self.store.materialise_team_looks()?;
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
}

/// Stored features under the name the head reads them by.
mod encode_types {
    pub use outfit_store::StoredFeatures as Features;
}
