//! The audit trail's filter query (`/audit?user=…&action=…&decision=…&from=…&to=…&before=…`
//! and the exports), decoded as axum's `Query` decodes it, then parsed. What the parser accepts
//! must be usable by the audit store without a panic (times convert to UTC and format as
//! RFC 3339, as the store writes them), keep the limits it promises, and survive the trip
//! through the paging links unchanged.
#![no_main]

use iam_fuzz::audit_filter::parse_filter;
use iam_fuzz::audit_query::AuditQuery;
use libfuzzer_sys::fuzz_target;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

fuzz_target!(|data: &[u8]| {
    let Ok(query) = serde_urlencoded::from_bytes::<AuditQuery>(data) else {
        return;
    };
    let parsed = parse_filter(&query);
    if let Ok(filter) = &parsed {
        for text in [&filter.actor, &filter.action].into_iter().flatten() {
            assert!(!text.is_empty() && text.chars().count() <= 256, "{text:?}");
            assert!(!text.chars().any(char::is_control), "{text:?}");
            assert_eq!(text.trim(), text);
        }
        for at in [filter.from, filter.to].into_iter().flatten() {
            stored(at);
        }
        if let (Some(from), Some(to)) = (filter.from, filter.to) {
            assert!(from < to);
        }
    }
    // The page's links and the export links carry the same filters.
    let link = query.to_query_string(true);
    let again: AuditQuery = serde_urlencoded::from_str(&link).expect("a link the page wrote");
    assert_eq!(again, query, "{link}");
    assert_eq!(parse_filter(&again), parsed);
});

/// What the audit store does with a time before it compares it: UTC, whole seconds, RFC 3339.
fn stored(at: OffsetDateTime) {
    let utc = at
        .checked_to_offset(UtcOffset::UTC)
        .unwrap_or_else(|| panic!("{at} has no UTC time"));
    let whole = utc.replace_nanosecond(0).expect("zero nanoseconds");
    assert!(
        whole.format(&Rfc3339).is_ok(),
        "{at} does not format as RFC 3339"
    );
}
