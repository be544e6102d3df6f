//! coverage - what each entry of a cidr table or match list covers, and who
//! decides there
//!
//! For `pfinet lint`: a rule *covers* the addresses it matches inside its
//! `if` blocks (the set the painter paints from, see `cidr.rs`), an `if`
//! covers the addresses for which its block is entered. Once the table is
//! compiled, the partition says which entry decides each address; a rule
//! decides the part of what it covers that no earlier rule took. From
//! both, [`cidr_coverage`] gives every entry the size of what it covers,
//! of what it decides, and the earlier entries that decide the rest.
//! [`list_coverage`] does the same for a match list's address patterns
//! (inet_ntop()-form addresses, as Postfix's servers look them up).

use super::cidr::{conditions, own_set};
use super::list::paint_pattern;
use super::table::{IndexKey, Parts};
use super::{CidrRule, CidrTable, Families, Hit, Key, Ranges, Set, Span, decode, family_max};
use crate::cidr_match::{CidrPattern, Family};
use crate::match_ops::is_dictionary;
use std::borrow::Cow;

/// One entry's part in its table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EntryCoverage {
    /// The family of the entry's addresses (none for `endif`).
    pub family: Option<Family>,
    /// How many addresses the entry covers.
    pub covered: f64,
    /// How many of them it decides (rules only; 0 for `if` and `endif`).
    pub decided: f64,
    /// The whole family: a rule outside any `if` that matches every
    /// address of its family (`0.0.0.0/0`, `::/0`, a `!` of nothing).
    pub everything: bool,
    /// Rules only: the earlier entries that decide the covered addresses
    /// this one does not, in entry order, at most 8 (none looked for when
    /// it decides all it covers).
    pub deciders: Vec<usize>,
    /// Whether there are more deciders than listed.
    pub more_deciders: bool,
    /// Match lists: a malformed pattern, whose lookups fail for every
    /// address of its family that reaches it.
    pub fails: bool,
}

/// The most earlier deciders listed per entry.
const DECIDERS: usize = 8;

/// Partition ranges looked at per entry, at most: a rule that covers many
/// small ranges of earlier rules lists the first ones it meets.
const RANGES_PER_ENTRY: usize = 100_000;

/// The coverage of each entry of `rules` (compiled as `table`, with both
/// families: build it with `ipv6` true), handed to `each` in entry order.
pub fn cidr_coverage(
    rules: &[CidrRule],
    table: &CidrTable,
    mut each: impl FnMut(usize, &EntryCoverage),
) {
    let view = table.view();
    let mut decided = vec![0f64; rules.len()];
    tally(&view.v4, Family::V4, &mut decided);
    tally(&view.v6, Family::V6, &mut decided);
    let mut open: Vec<(CidrPattern, bool)> = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        let mut e = EntryCoverage::default();
        match *rule {
            CidrRule::Endif => {
                open.pop();
            }
            CidrRule::If(p, m) => {
                let set = conditions(&open, p.family, own_set(&p, m));
                e.family = Some(p.family);
                e.covered = size(&set);
                open.push((p, m));
            }
            CidrRule::Match(p, m) => {
                let set = conditions(&open, p.family, own_set(&p, m));
                e.family = Some(p.family);
                e.covered = size(&set);
                e.decided = decided[i];
                e.everything = open.is_empty() && set == vec![(0, family_max(p.family))];
                // Only a rule that does not decide all it covers has others
                // deciding there.
                if e.decided < e.covered {
                    (e.deciders, e.more_deciders) = match p.family {
                        Family::V4 => deciders(&view.v4, Family::V4, &set, i),
                        Family::V6 => deciders(&view.v6, Family::V6, &set, i),
                    };
                }
            }
        }
        each(i, &e);
    }
}

/// The number of addresses in `set`.
fn size(set: &Set) -> f64 {
    set.iter().map(|&(lo, hi)| (hi - lo) as f64 + 1.0).sum()
}

/// Range `i` of a partition: its first and last key.
fn bounds<K: IndexKey>(parts: &Parts<'_, K>, family: Family, i: usize) -> (Key, Key) {
    let lo: Key = parts.starts[i].into();
    let hi = match parts.starts.get(i + 1) {
        Some(&next) => next.into() - 1,
        None => family_max(family),
    };
    (lo, hi)
}

