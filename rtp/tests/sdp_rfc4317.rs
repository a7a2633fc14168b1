//! The offer/answer examples of RFC 4317 ("Session Description Protocol
//! (SDP) Offer/Answer Examples"), every section from 2.1 to 5.3.
//!
//! Each test writes the RFC's descriptions, has our offerer and answerer
//! ([`OfferAnswer`] with [`Capabilities`] chosen to match the section) go
//! through the exchanges, and compares. Where the RFC's choice is one of
//! several legal ones (RFC 4317 §2.3 renumbers a payload type, §3.2's second
//! answer) the negotiated content is compared: codecs, ports, directions,
//! number of `m=` lines. Everywhere else our text equals the RFC's.
//!
//! RFC 4317 §1: "Note that the subject line (s=) contains a single space
//! character."

use sipmob_rtp::sdp::{
    answer, check_answer, negotiated, offer, Capabilities, Codec, Connection, Direction, Media,
    MediaCapability, OfferAnswer, OfferAnswerError, Origin, Sdp,
};

/// The RFC's layout (one line per line) with CRLF line ends.
fn crlf(text: &str) -> String {
    text.lines().map(|l| format!("{l}\r\n")).collect()
}

fn parse(text: &str) -> Sdp<'static> {
    text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn origin(user: &'static str, id: u64, host: &'static str) -> Origin<'static> {
    Origin {
        username: user.into(),
        session_id: id.to_string().into(),
        session_version: id,
        nettype: "IN".into(),
        addrtype: "IP4".into(),
        unicast_address: host.into(),
    }
}

fn caps(
    origin: Origin<'static>,
    connection: &'static str,
    media: Vec<MediaCapability>,
) -> Capabilities {
    let mut caps =
        Capabilities::new(origin, Connection::host("IP4", connection)).with_session_name(" ");
    caps.media = media;
    caps
}

fn alice(media: Vec<MediaCapability>) -> Capabilities {
    caps(
        origin("alice", 2_890_844_526, "host.atlanta.example.com"),
        "host.atlanta.example.com",
        media,
    )
}

fn bob(media: Vec<MediaCapability>) -> Capabilities {
    caps(
        origin("bob", 2_808_844_564, "host.biloxi.example.com"),
        "host.biloxi.example.com",
        media,
    )
}

fn audio(port: u16, codecs: &[Codec]) -> MediaCapability {
    codecs.iter().cloned().fold(
        MediaCapability::new("audio", port),
        MediaCapability::with_codec,
    )
}

fn video(port: u16, codecs: &[Codec]) -> MediaCapability {
    codecs.iter().cloned().fold(
        MediaCapability::new("video", port),
        MediaCapability::with_codec,
    )
}

fn pcmu() -> Codec {
    Codec::pcmu()
}
fn pcma() -> Codec {
    Codec::pcma()
}
fn ilbc(pt: u8) -> Codec {
    Codec::new(pt, "iLBC", 8000)
}
fn tones(pt: u8) -> Codec {
    Codec::telephone_event(pt)
}
fn h261() -> Codec {
    Codec::new(31, "H261", 90000)
}
fn mpv() -> Codec {
    Codec::new(32, "MPV", 90000)
}

/// Checks `ours` against the RFC's text: a legal answer to `offer_text`,
/// and the same description.
fn assert_same(ours: &Sdp<'_>, rfc: &str) {
    assert_eq!(
        ours.to_string(),
        crlf(rfc),
        "ours:\n{ours}\nRFC 4317:\n{rfc}"
    );
}

/// One stream's media type, answer port, offerer's and answerer's
/// directions, and codecs (name, clock rate, channels).
type Summary = (String, u16, Direction, Direction, Vec<(String, u32, u16)>);

/// What each stream settled on.
fn summary(offer: &Sdp<'_>, answer: &Sdp<'_>) -> Vec<Summary> {
    negotiated(offer, answer)
        .expect("streams pair up")
        .into_iter()
        .map(|s| {
            let codecs = s
                .codecs
                .iter()
                .map(|c| (c.encoding_name.clone(), c.clock_rate, c.channels))
                .collect();
            (
                s.media,
                s.answerer_port,
                s.offerer_direction,
                s.answerer_direction,
                codecs,
            )
        })
        .collect()
}

/// One exchange: `offerer` sends its next offer (`make`), `answerer`
/// answers from `caps`; both the offer and the answer must be the RFC's.
fn exchange(
    offerer: &mut OfferAnswer,
    answerer: &mut OfferAnswer,
    offer_sdp: &Sdp<'static>,
    rfc_offer: &str,
    caps: &Capabilities,
    rfc_answer: &str,
) -> Sdp<'static> {
    assert_same(offer_sdp, rfc_offer);
    offerer.send_offer(offer_sdp).expect("a legal offer");
    answerer.receive_offer(offer_sdp).expect("a legal offer");
    let ours = answerer.create_answer(caps).expect("answered");
    // The RFC's own answer is legal too.
    check_answer(offer_sdp, &parse(&crlf(rfc_answer))).expect("RFC 4317 answer is legal");
    offerer.receive_answer(&ours).expect("a legal answer");
    ours
}

