//! Just-in-time access as the pages show it: roles a user may request, requests and their
//! status, and what an approver may do with each. Never a secret.

use serde::{Deserialize, Serialize};

/// Longest reason and ticket a request keeps.
pub const MAX_REASON_CHARS: usize = 500;
pub const MAX_TICKET_CHARS: usize = 100;
pub const MAX_COMMENT_CHARS: usize = 500;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequestStatus {
    Pending,
    /// A grant in force (until `grant_ends_at`).
    Approved,
    Denied,
    /// A grant that ran out.
    Expired,
    /// A grant ended early by an approver.
    Revoked,
    /// Withdrawn by the requester while pending.
    Cancelled,
}

impl RequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Approved => "approved",
            RequestStatus::Denied => "denied",
            RequestStatus::Expired => "expired",
            RequestStatus::Revoked => "revoked",
            RequestStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(value: &str) -> Option<RequestStatus> {
        [
            RequestStatus::Pending,
            RequestStatus::Approved,
            RequestStatus::Denied,
            RequestStatus::Expired,
            RequestStatus::Revoked,
            RequestStatus::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == value)
    }
}

/// A role the user may ask for, with what the request form needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestableRole {
    pub role_arn: String,
    pub role_name: String,
    pub account_id: String,
    pub account_alias: Option<String>,
    pub display_name: String,
    pub color: String,
    pub require_reason: bool,
    pub approvals_required: u8,
    /// The durations the form offers, in seconds, shortest first; the last is the longest
    /// the role allows.
    pub durations: Vec<u64>,
    /// The user has a pending request for it already.
    pub pending: bool,
}

impl RequestableRole {
    pub fn account_label(&self) -> &str {
        self.account_alias.as_deref().unwrap_or(&self.account_id)
    }
}

/// One approval of a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalView {
    pub approver: String,
    pub at: i64,
    pub comment: Option<String>,
}

/// A request as its requester or an approver sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRequestView {
    pub id: i64,
    /// The requester's user name, and account.
    pub requester: String,
    pub requester_account: String,
    pub role_arn: String,
    pub role_name: String,
    pub account_id: String,
    pub account_alias: Option<String>,
    pub display_name: String,
    pub reason: String,
    pub ticket: Option<String>,
    pub duration_seconds: u64,
    /// Unix times.
    pub created_at: i64,
    pub status: RequestStatus,
    pub approvals: Vec<ApprovalView>,
    pub approvals_required: u8,
    /// Who denied, revoked or cancelled it, when, and what they wrote.
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub comment: Option<String>,
    pub grant_ends_at: Option<i64>,
}

impl AccessRequestView {
    pub fn account_label(&self) -> &str {
        self.account_alias.as_deref().unwrap_or(&self.account_id)
    }

    /// `Pending`, `Approved until 2026-12-02 15:00 UTC`, `Denied`…
    pub fn status_text(&self) -> String {
        match (self.status, self.grant_ends_at) {
            (RequestStatus::Approved, Some(end)) => format!("Approved until {}", utc_time(end)),
            (RequestStatus::Pending, _) if !self.approvals.is_empty() => format!(
                "Pending ({} of {} approvals)",
                self.approvals.len(),
                self.approvals_required
            ),
            (status, _) => {
                let s = status.as_str();
                let mut label = s[..1].to_ascii_uppercase();
                label.push_str(&s[1..]);
                label
            }
        }
    }
}

/// What the Access requests page shows an approver.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApproverView {
    /// Requests waiting for a decision by this approver (not their own, not yet approved by
    /// them), oldest first.
    pub pending: Vec<AccessRequestView>,
    /// Grants in force on roles this user approves, soonest end first.
    pub active_grants: Vec<AccessRequestView>,
    /// The latest decided requests on those roles.
    pub recent: Vec<AccessRequestView>,
}

/// `15 minutes`, `1 hour`, `4 hours`, `1 hour 30 minutes`, `15 seconds`.
pub fn duration_label(seconds: u64) -> String {
    let plural = |n: u64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(plural(h, "hour"));
    }
    if m > 0 {
        parts.push(plural(m, "minute"));
    }
    if s > 0 || parts.is_empty() {
        parts.push(plural(s, "second"));
    }
    parts.join(" ")
}

/// The durations a request form offers between `min` and `max` seconds: the usual steps,
/// and `max` itself.
pub fn duration_choices(min: u64, max: u64) -> Vec<u64> {
    let steps = [900, 1800, 3600, 7200, 4 * 3600, 8 * 3600, 12 * 3600];
    let mut choices: Vec<u64> = std::iter::once(min)
        .chain(steps)
        .chain(std::iter::once(max))
        .filter(|d| (min..=max).contains(d))
        .collect();
    choices.sort_unstable();
    choices.dedup();
    choices
}

/// `2026-12-02 15:00 UTC`, without a date library (this crate builds for the browser).
pub fn utc_time(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration_label(900), "15 minutes");
        assert_eq!(duration_label(3600), "1 hour");
        assert_eq!(duration_label(5400), "1 hour 30 minutes");
        assert_eq!(duration_label(4 * 3600), "4 hours");
        assert_eq!(duration_label(15), "15 seconds");
    }

    #[test]
    fn the_form_offers_steps_up_to_the_roles_longest() {
        assert_eq!(
            duration_choices(900, 4 * 3600),
            vec![900, 1800, 3600, 7200, 14400]
        );
        assert_eq!(duration_choices(15, 5400), vec![15, 900, 1800, 3600, 5400]);
    }

    #[test]
    fn times_are_written_in_utc() {
        assert_eq!(utc_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_time(1_796_222_400), "2026-12-02 14:40 UTC");
        assert_eq!(utc_time(951_782_400), "2000-02-29 00:00 UTC");
    }

    #[test]
    fn statuses_round_trip_and_read_well() {
        for s in [
            "pending",
            "approved",
            "denied",
            "expired",
            "revoked",
            "cancelled",
        ] {
            assert_eq!(RequestStatus::parse(s).map(RequestStatus::as_str), Some(s));
        }
        assert_eq!(RequestStatus::parse("Approved"), None);
    }
}
