//! Test helpers: a real `AppState` on a temporary data directory, an in-memory session, and
//! fresh databases of both kinds for the storage contract tests.

use std::sync::Arc;
use std::time::Duration;

use tower_sessions_core::Session;
use tower_sessions_memory_store::MemoryStore;

use crate::cloud::local::LocalCloud;
use crate::state::{AppState, ConsoleParts, ConsolePolicy, FailureLimits};
use crate::storage::{DatabaseSettings, Storage};

/// The PostgreSQL server the tests use (`scripts/test.sh` starts a throwaway one).
pub const TEST_DATABASE_URL: &str = "SWITCHYARD_TEST_DATABASE_URL";

/// One fresh, migrated database; its files (SQLite) live as long as it does.
pub struct TestDb {
    /// "SQLite" or "PostgreSQL", for assertion messages.
    pub name: &'static str,
    pub storage: Storage,
    _dir: tempfile::TempDir,
}

/// A fresh database of each kind the tests can reach: SQLite always, and PostgreSQL (a new
/// database on the server of `SWITCHYARD_TEST_DATABASE_URL`) when that is set. Every storage
/// contract test runs its body once per database.
pub async fn databases() -> Vec<TestDb> {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut all = vec![TestDb {
        name: "SQLite",
        storage: Storage::open_sqlite(dir.path()).await.expect("SQLite"),
        _dir: dir,
    }];
    if let Some(url) = fresh_postgres_database().await {
        let dir = tempfile::tempdir().expect("temp dir");
        let settings = DatabaseSettings {
            url: Some(url),
            ..DatabaseSettings::sqlite(dir.path())
        };
        all.push(TestDb {
            name: "PostgreSQL",
            storage: Storage::open(&settings).await.expect("PostgreSQL"),
            _dir: dir,
        });
    } else {
        eprintln!("{TEST_DATABASE_URL} is not set: PostgreSQL is left out of this test");
    }
    all
}

/// A store built by `make` on each of [`databases`], with the database it lives in.
pub async fn on_each_database<T>(make: impl Fn(&Storage) -> T) -> Vec<(TestDb, T)> {
    databases()
        .await
        .into_iter()
        .map(|db| {
            let store = make(&db.storage);
            (db, store)
        })
        .collect()
}

/// The URL of a new, empty database on the test PostgreSQL server, or `None` when no server
/// is configured.
pub async fn fresh_postgres_database() -> Option<String> {
    use sqlx::Connection as _;
    let url = std::env::var(TEST_DATABASE_URL)
        .ok()
        .filter(|u| !u.is_empty())?;
    let name = format!("test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&url)
        .await
        .expect("the test PostgreSQL answers");
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut admin)
        .await
        .expect("create a test database");
    let server = url.split('?').next().unwrap_or(&url);
    let base = server.rsplit_once('/').map_or(server, |(base, _)| base);
    Some(format!("{base}/{name}"))
}

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
                free_space_dir: dir.path().to_path_buf(),
                upload_free_space_reserve: 0,
                max_role_sessions: types::role_sessions::DEFAULT_MAX_ROLE_SESSIONS,
                min_grant_duration: crate::access_requests::DEFAULT_MIN_GRANT_DURATION,
            },
            notifier: crate::notify::Notifier::disabled(),
        },
    )
    .expect("state");
    (state, dir)
}

pub fn session() -> Session {
    Session::new(None, Arc::new(MemoryStore::default()), None)
}
