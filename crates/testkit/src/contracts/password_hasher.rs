//! The contract of [`PasswordHasher`] (`latchkey_credential::ports`).
//!
//! `make` builds an instance of the hasher; checks that need "another instance built alike"
//! (a restart) call it twice.

use super::begin;
use latchkey_core::BoxError;
use latchkey_credential::{Password, PasswordHash, PasswordHasher};

/// A password well within the policy, with spaces and a non-ASCII letter.
const PASSWORD: &str = "correct horse battery stäple";

/// Passwords that differ from [`PASSWORD`] by little: case, a space, one letter, a prefix.
const NEAR_MISSES: [&str; 6] = [
    "Correct horse battery stäple",
    "correct horse battery stäple ",
    " correct horse battery stäple",
    "correct horse battery staple",
    "correct horse battery stäpl",
    "",
];

/// Runs every check, each on a fresh hasher from `make`.
pub async fn run<F, H>(make: F)
where
    F: Fn() -> H,
    H: PasswordHasher,
{
    let port = "PasswordHasher";
    begin(port, "a_hash_verifies_its_password");
    a_hash_verifies_its_password(&make()).await;
    begin(port, "a_hash_refuses_every_other_password");
    a_hash_refuses_every_other_password(&make()).await;
    begin(port, "a_hash_does_not_contain_the_password");
    a_hash_does_not_contain_the_password(&make()).await;
    begin(port, "hashing_again_gives_another_hash_that_verifies_too");
    hashing_again_gives_another_hash_that_verifies_too(&make()).await;
    begin(port, "a_hash_verifies_with_another_instance");
    a_hash_verifies_with_another_instance(&make(), &make()).await;
    begin(port, "an_unreadable_hash_is_an_error");
    an_unreadable_hash_is_an_error(&make()).await;
}

async fn hash(hasher: &dyn PasswordHasher, password: &str) -> PasswordHash {
    match hasher.hash(&Password::new(password)).await {
        Ok(hash) => hash,
        Err(e) => panic!("hash of {password:?}: expected Ok, got Err({e})"),
    }
}

async fn verify(hasher: &dyn PasswordHasher, password: &str, hash: &PasswordHash) -> bool {
    let verified: Result<bool, BoxError> = hasher.verify(&Password::new(password), hash).await;
    match verified {
        Ok(matches) => matches,
        Err(e) => panic!("verify of {password:?}: expected Ok, got Err({e})"),
    }
}

/// "`Ok(true)` when `hash` is a hash of exactly this `password`."
pub async fn a_hash_verifies_its_password(hasher: &dyn PasswordHasher) {
    let stored = hash(hasher, PASSWORD).await;
    assert!(
        verify(hasher, PASSWORD, &stored).await,
        "a hash must verify the password it was made of"
    );
}

/// "`Ok(false)` for any other password" (case and spaces count).
pub async fn a_hash_refuses_every_other_password(hasher: &dyn PasswordHasher) {
    let stored = hash(hasher, PASSWORD).await;
    for other in NEAR_MISSES {
        assert!(
            !verify(hasher, other, &stored).await,
            "a hash of {PASSWORD:?} must not verify {other:?}"
        );
    }
}

/// "It does not contain the password."
pub async fn a_hash_does_not_contain_the_password(hasher: &dyn PasswordHasher) {
    let stored = hash(hasher, PASSWORD).await;
    assert!(
        !stored.as_phc().contains(PASSWORD),
        "a hash must not contain the password it was made of"
    );
}

/// "Hashing the same password again gives a different hash (a fresh salt); each of them
/// verifies."
pub async fn hashing_again_gives_another_hash_that_verifies_too(hasher: &dyn PasswordHasher) {
    let first = hash(hasher, PASSWORD).await;
    let second = hash(hasher, PASSWORD).await;
    assert_ne!(
        first.as_phc(),
        second.as_phc(),
        "two hashes of one password must differ (each is salted afresh)"
    );
    for stored in [&first, &second] {
        assert!(
            verify(hasher, PASSWORD, stored).await,
            "every hash of the password must verify it"
        );
    }
}

/// "A hash made by one instance of the hasher MUST verify with another instance built alike."
pub async fn a_hash_verifies_with_another_instance(
    hasher: &dyn PasswordHasher,
    restarted: &dyn PasswordHasher,
) {
    let stored = hash(hasher, PASSWORD).await;
    assert!(
        verify(restarted, PASSWORD, &stored).await,
        "a stored hash must verify with another instance of the hasher"
    );
    assert!(
        !verify(restarted, NEAR_MISSES[0], &stored).await,
        "another instance must refuse another password too"
    );
}

/// "MUST fail with `Err` when `hash` is not a hash this hasher can read."
pub async fn an_unreadable_hash_is_an_error(hasher: &dyn PasswordHasher) {
    for garbage in ["", "not a hash", "$", "$$$$"] {
        let result = hasher
            .verify(
                &Password::new(PASSWORD),
                &PasswordHash::from_phc(garbage.to_owned()),
            )
            .await;
        assert!(
            result.is_err(),
            "verify against {garbage:?} must be Err, not Ok({:?})",
            result.ok()
        );
    }
}
