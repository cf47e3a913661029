//! The `UserInfo` a client sends to `POST /subuser/0` and `PUT /subuser/{id}` (the same
//! [`UserInfoInput`] as for operators), and what it asks of a subscriber: a new one, or the
//! changes to one.
//!
//! As for operators, a change is only what differs from the subscriber as it is (consoles PUT
//! back the whole `UserInfo` they read). A subscriber's `userRole` is `subscriber` and nothing
//! else; its `owner` is its org, which the plane decides (`security::tenant`): a body's `owner`
//! is read and ignored, as are the fields the server decides. `changePassword` is not kept for
//! subscribers: the Credentials API has no forced change at the next sign-in.

use crate::security::dto_subscriber::SUBSCRIBER_ROLE;
use crate::security::error::{Detail, SecurityError};
use crate::security::user_input::{
    ProprietaryInput, UserInfoInput, differs, method_to_turn_on, mobiles, new_notes, notes_of_new,
    password,
};
use latchkey_subscriber::{NewSubscriber, Subscriber, SubscriberChanges};

fn bad(detail: Detail) -> SecurityError {
    SecurityError::bad_request(detail)
}

/// A `userRole` sent must be `subscriber` (any case): 1039 otherwise.
fn check_role(role: Option<&str>) -> Result<(), SecurityError> {
    match role.map(str::trim) {
        None | Some("") => Ok(()),
        Some(role) if role.eq_ignore_ascii_case(SUBSCRIBER_ROLE) => Ok(()),
        Some(_) => Err(bad(Detail::InvalidUserRole)),
    }
}

/// What `POST /subuser/0` asks for. A new subscriber starts without a second factor or
/// mobiles (owsec's rule: MFA is turned on after the factor is proven).
pub fn new_subscriber(
    input: UserInfoInput,
    email_verification: bool,
) -> Result<NewSubscriber, SecurityError> {
    check_role(input.user_role.as_deref())?;
    Ok(NewSubscriber {
        // Checked by the domain (an e-mail address, or 1040).
        email: input.email.unwrap_or_default(),
        password: password(input.current_password.as_deref()),
        name: input.name.unwrap_or_default(),
        description: input.description.unwrap_or_default(),
        locale: input.locale.unwrap_or_default(),
        location: input.location.unwrap_or_default(),
        notes: notes_of_new(input.notes),
        waiting_for_email_check: email_verification,
    })
}

/// `Some(new)` when `sent` is there and differs from `current` once trimmed.
fn text_change(sent: Option<&String>, current: &str) -> Option<String> {
    sent.filter(|s| s.trim() != current).cloned()
}

/// What `PUT /subuser/{id}` asks to change on `current`: only the fields that differ.
pub fn changes(
    input: &UserInfoInput,
    current: &Subscriber,
) -> Result<SubscriberChanges, SecurityError> {
    check_role(input.user_role.as_deref())?;
    let profile = &current.profile;
    // A name never given reads as the username: sent back, it is no change.
    let name = input.name.as_ref().filter(|n| {
        !(profile.name.is_empty() && n.as_str() == current.credential.username.as_str())
    });
    let mut changes = SubscriberChanges {
        name: text_change(name, &profile.name),
        description: text_change(input.description.as_ref(), &profile.description),
        location: text_change(input.location.as_ref(), &profile.location),
        locale: text_change(input.locale.as_ref(), &profile.locale),
        suspended: differs(input.suspended.as_ref(), &current.suspended()),
        blacklisted: differs(input.black_listed.as_ref(), &profile.blacklisted),
        notes: new_notes(input.notes.as_deref().unwrap_or_default(), &profile.notes),
        password: password(input.current_password.as_deref()),
        ..SubscriberChanges::default()
    };
    if let Some(info) = &input.user_type_proprietary_info {
        second_factor(info, current, &mut changes)?;
    }
    Ok(changes)
}

