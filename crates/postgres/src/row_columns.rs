//! What the rows of `operators` and of a tenant's `subscriber_profiles` share: their `jsonb`
//! lists (notes, mobiles), written as JSON text cast to `jsonb` and read back cast to text, and
//! the `INSERT` of a row from its column values.

use crate::statement::{Piece, TenantSql};
use crate::{QueryResult, corrupt};
use latchkey_core::Timestamp;
use latchkey_credential::Msisdn;
use latchkey_operator::{Mobile, Note};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;

/// A column's name, its value, and the cast its parameter needs (`""` for none).
pub(crate) type ColumnValue = (&'static str, Piece, &'static str);

pub(crate) fn to_json<T: Serialize>(value: &T) -> String {
    // Serializing plain structs of strings and booleans cannot fail.
    serde_json::to_string(value).unwrap_or_else(|_| "[]".to_owned())
}

pub(crate) fn from_json<T: for<'de> Deserialize<'de>>(
    raw: &str,
    what: &'static str,
) -> QueryResult<T> {
    serde_json::from_str(raw).map_err(|_| corrupt(what))
}

#[derive(Serialize, Deserialize)]
struct NoteJson {
    created: String,
    created_by: String,
    note: String,
}

#[derive(Serialize, Deserialize)]
struct MobileJson {
    number: String,
    verified: bool,
    primary: bool,
}

/// The `notes` column's text for `notes`.
pub(crate) fn notes_json(notes: &[Note]) -> String {
    let notes: Vec<NoteJson> = notes
        .iter()
        .map(|n| NoteJson {
            created: n.created.format(&Rfc3339).unwrap_or_default(),
            created_by: n.created_by.clone(),
            note: n.note.clone(),
        })
        .collect();
    to_json(&notes)
}

/// The notes a `notes` column holds; `what` names the column in the error of a corrupt one.
pub(crate) fn notes_from_json(raw: &str, what: &'static str) -> QueryResult<Vec<Note>> {
    let notes: Vec<NoteJson> = from_json(raw, what)?;
    notes
        .into_iter()
        .map(|n| {
            Ok(Note {
                created: Timestamp::parse(&n.created, &Rfc3339)
                    .map_err(|_| corrupt("note's time"))?,
                created_by: n.created_by,
                note: n.note,
            })
        })
        .collect()
}

/// The `mobiles` column's text for `mobiles`.
pub(crate) fn mobiles_json(mobiles: &[Mobile]) -> String {
    let mobiles: Vec<MobileJson> = mobiles
        .iter()
        .map(|m| MobileJson {
            number: m.number.as_str().to_owned(),
            verified: m.verified,
            primary: m.primary,
        })
        .collect();
    to_json(&mobiles)
}

/// The mobiles a `mobiles` column holds; `what` names the column in the error of a corrupt one.
pub(crate) fn mobiles_from_json(raw: &str, what: &'static str) -> QueryResult<Vec<Mobile>> {
    let mobiles: Vec<MobileJson> = from_json(raw, what)?;
    mobiles
        .into_iter()
        .map(|m| {
            Ok(Mobile {
                number: Msisdn::parse(&m.number).map_err(|_| corrupt("mobile number"))?,
                verified: m.verified,
                primary: m.primary,
            })
        })
        .collect()
}

/// `INSERT INTO <table> (<key column>, <columns>) VALUES ($key, $values...`, left open for
/// the caller's `)` or `) ON CONFLICT ...`; also the column names, for an upsert's `SET`.
pub(crate) fn insert_values(
    table: &str,
    key_column: &str,
    key: Piece,
    values: Vec<ColumnValue>,
) -> (TenantSql, Vec<&'static str>) {
    let columns: Vec<&'static str> = values.iter().map(|(c, _, _)| *c).collect();
    let mut sql = TenantSql::new()
        .sql(format!(
            "INSERT INTO {table} ({key_column}, {}) VALUES (",
            columns.join(", ")
        ))
        .bind(key);
    for (_, value, cast) in values {
        sql = sql.sql(", ").bind(value).sql(cast);
    }
    (sql, columns)
}

/// `INSERT ... ON CONFLICT (<key column>) DO UPDATE SET` every column: creates or replaces the
/// row of `key`.
pub(crate) fn upsert_values(
    table: &str,
    key_column: &str,
    key: Piece,
    values: Vec<ColumnValue>,
) -> TenantSql {
    let (sql, columns) = insert_values(table, key_column, key, values);
    let updates: Vec<String> = columns
        .iter()
        .map(|c| format!("{c} = EXCLUDED.{c}"))
        .collect();
    sql.sql(format!(
        ") ON CONFLICT ({key_column}) DO UPDATE SET {}",
        updates.join(", ")
    ))
}
