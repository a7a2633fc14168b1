//! Benchmarks and an allocation test of sipmob-rtp beside the other Rust
//! RTP, RTCP and SDP parsers; see `benches/media.rs` and
//! `tests/no_alloc.rs`.
