//! Turning the flags, the file and the defaults into [`Settings`], and refusing what makes no
//! sense.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::cli::{KNOWN_ENV, ServeArgs, parse_size};
use super::file::{self, FileError, FileSettings, SizeSetting};
use super::{AwsRoleSettings, AwsSettings, Settings};

/// The default upload limit: S3's limit for a single PUT.
pub const DEFAULT_MAX_UPLOAD_SIZE: u64 = 5 * 1024 * 1024 * 1024;
/// 1 GiB: room for the database, its journal and the audit trail after the last upload.
pub const DEFAULT_UPLOAD_FREE_SPACE_RESERVE: u64 = 1024 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The configuration file cannot be read or parsed.
    #[error(transparent)]
    File(#[from] FileError),
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
            Some(path) => file::read(path)?,
            None => FileSettings::default(),
        };
        let settings = Settings {
            config_file: args.config,
            data_dir: args
                .data_dir
                .or(file.data_dir)
                .unwrap_or_else(|| PathBuf::from("data")),
            database_url: args.database_url.or(file.database_url),
            database_max_connections: args
                .database_max_connections
                .or(file.database_max_connections)
                .unwrap_or(console::storage::DEFAULT_MAX_CONNECTIONS),
            database_statement_timeout: args
                .database_statement_timeout
                .or(file.database_statement_timeout)
                .unwrap_or(console::storage::DEFAULT_STATEMENT_TIMEOUT),
            // Resolved below, from data_dir.
            objects_dir: args.objects_dir.or(file.objects_dir).unwrap_or_default(),
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
            max_role_sessions: args
                .max_role_sessions
                .or(file.max_role_sessions)
                .unwrap_or(types::role_sessions::DEFAULT_MAX_ROLE_SESSIONS),
            min_grant_duration: args
                .min_grant_duration
                .or(file.min_grant_duration)
                .unwrap_or(console::access_requests::DEFAULT_MIN_GRANT_DURATION),
            notify: console::notify::NotifySettings {
                webhook_url: args
                    .notify_webhook_url
                    .or(file.notify_webhook_url)
                    .map(|u| u.trim().to_string())
                    .filter(|u| !u.is_empty()),
                webhook_secret: args
                    .notify_webhook_secret
                    .or(file.notify_webhook_secret)
                    .map(|s| s.expose().to_string()),
                smtp_url: args
                    .smtp_url
                    .or(file.smtp_url)
                    .map(|s| s.expose().trim().to_string())
                    .filter(|u| !u.is_empty()),
                from: args.notify_from.or(file.notify_from),
                retry_after: Duration::from_secs(2),
            },
        };
        let mut settings = settings;
        if settings.objects_dir.as_os_str().is_empty() {
            settings.objects_dir = settings.data_dir.join("objects");
        }
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
        if let Some(url) = &self.database_url
            && !console::storage::is_postgres_url(url.expose())
        {
            return Err(invalid(
                "database_url",
                "must be a PostgreSQL URL: postgres://user:password@host:port/database",
            ));
        }
        if self.database_max_connections == 0 {
            return Err(invalid("database_max_connections", "must be at least 1"));
        }
        if self.database_statement_timeout < Duration::from_millis(100) {
            return Err(invalid(
                "database_statement_timeout",
                "must be at least 100ms",
            ));
        }
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
        if !(Duration::from_secs(5)..=console::access_requests::DEFAULT_MIN_GRANT_DURATION)
            .contains(&self.min_grant_duration)
        {
            return Err(invalid(
                "min_grant_duration",
                "must be between 5 seconds and 15 minutes",
            ));
        }
        if let Err(e) = console::notify::Notifier::new(self.notify.clone()) {
            return Err(ConfigError::Invalid {
                field: match e {
                    console::notify::NotifyError::Webhook(_) => "notify_webhook_url",
                    console::notify::NotifyError::Smtp(_) => "smtp_url",
                    console::notify::NotifyError::From(_) => "notify_from",
                },
                message: e.to_string(),
            });
        }
        if !types::role_sessions::MAX_ROLE_SESSIONS_RANGE.contains(&self.max_role_sessions) {
            return Err(invalid("max_role_sessions", "must be between 1 and 10"));
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
            && console::mfa::cipher::MfaCipher::from_base64(key.expose()).is_err()
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

/// Variables of the project's test and benchmark scripts (`SWITCHYARD_TEST_DATABASE_URL`,
/// `SWITCHYARD_BENCH_BINARY`): set in the shell that starts a server, never read by it.
const SCRIPT_ENV_PREFIXES: &[&str] = &["SWITCHYARD_TEST_", "SWITCHYARD_BENCH_"];

fn reject_unknown_env(names: impl Iterator<Item = String>) -> Result<(), ConfigError> {
    for name in names {
        let scripts = SCRIPT_ENV_PREFIXES.iter().any(|p| name.starts_with(p));
        if name.starts_with("SWITCHYARD_") && !scripts && !KNOWN_ENV.contains(&name.as_str()) {
            return Err(ConfigError::UnknownEnv(name));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::cli::Backend;

    #[test]
    fn unknown_switchyard_variables_are_refused() {
        let names = ["PATH", "SWITCHYARD_DATA_DIR", "SWITCHYARD_DATADIR"].map(String::from);
        let err = reject_unknown_env(names.into_iter()).unwrap_err();
        assert!(err.to_string().contains("SWITCHYARD_DATADIR"));
        let scripts = ["SWITCHYARD_TEST_DATABASE_URL", "SWITCHYARD_BENCH_BINARY"].map(String::from);
        assert!(reject_unknown_env(scripts.into_iter()).is_ok());
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
    fn mfa_settings_default_and_bad_ones_are_refused() {
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
