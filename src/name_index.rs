//! name_index - namadr lists (host name and address) compiled
//!
//! Postfix's namadr_list_match(list, name, addr) walks the list's patterns
//! in order and, for each pattern, first asks match_hostname() with the
//! client's host name, then match_hostaddr() with its address; the first
//! pattern that matches either way decides (an address pattern that
//! match_hostaddr() finds malformed stops the walk with an error; a
//! `type:table` pattern is looked up with both). Both the name and the
//! patterns are case-folded by Postfix before they get here, and
//! match_hostname() compares them with strcmp(): byte equality.
//!
//! For a pattern that is not a table, match_hostname() matches when
//! - the name equals the pattern, or
//! - with MATCH_FLAG_PARENT: the pattern equals the part of the name after
//!   one of its '.' characters (`example.com` matches `mail.example.com`);
//! - without it: the pattern equals the part of the name starting at one
//!   of its '.' characters other than the first character (`.example.com`
//!   matches `mail.example.com`, not `.example.com` itself... which the
//!   exact test matches anyway).
//!
//! So a [`NameIndex`] is one hash map from pattern text to the first
//! pattern with that text: a lookup tries the name and each suffix the
//! flag allows, a number of map lookups bounded by the name's dots, not by
//! the list. A [`NamadrList`] combines it with the address index of
//! [`crate::addr_index::MatchList`] over the same patterns: whichever finds
//! the earlier pattern decides; on the same pattern the name wins (it is
//! tried first). Table patterns and address errors stay steps for the
//! caller, as in a plain match list.

use std::collections::HashMap;

use crate::addr_index::{MatchList, Step};
use crate::fast_hash::FastHash;
use crate::match_ops::is_dictionary;

/// match_hostname() for the patterns of a list that are not tables.
#[derive(Debug, Clone, Default)]
pub struct NameIndex {
    /// Pattern text -> the first pattern with that text.
    first: HashMap<Box<[u8]>, u32, FastHash>,
    /// For a text that occurs more than once: first -> the later ones.
    later: HashMap<u32, Vec<u32>>,
    /// MATCH_FLAG_PARENT: `domain` matches its subdomains.
    parent: bool,
    /// The longest pattern: longer suffixes need no lookup.
    longest: usize,
    /// Bit `n` set: some pattern is `n` bytes long (n < 256); a suffix of
    /// another length shorter than that needs no lookup either.
    lengths: [u64; 4],
}

impl NameIndex {
    /// Index `(position, text)` pairs (texts after their '!' operators,
    /// positions increasing).
    pub fn new<'a>(patterns: impl IntoIterator<Item = (u32, &'a [u8])>, parent: bool) -> Self {
        let mut index = NameIndex {
            parent,
            ..NameIndex::default()
        };
        for (i, text) in patterns {
            index.longest = index.longest.max(text.len());
            if text.len() < 256 {
                index.lengths[text.len() / 64] |= 1 << (text.len() % 64);
            }
            match index.first.get(text) {
                Some(&first) => index.later.entry(first).or_default().push(i),
                None => {
                    index.first.insert(text.into(), i);
                }
            }
        }
        index.first.shrink_to_fit();
        index
    }

    /// The first pattern at position `min` or later whose text is `text`.
    fn find(&self, text: &[u8], min: usize) -> Option<usize> {
        let n = text.len();
        if n > self.longest || (n < 256 && self.lengths[n / 64] & (1 << (n % 64)) == 0) {
            return None;
        }
        let first = *self.first.get(text)?;
        if first as usize >= min {
            return Some(first as usize);
        }
        let later = self.later.get(&first)?;
        later
            .get(later.partition_point(|&i| (i as usize) < min))
            .map(|&i| i as usize)
    }

    /// The first pattern at position `min` or later that match_hostname()
    /// matches with the (case-folded) host name `name`: the name itself,
    /// or a suffix the flag allows (with MATCH_FLAG_PARENT what follows
    /// each '.', else each suffix from a '.' that is not the first byte).
    pub fn first_match(&self, name: &[u8], min: usize) -> Option<usize> {
        let mut best = self.find(name, min);
        for (p, &c) in name.iter().enumerate() {
            if c != b'.' {
                continue;
            }
            let suffix = match self.parent {
                true => &name[p + 1..],
                false if p > 0 => &name[p..],
                false => continue,
            };
            if let Some(i) = self.find(suffix, min) {
                best = Some(best.map_or(i, |b| b.min(i)));
            }
        }
        best
    }
}

/// A namadr list's patterns compiled: addresses and host names.
#[derive(Debug, Clone)]
pub struct NamadrList {
    addrs: MatchList,
    names: NameIndex,
}

impl NamadrList {
    /// Compile `patterns` (each with its leading '!' operators, case-folded
    /// as Postfix keeps them); `parent` is MATCH_FLAG_PARENT, `ipv6` the
    /// build's HAS_IPV6. Lists MatchList refuses are refused.
    pub fn new<P: AsRef<[u8]>>(patterns: &[P], parent: bool, ipv6: bool) -> Option<Self> {
        let addrs = MatchList::new(patterns, ipv6)?;
        let texts = (0..addrs.len())
            .map(|i| (i as u32, addrs.pattern(i).0))
            .filter(|(_, text)| !is_dictionary(text));
        let names = NameIndex::new(texts, parent);
        Some(NamadrList { addrs, names })
    }

