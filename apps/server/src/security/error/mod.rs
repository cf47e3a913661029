//! The only place where errors become HTTP answers on the operator plane (`/api/v1`): the error
//! type, its body, and (in `table`) every domain error of the plane, variant by variant.
//!
//! The body is the security service's, and only that on the whole plane:
//! `{"ErrorCode": n, "ErrorDetails": "<HTTP method>", "ErrorDescription": "<code>: <text>"}`.
//! Authentication and authorization failures are 403 (never 401) with `ErrorCode` 1–15
//! ([`Denial`]); bad input is 400 with `ErrorCode` 400 and a detail code ([`Detail`]); unknown
//! resources 404 with `ErrorCode` 404; a dependency down 503 with `ErrorCode` 13, its cause logged
//! with the request id and never answered. Nothing a client sends answers a 500.

mod table;

use crate::http::request_id;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use latchkey_core::BoxError;
use serde::Serialize;
use std::borrow::Cow;
use std::fmt;

/// The security service's authentication and authorization failures (403), with the numbers
/// its clients know. Consoles sign the user out on [`Denial::InvalidToken`] and
/// [`Denial::ExpiredToken`] only: keep their meanings exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    PasswordChangeRequired,
    InvalidCredentials,
    PasswordAlreadyUsed,
    PendingVerification,
    PasswordInvalid,
    InternalError,
    AccessDenied,
    InvalidToken,
    ExpiredToken,
    RateLimited,
    BadMfaTransaction,
    MfaFailure,
    Unreachable,
    CannotRefresh,
    Suspended,
}

impl Denial {
    /// The `ErrorCode`.
    pub fn code(self) -> u16 {
        match self {
            Denial::PasswordChangeRequired => 1,
            Denial::InvalidCredentials => 2,
            Denial::PasswordAlreadyUsed => 3,
            Denial::PendingVerification => 4,
            Denial::PasswordInvalid => 5,
            Denial::InternalError => 6,
            Denial::AccessDenied => 7,
            Denial::InvalidToken => 8,
            Denial::ExpiredToken => 9,
            Denial::RateLimited => 10,
            Denial::BadMfaTransaction => 11,
            Denial::MfaFailure => 12,
            Denial::Unreachable => 13,
            Denial::CannotRefresh => 14,
            Denial::Suspended => 15,
        }
    }

    /// The text after the code in `ErrorDescription`.
    pub fn text(self) -> &'static str {
        match self {
            Denial::PasswordChangeRequired => "Password change required",
            Denial::InvalidCredentials => "Invalid credentials.",
            Denial::PasswordAlreadyUsed => "Password already used.",
            Denial::PendingVerification => "Username pending verification.",
            Denial::PasswordInvalid => "Password is invalid",
            Denial::InternalError => "Internal error.",
            Denial::AccessDenied => "Access denied.",
            Denial::InvalidToken => "Invalid token.",
            Denial::ExpiredToken => "Expired token.",
            Denial::RateLimited => "Rate limit exceeded.",
            Denial::BadMfaTransaction => "Bad MFA transaction.",
            Denial::MfaFailure => "MFA failure.",
            Denial::Unreachable => "Security service is unreachable, try again later.",
            Denial::CannotRefresh => "Cannot refresh token.",
            Denial::Suspended => "Account suspended.",
        }
    }
}

/// What is wrong with a bad request (400, `ErrorCode` 400): the detail code and text the
/// security service's clients know, quoted in `ErrorDescription` as `"<code>: <text>"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    MissingUuid,
    InvalidJson,
    UnknownId,
    MissingOrInvalidParameters,
    InvalidCommand,
    MissingUserId,
    IdMustBe0,
    InvalidUserRole,
    InvalidEmailAddress,
    PasswordRejected,
    NeedMobileNumber,
    BadMfaMethod,
    InvalidPassword,
    UnrecognizedRequest,
    InsufficientAccessRights,
    UserAlreadyExists,
    MissingPhoneNumber,
    SmsTryLater,
    SmsCouldNotValidate,
    SmsNotEnabled,
    EmailNotEnabled,
    CannotValidatePhoneNumber,
    RootUsersNoOwners,
    PartnerMustHaveEntity,
    ApiKeyNameAlreadyExists,
    TooManyApiKeys,
    ApiKeyDoesNotExist,
    NotAnImage,
    AvatarTooLarge,
    TooManyPreferences,
    BadPreferenceTag,
    PreferenceValueTooLong,
    TotpInvalidCode,
    TotpInvalidIndex,
    TotpCodeRepeated,
    TotpNoSession,
    TotpBadSequence,
    MfaWrongCode,
    MfaNoCode,
}

