//! Authenticator apps: `GET/PUT /totp` (operators) and `GET/PUT /subtotp` (subscribers).
//!
//! `GET` answers the QR code of the caller's pending secret as an SVG (`?reset=true`: a new
//! secret); `PUT ?index=1&value=CODE`, then `index=2` with a code of a later step, is the
//! definition's set-up check (`{nextIndex, moreCodes}`). When it is done, the secret is the
//! caller's active one and the authenticator its second factor: an operator's `mfa`, a
//! subscriber's profile `mfa` with the credential's `require2fa`. The TOTP itself is
//! `latchkey_otp::Authenticators`, the Credentials API's: a subscriber's authenticator is its
//! credential's, whichever API set it up.

use crate::http::endpoint::Endpoint;
use crate::qr;
use crate::security::auth::OperatorCaller;
use crate::security::error::{Denial, Detail, SecurityError, SecurityErrorBody};
use crate::security::subscriber_auth::SubscriberCaller;
use crate::security::wire::{self, Params};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use latchkey_core::ExposeSecret as _;
use latchkey_login::operator::OPERATOR_BRAND;
use latchkey_otp::{OtpCode, SetupProgress, TotpHolder, otpauth_uri};
use serde::Serialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::security("/totp").get(qr_code).put(check))
        .service(
            Endpoint::security("/subtotp")
                .get(sub_qr_code)
                .put(sub_check),
        );
}

/// Where the set-up check stands.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TotpSetupAnswer {
    /// The index of the next code to send; the last one checked when `moreCodes` is false.
    #[schema(format = Int64)]
    pub next_index: u64,
    /// `false`: the authenticator is now the caller's second factor.
    pub more_codes: bool,
}

impl From<SetupProgress> for TotpSetupAnswer {
    fn from(progress: SetupProgress) -> Self {
        Self {
            next_index: progress.next_index,
            more_codes: progress.more_codes,
        }
    }
}

/// A subscriber's token changing its second factor must come from a recent full sign-in (the
/// Credentials API's rule for a customer's token, ASVS 5.0 V6.3.4): at most 5 minutes old, and
/// with a second factor when the credential requires one. A token that leaked later cannot
/// replace or turn off the second factor. 403 code 7 otherwise: sign in again.
pub(crate) fn require_recent_sign_in(
    caller: &SubscriberCaller,
    require2fa: bool,
) -> Result<(), SecurityError> {
    let claims = &caller.claims;
    let principal = latchkey_tenancy::Principal {
        subject: claims.subject.clone(),
        scopes: claims.scopes,
        orgs: claims.orgs.clone(),
        credential: Some(caller.credential),
        sign_in: claims.sign_in.clone(),
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    principal
        .require_recent_sign_in(now, require2fa)
        .map_err(|_| SecurityError::denied(Denial::AccessDenied))
}

/// The SVG of `uri`, not to be cached, never sniffed as anything else.
fn svg_answer(uri: &str) -> Result<HttpResponse, SecurityError> {
    let svg = qr::svg(uri).map_err(SecurityError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "inline; filename=\"qrcode.svg\"",
        ))
        .body(svg))
}

/// `index` and `value` of a set-up `PUT` (400 `1018` when either is missing or not a number).
/// The definition types `value` as an integer, so a client may drop a code's leading zeros:
/// they are put back.
fn setup_params(params: &Params) -> Result<(u64, String), SecurityError> {
    let missing = || SecurityError::bad_request(Detail::MissingOrInvalidParameters);
    let index = params.number::<u64>("index")?.ok_or_else(missing)?;
    let value = params.text("value").map(str::trim).ok_or_else(missing)?;
    if value.is_empty()
        || value.len() > OtpCode::DIGITS
        || !value.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(SecurityError::bad_request(Detail::TotpInvalidCode));
    }
    Ok((index, format!("{value:0>6}")))
}

