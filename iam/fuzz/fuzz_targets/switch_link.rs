//! The query string of a Switch Role link (`/switchrole?account=…&roleName=…&displayName=…
//! &color=…&redirect_uri=…`), decoded as the browser and the server decode it, then every value
//! through the checks the page and the form routes apply. A value that passes must be safe:
//! a redirect stays on this site and outside `/auth/` and `/api/` once the browser has resolved
//! it, and makes a valid `Location` header; a colour is a plain `#rrggbb`; a value encoded into
//! a link comes back unchanged.
#![no_main]

use iam_fuzz::links::{safe_local_path, urlencode};
use iam_fuzz::palette::{color_name, resolve_color};
use libfuzzer_sys::fuzz_target;

const SITE: &str = "https://console.example:8443/switchrole?account=1";

fuzz_target!(|data: &[u8]| {
    let params: Vec<(String, String)> = form_urlencoded::parse(data).into_owned().collect();
    let site = url::Url::parse(SITE).expect("the site's URL");
    for (name, value) in &params {
        check_redirect(&site, value);
        check_color(value);
        check_round_trip(name, value);
    }
    // The raw bytes, as a `next` form field would carry them.
    if let Ok(text) = std::str::from_utf8(data) {
        check_redirect(&site, text);
        check_color(text);
    }
});

fn check_redirect(site: &url::Url, value: &str) {
    let Some(path) = safe_local_path(value) else {
        return;
    };
    assert_eq!(path, value, "a safe path is the value itself");
    // axum's `Redirect::to` panics on a value that is not a header value.
    assert!(
        http::HeaderValue::from_str(path).is_ok(),
        "not a header value: {path:?}"
    );
    let resolved = site.join(path).expect("a path on the site resolves");
    assert_eq!(
        resolved.origin(),
        site.origin(),
        "{path:?} leaves the site: {resolved}"
    );
    for refused in ["/auth/", "/api/"] {
        assert!(
            !resolved.path().starts_with(refused),
            "{path:?} resolves to {} under {refused}",
            resolved.path()
        );
    }
}

fn check_color(value: &str) {
    let Some(color) = resolve_color(value) else {
        return;
    };
    let hex = color.strip_prefix('#').expect("starts with #");
    assert!(
        hex.len() == 6
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "{value:?} resolved to {color:?}"
    );
    assert_eq!(resolve_color(&color).as_deref(), Some(color.as_str()));
    if let Some(name) = color_name(&color) {
        assert_eq!(resolve_color(name).as_deref(), Some(color.as_str()));
    }
}

/// What the link builder writes, the Switch Role page reads back.
fn check_round_trip(name: &str, value: &str) {
    let encoded = format!("{}={}", urlencode(name), urlencode(value));
    assert!(
        encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.~%=".contains(&b)),
        "{encoded:?}"
    );
    let decoded: Vec<(String, String)> = form_urlencoded::parse(encoded.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(decoded, [(name.to_string(), value.to_string())]);
}
