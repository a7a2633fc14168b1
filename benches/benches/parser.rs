//! Criterion benchmark: sip-message against rsipstack 0.7 (the fastest peer
//! measured by `parser-peers`) and rsip 0.4 (the most used), plus the memchr
//! floor, on the five corpus messages; then sip-message's serializer, proxy
//! edit and builder.
//!
//! Ids:
//! - `parse/<message>/<crate>`: bytes -> the crate's message type (dropped
//!   inside the timing); `<crate>` is `sip-message`, `rsipstack`, `rsip`
//!   or `memchr` (the baseline).
//! - `parse_fields/<message>/<crate>`: parse, then read top Via branch, CSeq
//!   number and method, Call-ID, From tag and To tag.
//! - `serialize/<message>/sip-message`: `write_to` of a parsed, unedited
//!   message into a reused `BytesMut`.
//! - `serialize_edited/invite/sip-message`: the same after a Via prepend.
//! - `proxy_via_prepend/invite/sip-message`: parse, prepend Via, pop Route,
//!   `write_to` (the edit a proxy makes on every forwarded request).
//! - `build/invite/sip-message`: `Message::request(..)` ... `.build()`.

use std::hint::black_box;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sip_benches::{ours, samples, Fields};
use sip_message::HeaderName;

mod peers;
use peers::{baseline, rsip_peer, rsipstack_peer};

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    for s in samples() {
        g.throughput(Throughput::Bytes(s.bytes.len() as u64));
        let buf: &Bytes = &s.bytes;
        let id = |krate: &str| BenchmarkId::new(s.id, krate);

        assert!(baseline::memchr_scan(buf).is_some(), "memchr {}", s.id);
        g.bench_with_input(id("memchr"), buf, |b, buf| {
            b.iter(|| black_box(baseline::memchr_scan(black_box(&buf[..]))))
        });

        macro_rules! parse_only {
            ($name:literal, $parse:path) => {
                if let Err(e) = $parse(buf) {
                    panic!("{} rejects {}: {e}", $name, s.id);
                }
                g.bench_with_input(id($name), buf, |b, buf| {
                    b.iter(|| black_box($parse(black_box(buf)).is_ok()))
                });
            };
        }
        parse_only!("sip-message", ours::parse);
        parse_only!("rsipstack", rsipstack_peer::parse);
        parse_only!("rsip", rsip_peer::parse);
    }
    g.finish();
}

fn parse_fields(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse_fields");
    for s in samples() {
        g.throughput(Throughput::Bytes(s.bytes.len() as u64));
        let buf: &Bytes = &s.bytes;
        let expected = s.expected;

        macro_rules! with_fields {
            ($name:literal, $fields:path) => {
                match $fields(buf, |f: &Fields<'_>| f.matches(&expected)) {
                    Ok(true) => {}
                    Ok(false) => panic!("{} reads wrong fields from {}", $name, s.id),
                    Err(e) => panic!("{} fails on {}: {e}", $name, s.id),
                }
                g.bench_with_input(BenchmarkId::new(s.id, $name), buf, |b, buf| {
                    b.iter(|| {
                        black_box($fields(black_box(buf), |f: &Fields<'_>| {
                            black_box(f);
                        }))
                    })
                });
            };
        }
        with_fields!("sip-message", ours::fields);
        with_fields!("rsipstack", rsipstack_peer::fields);
        with_fields!("rsip", rsip_peer::fields);
    }
    g.finish();
}

fn serialize(c: &mut Criterion) {
    let mut g = c.benchmark_group("serialize");
    for s in samples() {
        g.throughput(Throughput::Bytes(s.bytes.len() as u64));
        let msg = ours::parse(&s.bytes).unwrap();
        let mut out = BytesMut::with_capacity(2048);
        g.bench_function(BenchmarkId::new(s.id, "sip-message"), |b| {
            b.iter(|| {
                out.clear();
                black_box(&msg).write_to(&mut out);
                black_box(&out);
            })
        });
    }
    g.finish();

    let invite = samples().swap_remove(0).bytes;
    let mut out = BytesMut::with_capacity(2048);

    let mut g = c.benchmark_group("serialize_edited");
    g.throughput(Throughput::Bytes(invite.len() as u64));
    let mut msg = ours::parse(&invite).unwrap();
    msg.prepend_header(HeaderName::Via, ours::PROXY_VIA);
    g.bench_function(BenchmarkId::new("invite", "sip-message"), |b| {
        b.iter(|| {
            out.clear();
            black_box(&msg).write_to(&mut out);
            black_box(&out);
        })
    });
    g.finish();

    let mut g = c.benchmark_group("proxy_via_prepend");
    g.throughput(Throughput::Bytes(invite.len() as u64));
    ours::proxy_forward(&invite, &mut out).unwrap();
    g.bench_function(BenchmarkId::new("invite", "sip-message"), |b| {
        b.iter(|| {
            ours::proxy_forward(black_box(&invite), &mut out).unwrap();
            black_box(&out);
        })
    });
    g.finish();

    let mut g = c.benchmark_group("build");
    g.throughput(Throughput::Bytes(invite.len() as u64));
    assert_eq!(ours::build_invite().unwrap().to_bytes(), invite);
    g.bench_function(BenchmarkId::new("invite", "sip-message"), |b| {
        b.iter(|| black_box(ours::build_invite().unwrap()))
    });
    g.finish();
}

fn config() -> Criterion {
    // As parser-peers: short runs so the suite fits in a few minutes on a
    // 2-core box. Override on the command line (--warm-up-time,
    // --measurement-time, --sample-size).
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(2000))
        .sample_size(40)
}

criterion_group! {
    name = benches;
    config = config();
    targets = parse, parse_fields, serialize
}
criterion_main!(benches);
