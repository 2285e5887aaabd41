//! Where access requests and their approvals live: behind [`AccessRequestStore`], with
//! [`SqlAccessRequests`] in the console's database (SQLite or PostgreSQL), so that several
//! instances share them. Every change of status is one conditional statement: two approvers
//! (or an approver and the requester) acting at once cannot both win.

use async_trait::async_trait;
use types::access_requests::RequestStatus;

use crate::on_db;
use crate::storage::Db;

/// Pending requests one user may have at once (over all roles).
pub const MAX_PENDING_PER_USER: i64 = 20;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("access request store: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("access request store: unknown status {0:?}")]
    BadStatus(String),
}

/// A request as stored (ARNs, Unix times).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRequest {
    pub id: i64,
    pub requester_arn: String,
    pub role_arn: String,
    pub reason: String,
    pub ticket: Option<String>,
    pub duration_seconds: i64,
    pub approvals_required: i64,
    pub created_at: i64,
    pub status: RequestStatus,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub comment: Option<String>,
    pub grant_ends_at: Option<i64>,
    /// In the order they were given.
    pub approvals: Vec<StoredApproval>,
}

impl StoredRequest {
    /// The status at `now`: an approved request whose grant has run out is expired, whether
    /// or not the sweeper has marked it yet.
    pub fn status_at(&self, now: i64) -> RequestStatus {
        match (self.status, self.grant_ends_at) {
            (RequestStatus::Approved, Some(end)) if end <= now => RequestStatus::Expired,
            (status, _) => status,
        }
    }

    /// Whether it is a grant in force at `now`.
    pub fn grants_at(&self, now: i64) -> bool {
        self.status_at(now) == RequestStatus::Approved
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredApproval {
    pub approver_arn: String,
    pub approved_at: i64,
    pub comment: Option<String>,
}

/// A request to be created.
#[derive(Clone, Debug)]
pub struct NewRequest {
    pub requester_arn: String,
    pub role_arn: String,
    pub reason: String,
    pub ticket: Option<String>,
    pub duration_seconds: i64,
    pub approvals_required: i64,
    pub created_at: i64,
}

/// What became of an approval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Approval {
    /// Recorded; `granted` when it was the last one needed (the grant runs from now).
    Recorded { granted: bool },
    /// This approver approved it before.
    AlreadyApproved,
    /// It is not pending (any more).
    NotPending,
}

/// Why a request could not be created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Created {
    Id(i64),
    /// The requester has a pending request for this role already.
    AlreadyPending,
    /// The requester has [`MAX_PENDING_PER_USER`] pending requests.
    TooManyPending,
}

#[async_trait]
pub trait AccessRequestStore: Send + Sync {
    async fn create(&self, request: &NewRequest) -> Result<Created, StoreError>;
    async fn get(&self, id: i64) -> Result<Option<StoredRequest>, StoreError>;
    /// The requester's requests, newest first.
    async fn by_requester(
        &self,
        requester_arn: &str,
        limit: i64,
    ) -> Result<Vec<StoredRequest>, StoreError>;
    /// Requests in one of `statuses`, newest first.
    async fn by_status(
        &self,
        statuses: &[RequestStatus],
        limit: i64,
    ) -> Result<Vec<StoredRequest>, StoreError>;
    /// Grants of the requester in force at `now`.
    async fn active_grants(
        &self,
        requester_arn: &str,
        now: i64,
    ) -> Result<Vec<StoredRequest>, StoreError>;
    /// Records `approver_arn`'s approval of a pending request; the last one needed turns it
    /// into a grant that ends `duration_seconds` after `at`.
    async fn approve(
        &self,
        id: i64,
        approver_arn: &str,
        at: i64,
        comment: Option<&str>,
    ) -> Result<Approval, StoreError>;
    /// Moves the request from `from` to `to` (denied, cancelled, revoked), recording who,
    /// when and why; `false` when it was not in `from` (for `Approved`: not in force at `at`).
    async fn close(
        &self,
        id: i64,
        from: RequestStatus,
        to: RequestStatus,
        by: &str,
        at: i64,
        comment: Option<&str>,
    ) -> Result<bool, StoreError>;
    /// Remembers that the role session with `access_key_id` was opened under grant `id`.
    async fn record_session(&self, id: i64, access_key_id: &str) -> Result<(), StoreError>;
    /// The access key IDs of the role sessions opened under grant `id`.
    async fn sessions(&self, id: i64) -> Result<Vec<String>, StoreError>;
    /// Marks every grant that ran out by `now` as expired; returns those this call marked
    /// (each exactly once, also with several instances sweeping).
    async fn expire_due(&self, now: i64) -> Result<Vec<StoredRequest>, StoreError>;
}

