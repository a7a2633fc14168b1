//! UA core flows on the simulated network of `sip_transaction::sim`
//! (fake clock, seeded loss): calls, busy, CANCEL, re-INVITE, glare,
//! redirects, and the answers a UAS gives by itself.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use sip_message::{HeaderName, Message, Method, Uri};
use sip_transaction::sim::{Host, LinkConfig, Network, Node};
use sip_transaction::{Event, IdGenerator, LayerConfig, TransactionLayer, Transport};

use super::*;

#[allow(clippy::disallowed_methods)]
pub(super) fn t0() -> Instant {
    Instant::now()
}

pub(super) const A: &str = "127.0.0.1:5060";
const B: &str = "127.0.0.2:5060";

pub(super) fn ua(addr: &str, user: &str, seed: u64) -> UserAgent {
    let a: SocketAddr = addr.parse().unwrap();
    let mut layer = TransactionLayer::new(LayerConfig::default(), IdGenerator::seeded(seed));
    layer.add_listener(Transport::Udp, a);
    layer.add_listener(Transport::Tcp, a);
    let aor = Uri::parse(&format!("sip:{user}@example.test")).unwrap();
    let contact = Uri::parse(&format!("sip:{user}@{addr}")).unwrap();
    UserAgent::new(UaConfig::new(aor, contact), layer)
}

fn sdp(who: &str) -> Option<Body> {
    Some(Body::sdp(format!(
        "v=0\r\no={who} 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
    )))
}

/// Two UAs on a simulated link, with the events each one reported.
struct Pair {
    net: Network,
    a: UserAgent,
    b: UserAgent,
    ev_a: Vec<UaEvent>,
    ev_b: Vec<UaEvent>,
}

impl Pair {
    fn new(link: LinkConfig, seed: u64) -> Self {
        Self {
            net: Network::new(seed, t0(), link),
            a: ua(A, "alice", seed * 2 + 1),
            b: ua(B, "bob", seed * 2 + 2),
            ev_a: Vec::new(),
            ev_b: Vec::new(),
        }
    }

    fn now(&self) -> Instant {
        self.net.now()
    }

    /// Runs the network until `until` (simulated), collecting events.
    fn run_for(&mut self, d: Duration) {
        let end = self.net.now() + d;
        loop {
            if !self
                .net
                .step(&mut [&mut self.a as &mut dyn Host, &mut self.b], Some(end))
            {
                break;
            }
            while let Some(e) = self.a.poll_event() {
                self.ev_a.push(e);
            }
            while let Some(e) = self.b.poll_event() {
                self.ev_b.push(e);
            }
            if self.net.now() >= end {
                break;
            }
        }
    }

    /// B's latest incoming call.
    fn incoming(&self) -> CallHandle {
        self.ev_b
            .iter()
            .rev()
            .find_map(|e| match e {
                UaEvent::IncomingCall { call, .. } => Some(*call),
                _ => None,
            })
            .expect("an incoming call at B")
    }

    /// A call from A to B, answered and confirmed.
    fn established(&mut self) -> (CallHandle, CallHandle) {
        let now = self.now();
        let ca = self
            .a
            .call(
                now,
                Uri::parse(&format!("sip:bob@{B}")).unwrap(),
                sdp("alice"),
            )
            .unwrap();
        self.run_for(Duration::from_millis(100));
        let cb = self.incoming();
        let now = self.now();
        self.b.ring(now, cb).unwrap();
        self.b.answer(now, cb, sdp("bob")).unwrap();
        self.run_for(Duration::from_millis(200));
        assert_eq!(self.a.call_state(ca), Some(CallState::Established));
        assert_eq!(self.b.call_state(cb), Some(CallState::Established));
        (ca, cb)
    }
}

fn names(ev: &[UaEvent]) -> Vec<&'static str> {
    ev.iter()
        .map(|e| match e {
            UaEvent::IncomingCall { .. } => "IncomingCall",
            UaEvent::Progress { .. } => "Progress",
            UaEvent::Answered { .. } => "Answered",
            UaEvent::Confirmed { .. } => "Confirmed",
            UaEvent::Failed { .. } => "Failed",
            UaEvent::Cancelled { .. } => "Cancelled",
            UaEvent::Ended { .. } => "Ended",
            UaEvent::Reinvite { .. } => "Reinvite",
            UaEvent::ReinviteDone { .. } => "ReinviteDone",
            UaEvent::ReinviteFailed { .. } => "ReinviteFailed",
            UaEvent::Request { .. } => "Request",
            UaEvent::Response { .. } => "Response",
            UaEvent::RequestFailed { .. } => "RequestFailed",
            UaEvent::Refer { .. } => "Refer",
            UaEvent::ReferNotify { .. } => "ReferNotify",
            _ => "Registration",
        })
        .collect()
}

