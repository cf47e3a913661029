//! The second-factor step: a TOTP code from the customer's authenticator, or a one-time code
//! sent to one of the credential's contacts (shown masked, named back by an opaque hint), checked
//! under slowed guessing. The codes themselves are the Credentials API's (`SecondFactors`).

use crate::guessing::{self, Refused, Watched};
use crate::{Agent, Completion, LoginError, LoginService, LoginTx, Pending, Stage};
use latchkey_core::OrgId;
use latchkey_credential::Credential;
use latchkey_flows::FlowError;
use latchkey_notify::{Channel, Language};
use latchkey_tenancy::{OrgAccess, Principal, Scope};
use uuid::Uuid;

/// What the customer is asked next.
#[derive(Debug, Clone)]
pub enum Step {
    SecondFactor {
        totp: bool,
        contacts: Vec<ContactChoice>,
    },
    Done(Completion),
}

/// A second-factor contact as the page shows it (masked) and names it back (`hint`, an opaque
/// choice id: never the address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactChoice {
    pub email: bool,
    pub masked: String,
    pub hint: String,
}

/// The second factor a customer answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    Totp,
    Otp,
}

impl LoginService {
    /// What the second-factor page offers for a login at that stage.
    pub async fn second_factor_choices(&self, tx: &LoginTx) -> Result<Step, LoginError> {
        let Stage::SecondFactor {
            credential, totp, ..
        } = &tx.stage
        else {
            return Err(LoginError::Expired);
        };
        let credential = self.credentials.by_id(&tx.request.org, *credential).await?;
        Ok(Step::SecondFactor {
            totp: *totp,
            contacts: choices(&credential),
        })
    }

    /// Sends a one-time code to the contact `hint` names, for the second factor.
    pub async fn send_code(
        &self,
        pending: &Pending,
        hint: &str,
        language: Language,
    ) -> Result<(), LoginError> {
        let Stage::SecondFactor {
            credential,
            username,
            ..
        } = &pending.tx.stage
        else {
            return Err(LoginError::Expired);
        };
        let org = &pending.tx.request.org;
        // The page names a contact by its choice id only: the address never leaves the server.
        let found = self.credentials.by_id(org, *credential).await?;
        let contact = latchkey_flows::contacts(&found)
            .into_iter()
            .zip(1..)
            .find(|(_, n)| choice_id(*n) == hint)
            .map(|(c, _)| c)
            .ok_or(LoginError::NotAContact)?;
        let caller = customer(org, *credential);
        self.second_factors
            .send_login_otp(
                &caller,
                org,
                username,
                Some(language.code()),
                Some(&contact.address),
            )
            .await?;
        let mut tx = pending.tx.clone();
        if let Stage::SecondFactor { sms, .. } = &mut tx.stage {
            *sms = contact.channel == Channel::Sms;
        }
        self.records.save(&pending.id, &tx).await
    }

    /// The second factor. Finishes the login.
    pub async fn second_factor(
        &self,
        pending: &Pending,
        factor: Factor,
        code: &str,
        agent: Agent<'_>,
    ) -> Result<Completion, LoginError> {
        let tx = &pending.tx;
        let Stage::SecondFactor {
            credential,
            username,
            auth_time,
            first,
            sms,
            ..
        } = &tx.stage
        else {
            return Err(LoginError::Expired);
        };
        let org = &tx.request.org;
        self.check_second_factor(org, *credential, username, factor, code)
            .await?;
        let mut credential = self.credentials.by_id(org, *credential).await?;
        if !credential.enabled {
            return Err(LoginError::Disabled);
        }
        if factor == Factor::Otp && !*sms {
            // The code went by e-mail to the username: the customer proved the address.
            credential = self.credentials.prove_email(org, credential).await?;
        }
        let second = match factor {
            Factor::Otp if *sms => "sms",
            Factor::Totp | Factor::Otp => "otp",
        };
        let amr = vec![first.clone(), second.to_owned(), "mfa".to_owned()];
        self.records.delete(&pending.id).await?;
        let done = self
            .complete(
                &pending.client,
                &tx.request,
                credential,
                None,
                *auth_time,
                amr,
                agent,
            )
            .await?;
        self.remember_device(org, username, &done).await?;
        Ok(done)
    }

    /// A second-factor code of `credential` checked under slowed guessing: the second factor of
    /// every face that signs a customer in.
    pub async fn check_second_factor(
        &self,
        org: &OrgId,
        credential: Uuid,
        username: &str,
        factor: Factor,
        code: &str,
    ) -> Result<(), LoginError> {
        let key = guessing::second_factor_key(org, credential);
        let watched = [Watched {
            key: &key,
            policy: guessing::PER_SECOND_FACTOR,
        }];
        let caller = customer(org, credential);
        let attempt = async {
            match factor {
                Factor::Totp => {
                    self.second_factors
                        .check_login_totp(&caller, org, username, code)
                        .await
                }
                Factor::Otp => {
                    self.second_factors
                        .check_login_otp(&caller, org, username, code)
                        .await
                }
            }
        };
        match self
            .guessing
            .attempt(&watched, attempt, |e| matches!(e, FlowError::Code(_)))
            .await
        {
            Ok(()) => Ok(()),
            Err(Refused::Throttled { retry_after }) => Err(LoginError::Throttled { retry_after }),
            Err(Refused::Wrong(e) | Refused::Failed(e)) => Err(e.into()),
            Err(Refused::Unavailable(e)) => Err(e.into()),
        }
    }
}

/// The principal a login acts as for its own second factor.
fn customer(org: &OrgId, credential: Uuid) -> Principal {
    Principal {
        subject: credential.to_string(),
        scopes: [Scope::Otp, Scope::Totp].into_iter().collect(),
        orgs: OrgAccess::Only([org.clone()].into()),
        credential: Some(credential),
        sign_in: None,
    }
}

/// The contacts a second-factor code may go to, as the page offers them.
pub(crate) fn choices(credential: &Credential) -> Vec<ContactChoice> {
    latchkey_flows::contacts(credential)
        .into_iter()
        .zip(1..)
        .map(|(c, n)| ContactChoice {
            email: c.channel == Channel::Email,
            masked: mask(&c.address),
            hint: choice_id(n),
        })
        .collect()
}

/// The opaque id of the `n`th contact (from 1) on the second-factor page: the page and the
/// form carry it instead of the address, which a password alone must not reveal.
fn choice_id(n: u32) -> String {
    format!("c{n}")
}

/// `a•••@example.com`, `+34•••••••89`: enough to recognise, not to learn.
pub(crate) fn mask(address: &str) -> String {
    if let Some((local, domain)) = address.split_once('@') {
        let first: String = local.chars().take(1).collect();
        return format!("{first}•••@{domain}");
    }
    let chars: Vec<char> = address.chars().collect();
    let keep_end = 2.min(chars.len());
    let keep_start = 3.min(chars.len() - keep_end);
    let hidden = chars.len() - keep_start - keep_end;
    let mut out: String = chars[..keep_start].iter().collect();
    out.extend(std::iter::repeat_n('•', hidden));
    out.extend(&chars[chars.len() - keep_end..]);
    out
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn contacts_are_masked() {
        assert_eq!(mask("ana@example.com"), "a•••@example.com");
        assert_eq!(mask("+34600111222"), "+34•••••••22");
    }
}
