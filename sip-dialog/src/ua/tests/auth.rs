//! Digest authentication inside a dialog (RFC 3261 §22.2 with §12.2.1.1):
//! a peer that challenges the BYE, the re-INVITE and other in-dialog
//! requests gets them again with credentials and the dialog's next CSeq,
//! and a wrong password does not loop. Also UPDATE (RFC 3311) as a
//! target refresh.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use sip_message::{CSeq, HeaderName, Message, Method, Uri};
use sip_transaction::sim::{Host, LinkConfig, Network};
use sip_transaction::{IdGenerator, Source, Target, Transmit};

use super::{t0, ua, A};
use crate::auth::{AuthResult, Authenticator, Credential, MemoryCredentials};
use crate::ua::{Body, CallHandle, CallState, UaEvent, UserAgent};

const B: &str = "127.0.0.2:5060";

fn sdp(who: &str) -> Option<Body> {
    Some(Body::sdp(format!(
        "v=0\r\no={who} 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
    )))
}

/// Bob's UA behind a gate that demands digest credentials on every
/// request within a dialog (its To has a tag) except ACK, answering 401
/// itself, the way an authenticating B2BUA or an application server does.
struct Gate {
    ua: UserAgent,
    auth: Authenticator<MemoryCredentials>,
    out: VecDeque<Transmit>,
    /// (method, CSeq number, had credentials) of every in-dialog request.
    seen: Vec<(Method, u32, bool)>,
    challenges: usize,
    refusals: usize,
}

impl Gate {
    fn new() -> Self {
        let users: MemoryCredentials = [("alice", "wonderland")].into_iter().collect();
        Self {
            ua: ua(B, "bob", 72),
            auth: Authenticator::new("example.test", users, IdGenerator::seeded(73)),
            out: VecDeque::new(),
            seen: Vec::new(),
            challenges: 0,
            refusals: 0,
        }
    }

    fn count(&self, method: &Method) -> usize {
        self.seen.iter().filter(|(m, ..)| m == method).count()
    }

    fn reply(&mut self, source: Source, resp: &Message) {
        self.out.push_back(Transmit {
            target: Target {
                transport: source.transport,
                addr: source.remote,
            },
            local: Some(source.local),
            payload: resp.to_bytes(),
        });
    }
}

impl Host for Gate {
    fn addr(&self) -> SocketAddr {
        B.parse().unwrap()
    }
    fn handle(&mut self, now: Instant, source: Source, data: Bytes) {
        let Ok(m) = Message::parse(data.clone()) else {
            return self.ua.handle(now, source, data);
        };
        let in_dialog = m
            .typed::<sip_message::To>()
            .is_ok_and(|t| t.tag().is_some());
        let method = m.method().cloned();
        match method {
            Some(method) if in_dialog && method != Method::Ack => {
                let seq = m.typed::<CSeq>().map(|c| c.seq).unwrap_or(0);
                let creds = m.has_header(&HeaderName::Authorization);
                self.seen.push((method, seq, creds));
                match self.auth.verify(now, &m, false) {
                    AuthResult::Authorized { .. } => self.ua.handle(now, source, data),
                    AuthResult::Challenge { stale } => {
                        self.challenges += 1;
                        let r = self.auth.challenge_response(now, &m, false, stale).unwrap();
                        self.reply(source, &r);
                    }
                    _ => {
                        self.refusals += 1;
                        let r = m.response_to(403, Some("gate")).unwrap().build().unwrap();
                        self.reply(source, &r);
                    }
                }
            }
            _ => self.ua.handle(now, source, data),
        }
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.ua.handle_timeout(now);
    }
    fn handle_transport_error(&mut self, now: Instant, target: Target) {
        self.ua.handle_transport_error(now, target);
    }
    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.pop_front().or_else(|| self.ua.poll_transmit())
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.ua.poll_timeout()
    }
}

struct World {
    net: Network,
    alice: UserAgent,
    bob: Gate,
    ev_a: Vec<UaEvent>,
    ev_b: Vec<UaEvent>,
}

impl World {
    fn new(password: &str) -> Self {
        let mut alice = ua(A, "alice", 71);
        alice.set_credential(Credential::new("alice", password));
        Self {
            net: Network::new(70, t0(), LinkConfig::default()),
            alice,
            bob: Gate::new(),
            ev_a: Vec::new(),
            ev_b: Vec::new(),
        }
    }

