//! RFC 3264 rules checked by [`check_answer`], [`check_modification`] and
//! [`OfferAnswer`], the answerer's choices, and a mobility hand-off.

use std::net::IpAddr;

use sipmob_rtp::sdp::{
    answer, check_answer, check_modification, negotiated, offer, Capabilities, Codec, Connection,
    Direction, MediaCapability, OfferAnswer, OfferAnswerError, OfferAnswerState, Origin, Sdp,
    SdpError, SdpErrorKind,
};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn caps(user: &'static str, addr: &str, port: u16) -> Capabilities {
    let a = ip(addr);
    Capabilities::new(Origin::new(user, 42, 1, a), Connection::new(a)).with_media(
        MediaCapability::new("audio", port)
            .with_codec(Codec::pcmu())
            .with_codec(Codec::pcma())
            .with_codec(Codec::telephone_event(101).with_fmtp("0-15")),
    )
}

fn sdp(text: &str) -> Sdp<'static> {
    text.lines()
        .map(|l| format!("{l}\r\n"))
        .collect::<String>()
        .parse()
        .unwrap()
}

const OFFER: &str = "v=0
o=alice 1 1 IN IP4 192.0.2.1
s=-
c=IN IP4 192.0.2.1
t=0 0
m=audio 49170 RTP/AVP 0 8
m=video 51372 RTP/AVP 31";

