//! Model versions: every head (shipped, pretrained, fine-tuned) is a row with its weights, lineage and metrics.

use super::types::{Missing, StoreError};
use super::{Result, Store, now};
use rusqlite::{OptionalExtension, Row, params};

#[derive(Debug, Clone)]
pub struct ModelRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub encoder_key: String,
    pub sha256: String,
    /// The head's safetensors bytes.
    pub weights: Vec<u8>,
    /// Plain words on the data it was trained on, shown to users ("untrained zero-shot", "adult Polyvore", ...).
    pub trained_on: String,
    pub params_json: String,
    pub metrics_json: String,
    pub created_at: String,
    pub active: bool,
}

const COLS: &str = "id, name, kind, parent_id, encoder_key, sha256, weights, trained_on, params_json, metrics_json, created_at, active";

fn row(r: &Row) -> rusqlite::Result<ModelRow> {
    Ok(ModelRow {
        id: r.get(0)?,
        name: r.get(1)?,
        kind: r.get(2)?,
        parent_id: r.get(3)?,
        encoder_key: r.get(4)?,
        sha256: r.get(5)?,
        weights: r.get(6)?,
        trained_on: r.get(7)?,
        params_json: r.get(8)?,
        metrics_json: r.get(9)?,
        created_at: r.get(10)?,
        active: r.get(11)?,
    })
}

impl Store {
    /// Inserts a model version (not active) made here (a trained or fine-tuned head); returns its id. While this
    /// database is joined to a team, the version is published to it (queued in the same transaction).
    pub fn insert_model(&mut self, m: &ModelRow) -> Result<i64> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO models (name, kind, parent_id, encoder_key, sha256, weights, trained_on, params_json, metrics_json, created_at, active)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0)",
                params![m.name, m.kind, m.parent_id, m.encoder_key, m.sha256, m.weights, m.trained_on, m.params_json, m.metrics_json, now()],
            )?;
            let id = tx.last_insert_rowid();
            super::share::enqueue_head(tx, id)?;
            Ok(id)
        })
    }

    /// Publishes a model version made before joining the team (or publishes one again after a refusal); returns
    /// its global id. Errors when this database joined no team.
    pub fn publish_model(&mut self, id: i64) -> Result<String> {
        self.write(|tx| {
            if tx.query_row("SELECT COUNT(*) FROM team_config", [], |r| r.get::<_, i64>(0))? == 0 {
                return Err(StoreError::NotFound(Missing::Team));
            }
            let uuid: String = tx
                .query_row("SELECT uuid FROM models WHERE id = ?1", [id], |r| r.get(0))
                .optional()?
                .ok_or(StoreError::NotFound(Missing::Model(id)))?;
            super::share::enqueue_head(tx, id)?;
            Ok(uuid)
        })
    }

    /// Installs `m` unless a version of that name exists, in one immediate transaction (concurrent first opens
    /// install a shipped head once). Returns whether it was inserted.
    pub fn insert_model_if_absent(&mut self, m: &ModelRow) -> Result<bool> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let exists: Option<i64> = tx.query_row("SELECT id FROM models WHERE name = ?1", [&m.name], |r| r.get(0)).optional()?;
        if exists.is_none() {
            tx.execute(
                "INSERT INTO models (name, kind, parent_id, encoder_key, sha256, weights, trained_on, params_json, metrics_json, created_at, active)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0)",
                params![m.name, m.kind, m.parent_id, m.encoder_key, m.sha256, m.weights, m.trained_on, m.params_json, m.metrics_json, now()],
            )?;
        }
        tx.commit()?;
        Ok(exists.is_none())
    }

    /// Installs `m` and makes it active unless a head is already active, in one immediate transaction, so two
    /// app instances opening a fresh database at once end with one default head. Returns the active model.
    pub fn activate_default_model(&mut self, m: &ModelRow) -> Result<ModelRow> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let active: Option<i64> = tx.query_row("SELECT id FROM models WHERE active = 1", [], |r| r.get(0)).optional()?;
        let id = match active {
            Some(id) => id,
            None => {
                let existing: Option<i64> = tx.query_row("SELECT id FROM models WHERE name = ?1", [&m.name], |r| r.get(0)).optional()?;
                let id = match existing {
                    Some(id) => id,
                    None => {
                        tx.execute(
                            "INSERT INTO models (name, kind, parent_id, encoder_key, sha256, weights, trained_on, params_json, metrics_json, created_at, active)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0)",
                            params![m.name, m.kind, m.parent_id, m.encoder_key, m.sha256, m.weights, m.trained_on, m.params_json, m.metrics_json, now()],
                        )?;
                        tx.last_insert_rowid()
                    }
                };
                tx.execute("UPDATE models SET active = (id = ?1)", [id])?;
                id
            }
        };
        tx.commit()?;
        self.model_by_id(id)?.ok_or(StoreError::NotFound(Missing::Model(id)))
    }

    pub fn model_by_name(&self, name: &str) -> Result<Option<ModelRow>> {
        Ok(self.conn.query_row(&format!("SELECT {COLS} FROM models WHERE name = ?1"), [name], row).optional()?)
    }

    pub fn model_by_id(&self, id: i64) -> Result<Option<ModelRow>> {
        Ok(self.conn.query_row(&format!("SELECT {COLS} FROM models WHERE id = ?1"), [id], row).optional()?)
    }

    pub fn models(&self) -> Result<Vec<ModelRow>> {
        let mut st = self.conn.prepare(&format!("SELECT {COLS} FROM models ORDER BY id"))?;
        let rows = st.query_map([], row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn active_model(&self) -> Result<Option<ModelRow>> {
        Ok(self.conn.query_row(&format!("SELECT {COLS} FROM models WHERE active = 1"), [], row).optional()?)
    }

    /// Leaves no version active (the engine then activates its default).
    pub fn clear_active_model(&mut self) -> Result<()> {
        self.conn.execute("UPDATE models SET active = 0 WHERE active = 1", [])?;
        Ok(())
    }

    /// Makes one version the active head (switching or rolling back).
    pub fn set_active_model(&mut self, id: i64) -> Result<()> {
        let tx = self.conn.transaction()?;
        let n = tx.execute("UPDATE models SET active = (id = ?1)", [id])?;
        let found: i64 = tx.query_row("SELECT COUNT(*) FROM models WHERE id = ?1", [id], |r| r.get(0))?;
        if found == 0 || n == 0 {
            return Err(StoreError::NotFound(Missing::Model(id)));
        }
        tx.commit()?;
        Ok(())
    }

    pub fn set_model_metrics(&mut self, id: i64, metrics_json: &str) -> Result<()> {
        self.conn.execute("UPDATE models SET metrics_json = ?2 WHERE id = ?1", params![id, metrics_json])?;
        Ok(())
    }
}
