//! SQLite persistence: schema, migrations and typed queries. The only module that writes SQL.
//!
//! Opened in WAL mode with `synchronous=FULL` so a committed judgement survives a crash or power loss, and with a
//! busy timeout so the app and the CLI can share one database.

pub mod catalogues;
mod imports;
mod items;
mod judgements;
mod models;
mod outfits;
mod publishes;
pub mod queue;
mod schema;
mod share;
mod team;
mod types;
mod vectors;

pub use catalogues::{Catalogue, CatalogueKind, CatalogueWatcher, DEMO_CATALOGUE, DeleteReport};
pub use imports::ImportOutcome;
pub use items::{StoredItem, UpsertStats};
pub use judgements::{JudgeEffects, Judgement, JudgementSource, NewJudgement, Recorded, UndoEffects, Verdict};
pub use models::ModelRow;
pub use outfits::{Outfit, OutfitStatus};
pub use publishes::{NewPublish, PublishedState};
pub use share::{RemoteLook, ShareEvent, ShareKind, SharedHead, TeamLook};
pub use team::{OutboxCounts, OutboxEvent, RemoteEvent, TeamConfig, TeamEvent, TeamEventKind};
pub use types::{Missing, StoreError, outfit_key, with_causes};
pub use vectors::{EmbeddingPack, StoredFeatures};

use rusqlite::Connection;
use std::path::{Path, PathBuf};
use types::ResultExt;

/// What every store function returns.
pub(crate) type Result<T, E = StoreError> = std::result::Result<T, E>;

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// Schema version this build writes and understands.
pub const SCHEMA_VERSION: i64 = schema::MIGRATIONS.len() as i64;

impl Store {
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let conn = Connection::open(path).with_context(|| format!("cannot open database {}", path.display()))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .with_context(|| format!("cannot read database {} (is it an Outfit Studio database?)", path.display()))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew { path: path.to_path_buf(), version, supported: SCHEMA_VERSION });
        }
        // Switching a new database to WAL needs every other connection out for a moment, and SQLite answers
        // SQLITE_BUSY at once rather than calling the busy handler: retry while another instance opens the same file.
        let mut tries = 0;
        while let Err(e) = conn.pragma_update(None, "journal_mode", "WAL") {
            tries += 1;
            if e.sqlite_error_code() != Some(rusqlite::ErrorCode::DatabaseBusy) || tries > 200 {
                return Err(e).with_context(|| format!("cannot switch {} to WAL mode", path.display()));
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut store = Store { conn, path: path.to_path_buf() };
        store.migrate(version)?;
        Ok(store)
    }

    /// An in-memory store for tests and benchmarks.
    pub fn open_in_memory() -> Result<Store> {
        let conn = Connection::open_in_memory()?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut store = Store { conn, path: PathBuf::from(":memory:") };
        store.migrate(0)?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How long a write waits for another connection's lock before it reports [`StoreError::Busy`] (10 s by default).
    pub fn set_busy_timeout(&self, t: std::time::Duration) -> Result<()> {
        Ok(self.conn.busy_timeout(t)?)
    }

    /// Runs one user action as one IMMEDIATE transaction (the write lock first, so it cannot deadlock halfway).
    /// A busy database is retried once; if still busy, nothing was written and the caller says so.
    pub fn write<T>(&mut self, f: impl Fn(&rusqlite::Transaction) -> Result<T>) -> Result<T> {
        let mut retried = false;
        loop {
            let attempt = (|| {
                let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                let v = f(&tx)?;
                tx.commit()?;
                Ok(v)
            })();
            match attempt {
                Err(StoreError::Busy(_)) if !retried => retried = true,
                r => return r,
            }
        }
    }

    fn migrate(&mut self, from: i64) -> Result<()> {
        for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(from as usize) {
            // IMMEDIATE: take the write lock first (waiting out the busy timeout), then re-read the version under it,
            // since another instance opening the same new database may have run this migration meanwhile.
            let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            if tx.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))? > i as i64 {
                continue;
            }
            tx.execute_batch(sql).with_context(|| format!("schema migration {} failed", i + 1))?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        Ok(())
    }

    pub fn schema_version(&self) -> Result<i64> {
        Ok(self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// `PRAGMA integrity_check`: "ok" or the problems SQLite found.
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}

pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub fn vec_to_blob(v: &[f32]) -> Vec<u8> {
    bytemuck::cast_slice(v).to_vec()
}

pub fn blob_to_vec(b: &[u8]) -> Vec<f32> {
    bytemuck::pod_collect_to_vec(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_schema_is_refused_and_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.db");
        drop(Store::open(&p).unwrap());
        let c = Connection::open(&p).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
        drop(c);
        let before = std::fs::read(&p).unwrap();
        let err = Store::open(&p).err().unwrap();
        assert!(
            matches!(&err, StoreError::TooNew { version: 99, supported: SCHEMA_VERSION, path } if path == &p),
            "not classified as too new: {err:?}"
        );
        assert!(err.to_string().contains("newer"), "{err}");
        assert_eq!(std::fs::read(&p).unwrap(), before);
    }

    #[test]
    fn a_write_behind_another_writers_lock_is_busy() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.db");
        let mut s = Store::open(&p).unwrap();
        let other = Connection::open(&p).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        s.set_busy_timeout(std::time::Duration::from_millis(1)).unwrap();
        let err = s.set_setting("theme", "\"dark\"").unwrap_err();
        assert!(err.is_busy(), "not classified as busy: {err:?}");
        let err = s.ensure_catalogue("hm", "hm.csv", CatalogueKind::Feed).unwrap_err();
        assert!(matches!(err, StoreError::Busy(_)), "not classified as busy: {err:?}");
        other.execute_batch("COMMIT").unwrap();
        s.set_setting("theme", "\"dark\"").unwrap();
    }

    #[test]
    fn missing_things_are_named() {
        let mut s = Store::open_in_memory().unwrap();
        let err = s.set_active_model(42).unwrap_err();
        assert!(matches!(err, StoreError::NotFound(Missing::Model(42))), "{err:?}");
        assert_eq!(err.to_string(), "no model version with id 42");
        match s.items_by_skus(&["NOPE-1".to_string()]).unwrap_err() {
            StoreError::Gone { skus } => assert_eq!(skus, ["NOPE-1"]),
            other => panic!("not classified as gone: {other:?}"),
        }
        assert!(matches!(s.undo_judgement(7).unwrap_err(), StoreError::NotFound(Missing::Judgement(7))));
        assert!(matches!(
            s.set_queue_item(3, queue::QueueStatus::Done, None, None).unwrap_err(),
            StoreError::NotFound(Missing::QueueEntry(3))
        ));
        let err = s.delete_catalogue("nope").unwrap_err();
        assert!(matches!(&err, StoreError::NotFound(Missing::Catalogue { name, known }) if name == "nope" && known.is_empty()), "{err:?}");
        assert_eq!(err.to_string(), "no catalogue \"nope\"; catalogues: none yet");
        assert!(matches!(s.enqueue_team_history().unwrap_err(), StoreError::NotFound(Missing::Team)));
        assert!(matches!(s.ensure_catalogue(" ", "x.csv", CatalogueKind::Feed).unwrap_err(), StoreError::Invalid(_)));
    }

    #[test]
    fn fresh_store_is_at_current_version() {
        let s = Store::open_in_memory().unwrap();
        assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(s.integrity_check().unwrap(), "ok");
    }
}
