//! The audit trail's decisions and the administrators' filter, parsed from a URL query.
//!
//! Plain data and parsing only (no database, no Leptos), so that the fuzz crate (`iam/fuzz`)
//! compiles this file on its own; [`crate::audit`] and [`crate::audit::view`] re-export it.

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use types::audit_query::AuditQuery;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    Allowed,
    Denied,
    Info,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "Allowed",
            Decision::Denied => "Denied",
            Decision::Info => "Info",
        }
    }
}

/// Which events an administrator asks for. Every part is optional; all given parts must match.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuditFilter {
    /// Part of the actor (user ARN or tried name), case-insensitive.
    pub actor: Option<String>,
    /// Exactly this action.
    pub action: Option<String>,
    pub decision: Option<Decision>,
    /// At or after.
    pub from: Option<OffsetDateTime>,
    /// Before.
    pub to: Option<OffsetDateTime>,
    /// Only events older than this id (the next page).
    pub before_id: Option<i64>,
}

impl Decision {
    pub fn parse(value: &str) -> Option<Decision> {
        match value {
            "Allowed" => Some(Decision::Allowed),
            "Denied" => Some(Decision::Denied),
            "Info" => Some(Decision::Info),
            _ => None,
        }
    }
}

/// A filter that cannot be understood; the message names the field and is safe to show.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct FilterError(pub String);

/// Turns the typed filters into a query. Bad input is refused with a message, never ignored.
pub fn parse_filter(query: &AuditQuery) -> Result<AuditFilter, FilterError> {
    let text = |value: &str, what: &str| -> Result<Option<String>, FilterError> {
        let value = value.trim();
        if value.chars().count() > 256 || value.chars().any(char::is_control) {
            return Err(FilterError(format!(
                "{what}: use at most 256 plain characters."
            )));
        }
        Ok((!value.is_empty()).then(|| value.to_string()))
    };
    let decision =
        match query.decision.trim() {
            "" => None,
            other => Some(Decision::parse(other).ok_or_else(|| {
                FilterError("Decision: choose Allowed, Denied or Info.".to_string())
            })?),
        };
    let before_id = match query.before.trim() {
        "" => None,
        other => Some(
            other
                .parse::<i64>()
                .map_err(|_| FilterError("The page position is not a number.".to_string()))?,
        ),
    };
    let from = parse_time(&query.from, "From")?;
    let to = parse_time(&query.to, "To")?;
    if let (Some(from), Some(to)) = (from, to)
        && from >= to
    {
        return Err(FilterError("From must be earlier than To.".to_string()));
    }
    Ok(AuditFilter {
        actor: text(&query.user, "User")?,
        action: text(&query.action, "Action")?,
        decision,
        from,
        to,
        before_id,
    })
}

/// `YYYY-MM-DDTHH:MM` (what a `datetime-local` input sends, taken as UTC), with optional
/// seconds, or full RFC 3339. The result is in UTC and within RFC 3339's years 0000-9999,
/// which is what the audit store compares with: `[year]` alone also takes `-5374`, and an
/// offset can push year 9999 or 0000 out of range.
fn parse_time(value: &str, what: &str) -> Result<Option<OffsetDateTime>, FilterError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let minutes = format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let seconds = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    PrimitiveDateTime::parse(value, &minutes)
        .or_else(|_| PrimitiveDateTime::parse(value, &seconds))
        .map(PrimitiveDateTime::assume_utc)
        .or_else(|_| OffsetDateTime::parse(value, &Rfc3339))
        .ok()
        .and_then(|at| at.checked_to_offset(UtcOffset::UTC))
        .filter(|at| (0..=9999).contains(&at.year()))
        .map(Some)
        .ok_or_else(|| {
            FilterError(format!(
                "{what}: use a date and time like 2026-11-29T09:30 (UTC)."
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `audit_filter` fuzz target: the store could not write these times as
    /// RFC 3339 (or, shifted by an offset, convert them to UTC at all).
    #[test]
    fn times_outside_rfc3339_years_are_refused() {
        for (from, to) in [
            ("-5374-05-19T09:30", ""),
            ("", "9999-12-31T23:59:59-01:00"),
            ("0000-01-01T00:00:00+01:00", ""),
            ("+12345-01-01T00:00", ""),
        ] {
            let query = AuditQuery {
                from: from.into(),
                to: to.into(),
                ..Default::default()
            };
            let error = parse_filter(&query).expect_err(&format!("{from:?} {to:?}"));
            assert!(error.0.contains("use a date and time"), "{error}");
        }
        let edges = parse_filter(&AuditQuery {
            from: "0000-01-01T00:00".into(),
            to: "9999-12-31T23:59:59+01:00".into(),
            ..Default::default()
        })
        .expect("the first and last RFC 3339 years");
        assert_eq!(edges.to.map(|t| t.offset()), Some(UtcOffset::UTC));
    }
}
