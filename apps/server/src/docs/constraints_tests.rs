//! The document's constraints are the parsers' constants, and each pattern agrees with the
//! parser it describes on inputs either side of the line.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

use super::constraints::{self, PARAMETERS, PROPERTIES};
use super::openapi_json;
use latchkey_access::SigningAlgorithm;
use latchkey_core::OrgId;
use latchkey_credential::{CredentialAttrs, Msisdn, Password, Username};
use latchkey_otp::OtpCode;
use latchkey_tenancy::{ClientId, ClientName, Grant, IdTokenAlg, Scope, TenantName};
use regex::Regex;
use serde_json::{Value, json};

fn doc() -> Value {
    serde_json::from_str(openapi_json()).expect("the document is JSON")
}

fn operations(doc: &Value) -> impl Iterator<Item = (&String, &Value)> {
    doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            ["get", "post", "put", "patch", "delete"]
                .into_iter()
                .filter_map(move |m| item.get(m).map(|op| (path, op)))
        })
}

/// Every parameter of the document named `name` in `place`, on `on` (`*`: any path).
fn parameters<'a>(doc: &'a Value, on: &'a str, name: &'a str, place: &'a str) -> Vec<&'a Value> {
    operations(doc)
        .filter(|(path, _)| on == "*" || path.as_str() == on)
        .flat_map(|(_, op)| op["parameters"].as_array().into_iter().flatten())
        .filter(|p| p["name"] == name && p["in"] == place)
        .collect()
}

fn strings(values: impl IntoIterator<Item = &'static str>) -> Value {
    Value::Array(values.into_iter().map(Value::from).collect())
}

/// A value's own schema: an optional field's is the alternative of `oneOf` that is not `null`.
fn own(schema: &Value) -> &Value {
    schema["oneOf"]
        .as_array()
        .and_then(|alternatives| alternatives.iter().find(|a| a["type"] != "null"))
        .unwrap_or(schema)
}

#[test]
fn every_listed_input_is_in_the_document_with_its_constraints() {
    let doc = doc();
    for (on, name, place) in PARAMETERS {
        let found = parameters(&doc, on, name, place);
        assert!(!found.is_empty(), "no {place} parameter {name} on {on}");
        for parameter in found {
            let schema = &parameter["schema"];
            assert!(
                schema.get("pattern").is_some() || schema.get("enum").is_some(),
                "{name} on {on} has no constraint: {schema}"
            );
        }
    }
    let schemas = &doc["components"]["schemas"];
    for (component, property) in PROPERTIES {
        let schema = own(&schemas[component]["properties"][property]);
        assert!(
            schema.is_object(),
            "{component}.{property} is not in the document"
        );
        let constrained = ["pattern", "enum", "minLength", "items"]
            .iter()
            .any(|k| schema.get(k).is_some());
        assert!(
            constrained,
            "{component}.{property} has no constraint: {schema}"
        );
    }
}

