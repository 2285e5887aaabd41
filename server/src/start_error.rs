//! Why the console did not start: one message per cause, printed once, then exit code 1.

use std::net::SocketAddr;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("{0}")]
    Directory(#[from] iam::DirectoryError),
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Database(#[from] console::storage::DbError),
    #[error("session store: {0}")]
    Sessions(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("server: {0}")]
    Serve(std::io::Error),
    #[error("cloud backend: {0}")]
    Cloud(String),
    #[error("MFA: {0}")]
    Mfa(String),
    #[error("notifications: {0}")]
    Notify(String),
    #[error(transparent)]
    State(#[from] console::state::StateError),
    #[error("runtime: {0}")]
    Runtime(std::io::Error),
}
