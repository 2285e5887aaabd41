//! The command-line flags of `switchyard serve`, each of which also reads an environment
//! variable, and the value types they parse.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use serde::Deserialize;

/// Environment variables the console reads. Any other `SWITCHYARD_*` variable is a mistake
/// (a typo would otherwise be ignored silently), so start-up refuses it.
pub(super) const KNOWN_ENV: &[&str] = &[
    "SWITCHYARD_CONFIG",
    "SWITCHYARD_DATA_DIR",
    "SWITCHYARD_DIRECTORY",
    "SWITCHYARD_SECURE_COOKIES",
    "SWITCHYARD_SESSION_IDLE_TIMEOUT",
    "SWITCHYARD_SESSION_ABSOLUTE_LIFETIME",
    "SWITCHYARD_SIGN_IN_MAX_FAILURES_PER_USER",
    "SWITCHYARD_SIGN_IN_MAX_FAILURES_PER_CLIENT",
    "SWITCHYARD_SIGN_IN_FAILURE_WINDOW",
    "SWITCHYARD_ADMIN_GROUPS",
    "SWITCHYARD_CLIENT_IP_HEADER",
    "SWITCHYARD_PUBLIC_URL",
    "SWITCHYARD_MFA_ENCRYPTION_KEY",
    "SWITCHYARD_MFA_MAX_FAILURES",
    "SWITCHYARD_MFA_LOCKOUT",
    "SWITCHYARD_ROLE_SESSION_LIMIT",
    "SWITCHYARD_MAX_UPLOAD_SIZE",
    "SWITCHYARD_READ_TIMEOUT",
    "SWITCHYARD_WRITE_TIMEOUT",
    "SWITCHYARD_MAX_TRANSFERS",
    "SWITCHYARD_MAX_TRANSFERS_PER_USER",
    "SWITCHYARD_MAX_ROLE_SESSIONS",
    "SWITCHYARD_MIN_GRANT_DURATION",
    "SWITCHYARD_NOTIFY_WEBHOOK_URL",
    "SWITCHYARD_NOTIFY_WEBHOOK_SECRET",
    "SWITCHYARD_SMTP_URL",
    "SWITCHYARD_NOTIFY_FROM",
    "SWITCHYARD_UPLOAD_FREE_SPACE_RESERVE",
    "SWITCHYARD_LOG",
    "SWITCHYARD_BACKEND",
    "SWITCHYARD_AWS_REGION",
    "SWITCHYARD_AWS_STS_ENDPOINT",
    "SWITCHYARD_AWS_S3_ENDPOINT",
    "SWITCHYARD_AWS_S3_PATH_STYLE",
    "SWITCHYARD_DATABASE_URL",
    "SWITCHYARD_DATABASE_MAX_CONNECTIONS",
    "SWITCHYARD_DATABASE_STATEMENT_TIMEOUT",
    "SWITCHYARD_OBJECTS_DIR",
];

/// Which cloud sits below the console's cloud boundary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// The embedded IAM engine and object store (the directory file decides everything).
    #[default]
    Local,
    /// AWS STS and S3, or any endpoint that speaks them.
    Aws,
}

