//! Issued role-session records of the local STS in the console's database, for instances that
//! share one: a role assumed on one instance authorises object requests on every other, and a
//! revocation on one is seen by all at once (nothing is cached).
//!
//! `iam::CredentialStore` is synchronous (the engine has no runtime); the local backend calls
//! it on the work pool's own threads, outside the async runtime, where this store blocks on
//! the database through the runtime it was built in.

use iam::sts::StoreError;
use iam::{CredentialStore, StoredSession};
use tokio::runtime::Handle;

use crate::on_db;
use crate::storage::Db;

pub struct SqlCredentialStore {
    db: Db,
    runtime: Handle,
}

impl SqlCredentialStore {
    /// Must be called inside the runtime the console runs on.
    pub fn new(db: Db) -> Result<Self, StoreError> {
        let runtime = Handle::try_current()
            .map_err(|_| StoreError("the credential store needs the async runtime".into()))?;
        Ok(SqlCredentialStore { db, runtime })
    }

    fn block_on<T>(
        &self,
        work: impl std::future::Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, StoreError> {
        self.runtime
            .block_on(work)
            .map_err(|e| StoreError(format!("issued credentials: {e}")))
    }
}

impl CredentialStore for SqlCredentialStore {
    fn put(&self, session: &StoredSession) -> Result<(), StoreError> {
        let record = serde_json::to_string(session).map_err(|e| StoreError(e.to_string()))?;
        let expires_at = session.expires_at.unix_timestamp();
        let now = crate::clock::now();
        self.block_on(async {
            on_db!(&self.db, pool => {
                sqlx::query(
                    "INSERT INTO issued_credentials (access_key_id, record, expires_at) \
                     VALUES ($1, $2, $3) ON CONFLICT (access_key_id) DO UPDATE SET \
                     record = excluded.record, expires_at = excluded.expires_at",
                )
                .bind(&session.access_key_id)
                .bind(&record)
                .bind(expires_at)
                .execute(pool)
                .await?;
                // Expired records can never authorise anything again.
                sqlx::query("DELETE FROM issued_credentials WHERE expires_at <= $1")
                    .bind(now)
                    .execute(pool)
                    .await
                    .map(|_| ())
            })
        })
    }

    fn get(&self, access_key_id: &str) -> Result<Option<StoredSession>, StoreError> {
        let record: Option<String> = self.block_on(async {
            on_db!(&self.db, pool => {
                sqlx::query_scalar(
                    "SELECT record FROM issued_credentials WHERE access_key_id = $1 AND expires_at > $2",
                )
                .bind(access_key_id)
                .bind(crate::clock::now())
                .fetch_optional(pool)
                .await
            })
        })?;
        record
            .map(|r| serde_json::from_str(&r).map_err(|e| StoreError(e.to_string())))
            .transpose()
    }

    fn remove(&self, access_key_id: &str) -> Result<(), StoreError> {
        self.block_on(async {
            on_db!(&self.db, pool => {
                sqlx::query("DELETE FROM issued_credentials WHERE access_key_id = $1")
                    .bind(access_key_id)
                    .execute(pool)
                    .await
                    .map(|_| ())
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use time::OffsetDateTime;

    use super::*;

    fn record(key: &str, expires_at: OffsetDateTime) -> StoredSession {
        StoredSession {
            access_key_id: key.into(),
            secret_digest: [1; 32],
            token_digest: [2; 32],
            role_arn: "arn:aws:iam::123456789012:role/UpdateAPP".into(),
            session_name: "alice".into(),
            source_identity: Some("alice".into()),
            session_policy: None,
            caller_arn: "arn:aws:iam::111122223333:user/alice".into(),
            mfa_authenticated_at: None,
            issued_at: crate::clock::now_utc(),
            expires_at,
        }
    }

    #[tokio::test]
    async fn a_record_put_by_one_instance_is_seen_and_revoked_by_another() {
        for db in crate::test_support::databases().await {
            let name = db.name;
            let first = Arc::new(SqlCredentialStore::new(db.storage.db().clone()).expect("store"));
            let second = Arc::new(SqlCredentialStore::new(db.storage.db().clone()).expect("store"));
            let later = crate::clock::now_utc() + time::Duration::hours(1);
            let gone = crate::clock::now_utc() - time::Duration::seconds(1);
            // A thread of its own, as the work pool's are.
            let (sender, receiver) = tokio::sync::oneshot::channel();
            std::thread::spawn(move || {
                first.put(&record("ASIAONE", later)).expect("put");
                first.put(&record("ASIAOLD", gone)).expect("put expired");
                let seen = second.get("ASIAONE").expect("get");
                let expired = second.get("ASIAOLD").expect("get expired");
                second.remove("ASIAONE").expect("remove");
                let _ = sender.send((seen, expired, first.get("ASIAONE").expect("get after")));
            });
            let seen = receiver.await.expect("the thread answers");
            assert_eq!(
                seen.0.map(|r| r.role_arn),
                Some(record("x", later).role_arn),
                "{name}"
            );
            assert!(
                seen.1.is_none(),
                "{name}: an expired record authorises nothing"
            );
            assert!(
                seen.2.is_none(),
                "{name}: revoked on one, gone on the other"
            );
        }
    }
}
