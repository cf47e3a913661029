//! CIBA requests (poll mode): polls answer pending, slow down, expired; the customer's first
//! decision stands and an approval is answered once.

use latchkey_core::testing::{FixedClock, SeededRandom};
use latchkey_core::{OrgId, Timestamp};
use latchkey_memory::MemEphemeralStore;
use latchkey_oauth::{CIBA_EXPIRES_IN, CibaRequest, CibaService, Decision, Poll, TokenError};
use std::sync::Arc;
use time::Duration;
use uuid::Uuid;

const ANA: Uuid = Uuid::from_u128(0xa11a);

fn service() -> (CibaService, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::at(
        Timestamp::from_unix_timestamp(1_800_000_000).unwrap(),
    ));
    let store = Arc::new(MemEphemeralStore::new(clock.clone()));
    (
        CibaService::new(store, clock.clone(), Arc::new(SeededRandom::new(7))),
        clock,
    )
}

fn request() -> CibaRequest {
    CibaRequest {
        client_id: "tv-app".to_owned(),
        org: OrgId::parse("masmovil").unwrap(),
        credential: ANA,
        username: "ana@example.com".to_owned(),
        scope: "openid".to_owned(),
        binding_message: Some("BX-42".to_owned()),
        expires_at: 0,
        interval: 0,
        last_poll: None,
        offline: false,
    }
}

fn advance(clock: &FixedClock, seconds: i64) {
    clock.advance(Duration::seconds(seconds));
}

#[tokio::test]
async fn polls_answer_pending_slow_down_then_expired() {
    let (ciba, clock) = service();
    let id = ciba.create(request()).await.unwrap();
    assert_eq!(ciba.poll(&id, "tv-app").await.unwrap(), Poll::Pending);
    advance(&clock, 2);
    assert_eq!(ciba.poll(&id, "tv-app").await.unwrap(), Poll::SlowDown);
    // The interval grew to 10 s: 6 s later is still too fast.
    advance(&clock, 6);
    assert_eq!(ciba.poll(&id, "tv-app").await.unwrap(), Poll::SlowDown);
    advance(&clock, 16);
    assert_eq!(ciba.poll(&id, "tv-app").await.unwrap(), Poll::Pending);
    assert!(matches!(
        ciba.poll(&id, "another-client").await,
        Err(TokenError::InvalidGrant(_))
    ));
    advance(&clock, CIBA_EXPIRES_IN);
    assert_eq!(ciba.poll(&id, "tv-app").await.unwrap(), Poll::Expired);
    assert!(ciba.pending(&id).await.unwrap().is_none());
    let late = Decision::Denied;
    assert!(
        !ciba.decide(&id, ANA, &late).await.unwrap(),
        "no decision after expiry"
    );
}

#[tokio::test]
async fn the_first_decision_stands_and_approval_is_answered_once() {
    let (ciba, _) = service();
    let id = ciba.create(request()).await.unwrap();
    let other = Uuid::from_u128(0xb0b);
    assert!(
        !ciba.decide(&id, other, &Decision::Denied).await.unwrap(),
        "only the customer decides"
    );
    let approved = Decision::Approved {
        auth_time: 1_800_000_000,
        amr: vec!["pwd".to_owned()],
    };
    assert!(ciba.decide(&id, ANA, &approved).await.unwrap());
    assert!(!ciba.decide(&id, ANA, &Decision::Denied).await.unwrap());
    let first = ciba.poll(&id, "tv-app").await.unwrap();
    assert!(matches!(first, Poll::Approved { ref amr, .. } if amr == &["pwd"]));
    assert!(
        ciba.poll(&id, "tv-app").await.is_err(),
        "tokens are issued once"
    );
}
