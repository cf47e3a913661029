//! Second factors (endpoints 16-21) as real clients use them: the TOTP QR code decoded from its
//! PNG with a QR decoder, the code computed from its secret with HMAC-SHA-1 (RFC 6238 by hand,
//! independent of the server's library), one-time codes read from delivered e-mail. On the
//! PostgreSQL run the server also keeps codes, throttles and replay markers in Redis.

use hmac::{Hmac, Mac};
use latchkey_testkit::smtp_sink::{SmtpSink, free_port};
use latchkey_tests::{Answer, TestServer, credential_path};
use mail_parser::MessageParser;
use serde_json::json;
use sha1::Sha1;
use std::time::{SystemTime, UNIX_EPOCH};

const ORG: &str = "yoigo";
const ANA: &str = "ana@example.com";

fn path(tail: &str) -> String {
    format!("{}/{tail}", credential_path(ORG, ANA))
}

/// A server (e-mail to `sink` when given) with ana activated; answers it and an admin token.
async fn server(sink: Option<&SmtpSink>) -> (TestServer, String) {
    let url = sink.map(SmtpSink::url);
    let server = TestServer::start_with(move |c| {
        if let Some(url) = url {
            c.smtp_url = Some(url.into());
        }
    })
    .await;
    let admin = server.admin_token(None).await;
    server
        .active_credential(&admin, ORG, ANA, "correct horse battery staple")
        .await;
    (server, admin)
}

/// The text a QR code in a PNG carries.
pub(crate) fn decode_qr(png_bytes: &[u8]) -> String {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    // Any bit depth, as an image viewer would: expanded to 8-bit grey.
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!(frame.color_type, png::ColorType::Grayscale);
    let (w, h) = (frame.width as usize, frame.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().expect("a readable QR code").1
}

/// The base32 secret of an otpauth URI, decoded.
pub(crate) fn secret_of(uri: &str) -> Vec<u8> {
    let query = uri.split_once('?').unwrap().1;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    let secret = &pairs.iter().find(|(k, _)| k == "secret").unwrap().1;
    data_encoding::BASE32_NOPAD
        .decode(secret.as_bytes())
        .unwrap()
}

/// RFC 6238 with HMAC-SHA-1, 30 s, 6 digits (RFC 4226 §5.3 dynamic truncation).
pub(crate) fn totp(secret: &[u8], unix: u64) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).unwrap();
    mac.update(&(unix / 30).to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let binary = u32::from_be_bytes(digest[offset..offset + 4].try_into().unwrap()) & 0x7fff_ffff;
    format!("{:06}", binary % 1_000_000)
}

pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn put_code(server: &TestServer, token: &str, tail: &str, code: &str) -> Answer {
    server
        .call(
            "PUT",
            &path(tail),
            Some(token),
            Some(&json!({"code": code})),
        )
        .await
}

#[actix_rt::test]
async fn totp_enrollment_qr_decodes_and_its_codes_validate_once() {
    let (server, admin) = server(None).await;
    let none = server.call("GET", &path("totp"), Some(&admin), None).await;
    assert_eq!(none.expect_error(409), "totp.not_enrolled");

    let enrolled = server.call("POST", &path("totp"), Some(&admin), None).await;
    assert_eq!(enrolled.code(), 201, "{}", enrolled.text());
    assert_eq!(
        enrolled.header("content-type").as_deref(),
        Some("image/png")
    );
    let uri = decode_qr(&enrolled.body);
    assert!(
        uri.starts_with("otpauth://totp/Yoigo:ana@example.com?secret="),
        "{uri}"
    );
    assert!(
        uri.ends_with("&issuer=Yoigo&algorithm=SHA1&digits=6&period=30"),
        "{uri}"
    );
    let secret = secret_of(&uri);
    assert!(secret.len() >= 20, "at least 160 bits");

    let again = server.call("GET", &path("totp"), Some(&admin), None).await;
    assert_eq!(again.code(), 201);
    assert_eq!(decode_qr(&again.body), uri, "GET shows the same enrollment");

    let wrong = format!(
        "{:06}",
        (totp(&secret, now()).parse::<u32>().unwrap() + 1) % 1_000_000
    );
    assert_eq!(
        put_code(&server, &admin, "totp", &wrong)
            .await
            .expect_error(403),
        "totp.mismatch"
    );
    let code = totp(&secret, now());
    let first = put_code(&server, &admin, "totp", &code).await;
    assert_eq!(first.code(), 204, "{}", first.text());
    assert_eq!(
        put_code(&server, &admin, "totp", &code)
            .await
            .expect_error(403),
        "totp.replayed"
    );
    assert_eq!(
        put_code(&server, &admin, "totp", "12345")
            .await
            .expect_error(400),
        "otp.invalid_code"
    );
}

