//! The one state struct the server hands to every page, server function and handler, and the
//! one place it is built: the binary and the tests both go through [`AppState::build`], so
//! every store is a trait object and the SQL stores are wired in [`Stores::sql`] alone.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use iam::Directory;

use crate::access_keys::{AccessKeyStore, SqlAccessKeys};
use crate::access_requests::{AccessRequestStore, SqlAccessRequests};
use crate::audit::{AuditLog, SqlAuditLog};
use crate::cloud::CloudBackend;
use crate::favourites::{FavouriteRoleStore, SqlFavouriteRoles};
use crate::mfa::cipher::MfaCipher;
use crate::mfa::service::MfaService;
use crate::mfa::store::{MfaStore, SqlMfaStore};
use crate::notify::Notifier;
use crate::rate_limit::sql::SqlFailureCounters;
use crate::rate_limit::{FailureCounters, ThrottleWindows};
use crate::role_history::{RoleHistoryError, RoleHistoryStore, SqlRoleHistory};
use crate::session::user::SignedInUser;
use crate::sign_in::password::PasswordVerifier;
use crate::storage::Storage;
use types::identity::IdentitySummary;
use types::role_history::RoleHistoryEntry;

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
    /// The directory whose file system uploads fill: the local backend's objects directory
    /// (else the data directory, where the SQLite database lives).
    pub free_space_dir: PathBuf,
    /// Uploads are refused while `free_space_dir` has less free space than this (bytes).
    pub upload_free_space_reserve: u64,
    /// How many role sessions one sign-in may hold at once.
    pub max_role_sessions: usize,
    /// The shortest access grant a request may ask for (15 minutes; lower only in tests).
    pub min_grant_duration: Duration,
}

/// Failure limits that come from configuration.
#[derive(Clone, Debug)]
pub struct FailureLimits {
    pub sign_in_max_failures_per_user: u32,
    pub sign_in_max_failures_per_client: u32,
    /// The sliding window of both sign-in counters, and of the throttled-attempt counts.
    pub sign_in_failure_window: Duration,
    pub mfa_max_failures: u32,
    pub mfa_lockout: Duration,
}

/// Sign-in throttles: failures per user name and per client address.
pub struct SignInLimits {
    pub per_user: Arc<dyn FailureCounters>,
    pub per_client: Arc<dyn FailureCounters>,
    /// Throttled attempts, audited as one counted event per window.
    pub throttled: ThrottleWindows,
}

