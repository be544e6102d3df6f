//! minimal - the fewest prefixes that give each address its value
//!
//! For `pfinet lint --minimal`: a family's partition, each range with a
//! value (a cidr table's result, a match list's match or `!`match), or
//! [`NO_ANSWER`] where no entry decides, becomes the shortest list of
//! prefixes that gives every address the same value under longest-prefix
//! match, which is first match when the prefixes come longest first
//! ([`minimal_prefixes`]).
//!
//! The algorithm is ORTC (Draves, King, Venkatachary, Zill: "Constructing
//! Optimal IP Routing Tables", INFOCOM 1999) over the binary trie the
//! partition defines: bottom up, each node gets the values that would cost
//! least there (a leaf its own; an inner node the values both halves share,
//! else those of either); top down, a node takes its parent's value when it
//! can and is otherwise a prefix of its own. One constraint is added: no
//! rule can say "no value" (a cidr rule always has a result, and a match
//! list pattern always decides), so a node that holds an address without a
//! value takes none itself, and only the nodes below it that hold none are
//! written. Only those nodes are kept in memory while the trie is walked.

use super::Key;
use crate::cidr_match::Family;

/// No entry decides: the lookup goes on (or ends without a match).
pub(crate) const NO_ANSWER: u32 = u32::MAX;

/// A prefix of the output: its first address (IPv4 in the low 32 bits),
/// its length, and its value.
pub type Prefix = (Key, u32, u32);

/// The fewest prefixes, longest first (then by address), that give each
/// address of `family` the value of the range holding it (ranges: first
/// addresses `starts`, sorted, the first 0; their `values`), or none for
/// [`NO_ANSWER`].
pub fn minimal_prefixes(starts: &[Key], values: &[u32], family: Family) -> Vec<Prefix> {
    let mut o = Ortc {
        starts,
        values,
        bits: family.bits() as u32,
        nodes: Vec::new(),
        out: Vec::new(),
    };
    if !starts.is_empty() {
        if let Walked::Node(root) = o.walk(0, 0, 0, starts.len()) {
            o.assign(root, NO_ANSWER);
        }
    }
    o.out
        .sort_unstable_by_key(|&(lo, len, _)| (std::cmp::Reverse(len), lo));
    o.out
}

/// A trie node that holds no address without a value.
struct Node {
    /// Its candidate values, sorted.
    set: Vec<u32>,
    /// Its halves, when it is not a leaf.
    kids: Option<(u32, u32)>,
    lo: Key,
    len: u32,
}

enum Walked {
    /// The subtree holds an address without a value (its nodes without
    /// one have been written already).
    Valueless,
    /// The subtree's root node.
    Node(u32),
}

struct Ortc<'a> {
    starts: &'a [Key],
    values: &'a [u32],
    bits: u32,
    nodes: Vec<Node>,
    out: Vec<Prefix>,
}

impl Ortc<'_> {
    /// Bottom up: the subtree at prefix `lo`/`len`, whose addresses are
    /// in ranges `a..b`.
    fn walk(&mut self, lo: Key, len: u32, a: usize, b: usize) -> Walked {
        if b - a == 1 {
            let v = self.values[a];
            if v == NO_ANSWER {
                return Walked::Valueless;
            }
            return self.push(vec![v], None, lo, len);
        }
        let first = self.nodes.len();
        let mid = lo + (1u128 << (self.bits - len - 1));
        // The range holding `mid`; the left half ends before it when it
        // starts there.
        let m = a + self.starts[a..b].partition_point(|&s| s <= mid) - 1;
        let left_end = if self.starts[m] == mid { m } else { m + 1 };
        let x = self.walk(lo, len + 1, a, left_end);
        let y = self.walk(mid, len + 1, m, b);
        match (x, y) {
            (Walked::Node(x), Walked::Node(y)) => {
                let set = combine(&self.nodes[x as usize].set, &self.nodes[y as usize].set);
                self.push(set, Some((x, y)), lo, len)
            }
            (x, y) => {
                // This node takes no value: its halves that hold values
                // are written now, under no value, and forgotten.
                for w in [x, y] {
                    if let Walked::Node(n) = w {
                        self.assign(n, NO_ANSWER);
                    }
                }
                self.nodes.truncate(first);
                Walked::Valueless
            }
        }
    }

    fn push(&mut self, set: Vec<u32>, kids: Option<(u32, u32)>, lo: Key, len: u32) -> Walked {
        self.nodes.push(Node { set, kids, lo, len });
        Walked::Node((self.nodes.len() - 1) as u32)
    }

    /// Top down: node `n` under a parent whose value is `inherited`.
    fn assign(&mut self, n: u32, inherited: u32) {
        let node = &self.nodes[n as usize];
        let value = if node.set.binary_search(&inherited).is_ok() {
            inherited
        } else {
            let v = node.set[0];
            self.out.push((node.lo, node.len, v));
            v
        };
        if let Some((x, y)) = node.kids {
            self.assign(x, value);
            self.assign(y, value);
        }
    }
}

