//! SQL for label collection at scale: the persisted review queue, and importing judgements from another
//! stylist's database or label export (keeping their time stamps, so re-imports are recognised as duplicates).

use super::types::{Missing, StoreError, corrupt, json_strings, to_json};
use super::{Result, Store, Verdict, now};
use rusqlite::OptionalExtension;
use rusqlite::{Connection, Row, params};
use serde::{Deserialize, Serialize};

/// Where a proposed outfit stands in a stylist's review queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueStatus {
    Pending,
    Done,
    Skipped,
}

super::types::sql_enum!(QueueStatus, "queue status", [QueueStatus::Pending, QueueStatus::Done, QueueStatus::Skipped]);

impl QueueStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            QueueStatus::Pending => "pending",
            QueueStatus::Done => "done",
            QueueStatus::Skipped => "skipped",
        }
    }
    pub fn parse(s: &str) -> Option<QueueStatus> {
        match s {
            "pending" => Some(QueueStatus::Pending),
            "done" => Some(QueueStatus::Done),
            "skipped" => Some(QueueStatus::Skipped),
            _ => None,
        }
    }
}

/// One proposed outfit of a stylist's review queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueItem {
    pub id: i64,
    pub stylist: String,
    /// Review order within the stylist's queue (0-based, increasing as the queue is extended).
    pub position: i64,
    pub skus: Vec<String>,
    pub outfit_key: String,
    /// The model's compatibility probability when the outfit was proposed.
    pub score: f64,
    pub seed_sku: String,
    pub status: QueueStatus,
    /// The verdict given (done: accept/reject, skipped: skip).
    pub verdict: Option<Verdict>,
    pub judgement_id: Option<i64>,
    pub created_at: String,
    pub decided_at: Option<String>,
    /// Who proposed it: [`ACTIVE_SOURCE`] (the active-learning queue) or [`GENERATED_SOURCE`] (the look generator).
    pub source: String,
    /// The outfit template a generated look follows (empty for the active-learning queue).
    pub template: String,
    /// The generator's parameters as JSON (`{}` for the active-learning queue).
    pub params_json: String,
}

/// Queue source of the active-learning proposals.
pub const ACTIVE_SOURCE: &str = "active";
/// Queue source (and judgement source) of looks made by the look generator.
pub const GENERATED_SOURCE: &str = "generated";

/// A proposal to append to a queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewQueueItem {
    pub skus: Vec<String>,
    pub score: f64,
    pub seed_sku: String,
    /// See [`QueueItem::source`].
    pub source: String,
    pub template: String,
    pub params_json: String,
}

impl NewQueueItem {
    /// An active-learning proposal.
    pub fn active(skus: Vec<String>, score: f64, seed_sku: String) -> NewQueueItem {
        NewQueueItem { skus, score, seed_sku, source: ACTIVE_SOURCE.into(), template: String::new(), params_json: "{}".into() }
    }
}

/// Review counts of generated looks for one template and stylist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GeneratedCounts {
    pub template: String,
    pub stylist: String,
    pub generated: usize,
    /// Decided (accepted, rejected or skipped).
    pub reviewed: usize,
    pub accepted: usize,
    pub rejected: usize,
}

/// Accepts and rejects of generated looks on one day (UTC), for the approval-over-time chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DailyApproval {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub accepted: usize,
    pub rejected: usize,
}

/// One logged export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportLogEntry {
    pub kind: String,
    pub format: String,
    pub path: String,
    pub count: usize,
    pub at: String,
}

const QCOLS: &str = "id, stylist, position, skus_json, outfit_key, score, seed_sku, status, verdict, judgement_id, created_at, decided_at, source, template, params_json";

fn queue_row(r: &Row) -> rusqlite::Result<QueueItem> {
    let id: i64 = r.get(0)?;
    let c = corrupt("queue_items", id);
    Ok(QueueItem {
        id,
        stylist: r.get(1).map_err(&c)?,
        position: r.get(2).map_err(&c)?,
        skus: json_strings(r, 3).map_err(&c)?,
        outfit_key: r.get(4).map_err(&c)?,
        score: r.get(5).map_err(&c)?,
        seed_sku: r.get(6).map_err(&c)?,
        status: r.get(7).map_err(&c)?,
        verdict: r.get(8).map_err(&c)?,
        judgement_id: r.get(9).map_err(&c)?,
        created_at: r.get(10).map_err(&c)?,
        decided_at: r.get(11).map_err(&c)?,
        source: r.get(12).map_err(&c)?,
        template: r.get(13).map_err(&c)?,
        params_json: r.get(14).map_err(&c)?,
    })
}

