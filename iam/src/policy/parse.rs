//! Parsing and validation of policy JSON, with errors that carry the path of
//! the offending element (`Statement[1].Condition.Bool`).

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::error::{PolicyError, short};
use super::limits::policy_size;
use super::{
    ActionBlock, ActionPattern, Effect, Policy, PolicyKind, PolicyVersion, PrincipalBlock,
    PrincipalPattern, ResourceBlock, ResourcePattern, Statement,
};
use crate::conditions::Condition;
use crate::variables::Template;

impl Policy {
    /// Parse and validate a policy document. `max_chars` is the size limit
    /// (see [`super::Limits`]), counted without white space.
    pub fn parse(text: &str, kind: PolicyKind, max_chars: usize) -> Result<Policy, PolicyError> {
        Policy::compile(&parse_json(text, max_chars)?, kind, false)
    }

    /// [`Policy::from_value_lenient`] for a document given as text (no size limit).
    pub fn parse_lenient(text: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
        Policy::compile(&parse_json(text, usize::MAX)?, kind, true)
    }

    /// Validate an already-parsed JSON document (no size limit applies).
    pub fn from_value(value: &Value, kind: PolicyKind) -> Result<Policy, PolicyError> {
        Policy::compile(value, kind, false)
    }

    /// Parse a document the way AWS *evaluates* it rather than the way IAM
    /// accepts it at creation, for the simulator: an action string that is
    /// not an action name matches nothing, a statement with a `Principal`
    /// where none belongs (or without one where it is required) is kept but
    /// never applies ([`Statement::ignored`] says why), duplicate `Sid`s are
    /// accepted. Everything else is validated as by [`Policy::from_value`].
    pub fn from_value_lenient(value: &Value, kind: PolicyKind) -> Result<Policy, PolicyError> {
        Policy::compile(value, kind, true)
    }

    fn compile(value: &Value, kind: PolicyKind, lenient: bool) -> Result<Policy, PolicyError> {
        let doc = value
            .as_object()
            .ok_or_else(|| PolicyError::new("", "expected a JSON object"))?;
        for key in doc.keys() {
            if !matches!(key.as_str(), "Version" | "Id" | "Statement") {
                return Err(PolicyError::new(key.clone(), "unknown element"));
            }
        }
        let version = match doc.get("Version") {
            None => PolicyVersion::V2008_10_17,
            Some(Value::String(v)) if v == "2012-10-17" => PolicyVersion::V2012_10_17,
            Some(Value::String(v)) if v == "2008-10-17" => PolicyVersion::V2008_10_17,
            Some(other) => {
                return Err(PolicyError::new(
                    "Version",
                    format!(
                        "expected \"2012-10-17\" or \"2008-10-17\", found {}",
                        short(other)
                    ),
                ));
            }
        };
        let id = match doc.get("Id") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                return Err(PolicyError::new(
                    "Id",
                    format!("expected a string, found {}", short(other)),
                ));
            }
        };
        let statements = match doc.get("Statement") {
            None => return Err(PolicyError::new("Statement", "missing")),
            Some(Value::Object(obj)) => {
                vec![parse_statement(
                    obj,
                    0,
                    "Statement".into(),
                    kind,
                    version,
                    lenient,
                )?]
            }
            Some(Value::Array(items)) => {
                if items.is_empty() {
                    return Err(PolicyError::new(
                        "Statement",
                        "must hold at least one statement",
                    ));
                }
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let path = format!("Statement[{i}]");
                    let obj = item.as_object().ok_or_else(|| {
                        PolicyError::new(
                            path.clone(),
                            format!("expected an object, found {}", short(item)),
                        )
                    })?;
                    out.push(parse_statement(obj, i, path, kind, version, lenient)?);
                }
                out
            }
            Some(other) => {
                return Err(PolicyError::new(
                    "Statement",
                    format!("expected an object or an array, found {}", short(other)),
                ));
            }
        };
        let mut sids = HashSet::new();
        for s in statements.iter().filter(|_| !lenient) {
            if let Some(sid) = &s.sid
                && !sids.insert(sid.as_str())
            {
                return Err(PolicyError::new(
                    format!("Statement[{}].Sid", s.index),
                    format!("duplicate Sid \"{sid}\""),
                ));
            }
        }
        Ok(Policy {
            version,
            id,
            statements,
            kind,
        })
    }
}

