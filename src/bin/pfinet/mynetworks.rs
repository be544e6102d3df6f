//! `pfinet mynetworks`: the value Postfix computes for mynetworks when
//! main.cf does not set it (src/global/mynetworks.c), from
//! mynetworks_style, inet_interfaces and inet_protocols.

use crate::main_cf::Settings;
use crate::{IPV6, fatal, text, warn};
use pfinet::internal::diag::{Collect, Level};
use std::process::ExitCode;

const USAGE: &str =
    "usage: pfinet mynetworks [--style host|subnet|class] [--interfaces all|loopback-only|LIST]
                         [--protocols LIST] [--config DIR] [-h]
  --style S       mynetworks_style (default: each of host, subnet, class in turn)
  --interfaces I  inet_interfaces (default: all)
  --protocols P   inet_protocols (default: all)
  --config DIR    read these three from DIR/main.cf (options given here win); a
                  setting main.cf lacks gets stock Postfix's default
  -h              print the value only, as `postconf -h mynetworks`
  Prints `mynetworks = VALUE` as `postconf mynetworks` would.";

fn compute(s: &Settings, style: &[u8], value_only: bool) -> Result<(), ExitCode> {
    let mut diag = Collect::default();
    let result =
        pfinet::internal::mynetworks::compute(&s.protocols, style, &s.interfaces, &mut diag);
    for (level, t) in &diag.messages {
        if *level == Level::Warning {
            warn(t);
        }
    }
    let value = result.map_err(|why| fatal(&why))?;
    if value_only {
        println!("{}", text(&value));
    } else {
        println!("mynetworks = {}", text(&value));
    }
    Ok(())
}

/// Runs the command.
pub fn run(argv: &[Vec<u8>]) -> ExitCode {
    let opts = ["--style", "--interfaces", "--protocols", "--config"];
    let a = match crate::args::parse(argv, &opts, &["-h"], USAGE) {
        Ok(a) => a,
        Err(code) => return code,
    };
    if !a.operands.is_empty() {
        return fatal(b"mynetworks takes no operands (see --help)");
    }
    let config = a.get("--config").map(|d| {
        use std::os::unix::ffi::OsStrExt;
        Settings::read(std::path::Path::new(std::ffi::OsStr::from_bytes(d)), IPV6)
    });
    let mut s = match config {
        Some(Err(why)) => return fatal(&why),
        Some(Ok(s)) => s,
        None => Settings {
            protocols: pfinet::internal::inet_proto::default_protocols(IPV6).to_vec(),
            interfaces: b"all".to_vec(),
            style: Vec::new(),
            sets_mynetworks: false,
        },
    };
    if s.sets_mynetworks {
        warn(b"main.cf sets mynetworks; Postfix uses that value, not the one computed here");
    }
    for (field, name) in [
        (&mut s.protocols, "--protocols"),
        (&mut s.interfaces, "--interfaces"),
        (&mut s.style, "--style"),
    ] {
        if let Some(v) = a.get(name) {
            *field = v.to_vec();
        }
    }
    let value_only = a.flag("-h");
    let one_style = a.get("--config").is_some() || a.get("--style").is_some();
    let outcome = if one_style {
        compute(&s, &s.style, value_only)
    } else {
        [&b"host"[..], b"subnet", b"class"]
            .iter()
            .try_for_each(|style| {
                if !value_only {
                    println!("# mynetworks_style = {}", text(style));
                }
                compute(&s, style, value_only)
            })
    };
    outcome.err().unwrap_or(ExitCode::SUCCESS)
}
