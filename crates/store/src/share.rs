//! The local half of what team mode shares besides judgements (issue 21, "What is shared" item 2): approved looks
//! and their renames, head versions, and which catalogues exist. Each write that shares something puts an event in
//! `team_share_outbox` inside its own transaction (migration "team-share"), with what the event says at that moment
//! and a fresh UUID v7, so the sync worker's retries are idempotent on the server. Looks pulled from the team are
//! kept in `team_looks` and become approved outfits here once their SKUs are in this store's catalogue.

use super::types::{StoreError, corrupt, json_strings};
use super::{Result, Store, now};
use rusqlite::{Connection, OptionalExtension, params};

/// What a shared event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareKind {
    /// A look approved (or approved again after an edit), with its name and SKUs.
    Look,
    /// A new name for a shared look.
    Rename,
    /// A shared look leaves the approved list (the accept that made it was undone).
    Archive,
    /// A head version, published with its weights, parent and figures.
    Head,
    /// A catalogue imported here: its name, feed and SKUs (each app imports the feed itself).
    Catalogue,
}

impl ShareKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ShareKind::Look => "look",
            ShareKind::Rename => "rename",
            ShareKind::Archive => "archive",
            ShareKind::Head => "head",
            ShareKind::Catalogue => "catalogue",
        }
    }

    pub fn parse(s: &str) -> Option<ShareKind> {
        [ShareKind::Look, ShareKind::Rename, ShareKind::Archive, ShareKind::Head, ShareKind::Catalogue]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// One event of the share outbox. `subject` is the look's or head's global id, or the catalogue's name;
/// `payload_json` holds the rest (a look's `name` and `skus`, a rename's `name`, a catalogue's `source` and `skus`;
/// a head's weights are read at push time from its immutable row, see [`Store::shared_head`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ShareEvent {
    pub seq: i64,
    pub event_id: String,
    pub kind: ShareKind,
    pub subject: String,
    pub stylist: String,
    pub at: String,
    pub payload_json: String,
}

/// A head version as the team store keeps it: the row, its global id and its parent's (by id, and by name and
/// digest for a shipped head, which every app installs under its own id).
#[derive(Debug, Clone, PartialEq)]
pub struct SharedHead {
    pub uuid: String,
    pub name: String,
    pub parent_uuid: Option<String>,
    pub parent_name: Option<String>,
    pub parent_sha256: Option<String>,
    pub encoder_key: String,
    pub sha256: String,
    pub weights: Vec<u8>,
    pub trained_on: String,
    pub params_json: String,
    pub metrics_json: String,
    pub created_at: String,
}

/// A look event of the team's log, as pulled: an approval (with SKUs), a rename or an archiving.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteLook {
    pub seq: i64,
    /// Look, Rename or Archive.
    pub kind: ShareKind,
    pub look_uuid: String,
    pub stylist: String,
    pub at: String,
    pub name: String,
    /// A JSON list of SKUs (empty list for a rename or an archiving).
    pub skus_json: String,
}

/// A look of the team as this store last heard of it, and the local outfit it became (None while some SKU is not
/// in this catalogue).
#[derive(Debug, Clone, PartialEq)]
pub struct TeamLook {
    pub uuid: String,
    pub name: String,
    pub skus: Vec<String>,
    pub stylist: String,
    pub at: String,
    pub outfit_id: Option<i64>,
}

/// The joined stylist, or None when this database has joined no team (then nothing is shared).
fn team_stylist(conn: &Connection) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT stylist FROM team_config WHERE id = 1", [], |r| r.get(0)).optional()?)
}

fn enqueue(conn: &Connection, kind: ShareKind, subject: &str, stylist: &str, payload: &serde_json::Value) -> Result<()> {
    conn.execute(
        "INSERT INTO team_share_outbox (event_id, kind, subject, stylist, at, payload_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![uuid::Uuid::now_v7().to_string(), kind.as_str(), subject, stylist, now(), payload.to_string()],
    )?;
    Ok(())
}

