//! The subscribers directory, continued: who may do what (an operator's own org, its security
//! profile on `subscribers`), `PUT /subuser/{id}` (profile fields, suspension ending device
//! sessions, the second factor kept equal to `require2fa`, a new password), the e-mailed links
//! (`forgotPassword`, `resetPassword`, `email_verification`) and `DELETE` as the Credentials
//! API's soft delete.

use crate::security_subusers::{ORG, SUB_PASSWORD, credential, ids, on, subscriber};
use crate::security_users::{
    bearer, expect_code, expect_detail, root_token, signed_in, start_with,
};
use latchkey_tests::credential_path;
use serde_json::{Value, json};

#[actix_rt::test]
async fn operators_reach_the_subscribers_of_their_org_as_their_profile_allows() {
    let server = start_with(|_| {}).await;
    let root = root_token(&server).await;
    let (_, admin) = signed_in(&server, &root, "adm@example.com", "admin", ORG).await;
    let (_, csr) = signed_in(&server, &root, "csr@example.com", "csr", ORG).await;
    let (_, accounting) = signed_in(&server, &root, "acc@example.com", "accounting", ORG).await;
    let (_, other) = signed_in(&server, &root, "yo@example.com", "admin", "yoigo").await;
    let (_, plain) = signed_in(&server, &root, "sub@example.com", "subscriber", ORG).await;
    // An admin creates in its own org without naming it; a header naming another is ignored.
    let body = json!({"email": "eva@example.com", "currentPassword": SUB_PASSWORD});
    let eva = on(
        &server,
        "POST",
        "/api/v1/subuser/0",
        &admin,
        "yoigo",
        Some(&body),
    )
    .await
    .expect_json(200);
    assert_eq!(eva["owner"], ORG);
    let path = format!("/api/v1/subuser/{}", eva["id"].as_str().unwrap());
    for reader in [&admin, &csr, &accounting] {
        assert_eq!(
            bearer(&server, "GET", &path, reader, None).await.code(),
            200
        );
        let list = bearer(&server, "GET", "/api/v1/subusers?idOnly=true", reader, None).await;
        assert_eq!(ids(&list.expect_json(200)).len(), 1);
    }
    // Another org's admin does not see it, whatever it names.
    expect_code(
        &on(&server, "GET", &path, &other, ORG, None).await,
        404,
        404,
    );
    let theirs = on(
        &server,
        "GET",
        "/api/v1/subusers?countOnly=true",
        &other,
        ORG,
        None,
    )
    .await;
    assert_eq!(theirs.expect_json(200), json!({"count": 0}));
    // An operator of role subscriber reads no subscriber.
    expect_code(
        &bearer(&server, "GET", "/api/v1/subusers", &plain, None).await,
        403,
        7,
    );
    expect_code(&bearer(&server, "GET", &path, &plain, None).await, 403, 7);
    // csr: modifies (suspends) but neither creates nor deletes; accounting reads only.
    let suspend = json!({"suspended": true});
    let suspended = bearer(&server, "PUT", &path, &csr, Some(&suspend)).await;
    assert_eq!(suspended.expect_json(200)["suspended"], true);
    let other_body = json!({"email": "bo@example.com"});
    for token in [&csr, &accounting] {
        let create = bearer(
            &server,
            "POST",
            "/api/v1/subuser/0",
            token,
            Some(&other_body),
        )
        .await;
        expect_code(&create, 403, 7);
        expect_code(&bearer(&server, "DELETE", &path, token, None).await, 403, 7);
    }
    let back = json!({"suspended": false});
    expect_code(
        &bearer(&server, "PUT", &path, &accounting, Some(&back)).await,
        403,
        7,
    );
    let forgot = format!("{path}?forgotPassword=true");
    expect_code(
        &bearer(&server, "PUT", &forgot, &accounting, None).await,
        403,
        7,
    );
    assert_eq!(
        bearer(&server, "DELETE", &path, &admin, None).await.code(),
        200
    );
}

