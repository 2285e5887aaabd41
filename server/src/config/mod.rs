//! One typed configuration: defaults, then a TOML file, then environment variables, then
//! command-line flags (each later source wins). Unknown keys are refused everywhere.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use app::services::aws_cloud::{AwsRoleSettings, AwsSettings};
use clap::Args;
use serde::Deserialize;

/// Environment variables the console reads. Any other `SWITCHYARD_*` variable is a mistake
/// (a typo would otherwise be ignored silently), so start-up refuses it.
const KNOWN_ENV: &[&str] = &[
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
    "SWITCHYARD_LOG",
    "SWITCHYARD_BACKEND",
    "SWITCHYARD_AWS_REGION",
    "SWITCHYARD_AWS_STS_ENDPOINT",
    "SWITCHYARD_AWS_S3_ENDPOINT",
    "SWITCHYARD_AWS_S3_PATH_STYLE",
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
    /// Where all state lives (database, keys, objects). Two instances never share one.
    #[arg(long, env = "SWITCHYARD_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
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

/// Per-role settings of the aws backend, keyed by role ARN (configuration file only).
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(deny_unknown_fields)]
struct FileRoleSettings {
    external_id: Option<String>,
    mfa_serial: Option<String>,
    #[serde(default, with = "humantime_serde")]
    session_duration: Option<Duration>,
}

/// The configuration file: the same keys as the flags.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    data_dir: Option<PathBuf>,
    directory: Option<PathBuf>,
    site_addr: Option<SocketAddr>,
    site_root: Option<PathBuf>,
    secure_cookies: Option<bool>,
    #[serde(default, with = "humantime_serde")]
    session_idle_timeout: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    session_absolute_lifetime: Option<Duration>,
    sign_in_max_failures_per_user: Option<u32>,
    sign_in_max_failures_per_client: Option<u32>,
    #[serde(default, with = "humantime_serde")]
    sign_in_failure_window: Option<Duration>,
    admin_groups: Option<Vec<String>>,
    client_ip_header: Option<String>,
    public_url: Option<String>,
    mfa_encryption_key: Option<Secret>,
    mfa_max_failures: Option<u32>,
    #[serde(default, with = "humantime_serde")]
    mfa_lockout: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    role_session_limit: Option<Duration>,
    backend: Option<Backend>,
    aws_region: Option<String>,
    aws_sts_endpoint: Option<String>,
    aws_s3_endpoint: Option<String>,
    aws_s3_path_style: Option<bool>,
    aws_roles: Option<BTreeMap<String, FileRoleSettings>>,
    max_upload_size: Option<SizeSetting>,
    upload_free_space_reserve: Option<SizeSetting>,
    #[serde(default, with = "humantime_serde")]
    read_timeout: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    write_timeout: Option<Duration>,
    max_transfers: Option<u32>,
    max_transfers_per_user: Option<u32>,
}

/// A size in a file: a number of bytes, or a string with a unit.
#[derive(Deserialize, Debug)]
#[serde(untagged)]
enum SizeSetting {
    Bytes(u64),
    Text(String),
}

/// The default upload limit: S3's limit for a single PUT.
pub const DEFAULT_MAX_UPLOAD_SIZE: u64 = 5 * 1024 * 1024 * 1024;
/// 1 GiB: room for the database, its journal and the audit trail after the last upload.
pub const DEFAULT_UPLOAD_FREE_SPACE_RESERVE: u64 = 1024 * 1024 * 1024;

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

/// The resolved configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub config_file: Option<PathBuf>,
    pub data_dir: PathBuf,
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
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("configuration file {path}: {message}")]
    Parse { path: String, message: String },
    #[error("unknown environment variable {0} (known: {known})", known = KNOWN_ENV.join(", "))]
    UnknownEnv(String),
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
}

