//! The driver loop: feeds the core, executes its output, decides nothing.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::{mpsc, watch};

use super::tcp::{ConnEvent, Connections, TcpConfig};
use super::{ClientUpdate, Command, Handle, Received, ServerTransaction, Stats};
use crate::layer::{Event, Source, TransactionLayer, TxId};
use crate::transport::{Target, Transmit, Transport};

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
    /// Each UDP socket with its local address, read once at start: asking
    /// the socket on every send costs a `getsockname` system call per
    /// datagram.
    udp: Vec<(Option<SocketAddr>, Arc<UdpSocket>)>,
    tcp: Option<Vec<TcpListener>>,
    conns: Connections,
    net_rx: mpsc::Receiver<(Source, Bytes)>,
    net_tx: mpsc::Sender<(Source, Bytes)>,
    conn_rx: mpsc::UnboundedReceiver<ConnEvent>,
    cmd_rx: mpsc::UnboundedReceiver<Command>,
    incoming: mpsc::UnboundedSender<Received>,
    clients: HashMap<TxId, mpsc::UnboundedSender<ClientUpdate>>,
    /// For the server transactions handed out. Weak, so the loop ends
    /// when the user drops every handle.
    cmd_tx: mpsc::WeakUnboundedSender<Command>,
    shutdown: watch::Receiver<bool>,
}

impl Driver {
    #[allow(clippy::too_many_arguments)] // private; the channels of one driver
    pub(super) fn new(
        layer: TransactionLayer,
        udp: Vec<Arc<UdpSocket>>,
        tcp: Vec<TcpListener>,
        tcp_cfg: TcpConfig,
        cmd_tx: mpsc::WeakUnboundedSender<Command>,
        cmd_rx: mpsc::UnboundedReceiver<Command>,
        incoming: mpsc::UnboundedSender<Received>,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        let (net_tx, net_rx) = mpsc::channel(4096);
        let (conn_tx, conn_rx) = mpsc::unbounded_channel();
        let tcp_locals = layer
            .listeners()
            .iter()
            .filter(|(t, _)| *t == Transport::Tcp)
            .map(|(_, a)| *a)
            .collect();
        let max = layer.config().max_message_size;
        let conns = Connections::new(
            tcp_cfg,
            max,
            net_tx.clone(),
            conn_tx,
            shutdown.clone(),
            tcp_locals,
        );
        let udp = udp.into_iter().map(|s| (s.local_addr().ok(), s)).collect();
        Self {
            layer,
            udp,
            tcp: Some(tcp),
            conns,
            net_rx,
            net_tx,
            conn_rx,
            cmd_rx,
            incoming,
            clients: HashMap::new(),
            cmd_tx,
            shutdown,
        }
    }

    pub(super) async fn run(mut self) {
        for (_, sock) in &self.udp {
            spawn_udp_reader(
                sock.clone(),
                self.net_tx.clone(),
                self.shutdown.clone(),
                self.layer.config().max_message_size,
            );
        }
        for l in self.tcp.take().unwrap_or_default() {
            self.conns.listen(l);
        }
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
                Some((source, data)) = self.net_rx.recv() => {
                    let t = now();
                    self.layer.handle(t, source, data);
                    for _ in 1..BATCH {
                        match self.net_rx.try_recv() {
                            Ok((source, data)) => self.layer.handle(t, source, data),
                            Err(_) => break,
                        }
                    }
                }
                cmd = self.cmd_rx.recv() => match cmd {
                    Some(cmd) => self.command(cmd),
                    None => return, // every handle was dropped
                },
                Some(ev) = self.conn_rx.recv() => self.connection(ev),
                _ = sleep => {}
                _ = self.shutdown.changed() => return,
            }
            // A sleep can wake early or late; the layer checks the clock
            // itself and fires only what is due (quinn's drive_timer).
            self.layer.handle_timeout(now());
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
                    connections: self.conns.len(),
                    layer: self.layer.stats(),
                });
            }
        }
    }

    fn connection(&mut self, ev: ConnEvent) {
        match ev {
            ConnEvent::Accepted { id, remote, writer } => self.conns.accepted(id, remote, writer),
            ConnEvent::Closed { id, remote, failed } => {
                self.conns.closed(id, remote);
                if failed {
                    self.layer
                        .handle_transport_error(now(), Target::tcp(remote));
                }
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
        let ok = match t.target.transport {
            Transport::Udp => {
                let sock = self.udp_socket(t.local, t.target.addr);
                match sock {
                    Some(s) => match s.try_send_to(&t.payload, t.target.addr) {
                        Ok(_) => true,
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            s.send_to(&t.payload, t.target.addr).await.is_ok()
                        }
                        Err(_) => false,
                    },
                    None => false,
                }
            }
            Transport::Tcp => self.conns.send(t.target.addr, t.payload),
        };
        if !ok {
            self.layer.handle_transport_error(now(), t.target);
        }
    }

    fn udp_socket(&self, local: Option<SocketAddr>, to: SocketAddr) -> Option<&Arc<UdpSocket>> {
        let by_local = local.and_then(|l| self.udp.iter().find(|(a, _)| *a == Some(l)));
        by_local
            .or_else(|| {
                self.udp
                    .iter()
                    .find(|(a, _)| a.is_some_and(|a| a.is_ipv4() == to.is_ipv4()))
            })
            .map(|(_, s)| s)
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

/// Reads datagrams from one UDP socket into the core's queue. The one copy
/// of the receive path is here, out of the reused buffer.
fn spawn_udp_reader(
    sock: Arc<UdpSocket>,
    net_tx: mpsc::Sender<(Source, Bytes)>,
    mut shutdown: watch::Receiver<bool>,
    max: usize,
) {
    tokio::spawn(async move {
        let Ok(local) = sock.local_addr() else { return };
        let mut buf = vec![0u8; max.clamp(1500, 65_535)];
        loop {
            let r = tokio::select! {
                r = sock.recv_from(&mut buf) => r,
                _ = shutdown.changed() => return,
            };
            // Linux reports an earlier send's ICMP error on the next
            // receive; it names no transaction, so it is skipped.
            let Ok((n, remote)) = r else { continue };
            let source = Source {
                transport: Transport::Udp,
                remote,
                local,
            };
            if net_tx
                .send((source, Bytes::copy_from_slice(&buf[..n])))
                .await
                .is_err()
            {
                return;
            }
        }
    });
}
