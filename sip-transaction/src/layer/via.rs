//! The Via rules of the transport layer: `received` and `rport` on
//! receipt (RFC 3261 §18.2.1, RFC 3581 §4) and where responses go
//! (§18.2.2, RFC 3581 §4).

use std::net::{IpAddr, SocketAddr};

use sip_message::{HeaderName, Message, ParseError, TypedHeader, Via};

use super::Source;
use crate::transport::{Target, Transport};

/// Adds `received` and fills `rport` in the top Via of a request that
/// arrived from `source`, and returns the Via as it now stands.
///
/// §18.2.1: "If the host portion of the sent-by contains a domain name, or
/// if it contains an IP address that differs from the packet source
/// address, the server MUST add a "received" parameter to that Via header
/// field value." RFC 3581 §4: when the Via carries `rport` with no value,
/// "the server MUST set the value of the parameter to the source port of
/// the request" and "MUST add a "received" parameter ... even if [the
/// address] is the same as the sent-by host".
pub(crate) fn stamp_received(
    msg: &mut Message,
    via: Via,
    source: &Source,
) -> Result<Via, ParseError> {
    let ip = source.remote.ip();
    let wants_rport = via.rport() == Some(None);
    let differs = via.ip().map(canonical) != Some(canonical(ip));
    if !differs && !wants_rport {
        return Ok(via);
    }
    let received = ip_text(ip);
    let mut new = via.with_param("received", Some(&received))?;
    if wants_rport {
        new = new.with_param("rport", Some(&source.remote.port().to_string()))?;
    }
    msg.remove_first_value(&HeaderName::Via);
    msg.prepend_header(HeaderName::Via, new.as_str());
    Ok(new)
}

/// Where a response to a request with top Via `via` that came from
/// `source` goes (§18.2.2 with RFC 3581 §4).
///
/// Over a reliable transport the response goes back over the connection
/// the request came on ("the response MUST be sent using the existing
/// connection to the source of the original request"), which the driver
/// finds by the source address. Otherwise the Via decides, as in
/// [`response_target`].
pub(crate) fn reply_target(via: &Via, source: &Source) -> Target {
    if source.transport.is_reliable() {
        return Target {
            transport: source.transport,
            addr: source.remote,
        };
    }
    response_target(via).unwrap_or(Target {
        transport: source.transport,
        addr: source.remote,
    })
}

/// Where a response goes, from its top Via alone (§18.2.2): to `maddr` if
/// present; else to `received` at the `rport` value (RFC 3581 §4: "the
/// response MUST be sent to the IP address listed in the "received"
/// parameter, and the port in the "rport" parameter") or the sent-by port
/// (5060 if absent); else to the sent-by address. `None` when the Via
/// names a host that is not an IP address and has no `received`, which a
/// stateless element cannot reach without DNS.
pub(crate) fn response_target(via: &Via) -> Option<Target> {
    let transport = Transport::parse(via.transport()).unwrap_or(Transport::Udp);
    let default_port = via.port().unwrap_or(5060);
    if let Some(ip) = via.maddr().and_then(parse_ip) {
        return Some(Target {
            transport,
            addr: SocketAddr::new(ip, default_port),
        });
    }
    if let Some(ip) = via.received().and_then(parse_ip) {
        let port = match via.rport() {
            Some(Some(p)) => p,
            _ => default_port,
        };
        return Some(Target {
            transport,
            addr: SocketAddr::new(ip, port),
        });
    }
    via.ip().map(|ip| Target {
        transport,
        addr: SocketAddr::new(ip, default_port),
    })
}

/// The Via a UAC or proxy puts on a request it sends (§8.1.1.7, §18.1.1,
/// RFC 3581 §3: "A client ... MAY include an rport parameter with no value").
pub(crate) fn own_via(
    transport: Transport,
    host: &str,
    port: Option<u16>,
    branch: &str,
    rport: bool,
) -> String {
    let mut s = String::with_capacity(48 + host.len() + branch.len());
    s.push_str("SIP/2.0/");
    s.push_str(transport.as_str());
    s.push(' ');
    s.push_str(host);
    if let Some(p) = port {
        s.push(':');
        s.push_str(&p.to_string());
    }
    s.push_str(";branch=");
    s.push_str(branch);
    if rport {
        s.push_str(";rport");
    }
    debug_assert!(Via::parse_str(&s).is_ok(), "own Via does not parse: {s}");
    s
}