/// The second factor and mobiles asked for: SMS or e-mail can be turned on here (SMS with a
/// mobile); the authenticator only stays. A read-back of what the subscriber shows is no
/// change, including `enabled` without a method (`require2fa` set through the Credentials
/// API).
fn second_factor(
    info: &ProprietaryInput,
    current: &Subscriber,
    changes: &mut SubscriberChanges,
) -> Result<(), SecurityError> {
    let profile = &current.profile;
    let mobiles_now = match &info.mobiles {
        Some(sent) => {
            let sent = mobiles(sent, &profile.mobiles)?;
            changes.mobiles = differs(Some(&sent), &profile.mobiles);
            sent
        }
        None => profile.mobiles.clone(),
    };
    let Some(mfa) = &info.mfa else {
        return Ok(());
    };
    let method = mfa.method.as_deref().map(str::trim).unwrap_or_default();
    let wanted = if !mfa.enabled {
        None
    } else if method.is_empty() && profile.mfa.is_none() && current.credential.require2fa {
        return Ok(());
    } else {
        Some(method_to_turn_on(Some(method), profile.mfa, &mobiles_now)?)
    };
    if wanted.is_none() {
        // Off, including a second factor the Credentials API turned on (`require2fa`).
        if profile.mfa.is_some() || current.credential.require2fa {
            changes.mfa = Some(None);
        }
        return Ok(());
    }
    changes.mfa = differs(Some(&wanted), &profile.mfa);
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;
    use crate::security::dto_subscriber::test_subscriber;
    use latchkey_operator::MfaMethod;

    fn eva() -> Subscriber {
        test_subscriber::eva("eva@example.com")
    }

    fn input(json: serde_json::Value) -> UserInfoInput {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_read_back_user_info_changes_nothing() {
        let eva = eva();
        let sent = serde_json::to_value(crate::security::dto::UserInfo::subscriber(&eva)).unwrap();
        let changes = changes(&input(sent), &eva).unwrap();
        assert!(changes.is_empty(), "{changes:?}");
    }

    #[test]
    fn only_what_differs_is_a_change() {
        let eva = eva();
        let sent = input(serde_json::json!({
            "name": "Eva", "locale": "es", "suspended": true, "owner": "elsewhere",
            "notes": [{"note": "moved"}, {"note": " "}], "currentPassword": "n3w-Passw0rd!",
        }));
        let changes = changes(&sent, &eva).unwrap();
        assert_eq!(changes.name.as_deref(), Some("Eva"));
        assert_eq!(changes.locale, None);
        assert_eq!(changes.suspended, Some(true));
        assert_eq!(changes.notes, vec!["moved".to_owned()]);
        assert!(changes.password.is_some());
    }

    #[test]
    fn bad_fields_are_400_with_their_detail() {
        let eva = eva();
        let role = changes(&input(serde_json::json!({"userRole": "admin"})), &eva);
        assert!(role.unwrap_err().to_string().starts_with("1039:"));
        let mfa = |m: serde_json::Value| {
            changes(
                &input(serde_json::json!({"userTypeProprietaryInfo": m})),
                &eva,
            )
        };
        let totp = mfa(serde_json::json!({"mfa": {"enabled": true, "method": "authenticator"}}));
        assert!(totp.unwrap_err().to_string().starts_with("1045:"));
        let sms = mfa(serde_json::json!({"mfa": {"enabled": true, "method": "sms"}}));
        assert!(sms.unwrap_err().to_string().starts_with("1044:"));
        let number = mfa(serde_json::json!({"mobiles": [{"number": "12"}]}));
        assert!(number.unwrap_err().to_string().starts_with("1115:"));
        let email = mfa(serde_json::json!({"mfa": {"enabled": true, "method": "email"}}));
        assert_eq!(email.unwrap().mfa, Some(Some(MfaMethod::Email)));
    }

    #[test]
    fn a_new_subscriber_has_the_subscriber_role() {
        let new = new_subscriber(
            input(
                serde_json::json!({"email": "Bo@Example.com", "userRole": "SUBSCRIBER",
                "currentPassword": "x", "notes": [{"note": "hi"}]}),
            ),
            true,
        )
        .unwrap();
        assert_eq!(new.email, "Bo@Example.com");
        assert!(new.password.is_some() && new.waiting_for_email_check);
        assert_eq!(new.notes, vec!["hi".to_owned()]);
        let admin = new_subscriber(
            input(serde_json::json!({"email": "a@b.c", "userRole": "admin"})),
            false,
        );
        assert!(admin.unwrap_err().to_string().starts_with("1039:"));
    }
}
