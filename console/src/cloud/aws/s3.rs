//! Object operations with aws-sdk-s3, made with a held role's credentials. Bodies are streamed
//! both ways; an upload holds at most one part (`PART_SIZE`) in memory.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::{ByteStream as AwsByteStream, DateTime};
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use time::OffsetDateTime;

use super::errors::{self, Credentials};
use crate::cloud::objects::ByteStream;
use crate::cloud::{
    BucketSummary, ByteRange, CloudError, DeleteOutcome, ListPage, ListRequest, ObjectDownload,
    ObjectInfo, ObjectUpload,
};

/// Multipart part size: S3's minimum is 5 MiB for every part but the last. Bodies up to this
/// size go up in one PutObject.
pub(crate) const PART_SIZE: usize = 8 * 1024 * 1024;
/// S3's limit on parts per upload.
const MAX_PARTS: u64 = 10_000;
/// As DeleteObjects: at most this many keys per request.
const MAX_DELETE_KEYS: usize = 1000;
/// Single deletes in flight at once.
const DELETE_CONCURRENCY: usize = 8;

fn sdk_error<E>(
    operation: &'static str,
    error: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> CloudError
where
    E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    errors::from_sdk(operation, Credentials::Role, error)
}

fn to_time(t: Option<&DateTime>) -> Option<OffsetDateTime> {
    t.and_then(|t| OffsetDateTime::from_unix_timestamp(t.secs()).ok())
}

fn to_size(size: Option<i64>) -> u64 {
    size.and_then(|s| u64::try_from(s).ok()).unwrap_or(0)
}

fn to_metadata(metadata: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    metadata
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) async fn list_buckets(client: &Client) -> Result<Vec<BucketSummary>, CloudError> {
    let output = client
        .list_buckets()
        .send()
        .await
        .map_err(|e| sdk_error("ListBuckets", &e))?;
    let mut buckets: Vec<BucketSummary> = output
        .buckets()
        .iter()
        .filter_map(|b| {
            Some(BucketSummary {
                name: b.name()?.to_string(),
                created: to_time(b.creation_date()),
            })
        })
        .collect();
    buckets.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(buckets)
}

pub(crate) async fn list_objects(
    client: &Client,
    bucket: &str,
    request: &ListRequest,
) -> Result<ListPage, CloudError> {
    let max_keys = request
        .max_keys
        .map(|n| i32::try_from(n.clamp(1, 1000)).unwrap_or(1000));
    let output = client
        .list_objects_v2()
        .bucket(bucket)
        .set_prefix(request.prefix.clone())
        .set_delimiter(request.delimiter.clone())
        .set_continuation_token(request.continuation_token.clone())
        .set_start_after(request.start_after.clone())
        .set_max_keys(max_keys)
        .send()
        .await
        .map_err(|e| sdk_error("ListObjectsV2", &e))?;
    let objects: Vec<ObjectInfo> = output
        .contents()
        .iter()
        .filter_map(|o| {
            Some(ObjectInfo {
                key: o.key()?.to_string(),
                size: to_size(o.size()),
                etag: o.e_tag().unwrap_or_default().to_string(),
                content_type: None,
                metadata: BTreeMap::new(),
                last_modified: to_time(o.last_modified()).unwrap_or(OffsetDateTime::UNIX_EPOCH),
            })
        })
        .collect();
    let common_prefixes: Vec<String> = output
        .common_prefixes()
        .iter()
        .filter_map(|p| p.prefix().map(str::to_string))
        .collect();
    let is_truncated = output.is_truncated().unwrap_or(false);
    Ok(ListPage {
        key_count: objects.len() + common_prefixes.len(),
        objects,
        common_prefixes,
        next_continuation_token: if is_truncated {
            output.next_continuation_token().map(str::to_string)
        } else {
            None
        },
        is_truncated,
    })
}

pub(crate) async fn head_object(
    client: &Client,
    bucket: &str,
    key: &str,
) -> Result<ObjectInfo, CloudError> {
    let output = client
        .head_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| sdk_error("HeadObject", &e))?;
    Ok(ObjectInfo {
        key: key.to_string(),
        size: to_size(output.content_length()),
        etag: output.e_tag().unwrap_or_default().to_string(),
        content_type: output.content_type().map(str::to_string),
        metadata: to_metadata(output.metadata()),
        last_modified: to_time(output.last_modified()).unwrap_or(OffsetDateTime::UNIX_EPOCH),
    })
}

/// The Range header value S3 reads.
pub(crate) fn range_header(range: ByteRange) -> String {
    match range {
        ByteRange::FromTo { first, last } => format!("bytes={first}-{last}"),
        ByteRange::From { first } => format!("bytes={first}-"),
        ByteRange::Suffix { len } => format!("bytes=-{len}"),
    }
}

/// `(first byte, object size)` of a Content-Range value like `bytes 0-99/1234`.
pub(crate) fn parse_content_range(value: &str) -> Option<(u64, u64)> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (span, size) = rest.split_once('/')?;
    let (first, _) = span.split_once('-')?;
    Some((first.trim().parse().ok()?, size.trim().parse().ok()?))
}

