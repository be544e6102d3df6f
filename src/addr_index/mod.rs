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

mod painter;
mod table;

use painter::Painter;
pub use table::{IndexKey, Parts};
use table::{Table, sweep};

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
/// A hit code's entry number, without the flags.
const ENTRY_MASK: u32 = NEGATED_BIT - 1;

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

/// Ranges that nest or are disjoint, per family, for [`sweep`].
#[derive(Default)]
struct Ranges {
    v4: Vec<(u32, u32, u32)>,
    v6: Vec<(u128, u128, u32)>,
}

impl Ranges {
    fn push(&mut self, family: Family, (lo, hi): (Key, Key), hit: Hit) {
        match family {
            Family::V4 => self.v4.push((lo as u32, hi as u32, encode(hit))),
            Family::V6 => self.v6.push((lo, hi, encode(hit))),
        }
    }

    fn finish(self) -> Families {
        Families {
            v4: sweep(self.v4),
            v6: sweep(self.v6),
        }
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
        tables: Families,
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
        let known = family == Family::V4 || self.ipv6;
        self.scan(from, |_, _, tables| {
            tables.lookup(family, bytes).filter(|_| known)
        })
    }

    /// The segments from `from` on: `run(first, end, tables)` answers
    /// for a run of address patterns; a dictionary pattern is handed back.
    fn scan(&self, from: usize, run: impl Fn(usize, usize, &Families) -> Option<Hit>) -> Step {
        for (n, segment) in self.segments.iter().enumerate().skip(from) {
            match segment {
                Segment::Dictionary(entry) => {
                    return Step::Dictionary {
                        entry: *entry,
                        next: n + 1,
                    };
                }
                Segment::Run { first, end, tables } => {
                    if let Some(hit) = run(*first, *end, tables) {
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
                Segment::Run { tables, .. } => tables.bytes(),
                Segment::Dictionary(_) => 0,
            })
            .sum()
    }
}

/// What match_hostaddr() does with `pattern` for an inet_ntop()-form
/// address of `family`: its ranges into `ranges`, as entry `i`, whose
/// matches are `matched` (a match or a negated one).
fn paint_pattern(ranges: &mut Ranges, matched: Hit, pattern: &[u8], family: Family, ipv6: bool) {
    let (Hit::Match(i) | Hit::Negated(i) | Hit::Error(i)) = matched;
    // 1. The exact string, or [string]: one address, if the text is that
    //    address's inet_ntop() form.
    let inner = match pattern {
        [b'[', inner @ .., b']'] => inner,
        _ => pattern,
    };
    if let Some((_, bytes)) = canonical(inner).filter(|&(f, _)| f == family) {
        let k = key(family, &bytes);
        ranges.push(family, (k, k), matched);
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
        Err(_) => ranges.push(family, (0, family_max(family)), Hit::Error(i)),
        Ok(p) if p.family == family => {
            if let Some(r) = range(&p) {
                ranges.push(family, r, matched);
            }
        }
        Ok(_) => {}
    }
}

fn compile_run(patterns: &Patterns, first: usize, end: usize, ipv6: bool) -> Segment {
    // A pattern can decide only for addresses of its own family: with a
    // ':' IPv6 (match_hostaddr()'s light-weight tests, and its exact forms
    // have one too), without one IPv4. Every range is one address, a
    // network or a whole family: they nest or are disjoint.
    let mut ranges = Ranges::default();
    for i in first..end {
        let text = patterns.text(i);
        let family = if text.contains(&b':') {
            Family::V6
        } else {
            Family::V4
        };
        if family == Family::V4 || ipv6 {
            paint_pattern(&mut ranges, patterns.matched(i), text, family, ipv6);
        }
    }
    let tables = ranges.finish();
    Segment::Run { first, end, tables }
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
    tables: Families,
    ipv6: bool,
}

/// A cidr table's partitions, borrowed: from a [`CidrTable`], or from a
/// mapped compiled file once [`CidrView::check`] accepted it.
#[derive(Debug, Clone, Copy)]
pub struct CidrView<'a> {
    /// The IPv4 partition.
    pub v4: Parts<'a, u32>,
    /// The IPv6 partition.
    pub v6: Parts<'a, u128>,
    /// The build's HAS_IPV6.
    pub ipv6: bool,
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

impl CidrView<'_> {
    /// The entry cidr_match_execute() returns for address text `addr`.
    pub fn lookup(&self, addr: &[u8]) -> Option<usize> {
        let (family, bytes) = Family::parse(addr, self.ipv6)?;
        self.lookup_bytes(family, &bytes)
    }

    /// The same for an address in binary form (the first 4 bytes for IPv4).
    pub fn lookup_bytes(&self, family: Family, bytes: &[u8; 16]) -> Option<usize> {
        match hit(&self.v4, &self.v6, family, bytes)? {
            Hit::Match(i) | Hit::Negated(i) | Hit::Error(i) => Some(i as usize),
        }
    }

    /// Whether both partitions are well formed, with entries below
    /// `entries` (see [`Parts::check`]).
    pub fn check(&self, entries: u32) -> bool {
        self.v4.check(entries) && self.v6.check(entries)
    }
}

impl CidrTable {
    /// The table's partitions, borrowed.
    pub fn view(&self) -> CidrView<'_> {
        CidrView {
            v4: self.tables.v4.parts(),
            v6: self.tables.v6.parts(),
            ipv6: self.ipv6,
        }
    }

