//! `Sdp::parse_bytes` on arbitrary bytes: what is accepted reads every
//! typed attribute without panicking, and writes back to text that parses
//! again and writes to exactly the same text (the writer is stable).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sipmob_rtp::Sdp;

fuzz_target!(|data: &[u8]| {
    let Ok(sdp) = Sdp::parse_bytes(data) else {
        return;
    };
    let _ = sdp.check_attributes();
    let _ = sdp.direction();
    for m in &sdp.media {
        let _ = sdp.media_direction(m);
        let _ = (m.direction(), m.ptime(), m.rtcp(), m.mid());
        for r in m.rtpmaps() {
            let _ = r;
        }
        for f in m.fmtps() {
            let _ = f;
        }
    }
    let first = sdp.to_string();
    let again = Sdp::parse(&first).expect("what we write parses");
    assert_eq!(again.to_string(), first);
});
