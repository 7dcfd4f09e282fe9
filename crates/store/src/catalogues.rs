//! Catalogues: every import belongs to one (name, source, time). A catalogue can be hidden (its items leave
//! the grid, suggestions and review queue) or deleted (items nobody judged are removed; judged ones stay, so
//! their judgements and approved looks keep their SKUs and show as from a deleted catalogue). Also saved
//! column-mapping profiles, and a change stamp other processes' imports can be noticed by.

use super::types::{Missing, StoreError, to_json};
use super::{Result, Store, now};
use outfit_catalogue::{ColumnMapping, Profile};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Name of the catalogue the generated demo feed goes into.
pub const DEMO_CATALOGUE: &str = "Demo";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CatalogueKind {
    Feed,
    Demo,
}

impl CatalogueKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CatalogueKind::Feed => "feed",
            CatalogueKind::Demo => "demo",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Catalogue {
    pub id: i64,
    pub name: String,
    /// The feed it was last imported from.
    pub source: String,
    pub kind: CatalogueKind,
    pub hidden: bool,
    pub deleted_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Items currently in it.
    pub items: usize,
    /// Live judgements of outfits with at least one of its items.
    pub judgements: usize,
}

impl Catalogue {
    pub fn visible(&self) -> bool {
        !self.hidden && self.deleted_at.is_none()
    }
    pub fn status(&self) -> &'static str {
        if self.deleted_at.is_some() {
            "deleted"
        } else if self.hidden {
            "hidden"
        } else {
            "visible"
        }
    }
}

/// What deleting a catalogue did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DeleteReport {
    pub removed_items: usize,
    /// Items kept because judgements or approved looks name them.
    pub kept_items: usize,
    pub judgements_kept: usize,
}

const JUDGED_SKUS: &str = "SELECT DISTINCT s.value FROM judgements j, json_each(j.skus_json) s WHERE j.undone_at IS NULL";

