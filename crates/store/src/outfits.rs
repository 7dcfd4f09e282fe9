//! Named outfits (drafts and approved looks) and the export log.

use super::types::{Missing, StoreError, corrupt};
use super::{Result, Store, now};
use outfit_catalogue::Slot;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutfitStatus {
    Draft,
    Approved,
    Exported,
    Archived,
}

super::types::sql_enum!(
    OutfitStatus,
    "outfit status",
    [OutfitStatus::Draft, OutfitStatus::Approved, OutfitStatus::Exported, OutfitStatus::Archived]
);

impl OutfitStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutfitStatus::Draft => "draft",
            OutfitStatus::Approved => "approved",
            OutfitStatus::Exported => "exported",
            OutfitStatus::Archived => "archived",
        }
    }
    pub fn parse(s: &str) -> Option<OutfitStatus> {
        match s {
            "draft" => Some(OutfitStatus::Draft),
            "approved" => Some(OutfitStatus::Approved),
            "exported" => Some(OutfitStatus::Exported),
            "archived" => Some(OutfitStatus::Archived),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outfit {
    pub id: i64,
    pub name: String,
    pub status: OutfitStatus,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    /// (slot, item id) in board order.
    pub items: Vec<(Slot, i64)>,
}

impl Store {
    /// Saves a new outfit and returns its id.
    pub fn create_outfit(&mut self, name: &str, status: OutfitStatus, created_by: &str, items: &[(Slot, i64)]) -> Result<i64> {
        let tx = self.conn.transaction()?;
        let id = insert_outfit(&tx, name, status, created_by, items)?;
        tx.commit()?;
        Ok(id)
    }

    pub fn set_outfit_status(&mut self, id: i64, status: OutfitStatus) -> Result<()> {
        set_outfit_status_in(&self.conn, id, status)
    }

    pub fn outfit(&self, id: i64) -> Result<Option<Outfit>, StoreError> {
        let c = corrupt("outfits", id);
        let head = self
            .conn
            .query_row("SELECT id, name, status, created_by, created_at, updated_at FROM outfits WHERE id = ?1", [id], |r| {
                Ok(Outfit {
                    id: r.get(0)?,
                    name: r.get(1).map_err(&c)?,
                    status: r.get(2).map_err(&c)?,
                    created_by: r.get(3).map_err(&c)?,
                    created_at: r.get(4).map_err(&c)?,
                    updated_at: r.get(5).map_err(&c)?,
                    items: Vec::new(),
                })
            })
            .optional()?;
        let Some(mut outfit) = head else { return Ok(None) };
        let mut st = self.conn.prepare("SELECT slot, item_id FROM outfit_items WHERE outfit_id = ?1 ORDER BY position")?;
        outfit.items = st.query_map([id], |r| Ok((r.get(0).map_err(&c)?, r.get(1).map_err(&c)?)))?.collect::<rusqlite::Result<_>>()?;
        Ok(Some(outfit))
    }

    /// Outfits with one of the given statuses, newest first.
    pub fn outfits(&self, statuses: &[OutfitStatus]) -> Result<Vec<Outfit>, StoreError> {
        let ids: Vec<(i64, OutfitStatus)> = {
            let mut st = self.conn.prepare("SELECT id, status FROM outfits ORDER BY id DESC")?;
            st.query_map([], |r| {
                let id = r.get(0)?;
                Ok((id, r.get(1).map_err(corrupt("outfits", id))?))
            })?
            .collect::<rusqlite::Result<_>>()?
        };
        ids.into_iter().filter(|(_, s)| statuses.contains(s)).filter_map(|(id, _)| self.outfit(id).transpose()).collect()
    }

    pub fn record_export(&mut self, kind: &str, format: &str, path: &str, count: usize) -> Result<()> {
        self.conn.execute(
            "INSERT INTO exports (kind, format, path, count, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![kind, format, path, count as i64, now()],
        )?;
        Ok(())
    }
}

pub(super) fn set_outfit_status_in(conn: &Connection, id: i64, status: OutfitStatus) -> Result<()> {
    conn.execute("UPDATE outfits SET status = ?2, updated_at = ?3 WHERE id = ?1", params![id, status, now()])?;
    Ok(())
}

/// Inserts an outfit with its items inside the caller's transaction.
pub(super) fn insert_outfit(conn: &Connection, name: &str, status: OutfitStatus, created_by: &str, items: &[(Slot, i64)]) -> Result<i64> {
    conn.execute(
        "INSERT INTO outfits (name, status, created_by, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
        params![name, status.as_str(), created_by, now()],
    )?;
    let id = conn.last_insert_rowid();
    write_items(conn, id, items)?;
    Ok(id)
}

/// Replaces an outfit's items, and its name and status where given, inside the caller's transaction.
pub(super) fn rewrite_outfit(
    conn: &Connection,
    id: i64,
    name: Option<&str>,
    status: Option<OutfitStatus>,
    items: &[(Slot, i64)],
) -> Result<()> {
    let n = conn.execute(
        "UPDATE outfits SET name = COALESCE(?2, name), status = COALESCE(?3, status), updated_at = ?4 WHERE id = ?1",
        params![id, name, status.map(OutfitStatus::as_str), now()],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound(Missing::Outfit(id)));
    }
    conn.execute("DELETE FROM outfit_items WHERE outfit_id = ?1", [id])?;
    write_items(conn, id, items)
}

fn write_items(conn: &Connection, id: i64, items: &[(Slot, i64)]) -> Result<()> {
    for (pos, (slot, item)) in items.iter().enumerate() {
        conn.execute(
            "INSERT INTO outfit_items (outfit_id, position, slot, item_id) VALUES (?1, ?2, ?3, ?4)",
            params![id, pos as i64, slot.as_str(), item],
        )?;
    }
    Ok(())
}
