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
    /// The entries, one per line (as a `/file` holds them).
    pub text: Vec<u8>,
    /// How many entries that is.
    pub entries: usize,
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
    let mut text: Vec<u8> = Vec::new();
    let mut entries = 0;
    let mut at = 0;
    for (n, run) in runs.iter().enumerate() {
        // The separators before the run, kept as written.
        for e in &list.entries[at..run.first] {
            text.extend_from_slice(e.as_written());
            text.push(b'\n');
            entries += 1;
        }
        let last = n + 1 == runs.len();
        entries += rewrite(list, run, last, &mut text);
        at = run.end;
    }
    let out = reparse(&text).map_err(|w| NotWritten::Unproven(lossy(&w)))?;
    let out_pats = patterns(&out);
    let out_separate = separators(&out, kind, ipv6);
    let out_runs = list_runs(&out_pats, ipv6, |i| out_separate[i]);
    let ranges = prove(list, &runs, &out, &out_runs)?;
    Ok(MinimalList {
        text,
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
fn rewrite(list: &MatchList, run: &Run, last: bool, out: &mut Vec<u8>) -> usize {
    // The patterns that own a range, in one pass over the ranges.
    let mut decides = vec![false; run.end - run.first];
    for (_, h) in run.v4.iter().chain(&run.v6) {
        if let Some(h) = h {
            decides[h.entry() as usize - run.first] = true;
        }
    }
    let deciders = decides.iter().filter(|&&d| d).count();
    let prefixes = answers(run, last).map(|answers| {
        let mut all = Vec::new();
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
            all.extend(
                minimal_prefixes(&starts, &values, family)
                    .into_iter()
                    .map(|p| (family, p)),
            );
        }
        all
    });
    match prefixes {
        Some(prefixes) if prefixes.len() < deciders => {
            for (family, (lo, len, v)) in &prefixes {
                let bang = if *v == 1 { "!" } else { "" };
                let p = match (family, len) {
                    (Family::V4, 32) => format!("{}", Ipv4Addr::from(*lo as u32)),
                    (Family::V4, _) => format!("{}/{len}", Ipv4Addr::from(*lo as u32)),
                    (Family::V6, 128) => format!("[{}]", Ipv6Addr::from(*lo)),
                    (Family::V6, _) => format!("[{}]/{len}", Ipv6Addr::from(*lo)),
                };
                out.extend_from_slice(format!("{bang}{p}\n").as_bytes());
            }
            prefixes.len()
        }
        _ => {
            for i in (run.first..run.end).filter(|&i| decides[i - run.first]) {
                out.extend_from_slice(list.entries[i].as_written());
                out.push(b'\n');
            }
            deciders
        }
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
        if !seps_a
            .iter()
            .map(|e| &e.text)
            .eq(seps_b.iter().map(|e| &e.text))
        {
            return unproven(format!("the entries after run {n} differ"));
        }
        let last = n + 1 == runs.len();
        for (x, y) in [(&a.v4, &b.v4), (&a.v6, &b.v6)] {
            let want = keyed(input, x, last);
            if !want.clone().eq(keyed(output, y, last)) {
                return unproven(format!("run {n} answers differently"));
            }
            ranges += want.count();
        }
    }
    Ok(ranges)
}

/// A run's answer for a range, as the proof compares them: a `!` match
/// and none are one answer in the last run; a malformed pattern's by its
/// text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key<'a> {
    Match,
    NoMatch,
    Next,
    Error(&'a [u8]),
}

/// One family's ranges of a run with their answers, adjacent equal ones
/// merged, as they are walked (nothing stored).
fn keyed<'a>(
    list: &'a MatchList,
    ranges: &'a [(u128, Option<Hit>)],
    last: bool,
) -> impl Iterator<Item = (u128, Key<'a>)> + Clone + 'a {
    let key = move |h: Option<Hit>| match h {
        Some(Hit::Match(_)) => Key::Match,
        Some(Hit::Negated(_)) if !last => Key::NoMatch,
        Some(Hit::Negated(_)) | None => Key::Next,
        Some(Hit::Error(i)) => Key::Error(&list.entries[i as usize].text),
    };
    ranges
        .iter()
        .enumerate()
        .filter(move |&(i, &(_, h))| i == 0 || key(ranges[i - 1].1) != key(h))
        .map(move |(_, &(s, h))| (s, key(h)))
}
