//! The operators directory: `GET /users`, `GET/POST/PUT/DELETE /user/{id}`. Who may see or do
//! what is the domain's ([`latchkey_operator::OperatorService`]); here the definition's query
//! parameters and `UserInfo` become its calls (`user_input`), and its answers the definition's
//! shapes. No `UserInfo` ever carries a password, a hash or a secret.

use crate::http::endpoint::Endpoint;
use crate::security::auth::OperatorCaller;
use crate::security::avatars;
use crate::security::dto::UserInfo;
use crate::security::error::{Detail, SecurityError, SecurityErrorBody};
use crate::security::user_input::{self, UserInfoInput};
use crate::security::wire::{self, Completed, Json, OptionalJson, Params};
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use latchkey_operator::permissions::{self, Edit};
use latchkey_operator::{Operator, OperatorEmail, OperatorQuery};
use serde::Serialize;
use uuid::Uuid;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::security("/users").get(list)).service(
        Endpoint::security("/user/{id}")
            .get(get)
            .post(create)
            .put(modify)
            .delete(delete),
    );
}

/// What `GET /users` answers: `{users: [UserInfo]}`, `{users: [id]}` (`idOnly=true`) or
/// `{count: n}` (`countOnly=true`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UsersAnswer {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<UserOrId>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Int64)]
    pub count: Option<u64>,
}

/// An operator, or only its id.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum UserOrId {
    User(Box<UserInfo>),
    Id(Uuid),
}

/// What `PUT /user/{id}` answers: the operator as it is now, or `Command completed.` for
/// `forgotPassword=true`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum ModifyAnswer {
    User(Box<UserInfo>),
    Completed(Completed),
}

/// How many operators a page holds when `limit` is not given (owsec's default).
pub const DEFAULT_LIMIT: u64 = 100;

/// The most operators one page holds.
pub const MAX_LIMIT: u64 = 1000;

/// A count parameter (`offset`, `limit`): a whole number from 0 to 2^63 - 1 (an `int64` of the
/// document); anything else is 400 `1018`.
pub(crate) fn count_param(params: &Params, name: &str) -> Result<Option<u64>, SecurityError> {
    params
        .number::<i64>(name)?
        .map(|n| u64::try_from(n).map_err(|_| bad(Detail::MissingOrInvalidParameters)))
        .transpose()
}

/// The query parameters `GET /users` and `GET /subusers` share: `select` (comma-separated
/// ids), `nameSearch`, `emailSearch`, `newest`, `offset` and `limit` (default
/// [`DEFAULT_LIMIT`], at most [`MAX_LIMIT`]). Each directory makes its own query of them.
pub(crate) struct DirectoryParams {
    /// `select`: an id that is not a UUID names nobody, so it selects nothing (as owsec's
    /// lookup); an empty `select` is no selection.
    pub ids: Option<Vec<Uuid>>,
    pub name_contains: Option<String>,
    pub email_contains: Option<String>,
    pub newest_first: bool,
    pub offset: u64,
    pub limit: u64,
}

impl DirectoryParams {
    /// Reads them; a flag or number that is not one is 400 `1018`.
    pub(crate) fn read(params: &Params) -> Result<Self, SecurityError> {
        let text = |name| {
            params
                .text(name)
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        };
        let ids = params
            .text("select")
            .filter(|raw| !raw.trim().is_empty())
            .map(|raw| {
                raw.split(',')
                    .filter_map(|id| Uuid::parse_str(id.trim()).ok())
                    .collect()
            });
        Ok(Self {
            ids,
            name_contains: text("nameSearch"),
            email_contains: text("emailSearch"),
            newest_first: params.flag("newest")?,
            offset: count_param(params, "offset")?.unwrap_or(0),
            limit: count_param(params, "limit")?
                .unwrap_or(DEFAULT_LIMIT)
                .min(MAX_LIMIT),
        })
    }
}

/// The query of `GET /users`.
fn query(params: &Params) -> Result<OperatorQuery, SecurityError> {
    let read = DirectoryParams::read(params)?;
    Ok(OperatorQuery {
        owner: None,
        ids: read.ids,
        name_contains: read.name_contains,
        email_contains: read.email_contains,
        newest_first: read.newest_first,
        offset: read.offset,
        limit: Some(read.limit),
    })
}

impl UsersAnswer {
    /// `{count: n}` (`countOnly=true`).
    pub(crate) fn count(count: u64) -> Self {
        Self {
            users: None,
            count: Some(count),
        }
    }

    /// `{users: [UserInfo]}`, or `{users: [id]}` with `idOnly=true`, of the ones `found`.
    pub(crate) fn listed<T>(
        found: &[T],
        id_only: bool,
        id: impl Fn(&T) -> Uuid,
        info: impl Fn(&T) -> UserInfo,
    ) -> Self {
        let users = found
            .iter()
            .map(|one| {
                if id_only {
                    UserOrId::Id(id(one))
                } else {
                    UserOrId::User(Box::new(info(one)))
                }
            })
            .collect();
        Self {
            users: Some(users),
            count: None,
        }
    }
}

