//! lint - dead, duplicate and broken entries of cidr tables and match lists
//!
//! What no MTA tells its admin: which entries of a `cidr:` table or of a
//! match list (`mynetworks`, `debug_peer_list`...) never decide a lookup,
//! which are duplicates, which Postfix skips or fails on, which `if` blocks
//! can never be entered. Each reads its input as Postfix does, compiles it,
//! and asks the compiled partition which entry decides where
//! (`addr_index::cidr_coverage`, `addr_index::list_coverage`):
//! [`lint_cidr`] for a table (`cidr.rs`), [`lint_list`] for a match list
//! (`list.rs`, which checks the `cidr:` tables it names in place).
//!
//! Findings are warnings (the entry does nothing, or not what it says) or
//! notes (an entry that decides only part of what it covers, the usual
//! shape of exception lists; what pfinet cannot check).

mod cidr;
mod list;
mod minimal;
mod minimal_list;

pub use cidr::lint_cidr;
pub use list::{ListKind, lint_list};
pub use minimal::{How, Minimal, NotWritten, minimal_cidr};
pub use minimal_list::{MinimalList, minimal_list};

use crate::addr_index::EntryCoverage;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Something to fix: the entry does nothing, or not what it says.
    Warning,
    /// Worth knowing: the entry decides only part of what it covers.
    Note,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The file the entry was read from, when it is not the input itself
    /// (a match list's `/file`, a `cidr:` table it names).
    pub file: Option<String>,
    /// The line (from 1) of the entry, when there is one.
    pub line: Option<usize>,
    /// A match list's entry (from 1) the finding is about.
    pub entry: Option<usize>,
    /// How serious it is.
    pub severity: Severity,
    /// What was found.
    pub text: String,
}

/// What [`lint_cidr`] or [`lint_list`] found: the findings in line order, and how many
/// rules Postfix keeps.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The findings, by line (those without a line last).
    pub findings: Vec<Finding>,
    /// The rules Postfix keeps (`if` and `endif` included), or the
    /// list's entries.
    pub rules: usize,
}

impl Report {
    /// Whether any finding is a warning.
    pub fn has_warnings(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity == Severity::Warning)
    }
}

/// The table is too large to compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge;

/// No entry.
const NONE: u32 = u32::MAX;

/// For each of `n` entries: the first earlier one whose key equals its
/// own (NONE when there is none, or when `key` gives none: not compared).
/// One sort of (hash, entry) pairs, equal hashes then compared in full:
/// no hash table of keys.
fn first_equal<K: std::hash::Hash + Eq>(n: usize, key: impl Fn(usize) -> Option<K>) -> Vec<u32> {
    use std::hash::BuildHasher;
    let hasher = crate::fast_hash::FastHash::default();
    let mut order: Vec<(u64, u32)> = (0..n)
        .filter_map(|i| key(i).map(|k| (hasher.hash_one(k), i as u32)))
        .collect();
    order.sort_unstable();
    let mut first = vec![NONE; n];
    for group in order.chunk_by(|a, b| a.0 == b.0) {
        // In entry order within a group: the first equal one found is the
        // earliest (other members are rare hash collisions).
        for (k, &(_, later)) in group.iter().enumerate().skip(1) {
            let same = |&&(_, j): &&(u64, u32)| key(j as usize) == key(later as usize);
            if let Some(&(_, j)) = group[..k].iter().find(same) {
                first[later as usize] = j;
            }
        }
    }
    first
}

/// A share in percent, as few digits as say it (never "0%" or "100%" for
/// a part).
fn percent(p: f64) -> String {
    if p < 0.01 {
        "less than 0.01%".to_string()
    } else if p > 99.99 {
        "more than 99.99%".to_string()
    } else if !(1.0..=99.0).contains(&p) {
        format!("{p:.2}%")
    } else {
        format!("{p:.0}%")
    }
}

/// A rule's finding: never decides, matches nothing, or partly shadowed.
fn rule_finding(
    c: &EntryCoverage,
    everything: &[bool],
    name_of: &dyn Fn(usize) -> Name,
) -> Option<(Severity, String)> {
    if c.covered == 0.0 {
        return Some((
            Severity::Warning,
            "matches no address inside its if blocks: never decides".to_string(),
        ));
    }
    let by = names(c, name_of);
    if c.decided == 0.0 {
        let catch_all = c.deciders.iter().find(|&&j| everything[j]);
        let text = match catch_all {
            Some(&j) => format!(
                "never decides: it comes after the catch-all at {}",
                name_of(j).one()
            ),
            None => format!("never decides: every address it covers is decided by {by}"),
        };
        return Some((Severity::Warning, text));
    }
    (c.decided < c.covered).then(|| {
        let share = 100.0 * c.decided / c.covered;
        (
            Severity::Note,
            format!(
                "partly shadowed by {by}: decides {} of its addresses",
                percent(share)
            ),
        )
    })
}

/// How a finding names an entry: `line 3`, `entry 2`, `/etc/x line 4`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Name {
    /// What comes first (`/etc/x `), or nothing.
    prefix: String,
    noun: &'static str,
    plural: &'static str,
    number: usize,
}

impl Name {
    fn plain(noun: &'static str, plural: &'static str, number: usize) -> Name {
        Name {
            prefix: String::new(),
            noun,
            plural,
            number,
        }
    }

    fn one(&self) -> String {
        format!("{}{} {}", self.prefix, self.noun, self.number)
    }
}

/// The deciders of `c`: "line N", "lines N, M and K" (and "... and more"),
/// "entry 2 and /etc/x line 4".
fn names(c: &EntryCoverage, name_of: &dyn Fn(usize) -> Name) -> String {
    let all: Vec<Name> = c.deciders.iter().map(|&j| name_of(j)).collect();
    let Some(first) = all.first() else {
        return "no other rule".to_string();
    };
    let same = all
        .iter()
        .all(|n| n.prefix == first.prefix && n.noun == first.noun);
    let mut items: Vec<String> = match (same, all.len()) {
        (_, 1) if !c.more_deciders => return first.one(),
        (true, _) => all.iter().map(|n| n.number.to_string()).collect(),
        (false, _) => all.iter().map(Name::one).collect(),
    };
    if c.more_deciders {
        items.push("more".to_string());
    }
    let (init, last) = items.split_at(items.len() - 1);
    let list = if init.is_empty() {
        last[0].clone()
    } else {
        format!("{} and {}", init.join(", "), last[0])
    };
    match same {
        true => format!("{}{} {list}", first.prefix, first.plural),
        false => list,
    }
}

impl Finding {
    /// A finding about line `line` of the input itself.
    fn at_line(line: usize, severity: Severity, text: String) -> Finding {
        Finding {
            file: None,
            line: Some(line),
            entry: None,
            severity,
            text,
        }
    }
}
