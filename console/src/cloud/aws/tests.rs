//! What the AWS backend decides without AWS: the console's broker check, missing MFA codes,
//! callers without a role, expired credentials. The endpoint is a closed loopback port, so a
//! request that reached the network would fail as `Unavailable`, not as what is asserted here.
//! The calls to AWS themselves are tested against moto (`server/src/tests/aws_moto.rs`).

use std::net::IpAddr;

use super::*;

const CLOSED_PORT: &str = "http://127.0.0.1:9";

async fn cloud(roles: BTreeMap<String, AwsRoleSettings>) -> AwsCloud {
    cloud_with(AwsSettings {
        roles,
        ..settings()
    })
    .await
}

fn settings() -> AwsSettings {
    AwsSettings {
        region: "us-east-1".into(),
        sts_endpoint: Some(CLOSED_PORT.into()),
        s3_endpoint: Some(CLOSED_PORT.into()),
        s3_path_style: true,
        console_issuer: "https://switchyard.example.com/".into(),
        ..Default::default()
    }
}

async fn cloud_with(settings: AwsSettings) -> AwsCloud {
    AwsCloud::connect(
        settings,
        Arc::new(Directory::demo()),
        BaseCredentials::Static {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "not-a-secret".into(),
        },
    )
    .await
    .expect("connect")
}

fn request(user: &str, role_arn: &str, mfa: bool) -> SwitchRequest {
    SwitchRequest {
        caller_arn: format!("arn:aws:iam::111122223333:user/{user}"),
        role_arn: role_arn.into(),
        session_name: user.into(),
        source_identity: user.into(),
        mfa_authenticated_at: mfa.then(crate::clock::now_utc),
        source_ip: IpAddr::from([127, 0, 0, 1]),
        duration: None,
        token_code: None,
        granted: Vec::new(),
        not_after: None,
        external_id: None,
        session_policy: None,
    }
}

const UPDATE_APP: &str = "arn:aws:iam::123456789012:role/UpdateAPP";

fn decided_by_console(result: Result<HeldCredentials, CloudError>) -> serde_json::Value {
    match result {
        Err(CloudError::Denied { detail }) => {
            assert_eq!(detail["decided_by"], "console", "{detail}");
            detail
        }
        other => panic!("expected the console to refuse, got {other:?}"),
    }
}

#[tokio::test]
async fn the_console_refuses_before_asking_aws() {
    let cloud = cloud(BTreeMap::new()).await;
    // bob's groups allow no sts:AssumeRole.
    let detail = decided_by_console(cloud.assume_role(&request("bob", UPDATE_APP, true)).await);
    assert_eq!(detail["decision"], "ImplicitlyDenied");
    // The directory lists UpdateAPP: its trust policy wants MFA in the console session.
    decided_by_console(
        cloud
            .assume_role(&request("alice", UPDATE_APP, false))
            .await,
    );
    // A role no identity policy names.
    decided_by_console(
        cloud
            .assume_role(&request(
                "alice",
                "arn:aws:iam::123456789012:role/NoSuchRole",
                true,
            ))
            .await,
    );
    // Allowed by the console: the request goes on to STS (here: a closed port).
    assert!(matches!(
        cloud.assume_role(&request("alice", UPDATE_APP, true)).await,
        Err(CloudError::Unavailable(_))
    ));
}

#[tokio::test]
async fn a_role_with_an_mfa_device_needs_a_code() {
    let roles = BTreeMap::from([(
        UPDATE_APP.to_string(),
        AwsRoleSettings {
            external_id: Some("story-external-id".into()),
            mfa_serial: Some("arn:aws:iam::111122223333:mfa/switchyard".into()),
            session_duration: None,
        },
    )]);
    let cloud = cloud(roles).await;
    assert!(cloud.requires_token_code(UPDATE_APP));
    assert!(!cloud.requires_token_code("arn:aws:iam::123456789012:role/Other"));
    assert!(matches!(
        cloud.assume_role(&request("alice", UPDATE_APP, true)).await,
        Err(CloudError::Invalid(_))
    ));
}

fn caller(identity: CallerIdentity) -> ObjectCaller {
    ObjectCaller {
        identity,
        mfa_authenticated_at: None,
        source_ip: IpAddr::from([127, 0, 0, 1]),
    }
}