fn failed_status(ev: &[UaEvent]) -> Option<u16> {
    ev.iter().find_map(|e| match e {
        UaEvent::Failed { status, .. } => Some(*status),
        _ => None,
    })
}

/// RFC 3665 §3.1 (successful session, no proxies): INVITE, 180, 200, ACK,
/// then BYE and 200. Both sides see the call through, and once the
/// transactions' timers run out both layers are empty.
#[test]
fn rfc3665_3_1_successful_session() {
    let mut p = Pair::new(LinkConfig::default(), 1);
    let (ca, cb) = p.established();
    assert_eq!(names(&p.ev_a), ["Progress", "Answered"]);
    assert_eq!(names(&p.ev_b), ["IncomingCall", "Confirmed"]);
    // The SDP offer and answer travelled.
    match &p.ev_a[1] {
        UaEvent::Answered { response, .. } => assert!(response.body().starts_with(b"v=0\r\no=bob")),
        e => panic!("{e:?}"),
    }
    let now = p.now();
    p.a.hangup(now, ca).unwrap();
    p.run_for(Duration::from_secs(40));
    assert_eq!(names(&p.ev_b), ["IncomingCall", "Confirmed", "Ended"]);
    assert!(matches!(p.ev_b[2], UaEvent::Ended { call, by_peer: true } if call == cb));
    assert_eq!(p.a.call_state(ca), Some(CallState::Terminated));
    assert!(p.a.layer().is_empty() && p.b.layer().is_empty());
}

/// RFC 3665 §3.4 (unsuccessful, busy): the callee answers 486 and the
/// caller's transaction sends the ACK itself.
#[test]
fn rfc3665_3_4_busy() {
    let mut p = Pair::new(LinkConfig::default(), 2);
    let now = p.now();
    let ca =
        p.a.call(
            now,
            Uri::parse(&format!("sip:bob@{B}")).unwrap(),
            sdp("alice"),
        )
        .unwrap();
    p.run_for(Duration::from_millis(100));
    let cb = p.incoming();
    let now = p.now();
    p.b.reject(now, cb, 486).unwrap();
    p.run_for(Duration::from_secs(1));
    assert_eq!(failed_status(&p.ev_a), Some(486));
    assert_eq!(p.a.call_state(ca), Some(CallState::Terminated));
    p.run_for(Duration::from_secs(40));
    assert!(p.a.layer().is_empty() && p.b.layer().is_empty());
}

/// RFC 3665 §3.8 (unsuccessful, no answer): the caller gives up while it
/// rings: CANCEL, 200 for the CANCEL, 487 for the INVITE (§9.2).
#[test]
fn rfc3665_3_8_no_answer_cancel() {
    let mut p = Pair::new(LinkConfig::default(), 3);
    let now = p.now();
    let ca =
        p.a.call(now, Uri::parse(&format!("sip:bob@{B}")).unwrap(), None)
            .unwrap();
    p.run_for(Duration::from_millis(100));
    let cb = p.incoming();
    let now = p.now();
    p.b.ring(now, cb).unwrap();
    p.run_for(Duration::from_secs(5));
    let now = p.now();
    p.a.hangup(now, ca).unwrap();
    p.run_for(Duration::from_secs(1));
    assert_eq!(names(&p.ev_b), ["IncomingCall", "Cancelled"]);
    assert_eq!(failed_status(&p.ev_a), Some(487));
    assert_eq!(p.b.call_state(cb), Some(CallState::Terminated));
    // The callee can no longer answer.
    let now = p.now();
    assert_eq!(p.b.answer(now, cb, None), Err(UaError::WrongState));
}

