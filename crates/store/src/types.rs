//! Typed storage: the store's error enum, strict SQL conversions for the stored enums, outfit keys, and corrupt-row
//! reporting.
//!
//! A stored value this build does not know is an error naming the row, never a guess: an unknown verdict read as
//! "skip" would silently drop a label from training, an unknown slot read as "accessory" would change a look.

use rusqlite::ErrorCode;

/// What went wrong at the store boundary, classified for the caller's decision.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another connection holds the write lock past the busy timeout: nothing was written; the action can be retried.
    #[error("the database is busy (another Outfit Studio is writing to it): nothing was recorded, try again")]
    Busy(#[source] rusqlite::Error),
    /// The action refers to items that are not (or no longer) in the catalogue.
    #[error("unknown SKU(s): {} (not in the catalogue)", skus.join(", "))]
    Gone { skus: Vec<String> },
    /// A stored row holds a value this build cannot read; it is reported, never read as another value.
    #[error("corrupt row {id} in table {table}: {detail}")]
    Corrupt { table: &'static str, id: i64, detail: String },
    /// Anything else (a refused action, disk full, I/O): shown to the user, nothing marked.
    #[error(transparent)]
    Other(anyhow::Error),
}

impl StoreError {
    pub fn is_busy(&self) -> bool {
        matches!(self, StoreError::Busy(_))
    }
    pub fn is_gone(&self) -> bool {
        matches!(self, StoreError::Gone { .. })
    }
    pub fn other(msg: impl std::fmt::Display) -> StoreError {
        StoreError::Other(anyhow::anyhow!("{msg}"))
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::FromSqlConversionFailure(_, _, inner) = &e
            && let Some(c) = inner.downcast_ref::<CorruptRow>()
        {
            return StoreError::Corrupt { table: c.table, id: c.id, detail: c.detail.clone() };
        }
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy(e),
            _ => StoreError::Other(e.into()),
        }
    }
}

/// Recovers the classification of an error that passed through `anyhow` (helpers shared with untyped code).
impl From<anyhow::Error> for StoreError {
    fn from(e: anyhow::Error) -> Self {
        let e = match e.downcast::<StoreError>() {
            Ok(s) => return s,
            Err(e) => e,
        };
        match e.downcast::<rusqlite::Error>() {
            Ok(r) => StoreError::from(r),
            Err(e) => StoreError::Other(e),
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Other(e.into())
    }
}

/// A row that failed to decode, carried through rusqlite's conversion error so the caller learns its id.
#[derive(Debug, thiserror::Error)]
#[error("corrupt row {id} in table {table}: {detail}")]
pub(super) struct CorruptRow {
    pub table: &'static str,
    pub id: i64,
    pub detail: String,
}

/// Wraps a column decoding error of row `id` so that it surfaces as [`StoreError::Corrupt`].
pub(super) fn corrupt(table: &'static str, id: i64) -> impl Fn(rusqlite::Error) -> rusqlite::Error {
    move |e| {
        let (col, ty) = match &e {
            rusqlite::Error::FromSqlConversionFailure(c, t, _) => (*c, *t),
            rusqlite::Error::InvalidColumnType(c, _, t) => (*c, *t),
            _ => (0, rusqlite::types::Type::Null),
        };
        let detail = match &e {
            rusqlite::Error::FromSqlConversionFailure(_, _, inner) => inner.to_string(),
            other => other.to_string(),
        };
        rusqlite::Error::FromSqlConversionFailure(col, ty, Box::new(CorruptRow { table, id, detail }))
    }
}

/// Order-independent identity of an outfit: its SKUs sorted bytewise, each written as `<byte length>:<sku>`, joined
/// by spaces ("1:A 3:B+C"). The length prefix makes it unambiguous whatever a SKU contains (joining with `+` made
/// ("A+B","C") and ("A","B+C") one outfit); migration 3 computes the same key in SQL for existing rows.
pub fn outfit_key(skus: &[String]) -> String {
    let mut s: Vec<&str> = skus.iter().map(String::as_str).collect();
    s.sort_unstable();
    s.iter().map(|k| format!("{}:{k}", k.len())).collect::<Vec<_>>().join(" ")
}

/// A JSON array of strings column (SKU lists, reasons), decoded strictly.
pub(super) fn json_strings(r: &rusqlite::Row, idx: usize) -> rusqlite::Result<Vec<String>> {
    let s: String = r.get(idx)?;
    serde_json::from_str(&s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(
            idx,
            rusqlite::types::Type::Text,
            format!("column {idx} is not a JSON array of strings ({e}): {}", s.chars().take(80).collect::<String>()).into(),
        )
    })
}

/// The catalogue's `ToSql`/`FromSql` macro, used beside each stored enum's definition (in `judgements`, `outfits`
/// and `queue`): one definition of how an enum is stored and what unknown stored text says.
pub(super) use outfit_catalogue::sql_enum;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::QueueStatus;
    use crate::{OutfitStatus, Verdict};
    use outfit_catalogue::{ImageStatus, Season, Slot};
    use rusqlite::Connection;
    use rusqlite::types::FromSql;

    fn read<T: FromSql>(c: &Connection, v: &str) -> rusqlite::Result<T> {
        c.query_row("SELECT ?1", [v], |r| r.get(0))
    }

    #[test]
    fn known_values_round_trip_and_unknown_ones_are_errors() {
        let c = Connection::open_in_memory().unwrap();
        for s in Slot::ALL {
            let back: Slot = c.query_row("SELECT ?1", [&s], |r| r.get(0)).unwrap();
            assert_eq!(back, s);
        }
        assert_eq!(read::<Verdict>(&c, "reject").unwrap(), Verdict::Reject);
        assert_eq!(read::<QueueStatus>(&c, "skipped").unwrap(), QueueStatus::Skipped);
        // Unknown and non-canonical spellings are refused, not mapped to Skip / Accessory / Pending.
        for bad in ["maybe", "Accept", "accept ", ""] {
            let e = read::<Verdict>(&c, bad).unwrap_err().to_string();
            assert!(e.contains("unknown verdict"), "{e}");
        }
        assert!(read::<Slot>(&c, "cape").unwrap_err().to_string().contains("unknown slot \"cape\""));
        assert!(read::<Slot>(&c, "hats").is_err(), "feed synonyms are for importing, not for stored rows");
        assert!(read::<QueueStatus>(&c, "waiting").is_err());
        assert!(read::<OutfitStatus>(&c, "deleted").is_err());
        assert!(read::<Season>(&c, "monsoon").is_err());
        assert!(read::<ImageStatus>(&c, "blurry").is_err());
        assert!(c.query_row("SELECT 3", [], |r| r.get::<_, Verdict>(0)).is_err(), "a number is not a verdict");
    }

    #[test]
    fn a_corrupt_row_names_its_table_and_id() {
        let c = Connection::open_in_memory().unwrap();
        let e = c.query_row("SELECT 'maybe'", [], |r| r.get::<_, Verdict>(0).map_err(corrupt("judgements", 42))).unwrap_err();
        match StoreError::from(e) {
            StoreError::Corrupt { table, id, detail } => {
                assert_eq!((table, id), ("judgements", 42));
                assert!(detail.contains("unknown verdict \"maybe\""), "{detail}");
            }
            other => panic!("not classified as corrupt: {other:?}"),
        }
        // Through anyhow and back, the class survives.
        let any: anyhow::Error = StoreError::Gone { skus: vec!["A".into()] }.into();
        assert!(StoreError::from(any).is_gone());
    }
}
