//! Passwords: argon2id verification that takes the same time for unknown users, and the
//! hash a directory file stores.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier as _, SaltString};

/// Checks passwords against argon2id hashes, taking the same time whether or not the user
/// exists (a user without a hash is checked against a hash of nothing anyone knows).
pub struct PasswordVerifier {
    decoy_hash: String,
}

impl PasswordVerifier {
    pub fn new() -> Result<Self, String> {
        let salt = SaltString::encode_b64(b"switchyard-decoy").map_err(|e| e.to_string())?;
        let decoy_hash = Argon2::default()
            .hash_password(b"no password matches this decoy", &salt)
            .map_err(|e| e.to_string())?
            .to_string();
        Ok(PasswordVerifier { decoy_hash })
    }

    /// Runs argon2 on the work pool: it takes tens of milliseconds of CPU by design, and must
    /// not wait behind object transfers on Tokio's blocking threads.
    pub async fn verify(&self, stored_hash: Option<&str>, password: &str) -> Result<bool, String> {
        let hash = stored_hash.unwrap_or(&self.decoy_hash).to_string();
        let password = password.to_string();
        let matched = crate::work_pool::run(move || match PasswordHash::new(&hash) {
            Ok(parsed) => Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        })
        .await
        .map_err(|e| e.to_string())?;
        Ok(matched && stored_hash.is_some())
    }
}

/// Hashes a password for a directory file (`switchyard hash-password`).
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}
