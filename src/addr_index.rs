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
//! Building: each entry, in list order, "paints" the set of addresses for
//! which it decides, but only where no earlier entry has painted; that is
//! exactly first-match semantics, for any sets (negated patterns, `if !`
//! blocks, whole families). The painted ranges are kept merged, so each
//! build step costs a logarithmic number of tree operations.
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

use std::collections::BTreeMap;

use crate::cidr_match::{CidrPattern, Family, parse_str};
use crate::inet_pton::{Written, ntop6_text, ntop6_zero_run, pton4, pton6_form};
#[cfg(test)]
use crate::inet_pton::{ntop4, ntop6};
use crate::match_ops::{is_address_text, is_dictionary, match_hostaddr};

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

/// One family's address space, partitioned: range `i` runs from
/// `starts[i]` up to the next start, and is decided by `hits[i]`.
/// `buckets` cut the keys between the first and last inner start into
/// equal slices of 2^`shift` keys: `buckets[b]` is the range holding
/// the first key of slice `b`, so a lookup searches one or two ranges.
#[derive(Debug, Clone)]
pub struct Table {
    starts: Vec<Key>,
    hits: Vec<u32>,
    base: Key,
    shift: u32,
    buckets: Vec<u32>,
}

/// Tables with at most this many ranges are searched from the start
/// (lists and cidr tables of a few entries: no slower than stock's walk).
const SHORT: usize = 8;

impl Table {
    fn new(starts: Vec<Key>, hits: Vec<u32>) -> Table {
        let mut t = Table {
            base: starts.get(1).copied().unwrap_or(0),
            starts,
            hits,
            shift: 0,
            buckets: Vec::new(),
        };
        if t.starts.len() > 2 {
            let span = t.starts[t.starts.len() - 1] - t.base;
            let want = t.starts.len().next_power_of_two().min(1 << 22) as u32;
            t.shift = (Key::BITS - span.leading_zeros()).saturating_sub(want.trailing_zeros());
            let count = (span >> t.shift) as usize + 2;
            t.buckets = (0..count)
                .map(|b| {
                    let first = (b as Key)
                        .checked_mul(1 << t.shift)
                        .and_then(|off| t.base.checked_add(off))
                        .unwrap_or(Key::MAX);
                    (t.starts.partition_point(|&s| s <= first) - 1) as u32
                })
                .collect();
        }
        t
    }

    /// The entry that decides for `k`, if any.
    pub fn lookup(&self, k: Key) -> Option<Hit> {
        // starts[0] is the family's first key, so some start is <= k.
        let i = if self.starts.len() <= SHORT {
            self.starts.iter().take_while(|&&s| s <= k).count() - 1
        } else if k < self.base || self.buckets.is_empty() {
            self.starts.partition_point(|&s| s <= k) - 1
        } else {
            let b = (k - self.base) >> self.shift;
            if b + 1 < self.buckets.len() as Key {
                let (lo, hi) = (self.buckets[b as usize], self.buckets[b as usize + 1]);
                let (lo, hi) = (lo as usize, hi as usize);
                lo + self.starts[lo..=hi].partition_point(|&s| s <= k) - 1
            } else {
                // Past the last slice: beyond the last start.
                self.starts.len() - 1
            }
        };
        decode(self.hits[i])
    }

    /// Bytes of memory the table holds.
    pub fn bytes(&self) -> usize {
        self.starts.capacity() * std::mem::size_of::<Key>()
            + self.hits.capacity() * std::mem::size_of::<u32>()
            + self.buckets.capacity() * std::mem::size_of::<u32>()
    }
}

/// Builds a [`Table`]: entries paint, in list order, where nobody has.
#[derive(Default)]
struct Painter {
    /// The painted addresses, as merged ranges: start -> end.
    covered: BTreeMap<Key, Key>,
    /// What was painted: (start, end, hit), disjoint, in no order.
    pieces: Vec<(Key, Key, u32)>,
}

