-- Access keys of console users (AKIA…), for the AWS API endpoints of the embedded
-- organisation. The secret is sealed with the MFA data key: SigV4 verification needs it back.
CREATE TABLE access_keys (
    key_id            TEXT   PRIMARY KEY,
    account_id        TEXT   NOT NULL,
    user_name         TEXT   NOT NULL,
    sealed_secret     BYTEA  NOT NULL,
    status            TEXT   NOT NULL CHECK (status IN ('Active', 'Inactive')),
    created_at        BIGINT NOT NULL,
    last_used_at      BIGINT,
    last_used_service TEXT
);
CREATE INDEX access_keys_user ON access_keys (account_id, user_name);