/// RFC 3261 §9.1: a CANCEL "MUST NOT be sent" before a provisional
/// response; hanging up that early sends it as soon as the 180 arrives.
#[test]
fn rfc3261_9_1_cancel_waits_for_the_provisional() {
    let mut p = Pair::new(LinkConfig::default(), 4);
    let now = p.now();
    let ca =
        p.a.call(now, Uri::parse(&format!("sip:bob@{B}")).unwrap(), None)
            .unwrap();
    p.a.hangup(now, ca).unwrap();
    p.run_for(Duration::from_millis(100));
    let cb = p.incoming();
    assert_eq!(p.b.call_state(cb), Some(CallState::Early), "no CANCEL yet");
    let now = p.now();
    p.b.ring(now, cb).unwrap();
    p.run_for(Duration::from_secs(1));
    assert_eq!(names(&p.ev_b), ["IncomingCall", "Cancelled"]);
    assert_eq!(failed_status(&p.ev_a), Some(487));
}

/// RFC 3261 §12.2 and §14 (the mobility case): after a move the caller
/// changes its Contact and re-INVITEs; the callee's dialog now targets the
/// new address, and the caller's BYE goes out normally.
#[test]
fn rfc3261_14_reinvite_changes_the_remote_target() {
    let mut p = Pair::new(LinkConfig::default(), 5);
    let (ca, cb) = p.established();
    let now = p.now();
    p.a.set_contact(Uri::parse("sip:alice@127.0.0.1:5060;moved=1").unwrap());
    p.a.reinvite(now, ca, sdp("alice-moved")).unwrap();
    assert_eq!(p.a.reinvite(now, ca, None), Err(UaError::Pending));
    p.run_for(Duration::from_millis(100));
    assert!(matches!(p.ev_b.last(), Some(UaEvent::Reinvite { .. })));
    let now = p.now();
    p.b.accept_reinvite(now, cb, sdp("bob")).unwrap();
    p.run_for(Duration::from_millis(200));
    assert!(matches!(p.ev_a.last(), Some(UaEvent::ReinviteDone { .. })));
    assert_eq!(
        p.b.dialog(cb).unwrap().remote_target().as_str(),
        "sip:alice@127.0.0.1:5060;moved=1"
    );
    // The 2xx to the re-INVITE was acknowledged: no retransmissions later,
    // and the callee's BYE uses the new target.
    let now = p.now();
    p.b.hangup(now, cb).unwrap();
    p.run_for(Duration::from_secs(1));
    assert!(matches!(
        p.ev_a.last(),
        Some(UaEvent::Ended { by_peer: true, .. })
    ));
}

/// RFC 3665 §3.11-style glare (RFC 3261 §14.1): both sides re-INVITE at
/// once, both get 491, each retries after its random wait (2.1-4 s for the
/// Call-ID owner, 0-2 s for the other) and both re-INVITEs complete.
#[test]
fn rfc3261_14_1_glare_491_and_retry() {
    let mut p = Pair::new(LinkConfig::default(), 6);
    let (ca, cb) = p.established();
    let now = p.now();
    p.a.reinvite(now, ca, sdp("alice2")).unwrap();
    p.b.reinvite(now, cb, sdp("bob2")).unwrap();
    p.run_for(Duration::from_millis(300));
    // Each side refused the other's with 491 (no Reinvite event yet).
    assert!(!p.ev_a.iter().any(|e| matches!(e, UaEvent::Reinvite { .. })));
    let start = p.now();
    let mut done = (false, false);
    let (mut seen_a, mut seen_b) = (p.ev_a.len(), p.ev_b.len());
    for _ in 0..100 {
        p.run_for(Duration::from_millis(100));
        // Accept each re-INVITE that arrives.
        let now = p.now();
        if p.ev_a[seen_a..]
            .iter()
            .any(|e| matches!(e, UaEvent::Reinvite { .. }))
        {
            p.a.accept_reinvite(now, ca, sdp("alice2")).unwrap();
        }
        if p.ev_b[seen_b..]
            .iter()
            .any(|e| matches!(e, UaEvent::Reinvite { .. }))
        {
            p.b.accept_reinvite(now, cb, sdp("bob2")).unwrap();
        }
        (seen_a, seen_b) = (p.ev_a.len(), p.ev_b.len());
        done.0 |= p
            .ev_a
            .iter()
            .any(|e| matches!(e, UaEvent::ReinviteDone { .. }));
        done.1 |= p
            .ev_b
            .iter()
            .any(|e| matches!(e, UaEvent::ReinviteDone { .. }));
        if done.0 && done.1 {
            break;
        }
    }
    assert_eq!(
        done,
        (true, true),
        "a: {:?}\nb: {:?}",
        names(&p.ev_a),
        names(&p.ev_b)
    );
    // The callee (not the Call-ID owner) retries first, within 2 s.
    assert!(p.now() - start < Duration::from_secs(10));
    assert_eq!(p.a.call_state(ca), Some(CallState::Established));
}

