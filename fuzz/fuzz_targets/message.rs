//! One datagram: `Message::parse`, then everything `check_message` reads
//! and the round-trip invariant (an accepted message survives its own
//! serialization).
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use sip_message::Message;
use sip_message_fuzz::check_message;

fuzz_target!(|data: &[u8]| {
    if let Ok(msg) = Message::parse(Bytes::copy_from_slice(data)) {
        check_message(data, &msg);
    }
});
