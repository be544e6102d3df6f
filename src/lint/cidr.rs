//! lint of a cidr table: [`lint_cidr`] reads it as Postfix's
//! dict_cidr_open() does ([`crate::dict_cidr::read_rules`]) and finds
//!
//! - a rule that covers addresses but decides none: every one of them is
//!   decided by earlier rules, which the finding names (after a catch-all
//!   such as `0.0.0.0/0` it says so);
//! - a rule that repeats an earlier one (same pattern, same `!`, same `if`
//!   blocks, same result);
//! - a rule that matches no address at all (`!0.0.0.0/0`);
//! - a rule Postfix skips, with Postfix's reason (host bits set: "did you
//!   mean NET/LEN"), and Postfix's other warnings about the file;
//! - an `if` whose condition can never hold inside its enclosing blocks,
//!   and an `if` block that holds no rule.
//!
//! Those are warnings. A rule that decides only part of what it covers
//! is a note, with the share it still decides.

use crate::addr_index::{CidrRule, CidrTable, EntryCoverage, cidr_coverage};
use crate::dict_cidr::{Found, Values, read_rules};
use crate::postfix_release::Release;
use crate::readlline;

use super::{Finding, NONE, Name, Report, Severity, TooLarge, first_equal, rule_finding};

/// Lint the cidr table `data`, read from `mapname` as Postfix `release`
/// reads it (`ipv6`: the build's HAS_IPV6).
pub fn lint_cidr(
    release: Release,
    mapname: &[u8],
    data: &[u8],
    ipv6: bool,
) -> Result<Report, TooLarge> {
    // Per rule Postfix keeps: the rule, its line and its result.
    let mut rules: Vec<CidrRule> = Vec::new();
    let mut lines: Vec<u32> = Vec::new();
    let mut value_ids: Vec<u32> = Vec::new();
    let mut values = Values::default();
    let mut findings = Vec::new();
    let mut too_large = false;
    let opts = readlline::Options::of(release, false);
    read_rules(mapname, data, ipv6, opts, |f| match f {
        Found::Rule(line, _, rule, value) => match values.intern(value) {
            Some(id) => {
                rules.push(rule);
                lines.push(u32::try_from(line).unwrap_or(u32::MAX));
                value_ids.push(id);
            }
            None => too_large = true,
        },
        Found::Warning(w) => findings.push(postfix_warning(mapname, &w)),
    });
    if too_large {
        return Err(TooLarge);
    }
    let table = CidrTable::new(&rules, true).ok_or(TooLarge)?;
    let line_of = |i: usize| lines[i] as usize;
    let name_of = |i: usize| Name::plain("line", "lines", line_of(i));
    let blocks = Blocks::of(&rules);
    // Duplicates: same pattern, `!`, enclosing blocks and result.
    let dup_of = first_equal(rules.len(), |i| {
        matches!(rules[i], CidrRule::Match(..))
            .then(|| (rules[i], blocks.parent[i], values.get(value_ids[i])))
    });
    // Rules that match every address of their family, outside any block.
    let mut everything = vec![false; rules.len()];
    cidr_coverage(&rules, &table, |i, c| {
        everything[i] = c.everything;
        let text = match rules[i] {
            CidrRule::Endif => None,
            CidrRule::If(..) => if_finding(c, blocks.holds_rule[i]),
            CidrRule::Match(..) => match dup_of[i] {
                NONE => rule_finding(c, &everything, &name_of),
                j => Some((
                    Severity::Warning,
                    format!("duplicate of line {}", line_of(j as usize)),
                )),
            },
        };
        if let Some((severity, text)) = text {
            findings.push(Finding::at_line(line_of(i), severity, text));
        }
    });
    findings.sort_by_key(|f| f.line.unwrap_or(usize::MAX));
    Ok(Report {
        findings,
        rules: rules.len(),
    })
}

/// The `if` blocks: each entry's innermost enclosing `if` (a block stack
/// is known by its innermost `if`), and whether an `if`'s block holds a
/// rule.
struct Blocks {
    parent: Vec<u32>,
    holds_rule: Vec<bool>,
}

impl Blocks {
    fn of(rules: &[CidrRule]) -> Blocks {
        let mut open: Vec<u32> = Vec::new();
        let mut b = Blocks {
            parent: Vec::with_capacity(rules.len()),
            holds_rule: vec![false; rules.len()],
        };
        for (i, rule) in rules.iter().enumerate() {
            b.parent.push(open.last().copied().unwrap_or(NONE));
            match rule {
                CidrRule::If(..) => open.push(i as u32),
                CidrRule::Endif => {
                    open.pop();
                }
                CidrRule::Match(..) => open.iter().for_each(|&j| b.holds_rule[j as usize] = true),
            }
        }
        b
    }
}

/// An `if` entry's finding.
fn if_finding(c: &EntryCoverage, holds_rule: bool) -> Option<(Severity, String)> {
    if c.covered == 0.0 {
        Some((
            Severity::Warning,
            "if block can never be entered: its condition holds for no address \
             its enclosing blocks let in"
                .to_string(),
        ))
    } else if !holds_rule {
        Some((Severity::Warning, "if block holds no rule".to_string()))
    } else {
        None
    }
}

