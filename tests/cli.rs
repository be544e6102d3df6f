//! The `pfinet` command against stock Postfix 3.7.11 (no root needed; the
//! namespace topologies are in tests/netns.rs and tests/netns_mynetworks.rs):
//!
//! - `pfinet match PATTERNS ADDRESS`: the verdict line and the warnings
//!   equal those of stock Postfix's own addr_match_list test program
//!   (src/global/addr_match_list.c -DTEST, run with the same argv[0] and
//!   `--parameter "command line"`, the name it uses); the entry pfinet says
//!   decided equals a brute-force walk done with the stock program: the
//!   first entry that, alone and without its `!`, matches.
//! - `pfinet match --cidr FILE ADDRESS`: the result and the warnings equal
//!   stock `postmap -q ADDRESS cidr:FILE`; the rule pfinet names is the one
//!   that ends the shortest prefix of the file for which stock postmap
//!   finds a result.
//! - `pfinet check`: equals c_tests/cli_check.c linked with stock Postfix.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn pfinet() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_pfinet"))
}

/// A scratch directory for this test process (target/cli-test-PID), with
/// an empty main.cf and master.cf for postmap.
fn scratch() -> &'static Path {
    static D: OnceLock<PathBuf> = OnceLock::new();
    D.get_or_init(|| {
        // Those of test processes that have ended go first.
        for e in std::fs::read_dir(repo().join("target"))
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = e.file_name().to_string_lossy().into_owned();
            if name
                .strip_prefix("cli-test-")
                .is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists())
            {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
        let d = repo().join(format!("target/cli-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        for f in ["main.cf", "master.cf"] {
            std::fs::write(d.join(f), "").unwrap();
        }
        d
    })
}

fn addr_match_list() -> &'static Path {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| stock_postfix_driver("global/addr_match_list.c", "addr_match_list", &[], true))
}

/// pfinet's lines that stock's programs do not print (the explanation).
fn explanation(line: &str) -> bool {
    ["decided by ", "failed at ", "no entry matched", "entry "]
        .iter()
        .any(|p| line.starts_with(p))
}