impl Detail {
    pub fn code(self) -> u16 {
        match self {
            Detail::MissingUuid => 1000,
            Detail::InvalidJson => 1003,
            Detail::UnknownId => 1009,
            Detail::MissingOrInvalidParameters => 1018,
            Detail::InvalidCommand => 1031,
            Detail::MissingUserId => 1037,
            Detail::IdMustBe0 => 1038,
            Detail::InvalidUserRole => 1039,
            Detail::InvalidEmailAddress => 1040,
            Detail::PasswordRejected => 1041,
            Detail::NeedMobileNumber => 1044,
            Detail::BadMfaMethod => 1045,
            Detail::InvalidPassword => 1047,
            Detail::UnrecognizedRequest => 1050,
            Detail::InsufficientAccessRights => 1052,
            Detail::UserAlreadyExists => 1061,
            Detail::MissingPhoneNumber => 1094,
            Detail::SmsTryLater => 1095,
            Detail::SmsCouldNotValidate => 1057,
            Detail::SmsNotEnabled => 1084,
            Detail::EmailNotEnabled => 1085,
            Detail::CannotValidatePhoneNumber => 1115,
            Detail::RootUsersNoOwners => 1116,
            Detail::PartnerMustHaveEntity => 1118,
            Detail::ApiKeyNameAlreadyExists => 1147,
            Detail::TooManyApiKeys => 1148,
            Detail::ApiKeyDoesNotExist => 1150,
            // Latchkey's own (owsec has no such checks): 15xx, clear of owsec's numbers.
            Detail::NotAnImage => 1501,
            Detail::AvatarTooLarge => 1502,
            Detail::TooManyPreferences => 1503,
            Detail::BadPreferenceTag => 1504,
            Detail::PreferenceValueTooLong => 1505,
            // The authenticator's set-up check (`PUT /totp`): owsec's texts, in 152x.
            Detail::TotpInvalidCode => 1520,
            Detail::TotpInvalidIndex => 1521,
            Detail::TotpCodeRepeated => 1522,
            Detail::TotpNoSession => 1523,
            Detail::TotpBadSequence => 1524,
            // A subscriber's second-factor channel proof (`PUT /submfa`).
            Detail::MfaWrongCode => 1525,
            Detail::MfaNoCode => 1526,
        }
    }

    pub fn text(self) -> &'static str {
        match self {
            Detail::MissingUuid => "Missing UUID.",
            Detail::InvalidJson => "Invalid JSON document.",
            Detail::UnknownId => "Unknown UUID.",
            Detail::MissingOrInvalidParameters => "Invalid or missing parameters.",
            Detail::InvalidCommand => "Invalid command.",
            Detail::MissingUserId => "Missing user ID.",
            Detail::IdMustBe0 => "To create a user, you must set the ID to 0",
            Detail::InvalidUserRole => "Invalid userRole.",
            Detail::InvalidEmailAddress => "Invalid email address.",
            Detail::PasswordRejected => "Password was rejected. This maybe an old password.",
            Detail::NeedMobileNumber => "You must provide at least one validated phone number.",
            Detail::BadMfaMethod => "MFA only supports sms or email.",
            Detail::InvalidPassword => "Password does not conform to basic password rules.",
            Detail::UnrecognizedRequest => "Ill-formed request. Please consult documentation.",
            Detail::InsufficientAccessRights => {
                "Insufficient access rights to complete the operation."
            }
            Detail::UserAlreadyExists => "Username already exists.",
            Detail::MissingPhoneNumber => "Missing phone number",
            Detail::SmsTryLater => "SMS could not be sent. Verify the number or try again later.",
            Detail::SmsCouldNotValidate => "Code and number could not be validated",
            Detail::SmsNotEnabled => "SMS is not enabled in the security service.",
            Detail::EmailNotEnabled => "email is not enabled in the security service.",
            Detail::CannotValidatePhoneNumber => "Phone number could not be validated.",
            Detail::RootUsersNoOwners => "ROOT users may not have owners.",
            Detail::PartnerMustHaveEntity => "Partner user must belong to an entity.",
            Detail::ApiKeyNameAlreadyExists => "API Key name must be unique.",
            Detail::TooManyApiKeys => "Too many API Keys have already been created.",
            Detail::ApiKeyDoesNotExist => "API Key does not exist.",
            Detail::NotAnImage => {
                "The avatar must be a PNG, JPEG, GIF or SVG image (an SVG declaring no entities)."
            }
            Detail::AvatarTooLarge => "The avatar is larger than 2 MiB (2097152 bytes).",
            Detail::TooManyPreferences => "At most 256 preferences.",
            Detail::BadPreferenceTag => "A preference needs a tag of 1 to 128 characters.",
            Detail::PreferenceValueTooLong => "A preference's value has at most 4096 characters.",
            Detail::TotpInvalidCode => "Invalid code.",
            Detail::TotpInvalidIndex => "Invalid Index",
            Detail::TotpCodeRepeated => "Code is repeated. Must be new code.",
            Detail::TotpNoSession => "No validation session present.",
            Detail::TotpBadSequence => "Invalid protocol sequence.",
            Detail::MfaWrongCode => "The challenge code is wrong.",
            Detail::MfaNoCode => "No challenge code is pending for this channel: start again.",
        }
    }
}

