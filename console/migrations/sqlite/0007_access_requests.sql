-- Just-in-time access: requests for a role, their approvals, and the grant an approved one
-- becomes (status 'approved' until grant_ends_at). Rows are never deleted: the trail of who
-- asked, who decided and why stays with the audit events.
CREATE TABLE access_requests (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    requester_arn      TEXT    NOT NULL,
    role_arn           TEXT    NOT NULL,
    reason             TEXT    NOT NULL,
    ticket             TEXT,
    duration_seconds   INTEGER NOT NULL,
    approvals_required INTEGER NOT NULL,
    created_at         INTEGER NOT NULL,
    status             TEXT    NOT NULL,
    decided_by         TEXT,
    decided_at         INTEGER,
    comment            TEXT,
    grant_ends_at      INTEGER
);
CREATE INDEX access_requests_by_requester ON access_requests (requester_arn, status);
CREATE INDEX access_requests_by_status ON access_requests (status, role_arn);

CREATE TABLE access_request_approvals (
    request_id   INTEGER NOT NULL REFERENCES access_requests (id),
    approver_arn TEXT    NOT NULL,
    approved_at  INTEGER NOT NULL,
    comment      TEXT,
    PRIMARY KEY (request_id, approver_arn)
);

-- The role sessions opened under each grant (their access key IDs), so that revoking the
-- grant revokes their credentials at once.
CREATE TABLE access_grant_sessions (
    request_id    INTEGER NOT NULL REFERENCES access_requests (id),
    access_key_id TEXT   NOT NULL,
    PRIMARY KEY (request_id, access_key_id)
);
