//! The constraints of every validated input in the document (`pattern`, `minLength`,
//! `maxLength`, `enum`), built from the constants of the parser that checks the input, so the
//! two cannot drift: a client generated from the document refuses what the server would
//! refuse. `docs/constraints_tests.rs` holds each schema to its parser.

use latchkey_access::SigningAlgorithm;
use latchkey_core::OrgId;
use latchkey_credential::{CredentialAttrs, Msisdn, Password, Username};
use latchkey_otp::OtpCode;
use latchkey_tenancy::{ClientId, ClientName, Grant, IdTokenAlg, Scope, TenantName};
use utoipa::Modify;
use utoipa::openapi::path::Parameter;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{OpenApi, RefOr};

/// An org id ([`OrgId::parse`]).
pub fn org_id_pattern() -> String {
    format!(
        "^[a-z][a-z0-9_-]{{{},{}}}$",
        OrgId::MIN_LEN - 1,
        OrgId::MAX_LEN - 1
    )
}

/// A plain identifier as a username (the third kind of [`Username::parse`]).
fn plain_username() -> String {
    format!("[A-Za-z0-9._-]{{1,{}}}", Username::MAX_PLAIN)
}

/// An E.164 MSISDN ([`Msisdn::parse`]): `+`, no leading zero.
fn msisdn() -> String {
    format!(
        "\\+[1-9][0-9]{{{},{}}}",
        Msisdn::MIN_DIGITS - 1,
        Msisdn::MAX_DIGITS - 1
    )
}

/// An ordinary ASCII e-mail address: a dot-atom local part of at most 64 characters (RFC 5321
/// §4.5.3.1.1) and a dotted domain of LDH labels. [`Username::parse`] also takes internationalised
/// addresses (normalised, RFC 8265), which this pattern leaves out.
fn email() -> String {
    let atom = "[A-Za-z0-9_+-]";
    let label = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
    format!("{atom}{{1,32}}(?:\\.{atom}{{1,15}}){{0,2}}@{label}(?:\\.{label}){{1,4}}")
}

/// A username: an e-mail address, an MSISDN or a plain identifier.
pub fn username_pattern() -> String {
    format!("^(?:{}|{}|{})$", email(), msisdn(), plain_username())
}

/// An MSISDN alone.
pub fn msisdn_pattern() -> String {
    format!("^{}$", msisdn())
}

/// A display name ([`TenantName::parse`], [`ClientName::parse`]): something besides white space,
/// no control characters.
pub const NAME_PATTERN: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$";

/// A one-time code ([`OtpCode::parse`]).
pub fn code_pattern() -> String {
    format!("^[0-9]{{{}}}$", OtpCode::DIGITS)
}

/// An API key's name (`latchkey_operator::ApiKeyService::create`): ASCII letters and digits.
pub fn api_key_name_pattern() -> String {
    format!("^[A-Za-z0-9]{{1,{}}}$", latchkey_operator::API_KEY_NAME_MAX)
}

/// An operator's org as a client writes it: an org id, or empty for none.
pub fn owner_pattern() -> String {
    format!("^$|{}", org_id_pattern())
}

/// An operator's role ([`latchkey_operator::Role::parse`], which also takes other cases).
pub fn role() -> ObjectBuilder {
    one_of(
        latchkey_operator::Role::ALL
            .iter()
            .map(|r| r.as_str())
            .collect(),
    )
}

/// A client id ([`ClientId::parse`]).
pub fn client_id_pattern() -> String {
    format!("^[A-Za-z0-9._-]{{1,{}}}$", ClientId::MAX_LEN)
}

fn string(pattern: Option<String>, min: Option<usize>, max: Option<usize>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(pattern)
        .min_length(min)
        .max_length(max)
}

fn one_of(values: Vec<&'static str>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
}

fn array_of(item: ObjectBuilder, described: &str) -> Schema {
    ArrayBuilder::new()
        .items(item)
        .min_items(Some(1))
        .description(Some(described))
        .into()
}

/// The schema of each kind of validated input.
pub fn org_id() -> ObjectBuilder {
    string(
        Some(org_id_pattern()),
        Some(OrgId::MIN_LEN),
        Some(OrgId::MAX_LEN),
    )
}

pub fn username() -> ObjectBuilder {
    string(Some(username_pattern()), Some(1), Some(Username::MAX_EMAIL)).description(Some(format!(
        "An e-mail address (lower-cased), an E.164 MSISDN or a plain identifier; not `{}` \
             (any case: they name endpoints)",
        Username::RESERVED.join("`, `")
    )))
}

pub fn password() -> ObjectBuilder {
    string(None, Some(Password::MIN_CHARS), Some(Password::MAX_CHARS)).description(Some(
        "A password: neither a common one nor the username (a 400 says which rule it breaks)",
    ))
}

pub fn name() -> ObjectBuilder {
    debug_assert_eq!(TenantName::MAX_CHARS, ClientName::MAX_CHARS);
    string(
        Some(NAME_PATTERN.to_owned()),
        Some(1),
        Some(TenantName::MAX_CHARS),
    )
}

