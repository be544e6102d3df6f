//! The smallest equivalent match list, for `pfinet lint --minimal --list`
//! and `--config`.
//!
//! A list's `type:table` entries (and, in a host name and address list,
//! its host name patterns) stay where they are: they decide what pfinet
//! cannot see. Between them, each run of address patterns becomes the
//! smaller of:
//!
//! - its patterns that decide, in their order;
//! - the fewest prefixes that give every address the run's answer (a
//!   match, a `!` match, or none: the walk goes on), `!` for the `!`
//!   answers ([`crate::addr_index::minimal_prefixes`]). In the last run a
//!   `!` match and none are the same answer (no match). A run with a
//!   malformed pattern that decides keeps its patterns.
//!
//! `/file` patterns are written out in place. The output is written only
//! once it is proven: it is parsed back as Postfix would, its runs
//! compiled, and each run's partition, range by range with its answer,
//! must be the input's.

use crate::addr_index::{Hit, NO_ANSWER, Run, list_runs, minimal_prefixes};
use crate::cidr_match::Family;
use crate::match_list::{Kind, MatchList};
use std::net::{Ipv4Addr, Ipv6Addr};

use super::list::patterns;
use super::{ListKind, NotWritten};

/// What [`minimal_list`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinimalList {
    /// The entries, each as main.cf takes it.
    pub entries: Vec<Vec<u8>>,
    /// How many entries the input had.
    pub entries_in: usize,
    /// How many ranges the proof compared.
    pub ranges: usize,
}

/// An answer of a run for an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Answer {
    Match,
    NoMatch,
    /// The walk goes on past the run.
    Next,
}

/// Parses a list's text as Postfix would: the list, or the fatal text.
pub type Reparse<'a> = dyn Fn(&[u8]) -> Result<MatchList, Vec<u8>> + 'a;

