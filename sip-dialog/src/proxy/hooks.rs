//! The hooks through which a layer above (the mobility layer's
//! outbound-proxy intercept, a feature server) steers the proxy.

use std::time::Instant;

use sip_message::{Date, Message, Uri};
use sip_transaction::{Source, Target};

/// What a request is, as the proxy sees it when it calls a hook.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct RequestInfo<'a> {
    /// Where the request came from.
    pub source: Source,
    /// The user it authenticated as with proxy authentication (§22.3), if
    /// it was challenged and answered.
    pub user: Option<&'a str>,
    /// Whether the Request-URI names a resource this proxy is responsible
    /// for (one of its domains or itself, §16.5), so that it may retarget.
    pub responsible: bool,
    /// Whether the request is within a dialog (its To has a tag).
    pub in_dialog: bool,
}

/// What [`ProxyHooks::on_request`] decides.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub enum RequestAction {
    /// Process the request as RFC 3261 §16 says.
    #[default]
    Continue,
    /// Answer it with this status (the proxy builds the response, §8.2.6).
    Reject(u16),
    /// Answer it with this response (build it with
    /// [`Message::response_to`]).
    Respond(Message),
    /// Forward it to these targets instead of those of §16.5 (a visitor's
    /// binding, a feature server). Duplicates are dropped (§16.5: "Targets
    /// can only be placed in the target set once"); an empty list is
    /// answered like a lookup with no binding.
    Targets(Vec<Uri>),
}

/// Hooks into the proxy's processing, all with default no-op bodies.
///
/// The proxy calls them at these points of RFC 3261 §16:
///
/// - [`on_request`](Self::on_request): after validation (§16.3) and
///   route preprocessing (§16.4), before targets are determined (§16.5);
///   also for ACKs to 2xx, which it can retarget (the first target is
///   used) but not answer.
/// - [`on_forward`](Self::on_forward): for each copy about to be sent
///   (§16.6 after steps 1-7, before the Via of step 8), with its next hop;
///   "The proxy MAY add any other appropriate header fields to the copy"
///   (step 5). This is where the outbound-proxy intercept rewrites the
///   Contact and From of a visiting user.
/// - [`on_response`](Self::on_response): for each response about to be
///   forwarded upstream (§16.7 step 9: "the proxy MAY perform any feature
///   specific manipulations on the selected response"), including those
///   forwarded statelessly. Responses the proxy generates itself (100,
///   483, 407...) are not passed.
/// - [`locate`](Self::locate): the address of a next hop whose host is a
///   name, before the configured default route.
/// - [`date`](Self::date): the wall clock, for the Date header of the
///   registrar's 200.
///
/// A hook must not change a message's body (§16.6 step 1, §16.7 step 9:
/// "The proxy MUST NOT add to, modify, or remove the message body"), nor
/// the To tag of a response.
pub trait ProxyHooks {
    /// A request to route. It may be rewritten in place (the rewrite is
    /// what every branch copies), answered, or given its targets.
    fn on_request(
        &mut self,
        now: Instant,
        request: &mut Message,
        info: &RequestInfo<'_>,
    ) -> RequestAction {
        let _ = (now, request, info);
        RequestAction::Continue
    }

    /// A copy of a request about to be sent to `next_hop`; both may be
    /// changed. `info` describes the request the copy was made from.
    fn on_forward(
        &mut self,
        now: Instant,
        request: &mut Message,
        next_hop: &mut Target,
        info: &RequestInfo<'_>,
    ) {
        let _ = (now, request, next_hop, info);
    }

    /// A response about to be forwarded upstream. `request` is the request
    /// it answers as the proxy received it, or `None` for a response
    /// forwarded statelessly (no transaction matched it, §16.7).
    fn on_response(&mut self, now: Instant, request: Option<&Message>, response: &mut Message) {
        let _ = (now, request, response);
    }

    /// The address of `uri`, whose host is a name the proxy has no static
    /// route for; `None` leaves it to the default route.
    fn locate(&mut self, now: Instant, uri: &Uri) -> Option<Target> {
        let _ = (now, uri);
        None
    }

    /// The wall-clock date for the Date header of the registrar's 200
    /// (§10.3 step 8: "The response SHOULD include a Date header field").
    /// The sans-IO proxy reads no clock, so the driver answers here;
    /// `None` sends the 200 without a Date.
    fn date(&mut self, now: Instant) -> Option<Date> {
        let _ = now;
        None
    }
}

/// Hooks that do nothing: plain RFC 3261 §16 behavior.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoHooks;

impl ProxyHooks for NoHooks {}