/// A customer id that must be given ([`CredentialAttrs::parse`]): something besides white
/// space, no control characters.
pub fn customer_id() -> ObjectBuilder {
    string(
        Some(NAME_PATTERN.to_owned()),
        Some(1),
        Some(CredentialAttrs::CUSTOMER_ID_MAX_CHARS),
    )
}

/// An optional attribute ([`CredentialAttrs::parse`]): no control characters; blank is as
/// absent.
pub fn free_text(max: usize) -> ObjectBuilder {
    string(Some(FREE_TEXT_PATTERN.to_owned()), None, Some(max))
}

/// Text without control characters.
pub const FREE_TEXT_PATTERN: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$";

/// A test message's text ([`latchkey_messages::TestEmail::parse`]): something besides white
/// space, no control characters but line breaks and tabs, at most `max` characters.
pub fn message_text(max: usize) -> ObjectBuilder {
    const PATTERN: &str = "^[\\t\\n\\r ]*[^\\s\\u0000-\\u001F\\u007F-\\u009F]\
                           [^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";
    string(Some(PATTERN.to_owned()), Some(1), Some(max))
}

pub fn code() -> ObjectBuilder {
    string(
        Some(code_pattern()),
        Some(OtpCode::DIGITS),
        Some(OtpCode::DIGITS),
    )
}

pub fn msisdn_schema() -> ObjectBuilder {
    string(
        Some(msisdn_pattern()),
        Some(Msisdn::MIN_DIGITS + 1),
        Some(Msisdn::MAX_DIGITS + 1),
    )
}

pub fn client_id() -> ObjectBuilder {
    string(Some(client_id_pattern()), Some(1), Some(ClientId::MAX_LEN))
}

pub fn scope() -> ObjectBuilder {
    one_of(Scope::ALL.iter().map(|s| s.as_str()).collect())
}

pub fn grant() -> ObjectBuilder {
    one_of(Grant::ALL.iter().map(|g| g.as_str()).collect())
}

pub fn signing_algorithm() -> ObjectBuilder {
    one_of(SigningAlgorithm::ALL.iter().map(|a| a.as_str()).collect())
}

pub fn id_token_alg() -> ObjectBuilder {
    one_of(IdTokenAlg::ALL.iter().map(|a| a.as_str()).collect())
}

/// `orgs` of a client: `["*"]`, or org ids.
pub fn client_orgs() -> Schema {
    ArrayBuilder::new()
        .items(RefOr::T(Schema::OneOf(
            utoipa::openapi::schema::OneOfBuilder::new()
                .item(one_of(vec![latchkey_tenancy::OrgAccess::WILDCARD]))
                .item(org_id())
                .build(),
        )))
        .min_items(Some(1))
        .description(Some(
            "The tenants the client may act on: `[\"*\"]` alone for all, or org ids",
        ))
        .into()
}

/// Parameters (on every path, `*`, or on one path; by name and place) and their schema.
pub const PARAMETERS: &[(&str, &str, &str)] = &[
    ("*", "org", "path"),
    ("*", "username", "path"),
    ("/v1/clients/{id}", "id", "path"),
    ("/v1/keys", "alg", "query"),
    ("/v1/orgs/{org}/magiclinks", "username", "query"),
    (
        "/v1/orgs/{org}/credentials/{username}/devices",
        "scope",
        "query",
    ),
];

fn parameter_schema(name: &str) -> Option<Schema> {
    Some(match name {
        "org" => org_id().into(),
        "username" => username().into(),
        "id" => client_id().into(),
        "alg" => signing_algorithm().into(),
        "scope" => one_of(vec!["all"]).into(),
        _ => return None,
    })
}

/// Properties of the request bodies (component, property) and their schema.
pub const PROPERTIES: &[(&str, &str)] = &[
    ("PutTenant", "name"),
    ("CreateClient", "name"),
    ("CreateClient", "scopes"),
    ("CreateClient", "orgs"),
    ("CreateClient", "grant_types"),
    ("CreateClient", "id_token_signed_response_alg"),
    ("CreateCredential", "msisdn"),
    ("SetPassword", "password"),
    ("ChangePasswordBody", "username"),
    ("ChangePasswordBody", "new_password"),
    ("ResetPasswordBody", "username"),
    ("CreateUsernameBody", "username"),
    ("CreateUsernameBody", "msisdn"),
    ("CreateUsernameBody", "customer_id"),
    ("CreateCredential", "crm"),
    ("CreateCredential", "customer_id"),
    ("TransferRequest", "destinationOrg"),
    ("CodeBody", "code"),
    ("EnrollBody", "code"),
    ("ApiKeyInput", "name"),
    ("UserInfoInput", "userRole"),
    ("UserInfoInput", "owner"),
    ("EmailInfo", "recipients"),
    ("EmailInfo", "subject"),
    ("EmailInfo", "text"),
    ("SmsInfo", "to"),
    ("SmsInfo", "text"),
];

