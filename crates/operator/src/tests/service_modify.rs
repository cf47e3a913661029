//! `modify`: who may change what, what is appended, what ends sessions.

use super::fakes::Fixture;
use super::{operator, org};
use crate::{MfaMethod, OperatorChanges, OperatorError, Role};
use latchkey_core::Revocation;
use latchkey_credential::{Msisdn, Password};
use time::Duration;

#[tokio::test]
async fn an_operator_edits_its_own_profile_fields() {
    let fx = Fixture::new();
    let me = fx.seed(operator(Role::Installer, Some("acme")), "x").await;
    let later = fx.clock.advance(Duration::hours(1));
    let mobile = crate::Mobile {
        number: Msisdn::parse("+34600000001").unwrap(),
        verified: false,
        primary: true,
    };
    let changes = OperatorChanges {
        name: Some(" Ana ".to_owned()),
        locale: Some("fr-FR".to_owned()),
        // Sent back as they are: no change.
        role: Some(Role::Installer),
        suspended: Some(false),
        owner: Some(Some(org("acme"))),
        mobiles: Some(vec![mobile.clone()]),
        mfa: Some(Some(MfaMethod::Sms)),
        ..OperatorChanges::default()
    };
    let after = fx.service.modify(&me, me.id, changes).await.unwrap();
    assert_eq!(
        (after.name.as_str(), after.locale.as_str()),
        ("Ana", "fr-FR")
    );
    assert_eq!(after.mobiles, vec![mobile]);
    assert_eq!(after.mfa, Some(MfaMethod::Sms));
    assert_eq!(
        (after.modified, after.modified_by.as_str()),
        (later, me.email.as_str())
    );
    assert_eq!(fx.service.find(me.id).await.unwrap().unwrap(), after);
    assert!(
        fx.revocations.heard().is_empty(),
        "a profile edit revokes nothing"
    );
}

#[tokio::test]
async fn nobody_changes_its_own_role_owner_status_notes_or_forced_change() {
    let fx = Fixture::new();
    let root = fx.seed(operator(Role::Root, None), "x").await;
    let refusals = [
        OperatorChanges {
            role: Some(Role::Admin),
            ..OperatorChanges::default()
        },
        OperatorChanges {
            owner: Some(Some(org("acme"))),
            ..OperatorChanges::default()
        },
        OperatorChanges {
            suspended: Some(true),
            ..OperatorChanges::default()
        },
        OperatorChanges {
            blacklisted: Some(true),
            ..OperatorChanges::default()
        },
        OperatorChanges {
            notes: vec!["I am great".to_owned()],
            ..OperatorChanges::default()
        },
        OperatorChanges {
            change_password: Some(true),
            ..OperatorChanges::default()
        },
    ];
    for changes in refusals {
        let refused = fx.service.modify(&root, root.id, changes).await;
        assert!(matches!(refused, Err(OperatorError::AccessDenied)));
    }
    assert_eq!(fx.service.find(root.id).await.unwrap().unwrap(), root);
}

#[tokio::test]
async fn suspending_appends_notes_ends_sessions_and_revokes_tokens() {
    let fx = Fixture::new();
    let admin = fx.seed(operator(Role::Admin, Some("acme")), "x").await;
    let csr = fx.seed(operator(Role::Csr, Some("acme")), "x").await;
    fx.session(csr.id).await;
    let now = fx.clock.advance(Duration::minutes(5));
    let changes = OperatorChanges {
        suspended: Some(true),
        notes: vec!["left the company".to_owned()],
        ..OperatorChanges::default()
    };
    let after = fx.service.modify(&admin, csr.id, changes).await.unwrap();
    assert!(after.suspended);
    let note = after.notes.last().unwrap();
    assert_eq!(note.note, "left the company");
    assert_eq!(
        (note.created, note.created_by.as_str()),
        (now, admin.email.as_str())
    );
    assert_eq!(fx.sessions_of(csr.id), 0);
    assert_eq!(
        fx.revocations.heard(),
        vec![Revocation::Subject(csr.id.to_string())]
    );
}

