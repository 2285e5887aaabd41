//! The AWS side of the cloud boundary: role switching with STS AssumeRole and object
//! operations with S3, against AWS or any endpoint that speaks their APIs (moto in the tests).
//!
//! The console stays the identity broker. Its own directory (users, groups, identity policies)
//! decides who may *request* which role ARN, before anything is sent to AWS; when the directory
//! also lists the role, its trust policy is evaluated too, with the console's MFA context (so a
//! security key sign-in can satisfy `aws:MultiFactorAuthPresent` there). STS then decides with
//! the role's real trust policy, called with the console's own base credentials (the standard
//! AWS credential chain). Object operations use the held temporary credentials only.

mod errors;
mod federation;
mod s3;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_sts::config::{Credentials, Region};
use iam::access::{self, CallerContext, Identity};
use iam::context::keys;
use iam::{Directory, PolicySet, Request};
use serde_json::json;

use crate::cloud::objects::CallerIdentity;
use crate::cloud::{
    BucketSummary, ByteRange, CloudBackend, CloudError, DeleteOutcome, HeldCredentials, ListPage,
    ListRequest, ObjectCaller, ObjectDownload, ObjectInfo, ObjectUpload, SwitchRequest,
};

/// Attempts per AWS call (the first and the retries), for throttling and transient failures.
const MAX_ATTEMPTS: u32 = 3;
/// STS answers in milliseconds; a hung endpoint must not hang the Switch Role form.
const STS_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Settings of the AWS backend (from the console configuration).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AwsSettings {
    pub region: String,
    /// `None`: AWS's own endpoint for the region.
    pub sts_endpoint: Option<String>,
    pub s3_endpoint: Option<String>,
    /// Path-style S3 addressing (`endpoint/bucket/key`), for most S3-compatible servers.
    pub s3_path_style: bool,
    /// Per role ARN.
    pub roles: BTreeMap<String, AwsRoleSettings>,
    /// The console's public URL: the Issuer of "Open in AWS console" sign-ins (AWS sends the
    /// browser there when the AWS console session ends).
    pub console_issuer: String,
    /// The console's `role_session_limit`: AWS credentials are asked for no longer than this,
    /// rounded up to AWS's 15-minute minimum.
    pub role_session_limit: Option<Duration>,
    /// The console's `max_upload_size` in bytes (`None`: S3's own limits only).
    pub max_upload_size: Option<u64>,
}

/// AWS's shortest role session (DurationSeconds) and console session (SessionDuration).
pub(crate) const AWS_MIN_SESSION: Duration = Duration::from_secs(900);

/// DurationSeconds for a switch: the role's default (or what was asked for), cut to the
/// console's limit. AWS refuses less than 15 minutes, so a shorter limit is rounded up to the
/// next multiple of 900 s: the credentials then outlive the console's hold on them by less
/// than 15 minutes, and the console refuses to use them after its own limit.
fn session_duration(default: Option<Duration>, limit: Option<Duration>) -> Option<Duration> {
    let limit = limit.map(|limit| {
        let step = AWS_MIN_SESSION.as_secs();
        Duration::from_secs(limit.as_secs().div_ceil(step).max(1) * step)
    });
    match (default, limit) {
        (Some(default), Some(limit)) => Some(default.min(limit)),
        // AWS's own default is one hour.
        (None, Some(limit)) => Some(limit.min(Duration::from_secs(3600))),
        (default, None) => default,
    }
}

/// What AssumeRole needs for one role beyond the ARN.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AwsRoleSettings {
    /// Sent as ExternalId (the role's trust policy tests `sts:ExternalId`).
    pub external_id: Option<String>,
    /// An MFA device of the console's own AWS principal (`arn:aws:iam::ACCOUNT:mfa/NAME`, or a
    /// hardware device serial): sent as SerialNumber, with the TOTP code the user types.
    pub mfa_serial: Option<String>,
    /// Sent as DurationSeconds. `None`: the directory's default for the role when it lists
    /// the role, otherwise AWS's default (one hour).
    pub session_duration: Option<Duration>,
}

