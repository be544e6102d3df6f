//! `pfinet lint`: the dead, duplicate and broken entries of a cidr table
//! or a match list, one finding per line as compilers print them (see the
//! library's lint module for what is found).

use crate::matching::{read_file, release};
use crate::parameters::kind_of;
use crate::{IPV6, fatal, text};
use pfinet::internal::lint::{
    Finding, How, ListKind, NotWritten, Report, Severity, lint_cidr, lint_list, minimal_cidr,
    minimal_list,
};
use pfinet::internal::match_list::MatchList;
use pfinet::internal::postfix_release::Release;
use std::process::ExitCode;

const USAGE: &str = "usage: pfinet lint [--json | --minimal] [--postfix-version X.Y] FILE
       pfinet lint [--json] [--postfix-version X.Y] [--parameter NAME] --list PATTERNS
       pfinet lint [--json] [--postfix-version X.Y] --config DIR PARAMETER
  FILE  a cidr: table. Prints each finding as FILE:LINE: warning: TEXT (or
        note: a rule that decides only part of what it covers): rules that
        never decide (and which earlier rules do), duplicates, rules Postfix
        skips and why, if blocks that can never be entered or hold no rule.
  --list PATTERNS   a match list as in main.cf; findings as NAME: entry N:
                    warning: TEXT (FILE:LINE: for patterns from a /file or a
                    cidr: table the list names, which is checked in place)
  --parameter NAME  the list's parameter (default: mynetworks): its name in
                    the findings and its list type (address, or host name
                    and address)
  --config DIR PARAMETER  the match list PARAMETER of DIR/main.cf, as Postfix
                    expands it (`postconf -c DIR -x -h`; PFINET_POSTCONF names
                    the postconf)
  --json            one JSON object instead: file or parameter, rules, findings
  --minimal         write the smallest equivalent table or list instead: the
                    entries that decide, or the fewest prefixes, whichever is
                    smaller (a list's tables and host names stay in place, one
                    entry per line), written only once proven equivalent (both
                    compiled, every range compared)
  --postfix-version X.Y  read the input as that Postfix release does
  Exit status: 1 when a warning was found, 0 when none, 2 on error.";

/// Runs the command.
pub fn run(argv: &[Vec<u8>]) -> ExitCode {
    let valued = ["--postfix-version", "--list", "--parameter", "--config"];
    let a = match crate::args::parse(argv, &valued, &["--json", "--minimal"], USAGE) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let release = match release(a.get("--postfix-version")) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if let Some(patterns) = a.get("--list") {
        if !a.operands.is_empty() || a.get("--config").is_some() {
            return fatal(b"lint --list takes no FILE and no --config (see --help)");
        }
        let pname = a.get("--parameter").unwrap_or(b"mynetworks");
        return list(release, pname, patterns, output(&a));
    }
    if let Some(dir) = a.get("--config") {
        let [pname] = a.operands.as_slice() else {
            return fatal(b"lint --config DIR needs one PARAMETER (see --help)");
        };
        if let Err(code) = kind_of(pname) {
            return code;
        }
        use std::os::unix::ffi::OsStrExt;
        let dir = std::path::Path::new(std::ffi::OsStr::from_bytes(dir));
        let value = match crate::main_cf::parameter(dir, pname, IPV6) {
            Ok(v) => v,
            Err(why) => return fatal(&why),
        };
        return list(release, pname, &value, output(&a));
    }
    let [file] = a.operands.as_slice() else {
        return fatal(b"lint needs one FILE, --list or --config (see --help)");
    };
    let data = match read_file(file) {
        Ok(d) => d,
        Err(errno) => {
            let why = pfinet::internal::host::strerror(errno);
            return fatal(&[b"open ", file.as_slice(), b": ", &why].concat());
        }
    };
    if a.flag("--minimal") {
        return minimal(release, file, &data);
    }
    let Ok(report) = lint_cidr(release, file, &data, IPV6) else {
        return fatal(&[file.as_slice(), b": too many rules to compile"].concat());
    };
    print(&text(file), "file", &report, a.flag("--json"))
}