/// Records the outcome of a queue entry inside the caller's transaction.
pub(super) fn set_queue_item_in(
    conn: &Connection,
    id: i64,
    status: QueueStatus,
    verdict: Option<Verdict>,
    judgement_id: Option<i64>,
) -> Result<(), StoreError> {
    let decided = (status != QueueStatus::Pending).then(now);
    let n = conn.execute(
        "UPDATE queue_items SET status = ?2, verdict = ?3, judgement_id = ?4, decided_at = ?5 WHERE id = ?1",
        params![id, status, verdict, judgement_id, decided],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound(Missing::QueueEntry(id)));
    }
    Ok(())
}

impl Store {
    /// Every queue entry of a stylist, in review order.
    pub fn queue_items(&self, stylist: &str) -> Result<Vec<QueueItem>, StoreError> {
        let mut st = self.conn.prepare(&format!("SELECT {QCOLS} FROM queue_items WHERE stylist = ?1 ORDER BY position"))?;
        let rows = st.query_map([stylist], queue_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Appends proposals after the stylist's last position, in one transaction; returns the new entries.
    pub fn append_queue_items(&mut self, stylist: &str, items: &[NewQueueItem]) -> Result<Vec<QueueItem>> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let next: i64 =
            tx.query_row("SELECT COALESCE(MAX(position) + 1, 0) FROM queue_items WHERE stylist = ?1", [stylist], |r| r.get(0))?;
        let at = now();
        for (i, it) in items.iter().enumerate() {
            tx.execute(
                "INSERT INTO queue_items (stylist, position, skus_json, outfit_key, score, seed_sku, status, created_at,
                                          source, template, params_json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, ?8, ?9, ?10)",
                params![
                    stylist,
                    next + i as i64,
                    to_json(&it.skus)?,
                    super::outfit_key(&it.skus),
                    it.score,
                    it.seed_sku,
                    at,
                    it.source,
                    it.template,
                    it.params_json
                ],
            )?;
        }
        tx.commit()?;
        Ok(self.queue_items(stylist)?.into_iter().filter(|q| q.position >= next).collect())
    }

    /// Records the outcome of a queue entry (or puts it back to pending with `None` verdict and judgement).
    pub fn set_queue_item(
        &mut self,
        id: i64,
        status: QueueStatus,
        verdict: Option<Verdict>,
        judgement_id: Option<i64>,
    ) -> Result<(), StoreError> {
        self.write(|tx| set_queue_item_in(tx, id, status, verdict, judgement_id))
    }

