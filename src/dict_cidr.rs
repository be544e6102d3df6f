//! dict_cidr - the rules of a Postfix `cidr:` table, and which one decides
//!
//! Postfix's dict_cidr (src/util/dict_cidr.c) reads a table of `pattern
//! result` rules (logical lines, see [`crate::readlline`]): a pattern is
//! `addr`, `addr/len`, `[addr]`, `[addr]/len` or `[addr/len]`
//! ([`crate::cidr_match`]), with any number of `!` before it to negate it;
//! `if PATTERN` ... `endif` (any case) makes a block that is skipped when
//! the address does not match PATTERN. A lookup returns the result of the
//! first rule that matches. [`parse_rule`] is dict_cidr_parse_rule() (also
//! for the `pfinet_cidr_table_*` API); [`Table::parse`] keeps every rule
//! of a file with the line it starts on, and [`Table::lookup`] says which
//! rule decided (through [`crate::addr_index::CidrTable`]), so that a tool
//! can say why an address got its result; rules that Postfix skips are not
//! in the table.
//!
//! In a Postfix built with pfinet, dict_cidr_open() hands each rule it
//! parsed to a [`Loader`] (C: cidr_table_create(), cidr_table_add(),
//! cidr_table_finish(), in [`crate::cidr_table`]) instead of keeping its
//! own list, and dict_cidr_lookup() asks the [`Compiled`] table
//! (cidr_table_lookup()): one compact structure per table, each lookup
//! result stored once.
//!
//! DIAGNOSTICS: as Postfix, per skipped rule `cidr map MAP, line N: WHY:
//! skipping this rule` (WHY: `no address pattern`, `no lookup result`,
//! `garbage after ENDIF`, `ENDIF without IF`, or cidr_match_parse()'s
//! text), `cidr map MAP, line N: IF has no matching ENDIF` at the end,
//! innermost first, and the warnings of readllines().

use std::hash::BuildHasher;

use crate::addr_index::{CidrBuilder, CidrRule, CidrTable, CidrView, TooManyRules};
use crate::cidr_match::parse_str;
use crate::diag::Diag;
use crate::fast_hash::FastHash;
use crate::postfix_release::Release;
use crate::readlline::{self, Event, is_space};

/// One rule that Postfix keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The physical line the rule starts on (from 1).
    pub line: usize,
    /// The logical line as written.
    pub text: Vec<u8>,
    /// The rule.
    pub rule: CidrRule,
    /// The lookup result (empty for `if` and `endif`).
    pub value: Vec<u8>,
}

/// A parsed table: its rules in order, and Postfix's warnings.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// The rules kept, in file order.
    pub rules: Vec<Rule>,
    /// The warnings Postfix logs while opening the table.
    pub warnings: Vec<Vec<u8>>,
    /// The rules compiled for lookups (None: too many rules).
    index: Option<CidrTable>,
}

fn strip_keyword<'a>(p: &'a [u8], word: &[u8]) -> Option<&'a [u8]> {
    let head = p.get(..word.len())?;
    let next_alnum = p.get(word.len()).is_some_and(u8::is_ascii_alphanumeric);
    (head.eq_ignore_ascii_case(word) && !next_alnum).then(|| &p[word.len()..])
}

/// Skips `!` and white space; returns the rest and whether the count of
/// `!` is even.
fn negations(mut p: &[u8]) -> (&[u8], bool) {
    let mut positive = true;
    while let Some(&c) = p.first() {
        if c == b'!' {
            positive = !positive;
        } else if !is_space(c) {
            break;
        }
        p = &p[1..];
    }
    (p, positive)
}

fn trim_end(p: &[u8]) -> &[u8] {
    &p[..p.iter().rposition(|&c| !is_space(c)).map_or(0, |i| i + 1)]
}

