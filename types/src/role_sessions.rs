//! Role sessions: a signed-in user may hold several roles at once, and each browser tab acts
//! in one of them or as the user. The tab's role session is part of its URL (`/as/ID/…`), so
//! reloads, bookmarks and links opened in new tabs keep it; the server checks on every
//! request that the session named there is one the signed-in user holds.

use serde::{Deserialize, Serialize};

/// Pages of a role session start with `/as/ID`.
pub const TAB_PREFIX: &str = "/as/";

/// The name of the form field and server-function argument that names the role session a
/// request acts in (absent: as the user).
pub const ROLE_SESSION_FIELD: &str = "role_session";

/// How many role sessions a user may hold at once unless configured otherwise (the AWS
/// console's multi-session limit), and the configurable range.
pub const DEFAULT_MAX_ROLE_SESSIONS: usize = 5;
pub const MAX_ROLE_SESSIONS_RANGE: std::ops::RangeInclusive<usize> = 1..=10;

/// A role session ID: eight lowercase hex digits, random and never reused within a sign-in,
/// so that a tab of an ended session never silently acts in a newer one.
pub fn is_role_session_id(id: &str) -> bool {
    id.len() == 8 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Splits a local path into the role session it names and the page path:
/// `/as/0a1b2c3d/s3` → `(Some("0a1b2c3d"), "/s3")`, `/as/0a1b2c3d` → `(Some(..), "/")`,
/// `/s3` → `(None, "/s3")`. A malformed ID is kept (so that the page can say the session is
/// not one of the user's) but never matches a held session.
pub fn split_tab(path: &str) -> (Option<&str>, String) {
    let Some(rest) = path.strip_prefix(TAB_PREFIX) else {
        return (None, path.to_string());
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (id, page) = rest.split_at(end);
    if id.is_empty() {
        return (None, path.to_string());
    }
    let page = if page.starts_with('/') {
        page.to_string()
    } else {
        format!("/{page}")
    };
    (Some(id), page)
}

/// `path` (a local path, `/…`) as a page of role session `tab`, or of the user (`None`).
/// A path that already names a session is moved to `tab`.
pub fn in_tab(tab: Option<&str>, path: &str) -> String {
    let (_, page) = split_tab(path);
    let page = if page.starts_with('/') {
        page
    } else {
        format!("/{page}")
    };
    match tab {
        // The role session's home is `/as/ID` (the router's path for it, no trailing slash).
        Some(id) => match page.strip_prefix('/') {
            Some(rest) if rest.is_empty() || rest.starts_with(['?', '#']) => {
                format!("{TAB_PREFIX}{id}{rest}")
            }
            _ => format!("{TAB_PREFIX}{id}{page}"),
        },
        None => page,
    }
}

/// A URL of one of the server's own routes (downloads, uploads) acting in role session `tab`:
/// `role_session=ID` is added to its query.
pub fn with_role_session(url: &str, tab: Option<&str>) -> String {
    match tab {
        Some(id) => {
            let joiner = if url.contains('?') { '&' } else { '?' };
            format!(
                "{url}{joiner}{ROLE_SESSION_FIELD}={}",
                crate::links::urlencode(id)
            )
        }
        None => url.to_string(),
    }
}

/// Why a role session is no longer held.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EndReason {
    /// Switch back in one of its tabs.
    SwitchedBack,
    /// Replaced by a new role session when all were in use.
    Replaced,
    /// "End all role sessions".
    EndedAll,
    /// The access grant it was opened under was revoked by an approver.
    GrantRevoked,
}

/// A role session that ended during this sign-in, so that a tab still showing it can say so
/// and offer to switch again. No credentials.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndedRoleSession {
    pub session_id: String,
    pub display_name: String,
    pub color: String,
    pub account_id: String,
    pub account_alias: Option<String>,
    /// The Role field to switch again with: path and name.
    pub role: String,
    pub reason: EndReason,
    /// Unix time it ended.
    pub ended_at: i64,
}

impl EndedRoleSession {
    /// What the tab says about it.
    pub fn explanation(&self) -> &'static str {
        match self.reason {
            EndReason::SwitchedBack => "You switched back from this role session in another tab.",
            EndReason::Replaced => {
                "This role session was replaced by a newer one, because all role sessions were in use."
            }
            EndReason::EndedAll => "All role sessions were ended.",
            EndReason::GrantRevoked => {
                "The access grant this role session was opened under was revoked by an approver."
            }
        }
    }
}

/// What the page of a tab whose role session is not held any more shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndedTab {
    /// The ID the tab's URL names.
    pub session_id: String,
    /// The session, when it ended during this sign-in (else it never was one of the user's,
    /// or belongs to an earlier sign-in).
    pub ended: Option<EndedRoleSession>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tab_is_read_from_the_path() {
        assert_eq!(
            split_tab("/as/0a1b2c3d/s3"),
            (Some("0a1b2c3d"), "/s3".into())
        );
        assert_eq!(split_tab("/as/0a1b2c3d"), (Some("0a1b2c3d"), "/".into()));
        assert_eq!(split_tab("/as/0a1b2c3d/"), (Some("0a1b2c3d"), "/".into()));
        assert_eq!(
            split_tab("/as/0a1b2c3d?x=1"),
            (Some("0a1b2c3d"), "/?x=1".into()),
            "a query right after the ID"
        );
        assert_eq!(split_tab("/s3/buckets/a"), (None, "/s3/buckets/a".into()));
        assert_eq!(split_tab("/as/"), (None, "/as/".into()));
        assert_eq!(split_tab("/assets/x"), (None, "/assets/x".into()));
    }

    #[test]
    fn paths_are_moved_into_a_tab_and_out_again() {
        assert_eq!(in_tab(Some("0a1b2c3d"), "/"), "/as/0a1b2c3d");
        assert_eq!(
            in_tab(
                Some("0a1b2c3d"),
                "/s3/buckets/productionapp?prefix=releases/"
            ),
            "/as/0a1b2c3d/s3/buckets/productionapp?prefix=releases/"
        );
        assert_eq!(
            in_tab(Some("0a1b2c3d"), "/as/ffffffff/s3"),
            "/as/0a1b2c3d/s3"
        );
        assert_eq!(in_tab(None, "/as/ffffffff/s3"), "/s3");
        assert_eq!(in_tab(None, "/as/ffffffff"), "/");
        assert_eq!(in_tab(Some("0a1b2c3d"), "/?x=1"), "/as/0a1b2c3d?x=1");
        assert_eq!(in_tab(None, "/s3"), "/s3");
    }

    #[test]
    fn route_urls_name_the_session_in_their_query() {
        assert_eq!(
            with_role_session("/s3/download/b?key=k", Some("0a1b2c3d")),
            "/s3/download/b?key=k&role_session=0a1b2c3d"
        );
        assert_eq!(
            with_role_session("/x", Some("0a1b2c3d")),
            "/x?role_session=0a1b2c3d"
        );
        assert_eq!(with_role_session("/x?y=1", None), "/x?y=1");
    }

    #[test]
    fn ids_are_eight_lowercase_hex_digits() {
        assert!(is_role_session_id("0a1b2c3d"));
        for bad in [
            "",
            "0a1b2c3",
            "0a1b2c3d4",
            "0A1B2C3D",
            "../../x",
            "0a1b2c3g",
        ] {
            assert!(!is_role_session_id(bad), "{bad}");
        }
    }
}