/// The operator's authenticator QR code.
#[utoipa::path(get, operation_id = "totp_qr", path = "/api/v1/totp", tag = "Security service",
    params(("reset" = Option<bool>, Query, description = "A new secret replaces the one being set up")),
    responses(
        (status = 200, description = "The QR code of the pending secret's otpauth URI (issuer `OpenWiFi`, the operator's e-mail)", content_type = "image/svg+xml", body = String),
        (status = 400, description = "`1018`: an unreadable flag", body = SecurityErrorBody),
        (status = 403, description = "Not signed in (8, 9)", body = SecurityErrorBody),
        (status = 503, description = "No data key to seal secrets with (13)", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn qr_code(
    state: web::Data<AppState>,
    caller: OperatorCaller,
    params: Params,
) -> Result<HttpResponse, SecurityError> {
    let reset = params.flag("reset")?;
    let operator = caller.operator();
    let secret = state
        .operators
        .authenticators
        .pending_or_enroll(&TotpHolder::Operator(operator.id), reset)
        .await?;
    let uri = otpauth_uri(OPERATOR_BRAND, operator.email.as_str(), &secret);
    svg_answer(uri.expose_secret())
}

/// The operator's set-up check; done, the authenticator is its second factor.
#[utoipa::path(put, operation_id = "totp_check", path = "/api/v1/totp", tag = "Security service",
    params(
        ("index" = i64, Query, description = "1 for the first code, 2 for the second"),
        ("value" = i64, Query, description = "The code the app shows, as the definition types it: an integer (leading zeros may be left out; \"012345\" is read too)"),
    ),
    responses(
        (status = 200, description = "The code is right", body = TotpSetupAnswer),
        (status = 400, description = "`1018`: a missing parameter; `1520` wrong code, `1521` bad index, `1522` a code used already, `1523` no set-up in progress (GET the QR code first), `1524` code 2 before code 1", body = SecurityErrorBody),
        (status = 403, description = "Not signed in (8, 9); an API key, which may not set its operator's second factor (7)", body = SecurityErrorBody),
        (status = 429, description = "More than 10 codes in a minute (10)", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn check(
    state: web::Data<AppState>,
    caller: OperatorCaller,
    params: Params,
) -> Result<HttpResponse, SecurityError> {
    // An API key acts as its operator, but never becomes its second factor: a key that leaked
    // must not lock the operator out behind an app the key's holder set up.
    if caller.token().is_none() {
        return Err(SecurityError::denied(Denial::AccessDenied));
    }
    let (index, value) = setup_params(&params)?;
    let operator = caller.operator();
    let progress = state
        .operators
        .authenticators
        .setup(&TotpHolder::Operator(operator.id), index, &value)
        .await?;
    if !progress.more_codes {
        state
            .operators
            .directory
            .use_authenticator(operator.id)
            .await?;
    }
    Ok(wire::ok(&TotpSetupAnswer::from(progress)))
}

/// The subscriber's authenticator QR code.
#[utoipa::path(get, operation_id = "subtotp_qr", path = "/api/v1/subtotp", tag = "Security service",
    params(("reset" = Option<bool>, Query, description = "A new secret replaces the one being set up")),
    responses(
        (status = 200, description = "The QR code of the pending secret's otpauth URI (issuer the tenant's name, the subscriber's username), the credential's enrollment of the Credentials API", content_type = "image/svg+xml", body = String),
        (status = 400, description = "`1018`: an unreadable flag", body = SecurityErrorBody),
        (status = 403, description = "Not a subscriber's live token (8, 9); a token of a sign-in older than 5 minutes, or without the second factor the credential requires (7)", body = SecurityErrorBody),
        (status = 503, description = "No data key to seal secrets with (13)", body = SecurityErrorBody)),
    security(("bearerAuth" = [])))]
pub async fn sub_qr_code(
    state: web::Data<AppState>,
    caller: SubscriberCaller,
    params: Params,
) -> Result<HttpResponse, SecurityError> {
    let reset = params.flag("reset")?;
    let subscribers = &state.operators.subscribers;
    let subscriber = subscribers.get(&caller.org, caller.credential).await?;
    require_recent_sign_in(&caller, subscriber.credential.require2fa)?;
    let tenant = subscribers.tenant(&caller.org).await?;
    let secret = state
        .operators
        .authenticators
        .pending_or_enroll(&TotpHolder::credential(&caller.org, subscriber.id()), reset)
        .await?;
    let uri = otpauth_uri(
        tenant.name.as_str(),
        subscriber.credential.username.as_str(),
        &secret,
    );
    svg_answer(uri.expose_secret())
}

/// The subscriber's set-up check; done, the authenticator is its second factor and its
/// credential requires one (`require2fa`).
#[utoipa::path(put, operation_id = "subtotp_check", path = "/api/v1/subtotp", tag = "Security service",
    params(
        ("index" = i64, Query, description = "1 for the first code, 2 for the second"),
        ("value" = i64, Query, description = "The code the app shows, as the definition types it: an integer (leading zeros may be left out; \"012345\" is read too)"),
    ),
    responses(
        (status = 200, description = "The code is right", body = TotpSetupAnswer),
        (status = 400, description = "`1018`: a missing parameter; `1520` wrong code, `1521` bad index, `1522` a code used already, `1523` no set-up in progress (GET the QR code first), `1524` code 2 before code 1", body = SecurityErrorBody),
        (status = 403, description = "Not a subscriber's live token (8, 9); a token of a sign-in older than 5 minutes, or without the second factor the credential requires (7)", body = SecurityErrorBody),
        (status = 429, description = "More than 10 codes in a minute (10)", body = SecurityErrorBody)),
    security(("bearerAuth" = [])))]
pub async fn sub_check(
    state: web::Data<AppState>,
    caller: SubscriberCaller,
    params: Params,
) -> Result<HttpResponse, SecurityError> {
    let (index, value) = setup_params(&params)?;
    let subscribers = &state.operators.subscribers;
    let subscriber = subscribers.get(&caller.org, caller.credential).await?;
    require_recent_sign_in(&caller, subscriber.credential.require2fa)?;
    let progress = state
        .operators
        .authenticators
        .setup(
            &TotpHolder::credential(&caller.org, subscriber.id()),
            index,
            &value,
        )
        .await?;
    if !progress.more_codes {
        subscribers
            .set_mfa(
                &caller.org,
                subscriber.id(),
                Some(latchkey_operator::MfaMethod::Authenticator),
                None,
            )
            .await?;
    }
    Ok(wire::ok(&TotpSetupAnswer::from(progress)))
}
