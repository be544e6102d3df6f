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

use crate::addr_index::{Hit, NO_ANSWER, Prefix, Run, RunRanges, list_runs, minimal_prefixes};
use crate::cidr_match::Family;
use crate::match_list::MatchList;
use std::io::Write;
use std::net::{Ipv4Addr, Ipv6Addr};

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

/// Parses a list's text as Postfix would: the list, or the fatal text.
pub type Reparse<'a> = dyn Fn(&[u8]) -> Result<MatchList, Vec<u8>> + 'a;

/// The smallest list equivalent to `list`, proven so. `reparse` parses
/// the output text as Postfix would (the same release and name). The
/// list is taken, and dropped once what the proof needs of it is kept:
/// the output is read back and compiled beside the input's runs only.
pub fn minimal_list(
    list: MatchList,
    kind: ListKind,
    ipv6: bool,
    reparse: &Reparse,
) -> Result<MinimalList, NotWritten> {
    if list.len() > crate::addr_index::MAX_ENTRIES {
        return Err(NotWritten::TooLarge);
    }
    let runs = compile_runs(&list, kind, ipv6);
    let mut text: Vec<u8> = Vec::new();
    let mut entries = 0;
    let mut at = 0;
    for (n, run) in runs.iter().enumerate() {
        // The separators before the run, kept as written.
        for i in at..run.first {
            text.extend_from_slice(list.entry(i).as_written());
            text.push(b'\n');
            entries += 1;
        }
        let last = n + 1 == runs.len();
        entries += rewrite(&list, run, last, &mut text);
        at = run.end;
    }
    let want = Expected::of(&list, &runs);
    let entries_in = list.len();
    drop(list);
    let out = reparse(&text).map_err(|w| NotWritten::Unproven(lossy(&w)))?;
    // The text is written again from what was read back, once proven.
    drop(text);
    let out_runs = compile_runs(&out, kind, ipv6);
    let ranges = prove(&want, &runs, &out, &out_runs)?;
    drop((runs, out_runs));
    Ok(MinimalList {
        text: written(&out)?,
        entries,
        entries_in,
        ranges,
    })
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The list's runs: split at tables, /files that could not be opened,
/// and host name patterns of a namadr list (an address pattern that
/// matches no address), which stay in place. In an address list the
/// latter do nothing, and are left in their run.
fn compile_runs(list: &MatchList, kind: ListKind, ipv6: bool) -> Vec<Run> {
    let host_names_stay = kind == ListKind::NameAddress;
    list_runs(list.len(), |i| list.held(i), ipv6, |_| host_names_stay)
}

/// A run's value for a range: a match (0), a `!` match (1), or none (the
/// walk goes on: [`NO_ANSWER`]); in the last run a `!` match and none are
/// one answer (no match). None when a malformed pattern decides.
fn value(hit: Option<Hit>, last: bool) -> Option<u32> {
    match hit {
        Some(Hit::Match(_)) => Some(0),
        Some(Hit::Negated(_)) if !last => Some(1),
        Some(Hit::Negated(_)) | None => Some(NO_ANSWER),
        Some(Hit::Error(_)) => None,
    }
}

/// The fewest prefixes for a run's answers, per family (IPv4, IPv6), or
/// None when a malformed pattern decides.
fn prefixes(run: &Run, last: bool) -> Option<[Vec<Prefix>; 2]> {
    let of = |family| {
        let (mut starts, mut values) = (Vec::new(), Vec::new());
        for (start, hit) in run.ranges(family) {
            let v = value(hit, last)?;
            if values.last() != Some(&v) {
                starts.push(start);
                values.push(v);
            }
        }
        Some(minimal_prefixes(&starts, &values, family))
    };
    Some([of(Family::V4)?, of(Family::V6)?])
}

/// The run's entries: the patterns that decide, or the fewest prefixes,
/// whichever are fewer; how many.
fn rewrite(list: &MatchList, run: &Run, last: bool, out: &mut Vec<u8>) -> usize {
    // The patterns that own a range, in one pass over the ranges.
    let mut decides = vec![false; run.end - run.first];
    for (_, hit) in run.ranges(Family::V4).chain(run.ranges(Family::V6)) {
        if let Some(h) = hit {
            decides[h.entry() as usize - run.first] = true;
        }
    }
    let deciders = decides.iter().filter(|&&d| d).count();
    if let Some(prefixes) = prefixes(run, last).filter(|p| p[0].len() + p[1].len() < deciders) {
        for (family, prefixes) in [Family::V4, Family::V6].into_iter().zip(&prefixes) {
            for &(lo, len, v) in prefixes {
                write_prefix(out, family, lo, len, v == 1);
            }
        }
        return prefixes[0].len() + prefixes[1].len();
    }
    for i in (run.first..run.end).filter(|&i| decides[i - run.first]) {
        out.extend_from_slice(list.entry(i).as_written());
        out.push(b'\n');
    }
    deciders
}

/// One prefix as a list entry, on its own line.
fn write_prefix(out: &mut Vec<u8>, family: Family, lo: u128, len: u32, negated: bool) {
    if negated {
        out.push(b'!');
    }
    // Writing to a Vec cannot fail.
    let _ = match (family, len) {
        (Family::V4, 32) => writeln!(out, "{}", Ipv4Addr::from(lo as u32)),
        (Family::V4, _) => writeln!(out, "{}/{len}", Ipv4Addr::from(lo as u32)),
        (Family::V6, 128) => writeln!(out, "[{}]", Ipv6Addr::from(lo)),
        (Family::V6, _) => writeln!(out, "[{}]/{len}", Ipv6Addr::from(lo)),
    };
}

/// What the proof needs of the input once its runs are compiled: the
/// separators after each run, and the text of each malformed pattern
/// that decides somewhere.
struct Expected {
    separators: Vec<Vec<Box<[u8]>>>,
    errors: Vec<(u32, Box<[u8]>)>,
}

impl Expected {
    fn of(list: &MatchList, runs: &[Run]) -> Expected {
        let mut separators = Vec::with_capacity(runs.len());
        let mut errors = Vec::new();
        for (n, run) in runs.iter().enumerate() {
            let next = runs.get(n + 1).map_or(run.end, |r| r.first);
            separators.push((run.end..next).map(|i| list.entry(i).text.into()).collect());
            for (_, hit) in run.ranges(Family::V4).chain(run.ranges(Family::V6)) {
                if let Some(Hit::Error(i)) = hit {
                    errors.push((i, list.entry(i as usize).text.into()));
                }
            }
        }
        errors.sort_unstable();
        errors.dedup();
        Expected { separators, errors }
    }

    fn error_text(&self, i: u32) -> &[u8] {
        let at = self.errors.partition_point(|e| e.0 < i);
        self.errors.get(at).map_or(&[][..], |e| &e.1)
    }
}

/// Input and output have the same separators, in order, and each run the
/// same answers (a malformed pattern's: the same pattern failing) over
/// every address: the number of ranges compared.
fn prove(
    want: &Expected,
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
        let seps_b = b.end..out_runs.get(n + 1).map_or(b.end, |r| r.first);
        let text_a = want.separators[n].iter().map(|t| &t[..]);
        if !text_a.eq(seps_b.map(|i| output.entry(i).text)) {
            return unproven(format!("the entries after run {n} differ"));
        }
        let last = n + 1 == runs.len();
        let out_text = |i: u32| output.entry(i as usize).text;
        for family in [Family::V4, Family::V6] {
            let mut x = keyed(a.ranges(family), last, |i| want.error_text(i));
            let mut y = keyed(b.ranges(family), last, out_text);
            loop {
                match (x.next(), y.next()) {
                    (None, None) => break,
                    (p, q) if p == q => ranges += 1,
                    _ => return unproven(format!("run {n} answers differently")),
                }
            }
        }
    }
    Ok(ranges)
}