/// One of Postfix's warnings about the table as a finding: `cidr map MAP,
/// line N: WHY: skipping this rule` (host bits: with the network meant),
/// `cidr map MAP, line N: TEXT`, or readllines()'s `MAP...: TEXT`.
fn postfix_warning(mapname: &[u8], w: &[u8]) -> Finding {
    let text = String::from_utf8_lossy(w).into_owned();
    let head = format!("cidr map {}, line ", String::from_utf8_lossy(mapname));
    let Some((line, rest)) = text
        .strip_prefix(&head)
        .and_then(|r| r.split_once(": "))
        .and_then(|(n, rest)| Some((n.parse::<usize>().ok()?, rest)))
    else {
        return Finding {
            line: None,
            ..Finding::at_line(0, Severity::Warning, format!("Postfix warns: {text}"))
        };
    };
    let text = match rest.strip_suffix(": skipping this rule") {
        Some(why) => match host_bits(why) {
            Some((given, meant)) => format!(
                "Postfix skips this rule: host bits set in \"{given}\"; did you mean {meant}"
            ),
            None => format!("Postfix skips this rule: {why}"),
        },
        None => format!("Postfix warns: {rest}"),
    };
    Finding::at_line(line, Severity::Warning, text)
}

/// cidr_match_parse()'s `non-null host address bits in "GIVEN", perhaps
/// you should use "MEANT" instead`.
pub(super) fn host_bits(why: &str) -> Option<(&str, &str)> {
    let rest = why.strip_prefix("non-null host address bits in \"")?;
    let (given, rest) = rest.split_once("\", perhaps you should use \"")?;
    let meant = rest.strip_suffix("\" instead")?;
    Some((given, meant))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lint(text: &str) -> Vec<(Option<usize>, Severity, String)> {
        lint_cidr(Release::V3_9, b"/t", text.as_bytes(), true)
            .unwrap()
            .findings
            .into_iter()
            .map(|f| (f.line, f.severity, f.text))
            .collect()
    }

    #[test]
    fn clean_table_has_no_findings() {
        assert_eq!(
            lint("10.0.0.0/8 a\n192.0.2.0/24 b\n[2001:db8::]/32 c\n"),
            vec![]
        );
    }

    #[test]
    fn shadowed_duplicate_host_bits_and_dead_if() {
        let found = lint(
            "10.0.0.0/8 REJECT\n\
             10.1.0.0/16 OK\n\
             192.0.2.0/24 REJECT\n\
             192.0.2.0/24 REJECT\n\
             1.2.3.4/24 REJECT\n\
             if 10.0.0.0/8\n\
             if 192.0.2.0/24\n\
             10.0.0.1 OK\n\
             endif\n\
             endif\n\
             if 172.16.0.0/12\n\
             endif\n",
        );
        let w = Severity::Warning;
        assert_eq!(
            found,
            vec![
                (
                    Some(2),
                    w,
                    "never decides: every address it covers is decided by line 1".into()
                ),
                (Some(4), w, "duplicate of line 3".into()),
                (
                    Some(5),
                    w,
                    "Postfix skips this rule: host bits set in \"1.2.3.4/24\"; did you mean \
                     1.2.3.0/24"
                        .into()
                ),
                (
                    Some(7),
                    w,
                    "if block can never be entered: its condition holds for no address its \
                     enclosing blocks let in"
                        .into()
                ),
                (
                    Some(8),
                    w,
                    "matches no address inside its if blocks: never decides".into()
                ),
                (Some(11), w, "if block holds no rule".into()),
            ]
        );
    }

    #[test]
    fn catch_all_and_partial_shadow() {
        // 10.0.0.0/8 minus 10.1.0.0/16: the /8 decides 255/256 of it.
        let found = lint("10.1.0.0/16 a\n10.0.0.0/8 b\n0.0.0.0/0 c\n192.0.2.0/24 d\n");
        assert_eq!(
            found,
            vec![
                (
                    Some(2),
                    Severity::Note,
                    "partly shadowed by line 1: decides 99.61% of its addresses".into()
                ),
                (
                    Some(3),
                    Severity::Note,
                    "partly shadowed by lines 1 and 2: decides 99.61% of its addresses".into()
                ),
                (
                    Some(4),
                    Severity::Warning,
                    "never decides: it comes after the catch-all at line 3".into()
                ),
            ]
        );
        let found = lint("10.0.0.0/9 a\n10.128.0.0/9 a\n10.0.0.0/8 b\n");
        assert_eq!(
            found,
            vec![(
                Some(3),
                Severity::Warning,
                "never decides: every address it covers is decided by lines 1 and 2".into()
            )]
        );
    }

    #[test]
    fn negation_and_postfix_warnings() {
        // "!0.0.0.0/0" matches nothing; a rule without a result is skipped.
        let found = lint("!0.0.0.0/0 a\n10.0.0.0/8\nendif\n");
        let w = Severity::Warning;
        assert_eq!(
            found,
            vec![
                (
                    Some(1),
                    w,
                    "matches no address inside its if blocks: never decides".into()
                ),
                (
                    Some(2),
                    w,
                    "Postfix skips this rule: no lookup result".into()
                ),
                (
                    Some(3),
                    w,
                    "Postfix skips this rule: ENDIF without IF".into()
                ),
            ]
        );
        assert_eq!(super::super::percent(50.0), "50%");
        assert_eq!(super::super::percent(0.5), "0.50%");
    }
}