/// RFC 3264 §6: "The answer MUST contain exactly the same number of "m="
/// lines as the offer."
#[test]
fn rfc3264_6_answer_with_another_number_of_m_lines_is_refused() {
    let offer = sdp(OFFER);
    let short = sdp("v=0
o=bob 1 1 IN IP4 192.0.2.2
s=-
c=IN IP4 192.0.2.2
t=0 0
m=audio 49172 RTP/AVP 0");
    let e = OfferAnswerError::MediaCountMismatch {
        offered: 2,
        answered: 1,
    };
    assert_eq!(check_answer(&offer, &short), Err(e.clone()));
    let mut alice = OfferAnswer::new();
    alice.send_offer(&offer).unwrap();
    assert_eq!(alice.receive_answer(&short), Err(e));
    // The state is unchanged: the right answer can still come.
    assert_eq!(alice.state(), OfferAnswerState::LocalOffer);
    let right = answer(&offer, &caps("bob", "192.0.2.2", 49172)).unwrap();
    alice.receive_answer(&right).unwrap();
    assert_eq!(alice.state(), OfferAnswerState::Stable);
}

/// RFC 3264 §6: "The "t=" line in the answer MUST equal that of the
/// offer."
#[test]
fn rfc3264_6_answer_t_line_equals_the_offer() {
    let offer = sdp(OFFER);
    let mut ours = answer(&offer, &caps("bob", "192.0.2.2", 49172)).unwrap();
    assert_eq!(ours.times, offer.times);
    ours.times[0].stop = 1;
    assert_eq!(
        check_answer(&offer, &ours),
        Err(OfferAnswerError::TimingMismatch)
    );
}

/// RFC 3264 §6: "If the answerer has no media formats in common for a
/// particular offered stream, the answerer MUST reject that media stream by
/// setting the port to zero", and a media type the answerer does not
/// support is refused the same way.
#[test]
fn rfc3264_6_streams_without_common_codec_or_support_are_refused_with_port_zero() {
    let offer = sdp("v=0
o=alice 1 1 IN IP4 192.0.2.1
s=-
c=IN IP4 192.0.2.1
t=0 0
m=audio 49170 RTP/AVP 18 96
a=rtpmap:96 opus/48000/2
m=video 51372 RTP/AVP 31
m=image 49172 udptl t38
m=application 50000 TCP/BFCP *
m=audio 49174 RTP/SAVP 0
m=audio 49176 RTP/AVP 97 0
a=mid:last");
    let ours = answer(&offer, &caps("bob", "192.0.2.2", 40000)).unwrap();
    check_answer(&offer, &ours).unwrap();
    let ports: Vec<u16> = ours.media.iter().map(|m| m.port).collect();
    // G.729/opus: no codec in common; video, image, BFCP: not supported;
    // RTP/SAVP: not a transport we take; the last: PCMU (97 has no rtpmap).
    assert_eq!(ports, [0, 0, 0, 0, 0, 40000]);
    assert_eq!(ours.media[2].formats, "t38");
    assert_eq!(ours.media[3].formats, "*");
    assert_eq!(ours.media[4].proto, "RTP/SAVP");
    let last = &ours.media[5];
    assert_eq!(last.formats, "0");
    // RFC 5888: the answer echoes the offer's mid.
    assert_eq!(last.mid(), Some("last"));
}

/// RFC 3264 §6.1: "In the case of RTP, if a particular codec was referenced
/// with a specific payload type number in the offer, that same payload type
/// number SHOULD be used for that codec in the answer. Even if the same
/// payload type number is used, the answer MUST contain rtpmap attributes
/// to define the payload type mappings for dynamic payload types, and
/// SHOULD contain mappings for static payload types." Static types without
/// an rtpmap are matched through RFC 3551.
#[test]
fn rfc3264_6_1_offer_payload_types_kept_with_rtpmaps() {
    let offer = sdp("v=0
o=alice 1 1 IN IP4 192.0.2.1
s=-
c=IN IP4 192.0.2.1
t=0 0
m=audio 49170 RTP/AVP 8 0 96
a=rtpmap:96 TELEPHONE-EVENT/8000
a=fmtp:96 0-16
a=ptime:30");
    let mut bob = caps("bob", "192.0.2.2", 40000);
    bob.media[0].ptime = Some(20);
    let ours = answer(&offer, &bob).unwrap();
    let m = &ours.media[0];
    // The offerer's order and numbers (96, not our 101).
    assert_eq!(m.formats, "8 0 96");
    assert_eq!(m.rtpmap(8).unwrap().unwrap().encoding_name, "PCMA");
    assert_eq!(m.rtpmap(0).unwrap().unwrap().encoding_name, "PCMU");
    assert_eq!(
        m.rtpmap(96).unwrap().unwrap().encoding_name,
        "TELEPHONE-EVENT"
    );
    assert_eq!(m.fmtp("96").unwrap().unwrap().parameters, "0-15");
    assert_eq!(m.ptime().unwrap(), Some(20.0));
    let codecs = &negotiated(&offer, &ours).unwrap()[0].codecs;
    assert!(codecs
        .iter()
        .all(|c| c.offer_payload_type == c.answer_payload_type));
}

/// RFC 3264 §6.1: the offered direction bounds the answer; an answer that
/// breaks it is refused.
#[test]
fn rfc3264_6_1_answer_directions() {
    let mut offer = sdp(OFFER);
    offer.media.truncate(1);
    for (offered, preferred, expected) in [
        (
            Direction::SendOnly,
            Direction::SendRecv,
            Direction::RecvOnly,
        ),
        (
            Direction::RecvOnly,
            Direction::SendRecv,
            Direction::SendOnly,
        ),
        (
            Direction::Inactive,
            Direction::SendRecv,
            Direction::Inactive,
        ),
        (
            Direction::SendRecv,
            Direction::RecvOnly,
            Direction::RecvOnly,
        ),
        (
            Direction::SendOnly,
            Direction::SendOnly,
            Direction::Inactive,
        ),
    ] {
        offer.media[0].set_direction(offered);
        let mut bob = caps("bob", "192.0.2.2", 40000);
        bob.media[0].direction = preferred;
        let ours = answer(&offer, &bob).unwrap();
        assert_eq!(
            ours.media_direction(&ours.media[0]),
            expected,
            "{offered} / {preferred}"
        );
        check_answer(&offer, &ours).unwrap();
    }
    offer.media[0].set_direction(Direction::SendOnly);
    let mut bad = answer(&offer, &caps("bob", "192.0.2.2", 40000)).unwrap();
    bad.media[0].set_direction(Direction::SendRecv);
    assert_eq!(
        check_answer(&offer, &bad),
        Err(OfferAnswerError::IllegalDirection {
            index: 0,
            offered: Direction::SendOnly,
            answered: Direction::SendRecv
        })
    );
}

/// RFC 3264 §8.2: "A stream that is offered with a port of zero MUST be
/// marked with port zero in the answer."
#[test]
fn rfc3264_8_2_disabled_stream_stays_disabled() {
    let mut offer = sdp(OFFER);
    offer.media[0].disable();
    let ours = answer(&offer, &caps("bob", "192.0.2.2", 40000)).unwrap();
    assert_eq!(ours.media[0].port, 0);
    let mut bad = ours.clone();
    bad.media[0].port = 40000;
    assert_eq!(
        check_answer(&offer, &bad),
        Err(OfferAnswerError::DisabledStreamAccepted { index: 0 })
    );
}

/// RFC 3264 §8: "the "o=" line of the new SDP MUST be identical to that in
/// the previous SDP, except that the version in the origin field MUST
/// increment by one from the previous SDP. If the version in the origin
/// line does not increment, the SDP MUST be identical to the SDP with that
/// version number."
#[test]
fn rfc3264_8_origin_and_version_rules() {
    let previous = sdp(OFFER);
    // Unchanged and same version: a no-op, allowed.
    check_modification(&previous, &previous).unwrap();
    let mut next = previous.next_version();
    assert_eq!(next.origin.session_version, 2);
    next.media[0].port = 50000;
    check_modification(&previous, &next).unwrap();

    let mut same_version = next.clone();
    same_version.origin.session_version = 1;
    assert_eq!(
        check_modification(&previous, &same_version),
        Err(OfferAnswerError::VersionNotIncremented {
            previous: 1,
            new: 1
        })
    );
    let mut skipped = next.clone();
    skipped.origin.session_version = 3;
    assert_eq!(
        check_modification(&previous, &skipped),
        Err(OfferAnswerError::VersionNotIncremented {
            previous: 1,
            new: 3
        })
    );
    let mut renamed = next.clone();
    renamed.origin.username = "mallory".into();
    assert_eq!(
        check_modification(&previous, &renamed),
        Err(OfferAnswerError::OriginChanged)
    );
}

/// RFC 3264 §8: "Deleted media streams from a previous SDP MUST NOT be
/// removed in a new SDP".
#[test]
fn rfc3264_8_m_lines_are_never_removed() {
    let previous = sdp(OFFER);
    let mut next = previous.next_version();
    next.media.pop();
    assert_eq!(
        check_modification(&previous, &next),
        Err(OfferAnswerError::MediaRemoved {
            previous: 2,
            new: 1
        })
    );
}

/// RFC 3264 §8.3.2: "the mapping from a particular dynamic payload type
/// number to a particular codec within that media stream MUST NOT change
/// for the duration of a session".
#[test]
fn rfc3264_8_3_2_dynamic_payload_type_keeps_its_codec() {
    let previous = sdp("v=0
o=alice 1 1 IN IP4 192.0.2.1
s=-
c=IN IP4 192.0.2.1
t=0 0
m=audio 49170 RTP/AVP 0 97
a=rtpmap:97 iLBC/8000");
    let mut next = previous.next_version();
    next.media[0].remove_format("97");
    next.media[0].add_codec(
        Codec::new(97, "opus", 48000).with_channels(2).rtpmap(97),
        None,
    );
    assert_eq!(
        check_modification(&previous, &next),
        Err(OfferAnswerError::PayloadTypeRemapped {
            index: 0,
            payload_type: 97
        })
    );
    // "it is acceptable for multiple payload type numbers to be mapped to
    // the same codec"
    let mut alias = previous.next_version();
    alias.media[0].add_codec(Codec::new(98, "iLBC", 8000).rtpmap(98), None);
    check_modification(&previous, &alias).unwrap();
    // §8.1: a disabled slot may be reused by another stream.
    let mut disabled = previous.next_version();
    disabled.media[0].disable();
    let mut reused = disabled.next_version();
    reused.media[0] = next.media[0].clone();
    check_modification(&disabled, &reused).unwrap();
}

/// RFC 3264 §4: an offer is answered before another is sent; calls out of
/// turn are typed errors.
#[test]
fn rfc3264_4_calls_out_of_turn_are_refused() {
    let offer_sdp = sdp(OFFER);
    let mut alice = OfferAnswer::new();
    assert_eq!(
        alice.receive_answer(&offer_sdp),
        Err(OfferAnswerError::WrongState {
            state: OfferAnswerState::Stable,
            action: "receive an answer"
        })
    );
    assert!(matches!(
        alice.create_answer(&caps("a", "192.0.2.1", 1)),
        Err(OfferAnswerError::WrongState { .. })
    ));
    alice.send_offer(&offer_sdp).unwrap();
    assert_eq!(
        alice.send_offer(&offer_sdp),
        Err(OfferAnswerError::WrongState {
            state: OfferAnswerState::LocalOffer,
            action: "send an offer"
        })
    );
    assert!(matches!(
        alice.receive_offer(&offer_sdp),
        Err(OfferAnswerError::WrongState { .. })
    ));
    assert_eq!(alice.pending_offer(), Some(&offer_sdp));
    assert_eq!(alice.next_offer(), None);
}

/// A malformed offered rtpmap is a typed error naming its line.
#[test]
fn rfc8866_6_6_malformed_offered_rtpmap_is_reported_with_its_line() {
    let offer = sdp("v=0
o=alice 1 1 IN IP4 192.0.2.1
s=-
c=IN IP4 192.0.2.1
t=0 0
m=audio 49170 RTP/AVP 96
a=rtpmap:96 opus");
    assert_eq!(
        answer(&offer, &caps("bob", "192.0.2.2", 40000)),
        Err(OfferAnswerError::Sdp(SdpError {
            line: 7,
            kind: SdpErrorKind::BadRtpmap
        }))
    );
}

/// The mobility hand-off: the caller moves from IPv4 to IPv6 mid-call and
/// re-offers its new address and port (RFC 3264 §8.3.1: "To change the IP
/// address where media is sent to, the same procedure is followed for
/// changing the port number"); the origin stays as it was (§8).
#[test]
fn rfc3264_8_3_1_handoff_to_a_new_address_family() {
    let (mut alice, mut bob) = (OfferAnswer::new(), OfferAnswer::new());
    let bob_caps = caps("bob", "198.51.100.7", 30000);
    let first = alice
        .create_offer(&caps("alice", "192.0.2.10", 20000))
        .unwrap();
    bob.receive_offer(&first).unwrap();
    let bob_answer = bob.create_answer(&bob_caps).unwrap();
    alice.receive_answer(&bob_answer).unwrap();
    assert_eq!(negotiated(&first, &bob_answer).unwrap()[0].codecs.len(), 3);

    let mut moved = alice.next_offer().unwrap();
    moved.set_connection(Connection::new(ip("2001:db8::10")));
    moved.media[0].port = 20002;
    alice.send_offer(&moved).unwrap();
    assert_eq!(
        moved.origin,
        Origin {
            session_version: 2,
            ..first.origin.clone()
        }
    );
    assert!(moved.to_string().contains("c=IN IP6 2001:db8::10\r\n"));

    bob.receive_offer(&moved).unwrap();
    let second = bob.create_answer(&bob_caps).unwrap();
    // Nothing changed on Bob's side: same SDP, same version.
    assert_eq!(second, bob_answer);
    alice.receive_answer(&second).unwrap();
    let stream = &negotiated(&moved, &second).unwrap()[0];
    assert_eq!(stream.offerer_address.as_deref(), Some("2001:db8::10"));
    assert_eq!((stream.offerer_port, stream.answerer_port), (20002, 30000));
}

/// RFC 3264 §8.4: "when a user "presses" hold, the agent will generate an
/// offer with all streams in the SDP indicating a direction of sendonly";
/// "The recipient of an offer for a stream on-hold SHOULD NOT automatically
/// return an answer with the corresponding stream on hold" — it answers
/// recvonly.
#[test]
fn rfc3264_8_4_hold_and_resume() {
    let (mut alice, mut bob) = (OfferAnswer::new(), OfferAnswer::new());
    let mut alice_caps = caps("alice", "192.0.2.10", 20000);
    alice_caps
        .media
        .push(MediaCapability::new("video", 20010).with_codec(Codec::new(96, "VP8", 90000)));
    let mut bob_caps = caps("bob", "198.51.100.7", 30000);
    bob_caps
        .media
        .push(MediaCapability::new("video", 30010).with_codec(Codec::new(100, "VP8", 90000)));
    let first = alice.create_offer(&alice_caps).unwrap();
    bob.receive_offer(&first).unwrap();
    alice
        .receive_answer(&bob.create_answer(&bob_caps).unwrap())
        .unwrap();

    let mut hold = alice.next_offer().unwrap();
    hold.media[1].set_direction(Direction::RecvOnly);
    hold.hold();
    let directions: Vec<_> = hold.media.iter().map(|m| hold.media_direction(m)).collect();
    assert_eq!(directions, [Direction::SendOnly, Direction::Inactive]);
    alice.send_offer(&hold).unwrap();
    bob.receive_offer(&hold).unwrap();
    let held = bob.create_answer(&bob_caps).unwrap();
    alice.receive_answer(&held).unwrap();
    let directions: Vec<_> = held.media.iter().map(|m| held.media_direction(m)).collect();
    assert_eq!(directions, [Direction::RecvOnly, Direction::Inactive]);
    assert_eq!(held.origin.session_version, 2);

    let mut resume = alice.next_offer().unwrap();
    resume.resume(Direction::SendRecv);
    alice.send_offer(&resume).unwrap();
    bob.receive_offer(&resume).unwrap();
    let resumed = bob.create_answer(&bob_caps).unwrap();
    alice.receive_answer(&resumed).unwrap();
    assert!(resumed
        .media
        .iter()
        .all(|m| resumed.media_direction(m) == Direction::SendRecv));
    // Bob's resumed answer is his first one again, but versions only go up.
    assert_eq!(resumed.origin.session_version, 3);
}

/// RFC 3264 §5: the initial offer lists every codec with an rtpmap, its
/// fmtp, ptime, and the direction when it is not sendrecv; a second stream
/// of the same type gets the next port pair in the answer.
#[test]
fn rfc3264_5_initial_offer_and_port_pairs() {
    let a = ip("192.0.2.1");
    let local = Capabilities::new(Origin::new("-", 7, 7, a), Connection::new(a)).with_media(
        MediaCapability::new("audio", 5004)
            .with_codec(
                Codec::new(111, "opus", 48000)
                    .with_channels(2)
                    .with_fmtp("minptime=10"),
            )
            .with_codec(Codec::pcmu())
            .with_ptime(20)
            .with_direction(Direction::RecvOnly)
            .with_protos(["RTP/AVP", "RTP/SAVP"]),
    );
    let o = offer(&local);
    assert_eq!(
        o.to_string(),
        "v=0\r\no=- 7 7 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
         m=audio 5004 RTP/AVP 111 0\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10\r\n\
         a=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=recvonly\r\n"
    );
    let two = sdp("v=0
o=x 1 1 IN IP4 192.0.2.9
s=-
c=IN IP4 192.0.2.9
t=0 0
m=audio 1000 RTP/AVP 0
m=audio 1002 RTP/SAVP 0");
    let ours = answer(&two, &local).unwrap();
    assert_eq!((ours.media[0].port, ours.media[1].port), (5004, 5006));
}
