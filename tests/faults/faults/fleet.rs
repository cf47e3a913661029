//! Two instances on one database: what one instance creates, the other serves at once (a
//! cache miss reads through); what one takes away, the other stops serving as soon as the
//! database's notification reaches it, well before any cache of a second would expire.

use latchkey_faults::{ChildServer, PrivatePostgres};
use latchkey_tests::credential_path;
use serde_json::json;
use std::time::{Duration, Instant};

/// How long a deletion on A may take to reach B: its notification, not a cache's expiry (1 s).
const NOTIFIED_WITHIN: Duration = Duration::from_millis(500);

#[actix_rt::test]
#[ignore = "a fault test: `just test-faults`"]
async fn a_tenant_created_on_one_instance_is_served_by_the_other_at_once() {
    let postgres = PrivatePostgres::start();
    let a = ChildServer::start(&[("LATCHKEY_DATABASE_URL", &postgres.url())]);
    let b = ChildServer::start(&[("LATCHKEY_DATABASE_URL", &postgres.url())]);
    let (on_a, on_b) = (a.remote(), b.remote());
    let (admin_a, admin_b) = (on_a.admin_token().await, on_b.admin_token().await);
    // B has the tenant list in hand (the cache a miss must read through).
    let list = on_b.call("GET", "/v1/orgs", Some(&admin_b), None).await;
    assert_eq!(list.code(), 200, "{}", list.text());
    let created = credential_path("masmovil", "warm@example.com");
    let answer = on_b.call("POST", &created, Some(&admin_b), None).await;
    assert_eq!(answer.code(), 201, "{}", answer.text());

    let body = json!({"name": "Brand New"});
    let answer = on_a
        .call("PUT", "/v1/orgs/brandnew", Some(&admin_a), Some(&body))
        .await;
    assert!(
        matches!(answer.code(), 200 | 201),
        "PUT on A: {}",
        answer.text()
    );

    // At once: no wait, no retry.
    let path = credential_path("brandnew", "ana@example.com");
    let answer = on_b.call("POST", &path, Some(&admin_b), None).await;
    assert_eq!(
        answer.code(),
        201,
        "a credential in the new tenant on B: {}",
        answer.text()
    );
    let answer = on_b
        .call("GET", "/v1/orgs/brandnew", Some(&admin_b), None)
        .await;
    assert_eq!(answer.code(), 200, "the new tenant on B: {}", answer.text());
    // One credential, whichever instance is asked.
    let answer = on_a.call("GET", &path, Some(&admin_a), None).await;
    assert_eq!(answer.code(), 200, "B's credential on A: {}", answer.text());
}

#[actix_rt::test]
#[ignore = "a fault test: `just test-faults`"]
async fn a_client_deleted_on_one_instance_gets_no_token_on_the_other() {
    let postgres = PrivatePostgres::start();
    let a = ChildServer::start(&[("LATCHKEY_DATABASE_URL", &postgres.url())]);
    let b = ChildServer::start(&[("LATCHKEY_DATABASE_URL", &postgres.url())]);
    let (on_a, on_b) = (a.remote(), b.remote());
    let admin_a = on_a.admin_token().await;
    let body = json!({"name": "doomed", "scopes": ["credentials:read"], "orgs": ["masmovil"]});
    let created = on_a
        .call("POST", "/v1/clients", Some(&admin_a), Some(&body))
        .await;
    let created = created.expect_json(201);
    let id = created["client_id"].as_str().unwrap().to_owned();
    let secret = created["client_secret"].as_str().unwrap().to_owned();
    let grant = [("grant_type", "client_credentials")];
    // B has the client in hand: a token from B, used on B.
    let answer = on_b.token_request(&id, &secret, &grant).await;
    let token = answer.expect_json(200)["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let read = credential_path("masmovil", "nobody@example.com");
    let answer = on_b.call("GET", &read, Some(&token), None).await;
    assert_eq!(answer.code(), 404, "{}", answer.text());

    let answer = on_a
        .call("DELETE", &format!("/v1/clients/{id}"), Some(&admin_a), None)
        .await;
    assert_eq!(answer.code(), 204, "DELETE on A: {}", answer.text());
    let deleted = Instant::now();

    let refused = loop {
        let answer = on_b.token_request(&id, &secret, &grant).await;
        if answer.code() != 200 {
            break answer;
        }
        assert!(
            deleted.elapsed() < NOTIFIED_WITHIN,
            "B still issues tokens to the client deleted on A {:?} later",
            deleted.elapsed()
        );
        actix_rt::time::sleep(Duration::from_millis(10)).await;
    };
    eprintln!(
        "B refused the deleted client {:?} after its deletion",
        deleted.elapsed()
    );
    assert_eq!(refused.expect_oauth_error(401), "invalid_client");
    // Its token from before is refused on B too.
    let answer = on_b.call("GET", &read, Some(&token), None).await;
    assert_eq!(
        answer.code(),
        401,
        "the deleted client's token on B: {}",
        answer.text()
    );
}
