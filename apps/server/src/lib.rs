//! The Latchkey server: its faces over HTTP — the Credentials and admin APIs (`routes`, JSON,
//! errors through `http::error`), the OAuth/OpenID Connect endpoints (`oauth`), the login pages
//! (`web`) — and their wiring (`config`, `state`: the adapters chosen at start and the use
//! cases built on them).
//!
//! It contains no business rule: a handler parses, calls one use case, renders its outcome.
//! The `latchkey` binary (`apps/latchkey`) runs it; tests start the same server through
//! [`start`].

pub mod config;
mod docs;
pub mod http;
pub mod logging;
mod notifier;
mod oauth;
pub mod provision;
mod qr;
mod routes;
pub mod security;
pub mod state;
mod tls;
mod web;

use crate::config::{Secret, ServerConfig};
use crate::http::request_id::{self, RequestTimeout};
use crate::state::{AppState, Stores};
use actix_web::middleware::from_fn;
use actix_web::web::{Data, to};
use actix_web::{App, HttpServer};
use anyhow::Context as _;
use latchkey_core::{OrgId, SecretString};
use latchkey_postgres::{PgConfig, PgDatabase};
use latchkey_tenancy::{Bootstrapped, ClientId, TenantName};
use std::net::SocketAddr;
use std::time::Duration;

/// A server that is listening, not yet awaited.
pub struct Started {
    pub server: actix_web::dev::Server,
    pub addr: SocketAddr,
    /// The bootstrap client's secret when it was generated (not configured): shown once.
    pub generated_secret: Option<SecretString>,
    /// The first root's password when it was generated (`LATCHKEY_ROOT_EMAIL` without
    /// `LATCHKEY_ROOT_PASSWORD`): shown once.
    pub generated_root_password: Option<SecretString>,
    /// Tasks that run beside the server (the key reload), stopped when it stops.
    background: Vec<tokio::task::JoinHandle<()>>,
    /// The services, released only once the server and the tasks have stopped.
    state: Data<AppState>,
}

impl Started {
    /// Serves until the server stops (SIGTERM, SIGINT, or its handle), then shuts down in
    /// order: the server has stopped accepting and drained its requests (within its shutdown
    /// timeout); the background tasks stop; the services and their pools (database, Redis,
    /// SMTP) are dropped here, on the runtime they were made on, never after it is gone.
    pub async fn run(self) -> std::io::Result<()> {
        let served = self.server.await;
        for task in &self.background {
            task.abort();
        }
        for task in self.background {
            // An aborted task answers "cancelled"; its future is dropped here, in the runtime.
            let _ = task.await;
        }
        drop(self.state);
        served
    }
}

