-- MFA devices: authenticator apps (TOTP) and security keys / passkeys (WebAuthn).
CREATE TABLE mfa_devices (
    id            TEXT    PRIMARY KEY,
    account_id    TEXT    NOT NULL,
    user_name     TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('totp', 'webauthn')),
    totp_secret   BLOB,                      -- AES-256-GCM: nonce || ciphertext (TOTP only)
    passkey       TEXT,                      -- serialised webauthn-rs Passkey (WebAuthn only)
    created_at    INTEGER NOT NULL,          -- Unix seconds
    last_used_at  INTEGER,
    UNIQUE (account_id, user_name, name)
);
CREATE INDEX mfa_devices_user ON mfa_devices (account_id, user_name);

-- Per-user MFA state: the highest accepted TOTP time step (a step at or below it is a replay)
-- and the session generation (bumped when devices change; older sessions stop working).
CREATE TABLE mfa_users (
    account_id          TEXT    NOT NULL,
    user_name           TEXT    NOT NULL,
    last_totp_step      INTEGER NOT NULL DEFAULT 0,
    session_generation  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, user_name)
);
