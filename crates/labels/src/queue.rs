//! The review queue: complete outfits the model proposes around seed items, ordered by what the model is least
//! sure of and kept diverse, judged one at a time (accept, reject, skip, undo) and persisted per stylist.
//!
//! Proposals: seed items are drawn (with the queue's random seed) from the indexed catalogue; each seed is dressed
//! into a valid outfit (top + bottom or a one-piece, plus shoes, optionally outerwear, headwear and an accessory)
//! by filling the missing slots from [`Engine::complete`] within the seed's age group (and in stock, by default),
//! taking the best fit half the time and a random one of the top `k` otherwise. Every candidate is scored.
//!
//! Order: greedy max-marginal selection ([`select`], the rule itself lives in `model::selection` so the simulated
//! stylist of `eval-transfer` uses the same one). The value of a candidate is its uncertainty `1 - 2|p - 0.5|`
//! minus a redundancy penalty against the outfits already picked: the largest item-set Jaccard similarity, and the
//! shares of picked outfits with the same seed slot, a shared brand, and the same age group (weights in
//! [`Diversity`]). Candidates with a Jaccard similarity above 0.5 to a picked or queued outfit are near-duplicates
//! and never picked; outfits this stylist has judged, or that are already in their queue, are never proposed.

use super::{LabelsError, Result};
use outfit_catalogue::Slot;
use outfit_engine::{CompletionFilter, Engine, EngineError, JudgeRequest};
use outfit_store::outfit_key;
use outfit_store::queue::{NewQueueItem, QueueItem, QueueStatus};
use outfit_store::{JudgementSource, StoreError, UndoEffects, Verdict};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::collections::HashSet;

pub use outfit_model::selection::{Candidate, Diversity, jaccard, select};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueConfig {
    /// How many outfits a build adds.
    pub size: usize,
    /// Random seed for seed items and sampled fills (a build mixes in the queue length, so refills differ).
    pub seed: u64,
    pub in_stock_only: bool,
    /// Fill from the top `k` completions.
    pub k: usize,
    /// Candidates generated per proposal wanted (more: better uncertainty and diversity, slower).
    pub oversample: usize,
    pub diversity: Diversity,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig { size: 50, seed: 1, in_stock_only: true, k: 5, oversample: 4, diversity: Diversity::default() }
    }
}

/// Builds candidate outfits around seed items (see the module docs); deterministic for a seed.
pub fn propose(engine: &Engine, cfg: &QueueConfig, wanted: usize, seed: u64, exclude_keys: &HashSet<String>) -> Result<Vec<Candidate>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut seeds: Vec<i64> = engine
        .items()
        .values()
        .filter(|i| engine.index().row_of(i.id).is_some() && (!cfg.in_stock_only || i.item.in_stock))
        .map(|i| i.id)
        .collect();
    seeds.sort_unstable();
    seeds.shuffle(&mut rng);
    let target = wanted.saturating_mul(cfg.oversample.max(1));
    let mut out = Vec::new();
    let mut keys: HashSet<String> = HashSet::new();
    for &seed_id in &seeds {
        if out.len() >= target {
            break;
        }
        if let Some(c) = dress(engine, cfg, seed_id, &mut rng)? {
            let key = outfit_key(&c.skus);
            if !exclude_keys.contains(&key) && keys.insert(key) {
                out.push(c);
            }
        }
    }
    Ok(out)
}