/// ORTC's merge: the values both sets share, else those of either.
fn combine(a: &[u32], b: &[u32]) -> Vec<u32> {
    let both: Vec<u32> = a
        .iter()
        .copied()
        .filter(|v| b.binary_search(v).is_ok())
        .collect();
    if !both.is_empty() {
        return both;
    }
    let mut all = [a, b].concat();
    all.sort_unstable();
    all.dedup();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefixes(r: &[(Key, u32)], family: Family) -> Vec<Prefix> {
        let starts: Vec<Key> = r.iter().map(|x| x.0).collect();
        let values: Vec<u32> = r.iter().map(|x| x.1).collect();
        minimal_prefixes(&starts, &values, family)
    }

    /// The value the prefixes give `addr` (first match, longest first).
    fn value(prefixes: &[Prefix], bits: u32, addr: Key) -> u32 {
        prefixes
            .iter()
            .find(|&&(lo, len, _)| {
                let span = if len == 0 {
                    Key::MAX
                } else {
                    (1u128 << (bits - len)) - 1
                };
                addr >= lo && addr <= lo | span
            })
            .map_or(NO_ANSWER, |p| p.2)
    }

    #[test]
    fn siblings_merge_and_holes_stay() {
        // 10.0.0.0/9 and 10.128.0.0/9 with one value: one /8.
        let r = [(0, NO_ANSWER), (0x0a00_0000, 1), (0x0b00_0000, NO_ANSWER)];
        assert_eq!(prefixes(&r, Family::V4), vec![(0x0a00_0000, 8, 1)]);
        // A /8 with a /16 of another value inside: two prefixes.
        let r = [
            (0, NO_ANSWER),
            (0x0a00_0000, 1),
            (0x0a01_0000, 2),
            (0x0a02_0000, 1),
            (0x0b00_0000, NO_ANSWER),
        ];
        let p = prefixes(&r, Family::V4);
        assert_eq!(p, vec![(0x0a01_0000, 16, 2), (0x0a00_0000, 8, 1)]);
        // Everything one value: 0.0.0.0/0.
        assert_eq!(prefixes(&[(0, 7)], Family::V4), vec![(0, 0, 7)]);
        assert_eq!(prefixes(&[(0, NO_ANSWER)], Family::V6), vec![]);
    }

    #[test]
    fn every_address_keeps_its_value() {
        // Random partitions of a small space (the top 8 bits of IPv4 vary).
        let mut seed = 0x1234_5678_9abc_def1u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..200 {
            let mut r: Vec<(Key, u32)> = vec![(0, NO_ANSWER)];
            let mut at = 0u128;
            while at < 255 {
                at += 1 + u128::from(next() % 40);
                if at > 255 {
                    break;
                }
                let v = match next() % 4 {
                    0 => NO_ANSWER,
                    v => v as u32,
                };
                r.push((at << 24, v));
            }
            let p = prefixes(&r, Family::V4);
            for a in 0..256u128 {
                let addr = a << 24;
                let want = r[r.partition_point(|x| x.0 <= addr) - 1].1;
                assert_eq!(value(&p, 32, addr), want, "{r:?} -> {p:?} at {a}");
            }
        }
    }
}