fn parse_statement(
    obj: &Map<String, Value>,
    index: usize,
    path: String,
    kind: PolicyKind,
    version: PolicyVersion,
    lenient: bool,
) -> Result<Statement, PolicyError> {
    let mut ignored: Option<Arc<str>> = None;
    for key in obj.keys() {
        if !matches!(
            key.as_str(),
            "Sid"
                | "Effect"
                | "Action"
                | "NotAction"
                | "Resource"
                | "NotResource"
                | "Principal"
                | "NotPrincipal"
                | "Condition"
        ) {
            return Err(PolicyError::new(format!("{path}.{key}"), "unknown element"));
        }
    }
    let sid = match obj.get("Sid") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            return Err(PolicyError::new(
                format!("{path}.Sid"),
                format!("expected a string, found {}", short(other)),
            ));
        }
    };
    let effect = match obj.get("Effect") {
        Some(Value::String(e)) if e == "Allow" => Effect::Allow,
        Some(Value::String(e)) if e == "Deny" => Effect::Deny,
        Some(other) => {
            return Err(PolicyError::new(
                format!("{path}.Effect"),
                format!("expected \"Allow\" or \"Deny\", found {}", short(other)),
            ));
        }
        None => return Err(PolicyError::new(format!("{path}.Effect"), "missing")),
    };
    let actions = match one_of(obj, &path, "Action", "NotAction")? {
        None => {
            return Err(PolicyError::new(
                format!("{path}.Action"),
                "missing (a statement needs Action or NotAction)",
            ));
        }
        Some((name, negated, value)) => {
            let p = format!("{path}.{name}");
            let mut patterns = Vec::new();
            for (i, item) in string_list(value, &p)? {
                patterns.push(match parse_action(item, &item_path(&p, i)) {
                    Ok(action) => ActionPattern::new(&action),
                    Err(_) if lenient => ActionPattern::Never,
                    Err(e) => return Err(e),
                });
            }
            ActionBlock { negated, patterns }
        }
    };
    let resources = match one_of(obj, &path, "Resource", "NotResource")? {
        // Trust policies have no Resource (the role is the resource); an SCP
        // without one limits every resource.
        None if matches!(kind, PolicyKind::Trust | PolicyKind::ServiceControl) => None,
        None => {
            return Err(PolicyError::new(
                format!("{path}.Resource"),
                "missing (a statement needs Resource or NotResource)",
            ));
        }
        Some((name, _, _)) if kind == PolicyKind::Trust && !lenient => {
            return Err(PolicyError::new(
                format!("{path}.{name}"),
                "not allowed in a trust policy",
            ));
        }
        Some((name, negated, value)) => {
            let p = format!("{path}.{name}");
            let mut patterns = Vec::new();
            for (i, item) in string_list(value, &p)? {
                patterns.push(match parse_resource(item, &item_path(&p, i), version) {
                    Ok(pattern) => pattern,
                    Err(_) if lenient => ResourcePattern::Never,
                    Err(e) => return Err(e),
                });
            }
            Some(ResourceBlock { negated, patterns })
        }
    };
    let principals = match one_of(obj, &path, "Principal", "NotPrincipal")? {
        None if kind.has_principals() => {
            let message =
                "missing (a resource or trust policy statement needs Principal or NotPrincipal)";
            if !lenient {
                return Err(PolicyError::new(format!("{path}.Principal"), message));
            }
            ignored = Some(format!("Principal is {message}").into());
            None
        }
        None => None,
        Some((name, _, _)) if !kind.has_principals() => {
            let message =
                "not allowed in an identity-based, boundary, session or service control policy";
            if !lenient {
                return Err(PolicyError::new(format!("{path}.{name}"), message));
            }
            ignored = Some(format!("{name} is {message}").into());
            None
        }
        Some((name, negated, value)) => Some(PrincipalBlock {
            negated,
            principals: parse_principals(value, &format!("{path}.{name}"))?,
        }),
    };
    let conditions = match obj.get("Condition") {
        None => Vec::new(),
        Some(value) => {
            Condition::parse_block(value, &format!("{path}.Condition"), version.has_variables())?
        }
    };
    let label = match &sid {
        Some(sid) => format!("Statement[{index}] (Sid \"{sid}\")"),
        None => format!("Statement[{index}]"),
    };
    Ok(Statement {
        index,
        written: Arc::new(Value::Object(obj.clone())),
        label: label.into(),
        sid,
        effect,
        actions,
        resources,
        principals,
        conditions,
        ignored,
    })
}

