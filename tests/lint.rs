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
    add_family_ends(&mut probes);
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

/// Each family's first and last address.
fn add_family_ends(probes: &mut BTreeSet<String>) {
    for a in [
        "0.0.0.0",
        "255.255.255.255",
        "::",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ] {
        probes.insert(a.to_string());
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
        dead_total > 100 && live_total > 500,
        "{dead_total} {live_total}"
    );
}

// ---------------------------------------------------------------------------
// Match lists

/// `pfinet lint --config DIR mynetworks` on a main.cf whose mynetworks uses
/// a `$parameter`, a `/file` and a `cidr:` table, with stock postconf
/// expanding it (PFINET_POSTCONF): each finding at its file and line or
/// entry, exit status 1; a parameter that is no match list is refused
/// (exit status 2); in a host name and address list a host name is a note.
#[test]
fn list_findings_from_config() {
    let postconf = stock_tree(true).join("bin/postconf");
    let dir = scratch().join("config");
    std::fs::create_dir_all(&dir).unwrap();
    let d = dir.display().to_string();
    std::fs::write(
        dir.join("nets"),
        "# office\n192.0.2.0/24\n192.0.2.7\n198.51.100.0/24\n",
    )
    .unwrap();
    std::fs::write(dir.join("t.cidr"), "10.0.0.0/8 OK\n10.1.0.0/16 OK\n").unwrap();
    std::fs::write(
        dir.join("main.cf"),
        format!(
            "office = 192.0.2.0/24, {d}/nets\n\
             mynetworks = 127.0.0.0/8 $office cidr:{d}/t.cidr 10.0.0.0/16\n    \
             172.16.1.1/12 hash:{d}/other\n\
             clean = 127.0.0.0/8 [::1]/128 {d}/nets\n"
        ),
    )
    .unwrap();
    let lint = |param: &str| {
        let mut cmd = std::process::Command::new(pfinet());
        cmd.args(["lint", "--postfix-version", "3.7", "--config", &d, param])
            .env("PFINET_POSTCONF", &postconf)
            .env_remove("LD_LIBRARY_PATH");
        let out = cmd.output().unwrap();
        (
            String::from_utf8(out.stdout).unwrap() + &String::from_utf8_lossy(&out.stderr),
            out.status.code().unwrap(),
        )
    };
    let (out, code) = lint("mynetworks");
    assert_eq!(
        out,
        format!(
            "{d}/nets:2: warning: duplicate of entry 2\n\
             {d}/nets:3: warning: never decides: every address it covers is decided by entry 2\n\
             {d}/t.cidr:2: warning: never decides: every address it covers is decided by line 1\n\
             mynetworks: entry 8: warning: Postfix rejects this pattern only when a lookup gets \
             here (host bits set in \"172.16.1.1/12\"; did you mean 172.16.0.0/12): every lookup \
             of an IPv4 address that gets here fails, and the mail gets a temporary failure\n\
             mynetworks: entry 9: note: not checked: hash:{d}/other is a table lookup (pfinet \
             lint reads cidr: and inline: tables only); it may decide any address, and take them from the \
             entries after it\n"
        )
    );
    assert_eq!(code, 1);
    // "clean" is not a match list parameter pfinet knows: refused.
    let (out, code) = lint("clean");
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("clean: not a match list parameter"), "{out}");
    let (out, code) = run(
        pfinet(),
        &[
            "lint",
            "--parameter",
            "debug_peer_list",
            "--list",
            &format!("127.0.0.0/8 [::1]/128 {d}/nets mail.example.com"),
        ],
        b"",
        None,
    );
    assert_eq!(
        out,
        format!(
            "{d}/nets:3: warning: never decides: every address it covers is decided by \
             {d}/nets line 2\n\
             debug_peer_list: entry 6: note: matches no address: Postfix compares it with the \
             client's host name only\n"
        )
    );
    assert_eq!(code, 1);
}