impl Painter {
    /// Paint the unpainted part of `lo..=hi` with `hit`.
    fn paint(&mut self, lo: Key, hi: Key, hit: Hit) {
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

    fn paint_set(&mut self, set: &Set, hit: Hit) {
        for &(lo, hi) in set {
            self.paint(lo, hi, hit);
        }
    }

    /// The partition: painted pieces in order, gaps as "no hit", equal
    /// neighbours merged.
    fn finish(mut self) -> Table {
        self.pieces.sort_unstable_by_key(|p| p.0);
        let mut starts = Vec::with_capacity(2 * self.pieces.len() + 1);
        let mut hits: Vec<u32> = Vec::with_capacity(2 * self.pieces.len() + 1);
        let mut push = |start: Key, code: u32| {
            if hits.last() != Some(&code) {
                starts.push(start);
                hits.push(code);
            }
        };
        let mut next = Some(0);
        for (s, e, code) in self.pieces {
            if next.is_some_and(|n| n < s) {
                push(next.unwrap(), NO_HIT);
            }
            push(s, code);
            next = e.checked_add(1);
        }
        if let Some(n) = next {
            push(n, NO_HIT);
        }
        starts.shrink_to_fit();
        hits.shrink_to_fit();
        Table::new(starts, hits)
    }
}

/// A family's address text in inet_ntop() form: its bytes.
fn canonical(addr: &[u8]) -> Option<(Family, [u8; 16])> {
    let mut bytes = [0u8; 16];
    // inet_pton(AF_INET) takes exactly four decimal numbers up to 255
    // without leading zeros: only inet_ntop()'s form. Text it takes has
    // no ':'; IPv6 text has one.
    if let Some(v4) = pton4(addr) {
        bytes[..4].copy_from_slice(&v4);
        return Some((Family::V4, bytes));
    }
    let (bytes, written) = pton6_form(addr)?;
    is_ntop6_form(addr, &bytes, &written).then_some((Family::V6, bytes))
}

/// Whether `text`, which inet_pton(AF_INET6) turned into `bytes` and
/// which was `written` so, is what inet_ntop() prints for them, told
/// without printing: every group in lowercase without leading zeros, and
/// "::" standing for exactly the zero run inet_ntop() picks (or none where
/// it picks none). Text with a dotted quad is compared with inet_ntop()'s.
fn is_ntop6_form(text: &[u8], bytes: &[u8; 16], written: &Written) -> bool {
    if written.dotted {
        return ntop6_text(bytes).as_bytes() == text;
    }
    if written.unusual_digits {
        return false;
    }
    let gap = written
        .gap
        .map(|at| (at as usize, 8 - written.groups as usize));
    let (run, words) = ntop6_zero_run(bytes);
    // inet_ntop() prints an encapsulated IPv4 address as a dotted quad.
    let dotted =
        run.is_some_and(|(at, len)| at == 0 && (len == 6 || (len == 5 && words[5] == 0xffff)));
    gap == run && !dotted
}

/// A match list's pattern texts (after their '!' operators) in one
/// buffer, and which patterns are negated.
#[derive(Debug, Clone, Default)]
struct Patterns {
    text: Vec<u8>,
    ends: Vec<u32>,
    negated: Vec<bool>,
}

impl Patterns {
    fn push(&mut self, pattern: &[u8]) {
        let bangs = pattern.iter().take_while(|&&c| c == b'!').count();
        self.text.extend_from_slice(&pattern[bangs..]);
        self.ends.push(self.text.len() as u32);
        self.negated.push(bangs % 2 == 1);
    }

    /// How pattern `i` matches: [`Hit::Match`] or [`Hit::Negated`].
    fn matched(&self, i: usize) -> Hit {
        match self.negated[i] {
            true => Hit::Negated(i as u32),
            false => Hit::Match(i as u32),
        }
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn text(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }
}

/// A stretch of the list: address patterns compiled together, or one
/// dictionary pattern left to the caller.
#[derive(Debug, Clone)]
enum Segment {
    Run {
        first: usize,
        end: usize,
        v4: Table,
        v6: Table,
    },
    Dictionary(usize),
}

/// What a lookup found, from some segment on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Pattern `entry` matches; the list's answer is `!negated`.
    Match {
        /// The pattern's index.
        entry: usize,
        /// Whether the pattern is negated (an odd number of `!`).
        negated: bool,
    },
    /// Pattern `entry` is malformed: Postfix's cidr_match_parse() text.
    Error {
        /// The pattern's index.
        entry: usize,
        /// The reason.
        text: Vec<u8>,
    },
    /// Pattern `entry` is a `type:table`: the caller looks it up, and
    /// continues at segment `next` when it does not decide.
    Dictionary {
        /// The pattern's index.
        entry: usize,
        /// The segment to continue the lookup at.
        next: usize,
    },
    /// No pattern decides.
    NoMatch,
}

/// A match list's patterns, compiled (see the module documentation).
#[derive(Debug, Clone)]
pub struct MatchList {
    patterns: Patterns,
    segments: Vec<Segment>,
    ipv6: bool,
}

impl MatchList {
    /// Compile `patterns` (each with its leading '!' operators, as in
    /// Postfix's list); `ipv6` is the build's HAS_IPV6. Lists longer than
    /// [`MAX_ENTRIES`] are refused.
    pub fn new<P: AsRef<[u8]>>(patterns: &[P], ipv6: bool) -> Option<MatchList> {
        if patterns.len() > MAX_ENTRIES {
            return None;
        }
        let total: usize = patterns.iter().map(|p| p.as_ref().len()).sum();
        if total > u32::MAX as usize {
            return None;
        }
        let mut list = Patterns::default();
        for p in patterns {
            list.push(p.as_ref());
        }
        list.text.shrink_to_fit();
        list.ends.shrink_to_fit();
        list.negated.shrink_to_fit();
        let patterns = list;
        let mut segments = Vec::new();
        let mut first = 0;
        for i in 0..=patterns.len() {
            let dict = i < patterns.len() && is_dictionary(patterns.text(i));
            if i == patterns.len() || dict {
                if first < i {
                    segments.push(compile_run(&patterns, first, i, ipv6));
                }
                if dict {
                    segments.push(Segment::Dictionary(i));
                }
                first = i + 1;
            }
        }
        Some(MatchList {
            patterns,
            segments,
            ipv6,
        })
    }

