//! Judgements: the children's-fashion labels. Each is committed before the call returns; undo marks a judgement
//! as undone instead of deleting it, so the audit trail keeps every decision.

use super::OutfitStatus;
use super::items::unknown_skus_in;
use super::outfits::{insert_outfit, rewrite_outfit, set_outfit_status_in};
use super::queue::{QueueStatus, set_queue_item_in};
use super::types::{Missing, StoreError, corrupt, json_strings, outfit_key, to_json};
use super::{Result, Store, now};
use outfit_catalogue::Slot;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Accept,
    Reject,
    Skip,
}

super::types::sql_enum!(Verdict, "verdict", [Verdict::Accept, Verdict::Reject, Verdict::Skip]);

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Accept => "accept",
            Verdict::Reject => "reject",
            Verdict::Skip => "skip",
        }
    }
    pub fn parse(s: &str) -> Option<Verdict> {
        match s {
            "accept" => Some(Verdict::Accept),
            "reject" => Some(Verdict::Reject),
            "skip" => Some(Verdict::Skip),
            _ => None,
        }
    }
}

/// Where a judgement was made. It decides what a judgement does besides labelling: a board's or generated look's
/// accept makes a look, the lead's settles a disagreement, and merged ones keep the file they came from.
/// Stored and exported by the names below ("manual", "import:ben.db").
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, strum::Display, Serialize, Deserialize)]
#[strum(serialize_all = "snake_case")]
#[serde(into = "String", from = "String")]
pub enum JudgementSource {
    /// On the outfit board, every item picked by the stylist.
    #[default]
    Manual,
    /// On the outfit board with at least one of the model's suggestions on it.
    Suggested,
    /// On the command line (`outfit-studio judge`).
    Cli,
    /// A model-picked outfit decided in the review queue.
    Queue,
    /// A look from the look generator decided in the review queue: its accept names the look after its hero.
    Generated,
    /// The lead's judgement that settles a disagreement between stylists; it decides the outfit's training label.
    Settled,
    /// Merged from another stylist's database or labels file (`merge-labels`), by its file name.
    #[strum(to_string = "import:{0}")]
    Imported(String),
    /// A name this version does not know (from a later version or another client through the team server), kept
    /// as it came so that it is written back unchanged.
    #[strum(default)]
    Other(String),
}

impl JudgementSource {
    /// The source of a judgement merged from `file` (`merge-labels`).
    pub fn imported(file: impl Into<String>) -> Self {
        JudgementSource::Imported(file.into())
    }
}

/// Every name parses: unknown ones become [`JudgementSource::Other`], so reading a store never fails on a source.
impl std::str::FromStr for JudgementSource {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Ok(match s {
            "manual" => JudgementSource::Manual,
            "cli" => JudgementSource::Cli,
            "suggested" => JudgementSource::Suggested,
            "queue" => JudgementSource::Queue,
            "generated" => JudgementSource::Generated,
            "settled" => JudgementSource::Settled,
            _ => match s.strip_prefix("import:") {
                Some(file) => JudgementSource::Imported(file.to_string()),
                None => JudgementSource::Other(s.to_string()),
            },
        })
    }
}

impl From<String> for JudgementSource {
    fn from(s: String) -> Self {
        match s.parse() {
            Ok(source) => source,
            Err(never) => match never {},
        }
    }
}

impl From<JudgementSource> for String {
    fn from(s: JudgementSource) -> Self {
        s.to_string()
    }
}

impl rusqlite::ToSql for JudgementSource {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(rusqlite::types::ToSqlOutput::from(self.to_string()))
    }
}

impl rusqlite::types::FromSql for JudgementSource {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        String::column_result(v).map(JudgementSource::from)
    }
}

#[derive(Debug, Clone)]
pub struct NewJudgement {
    pub skus: Vec<String>,
    pub verdict: Verdict,
    pub stylist: String,
    pub model_id: Option<i64>,
    pub model_name: Option<String>,
    pub score: Option<f64>,
    pub source: JudgementSource,
    pub reasons: Vec<String>,
    pub outfit_id: Option<i64>,
}

