//! The command line: `latchkey` serves; `latchkey tenant|client|key ...` administer a running
//! server through its HTTP API, with a service token obtained from the configured client.

use anyhow::{Context as _, bail};
use clap::{Args, Parser, Subcommand};
use latchkey_server::config::{Secret, ServerConfig};
use serde_json::{Value, json};

/// Latchkey: multi-tenant identity and credentials service.
///
/// With no command, runs the server. With no database configured it runs on in-memory
/// storage (dev mode): data is lost when it stops.
#[derive(Debug, Parser)]
#[command(name = "latchkey", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub server: ServerConfig,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs the server (the default).
    Serve,
    /// Applies pending database migrations to `public` and to every tenant's schema, then
    /// exits (the server also does this at start). Needs LATCHKEY_DATABASE_URL.
    Migrate,
    /// Manages tenants (scope `tenants:admin`).
    Tenant {
        #[command(flatten)]
        admin: Admin,
        #[command(subcommand)]
        action: TenantAction,
    },
    /// Manages API clients (scope `clients:admin`).
    Client {
        #[command(flatten)]
        admin: Admin,
        #[command(subcommand)]
        action: ClientAction,
    },
    /// Manages the token signing keys (scope `keys:admin`).
    Key {
        #[command(flatten)]
        admin: Admin,
        #[command(subcommand)]
        action: KeyAction,
    },
    /// Manages the security service's operators on the database directly (needs
    /// LATCHKEY_DATABASE_URL).
    Operator {
        #[command(subcommand)]
        action: crate::operator::OperatorAction,
    },
    /// Works on the security service's subscribers through its API, as an operator (one of
    /// its API keys): list, get, create, suspend, resume, reset-password, delete.
    Subscriber {
        #[command(flatten)]
        access: crate::subscriber::OperatorAccess,
        #[command(subcommand)]
        action: crate::subscriber::SubscriberAction,
    },
}

/// How an admin command reaches the server.
#[derive(Debug, Args)]
pub struct Admin {
    /// Base URL of the Latchkey server to administer.
    #[arg(
        long,
        env = "LATCHKEY_URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub url: String,
    /// Client id to authenticate with. Default: the bootstrap client's id.
    #[arg(long, env = "LATCHKEY_CLIENT_ID", global = true)]
    pub client_id: Option<String>,
    /// Client secret. Default: LATCHKEY_BOOTSTRAP_CLIENT_SECRET.
    #[arg(
        long,
        env = "LATCHKEY_CLIENT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub client_secret: Option<Secret>,
}

#[derive(Debug, Subcommand)]
pub enum TenantAction {
    /// Creates or updates a tenant.
    Put {
        /// Org id, e.g. `masmovil`.
        org: String,
        /// Display name. Default: the org id.
        #[arg(long)]
        name: Option<String>,
        /// Creates or leaves the tenant disabled.
        #[arg(long)]
        disabled: bool,
    },
    /// Shows one tenant.
    Get { org: String },
    /// Lists tenants.
    List,
}

#[derive(Debug, Subcommand)]
pub enum ClientAction {
    /// Registers a client and prints its secret (shown this once).
    Create {
        #[arg(long)]
        name: String,
        /// Scopes, comma-separated or repeated.
        #[arg(long = "scope", value_delimiter = ',', required = true)]
        scopes: Vec<String>,
        /// Org ids, comma-separated or repeated, or `*` for all.
        #[arg(long = "org", value_delimiter = ',', required = true)]
        orgs: Vec<String>,
        /// Grants, comma-separated or repeated (default: `client_credentials`); any other
        /// (`authorization_code`, `refresh_token`, `ciba`, `implicit`) makes a login client of
        /// exactly one org.
        #[arg(long = "grant", value_delimiter = ',')]
        grants: Vec<String>,
        /// Redirect URIs of a login client, comma-separated or repeated.
        #[arg(long = "redirect-uri", value_delimiter = ',')]
        redirect_uris: Vec<String>,
        /// Where `/logout` may send the browser afterwards, comma-separated or repeated.
        #[arg(long = "post-logout-redirect-uri", value_delimiter = ',')]
        post_logout_redirect_uris: Vec<String>,
        /// A public client: no secret, PKCE with S256 required.
        #[arg(long)]
        public: bool,
        /// The ID tokens' algorithm: RS256 (default) or ES256.
        #[arg(long)]
        id_token_alg: Option<String>,
    },
    /// Lists clients.
    List,
    /// Deletes a client.
    Delete { client_id: String },
}

#[derive(Debug, Subcommand)]
pub enum KeyAction {
    /// Lists signing keys, oldest first.
    List,
    /// Makes a new signing key active.
    Rotate,
    /// Removes a key that no longer signs.
    Remove { kid: String },
}

/// `latchkey migrate`: migrates the configured database and reports what was applied.
#[expect(
    clippy::print_stdout,
    reason = "the report of a command run by hand goes to standard output"
)]
pub async fn migrate(server: &ServerConfig) -> anyhow::Result<()> {
    let Some(config) = latchkey_server::state::pg_config(server) else {
        bail!("no database to migrate: set LATCHKEY_DATABASE_URL");
    };
    let db = latchkey_server::open_database(config).await?;
    let migrated = db.migrate().await.context("migrating the database")?;
    let list = |versions: &[String]| {
        if versions.is_empty() {
            "up to date".to_owned()
        } else {
            format!("applied {}", versions.join(", "))
        }
    };
    println!("public: {}", list(&migrated.public));
    for (org, versions) in &migrated.tenants {
        println!(
            "tenant {org} (schema {}): {}",
            latchkey_postgres::schema_name(org),
            list(versions)
        );
    }
    Ok(())
}

