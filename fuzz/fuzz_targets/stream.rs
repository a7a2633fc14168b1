//! `StreamFramer::check` on arbitrary bytes, read as a connection would:
//! frames never claim more than they were given, and a message the framer
//! cuts is exactly what `Message::parse_stream` reads.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use sip_message::{Frame, Message, StreamFramer};
use sip_message_fuzz::check_message;

fuzz_target!(|data: &[u8]| {
    for framer in [StreamFramer::default(), StreamFramer::new(256)] {
        let mut rest = data;
        // A reader loop: consume frames until more bytes are needed or the
        // stream is broken.
        while let Ok(frame) = framer.check(rest) {
            assert!(
                frame.len() <= rest.len(),
                "{frame:?} of {} bytes",
                rest.len()
            );
            match frame {
                Frame::NeedMore => break,
                Frame::Ping => assert!(rest.starts_with(b"\r\n\r\n")),
                Frame::Pong => assert!(rest.starts_with(b"\r\n")),
                Frame::Message(n) => {
                    assert!(n > 0 && n <= framer.max_size());
                    let cut = &rest[..n];
                    if let Ok(msg) = Message::parse_stream(Bytes::copy_from_slice(cut)) {
                        assert_eq!(
                            &msg.to_bytes()[..],
                            cut,
                            "framer and parser disagree on the length"
                        );
                        check_message(cut, &msg);
                    }
                }
            }
            rest = &rest[frame.len()..];
        }
    }
});