    fn now(&self) -> Instant {
        self.net.now()
    }

    fn run_for(&mut self, d: Duration) {
        let end = self.net.now() + d;
        while self.net.step(
            &mut [&mut self.alice as &mut dyn Host, &mut self.bob],
            Some(end),
        ) {
            self.ev_a
                .extend(std::iter::from_fn(|| self.alice.poll_event()));
            self.ev_b
                .extend(std::iter::from_fn(|| self.bob.ua.poll_event()));
            if self.net.now() >= end {
                break;
            }
        }
    }

    /// Alice calls Bob (the INVITE is outside the dialog, so the gate lets
    /// it through) and Bob answers.
    fn established(&mut self) -> (CallHandle, CallHandle) {
        let now = self.now();
        let to = Uri::parse(&format!("sip:bob@{B}")).unwrap();
        let ca = self.alice.call(now, to, sdp("alice")).unwrap();
        self.run_for(Duration::from_millis(100));
        let cb = self
            .ev_b
            .iter()
            .find_map(|e| match e {
                UaEvent::IncomingCall { call, .. } => Some(*call),
                _ => None,
            })
            .unwrap();
        let now = self.now();
        self.bob.ua.answer(now, cb, sdp("bob")).unwrap();
        self.run_for(Duration::from_millis(200));
        assert_eq!(self.alice.call_state(ca), Some(CallState::Established));
        (ca, cb)
    }
}

/// RFC 3261 §22.2: "When a UAC resubmits a request with its credentials
/// after receiving a 401 (Unauthorized) or 407 (Proxy Authentication
/// Required) response, it MUST increment the CSeq header field value as it
/// would normally when sending an updated request." A challenged BYE goes
/// again with credentials and CSeq + 1, and ends the call at the peer.
#[test]
fn rfc3261_22_2_challenged_bye_is_resent_with_credentials() {
    let mut w = World::new("wonderland");
    let (ca, cb) = w.established();
    let now = w.now();
    w.alice.hangup(now, ca).unwrap();
    w.run_for(Duration::from_millis(300));
    let byes: Vec<_> = w
        .bob
        .seen
        .iter()
        .filter(|(m, ..)| *m == Method::Bye)
        .collect();
    assert_eq!(byes.len(), 2, "{:?}", w.bob.seen);
    assert!(
        !byes[0].2 && byes[1].2,
        "the second BYE carries credentials"
    );
    assert_eq!(byes[1].1, byes[0].1 + 1);
    assert_eq!(w.bob.challenges, 1);
    assert!(w
        .ev_b
        .iter()
        .any(|e| matches!(e, UaEvent::Ended { call, by_peer: true } if *call == cb)));
    assert_eq!(w.bob.ua.call_state(cb), Some(CallState::Terminated));
}

