//! The AWS backend against a local moto server (STS, IAM and S3 on 127.0.0.1): the story's
//! behavioural checks, wherever moto enforces them.
//!
//! Each test starts its own `moto_server` on a free loopback port, seeds it with
//! `moto_seed.py` (the story's accounts, broker user, role and buckets) and switches IAM
//! checking on. moto comes from `scripts/setup.sh --for-tests` (pinned, in a virtualenv at
//! `$MOTO_VENV`, default `~/.cache/switchyard/moto-venv`), or from `$MOTO_SERVER` (the path of a
//! `moto_server` whose virtualenv also has boto3). Without it these tests FAIL, unless
//! `SKIP_MOTO_TESTS=1` is set (for a quick local run; CI never sets it).
//!
//! moto does not evaluate MFA conditions (`aws:MultiFactorAuthPresent`), skips trust policies
//! across accounts and accepts expired tokens: those are covered by the local backend's tests
//! and by the console's own checks (see the README, "Running against AWS").

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use console::cloud::aws::{AwsCloud, AwsRoleSettings, AwsSettings, BaseCredentials};
use console::cloud::objects::CallerIdentity;
use console::cloud::{
    BucketSummary, ByteRange, ByteStream, CloudBackend, CloudError, DeleteOutcome, HeldCredentials,
    ListPage, ListRequest, ObjectCaller, ObjectDownload, ObjectInfo, ObjectUpload, SwitchRequest,
};
use futures_util::StreamExt;
use time::OffsetDateTime;

use super::*;
use crate::config::Backend;

const UPDATE_APP: &str = "arn:aws:iam::123456789012:role/UpdateAPP";

struct Keys {
    access_key_id: String,
    secret_access_key: String,
}

impl Keys {
    fn base(&self) -> BaseCredentials {
        BaseCredentials::Static {
            access_key_id: self.access_key_id.clone(),
            secret_access_key: self.secret_access_key.clone(),
        }
    }
}

/// A seeded moto server; killed when dropped.
struct Moto {
    child: Child,
    endpoint: String,
    broker: Keys,
    powerless: Keys,
    _log: tempfile::NamedTempFile,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn moto_server_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("MOTO_SERVER") {
        return Some(PathBuf::from(path));
    }
    let venv = match std::env::var_os("MOTO_VENV") {
        Some(venv) => PathBuf::from(venv),
        None => {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))?;
            cache.join("switchyard").join("moto-venv")
        }
    };
    let binary = venv.join("bin").join("moto_server");
    binary.exists().then_some(binary)
}

