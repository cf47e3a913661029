//! Operators' avatars, `GET/POST/DELETE /api/v1/avatar/{id}`: each image type uploaded as
//! multipart (field `file`, or `data` as owsec's curl CLI sends it) and served back with the
//! type sniffed from its bytes (never the one the request declared), `nosniff`, and for an SVG
//! the sandboxing policy; the 2 MiB limit; who may read and change whose avatar.

use crate::security_users::{bearer, expect_code, expect_detail, root_token, signed_in, start};
use latchkey_tests::{Answer, TestServer};

/// What an SVG avatar is served with.
pub const SVG_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; sandbox";
const BOUNDARY: &str = "------------------------latchkeyAvatar7MA4YWxkTrZu0gW";

/// A real PNG: 2×2, RGBA, made by the `png` crate.
pub fn png() -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, 2, 2);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&[0x7f; 16]).unwrap();
    writer.finish().unwrap();
    bytes
}

/// The classic 1×1 transparent GIF.
pub const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";

/// The start of a JFIF file (SOI, APP0 `JFIF`), then scan bytes and EOI.
pub const JPEG: &[u8] = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xda\x00\x08\x01\x01\x00\x00?\x00\xd2\xcf \xff\xd9";

pub const SVG: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="teal"/></svg>
"#;

