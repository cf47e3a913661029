//! Authenticator apps on the security service: `/api/v1/totp` (operators) and `/subtotp`
//! (subscribers). The QR code is an SVG, decoded here back into its modules and read with
//! rqrr; the codes are computed with the tests' own RFC 6238 (HMAC-SHA-1), as an authenticator
//! app would. After the two-code set-up check the app is the caller's second factor: an
//! operator's `/oauth2` challenges with it, a subscriber's credential requires it.

use crate::second_factors::{now, secret_of, totp};
use crate::security_oauth2::{
    self, ROOT, access, create_operator, expect_code, expect_detail, oauth2, root_tokens, send,
    with_token,
};
use crate::security_suboauth2::{self, ORG, PASSWORD, SUE, bearer};
use latchkey_tests::{Answer, TestServer, credential_path};
use serde_json::{Value, json};

/// The text of the QR code an SVG of `/totp` draws: its `M{x},{y}h1v1h-1z` squares painted on
/// a bitmap (4 pixels per module), then decoded as any QR reader would.
pub fn decode_svg_qr(svg: &str) -> String {
    let view_box = svg.split("viewBox=\"0 0 ").nth(1).expect("a viewBox");
    let side: usize = view_box
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .expect("the side");
    let path = svg.split(" d=\"").nth(1).expect("a path");
    let path = &path[..path.find('"').unwrap()];
    const SCALE: usize = 4;
    let width = side * SCALE;
    let mut pixels = vec![255u8; width * width];
    for square in path.split('M').filter(|s| !s.trim().is_empty()) {
        let corner = square.trim().trim_end_matches("h1v1h-1z");
        let (x, y) = corner.split_once(',').expect("x,y");
        let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
        for dy in 0..SCALE {
            for dx in 0..SCALE {
                pixels[(y * SCALE + dy) * width + x * SCALE + dx] = 0;
            }
        }
    }
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, width, |x, y| pixels[y * width + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().expect("a readable QR code").1
}

/// Waits, if needed, so that the steps around now stay the same for a few seconds.
pub async fn clear_of_a_step_boundary() {
    if now() % 30 > 24 {
        actix_rt::time::sleep(std::time::Duration::from_secs(31 - now() % 30)).await;
    }
}

/// The code of `secret` `steps` steps from now.
pub fn code(secret: &[u8], steps: i64) -> String {
    totp(secret, now().checked_add_signed(steps * 30).unwrap())
}

/// `GET {path}` with `token`: the QR's otpauth URI, after checking the answer is an SVG.
async fn qr(server: &TestServer, path: &str, token: &str) -> String {
    let answer = bearer(server, "GET", path, token).await;
    assert_eq!(answer.code(), 200, "{}", answer.text());
    assert_eq!(
        answer.header("content-type").as_deref(),
        Some("image/svg+xml")
    );
    assert_eq!(
        answer.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    decode_svg_qr(&answer.text())
}

/// `PUT {path}?index=&value=` with `token`.
async fn setup(server: &TestServer, path: &str, token: &str, index: &str, value: &str) -> Answer {
    let query = serde_urlencoded::to_string([("index", index), ("value", value)]).unwrap();
    bearer(server, "PUT", &format!("{path}?{query}"), token).await
}

/// Sets the app of `secret` up through `path` with the codes of the previous and the current
/// step (a later step each time, both in the window).
async fn set_up(server: &TestServer, path: &str, token: &str, secret: &[u8]) {
    let first = setup(server, path, token, "1", &code(secret, -1)).await;
    assert_eq!(
        first.expect_json(200),
        json!({"nextIndex": 2, "moreCodes": true})
    );
    let second = setup(server, path, token, "2", &code(secret, 0)).await;
    assert_eq!(
        second.expect_json(200),
        json!({"nextIndex": 2, "moreCodes": false})
    );
}

#[actix_rt::test]
async fn an_operator_sets_an_app_up_with_two_codes_and_signs_in_with_it_once() {
    let server = security_oauth2::start(|_| {}).await;
    let root = access(&root_tokens(&server).await);
    clear_of_a_step_boundary().await;

    let uri = qr(&server, "/api/v1/totp", &root).await;
    assert!(
        uri.starts_with(&format!("otpauth://totp/OpenWiFi:{ROOT}?secret=")),
        "{uri}"
    );
    assert!(uri.contains("&issuer=OpenWiFi"), "{uri}");
    assert_eq!(
        qr(&server, "/api/v1/totp", &root).await,
        uri,
        "the same secret until reset"
    );
    let reset = qr(&server, "/api/v1/totp?reset=true", &root).await;
    assert_ne!(secret_of(&reset), secret_of(&uri), "reset: a new secret");
    let secret = secret_of(&reset);

    let path = "/api/v1/totp";
    expect_detail(
        &setup(&server, path, &root, "2", &code(&secret, 0)).await,
        1524,
    );
    expect_detail(
        &setup(&server, path, &root, "3", &code(&secret, 0)).await,
        1521,
    );
    let stale = code(&secret, 0);
    let wrong = if stale == "000000" {
        "000001"
    } else {
        "000000"
    };
    expect_detail(&setup(&server, path, &root, "1", wrong).await, 1520);
    expect_detail(&setup(&server, path, &root, "1", "12a").await, 1520);
    expect_detail(
        &bearer(&server, "PUT", "/api/v1/totp?index=1", &root).await,
        1018,
    );
    let first = setup(&server, path, &root, "1", &code(&secret, -1)).await;
    assert_eq!(
        first.expect_json(200),
        json!({"nextIndex": 2, "moreCodes": true})
    );
    expect_detail(
        &setup(&server, path, &root, "2", &code(&secret, -1)).await,
        1522,
    );
    let done = setup(&server, path, &root, "2", &code(&secret, 0)).await;
    assert_eq!(
        done.expect_json(200),
        json!({"nextIndex": 2, "moreCodes": false})
    );
    let me = with_token(&server, "GET", "/api/v1/oauth2?me=true", &root)
        .await
        .expect_json(200);
    let id = me["id"].as_str().unwrap();
    let record = with_token(&server, "GET", &format!("/api/v1/user/{id}"), &root)
        .await
        .expect_json(200);
    let mfa = &record["userTypeProprietaryInfo"]["mfa"];
    assert_eq!(mfa["method"], "authenticator", "{record}");
    assert_eq!(mfa["enabled"], true, "{record}");
    expect_detail(
        &setup(&server, path, &root, "1", &code(&secret, 1)).await,
        1523,
    );

    let body = json!({"userId": ROOT, "password": security_oauth2::ROOT_PASSWORD});
    let challenge = oauth2(&server, "", &body).await.expect_json(200);
    assert_eq!(challenge["method"], "authenticator", "{challenge}");
    assert_eq!(challenge["question"], "mfa challenge");
    let uuid = challenge["uuid"].as_str().unwrap();
    let resent = oauth2(&server, "?resendMFACode=true", &json!({"uuid": uuid}))
        .await
        .expect_json(200);
    assert_eq!(
        resent["method"], "authenticator",
        "nothing to send: {resent}"
    );
    assert_eq!(resent["uuid"], uuid);
    let replayed = json!({"uuid": uuid, "answer": code(&secret, 0)});
    expect_code(
        &oauth2(&server, "?completeMFAChallenge=true", &replayed).await,
        403,
        12,
    );
    let answer = json!({"uuid": uuid, "answer": code(&secret, 1)});
    let tokens = oauth2(&server, "?completeMFAChallenge=true", &answer)
        .await
        .expect_json(200);
    let signed_in = access(&tokens);
    let me = with_token(&server, "GET", "/api/v1/oauth2?me=true", &signed_in).await;
    assert_eq!(me.expect_json(200)["email"], ROOT);

    let again = oauth2(&server, "", &body).await.expect_json(200);
    let replay = json!({"uuid": again["uuid"], "answer": code(&secret, 1)});
    expect_code(
        &oauth2(&server, "?completeMFAChallenge=true", &replay).await,
        403,
        12,
    );

    // resetMFA turns it off and forgets the app: the next QR is a new secret.
    let reset = send(
        &server,
        "PUT",
        &format!("/api/v1/user/{id}?resetMFA=true"),
        &[("authorization", &format!("Bearer {signed_in}"))],
        Some(&json!({})),
    )
    .await
    .expect_json(200);
    assert_eq!(
        reset["userTypeProprietaryInfo"]["mfa"]["enabled"], false,
        "{reset}"
    );
    let tokens = oauth2(&server, "", &body).await.expect_json(200);
    assert!(tokens["access_token"].is_string(), "{tokens}");
    let fresh = qr(&server, "/api/v1/totp", &access(&tokens)).await;
    assert_ne!(secret_of(&fresh), secret, "the old app is forgotten");
}

#[actix_rt::test]
async fn operators_secrets_are_their_own_and_need_a_token() {
    let server = security_oauth2::start(|_| {}).await;
    let root = access(&root_tokens(&server).await);
    create_operator(&server, &root, "ana@totp.test").await;
    let ana = access(
        &security_oauth2::sign_in(&server, "ana@totp.test", security_oauth2::PASSWORD).await,
    );
    let root_uri = qr(&server, "/api/v1/totp", &root).await;
    let ana_uri = qr(&server, "/api/v1/totp", &ana).await;
    assert!(ana_uri.contains("OpenWiFi:ana@totp.test?"), "{ana_uri}");
    assert_ne!(secret_of(&root_uri), secret_of(&ana_uri));
    let anonymous = send(&server, "GET", "/api/v1/totp", &[], None).await;
    expect_code(&anonymous, 403, 8);

    // An API key acts as Ana, but cannot make an app her second factor.
    let ana_id = with_token(&server, "GET", "/api/v1/oauth2?me=true", &ana)
        .await
        .expect_json(200)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = json!({"name": "ci", "expiresOn": now() + 3600});
    let created = send(
        &server,
        "POST",
        &format!("/api/v1/apiKey/{ana_id}"),
        &[("authorization", &format!("Bearer {ana}"))],
        Some(&body),
    )
    .await
    .expect_json(200);
    let key = created["apiKey"].as_str().unwrap();
    let secret = secret_of(&ana_uri);
    let query = format!("/api/v1/totp?index=1&value={}", code(&secret, 0));
    let shown = send(&server, "GET", "/api/v1/totp", &[("x-api-key", key)], None).await;
    assert_eq!(shown.code(), 200, "the key is Ana: {}", shown.text());
    let by_key = send(&server, "PUT", &query, &[("x-api-key", key)], None).await;
    expect_code(&by_key, 403, 7);
}

/// A subscriber signed in through `/suboauth2`: its access token.
async fn subscriber(server: &TestServer) -> String {
    access_of(&security_suboauth2::sign_in(server, SUE, PASSWORD).await)
}

fn access_of(tokens: &Value) -> String {
    tokens["access_token"].as_str().unwrap().to_owned()
}

#[actix_rt::test]
async fn a_subscriber_sets_an_app_up_and_its_credential_then_requires_it() {
    let (server, admin) = security_suboauth2::start(|_| {}).await;
    let sue = subscriber(&server).await;
    clear_of_a_step_boundary().await;
    let uri = qr(&server, "/api/v1/subtotp", &sue).await;
    assert!(uri.contains(&format!(":{SUE}?secret=")), "{uri}");
    let secret = secret_of(&uri);
    let operator_path = bearer(&server, "GET", "/api/v1/totp", &sue).await;
    expect_code(&operator_path, 403, 8);

    set_up(&server, "/api/v1/subtotp", &sue, &secret).await;
    let credential = server
        .get(&credential_path(ORG, SUE), &admin)
        .await
        .expect_json(200);
    assert_eq!(credential["require2fa"], true, "{credential}");
    let config = bearer(&server, "GET", "/api/v1/submfa", &sue)
        .await
        .expect_json(200);
    assert_eq!(config["type"], "authenticator", "{config}");

    // The sign-in asks for a code of the app, and takes it once.
    let challenge = security_suboauth2::sign_in(&server, SUE, PASSWORD).await;
    assert!(challenge.get("access_token").is_none(), "{challenge}");
    assert_eq!(challenge["method"], "authenticator", "{challenge}");
    let answer = json!({"uuid": challenge["uuid"], "answer": code(&secret, 1)});
    let tokens = security_suboauth2::suboauth2(&server, "?completeMFAChallenge=true", &answer)
        .await
        .expect_json(200);
    assert!(tokens["access_token"].is_string(), "{tokens}");

    // The Credentials API checks the same enrollment with the same replay markers: one
    // implementation. The code the sign-in took is spent there too.
    let totp_path = format!("{}/totp", credential_path(ORG, SUE));
    let check = |value: String| {
        let (server, admin, totp_path) = (&server, &admin, &totp_path);
        async move {
            server
                .call("PUT", totp_path, Some(admin), Some(&json!({"code": value})))
                .await
        }
    };
    assert_eq!(
        check(code(&secret, 1)).await.expect_error(403),
        "totp.replayed"
    );
    let fresh = access_of(&tokens);
    let other = secret_of(&qr(&server, "/api/v1/subtotp?reset=true", &fresh).await);
    assert_ne!(other, secret, "a new pending secret");
    assert_eq!(
        check(code(&secret, 1)).await.expect_error(403),
        "totp.replayed",
        "the active app still counts until the new one is set up"
    );
}

#[actix_rt::test]
async fn resetting_a_subscribers_mfa_forgets_its_app_on_both_apis() {
    let (server, admin) = security_suboauth2::start(security_oauth2::with_root).await;
    let sue = subscriber(&server).await;
    clear_of_a_step_boundary().await;
    let secret = secret_of(&qr(&server, "/api/v1/subtotp", &sue).await);
    set_up(&server, "/api/v1/subtotp", &sue, &secret).await;
    let credential = server
        .get(&credential_path(ORG, SUE), &admin)
        .await
        .expect_json(200);
    assert_eq!(credential["require2fa"], true, "{credential}");
    let id = credential["id"].as_str().expect("the credential's id");

    let root = access(&root_tokens(&server).await);
    let reset = send(
        &server,
        "PUT",
        &format!("/api/v1/subuser/{id}?resetMFA=true"),
        &[
            ("authorization", &format!("Bearer {root}")),
            ("x-latchkey-org", ORG),
        ],
        Some(&json!({})),
    )
    .await
    .expect_json(200);
    assert_eq!(reset["id"], id, "{reset}");

    // The setting and the app are gone on the Credentials API too: no enrollment to check a
    // code against, and the sign-in asks for no second factor.
    let credential = server
        .get(&credential_path(ORG, SUE), &admin)
        .await
        .expect_json(200);
    assert_eq!(credential["require2fa"], false, "{credential}");
    let totp_path = format!("{}/totp", credential_path(ORG, SUE));
    let check = server
        .call(
            "PUT",
            &totp_path,
            Some(&admin),
            Some(&json!({"code": code(&secret, 1)})),
        )
        .await;
    assert_eq!(check.expect_error(409), "totp.not_enrolled");
    let tokens = security_suboauth2::sign_in(&server, SUE, PASSWORD).await;
    assert!(tokens["access_token"].is_string(), "{tokens}");
}
