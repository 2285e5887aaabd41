//! Checking AWS Signature Version 4 on a request that reached the embedded organisation's API.
//! The signature is computed again with the `aws-sigv4` crate (the one the AWS SDK for Rust
//! signs with) over exactly the headers the client signed, and compared in constant time; a
//! request dated more than 15 minutes away from now is refused, as AWS does.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use aws_sigv4::http_request::{
    PercentEncodingMode, SignableBody, SignableRequest, SigningSettings, UriPathNormalizationMode,
    sign,
};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use time::PrimitiveDateTime;
use time::macros::format_description;

/// How far a request's date may be from now.
pub const MAX_SKEW: Duration = Duration::from_secs(15 * 60);

const ALGORITHM: &str = "AWS4-HMAC-SHA256";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigV4Error {
    /// No `Authorization` header (or not a SigV4 one).
    #[error("Request is missing Authentication Token")]
    Missing,
    /// An `Authorization` header that does not parse, or a signed header that is absent.
    #[error("{0}")]
    Incomplete(String),
    /// The request's date is more than [`MAX_SKEW`] away from now.
    #[error("Signature expired: the request's date is more than 15 minutes from the server's time")]
    Expired,
    /// The signature does not match the request and the key's secret.
    #[error(
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method."
    )]
    Mismatch,
}

/// The parts of a SigV4 `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub access_key_id: String,
    /// `YYYYMMDD` of the credential scope.
    pub date: String,
    pub region: String,
    pub service: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// Parses `AWS4-HMAC-SHA256 Credential=AKID/20261208/us-east-1/sts/aws4_request,
/// SignedHeaders=host;x-amz-date, Signature=…`.
pub fn parse_authorization(header: Option<&str>) -> Result<Authorization, SigV4Error> {
    let header = header.ok_or(SigV4Error::Missing)?.trim();
    let rest = header
        .strip_prefix(ALGORITHM)
        .filter(|r| r.starts_with(' '))
        .ok_or(SigV4Error::Missing)?;
    let incomplete = |what: &str| SigV4Error::Incomplete(format!("Authorization header: {what}"));
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let Some((name, value)) = part.trim().split_once('=') else {
            return Err(incomplete("every part is name=value"));
        };
        match name {
            "Credential" => credential = Some(value),
            "SignedHeaders" => signed = Some(value),
            "Signature" => signature = Some(value),
            _ => return Err(incomplete("unknown part")),
        }
    }
    let credential = credential.ok_or_else(|| incomplete("Credential is missing"))?;
    let signed = signed.ok_or_else(|| incomplete("SignedHeaders is missing"))?;
    let signature = signature.ok_or_else(|| incomplete("Signature is missing"))?;
    let scope: Vec<&str> = credential.split('/').collect();
    let [key, date, region, service, "aws4_request"] = scope[..] else {
        return Err(incomplete(
            "Credential is KEY/DATE/REGION/SERVICE/aws4_request",
        ));
    };
    if key.is_empty() || date.len() != 8 || region.is_empty() || service.is_empty() {
        return Err(incomplete(
            "Credential is KEY/DATE/REGION/SERVICE/aws4_request",
        ));
    }
    let signed_headers: Vec<String> = signed.split(';').map(str::to_string).collect();
    if signed_headers.iter().any(String::is_empty) || !signed_headers.iter().any(|h| h == "host") {
        return Err(incomplete("SignedHeaders must name host"));
    }
    if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(incomplete("Signature is 64 hexadecimal digits"));
    }
    Ok(Authorization {
        access_key_id: key.to_string(),
        date: date.to_string(),
        region: region.to_string(),
        service: service.to_string(),
        signed_headers,
        signature: signature.to_ascii_lowercase(),
    })
}

/// A request as it arrived: the raw path and query, every header (names in lower case) and
/// what its body hashes to.
pub struct ReceivedRequest<'a> {
    pub method: &'a str,
    /// As sent, still percent-encoded.
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a [(String, String)],
    pub body: Payload<'a>,
}

