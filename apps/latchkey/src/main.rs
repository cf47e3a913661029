//! `latchkey`: runs the server, or administers one (see `latchkey --help`).

use anyhow::Context as _;
use clap::Parser as _;
use latchkey::cli::{Cli, Command};
use latchkey_core::ExposeSecret as _;
use latchkey_server::config::ServerConfig;
use std::io::IsTerminal as _;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let system = actix_web::rt::System::new();
    let result = match cli.command {
        None | Some(Command::Serve) => system.block_on(serve(cli.server)),
        Some(Command::Migrate) => system.block_on(latchkey::cli::migrate(&cli.server)),
        Some(Command::Operator { action }) => {
            system.block_on(latchkey::operator::run(action, &cli.server))
        }
        Some(Command::Subscriber { access, action }) => {
            system.block_on(latchkey::subscriber::run(access, action))
        }
        Some(command) => system.block_on(latchkey::cli::run_admin(command, &cli.server)),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // The cause chain, without a backtrace: these are messages for people.
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[expect(
    clippy::print_stdout,
    reason = "the generated bootstrap secret is shown once, on purpose, outside the logs"
)]
async fn serve(config: ServerConfig) -> anyhow::Result<()> {
    // The filter sits behind a reload handle: `POST /api/v1/system` changes levels at run time.
    latchkey_server::logging::install(
        &config.log,
        config.log_format,
        std::io::stderr().is_terminal(),
        std::io::stderr,
    )?;
    match &config.database_url {
        Some(url) => tracing::info!(
            database = %latchkey_postgres::redact_url(url.expose()),
            "storage: PostgreSQL"
        ),
        None => tracing::warn!(
            "dev mode: no database configured (LATCHKEY_DATABASE_URL), running on in-memory storage; all data is lost when the server stops"
        ),
    }
    let started = latchkey_server::start(&config).await?;
    tracing::info!(addr = %started.addr, public_url = %config.public_url(), "listening");
    if let Some(secret) = &started.generated_secret {
        println!(
            "\nBootstrap client (every scope, every org) — the secret is shown only now:\n  \
             LATCHKEY_BOOTSTRAP_CLIENT_ID={}\n  LATCHKEY_BOOTSTRAP_CLIENT_SECRET={}\n",
            config.bootstrap_client_id,
            secret.expose_secret()
        );
    }
    if let Some(password) = &started.generated_root_password {
        println!(
            "\nFirst root operator (must change this password at first sign-in) — shown only now:\n  \
             LATCHKEY_ROOT_EMAIL={}\n  password: {}\n",
            config.security.root_email.as_deref().unwrap_or_default(),
            password.expose_secret()
        );
    }
    started.run().await.context("server")
}
