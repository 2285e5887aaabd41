//! Where people reach the console: the origin state-changing requests must come from, and the
//! `Host` names requests may carry.
//!
//! The `Host` header is chosen by whoever makes the request, so it cannot vouch for the
//! `Origin`: both are compared with configuration instead. A DNS-rebinding page (a name of the
//! attacker's that resolves to this server) sends its own name as `Host` and is refused.

use std::net::{IpAddr, SocketAddr};

use axum::http::{HeaderMap, HeaderValue, header};

use crate::config::Settings;

#[derive(Clone, Debug)]
pub struct PublicOrigin {
    /// `scheme://host[:port]`, as browsers serialise an `Origin`.
    canonical: String,
    /// `Origin` values that may send writes (lower case).
    origins: Vec<String>,
    /// `Host` values requests may carry (lower case).
    hosts: Vec<String>,
    /// The canonical `Host`; with `public_url` unset, page loads under another loopback name
    /// are redirected to it (WebAuthn refuses IP addresses as relying party).
    redirect_to_canonical: Option<String>,
}

/// What to do with a request, as far as its names go.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// Load the same path from the canonical origin instead.
    Redirect(String),
    /// A `Host` this console does not answer to.
    UnknownHost,
    /// A write a browser marks as coming from another site, or with no origin at all.
    CrossSite,
}

impl PublicOrigin {
    pub fn from_settings(settings: &Settings) -> PublicOrigin {
        let url = &settings.public_url;
        let canonical = url.origin().ascii_serialization().to_ascii_lowercase();
        let public_host = authority(url);
        // The listen address is always accepted as a Host: a proxy that rewrites Host
        // sends the upstream address it connects to.
        let mut hosts = listen_hosts(settings.site_addr);
        hosts.extend(with_default_port(&public_host, url.scheme()));
        hosts.sort();
        hosts.dedup();
        if settings.public_url_configured {
            PublicOrigin {
                canonical: canonical.clone(),
                origins: vec![canonical],
                hosts,
                redirect_to_canonical: None,
            }
        } else {
            let mut origins: Vec<String> = listen_hosts(settings.site_addr)
                .into_iter()
                .map(|host| format!("http://{host}"))
                .collect();
            origins.push(canonical.clone());
            origins.sort();
            origins.dedup();
            PublicOrigin {
                canonical,
                origins,
                hosts,
                redirect_to_canonical: Some(public_host),
            }
        }
    }

    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// Decides on the request's `Host`, then (for writes) on `Origin` and `Sec-Fetch-Site`.
    pub fn check(&self, safe_method: bool, path_and_query: &str, headers: &HeaderMap) -> Verdict {
        self.check_host(safe_method, path_and_query, host_of(headers, None), headers)
    }

    /// As `check`, for a request whose authority may come from its URI (HTTP/2 has no Host).
    pub fn check_request(&self, request: &axum::extract::Request) -> Verdict {
        let path_and_query = request
            .uri()
            .path_and_query()
            .map(|pq| pq.as_str())
            .unwrap_or("/");
        let safe = matches!(
            *request.method(),
            axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
        );
        let host = host_of(
            request.headers(),
            request.uri().authority().map(|a| a.as_str()),
        );
        self.check_host(safe, path_and_query, host, request.headers())
    }

    fn check_host(
        &self,
        safe_method: bool,
        path_and_query: &str,
        host: Option<String>,
        headers: &HeaderMap,
    ) -> Verdict {
        let Some(host) = host.filter(|h| self.hosts.iter().any(|known| known == h)) else {
            return Verdict::UnknownHost;
        };
        if safe_method {
            return match &self.redirect_to_canonical {
                // Health checks and scripts ask the address they were given.
                Some(canonical)
                    if host != *canonical && !path_and_query.starts_with("/healthz") =>
                {
                    Verdict::Redirect(format!("{}{path_and_query}", self.canonical))
                }
                _ => Verdict::Pass,
            };
        }
        if self.is_same_origin(headers) {
            Verdict::Pass
        } else {
            Verdict::CrossSite
        }
    }

    /// Browsers send `Sec-Fetch-Site` and/or `Origin` on every POST, so a write with neither
    /// is refused too.
    fn is_same_origin(&self, headers: &HeaderMap) -> bool {
        let fetch_site = headers.get("sec-fetch-site").map(HeaderValue::as_bytes);
        if fetch_site.is_some_and(|site| site != b"same-origin") {
            return false;
        }
        match headers.get(header::ORIGIN) {
            Some(origin) => origin.to_str().is_ok_and(|origin| {
                let origin = origin.trim().to_ascii_lowercase();
                self.origins.contains(&origin)
            }),
            None => fetch_site.is_some(),
        }
    }
}

fn host_of(headers: &HeaderMap, uri_authority: Option<&str>) -> Option<String> {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or(uri_authority)
        .map(|h| h.trim().to_ascii_lowercase())
}

/// `host[:port]` of a URL, the port only when it is not the scheme's default (as `Host`).
fn authority(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    }
}

/// A `Host` may name the scheme's default port or leave it out.
fn with_default_port(authority: &str, scheme: &str) -> Vec<String> {
    let mut names = vec![authority.to_string()];
    if !authority.contains(':') {
        let port = if scheme == "https" { 443 } else { 80 };
        names.push(format!("{authority}:{port}"));
    }
    names
}