    /// Review counts of generated looks per template and stylist (sorted by both).
    pub fn generated_counts(&self) -> Result<Vec<GeneratedCounts>> {
        let mut st = self.conn.prepare(
            "SELECT template, stylist, COUNT(*), SUM(status <> 'pending'), SUM(verdict = 'accept'), SUM(verdict = 'reject')
             FROM queue_items WHERE source = ?1 GROUP BY template, stylist ORDER BY template, stylist",
        )?;
        let rows = st.query_map([GENERATED_SOURCE], |r| {
            let n = |i: usize| r.get::<_, Option<i64>>(i).map(|v| v.unwrap_or(0) as usize);
            Ok(GeneratedCounts {
                template: r.get(0)?,
                stylist: r.get(1)?,
                generated: n(2)?,
                reviewed: n(3)?,
                accepted: n(4)?,
                rejected: n(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Accepts and rejects of generated looks per day of decision, oldest first.
    pub fn generated_approval_by_day(&self) -> Result<Vec<DailyApproval>> {
        let mut st = self.conn.prepare(
            "SELECT substr(decided_at, 1, 10) AS day, SUM(verdict = 'accept'), SUM(verdict = 'reject') FROM queue_items
             WHERE source = ?1 AND status = 'done' AND decided_at IS NOT NULL GROUP BY day ORDER BY day",
        )?;
        let rows = st.query_map([GENERATED_SOURCE], |r| {
            Ok(DailyApproval { day: r.get(0)?, accepted: r.get::<_, i64>(1)? as usize, rejected: r.get::<_, i64>(2)? as usize })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A setting's JSON value, if one was saved.
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT value_json FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    /// Saves a setting's JSON value (replacing any earlier one).
    pub fn set_setting(&mut self, key: &str, value_json: &str) -> Result<()> {
        serde_json::from_str::<serde_json::Value>(value_json)
            .map_err(|e| StoreError::invalid(format!("setting {key} is not JSON ({e})")))?;
        self.write(|tx| {
            tx.execute(
                "INSERT INTO settings (key, value_json, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at",
                params![key, value_json, now()],
            )?;
            Ok(())
        })?;
        Ok(())
    }

    /// Forgets a setting (the default applies again).
    pub fn clear_setting(&mut self, key: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM settings WHERE key = ?1", [key])?;
            Ok(())
        })?;
        Ok(())
    }

    /// The export log, oldest first.
    pub fn exports_log(&self) -> Result<Vec<ExportLogEntry>> {
        let mut st = self.conn.prepare("SELECT kind, format, path, count, at FROM exports ORDER BY id")?;
        let rows = st.query_map([], |r| {
            Ok(ExportLogEntry { kind: r.get(0)?, format: r.get(1)?, path: r.get(2)?, count: r.get::<_, i64>(3)? as usize, at: r.get(4)? })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The SKUs among `skus` that are not in this catalogue.
    pub fn unknown_skus<'a>(&self, skus: impl IntoIterator<Item = &'a str>) -> Result<Vec<String>> {
        let owned: Vec<String> = skus.into_iter().map(str::to_string).collect();
        Ok(super::items::unknown_skus_in(&self.conn, &owned)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ImportOutcome;
    use crate::NewJudgement;

    #[test]
    fn queue_round_trip_and_import_dedup() {
        let mut s = Store::open_in_memory().unwrap();
        let new = |a: &str, b: &str| NewQueueItem::active(vec![a.into(), b.into()], 0.5, a.into());
        let added = s.append_queue_items("ana", &[new("B", "A"), new("C", "A")]).unwrap();
        assert_eq!(added.iter().map(|q| q.position).collect::<Vec<_>>(), [0, 1]);
        assert_eq!(added[0].outfit_key, "1:A 1:B");
        let more = s.append_queue_items("ana", &[new("D", "A")]).unwrap();
        assert_eq!(more[0].position, 2);
        s.set_queue_item(added[0].id, QueueStatus::Done, Some(Verdict::Accept), None).unwrap();
        let all = s.queue_items("ana").unwrap();
        assert_eq!(all[0].status, QueueStatus::Done);
        assert_eq!(all[0].verdict, Some(Verdict::Accept));
        assert!(all[0].decided_at.is_some());
        assert!(s.queue_items("ben").unwrap().is_empty());

        let id = s
            .record_judgement(&NewJudgement::new(vec!["A".into(), "B".into()], Verdict::Reject, "ben", crate::JudgementSource::Manual))
            .unwrap();
        let j = s.judgement(id).unwrap().unwrap();
        assert_eq!(s.import_judgement(&j, &crate::JudgementSource::imported("x")).unwrap(), ImportOutcome::Duplicate);
        let mut other = j.clone();
        other.at = "2020-01-01T00:00:00.000Z".into();
        assert_eq!(s.import_judgement(&other, &crate::JudgementSource::imported("x")).unwrap(), ImportOutcome::Inserted);
        assert_eq!(s.import_judgement(&other, &crate::JudgementSource::imported("x")).unwrap(), ImportOutcome::Duplicate);
        other.undone_at = Some("2020-01-02T00:00:00.000Z".into());
        assert_eq!(s.import_judgement(&other, &crate::JudgementSource::imported("x")).unwrap(), ImportOutcome::UndoneHere);
        assert_eq!(s.judged_keys("ben").unwrap().len(), 1);
        assert_eq!(s.unknown_skus(["A", "Z"]).unwrap(), ["A", "Z"]);
    }
}
