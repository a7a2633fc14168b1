//! `Event` and `Subscription-State` ([RFC 6665 §8.2.1, §8.4]).
//!
//! [RFC 6665 §8.2.1, §8.4]: https://www.rfc-editor.org/rfc/rfc6665#section-8.4

use bytes::BytesMut;
use bytestring::ByteString;

use super::Params;
use crate::error::{ErrorKind, ParseError};
use crate::header::{HeaderName, TypedHeader};
use crate::text::{is_token, parse_decimal, Cursor, Span};

/// `event-type = event-package *( "." event-template )`, where both are
/// `token-nodot`: a token whose dots separate non-empty parts.
pub(super) fn event_type(c: &mut Cursor<'_>) -> Result<Span, ParseError> {
    let span = c.token()?;
    let t = &c.input[span.range()];
    if t.first() == Some(&b'.') || t.last() == Some(&b'.') || t.windows(2).any(|w| w == b"..") {
        return Err(c.err_at(
            ErrorKind::InvalidValue("an event-type of dot-separated tokens"),
            span.start as usize,
        ));
    }
    Ok(span)
}

/// `Event = ( "Event" / "o" ) HCOLON event-type *( SEMI event-param )`
/// (RFC 6665 §8.4): the event package a SUBSCRIBE or NOTIFY is about, and
/// the `id` that tells subscriptions in one dialog apart.
///
/// ```
/// use sip_message::{Event, TypedHeader};
/// let e = Event::parse_str("presence.winfo;id=4711").unwrap();
/// assert_eq!(e.event_type(), "presence.winfo");
/// assert_eq!(e.package(), "presence");
/// assert_eq!(e.templates().collect::<Vec<_>>(), ["winfo"]);
/// assert_eq!(e.id(), Some("4711"));
/// // RFC 6665 §8.2.1: other parameters do not matter when matching.
/// assert!(e.matches(&Event::parse_str("presence.winfo;x=1;id=4711").unwrap()));
/// assert!(!e.matches(&Event::parse_str("Presence.winfo;id=4711").unwrap()));
/// ```
#[derive(Debug, Clone)]
pub struct Event {
    raw: ByteString,
    event_type: Span,
    id: Option<Span>,
    params: Span,
}

impl Event {
    /// An Event value `event-type[;id=id]`.
    ///
    /// # Errors
    /// If `event_type` is not an event-type or `id` not a token.
    pub fn new(event_type: &str, id: Option<&str>) -> Result<Self, ParseError> {
        let mut s = String::from(event_type);
        if let Some(id) = id {
            s.push_str(";id=");
            s.push_str(id);
        }
        Self::parse(&ByteString::from(s))
    }

    /// The value as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The event-type, such as `presence` or `presence.winfo`.
    pub fn event_type(&self) -> &str {
        self.event_type.of(&self.raw)
    }

    /// The event package: the event-type up to the first dot.
    pub fn package(&self) -> &str {
        let t = self.event_type();
        t.split_once('.').map_or(t, |(p, _)| p)
    }

    /// The event templates after the package (`winfo` in `presence.winfo`).
    pub fn templates(&self) -> impl Iterator<Item = &str> + '_ {
        self.event_type().split('.').skip(1)
    }

    /// The `id` parameter.
    pub fn id(&self) -> Option<&str> {
        self.id.map(|s| s.of(&self.raw))
    }

    /// All parameters, `id` included, in order.
    pub fn params(&self) -> Params<'_> {
        Params::new(self.params.of(&self.raw))
    }

    /// Whether two Event values name the same subscription: RFC 6665
    /// §8.2.1 compares the event-type and `id` byte by byte, and an Event
    /// with an `id` never matches one without; other parameters are ignored.
    pub fn matches(&self, other: &Self) -> bool {
        self.event_type() == other.event_type() && self.id() == other.id()
    }
}

impl TypedHeader for Event {
    const NAME: HeaderName = HeaderName::Event;

