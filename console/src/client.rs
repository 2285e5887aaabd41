//! The client's network address, as the rate limiter and the audit trail see it.

use std::net::{IpAddr, SocketAddr};

/// Where a request came from. Set by the server for every request (see the server crate's
/// client-address middleware), so pages and handlers never parse headers themselves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    pub fn from_socket(addr: SocketAddr) -> Self {
        ClientAddr(addr.ip())
    }
}

impl std::fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}
