//! Pieces of the console chrome shared by every page.

pub mod account_menu;
pub mod copy_button;
pub mod navbar;
pub mod session_banner;
pub mod step_up;
pub mod uploader;
pub mod webauthn;
