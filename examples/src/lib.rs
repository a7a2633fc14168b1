//! Programs built on the sip-mobility crates; each lives in `examples/`.
//! The parts of them worth testing live here.

pub mod lint;
