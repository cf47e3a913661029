//! The subscribers directory: `GET /subusers`, `GET/POST/PUT/DELETE /subuser/{id}`. Subscribers
//! are the tenant's credentials, the very records of the Credentials API, shown as `UserInfo`:
//! who may do what is the domain's ([`latchkey_subscriber::SubscriberService`], from the
//! operator's security profile on `subscribers`), which tenant is `security::tenant`'s (an
//! operator's own org), and the definition's parameters are read as for `/users`.

use crate::http::endpoint::Endpoint;
use crate::security::auth::OperatorCaller;
use crate::security::avatars;
use crate::security::dto::UserInfo;
use crate::security::error::{Detail, SecurityError, SecurityErrorBody};
use crate::security::subuser_input;
use crate::security::tenant::subscriber_org;
use crate::security::user_input::UserInfoInput;
use crate::security::users::{DirectoryParams, ModifyAnswer, UsersAnswer, id_path};
use crate::security::wire::{self, Completed, Json, OptionalJson, Params};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_core::OrgId;
use latchkey_flows::ResetPassword;
use latchkey_operator::ProfileAccess;
use latchkey_subscriber::{Subscriber, SubscriberQuery};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::security("/subusers").get(list))
        .service(
            Endpoint::security("/subuser/{id}")
                .get(get)
                .post(create)
                .put(modify)
                .delete(delete),
        );
}

/// The query of `GET /subusers`: as `/users`' (`offset`, `limit`, `select`, `nameSearch`,
/// `emailSearch`, `newest`).
fn query(params: &Params) -> Result<SubscriberQuery, SecurityError> {
    let read = DirectoryParams::read(params)?;
    Ok(SubscriberQuery {
        offset: read.offset,
        limit: Some(read.limit),
        select: read.ids,
        name_search: read.name_contains,
        email_search: read.email_contains,
        newest: read.newest_first,
    })
}

/// The org of the call (`security::tenant`) for this operator.
fn org(
    req: &HttpRequest,
    state: &AppState,
    caller: &OperatorCaller,
) -> Result<OrgId, SecurityError> {
    subscriber_org(req, state, Some(caller.operator()))
}

