//! Finding the client's address: the socket peer, unless that peer is a trusted proxy, in which
//! case the rightmost untrusted hop of `Forwarded` (preferred) or `X-Forwarded-For`.

use ipnet::IpNet;
use std::net::IpAddr;

/// Networks whose forwarding headers we believe. Empty by default: headers are ignored.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub fn new(networks: Vec<IpNet>) -> Self {
        TrustedProxies(networks)
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The client address for a request from `peer`. `forwarded` and `x_forwarded_for` are every
/// value of those headers, in order. Anyone can write these headers, so they count only when
/// the peer is trusted, and only up to the first hop we do not trust.
pub fn client_ip(
    peer: IpAddr,
    forwarded: &[&str],
    x_forwarded_for: &[&str],
    trusted: &TrustedProxies,
) -> IpAddr {
    let peer = peer.to_canonical();
    if !trusted.contains(peer) {
        return peer;
    }
    let hops: Vec<Option<IpAddr>> = if !forwarded.is_empty() {
        forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .map(forwarded_for)
            .collect()
    } else {
        x_forwarded_for
            .iter()
            .flat_map(|v| v.split(','))
            .map(|hop| parse_hop(hop.trim()))
            .collect()
    };
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop {
            // An unreadable hop ends what we can vouch for: the last trusted one is the answer.
            None => return client,
            Some(ip) => {
                client = ip.to_canonical();
                if !trusted.contains(client) {
                    return client;
                }
            }
        }
    }
    client
}

/// The `for=` of one `Forwarded` element.
fn forwarded_for(element: &str) -> Option<IpAddr> {
    element.split(';').find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("for")
            .then(|| parse_hop(value.trim().trim_matches('"')))
            .flatten()
    })
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:80`, `2001:db8::1`, `[2001:db8::1]:80`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    let (host, port) = hop.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn proxies(nets: &[&str]) -> TrustedProxies {
        TrustedProxies::new(nets.iter().map(|n| n.parse().unwrap()).collect())
    }

    #[test]
    fn ignores_forwarding_headers_from_untrusted_peers() {
        let got = client_ip(
            ip("198.51.100.7"),
            &[],
            &["1.2.3.4"],
            &proxies(&["10.0.0.0/8"]),
        );
        assert_eq!(got, ip("198.51.100.7"));
        let got = client_ip(
            ip("198.51.100.7"),
            &[],
            &["1.2.3.4"],
            &TrustedProxies::default(),
        );
        assert_eq!(got, ip("198.51.100.7"));
    }

    #[test]
    fn takes_rightmost_untrusted_hop_of_x_forwarded_for() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let got = client_ip(
            ip("10.0.0.2"),
            &[],
            &["6.6.6.6, 203.0.113.5, 10.0.0.9"],
            &trusted,
        );
        assert_eq!(
            got,
            ip("203.0.113.5"),
            "a spoofed leftmost entry must not win"
        );
    }

    #[test]
    fn joins_repeated_x_forwarded_for_headers_in_order() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let got = client_ip(ip("10.0.0.2"), &[], &["6.6.6.6", "203.0.113.5"], &trusted);
        assert_eq!(got, ip("203.0.113.5"));
    }

    #[test]
    fn prefers_forwarded_and_reads_quoted_ipv6_with_port() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let forwarded = ["for=192.0.2.60;proto=http, for=\"[2001:db8:cafe::17]:4711\";by=10.0.0.1"];
        let got = client_ip(ip("10.0.0.2"), &forwarded, &["9.9.9.9"], &trusted);
        assert_eq!(got, ip("2001:db8:cafe::17"));
    }

    #[test]
    fn stops_at_an_unreadable_hop() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let got = client_ip(
            ip("10.0.0.2"),
            &[],
            &["6.6.6.6, garbage, 10.0.0.3"],
            &trusted,
        );
        assert_eq!(got, ip("10.0.0.3"));
    }

    #[test]
    fn uses_the_peer_when_a_trusted_proxy_sends_no_header() {
        let trusted = proxies(&["127.0.0.1/32"]);
        assert_eq!(
            client_ip(ip("127.0.0.1"), &[], &[], &trusted),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn reads_ipv4_with_port_and_mapped_addresses() {
        assert_eq!(parse_hop("192.0.2.1:8080"), Some(ip("192.0.2.1")));
        assert_eq!(parse_hop("unknown"), None);
        assert_eq!(parse_hop("_hidden"), None);
        let trusted = proxies(&["10.0.0.0/8"]);
        assert_eq!(
            client_ip(ip("::ffff:10.1.1.1"), &[], &["192.0.2.1"], &trusted),
            ip("192.0.2.1")
        );
    }
}