    fn parse(value: &ByteString) -> Result<Self, ParseError> {
        let mut c = Cursor::new(value);
        c.skip_sws();
        let event_type = event_type(&mut c)?;
        let mut id = None;
        let params = c.params(|c, n, v| {
            if c.input[n.range()].eq_ignore_ascii_case(b"id") {
                // "id" EQUAL token
                match v {
                    Some(v) if c.input[v.range()].iter().all(|&b| is_token(b)) => id = Some(v),
                    _ => {
                        return Err(
                            c.err_at(ErrorKind::InvalidValue("a token id"), n.start as usize)
                        )
                    }
                }
            }
            Ok(())
        })?;
        c.finish()?;
        Ok(Self {
            raw: value.clone(),
            event_type,
            id,
            params,
        })
    }

    fn encode(&self, out: &mut BytesMut) {
        out.extend_from_slice(self.event_type().as_bytes());
        self.params().encode(out);
    }
}

impl PartialEq for Event {
    /// The event-type byte by byte (RFC 6665 §8.2.1) and the parameters in
    /// order. See [`Event::matches`] for subscription matching.
    fn eq(&self, other: &Self) -> bool {
        self.event_type() == other.event_type() && self.params().iter().eq(other.params().iter())
    }
}

impl Eq for Event {}

/// The `substate-value` of a Subscription-State (RFC 6665 §4.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Substate {
    /// `active`: the subscription has been accepted.
    Active,
    /// `pending`: received but not yet authorized.
    Pending,
    /// `terminated`: the subscription is over.
    Terminated,
    /// Any other token (`extension-substate`), as written in
    /// [`SubscriptionState::substate_str`].
    Extension,
}

impl Substate {
    /// The value as the RFC spells it (`None` for an extension).
    pub fn as_str(self) -> Option<&'static str> {
        match self {
            Self::Active => Some("active"),
            Self::Pending => Some("pending"),
            Self::Terminated => Some("terminated"),
            Self::Extension => None,
        }
    }
}

/// `Subscription-State = "Subscription-State" HCOLON substate-value
/// *( SEMI subexp-params )` (RFC 6665 §8.4), with typed `reason`, `expires`
/// and `retry-after`.
///
/// ```
/// use sip_message::{SubscriptionState, Substate, TypedHeader};
/// let s = SubscriptionState::parse_str("terminated;reason=timeout;retry-after=30").unwrap();
/// assert_eq!(s.substate(), Substate::Terminated);
/// assert_eq!(s.reason(), Some("timeout"));
/// assert_eq!(s.retry_after(), Some(30));
/// let a = SubscriptionState::active(3600);
/// assert_eq!(a.to_value_string(), "active;expires=3600");
/// ```
#[derive(Debug, Clone)]
pub struct SubscriptionState {
    raw: ByteString,
    state: Span,
    params: Span,
    reason: Option<Span>,
    expires: Option<u32>,
    retry_after: Option<u32>,
}

impl SubscriptionState {
    fn with_expires(state: &'static str, expires: u32) -> Self {
        let s = format!("{state};expires={expires}");
        let len = s.len();
        Self {
            raw: ByteString::from(s),
            state: Span::new(0, state.len()),
            params: Span::new(state.len(), len),
            reason: None,
            expires: Some(expires),
            retry_after: None,
        }
    }

    /// `active;expires=<expires>`.
    pub fn active(expires: u32) -> Self {
        Self::with_expires("active", expires)
    }

    /// `pending;expires=<expires>`.
    pub fn pending(expires: u32) -> Self {
        Self::with_expires("pending", expires)
    }

    /// `terminated[;reason=<reason>][;retry-after=<seconds>]`.
    ///
    /// # Errors
    /// If `reason` is not a token.
    pub fn terminated(reason: Option<&str>, retry_after: Option<u32>) -> Result<Self, ParseError> {
        let mut s = String::from("terminated");
        if let Some(r) = reason {
            s.push_str(";reason=");
            s.push_str(r);
        }
        if let Some(t) = retry_after {
            s.push_str(&format!(";retry-after={t}"));
        }
        Self::parse(&ByteString::from(s))
    }

    /// The value as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The substate, compared case-insensitively.
    pub fn substate(&self) -> Substate {
        let s = self.substate_str();
        if s.eq_ignore_ascii_case("active") {
            Substate::Active
        } else if s.eq_ignore_ascii_case("pending") {
            Substate::Pending
        } else if s.eq_ignore_ascii_case("terminated") {
            Substate::Terminated
        } else {
            Substate::Extension
        }
    }

