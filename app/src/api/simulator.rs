//! The policy simulator's server function, for console administrators: the inputs as the
//! page's URL holds them, the engine's answer with the policies that took part.

use leptos::prelude::*;
use types::error::ConsoleError;
use types::simulator::{SimulatorInput, SimulatorView};

/// Simulate `input` (nothing when incomplete); with `input.event`, replay that audit event.
#[server(prefix = "/api", endpoint = "simulate")]
pub async fn load_simulator(input: SimulatorInput) -> Result<SimulatorView, ConsoleError> {
    use crate::api::extract::*;
    let Admin { request, .. } = caller().await?;
    console::simulator::view(&request.state, input)
        .await
        .map_err(unavailable)
}
