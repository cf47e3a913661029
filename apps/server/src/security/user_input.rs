//! The `UserInfo` a client sends to `POST /user/0` and `PUT /user/{id}`, and what it asks for:
//! a new operator, or the changes to an existing one.
//!
//! A change is only what differs from the operator as it is: clients (the consoles) PUT back the
//! whole `UserInfo` they read with one field edited, and a field the caller may not set (its own
//! `userRole`, say) must not be refused when it was sent back unchanged. Fields the server
//! decides (`id`, `created`, `validated`, `lastLogin`, ...) are read and ignored.

use crate::security::error::{Detail, SecurityError};
use latchkey_core::OrgId;
use latchkey_credential::{Msisdn, Password};
use latchkey_operator::{
    MfaMethod, Mobile, NewOperator, Note, Operator, OperatorChanges, OperatorEmail, Role,
};
use serde::Deserialize;

/// The fields of the definition's `UserInfo` that a client may ask for; every one optional.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserInfoInput {
    pub email: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub location: Option<String>,
    pub locale: Option<String>,
    pub owner: Option<String>,
    pub user_role: Option<String>,
    pub suspended: Option<bool>,
    #[serde(rename = "blackListed")]
    pub black_listed: Option<bool>,
    pub change_password: Option<bool>,
    /// The password to set (owsec's CLI sends the initial password here).
    pub current_password: Option<String>,
    pub notes: Option<Vec<NoteInput>>,
    pub user_type_proprietary_info: Option<ProprietaryInput>,
}

/// A `NoteInfo` sent by a client: new when only `note` is set, a read-back otherwise.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NoteInput {
    pub note: Option<String>,
    pub created: Option<i64>,
    pub created_by: Option<String>,
}

/// `userTypeProprietaryInfo`: the second factor and the mobiles.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ProprietaryInput {
    pub mfa: Option<MfaInput>,
    pub mobiles: Option<Vec<MobileInput>>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct MfaInput {
    #[serde(default)]
    pub enabled: bool,
    pub method: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct MobileInput {
    pub number: String,
    #[serde(default)]
    pub primary: bool,
}

/// The role of a new operator whose body names none (owsec's CLI `createuser` sends none): the
/// role that may do least, itself only.
pub const DEFAULT_ROLE: Role = Role::Subscriber;

fn bad(detail: Detail) -> SecurityError {
    SecurityError::bad_request(detail)
}

fn role(raw: &str) -> Result<Role, SecurityError> {
    Role::parse(raw).map_err(|_| bad(Detail::InvalidUserRole))
}

/// `""` is no org; anything else must be an org id.
fn owner(raw: &str) -> Result<Option<OrgId>, SecurityError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    OrgId::parse(raw)
        .map(Some)
        .map_err(|_| bad(Detail::MissingOrInvalidParameters))
}

/// What `POST /user/0` asks for. The owner is `entity` (owsec's query parameter), else the
/// body's `owner`, else the caller's own org: the domain refuses an org the caller may not
/// create in. A new operator starts without a second factor (owsec's rule: MFA is turned on by
/// its owner, after proving the factor).
pub fn new_operator(
    input: UserInfoInput,
    actor: &Operator,
    entity: Option<&str>,
    email_verification: bool,
) -> Result<NewOperator, SecurityError> {
    let email = input.email.as_deref().unwrap_or_default();
    let email = OperatorEmail::parse(email).map_err(|_| bad(Detail::InvalidEmailAddress))?;
    let role = match input.user_role.as_deref() {
        None => DEFAULT_ROLE,
        Some(raw) => role(raw)?,
    };
    let owner = match entity.or(input.owner.as_deref()) {
        Some(raw) if !raw.trim().is_empty() => owner(raw)?,
        _ => actor.owner.clone(),
    };
    let name = match input.name.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => email.as_str().to_owned(),
    };
    let password = password(input.current_password.as_deref());
    let notes = notes_of_new(input.notes);
    Ok(NewOperator {
        email,
        name,
        description: input.description.unwrap_or_default(),
        role,
        owner,
        locale: input.locale.unwrap_or_default(),
        location: input.location.unwrap_or_default(),
        password,
        change_password: input.change_password.unwrap_or(false),
        notes,
        mfa: None,
        mobiles: Vec::new(),
        waiting_for_email_check: email_verification,
    })
}

