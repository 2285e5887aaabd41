use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use console::state::AppState;
use serde_json::{Value, json};

/// `GET /healthz`: 200 while the storage answers, 503 otherwise.
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.storage.health().await {
        Ok(_) => (StatusCode::OK, Json(json!({ "status": "ok" }))),
        Err(e) => {
            tracing::error!("health check: {e}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable" })),
            )
        }
    }
}
