//! Programs built on the sip-mobility crates; see `examples/`.
