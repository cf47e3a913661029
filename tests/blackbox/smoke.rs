use latchkey_tests::TestServer;

#[actix_rt::test]
async fn a_service_token_reads_a_credential() {
    let server = TestServer::start().await;
    let token = server.admin_token(None).await;
    server
        .active_credential(
            &token,
            "masmovil",
            "ana@example.com",
            "correct horse battery",
        )
        .await;
    let answer = server
        .get("/v1/orgs/masmovil/credentials/ana@example.com", &token)
        .await;
    assert_eq!(answer.status.as_u16(), 200, "{}", answer.text());
    assert_eq!(answer.json()["enabled"], true);
}
