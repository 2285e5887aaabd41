//! The administrators' access map as the page shows it: who can switch to which role, and the
//! engine's explanation of one cell. Never a secret.

use serde::{Deserialize, Serialize};

/// `Can switch`, `Needs MFA` or `Cannot switch`, as the engine decided.
pub const CAN_SWITCH: &str = "Can switch";
pub const NEEDS_MFA: &str = "Needs MFA";
pub const CANNOT_SWITCH: &str = "Cannot switch";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapUserView {
    pub arn: String,
    pub name: String,
    pub account_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapRoleView {
    pub arn: String,
    pub name: String,
    pub account_id: String,
    /// Alias, else ID.
    pub account_label: String,
}

/// One line of an explanation: which policy and statement, and what it said.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExplanationLine {
    pub policy: Option<String>,
    pub statement: Option<String>,
    /// `Allow`, `Deny`, or none for a note.
    pub effect: Option<String>,
    /// Whether the statement took effect (false: a condition failed, or it is ignored).
    pub applied: bool,
    pub message: String,
}

/// Why one user can or cannot switch to one role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellExplanation {
    pub user: MapUserView,
    pub role: MapRoleView,
    pub reach: String,
    /// The decision as the user is now (no MFA).
    pub decision: String,
    pub lines: Vec<ExplanationLine>,
    /// With a fresh MFA, when the first decision refused.
    pub with_mfa: Option<(String, Vec<ExplanationLine>)>,
}

/// The map, possibly narrowed to one role (a column) or one user (a row).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessMapView {
    pub users: Vec<MapUserView>,
    pub roles: Vec<MapRoleView>,
    /// `cells[u][r]`, labels as above.
    pub cells: Vec<Vec<String>>,
    /// Every user and role, for the filters.
    pub all_users: Vec<MapUserView>,
    pub all_roles: Vec<MapRoleView>,
    pub explanation: Option<CellExplanation>,
}