impl NewJudgement {
    /// A judgement of `skus` made without a head (no model, no score, no reasons) and outside an approved look;
    /// callers set the rest with struct update syntax.
    pub fn new(skus: Vec<String>, verdict: Verdict, stylist: impl Into<String>, source: JudgementSource) -> Self {
        NewJudgement {
            skus,
            verdict,
            stylist: stylist.into(),
            model_id: None,
            model_name: None,
            score: None,
            source,
            reasons: Vec::new(),
            outfit_id: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Judgement {
    pub id: i64,
    pub outfit_key: String,
    pub skus: Vec<String>,
    pub verdict: Verdict,
    pub stylist: String,
    pub at: String,
    pub model_id: Option<i64>,
    pub model_name: Option<String>,
    pub score: Option<f64>,
    pub source: JudgementSource,
    pub reasons: Vec<String>,
    pub outfit_id: Option<i64>,
    pub undone_at: Option<String>,
    /// The global id (UUID v7, minted where the judgement was made): the same judgement on every stylist's store.
    #[serde(default)]
    pub uuid: String,
}

pub(super) const COLS: &str =
    "id, outfit_key, skus_json, verdict, stylist, at, model_id, model_name, score, source, reasons, outfit_id, undone_at, uuid";

pub(super) fn row(r: &Row) -> rusqlite::Result<Judgement> {
    decode(r, false)
}

/// A row of a database older than migration 3 (read-only reads of another stylist's file): reasons were joined
/// with commas and keys with `+`; the key is recomputed from the SKUs.
pub(super) fn legacy_row(r: &Row) -> rusqlite::Result<Judgement> {
    decode(r, true)
}

fn decode(r: &Row, legacy: bool) -> rusqlite::Result<Judgement> {
    let id: i64 = r.get(0)?;
    let c = corrupt("judgements", id);
    let skus = json_strings(r, 2).map_err(&c)?;
    let reasons = if legacy {
        let s: String = r.get(10).map_err(&c)?;
        s.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect()
    } else {
        json_strings(r, 10).map_err(&c)?
    };
    Ok(Judgement {
        id,
        outfit_key: if legacy { outfit_key(&skus) } else { r.get(1).map_err(&c)? },
        skus,
        verdict: r.get(3).map_err(&c)?,
        stylist: r.get(4).map_err(&c)?,
        at: r.get(5).map_err(&c)?,
        model_id: r.get(6).map_err(&c)?,
        model_name: r.get(7).map_err(&c)?,
        score: r.get(8).map_err(&c)?,
        source: r.get(9).map_err(&c)?,
        reasons,
        outfit_id: r.get(11).map_err(&c)?,
        undone_at: r.get(12).map_err(&c)?,
        // A database older than the team-mode migration (read-only reads of another stylist's file) has no id.
        uuid: r.get::<_, Option<String>>(13).ok().flatten().unwrap_or_default(),
    })
}

/// What a judgement changes besides recording itself, committed in the same transaction (one user action, one
/// transaction: a crash leaves all of it or none).
#[derive(Debug, Clone, Copy, Default)]
pub struct JudgeEffects<'a> {
    /// A judgement this one replaces (an edited decision): marked undone, its approved look archived.
    pub replaces: Option<i64>,
    /// The review-queue entry this judgement decides.
    pub queue_item: Option<i64>,
    /// For an accept: the look's items, put on the approved list (a new look, or the reopened `outfit_id`).
    pub look: Option<&'a [(Slot, i64)]>,
    /// The name of a new look ("Look N" when empty).
    pub look_name: &'a str,
    /// The SKUs must be in the catalogue at commit time (a judgement from the app; imported labels need not be):
    /// otherwise [`StoreError::Gone`] and nothing is written.
    pub in_catalogue: bool,
}

/// Undoing a judgement, with what the undo restores, in one transaction.
#[derive(Debug, Clone, Copy, Default)]
pub struct UndoEffects {
    /// The judgement's look was reopened for editing and is approved again (a new look is archived instead).
    pub keep_look: bool,
    /// A review-queue entry that becomes pending again.
    pub requeue: Option<i64>,
}

/// What a judgement write produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub judgement_id: i64,
    /// The approved look of an accept.
    pub outfit_id: Option<i64>,
}

impl Store {
    /// Records a judgement durably (committed, fsynced under `synchronous=FULL`) and returns its id.
    pub fn record_judgement(&mut self, j: &NewJudgement) -> Result<i64, StoreError> {
        Ok(self.judge_action(j, &JudgeEffects::default())?.judgement_id)
    }