    /// Compile `rules` in order; `ipv6` is the build's HAS_IPV6. An
    /// `endif` without an open `if` is ignored (dict_cidr rejects it);
    /// an `if` left open runs to the end. Tables longer than
    /// [`MAX_ENTRIES`] are refused.
    pub fn new(rules: &[CidrRule], ipv6: bool) -> Option<CidrTable> {
        let mut builder = CidrBuilder::default();
        for rule in rules {
            builder.push(*rule).ok()?;
        }
        Some(builder.finish(ipv6))
    }

    /// The entry cidr_match_execute() returns for address text `addr`.
    pub fn lookup(&self, addr: &[u8]) -> Option<usize> {
        self.view().lookup(addr)
    }

    /// The same for an address in binary form (the first 4 bytes for IPv4).
    pub fn lookup_bytes(&self, family: Family, bytes: &[u8; 16]) -> Option<usize> {
        self.view().lookup_bytes(family, bytes)
    }

    /// Bytes of memory the compiled tables hold.
    pub fn table_bytes(&self) -> usize {
        self.tables.bytes()
    }
}

/// The table holds [`MAX_ENTRIES`] rules already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyRules;

/// A cidr table's rules taken one at a time, as dict_cidr_open() reads
/// them, and compiled by [`CidrBuilder::finish`]. Positive address
/// patterns (most tables hold nothing else) are kept as ranges and
/// compiled by one sort; `if` blocks and `!` patterns, whose sets may
/// overlap anyhow, have the whole table painted.
#[derive(Default)]
pub struct CidrBuilder {
    count: u32,
    plain: Ranges,
    other: Vec<(u32, CidrRule)>,
}

impl CidrBuilder {
    /// Take the next rule.
    pub fn push(&mut self, rule: CidrRule) -> Result<(), TooManyRules> {
        if self.count as usize >= MAX_ENTRIES {
            return Err(TooManyRules);
        }
        let i = self.count;
        self.count += 1;
        match rule {
            // A network with host bits never matches (cidr_match_entry()).
            CidrRule::Match(p, true) => {
                if let Some(r) = range(&p) {
                    self.plain.push(p.family, r, Hit::Match(i));
                }
            }
            rule => self.other.push((i, rule)),
        }
        Ok(())
    }

    /// The number of rules taken.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether no rule was taken.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The rules compiled; `ipv6` is the build's HAS_IPV6.
    pub fn finish(self, ipv6: bool) -> CidrTable {
        let tables = match self.other.is_empty() {
            true => self.plain.finish(),
            false => self.paint(),
        };
        CidrTable { tables, ipv6 }
    }

    /// Every rule paints, in order, where it decides.
    fn paint(self) -> Families {
        let mut painters = [Painter::default(), Painter::default()];
        let mut open: Vec<(CidrPattern, bool)> = Vec::new();
        let mut v4 = self.plain.v4.into_iter().peekable();
        let mut v6 = self.plain.v6.into_iter().peekable();
        // The positive patterns before entry `end`, inside today's blocks.
        let mut plain_before =
            |end: u32, open: &[(CidrPattern, bool)], painters: &mut [Painter; 2]| {
                while let Some((lo, hi, code)) = v4.next_if(|r| r.2 < end) {
                    let set = conditions(open, Family::V4, vec![(lo.into(), hi.into())]);
                    painters[0].paint_set(&set, Hit::Match(code));
                }
                while let Some((lo, hi, code)) = v6.next_if(|r| r.2 < end) {
                    let set = conditions(open, Family::V6, vec![(lo, hi)]);
                    painters[1].paint_set(&set, Hit::Match(code));
                }
            };
        for (i, rule) in self.other {
            plain_before(i, &open, &mut painters);
            match rule {
                CidrRule::If(p, m) => open.push((p, m)),
                CidrRule::Endif => {
                    open.pop();
                }
                CidrRule::Match(p, m) => {
                    let set = conditions(&open, p.family, own_set(&p, m));
                    let n = usize::from(p.family == Family::V6);
                    painters[n].paint_set(&set, Hit::Match(i));
                }
            }
        }
        plain_before(u32::MAX, &open, &mut painters);
        let [v4, v6] = painters;
        Families {
            v4: v4.finish(),
            v6: v6.finish(),
        }
    }
}

