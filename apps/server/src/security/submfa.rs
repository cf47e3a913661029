//! A subscriber's second factor: `GET/PUT /submfa` (`SubMfaConfig`).
//!
//! It is one setting with the credential's `require2fa`, which the login server honours
//! (`latchkey_subscriber`'s `set_mfa` changes both). A channel becomes the second factor only
//! once proved: `PUT ?startValidation=true` with `{type: "email"}` (the code goes to the
//! username) or `{type: "sms", sms: "+34..."}` sends a 6-digit code; `PUT
//! ?completeValidation=true&challengeCode=CODE` with the same body checks it and only then
//! changes the setting (an SMS number becomes the subscriber's mobile). `{type: "disabled"}`
//! turns the second factor off without a code, as owsec does.

use crate::http::endpoint::Endpoint;
use crate::security::error::{Detail, SecurityError, SecurityErrorBody};
use crate::security::subscriber_auth::SubscriberCaller;
use crate::security::totp::require_recent_sign_in;
use crate::security::wire::{self, Completed, Json, Params};
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use latchkey_credential::Msisdn;
use latchkey_operator::MfaMethod;
use latchkey_subscriber::{MfaChannel, Subscriber};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::security("/submfa").get(get).put(modify));
}

/// The definition's `SubMfaConfig`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubMfaConfig {
    /// The subscriber's id.
    pub id: Uuid,
    /// `disabled`, `sms` or `email`; `authenticator` when the subscriber set up an
    /// authenticator app (`/subtotp`), which the definition's enum does not list.
    #[serde(rename = "type")]
    pub kind: String,
    /// The address codes go to (the username), when the method is `email`; else empty.
    pub email: String,
    /// The number codes go to, when the method is `sms`; else empty.
    pub sms: String,
}

/// What `PUT` reads: the `SubMfaConfig` the subscriber wants.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SubMfaConfigInput {
    /// Ignored: the caller is the subscriber.
    pub id: Option<String>,
    /// `disabled`, `sms` or `email`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Ignored: e-mail codes go to the username.
    pub email: Option<String>,
    /// The mobile number (E.164) for `sms`.
    pub sms: Option<String>,
}

impl SubMfaConfig {
    fn of(subscriber: &Subscriber) -> Self {
        let profile = &subscriber.profile;
        let mobile = profile
            .mobiles
            .iter()
            .find(|m| m.primary)
            .or_else(|| profile.mobiles.first())
            .map(|m| m.number.as_str().to_owned());
        let (kind, email, sms) = match profile.mfa {
            None => ("disabled", String::new(), String::new()),
            Some(MfaMethod::Email) => (
                "email",
                subscriber.credential.username.as_str().to_owned(),
                String::new(),
            ),
            Some(MfaMethod::Sms) => ("sms", String::new(), mobile.unwrap_or_default()),
            Some(MfaMethod::Authenticator) => ("authenticator", String::new(), String::new()),
        };
        Self {
            id: subscriber.id(),
            kind: kind.to_owned(),
            email,
            sms,
        }
    }
}

fn bad(detail: Detail) -> SecurityError {
    SecurityError::bad_request(detail)
}

/// The channel a `PUT` names: `email`, or `sms` with its number (`1094` without one, `1115`
/// for one that is no E.164 number); anything else is `1018`.
fn channel(input: &SubMfaConfigInput) -> Result<MfaChannel, SecurityError> {
    let kind = input.kind.as_deref().map(str::trim).unwrap_or_default();
    if kind.eq_ignore_ascii_case("email") {
        return Ok(MfaChannel::Email);
    }
    if !kind.eq_ignore_ascii_case("sms") {
        return Err(bad(Detail::MissingOrInvalidParameters));
    }
    let number = input
        .sms
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| bad(Detail::MissingPhoneNumber))?;
    Msisdn::parse(number)
        .map(MfaChannel::Sms)
        .map_err(|_| bad(Detail::CannotValidatePhoneNumber))
}