/// One outfit around a seed item, or `None` when the catalogue cannot complete it.
fn dress(engine: &Engine, cfg: &QueueConfig, seed_id: i64, rng: &mut StdRng) -> Result<Option<Candidate>> {
    let seed = &engine.items()[&seed_id].item;
    let filter =
        CompletionFilter { age_groups: seed.age_group.into_iter().collect(), in_stock_only: cfg.in_stock_only, ..Default::default() };
    let two_piece = [Slot::Top, Slot::Bottom, Slot::Shoes];
    let one_piece = [Slot::OnePiece, Slot::Shoes];
    let cores: Vec<&[Slot]> = match seed.slot {
        Slot::Top | Slot::Bottom => vec![&two_piece],
        Slot::OnePiece => vec![&one_piece],
        _ if rng.random_bool(0.5) => vec![&two_piece, &one_piece],
        _ => vec![&one_piece, &two_piece],
    };
    let extras: Vec<Slot> = [(Slot::Outerwear, 0.4), (Slot::Headwear, 0.3), (Slot::Accessory, 0.3)]
        .into_iter()
        .filter(|(s, p)| *s != seed.slot && rng.random_bool(*p))
        .map(|(s, _)| s)
        .collect();
    'core: for core in cores {
        let mut board = vec![seed_id];
        for &slot in core.iter().filter(|s| **s != seed.slot) {
            match pick(engine, &board, slot, cfg.k, &filter, rng)? {
                Some(id) => board.push(id),
                None => continue 'core,
            }
        }
        for &slot in &extras {
            if let Some(id) = pick(engine, &board, slot, cfg.k, &filter, rng)? {
                board.push(id);
            }
        }
        let score = engine.score_outfit(&board)?.probability;
        let items: Vec<_> = board.iter().map(|id| &engine.items()[id].item).collect();
        let mut brands: Vec<String> = items.iter().map(|i| i.brand.to_string()).filter(|b| !b.is_empty()).collect();
        brands.sort();
        brands.dedup();
        return Ok(Some(Candidate {
            skus: items.iter().map(|i| i.sku.to_string()).collect(),
            item_ids: board,
            seed_sku: seed.sku.to_string(),
            seed_slot: seed.slot,
            brands,
            age_group: seed.age_group,
            score,
        }));
    }
    Ok(None)
}

fn pick(engine: &Engine, board: &[i64], slot: Slot, k: usize, filter: &CompletionFilter, rng: &mut StdRng) -> Result<Option<i64>> {
    let res = engine.complete(board, &[slot], k.max(1), filter)?;
    let sugg = res.into_iter().next().map(|(_, s)| s).unwrap_or_default();
    if sugg.is_empty() {
        return Ok(None);
    }
    let i = if rng.random_bool(0.5) { 0 } else { rng.random_range(0..sugg.len()) };
    Ok(Some(sugg[i].item_id))
}

/// Queue position and counts, for the screen's header.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QueueCounts {
    pub total: usize,
    pub pending: usize,
    pub done: usize,
    pub skipped: usize,
    pub accepted: usize,
    pub rejected: usize,
}

/// Which entries a stylist reviews: all of them, one source, or one generated batch. Narrowing and moving
/// through the queue are navigation: nothing is recorded for the entries passed over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum QueueView {
    #[default]
    All,
    /// Looks from the look generator.
    Generated,
    /// Outfits the model picked for active learning.
    ModelPicked,
    /// One generated batch, by its id.
    Batch(String),
}

impl QueueView {
    pub fn shows(&self, e: &QueueItem) -> bool {
        let generated = e.source == outfit_store::queue::GENERATED_SOURCE;
        match self {
            QueueView::All => true,
            QueueView::Generated => generated,
            QueueView::ModelPicked => !generated,
            QueueView::Batch(b) => batch_of(e).as_deref() == Some(b.as_str()),
        }
    }
}

/// The generated batch an entry belongs to (the `batch` of its parameters).
pub fn batch_of(e: &QueueItem) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(&e.params_json).ok()?.get("batch")?.as_str().map(str::to_string)
}

/// Queue source of outfits handed out by the team's review queue (team mode, routed with overlap).
pub const TEAM_SOURCE: &str = "team";

/// A stylist's review queue, backed by the `queue_items` table.
#[derive(Clone)]
pub struct ReviewQueue {
    stylist: String,
    entries: Vec<QueueItem>,
    pub config: QueueConfig,
    view: QueueView,
    /// The entry the stylist moved to (navigation), when not the first pending one of the view.
    cursor: Option<i64>,
}

impl ReviewQueue {
    /// Loads the stylist's queue; when nothing is pending, proposes `size` new outfits (random seed `seed`).
    pub fn load_or_build(engine: &mut Engine, stylist: &str, size: usize, seed: u64) -> Result<ReviewQueue> {
        Self::load_or_build_with(engine, stylist, QueueConfig { size, seed, ..Default::default() })
    }

    pub fn load_or_build_with(engine: &mut Engine, stylist: &str, config: QueueConfig) -> Result<ReviewQueue> {
        if stylist.trim().is_empty() {
            return Err(LabelsError::NoStylist);
        }
        let mut q = ReviewQueue { stylist: stylist.to_string(), entries: Vec::new(), config, view: QueueView::All, cursor: None };
        q.reload(engine)?;
        if q.counts().pending == 0 {
            q.extend(engine, q.config.size)?;
        }
        Ok(q)
    }

