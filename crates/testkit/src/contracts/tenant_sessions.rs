//! The contract between [`CredentialStore`] and [`DeviceStore`] of one tenant
//! (`latchkey_credential::ports`, `latchkey_device::ports`): sessions follow the credential. A
//! new device stamps its credential's `last_login_at`; a credential stored disabled or deleted,
//! or moved away, takes its devices and their refresh tokens with it in the same step.

use super::{assert_not_found, begin, ok};
use crate::fixtures::{T0, active_credential, org, uuid};
use latchkey_core::{OrgId, SecretHash};
use latchkey_credential::{Credential, CredentialStore};
use latchkey_device::{Device, DeviceStore, RefreshToken};
use std::future::Future;
use std::sync::Arc;
use time::Duration;
use uuid::Uuid;

/// The two stores of one storage, as a factory makes them.
pub type Stores = (Arc<dyn CredentialStore>, Arc<dyn DeviceStore>);

/// Runs every check, each on fresh stores from `make` (tenants `masmovil` and `yoigo` exist).
pub async fn run<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Stores>,
{
    let port = "CredentialStore + DeviceStore";
    begin(port, "a_new_device_stamps_last_login_at");
    a_new_device_stamps_last_login_at(make().await).await;
    begin(port, "disabling_a_credential_ends_its_sessions_only");
    disabling_a_credential_ends_its_sessions_only(make().await).await;
    begin(port, "deleting_a_credential_ends_its_sessions");
    deleting_a_credential_ends_its_sessions(make().await).await;
    begin(port, "an_enabled_update_keeps_the_sessions");
    an_enabled_update_keeps_the_sessions(make().await).await;
    begin(port, "a_failed_update_keeps_the_sessions");
    a_failed_update_keeps_the_sessions(make().await).await;
    begin(
        port,
        "a_new_password_ends_every_other_session_of_the_credential_only",
    );
    a_new_password_ends_every_other_session_of_the_credential_only(make().await).await;
    begin(
        port,
        "ending_sessions_of_a_credential_that_is_not_live_is_not_found",
    );
    ending_sessions_of_a_credential_that_is_not_live_is_not_found(make().await).await;
    begin(port, "moving_a_credential_ends_its_sessions_in_the_origin");
    moving_a_credential_ends_its_sessions_in_the_origin(make().await).await;
}

fn device(n: u64, credential: Uuid) -> Device {
    Device {
        id: uuid(0xd000 + n),
        credential,
        user_agent: format!("Agent/{n}"),
        alias: "Chrome on macOS".to_owned(),
        secret_hash: SecretHash::of(format!("cookie {n}").as_bytes()),
        created_at: T0 + Duration::minutes(i64::try_from(n).unwrap_or(0)),
        expires_at: T0 + Duration::days(30),
        auth_time: T0,
        amr: vec!["pwd".to_owned()],
    }
}

fn refresh(n: u64, device: &Device) -> RefreshToken {
    RefreshToken {
        id: uuid(0xf000 + n),
        device: device.id,
        credential: device.credential,
        client_id: "web".to_owned(),
        secret_hash: SecretHash::of(format!("refresh {n}").as_bytes()),
        scope: "openid".to_owned(),
        auth_time: T0.unix_timestamp(),
        created_at: device.created_at,
        expires_at: device.expires_at,
        rotated_at: None,
    }
}

/// A credential with a device and a refresh token of it, in `org`.
async fn signed_in(stores: &Stores, org: &OrgId, n: u64, name: &str) -> (Credential, Device) {
    let (credentials, devices) = stores;
    let credential = active_credential(uuid(n), name);
    ok(credentials.insert(org, credential.clone()).await, "insert");
    let d = device(n, credential.id);
    ok(devices.insert_device(org, d.clone()).await, "insert_device");
    ok(
        devices.insert_refresh(org, refresh(n, &d)).await,
        "insert_refresh",
    );
    (credential, d)
}

async fn has_session(stores: &Stores, org: &OrgId, d: &Device, n: u64) -> bool {
    let (_, devices) = stores;
    let device = ok(devices.get_device(org, d.id).await, "get_device");
    let token = ok(
        devices.get_refresh(org, uuid(0xf000 + n)).await,
        "get_refresh",
    );
    assert_eq!(
        device.is_some(),
        token.is_some(),
        "a refresh token lives exactly as long as its device"
    );
    device.is_some()
}

/// "With it (both or neither), the live credential `device.credential` of `org` ... gets
/// `last_login_at` = `device.created_at`".
pub async fn a_new_device_stamps_last_login_at(stores: Stores) {
    let m = org("masmovil");
    let (credential, d) = signed_in(&stores, &m, 1, "ana@example.com").await;
    let found = ok(stores.0.find_by_id(&m, credential.id).await, "find_by_id");
    assert_eq!(
        found.and_then(|c| c.last_login_at),
        Some(d.created_at),
        "the new device stamps last_login_at"
    );
}