const OFFER_AV: &str = "v=0
o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com
s= 
c=IN IP4 host.atlanta.example.com
t=0 0
m=audio 49170 RTP/AVP 0 8 97
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:97 iLBC/8000
m=video 51372 RTP/AVP 31 32
a=rtpmap:31 H261/90000
a=rtpmap:32 MPV/90000";

fn alice_av() -> Capabilities {
    alice(vec![
        audio(49170, &[pcmu(), pcma(), ilbc(97)]),
        video(51372, &[h261(), mpv()]),
    ])
}

/// RFC 4317 §2.1 Audio and Video 1: "multiple codecs are offered but only
/// one is accepted. As a result of the exchange shown below, Alice and Bob
/// may send only PCMU audio and MPV video."
#[test]
fn rfc4317_2_1_audio_and_video_1() {
    let (mut a, mut b) = (OfferAnswer::new(), OfferAnswer::new());
    let bob = bob(vec![audio(49174, &[pcmu()]), video(49170, &[mpv()])]);
    let ours = exchange(
        &mut a,
        &mut b,
        &offer(&alice_av()),
        OFFER_AV,
        &bob,
        "v=0
o=bob 2808844564 2808844564 IN IP4 host.biloxi.example.com
s= 
c=IN IP4 host.biloxi.example.com
t=0 0
m=audio 49174 RTP/AVP 0
a=rtpmap:0 PCMU/8000
m=video 49170 RTP/AVP 32
a=rtpmap:32 MPV/90000",
    );
    let streams = negotiated(&parse(&crlf(OFFER_AV)), &ours).unwrap();
    assert_eq!(streams[0].codecs[0].encoding_name, "PCMU");
    assert_eq!(streams[1].codecs[0].encoding_name, "MPV");
}

/// RFC 4317 §2.2 Audio and Video 2: Bob accepts PCMU and PCMA and declines
/// video; "Since Alice only supports one audio codec at a time, a second
/// offer is made with just that one codec [...] Note: the version number is
/// incremented in both SDP messages in the second exchange. [...] Note: The
/// declined video stream still present in the second exchange of SDP with
/// ports set to zero."
#[test]
fn rfc4317_2_2_audio_and_video_2_video_refused_with_port_zero() {
    let (mut a, mut b) = (OfferAnswer::new(), OfferAnswer::new());
    let bob = bob(vec![audio(49172, &[pcmu(), pcma()])]);
    exchange(
        &mut a,
        &mut b,
        &offer(&alice_av()),
        OFFER_AV,
        &bob,
        "v=0
o=bob 2808844564 2808844564 IN IP4 host.biloxi.example.com
s= 
c=IN IP4 host.biloxi.example.com
t=0 0
m=audio 49172 RTP/AVP 0 8
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
m=video 0 RTP/AVP 31
a=rtpmap:31 H261/90000",
    );
    // Second offer: PCMU only, on another port; video stays refused.
    let mut second = a.next_offer().unwrap();
    second.media[0].port = 51372;
    second.media[0].retain_formats(|f| f == "0");
    second.media[1].disable();
    second.media[1].retain_formats(|f| f == "31");
    exchange(
        &mut a,
        &mut b,
        &second,
        "v=0
o=alice 2890844526 2890844527 IN IP4 host.atlanta.example.com
s= 
c=IN IP4 host.atlanta.example.com
t=0 0
m=audio 51372 RTP/AVP 0
a=rtpmap:0 PCMU/8000
m=video 0 RTP/AVP 31
a=rtpmap:31 H261/90000",
        &bob,
        "v=0
o=bob 2808844564 2808844565 IN IP4 host.biloxi.example.com
s= 
c=IN IP4 host.biloxi.example.com
t=0 0
m=audio 49172 RTP/AVP 0
a=rtpmap:0 PCMU/8000
m=video 0 RTP/AVP 31
a=rtpmap:31 H261/90000",
    );
}