fn property_schema(component: &str, property: &str) -> Option<Schema> {
    Some(match (component, property) {
        ("ApiKeyInput", "name") => string(
            Some(api_key_name_pattern()),
            Some(1),
            Some(latchkey_operator::API_KEY_NAME_MAX),
        )
        .into(),
        ("UserInfoInput", "userRole") => role().into(),
        ("UserInfoInput", "owner") => {
            string(Some(owner_pattern()), None, Some(OrgId::MAX_LEN)).into()
        }
        ("EmailInfo", "recipients") => ArrayBuilder::new()
            .items(
                string(Some(format!("^{}$", email())), None, Some(254)).format(Some(
                    utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Email),
                )),
            )
            .min_items(Some(1))
            .max_items(Some(latchkey_messages::MAX_RECIPIENTS))
            .into(),
        ("EmailInfo", "subject") => string(
            Some(NAME_PATTERN.to_owned()),
            Some(1),
            Some(latchkey_messages::MAX_SUBJECT_CHARS),
        )
        .into(),
        ("EmailInfo", "text") => message_text(latchkey_messages::MAX_EMAIL_TEXT_CHARS).into(),
        ("SmsInfo", "to") => msisdn_schema().into(),
        ("SmsInfo", "text") => message_text(latchkey_messages::MAX_SMS_TEXT_CHARS).into(),
        (_, "name") => name().into(),
        (_, "scopes") => array_of(scope(), "The scopes the client may ask for"),
        (_, "orgs") => client_orgs(),
        (_, "grant_types") => array_of(grant(), "The grants the client may use"),
        (_, "id_token_signed_response_alg") => id_token_alg().into(),
        (_, "msisdn") => msisdn_schema().into(),
        (_, "password" | "new_password") => password().into(),
        (_, "username") => username().into(),
        (_, "destinationOrg") => org_id().into(),
        (_, "code") => code().into(),
        ("CreateCredential", "crm") => free_text(CredentialAttrs::CRM_MAX_CHARS).into(),
        ("CreateCredential", "customer_id") => {
            free_text(CredentialAttrs::CUSTOMER_ID_MAX_CHARS).into()
        }
        (_, "customer_id") => customer_id().into(),
        _ => return None,
    })
}

/// Keeps what the annotation said about a value (its description) and replaces the rest.
fn with_description(schema: Schema, old: Option<&RefOr<Schema>>) -> Schema {
    let described = match old {
        Some(RefOr::T(Schema::Object(o))) => o.description.clone(),
        Some(RefOr::T(Schema::Array(a))) => a.description.clone(),
        _ => None,
    };
    match (schema, described) {
        (Schema::Object(mut o), Some(d)) => {
            o.description = Some(match o.description.take() {
                Some(own) => format!("{d} {own}"),
                None => d,
            });
            Schema::Object(o)
        }
        (Schema::Array(mut a), Some(d)) => {
            a.description = Some(d);
            Schema::Array(a)
        }
        (schema, _) => schema,
    }
}

/// Puts the constraints into the document.
pub struct Constraints;

impl Modify for Constraints {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                for parameter in operation.parameters.iter_mut().flatten() {
                    constrain_parameter(path, parameter);
                }
            }
        }
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        for (component, property) in PROPERTIES {
            let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(*component)
            else {
                continue;
            };
            let Some(schema) = property_schema(component, property) else {
                continue;
            };
            let old = object.properties.get(*property);
            if old.is_none() {
                continue;
            }
            let nullable = old.is_some_and(is_nullable);
            let schema = with_description(schema, old);
            let schema = if nullable { or_null(schema) } else { schema };
            object
                .properties
                .insert((*property).to_owned(), RefOr::T(schema));
        }
    }
}

fn is_nullable(schema: &RefOr<Schema>) -> bool {
    let types = match schema {
        RefOr::T(Schema::Object(o)) => &o.schema_type,
        RefOr::T(Schema::Array(a)) => &a.schema_type,
        _ => return false,
    };
    matches!(types, utoipa::openapi::schema::SchemaType::Array(types) if types.contains(&Type::Null))
}

/// An optional field's schema: the value (with its own constraints: an enum, a pattern, an
/// array's items) or `null`, which the server reads as absent.
fn or_null(schema: Schema) -> Schema {
    utoipa::openapi::schema::OneOfBuilder::new()
        .item(schema)
        .item(utoipa::openapi::schema::ObjectBuilder::new().schema_type(Type::Null))
        .into()
}

fn constrain_parameter(path: &str, parameter: &mut Parameter) {
    let place = match parameter.parameter_in {
        utoipa::openapi::path::ParameterIn::Path => "path",
        utoipa::openapi::path::ParameterIn::Query => "query",
        _ => return,
    };
    let listed = PARAMETERS.iter().any(|(on, name, at)| {
        (*on == "*" || *on == path) && *name == parameter.name && *at == place
    });
    if !listed {
        return;
    }
    if let Some(schema) = parameter_schema(&parameter.name) {
        let schema = with_description(schema, parameter.schema.as_ref());
        parameter.schema = Some(RefOr::T(schema));
    }
}