/// "Storing it disabled ... MUST also end its device sessions": and no one else's.
pub async fn disabling_a_credential_ends_its_sessions_only(stores: Stores) {
    let m = org("masmovil");
    let (ana, ana_device) = signed_in(&stores, &m, 1, "ana@example.com").await;
    let (_, bob_device) = signed_in(&stores, &m, 2, "bob@example.com").await;
    let disabled = Credential {
        enabled: false,
        ..ana
    };
    ok(stores.0.update(&m, disabled).await, "update (disable)");
    assert!(
        !has_session(&stores, &m, &ana_device, 1).await,
        "ana's session ended"
    );
    assert!(
        has_session(&stores, &m, &bob_device, 2).await,
        "bob's session stays"
    );
}

/// `update_ending_sessions`: "ends every device session of it (its devices and their refresh
/// tokens) but the one with the id `keep`, in the same atomic step"; with no `keep`, every one.
pub async fn a_new_password_ends_every_other_session_of_the_credential_only(stores: Stores) {
    let m = org("masmovil");
    let (ana, phone) = signed_in(&stores, &m, 1, "ana@example.com").await;
    let laptop = device(3, ana.id);
    ok(
        stores.1.insert_device(&m, laptop.clone()).await,
        "insert_device",
    );
    ok(
        stores.1.insert_refresh(&m, refresh(3, &laptop)).await,
        "insert_refresh",
    );
    let (_, bob_device) = signed_in(&stores, &m, 2, "bob@example.com").await;
    let changed = Credential {
        updated_at: T0 + Duration::hours(1),
        ..ana.clone()
    };
    ok(
        stores
            .0
            .update_ending_sessions(&m, changed.clone(), Some(laptop.id))
            .await,
        "update_ending_sessions",
    );
    assert_eq!(
        ok(stores.0.find_by_id(&m, ana.id).await, "find_by_id"),
        Some(changed.clone()),
        "the credential is replaced"
    );
    assert!(
        !has_session(&stores, &m, &phone, 1).await,
        "the other session ended"
    );
    assert!(
        has_session(&stores, &m, &laptop, 3).await,
        "the kept session stays"
    );
    assert!(
        has_session(&stores, &m, &bob_device, 2).await,
        "another credential's session stays"
    );
    ok(
        stores.0.update_ending_sessions(&m, changed, None).await,
        "update_ending_sessions",
    );
    assert!(
        !has_session(&stores, &m, &laptop, 3).await,
        "without keep, every session ends"
    );
}

/// "MUST fail with `StoreError::NotFound` when there is none, and a failure leaves both as
/// they were."
pub async fn ending_sessions_of_a_credential_that_is_not_live_is_not_found(stores: Stores) {
    let m = org("masmovil");
    let (ana, d) = signed_in(&stores, &m, 1, "ana@example.com").await;
    let stranger = Credential {
        id: uuid(99),
        ..ana
    };
    assert_not_found(
        stores.0.update_ending_sessions(&m, stranger, None).await,
        "update_ending_sessions of an unknown id",
    );
    assert!(has_session(&stores, &m, &d, 1).await, "nothing ended");
}

/// "Storing it ... deleted MUST also end its device sessions".
pub async fn deleting_a_credential_ends_its_sessions(stores: Stores) {
    let m = org("masmovil");
    let (ana, d) = signed_in(&stores, &m, 1, "ana@example.com").await;
    let deleted = ana.deleted(T0 + Duration::hours(1));
    ok(stores.0.update(&m, deleted).await, "update (delete)");
    assert!(!has_session(&stores, &m, &d, 1).await, "the session ended");
}

/// An update that leaves the credential enabled and live (a login stamp, `require2fa`) keeps
/// its sessions.
pub async fn an_enabled_update_keeps_the_sessions(stores: Stores) {
    let m = org("masmovil");
    let (ana, d) = signed_in(&stores, &m, 1, "ana@example.com").await;
    let stamped = Credential {
        require2fa: true,
        last_login_at: Some(T0 + Duration::hours(2)),
        ..ana
    };
    ok(stores.0.update(&m, stamped).await, "update (enabled)");
    assert!(has_session(&stores, &m, &d, 1).await, "the session stays");
}

/// "a failure leaves both as they were": an update of a credential that is not live in that
/// org ends nothing.
pub async fn a_failed_update_keeps_the_sessions(stores: Stores) {
    let (m, y) = (org("masmovil"), org("yoigo"));
    let (ana, d) = signed_in(&stores, &m, 1, "ana@example.com").await;
    let disabled = Credential {
        enabled: false,
        ..ana
    };
    assert_not_found(
        stores.0.update(&y, disabled).await,
        "update of a credential of another org",
    );
    assert!(has_session(&stores, &m, &d, 1).await, "the session stays");
}

/// "ends its device sessions in `from`".
pub async fn moving_a_credential_ends_its_sessions_in_the_origin(stores: Stores) {
    let (m, y) = (org("masmovil"), org("yoigo"));
    let (ana, d) = signed_in(&stores, &m, 1, "ana@example.com").await;
    let (_, bob_device) = signed_in(&stores, &m, 2, "bob@example.com").await;
    let removed = ana.clone().deleted(T0 + Duration::hours(1));
    ok(
        stores.0.move_credential(&m, removed, &y, ana).await,
        "move_credential",
    );
    assert!(
        !has_session(&stores, &m, &d, 1).await,
        "the moved credential's session ended"
    );
    assert!(
        has_session(&stores, &m, &bob_device, 2).await,
        "bob's session stays"
    );
}
