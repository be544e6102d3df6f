//! list - a match list's address patterns, compiled
//!
//! [`MatchList`]: the address part of Postfix's match_hostaddr() over a
//! whole list (see the module documentation of `addr_index`). Dictionary
//! patterns split the list into runs; text that is not in inet_ntop()
//! form is answered by walking the patterns.

use super::{Families, Hit, MAX_ENTRIES, Ranges, family_max, key, range};
use crate::cidr_match::{Family, parse_str};
use crate::inet_pton::{Written, ntop6_text, ntop6_zero_run, pton4, pton6_form};
use crate::match_ops::{is_address_text, is_dictionary, match_hostaddr};

/// A family's address text in inet_ntop() form: its bytes.
pub(super) fn canonical(addr: &[u8]) -> Option<(Family, [u8; 16])> {
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
}

/// What match_hostaddr() does with `pattern` for an inet_ntop()-form
/// address of `family`: its ranges into `ranges`, as entry `i`, whose
/// matches are `matched` (a match or a negated one).
pub(super) fn paint_pattern(
    ranges: &mut Ranges,
    matched: Hit,
    pattern: &[u8],
    family: Family,
    ipv6: bool,
) {
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
    //    In one pass: a ':', a ':' or '/', only "01234567890.", only
    //    hex digits and ".:[]/".
    let (mut colon, mut separator, mut v4_only, mut allowed) = (false, false, true, true);
    for &c in pattern {
        colon |= c == b':';
        separator |= c == b':' || c == b'/';
        v4_only &= c.is_ascii_digit() || c == b'.';
        allowed &= c.is_ascii_hexdigit() || matches!(c, b'.' | b':' | b'[' | b']' | b'/');
    }
    if colon != (family == Family::V6) || !separator || v4_only || !allowed {
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
