//! Operators' passwords: the policy (the Credentials API's, with the e-mail as the username),
//! the last [`Operator::PASSWORD_HISTORY`] refused for reuse, and the check of a sign-in with
//! dummy-hash timing for unknown e-mails.

use crate::{Operator, OperatorEmail, OperatorError, OperatorService};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_core::SecureRandom;
use latchkey_credential::{Password, PasswordHash, PolicyViolation, Username};
use uuid::Uuid;

/// The password policy's length rules as a regular expression (`?requirements=true`'s
/// `passwordPattern`): from [`Password::MIN_CHARS`] to [`Password::MAX_CHARS`] characters of
/// any kind, line breaks included, no composition rules (NIST SP 800-63B §3.1.1.2). It accepts
/// exactly the passwords whose length the policy accepts, counting Unicode characters (a
/// JavaScript `RegExp` counts them so only with the `u` flag).
///
/// Two rules of the policy cannot be a regular expression and are checked only by the server:
/// the password must not be one of the most common passwords, nor the operator's e-mail
/// address or its local part.
pub const PASSWORD_PATTERN: &str = r"^[\s\S]{8,128}$";

/// Checks the password policy for the operator `email` (the username of the policy's
/// same-as-username rule).
pub fn check_policy(password: &Password, email: &OperatorEmail) -> Result<(), PolicyViolation> {
    let address = email.as_str();
    let local = address.split('@').next().unwrap_or_default();
    let candidate = password.expose().to_lowercase();
    // An address the Credentials API would not take as a username (no dot in the domain, say)
    // is compared here, and the rest of the policy runs with a stand-in of the same local part.
    if candidate == address || candidate == local {
        return Err(PolicyViolation::SameAsUsername);
    }
    let username = Username::from_stored(address)
        .or_else(|_| Username::parse(&format!("{local}@operator.invalid")))
        .or_else(|_| Username::parse("operator@operator.invalid"));
    match username {
        Ok(username) => password.check_policy(&username),
        // Unreachable: the last stand-in is a valid username. Refuse rather than skip the policy.
        Err(_) => Err(PolicyViolation::SameAsUsername),
    }
}

/// A random password of 256 bits that nobody is told (an operator created without one sets
/// its own through a reset link).
pub(crate) fn unknowable(random: &dyn SecureRandom) -> Password {
    Password::new(&URL_SAFE_NO_PAD.encode(random.secret_bytes()))
}

impl OperatorService {
    /// Sets the password of the operator `id` (a forced change at sign-in, a reset link): the
    /// policy, then `PasswordReused` when it is one of its last
    /// [`Operator::PASSWORD_HISTORY`]; clears the forced change. `NotFound`.
    ///
    /// It ends no session: the sign-in that forces a change issues tokens right after, and a
    /// subject revocation refuses the tokens issued in its second. A reset by link should call
    /// [`OperatorService::end_sessions`] itself.
    pub async fn set_password(&self, id: Uuid, new: &Password) -> Result<Operator, OperatorError> {
        let mut operator = self.load(id).await?;
        self.replace_password(&mut operator, new).await?;
        operator.change_password = false;
        operator.modified = self.ports.clock.now();
        operator.modified_by = operator.email.as_str().to_owned();
        self.update(&operator).await?;
        Ok(operator)
    }

    /// The operator with that e-mail when `password` is its password; `None` for an unknown
    /// e-mail or a wrong password. An unknown e-mail (or one that is no address) costs one
    /// password verification too, against a dummy hash, so the time of the answer does not
    /// tell whether the operator exists. Suspension and the rest are the caller's to judge.
    pub async fn check_password(
        &self,
        email: &str,
        password: &Password,
    ) -> Result<Option<Operator>, OperatorError> {
        let found = match OperatorEmail::parse(email) {
            Ok(email) => self.find_by_email(&email).await?,
            Err(_) => None,
        };
        let hash = match &found {
            Some(operator) => operator.password.clone(),
            None => self
                .dummy
                .get(&*self.ports.hasher)
                .await
                .map_err(OperatorError::hashing)?,
        };
        let matches = self.verify(password, &hash).await?;
        Ok(found.filter(|_| matches))
    }

    /// Checks `new` (policy, reuse) and makes it the password of `operator` in memory.
    pub(crate) async fn replace_password(
        &self,
        operator: &mut Operator,
        new: &Password,
    ) -> Result<(), OperatorError> {
        check_policy(new, &operator.email)?;
        let recent = std::iter::once(&operator.password).chain(
            operator
                .password_history
                .iter()
                .filter(|hash| **hash != operator.password),
        );
        for hash in recent.take(Operator::PASSWORD_HISTORY) {
            if self.verify(new, hash).await? {
                return Err(OperatorError::PasswordReused);
            }
        }
        let hash = self.hash(new).await?;
        operator.set_password(hash, self.ports.clock.now());
        Ok(())
    }

    async fn verify(
        &self,
        password: &Password,
        hash: &PasswordHash,
    ) -> Result<bool, OperatorError> {
        self.ports
            .hasher
            .verify(password, hash)
            .await
            .map_err(OperatorError::hashing)
    }
}
