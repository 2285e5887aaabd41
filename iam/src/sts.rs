//! Role assumption (STS AssumeRole semantics) and the temporary credentials
//! it issues.
//!
//! Issued credentials are recorded in a [`CredentialStore`] so they can be
//! validated later, also after a restart when the store is persistent. The
//! store keeps only SHA-256 digests of the secret access key and session
//! token, compared in constant time. Secrets come from `rand::rng()`, a
//! ChaCha CSPRNG seeded and periodically reseeded from the OS.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

use crate::access::{self, CallerContext, Identity, RoleSessionInfo, assumed_role_arn};
use crate::context::keys;
use crate::directory::Directory;
use crate::evaluate::{Decision, Evaluation, Finding};
use crate::policy::{NamedPolicy, Policy, PolicyKind};

/// Longest session a role session may start by assuming another role.
pub const CHAINED_SESSION_LIMIT: Duration = Duration::from_secs(3600);
pub const MIN_SESSION: Duration = Duration::from_secs(900);

/// What a credential store keeps about one issued set of credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSession {
    pub access_key_id: String,
    /// SHA-256 of the secret access key.
    pub secret_digest: [u8; 32],
    /// SHA-256 of the session token.
    pub token_digest: [u8; 32],
    pub role_arn: String,
    pub session_name: String,
    pub source_identity: Option<String>,
    /// The session policy JSON, if one was passed.
    pub session_policy: Option<String>,
    /// Who assumed the role (user or session ARN), for the audit trail.
    pub caller_arn: String,
    #[serde(with = "time::serde::timestamp")]
    pub issued_at: OffsetDateTime,
    #[serde(with = "time::serde::timestamp")]
    pub expires_at: OffsetDateTime,
    #[serde(with = "time::serde::timestamp::option")]
    pub mfa_authenticated_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("credential store: {0}")]
pub struct StoreError(pub String);

/// Where issued credentials live. The server supplies a persistent one.
pub trait CredentialStore: Send + Sync {
    fn put(&self, session: &StoredSession) -> Result<(), StoreError>;
    fn get(&self, access_key_id: &str) -> Result<Option<StoredSession>, StoreError>;
    fn remove(&self, access_key_id: &str) -> Result<(), StoreError>;
}

/// A shared store is a store: the console holds its store as `Arc<dyn CredentialStore>`, so the
/// implementation (a file store now, a database later) is chosen where the console is built.
impl<S: CredentialStore + ?Sized> CredentialStore for Arc<S> {
    fn put(&self, session: &StoredSession) -> Result<(), StoreError> {
        (**self).put(session)
    }
    fn get(&self, access_key_id: &str) -> Result<Option<StoredSession>, StoreError> {
        (**self).get(access_key_id)
    }
    fn remove(&self, access_key_id: &str) -> Result<(), StoreError> {
        (**self).remove(access_key_id)
    }
}

/// A store that forgets everything at exit.
#[derive(Debug, Default)]
pub struct MemoryCredentialStore {
    sessions: RwLock<HashMap<String, StoredSession>>,
}

impl MemoryCredentialStore {
    pub fn new() -> Self {
        Self::default()
    }
}

impl CredentialStore for MemoryCredentialStore {
    fn put(&self, session: &StoredSession) -> Result<(), StoreError> {
        self.sessions
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(session.access_key_id.clone(), session.clone());
        Ok(())
    }
    fn get(&self, access_key_id: &str) -> Result<Option<StoredSession>, StoreError> {
        Ok(self
            .sessions
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(access_key_id)
            .cloned())
    }
    fn remove(&self, access_key_id: &str) -> Result<(), StoreError> {
        self.sessions
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(access_key_id);
        Ok(())
    }
}

/// Temporary credentials. `Debug` never shows the secrets.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub expiration: OffsetDateTime,
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    pub assumed_role_arn: String,
    /// `AROA...:SESSION`.
    pub assumed_role_id: String,
    pub source_identity: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &"<redacted>")
            .field("expiration", &self.expiration)
            .field("assumed_role_arn", &self.assumed_role_arn)
            .finish()
    }
}

/// A successful AssumeRole: the credentials and why it was allowed (the
/// identity and trust policy statements, for the audit trail).
#[derive(Debug, Clone)]
pub struct AssumedRole {
    pub credentials: Credentials,
    pub evaluation: Evaluation,
    pub role_arn: String,
    pub account_id: String,
}

