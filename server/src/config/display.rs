//! How the resolved settings are printed at start-up.

use std::fmt;
use std::path::PathBuf;

use super::Settings;
use super::cli::Backend;

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
        match &self.database_url {
            Some(url) => {
                writeln!(f, "  database_url = {}", without_password(url.expose()))?;
                writeln!(
                    f,
                    "  database_max_connections = {}",
                    self.database_max_connections
                )?;
                writeln!(
                    f,
                    "  database_statement_timeout = {}",
                    humantime::format_duration(self.database_statement_timeout)
                )?;
            }
            None => writeln!(f, "  database_url = (embedded SQLite in data_dir)")?,
        }
        writeln!(f, "  objects_dir = {}", self.objects_dir.display())?;
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
        writeln!(
            f,
            "  max_transfers_per_user = {}",
            self.max_transfers_per_user
        )?;
        writeln!(f, "  max_role_sessions = {}", self.max_role_sessions)?;
        writeln!(
            f,
            "  min_grant_duration = {}",
            humantime::format_duration(self.min_grant_duration)
        )?;
        let set = |on: bool| if on { "<redacted>" } else { "(none)" };
        writeln!(
            f,
            "  notify_webhook_url = {}",
            self.notify.webhook_url.as_deref().unwrap_or("(none)")
        )?;
        writeln!(
            f,
            "  notify_webhook_secret = {}",
            set(self.notify.webhook_secret.is_some())
        )?;
        writeln!(f, "  smtp_url = {}", set(self.notify.smtp_url.is_some()))?;
        write!(
            f,
            "  notify_from = {}",
            self.notify.from.as_deref().unwrap_or("(none)")
        )
    }
}

/// A database URL as it may be printed: the password replaced.
fn without_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("<redacted>"));
            }
            parsed.to_string()
        }
        Err(_) => "<unparsable URL, redacted>".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AwsRoleSettings, ServeArgs};

    #[test]
    fn the_database_password_is_redacted() {
        let args = ServeArgs {
            database_url: Some("postgres://console:hunter2@db.internal:5432/switchyard".into()),
            ..Default::default()
        };
        let printed = Settings::resolve(args).unwrap().to_string();
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(
            printed.contains(
                "database_url = postgres://console:%3Credacted%3E@db.internal:5432/switchyard"
            ) || printed.contains(
                "database_url = postgres://console:<redacted>@db.internal:5432/switchyard"
            ),
            "{printed}"
        );
    }

    #[test]
    fn the_mfa_encryption_key_is_redacted() {
        let key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
        let args = ServeArgs {
            mfa_encryption_key: Some(key.into()),
            ..Default::default()
        };
        let printed = Settings::resolve(args).unwrap().to_string();
        assert!(!printed.contains(key), "{printed}");
        assert!(printed.contains("mfa_encryption_key = <redacted>"));
    }

    #[test]
    fn the_aws_backend_is_printed_without_external_ids() {
        let mut settings = Settings::resolve(ServeArgs::default()).unwrap();
        settings.backend = Backend::Aws;
        settings.aws.roles.insert(
            "arn:aws:iam::123456789012:role/UpdateAPP".into(),
            AwsRoleSettings {
                external_id: Some("story-external-id".into()),
                mfa_serial: None,
                session_duration: None,
            },
        );
        let printed = settings.to_string();
        assert!(printed.contains("backend = aws"), "{printed}");
        assert!(!printed.contains("story-external-id"), "{printed}");
    }
}
