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
use crate::addr_index::{
    CidrBuilder, CidrRule, CidrTable, NO_ANSWER, Parts, cidr_deciding, minimal_prefixes,
};
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

/// A table as read: its rules, their logical lines (one buffer), the
/// number of each rule's result in a [`Values`] kept beside it.
struct Read {
    rules: Vec<CidrRule>,
    text: Vec<u8>,
    ends: Vec<usize>,
    value_ids: Vec<u32>,
}

impl Read {
    fn line(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }
}

/// Reads a table; its lines are kept only when `lines` says so.
fn read(
    release: Release,
    mapname: &[u8],
    data: &[u8],
    (ipv6, lines): (bool, bool),
    values: &mut Values,
) -> Result<Read, TooLarge> {
    let mut r = Read {
        rules: Vec::new(),
        text: Vec::new(),
        ends: Vec::new(),
        value_ids: Vec::new(),
    };
    let mut too_large = false;
    let opts = readlline::Options::of(release, false);
    read_rules(mapname, data, ipv6, opts, |f| {
        if let Found::Rule(_, text, rule, value) = f {
            match values.intern(value) {
                Some(id) => {
                    r.rules.push(rule);
                    if lines {
                        r.text.extend_from_slice(text);
                        r.ends.push(r.text.len());
                    }
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

/// A table compiled rule by rule (no list of its rules kept): for the
/// output, read back.
struct Compiled {
    table: CidrTable,
    value_ids: Vec<u32>,
    values: Values,
}

fn compile(
    release: Release,
    mapname: &[u8],
    data: &[u8],
    ipv6: bool,
) -> Result<Compiled, TooLarge> {
    let mut builder = CidrBuilder::default();
    let mut values = Values::default();
    let mut value_ids = Vec::new();
    let mut too_large = false;
    let opts = readlline::Options::of(release, false);
    read_rules(mapname, data, ipv6, opts, |f| {
        if let Found::Rule(_, _, rule, value) = f {
            match (values.intern(value), builder.push(rule)) {
                (Some(id), Ok(())) => value_ids.push(id),
                _ => too_large = true,
            }
        }
    });
    if too_large {
        return Err(TooLarge);
    }
    Ok(Compiled {
        table: builder.finish(true),
        value_ids,
        values,
    })
}

/// A table's partitions, each range with its result (a number per
/// distinct result, [`NO_ANSWER`] where no rule decides), adjacent ranges
/// with one result merged: 20 bytes a range.
struct Results<'v> {
    /// Per family (IPv4, IPv6): the ranges' first addresses.
    starts: [Vec<u128>; 2],
    /// Per family: the ranges' results.
    ids: [Vec<u32>; 2],
    /// The results' texts, by number.
    names: Vec<&'v [u8]>,
}

impl<'v> Results<'v> {
    fn of(v4: &Parts<'_, u32>, v6: &Parts<'_, u128>, r: &Read, values: &'v Values) -> Self {
        let mut number: HashMap<&'v [u8], u32> = HashMap::new();
        let mut res = Results {
            starts: [Vec::new(), Vec::new()],
            ids: [Vec::new(), Vec::new()],
            names: Vec::new(),
        };
        let mut add = |f: usize, start: u128, value: Option<&'v [u8]>| {
            let id = value.map_or(NO_ANSWER, |v| {
                *number.entry(v).or_insert_with(|| {
                    res.names.push(v);
                    (res.names.len() - 1) as u32
                })
            });
            res.starts[f].push(start);
            res.ids[f].push(id);
            true
        };
        each_result(v4, &r.value_ids, values, |s, v| add(0, s, v));
        each_result(v6, &r.value_ids, values, |s, v| add(1, s, v));
        res
    }

    fn name(&self, id: u32) -> Option<&'v [u8]> {
        (id != NO_ANSWER).then(|| self.names[id as usize])
    }

    fn ranges(&self) -> usize {
        self.starts[0].len() + self.starts[1].len()
    }
}

/// The ranges of a partition with their results, merged, one at a time
/// (until `each` says stop: false).
fn each_result<'v, K: IndexKey>(
    parts: &Parts<'_, K>,
    value_ids: &[u32],
    values: &'v Values,
    mut each: impl FnMut(u128, Option<&'v [u8]>) -> bool,
) -> bool {
    let mut last: Option<Option<&[u8]>> = None;
    for (i, &start) in parts.starts.iter().enumerate() {
        let value = parts.entry(i).map(|e| values.get(value_ids[e]));
        if last != Some(value) {
            if !each(start.into(), value) {
                return false;
            }
            last = Some(value);
        }
    }
    true
}

/// The smallest table equivalent to the cidr table `data` (read from
/// `mapname` as Postfix `release` does), proven so. Memory: the input's
/// rules and compiled table are gone before the output is read back.
pub fn minimal_cidr(
    release: Release,
    mapname: &[u8],
    data: &[u8],
    ipv6: bool,
) -> Result<Minimal, NotWritten> {
    let mut values = Values::default();
    let (rules_in, want, keep) = {
        let input = read(release, mapname, data, (ipv6, false), &mut values)?;
        let table = CidrTable::new(&input.rules, true).ok_or(TooLarge)?;
        let view = table.view();
        let want = Results::of(&view.v4, &view.v6, &input, &values);
        let keep = kept(&input, &table);
        (input.rules.len(), want, keep)
    };
    let pruned_rules = keep.iter().filter(|&&k| k).count();
    let mut prefixes = Some(prefixes(&want));
    let fewer_prefixes = prefixes.as_deref().map_or(0, rule_count) < pruned_rules;
    let order = match fewer_prefixes {
        true => [How::Prefixes, How::Pruned],
        false => [How::Pruned, How::Prefixes],
    };
    let mut why = String::new();
    for how in order {
        let text = match how {
            How::Prefixes => prefixes.take().unwrap_or_default(),
            How::Pruned => {
                // Read again: the input's lines are not kept meanwhile.
                let input = read(release, mapname, data, (ipv6, true), &mut Values::default())?;
                pruned_text(&input, &keep)
            }
        };
        let out = compile(release, mapname, &text, ipv6)?;
        match same(&want, &out) {
            Ok(()) => {
                return Ok(Minimal {
                    text,
                    rules_in,
                    rules_out: out.value_ids.len(),
                    how,
                    ranges: want.ranges(),
                });
            }
            Err(w) => why = w,
        }
    }
    Err(NotWritten::Unproven(why))
}

/// Whether the output's partitions give the wanted results, range for
/// range (compared as they are walked, not stored); else where not.
fn same(want: &Results<'_>, out: &Compiled) -> Result<(), String> {
    let v = out.table.view();
    same_family(0, want, &v.v4, &out.value_ids, &out.values)?;
    same_family(1, want, &v.v6, &out.value_ids, &out.values)
}

fn same_family<K: IndexKey>(
    f: usize,
    want: &Results<'_>,
    parts: &Parts<'_, K>,
    value_ids: &[u32],
    values: &Values,
) -> Result<(), String> {
    let family = ["IPv4", "IPv6"][f];
    let (starts, ids) = (&want.starts[f], &want.ids[f]);
    let mut i = 0;
    let mut bad = None;
    let walked = each_result(parts, value_ids, values, |s, v| {
        let same = i < starts.len() && starts[i] == s && want.name(ids[i]) == v;
        if !same {
            let input = (i < starts.len()).then(|| (starts[i], want.name(ids[i])));
            bad = Some(format!(
                "{family}: range {i}: input {input:?}, output {:?}",
                (s, v)
            ));
            return false;
        }
        i += 1;
        true
    });
    match bad {
        Some(b) => Err(b),
        None if walked && i == starts.len() => Ok(()),
        None => Err(format!("{family}: {i} ranges, not {}", starts.len())),
    }
}

fn rule_count(text: &[u8]) -> usize {
    text.iter().filter(|&&c| c == b'\n').count()
}

/// The input's rules that decide something, and the `if` blocks that
/// still hold one of them.
fn kept(input: &Read, table: &CidrTable) -> Vec<bool> {
    let n = input.rules.len();
    let mut keep = cidr_deciding(n, table);
    for (k, rule) in keep.iter_mut().zip(&input.rules) {
        *k = *k && matches!(rule, CidrRule::Match(..));
    }
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
    // An `endif` stays with its `if`.
    for (i, rule) in input.rules.iter().enumerate() {
        if matches!(rule, CidrRule::Endif) {
            keep[i] = if_of[i] != NONE && keep[if_of[i]];
        }
    }
    keep
}

/// The input's kept rules, as written; `if`s left open closed at the end
/// (which changes nothing).
fn pruned_text(input: &Read, keep: &[bool]) -> Vec<u8> {
    let mut text = Vec::new();
    let mut depth: usize = 0;
    for (i, rule) in input.rules.iter().enumerate() {
        if !keep[i] {
            continue;
        }
        match rule {
            CidrRule::If(..) => depth += 1,
            CidrRule::Endif => depth = depth.saturating_sub(1),
            CidrRule::Match(..) => {}
        }
        text.extend_from_slice(input.line(i));
        text.push(b'\n');
    }
    for _ in 0..depth {
        text.extend_from_slice(b"endif\n");
    }
    text
}

/// No rule.
const NONE: usize = usize::MAX;

/// The fewest prefixes for the wanted results.
fn prefixes(want: &Results<'_>) -> Vec<u8> {
    let mut text = Vec::new();
    for (f, family) in [Family::V4, Family::V6].into_iter().enumerate() {
        for (lo, len, id) in minimal_prefixes(&want.starts[f], &want.ids[f], family) {
            let net = match family {
                Family::V4 => format!("{}/{len}", Ipv4Addr::from(lo as u32)),
                Family::V6 => format!("[{}]/{len}", Ipv6Addr::from(lo)),
            };
            text.extend_from_slice(net.as_bytes());
            text.push(b' ');
            text.extend_from_slice(want.names[id as usize]);
            text.push(b'\n');
        }
    }
    // Kept while the candidates are compiled and proven: no room to grow.
    text.shrink_to_fit();
    text
}
