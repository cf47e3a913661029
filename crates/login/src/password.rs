//! The password step: username and password, checked under slowed guessing (per username and
//! per client address). A wrong password and an unknown username get the same answer in the
//! same time (`CredentialService::authenticate` verifies a dummy hash for the latter).

use crate::guessing::{self, Refused, Watched};
use crate::record::password_amr;
use crate::second_factor::{Step, choices};
use crate::{Agent, LoginError, LoginService, LoginTx, Pending, Stage};
use latchkey_core::OrgId;
use latchkey_credential::{Credential, CredentialError, Password};

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
    /// guessing: the first factor of every face that signs a customer in.
    pub async fn check_password(
        &self,
        org: &OrgId,
        username: &str,
        password: &Password,
        address: &str,
    ) -> Result<Credential, LoginError> {
        let name_key = guessing::username_key(org, username);
        let address_key = guessing::address_key(address);
        let watched = [
            Watched {
                key: &name_key,
                policy: guessing::PER_ACCOUNT,
            },
            Watched {
                key: &address_key,
                policy: guessing::PER_ADDRESS,
            },
        ];
        let attempt = self.credentials.authenticate(org, username, password);
        match self
            .guessing
            .attempt(&watched, attempt, |e| {
                matches!(e, CredentialError::WrongPassword)
            })
            .await
        {
            Ok(credential) => Ok(credential),
            Err(Refused::Throttled { retry_after }) => Err(LoginError::Throttled { retry_after }),
            Err(Refused::Wrong(_)) => Err(LoginError::BadCredentials),
            Err(Refused::Failed(e)) => Err(e.into()),
            Err(Refused::Unavailable(e)) => Err(e.into()),
        }
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
        let credential = self
            .check_password(org, username, password, agent.address)
            .await?;
        let auth_time = self.ports.clock.now().unix_timestamp();
        if !credential.require2fa {
            let amr = vec![password_amr()];
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
            return Ok(Step::Done(done));
        }
        self.to_second_factor(&pending.id, tx, &credential, auth_time, password_amr())
            .await
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
