//! Object bodies, streamed both ways through the cloud boundary with the session's held
//! credentials (or the user's own permissions): `GET /s3/download/{bucket}?key=` and
//! `POST /s3/upload/{bucket}?key=` with the raw body. Memory stays bounded whatever the
//! object's size; every request is decided by the backend and written to the audit trail.
//!
//! The key travels in the query string, never in the path: browsers rewrite `..`, `.` and
//! `%2e%2e` path segments, and S3 keys may be exactly that.

use app::api::extract::{Refusal, SignedIn, requester_refusal, unavailable};
use axum::Json;
use axum::body::Body;
use axum::extract::{FromRef, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use console::cloud::object_access::{self, ObjectRequester};
use console::cloud::{ByteRange, CloudError, ObjectDownload, ObjectUpload};
use console::state::AppState;
use futures_util::TryStreamExt;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
pub struct KeyQuery {
    key: String,
    /// The tab's role session (absent: as the user).
    #[serde(default)]
    role_session: Option<String>,
}

/// What a download may do in the browser: nothing. An HTML object opened by mistake (or by
/// an attacker's link) gets an opaque origin, no script and no subresources.
const DOWNLOAD_CSP: &str = "sandbox; default-src 'none'";

pub async fn download(
    State(state): State<AppState>,
    ObjectTarget {
        requester,
        bucket,
        key,
    }: ObjectTarget,
    headers: HeaderMap,
) -> Response {
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_range);
    let asked_range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let Ok(result) = requester
        .get_object(&state, &bucket, &key, range, asked_range)
        .await
    else {
        return message(
            StatusCode::SERVICE_UNAVAILABLE,
            object_access::AUDIT_UNAVAILABLE,
        );
    };
    match result {
        Ok(download) => download_response(download),
        Err(error) => error_response(error),
    }
}

pub async fn upload(
    State(state): State<AppState>,
    ObjectTarget {
        requester,
        bucket,
        key,
    }: ObjectTarget,
    request: Request,
) -> Response {
    let headers = request.headers();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    let content_length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if !object_access::has_room_for_upload(&state, content_length) {
        return message(
            StatusCode::INSUFFICIENT_STORAGE,
            object_access::LOW_ON_SPACE,
        );
    }
    let body = request
        .into_body()
        .into_data_stream()
        .map_err(std::io::Error::other);
    let upload = ObjectUpload {
        content_type,
        metadata: Default::default(),
        content_length,
        body: Box::pin(body),
    };
    // Nothing is stored unless the attempt is in the audit trail first.
    let Ok(result) = requester
        .put_object(&state, &bucket, &key, upload, json!({}))
        .await
    else {
        return message(
            StatusCode::SERVICE_UNAVAILABLE,
            object_access::AUDIT_UNAVAILABLE,
        );
    };
    match result {
        Ok(info) => {
            Json(json!({ "key": info.key, "size": info.size, "etag": info.etag })).into_response()
        }
        Err(error) => error_response(error),
    }
}

/// The object a route acts on, and who asks: the bucket (path) and key (query), of sizes S3
/// accepts, and the signed-in caller (see the extractors) as the object requester of their
/// session. Refusals are JSON messages, as the routes' other answers.
pub struct ObjectTarget {
    requester: ObjectRequester,
    bucket: String,
    key: String,
}

impl<S: Send + Sync> FromRequestParts<S> for ObjectTarget
where
    AppState: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let Path(bucket) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Query(KeyQuery { key, role_session }) =
            Query::<KeyQuery>::from_request_parts(parts, state)
                .await
                .map_err(IntoResponse::into_response)?;
        let refused = |refusal: Refusal| message(refusal.status(), refusal.0.message());
        let SignedIn { request, user } = SignedIn::from_request_parts(parts, state)
            .await
            .map_err(refused)?;
        let client = request
            .client
            .ok_or_else(|| refused(Refusal(unavailable("no client address"))))?;
        object_access::check_names(&bucket, [key.as_str()])
            .map_err(|text| message(StatusCode::BAD_REQUEST, &text))?;
        let requester = object_access::requester(
            &request.state,
            &request.session,
            &user,
            client,
            role_session.as_deref(),
        )
        .await
        .map_err(|e| refused(Refusal(requester_refusal(e))))?;
        Ok(ObjectTarget {
            requester,
            bucket,
            key,
        })
    }
}

