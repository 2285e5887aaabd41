//! The audit trail's server function, for console administrators (the exports are streamed
//! by the server's own route).

use leptos::prelude::*;
use types::audit_query::AuditPage;
#[cfg(feature = "ssr")]
use types::audit_query::AuditQuery;
use types::error::ConsoleError;

#[server(prefix = "/api", endpoint = "audit_events")]
pub async fn load_audit(
    #[server(default)] user: String,
    #[server(default)] action: String,
    #[server(default)] decision: String,
    #[server(default)] from: String,
    #[server(default)] to: String,
    #[server(default)] before: String,
) -> Result<AuditPage, ConsoleError> {
    use crate::api::extract::*;
    use console::audit::view as audit_view;
    let Admin { request, .. } = caller().await?;
    let query = AuditQuery {
        user,
        action,
        decision,
        from,
        to,
        before,
    };
    let filter = audit_view::parse_filter(&query).map_err(|e| ConsoleError::not_allowed(e.0))?;
    let audit = &request.state.audit;
    // One more than a page tells whether an older page exists.
    let mut records = audit
        .query(&filter, audit_view::PAGE_SIZE + 1)
        .await
        .map_err(unavailable)?;
    let more = records.len() > audit_view::PAGE_SIZE as usize;
    records.truncate(audit_view::PAGE_SIZE as usize);
    let next_before = more.then(|| records.last().map(|r| r.id)).flatten();
    Ok(AuditPage {
        rows: records.iter().map(audit_view::row).collect(),
        actions: audit.actions().await.map_err(unavailable)?,
        next_before,
    })
}