    /// The substate token as written.
    pub fn substate_str(&self) -> &str {
        self.state.of(&self.raw)
    }

    /// `reason` (`deactivated`, `probation`, `rejected`, `timeout`,
    /// `giveup`, `noresource`, `invariant` or an extension).
    pub fn reason(&self) -> Option<&str> {
        self.reason.map(|s| s.of(&self.raw))
    }

    /// `expires`, in seconds.
    pub fn expires(&self) -> Option<u32> {
        self.expires
    }

    /// `retry-after`, in seconds.
    pub fn retry_after(&self) -> Option<u32> {
        self.retry_after
    }

    /// All parameters, in order.
    pub fn params(&self) -> Params<'_> {
        Params::new(self.params.of(&self.raw))
    }
}

impl TypedHeader for SubscriptionState {
    const NAME: HeaderName = HeaderName::SubscriptionState;

    fn parse(value: &ByteString) -> Result<Self, ParseError> {
        let mut c = Cursor::new(value);
        c.skip_sws();
        let state = c.token()?;
        let mut reason = None;
        let mut expires = None;
        let mut retry_after = None;
        let params = c.params(|c, n, v| {
            let name = &c.input[n.range()];
            let val = v.map(|v| &c.input[v.range()]);
            let bad = |what| Err(c.err_at(ErrorKind::InvalidValue(what), n.start as usize));
            let seconds = || val.and_then(|t| parse_decimal(t, u64::from(u32::MAX)));
            if name.eq_ignore_ascii_case(b"reason") {
                // "reason" EQUAL event-reason-value; event-reason-value = token
                match (v, val) {
                    (Some(v), Some(t)) if t.iter().all(|&b| is_token(b)) => reason = Some(v),
                    _ => return bad("a token reason"),
                }
            } else if name.eq_ignore_ascii_case(b"expires") {
                // "expires" EQUAL delta-seconds
                match seconds() {
                    Some(s) => expires = Some(s as u32),
                    None => return bad("delta-seconds in expires"),
                }
            } else if name.eq_ignore_ascii_case(b"retry-after") {
                // "retry-after" EQUAL delta-seconds
                match seconds() {
                    Some(s) => retry_after = Some(s as u32),
                    None => return bad("delta-seconds in retry-after"),
                }
            }
            Ok(())
        })?;
        c.finish()?;
        Ok(Self {
            raw: value.clone(),
            state,
            params,
            reason,
            expires,
            retry_after,
        })
    }

    fn encode(&self, out: &mut BytesMut) {
        out.extend_from_slice(self.substate_str().as_bytes());
        self.params().encode(out);
    }
}

impl PartialEq for SubscriptionState {
    /// The substate case-insensitively (a token, RFC 3261 §7.3.1) and the
    /// parameters in order.
    fn eq(&self, other: &Self) -> bool {
        self.substate_str()
            .eq_ignore_ascii_case(other.substate_str())
            && self.params().iter().eq(other.params().iter())
    }
}

