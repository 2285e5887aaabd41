//! Switching into a role and back, for a signed-in user.
//!
//! The user sees one generic message when a switch is refused; the deciding policies and
//! statements go to the audit trail.

use serde_json::json;
use time::OffsetDateTime;
use tower_sessions_core::Session;

use crate::audit::{AuditEvent, Decision};
use crate::catalog;
use crate::client::ClientAddr;
use crate::cloud::{CloudError, SwitchRequest};
use crate::session::role_sessions::{self, Replace};
use crate::session::{HeldRole, SignedInUser};
use crate::state::AppState;
use types::identity::RoleSummary;
use types::palette::resolve_color;
use types::role_history::RoleHistoryEntry;
use types::role_sessions::EndReason;

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
    /// Which role session the new one takes the place of when all are in use.
    pub replace: Replace,
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
    /// Every role session is in use and the form did not say which one to replace.
    #[error("all {max} role sessions are in use")]
    AllInUse { held: Vec<RoleSummary>, max: usize },
    /// The tab's role session is not held (any more): nothing to renew or switch back from.
    #[error("the role session is not held")]
    SessionNotHeld,
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
    // The directory's defaults for the role, when the form leaves the fields empty.
    let known = state.directory.role_by_arn(&role_arn).map(|(_, role)| role);
    let display_name = if display_name.is_empty() {
        catalog::display_name(
            known,
            &role_name,
            account_alias.as_deref().unwrap_or(&account_id),
        )
    } else {
        display_name.to_string()
    };
    let color = if form.color.trim().is_empty() {
        catalog::color(known)
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

/// Opens a new role session in the role and returns it (its ID names the tab's session from
/// now on). When all `max_role_sessions` are in use, the form says which one it replaces
/// (else [`SwitchError::AllInUse`], before anything is asked of the cloud). On success the
/// credentials are held server-side and the console session's ID has been cycled.
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
    let held_now = role_sessions::held(state, session)
        .await
        .map_err(unavailable)?;
    let max = state.policy.max_role_sessions.max(1);
    let replacing = if held_now.len() >= max {
        match role_sessions::replaced(&held_now, &form.replace) {
            Some(out) => Some(out.session_id.clone()),
            None => {
                return Err(SwitchError::AllInUse {
                    held: held_now.iter().map(HeldRole::summary).collect(),
                    max,
                });
            }
        }
    } else {
        None
    };
    let session_id = role_sessions::fresh_id(session, &held_now)
        .await
        .map_err(unavailable)?;
    let slot = Slot {
        session_id,
        replacing: replacing.clone(),
        renewing: false,
    };
    let held = assume(
        state,
        client,
        user,
        mfa_authenticated_at,
        &target,
        token_code,
        &slot,
    )
    .await?;
    let replaced = role_sessions::open(state, session, held.clone(), replacing.as_deref())
        .await
        .map_err(unavailable)?;
    // A full set of sessions: the replaced one's credentials go.
    if let Some(replaced) = replaced
        && let Err(e) = state.cloud.release(&replaced.credentials).await
    {
        tracing::warn!("switch: releasing the replaced role session's credentials: {e}");
    }
    Ok(held.summary())
}

/// Where a new set of credentials goes: a new role session (maybe replacing one), or the
/// same session renewed.
struct Slot {
    session_id: String,
    replacing: Option<String>,
    renewing: bool,
}

