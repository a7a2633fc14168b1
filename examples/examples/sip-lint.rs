//! `sip-lint`: checks SIP messages the way a strict element would.
//!
//! ```text
//! sip-lint [--json] FILE...      (- reads standard input)
//! ```
//!
//! Each file is parsed as one datagram (RFC 3261 §18.3); then every header
//! that has a typed form and every URI is parsed, and the checks an element
//! applies before it acts on a message are run (To, From, Call-ID, CSeq and
//! Via present, single-value headers not repeated, CSeq method equal to the
//! request method, SIP/2.0). One line per file: `PATH: ok` or
//! `PATH: error: <what> at line L column C`. With `--json`, one JSON object
//! per file with the parsed start line, headers and body length.
//!
//! Exit status: 0 when every file is valid, 1 otherwise, 2 on bad usage or
//! an unreadable file.

use std::io::Read;
use std::process::ExitCode;

use bytes::Bytes;
use clap::Parser;
use sip_examples::lint::{line, lint, to_json};

/// Checks SIP messages against RFC 3261 as a strict element would.
#[derive(Parser, Debug)]
#[command(name = "sip-lint", version, about)]
struct Args {
    /// Print one JSON object per file instead of a line of text.
    #[arg(long)]
    json: bool,
    /// Files holding one SIP message each; `-` is standard input.
    #[arg(required = true)]
    files: Vec<String>,
}

fn read(path: &str) -> std::io::Result<Vec<u8>> {
    if path == "-" {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf)?;
        Ok(buf)
    } else {
        std::fs::read(path)
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut all_ok = true;
    for path in &args.files {
        let bytes = match read(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{path}: cannot read: {e}");
                return ExitCode::from(2);
            }
        };
        let report = lint(Bytes::from(bytes));
        all_ok &= report.result.is_ok();
        if args.json {
            println!("{}", to_json(path, &report));
        } else {
            println!("{}", line(path, &report));
        }
    }
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
