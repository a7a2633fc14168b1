//! Transports, addresses and the datagrams/segments that leave the core.

use std::fmt;
use std::net::SocketAddr;

use bytes::Bytes;

/// A SIP transport (RFC 3261 §18). TLS and SCTP are out of scope for now.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Transport {
    /// UDP: unreliable, so the transaction layer retransmits.
    Udp,
    /// TCP: reliable, so the waits that exist only to absorb
    /// retransmissions are zero.
    Tcp,
}

impl Transport {
    /// Whether the transport is reliable (RFC 3261 §17: TCP, TLS, SCTP).
    pub fn is_reliable(self) -> bool {
        matches!(self, Self::Tcp)
    }

    /// The name used in a Via header and a `transport=` URI parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Udp => "UDP",
            Self::Tcp => "TCP",
        }
    }

    /// Parses a Via transport or a `transport=` value, ignoring case.
    pub fn parse(s: &str) -> Option<Self> {
        if s.eq_ignore_ascii_case("udp") {
            Some(Self::Udp)
        } else if s.eq_ignore_ascii_case("tcp") {
            Some(Self::Tcp)
        } else {
            None
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a message goes: a transport and a socket address. What the RFC
/// 3263 resolver produces and what a client transaction is bound to.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    /// The transport to use.
    pub transport: Transport,
    /// The peer's address.
    pub addr: SocketAddr,
}

impl Target {
    /// A target over UDP.
    pub fn udp(addr: SocketAddr) -> Self {
        Self {
            transport: Transport::Udp,
            addr,
        }
    }

    /// A target over TCP.
    pub fn tcp(addr: SocketAddr) -> Self {
        Self {
            transport: Transport::Tcp,
            addr,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.transport, self.addr)
    }
}

/// One message for the driver to put on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transmit {
    /// Transport and destination.
    pub target: Target,
    /// The local address to send from (the listening socket a request came
    /// in on, so its response leaves from the same address); `None` lets
    /// the driver pick a socket of the right family and transport.
    pub local: Option<SocketAddr>,
    /// The serialized message.
    pub payload: Bytes,
}
