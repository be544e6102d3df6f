//! The smallest equivalent cidr table, for `pfinet lint --minimal`.
//!
//! [`minimal_cidr`] writes two candidates and keeps the smaller:
//!
//! - the table's own rules without those that never decide (and without
//!   `if` blocks left with no rule), in their order and with their text;
//! - the fewest prefixes that give every address the table's result
//!   ([`crate::addr_index::minimal_prefixes`]): adjacent prefixes with one
//!   result merged, `!` rules and `if` blocks resolved.
//!
//! Neither is written unless it is proven equivalent: both tables are
//! compiled, and their partitions, each range with its result, must be
//! identical, range for range over every address of both families (not
//! sampled).

use crate::addr_index::IndexKey;
use crate::addr_index::{CidrRule, CidrTable, NO_ANSWER, Parts, cidr_coverage, minimal_prefixes};
use crate::cidr_match::Family;
use crate::dict_cidr::{Found, Values, read_rules};
use crate::postfix_release::Release;
use crate::readlline;
use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::TooLarge;

/// What [`minimal_cidr`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minimal {
    /// The table's text.
    pub text: Vec<u8>,
    /// Rules in the input and in the output (`if` and `endif` included).
    pub rules_in: usize,
    /// See `rules_in`.
    pub rules_out: usize,
    /// Which candidate it is.
    pub how: How,
    /// How many ranges the proof compared.
    pub ranges: usize,
}

/// The candidate [`minimal_cidr`] kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// The input's rules without those that never decide.
    Pruned,
    /// The fewest prefixes.
    Prefixes,
}

/// Why no table was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotWritten {
    /// Too many rules to compile.
    TooLarge,
    /// No candidate could be proven equivalent (a bug): the first range
    /// where they differ.
    Unproven(String),
}

impl From<TooLarge> for NotWritten {
    fn from(_: TooLarge) -> NotWritten {
        NotWritten::TooLarge
    }
}

/// A table as compiled: its rules, their logical lines, their results.
struct Read {
    rules: Vec<CidrRule>,
    lines: Vec<Vec<u8>>,
    value_ids: Vec<u32>,
    values: Values,
}

fn read(release: Release, mapname: &[u8], data: &[u8], ipv6: bool) -> Result<Read, TooLarge> {
    let mut r = Read {
        rules: Vec::new(),
        lines: Vec::new(),
        value_ids: Vec::new(),
        values: Values::default(),
    };
    let mut too_large = false;
    let opts = readlline::Options::of(release, false);
    read_rules(mapname, data, ipv6, opts, |f| {
        if let Found::Rule(_, text, rule, value) = f {
            match r.values.intern(value) {
                Some(id) => {
                    r.rules.push(rule);
                    r.lines.push(text.to_vec());
                    r.value_ids.push(id);
                }
                None => too_large = true,
            }
        }
    });
    match too_large {
        true => Err(TooLarge),
        false => Ok(r),
    }
}

/// One family's partition, each range with its result's bytes (None: no
/// rule decides), adjacent ranges with one result merged.
type Results<'a> = Vec<(u128, Option<&'a [u8]>)>;

fn results<'a, K: IndexKey>(parts: &Parts<'_, K>, r: &'a Read) -> Results<'a> {
    let mut out: Results<'a> = Vec::with_capacity(parts.starts.len());
    for (i, &start) in parts.starts.iter().enumerate() {
        let value = parts.entry(i).map(|e| r.values.get(r.value_ids[e]));
        if out.last().is_none_or(|l| l.1 != value) {
            out.push((start.into(), value));
        }
    }
    out
}