/// dict_cidr_parse_rule() up to the lookup result: the rule in `p` (a
/// logical line without leading white space) when `nesting` `if` blocks
/// are open, and the result text after an address pattern (trimmed; empty
/// for `if` and `endif`), or why Postfix skips the rule. An empty result
/// is for the caller to refuse (`no lookup result`), after this.
pub fn parse_rule(p: &[u8], nesting: usize, ipv6: bool) -> Result<(CidrRule, &[u8]), Vec<u8>> {
    let pattern = |t: &[u8]| {
        if t.is_empty() {
            Err(b"no address pattern".to_vec())
        } else {
            parse_str(t, ipv6)
        }
    };
    if let Some(rest) = strip_keyword(p, b"IF") {
        let (rest, positive) = negations(rest);
        Ok((CidrRule::If(pattern(trim_end(rest))?, positive), b""))
    } else if let Some(rest) = strip_keyword(p, b"ENDIF") {
        if rest.iter().any(|&c| !is_space(c)) {
            Err(b"garbage after ENDIF".to_vec())
        } else if nesting == 0 {
            Err(b"ENDIF without IF".to_vec())
        } else {
            Ok((CidrRule::Endif, b""))
        }
    } else {
        let (rest, positive) = negations(p);
        let end = rest.iter().position(|&c| is_space(c)).unwrap_or(rest.len());
        let value = &rest[end..];
        let start = value
            .iter()
            .position(|&c| !is_space(c))
            .unwrap_or(value.len());
        let rule = CidrRule::Match(pattern(&rest[..end])?, positive);
        Ok((rule, trim_end(&value[start..])))
    }
}

/// What dict_cidr_open() finds in a table, in order.
#[derive(Debug)]
pub enum Found<'a> {
    /// A rule Postfix keeps: the line it starts on, the logical line, the
    /// rule, and its result (empty for `if` and `endif`).
    Rule(usize, &'a [u8], CidrRule, &'a [u8]),
    /// A warning Postfix logs at this point.
    Warning(Vec<u8>),
}

