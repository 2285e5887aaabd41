//! One typed configuration: defaults, then a TOML file, then environment variables, then
//! command-line flags (each later source wins). Unknown keys are refused everywhere.
//!
//! Each source has its own module: [`cli`] (flags and environment variables) and [`file`] (the
//! TOML file); [`resolve`] merges them with the defaults into [`Settings`] and validates them;
//! [`display`] prints the result.

mod cli;
mod display;
mod file;
mod resolve;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use console::cloud::aws::{AwsRoleSettings, AwsSettings};

pub use cli::{Backend, Secret, ServeArgs};
pub use resolve::ConfigError;

/// The resolved configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub config_file: Option<PathBuf>,
    pub data_dir: PathBuf,
    /// PostgreSQL shared by every instance; `None`: SQLite under `data_dir`.
    pub database_url: Option<Secret>,
    pub database_max_connections: u32,
    pub database_statement_timeout: Duration,
    /// The local backend's objects.
    pub objects_dir: PathBuf,
    pub directory: Option<PathBuf>,
    pub site_addr: SocketAddr,
    pub site_root: PathBuf,
    pub secure_cookies: bool,
    pub session_idle_timeout: Duration,
    pub session_absolute_lifetime: Duration,
    pub sign_in_max_failures_per_user: u32,
    pub sign_in_max_failures_per_client: u32,
    pub sign_in_failure_window: Duration,
    pub admin_groups: Vec<String>,
    pub client_ip_header: Option<String>,
    pub public_url: url::Url,
    /// Whether `public_url` came from the configuration (a proxy or a name of its own) rather
    /// than the `http://localhost:PORT` default: only the default also answers under the
    /// listen address's other loopback names.
    pub public_url_configured: bool,
    pub mfa_encryption_key: Option<Secret>,
    pub mfa_max_failures: u32,
    pub mfa_lockout: Duration,
    pub role_session_limit: Option<Duration>,
    pub backend: Backend,
    /// Used when `backend` is `aws`.
    pub aws: AwsSettings,
    /// Bytes.
    pub max_upload_size: u64,
    pub upload_free_space_reserve: u64,
    pub read_timeout: Duration,
    pub write_timeout: Duration,
    pub max_transfers: u32,
    pub max_transfers_per_user: u32,
    /// Role sessions one sign-in may hold at once.
    pub max_role_sessions: usize,
    /// The shortest access grant a request may ask for.
    pub min_grant_duration: Duration,
    /// Where access-request notifications go.
    pub notify: console::notify::NotifySettings,
}

impl Settings {
    /// The session cookie's name: `__Host-` makes browsers refuse it unless Secure, host-only
    /// and with path `/`, which is exactly how it is set over TLS.
    pub fn session_cookie_name(&self) -> &'static str {
        if self.secure_cookies {
            "__Host-switchyard-session"
        } else {
            "switchyard-session"
        }
    }
}
