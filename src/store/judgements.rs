//! Judgements: the children's-fashion labels. Each is committed before the call returns; undo marks a judgement
//! as undone instead of deleting it, so the audit trail keeps every decision.

use super::OutfitStatus;
use super::outfits::{insert_outfit, rewrite_outfit};
use super::{Store, now};
use crate::catalogue::Slot;
use anyhow::{Result, bail};
use rusqlite::{Connection, Row, params};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Accept,
    Reject,
    Skip,
}

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

#[derive(Debug, Clone)]
pub struct NewJudgement {
    pub skus: Vec<String>,
    pub verdict: Verdict,
    pub stylist: String,
    pub model_id: Option<i64>,
    pub model_name: Option<String>,
    pub score: Option<f64>,
    /// Where the outfit came from: manual, suggested, queue, import.
    pub source: String,
    pub reasons: Vec<String>,
    pub outfit_id: Option<i64>,
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
    pub source: String,
    pub reasons: Vec<String>,
    pub outfit_id: Option<i64>,
    pub undone_at: Option<String>,
}

/// Order-independent identity of an outfit: its SKUs sorted and joined.
pub fn outfit_key(skus: &[String]) -> String {
    let mut s: Vec<&str> = skus.iter().map(String::as_str).collect();
    s.sort_unstable();
    s.join("+")
}

pub(super) const COLS: &str =
    "id, outfit_key, skus_json, verdict, stylist, at, model_id, model_name, score, source, reasons, outfit_id, undone_at";

pub(super) fn row(r: &Row) -> rusqlite::Result<Judgement> {
    let skus_json: String = r.get(2)?;
    let reasons: String = r.get(10)?;
    Ok(Judgement {
        id: r.get(0)?,
        outfit_key: r.get(1)?,
        skus: serde_json::from_str(&skus_json).unwrap_or_default(),
        verdict: Verdict::parse(&r.get::<_, String>(3)?).unwrap_or(Verdict::Skip),
        stylist: r.get(4)?,
        at: r.get(5)?,
        model_id: r.get(6)?,
        model_name: r.get(7)?,
        score: r.get(8)?,
        source: r.get(9)?,
        reasons: reasons.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
        outfit_id: r.get(11)?,
        undone_at: r.get(12)?,
    })
}

