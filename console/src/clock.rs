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

/// Unix seconds as people read them on a page: `2026-12-08 09:30 UTC` (empty if out of range).
pub fn minute_label(unix: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}
