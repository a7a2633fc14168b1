//! Response contexts (RFC 3261 §16.6, §16.7): the branches of a request,
//! the responses they brought, Timer C (§16.8), CANCEL (§16.10) and the
//! choice of the best final response.

use std::collections::VecDeque;
use std::time::Instant;

use sip_message::{HeaderName, Message};
use sip_transaction::{SendError, Source, TxId};

use super::forward::Dest;
use super::hooks::RequestInfo;
use super::{build_response, Proxy, ProxyTimer};
use crate::auth::CredentialStore;
use crate::registrar::LocationService;

/// Whether a branch has been, or is to be, cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Cancel {
    None,
    /// §9.1: "If no provisional response has been received, the CANCEL
    /// request MUST NOT be sent; rather, the client MUST wait for the
    /// arrival of a provisional response".
    Wanted,
    Sent,
}

/// One client transaction of a response context.
#[derive(Debug)]
pub(super) struct Branch {
    /// Its client transaction (`None` when it could not be sent).
    pub(super) tx: Option<TxId>,
    /// The sequential-forking group it belongs to (1 for the first).
    pub(super) group: u32,
    pub(super) provisional: bool,
    /// A final response arrived, or one was synthesized (timeout,
    /// transport error, Timer C, CANCEL before any provisional).
    pub(super) done: bool,
    pub(super) cancel: Cancel,
    /// Its client transaction is over (or we stopped waiting for it).
    pub(super) terminated: bool,
    /// Bumped when Timer C is reset, so older firings are void.
    pub(super) timer_gen: u32,
}

/// A final response of the response context, as it would go upstream (our
/// Via removed).
#[derive(Debug)]
pub(super) struct Stored {
    pub(super) response: Message,
    /// Made by the proxy (408 for a timeout, 503 for a transport error,
    /// 487 for a branch cancelled before it answered), not received.
    pub(super) synthetic: bool,
}

/// The response context of §16.6: "a mechanism to maintain the target set
/// as responses are received and associate the responses to each
/// forwarded request with the original request".
#[derive(Debug)]
pub(super) struct Context {
    /// The request as received: our own responses are built from it.
    pub(super) request: Message,
    /// The request after §16.4 and the hooks: every branch copies it.
    pub(super) base: Message,
    pub(super) source: Source,
    pub(super) user: Option<String>,
    pub(super) responsible: bool,
    pub(super) in_dialog: bool,
    pub(super) invite: bool,
    /// The Record-Route value to insert, when record-routing.
    pub(super) record_route: Option<String>,
    /// Our To tag for the responses we generate.
    pub(super) to_tag: String,
    pub(super) loop_key: Option<[u8; 16]>,
    pub(super) branches: Vec<Branch>,
    /// Sequential forking: the groups not started yet.
    pub(super) groups: VecDeque<Vec<Dest>>,
    /// The number of the last group started.
    pub(super) group: u32,
    /// Final responses received or synthesized, in order.
    pub(super) responses: Vec<Stored>,
    /// A final response went upstream (a 2xx, or the best one).
    pub(super) final_sent: bool,
    /// No new branch may start (a 2xx or 6xx arrived, or a CANCEL).
    pub(super) stop: bool,
    /// The server transaction has ended.
    pub(super) server_gone: bool,
}

impl Context {
    /// The request as the hooks see it.
    pub(super) fn info(&self) -> RequestInfo<'_> {
        RequestInfo {
            source: self.source,
            user: self.user.as_deref(),
            responsible: self.responsible,
            in_dialog: self.in_dialog,
        }
    }

    /// Stores a response of our own making for a branch that ended without
    /// one.
    pub(super) fn store_synthetic(&mut self, code: u16) {
        if let Some(response) = build_response(&self.request, code, &self.to_tag, &[]) {
            self.responses.push(Stored {
                response,
                synthetic: true,
            });
        }
    }
}

