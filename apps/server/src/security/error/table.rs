//! The table: every domain error of the operator plane, variant by variant, to its answer.
//! No `_` arm anywhere: a new variant does not compile until someone decides its answer.

use super::{Denial, Detail, SecurityError};
use latchkey_core::StoreError;
use latchkey_login::operator::SignInError;
use latchkey_operator::OperatorError;
use latchkey_subscriber::MediaError;

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

impl From<MediaError> for SecurityError {
    fn from(e: MediaError) -> Self {
        match e {
            MediaError::TooLarge => SecurityError::upload_too_large(),
            MediaError::NotAnImage => SecurityError::bad_request(Detail::NotAnImage),
            MediaError::TooManyPreferences => {
                SecurityError::bad_request(Detail::TooManyPreferences)
            }
            MediaError::BadTag => SecurityError::bad_request(Detail::BadPreferenceTag),
            MediaError::ValueTooLong => SecurityError::bad_request(Detail::PreferenceValueTooLong),
            MediaError::NoAvatar | MediaError::NoHolder => SecurityError::not_found(),
            MediaError::Store(source) => SecurityError::from(source),
        }
    }
}

impl From<latchkey_credential::CredentialError> for SecurityError {
    fn from(e: latchkey_credential::CredentialError) -> Self {
        use latchkey_credential::CredentialError as E;
        use latchkey_tenancy::TenantError;
        match e {
            E::Denied(_) => SecurityError::denied(Denial::AccessDenied),
            // An org that does not exist, or is disabled: nothing there to reach.
            E::Tenant(TenantError::NotFound(_)) => SecurityError::not_found(),
            E::Tenant(TenantError::Denied(_)) => SecurityError::denied(Denial::AccessDenied),
            E::Tenant(TenantError::InvalidName) => {
                SecurityError::bad_request(Detail::MissingOrInvalidParameters)
            }
            E::Tenant(TenantError::Store(source)) => SecurityError::from(source),
            // Subscribers' usernames are their e-mail addresses.
            E::InvalidUsername(_) => SecurityError::bad_request(Detail::InvalidEmailAddress),
            E::InvalidMsisdn => SecurityError::bad_request(Detail::CannotValidatePhoneNumber),
            E::NotFound => SecurityError::not_found(),
            E::AlreadyExists => SecurityError::bad_request(Detail::UserAlreadyExists),
            E::Disabled => SecurityError::denied(Denial::Suspended),
            E::WrongPassword => SecurityError::denied(Denial::InvalidCredentials),
            E::Policy(_) => SecurityError::bad_request(Detail::InvalidPassword),
            // A token or an attribute a client sent that is no good, or a transfer's
            // destination: bad input, never our failure.
            E::InvalidAttribute(_)
            | E::Required(_)
            | E::InvalidToken(_)
            | E::TokenNotFound
            | E::InvalidDestination
            | E::SameOrg
            | E::DestinationDisabled(_)
            | E::DestinationNotFound(_) => {
                SecurityError::bad_request(Detail::MissingOrInvalidParameters)
            }
            E::Hashing(source) => SecurityError::unavailable(source),
            E::Store(source) => SecurityError::from(source),
        }
    }
}

impl From<latchkey_subscriber::SubscriberError> for SecurityError {
    fn from(e: latchkey_subscriber::SubscriberError) -> Self {
        use latchkey_subscriber::SubscriberError as E;
        match e {
            E::AccessDenied => SecurityError::denied(Denial::AccessDenied),
            E::NotFound => SecurityError::not_found(),
            E::Invalid(field) => SecurityError::bad_request(invalid_field(field)),
            E::Credential(e) => SecurityError::from(e),
            E::Device(source) => SecurityError::internal(source),
            E::Store(source) => SecurityError::from(source),
        }
    }
}

/// The reset link of the Credentials API's flow (`PUT /subuser/{id}?forgotPassword=true`).
impl From<latchkey_flows::FlowError> for SecurityError {
    fn from(e: latchkey_flows::FlowError) -> Self {
        use latchkey_flows::{CodeRefusal as C, FlowError as E};
        match e {
            E::Credential(e) => SecurityError::from(e),
            E::InvalidHint | E::NoContact | E::MalformedCode => {
                SecurityError::bad_request(Detail::MissingOrInvalidParameters)
            }
            E::RateLimited { retry_after, .. } | E::Code(C::OtpTooSoon { retry_after }) => {
                SecurityError::rate_limited(
                    std::time::Duration::try_from(retry_after).unwrap_or_default(),
                )
            }
            E::Code(
                C::OtpMismatch { .. }
                | C::OtpBurnt
                | C::TotpMismatch
                | C::TotpReplayed
                | C::TotpCodeRequired,
            ) => SecurityError::denied(Denial::MfaFailure),
            E::Code(C::OtpNotPending | C::TotpNotEnrolled | C::TotpNotPending) => {
                SecurityError::denied(Denial::BadMfaTransaction)
            }
            // The SMTP server or SMS gateway failed: a dependency down, whose cause is logged.
            E::Delivery(source) => SecurityError::unavailable(source),
            E::RateLimiter(source) | E::SecondFactorStore(source) => SecurityError::from(source),
            E::Cipher(source) => SecurityError::internal(source),
        }
    }
}