/// RFC 4317 §2.3 Audio and Video 3: "Bob and Alice use iLBC for audio and
/// H261 for video. Note: change of dynamic payload type from 97 to 99
/// between the offer and the answer is OK since the same codec is
/// referenced."
///
/// RFC 3264 §6.1 says "that same payload type number SHOULD be used for
/// that codec in the answer": a SHOULD, so the RFC's 99 is legal, and our
/// answerer, which keeps the offer's 97, negotiates the same codecs.
#[test]
fn rfc4317_2_3_audio_and_video_3_payload_type_renumbered() {
    let rfc_answer = parse(&crlf(
        "v=0
o=bob 2808844564 2808844564 IN IP4 host.biloxi.example.com
s= 
c=IN IP4 host.biloxi.example.com
t=0 0
m=audio 49172 RTP/AVP 99
a=rtpmap:99 iLBC/8000
m=video 51374 RTP/AVP 31
a=rtpmap:31 H261/90000",
    ));
    let offer_sdp = offer(&alice_av());
    assert_same(&offer_sdp, OFFER_AV);
    check_answer(&offer_sdp, &rfc_answer).expect("legal");
    let bob = bob(vec![audio(49172, &[ilbc(99)]), video(51374, &[h261()])]);
    let ours = answer(&offer_sdp, &bob).unwrap();
    check_answer(&offer_sdp, &ours).expect("legal");
    assert_eq!(summary(&offer_sdp, &ours), summary(&offer_sdp, &rfc_answer));
    // The RFC's answerer sends iLBC as 97 and receives it as 99; ours uses
    // 97 both ways.
    let theirs = negotiated(&offer_sdp, &rfc_answer).unwrap();
    assert_eq!(
        (
            theirs[0].codecs[0].offer_payload_type,
            theirs[0].codecs[0].answer_payload_type
        ),
        (97, 99)
    );
    let mine = negotiated(&offer_sdp, &ours).unwrap();
    assert_eq!(
        (
            mine[0].codecs[0].offer_payload_type,
            mine[0].codecs[0].answer_payload_type
        ),
        (97, 97)
    );
}

const OFFER_TWO_AUDIO: &str = "v=0
o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com
s= 
c=IN IP4 host.atlanta.example.com
t=0 0
m=audio 49170 RTP/AVP 0 97
a=rtpmap:0 PCMU/8000
a=rtpmap:97 iLBC/8000
m=audio 49172 RTP/AVP 98
a=rtpmap:98 telephone-event/8000
a=sendonly";

const ANSWER_TWO_AUDIO: &str = "v=0
o=bob 2808844564 2808844564 IN IP4 host.biloxi.example.com
s= 
c=IN IP4 host.biloxi.example.com
t=0 0
m=audio 49172 RTP/AVP 97
a=rtpmap:97 iLBC/8000
m=audio 49174 RTP/AVP 98
a=rtpmap:98 telephone-event/8000
a=recvonly";

fn alice_two_audio() -> Capabilities {
    alice(vec![
        audio(49170, &[pcmu(), ilbc(97)]),
        audio(49172, &[tones(98)]).with_direction(Direction::SendOnly),
    ])
}

/// RFC 4317 §2.4 Two Audio Streams: "one for normal audio and the other for
/// telephone-events [...] Bob accepts both audio streams choosing the iLBC
/// codec and telephone-events." Telephone events are just another codec,
/// and the `sendonly` stream is answered `recvonly` (RFC 3264 §6.1).
#[test]
fn rfc4317_2_4_two_audio_streams_with_telephone_events() {
    let (mut a, mut b) = (OfferAnswer::new(), OfferAnswer::new());
    let bob = bob(vec![audio(49172, &[ilbc(97), tones(98)])]);
    let ours = exchange(
        &mut a,
        &mut b,
        &offer(&alice_two_audio()),
        OFFER_TWO_AUDIO,
        &bob,
        ANSWER_TWO_AUDIO,
    );
    assert_same(&ours, ANSWER_TWO_AUDIO);
}

/// RFC 4317 §2.5 Audio and Video 4: "In a second exchange, Bob changes his
/// address for media and Alice accepts with the same SDP as the initial
/// exchange (and as a result does not increment the version number)." This
/// is the mobility hand-off: a new `c=` and new ports in a re-offer.
#[test]
fn rfc4317_2_5_audio_and_video_4_connection_address_change() {
    let (mut a, mut b) = (OfferAnswer::new(), OfferAnswer::new());
    let alice = alice(vec![audio(49170, &[ilbc(97)]), video(51372, &[h261()])]);
    let bob = bob(vec![audio(49174, &[ilbc(97)]), video(49170, &[h261()])]);
    let first_offer = a.create_offer(&alice).unwrap();
    let alice_offer = "v=0
o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com
s= 
c=IN IP4 host.atlanta.example.com
t=0 0
m=audio 49170 RTP/AVP 97
a=rtpmap:97 iLBC/8000
m=video 51372 RTP/AVP 31
a=rtpmap:31 H261/90000";
    assert_same(&first_offer, alice_offer);
    b.receive_offer(&first_offer).unwrap();
    let bob_answer = b.create_answer(&bob).unwrap();
    assert_same(
        &bob_answer,
        "v=0
o=bob 2808844564 2808844564 IN IP4 host.biloxi.example.com
s= 
c=IN IP4 host.biloxi.example.com
t=0 0
m=audio 49174 RTP/AVP 97
a=rtpmap:97 iLBC/8000
m=video 49170 RTP/AVP 31
a=rtpmap:31 H261/90000",
    );
    a.receive_answer(&bob_answer).unwrap();

    // Bob moves: new address, new ports (RFC 3264 §8.3.1).
    let mut moved = b.next_offer().unwrap();
    moved.set_connection(Connection::host("IP4", "newhost.biloxi.example.com"));
    moved.media[0].port = 49178;
    moved.media[1].port = 49188;
    let second_answer = exchange(
        &mut b,
        &mut a,
        &moved,
        "v=0
o=bob 2808844564 2808844565 IN IP4 host.biloxi.example.com
s= 
c=IN IP4 newhost.biloxi.example.com
t=0 0
m=audio 49178 RTP/AVP 97
a=rtpmap:97 iLBC/8000
m=video 49188 RTP/AVP 31
a=rtpmap:31 H261/90000",
        &alice,
        alice_offer,
    );
    // Alice's answer is her previous SDP, version and all (RFC 3264 §8: "If
    // the version in the origin line does not increment, the SDP MUST be
    // identical to the SDP with that version number").
    assert_eq!(second_answer, first_offer);
    let streams = negotiated(&moved, &second_answer).unwrap();
    assert_eq!(
        streams[0].offerer_address.as_deref(),
        Some("newhost.biloxi.example.com")
    );
    assert_eq!(
        (streams[0].offerer_port, streams[1].offerer_port),
        (49178, 49188)
    );
}

