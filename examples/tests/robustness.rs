//! Bad input against the real `sip-proxy` and `sip-ua` processes: a
//! malformed request gets 400 and the server keeps serving, `Max-Forwards:
//! 0` gets 483, a loop gets 482, an unknown method to the UAS gets 405,
//! and an oversized or slow TCP peer cannot hold the server.
//!
//! Each test starts the binaries Cargo built for this package
//! (`CARGO_BIN_EXE_*`) on 127.0.0.1 and talks to them over blocking std
//! sockets with hand-written requests, so the bytes on the wire are exactly
//! the ones under test. Every process is killed when its test ends.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long a response may take.
const WAIT: Duration = Duration::from_secs(5);
/// How long a program may take to print its `listening on` line.
const STARTUP: Duration = Duration::from_secs(10);

// ------------------------------------------------------------------ processes

/// A running `sip-proxy` or `sip-ua`, killed on drop. Its standard error is
/// collected in the background and printed when a test fails.
struct Server {
    name: &'static str,
    child: Child,
    port: u16,
    stderr: Arc<Mutex<String>>,
    stderr_reader: Option<JoinHandle<()>>,
}

impl Server {
    fn proxy(args: &[&str]) -> Self {
        Self::start("sip-proxy", env!("CARGO_BIN_EXE_sip-proxy"), args)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn ua(args: &[&str]) -> Self {
        Self::start("sip-ua", env!("CARGO_BIN_EXE_sip-ua"), args).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Spawns `path` and waits for its `... listening on ...` line; the
    /// first address on it gives the port.
    fn start(name: &'static str, path: &str, args: &[&str]) -> Result<Self, String> {
        let mut child = Command::new(path)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {path}: {e}"))?;
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr_reader = {
            let log = Arc::clone(&log);
            thread::spawn(move || {
                let mut r = BufReader::new(stderr);
                let mut line = String::new();
                while matches!(r.read_line(&mut line), Ok(n) if n > 0) {
                    log.lock().unwrap().push_str(&line);
                    line.clear();
                }
            })
        };
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            let mut line = String::new();
            let _ = r.read_line(&mut line);
            let _ = tx.send(line);
            // Keep draining so the pipe never fills up.
            let _ = std::io::copy(&mut r, &mut std::io::sink());
        });
        let mut server = Self {
            name,
            child,
            port: 0,
            stderr: log,
            stderr_reader: Some(stderr_reader),
        };
        let line = rx.recv_timeout(STARTUP).unwrap_or_default();
        match parse_listening_port(&line) {
            Some(port) => {
                server.port = port;
                Ok(server)
            }
            None => {
                // Let the reader collect why it did not start.
                let _ = server.child.kill();
                let _ = server.child.wait();
                if let Some(h) = server.stderr_reader.take() {
                    let _ = h.join();
                }
                Err(format!(
                    "{name} {args:?} did not report its port (stdout {line:?}); stderr:\n{}",
                    server.stderr()
                ))
            }
        }
    }

    fn udp(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn assert_alive(&mut self) {
        match self.child.try_wait() {
            Ok(None) => {}
            other => panic!(
                "{} is not running any more ({other:?}); stderr:\n{}",
                self.name,
                self.stderr()
            ),
        }
    }

    /// SIGINT, then the exit status (within 5 s) and everything it wrote to
    /// standard error.
    fn interrupt(&mut self) -> (ExitStatus, String) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-INT", &pid]).status();
        assert!(
            matches!(sent, Ok(s) if s.success()),
            "kill -INT {pid}: {sent:?}"
        );
        let deadline = Instant::now() + Duration::from_secs(5);
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(s)) => break s,
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
                other => panic!(
                    "{} did not exit within 5 s of SIGINT ({other:?}); stderr:\n{}",
                    self.name,
                    self.stderr()
                ),
            }
        };
        if let Some(h) = self.stderr_reader.take() {
            let _ = h.join();
        }
        (status, self.stderr())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if thread::panicking() {
            if let Some(h) = self.stderr_reader.take() {
                let _ = h.join();
            }
            eprintln!(
                "----- {} (port {}) stderr -----\n{}",
                self.name,
                self.port,
                self.stderr()
            );
        }
    }
}

