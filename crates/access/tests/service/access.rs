//! The client-credentials grant and bearer-token verification.

use crate::material::{material, other_es256};
use crate::recording::RecordingCodec;
use latchkey_access::{
    AccessClaims, AccessTokenCodec, AccessTokenVerifier, AuthError, GrantError, IssuedAccessToken,
    ServiceTokenIssuer, SigningAlgorithm, SigningKey, VerifyError,
};
use latchkey_core::testing::{FixedClock, HeardRevocations, SeededRandom, T0};
use latchkey_core::{Clock, SecretHash, SecureRandom, Timestamp};
use latchkey_crypto::JwtCodec;
use latchkey_memory::{MemClientRegistry, MemRevokedTokens, MemTenantDirectory};
use latchkey_tenancy::{
    ApiClient, ClientId, ClientName, ClientRegistry as _, ClientService, Grant, LoginSettings,
    OrgAccess, Scope, ScopeSet,
};
use std::sync::Arc;
use time::Duration;
use uuid::Uuid;

const TTL: Duration = Duration::minutes(15);
const ISSUER: &str = "https://latchkey.test";
const AUDIENCE: &str = "latchkey-api";
const KID: &str = "access-key";

struct Fixture {
    clients: Arc<MemClientRegistry>,
    codec: Arc<RecordingCodec>,
    issuer: ServiceTokenIssuer,
    verifier: AccessTokenVerifier,
}

/// The signing key of the fixture's codec.
fn signing_key(private_pkcs8: Vec<u8>) -> SigningKey {
    SigningKey {
        kid: KID.to_owned(),
        algorithm: SigningAlgorithm::Es256,
        private_pkcs8,
        created_at: T0,
    }
}

fn fixture() -> Fixture {
    let clients = Arc::new(MemClientRegistry::default());
    let codec = Arc::new(RecordingCodec::new(JwtCodec::new(
        ISSUER.to_owned(),
        AUDIENCE.to_owned(),
    )));
    codec
        .load(&[signing_key(material(SigningAlgorithm::Es256))])
        .unwrap();
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::at(T0));
    let random: Arc<dyn SecureRandom> = Arc::new(SeededRandom::new(9));
    let service = ClientService::new(
        clients.clone(),
        Arc::new(MemTenantDirectory::default()),
        clock.clone(),
        random.clone(),
        Arc::new(HeardRevocations::default()),
    );
    Fixture {
        issuer: ServiceTokenIssuer::new(
            service.clone(),
            codec.clone(),
            clock.clone(),
            random,
            ISSUER.to_owned(),
            AUDIENCE.to_owned(),
            TTL,
        ),
        verifier: AccessTokenVerifier::new(
            service,
            codec.clone(),
            Arc::new(MemRevokedTokens::default()),
            clock,
        ),
        clients,
        codec,
    }
}

fn scopes(list: &[Scope]) -> ScopeSet {
    list.iter().copied().collect()
}

fn yoigo() -> OrgAccess {
    OrgAccess::parse(&["yoigo"]).unwrap()
}

/// Registers `billing` (secret `s3cret`) with the `tokens` and `credentials:read` scopes on
/// `yoigo`, created at `created_at`.
async fn register_billing(f: &Fixture, created_at: Timestamp) -> ApiClient {
    let client = ApiClient {
        id: ClientId::parse("billing").unwrap(),
        name: ClientName::parse("Billing").unwrap(),
        secret_hash: SecretHash::of(b"s3cret"),
        scopes: scopes(&[Scope::Tokens, Scope::CredentialsRead]),
        orgs: yoigo(),
        created_at,
        grants: [Grant::ClientCredentials].into_iter().collect(),
        login: LoginSettings::default(),
    };
    f.clients.upsert(client.clone()).await.unwrap();
    client
}

/// `billing`'s claims, issued at `iat`, expiring at `exp`.
fn billing_claims(iat: Timestamp, exp: Timestamp) -> AccessClaims {
    AccessClaims {
        issuer: ISSUER.to_owned(),
        subject: "billing".to_owned(),
        audience: AUDIENCE.to_owned(),
        client_id: "billing".to_owned(),
        issued_at: iat.unix_timestamp(),
        expires_at: exp.unix_timestamp(),
        jwt_id: Uuid::nil(),
        scopes: scopes(&[Scope::Tokens]),
        orgs: yoigo(),
        credential: None,
        sign_in: None,
    }
}

/// A token the fixture's codec signed with `billing`'s claims, issued at `iat`, expiring at
/// `exp`.
fn token_of_billing(f: &Fixture, iat: Timestamp, exp: Timestamp) -> String {
    f.codec.sign(&billing_claims(iat, exp)).unwrap()
}

async fn grant(f: &Fixture, requested: Option<&str>) -> Result<IssuedAccessToken, GrantError> {
    f.issuer
        .client_credentials("billing", b"s3cret", requested)
        .await
}

