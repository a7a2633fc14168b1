//! Properties of the SDP parser and writer: generated descriptions survive
//! write then parse, any text parses without panicking, and whatever parses
//! is written back to text that parses to the same description.

use std::borrow::Cow;
use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use sipmob_rtp::sdp::{
    Attribute, Bandwidth, Connection, Media, Origin, Repeat, Sdp, TimeUnit, Timing, TypedTime,
    ZoneAdjustment,
};

fn token() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9][a-zA-Z0-9+.!#$%&'*^_`{|}~-]{0,8}"
}

/// Free text: any character but NUL, CR and LF (RFC 8866 §5 `text`), empty
/// allowed.
fn text() -> impl Strategy<Value = String> {
    "[^\r\n\u{0}]{0,16}"
}

fn non_ws() -> impl Strategy<Value = String> {
    "[!-~]{1,12}"
}

fn cow(s: String) -> Cow<'static, str> {
    Cow::Owned(s)
}

fn connection() -> impl Strategy<Value = Connection<'static>> {
    prop_oneof![
        any::<u32>().prop_map(|ip| {
            let ip = Ipv4Addr::from(ip);
            let mut c = Connection::host("IP4", ip.to_string());
            if ip.is_multicast() {
                c.ttl = Some(1);
            }
            c
        }),
        (
            224u8..240,
            any::<[u8; 3]>(),
            any::<u8>(),
            option::of(1u32..10)
        )
            .prop_map(|(a, [b, c, d], ttl, n)| {
                let mut conn = Connection::host("IP4", Ipv4Addr::new(a, b, c, d).to_string());
                conn.ttl = Some(ttl);
                conn.num_addresses = n;
                conn
            }),
        any::<u128>().prop_map(|ip| {
            let ip = Ipv6Addr::from(ip & !(0xff << 120));
            Connection::host("IP6", ip.to_string())
        }),
        (any::<u128>(), option::of(1u32..10)).prop_map(|(ip, n)| {
            let ip = Ipv6Addr::from(ip | (0xff << 120));
            let mut c = Connection::host("IP6", ip.to_string());
            c.num_addresses = n;
            c
        }),
        "[a-z][a-z0-9.-]{0,15}".prop_map(|host| Connection::host("IP4", host)),
    ]
}

fn bandwidth() -> impl Strategy<Value = Bandwidth<'static>> {
    (token(), any::<u64>()).prop_map(|(t, b)| Bandwidth::new(t, b))
}

fn typed_time() -> impl Strategy<Value = TypedTime> {
    let unit = prop_oneof![
        Just(TimeUnit::None),
        Just(TimeUnit::Days),
        Just(TimeUnit::Hours),
        Just(TimeUnit::Minutes),
        Just(TimeUnit::Seconds),
    ];
    (any::<u64>(), unit).prop_map(|(value, unit)| TypedTime { value, unit })
}

fn timing() -> impl Strategy<Value = Timing> {
    let repeat = (typed_time(), typed_time(), vec(typed_time(), 1..3)).prop_map(
        |(interval, duration, offsets)| Repeat {
            interval,
            duration,
            offsets,
        },
    );
    let zone = (any::<u64>(), any::<bool>(), typed_time()).prop_map(|(time, negative, offset)| {
        ZoneAdjustment {
            time,
            negative,
            offset,
        }
    });
    (
        any::<u64>(),
        any::<u64>(),
        vec(repeat, 0..2),
        vec(zone, 0..3),
    )
        .prop_map(|(start, stop, repeats, zone)| Timing {
            start,
            stop,
            repeats,
            zone,
        })
}

fn attribute() -> impl Strategy<Value = Attribute<'static>> {
    prop_oneof![
        token().prop_map(Attribute::property),
        (token(), text()).prop_map(|(n, v)| Attribute::new(n, v)),
        prop_oneof![
            Just("sendrecv"),
            Just("sendonly"),
            Just("recvonly"),
            Just("inactive")
        ]
        .prop_map(Attribute::property),
        (0u8..128, token(), 1u32..100_000)
            .prop_map(|(pt, name, rate)| Attribute::new("rtpmap", format!("{pt} {name}/{rate}"))),
    ]
}

fn media() -> impl Strategy<Value = Media<'static>> {
    (
        (
            token(),
            any::<u16>(),
            option::of(1u16..8),
            vec(token(), 1..4),
            vec(token(), 1..5),
        ),
        (
            option::of(text()),
            vec(connection(), 0..3),
            vec(bandwidth(), 0..2),
            option::of(text()),
        ),
        vec(attribute(), 0..6),
    )
        .prop_map(
            |(
                (kind, port, count, proto, formats),
                (title, connections, bandwidths, key),
                attributes,
            )| {
                let mut m = Media::new(kind, port, proto.join("/"));
                m.port_count = count;
                m.formats = cow(formats.join(" "));
                m.title = title.map(cow);
                m.connections = connections;
                m.bandwidths = bandwidths;
                m.key = key.map(cow);
                m.attributes = attributes;
                m
            },
        )
}