/// An outfit's SKUs in board order.
fn outfit_skus(conn: &Connection, outfit_id: i64) -> Result<Vec<String>> {
    let mut st = conn.prepare_cached(
        "SELECT i.sku FROM outfit_items oi JOIN items i ON i.id = oi.item_id WHERE oi.outfit_id = ?1 ORDER BY oi.position",
    )?;
    let rows = st.query_map([outfit_id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Inside the approving transaction: shares the look `outfit_id` as approved by `by`, when this database joined a
/// team as `by` (another name's work is not ours to share).
pub(super) fn enqueue_look(conn: &Connection, outfit_id: i64, by: &str) -> Result<()> {
    let Some(stylist) = team_stylist(conn)?.filter(|s| s == by) else { return Ok(()) };
    let (uuid, name): (String, String) =
        conn.query_row("SELECT uuid, name FROM outfits WHERE id = ?1", [outfit_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let skus = outfit_skus(conn, outfit_id)?;
    enqueue(conn, ShareKind::Look, &uuid, &stylist, &serde_json::json!({ "name": name, "skus": skus }))
}

/// The joined stylist and the look's global id when this database joined a team and the look is shared (its
/// approval is in the outbox or came from the team): a rename or archiving of any other look would be refused.
fn shared_look(conn: &Connection, outfit_id: i64) -> Result<Option<(String, String)>> {
    let Some(stylist) = team_stylist(conn)? else { return Ok(None) };
    let uuid: String = conn.query_row("SELECT uuid FROM outfits WHERE id = ?1", [outfit_id], |r| r.get(0))?;
    let shared: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM team_share_outbox WHERE kind = 'look' AND subject = ?1 AND refused IS NULL)
             OR EXISTS (SELECT 1 FROM team_looks WHERE uuid = ?1)",
        [&uuid],
        |r| r.get(0),
    )?;
    Ok(shared.then_some((stylist, uuid)))
}

/// Inside the renaming transaction: shares a look's new name when the look is shared and the name changed.
pub(super) fn enqueue_rename(conn: &Connection, outfit_id: i64, old_name: &str, new_name: &str) -> Result<()> {
    if old_name == new_name {
        return Ok(());
    }
    if let Some((stylist, uuid)) = shared_look(conn, outfit_id)? {
        enqueue(conn, ShareKind::Rename, &uuid, &stylist, &serde_json::json!({ "name": new_name }))?;
    }
    Ok(())
}

/// Inside the undoing transaction: a shared look the undone accept made leaves the team's approved list too.
pub(super) fn enqueue_archive(conn: &Connection, outfit_id: i64) -> Result<()> {
    if let Some((stylist, uuid)) = shared_look(conn, outfit_id)? {
        let name: String = conn.query_row("SELECT name FROM outfits WHERE id = ?1", [outfit_id], |r| r.get(0))?;
        enqueue(conn, ShareKind::Archive, &uuid, &stylist, &serde_json::json!({ "name": name }))?;
    }
    Ok(())
}

/// Inside the installing transaction: publishes a head version this stylist made.
pub(super) fn enqueue_head(conn: &Connection, model_id: i64) -> Result<()> {
    let Some(stylist) = team_stylist(conn)? else { return Ok(()) };
    let uuid: String = conn.query_row("SELECT uuid FROM models WHERE id = ?1", [model_id], |r| r.get(0))?;
    enqueue(conn, ShareKind::Head, &uuid, &stylist, &serde_json::json!({}))
}

/// Inside the importing transaction: says which SKUs a feed catalogue holds now (the demo is not shared).
pub(super) fn enqueue_catalogue(conn: &Connection, catalogue_id: i64) -> Result<()> {
    let Some(stylist) = team_stylist(conn)? else { return Ok(()) };
    let Some((name, source)): Option<(String, String)> = conn
        .query_row("SELECT name, source FROM catalogues WHERE id = ?1 AND kind = 'feed'", [catalogue_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
    else {
        return Ok(());
    };
    let mut st = conn.prepare_cached("SELECT sku FROM items WHERE catalogue_id = ?1 ORDER BY sku")?;
    let skus: Vec<String> = st.query_map([catalogue_id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    enqueue(conn, ShareKind::Catalogue, &name, &stylist, &serde_json::json!({ "source": source, "skus": skus }))
}

impl Store {
    /// Replaces an outfit's name and items (editing a reopened look, renaming one); a shared look's new name goes
    /// to the team in the same transaction.
    pub fn update_outfit(&mut self, id: i64, name: &str, items: &[(outfit_catalogue::Slot, i64)]) -> Result<()> {
        let tx = self.conn.transaction()?;
        let old: Option<String> = tx.query_row("SELECT name FROM outfits WHERE id = ?1", [id], |r| r.get(0)).optional()?;
        super::outfits::rewrite_outfit(&tx, id, Some(name), None, items)?;
        if let Some(old) = old {
            enqueue_rename(&tx, id, &old, name)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The oldest `limit` share events not yet pushed nor refused, in commit order.
    pub fn team_share_pending(&self, limit: usize) -> Result<Vec<ShareEvent>> {
        let mut st = self.conn.prepare(
            "SELECT seq, event_id, kind, subject, stylist, at, payload_json FROM team_share_outbox
             WHERE pushed_at IS NULL AND refused IS NULL ORDER BY seq LIMIT ?1",
        )?;
        let rows = st.query_map([limit as i64], |r| {
            let seq: i64 = r.get(0)?;
            let kind: String = r.get(2)?;
            let kind = ShareKind::parse(&kind).ok_or_else(|| {
                corrupt("team_share_outbox", seq)(rusqlite::Error::InvalidColumnType(2, kind, rusqlite::types::Type::Text))
            })?;
            Ok(ShareEvent {
                seq,
                event_id: r.get(1)?,
                kind,
                subject: r.get(3)?,
                stylist: r.get(4)?,
                at: r.get(5)?,
                payload_json: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Marks share events as on the server (after its commit; a crash in between pushes them again, harmlessly).
    pub fn team_share_pushed(&mut self, seqs: &[i64]) -> Result<()> {
        let at = now();
        self.write(|tx| {
            let mut st = tx.prepare_cached("UPDATE team_share_outbox SET pushed_at = ?2 WHERE seq = ?1")?;
            for s in seqs {
                st.execute(params![s, at])?;
            }
            tx.execute("UPDATE team_config SET last_sync_at = ?1", [&at])?;
            Ok(())
        })
    }

    /// Sets a share event aside with the server's reason (kept, never retried).
    pub fn team_share_refused(&mut self, seq: i64, why: &str) -> Result<()> {
        self.write(|tx| Ok(tx.execute("UPDATE team_share_outbox SET refused = ?2 WHERE seq = ?1", params![seq, why]).map(|_| ())?))
    }

    /// A head version by its global id, with its parent's ids, as it is published.
    pub fn shared_head(&self, uuid: &str) -> Result<Option<SharedHead>> {
        Ok(self
            .conn
            .query_row(
                "SELECT m.uuid, m.name, p.uuid, p.name, p.sha256, m.encoder_key, m.sha256, m.weights, m.trained_on, m.params_json,
                        m.metrics_json, m.created_at
                 FROM models m LEFT JOIN models p ON p.id = m.parent_id WHERE m.uuid = ?1",
                [uuid],
                |r| {
                    Ok(SharedHead {
                        uuid: r.get(0)?,
                        name: r.get(1)?,
                        parent_uuid: r.get(2)?,
                        parent_name: r.get(3)?,
                        parent_sha256: r.get(4)?,
                        encoder_key: r.get(5)?,
                        sha256: r.get(6)?,
                        weights: r.get(7)?,
                        trained_on: r.get(8)?,
                        params_json: r.get(9)?,
                        metrics_json: r.get(10)?,
                        created_at: r.get(11)?,
                    })
                },
            )
            .optional()?)
    }

    /// A model version's global id.
    pub fn model_uuid(&self, id: i64) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT uuid FROM models WHERE id = ?1", [id], |r| r.get(0)).optional()?)
    }

    /// The local model version with this global id.
    pub fn model_by_uuid(&self, uuid: &str) -> Result<Option<i64>> {
        Ok(self.conn.query_row("SELECT id FROM models WHERE uuid = ?1", [uuid], |r| r.get(0)).optional()?)
    }

    /// An outfit's global id.
    pub fn outfit_uuid(&self, id: i64) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT uuid FROM outfits WHERE id = ?1", [id], |r| r.get(0)).optional()?)
    }

    /// The local outfit with this global id.
    pub fn outfit_by_uuid(&self, uuid: &str) -> Result<Option<i64>> {
        Ok(self.conn.query_row("SELECT id FROM outfits WHERE uuid = ?1", [uuid], |r| r.get(0)).optional()?)
    }

    /// Puts a model version of the team (published by `stylist`) here, not active; returns its local id. Already
    /// here (by global id): its id. The parent is found by global id, else by digest (a shipped head); a name taken
    /// here gets the stylist's name appended.
    pub fn install_team_head(&mut self, h: &SharedHead, stylist: &str) -> Result<i64> {
        self.write(|tx| {
            if let Some(id) = tx.query_row("SELECT id FROM models WHERE uuid = ?1", [&h.uuid], |r| r.get(0)).optional()? {
                return Ok(id);
            }
            let parent: Option<i64> = tx
                .query_row(
                    "SELECT id FROM models WHERE uuid = ?1 OR sha256 = ?2 ORDER BY uuid IS ?1 DESC, id LIMIT 1",
                    params![h.parent_uuid, h.parent_sha256],
                    |r| r.get(0),
                )
                .optional()?;
            let taken: bool = tx.query_row("SELECT EXISTS (SELECT 1 FROM models WHERE name = ?1)", [&h.name], |r| r.get(0))?;
            // The id's last characters tell two versions apart (its first ones are its time).
            let tail = &h.uuid[h.uuid.len().saturating_sub(6)..];
            let name = if taken { format!("{} ({stylist}, {tail})", h.name) } else { h.name.clone() };
            tx.execute(
                "INSERT INTO models (name, kind, parent_id, encoder_key, sha256, weights, trained_on, params_json, metrics_json, created_at,
                                     active, uuid, origin)
                 VALUES (?1, 'head', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10, 'team')",
                params![name, parent, h.encoder_key, h.sha256, h.weights, h.trained_on, h.params_json, h.metrics_json, h.created_at, h.uuid],
            )?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// Applies a batch of the team's look events in one transaction and moves the share cursor past them. Another
    /// stylist's approval becomes (or updates) an approved look here once its SKUs are in this catalogue; a rename
    /// renames the look here. Our own events, echoed back, change nothing but the record of the team's looks.
    /// Returns how many changes reached the looks here (looks that appeared, were renamed or approved again).
    pub fn apply_team_looks(&mut self, looks: &[RemoteLook], cursor: i64) -> Result<usize> {
        self.write(|tx| {
            let me = team_stylist(tx)?.unwrap_or_default();
            let mut changed = 0;
            for l in looks {
                let other = l.stylist != me;
                match l.kind {
                    ShareKind::Rename => {
                        tx.execute("UPDATE team_looks SET name = ?2 WHERE uuid = ?1", params![l.look_uuid, l.name])?;
                        if other {
                            changed += tx.execute(
                                "UPDATE outfits SET name = ?2, updated_at = ?3 WHERE uuid = ?1 AND name IS NOT ?2",
                                params![l.look_uuid, l.name, now()],
                            )?;
                        }
                    }
                    ShareKind::Archive => {
                        tx.execute("UPDATE team_looks SET archived = 1 WHERE uuid = ?1", [&l.look_uuid])?;
                        if other {
                            changed += tx.execute(
                                "UPDATE outfits SET status = 'archived', updated_at = ?2 WHERE uuid = ?1 AND status IN ('approved', 'exported')",
                                params![l.look_uuid, now()],
                            )?;
                        }
                    }
                    _ => changed += apply_approval(tx, l, other)?,
                }
            }
            changed += materialise(tx)?;
            tx.execute("UPDATE team_config SET share_cursor = MAX(share_cursor, ?1), last_sync_at = ?2", params![cursor, now()])?;
            Ok(changed)
        })
    }

    /// Makes the team's looks still waiting for their SKUs into approved looks where the catalogue now has them
    /// (after an import); returns how many appeared.
    pub fn materialise_team_looks(&mut self) -> Result<usize> {
        self.write(|tx| materialise(tx))
    }

    /// The team's looks as this store last heard of them, oldest first.
    pub fn team_looks(&self) -> Result<Vec<TeamLook>> {
        let mut st = self.conn.prepare(
            "SELECT t.uuid, t.name, t.skus_json, t.stylist, t.at, o.id FROM team_looks t LEFT JOIN outfits o ON o.uuid = t.uuid
             ORDER BY t.at, t.uuid",
        )?;
        let rows = st.query_map([], |r| {
            Ok(TeamLook {
                uuid: r.get(0)?,
                name: r.get(1)?,
                skus: json_strings(r, 2).map_err(corrupt("team_looks", 0))?,
                stylist: r.get(3)?,
                at: r.get(4)?,
                outfit_id: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The share outbox's position on the server's look log.
    pub fn team_share_cursor(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT COALESCE((SELECT share_cursor FROM team_config WHERE id = 1), 0)", [], |r| r.get(0))?)
    }
}

/// This stylist's looks approved before joining, queued once for the team (as `enqueue_team_history` does for
/// judgements); returns how many.
pub(super) fn enqueue_look_history(tx: &Connection) -> Result<usize> {
    let Some(stylist) = team_stylist(tx)? else { return Ok(0) };
    let ids: Vec<i64> = tx
        .prepare(
            "SELECT id FROM outfits o WHERE origin = 'local' AND created_by = ?1 AND status IN ('approved', 'exported')
               AND NOT EXISTS (SELECT 1 FROM team_share_outbox s WHERE s.kind = 'look' AND s.subject = o.uuid) ORDER BY id",
        )?
        .query_map([&stylist], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in &ids {
        enqueue_look(tx, *id, &stylist)?;
    }
    Ok(ids.len())
}

/// A team look approved (again): its latest word kept; another stylist's approval of a look that is here gives the
/// look here the approved items (after an edit elsewhere) and puts it back on the approved list. Returns 1 when the
/// look here changed.
fn apply_approval(conn: &Connection, l: &RemoteLook, other: bool) -> Result<usize> {
    conn.execute(
        "INSERT INTO team_looks (uuid, name, skus_json, stylist, at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (uuid) DO UPDATE SET skus_json = excluded.skus_json, at = excluded.at, archived = 0",
        params![l.look_uuid, l.name, l.skus_json, l.stylist, l.at],
    )?;
    if !other {
        return Ok(0);
    }
    let here: Option<(i64, String)> =
        conn.query_row("SELECT id, status FROM outfits WHERE uuid = ?1", [&l.look_uuid], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
    let Some((id, status)) = here else { return Ok(0) };
    let same_items = serde_json::from_str::<Vec<String>>(&l.skus_json).ok() == Some(outfit_skus(conn, id)?);
    if same_items && status != "archived" {
        return Ok(0);
    }
    let Some(items) = resolve(conn, &l.skus_json)? else { return Ok(0) };
    super::outfits::rewrite_outfit(conn, id, None, Some(super::OutfitStatus::Approved), &items)?;
    Ok(1)
}

/// The local item ids of a JSON SKU list, in order, or None when one is not in this catalogue (yet) or the list
/// is shorter than a look.
fn resolve(conn: &Connection, skus_json: &str) -> Result<Option<Vec<(outfit_catalogue::Slot, i64)>>> {
    let skus: Vec<String> = serde_json::from_str(skus_json).map_err(|e| StoreError::invalid(format!("a team look's SKUs: {e}")))?;
    if skus.len() < 2 {
        // Not a look (a look has two items at least): never made into one, nor written over one.
        return Ok(None);
    }
    let mut st = conn.prepare_cached("SELECT slot, id FROM items WHERE sku = ?1")?;
    let mut items = Vec::with_capacity(skus.len());
    for sku in &skus {
        match st.query_row([sku], |r| Ok((r.get::<_, outfit_catalogue::Slot>(0)?, r.get::<_, i64>(1)?))).optional()? {
            Some(it) => items.push(it),
            None => return Ok(None),
        }
    }
    Ok(Some(items))
}

/// Team looks with no outfit here yet whose SKUs are all here become approved looks (origin 'team').
fn materialise(conn: &Connection) -> Result<usize> {
    let me = team_stylist(conn)?.unwrap_or_default();
    let waiting: Vec<(String, String, String, String)> = conn
        .prepare(
            "SELECT uuid, name, skus_json, stylist FROM team_looks t
             WHERE archived = 0 AND NOT EXISTS (SELECT 1 FROM outfits o WHERE o.uuid = t.uuid)",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut n = 0;
    for (uuid, name, skus_json, stylist) in waiting {
        // Our own look, gone here (deleted or never made in this file): not recreated from its echo.
        if stylist == me {
            continue;
        }
        let Some(items) = resolve(conn, &skus_json)? else { continue };
        let id = super::outfits::insert_outfit(conn, &name, super::OutfitStatus::Approved, &stylist, &items)?;
        conn.execute("UPDATE outfits SET uuid = ?2, origin = 'team' WHERE id = ?1", params![id, uuid])?;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CatalogueKind, JudgeEffects, ModelRow, NewJudgement, OutfitStatus, Verdict};
    use outfit_catalogue::{Item, Slot};

    fn items(s: &mut Store, skus: &[&str]) -> Vec<(Slot, i64)> {
        let list: Vec<Item> = skus.iter().map(|k| Item::bare(*k, Slot::Top)).collect();
        s.upsert_items(&list, "feed.csv").unwrap();
        skus.iter().map(|k| (Slot::Top, s.item_by_sku(k).unwrap().unwrap().id)).collect()
    }

    fn approve(s: &mut Store, stylist: &str, skus: &[&str], name: &str) -> i64 {
        let look = items(s, skus);
        let j = NewJudgement::new(skus.iter().map(|k| k.to_string()).collect(), Verdict::Accept, stylist, crate::JudgementSource::Manual);
        s.judge_action(&j, &JudgeEffects { look: Some(&look), look_name: name, ..Default::default() }).unwrap().outfit_id.unwrap()
    }

    fn kinds(s: &Store) -> Vec<ShareKind> {
        s.team_share_pending(100).unwrap().iter().map(|e| e.kind).collect()
    }

    #[test]
    fn looks_renames_heads_and_catalogues_enter_the_share_outbox_only_when_joined_and_shared() {
        let mut s = Store::open_in_memory().unwrap();
        let before = approve(&mut s, "ana", &["A", "B"], "Before");
        s.update_outfit(before, "Before, renamed", &s.outfit(before).unwrap().unwrap().items).unwrap();
        assert!(kinds(&s).is_empty(), "a solo stylist shares nothing");
        s.join_team("postgres://ana@db/team", "ana").unwrap();
        let o = s.outfit(before).unwrap().unwrap();
        s.update_outfit(before, "Not shared yet", &o.items).unwrap();
        assert!(kinds(&s).is_empty(), "a look never shared: its rename would be refused");
        let look = approve(&mut s, "ana", &["A", "C"], "Mine");
        approve(&mut s, "bob", &["A", "D"], "Imported under another name");
        let o = s.outfit(look).unwrap().unwrap();
        s.update_outfit(look, "Mine", &o.items).unwrap(); // same name: nothing to share
        s.update_outfit(look, "Mine, renamed", &o.items).unwrap();
        let cat = s.ensure_catalogue("Feed", "feed.csv", CatalogueKind::Feed).unwrap();
        s.assign_catalogue(cat, &["A".into(), "B".into()]).unwrap();
        let m = ModelRow {
            id: 0,
            name: "trained".into(),
            kind: "head".into(),
            parent_id: None,
            encoder_key: "e".into(),
            sha256: "s".into(),
            weights: vec![1],
            trained_on: "t".into(),
            params_json: "{}".into(),
            metrics_json: "{}".into(),
            created_at: String::new(),
            active: false,
        };
        let head = s.insert_model(&m).unwrap();
        assert_eq!(kinds(&s), [ShareKind::Look, ShareKind::Rename, ShareKind::Catalogue, ShareKind::Head]);
        let pending = s.team_share_pending(100).unwrap();
        let uuid = s.outfit_uuid(look).unwrap().unwrap();
        assert_eq!((pending[0].subject.as_str(), pending[0].stylist.as_str()), (uuid.as_str(), "ana"));
        assert_eq!(pending[0].payload_json, r#"{"name":"Mine","skus":["A","C"]}"#, "what the event said when made");
        assert_eq!(pending[1].payload_json, r#"{"name":"Mine, renamed"}"#);
        assert_eq!(pending[2].payload_json, r#"{"skus":["A","B"],"source":"feed.csv"}"#);
        assert_eq!(pending[3].subject, s.model_uuid(head).unwrap().unwrap());
        assert_ne!(pending[0].event_id, pending[1].event_id);
        // Undoing the accept of a shared look archives it for the team; of an unshared one, only here.
        let undo = s.judgements().unwrap().into_iter().find(|j| j.outfit_id == Some(look)).unwrap();
        s.undo_action(undo.id, &Default::default()).unwrap();
        assert_eq!(kinds(&s).last(), Some(&ShareKind::Archive));
        let first = s.judgements().unwrap().into_iter().find(|j| j.outfit_id == Some(before)).unwrap();
        s.undo_action(first.id, &Default::default()).unwrap();
        assert_eq!(kinds(&s).len(), 5);
        // History: the look approved before joining, once.
        assert_eq!(s.enqueue_team_history().unwrap(), 1, "the judgement made before joining (its look is archived)");
        assert_eq!(s.enqueue_team_history().unwrap(), 0);
        s.team_share_pushed(&[pending[0].seq]).unwrap();
        s.team_share_refused(pending[1].seq, "no").unwrap();
        let c = s.team_outbox_counts().unwrap();
        assert_eq!((c.pushed, c.refused), (1, 1));
    }

    #[test]
    fn team_looks_arrive_once_wait_for_their_skus_and_take_renames() {
        let mut s = Store::open_in_memory().unwrap();
        s.join_team("postgres://bob@db/team", "bob").unwrap();
        items(&mut s, &["A", "B"]);
        let look = |seq, uuid: &str, who: &str, rename: bool, name: &str, skus: &str| RemoteLook {
            seq,
            kind: if rename { ShareKind::Rename } else { ShareKind::Look },
            look_uuid: uuid.into(),
            stylist: who.into(),
            at: "2026-01-01T00:00:00.000Z".into(),
            name: name.into(),
            skus_json: skus.into(),
        };
        let (u1, u2) = ("0190f0f0-0000-7000-8000-000000000001", "0190f0f0-0000-7000-8000-000000000002");
        let batch = [look(1, u1, "ana", false, "Picnic", r#"["A","B"]"#), look(2, u2, "ana", false, "Later", r#"["A","Z"]"#)];
        assert_eq!(s.apply_team_looks(&batch, 2).unwrap(), 1, "the look with an unknown SKU waits");
        assert_eq!(s.apply_team_looks(&batch, 2).unwrap(), 0, "applied again: nothing new");
        let approved = s.outfits(&[OutfitStatus::Approved]).unwrap();
        assert_eq!(approved.len(), 1);
        assert_eq!((approved[0].name.as_str(), approved[0].created_by.as_str()), ("Picnic", "ana"));
        assert_eq!(s.outfit_uuid(approved[0].id).unwrap().as_deref(), Some(u1));
        assert!(s.team_share_pending(10).unwrap().is_empty(), "a look from the team is not shared back");
        s.apply_team_looks(&[look(3, u1, "ana", true, "Park", "[]")], 3).unwrap();
        assert_eq!(s.outfit(approved[0].id).unwrap().unwrap().name, "Park");
        // Our own rename, echoed back, changes nothing here (the local name may have moved on since).
        s.apply_team_looks(&[look(4, u1, "bob", true, "Echo", "[]")], 4).unwrap();
        assert_eq!(s.outfit(approved[0].id).unwrap().unwrap().name, "Park");
        // Ana undid the accept behind her look: it leaves the approved list here; approved again, it is back.
        let archive = RemoteLook { kind: ShareKind::Archive, ..look(6, u1, "ana", false, "Park", "[]") };
        assert_eq!(s.apply_team_looks(&[archive], 6).unwrap(), 1);
        assert!(s.outfits(&[OutfitStatus::Approved]).unwrap().is_empty());
        assert_eq!(s.apply_team_looks(&[look(7, u1, "ana", false, "Park", r#"["A","B"]"#)], 7).unwrap(), 1);
        assert_eq!(s.outfits(&[OutfitStatus::Approved]).unwrap().len(), 1);
        items(&mut s, &["Z"]);
        assert_eq!(s.materialise_team_looks().unwrap(), 1);
        assert_eq!(s.team_looks().unwrap().iter().filter(|l| l.outfit_id.is_some()).count(), 2);
        assert_eq!(s.team_share_cursor().unwrap(), 7);
    }
}
