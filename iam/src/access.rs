//! Decisions for real requests against a [`Directory`]: who the caller is
//! (a user, or a role session), which context keys their request carries,
//! and which policies apply to the resource.

use std::net::IpAddr;
use std::sync::Arc;

use time::OffsetDateTime;

use crate::context::{RequestContext, keys};
use crate::directory::{Account, Directory, Role, User};
use crate::evaluate::{Evaluation, Participant, PolicySet, Request, evaluate};
use crate::policy::NamedPolicy;
use crate::principal::Principal;
use crate::principal::PrincipalCache;

/// Facts about the request that the caller's session knows: time, MFA,
/// source address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallerContext {
    pub now: OffsetDateTime,
    /// When the person last proved MFA in this session (`None`: never).
    pub mfa_authenticated_at: Option<OffsetDateTime>,
    pub source_ip: Option<IpAddr>,
    /// Whether the request came over TLS (`aws:SecureTransport`), if known.
    pub secure_transport: Option<bool>,
}

impl CallerContext {
    pub fn at(now: OffsetDateTime) -> Self {
        CallerContext {
            now,
            mfa_authenticated_at: None,
            source_ip: None,
            secure_transport: None,
        }
    }

    pub fn with_mfa(mut self, at: OffsetDateTime) -> Self {
        self.mfa_authenticated_at = Some(at);
        self
    }

    pub fn with_source_ip(mut self, ip: IpAddr) -> Self {
        self.source_ip = Some(ip);
        self
    }
}

/// A role session as the engine needs it to decide requests.
#[derive(Debug, Clone)]
pub struct RoleSessionInfo {
    pub session_name: String,
    pub source_identity: Option<String>,
    pub mfa_authenticated_at: Option<OffsetDateTime>,
    pub issued_at: OffsetDateTime,
    pub session_policy: Option<NamedPolicy>,
    cache: PrincipalCache,
}

impl RoleSessionInfo {
    pub fn new(
        session_name: impl Into<String>,
        source_identity: Option<String>,
        mfa_authenticated_at: Option<OffsetDateTime>,
        issued_at: OffsetDateTime,
        session_policy: Option<NamedPolicy>,
    ) -> Self {
        RoleSessionInfo {
            session_name: session_name.into(),
            source_identity,
            mfa_authenticated_at,
            issued_at,
            session_policy,
            cache: PrincipalCache::new(),
        }
    }
}

/// The caller of a request, resolved against the directory.
#[derive(Debug, Clone, Copy)]
pub enum Identity<'d> {
    User {
        account: &'d Account,
        user: &'d User,
    },
    /// `session` must stay with one role: the principal and its keys are
    /// cached in it.
    RoleSession {
        account: &'d Account,
        role: &'d Role,
        session: &'d RoleSessionInfo,
    },
}

impl<'d> Identity<'d> {
    /// A user of the directory, by ARN.
    pub fn user(directory: &'d Directory, user_arn: &str) -> Option<Identity<'d>> {
        let (account, user) = directory.user_by_arn(user_arn)?;
        Some(Identity::User { account, user })
    }

    pub fn principal(&self) -> &'d Principal {
        &self.cached().0
    }