impl Eq for SubscriptionState {}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::header::typed::testing::round_trip;

    /// RFC 6665 §8.4: `Event = ( "Event" / "o" ) HCOLON event-type
    /// *( SEMI event-param )`, with the `Event: presence` of its examples.
    #[test]
    fn rfc6665_event_presence() {
        let e = Event::parse_str("presence").unwrap();
        assert_eq!(e.event_type(), "presence");
        assert_eq!(e.package(), "presence");
        assert_eq!(e.templates().count(), 0);
        assert_eq!(e.id(), None);
        round_trip(&e);
        let e = Event::parse_str("dialog ; id = a1 ; call-id=\"x\"").unwrap();
        assert_eq!(e.id(), Some("a1"));
        assert_eq!(e.to_value_string(), "dialog;id=a1;call-id=\"x\"");
        round_trip(&e);
        assert_eq!(
            Event::new("refer", Some("93809824")).unwrap().as_str(),
            "refer;id=93809824"
        );
    }

    /// RFC 6665 §8.2.1: "the "event-type" portion of the "Event" header
    /// field is compared byte by byte, and the "id" parameter token (if
    /// present) is compared byte by byte. An "Event" header field containing
    /// an "id" parameter never matches an "Event" header field without an
    /// "id" parameter."
    #[test]
    fn rfc6665_8_2_1_event_matching() {
        let e = |s| Event::parse_str(s).unwrap();
        assert!(e("foo; id=1234").matches(&e("foo; param=abcd; id=1234")));
        assert!(!e("foo; id=1234").matches(&e("Foo; id=1234")));
        assert!(!e("foo; id=1234").matches(&e("foo")));
        assert!(!e("foo; id=1234").matches(&e("foo; id=1235")));
    }

    /// RFC 6665 §8.4: `event-type = event-package *( "." event-template )`,
    /// both `token-nodot`.
    #[test]
    fn rfc6665_event_type_grammar() {
        for bad in [
            "",
            ".presence",
            "presence.",
            "presence..winfo",
            "pres ence",
            "presence;id",
            "presence;id=\"q\"",
            "presence;;id=1",
            "<presence>",
        ] {
            assert!(Event::parse_str(bad).is_err(), "{bad:?}");
        }
        let e = Event::parse_str("conference.winfo.x").unwrap();
        assert_eq!(e.templates().collect::<Vec<_>>(), ["winfo", "x"]);
    }

    /// RFC 6665 §8.4: `substate-value = "active" / "pending" / "terminated"
    /// / extension-substate`, with the `active;expires=3600` and
    /// `terminated;reason=timeout` examples of §4.
    #[test]
    fn rfc6665_subscription_state_values() {
        let s = SubscriptionState::parse_str("active;expires=3600").unwrap();
        assert_eq!(s.substate(), Substate::Active);
        assert_eq!(s.expires(), Some(3600));
        assert_eq!(s, SubscriptionState::active(3600));
        round_trip(&s);
        let s = SubscriptionState::parse_str("Pending ;expires=10").unwrap();
        assert_eq!(s.substate(), Substate::Pending);
        assert_eq!(s, SubscriptionState::pending(10));
        let s = SubscriptionState::parse_str("terminated;reason=timeout").unwrap();
        assert_eq!(s.substate(), Substate::Terminated);
        assert_eq!(s.reason(), Some("timeout"));
        assert_eq!(s.retry_after(), None);
        assert_eq!(
            s,
            SubscriptionState::terminated(Some("timeout"), None).unwrap()
        );
        round_trip(&s);
        let s = SubscriptionState::parse_str("waiting;foo=bar").unwrap();
        assert_eq!(s.substate(), Substate::Extension);
        assert_eq!(s.substate_str(), "waiting");
        assert_eq!(s.params().get("foo"), Some(Some("bar")));
        round_trip(&s);
        assert_eq!(Substate::Active.as_str(), Some("active"));
    }

    /// RFC 6665 §8.4: `subexp-params = ("reason" EQUAL event-reason-value)
    /// / ("expires" EQUAL delta-seconds) / ("retry-after" EQUAL delta-seconds)
    /// / generic-param`.
    #[test]
    fn rfc6665_subexp_params_are_checked() {
        for bad in [
            "",
            "active;expires",
            "active;expires=-1",
            "active;expires=4294967296",
            "terminated;retry-after=soon",
            "terminated;reason=\"timeout\"",
            "terminated;reason",
            "active expires=1",
            "\"active\"",
        ] {
            assert!(SubscriptionState::parse_str(bad).is_err(), "{bad:?}");
        }
        assert!(SubscriptionState::terminated(Some("no reason"), None).is_err());
        let s = SubscriptionState::terminated(Some("probation"), Some(4294967295)).unwrap();
        assert_eq!(s.retry_after(), Some(u32::MAX));
    }

    use proptest::prelude::*;

    proptest::proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        /// Parsing never panics; what parses round-trips.
        #[test]
        fn parse_never_panics_and_round_trips(
            e in "[a-z.]{0,8}( ?; ?[a-z-]{1,6}( ?= ?([a-z0-9]{1,3}|\"[a-z;]{0,3}\"))?){0,3}",
            s in "(active|pending|terminated|x)( ?; ?(reason|expires|retry-after|q)( ?= ?([a-z0-9]{1,3}|\"[a-z]{0,3}\"))?){0,3}",
        ) {
            if let Ok(h) = Event::parse_str(&e) { round_trip(&h); }
            if let Ok(h) = SubscriptionState::parse_str(&s) { round_trip(&h); }
        }
    }
}
