//! Where the console keeps its state: the embedded SQLite database under the data directory
//! (the default), or a PostgreSQL database that several instances share.
//!
//! [`Storage`] owns the connection pool so that nothing outside this module and the SQL
//! store implementations holds one: the health check asks the storage, and the session layer
//! and the stores are handed what they need from it.

pub mod db;
pub mod key_check;
pub mod sessions;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub use db::{Db, Dialect};

use crate::on_db;
use sessions::ConsoleSessionStore;

pub const DATABASE_FILE: &str = "switchyard.db";

/// Connections of the SQLite pool (one file, one writer at a time: more would only wait).
const SQLITE_CONNECTIONS: u32 = 8;

/// How long a request waits for a free connection before it is told the console is
/// temporarily unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot open the database {path}: {source}")]
    Open { path: String, source: sqlx::Error },
    #[error("database_url is not a PostgreSQL URL (postgres://user:password@host:port/database)")]
    BadUrl,
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the database does not answer: {0}")]
    Unavailable(sqlx::Error),
    #[error(
        "the MFA encryption key does not match the one this database was first used with: \
         every instance sharing a database needs the same mfa_encryption_key"
    )]
    KeyMismatch,
}

/// `database_max_connections` when not configured.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 10;
/// `database_statement_timeout` when not configured.
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether `url` names a PostgreSQL database (the only kind `database_url` takes).
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Which database, and how to use it.
#[derive(Clone, Debug)]
pub struct DatabaseSettings {
    /// `postgres://…`: every piece of state in that PostgreSQL database. `None`: the
    /// embedded SQLite file under `data_dir`.
    pub url: Option<String>,
    pub data_dir: PathBuf,
    /// The PostgreSQL pool's bound.
    pub max_connections: u32,
    /// PostgreSQL cancels any statement running longer than this.
    pub statement_timeout: Duration,
}

impl DatabaseSettings {
    /// The embedded SQLite database under `data_dir`.
    pub fn sqlite(data_dir: &Path) -> Self {
        DatabaseSettings {
            url: None,
            data_dir: data_dir.to_path_buf(),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            statement_timeout: DEFAULT_STATEMENT_TIMEOUT,
        }
    }
}

/// The console's database, opened and migrated.
#[derive(Clone, Debug)]
pub struct Storage {
    db: Db,
}

impl Storage {
    /// Opens the configured database and brings its schema up to date.
    pub async fn open(settings: &DatabaseSettings) -> Result<Self, DbError> {
        let db = match &settings.url {
            None => Db::Sqlite(open(&settings.data_dir).await?),
            Some(url) => Db::Postgres(open_postgres(url, settings).await?),
        };
        let storage = Storage { db };
        storage
            .session_store()
            .migrate()
            .await
            .map_err(|source| DbError::Open {
                path: storage.describe(),
                source,
            })?;
        Ok(storage)
    }

    /// Opens (creating if needed) `DATA_DIR/switchyard.db`, schema up to date.
    pub async fn open_sqlite(data_dir: &Path) -> Result<Self, DbError> {
        Self::open(&DatabaseSettings::sqlite(data_dir)).await
    }

    /// Whether the database answers (the health check).
    pub async fn health(&self) -> Result<(), DbError> {
        on_db!(&self.db, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))
            .map_err(DbError::Unavailable)
    }

    /// The session store, in the same database.
    pub fn session_store(&self) -> ConsoleSessionStore {
        ConsoleSessionStore::new(self.db.clone())
    }

    /// The database, for the SQL store implementations (wired in `state::Stores::sql`).
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Which database this is, for logs (never the password).
    pub fn describe(&self) -> String {
        match &self.db {
            Db::Sqlite(_) => "the embedded SQLite database".to_string(),
            Db::Postgres(pool) => describe_postgres(&pool.connect_options()),
        }
    }
}

