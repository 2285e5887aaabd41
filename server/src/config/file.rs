//! The configuration file (TOML): its keys, and reading it.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::cli::{Backend, Secret};

/// Per-role settings of the aws backend, keyed by role ARN (configuration file only).
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(deny_unknown_fields)]
pub(super) struct FileRoleSettings {
    pub(super) external_id: Option<String>,
    pub(super) mfa_serial: Option<String>,
    #[serde(default, with = "humantime_serde")]
    pub(super) session_duration: Option<Duration>,
}

/// The configuration file: the same keys as the flags.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct FileSettings {
    pub(super) data_dir: Option<PathBuf>,
    pub(super) database_url: Option<Secret>,
    pub(super) database_max_connections: Option<u32>,
    #[serde(default, with = "humantime_serde")]
    pub(super) database_statement_timeout: Option<Duration>,
    pub(super) objects_dir: Option<PathBuf>,
    pub(super) directory: Option<PathBuf>,
    pub(super) site_addr: Option<SocketAddr>,
    pub(super) site_root: Option<PathBuf>,
    pub(super) secure_cookies: Option<bool>,
    #[serde(default, with = "humantime_serde")]
    pub(super) session_idle_timeout: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    pub(super) session_absolute_lifetime: Option<Duration>,
    pub(super) sign_in_max_failures_per_user: Option<u32>,
    pub(super) sign_in_max_failures_per_client: Option<u32>,
    #[serde(default, with = "humantime_serde")]
    pub(super) sign_in_failure_window: Option<Duration>,
    pub(super) admin_groups: Option<Vec<String>>,
    pub(super) client_ip_header: Option<String>,
    pub(super) public_url: Option<String>,
    pub(super) mfa_encryption_key: Option<Secret>,
    pub(super) mfa_max_failures: Option<u32>,
    #[serde(default, with = "humantime_serde")]
    pub(super) mfa_lockout: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    pub(super) role_session_limit: Option<Duration>,
    pub(super) backend: Option<Backend>,
    pub(super) aws_region: Option<String>,
    pub(super) aws_sts_endpoint: Option<String>,
    pub(super) aws_s3_endpoint: Option<String>,
    pub(super) aws_s3_path_style: Option<bool>,
    pub(super) aws_roles: Option<BTreeMap<String, FileRoleSettings>>,
    pub(super) max_upload_size: Option<SizeSetting>,
    pub(super) upload_free_space_reserve: Option<SizeSetting>,
    #[serde(default, with = "humantime_serde")]
    pub(super) read_timeout: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    pub(super) write_timeout: Option<Duration>,
    pub(super) max_transfers: Option<u32>,
    pub(super) max_transfers_per_user: Option<u32>,
    pub(super) max_role_sessions: Option<usize>,
    #[serde(default, with = "humantime_serde")]
    pub(super) min_grant_duration: Option<Duration>,
    pub(super) notify_webhook_url: Option<String>,
    pub(super) notify_webhook_secret: Option<Secret>,
    pub(super) smtp_url: Option<Secret>,
    pub(super) notify_from: Option<String>,
}

/// A size in a file: a number of bytes, or a string with a unit.
#[derive(Deserialize, Debug)]
#[serde(untagged)]
pub(super) enum SizeSetting {
    Bytes(u64),
    Text(String),
}

/// Why the configuration file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("configuration file {path}: {message}")]
    Parse { path: String, message: String },
}

pub(super) fn read(path: &Path) -> Result<FileSettings, FileError> {
    let display = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| FileError::Read {
        path: display.clone(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| FileError::Parse {
        path: display,
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_keys_are_checked() {
        let err = toml::from_str::<FileSettings>("data_dir = 'x'\nsesion_idle_timeout = '1h'")
            .unwrap_err();
        assert!(err.to_string().contains("sesion_idle_timeout"), "{err}");
        let ok: FileSettings =
            toml::from_str("session_idle_timeout = '30m'\nadmin_groups = ['Ops']").unwrap();
        assert_eq!(ok.session_idle_timeout, Some(Duration::from_secs(1800)));
    }
}
