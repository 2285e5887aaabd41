//! `switchyard`: the console server, and the small tools that go with it.

mod config;
mod middleware;
mod router;
mod routes;
mod serve;
#[cfg(test)]
mod tests;

use std::io::{BufRead, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::ServeArgs;

#[derive(Parser, Debug)]
#[command(
    name = "switchyard",
    version,
    about = "Switchyard: a self-hosted console for cross-account role switching"
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// `switchyard` with no subcommand serves the console.
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the console (the default).
    Serve(ServeArgs),
    /// Hash a password (read from standard input) for a directory file's `password_hash`.
    HashPassword,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => serve::run(cli.serve),
        Some(Command::Serve(args)) => serve::run(args),
        Some(Command::HashPassword) => hash_password(),
    }
}

fn hash_password() -> ExitCode {
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        eprintln!("error: cannot read the password from standard input");
        return ExitCode::FAILURE;
    }
    let password = line.trim_end_matches(['\r', '\n']);
    if password.is_empty() {
        eprintln!("error: the password is empty");
        return ExitCode::FAILURE;
    }
    match app::services::auth::hash_password(password) {
        Ok(hash) => {
            let _ = writeln!(std::io::stdout(), "{hash}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