#[test]
fn the_constraints_are_the_parsers_constants() {
    let doc = doc();
    let org = &parameters(&doc, "*", "org", "path")[0]["schema"];
    assert_eq!(org["pattern"], constraints::org_id_pattern());
    assert_eq!(org["minLength"], OrgId::MIN_LEN);
    assert_eq!(org["maxLength"], OrgId::MAX_LEN);

    let username = &parameters(&doc, "*", "username", "path")[0]["schema"];
    assert_eq!(username["pattern"], constraints::username_pattern());
    assert_eq!(username["maxLength"], Username::MAX_EMAIL);
    for word in Username::RESERVED {
        assert!(username["description"].as_str().unwrap().contains(word));
    }

    let alg = &parameters(&doc, "/v1/keys", "alg", "query")[0]["schema"];
    assert_eq!(
        alg["enum"],
        strings(SigningAlgorithm::ALL.map(|a| a.as_str()))
    );

    let schemas = &doc["components"]["schemas"];
    let client = &schemas["CreateClient"]["properties"];
    assert_eq!(
        client["scopes"]["items"]["enum"],
        strings(Scope::ALL.map(|s| s.as_str()))
    );
    assert_eq!(
        own(&client["grant_types"])["items"]["enum"],
        strings(Grant::ALL.map(|g| g.as_str()))
    );
    assert_eq!(
        own(&client["id_token_signed_response_alg"])["enum"],
        strings(IdTokenAlg::ALL.map(|a| a.as_str()))
    );
    let customer_id = &schemas["CreateUsernameBody"]["properties"]["customer_id"];
    assert_eq!(customer_id["pattern"], constraints::NAME_PATTERN);
    assert_eq!(customer_id["minLength"], 1);
    assert_eq!(
        customer_id["maxLength"],
        CredentialAttrs::CUSTOMER_ID_MAX_CHARS
    );
    assert_eq!(client["name"]["maxLength"], ClientName::MAX_CHARS);
    assert_eq!(
        schemas["PutTenant"]["properties"]["name"]["maxLength"],
        TenantName::MAX_CHARS
    );

    let password = &schemas["SetPassword"]["properties"]["password"];
    assert_eq!(password["minLength"], Password::MIN_CHARS);
    assert_eq!(password["maxLength"], Password::MAX_CHARS);
    let code = &schemas["CodeBody"]["properties"]["code"];
    assert_eq!(code["pattern"], constraints::code_pattern());
    assert_eq!(code["minLength"], OtpCode::DIGITS);
    let msisdn = &schemas["CreateUsernameBody"]["properties"]["msisdn"];
    assert_eq!(msisdn["pattern"], constraints::msisdn_pattern());
    assert_eq!(msisdn["maxLength"], Msisdn::MAX_DIGITS + 1);
    assert_eq!(
        parameters(&doc, "/v1/clients/{id}", "id", "path")[0]["schema"]["maxLength"],
        ClientId::MAX_LEN
    );
}

/// An optional field the server reads `null` in as absent keeps `null` beside its constraints:
/// a generated client may send it, and the constraints hold for anything else.
#[test]
fn optional_fields_keep_null_beside_their_constraints() {
    let doc = doc();
    let client = &doc["components"]["schemas"]["CreateClient"]["properties"];
    for field in ["grant_types", "id_token_signed_response_alg"] {
        let alternatives = client[field]["oneOf"]
            .as_array()
            .unwrap_or_else(|| panic!("{field} is not value-or-null: {}", client[field]));
        assert!(alternatives.iter().any(|a| a["type"] == "null"), "{field}");
        assert_ne!(own(&client[field]), &client[field], "{field}");
    }
}

/// The query parameters are declared in the query, where a generated client sends them.
#[test]
fn query_parameters_are_in_the_query() {
    let doc = doc();
    for (path, name) in [
        ("/logout", "id_token_hint"),
        ("/logout", "post_logout_redirect_uri"),
        ("/magiclink", "token"),
        ("/v1/keys", "alg"),
        ("/v1/orgs/{org}/credentials/{username}/devices", "scope"),
    ] {
        assert!(
            !parameters(&doc, path, name, "query").is_empty(),
            "{name} of {path} is not in the query"
        );
        assert!(
            parameters(&doc, path, name, "path").is_empty(),
            "{name} of {path} in the path"
        );
    }
}

