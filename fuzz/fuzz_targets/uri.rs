//! `Uri::parse` and `SipUri::parse` on arbitrary UTF-8: what is accepted
//! prints as written, equals itself and re-parses to an equal URI.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sip_message::{SipUri, Uri};
use sip_message_fuzz::check_uri;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(u) = Uri::parse(s) {
        assert_eq!(u.as_str(), s);
        check_uri(&u);
    }
    if let Ok(u) = SipUri::parse(s) {
        assert_eq!(u.as_str(), s);
        check_uri(&Uri::Sip(u));
    }
});
