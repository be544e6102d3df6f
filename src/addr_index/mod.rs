//! addr_index - match lists and cidr tables compiled for constant-time lookups
//!
//! Stock Postfix answers "which entry of this list decides for this
//! address?" by walking the list in order: match_list_match() calls
//! match_hostaddr() on every pattern (parsing it again each time), and
//! cidr_match_execute() walks the cidr table's entries. pfinet compiles an
//! ordered list once into, per address family, a partition of the address
//! space into ranges, each labelled with the entry the in-order walk would
//! stop at (first match wins). A lookup is a binary search over the range
//! starts: its time depends on the number of ranges only logarithmically
//! and not at all on the entries in front of the deciding one.
//!
//! Building: when every entry's set is one range and any two ranges nest
//! or are disjoint (networks, single addresses, whole families: every
//! match list, and cidr tables without `!` rules or `if` blocks), one sort
//! and one sweep give the partition (`table::sweep`). Otherwise each
//! entry, in list order, "paints" the set of addresses for which it
//! decides, but only where no earlier entry has painted; that is exactly
//! first-match semantics, for any sets (`painter`). Range starts are
//! kept in the family's width (`u32` for IPv4).
//!
//! Match lists ([`MatchList`], the address part of match_hostaddr()): a
//! pattern decides for an address when it matches, and also when it is a
//! malformed net/mask pattern that a lookup of that family reaches (stock
//! Postfix then stops with DICT_ERR_RETRY and match_error()): such an
//! entry paints its whole family as an error, so addresses matched by an
//! earlier pattern still see no error. Dictionary patterns (`type:table`)
//! cannot be compiled; they split the list into runs, and a lookup that
//! reaches one hands it back to the caller to evaluate in its place.
//! Index lookups assume the address text Postfix passes (inet_ntop form:
//! dotted quad, lower-case IPv6); any other text is answered by walking the
//! patterns with match_hostaddr() itself.
//!
//! Cidr tables ([`CidrTable`], cidr_match_execute()): an entry decides for
//! the addresses of its family in its network (or, negated, outside it),
//! intersected with every enclosing `if` condition (or its complement for
//! `if !`); a condition of another family closes the block to everything.

//!
//! Files: `list.rs` ([`MatchList`]), `cidr.rs` ([`CidrTable`] and its
//! builder), `coverage.rs` (what each cidr entry covers and decides, for
//! `pfinet lint`), `minimal.rs` (the fewest prefixes for a partition, for
//! `pfinet lint --minimal`), `table.rs` (one family's partition and the sweep),
//! `painter.rs` (first-match painting), `tests.rs`; this file holds what
//! they share (hit codes, address keys, range sets).
//!
//! No C functions (see `api_index` and `cidr_table`); no diagnostics.

mod cidr;
mod coverage;
mod list;
mod minimal;
mod painter;
mod table;
#[cfg(test)]
mod tests;

pub use cidr::{CidrBuilder, CidrRule, CidrTable, CidrView, TooManyRules};
pub use coverage::{
    EntryCoverage, Run, RunRanges, cidr_coverage, cidr_deciding, list_coverage, list_runs,
};
pub use list::{MatchList, Step};
pub(crate) use minimal::{NO_ANSWER, Prefix, minimal_prefixes};
pub use table::{IndexKey, Parts};
use table::{Table, sweep};

use crate::cidr_match::{CidrPattern, Family};

/// An address as a number: IPv4 in the low 32 bits.
type Key = u128;

/// The entry that decides a lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    /// Entry `i` matches.
    Match(u32),
    /// Entry `i`, a `!` pattern of a match list, matches (kept in the
    /// table, so that a lookup need not read the pattern list).
    Negated(u32),
    /// Entry `i` is a malformed pattern (match lists only).
    Error(u32),
}

const NO_HIT: u32 = u32::MAX;
const ERROR_BIT: u32 = 1 << 31;
const NEGATED_BIT: u32 = 1 << 30;
/// Entries are numbered below this (the flags take the top two bits).
pub const MAX_ENTRIES: usize = (NEGATED_BIT - 1) as usize;
/// A hit code's entry number, without the flags.
const ENTRY_MASK: u32 = NEGATED_BIT - 1;

impl Hit {
    /// The entry's number.
    pub fn entry(self) -> u32 {
        match self {
            Hit::Match(i) | Hit::Negated(i) | Hit::Error(i) => i,
        }
    }
}

fn encode(hit: Hit) -> u32 {
    match hit {
        Hit::Match(i) => i,
        Hit::Negated(i) => i | NEGATED_BIT,
        Hit::Error(i) => i | ERROR_BIT,
    }
}

