//! What a credential's access tokens become when it can no longer sign in (announced to the
//! revocations: every server instance refuses them), and what a customer's own token needs to
//! mint a magic link (a recent full sign-in).

use crate::fixture::{Fixture, GOOD_PASSWORD, caller, fixture, org};
use latchkey_core::Revocation;
use latchkey_core::testing::T0;
use latchkey_credential::{CredentialError, Transfer};
use latchkey_tenancy::{AccessDenied, OrgAccess, Principal, Scope, SignIn};
use time::Duration;

impl Fixture {
    /// `alice`, active in `masmovil`: her credential id.
    async fn alice(&self) -> uuid::Uuid {
        let token = self.create("alice").await;
        self.set_password("alice", &token, GOOD_PASSWORD)
            .await
            .unwrap();
        self.live("alice").unwrap().id
    }
}

/// Alice's own token (a customer's), signed in `ago` seconds before [`T0`] with `amr`.
fn alices_token(id: uuid::Uuid, ago: i64, amr: &[&str]) -> Principal {
    Principal {
        subject: id.to_string(),
        scopes: [Scope::Tokens].into_iter().collect(),
        orgs: OrgAccess::parse(&["masmovil"]).unwrap(),
        credential: Some(id),
        sign_in: Some(SignIn {
            auth_time: T0.unix_timestamp() - ago,
            amr: amr.iter().map(|m| (*m).to_owned()).collect(),
            session: None,
        }),
    }
}

#[tokio::test]
async fn disabling_deleting_or_moving_a_credential_revokes_its_access_tokens() {
    let f = fixture().await;
    let id = f.alice().await;
    let all = caller(&["*"]);
    let masmovil = org("masmovil");
    let subject = Revocation::Subject(id.to_string());
    f.service
        .patch(&all, &masmovil, "alice", true, Some(true))
        .await
        .unwrap();
    assert!(f.revocations.heard().is_empty(), "enabled: nothing taken");
    f.service
        .patch(&all, &masmovil, "alice", false, None)
        .await
        .unwrap();
    assert_eq!(f.revocations.heard(), std::slice::from_ref(&subject));
    f.service
        .patch(&all, &masmovil, "alice", true, None)
        .await
        .unwrap();
    f.service
        .transfer(&all, &masmovil, "alice", "yoigo", Transfer::Move)
        .await
        .unwrap();
    assert_eq!(f.revocations.heard(), [subject.clone(), subject.clone()]);
    f.service
        .delete(&all, &org("yoigo"), "alice")
        .await
        .unwrap();
    assert_eq!(f.revocations.heard().len(), 3);
}

#[tokio::test]
async fn a_customer_token_mints_a_magic_link_only_after_a_recent_sign_in() {
    let f = fixture().await;
    let id = f.alice().await;
    let masmovil = org("masmovil");
    let stale = alices_token(id, 301, &["pwd"]);
    let refused = f.service.magic_link(&stale, &masmovil, Some("alice")).await;
    assert!(
        matches!(
            refused,
            Err(CredentialError::Denied(
                AccessDenied::ReauthenticationRequired
            ))
        ),
        "{refused:?}"
    );
    let fresh = alices_token(id, 60, &["pwd"]);
    f.service
        .magic_link(&fresh, &masmovil, Some("alice"))
        .await
        .unwrap();
    // With require2fa, the recent sign-in must have had the second factor.
    f.service
        .patch(&caller(&["*"]), &masmovil, "alice", true, Some(true))
        .await
        .unwrap();
    let refused = f.service.magic_link(&fresh, &masmovil, Some("alice")).await;
    assert!(
        matches!(refused, Err(CredentialError::Denied(_))),
        "{refused:?}"
    );
    let with_factor = alices_token(id, 60, &["pwd", "otp", "mfa"]);
    f.service
        .magic_link(&with_factor, &masmovil, Some("alice"))
        .await
        .unwrap();
    // A service token is not asked.
    f.clock.set(T0 + Duration::days(1));
    f.service
        .magic_link(&caller(&["*"]), &masmovil, Some("alice"))
        .await
        .unwrap();
}

/// Spec, endpoint 15: "for a customer's own access token the subject is the caller".
#[tokio::test]
async fn a_customer_token_without_a_username_gets_its_own_credentials_link() {
    let f = fixture().await;
    let id = f.alice().await;
    let masmovil = org("masmovil");
    let fresh = alices_token(id, 60, &["pwd"]);
    let own = f.service.magic_link(&fresh, &masmovil, None).await.unwrap();
    let found = f.service.magic_link(&fresh, &masmovil, Some("alice")).await;
    assert!(found.is_ok(), "{found:?}");
    assert!(!own.expose().is_empty());
    // The same rules as when named: a stale sign-in is refused.
    let stale = alices_token(id, 301, &["pwd"]);
    let refused = f.service.magic_link(&stale, &masmovil, None).await;
    assert!(
        matches!(
            refused,
            Err(CredentialError::Denied(
                AccessDenied::ReauthenticationRequired
            ))
        ),
        "{refused:?}"
    );
    // A service token must name the credential.
    let unnamed = f.service.magic_link(&caller(&["*"]), &masmovil, None).await;
    assert!(
        matches!(unnamed, Err(CredentialError::Required("username"))),
        "{unnamed:?}"
    );
}

#[tokio::test]
async fn a_new_password_revokes_outstanding_magic_links_and_password_tokens() {
    let f = fixture().await;
    f.alice().await;
    let masmovil = org("masmovil");
    let all = caller(&["*"]);
    let magic = |f: &Fixture| {
        let security = f.security.clone();
        async move {
            security
                .issue(
                    &org("masmovil"),
                    "alice",
                    latchkey_credential::TokenPurpose::MagicLink,
                )
                .await
                .unwrap();
        }
    };
    magic(&f).await;
    let change = f
        .service
        .change_password_token(&all, &masmovil, "alice")
        .await
        .unwrap();
    f.set_password("alice", change.expose(), "another good passphrase")
        .await
        .unwrap();
    assert!(
        f.tokens.purposes("masmovil", "alice").await.is_empty(),
        "set through a change token: no magic link or password token is left"
    );
    magic(&f).await;
    f.service
        .change_password(
            &all,
            &masmovil,
            "alice",
            &latchkey_credential::Password::new("another good passphrase"),
            &latchkey_credential::Password::new(GOOD_PASSWORD),
        )
        .await
        .unwrap();
    assert!(
        f.tokens.purposes("masmovil", "alice").await.is_empty(),
        "changed knowing the old one: no magic link is left"
    );
}
