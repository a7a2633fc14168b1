//! The driver loop: feeds the core, executes its output, decides nothing.

use std::collections::HashMap;
use std::time::Instant;

use tokio::sync::{mpsc, watch};

use super::sockets::{Inbound, Sockets};
use super::{ClientUpdate, Command, Handle, Received, ServerTransaction, Stats};
use crate::layer::{Event, TransactionLayer, TxId};
use crate::transport::Transmit;

/// How many queued datagrams one wake-up handles before the loop flushes
/// output again.
const BATCH: usize = 64;

/// The clock of the driver: tokio's, so `tokio::time::pause` drives tests.
#[allow(clippy::disallowed_methods)]
fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

pub(super) struct Driver {
    layer: TransactionLayer,
    sockets: Sockets,
    cmd_rx: mpsc::UnboundedReceiver<Command>,
    incoming: mpsc::UnboundedSender<Received>,
    clients: HashMap<TxId, mpsc::UnboundedSender<ClientUpdate>>,
    /// For the server transactions handed out. Weak, so the loop ends
    /// when the user drops every handle.
    cmd_tx: mpsc::WeakUnboundedSender<Command>,
    shutdown: watch::Receiver<bool>,
}

impl Driver {
    pub(super) fn new(
        layer: TransactionLayer,
        sockets: Sockets,
        cmd_tx: mpsc::WeakUnboundedSender<Command>,
        cmd_rx: mpsc::UnboundedReceiver<Command>,
        incoming: mpsc::UnboundedSender<Received>,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        Self {
            layer,
            sockets,
            cmd_rx,
            incoming,
            clients: HashMap::new(),
            cmd_tx,
            shutdown,
        }
    }

    pub(super) async fn run(mut self) {
        loop {
            self.flush().await;
            let deadline = self
                .layer
                .poll_timeout()
                .map(tokio::time::Instant::from_std);
            let sleep = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                Some(inbound) = self.sockets.recv() => {
                    let t = now();
                    self.inbound(t, inbound);
                    for _ in 1..BATCH {
                        match self.sockets.try_recv() {
                            Some(inbound) => self.inbound(t, inbound),
                            None => break,
                        }
                    }
                }
                cmd = self.cmd_rx.recv() => match cmd {
                    Some(cmd) => self.command(cmd),
                    None => return, // every handle was dropped
                },
                _ = sleep => {}
                _ = self.shutdown.changed() => return,
            }
            // A sleep can wake early or late; the layer checks the clock
            // itself and fires only what is due (quinn's drive_timer).
            self.layer.handle_timeout(now());
        }
    }

    fn inbound(&mut self, t: Instant, inbound: Inbound) {
        match inbound {
            Inbound::Message(source, data) => self.layer.handle(t, source, data),
            Inbound::Unreachable(target) => self.layer.handle_transport_error(t, target),
        }
    }

    fn command(&mut self, cmd: Command) {
        let t = now();
        match cmd {
            Command::Request {
                request,
                target,
                updates,
                reply,
            } => {
                let r = self.layer.send_request(t, request, target);
                if let Ok(id) = r {
                    self.clients.insert(id, updates);
                }
                let _ = reply.send(r);
            }
            Command::Cancel {
                invite,
                updates,
                reply,
            } => {
                let r = self.layer.send_cancel(t, invite);
                if let Ok(id) = r {
                    self.clients.insert(id, updates);
                }
                let _ = reply.send(r);
            }
            Command::Respond {
                id,
                response,
                reply,
            } => {
                let _ = reply.send(self.layer.send_response(t, id, response));
            }
            Command::Stateless {
                request,
                target,
                reply,
            } => {
                let _ = reply.send(self.layer.send_stateless(t, request, target));
            }
            Command::StatelessResponse { response, reply } => {
                let _ = reply.send(self.layer.send_stateless_response(t, response));
            }
            Command::SentBy { host, reply } => {
                self.layer.set_sent_by_host(host);
                let _ = reply.send(());
            }
            Command::Stats { reply } => {
                let _ = reply.send(Stats {
                    transactions: self.layer.len(),
                    connections: self.sockets.connections(),
                    layer: self.layer.stats(),
                });
            }
        }
    }

    /// Executes the layer's output: transmits onto sockets, events into
    /// channels.
    async fn flush(&mut self) {
        loop {
            while let Some(t) = self.layer.poll_transmit() {
                self.transmit(t).await;
            }
            let mut any = false;
            while let Some(ev) = self.layer.poll_event() {
                any = true;
                self.event(ev);
            }
            if !any {
                return;
            }
        }
    }

    async fn transmit(&mut self, t: Transmit) {
        if self.sockets.send(&t).await.is_err() {
            self.layer.handle_transport_error(now(), t.target);
        }
    }

    fn event(&mut self, ev: Event) {
        let to_client = |clients: &HashMap<TxId, _>, id: &TxId, u: ClientUpdate| {
            if let Some(tx) = clients.get(id) {
                let tx: &mpsc::UnboundedSender<ClientUpdate> = tx;
                let _ = tx.send(u);
                true
            } else {
                false
            }
        };
        match ev {
            Event::Request(inc) => {
                let Some(cmd) = self.cmd_tx.upgrade() else {
                    return;
                };
                let _ = self.incoming.send(Received::Request(ServerTransaction {
                    id: inc.id,
                    request: inc.request,
                    source: inc.source,
                    cancels: inc.cancels,
                    handle: Handle { cmd },
                }));
            }
            Event::Response { id, response } => {
                to_client(&self.clients, &id, ClientUpdate::Response(response));
            }
            Event::TimedOut { id } => {
                if !to_client(&self.clients, &id, ClientUpdate::TimedOut) {
                    let _ = self.incoming.send(Received::ServerFailed { id });
                }
            }
            Event::TransportError { id } => {
                if !to_client(&self.clients, &id, ClientUpdate::TransportError) {
                    let _ = self.incoming.send(Received::ServerFailed { id });
                }
            }
            Event::Ack { id, ack, source } => {
                let _ = self.incoming.send(Received::Ack { id, ack, source });
            }
            Event::StrayResponse { response, source } => {
                let _ = self
                    .incoming
                    .send(Received::StrayResponse { response, source });
            }
            Event::Terminated { id } => {
                // Dropping the sender ends the handle's stream.
                self.clients.remove(&id);
            }
            Event::Malformed { .. } => {}
        }
    }
}