#[derive(Clone)]
pub struct AppState {
    pub directory: Arc<Directory>,
    /// The database: the health check and the session store.
    pub storage: Storage,
    pub audit: Arc<dyn AuditLog>,
    pub role_history: Arc<dyn RoleHistoryStore>,
    pub favourites: Arc<dyn FavouriteRoleStore>,
    pub access_requests: Arc<dyn AccessRequestStore>,
    /// Users' access keys for the AWS API endpoints.
    pub access_keys: Arc<dyn AccessKeyStore>,
    /// Notifications of access-request events (webhook, e-mail).
    pub notifier: Arc<Notifier>,
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

/// What the console is built from besides its stores.
pub struct ConsoleParts {
    pub directory: Arc<Directory>,
    /// The cloud boundary, chosen by configuration (local or AWS) before the console is built.
    pub cloud: Arc<dyn CloudBackend>,
    pub policy: ConsolePolicy,
    pub limits: FailureLimits,
    pub mfa_cipher: MfaCipher,
    pub notifier: Notifier,
}

/// Every store the console keeps, as trait objects.
pub struct Stores {
    pub audit: Arc<dyn AuditLog>,
    pub mfa: Arc<dyn MfaStore>,
    pub role_history: Arc<dyn RoleHistoryStore>,
    pub favourites: Arc<dyn FavouriteRoleStore>,
    pub access_requests: Arc<dyn AccessRequestStore>,
    pub access_keys: Arc<dyn AccessKeyStore>,
    pub sign_in_per_user: Arc<dyn FailureCounters>,
    pub sign_in_per_client: Arc<dyn FailureCounters>,
    pub mfa_failures: Arc<dyn FailureCounters>,
}

impl Stores {
    /// Every store in `storage`'s database (SQLite or PostgreSQL), the failure counters
    /// included: instances sharing a database share their lock-outs.
    pub fn sql(storage: &Storage, limits: &FailureLimits) -> Stores {
        let db = storage.db();
        let counters = |counter, max, window| -> Arc<dyn FailureCounters> {
            Arc::new(SqlFailureCounters::new(db.clone(), counter, max, window))
        };
        Stores {
            audit: Arc::new(SqlAuditLog::new(db.clone())),
            mfa: Arc::new(SqlMfaStore::new(db.clone())),
            role_history: Arc::new(SqlRoleHistory::new(db.clone())),
            favourites: Arc::new(SqlFavouriteRoles::new(db.clone())),
            access_requests: Arc::new(SqlAccessRequests::new(db.clone())),
            access_keys: Arc::new(SqlAccessKeys::new(db.clone())),
            sign_in_per_user: counters(
                "sign-in-user",
                limits.sign_in_max_failures_per_user,
                limits.sign_in_failure_window,
            ),
            sign_in_per_client: counters(
                "sign-in-client",
                limits.sign_in_max_failures_per_client,
                limits.sign_in_failure_window,
            ),
            mfa_failures: counters("mfa", limits.mfa_max_failures, limits.mfa_lockout),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("password verifier: {0}")]
    Passwords(String),
    #[error("MFA: {0}")]
    Mfa(String),
}

impl AppState {
    /// The console on `storage`: what the binary and the tests run.
    pub fn build(storage: Storage, parts: ConsoleParts) -> Result<AppState, StateError> {
        let stores = Stores::sql(&storage, &parts.limits);
        Self::with_stores(storage, stores, parts)
    }

    /// The console over any stores.
    pub fn with_stores(
        storage: Storage,
        stores: Stores,
        parts: ConsoleParts,
    ) -> Result<AppState, StateError> {
        let mfa = MfaService::new(
            stores.mfa,
            parts.mfa_cipher,
            &parts.policy.public_url,
            stores.mfa_failures,
        )
        .map_err(StateError::Mfa)?;
        Ok(AppState {
            directory: parts.directory,
            storage,
            audit: stores.audit,
            role_history: stores.role_history,
            favourites: stores.favourites,
            access_requests: stores.access_requests,
            access_keys: stores.access_keys,
            notifier: Arc::new(parts.notifier),
            passwords: Arc::new(PasswordVerifier::new().map_err(StateError::Passwords)?),
            sign_in_limits: Arc::new(SignInLimits {
                per_user: stores.sign_in_per_user,
                per_client: stores.sign_in_per_client,
                throttled: ThrottleWindows::new(parts.limits.sign_in_failure_window),
            }),
            policy: Arc::new(parts.policy),
            cloud: parts.cloud,
            mfa: Arc::new(mfa),
        })
    }

    /// The user's roles, newest first, with account aliases from the directory (aliases can
    /// change, so they are not stored).
    pub async fn recent_roles(
        &self,
        user_arn: &str,
        limit: usize,
    ) -> Result<Vec<RoleHistoryEntry>, RoleHistoryError> {
        let mut roles = self.role_history.list(user_arn, limit).await?;
        for role in &mut roles {
            role.account_alias = self
                .directory
                .account(&role.account_id)
                .and_then(|a| a.alias())
                .map(str::to_string);
        }
        Ok(roles)
    }

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
            role_sessions: Vec::new(),
            max_role_sessions: self.policy.max_role_sessions,
            ended_tab: None,
            favourite_roles: Vec::new(),
            recent_roles: Vec::new(),
            pending_access_requests: None,
        }
    }
}
