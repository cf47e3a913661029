//! The definition's shapes of the operator plane, built from domain values: `UserInfo` from an
//! [`Operator`], `WebTokenResult` from a sign-in, `TokenValidationResult` for sibling services.
//!
//! `UserInfo` carries every field of the definition that an operator has; the fields that
//! would hold a secret (`currentPassword`, `lastPasswords`, the authenticator's secret) are
//! always empty: no password, hash or secret ever leaves through it.

use latchkey_core::Timestamp;
use latchkey_operator::{MfaMethod, Mobile, Note, Operator};
use serde::Serialize;

fn epoch(t: Timestamp) -> i64 {
    t.unix_timestamp()
}

/// A note on an operator (`NoteInfo`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NoteInfo {
    /// Seconds since the epoch.
    pub created: i64,
    /// The e-mail of the operator who wrote it.
    pub created_by: String,
    pub note: String,
}

impl From<&Note> for NoteInfo {
    fn from(note: &Note) -> Self {
        Self {
            created: epoch(note.created),
            created_by: note.created_by.clone(),
            note: note.note.clone(),
        }
    }
}

/// A mobile number (`MobilePhoneNumber`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MobilePhoneNumber {
    /// E.164, with its `+`.
    pub number: String,
    pub verified: bool,
    pub primary: bool,
}

impl From<&Mobile> for MobilePhoneNumber {
    fn from(mobile: &Mobile) -> Self {
        Self {
            number: mobile.number.as_str().to_owned(),
            verified: mobile.verified,
            primary: mobile.primary,
        }
    }
}

/// The second factor asked at sign-in (`MfaAuthInfo`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MfaAuthInfo {
    pub enabled: bool,
    /// `sms`, `email` or `authenticator`; empty when not enabled.
    pub method: String,
}

impl From<Option<MfaMethod>> for MfaAuthInfo {
    fn from(method: Option<MfaMethod>) -> Self {
        Self {
            enabled: method.is_some(),
            method: method.map(MfaMethod::as_str).unwrap_or_default().to_owned(),
        }
    }
}

/// `UserLoginLoginExtensions`, without the authenticator's secret.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserLoginExtensions {
    pub mobiles: Vec<MobilePhoneNumber>,
    pub mfa: MfaAuthInfo,
}

/// An operator as the definition shows it (`UserInfo`). Times are seconds since the epoch (0:
/// never).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    #[schema(format = Uuid)]
    pub id: String,
    pub name: String,
    pub description: String,
    /// The URI of the avatar, when there is one, in the answers about one user (`?me=true`,
    /// `GET /user/{id}`); empty otherwise (lists do not look avatars up).
    pub avatar: String,
    pub email: String,
    /// The e-mail address was proved through a verification link.
    pub validated: bool,
    pub validation_email: String,
    pub validation_date: i64,
    pub created: i64,
    #[serde(rename = "validationURI")]
    pub validation_uri: String,
    /// The next sign-in must set a new password.
    pub change_password: bool,
    pub last_login: i64,
    #[serde(rename = "currentLoginURI")]
    pub current_login_uri: String,
    pub last_password_change: i64,
    pub last_email_check: i64,
    /// Never the password: always empty.
    pub current_password: String,
    /// Never the earlier passwords or their hashes: always empty.
    pub last_passwords: Vec<String>,
    pub waiting_for_email_check: bool,
    pub notes: Vec<NoteInfo>,
    pub location: String,
    /// The org the operator administers (empty: none).
    pub owner: String,
    pub suspended: bool,
    pub black_listed: bool,
    pub locale: String,
    /// `root`, `admin`, `subscriber`, `csr`, `system`, `installer`, `noc`, `accounting` or
    /// `partner`.
    pub user_role: String,
    /// Always `normal`: operators sign in with a password here.
    pub oauth_type: String,
    pub oauth_user_info: String,
    pub security_policy: String,
    pub security_policy_change: i64,
    pub modified: i64,
    pub user_type_proprietary_info: UserLoginExtensions,
    #[serde(rename = "signupUUID")]
    pub signup_uuid: String,
}

