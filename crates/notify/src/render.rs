//! Rendering with the embedded templates.
//!
//! Each template has four files under `templates/{es,en}/`: `{id}.subject.txt`, `{id}.txt` (the
//! e-mail's plain text), `{id}.html` (the e-mail's HTML, extending `layout.html`) and
//! `{id}.sms.txt`. HTML templates escape every value (minijinja escapes `.html` templates); text
//! ones do not. A parameter a template uses but the message lacks is an error, never a blank.

use crate::{Channel, Message};
use minijinja::{Environment, UndefinedBehavior, Value};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// A rendered message.
#[derive(Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The e-mail subject (empty for SMS).
    pub subject: String,
    /// The plain-text body: the e-mail's text part, or the SMS.
    pub text: String,
    /// The e-mail's HTML part (`None` for SMS).
    pub html: Option<String>,
}

impl std::fmt::Debug for Rendered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Rendered([REDACTED])")
    }
}

/// Why a message could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("template {template} lacks parameter {parameter}")]
    MissingParameter {
        template: &'static str,
        parameter: &'static str,
    },
    #[error("template {0} failed")]
    Template(String, #[source] minijinja::Error),
    #[error("the templates did not load: {0}")]
    Loading(String),
}

macro_rules! embedded {
    ($($lang:literal: [$($id:literal),*]),*) => {
        &[
            ("layout.html", include_str!("../templates/layout.html")),
            $($(
                (concat!($lang, "/", $id, ".subject.txt"),
                 include_str!(concat!("../templates/", $lang, "/", $id, ".subject.txt"))),
                (concat!($lang, "/", $id, ".txt"),
                 include_str!(concat!("../templates/", $lang, "/", $id, ".txt"))),
                (concat!($lang, "/", $id, ".html"),
                 include_str!(concat!("../templates/", $lang, "/", $id, ".html"))),
                (concat!($lang, "/", $id, ".sms.txt"),
                 include_str!(concat!("../templates/", $lang, "/", $id, ".sms.txt"))),
            )*)*
        ]
    };
}

const TEMPLATES: &[(&str, &str)] = embedded!(
    "es": ["set_password", "reset_password", "password_changed", "otp_code", "magic_link", "new_device", "ciba_request", "operator_mfa_code", "operator_password_reset", "operator_email_verification", "test_email", "test_sms", "phone_verification", "signup_verification", "signup_existing"],
    "en": ["set_password", "reset_password", "password_changed", "otp_code", "magic_link", "new_device", "ciba_request", "operator_mfa_code", "operator_password_reset", "operator_email_verification", "test_email", "test_sms", "phone_verification", "signup_verification", "signup_existing"]
);

fn environment() -> &'static Result<Environment<'static>, minijinja::Error> {
    static ENV: OnceLock<Result<Environment<'static>, minijinja::Error>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // Text templates keep their final newline out of the output; subjects are one line.
        env.set_keep_trailing_newline(false);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)?;
        }
        Ok(env)
    })
}