#[actix_rt::test]
async fn put_changes_the_profile_suspends_ending_sessions_and_turns_mfa_off() {
    let server = start_with(|_| {}).await;
    let root = root_token(&server).await;
    let ana = subscriber(&server, &root, crate::hardening_tokens::ANA, "Ana").await;
    let path = format!("/api/v1/subuser/{}", ana["id"].as_str().unwrap());
    let put = |query: &str, body: Option<Value>| {
        let (server, root, path) = (&server, root.clone(), format!("{path}{query}"));
        async move { on(server, "PUT", &path, &root, ORG, body.as_ref()).await }
    };
    // A read-back changes nothing; only what differs is a change.
    let same = put("", Some(ana.clone())).await.expect_json(200);
    assert_eq!(same["notes"], ana["notes"]);
    let changed = put(
        "",
        Some(json!({
            "name": "Ana B", "description": "VIP", "locale": "en", "location": "Bilbao",
            "notes": [{"note": "called about billing"}],
            "userTypeProprietaryInfo": {"mfa": {"enabled": true, "method": "email"},
                "mobiles": [{"number": "+34600000009", "primary": true}]},
        })),
    )
    .await
    .expect_json(200);
    assert_eq!(changed["name"], "Ana B");
    assert_eq!(changed["location"], "Bilbao");
    assert_eq!(changed["notes"][0]["note"], "called about billing");
    assert_eq!(
        changed["userTypeProprietaryInfo"]["mfa"],
        json!({"enabled": true, "method": "email"})
    );
    let mobile = &changed["userTypeProprietaryInfo"]["mobiles"][0];
    assert_eq!(
        mobile["verified"], false,
        "a client cannot declare a number verified"
    );
    let there = credential(&server, crate::hardening_tokens::ANA)
        .await
        .expect_json(200);
    assert_eq!(
        there["require2fa"], true,
        "the same setting as the credential's"
    );
    let reset = put("?resetMFA=true", None).await.expect_json(200);
    assert_eq!(reset["userTypeProprietaryInfo"]["mfa"]["enabled"], false);
    let there = credential(&server, crate::hardening_tokens::ANA)
        .await
        .expect_json(200);
    assert_eq!(there["require2fa"], false);
    for (body, detail) in [
        (json!({"userRole": "admin"}), "1039"),
        (
            json!({"userTypeProprietaryInfo": {"mfa": {"enabled": true, "method": "authenticator"}}}),
            "1045",
        ),
        (
            json!({"userTypeProprietaryInfo": {"mfa": {"enabled": true, "method": "sms"}, "mobiles": []}}),
            "1044",
        ),
        (
            json!({"userTypeProprietaryInfo": {"mobiles": [{"number": "12"}]}}),
            "1115",
        ),
        (json!({"currentPassword": "short"}), "1047"),
        (json!([1, 2]), "1018"),
    ] {
        expect_detail(&put("", Some(body)).await, detail);
    }
    expect_detail(&put("?resetMFA=perhaps", None).await, "1018");
    expect_code(
        &on(
            &server,
            "PUT",
            "/api/v1/subuser/not-a-uuid",
            &root,
            ORG,
            None,
        )
        .await,
        404,
        404,
    );
    // Ana signs in through the login server; suspending her ends that session.
    let admin = server.admin_token(None).await;
    let app = crate::hardening_tokens::app(&server, &admin).await;
    let mut browser = crate::login::Browser::new(&server);
    let tokens = crate::hardening_tokens::sign_in(
        &server,
        &mut browser,
        &app,
        Some("openid offline_access"),
    )
    .await;
    let refresh_token = tokens["refresh_token"].as_str().unwrap().to_owned();
    let devices = format!(
        "{}/devices",
        credential_path(ORG, crate::hardening_tokens::ANA)
    );
    let before = server.get(&devices, &admin).await.expect_json(200);
    assert_eq!(before["devices"].as_array().unwrap().len(), 1, "{before}");
    let suspended = put("", Some(json!({"suspended": true})))
        .await
        .expect_json(200);
    assert_eq!(suspended["suspended"], true);
    let there = credential(&server, crate::hardening_tokens::ANA)
        .await
        .expect_json(200);
    assert_eq!(there["enabled"], false);
    let after = server.get(&devices, &admin).await.expect_json(200);
    assert_eq!(after["devices"], json!([]), "the device session ended");
    let refreshed = crate::hardening_tokens::refresh(&server, &app, &refresh_token).await;
    assert_eq!(refreshed.code(), 400, "{}", refreshed.text());
    // A new password through PUT: the Credentials API's policy, then it signs in with it.
    let renewed = put(
        "",
        Some(json!({"suspended": false, "currentPassword": "a brand new passphrase"})),
    )
    .await
    .expect_json(200);
    assert_eq!(renewed["suspended"], false);
    let change = json!({"username": crate::hardening_tokens::ANA,
        "old_password": "a brand new passphrase", "new_password": SUB_PASSWORD});
    let changed = server
        .call(
            "POST",
            &format!("/v1/orgs/{ORG}/flows/change_password"),
            Some(&admin),
            Some(&change),
        )
        .await;
    assert!(changed.code() < 300, "{}", changed.text());
    // Blacklisting disables the credential too; lifting it leaves the suspension to lift.
    let listed = put("", Some(json!({"blackListed": true})))
        .await
        .expect_json(200);
    assert_eq!(
        (&listed["blackListed"], &listed["suspended"]),
        (&json!(true), &json!(true))
    );
    let there = credential(&server, crate::hardening_tokens::ANA)
        .await
        .expect_json(200);
    assert_eq!(there["enabled"], false);
    let lifted = put("", Some(json!({"blackListed": false})))
        .await
        .expect_json(200);
    assert_eq!(
        (&lifted["blackListed"], &lifted["suspended"]),
        (&json!(false), &json!(true))
    );
}

