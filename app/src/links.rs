//! Where a link may send the user after an action: only a path on this site.

/// `next` / `redirect_uri` is honoured only as a path on this site: `/x`, never `//host`,
/// `/\host`, a URL with a scheme, or control characters.
pub fn safe_local_path(target: &str) -> Option<&str> {
    let ok = target.starts_with('/')
        && !target.starts_with("//")
        && !target.starts_with("/\\")
        && !target.chars().any(|c| c.is_control() || c == '\\')
        && target.len() <= 2048
        && !target.starts_with("/auth/")
        && !target.starts_with("/api/");
    ok.then_some(target)
}

#[cfg(test)]
mod tests {
    use super::safe_local_path;

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
}
