//! RFC 8866 rules, one test each, named after the rule and quoting it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::*;

/// Joins lines with CRLF, the way RFC 8866 descriptions travel.
fn crlf(lines: &[&str]) -> String {
    let mut s = lines.join("\r\n");
    s.push_str("\r\n");
    s
}

fn parse_err(lines: &[&str]) -> SdpError {
    Sdp::parse(&crlf(lines)).expect_err("malformed")
}

fn round_trip(text: &str) -> Sdp<'_> {
    let sdp = Sdp::parse(text).expect("parses");
    assert_eq!(sdp.to_string(), text, "written back unchanged");
    let mut out = String::new();
    sdp.write_to(&mut out);
    assert_eq!(Sdp::parse(&out).expect("parses again"), sdp);
    sdp
}

/// The example at the end of RFC 8866 §5.
const RFC8866_EXAMPLE: &[&str] = &[
    "v=0",
    "o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1",
    "s=Call to John Smith",
    "i=SDP Offer #1",
    "u=http://www.jdoe.example.com/home.html",
    "e=Jane Doe <jane@jdoe.example.com>",
    "p=+1 617 555-6011",
    "c=IN IP4 198.51.100.1",
    "t=0 0",
    "m=audio 49170 RTP/AVP 0",
    "m=audio 49180 RTP/AVP 0",
    "m=video 51372 RTP/AVP 99",
    "c=IN IP6 2001:db8::2",
    "a=rtpmap:99 h263-1998/90000",
];

/// RFC 8866 §5: "An example SDP description is: [...]" — and "The
/// connection ("c=") information in the session-level section applies to
/// all the media descriptions of that session unless overridden by
/// connection information in the media description. For instance, in the
/// example below, each audio media description behaves as if it were given
/// a "c=IN IP4 198.51.100.1"."
#[test]
fn rfc8866_section5_example_parses_and_is_written_back() {
    let text = crlf(RFC8866_EXAMPLE);
    let sdp = round_trip(&text);
    assert_eq!(sdp.origin.username, "jdoe");
    assert_eq!(sdp.origin.session_id, "3724394400");
    assert_eq!(sdp.origin.session_version, 3_724_394_405);
    assert_eq!(sdp.origin.unicast_address, "198.51.100.1");
    assert_eq!(sdp.session_name, "Call to John Smith");
    assert_eq!(sdp.information.as_deref(), Some("SDP Offer #1"));
    assert_eq!(
        sdp.uri.as_deref(),
        Some("http://www.jdoe.example.com/home.html")
    );
    assert_eq!(sdp.emails, ["Jane Doe <jane@jdoe.example.com>"]);
    assert_eq!(sdp.phones, ["+1 617 555-6011"]);
    assert_eq!(sdp.times, [Timing::permanent()]);
    assert_eq!(sdp.media.len(), 3);
    let audio = &sdp.media[0];
    assert_eq!(
        (&*audio.media, audio.port, &*audio.proto),
        ("audio", 49170, "RTP/AVP")
    );
    assert_eq!(
        sdp.media_connection(audio).and_then(Connection::ip),
        Some(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1)))
    );
    assert_eq!(sdp.media[1].port, 49180);
    let video = &sdp.media[2];
    assert_eq!(
        sdp.media_connection(video).and_then(Connection::ip),
        Some(IpAddr::V6("2001:db8::2".parse::<Ipv6Addr>().unwrap()))
    );
    let map = video.rtpmap(99).unwrap().unwrap();
    assert_eq!(
        (map.encoding_name, map.clock_rate, map.channels),
        ("h263-1998", 90000, None)
    );
    // PCMU has no rtpmap: RFC 3551 gives it.
    assert_eq!(audio.codec(0).unwrap().unwrap().encoding_name, "PCMU");
}

/// RFC 8866 §5: "The sequence CRLF (0x0d0a) is used to end a line, although
/// parsers SHOULD be tolerant and also accept lines terminated with a single
/// newline character."
#[test]
fn rfc8866_section5_bare_lf_is_accepted_and_crlf_written() {
    let lf = RFC8866_EXAMPLE.join("\n");
    let sdp = Sdp::parse(&lf).expect("LF, no final line end");
    assert_eq!(sdp.to_string(), crlf(RFC8866_EXAMPLE));
    let mixed = format!(
        "{}\n",
        crlf(&RFC8866_EXAMPLE[..9]).replacen("\r\n", "\n", 3) + &RFC8866_EXAMPLE[9..].join("\n")
    );
    assert_eq!(
        Sdp::parse(&mixed).expect("mixed").to_string(),
        crlf(RFC8866_EXAMPLE)
    );
}