/// Runs an admin command and prints the server's answer as JSON.
pub async fn run_admin(command: Command, server: &ServerConfig) -> anyhow::Result<()> {
    let (admin, scope, method, path, body): (Admin, String, &str, String, Option<Value>) =
        match command {
            Command::Serve
            | Command::Migrate
            | Command::Operator { .. }
            | Command::Subscriber { .. } => {
                bail!("not an admin command")
            }
            Command::Tenant { admin, action } => {
                let (method, path, body) = match action {
                    TenantAction::Put {
                        name,
                        disabled,
                        org,
                    } => {
                        let body = json!({"name": name.unwrap_or_else(|| org.clone()), "enabled": !disabled});
                        ("PUT", format!("/v1/orgs/{org}"), Some(body))
                    }
                    TenantAction::Get { org } => ("GET", format!("/v1/orgs/{org}"), None),
                    TenantAction::List => ("GET", "/v1/orgs".to_owned(), None),
                };
                (admin, "tenants:admin".to_owned(), method, path, body)
            }
            Command::Client { admin, action } => {
                // A client can only grant scopes its creator holds: ask for those too.
                let mut scope = "clients:admin".to_owned();
                let (method, path, body) = match action {
                    ClientAction::Create {
                        name,
                        scopes,
                        orgs,
                        grants,
                        redirect_uris,
                        post_logout_redirect_uris,
                        public,
                        id_token_alg,
                    } => {
                        for s in &scopes {
                            scope.push(' ');
                            scope.push_str(s);
                        }
                        let mut body = json!({"name": name, "scopes": scopes, "orgs": orgs,
                            "redirect_uris": redirect_uris, "public": public});
                        if !grants.is_empty() {
                            body["grant_types"] = json!(grants);
                        }
                        if !post_logout_redirect_uris.is_empty() {
                            body["post_logout_redirect_uris"] = json!(post_logout_redirect_uris);
                        }
                        if let Some(alg) = id_token_alg {
                            body["id_token_signed_response_alg"] = json!(alg);
                        }
                        ("POST", "/v1/clients".to_owned(), Some(body))
                    }
                    ClientAction::List => ("GET", "/v1/clients".to_owned(), None),
                    ClientAction::Delete { client_id } => {
                        ("DELETE", format!("/v1/clients/{client_id}"), None)
                    }
                };
                (admin, scope, method, path, body)
            }
            Command::Key { admin, action } => {
                let (method, path) = match action {
                    KeyAction::List => ("GET", "/v1/keys".to_owned()),
                    KeyAction::Rotate => ("POST", "/v1/keys".to_owned()),
                    KeyAction::Remove { kid } => ("DELETE", format!("/v1/keys/{kid}")),
                };
                (admin, "keys:admin".to_owned(), method, path, None)
            }
        };
    let client_id = admin
        .client_id
        .clone()
        .unwrap_or_else(|| server.bootstrap_client_id.clone());
    let secret = admin
        .client_secret
        .clone()
        .or_else(|| server.bootstrap_client_secret.clone())
        .context(
            "no client secret: set LATCHKEY_CLIENT_SECRET (or LATCHKEY_BOOTSTRAP_CLIENT_SECRET)",
        )?;
    let base = admin.url.trim_end_matches('/');
    let http = awc::Client::default();
    let token = fetch_token(&http, base, &client_id, secret.expose(), &scope).await?;
    let url = format!("{base}{path}");
    let request = http
        .request(method.parse().context("method")?, &url)
        .bearer_auth(&token);
    send_and_print(request, body, method, &url, &path).await
}

/// Sends `request` (a command's call to the server: `method` on `url`, whose `path` errors
/// name) with `body` as JSON if any, and prints the answer as JSON: pretty-printed, a text
/// answer as a JSON string, an empty one as `{"status": code}`. An answer other than a 2xx is
/// the command's error, with that text. Shared by the admin commands and `latchkey subscriber`.
#[expect(
    clippy::print_stdout,
    reason = "a command's answer is its standard output"
)]
pub(crate) async fn send_and_print(
    request: awc::ClientRequest,
    body: Option<Value>,
    method: &str,
    url: &str,
    path: &str,
) -> anyhow::Result<()> {
    let mut response = match body {
        Some(body) => request.send_json(&body).await,
        None => request.send().await,
    }
    .map_err(|e| anyhow::anyhow!("{method} {url}: {e}"))?;
    let bytes = response.body().await.context("reading the answer")?;
    let text = if bytes.is_empty() {
        json!({"status": response.status().as_u16()}).to_string()
    } else {
        let value: Value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| json!(String::from_utf8_lossy(&bytes)));
        serde_json::to_string_pretty(&value)?
    };
    if response.status().is_success() {
        println!("{text}");
        Ok(())
    } else {
        bail!("{method} {path} answered {}:\n{text}", response.status())
    }
}

async fn fetch_token(
    http: &awc::Client,
    base: &str,
    id: &str,
    secret: &str,
    scope: &str,
) -> anyhow::Result<String> {
    let mut response = http
        .post(format!("{base}/token"))
        .basic_auth(id, secret)
        .send_form(&[("grant_type", "client_credentials"), ("scope", scope)])
        .await
        .map_err(|e| anyhow::anyhow!("POST {base}/token: {e}"))?;
    let body: Value = response.json().await.context("reading the token answer")?;
    match body.get("access_token").and_then(Value::as_str) {
        Some(token) => Ok(token.to_owned()),
        None => bail!("POST /token answered {}: {body}", response.status()),
    }
}
