-- Just-in-time access: requests for a role, their approvals, and the grant an approved one
-- becomes (status 'approved' until grant_ends_at). Rows are never deleted: the trail of who
-- asked, who decided and why stays with the audit events.
CREATE TABLE access_requests (
    id                 BIGSERIAL PRIMARY KEY,
    requester_arn      TEXT    NOT NULL,
    role_arn           TEXT    NOT NULL,
    reason             TEXT    NOT NULL,
    ticket             TEXT,
    duration_seconds   BIGINT  NOT NULL,
    approvals_required BIGINT  NOT NULL,
    created_at         BIGINT  NOT NULL,
    status             TEXT    NOT NULL,
    decided_by         TEXT,
    decided_at         BIGINT,
    comment            TEXT,
    grant_ends_at      BIGINT
);
CREATE INDEX access_requests_by_requester ON access_requests (requester_arn, status);
CREATE INDEX access_requests_by_status ON access_requests (status, role_arn);

CREATE TABLE access_request_approvals (
    request_id   BIGINT  NOT NULL REFERENCES access_requests (id),
    approver_arn TEXT    NOT NULL,
    approved_at  BIGINT  NOT NULL,
    comment      TEXT,
    PRIMARY KEY (request_id, approver_arn)
);

-- The role sessions opened under each grant (their access key IDs), so that revoking the
-- grant revokes their credentials at once.
CREATE TABLE access_grant_sessions (
    request_id    BIGINT NOT NULL REFERENCES access_requests (id),
    access_key_id TEXT   NOT NULL,
    PRIMARY KEY (request_id, access_key_id)
);