impl<L: LocationService, S: CredentialStore> Proxy<L, S> {
    /// A response from a branch's client transaction (§16.7).
    pub(super) fn on_response(&mut self, now: Instant, tx: TxId, mut response: Message) {
        if self.cancels.contains(&tx) {
            // The answer to one of our CANCELs: after removing our Via none
            // is left, so "the response was meant for this element" (step 3).
            return;
        }
        let status = response.status().unwrap_or(0);
        // Step 1: "Find the appropriate response context".
        let Some(&(key, index)) = self.branches.get(&tx) else {
            // A branch we stopped waiting for: its 2xx still goes upstream.
            if (200..300).contains(&status) {
                self.on_stray_response(now, response);
            }
            return;
        };
        // Step 3: "The proxy removes the topmost Via header field value from
        // the response. If no Via header field values remain in the
        // response, the response was meant for this element and MUST NOT be
        // forwarded."
        response.remove_first_value(&HeaderName::Via);
        if !response.has_header(&HeaderName::Via) {
            return;
        }
        let Some(mut ctx) = self.contexts.remove(&key) else {
            return;
        };
        let invite = ctx.invite;
        match status {
            100..=199 => {
                let b = &mut ctx.branches[index];
                b.provisional = true;
                if b.cancel == Cancel::Wanted {
                    self.send_cancel(now, key, &mut ctx, index);
                }
                let b = &mut ctx.branches[index];
                // Step 5: "Any provisional response other than 100 (Trying)"
                // is forwarded; "a stateful proxy MUST NOT forward any 100".
                if status > 100 && !b.done {
                    if invite {
                        // Step 2: "if the response is a provisional response
                        // with status codes 101 to 199 inclusive ..., the
                        // proxy MUST reset timer C for that client
                        // transaction."
                        b.timer_gen += 1;
                        let gen = b.timer_gen;
                        self.schedule(
                            now + self.cfg.timer_c,
                            ProxyTimer::C {
                                ctx: key,
                                branch: index,
                                gen,
                            },
                        );
                    }
                    if !ctx.final_sent {
                        self.forward_upstream(now, key, &mut ctx, response);
                    }
                }
            }
            200..=299 => {
                let b = &mut ctx.branches[index];
                b.done = true;
                b.timer_gen += 1;
                // Step 5: "Any 2xx response" is forwarded at once, and after
                // a final response "Any 2xx response to an INVITE request".
                if invite || !ctx.final_sent {
                    self.forward_upstream(now, key, &mut ctx, response);
                }
                ctx.final_sent = true;
                ctx.stop = true;
                // Step 10: "If the forwarded response was a final response,
                // the proxy MUST generate a CANCEL request for all pending
                // client transactions associated with this response context."
                self.cancel_pending(now, key, &mut ctx);
            }
            _ => {
                let b = &mut ctx.branches[index];
                // A branch already counted as answered (Timer C, CANCEL)
                // keeps that answer: this one is the 487 our CANCEL caused.
                if !b.done {
                    b.done = true;
                    b.timer_gen += 1;
                    // Step 4: "Final responses received are stored in the
                    // response context". 3xx are not recursed on: they go
                    // upstream as the best response and the UAC recurses
                    // (§8.1.3.4).
                    ctx.responses.push(Stored {
                        response,
                        synthetic: false,
                    });
                    if status >= 600 {
                        // Step 5: "If a 6xx response is received, ... the
                        // stateful proxy SHOULD cancel all client pending
                        // transactions ..., and it MUST NOT create any new
                        // branches in this context."
                        ctx.stop = true;
                        self.cancel_pending(now, key, &mut ctx);
                    }
                }
            }
        }
        self.contexts.insert(key, ctx);
        self.advance(now, key);
    }

    /// A branch's client transaction timed out (408) or failed to send
    /// (503, §16.9), or the server transaction did (nothing to do: §16.9,
    /// "If the proxy is notified of an error when forwarding a response, it
    /// drops the response").
    pub(super) fn on_branch_failure(&mut self, now: Instant, tx: TxId, code: u16) {
        if self.cancels.remove(&tx) {
            return;
        }
        let Some(&(key, index)) = self.branches.get(&tx) else {
            return;
        };
        if let Some(ctx) = self.contexts.get_mut(&key) {
            let b = &mut ctx.branches[index];
            if !b.done {
                b.done = true;
                b.timer_gen += 1;
                ctx.store_synthetic(code);
            }
        }
        self.advance(now, key);
    }

