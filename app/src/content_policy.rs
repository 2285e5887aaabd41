//! The Content-Security-Policy of the console's responses.
//!
//! Pages run only scripts from this origin or ones carrying the response's nonce (Leptos puts
//! it on the inline script that loads the WASM and on its streaming scripts). `wasm-unsafe-eval`
//! lets that script compile the bundle; it allows no `eval` of JavaScript. Forms post to this
//! origin only; the one redirect a form leads off-site, **Open in AWS console** (POST
//! `/role/aws-console`, 303 to AWS's federation endpoint), is allowed to AWS's sign-in host,
//! because browsers hold redirects after a form POST to `form-action` too.

/// Directives every response shares.
const COMMON: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; \
     style-src-attr 'unsafe-inline'; object-src 'none'; base-uri 'self'; form-action 'self' https://signin.aws.amazon.com; \
     frame-ancestors 'none'";

/// Responses that are not pages: no inline script at all.
pub const DEFAULT: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; \
     style-src-attr 'unsafe-inline'; object-src 'none'; base-uri 'self'; form-action 'self' https://signin.aws.amazon.com; \
     frame-ancestors 'none'; script-src 'self'";

/// A page rendered with `nonce`.
pub fn page(nonce: &str) -> String {
    format!("{COMMON}; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_default_is_the_page_policy_without_inline_scripts() {
        assert_eq!(
            super::DEFAULT,
            format!("{}; script-src 'self'", super::COMMON)
        );
        assert!(super::page("abc").ends_with("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval'"));
        // The federation endpoint the AWS console button redirects to.
        assert!(super::DEFAULT.contains("form-action 'self' https://signin.aws.amazon.com;"));
    }
}
