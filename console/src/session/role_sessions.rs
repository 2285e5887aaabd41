//! The role sessions a console session holds: up to `max_role_sessions` roles at once, each
//! under an ID of its own that the URLs of its browser tabs carry (`/as/ID/…`).
//!
//! All of them live in the server-side session record, sealed together under the data key;
//! the browser only ever learns their IDs and summaries. The sessions that ended during this
//! sign-in are remembered (without credentials, a bounded list) so that a tab still showing
//! one says what happened to it instead of silently acting as someone else.

use serde::{Deserialize, Serialize};
use tower_sessions_core::Session;
use types::role_sessions::{EndReason, EndedRoleSession, EndedTab, is_role_session_id};

use super::{HeldRole, SealedRole, SessionError, seal, unseal};
use crate::state::AppState;

/// The sealed list of held role sessions (oldest first).
const ROLE_SESSIONS_KEY: &str = "role_sessions";
/// The single role of sessions from before role sessions (one role per sign-in).
const LEGACY_ROLE_KEY: &str = "role";
/// Role sessions that ended during this sign-in, newest last.
const ENDED_KEY: &str = "ended_role_sessions";
/// How many ended sessions a sign-in remembers.
const ENDED_KEPT: usize = 20;

/// What the role session named by a tab's URL is now.
#[derive(Debug)]
pub enum TabRole {
    /// The tab acts as the signed-in user (its URL names no role session).
    Own,
    /// The tab acts in this role session.
    Held(HeldRole),
    /// The URL names a role session the user does not hold (any more): the tab acts in no
    /// role at all until the user switches again or goes back to their own permissions.
    Ended(EndedTab),
}

impl TabRole {
    /// The held role, if the tab acts in one.
    pub fn held(&self) -> Option<&HeldRole> {
        match self {
            TabRole::Held(role) => Some(role),
            _ => None,
        }
    }
}

/// Which held session a new one takes the place of, when all are in use.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Replace {
    /// None: the switch is refused when all sessions are in use.
    #[default]
    Nothing,
    /// The session opened first.
    Oldest,
    /// The session with this ID.
    Session(String),
}

impl Replace {
    /// The form value: empty, `oldest`, or a session ID.
    pub fn from_form(value: &str) -> Replace {
        match value.trim() {
            "" => Replace::Nothing,
            "oldest" => Replace::Oldest,
            id => Replace::Session(id.to_string()),
        }
    }
}

#[derive(Serialize, Deserialize, Default)]
struct HeldList {
    sessions: Vec<HeldRole>,
}

/// Every role session held, oldest first. A list that cannot be opened (sealed under another
/// data key, or damaged) is dropped: those roles are not held any more.
pub async fn held(state: &AppState, session: &Session) -> Result<Vec<HeldRole>, SessionError> {
    migrate_legacy_role(state, session).await?;
    let sessions = read_list(state, session).await?;
    end_revoked_grants(state, session, sessions).await
}

/// Ends the sessions opened under an access grant that was revoked since (their credentials
/// are released: local backend, revoked; AWS, forgotten) and returns the others. Sessions
/// under no grant cost nothing here.
async fn end_revoked_grants(
    state: &AppState,
    session: &Session,
    sessions: Vec<HeldRole>,
) -> Result<Vec<HeldRole>, SessionError> {
    let mut grants: Vec<i64> = sessions.iter().filter_map(|h| h.grant_id).collect();
    if grants.is_empty() {
        return Ok(sessions);
    }
    grants.sort_unstable();
    grants.dedup();
    let mut revoked = Vec::new();
    for id in grants {
        if crate::access_requests::is_revoked(state, id).await? {
            revoked.push(id);
        }
    }
    if revoked.is_empty() {
        return Ok(sessions);
    }
    let (out, kept): (Vec<HeldRole>, Vec<HeldRole>) = sessions
        .into_iter()
        .partition(|h| h.grant_id.is_some_and(|id| revoked.contains(&id)));
    store(state, session, kept.clone()).await?;
    let mut ended_list = ended(session).await?;
    for role in &out {
        remember_ended(&mut ended_list, role, EndReason::GrantRevoked);
        if let Err(e) = state.cloud.release(&role.credentials).await {
            tracing::warn!("releasing a role session of a revoked grant: {e}");
        }
    }
    session.insert(ENDED_KEY, &ended_list).await?;
    Ok(kept)
}

