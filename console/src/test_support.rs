//! Test helpers: a real `AppState` on a temporary data directory, and an in-memory session.

use std::sync::Arc;
use std::time::Duration;

use tower_sessions::{MemoryStore, Session};

use crate::audit::SqliteAuditLog;
use crate::cloud::local::LocalCloud;
use crate::rate_limit::{FailureLimiter, ThrottleWindows};
use crate::sign_in::PasswordVerifier;
use crate::state::{AppState, ConsolePolicy, SignInLimits};

/// The demo organisation with a session absolute lifetime of `absolute`.
pub async fn state(absolute: Duration) -> (AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = crate::storage::open(dir.path()).await.expect("db");
    let directory = Arc::new(iam::Directory::demo());
    let limiter = || FailureLimiter::new(5, Duration::from_secs(60));
    let cipher = crate::mfa::cipher::MfaCipher::load(None, dir.path()).expect("MFA key");
    let mfa = crate::mfa::MfaService::new(
        db.clone(),
        cipher,
        "http://localhost:3000",
        10,
        Duration::from_secs(900),
    )
    .expect("MFA service");
    let state = AppState {
        mfa: Arc::new(mfa),
        cloud: Arc::new(LocalCloud::open(Arc::clone(&directory), dir.path()).expect("cloud")),
        directory,
        audit: Arc::new(SqliteAuditLog::new(db.clone())),
        db,
        passwords: Arc::new(PasswordVerifier::new().expect("verifier")),
        sign_in_limits: Arc::new(SignInLimits {
            per_user: limiter(),
            per_client: limiter(),
            throttled: ThrottleWindows::new(Duration::from_secs(60)),
        }),
        policy: Arc::new(ConsolePolicy {
            session_absolute_lifetime: absolute,
            admin_groups: vec!["Admins".into()],
            role_session_limit: None,
            public_url: "http://localhost:3000/".into(),
            data_dir: dir.path().to_path_buf(),
            upload_free_space_reserve: 0,
        }),
    };
    (state, dir)
}

pub fn session() -> Session {
    Session::new(None, Arc::new(MemoryStore::default()), None)
}
