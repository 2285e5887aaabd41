//! The MFA data key must be the same for every instance of one database: TOTP secrets sealed
//! by one instance are opened by all. A value sealed with the key when the database was
//! first used is kept in it; an instance whose key cannot open that value refuses to start,
//! instead of failing to decrypt a user's secret later.

use super::{DbError, Storage};
use crate::mfa::cipher::MfaCipher;
use crate::on_db;

const NAME: &str = "mfa-data-key";
/// What is sealed (any constant: only whether it opens matters).
const PLAINTEXT: &[u8] = b"switchyard MFA data key check";

impl Storage {
    /// Stores the check value on first use, then verifies that `cipher` opens it.
    pub async fn check_mfa_key(&self, cipher: &MfaCipher) -> Result<(), DbError> {
        let sealed = cipher
            .encrypt(PLAINTEXT, NAME)
            .map_err(|_| DbError::KeyMismatch)?;
        // Two instances starting at once: the first insert wins, both then read it.
        let stored: Vec<u8> = on_db!(self.db(), pool => {
            sqlx::query(
                "INSERT INTO key_checks (name, sealed) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            )
            .bind(NAME)
            .bind(&sealed)
            .execute(pool)
            .await
            .map_err(DbError::Unavailable)?;
            sqlx::query_scalar("SELECT sealed FROM key_checks WHERE name = $1")
                .bind(NAME)
                .fetch_one(pool)
                .await
                .map_err(DbError::Unavailable)?
        });
        match cipher.decrypt(&stored, NAME) {
            Ok(plain) if plain == PLAINTEXT => Ok(()),
            _ => Err(DbError::KeyMismatch),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_key_is_refused_and_the_first_still_opens() {
        for db in crate::test_support::databases().await {
            let first = MfaCipher::from_key(&[7; 32]).expect("key");
            let second = MfaCipher::from_key(&[8; 32]).expect("key");
            db.storage.check_mfa_key(&first).await.expect("first use");
            db.storage
                .check_mfa_key(&first)
                .await
                .expect("same key again");
            assert!(
                matches!(
                    db.storage.check_mfa_key(&second).await,
                    Err(DbError::KeyMismatch)
                ),
                "{}",
                db.name
            );
            db.storage
                .check_mfa_key(&first)
                .await
                .expect("still the first");
        }
    }
}
