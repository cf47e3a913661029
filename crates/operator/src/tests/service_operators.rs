//! The operators directory: create, read, list, delete, bootstrap.

use super::fakes::Fixture;
use super::{operator, org};
use crate::{MfaMethod, NewOperator, OperatorEmail, OperatorError, OperatorQuery, Role, fields};
use latchkey_core::Revocation;
use latchkey_core::testing::T0;
use latchkey_credential::{Password, PolicyViolation};

pub(super) fn new_operator(email: &str, role: Role, owner: Option<&str>) -> NewOperator {
    NewOperator {
        email: OperatorEmail::parse(email).unwrap(),
        name: "Ana".to_owned(),
        description: String::new(),
        role,
        owner: owner.map(org),
        locale: "es-ES".to_owned(),
        location: String::new(),
        password: Some(Password::new("a long enough passphrase")),
        change_password: true,
        notes: vec!["hired".to_owned(), "  ".to_owned()],
        mfa: None,
        mobiles: Vec::new(),
        waiting_for_email_check: false,
    }
}

#[tokio::test]
async fn an_admins_new_operator_is_in_the_admins_org_whatever_the_request_says() {
    let fx = Fixture::new();
    let admin = fx.seed(operator(Role::Admin, Some("acme")), "x").await;
    let new = new_operator("ana@example.com", Role::Csr, Some("globex"));
    let created = fx.service.create(&admin, new).await.unwrap();
    assert_eq!(created.owner, Some(org("acme")));
    assert_eq!(created.created_by, admin.email.as_str());
    assert_eq!(created.modified_by, admin.email.as_str());
    assert_eq!((created.created, created.modified), (T0, T0));
    assert!(created.change_password);
    assert_eq!(created.notes.len(), 1, "the blank note is skipped");
    assert_eq!(created.notes[0].created_by, admin.email.as_str());
    assert_eq!(created.notes[0].created, T0);
    assert_eq!(created.password_history, vec![created.password.clone()]);
    let stored = fx.service.find(created.id).await.unwrap().unwrap();
    assert_eq!(stored, created);
}

#[tokio::test]
async fn a_root_chooses_the_owner() {
    let fx = Fixture::new();
    let root = fx.seed(operator(Role::Root, None), "x").await;
    let new = new_operator("ana@example.com", Role::Partner, Some("globex"));
    let created = fx.service.create(&root, new).await.unwrap();
    assert_eq!(created.owner, Some(org("globex")));
}

#[tokio::test]
async fn refused_creations_store_nothing() {
    let fx = Fixture::new();
    let admin = fx.seed(operator(Role::Admin, Some("acme")), "x").await;
    let csr = fx.seed(operator(Role::Csr, Some("acme")), "x").await;
    for (actor, role) in [
        (&admin, Role::Root),
        (&admin, Role::Partner),
        (&csr, Role::Csr),
    ] {
        let new = new_operator("ana@example.com", role, Some("acme"));
        let refused = fx.service.create(actor, new).await;
        assert!(
            matches!(refused, Err(OperatorError::AccessDenied)),
            "{role}"
        );
    }
    let mut weak = new_operator("ana@example.com", Role::Csr, None);
    weak.password = Some(Password::new("short"));
    let refused = fx.service.create(&admin, weak).await;
    assert!(matches!(
        refused,
        Err(OperatorError::PasswordPolicy(PolicyViolation::TooShort))
    ));
    let mut named = new_operator("ana.maria@example.com", Role::Csr, None);
    named.password = Some(Password::new("Ana.Maria"));
    let refused = fx.service.create(&admin, named).await;
    assert!(matches!(
        refused,
        Err(OperatorError::PasswordPolicy(
            PolicyViolation::SameAsUsername
        ))
    ));
    let mut long = new_operator("ana@example.com", Role::Csr, None);
    long.name = "n".repeat(fields::NAME_MAX + 1);
    let refused = fx.service.create(&admin, long).await;
    assert!(matches!(refused, Err(OperatorError::Invalid("name"))));
    let mut sms = new_operator("ana@example.com", Role::Csr, None);
    sms.mfa = Some(MfaMethod::Sms);
    let refused = fx.service.create(&admin, sms).await;
    assert!(matches!(refused, Err(OperatorError::Invalid("mfa"))));
    assert_eq!(
        fx.service
            .count(&admin, OperatorQuery::default())
            .await
            .unwrap(),
        2
    );
}

#[tokio::test]
async fn an_email_is_taken_once_whatever_its_case() {
    let fx = Fixture::new();
    let root = fx.seed(operator(Role::Root, None), "x").await;
    let first = new_operator("ana@example.com", Role::Csr, None);
    fx.service.create(&root, first).await.unwrap();
    let again = new_operator("ANA@Example.com", Role::Noc, None);
    let refused = fx.service.create(&root, again).await;
    assert!(matches!(refused, Err(OperatorError::EmailTaken)));
}

#[tokio::test]
async fn an_operator_created_without_a_password_has_one_nobody_knows() {
    let fx = Fixture::new();
    let root = fx.seed(operator(Role::Root, None), "x").await;
    let mut new = new_operator("ana@example.com", Role::Csr, None);
    new.password = None;
    let created = fx.service.create(&root, new).await.unwrap();
    for guess in ["", "x", "a long enough passphrase"] {
        let found = fx
            .service
            .check_password("ana@example.com", &Password::new(guess))
            .await
            .unwrap();
        assert_eq!(found, None);
    }
    assert_eq!(created.password_history.len(), 1);
}