/// RFC 4317 §2.6 Audio Only 1: "The offer contains these two media streams.
/// Bob declines the first one and accepts the second one."
#[test]
fn rfc4317_2_6_audio_only_1_first_stream_declined() {
    let (mut a, mut b) = (OfferAnswer::new(), OfferAnswer::new());
    let alice = alice(vec![
        audio(49170, &[pcmu()]),
        audio(51372, &[ilbc(97), tones(101)]),
    ]);
    let bob = bob(vec![audio(49170, &[ilbc(97), tones(101)])]);
    exchange(
        &mut a,
        &mut b,
        &offer(&alice),
        "v=0
o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com
s= 
c=IN IP4 host.atlanta.example.com
t=0 0
m=audio 49170 RTP/AVP 0
a=rtpmap:0 PCMU/8000
m=audio 51372 RTP/AVP 97 101
a=rtpmap:97 iLBC/8000
a=rtpmap:101 telephone-event/8000",
        &bob,
        "v=0
o=bob 2808844564 2808844564 IN IP4 host.biloxi.example.com
s= 
c=IN IP4 host.biloxi.example.com
t=0 0
m=audio 0 RTP/AVP 0
a=rtpmap:0 PCMU/8000
m=audio 49170 RTP/AVP 97 101
a=rtpmap:97 iLBC/8000
a=rtpmap:101 telephone-event/8000",
    );
}

/// RFC 4317 §2.7 Audio and Video 5: "In the second exchange, Alice adds a
/// second video codec, which Bob accepts."
#[test]
fn rfc4317_2_7_audio_and_video_5_codec_added() {
    let (mut a, mut b) = (OfferAnswer::new(), OfferAnswer::new());
    let alice = alice(vec![audio(49170, &[ilbc(99)]), video(51372, &[h261()])]);
    let bob = bob(vec![
        audio(49172, &[ilbc(99)]),
        video(51374, &[h261(), mpv()]),
    ]);
    exchange(
        &mut a,
        &mut b,
        &offer(&alice),
        "v=0
o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com
s= 
c=IN IP4 host.atlanta.example.com
t=0 0
m=audio 49170 RTP/AVP 99
a=rtpmap:99 iLBC/8000
m=video 51372 RTP/AVP 31
a=rtpmap:31 H261/90000",
        &bob,
        "v=0
o=bob 2808844564 2808844564 IN IP4 host.biloxi.example.com
s= 
c=IN IP4 host.biloxi.example.com
t=0 0
m=audio 49172 RTP/AVP 99
a=rtpmap:99 iLBC/8000
m=video 51374 RTP/AVP 31
a=rtpmap:31 H261/90000",
    );
    let mut second = a.next_offer().unwrap();
    second.media[1].add_codec(mpv().rtpmap(32), None);
    exchange(
        &mut a,
        &mut b,
        &second,
        "v=0
o=alice 2890844526 2890844527 IN IP4 host.atlanta.example.com
s= 
c=IN IP4 host.atlanta.example.com
t=0 0
m=audio 49170 RTP/AVP 99
a=rtpmap:99 iLBC/8000
m=video 51372 RTP/AVP 31 32
a=rtpmap:31 H261/90000
a=rtpmap:32 MPV/90000",
        &bob,
        "v=0
o=bob 2808844564 2808844565 IN IP4 host.biloxi.example.com
s= 
c=IN IP4 host.biloxi.example.com
t=0 0
m=audio 49172 RTP/AVP 99
a=rtpmap:99 iLBC/8000
m=video 51374 RTP/AVP 31 32
a=rtpmap:31 H261/90000
a=rtpmap:32 MPV/90000",
    );
}

