//! Test helpers: a real `AppState` on a temporary data directory, and an in-memory session.

use std::sync::Arc;
use std::time::Duration;

use tower_sessions_core::Session;
use tower_sessions_memory_store::MemoryStore;

use crate::cloud::local::LocalCloud;
use crate::state::{AppState, ConsoleParts, ConsolePolicy, FailureLimits};
use crate::storage::Storage;

/// The demo organisation with a session absolute lifetime of `absolute`.
pub async fn state(absolute: Duration) -> (AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let storage = Storage::open_sqlite(dir.path()).await.expect("db");
    let directory = Arc::new(iam::Directory::demo());
    let state = AppState::build(
        storage,
        ConsoleParts {
            cloud: Arc::new(LocalCloud::open(Arc::clone(&directory), dir.path()).expect("cloud")),
            directory,
            mfa_cipher: crate::mfa::cipher::MfaCipher::load(None, dir.path()).expect("MFA key"),
            limits: FailureLimits {
                sign_in_max_failures_per_user: 5,
                sign_in_max_failures_per_client: 5,
                sign_in_failure_window: Duration::from_secs(60),
                mfa_max_failures: 10,
                mfa_lockout: Duration::from_secs(900),
            },
            policy: ConsolePolicy {
                session_absolute_lifetime: absolute,
                admin_groups: vec!["Admins".into()],
                role_session_limit: None,
                public_url: "http://localhost:3000/".into(),
                data_dir: dir.path().to_path_buf(),
                upload_free_space_reserve: 0,
            },
        },
    )
    .expect("state");
    (state, dir)
}

pub fn session() -> Session {
    Session::new(None, Arc::new(MemoryStore::default()), None)
}