/// Who asks to assume a role.
#[derive(Debug, Clone, Copy)]
pub enum Caller<'a> {
    /// An IAM user by ARN (the console has authenticated them).
    User { arn: &'a str },
    /// A role session by its credentials (role chaining).
    Session {
        access_key_id: &'a str,
        session_token: &'a str,
    },
}

#[derive(Debug, Clone)]
pub struct AssumeRoleRequest<'a> {
    pub caller: Caller<'a>,
    pub role_arn: &'a str,
    pub session_name: &'a str,
    pub source_identity: Option<&'a str>,
    pub external_id: Option<&'a str>,
    /// `None`: the role's default session duration.
    pub duration: Option<Duration>,
    /// Session policy JSON.
    pub session_policy: Option<&'a str>,
    pub context: CallerContext,
    /// Identity policies of the user's access grants (see [`crate::grants`]), decided beside
    /// the user's own; ignored for a role session caller.
    pub granted: &'a [NamedPolicy],
    /// The credentials expire at this time at the latest (the end of the grant the switch is
    /// made under), whatever the duration.
    pub not_after: Option<OffsetDateTime>,
}

#[derive(Debug, thiserror::Error)]
pub enum AssumeRoleError {
    /// The request is malformed (session name, duration, session policy...):
    /// safe to show.
    #[error("invalid request: {0}")]
    Invalid(String),
    /// Not allowed: show the user a generic message, put `evaluation` in the
    /// audit trail.
    #[error("not authorized to perform sts:AssumeRole on {role_arn}")]
    Denied {
        role_arn: String,
        evaluation: Evaluation,
    },
    #[error(transparent)]
    Credentials(#[from] CredentialError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why credentials were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("unknown access key ID")]
    Unknown,
    #[error("invalid session token")]
    BadToken,
    #[error("the credentials expired at {0}")]
    Expired(OffsetDateTime),
    #[error("the role {0} no longer exists")]
    RoleGone(String),
    #[error("the stored session policy is invalid: {0}")]
    BadSessionPolicy(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A validated, live role session (cached per access key ID so the session
/// policy is compiled once).
#[derive(Debug)]
struct ActiveSession {
    stored: StoredSession,
    info: RoleSessionInfo,
}

/// Role assumption and credential checks against one directory.
pub struct Sts<S: CredentialStore> {
    directory: Arc<Directory>,
    store: S,
    cache: Mutex<HashMap<String, Arc<ActiveSession>>>,
}

impl<S: CredentialStore> Sts<S> {
    pub fn new(directory: Arc<Directory>, store: S) -> Self {
        Sts {
            directory,
            store,
            cache: Mutex::new(HashMap::new()),
        }
    }

    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// STS AssumeRole.
    pub fn assume_role(
        &self,
        request: &AssumeRoleRequest<'_>,
    ) -> Result<AssumedRole, AssumeRoleError> {
        check_name("session name", request.session_name, 2, 64, "")?;
        if let Some(si) = request.source_identity {
            check_name("source identity", si, 2, 64, "")?;
            if si.to_ascii_lowercase().starts_with("aws:") {
                return Err(AssumeRoleError::Invalid(
                    "source identity must not start with \"aws:\"".into(),
                ));
            }
        }
        if let Some(ext) = request.external_id {
            check_name("external ID", ext, 2, 1224, ":/")?;
        }
        let dir = &*self.directory;
        let now = request.context.now;

        // The caller, as an identity of the directory.
        let chained_session;
        let (identity, caller_source_identity, chained) = match request.caller {
            Caller::User { arn } => {
                let (account, user) = dir
                    .user_by_arn(arn)
                    .ok_or_else(|| AssumeRoleError::Invalid(format!("unknown user {arn}")))?;
                (Identity::User { account, user }, None, false)
            }
            Caller::Session {
                access_key_id,
                session_token,
            } => {
                chained_session = self.validate(access_key_id, session_token, now)?;
                let (account, role) = dir
                    .role_by_arn(&chained_session.stored.role_arn)
                    .ok_or_else(|| {
                        CredentialError::RoleGone(chained_session.stored.role_arn.clone())
                    })?;
                let si = chained_session.info.source_identity.clone();
                (
                    Identity::RoleSession {
                        account,
                        role,
                        session: &chained_session.info,
                    },
                    si,
                    true,
                )
            }
        };
        // A source identity, once set, stays for the whole chain.
        let source_identity = match (caller_source_identity, request.source_identity) {
            (Some(old), Some(new)) if old != new => {
                return Err(AssumeRoleError::Invalid(
                    "the source identity of a role session cannot be changed".into(),
                ));
            }
            (Some(old), _) => Some(old),
            (None, new) => new.map(str::to_owned),
        };

        let denied = |finding: Finding| AssumeRoleError::Denied {
            role_arn: request.role_arn.to_owned(),
            evaluation: Evaluation {
                decision: Decision::ImplicitlyDenied,
                explanation: vec![finding],
            },
        };
        let Some((role_account, role)) = dir.role_by_arn(request.role_arn) else {
            return Err(denied(Finding::note(format!(
                "no role {} in the directory",
                request.role_arn
            ))));
        };

        let max = if chained {
            CHAINED_SESSION_LIMIT.min(role.max_session_duration())
        } else {
            role.max_session_duration()
        };
        let duration = request
            .duration
            .unwrap_or(role.default_session_duration().min(max));
        if duration < MIN_SESSION || duration > max {
            return Err(AssumeRoleError::Invalid(format!(
                "duration {} s is out of range: {} to {} s{}",
                duration.as_secs(),
                MIN_SESSION.as_secs(),
                max.as_secs(),
                if chained {
                    " (role chaining is limited to one hour)"
                } else {
                    ""
                }
            )));
        }
        let session_policy = match request.session_policy {
            Some(text) => Some(
                Policy::parse(text, PolicyKind::Session, dir.limits().session_policy)
                    .map_err(|e| AssumeRoleError::Invalid(format!("session policy: {e}")))?,
            ),
            None => None,
        };

        // The decision: caller's identity policies and the role's trust policy.
        let mut context = identity.context(&request.context);
        context.insert_known(keys::ROLE_SESSION_NAME, request.session_name);
        if let Some(si) = &source_identity {
            context.insert_known(keys::STS_SOURCE_IDENTITY, si.as_str());
        }
        if let Some(ext) = request.external_id {
            context.insert_known(keys::EXTERNAL_ID, ext);
        }
        let granted = match identity {
            Identity::User { .. } => request.granted,
            Identity::RoleSession { .. } => &[],
        };
        let evaluation = access::authorize_with_grants(
            dir,
            &identity,
            granted,
            "sts:AssumeRole",
            role.arn_str(),
            context,
        );
        if !evaluation.is_allowed() {
            return Err(AssumeRoleError::Denied {
                role_arn: role.arn(),
                evaluation,
            });
        }

        // Issue.
        let access_key_id = random_key_id(TEMPORARY_KEY_PREFIX);
        let secret_access_key = random_secret_access_key();
        let session_token = random_base64(96);
        let expiration = match request.not_after {
            Some(limit) => (now + duration).min(limit),
            None => now + duration,
        };
        let mfa_authenticated_at = match identity {
            Identity::User { .. } => request.context.mfa_authenticated_at,
            Identity::RoleSession { session, .. } => session.mfa_authenticated_at,
        };
        let stored = StoredSession {
            access_key_id: access_key_id.clone(),
            secret_digest: digest(&secret_access_key),
            token_digest: digest(&session_token),
            role_arn: role.arn(),
            session_name: request.session_name.to_owned(),
            source_identity: source_identity.clone(),
            session_policy: request.session_policy.map(str::to_owned),
            caller_arn: identity.principal().describe(),
            issued_at: now,
            expires_at: expiration,
            mfa_authenticated_at,
        };
        self.store.put(&stored)?;
        let info = RoleSessionInfo::new(
            stored.session_name.clone(),
            source_identity.clone(),
            mfa_authenticated_at,
            now,
            session_policy.map(|p| NamedPolicy::new("session policy", p)),
        );
        self.lock_cache().insert(
            access_key_id.clone(),
            Arc::new(ActiveSession { stored, info }),
        );
        Ok(AssumedRole {
            credentials: Credentials {
                access_key_id,
                secret_access_key,
                session_token,
                expiration,
                assumed_role_arn: assumed_role_arn(
                    role_account.id(),
                    role.name(),
                    request.session_name,
                ),
                assumed_role_id: format!("{}:{}", role.role_id(), request.session_name),
                source_identity,
            },
            evaluation,
            role_arn: role.arn(),
            account_id: role_account.id().to_owned(),
        })
    }

    /// Decide a request made with temporary credentials: the role's
    /// permissions limited by the session policy, plus the resource policy.
    /// Unknown, mistyped or expired credentials are refused.
    pub fn authorize(
        &self,
        access_key_id: &str,
        session_token: &str,
        action: &str,
        resource: &str,
        context: &CallerContext,
    ) -> Result<Evaluation, CredentialError> {
        self.authorize_with_keys(access_key_id, session_token, action, resource, context, &[])
    }

    /// [`Sts::authorize`] for a request that also carries service-specific keys
    /// (`s3:prefix`, `s3:delimiter`...), given as `(key, value)`.
    pub fn authorize_with_keys(
        &self,
        access_key_id: &str,
        session_token: &str,
        action: &str,
        resource: &str,
        context: &CallerContext,
        request_keys: &[(&str, &str)],
    ) -> Result<Evaluation, CredentialError> {
        let session = self.validate(access_key_id, session_token, context.now)?;
        let (account, role) = self
            .directory
            .role_by_arn(&session.stored.role_arn)
            .ok_or_else(|| CredentialError::RoleGone(session.stored.role_arn.clone()))?;
        let identity = Identity::RoleSession {
            account,
            role,
            session: &session.info,
        };
        Ok(access::authorize_with_keys(
            &self.directory,
            &identity,
            action,
            resource,
            context,
            request_keys,
        ))
    }

    /// Check the secret access key of an access key ID (for callers that sign
    /// with it). Constant time.
    pub fn verify_secret(
        &self,
        access_key_id: &str,
        secret_access_key: &str,
    ) -> Result<bool, CredentialError> {
        let stored = self
            .store
            .get(access_key_id)?
            .ok_or(CredentialError::Unknown)?;
        Ok(bool::from(
            stored.secret_digest.ct_eq(&digest(secret_access_key)),
        ))
    }

    /// Forget credentials (switch back, sign-out).
    pub fn revoke(&self, access_key_id: &str) -> Result<(), StoreError> {
        self.lock_cache().remove(access_key_id);
        self.store.remove(access_key_id)
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<ActiveSession>>> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn validate(
        &self,
        access_key_id: &str,
        session_token: &str,
        now: OffsetDateTime,
    ) -> Result<Arc<ActiveSession>, CredentialError> {
        let cached = self.lock_cache().get(access_key_id).cloned();
        let session = match cached {
            Some(s) => s,
            None => {
                let stored = self
                    .store
                    .get(access_key_id)?
                    .ok_or(CredentialError::Unknown)?;
                let session_policy = match &stored.session_policy {
                    Some(text) => Some(NamedPolicy::new(
                        "session policy",
                        Policy::parse(text, PolicyKind::Session, usize::MAX)
                            .map_err(|e| CredentialError::BadSessionPolicy(e.to_string()))?,
                    )),
                    None => None,
                };
                let info = RoleSessionInfo::new(
                    stored.session_name.clone(),
                    stored.source_identity.clone(),
                    stored.mfa_authenticated_at,
                    stored.issued_at,
                    session_policy,
                );
                let s = Arc::new(ActiveSession { stored, info });
                self.lock_cache()
                    .insert(access_key_id.to_owned(), s.clone());
                s
            }
        };
        if !bool::from(session.stored.token_digest.ct_eq(&digest(session_token))) {
            return Err(CredentialError::BadToken);
        }
        if now >= session.stored.expires_at {
            self.lock_cache().remove(access_key_id);
            return Err(CredentialError::Expired(session.stored.expires_at));
        }
        Ok(session)
    }
}

fn check_name(
    what: &str,
    value: &str,
    min: usize,
    max: usize,
    extra: &str,
) -> Result<(), AssumeRoleError> {
    let len = value.chars().count();
    let ok_chars = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) || extra.contains(c));
    if len < min || len > max || !ok_chars {
        return Err(AssumeRoleError::Invalid(format!(
            "{what} must be {min} to {max} characters of letters, digits and _+=,.@-{extra}"
        )));
    }
    Ok(())
}

fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// The prefix of temporary (role) credentials' key IDs, as AWS writes them.
pub const TEMPORARY_KEY_PREFIX: &str = "ASIA";
/// The prefix of long-term (user) access key IDs, as AWS writes them.
pub const LONG_TERM_KEY_PREFIX: &str = "AKIA";

/// A new random access key ID: `prefix` and 16 characters of base32's alphabet (20 in all,
/// as AWS's).
pub fn random_key_id(prefix: &str) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let mut id = String::from(prefix);
    id.extend(
        bytes
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(*b & 31)])),
    );
    id
}

/// A new random secret access key: 40 base64 characters (30 random bytes), as AWS's.
pub fn random_secret_access_key() -> String {
    random_base64(30)
}

fn random_base64(len: usize) -> String {
    use base64::Engine as _;
    let mut bytes = vec![0u8; len];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
