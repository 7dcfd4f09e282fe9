//! `ToSql`/`FromSql` for the catalogue's enums (behind the `sql` feature, which the store turns on): a stored value
//! is the canonical `as_str` name, and any other stored text is an error naming what it should have been. These
//! impls live here because only the crate that defines a type may implement rusqlite's traits for it.

use crate::{AgeGroup, Gender, ImageStatus, Season, Slot};

/// Stored text that names no value of the enum.
#[derive(Debug)]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}

impl std::fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown {} {:?}", self.kind, self.value)
    }
}

impl std::error::Error for UnknownValue {}

/// `ToSql`/`FromSql` through the canonical `as_str` name; any other stored text is an error ([`UnknownValue`]).
/// Used here for the catalogue's enums and by the store for its own (each crate implements the traits for the
/// types it defines). The invoking crate needs `rusqlite`.
#[macro_export]
macro_rules! sql_enum {
    ($t:ty, $kind:literal, [$($v:expr),+ $(,)?]) => {
        impl rusqlite::types::ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.as_str()))
            }
        }
        impl rusqlite::types::FromSql for $t {
            fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                let s = v.as_str()?;
                [$($v),+].into_iter().find(|x: &$t| x.as_str() == s).ok_or_else(|| {
                    rusqlite::types::FromSqlError::Other(Box::new($crate::sql::UnknownValue { kind: $kind, value: s.to_string() }))
                })
            }
        }
    };
}

sql_enum!(
    Slot,
    "slot",
    [Slot::Top, Slot::Bottom, Slot::OnePiece, Slot::Outerwear, Slot::Shoes, Slot::Headwear, Slot::Bag, Slot::Accessory]
);
sql_enum!(AgeGroup, "age group", [AgeGroup::Newborn, AgeGroup::Infant, AgeGroup::Toddler, AgeGroup::Kids, AgeGroup::Adult]);
sql_enum!(Gender, "gender", [Gender::Female, Gender::Male, Gender::Unisex]);
sql_enum!(Season, "season", [Season::Spring, Season::Summer, Season::Autumn, Season::Winter, Season::All]);
sql_enum!(
    ImageStatus,
    "image status",
    [ImageStatus::None, ImageStatus::Ok, ImageStatus::Missing, ImageStatus::Corrupt, ImageStatus::Remote]
);
