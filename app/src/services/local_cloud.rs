//! The default cloud: the IAM engine decides, issues temporary credentials and keeps their
//! records under the data directory.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use iam::access::CallerContext;
use iam::{AssumeRoleError, AssumeRoleRequest, Caller, Directory, Sts};
use serde_json::json;
use time::OffsetDateTime;

use crate::services::cloud::{
    BucketSummary, ByteRange, CloudBackend, CloudError, DeleteOutcome, HeldCredentials, ListPage,
    ListRequest, ObjectCaller, ObjectDownload, ObjectInfo, ObjectUpload, SwitchRequest,
};
use crate::services::credential_store::FileCredentialStore;

pub struct LocalCloud {
    sts: Arc<Sts<FileCredentialStore>>,
}

impl LocalCloud {
    /// Issued-credential records live in `DATA_DIR/sts`.
    pub fn open(directory: Arc<Directory>, data_dir: &Path) -> Result<Self, CloudError> {
        let store = FileCredentialStore::open(&data_dir.join("sts"))
            .map_err(|e| CloudError::Unavailable(e.to_string()))?;
        Ok(LocalCloud {
            sts: Arc::new(Sts::new(directory, store)),
        })
    }

    pub fn sts(&self) -> &Sts<FileCredentialStore> {
        &self.sts
    }
}

#[async_trait]
impl CloudBackend for LocalCloud {
    fn name(&self) -> &'static str {
        "local"
    }

    async fn assume_role(&self, request: &SwitchRequest) -> Result<HeldCredentials, CloudError> {
        let sts = Arc::clone(&self.sts);
        let request = request.clone();
        // The decision takes microseconds; writing the record touches the disk.
        tokio::task::spawn_blocking(move || {
            let mut context =
                CallerContext::at(OffsetDateTime::now_utc()).with_source_ip(request.source_ip);
            if let Some(at) = request.mfa_authenticated_at {
                context = context.with_mfa(at);
            }
            let assumed = sts.assume_role(&AssumeRoleRequest {
                caller: Caller::User {
                    arn: &request.caller_arn,
                },
                role_arn: &request.role_arn,
                session_name: &request.session_name,
                source_identity: Some(&request.source_identity),
                external_id: None,
                duration: request.duration,
                session_policy: None,
                context,
            });
            match assumed {
                Ok(assumed) => {
                    let c = assumed.credentials;
                    Ok(HeldCredentials {
                        access_key_id: c.access_key_id,
                        secret_access_key: c.secret_access_key,
                        session_token: c.session_token,
                        expiration: c.expiration.unix_timestamp(),
                        assumed_role_arn: c.assumed_role_arn,
                    })
                }
                Err(AssumeRoleError::Denied {
                    role_arn,
                    evaluation,
                }) => Err(CloudError::Denied {
                    detail: json!({
                        "role_arn": role_arn,
                        "decision": evaluation.decision,
                        "explanation": evaluation.explanation,
                    }),
                }),
                Err(AssumeRoleError::Invalid(message)) => Err(CloudError::Invalid(message)),
                Err(other) => Err(CloudError::Unavailable(other.to_string())),
            }
        })
        .await
        .map_err(|e| CloudError::Unavailable(e.to_string()))?
    }

    async fn release(&self, credentials: &HeldCredentials) -> Result<(), CloudError> {
        let sts = Arc::clone(&self.sts);
        let key = credentials.access_key_id.clone();
        tokio::task::spawn_blocking(move || sts.revoke(&key))
            .await
            .map_err(|e| CloudError::Unavailable(e.to_string()))?
            .map_err(|e| CloudError::Unavailable(e.to_string()))
    }

    // Object operations: not wired to the object store yet (issue #6).
    async fn list_buckets(&self, _: &ObjectCaller) -> Result<Vec<BucketSummary>, CloudError> {
        Err(not_wired())
    }
    async fn list_objects(
        &self,
        _: &ObjectCaller,
        _: &str,
        _: &ListRequest,
    ) -> Result<ListPage, CloudError> {
        Err(not_wired())
    }
    async fn head_object(
        &self,
        _: &ObjectCaller,
        _: &str,
        _: &str,
    ) -> Result<ObjectInfo, CloudError> {
        Err(not_wired())
    }
    async fn get_object(
        &self,
        _: &ObjectCaller,
        _: &str,
        _: &str,
        _: Option<ByteRange>,
    ) -> Result<ObjectDownload, CloudError> {
        Err(not_wired())
    }
    async fn put_object(
        &self,
        _: &ObjectCaller,
        _: &str,
        _: &str,
        _: ObjectUpload,
    ) -> Result<ObjectInfo, CloudError> {
        Err(not_wired())
    }
    async fn delete_objects(
        &self,
        _: &ObjectCaller,
        _: &str,
        _: &[String],
    ) -> Result<DeleteOutcome, CloudError> {
        Err(not_wired())
    }
}

fn not_wired() -> CloudError {
    CloudError::Unavailable("object operations are not wired to the local store yet".into())
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::*;

    fn request(mfa: bool) -> SwitchRequest {
        SwitchRequest {
            caller_arn: "arn:aws:iam::111122223333:user/alice".into(),
            role_arn: "arn:aws:iam::123456789012:role/UpdateAPP".into(),
            session_name: "alice".into(),
            source_identity: "alice".into(),
            mfa_authenticated_at: mfa.then(OffsetDateTime::now_utc),
            source_ip: IpAddr::from([127, 0, 0, 1]),
            duration: None,
            token_code: None,
        }
    }

    #[tokio::test]
    async fn alice_with_mfa_gets_credentials_that_survive_a_restart() {
        let dir = tempfile::tempdir().expect("temp dir");
        let directory = Arc::new(Directory::demo());
        let cloud = LocalCloud::open(Arc::clone(&directory), dir.path()).expect("open");
        let held = cloud.assume_role(&request(true)).await.expect("allowed");
        assert!(held.access_key_id.starts_with("ASIA"));
        assert_eq!(
            held.assumed_role_arn,
            "arn:aws:sts::123456789012:assumed-role/UpdateAPP/alice"
        );
        assert!(!format!("{held:?}").contains(&held.secret_access_key));

        let reopened = LocalCloud::open(directory, dir.path()).expect("reopen");
        let now = CallerContext::at(OffsetDateTime::now_utc());
        let get = reopened
            .sts()
            .authorize(
                &held.access_key_id,
                &held.session_token,
                "s3:GetObject",
                "arn:aws:s3:::productionapp/x",
                &now,
            )
            .expect("credentials still known");
        assert!(get.is_allowed());

        reopened.release(&held).await.expect("release");
        assert!(
            reopened
                .sts()
                .authorize(
                    &held.access_key_id,
                    &held.session_token,
                    "s3:GetObject",
                    "arn:aws:s3:::productionapp/x",
                    &now
                )
                .is_err()
        );
    }

    #[tokio::test]
    async fn without_mfa_the_trust_policy_denies_with_a_reason_for_the_audit_trail() {
        let dir = tempfile::tempdir().expect("temp dir");
        let cloud = LocalCloud::open(Arc::new(Directory::demo()), dir.path()).expect("open");
        match cloud.assume_role(&request(false)).await {
            Err(CloudError::Denied { detail }) => {
                assert_eq!(
                    detail["role_arn"],
                    "arn:aws:iam::123456789012:role/UpdateAPP"
                );
                assert!(
                    detail["explanation"]
                        .as_array()
                        .is_some_and(|e| !e.is_empty()),
                    "{detail}"
                );
            }
            other => panic!("expected a denial, got {other:?}"),
        }
    }
}
