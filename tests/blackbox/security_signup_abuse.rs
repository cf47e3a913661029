//! `/api/v1/signup` against abuse: an address that already has an account is answered as a new
//! one is (its owner told by e-mail, nothing registered), an unverified registration is
//! replaced by a new one of the same address, requests are limited per address and per client,
//! and every refusal has its code. Who may read or move a registration.

use crate::security_signup::{
    OWPROV, PASSWORD, choose, credential, expect_code, expect_detail, link, mails, new_uuid,
    operation, page, register, root_token, send, start, status,
};
use latchkey_testkit::smtp_sink::SmtpSink;
use serde_json::Value;

/// What a registration answer says beyond the address and ids: identical for every address.
fn shape(user: &Value) -> Value {
    let mut user = user.clone();
    let object = user.as_object_mut().unwrap();
    for varying in ["id", "email", "name", "signupUUID", "created", "modified"] {
        assert!(object.remove(varying).is_some(), "{varying} missing");
    }
    user
}

#[actix_rt::test]
async fn an_address_with_an_account_is_answered_as_a_new_one_and_its_owner_told() {
    let sink = SmtpSink::start();
    let server = start(&sink, |_| {}).await;
    // An account made through the Credentials API.
    let admin = server.admin_token(None).await;
    let path = latchkey_tests::credential_path("masmovil", "owner@example.com");
    let created = server.call("POST", &path, Some(&admin), None).await;
    assert_eq!(created.code(), 201, "{}", created.text());
    let existing = credential(&server, "owner@example.com")
        .await
        .expect_json(200);

    let fresh_uuid = new_uuid();
    let fresh = register(&server, "new@example.com", &fresh_uuid, &[]).await;
    let taken_uuid = new_uuid();
    let english = [("accept-language", "en-GB, es;q=0.5")];
    let taken = register(&server, "owner@example.com", &taken_uuid, &english).await;
    assert_eq!(fresh.code(), taken.code());
    let (fresh, taken) = (fresh.json(), taken.json());
    assert_eq!(shape(&fresh), shape(&taken));
    assert_eq!(taken["email"], "owner@example.com");
    assert_eq!(taken["signupUUID"], taken_uuid.as_str());
    // An id that names nothing: not the account's.
    uuid::Uuid::parse_str(taken["id"].as_str().unwrap()).unwrap();
    assert_ne!(taken["id"], existing["id"]);

    // A signupUUID is used up alike: reusing it says nothing about the address.
    for used in [fresh_uuid.as_str(), taken_uuid.as_str()] {
        expect_detail(
            &register(&server, "other@example.com", used, &[]).await,
            1018,
        );
    }
    let sent = mails(&sink, 2);
    let owner = sent
        .iter()
        .find(|(to, _)| to == "owner@example.com")
        .unwrap();
    assert!(owner.1.contains("already has an account"), "{}", owner.1);
    assert!(!owner.1.contains("actionLink"), "{}", owner.1);
    // The account is as it was, and no registration exists for that signupUUID.
    assert_eq!(
        credential(&server, "owner@example.com").await.json(),
        existing
    );
    let unknown = operation(&server, &taken_uuid, "poll", &OWPROV, None).await;
    expect_code(&unknown, 404, 404);
}

#[actix_rt::test]
async fn a_new_registration_of_an_address_replaces_its_unverified_one() {
    let sink = SmtpSink::start();
    let server = start(&sink, |_| {}).await;
    let (first, second) = (new_uuid(), new_uuid());
    let one = register(&server, "fay@example.com", &first, &[])
        .await
        .expect_json(200);
    let two = register(&server, "fay@example.com", &second, &[])
        .await
        .expect_json(200);
    assert_ne!(one["id"], two["id"]);
    let sent = mails(&sink, 2);
    let (old_path, old_id) = link(&sent[0].1);
    let (_, new_id) = link(&sent[1].1);
    assert_eq!(status(&server, &first, "poll").await["status"], "cancel");
    page(&send(&server, "GET", &old_path, &[], None).await, 400);
    page(&choose(&server, &old_id, PASSWORD, PASSWORD).await, 400);
    page(&choose(&server, &new_id, PASSWORD, PASSWORD).await, 200);
    let verified = status(&server, &second, "poll").await;
    assert_eq!(verified["status"], "emailVerified");
    assert_eq!(verified["userId"], two["id"]);
    // Verified, it is an account: a further request registers nothing.
    let third = new_uuid();
    register(&server, "fay@example.com", &third, &[])
        .await
        .expect_json(200);
    let told = mails(&sink, 3);
    assert!(told[2].1.contains("ya tiene una cuenta"), "{}", told[2].1);
    assert_eq!(
        status(&server, &second, "poll").await["status"],
        "emailVerified"
    );
}