impl Settings {
    pub fn resolve(args: ServeArgs) -> Result<Settings, ConfigError> {
        reject_unknown_env(std::env::vars().map(|(k, _)| k))?;
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileSettings::default(),
        };
        let settings = Settings {
            config_file: args.config,
            data_dir: args
                .data_dir
                .or(file.data_dir)
                .unwrap_or_else(|| PathBuf::from("data")),
            directory: args.directory.or(file.directory),
            site_addr: args
                .site_addr
                .or(file.site_addr)
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 3000))),
            site_root: args
                .site_root
                .or(file.site_root)
                .unwrap_or_else(|| PathBuf::from("target/site")),
            secure_cookies: args.secure_cookies.or(file.secure_cookies).unwrap_or(false),
            session_idle_timeout: args
                .session_idle_timeout
                .or(file.session_idle_timeout)
                .unwrap_or(Duration::from_secs(3600)),
            session_absolute_lifetime: args
                .session_absolute_lifetime
                .or(file.session_absolute_lifetime)
                .unwrap_or(Duration::from_secs(12 * 3600)),
            sign_in_max_failures_per_user: args
                .sign_in_max_failures_per_user
                .or(file.sign_in_max_failures_per_user)
                .unwrap_or(5),
            sign_in_max_failures_per_client: args
                .sign_in_max_failures_per_client
                .or(file.sign_in_max_failures_per_client)
                .unwrap_or(20),
            sign_in_failure_window: args
                .sign_in_failure_window
                .or(file.sign_in_failure_window)
                .unwrap_or(Duration::from_secs(15 * 60)),
            admin_groups: args
                .admin_groups
                .or(file.admin_groups)
                .unwrap_or_else(|| vec!["Admins".to_string()]),
            client_ip_header: args
                .client_ip_header
                .or(file.client_ip_header)
                .map(|h| h.trim().to_ascii_lowercase()),
            public_url: url::Url::parse("http://localhost/").map_err(|e| ConfigError::Invalid {
                field: "public_url",
                message: e.to_string(),
            })?,
            public_url_configured: false,
            mfa_encryption_key: args.mfa_encryption_key.or(file.mfa_encryption_key),
            mfa_max_failures: args
                .mfa_max_failures
                .or(file.mfa_max_failures)
                .unwrap_or(10),
            mfa_lockout: args
                .mfa_lockout
                .or(file.mfa_lockout)
                .unwrap_or(Duration::from_secs(15 * 60)),
            role_session_limit: args.role_session_limit.or(file.role_session_limit),
            backend: args.backend.or(file.backend).unwrap_or_default(),
            aws: AwsSettings {
                region: args
                    .aws_region
                    .or(file.aws_region)
                    .map(|r| r.trim().to_string())
                    .unwrap_or_else(|| "us-east-1".to_string()),
                sts_endpoint: args
                    .aws_sts_endpoint
                    .or(file.aws_sts_endpoint)
                    .map(|u| u.trim().to_string()),
                s3_endpoint: args
                    .aws_s3_endpoint
                    .or(file.aws_s3_endpoint)
                    .map(|u| u.trim().to_string()),
                s3_path_style: args
                    .aws_s3_path_style
                    .or(file.aws_s3_path_style)
                    .unwrap_or(false),
                roles: file
                    .aws_roles
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(arn, role)| {
                        (
                            arn,
                            AwsRoleSettings {
                                external_id: role.external_id,
                                mfa_serial: role.mfa_serial,
                                session_duration: role.session_duration,
                            },
                        )
                    })
                    .collect(),
                console_issuer: String::new(),
                role_session_limit: None,
                max_upload_size: None,
            },
            max_upload_size: match (args.max_upload_size, file.max_upload_size) {
                (Some(size), _) => size,
                (None, Some(SizeSetting::Bytes(size))) => size,
                (None, Some(SizeSetting::Text(text))) => {
                    parse_size(&text).map_err(|message| ConfigError::Invalid {
                        field: "max_upload_size",
                        message,
                    })?
                }
                (None, None) => DEFAULT_MAX_UPLOAD_SIZE,
            },
            upload_free_space_reserve: match (
                args.upload_free_space_reserve,
                file.upload_free_space_reserve,
            ) {
                (Some(size), _) => size,
                (None, Some(SizeSetting::Bytes(size))) => size,
                (None, Some(SizeSetting::Text(text))) => {
                    parse_size(&text).map_err(|message| ConfigError::Invalid {
                        field: "upload_free_space_reserve",
                        message,
                    })?
                }
                (None, None) => DEFAULT_UPLOAD_FREE_SPACE_RESERVE,
            },
            read_timeout: args
                .read_timeout
                .or(file.read_timeout)
                .unwrap_or(Duration::from_secs(120)),
            write_timeout: args
                .write_timeout
                .or(file.write_timeout)
                .unwrap_or(Duration::from_secs(60)),
            max_transfers: args.max_transfers.or(file.max_transfers).unwrap_or(64),
            max_transfers_per_user: args
                .max_transfers_per_user
                .or(file.max_transfers_per_user)
                .unwrap_or(4),
        };
        let mut settings = settings;
        let public_url = args.public_url.or(file.public_url);
        settings.public_url_configured = public_url.is_some();
        settings.public_url = match public_url {
            Some(url) => url::Url::parse(url.trim()).map_err(|e| ConfigError::Invalid {
                field: "public_url",
                message: e.to_string(),
            })?,
            None => url::Url::parse(&format!("http://localhost:{}/", settings.site_addr.port()))
                .map_err(|e| ConfigError::Invalid {
                    field: "public_url",
                    message: e.to_string(),
                })?,
        };
        settings.aws.console_issuer = settings.public_url.to_string();
        // The console's limits bind what it asks AWS for as well.
        settings.aws.role_session_limit = settings.role_session_limit;
        settings.aws.max_upload_size = Some(settings.max_upload_size);
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |field, message: &str| ConfigError::Invalid {
            field,
            message: message.to_string(),
        };
        if self.session_idle_timeout < Duration::from_secs(60) {
            return Err(invalid("session_idle_timeout", "must be at least 1 minute"));
        }
        if self.session_absolute_lifetime < self.session_idle_timeout {
            return Err(invalid(
                "session_absolute_lifetime",
                "must not be shorter than session_idle_timeout",
            ));
        }
        if self.sign_in_max_failures_per_user == 0 || self.sign_in_max_failures_per_client == 0 {
            return Err(invalid("sign_in_max_failures_per_*", "must be at least 1"));
        }
        if self.sign_in_failure_window.is_zero() {
            return Err(invalid(
                "sign_in_failure_window",
                "must be longer than zero",
            ));
        }
        if self.mfa_max_failures == 0 {
            return Err(invalid("mfa_max_failures", "must be at least 1"));
        }
        if self.mfa_lockout.is_zero() {
            return Err(invalid("mfa_lockout", "must be longer than zero"));
        }
        if self
            .role_session_limit
            .is_some_and(|limit| limit < Duration::from_secs(5))
        {
            return Err(invalid("role_session_limit", "must be at least 5 seconds"));
        }
        if self.max_upload_size == 0 {
            return Err(invalid("max_upload_size", "must be at least 1 byte"));
        }
        for (field, timeout) in [
            ("read_timeout", self.read_timeout),
            ("write_timeout", self.write_timeout),
        ] {
            if timeout < Duration::from_secs(1) {
                return Err(invalid(field, "must be at least 1 second"));
            }
        }
        if self.max_transfers == 0 || self.max_transfers_per_user == 0 {
            return Err(invalid("max_transfers*", "must be at least 1"));
        }
        match self.public_url.host() {
            Some(url::Host::Domain(_)) => {}
            _ => {
                return Err(invalid(
                    "public_url",
                    "needs a host name (browsers refuse IP addresses as WebAuthn relying party), e.g. http://localhost:3000",
                ));
            }
        }
        if !matches!(self.public_url.scheme(), "http" | "https") {
            return Err(invalid("public_url", "must be an http or https URL"));
        }
        if let Some(key) = &self.mfa_encryption_key
            && app::services::mfa::cipher::MfaCipher::from_base64(key.expose()).is_err()
        {
            return Err(invalid(
                "mfa_encryption_key",
                "must be 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`)",
            ));
        }
        self.validate_aws()?;
        if let Some(header) = &self.client_ip_header
            && http::HeaderName::from_bytes(header.as_bytes()).is_err()
        {
            return Err(invalid(
                "client_ip_header",
                "is not a valid HTTP header name",
            ));
        }
        Ok(())
    }

    fn validate_aws(&self) -> Result<(), ConfigError> {
        let invalid = |field, message: String| ConfigError::Invalid { field, message };
        let aws = &self.aws;
        if aws.region.is_empty()
            || !aws
                .region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(invalid(
                "aws_region",
                "must be a region name such as us-east-1".into(),
            ));
        }
        for (field, endpoint) in [
            ("aws_sts_endpoint", &aws.sts_endpoint),
            ("aws_s3_endpoint", &aws.s3_endpoint),
        ] {
            if let Some(endpoint) = endpoint {
                match url::Url::parse(endpoint) {
                    Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => {}
                    _ => return Err(invalid(field, "must be an http or https URL".into())),
                }
            }
        }
        for (arn, role) in &aws.roles {
            if !is_role_arn(arn) {
                return Err(invalid(
                    "aws_roles",
                    format!("{arn:?} is not a role ARN (arn:aws:iam::ACCOUNT:role/NAME)"),
                ));
            }
            if let Some(external_id) = &role.external_id
                && !(2..=1224).contains(&external_id.len())
            {
                return Err(invalid(
                    "aws_roles",
                    format!("{arn}: external_id must have 2 to 1224 characters"),
                ));
            }
            if let Some(duration) = role.session_duration
                && !(900..=43_200).contains(&duration.as_secs())
            {
                return Err(invalid(
                    "aws_roles",
                    format!("{arn}: session_duration must be between 15m and 12h"),
                ));
            }
            if let Some(serial) = &role.mfa_serial
                && !(9..=256).contains(&serial.len())
            {
                return Err(invalid(
                    "aws_roles",
                    format!("{arn}: mfa_serial must have 9 to 256 characters"),
                ));
            }
        }
        Ok(())
    }

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