/// Adds each range's size to the entry that decides it.
fn tally<K: IndexKey>(parts: &Parts<'_, K>, family: Family, decided: &mut [f64]) {
    for (i, &code) in parts.hits.iter().enumerate() {
        if let Some(hit) = decode(code) {
            let entry = hit.entry() as usize;
            if let Some(d) = decided.get_mut(entry) {
                let (lo, hi) = bounds(parts, family, i);
                *d += (hi - lo) as f64 + 1.0;
            }
        }
    }
}

/// The entries other than `me` that decide inside `set`, in entry order
/// (at most [`DECIDERS`]), and whether there are more.
fn deciders<K: IndexKey>(
    parts: &Parts<'_, K>,
    family: Family,
    set: &Set,
    me: usize,
) -> (Vec<usize>, bool) {
    let mut found: Vec<usize> = Vec::new();
    let mut looked = 0;
    for &(lo, hi) in set {
        // The range holding `lo`, then on while ranges start inside.
        let mut i = parts
            .starts
            .partition_point(|&s| s.into() <= lo)
            .saturating_sub(1);
        while i < parts.starts.len() && looked < RANGES_PER_ENTRY {
            let (a, _) = bounds(parts, family, i);
            if a > hi {
                break;
            }
            if let Some(hit) = decode(parts.hits[i]) {
                let entry = hit.entry() as usize;
                if entry != me && !found.contains(&entry) {
                    found.push(entry);
                }
            }
            looked += 1;
            i += 1;
        }
    }
    found.sort_unstable();
    let more = found.len() > DECIDERS || looked >= RANGES_PER_ENTRY;
    found.truncate(DECIDERS);
    (found, more)
}

/// The coverage of each of the `n` patterns of a match list (`pattern(i)`
/// with its leading `!`s, as Postfix's list holds it; `ipv6` the build's
/// HAS_IPV6), handed to `each` in order. `type:table` patterns are left
/// out (their entries cover nothing here): they can only take more
/// addresses from later patterns, never give any back.
pub fn list_coverage<'p>(
    n: usize,
    pattern: impl Fn(usize) -> Cow<'p, [u8]>,
    ipv6: bool,
    mut each: impl FnMut(usize, &EntryCoverage),
) {
    // Painted twice, once for the partition and once per pattern (keeping
    // every pattern's ranges would cost more than painting again).
    let mut all = Ranges::default();
    for i in 0..n {
        paint_one(&mut all, i, &pattern(i), ipv6);
    }
    let tables = all.finish();
    let (v4, v6) = (tables.v4.parts(), tables.v6.parts());
    let mut decided = vec![0f64; n];
    tally(&v4, Family::V4, &mut decided);
    tally(&v6, Family::V6, &mut decided);
    let mut r = Ranges::default();
    for (i, &decided) in decided.iter().enumerate() {
        r.v4.clear();
        r.v6.clear();
        paint_one(&mut r, i, &pattern(i), ipv6);
        let mut e = EntryCoverage::default();
        let (family, set, fails) = match (r.v4.is_empty(), r.v6.is_empty()) {
            (true, true) => (None, Vec::new(), false),
            (false, _) => (Some(Family::V4), own_ranges(&r.v4), failing(&r.v4)),
            (true, false) => (Some(Family::V6), own_ranges(&r.v6), failing(&r.v6)),
        };
        e.family = family;
        e.covered = size(&set);
        e.decided = decided;
        e.fails = fails;
        if let Some(f) = family {
            e.everything = set == vec![(0, family_max(f))];
            if e.decided < e.covered {
                (e.deciders, e.more_deciders) = match f {
                    Family::V4 => deciders(&v4, Family::V4, &set, i),
                    Family::V6 => deciders(&v6, Family::V6, &set, i),
                };
            }
        }
        each(i, &e);
    }
}

/// Paints pattern `i` (with its `!`s) as the compiled list does; a
/// `type:table` paints nothing.
fn paint_one(ranges: &mut Ranges, i: usize, text: &[u8], ipv6: bool) {
    let bangs = text.iter().take_while(|&&c| c == b'!').count();
    let text = &text[bangs..];
    if is_dictionary(text) {
        return;
    }
    let hit = match bangs % 2 {
        0 => Hit::Match(i as u32),
        _ => Hit::Negated(i as u32),
    };
    let family = if text.contains(&b':') {
        Family::V6
    } else {
        Family::V4
    };
    if family == Family::V4 || ipv6 {
        paint_pattern(ranges, hit, text, family, ipv6);
    }
}

