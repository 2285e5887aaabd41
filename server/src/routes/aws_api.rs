//! The embedded organisation's AWS API under `/aws`: the AWS CLI and SDKs sign requests with a
//! console user's access key, and `console::aws_api` checks and answers them. These routes sit
//! outside the session and cross-site layers: a request carries its own signature, never the
//! session cookie, and acts only as the key's owner.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use console::aws_api::sigv4::{Payload, ReceivedRequest};
use console::aws_api::sts;
use console::client::ClientAddr;

use crate::state::ServerState;

/// STS in the Query protocol (`aws sts … --endpoint-url http://HOST/aws`).
pub async fn sts(State(state): State<ServerState>, request: Request<Body>) -> Response {
    let client = request
        .extensions()
        .get::<ClientAddr>()
        .copied()
        .unwrap_or(ClientAddr(std::net::IpAddr::from([127, 0, 0, 1])));
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, sts::MAX_BODY).await else {
        return xml(
            StatusCode::PAYLOAD_TOO_LARGE,
            sts::error_body("ValidationError", "The request body is too large.", false),
        );
    };
    // Header values that are not text cannot have been signed: they are left out, and a
    // signature naming them fails.
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .filter_map(|(name, value)| {
            Some((name.as_str().to_string(), value.to_str().ok()?.to_string()))
        })
        .collect();
    let received = ReceivedRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        headers: &headers,
        body: Payload::Bytes(&body),
    };
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let reply = sts::handle(&state.app, &received, &body, authorization, client).await;
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    xml(status, reply.body)
}

fn xml(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/xml")], body).into_response()
}
