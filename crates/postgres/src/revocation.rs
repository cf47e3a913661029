//! Revocations, shared by every server instance on the database: the revoked tokens
//! (`public.revoked_access_tokens` by `jti`, `public.revoked_token_holders` by subject or
//! client) and the announcement of every revocation to every instance (`LISTEN/NOTIFY` on the
//! channel [`CHANNEL`]).
//!
//! A subject's or a client's revocation is one statement: the row and its `pg_notify` commit
//! together (a notification is delivered at commit), so an instance hears of nothing that is
//! not recorded. Each instance keeps one connection of its own listening ([`PgRevocations::
//! listen`]); it reconnects by itself, and every (re)connection empties the instance's cache of
//! verified tokens, since notifications sent while it was away are lost: what that cache held
//! is verified again, against the rows.

use crate::statement::{Piece, TenantSql};
use crate::{PgDatabase, connect};
use async_trait::async_trait;
use diesel::QueryableByName;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use futures_util::StreamExt as _;
use latchkey_access::{AccessClaims, RevokedTokens, TokensOf};
use latchkey_core::{Clock, Revocation, RevocationListener, Revocations, StoreError, Timestamp};
use scoped_futures::ScopedFutureExt;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// The notification channel of revocations.
pub const CHANNEL: &str = "latchkey_revocations";

/// The `application_name` of every instance's listening connection (operators see it in
/// `pg_stat_activity`).
pub const LISTENER_NAME: &str = "latchkey-revocations";

/// How long a subject's or client's revocation is kept: the longest an access token can live
/// (`LATCHKEY_ACCESS_TOKEN_TTL` is at most a day), so every token it names has expired by then.
const HOLDER_RECORD_TTL: time::Duration = time::Duration::days(1);

/// How long the listening connection may stay silent before it is checked with a query.
const LISTEN_CHECK: Duration = Duration::from_secs(30);

/// The longest wait between two attempts to listen again.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

#[derive(QueryableByName)]
struct Answer {
    #[diesel(sql_type = Bool)]
    revoked: bool,
}

fn kind_and_holder(whose: &TokensOf) -> (&'static str, &str) {
    match whose {
        TokensOf::Subject(id) => ("subject", id),
        TokensOf::Client(id) => ("client", id),
    }
}

/// The insert (or update to the later times) of a holder's revocation, as the start of a
/// statement: `... RETURNING 1`.
fn record_holder(whose: &TokensOf, at: Timestamp, until: Timestamp) -> TenantSql {
    let (kind, holder) = kind_and_holder(whose);
    TenantSql::new()
        .sql("INSERT INTO public.revoked_token_holders (kind, holder, revoked_at, until) VALUES (")
        .bind(Piece::Text(kind.to_owned()))
        .sql(", ")
        .bind(Piece::Text(holder.to_owned()))
        .sql(", ")
        .bind(Piece::Time(at))
        .sql(", ")
        .bind(Piece::Time(until))
        .sql(
            ") ON CONFLICT (kind, holder) DO UPDATE SET \
             revoked_at = GREATEST(revoked_token_holders.revoked_at, excluded.revoked_at), \
             until = GREATEST(revoked_token_holders.until, excluded.until) RETURNING 1",
        )
}

/// [`RevokedTokens`] on `public.revoked_access_tokens` and `public.revoked_token_holders`.
#[derive(Debug, Clone)]
pub struct PgRevokedTokens {
    db: PgDatabase,
}

impl PgRevokedTokens {
    pub fn new(db: PgDatabase) -> Self {
        Self { db }
    }
}

#[async_trait]
impl RevokedTokens for PgRevokedTokens {
    async fn revoke(&self, jti: Uuid, expires_at: Timestamp) -> Result<(), StoreError> {
        use crate::schema::revoked_access_tokens::dsl;
        self.db
            .run(move |conn| {
                async move {
                    diesel::insert_into(dsl::revoked_access_tokens)
                        .values((dsl::jti.eq(jti), dsl::expires_at.eq(expires_at)))
                        .on_conflict(dsl::jti)
                        .do_update()
                        .set(dsl::expires_at.eq(
                            diesel::dsl::sql::<diesel::sql_types::Timestamptz>(
                                "GREATEST(revoked_access_tokens.expires_at, excluded.expires_at)",
                            ),
                        ))
                        .execute(conn)
                        .await
                        .map(drop)
                }
                .scope_boxed()
            })
            .await
    }

    async fn revoke_all(
        &self,
        whose: &TokensOf,
        at: Timestamp,
        until: Timestamp,
    ) -> Result<(), StoreError> {
        let query = record_holder(whose, at, until);
        self.db
            .run(move |conn| async move { query.execute(conn).await.map(drop) }.scope_boxed())
            .await
    }

