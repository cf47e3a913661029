//! Unit tests of the subscriber sign-in's rules that need no service: where a code goes, which
//! tokens name a subscriber, who may sign in, what a refusal answers. The flows themselves run
//! against the real server in the black-box tests (`security_suboauth2*`).

#![allow(clippy::unwrap_used, reason = "tests")]

use super::codes::recipient;
use super::errors::from_refusal;
use super::password::usable;
use super::token_org;
use crate::operator::SignInError;
use latchkey_access::AccessClaims;
use latchkey_core::OrgId;
use latchkey_credential::{Credential, CredentialAttrs, Msisdn, Username};
use latchkey_flows::CodeRefusal;
use latchkey_notify::Channel;
use latchkey_operator::{MfaMethod, Mobile};
use latchkey_subscriber::{Subscriber, SubscriberProfile};
use latchkey_tenancy::{OrgAccess, ScopeSet};
use time::Duration;
use time::macros::datetime;
use uuid::Uuid;

fn org(name: &str) -> OrgId {
    OrgId::parse(name).unwrap()
}

fn subscriber(username: &str, msisdn: Option<&str>, mobiles: &[(&str, bool)]) -> Subscriber {
    let at = datetime!(2026-12-01 10:00:00 UTC);
    let mut credential = Credential::new(
        Uuid::from_u128(1),
        Username::parse(username).unwrap(),
        CredentialAttrs::parse(None, None, msisdn).unwrap(),
        at,
    );
    credential.enabled = true;
    let mut profile = SubscriberProfile::new(credential.id, at);
    profile.mobiles = mobiles
        .iter()
        .map(|(number, primary)| Mobile {
            number: Msisdn::parse(number).unwrap(),
            verified: true,
            primary: *primary,
        })
        .collect();
    Subscriber {
        org: org("masmovil"),
        credential,
        profile,
    }
}

fn sent(s: &Subscriber, method: MfaMethod) -> Option<(Channel, String)> {
    recipient(&s.credential, s, method)
}

#[test]
fn e_mail_codes_go_to_the_e_mail_username_only() {
    let ana = subscriber("ana@example.com", None, &[]);
    assert_eq!(
        sent(&ana, MfaMethod::Email),
        Some((Channel::Email, "ana@example.com".to_owned()))
    );
    let plain = subscriber("customer-42", Some("+34600111222"), &[]);
    assert_eq!(sent(&plain, MfaMethod::Email), None);
    assert_eq!(
        sent(&ana, MfaMethod::Authenticator),
        None,
        "nothing is sent"
    );
}

#[test]
fn sms_codes_go_to_the_primary_mobile_then_the_first_then_the_msisdn() {
    let sms = |s: &Subscriber| sent(s, MfaMethod::Sms);
    let both = subscriber(
        "ana@example.com",
        Some("+34600000001"),
        &[("+34600000002", false), ("+34600000003", true)],
    );
    assert_eq!(sms(&both), Some((Channel::Sms, "+34600000003".to_owned())));
    let none_primary = subscriber("ana@example.com", None, &[("+34600000002", false)]);
    assert_eq!(
        sms(&none_primary),
        Some((Channel::Sms, "+34600000002".to_owned()))
    );
    let msisdn = subscriber("ana@example.com", Some("+34600000001"), &[]);
    assert_eq!(
        sms(&msisdn),
        Some((Channel::Sms, "+34600000001".to_owned()))
    );
    let number_username = subscriber("+34600000004", None, &[]);
    assert_eq!(
        sms(&number_username),
        Some((Channel::Sms, "+34600000004".to_owned()))
    );
    assert_eq!(sms(&subscriber("ana@example.com", None, &[])), None);
}

fn claims(credential: Option<Uuid>, orgs: OrgAccess) -> AccessClaims {
    AccessClaims {
        issuer: "https://latchkey.example".to_owned(),
        subject: "s".to_owned(),
        audience: "latchkey".to_owned(),
        client_id: "security-service.masmovil".to_owned(),
        issued_at: 0,
        expires_at: 1,
        jwt_id: Uuid::nil(),
        scopes: ScopeSet::default(),
        orgs,
        credential,
        sign_in: None,
    }
}

#[test]
fn a_subscriber_token_is_a_customer_token_of_one_org() {
    let id = Some(Uuid::from_u128(1));
    let one = OrgAccess::Only([org("masmovil")].into());
    assert_eq!(token_org(&claims(id, one.clone())), Some(org("masmovil")));
    assert_eq!(token_org(&claims(None, one)), None, "a service token");
    let two = OrgAccess::Only([org("masmovil"), org("yoigo")].into());
    assert_eq!(token_org(&claims(id, two)), None);
    assert_eq!(token_org(&claims(id, OrgAccess::All)), None);
}

#[test]
fn suspended_blacklisted_and_unverified_subscribers_do_not_sign_in() {
    let ana = subscriber("ana@example.com", None, &[]);
    assert!(usable(&ana).is_ok());
    let mut off = ana.clone();
    off.credential.enabled = false;
    assert!(matches!(usable(&off), Err(SignInError::Suspended)));
    let mut black = ana.clone();
    black.profile.blacklisted = true;
    assert!(matches!(usable(&black), Err(SignInError::Suspended)));
    let mut waiting = ana;
    waiting.profile.waiting_for_email_check = true;
    assert!(matches!(
        usable(&waiting),
        Err(SignInError::PendingVerification)
    ));
}

#[test]
fn a_refused_code_is_a_wrong_answer_a_gone_challenge_or_a_wait() {
    let wrong = [
        CodeRefusal::OtpMismatch { tries_left: 3 },
        CodeRefusal::TotpMismatch,
        CodeRefusal::TotpReplayed,
        CodeRefusal::TotpNotEnrolled,
    ];
    for refusal in wrong {
        assert!(matches!(from_refusal(refusal), SignInError::MfaFailure));
    }
    for refusal in [CodeRefusal::OtpBurnt, CodeRefusal::OtpNotPending] {
        assert!(matches!(
            from_refusal(refusal),
            SignInError::BadMfaTransaction
        ));
    }
    let wait = Duration::seconds(12);
    assert!(matches!(
        from_refusal(CodeRefusal::OtpTooSoon { retry_after: wait }),
        SignInError::Throttled { retry_after } if retry_after == wait
    ));
}
