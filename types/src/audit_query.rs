//! The audit trail's filters as they travel in a URL: the page's form, its paging links and the
//! CSV and JSON exports all use the same query string.

use serde::{Deserialize, Serialize};

/// Filters as typed (all optional; empty means "any"). Times are `YYYY-MM-DDTHH:MM` in UTC, as
/// a `datetime-local` input sends them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    /// Paging: only events older than this id.
    #[serde(default)]
    pub before: String,
}

impl AuditQuery {
    /// `user=…&action=…` with the non-empty filters (and `before` only when `with_page`).
    pub fn to_query_string(&self, with_page: bool) -> String {
        let mut parts = Vec::new();
        for (name, value) in [
            ("user", &self.user),
            ("action", &self.action),
            ("decision", &self.decision),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !value.is_empty() {
                parts.push(format!("{name}={}", crate::links::urlencode(value)));
            }
        }
        if with_page && !self.before.is_empty() {
            parts.push(format!("before={}", crate::links::urlencode(&self.before)));
        }
        parts.join("&")
    }
}

/// One event as the administrator sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub actor: String,
    pub account_id: String,
    pub action: String,
    /// Allowed, Denied or Info.
    pub decision: String,
    pub client_ip: String,
    /// The reasons and parameters, as indented JSON.
    pub detail: String,
    /// One line of it: the reason, role or first keys.
    pub summary: String,
    /// A switch or object decision the policy simulator can replay ("Explain").
    pub explainable: bool,
}

/// One page of the trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    /// Every action recorded so far, for the filter.
    pub actions: Vec<String>,
    /// `before` for the next (older) page, when there is one.
    pub next_before: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_string_carries_only_given_filters() {
        let query = AuditQuery {
            user: "alice smith".into(),
            decision: "Denied".into(),
            before: "40".into(),
            ..Default::default()
        };
        assert_eq!(
            query.to_query_string(false),
            "user=alice%20smith&decision=Denied"
        );
        assert_eq!(
            query.to_query_string(true),
            "user=alice%20smith&decision=Denied&before=40"
        );
    }
}
