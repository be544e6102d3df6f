//! pfinet - what Postfix's address code says on this host
//!
//! ```text
//! pfinet protocols [VALUE]        inet_protocols (default "all") here
//! pfinet interfaces [PROTOCOLS] [METHOD]
//!                                 this host's addresses/masks (inet_addr_local)
//! pfinet mynetworks [STYLE] [INTERFACES] [PROTOCOLS]
//!                                 mynetworks as postconf prints it (default:
//!                                 all three styles, inet_interfaces all,
//!                                 inet_protocols all)
//! pfinet check TEXT...            valid_hostaddr / valid_mailhost_literal
//! pfinet match PATTERN ADDRESS    one match-list address pattern
//! ```
//! Exit status: 0 success or match, 1 no match or rejected, 2 error.

use std::os::unix::ffi::OsStrExt;
use std::process::ExitCode;

use pfinet::inet_proto::{inet_proto, socket_probe};
use pfinet::match_ops::{is_dictionary, match_hostaddr};
use pfinet::valid_hostaddr::valid_hostaddr;
use pfinet::valid_mailhost_addr::valid_mailhost_literal;

const USAGE: &str = "usage: pfinet protocols [VALUE] | interfaces [PROTOCOLS] [getifaddrs|siocgif|procnet] | mynetworks [STYLE] [INTERFACES] [PROTOCOLS] | check TEXT... | match PATTERN ADDRESS";
const IPV6: bool = cfg!(feature = "has_ipv6");

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn family_name(pf: u32) -> &'static str {
    match pf as i32 {
        libc::PF_INET => "ipv4",
        libc::PF_INET6 => "ipv6",
        _ => "?",
    }
}

fn protocols(value: &[u8]) -> ExitCode {
    let r = inet_proto(b"inet_protocols", value, IPV6, &socket_probe);
    for w in &r.warnings {
        eprintln!("pfinet: warning: {}", text(w));
    }
    if let Some(f) = r.fatal {
        eprintln!("pfinet: fatal: {}", text(&f));
        return ExitCode::from(2);
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
    println!(
        "ai_family = {}, ai_family_list = {:?}, dns_atype_list = {:?}, sa_family_list = {:?}",
        r.info.ai_family, r.info.ai_family_list, r.info.dns_atype_list, r.info.sa_family_list
    );
    ExitCode::SUCCESS
}

/// What inet_addr_local() finds here, as "addr/mask" lines like Postfix's
/// test driver prints them.
fn interfaces(protocols: &[u8], method: Option<&[u8]>) -> ExitCode {
    use pfinet::inet_addr_local::{Config, Event, inet_addr_local};
    use pfinet::sys::System;
    let r = inet_proto(b"inet_protocols", protocols, IPV6, &socket_probe);
    if let Some(f) = r.fatal {
        eprintln!("pfinet: fatal: {}", text(&f));
        return ExitCode::from(2);
    }
    let config = match method {
        None => Config::compiled(),
        Some(name) => match Config::named(name) {
            Some(c) => c,
            None => {
                eprintln!("pfinet: unknown lookup method: {}", text(name));
                return ExitCode::from(2);
            }
        },
    };
    let events = inet_addr_local(&r.info.ai_family_list, true, config, IPV6, &mut System);
    let mut addr = None;
    for e in events {
        match e {
            Event::Addr(a) => addr = Some(a),
            Event::Mask(m) => println!(
                "{}/{}",
                addr.take().map(|a| a.hostaddr()).unwrap_or_default(),
                m.hostaddr()
            ),
            Event::Warn(t) => eprintln!("pfinet: warning: {}", text(&t)),
            Event::Fatal(t) | Event::Panic(t) => {
                eprintln!("pfinet: fatal: {}", text(&t));
                return ExitCode::from(2);
            }
            Event::VerboseWarn(_) | Event::VerboseInfo(_) => {}
        }
    }
    ExitCode::SUCCESS
}

/// mynetworks for one style, or for each of the three.
fn mynetworks(style: Option<&[u8]>, interfaces: &[u8], protocols: &[u8]) -> ExitCode {
    let styles: Vec<&[u8]> =
        style.map_or_else(|| vec![&b"host"[..], b"subnet", b"class"], |s| vec![s]);
    for style in styles {
        let mut diag = pfinet::diag::Collect::default();
        let result = pfinet::mynetworks::compute(protocols, style, interfaces, &mut diag);
        for (level, t) in &diag.messages {
            if *level == pfinet::diag::Level::Warning {
                eprintln!("pfinet: warning: {}", text(t));
            }
        }
        match result {
            Ok(value) => println!(
                "mynetworks_style = {}: mynetworks = {}",
                text(style),
                text(&value)
            ),
            Err(why) => {
                eprintln!("pfinet: fatal: {}", text(&why));
                return ExitCode::from(2);
            }
        }
    }
    ExitCode::SUCCESS
}

fn check(items: &[Vec<u8>]) -> ExitCode {
    let mut all_ok = true;
    for item in items {
        let verdict = if item.first() == Some(&b'[') {
            valid_mailhost_literal(item, IPV6).map(|()| "valid address literal")
        } else {
            valid_hostaddr(item).map(|()| "valid host address")
        };
        match verdict {
            Ok(what) => println!("{}: {what}", text(item)),
            Err(why) => {
                all_ok = false;
                println!("{}: rejected: {}", text(item), text(&why));
            }
        }
    }
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn matches(pattern: &[u8], addr: &[u8]) -> ExitCode {
    if is_dictionary(pattern) {
        eprintln!(
            "pfinet: {} is a type:table pattern; only address patterns are evaluated here",
            text(pattern)
        );
        return ExitCode::from(2);
    }
    match match_hostaddr(addr, pattern, IPV6) {
        Ok(true) => {
            println!("{} matches {}", text(addr), text(pattern));
            ExitCode::SUCCESS
        }
        Ok(false) => {
            println!("{} does not match {}", text(addr), text(pattern));
            ExitCode::from(1)
        }
        Err(why) => {
            eprintln!("pfinet: error: {}", text(&why));
            ExitCode::from(2)
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<Vec<u8>> = std::env::args_os()
        .skip(1)
        .map(|a| a.as_bytes().to_vec())
        .collect();
    match args.first().map(Vec::as_slice) {
        Some(b"protocols") if args.len() <= 2 => {
            protocols(args.get(1).map_or(b"all".as_slice(), Vec::as_slice))
        }
        Some(b"interfaces") if args.len() <= 3 => interfaces(
            args.get(1).map_or(b"all".as_slice(), Vec::as_slice),
            args.get(2).map(Vec::as_slice),
        ),
        Some(b"mynetworks") if args.len() <= 4 => mynetworks(
            args.get(1).map(Vec::as_slice),
            args.get(2).map_or(b"all".as_slice(), Vec::as_slice),
            args.get(3).map_or(b"all".as_slice(), Vec::as_slice),
        ),
        Some(b"check") if args.len() >= 2 => check(&args[1..]),
        Some(b"match") if args.len() == 3 => matches(&args[1], &args[2]),
        Some(b"--help") | Some(b"-h") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