/// A random match list: its patterns and the addresses to ask.
fn random_list(rng: &mut Rng, n: usize) -> (Vec<String>, Vec<String>) {
    let mut entries: Vec<String> = Vec::new();
    let mut probes = BTreeSet::new();
    for k in 0..n {
        let roll = rng.below(30);
        let e = if roll == 0 && !entries.is_empty() {
            entries[rng.below(entries.len() as u64) as usize].clone()
        } else if roll == 1 && k > n * 3 / 4 {
            ["0.0.0.0/0", "[::]/0", "!0.0.0.0/0"][rng.below(3) as usize].to_string()
        } else if roll == 2 {
            [
                "01.2.3.4",
                "example.com",
                "hash:/nonexistent",
                "[10.0.0.01]",
            ][rng.below(4) as usize]
                .to_string()
        } else if roll < 8 {
            // An exact address, bare or in brackets.
            let p = pattern(rng);
            let Some((lo, _)) = p.range else { continue };
            add_probes(
                &mut probes,
                &Pattern {
                    text: String::new(),
                    v6: p.v6,
                    range: Some((lo, lo)),
                },
            );
            match (p.v6, rng.below(2)) {
                (true, _) => format!("[{}]", Ipv6Addr::from(lo)),
                (false, 0) => Ipv4Addr::from(lo as u32).to_string(),
                (false, _) => format!("[{}]", Ipv4Addr::from(lo as u32)),
            }
        } else {
            let p = pattern(rng);
            add_probes(&mut probes, &p);
            p.text
        };
        let bang = if rng.below(5) == 0 { "!" } else { "" };
        entries.push(format!("{bang}{}", e.trim_start_matches('!')));
    }
    add_family_ends(&mut probes);
    (entries, probes.into_iter().collect())
}

