//! Where MFA devices and per-user MFA state are kept. SQLite now; PostgreSQL when several
//! instances share state (hence the trait).

use crate::on_db;
use crate::storage::Db;
use async_trait::async_trait;

/// An IAM user, as MFA state is keyed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UserKey {
    pub account_id: String,
    pub user_name: String,
}

impl UserKey {
    pub fn new(account_id: &str, user_name: &str) -> Self {
        UserKey {
            account_id: account_id.to_string(),
            user_name: user_name.to_string(),
        }
    }

    /// `111122223333/alice`: the rate-limit key and the associated data of encrypted secrets.
    pub fn owner(&self) -> String {
        format!("{}/{}", self.account_id, self.user_name)
    }

    /// `arn:aws:iam::111122223333:user/alice`.
    pub fn arn(&self) -> String {
        types::identity::user_arn(&self.account_id, &self.user_name)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceKind {
    Totp,
    WebAuthn,
}

impl DeviceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::Totp => "totp",
            DeviceKind::WebAuthn => "webauthn",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MfaDevice {
    pub id: String,
    pub owner: UserKey,
    pub name: String,
    pub kind: DeviceKind,
    /// Encrypted TOTP secret (nonce || ciphertext).
    pub totp_secret: Option<Vec<u8>>,
    /// Serialised webauthn-rs `Passkey` (public key, counter; nothing secret).
    pub passkey: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum MfaStoreError {
    #[error("MFA store: {0}")]
    Store(#[from] sqlx::Error),
    #[error("MFA device record {0} is malformed")]
    Malformed(String),
    #[error("a device with this name exists")]
    DuplicateName,
}

#[async_trait]
pub trait MfaStore: Send + Sync {
    /// The user's devices, oldest first.
    async fn devices(&self, user: &UserKey) -> Result<Vec<MfaDevice>, MfaStoreError>;
    async fn add_device(&self, device: &MfaDevice) -> Result<(), MfaStoreError>;
    /// False when the user has no such device.
    async fn remove_device(&self, user: &UserKey, id: &str) -> Result<bool, MfaStoreError>;
    /// Records a use; WebAuthn devices also store their updated passkey (signature counter).
    async fn record_use(
        &self,
        user: &UserKey,
        id: &str,
        at: i64,
        passkey: Option<&str>,
    ) -> Result<(), MfaStoreError>;
    /// Accepts a TOTP time step only if it is above the highest accepted so far (atomically):
    /// false means a replay.
    async fn advance_totp_step(&self, user: &UserKey, step: i64) -> Result<bool, MfaStoreError>;
    async fn session_generation(&self, user: &UserKey) -> Result<i64, MfaStoreError>;
    /// Ends every session of the user that carries an older generation; returns the new one.
    async fn bump_session_generation(&self, user: &UserKey) -> Result<i64, MfaStoreError>;
}

/// MFA devices and per-user MFA state in the console's database (SQLite or PostgreSQL).
pub struct SqlMfaStore {
    db: Db,
}

impl SqlMfaStore {
    pub fn new(db: Db) -> Self {
        SqlMfaStore { db }
    }
}

type DeviceRow = (
    String,
    String,
    String,
    String,
    String,
    Option<Vec<u8>>,
    Option<String>,
    i64,
    Option<i64>,
);

#[async_trait]
impl MfaStore for SqlMfaStore {
    async fn devices(&self, user: &UserKey) -> Result<Vec<MfaDevice>, MfaStoreError> {
        let rows: Vec<DeviceRow> = on_db!(&self.db, pool => sqlx::query_as(&format!(
            "SELECT id, account_id, user_name, name, kind, totp_secret, passkey, created_at, last_used_at \
             FROM mfa_devices WHERE account_id = $1 AND user_name = $2 ORDER BY created_at, {}",
            self.db.dialect().insertion_order()
        ))
        .bind(&user.account_id)
        .bind(&user.user_name)
        .fetch_all(pool)
        .await)?;
        rows.into_iter()
            .map(
                |(
                    id,
                    account_id,
                    user_name,
                    name,
                    kind,
                    totp_secret,
                    passkey,
                    created_at,
                    last_used_at,
                )| {
                    let kind = match kind.as_str() {
                        "totp" => DeviceKind::Totp,
                        "webauthn" => DeviceKind::WebAuthn,
                        _ => return Err(MfaStoreError::Malformed(id)),
                    };
                    Ok(MfaDevice {
                        id,
                        owner: UserKey {
                            account_id,
                            user_name,
                        },
                        name,
                        kind,
                        totp_secret,
                        passkey,
                        created_at,
                        last_used_at,
                    })
                },
            )
            .collect()
    }

    async fn add_device(&self, device: &MfaDevice) -> Result<(), MfaStoreError> {
        let result = on_db!(&self.db, pool => sqlx::query(
            "INSERT INTO mfa_devices (id, account_id, user_name, name, kind, totp_secret, passkey, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&device.id)
        .bind(&device.owner.account_id)
        .bind(&device.owner.user_name)
        .bind(&device.name)
        .bind(device.kind.as_str())
        .bind(&device.totp_secret)
        .bind(&device.passkey)
        .bind(device.created_at)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()));
        match result {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(MfaStoreError::DuplicateName)
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn remove_device(&self, user: &UserKey, id: &str) -> Result<bool, MfaStoreError> {
        let done = on_db!(&self.db, pool => sqlx::query(
            "DELETE FROM mfa_devices WHERE id = $1 AND account_id = $2 AND user_name = $3",
        )
        .bind(id)
        .bind(&user.account_id)
        .bind(&user.user_name)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        Ok(done == 1)
    }

    async fn record_use(
        &self,
        user: &UserKey,
        id: &str,
        at: i64,
        passkey: Option<&str>,
    ) -> Result<(), MfaStoreError> {
        on_db!(&self.db, pool => sqlx::query(
            "UPDATE mfa_devices SET last_used_at = $1, passkey = COALESCE($2, passkey) \
             WHERE id = $3 AND account_id = $4 AND user_name = $5",
        )
        .bind(at)
        .bind(passkey)
        .bind(id)
        .bind(&user.account_id)
        .bind(&user.user_name)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        Ok(())
    }

    async fn advance_totp_step(&self, user: &UserKey, step: i64) -> Result<bool, MfaStoreError> {
        let done = on_db!(&self.db, pool => sqlx::query(
            "INSERT INTO mfa_users (account_id, user_name, last_totp_step) VALUES ($1, $2, $3) \
             ON CONFLICT (account_id, user_name) DO UPDATE SET last_totp_step = excluded.last_totp_step \
             WHERE mfa_users.last_totp_step < excluded.last_totp_step",
        )
        .bind(&user.account_id)
        .bind(&user.user_name)
        .bind(step)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        Ok(done == 1)
    }

    async fn session_generation(&self, user: &UserKey) -> Result<i64, MfaStoreError> {
        let row: Option<(i64,)> = on_db!(&self.db, pool => sqlx::query_as(
            "SELECT session_generation FROM mfa_users WHERE account_id = $1 AND user_name = $2",
        )
        .bind(&user.account_id)
        .bind(&user.user_name)
        .fetch_optional(pool)
        .await)?;
        Ok(row.map(|(g,)| g).unwrap_or(0))
    }

    async fn bump_session_generation(&self, user: &UserKey) -> Result<i64, MfaStoreError> {
        let (generation,): (i64,) = on_db!(&self.db, pool => sqlx::query_as(
            "INSERT INTO mfa_users (account_id, user_name, session_generation) VALUES ($1, $2, 1) \
             ON CONFLICT (account_id, user_name) DO UPDATE SET session_generation = mfa_users.session_generation + 1 \
             RETURNING session_generation",
        )
        .bind(&user.account_id)
        .bind(&user.user_name)
        .fetch_one(pool)
        .await)?;
        Ok(generation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The store on each database; the contract below holds on both.
    async fn stores() -> Vec<(crate::test_support::TestDb, SqlMfaStore)> {
        crate::test_support::on_each_database(|storage| SqlMfaStore::new(storage.db().clone()))
            .await
    }

    #[tokio::test]
    async fn a_time_step_is_accepted_once_and_never_an_older_one() {
        for (db, store) in stores().await {
            let alice = UserKey::new("111122223333", "alice");
            assert!(
                store.advance_totp_step(&alice, 100).await.unwrap(),
                "{}",
                db.name
            );
            assert!(
                !store.advance_totp_step(&alice, 100).await.unwrap(),
                "replay"
            );
            assert!(
                !store.advance_totp_step(&alice, 99).await.unwrap(),
                "older step"
            );
            assert!(store.advance_totp_step(&alice, 101).await.unwrap());
            // Per user.
            let bob = UserKey::new("111122223333", "bob");
            assert!(store.advance_totp_step(&bob, 100).await.unwrap());
        }
    }

    #[tokio::test]
    async fn devices_are_per_user_and_generations_count_up() {
        for (db, store) in stores().await {
            let alice = UserKey::new("111122223333", "alice");
            let device = MfaDevice {
                id: "d1".into(),
                owner: alice.clone(),
                name: "phone".into(),
                kind: DeviceKind::Totp,
                totp_secret: Some(vec![1, 2, 3]),
                passkey: None,
                created_at: 10,
                last_used_at: None,
            };
            store.add_device(&device).await.unwrap();
            assert!(matches!(
                store
                    .add_device(&MfaDevice {
                        id: "d2".into(),
                        ..device.clone()
                    })
                    .await,
                Err(MfaStoreError::DuplicateName)
            ));
            store.record_use(&alice, "d1", 20, None).await.unwrap();
            let listed = store.devices(&alice).await.unwrap();
            assert_eq!(listed.len(), 1, "{}", db.name);
            assert_eq!(listed[0].last_used_at, Some(20));
            let bob = UserKey::new("111122223333", "bob");
            assert!(store.devices(&bob).await.unwrap().is_empty());
            assert!(!store.remove_device(&bob, "d1").await.unwrap());
            assert!(store.remove_device(&alice, "d1").await.unwrap());

            assert_eq!(store.session_generation(&alice).await.unwrap(), 0);
            assert_eq!(store.bump_session_generation(&alice).await.unwrap(), 1);
            assert_eq!(store.bump_session_generation(&alice).await.unwrap(), 2);
            assert_eq!(store.session_generation(&alice).await.unwrap(), 2);
        }
    }

    #[tokio::test]
    async fn concurrent_uses_of_one_code_accept_it_once() {
        // Instances racing with the same code: one statement decides, never a read-then-write.
        for (db, store) in stores().await {
            let store = std::sync::Arc::new(store);
            let alice = UserKey::new("111122223333", "alice");
            let attempts = (0..16).map(|_| {
                let store = std::sync::Arc::clone(&store);
                let alice = alice.clone();
                tokio::spawn(async move { store.advance_totp_step(&alice, 500).await })
            });
            let mut accepted = 0;
            for attempt in attempts.collect::<Vec<_>>() {
                if attempt.await.expect("task").expect("store") {
                    accepted += 1;
                }
            }
            assert_eq!(accepted, 1, "{}", db.name);
        }
    }
}
