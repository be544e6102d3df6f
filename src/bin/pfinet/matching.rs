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

use crate::tables::Tables;
use crate::{IPV6, fatal, text, warn};
use pfinet::internal::dict_cidr::Table;
use pfinet::internal::lint::ListKind;
use pfinet::internal::match_list::{Evaluation, MatchList, Severity};
use pfinet::internal::postfix_release::Release;
use std::process::ExitCode;

const USAGE: &str =
    "usage: pfinet match [--parameter NAME] [--postfix-version X.Y] PATTERNS ADDRESS
       pfinet match [--postfix-version X.Y] --cidr FILE ADDRESS
       pfinet match [--postfix-version X.Y] --config DIR PARAMETER ADDRESS [HOSTNAME]
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
  --config DIR      the match list PARAMETER of DIR/main.cf as the installed Postfix
                    has it (`postconf -c DIR -x -h`; PFINET_POSTCONF names the
                    postconf), with its list type: a host name and address list
                    (smtpd's mynetworks...) also compares HOSTNAME (default
                    `unknown`, as smtpd for a client without one); cidr: and
                    inline: tables are looked up in place, other tables with the
                    installed postmap -q
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
    let list = match parse(release, pname, patterns) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let ev = list.evaluate(addr, IPV6);
    explain(&list, &ev, &text(addr), "pfinet does not look up tables")
}

/// The list, its parsing messages logged.
fn parse(release: Release, pname: &[u8], patterns: &[u8]) -> Result<MatchList, ExitCode> {
    let list = MatchList::parse(release, pname, patterns, &mut read_file).map_err(|w| fatal(&w))?;
    for (severity, t) in &list.messages {
        match severity {
            Severity::Warning => warn(t),
            Severity::Error => crate::error(t),
        }
    }
    Ok(list)
}

/// `--config DIR PARAMETER ADDRESS [HOSTNAME]`.
fn config(release: Release, dir: &[u8], operands: &[Vec<u8>]) -> ExitCode {
    let (pname, addr, host) = match operands {
        [p, a] => (p, a, None),
        [p, a, h] => (p, a, Some(h.as_slice())),
        _ => return fatal(b"match --config DIR needs PARAMETER ADDRESS [HOSTNAME] (see --help)"),
    };
    let kind = match crate::parameters::kind_of(pname) {
        Ok(k) => k,
        Err(code) => return code,
    };
    use std::os::unix::ffi::OsStrExt;
    let dir = std::path::Path::new(std::ffi::OsStr::from_bytes(dir));
    let value = match crate::main_cf::parameter(dir, pname, IPV6) {
        Ok(v) => v,
        Err(why) => return fatal(&why),
    };
    let list = match parse(release, pname, &value) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let name = match kind {
        ListKind::NameAddress => {
            let parent = crate::parameters::parent_style(dir, pname, IPV6);
            Some((host.unwrap_or(b"unknown").to_ascii_lowercase(), parent))
        }
        ListKind::Address => None,
    };
    let tables = Tables {
        release,
        dir,
        name: name.clone(),
        addr: addr.to_ascii_lowercase(),
    };
    let client = name.as_ref().map(|(n, p)| (n.as_slice(), *p));
    let ev = list.evaluate_with(client, addr, IPV6, &mut |_, t| tables.answer(t));
    // As namadr_list's test program prints it: HOST/ADDRESS.
    let who = match &name {
        Some((n, _)) => format!("{}/{}", text(n), text(addr)),
        None => text(addr).into_owned(),
    };
    explain(&list, &ev, &who, "no postmap to look it up with")
}

/// Prints Postfix's answer and what decided; the exit status.
fn explain(list: &MatchList, ev: &Evaluation, who: &str, unlooked: &str) -> ExitCode {
    ev.warnings.iter().for_each(|w| warn(w));
    let verdict = if ev.matched {
        "YES"
    } else if ev.error {
        "ERROR"
    } else {
        "NO"
    };
    println!("{who}: {verdict}");
    for &i in &ev.not_evaluated {
        println!(
            "entry {} not evaluated: {}: {unlooked}; taken as no match",
            i + 1,
            text(list.entry(i).as_written())
        );
    }
    match ev.decided_by {
        Some(i) => {
            let e = list.entry(i);
            let source = e
                .source
                .as_ref()
                .map(|(f, l)| format!(" ({}, line {l})", text(f)))
                .unwrap_or_default();
            let how = if ev.error { "failed at" } else { "decided by" };
            let table = ev
                .table_detail
                .as_ref()
                .map(|d| format!(" -> {}", text(d)))
                .unwrap_or_default();
            println!(
                "{how} entry {} of {}: {}{source}{table}",
                i + 1,
                list.len(),
                text(e.as_written())
            );
        }
        None => println!("no entry matched ({} entries)", list.len()),
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
    let opts = ["--parameter", "--cidr", "--postfix-version", "--config"];
    let a = match crate::args::parse(argv, &opts, &[], USAGE) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let release = match release(a.get("--postfix-version")) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if let Some(dir) = a.get("--config") {
        return config(release, dir, &a.operands);
    }
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
