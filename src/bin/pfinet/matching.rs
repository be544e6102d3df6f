//! `pfinet match`: Postfix's decision for an address against an address
//! match list (mynetworks and the other addr_match_list(3) parameters) or
//! a `cidr:` table, and the entry or rule that made it.
//!
//! Output: first the line stock Postfix's own test programs print
//! (`ADDRESS: YES`, `NO` or `ERROR` for a list, as addr_match_list's test
//! driver; `ADDRESS: RESULT` for a table, the result `postmap -q` prints),
//! then what decided: `decided by entry N: TEXT` (with `(FILE, line L)`
//! for patterns read from a /file) or `decided by rule at FILE, line L:
//! TEXT`, or `no entry matched` / `no rule matched`.

use crate::{IPV6, fatal, text, warn};
use pfinet::internal::dict_cidr::Table;
use pfinet::internal::match_list::{MatchList, Severity};
use pfinet::internal::postfix_release::Release;
use std::process::ExitCode;

const USAGE: &str =
    "usage: pfinet match [--parameter NAME] [--postfix-version X.Y] PATTERNS ADDRESS
       pfinet match [--postfix-version X.Y] --cidr FILE ADDRESS
  PATTERNS  an address match list as in main.cf (mynetworks, debug_peer_list...):
            comma/space separated, `!` negates, first match wins, /file/name
            reads patterns from a file; type:table entries are not looked up
            (reported, and taken as not matching)
  --parameter NAME  the parameter named in Postfix's messages (default: mynetworks)
  --postfix-version X.Y  read the list as that Postfix release does (comments,
                    /file patterns); default: the installed Postfix's
                    (`postconf -h mail_version`; PFINET_POSTCONF names another
                    postconf), else the newest
  --cidr FILE       look ADDRESS up in a cidr: table instead (as `postmap -q`)
  Exit status: 0 match, 1 no match, 2 error.";

pub fn read_file(path: &[u8]) -> Result<Vec<u8>, i32> {
    use std::os::unix::ffi::OsStrExt;
    std::fs::read(std::ffi::OsStr::from_bytes(path))
        .map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))
}

/// The release to read lists as: `--postfix-version`, else the installed
/// Postfix's, else the newest.
pub fn release(given: Option<&[u8]>) -> Result<Release, ExitCode> {
    if let Some(v) = given {
        return Release::of_version(v)
            .ok_or_else(|| fatal(&[b"bad --postfix-version: ", v].concat()));
    }
    let installed = crate::main_cf::postconf().and_then(|cmd| {
        let out = std::process::Command::new(cmd)
            .args(["-d", "-h", "mail_version"])
            .stderr(std::process::Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())?;
        Release::of_version(out.stdout.trim_ascii())
    });
    Ok(installed.unwrap_or_default())
}

fn list(release: Release, pname: &[u8], patterns: &[u8], addr: &[u8]) -> ExitCode {
    let list = match MatchList::parse(release, pname, patterns, &mut read_file) {
        Ok(l) => l,
        Err(why) => return fatal(&why),
    };
    for (severity, t) in &list.messages {
        match severity {
            Severity::Warning => warn(t),
            Severity::Error => crate::error(t),
        }
    }
    let ev = list.evaluate(addr, IPV6);
    ev.warnings.iter().for_each(|w| warn(w));
    let verdict = if ev.matched {
        "YES"
    } else if ev.error {
        "ERROR"
    } else {
        "NO"
    };
    println!("{}: {verdict}", text(addr));
    for &i in &ev.not_evaluated {
        println!(
            "entry {} not evaluated: {}: pfinet does not look up tables; taken as no match",
            i + 1,
            text(&list.entries[i].text)
        );
    }
    match ev.decided_by {
        Some(i) => {
            let e = &list.entries[i];
            let source = e
                .source
                .as_ref()
                .map(|(f, l)| format!(" ({}, line {l})", text(f)))
                .unwrap_or_default();
            let how = if ev.error { "failed at" } else { "decided by" };
            println!(
                "{how} entry {} of {}: {}{source}",
                i + 1,
                list.entries.len(),
                text(&e.text)
            );
        }
        None => println!("no entry matched ({} entries)", list.entries.len()),
    }
    if ev.matched {
        ExitCode::SUCCESS
    } else if ev.error {
        ExitCode::from(2)
    } else {
        ExitCode::from(1)
    }
}

fn cidr(release: Release, file: &[u8], addr: &[u8]) -> ExitCode {
    let data = match read_file(file) {
        Ok(d) => d,
        Err(errno) => {
            let why = pfinet::internal::host::strerror(errno);
            return fatal(&[b"open ", file, b": ", &why].concat());
        }
    };
    let table = Table::parse(release, file, &data, IPV6);
    table.warnings.iter().for_each(|w| warn(w));
    let found = match table.lookup(addr) {
        Ok(found) => found,
        Err(why) => return fatal(&why),
    };
    match found {
        Some(i) => {
            let r = &table.rules[i];
            println!("{}: {}", text(addr), text(&r.value));
            println!(
                "decided by rule at {}, line {}: {}",
                text(file),
                r.line,
                text(&r.text)
            );
            ExitCode::SUCCESS
        }
        None => {
            println!(
                "{}: no rule matched ({} rules)",
                text(addr),
                table.rules.len()
            );
            ExitCode::from(1)
        }
    }
}

/// Runs the command.
pub fn run(argv: &[Vec<u8>]) -> ExitCode {
    let opts = ["--parameter", "--cidr", "--postfix-version"];
    let a = match crate::args::parse(argv, &opts, &[], USAGE) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let release = match release(a.get("--postfix-version")) {
        Ok(r) => r,
        Err(code) => return code,
    };
    match (a.get("--cidr"), a.operands.as_slice()) {
        (Some(file), [addr]) => cidr(release, file, addr),
        (None, [patterns, addr]) => list(
            release,
            a.get("--parameter").unwrap_or(b"mynetworks"),
            patterns,
            addr,
        ),
        _ => fatal(b"match needs PATTERNS ADDRESS, or --cidr FILE ADDRESS (see --help)"),
    }
}
