//! The role colours: named swatches (as in the AWS console) or a hex colour from a link.

/// Light shades, so that dark text stays readable on every one of them.
pub const PALETTE: &[(&str, &str)] = &[
    ("red", "#f2b0a9"),
    ("orange", "#fbbf93"),
    ("yellow", "#fad791"),
    ("green", "#b7ca9d"),
    ("blue", "#99bcd3"),
    ("purple", "#c8b3e6"),
];

pub const DEFAULT_COLOR: &str = "#99bcd3";

/// A palette name (any case) or `#rgb` / `#rrggbb` / `rrggbb` → `#rrggbb` (lowercase).
pub fn resolve_color(input: &str) -> Option<String> {
    let input = input.trim();
    if let Some((_, hex)) = PALETTE
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(input))
    {
        return Some((*hex).to_string());
    }
    let hex = input.strip_prefix('#').unwrap_or(input);
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    match hex.len() {
        6 => Some(format!("#{}", hex.to_ascii_lowercase())),
        3 => Some(format!(
            "#{}",
            hex.chars()
                .flat_map(|c| [c, c])
                .collect::<String>()
                .to_ascii_lowercase()
        )),
        _ => None,
    }
}

/// The palette name of a hex colour, if it is one of the swatches.
pub fn color_name(hex: &str) -> Option<&'static str> {
    PALETTE
        .iter()
        .find(|(_, h)| h.eq_ignore_ascii_case(hex))
        .map(|(name, _)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_hex_resolve() {
        assert_eq!(resolve_color("Green").as_deref(), Some("#b7ca9d"));
        assert_eq!(resolve_color("#ABCDEF").as_deref(), Some("#abcdef"));
        assert_eq!(resolve_color("abc").as_deref(), Some("#aabbcc"));
        for bad in ["", "#12", "url(x)", "red;background:x", "#1234567"] {
            assert_eq!(resolve_color(bad), None, "{bad:?}");
        }
        assert_eq!(color_name("#B7CA9D"), Some("green"));
    }
}