/// The element present among a positive/negated pair (`Action`/`NotAction`).
fn one_of<'v>(
    obj: &'v Map<String, Value>,
    path: &str,
    positive: &'static str,
    negated: &'static str,
) -> Result<Option<(&'static str, bool, &'v Value)>, PolicyError> {
    match (obj.get(positive), obj.get(negated)) {
        (Some(_), Some(_)) => Err(PolicyError::new(
            format!("{path}.{negated}"),
            format!("a statement cannot have both {positive} and {negated}"),
        )),
        (Some(v), None) => Ok(Some((positive, false, v))),
        (None, Some(v)) => Ok(Some((negated, true, v))),
        (None, None) => Ok(None),
    }
}

/// A string or a non-empty array of strings; yields (index in array, item).
fn string_list<'v>(
    value: &'v Value,
    path: &str,
) -> Result<Vec<(Option<usize>, &'v str)>, PolicyError> {
    match value {
        Value::String(s) => Ok(vec![(None, s.as_str())]),
        Value::Array(items) if items.is_empty() => Err(PolicyError::new(path, "must not be empty")),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok((Some(i), s.as_str())),
                other => Err(PolicyError::new(
                    format!("{path}[{i}]"),
                    format!("expected a string, found {}", short(other)),
                )),
            })
            .collect(),
        other => Err(PolicyError::new(
            path,
            format!(
                "expected a string or an array of strings, found {}",
                short(other)
            ),
        )),
    }
}

fn item_path(path: &str, index: Option<usize>) -> String {
    match index {
        Some(i) => format!("{path}[{i}]"),
        None => path.to_owned(),
    }
}

fn parse_action(text: &str, path: &str) -> Result<String, PolicyError> {
    if text == "*" {
        return Ok("*".into());
    }
    let valid = match text.split_once(':') {
        Some((service, name)) => {
            !service.is_empty()
                && service
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '*' | '?' | '-' | '_'))
        }
        None => false,
    };
    if !valid {
        return Err(PolicyError::new(
            path,
            format!(
                "\"{text}\" is not an action (expected \"service:Action\", wildcards allowed, or \"*\")"
            ),
        ));
    }
    Ok(text.to_ascii_lowercase())
}

fn parse_resource(
    text: &str,
    path: &str,
    version: PolicyVersion,
) -> Result<ResourcePattern, PolicyError> {
    if !text.is_empty() && text.chars().all(|c| c == '*') {
        return Ok(ResourcePattern::Any);
    }
    if !text.starts_with("arn:") || text.splitn(6, ':').count() < 6 {
        return Err(PolicyError::new(
            path,
            format!(
                "\"{text}\" is not an ARN (expected \"arn:partition:service:region:account:resource\" or \"*\")"
            ),
        ));
    }
    Ok(ResourcePattern::Arn(Template::compile(
        text,
        version.has_variables(),
        true,
    )))
}