#[tokio::test]
async fn role_and_owner_changes_end_sessions_and_stay_within_the_actors_rights() {
    let fx = Fixture::new();
    let root = fx.seed(operator(Role::Root, None), "x").await;
    let admin = fx.seed(operator(Role::Admin, Some("acme")), "x").await;
    let csr = fx.seed(operator(Role::Csr, Some("acme")), "x").await;
    let other_root = fx.seed(operator(Role::Root, Some("acme")), "x").await;
    let promote = |role| OperatorChanges {
        role: Some(role),
        ..OperatorChanges::default()
    };
    for role in [Role::Root, Role::Partner] {
        let refused = fx.service.modify(&admin, csr.id, promote(role)).await;
        assert!(
            matches!(refused, Err(OperatorError::AccessDenied)),
            "{role}"
        );
    }
    let refused = fx
        .service
        .modify(&admin, other_root.id, promote(Role::Csr))
        .await;
    assert!(matches!(refused, Err(OperatorError::AccessDenied)));
    let moved = OperatorChanges {
        owner: Some(Some(org("globex"))),
        ..OperatorChanges::default()
    };
    let refused = fx.service.modify(&admin, csr.id, moved).await;
    assert!(matches!(refused, Err(OperatorError::AccessDenied)));
    assert!(fx.revocations.heard().is_empty());
    let noc = fx
        .service
        .modify(&admin, csr.id, promote(Role::Noc))
        .await
        .unwrap();
    assert_eq!(noc.role, Role::Noc);
    let moved = OperatorChanges {
        owner: Some(Some(org("globex"))),
        ..OperatorChanges::default()
    };
    let moved = fx.service.modify(&root, csr.id, moved).await.unwrap();
    assert_eq!(moved.owner, Some(org("globex")));
    let subject = Revocation::Subject(csr.id.to_string());
    assert_eq!(fx.revocations.heard(), vec![subject.clone(), subject]);
}

#[tokio::test]
async fn the_last_live_root_is_neither_demoted_nor_suspended() {
    let fx = Fixture::new();
    let root = fx.seed(operator(Role::Root, None), "x").await;
    let mut suspended = operator(Role::Root, None);
    suspended.suspended = true;
    let suspended = fx.seed(suspended, "x").await;
    for changes in [
        OperatorChanges {
            role: Some(Role::Admin),
            ..OperatorChanges::default()
        },
        OperatorChanges {
            suspended: Some(true),
            ..OperatorChanges::default()
        },
    ] {
        let refused = fx.service.modify(&suspended, root.id, changes).await;
        assert!(matches!(refused, Err(OperatorError::LastRoot)));
    }
    assert!(fx.revocations.heard().is_empty());
    let revived = OperatorChanges {
        suspended: Some(false),
        ..OperatorChanges::default()
    };
    fx.service
        .modify(&root, suspended.id, revived)
        .await
        .unwrap();
    let demoted = OperatorChanges {
        role: Some(Role::Admin),
        ..OperatorChanges::default()
    };
    let after = fx
        .service
        .modify(&suspended, root.id, demoted)
        .await
        .unwrap();
    assert_eq!(after.role, Role::Admin);
}

