//! Failure counters in the console's database: one row per failure, so that every instance
//! sharing the database sees the same count (a user locked out on one is locked out on all)
//! and a restart forgives nothing.

use std::time::Duration;

use async_trait::async_trait;

use super::{FailureCounters, FailureCountersError};
use crate::on_db;
use crate::storage::Db;

/// One counter (sign-in per user, sign-in per client, MFA per user) in the shared table.
pub struct SqlFailureCounters {
    db: Db,
    /// Which counter of the table this is.
    counter: &'static str,
    max_failures: i64,
    window: Duration,
}

impl SqlFailureCounters {
    pub fn new(db: Db, counter: &'static str, max_failures: u32, window: Duration) -> Self {
        SqlFailureCounters {
            db,
            counter,
            max_failures: i64::from(max_failures.max(1)),
            window,
        }
    }

    fn window_ms(&self) -> i64 {
        i64::try_from(self.window.as_millis()).unwrap_or(i64::MAX)
    }
}

fn now_ms() -> i64 {
    i64::try_from(crate::clock::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn unavailable(e: sqlx::Error) -> FailureCountersError {
    FailureCountersError::Unavailable(e.to_string())
}

#[async_trait]
impl FailureCounters for SqlFailureCounters {
    async fn check(&self, key: &str) -> Result<Option<Duration>, FailureCountersError> {
        let now = now_ms();
        let since = now.saturating_sub(self.window_ms());
        // The newest `max_failures` failures inside the window: locked while there are that
        // many, until the oldest of them leaves the window.
        let times: Vec<i64> = on_db!(&self.db, pool => {
            sqlx::query_scalar(
                "SELECT at_ms FROM failure_events WHERE counter = $1 AND key = $2 AND at_ms > $3 \
                 ORDER BY at_ms DESC LIMIT $4",
            )
            .bind(self.counter)
            .bind(key)
            .bind(since)
            .bind(self.max_failures)
            .fetch_all(pool)
            .await
        })
        .map_err(unavailable)?;
        if (times.len() as i64) < self.max_failures {
            return Ok(None);
        }
        let oldest = times.last().copied().unwrap_or(now);
        let locked_ms = (oldest + self.window_ms()).saturating_sub(now).max(0);
        Ok(Some(Duration::from_millis(locked_ms.unsigned_abs())))
    }

    async fn record_failure(&self, key: &str) -> Result<(), FailureCountersError> {
        let now = now_ms();
        let expired = now.saturating_sub(self.window_ms());
        on_db!(&self.db, pool => {
            sqlx::query("INSERT INTO failure_events (counter, key, at_ms) VALUES ($1, $2, $3)")
                .bind(self.counter)
                .bind(key)
                .bind(now)
                .execute(pool)
                .await
                .map_err(unavailable)?;
            // Failures that left the window never count again; a flood of random names
            // leaves no more rows behind than one window's worth.
            sqlx::query("DELETE FROM failure_events WHERE counter = $1 AND at_ms <= $2")
                .bind(self.counter)
                .bind(expired)
                .execute(pool)
                .await
                .map(|_| ())
                .map_err(unavailable)
        })
    }

    async fn reset(&self, key: &str) -> Result<(), FailureCountersError> {
        on_db!(&self.db, pool => {
            sqlx::query("DELETE FROM failure_events WHERE counter = $1 AND key = $2")
                .bind(self.counter)
                .bind(key)
                .execute(pool)
                .await
                .map(|_| ())
        })
        .map_err(unavailable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_key_is_locked_after_its_limit_on_every_handle_of_the_database() {
        for db in crate::test_support::databases().await {
            let name = db.name;
            // Two handles on one database: two instances.
            let first = SqlFailureCounters::new(
                db.storage.db().clone(),
                "test",
                3,
                Duration::from_secs(60),
            );
            let second = SqlFailureCounters::new(
                db.storage.db().clone(),
                "test",
                3,
                Duration::from_secs(60),
            );
            first.record_failure("alice").await.expect("record");
            second.record_failure("alice").await.expect("record");
            assert_eq!(first.check("alice").await.expect("check"), None, "{name}");
            first.record_failure("alice").await.expect("record");
            let locked = second.check("alice").await.expect("check");
            assert!(
                locked.is_some_and(|d| d > Duration::from_secs(50) && d <= Duration::from_secs(60)),
                "{name}: {locked:?}"
            );
            // Per key and per counter.
            assert_eq!(first.check("bob").await.expect("check"), None, "{name}");
            let other = SqlFailureCounters::new(
                db.storage.db().clone(),
                "other",
                3,
                Duration::from_secs(60),
            );
            assert_eq!(other.check("alice").await.expect("check"), None, "{name}");
            // A success on either forgives on both.
            second.reset("alice").await.expect("reset");
            assert_eq!(first.check("alice").await.expect("check"), None, "{name}");
        }
    }

    #[tokio::test]
    async fn failures_leave_the_window() {
        for db in crate::test_support::databases().await {
            let counters = SqlFailureCounters::new(
                db.storage.db().clone(),
                "test",
                2,
                Duration::from_millis(200),
            );
            counters.record_failure("alice").await.expect("record");
            counters.record_failure("alice").await.expect("record");
            assert!(counters.check("alice").await.expect("check").is_some());
            tokio::time::sleep(Duration::from_millis(250)).await;
            assert_eq!(
                counters.check("alice").await.expect("check"),
                None,
                "{}",
                db.name
            );
        }
    }
}
