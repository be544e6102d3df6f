//! cidr - a cidr table's rules, compiled
//!
//! [`CidrTable`] answers cidr_match_execute() per address; [`CidrBuilder`]
//! takes the rules one at a time, as dict_cidr_open() reads them;
//! [`CidrView`] is a table's partitions, borrowed (also from a mapped
//! compiled file).

use super::painter::Painter;
use super::table::Parts;
use super::{Families, Hit, MAX_ENTRIES, Ranges, Set, family_max, hit, intersect, range, subtract};
use crate::cidr_match::{CidrPattern, Family};

/// One entry of a cidr table, as cidr_match_parse() and friends make it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
                while let Some(s) = v4.next_if(|s| s.code < end) {
                    let set = conditions(open, Family::V4, vec![(s.lo.into(), s.hi().into())]);
                    painters[0].paint_set(&set, Hit::Match(s.code));
                }
                while let Some(s) = v6.next_if(|s| s.code < end) {
                    let set = conditions(open, Family::V6, vec![(s.lo, s.hi())]);
                    painters[1].paint_set(&set, Hit::Match(s.code));
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
pub(super) fn own_set(p: &CidrPattern, matches: bool) -> Set {
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
pub(super) fn conditions(open: &[(CidrPattern, bool)], family: Family, mut set: Set) -> Set {
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
