//! Condition operators: parsing a `Condition` block and deciding it against
//! a request context.
//!
//! Semantics (AWS IAM User Guide, "Condition operators" and "Conditions with
//! multiple context keys or values"):
//! - operators and keys are AND-ed; the values of one key are OR-ed, and
//!   NOR-ed for a negated operator;
//! - a key absent from the request makes a condition false, a negated one
//!   true, `...IfExists` true, and `Null` tests exactly that;
//! - `ForAnyValue:` needs one request value to satisfy the operator (false
//!   for an absent key), `ForAllValues:` needs all of them (true for an
//!   absent or empty key);
//! - a policy variable without value makes its value match nothing; in a
//!   negated operator it makes the whole condition false, so that a missing
//!   value can never turn into a grant.

use std::net::IpAddr;

use base64::Engine as _;
use serde_json::Value;
use time::OffsetDateTime;

use crate::context::{ContextValue, RequestContext};
use crate::matching::{arn_match, glob_match};
use crate::policy::error::{PolicyError, short};
use crate::variables::Template;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetQualifier {
    ForAllValues,
    ForAnyValue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperatorKind {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

use OperatorKind as K;

const OPERATORS: &[(&str, OperatorKind)] = &[
    ("StringEquals", K::StringEquals),
    ("StringNotEquals", K::StringNotEquals),
    ("StringEqualsIgnoreCase", K::StringEqualsIgnoreCase),
    ("StringNotEqualsIgnoreCase", K::StringNotEqualsIgnoreCase),
    ("StringLike", K::StringLike),
    ("StringNotLike", K::StringNotLike),
    ("NumericEquals", K::NumericEquals),
    ("NumericNotEquals", K::NumericNotEquals),
    ("NumericLessThan", K::NumericLessThan),
    ("NumericLessThanEquals", K::NumericLessThanEquals),
    ("NumericGreaterThan", K::NumericGreaterThan),
    ("NumericGreaterThanEquals", K::NumericGreaterThanEquals),
    ("DateEquals", K::DateEquals),
    ("DateNotEquals", K::DateNotEquals),
    ("DateLessThan", K::DateLessThan),
    ("DateLessThanEquals", K::DateLessThanEquals),
    ("DateGreaterThan", K::DateGreaterThan),
    ("DateGreaterThanEquals", K::DateGreaterThanEquals),
    ("Bool", K::Bool),
    ("BinaryEquals", K::BinaryEquals),
    ("IpAddress", K::IpAddress),
    ("NotIpAddress", K::NotIpAddress),
    ("ArnEquals", K::ArnEquals),
    ("ArnLike", K::ArnLike),
    ("ArnNotEquals", K::ArnNotEquals),
    ("ArnNotLike", K::ArnNotLike),
    ("Null", K::Null),
];

impl OperatorKind {
    pub fn name(self) -> &'static str {
        OPERATORS
            .iter()
            .find(|(_, k)| *k == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }

    /// Negated operators are the complement of a positive one.
    pub fn is_negated(self) -> bool {
        matches!(
            self,
            K::StringNotEquals
                | K::StringNotEqualsIgnoreCase
                | K::StringNotLike
                | K::NumericNotEquals
                | K::DateNotEquals
                | K::NotIpAddress
                | K::ArnNotEquals
                | K::ArnNotLike
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operator {
    pub qualifier: Option<SetQualifier>,
    pub kind: OperatorKind,
    pub if_exists: bool,
}

impl Operator {
    pub fn parse(text: &str) -> Option<Operator> {
        let (qualifier, rest) = if let Some(r) = text.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), r)
        } else if let Some(r) = text.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), r)
        } else {
            (None, text)
        };
        let (if_exists, base) = match rest.strip_suffix("IfExists") {
            Some(b) => (true, b),
            None => (false, rest),
        };
        let kind = OPERATORS
            .iter()
            .find(|(n, _)| *n == base)
            .map(|(_, k)| *k)?;
        if kind == K::Null && (if_exists || qualifier.is_some()) {
            return None;
        }
        Some(Operator {
            qualifier,
            kind,
            if_exists,
        })
    }
}

