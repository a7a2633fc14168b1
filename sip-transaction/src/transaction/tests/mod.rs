//! Fake-clock tests of the four transaction state machines.
//!
//! Every test starts at `t0()` and moves time by adding durations to it:
//! a 32-second Timer B runs in microseconds. Timers are checked at their
//! exact instant and 1 ms before it, smoltcp style:
//!
//! ```text
//! assert_transmits!(tx, t0 + ms!(500) - ms!(1), 0);   // not yet
//! assert_transmits!(tx, t0 + ms!(500), 1);            // Timer A/E/G
//! ```
//!
//! Each test is named after the RFC rule it checks and quotes it.

use std::fmt::Debug;
use std::time::{Duration, Instant};

use bytes::Bytes;
use sip_message::Message;

use super::{
    ClientEvent, ClientInvite, ClientNonInvite, ServerEvent, ServerInvite, ServerNonInvite,
};
use crate::{Timer, TimerConfig};

/// `Duration::from_millis`, short enough for a schedule table.
macro_rules! ms {
    ($n:expr) => {
        ::std::time::Duration::from_millis($n)
    };
}

/// Calls `handle_timeout($at)` and asserts that exactly `$n` messages were
/// queued for sending; evaluates to them.
macro_rules! assert_transmits {
    ($tx:expr, $at:expr, $n:expr) => {{
        $tx.handle_timeout($at);
        let sent = $crate::transaction::tests::transmits(&mut $tx);
        assert_eq!(
            sent.len(),
            $n,
            "transmissions after handle_timeout({})",
            stringify!($at)
        );
        sent
    }};
}

/// Asserts the events queued so far, each written as [`Machine::describe`]
/// writes it: `Response(180)`, `TimedOut`, `Ack`, `Terminated`...
macro_rules! assert_events {
    ($tx:expr, [$($e:expr),* $(,)?]) => {{
        let got = $crate::transaction::tests::events(&mut $tx);
        let want: ::std::vec::Vec<&str> = ::std::vec![$($e),*];
        assert_eq!(got, want, "events");
    }};
}

mod client_invite;
mod client_non_invite;
mod server_invite;
mod server_non_invite;

/// The transport flag of `new`: UDP is unreliable.
pub(super) const UDP: bool = false;
/// The transport flag of `new`: TCP is reliable.
pub(super) const TCP: bool = true;

/// The fake clock's origin: the only reading of the real clock, and only
/// so that there is an `Instant` to add durations to.
#[allow(clippy::disallowed_methods)]
pub(super) fn t0() -> Instant {
    Instant::now()
}

/// RFC defaults: T1 = 500 ms, T2 = 4 s, T4 = 5 s, D = 32 s, Trying = 200 ms.
pub(super) fn cfg() -> TimerConfig {
    TimerConfig::default()
}

/// The common surface of the four machines, so one set of helpers drives
/// them all.
pub(super) trait Machine {
    type Event: Debug;
    fn handle_timeout(&mut self, now: Instant);
    fn poll_transmit(&mut self) -> Option<Bytes>;
    fn poll_event(&mut self) -> Option<Self::Event>;
    fn poll_timeout(&self) -> Option<(Instant, Timer)>;
    /// A short name for an event, for comparing sequences.
    fn describe(event: &Self::Event) -> String;
}

macro_rules! machine {
    ($ty:ty, $event:ty, $describe:expr) => {
        impl Machine for $ty {
            type Event = $event;
            fn handle_timeout(&mut self, now: Instant) {
                <$ty>::handle_timeout(self, now)
            }
            fn poll_transmit(&mut self) -> Option<Bytes> {
                <$ty>::poll_transmit(self)
            }
            fn poll_event(&mut self) -> Option<$event> {
                <$ty>::poll_event(self)
            }
            fn poll_timeout(&self) -> Option<(Instant, Timer)> {
                <$ty>::poll_timeout(self)
            }
            fn describe(event: &$event) -> String {
                $describe(event)
            }
        }
    };
}

fn describe_client(e: &ClientEvent) -> String {
    match e {
        ClientEvent::Response(m) => format!("Response({})", m.status().unwrap_or(0)),
        other => format!("{other:?}"),
    }
}

fn describe_server(e: &ServerEvent) -> String {
    match e {
        ServerEvent::Ack(_) => "Ack".to_owned(),
        other => format!("{other:?}"),
    }
}

