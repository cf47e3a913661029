//! Messages: which template, in which language, to whom, through which channel.

use std::collections::BTreeMap;
use std::fmt;

/// The languages messages are written in. Spanish is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    #[default]
    Es,
    En,
}

impl Language {
    /// Every language there are templates for.
    pub const ALL: [Language; 2] = [Language::Es, Language::En];

    /// The language of a request's `language` field or an `Accept-Language`-style tag
    /// (`en`, `en-GB`, `ES`): English for `en...`, Spanish for anything else or nothing.
    pub fn from_tag(tag: Option<&str>) -> Self {
        let primary = tag
            .unwrap_or_default()
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default();
        if primary.eq_ignore_ascii_case("en") {
            Language::En
        } else {
            Language::Es
        }
    }

    /// The language of a page: the first of `ui_locales` (space-separated, OpenID Connect Core
    /// §3.1.2.1) there are templates for, else the best of an `Accept-Language` header
    /// (RFC 9110 §12.5.4: the highest quality), else Spanish.
    pub fn negotiate(ui_locales: Option<&str>, accept_language: Option<&str>) -> Self {
        if let Some(found) = ui_locales
            .unwrap_or_default()
            .split(' ')
            .find_map(Self::spoken)
        {
            return found;
        }
        let mut best: Option<(f32, Language)> = None;
        for item in accept_language.unwrap_or_default().split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or_default();
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(language) = Self::spoken(tag)
                && best.is_none_or(|(q, _)| quality > q)
            {
                best = Some((quality, language));
            }
        }
        best.map_or(Language::Es, |(_, language)| language)
    }

    /// The language of `tag` when there are templates for it (`en-GB` is English; `fr` none).
    fn spoken(tag: &str) -> Option<Self> {
        let primary = tag.split(['-', '_']).next().unwrap_or_default().trim();
        Self::ALL
            .into_iter()
            .find(|l| primary.eq_ignore_ascii_case(l.code()))
    }

    /// The ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Language::Es => "es",
            Language::En => "en",
        }
    }
}

/// How a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// E-mail: a subject, a plain-text body and an HTML body.
    Email,
    /// SMS: one short plain-text body.
    Sms,
}

/// The messages Latchkey sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TemplateId {
    /// Account activation: a link to set the first password. Parameters: `username`, `link`.
    SetPassword,
    /// A link to choose a new password. Parameters: `username`, `link`.
    ResetPassword,
    /// The password has changed. Parameters: `username`.
    PasswordChanged,
    /// A one-time code. Parameters: `code`, `minutes`.
    OtpCode,
    /// A link that signs in without a password. Parameters: `link`, `minutes`.
    MagicLink,
    /// A sign-in from a new device. Parameters: `username`, `device`.
    NewDevice,
    /// A client asks to sign the customer in (CIBA). Parameters: `client`, `binding_message`,
    /// `link`, `minutes`.
    CibaRequest,
    /// The security service: the code that completes an operator's sign-in (its second
    /// factor, by e-mail or SMS). Parameters: `code`, `minutes`.
    OperatorMfaCode,
    /// The security service: a link to choose a new operator password (`forgotPassword`).
    /// Parameters: `username`, `link`, `minutes`.
    OperatorPasswordReset,
    /// The security service: a link that proves a new operator's e-mail address.
    /// Parameters: `username`, `link`, `minutes`.
    OperatorEmailVerification,
    /// The security service: a test e-mail an operator asked for (`POST /email`), its subject
    /// and text the operator's. Parameters: `subject`, `text`, `sender` (who asked).
    TestEmail,
    /// The security service: a test SMS an operator asked for (`POST /sms`), its text the
    /// operator's. Parameters: `text`.
    TestSms,
    /// The security service: the code that proves a mobile number before it is added to an
    /// account (`POST /sms?validateNumber=true`). Parameters: `code`, `minutes`.
    PhoneVerification,
    /// The security service: a self-registration's link (`/signup`) that proves the address
    /// and chooses the first password. Parameters: `username`, `link`, `minutes`.
    SignupVerification,
    /// The security service: someone asked to register an address that already has an
    /// account; its owner is told, and nothing is registered. Parameters: `username`.
    SignupExisting,
}

impl TemplateId {
    /// Every template.
    pub const ALL: [TemplateId; 15] = [
        TemplateId::SetPassword,
        TemplateId::ResetPassword,
        TemplateId::PasswordChanged,
        TemplateId::OtpCode,
        TemplateId::MagicLink,
        TemplateId::NewDevice,
        TemplateId::CibaRequest,
        TemplateId::OperatorMfaCode,
        TemplateId::OperatorPasswordReset,
        TemplateId::OperatorEmailVerification,
        TemplateId::TestEmail,
        TemplateId::TestSms,
        TemplateId::PhoneVerification,
        TemplateId::SignupVerification,
        TemplateId::SignupExisting,
    ];