/// The names a browser on this machine uses for the listen address.
fn listen_hosts(addr: SocketAddr) -> Vec<String> {
    let port = addr.port();
    let mut hosts = vec![format!("localhost:{port}"), format!("127.0.0.1:{port}")];
    match addr.ip() {
        IpAddr::V4(ip) if !ip.is_unspecified() && !ip.is_loopback() => {
            hosts.push(format!("{ip}:{port}"));
        }
        IpAddr::V6(ip) if ip.is_loopback() => hosts.push(format!("[::1]:{port}")),
        IpAddr::V6(ip) if !ip.is_unspecified() => hosts.push(format!("[{ip}]:{port}")),
        _ => {}
    }
    hosts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ServeArgs;

    fn origin(public_url: Option<&str>) -> PublicOrigin {
        let settings = Settings::resolve(ServeArgs {
            public_url: public_url.map(str::to_string),
            site_addr: Some(SocketAddr::from(([127, 0, 0, 1], 3000))),
            ..Default::default()
        })
        .expect("settings");
        PublicOrigin::from_settings(&settings)
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    fn post(origin: &PublicOrigin, pairs: &[(&'static str, &'static str)]) -> Verdict {
        origin.check(false, "/auth/sign-in", &headers(pairs))
    }

    #[test]
    fn without_public_url_both_loopback_names_count_and_pages_move_to_localhost() {
        let default = origin(None);
        for (host, origin_header) in [
            ("localhost:3000", "http://localhost:3000"),
            ("127.0.0.1:3000", "http://127.0.0.1:3000"),
        ] {
            let verdict = post(&default, &[("host", host), ("origin", origin_header)]);
            assert_eq!(verdict, Verdict::Pass, "{host}");
        }
        assert_eq!(
            default.check(
                true,
                "/switchrole?x=1",
                &headers(&[("host", "127.0.0.1:3000")])
            ),
            Verdict::Redirect("http://localhost:3000/switchrole?x=1".into())
        );
        assert_eq!(
            default.check(true, "/", &headers(&[("host", "localhost:3000")])),
            Verdict::Pass
        );
        assert_eq!(
            default.check(true, "/healthz", &headers(&[("host", "127.0.0.1:3000")])),
            Verdict::Pass
        );
    }

    #[test]
    fn the_origin_is_compared_with_configuration_not_with_host() {
        let default = origin(None);
        // A rebinding page: its own name as Host, and its own origin.
        for method_is_safe in [true, false] {
            let verdict = default.check(
                method_is_safe,
                "/",
                &headers(&[
                    ("host", "evil.example:3000"),
                    ("origin", "http://evil.example:3000"),
                ]),
            );
            assert_eq!(verdict, Verdict::UnknownHost);
        }
        // Host and Origin agreeing proves nothing: the Origin must be the console's.
        assert_eq!(
            post(
                &default,
                &[
                    ("host", "localhost:3000"),
                    ("origin", "http://localhost:4000")
                ]
            ),
            Verdict::CrossSite
        );
        assert_eq!(
            post(
                &default,
                &[
                    ("host", "localhost:3000"),
                    ("origin", "https://localhost:3000")
                ]
            ),
            Verdict::CrossSite
        );
        assert_eq!(
            post(&default, &[("origin", "http://localhost:3000")]),
            Verdict::UnknownHost
        );
    }

    #[test]
    fn behind_a_proxy_that_rewrites_host_the_public_origin_decides() {
        let proxied = origin(Some("https://console.example.com"));
        // The proxy connects to the listen address and says so in Host.
        assert_eq!(
            post(
                &proxied,
                &[
                    ("host", "127.0.0.1:3000"),
                    ("origin", "https://console.example.com")
                ]
            ),
            Verdict::Pass
        );
        for host in ["console.example.com", "console.example.com:443"] {
            let mut map = headers(&[("origin", "https://console.example.com")]);
            map.insert("host", HeaderValue::from_str(host).expect("host"));
            assert_eq!(proxied.check(false, "/", &map), Verdict::Pass, "{host}");
        }
        // No redirect loop: the proxy's upstream address is not sent elsewhere.
        assert_eq!(
            proxied.check(true, "/", &headers(&[("host", "127.0.0.1:3000")])),
            Verdict::Pass
        );
        // The listen address is not an origin writes may come from once a public URL is set.
        assert_eq!(
            post(
                &proxied,
                &[
                    ("host", "127.0.0.1:3000"),
                    ("origin", "http://127.0.0.1:3000")
                ]
            ),
            Verdict::CrossSite
        );
        assert_eq!(
            post(
                &proxied,
                &[
                    ("host", "evil.example"),
                    ("origin", "https://console.example.com")
                ]
            ),
            Verdict::UnknownHost
        );
    }

    #[test]
    fn cross_site_writes_are_refused() {
        let default = origin(None);
        let host = ("host", "localhost:3000");
        assert_eq!(
            post(&default, &[host, ("sec-fetch-site", "same-origin")]),
            Verdict::Pass
        );
        for pairs in [
            vec![host, ("origin", "https://evil.example")],
            vec![host, ("sec-fetch-site", "cross-site")],
            vec![host, ("sec-fetch-site", "same-site")],
            vec![
                host,
                ("origin", "http://localhost:3000"),
                ("sec-fetch-site", "cross-site"),
            ],
            vec![host, ("origin", "null")],
            vec![host],
        ] {
            assert_eq!(post(&default, &pairs), Verdict::CrossSite, "{pairs:?}");
        }
    }
}