/// The subscriber's second factor.
#[utoipa::path(get, operation_id = "submfa_get", path = "/api/v1/submfa", tag = "Security service",
    responses(
        (status = 200, description = "Its second factor", body = SubMfaConfig),
        (status = 403, description = "Not a subscriber's live token (8, 9)", body = SecurityErrorBody),
        (status = 404, description = "The subscriber is gone", body = SecurityErrorBody)),
    security(("bearerAuth" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: SubscriberCaller,
) -> Result<HttpResponse, SecurityError> {
    let subscriber = state
        .operators
        .subscribers
        .get(&caller.org, caller.credential)
        .await?;
    Ok(wire::ok(&SubMfaConfig::of(&subscriber)))
}

/// Changes the subscriber's second factor: `disabled` at once; `email` or `sms` once a code
/// sent there (`startValidation`) comes back (`completeValidation` with `challengeCode`).
#[utoipa::path(put, operation_id = "submfa_modify", path = "/api/v1/submfa", tag = "Security service",
    params(
        ("startValidation" = Option<bool>, Query, description = "Send a code to the chosen channel"),
        ("completeValidation" = Option<bool>, Query, description = "Check `challengeCode`; when right, the channel becomes the second factor"),
        ("challengeCode" = Option<String>, Query, description = "The code sent by `startValidation`"),
    ),
    request_body = SubMfaConfigInput,
    responses(
        (status = 200, description = "`startValidation`: `Completed` (the code is sent); `disabled` and `completeValidation`: the new setting", body = SubMfaConfig),
        (status = 400, description = "`1003` no JSON body; `1018` an unknown type, no flag, or no `challengeCode`; `1094` sms without a number; `1115` not an E.164 number; `1525` a wrong code (the fifth burns it); `1526` no code pending for that channel", body = SecurityErrorBody),
        (status = 403, description = "Not a subscriber's live token (8, 9); a token of a sign-in older than 5 minutes, or without the second factor the credential requires (7)", body = SecurityErrorBody),
        (status = 429, description = "A code went to that channel less than 30 s ago (10)", body = SecurityErrorBody),
        (status = 503, description = "The SMTP server or SMS gateway did not take the code (13)", body = SecurityErrorBody)),
    security(("bearerAuth" = [])))]
pub async fn modify(
    state: web::Data<AppState>,
    caller: SubscriberCaller,
    params: Params,
    Json(input): Json<SubMfaConfigInput>,
) -> Result<HttpResponse, SecurityError> {
    let start = params.flag("startValidation")?;
    let complete = params.flag("completeValidation")?;
    let subscribers = &state.operators.subscribers;
    let current = subscribers.get(&caller.org, caller.credential).await?;
    require_recent_sign_in(&caller, current.credential.require2fa)?;
    let disabled = input
        .kind
        .as_deref()
        .is_some_and(|k| k.trim().eq_ignore_ascii_case("disabled"));
    if disabled {
        let subscriber = subscribers
            .set_mfa(&caller.org, caller.credential, None, None)
            .await?;
        return Ok(wire::ok(&SubMfaConfig::of(&subscriber)));
    }
    let channel = channel(&input)?;
    let codes = &state.operators.mfa_codes;
    match (start, complete) {
        (true, false) => {
            subscribers
                .start_mfa_check(codes, &caller.org, caller.credential, &channel)
                .await?;
            Ok(wire::ok(&Completed::new()))
        }
        (false, true) => {
            let code = params
                .text("challengeCode")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .ok_or_else(|| bad(Detail::MissingOrInvalidParameters))?;
            let subscriber = subscribers
                .complete_mfa_check(codes, &caller.org, caller.credential, &channel, code)
                .await?;
            Ok(wire::ok(&SubMfaConfig::of(&subscriber)))
        }
        _ => Err(bad(Detail::MissingOrInvalidParameters)),
    }
}