machine!(ClientInvite, ClientEvent, describe_client);
machine!(ClientNonInvite, ClientEvent, describe_client);
machine!(ServerInvite, ServerEvent, describe_server);
machine!(ServerNonInvite, ServerEvent, describe_server);

/// Drains `poll_transmit`.
pub(super) fn transmits<M: Machine>(m: &mut M) -> Vec<Bytes> {
    std::iter::from_fn(|| m.poll_transmit()).collect()
}

/// Drains `poll_event`, describing each event.
pub(super) fn events<M: Machine>(m: &mut M) -> Vec<String> {
    std::iter::from_fn(|| m.poll_event())
        .map(|e| M::describe(&e))
        .collect()
}

/// Drains `poll_event`, keeping the events themselves.
pub(super) fn raw_events<M: Machine>(m: &mut M) -> Vec<M::Event> {
    std::iter::from_fn(|| m.poll_event()).collect()
}

/// Runs the machine the way a driver does, jumping the clock to each
/// `poll_timeout` until `t0 + until` or until no timer is armed. Returns
/// one entry per wake-up: milliseconds since `t0`, the timer named, and
/// how many messages went out. Events are left queued.
pub(super) fn drive<M: Machine>(
    m: &mut M,
    t0: Instant,
    until: Duration,
) -> Vec<(u128, Timer, usize)> {
    let mut log = Vec::new();
    while let Some((at, timer)) = m.poll_timeout() {
        if at > t0 + until {
            break;
        }
        m.handle_timeout(at);
        log.push((at.duration_since(t0).as_millis(), timer, transmits(m).len()));
        assert!(log.len() < 1_000, "a timer that never stops: {log:?}");
    }
    log
}

/// The instants (ms since `t0`) at which `drive` saw something sent.
pub(super) fn send_instants(log: &[(u128, Timer, usize)]) -> Vec<u128> {
    log.iter()
        .filter(|&&(_, _, n)| n > 0)
        .map(|&(at, _, _)| at)
        .collect()
}

/// Parses a message written in the test.
pub(super) fn msg(text: &'static str) -> Message {
    Message::parse(Bytes::from_static(text.as_bytes())).expect("test message parses")
}

/// Parses what a machine sent.
pub(super) fn parse(wire: &Bytes) -> Message {
    Message::parse(wire.clone()).expect("a transmitted message parses")
}

/// A response to `req` built per RFC 3261 §8.2.6.
pub(super) fn response(req: &Message, code: u16, to_tag: Option<&str>) -> Message {
    req.response_to(code, to_tag)
        .expect("response_to")
        .build()
        .expect("build")
}

/// The INVITE of RFC 3261 §24.2 F1 (over UDP), with a Timestamp so that a
/// `100 Trying` has something to copy (§8.2.6.1).
pub(super) fn invite() -> Message {
    msg("INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n\
Max-Forwards: 70\r\n\
From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
Call-ID: 3848276298220188511@atlanta.example.com\r\n\
CSeq: 1 INVITE\r\n\
Timestamp: 54\r\n\
Contact: <sip:alice@client.atlanta.example.com>\r\n\
Content-Length: 0\r\n\
\r\n")
}

/// The ACK a UAC sends for a non-2xx answer to [`invite`] carrying the
/// To tag `8321234356` (§17.1.1.3), as it reaches the server transaction.
pub(super) fn ack() -> Message {
    msg("ACK sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n\
Max-Forwards: 70\r\n\
From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n\
To: Bob <sip:bob@biloxi.example.com>;tag=8321234356\r\n\
Call-ID: 3848276298220188511@atlanta.example.com\r\n\
CSeq: 1 ACK\r\n\
Content-Length: 0\r\n\
\r\n")
}

/// A REGISTER (RFC 3261 §24.1 F1-like) for the non-INVITE machines.
pub(super) fn register() -> Message {
    msg("REGISTER sip:registrar.biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds7\r\n\
Max-Forwards: 70\r\n\
From: Bob <sip:bob@biloxi.example.com>;tag=456248\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
Call-ID: 843817637684230@998sdasdh09\r\n\
CSeq: 1826 REGISTER\r\n\
Contact: <sip:bob@192.0.2.4>\r\n\
Expires: 7200\r\n\
Content-Length: 0\r\n\
\r\n")
}
