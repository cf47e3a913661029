//! The messages use cases on the memory adapters: what reaches the notifier, who may send,
//! the limits, and a number's proof from the code sent to the code typed back.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

use crate::{MessageError, MessagePorts, MessageService, TESTS_PER_HOUR, TestEmail, TestSms};
use latchkey_core::testing::{FixedClock, HeardRevocations, SeededRandom};
use latchkey_credential::Msisdn;
use latchkey_memory::{MemNotifier, MemOperators, MemOtpStore, MemRateLimiter};
use latchkey_notify::{Channel, Language, TemplateId};
use latchkey_operator::{Operator, OperatorPorts, OperatorService, OperatorStore, Role};
use latchkey_subscriber::Holder;
use latchkey_testkit::fakes::FastHasher;
use latchkey_testkit::fixtures;
use std::sync::Arc;

struct Fixture {
    service: MessageService,
    outbox: Arc<MemNotifier>,
    store: MemOperators,
    clock: Arc<FixedClock>,
}

impl Fixture {
    fn new() -> Self {
        let clock = Arc::new(FixedClock::default());
        let random = Arc::new(SeededRandom::new(5));
        let store = MemOperators::default();
        let operators = OperatorService::new(OperatorPorts {
            operators: Arc::new(store.clone()),
            sessions: Arc::new(store.clone()),
            api_keys: Arc::new(store.clone()),
            hasher: Arc::new(FastHasher::new(random.clone())),
            revocations: Arc::new(HeardRevocations::default()),
            clock: clock.clone(),
            random: random.clone(),
        });
        let outbox = Arc::new(MemNotifier::default());
        let service = MessageService::new(
            MessagePorts {
                notifier: outbox.clone(),
                codes: Arc::new(MemOtpStore::new(clock.clone())),
                limiter: Arc::new(MemRateLimiter::default()),
                operators,
                clock: clock.clone(),
                random,
            },
            "OpenWiFi",
        );
        Self {
            service,
            outbox,
            store,
            clock,
        }
    }

    async fn operator(&self, n: u64, role: Role) -> Operator {
        let operator = fixtures::operator(fixtures::uuid(n), &format!("op{n}@example.com"), role);
        self.store.insert(&operator).await.unwrap();
        operator
    }

    /// The code in the last SMS sent to `number`.
    fn code_sent_to(&self, number: &str) -> String {
        let (message, rendered) = self
            .outbox
            .sent()
            .into_iter()
            .rev()
            .find(|(m, _)| m.recipient == number)
            .expect("an SMS to the number");
        assert_eq!(message.template, TemplateId::PhoneVerification);
        rendered
            .text
            .split(|c: char| !c.is_ascii_digit())
            .find(|w| w.len() == 6)
            .unwrap()
            .to_owned()
    }
}

fn number(raw: &str) -> Msisdn {
    Msisdn::parse(raw).unwrap()
}

fn email() -> TestEmail {
    let to = vec!["ana@example.com".to_owned(), "bea@example.com".to_owned()];
    TestEmail::parse(&to, "Hello", "It works.", Some("boss@example.com")).unwrap()
}

#[tokio::test]
async fn root_admin_and_partner_send_tests_and_the_others_are_denied() {
    let f = Fixture::new();
    for (n, role) in [(1, Role::Root), (2, Role::Admin), (3, Role::Partner)] {
        let actor = f.operator(n, role).await;
        f.service.send_test_email(&actor, &email()).await.unwrap();
        let sms = TestSms::parse("+34600000001", "ping").unwrap();
        f.service.send_test_sms(&actor, &sms).await.unwrap();
    }
    assert_eq!(f.outbox.sent().len(), 9);
    for (n, role) in [(4, Role::Csr), (5, Role::Subscriber), (6, Role::Noc)] {
        let actor = f.operator(n, role).await;
        let refused = f.service.send_test_email(&actor, &email()).await;
        assert!(matches!(refused, Err(MessageError::AccessDenied)), "{role}");
        let sms = TestSms::parse("+34600000001", "ping").unwrap();
        let refused = f.service.send_test_sms(&actor, &sms).await;
        assert!(matches!(refused, Err(MessageError::AccessDenied)), "{role}");
    }
    assert_eq!(f.outbox.sent().len(), 9);
}