/// RFC 4317 §2.8 Audio and Video 6: "the answerer wants the video sent to a
/// different address than that of the audio."
#[test]
fn rfc4317_2_8_audio_and_video_6_media_level_connection() {
    let (mut a, mut b) = (OfferAnswer::new(), OfferAnswer::new());
    let bob = bob(vec![
        audio(49174, &[pcmu()]),
        video(49172, &[mpv()])
            .with_connection(Connection::host("IP4", "otherhost.biloxi.example.com")),
    ]);
    let ours = exchange(
        &mut a,
        &mut b,
        &offer(&alice_av()),
        OFFER_AV,
        &bob,
        "v=0
o=bob 2808844564 2808844564 IN IP4 host.biloxi.example.com
s= 
c=IN IP4 host.biloxi.example.com
t=0 0
m=audio 49174 RTP/AVP 0
a=rtpmap:0 PCMU/8000
m=video 49172 RTP/AVP 32
c=IN IP4 otherhost.biloxi.example.com
a=rtpmap:32 MPV/90000",
    );
    let streams = negotiated(&parse(&crlf(OFFER_AV)), &ours).unwrap();
    assert_eq!(
        streams[0].answerer_address.as_deref(),
        Some("host.biloxi.example.com")
    );
    assert_eq!(
        streams[1].answerer_address.as_deref(),
        Some("otherhost.biloxi.example.com")
    );
}

/// RFC 4317 §3.1 Hold and Unhold 1: "when Bob answers he places Alice on
/// hold. Bob then takes Alice off hold in the second offer. Alice changes
/// port number in the second exchange."
#[test]
fn rfc4317_3_1_hold_and_unhold_1() {
    let (mut a, mut b) = (OfferAnswer::new(), OfferAnswer::new());
    let alice_first = alice(vec![audio(49170, &[pcmu(), ilbc(97)])]);
    let mut bob_holding = bob(vec![
        audio(49172, &[ilbc(97)]).with_direction(Direction::SendOnly)
    ]);
    bob_holding.connection = Connection::host("IP4", "placeholder.biloxi.example.com");
    exchange(
        &mut a,
        &mut b,
        &offer(&alice_first),
        "v=0
o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com
s= 
c=IN IP4 host.atlanta.example.com
t=0 0
m=audio 49170 RTP/AVP 0 97
a=rtpmap:0 PCMU/8000
a=rtpmap:97 iLBC/8000",
        &bob_holding,
        "v=0
o=bob 2808844564 2808844564 IN IP4 host.biloxi.example.com
s= 
c=IN IP4 placeholder.biloxi.example.com
t=0 0
m=audio 49172 RTP/AVP 97
a=rtpmap:97 iLBC/8000
a=sendonly",
    );
    // Bob resumes, from his real address.
    let mut resume = b.next_offer().unwrap();
    resume.set_connection(Connection::host("IP4", "host.biloxi.example.com"));
    resume.media[0].port = 49170;
    resume.resume(Direction::SendRecv);
    let alice_moved = alice(vec![audio(49178, &[pcmu(), ilbc(97)])]);
    let second = exchange(
        &mut b,
        &mut a,
        &resume,
        "v=0
o=bob 2808844564 2808844565 IN IP4 host.biloxi.example.com
s= 
c=IN IP4 host.biloxi.example.com
t=0 0
m=audio 49170 RTP/AVP 97
a=rtpmap:97 iLBC/8000",
        &alice_moved,
        "v=0
o=alice 2890844526 2890844527 IN IP4 host.atlanta.example.com
s= 
c=IN IP4 host.atlanta.example.com
t=0 0
m=audio 49178 RTP/AVP 97
a=rtpmap:97 iLBC/8000",
    );
    assert_eq!(summary(&resume, &second)[0].2, Direction::SendRecv);
}

