//! Wildcard matching: `*` (any run of characters) and `?` (one character).
//!
//! Patterns compiled from policies escape their own backslashes, so that a
//! substituted policy variable such as `${*}` can stand for a literal `*`
//! (written `\*`) without a separate token type.

/// Glob match. `fold_case` makes ASCII letters compare case-insensitively
/// (action names); resources and ARNs are case-sensitive.
pub fn glob_match(pattern: &str, text: &str, fold_case: bool) -> bool {
    let p = pattern.as_bytes();
    let t = text.as_bytes();
    let (mut pi, mut ti) = (0usize, 0usize);
    // Position after the last `*` seen, and the text position it was tried at.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() {
            match p[pi] {
                b'*' => {
                    star = Some((pi + 1, ti));
                    pi += 1;
                    continue;
                }
                b'?' => {
                    pi += 1;
                    ti += utf8_len(t[ti]);
                    continue;
                }
                b'\\' if pi + 1 < p.len() => {
                    if bytes_eq(p[pi + 1], t[ti], fold_case) {
                        pi += 2;
                        ti += 1;
                        continue;
                    }
                }
                c => {
                    if bytes_eq(c, t[ti], fold_case) {
                        pi += 1;
                        ti += 1;
                        continue;
                    }
                }
            }
        }
        match star {
            Some((after_star, tried_at)) => {
                let next = tried_at + utf8_len(t[tried_at]);
                star = Some((after_star, next));
                pi = after_star;
                ti = next;
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len() && ti == t.len()
}

fn bytes_eq(a: u8, b: u8, fold_case: bool) -> bool {
    if fold_case {
        a.eq_ignore_ascii_case(&b)
    } else {
        a == b
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

/// Escape a literal so that `glob_match` treats every character as itself.
pub fn escape_literal(text: &str, out: &mut String) {
    for c in text.chars() {
        if matches!(c, '*' | '?' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
}

/// Escape the backslashes of a pattern written in a policy (IAM has no escape
/// syntax, so a backslash there is an ordinary character).
pub fn escape_backslashes(pattern: &str) -> String {
    pattern.replace('\\', "\\\\")
}

/// Whether a (escaped) pattern contains no wildcard at all.
pub fn is_literal(pattern: &str) -> bool {
    let b = pattern.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'*' | b'?' => return false,
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    true
}

/// ARN match, segment by segment: `arn`, partition, service, region and
/// account are matched one by one (a wildcard cannot reach across a colon
/// there), the resource part (which may itself hold colons) as a whole.
/// A pattern without the `arn:` prefix (such as `*`) is matched as one glob.
pub fn arn_match(pattern: &str, arn: &str) -> bool {
    let mut pp = pattern.splitn(6, ':');
    let mut ap = arn.splitn(6, ':');
    let pats: [Option<&str>; 6] = std::array::from_fn(|_| pp.next());
    if pats[5].is_none() {
        // `arn:` with too few parts never matches; a bare wildcard like `*`
        // matches as one glob.
        return !pattern.starts_with("arn:") && glob_match(pattern, arn, false);
    }
    let arns: [Option<&str>; 6] = std::array::from_fn(|_| ap.next());
    pats.iter().zip(arns.iter()).all(|(p, a)| match (p, a) {
        (Some(p), Some(a)) => glob_match(p, a, false),
        _ => false,
    })
}

/// An ARN split once into its six parts, for matching against many patterns.
#[derive(Debug, Clone, Copy)]
pub struct ArnParts<'a> {
    whole: &'a str,
    parts: Option<[&'a str; 6]>,
}

impl<'a> ArnParts<'a> {
    pub fn new(arn: &'a str) -> Self {
        let mut it = arn.splitn(6, ':');
        let parts: [Option<&str>; 6] = std::array::from_fn(|_| it.next());
        let parts = match parts {
            [Some(a), Some(b), Some(c), Some(d), Some(e), Some(f)] => Some([a, b, c, d, e, f]),
            _ => None,
        };
        ArnParts { whole: arn, parts }
    }

    pub fn as_str(&self) -> &'a str {
        self.whole
    }
}

/// An ARN pattern from a policy, split once at compile time.
#[derive(Debug, Clone, PartialEq)]
pub struct ArnPattern {
    whole: String,
    /// Byte ranges of the six parts, when the pattern has them.
    parts: Option<[(usize, usize); 6]>,
}

impl ArnPattern {
    /// `pattern` is in glob form (see [`escape_literal`]).
    pub fn new(pattern: String) -> Self {
        let mut ranges = [(0usize, 0usize); 6];
        let mut start = 0;
        let mut n = 0;
        for (i, b) in pattern.bytes().enumerate() {
            if b == b':' && n < 5 {
                ranges[n] = (start, i);
                n += 1;
                start = i + 1;
            }
        }
        let parts = (n == 5).then(|| {
            ranges[5] = (start, pattern.len());
            ranges
        });
        ArnPattern {
            whole: pattern,
            parts,
        }
    }

    /// Same result as [`arn_match`] on the whole strings.
    pub fn matches(&self, arn: &ArnParts<'_>) -> bool {
        let Some(ranges) = &self.parts else {
            return !self.whole.starts_with("arn:") && glob_match(&self.whole, arn.whole, false);
        };
        let Some(parts) = &arn.parts else {
            return false;
        };
        // The resource part first: it differs most often.
        let order = [5, 2, 4, 3, 1, 0];
        order.iter().all(|&i| {
            let (s, e) = ranges[i];
            let p = &self.whole[s..e];
            p == parts[i] || glob_match(p, parts[i], false)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("s3:Get*", "s3:GetObject", false));
        assert!(glob_match("S3:get*", "s3:GetObject", true));
        assert!(!glob_match("S3:get*", "s3:GetObject", false));
        assert!(glob_match("*", "", false));
        assert!(glob_match("a?c", "abc", false));
        assert!(glob_match("a?c", "aéc", false));
        assert!(!glob_match("a?c", "ac", false));
        assert!(glob_match("*a*b*c*", "xxaxxbxxcxx", false));
        assert!(!glob_match("*a*b*c", "xxaxxbxxcxx", false));
        assert!(glob_match("iam:*MFA*", "iam:ListMFADevices", true));
        assert!(glob_match("a\\*b", "a*b", false));
        assert!(!glob_match("a\\*b", "axb", false));
    }

    #[test]
    fn arn_patterns_agree_with_arn_match() {
        let arns = [
            "arn:aws:s3:::b/k",
            "arn:aws:iam::1:role/x",
            "x",
            "arn:aws:s3:::b/a:b",
            "arn:a",
        ];
        let pats = [
            "*",
            "arn:aws:s3:::b/*",
            "arn:aws:*:role/x",
            "arn:aws:iam::*:role/*",
            "arn:*",
            "x",
            "arn:aws:s3:::b/a:*",
        ];
        for p in pats {
            for a in arns {
                assert_eq!(
                    ArnPattern::new(p.into()).matches(&ArnParts::new(a)),
                    arn_match(p, a),
                    "{p} {a}"
                );
            }
        }
    }

    #[test]
    fn arns() {
        assert!(arn_match(
            "arn:aws:s3:::productionapp/*",
            "arn:aws:s3:::productionapp/a/b:c"
        ));
        assert!(!arn_match(
            "arn:aws:s3:::productionapp/*",
            "arn:aws:s3:::productionapp"
        ));
        assert!(!arn_match(
            "arn:aws:s3:::productionapp/*",
            "arn:aws:s3:::production-logs/x"
        ));
        assert!(arn_match(
            "arn:aws:iam::*:role/UpdateAPP",
            "arn:aws:iam::123456789012:role/UpdateAPP"
        ));
        assert!(!arn_match("arn:aws:*:role/x", "arn:aws:iam::1:role/x"));
        assert!(arn_match("*", "arn:aws:iam::1:role/x"));
    }
}
