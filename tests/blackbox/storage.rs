//! PostgreSQL specifics, whatever `LATCHKEY_TEST_BACKEND` says: schemas per tenant, migrations,
//! and moves that fail half way.

use latchkey_postgres::testing::execute;
use latchkey_postgres::{PgConfig, PgDatabase};
use latchkey_tests::{Answer, TestServer, credential_path, scratch_database, segment};
use serde_json::json;
use std::time::Duration;

const ANA: &str = "ana@example.com";

fn pool(url: &str) -> PgDatabase {
    PgDatabase::new(PgConfig {
        url: url.to_owned(),
        pool_size: 2,
        threads: 1,
        connect_timeout: Duration::from_secs(5),
        statement_timeout: Duration::from_secs(10),
    })
    .unwrap()
}

async fn move_ana(server: &TestServer, admin: &str) -> Answer {
    let path = format!("/v1/orgs/masmovil/credentials/move/{}", segment(ANA));
    server
        .call(
            "POST",
            &path,
            Some(admin),
            Some(&json!({"destinationOrg": "yoigo"})),
        )
        .await
}

/// A new tenant gets its schema at once; `latchkey migrate` then finds every schema up to date,
/// and finds them all again after a restart.
#[actix_rt::test]
async fn each_tenant_has_a_migrated_schema_and_migrate_is_idempotent() {
    let database = scratch_database().await;
    let server = TestServer::start_on(database.url(), |_| {}).await;
    let admin = server.admin_token(None).await;
    server
        .call(
            "PUT",
            "/v1/orgs/pepe-phone",
            Some(&admin),
            Some(&json!({"name": "Pepephone"})),
        )
        .await
        .expect_json(201);
    // The schema is usable straight away.
    server.create_credential(&admin, "pepe-phone", ANA).await;

    let migrated = pool(database.url()).migrate().await.unwrap();
    assert!(migrated.public.is_empty(), "public was migrated at start");
    let schemas: Vec<(String, usize)> = migrated
        .tenants
        .iter()
        .map(|(org, applied)| (latchkey_postgres::schema_name(org), applied.len()))
        .collect();
    assert_eq!(
        schemas,
        [
            ("tenant_masmovil".to_owned(), 0),
            ("tenant_pepe-phone".to_owned(), 0),
            ("tenant_yoigo".to_owned(), 0),
        ],
        "every tenant has its schema, already migrated"
    );
    server.stop().await;
}

/// A move whose insert fails after the source row was updated (a trigger makes the
/// destination refuse it) rolls back: the credential is still live at the source, unchanged, and
/// absent at the destination.
#[actix_rt::test]
async fn a_move_that_fails_half_way_leaves_both_tenants_as_they_were() {
    let database = scratch_database().await;
    let server = TestServer::start_on(database.url(), |_| {}).await;
    let admin = server.admin_token(None).await;
    server
        .active_credential(&admin, "masmovil", ANA, "a long move passphrase")
        .await;
    let before = server
        .get(&credential_path("masmovil", ANA), &admin)
        .await
        .expect_json(200);

    execute(
        database.url(),
        r#"CREATE FUNCTION public.refuse() RETURNS trigger LANGUAGE plpgsql AS
               $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
           CREATE TRIGGER refuse BEFORE INSERT ON "tenant_yoigo".credentials
               FOR EACH ROW EXECUTE FUNCTION public.refuse();"#,
    )
    .await
    .unwrap();

    let answer = move_ana(&server, &admin).await;
    assert_eq!(answer.code(), 503, "{}", answer.text());
    answer.expect_error(503);

    let after = server
        .get(&credential_path("masmovil", ANA), &admin)
        .await
        .expect_json(200);
    assert_eq!(before, after, "the source is unchanged");
    server
        .get(&credential_path("yoigo", ANA), &admin)
        .await
        .expect_error(404);
    // Once the destination accepts again, the same move goes through.
    execute(
        database.url(),
        r#"DROP TRIGGER refuse ON "tenant_yoigo".credentials"#,
    )
    .await
    .unwrap();
    let answer = move_ana(&server, &admin).await;
    assert!(answer.status.is_success(), "{}", answer.text());
    server
        .get(&credential_path("yoigo", ANA), &admin)
        .await
        .expect_json(200);
    server
        .get(&credential_path("masmovil", ANA), &admin)
        .await
        .expect_error(404);
    server.stop().await;
}