    /// The number of patterns.
    pub fn len(&self) -> usize {
        self.patterns.len()
    }

    /// Whether the list has no patterns.
    pub fn is_empty(&self) -> bool {
        self.patterns.len() == 0
    }

    /// Pattern `i`'s text (after its '!' operators) and negation.
    pub fn pattern(&self, i: usize) -> (&[u8], bool) {
        (self.patterns.text(i), self.patterns.negated[i])
    }

    /// What decides for address text `addr`, from segment `from` on (0 for
    /// a new lookup; a [`Step::Dictionary`] tells where to go on).
    pub fn lookup(&self, addr: &[u8], from: usize) -> Step {
        match canonical(addr).filter(|(f, _)| self.ipv6 || *f == Family::V4) {
            Some((family, bytes)) => self.lookup_bytes(family, &bytes, from),
            // match_hostaddr()'s first test: no pattern matches such text
            // (a host name, "unknown"); only dictionaries are handed back.
            None if !is_address_text(addr) => self.scan(from, |_, _, _| None),
            None => self.scan(from, |first, end, _| self.walk(addr, first, end)),
        }
    }

    /// The index of the first pattern of segment `from` (the number of
    /// patterns when `from` is past the last segment).
    pub fn segment_first(&self, from: usize) -> usize {
        match self.segments.get(from) {
            Some(Segment::Run { first, .. }) => *first,
            Some(Segment::Dictionary(entry)) => *entry,
            None => self.patterns.len(),
        }
    }

    /// The same for an address in binary form (the first 4 bytes for
    /// IPv4), as if given in inet_ntop() form.
    pub fn lookup_bytes(&self, family: Family, bytes: &[u8; 16], from: usize) -> Step {
        let k = key(family, bytes);
        let known = family == Family::V4 || self.ipv6;
        self.scan(from, |_, _, [v4, v6]| match family {
            Family::V4 => v4.lookup(k),
            Family::V6 => v6.lookup(k).filter(|_| known),
        })
    }

    /// The segments from `from` on: `run(first, end, [v4, v6])` answers
    /// for a run of address patterns; a dictionary pattern is handed back.
    fn scan(&self, from: usize, run: impl Fn(usize, usize, [&Table; 2]) -> Option<Hit>) -> Step {
        for (n, segment) in self.segments.iter().enumerate().skip(from) {
            match segment {
                Segment::Dictionary(entry) => {
                    return Step::Dictionary {
                        entry: *entry,
                        next: n + 1,
                    };
                }
                Segment::Run { first, end, v4, v6 } => {
                    if let Some(hit) = run(*first, *end, [v4, v6]) {
                        return self.step(hit);
                    }
                }
            }
        }
        Step::NoMatch
    }

    /// Stock Postfix's walk over patterns `first..end`.
    fn walk(&self, addr: &[u8], first: usize, end: usize) -> Option<Hit> {
        (first..end).find_map(
            |i| match match_hostaddr(addr, self.patterns.text(i), self.ipv6) {
                Ok(true) => Some(self.patterns.matched(i)),
                Ok(false) => None,
                Err(_) => Some(Hit::Error(i as u32)),
            },
        )
    }

    fn step(&self, hit: Hit) -> Step {
        match hit {
            Hit::Match(i) => Step::Match {
                entry: i as usize,
                negated: false,
            },
            Hit::Negated(i) => Step::Match {
                entry: i as usize,
                negated: true,
            },
            Hit::Error(i) => {
                let text = self.patterns.text(i as usize);
                Step::Error {
                    entry: i as usize,
                    text: parse_str(text, self.ipv6).err().unwrap_or_default(),
                }
            }
        }
    }

