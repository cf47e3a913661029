//! The contract of [`DeviceStore`] (`latchkey_device::ports`): devices and their refresh tokens,
//! per tenant.

use super::{assert_conflict, assert_not_found, begin, ok};
use crate::fixtures::{T0, org};
use latchkey_core::{SecretHash, Timestamp};
use latchkey_device::{Device, DeviceStore, Exchange, RefreshToken};
use std::future::Future;
use std::sync::Arc;
use time::Duration;
use uuid::Uuid;

/// Runs every check, each on a fresh store from `make` (whose tenants `masmovil` and `yoigo`
/// exist). Needs a multi-thread runtime: the rotation race must run in parallel.
pub async fn run<F, Fut, S>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
    S: DeviceStore + 'static,
{
    let port = "DeviceStore";
    begin(port, "devices_round_trip_and_list_live_ones_oldest_first");
    devices_round_trip_and_list_live_ones_oldest_first(&make().await).await;
    begin(port, "insert_device_refuses_a_taken_id");
    insert_device_refuses_a_taken_id(&make().await).await;
    begin(port, "refresh_tokens_need_their_device");
    refresh_tokens_need_their_device(&make().await).await;
    begin(port, "rotation_replaces_the_secret_in_place");
    rotation_replaces_the_secret_in_place(&make().await).await;
    begin(port, "rotation_tells_reuse_from_refusal");
    rotation_tells_reuse_from_refusal(&make().await).await;
    begin(port, "delete_refresh_removes_one_token");
    delete_refresh_removes_one_token(&make().await).await;
    begin(port, "one_of_concurrent_rotations_wins");
    one_of_concurrent_rotations_wins(Arc::new(make().await)).await;
    begin(port, "deleting_a_device_kills_its_refresh_tokens");
    deleting_a_device_kills_its_refresh_tokens(&make().await).await;
    begin(port, "orgs_are_separate");
    orgs_are_separate(&make().await).await;
}

const ANA: Uuid = Uuid::from_u128(0xa11a);
const BOB: Uuid = Uuid::from_u128(0xb0b);

fn at(minutes: i64) -> Timestamp {
    T0 + Duration::minutes(minutes)
}

fn device(n: u128, credential: Uuid, created: i64) -> Device {
    Device {
        id: Uuid::from_u128(0xd000 + n),
        credential,
        user_agent: format!("Agent/{n}"),
        alias: "Chrome on macOS".to_owned(),
        secret_hash: SecretHash::of(format!("cookie {n}").as_bytes()),
        created_at: at(created),
        expires_at: at(created + 60),
        // A second factor over an older sign-in: the two times differ, and so do the methods.
        auth_time: at(created - 5),
        amr: vec!["pwd".to_owned(), "otp".to_owned(), "mfa".to_owned()],
    }
}

fn refresh(n: u128, device: &Device) -> RefreshToken {
    RefreshToken {
        id: Uuid::from_u128(0xf000 + n),
        device: device.id,
        credential: device.credential,
        client_id: "web".to_owned(),
        secret_hash: SecretHash::of(format!("refresh {n}").as_bytes()),
        scope: "openid devices".to_owned(),
        auth_time: 1_700_000_000,
        created_at: device.created_at,
        expires_at: device.expires_at,
        rotated_at: None,
    }
}

/// Every field survives; "The devices of `credential` whose `expires_at` is after `now`, oldest
/// first".
pub async fn devices_round_trip_and_list_live_ones_oldest_first(store: &impl DeviceStore) {
    let m = org("masmovil");
    let (late, early, bobs) = (device(1, ANA, 10), device(2, ANA, 0), device(3, BOB, 0));
    for d in [&late, &early, &bobs] {
        ok(store.insert_device(&m, d.clone()).await, "insert_device");
    }
    assert_eq!(
        ok(store.get_device(&m, late.id).await, "get_device"),
        Some(late.clone())
    );
    assert_eq!(
        ok(store.get_device(&m, Uuid::from_u128(9)).await, "get"),
        None
    );
    let listed = ok(store.list_devices(&m, ANA, at(5)).await, "list_devices");
    assert_eq!(
        listed,
        vec![early.clone(), late.clone()],
        "oldest first, own only"
    );
    // `early` expires at minute 60: at 65 only `late` (until 70) is live.
    let listed = ok(store.list_devices(&m, ANA, at(65)).await, "list_devices");
    assert_eq!(listed, vec![late], "expired devices are not listed");
}

/// "MUST fail with `Conflict` when `org` has a device with that id".
pub async fn insert_device_refuses_a_taken_id(store: &impl DeviceStore) {
    let m = org("masmovil");
    ok(store.insert_device(&m, device(1, ANA, 0)).await, "insert");
    assert_conflict(
        store.insert_device(&m, device(1, BOB, 5)).await,
        "insert of a taken id",
    );
}