fn held(expiration: i64) -> HeldCredentials {
    HeldCredentials {
        access_key_id: "ASIAEXAMPLE".into(),
        secret_access_key: "secret".into(),
        session_token: "token".into(),
        expiration,
        assumed_role_arn: "arn:aws:sts::123456789012:assumed-role/UpdateAPP/alice".into(),
    }
}

#[tokio::test]
async fn object_operations_need_a_live_role() {
    let cloud = cloud(BTreeMap::new()).await;
    let user = caller(CallerIdentity::User {
        arn: "arn:aws:iam::111122223333:user/alice".into(),
    });
    match cloud.list_buckets(&user).await {
        Err(CloudError::Denied { detail }) => {
            assert!(
                detail["reason"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("no role held")
            );
        }
        other => panic!("{other:?}"),
    }
    let expired = caller(CallerIdentity::Role(held(
        crate::clock::now_utc().unix_timestamp() - 1,
    )));
    assert!(matches!(
        cloud.head_object(&expired, "productionapp", "k").await,
        Err(CloudError::Expired)
    ));
    let live = caller(CallerIdentity::Role(held(
        crate::clock::now_utc().unix_timestamp() + 600,
    )));
    assert!(matches!(
        cloud.list_buckets(&live).await,
        Err(CloudError::Unavailable(_))
    ));
}

#[tokio::test]
async fn the_switch_form_asks_for_the_code_of_a_role_with_an_aws_mfa_device() {
    use crate::client::ClientAddr;
    use crate::session::SignedInUser;
    use crate::switching::{SwitchError, SwitchForm, switch_role};
    use crate::test_support;

    let (mut state, _dir) = test_support::state(Duration::from_secs(3600)).await;
    let roles = BTreeMap::from([(
        UPDATE_APP.to_string(),
        AwsRoleSettings {
            external_id: None,
            mfa_serial: Some("arn:aws:iam::111122223333:mfa/switchyard".into()),
            session_duration: None,
        },
    )]);
    state.cloud = Arc::new(cloud(roles).await);
    let session = test_support::session();
    let alice = SignedInUser::new("111122223333", "alice");
    let client = ClientAddr(IpAddr::from([127, 0, 0, 1]));
    let form = |code: &str| SwitchForm {
        account: "production".into(),
        role: "UpdateAPP".into(),
        token_code: code.into(),
        ..Default::default()
    };
    let mfa = Some(crate::clock::now_utc());
    for code in ["", "12ab56", "1234567"] {
        match switch_role(&state, &session, client, &alice, mfa, &form(code)).await {
            Err(SwitchError::Field { field, .. }) => assert_eq!(field, "token_code", "{code:?}"),
            other => panic!("{code:?}: {other:?}"),
        }
    }
    // A well-formed code goes on to STS (here: a closed port).
    assert!(matches!(
        switch_role(&state, &session, client, &alice, mfa, &form("123 456")).await,
        Err(SwitchError::Unavailable(_))
    ));
}

/// A one-request federation endpoint on loopback: answers a sign-in token, hands back the
/// request line it got.
async fn fake_federation() -> (String, tokio::task::JoinHandle<String>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let endpoint = format!("http://{}/federation", listener.local_addr().expect("addr"));
    let served = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("accept");
        let mut request = Vec::new();
        let mut buffer = [0u8; 4096];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buffer).await.expect("read");
            if n == 0 {
                break;
            }
            request.extend_from_slice(&buffer[..n]);
        }
        let body = r#"{"SigninToken":"token-from-aws"}"#;
        let reply = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(reply.as_bytes()).await.expect("write");
        let text = String::from_utf8_lossy(&request).into_owned();
        text.lines().next().unwrap_or_default().to_string()
    });
    (endpoint, served)
}