#[tokio::test]
async fn requested_scopes_are_narrowed_to_the_clients_scopes() {
    let f = fixture();
    register_billing(&f, T0).await;
    let issued = grant(&f, Some("tokens otp")).await.unwrap();
    assert_eq!(issued.scopes, scopes(&[Scope::Tokens]));
    let signed = f.codec.signed();
    assert_eq!(signed.len(), 1);
    assert_eq!(signed[0].0.scopes, scopes(&[Scope::Tokens]));
}

#[tokio::test]
async fn unknown_scope_name_is_invalid_scope() {
    let f = fixture();
    register_billing(&f, T0).await;
    let result = grant(&f, Some("tokens credentials:delete")).await;
    assert!(
        matches!(result, Err(GrantError::InvalidScope)),
        "{result:?}"
    );
    assert!(f.codec.signed().is_empty());
}

#[tokio::test]
async fn nothing_left_after_narrowing_is_invalid_scope() {
    let f = fixture();
    register_billing(&f, T0).await;
    let result = grant(&f, Some("otp keys:admin")).await;
    assert!(
        matches!(result, Err(GrantError::InvalidScope)),
        "{result:?}"
    );
    assert!(f.codec.signed().is_empty());
}

#[tokio::test]
async fn no_requested_scope_grants_every_client_scope() {
    let f = fixture();
    let client = register_billing(&f, T0).await;
    for requested in [None, Some(""), Some("   ")] {
        let issued = grant(&f, requested).await.unwrap();
        assert_eq!(issued.scopes, client.scopes, "{requested:?}");
    }
}

#[tokio::test]
async fn wrong_secret_is_invalid_client() {
    let f = fixture();
    register_billing(&f, T0).await;
    let result = f.issuer.client_credentials("billing", b"guess", None).await;
    assert!(
        matches!(result, Err(GrantError::InvalidClient)),
        "{result:?}"
    );
}

#[tokio::test]
async fn claims_carry_issuer_audience_client_times_and_orgs() {
    let f = fixture();
    register_billing(&f, T0).await;
    let issued = grant(&f, None).await.unwrap();
    let (claims, token) = f.codec.signed()[0].clone();
    assert_eq!(claims.issuer, ISSUER);
    assert_eq!(claims.audience, AUDIENCE);
    assert_eq!(claims.subject, "billing");
    assert_eq!(claims.client_id, "billing");
    assert_eq!(claims.issued_at, T0.unix_timestamp());
    assert_eq!(claims.expires_at, (T0 + TTL).unix_timestamp());
    assert_eq!(claims.orgs, yoigo());
    assert_eq!(issued.expires_in, TTL.whole_seconds());
    assert_eq!(
        issued.token, token,
        "the token is the codec's, for those claims"
    );
}

#[tokio::test]
async fn verify_returns_the_principal_of_a_live_token() {
    let f = fixture();
    register_billing(&f, T0).await;
    let token = token_of_billing(&f, T0, T0 + Duration::seconds(1));
    let (principal, expires_at) = f.verifier.verify(&token).await.unwrap();
    assert_eq!(principal.subject, "billing");
    assert_eq!(principal.scopes, scopes(&[Scope::Tokens]));
    assert_eq!(principal.orgs, yoigo());
    assert_eq!(expires_at, (T0 + Duration::seconds(1)).unix_timestamp());
}

#[tokio::test]
async fn token_expiring_now_or_earlier_is_expired() {
    let f = fixture();
    register_billing(&f, T0 - TTL).await;
    for exp in [T0, T0 - Duration::seconds(1)] {
        let token = token_of_billing(&f, T0 - TTL, exp);
        let result = f.verifier.verify(&token).await;
        assert!(
            matches!(result, Err(AuthError::Expired)),
            "{exp}: {result:?}"
        );
    }
}

#[tokio::test]
async fn token_of_a_deleted_client_is_revoked() {
    let f = fixture();
    let token = token_of_billing(&f, T0, T0 + TTL);
    let result = f.verifier.verify(&token).await;
    assert!(matches!(result, Err(AuthError::Revoked)), "{result:?}");
}

#[tokio::test]
async fn token_issued_before_its_client_was_recreated_is_revoked() {
    let f = fixture();
    register_billing(&f, T0 + Duration::seconds(1)).await;
    let token = token_of_billing(&f, T0, T0 + TTL);
    let result = f.verifier.verify(&token).await;
    assert!(matches!(result, Err(AuthError::Revoked)), "{result:?}");
}

#[tokio::test]
async fn codec_error_passes_through_as_invalid() {
    let f = fixture();
    register_billing(&f, T0).await;
    // Signed under the fixture's kid by another key: the codec answers `BadSignature`.
    let impostor = JwtCodec::new(ISSUER.to_owned(), AUDIENCE.to_owned());
    impostor.load(&[signing_key(other_es256())]).unwrap();
    let forged = impostor.sign(&billing_claims(T0, T0 + TTL)).unwrap();
    let result = f.verifier.verify(&forged).await;
    assert!(
        matches!(result, Err(AuthError::Invalid(VerifyError::BadSignature))),
        "{result:?}"
    );
}
