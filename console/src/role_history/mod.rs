//! The role history: the roles each user switched to, for the "switch again" shortcuts.
//!
//! Behind [`RoleHistoryStore`]; [`SqlRoleHistory`] keeps it in the console's database
//! (SQLite or PostgreSQL).

use async_trait::async_trait;

use crate::on_db;
use crate::storage::Db;

use types::role_history::RoleHistoryEntry;

/// Distinct roles kept per user; older ones are forgotten first.
pub const KEPT_PER_USER: i64 = 100;

#[derive(Debug, thiserror::Error)]
pub enum RoleHistoryError {
    #[error("role history store: {0}")]
    Store(#[from] sqlx::Error),
}

#[async_trait]
pub trait RoleHistoryStore: Send + Sync {
    /// Records a successful switch (or refreshes the role's entry), keeping at most
    /// [`KEPT_PER_USER`] roles per user.
    async fn record(
        &self,
        user_arn: &str,
        entry: &RoleHistoryEntry,
    ) -> Result<(), RoleHistoryError>;

    /// The user's roles, most recently used first. `account_alias` is left for the caller to
    /// fill from the directory (aliases can change).
    async fn list(
        &self,
        user_arn: &str,
        limit: usize,
    ) -> Result<Vec<RoleHistoryEntry>, RoleHistoryError>;
}

pub struct SqlRoleHistory {
    db: Db,
}

impl SqlRoleHistory {
    pub fn new(db: Db) -> Self {
        SqlRoleHistory { db }
    }
}

#[async_trait]
impl RoleHistoryStore for SqlRoleHistory {
    async fn record(
        &self,
        user_arn: &str,
        entry: &RoleHistoryEntry,
    ) -> Result<(), RoleHistoryError> {
        on_db!(&self.db, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO role_history (user_arn, account_id, role, display_name, color, last_used_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (user_arn, account_id, role) DO UPDATE SET \
                   display_name = excluded.display_name, color = excluded.color, \
                   last_used_at = excluded.last_used_at, uses = role_history.uses + 1",
            )
            .bind(user_arn)
            .bind(&entry.account_id)
            .bind(&entry.role)
            .bind(&entry.display_name)
            .bind(&entry.color)
            .bind(entry.last_used_at)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "DELETE FROM role_history WHERE user_arn = $1 AND (account_id, role) NOT IN \
                 (SELECT account_id, role FROM role_history WHERE user_arn = $1 \
                  ORDER BY last_used_at DESC LIMIT $2)",
            )
            .bind(user_arn)
            .bind(KEPT_PER_USER)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    async fn list(
        &self,
        user_arn: &str,
        limit: usize,
    ) -> Result<Vec<RoleHistoryEntry>, RoleHistoryError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows: Vec<(String, String, String, String, i64, i64)> = on_db!(&self.db, pool => {
            sqlx::query_as(
                "SELECT account_id, role, display_name, color, last_used_at, uses FROM role_history \
                 WHERE user_arn = $1 ORDER BY last_used_at DESC, uses DESC, role LIMIT $2",
            )
            .bind(user_arn)
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(account_id, role, display_name, color, last_used_at, uses)| RoleHistoryEntry {
                    account_id,
                    account_alias: None,
                    role,
                    display_name,
                    color,
                    last_used_at,
                    uses,
                },
            )
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(role: &str, at: i64) -> RoleHistoryEntry {
        RoleHistoryEntry {
            account_id: "123456789012".into(),
            account_alias: None,
            role: role.into(),
            display_name: format!("{role} @ production"),
            color: "#b7ca9d".into(),
            last_used_at: at,
            uses: 1,
        }
    }

    #[tokio::test]
    async fn newest_first_one_row_per_role_and_per_user() {
        for test_db in crate::test_support::databases().await {
            let db = SqlRoleHistory::new(test_db.storage.db().clone());
            let alice = "arn:aws:iam::111122223333:user/alice";
            db.record(alice, &entry("A", 10)).await.expect("A");
            db.record(alice, &entry("B", 20)).await.expect("B");
            db.record(alice, &entry("A", 30)).await.expect("A again");
            db.record("arn:aws:iam::111122223333:user/bob", &entry("C", 40))
                .await
                .expect("bob");
            let roles = db.list(alice, 10).await.expect("list");
            let names: Vec<(&str, i64)> = roles.iter().map(|r| (r.role.as_str(), r.uses)).collect();
            assert_eq!(names, vec![("A", 2), ("B", 1)]);
            assert_eq!(db.list(alice, 1).await.expect("list").len(), 1);
        }
    }

    #[tokio::test]
    async fn only_the_newest_roles_are_kept() {
        for test_db in crate::test_support::databases().await {
            let db = SqlRoleHistory::new(test_db.storage.db().clone());
            let alice = "arn:aws:iam::111122223333:user/alice";
            for i in 0..KEPT_PER_USER + 3 {
                db.record(alice, &entry(&format!("R{i}"), i))
                    .await
                    .expect("record");
            }
            let roles = db.list(alice, 1000).await.expect("list");
            assert_eq!(roles.len() as i64, KEPT_PER_USER);
            assert_eq!(roles[0].role, format!("R{}", KEPT_PER_USER + 2));
            assert!(!roles.iter().any(|r| r.role == "R0"));
        }
    }
}