impl Store {
    /// Records a judgement durably (committed, fsynced under `synchronous=FULL`) and returns its id.
    pub fn record_judgement(&mut self, j: &NewJudgement) -> Result<i64> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let id = insert_judgement(&tx, j, j.outfit_id)?;
        tx.commit()?;
        Ok(id)
    }

    /// Records an accept and puts its look on the approved list (a new outfit, or the reopened `j.outfit_id`
    /// rewritten with these items) in one transaction: a crash leaves both or neither. Returns (judgement, outfit).
    pub fn record_accept(&mut self, j: &NewJudgement, look_name: &str, items: &[(Slot, i64)]) -> Result<(i64, i64)> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let outfit = match j.outfit_id {
            Some(id) => {
                rewrite_outfit(&tx, id, None, Some(OutfitStatus::Approved), items)?;
                id
            }
            None => insert_outfit(&tx, look_name, OutfitStatus::Approved, &j.stylist, items)?,
        };
        let id = insert_judgement(&tx, j, Some(outfit))?;
        tx.commit()?;
        Ok((id, outfit))
    }

    /// Marks a judgement undone; it stays in the table for the audit trail but no longer counts as a label.
    pub fn undo_judgement(&mut self, id: i64) -> Result<()> {
        let n = self.conn.execute("UPDATE judgements SET undone_at = ?2 WHERE id = ?1 AND undone_at IS NULL", params![id, now()])?;
        if n == 0 {
            bail!("judgement {id} does not exist or was already undone");
        }
        Ok(())
    }

    /// Live (not undone) judgements, oldest first.
    pub fn judgements(&self) -> Result<Vec<Judgement>> {
        let mut st = self.conn.prepare(&format!("SELECT {COLS} FROM judgements WHERE undone_at IS NULL ORDER BY id"))?;
        let rows = st.query_map([], row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every judgement including undone ones, for audit and export.
    pub fn all_judgements(&self) -> Result<Vec<Judgement>> {
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
}

fn insert_judgement(conn: &Connection, j: &NewJudgement, outfit_id: Option<i64>) -> Result<i64> {
    if j.skus.len() < 2 {
        bail!("an outfit needs at least two items to be judged (got {})", j.skus.len());
    }
    if j.stylist.trim().is_empty() {
        bail!("a judgement needs a stylist name");
    }
    conn.execute("INSERT OR IGNORE INTO stylists (name, created_at) VALUES (?1, ?2)", params![j.stylist, now()])?;
    conn.execute(
        "INSERT INTO judgements (outfit_key, skus_json, verdict, stylist, at, model_id, model_name, score, source, reasons, outfit_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            outfit_key(&j.skus),
            serde_json::to_string(&j.skus)?,
            j.verdict.as_str(),
            j.stylist,
            now(),
            j.model_id,
            j.model_name,
            j.score,
            j.source,
            j.reasons.join(","),
            outfit_id
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(skus: &[&str], v: Verdict) -> NewJudgement {
        NewJudgement {
            skus: skus.iter().map(|s| s.to_string()).collect(),
            verdict: v,
            stylist: "ana".into(),
            model_id: None,
            model_name: None,
            score: Some(0.7),
            source: "manual".into(),
            reasons: vec!["colour_clash".into()],
            outfit_id: None,
        }
    }

    #[test]
    fn an_accept_and_its_look_commit_together() {
        let mut s = Store::open_in_memory().unwrap();
        let feed = b"sku,title,category\nA,Tee,T-shirts\nB,Shorts,Shorts\nC,Sandals,Sandals\n";
        let parsed = crate::catalogue::parse_feed(std::path::Path::new("f.csv"), feed, std::path::Path::new("."));
        s.upsert_items(&parsed.items, "test").unwrap();
        let items = [(Slot::Top, 1), (Slot::Bottom, 2)];
        // A judgement that cannot be recorded leaves no approved look behind.
        assert!(s.record_accept(&new(&["A"], Verdict::Accept), "Look 1", &items).is_err());
        assert!(s.outfits(&[OutfitStatus::Approved]).unwrap().is_empty());
        let (j, o) = s.record_accept(&new(&["A", "B"], Verdict::Accept), "Look 1", &items).unwrap();
        assert_eq!(s.judgements().unwrap()[0].outfit_id, Some(o));
        assert_eq!(s.outfit(o).unwrap().unwrap().items, items);
        // Re-accepting a reopened look rewrites that look.
        let mut again = new(&["A", "C"], Verdict::Accept);
        again.outfit_id = Some(o);
        let (j2, o2) = s.record_accept(&again, "ignored", &[(Slot::Top, 1), (Slot::Shoes, 3)]).unwrap();
        assert_eq!(o2, o);
        assert!(j2 > j);
        let look = s.outfit(o).unwrap().unwrap();
        assert_eq!((look.name.as_str(), look.status, look.items.len()), ("Look 1", OutfitStatus::Approved, 2));
    }

    #[test]
    fn record_undo_and_count() {
        let mut s = Store::open_in_memory().unwrap();
        let a = s.record_judgement(&new(&["B", "A"], Verdict::Accept)).unwrap();
        s.record_judgement(&new(&["C", "A"], Verdict::Reject)).unwrap();
        assert!(s.record_judgement(&new(&["A"], Verdict::Accept)).is_err());
        let today = &now()[..10];
        assert_eq!(s.judgement_counts("ana", today).unwrap(), (2, 2));
        s.undo_judgement(a).unwrap();
        assert!(s.undo_judgement(a).is_err());
        let live = s.judgements().unwrap();
        assert_eq!(live.len(), 1);
        assert_eq!(live[0].outfit_key, "A+C");
        assert_eq!(live[0].reasons, ["colour_clash"]);
        assert_eq!(s.all_judgements().unwrap().len(), 2);
    }
}