/// Flags of `switchyard serve`. Every one also reads an environment variable.
#[derive(Args, Debug, Default, Clone)]
pub struct ServeArgs {
    /// Configuration file (TOML). Its keys are the flags' names with underscores.
    #[arg(long, env = "SWITCHYARD_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where this instance's state lives (the SQLite database, keys, objects). Two instances
    /// never share one: instances that share state share `database_url` instead.
    #[arg(long, env = "SWITCHYARD_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// `postgres://user:password@host:port/database`: every piece of console state in that
    /// PostgreSQL database, shared by every instance given the same URL. Unset: the embedded
    /// SQLite database under DATA_DIR.
    #[arg(
        long,
        env = "SWITCHYARD_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<Secret>,
    /// Connections of this instance's PostgreSQL pool, at most.
    #[arg(long, env = "SWITCHYARD_DATABASE_MAX_CONNECTIONS", value_name = "N")]
    pub database_max_connections: Option<u32>,
    /// PostgreSQL cancels any statement of the console running longer than this.
    #[arg(long, env = "SWITCHYARD_DATABASE_STATEMENT_TIMEOUT", value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub database_statement_timeout: Option<Duration>,
    /// Where the local backend keeps objects. Default: DATA_DIR/objects. Several instances on
    /// the local backend need one on a shared file system.
    #[arg(long, env = "SWITCHYARD_OBJECTS_DIR", value_name = "DIR")]
    pub objects_dir: Option<PathBuf>,
    /// Account directory file (TOML). Without it the embedded demo organisation is served.
    #[arg(long, env = "SWITCHYARD_DIRECTORY", value_name = "FILE")]
    pub directory: Option<PathBuf>,
    /// Listen address (Leptos's variable).
    #[arg(long, env = "LEPTOS_SITE_ADDR", value_name = "ADDR")]
    pub site_addr: Option<SocketAddr>,
    /// Folder with the compiled WASM, JS, CSS and static files (Leptos's variable).
    #[arg(long, env = "LEPTOS_SITE_ROOT", value_name = "DIR")]
    pub site_root: Option<PathBuf>,
    /// Mark cookies Secure and name the session cookie with the `__Host-` prefix. Turn on
    /// whenever the console is reached over HTTPS (directly or through a proxy).
    #[arg(long, env = "SWITCHYARD_SECURE_COOKIES", value_name = "BOOL")]
    pub secure_cookies: Option<bool>,
    /// A session ends after this long without requests (e.g. `1h`, `30m`).
    #[arg(long, env = "SWITCHYARD_SESSION_IDLE_TIMEOUT", value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub session_idle_timeout: Option<Duration>,
    /// A session ends this long after sign-in, however active.
    #[arg(long, env = "SWITCHYARD_SESSION_ABSOLUTE_LIFETIME", value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub session_absolute_lifetime: Option<Duration>,
    /// Failed sign-ins per user name inside the window before sign-in pauses for that name.
    #[arg(
        long,
        env = "SWITCHYARD_SIGN_IN_MAX_FAILURES_PER_USER",
        value_name = "N"
    )]
    pub sign_in_max_failures_per_user: Option<u32>,
    /// Failed sign-ins per client address inside the window before that address is paused.
    #[arg(
        long,
        env = "SWITCHYARD_SIGN_IN_MAX_FAILURES_PER_CLIENT",
        value_name = "N"
    )]
    pub sign_in_max_failures_per_client: Option<u32>,
    /// The window the sign-in failure limits count in.
    #[arg(long, env = "SWITCHYARD_SIGN_IN_FAILURE_WINDOW", value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub sign_in_failure_window: Option<Duration>,
    /// Groups whose members administer the console (comma-separated).
    #[arg(
        long,
        env = "SWITCHYARD_ADMIN_GROUPS",
        value_name = "GROUPS",
        value_delimiter = ','
    )]
    pub admin_groups: Option<Vec<String>>,
    /// Header holding the client address when behind a reverse proxy (its last entry is used),
    /// e.g. `x-forwarded-for`. Unset: the TCP peer address.
    #[arg(long, env = "SWITCHYARD_CLIENT_IP_HEADER", value_name = "HEADER")]
    pub client_ip_header: Option<String>,
    /// The URL people reach the console at. WebAuthn binds security keys to its host name (the
    /// relying party ID; browsers refuse IP addresses there). Default: http://localhost:PORT.
    #[arg(long, env = "SWITCHYARD_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// Key encrypting TOTP secrets at rest: 32 bytes, base64. Default: generated once into
    /// DATA_DIR/keys/mfa-encryption.key.
    #[arg(
        long,
        env = "SWITCHYARD_MFA_ENCRYPTION_KEY",
        value_name = "BASE64",
        hide_env_values = true
    )]
    pub mfa_encryption_key: Option<Secret>,
    /// Failed MFA attempts per user before MFA locks for that user.
    #[arg(long, env = "SWITCHYARD_MFA_MAX_FAILURES", value_name = "N")]
    pub mfa_max_failures: Option<u32>,
    /// How long the MFA failures count (and so how long a lock-out lasts).
    #[arg(long, env = "SWITCHYARD_MFA_LOCKOUT", value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub mfa_lockout: Option<Duration>,
    /// End every held role in the console after at most this long (e.g. `15m`), even when its
    /// temporary credentials last longer. Unset: the credentials' own expiry.
    #[arg(long, env = "SWITCHYARD_ROLE_SESSION_LIMIT", value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub role_session_limit: Option<Duration>,
    /// The cloud below the console: `local` (embedded IAM engine) or `aws`.
    #[arg(long, env = "SWITCHYARD_BACKEND", value_name = "BACKEND")]
    pub backend: Option<Backend>,
    /// AWS region (aws backend). Default: us-east-1.
    #[arg(long, env = "SWITCHYARD_AWS_REGION", value_name = "REGION")]
    pub aws_region: Option<String>,
    /// STS endpoint URL (aws backend). Default: AWS's own for the region.
    #[arg(long, env = "SWITCHYARD_AWS_STS_ENDPOINT", value_name = "URL")]
    pub aws_sts_endpoint: Option<String>,
    /// S3 endpoint URL (aws backend). Default: AWS's own for the region.
    #[arg(long, env = "SWITCHYARD_AWS_S3_ENDPOINT", value_name = "URL")]
    pub aws_s3_endpoint: Option<String>,
    /// Path-style S3 addressing (endpoint/bucket/key), as most S3-compatible servers want.
    #[arg(long, env = "SWITCHYARD_AWS_S3_PATH_STYLE", value_name = "BOOL")]
    pub aws_s3_path_style: Option<bool>,
    /// Largest object one upload may store, in bytes or with a unit (`5GiB`, `100MiB`, `10MB`).
    #[arg(long, env = "SWITCHYARD_MAX_UPLOAD_SIZE", value_name = "SIZE", value_parser = parse_size)]
    pub max_upload_size: Option<u64>,
    /// Uploads are refused while the data directory's file system has less free space than
    /// this (bytes or with a unit), so that the database and audit trail keep room to write.
    #[arg(long, env = "SWITCHYARD_UPLOAD_FREE_SPACE_RESERVE", value_name = "SIZE", value_parser = parse_size)]
    pub upload_free_space_reserve: Option<u64>,
    /// A connection is closed when nothing has moved either way for this long while the server
    /// waits to read from it (a stalled request or upload body, an idle keep-alive connection;
    /// also a request the server takes this long to answer without sending anything).
    #[arg(long, env = "SWITCHYARD_READ_TIMEOUT", value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub read_timeout: Option<Duration>,
    /// A connection is closed when the client has taken no byte of the response for this long
    /// (a stalled download).
    #[arg(long, env = "SWITCHYARD_WRITE_TIMEOUT", value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub write_timeout: Option<Duration>,
    /// Uploads and downloads in progress at once, all users together; more are answered 503.
    #[arg(long, env = "SWITCHYARD_MAX_TRANSFERS", value_name = "N")]
    pub max_transfers: Option<u32>,
    /// Uploads and downloads in progress at once for one user; more are answered 429.
    #[arg(long, env = "SWITCHYARD_MAX_TRANSFERS_PER_USER", value_name = "N")]
    pub max_transfers_per_user: Option<u32>,
    /// Role sessions one sign-in may hold at once, each usable in its own tabs (1-10).
    #[arg(long, env = "SWITCHYARD_MAX_ROLE_SESSIONS", value_name = "N")]
    pub max_role_sessions: Option<usize>,
    /// The shortest access grant a request may ask for (default and upper bound 15m; at
    /// least 5s: lower it only to watch grants expire in tests).
    #[arg(long, env = "SWITCHYARD_MIN_GRANT_DURATION", value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub min_grant_duration: Option<Duration>,
    /// Access-request notifications: a JSON POST per event to this URL (Slack- and
    /// Teams-style incoming webhooks read its `text`).
    #[arg(long, env = "SWITCHYARD_NOTIFY_WEBHOOK_URL", value_name = "URL")]
    pub notify_webhook_url: Option<String>,
    /// Signs each webhook POST (`X-Switchyard-Signature`, HMAC-SHA256).
    #[arg(
        long,
        env = "SWITCHYARD_NOTIFY_WEBHOOK_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    pub notify_webhook_secret: Option<Secret>,
    /// Access-request notifications by e-mail through this SMTP server (`smtp://host:25`,
    /// `smtps://user:password@host`, `smtp://host:587?tls=required`).
    #[arg(
        long,
        env = "SWITCHYARD_SMTP_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub smtp_url: Option<Secret>,
    /// The From address of notification e-mails (`Switchyard <switchyard@example.com>`).
    #[arg(long, env = "SWITCHYARD_NOTIFY_FROM", value_name = "ADDRESS")]
    pub notify_from: Option<String>,
}

