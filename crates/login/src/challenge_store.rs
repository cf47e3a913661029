//! A pending MFA challenge as operators' and subscribers' sign-ins keep it: its record as JSON
//! in the ephemeral store, under a key its UUID names, for as long as its newest code lives
//! ([`CODE_TTL`]); and the sending of its code.

use crate::operator::SignInError;
use latchkey_core::SecretHash;
use latchkey_notify::{Message, Notifier};
use latchkey_oauth::EphemeralStore;
use latchkey_otp::{CODE_TTL, Issue, OtpCode, OtpStore, RESEND_AFTER};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// Keeps `record` under `key` for [`CODE_TTL`] (a later call starts the time again).
pub(crate) async fn save_challenge<R: Serialize>(
    ephemeral: &dyn EphemeralStore,
    key: &str,
    record: &R,
) -> Result<(), SignInError> {
    let bytes = serde_json::to_vec(record).map_err(SignInError::unavailable)?;
    ephemeral.put(key, &bytes, CODE_TTL).await?;
    Ok(())
}

/// The pending challenge a client names by `uuid` (its text) and its record, kept under
/// `key(uuid)`: `BadMfaTransaction` when the text is no UUID or no such challenge is pending.
pub(crate) async fn open_challenge<R: DeserializeOwned>(
    ephemeral: &dyn EphemeralStore,
    uuid: &str,
    key: fn(Uuid) -> String,
) -> Result<(Uuid, R), SignInError> {
    let uuid = Uuid::try_parse(uuid.trim()).map_err(|_| SignInError::BadMfaTransaction)?;
    let bytes = ephemeral
        .get(&key(uuid))
        .await?
        .ok_or(SignInError::BadMfaTransaction)?;
    let record = serde_json::from_slice(&bytes).map_err(SignInError::unavailable)?;
    Ok((uuid, record))
}

/// Issues a challenge's `code`, kept under `key` as its `hash` for [`CODE_TTL`] (`Throttled`
/// within [`RESEND_AFTER`] of the last one), and sends `message` with it (its template's
/// `code` and `minutes`). A code whose message was not delivered is withdrawn
/// (`Undeliverable`), so it may be asked again.
pub(crate) async fn issue_and_send(
    codes: &dyn OtpStore,
    notifier: &dyn Notifier,
    (key, hash, code): (&str, &SecretHash, &OtpCode),
    message: Message,
) -> Result<(), SignInError> {
    let message = message
        .with("code", code.expose())
        .with("minutes", CODE_TTL.whole_minutes().to_string());
    match codes.issue(key, hash, CODE_TTL, RESEND_AFTER).await? {
        Issue::Issued => {}
        Issue::TooSoon { retry_after } => return Err(SignInError::Throttled { retry_after }),
    }
    if let Err(e) = notifier.send(&message).await {
        let _ = codes.withdraw(key).await;
        return Err(SignInError::Undeliverable(e.into()));
    }
    Ok(())
}
