//! lint of a match list: [`lint_list`] takes a list as Postfix's
//! match_list_init() reads it ([`crate::match_list::MatchList::parse`]:
//! `/file` patterns expanded in place, each entry with its file and line)
//! and finds, for the addresses Postfix's servers look up (inet_ntop()
//! form):
//!
//! - an entry that covers addresses but decides none (earlier entries, or
//!   a catch-all such as `0.0.0.0/0` or `!0.0.0.0/0`, decide them all);
//! - a duplicate (same pattern, same `!`);
//! - a pattern that matches no address (`01.2.3.4`, a host name in an
//!   address list); in a name-and-address list a host name is a note;
//! - a pattern Postfix rejects only when a lookup reaches it (host bits
//!   set: "did you mean NET/LEN"): the lookup fails and the mail gets a
//!   temporary failure;
//! - a `/file` that cannot be opened: every lookup that reaches it fails;
//! - Postfix's warnings about the list (a comment after other text);
//! - `cidr:` tables, read and checked in place ([`super::lint_cidr`]),
//!   their findings under the table's file; `inline:` tables checked in
//!   place for keys no client address can match (a network, an address
//!   not written as inet_ntop() writes it, a host name in an address
//!   list); other `type:table` entries are listed as not checked.
//!
//! A table entry can decide any address, so it can only take addresses
//! from later entries: an entry reported as never deciding stays so.

use crate::addr_index::{EntryCoverage, list_coverage};
use crate::cidr_match::{Family, parse_str};
use crate::dict_inline::inline_pairs;
use crate::inet_pton::{ntop4, ntop6, pton4, pton6};
use crate::match_list::{Entry, Kind, MatchList};

use super::cidr::host_bits;
use super::{
    Finding, NONE, Name, Report, Severity, TooLarge, first_equal, lint_cidr, rule_finding,
};

/// The kind of list, by the Postfix function that builds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// addr_match_list_init(): addresses only.
    Address,
    /// namadr_list_init(): the client's host name and address.
    NameAddress,
}

/// Reads a file a `cidr:` table names: its bytes, or the errno.
pub type ReadTable<'a> = dyn FnMut(&[u8]) -> Result<Vec<u8>, i32> + 'a;

/// Lint `list` (parsed by the release it names; `ipv6` the build's
/// HAS_IPV6), reading the `cidr:` tables it names with `read_table`.
pub fn lint_list(
    list: &MatchList,
    kind: ListKind,
    ipv6: bool,
    read_table: &mut ReadTable,
) -> Result<Report, TooLarge> {
    if list.len() > crate::addr_index::MAX_ENTRIES {
        return Err(TooLarge);
    }
    // Postfix's errors are about /files that cannot be opened: those
    // entries' own findings say it.
    let mut findings: Vec<Finding> = list
        .messages
        .iter()
        .filter(|(s, _)| *s == crate::match_list::Severity::Warning)
        .map(|(_, text)| Finding {
            file: None,
            line: None,
            entry: None,
            severity: Severity::Warning,
            text: format!("Postfix warns: {}", String::from_utf8_lossy(text)),
        })
        .collect();
    let name_of = |j: usize| name(list.entry(j), j);
    let mut everything = vec![false; list.len()];
    let mut fails = vec![false; list.len()];
    // Duplicates: same pattern and `!`.
    let dup_of = first_equal(list.len(), |i| {
        let e = list.entry(i);
        matches!(e.kind, Kind::Address).then(|| (e.pattern(), e.positive))
    });
    let mut tables = Vec::new();
    list_coverage(
        list.len(),
        |i| list.held(i),
        ipv6,
        |i, c| {
            let e = list.entry(i);
            // A malformed pattern ends every lookup of its family that gets
            // there, but it is no catch-all.
            everything[i] = c.everything && !c.fails;
            fails[i] = c.fails;
            let found = match &e.kind {
                Kind::MissingFile { reason, .. } => Some((
                    Severity::Warning,
                    format!(
                        "{}: every lookup that gets here fails, and the mail gets a temporary \
                     failure",
                        String::from_utf8_lossy(reason)
                    ),
                )),
                Kind::Table => {
                    tables.push(i);
                    not_checked(e.pattern())
                }
                Kind::Address => match dup_of[i] {
                    NONE => {
                        let p = e.pattern();
                        address_finding(p, c, kind, ipv6, (&everything, &fails), &name_of)
                    }
                    j => Some((
                        Severity::Warning,
                        format!("duplicate of {}", name_of(j as usize).one()),
                    )),
                },
            };
            if let Some((severity, text)) = found {
                findings.push(about(e, i, severity, text));
            }
        },
    );
    for i in tables {
        let t = list.entry(i).pattern();
        if let Some(path) = t.strip_prefix(b"cidr:") {
            findings.extend(cidr_in_place(list, i, path, ipv6, read_table)?);
        } else if let Some(body) = t.strip_prefix(b"inline:") {
            let e = list.entry(i);
            findings.extend(
                inline_in_place(body, kind)
                    .into_iter()
                    .map(|text| about(e, i, Severity::Warning, text)),
            );
        }
    }
    findings.sort_by_key(|f| f.entry.unwrap_or(0));
    Ok(Report {
        findings,
        rules: list.len(),
    })
}

/// How findings name entry `i`: `entry 3`, or `/file line 4`.
fn name(e: Entry, i: usize) -> Name {
    match &e.source {
        Some((file, line)) => Name {
            prefix: format!("{} ", String::from_utf8_lossy(file)),
            noun: "line",
            plural: "lines",
            number: *line,
        },
        None => Name::plain("entry", "entries", i + 1),
    }
}

