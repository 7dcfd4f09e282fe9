//! The local half of team mode: which team this database joined (URL without password, stylist, pull cursor), the
//! outbox of local events the sync worker pushes (filled by triggers in the judging transaction, see migration
//! "team-mode"), and applying the team's events pulled from the server, one batch per transaction.

use super::types::{Missing, StoreError};
use super::{Store, now};
use rusqlite::{OptionalExtension, params};

/// The team this database is joined to. Never holds a password: credentials come from `~/.pgpass`, `PGPASSFILE` or
/// a prompt each time the app connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamConfig {
    pub url: String,
    /// The stylist (PostgreSQL role) whose local judgements are pushed.
    pub stylist: String,
    pub joined_at: String,
    /// The server's last applied event sequence number.
    pub cursor: i64,
    pub last_sync_at: Option<String>,
}

/// One event of the team's log: a judgement with what the server keeps of it, or an undo of one (then only the
/// id, stylist and time count).
#[derive(Debug, Clone, PartialEq)]
pub struct TeamEvent {
    pub kind: TeamEventKind,
    pub judgement_uuid: String,
    pub stylist: String,
    /// The event's own time (the judgement's `at`, or the undo's `undone_at`).
    pub at: String,
    pub outfit_key: String,
    pub skus_json: String,
    pub verdict: String,
    pub model_name: Option<String>,
    pub score: Option<f64>,
    pub source: String,
    pub reasons_json: String,
}

/// A local event waiting in the outbox, under its own id (a judgement's is the judgement's id).
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEvent {
    pub seq: i64,
    pub event_id: String,
    pub event: TeamEvent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamEventKind {
    Judgement,
    Undo,
}

/// An event of the team's shared log, as pulled from the server, with its position in the log.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteEvent {
    pub seq: i64,
    pub event: TeamEvent,
}

/// Outbox counts for the status line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub pending: usize,
    /// Events the server refused for good (another stylist's name, say); kept with the reason, never retried.
    pub refused: usize,
    pub pushed: usize,
}