#[actix_rt::test]
async fn registrations_are_limited_per_address_and_per_client() {
    let sink = SmtpSink::start();
    let server = start(&sink, |c| {
        c.security.signup_rate_per_address = "2/1h".parse().unwrap();
        c.security.signup_rate_per_client = "4/1h".parse().unwrap();
    })
    .await;
    for _ in 0..2 {
        register(&server, "gus@example.com", &new_uuid(), &[])
            .await
            .expect_json(200);
    }
    let limited = register(&server, "gus@example.com", &new_uuid(), &[]).await;
    expect_code(&limited, 429, 10);
    assert!(limited.header("retry-after").is_some());
    // Another address is not limited by that one; the client is, after its fourth.
    register(&server, "hal@example.com", &new_uuid(), &[])
        .await
        .expect_json(200);
    register(&server, "ivy@example.com", &new_uuid(), &[])
        .await
        .expect_json(200);
    let client = register(&server, "jo@example.com", &new_uuid(), &[]).await;
    expect_code(&client, 429, 10);
    // A sibling service that names itself registers for many people from one address: only
    // the per-address limit holds for it. A key that is no service's is refused.
    let wrong = [
        ("x-internal-name", "owprov"),
        ("x-api-key", "not-the-key-0123456"),
    ];
    expect_code(
        &register(&server, "jo@example.com", &new_uuid(), &wrong).await,
        403,
        8,
    );
    register(&server, "jo@example.com", &new_uuid(), &OWPROV)
        .await
        .expect_json(200);
    let address = register(&server, "gus@example.com", &new_uuid(), &OWPROV).await;
    expect_code(&address, 429, 10);
    // Refused requests send nothing: five registrations, five messages.
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(sink.delivered().len(), 5);
    assert_eq!(credential(&server, "jo@example.com").await.code(), 200);
}

#[actix_rt::test]
async fn bad_registrations_have_their_codes() {
    let sink = SmtpSink::start();
    let server = start(&sink, |_| {}).await;
    let uuid = new_uuid();
    let missing = format!("/api/v1/signup?signupUUID={uuid}");
    expect_detail(&send(&server, "POST", &missing, &[], None).await, 1018);
    let no_uuid = send(
        &server,
        "POST",
        "/api/v1/signup?email=kim@example.com",
        &[],
        None,
    );
    expect_detail(&no_uuid.await, 1018);
    expect_detail(
        &register(&server, "kim@example.com", "not-a-uuid", &[]).await,
        1018,
    );
    expect_detail(&register(&server, "not an address", &uuid, &[]).await, 1040);
    expect_detail(&register(&server, "+34600000000", &uuid, &[]).await, 1040);
    let unknown = [("x-latchkey-org", "nowhere")];
    expect_code(
        &register(&server, "kim@example.com", &uuid, &unknown).await,
        404,
        404,
    );
    let invalid = [("x-latchkey-org", "No Such Org!")];
    expect_detail(
        &register(&server, "kim@example.com", &uuid, &invalid).await,
        1018,
    );
    // The header names another tenant: the registration is there, not in the default one.
    let yoigo = [("x-latchkey-org", "yoigo")];
    let there = register(&server, "kim@example.com", &uuid, &yoigo)
        .await
        .expect_json(200);
    assert_eq!(there["owner"], "yoigo");
    assert_eq!(credential(&server, "kim@example.com").await.code(), 404);
    // A signupUUID names one registration.
    expect_detail(
        &register(&server, "lu@example.com", &uuid, &yoigo).await,
        1018,
    );

    // No default org, no header: nothing names a tenant.
    let bare = SmtpSink::start();
    let unnamed = start(&bare, |c| c.security.subscriber_org = None).await;
    expect_detail(
        &register(&unnamed, "kim@example.com", &new_uuid(), &[]).await,
        1018,
    );
}

