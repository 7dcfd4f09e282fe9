//! Recording and undoing judgements through the store, each scored by the active head, in one transaction.

use super::*;

impl Engine {
    /// Records a judgement on an outfit, scored by the active head; durable when this returns.
    pub fn judge(
        &mut self,
        skus: &[String],
        verdict: Verdict,
        stylist: &str,
        source: JudgementSource,
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
            source: r.source.clone(),
            reasons: r.reasons.to_vec(),
            outfit_id: r.outfit_id,
        };
        // A review-queue accept or a lead's settlement is a label, not a look for the webshop: only looks built (or
        // reopened) on the board go to the approved list, atomically with their judgement, under a name that says
        // what they are.
        let makes_look = r.verdict == Verdict::Accept && !matches!(r.source, JudgementSource::Queue | JudgementSource::Settled);
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
                Some((hero, rest)) if r.source == JudgementSource::Generated => look_name_from(hero, rest),
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
#[derive(Debug, Clone)]
pub struct JudgeRequest<'a> {
    pub skus: &'a [String],
    pub verdict: Verdict,
    pub stylist: &'a str,
    /// Where it was judged: a queue decision or a lead's settlement is a label only, not a look.
    pub source: JudgementSource,
    pub reasons: &'a [String],
    /// The reopened approved look being judged.
    pub outfit_id: Option<i64>,
    /// A judgement this one replaces (undone in the same transaction).
    pub replaces: Option<i64>,
    /// The review-queue entry this judgement decides (marked in the same transaction).
    pub queue_item: Option<i64>,
}
