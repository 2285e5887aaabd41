//! Just-in-time access: requesting a role (Switch Role page) and deciding requests (Access
//! requests page). Each function extracts the signed-in caller and calls
//! `console::access_requests`, which decides who may do what.

use leptos::prelude::*;
use types::access_requests::{AccessRequestView, ApproverView, RequestableRole};
use types::error::ConsoleError;

#[cfg(feature = "ssr")]
mod server {
    use console::access_requests::AccessRequestError;
    use types::error::ConsoleError;

    use crate::api::extract::unavailable;

    /// One clear message per refusal; internals are logged.
    pub fn user_error(e: AccessRequestError) -> ConsoleError {
        match e {
            AccessRequestError::Field { field, message } => ConsoleError::invalid(field, message),
            AccessRequestError::NotFound => {
                ConsoleError::not_allowed("There is no such access request.")
            }
            AccessRequestError::NotAllowed => ConsoleError::not_allowed(
                "You cannot decide this request: only an approver of the role may, and nobody decides their own.",
            ),
            AccessRequestError::Conflict(message) => ConsoleError::not_allowed(message),
            AccessRequestError::StepUpRequired => ConsoleError::StepUpRequired,
            AccessRequestError::Store(e) => unavailable(e),
            AccessRequestError::Audit(e) => unavailable(e),
        }
    }
}

/// The roles the user may request and cannot switch to now.
#[server(prefix = "/api", endpoint = "access/requestable")]
pub async fn load_requestable_roles() -> Result<Vec<RequestableRole>, ConsoleError> {
    use crate::api::extract::*;
    let SignedIn { request, user } = caller().await?;
    let client = request
        .client
        .ok_or_else(|| unavailable("no client address"))?;
    console::access_requests::requestable_roles(&request.state, &user, client)
        .await
        .map_err(server::user_error)
}

/// The user's own requests, newest first.
#[server(prefix = "/api", endpoint = "access/mine")]
pub async fn load_my_requests() -> Result<Vec<AccessRequestView>, ConsoleError> {
    use crate::api::extract::*;
    let SignedIn { request, user } = caller().await?;
    console::access_requests::my_requests(&request.state, &user)
        .await
        .map_err(server::user_error)
}

#[server(prefix = "/api", endpoint = "access/request")]
pub async fn submit_access_request(
    role_arn: String,
    #[server(default)] reason: String,
    #[server(default)] duration: String,
    #[server(default)] ticket: String,
) -> Result<AccessRequestView, ConsoleError> {
    use crate::api::extract::*;
    use console::access_requests::RequestForm;
    let SignedIn { request, user } = caller().await?;
    let client = request
        .client
        .ok_or_else(|| unavailable("no client address"))?;
    let form = RequestForm {
        role_arn,
        reason,
        duration,
        ticket,
    };
    console::access_requests::submit(&request.state, &user, client, &form)
        .await
        .map_err(server::user_error)
}

#[server(prefix = "/api", endpoint = "access/cancel")]
pub async fn cancel_access_request(id: i64) -> Result<(), ConsoleError> {
    use crate::api::extract::*;
    let SignedIn { request, user } = caller().await?;
    let client = request
        .client
        .ok_or_else(|| unavailable("no client address"))?;
    console::access_requests::cancel(&request.state, &user, client, id)
        .await
        .map_err(server::user_error)
}

/// The Access requests page: for users who approve requests of some role only.
#[server(prefix = "/api", endpoint = "access/approver")]
pub async fn load_approver_view() -> Result<ApproverView, ConsoleError> {
    use crate::api::extract::*;
    let SignedIn { request, user } = caller().await?;
    if !console::access_requests::approves_anything(&request.state, &user) {
        return Err(ConsoleError::not_allowed(
            "This page is for approvers of access requests.",
        ));
    }
    console::access_requests::approver_view(&request.state, &user)
        .await
        .map_err(server::user_error)
}

/// `approve`, `deny` (pending requests) or `revoke` (grants in force), with a comment.
#[server(prefix = "/api", endpoint = "access/decide")]
pub async fn decide_access_request(
    id: i64,
    decision: String,
    #[server(default)] comment: String,
) -> Result<AccessRequestView, ConsoleError> {
    use crate::api::extract::*;
    use console::access_requests;
    let SignedIn { request, user } = caller().await?;
    let client = request
        .client
        .ok_or_else(|| unavailable("no client address"))?;
    let state = &request.state;
    match decision.as_str() {
        "approve" => access_requests::approve(state, &user, client, id, &comment).await,
        "deny" => access_requests::deny(state, &user, client, id, &comment).await,
        "revoke" => access_requests::revoke(state, &user, client, id, &comment).await,
        _ => {
            return Err(ConsoleError::invalid(
                "decision",
                "Choose Approve, Deny or Revoke.",
            ));
        }
    }
    .map_err(server::user_error)
}