fn download_response(download: ObjectDownload) -> Response {
    let ObjectDownload {
        info,
        start,
        len,
        partial,
        body,
    } = download;
    let mut response = Response::new(Body::from_stream(body));
    let headers = response.headers_mut();
    let content_type = info
        .content_type
        .as_deref()
        .and_then(|t| HeaderValue::from_str(t).ok())
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Ok(etag) = HeaderValue::from_str(&info.etag) {
        headers.insert(header::ETAG, etag);
    }
    if let Ok(modified) = HeaderValue::from_str(&http_date(info.last_modified)) {
        headers.insert(header::LAST_MODIFIED, modified);
    }
    if let Ok(disposition) = HeaderValue::from_str(&content_disposition(&info.key)) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DOWNLOAD_CSP),
    );
    if partial {
        let last = (start + len).saturating_sub(1);
        if let Ok(range) = HeaderValue::from_str(&format!("bytes {start}-{last}/{}", info.size)) {
            headers.insert(header::CONTENT_RANGE, range);
        }
        *response.status_mut() = StatusCode::PARTIAL_CONTENT;
    }
    response
}

/// The status and message a refusal or failure gets; internal detail is logged only.
fn error_response(error: CloudError) -> Response {
    match error {
        CloudError::Denied { .. } => message(StatusCode::FORBIDDEN, "Access denied"),
        CloudError::Expired => message(
            StatusCode::FORBIDDEN,
            "Your role session has expired. Switch role again.",
        ),
        CloudError::NotFound(text) => message(StatusCode::NOT_FOUND, &text),
        CloudError::Invalid(text) => message(StatusCode::BAD_REQUEST, &text),
        CloudError::TooLarge { .. } => message(StatusCode::PAYLOAD_TOO_LARGE, &error.to_string()),
        CloudError::RangeNotSatisfiable { size } => {
            let mut response = message(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "The requested range is not satisfiable.",
            );
            if let Ok(range) = HeaderValue::from_str(&format!("bytes */{size}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, range);
            }
            response
        }
        CloudError::Unavailable(detail) => {
            tracing::error!("object request: {detail}");
            message(
                StatusCode::SERVICE_UNAVAILABLE,
                "The object store is unavailable right now. Please try again later.",
            )
        }
    }
}

fn message(status: StatusCode, text: &str) -> Response {
    (status, Json(json!({ "error": text }))).into_response()
}

/// One range of a `Range` header (`bytes=a-b`, `bytes=a-`, `bytes=-n`). Anything else
/// (several ranges, another unit, nonsense) is ignored and the whole object served, as RFC
/// 9110 allows.
fn parse_range(value: &str) -> Option<ByteRange> {
    let spec = value.trim().strip_prefix("bytes=")?.trim();
    if spec.contains(',') {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    match (first.is_empty(), last.is_empty()) {
        (false, false) => Some(ByteRange::FromTo {
            first: first.parse().ok()?,
            last: last.parse().ok()?,
        }),
        (false, true) => Some(ByteRange::From {
            first: first.parse().ok()?,
        }),
        (true, false) => Some(ByteRange::Suffix {
            len: last.parse().ok()?,
        }),
        (true, true) => None,
    }
}

/// `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266 with RFC 5987 encoding): the
/// quoted name is an ASCII stand-in for old clients, the encoded one is exact.
pub fn content_disposition(key: &str) -> String {
    let name = key
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty())
        .unwrap_or("download");
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(name.len());
    for b in name.bytes() {
        // RFC 5987 attr-char.
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// IMF-fixdate, as `Last-Modified` wants it.
fn http_date(t: time::OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_like_rfc_9110() {
        assert_eq!(
            parse_range("bytes=0-99"),
            Some(ByteRange::FromTo { first: 0, last: 99 })
        );
        assert_eq!(
            parse_range("bytes=100-"),
            Some(ByteRange::From { first: 100 })
        );
        assert_eq!(parse_range("bytes=-5"), Some(ByteRange::Suffix { len: 5 }));
        assert_eq!(parse_range("bytes=0-1,5-6"), None);
        assert_eq!(parse_range("items=0-1"), None);
        assert_eq!(parse_range("bytes=x-"), None);
        assert_eq!(parse_range("bytes=-"), None);
    }

    #[test]
    fn file_names_are_encoded_for_every_browser() {
        assert_eq!(
            content_disposition("app/release-notes.txt"),
            "attachment; filename=\"release-notes.txt\"; filename*=UTF-8''release-notes.txt"
        );
        assert_eq!(
            content_disposition("rapport \"final\"/été 2025.pdf"),
            "attachment; filename=\"_t_ 2025.pdf\"; filename*=UTF-8''%C3%A9t%C3%A9%202025.pdf"
        );
        assert_eq!(
            content_disposition("a\r\nSet-Cookie: x"),
            "attachment; filename=\"a__Set-Cookie: x\"; filename*=UTF-8''a%0D%0ASet-Cookie%3A%20x"
        );
        assert_eq!(
            content_disposition("folder/"),
            "attachment; filename=\"folder\"; filename*=UTF-8''folder"
        );
    }

    #[test]
    fn dates_are_imf_fixdate() {
        let t = time::macros::datetime!(2025-01-31 09:05:07 UTC);
        assert_eq!(http_date(t), "Fri, 31 Jan 2025 09:05:07 GMT");
    }
}
