//! `pfinet report`: the host as Postfix sees it, in one go: what
//! inet_protocols enables, the interface addresses and netmasks
//! (inet_addr_local()), and the mynetworks value of each mynetworks_style;
//! with `--config DIR`, those of DIR/main.cf's settings. It runs the
//! `protocols`, `interfaces` and `mynetworks` commands in turn.

use crate::main_cf::Settings;
use crate::{IPV6, fatal, interfaces, mynetworks, protocols};
use std::process::ExitCode;

const USAGE: &str = "usage: pfinet report [--config DIR]
  Prints, each under a heading, `pfinet protocols`, `pfinet interfaces` and
  `pfinet mynetworks`: with --config DIR, for the inet_protocols,
  inet_interfaces and mynetworks_style of DIR/main.cf (Postfix's defaults
  for what it lacks); without, for Postfix's defaults and every style.
  Exit status: 0, or 2 when a part failed (it says why on stderr).";

/// One part of the report: its heading, the command, its arguments.
type Part<'a> = (&'static str, fn(&[Vec<u8>]) -> ExitCode, &'a [Vec<u8>]);

/// Runs the command.
pub fn run(argv: &[Vec<u8>]) -> ExitCode {
    let a = match crate::args::parse(argv, &["--config"], &[], USAGE) {
        Ok(a) => a,
        Err(code) => return code,
    };
    if !a.operands.is_empty() {
        return fatal(b"report takes no operands (see --help)");
    }
    let (protocols_args, mynetworks_args) = match a.get("--config") {
        None => (vec![], vec![]),
        Some(dir) => {
            use std::os::unix::ffi::OsStrExt;
            let path = std::path::Path::new(std::ffi::OsStr::from_bytes(dir));
            match Settings::read(path, IPV6) {
                Ok(s) => (
                    vec![b"--protocols".to_vec(), s.protocols],
                    vec![b"--config".to_vec(), dir.to_vec()],
                ),
                Err(why) => return fatal(&why),
            }
        }
    };
    let parts: [Part; 3] = [
        ("inet_protocols", protocols::run, &protocols_args),
        (
            "interfaces (inet_addr_local)",
            interfaces::run,
            &protocols_args,
        ),
        ("mynetworks", mynetworks::run, &mynetworks_args),
    ];
    let mut status = ExitCode::SUCCESS;
    for (n, (title, part, args)) in parts.into_iter().enumerate() {
        if n > 0 {
            println!();
        }
        println!("== {title} ==");
        let code = part(args);
        if code != ExitCode::SUCCESS {
            status = code;
        }
    }
    status
}
