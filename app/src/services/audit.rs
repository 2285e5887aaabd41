//! The audit trail: an append-only record of what people did and what the console decided.
//!
//! Users see generic messages; the detailed reasons (which check failed, which policy decided)
//! are written here for administrators.

use async_trait::async_trait;
use sqlx::SqlitePool;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub use super::audit_filter::{AuditFilter, Decision};

/// One thing that happened.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEvent {
    /// The user's ARN, or the name that was tried when nobody is signed in.
    pub actor: Option<String>,
    pub account_id: Option<String>,
    pub action: String,
    pub decision: Decision,
    pub client_ip: Option<String>,
    /// Reasons and parameters, for administrators only.
    pub detail: serde_json::Value,
}

impl AuditEvent {
    pub fn new(action: &str, decision: Decision) -> Self {
        AuditEvent {
            actor: None,
            account_id: None,
            action: action.to_string(),
            decision,
            client_ip: None,
            detail: serde_json::Value::Object(Default::default()),
        }
    }

    pub fn actor(mut self, actor: impl Into<String>) -> Self {
        self.actor = Some(actor.into());
        self
    }

    pub fn account(mut self, account_id: impl Into<String>) -> Self {
        self.account_id = Some(account_id.into());
        self
    }

    pub fn client(mut self, client_ip: impl ToString) -> Self {
        self.client_ip = Some(client_ip.to_string());
        self
    }

    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

/// A stored event.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditRecord {
    pub id: i64,
    pub at: OffsetDateTime,
    pub event: AuditEvent,
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit store: {0}")]
    Store(#[from] sqlx::Error),
    #[error("audit record {id} is malformed: {reason}")]
    Malformed { id: i64, reason: String },
}

/// Where audit events are kept. SQLite now; PostgreSQL when several instances share state.
#[async_trait]
pub trait AuditLog: Send + Sync {
    async fn append(&self, event: AuditEvent) -> Result<(), AuditError>;
    /// The newest events first.
    async fn recent(&self, limit: u32) -> Result<Vec<AuditRecord>, AuditError> {
        self.query(&AuditFilter::default(), limit).await
    }
    /// The newest matching events first.
    async fn query(&self, filter: &AuditFilter, limit: u32)
    -> Result<Vec<AuditRecord>, AuditError>;
    /// Every action name recorded so far, sorted (for the filter's choices).
    async fn actions(&self) -> Result<Vec<String>, AuditError>;
}

/// Timestamps are stored as RFC 3339 in UTC; whole seconds compare correctly as text.
fn stored_time(at: OffsetDateTime) -> Result<String, AuditError> {
    at.to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .map_err(|e| AuditError::Malformed {
            id: 0,
            reason: e.to_string(),
        })?
        .format(&Rfc3339)
        .map_err(|e| AuditError::Malformed {
            id: 0,
            reason: e.to_string(),
        })
}

pub struct SqliteAuditLog {
    pool: SqlitePool,
}

impl SqliteAuditLog {
    pub fn new(pool: SqlitePool) -> Self {
        SqliteAuditLog { pool }
    }
}

#[async_trait]
impl AuditLog for SqliteAuditLog {
    async fn append(&self, event: AuditEvent) -> Result<(), AuditError> {
        let at = stored_time(OffsetDateTime::now_utc())?;
        sqlx::query(
            "INSERT INTO audit_events (at, actor, account_id, action, decision, client_ip, detail) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(at)
        .bind(&event.actor)
        .bind(&event.account_id)
        .bind(&event.action)
        .bind(event.decision.as_str())
        .bind(&event.client_ip)
        .bind(event.detail.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn query(
        &self,
        filter: &AuditFilter,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, AuditError> {
        type Row = (
            i64,
            String,
            Option<String>,
            Option<String>,
            String,
            String,
            Option<String>,
            String,
        );
        let mut sql = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "SELECT id, at, actor, account_id, action, decision, client_ip, detail \
             FROM audit_events WHERE 1 = 1",
        );
        if let Some(actor) = filter.actor.as_deref().filter(|a| !a.is_empty()) {
            // instr() rather than LIKE: no wildcard characters to escape in what people type.
            sql.push(" AND instr(lower(coalesce(actor, '')), lower(")
                .push_bind(actor.to_string())
                .push(")) > 0");
        }
        if let Some(action) = filter.action.as_deref().filter(|a| !a.is_empty()) {
            sql.push(" AND action = ").push_bind(action.to_string());
        }
        if let Some(decision) = filter.decision {
            sql.push(" AND decision = ").push_bind(decision.as_str());
        }
        if let Some(from) = filter.from {
            sql.push(" AND at >= ").push_bind(stored_time(from)?);
        }
        if let Some(to) = filter.to {
            sql.push(" AND at < ").push_bind(stored_time(to)?);
        }
        if let Some(before) = filter.before_id {
            sql.push(" AND id < ").push_bind(before);
        }
        sql.push(" ORDER BY id DESC LIMIT ").push_bind(limit);
        let rows: Vec<Row> = sql.build_query_as().fetch_all(&self.pool).await?;
        rows.into_iter()
            .map(
                |(id, at, actor, account_id, action, decision, client_ip, detail)| {
                    let malformed = |reason: String| AuditError::Malformed { id, reason };
                    let at = OffsetDateTime::parse(&at, &Rfc3339)
                        .map_err(|e| malformed(e.to_string()))?;
                    let decision = Decision::parse(&decision)
                        .ok_or_else(|| malformed(format!("unknown decision {decision:?}")))?;
                    let detail =
                        serde_json::from_str(&detail).map_err(|e| malformed(e.to_string()))?;
                    Ok(AuditRecord {
                        id,
                        at,
                        event: AuditEvent {
                            actor,
                            account_id,
                            action,
                            decision,
                            client_ip,
                            detail,
                        },
                    })
                },
            )
            .collect()
    }

    async fn actions(&self) -> Result<Vec<String>, AuditError> {
        Ok(
            sqlx::query_scalar("SELECT DISTINCT action FROM audit_events ORDER BY action")
                .fetch_all(&self.pool)
                .await?,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn log() -> (SqliteAuditLog, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = crate::services::db::open(dir.path()).await.expect("db");
        (SqliteAuditLog::new(db), dir)
    }

    #[tokio::test]
    async fn filters_combine_and_pages_go_back_in_time() {
        let (log, _dir) = log().await;
        let alice = "arn:aws:iam::111122223333:user/alice";
        let bob = "arn:aws:iam::111122223333:user/bob";
        for (actor, action, decision) in [
            (alice, "SignIn", Decision::Allowed),
            (bob, "SwitchRole", Decision::Denied),
            (alice, "SwitchRole", Decision::Allowed),
            (alice, "SwitchBack", Decision::Info),
        ] {
            log.append(AuditEvent::new(action, decision).actor(actor))
                .await
                .expect("append");
        }
        let log = &log;
        let query = |filter: AuditFilter| async move {
            log.query(&filter, 10)
                .await
                .expect("query")
                .into_iter()
                .map(|r| (r.event.action, r.event.decision))
                .collect::<Vec<_>>()
        };
        let all = query(AuditFilter::default()).await;
        assert_eq!(all.len(), 4);
        assert_eq!(all[0].0, "SwitchBack");
        let alice_switches = query(AuditFilter {
            actor: Some("ALICE".into()),
            action: Some("SwitchRole".into()),
            ..Default::default()
        })
        .await;
        assert_eq!(
            alice_switches,
            vec![("SwitchRole".into(), Decision::Allowed)]
        );
        let denied = query(AuditFilter {
            decision: Some(Decision::Denied),
            ..Default::default()
        })
        .await;
        assert_eq!(denied, vec![("SwitchRole".into(), Decision::Denied)]);
        // A wildcard typed into the user filter is a plain character.
        assert!(
            query(AuditFilter {
                actor: Some("%".into()),
                ..Default::default()
            })
            .await
            .is_empty()
        );
        let newest = log.recent(1).await.expect("recent");
        let older = query(AuditFilter {
            before_id: Some(newest[0].id),
            ..Default::default()
        })
        .await;
        assert_eq!(older.len(), 3);
        let future = OffsetDateTime::now_utc() + time::Duration::hours(1);
        assert!(
            query(AuditFilter {
                from: Some(future),
                ..Default::default()
            })
            .await
            .is_empty()
        );
        assert_eq!(
            query(AuditFilter {
                to: Some(future),
                ..Default::default()
            })
            .await
            .len(),
            4
        );
        assert_eq!(
            log.actions().await.expect("actions"),
            vec!["SignIn", "SwitchBack", "SwitchRole"]
        );
    }
}