    /// Re-reads the queue; pending outfits the stylist has meanwhile judged elsewhere are marked skipped.
    pub fn reload(&mut self, engine: &mut Engine) -> Result<()> {
        let judged = engine.store().judged_keys(&self.stylist)?;
        for e in engine.store().queue_items(&self.stylist)? {
            if e.status == QueueStatus::Pending && judged.contains(&e.outfit_key) {
                engine.store_mut().set_queue_item(e.id, QueueStatus::Skipped, None, None)?;
            }
        }
        self.entries = engine.store().queue_items(&self.stylist)?;
        Ok(())
    }

    /// Proposes and appends up to `n` new outfits; returns how many were added (fewer when the catalogue runs out
    /// of new outfits).
    pub fn extend(&mut self, engine: &mut Engine, n: usize) -> Result<usize> {
        if n == 0 || engine.head().is_none() {
            return Ok(0);
        }
        let mut exclude = engine.store().judged_keys(&self.stylist)?;
        exclude.extend(self.entries.iter().map(|e| e.outfit_key.clone()));
        let seed = self.config.seed ^ (self.entries.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let cands = propose(engine, &self.config, n, seed, &exclude)?;
        let queued: Vec<Candidate> =
            self.entries.iter().filter(|e| e.status == QueueStatus::Pending).filter_map(|e| queued_candidate(engine, e)).collect();
        let order = select(&cands, n, &self.config.diversity, &queued);
        let new: Vec<NewQueueItem> =
            order.iter().map(|&i| NewQueueItem::active(cands[i].skus.clone(), cands[i].score as f64, cands[i].seed_sku.clone())).collect();
        let added = engine.store_mut().append_queue_items(&self.stylist, &new)?;
        let k = added.len();
        self.entries.extend(added);
        Ok(k)
    }

    pub fn stylist(&self) -> &str {
        &self.stylist
    }

    /// Appends the outfits the team's queue handed this stylist (`skus`, the lead's head's score), leaving out any
    /// already in this queue or judged by the stylist; returns how many were added. Source [`TEAM_SOURCE`].
    pub fn add_routed(&mut self, engine: &mut Engine, routed: &[(Vec<String>, Option<f64>)]) -> Result<usize> {
        let mut known = engine.store().judged_keys(&self.stylist)?;
        known.extend(self.entries.iter().map(|e| e.outfit_key.clone()));
        let new: Vec<NewQueueItem> = routed
            .iter()
            .filter(|(skus, _)| known.insert(outfit_store::outfit_key(skus)))
            .map(|(skus, score)| NewQueueItem {
                source: TEAM_SOURCE.into(),
                ..NewQueueItem::active(skus.clone(), score.unwrap_or(0.5), String::new())
            })
            .collect();
        let added = engine.store_mut().append_queue_items(&self.stylist, &new)?;
        let k = added.len();
        self.entries.extend(added);
        Ok(k)
    }

    /// The stylist left a team outfit without judging it: it is passed over here (no judgement recorded), and the
    /// caller gives its lease back so another stylist gets it. Returns its outfit key; None for other entries.
    pub fn pass_over_routed(&mut self, engine: &mut Engine, id: i64) -> Result<Option<String>> {
        let Some(e) = self.entries.iter().find(|e| e.id == id && e.source == TEAM_SOURCE && e.status == QueueStatus::Pending) else {
            return Ok(None);
        };
        let key = e.outfit_key.clone();
        engine.store_mut().set_queue_item(id, QueueStatus::Skipped, None, None)?;
        self.reload(engine)?;
        Ok(Some(key))
    }

    /// Every entry in review order.
    pub fn entries(&self) -> &[QueueItem] {
        &self.entries
    }

    /// The outfit to judge now: the one the stylist moved to, else the first pending one of the view.
    pub fn next(&self) -> Option<&QueueItem> {
        self.current_index().map(|i| &self.entries[i])
    }

    fn open(&self, e: &QueueItem) -> bool {
        e.status == QueueStatus::Pending && self.view.shows(e)
    }

    fn current_index(&self) -> Option<usize> {
        let at_cursor = self.cursor.and_then(|id| self.entries.iter().position(|e| e.id == id)).filter(|&i| self.open(&self.entries[i]));
        at_cursor.or_else(|| self.entries.iter().position(|e| self.open(e)))
    }

    /// Pending outfits of the view after the current one, in order (for a look-ahead strip).
    pub fn upcoming(&self, n: usize) -> Vec<&QueueItem> {
        let from = self.current_index().map(|i| i + 1).unwrap_or(self.entries.len());
        self.entries[from..].iter().filter(|e| self.open(e)).take(n).collect()
    }

    /// The view being reviewed.
    pub fn view(&self) -> &QueueView {
        &self.view
    }

    /// Narrows the queue (or widens it back); the current outfit becomes the view's first pending one.
    pub fn set_view(&mut self, view: QueueView) {
        self.view = view;
        self.cursor = None;
    }

    /// Moves to the next (`forward`) or previous pending outfit of the view without judging anything; false at
    /// either end.
    pub fn step(&mut self, forward: bool) -> bool {
        let Some(cur) = self.current_index() else { return false };
        let found = if forward {
            (cur + 1..self.entries.len()).find(|&i| self.open(&self.entries[i]))
        } else {
            (0..cur).rev().find(|&i| self.open(&self.entries[i]))
        };
        if let Some(i) = found {
            self.cursor = Some(self.entries[i].id);
        }
        found.is_some()
    }

    /// Pending outfits in the view.
    pub fn pending_in_view(&self) -> usize {
        self.entries.iter().filter(|e| self.open(e)).count()
    }

    /// Generated batches with pending looks, oldest first: (batch id, pending looks).
    pub fn batches(&self) -> Vec<(String, usize)> {
        let mut out: Vec<(String, usize)> = Vec::new();
        for e in self.entries.iter().filter(|e| e.status == QueueStatus::Pending) {
            if let Some(b) = batch_of(e) {
                match out.iter_mut().find(|(x, _)| *x == b) {
                    Some((_, n)) => *n += 1,
                    None => out.push((b, 1)),
                }
            }
        }
        out
    }

    /// 1-based position of the current outfit among all entries (decided + 1).
    pub fn position(&self) -> usize {
        let c = self.counts();
        c.done + c.skipped + 1
    }

    pub fn counts(&self) -> QueueCounts {
        let mut c = QueueCounts { total: self.entries.len(), ..Default::default() };
        for e in &self.entries {
            match e.status {
                QueueStatus::Pending => c.pending += 1,
                QueueStatus::Done => c.done += 1,
                QueueStatus::Skipped => c.skipped += 1,
            }
            match e.verdict {
                Some(Verdict::Accept) => c.accepted += 1,
                Some(Verdict::Reject) => c.rejected += 1,
                _ => {}
            }
        }
        c
    }

    /// Judges the current outfit (recorded with source "queue"); returns the judgement id. A skip is recorded
    /// too (the audit trail keeps it) and the entry is marked skipped. The judgement and the mark are one
    /// transaction. When an item has left the catalogue the entry is skipped for good; when the database is busy or
    /// anything else fails, nothing is recorded or marked and the error says why.
    pub fn decide(&mut self, engine: &mut Engine, verdict: Verdict, reasons: &[String]) -> Result<i64> {
        let idx = self.current_index().ok_or(LabelsError::EmptyQueue)?;
        let e = self.entries[idx].clone();
        let reasons: &[String] = if verdict == Verdict::Reject { reasons } else { &[] };
        let req = JudgeRequest {
            skus: &e.skus,
            verdict,
            stylist: &self.stylist,
            source: judgement_source(&e),
            reasons,
            outfit_id: None,
            replaces: None,
            queue_item: Some(e.id),
        };
        match engine.judge_request(&req) {
            Ok(jid) => {
                self.marked(idx, verdict, jid);
                // The stylist goes on from the decided outfit, not back to one passed over.
                self.cursor = (idx + 1..self.entries.len()).find(|&i| self.open(&self.entries[i])).map(|i| self.entries[i].id);
                Ok(jid)
            }
            Err(err @ StoreError::Gone { .. }) => {
                // The outfit can no longer be judged: step past it.
                engine.store_mut().set_queue_item(e.id, QueueStatus::Skipped, None, None)?;
                self.entries[idx].status = QueueStatus::Skipped;
                Err(LabelsError::Skipped(err))
            }
            Err(err) => Err(LabelsError::NotRecorded(err)),
        }
    }

    /// Mirrors a committed decision in memory.
    fn marked(&mut self, idx: usize, verdict: Verdict, jid: i64) {
        let e = &mut self.entries[idx];
        e.status = if verdict == Verdict::Skip { QueueStatus::Skipped } else { QueueStatus::Done };
        e.verdict = Some(verdict);
        e.judgement_id = Some(jid);
        e.decided_at = Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    }

    /// Mirrors a decision made on the board for entry `id` (a queue outfit opened there to edit): the judgement,
    /// recorded with `queue_item`, marked the entry in the same transaction.
    pub fn decided_on_board(&mut self, id: i64, verdict: Verdict, jid: i64) {
        if let Some(idx) = self.entries.iter().position(|e| e.id == id) {
            self.marked(idx, verdict, jid);
        }
    }

    /// Mirrors the undo of such a decision (the store put the entry back with `requeue`): pending and current.
    pub fn pending_again(&mut self, id: i64) {
        if let Some(e) = self.entries.iter_mut().find(|e| e.id == id) {
            e.status = QueueStatus::Pending;
            e.verdict = None;
            e.judgement_id = None;
            e.decided_at = None;
            self.cursor = Some(id);
        }
    }

    /// Undoes the most recent decision: its judgement is undone and the outfit is pending (and current) again.
    pub fn undo_last(&mut self, engine: &mut Engine) -> Result<Option<QueueItem>> {
        let Some(idx) = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.status != QueueStatus::Pending && e.judgement_id.is_some())
            .max_by_key(|(_, e)| e.judgement_id)
            .map(|(i, _)| i)
        else {
            return Ok(None);
        };
        let jid = self.entries[idx].judgement_id.expect("filtered");
        let id = self.entries[idx].id;
        engine.undo_with(jid, &UndoEffects { keep_look: false, requeue: Some(id) })?;
        self.pending_again(id);
        Ok(Some(self.entries[idx].clone()))
    }