impl Store {
    /// Every catalogue (deleted ones too), oldest first, with item and judgement counts.
    pub fn catalogues(&self) -> Result<Vec<Catalogue>> {
        let mut st = self.conn.prepare(
            "SELECT c.id, c.name, c.source, c.kind, c.hidden, c.deleted_at, c.created_at, c.updated_at,
                    (SELECT COUNT(*) FROM items i WHERE i.catalogue_id = c.id),
                    (SELECT COUNT(DISTINCT j.id) FROM judgements j, json_each(j.skus_json) s JOIN items i ON i.sku = s.value
                      WHERE j.undone_at IS NULL AND i.catalogue_id = c.id)
             FROM catalogues c ORDER BY c.id",
        )?;
        let rows = st.query_map([], |r| {
            Ok(Catalogue {
                id: r.get(0)?,
                name: r.get(1)?,
                source: r.get(2)?,
                kind: if r.get::<_, String>(3)? == "demo" { CatalogueKind::Demo } else { CatalogueKind::Feed },
                hidden: r.get(4)?,
                deleted_at: r.get(5)?,
                created_at: r.get(6)?,
                updated_at: r.get(7)?,
                items: r.get::<_, i64>(8)? as usize,
                judgements: r.get::<_, i64>(9)? as usize,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn catalogue_by_name(&self, name: &str) -> Result<Option<Catalogue>> {
        Ok(self.catalogues()?.into_iter().find(|c| c.name == name))
    }

    /// The catalogue an import goes into: created when new (a first real catalogue hides the demo), revived
    /// when it had been deleted, its source and time updated otherwise.
    pub fn ensure_catalogue(&mut self, name: &str, source: &str, kind: CatalogueKind) -> Result<i64> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::invalid("a catalogue needs a name"));
        }
        let at = now();
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let existing: Option<i64> = tx.query_row("SELECT id FROM catalogues WHERE name = ?1", [name], |r| r.get(0)).optional()?;
        let id = match existing {
            Some(id) => {
                tx.execute(
                    "UPDATE catalogues SET source = ?2, hidden = CASE WHEN deleted_at IS NULL THEN hidden ELSE 0 END, deleted_at = NULL,
                     updated_at = ?3, revision = revision + 1 WHERE id = ?1",
                    params![id, source, at],
                )?;
                id
            }
            None => {
                tx.execute(
                    "INSERT INTO catalogues (name, source, kind, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                    params![name, source, kind.as_str(), at],
                )?;
                let id = tx.last_insert_rowid();
                if kind == CatalogueKind::Demo {
                    tx.execute(
                        "UPDATE catalogues SET hidden = 1 WHERE id = ?1 AND EXISTS (SELECT 1 FROM catalogues WHERE kind = 'feed')",
                        [id],
                    )?;
                } else {
                    tx.execute(
                        "UPDATE catalogues SET hidden = 1, updated_at = ?1, revision = revision + 1
                         WHERE kind = 'demo' AND hidden = 0 AND NOT EXISTS (SELECT 1 FROM catalogues WHERE kind = 'feed' AND id != ?2)",
                        params![at, id],
                    )?;
                }
                id
            }
        };
        tx.commit()?;
        Ok(id)
    }

    /// Puts these SKUs in a catalogue (an item moves when another catalogue re-imports its SKU).
    pub fn assign_catalogue(&mut self, catalogue_id: i64, skus: &[String]) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut st = tx.prepare_cached("UPDATE items SET catalogue_id = ?1 WHERE sku = ?2 AND catalogue_id IS NOT ?1")?;
            for s in skus {
                st.execute(params![catalogue_id, s])?;
            }
            tx.execute("UPDATE catalogues SET updated_at = ?2, revision = revision + 1 WHERE id = ?1", params![catalogue_id, now()])?;
            super::share::enqueue_catalogue(&tx, catalogue_id)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// A catalogue's id by name (hidden and deleted ones included); an unknown name is an error listing the known ones.
    pub fn catalogue_id(&self, name: &str) -> Result<i64> {
        self.conn.query_row("SELECT id FROM catalogues WHERE name = ?1", [name], |r| r.get(0)).optional()?.ok_or_else(|| {
            let known = self.catalogues().map(|c| c.into_iter().map(|c| c.name).collect()).unwrap_or_default();
            StoreError::NotFound(Missing::Catalogue { name: name.to_string(), known })
        })
    }

    /// Hides or shows a catalogue. Hiding drops pending review-queue outfits that use its items.
    pub fn set_catalogue_hidden(&mut self, name: &str, hidden: bool) -> Result<()> {
        let id = self.catalogue_id(name)?;
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE catalogues SET hidden = ?2, updated_at = ?3, revision = revision + 1 WHERE id = ?1",
            params![id, hidden, now()],
        )?;
        if hidden {
            drop_pending_queue(&tx, id)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Deletes a catalogue: its items that no judgement or approved look names are removed (with their
    /// features); the others stay so those judgements keep resolving, marked by the deleted catalogue.
    pub fn delete_catalogue(&mut self, name: &str) -> Result<DeleteReport> {
        let id = self.catalogue_id(name)?;
        let before = self.catalogues()?.into_iter().find(|c| c.id == id).map(|c| (c.items, c.judgements)).unwrap_or_default();
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        drop_pending_queue(&tx, id)?;
        let removed = tx.execute(
            &format!(
                "DELETE FROM items WHERE catalogue_id = ?1 AND sku NOT IN ({JUDGED_SKUS})
                   AND id NOT IN (SELECT item_id FROM outfit_items)
                   AND sku NOT IN (SELECT s.value FROM queue_items q, json_each(q.skus_json) s)"
            ),
            [id],
        )?;
        tx.execute(
            "UPDATE catalogues SET deleted_at = ?2, hidden = 1, updated_at = ?2, revision = revision + 1 WHERE id = ?1",
            params![id, now()],
        )?;
        tx.commit()?;
        Ok(DeleteReport { removed_items: removed, kept_items: before.0 - removed, judgements_kept: before.1 })
    }

    /// Ids of items whose catalogue is hidden or deleted.
    pub fn hidden_item_ids(&self) -> Result<HashSet<i64>> {
        let mut st = self.conn.prepare(
            "SELECT i.id FROM items i JOIN catalogues c ON c.id = i.catalogue_id WHERE c.hidden = 1 OR c.deleted_at IS NOT NULL",
        )?;
        let rows = st.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// (item id, catalogue id) for every item in a catalogue.
    pub fn item_catalogues(&self) -> Result<Vec<(i64, i64)>> {
        let mut st = self.conn.prepare("SELECT id, catalogue_id FROM items WHERE catalogue_id IS NOT NULL")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Ids of live judgements that name an item of a deleted catalogue.
    pub fn judgements_from_deleted_catalogues(&self) -> Result<HashSet<i64>> {
        let mut st = self.conn.prepare(
            "SELECT DISTINCT j.id FROM judgements j, json_each(j.skus_json) s JOIN items i ON i.sku = s.value
             JOIN catalogues c ON c.id = i.catalogue_id WHERE c.deleted_at IS NOT NULL AND j.undone_at IS NULL",
        )?;
        let rows = st.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Grows with every catalogue change (import, hide, show, delete), in any process.
    pub fn catalogue_stamp(&self) -> Result<i64> {
        Ok(stamp(&self.conn)?)
    }

    // ---- saved import profiles ----

    pub fn save_profile(&self, name: &str, mapping: &ColumnMapping) -> Result<()> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::invalid("a profile needs a name"));
        }
        if outfit_catalogue::mapping::builtin_profiles().iter().any(|p| p.name == name) {
            return Err(StoreError::invalid(format!("{name:?} is a built-in profile; save yours under another name")));
        }
        self.conn.execute(
            "INSERT INTO import_profiles (name, mapping_json, created_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(name) DO UPDATE SET mapping_json = excluded.mapping_json",
            params![name, to_json(mapping)?, now()],
        )?;
        Ok(())
    }

    /// Saved profiles (not the built-in ones), by name.
    pub fn saved_profiles(&self) -> Result<Vec<Profile>> {
        let mut st = self.conn.prepare("SELECT rowid, name, mapping_json FROM import_profiles ORDER BY name")?;
        let rows = st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, json) = row?;
            let mapping: ColumnMapping = serde_json::from_str(&json).map_err(|e| StoreError::Corrupt {
                table: "import_profiles",
                id,
                detail: format!("saved profile {name:?} is unreadable: {e}"),
            })?;
            out.push(Profile { name, mapping, signature: Vec::new(), builtin: false });
        }
        Ok(out)
    }

    /// A profile by name: built-in first, then saved.
    pub fn profile(&self, name: &str) -> Result<Profile> {
        let builtin = outfit_catalogue::mapping::builtin_profiles();
        if let Some(p) = builtin.iter().find(|p| p.name == name) {
            return Ok(p.clone());
        }
        let saved = self.saved_profiles()?;
        if let Some(p) = saved.iter().find(|p| p.name == name) {
            return Ok(p.clone());
        }
        let known = builtin.iter().chain(&saved).map(|p| p.name.clone()).collect();
        Err(StoreError::NotFound(Missing::Profile { name: name.to_string(), known }))
    }
}

fn stamp(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COALESCE(SUM(revision), 0) + COUNT(*) FROM catalogues", [], |r| r.get(0))
}

fn drop_pending_queue(tx: &rusqlite::Transaction, catalogue_id: i64) -> Result<()> {
    tx.execute(
        "DELETE FROM queue_items WHERE status = 'pending' AND EXISTS (
            SELECT 1 FROM json_each(queue_items.skus_json) s JOIN items i ON i.sku = s.value WHERE i.catalogue_id = ?1)",
        [catalogue_id],
    )?;
    Ok(())
}

/// Watches a database for catalogue changes made by any process, on its own thread and connection: the UI
/// thread only reads the latest stamp (`try_recv`), never waits on SQLite. The thread sleeps until the file system
/// says the database or its write-ahead log was written (inotify and its kin, through `notify`: SQLite itself has
/// no notice across processes), then reads the stamp; where no file watch can be set up it reads every `every`.
pub struct CatalogueWatcher {
    rx: Receiver<i64>,
    /// The file watch; dropping it closes the thread's event channel, which ends the thread.
    _files: Option<notify::RecommendedWatcher>,
    /// Ends the thread when it reads on a timer instead.
    stop: Arc<Mutex<bool>>,
}

impl CatalogueWatcher {
    /// Sends the stamp whenever it changes and calls `wake`.
    pub fn spawn(db: PathBuf, every: Duration, wake: Arc<dyn Fn() + Send + Sync>) -> CatalogueWatcher {
        let (tx, rx) = channel();
        let stop = Arc::new(Mutex::new(false));
        let stopped = stop.clone();
        let (files, events) = match watch_files(&db) {
            Ok((w, events)) => (Some(w), Some(events)),
            Err(e) => {
                tracing::warn!("no file watch on {} ({e}); catalogue changes are read every {every:?}", db.display());
                (None, None)
            }
        };
        std::thread::Builder::new()
            .name("outfit-studio-catalogue-watch".into())
            .spawn(move || {
                let mut last: Option<i64> = None;
                let mut conn: Option<Connection> = None;
                loop {
                    if conn.is_none() {
                        conn = open_read_only(&db).ok();
                    }
                    if let Some(s) = conn.as_ref().and_then(|c| stamp(c).ok())
                        && last != Some(s)
                    {
                        last = Some(s);
                        if tx.send(s).is_err() {
                            break;
                        }
                        wake();
                    }
                    match &events {
                        // A burst of writes (an import writes the log many times) is read once it has been quiet
                        // for SETTLE: SQLite publishes a commit in the log's index, in shared memory, just after
                        // writing the log, and that raises no file event.
                        Some(events) => match events.recv() {
                            Ok(()) => while events.recv_timeout(SETTLE).is_ok() {},
                            Err(_) => break,
                        },
                        None => {
                            if *stopped.lock().unwrap_or_else(|e| e.into_inner()) {
                                break;
                            }
                            std::thread::sleep(every);
                        }
                    }
                }
            })
            .expect("spawn catalogue watcher");
        CatalogueWatcher { rx, _files: files, stop }
    }

