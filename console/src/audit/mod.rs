//! The audit trail: an append-only record of what people did and what the console decided.
//!
//! Users see generic messages; the detailed reasons (which check failed, which policy decided)
//! are written here for administrators.

pub mod filter;
pub mod view;

use crate::on_db;
use crate::storage::{Db, Dialect};
use async_trait::async_trait;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub use self::filter::{AuditFilter, Decision};

/// The longest name-like field (actor, account, action, client) stored; S3 keys fit.
pub const MAX_NAME_FIELD_BYTES: usize = 1024;
/// The longest text inside `detail`.
pub const MAX_TEXT_BYTES: usize = 1024;

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

impl AuditEvent {
    /// The event as it may be stored: name-like fields of at most [`MAX_NAME_FIELD_BYTES`]
    /// with control characters escaped, and every text inside `detail` of at most
    /// [`MAX_TEXT_BYTES`]. The callers refuse over-long input before acting; this is the
    /// last guarantee that no row can grow with what a client sends.
    pub fn bounded(self) -> AuditEvent {
        let name = |value: Option<String>| {
            value.map(|v| bound_text(&escape_controls(&v), MAX_NAME_FIELD_BYTES))
        };
        AuditEvent {
            actor: name(self.actor),
            account_id: name(self.account_id),
            action: bound_text(&escape_controls(&self.action), MAX_NAME_FIELD_BYTES),
            decision: self.decision,
            client_ip: name(self.client_ip),
            detail: bound_detail(self.detail, 0),
        }
    }
}

/// Beyond this depth a detail value is replaced: nothing the console writes nests deeper.
const MAX_DETAIL_DEPTH: usize = 8;
/// Entries of one detail array or object kept.
const MAX_DETAIL_ENTRIES: usize = 64;

fn escape_controls(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn bound_text(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…[truncated {} bytes]", &text[..end], text.len() - end)
}

fn bound_detail(value: serde_json::Value, depth: usize) -> serde_json::Value {
    use serde_json::Value;
    if depth >= MAX_DETAIL_DEPTH {
        return Value::String("[too deep]".into());
    }
    match value {
        Value::String(text) => Value::String(bound_text(&text, MAX_TEXT_BYTES)),
        Value::Array(items) => {
            let total = items.len();
            let mut kept: Vec<Value> = items
                .into_iter()
                .take(MAX_DETAIL_ENTRIES)
                .map(|v| bound_detail(v, depth + 1))
                .collect();
            if total > MAX_DETAIL_ENTRIES {
                kept.push(Value::String(format!(
                    "[{} more]",
                    total - MAX_DETAIL_ENTRIES
                )));
            }
            Value::Array(kept)
        }
        Value::Object(map) => Value::Object(
            map.into_iter()
                .take(MAX_DETAIL_ENTRIES)
                .map(|(k, v)| {
                    (
                        bound_text(&k, MAX_NAME_FIELD_BYTES),
                        bound_detail(v, depth + 1),
                    )
                })
                .collect(),
        ),
        other => other,
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
    /// The newest matching events first, at most `limit`, read from the store as the stream
    /// is consumed: an export of any size holds a few rows in memory at a time.
    fn export(&self, filter: &AuditFilter, limit: u32) -> AuditStream;
}

/// Events one by one; an error ends the stream.
pub type AuditStream =
    std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<AuditRecord, AuditError>> + Send>>;

/// Rows read ahead of the consumer of an export.
const EXPORT_READ_AHEAD: usize = 64;

type StoredRow = (
    i64,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<String>,
    String,
);

/// The filter as one statement, for either database.
fn filtered_query<'a, DB>(
    dialect: Dialect,
    filter: &AuditFilter,
    limit: u32,
) -> Result<sqlx::QueryBuilder<'a, DB>, AuditError>
where
    DB: sqlx::Database,
    DB::Arguments<'a>: Default,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let mut sql = sqlx::QueryBuilder::<DB>::new(
        "SELECT id, at, actor, account_id, action, decision, client_ip, detail \
         FROM audit_events WHERE 1 = 1",
    );
    if let Some(actor) = filter.actor.as_deref().filter(|a| !a.is_empty()) {
        // A position function rather than LIKE: no wildcard characters to escape in what
        // people type.
        sql.push(format_args!(
            " AND {}(lower(coalesce(actor, '')), lower(",
            dialect.position_function()
        ))
        .push_bind(actor.to_string())
        .push(")) > 0");
    }
    if let Some(action) = filter.action.as_deref().filter(|a| !a.is_empty()) {
        sql.push(" AND action = ").push_bind(action.to_string());
    }
    if let Some(decision) = filter.decision {
        sql.push(" AND decision = ")
            .push_bind(decision.as_str().to_string());
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
    sql.push(" ORDER BY id DESC LIMIT ")
        .push_bind(i64::from(limit));
    Ok(sql)
}