pub(crate) async fn get_object(
    client: &Client,
    bucket: &str,
    key: &str,
    range: Option<ByteRange>,
) -> Result<ObjectDownload, CloudError> {
    let reply = client
        .get_object()
        .bucket(bucket)
        .key(key)
        .set_range(range.map(range_header))
        .send()
        .await;
    let output = match reply {
        Ok(output) => output,
        Err(e) => {
            return match sdk_error("GetObject", &e) {
                CloudError::RangeNotSatisfiable { .. } => {
                    let size = head_object(client, bucket, key).await?.size;
                    Err(CloudError::RangeNotSatisfiable { size })
                }
                other => Err(other),
            };
        }
    };
    let len = to_size(output.content_length());
    let (start, size, partial) = match output.content_range().and_then(parse_content_range) {
        Some((start, size)) if range.is_some() => (start, size, true),
        _ => (0, len, false),
    };
    let info = ObjectInfo {
        key: key.to_string(),
        size,
        etag: output.e_tag().unwrap_or_default().to_string(),
        content_type: output.content_type().map(str::to_string),
        metadata: to_metadata(output.metadata()),
        last_modified: to_time(output.last_modified()).unwrap_or(OffsetDateTime::UNIX_EPOCH),
    };
    Ok(ObjectDownload {
        info,
        start,
        len,
        partial,
        body: into_body_stream(output.body),
    })
}

/// The SDK's body as the console's byte stream; the first error ends it.
fn into_body_stream(body: AwsByteStream) -> ByteStream {
    Box::pin(futures_util::stream::unfold(
        Some(body),
        |state| async move {
            let mut body = state?;
            match body.try_next().await {
                Ok(Some(chunk)) => Some((Ok(chunk), Some(body))),
                Ok(None) => None,
                Err(e) => Some((Err(std::io::Error::other(e)), None)),
            }
        },
    ))
}

/// Reads the upload body until `PART_SIZE` bytes are gathered or it ends. `Ok(None)` at the end.
/// The body so far, counted against the upload limit as it arrives.
struct Incoming<'a> {
    body: &'a mut ByteStream,
    /// Bytes taken from the body so far.
    received: u64,
    limit: u64,
}

/// The next part, at most `PART_SIZE` bytes. The buffer grows with the bytes that arrive, so a
/// client that declares a large body and sends little makes the server hold little.
async fn next_part(
    incoming: &mut Incoming<'_>,
    carry: &mut BytesMut,
) -> Result<Option<Bytes>, CloudError> {
    while carry.len() < PART_SIZE {
        match incoming.body.next().await {
            Some(Ok(chunk)) => {
                incoming.received += chunk.len() as u64;
                if incoming.received > incoming.limit {
                    return Err(CloudError::TooLarge {
                        limit: incoming.limit,
                    });
                }
                carry.extend_from_slice(&chunk);
            }
            Some(Err(e)) => {
                tracing::info!("upload body ended with an error: {e}");
                return Err(CloudError::Invalid("The upload did not complete.".into()));
            }
            None => break,
        }
    }
    if carry.is_empty() {
        return Ok(None);
    }
    let take = carry.len().min(PART_SIZE);
    Ok(Some(carry.split_to(take).freeze()))
}

/// S3's limit for one object.
const MAX_OBJECT_SIZE: u64 = 5 * 1024 * 1024 * 1024 * 1024;

/// `limit`: the console's `max_upload_size` (`None`: S3's own limit).
pub(crate) async fn put_object(
    client: &Client,
    bucket: &str,
    key: &str,
    upload: ObjectUpload,
    limit: Option<u64>,
) -> Result<ObjectInfo, CloudError> {
    let ObjectUpload {
        content_type,
        metadata,
        content_length,
        mut body,
    } = upload;
    let limit = limit.unwrap_or(MAX_OBJECT_SIZE).min(MAX_OBJECT_SIZE);
    if content_length.is_some_and(|declared| declared > limit) {
        return Err(CloudError::TooLarge { limit });
    }
    let mut incoming = Incoming {
        body: &mut body,
        received: 0,
        limit,
    };
    let aws_metadata: HashMap<String, String> = metadata.clone().into_iter().collect();
    let mut carry = BytesMut::new();
    let first = next_part(&mut incoming, &mut carry)
        .await?
        .unwrap_or_default();
    let finished = |size: u64, etag: Option<&str>| {
        if let Some(declared) = content_length
            && declared != size
        {
            tracing::info!("upload of {size} bytes declared {declared}");
        }
        ObjectInfo {
            key: key.to_string(),
            size,
            etag: etag.unwrap_or_default().to_string(),
            content_type: content_type.clone(),
            metadata: metadata.clone(),
            last_modified: crate::clock::now_utc(),
        }
    };

    if first.len() < PART_SIZE {
        // One request: the body ended inside the first part.
        let size = first.len() as u64;
        let output = client
            .put_object()
            .bucket(bucket)
            .key(key)
            .set_content_type(content_type.clone())
            .set_metadata(Some(aws_metadata))
            .content_length(size as i64)
            .body(AwsByteStream::from(first))
            .send()
            .await
            .map_err(|e| sdk_error("PutObject", &e))?;
        return Ok(finished(size, output.e_tag()));
    }

    // Multipart: nothing is visible under the key until CompleteMultipartUpload.
    let created = client
        .create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .set_content_type(content_type.clone())
        .set_metadata(Some(aws_metadata))
        .send()
        .await
        .map_err(|e| sdk_error("CreateMultipartUpload", &e))?;
    let upload_id = created
        .upload_id()
        .ok_or_else(|| CloudError::Unavailable("CreateMultipartUpload returned no id".into()))?
        .to_string();
    let uploaded = upload_parts(
        client,
        bucket,
        key,
        &upload_id,
        first,
        &mut incoming,
        &mut carry,
    )
    .await;
    let (parts, size) = match uploaded {
        Ok(done) => done,
        Err(error) => {
            abort(client, bucket, key, &upload_id).await;
            return Err(error);
        }
    };
    let completed = client
        .complete_multipart_upload()
        .bucket(bucket)
        .key(key)
        .upload_id(&upload_id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(parts))
                .build(),
        )
        .send()
        .await;
    match completed {
        Ok(output) => Ok(finished(size, output.e_tag())),
        Err(e) => {
            abort(client, bucket, key, &upload_id).await;
            Err(sdk_error("CompleteMultipartUpload", &e))
        }
    }
}

