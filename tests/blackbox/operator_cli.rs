//! `latchkey operator create`, run in-process on a scratch PostgreSQL database: the operator it
//! makes signs in (after the forced password change) on a server started on that database.

use clap::Parser as _;
use latchkey::cli::{Cli, Command};
use latchkey::operator::{Created, OperatorAction, create};
use latchkey_core::ExposeSecret as _;
use latchkey_server::config::ServerConfig;
use latchkey_tests::{Answer, TestServer};
use serde_json::{Value, json};

/// Parses `latchkey operator create <args>`, on the database `url` when given.
fn command(args: &[&str], url: Option<&str>) -> (OperatorAction, ServerConfig) {
    let mut all = vec!["latchkey", "operator", "create"];
    all.extend_from_slice(args);
    let cli = Cli::try_parse_from(all).expect("the command line parses");
    let Some(Command::Operator { action }) = cli.command else {
        panic!("not an operator command");
    };
    let mut server = cli.server;
    server.database_url = url.map(Into::into);
    server.database_pool_size = Some(2);
    (action, server)
}

async fn run(args: &[&str], url: Option<&str>, stdin: &str) -> anyhow::Result<Created> {
    let (action, server) = command(args, url);
    create(action, &server, stdin.as_bytes()).await
}

async fn oauth2(server: &TestServer, body: Value) -> Answer {
    let response = server
        .http
        .post(server.url("/api/v1/oauth2"))
        .send_body(body.to_string())
        .await;
    latchkey_tests::http::read_answer(response).await.unwrap()
}

fn error_code(answer: &Answer) -> Value {
    answer.expect_json(403)["ErrorCode"].clone()
}

#[actix_rt::test]
async fn operator_create_refuses_without_a_database() {
    let error = run(&["--email", "a@cli.test", "--role", "root"], None, "")
        .await
        .unwrap_err();
    assert!(
        format!("{error:#}").contains("LATCHKEY_DATABASE_URL"),
        "{error:#}"
    );
}

#[actix_rt::test]
async fn operator_create_refuses_a_bad_role_or_a_root_with_an_owner() {
    let error = run(&["--email", "a@cli.test", "--role", "boss"], None, "")
        .await
        .unwrap_err();
    assert!(format!("{error:#}").contains("root, admin"), "{error:#}");
    let args = [
        "--email",
        "a@cli.test",
        "--role",
        "root",
        "--owner",
        "masmovil",
    ];
    let error = run(&args, None, "").await.unwrap_err();
    assert!(format!("{error:#}").contains("no --owner"), "{error:#}");
}

#[actix_rt::test]
async fn operator_create_makes_operators_that_sign_in_after_changing_their_password() {
    let database = latchkey_tests::scratch_database().await;
    let url = database.url();
    let root_args = [
        "--email",
        "Root@CLI.test",
        "--role",
        "root",
        "--password-stdin",
    ];
    let root = run(&root_args, Some(url), "Cli-root-pass-1\n")
        .await
        .unwrap();
    assert!(root.generated.is_none(), "the password came from stdin");
    assert_eq!(root.operator.email.as_str(), "root@cli.test");
    let admin_args = [
        "--email",
        "admin@cli.test",
        "--role",
        "admin",
        "--owner",
        "masmovil",
    ];
    let admin = run(&admin_args, Some(url), "").await.unwrap();
    let generated = admin.generated.expect("a generated password");
    let generated = generated.expose_secret();
    let again = run(&admin_args, Some(url), "").await.unwrap_err();
    assert!(format!("{again:#}").contains("admin@cli.test"), "{again:#}");

    // A server on that database: operators exist, so LATCHKEY_ROOT_EMAIL makes none.
    let server = TestServer::start_on(url, |c| {
        c.security.root_email = Some("config-root@cli.test".to_owned());
        c.security.root_password = Some("Config-root-pass-5".into());
    })
    .await;
    let config_root = json!({"userId": "config-root@cli.test", "password": "Config-root-pass-5"});
    assert_eq!(error_code(&oauth2(&server, config_root).await), 2);

    let first = oauth2(
        &server,
        json!({"userId": "root@cli.test", "password": "Cli-root-pass-1"}),
    );
    assert_eq!(error_code(&first.await), 1, "a change is required first");
    let changed = oauth2(
        &server,
        json!({"userId": "root@cli.test", "password": "Cli-root-pass-1", "newPassword": "Cli-root-pass-2"}),
    )
    .await
    .expect_json(200);
    let token = changed["access_token"].as_str().unwrap();
    let me = server
        .get("/api/v1/oauth2?me=true", token)
        .await
        .expect_json(200);
    assert_eq!(me["userRole"], "root", "{me}");

    let first = oauth2(
        &server,
        json!({"userId": "admin@cli.test", "password": generated}),
    );
    assert_eq!(error_code(&first.await), 1);
    let body = json!({"userId": "admin@cli.test", "password": generated, "newPassword": "Cli-admin-pass-3"});
    oauth2(&server, body).await.expect_json(200);
    server.stop().await;
    drop(database);
}
