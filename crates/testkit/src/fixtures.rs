//! Valid domain values with sensible defaults, for tests that need "a tenant" or "a credential"
//! and care about one or two of its fields. Every field is public: change what the test is about.
//!
//! Timestamps are whole seconds from [`T0`], so they survive a round trip through any store
//! (PostgreSQL keeps microseconds, not nanoseconds).

use latchkey_access::{SigningAlgorithm, SigningKey};
use latchkey_core::{OrgId, SecretHash, SecureRandom as _, Timestamp};
use latchkey_credential::{Credential, CredentialAttrs, PasswordHash, Username};
use latchkey_credential::{SecurityToken, TokenPurpose};
use latchkey_tenancy::{
    ApiClient, ClientId, ClientName, Grant, LoginSettings, OrgAccess, Scope, ScopeSet, Tenant,
    TenantName,
};
use time::Duration;
use uuid::Uuid;

/// The instant every fixture is created at, and where [`crate::FixedClock::default`] stands.
pub use latchkey_core::testing::T0;

/// How long a fixture security token lives.
pub const TOKEN_LIFETIME: Duration = Duration::hours(1);

/// A deterministic version-4 uuid: the same `n` always gives the same uuid, different `n`s give
/// different ones.
pub fn uuid(n: u64) -> Uuid {
    crate::SeededRandom::new(n).uuid()
}

/// An org id; panics if `raw` is not one.
pub fn org(raw: &str) -> OrgId {
    OrgId::parse(raw).unwrap_or_else(|e| panic!("fixture org id {raw:?}: {e}"))
}

/// An enabled tenant named after its id, created and updated at [`T0`].
pub fn tenant(id: &str) -> Tenant {
    Tenant {
        id: org(id),
        name: TenantName::parse(&format!("Tenant {id}")).expect("a valid tenant name"),
        enabled: true,
        created_at: T0,
        updated_at: T0,
    }
}

/// A client id; panics if `raw` is not one.
pub fn client_id(raw: &str) -> ClientId {
    ClientId::parse(raw).unwrap_or_else(|e| panic!("fixture client id {raw:?}: {e}"))
}

/// The clear secret of [`client`]`(id)`.
pub fn client_secret(id: &str) -> String {
    format!("secret-of-{id}")
}

/// A client with the `credentials:read` and `tokens` scopes on `masmovil`, whose secret is
/// [`client_secret`]`(id)`, created at [`T0`].
pub fn client(id: &str) -> ApiClient {
    ApiClient {
        id: client_id(id),
        name: ClientName::parse(&format!("Client {id}")).expect("a valid client name"),
        secret_hash: SecretHash::of(client_secret(id).as_bytes()),
        scopes: [Scope::CredentialsRead, Scope::Tokens]
            .into_iter()
            .collect::<ScopeSet>(),
        orgs: OrgAccess::Only([org("masmovil")].into()),
        created_at: T0,
        grants: [Grant::ClientCredentials].into_iter().collect(),
        login: LoginSettings::default(),
    }
}

/// A username; panics if `raw` is not one.
pub fn username(raw: &str) -> Username {
    Username::parse(raw).unwrap_or_else(|e| panic!("fixture username {raw:?}: {e}"))
}

/// A new credential as the create endpoint makes it: disabled, no password, created at [`T0`].
pub fn credential(id: Uuid, username_raw: &str) -> Credential {
    Credential::new(id, username(username_raw), CredentialAttrs::default(), T0)
}

/// A credential whose password was set: enabled, with [`password_hash`], updated at [`T0`].
pub fn active_credential(id: Uuid, username_raw: &str) -> Credential {
    Credential {
        enabled: true,
        password_hash: Some(password_hash()),
        ..credential(id, username_raw)
    }
}

/// A well-formed argon2id PHC string. It is not the hash of any known password: tests that
/// verify passwords hash their own.
pub fn password_hash() -> PasswordHash {
    PasswordHash::from_phc(
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
            .to_owned(),
    )
}

/// A security token for `subject`, created at [`T0`], expiring [`TOKEN_LIFETIME`] later, whose
/// secret is the uuid's bytes.
pub fn security_token(id: Uuid, subject: &str, purpose: TokenPurpose) -> SecurityToken {
    SecurityToken {
        id,
        subject: subject.to_owned(),
        purpose,
        secret_hash: SecretHash::of(id.as_bytes()),
        created_at: T0,
        expires_at: T0 + TOKEN_LIFETIME,
        proves_email: false,
    }
}

/// An ES256 signing key record. `private_pkcs8` is filler derived from the kid, not a real key:
/// enough for storage tests, not for signing.
pub fn signing_key(kid: &str, created_at: Timestamp) -> SigningKey {
    SigningKey {
        kid: kid.to_owned(),
        algorithm: SigningAlgorithm::Es256,
        private_pkcs8: format!("not-a-real-pkcs8-key:{kid}").into_bytes(),
        created_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_deterministic_and_distinct() {
        assert_eq!(uuid(1), uuid(1));
        assert_ne!(uuid(1), uuid(2));
    }

    #[test]
    fn client_secret_matches_the_client_hash() {
        let c = client("portal");
        assert!(c.secret_hash.matches(client_secret("portal").as_bytes()));
        assert!(!c.secret_hash.matches(client_secret("other").as_bytes()));
    }

    #[test]
    fn active_credential_is_enabled_and_live() {
        let c = active_credential(uuid(1), "Alice@Example.com");
        assert!(c.enabled && c.is_live() && c.password_hash.is_some());
        assert_eq!(c.username.as_str(), "alice@example.com");
    }
}
