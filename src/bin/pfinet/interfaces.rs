//! `pfinet interfaces`: this host's addresses and netmasks as Postfix's
//! inet_addr_local() finds them, one `address/netmask` line each (the
//! format of Postfix's own inet_addr_local test program).

use crate::{IPV6, fatal, warn};
use pfinet::internal::inet_addr_local::{Config, Event, inet_addr_local};
use pfinet::internal::inet_proto::{default_protocols, inet_proto, socket_probe};
use std::process::ExitCode;

const USAGE: &str =
    "usage: pfinet interfaces [--protocols LIST] [--method getifaddrs|siocgif|procnet] [-v]
  --protocols LIST  inet_protocols value: all, ipv4, ipv6 (default: all)
  --method M        the lookup Postfix would compile in: getifaddrs (Linux, BSD),
                    siocgif (SIOCGIFCONF: IPv4 only on Linux), procnet (IPv6 from
                    /proc/net/if_inet6); default: this build's (getifaddrs)
  -v                also Postfix's msg_verbose messages
  Prints address/netmask lines in the order Postfix appends them.";

/// Runs the command.
pub fn run(argv: &[Vec<u8>]) -> ExitCode {
    let a = match crate::args::parse(argv, &["--protocols", "--method"], &["-v"], USAGE) {
        Ok(a) => a,
        Err(code) => return code,
    };
    if !a.operands.is_empty() {
        return fatal(b"interfaces takes no operands (see --help)");
    }
    let protocols = a.get("--protocols").unwrap_or(default_protocols(IPV6));
    let r = inet_proto(b"inet_protocols", protocols, IPV6, &socket_probe);
    r.warnings.iter().for_each(|w| warn(w));
    if let Some(f) = r.fatal {
        return fatal(&f);
    }
    let config = match a.get("--method") {
        None => Config::compiled(),
        Some(name) => match Config::named(name) {
            Some(c) if name != b"siocglif" => c,
            _ => return fatal(&[b"unknown lookup method: ", name].concat()),
        },
    };
    let verbose = a.flag("-v");
    let events = inet_addr_local(
        &r.info.ai_family_list,
        true,
        config,
        IPV6,
        &mut pfinet::internal::sys::System,
    );
    let mut addr = None;
    for e in events {
        match e {
            Event::Addr(a) => addr = Some(a),
            Event::Mask(m) => {
                let a = addr.take().map(|a| a.hostaddr()).unwrap_or_default();
                println!("{a}/{}", m.hostaddr());
            }
            Event::Warn(t) => warn(&t),
            Event::VerboseWarn(t) if verbose => warn(&t),
            Event::VerboseInfo(t) if verbose => {
                eprintln!("{}: {}", crate::program(), crate::text(&t))
            }
            Event::VerboseWarn(_) | Event::VerboseInfo(_) => {}
            Event::Fatal(t) | Event::Panic(t) => return fatal(&t),
        }
    }
    ExitCode::SUCCESS
}
