//! The access map as CSV, for console administrators (the page's filters, same query).

use app::api::extract::{Admin, Refusal};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use console::state::AppState;
use http::{StatusCode, header};
use serde::Deserialize;
use types::error::ConsoleError;

#[derive(Debug, Default, Deserialize)]
pub struct MapFilter {
    #[serde(default)]
    role: String,
    #[serde(default)]
    user: String,
}

pub async fn access_csv(
    State(state): State<AppState>,
    admin: Result<Admin, Refusal>,
    Query(filter): Query<MapFilter>,
) -> Response {
    if let Err(refusal) = admin {
        let text = match &refusal.0 {
            ConsoleError::SessionEnded => "Sign in first.",
            ConsoleError::NotAdmin => "The access map is for console administrators only.",
            other => other.message(),
        };
        return (
            refusal.status(),
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            text.to_string(),
        )
            .into_response();
    }
    // Narrowed as the page is: one role (a column) and/or one user (a row).
    let map = console::access_map::full_map(&state).narrowed(&filter.role, &filter.user);
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"access-map.csv\"",
            ),
        ],
        map.to_csv(),
    )
        .into_response()
}