/// Self-registration (`/signup`). A link that is no good never reaches here: its page says so.
impl From<latchkey_subscriber::SignupError> for SecurityError {
    fn from(e: latchkey_subscriber::SignupError) -> Self {
        use latchkey_subscriber::SignupError as E;
        use latchkey_tenancy::TenantError;
        match e {
            E::InvalidEmail => SecurityError::bad_request(Detail::InvalidEmailAddress),
            E::SignupInUse | E::InvalidReason => {
                SecurityError::bad_request(Detail::MissingOrInvalidParameters)
            }
            // A move the state machine refuses (`signup_rules`).
            E::Transition { .. } => SecurityError::bad_request(Detail::InvalidCommand),
            E::NotFound | E::LinkInvalid => SecurityError::not_found(),
            E::Password(_) => SecurityError::bad_request(Detail::InvalidPassword),
            E::Throttled { retry_after } => SecurityError::rate_limited(
                std::time::Duration::try_from(retry_after).unwrap_or_default(),
            ),
            E::Tenant(TenantError::NotFound(_)) => SecurityError::not_found(),
            E::Tenant(TenantError::Denied(_)) => SecurityError::denied(Denial::AccessDenied),
            E::Tenant(TenantError::InvalidName) => {
                SecurityError::bad_request(Detail::MissingOrInvalidParameters)
            }
            E::Tenant(TenantError::Store(source)) | E::Limiter(source) => {
                SecurityError::from(source)
            }
            // The SMTP server failed: a dependency down, whose cause is logged.
            E::Undeliverable(source) => SecurityError::unavailable(source),
            E::Subscriber(e) => SecurityError::from(e),
        }
    }
}

impl From<latchkey_messages::MessageError> for SecurityError {
    fn from(e: latchkey_messages::MessageError) -> Self {
        use latchkey_messages::MessageError as E;
        use latchkey_notify::Channel;
        match e {
            E::AccessDenied => SecurityError::denied(Denial::AccessDenied),
            E::Invalid("recipients" | "from") => {
                SecurityError::bad_request(Detail::InvalidEmailAddress)
            }
            E::Invalid("to") => SecurityError::bad_request(Detail::CannotValidatePhoneNumber),
            E::Invalid(_) | E::TooManyMobiles => {
                SecurityError::bad_request(Detail::MissingOrInvalidParameters)
            }
            E::Throttled { retry_after } => SecurityError::rate_limited(
                std::time::Duration::try_from(retry_after).unwrap_or_default(),
            ),
            E::CodeRejected => SecurityError::bad_request(Detail::SmsCouldNotValidate),
            // What owsec answers when a channel is off: the caller learns it is not enabled.
            E::Unconfigured(Channel::Sms) => SecurityError::bad_request(Detail::SmsNotEnabled),
            E::Unconfigured(Channel::Email) => SecurityError::bad_request(Detail::EmailNotEnabled),
            // The SMTP server or SMS gateway failed or refused: a dependency, cause logged.
            E::Undeliverable(source) => SecurityError::unavailable(source),
            E::Render(source) => SecurityError::internal(source),
            E::Operator(e) => SecurityError::from(e),
            E::Subscriber(e) => SecurityError::from(e),
            E::Unavailable(source) => SecurityError::from(source),
        }
    }
}

/// The authenticator apps (`/totp`, `/subtotp`): the set-up check's refusals are owsec's.
impl From<latchkey_otp::TotpError> for SecurityError {
    fn from(e: latchkey_otp::TotpError) -> Self {
        use latchkey_otp::TotpError as E;
        match e {
            E::Mismatch | E::Malformed => SecurityError::bad_request(Detail::TotpInvalidCode),
            E::InvalidIndex => SecurityError::bad_request(Detail::TotpInvalidIndex),
            E::Replayed => SecurityError::bad_request(Detail::TotpCodeRepeated),
            E::NotPending | E::NotEnrolled => SecurityError::bad_request(Detail::TotpNoSession),
            E::OutOfSequence => SecurityError::bad_request(Detail::TotpBadSequence),
            E::Throttled { retry_after } => SecurityError::rate_limited(
                std::time::Duration::try_from(retry_after).unwrap_or_default(),
            ),
            // No data key on a database, or a sealed secret that no longer opens: the service
            // cannot do it now, whatever the client sends.
            E::Cipher(source) => SecurityError::unavailable(source),
            E::Store(source) | E::Steps(source) => SecurityError::from(source),
        }
    }
}

/// A subscriber's second factor (`/submfa`).
impl From<latchkey_subscriber::MfaError> for SecurityError {
    fn from(e: latchkey_subscriber::MfaError) -> Self {
        use latchkey_subscriber::MfaError as E;
        match e {
            E::TooSoon { retry_after } => SecurityError::rate_limited(
                std::time::Duration::try_from(retry_after).unwrap_or_default(),
            ),
            E::WrongCode => SecurityError::bad_request(Detail::MfaWrongCode),
            E::NoCode => SecurityError::bad_request(Detail::MfaNoCode),
            // The SMTP server or SMS gateway failed: a dependency down, whose cause is logged.
            E::Undeliverable(source) => SecurityError::unavailable(source),
            E::Codes(source) => SecurityError::from(source),
            E::Subscriber(e) => SecurityError::from(e),
        }
    }
}