/// RFC 4317 §3.2 Hold with Two Streams: "Bob then puts Alice's audio stream
/// on hold but not the tone stream. Alice responds with identical SDP to
/// the initial offer."
///
/// RFC 3264 §6.1 makes that second answer wrong: "If a stream is offered as
/// sendonly, the corresponding stream MUST be marked as recvonly or
/// inactive in the answer", and the RFC's answer leaves the held stream
/// `sendrecv`. [`check_answer`] says so, and our answer marks it `recvonly`;
/// the codecs and ports agree.
#[test]
fn rfc4317_3_2_hold_with_two_streams() {
    let (mut a, mut b) = (OfferAnswer::new(), OfferAnswer::new());
    let bob = bob(vec![audio(49172, &[ilbc(97), tones(98)])]);
    exchange(
        &mut a,
        &mut b,
        &offer(&alice_two_audio()),
        OFFER_TWO_AUDIO,
        &bob,
        ANSWER_TWO_AUDIO,
    );
    let mut hold = b.next_offer().unwrap();
    let current = hold.media_direction(&hold.media[0]);
    hold.media[0].set_direction(current.held());
    assert_eq!(
        hold.to_string(),
        crlf(
            "v=0
o=bob 2808844564 2808844565 IN IP4 host.biloxi.example.com
s= 
c=IN IP4 host.biloxi.example.com
t=0 0
m=audio 49172 RTP/AVP 97
a=rtpmap:97 iLBC/8000
a=sendonly
m=audio 49174 RTP/AVP 98
a=rtpmap:98 telephone-event/8000
a=recvonly"
        )
    );
    let rfc_answer = parse(&crlf(
        "v=0
o=alice 2890844526 2890844527 IN IP4 host.atlanta.example.com
s= 
c=IN IP4 host.atlanta.example.com
t=0 0
m=audio 49170 RTP/AVP 0 97
a=rtpmap:0 PCMU/8000
a=rtpmap:97 iLBC/8000
m=audio 49172 RTP/AVP 98
a=rtpmap:98 telephone-event/8000
a=sendonly",
    ));
    assert_eq!(
        check_answer(&hold, &rfc_answer),
        Err(OfferAnswerError::IllegalDirection {
            index: 0,
            offered: Direction::SendOnly,
            answered: Direction::SendRecv
        })
    );
    b.send_offer(&hold).unwrap();
    a.receive_offer(&hold).unwrap();
    let ours = a.create_answer(&alice_two_audio()).unwrap();
    b.receive_answer(&ours).unwrap();
    check_answer(&hold, &ours).unwrap();
    assert_eq!(ours.origin.session_version, 2_890_844_527);
    let mine = summary(&hold, &ours);
    let theirs = summary(&hold, &rfc_answer);
    assert_eq!(mine.len(), theirs.len());
    assert_eq!(mine[0].3, Direction::RecvOnly);
    assert_eq!(mine[1], theirs[1]);
    assert_eq!(
        (mine[0].0.as_str(), mine[0].1, &mine[0].4),
        (theirs[0].0.as_str(), theirs[0].1, &theirs[0].4)
    );
}

/// RFC 4317 §4.1 Second Audio Stream Added: "The second stream is added by
/// Bob's media server (different connection address) to receive RFC 2833
/// telephone-events [...] Alice accepts."
#[test]
fn rfc4317_4_1_second_audio_stream_added() {
    let (mut a, mut b) = (OfferAnswer::new(), OfferAnswer::new());
    let alice_first = alice(vec![audio(49170, &[pcmu(), ilbc(97)])]);
    let bob = bob(vec![audio(49170, &[ilbc(97)])]);
    exchange(
        &mut a,
        &mut b,
        &offer(&alice_first),
        "v=0
o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com
s= 
c=IN IP4 host.atlanta.example.com
t=0 0
m=audio 49170 RTP/AVP 0 97
a=rtpmap:0 PCMU/8000
a=rtpmap:97 iLBC/8000",
        &bob,
        "v=0
o=bob 2808844564 2808844564 IN IP4 host.biloxi.example.com
s= 
c=IN IP4 host.biloxi.example.com
t=0 0
m=audio 49170 RTP/AVP 97
a=rtpmap:97 iLBC/8000",
    );
    // RFC 3264 §8.1: "New media descriptions MUST appear below any existing
    // media sections."
    let mut added = b.next_offer().unwrap();
    let mut tones_stream = Media::new("audio", 48282, "RTP/AVP");
    tones_stream
        .connections
        .push(Connection::host("IP4", "mediaserver.biloxi.example.com"));
    tones_stream.add_codec(tones(98).rtpmap(98), None);
    tones_stream.set_direction(Direction::RecvOnly);
    added.media.push(tones_stream);
    let alice_second = alice(vec![
        audio(49170, &[pcmu(), ilbc(97)]),
        audio(49172, &[tones(98)])
            .with_direction(Direction::SendOnly)
            .with_connection(Connection::host("IP4", "host.atlanta.example.com")),
    ]);
    exchange(
        &mut b,
        &mut a,
        &added,
        "v=0
o=bob 2808844564 2808844565 IN IP4 host.biloxi.example.com
s= 
c=IN IP4 host.biloxi.example.com
t=0 0
m=audio 49170 RTP/AVP 97
a=rtpmap:97 iLBC/8000
m=audio 48282 RTP/AVP 98
c=IN IP4 mediaserver.biloxi.example.com
a=rtpmap:98 telephone-event/8000
a=recvonly",
        &alice_second,
        "v=0
o=alice 2890844526 2890844527 IN IP4 host.atlanta.example.com
s= 
c=IN IP4 host.atlanta.example.com
t=0 0
m=audio 49170 RTP/AVP 97
a=rtpmap:97 iLBC/8000
m=audio 49172 RTP/AVP 98
c=IN IP4 host.atlanta.example.com
a=rtpmap:98 telephone-event/8000
a=sendonly",
    );
}