/// The smallest table equivalent to the cidr table `data` (read from
/// `mapname` as Postfix `release` does), proven so.
pub fn minimal_cidr(
    release: Release,
    mapname: &[u8],
    data: &[u8],
    ipv6: bool,
) -> Result<Minimal, NotWritten> {
    let input = read(release, mapname, data, ipv6)?;
    let table = CidrTable::new(&input.rules, true).ok_or(TooLarge)?;
    let view = table.view();
    let want = [results(&view.v4, &input), results(&view.v6, &input)];
    let candidates = [
        (How::Pruned, pruned(&input, &table)),
        (How::Prefixes, prefixes(&want)),
    ];
    let mut order: Vec<&(How, Vec<u8>)> = candidates.iter().collect();
    order.sort_by_key(|(how, text)| (rule_count(text), *how == How::Prefixes));
    let mut why = String::new();
    for (how, text) in order {
        let out = read(release, mapname, text, ipv6)?;
        let compiled = CidrTable::new(&out.rules, true).ok_or(TooLarge)?;
        let v = compiled.view();
        let got = [results(&v.v4, &out), results(&v.v6, &out)];
        if got == want {
            return Ok(Minimal {
                text: text.clone(),
                rules_in: input.rules.len(),
                rules_out: out.rules.len(),
                how: *how,
                ranges: want[0].len() + want[1].len(),
            });
        }
        why = first_difference(&want, &got);
    }
    Err(NotWritten::Unproven(why))
}

fn rule_count(text: &[u8]) -> usize {
    text.iter().filter(|&&c| c == b'\n').count()
}

/// The input's rules that decide something, and the `if` blocks that
/// still hold one of them.
fn pruned(input: &Read, table: &CidrTable) -> Vec<u8> {
    let n = input.rules.len();
    let mut keep = vec![false; n];
    cidr_coverage(&input.rules, table, |i, c| {
        keep[i] = matches!(input.rules[i], CidrRule::Match(..)) && c.decided > 0.0;
    });
    // An `if` stays when its block keeps a rule; its `endif` with it.
    let mut open: Vec<usize> = Vec::new();
    let mut if_of = vec![NONE; n];
    for (i, rule) in input.rules.iter().enumerate() {
        match rule {
            CidrRule::If(..) => open.push(i),
            CidrRule::Endif => {
                if let Some(j) = open.pop() {
                    if_of[i] = j;
                }
            }
            CidrRule::Match(..) if keep[i] => {
                for &j in &open {
                    keep[j] = true;
                }
            }
            CidrRule::Match(..) => {}
        }
    }
    let mut text = Vec::new();
    for i in 0..n {
        let kept = match input.rules[i] {
            CidrRule::Endif => if_of[i] != NONE && keep[if_of[i]],
            _ => keep[i],
        };
        if kept {
            text.extend_from_slice(&input.lines[i]);
            text.push(b'\n');
        }
    }
    // `if`s left open run to the end: closed here, which changes nothing.
    for &j in &open {
        if keep[j] {
            text.extend_from_slice(b"endif\n");
        }
    }
    text
}

/// No rule.
const NONE: usize = usize::MAX;

/// The fewest prefixes for the wanted results.
fn prefixes(want: &[Results<'_>; 2]) -> Vec<u8> {
    let mut text = Vec::new();
    for (family, results) in [(Family::V4, &want[0]), (Family::V6, &want[1])] {
        // A number per distinct result.
        let mut ids: HashMap<&[u8], u32> = HashMap::new();
        let mut names: Vec<&[u8]> = Vec::new();
        let ranges: Vec<(u128, u32)> = results
            .iter()
            .map(|&(start, v)| {
                let id = v.map_or(NO_ANSWER, |v| {
                    *ids.entry(v).or_insert_with(|| {
                        names.push(v);
                        (names.len() - 1) as u32
                    })
                });
                (start, id)
            })
            .collect();
        for (lo, len, id) in minimal_prefixes(&ranges, family) {
            let net = match family {
                Family::V4 => format!("{}/{len}", Ipv4Addr::from(lo as u32)),
                Family::V6 => format!("[{}]/{len}", Ipv6Addr::from(lo)),
            };
            text.extend_from_slice(net.as_bytes());
            text.push(b' ');
            text.extend_from_slice(names[id as usize]);
            text.push(b'\n');
        }
    }
    text
}

fn first_difference(want: &[Results<'_>; 2], got: &[Results<'_>; 2]) -> String {
    for (f, (w, g)) in want.iter().zip(got).enumerate() {
        if let Some(i) = (0..w.len().max(g.len())).find(|&i| w.get(i) != g.get(i)) {
            return format!(
                "family {}: range {i}: input {:?}, output {:?}",
                if f == 0 { "IPv4" } else { "IPv6" },
                w.get(i),
                g.get(i)
            );
        }
    }
    String::new()
}
