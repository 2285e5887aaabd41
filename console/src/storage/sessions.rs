//! The session store: tower-sessions' SQLite or PostgreSQL store, except that saving never brings back a
//! record that is gone.
//!
//! tower-sessions saves a changed session at the end of each request with an upsert. A
//! request that loaded the session before a sign-out (or before `cycle_id`) deleted it, and
//! changed it, would write the old id back: the session would outlive its sign-out. Here a
//! save only updates a record that still exists; new sessions are made by `create`.

use async_trait::async_trait;
use tower_sessions_core::session::{Id, Record};
use tower_sessions_core::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use crate::on_db;
use crate::storage::db::Db;

/// tower-sessions-sqlx-store's store for the database in use, and the same pool for the
/// guarded save.
#[derive(Clone, Debug)]
pub struct ConsoleSessionStore {
    inner: Inner,
    db: Db,
}

#[derive(Clone, Debug)]
enum Inner {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

/// tower-sessions-sqlx-store's tables.
const SQLITE_TABLE: &str = "tower_sessions";
const POSTGRES_TABLE: &str = "\"tower_sessions\".\"session\"";

macro_rules! on_inner {
    ($inner:expr, $store:ident => $body:expr) => {
        match $inner {
            Inner::Sqlite($store) => $body,
            Inner::Postgres($store) => $body,
        }
    };
}

impl ConsoleSessionStore {
    pub fn new(db: Db) -> Self {
        let inner = match &db {
            Db::Sqlite(pool) => Inner::Sqlite(SqliteStore::new(pool.clone())),
            Db::Postgres(pool) => Inner::Postgres(PostgresStore::new(pool.clone())),
        };
        ConsoleSessionStore { inner, db }
    }

    /// Creates the session table on SQLite. PostgreSQL's is created by the console's own
    /// migration, under its advisory lock (two instances may start at once).
    pub async fn migrate(&self) -> sqlx::Result<()> {
        match &self.inner {
            Inner::Sqlite(store) => store.migrate().await,
            Inner::Postgres(_) => Ok(()),
        }
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

#[async_trait]
impl SessionStore for ConsoleSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        on_inner!(&self.inner, store => store.create(record).await)
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data =
            rmp_serde::to_vec(record).map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let table = match self.db {
            Db::Sqlite(_) => SQLITE_TABLE,
            Db::Postgres(_) => POSTGRES_TABLE,
        };
        // An expired record is gone too: its user was signed out by the idle timeout.
        let statement = format!(
            "UPDATE {table} SET data = $1, expiry_date = $2 WHERE id = $3 AND expiry_date > $4"
        );
        on_db!(&self.db, pool => sqlx::query(&statement)
            .bind(&data)
            .bind(record.expiry_date)
            .bind(record.id.to_string())
            .bind(crate::clock::now_utc())
            .execute(pool)
            .await
            .map(|_| ()))
        .map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        on_inner!(&self.inner, store => store.load(id).await)
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        on_inner!(&self.inner, store => store.delete(id).await)
    }
}

#[async_trait]
impl ExpiredDeletion for ConsoleSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        on_inner!(&self.inner, store => store.delete_expired().await)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tower_sessions_core::Session;

    use super::*;

    /// The store on each database; the guard holds on both.
    async fn stores() -> Vec<(crate::test_support::TestDb, Arc<ConsoleSessionStore>)> {
        crate::test_support::on_each_database(|storage| Arc::new(storage.session_store())).await
    }

    #[tokio::test]
    async fn a_request_finishing_after_sign_out_does_not_bring_the_session_back() {
        for (db, store) in stores().await {
            let signed_in = Session::new(None, store.clone(), None);
            signed_in.insert("user", "alice").await.expect("insert");
            signed_in.save().await.expect("save");
            let id = signed_in.id();

            // A slow request loads the session ...
            let slow = Session::new(id, store.clone(), None);
            assert_eq!(
                slow.get::<String>("user").await.expect("get").as_deref(),
                Some("alice")
            );
            // ... the sign-out ends it ...
            let sign_out = Session::new(id, store.clone(), None);
            sign_out.flush().await.expect("flush");
            // ... and then the slow request changes it and is saved at its end.
            slow.insert("pending", 1).await.expect("insert");
            slow.save().await.expect("save");

            let id = id.expect("id");
            assert!(
                store.load(&id).await.expect("load").is_none(),
                "{}: the old id stays gone",
                db.name
            );
        }
    }

    #[tokio::test]
    async fn a_request_finishing_after_cycle_id_does_not_re_save_the_old_id() {
        for (db, store) in stores().await {
            let first = Session::new(None, store.clone(), None);
            first.insert("user", "alice").await.expect("insert");
            first.save().await.expect("save");
            let old = first.id();

            let slow = Session::new(old, store.clone(), None);
            slow.get::<String>("user").await.expect("get");
            let switching = Session::new(old, store.clone(), None);
            switching.cycle_id().await.expect("cycle");
            switching.save().await.expect("save");
            slow.insert("x", 1).await.expect("insert");
            slow.save().await.expect("save");

            assert!(
                store.load(&old.expect("id")).await.expect("load").is_none(),
                "{}",
                db.name
            );
            let new = switching.id().expect("new id");
            assert!(store.load(&new).await.expect("load").is_some());
        }
    }
}
