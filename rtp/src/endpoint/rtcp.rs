//! The endpoint's RTCP side: reports at the A.7 interval, SRs remembered
//! for LSR and DLSR.

use std::sync::Arc;

use rand::rngs::StdRng;
use tokio::net::UdpSocket;
use tokio::sync::watch;

use super::{now, SenderStats, Shared};
use crate::rtcp::{
    dlsr_from_duration, Compound, CompoundBuilder, NtpTimestamp, ReceiverReport, ReportBlock,
    RtcpPacket, Sdes, SenderReport,
};
use crate::session::{ReceptionReport, RtcpScheduler};

/// Reception reports for every valid source.
fn reports(shared: &Shared) -> Vec<(u32, ReceptionReport)> {
    let Ok(mut r) = shared.receiving.lock() else {
        return Vec::new();
    };
    let t = now();
    r.sources
        .iter_mut()
        .filter(|(_, s)| s.is_valid())
        .map(|(ssrc, s)| (*ssrc, s.report(t)))
        .collect()
}

pub(super) async fn run_rtcp(
    sock: Arc<UdpSocket>,
    shared: Arc<Shared>,
    rng: StdRng,
    mut stop: watch::Receiver<bool>,
) {
    let mut sched = RtcpScheduler::new(now(), shared.cfg.session_bandwidth, 100, rng);
    let mut buf = vec![0u8; 65_535];
    loop {
        let due = tokio::time::Instant::from_std(sched.next_due());
        tokio::select! {
            r = sock.recv_from(&mut buf) => {
                if let Ok((n, _)) = r {
                    sched.on_received(n + 28);
                    if let Ok(mut r) = shared.receiving.lock() {
                        r.rtcp_received += 1;
                    }
                    on_rtcp(&shared, &buf[..n]);
                }
            }
            _ = tokio::time::sleep_until(due) => {
                let t = now();
                let members = shared.receiving.lock().map(|r| r.sources.len() as u32 + 1).unwrap_or(1);
                let we_sent = shared.sender.lock().map(|s| s.stats.packets > 0).unwrap_or(false);
                sched.set_membership(members, u32::from(we_sent), we_sent);
                if sched.on_timer(t) {
                    let size = send_report(&sock, &shared).await;
                    sched.on_sent(t, size + 28);
                }
            }
            _ = stop.changed() => return,
        }
    }
}

/// Sends one compound report (SR or RR, then SDES CNAME); returns its size.
async fn send_report(sock: &UdpSocket, shared: &Shared) -> usize {
    let (remote, sender) = match shared.sender.lock() {
        Ok(s) => (s.remote_rtcp, s.stats),
        Err(_) => return 0,
    };
    let Some(remote) = remote else { return 0 };
    let blocks = reports(shared);
    let Some(bytes) = compound(shared, &sender, &blocks) else {
        return 0;
    };
    if sock.send_to(&bytes, remote).await.is_ok() {
        if let Ok(mut r) = shared.receiving.lock() {
            r.rtcp_sent += 1;
        }
    }
    bytes.len()
}

/// Takes an RTCP datagram: remembers the SRs for LSR/DLSR. One that does
/// not parse is ignored (RFC 3550 A.2: invalid packets are discarded).
fn on_rtcp(shared: &Shared, datagram: &[u8]) {
    let Ok(compound) = Compound::parse(datagram) else {
        return;
    };
    let t = now();
    let Ok(mut r) = shared.receiving.lock() else {
        return;
    };
    for p in compound.packets() {
        if let RtcpPacket::SenderReport(sr) = p {
            r.last_sr
                .insert(sr.ssrc(), (sr.ntp_timestamp().middle_32(), t));
        }
    }
}

/// Our compound report: an SR if we sent data since the last one (§6.4:
/// "SR ... for transmission and reception statistics from participants
/// that are active senders"), else an RR, then SDES with our CNAME
/// (§6.1: every compound "MUST" carry it).
fn compound(
    shared: &Shared,
    sender: &SenderStats,
    blocks: &[(u32, ReceptionReport)],
) -> Option<Vec<u8>> {
    let t = now();
    let last_sr = shared
        .receiving
        .lock()
        .map(|r| r.last_sr.clone())
        .unwrap_or_default();
    let report_blocks: Vec<ReportBlock> = blocks
        .iter()
        .take(31)
        .map(|(ssrc, r)| {
            let (last_sr, delay_since_last_sr) = match last_sr.get(ssrc) {
                // §6.4.1: "If no SR has been received yet from source SSRC_n,
                // the LSR field is set to zero", and DLSR with it.
                Some((lsr, at)) => (*lsr, dlsr_from_duration(t.saturating_duration_since(*at))),
                None => (0, 0),
            };
            ReportBlock {
                ssrc: *ssrc,
                fraction_lost: r.fraction_lost,
                cumulative_lost: r.cumulative_lost,
                extended_highest_sequence: r.extended_highest_seq,
                jitter: r.jitter,
                last_sr,
                delay_since_last_sr,
            }
        })
        .collect();
    let builder = CompoundBuilder::new();
    #[allow(clippy::disallowed_methods)] // the wall clock of the NTP timestamp
    let wall = std::time::SystemTime::now();
    let builder = match sender.rtp_timestamp_at(t, shared.cfg.clock_rate) {
        Some(rtp_timestamp) if sender.packets > 0 => builder.sender_report(SenderReport {
            ssrc: shared.ssrc,
            ntp_timestamp: NtpTimestamp::from_system_time(wall),
            rtp_timestamp,
            packet_count: sender.packets,
            octet_count: sender.octets,
            report_blocks,
            extension: Vec::new(),
        }),
        _ => builder.receiver_report(ReceiverReport {
            ssrc: shared.ssrc,
            report_blocks,
            extension: Vec::new(),
        }),
    };
    builder
        .sdes(Sdes::cname(
            shared.ssrc,
            shared.cfg.cname.as_bytes().to_vec(),
        ))
        .to_bytes()
        .ok()
}