/// An error of the operator plane, answered with its body.
pub struct SecurityError {
    status: StatusCode,
    code: u16,
    description: Cow<'static, str>,
    /// Seconds, for the `Retry-After` header of a 429.
    retry_after: Option<u64>,
    /// The cause of a 5xx: logged with the request id, never answered.
    source: Option<BoxError>,
}

/// The error body of the operator plane.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SecurityErrorBody {
    /// 1–15 for an authentication or authorization failure (403), 13 for a dependency down
    /// (503), 10 when rate limited (429); otherwise the HTTP status (400, 404, 405, 413).
    #[serde(rename = "ErrorCode")]
    pub error_code: u16,
    /// The HTTP method of the request.
    #[serde(rename = "ErrorDetails")]
    pub error_details: String,
    /// `"<code>: <text>"`: the failure's number (1–15) or the bad request's detail code
    /// (e.g. `1003`), then its text.
    #[serde(rename = "ErrorDescription")]
    pub error_description: String,
}

impl SecurityError {
    /// An authentication or authorization failure: 403 (429 for [`Denial::RateLimited`], 503
    /// for [`Denial::Unreachable`]).
    pub fn denied(denial: Denial) -> Self {
        let status = match denial {
            Denial::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Denial::Unreachable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::FORBIDDEN,
        };
        Self::new(
            status,
            denial.code(),
            format!("{}: {}", denial.code(), denial.text()),
        )
    }

    /// A bad request: 400, `ErrorCode` 400.
    pub fn bad_request(detail: Detail) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            400,
            format!("{}: {}", detail.code(), detail.text()),
        )
    }

    /// A resource that does not exist (or that the caller may not know exists): 404.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, 404, "404: Resource does not exist.")
    }

    /// A method the resource does not serve: 405 (the caller adds `Allow`).
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            405,
            "1004: Unsupported HTTP Method",
        )
    }

    /// A body larger than the plane accepts: 413.
    pub fn too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            413,
            "1003: Invalid JSON document. The body is too large.",
        )
    }

    /// An upload larger than allowed (an avatar over 2 MiB): 413 with the avatar's detail.
    pub fn upload_too_large() -> Self {
        let detail = Detail::AvatarTooLarge;
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            413,
            format!("{}: {}", detail.code(), detail.text()),
        )
    }

    /// Too many attempts: 429, `ErrorCode` 10, `Retry-After` (whole seconds, rounded up).
    pub fn rate_limited(after: std::time::Duration) -> Self {
        let mut error = Self::denied(Denial::RateLimited);
        let seconds = after.as_secs() + u64::from(after.subsec_nanos() > 0);
        error.retry_after = Some(seconds.max(1));
        error
    }

    /// A dependency (database, Redis, the notifier) failed: 503, `ErrorCode` 13; `source` is
    /// logged with the request id, never answered.
    pub fn unavailable(source: impl Into<BoxError>) -> Self {
        let mut error = Self::denied(Denial::Unreachable);
        error.source = Some(source.into());
        error
    }

    /// The request took longer than the server's request timeout: 503, `ErrorCode` 13 (the
    /// service did not answer in time), logged.
    pub fn timeout() -> Self {
        Self::unavailable("request timeout reached")
    }

    /// Something that should not happen on our side: 500, `ErrorCode` 6, cause logged. Never
    /// for anything a client sent.
    pub fn internal(source: impl Into<BoxError>) -> Self {
        let mut error = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Denial::InternalError.code(),
            format!(
                "{}: {}",
                Denial::InternalError.code(),
                Denial::InternalError.text()
            ),
        );
        error.source = Some(source.into());
        error
    }

    fn new(status: StatusCode, code: u16, description: impl Into<Cow<'static, str>>) -> Self {
        Self {
            status,
            code,
            description: description.into(),
            retry_after: None,
            source: None,
        }
    }

    /// The `ErrorCode` answered.
    pub fn code(&self) -> u16 {
        self.code
    }

    pub fn into_response(self) -> HttpResponse {
        self.error_response()
    }

    fn log(&self) {
        if !self.status.is_server_error() {
            return;
        }
        let mut chain = String::new();
        let mut cause: Option<&(dyn std::error::Error + 'static)> =
            self.source.as_deref().map(|e| e as _);
        while let Some(e) = cause {
            chain.push_str(": ");
            chain.push_str(&e.to_string());
            cause = e.source();
        }
        tracing::error!(
            sentry_code = %request_id::current(),
            error_code = self.code,
            "security service request failed{chain}"
        );
    }
}