#[tokio::test]
async fn reads_are_checked() {
    let fx = Fixture::new();
    let admin = fx.seed(operator(Role::Admin, Some("acme")), "x").await;
    let theirs = fx.seed(operator(Role::Csr, Some("globex")), "x").await;
    let installer = fx.seed(operator(Role::Installer, Some("acme")), "x").await;
    let refused = fx.service.get(&admin, theirs.id).await;
    assert!(matches!(refused, Err(OperatorError::AccessDenied)));
    let refused = fx.service.by_email(&admin, &theirs.email).await;
    assert!(matches!(refused, Err(OperatorError::AccessDenied)));
    let missing = fx.service.get(&admin, uuid::Uuid::new_v4()).await;
    assert!(matches!(missing, Err(OperatorError::NotFound)));
    assert_eq!(
        fx.service.get(&admin, installer.id).await.unwrap(),
        installer
    );
    assert_eq!(
        fx.service.get(&installer, installer.id).await.unwrap(),
        installer
    );
    let refused = fx.service.get(&installer, admin.id).await;
    assert!(matches!(refused, Err(OperatorError::AccessDenied)));
}

#[tokio::test]
async fn listings_hold_only_what_the_actor_may_read() {
    let fx = Fixture::new();
    let root = fx.seed(operator(Role::Root, None), "x").await;
    let admin = fx.seed(operator(Role::Admin, Some("acme")), "x").await;
    let noc = fx.seed(operator(Role::Noc, Some("acme")), "x").await;
    fx.seed(operator(Role::Csr, Some("globex")), "x").await;
    let installer = fx.seed(operator(Role::Installer, Some("acme")), "x").await;
    let ids = |list: Vec<crate::Operator>| {
        let mut ids: Vec<_> = list.into_iter().map(|o| o.id).collect();
        ids.sort();
        ids
    };
    let all = OperatorQuery::default();
    assert_eq!(fx.service.list(&root, all.clone()).await.unwrap().len(), 5);
    let mut acme = vec![admin.id, noc.id, installer.id];
    acme.sort();
    assert_eq!(
        ids(fx.service.list(&admin, all.clone()).await.unwrap()),
        acme
    );
    assert_eq!(fx.service.count(&noc, all.clone()).await.unwrap(), 3);
    let globex = OperatorQuery {
        owner: Some(org("globex")),
        ..OperatorQuery::default()
    };
    assert!(
        fx.service
            .list(&admin, globex.clone())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(fx.service.count(&admin, globex).await.unwrap(), 0);
    let own = fx.service.list(&installer, all.clone()).await.unwrap();
    assert_eq!(ids(own), vec![installer.id]);
    assert_eq!(fx.service.count(&installer, all).await.unwrap(), 1);
}

#[tokio::test]
async fn deleting_ends_the_sessions_and_revokes_the_tokens() {
    let fx = Fixture::new();
    let admin = fx.seed(operator(Role::Admin, Some("acme")), "x").await;
    let csr = fx.seed(operator(Role::Csr, Some("acme")), "x").await;
    fx.session(csr.id).await;
    fx.session(admin.id).await;
    fx.service.delete(&admin, csr.id).await.unwrap();
    assert_eq!(fx.service.find(csr.id).await.unwrap(), None);
    assert_eq!(fx.sessions_of(csr.id), 0);
    assert_eq!(fx.sessions_of(admin.id), 1);
    assert_eq!(
        fx.revocations.heard(),
        vec![Revocation::Subject(csr.id.to_string())]
    );
    let missing = fx.service.delete(&admin, csr.id).await;
    assert!(matches!(missing, Err(OperatorError::NotFound)));
}

#[tokio::test]
async fn nobody_deletes_itself_and_the_last_live_root_stays() {
    let fx = Fixture::new();
    let root = fx.seed(operator(Role::Root, None), "x").await;
    let refused = fx.service.delete(&root, root.id).await;
    assert!(matches!(refused, Err(OperatorError::AccessDenied)));
    // A suspended root still holding a token tries to delete the only live one.
    let mut suspended = operator(Role::Root, None);
    suspended.suspended = true;
    let suspended = fx.seed(suspended, "x").await;
    let refused = fx.service.delete(&suspended, root.id).await;
    assert!(matches!(refused, Err(OperatorError::LastRoot)));
    assert!(fx.revocations.heard().is_empty());
    fx.service.delete(&root, suspended.id).await.unwrap();
}

#[tokio::test]
async fn bootstrap_creates_without_an_actor_on_an_empty_directory() {
    let fx = Fixture::new();
    assert!(fx.service.is_empty().await.unwrap());
    let email = OperatorEmail::parse("root@example.com").unwrap();
    let password = Password::new("the first root's passphrase");
    let root = fx
        .service
        .bootstrap(
            email.clone(),
            &password,
            Role::Root,
            None,
            true,
            "configuration",
        )
        .await
        .unwrap();
    assert_eq!(root.created_by, "configuration");
    assert!(root.change_password);
    assert!(!fx.service.is_empty().await.unwrap());
    let again = fx
        .service
        .bootstrap(email, &password, Role::Root, None, true, "cli")
        .await;
    assert!(matches!(again, Err(OperatorError::EmailTaken)));
    let weak = fx
        .service
        .bootstrap(
            OperatorEmail::parse("other@example.com").unwrap(),
            &Password::new("password"),
            Role::Root,
            None,
            true,
            "cli",
        )
        .await;
    assert!(matches!(
        weak,
        Err(OperatorError::PasswordPolicy(PolicyViolation::Common))
    ));
}

#[test]
fn requests_never_print_their_passwords() {
    let new = new_operator("ana@example.com", Role::Csr, None);
    let changes = crate::OperatorChanges {
        password: Some(Password::new("a secret passphrase")),
        ..crate::OperatorChanges::default()
    };
    assert!(!format!("{new:?}").contains("a long enough passphrase"));
    assert!(!format!("{changes:?}").contains("a secret passphrase"));
}
