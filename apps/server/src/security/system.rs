//! The running server, as owsec's operators and siblings see it: `GET /system?command=info`,
//! `POST /system` (log levels per subsystem, applied at once; `reload`), `GET /systemEndpoints`
//! (the configured sibling services, for any signed-in operator) and `GET /systemServices`
//! (the same with what a service needs to call them, for services only).
//!
//! Shapes follow the definition where clients read it, and owsec where its consoles do:
//! `getsubsystemnames` answers both the definition's `taglist` and owsec's `list` (the consoles
//! read `list`), and each certificate both `expires` (the definition) and `expiresOn` (owsec).

use crate::http::endpoint::Endpoint;
use crate::logging::{LogLevel, LogLevels, SUBSYSTEMS};
use crate::security::auth::{OperatorCaller, ServiceCaller};
use crate::security::context::SystemContext;
use crate::security::error::{Denial, Detail, SecurityError, SecurityErrorBody};
use crate::security::wire::{self, Json, Params};
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use latchkey_core::Revocation;
use latchkey_operator::permissions;
use latchkey_operator::{ProfileAccess, resource};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::UNIX_EPOCH;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::security("/system").get(info).post(command))
        .service(Endpoint::security("/systemEndpoints").get(endpoints))
        .service(Endpoint::security("/systemServices").get(services));
}

/// `/system` follows the caller's security profile (`system` resource): `READ` for `info` and
/// the log levels' names and values, `MODIFY` to set levels or reload.
fn may(caller: &OperatorCaller, access: ProfileAccess) -> Result<(), SecurityError> {
    if permissions::may(caller.operator(), resource::SYSTEM, access) {
        Ok(())
    } else {
        Err(SecurityError::denied(Denial::AccessDenied))
    }
}

/// `GET /system?command=info`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SystemInfo {
    pub version: &'static str,
    /// Seconds since the start.
    pub uptime: u64,
    /// The start, in seconds since the epoch.
    pub start: u64,
    pub os: String,
    pub processors: usize,
    pub hostname: String,
    pub certificates: Vec<CertificateEntry>,
}

/// A certificate the server serves.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CertificateEntry {
    pub filename: String,
    /// Its `notAfter`, in seconds since the epoch.
    pub expires: i64,
    /// The same, under owsec's name.
    #[serde(rename = "expiresOn")]
    pub expires_on: i64,
}

#[utoipa::path(get, operation_id = "security_system_info", path = "/api/v1/system",
    tag = "Security service",
    params(("command" = String, Query, description = "`info`")),
    responses(
        (status = 200, description = "The running server", body = SystemInfo),
        (status = 400, description = "`1031`: a command other than `info`", body = SecurityErrorBody),
        (status = 403, description = "Not signed in (8, 9), or a profile that does not read `system` (7)", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn info(
    caller: OperatorCaller,
    context: web::Data<SystemContext>,
    params: Params,
) -> Result<HttpResponse, SecurityError> {
    may(&caller, ProfileAccess::Read)?;
    if !params
        .text("command")
        .is_some_and(|c| c.eq_ignore_ascii_case("info"))
    {
        return Err(SecurityError::bad_request(Detail::InvalidCommand));
    }
    let start = context
        .started_at
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Ok(wire::ok(&SystemInfo {
        version: env!("CARGO_PKG_VERSION"),
        uptime: context.started.elapsed().as_secs(),
        start,
        os: os_name(),
        processors: std::thread::available_parallelism().map_or(1, usize::from),
        hostname: hostname(),
        certificates: context
            .certificate
            .iter()
            .map(|c| {
                let c = c.info();
                CertificateEntry {
                    expires_on: c.expires,
                    expires: c.expires,
                    filename: c.filename,
                }
            })
            .collect(),
    }))
}

/// `Linux`, `Macos`...: the OS name as owsec shows it (capitalised).
fn os_name() -> String {
    let os = std::env::consts::OS;
    let mut chars = os.chars();
    chars
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// The host's name (Linux: the kernel's), or the `HOSTNAME` variable elsewhere.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The body of `POST /system`: `command`, and `subsystems` for `setloglevel` (`[{tag, value}]`)
/// and `reload` (`[name]`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SystemCommand {
    pub command: String,
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>)]
    pub subsystems: Option<Value>,
}

/// A subsystem and its level.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TagValue {
    pub tag: &'static str,
    pub value: &'static str,
}

/// `getloglevels`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LogLevelList {
    pub taglist: Vec<TagValue>,
}

/// `getloglevelnames`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NameList {
    pub list: Vec<&'static str>,
}

