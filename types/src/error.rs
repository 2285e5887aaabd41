//! The one error every server function answers with. The browser matches on the variant
//! (a step-up dialog for [`ConsoleError::StepUpRequired`], a field marked for
//! [`ConsoleError::Invalid`]), never on the text; the text is what the user reads.

use serde::{Deserialize, Serialize};

/// Why a server function did not do what it was asked. Every message is written for people
/// and safe to show; the reason behind [`ConsoleError::Unavailable`] is in the server's log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConsoleError {
    /// The action needs an MFA (or a more recent one): confirm with a device, then retry.
    StepUpRequired,
    /// MFA is required and the user has no device yet: only the Security credentials page
    /// works until they add one.
    MustEnrol,
    /// Nobody is signed in (any more).
    SessionEnded,
    /// The sign-in waiting for its MFA step is gone (too old, or never begun).
    SignInExpired,
    /// The signed-in user may not do this; the message says what to do instead.
    NotAllowed(String),
    /// The administrator pages are for console administrators.
    NotAdmin,
    /// An administrator signed in without MFA (outside the demo organisation).
    AdminMfaNeeded,
    /// An input was refused: `field` names the form field (or `request` for the request as a
    /// whole), `message` says why.
    Invalid { field: String, message: String },
    /// The tab's URL names a role session the user does not hold (any more): nothing was done,
    /// neither in another role nor with the user's own permissions.
    RoleSessionEnded,
    /// Something behind the console (storage, the cloud) failed.
    Unavailable,
    /// The browser could not reach the console, or could not read its answer.
    Unreachable,
}

impl ConsoleError {
    pub fn not_allowed(message: impl Into<String>) -> Self {
        ConsoleError::NotAllowed(message.into())
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ConsoleError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// What the user reads.
    pub fn message(&self) -> &str {
        match self {
            ConsoleError::StepUpRequired => "Confirm this action with your MFA device.",
            ConsoleError::MustEnrol => {
                "Assign an MFA device on the Security credentials page first."
            }
            ConsoleError::SessionEnded => "Your session has ended. Please sign in again.",
            ConsoleError::SignInExpired => "Your sign-in has expired. Please sign in again.",
            ConsoleError::NotAllowed(message) => message,
            ConsoleError::NotAdmin => "This page is for console administrators only.",
            ConsoleError::AdminMfaNeeded => {
                "Sign in with an MFA device to use the administrator pages (sign out, then sign in again with your device)."
            }
            ConsoleError::Invalid { message, .. } => message,
            ConsoleError::RoleSessionEnded => {
                "Your role session has ended, so nothing was done in this tab. Switch to the role again, or continue with your own permissions."
            }
            ConsoleError::Unavailable => {
                "The console is unavailable right now. Please try again later."
            }
            ConsoleError::Unreachable => "The console could not be reached. Please try again.",
        }
    }
}

impl std::fmt::Display for ConsoleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for ConsoleError {}

/// Server functions return `Result<T, ConsoleError>`: the error travels as JSON, and a failure
/// of the transport itself becomes [`ConsoleError::Unreachable`] (in the browser) or
/// [`ConsoleError::Unavailable`] / [`ConsoleError::Invalid`] (on the server).
#[cfg(feature = "server-fn")]
impl server_fn::error::FromServerFnError for ConsoleError {
    type Encoder = server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: server_fn::error::ServerFnErrorErr) -> Self {
        use server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Args(_) | E::MissingArg(_) => {
                ConsoleError::invalid("request", "The request was malformed.")
            }
            E::ServerError(_) | E::MiddlewareError(_) => ConsoleError::Unavailable,
            E::Registration(_)
            | E::UnsupportedRequestMethod(_)
            | E::Request(_)
            | E::Deserialization(_)
            | E::Serialization(_)
            | E::Response(_) => ConsoleError::Unreachable,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ConsoleError;

    #[test]
    fn the_variant_travels_not_just_the_text() {
        for error in [
            ConsoleError::StepUpRequired,
            ConsoleError::invalid("account", "Enter a 12-digit account ID."),
            ConsoleError::not_allowed("No."),
        ] {
            let json = serde_json::to_string(&error).expect("json");
            let back: ConsoleError = serde_json::from_str(&json).expect("back");
            assert_eq!(back, error);
        }
        assert_eq!(
            ConsoleError::StepUpRequired.to_string(),
            "Confirm this action with your MFA device."
        );
    }
}
