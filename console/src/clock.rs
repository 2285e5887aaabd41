//! The console's one clock. Every "now" of the domain (session ages, MFA ages, TOTP steps,
//! held roles, the engine's request time) is read here, so a test or a future fake clock has
//! one place to change.

use time::OffsetDateTime;

/// This instant, in UTC.
pub fn now_utc() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// This instant as Unix seconds, the form the session record keeps.
pub fn now() -> i64 {
    now_utc().unix_timestamp()
}