/// `getsubsystemnames`: the definition's `taglist` (each subsystem with its level) and owsec's
/// `list` (the names), which its consoles read.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubsystemNames {
    pub taglist: Vec<TagValue>,
    pub list: Vec<&'static str>,
}

#[utoipa::path(post, operation_id = "security_system_command", path = "/api/v1/system",
    tag = "Security service",
    request_body = SystemCommand,
    responses(
        (status = 200, description = "`getloglevels`: `{taglist}`; `getloglevelnames`: `{list}`; \
            `getsubsystemnames`: `{taglist, list}`; `setloglevel` and `reload`: the completed body", body = Object),
        (status = 400, description = "`1031`: unknown command; `1018`: `subsystems` missing, malformed, or naming an \
            unknown subsystem or level (nothing is changed)", body = SecurityErrorBody),
        (status = 403, description = "Not signed in (8, 9), or a profile that does not read `system` (7; \
            `setloglevel` and `reload` need it to modify `system`)", body = SecurityErrorBody),
        (status = 500, description = "`reload` of `http` or `daemon`: the certificate files cannot serve \
            (`ErrorCode` 6, the cause logged); the certificate being served stays", body = SecurityErrorBody),
        (status = 503, description = "`reload` of `keys` or `daemon`: the storage of the signing keys does not \
            answer (`ErrorCode` 13)", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn command(
    caller: OperatorCaller,
    state: web::Data<AppState>,
    context: web::Data<SystemContext>,
    Json(body): Json<SystemCommand>,
) -> Result<HttpResponse, SecurityError> {
    let command = body.command.trim().to_ascii_lowercase();
    let changes = matches!(command.as_str(), "setloglevel" | "reload");
    may(
        &caller,
        if changes {
            ProfileAccess::Modify
        } else {
            ProfileAccess::Read
        },
    )?;
    // Debug formatting: the command is the caller's text, quoted and escaped in the log.
    tracing::debug!(command = ?command, "system command");
    let levels = &context.log_levels;
    match command.as_str() {
        "getloglevels" => Ok(wire::ok(&LogLevelList {
            taglist: tag_values(levels),
        })),
        "getloglevelnames" => Ok(wire::ok(&NameList {
            list: LogLevel::ALL.iter().map(|l| l.name()).collect(),
        })),
        "getsubsystemnames" => Ok(wire::ok(&SubsystemNames {
            taglist: tag_values(levels),
            list: SUBSYSTEMS.iter().map(|s| s.tag).collect(),
        })),
        "setloglevel" => {
            let changes = level_changes(body.subsystems.as_ref())?;
            levels.set(&changes).map_err(|unknown| {
                tracing::info!(subsystem = ?unknown.0, "setloglevel: unknown subsystem");
                SecurityError::bad_request(Detail::MissingOrInvalidParameters)
            })?;
            for (tag, level) in &changes {
                tracing::info!(subsystem = %tag, level = level.name(), by = %caller.operator().email.as_str(), "log level set");
            }
            Ok(wire::completed())
        }
        "reload" => {
            reload(&state, &context, body.subsystems.as_ref()).await?;
            Ok(wire::completed())
        }
        _ => Err(SecurityError::bad_request(Detail::InvalidCommand)),
    }
}

fn tag_values(levels: &LogLevels) -> Vec<TagValue> {
    levels
        .levels()
        .into_iter()
        .map(|(tag, level)| TagValue {
            tag,
            value: level.name(),
        })
        .collect()
}

/// `[{tag, value}]`, every level known; subsystems are checked by [`LogLevels::set`].
fn level_changes(subsystems: Option<&Value>) -> Result<Vec<(String, LogLevel)>, SecurityError> {
    let invalid = || SecurityError::bad_request(Detail::MissingOrInvalidParameters);
    let list = subsystems.and_then(Value::as_array).ok_or_else(invalid)?;
    list.iter()
        .map(|entry| {
            let tag = entry
                .get("tag")
                .and_then(Value::as_str)
                .ok_or_else(invalid)?;
            let value = entry
                .get("value")
                .and_then(Value::as_str)
                .ok_or_else(invalid)?;
            let level = LogLevel::parse(value).ok_or_else(invalid)?;
            Ok((tag.to_owned(), level))
        })
        .collect()
}

/// Reloads what the named subsystems hold that can be read again: `keys` the signing keys,
/// `tenancy` the caches of tenants and clients, `http` the TLS certificate and key (a renewed
/// certificate, served from the next connection on), `daemon` all three. The others have nothing to
/// reload and answer done; an unknown name changes nothing and answers 400.
async fn reload(
    state: &AppState,
    context: &SystemContext,
    subsystems: Option<&Value>,
) -> Result<(), SecurityError> {
    let invalid = || SecurityError::bad_request(Detail::MissingOrInvalidParameters);
    let names: Vec<String> = subsystems
        .and_then(Value::as_array)
        .ok_or_else(invalid)?
        .iter()
        .map(|n| {
            n.as_str()
                .map(|n| n.trim().to_ascii_lowercase())
                .ok_or_else(invalid)
        })
        .collect::<Result<_, _>>()?;
    if names.iter().any(|n| !SUBSYSTEMS.iter().any(|s| s.tag == n)) {
        return Err(invalid());
    }
    let all = names.iter().any(|n| n == "daemon");
    if all || names.iter().any(|n| n == "tenancy") {
        for cache in &context.directory_caches {
            cache.heard(&Revocation::Everything);
        }
    }
    if let Some(certificate) = &context.certificate
        && (all || names.iter().any(|n| n == "http"))
    {
        // The server's own files, not the request, are at fault: 500, the cause logged.
        let info = certificate.reload().map_err(|e| {
            SecurityError::internal(format!("reloading the TLS certificate: {e:#}"))
        })?;
        tracing::info!(certificate = %info.filename, expires = info.expires, "TLS certificate reloaded");
    }
    if all || names.iter().any(|n| n == "keys") {
        state
            .keys
            .reload()
            .await
            .map_err(SecurityError::unavailable)?;
    }
    tracing::info!(subsystems = ?names, "reloaded");
    Ok(())
}

/// `GET /systemEndpoints`: `{endpoints: [{type, id, vendor, uri, authenticationType}]}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SystemEndpointList {
    pub endpoints: Vec<SystemEndpoint>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SystemEndpoint {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: u64,
    pub vendor: String,
    pub uri: String,
    pub authentication_type: String,
}

#[utoipa::path(get, operation_id = "security_system_endpoints", path = "/api/v1/systemEndpoints",
    tag = "Security service",
    responses(
        (status = 200, description = "The configured sibling services' public endpoints", body = SystemEndpointList),
        (status = 403, description = "Not signed in (`ErrorCode` 8 or 9)", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn endpoints(_caller: OperatorCaller, context: web::Data<SystemContext>) -> HttpResponse {
    let endpoints = context
        .services
        .list()
        .iter()
        .map(|s| SystemEndpoint {
            kind: s.kind.clone(),
            id: s.id,
            vendor: s.vendor.clone(),
            uri: s.uri.clone(),
            authentication_type: s.authentication_type.clone(),
        })
        .collect();
    wire::ok(&SystemEndpointList { endpoints })
}

/// `GET /systemServices`: the definition's `InternalSystemServices`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InternalSystemServices {
    /// Empty: no key of this server is handed out.
    pub key: &'static str,
    pub version: u32,
    pub services: Vec<InternalServiceInfo>,
}

/// A sibling service and the key that calls it (`X-API-KEY`), as owsec shares them among its
/// services. Only a configured service (one that holds a key of the mesh already) is told the
/// keys; a Latchkey service token gets the addresses with an empty `token`, since a client
/// allowed to validate tokens is not thereby allowed to speak as every sibling.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InternalServiceInfo {
    #[serde(rename = "privateURI")]
    pub private_uri: String,
    #[serde(rename = "publicURI")]
    pub public_uri: String,
    pub token: String,
}

#[utoipa::path(get, operation_id = "security_system_services", path = "/api/v1/systemServices",
    tag = "Security service",
    responses(
        (status = 200, description = "The configured sibling services; each `token` (its key) only for a \
            configured service, empty for a service token", body = InternalSystemServices),
        (status = 403, description = "Not a service: `X-API-KEY` + `X-INTERNAL-NAME` of a configured service, \
            or a service token with `tokens:validate` (8, 9; 7 for a token without the scope)", body = SecurityErrorBody)),
    security(("internalService" = [], "apiKeyAuth" = []), ("bearerAuth" = ["tokens:validate"])))]
pub async fn services(caller: ServiceCaller, context: web::Data<SystemContext>) -> HttpResponse {
    let sibling = matches!(caller, ServiceCaller::Internal(_));
    let services = context
        .services
        .list()
        .iter()
        .map(|s| InternalServiceInfo {
            private_uri: s.private_uri.clone(),
            public_uri: s.uri.clone(),
            token: if sibling {
                s.key().to_owned()
            } else {
                String::new()
            },
        })
        .collect();
    wire::ok(&InternalSystemServices {
        key: "",
        version: 1,
        services,
    })
}
