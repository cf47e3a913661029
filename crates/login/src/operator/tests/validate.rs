//! Validation: live tokens cost no database round trip, anything else is refused with the
//! right code, revocations are heard at once.

use super::fixture::{ANA, AUDIENCE, Fixture, ISSUER, PASSWORD, access};
use crate::operator::{OPERATOR_CLIENT_ID, SignInError};
use latchkey_access::{AccessClaims, AccessTokenCodec, KeyService};
use latchkey_core::testing::{HeardRevocations, SeededRandom, T0};
use latchkey_crypto::{EcKeyGenerator, JwtCodec};
use latchkey_memory::MemSigningKeyStore;
use latchkey_operator::OperatorStore;
use latchkey_tenancy::{OrgAccess, ScopeSet, SignIn};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use time::Duration;
use uuid::Uuid;

fn claims(subject: &str, client_id: &str) -> AccessClaims {
    AccessClaims {
        issuer: ISSUER.to_owned(),
        subject: subject.to_owned(),
        audience: AUDIENCE.to_owned(),
        client_id: client_id.to_owned(),
        issued_at: T0.unix_timestamp(),
        expires_at: (T0 + Duration::hours(1)).unix_timestamp(),
        jwt_id: Uuid::from_u128(99),
        scopes: ScopeSet::default(),
        orgs: OrgAccess::All,
        credential: None,
        sign_in: Some(SignIn {
            auth_time: T0.unix_timestamp(),
            amr: vec!["pwd".to_owned()],
            session: Some(Uuid::from_u128(98)),
        }),
    }
}

#[tokio::test]
async fn a_live_token_is_checked_once_then_answered_from_the_caches() {
    let f = Fixture::new().await;
    let ana = f.ana().await;
    let tokens = f.tokens(ANA, PASSWORD).await;
    let (gets, checks) = (
        f.store.gets.load(Ordering::SeqCst),
        f.revoked.checks.load(Ordering::SeqCst),
    );
    let first = f.sign_in.validate(access(&tokens)).await.unwrap();
    assert_eq!(f.revoked.checks.load(Ordering::SeqCst), checks + 1);
    assert_eq!(f.store.gets.load(Ordering::SeqCst), gets + 1);
    f.clock.advance(Duration::seconds(2));
    for _ in 0..100 {
        let valid = f.sign_in.validate(access(&tokens)).await.unwrap();
        assert_eq!(valid.operator.id, ana.id);
        assert_eq!(valid.expires_in, 3598);
        assert_eq!(valid.claims, first.claims);
    }
    assert_eq!(f.revoked.checks.load(Ordering::SeqCst), checks + 1);
    assert_eq!(f.store.gets.load(Ordering::SeqCst), gets + 1);
}