/// `None`: moto is missing and `SKIP_MOTO_TESTS=1` says to skip. Missing otherwise: a failure.
fn start_moto() -> Option<Moto> {
    let Some(binary) = moto_server_binary() else {
        if std::env::var("SKIP_MOTO_TESTS").is_ok_and(|v| v == "1") {
            eprintln!("SKIP_MOTO_TESTS=1 and no moto_server: skipping an AWS backend test");
            return None;
        }
        panic!(
            "moto_server not found: run scripts/setup.sh --for-tests (or set MOTO_SERVER; \
             SKIP_MOTO_TESTS=1 skips these tests locally)"
        );
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let log = tempfile::NamedTempFile::new().expect("log file");
    let child = Command::new(&binary)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(log.reopen().expect("log"))
        .stderr(log.reopen().expect("log"))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
    let endpoint = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "moto_server did not start: {}",
            std::fs::read_to_string(log.path()).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let python = binary.with_file_name("python");
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tests/moto_seed.py");
    let output = Command::new(&python)
        .arg(&seed)
        .arg(&endpoint)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    let mut moto = Moto {
        child,
        endpoint,
        broker: Keys {
            access_key_id: String::new(),
            secret_access_key: String::new(),
        },
        powerless: Keys {
            access_key_id: String::new(),
            secret_access_key: String::new(),
        },
        _log: log,
    };
    assert!(
        output.status.success(),
        "seeding moto failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seeded: serde_json::Value = serde_json::from_slice(&output.stdout).expect("seed output");
    let keys = |who: &str| Keys {
        access_key_id: seeded[who]["access_key_id"]
            .as_str()
            .expect("key id")
            .into(),
        secret_access_key: seeded[who]["secret_access_key"]
            .as_str()
            .expect("secret")
            .into(),
    };
    moto.broker = keys("broker");
    moto.powerless = keys("powerless");
    Some(moto)
}

fn aws_settings(moto: &Moto) -> AwsSettings {
    AwsSettings {
        region: "us-east-1".into(),
        sts_endpoint: Some(moto.endpoint.clone()),
        s3_endpoint: Some(moto.endpoint.clone()),
        s3_path_style: true,
        roles: BTreeMap::new(),
        console_issuer: "http://localhost:3000/".into(),
        ..Default::default()
    }
}

async fn cloud(moto: &Moto, base: BaseCredentials) -> AwsCloud {
    cloud_with(aws_settings(moto), base).await
}

async fn cloud_with(settings: AwsSettings, base: BaseCredentials) -> AwsCloud {
    AwsCloud::connect(settings, Arc::new(iam::Directory::demo()), base)
        .await
        .expect("connect")
}

fn switch_request(user: &str, role_arn: &str) -> SwitchRequest {
    SwitchRequest {
        caller_arn: format!("arn:aws:iam::111122223333:user/{user}"),
        role_arn: role_arn.into(),
        session_name: user.into(),
        source_identity: user.into(),
        mfa_authenticated_at: Some(OffsetDateTime::now_utc()),
        source_ip: std::net::IpAddr::from([127, 0, 0, 1]),
        duration: None,
        token_code: None,
        granted: Vec::new(),
        not_after: None,
        external_id: None,
        session_policy: None,
    }
}

fn as_role(held: &HeldCredentials) -> ObjectCaller {
    ObjectCaller {
        identity: CallerIdentity::Role(held.clone()),
        mfa_authenticated_at: None,
        source_ip: std::net::IpAddr::from([127, 0, 0, 1]),
    }
}

fn body_of(chunks: Vec<Bytes>) -> ByteStream {
    Box::pin(futures_util::stream::iter(chunks.into_iter().map(Ok)))
}

fn upload(chunks: Vec<Bytes>) -> ObjectUpload {
    ObjectUpload {
        content_type: Some("text/plain".into()),
        metadata: BTreeMap::from([("owner".to_string(), "alice".to_string())]),
        content_length: Some(chunks.iter().map(|c| c.len() as u64).sum()),
        body: body_of(chunks),
    }
}

async fn read_all(download: ObjectDownload) -> Vec<u8> {
    let mut body = download.body;
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        out.extend_from_slice(&chunk.expect("chunk"));
    }
    out
}

fn is_denied<T: std::fmt::Debug>(result: &Result<T, CloudError>) -> bool {
    matches!(result, Err(CloudError::Denied { .. }))
}

// Multi-threaded, as the server runs: once, on the current-thread runtime, this suite stalled
// with no request in flight.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_developer_switches_and_works_on_productionapp_only() {
    let Some(moto) = start_moto() else { return };
    // DurationSeconds from the per-role settings (15 minutes, AWS's minimum).
    let mut settings = aws_settings(&moto);
    settings.roles.insert(
        UPDATE_APP.into(),
        AwsRoleSettings {
            session_duration: Some(Duration::from_secs(900)),
            ..Default::default()
        },
    );
    let cloud = cloud_with(settings, moto.broker.base()).await;

    let held = cloud
        .assume_role(&switch_request("alice", UPDATE_APP))
        .await
        .expect("alice may switch");
    assert!(held.access_key_id.starts_with("ASIA"), "{held:?}");
    assert_eq!(
        held.assumed_role_arn,
        "arn:aws:sts::123456789012:assumed-role/UpdateAPP/alice"
    );
    let now = OffsetDateTime::now_utc().unix_timestamp();
    assert!(
        held.expiration > now + 800 && held.expiration <= now + 900 + 60,
        "the real expiry: {} (now {now})",
        held.expiration
    );
    let alice = as_role(&held);

    // Put, list, head, get (whole and a range).
    let put = cloud
        .put_object(
            &alice,
            "productionapp",
            "reports/hello.txt",
            upload(vec![
                Bytes::from_static(b"hello "),
                Bytes::from_static(b"moto"),
            ]),
        )
        .await
        .expect("put");
    assert_eq!(put.size, 10);
    let page = cloud
        .list_objects(
            &alice,
            "productionapp",
            &ListRequest {
                delimiter: Some("/".into()),
                ..Default::default()
            },
        )
        .await
        .expect("list");
    assert_eq!(page.common_prefixes, vec!["reports/".to_string()]);
    let page = cloud
        .list_objects(
            &alice,
            "productionapp",
            &ListRequest {
                prefix: Some("reports/".into()),
                ..Default::default()
            },
        )
        .await
        .expect("list");
    let keys: Vec<&str> = page.objects.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(keys, vec!["reports/hello.txt"]);
    assert_eq!(page.objects[0].size, 10);
    let head = cloud
        .head_object(&alice, "productionapp", "reports/hello.txt")
        .await
        .expect("head");
    assert_eq!(head.size, 10);
    assert_eq!(head.content_type.as_deref(), Some("text/plain"));
    assert_eq!(
        head.metadata.get("owner").map(String::as_str),
        Some("alice")
    );
    let whole = cloud
        .get_object(&alice, "productionapp", "reports/hello.txt", None)
        .await
        .expect("get");
    assert!(!whole.partial);
    assert_eq!(read_all(whole).await, b"hello moto");
    let part = cloud
        .get_object(
            &alice,
            "productionapp",
            "reports/hello.txt",
            Some(ByteRange::FromTo { first: 6, last: 9 }),
        )
        .await
        .expect("ranged get");
    assert!(part.partial);
    assert_eq!((part.start, part.len, part.info.size), (6, 4, 10));
    assert_eq!(read_all(part).await, b"moto");
    assert!(matches!(
        cloud
            .get_object(&alice, "productionapp", "reports/missing.txt", None)
            .await,
        Err(CloudError::NotFound(_))
    ));

    // A body larger than one part goes up as a multipart upload, streamed in 1 MiB chunks.
    let big: Vec<Bytes> = (0..9u8)
        .map(|i| Bytes::from(vec![i; 1024 * 1024]))
        .collect();
    let big_len = 9 * 1024 * 1024;
    let put = cloud
        .put_object(&alice, "productionapp", "big.bin", upload(big.clone()))
        .await
        .expect("multipart put");
    assert_eq!(put.size, big_len);
    let got = cloud
        .get_object(&alice, "productionapp", "big.bin", None)
        .await
        .expect("get big");
    assert_eq!(got.info.size, big_len);
    assert_eq!(read_all(got).await, big.concat());

    let buckets = cloud.list_buckets(&alice).await.expect("list buckets");
    assert!(
        buckets.iter().any(|b| b.name == "productionapp"),
        "{buckets:?}"
    );

    let deleted = cloud
        .delete_objects(
            &alice,
            "productionapp",
            &["reports/hello.txt".to_string(), "big.bin".to_string()],
        )
        .await
        .expect("delete");
    assert_eq!(deleted.failed, vec![]);
    assert_eq!(deleted.deleted.len(), 2);
    let page = cloud
        .list_objects(&alice, "productionapp", &ListRequest::default())
        .await
        .expect("list");
    assert!(page.objects.is_empty(), "{page:?}");

    // Nothing else of the production account.
    let logs = "production-logs";
    assert!(is_denied(
        &cloud
            .list_objects(&alice, logs, &ListRequest::default())
            .await
    ));
    assert!(is_denied(
        &cloud
            .get_object(&alice, logs, "audit/2026-01-01.log", None)
            .await
            .map(|d| d.info)
    ));
    assert!(is_denied(
        &cloud
            .head_object(&alice, logs, "audit/2026-01-01.log")
            .await
    ));
    assert!(is_denied(
        &cloud
            .put_object(
                &alice,
                logs,
                "x.txt",
                upload(vec![Bytes::from_static(b"x")])
            )
            .await
    ));
    let refused = cloud
        .delete_objects(&alice, logs, &["audit/2026-01-01.log".to_string()])
        .await;
    match refused {
        Err(CloudError::Denied { .. }) => {}
        Ok(outcome) => assert!(outcome.deleted.is_empty(), "{outcome:?}"),
        Err(other) => panic!("{other:?}"),
    }
}