    /// §16.8: "If timer C should fire, the proxy MUST either reset the
    /// timer with any value it chooses, or terminate the client
    /// transaction. If the client transaction has received a provisional
    /// response, the proxy MUST generate a CANCEL request matching that
    /// transaction. If the client transaction has not received a
    /// provisional response, the proxy MUST behave as if the transaction
    /// received a 408 (Request Timeout) response."
    ///
    /// Either way the branch counts as having answered 408: the 487 the
    /// CANCEL brings back is our own doing, not the callee's answer, and a
    /// caller whose call rang out is told 408, as deployed proxies do.
    pub(super) fn on_timer_c(&mut self, now: Instant, key: TxId, index: usize, gen: u32) {
        let Some(mut ctx) = self.contexts.remove(&key) else {
            return;
        };
        if ctx
            .branches
            .get(index)
            .is_some_and(|b| !b.done && b.timer_gen == gen)
        {
            self.expire_branch(now, key, &mut ctx, index);
        }
        self.contexts.insert(key, ctx);
        self.advance(now, key);
    }

    /// Sequential forking: the current group rang for
    /// [`sequential_timeout`](super::ProxyConfig::sequential_timeout); its
    /// branches end as if Timer C fired, and the next group starts.
    pub(super) fn on_group_timeout(&mut self, now: Instant, key: TxId, group: u32) {
        let Some(mut ctx) = self.contexts.remove(&key) else {
            return;
        };
        if ctx.group == group && !ctx.final_sent {
            for index in 0..ctx.branches.len() {
                if ctx.branches[index].group == group && !ctx.branches[index].done {
                    self.expire_branch(now, key, &mut ctx, index);
                }
            }
        }
        self.contexts.insert(key, ctx);
        self.advance(now, key);
    }

    fn expire_branch(&mut self, now: Instant, key: TxId, ctx: &mut Context, index: usize) {
        let b = &mut ctx.branches[index];
        b.done = true;
        b.timer_gen += 1;
        let provisional = b.provisional;
        ctx.store_synthetic(408);
        if provisional {
            self.send_cancel(now, key, ctx, index);
        } else if ctx.branches[index].cancel == Cancel::None {
            // Should it ever ring, it is cancelled then.
            ctx.branches[index].cancel = Cancel::Wanted;
        }
    }

    /// §9.1: "If there is no final response for the original request in
    /// 64*T1 seconds ..., the client SHOULD then consider the original
    /// transaction cancelled and SHOULD destroy the client transaction".
    /// The layer keeps its transaction; the context stops waiting for it.
    pub(super) fn on_give_up(&mut self, now: Instant, key: TxId, index: usize) {
        let Some(ctx) = self.contexts.get_mut(&key) else {
            return;
        };
        let Some(b) = ctx.branches.get_mut(index) else {
            return;
        };
        if b.terminated {
            return;
        }
        b.terminated = true;
        let tx = b.tx;
        if !b.done {
            b.done = true;
            ctx.store_synthetic(487);
        }
        if let Some(tx) = tx {
            self.branches.remove(&tx);
        }
        self.advance(now, key);
    }

    /// §16.10: the CANCEL of the request of context `key` arrived. Branches
    /// that have rung are cancelled and their 487 awaited; those that have
    /// not count as 487 at once (their CANCEL waits for a provisional,
    /// §9.1), so a caller whose INVITE reached no one is answered now.
    pub(super) fn cancel_context(&mut self, now: Instant, key: TxId) {
        let Some(mut ctx) = self.contexts.remove(&key) else {
            return;
        };
        ctx.stop = true;
        ctx.groups.clear();
        if ctx.invite {
            for index in 0..ctx.branches.len() {
                let b = &mut ctx.branches[index];
                if !b.done && !b.provisional {
                    b.done = true;
                    b.timer_gen += 1;
                    b.cancel = Cancel::Wanted;
                    ctx.store_synthetic(487);
                }
            }
            self.cancel_pending(now, key, &mut ctx);
        }
        self.contexts.insert(key, ctx);
        self.advance(now, key);
    }