/// A finding about entry `i`, at its file and line when it has them.
fn about(e: Entry, i: usize, severity: Severity, text: String) -> Finding {
    Finding {
        file: e
            .source
            .as_ref()
            .map(|(f, _)| String::from_utf8_lossy(f).into_owned()),
        line: e.source.as_ref().map(|&(_, n)| n),
        entry: Some(i + 1),
        severity,
        text,
    }
}

/// A table entry other than `cidr:` and `inline:` is listed as not
/// checked.
fn not_checked(table: &[u8]) -> Option<(Severity, String)> {
    let in_place = table.starts_with(b"cidr:") || table.starts_with(b"inline:");
    (!in_place).then(|| {
        (
            Severity::Note,
            format!(
                "not checked: {} is a table lookup (pfinet lint reads cidr: and inline: \
                 tables only); \
                 it may decide any address, and take them from the entries after it",
                String::from_utf8_lossy(table)
            ),
        )
    })
}

/// An address pattern's finding.
fn address_finding(
    pattern: &[u8],
    c: &EntryCoverage,
    kind: ListKind,
    ipv6: bool,
    (everything, fails): (&[bool], &[bool]),
    name_of: &dyn Fn(usize) -> Name,
) -> Option<(Severity, String)> {
    let failed_at = c.deciders.iter().find(|&&j| fails[j]);
    if let Some(&j) = failed_at.filter(|_| c.decided == 0.0 && c.covered > 0.0) {
        return Some((
            Severity::Warning,
            format!(
                "never decides: every lookup that gets here has been decided or has \
                 failed earlier (at {}, a malformed pattern)",
                name_of(j).one()
            ),
        ));
    }
    if c.fails {
        return Some((Severity::Warning, failing(pattern, c, ipv6)));
    }
    if c.covered == 0.0 {
        return Some(match kind {
            ListKind::NameAddress => (
                Severity::Note,
                "matches no address: Postfix compares it with the client's host name only"
                    .to_string(),
            ),
            ListKind::Address => (
                Severity::Warning,
                "matches no address as Postfix's servers write them (inet_ntop() form): \
                 never decides"
                    .to_string(),
            ),
        });
    }
    rule_finding(c, everything, name_of)
}

/// A malformed pattern: Postfix's reason, and what happens to the
/// lookups that reach it.
fn failing(pattern: &[u8], c: &EntryCoverage, ipv6: bool) -> String {
    let why = parse_str(pattern, ipv6).err().unwrap_or_default();
    let why = String::from_utf8_lossy(&why).into_owned();
    let why = match host_bits(&why) {
        Some((given, meant)) => format!("host bits set in \"{given}\"; did you mean {meant}"),
        None => why,
    };
    let family = match c.family {
        Some(Family::V6) => "IPv6",
        _ => "IPv4",
    };
    if c.decided == 0.0 {
        format!(
            "Postfix rejects this pattern when a lookup gets here ({why}); none does now, \
             earlier entries decide every {family} address"
        )
    } else {
        format!(
            "Postfix rejects this pattern only when a lookup gets here ({why}): every lookup \
             of an {family} address that gets here fails, and the mail gets a temporary failure"
        )
    }
}

/// The keys of an `inline:` table in the list that no client address can
/// match: Postfix looks an address up as the exact string inet_ntop()
/// writes (and, in a host name and address list, the host name).
fn inline_in_place(body: &[u8], kind: ListKind) -> Vec<String> {
    let mut found = Vec::new();
    for (key, _) in inline_pairs(body) {
        let k = String::from_utf8_lossy(&key);
        let bare = key.strip_prefix(b"[").and_then(|k| k.strip_suffix(b"]"));
        let written = canonical(bare.unwrap_or(&key));
        let why = match written {
            _ if key.contains(&b'/') => Some(
                "a network: an inline table matches whole strings, so no address \
                 matches it (a cidr: table matches networks)"
                    .to_string(),
            ),
            Some(w) if w.as_bytes() != key.as_slice() => Some(format!(
                "no address matches it: Postfix looks that client up as \"{w}\""
            )),
            Some(_) => None,
            None if kind == ListKind::Address => {
                Some("no address matches it (an address list looks up addresses)".to_string())
            }
            None => None,
        };
        if let Some(why) = why {
            found.push(format!("inline key \"{k}\": {why}"));
        }
    }
    found
}

/// An address's inet_ntop() text, if `text` is an address.
fn canonical(text: &[u8]) -> Option<String> {
    if let Some(a) = pton4(text) {
        return Some(ntop4(&a));
    }
    pton6(text).map(|a| ntop6(&a))
}

/// The findings of the `cidr:` table entry `i` names, at `path`, under
/// the table's file; a table that cannot be read is a finding too.
fn cidr_in_place(
    list: &MatchList,
    i: usize,
    path: &[u8],
    ipv6: bool,
    read_table: &mut ReadTable,
) -> Result<Vec<Finding>, TooLarge> {
    let e = list.entry(i);
    let data = match read_table(path) {
        Ok(d) => d,
        Err(errno) => {
            let why = crate::host::strerror(errno);
            let text = format!(
                "not checked: cannot read {}: {}",
                String::from_utf8_lossy(path),
                String::from_utf8_lossy(&why)
            );
            return Ok(vec![about(e, i, Severity::Warning, text)]);
        }
    };
    let report = lint_cidr(list.release, path, &data, ipv6)?;
    let file = String::from_utf8_lossy(path).into_owned();
    Ok(report
        .findings
        .into_iter()
        .map(|f| Finding {
            file: Some(file.clone()),
            entry: Some(i + 1),
            ..f
        })
        .collect())
}
