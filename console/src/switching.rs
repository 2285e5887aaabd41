//! Switching into a role and back, for a signed-in user.
//!
//! The user sees one generic message when a switch is refused; the deciding policies and
//! statements go to the audit trail.

use serde_json::json;
use time::OffsetDateTime;
use tower_sessions_core::Session;

use crate::audit::{AuditEvent, Decision};
use crate::client::ClientAddr;
use crate::cloud::{CloudError, SwitchRequest};
use crate::session::{self, HeldRole, SignedInUser};
use crate::state::AppState;
use types::identity::RoleSummary;
use types::palette::{DEFAULT_COLOR, resolve_color};
use types::role_history::RoleHistoryEntry;

pub const MAX_DISPLAY_NAME_CHARS: usize = 64;

/// The Switch Role form as submitted.
#[derive(Clone, Debug, Default)]
pub struct SwitchForm {
    pub account: String,
    pub role: String,
    pub display_name: String,
    pub color: String,
    /// The current code of the role's AWS MFA device, for roles that need one (AWS backend).
    pub token_code: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SwitchError {
    /// One field is wrong; the message is safe to show next to it.
    #[error("{field}: {message}")]
    Field {
        field: &'static str,
        message: String,
    },
    /// Refused, for whatever reason: the user sees the generic message.
    #[error("not allowed")]
    NotAllowed,
    /// Refused now, but the role's trust policy would accept a fresh MFA: ask for one (a step-up,
    /// or enrolling a device when the user has none) and try once more.
    #[error("a fresh MFA is needed")]
    MfaNeeded { has_device: bool },
    #[error("unavailable: {0}")]
    Unavailable(String),
}

/// A validated form: which role, and how the console shows it.
struct Target {
    account_id: String,
    account_alias: Option<String>,
    /// The Role field, normalised: `path/Name` or `Name`.
    role: String,
    role_name: String,
    role_arn: String,
    display_name: String,
    color: String,
}

fn field(field: &'static str, message: &str) -> SwitchError {
    SwitchError::Field {
        field,
        message: message.to_string(),
    }
}

fn validate(state: &AppState, form: &SwitchForm) -> Result<Target, SwitchError> {
    let account = form.account.trim();
    let (account_id, account_alias) =
        if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) {
            let alias = state
                .directory
                .account(account)
                .and_then(|a| a.alias())
                .map(str::to_string);
            (account.to_string(), alias)
        } else if let Some(known) = state.directory.account(account) {
            (known.id().to_string(), known.alias().map(str::to_string))
        } else if account.is_empty() {
            return Err(field(
                "account",
                "Enter the account ID (12 digits) or alias.",
            ));
        } else {
            return Err(field(
                "account",
                "Enter a 12-digit account ID, or the alias of a known account.",
            ));
        };

    // "Name" or "path/segments/Name", as IAM writes role paths.
    let role = form.role.trim().trim_matches('/');
    let valid_segment = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
    };
    if role.is_empty() || role.len() > 512 || !role.split('/').all(valid_segment) {
        return Err(field(
            "role",
            "Enter the role name (letters, digits and + = , . @ _ -), optionally with its path.",
        ));
    }
    let (path, role_name) = match role.rsplit_once('/') {
        Some((path, name)) => (format!("/{path}/"), name.to_string()),
        None => ("/".to_string(), role.to_string()),
    };
    let role_arn = format!("arn:aws:iam::{account_id}:role{path}{role_name}");

    let display_name = form.display_name.trim();
    if display_name.chars().count() > MAX_DISPLAY_NAME_CHARS {
        return Err(field("display_name", "Use at most 64 characters."));
    }
    if display_name.chars().any(char::is_control) {
        return Err(field("display_name", "Control characters are not allowed."));
    }
    let display_name = if display_name.is_empty() {
        format!(
            "{role_name} @ {}",
            account_alias.as_deref().unwrap_or(&account_id)
        )
    } else {
        display_name.to_string()
    };
    let color = if form.color.trim().is_empty() {
        DEFAULT_COLOR.to_string()
    } else {
        resolve_color(&form.color).ok_or_else(|| field("color", "Choose one of the colours."))?
    };
    Ok(Target {
        account_id,
        account_alias,
        role: role.to_string(),
        role_name,
        role_arn,
        display_name,
        color,
    })
}

