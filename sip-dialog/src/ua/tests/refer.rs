//! REFER (RFC 3515) between three UAs on the simulated network: the
//! transfer that session mobility builds on.

use std::time::Duration;

use sip_message::Uri;
use sip_transaction::sim::{Host, LinkConfig, Network};

use super::{sdp, t0, ua, A, B};
use crate::ua::{CallState, UaEvent, UserAgent};

const C: &str = "127.0.0.3:5060";

struct Three {
    net: Network,
    ua: [UserAgent; 3],
    ev: [Vec<UaEvent>; 3],
}

impl Three {
    fn run_for(&mut self, d: Duration) {
        let end = self.net.now() + d;
        loop {
            let [a, b, c] = &mut self.ua;
            if !self.net.step(&mut [a as &mut dyn Host, b, c], Some(end)) {
                break;
            }
            for (u, ev) in self.ua.iter_mut().zip(self.ev.iter_mut()) {
                while let Some(e) = u.poll_event() {
                    ev.push(e);
                }
            }
            if self.net.now() >= end {
                break;
            }
        }
    }
}

/// RFC 3515 §2.4 and §2.4.4-2.4.5: Alice, in a call with Bob, refers him to
/// Carol. Bob answers 202, NOTIFYs "100 Trying" at once, calls Carol with a
/// Referred-By, and NOTIFYs the outcome ("200 OK"), which terminates the
/// implicit subscription; Alice then leaves the call.
#[test]
fn rfc3515_refer_transfers_the_call() {
    let mut w = Three {
        net: Network::new(31, t0(), LinkConfig::default()),
        ua: [ua(A, "alice", 1), ua(B, "bob", 2), ua(C, "carol", 3)],
        ev: Default::default(),
    };
    let now = w.net.now();
    let ab = w.ua[0]
        .call(
            now,
            Uri::parse(&format!("sip:bob@{B}")).unwrap(),
            sdp("alice"),
        )
        .unwrap();
    w.run_for(Duration::from_millis(100));
    let ba = match w.ev[1].last() {
        Some(UaEvent::IncomingCall { call, .. }) => *call,
        e => panic!("{e:?}"),
    };
    let now = w.net.now();
    w.ua[1].answer(now, ba, sdp("bob")).unwrap();
    w.run_for(Duration::from_millis(200));
    assert_eq!(w.ua[0].call_state(ab), Some(CallState::Established));

    let now = w.net.now();
    let carol = Uri::parse(&format!("sip:carol@{C}")).unwrap();
    w.ua[0].refer(now, ab, &carol).unwrap();
    w.run_for(Duration::from_millis(100));
    let (tx, refer_to, referred_by) = match w.ev[1].last() {
        Some(UaEvent::Refer {
            tx,
            refer_to,
            referred_by,
            ..
        }) => (*tx, refer_to.clone(), referred_by.clone()),
        e => panic!("{e:?}"),
    };
    assert_eq!(refer_to, carol);
    assert_eq!(referred_by.as_deref(), Some("<sip:alice@example.test>"));
    let now = w.net.now();
    w.ua[1].accept_refer(now, ba, tx).unwrap();
    let bc = w.ua[1]
        .call_for_refer(now, ba, refer_to, referred_by.as_deref(), sdp("bob"))
        .unwrap();
    w.run_for(Duration::from_millis(100));
    let cb = match w.ev[2].last() {
        Some(UaEvent::IncomingCall { call, invite }) => {
            assert_eq!(
                invite.header(&sip_message::HeaderName::ReferredBy),
                Some("<sip:alice@example.test>")
            );
            *call
        }
        e => panic!("{e:?}"),
    };
    let now = w.net.now();
    w.ua[2].ring(now, cb).unwrap();
    w.run_for(Duration::from_millis(100));
    let now = w.net.now();
    w.ua[2].answer(now, cb, sdp("carol")).unwrap();
    w.run_for(Duration::from_millis(300));
    assert_eq!(w.ua[1].call_state(bc), Some(CallState::Established));
    assert_eq!(w.ua[2].call_state(cb), Some(CallState::Established));

    // Alice saw the 202 and the NOTIFYs: 100, 180, then 200 ending it.
    let notes: Vec<(u16, bool)> = w.ev[0]
        .iter()
        .filter_map(|e| match e {
            UaEvent::ReferNotify {
                status, terminated, ..
            } => Some((*status, *terminated)),
            _ => None,
        })
        .collect();
    assert_eq!(notes, [(100, false), (180, false), (200, true)]);
    assert!(w.ev[0].iter().any(
        |e| matches!(e, UaEvent::Response { response, .. } if response.status() == Some(202))
    ));

    // The transfer is complete: Alice hangs up her leg.
    let now = w.net.now();
    w.ua[0].hangup(now, ab).unwrap();
    w.run_for(Duration::from_secs(1));
    assert_eq!(w.ua[1].call_state(ba), Some(CallState::Terminated));
    assert_eq!(w.ua[1].call_state(bc), Some(CallState::Established));
}

/// RFC 3515 §2.4.1: a REFER without exactly one Refer-To gets 400; a REFER
/// outside any dialog of ours gets 481 (§12.2.2).
#[test]
fn rfc3515_2_4_1_refer_without_refer_to_is_400() {
    let mut w = Three {
        net: Network::new(32, t0(), LinkConfig::default()),
        ua: [ua(A, "alice", 1), ua(B, "bob", 2), ua(C, "carol", 3)],
        ev: Default::default(),
    };
    let now = w.net.now();
    let ab = w.ua[0]
        .call(now, Uri::parse(&format!("sip:bob@{B}")).unwrap(), None)
        .unwrap();
    w.run_for(Duration::from_millis(100));
    let ba = match w.ev[1].last() {
        Some(UaEvent::IncomingCall { call, .. }) => *call,
        e => panic!("{e:?}"),
    };
    let now = w.net.now();
    w.ua[1].answer(now, ba, None).unwrap();
    w.run_for(Duration::from_millis(200));
    let now = w.net.now();
    let h = w.ua[0]
        .request_in_dialog(now, ab, sip_message::Method::Refer, None)
        .unwrap();
    w.run_for(Duration::from_millis(200));
    let status = w.ev[0].iter().find_map(|e| match e {
        UaEvent::Response { request, response } if *request == h => response.status(),
        _ => None,
    });
    assert_eq!(status, Some(400));
}
