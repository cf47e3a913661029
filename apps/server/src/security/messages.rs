//! Messages: `POST /email` and `POST /sms`, test messages an operator (`root`, `admin`,
//! `partner`) sends through the real notifier to check the SMTP server and the SMS gateway; and
//! `POST /sms?validateNumber=true` then `?completeValidation=true&validationCode=`, which prove
//! a mobile number with a code sent to it and add it, verified, to the caller's mobiles (an
//! operator's, or a subscriber's when a subscriber calls). The rules are
//! [`latchkey_messages::MessageService`]'s; here the definition's `EMailInfo` and `SMSInfo`
//! become its calls.
//!
//! A test e-mail always comes from the configured sender (`LATCHKEY_SMTP_FROM`): the `from` a
//! caller gives is only its `Reply-To`, so nobody can make the service send mail in another's
//! name (SPF, DKIM and DMARC stay aligned with the service's own domain), and the message says
//! which operator asked for it.

use crate::http::endpoint::Endpoint;
use crate::security::auth::{OperatorCaller, X_API_KEY, bearer};
use crate::security::error::{Denial, Detail, SecurityError, SecurityErrorBody};
use crate::security::subscriber_auth::{self, SubscriberCaller};
use crate::security::wire::{self, Json, OptionalJson, Params};
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use futures_util::future::LocalBoxFuture;
use latchkey_credential::Msisdn;
use latchkey_messages::{MessageService, TestEmail, TestSms};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::security("/email").post(email))
        .service(Endpoint::security("/sms").post(sms));
}

/// The definition's `EMailInfo`: a test e-mail.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct EmailInfo {
    /// Where it goes: 1 to 10 addresses (each gets its own copy).
    pub recipients: Option<Vec<String>>,
    /// One line, at most 200 characters.
    pub subject: Option<String>,
    /// At most 10000 characters.
    pub text: Option<String>,
    /// An address replies go to (`Reply-To`). The message itself always comes from the
    /// service's configured sender.
    #[schema(format = Email)]
    pub from: Option<String>,
}

/// The definition's `SMSInfo`: a test SMS, or the number to prove.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct SmsInfo {
    /// An E.164 number (`+` and up to 15 digits).
    pub to: Option<String>,
    /// The test message: at most 400 characters. Not read with `validateNumber` or
    /// `completeValidation`.
    pub text: Option<String>,
    /// Accepted and ignored: an SMS comes from the gateway's configured sender.
    pub from: Option<String>,
}

fn bad(detail: Detail) -> SecurityError {
    SecurityError::bad_request(detail)
}

/// Sends a test e-mail.
#[utoipa::path(post, operation_id = "messages_email", path = "/api/v1/email", tag = "Security service",
    request_body(content = EmailInfo, description = "`recipients`, `subject` and `text` are required; `from` becomes the `Reply-To`"),
    responses(
        (status = 200, description = "Each recipient's copy was taken by the SMTP server: `Command completed.`", body = wire::Completed),
        (status = 400, description = "`1018`: a field missing or unusable (blank, too long, a subject of several lines, more than 10 recipients); `1040`: a recipient or `from` is not an e-mail address; `1085`: no SMTP server is configured; `1003`: not JSON", body = SecurityErrorBody),
        (status = 403, description = "Not signed in (8, 9), or not a root, admin or partner (7; a subscriber too)", body = SecurityErrorBody),
        (status = 429, description = "`10`: more than 20 test messages in the hour", body = SecurityErrorBody),
        (status = 503, description = "`13`: the SMTP server did not take the message", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn email(
    state: web::Data<AppState>,
    caller: MessageCaller,
    Json(input): Json<EmailInfo>,
) -> Result<HttpResponse, SecurityError> {
    let caller = caller.operator()?;
    MessageService::may_send_tests(caller.operator())?;
    // No recipient is a missing parameter; an unusable one is `1040`.
    let (Some(recipients), Some(subject), Some(text)) = (
        input.recipients.filter(|r| !r.is_empty()),
        input.subject,
        input.text,
    ) else {
        return Err(bad(Detail::MissingOrInvalidParameters));
    };
    let email = TestEmail::parse(&recipients, &subject, &text, input.from.as_deref())?;
    state
        .operators
        .messages
        .send_test_email(caller.operator(), &email)
        .await?;
    Ok(wire::completed())
}

/// Sends a test SMS, or proves a number and adds it to the caller's mobiles.
#[utoipa::path(post, operation_id = "messages_sms", path = "/api/v1/sms", tag = "Security service",
    params(
        ("validateNumber" = Option<bool>, Query, description = "Send a 6-digit code to `to` (any signed-in operator or subscriber; not within 30 s of the last one to that number, at most 6 an hour)"),
        ("completeValidation" = Option<bool>, Query, description = "Check `validationCode` for `to`, then add `to`, verified, to the caller's mobiles (the first becomes the primary; at most 5)"),
        ("validationCode" = Option<String>, Query, description = "The code sent to `to` (with `completeValidation=true`): single use, 5 minutes, 5 tries"),
    ),
    request_body(content = SmsInfo, description = "`to` (and `text` for a test message)"),
    responses(
        (status = 200, description = "`Command completed.`: the SMS gateway took the message, or the number was added", body = wire::Completed),
        (status = 400, description = "`1094`: no `to`; `1115`: `to` is not an E.164 number; `1057`: the code does not prove the number; `1018`: `text` or `validationCode` missing, a test text over 400 characters, a flag that is not one, or already 5 mobiles; `1084`: no SMS gateway is configured", body = SecurityErrorBody),
        (status = 403, description = "Not signed in (8, 9), or a test message from someone not a root, admin or partner (7)", body = SecurityErrorBody),
        (status = 429, description = "`10`: a code to that number less than 30 s ago, too many codes or test messages in the hour", body = SecurityErrorBody),
        (status = 503, description = "`13`: the SMS gateway did not take the message", body = SecurityErrorBody)),
    security(("bearerAuth" = []), ("apiKeyAuth" = [])))]
