//! Every resource answers a method it does not serve with 405 and an `Allow` header listing
//! exactly the methods it serves (RFC 9110 §15.5.6): walked over every path of the OpenAPI
//! document, plus the login pages the document does not describe.

use latchkey_tests::TestServer;
use serde_json::Value;
use std::collections::BTreeSet;

const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"];

/// The login pages' form targets, which the document leaves out (no client calls them).
const PAGES: [(&str, &[&str]); 5] = [
    ("/login", &["POST"]),
    ("/login/send", &["POST"]),
    ("/login/factor", &["POST"]),
    ("/ciba", &["GET"]),
    ("/ciba/decide", &["POST"]),
];

/// A concrete path for a template of the document.
fn concrete(template: &str) -> String {
    template
        .replace("{org}", "masmovil")
        .replace("{username}", "ana@example.com")
        .replace("{device_id}", "0b5f4a57-6d5e-4c5e-9a39-1f1f8a4d6a1e")
        .replace("{token}", "nothing")
        .replace("{kid}", "nothing")
        .replace("{id}", "nothing")
}

/// The methods of every path of the document, upper case.
fn documented(doc: &Value) -> Vec<(String, BTreeSet<String>)> {
    let paths = doc["paths"].as_object().expect("the document has paths");
    paths
        .iter()
        .map(|(path, item)| {
            let methods = item
                .as_object()
                .expect("a path item is an object")
                .keys()
                .map(|m| m.to_ascii_uppercase())
                .filter(|m| METHODS.contains(&m.as_str()))
                .collect();
            (path.clone(), methods)
        })
        .collect()
}

fn allow_of(answer: &latchkey_tests::Answer) -> BTreeSet<String> {
    answer
        .header("allow")
        .unwrap_or_default()
        .split(',')
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty())
        .collect()
}

#[actix_rt::test]
async fn every_resource_answers_an_unserved_method_with_405_and_allow() {
    let server = TestServer::start().await;
    let doc = server
        .call("GET", "/openapi.json", None, None)
        .await
        .expect_json(200);
    let mut resources = documented(&doc);
    assert!(resources.len() > 30, "the document lists every path");
    for (page, methods) in PAGES {
        assert!(
            resources.iter().all(|(path, _)| path != page),
            "{page} is in the document now: drop it from PAGES"
        );
        let methods = methods.iter().map(|m| (*m).to_owned()).collect();
        resources.push((page.to_owned(), methods));
    }
    let mut checked = 0;
    for (template, served) in &resources {
        let path = concrete(template);
        for method in METHODS.iter().filter(|m| !served.contains(**m)) {
            let answer = server.call(method, &path, None, None).await;
            assert_eq!(answer.code(), 405, "{method} {path}: {}", answer.text());
            assert_eq!(&allow_of(&answer), served, "Allow of {method} {path}");
            checked += 1;
        }
    }
    assert!(checked > 150, "only {checked} refusals checked");
}

#[actix_rt::test]
async fn a_405_keeps_the_shape_of_its_face() {
    let server = TestServer::start().await;
    let api = server.call("DELETE", "/v1/orgs", None, None).await;
    assert_eq!(api.expect_error(405), "request.method_not_allowed");
    assert_eq!(api.header("allow").as_deref(), Some("GET"));

    let oauth = server.call("GET", "/introspect", None, None).await;
    assert_eq!(oauth.expect_oauth_error(405), "invalid_request");
    assert_eq!(oauth.header("allow").as_deref(), Some("POST"));

    let page = server.call("PUT", "/logout", None, None).await;
    assert_eq!(page.code(), 405);
    assert!(
        page.header("content-type")
            .is_some_and(|t| t.starts_with("text/html")),
        "a page's 405 is a page"
    );
    assert_eq!(page.header("allow").as_deref(), Some("GET, POST"));
}