/// An IP address as a Via host: IPv6 in brackets (RFC 3261 §25.1
/// `IPv6reference`), so `received` values parse everywhere.
pub(crate) fn ip_text(ip: IpAddr) -> String {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

/// An IPv4-mapped IPv6 address (a dual-stack socket's view of a v4 peer)
/// as the IPv4 address it is.
pub(crate) fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(s);
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn source(remote: &str) -> Source {
        Source {
            transport: Transport::Udp,
            remote: remote.parse().unwrap(),
            local: "127.0.0.1:5060".parse().unwrap(),
        }
    }

    fn request(via: &str) -> Message {
        Message::parse(Bytes::from(format!(
            "OPTIONS sip:b@example.com SIP/2.0\r\nVia: {via}\r\nVia: SIP/2.0/UDP second.example\r\nTo: <sip:b@example.com>\r\nFrom: <sip:a@example.com>;tag=1\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
        )))
        .unwrap()
    }

    fn stamp(via: &str, from: &str) -> (Message, Via) {
        let mut m = request(via);
        let v = m.typed::<Via>().unwrap();
        let v = stamp_received(&mut m, v, &source(from)).unwrap();
        (m, v)
    }

    /// RFC 3261 §18.2.1: a sent-by that is a domain name gets `received`.
    #[test]
    fn rfc3261_18_2_1_domain_sent_by_gets_received() {
        let (m, v) = stamp(
            "SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776",
            "192.0.2.4:5060",
        );
        assert_eq!(v.received(), Some("192.0.2.4"));
        assert_eq!(m.typed::<Via>().unwrap().received(), Some("192.0.2.4"));
        // The second Via is untouched and order is kept.
        let vias: Vec<Via> = m.typed_all::<Via>().map(Result::unwrap).collect();
        assert_eq!(vias.len(), 2);
        assert_eq!(vias[1].host(), "second.example");
    }

    /// RFC 3261 §18.2.1: a sent-by IP equal to the source gets nothing.
    #[test]
    fn rfc3261_18_2_1_matching_ip_is_left_alone() {
        let (m, v) = stamp(
            "SIP/2.0/UDP 192.0.2.4:5070;branch=z9hG4bK776",
            "192.0.2.4:5070",
        );
        assert_eq!(v.received(), None);
        assert!(m.to_bytes().starts_with(b"OPTIONS"));
        assert_eq!(
            response_target(&v),
            Some(Target::udp("192.0.2.4:5070".parse().unwrap()))
        );
    }

    /// RFC 3581 §4: rport without a value is filled with the source port and
    /// `received` is added even when the address is the same.
    #[test]
    fn rfc3581_4_rport_filled_and_received_added() {
        let (_, v) = stamp(
            "SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bK7;rport",
            "192.0.2.4:40000",
        );
        assert_eq!(v.received(), Some("192.0.2.4"));
        assert_eq!(v.rport(), Some(Some(40000)));
        // RFC 3581 §4: the response goes to received:rport, not sent-by.
        assert_eq!(
            response_target(&v),
            Some(Target::udp("192.0.2.4:40000".parse().unwrap()))
        );
    }

    /// RFC 3261 §18.2.2: "the response MUST be sent to the address in the
    /// "received" parameter, using the port indicated in the "sent-by"
    /// value, or using port 5060 if none is specified explicitly".
    #[test]
    fn rfc3261_18_2_2_received_with_sent_by_port_or_5060() {
        let (_, v) = stamp(
            "SIP/2.0/UDP client.example;branch=z9hG4bK7",
            "198.51.100.9:33000",
        );
        assert_eq!(
            response_target(&v),
            Some(Target::udp("198.51.100.9:5060".parse().unwrap()))
        );
        let (_, v) = stamp(
            "SIP/2.0/UDP client.example:5080;branch=z9hG4bK7",
            "198.51.100.9:33000",
        );
        assert_eq!(
            response_target(&v),
            Some(Target::udp("198.51.100.9:5080".parse().unwrap()))
        );
    }

    /// RFC 3261 §18.2.2: "if the sent-protocol is not reliable ... and the
    /// top Via header field value contains a "maddr" parameter, the response
    /// MUST be forwarded to the address listed there".
    #[test]
    fn rfc3261_18_2_2_maddr_wins() {
        let v = Via::parse_str("SIP/2.0/UDP h.example:5062;maddr=239.255.255.1;received=192.0.2.1")
            .unwrap();
        assert_eq!(
            response_target(&v),
            Some(Target::udp("239.255.255.1:5062".parse().unwrap()))
        );
    }

    /// RFC 3261 §18.2.2: over a reliable transport the response uses the
    /// existing connection, i.e. goes back to the source address.
    #[test]
    fn rfc3261_18_2_2_reliable_goes_back_on_the_connection() {
        let v = Via::parse_str("SIP/2.0/TCP client.example:5060;branch=z9hG4bK1").unwrap();
        let src = Source {
            transport: Transport::Tcp,
            remote: "192.0.2.7:49152".parse().unwrap(),
            local: "192.0.2.1:5060".parse().unwrap(),
        };
        assert_eq!(
            reply_target(&v, &src),
            Target::tcp("192.0.2.7:49152".parse().unwrap())
        );
    }

    /// RFC 5118 §4.5 style: an IPv6 source gets a bracketed `received`.
    #[test]
    fn ipv6_received_is_bracketed_and_usable() {
        let (_, v) = stamp(
            "SIP/2.0/UDP client.example;branch=z9hG4bK7;rport",
            "[2001:db8::9]:5070",
        );
        assert_eq!(v.received(), Some("[2001:db8::9]"));
        assert_eq!(
            response_target(&v),
            Some(Target::udp("[2001:db8::9]:5070".parse().unwrap()))
        );
        // A v4-mapped source is written as plain IPv4.
        let (_, v) = stamp(
            "SIP/2.0/UDP client.example;branch=z9hG4bK7",
            "[::ffff:192.0.2.1]:5070",
        );
        assert_eq!(v.received(), Some("192.0.2.1"));
    }
}