pub async fn sms(
    state: web::Data<AppState>,
    caller: MessageCaller,
    params: Params,
    OptionalJson(input): OptionalJson<SmsInfo>,
) -> Result<HttpResponse, SecurityError> {
    let validate = params.flag("validateNumber")?;
    let complete = params.flag("completeValidation")?;
    let input = input.unwrap_or_default();
    let messages = &state.operators.messages;
    if validate || complete {
        let number = number(input.to.as_deref())?;
        let subscribers = &state.operators.subscribers;
        if validate {
            match &caller {
                MessageCaller::Operator(op) => {
                    messages
                        .start_operator_proof(op.operator(), &number)
                        .await?;
                }
                MessageCaller::Subscriber(sub) => {
                    messages
                        .start_subscriber_proof(subscribers, &sub.org, sub.credential, &number)
                        .await?;
                }
            }
        } else {
            let code = params
                .text("validationCode")
                .ok_or_else(|| bad(Detail::MissingOrInvalidParameters))?;
            match &caller {
                MessageCaller::Operator(op) => {
                    messages
                        .add_operator_mobile(op.operator(), &number, code)
                        .await?;
                }
                MessageCaller::Subscriber(sub) => {
                    messages
                        .add_subscriber_mobile(subscribers, &sub.org, sub.credential, &number, code)
                        .await?;
                }
            }
        }
        return Ok(wire::completed());
    }
    let caller = caller.operator()?;
    MessageService::may_send_tests(caller.operator())?;
    let (Some(to), Some(text)) = (input.to, input.text) else {
        return Err(bad(Detail::MissingOrInvalidParameters));
    };
    let sms = TestSms::parse(&to, &text)?;
    messages.send_test_sms(caller.operator(), &sms).await?;
    Ok(wire::completed())
}

/// The number to prove: `1094` when missing, `1115` when not E.164.
fn number(to: Option<&str>) -> Result<Msisdn, SecurityError> {
    let to = to
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| bad(Detail::MissingPhoneNumber))?;
    Msisdn::parse(to).map_err(|_| bad(Detail::CannotValidatePhoneNumber))
}

/// Who calls `/email` and `/sms`: an operator (bearer token or API key), else a subscriber (its
/// bearer token; only number proofs are for it). A token that is neither is code 8; an expired
/// one 9.
#[derive(Debug)]
pub enum MessageCaller {
    Operator(OperatorCaller),
    Subscriber(SubscriberCaller),
}

impl MessageCaller {
    /// The operator calling; a subscriber is refused with 7 (a genuine token that may not).
    fn operator(self) -> Result<OperatorCaller, SecurityError> {
        match self {
            MessageCaller::Operator(operator) => Ok(operator),
            MessageCaller::Subscriber(_) => Err(SecurityError::denied(Denial::AccessDenied)),
        }
    }
}

impl FromRequest for MessageCaller {
    type Error = SecurityError;
    type Future = LocalBoxFuture<'static, Result<Self, SecurityError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let operator = OperatorCaller::from_request(req, payload);
        let token = bearer(req).map(|t| t.map(str::to_owned));
        let api_key = req.headers().contains_key(X_API_KEY);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let refused = match operator.await {
                Ok(operator) => return Ok(MessageCaller::Operator(operator)),
                Err(e) => e,
            };
            // An operator's key, or no bearer token at all: nothing else to try.
            let (Ok(Some(token)), false, Some(state)) = (token, api_key, state) else {
                return Err(refused);
            };
            if refused.code() != Denial::InvalidToken.code() {
                return Err(refused);
            }
            subscriber_auth::subscriber(&state, token)
                .await
                .map(MessageCaller::Subscriber)
        })
    }
}