#[tokio::test]
async fn open_in_aws_console_trades_the_credentials_for_a_sign_in_url() {
    let cloud = cloud(BTreeMap::new()).await;
    // A compatible endpoint has no AWS console.
    assert!(!cloud.offers_console_sign_in());
    let live = held(crate::clock::now_utc().unix_timestamp() + 600);
    assert_eq!(cloud.console_sign_in_url(&live).await.expect("none"), None);

    let (endpoint, served) = fake_federation().await;
    let cloud = cloud
        .with_federation(&endpoint, "https://console.aws.amazon.com/")
        .expect("federation");
    assert!(cloud.offers_console_sign_in());
    let url = cloud
        .console_sign_in_url(&live)
        .await
        .expect("sign-in URL")
        .expect("a URL");
    let request_line = served.await.expect("served");
    assert!(request_line.starts_with("GET /federation?Action=getSigninToken&"));
    assert!(request_line.contains("&Session="), "{request_line}");
    assert!(request_line.contains("ASIAEXAMPLE"), "{request_line}");
    let url = reqwest::Url::parse(&url).expect("URL");
    let query: BTreeMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(query["Action"], "login");
    assert_eq!(query["SigninToken"], "token-from-aws");
    assert_eq!(query["Issuer"], "https://switchyard.example.com/");
    assert_eq!(query["Destination"], "https://console.aws.amazon.com/");
    assert!(
        !url.as_str().contains("secret"),
        "no credentials in the URL: {url}"
    );

    let expired = held(crate::clock::now_utc().unix_timestamp() - 1);
    assert!(matches!(
        cloud.console_sign_in_url(&expired).await,
        Err(CloudError::Expired)
    ));
}

/// A one-request HTTP server on loopback: answers `reply` (XML), hands back the whole request.
async fn fake_endpoint(reply: &'static str) -> (String, tokio::task::JoinHandle<String>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    let served = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("accept");
        let mut request = Vec::new();
        let mut buffer = [0u8; 4096];
        let complete = |request: &[u8]| {
            let text = String::from_utf8_lossy(request);
            let Some((head, body)) = text.split_once("\r\n\r\n") else {
                return false;
            };
            let length = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            body.len() >= length
        };
        while !complete(&request) {
            let n = stream.read(&mut buffer).await.expect("read");
            if n == 0 {
                break;
            }
            request.extend_from_slice(&buffer[..n]);
        }
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
            reply.len()
        );
        stream.write_all(answer.as_bytes()).await.expect("write");
        String::from_utf8_lossy(&request).into_owned()
    });
    (endpoint, served)
}

const ASSUME_ROLE_REPLY: &str = r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>ASIAFAKESTS</AccessKeyId>
      <SecretAccessKey>fake-secret</SecretAccessKey>
      <SessionToken>fake-token</SessionToken>
      <Expiration>2099-01-01T00:00:00Z</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/UpdateAPP/alice</Arn>
      <AssumedRoleId>AROAFAKE:alice</AssumedRoleId>
    </AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata>
</AssumeRoleResponse>"#;

/// The DurationSeconds an AssumeRole through the console sends, with the given settings.
async fn duration_sent(settings: AwsSettings) -> Option<u64> {
    let (endpoint, served) = fake_endpoint(ASSUME_ROLE_REPLY).await;
    let cloud = cloud_with(AwsSettings {
        sts_endpoint: Some(endpoint),
        ..settings
    })
    .await;
    cloud
        .assume_role(&request("alice", UPDATE_APP, true))
        .await
        .expect("assumed");
    let sent = served.await.expect("served");
    let body = sent
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or_default();
    body.split('&')
        .find_map(|pair| pair.strip_prefix("DurationSeconds="))
        .and_then(|n| n.parse().ok())
}

#[tokio::test]
async fn aws_credentials_do_not_outlive_the_console_limit_by_more_than_aws_minimum() {
    // UpdateAPP's default in the demo directory is one hour.
    assert_eq!(duration_sent(settings()).await, Some(3600));
    for (limit, expected) in [
        (60, 900),
        (900, 900),
        (901, 1800),
        (1200, 1800),
        (7200, 3600),
    ] {
        let sent = duration_sent(AwsSettings {
            role_session_limit: Some(Duration::from_secs(limit)),
            ..settings()
        })
        .await;
        assert_eq!(sent, Some(expected), "limit {limit} s");
    }
    // A per-role duration is the role's default here, and the limit still binds it.
    let roles = BTreeMap::from([(
        UPDATE_APP.to_string(),
        AwsRoleSettings {
            session_duration: Some(Duration::from_secs(7200)),
            ..Default::default()
        },
    )]);
    let sent = duration_sent(AwsSettings {
        roles,
        role_session_limit: Some(Duration::from_secs(2000)),
        ..settings()
    })
    .await;
    assert_eq!(sent, Some(2700));
}

