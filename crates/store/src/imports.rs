//! Judgements from elsewhere: reading another stylist's database (read-only, in its own schema version) and
//! inserting its judgements here with their provenance, duplicates recognised.

use super::judgements::{COLS, legacy_row, row};
use super::types::{ResultExt, StoreError, to_json};
use super::{Judgement, JudgementSource, Result, Store, now};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;
use std::path::Path;

/// What importing judgements did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub enum ImportOutcome {
    /// Inserted as a new judgement.
    #[default]
    Inserted,
    /// Same stylist, outfit, verdict and time as one already here.
    Duplicate,
    /// Undone in the source: the matching live judgement here was marked undone too.
    UndoneHere,
    /// Undone in the source and not live here: nothing to do.
    UndoneIgnored,
}

impl Store {
    /// Inserts a judgement from elsewhere, keeping its stylist, time and scores, under `source`; a judgement with
    /// the same stylist, outfit key, verdict and time is a duplicate and is not inserted again. Model and outfit
    /// ids refer to the other database, so they are dropped (the model name is kept).
    pub fn import_judgement(&mut self, j: &Judgement, source: &JudgementSource) -> Result<ImportOutcome> {
        if j.skus.len() < 2 || j.stylist.trim().is_empty() {
            return Err(StoreError::invalid(format!("judgement {} is not a label (needs a stylist and at least two items)", j.id)));
        }
        let key = super::outfit_key(&j.skus);
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let existing: Option<(i64, Option<String>)> = tx
            .query_row(
                "SELECT id, undone_at FROM judgements WHERE stylist = ?1 AND outfit_key = ?2 AND verdict = ?3 AND at = ?4
                 ORDER BY undone_at IS NOT NULL LIMIT 1",
                params![j.stylist, key, j.verdict, j.at],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let outcome = match (existing, &j.undone_at) {
            (Some((id, None)), Some(undone)) => {
                tx.execute("UPDATE judgements SET undone_at = ?2 WHERE id = ?1", params![id, undone])?;
                ImportOutcome::UndoneHere
            }
            (Some(_), _) => ImportOutcome::Duplicate,
            (None, Some(_)) => ImportOutcome::UndoneIgnored,
            (None, None) => {
                tx.execute("INSERT OR IGNORE INTO stylists (name, created_at) VALUES (?1, ?2)", params![j.stylist, now()])?;
                tx.execute(
                    "INSERT INTO judgements (outfit_key, skus_json, verdict, stylist, at, model_id, model_name, score, source, reasons, outfit_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6, ?7, ?8, ?9, NULL)",
                    params![
                        key,
                        to_json(&j.skus)?,
                        j.verdict,
                        j.stylist,
                        j.at,
                        j.model_name,
                        j.score,
                        source,
                        to_json(&j.reasons)?
                    ],
                )?;
                ImportOutcome::Inserted
            }
        };
        tx.commit()?;
        Ok(outcome)
    }

    /// Reads every judgement (live and undone) of another Outfit Studio database, opened read-only: the file is
    /// never written, not even migrated, so rows of a database older than migration 3 are read in their old format.
    pub fn read_judgements_of(path: &Path) -> Result<Vec<Judgement>> {
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .with_context(|| format!("cannot open {} read-only", path.display()))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let decode = if version < super::schema::json_labels_version() { legacy_row } else { row };
        // Global ids came with the team-mode migration; an older file's judgements are read without one.
        let cols = if version < super::schema::team_mode_version() { COLS.replace(", uuid", ", NULL") } else { COLS.to_string() };
        let mut st = conn
            .prepare(&format!("SELECT {cols} FROM judgements ORDER BY id"))
            .with_context(|| format!("{} is not an Outfit Studio database (no judgements table)", path.display()))?;
        let rows = st.query_map([], decode)?;
        rows.collect::<rusqlite::Result<_>>().with_context(|| format!("cannot read the judgements of {}", path.display())).map_err(|e| {
            // A corrupt row names its table and id: say which file it is in.
            let StoreError::Corrupt { table, id, detail } = e else { return e };
            StoreError::Corrupt { table, id, detail: format!("{detail} (in {})", path.display()) }
        })
    }
}