/// The addresses a pattern matches, or (`matches` false) does not.
fn own_set(p: &CidrPattern, matches: bool) -> Set {
    let whole = vec![(0, family_max(p.family))];
    match (range(p), matches) {
        (Some(r), true) => vec![r],
        (None, true) => Vec::new(),
        (Some(r), false) => subtract(&whole, r),
        (None, false) => whole,
    }
}

/// The addresses for which an entry of `family` whose own set is `set`
/// decides, inside the open `if` blocks: its own set, cut by each
/// condition of the same family; a condition of another family is never
/// entered.
fn conditions(open: &[(CidrPattern, bool)], family: Family, mut set: Set) -> Set {
    for (c, m) in open {
        if c.family != family {
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
        let t: Table<u128> = p.finish();
        let at = |k| decode(t.parts().lookup_code(k));
        assert_eq!(at(0), Some(Hit::Match(1)));
        assert_eq!(at(9), Some(Hit::Match(1)));
        assert_eq!(at(10), Some(Hit::Match(0)));
        assert_eq!(at(20), Some(Hit::Match(0)));
        assert_eq!(at(21), Some(Hit::Match(1)));
        assert_eq!(at(30), Some(Hit::Match(1)));
        assert_eq!(at(31), Some(Hit::Match(2)));
        assert_eq!(at(Key::MAX), Some(Hit::Match(2)));
        assert_eq!(t.ranges().map(|r| r.0).collect::<Vec<_>>(), [0, 10, 21, 31]);

        // Ranges that touch painted ones at one end.
        let mut p = Painter::default();
        p.paint(10, 20, Hit::Match(0));
        p.paint(20, 25, Hit::Match(1));
        p.paint(5, 10, Hit::Error(2));
        p.paint(26, 26, Hit::Match(3));
        let t: Table<u128> = p.finish();
        let got: Vec<_> = [4, 5, 9, 10, 20, 21, 25, 26, 27]
            .map(|k| decode(t.parts().lookup_code(k)))
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
                assert_eq!(
                    decode(t.parts().lookup_code(k)),
                    Some(Hit::Match(want)),
                    "key {k:#x}"
                );
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
        // Even rounds: positive patterns only (compiled by the sweep);
        // odd rounds: `!`, `if` and `endif` too (painted).
        let mut r = Rng(0x2545_f491_4f6c_dd1d);
        for round in 0..600 {
            let plain = round % 2 == 0;
            let mut rules = Vec::new();
            let mut probes = Vec::new();
            let mut depth = 0;
            for _ in 0..1 + r.below(40) {
                let v6 = r.below(4) == 0;
                let bits = if v6 { 128 } else { 32 };
                let b = address(&mut r, v6);
                probes.push(text(&b, v6));
                let len = r.below(bits as usize + 1) as u32;
                let net = network(&b, len, bits, false);
                let mut p = parse_str(format!("{}/{len}", text(&net, v6)).as_bytes(), true)
                    .unwrap_or_else(|e| panic!("{}", String::from_utf8_lossy(&e)));
                if r.below(3) == 0 {
                    p = parse_str(text(&b, v6).as_bytes(), true).unwrap();
                }
                let m = plain || r.below(4) != 0;
                rules.push(match r.below(6) {
                    _ if plain => CidrRule::Match(p, m),
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
                probes.push(text(&address(&mut r, v6), v6));
            }
            for addr in probes {
                assert_eq!(
                    table.lookup(addr.as_bytes()),
                    execute(&rules, &addr),
                    "{addr} in {rules:?}"
                );
            }
        }
    }

    #[test]
    fn sweep_equals_the_first_match() {
        // Random nested or disjoint ranges (aligned blocks of a small key
        // space), each an entry in list order; every key against the
        // definition: the first entry whose range holds it.
        let mut r = Rng(0x51ee_b00c);
        for _ in 0..2000 {
            let n = 1 + r.below(30);
            let ranges: Vec<(u32, u32, u32)> = (0..n as u32)
                .map(|i| {
                    let len = r.below(9) as u32; // block of 2^(8 - len) keys
                    let size = 1u32 << (8 - len);
                    let lo = (r.below(256) as u32) & !(size - 1);
                    (lo, lo + size - 1, i)
                })
                .collect();
            let t = sweep(ranges.clone());
            for k in 0..=300u32 {
                let want = ranges
                    .iter()
                    .find(|&&(lo, hi, _)| lo <= k && k <= hi)
                    .map(|&(_, _, i)| Hit::Match(i));
                assert_eq!(decode(t.parts().lookup_code(k)), want, "{k} in {ranges:?}");
            }
            // No two neighbours alike: the partition is as small as it can be.
            let codes: Vec<u32> = t.ranges().map(|r| r.1).collect();
            assert!(codes.windows(2).all(|w| w[0] != w[1]), "{codes:?}");
        }
    }
}