impl fmt::Debug for SecurityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SecurityError({} {}: {})",
            self.status.as_u16(),
            self.code,
            self.description
        )
    }
}

impl fmt::Display for SecurityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.description)
    }
}

impl ResponseError for SecurityError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        self.log();
        let body = SecurityErrorBody {
            error_code: self.code,
            error_details: crate::security::wire::current_method(),
            error_description: self.description.to_string(),
        };
        let mut response = HttpResponse::build(self.status);
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds));
        }
        response.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
        response.json(body)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;

    async fn body(error: SecurityError) -> (StatusCode, serde_json::Value, HttpResponse) {
        let response = error.into_response();
        let status = response.status();
        let (response, body) = response.into_parts();
        let bytes = actix_web::body::to_bytes(body).await.unwrap();
        let response = response.set_body(actix_web::body::BoxBody::new(()));
        (status, serde_json::from_slice(&bytes).unwrap(), response)
    }

    #[actix_web::test]
    async fn denials_are_403_with_their_number_and_text() {
        let (status, json, _) = body(SecurityError::denied(Denial::ExpiredToken)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(json["ErrorCode"], 9);
        assert_eq!(json["ErrorDescription"], "9: Expired token.");
        assert_eq!(json.as_object().unwrap().len(), 3, "{json}");
    }

    #[actix_web::test]
    async fn bad_requests_are_400_with_the_detail_code() {
        let (status, json, _) = body(SecurityError::bad_request(Detail::InvalidJson)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(json["ErrorCode"], 400);
        assert_eq!(json["ErrorDescription"], "1003: Invalid JSON document.");
    }

    #[actix_web::test]
    async fn a_rate_limit_is_429_code_10_with_retry_after_rounded_up() {
        let error = SecurityError::rate_limited(std::time::Duration::from_millis(2500));
        let (status, json, response) = body(error).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(json["ErrorCode"], 10);
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "3");
    }

    #[actix_web::test]
    async fn a_dependency_down_is_503_code_13_without_its_cause() {
        let error = SecurityError::unavailable("connection refused to 10.0.0.7");
        let (status, json, _) = body(error).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(json["ErrorCode"], 13);
        assert!(!json.to_string().contains("10.0.0.7"), "{json}");
    }

    #[test]
    fn every_denial_has_its_own_number() {
        use Denial::*;
        let all = [
            PasswordChangeRequired,
            InvalidCredentials,
            PasswordAlreadyUsed,
            PendingVerification,
            PasswordInvalid,
            InternalError,
            AccessDenied,
            InvalidToken,
            ExpiredToken,
            RateLimited,
            BadMfaTransaction,
            MfaFailure,
            Unreachable,
            CannotRefresh,
            Suspended,
        ];
        let codes: Vec<u16> = all.iter().map(|d| d.code()).collect();
        assert_eq!(codes, (1..=15).collect::<Vec<u16>>());
    }
}
