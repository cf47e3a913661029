//! `latchkey subscriber ...`: an operator's everyday work on subscribers from a shell, through
//! the security service's own API (`/api/v1/subusers`, `/api/v1/subuser/{id}`) with one of the
//! operator's API keys. The server decides what the operator may do, exactly as for the
//! consoles: this is a client, nothing more.

use crate::operator::read_password;
use anyhow::Context as _;
use clap::{Args, Subcommand};
use latchkey_core::ExposeSecret as _;
use latchkey_server::config::Secret;
use serde_json::{Value, json};

/// Who calls, and on which server and tenant.
#[derive(Debug, Args)]
pub struct OperatorAccess {
    /// Base URL of the Latchkey server.
    #[arg(
        long,
        env = "LATCHKEY_URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub url: String,
    /// One of the operator's API keys (`/api/v1/apiKey/{userId}`); the commands act as it.
    #[arg(
        long,
        env = "LATCHKEY_OPERATOR_API_KEY",
        hide_env_values = true,
        global = true
    )]
    pub api_key: Option<Secret>,
    /// The tenant, for a root (any other operator reaches its own org whatever this says).
    #[arg(long, global = true)]
    pub org: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum SubscriberAction {
    /// Lists the subscribers (at most 1000).
    List {
        /// Only those whose name contains this, case-insensitively.
        #[arg(long)]
        name: Option<String>,
        /// Only those whose e-mail contains this, case-insensitively.
        #[arg(long)]
        email: Option<String>,
        /// How many at most.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Shows one subscriber, by id or by e-mail.
    Get { subscriber: String },
    /// Creates a subscriber (a credential of the tenant). With --password-stdin the first line
    /// of standard input is its password; otherwise it is e-mailed a link to set one.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Suspends a subscriber: its credential is disabled and its device sessions end.
    Suspend { id: String },
    /// Lifts a suspension.
    Resume { id: String },
    /// E-mails the subscriber a password-reset link.
    ResetPassword { id: String },
    /// Deletes a subscriber (the Credentials API's soft delete).
    Delete { id: String },
}

/// The request one action makes: method, path and query, body.
pub fn request(
    action: SubscriberAction,
    stdin: impl std::io::BufRead,
) -> anyhow::Result<(&'static str, String, Option<Value>)> {
    let segment = |raw: &str| -> String {
        raw.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@') {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    Ok(match action {
        SubscriberAction::List { name, email, limit } => {
            let mut path = format!("/api/v1/subusers?limit={limit}");
            for (param, value) in [("nameSearch", name), ("emailSearch", email)] {
                if let Some(value) = value {
                    path.push_str(&format!("&{param}={}", segment(&value)));
                }
            }
            ("GET", path, None)
        }
        SubscriberAction::Get { subscriber } => {
            let by_email = if subscriber.contains('@') {
                "?byEmail=true"
            } else {
                ""
            };
            let path = format!("/api/v1/subuser/{}{by_email}", segment(&subscriber));
            ("GET", path, None)
        }
        SubscriberAction::Create {
            email,
            name,
            password_stdin,
        } => {
            let mut body = json!({"email": email, "userRole": "subscriber"});
            if let Some(name) = name {
                body["name"] = json!(name);
            }
            let query = if password_stdin {
                body["currentPassword"] = json!(read_password(stdin)?.expose_secret());
                ""
            } else {
                "?email_verification=true"
            };
            ("POST", format!("/api/v1/subuser/0{query}"), Some(body))
        }
        SubscriberAction::Suspend { id } => put(&segment(&id), json!({"suspended": true})),
        SubscriberAction::Resume { id } => put(&segment(&id), json!({"suspended": false})),
        SubscriberAction::ResetPassword { id } => (
            "PUT",
            format!("/api/v1/subuser/{}?forgotPassword=true", segment(&id)),
            None,
        ),
        SubscriberAction::Delete { id } => {
            ("DELETE", format!("/api/v1/subuser/{}", segment(&id)), None)
        }
    })
}

fn put(id: &str, body: Value) -> (&'static str, String, Option<Value>) {
    ("PUT", format!("/api/v1/subuser/{id}"), Some(body))
}

/// Runs `action` against the server of `access` and prints its answer as JSON.
pub async fn run(access: OperatorAccess, action: SubscriberAction) -> anyhow::Result<()> {
    let key = access
        .api_key
        .context("no API key: set LATCHKEY_OPERATOR_API_KEY (or --api-key)")?;
    let (method, path, body) = request(action, std::io::stdin().lock())?;
    let url = format!("{}{path}", access.url.trim_end_matches('/'));
    let mut request = awc::Client::default()
        .request(method.parse().context("method")?, &url)
        .insert_header(("x-api-key", key.expose()));
    if let Some(org) = &access.org {
        request = request.insert_header(("x-latchkey-org", org.as_str()));
    }
    crate::cli::send_and_print(request, body, method, &url, &path).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn of(action: SubscriberAction) -> (&'static str, String, Option<Value>) {
        request(action, "s3cret pass phrase\n".as_bytes()).unwrap()
    }

    #[test]
    fn each_action_is_one_request_of_the_subscribers_api() {
        let get = of(SubscriberAction::Get {
            subscriber: "Eva+1@example.com".into(),
        });
        assert_eq!(get.1, "/api/v1/subuser/Eva%2B1@example.com?byEmail=true");
        let create = of(SubscriberAction::Create {
            email: "eva@example.com".into(),
            name: None,
            password_stdin: true,
        });
        assert_eq!(create.1, "/api/v1/subuser/0");
        assert_eq!(create.2.unwrap()["currentPassword"], "s3cret pass phrase");
        let linked = of(SubscriberAction::Create {
            email: "eva@example.com".into(),
            name: Some("Eva".into()),
            password_stdin: false,
        });
        assert_eq!(linked.1, "/api/v1/subuser/0?email_verification=true");
        let suspend = of(SubscriberAction::Suspend { id: "abc".into() });
        assert_eq!(
            (suspend.0, suspend.2.unwrap()),
            ("PUT", json!({"suspended": true}))
        );
        let list = of(SubscriberAction::List {
            name: Some("alba".into()),
            email: Some("example.org".into()),
            limit: 5,
        });
        assert_eq!(
            list.1,
            "/api/v1/subusers?limit=5&nameSearch=alba&emailSearch=example.org"
        );
    }
}
