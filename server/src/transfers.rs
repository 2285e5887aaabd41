//! How many uploads and downloads may be in progress at once, per user and in total. A slot is
//! taken before the handler runs and given back when the response body has been sent (or the
//! connection dropped); a request over a limit is answered at once, never queued.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use app::api::extract::{self, MaybeSignedIn};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde_json::json;

/// Seconds a refused client is asked to wait: about what a small transfer takes.
const RETRY_AFTER_SECS: u32 = 5;

pub struct TransferLimits {
    total: usize,
    per_user: usize,
    in_progress: Mutex<InProgress>,
}

#[derive(Default)]
struct InProgress {
    total: usize,
    per_user: HashMap<String, usize>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The user has `per_user` transfers in progress.
    User,
    /// Everyone together has `total`.
    Total,
}

/// A slot; dropping it gives it back.
pub struct TransferSlot {
    limits: Arc<TransferLimits>,
    user: String,
}

impl TransferLimits {
    pub fn new(total: u32, per_user: u32) -> Arc<TransferLimits> {
        Arc::new(TransferLimits {
            total: total as usize,
            per_user: per_user as usize,
            in_progress: Mutex::new(InProgress::default()),
        })
    }

    pub fn try_take(self: &Arc<Self>, user: &str) -> Result<TransferSlot, Refusal> {
        let mut in_progress = self
            .in_progress
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mine = in_progress.per_user.get(user).copied().unwrap_or(0);
        if mine >= self.per_user {
            return Err(Refusal::User);
        }
        if in_progress.total >= self.total {
            return Err(Refusal::Total);
        }
        in_progress.total += 1;
        in_progress.per_user.insert(user.to_string(), mine + 1);
        Ok(TransferSlot {
            limits: Arc::clone(self),
            user: user.to_string(),
        })
    }
}

impl Drop for TransferSlot {
    fn drop(&mut self) {
        let mut in_progress = self
            .limits
            .in_progress
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        in_progress.total = in_progress.total.saturating_sub(1);
        if let Some(count) = in_progress.per_user.get_mut(&self.user) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                in_progress.per_user.remove(&self.user);
            }
        }
    }
}

/// The layer on the upload and download routes. Signed-out requests pass: the handler
/// refuses them before any body moves.
pub async fn limit_transfers(
    State(limits): State<Arc<TransferLimits>>,
    caller: Result<MaybeSignedIn, extract::Refusal>,
    request: Request,
    next: Next,
) -> Response {
    let user = match caller {
        Ok(MaybeSignedIn {
            user: Some(user), ..
        }) => user,
        Ok(MaybeSignedIn { user: None, .. }) => return next.run(request).await,
        Err(extract::Refusal(e)) => return refusal(StatusCode::SERVICE_UNAVAILABLE, e.message()),
    };
    let slot = match limits.try_take(&user.arn()) {
        Ok(slot) => slot,
        Err(Refusal::User) => {
            tracing::info!(user = %user.arn(), "refused a transfer: too many in progress for the user");
            return refusal(
                StatusCode::TOO_MANY_REQUESTS,
                "You have too many uploads and downloads in progress. Wait for one to finish, then try again.",
            );
        }
        Err(Refusal::Total) => {
            tracing::warn!("refused a transfer: the console-wide limit is reached");
            return refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "The console is busy with other transfers. Please try again in a moment.",
            );
        }
    };
    let response = next.run(request).await;
    // The slot goes with the response body: a download holds it until its last byte is sent
    // or the connection is dropped.
    let (parts, body) = response.into_parts();
    let body = body.into_data_stream().map(move |chunk| {
        let _held = &slot;
        chunk
    });
    Response::from_parts(parts, Body::from_stream(body))
}

fn refusal(status: StatusCode, message: &str) -> Response {
    let mut response = (status, axum::Json(json!({ "error": message }))).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_counted_per_user_and_in_total_and_given_back() {
        let limits = TransferLimits::new(3, 2);
        let a1 = limits.try_take("a").expect("a1");
        let _a2 = limits.try_take("a").expect("a2");
        assert_eq!(limits.try_take("a").err(), Some(Refusal::User));
        let _b1 = limits.try_take("b").expect("b1");
        assert_eq!(limits.try_take("c").err(), Some(Refusal::Total));
        drop(a1);
        let _c1 = limits.try_take("c").expect("a slot came back");
        assert_eq!(limits.try_take("a").err(), Some(Refusal::Total));
    }
}