pub struct SqlAccessRequests {
    db: Db,
}

impl SqlAccessRequests {
    pub fn new(db: Db) -> Self {
        SqlAccessRequests { db }
    }

    /// The requests whose IDs `sql` selects (binding `$1` to `text` and `$2` to `number`), in
    /// its order.
    async fn select(
        &self,
        sql: &str,
        text: &str,
        number: i64,
    ) -> Result<Vec<StoredRequest>, StoreError> {
        let ids: Vec<(i64,)> = on_db!(&self.db, pool => {
            sqlx::query_as(sql).bind(text).bind(number).fetch_all(pool).await?
        });
        self.fetch(ids.into_iter().map(|(id,)| id).collect()).await
    }

    /// The requests of `ids`, with their approvals, in that order: two statements, whatever
    /// the number of requests.
    async fn fetch(&self, ids: Vec<i64>) -> Result<Vec<StoredRequest>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // `$1, $2, …`: IDs are bound, never written into the statement.
        let placeholders = (1..=ids.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows: Vec<Row> = on_db!(&self.db, pool => {
            let sql = format!("SELECT {COLUMNS} FROM access_requests WHERE id IN ({placeholders})");
            let mut query = sqlx::query_as(&sql);
            for id in &ids {
                query = query.bind(*id);
            }
            query.fetch_all(pool).await?
        });
        let approvals: Vec<(i64, String, i64, Option<String>)> = on_db!(&self.db, pool => {
            let sql = format!(
                "SELECT request_id, approver_arn, approved_at, comment FROM access_request_approvals \
                 WHERE request_id IN ({placeholders}) ORDER BY approved_at, approver_arn"
            );
            let mut query = sqlx::query_as(&sql);
            for id in &ids {
                query = query.bind(*id);
            }
            query.fetch_all(pool).await?
        });
        let mut by_id = std::collections::HashMap::new();
        for row in rows {
            let id = row.0;
            let of_request = approvals
                .iter()
                .filter(|a| a.0 == id)
                .map(|(_, approver_arn, approved_at, comment)| StoredApproval {
                    approver_arn: approver_arn.clone(),
                    approved_at: *approved_at,
                    comment: comment.clone(),
                })
                .collect();
            by_id.insert(id, from_row(row, of_request)?);
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }
}

type Row = (
    i64,
    String,
    String,
    String,
    Option<String>,
    i64,
    i64,
    i64,
    String,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<i64>,
);

const COLUMNS: &str = "id, requester_arn, role_arn, reason, ticket, duration_seconds, \
     approvals_required, created_at, status, decided_by, decided_at, comment, grant_ends_at";

fn from_row(row: Row, approvals: Vec<StoredApproval>) -> Result<StoredRequest, StoreError> {
    let status =
        RequestStatus::parse(&row.8).ok_or_else(|| StoreError::BadStatus(row.8.clone()))?;
    Ok(StoredRequest {
        id: row.0,
        requester_arn: row.1,
        role_arn: row.2,
        reason: row.3,
        ticket: row.4,
        duration_seconds: row.5,
        approvals_required: row.6,
        created_at: row.7,
        status,
        decided_by: row.9,
        decided_at: row.10,
        comment: row.11,
        grant_ends_at: row.12,
        approvals,
    })
}

#[async_trait]
impl AccessRequestStore for SqlAccessRequests {
    async fn create(&self, r: &NewRequest) -> Result<Created, StoreError> {
        // One statement decides, so that two submissions at once cannot pass the bounds
        // together.
        let id: Option<(i64,)> = on_db!(&self.db, pool => {
            sqlx::query_as(
                "INSERT INTO access_requests (requester_arn, role_arn, reason, ticket, \
                 duration_seconds, approvals_required, created_at, status) \
                 SELECT $1, $2, $3, $4, $5, $6, $7, 'pending' \
                 WHERE NOT EXISTS (SELECT 1 FROM access_requests WHERE requester_arn = $1 \
                   AND role_arn = $2 AND status = 'pending') \
                 AND (SELECT COUNT(*) FROM access_requests WHERE requester_arn = $1 \
                   AND status = 'pending') < $8 \
                 RETURNING id",
            )
            .bind(&r.requester_arn)
            .bind(&r.role_arn)
            .bind(&r.reason)
            .bind(&r.ticket)
            .bind(r.duration_seconds)
            .bind(r.approvals_required)
            .bind(r.created_at)
            .bind(MAX_PENDING_PER_USER)
            .fetch_optional(pool)
            .await?
        });
        if let Some((id,)) = id {
            return Ok(Created::Id(id));
        }
        let pending = self
            .by_requester(&r.requester_arn, MAX_PENDING_PER_USER * 10)
            .await?;
        if pending
            .iter()
            .any(|p| p.status == RequestStatus::Pending && p.role_arn == r.role_arn)
        {
            Ok(Created::AlreadyPending)
        } else {
            Ok(Created::TooManyPending)
        }
    }

