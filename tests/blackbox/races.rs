//! Concurrent requests that compete for one thing: exactly one may win.

use latchkey_tests::{TestServer, credential_path};
use serde_json::json;

const ANA: &str = "ana@example.com";

#[actix_rt::test]
async fn concurrent_uses_of_one_set_password_token_let_exactly_one_win() {
    let server = TestServer::start_with(|config| config.workers = Some(2)).await;
    let admin = server.admin_token(None).await;
    let token = server.create_credential(&admin, "masmovil", ANA).await;
    let path = credential_path("masmovil", ANA);
    let first = json!({"password": "first fine passphrase", "token": token});
    let second = json!({"password": "second fine passphrase", "token": token});
    let (a, b) = tokio::join!(
        server.call("PUT", &path, Some(&admin), Some(&first)),
        server.call("PUT", &path, Some(&admin), Some(&second)),
    );
    let mut codes = [a.code(), b.code()];
    codes.sort_unstable();
    assert_eq!(codes, [204, 400], "{} / {}", a.text(), b.text());
    let loser = if a.code() == 400 { a } else { b };
    assert_eq!(loser.expect_error(400), "token.invalid");
}

#[actix_rt::test]
async fn concurrent_creates_of_one_username_let_exactly_one_win() {
    let server = TestServer::start_with(|config| config.workers = Some(2)).await;
    let admin = server.admin_token(None).await;
    let path = credential_path("masmovil", ANA);
    let (a, b, c) = tokio::join!(
        server.call("POST", &path, Some(&admin), None),
        server.call("POST", &path, Some(&admin), None),
        server.call("POST", &path, Some(&admin), None),
    );
    let mut codes = [a.code(), b.code(), c.code()];
    codes.sort_unstable();
    assert_eq!(codes, [201, 409, 409]);
}

#[actix_rt::test]
async fn concurrent_moves_and_copies_leave_one_consistent_credential() {
    let server = TestServer::start_with(|config| config.workers = Some(2)).await;
    let admin = server.admin_token(None).await;
    server.create_credential(&admin, "masmovil", ANA).await;
    let path = |kind: &str| {
        format!(
            "/v1/orgs/masmovil/credentials/{kind}/{}",
            latchkey_tests::segment(ANA)
        )
    };
    let to_yoigo = json!({"destinationOrg": "yoigo"});
    let (move_path, copy_path) = (path("move"), path("copy"));
    let (moved, copied) = tokio::join!(
        server.call("POST", &move_path, Some(&admin), Some(&to_yoigo)),
        server.call("POST", &copy_path, Some(&admin), Some(&to_yoigo)),
    );
    let mut codes = [moved.code(), copied.code()];
    codes.sort_unstable();
    assert!(
        codes == [200, 404] || codes == [200, 409],
        "{} / {}",
        moved.text(),
        copied.text()
    );
    server
        .get(&credential_path("yoigo", ANA), &admin)
        .await
        .expect_json(200);
}