/// "MUST fail with `NotFound` when its device does not exist, and with `Conflict` when the id is
/// taken"; the token survives the round trip.
pub async fn refresh_tokens_need_their_device(store: &impl DeviceStore) {
    let m = org("masmovil");
    let d = device(1, ANA, 0);
    assert_not_found(
        store.insert_refresh(&m, refresh(1, &d)).await,
        "insert_refresh without its device",
    );
    ok(store.insert_device(&m, d.clone()).await, "insert_device");
    ok(
        store.insert_refresh(&m, refresh(1, &d)).await,
        "insert_refresh",
    );
    assert_conflict(
        store.insert_refresh(&m, refresh(1, &d)).await,
        "insert_refresh of a taken id",
    );
    assert_eq!(
        ok(
            store.get_refresh(&m, refresh(1, &d).id).await,
            "get_refresh"
        ),
        Some(refresh(1, &d))
    );
}

fn hash_of(n: u128) -> SecretHash {
    SecretHash::of(format!("refresh {n}").as_bytes())
}

/// "if `secret_hash` is its secret, the secret becomes `next` and `rotated_at` becomes `now`,
/// and the answer is `Rotated` with the token as it is then"; the rest of the token stays.
pub async fn rotation_replaces_the_secret_in_place(store: &impl DeviceStore) {
    let m = org("masmovil");
    let d = device(1, ANA, 0);
    ok(store.insert_device(&m, d.clone()).await, "insert_device");
    let issued = refresh(1, &d);
    ok(
        store.insert_refresh(&m, issued.clone()).await,
        "insert_refresh",
    );
    let answer = ok(
        store
            .exchange_refresh(&m, issued.id, &hash_of(1), "web", at(5), &hash_of(2))
            .await,
        "exchange",
    );
    let rotated = RefreshToken {
        secret_hash: hash_of(2),
        rotated_at: Some(at(5)),
        ..issued.clone()
    };
    assert_eq!(
        answer,
        Exchange::Rotated {
            token: rotated.clone()
        }
    );
    assert_eq!(
        ok(store.get_refresh(&m, issued.id).await, "get"),
        Some(rotated),
        "the token keeps its id, device, credential, client, scope, auth_time and expiry"
    );
    assert!(
        matches!(
            ok(
                store
                    .exchange_refresh(&m, issued.id, &hash_of(2), "web", at(6), &hash_of(3))
                    .await,
                "exchange the new secret",
            ),
            Exchange::Rotated { .. }
        ),
        "the new secret rotates it again"
    );
}

/// "with any other secret the answer is `Reused` with its device. Otherwise `Refused`. Nothing
/// changes but in `Rotated`."
pub async fn rotation_tells_reuse_from_refusal(store: &impl DeviceStore) {
    let m = org("masmovil");
    let d = device(1, ANA, 0);
    ok(store.insert_device(&m, d.clone()).await, "insert_device");
    let issued = refresh(1, &d);
    ok(
        store.insert_refresh(&m, issued.clone()).await,
        "insert_refresh",
    );
    let exchange = |id, hash: SecretHash, client: &'static str, minutes, next: SecretHash| {
        let m = m.clone();
        async move {
            ok(
                store
                    .exchange_refresh(&m, id, &hash, client, at(minutes), &next)
                    .await,
                "exchange",
            )
        }
    };
    assert_eq!(
        exchange(issued.id, hash_of(1), "other", 1, hash_of(3)).await,
        Exchange::Refused,
        "another client"
    );
    assert_eq!(
        exchange(issued.id, hash_of(9), "other", 1, hash_of(3)).await,
        Exchange::Refused,
        "another client, another secret"
    );
    assert_eq!(
        exchange(issued.id, hash_of(9), "web", 1, hash_of(3)).await,
        Exchange::Reused { device: d.id },
        "a secret the token never had"
    );
    assert_eq!(
        ok(store.get_refresh(&m, issued.id).await, "get"),
        Some(issued.clone()),
        "refused and reused exchanges change nothing"
    );
    assert!(matches!(
        exchange(issued.id, hash_of(1), "web", 1, hash_of(2)).await,
        Exchange::Rotated { .. }
    ));
    assert_eq!(
        exchange(issued.id, hash_of(1), "web", 2, hash_of(4)).await,
        Exchange::Reused { device: d.id },
        "the rotated secret presented again"
    );
    // The token (and its device) expires at minute 60.
    assert_eq!(
        exchange(issued.id, hash_of(2), "web", 61, hash_of(5)).await,
        Exchange::Refused,
        "an expired token, with its secret"
    );
    assert_eq!(
        exchange(issued.id, hash_of(1), "web", 61, hash_of(5)).await,
        Exchange::Refused,
        "an expired token, with a rotated secret"
    );
    assert_eq!(
        exchange(Uuid::from_u128(7), hash_of(1), "web", 2, hash_of(6)).await,
        Exchange::Refused,
        "an unknown token"
    );
    assert_eq!(
        ok(store.get_refresh(&m, issued.id).await, "get").map(|t| t.secret_hash),
        Some(hash_of(2)),
        "only the rotation changed the secret"
    );
}