/// `pfinet lint --list` against stock's walk: Postfix's match_list_match()
/// stops at the first pattern that matches the address or fails on it
/// (match_list.c), so stock's match_hostaddr() (c_tests/driver.c's `H`,
/// linked with stock Postfix) asked for each pattern in turn names the
/// deciding entry. An entry lint reports as never deciding (a duplicate,
/// one matching no address, one after a catch-all or a failing pattern)
/// never decides for any address asked; every other address entry decides
/// for at least one. Addresses asked: the ends of every pattern's network
/// and their neighbours, and each family's first and last address.
#[test]
fn list_lint_agrees_with_stock_walk() {
    let driver = stock_program("driver.c", true);
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let (mut dead_total, mut live_total, mut asked) = (0, 0, 0);
    let mut failures = Vec::new();
    const LISTS: usize = 80;
    for _ in 0..LISTS {
        let (entries, probes) = random_list(&mut rng, 30);
        let list = entries.join(" ");
        let (out, _) = run(
            pfinet(),
            &[
                "lint",
                "--json",
                "--postfix-version",
                "3.7",
                "--list",
                &list,
            ],
            b"",
            None,
        );
        let mut dead = BTreeSet::new();
        let mut unchecked = BTreeSet::new();
        for f in out.split("{\"file\"").skip(1) {
            let entry: usize = f
                .split("\"entry\":")
                .nth(1)
                .and_then(|r| r.split(',').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no entry in {f}"));
            if f.contains("never decides")
                || f.contains("duplicate of")
                || f.contains("none does now")
            {
                dead.insert(entry - 1);
            } else if f.contains("not checked") || f.contains("host name only") {
                unchecked.insert(entry - 1);
            }
        }
        // Stock: which pattern decides each address.
        let mut input = String::new();
        for a in &probes {
            for e in &entries {
                input += &format!("H {a}\t{}\n", e.trim_start_matches('!'));
            }
        }
        let (stock, code) = run(&driver, &["batch"], input.as_bytes(), None);
        assert_eq!(code, 0, "{stock}");
        let answers: Vec<&str> = stock.lines().filter(|l| l.starts_with("H ")).collect();
        assert_eq!(answers.len(), probes.len() * entries.len(), "{stock}");
        let mut decided = BTreeSet::new();
        for per_addr in answers.chunks(entries.len()) {
            if let Some(j) = per_addr
                .iter()
                .position(|a| *a == "H 1 err=0" || a.ends_with("err=1"))
            {
                decided.insert(j);
            }
        }
        asked += probes.len();
        for d in dead.intersection(&decided) {
            failures.push(format!(
                "{list}: lint says entry {} never decides; stock's walk says it does\n{out}",
                d + 1
            ));
        }
        for j in 0..entries.len() {
            if !dead.contains(&j) && !unchecked.contains(&j) && !decided.contains(&j) {
                failures.push(format!(
                    "{list}: entry {} decides per lint, never in stock's walk\n{out}",
                    j + 1
                ));
            }
        }
        dead_total += dead.len();
        live_total += entries.len() - dead.len() - unchecked.len();
    }
    eprintln!(
        "pfinet lint --list: {LISTS} random lists, {dead_total} entries reported dead, \
         {live_total} live; {asked} addresses asked of stock's walk"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        dead_total > 100 && live_total > 500,
        "{dead_total} {live_total}"
    );
}

// ---------------------------------------------------------------------------
// --minimal

/// Stock's answers (c_tests/driver.c's cidr mode, linked with stock
/// Postfix's cidr_match, walking the table as dict_cidr does) for `probes`
/// in the cidr table `file`: one `ADDR=VALUE` or `ADDR: not found` each.
fn stock_answers(driver: &Path, file: &Path, probes: &[String]) -> Vec<String> {
    let input: String = probes.iter().map(|a| format!("get {a}\n")).collect();
    let (out, code) = run(
        driver,
        &["cidr", &file.display().to_string()],
        input.as_bytes(),
        None,
    );
    assert_eq!(code, 0, "{out}");
    let answers: Vec<String> = out
        .lines()
        .filter(|l| !l.starts_with("> ") && !l.contains("warning:"))
        .map(String::from)
        .collect();
    assert_eq!(answers.len(), probes.len(), "{out}");
    answers
}

/// The first and last address of every prefix in `text` (a cidr table's
/// lines, `!` and `if` included) and their neighbours.
fn prefix_probes(text: &str) -> Vec<String> {
    let mut probes = BTreeSet::new();
    for line in text.lines() {
        let word = line
            .split_whitespace()
            .find(|w| *w != "if")
            .unwrap_or("")
            .trim_start_matches('!');
        let Some((net, len)) = word.rsplit_once('/') else {
            continue;
        };
        let Ok(len) = len.parse::<u32>() else {
            continue;
        };
        let net = net.trim_start_matches('[').trim_end_matches(']');
        let (v6, lo, bits) = match (net.parse::<Ipv4Addr>(), net.parse::<Ipv6Addr>()) {
            (Ok(a), _) => (false, u128::from(u32::from(a)), 32),
            (_, Ok(a)) => (true, u128::from(a), 128),
            _ => continue,
        };
        if len > bits {
            continue;
        }
        let span = if len == 0 {
            if v6 { u128::MAX } else { u128::from(u32::MAX) }
        } else {
            (1u128 << (bits - len)) - 1
        };
        if lo & span != 0 {
            continue; // host bits: Postfix skips the rule
        }
        add_probes(
            &mut probes,
            &Pattern {
                text: String::new(),
                v6,
                range: Some((lo, lo | span)),
            },
        );
    }
    add_family_ends(&mut probes);
    probes.into_iter().collect()
}

/// `pfinet lint --minimal FILE`: the table, the input's and output's rule
/// counts from the summary on stderr.
fn minimal(file: &Path) -> (String, usize, usize) {
    let out = std::process::Command::new(pfinet())
        .args(["lint", "--minimal", "--postfix-version", "3.7"])
        .arg(file)
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{err}");
    // pfinet: FILE: N rules, minimal M (...); proven equivalent over K ranges
    let counts = err.rsplit_once(": ").unwrap().1;
    let n: usize = counts.split(' ').next().unwrap().parse().unwrap();
    let m: usize = counts
        .split("minimal ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    (String::from_utf8(out.stdout).unwrap(), n, m)
}

/// Checks one table: the minimal table gives stock's answers of the input
/// at the ends of every prefix of both tables (and their neighbours), and
/// is smaller when lint found anything.
fn check_minimal(driver: &Path, dir: &Path, name: &str, text: &str) -> (usize, usize) {
    let input = dir.join(format!("{name}.cidr"));
    std::fs::write(&input, text).unwrap();
    let (min_text, n, m) = minimal(&input);
    let output = dir.join(format!("{name}.min.cidr"));
    std::fs::write(&output, &min_text).unwrap();
    let probes = prefix_probes(&format!("{text}{min_text}"));
    let want = stock_answers(driver, &input, &probes);
    let got = stock_answers(driver, &output, &probes);
    for ((a, w), g) in probes.iter().zip(&want).zip(&got) {
        assert_eq!(w, g, "{name}: at {a} ({}):\n{min_text}", input.display());
    }
    let (lint_out, code) = run(
        pfinet(),
        &[
            "lint",
            "--postfix-version",
            "3.7",
            &input.display().to_string(),
        ],
        b"",
        None,
    );
    assert!(m <= n, "{name}: {m} > {n}");
    if code == 1 {
        assert!(
            m < n,
            "{name}: lint found\n{lint_out}but --minimal kept {m} of {n}"
        );
    }
    (n, m)
}

/// `--minimal` on random tables (both families, `!`, nested `if` blocks,
/// duplicates, catch-alls, host bits), on 10,000 overlapping /24s (with
/// /16s and /20s over them) and on a country-shaped block list (address
/// ranges cut into prefixes, in random order): equivalent by stock's walk,
/// and smaller whenever lint had a warning.
#[test]
fn minimal_is_equivalent_and_smaller() {
    let driver = stock_program("driver.c", true);
    let dir = scratch();
    let mut rng = Rng(0x853c_49e6_748f_ea9b);
    let (mut rules_in, mut rules_out) = (0, 0);
    for n in 0..40 {
        let (text, _, _) = table(&mut rng);
        let (a, b) = check_minimal(&driver, &dir, &format!("min-{n}"), &text);
        rules_in += a;
        rules_out += b;
    }
    eprintln!("pfinet lint --minimal: 40 random tables, {rules_in} rules -> {rules_out}");

    let mut overlapping = String::new();
    for k in 0..10_000u32 {
        let len = [24, 24, 24, 24, 24, 24, 20, 16][rng.below(8) as usize];
        let a = (1 << 24) + ((rng.below(222 << 16) as u32) << 8);
        let mask = u32::MAX << (32 - len);
        let value = ["REJECT", "OK", "DUNNO"][(k % 3) as usize];
        overlapping += &format!("{}/{len} {value}\n", Ipv4Addr::from(a & mask));
    }
    let (a, b) = check_minimal(&driver, &dir, "overlapping", &overlapping);
    eprintln!("pfinet lint --minimal: 10,000 overlapping /24s, /20s, /16s: {a} rules -> {b}");

    // Country-shaped: 1,500 ranges of 256 to 65,536 addresses, each cut
    // into the prefixes that cover it exactly, all shuffled.
    let mut prefixes: Vec<String> = Vec::new();
    let mut at: u64 = 1 << 24;
    for _ in 0..1_500 {
        at += rng.below(1 << 16) * 256;
        let end = at + 256 * (1 + rng.below(256));
        let mut lo = at;
        while lo < end {
            let mut size = 1u64 << lo.trailing_zeros().min(31);
            while lo + size > end {
                size >>= 1;
            }
            let len = 32 - size.trailing_zeros();
            prefixes.push(format!("{}/{len} REJECT", Ipv4Addr::from(lo as u32)));
            lo += size;
        }
        at = end;
    }
    for i in (1..prefixes.len()).rev() {
        prefixes.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let country = prefixes.join("\n") + "\n";
    let (a, b) = check_minimal(&driver, &dir, "country", &country);
    eprintln!("pfinet lint --minimal: country-shaped list: {a} rules -> {b}");
    assert!(rules_out < rules_in);
}

/// Stock's answer for each of `probes` against the list `entries`:
/// match_list_match()'s walk over stock match_hostaddr() (driver `H`),
/// the first pattern that matches or fails deciding: YES, NO or ERROR.
/// `type:table` patterns are taken as not matching (the driver does not
/// open them), in input and output alike.
fn stock_list_answers(driver: &Path, entries: &[String], probes: &[String]) -> Vec<&'static str> {
    let mut input = String::new();
    for a in probes {
        for e in entries {
            input += &format!("H {a}\t{}\n", e.trim_start_matches('!'));
        }
    }
    let (out, code) = run(driver, &["batch"], input.as_bytes(), None);
    assert_eq!(code, 0, "{out}");
    let answers: Vec<&str> = out.lines().filter(|l| l.starts_with("H ")).collect();
    assert_eq!(answers.len(), probes.len() * entries.len(), "{out}");
    if entries.is_empty() {
        return vec!["NO"; probes.len()];
    }
    answers
        .chunks(entries.len())
        .map(|per| {
            match per
                .iter()
                .position(|a| *a == "H 1 err=0" || a.ends_with("err=1"))
            {
                None => "NO",
                Some(j) if per[j].ends_with("err=1") => "ERROR",
                Some(j) if entries[j].starts_with('!') => "NO",
                Some(_) => "YES",
            }
        })
        .collect()
}

/// `--minimal --list` on random lists: stock's walk gives every address
/// asked the same answer on the output as on the input (the ends of every
/// network of both lists, and their neighbours), and the output is smaller
/// whenever lint had a warning.
#[test]
fn minimal_lists_equal_stock_walk() {
    let driver = stock_program("driver.c", true);
    let mut rng = Rng(0x5851_f42d_4c95_7f2d);
    let (mut total_in, mut total_out, mut asked) = (0, 0, 0);
    for _ in 0..60 {
        let (entries, mut probes) = random_list(&mut rng, 30);
        let list = entries.join(" ");
        let out = std::process::Command::new(pfinet())
            .args([
                "lint",
                "--minimal",
                "--postfix-version",
                "3.7",
                "--list",
                &list,
            ])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{list}: {err}");
        let minimal: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        probes.extend(prefix_probes(
            &minimal
                .iter()
                .map(|e| {
                    // Single addresses as prefixes of full length.
                    let e = e.trim_start_matches('!');
                    match (e.contains('/'), e.starts_with('[')) {
                        (true, _) => format!("{e} x\n"),
                        (false, true) => format!("{e}/128 x\n"),
                        (false, false) => format!("{e}/32 x\n"),
                    }
                })
                .collect::<String>(),
        ));
        probes.sort();
        probes.dedup();
        let want = stock_list_answers(&driver, &entries, &probes);
        let got = stock_list_answers(&driver, &minimal, &probes);
        for ((a, w), g) in probes.iter().zip(&want).zip(&got) {
            assert_eq!(w, g, "at {a}: input {list}\noutput {minimal:?}");
        }
        let (_, code) = run(
            pfinet(),
            &["lint", "--postfix-version", "3.7", "--list", &list],
            b"",
            None,
        );
        if code == 1 {
            assert!(
                minimal.len() < entries.len(),
                "{list}: lint warned, {minimal:?}"
            );
        }
        assert!(minimal.len() <= entries.len());
        total_in += entries.len();
        total_out += minimal.len();
        asked += probes.len();
    }
    eprintln!(
        "pfinet lint --minimal --list: 60 random lists, {total_in} entries -> {total_out}; \
         {asked} addresses asked of stock's walk"
    );
}

/// `inline:` tables in a match list, checked in place: each key lint says
/// no address matches is not matched by stock's namadr_list (real
/// dictionaries) for the address it stands for, and the key lint accepts
/// is.
#[test]
fn inline_keys_agree_with_stock() {
    let stock = stock_postfix_driver("global/namadr_list.c", "namadr_list", &[], true);
    let table = "inline:{ 10.0.0.0/8=OK, 2001:db8:0::1=OK, [192.0.2.1]=OK, 192.0.2.2=OK }";
    let (out, code) = run(pfinet(), &["lint", "--list", table], b"", None);
    assert_eq!(
        out,
        "mynetworks: entry 1: warning: inline key \"10.0.0.0/8\": a network: an inline table \
         matches whole strings, so no address matches it (a cidr: table matches networks)\n\
         mynetworks: entry 1: warning: inline key \"2001:db8:0::1\": no address matches it: \
         Postfix looks that client up as \"2001:db8::1\"\n\
         mynetworks: entry 1: warning: inline key \"[192.0.2.1]\": no address matches it: \
         Postfix looks that client up as \"192.0.2.1\"\n"
    );
    assert_eq!(code, 1);
    for (addr, want) in [
        ("10.0.0.0", "NO"),
        ("10.1.2.3", "NO"),
        ("2001:db8::1", "NO"),
        ("192.0.2.1", "NO"),
        ("192.0.2.2", "YES"),
    ] {
        let (s, _) = run(&stock, &[table, "unknown", addr], b"", None);
        assert_eq!(s.trim(), format!("unknown/{addr}: {want}"), "{s}");
    }
}