/// Opens (creating if needed) `DATA_DIR/switchyard.db` and brings its schema up to date.
pub async fn open(data_dir: &Path) -> Result<sqlx::SqlitePool, DbError> {
    let path = data_dir.join(DATABASE_FILE);
    let display = path.display().to_string();
    let options = SqliteConnectOptions::from_str("sqlite:")
        .map_err(|source| DbError::Open {
            path: display.clone(),
            source,
        })?
        .filename(&path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(SQLITE_CONNECTIONS)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(|source| DbError::Open {
            path: display,
            source,
        })?;
    sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
    Ok(pool)
}

/// Connects to PostgreSQL and brings its schema up to date. sqlx's migrator holds a
/// PostgreSQL advisory lock while it runs, so two instances starting at once migrate one
/// after the other, and the second finds nothing left to do.
async fn open_postgres(url: &str, settings: &DatabaseSettings) -> Result<sqlx::PgPool, DbError> {
    if !is_postgres_url(url) {
        return Err(DbError::BadUrl);
    }
    let timeout_ms = settings.statement_timeout.as_millis().max(1).to_string();
    let options = PgConnectOptions::from_str(url)
        .map_err(|_| DbError::BadUrl)?
        .application_name("switchyard")
        .options([("statement_timeout", timeout_ms.as_str())]);
    let display = describe_postgres(&options);
    let pool = PgPoolOptions::new()
        .max_connections(settings.max_connections.max(1))
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(|source| DbError::Open {
            path: display,
            source,
        })?;
    let migrator = sqlx::migrate!("./migrations/postgres");
    // A console role without CREATE on the schema (README: the audit trail's defence in
    // depth) cannot run the migrator, which creates its table first; it need not when the
    // owner has already applied every migration.
    if !all_applied(&pool, &migrator).await {
        migrator.run(&pool).await?;
    }
    Ok(pool)
}

/// Whether every migration of `migrator` is recorded as applied, with the same checksum.
async fn all_applied(pool: &sqlx::PgPool, migrator: &sqlx::migrate::Migrator) -> bool {
    let applied: Vec<(i64, Vec<u8>)> =
        match sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations WHERE success")
            .fetch_all(pool)
            .await
        {
            Ok(rows) => rows,
            // No table yet: a new database.
            Err(_) => return false,
        };
    migrator.iter().all(|migration| {
        applied.iter().any(|(version, checksum)| {
            *version == migration.version && **checksum == *migration.checksum
        })
    })
}

fn describe_postgres(options: &PgConnectOptions) -> String {
    format!(
        "PostgreSQL database {:?} on {}:{}",
        options.get_database().unwrap_or(""),
        options.get_host(),
        options.get_port()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{AuditEvent, AuditLog, Decision, SqlAuditLog};

    /// The README's least-privilege role: it opens a database its owner migrated, writes the
    /// audit trail and cannot change it.
    #[tokio::test]
    async fn a_console_role_without_create_or_delete_opens_a_migrated_database() {
        let Some(url) = crate::test_support::fresh_postgres_database().await else {
            eprintln!("skipped: no test PostgreSQL");
            return;
        };
        let dir = tempfile::tempdir().expect("dir");
        let owner = DatabaseSettings {
            url: Some(url.clone()),
            ..DatabaseSettings::sqlite(dir.path())
        };
        let owned = Storage::open(&owner).await.expect("the owner migrates");
        let role = format!("console_{}", uuid::Uuid::new_v4().simple());
        on_db!(owned.db(), pool => {
            for statement in [
                format!("CREATE ROLE {role} LOGIN"),
                format!("GRANT USAGE ON SCHEMA public, tower_sessions TO {role}"),
                format!("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public, tower_sessions TO {role}"),
                format!("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}"),
                format!("REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM {role}"),
                format!("REVOKE CREATE ON SCHEMA public FROM {role}, PUBLIC"),
            ] {
                sqlx::query(&statement).execute(pool).await.expect("grant");
            }
        });
        let mut as_console = url::Url::parse(&url).expect("url");
        as_console.set_username(&role).expect("user");
        let console = Storage::open(&DatabaseSettings {
            url: Some(as_console.to_string()),
            ..DatabaseSettings::sqlite(dir.path())
        })
        .await
        .expect("the console role opens the migrated database");
        let log = SqlAuditLog::new(console.db().clone());
        log.append(AuditEvent::new("SignIn", Decision::Allowed))
            .await
            .expect("it writes the trail");
        let deleted = on_db!(console.db(), pool => {
            sqlx::query("DELETE FROM audit_events").execute(pool).await.map(|_| ())
        });
        assert!(deleted.is_err(), "and cannot delete from it");
    }
}
