//! The one error table of the pages: every `LoginError` becomes a status and a sentence of the
//! pages, in one exhaustive `match` (a new variant does not compile until someone decides what
//! the customer reads), and is logged here, once, when it is our failure rather than theirs.

use crate::web::pages::{self, Say};
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use latchkey_flows::CodeRefusal;
use latchkey_login::LoginError;
use latchkey_notify::Language;

/// What a page says about an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shown {
    pub status: StatusCode,
    pub say: Say,
    /// Seconds, for `Retry-After`.
    pub retry_after: Option<i64>,
}

/// How the pages show `e`; logs it when it is our failure.
pub fn shown(e: &LoginError) -> Shown {
    let plain = |status, say| Shown {
        status,
        say,
        retry_after: None,
    };
    match e {
        LoginError::UnknownClient => plain(StatusCode::BAD_REQUEST, Say::UnknownClient),
        LoginError::BadRedirectUri => plain(StatusCode::BAD_REQUEST, Say::BadRedirectUri),
        LoginError::TenantUnavailable => plain(StatusCode::BAD_REQUEST, Say::TenantUnavailable),
        LoginError::Expired => plain(StatusCode::BAD_REQUEST, Say::Expired),
        LoginError::BadLink => plain(StatusCode::BAD_REQUEST, Say::BadLink),
        LoginError::WrongAccount => plain(StatusCode::FORBIDDEN, Say::WrongAccount),
        LoginError::OtherCustomer => plain(StatusCode::FORBIDDEN, Say::OtherCustomer),
        LoginError::Disabled => plain(StatusCode::FORBIDDEN, Say::Disabled),
        LoginError::NoSecondFactor => plain(StatusCode::FORBIDDEN, Say::NoSecondFactor),
        LoginError::Throttled { retry_after } => Shown {
            status: StatusCode::TOO_MANY_REQUESTS,
            say: Say::Throttled,
            retry_after: Some(retry_after.whole_seconds().max(1)),
        },
        LoginError::TooManyRequests { retry_after } => Shown {
            status: StatusCode::TOO_MANY_REQUESTS,
            say: Say::TooManyRequests,
            retry_after: Some(retry_after.whole_seconds().max(1)),
        },
        LoginError::BadCredentials => plain(StatusCode::UNAUTHORIZED, Say::BadCredentials),
        LoginError::NotAContact => plain(StatusCode::BAD_REQUEST, Say::BadRequest),
        LoginError::MalformedCode => plain(StatusCode::BAD_REQUEST, Say::Malformed),
        LoginError::Code(refusal) => match refusal {
            CodeRefusal::OtpTooSoon { .. } => plain(StatusCode::TOO_MANY_REQUESTS, Say::TooSoon),
            CodeRefusal::OtpBurnt => plain(StatusCode::UNAUTHORIZED, Say::CodeBurnt),
            CodeRefusal::OtpNotPending => plain(StatusCode::UNAUTHORIZED, Say::NoCodePending),
            CodeRefusal::OtpMismatch { .. }
            | CodeRefusal::TotpMismatch
            | CodeRefusal::TotpReplayed
            | CodeRefusal::TotpNotEnrolled
            // Enrolment refusals of the Credentials API: a login never meets them.
            | CodeRefusal::TotpCodeRequired
            | CodeRefusal::TotpNotPending => plain(StatusCode::UNAUTHORIZED, Say::WrongCode),
        },
        LoginError::Delivery(cause) => {
            tracing::warn!(error = %crate::error_chain(cause), "a login message could not be delivered");
            plain(StatusCode::BAD_GATEWAY, Say::DeliveryFailed)
        }
        LoginError::Unavailable(cause) => {
            tracing::error!(error = %crate::error_chain(cause.as_ref()), "a login step failed");
            plain(StatusCode::SERVICE_UNAVAILABLE, Say::Unavailable)
        }
    }
}

/// Logs `e` when it is our failure (for an error answered without its page: a redirect).
pub fn log(e: &LoginError) {
    shown(e);
}

/// The page for a login that cannot go on.
pub fn page(e: &LoginError, lang: Language, tenant: &str) -> HttpResponse {
    let shown = shown(e);
    let mut page = pages::message(shown.status, lang, tenant, shown.say);
    if let Some(seconds) = shown.retry_after
        && let Ok(value) = actix_web::http::header::HeaderValue::from_str(&seconds.to_string())
    {
        page.headers_mut()
            .insert(actix_web::http::header::RETRY_AFTER, value);
    }
    page
}