    /// Bytes of memory the compiled tables hold (not the pattern texts).
    pub fn table_bytes(&self) -> usize {
        self.segments
            .iter()
            .map(|s| match s {
                Segment::Run { v4, v6, .. } => v4.bytes() + v6.bytes(),
                Segment::Dictionary(_) => 0,
            })
            .sum()
    }
}

/// What match_hostaddr() does with `pattern` for an inet_ntop()-form
/// address of `family`: paint it into `painter` as entry `i`, whose
/// matches are `matched` (a match or a negated one).
fn paint_pattern(painter: &mut Painter, matched: Hit, pattern: &[u8], family: Family, ipv6: bool) {
    let (Hit::Match(i) | Hit::Negated(i) | Hit::Error(i)) = matched;
    // 1. The exact string, or [string]: one address, if the text is that
    //    address's inet_ntop() form.
    let inner = match pattern {
        [b'[', inner @ .., b']'] => inner,
        _ => pattern,
    };
    if let Some((_, bytes)) = canonical(inner).filter(|&(f, _)| f == family) {
        let k = key(family, &bytes);
        painter.paint(k, k, matched);
    }
    // 2. The light-weight tests, for any address of this family.
    let has_colon = pattern.contains(&b':');
    let v4_chars = b"01234567890.";
    if has_colon != (family == Family::V6)
        || !pattern.iter().any(|c| b":/".contains(c))
        || pattern.iter().all(|c| v4_chars.contains(c))
        || !pattern
            .iter()
            .all(|c| c.is_ascii_hexdigit() || b".:[]/".contains(c))
    {
        return;
    }
    // 3. Parse: an error for every address of the family, or a network.
    match parse_str(pattern, ipv6) {
        Err(_) => painter.paint(0, family_max(family), Hit::Error(i)),
        Ok(p) if p.family == family => {
            if let Some((lo, hi)) = range(&p) {
                painter.paint(lo, hi, matched);
            }
        }
        Ok(_) => {}
    }
}

fn compile_run(patterns: &Patterns, first: usize, end: usize, ipv6: bool) -> Segment {
    // A pattern can decide only for addresses of its own family: with a
    // ':' IPv6 (match_hostaddr()'s light-weight tests, and its exact forms
    // have one too), without one IPv4.
    let mut painters = [Painter::default(), Painter::default()];
    for i in first..end {
        let text = patterns.text(i);
        let family = if text.contains(&b':') {
            Family::V6
        } else {
            Family::V4
        };
        if family == Family::V4 || ipv6 {
            let n = usize::from(family == Family::V6);
            paint_pattern(&mut painters[n], patterns.matched(i), text, family, ipv6);
        }
    }
    let [v4, v6] = painters.map(Painter::finish);
    Segment::Run { first, end, v4, v6 }
}

/// One entry of a cidr table, as cidr_match_parse() and friends make it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CidrRule {
    /// An address pattern; `matches` false for a `!` pattern.
    Match(CidrPattern, bool),
    /// `if PATTERN` (`matches` false for `if !PATTERN`).
    If(CidrPattern, bool),
    /// `endif`: closes the innermost open `if`.
    Endif,
}

/// A cidr table compiled: cidr_match_execute()'s answer per address.
#[derive(Debug, Clone)]
pub struct CidrTable {
    v4: Table,
    v6: Table,
    ipv6: bool,
}

impl CidrTable {
    /// Compile `rules` in order; `ipv6` is the build's HAS_IPV6. An
    /// `endif` without an open `if` is ignored (dict_cidr rejects it);
    /// an `if` left open runs to the end. Tables longer than
    /// [`MAX_ENTRIES`] are refused.
    pub fn new(rules: &[CidrRule], ipv6: bool) -> Option<CidrTable> {
        if rules.len() > MAX_ENTRIES {
            return None;
        }
        let mut painters = [Painter::default(), Painter::default()];
        let mut open: Vec<(CidrPattern, bool)> = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            match *rule {
                CidrRule::If(p, m) => open.push((p, m)),
                CidrRule::Endif => {
                    open.pop();
                }
                CidrRule::Match(p, m) => {
                    let set = conditions(&open, p, m);
                    let n = usize::from(p.family == Family::V6);
                    painters[n].paint_set(&set, Hit::Match(i as u32));
                }
            }
        }
        let [v4, v6] = painters.map(Painter::finish);
        Some(CidrTable { v4, v6, ipv6 })
    }

    /// The entry cidr_match_execute() returns for address text `addr`.
    pub fn lookup(&self, addr: &[u8]) -> Option<usize> {
        let (family, bytes) = Family::parse(addr, self.ipv6)?;
        self.lookup_bytes(family, &bytes)
    }

    /// The same for an address in binary form (the first 4 bytes for IPv4).
    pub fn lookup_bytes(&self, family: Family, bytes: &[u8; 16]) -> Option<usize> {
        let table = match family {
            Family::V4 => &self.v4,
            Family::V6 => &self.v6,
        };
        match table.lookup(key(family, bytes))? {
            Hit::Match(i) | Hit::Negated(i) | Hit::Error(i) => Some(i as usize),
        }
    }

    /// Bytes of memory the compiled tables hold.
    pub fn table_bytes(&self) -> usize {
        self.v4.bytes() + self.v6.bytes()
    }
}