// Multi-threaded, as the server runs: once, on the current-thread runtime, this suite stalled
// with no request in flight.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_come_back_as_denied() {
    let Some(moto) = start_moto() else { return };
    let cloud = cloud(&moto, moto.broker.base()).await;
    // The console refuses first: bob's groups allow no switch; no policy names this role.
    for (user, role) in [
        ("bob", UPDATE_APP),
        ("alice", "arn:aws:iam::123456789012:role/NoSuchRole"),
    ] {
        match cloud.assume_role(&switch_request(user, role)).await {
            Err(CloudError::Denied { detail }) => assert_eq!(detail["decided_by"], "console"),
            other => panic!("{user} {role}: {other:?}"),
        }
    }
    // The console lets admin (Action "*") request a role it does not know; AWS refuses it,
    // since the console's own principal may assume UpdateAPP only.
    match cloud
        .assume_role(&switch_request(
            "admin",
            "arn:aws:iam::123456789012:role/NoSuchRole",
        ))
        .await
    {
        Err(CloudError::Denied { detail }) => assert_eq!(detail["decided_by"], "aws", "{detail}"),
        other => panic!("{other:?}"),
    }
    // AWS refuses: the console's principal may not assume the role (a 403 from moto, whose
    // error body the SDK may not parse: either way it must be a denial).
    let powerless = self::cloud(&moto, moto.powerless.base()).await;
    match powerless
        .assume_role(&switch_request("alice", UPDATE_APP))
        .await
    {
        Err(CloudError::Denied { detail }) => {
            assert_eq!(detail["decided_by"], "aws", "{detail}");
            assert_eq!(detail["role_arn"], UPDATE_APP);
        }
        other => panic!("{other:?}"),
    }
    // Wrong base keys are the console's fault, not the user's.
    let unknown = self::cloud(
        &moto,
        BaseCredentials::Static {
            access_key_id: "AKIAUNKNOWNUNKNOWN00".into(),
            secret_access_key: "wrong".into(),
        },
    )
    .await;
    let result = unknown
        .assume_role(&switch_request("alice", UPDATE_APP))
        .await;
    assert!(
        matches!(
            result,
            Err(CloudError::Unavailable(_) | CloudError::Denied { .. })
        ),
        "{result:?}"
    );
}

