-- The console's state in PostgreSQL, shared by every instance: the same tables as the
-- embedded SQLite database (see migrations/sqlite), in PostgreSQL's types.

-- The audit trail: append-only, enforced by the triggers below for every role that writes it
-- (the README shows how to give the console a role without UPDATE/DELETE/TRUNCATE as well).
CREATE TABLE audit_events (
    id          BIGSERIAL PRIMARY KEY,
    at          TEXT    NOT NULL,            -- RFC 3339, UTC
    actor       TEXT,
    account_id  TEXT,
    action      TEXT    NOT NULL,
    decision    TEXT    NOT NULL,
    client_ip   TEXT,
    detail      TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_actor ON audit_events (actor);

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only';
END
$$;
CREATE TRIGGER audit_events_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

CREATE TABLE mfa_devices (
    id            TEXT    PRIMARY KEY,
    seq           BIGSERIAL,                 -- insertion order (SQLite's rowid)
    account_id    TEXT    NOT NULL,
    user_name     TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('totp', 'webauthn')),
    totp_secret   BYTEA,
    passkey       TEXT,
    created_at    BIGINT  NOT NULL,
    last_used_at  BIGINT,
    UNIQUE (account_id, user_name, name)
);
CREATE INDEX mfa_devices_user ON mfa_devices (account_id, user_name);

CREATE TABLE mfa_users (
    account_id          TEXT    NOT NULL,
    user_name           TEXT    NOT NULL,
    last_totp_step      BIGINT  NOT NULL DEFAULT 0,
    session_generation  BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, user_name)
);

CREATE TABLE role_history (
    user_arn      TEXT    NOT NULL,
    account_id    TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    display_name  TEXT    NOT NULL,
    color         TEXT    NOT NULL,
    last_used_at  BIGINT  NOT NULL,
    uses          BIGINT  NOT NULL DEFAULT 1,
    PRIMARY KEY (user_arn, account_id, role)
);
CREATE INDEX role_history_recent ON role_history (user_arn, last_used_at DESC);

CREATE TABLE failure_events (
    counter  TEXT    NOT NULL,
    key      TEXT    NOT NULL,
    at_ms    BIGINT  NOT NULL
);
CREATE INDEX failure_events_key ON failure_events (counter, key, at_ms);
CREATE INDEX failure_events_at ON failure_events (counter, at_ms);

CREATE TABLE key_checks (
    name    TEXT PRIMARY KEY,
    sealed  BYTEA NOT NULL
);

CREATE TABLE issued_credentials (
    access_key_id  TEXT    PRIMARY KEY,
    record         TEXT    NOT NULL,
    expires_at     BIGINT  NOT NULL
);
CREATE INDEX issued_credentials_expiry ON issued_credentials (expires_at);

-- tower-sessions' PostgreSQL store keeps sessions here (its own layout). Created by this
-- migration rather than by the store's `migrate`, so that it happens under the migration's
-- advisory lock when instances start at once.
CREATE SCHEMA IF NOT EXISTS tower_sessions;
CREATE TABLE IF NOT EXISTS tower_sessions.session (
    id           TEXT PRIMARY KEY NOT NULL,
    data         BYTEA NOT NULL,
    expiry_date  TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS session_expiry ON tower_sessions.session (expiry_date);
