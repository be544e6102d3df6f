//! `pfinet lint`: the dead, duplicate and broken entries of a cidr table,
//! one finding per line as compilers print them (see the library's lint
//! module for what is found).

use crate::matching::{read_file, release};
use crate::{IPV6, fatal, text};
use pfinet::internal::lint::{Finding, Report, Severity, lint_cidr};
use std::process::ExitCode;

const USAGE: &str = "usage: pfinet lint [--json] [--postfix-version X.Y] FILE
  FILE  a cidr: table. Prints each finding as FILE:LINE: warning: TEXT (or
        note: a rule that decides only part of what it covers): rules that
        never decide (and which earlier rules do), duplicates, rules Postfix
        skips and why, if blocks that can never be entered or hold no rule.
  --json            one JSON object instead: file, rules, findings
  --postfix-version X.Y  read the table as that Postfix release does
  Exit status: 1 when a warning was found, 0 when none, 2 on error.";

/// Runs the command.
pub fn run(argv: &[Vec<u8>]) -> ExitCode {
    let a = match crate::args::parse(argv, &["--postfix-version"], &["--json"], USAGE) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let [file] = a.operands.as_slice() else {
        return fatal(b"lint needs one FILE (see --help)");
    };
    let release = match release(a.get("--postfix-version")) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let data = match read_file(file) {
        Ok(d) => d,
        Err(errno) => {
            let why = pfinet::internal::host::strerror(errno);
            return fatal(&[b"open ", file.as_slice(), b": ", &why].concat());
        }
    };
    let Ok(report) = lint_cidr(release, file, &data, IPV6) else {
        return fatal(&[file.as_slice(), b": too many rules to compile"].concat());
    };
    if a.flag("--json") {
        println!("{}", json(file, &report));
    } else {
        for f in &report.findings {
            println!("{}", line(file, f));
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

/// `FILE:LINE: warning: TEXT`, or `FILE: warning: TEXT` without a line.
fn line(file: &[u8], f: &Finding) -> String {
    let at = f.line.map(|n| format!(":{n}")).unwrap_or_default();
    format!("{}{at}: {}: {}", text(file), severity(f.severity), f.text)
}

/// The report as one JSON object.
fn json(file: &[u8], r: &Report) -> String {
    let findings: Vec<String> = r
        .findings
        .iter()
        .map(|f| {
            format!(
                "{{\"line\":{},\"severity\":\"{}\",\"text\":{}}}",
                f.line.map_or("null".to_string(), |n| n.to_string()),
                severity(f.severity),
                json_string(&f.text)
            )
        })
        .collect();
    format!(
        "{{\"file\":{},\"rules\":{},\"findings\":[{}]}}",
        json_string(&text(file)),
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