fn record_of(row: StoredRow) -> Result<AuditRecord, AuditError> {
    let (id, at, actor, account_id, action, decision, client_ip, detail) = row;
    let malformed = |reason: String| AuditError::Malformed { id, reason };
    let at = OffsetDateTime::parse(&at, &Rfc3339).map_err(|e| malformed(e.to_string()))?;
    let decision = Decision::parse(&decision)
        .ok_or_else(|| malformed(format!("unknown decision {decision:?}")))?;
    let detail = serde_json::from_str(&detail).map_err(|e| malformed(e.to_string()))?;
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

/// The audit trail in the console's database (SQLite or PostgreSQL).
pub struct SqlAuditLog {
    db: Db,
}

impl SqlAuditLog {
    pub fn new(db: Db) -> Self {
        SqlAuditLog { db }
    }
}

#[async_trait]
impl AuditLog for SqlAuditLog {
    async fn append(&self, event: AuditEvent) -> Result<(), AuditError> {
        let event = event.bounded();
        let at = stored_time(crate::clock::now_utc())?;
        let detail = event.detail.to_string();
        on_db!(&self.db, pool => sqlx::query(
            "INSERT INTO audit_events (at, actor, account_id, action, decision, client_ip, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&at)
        .bind(&event.actor)
        .bind(&event.account_id)
        .bind(&event.action)
        .bind(event.decision.as_str())
        .bind(&event.client_ip)
        .bind(&detail)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
        Ok(())
    }

    async fn query(
        &self,
        filter: &AuditFilter,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, AuditError> {
        let dialect = self.db.dialect();
        let rows: Vec<StoredRow> = on_db!(&self.db, pool => {
            let mut sql = filtered_query(dialect, filter, limit)?;
            sql.build_query_as().fetch_all(pool).await?
        });
        rows.into_iter().map(record_of).collect()
    }

    fn export(&self, filter: &AuditFilter, limit: u32) -> AuditStream {
        use futures_util::StreamExt as _;
        let (sender, receiver) = tokio::sync::mpsc::channel(EXPORT_READ_AHEAD);
        let db = self.db.clone();
        let filter = filter.clone();
        // The rows are read by a task of their own: the stream a response body holds must
        // own everything, and the bounded channel keeps the reader just ahead of the client.
        tokio::spawn(async move {
            let dialect = db.dialect();
            on_db!(&db, pool => {
                let mut sql = match filtered_query(dialect, &filter, limit) {
                    Ok(sql) => sql,
                    Err(e) => {
                        let _ = sender.send(Err(e)).await;
                        return;
                    }
                };
                let mut rows = sql.build_query_as::<StoredRow>().fetch(pool);
                while let Some(row) = rows.next().await {
                    let item = row.map_err(AuditError::from).and_then(record_of);
                    let failed = item.is_err();
                    if sender.send(item).await.is_err() || failed {
                        // The client went away, or the stream ends with its error.
                        return;
                    }
                }
            })
        });
        Box::pin(futures_util::stream::unfold(
            receiver,
            |mut receiver| async move { receiver.recv().await.map(|item| (item, receiver)) },
        ))
    }

    async fn actions(&self) -> Result<Vec<String>, AuditError> {
        Ok(on_db!(&self.db, pool => {
            sqlx::query_scalar("SELECT DISTINCT action FROM audit_events ORDER BY action")
                .fetch_all(pool)
                .await?
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The log on each database; the storage contract below holds on both.
    async fn logs() -> Vec<(crate::test_support::TestDb, SqlAuditLog)> {
        crate::test_support::on_each_database(|storage| SqlAuditLog::new(storage.db().clone()))
            .await
    }

    #[tokio::test]
    async fn an_export_streams_the_newest_matching_events_up_to_its_cap() {
        use futures_util::StreamExt as _;
        for (db, log) in logs().await {
            let name = db.name;
            for i in 0..5 {
                log.append(AuditEvent::new("SignIn", Decision::Denied).actor(format!("u{i}")))
                    .await
                    .expect("append");
            }
            log.append(AuditEvent::new("SignOut", Decision::Info))
                .await
                .expect("append");
            let filter = AuditFilter {
                action: Some("SignIn".into()),
                ..Default::default()
            };
            let actors: Vec<String> = log
                .export(&filter, 3)
                .map(|r| r.expect("row").event.actor.unwrap_or_default())
                .collect()
                .await;
            assert_eq!(actors, vec!["u4", "u3", "u2"], "{name}");
        }
    }

    #[tokio::test]
    async fn no_field_reaches_the_store_unbounded_or_with_control_characters() {
        for (db, log) in logs().await {
            let name = db.name;
            let huge = "x".repeat(2 * 1024 * 1024);
            log.append(
                AuditEvent::new("SignIn", Decision::Denied)
                    .actor(format!("evil\n{huge}"))
                    .account(huge.clone())
                    .detail(json!({ "reason": huge.clone(), "key": "k".repeat(5000), "list": [huge.clone()] })),
            )
            .await
            .expect("append");
            let stored = &log.recent(1).await.expect("recent")[0].event;
            let actor = stored.actor.as_deref().unwrap_or_default();
            assert!(
                actor.len() <= MAX_NAME_FIELD_BYTES + 64,
                "{name}: {}",
                actor.len()
            );
            assert!(!actor.chars().any(char::is_control), "{actor:.40}");
            assert!(actor.starts_with("evil\\u{a}x"), "{actor:.40}");
            assert!(
                stored.account_id.as_deref().unwrap_or_default().len() <= MAX_NAME_FIELD_BYTES + 64
            );
            let detail = stored.detail.to_string();
            assert!(detail.len() < 8 * 1024, "{}", detail.len());
            assert!(
                stored.detail["reason"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("truncated")
            );
        }
    }

    #[tokio::test]
    async fn stored_events_cannot_be_changed_deleted_or_replaced() {
        for (db, log) in logs().await {
            let name = db.name;
            log.append(AuditEvent::new("SignIn", Decision::Denied).actor("mallory"))
                .await
                .expect("append");
            let id = log.recent(1).await.expect("recent")[0].id;
            let mut statements = vec![
                "UPDATE audit_events SET decision = 'Allowed'".to_string(),
                "DELETE FROM audit_events".to_string(),
                format!(
                    "INSERT INTO audit_events (id, at, action, decision) \
                     VALUES ({id}, '2000-01-01T00:00:00Z', 'Nothing', 'Info') \
                     ON CONFLICT (id) DO UPDATE SET action = 'Nothing'"
                ),
            ];
            match db.storage.db().dialect() {
                Dialect::Sqlite => statements.extend([
                    format!(
                        "INSERT OR REPLACE INTO audit_events (id, at, action, decision) \
                         VALUES ({id}, '2000-01-01T00:00:00Z', 'Nothing', 'Info')"
                    ),
                    format!(
                        "REPLACE INTO audit_events (id, at, action, decision) \
                         VALUES ({id}, '2000-01-01T00:00:00Z', 'Nothing', 'Info')"
                    ),
                ]),
                Dialect::Postgres => statements.push("TRUNCATE audit_events".to_string()),
            }
            for statement in statements {
                let result = on_db!(db.storage.db(), pool => sqlx::query(&statement).execute(pool).await.map(|_| ()));
                assert!(result.is_err(), "{name}: {statement} was accepted");
            }
            let kept = log.recent(10).await.expect("recent");
            assert_eq!(kept.len(), 1, "{name}");
            assert_eq!(kept[0].event.action, "SignIn");
            assert_eq!(kept[0].event.decision, Decision::Denied);
            // New events still go in.
            log.append(AuditEvent::new("SignIn", Decision::Allowed))
                .await
                .expect("append after");
        }
    }

    #[tokio::test]
    async fn filters_combine_and_pages_go_back_in_time() {
        for (db, log) in logs().await {
            let name = db.name;
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
            assert_eq!(all.len(), 4, "{name}");
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
            let future = crate::clock::now_utc() + time::Duration::hours(1);
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
}
