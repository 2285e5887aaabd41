//! TOTP (RFC 6238) as authenticator apps do it: SHA1, 6 digits, 30-second steps.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use qrcode::QrCode;
use qrcode::render::svg;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};

pub const STEP_SECONDS: u64 = 30;
pub const DIGITS: usize = 6;
pub const ISSUER: &str = "Switchyard";
/// 160 bits, as RFC 4226 recommends.
pub const SECRET_BYTES: usize = 20;

pub fn new_secret() -> Vec<u8> {
    use rand::TryRngCore;
    let mut secret = vec![0u8; SECRET_BYTES];
    // Straight from the OS, as before; rand 0.8's `OsRng.fill_bytes` panicked on failure too.
    rand::rngs::OsRng
        .try_fill_bytes(&mut secret)
        .expect("the OS random number generator failed");
    secret
}

fn totp(secret: &[u8]) -> Option<TOTP> {
    TOTP::new(Algorithm::SHA1, DIGITS, 1, STEP_SECONDS, secret.to_vec()).ok()
}

pub fn step_of(unix_seconds: u64) -> u64 {
    unix_seconds / STEP_SECONDS
}

/// The code of one time step.
pub fn code_at_step(secret: &[u8], step: u64) -> Option<String> {
    totp(secret).map(|t| t.generate(step * STEP_SECONDS))
}

/// Six ASCII digits, spaces allowed in between (apps show `123 456`).
pub fn normalise(code: &str) -> Option<String> {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == DIGITS && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The step (current ±1) whose code this is. Every candidate is computed and compared in
/// constant time, so the time taken does not tell which step matched.
pub fn matching_step(secret: &[u8], code: &str, now_step: u64) -> Option<u64> {
    let code = normalise(code)?;
    let mut found = None;
    for step in now_step.saturating_sub(1)..=now_step + 1 {
        if let Some(expected) = code_at_step(secret, step)
            && same(&expected, &code)
            && found.is_none()
        {
            found = Some(step);
        }
    }
    found
}

/// Enrolment, as AWS does it: two consecutive codes. Returns the step of the second code.
/// The first may be from up to two steps ago (the person typed it, then waited for the next).
pub fn consecutive_codes_step(
    secret: &[u8],
    first: &str,
    second: &str,
    now_step: u64,
) -> Option<u64> {
    let first = normalise(first)?;
    let second = normalise(second)?;
    let mut found = None;
    for step in now_step.saturating_sub(2)..=now_step {
        if let (Some(a), Some(b)) = (code_at_step(secret, step), code_at_step(secret, step + 1))
            && same(&a, &first)
            && same(&b, &second)
            && found.is_none()
        {
            found = Some(step + 1);
        }
    }
    found
}

pub fn base32(secret: &[u8]) -> String {
    totp(secret)
        .map(|t| t.get_secret_base32())
        .unwrap_or_default()
}

/// `otpauth://totp/Switchyard:alice@development?secret=…&issuer=Switchyard&…`
pub fn otpauth_url(secret: &[u8], account_label: &str) -> String {
    let label = format!("{ISSUER}:{account_label}");
    format!(
        "otpauth://totp/{}?secret={}&issuer={ISSUER}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        percent_encode(&label),
        base32(secret),
    )
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The QR code of a URL as an SVG `data:` URL, for an `<img>` (no markup is injected).
pub fn qr_data_url(text: &str) -> Option<String> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    let image = code
        .render::<svg::Color>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    Some(format!(
        "data:image/svg+xml;base64,{}",
        STANDARD.encode(image)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 appendix B, SHA1 (8-digit values; the last 6 digits are the 6-digit codes).
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn codes_match_rfc_6238() {
        assert_eq!(code_at_step(RFC_SECRET, 59 / 30).unwrap(), "287082");
        assert_eq!(code_at_step(RFC_SECRET, 1111111109 / 30).unwrap(), "081804");
    }

    #[test]
    fn window_is_current_step_plus_minus_one() {
        let now = 1_000_000;
        for (offset, accepted) in [(-2i64, false), (-1, true), (0, true), (1, true), (2, false)] {
            let step = (now as i64 + offset) as u64;
            let code = code_at_step(RFC_SECRET, step).unwrap();
            let matched = matching_step(RFC_SECRET, &code, now);
            assert_eq!(matched.is_some(), accepted, "offset {offset}");
            if accepted {
                assert_eq!(matched, Some(step));
            }
        }
        assert_eq!(matching_step(RFC_SECRET, "12345", now), None);
        assert_eq!(matching_step(RFC_SECRET, "abcdef", now), None);
    }

    #[test]
    fn enrolment_needs_two_consecutive_codes() {
        let now = 2_000_000;
        let c = |s| code_at_step(RFC_SECRET, s).unwrap();
        assert_eq!(
            consecutive_codes_step(RFC_SECRET, &c(now - 1), &c(now), now),
            Some(now)
        );
        assert_eq!(
            consecutive_codes_step(RFC_SECRET, &c(now), &c(now + 1), now),
            Some(now + 1)
        );
        assert_eq!(
            consecutive_codes_step(RFC_SECRET, &c(now), &c(now), now),
            None
        );
        assert_eq!(
            consecutive_codes_step(RFC_SECRET, &c(now + 1), &c(now), now),
            None
        );
    }

    #[test]
    fn otpauth_url_names_issuer_and_account() {
        let url = otpauth_url(RFC_SECRET, "alice@development");
        assert!(
            url.starts_with("otpauth://totp/Switchyard%3Aalice@development?secret="),
            "{url}"
        );
        assert!(url.contains("issuer=Switchyard"));
        assert!(url.contains("digits=6") && url.contains("period=30"));
        assert!(
            qr_data_url(&url)
                .unwrap()
                .starts_with("data:image/svg+xml;base64,")
        );
    }
}