/// A run's answer for a range, as the proof compares them: a `!` match
/// and none are one answer in the last run; a malformed pattern's by its
/// text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer<'a> {
    Value(u32),
    Error(&'a [u8]),
}

/// One family's ranges of a run with their answers, adjacent equal ones
/// merged, as they are walked (nothing stored).
fn keyed<'a>(
    ranges: RunRanges<'a>,
    last: bool,
    error_text: impl Fn(u32) -> &'a [u8] + 'a,
) -> impl Iterator<Item = (u128, Answer<'a>)> + 'a {
    let mut previous = None;
    ranges
        .map(move |(start, hit)| {
            let answer = match (hit, value(hit, last)) {
                (Some(Hit::Error(i)), _) => Answer::Error(error_text(i)),
                (_, v) => Answer::Value(v.unwrap_or(NO_ANSWER)),
            };
            (start, answer)
        })
        .filter(move |&(_, answer)| previous.replace(answer) != Some(answer))
}

/// The proven list's text, one entry per line, as written: the text that
/// was read back (it names no `/file` that could be read: those were
/// written out, so every entry is a line of its own).
fn written(out: &MatchList) -> Result<Vec<u8>, NotWritten> {
    let mut text = Vec::new();
    for e in out.entries() {
        if e.source.is_some() {
            return Err(NotWritten::Unproven(
                "the output names a file that can be read".to_string(),
            ));
        }
        text.extend_from_slice(e.as_written());
        text.push(b'\n');
    }
    Ok(text)
}