    /// §16.7 step 10: a CANCEL for every pending INVITE branch: "A pending
    /// client transaction is one that has received a provisional response,
    /// but no final response ... and has not had an associated CANCEL
    /// generated for it." Those without a provisional get theirs when one
    /// arrives.
    pub(super) fn cancel_pending(&mut self, now: Instant, key: TxId, ctx: &mut Context) {
        if !ctx.invite {
            // §9.1: "A CANCEL request SHOULD NOT be sent to cancel a request
            // other than INVITE."
            return;
        }
        for index in 0..ctx.branches.len() {
            let b = &ctx.branches[index];
            // A branch that is done has its real final response, or was
            // given a synthetic one and its CANCEL is already handled.
            if b.done || b.terminated || b.cancel == Cancel::Sent || b.tx.is_none() {
                continue;
            }
            if b.provisional {
                self.send_cancel(now, key, ctx, index);
            } else {
                ctx.branches[index].cancel = Cancel::Wanted;
            }
        }
    }

    fn send_cancel(&mut self, now: Instant, key: TxId, ctx: &mut Context, index: usize) {
        let b = &mut ctx.branches[index];
        let Some(tx) = b.tx else { return };
        match self.layer.send_cancel(now, tx) {
            Ok(c) => {
                b.cancel = Cancel::Sent;
                self.cancels.insert(c);
                self.stats.cancels += 1;
                let wait = self.layer.config().timers.timeout();
                self.schedule(
                    now + wait,
                    ProxyTimer::GiveUp {
                        ctx: key,
                        branch: index,
                    },
                );
            }
            // A final response is already in: nothing to cancel.
            Err(SendError::NotCancellable) if b.provisional => b.cancel = Cancel::Sent,
            Err(_) => b.cancel = Cancel::Wanted,
        }
    }

    /// Moves the context on: starts the next group when the current one
    /// failed, or sends the best final response once every branch is done
    /// (§16.7 step 6: "A stateful proxy MUST send a final response to a
    /// response context's server transaction if no final responses have
    /// been immediately forwarded by the above rules and all client
    /// transactions in this response context have been terminated"; a
    /// branch counts as terminated here once it has its final response).
    /// Forgets the context once everything is over.
    pub(super) fn advance(&mut self, now: Instant, key: TxId) {
        loop {
            let Some(ctx) = self.contexts.get(&key) else {
                return;
            };
            if ctx.final_sent {
                break;
            }
            if ctx.branches.iter().any(|b| !b.done) {
                return;
            }
            if !ctx.stop && !ctx.groups.is_empty() {
                self.start_group(now, key);
                continue;
            }
            let Some(mut ctx) = self.contexts.remove(&key) else {
                return;
            };
            let best = best_response(&ctx.responses, &ctx.request, &ctx.to_tag);
            ctx.final_sent = true;
            if let Some(best) = best {
                self.forward_upstream(now, key, &mut ctx, best);
            }
            self.cancel_pending(now, key, &mut ctx);
            self.contexts.insert(key, ctx);
            break;
        }
        self.cleanup(key);
    }

    /// Steps 7-9 (aggregation is done by [`best_response`]): the hooks,
    /// then the server transaction, or the transport when it is gone
    /// ("If the server transaction is no longer available to handle the
    /// transmission, the element MUST forward the response statelessly").
    fn forward_upstream(
        &mut self,
        now: Instant,
        key: TxId,
        ctx: &mut Context,
        mut response: Message,
    ) {
        self.hooks
            .on_response(now, Some(&ctx.request), &mut response);
        let sent = if ctx.server_gone {
            Err(SendError::NoSuchTransaction)
        } else {
            self.layer.send_response(now, key, response.clone())
        };
        let is_2xx = response.status().is_some_and(|s| (200..300).contains(&s));
        match sent {
            Ok(()) => self.stats.responses_forwarded += 1,
            Err(SendError::NoSuchTransaction) => {
                ctx.server_gone = true;
                if self.layer.send_stateless_response(now, response).is_ok() {
                    self.stats.stateless += 1;
                }
            }
            // A 2xx after our non-2xx final response (it crossed a CANCEL):
            // the server transaction refuses it, but "Any 2xx response to an
            // INVITE request" MUST still be forwarded, so it goes by the
            // transport, to the caller that will acknowledge and end it.
            Err(SendError::InvalidResponse(_)) if is_2xx && ctx.invite => {
                if self.layer.send_stateless_response(now, response).is_ok() {
                    self.stats.stateless += 1;
                }
            }
            // Anything else the state refuses (a provisional or second
            // final after the final response) is dropped.
            Err(_) => {}
        }
    }