/// dict_cidr_open()'s loop over the text of the map file `mapname`
/// (readllines() as `opts` says, dict_cidr_parse_rule(), the `if` nesting
/// and its warnings at the end), without keeping anything.
pub fn read_rules(
    mapname: &[u8],
    data: &[u8],
    ipv6: bool,
    opts: readlline::Options,
    mut found: impl FnMut(Found<'_>),
) {
    let mut open_ifs: Vec<usize> = Vec::new();
    let head =
        |line: usize| [b"cidr map ", mapname, format!(", line {line}: ").as_bytes()].concat();
    readlline::read_logical_lines(data, mapname, opts, |event| {
        let (line, text) = match event {
            Event::Warning(w) => return found(Found::Warning(w)),
            Event::Line(line, text) => (line, text),
        };
        // Postfix parses the C string: text after a NUL is not seen.
        let text = &text[..text.iter().position(|&c| c == 0).unwrap_or(text.len())];
        let parsed = parse_rule(text, open_ifs.len(), ipv6).and_then(|(rule, value)| match rule {
            CidrRule::Match(..) if value.is_empty() => Err(b"no lookup result".to_vec()),
            _ => Ok((rule, value)),
        });
        match parsed {
            Err(why) => found(Found::Warning(
                [head(line), why, b": skipping this rule".to_vec()].concat(),
            )),
            Ok((rule, value)) => {
                match rule {
                    CidrRule::If(..) => open_ifs.push(line),
                    CidrRule::Endif => {
                        open_ifs.pop();
                    }
                    CidrRule::Match(..) => {}
                }
                found(Found::Rule(line, text, rule, value));
            }
        }
    });
    for &line in open_ifs.iter().rev() {
        found(Found::Warning(unmatched_if(mapname, line)));
    }
}

/// dict_cidr_open() on the text of the map file `mapname`, as a patched
/// Postfix keeps the table: its warnings to `diag`, in Postfix's order.
pub fn load(
    mapname: &[u8],
    data: &[u8],
    ipv6: bool,
    diag: &mut dyn Diag,
) -> Result<Compiled, TooLarge> {
    let mut loader = Loader::default();
    let mut result = Ok(());
    // Postfix's own loop reads a table with a NUL byte (cidr_table_read()),
    // whose readllines() warnings differ between releases: none here.
    let opts = readlline::Options::default();
    read_rules(mapname, data, ipv6, opts, |f| match f {
        Found::Warning(w) => diag.warn(&w),
        Found::Rule(line, _, rule, value) => {
            if result.is_ok() {
                result = loader.add(rule, value, line);
            }
        }
    });
    result?;
    // read_rules() gave the warnings for `if`s left open already.
    Ok(loader.finish(mapname, ipv6, &mut crate::diag::Collect::default()))
}

impl Table {
    /// dict_cidr_open() of Postfix `release` on the text of the map file
    /// `mapname`.
    pub fn parse(release: Release, mapname: &[u8], data: &[u8], ipv6: bool) -> Table {
        let (mut rules, mut warnings) = (Vec::new(), Vec::new());
        // dict_cidr_open() passes readllines() its line counters.
        let opts = readlline::Options::of(release, false);
        read_rules(mapname, data, ipv6, opts, |f| match f {
            Found::Warning(w) => warnings.push(w),
            Found::Rule(line, text, rule, value) => rules.push(Rule {
                line,
                text: text.to_vec(),
                rule,
                value: value.to_vec(),
            }),
        });
        let plain: Vec<CidrRule> = rules.iter().map(|r| r.rule).collect();
        let index = CidrTable::new(&plain, ipv6);
        Table {
            rules,
            warnings,
            index,
        }
    }

    /// dict_cidr_lookup(): the index of the rule whose result Postfix
    /// returns for `addr`, or None (no match, or not an address). `Err`
    /// when the table has more rules than a compiled table takes.
    pub fn lookup(&self, addr: &[u8]) -> Result<Option<usize>, Vec<u8>> {
        match &self.index {
            Some(index) => Ok(index.lookup(addr)),
            None => Err(format!("cidr table too large: {} rules", self.rules.len()).into_bytes()),
        }
    }
}

/// `cidr map MAP, line N: IF has no matching ENDIF`.
fn unmatched_if(mapname: &[u8], line: usize) -> Vec<u8> {
    [
        b"cidr map ",
        mapname,
        format!(", line {line}: IF has no matching ENDIF").as_bytes(),
    ]
    .concat()
}

/// A table's lookup results, each followed by a NUL (so that C can take
/// it as a string). A result that one of the last few distinct results
/// had is kept once (tables repeat a few results, `REJECT`, `OK`, over
/// and over); a table of distinct results costs no hash table.
#[derive(Debug)]
pub struct Values {
    text: Vec<u8>,
    starts: Vec<u32>,
    /// While loading: a few recent results by hash (id + 1; 0 empty).
    recent: Box<[u32; RECENT]>,
}

/// Slots of [`Values::recent`].
const RECENT: usize = 64;

impl Default for Values {
    fn default() -> Values {
        Values {
            text: Vec::new(),
            starts: Vec::new(),
            recent: Box::new([0; RECENT]),
        }
    }
}

impl Values {
    /// The number of `value`, stored if not recent; None past 4 GiB of
    /// text.
    pub fn intern(&mut self, value: &[u8]) -> Option<u32> {
        // Most often the result of the rule before.
        if let Some(last) = self.starts.len().checked_sub(1) {
            let last = last as u32;
            if self.get(last) == value {
                return Some(last);
            }
        }
        let slot = FastHash::default().hash_one(value) as usize % RECENT;
        if let Some(id) = self.recent[slot].checked_sub(1) {
            if self.get(id) == value {
                return Some(id);
            }
        }
        let start = u32::try_from(self.text.len()).ok()?;
        let id = u32::try_from(self.starts.len()).ok()?;
        self.text.extend_from_slice(value);
        self.text.push(0);
        self.starts.push(start);
        self.recent[slot] = id.checked_add(1)?;
        Some(id)
    }

    /// Value `id`, without its NUL.
    pub fn get(&self, id: u32) -> &[u8] {
        self.get_with_nul(id).split_last().map_or(&[], |(_, v)| v)
    }

    /// Value `id` with the NUL that ends it.
    pub fn get_with_nul(&self, id: u32) -> &[u8] {
        let start = self.starts[id as usize] as usize;
        let len = self.text[start..].iter().position(|&c| c == 0).unwrap_or(0);
        &self.text[start..=start + len]
    }

    /// Loading is over: give back spare capacity.
    fn seal(&mut self) {
        self.text.shrink_to_fit();
        self.starts.shrink_to_fit();
    }

    /// Bytes of memory held.
    pub fn bytes(&self) -> usize {
        self.text.capacity() + 4 * self.starts.capacity()
    }
}

/// No lookup result: `if` and `endif` rules.
pub const NO_VALUE: u32 = u32::MAX;

/// dict_cidr_open()'s loop: the rules Postfix parsed, one at a time.
#[derive(Default)]
pub struct Loader {
    rules: CidrBuilder,
    rule_values: Vec<u32>,
    values: Values,
    /// The lines of the `if` rules not yet closed, innermost last.
    open_ifs: Vec<usize>,
}

/// Why a rule could not be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TooLarge {
    /// More rules than a compiled table numbers.
    Rules,
    /// More than 4 GiB of lookup results.
    Values,
}

