//! Operators created without an actor: the first `root` at start (`LATCHKEY_ROOT_EMAIL`, when
//! there is no operator at all) and `latchkey operator create`. A password nobody gave is
//! generated here and answered, to be shown once by whoever asked (never logged).

use crate::config::ServerConfig;
use crate::state::AppState;
use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_core::{ExposeSecret as _, OrgId, SecretString, SecureRandom as _};
use latchkey_credential::Password;
use latchkey_operator::{Operator, OperatorEmail, OperatorError, Role};

/// A generated password: 144 random bits in 24 URL-safe characters (within the policy's
/// length, never a common password).
pub fn generate_password() -> SecretString {
    let bytes = latchkey_crypto::ThreadRandom.secret_bytes();
    SecretString::from(URL_SAFE_NO_PAD.encode(&bytes[..18]))
}

/// Creates the operator `email` with `role` (and `owner`), who must change its password at
/// first sign-in. Without `password` one is generated and answered with the operator.
/// `created_by` says who asked (`configuration`, `cli`).
pub async fn create_operator(
    state: &AppState,
    email: &str,
    role: Role,
    owner: Option<OrgId>,
    password: Option<SecretString>,
    created_by: &str,
) -> anyhow::Result<(Operator, Option<SecretString>)> {
    let email = OperatorEmail::parse(email).map_err(|e| anyhow::anyhow!("'{email}': {e}"))?;
    let (password, generated) = match password {
        Some(given) => (given, None),
        None => {
            let generated = generate_password();
            (generated.clone(), Some(generated))
        }
    };
    let operator = state
        .operators
        .directory
        .bootstrap(
            email,
            &Password::new(password.expose_secret()),
            role,
            owner,
            true,
            created_by,
        )
        .await
        .map_err(|e| match e {
            OperatorError::PasswordPolicy(violation) => {
                anyhow::anyhow!("the password is refused: {violation}")
            }
            other => anyhow::Error::new(other),
        })?;
    Ok((operator, generated))
}

/// The first `root` of `LATCHKEY_ROOT_EMAIL`, created when there is no operator at all, with
/// `LATCHKEY_ROOT_PASSWORD` or a generated password (answered, to be printed once). Nothing
/// when the e-mail is not configured or an operator exists (another instance may have just
/// created it).
pub async fn first_root(
    state: &AppState,
    config: &ServerConfig,
) -> anyhow::Result<Option<SecretString>> {
    let Some(email) = &config.security.root_email else {
        return Ok(None);
    };
    let empty = state
        .operators
        .directory
        .is_empty()
        .await
        .context("reading the operators")?;
    if !empty {
        tracing::info!("operators exist: LATCHKEY_ROOT_EMAIL creates no root");
        return Ok(None);
    }
    let password = config
        .security
        .root_password
        .as_ref()
        .map(|p| SecretString::from(p.expose()));
    match create_operator(state, email, Role::Root, None, password, "configuration").await {
        Ok((root, generated)) => {
            tracing::info!(id = %root.id, email = %root.email.as_str(), "first root created");
            Ok(generated)
        }
        Err(e) if matches!(e.downcast_ref(), Some(OperatorError::EmailTaken)) => Ok(None),
        Err(e) => Err(e.context("LATCHKEY_ROOT_EMAIL / LATCHKEY_ROOT_PASSWORD: the first root")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_pass_the_policy_and_differ() {
        let email = OperatorEmail::parse("root@example.com").unwrap();
        let (a, b) = (generate_password(), generate_password());
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert_eq!(a.expose_secret().len(), 24);
        latchkey_operator::check_policy(&Password::new(a.expose_secret()), &email).unwrap();
    }
}