fn decode(code: u32) -> Option<Hit> {
    match code {
        NO_HIT => None,
        c if c & ERROR_BIT != 0 => Some(Hit::Error(c & !ERROR_BIT)),
        c if c & NEGATED_BIT != 0 => Some(Hit::Negated(c & !NEGATED_BIT)),
        c => Some(Hit::Match(c)),
    }
}

fn family_max(family: Family) -> Key {
    match family {
        Family::V4 => Key::from(u32::MAX),
        Family::V6 => Key::MAX,
    }
}

fn key(family: Family, bytes: &[u8; 16]) -> Key {
    match family {
        Family::V4 => Key::from(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])),
        Family::V6 => Key::from_be_bytes(*bytes),
    }
}

/// The addresses a parsed pattern contains: cidr_match_entry()'s test as
/// a range (none when the network has host bits, which can never match).
fn range(p: &CidrPattern) -> Option<(Key, Key)> {
    let (net, mask) = (key(p.family, &p.net), key(p.family, &p.mask));
    let max = family_max(p.family);
    if p.mask_shift >= p.family.bits() {
        return Some((net, net));
    }
    (net & !mask & max == 0).then_some((net, net | (!mask & max)))
}

/// Sorted, disjoint, inclusive ranges.
type Set = Vec<(Key, Key)>;

fn intersect(set: &Set, (lo, hi): (Key, Key)) -> Set {
    set.iter()
        .filter(|&&(a, b)| b >= lo && a <= hi)
        .map(|&(a, b)| (a.max(lo), b.min(hi)))
        .collect()
}

fn subtract(set: &Set, (lo, hi): (Key, Key)) -> Set {
    let mut out = Vec::with_capacity(set.len() + 1);
    for &(a, b) in set {
        if b < lo || a > hi {
            out.push((a, b));
            continue;
        }
        if a < lo {
            out.push((a, lo - 1));
        }
        if b > hi {
            out.push((hi + 1, b));
        }
    }
    out
}

/// Both families' partitions.
#[derive(Debug, Clone)]
struct Families {
    v4: Table<u32>,
    v6: Table<u128>,
}

impl Families {
    /// The entry that decides for an address (the first 4 bytes for IPv4).
    fn lookup(&self, family: Family, bytes: &[u8; 16]) -> Option<Hit> {
        hit(&self.v4.parts(), &self.v6.parts(), family, bytes)
    }

    fn bytes(&self) -> usize {
        self.v4.bytes() + self.v6.bytes()
    }
}

/// Prefixes (ranges that nest or are disjoint), per family, for
/// [`sweep`].
#[derive(Default)]
struct Ranges {
    v4: Vec<Span<u32>>,
    v6: Vec<Span<u128>>,
}

/// A prefix with its hit code, as [`Ranges`] keeps it: its first address
/// and how many host bits it has (0 for one address, the family's width
/// for all of it), not its last address: 32 bytes for IPv6, not 48 (a
/// million-entry list paints a million).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span<K> {
    lo: K,
    code: u32,
    host_bits: u8,
}

impl<K: IndexKey> Span<K> {
    /// The prefix `lo..=hi` (`hi - lo` one less than a power of two, `lo`
    /// a multiple of it: every range a match list or a plain cidr rule
    /// paints).
    fn of(lo: K, hi: K, code: u32) -> Span<K> {
        let size_less_one = hi.into() - lo.into();
        let host_bits = (Key::BITS - size_less_one.leading_zeros()) as u8;
        let s = Span {
            lo,
            code,
            host_bits,
        };
        debug_assert!(
            s.hi() == hi && lo.into() & size_less_one == 0,
            "not a prefix"
        );
        s
    }

    /// Its last address.
    fn hi(&self) -> K {
        let host = match self.host_bits {
            0 => 0,
            b => Key::MAX >> (Key::BITS - u32::from(b)),
        };
        K::from_key(self.lo.into() | host)
    }
}

impl Ranges {
    fn push(&mut self, family: Family, (lo, hi): (Key, Key), hit: Hit) {
        match family {
            Family::V4 => self.v4.push(Span::of(lo as u32, hi as u32, encode(hit))),
            Family::V6 => self.v6.push(Span::of(lo, hi, encode(hit))),
        }
    }

    fn finish(self) -> Families {
        Families {
            v4: sweep(self.v4),
            v6: sweep(self.v6),
        }
    }
}

/// The entry that decides for an address (the first 4 bytes for IPv4) in
/// a pair of partitions.
fn hit(v4: &Parts<'_, u32>, v6: &Parts<'_, u128>, family: Family, bytes: &[u8; 16]) -> Option<Hit> {
    let k = key(family, bytes);
    decode(match family {
        Family::V4 => v4.lookup_code(u32::from_key(k)),
        Family::V6 => v6.lookup_code(k),
    })
}
