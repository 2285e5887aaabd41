//! The audit trail: an append-only record of what people did and what the console decided.
//!
//! Users see generic messages; the detailed reasons (which check failed, which policy decided)
//! are written here for administrators.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    Allowed,
    Denied,
    Info,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "Allowed",
            Decision::Denied => "Denied",
            Decision::Info => "Info",
        }
    }
}

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
    async fn recent(&self, limit: u32) -> Result<Vec<AuditRecord>, AuditError>;
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
        let at = OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .map_err(|e| AuditError::Malformed {
                id: 0,
                reason: e.to_string(),
            })?;
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

    async fn recent(&self, limit: u32) -> Result<Vec<AuditRecord>, AuditError> {
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
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, at, actor, account_id, action, decision, client_ip, detail \
             FROM audit_events ORDER BY id DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(
                |(id, at, actor, account_id, action, decision, client_ip, detail)| {
                    let malformed = |reason: String| AuditError::Malformed { id, reason };
                    let at = OffsetDateTime::parse(&at, &Rfc3339)
                        .map_err(|e| malformed(e.to_string()))?;
                    let decision = match decision.as_str() {
                        "Allowed" => Decision::Allowed,
                        "Denied" => Decision::Denied,
                        "Info" => Decision::Info,
                        other => return Err(malformed(format!("unknown decision {other:?}"))),
                    };
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
}
