-- The roles each user marked as favourites in the role catalog (Switch Role page, account menu).
CREATE TABLE favourite_roles (
    user_arn   TEXT   NOT NULL,
    role_arn   TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_arn, role_arn)
);
