//! One family's address space as a partition, and the sweep that builds it
//!
//! [`Table`] keeps the range starts in the family's own width (`u32` for
//! IPv4, `u128` for IPv6) beside one hit code per range. [`sweep`] builds
//! it from ranges that nest or are disjoint (prefixes, single addresses,
//! a whole family: all a match list and a plain cidr table hold), with one
//! sort and one pass; the painter (painter.rs) remains for sets
//! that are neither (negated cidr rules, `if` blocks).

use super::{Key, NO_HIT, Span};

/// An address of one family as a number, in that family's width.
pub trait IndexKey: Copy + Ord + Into<Key> + std::fmt::Debug {
    /// The family's highest address.
    const MAX: Self;
    /// `k` (an address of this family) in this width.
    fn from_key(k: Key) -> Self;
    /// `self + 1`, or None past the family's highest address.
    fn next(self) -> Option<Self>;
}

impl IndexKey for u32 {
    const MAX: u32 = u32::MAX;
    fn from_key(k: Key) -> u32 {
        k as u32
    }
    fn next(self) -> Option<u32> {
        self.checked_add(1)
    }
}

impl IndexKey for u128 {
    const MAX: u128 = u128::MAX;
    fn from_key(k: Key) -> u128 {
        k
    }
    fn next(self) -> Option<u128> {
        self.checked_add(1)
    }
}

/// One family's address space, partitioned: range `i` runs from
/// `starts[i]` up to the next start, and is decided by `hits[i]`.
/// `buckets` cut the keys between the first and last inner start into
/// equal slices of 2^`shift` keys: `buckets[b]` is the range holding
/// the first key of slice `b`, so a lookup searches a few ranges.
#[derive(Debug, Clone)]
pub struct Table<K> {
    starts: Vec<K>,
    hits: Vec<u32>,
    base: Key,
    shift: u32,
    buckets: Vec<u32>,
}

/// Tables with at most this many ranges are searched from the start
/// (lists and cidr tables of a few entries: no slower than stock's walk).
const SHORT: usize = 8;

/// Ranges per bucket, about: a lookup searches this many starts.
const PER_BUCKET: usize = 4;

impl<K: IndexKey> Table<K> {
    /// The partition `starts` (sorted, the first the family's 0) with
    /// `hits`; bucketed for lookups.
    pub(super) fn new(starts: Vec<K>, hits: Vec<u32>) -> Table<K> {
        let mut t = Table {
            base: starts.get(1).map_or(0, |&s| s.into()),
            starts,
            hits,
            shift: 0,
            buckets: Vec::new(),
        };
        if t.starts.len() > SHORT {
            let (base, shift, count) = bucketing(&t.starts);
            (t.base, t.shift) = (base, shift);
            let mut buckets = Vec::with_capacity(count);
            let mut i = 0;
            for b in 0..count {
                let first = bucket_first(base, shift, b);
                while i + 1 < t.starts.len() && t.starts[i + 1].into() <= first {
                    i += 1;
                }
                buckets.push(i as u32);
            }
            t.buckets = buckets;
        }
        t
    }

    /// The table's arrays, borrowed.
    pub fn parts(&self) -> Parts<'_, K> {
        Parts {
            starts: &self.starts,
            hits: &self.hits,
            buckets: &self.buckets,
            base: self.base,
            shift: self.shift,
        }
    }

    /// The ranges: (start, hit code), in order.
    #[cfg(test)]
    pub fn ranges(&self) -> impl Iterator<Item = (K, u32)> + '_ {
        self.starts.iter().copied().zip(self.hits.iter().copied())
    }

    /// Bytes of memory the table holds.
    pub fn bytes(&self) -> usize {
        self.starts.capacity() * std::mem::size_of::<K>()
            + self.hits.capacity() * std::mem::size_of::<u32>()
            + self.buckets.capacity() * std::mem::size_of::<u32>()
    }
}

/// A `Table`'s arrays, wherever they are: the table's own, or inside a
/// mapped compiled file (which [`Parts::check`] vouches for).
#[derive(Debug, Clone, Copy)]
pub struct Parts<'a, K> {
    /// Range starts, ascending, the first the family's 0.
    pub starts: &'a [K],
    /// The hit code of each range.
    pub hits: &'a [u32],
    /// Bucket `b`: the range holding key `base + b << shift`.
    pub buckets: &'a [u32],
    /// The first key the buckets cover.
    pub base: Key,
    /// Keys per bucket, as a power of two.
    pub shift: u32,
}