/// The configuration as printed at start-up. Secrets (the MFA encryption key) are printed as
/// `<redacted>`.
impl fmt::Display for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let opt = |p: &Option<PathBuf>, none: &str| {
            p.as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| none.to_string())
        };
        writeln!(f, "configuration:")?;
        writeln!(f, "  config_file = {}", opt(&self.config_file, "(none)"))?;
        writeln!(f, "  data_dir = {}", self.data_dir.display())?;
        writeln!(
            f,
            "  directory = {}",
            opt(&self.directory, "(embedded demo organisation)")
        )?;
        writeln!(f, "  site_addr = {}", self.site_addr)?;
        writeln!(f, "  site_root = {}", self.site_root.display())?;
        writeln!(f, "  secure_cookies = {}", self.secure_cookies)?;
        writeln!(
            f,
            "  session_idle_timeout = {}",
            humantime::format_duration(self.session_idle_timeout)
        )?;
        writeln!(
            f,
            "  session_absolute_lifetime = {}",
            humantime::format_duration(self.session_absolute_lifetime)
        )?;
        writeln!(
            f,
            "  sign_in_max_failures_per_user = {}",
            self.sign_in_max_failures_per_user
        )?;
        writeln!(
            f,
            "  sign_in_max_failures_per_client = {}",
            self.sign_in_max_failures_per_client
        )?;
        writeln!(
            f,
            "  sign_in_failure_window = {}",
            humantime::format_duration(self.sign_in_failure_window)
        )?;
        writeln!(f, "  admin_groups = {}", self.admin_groups.join(","))?;
        writeln!(
            f,
            "  role_session_limit = {}",
            self.role_session_limit
                .map(|d| humantime::format_duration(d).to_string())
                .unwrap_or_else(|| "(the credentials' expiry)".to_string())
        )?;
        writeln!(
            f,
            "  client_ip_header = {}",
            self.client_ip_header
                .as_deref()
                .unwrap_or("(TCP peer address)")
        )?;
        writeln!(f, "  public_url = {}", self.public_url)?;
        writeln!(
            f,
            "  mfa_encryption_key = {}",
            if self.mfa_encryption_key.is_some() {
                "<redacted>"
            } else {
                "(generated, in data_dir/keys)"
            }
        )?;
        writeln!(f, "  mfa_max_failures = {}", self.mfa_max_failures)?;
        writeln!(
            f,
            "  mfa_lockout = {}",
            humantime::format_duration(self.mfa_lockout)
        )?;
        match self.backend {
            Backend::Local => writeln!(f, "  backend = local")?,
            Backend::Aws => {
                let aws = &self.aws;
                let endpoint = |e: &Option<String>| e.clone().unwrap_or_else(|| "(AWS)".into());
                writeln!(f, "  backend = aws")?;
                writeln!(f, "  aws_region = {}", aws.region)?;
                writeln!(f, "  aws_sts_endpoint = {}", endpoint(&aws.sts_endpoint))?;
                writeln!(f, "  aws_s3_endpoint = {}", endpoint(&aws.s3_endpoint))?;
                writeln!(f, "  aws_s3_path_style = {}", aws.s3_path_style)?;
                for (arn, role) in &aws.roles {
                    writeln!(
                        f,
                        "  aws_roles.{arn}: external_id {}, mfa_serial {}",
                        if role.external_id.is_some() {
                            "set"
                        } else {
                            "none"
                        },
                        role.mfa_serial.as_deref().unwrap_or("none")
                    )?;
                }
            }
        }
        writeln!(f, "  max_upload_size = {} bytes", self.max_upload_size)?;
        writeln!(
            f,
            "  upload_free_space_reserve = {} bytes",
            self.upload_free_space_reserve
        )?;
        writeln!(
            f,
            "  read_timeout = {}",
            humantime::format_duration(self.read_timeout)
        )?;
        writeln!(
            f,
            "  write_timeout = {}",
            humantime::format_duration(self.write_timeout)
        )?;
        writeln!(f, "  max_transfers = {}", self.max_transfers)?;
        write!(
            f,
            "  max_transfers_per_user = {}",
            self.max_transfers_per_user
        )
    }
}

