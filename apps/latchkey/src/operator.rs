//! `latchkey operator create`: an operator of the security service created on the database
//! directly (as `latchkey migrate` reaches it), with no actor: the way to a first `root` when
//! `LATCHKEY_ROOT_EMAIL` was not used, or to a new one when every root is lost.

use anyhow::{Context as _, bail};
use clap::Subcommand;
use latchkey_core::{ExposeSecret as _, OrgId, SecretString};
use latchkey_operator::{Operator, Role};
use latchkey_server::config::ServerConfig;
use latchkey_server::state::{AppState, Stores};

#[derive(Debug, Subcommand)]
pub enum OperatorAction {
    /// Creates an operator, who must change its password at first sign-in. The password is read
    /// from standard input with --password-stdin; otherwise one is generated and printed once.
    Create {
        /// Its e-mail address (its user id at sign-in).
        #[arg(long)]
        email: String,
        /// root, admin, subscriber, csr, system, installer, noc, accounting or partner.
        #[arg(long)]
        role: String,
        /// The org it administers (none for a root).
        #[arg(long)]
        owner: Option<String>,
        /// Reads the initial password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

/// An operator created by [`create`].
#[derive(Debug)]
pub struct Created {
    pub operator: Operator,
    /// Its password, when it was generated (not read from standard input).
    pub generated: Option<SecretString>,
}

/// Runs an operator command on the database of `server` and prints what it did.
#[expect(
    clippy::print_stdout,
    reason = "the report of a command run by hand, and the password shown once, go to standard output"
)]
pub async fn run(action: OperatorAction, server: &ServerConfig) -> anyhow::Result<()> {
    let Created {
        operator,
        generated,
    } = create(action, server, std::io::stdin().lock()).await?;
    println!(
        "operator {} created: {} ({}{})",
        operator.id,
        operator.email.as_str(),
        operator.role.as_str(),
        operator
            .owner
            .as_ref()
            .map(|o| format!(", org {o}"))
            .unwrap_or_default()
    );
    if let Some(password) = generated {
        println!(
            "password (shown only now; it must be changed at first sign-in): {}",
            password.expose_secret()
        );
    }
    Ok(())
}

/// Creates the operator of `action` on the database of `server`, reading its password from
/// `stdin` when the action says so.
pub async fn create(
    action: OperatorAction,
    server: &ServerConfig,
    stdin: impl std::io::BufRead,
) -> anyhow::Result<Created> {
    let OperatorAction::Create {
        email,
        role,
        owner,
        password_stdin,
    } = action;
    let role = Role::parse(&role).map_err(|_| {
        let known: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        anyhow::anyhow!("--role '{role}' is not one of {}", known.join(", "))
    })?;
    let owner = owner
        .map(|o| OrgId::parse(&o).with_context(|| format!("--owner '{o}'")))
        .transpose()?;
    if role == Role::Root && owner.is_some() {
        bail!("a root administers every org: it takes no --owner");
    }
    let password = if password_stdin {
        Some(read_password(stdin)?)
    } else {
        None
    };
    let Some(pg) = latchkey_server::state::pg_config(server) else {
        bail!(
            "no database: set LATCHKEY_DATABASE_URL (an operator created in memory would be lost \
             when this command ends)"
        );
    };
    let db = latchkey_server::open_database(pg).await?;
    db.migrate().await.context("migrating the database")?;
    let state = AppState::new(server, Stores::postgres(db))?;
    let (operator, generated) =
        latchkey_server::provision::create_operator(&state, &email, role, owner, password, "cli")
            .await
            .with_context(|| format!("creating the operator {email}"))?;
    Ok(Created {
        operator,
        generated,
    })
}

/// The first line of `input`, without its line ending; an empty one is refused. Read alike for
/// `latchkey operator create` and `latchkey subscriber create` (`--password-stdin`).
pub(crate) fn read_password(mut input: impl std::io::BufRead) -> anyhow::Result<SecretString> {
    let mut line = String::new();
    input
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\n', '\r']);
    if password.is_empty() {
        bail!("--password-stdin: standard input holds no password");
    }
    Ok(SecretString::from(password))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_the_first_line_without_its_ending() {
        let read = read_password("correct horse battery\r\nsecond\n".as_bytes()).unwrap();
        assert_eq!(read.expose_secret(), "correct horse battery");
        assert!(read_password("\n".as_bytes()).is_err());
        assert!(read_password("".as_bytes()).is_err());
    }
}
