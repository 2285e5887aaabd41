//! The server functions behind the bucket pages. Bodies never pass through here: uploads and
//! downloads are streamed by the server's own routes.

use leptos::prelude::*;

pub use types::buckets::*;
use types::error::ConsoleError;

#[cfg(feature = "ssr")]
fn object_access_names<'a>(
    bucket: &str,
    keys: impl IntoIterator<Item = &'a str>,
) -> Result<(), String> {
    console::cloud::object_access::check_names(bucket, keys)
}

#[cfg(feature = "ssr")]
mod server {
    use time::format_description::well_known::Rfc3339;

    use super::Access;
    use crate::api::extract::*;
    use console::audit::AuditError;
    use console::cloud::CloudError;
    use console::cloud::object_access::{self, ObjectRequester};
    use console::state::AppState;
    use types::error::ConsoleError;

    /// The caller in the tab's role session `role_session` (`None`: as the user).
    pub async fn requester(
        role_session: Option<&str>,
    ) -> Result<(AppState, ObjectRequester), ConsoleError> {
        let SignedIn { request, user } = caller().await?;
        let client = request
            .client
            .ok_or_else(|| unavailable("no client address"))?;
        let requester = object_access::requester(
            &request.state,
            &request.session,
            &user,
            client,
            role_session,
        )
        .await
        .map_err(requester_refusal)?;
        Ok((request.state, requester))
    }

    /// A refusal, expiry or missing object is shown in the page; a failure is logged.
    pub fn answer<T>(error: CloudError) -> Result<Access<T>, ConsoleError> {
        match error {
            CloudError::Denied { .. } => Ok(Access::Denied),
            CloudError::Expired => Ok(Access::Expired),
            CloudError::NotFound(message) => Ok(Access::NotFound(message)),
            CloudError::Invalid(message) => Ok(Access::Invalid(message)),
            CloudError::TooLarge { .. } | CloudError::RangeNotSatisfiable { .. } => {
                Ok(Access::Invalid(error.to_string()))
            }
            CloudError::Unavailable(e) => Err(unavailable(e)),
        }
    }

    /// An action whose audit event could not be written is refused (a read is not answered).
    pub fn audit_unavailable(_: AuditError) -> ConsoleError {
        ConsoleError::not_allowed(object_access::AUDIT_UNAVAILABLE)
    }

    pub fn rfc3339(t: time::OffsetDateTime) -> String {
        t.format(&Rfc3339).unwrap_or_default()
    }
}

#[server(prefix = "/api", endpoint = "s3_list_buckets")]
pub async fn list_buckets(
    #[server(default)] role_session: Option<String>,
) -> Result<Access<Vec<BucketRow>>, ConsoleError> {
    let (state, requester) = server::requester(role_session.as_deref()).await?;
    let result = requester
        .list_buckets(&state)
        .await
        .map_err(server::audit_unavailable)?;
    match result {
        Ok(buckets) => Ok(Access::Granted(
            buckets
                .into_iter()
                .map(|b| BucketRow {
                    name: b.name,
                    created: b.created.map(server::rfc3339),
                })
                .collect(),
        )),
        Err(e) => server::answer(e),
    }
}

#[server(prefix = "/api", endpoint = "s3_list_objects")]
pub async fn list_objects(
    bucket: String,
    #[server(default)] role_session: Option<String>,
    #[server(default)] prefix: String,
    #[server(default)] token: Option<String>,
) -> Result<Access<ObjectPage>, ConsoleError> {
    use console::cloud::ListRequest;
    let (state, requester) = server::requester(role_session.as_deref()).await?;
    if let Err(message) = object_access_names(&bucket, [prefix.as_str()]) {
        return Ok(Access::Invalid(message));
    }
    let request = ListRequest {
        prefix: Some(prefix.clone()),
        delimiter: Some("/".into()),
        continuation_token: token.filter(|t| !t.is_empty()),
        start_after: None,
        max_keys: Some(PAGE_SIZE),
    };
    let result = requester
        .list_objects(&state, &bucket, &request)
        .await
        .map_err(server::audit_unavailable)?;
    match result {
        Ok(page) => Ok(Access::Granted(ObjectPage {
            folders: page.common_prefixes,
            objects: page
                .objects
                .into_iter()
                .map(|o| ObjectRow {
                    last_modified: server::rfc3339(o.last_modified),
                    key: o.key,
                    size: o.size,
                    etag: o.etag,
                })
                .collect(),
            next_token: page.next_continuation_token,
        })),
        Err(e) => server::answer(e),
    }
}

