//! Favourite roles: the roles each user marked in the role catalog, listed first there and in
//! the account menu. Behind [`FavouriteRoleStore`]; [`SqlFavouriteRoles`] keeps them in the
//! console's database (SQLite or PostgreSQL), so they follow the user across sign-ins and
//! instances.

use async_trait::async_trait;

use crate::on_db;
use crate::storage::Db;

/// Favourites kept per user at most: marking one more is refused.
pub const MAX_PER_USER: i64 = 100;

#[derive(Debug, thiserror::Error)]
pub enum FavouriteError {
    #[error("favourite roles store: {0}")]
    Store(#[from] sqlx::Error),
    #[error("at most {MAX_PER_USER} favourite roles")]
    TooMany,
}

#[async_trait]
pub trait FavouriteRoleStore: Send + Sync {
    /// Marks (`favourite`) or unmarks a role of the user; marking twice changes nothing.
    async fn set(
        &self,
        user_arn: &str,
        role_arn: &str,
        favourite: bool,
    ) -> Result<(), FavouriteError>;

    /// The user's favourite role ARNs, oldest mark first.
    async fn list(&self, user_arn: &str) -> Result<Vec<String>, FavouriteError>;
}

pub struct SqlFavouriteRoles {
    db: Db,
}

impl SqlFavouriteRoles {
    pub fn new(db: Db) -> Self {
        SqlFavouriteRoles { db }
    }
}

#[async_trait]
impl FavouriteRoleStore for SqlFavouriteRoles {
    async fn set(
        &self,
        user_arn: &str,
        role_arn: &str,
        favourite: bool,
    ) -> Result<(), FavouriteError> {
        if !favourite {
            on_db!(&self.db, pool => {
                sqlx::query("DELETE FROM favourite_roles WHERE user_arn = $1 AND role_arn = $2")
                    .bind(user_arn)
                    .bind(role_arn)
                    .execute(pool)
                    .await?;
            });
            return Ok(());
        }
        // One statement decides, so that two marks at once cannot pass the bound together.
        let inserted = on_db!(&self.db, pool => {
            sqlx::query(
                "INSERT INTO favourite_roles (user_arn, role_arn, created_at) \
                 SELECT $1, $2, $3 WHERE (SELECT COUNT(*) FROM favourite_roles WHERE user_arn = $1) < $4 \
                 ON CONFLICT (user_arn, role_arn) DO NOTHING",
            )
            .bind(user_arn)
            .bind(role_arn)
            .bind(crate::clock::now())
            .bind(MAX_PER_USER)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if inserted == 0 && !self.list(user_arn).await?.iter().any(|r| r == role_arn) {
            return Err(FavouriteError::TooMany);
        }
        Ok(())
    }

    async fn list(&self, user_arn: &str) -> Result<Vec<String>, FavouriteError> {
        let rows: Vec<(String,)> = on_db!(&self.db, pool => {
            sqlx::query_as(
                "SELECT role_arn FROM favourite_roles WHERE user_arn = $1 \
                 ORDER BY created_at, role_arn",
            )
            .bind(user_arn)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(|(arn,)| arn).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
    const PROD: &str = "arn:aws:iam::123456789012:role/UpdateAPP";
    const STAGING: &str = "arn:aws:iam::444455556666:role/UpdateAPP";

    #[tokio::test]
    async fn favourites_are_per_user_and_marking_twice_changes_nothing() {
        for test_db in crate::test_support::databases().await {
            let store = SqlFavouriteRoles::new(test_db.storage.db().clone());
            store.set(ALICE, STAGING, true).await.expect("mark");
            store.set(ALICE, PROD, true).await.expect("mark");
            store.set(ALICE, STAGING, true).await.expect("again");
            store
                .set("arn:aws:iam::111122223333:user/bob", PROD, true)
                .await
                .expect("bob");
            let mut mine = store.list(ALICE).await.expect("list");
            mine.sort();
            assert_eq!(mine, vec![PROD.to_string(), STAGING.to_string()]);
            store.set(ALICE, STAGING, false).await.expect("unmark");
            store
                .set(ALICE, STAGING, false)
                .await
                .expect("unmark again");
            assert_eq!(store.list(ALICE).await.expect("list"), vec![PROD]);
        }
    }

    #[tokio::test]
    async fn the_number_of_favourites_is_bounded() {
        for test_db in crate::test_support::databases().await {
            let store = SqlFavouriteRoles::new(test_db.storage.db().clone());
            for i in 0..MAX_PER_USER {
                store
                    .set(ALICE, &format!("arn:aws:iam::123456789012:role/R{i}"), true)
                    .await
                    .expect("mark");
            }
            let refused = store.set(ALICE, PROD, true).await;
            assert!(
                matches!(refused, Err(FavouriteError::TooMany)),
                "{refused:?}"
            );
            // One already marked may be marked again.
            store
                .set(ALICE, "arn:aws:iam::123456789012:role/R0", true)
                .await
                .expect("already one");
            assert_eq!(
                store.list(ALICE).await.expect("list").len() as i64,
                MAX_PER_USER
            );
        }
    }
}
