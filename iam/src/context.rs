//! The request context: the condition keys a request carries.
//!
//! Keys compare case-insensitively (AWS treats `aws:SourceIp` and
//! `aws:sourceip` alike), so they are stored lowercased. A request carries a
//! handful of keys, so a vector with linear search beats a hash map here.

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A context value: one string or a set of strings (multivalued keys such as
/// `aws:TagKeys`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ContextValue {
    Single(String),
    Multi(Vec<String>),
}

impl ContextValue {
    pub fn values(&self) -> &[String] {
        match self {
            ContextValue::Single(v) => std::slice::from_ref(v),
            ContextValue::Multi(v) => v,
        }
    }
}

impl From<String> for ContextValue {
    fn from(v: String) -> Self {
        ContextValue::Single(v)
    }
}

impl From<&str> for ContextValue {
    fn from(v: &str) -> Self {
        ContextValue::Single(v.to_owned())
    }
}

impl From<Vec<String>> for ContextValue {
    fn from(v: Vec<String>) -> Self {
        ContextValue::Multi(v)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    entries: Vec<(Cow<'static, str>, ContextValue)>,
    /// Keys shared by many requests (those that describe the principal),
    /// computed once; entries here shadow them.
    parent: Option<Arc<RequestContext>>,
}

impl RequestContext {
    pub fn new() -> Self {
        Self::default()
    }

    /// Set a key (replacing an earlier value of the same key).
    pub fn insert(&mut self, key: &str, value: impl Into<ContextValue>) {
        let key = if key.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(key.to_ascii_lowercase())
        } else {
            Cow::Owned(key.to_owned())
        };
        self.insert_key(key, value.into());
    }

    /// Set a well-known key (already lowercase, see [`keys`]) without
    /// allocating for the key.
    pub fn insert_known(&mut self, key: &'static str, value: impl Into<ContextValue>) {
        debug_assert!(!key.bytes().any(|b| b.is_ascii_uppercase()));
        self.insert_key(Cow::Borrowed(key), value.into());
    }

    fn insert_key(&mut self, key: Cow<'static, str>, value: ContextValue) {
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    /// A context on top of shared keys.
    pub fn with_parent(parent: Arc<RequestContext>) -> Self {
        RequestContext {
            entries: Vec::with_capacity(8),
            parent: Some(parent),
        }
    }

    /// Look a key up, case-insensitively.
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        self.entries
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
            .or_else(|| self.parent.as_deref().and_then(|p| p.get(key)))
    }

    /// The value of a single-valued key; a multivalued key has none (it cannot
    /// stand in for a policy variable).
    pub fn single(&self, key: &str) -> Option<&str> {
        match self.get(key)? {
            ContextValue::Single(v) => Some(v),
            ContextValue::Multi(_) => None,
        }
    }

    /// All keys (lowercased) and values, own ones first.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ContextValue)> {
        let own = self.entries.iter().map(|(k, v)| (k.as_ref(), v));
        let inherited = self
            .parent
            .as_deref()
            .map(|p| p.iter().collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .filter(|(k, _)| !self.entries.iter().any(|(own, _)| own == k));
        own.chain(inherited)
    }

    pub fn len(&self) -> usize {
        self.iter().count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Well-known keys, lowercased.
pub mod keys {
    pub const CURRENT_TIME: &str = "aws:currenttime";
    pub const EPOCH_TIME: &str = "aws:epochtime";
    pub const MFA_PRESENT: &str = "aws:multifactorauthpresent";
    pub const MFA_AGE: &str = "aws:multifactorauthage";
    pub const SOURCE_IP: &str = "aws:sourceip";
    pub const PRINCIPAL_ARN: &str = "aws:principalarn";
    pub const PRINCIPAL_ACCOUNT: &str = "aws:principalaccount";
    pub const PRINCIPAL_TYPE: &str = "aws:principaltype";
    pub const USERNAME: &str = "aws:username";
    pub const USERID: &str = "aws:userid";
    pub const SOURCE_IDENTITY: &str = "aws:sourceidentity";
    pub const PRINCIPAL_TAG_PREFIX: &str = "aws:principaltag/";
    pub const RESOURCE_ACCOUNT: &str = "aws:resourceaccount";
    pub const PRINCIPAL_ORG_ID: &str = "aws:principalorgid";
    pub const PRINCIPAL_ORG_PATHS: &str = "aws:principalorgpaths";
    pub const RESOURCE_ORG_ID: &str = "aws:resourceorgid";
    pub const RESOURCE_ORG_PATHS: &str = "aws:resourceorgpaths";
    pub const PRINCIPAL_IS_AWS_SERVICE: &str = "aws:principalisawsservice";
    pub const SECURE_TRANSPORT: &str = "aws:securetransport";
    pub const TOKEN_ISSUE_TIME: &str = "aws:tokenissuetime";
    pub const ROLE_SESSION_NAME: &str = "sts:rolesessionname";
    pub const STS_SOURCE_IDENTITY: &str = "sts:sourceidentity";
    pub const EXTERNAL_ID: &str = "sts:externalid";
}