/// The AWS MFA code, when the backend needs one for this role: six digits.
fn token_code(
    state: &AppState,
    role_arn: &str,
    entered: &str,
) -> Result<Option<String>, SwitchError> {
    if !state.cloud.requires_token_code(role_arn) {
        return Ok(None);
    }
    let code: String = entered.chars().filter(|c| !c.is_whitespace()).collect();
    if code.is_empty() {
        return Err(field(
            "token_code",
            "This role needs the current code of its MFA device.",
        ));
    }
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(field("token_code", "Enter the 6-digit code."));
    }
    Ok(Some(code))
}

/// Switches the session into the role. On success the credentials are held server-side and
/// the session id has been cycled.
pub async fn switch_role(
    state: &AppState,
    session: &Session,
    client: ClientAddr,
    user: &SignedInUser,
    mfa_authenticated_at: Option<OffsetDateTime>,
    form: &SwitchForm,
) -> Result<RoleSummary, SwitchError> {
    if user.must_enrol {
        // Confined to enrolling an MFA device first (see the MFA policy).
        return Err(SwitchError::NotAllowed);
    }
    let target = validate(state, form)?;
    let token_code = token_code(state, &target.role_arn, &form.token_code)?;
    let request = SwitchRequest {
        caller_arn: user.arn(),
        role_arn: target.role_arn.clone(),
        session_name: user.user_name.clone(),
        source_identity: user.user_name.clone(),
        mfa_authenticated_at,
        source_ip: client.0,
        duration: None,
        token_code,
    };
    let audit = |decision| {
        AuditEvent::new("SwitchRole", decision)
            .actor(user.arn())
            .account(&user.account_id)
            .client(client)
    };
    let credentials = match state.cloud.assume_role(&request).await {
        Ok(credentials) => credentials,
        Err(error) => {
            let detail = match &error {
                CloudError::Denied { detail } => detail.clone(),
                CloudError::Invalid(message) => {
                    json!({ "role_arn": target.role_arn, "invalid": message })
                }
                CloudError::Unavailable(message) => {
                    json!({ "role_arn": target.role_arn, "unavailable": message })
                }
                other => json!({ "role_arn": target.role_arn, "error": other.to_string() }),
            };
            let step_up = matches!(error, CloudError::Denied { .. })
                && needs_fresher_mfa(mfa_authenticated_at)
                && may_switch_with_fresh_mfa(state, user, client, &target.role_arn);
            let detail = match detail {
                serde_json::Value::Object(mut map) if step_up => {
                    map.insert("step_up_offered".into(), true.into());
                    serde_json::Value::Object(map)
                }
                other => other,
            };
            record(state, audit(Decision::Denied).detail(detail)).await?;
            if step_up {
                let has_device = state
                    .mfa
                    .has_devices(&user.key())
                    .await
                    .map_err(|e| SwitchError::Unavailable(e.to_string()))?;
                return Err(SwitchError::MfaNeeded { has_device });
            }
            return Err(match error {
                CloudError::Unavailable(message) => SwitchError::Unavailable(message),
                _ => SwitchError::NotAllowed,
            });
        }
    };
    let mut credentials = credentials;
    if let Some(limit) = state.policy.role_session_limit {
        // The console ends the role earlier than its credentials when configured to.
        let limit = i64::try_from(limit.as_secs()).unwrap_or(i64::MAX);
        let ends = crate::clock::now_utc()
            .unix_timestamp()
            .saturating_add(limit);
        credentials.expiration = credentials.expiration.min(ends);
    }
    let history_entry = RoleHistoryEntry {
        account_id: target.account_id.clone(),
        account_alias: None,
        role: target.role.clone(),
        display_name: target.display_name.clone(),
        color: target.color.clone(),
        last_used_at: crate::clock::now_utc().unix_timestamp(),
        uses: 1,
    };
    let held = HeldRole {
        account_id: target.account_id,
        account_alias: target.account_alias,
        role_name: target.role_name,
        role_arn: target.role_arn,
        display_name: target.display_name,
        color: target.color,
        assumed_at: crate::clock::now_utc().unix_timestamp(),
        credentials,
    };
    record(
        state,
        audit(Decision::Allowed).detail(json!({
            "role_arn": held.role_arn,
            "assumed_role_arn": held.credentials.assumed_role_arn,
            "access_key_id": held.credentials.access_key_id,
            "expires_at": held.credentials.expiration,
            "backend": state.cloud.name(),
        })),
    )
    .await?;
    let replaced = session::held_role(state, session)
        .await
        .map_err(|e| SwitchError::Unavailable(e.to_string()))?;
    session::hold_role(state, session, &held)
        .await
        .map_err(|e| SwitchError::Unavailable(e.to_string()))?;
    // Switching from one role straight into another: the old credentials go.
    if let Some(replaced) = replaced
        && let Err(e) = state.cloud.release(&replaced.credentials).await
    {
        tracing::warn!("switch: releasing the replaced role's credentials: {e}");
    }
    if let Err(e) = state.role_history.record(&user.arn(), &history_entry).await {
        // The switch happened; only the shortcut for next time is missing.
        tracing::warn!("role history: {e}");
    }
    Ok(held.summary())
}

