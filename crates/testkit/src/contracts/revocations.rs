//! The contract of [`Revocations`] (`latchkey_core::revocation`), checked on a fleet: several
//! server instances on one storage, each with the port it announces to and its listener.

use super::begin;
use super::revoked_tokens::token;
use crate::fixtures::{org, uuid};
use latchkey_access::RevokedTokens;
use latchkey_core::testing::HeardRevocations;
use latchkey_core::{Revocation, Revocations, StoreError, Timestamp};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};
use time::Duration;

/// How long another instance may take to hear a revocation (a transport's delivery, not a
/// cache's lifetime).
pub const DELIVERY: StdDuration = StdDuration::from_secs(5);

/// One server instance: the port its services announce to, and its listener (its cache of
/// verified tokens).
#[derive(Debug)]
pub struct Instance {
    pub revocations: Arc<dyn Revocations>,
    pub heard: Arc<HeardRevocations>,
}

/// Instances on one storage (at least two), the storage's revoked tokens, and the time of the
/// instances' clock (it stands still).
#[derive(Debug)]
pub struct Fleet {
    pub instances: Vec<Instance>,
    pub revoked: Arc<dyn RevokedTokens>,
    pub now: Timestamp,
}

/// Runs every check, each on a fresh fleet from `make`, whose listeners already listen.
pub async fn run<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Fleet>,
{
    let port = "Revocations";
    begin(port, "every_instance_hears_every_kind_of_revocation");
    every_instance_hears_every_kind_of_revocation(&make().await).await;
    begin(
        port,
        "a_subject_or_client_revocation_is_recorded_for_every_instance",
    );
    a_subject_or_client_revocation_is_recorded_for_every_instance(&make().await).await;
}

fn ok(result: Result<(), StoreError>, what: &str) {
    if let Err(e) = result {
        panic!("{what}: expected Ok, got Err({e:?})");
    }
}

/// Waits until `heard` has heard `revocation`, at most [`DELIVERY`].
async fn hears(heard: &HeardRevocations, revocation: &Revocation) -> bool {
    let deadline = Instant::now() + DELIVERY;
    loop {
        if heard.heard().contains(revocation) {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(StdDuration::from_millis(10)).await;
    }
}

/// "This instance's listener hears it before the call returns; every other instance's
/// listener hears it as soon as the transport carries it."
pub async fn every_instance_hears_every_kind_of_revocation(fleet: &Fleet) {
    assert!(
        fleet.instances.len() >= 2,
        "a fleet has two instances at least"
    );
    let all = [
        Revocation::Subject("ana".to_owned()),
        Revocation::Client("shop".to_owned()),
        Revocation::Tenant(org("masmovil")),
        Revocation::Token(uuid(7)),
        Revocation::Everything,
    ];
    for (i, announcer) in fleet.instances.iter().enumerate() {
        for revocation in &all {
            ok(announcer.revocations.revoked(revocation).await, "revoked");
            assert!(
                announcer.heard.heard().contains(revocation),
                "instance {i} heard its own {revocation:?} before `revoked` returned"
            );
            for (j, other) in fleet.instances.iter().enumerate() {
                assert!(
                    hears(&other.heard, revocation).await,
                    "instance {j} heard {revocation:?} from instance {i} within {DELIVERY:?}"
                );
            }
        }
    }
}

/// "A `Subject` or `Client` revocation is recorded durably (with the time it was made): from
/// then on every instance ... refuses the tokens it names that were issued until then, and
/// none issued afterwards."
pub async fn a_subject_or_client_revocation_is_recorded_for_every_instance(fleet: &Fleet) {
    let now = fleet.now;
    let earlier = now - Duration::minutes(1);
    let later = now + Duration::seconds(1);
    let check = now + Duration::seconds(2);
    let is_revoked = |claims| {
        let revoked = fleet.revoked.clone();
        async move {
            revoked
                .is_revoked(&claims, check)
                .await
                .unwrap_or_else(|e| panic!("is_revoked: {e:?}"))
        }
    };
    assert!(!is_revoked(token(uuid(1), "ana", "app", earlier)).await);
    ok(
        fleet.instances[0]
            .revocations
            .revoked(&Revocation::Subject("ana".to_owned()))
            .await,
        "revoked",
    );
    assert!(
        is_revoked(token(uuid(1), "ana", "app", earlier)).await,
        "the subject's token issued before"
    );
    assert!(
        !is_revoked(token(uuid(2), "ana", "app", later)).await,
        "the subject's token issued afterwards"
    );
    assert!(
        !is_revoked(token(uuid(3), "bea", "app", earlier)).await,
        "another subject's token"
    );
    ok(
        fleet.instances[1]
            .revocations
            .revoked(&Revocation::Client("shop".to_owned()))
            .await,
        "revoked",
    );
    assert!(
        is_revoked(token(uuid(4), "bea", "shop", earlier)).await,
        "a customer's token of the client"
    );
    assert!(
        is_revoked(token(uuid(5), "shop", "shop", earlier)).await,
        "the client's service token"
    );
    assert!(
        !is_revoked(token(uuid(6), "bea", "app", earlier)).await,
        "another client's token"
    );
}
