//! Throw-away databases for tests: each test gets a fresh, empty database of its own, dropped
//! when the test is done, so tests never see each other's rows and can run in parallel.

use crate::{PgConfig, PgDatabase, quote_ident, unavailable};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use latchkey_core::StoreError;
use std::time::Duration;

/// Where tests find PostgreSQL: `LATCHKEY_TEST_DATABASE_URL`, or the local server with trust
/// authentication.
pub fn admin_url() -> String {
    std::env::var("LATCHKEY_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A database created for one test; dropped (with its connections) when this value is dropped.
#[derive(Debug)]
pub struct ScratchDatabase {
    name: String,
    url: String,
    admin_url: String,
}

impl ScratchDatabase {
    /// Creates `latchkey_test_<random>` on the server of [`admin_url`].
    pub async fn create() -> Result<Self, StoreError> {
        let admin_url = admin_url();
        let name = format!("latchkey_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = AsyncPgConnection::establish(&admin_url)
            .await
            .map_err(unavailable)?;
        admin
            .batch_execute(&format!("CREATE DATABASE {}", quote_ident(&name)))
            .await
            .map_err(unavailable)?;
        let url = with_database(&admin_url, &name);
        Ok(Self {
            name,
            url,
            admin_url,
        })
    }

    /// The URL of the scratch database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A pool on the scratch database, small and with short timeouts.
    pub fn connect(&self) -> Result<PgDatabase, StoreError> {
        PgDatabase::new(PgConfig {
            url: self.url.clone(),
            pool_size: 4,
            threads: 1,
            connect_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(10),
        })
    }
}

/// Runs `sql` (one or more statements, no results) on the database at `url`: for tests that set
/// up a failure the API cannot cause, such as a trigger that fails half way through a move.
pub async fn execute(url: &str, sql: &str) -> Result<(), StoreError> {
    let mut conn = AsyncPgConnection::establish(url)
        .await
        .map_err(unavailable)?;
    conn.batch_execute(sql).await.map_err(unavailable)
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop may run inside an async test: do the blocking work on a thread of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut admin = AsyncPgConnection::establish(&admin_url).await?;
                admin
                    .batch_execute(&format!(
                        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                        quote_ident(&name)
                    ))
                    .await?;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            })
        })
        .join();
        if let Ok(Err(e)) = dropped {
            tracing::warn!(database = %self.name, error = %e, "could not drop a scratch database");
        }
    }
}

/// `url` with its database name replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_the_database_of_a_url() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://h:5432", "x"),
            "postgres://h:5432/x"
        );
    }
}