fn sdp() -> impl Strategy<Value = Sdp<'static>> {
    (
        (
            non_ws(),
            "[0-9]{1,20}",
            any::<u64>(),
            prop_oneof![Just("IP4"), Just("IP6")],
            non_ws(),
            text(),
        ),
        (
            option::of(text()),
            option::of(text()),
            vec(text(), 0..3),
            vec(text(), 0..3),
        ),
        (
            option::of(connection()),
            vec(bandwidth(), 0..3),
            vec(timing(), 1..3),
            option::of(text()),
        ),
        (vec(attribute(), 0..5), vec(media(), 0..4)),
    )
        .prop_map(
            |(
                (user, id, version, addrtype, address, name),
                (information, uri, emails, phones),
                (connection, bandwidths, times, key),
                (attributes, media),
            )| {
                let origin = Origin {
                    username: cow(user),
                    session_id: cow(id),
                    session_version: version,
                    nettype: Cow::Borrowed("IN"),
                    addrtype: Cow::Borrowed(addrtype),
                    unicast_address: cow(address),
                };
                let mut sdp = Sdp::new(origin, name);
                sdp.information = information.map(cow);
                sdp.uri = uri.map(cow);
                sdp.emails = emails.into_iter().map(cow).collect();
                sdp.phones = phones.into_iter().map(cow).collect();
                sdp.bandwidths = bandwidths;
                sdp.times = times;
                sdp.key = key.map(cow);
                sdp.attributes = attributes;
                sdp.media = media;
                // RFC 8866 §5.7: a c= for every enabled stream, here or at
                // session level.
                if connection.is_none() {
                    for m in &mut sdp.media {
                        if m.port != 0 && m.connections.is_empty() {
                            m.connections.push(Connection::host("IP4", "192.0.2.1"));
                        }
                    }
                }
                sdp.connection = connection;
                sdp
            },
        )
}

const EXAMPLE: &str = "v=0\r\n\
o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1\r\n\
s=Call to John Smith\r\n\
i=SDP Offer #1\r\n\
u=http://www.jdoe.example.com/home.html\r\n\
e=Jane Doe <jane@jdoe.example.com>\r\n\
p=+1 617 555-6011\r\n\
c=IN IP4 198.51.100.1\r\n\
t=0 0\r\n\
r=7d 1h 0 25h\r\n\
m=audio 49170 RTP/AVP 0 101\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-15\r\n\
m=video 51372 RTP/AVP 99\r\n\
c=IN IP6 2001:db8::2\r\n\
a=rtpmap:99 h263-1998/90000\r\n";

/// Pieces that, spliced into a valid description, reach the parser's
/// branches.
fn fragment() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("\r\n"),
        Just("\n"),
        Just("\r"),
        Just("="),
        Just(" "),
        Just("/"),
        Just(":"),
        Just("m=audio 0 RTP/AVP 0\r\n"),
        Just("a=rtpmap:"),
        Just("c=IN IP4 224.1.1.1/"),
        Just("c=IN IP6 ff0e::1/2/"),
        Just("t=0 0\r\n"),
        Just("r=1d 1h 0\r\n"),
        Just("z=1 -1h\r\n"),
        Just("y=x\r\n"),
        Just("k=prompt\r\n"),
        Just("99999999999999999999999"),
        Just("é"),
        Just(""),
    ]
}

/// Everything that parses is written to text that parses to the same.
fn assert_stable(text: &str) -> Result<(), TestCaseError> {
    if let Ok(sdp) = Sdp::parse(text) {
        let written = sdp.to_string();
        let again = Sdp::parse(&written);
        prop_assert_eq!(again.as_ref(), Ok(&sdp), "written:\n{}", written);
        // Reading typed attributes never panics either.
        let _ = sdp.check_attributes();
        for m in &sdp.media {
            let _ = (
                m.ptime(),
                m.maxptime(),
                m.rtcp(),
                m.mid(),
                sdp.media_direction(m),
            );
            let _ = m.rtpmaps().count() + m.fmtps().count() + m.payload_types().count();
        }
    }
    Ok(())
}

proptest! {
    /// RFC 8866 §5 text written from any description parses back to it.
    #[test]
    fn generated_descriptions_survive_write_then_parse(sdp in sdp()) {
        let text = sdp.to_string();
        prop_assert!(text.ends_with("\r\n"));
        let parsed = Sdp::parse(&text);
        prop_assert_eq!(parsed.as_ref(), Ok(&sdp), "text:\n{}", text);
        let lf = text.replace("\r\n", "\n");
        let from_lf = Sdp::parse(&lf);
        prop_assert_eq!(from_lf.as_ref(), Ok(&sdp));
    }

    /// Input from the peer never panics the parser (STYLE §6).
    #[test]
    fn arbitrary_text_never_panics(text in "(?s).{0,300}") {
        assert_stable(&text)?;
    }

    /// The same, for bytes that need not be UTF-8.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..300)) {
        let _ = Sdp::parse_bytes(&bytes);
    }

    /// Lines of SDP-like shape, in any order.
    #[test]
    fn shuffled_lines_never_panic(lines in vec("[vosiuepcbtrzkamxy]=[ -~]{0,30}", 0..20)) {
        assert_stable(&lines.join("\r\n"))?;
    }

    /// A valid description with fragments spliced in.
    #[test]
    fn spliced_descriptions_never_panic(edits in vec((any::<prop::sample::Index>(), fragment(), 0usize..3), 1..6)) {
        let mut text = EXAMPLE.to_owned();
        for (at, piece, cut) in edits {
            let mut i = at.index(text.len() + 1);
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            let mut end = (i + cut).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.replace_range(i..end, piece);
        }
        assert_stable(&text)?;
    }
}