#[actix_rt::test]
async fn passcode_needs_its_own_scope_and_matches_the_secret() {
    let (server, admin) = server(None).await;
    let enrolled = server.call("POST", &path("totp"), Some(&admin), None).await;
    let secret = secret_of(&decode_qr(&enrolled.body));

    let totp_only = server.admin_token(Some("totp")).await;
    let refused = server
        .call("POST", &path("totp/passcode"), Some(&totp_only), None)
        .await;
    assert_eq!(refused.expect_error(403), "auth.insufficient_scope");

    let passcode_scope = server.admin_token(Some("totp:passcode")).await;
    let before = now();
    let answer = server
        .call("POST", &path("totp/passcode"), Some(&passcode_scope), None)
        .await;
    let after = now();
    let body = answer.expect_json(201);
    let passcode = body["passcode"].as_str().unwrap();
    assert!(
        passcode == totp(&secret, before) || passcode == totp(&secret, after),
        "{body}"
    );
    let expires_in = body["expires_in"].as_u64().unwrap();
    assert!((1..=30).contains(&expires_in), "{body}");
}

/// The 6-digit code in a delivered e-mail's text.
pub(crate) fn code_in(raw: &[u8]) -> String {
    let email = MessageParser::default().parse(raw).unwrap();
    let text = email.body_text(0).unwrap().into_owned();
    text.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap_or_else(|| panic!("no code in: {text}"))
        .to_owned()
}

#[actix_rt::test]
async fn an_otp_read_from_the_e_mail_validates_once() {
    let sink = SmtpSink::start();
    let (server, admin) = server(Some(&sink)).await;
    let sent = server
        .call(
            "POST",
            &path("otp"),
            Some(&admin),
            Some(&json!({"language": "en", "hint": ANA})),
        )
        .await;
    assert_eq!(sent.expect_json(201), json!({"expires_in": 300}));
    let code = code_in(&sink.wait_for(1)[0]);

    let again = server
        .call(
            "POST",
            &path("otp"),
            Some(&admin),
            Some(&json!({"hint": ANA})),
        )
        .await;
    assert_eq!(again.expect_error(409), "otp.already_sent");
    let retry_after: u64 = again.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry_after), "{retry_after}");

    let wrong = if code == "000000" { "111111" } else { "000000" };
    let mismatch = put_code(&server, &admin, "otp", wrong).await;
    assert_eq!(mismatch.expect_error(403), "otp.mismatch");
    assert!(
        mismatch.json()["msg"]
            .as_str()
            .unwrap()
            .contains("4 tries left")
    );
    assert_eq!(put_code(&server, &admin, "otp", &code).await.code(), 204);
    assert_eq!(
        put_code(&server, &admin, "otp", &code)
            .await
            .expect_error(409),
        "otp.not_pending",
        "a code is used once"
    );
    let foreign = server
        .call(
            "POST",
            &path("otp"),
            Some(&admin),
            Some(&json!({"hint": "eve@example.com"})),
        )
        .await;
    assert_eq!(foreign.expect_error(400), "flow.invalid_hint");
}

#[actix_rt::test]
async fn five_wrong_tries_burn_the_code() {
    let sink = SmtpSink::start();
    let (server, admin) = server(Some(&sink)).await;
    server
        .call("POST", &path("otp"), Some(&admin), None)
        .await
        .expect_json(201);
    let code = code_in(&sink.wait_for(1)[0]);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for left in (1..=4).rev() {
        let answer = put_code(&server, &admin, "otp", wrong).await;
        assert_eq!(answer.expect_error(403), "otp.mismatch");
        assert!(
            answer.json()["msg"]
                .as_str()
                .unwrap()
                .contains(&format!("{left} tries left")),
            "{}",
            answer.text()
        );
    }
    assert_eq!(
        put_code(&server, &admin, "otp", wrong)
            .await
            .expect_error(403),
        "otp.burnt"
    );
    assert_eq!(
        put_code(&server, &admin, "otp", &code)
            .await
            .expect_error(409),
        "otp.not_pending",
        "burnt: even the right code is refused"
    );
}