fn parse_principals(value: &Value, path: &str) -> Result<Vec<PrincipalPattern>, PolicyError> {
    let obj = match value {
        Value::String(s) if s == "*" => return Ok(vec![PrincipalPattern::Any]),
        Value::Object(obj) if !obj.is_empty() => obj,
        Value::Object(_) => return Err(PolicyError::new(path, "must name at least one principal")),
        other => {
            return Err(PolicyError::new(
                path,
                format!(
                    "expected \"*\" or an object such as {{\"AWS\": ...}}, found {}",
                    short(other)
                ),
            ));
        }
    };
    let mut out = Vec::new();
    for (kind, list) in obj {
        let p = format!("{path}.{kind}");
        for (i, item) in string_list(list, &p)? {
            let ip = item_path(&p, i);
            let principal = match kind.as_str() {
                "AWS" => parse_aws_principal(item, &ip)?,
                "Service" => {
                    no_partial_wildcard(item, &ip)?;
                    if item == "*" {
                        PrincipalPattern::Any
                    } else {
                        PrincipalPattern::Service(item.to_owned())
                    }
                }
                "Federated" => {
                    no_partial_wildcard(item, &ip)?;
                    PrincipalPattern::Federated(item.to_owned())
                }
                "CanonicalUser" => {
                    no_partial_wildcard(item, &ip)?;
                    PrincipalPattern::CanonicalUser(item.to_owned())
                }
                _ => {
                    return Err(PolicyError::new(
                        p,
                        "unknown principal type (expected AWS, Service, Federated or CanonicalUser)",
                    ));
                }
            };
            out.push(principal);
        }
    }
    Ok(out)
}

fn no_partial_wildcard(text: &str, path: &str) -> Result<(), PolicyError> {
    if text != "*" && (text.contains('*') || text.contains('?')) {
        return Err(PolicyError::new(
            path,
            format!("\"{text}\": wildcards are not allowed in a principal, except \"*\" alone"),
        ));
    }
    Ok(())
}

fn parse_aws_principal(text: &str, path: &str) -> Result<PrincipalPattern, PolicyError> {
    if text == "*" {
        return Ok(PrincipalPattern::Any);
    }
    no_partial_wildcard(text, path)?;
    if is_account_id(text) {
        return Ok(PrincipalPattern::Account(text.to_owned()));
    }
    let bad = || {
        PolicyError::new(
            path,
            format!(
                "\"{text}\" is not an AWS principal (expected \"*\", an account ID, or an account root, user, role or assumed-role ARN)"
            ),
        )
    };
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    let [arn, _partition, service, region, account, resource] = parts.as_slice() else {
        return Err(bad());
    };
    if *arn != "arn" || !region.is_empty() || !is_account_id(account) {
        return Err(bad());
    }
    match (*service, *resource) {
        ("iam", "root") => Ok(PrincipalPattern::Account((*account).to_owned())),
        ("iam", r) if r.starts_with("user/") || r.starts_with("role/") => {
            Ok(PrincipalPattern::Arn(text.to_owned()))
        }
        ("sts", r) if r.starts_with("assumed-role/") && r.matches('/').count() == 2 => {
            Ok(PrincipalPattern::Arn(text.to_owned()))
        }
        _ => Err(bad()),
    }
}

pub(crate) fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

fn strip_position(e: &serde_json::Error) -> String {
    let full = e.to_string();
    match full.rfind(" at line ") {
        Some(i) => full[..i].to_owned(),
        None => full,
    }
}

/// The JSON of a policy document given as text, within its size limit.
fn parse_json(text: &str, max_chars: usize) -> Result<Value, PolicyError> {
    let size = policy_size(text);
    if size > max_chars {
        return Err(PolicyError::new(
            "",
            format!(
                "policy is {size} characters long (without white space); the limit is {max_chars}"
            ),
        ));
    }
    serde_json::from_str(text).map_err(|e| {
        PolicyError::new(
            "",
            format!(
                "not valid JSON (line {}, column {}): {}",
                e.line(),
                e.column(),
                strip_position(&e)
            ),
        )
    })
}
