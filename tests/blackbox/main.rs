//! Black-box tests: the real server on a free port, spoken to over HTTP.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

mod api_document;
mod auth;
mod browser;
mod ciba;
mod cli;
mod clients;
mod credentials;
mod database;
mod flows;
mod hardening_abuse;
mod hardening_abuse_pages;
mod hardening_email;
mod hardening_protocol;
mod hardening_protocol_logout;
mod hardening_tokens;
mod hardening_tokens_fleet;
mod hardening_tokens_sessions;
mod http2_bodies;
mod input;
mod introspection;
mod keys;
mod login;
mod magiclinks;
mod messages;
mod oauth;
mod operator_cli;
mod ops;
mod orgs;
mod passwords;
mod races;
mod revocation;
mod second_factors;
mod security_api_keys;
mod security_avatar_browser;
mod security_avatars;
mod security_https;
mod security_messages;
mod security_oauth2;
mod security_oauth2_fleet;
mod security_permissions;
mod security_preferences;
mod security_sign_in;
mod security_signup;
mod security_signup_abuse;
mod security_signup_provisioning;
mod security_submfa;
mod security_suboauth2;
mod security_suboauth2_both;
mod security_suboauth2_fleet;
mod security_suboauth2_mfa;
mod security_subusers;
mod security_subusers_changes;
mod security_system;
mod security_totp;
mod security_users;
mod security_validate;
mod silent_peers;
mod smoke;
mod storage;
mod subscriber_cli;
mod tokens;
mod transfer;