#[tokio::test]
async fn an_expired_genuine_token_is_expired_and_the_rest_invalid() {
    let f = Fixture::new().await;
    f.ana().await;
    let tokens = f.tokens(ANA, PASSWORD).await;
    f.sign_in.validate(access(&tokens)).await.unwrap();
    f.clock.advance(Duration::hours(1));
    assert!(matches!(
        f.sign_in.validate(access(&tokens)).await,
        Err(SignInError::ExpiredToken)
    ));
    // One character of the signature changed (not the last: part of it is padding bits).
    let mut changed = access(&tokens).as_bytes().to_vec();
    let at = changed.len() - 10;
    changed[at] = if changed[at] == b'A' { b'B' } else { b'A' };
    let changed = String::from_utf8(changed).unwrap();
    for bad in ["", "garbage", "a.b.c", changed.as_str()] {
        assert!(
            matches!(
                f.sign_in.validate(bad).await,
                Err(SignInError::InvalidToken)
            ),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn tokens_that_are_not_an_operators_are_invalid() {
    let f = Fixture::new().await;
    let ana = f.ana().await;
    let id = ana.id.to_string();
    // Signed by this server, but a customer's or a service's.
    let service = f.codec.sign(&claims(&id, "crm")).unwrap();
    let mut customer = claims(&id, OPERATOR_CLIENT_ID);
    customer.credential = Some(ana.id);
    let customer = f.codec.sign(&customer).unwrap();
    // An operator's shape, for an operator that does not exist.
    let nobody = f
        .codec
        .sign(&claims(&Uuid::from_u128(5).to_string(), OPERATOR_CLIENT_ID))
        .unwrap();
    // Signed by another key.
    let stranger = Arc::new(JwtCodec::new(ISSUER.to_owned(), AUDIENCE.to_owned()));
    KeyService::new(
        Arc::new(MemSigningKeyStore::default()),
        Arc::new(EcKeyGenerator),
        stranger.clone(),
        f.clock.clone(),
        Arc::new(SeededRandom::new(3)),
        Arc::new(HeardRevocations::default()),
    )
    .ensure_key()
    .await
    .unwrap();
    let forged = stranger.sign(&claims(&id, OPERATOR_CLIENT_ID)).unwrap();
    for token in [service, customer, nobody, forged] {
        assert!(matches!(
            f.sign_in.validate(&token).await,
            Err(SignInError::InvalidToken)
        ));
    }
    // The same claims signed here are an operator's.
    let genuine = f.codec.sign(&claims(&id, OPERATOR_CLIENT_ID)).unwrap();
    f.sign_in.validate(&genuine).await.unwrap();
}

#[tokio::test]
async fn an_operator_whose_sessions_end_or_who_is_deleted_is_refused_at_once() {
    let f = Fixture::new().await;
    let ana = f.ana().await;
    let bea = f.operator("bea@example.com", |_| {}).await;
    let ana_tokens = f.tokens(ANA, PASSWORD).await;
    let bea_tokens = f.tokens("bea@example.com", PASSWORD).await;
    f.sign_in.validate(access(&ana_tokens)).await.unwrap();
    f.sign_in.validate(access(&bea_tokens)).await.unwrap();

    // What the directory does when it suspends an operator.
    f.operators.end_sessions(ana.id).await.unwrap();
    assert!(matches!(
        f.sign_in.validate(access(&ana_tokens)).await,
        Err(SignInError::InvalidToken)
    ));
    OperatorStore::delete(&f.store.inner, bea.id).await.unwrap();
    f.clock
        .advance(Duration::seconds(crate::operator::OPERATOR_TTL));
    assert!(matches!(
        f.sign_in.validate(access(&bea_tokens)).await,
        Err(SignInError::InvalidToken)
    ));
}

#[tokio::test]
async fn a_suspended_operator_s_token_is_refused_once_its_record_is_read_again() {
    let f = Fixture::new().await;
    let ana = f.ana().await;
    let tokens = f.tokens(ANA, PASSWORD).await;
    f.sign_in.validate(access(&tokens)).await.unwrap();
    let mut suspended = f.reload(ana.id).await;
    suspended.suspended = true;
    f.store.inner.update(&suspended).await.unwrap();
    f.clock
        .advance(Duration::seconds(crate::operator::OPERATOR_TTL));
    assert!(matches!(
        f.sign_in.validate(access(&tokens)).await,
        Err(SignInError::InvalidToken)
    ));
}

#[tokio::test]
async fn a_key_not_loaded_here_is_loaded_once_then_verifies() {
    let f = Fixture::new().await;
    f.ana().await;
    let tokens = f.tokens(ANA, PASSWORD).await;
    // An instance whose codec has not loaded the ring yet (as after a rotation elsewhere).
    let instance = |reload: bool| {
        let codec = Arc::new(JwtCodec::new(ISSUER.to_owned(), AUDIENCE.to_owned()));
        let keys = KeyService::new(
            f.key_store.clone(),
            Arc::new(EcKeyGenerator),
            codec.clone(),
            f.clock.clone(),
            Arc::new(SeededRandom::new(4)),
            Arc::new(HeardRevocations::default()),
        );
        let ports = crate::operator::OperatorSignInPorts {
            codec,
            cache: Arc::default(),
            ..f.ports.clone()
        };
        let sign_in = crate::operator::OperatorSignIn::new(ports, f.settings.clone());
        if reload {
            sign_in.with_key_reload(keys)
        } else {
            sign_in
        }
    };
    assert!(matches!(
        instance(false).validate(access(&tokens)).await,
        Err(SignInError::InvalidToken)
    ));
    let reloading = instance(true);
    let valid = reloading.validate(access(&tokens)).await.unwrap();
    assert_eq!(valid.claims.subject, valid.operator.id.to_string());
}

#[test]
fn no_client_can_have_the_operators_client_id() {
    // What keeps an operator's token out of the Credentials API: its verifier looks the
    // `client_id` up as a client, and this one never parses as one.
    assert!(latchkey_tenancy::ClientId::parse(OPERATOR_CLIENT_ID).is_err());
}
