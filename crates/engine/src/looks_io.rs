//! What the look generator (`outfit_looks`) reads and writes through the engine: settings, the review queue of
//! generated looks and its counters, the head's slot-pair masks. Kept beside the engine so the store stays
//! behind it.

use super::Engine;
use crate::Result;
use outfit_catalogue::Slot;
use outfit_store::queue::{DailyApproval, GeneratedCounts, NewQueueItem, QueueItem};
use std::collections::HashSet;

/// The head's squared slot-pair masks, `[u * Slot::COUNT + v]`, and its calibration `(a, b)`.
pub type SlotMasks<'a> = (Vec<&'a [f32]>, (f32, f32));

impl Engine {
    /// A saved setting's JSON value.
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self.store.setting(key)?)
    }
    /// Saves a setting's JSON value.
    pub fn set_setting(&mut self, key: &str, value_json: &str) -> Result<()> {
        Ok(self.store.set_setting(key, value_json)?)
    }
    /// Forgets a setting (its default applies again).
    pub fn clear_setting(&mut self, key: &str) -> Result<()> {
        Ok(self.store.clear_setting(key)?)
    }
    /// Appends entries to a stylist's review queue in one transaction; returns them as stored.
    pub fn enqueue(&mut self, stylist: &str, items: &[NewQueueItem]) -> Result<Vec<QueueItem>> {
        Ok(self.store.append_queue_items(stylist, items)?)
    }
    /// Outfit keys a stylist has judged or has waiting in their queue: what must not be proposed again.
    pub fn seen_outfit_keys(&self, stylist: &str) -> Result<HashSet<String>> {
        let mut keys = self.store.judged_keys(stylist)?;
        keys.extend(self.store.queue_items(stylist)?.into_iter().map(|q| q.outfit_key));
        Ok(keys)
    }
    /// Review counts of generated looks per template and stylist.
    pub fn generated_counts(&self) -> Result<Vec<GeneratedCounts>> {
        Ok(self.store.generated_counts()?)
    }
    /// Accepts and rejects of generated looks per day.
    pub fn generated_approval_by_day(&self) -> Result<Vec<DailyApproval>> {
        Ok(self.store.generated_approval_by_day()?)
    }
    /// The active head's squared slot-pair masks, `[u * Slot::COUNT + v]`, and its calibration.
    pub fn slot_masks(&self) -> Result<SlotMasks<'_>> {
        let head = self.ready_head()?;
        let masks = Slot::ALL.iter().flat_map(|&u| Slot::ALL.iter().map(move |&v| head.mask_sq(u, v))).collect();
        Ok((masks, head.calibration()))
    }
    /// Catalogue id by name (hidden and deleted ones included); an unknown name is an error naming the known ones.
    pub fn catalogue_id(&self, name: &str) -> Result<i64> {
        Ok(self.store.catalogue_id(name)?)
    }
}
