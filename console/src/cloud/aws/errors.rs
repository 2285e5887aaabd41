//! AWS error replies mapped to the console's own `CloudError`.
//!
//! The SDK has already retried throttling and transient failures (standard retry mode, bounded
//! attempts) by the time an error arrives here. Detail goes to the audit trail and the log; the
//! user sees only the generic text of each `CloudError` variant.

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use serde_json::json;

use crate::cloud::CloudError;

/// Whose credentials made the failed call: they decide what an invalid-token reply means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Credentials {
    /// The console's own base credentials (STS AssumeRole): a bad token is a console fault.
    Console,
    /// The held role credentials (S3): a bad or expired token ends the role session.
    Role,
}

/// What one failed AWS call said, in the parts that decide its meaning.
#[derive(Debug)]
pub(crate) struct Failure<'a> {
    pub operation: &'static str,
    pub code: Option<&'a str>,
    pub message: Option<&'a str>,
    pub status: Option<u16>,
}

pub(crate) fn from_sdk<E>(
    operation: &'static str,
    credentials: Credentials,
    error: &SdkError<E, HttpResponse>,
) -> CloudError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let failure = Failure {
        operation,
        code: error.code(),
        message: error.message(),
        status: error.raw_response().map(|r| r.status().as_u16()),
    };
    let mapped = classify(&failure, credentials);
    if let CloudError::Unavailable(_) = mapped {
        // No reply from AWS (connection, timeout) or an unexpected one: keep the whole chain.
        tracing::warn!(
            "aws {operation}: {} ({:?})",
            DisplayErrorContext(error),
            failure
        );
        return CloudError::Unavailable(format!("{operation}: {}", DisplayErrorContext(error)));
    }
    tracing::info!("aws {operation}: {failure:?} -> {mapped}");
    mapped
}

pub(crate) fn classify(failure: &Failure<'_>, credentials: Credentials) -> CloudError {
    let detail = || {
        json!({
            "backend": "aws",
            "operation": failure.operation,
            "code": failure.code,
            "message": failure.message,
            "status": failure.status,
        })
    };
    let message = || failure.message.unwrap_or("rejected by AWS").to_string();
    match failure.code {
        Some(
            "AccessDenied"
            | "AccessDeniedException"
            | "AllAccessDisabled"
            | "AccountProblem"
            | "UnauthorizedOperation"
            | "InvalidObjectState",
        ) => CloudError::Denied { detail: detail() },
        Some(
            "ExpiredToken"
            | "ExpiredTokenException"
            | "TokenRefreshRequired"
            | "InvalidToken"
            | "InvalidAccessKeyId"
            | "InvalidClientTokenId"
            | "SignatureDoesNotMatch",
        ) => match credentials {
            Credentials::Role => CloudError::Expired,
            Credentials::Console => CloudError::Unavailable(format!(
                "the console's own AWS credentials were refused ({}): {}",
                failure.code.unwrap_or_default(),
                message()
            )),
        },
        Some("NoSuchBucket") => CloudError::NotFound("No such bucket.".into()),
        Some("NoSuchKey" | "NotFound") => CloudError::NotFound("No such object.".into()),
        Some("NoSuchUpload") => CloudError::NotFound("No such upload.".into()),
        // The size is filled in by the caller (a HEAD), the reply does not carry it.
        Some("InvalidRange") => CloudError::RangeNotSatisfiable { size: 0 },
        Some(
            "ValidationError"
            | "InvalidParameterValue"
            | "InvalidParameterCombination"
            | "MalformedPolicyDocument"
            | "PackedPolicyTooLarge"
            | "InvalidArgument"
            | "InvalidBucketName"
            | "KeyTooLongError"
            | "EntityTooLarge"
            | "EntityTooSmall"
            | "InvalidPart"
            | "InvalidPartOrder"
            | "MetadataTooLarge"
            | "MalformedXML",
        ) => CloudError::Invalid(message()),
        Some(
            "Throttling"
            | "ThrottlingException"
            | "SlowDown"
            | "RequestLimitExceeded"
            | "TooManyRequestsException"
            | "RequestThrottled"
            | "RequestThrottledException",
        ) => CloudError::Unavailable(format!(
            "{}: throttled by AWS after the retries",
            failure.operation
        )),
        _ => match failure.status {
            // A 403 whose body could not be parsed (some endpoints send none, or a shape the
            // SDK does not read) is a refusal, never a success and never a retry.
            Some(403) => CloudError::Denied { detail: detail() },
            Some(404) => CloudError::NotFound("No such bucket or object.".into()),
            Some(416) => CloudError::RangeNotSatisfiable { size: 0 },
            _ => CloudError::Unavailable(format!(
                "{}: {} {}",
                failure.operation,
                failure.code.unwrap_or("no error code"),
                message()
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: Option<&'static str>, status: Option<u16>) -> Failure<'static> {
        Failure {
            operation: "GetObject",
            code,
            message: Some("message from AWS"),
            status,
        }
    }

    #[test]
    fn aws_codes_map_to_console_errors() {
        let role = Credentials::Role;
        assert!(matches!(
            classify(&failure(Some("AccessDenied"), Some(403)), role),
            CloudError::Denied { .. }
        ));
        assert!(matches!(
            classify(&failure(Some("NoSuchBucket"), Some(404)), role),
            CloudError::NotFound(_)
        ));
        assert!(matches!(
            classify(&failure(Some("NoSuchKey"), Some(404)), role),
            CloudError::NotFound(_)
        ));
        assert!(matches!(
            classify(&failure(Some("ExpiredToken"), Some(400)), role),
            CloudError::Expired
        ));
        assert!(matches!(
            classify(&failure(Some("SlowDown"), Some(503)), role),
            CloudError::Unavailable(_)
        ));
        assert!(matches!(
            classify(&failure(Some("InvalidRange"), Some(416)), role),
            CloudError::RangeNotSatisfiable { .. }
        ));
    }

    #[test]
    fn an_unparsed_403_is_a_denial_and_other_unknowns_are_unavailable() {
        match classify(&failure(None, Some(403)), Credentials::Console) {
            CloudError::Denied { detail } => {
                assert_eq!(detail["status"], 403);
                assert_eq!(detail["backend"], "aws");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            classify(&failure(None, Some(500)), Credentials::Role),
            CloudError::Unavailable(_)
        ));
        assert!(matches!(
            classify(&failure(None, None), Credentials::Role),
            CloudError::Unavailable(_)
        ));
    }

    #[test]
    fn a_refused_console_token_is_a_console_fault_not_an_expired_role() {
        assert!(matches!(
            classify(
                &failure(Some("ExpiredToken"), Some(403)),
                Credentials::Console
            ),
            CloudError::Unavailable(_)
        ));
    }
}
