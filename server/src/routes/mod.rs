//! Plain axum handlers: the ones that must work without the WASM, and health.

pub mod audit;
pub mod auth;
pub mod aws_api;
pub mod directory;
pub mod health;
pub mod objects;
pub mod role;
