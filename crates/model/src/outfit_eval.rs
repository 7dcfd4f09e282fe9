//! Pretraining on real stylists' outfits and the one evaluation command (`outfit-studio eval-outfits`).
//!
//! A [`PreparedSet`] is an outfit dataset over a feature table whose rows carry their collection, split into
//! train / validation / test outfits. Pretraining fits on train, picks the epoch on validation, calibrates the
//! score on validation and chooses the co-occurrence blend weight there too; the test split is only ever
//! evaluated. The protocol is in [`super::protocol`].

use super::calibrate::fit_platt;
use super::data::{FeatureTable, LabelledOutfit};
use super::head::{BlockWeights, Head, HeadDims};
use super::polyvore::AdultDataset;
use super::protocol::{
    Blank, Blended, CoOccurrence, CompatPair, HeadMethod, Method, ProtocolReport, QuestionSet, Questions, RandomScores, RawCosine,
    RowOutfit, build_questions, evaluate_methods, protocol_text,
};
use super::train::{TrainConfig, TrainProgress, Trained, train_validated};
use crate::{ModelError, Result};
use outfit_store::StoredFeatures;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;

/// Which split to evaluate on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
    /// The text encoder's embedding of each row's raw title (zeros where it has none), for the untrained
    /// raw-title baseline; `None` when the data has no titles (MANGO) or they were not encoded.
    pub title_text: Option<Vec<f32>>,
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
            return Err(ModelError::data(format!("{}: no training outfit has two or more garments", data.source)));
        }
        let own_test = own_questions(data, &row_of);
        Ok(PreparedSet { source: data.source.clone(), table, train, valid, test, own_test, title_text: None })
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
    // A head no better than chance on validation can fit a negative slope, which would show its scores
    // inverted in the app (and rank the blend backwards); it keeps its uncalibrated reading instead.
    match fit_platt(&pos, &neg) {
        Some(ab) if ab.0 > 0.0 => head = head.with_calibration(ab)?,
        Some(ab) => {
            tracing::warn!("validation calibration slope {:.3} is not positive: the head is at chance there; left uncalibrated", ab.0)
        }
        None => {}
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
    let text_centred = RawCosine::text_centred(&set.table)?;
    let titles = set
        .title_text
        .as_ref()
        .map(|v| RawCosine::from_rows("cosine of raw titles' text embeddings, centred", set.table.dims.text, v.clone(), true));
    let head_methods: Vec<HeadMethod> = heads.iter().map(|(n, h, _)| HeadMethod::new(n.clone(), h, &set.table)).collect::<Result<_>>()?;
    let blends: Vec<Blended> =
        heads.iter().zip(&head_methods).filter_map(|((_, _, b), m)| b.map(|beta| Blended { head: m, cooc: &cooc, beta })).collect();
    let mut methods: Vec<&dyn Method> = vec![&random, &cooc, &image, &text, &text_centred];
    methods.extend(titles.as_ref().map(|m| m as &dyn Method));
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