impl Store {
    pub fn team_config(&self) -> Result<Option<TeamConfig>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT url, stylist, joined_at, cursor, last_sync_at FROM team_config WHERE id = 1", [], |r| {
                Ok(TeamConfig { url: r.get(0)?, stylist: r.get(1)?, joined_at: r.get(2)?, cursor: r.get(3)?, last_sync_at: r.get(4)? })
            })
            .optional()?)
    }

    /// Joins a team (or changes the URL or stylist of the joined one; the pull cursor restarts when the URL
    /// changes). From now on this stylist's judgements and undos enter the outbox. `url` must carry no password.
    pub fn join_team(&mut self, url: &str, stylist: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO team_config (id, url, stylist, joined_at) VALUES (1, ?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET stylist = excluded.stylist,
                     cursor = CASE WHEN url = excluded.url THEN cursor ELSE 0 END,
                     share_cursor = CASE WHEN url = excluded.url THEN share_cursor ELSE 0 END, url = excluded.url",
                params![url, stylist, now()],
            )?;
            Ok(())
        })
    }

    /// Leaves the team: nothing more enters the outbox; what is pending stays (and is pushed if the team is joined
    /// again).
    pub fn leave_team(&mut self) -> Result<(), StoreError> {
        self.write(|tx| Ok(tx.execute("DELETE FROM team_config", []).map(|_| ())?))
    }

    /// Puts this stylist's judgements made before joining (and their undos) in the outbox, once, with their
    /// original times, and the looks they approved: an event already in the outbox is not added again. Returns how
    /// many events were added.
    pub fn enqueue_team_history(&mut self) -> Result<usize, StoreError> {
        self.write(|tx| {
            let Some(stylist) = tx.query_row("SELECT stylist FROM team_config", [], |r| r.get::<_, String>(0)).optional()? else {
                return Err(StoreError::NotFound(Missing::Team));
            };
            let judged = tx.execute(
                "INSERT INTO team_outbox (event_id, kind, judgement_uuid, at)
                 SELECT uuid, 'judgement', uuid, at FROM judgements j
                 WHERE origin = 'local' AND stylist = ?1
                   AND NOT EXISTS (SELECT 1 FROM team_outbox o WHERE o.kind = 'judgement' AND o.judgement_uuid = j.uuid)
                 ORDER BY id",
                [&stylist],
            )?;
            // Undos get fresh ids (the undo's time stays in `at`); the NOT EXISTS keeps a second request from adding
            // them again.
            let targets: Vec<(String, String)> = tx
                .prepare(
                    "SELECT uuid, undone_at FROM judgements j
                     WHERE origin = 'local' AND stylist = ?1 AND undone_at IS NOT NULL
                       AND NOT EXISTS (SELECT 1 FROM team_outbox o WHERE o.kind = 'undo' AND o.judgement_uuid = j.uuid)
                     ORDER BY id",
                )?
                .query_map([&stylist], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            for (uuid, at) in &targets {
                tx.execute(
                    "INSERT INTO team_outbox (event_id, kind, judgement_uuid, at) VALUES (?1, 'undo', ?2, ?3)",
                    params![uuid::Uuid::now_v7().to_string(), uuid, at],
                )?;
            }
            let undone = targets.len();
            Ok(judged + undone + super::share::enqueue_look_history(tx)?)
        })
    }

    /// The oldest `limit` outbox events not yet pushed nor refused, in the order they were committed.
    pub fn team_outbox_pending(&self, limit: usize) -> Result<Vec<OutboxEvent>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT o.seq, o.event_id, o.kind, o.judgement_uuid, o.at, j.stylist, j.outfit_key, j.skus_json, j.verdict,
                    j.model_name, j.score, j.source, j.reasons
             FROM team_outbox o JOIN judgements j ON j.uuid = o.judgement_uuid
             WHERE o.pushed_at IS NULL AND o.refused IS NULL ORDER BY o.seq LIMIT ?1",
        )?;
        let rows = st.query_map([limit as i64], |r| {
            let kind: String = r.get(2)?;
            Ok(OutboxEvent {
                seq: r.get(0)?,
                event_id: r.get(1)?,
                event: TeamEvent {
                    kind: if kind == "undo" { TeamEventKind::Undo } else { TeamEventKind::Judgement },
                    judgement_uuid: r.get(3)?,
                    at: r.get(4)?,
                    stylist: r.get(5)?,
                    outfit_key: r.get(6)?,
                    skus_json: r.get(7)?,
                    verdict: r.get(8)?,
                    model_name: r.get(9)?,
                    score: r.get(10)?,
                    source: r.get(11)?,
                    reasons_json: r.get(12)?,
                },
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Marks outbox events as on the server (after the server committed them: a crash in between pushes them again,
    /// which the server ignores by id).
    pub fn team_outbox_pushed(&mut self, seqs: &[i64]) -> Result<(), StoreError> {
        let at = now();
        self.write(|tx| {
            let mut st = tx.prepare_cached("UPDATE team_outbox SET pushed_at = ?2 WHERE seq = ?1")?;
            for s in seqs {
                st.execute(params![s, at])?;
            }
            tx.execute("UPDATE team_config SET last_sync_at = ?1", [&at])?;
            Ok(())
        })
    }

    /// Sets an event aside with the server's reason: it is kept (nothing is lost) but not retried, so one bad event
    /// does not block the ones behind it.
    pub fn team_outbox_refused(&mut self, seq: i64, why: &str) -> Result<(), StoreError> {
        self.write(|tx| Ok(tx.execute("UPDATE team_outbox SET refused = ?2 WHERE seq = ?1", params![seq, why]).map(|_| ())?))
    }

    /// Counts over both outboxes: judgements and undos, and the shared looks, heads and catalogues.
    pub fn team_outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FILTER (WHERE pushed_at IS NULL AND refused IS NULL), COUNT(*) FILTER (WHERE refused IS NOT NULL),
                    COUNT(*) FILTER (WHERE pushed_at IS NOT NULL)
             FROM (SELECT pushed_at, refused FROM team_outbox UNION ALL SELECT pushed_at, refused FROM team_share_outbox)",
            [],
            |r| {
                Ok(OutboxCounts {
                    pending: r.get::<_, i64>(0)? as usize,
                    refused: r.get::<_, i64>(1)? as usize,
                    pushed: r.get::<_, i64>(2)? as usize,
                })
            },
        )?)
    }

    /// Applies a batch of the team's events in one transaction and moves the cursor past them: a judgement already
    /// here (our own, echoed back, or one pulled before a crash) is skipped by its id, an undo marks its judgement
    /// undone. Returns how many judgements were new here.
    pub fn apply_team_events(&mut self, events: &[RemoteEvent], cursor: i64) -> Result<usize, StoreError> {
        let at = now();
        self.write(|tx| {
            let mut new = 0;
            for RemoteEvent { event: e, .. } in events {
                match e.kind {
                    TeamEventKind::Judgement => {
                        tx.execute("INSERT OR IGNORE INTO stylists (name, created_at) VALUES (?1, ?2)", params![e.stylist, at])?;
                        new += tx.execute(
                            "INSERT OR IGNORE INTO judgements (uuid, origin, outfit_key, skus_json, verdict, stylist, at, model_name, score, source, reasons)
                             VALUES (?1, 'team', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                            params![
                                e.judgement_uuid,
                                e.outfit_key,
                                e.skus_json,
                                e.verdict,
                                e.stylist,
                                e.at,
                                e.model_name,
                                e.score,
                                e.source,
                                e.reasons_json
                            ],
                        )?;
                    }
                    TeamEventKind::Undo => {
                        tx.execute("UPDATE judgements SET undone_at = ?2 WHERE uuid = ?1 AND undone_at IS NULL", params![e.judgement_uuid, e.at])?;
                    }
                }
            }
            tx.execute("UPDATE team_config SET cursor = MAX(cursor, ?1), last_sync_at = ?2", params![cursor, at])?;
            Ok(new)
        })
    }

    /// Whether a judgement with this global id is here (pulled or made here).
    pub fn has_judgement_uuid(&self, uuid: &str) -> Result<bool, StoreError> {
        Ok(self.conn.prepare_cached("SELECT 1 FROM judgements WHERE uuid = ?1")?.exists([uuid])?)
    }

    /// Every judgement id this store holds (local and team), for checks that the team's log arrived whole.
    pub fn judgement_uuids(&self) -> Result<Vec<String>, StoreError> {
        let mut st = self.conn.prepare("SELECT uuid FROM judgements ORDER BY id")?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NewJudgement, Verdict};

    fn judge(s: &mut Store, stylist: &str, skus: [&str; 2]) -> i64 {
        let j = NewJudgement {
            score: Some(0.5),
            ..NewJudgement::new(skus.iter().map(|s| s.to_string()).collect(), Verdict::Accept, stylist, crate::JudgementSource::Manual)
        };
        s.record_judgement(&j).unwrap()
    }

    #[test]
    fn the_outbox_fills_in_the_judging_transaction_only_when_joined() {
        let mut s = Store::open_in_memory().unwrap();
        let before = judge(&mut s, "ana", ["A", "B"]);
        assert_eq!(s.team_outbox_counts().unwrap().pending, 0, "a solo stylist's store has no outbox traffic");
        s.join_team("postgres://ana@db/team", "ana").unwrap();
        let a = judge(&mut s, "ana", ["A", "C"]);
        judge(&mut s, "bob", ["A", "D"]); // imported under another name: not ours to push
        s.undo_judgement(a).unwrap();
        let pending = s.team_outbox_pending(10).unwrap();
        let kinds: Vec<_> = pending.iter().map(|e| e.event.kind).collect();
        assert_eq!(kinds, [TeamEventKind::Judgement, TeamEventKind::Undo]);
        let ja = s.judgement(a).unwrap().unwrap();
        assert_eq!(pending[0].event.judgement_uuid, ja.uuid);
        assert_eq!(pending[0].event_id, ja.uuid);
        assert_eq!(&ja.uuid[14..15], "7", "a UUID v7: {}", ja.uuid);
        assert_ne!(pending[1].event_id, ja.uuid);
        // History goes up on request, once.
        assert_eq!(s.enqueue_team_history().unwrap(), 1, "the judgement made before joining");
        assert_eq!(s.enqueue_team_history().unwrap(), 0);
        assert_eq!(s.team_outbox_pending(10).unwrap()[2].event.judgement_uuid, s.judgement(before).unwrap().unwrap().uuid);
        s.team_outbox_pushed(&[pending[0].seq]).unwrap();
        s.team_outbox_refused(pending[1].seq, "no").unwrap();
        assert_eq!(s.team_outbox_counts().unwrap(), OutboxCounts { pending: 1, refused: 1, pushed: 1 });
    }

    #[test]
    fn team_events_apply_once_and_undo() {
        let mut s = Store::open_in_memory().unwrap();
        s.join_team("postgres://ana@db/team", "ana").unwrap();
        let ev = |seq, kind| RemoteEvent {
            seq,
            event: TeamEvent {
                kind,
                judgement_uuid: "0190f0f0-0000-7000-8000-000000000001".into(),
                stylist: "bob".into(),
                at: "2026-01-01T00:00:00.000Z".into(),
                outfit_key: "1:A 1:B".into(),
                skus_json: r#"["A","B"]"#.into(),
                verdict: "reject".into(),
                model_name: None,
                score: None,
                source: "queue".into(),
                reasons_json: "[]".into(),
            },
        };
        assert_eq!(s.apply_team_events(&[ev(1, TeamEventKind::Judgement)], 1).unwrap(), 1);
        assert_eq!(s.apply_team_events(&[ev(1, TeamEventKind::Judgement)], 1).unwrap(), 0);
        assert_eq!(s.judgements().unwrap().len(), 1);
        assert_eq!(s.team_outbox_counts().unwrap().pending, 0, "another's judgement is not pushed back");
        s.apply_team_events(&[ev(2, TeamEventKind::Undo)], 2).unwrap();
        assert!(s.judgements().unwrap().is_empty());
        assert_eq!(s.team_config().unwrap().unwrap().cursor, 2);
    }
}