/// What the signature covers of the body.
pub enum Payload<'a> {
    /// The whole body (STS's form posts).
    Bytes(&'a [u8]),
    /// The hash the client put in `x-amz-content-sha256` (S3: `UNSIGNED-PAYLOAD`, a hex
    /// digest checked while the body streams, or a chunked-signing marker).
    Precomputed(&'a str),
}

/// The key that should have signed the request.
pub struct SigningSecret<'a> {
    pub secret_access_key: &'a str,
    /// For temporary credentials: the token the request must carry.
    pub session_token: Option<&'a str>,
}

impl ReceivedRequest<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The request's `x-amz-date`.
pub fn request_time(request: &ReceivedRequest<'_>) -> Result<OffsetDateTime, SigV4Error> {
    let text = request
        .header("x-amz-date")
        .ok_or_else(|| SigV4Error::Incomplete("the x-amz-date header is missing".into()))?;
    PrimitiveDateTime::parse(
        text,
        format_description!("[year][month][day]T[hour][minute][second]Z"),
    )
    .map(PrimitiveDateTime::assume_utc)
    .map_err(|_| SigV4Error::Incomplete("x-amz-date is YYYYMMDDTHHMMSSZ".into()))
}

/// Checks `authorization` on `request` against `secret` at `now`.
pub fn verify(
    request: &ReceivedRequest<'_>,
    authorization: &Authorization,
    secret: &SigningSecret<'_>,
    now: OffsetDateTime,
) -> Result<(), SigV4Error> {
    let at = request_time(request)?;
    if (now - at).unsigned_abs() > MAX_SKEW {
        return Err(SigV4Error::Expired);
    }
    let scope_date = at
        .format(format_description!("[year][month][day]"))
        .map_err(|_| SigV4Error::Mismatch)?;
    if scope_date != authorization.date {
        return Err(SigV4Error::Mismatch);
    }
    // Exactly the headers the client signed, as received.
    let mut signed: Vec<(&str, &str)> = Vec::with_capacity(authorization.signed_headers.len());
    for name in &authorization.signed_headers {
        let mut found = false;
        for (n, v) in request.headers.iter().filter(|(n, _)| n == name) {
            signed.push((n.as_str(), v.as_str()));
            found = true;
        }
        if !found {
            return Err(SigV4Error::Incomplete(format!(
                "the signed header {name} is missing"
            )));
        }
    }
    let is_s3 = authorization.service == "s3";
    let mut settings = SigningSettings::default();
    settings.excluded_headers = None;
    if is_s3 {
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    }
    let identity = aws_credential_types::Credentials::new(
        authorization.access_key_id.clone(),
        secret.secret_access_key.to_string(),
        secret.session_token.map(str::to_string),
        None,
        "switchyard",
    )
    .into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(&authorization.region)
        .name(&authorization.service)
        .time(SystemTime::from(at))
        .settings(settings)
        .build()
        .map_err(|_| SigV4Error::Mismatch)?
        .into();
    let uri: Cow<'_, str> = match request.query {
        Some(query) if !query.is_empty() => Cow::Owned(format!("{}?{query}", request.path)),
        _ => Cow::Borrowed(request.path),
    };
    let body = match request.body {
        Payload::Bytes(bytes) => SignableBody::Bytes(bytes),
        Payload::Precomputed(hash) => SignableBody::Precomputed(hash.to_string()),
    };
    let signable = SignableRequest::new(request.method, uri, signed.into_iter(), body)
        .map_err(|_| SigV4Error::Incomplete("the request cannot be canonicalised".into()))?;
    let expected = sign(signable, &params)
        .map_err(|_| SigV4Error::Mismatch)?
        .signature()
        .to_string();
    if bool::from(
        expected
            .as_bytes()
            .ct_eq(authorization.signature.as_bytes()),
    ) {
        Ok(())
    } else {
        Err(SigV4Error::Mismatch)
    }
}

#[cfg(test)]
mod tests;