fn without_explanation(out: &str) -> String {
    out.lines()
        .filter(|l| !explanation(l))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// pfinet's exit status for the stock test program's output: that
/// program exits 0 after printing YES, NO or ERROR (pfinet: 0, 1, 2), and
/// 1 on a fatal error (pfinet: 2).
fn same_exit(stock: &(String, i32), ours: i32) -> bool {
    let verdict = stock.0.lines().last().unwrap_or("");
    let want = if stock.1 != 0 {
        2
    } else if verdict.ends_with(": YES") {
        0
    } else if verdict.ends_with(": ERROR") {
        2
    } else {
        1
    };
    ours == want
}

/// The index (from 1) of the first entry that matches alone, without its
/// `!`, by the stock program; Err(index) when that entry is an error.
fn brute_force(entries: &[&str], addr: &str) -> Option<Result<usize, usize>> {
    for (i, e) in entries.iter().enumerate() {
        let (out, _) = run_as(
            "addr_match_list",
            addr_match_list(),
            &[e.trim_start_matches('!'), addr],
            None,
        );
        let verdict = out.lines().last().unwrap_or("");
        if verdict.ends_with(": YES") {
            return Some(Ok(i + 1));
        }
        if verdict.ends_with(": ERROR") {
            return Some(Err(i + 1));
        }
    }
    None
}

const LISTS: &[&str] = &[
    "127.0.0.0/8, !192.0.2.0/25 192.0.2.0/24 [2001:DB8::]/32 [::1] !!10.0.0.0/8",
    "!10.1.0.0/16 10.0.0.0/8, ![2001:db8:1::]/48,[2001:db8::]/32",
    "10.0.0.0/33 127.0.0.1",
    "192.0.2.1 [192.0.2.2] 192.0.2.3/32 [192.0.2.4]/32 [192.0.2.5/32]",
    "1.2.3.4/24, 0.0.0.0/0",
    "[2001:db8::1], [::ffff:192.0.2.1]/128, [::1]",
    "example.com .example.net 10.0.0.0/8",
    "[2001:db8::/32 192.0.2.1",
];

const ADDRS: &[&str] = &[
    "127.0.0.1",
    "192.0.2.1",
    "192.0.2.200",
    "192.0.2.5",
    "10.1.1.1",
    "10.2.2.2",
    "2001:db8::1",
    "2001:DB8:1::5",
    "::1",
    "1.2.3.4",
    "::ffff:192.0.2.1",
    "unknown",
    "",
];

#[test]
fn match_list_equals_stock_and_names_the_deciding_entry() {
    // One thread per list: the runs are short processes.
    let results: Vec<(usize, Vec<String>)> = std::thread::scope(|scope| {
        let threads: Vec<_> = LISTS
            .iter()
            .map(|list| scope.spawn(|| one_list(list)))
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let compared: usize = results.iter().map(|r| r.0).sum();
    let failures: Vec<String> = results.into_iter().flat_map(|r| r.1).collect();
    eprintln!(
        "pfinet match: {compared} list cases against stock, each deciding entry against a \
         brute-force walk"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every address of [`ADDRS`] against `list`: the number of cases, and
/// the failures.
fn one_list(list: &str) -> (usize, Vec<String>) {
    let mut failures = Vec::new();
    // Simple lists: splitting at commas and blanks is Postfix's split.
    let entries: Vec<&str> = list.split([',', ' ']).filter(|e| !e.is_empty()).collect();
    for addr in ADDRS {
        let stock = run_as("addr_match_list", addr_match_list(), &[list, addr], None);
        let args = [
            "match",
            "--postfix-version",
            "3.7.11",
            "--parameter",
            "command line",
            list,
            addr,
        ];
        let ours = run_as("addr_match_list", pfinet(), &args, None);
        if without_explanation(&ours.0) != stock.0 || !same_exit(&stock, ours.1) {
            failures.push(format!(
                "{list:?} {addr:?}:\nstock ({}):\n{}pfinet ({}):\n{}",
                stock.1, stock.0, ours.1, ours.0
            ));
            continue;
        }
        let n = entries.len();
        let want = match brute_force(&entries, addr) {
            Some(Ok(i)) => format!("decided by entry {i} of {n}: {}", entries[i - 1]),
            Some(Err(i)) => format!("failed at entry {i} of {n}: {}", entries[i - 1]),
            None => format!("no entry matched ({n} entries)"),
        };
        if !ours.0.lines().any(|l| l == want) {
            failures.push(format!(
                "{list:?} {addr:?}: brute force says {want:?}; pfinet:\n{}",
                ours.0
            ));
        }
    }
    (ADDRS.len(), failures)
}

/// Stock Postfix `version`'s addr_match_list test program (src/global's
/// addr_match_list.c -DTEST, linked with that tree's libraries).
fn release_addr_match_list(version: &str) -> PathBuf {
    let tree = stock_cache_of(version).join("stock");
    let out = scratch().join(format!("addr_match_list-{version}"));
    let file = tree.join("src/global/addr_match_list.c");
    let mut cmd = std::process::Command::new("cc");
    cmd.args(["-w", "-DTEST"])
        .args(words(&tree.join("driver.cflags")))
        .arg(format!("-I{}", file.parent().unwrap().display()))
        .arg(&file)
        .args(words(&tree.join("driver.libs")))
        .arg("-o")
        .arg(&out);
    let status = cmd.status().expect("run cc");
    assert!(status.success(), "cc {cmd:?} failed");
    out
}

/// Lists with `/file` patterns, comments and fatal errors: every
/// supported release's own addr_match_list program against `pfinet match
/// --postfix-version` (the releases differ in how they report a comment
/// and read a file: logical lines from 3.8, NUL warnings from 3.9).
#[test]
fn match_list_files_comments_and_fatal_errors_equal_stock() {
    let file = scratch().join("patterns");
    std::fs::write(
        &file,
        "# comment\n10.0.0.0/8 !10.0.0.0/16\n[2001:db8::]/32\n192.0.2.1 #x y\n1.2.3.4/24\n",
    )
    .unwrap();
    let f = file.display().to_string();
    // Continuation lines, a comment after white space, text that
    // continues nothing, a NUL byte, a comment token with a long rest.
    let odd = scratch().join("odd-patterns");
    std::fs::write(
        &odd,
        b"  10.9.9.9\n10.0.0.0/8\n  !10.0.0.0/16\n   # indented comment 127.0.0.1\n\
          # full comment\n\n192.0.2.0/24 10.1\x002.3\n\t[2001:db8::]/32\n\
          198.51.100.0/24 #a fairly long comment after text, to cut\n1.2.3.4\n",
    )
    .unwrap();
    let o = odd.display().to_string();
    let lists = [
        f.clone(),
        format!("!{f}, 127.0.0.1"),
        format!("{f}.missing 127.0.0.1"),
        o.clone(),
        format!("!{o}, 10.0.0.0/8"),
        "127.0.0.1 # trailing, comment".to_string(),
        "127.0.0.1 #a-comment-token with a rest that is longer than twenty".to_string(),
        "#first 127.0.0.1".to_string(),
        "127.0.0.1 !".to_string(),
        "hash:/nonexistent 127.0.0.1".to_string(),
        "127.0.0.1, ::1".to_string(),
        "hash: 127.0.0.1".to_string(),
    ];
    let mut failures = Vec::new();
    let addrs = [
        "10.1.2.3",
        "10.0.0.1",
        "10.9.9.9",
        "2001:db8::1",
        "192.0.2.1",
        "198.51.100.7",
        "127.0.0.1",
        "1.2.3.4",
    ];
    let mut compared = 0;
    let releases = postfix_versions();
    for version in releases.iter().map(String::as_str) {
        let stock_program = release_addr_match_list(version);
        for (n, list) in lists.iter().enumerate() {
            // The last three are fatal: stock sleeps a second before it exits.
            let addrs = if n + 3 >= lists.len() {
                &addrs[..1]
            } else {
                &addrs[..]
            };
            for &addr in addrs {
                let stock = run_as("addr_match_list", &stock_program, &[list, addr], None);
                let args = [
                    "match",
                    "--postfix-version",
                    version,
                    "--parameter",
                    "command line",
                    list,
                    addr,
                ];
                if list.starts_with("hash:/") {
                    // Stock opens the table; pfinet says it did not.
                    let ours = run_as("pfinet", pfinet(), &args, None);
                    if !ours
                        .0
                        .contains("entry 1 not evaluated: hash:/nonexistent: ")
                    {
                        failures.push(format!("{version} {list:?} {addr:?}: {}", ours.0));
                    }
                    continue;
                }
                let ours = run_as("addr_match_list", pfinet(), &args, None);
                compared += 1;
                if without_explanation(&ours.0) != stock.0 || !same_exit(&stock, ours.1) {
                    failures.push(format!(
                        "{version} {list:?} {addr:?}:\nstock ({}):\n{}pfinet ({}):\n{}",
                        stock.1, stock.0, ours.1, ours.0
                    ));
                }
            }
        }
    }
    eprintln!(
        "pfinet match: {compared} lists with files and comments compared with the \
         addr_match_list of Postfix {}, {} differences",
        releases.join(", "),
        failures.len()
    );
    // The entry from the file names its file and line (negated by the `!`
    // before the file name: 10.1.2.3 is in 10.0.0.0/8, so: no).
    let ours = run_as(
        "pfinet",
        pfinet(),
        &["match", &format!("!{f}"), "10.1.2.3"],
        None,
    );
    assert!(
        ours.0.contains(&format!(
            "decided by entry 1 of 5: 10.0.0.0/8 ({f}, line 2)"
        )),
        "{}",
        ours.0
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for version in &releases {
        println!(
            "release-check: Postfix {version}: pfinet match --postfix-version: {} runs equal \
             addr_match_list's",
            compared / releases.len()
        );
    }
}

const CIDR_MAP: &str = "\
# a comment
192.0.2.0/24 inside
!192.0.2.0/23 outside
if 10.0.0.0/8
10.1.0.0/16 ten-one
IF ![10.2.0.0/16]
10.0.0.0/8 ten-not-two
endif
endif
[2001:db8::]/32 v6
1.2.3.4/24 bad
endif
0.0.0.0/0 any
if ::/0
[::]/0 any6
";

/// Addresses looked up in CIDR_MAP: rules of each kind decide, and junk.
const CIDR_PROBES: [&str; 9] = [
    "192.0.2.9",
    "192.0.3.9",
    "10.1.2.3",
    "10.2.2.3",
    "10.3.2.3",
    "2001:db8::1",
    "2001:db9::1",
    "junk",
    "[10.1.2.3]",
];

/// Stock `postmap -q ADDR cidr:MAP` (argv[0] "postmap"): output, exit.
fn postmap_q(map: &Path, addr: &str) -> (String, i32) {
    let postmap = stock_tree(true).join("bin/postmap");
    let conf = scratch().display().to_string();
    run_as(
        "postmap",
        &postmap,
        &["-c", &conf, "-q", addr, &format!("cidr:{}", map.display())],
        None,
    )
}

#[test]
fn match_cidr_equals_postmap_and_names_the_deciding_rule() {
    let q = postmap_q;
    let map = scratch().join("table.cidr");
    std::fs::write(&map, CIDR_MAP).unwrap();
    let lines: Vec<&str> = CIDR_MAP.lines().collect();
    let mut failures = Vec::new();
    let mut n = 0;
    for addr in CIDR_PROBES {
        n += 1;
        let stock = q(&map, addr);
        let ours = run_as(
            "postmap",
            pfinet(),
            &["match", "--cidr", &map.display().to_string(), addr],
            None,
        );
        // Stock: warnings, then the value. pfinet: warnings, "ADDR: VALUE", the rule.
        let value = stock
            .0
            .lines()
            .filter(|l| !l.starts_with("postmap: "))
            .collect::<Vec<_>>();
        let warnings: String = stock
            .0
            .lines()
            .filter(|l| l.starts_with("postmap: "))
            .map(|l| format!("{l}\n"))
            .collect();
        let our_warnings: String = ours
            .0
            .lines()
            .filter(|l| l.starts_with("postmap: "))
            .map(|l| format!("{l}\n"))
            .collect();
        let our_value = ours
            .0
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{addr}: ")));
        let stock_value = value.first().copied();
        let ours_found = our_value.filter(|v| !v.starts_with("no rule matched"));
        if warnings != our_warnings || stock_value != ours_found || stock.1 != ours.1 {
            failures.push(format!(
                "{addr}: stock ({}):\n{}pfinet ({}):\n{}",
                stock.1, stock.0, ours.1, ours.0
            ));
            continue;
        }
        // Brute force: the shortest prefix of the file with a result.
        let prefix = scratch().join("prefix.cidr");
        let first = (1..=lines.len()).find(|&k| {
            std::fs::write(&prefix, lines[..k].join("\n") + "\n").unwrap();
            q(&prefix, addr).1 == 0
        });
        let want = first.map(|k| {
            format!(
                "decided by rule at {}, line {k}: {}",
                map.display(),
                lines[k - 1]
            )
        });
        let got = ours
            .0
            .lines()
            .find(|l| l.starts_with("decided by rule"))
            .map(String::from);
        if want != got {
            failures.push(format!("{addr}: brute force says {want:?}, pfinet {got:?}"));
        }
    }
    eprintln!("pfinet match --cidr: {n} lookups against postmap and a brute-force walk");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `pfinet match --postfix-version V --cidr` against release V's own
/// `postmap -q`, for every supported release, on a table with continuation
/// lines, comments and a NUL byte (3.9 and later warn about it, with the
/// line numbers dict_cidr's readllines() counts).
#[test]
fn match_cidr_reads_tables_as_each_release() {
    let map = scratch().join("nul.cidr");
    std::fs::write(
        &map,
        b"# a table\n10.0.0.0/8\n  ten\n192.0.2.0/24 doc\x00umentation\n  # comment\n  more\n\
          198.51.100.0/24 net-2\n1.2.3.4/24 host-bits\n",
    )
    .unwrap();
    let m = map.display().to_string();
    let conf = scratch().display().to_string();
    let mut compared = 0;
    let mut failures = Vec::new();
    for version in postfix_versions() {
        let postmap = stock_cache_of(&version).join("stock/bin/postmap");
        for addr in [
            "10.1.2.3",
            "192.0.2.9",
            "198.51.100.1",
            "1.2.3.4",
            "203.0.113.1",
        ] {
            let stock = run_as(
                "postmap",
                &postmap,
                &["-c", &conf, "-q", addr, &format!("cidr:{m}")],
                None,
            );
            let ours = run_as(
                "postmap",
                pfinet(),
                &["match", "--postfix-version", &version, "--cidr", &m, addr],
                None,
            );
            let warnings = |out: &str| -> Vec<String> {
                out.lines()
                    .filter(|l| l.starts_with("postmap: "))
                    .map(String::from)
                    .collect()
            };
            let stock_value = stock.0.lines().find(|l| !l.starts_with("postmap: "));
            let our_value = ours
                .0
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{addr}: ")))
                .filter(|v| !v.starts_with("no rule matched"));
            compared += 1;
            if warnings(&stock.0) != warnings(&ours.0) || stock_value != our_value {
                failures.push(format!(
                    "Postfix {version}, {addr}: stock ({}):\n{}pfinet ({}):\n{}",
                    stock.1, stock.0, ours.1, ours.0
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!("pfinet match --cidr: {compared} lookups against each release's postmap");
}

#[test]
fn check_equals_stock() {
    let stock = stock_program("cli_check.c", true);
    let args = [
        "192.0.2.1",
        "[192.0.2.1]",
        "[IPv6:2001:db8::1]",
        "[ipv6:::1]",
        "2001:db8::1",
        "0.1.2.3",
        "256.1.2.3",
        "1.2.3",
        "[IPv6:1.2.3.4]",
        "[1.2.3.4",
        "[1.2.3.4]x",
        "",
        "::ffff:1.2.3.4",
        "[IPv6:fe80::1%eth0]",
        "1:2:3:4:5:6:7:8:9",
        "[IPv6:0000:0000:0000:0000:0000:0000:0000:0001]",
    ];
    let want = run_as("pfinet", &stock, &args, None);
    let mut cli = vec!["check"];
    cli.extend(args);
    let got = run_as("pfinet", pfinet(), &cli, None);
    assert_eq!(got, want, "\n{}", first_differences(&want.0, &got.0, 8));
}

#[test]
fn usage_and_errors() {
    for cmd in [
        "interfaces",
        "mynetworks",
        "match",
        "check",
        "protocols",
        "report",
        "compile",
        "lint",
    ] {
        let (out, code) = run(pfinet(), &[cmd, "--help"], b"", None);
        assert_eq!(code, 0, "{cmd} --help");
        assert!(out.starts_with(&format!("usage: pfinet {cmd}")), "{out}");
    }
    let (out, code) = run(pfinet(), &["match", "1.2.3.4"], b"", None);
    assert_eq!((out.lines().count(), code), (1, 2), "{out}");
    assert!(out.starts_with("pfinet: fatal: "), "{out}");
    let (out, code) = run(pfinet(), &["interfaces", "--method", "bogus"], b"", None);
    assert_eq!(
        (out.as_str(), code),
        ("pfinet: fatal: unknown lookup method: bogus\n", 2)
    );
}

/// `pfinet report` is `pfinet protocols`, `interfaces` and `mynetworks`
/// under headings; with `--config DIR` its mynetworks is stock `postconf
/// -c DIR mynetworks`'s on this host, and its protocols and interfaces are
/// those of DIR/main.cf's inet_protocols.
#[test]
fn report_is_protocols_interfaces_and_mynetworks() {
    let part = |args: &[&str]| {
        let (out, code) = run(pfinet(), args, b"", None);
        assert_eq!(code, 0, "{args:?}: {out}");
        out
    };
    let expected = format!(
        "== inet_protocols ==\n{}\n== interfaces (inet_addr_local) ==\n{}\n== mynetworks ==\n{}",
        part(&["protocols"]),
        part(&["interfaces"]),
        part(&["mynetworks"])
    );
    assert_eq!(part(&["report"]), expected);

    let dir = scratch().join("report");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("master.cf"), "").unwrap();
    std::fs::write(
        dir.join("main.cf"),
        "inet_protocols = ipv4\nmynetworks_style = host\n",
    )
    .unwrap();
    let conf = dir.display().to_string();
    let (stock, code) = run_as(
        "postconf",
        &stock_tree(true).join("bin/postconf"),
        &["-c", &conf, "mynetworks"],
        None,
    );
    assert_eq!(code, 0, "{stock}");
    let expected = format!(
        "== inet_protocols ==\n{}\n== interfaces (inet_addr_local) ==\n{}\n== mynetworks ==\n{stock}",
        part(&["protocols", "ipv4"]),
        part(&["interfaces", "--protocols", "ipv4"]),
    );
    assert_eq!(part(&["report", "--config", &conf]), expected);

    let (out, code) = run(pfinet(), &["report", "extra"], b"", None);
    assert_eq!(
        (out.as_str(), code),
        ("pfinet: fatal: report takes no operands (see --help)\n", 2)
    );
}

/// The file's bytes in 16-byte aligned memory, as mmap() gives them.
fn aligned(bytes: &[u8]) -> Vec<u128> {
    let mut v = vec![0u128; bytes.len().div_ceil(16)];
    for (i, b) in bytes.iter().enumerate() {
        v[i / 16] |= u128::from(*b) << (8 * (i % 16)) as u32;
    }
    if cfg!(target_endian = "big") {
        for w in &mut v {
            *w = w.swap_bytes();
        }
    }
    v
}

#[test]
fn compile_warns_as_postmap_and_writes_a_table_that_answers_as_postmap() {
    use pfinet::internal::cidr_file::{Refusal, Source, parse};

    let map = scratch().join("compiled.cidr");
    std::fs::write(&map, CIDR_MAP).unwrap();
    let mapname = map.display().to_string();
    let q = |addr: &str| postmap_q(&map, addr);
    // The warnings: stock postmap's, in its order (argv[0] the same).
    let (stock, _) = q("192.0.2.9");
    let stock_warnings: Vec<&str> = stock
        .lines()
        .filter(|l| l.starts_with("postmap: "))
        .collect();
    assert!(stock_warnings.len() >= 3, "{stock}");
    let (ours, rc) = run_as("postmap", pfinet(), &["compile", &mapname], None);
    assert_eq!(rc, 0, "{ours}");
    assert_eq!(ours.lines().collect::<Vec<_>>(), stock_warnings);

    // The file: accepted for this table, answering as stock postmap.
    let bytes = std::fs::read(format!("{mapname}.pfinet")).unwrap();
    let mem = aligned(&bytes);
    // SAFETY: u8 has no alignment or validity requirement.
    let file = unsafe { std::slice::from_raw_parts(mem.as_ptr().cast::<u8>(), bytes.len()) };
    let source = Source::from(&std::fs::metadata(&map).unwrap());
    let accepted =
        parse(file, &source, cfg!(feature = "has_ipv6")).expect("the compiled file is accepted");
    let mut found = 0;
    for addr in CIDR_PROBES {
        let (out, _) = q(addr);
        let value: Vec<&str> = out
            .lines()
            .filter(|l| !l.starts_with("postmap: "))
            .collect();
        let ours = accepted
            .view
            .lookup(addr.as_bytes())
            .map(|v| String::from_utf8_lossy(&v[..v.len() - 1]).into_owned());
        assert_eq!(ours.as_deref(), value.first().copied(), "{addr}");
        found += usize::from(ours.is_some());
    }
    assert!(found >= 5, "{found}");
    // The table changed: the file is stale.
    let stale = Source {
        mtime: source.mtime - 1,
        ..source
    };
    assert_eq!(
        parse(file, &stale, cfg!(feature = "has_ipv6")).unwrap_err(),
        Refusal::Stale
    );

    // Errors: Postfix's texts, exit status 2, nothing written.
    let missing = scratch().join("missing.cidr").display().to_string();
    let (out, rc) = run_as("pfinet", pfinet(), &["compile", &missing], None);
    assert_eq!(
        (out.trim_end(), rc),
        (
            format!("pfinet: fatal: open {missing}: No such file or directory").as_str(),
            2
        )
    );
    let nul = scratch().join("nul.cidr");
    std::fs::write(&nul, "1.2.3.4 A\0B\n").unwrap();
    let (out, rc) = run_as(
        "pfinet",
        pfinet(),
        &["compile", &nul.display().to_string()],
        None,
    );
    assert_eq!(rc, 2, "{out}");
    assert!(out.contains("holds a NUL byte"), "{out}");
    assert!(!scratch().join("nul.cidr.pfinet").exists());
}