    fn cached(&self) -> &'d (Principal, Arc<RequestContext>) {
        match *self {
            Identity::User { account, user } => user.cache.get_or_init(|| {
                let principal = Principal::User {
                    arn: user.arn(),
                    account: account.id().to_owned(),
                    name: user.name().to_owned(),
                };
                let mut c = RequestContext::new();
                c.insert_known(keys::PRINCIPAL_ARN, user.arn());
                c.insert_known(keys::PRINCIPAL_ACCOUNT, account.id());
                c.insert_known(keys::PRINCIPAL_TYPE, "User");
                c.insert_known(keys::USERNAME, user.name());
                c.insert_known(keys::USERID, user.user_id());
                insert_principal_org(&mut c, account);
                for (k, v) in user.tags() {
                    c.insert(&format!("aws:PrincipalTag/{k}"), v.as_str());
                }
                (principal, Arc::new(c))
            }),
            Identity::RoleSession {
                account,
                role,
                session,
            } => session.cache.get_or_init(|| {
                let principal = Principal::RoleSession {
                    arn: assumed_role_arn(account.id(), role.name(), &session.session_name),
                    role_arn: role.arn(),
                    account: account.id().to_owned(),
                    role_name: role.name().to_owned(),
                    session_name: session.session_name.clone(),
                };
                let mut c = RequestContext::new();
                c.insert_known(keys::PRINCIPAL_ARN, role.arn());
                c.insert_known(keys::PRINCIPAL_ACCOUNT, account.id());
                c.insert_known(keys::PRINCIPAL_TYPE, "AssumedRole");
                c.insert_known(
                    keys::USERID,
                    format!("{}:{}", role.role_id(), session.session_name),
                );
                insert_principal_org(&mut c, account);
                for (k, v) in role.tags() {
                    c.insert(&format!("aws:PrincipalTag/{k}"), v.as_str());
                }
                if let Some(si) = &session.source_identity {
                    c.insert_known(keys::SOURCE_IDENTITY, si.as_str());
                }
                c.insert_known(keys::TOKEN_ISSUE_TIME, iso8601(session.issued_at));
                (principal, Arc::new(c))
            }),
        }
    }

    /// The global context keys a request by this identity carries.
    pub fn context(&self, caller: &CallerContext) -> RequestContext {
        let mut c = RequestContext::with_parent(self.cached().1.clone());
        let now = caller.now;
        c.insert_known(keys::CURRENT_TIME, iso8601(now));
        c.insert_known(keys::EPOCH_TIME, now.unix_timestamp().to_string());
        if let Some(ip) = caller.source_ip {
            c.insert_known(keys::SOURCE_IP, ip.to_string());
        }
        if let Some(tls) = caller.secure_transport {
            c.insert_known(keys::SECURE_TRANSPORT, tls.to_string());
        }
        let mfa_at = match self {
            Identity::User { .. } => caller.mfa_authenticated_at,
            Identity::RoleSession { session, .. } => session.mfa_authenticated_at,
        };
        // Console sessions are temporary credentials: the key is present,
        // true or false.
        c.insert_known(
            keys::MFA_PRESENT,
            if mfa_at.is_some() { "true" } else { "false" },
        );
        if let Some(at) = mfa_at {
            c.insert_known(keys::MFA_AGE, (now - at).whole_seconds().max(0).to_string());
        }
        c
    }

    /// The account the caller belongs to.
    pub fn account(&self) -> &'d Account {
        match *self {
            Identity::User { account, .. } | Identity::RoleSession { account, .. } => account,
        }
    }

    pub(crate) fn identity_policies(&self) -> &'d [NamedPolicy] {
        match self {
            Identity::User { user, .. } => user.identity_policies(),
            Identity::RoleSession { role, .. } => role.permission_policies(),
        }
    }

    pub(crate) fn boundary(&self) -> Option<&'d NamedPolicy> {
        match self {
            Identity::User { user, .. } => user.permissions_boundary(),
            Identity::RoleSession { role, .. } => role.permissions_boundary(),
        }
    }

    pub(crate) fn session_policy(&self) -> Option<&'d NamedPolicy> {
        match self {
            Identity::User { .. } => None,
            Identity::RoleSession { session, .. } => session.session_policy.as_ref(),
        }
    }
}

/// Keys every principal of the directory carries: it is not an AWS service,
/// and where its account sits in the organization.
fn insert_principal_org(c: &mut RequestContext, account: &Account) {
    c.insert_known(keys::PRINCIPAL_IS_AWS_SERVICE, "false");
    if let Some(org) = account.org() {
        c.insert_known(keys::PRINCIPAL_ORG_ID, org.org_id.as_str());
        c.insert_known(keys::PRINCIPAL_ORG_PATHS, org.path.as_str());
    }
}

/// `2025-01-31T12:00:00Z` (UTC, whole seconds), as AWS writes
/// `aws:CurrentTime`.
fn iso8601(t: OffsetDateTime) -> String {
    // Hand-rolled: this runs for every request, and `format!` costs more
    // than the rest of a decision.
    fn push2(out: &mut String, value: u8) {
        out.push(char::from(b'0' + value / 10 % 10));
        out.push(char::from(b'0' + value % 10));
    }
    let t = t.to_offset(time::UtcOffset::UTC);
    let mut out = String::with_capacity(20);
    let year = u16::try_from(t.year()).unwrap_or(0);
    push2(&mut out, u8::try_from(year / 100 % 100).unwrap_or(0));
    push2(&mut out, u8::try_from(year % 100).unwrap_or(0));
    out.push('-');
    push2(&mut out, u8::from(t.month()));
    out.push('-');
    push2(&mut out, t.day());
    out.push('T');
    push2(&mut out, t.hour());
    out.push(':');
    push2(&mut out, t.minute());
    out.push(':');
    push2(&mut out, t.second());
    out.push('Z');
    out
}

pub fn assumed_role_arn(account: &str, role_name: &str, session_name: &str) -> String {
    format!("arn:aws:sts::{account}:assumed-role/{role_name}/{session_name}")
}