/// The subscribers of the caller's org.
#[utoipa::path(get, operation_id = "subusers_list", path = "/api/v1/subusers", tag = "Security service",
    params(
        ("offset" = Option<i64>, Query, minimum = 0, description = "Skip this many (default 0)"),
        ("limit" = Option<i64>, Query, minimum = 0, description = "At most this many (default 100, at most 1000)"),
        ("filter" = Option<String>, Query, description = "Accepted and ignored (the definition lists it without a meaning; `newest` orders)"),
        ("idOnly" = Option<bool>, Query, description = "Answer `{users: [id]}`"),
        ("select" = Option<String>, Query, description = "Only these ids, comma-separated"),
        ("nameSearch" = Option<String>, Query, description = "Only the names containing this, case-insensitively"),
        ("emailSearch" = Option<String>, Query, description = "Only the e-mails (usernames) containing this, case-insensitively"),
        ("withExtendedInfo" = Option<bool>, Query, description = "Accepted: every `UserInfo` is complete already"),
        ("countOnly" = Option<bool>, Query, description = "Answer `{count}`: how many the filters select, paging aside"),
        ("newest" = Option<bool>, Query, description = "Newest first (default oldest first)"),
        ("X-Latchkey-Org" = Option<String>, Header, description = "The tenant, for a `root` (others reach their own org); default: the server's `LATCHKEY_SUBSCRIBER_ORG`"),
    ),
    responses(
        (status = 200, description = "`{users: [UserInfo]}`, `{users: [id]}` or `{count}`", body = UsersAnswer),
        (status = 400, description = "`1018`: a flag or number is not one, or no tenant is named", body = SecurityErrorBody),
        (status = 403, description = "Not signed in (8, 9), or may not read subscribers (7)", body = SecurityErrorBody),
        (status = 404, description = "The tenant does not exist or is disabled", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: OperatorCaller,
    params: Params,
) -> Result<HttpResponse, SecurityError> {
    let query = query(&params)?;
    let id_only = params.flag("idOnly")?;
    params.flag("withExtendedInfo")?;
    let count_only = params.flag("countOnly")?;
    let org = org(&req, &state, &caller)?;
    let subscribers = &state.operators.subscribers;
    if count_only {
        let count = subscribers.count(caller.operator(), &org, &query).await?;
        return Ok(wire::ok(&UsersAnswer::count(count)));
    }
    let found = subscribers.list(caller.operator(), &org, &query).await?;
    Ok(wire::ok(&UsersAnswer::listed(
        &found,
        id_only,
        Subscriber::id,
        UserInfo::subscriber,
    )))
}

/// One subscriber.
#[utoipa::path(get, operation_id = "subusers_get", path = "/api/v1/subuser/{id}", tag = "Security service",
    params(
        ("id" = String, Path, description = "The subscriber's id, or its e-mail with `byEmail=true`"),
        ("byEmail" = Option<bool>, Query, description = "`{id}` is an e-mail address (the username)"),
        ("X-Latchkey-Org" = Option<String>, Header, description = "The tenant, for a `root`"),
    ),
    responses(
        (status = 200, description = "The subscriber", body = UserInfo),
        (status = 400, description = "`1018`: `byEmail` is not a flag, or no tenant is named", body = SecurityErrorBody),
        (status = 403, description = "Not signed in (8, 9), or may not read subscribers (7)", body = SecurityErrorBody),
        (status = 404, description = "No such subscriber (or tenant)", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: OperatorCaller,
    path: web::Path<String>,
    params: Params,
) -> Result<HttpResponse, SecurityError> {
    let by_email = params.flag("byEmail")?;
    let org = org(&req, &state, &caller)?;
    let subscribers = &state.operators.subscribers;
    let found = if by_email {
        subscribers
            .find_by_username(caller.operator(), &org, path.trim())
            .await?
    } else {
        subscribers
            .find(caller.operator(), &org, id_path(&path)?)
            .await?
    };
    let info = avatars::subscriber_info(&state, &found).await?;
    Ok(wire::ok(&info))
}

/// E-mails the Credentials API's set-password link to the subscriber's address (endpoint 12's
/// flow: rate limited, the activation message for one without a password, the reset message
/// otherwise). Following it proves the address and sets a password.
async fn send_link(
    state: &AppState,
    caller: &OperatorCaller,
    subscriber: &Subscriber,
) -> Result<(), SecurityError> {
    let principal = state.operators.subscribers.authorize(
        caller.operator(),
        &subscriber.org,
        ProfileAccess::Modify,
    )?;
    let locale = subscriber.profile.locale.as_str();
    let input = ResetPassword {
        username: subscriber.credential.username.as_str(),
        language: Some(locale).filter(|l| !l.is_empty()),
        hint: None,
    };
    state
        .flows
        .reset_password(&principal, &subscriber.org, input)
        .await?;
    Ok(())
}

/// Creates a subscriber (`POST /subuser/0`): a credential of the Credentials API.
#[utoipa::path(post, operation_id = "subusers_create", path = "/api/v1/subuser/{id}", tag = "Security service",
    params(
        ("id" = String, Path, description = "Must be `0`"),
        ("email_verification" = Option<bool>, Query, description = "E-mail the Credentials API's set-password link: following it proves the address (and sets the password)"),
        ("X-Latchkey-Org" = Option<String>, Header, description = "The tenant, for a `root`"),
    ),
    request_body(content = UserInfoInput, description = "A `UserInfo`: `email` (required: the username), `currentPassword` (the initial password; without one the subscriber stays suspended until it sets one through a link), `userRole` (`subscriber` or none), `name`, `description`, `locale`, `location`, `notes`; other fields are the server's"),
    responses(
        (status = 200, description = "The subscriber created, with its new `id`", body = UserInfo),
        (status = 400, description = "`1038`: the id is not 0; `1039`: a `userRole` other than `subscriber`; `1040`: invalid e-mail; `1061`: the username is taken; `1047`: the password breaks the policy; `1003`: not JSON; `1018`: no tenant named", body = SecurityErrorBody),
        (status = 403, description = "Not signed in (8, 9), or may not create subscribers (7)", body = SecurityErrorBody),
        (status = 404, description = "The tenant does not exist or is disabled", body = SecurityErrorBody),
        (status = 429, description = "`10`: too many links e-mailed for it or its tenant (the subscriber exists)", body = SecurityErrorBody),
        (status = 503, description = "`13`: the verification e-mail could not be sent (the subscriber exists), or a storage is down", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: OperatorCaller,
    path: web::Path<String>,
    params: Params,
    Json(input): Json<UserInfoInput>,
) -> Result<HttpResponse, SecurityError> {
    if path.trim() != "0" {
        return Err(SecurityError::bad_request(Detail::IdMustBe0));
    }
    let verify = params.flag("email_verification")?;
    let new = subuser_input::new_subscriber(input, verify)?;
    let org = org(&req, &state, &caller)?;
    let created = state
        .operators
        .subscribers
        .create(caller.operator(), &org, new)
        .await?;
    if verify {
        send_link(&state, &caller, &created).await?;
    }
    Ok(wire::ok(&UserInfo::subscriber(&created)))
}

/// Modifies a subscriber: the fields of the body that differ from it, and the flags.
#[utoipa::path(put, operation_id = "subusers_modify", path = "/api/v1/subuser/{id}", tag = "Security service",
    params(
        ("id" = Uuid, Path, description = "The subscriber's id"),
        ("resetMFA" = Option<bool>, Query, description = "Turn its second factor off (and the credential's `require2fa`)"),
        ("forgotPassword" = Option<bool>, Query, description = "E-mail it the Credentials API's password-reset link (the body is not read); answers `Command completed.`"),
        ("resetPassword" = Option<bool>, Query, description = "The same as `forgotPassword`"),
        ("email_verification" = Option<bool>, Query, description = "E-mail it the set-password link that proves its address"),
        ("X-Latchkey-Org" = Option<String>, Header, description = "The tenant, for a `root`"),
    ),
    request_body(content = Option<UserInfoInput>, description = "A `UserInfo` (whole or partial; none with `forgotPassword=true`): `name`, `description`, `location`, `locale`, `suspended` (disables the credential and ends its device sessions), `blackListed` (also disables it), `currentPassword` (a new password), `notes` (appended), `userTypeProprietaryInfo` (`mfa`: sms or email; `mobiles`). Only what differs is a change"),
    responses(
        (status = 200, description = "The subscriber as it is now; `Command completed.` for `forgotPassword=true`", body = ModifyAnswer),
        (status = 400, description = "`1039`: a `userRole` other than `subscriber`; `1045`: an MFA method other than sms/email; `1044`: SMS without a mobile; `1115`: not a phone number; `1047`: the password breaks the policy", body = SecurityErrorBody),
        (status = 403, description = "Not signed in (8, 9), a change the caller may not make (7), or a reset link for a suspended subscriber (15)", body = SecurityErrorBody),
        (status = 404, description = "No such subscriber (or tenant)", body = SecurityErrorBody),
        (status = 429, description = "`10`: too many links e-mailed for it or its tenant", body = SecurityErrorBody),
        (status = 503, description = "`13`: the e-mail could not be sent, or a storage is down", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn modify(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: OperatorCaller,
    path: web::Path<String>,
    params: Params,
    OptionalJson(input): OptionalJson<UserInfoInput>,
) -> Result<HttpResponse, SecurityError> {
    let id = id_path(&path)?;
    let reset_mfa = params.flag("resetMFA")?;
    let forgot_password = params.flag("forgotPassword")? | params.flag("resetPassword")?;
    let verify = params.flag("email_verification")?;
    let org = org(&req, &state, &caller)?;
    let subscribers = &state.operators.subscribers;
    let current = subscribers.find(caller.operator(), &org, id).await?;
    if forgot_password {
        send_link(&state, &caller, &current).await?;
        return Ok(wire::ok(&ModifyAnswer::Completed(Completed::new())));
    }
    let mut changes = subuser_input::changes(&input.unwrap_or_default(), &current)?;
    if reset_mfa && (current.profile.mfa.is_some() || current.credential.require2fa) {
        changes.mfa = Some(None);
    }
    if verify {
        changes.waiting_for_email_check = Some(true);
    }
    let updated = subscribers
        .modify(caller.operator(), &org, id, changes)
        .await?;
    if reset_mfa {
        // The authenticator app goes with the setting, as an operator's does: a new one starts
        // from a new secret (this is the credential's enrollment, the Credentials API's too).
        state
            .operators
            .authenticators
            .remove(&latchkey_otp::TotpHolder::credential(&org, id))
            .await?;
    }
    if verify {
        send_link(&state, &caller, &updated).await?;
    }
    Ok(wire::ok(&ModifyAnswer::User(Box::new(
        UserInfo::subscriber(&updated),
    ))))
}

/// Removes a subscriber: the Credentials API's soft delete (its password erased, its tokens
/// revoked, its device sessions ended), with its profile, avatar and preferences.
#[utoipa::path(delete, operation_id = "subusers_delete", path = "/api/v1/subuser/{id}", tag = "Security service",
    params(
        ("id" = Uuid, Path, description = "The subscriber's id"),
        ("X-Latchkey-Org" = Option<String>, Header, description = "The tenant, for a `root`"),
    ),
    responses(
        (status = 200, description = "Removed: an empty body"),
        (status = 400, description = "`1018`: no tenant named", body = SecurityErrorBody),
        (status = 403, description = "Not signed in (8, 9), or may not remove subscribers (7)", body = SecurityErrorBody),
        (status = 404, description = "No such subscriber (or tenant)", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: OperatorCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, SecurityError> {
    let id = id_path(&path)?;
    let org = org(&req, &state, &caller)?;
    state
        .operators
        .subscribers
        .remove(caller.operator(), &org, id)
        .await?;
    Ok(wire::deleted())
}