    async fn get(&self, id: i64) -> Result<Option<StoredRequest>, StoreError> {
        Ok(self.fetch(vec![id]).await?.pop())
    }

    async fn by_requester(
        &self,
        requester_arn: &str,
        limit: i64,
    ) -> Result<Vec<StoredRequest>, StoreError> {
        self.select(
            "SELECT id FROM access_requests WHERE requester_arn = $1 ORDER BY id DESC LIMIT $2",
            requester_arn,
            limit,
        )
        .await
    }

    async fn by_status(
        &self,
        statuses: &[RequestStatus],
        limit: i64,
    ) -> Result<Vec<StoredRequest>, StoreError> {
        let mut found = Vec::new();
        for status in statuses {
            found.extend(
                self.select(
                    "SELECT id FROM access_requests WHERE status = $1 ORDER BY id DESC LIMIT $2",
                    status.as_str(),
                    limit,
                )
                .await?,
            );
        }
        found.sort_unstable_by_key(|r| std::cmp::Reverse(r.id));
        found.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(found)
    }

    async fn active_grants(
        &self,
        requester_arn: &str,
        now: i64,
    ) -> Result<Vec<StoredRequest>, StoreError> {
        self.select(
            "SELECT id FROM access_requests WHERE requester_arn = $1 \
             AND status = 'approved' AND grant_ends_at > $2 ORDER BY id",
            requester_arn,
            now,
        )
        .await
    }

