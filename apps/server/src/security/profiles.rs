//! `GET /securityProfiles`: per role, what it may do on this service, as the domain publishes it
//! ([`latchkey_operator::security_profiles`], the single source of the operator permissions),
//! with the Credentials API scopes each role maps onto (`scopes`, an addition to the
//! definition's `SecurityProfile`).

use crate::http::endpoint::Endpoint;
use crate::security::auth::OperatorCaller;
use crate::security::error::{SecurityError, SecurityErrorBody};
use crate::security::users::count_param;
use crate::security::wire::{self, Params};
use actix_web::{HttpResponse, web};
use latchkey_operator::{Reach, SecurityProfile, security_profiles};
use serde::Serialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::security("/securityProfiles").get(list));
}

/// What a role may do with one resource.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProfileActionDto {
    /// The resource: `users`, `apiKeys`, `subscribers`, ...
    pub resource: &'static str,
    /// `NONE`, `READ`, `MODIFY`, `DELETE`, `CREATE`, `TEST` or `MOVE`.
    pub access: &'static str,
}

/// The security profile of one role.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SecurityProfileDto {
    #[schema(format = Int64)]
    pub id: u64,
    pub name: String,
    pub description: String,
    /// The role it describes (`root`, `admin`, ...).
    pub role: &'static str,
    pub policy: Vec<ProfileActionDto>,
    /// Always empty: profiles are published by the server, not annotated.
    pub notes: Vec<serde_json::Value>,
    /// The Credentials API scopes the role maps onto (e.g. `credentials:read`): what an
    /// operator of this role may do there. Not in the definition.
    pub scopes: Vec<&'static str>,
    /// Whose records (other than its own) the policy reaches: `everyone`, `ownOrg` (the org
    /// the operator administers) or `nobody`. Not in the definition.
    pub reach: &'static str,
    /// The roles it may create, modify, delete and give. Not in the definition.
    pub manages: Vec<&'static str>,
}

/// `{profiles: [SecurityProfile]}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SecurityProfileList {
    pub profiles: Vec<SecurityProfileDto>,
}

impl From<SecurityProfile> for SecurityProfileDto {
    fn from(p: SecurityProfile) -> Self {
        Self {
            id: p.id,
            name: p.name,
            description: p.description,
            role: p.role.as_str(),
            policy: p
                .policy
                .into_iter()
                .map(|a| ProfileActionDto {
                    resource: a.resource,
                    access: a.access.as_str(),
                })
                .collect(),
            notes: Vec::new(),
            scopes: p.scopes.names(),
            reach: match p.reach {
                Reach::Everyone => "everyone",
                Reach::OwnOrg => "ownOrg",
                Reach::Nobody => "nobody",
            },
            manages: p.manages.iter().map(|r| r.as_str()).collect(),
        }
    }
}

/// Whether `profile` matches `filter`: its name or role contains it, case-insensitively.
fn matches(profile: &SecurityProfile, filter: &str) -> bool {
    let filter = filter.trim().to_lowercase();
    filter.is_empty()
        || profile.name.to_lowercase().contains(&filter)
        || profile.role.as_str().contains(&filter)
}

/// The security profiles of every role, for any signed-in operator.
#[utoipa::path(get, operation_id = "security_profiles", path = "/api/v1/securityProfiles",
    tag = "Security service",
    params(
        ("offset" = Option<i64>, Query, minimum = 0, description = "The first profile to answer, from 1 (the default; 0 is 1)"),
        ("limit" = Option<i64>, Query, minimum = 0, description = "At most this many (default: all)"),
        ("filter" = Option<String>, Query, description = "Only the profiles whose name or role contains this, case-insensitively"),
    ),
    responses(
        (status = 200, description = "The profiles, by id", body = SecurityProfileList),
        (status = 400, description = "`1018`: `offset` or `limit` is not a whole number from 0", body = SecurityErrorBody),
        (status = 403, description = "Not signed in (`ErrorCode` 8 or 9)", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn list(_caller: OperatorCaller, params: Params) -> Result<HttpResponse, SecurityError> {
    let offset = count_param(&params, "offset")?.unwrap_or(1).max(1) - 1;
    let limit = count_param(&params, "limit")?;
    let filter = params.text("filter").unwrap_or_default();
    let profiles = security_profiles()
        .into_iter()
        .filter(|p| matches(p, filter))
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(limit.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX)))
        .map(SecurityProfileDto::from)
        .collect();
    Ok(wire::ok(&SecurityProfileList { profiles }))
}
