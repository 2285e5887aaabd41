-- Failures per counter and key (a user name, a client address) inside the sliding window:
-- one row per failure, kept in the database so that a restart does not forgive them.
CREATE TABLE failure_events (
    counter  TEXT    NOT NULL,            -- sign-in-user, sign-in-client, mfa
    key      TEXT    NOT NULL,
    at_ms    INTEGER NOT NULL             -- Unix milliseconds
);
CREATE INDEX failure_events_key ON failure_events (counter, key, at_ms);
CREATE INDEX failure_events_at ON failure_events (counter, at_ms);

-- A value sealed with the MFA data key when the database was first used: an instance whose
-- key cannot open it refuses to start instead of failing to decrypt TOTP secrets later.
CREATE TABLE key_checks (
    name    TEXT PRIMARY KEY,
    sealed  BLOB NOT NULL
);

-- Issued role credentials of the local STS, when they are kept in the database (several
-- instances): digests only, as in `iam::StoredSession`.
CREATE TABLE issued_credentials (
    access_key_id  TEXT    PRIMARY KEY,
    record         TEXT    NOT NULL,      -- JSON of iam::StoredSession
    expires_at     INTEGER NOT NULL       -- Unix seconds
);
CREATE INDEX issued_credentials_expiry ON issued_credentials (expires_at);
