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
//! DIAGNOSTICS: as Postfix, per skipped rule `cidr map MAP, line N: WHY:
//! skipping this rule` (WHY: `no address pattern`, `no lookup result`,
//! `garbage after ENDIF`, `ENDIF without IF`, or cidr_match_parse()'s
//! text), `cidr map MAP, line N: IF has no matching ENDIF` at the end,
//! innermost first, and the warnings of readllines().

use crate::addr_index::{CidrRule, CidrTable};
use crate::cidr_match::parse_str;
use crate::readlline::{is_space, logical_lines};

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

impl Table {
    /// dict_cidr_open() on the text of the map file `mapname`.
    pub fn parse(mapname: &[u8], data: &[u8], ipv6: bool) -> Table {
        let (lines, mut warnings) = logical_lines(data, mapname);
        let mut rules: Vec<Rule> = Vec::with_capacity(lines.len());
        let mut open_ifs: Vec<usize> = Vec::new();
        let head =
            |line: usize| [b"cidr map ", mapname, format!(", line {line}: ").as_bytes()].concat();
        for l in lines {
            // Postfix parses the C string: text after a NUL is not seen.
            let text = &l.text[..l.text.iter().position(|&c| c == 0).unwrap_or(l.text.len())];
            let parsed =
                parse_rule(text, open_ifs.len(), ipv6).and_then(|(rule, value)| match rule {
                    CidrRule::Match(..) if value.is_empty() => Err(b"no lookup result".to_vec()),
                    _ => Ok((rule, value.to_vec())),
                });
            match parsed {
                Err(why) => warnings
                    .push([head(l.first_line), why, b": skipping this rule".to_vec()].concat()),
                Ok((rule, value)) => {
                    match rule {
                        CidrRule::If(..) => open_ifs.push(rules.len()),
                        CidrRule::Endif => {
                            open_ifs.pop();
                        }
                        CidrRule::Match(..) => {}
                    }
                    rules.push(Rule {
                        line: l.first_line,
                        text: l.text.clone(),
                        rule,
                        value,
                    });
                }
            }
        }
        for &i in open_ifs.iter().rev() {
            warnings.push([head(rules[i].line), b"IF has no matching ENDIF".to_vec()].concat());
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        Table::parse(b"/m", text.as_bytes(), true)
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
}