#[actix_rt::test]
async fn reset_links_and_verification_go_by_email() {
    let sink = latchkey_testkit::smtp_sink::SmtpSink::start();
    let url = sink.url();
    let server = start_with(move |c| c.smtp_url = Some(url.into())).await;
    let root = root_token(&server).await;
    let body = json!({"email": "eva@example.com"});
    let eva = on(
        &server,
        "POST",
        "/api/v1/subuser/0?email_verification=true",
        &root,
        ORG,
        Some(&body),
    )
    .await
    .expect_json(200);
    assert_eq!(eva["waitingForEmailCheck"], true);
    assert_eq!(eva["validated"], false);
    let mails = crate::security_oauth2::mails(&sink, 1);
    assert!(mails[0].contains("/password/set?token="), "{}", mails[0]);
    let path = format!("/api/v1/subuser/{}", eva["id"].as_str().unwrap());
    for flag in ["forgotPassword", "resetPassword"] {
        let sent = on(
            &server,
            "PUT",
            &format!("{path}?{flag}=true"),
            &root,
            ORG,
            None,
        )
        .await;
        assert_eq!(
            sent.expect_json(200),
            json!({"Code": 0, "Operation": "PUT", "Details": "Command completed."})
        );
    }
    let mails = crate::security_oauth2::mails(&sink, 3);
    assert!(
        mails[1..]
            .iter()
            .all(|m| m.contains("/password/set?token=")),
        "{mails:?}"
    );
    let verify = on(
        &server,
        "PUT",
        &format!("{path}?email_verification=true"),
        &root,
        ORG,
        None,
    )
    .await;
    assert_eq!(verify.expect_json(200)["waitingForEmailCheck"], true);
    crate::security_oauth2::mails(&sink, 4);
    let (_, csr) = signed_in(&server, &root, "csr@example.com", "csr", ORG).await;
    let by_csr = bearer(
        &server,
        "PUT",
        &format!("{path}?forgotPassword=true"),
        &csr,
        None,
    )
    .await;
    assert_eq!(by_csr.code(), 200, "{}", by_csr.text());
    crate::security_oauth2::mails(&sink, 5);
    // The Credentials API's limit on reset links per credential holds here too.
    let limited = on(
        &server,
        "PUT",
        &format!("{path}?forgotPassword=true"),
        &root,
        ORG,
        None,
    )
    .await;
    expect_code(&limited, 429, 10);
    assert!(limited.header("retry-after").is_some());
}

#[actix_rt::test]
async fn delete_is_the_credentials_api_soft_delete() {
    let server = start_with(|_| {}).await;
    let root = root_token(&server).await;
    let eva = subscriber(&server, &root, "eva@example.com", "Eva").await;
    let path = format!("/api/v1/subuser/{}", eva["id"].as_str().unwrap());
    let deleted = on(&server, "DELETE", &path, &root, ORG, None).await;
    assert_eq!(deleted.code(), 200);
    assert!(deleted.text().is_empty(), "{}", deleted.text());
    assert_eq!(credential(&server, "eva@example.com").await.code(), 404);
    expect_code(&on(&server, "GET", &path, &root, ORG, None).await, 404, 404);
    expect_code(
        &on(&server, "DELETE", &path, &root, ORG, None).await,
        404,
        404,
    );
    let count = on(
        &server,
        "GET",
        "/api/v1/subusers?countOnly=true",
        &root,
        ORG,
        None,
    )
    .await;
    assert_eq!(count.expect_json(200), json!({"count": 0}));
    // The username can be created again, as a new subscriber with a new id.
    let again = subscriber(&server, &root, "eva@example.com", "Eva").await;
    assert_ne!(again["id"], eva["id"]);
    assert!(again["notes"].as_array().unwrap().is_empty());
}
