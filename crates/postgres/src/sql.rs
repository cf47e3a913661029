//! SQL names of tenants' schemas, and what diesel's errors mean to the ports.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use latchkey_core::{BoxError, OrgId, StoreError};
use std::time::Duration;

use crate::QueryResult;

/// The schema of a tenant: `tenant_` and the org id. Org ids are `^[a-z][a-z0-9_-]{1,39}$`, so
/// the name is unique per org and at most 47 bytes (PostgreSQL keeps 63).
pub fn schema_name(org: &OrgId) -> String {
    format!("tenant_{}", org.as_str())
}

/// The schema name quoted as an SQL identifier (`-` is legal in a quoted name only).
pub(crate) fn schema_ident(org: &OrgId) -> String {
    quote_ident(&schema_name(org))
}

pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

pub(crate) enum ErrorClass {
    NotFound,
    Conflict,
    Unavailable,
}

pub(crate) fn store_error_ref(error: &DieselError) -> ErrorClass {
    match error {
        DieselError::NotFound => ErrorClass::NotFound,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => ErrorClass::Conflict,
        _ => ErrorClass::Unavailable,
    }
}

/// The port error for a diesel error: `NotFound` and unique violations keep their meaning,
/// everything else is the database failing.
pub(crate) fn store_error(error: DieselError) -> StoreError {
    match store_error_ref(&error) {
        ErrorClass::NotFound => StoreError::NotFound,
        ErrorClass::Conflict => StoreError::Conflict,
        ErrorClass::Unavailable => StoreError::Unavailable(Box::new(error)),
    }
}

/// `Ok` when a statement touched a row, diesel's `NotFound` when it touched none (so that inside
/// a transaction it also rolls back).
pub(crate) fn some_row(count: usize) -> QueryResult<()> {
    if count == 0 {
        Err(DieselError::NotFound)
    } else {
        Ok(())
    }
}

/// A row that does not decode into a domain value: the database holds something the domain
/// never writes.
pub(crate) fn corrupt(what: &'static str) -> DieselError {
    DieselError::DeserializationError(Box::new(Corrupt(what)))
}

pub(crate) fn is_retryable(error: &(dyn std::error::Error + Send + Sync + 'static)) -> bool {
    match error.downcast_ref::<DieselError>() {
        Some(DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _)) => true,
        Some(DieselError::DatabaseError(_, info)) => info.message().contains("deadlock detected"),
        _ => false,
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the database did not answer within {} ms ({phase})", .deadline.as_millis())]
pub(crate) struct DeadlineExceeded {
    pub(crate) deadline: Duration,
    pub(crate) phase: &'static str,
}

#[derive(Debug, thiserror::Error)]
#[error("a stored {0} is not valid")]
struct Corrupt(&'static str);

/// Boxes any error for [`StoreError::Unavailable`].
pub(crate) fn unavailable<E: Into<BoxError>>(error: E) -> StoreError {
    StoreError::Unavailable(error.into())
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_are_prefixed_and_quoted() {
        let org = OrgId::parse("pepe-phone").expect("valid");
        assert_eq!(schema_name(&org), "tenant_pepe-phone");
        assert_eq!(schema_ident(&org), "\"tenant_pepe-phone\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }
}