async fn read_list(state: &AppState, session: &Session) -> Result<Vec<HeldRole>, SessionError> {
    let Some(stored) = session.get::<SealedRole>(ROLE_SESSIONS_KEY).await? else {
        return Ok(Vec::new());
    };
    match unseal::<HeldList>(state, &stored) {
        Ok(list) => Ok(list.sessions),
        Err(e) => {
            tracing::warn!("dropping role sessions that cannot be opened: {e}");
            session.remove_value(ROLE_SESSIONS_KEY).await?;
            Ok(Vec::new())
        }
    }
}

async fn store(
    state: &AppState,
    session: &Session,
    sessions: Vec<HeldRole>,
) -> Result<(), SessionError> {
    if sessions.is_empty() {
        session.remove_value(ROLE_SESSIONS_KEY).await?;
        return Ok(());
    }
    let sealed = seal(state, &HeldList { sessions })?;
    session.insert(ROLE_SESSIONS_KEY, sealed).await?;
    Ok(())
}

/// A session from before role sessions held one role under `role`: it becomes a role
/// session (its tabs, whose URLs name none, now act as the user; the menu offers the role).
async fn migrate_legacy_role(state: &AppState, session: &Session) -> Result<(), SessionError> {
    let Some(stored) = session.remove::<serde_json::Value>(LEGACY_ROLE_KEY).await? else {
        return Ok(());
    };
    let role = match serde_json::from_value::<SealedRole>(stored.clone()) {
        Ok(sealed) => unseal::<HeldRole>(state, &sealed),
        Err(_) => serde_json::from_value::<HeldRole>(stored)
            .map_err(|e| SessionError::Sealing(e.to_string())),
    };
    match role {
        Ok(mut role) => {
            let mut sessions = read_list(state, session).await?;
            role.session_id = new_id(&sessions, &ended(session).await?);
            sessions.push(role);
            store(state, session, sessions).await
        }
        Err(e) => {
            tracing::warn!("dropping a held role that cannot be opened: {e}");
            Ok(())
        }
    }
}

/// The role session a tab's URL names (`None`: the tab acts as the user).
pub async fn for_tab(
    state: &AppState,
    session: &Session,
    tab: Option<&str>,
) -> Result<TabRole, SessionError> {
    if tab.map(str::trim).is_none_or(str::is_empty) {
        return Ok(TabRole::Own);
    }
    let held = held(state, session).await?;
    pick(session, &held, tab).await
}

/// [`for_tab`] among the role sessions `held` (from [`held`]), for a caller that needs them
/// all too: they are opened once.
pub async fn pick(
    session: &Session,
    held: &[HeldRole],
    tab: Option<&str>,
) -> Result<TabRole, SessionError> {
    let Some(id) = tab.map(str::trim).filter(|id| !id.is_empty()) else {
        return Ok(TabRole::Own);
    };
    if let Some(role) = held.iter().find(|r| r.session_id == id) {
        return Ok(TabRole::Held(role.clone()));
    }
    let ended = ended(session)
        .await?
        .into_iter()
        .rev()
        .find(|e| e.session_id == id);
    Ok(TabRole::Ended(EndedTab {
        session_id: if is_role_session_id(id) {
            id.to_string()
        } else {
            // Shown on the page: only what an ID may look like.
            String::new()
        },
        ended,
    }))
}

/// The role sessions that ended during this sign-in, oldest first.
pub async fn ended(session: &Session) -> Result<Vec<EndedRoleSession>, SessionError> {
    Ok(session
        .get::<Vec<EndedRoleSession>>(ENDED_KEY)
        .await?
        .unwrap_or_default())
}

/// A fresh random ID, unlike any held or ended one of this sign-in.
fn new_id(held: &[HeldRole], ended: &[EndedRoleSession]) -> String {
    loop {
        let id = format!("{:08x}", rand::random::<u32>());
        if !held.iter().any(|h| h.session_id == id) && !ended.iter().any(|e| e.session_id == id) {
            return id;
        }
    }
}

/// The held session `replace` names, if it names one that is held.
pub fn replaced<'a>(held: &'a [HeldRole], replace: &Replace) -> Option<&'a HeldRole> {
    match replace {
        Replace::Nothing => None,
        Replace::Oldest => held.iter().min_by_key(|h| h.assumed_at),
        Replace::Session(id) => held.iter().find(|h| &h.session_id == id),
    }
}