#[server(prefix = "/api", endpoint = "s3_object_details")]
pub async fn load_object_details(
    bucket: String,
    #[server(default)] role_session: Option<String>,
    key: String,
) -> Result<Access<ObjectDetails>, ConsoleError> {
    let (state, requester) = server::requester(role_session.as_deref()).await?;
    if let Err(message) = object_access_names(&bucket, [key.as_str()]) {
        return Ok(Access::Invalid(message));
    }
    let result = requester
        .head_object(&state, &bucket, &key)
        .await
        .map_err(server::audit_unavailable)?;
    match result {
        Ok(info) => Ok(Access::Granted(ObjectDetails {
            arn: format!("arn:aws:s3:::{bucket}/{}", info.key),
            bucket,
            key: info.key,
            size: info.size,
            etag: info.etag,
            content_type: info.content_type,
            last_modified: server::rfc3339(info.last_modified),
            metadata: info.metadata.into_iter().collect(),
        })),
        Err(e) => server::answer(e),
    }
}

#[server(prefix = "/api", endpoint = "s3_delete_objects")]
pub async fn delete_objects(
    bucket: String,
    #[server(default)] role_session: Option<String>,
    keys: Vec<String>,
) -> Result<Access<DeleteSummary>, ConsoleError> {
    let (state, requester) = server::requester(role_session.as_deref()).await?;
    if keys.is_empty() {
        return Ok(Access::Invalid("Select the objects to delete.".into()));
    }
    if let Err(message) = object_access_names(&bucket, keys.iter().map(String::as_str)) {
        return Ok(Access::Invalid(message));
    }
    let result = requester
        .delete_objects(&state, &bucket, &keys)
        .await
        .map_err(server::audit_unavailable)?;
    match result {
        Ok(outcome) => Ok(Access::Granted(DeleteSummary {
            deleted: outcome.deleted,
            failed: outcome.failed,
        })),
        Err(e) => server::answer(e),
    }
}

/// A folder is an empty object whose key ends in `/`, as in the AWS console.
#[server(prefix = "/api", endpoint = "s3_create_folder")]
pub async fn create_folder(
    bucket: String,
    #[server(default)] role_session: Option<String>,
    #[server(default)] prefix: String,
    name: String,
) -> Result<Access<String>, ConsoleError> {
    use console::cloud::ObjectUpload;
    use serde_json::json;
    let name = name.trim().trim_end_matches('/');
    if name.is_empty() || name.contains('/') {
        return Ok(Access::Invalid("Enter a folder name without \"/\".".into()));
    }
    let key = format!("{prefix}{name}/");
    let (state, requester) = server::requester(role_session.as_deref()).await?;
    if let Err(message) = object_access_names(&bucket, [key.as_str()]) {
        return Ok(Access::Invalid(message));
    }
    let upload = ObjectUpload {
        content_type: Some("application/x-directory".into()),
        metadata: Default::default(),
        content_length: Some(0),
        body: Box::pin(futures_util::stream::empty()),
    };
    let result = requester
        .put_object(&state, &bucket, &key, upload, json!({ "folder": true }))
        .await
        .map_err(server::audit_unavailable)?;
    match result {
        Ok(_) => Ok(Access::Granted(key)),
        Err(e) => server::answer(e),
    }
}
