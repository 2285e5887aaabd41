//! The administrators' access map: `iam::access_map` over the console's directory, narrowed
//! to one role or one user when asked, with one cell explained.

use iam::access_map::{AccessMap, MapContext, reach};
use iam::{Evaluation, Finding};
use types::access_map::{
    AccessMapView, CellExplanation, ExplanationLine, MapRoleView, MapUserView,
};

use crate::state::AppState;

/// What the page asks for: a role ARN and a user ARN narrow the map (empty: all); `explain`
/// names a cell as `USER_ARN ROLE_ARN`-style pair.
#[derive(Clone, Debug, Default)]
pub struct MapQuery {
    pub role: String,
    pub user: String,
    pub explain_user: String,
    pub explain_role: String,
}

fn context() -> MapContext {
    MapContext {
        now: crate::clock::now_utc(),
        source_ip: None,
    }
}

/// The whole map of the directory, now.
pub fn full_map(state: &AppState) -> AccessMap {
    AccessMap::of(&state.directory, &context())
}

/// The page's view: the map (narrowed), the filter choices, and the explained cell.
pub fn view(state: &AppState, query: &MapQuery) -> AccessMapView {
    let map = full_map(state);
    let all_users: Vec<MapUserView> = map.users.iter().map(user_view).collect();
    let all_roles: Vec<MapRoleView> = map.roles.iter().map(role_view).collect();
    let map = map.narrowed(&query.role, &query.user);
    AccessMapView {
        users: map.users.iter().map(user_view).collect(),
        roles: map.roles.iter().map(role_view).collect(),
        cells: map
            .cells
            .iter()
            .map(|row| row.iter().map(|c| c.label().to_string()).collect())
            .collect(),
        explanation: explain(state, &query.explain_user, &query.explain_role),
        all_users,
        all_roles,
    }
}

/// Why `user_arn` can or cannot switch to `role_arn` (`None` when either is not in the
/// directory).
pub fn explain(state: &AppState, user_arn: &str, role_arn: &str) -> Option<CellExplanation> {
    let directory = &state.directory;
    let (account, user) = directory.user_by_arn(user_arn.trim())?;
    let (role_account, role) = directory.role_by_arn(role_arn.trim())?;
    let cell = reach(directory, account, user, role, &context());
    Some(CellExplanation {
        user: MapUserView {
            arn: user.arn(),
            name: user.name().to_string(),
            account_id: account.id().to_string(),
        },
        role: MapRoleView {
            arn: role.arn(),
            name: role.name().to_string(),
            account_id: role_account.id().to_string(),
            account_label: role_account.display_name().to_string(),
        },
        reach: cell.reach.label().to_string(),
        decision: format!("{:?}", cell.without_mfa.decision),
        lines: lines(&cell.without_mfa),
        with_mfa: cell
            .with_mfa
            .as_ref()
            .map(|e| (format!("{:?}", e.decision), lines(e))),
    })
}

pub fn lines(evaluation: &Evaluation) -> Vec<ExplanationLine> {
    evaluation.explanation.iter().map(line).collect()
}

/// One explanation line as the pages show it.
pub fn line(finding: &Finding) -> ExplanationLine {
    ExplanationLine {
        policy: finding.policy.as_deref().map(str::to_string),
        statement: finding.statement.as_deref().map(str::to_string),
        effect: finding.effect.map(|e| format!("{e:?}")),
        applied: finding.used.is_none_or(|u| u.applied),
        message: finding.message.to_string(),
    }
}

fn user_view(user: &iam::access_map::MapUser) -> MapUserView {
    MapUserView {
        arn: user.arn.clone(),
        name: user.name.clone(),
        account_id: user.account_id.clone(),
    }
}

fn role_view(role: &iam::access_map::MapRole) -> MapRoleView {
    MapRoleView {
        arn: role.arn.clone(),
        name: role.name.clone(),
        account_id: role.account_id.clone(),
        account_label: role
            .account_alias
            .clone()
            .unwrap_or_else(|| role.account_id.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const PROD: &str = "arn:aws:iam::123456789012:role/UpdateAPP";
    const ALICE: &str = "arn:aws:iam::111122223333:user/alice";

    #[tokio::test]
    async fn one_role_one_user_and_an_explained_cell() {
        let (state, _dir) = crate::test_support::state(Duration::from_secs(3600)).await;
        let who = view(
            &state,
            &MapQuery {
                role: PROD.into(),
                ..MapQuery::default()
            },
        );
        assert_eq!(who.roles.len(), 1);
        assert_eq!(who.users.len(), 3);
        let cell = |name: &str| {
            let u = who.users.iter().position(|u| u.name == name).expect("user");
            who.cells[u][0].clone()
        };
        assert_eq!(cell("alice"), "Needs MFA");
        assert_eq!(cell("bob"), "Cannot switch");
        let alice = view(
            &state,
            &MapQuery {
                user: ALICE.into(),
                explain_user: ALICE.into(),
                explain_role: PROD.into(),
                ..MapQuery::default()
            },
        );
        assert_eq!(alice.users.len(), 1);
        assert_eq!(alice.roles.len(), alice.all_roles.len());
        let explanation = alice.explanation.expect("explained");
        assert_eq!(explanation.reach, "Needs MFA");
        assert!(
            explanation
                .lines
                .iter()
                .any(|l| l.message.contains("aws:MultiFactorAuthPresent"))
        );
        let (decision, with_mfa) = explanation.with_mfa.expect("with MFA");
        assert_eq!(decision, "Allowed");
        assert!(with_mfa.iter().any(|l| {
            l.policy
                .as_deref()
                .is_some_and(|p| p.contains("Developers"))
        }));
        assert!(explain(&state, "arn:aws:iam::111122223333:user/nobody", PROD).is_none());
    }
}
