//! Self-registration (`/signup`): a registering party (a portal, a provisioning service) asks
//! for an address; the subscriber is created as a credential of the tenant, disabled and
//! without a password, and a link is e-mailed to the address. Following the link and choosing a
//! password proves the address and enables the credential (`emailVerified`); the registering
//! party then ends the registration (`signup_rules`).
//!
//! Nobody may learn here whether an address has an account: a request for an address that has
//! one registers nothing, tells its owner by e-mail, and is answered exactly as a new
//! registration is (the same shape, an id that names nothing). A registration that was never
//! completed is replaced by a new one for the same address, so a mistyped or abandoned one
//! never blocks its owner. Requests are limited per address and per client address (GCRA,
//! shared by every instance on Redis), before anything is looked up.

use crate::{Signup, SignupStatus, Subscriber, SubscriberError, SubscriberProfile};
use crate::{SubscriberProfileStore, SubscriberService};
use latchkey_core::{OrgId, Rate, RateLimiter, SecureRandom, StoreError, Timestamp, Verdict};
use latchkey_credential::{
    Credential, CredentialAttrs, CredentialError, CredentialService, PolicyViolation, Username,
    UsernameKind,
};
use latchkey_notify::{Channel, Language, Message, Notifier, NotifyError, TemplateId};
use latchkey_operator::Note;
use latchkey_tenancy::{TenantError, TenantService};
use std::sync::Arc;
use uuid::Uuid;

/// Who signs the notes a registration leaves on its subscriber.
const NOTE_AUTHOR: &str = "signup";

/// The most characters of a `reason` the registering party gives.
pub const MAX_REASON_CHARS: usize = 1024;

/// The limits on registrations.
#[derive(Debug, Clone, Copy)]
pub struct SignupRates {
    /// Registrations asked for one e-mail address, every tenant together (each sends it one
    /// message).
    pub per_address: Rate,
    /// Registrations asked from one client address.
    pub per_client: Rate,
}

/// Told when a registration's address is proven (its link used): the registering party, which
/// may also poll. owsec tells its provisioning service so; Latchkey's adapter does the same.
#[async_trait::async_trait]
pub trait SignupListener: Send + Sync + std::fmt::Debug {
    /// The registration `signup` of `org` is now `emailVerified`. MUST return without waiting
    /// for the party to answer, and MUST NOT fail the registration: a party that cannot be told
    /// polls instead (the adapter reports its failures itself).
    async fn email_verified(&self, org: &OrgId, signup: Uuid);
}

/// What registrations are built on, besides the subscriber use cases.
#[derive(Debug)]
pub struct SignupPorts {
    pub notifier: Arc<dyn Notifier>,
    pub limiter: Arc<dyn RateLimiter>,
    /// For the tenant's display name in the messages.
    pub tenants: TenantService,
    pub random: Arc<dyn SecureRandom>,
    pub rates: SignupRates,
    /// The verification link without its token: the token, percent-encoded, is appended.
    pub link_base: String,
    /// Told of each verified address, when a registering party listens.
    pub listener: Option<Arc<dyn SignupListener>>,
}

/// A registration asked for.
#[derive(Debug, Clone)]
pub struct Registration<'a> {
    pub email: &'a str,
    /// The registering party's id for it (`signupUUID`).
    pub signup: Uuid,
    /// The client's network address (the per-client limit); `None` for a sibling service that
    /// proved who it is, which registers on behalf of many people from one address.
    pub client: Option<&'a str>,
    /// The language of the message.
    pub language: Language,
}