/// The AWS backend, recording every credential it hands out (to look for them in replies).
struct Recording {
    inner: Arc<dyn CloudBackend>,
    issued: Arc<Mutex<Vec<HeldCredentials>>>,
}

#[async_trait]
impl CloudBackend for Recording {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    async fn assume_role(&self, request: &SwitchRequest) -> Result<HeldCredentials, CloudError> {
        let held = self.inner.assume_role(request).await?;
        if let Ok(mut issued) = self.issued.lock() {
            issued.push(held.clone());
        }
        Ok(held)
    }
    async fn release(&self, credentials: &HeldCredentials) -> Result<(), CloudError> {
        self.inner.release(credentials).await
    }
    async fn list_buckets(&self, caller: &ObjectCaller) -> Result<Vec<BucketSummary>, CloudError> {
        self.inner.list_buckets(caller).await
    }
    async fn list_objects(
        &self,
        caller: &ObjectCaller,
        bucket: &str,
        request: &ListRequest,
    ) -> Result<ListPage, CloudError> {
        self.inner.list_objects(caller, bucket, request).await
    }
    async fn head_object(
        &self,
        caller: &ObjectCaller,
        bucket: &str,
        key: &str,
    ) -> Result<ObjectInfo, CloudError> {
        self.inner.head_object(caller, bucket, key).await
    }
    async fn get_object(
        &self,
        caller: &ObjectCaller,
        bucket: &str,
        key: &str,
        range: Option<ByteRange>,
    ) -> Result<ObjectDownload, CloudError> {
        self.inner.get_object(caller, bucket, key, range).await
    }
    async fn put_object(
        &self,
        caller: &ObjectCaller,
        bucket: &str,
        key: &str,
        upload: ObjectUpload,
    ) -> Result<ObjectInfo, CloudError> {
        self.inner.put_object(caller, bucket, key, upload).await
    }
    async fn delete_objects(
        &self,
        caller: &ObjectCaller,
        bucket: &str,
        keys: &[String],
    ) -> Result<DeleteOutcome, CloudError> {
        self.inner.delete_objects(caller, bucket, keys).await
    }
}

// Multi-threaded, as the server runs: once, on the current-thread runtime, this suite stalled
// with no request in flight.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_the_console_alice_switches_on_aws_and_no_reply_carries_the_credentials() {
    // A stall fails here with a message instead of holding the whole test run.
    tokio::time::timeout(Duration::from_secs(180), through_the_console())
        .await
        .expect("the console test against moto finished within 3 minutes");
}