impl std::fmt::Display for Operator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.qualifier {
            Some(SetQualifier::ForAllValues) => f.write_str("ForAllValues:")?,
            Some(SetQualifier::ForAnyValue) => f.write_str("ForAnyValue:")?,
            None => {}
        }
        f.write_str(self.kind.name())?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}

/// A policy value, compiled for its operator.
#[derive(Debug, Clone)]
enum PolicyValue {
    Text(Template),
    Number(f64),
    Date(OffsetDateTime),
    Binary(Vec<u8>),
    Cidr(Cidr),
    Null(bool),
}

/// One `operator: { key: values }` pair of a condition block.
#[derive(Debug, Clone)]
pub struct Condition {
    operator: Operator,
    key: String,
    key_lower: String,
    values: Vec<PolicyValue>,
}

impl Condition {
    pub fn operator(&self) -> Operator {
        self.operator
    }
    pub fn key(&self) -> &str {
        &self.key
    }

    /// `Bool: aws:MultiFactorAuthPresent` — for explanations.
    pub fn describe(&self) -> String {
        format!("{}: {}", self.operator, self.key)
    }

    /// [`Condition::describe`] with the value the request had, for a condition that failed:
    /// `Bool: aws:MultiFactorAuthPresent (the request had "false")`.
    pub fn describe_failure(&self, context: &RequestContext) -> String {
        let seen = match context.get(&self.key_lower) {
            None => format!("the request had no {}", self.key),
            Some(value) => {
                let quoted: Vec<String> = value.values().iter().map(|v| format!("{v:?}")).collect();
                match quoted.len() {
                    0 => "the request had no value".to_string(),
                    1 => format!("the request had {}", quoted[0]),
                    _ => format!("the request had [{}]", quoted.join(", ")),
                }
            }
        };
        format!("{} ({seen})", self.describe())
    }

    pub(crate) fn parse_block(
        value: &Value,
        path: &str,
        variables: bool,
    ) -> Result<Vec<Condition>, PolicyError> {
        let block = value.as_object().ok_or_else(|| {
            PolicyError::new(path, format!("expected an object, found {}", short(value)))
        })?;
        let mut out = Vec::new();
        for (op_name, keys) in block {
            let op_path = format!("{path}.{op_name}");
            let operator = Operator::parse(op_name)
                .ok_or_else(|| PolicyError::new(op_path.clone(), "unknown condition operator"))?;
            let keys = keys.as_object().ok_or_else(|| {
                PolicyError::new(
                    op_path.clone(),
                    format!("expected an object, found {}", short(keys)),
                )
            })?;
            if keys.is_empty() {
                return Err(PolicyError::new(
                    op_path,
                    "must name at least one condition key",
                ));
            }
            for (key, raw) in keys {
                let key_path = format!("{op_path}[\"{key}\"]");
                if key.is_empty() {
                    return Err(PolicyError::new(key_path, "empty condition key"));
                }
                let items: Vec<(String, &Value)> = match raw {
                    Value::Array(items) if items.is_empty() => {
                        return Err(PolicyError::new(key_path, "must hold at least one value"));
                    }
                    Value::Array(items) => items
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (format!("{key_path}[{i}]"), v))
                        .collect(),
                    single => vec![(key_path.clone(), single)],
                };
                let mut values = Vec::with_capacity(items.len());
                for (item_path, item) in items {
                    let text = match item {
                        Value::String(s) => s.clone(),
                        Value::Bool(b) => b.to_string(),
                        Value::Number(n) => n.to_string(),
                        other => {
                            return Err(PolicyError::new(
                                item_path,
                                format!(
                                    "expected a string, number or boolean, found {}",
                                    short(other)
                                ),
                            ));
                        }
                    };
                    values.push(compile_value(operator.kind, &text, &item_path, variables)?);
                }
                out.push(Condition {
                    operator,
                    key: key.clone(),
                    key_lower: key.to_ascii_lowercase(),
                    values,
                });
            }
        }
        Ok(out)
    }

    /// Decide this condition for a request.
    pub fn matches(&self, context: &RequestContext) -> bool {
        let present = context.get(&self.key_lower);
        if self.operator.kind == K::Null {
            // `"Null": {"key": "true"}` holds when the key is absent.
            let absent = match present {
                None => true,
                Some(ContextValue::Multi(v)) => v.is_empty(),
                Some(ContextValue::Single(_)) => false,
            };
            return self
                .values
                .iter()
                .any(|v| matches!(v, PolicyValue::Null(b) if *b == absent));
        }
        let Some(present) = present else {
            if self.operator.if_exists {
                return true;
            }
            return match self.operator.qualifier {
                Some(SetQualifier::ForAllValues) => true,
                Some(SetQualifier::ForAnyValue) => false,
                None => self.operator.kind.is_negated(),
            };
        };
        let negated = self.operator.kind.is_negated();
        let request_values = present.values();
        // Resolve the policy values once (variables come from the same request).
        let mut resolved: Vec<Resolved<'_>> = Vec::with_capacity(self.values.len());
        for v in &self.values {
            match v {
                PolicyValue::Text(t) => match t.resolve(context) {
                    Some(s) => resolved.push(Resolved::Text(s)),
                    None if negated => return false,
                    None => {}
                },
                other => resolved.push(Resolved::Other(other)),
            }
        }
        // Whether one request value satisfies the (positive form of the) operator.
        let positive = |request_value: &str| -> Option<bool> {
            let mut any = false;
            for pv in &resolved {
                if compare(self.operator.kind, request_value, pv)? {
                    any = true;
                    break;
                }
            }
            Some(any)
        };
        match self.operator.qualifier {
            None => {
                let mut any = false;
                for rv in request_values {
                    match positive(rv) {
                        Some(true) => {
                            any = true;
                            break;
                        }
                        Some(false) => {}
                        None => return false,
                    }
                }
                any != negated
            }
            Some(SetQualifier::ForAnyValue) => request_values
                .iter()
                .any(|rv| matches!(positive(rv), Some(m) if m != negated)),
            Some(SetQualifier::ForAllValues) => request_values
                .iter()
                .all(|rv| matches!(positive(rv), Some(m) if m != negated)),
        }
    }
}