    /// What decides for host name `name` and address text `addr` (both
    /// case-folded), from segment `from` on (0 for a new lookup; a
    /// [`Step::Dictionary`] tells where to go on).
    pub fn lookup(&self, name: &[u8], addr: &[u8], from: usize) -> Step {
        let step = self.addrs.lookup(addr, from);
        let bound = match step {
            Step::Match { entry, .. } | Step::Error { entry, .. } => entry,
            Step::Dictionary { entry, .. } => entry,
            Step::NoMatch => usize::MAX,
        };
        match self.names.first_match(name, self.addrs.segment_first(from)) {
            Some(entry) if entry <= bound => Step::Match {
                entry,
                negated: self.addrs.pattern(entry).1,
            },
            _ => step,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::match_ops::match_hostaddr;
    use crate::test_rng::Rng;

    /// match_hostname() for a pattern that is not a table, as stock's C
    /// code does it: strcmp(), then the parent-domain test on the tail of
    /// the name that is as long as the pattern.
    fn match_hostname(name: &[u8], pattern: &[u8], parent: bool) -> bool {
        if name == pattern {
            return true;
        }
        // pd = name + strlen(name) - strlen(pattern); pd > name.
        if pattern.len() >= name.len() {
            return false;
        }
        let pd = name.len() - pattern.len();
        if parent {
            name[pd - 1] == b'.' && &name[pd..] == pattern
        } else {
            pattern.first() == Some(&b'.') && &name[pd..] == pattern
        }
    }

    /// Stock match_list_match() with match_hostname() and
    /// match_hostaddr(), table patterns never matching.
    fn walk(patterns: &[String], name: &str, addr: &str, parent: bool) -> Step {
        for (entry, p) in patterns.iter().enumerate() {
            let bangs = p.bytes().take_while(|&c| c == b'!').count();
            let text = &p.as_bytes()[bangs..];
            if is_dictionary(text) {
                continue;
            }
            let negated = bangs % 2 == 1;
            if match_hostname(name.as_bytes(), text, parent) {
                return Step::Match { entry, negated };
            }
            match match_hostaddr(addr.as_bytes(), text, true) {
                Ok(true) => return Step::Match { entry, negated },
                Ok(false) => {}
                Err(text) => return Step::Error { entry, text },
            }
        }
        Step::NoMatch
    }

    fn lookup_skipping_dictionaries(list: &NamadrList, name: &str, addr: &str) -> Step {
        let mut from = 0;
        loop {
            match list.lookup(name.as_bytes(), addr.as_bytes(), from) {
                Step::Dictionary { next, .. } => from = next,
                step => return step,
            }
        }
    }

    fn hit(entry: usize) -> Step {
        Step::Match {
            entry,
            negated: false,
        }
    }

    #[test]
    fn parent_style_matches_the_domain_and_below() {
        let idx = NameIndex::new([(0, &b"example.com"[..]), (1, b".net")], true);
        assert_eq!(idx.first_match(b"example.com", 0), Some(0));
        assert_eq!(idx.first_match(b"mail.example.com", 0), Some(0));
        assert_eq!(idx.first_match(b"a.b.example.com", 0), Some(0));
        assert_eq!(idx.first_match(b"badexample.com", 0), None);
        assert_eq!(idx.first_match(b"example.com.", 0), None);
        assert_eq!(idx.first_match(b"com", 0), None);
        // ".net" with the parent style: only after another '.'.
        assert_eq!(idx.first_match(b"x.net", 0), None);
        assert_eq!(idx.first_match(b"x..net", 0), Some(1));
        assert_eq!(idx.first_match(b".net", 0), Some(1));
    }

    #[test]
    fn dot_style_matches_below_dot_patterns_only() {
        let idx = NameIndex::new([(0, &b"example.com"[..]), (1, b".example.org")], false);
        assert_eq!(idx.first_match(b"example.com", 0), Some(0));
        assert_eq!(idx.first_match(b"mail.example.com", 0), None);
        assert_eq!(idx.first_match(b"mail.example.org", 0), Some(1));
        assert_eq!(idx.first_match(b"a.b.example.org", 0), Some(1));
        assert_eq!(idx.first_match(b".example.org", 0), Some(1));
        assert_eq!(idx.first_match(b"example.org", 0), None);
        assert_eq!(idx.first_match(b"xexample.org", 0), None);
    }

    #[test]
    fn the_first_pattern_at_or_after_min_wins() {
        let texts: [&[u8]; 5] = [b"b.c", b"a.b.c", b"c", b"b.c", b"c"];
        let idx = NameIndex::new(texts.iter().enumerate().map(|(i, t)| (i as u32, *t)), true);
        assert_eq!(idx.first_match(b"a.b.c", 0), Some(0));
        assert_eq!(idx.first_match(b"a.b.c", 1), Some(1));
        assert_eq!(idx.first_match(b"a.b.c", 2), Some(2));
        assert_eq!(idx.first_match(b"x.b.c", 1), Some(2));
        assert_eq!(idx.first_match(b"x.b.c", 3), Some(3));
        assert_eq!(idx.first_match(b"b.c", 4), Some(4));
        assert_eq!(idx.first_match(b"b.c", 5), None);
    }

    #[test]
    fn name_and_address_in_list_order() {
        let patterns = [
            "!bad.example",
            "192.0.2.0/24",
            "example.com",
            "[2001:db8::]/32",
            "10.0.0.0/33",
            "hash:/etc/postfix/clients",
            "10.1.2.3",
        ];
        let list = NamadrList::new(&patterns, true, true).unwrap();
        let at = |name: &str, addr: &str| list.lookup(name.as_bytes(), addr.as_bytes(), 0);
        assert_eq!(
            at("mx.bad.example", "192.0.2.1"),
            Step::Match {
                entry: 0,
                negated: true
            }
        );
        assert_eq!(at("mx.example.com", "192.0.2.1"), hit(1));
        assert_eq!(at("mx.example.com", "2001:db8::1"), hit(2));
        assert_eq!(at("unknown", "2001:db8::1"), hit(3));
        // The malformed IPv4 pattern stops IPv4 lookups with an error...
        assert!(matches!(
            at("unknown", "10.9.9.9"),
            Step::Error { entry: 4, .. }
        ));
        // ...unless its text is the name: match_hostname() comes first.
        assert_eq!(at("10.0.0.0/33", "10.9.9.9"), hit(4));
        // IPv6 lookups get past it, to the table, then on.
        assert_eq!(
            at("unknown", "2001:db9::1"),
            Step::Dictionary { entry: 5, next: 2 }
        );
        // From segment 2 (the run after the table), earlier patterns are
        // out of reach, as names too.
        assert_eq!(list.lookup(b"unknown", b"2001:db9::1", 2), Step::NoMatch);
        assert_eq!(list.lookup(b"example.com", b"unknown", 2), Step::NoMatch);
        assert_eq!(list.lookup(b"10.1.2.3", b"unknown", 2), hit(6));
        assert_eq!(list.lookup(b"x", b"10.1.2.3", 2), hit(6));
        // A name equal to an address pattern matches it as text.
        assert_eq!(at("192.0.2.0/24", "unknown"), hit(1));
    }

    /// A host-name-ish pattern or name from a few labels, so that names
    /// are often subdomains of patterns.
    fn labels(r: &mut Rng) -> String {
        let pool = [
            "a", "b", "mail", "example", "com", "Org", "10", "1", "ff", "",
        ];
        let n = 1 + r.below(4);
        (0..n)
            .map(|_| pool[r.below(pool.len())])
            .collect::<Vec<_>>()
            .join(".")
    }

    fn address(r: &mut Rng) -> String {
        let pool = ["0", "1", "2", "255"];
        match r.below(3) {
            0 => format!("2001:db8::{}", ["1", "2", "ff", "0"][r.below(4)]),
            _ => format!(
                "10.{}.{}.{}",
                pool[r.below(4)],
                pool[r.below(4)],
                pool[r.below(4)]
            ),
        }
    }

    fn random_pattern(r: &mut Rng) -> String {
        let bang = ["", "", "", "!"][r.below(4)];
        let body = match r.below(9) {
            0 | 1 => labels(r),
            2 => format!(".{}", labels(r)),
            3 => address(r),
            4 => format!("[{}]", address(r)),
            5 => format!("10.{}.0.0/16", r.below(3)),
            6 => ["10.0.0.0/33", "[2001:db8::]/129", "1.2.3.4/x", "hash:/x"][r.below(4)].into(),
            7 => "[2001:db8::]/32".into(),
            _ => format!("10.{}.0.0/{}", r.below(3), 8 + r.below(17)),
        };
        format!("{bang}{body}")
    }

    #[test]
    fn random_lists_equal_the_walk() {
        let mut r = Rng(0x0bad_cafe_f00d_1234);
        let mut lookups = 0;
        for round in 0..600 {
            let parent = round % 2 == 0;
            let n = 1 + r.below(30);
            let patterns: Vec<String> = (0..n).map(|_| random_pattern(&mut r)).collect();
            let list = NamadrList::new(&patterns, parent, true).unwrap();
            for _ in 0..50 {
                let name = match r.below(6) {
                    0 => patterns[r.below(n)].trim_start_matches('!').to_string(),
                    1 => format!(
                        "{}.{}",
                        labels(&mut r),
                        patterns[r.below(n)].trim_start_matches('!')
                    ),
                    2 => "unknown".to_string(),
                    _ => labels(&mut r),
                };
                let addr = match r.below(8) {
                    0 => "unknown".to_string(),
                    1 => name.clone(),
                    _ => address(&mut r),
                };
                assert_eq!(
                    lookup_skipping_dictionaries(&list, &name, &addr),
                    walk(&patterns, &name, &addr, parent),
                    "{name}/{addr} in {patterns:?} parent={parent}"
                );
                lookups += 1;
            }
        }
        assert_eq!(lookups, 30_000);
    }
}