async fn through_the_console() {
    let Some(moto) = start_moto() else { return };
    let data_dir = tempfile::tempdir().expect("temp dir");
    let settings = Settings::resolve(ServeArgs {
        data_dir: Some(data_dir.path().to_path_buf()),
        backend: Some(Backend::Aws),
        aws_sts_endpoint: Some(moto.endpoint.clone()),
        aws_s3_endpoint: Some(moto.endpoint.clone()),
        aws_s3_path_style: Some(true),
        ..Default::default()
    })
    .expect("settings");
    let issued = Arc::new(Mutex::new(Vec::new()));
    let recorder = Arc::clone(&issued);
    let (router, _cleanup) = crate::serve::prepare_with(&settings, moto.broker.base(), |inner| {
        Arc::new(Recording {
            inner,
            issued: recorder,
        })
    })
    .await
    .expect("console starts");
    let console = Console {
        router,
        data_dir,
        settings,
        tab: Default::default(),
    };
    console.enrol_alice_totp().await;
    let pending = console.password_step("alice", "alice-demo-pass").await;
    let done = console.mfa_step(&pending, &totp_code(0)).await;
    let cookie = cookie_pair(&done.set_cookie.expect("signed in"));

    let mut replies = Vec::new();
    let switched = console
        .send(
            "POST",
            "/api/switch_role",
            Some(&cookie),
            Some("account=production&role=UpdateAPP&display_name=&color=green&redirect_uri="),
        )
        .await;
    assert_eq!(switched.status, StatusCode::OK, "{}", switched.body);
    assert!(switched.body.contains("Switched"), "{}", switched.body);
    console.use_tab(Some(switched_tab(&switched.body)));
    let cookie = switched
        .set_cookie
        .as_deref()
        .map(cookie_pair)
        .unwrap_or(cookie);
    replies.push(switched.body);
    let home = console.send("GET", "/", Some(&cookie), None).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("UpdateAPP"), "the banner names the role");
    // A compatible endpoint (moto) has no AWS console to open.
    assert!(!home.body.contains("Open in AWS console"));
    replies.push(home.body);
    let console_link = console
        .send("POST", "/role/aws-console", Some(&cookie), None)
        .await;
    assert_eq!(console_link.location.as_deref(), Some("/"));
    replies.push(
        console
            .send("GET", "/switchrole", Some(&cookie), None)
            .await
            .body,
    );
    let renewed = console
        .send("POST", "/role/renew", Some(&cookie), None)
        .await;
    let tab = console.tab().expect("in a role session");
    assert_eq!(
        renewed.location.as_deref(),
        Some(format!("/as/{tab}").as_str()),
        "renew asks STS again, in the same role session"
    );
    let cookie = renewed
        .set_cookie
        .as_deref()
        .map(cookie_pair)
        .unwrap_or(cookie);
    replies.push(console.send("GET", "/", Some(&cookie), None).await.body);

    let issued = issued.lock().expect("lock").clone();
    assert_eq!(issued.len(), 2, "a switch and a renewal");
    // The banner counts down to the expiry STS gave.
    assert!(
        replies[1].contains(&issued[0].expiration.to_string()),
        "the home page carries the real expiry"
    );
    for held in &issued {
        for reply in &replies {
            assert!(
                !reply.contains(&held.secret_access_key),
                "secret in a reply"
            );
            assert!(!reply.contains(&held.session_token), "token in a reply");
        }
    }
    let audit = console.audit().await;
    let switch = audit
        .iter()
        .find(|r| r.event.action == "SwitchRole")
        .expect("audited");
    assert_eq!(switch.event.detail["backend"], "aws");
    let text = serde_json::to_string(&audit.iter().map(|r| &r.event.detail).collect::<Vec<_>>())
        .expect("json");
    for held in &issued {
        assert!(
            !text.contains(&held.secret_access_key),
            "secret in the audit trail"
        );
    }

    // bob is refused with the generic outcome.
    let bob = console.sign_in("bob", "bob-demo-pass").await;
    let bob_cookie = cookie_pair(&bob.set_cookie.expect("bob signed in"));
    let refused = console
        .send(
            "POST",
            "/api/switch_role",
            Some(&bob_cookie),
            Some("account=production&role=UpdateAPP&display_name=&color=&redirect_uri="),
        )
        .await;
    assert!(refused.body.contains("NotAllowed"), "{}", refused.body);
}