impl Message {
    /// The message's subject and bodies, in its language, for its channel.
    pub fn render(&self) -> Result<Rendered, RenderError> {
        let template = self.template;
        if let Some(missing) = template
            .parameters()
            .iter()
            .find(|p| !self.params.contains_key(*p))
        {
            return Err(RenderError::MissingParameter {
                template: template.name(),
                parameter: missing,
            });
        }
        let env = environment()
            .as_ref()
            .map_err(|e| RenderError::Loading(e.to_string()))?;
        let mut context: BTreeMap<&str, Value> = self
            .params
            .iter()
            .map(|(k, v)| (*k, Value::from(v.as_str())))
            .collect();
        context.insert("tenant", Value::from(self.tenant.as_str()));
        context.insert("lang", Value::from(self.language.code()));
        let render = |part: &str, context: &BTreeMap<&str, Value>| {
            let name = format!("{}/{}.{part}", self.language.code(), template.name());
            env.get_template(&name)
                .and_then(|t| t.render(context))
                .map(|s| s.trim().to_owned())
                .map_err(|e| RenderError::Template(name, e))
        };
        match self.channel {
            Channel::Sms => Ok(Rendered {
                subject: String::new(),
                text: render("sms.txt", &context)?,
                html: None,
            }),
            Channel::Email => {
                let subject = render("subject.txt", &context)?;
                context.insert("subject", Value::from(subject.as_str()));
                let text = render("txt", &context)?;
                let html = render("html", &context)?;
                Ok(Rendered {
                    subject,
                    text,
                    html: Some(html),
                })
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::{Language, TemplateId};

    fn full(template: TemplateId, language: Language, channel: Channel) -> Message {
        let mut message = Message::new(template, language, channel, "ana@example.com", "Yoigo");
        for parameter in template.parameters() {
            let value = match *parameter {
                "link" => "https://login.example/reset?token=abc",
                "code" => "280597",
                "minutes" => "5",
                "device" => "Chrome on macOS",
                _ => "ana@example.com",
            };
            message = message.with(parameter, value);
        }
        message
    }

    /// What a browser reads in HTML text or an attribute (minijinja also escapes `/`).
    fn unescape(html: &str) -> String {
        html.replace("&#x2f;", "/")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&amp;", "&")
    }

    #[test]
    fn every_template_renders_in_every_language_and_channel_with_its_parameters() {
        for template in TemplateId::ALL {
            for language in Language::ALL {
                let email = full(template, language, Channel::Email).render().unwrap();
                assert!(email.subject.contains("Yoigo"), "{template:?} {language:?}");
                assert!(
                    !email.subject.contains('\n'),
                    "{template:?}: one-line subject"
                );
                let html = email.html.as_deref().unwrap();
                assert!(html.contains(&format!("<html lang=\"{}\">", language.code())));
                assert!(html.contains("<h1") && html.contains("Yoigo"));
                let sms = full(template, language, Channel::Sms).render().unwrap();
                assert!(sms.html.is_none() && sms.subject.is_empty());
                assert!(sms.text.starts_with("Yoigo:"), "{template:?}: {}", sms.text);
                for (name, value) in &full(template, language, Channel::Email).params {
                    assert!(
                        email.text.contains(value.as_str()),
                        "{template:?} {language:?}: the text lacks {name}"
                    );
                    assert!(
                        unescape(html).contains(value.as_str()),
                        "{template:?} {language:?}: the HTML lacks {name}"
                    );
                    if *name != "username" {
                        assert!(
                            sms.text.contains(value.as_str()),
                            "{template:?} {language:?}: the SMS lacks {name}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn spanish_and_english_differ() {
        let es = full(TemplateId::OtpCode, Language::Es, Channel::Email)
            .render()
            .unwrap();
        let en = full(TemplateId::OtpCode, Language::En, Channel::Email)
            .render()
            .unwrap();
        assert!(es.text.contains("código") && en.text.contains("code"));
        assert_ne!(es.subject, en.subject);
    }

    #[test]
    fn html_escapes_values_and_text_keeps_them() {
        let message = full(TemplateId::NewDevice, Language::En, Channel::Email)
            .with("device", "<script>alert(1)</script>");
        let mut message = message;
        message.tenant = "Pepe & <Phone>".to_owned();
        let rendered = message.render().unwrap();
        let html = rendered.html.unwrap();
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;") && html.contains("Pepe &amp; &lt;Phone&gt;"));
        assert!(rendered.text.contains("<script>alert(1)</script>"));
        assert!(rendered.subject.contains("Pepe & <Phone>"));
    }

    #[test]
    fn a_missing_parameter_is_an_error_not_a_blank() {
        let message = Message::new(
            TemplateId::OtpCode,
            Language::Es,
            Channel::Sms,
            "+34600111222",
            "Yoigo",
        )
        .with("code", "280597");
        match message.render() {
            Err(RenderError::MissingParameter {
                template,
                parameter,
            }) => assert_eq!((template, parameter), ("otp_code", "minutes")),
            other => panic!("{other:?}"),
        }
    }
}
