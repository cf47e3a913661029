//! The contract of the subscriber ports (`latchkey_subscriber::ports`): profiles here, the
//! listing in [`listing`], avatars and preferences in [`media`].
//!
//! A profile describes a credential of its tenant, an avatar or a preference list belongs to a
//! credential or an operator: every suite takes the credential and operator stores of the same
//! storage too, as [`SubscriberStores`]. The suites use the orgs `masmovil` and `yoigo`.

pub mod listing;
pub mod media;

use super::{assert_conflict, assert_not_found, begin, ok};
use crate::fixtures::{T0, credential, org, subscriber_profile, uuid};
use latchkey_core::{OrgId, Timestamp};
use latchkey_credential::{CredentialStore, Msisdn};
use latchkey_operator::{MfaMethod, Mobile, Note, OperatorStore};
use latchkey_subscriber::{
    AvatarStore, PreferenceStore, Signup, SignupStatus, SubscriberProfile, SubscriberProfileStore,
};
use std::future::Future;
use std::sync::Arc;
use time::Duration;
use uuid::Uuid;

/// The stores of one storage, as a factory makes them (fresh and empty, the orgs `masmovil`
/// and `yoigo` ready).
#[derive(Debug, Clone)]
pub struct SubscriberStores {
    pub credentials: Arc<dyn CredentialStore>,
    pub operators: Arc<dyn OperatorStore>,
    pub profiles: Arc<dyn SubscriberProfileStore>,
    pub avatars: Arc<dyn AvatarStore>,
    pub preferences: Arc<dyn PreferenceStore>,
}

/// Runs every check, each on fresh stores from `make`.
pub async fn run<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SubscriberStores>,
{
    let port = "SubscriberProfileStore";
    begin(port, "put_then_get_returns_every_field");
    put_then_get_returns_every_field(&make().await).await;
    begin(port, "put_replaces_the_whole_profile");
    put_replaces_the_whole_profile(&make().await).await;
    begin(port, "put_needs_the_credential_in_that_org");
    put_needs_the_credential_in_that_org(&make().await).await;
    begin(port, "delete_removes_only_that_profile");
    delete_removes_only_that_profile(&make().await).await;
    begin(port, "find_by_signup_finds_the_credential_in_that_org");
    find_by_signup_finds_the_credential_in_that_org(&make().await).await;
    begin(port, "a_signup_belongs_to_one_profile_of_an_org");
    a_signup_belongs_to_one_profile_of_an_org(&make().await).await;
    listing::run(&make).await;
    media::run(&make).await;
}

fn at(minutes: i64) -> Timestamp {
    T0 + Duration::minutes(minutes)
}

fn masmovil() -> OrgId {
    org("masmovil")
}

fn yoigo() -> OrgId {
    org("yoigo")
}

/// Inserts the credential `uuid(n)` of `org` named `username`, created `minutes` after `T0`.
async fn subscriber(stores: &SubscriberStores, org: &OrgId, n: u64, username: &str, minutes: i64) {
    let mut c = credential(uuid(n), username);
    c.created_at = at(minutes);
    c.updated_at = at(minutes);
    ok(stores.credentials.insert(org, c).await, "insert credential");
}

/// A profile with every optional field set and every list holding more than one item.
pub fn full_profile(credential: Uuid, signup: Uuid) -> SubscriberProfile {
    let number = |raw: &str| Msisdn::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e:?}"));
    SubscriberProfile {
        credential,
        name: "Ana María".to_owned(),
        description: "\"quotes\" and 'apostrophes' survive".to_owned(),
        locale: "es-ES".to_owned(),
        location: "Madrid".to_owned(),
        notes: vec![
            Note {
                created: at(1),
                created_by: "csr@example.com".to_owned(),
                note: "first".to_owned(),
            },
            Note {
                created: at(2),
                created_by: "root@example.com".to_owned(),
                note: "second, with ünïcode".to_owned(),
            },
        ],
        mfa: Some(MfaMethod::Authenticator),
        mobiles: vec![
            Mobile {
                number: number("+34600000001"),
                verified: true,
                primary: false,
            },
            Mobile {
                number: number("+34600000002"),
                verified: false,
                primary: true,
            },
        ],
        blacklisted: true,
        waiting_for_email_check: true,
        signup: Some(Signup {
            uuid: signup,
            status: SignupStatus::EmailVerified,
            created: at(3),
            updated: at(4),
        }),
        created_by: Some(uuid(900)),
        modified_by: Some(uuid(901)),
        modified: at(5),
    }
}

pub async fn put_then_get_returns_every_field(stores: &SubscriberStores) {
    let profiles = &stores.profiles;
    subscriber(stores, &masmovil(), 1, "ana@example.com", 0).await;
    subscriber(stores, &masmovil(), 2, "bea@example.com", 0).await;
    let full = full_profile(uuid(1), uuid(100));
    ok(profiles.put(&masmovil(), full.clone()).await, "put");
    let got = ok(profiles.get(&masmovil(), uuid(1)).await, "get");
    assert_eq!(got, Some(full), "get must return every field as put");
    let other = ok(profiles.get(&masmovil(), uuid(2)).await, "get another");
    assert_eq!(other, None, "a credential never given a profile has none");
    let elsewhere = ok(profiles.get(&yoigo(), uuid(1)).await, "get in another org");
    assert_eq!(elsewhere, None, "a profile belongs to its org only");
}