/// The external ID is a shared secret between the console and the role's owner.
impl std::fmt::Debug for AwsRoleSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsRoleSettings")
            .field(
                "external_id",
                &self.external_id.as_ref().map(|_| "<redacted>"),
            )
            .field("mfa_serial", &self.mfa_serial)
            .field("session_duration", &self.session_duration)
            .finish()
    }
}

/// The console's own AWS credentials.
#[derive(Clone)]
pub enum BaseCredentials {
    /// The standard chain: environment, shared config/credentials files (profiles), web
    /// identity, container and instance metadata.
    StandardChain,
    /// Fixed keys (the tests use moto's).
    Static {
        access_key_id: String,
        secret_access_key: String,
    },
}

pub struct AwsCloud {
    directory: Arc<Directory>,
    sts: aws_sdk_sts::Client,
    /// Shared HTTP client, region, retry and timeout settings for the per-caller S3 clients.
    sdk: aws_config::SdkConfig,
    settings: AwsSettings,
    /// AWS's federation endpoint, when the STS endpoint is AWS's own.
    federation: Option<federation::Federation>,
}

impl AwsCloud {
    /// Nothing is sent to AWS here; the base credentials are first resolved by the first switch.
    pub async fn connect(
        settings: AwsSettings,
        directory: Arc<Directory>,
        base: BaseCredentials,
    ) -> Result<AwsCloud, CloudError> {
        if settings.region.trim().is_empty() {
            return Err(CloudError::Invalid("the AWS region is empty".into()));
        }
        // Set explicitly so that every S3 client made for a role session shares it (and its
        // connection pool); the SDK would otherwise build one per client.
        let http_client = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::AwsLc,
            ))
            .build_https();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http_client)
            .region(Region::new(settings.region.clone()))
            .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .build(),
            );
        if let BaseCredentials::Static {
            access_key_id,
            secret_access_key,
        } = base
        {
            loader = loader.credentials_provider(Credentials::new(
                access_key_id,
                secret_access_key,
                None,
                None,
                "switchyard-static",
            ));
        }
        let sdk = loader.load().await;
        let mut sts = aws_sdk_sts::config::Builder::from(&sdk).timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(STS_ATTEMPT_TIMEOUT)
                .build(),
        );
        if let Some(endpoint) = &settings.sts_endpoint {
            sts = sts.endpoint_url(endpoint);
        }
        let federation = match settings.sts_endpoint {
            None => Some(federation::Federation::new(
                federation::AWS_FEDERATION_ENDPOINT,
                federation::AWS_CONSOLE,
            )?),
            Some(_) => None,
        };
        Ok(AwsCloud {
            directory,
            sts: aws_sdk_sts::Client::from_conf(sts.build()),
            sdk,
            settings,
            federation,
        })
    }

    /// Uses another federation endpoint and console (another AWS partition, or a test server).
    pub fn with_federation(
        mut self,
        endpoint: &str,
        destination: &str,
    ) -> Result<AwsCloud, CloudError> {
        self.federation = Some(federation::Federation::new(endpoint, destination)?);
        Ok(self)
    }

    /// The console's own decision: may this user *request* the role? Identity policies (and
    /// the permissions boundary) of the user; the trust policy too when the directory lists the
    /// role. Deny by default: an ARN no policy names is refused before AWS is asked.
    fn broker_decision(&self, request: &SwitchRequest) -> Result<(), CloudError> {
        let directory = &*self.directory;
        let identity = Identity::user(directory, &request.caller_arn)
            .ok_or_else(|| CloudError::Invalid(format!("unknown user {}", request.caller_arn)))?;
        let mut caller =
            CallerContext::at(crate::clock::now_utc()).with_source_ip(request.source_ip);
        if let Some(at) = request.mfa_authenticated_at {
            caller = caller.with_mfa(at);
        }
        let mut context = identity.context(&caller);
        context.insert_known(keys::ROLE_SESSION_NAME, request.session_name.as_str());
        context.insert_known(keys::STS_SOURCE_IDENTITY, request.source_identity.as_str());
        if let Some(external_id) = self.role_settings(&request.role_arn).external_id.as_deref() {
            context.insert_known(keys::EXTERNAL_ID, external_id);
        }
        let evaluation = if directory.role_by_arn(&request.role_arn).is_some() {
            access::authorize_with_grants(
                directory,
                &identity,
                &request.granted,
                "sts:AssumeRole",
                &request.role_arn,
                context,
            )
        } else {
            let Identity::User { user, .. } = identity else {
                return Err(CloudError::Invalid("the caller is not a user".into()));
            };
            let boundary = user.permissions_boundary();
            let identity_policies: Vec<iam::NamedPolicy> = user
                .identity_policies()
                .iter()
                .chain(&request.granted)
                .cloned()
                .collect();
            iam::evaluate(
                &Request {
                    principal: identity.principal(),
                    action: "sts:AssumeRole",
                    resource: &request.role_arn,
                    // The caller's side only: the trust policy lives in AWS.
                    resource_account: None,
                    context: &context,
                },
                &PolicySet {
                    identity: &identity_policies,
                    resource: None,
                    boundaries: boundary.map(std::slice::from_ref).unwrap_or(&[]),
                    service_control: identity
                        .account()
                        .org()
                        .map(|o| o.service_control.as_slice())
                        .unwrap_or_default(),
                    caller_side_only: true,
                    ..PolicySet::default()
                },
            )
        };
        if evaluation.is_allowed() {
            Ok(())
        } else {
            Err(CloudError::Denied {
                detail: json!({
                    "backend": "aws",
                    "decided_by": "console",
                    "role_arn": request.role_arn,
                    "decision": evaluation.decision,
                    "explanation": evaluation.explanation,
                }),
            })
        }
    }

    /// The console's own decision on an object action by a held role that its directory lists
    /// (identity policies of the role, the bucket policy where the directory has the bucket):
    /// a refusal here costs AWS nothing, and no body is read. A role the directory does not
    /// list is left to AWS.
    fn console_object_decision(
        &self,
        caller: &ObjectCaller,
        action: &str,
        bucket: &str,
        key: &str,
    ) -> Result<(), CloudError> {
        let CallerIdentity::Role(held) = &caller.identity else {
            return Ok(());
        };
        let Some((account_id, role_name, session_name)) =
            assumed_role_parts(&held.assumed_role_arn)
        else {
            return Ok(());
        };
        let directory = &*self.directory;
        let Some(account) = directory
            .account(account_id)
            .filter(|a| a.id() == account_id)
        else {
            return Ok(());
        };
        let Some(role) = account.role(role_name) else {
            return Ok(());
        };
        let now = crate::clock::now_utc();
        // The session as the console asked for it: named after the user, who is also its
        // source identity.
        let session = iam::access::RoleSessionInfo::new(
            session_name,
            Some(session_name.to_string()),
            caller.mfa_authenticated_at,
            now,
            None,
        );
        let identity = Identity::RoleSession {
            account,
            role,
            session: &session,
        };
        let mut context = CallerContext::at(now).with_source_ip(caller.source_ip);
        if let Some(at) = caller.mfa_authenticated_at {
            context = context.with_mfa(at);
        }
        let resource = format!("arn:aws:s3:::{bucket}/{key}");
        let evaluation = access::authorize(directory, &identity, action, &resource, &context);
        if evaluation.is_allowed() {
            Ok(())
        } else {
            Err(CloudError::Denied {
                detail: json!({
                    "backend": "aws",
                    "decided_by": "console",
                    "action": action,
                    "resource": resource,
                    "decision": evaluation.decision,
                    "explanation": evaluation.explanation,
                }),
            })
        }
    }

    fn role_settings(&self, role_arn: &str) -> AwsRoleSettings {
        self.settings
            .roles
            .get(role_arn)
            .cloned()
            .unwrap_or_default()
    }

    /// An S3 client acting with the caller's held role credentials. A user with no role held
    /// has no AWS credentials of their own here: the console's base credentials are never
    /// lent to object operations.
    fn s3_for(&self, caller: &ObjectCaller) -> Result<aws_sdk_s3::Client, CloudError> {
        let held = match &caller.identity {
            CallerIdentity::Role(held) => held,
            CallerIdentity::User { arn } => {
                return Err(CloudError::Denied {
                    detail: json!({
                        "backend": "aws",
                        "caller": arn,
                        "reason": "no role held: with the AWS backend, object operations run only with a held role's temporary credentials",
                    }),
                });
            }
        };
        // Checked here as well as by AWS: some compatible endpoints accept expired tokens.
        if held.expired_at(crate::clock::now_utc()) {
            return Err(CloudError::Expired);
        }
        let credentials = aws_sdk_s3::config::Credentials::new(
            held.access_key_id.clone(),
            held.secret_access_key.clone(),
            Some(held.session_token.clone()),
            None,
            "switchyard-role",
        );
        let mut config = aws_sdk_s3::config::Builder::from(&self.sdk)
            .credentials_provider(credentials)
            .force_path_style(self.settings.s3_path_style)
            // Checksums only where S3 demands them: S3-compatible servers vary in what they
            // accept, and TLS already protects the bytes in transit.
            .request_checksum_calculation(
                aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired,
            )
            .response_checksum_validation(
                aws_sdk_s3::config::ResponseChecksumValidation::WhenRequired,
            );
        if let Some(endpoint) = &self.settings.s3_endpoint {
            config = config.endpoint_url(endpoint);
        }
        Ok(aws_sdk_s3::Client::from_conf(config.build()))
    }
}

