//! The table: every domain error of the operator plane, variant by variant, to its answer.
//! No `_` arm anywhere: a new variant does not compile until someone decides its answer.

use super::{Denial, Detail, SecurityError};
use latchkey_core::StoreError;
use latchkey_login::operator::SignInError;
use latchkey_operator::OperatorError;

impl From<StoreError> for SecurityError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(source) => SecurityError::unavailable(source),
            // The ports answer these only where a use case asked for them: reaching here is
            // our mistake, not the client's.
            StoreError::NotFound | StoreError::Conflict => SecurityError::internal(e),
        }
    }
}

impl From<OperatorError> for SecurityError {
    fn from(e: OperatorError) -> Self {
        match e {
            OperatorError::AccessDenied => SecurityError::denied(Denial::AccessDenied),
            OperatorError::NotFound => SecurityError::not_found(),
            OperatorError::EmailTaken => SecurityError::bad_request(Detail::UserAlreadyExists),
            // The rules forbid it whoever asks: a refusal like any other denied action.
            OperatorError::LastRoot => SecurityError::denied(Denial::AccessDenied),
            OperatorError::InvalidRole => SecurityError::bad_request(Detail::InvalidUserRole),
            OperatorError::PasswordPolicy(_) => SecurityError::bad_request(Detail::InvalidPassword),
            OperatorError::PasswordReused => SecurityError::bad_request(Detail::PasswordRejected),
            OperatorError::Invalid(field) => SecurityError::bad_request(invalid_field(field)),
            OperatorError::Unavailable(source) => SecurityError::from(source),
        }
    }
}

/// The detail code of an unusable field, by the name the domain gives it.
fn invalid_field(field: &str) -> Detail {
    match field {
        "email" => Detail::InvalidEmailAddress,
        "userRole" => Detail::InvalidUserRole,
        // SMS codes need a mobile to go to.
        "mobiles" => Detail::NeedMobileNumber,
        "mfa" => Detail::BadMfaMethod,
        _ => Detail::MissingOrInvalidParameters,
    }
}

impl From<SignInError> for SecurityError {
    fn from(e: SignInError) -> Self {
        match e {
            SignInError::PasswordChangeRequired => {
                SecurityError::denied(Denial::PasswordChangeRequired)
            }
            SignInError::InvalidCredentials => SecurityError::denied(Denial::InvalidCredentials),
            SignInError::PasswordAlreadyUsed => SecurityError::denied(Denial::PasswordAlreadyUsed),
            SignInError::PendingVerification => SecurityError::denied(Denial::PendingVerification),
            SignInError::PasswordInvalid(_) => SecurityError::denied(Denial::PasswordInvalid),
            SignInError::Throttled { retry_after } => SecurityError::rate_limited(
                std::time::Duration::try_from(retry_after).unwrap_or_default(),
            ),
            SignInError::BadMfaTransaction => SecurityError::denied(Denial::BadMfaTransaction),
            SignInError::MfaFailure => SecurityError::denied(Denial::MfaFailure),
            SignInError::InvalidToken => SecurityError::denied(Denial::InvalidToken),
            SignInError::ExpiredToken => SecurityError::denied(Denial::ExpiredToken),
            SignInError::CannotRefresh => SecurityError::denied(Denial::CannotRefresh),
            SignInError::Suspended => SecurityError::denied(Denial::Suspended),
            // The SMTP server or SMS gateway failed: a dependency down, whose cause is logged.
            SignInError::Undeliverable(source) => SecurityError::unavailable(source),
            SignInError::Unavailable(source) => SecurityError::from(source),
        }
    }
}