/// A session MFA older than this is refreshed (step-up) when the trust policy would allow the
/// switch with a fresh one; a younger one is taken as the answer, so a step-up is asked for at
/// most once per attempt.
const STEP_UP_AFTER: std::time::Duration = std::time::Duration::from_secs(10);

fn needs_fresher_mfa(mfa_authenticated_at: Option<OffsetDateTime>) -> bool {
    mfa_authenticated_at.is_none_or(|at| crate::clock::now_utc() - at > STEP_UP_AFTER)
}

/// Whether the user's own permissions and the role's trust policy (as the directory knows
/// them) would let the user assume `role_arn` right after a fresh MFA. Decided by the local
/// engine without side effects; the switch itself still asks the cloud.
pub fn may_switch_with_fresh_mfa(
    state: &AppState,
    user: &SignedInUser,
    client: ClientAddr,
    role_arn: &str,
) -> bool {
    use iam::access::{CallerContext, Identity, authorize};
    let directory = &state.directory;
    let Some(identity) = Identity::user(directory, &user.arn()) else {
        return false;
    };
    let now = crate::clock::now_utc();
    let caller = CallerContext::at(now)
        .with_mfa(now)
        .with_source_ip(client.0);
    authorize(directory, &identity, "sts:AssumeRole", role_arn, &caller).is_allowed()
}

/// Drops the held role: the credentials are released and the user's own permissions apply
/// again. Does nothing when no role is held.
pub async fn switch_back(
    state: &AppState,
    session: &Session,
    client: ClientAddr,
    user: &SignedInUser,
) -> Result<(), SwitchError> {
    let Some(held) = session::drop_role(state, session)
        .await
        .map_err(|e| SwitchError::Unavailable(e.to_string()))?
    else {
        return Ok(());
    };
    if let Err(e) = state.cloud.release(&held.credentials).await {
        // The session no longer holds them either way; expiry ends them at the latest.
        tracing::warn!("switch back: releasing credentials: {e}");
    }
    record(
        state,
        AuditEvent::new("SwitchBack", Decision::Info)
            .actor(user.arn())
            .account(&user.account_id)
            .client(client)
            .detail(json!({ "role_arn": held.role_arn, "access_key_id": held.credentials.access_key_id })),
    )
    .await
}

