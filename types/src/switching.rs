//! What a switch attempt answers, and the messages the Switch Role page shows.

use serde::{Deserialize, Serialize};

/// What a switch attempt came to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SwitchOutcome {
    /// Switched; go here next.
    Switched { to: String },
    /// One field is wrong.
    Field { field: String, message: String },
    /// Refused; the generic message.
    NotAllowed,
    /// The role would accept a fresh MFA: confirm one (step-up), then the switch is retried.
    StepUp,
    /// The role needs MFA and the user has no device yet.
    MfaSetup,
    /// Every role session is in use: choose one to replace (the form's `replace` field).
    AllInUse { max: usize },
}

/// What the Switch Role page says when every role session is in use.
pub fn all_in_use_message(max: usize) -> String {
    format!(
        "All {max} role sessions are in use. Choose one to replace below (the oldest is chosen unless you pick another), then select Switch Role."
    )
}

pub const MFA_SETUP_MESSAGE: &str = "This role accepts only sessions that used multi-factor authentication, and you have no MFA device yet. Add one in Security credentials, then switch again.";

pub const NOT_ALLOWED_MESSAGE: &str = "Invalid information in one or more fields, or you are not allowed to switch to this role. Check with your administrator.";