    /// The last `n` decisions, newest first (each editable with [`ReviewQueue::edit`]).
    pub fn recent(&self, n: usize) -> Vec<&QueueItem> {
        let mut v: Vec<&QueueItem> = self.entries.iter().filter(|e| e.status != QueueStatus::Pending && e.judgement_id.is_some()).collect();
        v.sort_by_key(|e| std::cmp::Reverse(e.judgement_id));
        v.truncate(n);
        v
    }

    /// Changes a queue decision: the judgement is undone and the outfit judged again with `verdict` (reasons are
    /// kept when it stays a reject). Returns the new judgement id.
    pub fn edit(&mut self, engine: &mut Engine, judgement_id: i64, verdict: Verdict) -> Result<i64> {
        let idx = self.entries.iter().position(|e| e.judgement_id == Some(judgement_id)).ok_or(LabelsError::NotInQueue(judgement_id))?;
        if self.entries[idx].verdict == Some(verdict) {
            return Ok(judgement_id);
        }
        let old = engine.store().judgement(judgement_id)?.ok_or(LabelsError::NoJudgement(judgement_id))?;
        let reasons = if verdict == Verdict::Reject { old.reasons } else { Vec::new() };
        let e = self.entries[idx].clone();
        // Undo, new judgement and mark in one transaction: a crash keeps the old decision or the new one.
        let req = JudgeRequest {
            skus: &e.skus,
            verdict,
            stylist: &self.stylist,
            source: judgement_source(&e),
            reasons: &reasons,
            outfit_id: None,
            replaces: Some(judgement_id),
            queue_item: Some(e.id),
        };
        let jid = engine.judge_request(&req).map_err(LabelsError::NotChanged)?;
        self.marked(idx, verdict, jid);
        Ok(jid)
    }
}