/// The password a body sets (`currentPassword`, for an operator and a subscriber alike): an
/// empty one is none.
pub(crate) fn password(sent: Option<&str>) -> Option<Password> {
    sent.filter(|p| !p.is_empty()).map(Password::new)
}

/// The notes of a new operator or subscriber: those sent with text.
pub(crate) fn notes_of_new(sent: Option<Vec<NoteInput>>) -> Vec<String> {
    sent.unwrap_or_default()
        .into_iter()
        .filter_map(|n| n.note.filter(|t| !t.trim().is_empty()))
        .collect()
}

/// `Some(new)` when `sent` is there and differs from `current`.
pub(crate) fn differs<T: PartialEq + Clone>(sent: Option<&T>, current: &T) -> Option<T> {
    sent.filter(|s| *s != current).cloned()
}

fn text_change(sent: Option<&String>, current: &str) -> Option<String> {
    sent.filter(|s| s.as_str() != current).cloned()
}

/// What `PUT /user/{id}` asks to change on `current`: only the fields that differ.
pub fn changes(
    input: &UserInfoInput,
    current: &Operator,
) -> Result<OperatorChanges, SecurityError> {
    let mut changes = OperatorChanges {
        name: text_change(input.name.as_ref(), &current.name),
        description: text_change(input.description.as_ref(), &current.description),
        location: text_change(input.location.as_ref(), &current.location),
        locale: text_change(input.locale.as_ref(), &current.locale),
        suspended: differs(input.suspended.as_ref(), &current.suspended),
        blacklisted: differs(input.black_listed.as_ref(), &current.blacklisted),
        change_password: differs(input.change_password.as_ref(), &current.change_password),
        ..OperatorChanges::default()
    };
    if let Some(raw) = &input.user_role {
        changes.role = differs(Some(&role(raw)?), &current.role);
    }
    if let Some(raw) = &input.owner {
        changes.owner = differs(Some(&owner(raw)?), &current.owner);
    }
    if let Some(sent) = &input.notes {
        changes.notes = new_notes(sent, &current.notes);
    }
    if let Some(password) = password(input.current_password.as_deref()) {
        changes.password = Some(password);
    }
    if let Some(info) = &input.user_type_proprietary_info {
        second_factor(info, current, &mut changes)?;
    }
    Ok(changes)
}

/// The notes of `sent` that are not read-backs of `existing` (same text and, where sent, the
/// same time and author), with text. An operator's and a subscriber's notes are read alike.
pub(crate) fn new_notes(sent: &[NoteInput], existing: &[Note]) -> Vec<String> {
    sent.iter()
        .filter_map(|n| {
            let text = n.note.as_deref().filter(|t| !t.trim().is_empty())?;
            let read_back = (n.created.is_some() || n.created_by.is_some())
                && existing.iter().any(|e| {
                    e.note == text
                        && n.created.is_none_or(|c| c == e.created.unix_timestamp())
                        && n.created_by.as_deref().is_none_or(|b| b == e.created_by)
                });
            (!read_back).then(|| text.to_owned())
        })
        .collect()
}

/// The mobiles as sent, in order, each keeping whether it was verified (a client cannot
/// declare a number verified): an operator's and a subscriber's alike.
pub(crate) fn mobiles(
    sent: &[MobileInput],
    current: &[Mobile],
) -> Result<Vec<Mobile>, SecurityError> {
    sent.iter()
        .map(|m| {
            let number =
                Msisdn::parse(&m.number).map_err(|_| bad(Detail::CannotValidatePhoneNumber))?;
            let verified = current.iter().any(|c| c.number == number && c.verified);
            Ok(Mobile {
                number,
                verified,
                primary: m.primary,
            })
        })
        .collect()
}

