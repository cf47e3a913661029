//! A test message, parsed from what an operator asked for: every value checked once, here.

use crate::MessageError;
use latchkey_credential::Msisdn;

/// The most recipients of one test e-mail (each gets its own copy).
pub const MAX_RECIPIENTS: usize = 10;
/// The most characters of a test e-mail's subject.
pub const MAX_SUBJECT_CHARS: usize = 200;
/// The most characters of a test e-mail's text.
pub const MAX_EMAIL_TEXT_CHARS: usize = 10_000;
/// The most characters of a test SMS's text: three concatenated segments of GSM-7, less the
/// brand the message starts with.
pub const MAX_SMS_TEXT_CHARS: usize = 400;

/// The most characters of an e-mail address (RFC 5321 §4.5.3.1.3 path, less its brackets).
const MAX_ADDRESS_CHARS: usize = 254;

/// A test e-mail (`POST /email`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestEmail {
    recipients: Vec<String>,
    subject: String,
    text: String,
    reply_to: Option<String>,
}

impl TestEmail {
    /// Checks what an operator sent: 1 to [`MAX_RECIPIENTS`] distinct addresses (`recipients`);
    /// a subject of one line, not blank, at most [`MAX_SUBJECT_CHARS`] (`subject`); a text not
    /// blank, at most [`MAX_EMAIL_TEXT_CHARS`], without control characters but line breaks and
    /// tabs (`text`); `from`, when given and not blank, an address (`from`). Addresses are
    /// plain `addr-spec`s (no display name, nothing a header could be smuggled in).
    pub fn parse(
        recipients: &[String],
        subject: &str,
        text: &str,
        from: Option<&str>,
    ) -> Result<Self, MessageError> {
        if recipients.is_empty() || recipients.len() > MAX_RECIPIENTS {
            return Err(MessageError::Invalid("recipients"));
        }
        let mut parsed: Vec<String> = Vec::with_capacity(recipients.len());
        for raw in recipients {
            let address = address(raw).ok_or(MessageError::Invalid("recipients"))?;
            if !parsed.iter().any(|a| a.eq_ignore_ascii_case(&address)) {
                parsed.push(address);
            }
        }
        let subject = subject.trim();
        if subject.is_empty()
            || subject.chars().count() > MAX_SUBJECT_CHARS
            || subject.chars().any(char::is_control)
        {
            return Err(MessageError::Invalid("subject"));
        }
        let text = body(text, MAX_EMAIL_TEXT_CHARS).ok_or(MessageError::Invalid("text"))?;
        let reply_to = match from.map(str::trim).filter(|f| !f.is_empty()) {
            Some(raw) => Some(address(raw).ok_or(MessageError::Invalid("from"))?),
            None => None,
        };
        Ok(Self {
            recipients: parsed,
            subject: subject.to_owned(),
            text,
            reply_to,
        })
    }

    /// The addresses, each once (compared case-insensitively), in the order given.
    pub fn recipients(&self) -> &[String] {
        &self.recipients
    }

    pub fn subject(&self) -> &str {
        &self.subject
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The `from` asked for: where replies go, never the sender.
    pub fn reply_to(&self) -> Option<&str> {
        self.reply_to.as_deref()
    }
}

/// A test SMS (`POST /sms`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestSms {
    to: Msisdn,
    text: String,
}

impl TestSms {
    /// Checks what an operator sent: `to` an E.164 number (`to`); a text not blank, at most
    /// [`MAX_SMS_TEXT_CHARS`], without control characters but line breaks (`text`).
    pub fn parse(to: &str, text: &str) -> Result<Self, MessageError> {
        let to = Msisdn::parse(to).map_err(|_| MessageError::Invalid("to"))?;
        let text = body(text, MAX_SMS_TEXT_CHARS).ok_or(MessageError::Invalid("text"))?;
        Ok(Self { to, text })
    }

    pub fn to(&self) -> &Msisdn {
        &self.to
    }

    pub fn text(&self) -> &str {
        &self.text
    }
}

