//! Valid domain values with sensible defaults, for tests that need "a tenant" or "a credential"
//! and care about one or two of its fields. Every field is public: change what the test is about.
//!
//! Timestamps are whole seconds from [`T0`], so they survive a round trip through any store
//! (PostgreSQL keeps microseconds, not nanoseconds).

use latchkey_access::{SigningAlgorithm, SigningKey};
use latchkey_core::{OrgId, SecretHash, SecureRandom as _, Timestamp};
use latchkey_credential::{Credential, CredentialAttrs, PasswordHash, Username};
use latchkey_credential::{SecurityToken, TokenPurpose};
use latchkey_operator::{
    AccessRight, ApiKey, ApiKeyAccess, Operator, OperatorEmail, OperatorSession, Role,
};
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

/// An operator's e-mail address (lower-cased); panics if `raw` is not one.
pub fn operator_email(raw: &str) -> OperatorEmail {
    OperatorEmail::parse(raw).unwrap_or_else(|e| panic!("fixture e-mail {raw:?}: {e}"))
}

/// A usable operator: not suspended, validated, no second factor, no org, password
/// [`password_hash`] (its only one), created and modified at [`T0`] by `cli`.
pub fn operator(id: Uuid, email: &str, role: Role) -> Operator {
    let email = operator_email(email);
    Operator {
        id,
        name: email
            .as_str()
            .split('@')
            .next()
            .unwrap_or_default()
            .to_owned(),
        email,
        description: String::new(),
        role,
        owner: None,
        locale: "en".to_owned(),
        location: String::new(),
        notes: Vec::new(),
        suspended: false,
        blacklisted: false,
        validated: true,
        validation_date: Some(T0),
        waiting_for_email_check: false,
        change_password: false,
        mfa: None,
        mobiles: Vec::new(),
        last_login: None,
        password: password_hash(),
        password_history: vec![password_hash()],
        last_password_change: T0,
        created: T0,
        created_by: "cli".to_owned(),
        modified: T0,
        modified_by: "cli".to_owned(),
    }
}

/// The clear secret of [`api_key`]`(id, ..)`.
pub fn api_key_secret(id: Uuid) -> String {
    format!("api-key-{id}")
}

/// A key of `operator` named `name`, reading the security service, created at [`T0`] and
/// expiring a day later, never used, whose secret is [`api_key_secret`]`(id)`.
pub fn api_key(id: Uuid, operator: Uuid, name: &str) -> ApiKey {
    ApiKey {
        id,
        operator,
        name: name.to_owned(),
        description: format!("key {name}"),
        hash: SecretHash::of(api_key_secret(id).as_bytes()),
        created: T0,
        expires: T0 + Duration::days(1),
        last_use: None,
        rights: vec![AccessRight {
            service: "owsec".to_owned(),
            access: ApiKeyAccess::Read,
        }],
    }
}

/// The clear refresh token of [`operator_session`]`(id, ..)`.
pub fn operator_refresh_secret(id: Uuid) -> String {
    format!("refresh-{id}")
}

/// A password sign-in of `operator` at [`T0`], living 30 days, whose refresh token is
/// [`operator_refresh_secret`]`(id)` and whose access token expires an hour later.
pub fn operator_session(id: Uuid, operator: Uuid) -> OperatorSession {
    OperatorSession {
        id,
        operator,
        refresh: SecretHash::of(operator_refresh_secret(id).as_bytes()),
        access_jti: Uuid::from_u128(id.as_u128() ^ 1),
        access_expires: T0 + Duration::hours(1),
        created: T0,
        amr: vec!["pwd".to_owned()],
        last_refresh: T0,
        expires: T0 + Duration::days(30),
    }
}

/// The empty profile of the subscriber `credential` with a name, modified at [`T0`].
pub fn subscriber_profile(credential: Uuid, name: &str) -> latchkey_subscriber::SubscriberProfile {
    latchkey_subscriber::SubscriberProfile {
        name: name.to_owned(),
        ..latchkey_subscriber::SubscriberProfile::new(credential, T0)
    }
}

/// A PNG avatar (the signature and `n` bytes after it), created at [`T0`].
pub fn avatar(n: usize) -> latchkey_subscriber::Avatar {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend((0..n).map(|i| (i % 251) as u8));
    latchkey_subscriber::Avatar {
        image_type: latchkey_subscriber::ImageType::Png,
        name: "me.png".to_owned(),
        bytes,
        created: T0,
    }
}

/// Preferences holding the given tags and values, modified at [`T0`].
pub fn preferences(data: &[(&str, &str)]) -> latchkey_subscriber::Preferences {
    latchkey_subscriber::Preferences {
        data: data
            .iter()
            .map(|(tag, value)| latchkey_subscriber::Preference {
                tag: (*tag).to_owned(),
                value: (*value).to_owned(),
            })
            .collect(),
        modified: T0,
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

    #[test]
    fn operator_fixtures_fit_together() {
        let o = operator(uuid(1), "Ana@Example.com", Role::Root);
        assert_eq!(
            (o.email.as_str(), o.name.as_str()),
            ("ana@example.com", "ana")
        );
        let key = api_key(uuid(2), o.id, "ci");
        assert!(key.hash.matches(api_key_secret(key.id).as_bytes()));
        let session = operator_session(uuid(3), o.id);
        assert!(
            session
                .refresh
                .matches(operator_refresh_secret(session.id).as_bytes())
        );
        assert_ne!(session.access_jti, session.id);
    }
}