/// The smallest list equivalent to `list`, proven so. `reparse` parses
/// the output text as Postfix would (the same release and name).
pub fn minimal_list(
    list: &MatchList,
    kind: ListKind,
    ipv6: bool,
    reparse: &Reparse,
) -> Result<MinimalList, NotWritten> {
    let pats = patterns(list);
    if pats.len() > crate::addr_index::MAX_ENTRIES {
        return Err(NotWritten::TooLarge);
    }
    let separate = separators(list, kind, ipv6);
    let runs = list_runs(&pats, ipv6, |i| separate[i]);
    let mut entries: Vec<Vec<u8>> = Vec::new();
    let mut at = 0;
    for (n, run) in runs.iter().enumerate() {
        // The separators before the run, kept as written.
        for e in &list.entries[at..run.first] {
            entries.push(e.as_written().to_vec());
        }
        let last = n + 1 == runs.len();
        entries.extend(rewrite(list, run, last));
        at = run.end;
    }
    let text = entries.join(&b"\n"[..]);
    let out = reparse(&text).map_err(|w| NotWritten::Unproven(lossy(&w)))?;
    let out_pats = patterns(&out);
    let out_separate = separators(&out, kind, ipv6);
    let out_runs = list_runs(&out_pats, ipv6, |i| out_separate[i]);
    let ranges = prove(list, &runs, &out, &out_runs)?;
    Ok(MinimalList {
        entries,
        entries_in: list.entries.len(),
        ranges,
    })
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Which entries stay in place: tables, /files that could not be opened,
/// and host name patterns of a namadr list (an address pattern that
/// matches no address). In an address list the latter do nothing.
fn separators(list: &MatchList, kind: ListKind, ipv6: bool) -> Vec<bool> {
    list.entries
        .iter()
        .map(|e| match &e.kind {
            Kind::Table | Kind::MissingFile { .. } => true,
            Kind::Address => kind == ListKind::NameAddress && paints_nothing(e.pattern(), ipv6),
        })
        .collect()
}

fn paints_nothing(p: &[u8], ipv6: bool) -> bool {
    let runs = list_runs(&[p], ipv6, |_| false);
    runs.iter()
        .all(|r| r.v4.iter().chain(&r.v6).all(|(_, h)| h.is_none()))
}

/// A run's answers per family, or None when a malformed pattern decides.
fn answers(run: &Run, last: bool) -> Option<[Vec<(u128, Answer)>; 2]> {
    let map = |ranges: &[(u128, Option<Hit>)]| -> Option<Vec<(u128, Answer)>> {
        let mut out: Vec<(u128, Answer)> = Vec::new();
        for &(start, hit) in ranges {
            let a = match hit {
                Some(Hit::Match(_)) => Answer::Match,
                Some(Hit::Negated(_)) if !last => Answer::NoMatch,
                Some(Hit::Negated(_)) | None => Answer::Next,
                Some(Hit::Error(_)) => return None,
            };
            if out.last().is_none_or(|l| l.1 != a) {
                out.push((start, a));
            }
        }
        Some(out)
    };
    Some([map(&run.v4)?, map(&run.v6)?])
}

/// The run's entries: the patterns that decide, or the fewest prefixes.
fn rewrite(list: &MatchList, run: &Run, last: bool) -> Vec<Vec<u8>> {
    let deciders: Vec<Vec<u8>> = (run.first..run.end)
        .filter(|&i| {
            run.v4
                .iter()
                .chain(&run.v6)
                .any(|(_, h)| h.is_some_and(|h| h.entry() as usize == i))
        })
        .map(|i| list.entries[i].as_written().to_vec())
        .collect();
    let Some(answers) = answers(run, last) else {
        return deciders;
    };
    let mut prefixes = Vec::new();
    for (family, ranges) in [(Family::V4, &answers[0]), (Family::V6, &answers[1])] {
        let starts: Vec<u128> = ranges.iter().map(|r| r.0).collect();
        let values: Vec<u32> = ranges
            .iter()
            .map(|r| match r.1 {
                Answer::Match => 0,
                Answer::NoMatch => 1,
                Answer::Next => NO_ANSWER,
            })
            .collect();
        for (lo, len, v) in minimal_prefixes(&starts, &values, family) {
            let bang = if v == 1 { "!" } else { "" };
            let p = match (family, len) {
                (Family::V4, 32) => format!("{}", Ipv4Addr::from(lo as u32)),
                (Family::V4, _) => format!("{}/{len}", Ipv4Addr::from(lo as u32)),
                (Family::V6, 128) => format!("[{}]", Ipv6Addr::from(lo)),
                (Family::V6, _) => format!("[{}]/{len}", Ipv6Addr::from(lo)),
            };
            prefixes.push(format!("{bang}{p}").into_bytes());
        }
    }
    if prefixes.len() < deciders.len() {
        prefixes
    } else {
        deciders
    }
}

/// Input and output have the same separators, in order, and each run the
/// same answers (a malformed pattern's: the same pattern failing) over
/// every address: the number of ranges compared.
fn prove(
    input: &MatchList,
    runs: &[Run],
    output: &MatchList,
    out_runs: &[Run],
) -> Result<usize, NotWritten> {
    let unproven = |why: String| Err(NotWritten::Unproven(why));
    if runs.len() != out_runs.len() {
        return unproven(format!("{} runs became {}", runs.len(), out_runs.len()));
    }
    let mut ranges = 0;
    for (n, (a, b)) in runs.iter().zip(out_runs).enumerate() {
        let seps_a = &input.entries[a.end..runs.get(n + 1).map_or(a.end, |r| r.first)];
        let seps_b = &output.entries[b.end..out_runs.get(n + 1).map_or(b.end, |r| r.first)];
        let texts = |s: &[crate::match_list::Entry]| -> Vec<Vec<u8>> {
            s.iter().map(|e| e.text.to_vec()).collect()
        };
        if texts(seps_a) != texts(seps_b) {
            return unproven(format!("the entries after run {n} differ"));
        }
        let last = n + 1 == runs.len();
        let keyed = |list: &MatchList, run: &Run| -> [Vec<(u128, Vec<u8>)>; 2] {
            let one = |r: &[(u128, Option<Hit>)]| {
                let mut out: Vec<(u128, Vec<u8>)> = Vec::new();
                for &(s, h) in r {
                    let k = match h {
                        Some(Hit::Match(_)) => b"match".to_vec(),
                        Some(Hit::Negated(_)) if !last => b"!match".to_vec(),
                        Some(Hit::Negated(_)) | None => b"next".to_vec(),
                        Some(Hit::Error(i)) => {
                            [b"error ".as_slice(), &list.entries[i as usize].text].concat()
                        }
                    };
                    if out.last().is_none_or(|l| l.1 != k) {
                        out.push((s, k));
                    }
                }
                out
            };
            [one(&run.v4), one(&run.v6)]
        };
        let (want, got) = (keyed(input, a), keyed(output, b));
        if want != got {
            return unproven(format!("run {n} answers differently"));
        }
        ranges += want[0].len() + want[1].len();
    }
    Ok(ranges)
}
