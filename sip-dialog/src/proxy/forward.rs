//! Request forwarding (RFC 3261 §16.6): the copy for each target, its
//! next hop, and the branches of a response context.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Instant;

use sip_message::{HeaderName, MaxForwards, Message, Method, Route, SipUri, Uri};
use sip_transaction::{Source, Target, Transport, TxId};

use super::config::Forking;
use super::context::{Branch, Cancel, Context};
use super::request::{set_routes, Routed};
use super::{Proxy, ProxyTimer};
use crate::auth::CredentialStore;
use crate::registrar::LocationService;

/// One target of the target set (§16.5).
#[derive(Clone, Debug)]
pub(super) struct Dest {
    /// The URI the copy's Request-URI becomes (§16.6 step 2).
    pub(super) uri: Uri,
    /// Its preference, in thousandths (1000 when it has none).
    pub(super) q: u16,
    /// The Path of its binding (RFC 3327): Route values that lead to it.
    pub(super) path: Vec<String>,
    /// Where its binding's REGISTER came from: the next hop when the
    /// contact's host is a name.
    pub(super) source: Option<SocketAddr>,
}

impl Dest {
    /// A target with no binding behind it.
    pub(super) fn new(uri: Uri) -> Self {
        Self {
            uri,
            q: 1000,
            path: Vec::new(),
            source: None,
        }
    }
}

/// The URI the next hop is located from (§16.6 step 7).
#[derive(Clone, Debug)]
pub(super) struct Hop {
    pub(super) uri: Uri,
    /// Whether it is the target's own URI (no Route, no strict router).
    pub(super) is_dest: bool,
}

/// Why a copy could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Unroutable;

/// §16.6 steps 1-6 for one target: the copy of `base` to send, and the
/// URI whose address is the next hop.
pub(super) fn build_copy(
    base: &Message,
    dest: &Dest,
    record_route: Option<&str>,
) -> Result<(Message, Hop), Unroutable> {
    // Step 1: "The proxy starts with a copy of the received request."
    let mut copy = base.clone();
    // Step 2: "The Request-URI in the copy's start line MUST be replaced
    // with the URI for this target."
    if copy.request_uri_str() != Some(dest.uri.as_str()) {
        copy.set_request_uri(&dest.uri);
    }
    // Step 3: "If the copy contains a Max-Forwards header field, the proxy
    // MUST decrement its value by one (1). If the copy does not contain a
    // Max-Forwards header field, the proxy MUST add one with a field value,
    // which SHOULD be 70."
    match copy.typed_opt::<MaxForwards>() {
        Ok(Some(MaxForwards(n))) => {
            copy.set_header(HeaderName::MaxForwards, &n.saturating_sub(1).to_string())
        }
        Ok(None) => copy.push_header(HeaderName::MaxForwards, "70"),
        Err(_) => return Err(Unroutable),
    }
    // Step 4: "it MUST insert a Record-Route header field value into the
    // copy before any existing Record-Route header field values".
    if let Some(rr) = record_route {
        copy.prepend_header(HeaderName::RecordRoute, rr);
    }
    // Step 5/6: the binding's Path (RFC 3327 §5.5: the proxy "MUST insert
    // ... the Path header field values ... as Route header field values"),
    // first value on top.
    for p in dest.path.iter().rev() {
        copy.prepend_header(HeaderName::Route, p);
    }
    // Step 6: "If the copy contains a Route header field, the proxy MUST
    // inspect the URI in its first value. If that URI does not contain an
    // lr parameter, the proxy MUST modify the copy as follows: The proxy
    // MUST place the Request-URI into the Route header field as the last
    // value. The proxy MUST then place the first Route header field value
    // into the Request-URI and remove that value from the Route header
    // field."
    let routes: Vec<Route> = copy
        .typed_all::<Route>()
        .collect::<Result<_, _>>()
        .map_err(|_| Unroutable)?;
    let Some(top) = routes.first() else {
        return Ok((
            copy,
            Hop {
                uri: dest.uri.clone(),
                is_dest: true,
            },
        ));
    };
    let loose = top.uri().as_sip().is_none_or(SipUri::lr);
    if loose {
        // Step 7: "the proxy MUST apply the procedures to the first value in
        // the Route header field, if present".
        let uri = top.uri().clone();
        return Ok((
            copy,
            Hop {
                uri,
                is_dest: false,
            },
        ));
    }
    let ruri = format!("<{}>", copy.request_uri_str().unwrap_or_default());
    let strict = top.uri().clone();
    let mut rest: Vec<&str> = routes[1..].iter().map(|r| r.as_str()).collect();
    rest.push(&ruri);
    set_routes(&mut copy, &rest);
    copy.set_request_uri(&strict);
    // Step 7: "If the proxy has reformatted the request to send to a
    // strict-routing element ..., the proxy MUST apply those procedures to
    // the Request-URI of the request."
    Ok((
        copy,
        Hop {
            uri: strict,
            is_dest: false,
        },
    ))
}