/// One pattern's painted ranges (at most two, which nest or are
/// disjoint: its exact form and its network) as a set.
fn own_ranges<K: IndexKey>(painted: &[Span<K>]) -> Set {
    let mut set: Set = painted
        .iter()
        .map(|s| (s.lo.into(), s.hi().into()))
        .collect();
    set.sort_unstable();
    set.dedup_by(|b, a| {
        // Sorted by start: `b` nests in `a`, or is disjoint from it.
        b.1 <= a.1
    });
    set
}

/// Whether a pattern's painted ranges are a malformed pattern's.
fn failing<K>(painted: &[Span<K>]) -> bool {
    painted
        .iter()
        .any(|s| matches!(decode(s.code), Some(Hit::Error(_))))
}

/// A run of a match list's address patterns (see [`list_runs`]): its
/// patterns `first..end`, compiled.
#[derive(Debug, Clone)]
pub struct Run {
    /// The run's first pattern.
    pub first: usize,
    /// Past its last pattern.
    pub end: usize,
    tables: Families,
}

impl Run {
    /// One family's partition, as (first address, the pattern that
    /// decides and how, or None), no two neighbours alike (IPv4 addresses
    /// in the low 32 bits).
    pub fn ranges(&self, family: Family) -> RunRanges<'_> {
        let (starts, hits) = match family {
            Family::V4 => {
                let p = self.tables.v4.parts();
                (Starts::V4(p.starts), p.hits)
            }
            Family::V6 => {
                let p = self.tables.v6.parts();
                (Starts::V6(p.starts), p.hits)
            }
        };
        RunRanges { starts, hits, i: 0 }
    }
}

/// The ranges of one family of a [`Run`], in order.
#[derive(Debug, Clone)]
pub struct RunRanges<'a> {
    starts: Starts<'a>,
    hits: &'a [u32],
    i: usize,
}

#[derive(Debug, Clone, Copy)]
enum Starts<'a> {
    V4(&'a [u32]),
    V6(&'a [u128]),
}

impl Iterator for RunRanges<'_> {
    type Item = (Key, Option<Hit>);

    fn next(&mut self) -> Option<Self::Item> {
        let start = match self.starts {
            Starts::V4(s) => Key::from(*s.get(self.i)?),
            Starts::V6(s) => *s.get(self.i)?,
        };
        let hit = decode(*self.hits.get(self.i)?);
        self.i += 1;
        Some((start, hit))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.hits.len().saturating_sub(self.i);
        (left, Some(left))
    }
}

impl ExactSizeIterator for RunRanges<'_> {}

/// The runs of address patterns of a match list of `n` patterns
/// (`pattern(i)` as for [`list_coverage`]), split at `type:table` patterns
/// and at patterns that paint no address for which `separate` says so (a
/// host name in a namadr list): for `pfinet lint --minimal`, which may
/// rewrite a run but keeps every separator in its place. Each run is
/// compiled alone, in one pass over the patterns.
pub fn list_runs<'p>(
    n: usize,
    pattern: impl Fn(usize) -> Cow<'p, [u8]>,
    ipv6: bool,
    separate: impl Fn(usize) -> bool,
) -> Vec<Run> {
    let mut runs = Vec::new();
    let mut ranges = Ranges::default();
    let mut first = 0;
    for i in 0..n {
        let before = (ranges.v4.len(), ranges.v6.len());
        let p = pattern(i);
        let bangs = p.iter().take_while(|&&c| c == b'!').count();
        let split = is_dictionary(&p[bangs..]) || {
            paint_one(&mut ranges, i, &p, ipv6);
            (ranges.v4.len(), ranges.v6.len()) == before && separate(i)
        };
        if split {
            let tables = std::mem::take(&mut ranges).finish();
            runs.push(Run {
                first,
                end: i,
                tables,
            });
            first = i + 1;
        }
    }
    runs.push(Run {
        first,
        end: n,
        tables: ranges.finish(),
    });
    runs
}

/// Which entries of a compiled cidr table decide for some address (a
/// rule that owns a range of the partition): for `--minimal`, which
/// needs no more than that.
pub fn cidr_deciding(entries: usize, table: &CidrTable) -> Vec<bool> {
    let view = table.view();
    let mut decides = vec![false; entries];
    let mut mark = |hits: &[u32]| {
        for &code in hits {
            if let Some(e) = decode(code).map(|h| h.entry() as usize) {
                if let Some(d) = decides.get_mut(e) {
                    *d = true;
                }
            }
        }
    };
    mark(view.v4.hits);
    mark(view.v6.hits);
    decides
}
