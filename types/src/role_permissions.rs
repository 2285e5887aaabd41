//! What a held role may do, said in words: its permission statements as the directory writes
//! them, with the well-known S3 actions and ARNs spelled out.

use serde::{Deserialize, Serialize};

/// One statement of one of the role's permission policies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionStatement {
    /// Which policy it comes from, e.g. `inline policy productionapp-rw`.
    pub policy: String,
    pub sid: Option<String>,
    /// `Allow` or `Deny`.
    pub effect: String,
    /// `NotAction`: everything but these.
    pub not_actions: bool,
    pub actions: Vec<String>,
    /// `NotResource`: everywhere but these.
    pub not_resources: bool,
    pub resources: Vec<String>,
    /// `Operator key = values`, one per condition.
    pub conditions: Vec<String>,
}

/// The permissions of the held role, as far as the directory describes them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolePermissions {
    pub role_arn: String,
    pub description: Option<String>,
    /// False when the directory does not know the role (the cloud still decides every action).
    pub described: bool,
    /// The role session has ended: none of this applies any more.
    pub ended: bool,
    pub statements: Vec<PermissionStatement>,
    /// Buckets named by the statements, for links to the bucket browser.
    pub buckets: Vec<String>,
}

/// An action in words, when it is a well-known one.
pub fn action_in_words(action: &str) -> Option<&'static str> {
    Some(match action.to_ascii_lowercase().as_str() {
        "*" => "every action of every service",
        "s3:*" => "every S3 action",
        "s3:listallmybuckets" => "list all buckets",
        "s3:listbucket" => "list the objects of a bucket",
        "s3:getobject" => "read and download objects",
        "s3:putobject" => "upload and overwrite objects",
        "s3:deleteobject" => "delete objects",
        "s3:get*" => "read anything in S3",
        "s3:list*" => "list anything in S3",
        "sts:assumerole" => "switch to (assume) roles",
        _ => return None,
    })
}

/// A resource ARN in words, when it is a bucket or the objects of one.
pub fn resource_in_words(resource: &str) -> Option<String> {
    if resource == "*" {
        return Some("every resource".to_string());
    }
    let rest = resource.strip_prefix("arn:aws:s3:::")?;
    Some(match rest.split_once('/') {
        None if rest == "*" => "every bucket".to_string(),
        None => format!("the bucket {rest}"),
        Some((bucket, "*")) => format!("every object in {bucket}"),
        Some((bucket, prefix)) => format!("objects {prefix} in {bucket}"),
    })
}

/// The bucket a resource ARN names, when it names exactly one.
pub fn bucket_of(resource: &str) -> Option<&str> {
    let rest = resource.strip_prefix("arn:aws:s3:::")?;
    let bucket = rest.split('/').next().unwrap_or(rest);
    (!bucket.is_empty() && !bucket.contains(['*', '?', '$'])).then_some(bucket)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_actions_and_arns_read_as_words() {
        assert_eq!(
            action_in_words("s3:GetObject"),
            Some("read and download objects")
        );
        assert_eq!(action_in_words("ec2:RunInstances"), None);
        assert_eq!(
            resource_in_words("arn:aws:s3:::productionapp/*").as_deref(),
            Some("every object in productionapp")
        );
        assert_eq!(
            resource_in_words("arn:aws:s3:::productionapp").as_deref(),
            Some("the bucket productionapp")
        );
        assert_eq!(resource_in_words("arn:aws:iam::1:role/x"), None);
        assert_eq!(
            bucket_of("arn:aws:s3:::productionapp/*"),
            Some("productionapp")
        );
        assert_eq!(bucket_of("arn:aws:s3:::prod-*"), None);
        assert_eq!(bucket_of("*"), None);
    }
}
