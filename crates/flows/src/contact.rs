//! Where a credential's messages may go: its own contacts, never an address a caller makes up.

use latchkey_credential::{Credential, Username, UsernameKind};
use latchkey_notify::Channel;

/// One way to reach the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub channel: Channel,
    /// The e-mail address or E.164 number.
    pub address: String,
}

/// Why no contact was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactError {
    /// The hint is not one of the credential's contacts.
    NotAContact,
    /// The credential has no contact at all (a plain username and no MSISDN).
    NoContact,
}

/// The credential's contacts, in order of preference: its username when that is an e-mail
/// address or an MSISDN, then its MSISDN.
pub fn contacts(credential: &Credential) -> Vec<Contact> {
    let mut all = Vec::with_capacity(2);
    let username = &credential.username;
    match username.kind() {
        UsernameKind::Email => all.push(Contact {
            channel: Channel::Email,
            address: username.as_str().to_owned(),
        }),
        UsernameKind::Msisdn => all.push(Contact {
            channel: Channel::Sms,
            address: username.as_str().to_owned(),
        }),
        UsernameKind::Plain => {}
    }
    if let Some(msisdn) = &credential.attrs.msisdn
        && !all.iter().any(|c| c.address == msisdn.as_str())
    {
        all.push(Contact {
            channel: Channel::Sms,
            address: msisdn.as_str().to_owned(),
        });
    }
    all
}

/// The contact a message goes to: the one the hint names (an e-mail address, compared without
/// case, or an MSISDN), or the first contact when there is no hint.
pub fn choose(credential: &Credential, hint: Option<&str>) -> Result<Contact, ContactError> {
    let all = contacts(credential);
    match hint.map(str::trim).filter(|h| !h.is_empty()) {
        None => all.into_iter().next().ok_or(ContactError::NoContact),
        Some(hint) => {
            // Normalised as a username is: e-mail addresses lower-cased, numbers trimmed.
            let hint = Username::parse(hint).map_err(|_| ContactError::NotAContact)?;
            all.into_iter()
                .find(|c| c.address == hint.as_str())
                .ok_or(ContactError::NotAContact)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use latchkey_credential::CredentialAttrs;
    use time::macros::datetime;
    use uuid::Uuid;

    fn credential(username: &str, msisdn: Option<&str>) -> Credential {
        Credential::new(
            Uuid::nil(),
            Username::parse(username).unwrap(),
            CredentialAttrs::parse(None, None, msisdn).unwrap(),
            datetime!(2025-01-15 10:30:00 UTC),
        )
    }

    fn email(address: &str) -> Contact {
        Contact {
            channel: Channel::Email,
            address: address.to_owned(),
        }
    }

    fn sms(number: &str) -> Contact {
        Contact {
            channel: Channel::Sms,
            address: number.to_owned(),
        }
    }

    #[test]
    fn contacts_are_the_username_then_the_msisdn() {
        let ana = credential("Ana@Example.com", Some("+34600111222"));
        assert_eq!(
            contacts(&ana),
            vec![email("ana@example.com"), sms("+34600111222")]
        );
        assert_eq!(
            contacts(&credential("+34600111222", Some("+34600111222"))),
            vec![sms("+34600111222")],
            "the same number once"
        );
        assert_eq!(
            contacts(&credential("customer-42", Some("+34600111222"))),
            vec![sms("+34600111222")]
        );
        assert!(contacts(&credential("customer-42", None)).is_empty());
    }

    #[test]
    fn a_hint_must_name_one_of_the_contacts() {
        let ana = credential("ana@example.com", Some("+34600111222"));
        assert_eq!(choose(&ana, None), Ok(email("ana@example.com")));
        assert_eq!(choose(&ana, Some("  ")), Ok(email("ana@example.com")));
        assert_eq!(
            choose(&ana, Some(" ANA@example.COM ")),
            Ok(email("ana@example.com"))
        );
        assert_eq!(choose(&ana, Some("+34600111222")), Ok(sms("+34600111222")));
        for stranger in ["eve@example.com", "+34600999999", "ana", "not an address@"] {
            assert_eq!(
                choose(&ana, Some(stranger)),
                Err(ContactError::NotAContact),
                "{stranger}"
            );
        }
        let plain = credential("customer-42", None);
        assert_eq!(choose(&plain, None), Err(ContactError::NoContact));
        assert_eq!(
            choose(&plain, Some("customer-42")),
            Err(ContactError::NotAContact),
            "a plain username is not an address"
        );
    }
}
