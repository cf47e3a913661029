//! `latchkey subscriber ...`, run in-process against a live server with an operator's API key:
//! each command is one call of `/api/v1/subusers` or `/api/v1/subuser/{id}`, and the server
//! decides what the operator may do.

use crate::security_users::{bearer, root_token, signed_in, start_with};
use clap::Parser as _;
use latchkey::cli::{Cli, Command};
use latchkey_tests::TestServer;
use serde_json::json;

/// Runs `latchkey subscriber --url ... --api-key ... <rest>`.
async fn run(server: &TestServer, key: &str, rest: &[&str]) -> anyhow::Result<()> {
    let mut args = vec![
        "latchkey",
        "subscriber",
        "--url",
        &server.base,
        "--api-key",
        key,
    ];
    args.extend_from_slice(rest);
    let cli = Cli::try_parse_from(args).expect("the command line parses");
    let Some(Command::Subscriber { access, action }) = cli.command else {
        panic!("not the subscriber command");
    };
    latchkey::subscriber::run(access, action).await
}

/// An API key of a new operator of `role` in masmovil.
async fn key_of(server: &TestServer, root: &str, email: &str, role: &str) -> String {
    let (id, token) = signed_in(server, root, email, role, "masmovil").await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let body = json!({"name": "cli", "expiresOn": now + 86_400,
        "rights": {"acls": [{"service": "owsec", "access": "read"}]}});
    let path = format!("/api/v1/apiKey/{id}");
    let created = bearer(server, "POST", &path, &token, Some(&body)).await;
    created.expect_json(200)["apiKey"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[actix_rt::test]
async fn an_operator_works_on_its_subscribers_from_the_shell() {
    let sink = latchkey_testkit::smtp_sink::SmtpSink::start();
    let url = sink.url();
    let server = start_with(move |c| c.smtp_url = Some(url.into())).await;
    let root = root_token(&server).await;
    let admin = key_of(&server, &root, "adm@example.com", "admin").await;
    run(
        &server,
        &admin,
        &["create", "--email", "eva@example.com", "--name", "Eva"],
    )
    .await
    .unwrap();
    // Without a password it was e-mailed the link to set one.
    assert!(crate::security_oauth2::mails(&sink, 1)[0].contains("/password/set?token="));
    let list = bearer(&server, "GET", "/api/v1/subusers", &root, None).await;
    assert_eq!(list.code(), 400, "a root names the tenant");
    let path = "/api/v1/subuser/eva@example.com?byEmail=true";
    let auth = format!("Bearer {root}");
    let headers = [
        ("authorization", auth.as_str()),
        ("x-latchkey-org", "masmovil"),
    ];
    let read = || crate::security_users::call(&server, "GET", path, &headers, None);
    let eva = read().await.expect_json(200);
    assert_eq!(eva["name"], "Eva");
    let id = eva["id"].as_str().unwrap();
    run(&server, &admin, &["list", "--name", "ev", "--limit", "5"])
        .await
        .unwrap();
    run(&server, &admin, &["get", "eva@example.com"])
        .await
        .unwrap();
    run(&server, &admin, &["resume", id]).await.unwrap();
    assert_eq!(read().await.expect_json(200)["suspended"], false);
    run(&server, &admin, &["suspend", id]).await.unwrap();
    assert_eq!(read().await.expect_json(200)["suspended"], true);
    // What the operator may not do is refused by the server, and the command fails with it.
    let accounting = key_of(&server, &root, "acc@example.com", "accounting").await;
    let refused = run(&server, &accounting, &["delete", id])
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("403"), "{refused:#}");
    let missing = run(&server, &admin, &["get", "nobody@example.com"]).await;
    assert!(missing.unwrap_err().to_string().contains("404"));
    run(&server, &admin, &["delete", id]).await.unwrap();
    assert_eq!(read().await.code(), 404);
}
