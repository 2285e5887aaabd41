//! The one state struct the server hands to every page, server function and handler.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use iam::Directory;
use sqlx::SqlitePool;

use crate::audit::AuditLog;
use crate::cloud::CloudBackend;
use crate::mfa::MfaService;
use crate::rate_limit::{FailureLimiter, ThrottleWindows};
use crate::session::SignedInUser;
use crate::sign_in::PasswordVerifier;
use types::identity::IdentitySummary;

/// Console rules that come from configuration.
#[derive(Clone, Debug)]
pub struct ConsolePolicy {
    /// A session ends this long after sign-in, however active it is.
    pub session_absolute_lifetime: Duration,
    /// Members of these groups (in any account) administer the console.
    pub admin_groups: Vec<String>,
    /// The console ends a held role after at most this long, even when its credentials last
    /// longer (`None`: the credentials' own expiry).
    pub role_session_limit: Option<Duration>,
    /// Where people reach the console (`https://console.example/`), for links sent to them.
    pub public_url: String,
    /// Where the database and the local object store live.
    pub data_dir: PathBuf,
    /// Uploads are refused while the data directory has less free space than this (bytes).
    pub upload_free_space_reserve: u64,
}

/// Sign-in throttles: failures per user name and per client address.
pub struct SignInLimits {
    pub per_user: FailureLimiter,
    pub per_client: FailureLimiter,
    /// Throttled attempts, audited as one counted event per window.
    pub throttled: ThrottleWindows,
}

#[derive(Clone)]
pub struct AppState {
    pub directory: Arc<Directory>,
    pub db: SqlitePool,
    pub audit: Arc<dyn AuditLog>,
    pub passwords: Arc<PasswordVerifier>,
    pub sign_in_limits: Arc<SignInLimits>,
    pub policy: Arc<ConsolePolicy>,
    /// The cloud boundary: the local IAM engine, or AWS.
    pub cloud: Arc<dyn CloudBackend>,
    pub mfa: Arc<MfaService>,
}

/// Whether a signed-in user may open the administrator pages (audit trail, link builder).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdminAccess {
    Granted,
    NotAdmin,
    /// An administrator whose session has no MFA: a stolen password alone must not open the
    /// audit trail. The demo organisation, whose passwords are public, is exempt.
    MfaNeeded,
}

impl AppState {
    pub fn admin_access(&self, user: &SignedInUser) -> AdminAccess {
        if !self.identity_summary(user).is_admin {
            AdminAccess::NotAdmin
        } else if user.mfa.is_none() && !self.directory.is_demo() {
            AdminAccess::MfaNeeded
        } else {
            AdminAccess::Granted
        }
    }

    /// What the browser may know about a signed-in user. The caller has checked that the user
    /// exists in the directory; a user missing from it still gets a summary without groups.
    pub fn identity_summary(&self, user: &SignedInUser) -> IdentitySummary {
        let account = self.directory.account(&user.account_id);
        let groups: Vec<String> = account
            .and_then(|account| account.user(&user.user_name))
            .map(|u| u.groups().to_vec())
            .unwrap_or_default();
        let is_admin = groups
            .iter()
            .any(|g| self.policy.admin_groups.iter().any(|admin| admin == g));
        IdentitySummary {
            user_name: user.user_name.clone(),
            account_id: user.account_id.clone(),
            account_alias: account.and_then(|a| a.alias()).map(str::to_string),
            groups,
            is_admin,
            role: None,
            recent_roles: Vec::new(),
        }
    }
}