/// RFC 4317 §4.2 Audio, then Video Added: "An audio-only session is
/// established in the initial exchange between Alice and Bob using PCMU
/// codec. Alice adds a video stream that is accepted by Bob."
#[test]
fn rfc4317_4_2_audio_then_video_added() {
    let (mut a, mut b) = (OfferAnswer::new(), OfferAnswer::new());
    let bob = bob(vec![audio(49172, &[pcmu()]), video(49168, &[h261()])]);
    exchange(
        &mut a,
        &mut b,
        &offer(&alice(vec![audio(49170, &[pcmu()])])),
        "v=0
o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com
s= 
c=IN IP4 host.atlanta.example.com
t=0 0
m=audio 49170 RTP/AVP 0
a=rtpmap:0 PCMU/8000",
        &bob,
        "v=0
o=bob 2808844564 2808844564 IN IP4 host.biloxi.example.com
s= 
c=IN IP4 host.biloxi.example.com
t=0 0
m=audio 49172 RTP/AVP 0
a=rtpmap:0 PCMU/8000",
    );
    let mut with_video = a.next_offer().unwrap();
    let mut v = Media::new("video", 49172, "RTP/AVP");
    v.add_codec(h261().rtpmap(31), None);
    with_video.media.push(v);
    exchange(
        &mut a,
        &mut b,
        &with_video,
        "v=0
o=alice 2890844526 2890844527 IN IP4 host.atlanta.example.com
s= 
c=IN IP4 host.atlanta.example.com
t=0 0
m=audio 49170 RTP/AVP 0
a=rtpmap:0 PCMU/8000
m=video 49172 RTP/AVP 31
a=rtpmap:31 H261/90000",
        &bob,
        "v=0
o=bob 2808844564 2808844565 IN IP4 host.biloxi.example.com
s= 
c=IN IP4 host.biloxi.example.com
t=0 0
m=audio 49172 RTP/AVP 0
a=rtpmap:0 PCMU/8000
m=video 49168 RTP/AVP 31
a=rtpmap:31 H261/90000",
    );
}

/// RFC 4317 §4.3 Audio and Video, Then Video Deleted: "In a second
/// exchange, Bob deletes the video session, resulting in an audio-only
/// session." RFC 3264 §8.2: "A stream that is offered with a port of zero
/// MUST be marked with port zero in the answer."
#[test]
fn rfc4317_4_3_audio_and_video_then_video_deleted() {
    let (mut a, mut b) = (OfferAnswer::new(), OfferAnswer::new());
    let alice = alice(vec![audio(49170, &[ilbc(97)]), video(51372, &[h261()])]);
    let bob = bob(vec![audio(49174, &[ilbc(97)]), video(49170, &[h261()])]);
    exchange(
        &mut a,
        &mut b,
        &offer(&alice),
        "v=0
o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com
s= 
c=IN IP4 host.atlanta.example.com
t=0 0
m=audio 49170 RTP/AVP 97
a=rtpmap:97 iLBC/8000
m=video 51372 RTP/AVP 31
a=rtpmap:31 H261/90000",
        &bob,
        "v=0
o=bob 2808844564 2808844564 IN IP4 host.biloxi.example.com
s= 
c=IN IP4 host.biloxi.example.com
t=0 0
m=audio 49174 RTP/AVP 97
a=rtpmap:97 iLBC/8000
m=video 49170 RTP/AVP 31
a=rtpmap:31 H261/90000",
    );
    let mut deleted = b.next_offer().unwrap();
    deleted.media[1].disable();
    exchange(
        &mut b,
        &mut a,
        &deleted,
        "v=0
o=bob 2808844564 2808844565 IN IP4 host.biloxi.example.com
s= 
c=IN IP4 host.biloxi.example.com
t=0 0
m=audio 49174 RTP/AVP 97
a=rtpmap:97 iLBC/8000
m=video 0 RTP/AVP 31
a=rtpmap:31 H261/90000",
        &alice,
        "v=0
o=alice 2890844526 2890844527 IN IP4 host.atlanta.example.com
s= 
c=IN IP4 host.atlanta.example.com
t=0 0
m=audio 49170 RTP/AVP 97
a=rtpmap:97 iLBC/8000
m=video 0 RTP/AVP 31
a=rtpmap:31 H261/90000",
    );
}

