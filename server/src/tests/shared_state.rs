//! Several instances on one PostgreSQL: two consoles (each its own router, data directory and
//! pools) share every piece of state through the database, and one instance rides out the
//! database going away. Runs when `SWITCHYARD_TEST_DATABASE_URL` names a PostgreSQL server
//! (`scripts/test.sh` starts one).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use super::*;
use console::test_support::fresh_postgres_database;

/// One MFA data key for every instance of a database.
const SHARED_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

/// An instance on `database_url` with its own data directory, and objects in `objects` (a
/// shared directory).
async fn instance(database_url: &str, objects: &std::path::Path, key: &str) -> Console {
    let (url, objects, key) = (
        database_url.to_string(),
        objects.to_path_buf(),
        key.to_string(),
    );
    console(move |args| {
        args.database_url = Some(url.as_str().into());
        args.objects_dir = Some(objects);
        args.mfa_encryption_key = Some(key.as_str().into());
    })
    .await
}

/// A fresh PostgreSQL database, or `None` (the test is skipped, and says so).
async fn database(test: &str) -> Option<String> {
    let url = fresh_postgres_database().await;
    if url.is_none() {
        eprintln!("{test}: skipped, SWITCHYARD_TEST_DATABASE_URL is not set");
    }
    url
}

#[tokio::test]
async fn two_instances_share_sessions_mfa_lock_outs_roles_objects_and_the_audit_trail() {
    let Some(url) = database("two_instances").await else {
        return;
    };
    let objects = tempfile::tempdir().expect("the shared objects directory");
    let a = instance(&url, objects.path(), SHARED_KEY).await;
    let b = instance(&url, objects.path(), SHARED_KEY).await;

    // A session made on A is the same session on B.
    let bob = a.signed_in("bob").await;
    let home = b.send("GET", "/", Some(&bob), None).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.body.contains("bob @ development"),
        "B knows A's session"
    );
    // Signing out on B ends it on A.
    b.send("POST", "/auth/sign-out", Some(&bob), None).await;
    let gone = a.send("GET", "/", Some(&bob), None).await;
    assert_eq!(gone.location.as_deref(), Some("/signin"));

    // An authenticator enrolled through A signs in on B; B's code is a replay on A.
    a.enrol_alice_totp().await;
    let code = totp_code(0);
    let pending = b.password_step("alice", "alice-demo-pass").await;
    let on_b = b.mfa_step(&pending, &code).await;
    assert_eq!(on_b.location.as_deref(), Some("/"), "the code works on B");
    let alice = cookie_pair(&on_b.set_cookie.expect("signed in on B"));
    let again = a.password_step("alice", "alice-demo-pass").await;
    let replay = a.mfa_step(&again, &code).await;
    assert_eq!(
        replay.location.as_deref(),
        Some("/mfa?error=invalid"),
        "a code accepted on B is refused on A"
    );

    // She switches on A and works in productionapp on B with the role A got for her (the
    // credentials A's STS issued are known to B); what she uploads through B, A serves.
    let switched = a
        .send(
            "POST",
            "/api/switch_role",
            Some(&alice),
            Some("account=production&role=UpdateAPP&display_name=Prod"),
        )
        .await;
    assert_eq!(switched.status, StatusCode::OK, "{}", switched.body);
    let alice = cookie_pair(&switched.set_cookie.expect("cycled"));
    // Her tab's URL names the role session A opened; B serves it the same.
    b.use_tab(Some(switched_tab(&switched.body)));
    a.use_tab(b.tab());
    let uploaded = b
        .upload(&alice, "productionapp", "report.txt", b"from B")
        .await;
    assert!(uploaded.status.is_success(), "{:?}", uploaded.status);
    let downloaded = a
        .download(&alice, "productionapp", "report.txt", None)
        .await;
    assert_eq!(downloaded.status, StatusCode::OK);
    assert_eq!(downloaded.body, b"from B");

    // Five wrong passwords spread over both instances lock her on both.
    for attempt in 0..5 {
        let instance = if attempt % 2 == 0 { &a } else { &b };
        instance.sign_in("alice", "guess").await;
    }
    for instance in [&a, &b] {
        let paused = instance.sign_in("alice", "alice-demo-pass").await;
        assert!(
            paused
                .location
                .unwrap_or_default()
                .starts_with("/signin?error=throttled"),
            "locked on every instance"
        );
    }

    // Either instance's audit trail has every event of both, in one order.
    let admin = a.signed_in("admin").await;
    let from_a = a
        .send("GET", "/audit/export.csv", Some(&admin), None)
        .await
        .body;
    let from_b = b
        .send("GET", "/audit/export.csv", Some(&admin), None)
        .await
        .body;
    // B's export is one event newer: A's export itself is audited.
    let rows_a: Vec<&str> = from_a.lines().skip(1).collect();
    let rows_b: Vec<&str> = from_b.lines().skip(1).collect();
    assert!(
        rows_b.ends_with(&rows_a) || rows_b[1..] == rows_a[..],
        "{from_a}\n{from_b}"
    );
    for (action, expected) in [
        ("SignIn", "on both"),
        ("MfaSignIn", "on both"),
        ("SwitchRole", "on A"),
        ("s3:PutObject", "on B"),
        ("s3:GetObject", "on A"),
    ] {
        assert!(
            rows_b
                .iter()
                .any(|row| row.contains(&format!(",{action},"))),
            "{action} ({expected}) is in the shared trail:\n{from_b}"
        );
    }
}