/// The resource policy and owning account of a resource in the directory:
/// a bucket (or object) ARN gives the bucket policy; a role ARN gives the
/// trust policy, for `sts:AssumeRole`-family actions only.
pub fn resource_policy<'d>(
    directory: &'d Directory,
    action: &str,
    resource: &str,
) -> (Option<&'d NamedPolicy>, Option<&'d str>) {
    if let Some(rest) = resource.strip_prefix("arn:aws:s3:::") {
        let bucket_name = rest.split('/').next().unwrap_or(rest);
        return match directory.bucket(bucket_name) {
            Some((account, bucket)) => (bucket.policy(), Some(account.id())),
            None => (None, None),
        };
    }
    if let Some((account, role)) = directory.role_by_arn(resource) {
        let trust = crate::resource_rules::is_trust_action(action);
        return (trust.then(|| role.trust_policy()), Some(account.id()));
    }
    let owner = resource.split(':').nth(4).filter(|a| !a.is_empty());
    let owner = owner.and_then(|a| directory.account(a)).map(Account::id);
    (None, owner)
}

/// Decide a request by `identity` with a prepared context (the
/// `aws:ResourceAccount` key is added here).
pub fn authorize_with_context(
    directory: &Directory,
    identity: &Identity<'_>,
    action: &str,
    resource: &str,
    context: RequestContext,
) -> Evaluation {
    authorize_with_grants(directory, identity, &[], action, resource, context)
}

/// As [`authorize_with_context`], with `granted` identity policies (access grants, see
/// [`crate::grants`]) attached to the caller beside their own for this decision.
pub fn authorize_with_grants(
    directory: &Directory,
    identity: &Identity<'_>,
    granted: &[NamedPolicy],
    action: &str,
    resource: &str,
    context: RequestContext,
) -> Evaluation {
    decide(
        directory, identity, granted, action, resource, context, false,
    )
    .0
}

/// As [`authorize_with_context`], with every policy that took part (for the simulator page,
/// which shows them with the statements the decision used).
pub fn authorize_explained(
    directory: &Directory,
    identity: &Identity<'_>,
    action: &str,
    resource: &str,
    context: RequestContext,
) -> (Evaluation, Vec<Participant>) {
    decide(directory, identity, &[], action, resource, context, true)
}

/// The one decision path of the directory: gathers the policies of the caller and the
/// resource, and lists them too when `list_participants`.
fn decide(
    directory: &Directory,
    identity: &Identity<'_>,
    granted: &[NamedPolicy],
    action: &str,
    resource: &str,
    mut context: RequestContext,
    list_participants: bool,
) -> (Evaluation, Vec<Participant>) {
    let principal = identity.principal();
    let with_grants: Vec<NamedPolicy>;
    let identity_policies = if granted.is_empty() {
        identity.identity_policies()
    } else {
        with_grants = identity
            .identity_policies()
            .iter()
            .chain(granted)
            .cloned()
            .collect();
        &with_grants
    };
    let (resource_policy, resource_account) = resource_policy(directory, action, resource);
    let boundary = identity.boundary();
    let resource_org = resource_account
        .and_then(|a| directory.account(a))
        .and_then(Account::org);
    let policies = PolicySet {
        identity: identity_policies,
        resource: resource_policy,
        boundaries: boundary.map(std::slice::from_ref).unwrap_or(&[]),
        session: identity.session_policy(),
        service_control: identity
            .account()
            .org()
            .map(|o| o.service_control.as_slice())
            .unwrap_or_default(),
        resource_control: resource_org
            .map(|o| o.resource_control.as_slice())
            .unwrap_or_default(),
        caller_side_only: false,
    };
    if let Some(acct) = resource_account {
        context.insert_known(keys::RESOURCE_ACCOUNT, acct);
    }
    if let Some(org) = resource_org {
        context.insert_known(keys::RESOURCE_ORG_ID, org.org_id.as_str());
        context.insert_known(keys::RESOURCE_ORG_PATHS, org.path.as_str());
    }
    let request = Request {
        principal,
        action,
        resource,
        resource_account,
        context: &context,
    };
    let participants = if list_participants {
        policies.participants(principal)
    } else {
        Vec::new()
    };
    (evaluate(&request, &policies), participants)
}

/// Decide a request by `identity` (context derived from `caller`) that also carries
/// service-specific keys (`s3:prefix`, `s3:delimiter`...), given as `(key, value)`.
pub fn authorize_with_keys(
    directory: &Directory,
    identity: &Identity<'_>,
    action: &str,
    resource: &str,
    caller: &CallerContext,
    request_keys: &[(&str, &str)],
) -> Evaluation {
    let mut context = identity.context(caller);
    for (key, value) in request_keys {
        context.insert(key, *value);
    }
    authorize_with_context(directory, identity, action, resource, context)
}

/// Decide a request by `identity` (context derived from `caller`).
pub fn authorize(
    directory: &Directory,
    identity: &Identity<'_>,
    action: &str,
    resource: &str,
    caller: &CallerContext,
) -> Evaluation {
    authorize_with_context(
        directory,
        identity,
        action,
        resource,
        identity.context(caller),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_time_is_iso8601_utc() {
        let t = time::macros::datetime!(2025-01-31 09:05:07.123 +01:00);
        assert_eq!(iso8601(t), "2025-01-31T08:05:07Z");
    }
}