/// `--minimal FILE`: the smallest equivalent table on stdout, what it is
/// on stderr.
fn minimal(release: Release, file: &[u8], data: &[u8]) -> ExitCode {
    use std::io::Write;
    let m = match minimal_cidr(release, file, data, IPV6) {
        Ok(m) => m,
        Err(NotWritten::TooLarge) => {
            return fatal(&[file, b": too many rules to compile"].concat());
        }
        Err(NotWritten::Unproven(why)) => {
            return fatal(
                &[
                    file,
                    b": no smaller table could be proven equivalent: ",
                    why.as_bytes(),
                ]
                .concat(),
            );
        }
    };
    if std::io::stdout().write_all(&m.text).is_err() {
        return fatal(b"write error on standard output");
    }
    let how = match m.how {
        How::Pruned => "the rules that decide, in their order",
        How::Prefixes => "the fewest prefixes",
    };
    eprintln!(
        "pfinet: {}: {} rules, minimal {} ({how}); proven equivalent over {} ranges",
        text(file),
        m.rules_in,
        m.rules_out,
        m.ranges
    );
    ExitCode::SUCCESS
}

/// What to write: findings, as JSON, or the minimal input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Output {
    Findings,
    Json,
    Minimal,
}

fn output(a: &crate::args::Args) -> Output {
    match (a.flag("--json"), a.flag("--minimal")) {
        (_, true) => Output::Minimal,
        (true, false) => Output::Json,
        (false, false) => Output::Findings,
    }
}

/// Lints match list `patterns` of parameter `pname`.
fn list(release: Release, pname: &[u8], patterns: &[u8], out: Output) -> ExitCode {
    let kind = match kind_of(pname) {
        Ok(k) => k,
        Err(code) => return code,
    };
    let list = match MatchList::parse(release, pname, patterns, &mut read_file) {
        Ok(l) => l,
        Err(why) => return fatal(&why),
    };
    if out == Output::Minimal {
        return minimal_of_list(list, kind);
    }
    let Ok(report) = lint_list(&list, kind, IPV6, &mut read_file) else {
        return fatal(&[pname, b": too many entries to compile"].concat());
    };
    print(&text(pname), "parameter", &report, out == Output::Json)
}

/// `--minimal` for a list: one entry per line on stdout (a /file's form),
/// what it is on stderr.
fn minimal_of_list(list: MatchList, kind: ListKind) -> ExitCode {
    use std::io::Write;
    let (release, pname) = (list.release, list.pname.clone());
    let reparse = |t: &[u8]| MatchList::parse(release, &pname, t, &mut read_file);
    let m = match minimal_list(list, kind, IPV6, &reparse) {
        Ok(m) => m,
        Err(NotWritten::TooLarge) => {
            return fatal(&[&pname, b": too many entries to compile".as_slice()].concat());
        }
        Err(NotWritten::Unproven(why)) => {
            let head = b": no smaller list could be proven equivalent: ".as_slice();
            return fatal(&[&pname, head, why.as_bytes()].concat());
        }
    };
    if std::io::stdout().write_all(&m.text).is_err() {
        return fatal(b"write error on standard output");
    }
    eprintln!(
        "pfinet: {}: {} entries, minimal {}; proven equivalent over {} ranges",
        text(&pname),
        m.entries_in,
        m.entries,
        m.ranges
    );
    ExitCode::SUCCESS
}

/// Prints the findings about `what` (a file or a parameter, `field` in
/// JSON), and gives the exit status.
fn print(what: &str, field: &str, report: &Report, json: bool) -> ExitCode {
    if json {
        println!("{}", as_json(what, field, report));
    } else {
        for f in &report.findings {
            println!("{}", line(what, f));
        }
    }
    if report.has_warnings() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// Where a finding is: `FILE:LINE` (a cidr table's rule, or an entry read
/// from a file), `PARAMETER: entry N`, or the input alone.
fn place(what: &str, f: &Finding) -> String {
    let file = f.file.as_deref().unwrap_or(what);
    match (f.line, f.entry) {
        (Some(n), _) => format!("{file}:{n}"),
        (None, Some(n)) => format!("{what}: entry {n}"),
        (None, None) => what.to_string(),
    }
}

/// `PLACE: warning: TEXT`.
fn line(what: &str, f: &Finding) -> String {
    format!("{}: {}: {}", place(what, f), severity(f.severity), f.text)
}

/// The report as one JSON object.
fn as_json(what: &str, field: &str, r: &Report) -> String {
    let num = |n: Option<usize>| n.map_or("null".to_string(), |n| n.to_string());
    let findings: Vec<String> = r
        .findings
        .iter()
        .map(|f| {
            format!(
                "{{\"file\":{},\"line\":{},\"entry\":{},\"severity\":\"{}\",\"text\":{}}}",
                f.file.as_deref().map_or("null".to_string(), json_string),
                num(f.line),
                num(f.entry),
                severity(f.severity),
                json_string(&f.text)
            )
        })
        .collect();
    format!(
        "{{\"{field}\":{},\"rules\":{},\"findings\":[{}]}}",
        json_string(what),
        r.rules,
        findings.join(",")
    )
}

/// A JSON string literal.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
