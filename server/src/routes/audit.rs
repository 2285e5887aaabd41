//! CSV and JSON exports of the audit trail, for console administrators. The filters are the
//! audit page's, from the same query string.

use app::audit_query::AuditQuery;
use app::services::audit_view::{self, EXPORT_LIMIT};
use app::services::server_fn::ADMIN_MFA_NEEDED;
use app::services::session;
use app::services::state::{AdminAccess, AppState};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};
use tower_sessions::Session;

pub async fn export(
    State(state): State<AppState>,
    session: Session,
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
    let user = match session::current_user(&state, &session).await {
        Ok(Some(user)) => user,
        Ok(None) => return plain(StatusCode::UNAUTHORIZED, "Sign in first."),
        Err(e) => {
            tracing::error!("audit export: {e}");
            return plain(StatusCode::SERVICE_UNAVAILABLE, "Try again later.");
        }
    };
    match state.admin_access(&user) {
        AdminAccess::Granted => {}
        AdminAccess::NotAdmin => {
            return plain(
                StatusCode::FORBIDDEN,
                "The audit trail is for console administrators only.",
            );
        }
        AdminAccess::MfaNeeded => return plain(StatusCode::FORBIDDEN, ADMIN_MFA_NEEDED),
    }
    let filter = match audit_view::parse_filter(&query) {
        Ok(filter) => filter,
        Err(e) => return plain(StatusCode::BAD_REQUEST, &e.0),
    };
    let records = match state.audit.query(&filter, EXPORT_LIMIT).await {
        Ok(records) => records,
        Err(e) => {
            tracing::error!("audit export: {e}");
            return plain(StatusCode::SERVICE_UNAVAILABLE, "Try again later.");
        }
    };
    let body = if format == "export.csv" {
        audit_view::to_csv(&records)
    } else {
        audit_view::to_json(&records)
    };
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