#[actix_rt::test]
async fn only_sibling_services_and_operators_of_the_tenant_read_or_move_a_registration() {
    let sink = SmtpSink::start();
    let server = start(&sink, |_| {}).await;
    let signup = new_uuid();
    register(&server, "max@example.com", &signup, &[])
        .await
        .expect_json(200);
    expect_code(
        &operation(&server, &signup, "poll", &[], None).await,
        403,
        8,
    );
    let wrong_key = [
        ("x-internal-name", "owprov"),
        ("x-api-key", "not-the-key-0123456"),
    ];
    expect_code(
        &operation(&server, &signup, "poll", &wrong_key, None).await,
        403,
        8,
    );
    let garbage = [("authorization", "Bearer not-a-token")];
    expect_code(
        &operation(&server, &signup, "poll", &garbage, None).await,
        403,
        8,
    );
    // A service token needs credentials:write on the tenant.
    let read_only = server
        .client_token(&["credentials:read"], &["masmovil"])
        .await;
    let auth = format!("Bearer {read_only}");
    let refused = operation(&server, &signup, "poll", &[("authorization", &auth)], None).await;
    expect_code(&refused, 403, 7);
    let other_org = server
        .client_token(&["credentials:write"], &["yoigo"])
        .await;
    let auth = format!("Bearer {other_org}");
    let refused = operation(&server, &signup, "poll", &[("authorization", &auth)], None).await;
    expect_code(&refused, 403, 7);
    let writer = server
        .client_token(&["credentials:write"], &["masmovil"])
        .await;
    let auth = format!("Bearer {writer}");
    let polled = operation(&server, &signup, "poll", &[("authorization", &auth)], None).await;
    assert_eq!(polled.expect_json(200)["status"], "inprogress");
    // An operator who may modify the tenant's subscribers (the root).
    let root_token = root_token(&server).await;
    let root = format!("Bearer {root_token}");
    let polled = operation(&server, &signup, "poll", &[("authorization", &root)], None).await;
    assert_eq!(polled.expect_json(200)["status"], "inprogress");
    // An admin of the tenant, by one of its API keys; an admin of another tenant reaches its
    // own org only, where no such registration is.
    use crate::security_users::{PASSWORD as OPERATOR_PASSWORD, operator, sign_in};
    let admin = operator(&server, &root_token, "adm@example.com", "admin", "masmovil").await;
    let admin_token = sign_in(&server, "adm@example.com", OPERATOR_PASSWORD).await;
    let keys = format!("/api/v1/apiKey/{}", admin["id"].as_str().unwrap());
    let body = serde_json::json!({"name": "provisioning", "expiresOn": 4_102_444_800_i64});
    let auth = format!("Bearer {admin_token}");
    let created = send(
        &server,
        "POST",
        &keys,
        &[("authorization", &auth)],
        Some(&body),
    )
    .await;
    let key = created.expect_json(200)["apiKey"]
        .as_str()
        .unwrap()
        .to_owned();
    let by_key = operation(&server, &signup, "poll", &[("x-api-key", &key)], None).await;
    assert_eq!(by_key.expect_json(200)["status"], "inprogress");
    operator(&server, &root_token, "yo@example.com", "admin", "yoigo").await;
    let other = format!(
        "Bearer {}",
        sign_in(&server, "yo@example.com", OPERATOR_PASSWORD).await
    );
    let elsewhere = operation(&server, &signup, "poll", &[("authorization", &other)], None).await;
    expect_code(&elsewhere, 404, 404);

    expect_detail(
        &operation(&server, &signup, "resume", &OWPROV, None).await,
        1018,
    );
    expect_detail(
        &operation(&server, "nope", "poll", &OWPROV, None).await,
        1018,
    );
    let long = serde_json::json!({"reason": "x".repeat(1025)});
    expect_detail(
        &operation(&server, &signup, "cancel", &OWPROV, Some(&long)).await,
        1018,
    );
    let nobody = new_uuid();
    expect_code(
        &operation(&server, &nobody, "poll", &OWPROV, None).await,
        404,
        404,
    );
    assert_eq!(
        status(&server, &signup, "poll").await["status"],
        "inprogress"
    );
}

#[actix_rt::test]
async fn of_concurrent_registrations_with_one_signup_uuid_one_wins_and_the_others_leave_nothing() {
    let sink = SmtpSink::start();
    let server = start(&sink, |_| {}).await;
    let signup = new_uuid();
    let emails: Vec<String> = (0..6).map(|n| format!("race{n}@example.com")).collect();
    let answers = futures_util::future::join_all(
        emails
            .iter()
            .map(|email| register(&server, email, &signup, &[])),
    )
    .await;
    let mut winners = Vec::new();
    for (email, answer) in emails.iter().zip(&answers) {
        if answer.code() == 200 {
            winners.push(email.clone());
        } else {
            expect_detail(answer, 1018);
            assert_eq!(credential(&server, email).await.code(), 404, "{email}");
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    assert_eq!(credential(&server, &winners[0]).await.code(), 200);
    let polled = status(&server, &signup, "poll").await;
    assert_eq!(polled["status"], "inprogress");
}

#[actix_rt::test]
async fn a_link_that_cannot_be_sent_registers_nothing_and_an_account_is_answered_alike() {
    let port = latchkey_testkit::smtp_sink::free_port();
    let sink = SmtpSink::start();
    let server = start(&sink, move |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}").into());
        c.notify_attempts = 1;
        c.notify_timeout_ms = 500;
    })
    .await;
    let signup = new_uuid();
    let answer = register(&server, "quin@example.com", &signup, &[]).await;
    expect_code(&answer, 503, 13);
    assert!(!answer.text().contains("127.0.0.1"), "{}", answer.text());
    assert_eq!(credential(&server, "quin@example.com").await.code(), 404);
    let unknown = operation(&server, &signup, "poll", &OWPROV, None).await;
    expect_code(&unknown, 404, 404);
    // The owner of an account cannot be told either: answered as a new address is.
    let admin = server.admin_token(None).await;
    let path = latchkey_tests::credential_path("masmovil", "rae@example.com");
    let created = server.call("POST", &path, Some(&admin), None).await;
    assert_eq!(created.code(), 201, "{}", created.text());
    let taken = register(&server, "rae@example.com", &new_uuid(), &[]).await;
    expect_code(&taken, 503, 13);
}