impl From<&Operator> for UserInfo {
    fn from(o: &Operator) -> Self {
        Self {
            id: o.id.to_string(),
            name: o.name.clone(),
            description: o.description.clone(),
            avatar: String::new(),
            email: o.email.to_string(),
            validated: o.validated,
            validation_email: if o.validated {
                o.email.to_string()
            } else {
                String::new()
            },
            validation_date: o.validation_date.map_or(0, epoch),
            created: epoch(o.created),
            validation_uri: String::new(),
            change_password: o.change_password,
            last_login: o.last_login.map_or(0, epoch),
            current_login_uri: String::new(),
            last_password_change: epoch(o.last_password_change),
            last_email_check: o.validation_date.map_or(0, epoch),
            current_password: String::new(),
            last_passwords: Vec::new(),
            waiting_for_email_check: o.waiting_for_email_check,
            notes: o.notes.iter().map(NoteInfo::from).collect(),
            location: o.location.clone(),
            owner: o
                .owner
                .as_ref()
                .map(|org| org.as_str().to_owned())
                .unwrap_or_default(),
            suspended: o.suspended,
            black_listed: o.blacklisted,
            locale: o.locale.clone(),
            user_role: o.role.as_str().to_owned(),
            oauth_type: "normal".to_owned(),
            oauth_user_info: String::new(),
            security_policy: String::new(),
            security_policy_change: 0,
            modified: epoch(o.modified),
            user_type_proprietary_info: UserLoginExtensions {
                mobiles: o.mobiles.iter().map(MobilePhoneNumber::from).collect(),
                mfa: MfaAuthInfo::from(o.mfa),
            },
            signup_uuid: String::new(),
        }
    }
}

/// What the consoles read of an operator's rights at sign-in (`WebTokenAclTemplate`). The
/// rights themselves are enforced by the server whatever this says; it only shapes the UI.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct AclTemplate {
    pub read: bool,
    pub read_write: bool,
    pub read_write_create: bool,
    pub delete: bool,
    pub portal_login: bool,
}

impl AclTemplate {
    /// What owsec answers for every operator.
    pub fn all() -> Self {
        Self {
            read: true,
            read_write: true,
            read_write_create: true,
            delete: true,
            portal_login: true,
        }
    }
}

/// Tokens to use in later calls (`WebTokenResult`). Times are seconds since the epoch;
/// durations seconds.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WebTokenResult {
    pub access_token: String,
    /// Empty where it is not the caller's to have (in `/validateToken`'s answer).
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    pub expires_in: i64,
    /// A refresh token unused this long is refused.
    pub idle_timeout: i64,
    /// The operator's e-mail.
    pub username: String,
    pub created: i64,
    #[serde(rename = "userMustChangePassword")]
    pub user_must_change_password: bool,
    /// Always 0 in a 200.
    #[serde(rename = "errorCode")]
    pub error_code: u16,
    #[serde(rename = "aclTemplate")]
    pub acl_template: AclTemplate,
    #[serde(rename = "lastRefresh")]
    pub last_refresh: i64,
}

/// A live token's operator and the token (`TokenValidationResult`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenValidationResult {
    pub user_info: UserInfo,
    pub token_info: WebTokenResult,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;
    use latchkey_credential::{Msisdn, PasswordHash};
    use latchkey_operator::{OperatorEmail, Role};
    use time::macros::datetime;
    use uuid::Uuid;

    fn operator() -> Operator {
        let at = datetime!(2026-01-02 03:04:05 UTC);
        let hash = PasswordHash::from_phc(
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo".to_owned(),
        );
        Operator {
            id: Uuid::nil(),
            email: OperatorEmail::parse("Ana@Example.com").unwrap(),
            name: "Ana".into(),
            description: String::new(),
            role: Role::Admin,
            owner: Some(latchkey_core::OrgId::parse("acme").unwrap()),
            locale: "en".into(),
            location: String::new(),
            notes: vec![Note {
                created: at,
                created_by: "root@example.com".into(),
                note: "hello".into(),
            }],
            suspended: false,
            blacklisted: false,
            validated: true,
            validation_date: Some(at),
            waiting_for_email_check: false,
            change_password: true,
            mfa: Some(MfaMethod::Sms),
            mobiles: vec![Mobile {
                number: Msisdn::parse("+34600000001").unwrap(),
                verified: true,
                primary: true,
            }],
            last_login: None,
            password: hash.clone(),
            password_history: vec![hash],
            last_password_change: at,
            created: at,
            created_by: "configuration".into(),
            modified: at,
            modified_by: "configuration".into(),
        }
    }

    #[test]
    fn user_info_has_the_definition_fields_and_no_secret() {
        let json = serde_json::to_value(UserInfo::from(&operator())).unwrap();
        assert_eq!(json["email"], "ana@example.com");
        assert_eq!(json["userRole"], "admin");
        assert_eq!(json["owner"], "acme");
        assert_eq!(json["changePassword"], true);
        assert_eq!(json["created"], 1_767_323_045);
        assert_eq!(json["lastLogin"], 0);
        assert_eq!(json["notes"][0]["createdBy"], "root@example.com");
        assert_eq!(json["userTypeProprietaryInfo"]["mfa"]["method"], "sms");
        assert_eq!(
            json["userTypeProprietaryInfo"]["mobiles"][0]["number"],
            "+34600000001"
        );
        assert_eq!(json["currentPassword"], "");
        assert_eq!(json["lastPasswords"], serde_json::json!([]));
        let text = json.to_string();
        assert!(!text.contains("argon2"), "{text}");
        assert!(!text.contains("authenticatorSecret"), "{text}");
    }
}