/// An ID for a new role session: unlike any held (`held`) or ended one of this sign-in.
pub async fn fresh_id(session: &Session, held: &[HeldRole]) -> Result<String, SessionError> {
    Ok(new_id(held, &ended(session).await?))
}

/// Starts holding `role` as a new role session (under its `session_id`, from [`fresh_id`]),
/// in place of `replacing` (an ID from [`replaced`]) if given; returns the session it
/// replaced, whose credentials the caller releases. The console session's ID is cycled: it
/// carries more power than before.
pub async fn open(
    state: &AppState,
    session: &Session,
    role: HeldRole,
    replacing: Option<&str>,
) -> Result<Option<HeldRole>, SessionError> {
    let mut sessions = held(state, session).await?;
    let out = replacing.and_then(|id| {
        let at = sessions.iter().position(|h| h.session_id == id)?;
        Some(sessions.remove(at))
    });
    sessions.push(role);
    session.cycle_id().await?;
    store(state, session, sessions).await?;
    if let Some(out) = &out {
        let mut ended_list = ended(session).await?;
        remember_ended(&mut ended_list, out, EndReason::Replaced);
        session.insert(ENDED_KEY, &ended_list).await?;
    }
    Ok(out)
}

/// Puts renewed credentials into the held session `role.session_id` (same ID, so its tabs go
/// on working); returns the old session to release, or `None` when it is not held any more.
pub async fn renew(
    state: &AppState,
    session: &Session,
    role: HeldRole,
) -> Result<Option<HeldRole>, SessionError> {
    let mut sessions = held(state, session).await?;
    let Some(slot) = sessions
        .iter_mut()
        .find(|h| h.session_id == role.session_id)
    else {
        return Ok(None);
    };
    let old = std::mem::replace(slot, role);
    store(state, session, sessions).await?;
    Ok(Some(old))
}

/// Ends the role session `id`; returns it so that its credentials can be released.
pub async fn end(
    state: &AppState,
    session: &Session,
    id: &str,
    reason: EndReason,
) -> Result<Option<HeldRole>, SessionError> {
    let mut sessions = held(state, session).await?;
    let Some(at) = sessions.iter().position(|h| h.session_id == id) else {
        return Ok(None);
    };
    let out = sessions.remove(at);
    store(state, session, sessions).await?;
    let mut ended_list = ended(session).await?;
    remember_ended(&mut ended_list, &out, reason);
    session.insert(ENDED_KEY, &ended_list).await?;
    Ok(Some(out))
}

/// Ends every role session; returns them so that their credentials can be released.
pub async fn end_all(
    state: &AppState,
    session: &Session,
    reason: EndReason,
) -> Result<Vec<HeldRole>, SessionError> {
    let sessions = held(state, session).await?;
    if sessions.is_empty() {
        return Ok(sessions);
    }
    store(state, session, Vec::new()).await?;
    let mut ended_list = ended(session).await?;
    for out in &sessions {
        remember_ended(&mut ended_list, out, reason);
    }
    session.insert(ENDED_KEY, &ended_list).await?;
    Ok(sessions)
}

fn remember_ended(list: &mut Vec<EndedRoleSession>, role: &HeldRole, reason: EndReason) {
    list.push(EndedRoleSession {
        session_id: role.session_id.clone(),
        display_name: role.display_name.clone(),
        color: role.color.clone(),
        account_id: role.account_id.clone(),
        account_alias: role.account_alias.clone(),
        role: role.role_path(),
        reason,
        ended_at: crate::clock::now(),
    });
    let excess = list.len().saturating_sub(ENDED_KEPT);
    list.drain(..excess);
}

/// Releases the credentials of every held role session (local backend: revoked; AWS:
/// forgotten) and stops holding them. A failure is logged: they are not held either way.
pub async fn release_all(state: &AppState, session: &Session) {
    match end_all(state, session, EndReason::EndedAll).await {
        Ok(sessions) => {
            for role in sessions {
                if let Err(e) = state.cloud.release(&role.credentials).await {
                    tracing::warn!("releasing a role session's credentials: {e}");
                }
            }
        }
        Err(e) => tracing::warn!("reading the role sessions to release them: {e}"),
    }
}