#[async_trait]
impl CloudBackend for AwsCloud {
    fn name(&self) -> &'static str {
        "aws"
    }

    fn offers_console_sign_in(&self) -> bool {
        self.federation.is_some()
    }

    async fn console_sign_in_url(
        &self,
        credentials: &HeldCredentials,
    ) -> Result<Option<String>, CloudError> {
        let Some(federation) = &self.federation else {
            return Ok(None);
        };
        if credentials.expired_at(crate::clock::now_utc()) {
            return Err(CloudError::Expired);
        }
        federation
            .sign_in_url(credentials, &self.settings.console_issuer)
            .await
            .map(Some)
    }

    fn requires_token_code(&self, role_arn: &str) -> bool {
        self.role_settings(role_arn).mfa_serial.is_some()
    }

    async fn assume_role(&self, request: &SwitchRequest) -> Result<HeldCredentials, CloudError> {
        self.broker_decision(request)?;
        let role = self.role_settings(&request.role_arn);
        let default = request.duration.or(role.session_duration).or_else(|| {
            self.directory
                .role_by_arn(&request.role_arn)
                .map(|(_, r)| r.default_session_duration())
        });
        // Under an access grant: no longer than the grant has left.
        let grant_left = request.not_after.map(|end| {
            let left = (end - crate::clock::now_utc()).whole_seconds().max(0);
            Duration::from_secs(u64::try_from(left).unwrap_or(0))
        });
        let limit = match (self.settings.role_session_limit, grant_left) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let duration = session_duration(default, limit);
        let mut call = self
            .sts
            .assume_role()
            .role_arn(&request.role_arn)
            .role_session_name(&request.session_name)
            .source_identity(&request.source_identity)
            .set_external_id(role.external_id);
        if let Some(duration) = duration {
            let seconds = i32::try_from(duration.as_secs())
                .map_err(|_| CloudError::Invalid("the session duration is too long".into()))?;
            call = call.duration_seconds(seconds);
        }
        if let Some(serial) = role.mfa_serial {
            let code = request
                .token_code
                .as_deref()
                .filter(|c| !c.is_empty())
                .ok_or_else(|| CloudError::Invalid("this role needs an MFA code".into()))?;
            call = call.serial_number(serial).token_code(code);
        }
        let output = call
            .send()
            .await
            .map_err(|e| errors::from_sdk("AssumeRole", errors::Credentials::Console, &e))
            .map_err(|e| with_role_arn(e, &request.role_arn))?;
        let credentials = output
            .credentials()
            .ok_or_else(|| CloudError::Unavailable("AssumeRole returned no credentials".into()))?;
        let assumed_role_arn = output
            .assumed_role_user()
            .map(|u| u.arn().to_string())
            .unwrap_or_else(|| {
                let (account, name) = role_arn_parts(&request.role_arn);
                access::assumed_role_arn(account, name, &request.session_name)
            });
        Ok(HeldCredentials {
            access_key_id: credentials.access_key_id().to_string(),
            secret_access_key: credentials.secret_access_key().to_string(),
            session_token: credentials.session_token().to_string(),
            expiration: credentials.expiration().secs(),
            assumed_role_arn,
        })
    }

    /// AWS cannot revoke one role session's credentials (only all sessions issued before a
    /// time, through a deny policy on the role): the console forgets them, and they end at
    /// their expiry.
    async fn release(&self, _credentials: &HeldCredentials) -> Result<(), CloudError> {
        Ok(())
    }

    async fn list_buckets(&self, caller: &ObjectCaller) -> Result<Vec<BucketSummary>, CloudError> {
        s3::list_buckets(&self.s3_for(caller)?).await
    }

    async fn list_objects(
        &self,
        caller: &ObjectCaller,
        bucket: &str,
        request: &ListRequest,
    ) -> Result<ListPage, CloudError> {
        s3::list_objects(&self.s3_for(caller)?, bucket, request).await
    }

    async fn head_object(
        &self,
        caller: &ObjectCaller,
        bucket: &str,
        key: &str,
    ) -> Result<ObjectInfo, CloudError> {
        s3::head_object(&self.s3_for(caller)?, bucket, key).await
    }

    async fn get_object(
        &self,
        caller: &ObjectCaller,
        bucket: &str,
        key: &str,
        range: Option<ByteRange>,
    ) -> Result<ObjectDownload, CloudError> {
        s3::get_object(&self.s3_for(caller)?, bucket, key, range).await
    }

    async fn put_object(
        &self,
        caller: &ObjectCaller,
        bucket: &str,
        key: &str,
        upload: ObjectUpload,
    ) -> Result<ObjectInfo, CloudError> {
        let client = self.s3_for(caller)?;
        self.console_object_decision(caller, "s3:PutObject", bucket, key)?;
        s3::put_object(&client, bucket, key, upload, self.settings.max_upload_size).await
    }

    async fn delete_objects(
        &self,
        caller: &ObjectCaller,
        bucket: &str,
        keys: &[String],
    ) -> Result<DeleteOutcome, CloudError> {
        s3::delete_objects(&self.s3_for(caller)?, bucket, keys).await
    }
}

/// The audit trail names the role a denial was about.
fn with_role_arn(error: CloudError, role_arn: &str) -> CloudError {
    match error {
        CloudError::Denied { mut detail } => {
            if let Some(object) = detail.as_object_mut() {
                object.insert("role_arn".into(), json!(role_arn));
                object.insert("decided_by".into(), json!("aws"));
            }
            CloudError::Denied { detail }
        }
        other => other,
    }
}

/// `(account, role name, session name)` of `arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`.
fn assumed_role_parts(arn: &str) -> Option<(&str, &str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_partition), Some("sts"), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let mut names = resource.strip_prefix("assumed-role/")?.splitn(2, '/');
    match (names.next(), names.next()) {
        (Some(role), Some(session)) if !role.is_empty() && !session.is_empty() => {
            Some((account, role, session))
        }
        _ => None,
    }
}

/// `(account, role name)` of `arn:aws:iam::ACCOUNT:role/path/NAME`.
fn role_arn_parts(role_arn: &str) -> (&str, &str) {
    let account = role_arn.split(':').nth(4).unwrap_or_default();
    let name = role_arn.rsplit('/').next().unwrap_or_default();
    (account, name)
}

#[cfg(test)]
mod tests;