/// The second factor and mobiles asked for. Only SMS and e-mail can be turned on here (the
/// authenticator is set up through `/totp`); SMS needs a mobile.
fn second_factor(
    info: &ProprietaryInput,
    current: &Operator,
    changes: &mut OperatorChanges,
) -> Result<(), SecurityError> {
    let mobiles_now = match &info.mobiles {
        Some(sent) => {
            let sent = mobiles(sent, &current.mobiles)?;
            changes.mobiles = differs(Some(&sent), &current.mobiles);
            sent
        }
        None => current.mobiles.clone(),
    };
    if let Some(mfa) = &info.mfa {
        let wanted = if mfa.enabled {
            Some(method_to_turn_on(
                mfa.method.as_deref(),
                current.mfa,
                &mobiles_now,
            )?)
        } else {
            None
        };
        changes.mfa = differs(Some(&wanted), &current.mfa);
    }
    Ok(())
}

/// The second factor a client turns on (an operator's or a subscriber's): SMS or e-mail, SMS
/// only with a mobile (`1044`); the authenticator only where it is already the one (it is set
/// up through `/totp` or `/subtotp`); anything else is `1045`.
pub(crate) fn method_to_turn_on(
    sent: Option<&str>,
    current: Option<MfaMethod>,
    mobiles: &[Mobile],
) -> Result<MfaMethod, SecurityError> {
    let method = sent
        .and_then(MfaMethod::parse)
        .ok_or_else(|| bad(Detail::BadMfaMethod))?;
    if method == MfaMethod::Authenticator && current != Some(method) {
        return Err(bad(Detail::BadMfaMethod));
    }
    if method == MfaMethod::Sms && mobiles.is_empty() {
        return Err(bad(Detail::NeedMobileNumber));
    }
    Ok(method)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;
    use latchkey_testkit::fixtures;

    fn ana() -> Operator {
        let mut ana = fixtures::operator(Uuid::nil(), "ana@example.com", Role::Admin);
        ana.owner = Some(OrgId::parse("masmovil").unwrap());
        ana.notes = vec![Note {
            created: fixtures::T0,
            created_by: "root@example.com".to_owned(),
            note: "hired".to_owned(),
        }];
        ana
    }

    fn input(json: serde_json::Value) -> UserInfoInput {
        serde_json::from_value(json).unwrap()
    }

    fn code(error: SecurityError) -> String {
        error.to_string()
    }

    use uuid::Uuid;

    #[test]
    fn a_read_back_user_info_changes_nothing() {
        let ana = ana();
        let sent = input(serde_json::json!({
            "id": ana.id, "email": "ana@example.com", "name": ana.name, "description": "",
            "location": "", "locale": "en", "owner": "masmovil", "userRole": "ADMIN",
            "suspended": false, "blackListed": false, "changePassword": false,
            "notes": [{"created": fixtures::T0.unix_timestamp(), "createdBy": "root@example.com", "note": "hired"}],
            "userTypeProprietaryInfo": {"mfa": {"enabled": false, "method": ""}, "mobiles": []},
            "validated": true, "lastLogin": 0, "currentPassword": "",
        }));
        let changes = changes(&sent, &ana).unwrap();
        assert_eq!(
            format!("{changes:?}"),
            format!("{:?}", OperatorChanges::default())
        );
    }

    #[test]
    fn only_what_differs_is_a_change() {
        let ana = ana();
        let sent = input(serde_json::json!({
            "name": "Ana B", "userRole": "csr", "suspended": true, "owner": "",
            "notes": [{"note": "moved to support"}, {"note": "  "}],
        }));
        let changes = changes(&sent, &ana).unwrap();
        assert_eq!(changes.name.as_deref(), Some("Ana B"));
        assert_eq!(changes.role, Some(Role::Csr));
        assert_eq!(changes.suspended, Some(true));
        assert_eq!(changes.owner, Some(None));
        assert_eq!(changes.notes, vec!["moved to support".to_owned()]);
        assert_eq!(changes.description, None);
        assert_eq!(changes.blacklisted, None);
    }

    #[test]
    fn bad_fields_are_400_with_their_detail() {
        let ana = ana();
        let role = changes(&input(serde_json::json!({"userRole": "god"})), &ana).unwrap_err();
        assert!(code(role).starts_with("1039:"));
        let owner = changes(&input(serde_json::json!({"owner": "Not An Org"})), &ana).unwrap_err();
        assert!(code(owner).starts_with("1018:"));
        let mfa = |m: serde_json::Value| {
            changes(
                &input(serde_json::json!({"userTypeProprietaryInfo": m})),
                &ana,
            )
        };
        let totp = mfa(serde_json::json!({"mfa": {"enabled": true, "method": "authenticator"}}));
        assert!(code(totp.unwrap_err()).starts_with("1045:"));
        let sms = mfa(serde_json::json!({"mfa": {"enabled": true, "method": "sms"}}));
        assert!(code(sms.unwrap_err()).starts_with("1044:"));
        let number = mfa(serde_json::json!({"mobiles": [{"number": "12"}]}));
        assert!(code(number.unwrap_err()).starts_with("1115:"));
    }

    #[test]
    fn mobiles_keep_their_verification_and_sms_needs_one() {
        let mut ana = ana();
        let verified = Msisdn::parse("+34600000001").unwrap();
        ana.mobiles = vec![Mobile {
            number: verified.clone(),
            verified: true,
            primary: true,
        }];
        let sent = input(serde_json::json!({"userTypeProprietaryInfo": {
            "mfa": {"enabled": true, "method": "sms"},
            "mobiles": [{"number": "+34600000001", "verified": true, "primary": true},
                        {"number": "+34600000002", "verified": true}],
        }}));
        let changes = changes(&sent, &ana).unwrap();
        assert_eq!(changes.mfa, Some(Some(MfaMethod::Sms)));
        let mobiles = changes.mobiles.unwrap();
        assert!(mobiles[0].verified, "kept");
        assert!(
            !mobiles[1].verified,
            "a client cannot declare a number verified"
        );
    }

    #[test]
    fn a_new_operator_takes_the_entity_else_the_body_else_the_callers_org() {
        let ana = ana();
        let body = || {
            input(serde_json::json!({
                "id": "0", "email": "Bo@Example.com", "currentPassword": "x", "changePassword": true,
                "owner": "yoigo", "notes": [{"note": "new"}],
            }))
        };
        let new = new_operator(body(), &ana, None, true).unwrap();
        assert_eq!(new.email.as_str(), "bo@example.com");
        assert_eq!(new.name, "bo@example.com", "the e-mail when no name");
        assert_eq!(new.role, DEFAULT_ROLE);
        assert_eq!(new.owner.as_ref().map(OrgId::as_str), Some("yoigo"));
        assert!(new.change_password && new.waiting_for_email_check);
        assert_eq!(new.password.as_ref().map(Password::expose), Some("x"));
        assert_eq!(new.notes, vec!["new".to_owned()]);
        let entity = new_operator(body(), &ana, Some("masmovil"), false).unwrap();
        assert_eq!(entity.owner.as_ref().map(OrgId::as_str), Some("masmovil"));
        let bare = input(serde_json::json!({"email": "c@example.com"}));
        let own = new_operator(bare, &ana, None, false).unwrap();
        assert_eq!(own.owner, ana.owner);
        assert!(own.password.is_none());
        let bad_email = new_operator(
            input(serde_json::json!({"email": "nope"})),
            &ana,
            None,
            false,
        );
        assert!(code(bad_email.unwrap_err()).starts_with("1040:"));
    }
}
