//! Links: where one may send the user after an action (only a path on this site), and
//! encoding values into them.

/// `next` / `redirect_uri` is honoured only as a path on this site: `/x`, never `//host`,
/// `/\host`, a URL with a scheme, or control characters.
pub fn safe_local_path(target: &str) -> Option<&str> {
    let ok = target.starts_with('/')
        && !target.starts_with("//")
        && !target.starts_with("/\\")
        && !target.chars().any(|c| c.is_control() || c == '\\')
        && target.len() <= 2048
        && !target.starts_with("/auth/")
        && !target.starts_with("/api/")
        && !has_dot_segment(target);
    ok.then_some(target)
}

/// A `.` or `..` path segment (`%2e` counts as a dot), which the browser resolves away:
/// `/x/../auth/` is `/auth/`.
fn has_dot_segment(target: &str) -> bool {
    let path = target.split(['?', '#']).next().unwrap_or_default();
    path.split('/').any(|segment| {
        let segment = segment.to_ascii_lowercase().replace("%2e", ".");
        segment == "." || segment == ".."
    })
}

/// Percent-encodes everything but RFC 3986's unreserved characters, for a query value.
pub fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `path?name=value&…` with each value URL-encoded; empty values are left out.
pub fn with_query(path: &str, params: &[(&str, &str)]) -> String {
    let query: Vec<String> = params
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| format!("{name}={}", urlencode(value)))
        .collect();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::{safe_local_path, urlencode, with_query};

    #[test]
    fn with_query_encodes_and_skips_empty_values() {
        assert_eq!(with_query("/simulate", &[]), "/simulate");
        assert_eq!(
            with_query(
                "/simulate",
                &[("a", "x y"), ("b", ""), ("c", "arn:aws:s3:::b/k")]
            ),
            "/simulate?a=x%20y&c=arn%3Aaws%3As3%3A%3A%3Ab%2Fk"
        );
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(urlencode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(urlencode("Prod-app_1.~"), "Prod-app_1.~");
    }

    #[test]
    fn only_paths_on_this_site_pass() {
        assert_eq!(
            safe_local_path("/switchrole?account=1"),
            Some("/switchrole?account=1")
        );
        for hostile in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "",
            "/a\nb",
            "/auth/sign-out",
            "/api/switch_role",
        ] {
            assert_eq!(safe_local_path(hostile), None, "{hostile:?}");
        }
    }

    /// Found by the `switch_link` fuzz target: dot segments reached the refused prefixes once
    /// the browser had resolved them.
    #[test]
    fn dot_segments_cannot_reach_refused_prefixes() {
        for hostile in [
            "/K/../K./../K/../auth/",
            "/./auth/sign-out",
            "/%2e/api/switch_role",
            "/a/%2E%2e/auth/mfa",
            "/buckets/..",
        ] {
            assert_eq!(safe_local_path(hostile), None, "{hostile:?}");
        }
        for fine in ["/a..b/c.", "/.well-known/x", "/buckets/b?prefix=../x#./"] {
            assert_eq!(safe_local_path(fine), Some(fine), "{fine:?}");
        }
    }
}