#[tokio::test]
async fn an_instance_with_another_mfa_key_refuses_to_start() {
    let Some(url) = database("another_mfa_key").await else {
        return;
    };
    let objects = tempfile::tempdir().expect("objects");
    let _first = instance(&url, objects.path(), SHARED_KEY).await;
    let data_dir = tempfile::tempdir().expect("data dir");
    let settings = Settings::resolve(ServeArgs {
        data_dir: Some(data_dir.path().to_path_buf()),
        database_url: Some(url.as_str().into()),
        mfa_encryption_key: Some("ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=".into()),
        ..Default::default()
    })
    .expect("settings");
    let refused = crate::serve::prepare(&settings).await.expect_err("refused");
    assert!(
        refused.to_string().contains("mfa_encryption_key"),
        "a clear error: {refused}"
    );
}

#[tokio::test]
async fn instances_starting_at_once_migrate_once() {
    let Some(url) = database("starting_at_once").await else {
        return;
    };
    let objects = tempfile::tempdir().expect("objects");
    let (a, b) = tokio::join!(
        instance(&url, objects.path(), SHARED_KEY),
        instance(&url, objects.path(), SHARED_KEY)
    );
    let bob = a.signed_in("bob").await;
    assert_eq!(
        b.send("GET", "/", Some(&bob), None).await.status,
        StatusCode::OK
    );
}

/// A TCP relay in front of PostgreSQL that the test can cut, as an outage would: every open
/// connection is dropped and new ones are refused until it is restored.
struct Outage {
    address: SocketAddr,
    up: Arc<std::sync::atomic::AtomicBool>,
    relays: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Outage {
    async fn in_front_of(target: SocketAddr) -> Outage {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("relay");
        let address = listener.local_addr().expect("address");
        let up = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let relays: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>> = Arc::default();
        let (accept_up, accept_relays) = (Arc::clone(&up), Arc::clone(&relays));
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !accept_up.load(std::sync::atomic::Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let relay = tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                accept_relays.lock().expect("relays").push(relay);
            }
        });
        Outage {
            address,
            up,
            relays,
        }
    }

    fn cut(&self) {
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        for relay in self.relays.lock().expect("relays").drain(..) {
            relay.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

#[tokio::test]
async fn while_postgresql_is_down_the_console_says_so_and_recovers_by_itself() {
    let Some(url) = database("postgresql_down").await else {
        return;
    };
    let objects = tempfile::tempdir().expect("objects");
    let parsed = url::Url::parse(&url).expect("url");
    let target: SocketAddr = format!(
        "{}:{}",
        parsed.host_str().expect("host"),
        parsed.port().unwrap_or(5432)
    )
    .parse()
    .expect("a loopback address");
    let outage = Outage::in_front_of(target).await;
    let mut relayed = parsed.clone();
    relayed.set_port(Some(outage.address.port())).expect("port");
    let console = instance(relayed.as_str(), objects.path(), SHARED_KEY).await;
    let bob = console.signed_in("bob").await;
    let events_before = console.audit().await.len();

    outage.cut();
    let health = console.send("GET", "/healthz", None, None).await;
    assert_eq!(health.status, StatusCode::SERVICE_UNAVAILABLE);
    let sign_in = console.sign_in("alice", "alice-demo-pass").await;
    assert!(
        sign_in.set_cookie.is_none(),
        "no session is made while the database is down"
    );
    let told = match sign_in.location.as_deref() {
        Some(location) => location.contains("error=unavailable"),
        None => sign_in.body.contains("temporarily unavailable"),
    };
    assert!(told, "{:?} {}", sign_in.location, sign_in.body);
    let page = console.send("GET", "/", Some(&bob), None).await;
    assert!(
        page.status == StatusCode::SERVICE_UNAVAILABLE
            || page.body.contains("temporarily unavailable"),
        "{} {}",
        page.status,
        page.body
    );

    outage.restore();
    let mut healthy = false;
    for _ in 0..50 {
        if console.send("GET", "/healthz", None, None).await.status == StatusCode::OK {
            healthy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(healthy, "the console recovers by itself");
    let home = console.send("GET", "/", Some(&bob), None).await;
    assert!(
        home.body.contains("bob @ development"),
        "the same session works"
    );
    // Nothing from the outage was half-written: only what was refused, if anything, and no
    // sign-in of alice.
    let events = console.audit().await;
    assert!(
        !events[..events.len() - events_before]
            .iter()
            .any(|e| e.event.action == "SignIn"
                && e.event.decision == Decision::Allowed
                && e.event
                    .actor
                    .as_deref()
                    .is_some_and(|a| a.ends_with("user/alice"))),
        "alice's refused sign-in left no success behind"
    );
}