#[actix_rt::test]
async fn of_concurrent_validations_of_one_code_exactly_one_succeeds() {
    let sink = SmtpSink::start();
    let (server, admin) = server(Some(&sink)).await;
    server
        .call("POST", &path("otp"), Some(&admin), None)
        .await
        .expect_json(201);
    let code = code_in(&sink.wait_for(1)[0]);
    let tries = (0..8).map(|_| put_code(&server, &admin, "otp", &code));
    let answers = futures_util::future::join_all(tries).await;
    let statuses: Vec<u16> = answers.iter().map(Answer::code).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 204).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 204 || *s == 409),
        "{statuses:?}"
    );
}

#[actix_rt::test]
async fn with_redis_down_second_factors_answer_503_and_the_rest_works() {
    let port = free_port();
    let server = TestServer::start_with(move |c| {
        c.redis_url = Some(format!("redis://127.0.0.1:{port}").into());
        c.redis_timeout_ms = 300;
    })
    .await;
    let admin = server.admin_token(None).await;
    server
        .active_credential(&admin, ORG, ANA, "correct horse battery staple")
        .await;
    let otp = server.call("POST", &path("otp"), Some(&admin), None).await;
    assert_eq!(otp.expect_error(503), "service.unavailable");
    let check = put_code(&server, &admin, "otp", "123456").await;
    assert_eq!(check.expect_error(503), "service.unavailable");
    let read = server.get(&credential_path(ORG, ANA), &admin).await;
    assert_eq!(read.code(), 200, "{}", read.text());
}

#[actix_rt::test]
async fn a_username_created_again_does_not_inherit_the_old_authenticator() {
    let (server, admin) = server(None).await;
    let enrolled = server.call("POST", &path("totp"), Some(&admin), None).await;
    assert_eq!(enrolled.code(), 201);
    let deleted = server
        .call("DELETE", &credential_path(ORG, ANA), Some(&admin), None)
        .await;
    assert_eq!(deleted.code(), 204, "{}", deleted.text());
    server.create_credential(&admin, ORG, ANA).await;
    let qr = server.call("GET", &path("totp"), Some(&admin), None).await;
    assert_eq!(qr.expect_error(409), "totp.not_enrolled");
}

#[actix_rt::test]
async fn a_malformed_data_key_stops_the_server_with_a_clear_message() {
    let mut config = latchkey_tests::test_config();
    config.data_key = Some("not-a-key".into());
    let error = match latchkey_server::start(&config).await {
        Ok(_) => panic!("the server started with a malformed LATCHKEY_DATA_KEY"),
        Err(e) => format!("{e:#}"),
    };
    assert!(
        error.contains("LATCHKEY_DATA_KEY must be 32 bytes in standard base64"),
        "{error}"
    );
    assert!(
        !error.contains("not-a-key"),
        "the key is not echoed: {error}"
    );
}

#[actix_rt::test]
async fn enrolling_again_keeps_the_old_app_working_until_the_new_one_proves_itself() {
    let (server, admin) = server(None).await;
    // Keep clear of a step boundary: the test uses the steps around "now".
    if now() % 30 > 25 {
        actix_rt::time::sleep(std::time::Duration::from_secs(31 - now() % 30)).await;
    }
    let step_time = |offset: i64| (now() as i64 + offset * 30) as u64;
    let first = server.call("POST", &path("totp"), Some(&admin), None).await;
    let old = secret_of(&decode_qr(&first.body));
    // Activated with the previous step's code (the window accepts it).
    let activated = put_code(&server, &admin, "totp", &totp(&old, step_time(-1))).await;
    assert_eq!(activated.code(), 204, "{}", activated.text());

    let second = server.call("POST", &path("totp"), Some(&admin), None).await;
    let new = secret_of(&decode_qr(&second.body));
    assert_ne!(new, old);
    let shown = server.call("GET", &path("totp"), Some(&admin), None).await;
    assert_eq!(
        secret_of(&decode_qr(&shown.body)),
        new,
        "GET shows the secret being set up"
    );
    let still = put_code(&server, &admin, "totp", &totp(&old, step_time(0))).await;
    assert_eq!(
        still.code(),
        204,
        "the old app works until the new one proves itself"
    );
    let proved = put_code(&server, &admin, "totp", &totp(&new, step_time(0))).await;
    assert_eq!(proved.code(), 204, "{}", proved.text());
    let gone = put_code(&server, &admin, "totp", &totp(&old, step_time(1))).await;
    assert_eq!(
        gone.expect_error(403),
        "totp.mismatch",
        "the old secret is gone"
    );
}