    /// A transaction ended: a branch's (the context may be over) or a
    /// server's.
    pub(super) fn on_terminated(&mut self, tx: TxId) {
        self.cancels.remove(&tx);
        if let Some((key, index)) = self.branches.remove(&tx) {
            if let Some(ctx) = self.contexts.get_mut(&key) {
                if let Some(b) = ctx.branches.get_mut(index) {
                    b.terminated = true;
                }
            }
            self.cleanup(key);
        }
        if let Some(ctx) = self.contexts.get_mut(&tx) {
            ctx.server_gone = true;
            self.cleanup(tx);
        }
    }

    /// §16.7 step 9: "The proxy MUST maintain the response context until
    /// all of its associated transactions have been terminated, even after
    /// forwarding a final response."
    fn cleanup(&mut self, key: TxId) {
        let over = self.contexts.get(&key).is_some_and(|ctx| {
            (ctx.final_sent || ctx.server_gone) && ctx.branches.iter().all(|b| b.terminated)
        });
        if !over {
            return;
        }
        if let Some(ctx) = self.contexts.remove(&key) {
            if let Some(k) = ctx.loop_key {
                if self.loops.get(&k) == Some(&key) {
                    self.loops.remove(&k);
                }
            }
        }
    }
}

/// §16.7 step 6 and 7: the best final response among `stored`, with the
/// challenges of the others when it is a 401 or 407; `None` when there is
/// the response cannot be built.
///
/// "If there are no final responses in the context, the proxy MUST send a
/// 408 (Request Timeout) response". "It MUST choose from the 6xx class
/// responses if any exist in the context. If no 6xx class responses are
/// present, the proxy SHOULD choose from the lowest response class stored
/// in the response context. ... The proxy SHOULD give preference to
/// responses that provide information affecting resubmission of this
/// request, such as 401, 407, 415, 420, and 484 if the 4xx class is
/// chosen." Within a class, a received response is preferred to one the
/// proxy made up, then the earliest. A chosen 503 goes upstream as 500:
/// "If the only response that was received is a 503, the proxy SHOULD
/// generate a 500 response and forward that upstream."
pub(super) fn best_response(stored: &[Stored], request: &Message, to_tag: &str) -> Option<Message> {
    let status = |s: &Stored| s.response.status().unwrap_or(500);
    if stored.is_empty() {
        return build_response(request, 408, to_tag, &[]);
    }
    let pick = match stored.iter().find(|s| status(s) >= 600) {
        Some(six) => six,
        None => {
            let class = stored.iter().map(|s| status(s) / 100).min()?;
            stored
                .iter()
                .enumerate()
                .filter(|(_, s)| status(s) / 100 == class)
                .min_by_key(|(i, s)| {
                    let resubmit = matches!(status(s), 401 | 407 | 415 | 420 | 484);
                    (!resubmit, s.synthetic, *i)
                })
                .map(|(_, s)| s)?
        }
    };
    let code = status(pick);
    if code == 503 {
        return build_response(request, 500, to_tag, &[]);
    }
    let mut best = pick.response.clone();
    if matches!(code, 401 | 407) {
        // Step 7: "the proxy MUST collect any WWW-Authenticate and
        // Proxy-Authenticate header field values from all other 401
        // (Unauthorized) and 407 (Proxy Authentication Required) responses
        // received so far in this response context and add them to this
        // response without modification before forwarding."
        for other in stored {
            if std::ptr::eq(other, pick) || !matches!(status(other), 401 | 407) {
                continue;
            }
            for name in [HeaderName::WwwAuthenticate, HeaderName::ProxyAuthenticate] {
                for value in other.response.header_values(&name) {
                    best.push_header(name.clone(), value);
                }
            }
        }
    }
    Some(best)
}