/// The operators the caller may see.
#[utoipa::path(get, operation_id = "users_list", path = "/api/v1/users", tag = "Security service",
    params(
        ("offset" = Option<i64>, Query, minimum = 0, description = "Skip this many (default 0)"),
        ("limit" = Option<i64>, Query, minimum = 0, description = "At most this many (default 100, at most 1000)"),
        ("idOnly" = Option<bool>, Query, description = "Answer `{users: [id]}`"),
        ("select" = Option<String>, Query, description = "Only these ids, comma-separated"),
        ("nameSearch" = Option<String>, Query, description = "Only the names containing this, case-insensitively"),
        ("emailSearch" = Option<String>, Query, description = "Only the e-mails containing this, case-insensitively"),
        ("withExtendedInfo" = Option<bool>, Query, description = "Accepted: every `UserInfo` is complete already"),
        ("countOnly" = Option<bool>, Query, description = "Answer `{count}`: how many the filters select, paging aside"),
        ("newest" = Option<bool>, Query, description = "Newest first (default oldest first)"),
    ),
    responses(
        (status = 200, description = "`{users: [UserInfo]}`, `{users: [id]}` or `{count}`", body = UsersAnswer),
        (status = 400, description = "`1018`: a flag or number is not one", body = SecurityErrorBody),
        (status = 403, description = "Not signed in (8, 9), or may see no operator (7)", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: OperatorCaller,
    params: Params,
) -> Result<HttpResponse, SecurityError> {
    let query = query(&params)?;
    let id_only = params.flag("idOnly")?;
    params.flag("withExtendedInfo")?;
    if params.flag("countOnly")? {
        let count = state
            .operators
            .directory
            .count(caller.operator(), query)
            .await?;
        return Ok(wire::ok(&UsersAnswer::count(count)));
    }
    let operators = state
        .operators
        .directory
        .list(caller.operator(), query)
        .await?;
    Ok(wire::ok(&UsersAnswer::listed(
        &operators,
        id_only,
        |o| o.id,
        |o| UserInfo::from(o),
    )))
}

/// The `{id}` segment of `/user/{id}` and `/subuser/{id}`: an id; one that is not a UUID names
/// nobody (404).
pub(crate) fn id_path(raw: &str) -> Result<Uuid, SecurityError> {
    Uuid::parse_str(raw.trim()).map_err(|_| SecurityError::not_found())
}

/// The operator `{id}` names for `caller`: by id, or by e-mail with `byEmail=true`.
async fn target(
    state: &AppState,
    caller: &OperatorCaller,
    raw: &str,
    by_email: bool,
) -> Result<Operator, SecurityError> {
    if by_email {
        let email = OperatorEmail::parse(raw).map_err(|_| SecurityError::not_found())?;
        return Ok(state
            .operators
            .directory
            .by_email(caller.operator(), &email)
            .await?);
    }
    Ok(state
        .operators
        .directory
        .get(caller.operator(), id_path(raw)?)
        .await?)
}

/// One operator.
#[utoipa::path(get, operation_id = "users_get", path = "/api/v1/user/{id}", tag = "Security service",
    params(
        ("id" = String, Path, description = "The operator's id, or its e-mail with `byEmail=true`"),
        ("byEmail" = Option<bool>, Query, description = "`{id}` is an e-mail address"),
    ),
    responses(
        (status = 200, description = "The operator", body = UserInfo),
        (status = 400, description = "`1018`: `byEmail` is not a flag", body = SecurityErrorBody),
        (status = 403, description = "Not signed in (8, 9), or may not see it (7)", body = SecurityErrorBody),
        (status = 404, description = "No such operator", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: OperatorCaller,
    path: web::Path<String>,
    params: Params,
) -> Result<HttpResponse, SecurityError> {
    let operator = target(&state, &caller, &path, params.flag("byEmail")?).await?;
    let info = avatars::operator_info(&state, &operator).await?;
    Ok(wire::ok(&info))
}

fn bad(detail: Detail) -> SecurityError {
    SecurityError::bad_request(detail)
}

/// Creates an operator (`POST /user/0`).
#[utoipa::path(post, operation_id = "users_create", path = "/api/v1/user/{id}", tag = "Security service",
    params(
        ("id" = String, Path, description = "Must be `0`"),
        ("email_verification" = Option<bool>, Query, description = "E-mail a verification link; the operator cannot sign in until it is followed"),
        ("entity" = Option<String>, Query, description = "The org the operator administers (default: the body's `owner`, else the caller's org)"),
    ),
    request_body(content = UserInfoInput, description = "A `UserInfo`: `email` (required), `currentPassword` (the initial password), `userRole` (default `subscriber`), `name`, `description`, `locale`, `location`, `owner`, `changePassword`, `notes`; other fields are the server's"),
    responses(
        (status = 200, description = "The operator created, with its new `id`", body = UserInfo),
        (status = 400, description = "`1038`: the id is not 0; `1039`: unknown `userRole`; `1040`: invalid e-mail; `1061`: the e-mail is taken; `1047`: the password breaks the policy; `1003`: not JSON", body = SecurityErrorBody),
        (status = 403, description = "Not signed in (8, 9), or may not create that role in that org (7)", body = SecurityErrorBody),
        (status = 503, description = "`13`: the verification e-mail could not be sent (the operator exists), or a storage is down", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    caller: OperatorCaller,
    path: web::Path<String>,
    params: Params,
    Json(input): Json<UserInfoInput>,
) -> Result<HttpResponse, SecurityError> {
    if path.trim() != "0" {
        return Err(bad(Detail::IdMustBe0));
    }
    let verify = params.flag("email_verification")?;
    let new = user_input::new_operator(input, caller.operator(), params.text("entity"), verify)?;
    let created = state
        .operators
        .directory
        .create(caller.operator(), new)
        .await?;
    if verify {
        state
            .operators
            .sign_in
            .send_email_verification(&created)
            .await?;
    }
    Ok(wire::ok(&UserInfo::from(&created)))
}

/// Modifies an operator: the fields of the body that differ from it, and the flags.
#[utoipa::path(put, operation_id = "users_modify", path = "/api/v1/user/{id}", tag = "Security service",
    params(
        ("id" = Uuid, Path, description = "The operator's id"),
        ("resetMFA" = Option<bool>, Query, description = "Turn its second factor off (and forget its authenticator app)"),
        ("forgotPassword" = Option<bool>, Query, description = "E-mail it a password-reset link (the body is not read); answers `Command completed.`"),
        ("email_verification" = Option<bool>, Query, description = "E-mail it a verification link (following it proves the address)"),
    ),
    request_body(content = Option<UserInfoInput>, description = "A `UserInfo` (whole or partial; none with `forgotPassword=true`): `name`, `description`, `location`, `locale`, `userRole`, `owner`, `suspended`, `blackListed`, `changePassword`, `currentPassword` (a new password), `notes` (appended), `userTypeProprietaryInfo` (`mfa`, `mobiles`). Only what differs from the operator is a change; what the caller may not change is refused (7) only when it differs"),
    responses(
        (status = 200, description = "The operator as it is now; `Command completed.` for `forgotPassword=true`", body = ModifyAnswer),
        (status = 400, description = "`1039`: unknown `userRole`; `1045`: an MFA method other than sms/email; `1044`: SMS without a mobile; `1115`: not a phone number; `1047`: the password breaks the policy; `1041`: a password used before", body = SecurityErrorBody),
        (status = 403, description = "Not signed in (8, 9), or a change the caller may not make (7)", body = SecurityErrorBody),
        (status = 404, description = "No such operator", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn modify(
    state: web::Data<AppState>,
    caller: OperatorCaller,
    path: web::Path<String>,
    params: Params,
    OptionalJson(input): OptionalJson<UserInfoInput>,
) -> Result<HttpResponse, SecurityError> {
    let id = id_path(&path)?;
    let reset_mfa = params.flag("resetMFA")?;
    let forgot_password = params.flag("forgotPassword")?;
    let verify = params.flag("email_verification")?;
    let current = state.operators.directory.get(caller.operator(), id).await?;
    if forgot_password {
        // A reset link is a password change: its own for anyone, another's for who may edit it.
        let edit = Edit {
            own_fields: true,
            ..Edit::default()
        };
        permissions::can_modify(caller.operator(), &current, &edit)?;
        state
            .operators
            .sign_in
            .forgot_password(current.email.as_str())
            .await?;
        return Ok(wire::ok(&ModifyAnswer::Completed(Completed::new())));
    }
    let mut changes = user_input::changes(&input.unwrap_or_default(), &current)?;
    if reset_mfa && current.mfa.is_some() {
        changes.mfa = Some(None);
    }
    let updated = state
        .operators
        .directory
        .modify(caller.operator(), id, changes)
        .await?;
    if reset_mfa {
        // The authenticator app goes with the setting: a new one starts from a new secret.
        state
            .operators
            .authenticators
            .remove(&latchkey_otp::TotpHolder::Operator(id))
            .await?;
    }
    if verify {
        state
            .operators
            .sign_in
            .send_email_verification(&updated)
            .await?;
    }
    Ok(wire::ok(&ModifyAnswer::User(Box::new(UserInfo::from(
        &updated,
    )))))
}

/// Removes an operator, its API keys and its sessions (its tokens die with them).
#[utoipa::path(delete, operation_id = "users_delete", path = "/api/v1/user/{id}", tag = "Security service",
    params(("id" = Uuid, Path, description = "The operator's id")),
    responses(
        (status = 200, description = "Removed: an empty body"),
        (status = 403, description = "Not signed in (8, 9), or may not remove it (7; the last root stays)", body = SecurityErrorBody),
        (status = 404, description = "No such operator", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn delete(
    state: web::Data<AppState>,
    caller: OperatorCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, SecurityError> {
    state
        .operators
        .directory
        .delete(caller.operator(), id_path(&path)?)
        .await?;
    Ok(wire::deleted())
}
