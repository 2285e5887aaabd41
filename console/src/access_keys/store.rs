//! Where access keys are kept: [`AccessKeyStore`], and [`SqlAccessKeys`] in the console's
//! database (SQLite or PostgreSQL), so a key created through one instance signs requests to
//! every other.

use async_trait::async_trait;

use crate::mfa::store::UserKey;
use crate::on_db;
use crate::storage::Db;

/// Whether a key may sign requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyStatus {
    Active,
    Inactive,
}

impl KeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "Active",
            KeyStatus::Inactive => "Inactive",
        }
    }

    fn parse(text: &str) -> KeyStatus {
        // Anything but "Active" fails closed.
        if text == "Active" {
            KeyStatus::Active
        } else {
            KeyStatus::Inactive
        }
    }
}

/// One access key as stored; the secret only sealed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessKeyRecord {
    pub key_id: String,
    pub owner: UserKey,
    /// The secret access key sealed with the MFA data key (nonce || ciphertext).
    pub sealed_secret: Vec<u8>,
    pub status: KeyStatus,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    /// The service of the last signed request (`sts`, `s3`).
    pub last_used_service: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AccessKeyStoreError {
    #[error("access key store: {0}")]
    Store(#[from] sqlx::Error),
}

#[async_trait]
pub trait AccessKeyStore: Send + Sync {
    /// Stores `record` unless its owner already has `max` keys; `false` when refused.
    async fn insert_bounded(
        &self,
        record: &AccessKeyRecord,
        max: i64,
    ) -> Result<bool, AccessKeyStoreError>;

    /// The owner's keys, oldest first.
    async fn list(&self, owner: &UserKey) -> Result<Vec<AccessKeyRecord>, AccessKeyStoreError>;

    /// One key by its ID, whoever owns it (SigV4 verification).
    async fn find(&self, key_id: &str) -> Result<Option<AccessKeyRecord>, AccessKeyStoreError>;

    /// Sets the status of the owner's key; `false` when the owner has no such key.
    async fn set_status(
        &self,
        owner: &UserKey,
        key_id: &str,
        status: KeyStatus,
    ) -> Result<bool, AccessKeyStoreError>;

    /// Deletes the owner's key; `false` when the owner has no such key.
    async fn delete(&self, owner: &UserKey, key_id: &str) -> Result<bool, AccessKeyStoreError>;

    /// Records a request the key signed.
    async fn touch(&self, key_id: &str, at: i64, service: &str) -> Result<(), AccessKeyStoreError>;
}

pub struct SqlAccessKeys {
    db: Db,
}

impl SqlAccessKeys {
    pub fn new(db: Db) -> Self {
        SqlAccessKeys { db }
    }
}

const COLUMNS: &str = "key_id, account_id, user_name, sealed_secret, status, created_at, \
                       last_used_at, last_used_service";

type Row = (
    String,
    String,
    String,
    Vec<u8>,
    String,
    i64,
    Option<i64>,
    Option<String>,
);

fn record(row: Row) -> AccessKeyRecord {
    let (key_id, account_id, user_name, sealed_secret, status, created_at, used_at, service) = row;
    AccessKeyRecord {
        key_id,
        owner: UserKey {
            account_id,
            user_name,
        },
        sealed_secret,
        status: KeyStatus::parse(&status),
        created_at,
        last_used_at: used_at,
        last_used_service: service,
    }
}

#[async_trait]
impl AccessKeyStore for SqlAccessKeys {
    async fn insert_bounded(
        &self,
        record: &AccessKeyRecord,
        max: i64,
    ) -> Result<bool, AccessKeyStoreError> {
        // One statement decides, so that two creations at once cannot pass the bound together.
        let inserted = on_db!(&self.db, pool => {
            sqlx::query(
                "INSERT INTO access_keys (key_id, account_id, user_name, sealed_secret, status, created_at) \
                 SELECT $1, $2, $3, $4, $5, $6 WHERE (SELECT COUNT(*) FROM access_keys \
                 WHERE account_id = $2 AND user_name = $3) < $7",
            )
            .bind(&record.key_id)
            .bind(&record.owner.account_id)
            .bind(&record.owner.user_name)
            .bind(&record.sealed_secret)
            .bind(record.status.as_str())
            .bind(record.created_at)
            .bind(max)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(inserted == 1)
    }

    async fn list(&self, owner: &UserKey) -> Result<Vec<AccessKeyRecord>, AccessKeyStoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM access_keys WHERE account_id = $1 AND user_name = $2 \
             ORDER BY created_at, key_id"
        );
        let rows: Vec<Row> = on_db!(&self.db, pool => {
            sqlx::query_as(&sql)
                .bind(&owner.account_id)
                .bind(&owner.user_name)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(record).collect())
    }

    async fn find(&self, key_id: &str) -> Result<Option<AccessKeyRecord>, AccessKeyStoreError> {
        let sql = format!("SELECT {COLUMNS} FROM access_keys WHERE key_id = $1");
        let row: Option<Row> = on_db!(&self.db, pool => {
            sqlx::query_as(&sql).bind(key_id).fetch_optional(pool).await?
        });
        Ok(row.map(record))
    }

    async fn set_status(
        &self,
        owner: &UserKey,
        key_id: &str,
        status: KeyStatus,
    ) -> Result<bool, AccessKeyStoreError> {
        let changed = on_db!(&self.db, pool => {
            sqlx::query(
                "UPDATE access_keys SET status = $1 \
                 WHERE key_id = $2 AND account_id = $3 AND user_name = $4",
            )
            .bind(status.as_str())
            .bind(key_id)
            .bind(&owner.account_id)
            .bind(&owner.user_name)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(changed == 1)
    }

    async fn delete(&self, owner: &UserKey, key_id: &str) -> Result<bool, AccessKeyStoreError> {
        let deleted = on_db!(&self.db, pool => {
            sqlx::query(
                "DELETE FROM access_keys WHERE key_id = $1 AND account_id = $2 AND user_name = $3",
            )
            .bind(key_id)
            .bind(&owner.account_id)
            .bind(&owner.user_name)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(deleted == 1)
    }

    async fn touch(&self, key_id: &str, at: i64, service: &str) -> Result<(), AccessKeyStoreError> {
        on_db!(&self.db, pool => {
            sqlx::query(
                "UPDATE access_keys SET last_used_at = $1, last_used_service = $2 WHERE key_id = $3",
            )
            .bind(at)
            .bind(service)
            .bind(key_id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::on_each_database;

    fn key(id: &str, owner: &UserKey, at: i64) -> AccessKeyRecord {
        AccessKeyRecord {
            key_id: id.into(),
            owner: owner.clone(),
            sealed_secret: vec![1, 2, 3, 4],
            status: KeyStatus::Active,
            created_at: at,
            last_used_at: None,
            last_used_service: None,
        }
    }

    #[tokio::test]
    async fn the_store_keeps_at_most_max_keys_and_acts_only_on_the_owners_own() {
        let alice = UserKey::new("111122223333", "alice");
        let bob = UserKey::new("111122223333", "bob");
        for (db, store) in on_each_database(|s| SqlAccessKeys::new(s.db().clone())).await {
            let name = db.name;
            assert!(
                store
                    .insert_bounded(&key("AKIA1", &alice, 1), 2)
                    .await
                    .unwrap()
            );
            assert!(
                store
                    .insert_bounded(&key("AKIA2", &alice, 2), 2)
                    .await
                    .unwrap()
            );
            assert!(
                !store
                    .insert_bounded(&key("AKIA3", &alice, 3), 2)
                    .await
                    .unwrap(),
                "{name}: a third key is refused"
            );
            assert!(
                store
                    .insert_bounded(&key("AKIA4", &bob, 4), 2)
                    .await
                    .unwrap()
            );
            let ids: Vec<_> = store
                .list(&alice)
                .await
                .unwrap()
                .into_iter()
                .map(|k| k.key_id)
                .collect();
            assert_eq!(ids, ["AKIA1", "AKIA2"], "{name}");

            // bob cannot touch alice's key, whatever its ID.
            assert!(
                !store
                    .set_status(&bob, "AKIA1", KeyStatus::Inactive)
                    .await
                    .unwrap()
            );
            assert!(!store.delete(&bob, "AKIA1").await.unwrap());
            assert_eq!(
                store.find("AKIA1").await.unwrap().unwrap().status,
                KeyStatus::Active
            );

            assert!(
                store
                    .set_status(&alice, "AKIA1", KeyStatus::Inactive)
                    .await
                    .unwrap()
            );
            store.touch("AKIA1", 99, "sts").await.unwrap();
            let found = store.find("AKIA1").await.unwrap().expect("kept");
            assert_eq!(found.status, KeyStatus::Inactive, "{name}");
            assert_eq!(found.last_used_at, Some(99));
            assert_eq!(found.last_used_service.as_deref(), Some("sts"));
            assert_eq!(found.sealed_secret, vec![1, 2, 3, 4]);

            assert!(store.delete(&alice, "AKIA1").await.unwrap());
            assert!(store.find("AKIA1").await.unwrap().is_none(), "{name}");
            assert!(
                store
                    .insert_bounded(&key("AKIA5", &alice, 5), 2)
                    .await
                    .unwrap()
            );
        }
    }
}
