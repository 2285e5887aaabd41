//! CSV and JSON exports of the audit trail, for console administrators. The filters are the
//! audit page's, from the same query string.

use app::api::extract::{Admin, Refusal};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use console::audit::view::{self as audit_view, EXPORT_LIMIT};
use console::state::AppState;
use futures_util::StreamExt as _;
use http::{StatusCode, header};
use types::audit_query::AuditQuery;
use types::error::ConsoleError;

pub async fn export(
    State(state): State<AppState>,
    admin: Result<Admin, Refusal>,
    Path(format): Path<String>,
    Query(query): Query<AuditQuery>,
) -> Response {
    let plain = |status: StatusCode, message: &str| {
        (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            message.to_string(),
        )
            .into_response()
    };
    let (content_type, file_name) = match format.as_str() {
        "export.csv" => ("text/csv; charset=utf-8", "audit-trail.csv"),
        "export.json" => ("application/json", "audit-trail.json"),
        _ => return plain(StatusCode::NOT_FOUND, "No such export."),
    };
    if let Err(refusal) = admin {
        let text = match &refusal.0 {
            ConsoleError::SessionEnded => "Sign in first.",
            ConsoleError::NotAdmin => "The audit trail is for console administrators only.",
            other => other.message(),
        };
        return plain(refusal.status(), text);
    }
    let filter = match audit_view::parse_filter(&query) {
        Ok(filter) => filter,
        Err(e) => return plain(StatusCode::BAD_REQUEST, &e.0),
    };
    let records = state.audit.export(&filter, EXPORT_LIMIT);
    let csv = format == "export.csv";
    // Row by row from the database: the export never sits in memory whole. A failure part
    // way ends the body with an error, so the download is visibly cut rather than short.
    let lines = records
        .enumerate()
        .map(move |(index, record)| match record {
            Ok(record) if csv => Ok(audit_view::csv_line(&record)),
            Ok(record) => {
                let separator = if index == 0 { "\n" } else { ",\n" };
                Ok(format!("{separator}{}", audit_view::json_item(&record)))
            }
            Err(e) => {
                tracing::error!("audit export: {e}");
                Err(std::io::Error::other("the audit trail could not be read"))
            }
        });
    let (head, tail) = if csv {
        (audit_view::CSV_HEADER, "")
    } else {
        ("[", "\n]\n")
    };
    let body = futures_util::stream::once(async move { Ok(head.to_string()) })
        .chain(lines)
        .chain(futures_util::stream::once(
            async move { Ok(tail.to_string()) },
        ))
        .filter(|chunk| std::future::ready(!matches!(chunk, Ok(text) if text.is_empty())));
    let body = Body::from_stream(body);
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        body,
    )
        .into_response()
}