/// A value that must never be printed: `Debug` shows `<redacted>`, and only `expose` gives it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_string())
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(Secret(value.to_string()))
    }
}

/// `1234`, `10KB`, `10KiB`, `5GiB`... (decimal units are powers of 1000, binary of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a size (e.g. 5GiB, 100MiB, 1048576)"))?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" | "k" => 1000,
        "kib" => 1 << 10,
        "mb" | "m" => 1000 * 1000,
        "mib" => 1 << 20,
        "gb" | "g" => 1000 * 1000 * 1000,
        "gib" => 1 << 30,
        "tb" | "t" => 1000 * 1000 * 1000 * 1000,
        "tib" => 1 << 40,
        other => {
            return Err(format!(
                "unknown size unit {other:?} (use B, KiB, MiB, GiB, KB, MB, GB)"
            ));
        }
    };
    number
        .checked_mul(multiplier)
        .ok_or_else(|| format!("{text:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Start-up refuses unknown `SWITCHYARD_*` variables (a typo must not be ignored), so
    /// every flag's own variable must be known: `SWITCHYARD_UPLOAD_FREE_SPACE_RESERVE` once
    /// was not, and setting it stopped the console from starting.
    #[test]
    fn every_flags_variable_is_a_known_one() {
        let command = ServeArgs::augment_args(clap::Command::new("serve"));
        let variables: Vec<String> = command
            .get_arguments()
            .filter_map(|arg| arg.get_env())
            .map(|env| env.to_string_lossy().into_owned())
            .filter(|env| env.starts_with("SWITCHYARD_"))
            .collect();
        assert!(variables.len() > 20, "{variables:?}");
        for variable in variables {
            assert!(
                KNOWN_ENV.contains(&variable.as_str()),
                "{variable} is not in KNOWN_ENV"
            );
        }
    }

    #[test]
    fn sizes_read_with_units() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("5GiB"), Ok(5 << 30));
        assert_eq!(parse_size("100 MiB"), Ok(100 << 20));
        assert_eq!(parse_size("10MB"), Ok(10_000_000));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("5 parsecs").is_err());
        assert!(parse_size("99999999999TiB").is_err());
    }
}