    /// The template's file name stem under `templates/{language}/`.
    pub fn name(self) -> &'static str {
        match self {
            TemplateId::SetPassword => "set_password",
            TemplateId::ResetPassword => "reset_password",
            TemplateId::PasswordChanged => "password_changed",
            TemplateId::OtpCode => "otp_code",
            TemplateId::MagicLink => "magic_link",
            TemplateId::NewDevice => "new_device",
            TemplateId::CibaRequest => "ciba_request",
            TemplateId::OperatorMfaCode => "operator_mfa_code",
            TemplateId::OperatorPasswordReset => "operator_password_reset",
            TemplateId::OperatorEmailVerification => "operator_email_verification",
            TemplateId::TestEmail => "test_email",
            TemplateId::TestSms => "test_sms",
            TemplateId::PhoneVerification => "phone_verification",
            TemplateId::SignupVerification => "signup_verification",
            TemplateId::SignupExisting => "signup_existing",
        }
    }

    /// The parameters the template needs.
    pub fn parameters(self) -> &'static [&'static str] {
        match self {
            TemplateId::SetPassword | TemplateId::ResetPassword => &["username", "link"],
            TemplateId::PasswordChanged | TemplateId::SignupExisting => &["username"],
            TemplateId::OtpCode | TemplateId::OperatorMfaCode | TemplateId::PhoneVerification => {
                &["code", "minutes"]
            }
            TemplateId::MagicLink => &["link", "minutes"],
            TemplateId::NewDevice => &["username", "device"],
            TemplateId::CibaRequest => &["client", "binding_message", "link", "minutes"],
            TemplateId::OperatorPasswordReset
            | TemplateId::OperatorEmailVerification
            | TemplateId::SignupVerification => &["username", "link", "minutes"],
            TemplateId::TestEmail => &["subject", "text", "sender"],
            TemplateId::TestSms => &["text"],
        }
    }
}

/// One message to one recipient. Its `Debug` form hides the parameters and the recipient: they
/// carry links with tokens, codes and contact details.
#[derive(Clone, PartialEq, Eq)]
pub struct Message {
    pub template: TemplateId,
    pub language: Language,
    pub channel: Channel,
    /// An e-mail address or an E.164 number, as the channel needs.
    pub recipient: String,
    /// The tenant's display name (the brand the customer knows).
    pub tenant: String,
    pub params: BTreeMap<&'static str, String>,
    /// For e-mail: where replies go (`Reply-To`), when not to the sender. Never the sender
    /// itself: a message always comes from the configured address, so nobody can make Latchkey
    /// send mail that claims to be someone else's.
    pub reply_to: Option<String>,
}

impl Message {
    /// A message without parameters yet; add them with [`Message::with`].
    pub fn new(
        template: TemplateId,
        language: Language,
        channel: Channel,
        recipient: impl Into<String>,
        tenant: impl Into<String>,
    ) -> Self {
        Self {
            template,
            language,
            channel,
            recipient: recipient.into(),
            tenant: tenant.into(),
            params: BTreeMap::new(),
            reply_to: None,
        }
    }

    /// Sets where replies to an e-mail go (`Reply-To`).
    #[must_use]
    pub fn reply_to(mut self, address: impl Into<String>) -> Self {
        self.reply_to = Some(address.into());
        self
    }

    /// Sets one parameter.
    #[must_use]
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.params.insert(name, value.into());
        self
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("template", &self.template)
            .field("language", &self.language)
            .field("channel", &self.channel)
            .field("tenant", &self.tenant)
            .field("recipient", &"[REDACTED]")
            .field("params", &self.params.keys().collect::<Vec<_>>())
            .field("reply_to", &self.reply_to.as_ref().map(|_| "[REDACTED]"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_fall_back_to_spanish() {
        for (tag, expected) in [
            (Some("en"), Language::En),
            (Some("EN"), Language::En),
            (Some("en-GB"), Language::En),
            (Some(" en_US "), Language::En),
            (Some("es"), Language::Es),
            (Some("es-ES"), Language::Es),
            (Some("fr"), Language::Es),
            (Some("english"), Language::Es),
            (Some(""), Language::Es),
            (None, Language::Es),
        ] {
            assert_eq!(Language::from_tag(tag), expected, "{tag:?}");
        }
    }

    #[test]
    fn pages_speak_ui_locales_then_accept_language_then_spanish() {
        let cases = [
            (Some("fr en"), Some("es"), Language::En),
            (Some("es-ES"), Some("en"), Language::Es),
            (Some("fr"), Some("fr, en;q=0.5, es;q=0.4"), Language::En),
            (None, Some("es;q=0.3, en-GB;q=0.8"), Language::En),
            (None, Some("de, fr"), Language::Es),
            (None, None, Language::Es),
        ];
        for (ui_locales, accept, expected) in cases {
            assert_eq!(
                Language::negotiate(ui_locales, accept),
                expected,
                "{ui_locales:?} {accept:?}"
            );
        }
    }

    #[test]
    fn debug_hides_recipient_and_parameter_values() {
        let message = Message::new(
            TemplateId::OtpCode,
            Language::Es,
            Channel::Sms,
            "+34600111222",
            "Yoigo",
        )
        .with("code", "280597")
        .with("minutes", "5");
        let shown = format!("{message:?}");
        assert!(
            !shown.contains("280597") && !shown.contains("+34600111222"),
            "{shown}"
        );
        assert!(
            shown.contains("code") && shown.contains("OtpCode"),
            "{shown}"
        );
    }
}