#[tokio::test]
async fn a_test_email_comes_from_the_service_replies_to_from_and_names_who_asked() {
    let f = Fixture::new();
    let root = f.operator(1, Role::Root).await;
    f.service.send_test_email(&root, &email()).await.unwrap();
    let sent = f.outbox.sent();
    let recipients: Vec<&str> = sent.iter().map(|(m, _)| m.recipient.as_str()).collect();
    assert_eq!(recipients, ["ana@example.com", "bea@example.com"]);
    let (message, rendered) = &sent[0];
    assert_eq!(message.channel, Channel::Email);
    assert_eq!(message.reply_to.as_deref(), Some("boss@example.com"));
    assert_eq!(rendered.subject, "[OpenWiFi] Hello");
    assert!(rendered.text.contains("It works."), "{}", rendered.text);
    assert!(
        rendered.text.contains("op1@example.com"),
        "{}",
        rendered.text
    );
}

#[tokio::test]
async fn test_messages_are_limited_per_operator_per_hour() {
    let f = Fixture::new();
    let admin = f.operator(2, Role::Admin).await;
    let sms = TestSms::parse("+34600000001", "ping").unwrap();
    for _ in 0..TESTS_PER_HOUR {
        f.service.send_test_sms(&admin, &sms).await.unwrap();
    }
    match f.service.send_test_sms(&admin, &sms).await {
        Err(MessageError::Throttled { retry_after }) => assert!(retry_after.is_positive()),
        other => panic!("{other:?}"),
    }
    let other = f.operator(3, Role::Admin).await;
    f.service.send_test_sms(&other, &sms).await.unwrap();
    f.clock.advance(time::Duration::hours(1));
    f.service.send_test_sms(&admin, &sms).await.unwrap();
}

#[tokio::test]
async fn a_proved_number_joins_the_operators_mobiles_verified_and_primary() {
    let f = Fixture::new();
    let csr = f.operator(4, Role::Csr).await;
    let mobile = number("+34600111222");
    f.service.start_operator_proof(&csr, &mobile).await.unwrap();
    let code = f.code_sent_to("+34600111222");
    let (message, _) = f.outbox.sent().pop().unwrap();
    assert_eq!(message.language, Language::En);
    let updated = f
        .service
        .add_operator_mobile(&csr, &mobile, &code)
        .await
        .unwrap();
    assert_eq!(updated.mobiles.len(), 1);
    assert!(updated.mobiles[0].verified && updated.mobiles[0].primary);
    let stored = f.store.get(csr.id).await.unwrap().unwrap();
    assert_eq!(stored.mobiles, updated.mobiles);
    // Single use.
    let again = f.service.add_operator_mobile(&csr, &mobile, &code).await;
    assert!(matches!(again, Err(MessageError::CodeRejected)));
}

#[tokio::test]
async fn a_code_proves_only_its_number_for_its_account() {
    let f = Fixture::new();
    let ana = f.operator(1, Role::Admin).await;
    let bea = f.operator(2, Role::Admin).await;
    let mobile = number("+34600111222");
    f.service.start_operator_proof(&ana, &mobile).await.unwrap();
    let code = f.code_sent_to("+34600111222");
    let other_account = f.service.add_operator_mobile(&bea, &mobile, &code).await;
    assert!(matches!(other_account, Err(MessageError::CodeRejected)));
    let other_number = number("+34600111333");
    let other = f
        .service
        .add_operator_mobile(&ana, &other_number, &code)
        .await;
    assert!(matches!(other, Err(MessageError::CodeRejected)));
    let malformed = f.service.add_operator_mobile(&ana, &mobile, "12a456").await;
    assert!(matches!(malformed, Err(MessageError::CodeRejected)));
    f.service
        .add_operator_mobile(&ana, &mobile, &code)
        .await
        .unwrap();
}