#[tokio::test]
async fn a_new_password_follows_the_policy_and_history_and_ends_sessions() {
    let fx = Fixture::new();
    let admin = fx.seed(operator(Role::Admin, Some("acme")), "x").await;
    let csr = fx
        .seed(operator(Role::Csr, Some("acme")), "first passphrase")
        .await;
    fx.session(csr.id).await;
    let set = |password: &str| OperatorChanges {
        password: Some(Password::new(password)),
        ..OperatorChanges::default()
    };
    let refused = fx
        .service
        .modify(&admin, csr.id, set("first passphrase"))
        .await;
    assert!(matches!(refused, Err(OperatorError::PasswordReused)));
    let refused = fx.service.modify(&admin, csr.id, set("1234567")).await;
    assert!(matches!(refused, Err(OperatorError::PasswordPolicy(_))));
    assert!(fx.revocations.heard().is_empty());
    let after = fx
        .service
        .modify(&admin, csr.id, set("second passphrase"))
        .await
        .unwrap();
    assert_eq!(after.password_history.len(), 2);
    assert_eq!(fx.sessions_of(csr.id), 0);
    assert_eq!(
        fx.revocations.heard(),
        vec![Revocation::Subject(csr.id.to_string())]
    );
    let found = fx
        .service
        .check_password(csr.email.as_str(), &Password::new("second passphrase"))
        .await
        .unwrap();
    assert_eq!(found.map(|o| o.id), Some(csr.id));
}

#[tokio::test]
async fn an_operator_setting_its_own_password_ends_its_forced_change() {
    let fx = Fixture::new();
    let mut me = operator(Role::Noc, Some("acme"));
    me.change_password = true;
    let me = fx.seed(me, "first passphrase").await;
    let changes = OperatorChanges {
        password: Some(Password::new("my own passphrase")),
        change_password: Some(false),
        ..OperatorChanges::default()
    };
    let after = fx.service.modify(&me, me.id, changes).await.unwrap();
    assert!(!after.change_password);
    let admin = fx.seed(operator(Role::Admin, Some("acme")), "x").await;
    let forced = OperatorChanges {
        change_password: Some(true),
        ..OperatorChanges::default()
    };
    let after = fx.service.modify(&admin, me.id, forced).await.unwrap();
    assert!(after.change_password);
}

#[tokio::test]
async fn unusable_fields_are_named() {
    let fx = Fixture::new();
    let me = fx.seed(operator(Role::Noc, Some("acme")), "x").await;
    let cases = [
        (
            OperatorChanges {
                locale: Some("x".repeat(crate::LOCALE_MAX + 1)),
                ..OperatorChanges::default()
            },
            "locale",
        ),
        (
            OperatorChanges {
                location: Some("a\u{0}b".to_owned()),
                ..OperatorChanges::default()
            },
            "location",
        ),
        (
            OperatorChanges {
                mfa: Some(Some(MfaMethod::Authenticator)),
                ..OperatorChanges::default()
            },
            "mfa",
        ),
        (
            OperatorChanges {
                mfa: Some(Some(MfaMethod::Sms)),
                ..OperatorChanges::default()
            },
            "mfa",
        ),
    ];
    for (changes, field) in cases {
        let refused = fx.service.modify(&me, me.id, changes).await;
        assert!(
            matches!(refused, Err(OperatorError::Invalid(f)) if f == field),
            "{field}: {refused:?}"
        );
    }
    let mut by_sms = operator(Role::Noc, Some("acme"));
    by_sms.mfa = Some(MfaMethod::Sms);
    by_sms.mobiles = vec![crate::Mobile {
        number: Msisdn::parse("+34600000002").unwrap(),
        verified: true,
        primary: true,
    }];
    let by_sms = fx.seed(by_sms, "x").await;
    let no_mobile = OperatorChanges {
        mobiles: Some(Vec::new()),
        ..OperatorChanges::default()
    };
    let refused = fx.service.modify(&by_sms, by_sms.id, no_mobile).await;
    assert!(matches!(refused, Err(OperatorError::Invalid("mobiles"))));
    let off = OperatorChanges {
        mobiles: Some(Vec::new()),
        mfa: Some(None),
        ..OperatorChanges::default()
    };
    let after = fx.service.modify(&by_sms, by_sms.id, off).await.unwrap();
    assert_eq!((after.mfa, after.mobiles.len()), (None, 0));
    let missing = fx
        .service
        .modify(&me, uuid::Uuid::new_v4(), OperatorChanges::default())
        .await;
    assert!(matches!(missing, Err(OperatorError::NotFound)));
}