    /// One statement: the `jti`, then the subject and the client, each an index lookup.
    async fn is_revoked(&self, claims: &AccessClaims, now: Timestamp) -> Result<bool, StoreError> {
        let issued_at = Timestamp::from_unix_timestamp(claims.issued_at)
            .map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        let query = TenantSql::new()
            .sql("SELECT EXISTS (SELECT 1 FROM public.revoked_access_tokens WHERE jti = ")
            .bind(Piece::Uuid(claims.jwt_id))
            .sql(" AND expires_at > ")
            .bind(Piece::Time(now))
            .sql(") OR EXISTS (SELECT 1 FROM public.revoked_token_holders WHERE ((kind = 'subject' AND holder = ")
            .bind(Piece::Text(claims.subject.clone()))
            .sql(") OR (kind = 'client' AND holder = ")
            .bind(Piece::Text(claims.client_id.clone()))
            .sql(")) AND revoked_at >= ")
            .bind(Piece::Time(issued_at))
            .sql(" AND until > ")
            .bind(Piece::Time(now))
            .sql(") AS revoked");
        let answer: Answer = self
            .db
            .run(move |conn| async move { query.get_result(conn).await }.scope_boxed())
            .await?;
        Ok(answer.revoked)
    }
}

/// [`Revocations`] for a fleet on one database: recorded in `public.revoked_token_holders`
/// (subjects and clients; a `jti` is recorded by whoever revoked it) and announced with
/// `pg_notify` in the same statement; every instance hears it through [`PgRevocations::listen`].
#[derive(Debug, Clone)]
pub struct PgRevocations {
    db: PgDatabase,
    clock: Arc<dyn Clock>,
    /// This instance's listener: it hears every revocation made here before `revoked` returns.
    local: Arc<dyn RevocationListener>,
}

impl PgRevocations {
    pub fn new(db: PgDatabase, clock: Arc<dyn Clock>, local: Arc<dyn RevocationListener>) -> Self {
        Self { db, clock, local }
    }

    /// Hears every instance's revocations, for as long as it runs, on a connection of its own
    /// (not the pool's): `LISTEN`, then each notification to this instance's listener. It
    /// never returns: a lost or silent connection is replaced (waiting at most
    /// [`MAX_BACKOFF`] between attempts), and each new connection first empties the listener
    /// (`Revocation::Everything`), as notifications sent meanwhile are lost.
    pub async fn listen(self) {
        let mut backoff = Duration::from_millis(100);
        loop {
            match self.listen_once().await {
                Ok(()) => backoff = Duration::from_millis(100),
                Err(e) => {
                    tracing::warn!(
                        error = %error_chain(&*e),
                        "listening for revocations failed; listening again"
                    );
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }

    /// One listening connection, until it is lost: `Ok` when it ended by itself.
    async fn listen_once(&self) -> Result<(), latchkey_core::BoxError> {
        let config = self.db.config();
        let mut conn = connect(&config.url, config).await?;
        conn.batch_execute(&format!(
            "SET application_name = '{LISTENER_NAME}'; LISTEN {CHANNEL}"
        ))
        .await?;
        // Anything announced while no connection listened is lost: trust nothing cached.
        self.local.heard(&Revocation::Everything);
        loop {
            if !self.hear_some(&mut conn).await? {
                return Ok(());
            }
            // Silent for a while: is the connection still there?
            tokio::time::timeout(LISTEN_CHECK, conn.batch_execute("SELECT 1"))
                .await
                .map_err(|_| "the listening connection does not answer")??;
        }
    }

    /// Passes notifications on until [`LISTEN_CHECK`] passes without one (`true`), or the
    /// connection ends (`false`).
    async fn hear_some(
        &self,
        conn: &mut AsyncPgConnection,
    ) -> Result<bool, latchkey_core::BoxError> {
        let mut notifications = std::pin::pin!(conn.notifications_stream());
        loop {
            match tokio::time::timeout(LISTEN_CHECK, notifications.next()).await {
                Err(_) => return Ok(true),
                Ok(None) => return Ok(false),
                Ok(Some(notification)) => {
                    let notification = notification?;
                    match Revocation::from_wire(&notification.payload) {
                        Some(revocation) => self.local.heard(&revocation),
                        None => tracing::warn!(
                            payload = %notification.payload,
                            "an unreadable revocation was announced; ignored"
                        ),
                    }
                }
            }
        }
    }
}

/// An error and its causes on one line, for the log.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}

#[async_trait]
impl Revocations for PgRevocations {
    async fn revoked(&self, revocation: &Revocation) -> Result<(), StoreError> {
        let now = self.clock.now();
        let whose = match revocation {
            Revocation::Subject(id) => Some(TokensOf::Subject(id.clone())),
            Revocation::Client(id) => Some(TokensOf::Client(id.clone())),
            Revocation::Token(_) | Revocation::Tenant(_) | Revocation::Everything => None,
        };
        let payload = Piece::Text(revocation.to_wire());
        let query = match &whose {
            Some(whose) => TenantSql::new()
                .sql("WITH recorded AS (")
                .append(record_holder(whose, now, now + HOLDER_RECORD_TTL))
                .sql(format!(") SELECT pg_notify('{CHANNEL}', "))
                .bind(payload)
                .sql(") FROM recorded"),
            None => TenantSql::new()
                .sql(format!("SELECT pg_notify('{CHANNEL}', "))
                .bind(payload)
                .sql(")"),
        };
        self.db
            .run(move |conn| async move { query.execute(conn).await.map(drop) }.scope_boxed())
            .await?;
        self.local.heard(revocation);
        Ok(())
    }
}