/// Assumes the held role again for a fresh expiry, if it is still allowed. The old credentials
/// are released once new ones are held.
pub async fn renew(
    state: &AppState,
    session: &Session,
    client: ClientAddr,
    user: &SignedInUser,
    mfa_authenticated_at: Option<OffsetDateTime>,
) -> Result<RoleSummary, SwitchError> {
    let Some(held) = session::held_role(state, session)
        .await
        .map_err(|e| SwitchError::Unavailable(e.to_string()))?
    else {
        return Err(SwitchError::NotAllowed);
    };
    let role_path = held
        .role_arn
        .split_once(":role/")
        .map(|(_, path)| path.to_string())
        .unwrap_or_else(|| held.role_name.clone());
    let form = SwitchForm {
        account: held.account_id.clone(),
        role: role_path,
        display_name: held.display_name.clone(),
        color: held.color.clone(),
        // A role that needs an AWS MFA code cannot be renewed without one: Renew then leads
        // to the Switch Role form.
        token_code: String::new(),
    };
    // switch_role releases the credentials it replaces.
    switch_role(state, session, client, user, mfa_authenticated_at, &form).await
}

async fn record(state: &AppState, event: AuditEvent) -> Result<(), SwitchError> {
    state
        .audit
        .append(event)
        .await
        .map_err(|e| SwitchError::Unavailable(e.to_string()))
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;
    use std::time::Duration;

    use super::*;
    use crate::test_support::{session, state};

    const CLIENT: ClientAddr = ClientAddr(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));

    fn update_app(display_name: &str, color: &str) -> SwitchForm {
        SwitchForm {
            account: "production".into(),
            role: "UpdateAPP".into(),
            display_name: display_name.into(),
            color: color.into(),
            token_code: String::new(),
        }
    }

    #[tokio::test]
    async fn alice_with_mfa_switches_and_switches_back() {
        let (state, _dir) = state(Duration::from_secs(3600)).await;
        let session = session();
        let alice = SignedInUser::new("111122223333", "alice");
        let mfa = Some(crate::clock::now_utc());
        let role = switch_role(
            &state,
            &session,
            CLIENT,
            &alice,
            mfa,
            &update_app("", "green"),
        )
        .await
        .expect("allowed");
        assert_eq!(role.display_name, "UpdateAPP @ production");
        assert_eq!(role.color, "#b7ca9d");
        assert_eq!(role.account_id, "123456789012");
        let held = session::held_role(&state, &session)
            .await
            .expect("read")
            .expect("held");
        assert!(held.credentials.access_key_id.starts_with("ASIA"));

        switch_back(&state, &session, CLIENT, &alice)
            .await
            .expect("switch back");
        assert_eq!(
            session::held_role(&state, &session).await.expect("read"),
            None
        );
        let actions: Vec<String> = state
            .audit
            .recent(10)
            .await
            .expect("audit")
            .iter()
            .map(|r| r.event.action.clone())
            .collect();
        assert_eq!(actions, vec!["SwitchBack", "SwitchRole"]);
    }

    #[tokio::test]
    async fn bob_is_refused_and_the_audit_trail_says_why() {
        let (state, _dir) = state(Duration::from_secs(3600)).await;
        let session = session();
        let bob = SignedInUser::new("111122223333", "bob");
        let mfa = Some(crate::clock::now_utc());
        let refused = switch_role(&state, &session, CLIENT, &bob, mfa, &update_app("", "")).await;
        assert!(
            matches!(refused, Err(SwitchError::NotAllowed)),
            "{refused:?}"
        );
        assert_eq!(
            session::held_role(&state, &session).await.expect("read"),
            None
        );
        let audit = state.audit.recent(1).await.expect("audit");
        assert_eq!(audit[0].event.decision, Decision::Denied);
        assert_eq!(audit[0].event.detail["decision"], "ImplicitlyDenied");
        assert!(
            audit[0].event.detail["explanation"]
                .as_array()
                .is_some_and(|e| !e.is_empty())
        );
    }

    #[tokio::test]
    async fn alice_without_mfa_is_refused_by_the_trust_policy() {
        let (state, _dir) = state(Duration::from_secs(3600)).await;
        let session = session();
        let alice = SignedInUser::new("111122223333", "alice");
        let refused =
            switch_role(&state, &session, CLIENT, &alice, None, &update_app("", "")).await;
        // A fresh MFA would do: she is asked for one (she has no device, so to add one).
        assert!(
            matches!(refused, Err(SwitchError::MfaNeeded { has_device: false })),
            "{refused:?}"
        );
        assert_eq!(
            session::held_role(&state, &session).await.expect("read"),
            None
        );
        let audit = state.audit.recent(1).await.expect("audit");
        assert_eq!(audit[0].event.decision, Decision::Denied);
        assert_eq!(audit[0].event.detail["step_up_offered"], true);
        // This trust policy asks only that MFA was used, however long ago: no step-up then.
        let earlier = Some(crate::clock::now_utc() - Duration::from_secs(1800));
        switch_role(
            &state,
            &session,
            CLIENT,
            &alice,
            earlier,
            &update_app("", ""),
        )
        .await
        .expect("an older MFA satisfies aws:MultiFactorAuthPresent");
    }

    #[tokio::test]
    async fn switching_again_releases_the_credentials_it_replaces() {
        let (state, dir) = state(Duration::from_secs(3600)).await;
        let session = session();
        let alice = SignedInUser::new("111122223333", "alice");
        let mfa = Some(crate::clock::now_utc());
        let form = update_app("", "");
        switch_role(&state, &session, CLIENT, &alice, mfa, &form)
            .await
            .expect("first");
        let first = session::held_role(&state, &session)
            .await
            .expect("read")
            .expect("held");
        switch_role(&state, &session, CLIENT, &alice, mfa, &form)
            .await
            .expect("second");
        let second = session::held_role(&state, &session)
            .await
            .expect("read")
            .expect("held");
        assert_ne!(
            first.credentials.access_key_id,
            second.credentials.access_key_id
        );

        let cloud = crate::cloud::local::LocalCloud::open(
            std::sync::Arc::clone(&state.directory),
            dir.path(),
        )
        .expect("cloud");
        let now = iam::access::CallerContext::at(crate::clock::now_utc());
        let use_key = |held: &HeldRole| {
            cloud.sts().authorize(
                &held.credentials.access_key_id,
                &held.credentials.session_token,
                "s3:GetObject",
                "arn:aws:s3:::productionapp/index.html",
                &now,
            )
        };
        assert!(
            use_key(&first).is_err(),
            "the replaced credentials are gone"
        );
        assert!(use_key(&second).expect("known").is_allowed());
    }

    #[tokio::test]
    async fn the_console_limit_ends_a_role_before_its_credentials() {
        let (mut state, _dir) = state(Duration::from_secs(3600)).await;
        let mut policy = (*state.policy).clone();
        policy.role_session_limit = Some(Duration::from_secs(30));
        state.policy = std::sync::Arc::new(policy);
        let session = session();
        let alice = SignedInUser::new("111122223333", "alice");
        let role = switch_role(
            &state,
            &session,
            CLIENT,
            &alice,
            Some(crate::clock::now_utc()),
            &update_app("", ""),
        )
        .await
        .expect("allowed");
        let left = role.expires_at - crate::clock::now_utc().unix_timestamp();
        assert!((29..=30).contains(&left), "{left} s left");
        let history = state
            .role_history
            .list(&alice.arn(), 5)
            .await
            .expect("history");
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].role, "UpdateAPP");
    }

    #[tokio::test]
    async fn bad_fields_are_named_and_change_nothing() {
        let (state, _dir) = state(Duration::from_secs(3600)).await;
        let session = session();
        let alice = SignedInUser::new("111122223333", "alice");
        let mfa = Some(crate::clock::now_utc());
        let cases = [
            (
                SwitchForm {
                    account: "12345".into(),
                    ..update_app("", "")
                },
                "account",
            ),
            (
                SwitchForm {
                    role: "Update APP".into(),
                    ..update_app("", "")
                },
                "role",
            ),
            (update_app(&"x".repeat(65), ""), "display_name"),
            (update_app("", "red;background:url(x)"), "color"),
        ];
        for (form, expected) in cases {
            match switch_role(&state, &session, CLIENT, &alice, mfa, &form).await {
                Err(SwitchError::Field { field, .. }) => assert_eq!(field, expected),
                other => panic!("{expected}: {other:?}"),
            }
        }
        assert_eq!(
            session::held_role(&state, &session).await.expect("read"),
            None
        );
        assert!(state.audit.recent(10).await.expect("audit").is_empty());
    }
}
