use time::macros::datetime;

use super::*;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// AWS's own example of a signed request (IAM ListUsers, from the Signature Version 4
/// documentation), with the signature AWS gives for it.
fn aws_example() -> (Vec<(String, String)>, String) {
    let headers = vec![
        (
            "content-type".to_string(),
            "application/x-www-form-urlencoded; charset=utf-8".to_string(),
        ),
        ("host".to_string(), "iam.amazonaws.com".to_string()),
        ("x-amz-date".to_string(), "20150830T123600Z".to_string()),
    ];
    let authorization = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7".to_string();
    (headers, authorization)
}

fn check(
    headers: &[(String, String)],
    authorization: &str,
    query: &str,
    secret: &str,
    now: OffsetDateTime,
) -> Result<(), SigV4Error> {
    let request = ReceivedRequest {
        method: "GET",
        path: "/",
        query: Some(query),
        headers,
        body: Payload::Bytes(b""),
    };
    let parsed = parse_authorization(Some(authorization))?;
    verify(
        &request,
        &parsed,
        &SigningSecret {
            secret_access_key: secret,
            session_token: None,
        },
        now,
    )
}

const QUERY: &str = "Action=ListUsers&Version=2010-05-08";

#[test]
fn awss_documented_example_verifies() {
    let (headers, authorization) = aws_example();
    let now = datetime!(2015-08-30 12:40:00 UTC);
    assert_eq!(check(&headers, &authorization, QUERY, SECRET, now), Ok(()));
}

#[test]
fn another_secret_another_query_or_a_changed_header_do_not_verify() {
    let (headers, authorization) = aws_example();
    let now = datetime!(2015-08-30 12:40:00 UTC);
    let other_secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ";
    assert_eq!(
        check(&headers, &authorization, QUERY, other_secret, now),
        Err(SigV4Error::Mismatch)
    );
    assert_eq!(
        check(
            &headers,
            &authorization,
            "Action=DeleteUser&Version=2010-05-08",
            SECRET,
            now
        ),
        Err(SigV4Error::Mismatch)
    );
    let mut changed = headers.clone();
    changed[1].1 = "evil.example".into();
    assert_eq!(
        check(&changed, &authorization, QUERY, SECRET, now),
        Err(SigV4Error::Mismatch)
    );
    let tampered = authorization.replace("Signature=5d67", "Signature=5d68");
    assert_eq!(
        check(&headers, &tampered, QUERY, SECRET, now),
        Err(SigV4Error::Mismatch)
    );
}

#[test]
fn a_request_older_or_newer_than_15_minutes_is_refused() {
    let (headers, authorization) = aws_example();
    for now in [
        datetime!(2015-08-30 12:51:01 UTC),
        datetime!(2015-08-30 12:20:59 UTC),
    ] {
        assert_eq!(
            check(&headers, &authorization, QUERY, SECRET, now),
            Err(SigV4Error::Expired),
            "{now}"
        );
    }
    assert_eq!(
        check(
            &headers,
            &authorization,
            QUERY,
            SECRET,
            datetime!(2015-08-30 12:50:59 UTC)
        ),
        Ok(())
    );
}

#[test]
fn a_signed_header_that_is_missing_and_malformed_headers_are_named() {
    let (headers, authorization) = aws_example();
    let now = datetime!(2015-08-30 12:40:00 UTC);
    let without_type: Vec<_> = headers[1..].to_vec();
    assert!(matches!(
        check(&without_type, &authorization, QUERY, SECRET, now),
        Err(SigV4Error::Incomplete(m)) if m.contains("content-type")
    ));
    assert_eq!(parse_authorization(None), Err(SigV4Error::Missing));
    assert_eq!(
        parse_authorization(Some("Basic YWxpY2U6")),
        Err(SigV4Error::Missing)
    );
    for bad in [
        "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam, SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
        "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request, SignedHeaders=x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
        "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=xyz",
    ] {
        assert!(
            matches!(
                parse_authorization(Some(bad)),
                Err(SigV4Error::Incomplete(_))
            ),
            "{bad}"
        );
    }
}