/// `client_secret_post` is offered where the form may carry the client's secret.
#[test]
fn client_secret_post_is_listed_where_it_is_accepted() {
    let doc = doc();
    for path in ["/token", "/introspect", "/revoke", "/bc-authorize"] {
        let op = &doc["paths"][path]["post"];
        assert_eq!(op["security"], json!([{"clientBasic": []}, {}]), "{path}");
        let form =
            op["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]["$ref"]
                .as_str()
                .and_then(|r| r.rsplit('/').next())
                .expect("a form schema");
        let properties = &doc["components"]["schemas"][form]["properties"];
        assert!(
            properties["client_secret"].is_object(),
            "{path}: no client_secret"
        );
    }
    let description = doc["components"]["securitySchemes"]["clientBasic"]["description"]
        .as_str()
        .unwrap();
    assert!(description.contains("client_secret_post"));
}

fn pattern(p: &str) -> Regex {
    Regex::new(p).expect("the pattern compiles")
}

/// Inputs the pattern admits, which the parser must accept, and inputs it refuses, which the
/// parser must refuse too.
fn agree(pattern_text: &str, valid: &[&str], invalid: &[&str], parses: impl Fn(&str) -> bool) {
    let re = pattern(pattern_text);
    for input in valid {
        assert!(re.is_match(input), "{pattern_text} refuses {input:?}");
        assert!(parses(input), "the parser refuses {input:?}");
    }
    for input in invalid {
        assert!(!re.is_match(input), "{pattern_text} admits {input:?}");
        assert!(!parses(input), "the parser accepts {input:?}");
    }
}

#[test]
fn the_org_id_pattern_is_the_parser() {
    let longest = format!("a{}", "b".repeat(OrgId::MAX_LEN - 1));
    let too_long = format!("{longest}c");
    agree(
        &constraints::org_id_pattern(),
        &["masmovil", "ab", "yoigo-2", "a_b", &longest],
        &[
            "a", "Masmovil", "2go", "-ab", "a b", "añb", "a@b", "", &too_long,
        ],
        |s| OrgId::parse(s).is_ok(),
    );
}

#[test]
fn the_username_pattern_is_the_parser() {
    let plain = "x".repeat(Username::MAX_PLAIN);
    let too_long = format!("{plain}y");
    agree(
        &constraints::username_pattern(),
        &[
            "ana@example.com",
            "Ana.Garcia+news@mail.example.co.uk",
            "first.last@example.com",
            "a-b_c@sub-domain.example.org",
            "+34600111222",
            "+12",
            "Customer_42",
            "a.b-c",
            &plain,
        ],
        &[
            "",
            "ana@example",
            ".ana@example.com",
            "ana..b@example.com",
            "ana@-example.com",
            "ana @example.com",
            "+0123",
            "+3460011122233344",
            "+34 600",
            "a b",
            "a/b",
            &too_long,
        ],
        |s| Username::parse(s).is_ok(),
    );
    // The reserved words match the shape of a plain identifier; the description names them.
    for word in Username::RESERVED {
        assert!(pattern(&constraints::username_pattern()).is_match(word));
        assert!(Username::parse(word).is_err());
    }
}

#[test]
fn the_msisdn_pattern_is_the_parser() {
    let longest = format!("+1{}", "2".repeat(Msisdn::MAX_DIGITS - 1));
    agree(
        &constraints::msisdn_pattern(),
        &["+34600111222", "+12", &longest],
        &["34600111222", "+0600", "+1", &format!("{longest}3"), "+34a"],
        |s| Msisdn::parse(s).is_ok(),
    );
}

#[test]
fn the_code_pattern_is_the_parser() {
    agree(
        &constraints::code_pattern(),
        &["123456", "000000"],
        &["12345", "1234567", "12345a", "١٢٣٤٥٦", ""],
        |s| OtpCode::parse(s).is_ok(),
    );
}

#[test]
fn the_client_id_pattern_is_the_parser() {
    agree(
        &constraints::client_id_pattern(),
        &[
            "latchkey-admin",
            "a",
            "App.1_x",
            &"c".repeat(ClientId::MAX_LEN),
        ],
        &["", "a:b", "a b", "ñ", &"c".repeat(ClientId::MAX_LEN + 1)],
        |s| ClientId::parse(s).is_ok(),
    );
}

#[test]
fn the_name_pattern_is_the_parser() {
    agree(
        constraints::NAME_PATTERN,
        &["MásMóvil", "Yoigo", " Brand 2 ", "名前"],
        &["", "   ", "a\u{7}b", "a\nb", "\u{85}x"],
        |s| TenantName::parse(s).is_ok() && ClientName::parse(s).is_ok(),
    );
}

#[test]
fn the_customer_id_pattern_is_the_parser() {
    agree(
        constraints::NAME_PATTERN,
        &["C-42", " C 42 ", "cliente-ñ"],
        &["", "   ", "C\u{7}42", "C\n42"],
        |s| CredentialAttrs::parse(None, Some(s), None).is_ok_and(|a| a.customer_id.is_some()),
    );
}

#[test]
fn the_free_text_pattern_is_the_parser() {
    agree(
        constraints::FREE_TEXT_PATTERN,
        &["", "  ", "qvantel", "C-42 ñ"],
        &["a\u{7}b", "a\nb", "\u{85}x"],
        |s| {
            CredentialAttrs::parse(Some(s), None, None).is_ok()
                && CredentialAttrs::parse(None, Some(s), None).is_ok()
        },
    );
    let doc = doc();
    let create = &doc["components"]["schemas"]["CreateCredential"]["properties"];
    assert_eq!(
        own(&create["crm"])["maxLength"],
        CredentialAttrs::CRM_MAX_CHARS
    );
    assert_eq!(
        own(&create["customer_id"])["maxLength"],
        CredentialAttrs::CUSTOMER_ID_MAX_CHARS
    );
}

#[test]
fn the_operator_plane_inputs_are_the_parsers() {
    let longest = "k".repeat(latchkey_operator::API_KEY_NAME_MAX);
    let too_long = format!("{longest}k");
    // The domain's rule for a key name (ApiKeyService::create refuses anything else).
    let key_name = |s: &str| {
        !s.is_empty()
            && s.len() <= latchkey_operator::API_KEY_NAME_MAX
            && s.bytes().all(|b| b.is_ascii_alphanumeric())
    };
    agree(
        &constraints::api_key_name_pattern(),
        &["ci", "Gateway7", &longest],
        &["", "by-root", "a b", "ñ", &too_long],
        key_name,
    );
    agree(
        &constraints::owner_pattern(),
        &["", "masmovil", "yoigo-2"],
        &["Masmovil", "a", "a b"],
        |s| s.is_empty() || OrgId::parse(s).is_ok(),
    );
    let doc = doc();
    let input = &doc["components"]["schemas"]["UserInfoInput"]["properties"];
    assert_eq!(
        own(&input["userRole"])["enum"],
        strings(latchkey_operator::Role::ALL.map(|r| r.as_str()))
    );
}

#[test]
fn test_messages_are_documented_with_the_messages_crate_limits() {
    use latchkey_messages::{
        MAX_EMAIL_TEXT_CHARS, MAX_RECIPIENTS, MAX_SMS_TEXT_CHARS, MAX_SUBJECT_CHARS, TestEmail,
        TestSms,
    };
    let doc = doc();
    let email = &doc["components"]["schemas"]["EmailInfo"]["properties"];
    assert_eq!(own(&email["recipients"])["maxItems"], MAX_RECIPIENTS);
    assert_eq!(own(&email["subject"])["maxLength"], MAX_SUBJECT_CHARS);
    assert_eq!(own(&email["text"])["maxLength"], MAX_EMAIL_TEXT_CHARS);
    let sms = &doc["components"]["schemas"]["SmsInfo"]["properties"];
    assert_eq!(own(&sms["text"])["maxLength"], MAX_SMS_TEXT_CHARS);
    assert_eq!(own(&sms["to"])["pattern"], constraints::msisdn_pattern());
    let text = own(&email["text"])["pattern"].as_str().unwrap().to_owned();
    let to = ["ana@example.com".to_owned()];
    agree(
        &text,
        &["hello", " two\nlines\r\n\tand a tab ", "¡olé!"],
        &["", " \n ", "a\u{0}b", "bell\u{7}", "esc\u{1b}[0m"],
        |t| {
            TestEmail::parse(&to, "s", t, None).is_ok() && TestSms::parse("+34600111222", t).is_ok()
        },
    );
}
