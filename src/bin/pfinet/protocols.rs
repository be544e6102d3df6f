//! `pfinet protocols [LIST]`: what inet_protocols = LIST enables here
//! (inet_proto_init()).

use crate::{IPV6, fatal, text, warn};
use pfinet::internal::inet_proto::{default_protocols, inet_proto, socket_probe};
use std::process::ExitCode;

const USAGE: &str = "usage: pfinet protocols [LIST]
  LIST: an inet_protocols value (all, ipv4, ipv6, comma/space separated; default: all).
  Prints the families Postfix enables with it on this host (a family the kernel
  lacks is dropped with Postfix's warning).";

fn family_name(pf: u32) -> &'static str {
    match pf as i32 {
        libc::PF_INET => "ipv4",
        libc::PF_INET6 => "ipv6",
        _ => "?",
    }
}

/// Runs the command.
pub fn run(argv: &[Vec<u8>]) -> ExitCode {
    let a = match crate::args::parse(argv, &["--protocols"], &[], USAGE) {
        Ok(a) => a,
        Err(code) => return code,
    };
    if a.operands.len() > 1 {
        return fatal(b"protocols takes at most one LIST (see --help)");
    }
    let value = a
        .operands
        .first()
        .map(Vec::as_slice)
        .or(a.get("--protocols"))
        .unwrap_or(default_protocols(IPV6));
    let r = inet_proto(b"inet_protocols", value, IPV6, &socket_probe);
    r.warnings.iter().for_each(|w| warn(w));
    if let Some(f) = r.fatal {
        return fatal(&f);
    }
    let names: Vec<_> = r
        .info
        .ai_family_list
        .iter()
        .map(|&f| family_name(f))
        .collect();
    println!("inet_protocols = {}", text(value));
    println!(
        "enabled: {}",
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(" ")
        }
    );
    ExitCode::SUCCESS
}