pub async fn put_replaces_the_whole_profile(stores: &SubscriberStores) {
    let profiles = &stores.profiles;
    subscriber(stores, &masmovil(), 1, "ana@example.com", 0).await;
    ok(
        profiles
            .put(&masmovil(), full_profile(uuid(1), uuid(100)))
            .await,
        "put",
    );
    let plain = SubscriberProfile {
        modified: at(9),
        ..subscriber_profile(uuid(1), "Ana")
    };
    ok(profiles.put(&masmovil(), plain.clone()).await, "put again");
    let got = ok(profiles.get(&masmovil(), uuid(1)).await, "get");
    assert_eq!(
        got,
        Some(plain),
        "a put replaces every field, lists and sign-up included"
    );
    let found = ok(
        profiles.find_by_signup(&masmovil(), uuid(100)).await,
        "find_by_signup",
    );
    assert_eq!(
        found, None,
        "a sign-up the profile no longer holds is not found"
    );
}

pub async fn put_needs_the_credential_in_that_org(stores: &SubscriberStores) {
    let profiles = &stores.profiles;
    subscriber(stores, &yoigo(), 1, "ana@example.com", 0).await;
    assert_not_found(
        profiles
            .put(&masmovil(), subscriber_profile(uuid(2), "nobody"))
            .await,
        "put for a credential that does not exist",
    );
    assert_not_found(
        profiles
            .put(&masmovil(), subscriber_profile(uuid(1), "Ana"))
            .await,
        "put for a credential of another org",
    );
}

pub async fn delete_removes_only_that_profile(stores: &SubscriberStores) {
    let profiles = &stores.profiles;
    subscriber(stores, &masmovil(), 1, "ana@example.com", 0).await;
    subscriber(stores, &masmovil(), 2, "bea@example.com", 0).await;
    ok(
        profiles
            .put(&masmovil(), subscriber_profile(uuid(1), "Ana"))
            .await,
        "put",
    );
    ok(
        profiles
            .put(&masmovil(), subscriber_profile(uuid(2), "Bea"))
            .await,
        "put",
    );
    ok(profiles.delete(&masmovil(), uuid(1)).await, "delete");
    let gone = ok(profiles.get(&masmovil(), uuid(1)).await, "get");
    assert_eq!(gone, None, "a deleted profile is gone");
    let kept = ok(profiles.get(&masmovil(), uuid(2)).await, "get");
    assert_eq!(
        kept.map(|p| p.name),
        Some("Bea".to_owned()),
        "another profile stays"
    );
    ok(
        profiles.delete(&masmovil(), uuid(1)).await,
        "deleting a profile that is not there is not an error",
    );
}

pub async fn find_by_signup_finds_the_credential_in_that_org(stores: &SubscriberStores) {
    let profiles = &stores.profiles;
    subscriber(stores, &masmovil(), 1, "ana@example.com", 0).await;
    ok(
        profiles
            .put(&masmovil(), full_profile(uuid(1), uuid(100)))
            .await,
        "put",
    );
    let found = ok(
        profiles.find_by_signup(&masmovil(), uuid(100)).await,
        "find",
    );
    assert_eq!(found, Some(uuid(1)), "the profile holding the sign-up");
    let unknown = ok(
        profiles.find_by_signup(&masmovil(), uuid(101)).await,
        "find",
    );
    assert_eq!(unknown, None, "an unknown sign-up");
    let elsewhere = ok(profiles.find_by_signup(&yoigo(), uuid(100)).await, "find");
    assert_eq!(elsewhere, None, "a sign-up of another org");
}

pub async fn a_signup_belongs_to_one_profile_of_an_org(stores: &SubscriberStores) {
    let profiles = &stores.profiles;
    subscriber(stores, &masmovil(), 1, "ana@example.com", 0).await;
    subscriber(stores, &masmovil(), 2, "bea@example.com", 0).await;
    subscriber(stores, &yoigo(), 3, "ana@example.com", 0).await;
    ok(
        profiles
            .put(&masmovil(), full_profile(uuid(1), uuid(100)))
            .await,
        "put",
    );
    assert_conflict(
        profiles
            .put(&masmovil(), full_profile(uuid(2), uuid(100)))
            .await,
        "put with a sign-up another profile of the org holds",
    );
    ok(
        profiles
            .put(&masmovil(), full_profile(uuid(1), uuid(100)))
            .await,
        "the profile holding the sign-up may be put again",
    );
    ok(
        profiles
            .put(&yoigo(), full_profile(uuid(3), uuid(100)))
            .await,
        "another org's profile may hold the same sign-up",
    );
}