/// The addresses for which a `Match` entry decides, inside the open `if`
/// blocks: its own set, cut by each condition of the same family; a
/// condition of another family is never entered.
fn conditions(open: &[(CidrPattern, bool)], p: CidrPattern, matches: bool) -> Set {
    let own = |p: &CidrPattern, matches: bool| -> Set {
        let whole = vec![(0, family_max(p.family))];
        match (range(p), matches) {
            (Some(r), true) => vec![r],
            (None, true) => Vec::new(),
            (Some(r), false) => subtract(&whole, r),
            (None, false) => whole,
        }
    };
    let mut set = own(&p, matches);
    for (c, m) in open {
        if c.family != p.family {
            return Vec::new();
        }
        set = match (range(c), *m) {
            (Some(r), true) => intersect(&set, r),
            (None, true) => Vec::new(),
            (Some(r), false) => subtract(&set, r),
            (None, false) => set,
        };
    }
    set
}

#[cfg(test)]
mod tests {
    #[test]
    fn canonical_is_the_inet_ntop_round_trip() {
        // The definition: inet_pton() accepts the text, and inet_ntop()
        // prints exactly it again (glibc's, through the ported pair).
        let definition = |t: &[u8]| -> Option<(Family, [u8; 16])> {
            let mut b = [0u8; 16];
            if t.contains(&b':') {
                b = crate::inet_pton::pton6(t)?;
                (ntop6_text(&b).as_bytes() == t).then_some((Family::V6, b))
            } else {
                b[..4].copy_from_slice(&pton4(t)?);
                Some((Family::V4, b))
            }
        };
        let mut r = crate::test_rng::Rng(0xca11_ab1e);
        let mut canonical_seen = 0;
        for n in 0..300_000 {
            let mut b = [0u8; 16];
            for w in 0..8 {
                if r.below(3) != 0 {
                    let v = [0x1u16, 0xa, 0x10, 0xab0, 0xffff, 0x0f0f][r.below(6)];
                    b[2 * w..2 * w + 2].copy_from_slice(&v.to_be_bytes());
                }
            }
            let mut t = ntop6(&b).into_bytes();
            match n % 5 {
                0 => {}
                1 => t.make_ascii_uppercase(),
                2 => {
                    // Every group written out, in full or short.
                    let full = r.below(2) == 0;
                    t = (0..8)
                        .map(|w| {
                            let v = u16::from_be_bytes([b[2 * w], b[2 * w + 1]]);
                            if full {
                                format!("{v:04x}")
                            } else {
                                format!("{v:x}")
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(":")
                        .into_bytes();
                }
                3 => {
                    let at = r.below(t.len() + 1);
                    t.insert(at, b"0:."[r.below(3)]);
                }
                _ => {
                    if !t.is_empty() {
                        t.remove(r.below(t.len()));
                    }
                }
            }
            let want = definition(&t);
            canonical_seen += usize::from(want.is_some());
            assert_eq!(canonical(&t), want, "{:?}", String::from_utf8_lossy(&t));
        }
        assert!(canonical_seen > 60_000, "{canonical_seen}");
    }

    use super::*;
    use crate::cidr_match::parse_str;

    /// Stock Postfix's match_list_match() walk over address patterns
    /// (match_hostaddr() per pattern, first match or error wins).
    fn walk(patterns: &[&str], addr: &str) -> Step {
        for (i, p) in patterns.iter().enumerate() {
            let bangs = p.bytes().take_while(|&c| c == b'!').count();
            let text = &p.as_bytes()[bangs..];
            match match_hostaddr(addr.as_bytes(), text, true) {
                Ok(true) => {
                    return Step::Match {
                        entry: i,
                        negated: bangs % 2 == 1,
                    };
                }
                Ok(false) => {}
                Err(text) => return Step::Error { entry: i, text },
            }
        }
        Step::NoMatch
    }

    #[test]
    fn painter_keeps_the_first_painter() {
        let mut p = Painter::default();
        p.paint(10, 20, Hit::Match(0));
        p.paint(0, 30, Hit::Match(1));
        p.paint(15, Key::MAX, Hit::Match(2));
        p.paint(0, Key::MAX, Hit::Match(3));
        let t = p.finish();
        let at = |k| t.lookup(k);
        assert_eq!(at(0), Some(Hit::Match(1)));
        assert_eq!(at(9), Some(Hit::Match(1)));
        assert_eq!(at(10), Some(Hit::Match(0)));
        assert_eq!(at(20), Some(Hit::Match(0)));
        assert_eq!(at(21), Some(Hit::Match(1)));
        assert_eq!(at(30), Some(Hit::Match(1)));
        assert_eq!(at(31), Some(Hit::Match(2)));
        assert_eq!(at(Key::MAX), Some(Hit::Match(2)));
        assert_eq!(t.starts, vec![0, 10, 21, 31]);

        // Ranges that touch painted ones at one end.
        let mut p = Painter::default();
        p.paint(10, 20, Hit::Match(0));
        p.paint(20, 25, Hit::Match(1));
        p.paint(5, 10, Hit::Error(2));
        p.paint(26, 26, Hit::Match(3));
        let t = p.finish();
        let got: Vec<_> = [4, 5, 9, 10, 20, 21, 25, 26, 27]
            .map(|k| t.lookup(k))
            .to_vec();
        assert_eq!(
            got,
            [
                None,
                Some(Hit::Error(2)),
                Some(Hit::Error(2)),
                Some(Hit::Match(0)),
                Some(Hit::Match(0)),
                Some(Hit::Match(1)),
                Some(Hit::Match(1)),
                Some(Hit::Match(3)),
                None
            ]
        );
    }

    #[test]
    fn match_list_equals_the_walk() {
        let patterns = [
            "192.0.2.1",
            "!198.51.100.0/24",
            "198.51.0.0/16",
            "[2001:db8::1]",
            "[2001:db8::]/32",
            "10.0.0.0/33",
            "10.1.2.3",
            "![::]/0",
            "[::1]/64x",
        ];
        let list = MatchList::new(&patterns, true).unwrap();
        for addr in [
            "192.0.2.1",
            "198.51.100.7",
            "198.51.7.7",
            "2001:db8::1",
            "2001:db8::2",
            "2001:db9::1",
            "10.1.2.3",
            "127.0.0.1",
            "::1",
            "2001:DB8::1",
            "0192.0.2.1",
        ] {
            assert_eq!(
                list.lookup(addr.as_bytes(), 0),
                walk(&patterns, addr),
                "{addr}"
            );
        }
    }

    #[test]
    fn dictionaries_split_the_runs() {
        let list = MatchList::new(&["10.0.0.0/8", "hash:/etc/x", "0.0.0.0/0"], true).unwrap();
        assert_eq!(
            list.lookup(b"10.1.1.1", 0),
            Step::Match {
                entry: 0,
                negated: false
            }
        );
        assert_eq!(
            list.lookup(b"11.1.1.1", 0),
            Step::Dictionary { entry: 1, next: 2 }
        );
        assert_eq!(
            list.lookup(b"11.1.1.1", 2),
            Step::Match {
                entry: 2,
                negated: false
            }
        );
    }

    fn rule(text: &str) -> CidrRule {
        let (neg, rest) = match text.strip_prefix('!') {
            Some(r) => (true, r),
            None => (false, text),
        };
        if let Some(p) = rest.strip_prefix("if ") {
            let (neg, p) = match p.strip_prefix('!') {
                Some(r) => (true, r),
                None => (false, p),
            };
            CidrRule::If(parse_str(p.as_bytes(), true).unwrap(), !neg)
        } else if rest == "endif" {
            CidrRule::Endif
        } else {
            CidrRule::Match(parse_str(rest.as_bytes(), true).unwrap(), !neg)
        }
    }

    /// cidr_match_execute()'s walk on the same rules.
    fn execute(rules: &[CidrRule], addr: &str) -> Option<usize> {
        let family = Family::of(addr.as_bytes(), true);
        let bytes = family.pton(addr.as_bytes(), true)?;
        let entry = |p: &CidrPattern, m: bool| p.family == family && p.contains(&bytes) == m;
        let mut i = 0;
        while i < rules.len() {
            match rules[i] {
                CidrRule::Match(p, m) if entry(&p, m) => return Some(i),
                CidrRule::If(p, m) if !entry(&p, m) => {
                    let mut depth = 0;
                    loop {
                        i += 1;
                        match rules.get(i) {
                            None => return None,
                            Some(CidrRule::If(..)) => depth += 1,
                            Some(CidrRule::Endif) if depth == 0 => break,
                            Some(CidrRule::Endif) => depth -= 1,
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
            i += 1;
        }
        None
    }

    #[test]
    fn cidr_table_equals_the_walk() {
        let rules: Vec<CidrRule> = [
            "if 10.0.0.0/8",
            "10.1.0.0/16",
            "if !10.2.0.0/16",
            "!10.3.0.0/16",
            "endif",
            "10.2.3.0/24",
            "endif",
            "if 2001:db8::/32",
            "10.0.0.0/8",
            "2001:db8:1::/48",
            "endif",
            "0.0.0.0/0",
            "if ::/0",
            "::1",
        ]
        .iter()
        .map(|r| rule(r))
        .collect();
        let table = CidrTable::new(&rules, true).unwrap();
        for addr in [
            "10.1.2.3",
            "10.2.3.4",
            "10.3.0.1",
            "10.4.0.1",
            "11.0.0.1",
            "2001:db8:1::5",
            "2001:db8:2::5",
            "::1",
            "::2",
            "bogus",
        ] {
            assert_eq!(
                table.lookup(addr.as_bytes()),
                execute(&rules, addr),
                "{addr}"
            );
        }
    }

    use crate::test_rng::Rng;

    /// An address near others: few distinct high bits, so prefixes nest.
    fn address(r: &mut Rng, v6: bool) -> [u8; 16] {
        let mut b = [0u8; 16];
        if v6 {
            b[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
            for x in b.iter_mut().skip(4) {
                *x = [0, 1, 0x80, 0xff][r.below(4)];
            }
        } else {
            b[0] = 10;
            for x in b.iter_mut().take(4).skip(1) {
                *x = [0, 1, 2, 0x80, 0xff][r.below(5)];
            }
        }
        b
    }

    fn text(b: &[u8; 16], v6: bool) -> String {
        if v6 {
            ntop6(b)
        } else {
            ntop4(&[b[0], b[1], b[2], b[3]])
        }
    }

    /// A network of `len` bits around `b`, host bits cleared unless `dirty`.
    fn network(b: &[u8; 16], len: u32, bits: u32, dirty: bool) -> [u8; 16] {
        let mut n = *b;
        if !dirty {
            for (i, x) in n.iter_mut().enumerate().take((bits / 8) as usize) {
                let keep = len.saturating_sub(8 * i as u32).min(8);
                *x &= if keep == 0 { 0 } else { 0xffu8 << (8 - keep) };
            }
        }
        n
    }

    fn random_pattern(r: &mut Rng) -> String {
        let v6 = r.below(2) == 0;
        let bits = if v6 { 128 } else { 32 };
        let b = address(r, v6);
        let len = r.below(bits as usize + 2) as u32;
        let dirty = r.below(20) == 0;
        let net = text(&network(&b, len.min(bits), bits, dirty), v6);
        let bang = ["", "", "", "!", "!!"][r.below(5)];
        let body = match (r.below(12), v6) {
            (0, _) => text(&b, v6),
            (1, _) => format!("[{}]", text(&b, v6)),
            (2, false) => format!("0{}", text(&b, v6)),
            (2, true) => text(&b, v6).to_uppercase(),
            (3, _) => {
                ["junk", "1.2.3.4/x", "[1.2.3.4", "[::1]/64x", "hash:/x"][r.below(5)].to_string()
            }
            (4, true) => format!("[{net}/{len}]"),
            (_, true) => format!("[{net}]/{len}"),
            (_, false) => format!("{net}/{len}"),
        };
        format!("{bang}{body}")
    }

    /// The walk, with dictionary patterns not deciding.
    fn walk_skipping_dictionaries(patterns: &[String], addr: &str) -> Step {
        let plain: Vec<&str> = patterns
            .iter()
            .map(|p| {
                if is_dictionary(p.trim_start_matches('!').as_bytes()) {
                    "no-such-address"
                } else {
                    p.as_str()
                }
            })
            .collect();
        walk(&plain, addr)
    }

    fn lookup_skipping_dictionaries(list: &MatchList, addr: &str) -> Step {
        let mut from = 0;
        loop {
            match list.lookup(addr.as_bytes(), from) {
                Step::Dictionary { next, .. } => from = next,
                step => return step,
            }
        }
    }

    #[test]
    fn ipv4_text_that_pton_takes_is_ntop_form() {
        let mut r = Rng(0x1357_9bdf_2468_ace0);
        let mut taken = 0;
        for _ in 0..200_000 {
            let len = 7 + r.below(9);
            let t: Vec<u8> = (0..len).map(|_| b"0123456789.."[r.below(12)]).collect();
            if let Some(a) = pton4(&t) {
                taken += 1;
                assert_eq!(
                    ntop4(&a).as_bytes(),
                    &t[..],
                    "{}",
                    String::from_utf8_lossy(&t)
                );
            }
        }
        assert!(taken > 100, "only {taken} texts parsed");
    }

    #[test]
    fn bucketed_lookup_equals_binary_search() {
        let mut r = Rng(0xdead_beef_1234_5678);
        for round in 0..200 {
            let n = 1 + r.below(300);
            let wide = round % 2 == 0;
            let mut starts: Vec<Key> = (0..n)
                .map(|_| {
                    let k = (Key::from(r.next()) << 64) | Key::from(r.next());
                    if wide { k } else { k >> 100 }
                })
                .collect();
            starts.push(0);
            starts.sort_unstable();
            starts.dedup();
            let hits: Vec<u32> = (0..starts.len() as u32).collect();
            let t = Table::new(starts.clone(), hits);
            let mut probes: Vec<Key> = vec![0, 1, Key::MAX, Key::MAX - 1];
            for &s in &starts {
                probes.extend([s, s.wrapping_sub(1), s.wrapping_add(1)]);
            }
            for _ in 0..200 {
                let k = (Key::from(r.next()) << 64) | Key::from(r.next());
                probes.push(if wide { k } else { k >> 100 });
            }
            for k in probes {
                let want = starts.partition_point(|&s| s <= k) as u32 - 1;
                assert_eq!(t.lookup(k), Some(Hit::Match(want)), "key {k:#x}");
            }
        }
    }

    #[test]
    fn random_match_lists_equal_the_walk() {
        let mut r = Rng(0x9e37_79b9_7f4a_7c15);
        let mut lookups = 0;
        for _ in 0..300 {
            let n = 1 + r.below(40);
            let patterns: Vec<String> = (0..n).map(|_| random_pattern(&mut r)).collect();
            let list = MatchList::new(&patterns, true).unwrap();
            for _ in 0..60 {
                let v6 = r.below(2) == 0;
                let b = address(&mut r, v6);
                let addr = match r.below(10) {
                    0 if !v6 => format!("0{}", text(&b, v6)),
                    0 => text(&b, v6).to_uppercase(),
                    _ => text(&b, v6),
                };
                assert_eq!(
                    lookup_skipping_dictionaries(&list, &addr),
                    walk_skipping_dictionaries(&patterns, &addr),
                    "{addr} in {patterns:?}"
                );
                lookups += 1;
            }
        }
        assert_eq!(lookups, 18_000);
    }

    #[test]
    fn random_cidr_tables_equal_the_walk() {
        let mut r = Rng(0x2545_f491_4f6c_dd1d);
        for _ in 0..300 {
            let mut rules = Vec::new();
            let mut depth = 0;
            for _ in 0..1 + r.below(40) {
                let v6 = r.below(4) == 0;
                let bits = if v6 { 128 } else { 32 };
                let b = address(&mut r, v6);
                let len = r.below(bits as usize + 1) as u32;
                let net = network(&b, len, bits, false);
                let mut p = parse_str(format!("{}/{len}", text(&net, v6)).as_bytes(), true)
                    .unwrap_or_else(|e| panic!("{}", String::from_utf8_lossy(&e)));
                if r.below(3) == 0 {
                    p = parse_str(text(&b, v6).as_bytes(), true).unwrap();
                }
                let m = r.below(4) != 0;
                rules.push(match r.below(6) {
                    0 => {
                        depth += 1;
                        CidrRule::If(p, m)
                    }
                    1 if depth > 0 => {
                        depth -= 1;
                        CidrRule::Endif
                    }
                    _ => CidrRule::Match(p, m),
                });
            }
            let table = CidrTable::new(&rules, true).unwrap();
            for _ in 0..60 {
                let v6 = r.below(4) == 0;
                let addr = text(&address(&mut r, v6), v6);
                assert_eq!(
                    table.lookup(addr.as_bytes()),
                    execute(&rules, &addr),
                    "{addr} in {rules:?}"
                );
            }
        }
    }
}