    /// Records an accept and puts its look on the approved list (a new outfit, or the reopened `j.outfit_id`
    /// rewritten with these items) in one transaction: a crash leaves both or neither. Returns (judgement, outfit).
    pub fn record_accept(&mut self, j: &NewJudgement, items: &[(Slot, i64)]) -> Result<(i64, i64), StoreError> {
        let r = self.judge_action(j, &JudgeEffects { look: Some(items), ..Default::default() })?;
        Ok((r.judgement_id, r.outfit_id.expect("an accept with a look has an outfit")))
    }

    /// One judging action in one transaction: checks the SKUs are still in the catalogue when asked to
    /// ([`StoreError::Gone`]), undoes a replaced judgement, writes the approved look of an accept, records the judgement and marks the
    /// queue entry it decides.
    pub fn judge_action(&mut self, j: &NewJudgement, fx: &JudgeEffects) -> Result<Recorded, StoreError> {
        self.write(|tx| {
            if fx.in_catalogue {
                let gone = unknown_skus_in(tx, &j.skus)?;
                if !gone.is_empty() {
                    return Err(StoreError::Gone { skus: gone });
                }
            }
            if let Some(old) = fx.replaces {
                undo_in(tx, old, &UndoEffects::default())?;
            }
            let outfit_id = match (j.verdict, fx.look) {
                (Verdict::Accept, Some(items)) => Some(match j.outfit_id {
                    Some(id) => {
                        rewrite_outfit(tx, id, None, Some(OutfitStatus::Approved), items)?;
                        id
                    }
                    None if !fx.look_name.is_empty() => insert_outfit(tx, fx.look_name, OutfitStatus::Approved, &j.stylist, items)?,
                    None => {
                        let n: i64 =
                            tx.query_row("SELECT COUNT(*) FROM outfits WHERE status IN ('approved', 'exported')", [], |r| r.get(0))?;
                        insert_outfit(tx, &format!("Look {}", n + 1), OutfitStatus::Approved, &j.stylist, items)?
                    }
                }),
                _ => j.outfit_id,
            };
            let judgement_id = insert_judgement(tx, j, outfit_id)?;
            if let (Verdict::Accept, Some(_), Some(o)) = (j.verdict, fx.look, outfit_id) {
                super::share::enqueue_look(tx, o, &j.stylist)?;
            }
            if let Some(q) = fx.queue_item {
                let status = if j.verdict == Verdict::Skip { QueueStatus::Skipped } else { QueueStatus::Done };
                set_queue_item_in(tx, q, status, Some(j.verdict), Some(judgement_id))?;
            }
            Ok(Recorded { judgement_id, outfit_id: if j.verdict == Verdict::Accept { outfit_id } else { None } })
        })
    }

    /// Undoes a judgement (kept in the table for the audit trail, no longer a label) with everything the undo
    /// restores, in one transaction; returns the judgement as it was.
    pub fn undo_action(&mut self, id: i64, fx: &UndoEffects) -> Result<Judgement, StoreError> {
        self.write(|tx| undo_in(tx, id, fx))
    }

    /// Marks a judgement undone; it stays in the table for the audit trail but no longer counts as a label.
    pub fn undo_judgement(&mut self, id: i64) -> Result<(), StoreError> {
        self.write(|tx| {
            let n = tx.execute("UPDATE judgements SET undone_at = ?2 WHERE id = ?1 AND undone_at IS NULL", params![id, now()])?;
            if n == 0 {
                return Err(match judgement_in(tx, id)? {
                    None => StoreError::NotFound(Missing::Judgement(id)),
                    Some(_) => already_undone(id),
                });
            }
            Ok(())
        })
    }

