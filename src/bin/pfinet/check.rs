//! `pfinet check`: which of Postfix's valid_hostaddr() (a bare IPv4 or
//! IPv6 address, as in a Received: header or a client address) and
//! valid_mailhost_literal() (an address literal, `[192.0.2.1]` or
//! `[IPv6:2001:db8::1]`, as in user@[...]) accept each argument, with the
//! warning Postfix logs (gripe on) when one does not.

use crate::{IPV6, fatal, text, warn};
use pfinet::internal::valid_hostaddr::valid_hostaddr;
use pfinet::internal::valid_mailhost_addr::valid_mailhost_literal;
use std::process::ExitCode;

const USAGE: &str = "usage: pfinet check ADDRESS-OR-LITERAL...
  For each argument, one line per check: `ARG: valid_hostaddr: accepted|rejected`
  and `ARG: valid_mailhost_literal: accepted|rejected`; Postfix's warnings on stderr.
  Exit status 0 when each argument is accepted by at least one, else 1.";

/// Runs the command.
pub fn run(argv: &[Vec<u8>]) -> ExitCode {
    let a = match crate::args::parse(argv, &[], &[], USAGE) {
        Ok(a) => a,
        Err(code) => return code,
    };
    if a.operands.is_empty() {
        return fatal(b"check needs at least one address (see --help)");
    }
    let mut all_accepted = true;
    for item in &a.operands {
        let checks = [
            ("valid_hostaddr", valid_hostaddr(item)),
            ("valid_mailhost_literal", valid_mailhost_literal(item, IPV6)),
        ];
        let mut any = false;
        for (name, verdict) in checks {
            let word = match verdict {
                Ok(()) => {
                    any = true;
                    "accepted"
                }
                Err(why) => {
                    warn(&why);
                    "rejected"
                }
            };
            println!("{}: {name}: {word}", text(item));
        }
        all_accepted &= any;
    }
    if all_accepted {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
