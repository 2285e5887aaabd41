//! `switchyard`: the console server, and the small tools that go with it.

#![recursion_limit = "256"]

mod config;
mod connection;
mod middleware;
mod public_origin;
mod router;
mod routes;
mod serve;
mod start_error;
mod state;
#[cfg(test)]
mod tests;
mod transfers;

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
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

// Parsed once at start-up: boxing the large `serve` flags would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the console (the default).
    Serve(Box<ServeArgs>),
    /// Hash a password (read from standard input) for a directory file's `password_hash`.
    HashPassword,
    /// Evaluate IAM requests: JSON Lines on standard input, one decision per line on standard
    /// output (see iam/README.md).
    Simulate {
        /// Evaluate against this directory file's principals and policies instead of the
        /// policies given on each line.
        #[arg(long, value_name = "FILE")]
        directory: Option<PathBuf>,
    },
    /// Load and validate a directory file, then print a summary.
    CheckDirectory {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => serve::run(cli.serve),
        Some(Command::Serve(args)) => serve::run(*args),
        Some(Command::HashPassword) => hash_password(),
        Some(Command::Simulate { directory }) => simulate(directory),
        Some(Command::CheckDirectory { file }) => check_directory(&file),
    }
}

fn simulate(directory: Option<PathBuf>) -> ExitCode {
    let stdin = std::io::stdin().lock();
    let stdout = std::io::stdout().lock();
    let result = match directory {
        None => iam::simulate::run(stdin, stdout),
        Some(path) => match iam::Directory::load(&path) {
            Ok(directory) => iam::simulate::run_with_directory(&directory, stdin, stdout),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn check_directory(file: &Path) -> ExitCode {
    match iam::Directory::load(file) {
        Ok(directory) => {
            for account in directory.accounts() {
                println!(
                    "account {} ({}): {} users, {} roles, {} buckets",
                    account.id(),
                    account.alias().unwrap_or("no alias"),
                    account.users().count(),
                    account.roles().count(),
                    account.buckets().count()
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
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
    match console::sign_in::hash_password(password) {
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
