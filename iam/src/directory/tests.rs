use super::names::MAX_DISPLAY_NAME_CHARS;
use super::*;

fn load_err(text: &str) -> String {
    match Directory::from_toml(text, "dir.toml") {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

const MINIMAL: &str = r#"
[[accounts]]
id = "111122223333"
alias = "development"
  [[accounts.users]]
  name = "alice"
  groups = ["Developers"]
  [[accounts.groups]]
  name = "Developers"
"#;

#[test]
fn demo_loads_with_the_story() {
    let dir = Directory::demo();
    assert!(dir.is_demo());
    let dev = dir.account("development").unwrap();
    assert_eq!(dev.id(), "111122223333");
    assert_eq!(dir.account("DEVELOPMENT").unwrap().id(), "111122223333");
    assert_eq!(
        dir.account("123456789012").unwrap().display_name(),
        "production"
    );
    let alice = dev.user("alice").unwrap();
    assert_eq!(alice.arn(), "arn:aws:iam::111122223333:user/alice");
    assert!(alice.user_id().starts_with("AIDA") && alice.user_id().len() == 21);
    assert_eq!(alice.groups(), ["Developers"]);
    assert_eq!(alice.tags().get("team").map(String::as_str), Some("app"));
    let (acct, user) = dir
        .user_by_arn("arn:aws:iam::111122223333:user/bob")
        .unwrap();
    assert_eq!((acct.id(), user.name()), ("111122223333", "bob"));
    let (acct, role) = dir
        .role_by_arn("arn:aws:iam::123456789012:role/UpdateAPP")
        .unwrap();
    assert_eq!(acct.alias(), Some("production"));
    assert_eq!(role.max_session_duration(), Duration::from_secs(3600));
    assert_eq!(role.default_session_duration(), Duration::from_secs(3600));
    assert!(role.role_id().starts_with("AROA"));
    let (owner, bucket) = dir.bucket("productionapp").unwrap();
    assert_eq!(owner.id(), "123456789012");
    assert!(bucket.sample_objects().len() >= 3);
    assert!(dir.bucket("production-logs").is_some());
    assert!(
        dir.user_by_arn("arn:aws:iam::111122223333:user/nobody")
            .is_none()
    );
    assert!(
        dir.role_by_arn("arn:aws:iam::111122223333:role/UpdateAPP")
            .is_none()
    );
}

#[test]
fn demo_staging_has_a_second_update_app_told_apart_by_its_console_defaults() {
    let dir = Directory::demo();
    let ids: Vec<&str> = dir.accounts().map(Account::id).collect();
    assert_eq!(
        ids,
        [
            "111122223333",
            "123456789012",
            "444455556666",
            "999988887777"
        ]
    );
    let staging = dir.account("staging").unwrap();
    assert_eq!(staging.id(), "444455556666");
    let defaults = |arn: &str| {
        let (_, role) = dir.role_by_arn(arn).unwrap();
        (role.console_display_name(), role.console_color())
    };
    let production = defaults("arn:aws:iam::123456789012:role/UpdateAPP");
    let staging_role = defaults("arn:aws:iam::444455556666:role/UpdateAPP");
    assert_eq!(production, (Some("Production app"), Some("#f2b0a9")));
    assert_eq!(staging_role, (Some("Staging app"), Some("#fad791")));
    let (owner, bucket) = dir.bucket("stagingapp").unwrap();
    assert_eq!(owner.id(), "444455556666");
    let keys: Vec<&str> = bucket
        .sample_objects()
        .iter()
        .map(|o| o.key.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "index.html",
            "app/config.json",
            "app/release-notes.txt",
            "releases/1.5.0-rc.1.txt"
        ]
    );
    let org = staging.org().expect("placed");
    assert_eq!(org.path, "o-a1b2c3d4e5/r-a1b2/ou-a1b2-st4g1ng0/");
}

#[test]
fn demo_password_hashes_match_the_documented_passwords() {
    use argon2::{Argon2, PasswordHash, PasswordVerifier};
    let dir = Directory::demo();
    let dev = dir.account("development").unwrap();
    for (user, password) in [
        ("alice", "alice-demo-pass"),
        ("bob", "bob-demo-pass"),
        ("admin", "admin-demo-pass"),
    ] {
        let hash = dev.user(user).unwrap().password_hash().unwrap();
        let parsed = PasswordHash::new(hash).unwrap();
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        assert!(
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            "{user}"
        );
        assert!(
            Argon2::default()
                .verify_password(b"wrong", &parsed)
                .is_err()
        );
    }
}

#[test]
fn minimal_file_loads() {
    let dir = Directory::from_toml(MINIMAL, "dir.toml").unwrap();
    assert!(!dir.is_demo());
    assert!(
        dir.account("development")
            .unwrap()
            .user("alice")
            .unwrap()
            .password_hash()
            .is_none()
    );
}

#[test]
fn bad_toml_keeps_line_and_column() {
    let e = load_err("[[accounts]]\nid = \"111122223333\"\nalias = = \"x\"\n");
    assert!(e.starts_with("dir.toml:3:"), "{e}");
}

#[test]
fn unknown_field_names_its_path() {
    let e = load_err(&MINIMAL.replace("name = \"alice\"", "name = \"alice\"\n  passwrd = \"x\""));
    assert!(e.starts_with("dir.toml:"), "{e}");
    assert!(e.contains("accounts[0].users[0]"), "{e}");
    assert!(e.contains("unknown field `passwrd`"), "{e}");
}

#[test]
fn bad_account_id() {
    let e = load_err(&MINIMAL.replace("111122223333", "1111-2222-3333"));
    assert_eq!(
        e,
        "dir.toml: accounts[0].id: \"1111-2222-3333\" is not an account ID (expected 12 digits)"
    );
}

#[test]
fn unknown_group() {
    let e = load_err(&MINIMAL.replace("groups = [\"Developers\"]", "groups = [\"Develpers\"]"));
    assert_eq!(
        e,
        "dir.toml: accounts[0].users[0].groups[0]: unknown group \"Develpers\""
    );
}

#[test]
fn bad_policy_json() {
    let text = format!(
        "{MINIMAL}\n    [[accounts.groups.inline_policies]]\n    name = \"P\"\n    document = '''{{ \"Statement\": [ }}'''\n"
    );
    let e = load_err(&text);
    assert!(
        e.starts_with("dir.toml: accounts[0].groups[0].inline_policies[0].document: not valid JSON (line 1, column"),
        "{e}"
    );
}

#[test]
fn bad_policy_element_names_the_statement_path() {
    let text = r#"
[[accounts]]
id = "123456789012"
  [[accounts.roles]]
  name = "R"
  trust_policy = '''{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole","Condition":{"Bool":"true"}}]}'''
"#;
    let e = load_err(text);
    assert_eq!(
        e,
        "dir.toml: accounts[0].roles[0].trust_policy: Statement[0].Condition.Bool: expected an object, found the string \"true\""
    );
}

#[test]
fn duplicate_alias() {
    let text = format!("{MINIMAL}\n[[accounts]]\nid = \"123456789012\"\nalias = \"development\"\n");
    let e = load_err(&text);
    assert_eq!(
        e,
        "dir.toml: accounts[1].alias: duplicate alias \"development\""
    );
}

#[test]
fn numeric_alias_rejected() {
    let e = load_err(&MINIMAL.replace("alias = \"development\"", "alias = \"123456789012\""));
    assert!(e.starts_with("dir.toml: accounts[0].alias: "), "{e}");
}

#[test]
fn other_rules() {
    let role = |extra: &str| {
        format!(
            "[[accounts]]\nid = \"123456789012\"\n[[accounts.roles]]\nname = \"R\"\ntrust_policy = '''{{\"Statement\":{{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"sts:AssumeRole\"}}}}'''\n{extra}"
        )
    };
    assert!(Directory::from_toml(&role(""), "d").is_ok());
    assert!(
        load_err(&role("max_session_duration = 100"))
            .contains("roles[0].max_session_duration: 100 is out of range")
    );
    assert!(
        load_err(&role("managed_policies = [\"Nope\"]"))
            .contains("roles[0].managed_policies[0]: unknown managed policy \"Nope\"")
    );
    let bucket =
        "[[accounts]]\nid = \"123456789012\"\n[[accounts.buckets]]\nname = \"Bad_Bucket\"\n";
    assert!(load_err(bucket).contains("accounts[0].buckets[0].name: \"Bad_Bucket\""));
    let user = "[[accounts]]\nid = \"123456789012\"\n[[accounts.users]]\nname = \"a b\"\n";
    assert!(load_err(user).contains("accounts[0].users[0].name: \"a b\" contains ' '"));
    let hash = "[[accounts]]\nid = \"123456789012\"\n[[accounts.users]]\nname = \"a\"\npassword_hash = \"plain\"\n";
    assert!(
        load_err(hash).contains("accounts[0].users[0].password_hash: expected an argon2id hash")
    );
}

#[test]
fn missing_file_names_it() {
    let e = Directory::load(std::path::Path::new("/nonexistent/dir.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("/nonexistent/dir.toml: cannot read the file"),
        "{e}"
    );
}

#[test]
fn size_limits_are_configurable() {
    let text = format!(
        "[limits]\ntrust_policy = 40\n{}",
        Directory::demo_toml().replace("demo = true", "")
    );
    let e = load_err(&text);
    assert!(
        e.contains("accounts[1].roles[0].trust_policy: policy is"),
        "{e}"
    );
    assert!(e.contains("the limit is 40"), "{e}");
    let e = load_err("[limits]\ntrust_polcy = 40\n");
    assert!(e.contains("limits.trust_polcy: unknown field"), "{e}");
}

#[test]
fn toml_errors_carry_position_and_field_path() {
    // A syntax error: found while parsing, so no field path.
    let err = load_err("[[accounts]]\nid = \"111122223333\nalias = \"x\"\n");
    assert!(err.starts_with("dir.toml:2:"), "{err}");
    // A shape error: the field path of the offending value, and its position.
    let err = load_err(&MINIMAL.replace("groups = [\"Developers\"]", "groups = \"Developers\""));
    assert!(err.starts_with("dir.toml:7:"), "{err}");
    assert!(err.contains("accounts[0].users[0].groups: "), "{err}");
}

/// One role with `extra` lines added to it.
fn with_role(extra: &str) -> String {
    format!(
        "[[accounts]]\nid = \"123456789012\"\n[[accounts.roles]]\nname = \"R\"\ntrust_policy = '''{{\"Statement\":{{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"sts:AssumeRole\"}}}}'''\n{extra}"
    )
}

/// The loaded role's console defaults (display name, colour).
fn console_defaults(extra: &str) -> (Option<String>, Option<String>) {
    let dir = Directory::from_toml(&with_role(extra), "dir.toml").expect("loads");
    let role = dir
        .account("123456789012")
        .and_then(|a| a.role("R"))
        .expect("role R");
    (
        role.console_display_name().map(str::to_owned),
        role.console_color().map(str::to_owned),
    )
}

#[test]
fn console_defaults_are_optional_trimmed_and_resolved() {
    assert_eq!(console_defaults(""), (None, None));
    let (name, color) =
        console_defaults("console_display_name = \"  Production app \"\nconsole_color = \"red\"");
    assert_eq!(name.as_deref(), Some("Production app"));
    assert_eq!(color.as_deref(), Some(types::palette::PALETTE[0].1));
    let longest = "é".repeat(MAX_DISPLAY_NAME_CHARS);
    let (name, _) = console_defaults(&format!("console_display_name = \"{longest}\""));
    assert_eq!(name.as_deref(), Some(longest.as_str()));
    for (written, resolved) in [
        ("Green", "#b7ca9d"),
        ("#ABCDEF", "#abcdef"),
        ("#a1b", "#aa11bb"),
        ("f2b0a9", "#f2b0a9"),
    ] {
        let (_, color) = console_defaults(&format!("console_color = \"{written}\""));
        assert_eq!(color.as_deref(), Some(resolved), "{written}");
    }
}

#[test]
fn bad_console_defaults_name_the_field() {
    let too_long = "x".repeat(MAX_DISPLAY_NAME_CHARS + 1);
    for (field, value, message) in [
        (
            "console_display_name",
            "",
            "must not be empty (or only white space)".to_owned(),
        ),
        (
            "console_display_name",
            " \\t ",
            "must not be empty (or only white space)".to_owned(),
        ),
        (
            "console_display_name",
            too_long.as_str(),
            format!("\"{too_long}\" is longer than 64 characters"),
        ),
        (
            "console_display_name",
            "Prod\\u001b[31m app",
            "contains the control character '\\u{1b}'".to_owned(),
        ),
        (
            "console_display_name",
            "Prod\\napp",
            "contains the control character '\\n'".to_owned(),
        ),
        (
            "console_color",
            "pink",
            "\"pink\" is not a colour (expected one of red, orange, yellow, green, blue, purple or a hex colour \"#rrggbb\" or \"#rgb\")".to_owned(),
        ),
        (
            "console_color",
            "#12",
            "\"#12\" is not a colour (expected one of red, orange, yellow, green, blue, purple or a hex colour \"#rrggbb\" or \"#rgb\")".to_owned(),
        ),
        (
            "console_color",
            "",
            "\"\" is not a colour (expected one of red, orange, yellow, green, blue, purple or a hex colour \"#rrggbb\" or \"#rgb\")".to_owned(),
        ),
    ] {
        let e = load_err(&with_role(&format!("{field} = \"{value}\"")));
        assert_eq!(e, format!("dir.toml: accounts[0].roles[0].{field}: {message}"));
    }
}

#[test]
fn console_defaults_must_be_strings() {
    let e = load_err(&with_role("console_color = 0xff0000"));
    assert!(e.contains("accounts[0].roles[0].console_color: "), "{e}");
}
