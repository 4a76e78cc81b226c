//! The address a request came from, as the server established it.

use core::net::IpAddr;

/// The client address of a request: the TCP peer, or, behind a reverse proxy the server
/// trusts, the address that proxy reports. The server inserts it into each request's
/// extensions; [`AuthLayer`](crate::AuthLayer)'s failed-authentication throttle keys on it.
///
/// Never derive it from a header a client can set (`X-Forwarded-For`, `Forwarded`) unless a
/// proxy you run overwrites that header: otherwise every request can claim a new address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddr(pub IpAddr);