/// A `multipart/form-data` body holding `bytes` in the part `field`, declared as `part_type`.
pub fn multipart(field: &str, file_name: &str, part_type: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\nContent-Type: {part_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Sends `body` with `content_type` (and an `authorization` header when `auth` is given),
/// reading an answer of up to 4 MiB.
pub async fn send_raw(
    server: &TestServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Answer {
    let mut request = server
        .http
        .request(method.parse().unwrap(), server.url(path));
    for (name, value) in headers {
        request = request.insert_header((*name, *value));
    }
    if let Some(content_type) = content_type {
        request = request.insert_header(("content-type", content_type));
    }
    let mut response = request.send_body(body).await.unwrap();
    let body = response.body().limit(4 << 20).await.unwrap().to_vec();
    Answer {
        status: response.status(),
        headers: response.headers().clone(),
        body,
    }
}

/// `POST {path}` of `bytes` as multipart (part `field`, declared `part_type`) as `token`.
pub async fn upload(
    server: &TestServer,
    path: &str,
    token: &str,
    field: &str,
    part_type: &str,
    bytes: &[u8],
) -> Answer {
    let auth = format!("Bearer {token}");
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let body = multipart(field, "avatar.bin", part_type, bytes);
    send_raw(
        server,
        "POST",
        path,
        &[("authorization", &auth)],
        Some(&content_type),
        body,
    )
    .await
}

/// `GET {path}` as `token` (answers up to 4 MiB).
pub async fn fetch(server: &TestServer, path: &str, token: &str) -> Answer {
    let auth = format!("Bearer {token}");
    send_raw(
        server,
        "GET",
        path,
        &[
            ("authorization", &auth),
            ("accept", "application/octet-stream"),
        ],
        None,
        Vec::new(),
    )
    .await
}

/// Asserts an avatar answer: these bytes, served as `media_type`, never sniffed by a browser;
/// an SVG under the sandboxing policy, anything else not.
pub fn expect_image(answer: &Answer, media_type: &str, bytes: &[u8]) {
    assert_eq!(answer.code(), 200, "{}", answer.text());
    assert_eq!(answer.header("content-type").as_deref(), Some(media_type));
    assert_eq!(answer.body, bytes);
    assert_eq!(
        answer.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    let csp = answer.header("content-security-policy");
    if media_type == "image/svg+xml" {
        assert_eq!(csp.as_deref(), Some(SVG_CSP));
    } else {
        assert_ne!(csp.as_deref(), Some(SVG_CSP));
    }
}

/// The id of the operator signed in with `token`.
async fn my_id(server: &TestServer, token: &str) -> String {
    let me = bearer(server, "GET", "/api/v1/oauth2?me=true", token, None).await;
    me.expect_json(200)["id"].as_str().unwrap().to_owned()
}

#[actix_rt::test]
async fn each_image_type_round_trips_with_its_sniffed_type() {
    let server = start().await;
    let root = root_token(&server).await;
    let path = format!("/api/v1/avatar/{}", my_id(&server, &root).await);
    let png = png();
    let svg = SVG.as_bytes();
    let cases: [(&str, &[u8], &str); 4] = [
        ("file", &png, "image/png"),
        ("data", JPEG, "image/jpeg"),
        ("file", GIF, "image/gif"),
        ("data", svg, "image/svg+xml"),
    ];
    for (field, bytes, media_type) in cases {
        // Whatever the part declares, the bytes decide.
        let saved = upload(
            &server,
            &path,
            &root,
            field,
            "application/octet-stream",
            bytes,
        )
        .await;
        let saved = saved.expect_json(200);
        assert_eq!(saved["Code"], 0, "{saved}");
        assert_eq!(saved["Details"], "Command completed.");
        assert_eq!(saved["type"], media_type);
        assert_eq!(saved["size"], bytes.len());
        assert_eq!(
            format!("/api/v1/avatar/{}", saved["avatarId"].as_str().unwrap()),
            path
        );
        expect_image(&fetch(&server, &path, &root).await, media_type, bytes);
    }
    // The operator's UserInfo names where its avatar is served.
    let avatar_of = |answer: latchkey_tests::Answer| answer.expect_json(200)["avatar"].clone();
    let me = bearer(&server, "GET", "/api/v1/oauth2?me=true", &root, None).await;
    let uri = format!("{}{path}", server.config.public_url().trim_end_matches('/'));
    assert_eq!(avatar_of(me), uri.as_str());
    let user = bearer(
        &server,
        "GET",
        &path.replace("/avatar/", "/user/"),
        &root,
        None,
    )
    .await;
    assert_eq!(avatar_of(user), uri.as_str());

    let removed = bearer(&server, "DELETE", &path, &root, None).await;
    assert_eq!(removed.code(), 200);
    assert!(removed.body.is_empty());
    expect_code(&fetch(&server, &path, &root).await, 404, 404);
    expect_code(
        &bearer(&server, "DELETE", &path, &root, None).await,
        404,
        404,
    );
    let me = bearer(&server, "GET", "/api/v1/oauth2?me=true", &root, None).await;
    assert_eq!(avatar_of(me), "");
}

#[actix_rt::test]
async fn the_type_is_sniffed_never_declared() {
    let server = start().await;
    let root = root_token(&server).await;
    let path = format!("/api/v1/avatar/{}", my_id(&server, &root).await);
    let png = png();

    // A PNG declared as SVG is a PNG: no SVG is served for it.
    let saved = upload(&server, &path, &root, "file", "image/svg+xml", &png).await;
    assert_eq!(saved.expect_json(200)["type"], "image/png");
    expect_image(&fetch(&server, &path, &root).await, "image/png", &png);

    // Text, a script, HTML declared as images are refused; the avatar stays.
    for (declared, bytes) in [
        ("image/png", &b"just some text\n"[..]),
        ("image/svg+xml", b"<script>alert(1)</script>"),
        ("image/svg+xml", b"<html><body><svg></svg></body></html>"),
        ("image/jpeg", b""),
    ] {
        let refused = upload(&server, &path, &root, "file", declared, bytes).await;
        expect_detail(&refused, "1501");
    }
    expect_image(&fetch(&server, &path, &root).await, "image/png", &png);

    // The definition's raw body (no multipart) is the image itself.
    let auth = format!("Bearer {root}");
    let raw = send_raw(
        &server,
        "POST",
        &path,
        &[("authorization", &auth)],
        Some("image/png"),
        GIF.to_vec(),
    )
    .await;
    assert_eq!(raw.expect_json(200)["type"], "image/gif");
    expect_image(&fetch(&server, &path, &root).await, "image/gif", GIF);

    // Multipart without a `file` or `data` part.
    let other = upload(&server, &path, &root, "picture", "image/png", &png).await;
    expect_detail(&other, "1018");
    let no_boundary = send_raw(
        &server,
        "POST",
        &path,
        &[("authorization", &auth)],
        Some("multipart/form-data"),
        multipart("file", "x.png", "image/png", &png),
    )
    .await;
    expect_detail(&no_boundary, "1018");
}

#[actix_rt::test]
async fn avatars_are_at_most_2_mib() {
    let server = start().await;
    let root = root_token(&server).await;
    let path = format!("/api/v1/avatar/{}", my_id(&server, &root).await);
    let mut largest = GIF.to_vec();
    largest.resize(2 * 1024 * 1024, 0);
    let saved = upload(&server, &path, &root, "file", "image/gif", &largest).await;
    assert_eq!(saved.expect_json(200)["size"], largest.len());
    expect_image(&fetch(&server, &path, &root).await, "image/gif", &largest);

    let mut over = largest.clone();
    over.push(0);
    let refused = upload(&server, &path, &root, "file", "image/gif", &over).await;
    let description = expect_code(&refused, 413, 413);
    assert!(description.starts_with("1502: "), "{description}");
    // A body far over the limit is refused as well (by its length, before it is read).
    let mut huge = over.clone();
    huge.resize(3 * 1024 * 1024, 0);
    let refused = upload(&server, &path, &root, "file", "image/gif", &huge).await;
    expect_code(&refused, 413, 413);
    // The avatar before stays.
    expect_image(&fetch(&server, &path, &root).await, "image/gif", &largest);
}

#[actix_rt::test]
async fn operators_change_their_own_avatar_and_those_they_may_modify() {
    let server = start().await;
    let root = root_token(&server).await;
    let (admin_id, admin) =
        signed_in(&server, &root, "admin@masmovil.test", "admin", "masmovil").await;
    let (csr_id, csr) = signed_in(&server, &root, "csr@masmovil.test", "csr", "masmovil").await;
    let (_, other) = signed_in(&server, &root, "admin@yoigo.test", "admin", "yoigo").await;
    let admin_path = format!("/api/v1/avatar/{admin_id}");
    let csr_path = format!("/api/v1/avatar/{csr_id}");
    let png = png();

    // Its own.
    let own = upload(&server, &csr_path, &csr, "file", "image/png", &png).await;
    own.expect_json(200);
    // An admin modifies the operators of its org whose role it manages.
    let by_admin = upload(&server, &csr_path, &admin, "file", "image/gif", GIF).await;
    by_admin.expect_json(200);
    expect_image(&fetch(&server, &csr_path, &csr).await, "image/gif", GIF);
    upload(&server, &admin_path, &admin, "file", "image/png", &png)
        .await
        .expect_json(200);

    // A csr reads its org's operators but modifies none of them.
    expect_image(&fetch(&server, &admin_path, &csr).await, "image/png", &png);
    let denied = upload(&server, &admin_path, &csr, "file", "image/gif", GIF).await;
    expect_code(&denied, 403, 7);
    expect_code(
        &bearer(&server, "DELETE", &admin_path, &csr, None).await,
        403,
        7,
    );
    // Another org's admin reaches neither.
    expect_code(&fetch(&server, &admin_path, &other).await, 403, 7);
    expect_code(
        &upload(&server, &csr_path, &other, "file", "image/gif", GIF).await,
        403,
        7,
    );
    // Nothing changed through the refusals.
    expect_image(
        &fetch(&server, &admin_path, &admin).await,
        "image/png",
        &png,
    );

    // Without a token, with an unknown or malformed id.
    let anonymous = send_raw(&server, "GET", &admin_path, &[], None, Vec::new()).await;
    expect_code(&anonymous, 403, 8);
    let unknown = format!("/api/v1/avatar/{}", uuid::Uuid::new_v4());
    expect_code(&fetch(&server, &unknown, &root).await, 404, 404);
    expect_code(
        &upload(&server, &unknown, &root, "file", "image/gif", GIF).await,
        404,
        404,
    );
    expect_code(&fetch(&server, "/api/v1/avatar/0", &root).await, 404, 404);
    // A root reaches everyone; a removed avatar is gone for every reader.
    let removed = bearer(&server, "DELETE", &csr_path, &root, None).await;
    assert_eq!(removed.code(), 200);
    expect_code(&fetch(&server, &csr_path, &csr).await, 404, 404);
}

#[actix_rt::test]
async fn a_subscriber_avatar_of_a_tenant_that_does_not_exist_is_not_found() {
    let server = start().await;
    let root = root_token(&server).await;
    let path = format!("/api/v1/subavatar/{}", uuid::Uuid::new_v4());
    let auth = format!("Bearer {root}");
    let headers = [
        ("authorization", auth.as_str()),
        ("x-latchkey-org", "no-such-tenant"),
    ];
    for method in ["GET", "DELETE"] {
        let answer = crate::security_oauth2::send(&server, method, &path, &headers, None).await;
        expect_code(&answer, 404, 404);
    }
}