/// `raw` as a plain address, trimmed; `None` when it is not one.
fn address(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.chars().count() > MAX_ADDRESS_CHARS {
        return None;
    }
    let options = email_address::Options::default().without_display_text();
    email_address::EmailAddress::parse_with_options(raw, options).ok()?;
    Some(raw.to_owned())
}

/// A message's text, trimmed: not blank, at most `max` characters, no control character but
/// line breaks and tabs.
fn body(raw: &str, max: usize) -> Option<String> {
    let text = raw.trim();
    let allowed = |c: char| !c.is_control() || matches!(c, '\n' | '\r' | '\t');
    (!text.is_empty() && text.chars().count() <= max && text.chars().all(allowed))
        .then(|| text.to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn list(addresses: &[&str]) -> Vec<String> {
        addresses.iter().map(|a| (*a).to_owned()).collect()
    }

    fn field(e: MessageError) -> &'static str {
        match e {
            MessageError::Invalid(field) => field,
            other => unreachable!("{other:?}"),
        }
    }

    #[test]
    fn an_email_keeps_each_recipient_once_and_from_as_reply_to() {
        let email = TestEmail::parse(
            &list(&[" ana@example.com", "ANA@example.com", "bea@example.com"]),
            " Hello ",
            "line 1\nline 2",
            Some("boss@example.com"),
        )
        .unwrap();
        assert_eq!(email.recipients(), ["ana@example.com", "bea@example.com"]);
        assert_eq!(email.subject(), "Hello");
        assert_eq!(email.text(), "line 1\nline 2");
        assert_eq!(email.reply_to(), Some("boss@example.com"));
        let no_from = TestEmail::parse(&list(&["a@b.example"]), "s", "t", Some(" ")).unwrap();
        assert_eq!(no_from.reply_to(), None);
    }

    #[test]
    fn bad_emails_name_their_field() {
        let ok = list(&["ana@example.com"]);
        let many: Vec<String> = (0..=MAX_RECIPIENTS)
            .map(|i| format!("u{i}@example.com"))
            .collect();
        let cases = [
            (TestEmail::parse(&[], "s", "t", None), "recipients"),
            (TestEmail::parse(&many, "s", "t", None), "recipients"),
            (
                TestEmail::parse(&list(&["Ana <ana@example.com>"]), "s", "t", None),
                "recipients",
            ),
            (
                TestEmail::parse(&list(&["ana@example.com\r\nBcc: x@y.z"]), "s", "t", None),
                "recipients",
            ),
            (TestEmail::parse(&ok, " ", "t", None), "subject"),
            (
                TestEmail::parse(&ok, "a\r\nBcc: x@y.z", "t", None),
                "subject",
            ),
            (
                TestEmail::parse(&ok, &"s".repeat(MAX_SUBJECT_CHARS + 1), "t", None),
                "subject",
            ),
            (TestEmail::parse(&ok, "s", "\n", None), "text"),
            (TestEmail::parse(&ok, "s", "a\u{0}b", None), "text"),
            (
                TestEmail::parse(&ok, "s", &"t".repeat(MAX_EMAIL_TEXT_CHARS + 1), None),
                "text",
            ),
            (TestEmail::parse(&ok, "s", "t", Some("nobody")), "from"),
        ];
        for (result, expected) in cases {
            assert_eq!(field(result.unwrap_err()), expected);
        }
    }

    #[test]
    fn an_sms_needs_an_e164_number_and_a_short_text() {
        let sms = TestSms::parse(" +34600111222 ", " hi ").unwrap();
        assert_eq!((sms.to().as_str(), sms.text()), ("+34600111222", "hi"));
        assert_eq!(field(TestSms::parse("600111222", "hi").unwrap_err()), "to");
        assert_eq!(
            field(TestSms::parse("+34600111222", "").unwrap_err()),
            "text"
        );
        let long = "x".repeat(MAX_SMS_TEXT_CHARS + 1);
        assert_eq!(
            field(TestSms::parse("+34600111222", &long).unwrap_err()),
            "text"
        );
    }
}
