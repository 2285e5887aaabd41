//! Start-up of `switchyard serve`: configuration, directory, database, then the HTTP server
//! until SIGTERM or Ctrl-C.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use axum::serve::{ListenerExt, TapIo};
use console::cloud::CloudBackend;
use console::cloud::aws::{AwsCloud, BaseCredentials};
use console::cloud::local::LocalCloud;
use console::cloud::local::credential_store::FileCredentialStore;
use console::cloud::local::sql_credential_store::SqlCredentialStore;
use console::state::{AppState, ConsoleParts, ConsolePolicy, FailureLimits};
use console::storage::{DatabaseSettings, Db, Storage};
use iam::Directory;
use tokio::task::JoinHandle;
use tracing_subscriber::EnvFilter;

use crate::config::{Backend, Secret, ServeArgs, Settings};
use crate::connection::{TimeoutListener, TimeoutStream};
use crate::router;
use crate::start_error::StartError;

/// How often each instance looks for access grants that ran out.
const GRANT_SWEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

pub fn run(args: ServeArgs) -> ExitCode {
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(StartError::Runtime(e)),
    };
    match runtime.block_on(serve(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

fn fail(error: StartError) -> ExitCode {
    tracing::error!("{error}");
    eprintln!("switchyard: {error}");
    ExitCode::FAILURE
}

fn init_tracing() {
    let filter = EnvFilter::try_from_env("SWITCHYARD_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_sessions=warn"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
}

async fn serve(args: ServeArgs) -> Result<(), StartError> {
    let settings = Settings::resolve(args)?;
    tracing::info!("{settings}");
    let (router, session_cleanup) = prepare(&settings).await?;
    let listener = tokio::net::TcpListener::bind(settings.site_addr)
        .await
        .map_err(|source| StartError::Listen {
            addr: settings.site_addr,
            source,
        })?;
    tracing::info!("Switchyard listening on http://{}", settings.site_addr);
    let result = axum::serve(
        listener_with_timeouts(listener, &settings),
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(StartError::Serve);
    session_cleanup.abort();
    tracing::info!("Switchyard stopped");
    result
}

/// The listener the server accepts on: stalled connections are cut off (`read_timeout`,
/// `write_timeout`). `tap_io` makes the peer address available as `ConnectInfo`.
pub fn listener_with_timeouts(
    listener: tokio::net::TcpListener,
    settings: &Settings,
) -> TapIo<TimeoutListener, fn(&mut TimeoutStream)> {
    fn untouched(_: &mut TimeoutStream) {}
    TimeoutListener::new(listener, settings.read_timeout, settings.write_timeout)
        .tap_io(untouched as fn(&mut TimeoutStream))
}

/// Everything before listening: the directory, the data directory and database, the state,
/// and the router. The integration tests start the console through here too.
pub async fn prepare(settings: &Settings) -> Result<(axum::Router, JoinHandle<()>), StartError> {
    prepare_with(settings, BaseCredentials::StandardChain, |cloud| cloud).await
}

/// `prepare`, with the AWS backend's base credentials given (the tests give moto's) and a
/// wrapper around the cloud backend (the tests record what it hands out).
pub async fn prepare_with(
    settings: &Settings,
    aws_credentials: BaseCredentials,
    wrap_cloud: impl FnOnce(Arc<dyn CloudBackend>) -> Arc<dyn CloudBackend>,
) -> Result<(axum::Router, JoinHandle<()>), StartError> {
    let directory = match &settings.directory {
        Some(path) => Directory::load(path)?,
        None => Directory::demo(),
    };
    if directory.is_demo() {
        tracing::warn!("serving the embedded demo organisation: its passwords are public");
    }

    std::fs::create_dir_all(&settings.data_dir).map_err(|source| StartError::DataDir {
        path: settings.data_dir.display().to_string(),
        source,
    })?;
    let storage = Storage::open(&database_settings(settings)).await?;
    tracing::info!("state kept in {}", storage.describe());

    let directory = Arc::new(directory);
    let cloud: Arc<dyn CloudBackend> = match settings.backend {
        Backend::Local => Arc::new(
            LocalCloud::with_credentials(
                Arc::clone(&directory),
                issued_credentials(&storage, &settings.data_dir)?,
                &settings.objects_dir,
                settings.max_upload_size,
                // Instances sharing a database may share the objects directory too.
                settings.database_url.is_some(),
            )
            .map_err(|e| StartError::Cloud(e.to_string()))?,
        ),
        Backend::Aws => Arc::new(
            AwsCloud::connect(
                settings.aws.clone(),
                Arc::clone(&directory),
                aws_credentials,
            )
            .await
            .map_err(|e| StartError::Cloud(e.to_string()))?,
        ),
    };
    let cipher = console::mfa::cipher::MfaCipher::load(
        settings.mfa_encryption_key.as_ref().map(Secret::expose),
        &settings.data_dir,
    )
    .map_err(|e| StartError::Mfa(e.to_string()))?;
    storage.check_mfa_key(&cipher).await?;
    let state = AppState::build(
        storage,
        ConsoleParts {
            cloud: wrap_cloud(cloud),
            directory,
            mfa_cipher: cipher,
            limits: FailureLimits {
                sign_in_max_failures_per_user: settings.sign_in_max_failures_per_user,
                sign_in_max_failures_per_client: settings.sign_in_max_failures_per_client,
                sign_in_failure_window: settings.sign_in_failure_window,
                mfa_max_failures: settings.mfa_max_failures,
                mfa_lockout: settings.mfa_lockout,
            },
            policy: ConsolePolicy {
                session_absolute_lifetime: settings.session_absolute_lifetime,
                admin_groups: settings.admin_groups.clone(),
                role_session_limit: settings.role_session_limit,
                public_url: settings.public_url.to_string(),
                free_space_dir: match settings.backend {
                    Backend::Local => settings.objects_dir.clone(),
                    Backend::Aws => settings.data_dir.clone(),
                },
                upload_free_space_reserve: settings.upload_free_space_reserve,
                max_role_sessions: settings.max_role_sessions,
                min_grant_duration: settings.min_grant_duration,
            },
            notifier: console::notify::Notifier::new(settings.notify.clone())
                .map_err(|e| StartError::Notify(e.to_string()))?,
        },
    )?;
    // Grants that run out are marked, audited and notified (every instance sweeps; each
    // grant is marked once).
    console::access_requests::spawn_expiry_sweeper(state.clone(), GRANT_SWEEP_INTERVAL);
    router::build(settings, state).await
}

/// The database part of the settings.
pub fn database_settings(settings: &Settings) -> DatabaseSettings {
    DatabaseSettings {
        url: settings
            .database_url
            .as_ref()
            .map(|url| url.expose().to_string()),
        data_dir: settings.data_dir.clone(),
        max_connections: settings.database_max_connections,
        statement_timeout: settings.database_statement_timeout,
    }
}

/// Where the local STS keeps the records of the credentials it issues: in the shared database
/// when there is one (a role assumed on one instance works on all, a revocation is seen by
/// all), else in `DATA_DIR/sts`.
fn issued_credentials(
    storage: &Storage,
    data_dir: &std::path::Path,
) -> Result<Arc<dyn iam::CredentialStore>, StartError> {
    let cloud = |e: iam::sts::StoreError| StartError::Cloud(e.0);
    Ok(match storage.db() {
        Db::Postgres(_) => Arc::new(SqlCredentialStore::new(storage.db().clone()).map_err(cloud)?),
        Db::Sqlite(_) => Arc::new(FileCredentialStore::open(&data_dir.join("sts")).map_err(cloud)?),
    })
}

/// Resolves on SIGTERM or Ctrl-C; in-flight requests then finish before the server exits.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
