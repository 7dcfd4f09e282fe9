//! Training and evaluation on the stored judgements: the engine gathers features and labels from the store,
//! the model layer learns and measures, and the engine stores the result as a new version.

use super::Engine;
use crate::{EngineError, Result};
use outfit_catalogue::Item;
use outfit_model::data::{DataSnapshot, FeatureTable, LabelledOutfit, outfits_from_judgements};
use outfit_model::train::{FineTuneJob, TrainConfig, TrainProgress, Trained};
use outfit_model::{Head, HeadDims};
use outfit_store::StoredFeatures;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// The key of a trained head's params holding its out-of-fold logits: `[[outfit key, logit], …]`.
pub const OUT_OF_FOLD_LOGITS: &str = "out_of_fold_logits";

impl Engine {
    /// Assembled features of every indexed item, for a head of `dims`.
    pub fn feature_table(&self, dims: HeadDims) -> Result<FeatureTable> {
        let feats = self.store.load_features(&self.encoder_key())?;
        let mut ids: Vec<i64> = feats.keys().copied().filter(|id| self.items().contains_key(id)).collect();
        ids.sort_unstable();
        let rows: Vec<(i64, &Item, &StoredFeatures)> = ids.iter().map(|id| (*id, &self.items()[id].item, &feats[id])).collect();
        Ok(FeatureTable::from_items(dims, &rows)?)
    }

    /// The judgements as labelled outfits over the indexed catalogue.
    pub fn judgement_dataset(&self, dims: HeadDims, cfg: &TrainConfig) -> Result<(Arc<FeatureTable>, Vec<LabelledOutfit>, DataSnapshot)> {
        let table = self.feature_table(dims)?;
        let sku_to_id: HashMap<String, i64> = self.items().values().map(|i| (i.item.sku.to_string(), i.id)).collect();
        let (data, snap) = outfits_from_judgements(&table, &sku_to_id, &self.store.judgements()?, &cfg.label_selection());
        Ok((Arc::new(table), data, snap))
    }

    /// Prepares fine-tuning from a stored version (`None`: the active one); `from_scratch` trains a fresh head of
    /// the same dimensions instead, keeping the version as its recorded parent.
    pub fn prepare_fine_tune(&self, from_version: Option<i64>, from_scratch: bool, cfg: &TrainConfig) -> Result<FineTuneJob> {
        let row = self.model_or_active(from_version)?;
        let parent = self.head_as_used(&row)?;
        let (table, data, snapshot) = self.judgement_dataset(parent.dims, cfg)?;
        if snapshot.positives == 0 {
            return Err(EngineError::Invalid(format!(
                "no accepted outfits with indexed items to learn from ({} judgements usable, {} skipped)",
                snapshot.judgements, snapshot.outfits_skipped
            )));
        }
        Ok(FineTuneJob { parent_id: Some(row.id), parent_name: row.name, parent, from_scratch, table, data, snapshot, cfg: cfg.clone() })
    }

    /// Stores a finished job's head as a new (inactive) model version with its lineage, data and metrics.
    pub fn install_trained(&mut self, job: &FineTuneJob, trained: &Trained, name: Option<&str>) -> Result<i64> {
        let n = self.store.models()?.len() + 1;
        let name = name.map(str::to_string).unwrap_or_else(|| format!("{}-v{n}", if job.from_scratch { "scratch" } else { "finetuned" }));
        let trained_on = format!(
            "{} on {} stylist judgements ({} accepts, {} rejects, up to judgement #{}){}",
            if job.from_scratch { "trained from scratch".to_string() } else { format!("fine-tuned from {}", job.parent_name) },
            job.snapshot.judgements,
            job.snapshot.positives,
            job.snapshot.negatives,
            job.snapshot.max_judgement_id,
            if job.cfg.freeze_lower { ", lower layers frozen" } else { "" }
        );
        let params = serde_json::json!({
            "config": job.cfg,
            "data": job.snapshot,
            "from_scratch": job.from_scratch,
            // What the app calibrates this head on for the outfits it was trained on (`calibration.rs`).
            OUT_OF_FOLD_LOGITS: trained.out_of_fold,
        });
        // Metrics on the training set itself (held-out numbers come from `outfit-studio eval`).
        let train_auc = outfit_model::metrics::evaluate(&trained.head, &job.table, &job.data, job.cfg.seed).ok();
        let metrics = serde_json::json!({
            "final_loss": trained.history.last().map(|h| h.loss),
            "history": trained.history,
            "seconds": trained.seconds,
            "train_set": train_auc,
            "best_epoch": trained.best_epoch,
            "validation_loss": trained.validation_loss,
        });
        self.install_head(&name, &trained.head, job.parent_id, &trained_on, &params.to_string(), &metrics.to_string())
    }

    /// Fine-tunes from a version on the stored judgements and stores the result as a new version (not activated:
    /// call `activate_model` to switch, which re-embeds the catalogue). Cancelling stores nothing.
    pub fn fine_tune_from_judgements(
        &mut self,
        from_version: Option<i64>,
        cfg: &TrainConfig,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<i64> {
        let job = self.prepare_fine_tune(from_version, false, cfg)?;
        let trained = job.run(progress, cancel)?;
        self.install_trained(&job, &trained, None)
    }
}

/// The stored judgements and the parent head an evaluation starts from (CLI `eval` and the app's Train panel).
pub struct StoredEvalData {
    pub parent_name: String,
    pub parent: Head,
    /// Further heads measured unchanged beside the parent (the untrained head when the parent is pretrained).
    pub others: Vec<(String, Head)>,
    pub table: std::sync::Arc<FeatureTable>,
    pub data: Vec<LabelledOutfit>,
    /// What the data is, in words, for the report.
    pub note: String,
}

impl Engine {
    /// A model version (`None`: the active one), its head, and the stored judgements as labelled outfits.
    pub fn stored_eval_data(&self, from: Option<i64>, cfg: &TrainConfig) -> Result<StoredEvalData> {
        let row = self.model_or_active(from)?;
        let parent = self.head_as_used(&row)?;
        let (table, data, snap) = self.judgement_dataset(parent.dims, cfg)?;
        let note = format!(
            "{} stored stylist judgements ({} accepts, {} rejects; {} stylists) up to judgement #{}; parent {} ({})",
            snap.judgements,
            snap.positives,
            snap.negatives,
            snap.stylists.len(),
            snap.max_judgement_id,
            row.name,
            row.trained_on
        );
        // The untrained head beside a pretrained parent, so the report shows what pretraining itself brought.
        let mut others = Vec::new();
        for m in self.store.models()? {
            if m.id != row.id && m.name == "zero-shot-v1" {
                others.push((format!("{} (untrained)", m.name), self.head_as_used(&m)?));
            }
        }
        Ok(StoredEvalData { parent_name: row.name, parent, others, table, data, note })
    }
}