/// The port of the first address of `sip-proxy listening on UDP:IP:PORT
/// TCP:IP:PORT` or `sip-ua listening on IP:PORT`.
fn parse_listening_port(line: &str) -> Option<u16> {
    let (_, rest) = line.split_once("listening on ")?;
    let first = rest.split_whitespace().next()?;
    first.rsplit_once(':')?.1.parse().ok()
}

/// A port free for UDP and TCP on 127.0.0.1 a moment ago.
fn free_port() -> u16 {
    for _ in 0..50 {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("bind UDP");
        let port = udp.local_addr().unwrap().port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no port free for both UDP and TCP");
}

// ------------------------------------------------------------------- messages

fn unique() -> String {
    static N: AtomicU64 = AtomicU64::new(1);
    format!(
        "{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A request written by hand: a start line and headers in order, so tests
/// can break any of them.
#[derive(Clone)]
struct Req {
    start: String,
    headers: Vec<(String, String)>,
    body: String,
    branch: String,
}

impl Req {
    /// A well-formed request from `tester` at `local` over `transport`.
    fn new(method: &str, uri: &str, transport: &str, local: SocketAddr) -> Self {
        let id = unique();
        let branch = format!("z9hG4bK-robust-{id}");
        let to = match uri.split_once(";") {
            Some((u, _)) => u,
            None => uri,
        };
        Self {
            start: format!("{method} {uri} SIP/2.0"),
            headers: vec![
                (
                    "Via".into(),
                    format!("SIP/2.0/{transport} {local};branch={branch};rport"),
                ),
                ("Max-Forwards".into(), "70".into()),
                ("From".into(), "<sip:tester@127.0.0.1>;tag=t1".into()),
                ("To".into(), format!("<{to}>")),
                ("Call-ID".into(), format!("{id}@robustness.test")),
                ("CSeq".into(), format!("1 {method}")),
                ("Content-Length".into(), "0".into()),
            ],
            body: String::new(),
            branch,
        }
    }

    fn start_line(mut self, line: &str) -> Self {
        self.start = line.to_owned();
        self
    }

    /// Replaces the header `name` (keeping its place), or appends it.
    fn set(mut self, name: &str, value: &str) -> Self {
        match self
            .headers
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some(h) => h.1 = value.to_owned(),
            None => self.headers.push((name.to_owned(), value.to_owned())),
        }
        self
    }

    fn remove(mut self, name: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map_or("", |(_, v)| v)
    }

    fn text(&self) -> String {
        let mut s = format!("{}\r\n", self.start);
        for (n, v) in &self.headers {
            s.push_str(&format!("{n}: {v}\r\n"));
        }
        s.push_str("\r\n");
        s.push_str(&self.body);
        s
    }

    /// The ACK for a non-2xx final response to this INVITE (RFC 3261
    /// §17.1.1.3): same branch, the response's To.
    fn ack_for(&self, resp: &Response) -> Self {
        let mut ack = self.clone();
        let uri = self.start.split_whitespace().nth(1).unwrap_or("");
        ack.start = format!("ACK {uri} SIP/2.0");
        ack.set("To", resp.header("To").unwrap_or(""))
            .set("CSeq", "1 ACK")
            .set("Content-Length", "0")
    }
}

/// A response as received.
#[derive(Debug)]
struct Response {
    status: u16,
    text: String,
}

impl Response {
    fn parse(text: String) -> Option<Self> {
        let first = text.lines().next()?;
        let mut parts = first.split_whitespace();
        if parts.next()? != "SIP/2.0" {
            return None;
        }
        let status = parts.next()?.parse().ok()?;
        Some(Self { status, text })
    }

    /// The first header called `name`, case-insensitively.
    fn header(&self, name: &str) -> Option<&str> {
        self.text
            .split("\r\n\r\n")
            .next()?
            .lines()
            .skip(1)
            .find_map(|l| {
                let (n, v) = l.split_once(':')?;
                n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
            })
    }

    /// Whether a Via of this response carries `branch`.
    fn has_branch(&self, branch: &str) -> bool {
        self.text.split("branch=").skip(1).any(|rest| {
            let end = rest
                .find(|c: char| c == ';' || c == ',' || c.is_whitespace())
                .unwrap_or(rest.len());
            &rest[..end] == branch
        })
    }
}

// ------------------------------------------------------------------------ UDP

/// A UDP socket on 127.0.0.1 talking to one server.
struct Udp {
    sock: UdpSocket,
    server: SocketAddr,
}

impl Udp {
    fn to(server: SocketAddr) -> Self {
        let sock = UdpSocket::bind("127.0.0.1:0").expect("bind UDP");
        sock.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        Self { sock, server }
    }

    fn local(&self) -> SocketAddr {
        self.sock.local_addr().unwrap()
    }

    fn req(&self, method: &str, uri: &str) -> Req {
        Req::new(method, uri, "UDP", self.local())
    }

    fn send_raw(&self, bytes: &[u8]) {
        self.sock.send_to(bytes, self.server).expect("send_to");
    }

    /// Sends `req` and returns its final response (1xx and responses to
    /// other requests skipped), or None after [`WAIT`].
    fn final_response(&self, req: &Req) -> Option<Response> {
        self.send_raw(req.text().as_bytes());
        self.recv_final(&req.branch)
    }

    fn recv_final(&self, branch: &str) -> Option<Response> {
        let deadline = Instant::now() + WAIT;
        let mut buf = vec![0u8; 65_536];
        while Instant::now() < deadline {
            match self.sock.recv_from(&mut buf) {
                Ok((n, _)) => {
                    let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                    match Response::parse(text) {
                        Some(r) if r.status >= 200 && r.has_branch(branch) => return Some(r),
                        _ => continue,
                    }
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => panic!("recv_from: {e}"),
            }
        }
        None
    }

    /// Sends `req` and asserts its final status.
    fn expect(&self, req: &Req, status: u16, what: &str) -> Response {
        let resp = self.final_response(req).unwrap_or_else(|| {
            panic!(
                "{what}: no final response within {WAIT:?} to\n{}",
                req.text()
            )
        });
        assert_eq!(
            resp.status,
            status,
            "{what}: sent\n{}\ngot\n{}",
            req.text(),
            resp.text
        );
        resp
    }

    /// OPTIONS to the server's own address (no user part) must get 200.
    fn expect_options_200(&self, what: &str) {
        let uri = format!("sip:{}", self.server);
        self.expect(&self.req("OPTIONS", &uri), 200, what);
    }
}

// ------------------------------------------------------------------------ TCP

fn tcp_connect(server: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(server).expect("TCP connect");
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    s.set_write_timeout(Some(WAIT)).unwrap();
    s
}

/// Sends `req` on `stream` and reads the final response to it, framed by
/// Content-Length (RFC 3261 §18.3).
fn tcp_final_response(stream: &mut TcpStream, req: &Req) -> Option<Response> {
    stream.write_all(req.text().as_bytes()).expect("TCP write");
    let deadline = Instant::now() + WAIT;
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 4096];
    while Instant::now() < deadline {
        // Cut every complete message off the front of the buffer.
        while let Some(head_end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
            let len: usize = head
                .lines()
                .find_map(|l| {
                    let (n, v) = l.split_once(':')?;
                    let n = n.trim();
                    (n.eq_ignore_ascii_case("Content-Length") || n.eq_ignore_ascii_case("l"))
                        .then(|| v.trim().parse().ok())?
                })
                .unwrap_or(0);
            let end = head_end + 4 + len;
            if buf.len() < end {
                break;
            }
            let msg: Vec<u8> = buf.drain(..end).collect();
            if let Some(r) = Response::parse(String::from_utf8_lossy(&msg).into_owned()) {
                if r.status >= 200 && r.has_branch(&req.branch) {
                    return Some(r);
                }
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return None,
        }
    }
    None
}

/// A TCP OPTIONS to the server's own address on a fresh connection must
/// get 200, with the request's `SIP/2.0/TCP` Via.
fn expect_tcp_options_200(server: SocketAddr, what: &str) {
    let mut s = tcp_connect(server);
    let req = Req::new(
        "OPTIONS",
        &format!("sip:{server};transport=tcp"),
        "TCP",
        s.local_addr().unwrap(),
    );
    let resp = tcp_final_response(&mut s, &req)
        .unwrap_or_else(|| panic!("{what}: no TCP response within {WAIT:?} to\n{}", req.text()));
    assert_eq!(resp.status, 200, "{what}: got\n{}", resp.text);
    let via = resp.header("Via").unwrap_or("");
    assert!(via.starts_with("SIP/2.0/TCP"), "{what}: Via {via:?}");
}

/// Waits until the peer closes `stream` (EOF or a reset); returns how long
/// that took, or None if it is still open after `within`.
fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<Duration> {
    let t0 = Instant::now();
    let mut buf = [0u8; 4096];
    while t0.elapsed() < within {
        match stream.read(&mut buf) {
            Ok(0) => return Some(t0.elapsed()),
            // Whatever it says before closing is not the point.
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return Some(t0.elapsed()),
        }
    }
    None
}

// ---------------------------------------------------------------------- tests

/// RFC 3261 §16.3 step 1: "The request MUST be well-formed enough to be
/// handled with a server transaction. ... If any of these checks fail, the
/// element MUST behave as a user agent server (see Section 8.2) and respond
/// with an error code", and §21.4.1: "400 Bad Request: The request could
/// not be understood due to malformed syntax."
///
/// Requests that carry a Via (so a response can be routed, §18.2.2) but
/// miss Call-ID or From, break the Request-URI or disagree with their CSeq
/// each get 400 over UDP, a request line with version SIP/3.0 gets 505
/// (§21.5.6), and a well-formed OPTIONS right after each still gets 200. Datagrams of pure garbage, with no Via to answer, are dropped
/// without taking the proxy down. Then SIGINT stops it cleanly (exit 0,
/// the final counters logged).
#[test]
fn rfc3261_16_3_step1_malformed_request_gets_400_and_server_keeps_serving() {
    let mut proxy = Server::proxy(&["--listen", "127.0.0.1:0"]);
    let udp = Udp::to(proxy.udp());
    let own = format!("sip:{}", proxy.udp());
    udp.expect_options_200("OPTIONS before any bad input");

    let bad: Vec<(&str, Req, u16)> = vec![
        (
            "request without Call-ID",
            udp.req("OPTIONS", &own).remove("Call-ID"),
            400,
        ),
        (
            "request without From",
            udp.req("OPTIONS", &own).remove("From"),
            400,
        ),
        (
            "request line with an unparsable Request-URI",
            udp.req("OPTIONS", &own)
                .start_line("OPTIONS sip:[not-an-ipv6 SIP/2.0"),
            400,
        ),
        (
            "request line with a Request-URI carrying ?headers",
            udp.req("OPTIONS", &own)
                .start_line(&format!("OPTIONS {own}?Subject=x SIP/2.0")),
            400,
        ),
        (
            "CSeq method unlike the request method",
            udp.req("OPTIONS", &own).set("CSeq", "1 INVITE"),
            400,
        ),
        (
            "CSeq number that is not a number",
            udp.req("OPTIONS", &own).set("CSeq", "one OPTIONS"),
            400,
        ),
        (
            "Max-Forwards that is not a number",
            udp.req("OPTIONS", &own).set("Max-Forwards", "many"),
            400,
        ),
        (
            "MESSAGE with an unparsable To",
            udp.req("MESSAGE", &format!("sip:bob@{}", proxy.udp()))
                .set("To", "<<garbage"),
            400,
        ),
        (
            "request line with version SIP/3.0 (§21.5.6: 505)",
            udp.req("OPTIONS", &own)
                .start_line(&format!("OPTIONS {own} SIP/3.0")),
            505,
        ),
    ];
    for (what, req, status) in &bad {
        let resp = udp.expect(req, *status, what);
        assert_eq!(
            resp.header("Call-ID").unwrap_or(""),
            req.header("Call-ID"),
            "{what}: the {status} echoes the request's Call-ID, if any (§8.2.6.2):\n{}",
            resp.text
        );
        udp.expect_options_200(&format!("OPTIONS right after the {what}"));
        proxy.assert_alive();
    }

    // Nothing here can be answered: no Via, often no start line.
    let garbage: [&[u8]; 6] = [
        b"\x00\x01\x02\xff\xfe garbage \r\n\r\n",
        b"GARBAGE\r\n",
        b"\r\n\r\n",
        b"INVITE\r\n\r\n",
        b"SIP/2.0 200 OK\r\n\r\n",
        &[0xff; 1500],
    ];
    for g in garbage {
        udp.send_raw(g);
    }
    udp.expect_options_200("OPTIONS after garbage datagrams");
    proxy.assert_alive();

    let (status, log) = proxy.interrupt();
    assert!(status.success(), "exit status {status}; stderr:\n{log}");
    assert!(
        log.contains("final: requests="),
        "no final counters on SIGINT; stderr:\n{log}"
    );
}

/// RFC 3261 §18.3: "If the transport packet ends before the end of the
/// message body, this is considered an error. If the message is a
/// response, it MUST be discarded. If the message is a request, the
/// element SHOULD generate a 400 (Bad Request) response." A Content-Length
/// that is not a number is malformed syntax (§21.4.1, 400) as well.
///
/// Both requests carry a routable Via and get 400 over UDP; the proxy
/// still answers OPTIONS 200 afterwards.
#[test]
fn rfc3261_18_3_udp_request_with_bad_content_length_gets_400() {
    let mut proxy = Server::proxy(&["--listen", "127.0.0.1:0"]);
    let udp = Udp::to(proxy.udp());
    let own = format!("sip:{}", proxy.udp());
    let bad = [
        (
            "garbage Content-Length",
            udp.req("OPTIONS", &own).set("Content-Length", "abc"),
        ),
        (
            "Content-Length past the end of the datagram",
            udp.req("OPTIONS", &own).set("Content-Length", "500"),
        ),
    ];
    let mut failures = Vec::new();
    for (what, req) in &bad {
        match udp.final_response(req) {
            Some(r) if r.status == 400 => {}
            got => failures.push(format!(
                "{what}: sent\n{}\ngot {:?}",
                req.text(),
                got.map(|r| r.text)
            )),
        }
        udp.expect_options_200(&format!("OPTIONS right after the {what}"));
        proxy.assert_alive();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// RFC 3261 §16.3 step 3: "If the request contains a Max-Forwards header
/// field with a field value of zero (0), the element MUST NOT forward the
/// request. If the request was for OPTIONS, the element MAY act as the
/// final recipient and respond per Section 11. Otherwise, the element MUST
/// return a 483 (Too many hops) response."
#[test]
fn rfc3261_16_3_step3_max_forwards_zero_gets_483() {
    let proxy = Server::proxy(&["--listen", "127.0.0.1:0"]);
    let udp = Udp::to(proxy.udp());
    let user = format!("sip:alice@{}", proxy.udp());

    let invite = udp.req("INVITE", &user).set("Max-Forwards", "0");
    let resp = udp.expect(&invite, 483, "INVITE with Max-Forwards 0");
    udp.send_raw(invite.ack_for(&resp).text().as_bytes());

    let message = udp
        .req("MESSAGE", &user)
        .set("Max-Forwards", "0")
        .set("Content-Type", "text/plain")
        .set("Content-Length", "2");
    let message = Req {
        body: "hi".into(),
        ..message
    };
    udp.expect(&message, 483, "MESSAGE with Max-Forwards 0");

    // A user of ours that is not registered would be 404/480: Max-Forwards
    // is checked first, and with Max-Forwards 70 it is not 483.
    let resp = udp
        .final_response(&udp.req("MESSAGE", &user))
        .expect("a final response to MESSAGE with Max-Forwards 70");
    assert_ne!(resp.status, 483, "{}", resp.text);

    let own = format!("sip:{}", proxy.udp());
    let options = udp.req("OPTIONS", &own).set("Max-Forwards", "0");
    udp.expect(&options, 200, "OPTIONS to the proxy with Max-Forwards 0");
}

/// RFC 3261 §16.3 step 4: "If the request contains a Via header field with
/// a sent-by value that equals a value placed into previous requests by
/// the proxy, the request has been forwarded by this element before. ...
/// If the parameters match, the request has looped. ... If a loop is
/// detected, the element MAY return a 482 (Loop Detected) response."
///
/// The proxy's static route for loop.test points at itself: the MESSAGE
/// comes back with the proxy's own Via and the same Request-URI, and the
/// caller gets 482, not the 483 of Max-Forwards running out.
#[test]
fn rfc3261_16_3_step4_request_routed_to_itself_gets_482() {
    // The route must name the proxy's port before it is bound: pick a free
    // one, and try again if another program took it in between.
    let mut attempt = 0;
    let mut proxy = loop {
        attempt += 1;
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let route = format!("loop.test=udp:127.0.0.1:{port}");
        match Server::start(
            "sip-proxy",
            env!("CARGO_BIN_EXE_sip-proxy"),
            &["--listen", &listen, "--route", &route],
        ) {
            Ok(p) => break p,
            Err(e) if attempt < 5 => eprintln!("retrying: {e}"),
            Err(e) => panic!("{e}"),
        }
    };
    let udp = Udp::to(proxy.udp());
    let message = udp.req("MESSAGE", "sip:x@loop.test");
    udp.expect(&message, 482, "MESSAGE routed back to the proxy");
    udp.expect_options_200("OPTIONS after the loop");

    let (status, log) = proxy.interrupt();
    assert!(status.success(), "exit status {status}; stderr:\n{log}");
    let loops = log
        .lines()
        .filter(|l| l.contains("final: requests="))
        .find_map(|l| l.split("loops=").nth(1)?.split_whitespace().next())
        .and_then(|n| n.parse::<u64>().ok());
    assert!(
        loops.is_some_and(|n| n >= 1),
        "loops counter {loops:?}; stderr:\n{log}"
    );
}

/// RFC 3261 §8.2.1: "If the UAS recognizes but does not support the method
/// of a request, it MUST generate a 405 (Method Not Allowed) response. ...
/// The UAS MUST also add an Allow header field to the 405 (Method Not
/// Allowed) response. The Allow header field MUST list the set of methods
/// supported by the UAS generating the message."
///
/// `sip-ua --answer` gets `FOO` outside any dialog: 405 with an Allow that
/// lists INVITE; OPTIONS still gets 200 (§11.2).
#[test]
fn rfc3261_8_2_1_unknown_method_to_uas_gets_405_with_allow() {
    let ua = Server::ua(&[
        "--aor",
        "sip:bob@127.0.0.1",
        "--listen",
        "127.0.0.1:0",
        "--answer",
    ]);
    let udp = Udp::to(ua.udp());
    let bob = format!("sip:bob@{}", ua.udp());

    let foo = udp.req("FOO", &bob);
    let resp = udp.expect(&foo, 405, "FOO to the UAS");
    let allow = resp
        .header("Allow")
        .unwrap_or_else(|| panic!("405 without Allow:\n{}", resp.text));
    let methods: Vec<String> = allow
        .split(',')
        .map(|m| m.trim().to_ascii_uppercase())
        .collect();
    assert!(
        methods.iter().any(|m| m == "INVITE"),
        "Allow {allow:?} lacks INVITE"
    );
    assert!(
        !methods.iter().any(|m| m == "FOO"),
        "Allow {allow:?} lists the refused method"
    );

    let options = udp.req("OPTIONS", &bob);
    udp.expect(&options, 200, "OPTIONS to the UAS");
}

/// RFC 3261 §18.3: "In the case of stream-oriented transports such as TCP,
/// the Content-Length header field indicates the size of the body." A
/// peer that sends header bytes with no end (more than the 65,535-byte
/// message limit, no blank line) is disconnected, long before the 30 s
/// message timeout or idle timeout could explain it, and the proxy keeps
/// answering over TCP and UDP.
#[test]
fn rfc3261_18_3_oversized_tcp_message_closes_the_connection() {
    let mut proxy = Server::proxy(&[
        "--listen",
        "127.0.0.1:0",
        "--tcp-message-timeout",
        "30",
        "--tcp-idle",
        "30",
    ]);
    let server = proxy.udp();
    let mut big = tcp_connect(server);
    let mut head = format!("OPTIONS sip:{server} SIP/2.0\r\nX: ").into_bytes();
    head.extend(std::iter::repeat_n(b'a', 70_000));
    // The proxy may reset the connection while we write: that is fine.
    let _ = big.write_all(&head);
    let took = closed_within(&mut big, Duration::from_secs(5));
    assert!(
        took.is_some(),
        "a peer with a 70,000-byte unfinished head was still connected after 5 s"
    );
    eprintln!("oversized peer disconnected after {took:?}");
    expect_tcp_options_200(server, "TCP OPTIONS after the oversized peer");
    Udp::to(server).expect_options_200("UDP OPTIONS after the oversized peer");
    proxy.assert_alive();
}

/// RFC 3261 §18.3 (stream framing) against a slow peer: a message trickled
/// one byte every 50 ms is never idle, but `--tcp-message-timeout 1` cuts
/// it off (asserted within 10 s, the idle timeout being 30 s). While it
/// and an idle connection are open, other clients are served over TCP
/// (Via `SIP/2.0/TCP`) and UDP.
#[test]
fn rfc3261_18_3_slow_tcp_peer_is_cut_off_and_others_are_served() {
    let mut proxy = Server::proxy(&[
        "--listen",
        "127.0.0.1:0",
        "--tcp-message-timeout",
        "1",
        "--tcp-idle",
        "30",
    ]);
    let server = proxy.udp();

    // Connected, says nothing: held until the 30 s idle timeout.
    let _idle = tcp_connect(server);

    // A complete OPTIONS, padded so trickling it takes about 20 s: if the
    // proxy waited for it, the connection would still be open at 10 s.
    let slow = tcp_connect(server);
    let req = Req::new(
        "OPTIONS",
        &format!("sip:{server};transport=tcp"),
        "TCP",
        slow.local_addr().unwrap(),
    )
    .set("X-Padding", &"p".repeat(150))
    .text()
    .into_bytes();
    let stop = Arc::new(AtomicBool::new(false));
    let trickler = {
        let mut w = slow.try_clone().unwrap();
        let stop = Arc::clone(&stop);
        thread::spawn(move || {
            for b in req {
                if stop.load(Ordering::Relaxed) || w.write_all(&[b]).is_err() {
                    return;
                }
                thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let mut slow_reader = slow;

    expect_tcp_options_200(server, "TCP OPTIONS while a slow peer trickles");
    Udp::to(server).expect_options_200("UDP OPTIONS while a slow peer trickles");

    let took = closed_within(&mut slow_reader, Duration::from_secs(10));
    stop.store(true, Ordering::Relaxed);
    let _ = trickler.join();
    assert!(
        took.is_some(),
        "a peer trickling one byte every 50 ms was still connected after 10 s \
         (--tcp-message-timeout 1)"
    );

    eprintln!("slow peer disconnected {took:?} after the first TCP checks");
    expect_tcp_options_200(server, "TCP OPTIONS after the slow peer was cut off");
    Udp::to(server).expect_options_200("UDP OPTIONS after the slow peer was cut off");
    proxy.assert_alive();
}