/// The address of a URI with a numeric host or `maddr`: port from the URI
/// (else 5060, 5061 for SIPS), transport from its `transport` parameter
/// (else UDP, TCP for SIPS). `None` for a name or an unsupported transport.
pub(super) fn numeric_target(sip: &SipUri) -> Option<Target> {
    let ip = match sip.maddr() {
        Some(m) => super::parse_ip(m)?,
        None => sip.ip()?,
    };
    let port = sip
        .port()
        .unwrap_or(if sip.is_secure() { 5061 } else { 5060 });
    let transport = match sip.transport() {
        Some(t) => Transport::parse(t)?,
        None if sip.is_secure() => Transport::Tcp,
        None => Transport::Udp,
    };
    Some(Target {
        transport,
        addr: SocketAddr::new(ip, port),
    })
}

impl<L: LocationService, S: CredentialStore> Proxy<L, S> {
    /// §16.6 step 7 without DNS: the numeric host or `maddr`; a binding's
    /// source address when its contact is a name; a static route; the
    /// [`locate`](super::ProxyHooks::locate) hook; the default route.
    pub(super) fn next_hop(
        &mut self,
        now: Instant,
        uri: &Uri,
        binding_source: Option<SocketAddr>,
    ) -> Option<Target> {
        let sip = uri.as_sip()?;
        if let Some(t) = numeric_target(sip) {
            return Some(t);
        }
        if let Some(addr) = binding_source {
            let transport = sip
                .transport()
                .and_then(Transport::parse)
                .unwrap_or(Transport::Udp);
            return Some(Target { transport, addr });
        }
        if let Some(t) = self.cfg.route_for(sip.host()) {
            return Some(t);
        }
        if let Some(t) = self.hooks.locate(now, uri) {
            return Some(t);
        }
        self.cfg.default_route
    }

