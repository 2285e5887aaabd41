-- Roles each user has switched to, for one-click switching again. One row per user and role;
-- a new switch to the same role refreshes it.
CREATE TABLE role_history (
    user_arn      TEXT    NOT NULL,
    account_id    TEXT    NOT NULL,
    role          TEXT    NOT NULL,   -- the Role field as switched: path and name
    display_name  TEXT    NOT NULL,
    color         TEXT    NOT NULL,   -- #rrggbb
    last_used_at  INTEGER NOT NULL,   -- Unix time
    uses          INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (user_arn, account_id, role)
);
CREATE INDEX role_history_recent ON role_history (user_arn, last_used_at DESC);