/// RFC 3261 §13.3.1.4: "If the server retransmits the 2xx response for
/// 64*T1 seconds without receiving an ACK ... the session SHOULD be
/// terminated ... with a BYE."
#[test]
fn rfc3261_13_3_1_4_no_ack_ends_the_call() {
    let mut p = Pair::new(LinkConfig::default(), 7);
    let now = p.now();
    p.a.call(now, Uri::parse(&format!("sip:bob@{B}")).unwrap(), None)
        .unwrap();
    p.run_for(Duration::from_millis(100));
    let cb = p.incoming();
    // From now on nothing from A reaches B: no ACK.
    p.net.set_link(
        A.parse().unwrap(),
        B.parse().unwrap(),
        LinkConfig {
            loss: 1.0,
            ..LinkConfig::default()
        },
    );
    let now = p.now();
    p.b.answer(now, cb, None).unwrap();
    p.run_for(Duration::from_secs(31));
    assert_eq!(p.b.call_state(cb), Some(CallState::Answered));
    p.run_for(Duration::from_secs(2));
    assert!(matches!(
        p.ev_b.last(),
        Some(UaEvent::Ended { by_peer: false, .. })
    ));
}

/// The whole call over a link losing 30 % of datagrams both ways:
/// retransmissions of INVITE, 2xx (and re-ACKs), BYE carry it through.
#[test]
fn call_survives_thirty_percent_loss() {
    for seed in 10..20 {
        let mut p = Pair::new(LinkConfig::lossy(0.3), seed);
        let now = p.now();
        let ca =
            p.a.call(
                now,
                Uri::parse(&format!("sip:bob@{B}")).unwrap(),
                sdp("alice"),
            )
            .unwrap();
        p.run_for(Duration::from_secs(10));
        let cb = p.incoming();
        let now = p.now();
        p.b.answer(now, cb, sdp("bob")).unwrap();
        p.run_for(Duration::from_secs(20));
        assert_eq!(
            p.a.call_state(ca),
            Some(CallState::Established),
            "seed {seed}"
        );
        assert_eq!(
            p.b.call_state(cb),
            Some(CallState::Established),
            "seed {seed}"
        );
        let now = p.now();
        p.a.hangup(now, ca).unwrap();
        p.run_for(Duration::from_secs(40));
        assert_eq!(
            p.b.call_state(cb),
            Some(CallState::Terminated),
            "seed {seed}"
        );
    }
}