/// The judgement source of a queue decision: a generated look's accept approves it for the webshop (source
/// "generated"); an active-learning accept stays a label ("queue").
/// An outfit for the team's queue: its SKUs and the head's score.
pub type RoutedOutfit = (Vec<String>, Option<f64>);

/// Outfits for a team's review queue (the lead fills it): the `count` the active head is least sure of, minus
/// outfits anyone has judged already, with their scores; and the head's name. The CLI and the app send them
/// with `outfit_team::routing::enqueue`.
pub fn team_proposals(engine: &Engine, count: usize, seed: u64) -> Result<(String, Vec<RoutedOutfit>)> {
    let head = engine
        .active_model()
        .map(|m| m.name.clone())
        .ok_or_else(|| EngineError::NoHead("no active head: train or activate one first".into()))?;
    let judged: HashSet<String> = engine.store().judgements()?.into_iter().map(|j| j.outfit_key).collect();
    let cfg = QueueConfig { size: count, seed, ..Default::default() };
    let proposals = propose(engine, &cfg, count, seed, &judged)?;
    Ok((head, proposals.into_iter().map(|c| (c.skus, Some(c.score as f64))).collect()))
}

/// The source a judgement of this queue outfit records: a generated look's, else the queue's.
pub fn judgement_source(e: &QueueItem) -> JudgementSource {
    if e.source == outfit_store::queue::GENERATED_SOURCE { JudgementSource::Generated } else { JudgementSource::Queue }
}