/// RFC 8866 §5 gives every line type and its order; a description with all
/// of them, at session and media level, survives parse and write.
#[test]
fn rfc8866_section5_every_line_type_round_trips() {
    let text = crlf(&[
        "v=0",
        "o=- 1 2 IN IP6 2001:db8::1",
        "s=All lines",
        "i=session info",
        "u=https://example.com/s",
        "e=j.doe@example.com (Jane Doe)",
        "e=Jane Doe <j.doe@example.com>",
        "p=+1 617 555-6011",
        "c=IN IP6 ff00::db8:0:101/3",
        "b=CT:128",
        "b=X-YZ:64",
        "t=3724394400 3730536000",
        "r=604800 3600 0 90000",
        "z=3730928400 -1h 3749680800 0",
        "t=3724484400 3724488000",
        "k=prompt",
        "a=recvonly",
        "a=tool:sipmob",
        "m=audio 49170/2 RTP/AVP 0 96",
        "i=voice",
        "c=IN IP4 233.252.0.1/127/2",
        "c=IN IP4 233.252.0.3/127",
        "b=AS:64",
        "k=clear:secret",
        "a=rtpmap:96 opus/48000/2",
        "a=sendrecv",
        "m=video 51372 RTP/SAVP 31",
        "a=orient:landscape",
    ]);
    let sdp = round_trip(&text);
    assert_eq!(sdp.emails.len(), 2);
    let c = sdp.connection.as_ref().unwrap();
    assert_eq!(
        (&*c.addrtype, &*c.address, c.ttl, c.num_addresses),
        ("IP6", "ff00::db8:0:101", None, Some(3))
    );
    assert_eq!(
        sdp.bandwidths,
        [Bandwidth::new("CT", 128), Bandwidth::new("X-YZ", 64)]
    );
    assert_eq!(sdp.times.len(), 2);
    assert_eq!(sdp.key.as_deref(), Some("prompt"));
    let audio = &sdp.media[0];
    assert_eq!((audio.port, audio.port_count), (49170, Some(2)));
    assert_eq!(audio.title.as_deref(), Some("voice"));
    assert_eq!(audio.connections.len(), 2);
    assert_eq!(audio.key.as_deref(), Some("clear:secret"));
    assert_eq!(audio.bandwidths, [Bandwidth::new("AS", 64)]);
    assert_eq!(sdp.media[1].proto, "RTP/SAVP");
}