/// "Removes the refresh token with that id (its device stays). Answers whether there was one."
pub async fn delete_refresh_removes_one_token(store: &impl DeviceStore) {
    let m = org("masmovil");
    let d = device(1, ANA, 0);
    ok(store.insert_device(&m, d.clone()).await, "insert_device");
    let (web, app) = (
        refresh(1, &d),
        RefreshToken {
            client_id: "app".to_owned(),
            ..refresh(2, &d)
        },
    );
    for t in [&web, &app] {
        ok(store.insert_refresh(&m, t.clone()).await, "insert_refresh");
    }
    assert!(ok(store.delete_refresh(&m, web.id).await, "delete_refresh"));
    assert!(!ok(store.delete_refresh(&m, web.id).await, "delete again"));
    assert_eq!(ok(store.get_refresh(&m, web.id).await, "get"), None);
    assert_eq!(
        ok(store.get_refresh(&m, app.id).await, "get the other"),
        Some(app),
        "the device's other tokens stay"
    );
    assert_eq!(
        ok(store.get_device(&m, d.id).await, "get_device"),
        Some(d),
        "the device stays"
    );
}

/// "of concurrent exchanges of one secret exactly one is `Rotated`, the others `Reused`".
pub async fn one_of_concurrent_rotations_wins<S: DeviceStore + 'static>(store: Arc<S>) {
    let m = org("masmovil");
    let d = device(1, ANA, 0);
    ok(store.insert_device(&m, d.clone()).await, "insert_device");
    let old = refresh(1, &d);
    ok(
        store.insert_refresh(&m, old.clone()).await,
        "insert_refresh",
    );
    let tasks: Vec<_> = (0..8u128)
        .map(|i| {
            let (store, m) = (store.clone(), m.clone());
            tokio::spawn(async move {
                store
                    .exchange_refresh(&m, old.id, &hash_of(1), "web", at(1), &hash_of(10 + i))
                    .await
            })
        })
        .collect();
    let (mut rotated, mut reused) = (0, 0);
    for task in tasks {
        match ok(
            task.await.unwrap_or_else(|e| panic!("task: {e}")),
            "exchange race",
        ) {
            Exchange::Rotated { .. } => rotated += 1,
            Exchange::Reused { .. } => reused += 1,
            Exchange::Refused => panic!("a concurrent exchange must not be refused"),
        }
    }
    assert_eq!(
        (rotated, reused),
        (1, 7),
        "exactly one concurrent exchange wins"
    );
}

/// "Removes the device ... and every refresh token of it, at once"; a device of another
/// credential is not removed; `delete_devices` removes all of one credential's.
pub async fn deleting_a_device_kills_its_refresh_tokens(store: &impl DeviceStore) {
    let m = org("masmovil");
    let (one, two, bobs) = (device(1, ANA, 0), device(2, ANA, 1), device(3, BOB, 0));
    for d in [&one, &two, &bobs] {
        ok(store.insert_device(&m, d.clone()).await, "insert_device");
    }
    ok(
        store.insert_refresh(&m, refresh(1, &one)).await,
        "insert_refresh",
    );
    ok(
        store.insert_refresh(&m, refresh(2, &two)).await,
        "insert_refresh",
    );
    assert!(
        !ok(
            store.delete_device(&m, BOB, one.id).await,
            "delete as another credential"
        ),
        "a device of another credential must not be deleted"
    );
    assert!(ok(
        store.delete_device(&m, ANA, one.id).await,
        "delete_device"
    ));
    assert!(!ok(
        store.delete_device(&m, ANA, one.id).await,
        "delete again"
    ));
    assert_eq!(ok(store.get_device(&m, one.id).await, "get"), None);
    assert_eq!(
        ok(
            store.get_refresh(&m, refresh(1, &one).id).await,
            "get_refresh"
        ),
        None,
        "the device's refresh tokens must die with it"
    );
    assert_eq!(ok(store.delete_devices(&m, ANA).await, "delete_devices"), 1);
    assert_eq!(
        ok(store.get_refresh(&m, refresh(2, &two).id).await, "get"),
        None
    );
    assert_eq!(
        ok(store.list_devices(&m, BOB, at(0)).await, "list").len(),
        1,
        "another credential's devices stay"
    );
}

/// Devices of one org are invisible from another.
pub async fn orgs_are_separate(store: &impl DeviceStore) {
    let (m, y) = (org("masmovil"), org("yoigo"));
    let d = device(1, ANA, 0);
    ok(store.insert_device(&m, d.clone()).await, "insert_device");
    assert_eq!(ok(store.get_device(&y, d.id).await, "get in yoigo"), None);
    assert!(ok(store.list_devices(&y, ANA, at(0)).await, "list").is_empty());
    assert!(!ok(
        store.delete_device(&y, ANA, d.id).await,
        "delete in yoigo"
    ));
    ok(
        store.insert_device(&y, d.clone()).await,
        "the same id in yoigo",
    );
}
