//! What the unit tests of the crate share: operators to act with, and small in-memory fakes of
//! the ports (`latchkey-memory` depends on this crate, so it cannot serve here).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

pub(crate) mod fakes;
mod service_api_keys;
mod service_modify;
mod service_operators;
mod service_passwords;

use crate::{Operator, OperatorEmail, Role};
use latchkey_core::OrgId;
use latchkey_core::testing::T0;
use latchkey_credential::PasswordHash;
use uuid::Uuid;

/// An org by name.
pub(crate) fn org(name: &str) -> OrgId {
    OrgId::parse(name).unwrap()
}

/// An operator of `role` in `owner`, with a fresh id and an e-mail made of both; its password
/// hash is no hash (tests of rules never verify it).
pub(crate) fn operator(role: Role, owner: Option<&str>) -> Operator {
    let id = Uuid::new_v4();
    let email = format!("{role}-{}@example.com", id.simple());
    let hash = PasswordHash::from_phc(String::new());
    Operator {
        id,
        email: OperatorEmail::parse(&email).unwrap(),
        name: String::new(),
        description: String::new(),
        role,
        owner: owner.map(org),
        locale: String::new(),
        location: String::new(),
        notes: Vec::new(),
        suspended: false,
        blacklisted: false,
        validated: true,
        validation_date: None,
        waiting_for_email_check: false,
        change_password: false,
        mfa: None,
        mobiles: Vec::new(),
        last_login: None,
        password: hash.clone(),
        password_history: vec![hash],
        last_password_change: T0,
        created: T0,
        created_by: "test".to_owned(),
        modified: T0,
        modified_by: "test".to_owned(),
    }
}