    /// Live (not undone) judgements, oldest first.
    pub fn judgements(&self) -> Result<Vec<Judgement>, StoreError> {
        let mut st = self.conn.prepare(&format!("SELECT {COLS} FROM judgements WHERE undone_at IS NULL ORDER BY id"))?;
        let rows = st.query_map([], row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every judgement including undone ones, for audit and export.
    pub fn all_judgements(&self) -> Result<Vec<Judgement>, StoreError> {
        let mut st = self.conn.prepare(&format!("SELECT {COLS} FROM judgements ORDER BY id"))?;
        let rows = st.query_map([], row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// (today, total) live judgement counts for a stylist; "today" is the UTC date prefix given.
    pub fn judgement_counts(&self, stylist: &str, today_prefix: &str) -> Result<(usize, usize)> {
        let total: i64 =
            self.conn.query_row("SELECT COUNT(*) FROM judgements WHERE stylist = ?1 AND undone_at IS NULL", [stylist], |r| r.get(0))?;
        let today: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM judgements WHERE stylist = ?1 AND undone_at IS NULL AND at LIKE ?2 || '%'",
            params![stylist, today_prefix],
            |r| r.get(0),
        )?;
        Ok((today as usize, total as usize))
    }

    /// Live accept and reject judgements, and the distinct outfits they judge: what training can learn from,
    /// counted in SQL so a write need not read every judgement back.
    pub fn label_counts(&self) -> Result<(usize, usize), StoreError> {
        let (labels, outfits): (i64, i64) = self.conn.query_row(
            "SELECT COUNT(*), COUNT(DISTINCT outfit_key) FROM judgements
             WHERE undone_at IS NULL AND verdict IN ('accept', 'reject')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok((labels as usize, outfits as usize))
    }
}

/// One judgement by id inside the caller's transaction.
fn judgement_in(conn: &Connection, id: i64) -> Result<Option<Judgement>, StoreError> {
    Ok(conn.query_row(&format!("SELECT {COLS} FROM judgements WHERE id = ?1"), [id], row).optional()?)
}

/// Marks a live judgement undone and applies the undo's effects, inside the caller's transaction.
fn undo_in(conn: &Connection, id: i64, fx: &UndoEffects) -> Result<Judgement, StoreError> {
    let j = judgement_in(conn, id)?.ok_or(StoreError::NotFound(Missing::Judgement(id)))?;
    if j.undone_at.is_some() {
        return Err(already_undone(id));
    }
    conn.execute("UPDATE judgements SET undone_at = ?2 WHERE id = ?1", params![id, now()])?;
    if let Some(o) = j.outfit_id {
        // A reopened look stays approved; a look this accept created leaves the approved list.
        if fx.keep_look {
            set_outfit_status_in(conn, o, OutfitStatus::Approved)?;
        } else if j.verdict == Verdict::Accept {
            set_outfit_status_in(conn, o, OutfitStatus::Archived)?;
            super::share::enqueue_archive(conn, o)?;
        }
    }
    if let Some(q) = fx.requeue {
        set_queue_item_in(conn, q, QueueStatus::Pending, None, None)?;
    }
    Ok(j)
}

fn already_undone(id: i64) -> StoreError {
    StoreError::invalid(format!("judgement {id} was already undone"))
}

fn insert_judgement(conn: &Connection, j: &NewJudgement, outfit_id: Option<i64>) -> Result<i64> {
    if j.skus.len() < 2 {
        return Err(StoreError::invalid(format!("an outfit needs at least two items to be judged (got {})", j.skus.len())));
    }
    if j.stylist.trim().is_empty() {
        return Err(StoreError::invalid("a judgement needs a stylist name"));
    }
    conn.execute("INSERT OR IGNORE INTO stylists (name, created_at) VALUES (?1, ?2)", params![j.stylist, now()])?;
    conn.execute(
        "INSERT INTO judgements (outfit_key, skus_json, verdict, stylist, at, model_id, model_name, score, source, reasons, outfit_id, uuid)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            outfit_key(&j.skus),
            to_json(&j.skus)?,
            j.verdict,
            j.stylist,
            now(),
            j.model_id,
            j.model_name,
            j.score,
            j.source,
            to_json(&j.reasons)?,
            outfit_id,
            uuid::Uuid::now_v7().to_string()
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

impl Store {
    /// Outfit keys this stylist has a live judgement on (any verdict).
    pub fn judged_keys(&self, stylist: &str) -> Result<HashSet<String>> {
        let mut st = self.conn.prepare("SELECT DISTINCT outfit_key FROM judgements WHERE stylist = ?1 AND undone_at IS NULL")?;
        let rows = st.query_map([stylist], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One judgement by id (live or undone).
    pub fn judgement(&self, id: i64) -> Result<Option<Judgement>, StoreError> {
        Ok(self.conn.query_row(&format!("SELECT {COLS} FROM judgements WHERE id = ?1"), [id], row).optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sources keep the names stores, label exports and the team server already hold ("settled" is also checked by
    /// the server's SQL), and a name this version does not know survives a round trip unchanged.
    #[test]
    fn judgement_sources_keep_their_stored_names() {
        use JudgementSource::*;
        let named = [
            (Manual, "manual"),
            (Suggested, "suggested"),
            (Cli, "cli"),
            (Queue, "queue"),
            (Generated, "generated"),
            (Settled, "settled"),
            (JudgementSource::imported("ben.db"), "import:ben.db"),
            (Other("kiosk".into()), "kiosk"),
        ];
        let s = Store::open_in_memory().unwrap();
        for (source, name) in named {
            assert_eq!(source.to_string(), name);
            assert_eq!(name.parse::<JudgementSource>().unwrap(), source);
            assert_eq!(serde_json::to_string(&source).unwrap(), format!("\"{name}\""));
            assert_eq!(serde_json::from_str::<JudgementSource>(&format!("\"{name}\"")).unwrap(), source);
            let back: JudgementSource = s.conn.query_row("SELECT ?1", [&source], |r| r.get(0)).unwrap();
            let stored: String = s.conn.query_row("SELECT ?1", [&source], |r| r.get(0)).unwrap();
            assert_eq!((back, stored.as_str()), (source, name));
        }
    }

    fn new(skus: &[&str], v: Verdict) -> NewJudgement {
        NewJudgement {
            score: Some(0.7),
            reasons: vec!["colour_clash".into()],
            ..NewJudgement::new(skus.iter().map(|s| s.to_string()).collect(), v, "ana", JudgementSource::Manual)
        }
    }

    #[test]
    fn an_accept_and_its_look_commit_together() {
        let mut s = Store::open_in_memory().unwrap();
        let feed = b"sku,title,category\nA,Tee,T-shirts\nB,Shorts,Shorts\nC,Sandals,Sandals\n";
        let parsed = outfit_catalogue::parse_feed(std::path::Path::new("f.csv"), feed, std::path::Path::new("."));
        s.upsert_items(&parsed.items, "test").unwrap();
        let items = [(Slot::Top, 1), (Slot::Bottom, 2)];
        // A judgement that cannot be recorded leaves no approved look behind.
        assert!(s.record_accept(&new(&["A"], Verdict::Accept), &items).is_err());
        assert!(s.outfits(&[OutfitStatus::Approved]).unwrap().is_empty());
        let (j, o) = s.record_accept(&new(&["A", "B"], Verdict::Accept), &items).unwrap();
        assert_eq!(s.judgements().unwrap()[0].outfit_id, Some(o));
        assert_eq!(s.outfit(o).unwrap().unwrap().items, items);
        // Re-accepting a reopened look rewrites that look.
        let mut again = new(&["A", "C"], Verdict::Accept);
        again.outfit_id = Some(o);
        let (j2, o2) = s.record_accept(&again, &[(Slot::Top, 1), (Slot::Shoes, 3)]).unwrap();
        assert_eq!(o2, o);
        assert!(j2 > j);
        let look = s.outfit(o).unwrap().unwrap();
        assert_eq!((look.name.as_str(), look.status, look.items.len()), ("Look 1", OutfitStatus::Approved, 2));
    }

    #[test]
    fn record_undo_and_count() {
        let mut s = Store::open_in_memory().unwrap();
        let feed = b"sku,title,category\nA,Tee,T-shirts\nB,Shorts,Shorts\nC,Sandals,Sandals\n";
        let parsed = outfit_catalogue::parse_feed(std::path::Path::new("f.csv"), feed, std::path::Path::new("."));
        s.upsert_items(&parsed.items, "test").unwrap();
        let a = s.record_judgement(&new(&["B", "A"], Verdict::Accept)).unwrap();
        s.record_judgement(&new(&["C", "A"], Verdict::Reject)).unwrap();
        s.record_judgement(&new(&["A", "C"], Verdict::Accept)).unwrap();
        s.record_judgement(&new(&["B", "C"], Verdict::Skip)).unwrap();
        assert_eq!(s.label_counts().unwrap(), (3, 2), "skips are no labels; one outfit judged twice");
        let extra: Vec<i64> = s.judgements().unwrap().iter().skip(2).map(|j| j.id).collect();
        for id in extra {
            s.undo_judgement(id).unwrap();
        }
        assert!(s.record_judgement(&new(&["A"], Verdict::Accept)).is_err());
        let today = &now()[..10];
        assert_eq!(s.judgement_counts("ana", today).unwrap(), (2, 2));
        s.undo_judgement(a).unwrap();
        assert!(s.undo_judgement(a).is_err());
        assert_eq!(s.label_counts().unwrap(), (1, 1));
        let live = s.judgements().unwrap();
        assert_eq!(live.len(), 1);
        assert_eq!(live[0].outfit_key, "1:A 1:C");
        assert_eq!(live[0].reasons, ["colour_clash"]);
        assert_eq!(s.all_judgements().unwrap().len(), 4, "undone ones included");
    }
}
