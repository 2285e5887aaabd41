//! Naming rules of IAM and S3, and of the console defaults of a role,
//! checked when the directory loads.

use types::palette::{PALETTE, resolve_color};

/// The AWS console's limit for a role's display name, also the Switch Role
/// form's: a directory default must fit where a typed one would.
pub const MAX_DISPLAY_NAME_CHARS: usize = 64;

/// IAM user, group, role and policy names: `[\w+=,.@-]`, 1..=max characters.
pub fn check_iam_name(name: &str, max: usize) -> Result<(), String> {
    if name.is_empty() {
        return Err("must not be empty".into());
    }
    if name.chars().count() > max {
        return Err(format!("\"{name}\" is longer than {max} characters"));
    }
    if let Some(c) = name.chars().find(|c| {
        !(c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '=' | ',' | '.' | '@' | '-'))
    }) {
        return Err(format!(
            "\"{name}\" contains {c:?}; IAM names may hold letters, digits and + = , . @ _ -"
        ));
    }
    Ok(())
}

/// IAM paths: `/` or `/a/b/`, printable ASCII, at most 512 characters.
pub fn check_path(path: &str) -> Result<(), String> {
    if path.len() > 512 {
        return Err("is longer than 512 characters".into());
    }
    if !path.starts_with('/') || !path.ends_with('/') {
        return Err(format!("\"{path}\" must start and end with \"/\""));
    }
    if path.contains("//") || !path.bytes().all(|b| (0x21..0x7f).contains(&b)) {
        return Err(format!("\"{path}\" is not a valid IAM path"));
    }
    Ok(())
}

/// Account aliases: 3..=63 lowercase letters, digits and single hyphens,
/// starting and ending with a letter or digit, not all digits.
pub fn check_alias(alias: &str) -> Result<(), String> {
    let b = alias.as_bytes();
    if b.len() < 3 || b.len() > 63 {
        return Err(format!("\"{alias}\" must be 3 to 63 characters long"));
    }
    if b.iter().all(u8::is_ascii_digit) {
        return Err(format!(
            "\"{alias}\" must not be all digits (it would read as an account ID)"
        ));
    }
    let ok_char = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-';
    if !b.iter().all(ok_char) || b[0] == b'-' || b[b.len() - 1] == b'-' || alias.contains("--") {
        return Err(format!(
            "\"{alias}\" may hold lowercase letters, digits and single hyphens, and must start and end with a letter or digit"
        ));
    }
    Ok(())
}

/// S3 general purpose bucket naming rules.
pub fn check_bucket_name(name: &str) -> Result<(), String> {
    let b = name.as_bytes();
    if b.len() < 3 || b.len() > 63 {
        return Err(format!("\"{name}\" must be 3 to 63 characters long"));
    }
    let edge = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    if !b.iter().all(|&c| edge(c) || c == b'.' || c == b'-') || !edge(b[0]) || !edge(b[b.len() - 1])
    {
        return Err(format!(
            "\"{name}\" may hold lowercase letters, digits, dots and hyphens, and must start and end with a letter or digit"
        ));
    }
    if name.contains("..") {
        return Err(format!("\"{name}\" must not hold two adjacent dots"));
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err(format!("\"{name}\" must not be formatted as an IP address"));
    }
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if name.starts_with(prefix) {
            return Err(format!("\"{name}\" must not start with \"{prefix}\""));
        }
    }
    for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        if name.ends_with(suffix) {
            return Err(format!("\"{name}\" must not end with \"{suffix}\""));
        }
    }
    Ok(())
}

/// A role's `console_display_name`, trimmed: 1 to 64 characters, no control
/// characters (it is shown as it is, in the banner and the menus).
pub fn check_display_name(name: &str) -> Result<String, String> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err("must not be empty (or only white space)".into());
    }
    if trimmed.chars().count() > MAX_DISPLAY_NAME_CHARS {
        return Err(format!(
            "{trimmed:?} is longer than {MAX_DISPLAY_NAME_CHARS} characters"
        ));
    }
    // The name is not echoed: it holds the control character.
    if let Some(c) = trimmed.chars().find(|c| c.is_control()) {
        return Err(format!("contains the control character {c:?}"));
    }
    Ok(trimmed.to_owned())
}

/// A role's `console_color`: a palette name or a hex colour, resolved the
/// way the Switch Role form and links resolve theirs, to `#rrggbb`.
pub fn check_color(color: &str) -> Result<String, String> {
    resolve_color(color).ok_or_else(|| {
        let names: Vec<&str> = PALETTE.iter().map(|(name, _)| *name).collect();
        format!(
            "{color:?} is not a colour (expected one of {} or a hex colour \"#rrggbb\" or \"#rgb\")",
            names.join(", ")
        )
    })
}

/// An e-mail address as the directory gives one: `local@domain`, at most 254 characters, no
/// white space or control characters. Delivery checks the rest.
pub fn check_email(address: &str) -> Result<String, String> {
    let address = address.trim();
    if address.len() > 254 {
        return Err("is longer than 254 characters".into());
    }
    if address.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain white space or control characters".into());
    }
    match address.split_once('@') {
        Some((local, domain))
            if !local.is_empty() && !domain.is_empty() && !domain.contains('@') =>
        {
            Ok(address.to_owned())
        }
        _ => Err(format!(
            "\"{address}\" is not an e-mail address (local@domain)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(check_iam_name("UpdateAPP", 64).is_ok());
        assert!(check_iam_name("a b", 64).is_err());
        assert!(check_iam_name("", 64).is_err());
        assert!(check_alias("production").is_ok());
        assert!(check_alias("123456789012").is_err());
        assert!(check_alias("Prod").is_err());
        assert!(check_bucket_name("productionapp").is_ok());
        assert!(check_bucket_name("Production").is_err());
        assert!(check_bucket_name("192.168.5.4").is_err());
        assert!(check_bucket_name("a..b").is_err());
        assert!(check_path("/").is_ok());
        assert!(check_path("/team/").is_ok());
        assert!(check_path("team").is_err());
    }
}