impl<K: IndexKey> Parts<'_, K> {
    /// The entry that decides range `i`, if one does.
    pub fn entry(&self, i: usize) -> Option<usize> {
        super::decode(self.hits[i]).map(|h| h.entry() as usize)
    }

    /// The hit code that decides for `k` (NO_HIT: none).
    pub fn lookup_code(&self, k: K) -> u32 {
        // starts[0] is the family's first key, so some start is <= k.
        let i = if self.starts.len() <= SHORT {
            self.starts.iter().take_while(|&&s| s <= k).count() - 1
        } else {
            let wide: Key = k.into();
            if wide < self.base {
                0
            } else {
                let b = (wide - self.base) >> self.shift;
                if b + 1 < self.buckets.len() as Key {
                    let lo = self.buckets[b as usize] as usize;
                    let hi = self.buckets[b as usize + 1] as usize;
                    lo + self.starts[lo..=hi].partition_point(|&s| s <= k) - 1
                } else {
                    // Past the last slice: beyond the last start.
                    self.starts.len() - 1
                }
            }
        };
        self.hits[i]
    }

    /// Whether these arrays are exactly what `Table::new` makes of
    /// `starts` and `hits` (so that a lookup can neither go out of bounds
    /// nor answer otherwise), each hit code NO_HIT or a plain match of an
    /// entry below `entries` (no flags: what a cidr table holds). Linear in
    /// the arrays; allocates nothing.
    pub fn check(&self, entries: u32) -> bool {
        let n = self.starts.len();
        if n == 0 || self.hits.len() != n || self.starts[0] != K::from_key(0) {
            return false;
        }
        if !self.starts.windows(2).all(|w| w[0] < w[1]) {
            return false;
        }
        if !self.hits.iter().all(|&c| c == NO_HIT || c < entries) {
            return false;
        }
        if n <= SHORT {
            let base = self.starts.get(1).map_or(0, |&s| s.into());
            return self.buckets.is_empty() && self.base == base && self.shift == 0;
        }
        let (base, shift, count) = bucketing(self.starts);
        if self.base != base || self.shift != shift || self.buckets.len() != count {
            return false;
        }
        let mut i = 0;
        self.buckets.iter().enumerate().all(|(b, &got)| {
            let first = bucket_first(base, shift, b);
            while i + 1 < n && self.starts[i + 1].into() <= first {
                i += 1;
            }
            got as usize == i
        })
    }
}

/// For the starts of more than [`SHORT`] ranges: the first key the
/// buckets cover, the shift, and the number of buckets.
fn bucketing<K: IndexKey>(starts: &[K]) -> (Key, u32, usize) {
    let base: Key = starts.get(1).map_or(0, |&s| s.into());
    let last: Key = starts.last().map_or(0, |&s| s.into());
    let span = last.saturating_sub(base);
    let want = (starts.len() / PER_BUCKET).next_power_of_two().min(1 << 22) as u32;
    let shift = (Key::BITS - span.leading_zeros()).saturating_sub(want.trailing_zeros());
    (base, shift, (span >> shift) as usize + 2)
}

/// The first key of bucket `b`.
fn bucket_first(base: Key, shift: u32, b: usize) -> Key {
    (b as Key)
        .checked_mul(1 << shift)
        .and_then(|off| base.checked_add(off))
        .unwrap_or(Key::MAX)
}

/// A partition written from left to right: a range start, and the code
/// from there on; the same code twice in a row is one range.
pub(super) struct Partition<K> {
    starts: Vec<K>,
    hits: Vec<u32>,
}

impl<K: IndexKey> Partition<K> {
    pub(super) fn with_capacity(n: usize) -> Partition<K> {
        Partition {
            starts: Vec::with_capacity(n),
            hits: Vec::with_capacity(n),
        }
    }

    /// From `start` on (not below the last start), `code` decides.
    pub(super) fn set(&mut self, start: K, code: u32) {
        if self.starts.last() == Some(&start) {
            // A later word for the same start: it replaces the last.
            self.starts.pop();
            self.hits.pop();
        }
        if self.hits.last() != Some(&code) {
            self.starts.push(start);
            self.hits.push(code);
        }
    }

    pub(super) fn finish(mut self) -> Table<K> {
        self.starts.shrink_to_fit();
        self.hits.shrink_to_fit();
        Table::new(self.starts, self.hits)
    }
}

/// The index of a hit code's entry (list order: lower wins).
fn entry(code: u32) -> u32 {
    code & super::ENTRY_MASK
}

/// The partition for prefixes that nest or are disjoint, each with the
/// hit code of its entry: an address gets the code of the earliest entry
/// whose prefix holds it (first match wins).
pub(super) fn sweep<K: IndexKey>(mut ranges: Vec<Span<K>>) -> Table<K> {
    // Outer prefixes before the prefixes they hold (the same start, more
    // host bits); equal ones by entry.
    ranges.sort_unstable_by(|a, b| {
        (a.lo.cmp(&b.lo))
            .then(b.host_bits.cmp(&a.host_bits))
            .then(entry(a.code).cmp(&entry(b.code)))
    });
    let mut out = Partition::with_capacity(2 * ranges.len() + 1);
    out.set(K::from_key(0), NO_HIT);
    // The ranges that hold the current address, innermost last, each
    // with the code that decides inside it.
    let mut open: Vec<(K, u32)> = Vec::new();
    let close = |open: &mut Vec<(K, u32)>, out: &mut Partition<K>, end: K| {
        open.pop();
        if let Some(after) = end.next() {
            out.set(after, open.last().map_or(NO_HIT, |&(_, c)| c));
        }
    };
    for span in ranges {
        let (lo, hi, code) = (span.lo, span.hi(), span.code);
        while let Some(&(end, _)) = open.last().filter(|&&(end, _)| end < lo) {
            close(&mut open, &mut out, end);
        }
        let decides = match open.last() {
            Some(&(_, outer)) if entry(outer) < entry(code) => outer,
            _ => code,
        };
        out.set(lo, decides);
        open.push((hi, decides));
    }
    while let Some(&(end, _)) = open.last() {
        close(&mut open, &mut out, end);
    }
    out.finish()
}