    /// The newest stamp seen since the last call, if any.
    pub fn latest(&self) -> Option<i64> {
        self.rx.try_iter().last()
    }
}

impl Drop for CatalogueWatcher {
    fn drop(&mut self) {
        *self.stop.lock().unwrap_or_else(|e| e.into_inner()) = true;
    }
}

/// How long the database's files stay unwritten before the watcher reads the stamp.
const SETTLE: Duration = Duration::from_millis(100);

/// A watch on the database's folder that sends a unit for every change to the database file or its `-wal` and
/// `-journal` companions (the folder, since SQLite deletes and recreates the companions).
fn watch_files(db: &Path) -> notify::Result<(notify::RecommendedWatcher, Receiver<()>)> {
    use notify::Watcher;
    let (tx, rx) = channel();
    let name = db.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut w = notify::recommended_watcher(move |ev: notify::Result<notify::Event>| {
        let ours = |p: &PathBuf| p.file_name().is_some_and(|f| f.to_string_lossy().starts_with(name.as_str()));
        if let Ok(ev) = ev
            && ev.kind.is_modify() | ev.kind.is_create() | ev.kind.is_remove()
            && ev.paths.iter().any(ours)
        {
            let _ = tx.send(());
        }
    })?;
    let dir = db.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    w.watch(dir, notify::RecursiveMode::NonRecursive)?;
    Ok((w, rx))
}

fn open_read_only(db: &Path) -> Result<Connection> {
    let c = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    c.busy_timeout(Duration::from_secs(2))?;
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use outfit_catalogue::{Item, Slot};

    fn item(sku: &str) -> Item {
        Item { title: format!("Item {sku}").into(), category: "T-shirts".into(), colour: "red".into(), ..Item::bare(sku, Slot::Top) }
    }

    #[test]
    fn first_real_catalogue_hides_the_demo_and_delete_keeps_judged_items() {
        let mut s = Store::open_in_memory().unwrap();
        let stamp0 = s.catalogue_stamp().unwrap();
        let demo = s.ensure_catalogue(DEMO_CATALOGUE, "assets/demo/catalogue.csv", CatalogueKind::Demo).unwrap();
        s.upsert_items(&[item("D1"), item("D2")], "demo").unwrap();
        s.assign_catalogue(demo, &["D1".into(), "D2".into()]).unwrap();
        assert!(s.hidden_item_ids().unwrap().is_empty());
        let real = s.ensure_catalogue("hm", "hm.csv", CatalogueKind::Feed).unwrap();
        s.upsert_items(&[item("H1")], "hm.csv").unwrap();
        s.assign_catalogue(real, &["H1".into()]).unwrap();
        assert!(s.catalogue_stamp().unwrap() > stamp0);
        let cats = s.catalogues().unwrap();
        assert_eq!(
            cats.iter().map(|c| (c.name.as_str(), c.status(), c.items)).collect::<Vec<_>>(),
            [("Demo", "hidden", 2), ("hm", "visible", 1)]
        );
        assert_eq!(s.hidden_item_ids().unwrap().len(), 2);
        // A second real catalogue does not hide a demo the stylist chose to show again.
        s.set_catalogue_hidden("Demo", false).unwrap();
        s.ensure_catalogue("myntra", "m.csv", CatalogueKind::Feed).unwrap();
        assert!(s.hidden_item_ids().unwrap().is_empty());

        let nj = crate::NewJudgement::new(vec!["D1".into(), "H1".into()], crate::Verdict::Reject, "ana", crate::JudgementSource::Manual);
        let jid = s.record_judgement(&nj).unwrap();
        let r = s.delete_catalogue("Demo").unwrap();
        assert_eq!(r, DeleteReport { removed_items: 1, kept_items: 1, judgements_kept: 1 });
        assert!(s.item_by_sku("D2").unwrap().is_none());
        assert!(s.item_by_sku("D1").unwrap().is_some(), "a judged item stays");
        assert_eq!(s.judgements().unwrap().len(), 1, "judgements stay");
        assert_eq!(s.judgements_from_deleted_catalogues().unwrap(), HashSet::from([jid]));
        assert_eq!(s.catalogue_by_name("Demo").unwrap().unwrap().status(), "deleted");
        assert!(s.delete_catalogue("nope").unwrap_err().to_string().contains("catalogues: Demo, hm, myntra"));
    }

    #[test]
    fn profiles_save_and_load() {
        let s = Store::open_in_memory().unwrap();
        let mut m = ColumnMapping::default();
        m.set(outfit_catalogue::Field::Sku, vec!["code".into()]);
        s.save_profile("my-shop", &m).unwrap();
        assert_eq!(s.profile("my-shop").unwrap().mapping, m);
        assert!(s.profile("hm-kids").unwrap().builtin);
        assert!(s.save_profile("hm-kids", &m).is_err());
        assert!(s.profile("nope").unwrap_err().to_string().contains("my-shop"));
    }

    /// The watcher reads the stamp when the file system says the database changed, not on a timer: with an hour
    /// between timed reads, another connection's new catalogue still reaches it within seconds.
    #[test]
    fn another_connections_catalogue_wakes_the_watcher_without_a_timer() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("watched.db");
        // The app keeps the database open (its writer), so the write-ahead log is there all along.
        let _app = Store::open(&db).unwrap();
        let w = CatalogueWatcher::spawn(db.clone(), Duration::from_secs(3600), Arc::new(|| {}));
        let within = |secs: u64, done: &mut dyn FnMut() -> bool| {
            let until = std::time::Instant::now() + Duration::from_secs(secs);
            while std::time::Instant::now() < until {
                if done() {
                    return true;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            false
        };
        let mut first = None;
        assert!(within(10, &mut || {
            first = w.latest();
            first.is_some()
        }));
        Store::open(&db).unwrap().ensure_catalogue("hm", "hm.csv", CatalogueKind::Feed).unwrap();
        let mut next = None;
        assert!(
            within(10, &mut || {
                next = w.latest();
                next.is_some()
            }),
            "no stamp after another connection added a catalogue"
        );
        assert_ne!(next, first);
    }
}
