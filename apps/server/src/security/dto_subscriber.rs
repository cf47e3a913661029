//! `UserInfo` of a subscriber: its credential (id, username, enabled, e-mail proof, sign-ins)
//! and the profile beside it (name, notes, MFA method, mobiles, sign-up). As for operators, no
//! field ever carries a password, a hash or a secret.

use crate::security::dto::{
    MfaAuthInfo, MobilePhoneNumber, NoteInfo, UserInfo, UserLoginExtensions,
};
use latchkey_core::Timestamp;
use latchkey_subscriber::Subscriber;

/// The `userRole` every subscriber has.
pub const SUBSCRIBER_ROLE: &str = "subscriber";

fn epoch(t: Timestamp) -> i64 {
    t.unix_timestamp()
}

impl UserInfo {
    /// A subscriber as the definition shows it. `owner` is its org; `email` its username;
    /// `suspended` that its credential is disabled (also before it has a password); `name`
    /// the username when its profile has none (a credential created through the Credentials
    /// API).
    pub fn subscriber(s: &Subscriber) -> UserInfo {
        let (credential, profile) = (&s.credential, &s.profile);
        let username = credential.username.as_str().to_owned();
        let verified = credential.email_verified_at;
        let name = if profile.name.is_empty() {
            username.clone()
        } else {
            profile.name.clone()
        };
        let mfa = match profile.mfa {
            Some(method) => MfaAuthInfo::from(Some(method)),
            // `require2fa` set through the Credentials API: a second factor is asked, by the
            // channel the login server picks.
            None => MfaAuthInfo {
                enabled: credential.require2fa,
                method: String::new(),
            },
        };
        UserInfo {
            id: credential.id.to_string(),
            name,
            description: profile.description.clone(),
            avatar: String::new(),
            validated: verified.is_some(),
            validation_email: if verified.is_some() {
                username.clone()
            } else {
                String::new()
            },
            email: username,
            validation_date: verified.map_or(0, epoch),
            created: epoch(credential.created_at),
            validation_uri: String::new(),
            change_password: false,
            last_login: credential.last_login_at.map_or(0, epoch),
            current_login_uri: String::new(),
            last_password_change: 0,
            last_email_check: verified.map_or(0, epoch),
            current_password: String::new(),
            last_passwords: Vec::new(),
            // Until the address is proven (a link e-mailed to it was followed).
            waiting_for_email_check: profile.waiting_for_email_check && verified.is_none(),
            notes: profile.notes.iter().map(NoteInfo::from).collect(),
            location: profile.location.clone(),
            owner: s.org.as_str().to_owned(),
            suspended: !credential.enabled,
            black_listed: profile.blacklisted,
            locale: profile.locale.clone(),
            user_role: SUBSCRIBER_ROLE.to_owned(),
            oauth_type: "normal".to_owned(),
            oauth_user_info: String::new(),
            security_policy: String::new(),
            security_policy_change: 0,
            modified: epoch(profile.modified.max(credential.updated_at)),
            user_type_proprietary_info: UserLoginExtensions {
                mobiles: profile
                    .mobiles
                    .iter()
                    .map(MobilePhoneNumber::from)
                    .collect(),
                mfa,
            },
            signup_uuid: profile
                .signup
                .as_ref()
                .map(|s| s.uuid.to_string())
                .unwrap_or_default(),
        }
    }
}

/// The subscriber the unit tests of the security plane start from.
#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
pub(crate) mod test_subscriber {
    use latchkey_core::OrgId;
    use latchkey_credential::{Credential, CredentialAttrs, Username};
    use latchkey_operator::Note;
    use latchkey_subscriber::{Subscriber, SubscriberProfile};
    use time::macros::datetime;
    use uuid::Uuid;

    /// When the fixture was created, and its note written.
    pub(crate) const AT: time::OffsetDateTime = datetime!(2026-01-02 03:04:05 UTC);

    /// `username` of org `acme` (id nil), enabled, locale `es`, with one note by a CSR; no
    /// password, no second factor, the address not proven.
    pub(crate) fn eva(username: &str) -> Subscriber {
        let mut credential = Credential::new(
            Uuid::nil(),
            Username::parse(username).unwrap(),
            CredentialAttrs::default(),
            AT,
        );
        credential.enabled = true;
        let mut profile = SubscriberProfile::new(credential.id, AT);
        profile.locale = "es".into();
        profile.notes.push(Note {
            created: AT,
            created_by: "csr@example.com".into(),
            note: "called".into(),
        });
        Subscriber {
            org: OrgId::parse("acme").unwrap(),
            credential,
            profile,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;
    use latchkey_credential::PasswordHash;
    use latchkey_operator::MfaMethod;
    use uuid::Uuid;

    /// Eva with a password, a proven address and an e-mailed second factor.
    fn subscriber() -> Subscriber {
        let mut eva = test_subscriber::eva("Eva@Example.com");
        eva.credential.require2fa = true;
        eva.credential.password_hash = Some(PasswordHash::from_phc(
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo".to_owned(),
        ));
        eva.credential.email_verified_at = Some(test_subscriber::AT);
        eva.profile.mfa = Some(MfaMethod::Email);
        eva
    }

    #[test]
    fn a_subscriber_reads_as_user_info_without_secrets() {
        let json = serde_json::to_value(UserInfo::subscriber(&subscriber())).unwrap();
        assert_eq!(json["id"], Uuid::nil().to_string());
        assert_eq!(json["email"], "eva@example.com");
        assert_eq!(
            json["name"], "eva@example.com",
            "the username without a name"
        );
        assert_eq!(json["userRole"], "subscriber");
        assert_eq!(json["owner"], "acme");
        assert_eq!(json["validated"], true);
        assert_eq!(json["suspended"], false);
        assert_eq!(json["locale"], "es");
        assert_eq!(json["created"], 1_767_323_045);
        assert_eq!(json["notes"][0]["createdBy"], "csr@example.com");
        assert_eq!(json["userTypeProprietaryInfo"]["mfa"]["enabled"], true);
        assert_eq!(json["userTypeProprietaryInfo"]["mfa"]["method"], "email");
        assert_eq!(json["currentPassword"], "");
        assert!(!json.to_string().contains("argon2"), "{json}");
    }

    #[test]
    fn a_disabled_credential_is_suspended() {
        let mut s = subscriber();
        s.credential.enabled = false;
        s.profile.mfa = None;
        s.credential.require2fa = false;
        let json = serde_json::to_value(UserInfo::subscriber(&s)).unwrap();
        assert_eq!(json["suspended"], true);
        assert_eq!(json["userTypeProprietaryInfo"]["mfa"]["enabled"], false);
        assert_eq!(json["userTypeProprietaryInfo"]["mfa"]["method"], "");
    }
}
