//! The contract of [`OperatorStore`] (`latchkey_operator::ports`): records, e-mails and
//! deletion here, the last live root in [`roots`], listing and counting in [`listing`].
//!
//! The three operator ports are the tables of one schema (a deleted operator takes its API keys
//! and sessions), so every operator suite takes all three, as [`OperatorStores`].

pub mod listing;
pub mod roots;

use super::{assert_conflict, begin, ok};
use crate::fixtures::{
    T0, api_key, operator, operator_email, operator_session, org, password_hash, uuid,
};
use latchkey_core::Timestamp;
use latchkey_credential::{Msisdn, PasswordHash};
use latchkey_operator::{
    ApiKeyStore, MfaMethod, Mobile, Note, Operator, OperatorSessionStore, OperatorStore, Role,
    Write,
};
use std::future::Future;
use std::sync::Arc;
use time::Duration;

/// The three operator stores of one storage, as a factory makes them (fresh and empty).
#[derive(Debug, Clone)]
pub struct OperatorStores {
    pub operators: Arc<dyn OperatorStore>,
    pub api_keys: Arc<dyn ApiKeyStore>,
    pub sessions: Arc<dyn OperatorSessionStore>,
}

/// Runs every check, each on fresh stores from `make`. Needs a multi-thread runtime: the races
/// on the last root must run in parallel.
pub async fn run<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = OperatorStores>,
{
    let port = "OperatorStore";
    begin(port, "insert_then_get_and_by_email_return_every_field");
    insert_then_get_and_by_email_return_every_field(&make().await).await;
    begin(port, "insert_refuses_a_taken_email_in_any_case");
    insert_refuses_a_taken_email_in_any_case(&make().await).await;
    begin(port, "insert_fails_with_conflict_on_a_taken_id");
    insert_fails_with_conflict_on_a_taken_id(&make().await).await;
    begin(port, "update_replaces_every_field");
    update_replaces_every_field(&make().await).await;
    begin(port, "update_answers_missing_and_email_taken");
    update_answers_missing_and_email_taken(&make().await).await;
    begin(port, "record_login_sets_last_login_only");
    record_login_sets_last_login_only(&make().await).await;
    begin(port, "delete_takes_the_keys_and_sessions_of_the_operator");
    delete_takes_the_keys_and_sessions_of_the_operator(&make().await).await;
    roots::run(&make).await;
    listing::run(&make).await;
}

fn at(minutes: i64) -> Timestamp {
    T0 + Duration::minutes(minutes)
}

fn phc(n: u32) -> PasswordHash {
    PasswordHash::from_phc(format!("{}{n}", password_hash().as_phc()))
}

/// An operator with every optional field set and every list holding more than one item.
pub fn full_operator(n: u64, email: &str) -> Operator {
    Operator {
        name: format!("Ana María {n}"),
        description: "runs the \"north\" network; 'quotes' survive".to_owned(),
        owner: Some(org("masmovil")),
        locale: "es-ES".to_owned(),
        location: "Madrid".to_owned(),
        notes: vec![
            Note {
                created: at(1),
                created_by: "root@example.com".to_owned(),
                note: "first".to_owned(),
            },
            Note {
                created: at(2),
                created_by: "cli".to_owned(),
                note: "second, with ünïcode".to_owned(),
            },
        ],
        suspended: true,
        blacklisted: true,
        validated: false,
        validation_date: None,
        waiting_for_email_check: true,
        change_password: true,
        mfa: Some(MfaMethod::Sms),
        mobiles: vec![
            Mobile {
                number: Msisdn::parse("+34600000001").expect("a valid msisdn"),
                verified: true,
                primary: false,
            },
            Mobile {
                number: Msisdn::parse("+34600000002").expect("a valid msisdn"),
                verified: false,
                primary: true,
            },
        ],
        last_login: Some(at(3)),
        password: phc(3),
        password_history: vec![phc(3), phc(2), phc(1)],
        last_password_change: at(4),
        created: at(5),
        created_by: "root@example.com".to_owned(),
        modified: at(6),
        modified_by: "admin@example.com".to_owned(),
        ..operator(uuid(n), email, Role::Csr)
    }
}