enum Resolved<'a> {
    Text(std::borrow::Cow<'a, str>),
    Other(&'a PolicyValue),
}

/// Compare one request value with one policy value under the positive form of
/// the operator. `None` means the request value has the wrong type (not a
/// number, date, address...), which makes the whole condition false.
fn compare(kind: OperatorKind, request: &str, policy: &Resolved<'_>) -> Option<bool> {
    match (kind, policy) {
        (K::StringEquals | K::StringNotEquals, Resolved::Text(p)) => Some(request == p.as_ref()),
        (K::StringEqualsIgnoreCase | K::StringNotEqualsIgnoreCase, Resolved::Text(p)) => {
            Some(eq_ignore_case(request, p))
        }
        (K::StringLike | K::StringNotLike, Resolved::Text(p)) => {
            Some(glob_match(p, request, false))
        }
        (K::ArnEquals | K::ArnLike | K::ArnNotEquals | K::ArnNotLike, Resolved::Text(p)) => {
            Some(arn_match(p, request))
        }
        (K::Bool, Resolved::Text(p)) => {
            let r = parse_bool(request)?;
            Some(parse_bool(p) == Some(r))
        }
        (_, Resolved::Other(PolicyValue::Number(p))) => {
            let r: f64 = request.trim().parse().ok()?;
            Some(match kind {
                K::NumericEquals | K::NumericNotEquals => r == *p,
                K::NumericLessThan => r < *p,
                K::NumericLessThanEquals => r <= *p,
                K::NumericGreaterThan => r > *p,
                K::NumericGreaterThanEquals => r >= *p,
                _ => false,
            })
        }
        (_, Resolved::Other(PolicyValue::Date(p))) => {
            let r = parse_date(request)?;
            Some(match kind {
                K::DateEquals | K::DateNotEquals => r == *p,
                K::DateLessThan => r < *p,
                K::DateLessThanEquals => r <= *p,
                K::DateGreaterThan => r > *p,
                K::DateGreaterThanEquals => r >= *p,
                _ => false,
            })
        }
        (_, Resolved::Other(PolicyValue::Binary(p))) => {
            let r = base64::engine::general_purpose::STANDARD
                .decode(request.trim())
                .unwrap_or_else(|_| request.as_bytes().to_vec());
            Some(r == *p)
        }
        (_, Resolved::Other(PolicyValue::Cidr(c))) => {
            let ip: IpAddr = request.trim().parse().ok()?;
            Some(c.contains(ip))
        }
        _ => Some(false),
    }
}

fn eq_ignore_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Dates as AWS accepts them: ISO 8601 (`2025-01-31T12:00:00Z`, with or
/// without fractions or offset, or a bare date) or epoch seconds.
pub fn parse_date(s: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::{Iso8601, Rfc3339};
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        let secs: i64 = s.parse().ok()?;
        return OffsetDateTime::from_unix_timestamp(secs).ok();
    }
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    if let Ok(t) = OffsetDateTime::parse(s, &Iso8601::DEFAULT) {
        return Some(t);
    }
    if let Ok(t) = time::PrimitiveDateTime::parse(s, &Iso8601::DEFAULT) {
        return Some(t.assume_utc());
    }
    let date =
        time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
    Some(date.midnight().assume_utc())
}

fn compile_value(
    kind: OperatorKind,
    text: &str,
    path: &str,
    variables: bool,
) -> Result<PolicyValue, PolicyError> {
    Ok(match kind {
        K::StringEquals
        | K::StringNotEquals
        | K::StringEqualsIgnoreCase
        | K::StringNotEqualsIgnoreCase => {
            PolicyValue::Text(Template::compile(text, variables, false))
        }
        K::StringLike
        | K::StringNotLike
        | K::ArnEquals
        | K::ArnLike
        | K::ArnNotEquals
        | K::ArnNotLike => PolicyValue::Text(Template::compile(text, variables, true)),
        K::Bool => {
            let t = Template::compile(text, variables, false);
            if !t.has_variables() && parse_bool(text).is_none() {
                return Err(PolicyError::new(
                    path,
                    format!("\"{text}\" is not a boolean (expected \"true\" or \"false\")"),
                ));
            }
            PolicyValue::Text(t)
        }
        K::NumericEquals
        | K::NumericNotEquals
        | K::NumericLessThan
        | K::NumericLessThanEquals
        | K::NumericGreaterThan
        | K::NumericGreaterThanEquals => match text.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => PolicyValue::Number(n),
            _ => {
                return Err(PolicyError::new(
                    path,
                    format!("\"{text}\" is not a number"),
                ));
            }
        },
        K::DateEquals
        | K::DateNotEquals
        | K::DateLessThan
        | K::DateLessThanEquals
        | K::DateGreaterThan
        | K::DateGreaterThanEquals => match parse_date(text) {
            Some(d) => PolicyValue::Date(d),
            None => {
                return Err(PolicyError::new(
                    path,
                    format!(
                        "\"{text}\" is not a date (expected ISO 8601 such as 2025-01-31T12:00:00Z, or epoch seconds)"
                    ),
                ));
            }
        },
        K::BinaryEquals => match base64::engine::general_purpose::STANDARD.decode(text.trim()) {
            Ok(b) => PolicyValue::Binary(b),
            Err(_) => return Err(PolicyError::new(path, format!("\"{text}\" is not base64"))),
        },
        K::IpAddress | K::NotIpAddress => match Cidr::parse(text) {
            Some(c) => PolicyValue::Cidr(c),
            None => {
                return Err(PolicyError::new(
                    path,
                    format!(
                        "\"{text}\" is not an IP address or CIDR block (such as 203.0.113.0/24 or 2001:db8::/32)"
                    ),
                ));
            }
        },
        K::Null => match parse_bool(text) {
            Some(b) => PolicyValue::Null(b),
            None => {
                return Err(PolicyError::new(
                    path,
                    format!("\"{text}\" is not a boolean (expected \"true\" or \"false\")"),
                ));
            }
        },
    })
}

/// An IPv4 or IPv6 network (`203.0.113.0/24`); a bare address is a /32 or /128.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn parse(text: &str) -> Option<Cidr> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (text.parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Cidr { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            (IpAddr::V6(_), IpAddr::V4(ip)) => self.contains(IpAddr::V6(ip.to_ipv6_mapped())),
            (IpAddr::V4(_), IpAddr::V6(ip)) => match ip.to_ipv4_mapped() {
                Some(v4) => self.contains(IpAddr::V4(v4)),
                None => false,
            },
        }
    }
}
