//! `pfinet lint` on cidr tables:
//!
//! - a table with a shadowed rule, a duplicate, a host-bits rule and a dead
//!   `if` block gets each on its own line, with file and line, and exit
//!   status 1; a clean table prints nothing and exits 0;
//! - against stock Postfix, on random tables (both families, `!`, nested
//!   `if`/`if !` blocks, duplicates, catch-alls, host bits): stock's own
//!   walk (c_tests/driver.c's cidr mode linked with stock cidr_match, whose
//!   `line ADDR` names the deciding rule) is asked for the first and last
//!   address of every pattern's network and the addresses just outside it,
//!   which include the boundaries of every range of the compiled partition.
//!   A rule lint reports as never deciding (or as a duplicate, or matching
//!   nothing) never decides there; every other rule Postfix keeps decides
//!   for at least one of those addresses.

mod common;

use common::*;
use std::collections::BTreeSet;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

fn pfinet() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_pfinet"))
}

fn scratch() -> PathBuf {
    let d = repo().join(format!("target/lint-test-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn findings_are_reported_with_file_and_line() {
    let dir = scratch();
    let t = dir.join("findings.cidr");
    std::fs::write(
        &t,
        "# blocklist\n\
         10.0.0.0/8 REJECT\n\
         10.1.0.0/16 OK\n\
         192.0.2.0/24 REJECT\n\
         192.0.2.0/24 REJECT\n\
         1.2.3.4/24 REJECT\n\
         if 172.16.0.0/12\n\
         endif\n",
    )
    .unwrap();
    let f = t.display().to_string();
    let (out, code) = run(
        pfinet(),
        &["lint", "--postfix-version", "3.10", &f],
        b"",
        None,
    );
    assert_eq!(
        out,
        format!(
            "{f}:3: warning: never decides: every address it covers is decided by line 2\n\
             {f}:5: warning: duplicate of line 4\n\
             {f}:6: warning: Postfix skips this rule: host bits set in \"1.2.3.4/24\"; did you \
             mean 1.2.3.0/24\n\
             {f}:7: warning: if block holds no rule\n"
        )
    );
    assert_eq!(code, 1);

    let clean = dir.join("clean.cidr");
    std::fs::write(&clean, "10.0.0.0/8 REJECT\n[2001:db8::]/32 OK\n").unwrap();
    let (out, code) = run(pfinet(), &["lint", &clean.display().to_string()], b"", None);
    assert_eq!((out.as_str(), code), ("", 0));

    let (out, code) = run(
        pfinet(),
        &["lint", &dir.join("missing").display().to_string()],
        b"",
        None,
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.starts_with("pfinet: fatal: open "), "{out}");
}

/// A deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A pattern: its text and its network's first and last address (IPv4
/// in the low 32 bits), or None when it has host bits (Postfix skips it).
struct Pattern {
    text: String,
    v6: bool,
    range: Option<(u128, u128)>,
}

fn pattern(rng: &mut Rng) -> Pattern {
    let v6 = rng.below(4) == 0;
    let host_bits = rng.below(25) == 0;
    if v6 {
        let len = [16, 32, 36, 40, 48, 64, 96, 128][rng.below(8) as usize];
        let base: u128 = 0x2001_0db8u128 << 96;
        let net =
            base | (u128::from(rng.below(4) as u8) << 88) | (u128::from(rng.below(4) as u8) << 80);
        let mask = if len == 0 {
            0
        } else {
            u128::MAX << (128 - len)
        };
        let net = if host_bits { net | 1 } else { net & mask };
        let text = format!("[{}]/{len}", Ipv6Addr::from(net));
        let range = (net & !mask == 0).then_some((net, net | !mask));
        Pattern { text, v6, range }
    } else {
        let len = [8, 12, 16, 20, 24, 28, 30, 32][rng.below(8) as usize];
        let net: u32 = (10 << 24)
            | ((rng.below(8) as u32) << 20)
            | ((rng.below(8) as u32) << 12)
            | ((rng.below(4) as u32) << 2);
        let mask: u32 = if len == 0 { 0 } else { u32::MAX << (32 - len) };
        let net = if host_bits { net | 1 } else { net & mask };
        let text = format!("{}/{len}", Ipv4Addr::from(net));
        let range = (net & !mask == 0).then(|| (u128::from(net), u128::from(net | !mask)));
        Pattern { text, v6, range }
    }
}

/// A random table: its text, its rule lines that Postfix keeps, and the
/// addresses to ask (every pattern's network's ends and their neighbours).
fn table(rng: &mut Rng) -> (String, BTreeSet<usize>, Vec<String>) {
    let mut text = String::new();
    let mut rules = BTreeSet::new();
    let mut probes = BTreeSet::new();
    let mut lines: Vec<String> = Vec::new();
    let mut depth = 0;
    for n in 1..=40 {
        let line_no = lines.len() + 1;
        let roll = rng.below(40);
        let line = if roll == 0 && depth < 2 {
            depth += 1;
            let p = pattern(rng);
            add_probes(&mut probes, &p);
            format!("if {}{}", if rng.below(3) == 0 { "!" } else { "" }, p.text)
        } else if roll == 1 && depth > 0 {
            depth -= 1;
            "endif".to_string()
        } else if roll == 2 && !lines.is_empty() {
            // A repeat of an earlier line (a duplicate when it is a rule).
            let l = lines[rng.below(lines.len() as u64) as usize].clone();
            if l.starts_with("if") || l == "endif" {
                continue;
            }
            rules.insert(line_no);
            l
        } else if roll == 3 && n > 30 {
            rules.insert(line_no);
            format!(
                "{} all-{n}",
                if rng.below(2) == 0 {
                    "0.0.0.0/0"
                } else {
                    "[::]/0"
                }
            )
        } else {
            let p = pattern(rng);
            add_probes(&mut probes, &p);
            if p.range.is_some() {
                rules.insert(line_no);
            }
            // `!` rules cover nearly a whole family: inside if blocks only.
            let bang = if depth > 0 && rng.below(3) == 0 {
                "!"
            } else {
                ""
            };
            format!("{bang}{} v{n}", p.text)
        };
        lines.push(line);
    }
    for _ in 0..depth {
        lines.push("endif".to_string());
    }
    for l in &lines {
        text.push_str(l);
        text.push('\n');
    }
    // Duplicated lines of host-bits patterns are not rules either.
    let rules = rules
        .into_iter()
        .filter(|&n| {
            let l = &lines[n - 1];
            let pat = l.split_whitespace().next().unwrap().trim_start_matches('!');
            !host_bits_text(pat)
        })
        .collect();
    for a in [
        "0.0.0.0",
        "255.255.255.255",
        "::",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ] {
        probes.insert(a.to_string());
    }
    (text, rules, probes.into_iter().collect())
}

/// Whether a generated pattern text has host bits set.
fn host_bits_text(p: &str) -> bool {
    let (addr, len) = p.rsplit_once('/').unwrap();
    let len: u32 = len.parse().unwrap();
    let addr = addr.trim_start_matches('[').trim_end_matches(']');
    if let Ok(a) = addr.parse::<Ipv4Addr>() {
        let a = u32::from(a);
        len < 32 && a & (u32::MAX.checked_shr(len).unwrap_or(0)) != 0
    } else {
        let a = u128::from(addr.parse::<Ipv6Addr>().unwrap());
        len < 128 && a & (u128::MAX.checked_shr(len).unwrap_or(0)) != 0
    }
}

fn add_probes(probes: &mut BTreeSet<String>, p: &Pattern) {
    let Some((lo, hi)) = p.range else { return };
    let max = if p.v6 {
        u128::MAX
    } else {
        u128::from(u32::MAX)
    };
    let mut keys = vec![lo, hi];
    if lo > 0 {
        keys.push(lo - 1);
    }
    if hi < max {
        keys.push(hi + 1);
    }
    for k in keys {
        probes.insert(if p.v6 {
            Ipv6Addr::from(k).to_string()
        } else {
            Ipv4Addr::from(k as u32).to_string()
        });
    }
}

#[test]
fn lint_agrees_with_stock_walk() {
    let driver = stock_program("driver.c", true);
    let dir = scratch();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut dead_total, mut live_total, mut asked) = (0, 0, 0);
    let mut failures = Vec::new();
    for n in 0..60 {
        let (text, rules, probes) = table(&mut rng);
        let t = dir.join(format!("random-{n}.cidr"));
        std::fs::write(&t, &text).unwrap();
        let f = t.display().to_string();
        let (out, _) = run(
            pfinet(),
            &["lint", "--postfix-version", "3.7", &f],
            b"",
            None,
        );
        let dead: BTreeSet<usize> = out
            .lines()
            .filter(|l| {
                l.contains(": warning: never decides")
                    || l.contains(": warning: duplicate of line")
                    || l.contains(": warning: matches no address")
            })
            .map(|l| l[f.len() + 1..].split(':').next().unwrap().parse().unwrap())
            .collect();
        let input: String = probes.iter().map(|a| format!("line {a}\n")).collect();
        let (stock, code) = run(&driver, &["cidr", &f], input.as_bytes(), None);
        assert_eq!(code, 0, "{stock}");
        let decided: BTreeSet<usize> = stock
            .lines()
            .filter_map(|l| l.split_once(" line=").map(|(_, n)| n.parse().unwrap()))
            .collect();
        asked += probes.len();
        for d in dead.intersection(&decided) {
            failures.push(format!(
                "{f}: lint says line {d} never decides; stock's walk says it does\n{out}"
            ));
        }
        for r in rules.difference(&dead) {
            if !decided.contains(r) {
                failures.push(format!(
                    "{f}: line {r} decides per lint, never in stock's walk\n{out}"
                ));
            }
        }
        dead_total += dead.len();
        live_total += rules.len() - rules.intersection(&dead).count();
    }
    eprintln!(
        "pfinet lint: 60 random tables, {dead_total} rules reported dead, {live_total} live; \
         {asked} addresses asked of stock's walk"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        dead_total > 50 && live_total > 500,
        "{dead_total} {live_total}"
    );
}
