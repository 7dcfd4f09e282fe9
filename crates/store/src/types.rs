//! Typed storage: the store's error enum, strict SQL conversions for the stored enums, outfit keys, and corrupt-row
//! reporting.
//!
//! A stored value this build does not know is an error naming the row, never a guess: an unknown verdict read as
//! "skip" would silently drop a label from training, an unknown slot read as "accessory" would change a look.

use rusqlite::ErrorCode;
use std::fmt;
use std::path::PathBuf;

/// What went wrong at the store boundary, classified for the caller's decision: retry ([`StoreError::Busy`]), skip
/// or refresh ([`StoreError::Gone`], [`StoreError::NotFound`]), stop and report ([`StoreError::Corrupt`],
/// [`StoreError::TooNew`]), or show ([`StoreError::Invalid`] and the rest).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another connection holds the write lock past the busy timeout: nothing was written; the action can be retried.
    #[error("the database is busy (another Outfit Studio is writing to it): nothing was recorded, try again")]
    Busy(#[source] rusqlite::Error),
    /// The action refers to items that are not (or no longer) in the catalogue.
    #[error("unknown SKU(s): {} (not in the catalogue)", skus.join(", "))]
    Gone { skus: Vec<String> },
    /// A named thing the action refers to (a model version, judgement, outfit, catalogue...) is not in the store.
    #[error("{0}")]
    NotFound(Missing),
    /// A stored row holds a value this build cannot read; it is reported, never read as another value.
    #[error("corrupt row {id} in table {table}: {detail}")]
    Corrupt { table: &'static str, id: i64, detail: String },
    /// The database was written by a newer Outfit Studio (a higher schema version); it was left untouched.
    #[error(
        "database {} has schema version {version}, newer than this Outfit Studio understands ({supported}); \
         it was left untouched: open it with a newer Outfit Studio",
        path.display()
    )]
    TooNew { path: PathBuf, version: i64, supported: i64 },
    /// The action was refused before anything was written (a judgement of one item, an empty name, undoing twice).
    #[error("{0}")]
    Invalid(String),
    /// A file, directory or stored blob could not be made or read.
    #[error("{what}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// Any other SQLite error (disk full, a file that is not a database, a failed migration), with what the store
    /// was doing.
    #[error("{what}")]
    SqlContext {
        what: String,
        #[source]
        source: rusqlite::Error,
    },
    /// Any other SQLite error, as SQLite words it.
    #[error(transparent)]
    Sql(rusqlite::Error),
    /// A bug in the store itself (a reader thread panicked): nothing was written.
    #[error("{0}")]
    Internal(String),
}

/// The thing a [`StoreError::NotFound`] names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// A model version, by id.
    Model(i64),
    /// A judgement, by id.
    Judgement(i64),
    /// A named outfit, by id.
    Outfit(i64),
    /// A review-queue entry, by id.
    QueueEntry(i64),
    /// A catalogue, by name, with the names there are.
    Catalogue { name: String, known: Vec<String> },
    /// A column-mapping profile, by name, with the names there are (built-in and saved).
    Profile { name: String, known: Vec<String> },
    /// The team this database would have joined.
    Team,
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Missing::Model(id) => write!(f, "no model version with id {id}"),
            Missing::Judgement(id) => write!(f, "no judgement {id}"),
            Missing::Outfit(id) => write!(f, "no outfit with id {id}"),
            Missing::QueueEntry(id) => write!(f, "no queue entry {id}"),
            Missing::Catalogue { name, known } => {
                write!(f, "no catalogue {name:?}; catalogues: {}", if known.is_empty() { "none yet".into() } else { known.join(", ") })
            }
            Missing::Profile { name, known } => write!(f, "no import profile {name:?}; profiles: {}", known.join(", ")),
            Missing::Team => f.write_str("this database has joined no team (run `team connect` first)"),
        }
    }
}

impl StoreError {
    pub fn is_busy(&self) -> bool {
        matches!(self, StoreError::Busy(_))
    }
    pub fn is_gone(&self) -> bool {
        matches!(self, StoreError::Gone { .. })
    }
    pub fn invalid(msg: impl fmt::Display) -> StoreError {
        StoreError::Invalid(msg.to_string())
    }
}

/// An error and its causes on one line ("the database is busy …: database is locked"), as anyhow's `{:#}` prints
/// them: for the layers above whose typed errors wrap a lower one in their own message.
pub fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text = format!("{text}: {c}");
        cause = c.source();
    }
    text
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
            _ => StoreError::Sql(e),
        }
    }
}

/// Says what the store was doing when SQLite or the file system failed: `.with_context(|| format!(..))`. A busy
/// database and a corrupt row keep their own class (and words).
pub(super) trait ResultExt<T> {
    fn with_context(self, what: impl FnOnce() -> String) -> Result<T, StoreError>;
}

impl<T> ResultExt<T> for rusqlite::Result<T> {
    fn with_context(self, what: impl FnOnce() -> String) -> Result<T, StoreError> {
        self.map_err(|e| match StoreError::from(e) {
            StoreError::Sql(source) => StoreError::SqlContext { what: what(), source },
            classified => classified,
        })
    }
}

impl<T> ResultExt<T> for std::io::Result<T> {
    fn with_context(self, what: impl FnOnce() -> String) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Io { what: what(), source })
    }
}

/// A value the store writes as JSON (SKU lists, reasons, a column mapping); one that cannot be written is refused.
pub(super) fn to_json<T: serde::Serialize + ?Sized>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::invalid(format!("cannot be stored as JSON: {e}")))
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
    }
}