/// `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME`.
fn is_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", partition, "iam", "", account, resource]
        if !partition.is_empty()
            && account.len() == 12
            && account.bytes().all(|b| b.is_ascii_digit())
            && resource.strip_prefix("role/").is_some_and(|name| !name.is_empty()))
}

fn read_file(path: &Path) -> Result<FileSettings, ConfigError> {
    let display = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: display.clone(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: display,
        message: e.to_string(),
    })
}

fn reject_unknown_env(names: impl Iterator<Item = String>) -> Result<(), ConfigError> {
    for name in names {
        if name.starts_with("SWITCHYARD_") && !KNOWN_ENV.contains(&name.as_str()) {
            return Err(ConfigError::UnknownEnv(name));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn file_keys_are_checked() {
        let err = toml::from_str::<FileSettings>("data_dir = 'x'\nsesion_idle_timeout = '1h'")
            .unwrap_err();
        assert!(err.to_string().contains("sesion_idle_timeout"), "{err}");
        let ok: FileSettings =
            toml::from_str("session_idle_timeout = '30m'\nadmin_groups = ['Ops']").unwrap();
        assert_eq!(ok.session_idle_timeout, Some(Duration::from_secs(1800)));
    }

    #[test]
    fn unknown_switchyard_variables_are_refused() {
        let names = ["PATH", "SWITCHYARD_DATA_DIR", "SWITCHYARD_DATADIR"].map(String::from);
        let err = reject_unknown_env(names.into_iter()).unwrap_err();
        assert!(err.to_string().contains("SWITCHYARD_DATADIR"));
    }

    #[test]
    fn flags_win_over_the_file_and_defaults_fill_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("switchyard.toml");
        std::fs::write(
            &file,
            "data_dir = 'from-file'\nsession_idle_timeout = '20m'\n",
        )
        .unwrap();
        let args = ServeArgs {
            config: Some(file),
            data_dir: Some(PathBuf::from("from-flag")),
            ..Default::default()
        };
        let settings = Settings::resolve(args).unwrap();
        assert_eq!(settings.data_dir, PathBuf::from("from-flag"));
        assert_eq!(settings.session_idle_timeout, Duration::from_secs(1200));
        assert_eq!(
            settings.session_absolute_lifetime,
            Duration::from_secs(12 * 3600)
        );
        assert_eq!(settings.session_cookie_name(), "switchyard-session");
    }

    #[test]
    fn mfa_settings_default_and_the_key_is_redacted() {
        let key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
        let args = ServeArgs {
            site_addr: Some(SocketAddr::from(([127, 0, 0, 1], 4321))),
            mfa_encryption_key: Some(key.into()),
            ..Default::default()
        };
        let settings = Settings::resolve(args).unwrap();
        assert_eq!(settings.public_url.as_str(), "http://localhost:4321/");
        assert_eq!(settings.mfa_max_failures, 10);
        assert_eq!(settings.mfa_lockout, Duration::from_secs(900));
        assert_eq!(settings.max_upload_size, 5 * 1024 * 1024 * 1024);
        let printed = settings.to_string();
        assert!(!printed.contains(key), "{printed}");
        assert!(printed.contains("mfa_encryption_key = <redacted>"));

        for (args, field) in [
            (
                ServeArgs {
                    public_url: Some("http://127.0.0.1:3000".into()),
                    ..Default::default()
                },
                "public_url",
            ),
            (
                ServeArgs {
                    mfa_encryption_key: Some("short".into()),
                    ..Default::default()
                },
                "mfa_encryption_key",
            ),
        ] {
            let err = Settings::resolve(args).unwrap_err();
            assert!(err.to_string().starts_with(field), "{err}");
        }
    }

    #[test]
    fn the_aws_backend_reads_its_settings_and_per_role_table() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("switchyard.toml");
        std::fs::write(
            &file,
            r#"
backend = "aws"
aws_region = "eu-west-1"
aws_s3_endpoint = "http://127.0.0.1:5000"
aws_s3_path_style = true

[aws_roles."arn:aws:iam::123456789012:role/UpdateAPP"]
external_id = "story-external-id"
mfa_serial = "arn:aws:iam::111122223333:mfa/switchyard"
session_duration = "30m"
"#,
        )
        .unwrap();
        let args = ServeArgs {
            config: Some(file.clone()),
            aws_sts_endpoint: Some("http://127.0.0.1:5000".into()),
            ..Default::default()
        };
        let settings = Settings::resolve(args).unwrap();
        assert_eq!(settings.backend, Backend::Aws);
        assert_eq!(settings.aws.region, "eu-west-1");
        assert_eq!(
            settings.aws.sts_endpoint.as_deref(),
            Some("http://127.0.0.1:5000")
        );
        assert!(settings.aws.s3_path_style);
        let role = &settings.aws.roles["arn:aws:iam::123456789012:role/UpdateAPP"];
        assert_eq!(role.external_id.as_deref(), Some("story-external-id"));
        assert_eq!(role.session_duration, Some(Duration::from_secs(1800)));
        let printed = settings.to_string();
        assert!(printed.contains("backend = aws"), "{printed}");
        assert!(!printed.contains("story-external-id"), "{printed}");

        std::fs::write(
            &file,
            "backend = 'aws'\n[aws_roles.'arn:aws:iam::123456789012:role/X']\nexternal_ids = 'x'\n",
        )
        .unwrap();
        let args = ServeArgs {
            config: Some(file.clone()),
            ..Default::default()
        };
        assert!(Settings::resolve(args).is_err(), "unknown per-role key");
        std::fs::write(&file, "[aws_roles.'arn:aws:iam::1234:role/X']\n").unwrap();
        let args = ServeArgs {
            config: Some(file),
            ..Default::default()
        };
        let err = Settings::resolve(args).unwrap_err();
        assert!(err.to_string().starts_with("aws_roles"), "{err}");
        let args = ServeArgs {
            aws_s3_endpoint: Some("ftp://x".into()),
            ..Default::default()
        };
        let err = Settings::resolve(args).unwrap_err();
        assert!(err.to_string().starts_with("aws_s3_endpoint"), "{err}");
    }

    #[test]
    fn nonsense_values_are_refused() {
        let args = ServeArgs {
            session_idle_timeout: Some(Duration::from_secs(2)),
            ..Default::default()
        };
        let err = Settings::resolve(args).unwrap_err();
        assert!(err.to_string().starts_with("session_idle_timeout"), "{err}");
    }
}