/// Every field survives; "`Ok(None)` when there is none".
pub async fn insert_then_get_and_by_email_return_every_field(stores: &OperatorStores) {
    let store = &stores.operators;
    let (full, plain) = (
        full_operator(1, "ana@example.com"),
        operator(uuid(2), "bob@example.com", Role::Root),
    );
    for o in [&full, &plain] {
        assert_eq!(ok(store.insert(o).await, "insert"), Write::Done);
    }
    for o in [full, plain] {
        assert_eq!(ok(store.get(o.id).await, "get"), Some(o.clone()));
        assert_eq!(ok(store.by_email(&o.email).await, "by_email"), Some(o));
    }
    assert_eq!(ok(store.get(uuid(9)).await, "get of an unknown id"), None);
    let unknown = operator_email("nobody@example.com");
    assert_eq!(ok(store.by_email(&unknown).await, "by_email unknown"), None);
}

/// "`EmailTaken` (nothing stored)": e-mails are compared in lower case.
pub async fn insert_refuses_a_taken_email_in_any_case(stores: &OperatorStores) {
    let store = &stores.operators;
    let ana = operator(uuid(1), "ana@example.com", Role::Admin);
    ok(store.insert(&ana).await, "insert");
    let twin = operator(uuid(2), "ANA@Example.COM", Role::Csr);
    assert_eq!(
        ok(store.insert(&twin).await, "insert of a taken e-mail"),
        Write::EmailTaken
    );
    assert_eq!(ok(store.get(twin.id).await, "get"), None, "nothing stored");
    assert_eq!(
        ok(store.by_email(&twin.email).await, "by_email").map(|o| o.id),
        Some(ana.id),
        "the e-mail stays the first operator's"
    );
}

/// "MUST fail with `Conflict` when an operator has that id".
pub async fn insert_fails_with_conflict_on_a_taken_id(stores: &OperatorStores) {
    let store = &stores.operators;
    let ana = operator(uuid(1), "ana@example.com", Role::Admin);
    ok(store.insert(&ana).await, "insert");
    let same_id = operator(uuid(1), "bob@example.com", Role::Csr);
    assert_conflict(store.insert(&same_id).await, "insert of a taken id");
    assert_eq!(ok(store.get(ana.id).await, "get"), Some(ana));
    assert_eq!(
        ok(store.by_email(&same_id.email).await, "by_email"),
        None,
        "nothing stored"
    );
}

/// "Replaces the operator of `operator.id` with `operator`, every field as given".
pub async fn update_replaces_every_field(stores: &OperatorStores) {
    let store = &stores.operators;
    let plain = operator(uuid(1), "ana@example.com", Role::Admin);
    ok(store.insert(&plain).await, "insert");
    let full = Operator {
        id: plain.id,
        ..full_operator(1, "Ana.New@example.com")
    };
    assert_eq!(ok(store.update(&full).await, "update"), Write::Done);
    assert_eq!(ok(store.get(plain.id).await, "get"), Some(full.clone()));
    assert_eq!(
        ok(
            store.by_email(&plain.email).await,
            "by_email of the old e-mail"
        ),
        None,
        "the old e-mail is free"
    );
    assert_eq!(
        ok(store.by_email(&full.email).await, "by_email").map(|o| o.id),
        Some(plain.id)
    );
    // And back: every optional field cleared, the lists emptied.
    assert_eq!(ok(store.update(&plain).await, "update back"), Write::Done);
    assert_eq!(ok(store.get(plain.id).await, "get"), Some(plain.clone()));
    let renamed = Operator {
        name: "Ana".to_owned(),
        ..plain.clone()
    };
    assert_eq!(
        ok(store.update(&renamed).await, "update keeping its e-mail"),
        Write::Done,
        "an operator's own e-mail is not taken"
    );
}

