//! The free-text fields of a subscriber's profile: the same limits as an operator's
//! (`latchkey_operator::NAME_MAX`, ...), each refusal naming its field.

use crate::SubscriberError;
use latchkey_operator::{DESCRIPTION_MAX, LOCALE_MAX, LOCATION_MAX, NAME_MAX, NOTE_MAX};

pub(crate) fn name(raw: &str) -> Result<String, SubscriberError> {
    line(raw, NAME_MAX, "name")
}

pub(crate) fn description(raw: &str) -> Result<String, SubscriberError> {
    text(raw, DESCRIPTION_MAX, "description")
}

pub(crate) fn location(raw: &str) -> Result<String, SubscriberError> {
    line(raw, LOCATION_MAX, "location")
}

pub(crate) fn locale(raw: &str) -> Result<String, SubscriberError> {
    line(raw, LOCALE_MAX, "locale")
}

pub(crate) fn note(raw: &str) -> Result<String, SubscriberError> {
    text(raw, NOTE_MAX, "notes")
}

/// One line of at most `max` characters, trimmed, without control characters.
fn line(raw: &str, max: usize, field: &'static str) -> Result<String, SubscriberError> {
    let trimmed = raw.trim();
    if trimmed.chars().count() > max || trimmed.chars().any(char::is_control) {
        return Err(SubscriberError::Invalid(field));
    }
    Ok(trimmed.to_owned())
}

/// Text of at most `max` characters; line breaks and tabs are its only control characters.
fn text(raw: &str, max: usize, field: &'static str) -> Result<String, SubscriberError> {
    let trimmed = raw.trim();
    let control = |c: char| c.is_control() && !matches!(c, '\n' | '\r' | '\t');
    if trimmed.chars().count() > max || trimmed.chars().any(control) {
        return Err(SubscriberError::Invalid(field));
    }
    Ok(trimmed.to_owned())
}
