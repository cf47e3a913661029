//! The admin CLI (`latchkey tenant|client|key ...`), run in-process against a live server.

use clap::Parser as _;
use latchkey::cli::{Cli, run_admin};
use latchkey_tests::{ADMIN_ID, ADMIN_SECRET, TestServer};

/// Runs `latchkey <group> --url ... --client-id ... --client-secret ... <rest>`.
async fn run(server: &TestServer, group: &str, rest: &[&str]) -> anyhow::Result<()> {
    let mut args = vec![
        "latchkey",
        group,
        "--url",
        &server.base,
        "--client-id",
        ADMIN_ID,
        "--client-secret",
        ADMIN_SECRET,
    ];
    args.extend_from_slice(rest);
    let cli = Cli::try_parse_from(args).expect("the command line parses");
    run_admin(cli.command.expect("a command"), &cli.server).await
}

#[actix_rt::test]
async fn tenant_put_creates_a_tenant() {
    let server = TestServer::start().await;
    run(&server, "tenant", &["put", "jazztel", "--name", "Jazztel"])
        .await
        .unwrap();
    let token = server.admin_token(Some("tenants:admin")).await;
    let tenant = server
        .get("/v1/orgs/jazztel", &token)
        .await
        .expect_json(200);
    assert_eq!(
        (tenant["name"].as_str(), tenant["enabled"].as_bool()),
        (Some("Jazztel"), Some(true))
    );
}

#[actix_rt::test]
async fn tenant_put_disabled_disables_it() {
    let server = TestServer::start().await;
    run(
        &server,
        "tenant",
        &["put", "yoigo", "--name", "Yoigo", "--disabled"],
    )
    .await
    .unwrap();
    let token = server.admin_token(Some("tenants:admin")).await;
    assert_eq!(
        server.get("/v1/orgs/yoigo", &token).await.expect_json(200)["enabled"],
        false
    );
}

#[actix_rt::test]
async fn admin_arguments_may_follow_the_action() {
    let server = TestServer::start().await;
    let cli = Cli::try_parse_from([
        "latchkey",
        "tenant",
        "put",
        "jazztel",
        "--url",
        &server.base,
        "--client-id",
        ADMIN_ID,
        "--client-secret",
        ADMIN_SECRET,
    ])
    .unwrap();
    run_admin(cli.command.unwrap(), &cli.server).await.unwrap();
    let token = server.admin_token(Some("tenants:admin")).await;
    assert_eq!(
        server
            .get("/v1/orgs/jazztel", &token)
            .await
            .expect_json(200)["name"],
        "jazztel"
    );
}

/// Runs `client create` and checks, over HTTP, that exactly that client was added.
async fn create_client_through_the_cli(scope: &str) {
    let server = TestServer::start().await;
    let token = server.admin_token(Some("clients:admin")).await;
    let before = server.get("/v1/clients", &token).await.expect_json(200);
    run(
        &server,
        "client",
        &[
            "create", "--name", "x", "--scope", scope, "--org", "masmovil",
        ],
    )
    .await
    .unwrap();
    let after = server.get("/v1/clients", &token).await.expect_json(200);
    let after = after.as_array().unwrap();
    assert_eq!(after.len(), before.as_array().unwrap().len() + 1);
    let created = after
        .iter()
        .find(|c| c["name"] == "x")
        .expect("the new client is listed");
    assert_eq!(created["scopes"], serde_json::json!([scope]));
    assert_eq!(created["orgs"], serde_json::json!(["masmovil"]));
}

#[actix_rt::test]
async fn client_create_registers_a_client() {
    create_client_through_the_cli("clients:admin").await;
}

#[actix_rt::test]
async fn client_create_grants_credential_scopes() {
    create_client_through_the_cli("credentials:read").await;
}

#[actix_rt::test]
async fn key_rotate_adds_a_signing_key() {
    let server = TestServer::start().await;
    run(&server, "key", &["rotate"]).await.unwrap();
    let jwks = server.jwks().await;
    let es256 = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["alg"] == "ES256")
        .count();
    assert_eq!(es256, 2, "a second access-token key: {jwks}");
}

#[actix_rt::test]
async fn failing_command_reports_the_servers_error() {
    let server = TestServer::start().await;
    let error = run(&server, "tenant", &["get", "jazztel"])
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("404") && error.contains("tenant.not_found"),
        "{error}"
    );
    let error = run(
        &server,
        "client",
        &[
            "create", "--name", "x", "--scope", "bogus", "--org", "masmovil",
        ],
    )
    .await
    .unwrap_err()
    .to_string();
    // Refused either when the CLI asks for a token with that scope or when it registers it.
    assert!(
        error.contains("invalid_scope") || error.contains("client.unknown_scope"),
        "{error}"
    );
}

#[actix_rt::test]
async fn wrong_client_secret_fails_to_get_a_token() {
    let server = TestServer::start().await;
    let cli = Cli::try_parse_from([
        "latchkey",
        "tenant",
        "--url",
        &server.base,
        "--client-id",
        ADMIN_ID,
        "--client-secret",
        "wrong-secret-wrong",
        "list",
    ])
    .unwrap();
    let error = run_admin(cli.command.unwrap(), &cli.server)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("invalid_client"), "{error}");
}