/// Asks the cloud for the role's credentials and audits the answer (the deciding policies of a
/// refusal go to the audit trail; the user sees one generic message, or is asked for a fresh
/// MFA when that would help). The role history records a success.
async fn assume(
    state: &AppState,
    client: ClientAddr,
    user: &SignedInUser,
    mfa_authenticated_at: Option<OffsetDateTime>,
    target: &Target,
    token_code: Option<String>,
    slot: &Slot,
) -> Result<HeldRole, SwitchError> {
    let grant = grant_for(state, user, client, &target.role_arn).await?;
    let granted = iam::grants::policies(grant.as_slice());
    let request = SwitchRequest {
        caller_arn: user.arn(),
        role_arn: target.role_arn.clone(),
        session_name: user.user_name.clone(),
        source_identity: user.user_name.clone(),
        mfa_authenticated_at,
        source_ip: client.0,
        duration: None,
        token_code,
        granted: granted.clone(),
        not_after: grant.as_ref().map(|g| g.ends_at),
        external_id: None,
        session_policy: None,
    };
    // What the audit trail's "Explain" replays the decision with.
    let recorded_context =
        crate::simulator::recorded_context(mfa_authenticated_at, crate::clock::now_utc());
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
                && may_switch_with_fresh_mfa(state, user, client, &target.role_arn, &granted);
            let detail = match detail {
                serde_json::Value::Object(mut map) => {
                    if step_up {
                        map.insert("step_up_offered".into(), true.into());
                    }
                    map.insert("context".into(), recorded_context.clone());
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
    if let Some(grant) = &grant {
        // A role session under a grant ends at the grant's end at the latest.
        credentials.expiration = credentials.expiration.min(grant.ends_at.unix_timestamp());
    }
    let now = crate::clock::now_utc().unix_timestamp();
    let history_entry = RoleHistoryEntry {
        account_id: target.account_id.clone(),
        account_alias: None,
        role: target.role.clone(),
        display_name: target.display_name.clone(),
        color: target.color.clone(),
        last_used_at: now,
        uses: 1,
    };
    let held = HeldRole {
        session_id: slot.session_id.clone(),
        account_id: target.account_id.clone(),
        account_alias: target.account_alias.clone(),
        role_name: target.role_name.clone(),
        role_arn: target.role_arn.clone(),
        display_name: target.display_name.clone(),
        color: target.color.clone(),
        assumed_at: now,
        credentials,
        grant_id: grant.as_ref().map(|g| g.id),
    };
    let mut detail = json!({
        "role_arn": held.role_arn,
        "assumed_role_arn": held.credentials.assumed_role_arn,
        "access_key_id": held.credentials.access_key_id,
        "expires_at": held.credentials.expiration,
        "backend": state.cloud.name(),
        "role_session": held.session_id,
        "context": recorded_context,
    });
    if let Some(replacing) = &slot.replacing {
        detail["replaced_role_session"] = replacing.clone().into();
    }
    if slot.renewing {
        detail["renewed"] = true.into();
    }
    if let Some(grant) = &grant {
        detail["access_grant"] = grant.id.into();
        state
            .access_requests
            .record_session(grant.id, &held.credentials.access_key_id)
            .await
            .map_err(unavailable)?;
    }
    record(state, audit(Decision::Allowed).detail(detail)).await?;
    if let Err(e) = state.role_history.record(&user.arn(), &history_entry).await {
        // The switch happened; only the shortcut for next time is missing.
        tracing::warn!("role history: {e}");
    }
    Ok(held)
}

fn unavailable(e: impl std::fmt::Display) -> SwitchError {
    SwitchError::Unavailable(e.to_string())
}

/// A session MFA older than this is refreshed (step-up) when the trust policy would allow the
/// switch with a fresh one; a younger one is taken as the answer, so a step-up is asked for at
/// most once per attempt.
const STEP_UP_AFTER: std::time::Duration = std::time::Duration::from_secs(10);

fn needs_fresher_mfa(mfa_authenticated_at: Option<OffsetDateTime>) -> bool {
    mfa_authenticated_at.is_none_or(|at| crate::clock::now_utc() - at > STEP_UP_AFTER)
}

/// The access grant a switch to `role_arn` is made under: the user's grant on that role in
/// force that lasts longest, when their own permissions would not let them switch (a grant
/// they do not need does not cut their session short).
pub(crate) async fn grant_for(
    state: &AppState,
    user: &SignedInUser,
    client: ClientAddr,
    role_arn: &str,
) -> Result<Option<iam::AccessGrant>, SwitchError> {
    let grants = crate::access_requests::active_grants(state, &user.arn())
        .await
        .map_err(unavailable)?;
    let best = grants
        .into_iter()
        .filter(|g| g.role_arn == role_arn)
        .max_by_key(|g| g.ends_at);
    if best.is_none() || may_switch_with_fresh_mfa(state, user, client, role_arn, &[]) {
        return Ok(None);
    }
    Ok(best)
}

/// Whether the user's own permissions (with the identity policies of their access grants,
/// `granted`) and the role's trust policy (as the directory knows them) would let the user
/// assume `role_arn` right after a fresh MFA. Decided by the local engine without side
/// effects; the switch itself still asks the cloud.
pub fn may_switch_with_fresh_mfa(
    state: &AppState,
    user: &SignedInUser,
    client: ClientAddr,
    role_arn: &str,
    granted: &[iam::NamedPolicy],
) -> bool {
    use iam::access::{CallerContext, Identity, authorize_with_grants};
    let directory = &state.directory;
    let Some(identity) = Identity::user(directory, &user.arn()) else {
        return false;
    };
    let now = crate::clock::now_utc();
    let caller = CallerContext::at(now)
        .with_mfa(now)
        .with_source_ip(client.0);
    let context = identity.context(&caller);
    authorize_with_grants(
        directory,
        &identity,
        granted,
        "sts:AssumeRole",
        role_arn,
        context,
    )
    .is_allowed()
}

/// Ends the tab's role session `session_id`: its credentials are released, and the tab goes
/// back to the user's own permissions. Other role sessions go on. Does nothing when that
/// session is not held.
pub async fn switch_back(
    state: &AppState,
    session: &Session,
    client: ClientAddr,
    user: &SignedInUser,
    session_id: &str,
) -> Result<(), SwitchError> {
    let Some(held) = role_sessions::end(state, session, session_id, EndReason::SwitchedBack)
        .await
        .map_err(unavailable)?
    else {
        return Ok(());
    };
    release_and_audit(state, client, user, &[held], "SwitchBack").await
}

/// "End all role sessions": every held role's credentials are released.
pub async fn end_all(
    state: &AppState,
    session: &Session,
    client: ClientAddr,
    user: &SignedInUser,
) -> Result<(), SwitchError> {
    let ended = role_sessions::end_all(state, session, EndReason::EndedAll)
        .await
        .map_err(unavailable)?;
    release_and_audit(state, client, user, &ended, "EndAllRoleSessions").await
}

async fn release_and_audit(
    state: &AppState,
    client: ClientAddr,
    user: &SignedInUser,
    ended: &[HeldRole],
    action: &str,
) -> Result<(), SwitchError> {
    for held in ended {
        if let Err(e) = state.cloud.release(&held.credentials).await {
            // The session no longer holds them either way; expiry ends them at the latest.
            tracing::warn!("{action}: releasing credentials: {e}");
        }
    }
    if ended.is_empty() {
        return Ok(());
    }
    let sessions: Vec<_> = ended
        .iter()
        .map(|held| {
            json!({
                "role_session": held.session_id,
                "role_arn": held.role_arn,
                "access_key_id": held.credentials.access_key_id,
            })
        })
        .collect();
    let detail = match sessions.as_slice() {
        [one] => one.clone(),
        _ => json!({ "role_sessions": sessions }),
    };
    record(
        state,
        AuditEvent::new(action, Decision::Info)
            .actor(user.arn())
            .account(&user.account_id)
            .client(client)
            .detail(detail),
    )
    .await
}

/// Assumes the role of the tab's session `session_id` again for a fresh expiry, if it is
/// still allowed; the session keeps its ID (its tabs go on) and its old credentials are
/// released once new ones are held.
pub async fn renew(
    state: &AppState,
    session: &Session,
    client: ClientAddr,
    user: &SignedInUser,
    mfa_authenticated_at: Option<OffsetDateTime>,
    session_id: &str,
) -> Result<RoleSummary, SwitchError> {
    if user.must_enrol {
        return Err(SwitchError::NotAllowed);
    }
    let held_now = role_sessions::held(state, session)
        .await
        .map_err(unavailable)?;
    let Some(held) = held_now.into_iter().find(|h| h.session_id == session_id) else {
        return Err(SwitchError::SessionNotHeld);
    };
    let form = SwitchForm {
        account: held.account_id.clone(),
        role: held.role_path(),
        display_name: held.display_name.clone(),
        color: held.color.clone(),
        // A role that needs an AWS MFA code cannot be renewed without one: Renew then leads
        // to the Switch Role form.
        ..SwitchForm::default()
    };
    let target = validate(state, &form)?;
    let token_code = token_code(state, &target.role_arn, &form.token_code)?;
    let slot = Slot {
        session_id: held.session_id.clone(),
        replacing: None,
        renewing: true,
    };
    let renewed = assume(
        state,
        client,
        user,
        mfa_authenticated_at,
        &target,
        token_code,
        &slot,
    )
    .await?;
    let old = role_sessions::renew(state, session, renewed.clone())
        .await
        .map_err(unavailable)?;
    // Ended meanwhile (in another tab): the new credentials are not kept either.
    let (released, outcome) = match old {
        Some(old) => (old, Ok(renewed.summary())),
        None => (renewed, Err(SwitchError::SessionNotHeld)),
    };
    if let Err(e) = state.cloud.release(&released.credentials).await {
        tracing::warn!("renew: releasing the old credentials: {e}");
    }
    outcome
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
            ..SwitchForm::default()
        }
    }

    async fn held(state: &AppState, session: &Session) -> Vec<HeldRole> {
        role_sessions::held(state, session).await.expect("read")
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
        assert_eq!(role.display_name, "Production app");
        assert_eq!(role.color, "#b7ca9d");
        assert_eq!(role.account_id, "123456789012");
        let held = held(&state, &session).await;
        assert_eq!(held.len(), 1);
        assert_eq!(held[0].session_id, role.session_id);
        assert!(held[0].credentials.access_key_id.starts_with("ASIA"));

        switch_back(&state, &session, CLIENT, &alice, &role.session_id)
            .await
            .expect("switch back");
        assert!(self::held(&state, &session).await.is_empty());
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
        assert!(held(&state, &session).await.is_empty());
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
        assert!(held(&state, &session).await.is_empty());
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
    async fn switching_again_opens_another_role_session_and_a_full_set_replaces_one() {
        let (mut state, dir) = state(Duration::from_secs(3600)).await;
        let mut policy = (*state.policy).clone();
        policy.max_role_sessions = 2;
        state.policy = std::sync::Arc::new(policy);
        let session = session();
        let alice = SignedInUser::new("111122223333", "alice");
        let mfa = Some(crate::clock::now_utc());
        let form = update_app("", "");
        let first = switch_role(&state, &session, CLIENT, &alice, mfa, &form)
            .await
            .expect("first");
        let second = switch_role(&state, &session, CLIENT, &alice, mfa, &form)
            .await
            .expect("second");
        assert_ne!(first.session_id, second.session_id);
        let both = held(&state, &session).await;
        assert_eq!(both.len(), 2, "both held at once");

        // All in use: the third is refused before the cloud is asked, unless it says which
        // one to replace.
        let audited = state.audit.recent(100).await.expect("audit").len();
        match switch_role(&state, &session, CLIENT, &alice, mfa, &form).await {
            Err(SwitchError::AllInUse { held, max }) => {
                assert_eq!(max, 2);
                assert_eq!(held.len(), 2);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(state.audit.recent(100).await.expect("audit").len(), audited);
        let third = switch_role(
            &state,
            &session,
            CLIENT,
            &alice,
            mfa,
            &SwitchForm {
                replace: Replace::Oldest,
                ..form.clone()
            },
        )
        .await
        .expect("replacing the oldest");
        let now_held: Vec<String> = held(&state, &session)
            .await
            .into_iter()
            .map(|h| h.session_id)
            .collect();
        assert_eq!(
            now_held,
            vec![second.session_id.clone(), third.session_id.clone()]
        );
        let tab = role_sessions::for_tab(&state, &session, Some(&first.session_id))
            .await
            .expect("read");
        match tab {
            role_sessions::TabRole::Ended(ended) => {
                assert_eq!(ended.ended.expect("remembered").reason, EndReason::Replaced)
            }
            other => panic!("{other:?}"),
        }

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
            use_key(&both[0]).is_err(),
            "the replaced credentials are gone"
        );
        assert!(use_key(&both[1]).expect("known").is_allowed());
    }

    #[tokio::test]
    async fn renew_keeps_the_session_id_and_switch_back_ends_only_that_session() {
        let (state, _dir) = state(Duration::from_secs(3600)).await;
        let session = session();
        let alice = SignedInUser::new("111122223333", "alice");
        let mfa = Some(crate::clock::now_utc());
        let one = switch_role(
            &state,
            &session,
            CLIENT,
            &alice,
            mfa,
            &update_app("One", ""),
        )
        .await
        .expect("one");
        let two = switch_role(
            &state,
            &session,
            CLIENT,
            &alice,
            mfa,
            &update_app("Two", ""),
        )
        .await
        .expect("two");
        let before = held(&state, &session).await;
        let renewed = renew(&state, &session, CLIENT, &alice, mfa, &one.session_id)
            .await
            .expect("renew");
        assert_eq!(renewed.session_id, one.session_id);
        assert_eq!(renewed.display_name, "One");
        let after = held(&state, &session).await;
        assert_eq!(after.len(), 2);
        assert_ne!(
            after[0].credentials.access_key_id,
            before[0].credentials.access_key_id
        );
        assert_eq!(after[1], before[1], "the other session is untouched");

        switch_back(&state, &session, CLIENT, &alice, &two.session_id)
            .await
            .expect("back");
        let left: Vec<String> = held(&state, &session)
            .await
            .into_iter()
            .map(|h| h.session_id)
            .collect();
        assert_eq!(left, vec![one.session_id.clone()]);
        assert!(matches!(
            renew(&state, &session, CLIENT, &alice, mfa, &two.session_id).await,
            Err(SwitchError::SessionNotHeld)
        ));
        end_all(&state, &session, CLIENT, &alice)
            .await
            .expect("all");
        assert!(held(&state, &session).await.is_empty());
        let actions: Vec<String> = state
            .audit
            .recent(2)
            .await
            .expect("audit")
            .iter()
            .map(|r| r.event.action.clone())
            .collect();
        assert_eq!(actions, vec!["EndAllRoleSessions", "SwitchBack"]);
    }

    #[tokio::test]
    async fn the_directory_gives_the_default_display_name_and_colour() {
        let (state, _dir) = state(Duration::from_secs(3600)).await;
        let session = session();
        let alice = SignedInUser::new("111122223333", "alice");
        let role = switch_role(
            &state,
            &session,
            CLIENT,
            &alice,
            Some(crate::clock::now_utc()),
            &SwitchForm {
                account: "staging".into(),
                ..update_app("", "")
            },
        )
        .await
        .expect("staging");
        assert_eq!(role.display_name, "Staging app");
        assert_eq!(role.account_id, "444455556666");
        assert_eq!(
            Some(role.color.as_str()),
            types::palette::resolve_color("yellow").as_deref()
        );
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
        assert!(held(&state, &session).await.is_empty());
        assert!(state.audit.recent(10).await.expect("audit").is_empty());
    }
}