/// §22.2 for a re-INVITE, within the dialog's sequence (§12.2.1.1: "the
/// CSeq header field value MUST be ... one higher than the previous"):
/// the challenged re-INVITE goes again with credentials and the next CSeq,
/// the peer accepts it, its 2xx is ACKed with that CSeq (§13.2.2.4), and
/// a later in-dialog INFO, challenged too, continues the same sequence.
#[test]
fn rfc3261_22_2_challenged_reinvite_and_info_keep_the_dialog_cseq() {
    let mut w = World::new("wonderland");
    let (ca, cb) = w.established();
    let now = w.now();
    w.alice.reinvite(now, ca, sdp("alice2")).unwrap();
    w.run_for(Duration::from_millis(100));
    let now = w.now();
    w.bob.ua.accept_reinvite(now, cb, sdp("bob2")).unwrap();
    w.run_for(Duration::from_millis(200));
    assert!(
        w.ev_a
            .iter()
            .any(|e| matches!(e, UaEvent::ReinviteDone { .. })),
        "{:?}",
        w.ev_a
    );
    let invites: Vec<_> = w
        .bob
        .seen
        .iter()
        .filter(|(m, ..)| *m == Method::Invite)
        .collect();
    assert_eq!(invites.len(), 2, "{:?}", w.bob.seen);
    assert!(!invites[0].2 && invites[1].2);
    assert_eq!(invites[1].1, invites[0].1 + 1);
    let reinvite_seq = invites[1].1;
    assert_eq!(w.alice.dialog(ca).unwrap().local_seq(), Some(reinvite_seq));

    let now = w.now();
    let info = w
        .alice
        .request_in_dialog(now, ca, Method::Info, None)
        .unwrap();
    w.run_for(Duration::from_millis(100));
    // Bob's application answers the INFO it was handed.
    let tx = w
        .ev_b
        .iter()
        .find_map(|e| match e {
            UaEvent::Request { tx, request, .. } if request.method() == Some(&Method::Info) => {
                Some(*tx)
            }
            _ => None,
        })
        .expect("the INFO reached Bob");
    let now = w.now();
    w.bob.ua.respond(now, tx, 200, None).unwrap();
    w.run_for(Duration::from_millis(100));
    let status = w.ev_a.iter().rev().find_map(|e| match e {
        UaEvent::Response { request, response } if *request == info => response.status(),
        _ => None,
    });
    assert_eq!(status, Some(200));
    // Every in-dialog request was numbered after the last one, whether it
    // was a first try or a retry.
    let seqs: Vec<u32> = w.bob.seen.iter().map(|(_, s, _)| *s).collect();
    assert!(seqs.windows(2).all(|p| p[1] == p[0] + 1), "{seqs:?}");
    assert_eq!(
        w.bob.count(&Method::Info),
        w.bob.challenges.saturating_sub(1) + 1
    );
}

/// §22.2 with a wrong password: the resubmission is refused (403) and the
/// UA does not try again ("never loops on a wrong password"); the BYE
/// still ends the call locally (§15.1.1: the call is over once BYE is
/// sent).
#[test]
fn rfc3261_22_2_wrong_password_in_dialog_is_not_retried() {
    let mut w = World::new("looking-glass");
    let (ca, _cb) = w.established();
    let now = w.now();
    w.alice.hangup(now, ca).unwrap();
    w.run_for(Duration::from_secs(40));
    assert_eq!(w.bob.count(&Method::Bye), 2, "{:?}", w.bob.seen);
    assert_eq!((w.bob.challenges, w.bob.refusals), (1, 1));
    assert_eq!(w.alice.call_state(ca), Some(CallState::Terminated));
}

/// RFC 3311 §5.1: UPDATE is a target refresh within the dialog ("the
/// UPDATE ... will be a target refresh request"): the callee's dialog
/// takes the Contact of the UPDATE as its remote target, and the UPDATE's
/// offer reaches the application, whose 200 completes it.
#[test]
fn rfc3311_update_refreshes_the_remote_target() {
    let mut w = World::new("wonderland");
    let (ca, cb) = w.established();
    let now = w.now();
    w.alice
        .set_contact(Uri::parse("sip:alice@127.0.0.1:5060;moved=2").unwrap());
    let up = w
        .alice
        .request_in_dialog(now, ca, Method::Update, sdp("alice-update"))
        .unwrap();
    w.run_for(Duration::from_millis(100));
    let (tx, body) = w
        .ev_b
        .iter()
        .find_map(|e| match e {
            UaEvent::Request { tx, request, call }
                if request.method() == Some(&Method::Update) && *call == Some(cb) =>
            {
                Some((*tx, request.body().clone()))
            }
            _ => None,
        })
        .expect("the UPDATE reached Bob's application");
    assert!(body.starts_with(b"v=0\r\no=alice-update"));
    let now = w.now();
    w.bob.ua.respond(now, tx, 200, sdp("bob-update")).unwrap();
    w.run_for(Duration::from_millis(100));
    let got = w.ev_a.iter().rev().find_map(|e| match e {
        UaEvent::Response { request, response } if *request == up => Some(response.clone()),
        _ => None,
    });
    let resp = got.expect("a response to the UPDATE");
    assert_eq!(resp.status(), Some(200));
    assert!(resp.body().starts_with(b"v=0\r\no=bob-update"));
    assert_eq!(
        w.bob.ua.dialog(cb).unwrap().remote_target().as_str(),
        "sip:alice@127.0.0.1:5060;moved=2"
    );
}