    async fn approve(
        &self,
        id: i64,
        approver_arn: &str,
        at: i64,
        comment: Option<&str>,
    ) -> Result<Approval, StoreError> {
        let inserted = on_db!(&self.db, pool => {
            sqlx::query(
                "INSERT INTO access_request_approvals (request_id, approver_arn, approved_at, comment) \
                 SELECT $1, $2, $3, $4 WHERE EXISTS \
                   (SELECT 1 FROM access_requests WHERE id = $1 AND status = 'pending') \
                 ON CONFLICT (request_id, approver_arn) DO NOTHING",
            )
            .bind(id)
            .bind(approver_arn)
            .bind(at)
            .bind(comment)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if inserted == 0 {
            let Some(request) = self.get(id).await? else {
                return Ok(Approval::NotPending);
            };
            if request.status == RequestStatus::Pending
                && request
                    .approvals
                    .iter()
                    .any(|a| a.approver_arn == approver_arn)
            {
                return Ok(Approval::AlreadyApproved);
            }
            return Ok(Approval::NotPending);
        }
        let granted = on_db!(&self.db, pool => {
            sqlx::query(
                "UPDATE access_requests SET status = 'approved', decided_by = $2, decided_at = $3, \
                 grant_ends_at = $3 + duration_seconds \
                 WHERE id = $1 AND status = 'pending' AND approvals_required <= \
                   (SELECT COUNT(*) FROM access_request_approvals WHERE request_id = $1)",
            )
            .bind(id)
            .bind(approver_arn)
            .bind(at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(Approval::Recorded {
            granted: granted == 1,
        })
    }

    async fn close(
        &self,
        id: i64,
        from: RequestStatus,
        to: RequestStatus,
        by: &str,
        at: i64,
        comment: Option<&str>,
    ) -> Result<bool, StoreError> {
        let changed = on_db!(&self.db, pool => {
            sqlx::query(
                "UPDATE access_requests SET status = $3, decided_by = $4, decided_at = $5, \
                 comment = $6 \
                 WHERE id = $1 AND status = $2 \
                 AND (status <> 'approved' OR grant_ends_at > $5)",
            )
            .bind(id)
            .bind(from.as_str())
            .bind(to.as_str())
            .bind(by)
            .bind(at)
            .bind(comment)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(changed == 1)
    }

    async fn record_session(&self, id: i64, access_key_id: &str) -> Result<(), StoreError> {
        on_db!(&self.db, pool => {
            sqlx::query(
                "INSERT INTO access_grant_sessions (request_id, access_key_id) VALUES ($1, $2) \
                 ON CONFLICT (request_id, access_key_id) DO NOTHING",
            )
            .bind(id)
            .bind(access_key_id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    async fn sessions(&self, id: i64) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = on_db!(&self.db, pool => {
            sqlx::query_as(
                "SELECT access_key_id FROM access_grant_sessions WHERE request_id = $1 \
                 ORDER BY access_key_id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(|(key,)| key).collect())
    }

    async fn expire_due(&self, now: i64) -> Result<Vec<StoredRequest>, StoreError> {
        let ids: Vec<(i64,)> = on_db!(&self.db, pool => {
            sqlx::query_as(
                "UPDATE access_requests SET status = 'expired' \
                 WHERE status = 'approved' AND grant_ends_at <= $1 RETURNING id",
            )
            .bind(now)
            .fetch_all(pool)
            .await?
        });
        self.fetch(ids.into_iter().map(|(id,)| id).collect()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOB: &str = "arn:aws:iam::111122223333:user/bob";
    const ADMIN: &str = "arn:aws:iam::111122223333:user/admin";
    const OTHER: &str = "arn:aws:iam::111122223333:user/carol";
    const ROLE: &str = "arn:aws:iam::123456789012:role/UpdateAPP";

    fn new(requester: &str, role: &str, required: i64) -> NewRequest {
        NewRequest {
            requester_arn: requester.to_string(),
            role_arn: role.to_string(),
            reason: "release 1.4.3".to_string(),
            ticket: Some("OPS-1".to_string()),
            duration_seconds: 3600,
            approvals_required: required,
            created_at: 1_000,
        }
    }

    fn id(created: Created) -> i64 {
        match created {
            Created::Id(id) => id,
            other => panic!("not created: {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_request_is_approved_once_by_each_approver_and_becomes_a_grant() {
        for test_db in crate::test_support::databases().await {
            let store = SqlAccessRequests::new(test_db.storage.db().clone());
            let first = id(store.create(&new(BOB, ROLE, 2)).await.expect("create"));
            assert_eq!(
                store.create(&new(BOB, ROLE, 2)).await.expect("again"),
                Created::AlreadyPending
            );
            assert_eq!(
                store
                    .approve(first, ADMIN, 2_000, Some("ok"))
                    .await
                    .unwrap(),
                Approval::Recorded { granted: false }
            );
            assert_eq!(
                store.approve(first, ADMIN, 2_001, None).await.unwrap(),
                Approval::AlreadyApproved
            );
            assert!(store.active_grants(BOB, 2_002).await.unwrap().is_empty());
            assert_eq!(
                store.approve(first, OTHER, 2_100, None).await.unwrap(),
                Approval::Recorded { granted: true }
            );
            let granted = store.get(first).await.unwrap().expect("stored");
            assert_eq!(granted.status, RequestStatus::Approved);
            assert_eq!(granted.grant_ends_at, Some(2_100 + 3600));
            assert_eq!(granted.approvals.len(), 2);
            assert_eq!(granted.approvals[0].comment.as_deref(), Some("ok"));
            assert_eq!(
                store.approve(first, "arn:x", 2_200, None).await.unwrap(),
                Approval::NotPending
            );
            assert_eq!(store.active_grants(BOB, 2_200).await.unwrap().len(), 1);
            // The grant never outlives its end.
            assert!(
                store
                    .active_grants(BOB, 2_100 + 3600)
                    .await
                    .unwrap()
                    .is_empty()
            );
            assert_eq!(granted.status_at(2_100 + 3600), RequestStatus::Expired);
        }
    }

    #[tokio::test]
    async fn closing_is_conditional_and_expiry_marks_each_grant_once() {
        for test_db in crate::test_support::databases().await {
            let store = SqlAccessRequests::new(test_db.storage.db().clone());
            let pending = id(store.create(&new(BOB, ROLE, 1)).await.unwrap());
            assert!(
                store
                    .close(
                        pending,
                        RequestStatus::Pending,
                        RequestStatus::Cancelled,
                        BOB,
                        1_500,
                        None
                    )
                    .await
                    .unwrap()
            );
            // Cancelled: neither approved nor denied afterwards.
            assert!(
                !store
                    .close(
                        pending,
                        RequestStatus::Pending,
                        RequestStatus::Denied,
                        ADMIN,
                        1_600,
                        None
                    )
                    .await
                    .unwrap()
            );
            assert_eq!(
                store.approve(pending, ADMIN, 1_700, None).await.unwrap(),
                Approval::NotPending
            );
            let granted = id(store.create(&new(BOB, ROLE, 1)).await.unwrap());
            store.approve(granted, ADMIN, 2_000, None).await.unwrap();
            // A grant past its end cannot be revoked, only expire.
            assert!(
                !store
                    .close(
                        granted,
                        RequestStatus::Approved,
                        RequestStatus::Revoked,
                        ADMIN,
                        5_600,
                        None
                    )
                    .await
                    .unwrap()
            );
            assert!(store.expire_due(5_599).await.unwrap().is_empty());
            let expired = store.expire_due(5_600).await.unwrap();
            assert_eq!(
                expired.iter().map(|r| r.id).collect::<Vec<_>>(),
                vec![granted]
            );
            assert_eq!(expired[0].status, RequestStatus::Expired);
            assert!(store.expire_due(9_999).await.unwrap().is_empty());
            let mine = store.by_requester(BOB, 10).await.unwrap();
            assert_eq!(
                mine.iter().map(|r| r.id).collect::<Vec<_>>(),
                vec![granted, pending]
            );
        }
    }

    #[tokio::test]
    async fn pending_requests_per_user_are_bounded() {
        for test_db in crate::test_support::databases().await {
            let store = SqlAccessRequests::new(test_db.storage.db().clone());
            for i in 0..MAX_PENDING_PER_USER {
                id(store
                    .create(&new(BOB, &format!("{ROLE}{i}"), 1))
                    .await
                    .unwrap());
            }
            assert_eq!(
                store.create(&new(BOB, ROLE, 1)).await.unwrap(),
                Created::TooManyPending
            );
            id(store.create(&new(OTHER, ROLE, 1)).await.unwrap());
        }
    }
}