/// RFC 8866 §5.9: "The following example specifies two active intervals"
/// and §5.10: "the "r=" and "t=" lines might be the following: [...] Thus,
/// the above repeat-field could also have been written: r=7d 1h 0 25h".
#[test]
fn rfc8866_section5_10_repeat_times_in_seconds_and_compact_units() {
    let text = crlf(&[
        "v=0",
        "o=- 1 1 IN IP4 192.0.2.1",
        "s=-",
        "c=IN IP4 192.0.2.1",
        "t=3724394400 3724398000",
        "t=3724484400 3724488000",
        "t=3724394400 3730536000",
        "r=604800 3600 0 90000",
        "r=7d 1h 0 25h",
    ]);
    let sdp = round_trip(&text);
    assert_eq!(sdp.times.len(), 3);
    assert_eq!(
        (sdp.times[1].start, sdp.times[1].stop),
        (3_724_484_400, 3_724_488_000)
    );
    let [plain, compact] = &sdp.times[2].repeats[..] else {
        panic!("two r= lines")
    };
    assert_eq!(plain.interval.as_seconds(), compact.interval.as_seconds());
    assert_eq!(plain.duration.as_seconds(), compact.duration.as_seconds());
    let secs = |r: &Repeat| r.offsets.iter().map(|o| o.as_seconds()).collect::<Vec<_>>();
    assert_eq!(secs(plain), secs(compact));
    assert_eq!(
        compact.interval,
        TypedTime {
            value: 7,
            unit: TimeUnit::Days
        }
    );
    // ABNF: repeat-field needs at least one offset.
    let e = parse_err(&["v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "t=0 0", "r=7d 1h"]);
    assert_eq!(
        e,
        SdpError {
            line: 5,
            kind: SdpErrorKind::BadRepeat
        }
    );
}

/// RFC 8866 §5.11: "z=3730928400 -1h 3749680800 0 [...] This specifies that
/// at time 3730928400 [...] the time base by which the session's repeat
/// times are calculated is shifted back by 1 hour".
#[test]
fn rfc8866_section5_11_zone_adjustments() {
    let text = crlf(&[
        "v=0",
        "o=- 1 1 IN IP4 192.0.2.1",
        "s=-",
        "c=IN IP4 192.0.2.1",
        "t=3724394400 3754123200",
        "r=604800 3600 0 90000",
        "z=3730928400 -1h 3749680800 0",
    ]);
    let sdp = round_trip(&text);
    let zone = &sdp.times[0].zone;
    assert_eq!(zone.len(), 2);
    assert_eq!(
        (zone[0].time, zone[0].negative, zone[0].offset.as_seconds()),
        (3_730_928_400, true, 3600)
    );
    assert_eq!(
        (zone[1].time, zone[1].negative, zone[1].offset.as_seconds()),
        (3_749_680_800, false, 0)
    );
    // A z= with an adjustment time but no offset.
    let e = parse_err(&[
        "v=0",
        "o=- 1 1 IN IP4 192.0.2.1",
        "s=-",
        "t=0 0",
        "r=1d 1h 0",
        "z=3730928400",
    ]);
    assert_eq!(
        e,
        SdpError {
            line: 6,
            kind: SdpErrorKind::BadZone
        }
    );
}

/// RFC 8866 §5.7: "c=IN IP4 233.252.0.1/127/3 would state that addresses
/// 233.252.0.1, 233.252.0.2, and 233.252.0.3 are to be used with a TTL of
/// 127", and "c=IN IP6 ff00::db8:0:101/3" (no TTL for IPv6).
#[test]
fn rfc8866_section5_7_multicast_connection_forms() {
    let c = |line: &str| {
        let text = crlf(&["v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", line, "t=0 0"]);
        Sdp::parse(&text).map(|s| s.connection.unwrap().into_owned())
    };
    let ttl = c("c=IN IP4 233.252.0.1/127").unwrap();
    assert_eq!(
        (&*ttl.address, ttl.ttl, ttl.num_addresses),
        ("233.252.0.1", Some(127), None)
    );
    assert!(ttl.is_multicast());
    let three = c("c=IN IP4 233.252.0.1/127/3").unwrap();
    assert_eq!((three.ttl, three.num_addresses), (Some(127), Some(3)));
    assert_eq!(three.to_string(), "IN IP4 233.252.0.1/127/3");
    let v6 = c("c=IN IP6 ff00::db8:0:101/3").unwrap();
    assert_eq!((v6.ttl, v6.num_addresses), (None, Some(3)));
    assert_eq!(c("c=IN IP6 ff00::db8:0:101").unwrap().num_addresses, None);
    let bad = |line: &str| c(line).expect_err(line);
    let bad_c = SdpError {
        line: 4,
        kind: SdpErrorKind::BadConnection,
    };
    // "Sessions using an "IP4" multicast connection address MUST also have
    // a time to live (TTL) value present"
    assert_eq!(bad("c=IN IP4 233.252.0.1"), bad_c);
    // "TTL values MUST be in the range 0-255."
    assert_eq!(bad("c=IN IP4 233.252.0.1/256"), bad_c);
    // "the TTL value MUST NOT be present for "IP6" multicast"
    assert_eq!(bad("c=IN IP6 ff00::db8:0:101/127/3"), bad_c);
    // "The slash notation for multiple addresses described above MUST NOT
    // be used for IP unicast addresses."
    assert_eq!(bad("c=IN IP4 198.51.100.1/127"), bad_c);
    assert_eq!(bad("c=IN IP6 2001:db8::1/2"), bad_c);
    assert_eq!(bad("c=IN IP4 2001:db8::1"), bad_c);
    assert_eq!(bad("c=IN IP4"), bad_c);
    assert_eq!(bad("c=IN IP4 233.252.0.1/127/0"), bad_c);
}

/// RFC 8866 §5.7: the connection address is "the dotted-decimal
/// representation of an IP version 4 address", an IPv6 address, or "a fully
/// qualified domain name".
#[test]
fn rfc8866_section5_7_unicast_ipv4_ipv6_and_fqdn_addresses() {
    let text = crlf(&[
        "v=0",
        "o=- 1 1 IN IP6 2001:db8::1",
        "s=-",
        "t=0 0",
        "m=audio 49170 RTP/AVP 0",
        "c=IN IP6 2001:db8::1",
        "m=audio 49172 RTP/AVP 0",
        "c=IN IP4 host.atlanta.example.com",
        "m=audio 49174 RTP/AVP 0",
        "c=IN IP4 0.0.0.0",
        "m=audio 49176 RTP/AVP 0",
        "c=ATM NSAP 47.0005.80.ffe100.0000.f21a.26d8.0020.ea00.1234.00",
    ]);
    let sdp = round_trip(&text);
    let ip = |i: usize| sdp.media[i].connections[0].ip();
    assert_eq!(ip(0), Some("2001:db8::1".parse().unwrap()));
    assert_eq!(ip(1), None);
    assert_eq!(
        sdp.media[1].connections[0].address,
        "host.atlanta.example.com"
    );
    // RFC 3264 §8.4: 0.0.0.0 means "neither RTP nor RTCP should be sent".
    assert!(sdp.media[2].connections[0].is_unspecified());
    assert_eq!(sdp.media[3].connections[0].nettype, "ATM");
}

/// RFC 8866 §5: "The session-level section starts with a "v=" line" and
/// §5.1: "This memo defines version 0."
#[test]
fn rfc8866_section5_1_v_line_first_and_version_zero() {
    let e = parse_err(&["o=- 1 1 IN IP4 192.0.2.1", "v=0", "s=-", "t=0 0"]);
    assert_eq!(
        e,
        SdpError {
            line: 1,
            kind: SdpErrorKind::MissingVersion
        }
    );
    let e = parse_err(&["v=1", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "t=0 0"]);
    assert_eq!(
        e,
        SdpError {
            line: 1,
            kind: SdpErrorKind::BadVersion
        }
    );
    assert_eq!(
        Sdp::parse("").unwrap_err(),
        SdpError {
            line: 1,
            kind: SdpErrorKind::Empty
        }
    );
    assert_eq!(
        Sdp::parse("\r\n\r\n").unwrap_err().kind,
        SdpErrorKind::Empty
    );
    assert_eq!(
        Sdp::parse("hello").unwrap_err(),
        SdpError {
            line: 1,
            kind: SdpErrorKind::MissingVersion
        }
    );
}

/// RFC 8866 §5.2: `o=<username> <sess-id> <sess-version> <nettype>
/// <addrtype> <unicast-address>`.
#[test]
fn rfc8866_section5_2_origin_has_six_fields() {
    let e = parse_err(&["v=0", "s=-", "t=0 0"]);
    assert_eq!(
        e,
        SdpError {
            line: 2,
            kind: SdpErrorKind::MissingOrigin
        }
    );
    let e = parse_err(&["v=0", "o=- 1 1 IN IP4", "s=-", "t=0 0"]);
    assert_eq!(
        e,
        SdpError {
            line: 2,
            kind: SdpErrorKind::OriginFieldCount
        }
    );
    let e = parse_err(&["v=0", "o=- 1 1 IN IP4 192.0.2.1 extra", "s=-", "t=0 0"]);
    assert_eq!(
        e,
        SdpError {
            line: 2,
            kind: SdpErrorKind::OriginFieldCount
        }
    );
    let e = parse_err(&["v=0", "o=- 1 v2 IN IP4 192.0.2.1", "s=-", "t=0 0"]);
    assert_eq!(
        e,
        SdpError {
            line: 2,
            kind: SdpErrorKind::BadOrigin
        }
    );
    let e = Sdp::parse("v=0\r\n").unwrap_err();
    assert_eq!(
        e,
        SdpError {
            line: 2,
            kind: SdpErrorKind::MissingOrigin
        }
    );
}

/// RFC 8866 §5.3: "There MUST be one and only one "s=" line per session
/// description." (An empty `s=` is a documented leniency.)
#[test]
fn rfc8866_section5_3_exactly_one_session_name() {
    let e = parse_err(&["v=0", "o=- 1 1 IN IP4 192.0.2.1", "t=0 0"]);
    assert_eq!(
        e,
        SdpError {
            line: 3,
            kind: SdpErrorKind::MissingSessionName
        }
    );
    let e = parse_err(&["v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "s=again", "t=0 0"]);
    assert_eq!(
        e,
        SdpError {
            line: 4,
            kind: SdpErrorKind::OutOfOrder('s')
        }
    );
    let empty = crlf(&[
        "v=0",
        "o=- 1 1 IN IP4 192.0.2.1",
        "s=",
        "c=IN IP4 192.0.2.1",
        "t=0 0",
    ]);
    assert_eq!(round_trip(&empty).session_name, "");
}

/// RFC 8866 §5: "One or more time descriptions".
#[test]
fn rfc8866_section5_at_least_one_time_description() {
    let e = parse_err(&[
        "v=0",
        "o=- 1 1 IN IP4 192.0.2.1",
        "s=-",
        "c=IN IP4 192.0.2.1",
    ]);
    assert_eq!(
        e,
        SdpError {
            line: 5,
            kind: SdpErrorKind::MissingTime
        }
    );
    let e = parse_err(&[
        "v=0",
        "o=- 1 1 IN IP4 192.0.2.1",
        "s=-",
        "a=sendrecv",
        "t=0 0",
    ]);
    assert_eq!(
        e,
        SdpError {
            line: 4,
            kind: SdpErrorKind::MissingTime
        }
    );
    let e = parse_err(&[
        "v=0",
        "o=- 1 1 IN IP4 192.0.2.1",
        "s=-",
        "c=IN IP4 192.0.2.1",
        "m=audio 1 RTP/AVP 0",
    ]);
    assert_eq!(
        e,
        SdpError {
            line: 5,
            kind: SdpErrorKind::MissingTime
        }
    );
    let e = parse_err(&[
        "v=0",
        "o=- 1 1 IN IP4 192.0.2.1",
        "s=-",
        "t=0",
        "m=audio 1 RTP/AVP 0",
    ]);
    assert_eq!(
        e,
        SdpError {
            line: 4,
            kind: SdpErrorKind::BadTime
        }
    );
}

/// RFC 8866 §5: "Some lines in each description are required and some are
/// optional, but when present, they must appear in exactly the order given
/// here."
#[test]
fn rfc8866_section5_lines_out_of_order_are_refused_with_their_line() {
    let head = ["v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-"];
    let with = |rest: &[&str]| parse_err(&[&head[..], rest].concat());
    assert_eq!(
        with(&["t=0 0", "c=IN IP4 192.0.2.1"]),
        SdpError {
            line: 5,
            kind: SdpErrorKind::OutOfOrder('c')
        }
    );
    assert_eq!(
        with(&["c=IN IP4 192.0.2.1", "i=late", "t=0 0"]),
        SdpError {
            line: 5,
            kind: SdpErrorKind::OutOfOrder('i')
        }
    );
    // "Multiple addresses or "c=" lines MUST NOT be specified at session
    // level."
    assert_eq!(
        with(&["c=IN IP4 192.0.2.1", "c=IN IP4 192.0.2.2", "t=0 0"]),
        SdpError {
            line: 5,
            kind: SdpErrorKind::OutOfOrder('c')
        }
    );
    assert_eq!(
        with(&["r=7d 1h 0", "t=0 0"]),
        SdpError {
            line: 4,
            kind: SdpErrorKind::OutOfOrder('r')
        }
    );
    assert_eq!(
        with(&["c=IN IP4 192.0.2.1", "t=0 0", "a=x", "k=prompt"]),
        SdpError {
            line: 7,
            kind: SdpErrorKind::OutOfOrder('k')
        }
    );
    // Media level: m= i= c= b= k= a=.
    assert_eq!(
        with(&[
            "c=IN IP4 192.0.2.1",
            "t=0 0",
            "m=audio 1 RTP/AVP 0",
            "a=sendrecv",
            "c=IN IP4 192.0.2.2"
        ]),
        SdpError {
            line: 8,
            kind: SdpErrorKind::OutOfOrder('c')
        }
    );
    assert_eq!(
        with(&[
            "c=IN IP4 192.0.2.1",
            "t=0 0",
            "m=audio 1 RTP/AVP 0",
            "t=0 0"
        ]),
        SdpError {
            line: 7,
            kind: SdpErrorKind::OutOfOrder('t')
        }
    );
    assert_eq!(
        with(&[
            "c=IN IP4 192.0.2.1",
            "t=0 0",
            "m=audio 1 RTP/AVP 0",
            "b=AS:1",
            "i=title"
        ]),
        SdpError {
            line: 8,
            kind: SdpErrorKind::OutOfOrder('i')
        }
    );
}

/// RFC 8866 §5.7: "A session description MUST contain either at least one
/// "c=" line in each media description or a single "c=" line at the
/// session level."
#[test]
fn rfc8866_section5_7_every_media_needs_a_connection() {
    let e = parse_err(&[
        "v=0",
        "o=- 1 1 IN IP4 192.0.2.1",
        "s=-",
        "t=0 0",
        "m=audio 49170 RTP/AVP 0",
        "m=video 0 RTP/AVP 31",
    ]);
    assert_eq!(
        e,
        SdpError {
            line: 5,
            kind: SdpErrorKind::MissingConnection
        }
    );
    // Leniency: a disabled stream (port 0) carries no media and needs none.
    let ok = crlf(&[
        "v=0",
        "o=- 1 1 IN IP4 192.0.2.1",
        "s=-",
        "t=0 0",
        "m=audio 49170 RTP/AVP 0",
        "c=IN IP4 192.0.2.1",
        "m=video 0 RTP/AVP 31",
    ]);
    round_trip(&ok);
}

/// RFC 8866 §5.14: `m=<media> <port>[/<number of ports>] <proto> <fmt> ...`;
/// "m=video 49170/2 RTP/AVP 31 would specify that ports 49170 and 49171
/// form one RTP/RTCP pair, and 49172 and 49173 form the second".
#[test]
fn rfc8866_section5_14_media_line_fields() {
    let head = [
        "v=0",
        "o=- 1 1 IN IP4 192.0.2.1",
        "s=-",
        "c=IN IP4 192.0.2.1",
        "t=0 0",
    ];
    let m = |line: &str| {
        Sdp::parse(&crlf(&[&head[..], &[line]].concat())).map(|s| s.media[0].clone().into_owned())
    };
    let two = m("m=video 49170/2 RTP/AVP 31").unwrap();
    assert_eq!((two.port, two.port_count), (49170, Some(2)));
    let webrtc = m("m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8").unwrap();
    assert_eq!(webrtc.proto, "UDP/TLS/RTP/SAVPF");
    assert!(webrtc.is_rtp());
    assert_eq!(webrtc.payload_types().collect::<Vec<_>>(), [111, 0, 8]);
    let bfcp = m("m=application 50000 TCP/BFCP *").unwrap();
    assert!(!bfcp.is_rtp());
    assert_eq!(bfcp.formats().collect::<Vec<_>>(), ["*"]);
    let port = |line: &str| m(line).unwrap_err();
    assert_eq!(
        port("m=audio 70000 RTP/AVP 0"),
        SdpError {
            line: 6,
            kind: SdpErrorKind::BadPort
        }
    );
    assert_eq!(
        port("m=audio x RTP/AVP 0"),
        SdpError {
            line: 6,
            kind: SdpErrorKind::BadPort
        }
    );
    assert_eq!(
        port("m=audio 49170/0 RTP/AVP 0"),
        SdpError {
            line: 6,
            kind: SdpErrorKind::BadPort
        }
    );
    assert_eq!(
        port("m=audio 49170 RTP/AVP"),
        SdpError {
            line: 6,
            kind: SdpErrorKind::BadMedia
        }
    );
    assert_eq!(
        port("m=audio 49170 RTP//AVP 0"),
        SdpError {
            line: 6,
            kind: SdpErrorKind::BadMedia
        }
    );
    assert_eq!(
        port("m=audio"),
        SdpError {
            line: 6,
            kind: SdpErrorKind::BadMedia
        }
    );
}

/// RFC 8866 §5.13: "Attribute-fields may be of two forms: A property
/// attribute [...] A value attribute", and "If an attribute is received
/// that is not understood, it MUST be ignored by the receiver": kept, in
/// order, and written back unchanged.
#[test]
fn rfc8866_section5_13_unknown_attributes_are_kept_in_order() {
    let text = crlf(&[
        "v=0",
        "o=- 1 1 IN IP4 192.0.2.1",
        "s=-",
        "c=IN IP4 192.0.2.1",
        "t=0 0",
        "a=x-session-flag",
        "a=x-session:one two  three",
        "m=audio 49170 RTP/AVP 0",
        "a=x-first:1",
        "a=rtpmap:0 PCMU/8000",
        "a=x-empty:",
        "a=ssrc:1 cname:x:y",
        "a=x-last",
    ]);
    let sdp = round_trip(&text);
    assert_eq!(sdp.attributes[0], Attribute::property("x-session-flag"));
    assert_eq!(sdp.attributes[1].value(), Some("one two  three"));
    let names: Vec<&str> = sdp.media[0]
        .attributes
        .iter()
        .map(Attribute::name)
        .collect();
    assert_eq!(names, ["x-first", "rtpmap", "x-empty", "ssrc", "x-last"]);
    assert_eq!(sdp.media[0].attribute_value("ssrc"), Some("1 cname:x:y"));
    assert_eq!(sdp.media[0].attribute_value("x-empty"), Some(""));
    let e = parse_err(&[
        "v=0",
        "o=- 1 1 IN IP4 192.0.2.1",
        "s=-",
        "t=0 0",
        "a=bad name:1",
    ]);
    assert_eq!(
        e,
        SdpError {
            line: 5,
            kind: SdpErrorKind::BadAttribute
        }
    );
    let e = parse_err(&[
        "v=0",
        "o=- 1 1 IN IP4 192.0.2.1",
        "s=-",
        "t=0 0",
        "a=:value",
    ]);
    assert_eq!(
        e,
        SdpError {
            line: 5,
            kind: SdpErrorKind::BadAttribute
        }
    );
}

/// RFC 8866 §5: a type letter it does not define may be ignored or the
/// description rejected; this parser keeps such lines in place (see
/// [`UnknownLine`]) so that a relay loses nothing.
#[test]
fn rfc8866_section5_unknown_line_types_are_kept_in_place() {
    let text = crlf(&[
        "v=0",
        "o=- 1 1 IN IP4 192.0.2.1",
        "s=-",
        "c=IN IP4 192.0.2.1",
        "t=0 0",
        "r=604800 3600 0",
        "w=my dummy header",
        "a=tool:x",
        "m=video 6000 RTP/AVP 96",
        "a=rtpmap:96 PS/90000",
        "y=0100000001",
        "f=v/2/5/25/1/4000a///",
    ]);
    let sdp = round_trip(&text);
    assert_eq!(sdp.unknown.len(), 1);
    assert_eq!(
        (sdp.unknown[0].letter, &*sdp.unknown[0].value),
        ('w', "my dummy header")
    );
    let letters: Vec<char> = sdp.media[0].unknown.iter().map(|u| u.letter).collect();
    assert_eq!(letters, ['y', 'f']);
}

/// RFC 8866 §5.12: "The "k=" line (key-field) is obsolete" — kept as text
/// so that a relay does not alter descriptions it passes on.
#[test]
fn rfc8866_section5_12_key_lines_are_kept_as_text() {
    let text = crlf(&[
        "v=0",
        "o=- 1 1 IN IP4 192.0.2.1",
        "s=-",
        "c=IN IP4 192.0.2.1",
        "t=0 0",
        "k=base64:ZWFzdXJlLg==",
        "m=audio 49170 RTP/AVP 0",
        "k=uri:https://example.com/key",
    ]);
    let sdp = round_trip(&text);
    assert_eq!(sdp.key.as_deref(), Some("base64:ZWFzdXJlLg=="));
    assert_eq!(
        sdp.media[0].key.as_deref(),
        Some("uri:https://example.com/key")
    );
}

/// RFC 8866 §5.8: `b=<bwtype>:<bandwidth>`, and "SDP parsers MUST ignore
/// bandwidth-fields with unknown <bwtype> names" (kept, not interpreted).
#[test]
fn rfc8866_section5_8_bandwidth() {
    let head = [
        "v=0",
        "o=- 1 1 IN IP4 192.0.2.1",
        "s=-",
        "c=IN IP4 192.0.2.1",
    ];
    let ok = crlf(&[&head[..], &["b=AS:64", "b=TIAS:64000", "t=0 0"]].concat());
    assert_eq!(round_trip(&ok).bandwidths[1], Bandwidth::new("TIAS", 64000));
    let e = parse_err(&[&head[..], &["b=AS64", "t=0 0"]].concat());
    assert_eq!(
        e,
        SdpError {
            line: 5,
            kind: SdpErrorKind::BadBandwidth
        }
    );
    let e = parse_err(&[&head[..], &["b=AS:-1", "t=0 0"]].concat());
    assert_eq!(
        e,
        SdpError {
            line: 5,
            kind: SdpErrorKind::BadBandwidth
        }
    );
}

/// RFC 8866 §6.6 rtpmap: "For audio streams, <encoding parameters>
/// indicates the number of audio channels. This parameter is OPTIONAL and
/// may be omitted if the number of channels is one"; a malformed one is an
/// error naming its line when it is read.
#[test]
fn rfc8866_section6_6_rtpmap_typed_lazily_with_line_numbers() {
    let text = crlf(&[
        "v=0",
        "o=- 1 1 IN IP4 192.0.2.1",
        "s=-",
        "c=IN IP4 192.0.2.1",
        "t=0 0",
        "m=audio 49170 RTP/AVP 111 0 101 98",
        "a=rtpmap:111 opus/48000/2",
        "a=rtpmap:101 telephone-event/8000",
        "a=fmtp:101 0-15",
        "a=rtpmap:98 L16/16000/two",
    ]);
    let sdp = Sdp::parse(&text).expect("typed attributes are not read yet");
    let audio = &sdp.media[0];
    let opus = audio.rtpmap(111).unwrap().unwrap();
    assert_eq!(
        (opus.encoding_name, opus.clock_rate, opus.channels),
        ("opus", 48000, Some(2))
    );
    assert_eq!(opus.to_string(), "111 opus/48000/2");
    assert!(opus.is_codec("OPUS", 48000, 2));
    let te = audio.rtpmap(101).unwrap().unwrap();
    assert_eq!(te.channel_count(), 1);
    let fmtp = audio.fmtp("101").unwrap().unwrap();
    assert_eq!(
        (fmtp.format, fmtp.parameters, fmtp.payload_type()),
        ("101", "0-15", Some(101))
    );
    assert_eq!(
        audio.rtpmap(98).unwrap_err(),
        SdpError {
            line: 10,
            kind: SdpErrorKind::BadRtpmap
        }
    );
    assert_eq!(
        sdp.check_attributes().unwrap_err(),
        SdpError {
            line: 10,
            kind: SdpErrorKind::BadRtpmap
        }
    );
    for bad in [
        "x PCMU/8000",
        "0 PCMU",
        "0 PCMU/x",
        "128 X/8000",
        "0 /8000",
        "0",
    ] {
        assert_eq!(RtpMap::parse(bad), None, "{bad}");
    }
}

/// RFC 3551 §6: static payload types need no rtpmap ("PCMU [...] 0",
/// "PCMA [...] 8", "G722 [...] 9", "H261 [...] 31").
#[test]
fn rfc3551_section6_static_payload_types_resolve_without_rtpmap() {
    for (pt, name, rate) in [
        (0, "PCMU", 8000),
        (8, "PCMA", 8000),
        (9, "G722", 8000),
        (18, "G729", 8000),
        (31, "H261", 90000),
    ] {
        let map = static_payload_type(pt).unwrap();
        assert_eq!((map.encoding_name, map.clock_rate), (name, rate));
    }
    assert_eq!(static_payload_type(2), None);
    assert_eq!(static_payload_type(96), None);
}

/// RFC 8866 §6.4 and §6.5: `a=ptime:<packet time>` and
/// `a=maxptime:<maximum packet time>` in milliseconds (the grammar allows a
/// fraction).
#[test]
fn rfc8866_section6_4_ptime_and_maxptime() {
    let base = [
        "v=0",
        "o=- 1 1 IN IP4 192.0.2.1",
        "s=-",
        "c=IN IP4 192.0.2.1",
        "t=0 0",
        "m=audio 1 RTP/AVP 0",
    ];
    let media = |attrs: &[&str]| {
        Sdp::parse(&crlf(&[&base[..], attrs].concat()))
            .unwrap()
            .media[0]
            .clone()
            .into_owned()
    };
    let m = media(&["a=ptime:20", "a=maxptime:40"]);
    assert_eq!(
        (m.ptime().unwrap(), m.maxptime().unwrap()),
        (Some(20.0), Some(40.0))
    );
    assert_eq!(media(&["a=ptime:22.5"]).ptime().unwrap(), Some(22.5));
    assert_eq!(media(&[]).ptime().unwrap(), None);
    assert_eq!(
        media(&["a=ptime:0"]).ptime().unwrap_err(),
        SdpError {
            line: 7,
            kind: SdpErrorKind::BadPtime
        }
    );
    assert_eq!(
        media(&["a=maxptime:1e3"]).maxptime().unwrap_err().kind,
        SdpErrorKind::BadMaxptime
    );
}

/// RFC 8866 §6.7: the direction attributes, where "sendrecv" is the default
/// and a session-level one applies to media without their own; RFC 3264
/// §6.1: "if there is no direction attribute at the media or session level
/// [...] the stream is sendrecv by default".
#[test]
fn rfc8866_section6_7_direction_session_default_media_override() {
    let text = crlf(&[
        "v=0",
        "o=- 1 1 IN IP4 192.0.2.1",
        "s=-",
        "c=IN IP4 192.0.2.1",
        "t=0 0",
        "a=recvonly",
        "m=audio 1 RTP/AVP 0",
        "m=video 2 RTP/AVP 31",
        "a=inactive",
        "m=audio 3 RTP/AVP 0",
        "a=sendonly ",
    ]);
    let sdp = Sdp::parse(&text).unwrap();
    assert_eq!(sdp.direction(), Some(Direction::RecvOnly));
    let d: Vec<Direction> = sdp.media.iter().map(|m| sdp.media_direction(m)).collect();
    assert_eq!(
        d,
        [
            Direction::RecvOnly,
            Direction::Inactive,
            Direction::SendOnly
        ]
    );
    let plain = crlf(&[
        "v=0",
        "o=- 1 1 IN IP4 192.0.2.1",
        "s=-",
        "c=IN IP4 192.0.2.1",
        "t=0 0",
        "m=audio 1 RTP/AVP 0",
    ]);
    let sdp = Sdp::parse(&plain).unwrap();
    assert_eq!(sdp.media_direction(&sdp.media[0]), Direction::SendRecv);
    // "a=sendonly:x" is a value attribute, not a direction.
    assert_eq!(Attribute::new("sendonly", "x").direction(), None);
}

/// RFC 3605 §2.1: `a=rtcp:53020` and `a=rtcp:53020 IN IP4 126.16.64.4`.
#[test]
fn rfc3605_rtcp_attribute_port_and_optional_address() {
    let port = Rtcp::parse("53020").unwrap();
    assert_eq!((port.port, port.address), (53020, None));
    let full = Rtcp::parse("53020 IN IP4 126.16.64.4").unwrap();
    let a = full.address.unwrap();
    assert_eq!(
        (full.port, a.nettype, a.addrtype, a.address),
        (53020, "IN", "IP4", "126.16.64.4")
    );
    assert_eq!(full.to_string(), "53020 IN IP4 126.16.64.4");
    assert_eq!(Rtcp::parse("53020 IN IP4"), None);
    assert_eq!(Rtcp::parse("70000"), None);
    let text = crlf(&[
        "v=0",
        "o=- 1 1 IN IP4 192.0.2.1",
        "s=-",
        "c=IN IP4 192.0.2.1",
        "t=0 0",
        "m=audio 49170 RTP/AVP 0",
        "a=rtcp:53020 IN IP6 2001:db8::1",
        "a=mid:audio0",
        "m=audio 49172 RTP/AVP 0",
        "a=rtcp:x",
    ]);
    let sdp = Sdp::parse(&text).unwrap();
    assert_eq!(sdp.media[0].rtcp().unwrap().unwrap().port, 53020);
    // RFC 5888 §4: a=mid:<identification-tag>
    assert_eq!(sdp.media[0].mid(), Some("audio0"));
    assert_eq!(
        sdp.media[1].rtcp().unwrap_err(),
        SdpError {
            line: 10,
            kind: SdpErrorKind::BadRtcp
        }
    );
}

/// RFC 8866 §5: lines are `<type>=<value>`; a blank line can only end the
/// description (a trailing CRLF after a SIP body is a documented leniency).
#[test]
fn rfc8866_section5_blank_lines_only_at_the_end() {
    let mut text = crlf(&[
        "v=0",
        "o=- 1 1 IN IP4 192.0.2.1",
        "s=-",
        "c=IN IP4 192.0.2.1",
        "t=0 0",
    ]);
    text.push_str("\r\n\r\n");
    assert!(Sdp::parse(&text).is_ok());
    let e = parse_err(&["v=0", "o=- 1 1 IN IP4 192.0.2.1", "", "s=-", "t=0 0"]);
    assert_eq!(
        e,
        SdpError {
            line: 3,
            kind: SdpErrorKind::BadLine
        }
    );
    let e = parse_err(&["v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "t=0 0", "garbage"]);
    assert_eq!(
        e,
        SdpError {
            line: 5,
            kind: SdpErrorKind::BadLine
        }
    );
}

/// RFC 8866 §5: "If the "a=charset:" attribute is not present, these octet
/// strings MUST be interpreted as containing ISO-10646 characters in UTF-8
/// encoding."
#[test]
fn rfc8866_section5_text_is_utf8() {
    let ok = crlf(&[
        "v=0",
        "o=- 1 1 IN IP4 192.0.2.1",
        "s=Réunion",
        "c=IN IP4 192.0.2.1",
        "t=0 0",
    ]);
    assert_eq!(
        Sdp::parse_bytes(ok.as_bytes()).unwrap().session_name,
        "Réunion"
    );
    let mut bad = b"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=R".to_vec();
    bad.extend_from_slice(&[0xE9, b'\r', b'\n']);
    assert_eq!(
        Sdp::parse_bytes(&bad).unwrap_err(),
        SdpError {
            line: 3,
            kind: SdpErrorKind::NotUtf8
        }
    );
}

/// RFC 3264 §6.1, the direction table, for every pair of offered direction
/// and local preference.
#[test]
fn rfc3264_section6_1_answer_direction_table() {
    use Direction::*;
    let all = [SendRecv, SendOnly, RecvOnly, Inactive];
    for offered in all {
        for preferred in all {
            let answered = Direction::answer_to(offered, preferred);
            assert!(
                Direction::allows_answer(offered, answered),
                "{offered} {preferred}"
            );
        }
    }
    // "If a stream is offered as sendonly, the corresponding stream MUST be
    // marked as recvonly or inactive in the answer."
    assert_eq!(Direction::answer_to(SendOnly, SendRecv), RecvOnly);
    // "If a media stream is listed as recvonly in the offer, the answer MUST
    // be marked as sendonly or inactive in the answer."
    assert_eq!(Direction::answer_to(RecvOnly, SendRecv), SendOnly);
    // "If an offered media stream is listed as inactive, it MUST be marked
    // as inactive in the answer."
    assert_eq!(Direction::answer_to(Inactive, SendRecv), Inactive);
    // sendrecv: "MAY be marked as sendonly, recvonly, sendrecv, or inactive"
    for preferred in all {
        assert_eq!(Direction::answer_to(SendRecv, preferred), preferred);
    }
    assert!(!Direction::allows_answer(SendOnly, SendRecv));
    assert!(!Direction::allows_answer(RecvOnly, RecvOnly));
}

/// RFC 3264 §8.4: "If the stream to be placed on hold was previously a
/// sendrecv media stream, it is placed on hold by marking it as sendonly.
/// If the stream to be placed on hold was previously a recvonly media
/// stream, it is placed on hold by marking it inactive."
#[test]
fn rfc3264_section8_4_hold_direction() {
    assert_eq!(Direction::SendRecv.held(), Direction::SendOnly);
    assert_eq!(Direction::RecvOnly.held(), Direction::Inactive);
    assert_eq!(Direction::SendOnly.held(), Direction::SendOnly);
    assert_eq!(Direction::Inactive.held(), Direction::Inactive);
}

/// RFC 3264 §8.3.2: "This list MAY include new formats, and MAY remove
/// formats present from the previous SDP" — the edits keep the `m=` line
/// and its rtpmap/fmtp lines in step.
#[test]
fn rfc3264_section8_3_2_adding_and_removing_codecs() {
    let mut media = Media::new("audio", 49170, "RTP/AVP");
    media.add_codec(Codec::pcmu().rtpmap(0), None);
    media.add_codec(Codec::telephone_event(101).rtpmap(101), Some("0-15"));
    media.push_attribute(Attribute::property("sendrecv"));
    media.add_codec(Codec::pcma().rtpmap(8), None);
    assert_eq!(media.formats, "0 101 8");
    let lines: Vec<String> = media.attributes.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "rtpmap:0 PCMU/8000",
            "rtpmap:101 telephone-event/8000",
            "fmtp:101 0-15",
            "rtpmap:8 PCMA/8000",
            "sendrecv"
        ]
    );
    media.remove_format("101");
    assert_eq!(media.formats, "0 8");
    let lines: Vec<String> = media.attributes.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        ["rtpmap:0 PCMU/8000", "rtpmap:8 PCMA/8000", "sendrecv"]
    );
    media.set_direction(Direction::SendOnly);
    assert_eq!(media.attributes[2], Attribute::property("sendonly"));
    assert_eq!(media.direction(), Some(Direction::SendOnly));
}