#[tokio::test]
async fn the_aws_console_session_ends_with_the_role_in_the_console() {
    let (endpoint, served) = fake_federation().await;
    let federated = cloud(BTreeMap::new())
        .await
        .with_federation(&endpoint, "https://console.aws.amazon.com/")
        .expect("federation");
    let now = crate::clock::now_utc().unix_timestamp();
    federated
        .console_sign_in_url(&held(now + 2000))
        .await
        .expect("sign-in URL");
    let request_line = served.await.expect("served");
    let duration: u64 = request_line
        .split(['?', '&', ' '])
        .find_map(|pair| pair.strip_prefix("SessionDuration="))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("SessionDuration sent: {request_line}"));
    assert!((1990..=2000).contains(&duration), "{duration}");

    // AWS's minimum is 15 minutes: a role with less left still gets 900 s there.
    let (endpoint, served) = fake_federation().await;
    let federated = cloud(BTreeMap::new())
        .await
        .with_federation(&endpoint, "https://console.aws.amazon.com/")
        .expect("federation");
    federated
        .console_sign_in_url(&held(now + 120))
        .await
        .expect("sign-in URL");
    let request_line = served.await.expect("served");
    assert!(
        request_line.contains("SessionDuration=900"),
        "{request_line}"
    );
}

// ---- uploads --------------------------------------------------------------------------------

fn upload_of(declared: Option<u64>, chunks: Vec<Vec<u8>>) -> ObjectUpload {
    let stream = futures_util::stream::iter(
        chunks
            .into_iter()
            .map(|c| Ok::<_, std::io::Error>(bytes::Bytes::from(c))),
    );
    ObjectUpload {
        content_type: None,
        metadata: BTreeMap::new(),
        content_length: declared,
        body: Box::pin(stream),
    }
}

#[tokio::test]
async fn uploads_over_the_configured_limit_are_refused_before_aws_sees_them() {
    let cloud = cloud_with(AwsSettings {
        max_upload_size: Some(1024),
        ..settings()
    })
    .await;
    let role = caller(CallerIdentity::Role(held(
        crate::clock::now_utc().unix_timestamp() + 600,
    )));
    // Declared too large: refused at once, whatever the body.
    let declared = cloud
        .put_object(
            &role,
            "productionapp",
            "big",
            upload_of(Some(10 << 30), vec![]),
        )
        .await;
    assert!(
        matches!(declared, Err(CloudError::TooLarge { limit: 1024 })),
        "{declared:?}"
    );
    // Declared small (or not at all), sent large: refused once the bytes pass the limit.
    for declared in [Some(10), None] {
        let sent = cloud
            .put_object(
                &role,
                "productionapp",
                "big",
                upload_of(declared, vec![vec![b'x'; 700], vec![b'x'; 700]]),
            )
            .await;
        assert!(
            matches!(sent, Err(CloudError::TooLarge { limit: 1024 })),
            "{declared:?}: {sent:?}"
        );
    }
    // Within the limit it goes on to S3 (here: a closed port).
    let small = cloud
        .put_object(
            &role,
            "productionapp",
            "small",
            upload_of(Some(3), vec![b"abc".to_vec()]),
        )
        .await;
    assert!(
        matches!(small, Err(CloudError::Unavailable(_))),
        "{small:?}"
    );
}

#[tokio::test]
async fn the_console_decides_put_object_first_for_roles_its_directory_lists() {
    let cloud = cloud(BTreeMap::new()).await;
    let role = caller(CallerIdentity::Role(held(
        crate::clock::now_utc().unix_timestamp() + 600,
    )));
    // UpdateAPP may write productionapp only.
    let elsewhere = cloud
        .put_object(
            &role,
            "otherbucket",
            "k",
            upload_of(Some(3), vec![b"abc".to_vec()]),
        )
        .await;
    match elsewhere {
        Err(CloudError::Denied { detail }) => {
            assert_eq!(detail["decided_by"], "console", "{detail}")
        }
        other => panic!("expected the console to refuse, got {other:?}"),
    }
    // A role the directory does not list is left to AWS (here: a closed port).
    let mut unknown = held(crate::clock::now_utc().unix_timestamp() + 600);
    unknown.assumed_role_arn = "arn:aws:sts::999999999999:assumed-role/Elsewhere/alice".into();
    let unknown = cloud
        .put_object(
            &caller(CallerIdentity::Role(unknown)),
            "otherbucket",
            "k",
            upload_of(Some(3), vec![b"abc".to_vec()]),
        )
        .await;
    assert!(
        matches!(unknown, Err(CloudError::Unavailable(_))),
        "{unknown:?}"
    );
}
