//! The password step: username and password, checked under slowed guessing (per username and
//! per client address). A wrong password and an unknown username get the same answer in the
//! same time (`CredentialService::authenticate` verifies a dummy hash for the latter).

use crate::guessing::{self, Refused, Watched};
use crate::record::password_amr;
use crate::second_factor::{Step, choices};
use crate::{Agent, Completion, LoginError, LoginService, LoginTx, Pending, Stage};
use latchkey_core::OrgId;
use latchkey_credential::{Credential, CredentialError, Password};

/// The longest username the login server checks (and counts failures of): the longest e-mail
/// address (RFC 5321 §4.5.3.1.3 path, less its brackets). Anything longer is no one's.
pub const MAX_USERNAME_CHARS: usize = 254;
/// The same in bytes, for text of many-byte characters.
const MAX_USERNAME_BYTES: usize = 1_024;

/// What the password step answers for a guarded check.
fn outcome(result: Result<Credential, Refused<CredentialError>>) -> Result<Credential, LoginError> {
    match result {
        Ok(credential) => Ok(credential),
        Err(Refused::Throttled { retry_after }) => Err(LoginError::Throttled { retry_after }),
        Err(Refused::Wrong(_)) => Err(LoginError::BadCredentials),
        Err(Refused::Failed(e)) => Err(e.into()),
        Err(Refused::Unavailable(e)) => Err(e.into()),
    }
}

impl LoginService {
    /// Username and password for a login [`LoginService::open`]ed with `take`. Answers the next
    /// step: the second factor (the login is stored at that stage), or the finished login (it
    /// is gone). When refused, the login is stored back as it was, for another try.
    pub async fn password(
        &self,
        pending: &Pending,
        username: &str,
        password: &Password,
        agent: Agent<'_>,
    ) -> Result<Step, LoginError> {
        let step = self.password_step(pending, username, password, agent).await;
        if step.is_err() {
            self.records.save(&pending.id, &pending.tx).await?;
        }
        step
    }

    /// The credential of `org` that `username` and `password` name, checked under slowed
    /// guessing: the first factor of every face that signs a customer in. A browser that
    /// signed in as that username before (`agent.browser`) is gated by its own failures only;
    /// a username longer than any username can be is refused without a check or a key of its
    /// own (it counts against the address).
    pub async fn check_password(
        &self,
        org: &OrgId,
        username: &str,
        password: &Password,
        agent: Agent<'_>,
    ) -> Result<Credential, LoginError> {
        let address_key = guessing::address_key(agent.address);
        let address = Watched {
            key: &address_key,
            policy: guessing::PER_ADDRESS,
        };
        if username.chars().count() > MAX_USERNAME_CHARS || username.len() > MAX_USERNAME_BYTES {
            let refused = async { Err::<Credential, _>(CredentialError::WrongPassword) };
            return outcome(self.guessing.attempt(&[address], refused, |_| true).await);
        }
        let name_key = guessing::username_key(org, username);
        let name = Watched {
            key: &name_key,
            policy: guessing::PER_ACCOUNT,
        };
        let attempt = self.credentials.authenticate(org, username, password);
        let is_guess = |e: &CredentialError| matches!(e, CredentialError::WrongPassword);
        let known = self.known.recognise(org, username, agent.browser).await?;
        let result = match known {
            // Its own key gates it; the username and the address still count its failures.
            Some(device) => {
                let device_key = guessing::device_key(org, username, &device);
                let own = Watched {
                    key: &device_key,
                    policy: guessing::PER_ACCOUNT,
                };
                self.guessing
                    .attempt_counting(&[own], &[name, address], attempt, is_guess)
                    .await
            }
            None => {
                self.guessing
                    .attempt(&[name, address], attempt, is_guess)
                    .await
            }
        };
        outcome(result)
    }

    async fn password_step(
        &self,
        pending: &Pending,
        username: &str,
        password: &Password,
        agent: Agent<'_>,
    ) -> Result<Step, LoginError> {
        let tx = &pending.tx;
        if tx.stage != Stage::Password {
            return Err(LoginError::Expired);
        }
        let org = &tx.request.org;
        let credential = self.check_password(org, username, password, agent).await?;
        let auth_time = self.ports.clock.now().unix_timestamp();
        if !credential.require2fa {
            let amr = vec![password_amr()];
            let username = credential.username.as_str().to_owned();
            let done = self
                .complete(
                    &pending.client,
                    &tx.request,
                    credential,
                    None,
                    auth_time,
                    amr,
                    agent,
                )
                .await?;
            self.remember_device(org, &username, &done).await?;
            return Ok(Step::Done(done));
        }
        self.to_second_factor(&pending.id, tx, &credential, auth_time, password_amr())
            .await
    }

    /// After a sign-in that started a device session, the browser is known for `username`.
    pub(crate) async fn remember_device(
        &self,
        org: &OrgId,
        username: &str,
        done: &Completion,
    ) -> Result<(), LoginError> {
        match &done.session {
            Some(session) => self.known.remember(org, username, session).await,
            None => Ok(()),
        }
    }

    /// Moves the login `id` to its second factor, after a first factor given as `first`
    /// (RFC 8176 `amr`): the step the customer sees next.
    pub(crate) async fn to_second_factor(
        &self,
        id: &str,
        tx: &LoginTx,
        credential: &Credential,
        auth_time: i64,
        first: String,
    ) -> Result<Step, LoginError> {
        let org = &tx.request.org;
        let totp = self.second_factors.totp_enrolled(org, credential).await?;
        let contacts = choices(credential);
        if !totp && contacts.is_empty() {
            return Err(LoginError::NoSecondFactor);
        }
        let tx = LoginTx {
            stage: Stage::SecondFactor {
                credential: credential.id,
                username: credential.username.as_str().to_owned(),
                auth_time,
                totp,
                first,
                sms: false,
            },
            ..tx.clone()
        };
        self.records.save(id, &tx).await?;
        Ok(Step::SecondFactor { totp, contacts })
    }
}
