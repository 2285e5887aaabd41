//! Rules AWS applies because of what a resource *is*, whatever the policies
//! say:
//!
//! - Role trust policies and KMS key policies must allow the principal
//!   themselves ("Policy evaluation logic": "IAM role trust policies and KMS
//!   key policies are exceptions to this logic, because they must explicitly
//!   allow access for principals"). An identity-based Allow alone never opens
//!   a role or a key, in the same account too.
//! - AWS-owned resources are read-only: AWS managed policies, service-linked
//!   and AWS-reserved roles, AWS managed KMS aliases ("AWS managed policies",
//!   "Using service-linked roles").
//! - Service-linked roles are not limited by SCPs ("Service control
//!   policies": "SCPs don't affect service-linked roles").

/// Actions authorised against a role's trust policy (the resource policy of
/// the role): `sts:AssumeRole*` and the session permissions that go with it.
pub fn is_trust_action(action: &str) -> bool {
    let Some((service, name)) = action.split_once(':') else {
        return false;
    };
    service.eq_ignore_ascii_case("sts")
        && [
            "AssumeRole",
            "AssumeRoleWithSAML",
            "AssumeRoleWithWebIdentity",
            "TagSession",
            "SetSourceIdentity",
            "SetContext",
        ]
        .iter()
        .any(|a| a.eq_ignore_ascii_case(name))
}

/// The parts of an ARN: `(partition, service, region, account, resource)`.
fn arn_parts(arn: &str) -> Option<(&str, &str, &str, &str, &str)> {
    let mut it = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(service), Some(region), Some(account), Some(resource)) = (
        it.next(),
        it.next(),
        it.next(),
        it.next(),
        it.next(),
        it.next(),
    ) else {
        return None;
    };
    Some((partition, service, region, account, resource))
}

/// `arn:…:iam::ACCOUNT:role/…`
pub fn is_role_arn(resource: &str) -> bool {
    arn_parts(resource)
        .is_some_and(|(_, service, _, _, res)| service == "iam" && res.starts_with("role/"))
}

/// `arn:…:kms:REGION:ACCOUNT:key/…`
pub fn is_kms_key_arn(resource: &str) -> bool {
    arn_parts(resource)
        .is_some_and(|(_, service, _, _, res)| service == "kms" && res.starts_with("key/"))
}

/// Which resource policy must allow a request on its own part, whatever the
/// identity policies say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequiredPolicy {
    TrustPolicy,
    KeyPolicy,
}

impl RequiredPolicy {
    pub fn describe(self) -> &'static str {
        match self {
            RequiredPolicy::TrustPolicy => "the role's trust policy",
            RequiredPolicy::KeyPolicy => "the key policy",
        }
    }
}

/// Whether this request needs its resource policy to allow it.
pub fn required_policy(action: &str, resource: &str) -> Option<RequiredPolicy> {
    if is_trust_action(action) && (resource == "*" || is_role_arn(resource)) {
        return Some(RequiredPolicy::TrustPolicy);
    }
    let kms_action = action
        .split_once(':')
        .is_some_and(|(s, _)| s.eq_ignore_ascii_case("kms"));
    if kms_action && is_kms_key_arn(resource) {
        return Some(RequiredPolicy::KeyPolicy);
    }
    None
}

/// Role paths AWS keeps for itself: service-linked roles and the roles of
/// IAM Identity Center and other AWS services.
fn is_aws_role_path(resource: &str) -> bool {
    resource.starts_with("role/aws-service-role/") || resource.starts_with("role/aws-reserved/")
}

/// Whether `name` (the part after `service:`) only reads.
fn is_read_action(service: &str, name: &str) -> bool {
    let starts = |prefix: &str| {
        name.len() >= prefix.len() && name[..prefix.len()].eq_ignore_ascii_case(prefix)
    };
    match service {
        "iam" => starts("Get") || starts("List") || starts("Generate") || starts("Simulate"),
        _ => starts("Get") || starts("List") || starts("Describe"),
    }
}

/// Why a write on an AWS-owned resource is refused, or `None` when the
/// request is not one.
pub fn aws_owned_write(action: &str, resource: &str) -> Option<&'static str> {
    let (service, name) = action.split_once(':')?;
    let service = service.to_ascii_lowercase();
    let (_, res_service, _, account, res) = arn_parts(resource)?;
    if service != res_service || is_read_action(&service, name) {
        return None;
    }
    match res_service {
        "iam" if account == "aws" && res.starts_with("policy/") => {
            Some("AWS managed policies are read-only")
        }
        "iam" if is_aws_role_path(res) => {
            // The documented ways to use a service-linked role: creating and
            // deleting it through its own actions, and passing it to a service.
            let allowed = [
                "CreateServiceLinkedRole",
                "DeleteServiceLinkedRole",
                "PassRole",
            ]
            .iter()
            .any(|a| a.eq_ignore_ascii_case(name));
            (!allowed).then_some("service-linked and AWS-reserved roles are read-only")
        }
        "kms" if res.starts_with("alias/aws/") => Some("AWS managed KMS aliases are read-only"),
        _ => None,
    }
}

/// Whether a role (by name or ARN with path) is service-linked: AWS names
/// them `AWSServiceRoleFor…` under `/aws-service-role/`.
pub fn is_service_linked_role(role_arn: &str, role_name: &str) -> bool {
    role_arn.contains(":role/aws-service-role/") || role_name.starts_with("AWSServiceRoleFor")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trust_actions() {
        assert!(is_trust_action("sts:AssumeRole"));
        assert!(is_trust_action("STS:tagsession"));
        assert!(!is_trust_action("sts:GetCallerIdentity"));
        assert!(!is_trust_action("iam:AssumeRole"));
    }

    #[test]
    fn aws_owned_writes() {
        let policy = "arn:aws:iam::aws:policy/AdministratorAccess";
        assert!(aws_owned_write("iam:CreatePolicyVersion", policy).is_some());
        assert!(aws_owned_write("iam:GetPolicy", policy).is_none());
        let slr = "arn:aws:iam::111122223333:role/aws-service-role/elasticbeanstalk.amazonaws.com/AWSServiceRoleForElasticBeanstalk";
        assert!(aws_owned_write("iam:DeleteRole", slr).is_some());
        assert!(aws_owned_write("iam:UpdateAssumeRolePolicy", slr).is_some());
        assert!(aws_owned_write("iam:DeleteServiceLinkedRole", slr).is_none());
        assert!(aws_owned_write("iam:GetRole", slr).is_none());
        assert!(aws_owned_write("sts:AssumeRole", slr).is_none());
        let alias = "arn:aws:kms:us-east-1:111122223333:alias/aws/s3";
        assert!(aws_owned_write("kms:DeleteAlias", alias).is_some());
        assert!(aws_owned_write("kms:DescribeKey", alias).is_none());
        let own = "arn:aws:kms:us-east-1:111122223333:alias/mine";
        assert!(aws_owned_write("kms:DeleteAlias", own).is_none());
    }
}
