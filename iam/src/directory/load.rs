//! Reading the directory TOML and turning it into a validated [`Directory`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use super::names::{
    check_alias, check_bucket_name, check_color, check_display_name, check_email, check_iam_name,
    check_path,
};
use super::organization::OrgBuilder;
use super::raw::{RawAccount, RawDirectory, RawInlinePolicy};
use super::{
    Account, Bucket, Directory, Group, ManagedPolicy, NamedPolicy, Role, SampleObject, User,
    stable_id,
};
use crate::policy::{Limits, Policy, PolicyKind, is_account_id, policy_size};

/// Why a directory file cannot be used. Every message names the file, the
/// field and what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("{origin}: cannot read the file: {source}")]
    Read {
        origin: String,
        #[source]
        source: std::io::Error,
    },
    /// TOML syntax or shape error, with the position in the file.
    #[error("{origin}:{line}:{column}: {}{message}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
    Syntax {
        origin: String,
        line: usize,
        column: usize,
        path: String,
        message: String,
    },
    /// A value that breaks a rule (bad ID, unknown reference, bad policy...).
    #[error("{origin}: {path}: {message}")]
    Invalid {
        origin: String,
        path: String,
        message: String,
    },
}

impl DirectoryError {
    /// The field path (`accounts[0].users[1].groups[0]`).
    pub fn path(&self) -> &str {
        match self {
            DirectoryError::Read { .. } => "",
            DirectoryError::Syntax { path, .. } | DirectoryError::Invalid { path, .. } => path,
        }
    }
}

pub(super) fn from_toml(text: &str, origin: &str) -> Result<Directory, DirectoryError> {
    let syntax = |path: String, error: toml::de::Error| {
        let (line, column) = error
            .span()
            .map(|s| line_column(text, s.start))
            .unwrap_or((1, 1));
        DirectoryError::Syntax {
            origin: origin.to_owned(),
            line,
            column,
            path,
            message: error.message().trim().to_owned(),
        }
    };
    // TOML syntax errors come from parsing (no field path yet), shape errors from serde.
    let deserializer = toml::Deserializer::parse(text).map_err(|e| syntax(String::new(), e))?;
    let raw: RawDirectory = serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        syntax(path, e.into_inner())
    })?;
    Builder { origin }.build(raw)
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

struct Builder<'a> {
    origin: &'a str,
}

