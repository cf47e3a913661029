//! Statements that name a tenant's schema in their text, for the hot paths that would
//! otherwise pay for a transaction to set `search_path`.
//!
//! diesel prepares a statement once per connection and then only binds and executes it, but
//! not the statements of `sql_query`, which it prepares again on every call (one more round
//! trip to the server, and a parse and plan there). A [`TenantSql`] is built from pieces of
//! SQL and typed parameters, and tells diesel it may be cached: its text (with the schema in it)
//! is the cache key, so each connection prepares it once per tenant.

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{self, Untyped};
use latchkey_core::Timestamp;
use uuid::Uuid;

/// One piece of a [`TenantSql`].
#[derive(Debug)]
pub(crate) enum Piece {
    /// SQL text, as written.
    Sql(String),
    Uuid(Uuid),
    Bytes(Vec<u8>),
    Text(String),
    Time(Timestamp),
    Bool(bool),
    MaybeText(Option<String>),
    MaybeTime(Option<Timestamp>),
    Int(i64),
    MaybeInt(Option<i64>),
}

/// A statement made of SQL text and parameters, in order; load its rows with
/// `QueryableByName` structs.
#[derive(Debug, Default)]
pub(crate) struct TenantSql {
    pieces: Vec<Piece>,
}

impl TenantSql {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Appends SQL text (never a value: values go in as parameters).
    pub(crate) fn sql(mut self, text: impl Into<String>) -> Self {
        self.pieces.push(Piece::Sql(text.into()));
        self
    }

    /// Appends a parameter.
    pub(crate) fn bind(mut self, value: Piece) -> Self {
        self.pieces.push(value);
        self
    }

    /// Appends another statement's pieces (a part written once, used in several statements).
    pub(crate) fn append(mut self, other: TenantSql) -> Self {
        self.pieces.extend(other.pieces);
        self
    }
}

impl QueryFragment<Pg> for TenantSql {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        for piece in &self.pieces {
            match piece {
                Piece::Sql(text) => out.push_sql(text),
                Piece::Uuid(v) => out.push_bind_param::<sql_types::Uuid, _>(v)?,
                Piece::Bytes(v) => out.push_bind_param::<sql_types::Bytea, _>(v)?,
                Piece::Text(v) => out.push_bind_param::<sql_types::Text, _>(v)?,
                Piece::Time(v) => out.push_bind_param::<sql_types::Timestamptz, _>(v)?,
                Piece::Bool(v) => out.push_bind_param::<sql_types::Bool, _>(v)?,
                Piece::MaybeText(v) => {
                    out.push_bind_param::<sql_types::Nullable<sql_types::Text>, _>(v)?;
                }
                Piece::MaybeTime(v) => {
                    out.push_bind_param::<sql_types::Nullable<sql_types::Timestamptz>, _>(v)?;
                }
                Piece::Int(v) => out.push_bind_param::<sql_types::BigInt, _>(v)?,
                Piece::MaybeInt(v) => {
                    out.push_bind_param::<sql_types::Nullable<sql_types::BigInt>, _>(v)?;
                }
            }
        }
        Ok(())
    }
}

/// No static id: diesel keys its statement cache by the SQL text and parameter types.
impl QueryId for TenantSql {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for TenantSql {
    type SqlType = Untyped;
}