/// RFC 4317 §5.1 No Media, Then Audio Added: "The first offer from Alice
/// contains no media lines, so Bob accepts with no media lines." RFC 3264
/// §6: "if the offer contained zero "m=" lines, the answer MUST contain
/// zero "m=" lines."
#[test]
fn rfc4317_5_1_no_media_then_audio_added() {
    let (mut a, mut b) = (OfferAnswer::new(), OfferAnswer::new());
    let bob = bob(vec![audio(49172, &[ilbc(97)])]);
    exchange(
        &mut a,
        &mut b,
        &offer(&alice(vec![])),
        "v=0
o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com
s= 
c=IN IP4 host.atlanta.example.com
t=0 0",
        &bob,
        "v=0
o=bob 2808844564 2808844564 IN IP4 host.biloxi.example.com
s= 
c=IN IP4 host.biloxi.example.com
t=0 0",
    );
    let mut added = a.next_offer().unwrap();
    let mut m = Media::new("audio", 49170, "RTP/AVP");
    m.add_codec(ilbc(97).rtpmap(97), None);
    added.media.push(m);
    exchange(
        &mut a,
        &mut b,
        &added,
        "v=0
o=alice 2890844526 2890844527 IN IP4 host.atlanta.example.com
s= 
c=IN IP4 host.atlanta.example.com
t=0 0
m=audio 49170 RTP/AVP 97
a=rtpmap:97 iLBC/8000",
        &bob,
        "v=0
o=bob 2808844564 2808844565 IN IP4 host.biloxi.example.com
s= 
c=IN IP4 host.biloxi.example.com
t=0 0
m=audio 49172 RTP/AVP 97
a=rtpmap:97 iLBC/8000",
    );
}

/// RFC 4317 §5.2 Hold and Unhold 2: "The first offer from Alice contains
/// the connection address 0.0.0.0 and a random port number [...] In the
/// second exchange, Alice changes the connection address, Bob accepts, and
/// a media session is established." Bob's second answer is his first one,
/// version unchanged.
#[test]
fn rfc4317_5_2_hold_and_unhold_2_black_hole_offer() {
    let (mut a, mut b) = (OfferAnswer::new(), OfferAnswer::new());
    let mut black_hole = alice(vec![audio(23442, &[ilbc(97)])]);
    black_hole.connection = Connection::host("IP4", "0.0.0.0");
    let bob = bob(vec![audio(49170, &[ilbc(97)])]);
    let bob_answer = "v=0
o=bob 2808844564 2808844564 IN IP4 host.biloxi.example.com
s= 
c=IN IP4 host.biloxi.example.com
t=0 0
m=audio 49170 RTP/AVP 97
a=rtpmap:97 iLBC/8000";
    let first = offer(&black_hole);
    // RFC 3264 §8.4: "An agent MUST be capable of receiving SDP with a
    // connection address of 0.0.0.0".
    assert!(first.connection.as_ref().unwrap().is_unspecified());
    exchange(
        &mut a,
        &mut b,
        &first,
        "v=0
o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com
s= 
c=IN IP4 0.0.0.0
t=0 0
m=audio 23442 RTP/AVP 97
a=rtpmap:97 iLBC/8000",
        &bob,
        bob_answer,
    );
    let mut real = a.next_offer().unwrap();
    real.set_connection(Connection::host("IP4", "host.atlanta.example.com"));
    real.media[0].port = 49170;
    exchange(
        &mut a,
        &mut b,
        &real,
        "v=0
o=alice 2890844526 2890844527 IN IP4 host.atlanta.example.com
s= 
c=IN IP4 host.atlanta.example.com
t=0 0
m=audio 49170 RTP/AVP 97
a=rtpmap:97 iLBC/8000",
        &bob,
        bob_answer,
    );
}

/// RFC 4317 §5.3 Hold and Unhold 3: "the answer from Bob contains the
/// connection address 0.0.0.0 and a random port number [...] In the second
/// exchange, Bob changes the connection address, Alice accepts".
#[test]
fn rfc4317_5_3_hold_and_unhold_3_black_hole_answer() {
    let (mut a, mut b) = (OfferAnswer::new(), OfferAnswer::new());
    let alice = alice(vec![audio(49170, &[ilbc(97)])]);
    let mut black_hole = bob(vec![audio(9322, &[ilbc(97)])]);
    black_hole.connection = Connection::host("IP4", "0.0.0.0");
    let alice_offer = "v=0
o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com
s= 
c=IN IP4 host.atlanta.example.com
t=0 0
m=audio 49170 RTP/AVP 97
a=rtpmap:97 iLBC/8000";
    exchange(
        &mut a,
        &mut b,
        &offer(&alice),
        alice_offer,
        &black_hole,
        "v=0
o=bob 2808844564 2808844564 IN IP4 host.biloxi.example.com
s= 
c=IN IP4 0.0.0.0
t=0 0
m=audio 9322 RTP/AVP 97
a=rtpmap:97 iLBC/8000",
    );
    let mut real = b.next_offer().unwrap();
    real.set_connection(Connection::host("IP4", "host.biloxi.example.com"));
    real.media[0].port = 49172;
    exchange(
        &mut b,
        &mut a,
        &real,
        "v=0
o=bob 2808844564 2808844565 IN IP4 host.biloxi.example.com
s= 
c=IN IP4 host.biloxi.example.com
t=0 0
m=audio 49172 RTP/AVP 97
a=rtpmap:97 iLBC/8000",
        &alice,
        alice_offer,
    );
}
