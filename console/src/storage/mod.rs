//! Where the console keeps its state: the embedded SQLite database under the data directory.
//!
//! [`Storage`] owns the database connection so that nothing outside this module and the
//! SQLite store implementations holds a pool: the health check asks the storage, the session
//! layer and the stores are handed what they need from it, and a PostgreSQL storage can take
//! its place without changing them.

pub mod sessions;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use sessions::ConsoleSessionStore;

pub const DATABASE_FILE: &str = "switchyard.db";

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot open the database {path}: {source}")]
    Open { path: String, source: sqlx::Error },
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the database does not answer: {0}")]
    Unavailable(sqlx::Error),
}

/// The console's database, opened and migrated.
#[derive(Clone, Debug)]
pub struct Storage {
    pool: SqlitePool,
}

impl Storage {
    /// Opens (creating if needed) `DATA_DIR/switchyard.db`, schema up to date.
    pub async fn open_sqlite(data_dir: &Path) -> Result<Self, DbError> {
        Ok(Storage {
            pool: open(data_dir).await?,
        })
    }

    /// Whether the database answers (the health check).
    pub async fn health(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(DbError::Unavailable)
    }

    /// The session store, in the same database. Its table is created by
    /// [`ConsoleSessionStore::migrate`].
    pub fn session_store(&self) -> ConsoleSessionStore {
        ConsoleSessionStore::new(self.pool.clone())
    }

    /// The SQLite pool, for the SQLite store implementations (wired in
    /// `state::Stores::sqlite`).
    pub fn sqlite_pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// Opens (creating if needed) `DATA_DIR/switchyard.db` and brings its schema up to date.
pub async fn open(data_dir: &Path) -> Result<SqlitePool, DbError> {
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
        .max_connections(8)
        .connect_with(options)
        .await
        .map_err(|source| DbError::Open {
            path: display,
            source,
        })?;
    sqlx::migrate!("./migrations").run(&pool).await?;
    Ok(pool)
}