/// Why a registration step refused, or could not finish.
#[derive(Debug, thiserror::Error)]
pub enum SignupError {
    #[error("the address is not an e-mail address")]
    InvalidEmail,
    /// The `signupUUID` names another registration already.
    #[error("the signupUUID is in use")]
    SignupInUse,
    #[error("the reason is too long or holds control characters")]
    InvalidReason,
    /// No registration with that `signupUUID` in the tenant.
    #[error("no such registration")]
    NotFound,
    #[error("a registration cannot go from {from} to {to}")]
    Transition {
        from: &'static str,
        to: &'static str,
    },
    /// The link is unknown, used, expired, or not a pending registration's.
    #[error("the link is not valid")]
    LinkInvalid,
    #[error(transparent)]
    Password(PolicyViolation),
    #[error("too many registrations: retry after {retry_after}")]
    Throttled { retry_after: time::Duration },
    #[error("the tenant does not exist or is disabled")]
    Tenant(#[source] TenantError),
    #[error("the message could not be delivered")]
    Undeliverable(#[source] NotifyError),
    #[error("the rate limiter failed")]
    Limiter(#[source] StoreError),
    #[error(transparent)]
    Subscriber(#[from] SubscriberError),
}

impl From<StoreError> for SignupError {
    fn from(e: StoreError) -> Self {
        SignupError::Subscriber(SubscriberError::Store(e))
    }
}

impl From<CredentialError> for SignupError {
    fn from(e: CredentialError) -> Self {
        match e {
            CredentialError::Tenant(t) => SignupError::Tenant(t),
            CredentialError::Policy(p) => SignupError::Password(p),
            CredentialError::TokenNotFound => SignupError::LinkInvalid,
            e => SignupError::Subscriber(SubscriberError::from_credential(e)),
        }
    }
}

/// The registration use cases; cheap to clone.
#[derive(Debug, Clone)]
pub struct Signups {
    subscribers: SubscriberService,
    ports: Arc<SignupPorts>,
}

impl Signups {
    pub fn new(subscribers: SubscriberService, ports: SignupPorts) -> Self {
        Self {
            subscribers,
            ports: Arc::new(ports),
        }
    }

    fn credentials(&self) -> &CredentialService {
        &self.subscribers.ports.credentials
    }

    fn profiles(&self) -> &dyn SubscriberProfileStore {
        self.subscribers.ports.profiles.as_ref()
    }

    fn now(&self) -> Timestamp {
        self.subscribers.ports.clock.now()
    }

    /// `POST /signup`: registers `email` in `org` and e-mails it the link, or, when the
    /// address has an account, tells its owner and registers nothing. Either way the answer
    /// is the subscriber as registered: `inprogress`, waiting for the e-mail check.
    pub async fn register(
        &self,
        org: &OrgId,
        request: Registration<'_>,
    ) -> Result<Subscriber, SignupError> {
        let username = Username::parse(request.email)
            .ok()
            .filter(|u| u.kind() == UsernameKind::Email)
            .ok_or(SignupError::InvalidEmail)?;
        let tenant = self
            .ports
            .tenants
            .require_enabled(org)
            .await
            .map_err(SignupError::Tenant)?;
        self.throttle(&username, request.client).await?;
        self.reserve(org, request.signup).await?;
        let now = self.now();
        let message = |template| {
            Message::new(
                template,
                request.language,
                Channel::Email,
                username.as_str(),
                tenant.name.as_str(),
            )
            .with("username", username.as_str())
        };
        if !self.clear_pending(org, &username, now).await? {
            // An account: its owner is told, and the answer is what a registration would be.
            self.send(&message(TemplateId::SignupExisting)).await?;
            return Ok(self.registered(org, self.unsaved(&username, now), request.signup, now));
        }
        let credential = match self.credentials().register(org, username.as_str()).await {
            Ok(credential) => credential,
            // Registered by a concurrent request a moment ago: answered alike, nothing sent.
            Err(CredentialError::AlreadyExists) => {
                return Ok(self.registered(org, self.unsaved(&username, now), request.signup, now));
            }
            Err(e) => return Err(e.into()),
        };
        let subscriber = self.registered(org, credential, request.signup, now);
        if let Err(e) = self.profiles().put(org, subscriber.profile.clone()).await {
            // The credential is not a registration without its profile: taken back.
            let _ = self
                .credentials()
                .withdraw_registration(org, subscriber.id())
                .await;
            return Err(match e {
                // A concurrent registration took the signupUUID (the store keeps it unique).
                StoreError::Conflict => SignupError::SignupInUse,
                e => e.into(),
            });
        }
        if let Err(e) = self.send_link(org, &subscriber, now, message).await {
            // Nobody can complete it without its link: it is taken back, best effort (the
            // delivery failure is what the caller must hear of).
            let _ = self
                .credentials()
                .withdraw_registration(org, subscriber.id())
                .await;
            let _ = self.profiles().delete(org, subscriber.id()).await;
            return Err(e);
        }
        Ok(subscriber)
    }

    /// Makes room for a registration of `username`: `true` when the address has no account
    /// (a pending registration of it is replaced: it ends as `cancel` and its credential is
    /// removed), `false` when it has one.
    async fn clear_pending(
        &self,
        org: &OrgId,
        username: &Username,
        now: Timestamp,
    ) -> Result<bool, SignupError> {
        let credential = match self.credentials().by_username(org, username.as_str()).await {
            Ok(credential) => credential,
            Err(CredentialError::NotFound) => return Ok(true),
            Err(e) => return Err(e.into()),
        };
        let Some(mut profile) = self
            .profiles()
            .get(org, credential.id)
            .await?
            .filter(|p| is_pending(p, &credential))
        else {
            return Ok(false);
        };
        match self
            .credentials()
            .withdraw_registration(org, credential.id)
            .await
        {
            Ok(_) | Err(CredentialError::NotFound) => {}
            // Activated a moment ago: an account now.
            Err(CredentialError::Disabled) => return Ok(false),
            Err(e) => return Err(e.into()),
        }
        if let Some(state) = profile.signup.as_mut() {
            state.status = SignupStatus::Cancel;
            state.updated = now;
        }
        profile.waiting_for_email_check = false;
        profile.modified = now;
        profile.notes.push(Note {
            created: now,
            created_by: NOTE_AUTHOR.to_owned(),
            note: "cancel: replaced by a new registration of the address".to_owned(),
        });
        self.profiles().put(org, profile).await?;
        Ok(true)
    }

    /// What a registration of `username` in `org` holds: `credential` with its profile.
    fn registered(
        &self,
        org: &OrgId,
        credential: Credential,
        signup: Uuid,
        now: Timestamp,
    ) -> Subscriber {
        let mut profile = SubscriberProfile::new(credential.id, now);
        profile.waiting_for_email_check = true;
        profile.signup = Some(Signup {
            uuid: signup,
            status: SignupStatus::InProgress,
            created: now,
            updated: now,
        });
        Subscriber {
            org: org.clone(),
            credential,
            profile,
        }
    }

    /// The credential a registration of `username` would create, stored nowhere: the answer to
    /// a request for an address that has an account, whose id names nothing.
    fn unsaved(&self, username: &Username, now: Timestamp) -> Credential {
        Credential::new(
            self.ports.random.uuid(),
            username.clone(),
            CredentialAttrs::default(),
            now,
        )
    }

    async fn send_link(
        &self,
        org: &OrgId,
        subscriber: &Subscriber,
        now: Timestamp,
        message: impl Fn(TemplateId) -> Message,
    ) -> Result<(), SignupError> {
        let token = self
            .credentials()
            .reset_token(org, &subscriber.credential, true)
            .await?;
        let minutes = (token.expires_at - now).whole_minutes().max(1);
        let link = format!("{}{}", self.ports.link_base, percent_encode(token.expose()));
        let message = message(TemplateId::SignupVerification)
            .with("link", link)
            .with("minutes", minutes.to_string());
        self.send(&message).await
    }

    async fn send(&self, message: &Message) -> Result<(), SignupError> {
        self.ports
            .notifier
            .send(message)
            .await
            .map_err(SignupError::Undeliverable)
    }

    /// Uses up `signup` in `org`: a `signupUUID` registers once, whatever became of it. Taken
    /// alike by a registration and by a request for an address with an account, so that
    /// reusing it tells nothing about that address (`SignupInUse` would otherwise say that a
    /// registration was made with it). Held a year; the profiles' unique sign-up stays behind
    /// it.
    async fn reserve(&self, org: &OrgId, signup: Uuid) -> Result<(), SignupError> {
        let key = format!("signup-uuid:{org}:{signup}");
        let verdict = self
            .ports
            .limiter
            .hit(&key, signup_uuid_rate(), self.now())
            .await
            .map_err(SignupError::Limiter)?;
        match verdict {
            Verdict::Allowed => Ok(()),
            Verdict::Limited { .. } => Err(SignupError::SignupInUse),
        }
    }

    /// Counts one registration of the e-mail address and of the client's address (if any),
    /// when neither is spent: a request one limit refuses costs the other nothing.
    async fn throttle(&self, username: &Username, client: Option<&str>) -> Result<(), SignupError> {
        let now = self.now();
        let rates = self.ports.rates;
        let mut keys = vec![(
            format!("signup-address:{}", username.as_str()),
            rates.per_address,
        )];
        if let Some(client) = client {
            keys.push((format!("signup-client:{client}"), rates.per_client));
        }
        let limiter = &self.ports.limiter;
        let mut verdicts = Vec::with_capacity(keys.len());
        for (key, rate) in &keys {
            verdicts.push(limiter.peek(key, *rate, now).await);
        }
        refused(verdicts)?;
        let mut verdicts = Vec::with_capacity(keys.len());
        for (key, rate) in &keys {
            verdicts.push(limiter.hit(key, *rate, now).await);
        }
        refused(verdicts)
    }
}

/// One registration per `signupUUID` in a year.
fn signup_uuid_rate() -> Rate {
    #[expect(
        clippy::expect_used,
        reason = "one per 365 days is a valid rate: both are positive"
    )]
    Rate::new(1, time::Duration::days(365)).expect("a valid rate")
}

/// `Throttled` with the longest wait when a verdict refuses.
fn refused(verdicts: Vec<Result<Verdict, StoreError>>) -> Result<(), SignupError> {
    let mut longest = None;
    for verdict in verdicts {
        if let Verdict::Limited { retry_after } = verdict.map_err(SignupError::Limiter)? {
            longest = longest.max(Some(retry_after));
        }
    }
    match longest {
        Some(retry_after) => Err(SignupError::Throttled { retry_after }),
        None => Ok(()),
    }
}

/// RFC 3986: every byte but the unreserved characters, percent-encoded (tokens hold `@` and
/// `=`).
fn percent_encode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() * 3);
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[path = "signup_status.rs"]
mod status;
use status::is_pending;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_percent_encoded_for_the_link() {
        assert_eq!(
            percent_encode("ed7f-62@masmovil@h7_-1l=="),
            "ed7f-62%40masmovil%40h7_-1l%3D%3D"
        );
    }
}
