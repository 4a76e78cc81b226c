//! Refusing credentials early from a client address that failed to authenticate too often.

use core::net::{IpAddr, Ipv6Addr};
use std::time::Instant;

use tollgate_limit::{Limiter, Rate, Refused};

use crate::ClientAddr;

/// A [`Rate`] of failed authentications per client address, for
/// [`AuthLayer::with_failure_throttle`](crate::AuthLayer::with_failure_throttle).
///
/// While an address is over its rate, [`AuthLayer`](crate::AuthLayer) answers its requests
/// that carry `Authorization` with 429 `too_many_failures` and `Retry-After`, before parsing
/// the header, hashing or asking the database. Requests without credentials are not
/// affected. Each failure that is the client's doing (a malformed, unknown, revoked or
/// expired token; two `Authorization` fields) costs one. An unavailable database (503) is not
/// the client's doing, and a valid token refused for its `Origin` (403) guessed nothing, so
/// neither costs anything.
///
/// Addresses are the [`ClientAddr`] request extension, grouped as one host usually holds
/// them: an IPv4 address alone; an IPv6 address by its /64 network, as one subscriber or host
/// is usually given a whole /64 and can pick any address in it; an IPv4-mapped IPv6 address
/// (`::ffff:192.0.2.1`) as the IPv4 address. Requests without the extension share one key and
/// are throttled together: a server that forgets to insert it fails closed (everyone's
/// failures count against everyone), not open.
///
/// At most [`DEFAULT_MAX_KEYS`](tollgate_limit::DEFAULT_MAX_KEYS) addresses are tracked
/// (about 5 MB); past that, idle addresses are forgotten first, then those with the fewest
/// recent failures (see [`Limiter`]). A client holding more addresses than that can escape the
/// throttle; no per-address throttle stops such a client.
#[derive(Debug)]
pub struct FailureThrottle {
    rate: Rate,
    limiter: Limiter<AddrKey>,
}

impl FailureThrottle {
    /// A throttle allowing each address `rate` failed authentications (for example 20 per
    /// minute: 20 at once, then one every 3 s).
    #[must_use]
    pub fn new(rate: Rate) -> Self {
        Self {
            rate,
            limiter: Limiter::new(),
        }
    }

    /// Whether `client` may present credentials at `now`: `Err` with the wait while it is over
    /// its rate. Spends nothing.
    pub(crate) fn check(&self, client: Option<ClientAddr>, now: Instant) -> Result<(), Refused> {
        self.limiter
            .peek(&AddrKey::of(client), &self.rate, now)
            .map(|_| ())
    }

    /// Counts one failed authentication by `client` at `now`. Once the address is over its
    /// rate, further failures (from requests that raced past [`check`](Self::check)) count
    /// nothing: the wait never grows past one `period / count`.
    pub(crate) fn record_failure(&self, client: Option<ClientAddr>, now: Instant) {
        // A refusal here is the rate already being spent, which the next `check` reports.
        let _ = self.limiter.spend(&AddrKey::of(client), &self.rate, now);
    }
}

/// What an address is throttled as: 9 bytes, so a tracked address costs a 32-byte entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum AddrKey {
    /// An IPv4 address, or an IPv4-mapped IPv6 one.
    V4([u8; 4]),
    /// The first 64 bits of an IPv6 address.
    V6Network([u8; 8]),
    /// Every request without a [`ClientAddr`].
    Unknown,
}

impl AddrKey {
    fn of(client: Option<ClientAddr>) -> Self {
        match client.map(|ClientAddr(ip)| ip) {
            None => Self::Unknown,
            Some(IpAddr::V4(v4)) => Self::V4(v4.octets()),
            Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
                Some(v4) => Self::V4(v4.octets()),
                None => Self::V6Network(network_64(v6)),
            },
        }
    }
}

/// The /64 network prefix of `address`.
fn network_64(address: Ipv6Addr) -> [u8; 8] {
    let [a, b, c, d, e, f, g, h, ..] = address.octets();
    [a, b, c, d, e, f, g, h]
}

#[cfg(test)]
mod tests {
    use core::time::Duration;

    use super::*;

    fn key(text: &str) -> AddrKey {
        AddrKey::of(Some(ClientAddr(text.parse().unwrap())))
    }

    #[test]
    fn ipv6_addresses_are_grouped_by_their_64_bit_network() {
        assert_eq!(
            key("2001:db8:1:2::1"),
            key("2001:db8:1:2:ffff:ffff:ffff:ffff")
        );
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(
            key("2001:db8:1:2::1"),
            AddrKey::V6Network([0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2])
        );
    }

    #[test]
    fn ipv4_addresses_count_alone_however_they_are_written() {
        assert_ne!(key("192.0.2.1"), key("192.0.2.2"));
        assert_eq!(key("::ffff:192.0.2.1"), key("192.0.2.1"));
        assert_eq!(key("192.0.2.1"), AddrKey::V4([192, 0, 2, 1]));
        // Loopback and the deprecated IPv4-compatible form are IPv6, not 0.0.0.1.
        assert_eq!(key("::1"), AddrKey::V6Network([0; 8]));
    }

    #[test]
    fn requests_without_an_address_share_one_key() {
        assert_eq!(AddrKey::of(None), AddrKey::Unknown);
        let throttle = FailureThrottle::new("2/min".parse().unwrap());
        let now = Instant::now();
        throttle.record_failure(None, now);
        throttle.record_failure(None, now);
        assert_eq!(
            throttle.check(None, now),
            Err(Refused {
                retry_after: Duration::from_secs(30),
                reset: Duration::from_secs(60),
            })
        );
        assert_eq!(
            throttle.check(Some(ClientAddr([192, 0, 2, 1].into())), now),
            Ok(())
        );
    }

    #[test]
    fn a_key_is_nine_bytes() {
        assert_eq!(size_of::<AddrKey>(), 9);
    }
}
