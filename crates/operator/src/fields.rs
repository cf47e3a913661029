//! The free-text fields of an operator and their limits, and the second-factor settings a
//! request may choose. Each refusal names the field (`OperatorError::Invalid`).

use crate::{MfaMethod, Mobile, OperatorError};

/// The most characters of a name.
pub const NAME_MAX: usize = 128;
/// The most characters of a description.
pub const DESCRIPTION_MAX: usize = 2048;
/// The most characters of a location.
pub const LOCATION_MAX: usize = 256;
/// The most characters of a locale (a BCP 47 tag is far shorter).
pub const LOCALE_MAX: usize = 35;
/// The most characters of one note.
pub const NOTE_MAX: usize = 4096;

pub(crate) fn name(raw: &str) -> Result<String, OperatorError> {
    line(raw, NAME_MAX, "name")
}

pub(crate) fn description(raw: &str) -> Result<String, OperatorError> {
    text(raw, DESCRIPTION_MAX, "description")
}

pub(crate) fn location(raw: &str) -> Result<String, OperatorError> {
    line(raw, LOCATION_MAX, "location")
}

pub(crate) fn locale(raw: &str) -> Result<String, OperatorError> {
    line(raw, LOCALE_MAX, "locale")
}

pub(crate) fn note(raw: &str) -> Result<String, OperatorError> {
    text(raw, NOTE_MAX, "notes")
}

/// The second factor `chosen` (when it is not the operator's `current` one) must be one the
/// operator can answer: SMS needs a mobile; the authenticator is enrolled through `/totp`,
/// never chosen directly (the record would name an authenticator nobody holds).
pub(crate) fn check_mfa(
    chosen: Option<MfaMethod>,
    current: Option<MfaMethod>,
    mobiles: &[Mobile],
) -> Result<(), OperatorError> {
    match chosen {
        Some(MfaMethod::Sms) if mobiles.is_empty() => Err(OperatorError::Invalid("mfa")),
        Some(MfaMethod::Authenticator) if current != chosen => Err(OperatorError::Invalid("mfa")),
        _ => Ok(()),
    }
}

/// One line of at most `max` characters, trimmed, without control characters.
fn line(raw: &str, max: usize, field: &'static str) -> Result<String, OperatorError> {
    let trimmed = raw.trim();
    if trimmed.chars().count() > max || trimmed.chars().any(char::is_control) {
        return Err(OperatorError::Invalid(field));
    }
    Ok(trimmed.to_owned())
}

/// Text of at most `max` characters; line breaks and tabs are its only control characters.
fn text(raw: &str, max: usize, field: &'static str) -> Result<String, OperatorError> {
    let trimmed = raw.trim();
    let control = |c: char| c.is_control() && !matches!(c, '\n' | '\r' | '\t');
    if trimmed.chars().count() > max || trimmed.chars().any(control) {
        return Err(OperatorError::Invalid(field));
    }
    Ok(trimmed.to_owned())
}