impl std::fmt::Debug for Started {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Started")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// Builds the pool on `config` and checks that the database answers, with a clear error.
pub async fn open_database(config: PgConfig) -> anyhow::Result<PgDatabase> {
    let shown = latchkey_postgres::redact_url(&config.url);
    let db = PgDatabase::new(config).with_context(|| format!("LATCHKEY_DATABASE_URL ({shown})"))?;
    db.ping()
        .await
        .map_err(|e| anyhow::anyhow!("{}", error_chain(&e)))
        .with_context(|| format!("cannot reach PostgreSQL at {shown}"))?;
    Ok(db)
}

/// An error and its causes on one line.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Builds the state, provisions keys, tenants, the bootstrap client and the first root, and
/// binds the listener.
pub async fn start(config: &ServerConfig) -> anyhow::Result<Started> {
    // A certificate that cannot serve stops the start before anything else is touched.
    let certificate = config
        .security
        .tls()
        .map(|(cert, key)| tls::ServedCertificate::load(cert, key))
        .transpose()?;
    let services = security::services::SystemServices::from_config(config)?;
    let stores = match state::pg_config(config) {
        Some(pg) => {
            let db = open_database(pg).await?;
            let migrated = db.migrate().await.context("migrating the database")?;
            tracing::info!(
                public = migrated.public.len(),
                tenants = migrated.tenants.len(),
                "database migrated"
            );
            Stores::postgres(db)
        }
        None => Stores::in_memory(),
    };
    let stores = match &config.redis_url {
        Some(url) => {
            let redis = latchkey_redis::RedisDatabase::new(&latchkey_redis::RedisConfig {
                url: url.expose().to_owned(),
                timeout: Duration::from_millis(config.redis_timeout_ms),
                prefix: config.redis_prefix.clone(),
            })?;
            if let Err(e) = redis.ping().await {
                // Not fatal: everything but second factors and rate-limited flows works without
                // Redis, and the connection recovers by itself.
                tracing::warn!(
                    url = %latchkey_redis::redact_url(url.expose()),
                    error = %error_chain(&e),
                    "Redis does not answer yet"
                );
            }
            stores.with_redis(&redis)
        }
        None => stores,
    };
    let directory_caches = match &stores.announcer {
        state::Announcer::Postgres(_, caches) => caches.clone(),
        state::Announcer::Memory(_) => Vec::new(),
    };
    let state = AppState::new(config, stores)?;
    state
        .keys
        .ensure_key()
        .await
        .context("loading the signing keys")?;
    provision_tenants(&state, config).await?;
    let generated_secret = provision_bootstrap_client(&state, config).await?;
    let generated_root_password = provision::first_root(&state, config).await?;

    let shared_storage = state.health.shared_storage();
    let state = Data::new(state);
    let mut background = Vec::new();
    if shared_storage {
        background.push(actix_web::rt::spawn(reload_keys_periodically(
            state.clone(),
        )));
    }
    if let Some(listener) = state.revocation_listener.clone() {
        // Every instance's revocations reach this one's cache of verified tokens.
        background.push(actix_web::rt::spawn(listener.listen()));
    }
    let timeout = Data::new(RequestTimeout(Duration::from_secs(u64::from(
        config.request_timeout,
    ))));
    let system = Data::new(security::context::SystemContext {
        services,
        log_levels: match logging::installed() {
            Some(levels) => levels,
            None => logging::LogLevels::detached(&config.log)?,
        },
        started_at: std::time::SystemTime::now(),
        started: std::time::Instant::now(),
        certificate: certificate.clone(),
        directory_caches,
    });
    let app_state = state.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(app_state.clone())
            .app_data(system.clone())
            .app_data(timeout.clone())
            .wrap(from_fn(crate::http::drain::middleware))
            .wrap(from_fn(crate::http::limits::middleware))
            .wrap(from_fn(crate::http::headers::middleware))
            .wrap(from_fn(request_id::middleware))
            .configure(routes::configure)
            .default_service(to(routes::not_found))
    })
    .workers(config.workers())
    .shutdown_timeout(5);
    let server = match &certificate {
        // HTTPS only: owsec's clients speak `https://` directly, and a plain HTTP request on
        // this port fails its handshake.
        Some(certificate) => server.bind_rustls_0_23(config.listen, certificate.server_config()?),
        None => server.bind(config.listen),
    }
    .with_context(|| format!("binding {}", config.listen))?;
    let addr = server
        .addrs()
        .first()
        .copied()
        .context("no listening address")?;
    Ok(Started {
        server: server.run(),
        addr,
        generated_secret,
        generated_root_password,
        background,
        state,
    })
}

/// How often a server on shared storage reloads the signing keys, so that a key rotated or
/// removed through another instance is used (or no longer used) here too.
const KEY_RELOAD_INTERVAL: Duration = Duration::from_secs(30);

async fn reload_keys_periodically(state: Data<AppState>) {
    let mut ticks = tokio::time::interval(KEY_RELOAD_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        if let Err(e) = state.keys.reload().await {
            tracing::warn!(error = %e, "reloading the signing keys failed");
        }
    }
}

async fn provision_tenants(state: &AppState, config: &ServerConfig) -> anyhow::Result<()> {
    for (id, name) in config.tenant_list() {
        let org = OrgId::parse(&id).with_context(|| format!("LATCHKEY_TENANTS: '{id}'"))?;
        let name = TenantName::parse(&name)
            .with_context(|| format!("LATCHKEY_TENANTS: name of '{id}'"))?;
        state.tenants.provision(org, name).await?;
    }
    Ok(())
}

async fn provision_bootstrap_client(
    state: &AppState,
    config: &ServerConfig,
) -> anyhow::Result<Option<SecretString>> {
    let id =
        ClientId::parse(&config.bootstrap_client_id).context("LATCHKEY_BOOTSTRAP_CLIENT_ID")?;
    let configured = config.bootstrap_client_secret.as_ref().map(Secret::expose);
    let provisioned = state
        .clients
        .provision_bootstrap(id, configured)
        .await
        .context("LATCHKEY_BOOTSTRAP_CLIENT_SECRET")?;
    Ok(match provisioned {
        Bootstrapped::Generated(secret) => Some(secret),
        Bootstrapped::Configured => None,
        Bootstrapped::Kept => {
            tracing::info!(
                client_id = %config.bootstrap_client_id,
                "bootstrap client kept: its secret was shown when it was created"
            );
            None
        }
    })
}
