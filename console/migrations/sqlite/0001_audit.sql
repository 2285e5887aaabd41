-- The audit trail: append-only. The console has no code path that updates or deletes rows.
CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT    NOT NULL,            -- RFC 3339, UTC
    actor       TEXT,                        -- user ARN, or the name that was tried
    account_id  TEXT,
    action      TEXT    NOT NULL,            -- e.g. SignIn, SignOut
    decision    TEXT    NOT NULL,            -- Allowed, Denied, Info
    client_ip   TEXT,
    detail      TEXT    NOT NULL DEFAULT '{}' -- JSON: reasons for administrators
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_actor ON audit_events (actor);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