/// RFC 3261 §8.2.1, §8.2.2.1, §8.2.2.3, §8.2.3, §11.2 and §12.2.2: the
/// answers a UAS gives by itself.
#[test]
fn rfc3261_8_2_uas_answers_by_itself() {
    let mut p = Pair::new(LinkConfig::default(), 8);
    let now = p.now();
    let bob = Uri::parse(&format!("sip:bob@{B}")).unwrap();
    let h_options =
        p.a.request(now, Method::Options, bob.clone(), None)
            .unwrap();
    let h_unknown =
        p.a.request(now, Method::Extension("FOO".into()), bob.clone(), None)
            .unwrap();
    let h_publish =
        p.a.request(now, Method::Publish, bob.clone(), None)
            .unwrap();
    p.run_for(Duration::from_millis(200));
    let status_of = |ev: &[UaEvent], h: RequestHandle| {
        ev.iter().find_map(|e| match e {
            UaEvent::Response { request, response } if *request == h => Some(response.clone()),
            _ => None,
        })
    };
    let opt = status_of(&p.ev_a, h_options).unwrap();
    assert_eq!(opt.status(), Some(200));
    assert!(opt.header(&HeaderName::Allow).unwrap().contains("INVITE"));
    let unk = status_of(&p.ev_a, h_unknown).unwrap();
    assert_eq!(unk.status(), Some(405));
    assert!(unk.header(&HeaderName::Allow).is_some());
    assert_eq!(status_of(&p.ev_a, h_publish).unwrap().status(), Some(405));

    // 420, 415, 416 and 481 need hand-made requests: send them through a
    // bare transaction layer.
    let mut raw = Node::new("127.0.0.3:5060".parse().unwrap(), 99);
    let send = |raw: &mut Node, now: Instant, extra: &str, ruri: &str, to_tag: &str, body: &str| {
        let m = Message::parse(Bytes::from(format!(
            "MESSAGE {ruri} SIP/2.0\r\nTo: <sip:bob@example.test>{to_tag}\r\nFrom: <sip:raw@example.test>;tag=r\r\nCall-ID: raw-{}\r\nCSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\n{extra}Content-Length: {}\r\n\r\n{body}",
            extra.len() + ruri.len() + to_tag.len(),
            body.len()
        )))
        .unwrap();
        raw.layer
            .send_request(now, m, sip_transaction::Target::udp(B.parse().unwrap()))
            .unwrap();
    };
    let now = p.now();
    send(
        &mut raw,
        now,
        "Require: 100rel-unknown\r\n",
        &format!("sip:bob@{B}"),
        "",
        "",
    );
    send(
        &mut raw,
        now,
        "Content-Type: application/x-nope\r\n",
        &format!("sip:bob@{B}"),
        "",
        "hi",
    );
    send(&mut raw, now, "", "mailto:bob@example.test", "", "");
    send(
        &mut raw,
        now,
        "",
        &format!("sip:bob@{B}"),
        ";tag=nodialog",
        "",
    );
    let mut got = Vec::new();
    let end = p.now() + Duration::from_millis(300);
    while p
        .net
        .step(&mut [&mut raw as &mut dyn Host, &mut p.b], Some(end))
        && p.net.now() < end
    {
        while let Some(e) = raw.layer.poll_event() {
            if let Event::Response { response, .. } = e {
                got.push((response.status().unwrap(), response));
            }
        }
    }
    got.sort_by_key(|(s, _)| *s);
    let codes: Vec<u16> = got.iter().map(|(s, _)| *s).collect();
    assert_eq!(codes, [415, 416, 420, 481]);
    assert_eq!(
        got[0].1.header(&HeaderName::Accept),
        Some("application/sdp")
    );
    assert_eq!(
        got[2].1.header(&HeaderName::Unsupported),
        Some("100rel-unknown")
    );
}

/// RFC 3261 §8.1.3.4: a 3xx makes the caller try the Contacts "in the
/// order of their q-value"; one that fails is followed by the next.
#[test]
fn rfc3261_8_1_3_4_redirect_in_q_order() {
    let mut p = Pair::new(LinkConfig::default(), 9);
    // A redirect server at .3: 302 with a dead contact (q=1.0, nobody at
    // .9) and Bob (q=0.5).
    let mut redirect = Node::new("127.0.0.3:5060".parse().unwrap(), 77);
    let now = p.now();
    let ca =
        p.a.call(now, Uri::parse("sip:bob@127.0.0.3:5060").unwrap(), None)
            .unwrap();
    let end = now + Duration::from_secs(60);
    let mut answered = false;
    while p.net.step(
        &mut [&mut p.a as &mut dyn Host, &mut p.b, &mut redirect],
        Some(end),
    ) && p.net.now() < end
    {
        let now = p.net.now();
        while let Some(e) = redirect.layer.poll_event() {
            if let Event::Request(inc) = e {
                let resp = inc
                    .request
                    .response_to(302, Some("r"))
                    .unwrap()
                    .header(
                        "Contact",
                        &format!("<sip:bob@{B}>;q=0.5, <sip:nobody@127.0.0.9:5060>;q=1.0"),
                    )
                    .build()
                    .unwrap();
                redirect.layer.send_response(now, inc.id, resp).unwrap();
            }
        }
        while let Some(e) = p.b.poll_event() {
            if let UaEvent::IncomingCall { call, invite } = e {
                // The first target tried was the q=1.0 one: Bob got the
                // INVITE only after it timed out, with a higher CSeq.
                assert!(invite.header(&HeaderName::CSeq).unwrap().starts_with('3'));
                p.b.answer(now, call, None).unwrap();
            }
        }
        while let Some(e) = p.a.poll_event() {
            if let UaEvent::Answered { .. } = e {
                answered = true;
            }
        }
        if answered {
            break;
        }
    }
    assert!(answered);
    assert_eq!(p.a.call_state(ca), Some(CallState::Established));
}

mod auth;
mod refer;
mod register;
