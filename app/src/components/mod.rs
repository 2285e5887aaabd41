//! Pieces of the console chrome shared by every page.

pub mod access_keys;
pub mod account_menu;
pub mod copy_button;
pub mod explanation;
pub mod mfa_code_field;
pub mod navbar;
pub mod open_aws_console;
pub mod page;
pub mod request_access;
pub mod role_history;
pub mod session_banner;
pub mod step_up;
pub mod uploader;
pub mod webauthn;
