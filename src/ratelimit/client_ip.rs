//! Finding the client's address: the socket peer, unless that peer is a trusted proxy, in which
//! case the rightmost untrusted hop of the one forwarding header the operator named
//! (`--client-ip-header`). Only that header is read: a proxy that sets `X-Forwarded-For` passes a
//! client's own `Forwarded` through untouched, so believing whichever is present would let the
//! client pick its address.

use ipnet::IpNet;
use std::net::IpAddr;

/// The forwarding header the trusted proxies set, and so the only one believed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
pub enum ClientIpHeader {
    /// `X-Forwarded-For` (nginx's `$proxy_add_x_forwarded_for`, most load balancers).
    #[default]
    #[value(name = "x-forwarded-for")]
    #[serde(rename = "x-forwarded-for")]
    XForwardedFor,
    /// `Forwarded` (RFC 7239), e.g. Caddy or HAProxy configured for it.
    #[value(name = "forwarded")]
    #[serde(rename = "forwarded")]
    Forwarded,
}

impl ClientIpHeader {
    /// The header's name as sent on the wire (lowercase).
    pub fn name(self) -> &'static str {
        match self {
            ClientIpHeader::XForwardedFor => "x-forwarded-for",
            ClientIpHeader::Forwarded => "forwarded",
        }
    }
}

/// Networks whose forwarding header we believe, and which header that is. No networks by
/// default: headers are ignored.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies {
    networks: Vec<IpNet>,
    header: ClientIpHeader,
}

impl TrustedProxies {
    pub fn new(networks: Vec<IpNet>) -> Self {
        TrustedProxies {
            networks,
            header: ClientIpHeader::default(),
        }
    }

    /// Reads the client address from `header` only.
    pub fn with_header(mut self, header: ClientIpHeader) -> Self {
        self.header = header;
        self
    }

    pub fn header(&self) -> ClientIpHeader {
        self.header
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.networks.iter().any(|net| net.contains(&ip))
    }

    pub fn is_empty(&self) -> bool {
        self.networks.is_empty()
    }
}

/// The client address for a request from `peer`. `values` are every value of the trusted
/// header (`trusted.header()`), in order. Anyone can write these headers, so they count only
/// when the peer is trusted, and only up to the first hop we do not trust.
pub fn client_ip(peer: IpAddr, values: &[&str], trusted: &TrustedProxies) -> IpAddr {
    let peer = peer.to_canonical();
    if !trusted.contains(peer) {
        return peer;
    }
    let elements = values.iter().flat_map(|v| v.split(','));
    let hops: Vec<Option<IpAddr>> = match trusted.header {
        ClientIpHeader::Forwarded => elements.map(forwarded_for).collect(),
        ClientIpHeader::XForwardedFor => elements.map(|hop| parse_hop(hop.trim())).collect(),
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
        let got = client_ip(ip("198.51.100.7"), &["1.2.3.4"], &proxies(&["10.0.0.0/8"]));
        assert_eq!(got, ip("198.51.100.7"));
        let got = client_ip(ip("198.51.100.7"), &["1.2.3.4"], &TrustedProxies::default());
        assert_eq!(got, ip("198.51.100.7"));
    }

    #[test]
    fn takes_rightmost_untrusted_hop_of_x_forwarded_for() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let got = client_ip(
            ip("10.0.0.2"),
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
        let got = client_ip(ip("10.0.0.2"), &["6.6.6.6", "203.0.113.5"], &trusted);
        assert_eq!(got, ip("203.0.113.5"));
    }

    #[test]
    fn reads_forwarded_when_named_with_quoted_ipv6_and_port() {
        let trusted = proxies(&["10.0.0.0/8"]).with_header(ClientIpHeader::Forwarded);
        let forwarded = ["for=192.0.2.60;proto=http, for=\"[2001:db8:cafe::17]:4711\";by=10.0.0.1"];
        let got = client_ip(ip("10.0.0.2"), &forwarded, &trusted);
        assert_eq!(got, ip("2001:db8:cafe::17"));
    }

    #[test]
    fn reads_only_the_named_header_so_a_client_cannot_pick_its_address() {
        // nginx appends to X-Forwarded-For and passes the client's own Forwarded through.
        let trusted = proxies(&["10.0.0.0/8"]);
        let xff = client_ip(ip("10.0.0.2"), &["203.0.113.5"], &trusted);
        assert_eq!(xff, ip("203.0.113.5"));
        // Named Forwarded: X-Forwarded-For values are never passed in, so without a Forwarded
        // header the proxy itself is the client.
        let trusted = trusted.with_header(ClientIpHeader::Forwarded);
        assert_eq!(client_ip(ip("10.0.0.2"), &[], &trusted), ip("10.0.0.2"));
    }

    #[test]
    fn stops_at_an_unreadable_hop() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let got = client_ip(ip("10.0.0.2"), &["6.6.6.6, garbage, 10.0.0.3"], &trusted);
        assert_eq!(got, ip("10.0.0.3"));
    }

    #[test]
    fn uses_the_peer_when_a_trusted_proxy_sends_no_header() {
        let trusted = proxies(&["127.0.0.1/32"]);
        assert_eq!(client_ip(ip("127.0.0.1"), &[], &trusted), ip("127.0.0.1"));
    }

    #[test]
    fn reads_ipv4_with_port_and_mapped_addresses() {
        assert_eq!(parse_hop("192.0.2.1:8080"), Some(ip("192.0.2.1")));
        assert_eq!(parse_hop("unknown"), None);
        assert_eq!(parse_hop("_hidden"), None);
        let trusted = proxies(&["10.0.0.0/8"]);
        assert_eq!(
            client_ip(ip("::ffff:10.1.1.1"), &["192.0.2.1"], &trusted),
            ip("192.0.2.1")
        );
    }
}