impl From<TooManyRules> for TooLarge {
    fn from(_: TooManyRules) -> TooLarge {
        TooLarge::Rules
    }
}

impl Loader {
    /// Take the rule that starts on `line`, with its lookup result
    /// (ignored for `if` and `endif`).
    pub fn add(&mut self, rule: CidrRule, value: &[u8], line: usize) -> Result<(), TooLarge> {
        self.rules.push(rule)?;
        let id = match rule {
            CidrRule::Match(..) => self.values.intern(value).ok_or(TooLarge::Values)?,
            CidrRule::If(..) => {
                self.open_ifs.push(line);
                NO_VALUE
            }
            CidrRule::Endif => {
                self.open_ifs.pop();
                NO_VALUE
            }
        };
        self.rule_values.push(id);
        Ok(())
    }

    /// The end of the table `mapname`: Postfix's warning for each `if`
    /// left open (innermost first), and the table compiled.
    pub fn finish(mut self, mapname: &[u8], ipv6: bool, diag: &mut dyn Diag) -> Compiled {
        for &line in self.open_ifs.iter().rev() {
            diag.warn(&unmatched_if(mapname, line));
        }
        self.values.seal();
        self.rule_values.shrink_to_fit();
        Compiled {
            table: self.rules.finish(ipv6),
            rule_values: self.rule_values,
            values: self.values,
        }
    }
}

/// A cidr table as a Postfix process keeps it: the compiled index, and
/// each rule's lookup result.
#[derive(Debug)]
pub struct Compiled {
    table: CidrTable,
    rule_values: Vec<u32>,
    values: Values,
}

impl Compiled {
    /// dict_cidr_lookup(): the result for address text `addr`, with the
    /// NUL that ends it, or None.
    pub fn lookup(&self, addr: &[u8]) -> Option<&[u8]> {
        self.view().lookup(addr)
    }

    /// The table's arrays, borrowed.
    pub fn view(&self) -> View<'_> {
        View {
            table: self.table.view(),
            rule_values: &self.rule_values,
            value_starts: &self.values.starts,
            value_text: &self.values.text,
        }
    }

    /// Bytes of memory held.
    pub fn bytes(&self) -> usize {
        self.table.table_bytes() + 4 * self.rule_values.capacity() + self.values.bytes()
    }
}

/// A compiled table's arrays, borrowed: from a [`Compiled`], or from a
/// mapped compiled file once [`View::check`] accepted it
/// (`crate::cidr_file`).
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    /// The partitions.
    pub table: CidrView<'a>,
    /// Each rule's result number ([`NO_VALUE`] for `if` and `endif`).
    pub rule_values: &'a [u32],
    /// Where each result starts in `value_text`.
    pub value_starts: &'a [u32],
    /// The results, each followed by a NUL.
    pub value_text: &'a [u8],
}