async fn upload_parts(
    client: &Client,
    bucket: &str,
    key: &str,
    upload_id: &str,
    first: Bytes,
    incoming: &mut Incoming<'_>,
    carry: &mut BytesMut,
) -> Result<(Vec<CompletedPart>, u64), CloudError> {
    let mut parts = Vec::new();
    let mut size = 0u64;
    let mut next = Some(first);
    let mut number: u64 = 0;
    while let Some(part) = next {
        number += 1;
        if number > MAX_PARTS {
            return Err(CloudError::TooLarge {
                limit: MAX_PARTS * PART_SIZE as u64,
            });
        }
        let part_number = i32::try_from(number).unwrap_or(i32::MAX);
        size += part.len() as u64;
        let output = client
            .upload_part()
            .bucket(bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(part_number)
            .content_length(part.len() as i64)
            .body(AwsByteStream::from(part))
            .send()
            .await
            .map_err(|e| sdk_error("UploadPart", &e))?;
        parts.push(
            CompletedPart::builder()
                .part_number(part_number)
                .set_e_tag(output.e_tag().map(str::to_string))
                .build(),
        );
        next = next_part(incoming, carry).await?;
    }
    Ok((parts, size))
}

/// Best effort: an upload left behind costs storage until a lifecycle rule removes it.
async fn abort(client: &Client, bucket: &str, key: &str, upload_id: &str) {
    if let Err(e) = client
        .abort_multipart_upload()
        .bucket(bucket)
        .key(key)
        .upload_id(upload_id)
        .send()
        .await
    {
        tracing::warn!(
            "AbortMultipartUpload of {upload_id} in {bucket}: {}",
            aws_sdk_s3::error::DisplayErrorContext(&e)
        );
    }
}

/// Key by key with DeleteObject, a few at a time. S3 decides `s3:DeleteObject` per key either
/// way; single deletes also work on S3-compatible servers whose DeleteObjects checks the
/// permission on the bucket instead of each key (moto does), and need no Content-MD5.
pub(crate) async fn delete_objects(
    client: &Client,
    bucket: &str,
    keys: &[String],
) -> Result<DeleteOutcome, CloudError> {
    if keys.len() > MAX_DELETE_KEYS {
        return Err(CloudError::Invalid(format!(
            "Delete at most {MAX_DELETE_KEYS} objects at once."
        )));
    }
    let results: Vec<(String, Result<(), CloudError>)> =
        futures_util::stream::iter(keys.iter().cloned())
            .map(|key: String| async move {
                let result = client
                    .delete_object()
                    .bucket(bucket)
                    .key(&key)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| sdk_error("DeleteObject", &e));
                (key, result)
            })
            .buffered(DELETE_CONCURRENCY)
            .collect()
            .await;
    let mut outcome = DeleteOutcome::default();
    for (key, result) in results {
        match result {
            Ok(()) => outcome.deleted.push(key),
            Err(CloudError::Expired) => return Err(CloudError::Expired),
            Err(error) => {
                let message = match error {
                    CloudError::Denied { .. } => "Access denied.",
                    CloudError::NotFound(_) => "No such bucket.",
                    _ => "Could not be deleted.",
                };
                outcome.failed.push((key, message.to_string()));
            }
        }
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_content_ranges() {
        assert_eq!(
            range_header(ByteRange::FromTo { first: 0, last: 9 }),
            "bytes=0-9"
        );
        assert_eq!(range_header(ByteRange::From { first: 5 }), "bytes=5-");
        assert_eq!(range_header(ByteRange::Suffix { len: 3 }), "bytes=-3");
        assert_eq!(parse_content_range("bytes 5-9/20"), Some((5, 20)));
        assert_eq!(parse_content_range("bytes */20"), None);
        assert_eq!(parse_content_range("nonsense"), None);
    }
}
