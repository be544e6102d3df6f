//! The painter: a partition built from sets of any shape, in list order
//!
//! Each entry, in list order, "paints" the addresses for which it decides,
//! but only where no earlier entry has painted: first-match semantics for
//! any sets (negated cidr rules, `if` and `if !` blocks). The painted
//! ranges are kept merged, so each step costs a logarithmic number of
//! tree operations. Sets that nest or are disjoint take
//! `sweep` (table.rs) instead.

use std::collections::BTreeMap;

use super::table::{IndexKey, Partition, Table};
use super::{Hit, Key, NO_HIT, Set, encode};

/// Builds a [`Table`]: entries paint, in list order, where nobody has.
#[derive(Default)]
pub struct Painter {
    /// The painted addresses, as merged ranges: start -> end.
    covered: BTreeMap<Key, Key>,
    /// What was painted: (start, end, hit), disjoint, in no order.
    pieces: Vec<(Key, Key, u32)>,
}

impl Painter {
    /// Paint the unpainted part of `lo..=hi` with `hit`.
    pub fn paint(&mut self, lo: Key, hi: Key, hit: Hit) {
        let code = encode(hit);
        // Past everything painted so far (lists in address order): append.
        if let Some(mut last) = self.covered.last_entry() {
            let end = *last.get();
            if end < lo {
                self.pieces.push((lo, hi, code));
                if end + 1 == lo {
                    *last.get_mut() = hi;
                } else {
                    self.covered.insert(lo, hi);
                }
                return;
            }
        }
        let (mut merged_lo, mut merged_hi) = (lo, hi);
        // The next address that may be unpainted (None: past the end).
        let mut next = Some(lo);
        if let Some((&s, &e)) = self
            .covered
            .range(..lo)
            .next_back()
            .filter(|&(_, &e)| e.saturating_add(1) >= lo)
        {
            next = if e >= lo { e.checked_add(1) } else { next };
            merged_lo = s;
            merged_hi = merged_hi.max(e);
            self.covered.remove(&s);
        }
        let upper = hi.saturating_add(1);
        let following: Vec<(Key, Key)> = self
            .covered
            .range(lo..=upper)
            .map(|(&s, &e)| (s, e))
            .collect();
        for (s, e) in following {
            if let Some(n) = next {
                if n < s && n <= hi {
                    self.pieces.push((n, (s - 1).min(hi), code));
                }
                next = next.max(e.checked_add(1)).filter(|_| e != Key::MAX);
            }
            merged_hi = merged_hi.max(e);
            self.covered.remove(&s);
        }
        if let Some(n) = next.filter(|&n| n <= hi) {
            self.pieces.push((n, hi, code));
        }
        self.covered.insert(merged_lo, merged_hi);
    }

    pub fn paint_set(&mut self, set: &Set, hit: Hit) {
        for &(lo, hi) in set {
            self.paint(lo, hi, hit);
        }
    }

    /// The partition: painted pieces in order, gaps as "no hit", equal
    /// neighbours merged.
    pub fn finish<K: IndexKey>(mut self) -> Table<K> {
        self.pieces.sort_unstable_by_key(|p| p.0);
        let mut out = Partition::with_capacity(2 * self.pieces.len() + 1);
        out.set(K::from_key(0), NO_HIT);
        for (s, e, code) in self.pieces {
            out.set(K::from_key(s), code);
            if let Some(after) = K::from_key(e).next() {
                out.set(after, NO_HIT);
            }
        }
        out.finish()
    }
}
