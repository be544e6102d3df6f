//! pfinet - Postfix's address decisions, explained (see man/man1/pfinet.1)
//!
//! ```text
//! pfinet interfaces [--protocols LIST] [--method getifaddrs|siocgif|procnet]
//! pfinet mynetworks [--style host|subnet|class] [--interfaces all|loopback-only|LIST]
//!                   [--protocols LIST] [--config DIR] [-h]
//! pfinet match [--parameter NAME] PATTERNS ADDRESS
//! pfinet match --cidr FILE ADDRESS
//! pfinet check ADDRESS-OR-LITERAL...
//! pfinet compile TABLE...
//! pfinet lint [--json] [--postfix-version X.Y] FILE
//! pfinet protocols [LIST]
//! pfinet report [--config DIR]
//! ```
//! A thin layer over the library's safe core: every decision is made by
//! the core modules, this program only reads arguments and prints. Exit
//! status: 0 match or success, 1 no match (or rejected), 2 error; errors
//! go to stderr in one line, `pfinet: fatal: TEXT`, warnings as Postfix
//! logs them, `pfinet: warning: TEXT` (the name is argv[0]'s base name).

mod args;
mod check;
mod compile;
mod interfaces;
mod lint;
mod main_cf;
mod matching;
mod mynetworks;
mod parameters;
mod protocols;
mod report;
mod tables;

use std::process::ExitCode;

/// Postfix's HAS_IPV6, as this build has it.
pub const IPV6: bool = cfg!(feature = "has_ipv6");

const USAGE: &str = "\
usage: pfinet COMMAND [OPTIONS] [ARGUMENTS]
  interfaces [--protocols LIST] [--method getifaddrs|siocgif|procnet]
        this host's addresses and netmasks, as Postfix's inet_addr_local() finds them
  mynetworks [--style host|subnet|class] [--interfaces all|loopback-only|LIST]
             [--protocols LIST] [--config DIR] [-h]
        the mynetworks value Postfix computes (all three styles unless one is given)
  match [--parameter NAME] PATTERNS ADDRESS
  match --cidr FILE ADDRESS
        Postfix's decision for ADDRESS, and the entry or rule that made it
  check ADDRESS-OR-LITERAL...
        which of valid_hostaddr() and valid_mailhost_literal() accept each argument
  compile TABLE...
        write TABLE.pfinet, the cidr: table compiled, which a Postfix built with pfinet maps
  lint [--json] [--postfix-version X.Y] FILE
        a cidr: table's rules that never decide, duplicates, rules Postfix skips, dead if blocks
  protocols [LIST]
        what inet_protocols = LIST enables here
  report [--config DIR]
        all of the host as Postfix sees it: protocols, interfaces, mynetworks
'pfinet COMMAND --help' describes a command; exit status: 0 match or success,
1 no match or rejected, 2 error.";

/// The program's name in messages: argv[0]'s base name, as Postfix's
/// programs log.
pub fn program() -> &'static str {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        let arg0 = std::env::args_os().next().unwrap_or_default();
        let base = std::path::Path::new(&arg0).file_name().unwrap_or_default();
        let name = base.to_string_lossy().into_owned();
        if name.is_empty() {
            "pfinet".into()
        } else {
            name
        }
    })
}

/// Bytes as text for printing (lossy for invalid UTF-8).
pub fn text(b: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(b)
}

/// Postfix's msg(3) output: a byte that is not printable becomes `?`
/// (printable(3) in msg_output()), so every message is one line.
fn printable(t: &[u8]) -> Vec<u8> {
    t.iter()
        .map(|&c| if c < 0x20 || c == 0x7f { b'?' } else { c })
        .collect()
}

/// `pfinet: warning: TEXT` on stderr.
pub fn warn(t: &[u8]) {
    eprintln!("{}: warning: {}", program(), text(&printable(t)));
}

/// `pfinet: error: TEXT` on stderr (Postfix's msg_error(): go on).
pub fn error(t: &[u8]) {
    eprintln!("{}: error: {}", program(), text(&printable(t)));
}

/// `pfinet: fatal: TEXT` on stderr, in one line; exit status 2.
pub fn fatal(t: &[u8]) -> ExitCode {
    eprintln!("{}: fatal: {}", program(), text(&printable(t)));
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let argv: Vec<Vec<u8>> = {
        use std::os::unix::ffi::OsStrExt;
        std::env::args_os()
            .skip(1)
            .map(|a| a.as_bytes().to_vec())
            .collect()
    };
    let Some((command, rest)) = argv.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let run: fn(&[Vec<u8>]) -> ExitCode = match command.as_slice() {
        b"interfaces" => interfaces::run,
        b"mynetworks" => mynetworks::run,
        b"match" => matching::run,
        b"check" => check::run,
        b"compile" => compile::run,
        b"lint" => lint::run,
        b"protocols" => protocols::run,
        b"report" => report::run,
        b"--help" | b"help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        other => {
            let what: &[u8] = other;
            return fatal(&[b"unknown command: ", what, b" (try --help)"].concat());
        }
    };
    run(rest)
}