impl Builder<'_> {
    fn err(&self, path: impl Into<String>, message: impl Into<String>) -> DirectoryError {
        DirectoryError::Invalid {
            origin: self.origin.to_owned(),
            path: path.into(),
            message: message.into(),
        }
    }

    fn build(&self, raw: RawDirectory) -> Result<Directory, DirectoryError> {
        let limits = raw.limits.unwrap_or_default();
        let mut ids = HashSet::new();
        let mut aliases = HashSet::new();
        let mut bucket_names: HashMap<String, (usize, usize)> = HashMap::new();
        let mut accounts = Vec::with_capacity(raw.accounts.len());
        // Request settings name groups and users of any account: resolved once all are built.
        let mut requests = Vec::new();
        for (ai, mut account) in raw.accounts.into_iter().enumerate() {
            for (ri, role) in account.roles.iter_mut().enumerate() {
                if let Some(settings) = role.requests.take() {
                    requests.push((ai, ri, settings));
                }
            }
            let p = format!("accounts[{ai}]");
            if !is_account_id(&account.id) {
                return Err(self.err(
                    format!("{p}.id"),
                    format!(
                        "\"{}\" is not an account ID (expected 12 digits)",
                        account.id
                    ),
                ));
            }
            if !ids.insert(account.id.clone()) {
                return Err(self.err(
                    format!("{p}.id"),
                    format!("duplicate account ID \"{}\"", account.id),
                ));
            }
            if let Some(alias) = &account.alias {
                check_alias(alias).map_err(|m| self.err(format!("{p}.alias"), m))?;
                if !aliases.insert(alias.to_ascii_lowercase()) {
                    return Err(
                        self.err(format!("{p}.alias"), format!("duplicate alias \"{alias}\""))
                    );
                }
            }
            for (bi, bucket) in account.buckets.iter().enumerate() {
                if bucket_names.insert(bucket.name.clone(), (ai, bi)).is_some() {
                    return Err(self.err(
                        format!("{p}.buckets[{bi}].name"),
                        format!(
                            "duplicate bucket name \"{}\" (bucket names are global)",
                            bucket.name
                        ),
                    ));
                }
            }
            accounts.push(self.account(account, &p, &limits)?);
        }
        let organization = match raw.organization {
            Some(org) => {
                let err = |path: String, message: String| self.err(path, message);
                Some(OrgBuilder { err: &err }.build(org, &mut accounts)?)
            }
            None => None,
        };
        let mut directory = Directory {
            demo: raw.demo,
            limits,
            accounts,
            buckets: bucket_names,
            organization,
        };
        for (ai, ri, raw_settings) in requests {
            let settings = super::requests::resolve(&directory, &raw_settings).map_err(
                |(field, message)| {
                    self.err(
                        format!("accounts[{ai}].roles[{ri}].requests.{field}"),
                        message,
                    )
                },
            )?;
            directory.accounts[ai].roles[ri].requests = Some(settings);
        }
        Ok(directory)
    }

    fn policy(
        &self,
        text: &str,
        kind: PolicyKind,
        limit: usize,
        path: &str,
    ) -> Result<Arc<Policy>, DirectoryError> {
        Policy::parse(text, kind, limit)
            .map(Arc::new)
            .map_err(|e| self.err(path, e.to_string()))
    }

    fn path_or_root(&self, path: Option<&str>, at: String) -> Result<String, DirectoryError> {
        let path = path.unwrap_or("/");
        check_path(path).map_err(|m| self.err(at, m))?;
        Ok(path.to_owned())
    }

    fn unique_name(
        &self,
        seen: &mut HashSet<String>,
        name: &str,
        path: String,
        what: &str,
    ) -> Result<(), DirectoryError> {
        if !seen.insert(name.to_ascii_lowercase()) {
            return Err(self.err(
                path,
                format!("duplicate {what} name \"{name}\" (names are case-insensitive)"),
            ));
        }
        Ok(())
    }

    /// Inline policies of one owner; `aggregate` is AWS's limit on their sum.
    fn inline_policies(
        &self,
        list: &[RawInlinePolicy],
        owner_label: &str,
        path: &str,
        aggregate: usize,
    ) -> Result<Vec<NamedPolicy>, DirectoryError> {
        let mut out = Vec::with_capacity(list.len());
        let mut names = HashSet::new();
        let mut total = 0;
        for (i, inline) in list.iter().enumerate() {
            let p = format!("{path}.inline_policies[{i}]");
            check_iam_name(&inline.name, 128).map_err(|m| self.err(format!("{p}.name"), m))?;
            self.unique_name(
                &mut names,
                &inline.name,
                format!("{p}.name"),
                "inline policy",
            )?;
            total += policy_size(&inline.document);
            if total > aggregate {
                return Err(self.err(
                    format!("{p}.document"),
                    format!(
                        "the inline policies of {owner_label} add up to {total} characters (without white space); the limit is {aggregate}"
                    ),
                ));
            }
            let policy = self.policy(
                &inline.document,
                PolicyKind::Identity,
                aggregate,
                &format!("{p}.document"),
            )?;
            out.push(NamedPolicy {
                label: format!("{owner_label} / inline policy {}", inline.name).into(),
                policy,
            });
        }
        Ok(out)
    }

    fn managed_refs(
        &self,
        refs: &[String],
        managed: &HashMap<String, &ManagedPolicy>,
        path: &str,
    ) -> Result<Vec<NamedPolicy>, DirectoryError> {
        let mut out = Vec::with_capacity(refs.len());
        let mut seen = HashSet::new();
        for (i, name) in refs.iter().enumerate() {
            let p = format!("{path}.managed_policies[{i}]");
            let policy = managed
                .get(&name.to_ascii_lowercase())
                .ok_or_else(|| self.err(p.clone(), format!("unknown managed policy \"{name}\"")))?;
            if !seen.insert(name.to_ascii_lowercase()) {
                return Err(self.err(p, format!("managed policy \"{name}\" is attached twice")));
            }
            out.push(NamedPolicy {
                label: format!("managed policy {}", policy.arn).into(),
                policy: policy.policy.clone(),
            });
        }
        Ok(out)
    }

    fn boundary(
        &self,
        name: Option<&str>,
        managed: &HashMap<String, &ManagedPolicy>,
        path: String,
    ) -> Result<Option<NamedPolicy>, DirectoryError> {
        let Some(name) = name else { return Ok(None) };
        let policy = managed
            .get(&name.to_ascii_lowercase())
            .ok_or_else(|| self.err(path, format!("unknown managed policy \"{name}\"")))?;
        Ok(Some(NamedPolicy {
            label: format!("permissions boundary {}", policy.arn).into(),
            policy: policy.policy.clone(),
        }))
    }

    /// An optional field that `check` validates and normalises; its error names `path`.
    fn optional(
        &self,
        value: Option<&str>,
        check: fn(&str) -> Result<String, String>,
        path: String,
    ) -> Result<Option<String>, DirectoryError> {
        value.map(check).transpose().map_err(|m| self.err(path, m))
    }

    fn tags(&self, tags: &BTreeMap<String, String>, path: &str) -> Result<(), DirectoryError> {
        if tags.len() > 50 {
            return Err(self.err(path, "more than 50 tags"));
        }
        for (k, v) in tags {
            if k.is_empty() || k.chars().count() > 128 || k.to_ascii_lowercase().starts_with("aws:")
            {
                return Err(self.err(
                    format!("{path}.{k}"),
                    "tag keys must be 1 to 128 characters and must not start with \"aws:\"",
                ));
            }
            if v.chars().count() > 256 {
                return Err(self.err(
                    format!("{path}.{k}"),
                    "tag values must be at most 256 characters",
                ));
            }
        }
        Ok(())
    }

    fn account(
        &self,
        raw: RawAccount,
        p: &str,
        limits: &Limits,
    ) -> Result<Account, DirectoryError> {
        let id = raw.id.clone();

        // Managed policies first: everything else refers to them.
        let mut policies = Vec::with_capacity(raw.policies.len());
        let mut seen = HashSet::new();
        for (i, mp) in raw.policies.iter().enumerate() {
            let pp = format!("{p}.policies[{i}]");
            check_iam_name(&mp.name, 128).map_err(|m| self.err(format!("{pp}.name"), m))?;
            self.unique_name(&mut seen, &mp.name, format!("{pp}.name"), "managed policy")?;
            let path = self.path_or_root(mp.path.as_deref(), format!("{pp}.path"))?;
            let policy = self.policy(
                &mp.document,
                PolicyKind::Identity,
                limits.managed_policy,
                &format!("{pp}.document"),
            )?;
            policies.push(ManagedPolicy {
                arn: format!("arn:aws:iam::{id}:policy{path}{}", mp.name),
                name: mp.name.clone(),
                description: mp.description.clone(),
                policy,
            });
        }
        let managed: HashMap<String, &ManagedPolicy> = policies
            .iter()
            .map(|m| (m.name.to_ascii_lowercase(), m))
            .collect();

        let mut groups = Vec::with_capacity(raw.groups.len());
        let mut seen = HashSet::new();
        for (i, g) in raw.groups.iter().enumerate() {
            let gp = format!("{p}.groups[{i}]");
            check_iam_name(&g.name, 128).map_err(|m| self.err(format!("{gp}.name"), m))?;
            self.unique_name(&mut seen, &g.name, format!("{gp}.name"), "group")?;
            let path = self.path_or_root(g.path.as_deref(), format!("{gp}.path"))?;
            let mut group_policies = self.inline_policies(
                &g.inline_policies,
                &format!("group {}", g.name),
                &gp,
                limits.group_inline,
            )?;
            group_policies.extend(self.managed_refs(&g.managed_policies, &managed, &gp)?);
            groups.push(Group {
                arn: format!("arn:aws:iam::{id}:group{path}{}", g.name),
                name: g.name.clone(),
                path,
                policies: group_policies,
            });
        }

        let mut users = Vec::with_capacity(raw.users.len());
        let mut seen = HashSet::new();
        for (i, u) in raw.users.iter().enumerate() {
            let up = format!("{p}.users[{i}]");
            check_iam_name(&u.name, 64).map_err(|m| self.err(format!("{up}.name"), m))?;
            self.unique_name(&mut seen, &u.name, format!("{up}.name"), "user")?;
            let path = self.path_or_root(u.path.as_deref(), format!("{up}.path"))?;
            if let Some(hash) = &u.password_hash
                && !hash.starts_with("$argon2id$")
            {
                return Err(self.err(
                    format!("{up}.password_hash"),
                    "expected an argon2id hash in PHC format (\"$argon2id$v=19$...\")",
                ));
            }
            self.tags(&u.tags, &format!("{up}.tags"))?;
            let email = self.optional(u.email.as_deref(), check_email, format!("{up}.email"))?;
            let mut identity = self.inline_policies(
                &u.inline_policies,
                &format!("user {}", u.name),
                &up,
                limits.user_inline,
            )?;
            identity.extend(self.managed_refs(&u.managed_policies, &managed, &up)?);
            let mut member_of = HashSet::new();
            for (gi, gname) in u.groups.iter().enumerate() {
                let gpath = format!("{up}.groups[{gi}]");
                let group = groups
                    .iter()
                    .find(|g| g.name.eq_ignore_ascii_case(gname))
                    .ok_or_else(|| self.err(gpath.clone(), format!("unknown group \"{gname}\"")))?;
                if !member_of.insert(group.name.to_ascii_lowercase()) {
                    return Err(self.err(gpath, format!("group \"{gname}\" is listed twice")));
                }
                identity.extend(group.policies.iter().cloned());
            }
            if member_of.len() > 10 {
                return Err(self.err(format!("{up}.groups"), "a user can be in at most 10 groups"));
            }
            let permissions_boundary = self.boundary(
                u.permissions_boundary.as_deref(),
                &managed,
                format!("{up}.permissions_boundary"),
            )?;
            users.push(User {
                arn: format!("arn:aws:iam::{id}:user{path}{}", u.name),
                user_id: stable_id("AIDA", &["user", &id, &u.name]),
                name: u.name.clone(),
                path,
                groups: u.groups.clone(),
                password_hash: u.password_hash.clone(),
                email,
                require_mfa: u.require_mfa,
                tags: u.tags.clone(),
                identity_policies: identity,
                permissions_boundary,
                cache: Default::default(),
            });
        }

        let mut roles = Vec::with_capacity(raw.roles.len());
        let mut seen = HashSet::new();
        for (i, r) in raw.roles.iter().enumerate() {
            let rp = format!("{p}.roles[{i}]");
            check_iam_name(&r.name, 64).map_err(|m| self.err(format!("{rp}.name"), m))?;
            self.unique_name(&mut seen, &r.name, format!("{rp}.name"), "role")?;
            let path = self.path_or_root(r.path.as_deref(), format!("{rp}.path"))?;
            let max = r.max_session_duration.unwrap_or(3600);
            if !(3600..=43200).contains(&max) {
                return Err(self.err(
                    format!("{rp}.max_session_duration"),
                    format!("{max} is out of range (3600 to 43200 seconds)"),
                ));
            }
            let default = r.default_session_duration.unwrap_or(3600.min(max));
            if !(900..=max).contains(&default) {
                return Err(self.err(
                    format!("{rp}.default_session_duration"),
                    format!(
                        "{default} is out of range (900 seconds to max_session_duration, {max})"
                    ),
                ));
            }
            self.tags(&r.tags, &format!("{rp}.tags"))?;
            let console_display_name = self.optional(
                r.console_display_name.as_deref(),
                check_display_name,
                format!("{rp}.console_display_name"),
            )?;
            let console_color = self.optional(
                r.console_color.as_deref(),
                check_color,
                format!("{rp}.console_color"),
            )?;
            let arn = format!("arn:aws:iam::{id}:role{path}{}", r.name);
            let trust = self.policy(
                &r.trust_policy,
                PolicyKind::Trust,
                limits.trust_policy,
                &format!("{rp}.trust_policy"),
            )?;
            let mut permission_policies = self.inline_policies(
                &r.inline_policies,
                &format!("role {}", r.name),
                &rp,
                limits.role_inline,
            )?;
            permission_policies.extend(self.managed_refs(&r.managed_policies, &managed, &rp)?);
            let permissions_boundary = self.boundary(
                r.permissions_boundary.as_deref(),
                &managed,
                format!("{rp}.permissions_boundary"),
            )?;
            roles.push(Role {
                trust_policy: NamedPolicy {
                    label: format!("role {} / trust policy", r.name).into(),
                    policy: trust,
                },
                role_id: stable_id("AROA", &["role", &id, &r.name]),
                account_id: id.clone(),
                name: r.name.clone(),
                path,
                arn,
                description: r.description.clone(),
                max_session_duration: Duration::from_secs(max),
                default_session_duration: Duration::from_secs(default),
                permission_policies,
                permissions_boundary,
                tags: r.tags.clone(),
                console_display_name,
                console_color,
                requests: None,
            });
        }

        let mut buckets = Vec::with_capacity(raw.buckets.len());
        for (i, b) in raw.buckets.iter().enumerate() {
            let bp = format!("{p}.buckets[{i}]");
            check_bucket_name(&b.name).map_err(|m| self.err(format!("{bp}.name"), m))?;
            let policy = match &b.policy {
                Some(text) => Some(NamedPolicy {
                    label: format!("bucket {} / bucket policy", b.name).into(),
                    policy: self.policy(
                        text,
                        PolicyKind::Resource,
                        limits.bucket_policy,
                        &format!("{bp}.policy"),
                    )?,
                }),
                None => None,
            };
            let mut keys = HashSet::new();
            let mut sample_objects = Vec::with_capacity(b.sample_objects.len());
            for (oi, o) in b.sample_objects.iter().enumerate() {
                let op = format!("{bp}.sample_objects[{oi}].key");
                if o.key.is_empty() || o.key.len() > 1024 {
                    return Err(self.err(op, "object keys must be 1 to 1024 bytes long"));
                }
                if !keys.insert(o.key.as_str()) {
                    return Err(self.err(op, format!("duplicate object key \"{}\"", o.key)));
                }
                sample_objects.push(SampleObject {
                    key: o.key.clone(),
                    content_type: o
                        .content_type
                        .clone()
                        .unwrap_or_else(|| "application/octet-stream".into()),
                    content: o.content.clone(),
                });
            }
            buckets.push(Bucket {
                arn: format!("arn:aws:s3:::{}", b.name),
                name: b.name.clone(),
                policy,
                sample_objects,
            });
        }

        Ok(Account {
            id,
            alias: raw.alias,
            require_mfa: raw.require_mfa,
            users,
            groups,
            policies,
            roles,
            buckets,
            org: None,
        })
    }
}
