//! The administrators' view of the audit trail: filters from a URL query, rows for the page, and
//! the CSV and JSON exports.

use time::format_description::well_known::Rfc3339;

pub use super::filter::{FilterError, parse_filter};
use crate::audit::AuditRecord;
use types::audit_query::AuditRow;

/// Events on one page of the audit page.
pub const PAGE_SIZE: u32 = 100;
/// Events in one export at most.
pub const EXPORT_LIMIT: u32 = 100_000;

pub fn row(record: &AuditRecord) -> AuditRow {
    let event = &record.event;
    AuditRow {
        id: record.id,
        at: record.at.format(&Rfc3339).unwrap_or_default(),
        actor: event.actor.clone().unwrap_or_default(),
        account_id: event.account_id.clone().unwrap_or_default(),
        action: event.action.clone(),
        decision: event.decision.as_str().to_string(),
        client_ip: event.client_ip.clone().unwrap_or_default(),
        detail: serde_json::to_string_pretty(&event.detail).unwrap_or_default(),
        summary: detail_summary(&event.detail),
        explainable: crate::simulator::explainable(record),
    }
}

/// A one-line hint of what the detail holds: its reason, role or first keys.
fn detail_summary(detail: &serde_json::Value) -> String {
    for key in ["reason", "role_arn", "invalid", "method", "bucket"] {
        if let Some(text) = detail.get(key).and_then(|v| v.as_str()) {
            return text.chars().take(80).collect();
        }
    }
    match detail.as_object() {
        Some(map) if !map.is_empty() => map.keys().take(3).cloned().collect::<Vec<_>>().join(", "),
        _ => "—".to_string(),
    }
}

/// The header row of the CSV export.
pub const CSV_HEADER: &str = "id,at,actor,account_id,action,decision,client_ip,detail\r\n";

/// RFC 4180 CSV with a header row. Cells that a spreadsheet would run as a formula are
/// prefixed with `'`.
pub fn to_csv(records: &[AuditRecord]) -> String {
    let mut out = String::from(CSV_HEADER);
    for record in records {
        out.push_str(&csv_line(record));
    }
    out
}

/// One CSV row, with its line end.
pub fn csv_line(record: &AuditRecord) -> String {
    let row = row(record);
    let detail = record.event.detail.to_string();
    let cells = [
        row.id.to_string(),
        row.at,
        row.actor,
        row.account_id,
        row.action,
        row.decision,
        row.client_ip,
        detail,
    ];
    let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
    let mut line = line.join(",");
    line.push_str("\r\n");
    line
}

fn csv_cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// A JSON array of events; `detail` stays structured.
pub fn to_json(records: &[AuditRecord]) -> String {
    let events: Vec<serde_json::Value> = records.iter().map(json_value).collect();
    serde_json::to_string_pretty(&events).unwrap_or_else(|_| "[]".to_string())
}

/// One event of the JSON export, as one line.
pub fn json_item(record: &AuditRecord) -> String {
    json_value(record).to_string()
}

fn json_value(record: &AuditRecord) -> serde_json::Value {
    let row = row(record);
    serde_json::json!({
        "id": row.id,
        "at": row.at,
        "actor": record.event.actor,
        "account_id": record.event.account_id,
        "action": row.action,
        "decision": row.decision,
        "client_ip": record.event.client_ip,
        "detail": record.event.detail,
    })
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use super::*;
    use crate::audit::{AuditEvent, Decision};
    use types::audit_query::AuditQuery;

    #[test]
    fn filters_parse_and_bad_ones_are_named() {
        let filter = parse_filter(&AuditQuery {
            user: " alice ".into(),
            decision: "Denied".into(),
            from: "2026-11-29T09:30".into(),
            to: "2026-11-29T10:00:30".into(),
            ..Default::default()
        })
        .expect("valid");
        assert_eq!(filter.actor.as_deref(), Some("alice"));
        assert_eq!(filter.decision, Some(Decision::Denied));
        assert_eq!(filter.from.map(|f| f.unix_timestamp()), Some(1_795_944_600));
        for (query, message) in [
            (
                AuditQuery {
                    decision: "Maybe".into(),
                    ..Default::default()
                },
                "Decision",
            ),
            (
                AuditQuery {
                    from: "yesterday".into(),
                    ..Default::default()
                },
                "From",
            ),
            (
                AuditQuery {
                    from: "2026-11-29T10:00".into(),
                    to: "2026-11-29T09:00".into(),
                    ..Default::default()
                },
                "earlier",
            ),
            (
                AuditQuery {
                    before: "x".into(),
                    ..Default::default()
                },
                "page",
            ),
        ] {
            let error = parse_filter(&query).expect_err(message);
            assert!(error.0.contains(message), "{error}");
        }
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let record = AuditRecord {
            id: 7,
            at: OffsetDateTime::UNIX_EPOCH,
            event: AuditEvent::new("SignIn", Decision::Denied)
                .actor("=HYPERLINK(\"x\")")
                .detail(serde_json::json!({ "reason": "a, \"b\"" })),
        };
        let csv = to_csv(std::slice::from_ref(&record));
        let line = csv.lines().nth(1).expect("a row");
        assert!(
            line.starts_with("7,1970-01-01T00:00:00Z,\"'=HYPERLINK(\"\"x\"\")\",,SignIn,Denied,,")
        );
        assert!(line.ends_with(r#""{""reason"":""a, \""b\""""}""#));
        let json: serde_json::Value = serde_json::from_str(&to_json(&[record])).expect("json");
        assert_eq!(json[0]["detail"]["reason"], "a, \"b\"");
    }
}