    /// Creates the response context of a request and starts its first
    /// branches.
    pub(super) fn start_context(
        &mut self,
        now: Instant,
        server: TxId,
        request: Message,
        source: Source,
        routed: Routed,
        mut dests: Vec<Dest>,
    ) {
        let method = request.method().cloned().unwrap_or(Method::Options);
        let invite = method == Method::Invite;
        if invite {
            // §16.2: "The proxy core MUST behave as a UAS with respect to
            // sending an immediate provisional on that server transaction
            // (such as 100 Trying)"; "a stateful proxy SHOULD NOT generate
            // 100 (Trying) responses to non-INVITE requests".
            if let Some(trying) = request
                .response_to(100, None)
                .ok()
                .and_then(|b| b.build().ok())
            {
                let _ = self.layer.send_response(now, server, trying);
            }
        }
        dests.truncate(self.cfg.max_branches);
        let groups: VecDeque<Vec<Dest>> = match self.cfg.forking {
            Forking::Parallel => VecDeque::from([dests]),
            Forking::Sequential => {
                // §16.6: "Targets are processed from highest qvalue to
                // lowest. Targets with equal qvalues may be processed in
                // parallel." (A stable sort keeps the lookup's order.)
                dests.sort_by_key(|d| std::cmp::Reverse(d.q));
                let mut groups: VecDeque<Vec<Dest>> = VecDeque::new();
                for d in dests {
                    match groups.back_mut() {
                        Some(g) if g[0].q == d.q => g.push(d),
                        _ => groups.push_back(vec![d]),
                    }
                }
                groups
            }
        };
        // §16.6 step 4: only a request that may create a dialog is
        // record-routed (REGISTER never does).
        let record_route =
            (self.cfg.record_route && !routed.in_dialog && method != Method::Register)
                .then(|| self.record_route_value());
        if let Some(key) = routed.loop_key {
            self.loops.insert(key, server);
        }
        let to_tag = self.layer.ids().tag();
        let ctx = Context {
            request,
            base: routed.base,
            source,
            user: routed.user,
            responsible: routed.responsible,
            in_dialog: routed.in_dialog,
            invite,
            record_route,
            to_tag,
            loop_key: routed.loop_key,
            branches: Vec::new(),
            groups,
            group: 0,
            responses: Vec::new(),
            final_sent: false,
            stop: false,
            server_gone: false,
        };
        self.contexts.insert(server, ctx);
        self.advance(now, server);
    }

    /// Starts the next group of targets (all of them when forking in
    /// parallel).
    pub(super) fn start_group(&mut self, now: Instant, key: TxId) {
        let Some(ctx) = self.contexts.get_mut(&key) else {
            return;
        };
        let Some(group) = ctx.groups.pop_front() else {
            return;
        };
        ctx.group += 1;
        let (number, more, invite) = (ctx.group, !ctx.groups.is_empty(), ctx.invite);
        for dest in group {
            self.start_branch(now, key, dest, number);
        }
        if let (true, true, Some(d)) = (more, invite, self.cfg.sequential_timeout) {
            self.schedule(
                now + d,
                ProxyTimer::Group {
                    ctx: key,
                    group: number,
                },
            );
        }
    }

    /// §16.6 for one target: build the copy, find the next hop, let the
    /// hooks see it, send it in a new client transaction, set Timer C. A
    /// target that cannot be sent to is a branch already answered: 408
    /// when no address was found (step 7), 503 when the layer refused it
    /// (§16.9).
    fn start_branch(&mut self, now: Instant, key: TxId, dest: Dest, group: u32) {
        let Some(mut ctx) = self.contexts.remove(&key) else {
            return;
        };
        let index = ctx.branches.len();
        let sent = (|| {
            let (mut copy, hop) =
                build_copy(&ctx.base, &dest, ctx.record_route.as_deref()).map_err(|_| 400u16)?;
            let hint = if hop.is_dest { dest.source } else { None };
            let mut target = self.next_hop(now, &hop.uri, hint).ok_or(408u16)?;
            self.hooks
                .on_forward(now, &mut copy, &mut target, &ctx.info());
            // Steps 8-10: the layer adds our Via with a fresh branch and a
            // Content-Length, and runs the client transaction.
            self.layer
                .send_request(now, copy, target)
                .map_err(|_| 503u16)
        })();
        let mut branch = Branch {
            tx: None,
            group,
            provisional: false,
            done: false,
            cancel: Cancel::None,
            terminated: false,
            timer_gen: 0,
        };
        match sent {
            Ok(tx) => {
                self.stats.branches += 1;
                branch.tx = Some(tx);
                self.branches.insert(tx, (key, index));
                if ctx.invite {
                    // Step 11: "Timer C MUST be set for each client
                    // transaction when an INVITE request is proxied."
                    self.schedule(
                        now + self.cfg.timer_c,
                        ProxyTimer::C {
                            ctx: key,
                            branch: index,
                            gen: 0,
                        },
                    );
                }
            }
            Err(code) => {
                branch.done = true;
                branch.terminated = true;
                ctx.store_synthetic(code);
            }
        }
        ctx.branches.push(branch);
        self.contexts.insert(key, ctx);
    }
}