impl<'a> View<'a> {
    /// dict_cidr_lookup(): the result for address text `addr`, with the
    /// NUL that ends it, or None.
    pub fn lookup(&self, addr: &[u8]) -> Option<&'a [u8]> {
        let rule = self.table.lookup(addr)?;
        let start = self.value_starts[self.rule_values[rule] as usize] as usize;
        let len = self.value_text[start..].iter().position(|&c| c == 0)?;
        Some(&self.value_text[start..=start + len])
    }

    /// Whether the arrays are consistent: every range decided by a rule
    /// that has a result, every result inside the text and ended by a
    /// NUL, so that no lookup can go out of bounds.
    pub fn check(&self) -> bool {
        let Ok(rules) = u32::try_from(self.rule_values.len()) else {
            return false;
        };
        let n_values = self.value_starts.len();
        let value_ok = |&v: &u32| v == NO_VALUE || (v as usize) < n_values;
        let start_ok = |&s: &u32| {
            let s = s as usize;
            s < self.value_text.len() && (s == 0 || self.value_text[s - 1] == 0)
        };
        self.table.check(rules)
            && self.rule_values.iter().all(value_ok)
            && self.value_starts.iter().all(start_ok)
            && self.value_text.last().is_none_or(|&c| c == 0)
            && self.decided_rules_have_values()
    }

    /// Every rule that decides a range has a result (not `if`/`endif`).
    fn decided_rules_have_values(&self) -> bool {
        let has_value = |code: u32| code == u32::MAX || self.rule_values[code as usize] != NO_VALUE;
        self.table.v4.hits.iter().all(|&c| has_value(c))
            && self.table.v6.hits.iter().all(|&c| has_value(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        Table::parse(Release::V3_7, b"/m", text.as_bytes(), true)
    }

    fn warnings(t: &Table) -> Vec<String> {
        t.warnings
            .iter()
            .map(|w| String::from_utf8_lossy(w).into_owned())
            .collect()
    }

    #[test]
    fn first_matching_rule_decides() {
        let t = table("# c\n192.0.2.0/24 a\n!192.0.2.0/25 b\n0.0.0.0/0 c\n[2001:db8::]/32 d\n");
        let at = |a: &str| t.lookup(a.as_bytes()).unwrap().map(|i| t.rules[i].line);
        assert_eq!(at("192.0.2.200"), Some(2));
        assert_eq!(at("10.0.0.1"), Some(3)); // not in 192.0.2.0/25
        assert_eq!(at("2001:db8::1"), Some(5));
        assert_eq!(at("2001:db9::1"), None);
        assert_eq!(at("junk"), None);
        assert_eq!(t.rules[1].value, b"b");
    }

    #[test]
    fn if_blocks_are_skipped_unless_they_match() {
        let t = table(
            "if 10.0.0.0/8\n10.1.0.0/16 in\nendif\n10.1.2.3 out\nIF !10.0.0.0/8\n0.0.0.0/0 else\nENDIF\n",
        );
        let at = |a: &str| t.lookup(a.as_bytes()).unwrap().map(|i| t.rules[i].line);
        assert_eq!(at("10.1.2.3"), Some(2));
        assert_eq!(at("10.2.0.1"), None);
        assert_eq!(at("11.0.0.1"), Some(6));
        assert!(t.warnings.is_empty());
    }

    #[test]
    fn skipped_rules_warn_as_postfix() {
        let t = table("endif\n1.2.3.4\n!\n1.2.3.4/24 x\nendif x\nif 10.0.0.0/8\nif 11.0.0.0/8\n");
        assert_eq!(
            warnings(&t),
            vec![
                "cidr map /m, line 1: ENDIF without IF: skipping this rule",
                "cidr map /m, line 2: no lookup result: skipping this rule",
                "cidr map /m, line 3: no address pattern: skipping this rule",
                "cidr map /m, line 4: non-null host address bits in \"1.2.3.4/24\", perhaps you \
                 should use \"1.2.3.0/24\" instead: skipping this rule",
                "cidr map /m, line 5: garbage after ENDIF: skipping this rule",
                "cidr map /m, line 7: IF has no matching ENDIF",
                "cidr map /m, line 6: IF has no matching ENDIF",
            ]
        );
        // An IF without ENDIF that does not match ends the lookup.
        assert_eq!(t.lookup(b"12.0.0.1").unwrap(), None);
    }

    #[test]
    fn values_are_kept_once_while_recent() {
        let mut v = Values::default();
        let ids: Vec<u32> = ["REJECT", "OK", "REJECT", "", "OK", "REJECT x"]
            .iter()
            .map(|t| v.intern(t.as_bytes()).unwrap())
            .collect();
        assert_eq!(ids[0], ids[2]);
        assert_eq!(ids[1], ids[4]);
        assert_eq!(v.get(ids[3]), b"");
        assert_eq!(v.get(ids[5]), b"REJECT x");
        assert_eq!(v.get_with_nul(ids[1]), b"OK\0");
        // Four distinct texts, each with its NUL.
        assert_eq!(v.text.len(), "REJECT OK  REJECT x ".len());
        // Many distinct texts: each is still answered exactly.
        let many: Vec<String> = (0..5000).map(|i| format!("REJECT listed as {i}")).collect();
        let ids: Vec<u32> = many
            .iter()
            .map(|t| v.intern(t.as_bytes()).unwrap())
            .collect();
        for (id, t) in ids.iter().zip(&many) {
            assert_eq!(v.get(*id), t.as_bytes());
        }
    }

    /// The rules of `text` as Postfix parses them, through a [`Loader`].
    fn compiled(text: &str) -> (Compiled, Vec<String>) {
        let t = table(text);
        let mut loader = Loader::default();
        for r in &t.rules {
            loader.add(r.rule, &r.value, r.line).unwrap();
        }
        let mut diag = crate::diag::Collect::default();
        let c = loader.finish(b"/m", true, &mut diag);
        let w = diag
            .messages
            .iter()
            .map(|(_, t)| String::from_utf8_lossy(t).into_owned());
        (c, w.collect())
    }

    #[test]
    fn compiled_tables_answer_with_the_first_matching_rule() {
        let (c, w) = compiled(
            "10.0.0.0/8 A\n10.1.0.0/16 B\n!11.0.0.0/8 C\nif 12.0.0.0/8\n12.1.0.0/16 D\nendif\n\
             12.0.0.0/8 E\n[2001:db8::]/32 A\nif 13.0.0.0/8\n",
        );
        let at = |a: &str| {
            c.lookup(a.as_bytes())
                .map(|v| String::from_utf8_lossy(v).into_owned())
        };
        assert_eq!(at("10.1.2.3").as_deref(), Some("A\0")); // first match, not the closer B
        assert_eq!(at("11.1.1.1"), None); // inside 11/8: the ! rule does not match
        assert_eq!(at("12.1.1.1").as_deref(), Some("C\0")); // outside 11/8
        assert_eq!(at("2001:db8::1").as_deref(), Some("A\0"));
        assert_eq!(at("2001:db9::1"), None);
        assert_eq!(at("junk"), None);
        assert_eq!(w, ["cidr map /m, line 9: IF has no matching ENDIF"]);
        // Plain rules only (the sweep): nested networks, first match wins.
        let (c, _) = compiled("10.1.0.0/16 inner\n10.0.0.0/8 outer\n10.1.2.0/24 never\n");
        let at = |a: &str| {
            c.lookup(a.as_bytes())
                .map(|v| String::from_utf8_lossy(v).into_owned())
        };
        assert_eq!(at("10.1.2.3").as_deref(), Some("inner\0"));
        assert_eq!(at("10.2.0.1").as_deref(), Some("outer\0"));
        assert_eq!(at("11.0.0.1"), None);
    }
}