#[tokio::test]
async fn codes_are_not_resent_within_30_s_and_an_account_asks_few_an_hour() {
    let f = Fixture::new();
    let ana = f.operator(1, Role::Admin).await;
    let holder = Holder::Operator(ana.id);
    let mobile = number("+34600111222");
    f.service
        .start_proof(&holder, &mobile, Language::Es)
        .await
        .unwrap();
    let too_soon = f.service.start_proof(&holder, &mobile, Language::Es).await;
    assert!(matches!(too_soon, Err(MessageError::Throttled { .. })));
    for n in 1..crate::PROOFS_PER_HOUR {
        let other = number(&format!("+3460011100{n}"));
        f.service
            .start_proof(&holder, &other, Language::Es)
            .await
            .unwrap();
    }
    let spent = f
        .service
        .start_proof(&holder, &number("+34600111999"), Language::Es)
        .await;
    assert!(matches!(spent, Err(MessageError::Throttled { .. })));
    assert_eq!(f.outbox.sent().len(), crate::PROOFS_PER_HOUR as usize);
}

#[tokio::test]
async fn five_wrong_codes_burn_the_proof() {
    let f = Fixture::new();
    let ana = f.operator(1, Role::Admin).await;
    let mobile = number("+34600111222");
    f.service.start_operator_proof(&ana, &mobile).await.unwrap();
    let code = f.code_sent_to("+34600111222");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..latchkey_otp::MAX_ATTEMPTS {
        let refused = f.service.add_operator_mobile(&ana, &mobile, wrong).await;
        assert!(matches!(refused, Err(MessageError::CodeRejected)));
    }
    let burnt = f.service.add_operator_mobile(&ana, &mobile, &code).await;
    assert!(matches!(burnt, Err(MessageError::CodeRejected)));
}

#[tokio::test]
async fn an_operator_holds_at_most_five_mobiles() {
    let f = Fixture::new();
    let ana = f.operator(1, Role::Admin).await;
    for n in 0..crate::MAX_MOBILES {
        let mobile = number(&format!("+3460011100{n}"));
        f.service.start_operator_proof(&ana, &mobile).await.unwrap();
        let code = f.code_sent_to(mobile.as_str());
        f.service
            .add_operator_mobile(&ana, &mobile, &code)
            .await
            .unwrap();
    }
    let sixth = number("+34600111999");
    let refused = f.service.start_operator_proof(&ana, &sixth).await;
    assert!(matches!(refused, Err(MessageError::TooManyMobiles)));
    let stored = f.store.get(ana.id).await.unwrap().unwrap();
    assert_eq!(stored.mobiles.iter().filter(|m| m.primary).count(), 1);
}

#[tokio::test]
async fn a_channel_without_a_gateway_is_unconfigured_and_its_code_withdrawn() {
    let mut f = Fixture::new();
    f.service.ports.notifier = Arc::new(latchkey_notify::Unconfigured("LATCHKEY_SMS_URL"));
    let root = f.operator(1, Role::Root).await;
    match f.service.send_test_email(&root, &email()).await {
        Err(MessageError::Unconfigured(Channel::Email)) => {}
        other => panic!("{other:?}"),
    }
    let sms = TestSms::parse("+34600000001", "ping").unwrap();
    match f.service.send_test_sms(&root, &sms).await {
        Err(MessageError::Unconfigured(Channel::Sms)) => {}
        other => panic!("{other:?}"),
    }
    let mobile = number("+34600111222");
    for _ in 0..2 {
        // Withdrawn each time: the second is not "too soon".
        match f.service.start_operator_proof(&root, &mobile).await {
            Err(MessageError::Unconfigured(Channel::Sms)) => {}
            other => panic!("{other:?}"),
        }
    }
}