/// "`Missing`, `EmailTaken`": nothing changed.
pub async fn update_answers_missing_and_email_taken(stores: &OperatorStores) {
    let store = &stores.operators;
    let (ana, bob) = (
        operator(uuid(1), "ana@example.com", Role::Admin),
        operator(uuid(2), "bob@example.com", Role::Admin),
    );
    ok(store.insert(&ana).await, "insert");
    ok(store.insert(&bob).await, "insert");
    let stranger = operator(uuid(3), "carol@example.com", Role::Admin);
    assert_eq!(
        ok(store.update(&stranger).await, "update of an unknown id"),
        Write::Missing
    );
    assert_eq!(ok(store.get(stranger.id).await, "get"), None);
    let stolen = Operator {
        email: operator_email("BOB@example.com"),
        name: "changed".to_owned(),
        ..ana.clone()
    };
    assert_eq!(
        ok(store.update(&stolen).await, "update to a taken e-mail"),
        Write::EmailTaken
    );
    assert_eq!(
        ok(store.get(ana.id).await, "get"),
        Some(ana),
        "nothing changed"
    );
}

/// "Sets `last_login` of the operator (nothing else changes, `modified` neither). Answers
/// whether there is such an operator."
pub async fn record_login_sets_last_login_only(stores: &OperatorStores) {
    let store = &stores.operators;
    let ana = full_operator(1, "ana@example.com");
    ok(store.insert(&ana).await, "insert");
    assert!(ok(store.record_login(ana.id, at(30)).await, "record_login"));
    let expected = Operator {
        last_login: Some(at(30)),
        ..ana
    };
    assert_eq!(ok(store.get(expected.id).await, "get"), Some(expected));
    assert!(
        !ok(store.record_login(uuid(9), at(30)).await, "record_login"),
        "no such operator"
    );
    assert_eq!(ok(store.get(uuid(9)).await, "get"), None);
}

/// "Removes the operator with its API keys and its sessions, at once: `Done`, `Missing`"; the
/// e-mail is free again, another operator's keys and sessions stay.
pub async fn delete_takes_the_keys_and_sessions_of_the_operator(stores: &OperatorStores) {
    let store = &stores.operators;
    let (root, ana, bob) = (
        operator(uuid(1), "root@example.com", Role::Root),
        operator(uuid(2), "ana@example.com", Role::Admin),
        operator(uuid(3), "bob@example.com", Role::Admin),
    );
    for o in [&root, &ana, &bob] {
        ok(store.insert(o).await, "insert");
    }
    let keys = [
        api_key(uuid(11), ana.id, "one"),
        api_key(uuid(12), ana.id, "two"),
        api_key(uuid(13), bob.id, "one"),
    ];
    let sessions = [
        operator_session(uuid(21), ana.id),
        operator_session(uuid(22), ana.id),
        operator_session(uuid(23), bob.id),
    ];
    for k in &keys {
        ok(stores.api_keys.insert(k).await, "insert key");
    }
    for s in &sessions {
        ok(stores.sessions.insert(s).await, "insert session");
    }
    assert_eq!(ok(store.delete(ana.id).await, "delete"), Write::Done);
    assert_eq!(ok(store.get(ana.id).await, "get"), None);
    assert_eq!(ok(store.by_email(&ana.email).await, "by_email"), None);
    assert!(
        ok(stores.api_keys.list(ana.id).await, "list keys").is_empty(),
        "the operator's keys must go with it"
    );
    for k in &keys[..2] {
        assert_eq!(ok(stores.api_keys.by_hash(&k.hash).await, "by_hash"), None);
    }
    for s in &sessions[..2] {
        assert_eq!(
            ok(stores.sessions.get(s.id).await, "get session"),
            None,
            "the operator's sessions must go with it"
        );
    }
    assert_eq!(
        ok(stores.api_keys.list(bob.id).await, "list keys"),
        vec![keys[2].clone()],
        "another operator's keys stay"
    );
    assert_eq!(
        ok(stores.sessions.get(sessions[2].id).await, "get session"),
        Some(sessions[2].clone()),
        "another operator's sessions stay"
    );
    assert_eq!(
        ok(store.delete(ana.id).await, "delete again"),
        Write::Missing
    );
    let again = operator(uuid(4), "ana@example.com", Role::Csr);
    assert_eq!(
        ok(store.insert(&again).await, "insert of a freed e-mail"),
        Write::Done
    );
    assert!(
        ok(stores.api_keys.list(again.id).await, "list").is_empty(),
        "a new operator with the e-mail inherits nothing"
    );
}
