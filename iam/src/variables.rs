//! Policy variables (`${aws:username}`, `${aws:PrincipalTag/team, 'none'}`,
//! `${*}`, `${?}`, `${$}`) in resources and condition values.
//!
//! A template is compiled once with the policy. Resolving it against a
//! request either yields the finished text or `None` when a variable has no
//! value and no default: the element then does not match (it never becomes an
//! empty string).

use std::borrow::Cow;

use crate::context::RequestContext;
use crate::matching::{escape_backslashes, escape_literal};

#[derive(Debug, Clone, PartialEq)]
enum Part {
    /// Text written in the policy (in glob mode its wildcards stay active).
    Text(String),
    /// A character from `${*}`, `${?}` or `${$}`: always literal.
    Special(char),
    Var {
        key: String,
        default: Option<String>,
    },
}

/// A string from a policy that may hold variables.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// `Some` when the text holds no variable: resolved once at compile time.
    fixed: Option<String>,
    parts: Vec<Part>,
    glob: bool,
}

impl Template {
    /// Compile `text`. With `variables` false (policy version 2008-10-17) a
    /// `${...}` is ordinary text. With `glob` true the result is a pattern for
    /// [`crate::matching::glob_match`] (literal text escaped).
    pub fn compile(text: &str, variables: bool, glob: bool) -> Template {
        let parts = if variables {
            parse_parts(text)
        } else {
            vec![Part::Text(text.to_owned())]
        };
        let mut template = Template {
            fixed: None,
            parts,
            glob,
        };
        if !template.parts.iter().any(|p| matches!(p, Part::Var { .. })) {
            let mut out = String::with_capacity(text.len());
            for part in &template.parts {
                template.push_part(part, None, &mut out);
            }
            template.fixed = Some(out);
            template.parts.clear();
        }
        template
    }

    /// The text when it holds no variable.
    pub fn fixed(&self) -> Option<&str> {
        self.fixed.as_deref()
    }

    pub fn has_variables(&self) -> bool {
        self.fixed.is_none()
    }

    /// The names (lowercased) of the variables used.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var { key, .. } => Some(key.as_str()),
            _ => None,
        })
    }

    pub fn resolve<'a>(&'a self, context: &RequestContext) -> Option<Cow<'a, str>> {
        if let Some(fixed) = &self.fixed {
            return Some(Cow::Borrowed(fixed));
        }
        let mut out = String::new();
        for part in &self.parts {
            if !self.push_part(part, Some(context), &mut out) {
                return None;
            }
        }
        Some(Cow::Owned(out))
    }

    fn push_part(&self, part: &Part, context: Option<&RequestContext>, out: &mut String) -> bool {
        match part {
            Part::Text(t) if self.glob => out.push_str(&escape_backslashes(t)),
            Part::Text(t) => out.push_str(t),
            Part::Special(c) => {
                if self.glob {
                    escape_literal(c.encode_utf8(&mut [0; 4]), out);
                } else {
                    out.push(*c);
                }
            }
            Part::Var { key, default } => {
                let value = context.and_then(|c| c.single(key)).or(default.as_deref());
                match value {
                    Some(v) if self.glob => escape_literal(v, out),
                    Some(v) => out.push_str(v),
                    None => return false,
                }
            }
        }
        true
    }
}

fn parse_parts(text: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        literal.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match parse_variable(after) {
            Some((part, used)) => {
                if !literal.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut literal)));
                }
                parts.push(part);
                rest = &after[used..];
            }
            None => {
                // Not a well-formed variable: keep the text as written.
                literal.push_str("${");
                rest = after;
            }
        }
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        parts.push(Part::Text(literal));
    }
    parts
}

/// Parse the inside of `${...}` (after the `${`); returns the part and how
/// many bytes (including the closing brace) were used.
fn parse_variable(s: &str) -> Option<(Part, usize)> {
    for (special, c) in [("*}", '*'), ("?}", '?'), ("$}", '$')] {
        if s.starts_with(special) {
            return Some((Part::Special(c), 2));
        }
    }
    let key_len = s
        .find(|c: char| {
            !(c.is_ascii_alphanumeric()
                || matches!(c, ':' | '/' | '-' | '_' | '.' | '@' | '+' | '='))
        })
        .unwrap_or(s.len());
    let key = s.get(..key_len)?.trim();
    if key.is_empty() {
        return None;
    }
    let rest = &s[key_len..];
    let trimmed = rest.trim_start();
    if let Some(after_brace) = trimmed.strip_prefix('}') {
        let used = s.len() - after_brace.len();
        return Some((
            Part::Var {
                key: key.to_ascii_lowercase(),
                default: None,
            },
            used,
        ));
    }
    let after_comma = trimmed.strip_prefix(',')?.trim_start();
    let mut chars = after_comma.strip_prefix('\'')?.char_indices().peekable();
    let body = after_comma.get(1..)?;
    let mut default = String::new();
    let mut end = None;
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            if chars.peek().map(|(_, n)| *n) == Some('\'') {
                default.push('\'');
                chars.next();
            } else {
                end = Some(i + 1);
                break;
            }
        } else {
            default.push(c);
        }
    }
    let after_quote = body.get(end?..)?.trim_start();
    let after_brace = after_quote.strip_prefix('}')?;
    let used = s.len() - after_brace.len();
    Some((
        Part::Var {
            key: key.to_ascii_lowercase(),
            default: Some(default),
        },
        used,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::glob_match;

    fn ctx() -> RequestContext {
        let mut c = RequestContext::new();
        c.insert("aws:username", "alice");
        c.insert("aws:PrincipalTag/team", "app*");
        c
    }

    #[test]
    fn substitutes_variables() {
        let t = Template::compile("arn:aws:s3:::home/${aws:username}/*", true, true);
        let r = t.resolve(&ctx()).unwrap();
        assert!(glob_match(&r, "arn:aws:s3:::home/alice/x", false));
        assert!(!glob_match(&r, "arn:aws:s3:::home/bob/x", false));
    }

    #[test]
    fn missing_variable_never_matches() {
        let t = Template::compile("home/${aws:userid}/*", true, true);
        assert!(t.resolve(&ctx()).is_none());
        let t = Template::compile("home/${aws:userid, 'anon'}/*", true, true);
        assert_eq!(t.resolve(&ctx()).unwrap(), "home/anon/*");
        let t = Template::compile("${aws:userid,'it''s'}", true, false);
        assert_eq!(t.resolve(&ctx()).unwrap(), "it's");
    }

    #[test]
    fn values_and_specials_are_literal() {
        let t = Template::compile("team/${aws:PrincipalTag/team}", true, true);
        let r = t.resolve(&ctx()).unwrap();
        assert!(glob_match(&r, "team/app*", false));
        assert!(!glob_match(&r, "team/appx", false));
        let t = Template::compile("a${*}b${?}${$}", true, true);
        let r = t.resolve(&ctx()).unwrap();
        assert!(glob_match(&r, "a*b?$", false));
        assert!(!glob_match(&r, "axbc$", false));
        let t = Template::compile("a${*}", true, false);
        assert_eq!(t.resolve(&ctx()).unwrap(), "a*");
    }

    #[test]
    fn old_version_has_no_variables() {
        let t = Template::compile("${aws:username}", false, false);
        assert_eq!(t.resolve(&ctx()).unwrap(), "${aws:username}");
        let t = Template::compile("x${unterminated", true, false);
        assert_eq!(t.resolve(&ctx()).unwrap(), "x${unterminated");
    }
}