fn queued_candidate(engine: &Engine, e: &QueueItem) -> Option<Candidate> {
    let items: Vec<_> = e.skus.iter().map(|s| engine.item_by_sku(s)).collect::<Option<_>>()?;
    let seed = engine.item_by_sku(&e.seed_sku).or(items.first().copied())?;
    let mut brands: Vec<String> = items.iter().map(|i| i.item.brand.to_string()).filter(|b| !b.is_empty()).collect();
    brands.sort();
    brands.dedup();
    Some(Candidate {
        skus: e.skus.clone(),
        item_ids: items.iter().map(|i| i.id).collect(),
        seed_sku: e.seed_sku.clone(),
        seed_slot: seed.item.slot,
        brands,
        age_group: seed.item.age_group,
        score: e.score as f32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64, source: &str, batch: Option<&str>, status: QueueStatus) -> QueueItem {
        QueueItem {
            id,
            stylist: "ana".into(),
            position: id,
            skus: vec![format!("A{id}"), format!("B{id}")],
            outfit_key: format!("k{id}"),
            score: 0.5,
            seed_sku: format!("A{id}"),
            status,
            verdict: None,
            judgement_id: None,
            created_at: String::new(),
            decided_at: None,
            source: source.into(),
            template: String::new(),
            params_json: batch.map(|b| serde_json::json!({ "batch": b }).to_string()).unwrap_or_else(|| "{}".into()),
        }
    }

    fn queue(entries: Vec<QueueItem>) -> ReviewQueue {
        ReviewQueue { stylist: "ana".into(), entries, config: QueueConfig::default(), view: QueueView::All, cursor: None }
    }

    #[test]
    fn views_narrow_to_a_batch_or_a_source_and_steps_move_without_deciding() {
        use QueueStatus::*;
        let mut q = queue(vec![
            entry(1, "active", None, Pending),
            entry(2, "active", None, Pending),
            entry(3, "generated", Some("b1"), Done),
            entry(4, "generated", Some("b1"), Pending),
            entry(5, "generated", Some("b2"), Pending),
            entry(6, "generated", Some("b2"), Pending),
            entry(7, "generated", Some("b2"), Pending),
        ]);
        assert_eq!(q.next().unwrap().id, 1);
        assert_eq!(q.batches(), [("b1".to_string(), 1), ("b2".to_string(), 3)]);
        q.set_view(QueueView::Batch("b2".into()));
        assert_eq!((q.next().unwrap().id, q.pending_in_view()), (5, 3));
        assert_eq!(q.upcoming(5).iter().map(|e| e.id).collect::<Vec<_>>(), [6, 7]);
        assert!(q.step(true) && q.step(true) && !q.step(true));
        assert_eq!(q.next().unwrap().id, 7);
        assert!(q.step(false));
        assert_eq!(q.next().unwrap().id, 6);
        // Nothing was decided by moving.
        assert_eq!(q.counts().pending, 6);
        q.set_view(QueueView::ModelPicked);
        assert_eq!(q.next().unwrap().id, 1);
        q.set_view(QueueView::Generated);
        assert_eq!((q.next().unwrap().id, q.pending_in_view()), (4, 4));
    }
}
