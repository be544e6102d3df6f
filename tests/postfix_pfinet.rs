//! Postfix built with pfinet, checked on the trees scripts/postfix-pfinet.sh
//! builds (`<cache>/<version>-pfinet/{stock,patched}`, `<cache>` being
//! $PFINET_CACHE or .cache/postfix), for every supported release
//! (POSTFIX_VERSIONS in scripts/postfix-versions.sh). The
//! script fetches, patches and builds; Postfix's own unit tests, stock vs
//! patched, are tests/postfix_unit_tests.rs, `postmap -q` on random cidr
//! tables tests/postfix_cidr_tables.rs; this file proves the rest:
//!
//! - The swap, with nm and the linker (`swap_nm_ld`): libpfinet.a and
//!   stock's libutil.a/libglobal.a define exactly the replaced symbols of
//!   symbols.txt in common; the patched files call pfinet's additions; in
//!   the patched tree no object defines a replaced or added symbol (the
//!   objects of the patched files define nothing but what stays in C); in
//!   the patched postconf, smtpd and postscreen every pfinet symbol that is
//!   linked has its definition in pfinet's Rust sources (`nm -l`, from the
//!   debug info) and, relinking with `ld --trace-symbol`, comes from a
//!   libpfinet.a member; the test drivers of Postfix's unit tests get the
//!   same `nm -l` check.
//! - `postconf -h mynetworks`, stock vs patched (`postconf_mynetworks`),
//!   for inet_protocols all, ipv6, ipv4 and mynetworks_style subnet, host,
//!   class: on this kernel, and on a simulated kernel without IPv6 (the
//!   LD_PRELOAD shim c_tests/fault_shim.c, whose socket() fails for
//!   AF_INET6 with EAFNOSUPPORT): same output, same warnings, same exit
//!   status.
//!
//! A missing tree, or one built from another libpfinet.a than this
//! checkout's target/postfix-pfinet/release/libpfinet.a, fails the test
//! (run scripts/postfix-pfinet.sh --version V first, as scripts/test.sh
//! does; tests/common/postfix_trees.rs): nothing is skipped.

mod common;

use common::postfix_trees::{Trees, assert_no_failures, clean_command, output, trees};
use common::symbols::{Group, Symbol};
use common::{c_shim, postfix_versions, repo};
use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Objects built from the patched files, and the global symbols each may
/// still define (what stays in C).
const REPLACED_OBJS: &[(&str, &[&str])] = &[
    ("util/inet_addr_list.o", &[]),
    ("util/inet_addr_local.o", &[]),
    ("util/inet_proto.o", &[]),
    ("util/mask_addr.o", &[]),
    ("util/cidr_match.o", &[]),
    (
        "util/valid_hostname.o",
        &["valid_hostname", "valid_hostport"],
    ),
    (
        "util/match_ops.o",
        &["match_string", "match_hostname", "match_hostaddr"],
    ),
    ("global/valid_mailhost_addr.o", &[]),
    ("global/own_inet_addr.o", &[]),
    ("global/mynetworks.o", &[]),
];

/// The patched programs whose links are proven.
const PROGRAMS: &[&str] = &["postconf/postconf", "smtpd/smtpd", "postscreen/postscreen"];

/// The test drivers that run Postfix's unit tests
/// (tests/postfix_unit_tests.rs).
const DRIVERS: &[&str] = &[
    "util/dict_open",
    "util/inet_addr_list",
    "util/valid_hostname",
    "global/namadr_list",
    "global/server_acl",
];

/// (member or file, symbol) for each defined global symbol (`nm -A -g
/// --defined-only`), in nm's order.
fn defined_globals(files: &[PathBuf]) -> Vec<(String, String)> {
    if files.is_empty() {
        return Vec::new();
    }
    let out = Command::new("nm")
        .args(["-A", "-g", "--defined-only"])
        .args(files)
        .output()
        .expect("nm");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let (loc, name) = (f.first()?, f.last()?);
            let loc = loc.rsplit_once(':').map_or(*loc, |(a, _)| a);
            let member = loc.rsplit_once(':').map_or(loc, |(_, m)| m);
            Some((member.to_string(), name.to_string()))
        })
        .collect()
}

/// `nm -l --defined-only exe`: (type, name, source) per line.
fn nm_lines(exe: &Path) -> Vec<(String, String, String)> {
    output(Command::new("nm").args(["-l", "--defined-only"]).arg(exe))
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            Some((
                f.get(1)?.to_string(),
                f.get(2)?.to_string(),
                f.get(3).unwrap_or(&"").to_string(),
            ))
        })
        .collect()
}

/// Every `*.o` under `dir`.
fn objects(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if e.file_type().unwrap().is_dir() {
            objects(&p, out);
        } else if p.extension().is_some_and(|x| x == "o") {
            out.push(p);
        }
    }
}

fn names(symbols: &[Symbol], groups: &[Group]) -> Vec<String> {
    common::symbols::names(symbols, groups)
}

/// Step "the swap" of the former script, for one release; failures are
/// collected, the report printed as it goes.
fn swap(t: &Trees, symbols: &[Symbol], fail: &mut Vec<String>) {
    let replaced = names(symbols, &[Group::Replaced]);
    let added = names(symbols, &[Group::Added]);
    let ours: Vec<String> = replaced.iter().chain(&added).cloned().collect();
    let root = format!("{}/", repo().display());
    let in_rust = |src: &str| src.starts_with(&format!("{root}src/")) && src.contains(".rs:");
    println!("== Postfix {}: the swap (nm, ld --trace-symbol)", t.version);

    // (a) What libpfinet.a and stock's libraries define in common is
    // exactly the replaced list.
    let stock_libs = [
        t.stock.join("lib/libutil.a"),
        t.stock.join("lib/libglobal.a"),
    ];
    let stock_defs = defined_globals(&stock_libs);
    let pfinet_defs: BTreeSet<String> = defined_globals(std::slice::from_ref(&t.libpfinet))
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    let common: BTreeSet<&String> = stock_defs
        .iter()
        .map(|(_, s)| s)
        .filter(|s| pfinet_defs.contains(*s))
        .collect();
    let expected: BTreeSet<&String> = replaced.iter().collect();
    if common == expected {
        println!(
            "libpfinet.a and stock libutil.a+libglobal.a define in common exactly the {} replaced symbols",
            replaced.len()
        );
    } else {
        fail.push(format!(
            "libpfinet.a and stock define in common: {common:?}; expected: {expected:?}"
        ));
    }
    for s in &added {
        if !pfinet_defs.contains(s) {
            fail.push(format!("libpfinet.a does not define {s}"));
        }
    }
    let mut callers: Vec<(&str, Vec<&str>)> = Vec::new();
    for s in symbols.iter().filter(|s| s.group == Group::Added) {
        let obj = s.caller.as_deref().unwrap();
        match callers.iter_mut().find(|(o, _)| *o == obj) {
            Some((_, v)) => v.push(&s.name),
            None => callers.push((obj, vec![&s.name])),
        }
    }
    for (obj, calls) in &callers {
        let undefined = Command::new("nm")
            .arg("-u")
            .arg(t.patched.join("src").join(obj))
            .output()
            .expect("nm -u");
        let undefined: BTreeSet<String> = String::from_utf8_lossy(&undefined.stdout)
            .lines()
            .filter_map(|l| l.split_whitespace().last().map(String::from))
            .collect();
        for s in calls {
            if !undefined.contains(*s) {
                fail.push(format!("{obj} does not call {s}"));
            }
        }
        println!("  {obj} calls {}", calls.join(","));
    }
    println!("stock definitions:");
    let mut by_member: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (m, s) in &stock_defs {
        if replaced.contains(s) {
            by_member.entry(m).or_default().push(s);
        }
    }
    for (m, syms) in &by_member {
        println!("  {m}: {}", syms.join(" "));
    }

    // (b) No object of the patched tree defines them; the objects built
    // from the patched files define only what stays in C.
    let mut files = vec![
        t.patched.join("lib/libutil.a"),
        t.patched.join("lib/libglobal.a"),
    ];
    objects(&t.patched.join("src"), &mut files);
    let bad: Vec<String> = defined_globals(&files)
        .into_iter()
        .filter(|(_, s)| ours.contains(s))
        .map(|(m, s)| format!("  {m}: {s}"))
        .collect();
    if bad.is_empty() {
        println!(
            "patched tree: no .o and no member of lib/libutil.a, lib/libglobal.a defines a replaced symbol"
        );
    } else {
        fail.push(format!(
            "patched objects define replaced symbols:\n{}",
            bad.join("\n")
        ));
    }
    println!("objects built from the patched files (defined global symbols):");
    for (obj, allowed) in REPLACED_OBJS {
        let path = t.patched.join("src").join(obj);
        if !path.is_file() {
            fail.push(format!("missing {}", path.display()));
            continue;
        }
        let defs: Vec<String> = defined_globals(&[path])
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        for s in &defs {
            if !allowed.contains(&s.as_str()) {
                fail.push(format!("{obj} defines {s}"));
            }
        }
        let shown = if defs.is_empty() {
            "(nothing)".to_string()
        } else {
            defs.join(" ")
        };
        println!("  {obj:<28} {shown}");
    }

    // (c) The patched programs: where each pfinet symbol is defined (nm -l
    // reads the debug info: pfinet's functions point into its Rust
    // sources). (d) Relink each program as its Makefile does (make -n
    // prints the command) with ld --trace-symbol: ld names the archive
    // member of each definition.
    for prog in PROGRAMS {
        let (dir_name, base) = prog.split_once('/').unwrap();
        let dir = t.patched.join("src").join(dir_name);
        let exe = t.patched.join("src").join(prog);
        if !exe.is_file() {
            fail.push(format!("no {}", exe.display()));
            continue;
        }
        let nm = nm_lines(&exe);
        let (mut n_rs, mut n_linked, mut off) = (0, 0, Vec::new());
        for s in &ours {
            let Some((kind, _, src)) = nm.iter().find(|(_, n, _)| n == s) else {
                continue;
            };
            n_linked += 1;
            if kind == "T" {
                if in_rust(src) {
                    n_rs += 1;
                } else {
                    off.push(format!("{s}@{}", if src.is_empty() { "?" } else { src }));
                }
            }
        }
        let make_n = Command::new("make")
            .args(["-s", "-n", "-W", &format!("{base}.o"), base, "MAKELEVEL="])
            .current_dir(&dir)
            .env_remove("MAKEFLAGS")
            .env_remove("MFLAGS")
            .output()
            .expect("make -n");
        let make_n = String::from_utf8_lossy(&make_n.stdout);
        let Some(link) = make_n.lines().find(|l| l.contains(&format!("-o {base} "))) else {
            fail.push(format!("{prog}: make -n prints no link command"));
            continue;
        };
        let relinked = t.work.join(format!("relink-{base}"));
        let mut cmd = link.replacen(
            &format!(" -o {base} "),
            &format!(" -o {} ", relinked.display()),
            1,
        );
        for s in &ours {
            cmd += &format!(" -Wl,--trace-symbol={s}");
        }
        let traced = Command::new("bash")
            .arg("-c")
            .arg(format!("{cmd} 2>&1"))
            .current_dir(&dir)
            .output()
            .expect("relink");
        let trace = String::from_utf8_lossy(&traced.stdout).into_owned();
        let _ = std::fs::remove_file(&relinked);
        if !traced.status.success() {
            let tail: Vec<&str> = trace.lines().rev().take(5).collect();
            fail.push(format!(
                "relink of {prog}: {}",
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            ));
            continue;
        }
        let defs: Vec<&str> = trace
            .lines()
            .filter(|l| l.contains(": definition of "))
            .collect();
        let n_pf = defs.iter().filter(|l| l.contains("libpfinet.a(")).count();
        let not_pf: Vec<&str> = defs
            .iter()
            .filter(|l| !l.contains("libpfinet.a("))
            .copied()
            .collect();
        println!(
            "{base}: {n_linked} of {} pfinet symbols linked; nm -l: {n_rs} functions defined in {root}src/*.rs, {} elsewhere; \
             ld --trace-symbol: {} definitions, {n_pf} in libpfinet.a",
            ours.len(),
            off.len(),
            defs.len()
        );
        if *prog == "postconf/postconf" {
            // Every symbol once: nm's type and source line, ld's member.
            for s in &ours {
                let line = nm.iter().find(|(_, n, _)| n == s).map_or_else(
                    || "(not linked)".to_string(),
                    |(k, _, src)| {
                        let src = if src.is_empty() { "-" } else { src };
                        format!("{k} {src}")
                    },
                );
                let member = defs
                    .iter()
                    .find(|l| l.split_whitespace().last() == Some(s.as_str()))
                    .and_then(|l| archive_member(l))
                    .unwrap_or_else(|| "(no definition traced)".to_string());
                // Padded with the full path, then the repository's root cut
                // (as the former script's printf | sed did).
                let row = format!("    {s:<24} {line:<52} <- {member}");
                println!("{}", row.replace(&root, ""));
            }
        }
        if !off.is_empty() {
            fail.push(format!(
                "{prog}: nm -l puts these outside pfinet: {}",
                off.join(" ")
            ));
        }
        if !not_pf.is_empty() {
            fail.push(format!(
                "{prog}: definitions not from libpfinet.a:\n    {}",
                not_pf.join("\n    ")
            ));
        }
        if defs.len() != n_linked {
            fail.push(format!(
                "{prog}: nm shows {n_linked} symbols, ld traced {} definitions",
                defs.len()
            ));
        }
        if n_linked == 0 {
            fail.push(format!("{prog} links none of pfinet's symbols"));
        }
        // For contrast: the same program in the stock tree.
        let stock_exe = t.stock.join("src").join(prog);
        if stock_exe.is_file() {
            let n_c = nm_lines(&stock_exe)
                .iter()
                .filter(|(_, n, src)| replaced.contains(n) && src.contains(".c:"))
                .count();
            println!("    (stock {base}: {n_c} of these functions defined in Postfix's .c files)");
        }
    }

    // (e) The test drivers that run Postfix's tests: the same nm -l check.
    // Built here when the unit tests (tests/postfix_unit_tests.rs, which
    // may run after this file) have not built them yet: `make DRIVER` in
    // the patched tree, as "make tests" does.
    for drv in DRIVERS {
        let exe = t.patched.join("src").join(drv);
        if !exe.is_file() {
            let (dir, name) = drv.split_once('/').unwrap();
            let made = clean_command("make")
                .args(["-s", name, "MAKELEVEL="])
                .current_dir(t.patched.join("src").join(dir))
                .output()
                .expect("make");
            if !made.status.success() {
                fail.push(format!(
                    "make {drv} in {}: {}",
                    t.patched.display(),
                    String::from_utf8_lossy(&made.stderr)
                ));
            }
        }
        if !exe.is_file() {
            fail.push(format!("no test driver {}", exe.display()));
            continue;
        }
        let locs: Vec<String> = nm_lines(&exe)
            .into_iter()
            .filter(|(k, n, _)| k == "T" && ours.contains(n))
            .map(|(_, _, src)| src)
            .collect();
        let n_rs = locs.iter().filter(|src| in_rust(src)).count();
        println!(
            "test driver {drv}: {} pfinet functions linked, {n_rs} of them defined in {root}src/*.rs",
            locs.len()
        );
        if locs.is_empty() || locs.len() != n_rs {
            fail.push(format!(
                "test driver {drv}: {} of {} functions not from pfinet's sources",
                locs.len() - n_rs,
                locs.len()
            ));
        }
    }
}

/// `libpfinet.a(member.o)` from an `ld --trace-symbol` definition line.
fn archive_member(line: &str) -> Option<String> {
    let head = line.split(": definition of ").next()?;
    let start = head.rfind(['/', ' ']).map_or(0, |i| i + 1);
    let m = &head[start..];
    (m.starts_with("lib") && m.contains(".a(") && m.ends_with(')')).then(|| m.to_string())
}

#[test]
fn swap_nm_ld() {
    let symbols = common::symbols::read(repo());
    let all: Vec<Trees> = postfix_versions().into_iter().map(trees).collect();
    let mut fail = Vec::new();
    for t in &all {
        let before = fail.len();
        swap(t, &symbols, &mut fail);
        if fail.len() == before {
            println!(
                "release-check: Postfix {}: nm/ld: the replaced symbols come from libpfinet.a \
                 in the patched programs and drivers, from no Postfix object",
                t.version
            );
        }
    }
    assert_no_failures(&fail);
}

/// stdout, stderr and exit status of a postconf run.
#[derive(PartialEq, Eq)]
struct Run {
    out: String,
    err: String,
    rc: i32,
}

fn postconf(tree: &Path, cdir: &Path, shim: Option<&Path>) -> Run {
    let mut cmd = Command::new(tree.join("src/postconf/postconf"));
    cmd.arg0("postconf")
        .arg("-c")
        .arg(cdir)
        .args(["-h", "mynetworks"])
        .env_remove("MAIL_CONFIG");
    if let Some(shim) = shim {
        cmd.env("LD_PRELOAD", shim).env("PFINET_FAULT", "noipv6");
    }
    let o = cmd.output().expect("run postconf");
    Run {
        out: String::from_utf8_lossy(&o.stdout).into_owned(),
        err: String::from_utf8_lossy(&o.stderr).into_owned(),
        rc: o.status.code().unwrap_or(-1),
    }
}

/// postconf mynetworks, stock vs patched, on this kernel and on a
/// simulated kernel without IPv6. Both programs run with argv[0]
/// "postconf", so their messages compare byte for byte.
fn postconf_matrix(t: &Trees, shim: &Path, fail: &mut Vec<String>) {
    println!(
        "== Postfix {}: postconf mynetworks, stock vs patched, on this kernel and on a simulated kernel without IPv6",
        t.version
    );
    let (mut n_pc, mut n_pc_same, mut shim_seen) = (0, 0, String::new());
    println!(
        "\n{:<7} {:<14} {:<7} {:<52} patched",
        "kernel", "inet_protocols", "style", "stock: mynetworks (exit status, warnings)"
    );
    for kernel in ["as-is", "noipv6"] {
        for proto in ["all", "ipv6", "ipv4"] {
            for style in ["subnet", "host", "class"] {
                let cdir = t.work.join(format!("postconf/{kernel}-{proto}-{style}"));
                std::fs::create_dir_all(&cdir).unwrap();
                std::fs::write(
                    cdir.join("main.cf"),
                    format!(
                        "myhostname = host.example.com\ninet_protocols = {proto}\nmynetworks_style = {style}\n"
                    ),
                )
                .unwrap();
                std::fs::write(cdir.join("master.cf"), "").unwrap();
                // Postfix waits for a main.cf younger than a couple of seconds.
                let touched = Command::new("touch")
                    .args(["-d", "1 hour ago"])
                    .arg(cdir.join("main.cf"))
                    .arg(cdir.join("master.cf"))
                    .status()
                    .expect("touch");
                assert!(touched.success());
                let preload = (kernel == "noipv6").then_some(shim);
                let stock = postconf(&t.stock, &cdir, preload);
                let patched = postconf(&t.patched, &cdir, preload);
                for (side, r) in [("stock", &stock), ("patched", &patched)] {
                    std::fs::write(cdir.join(format!("{side}.out")), &r.out).unwrap();
                    std::fs::write(cdir.join(format!("{side}.err")), &r.err).unwrap();
                    std::fs::write(cdir.join(format!("{side}.rc")), format!("{}\n", r.rc)).unwrap();
                }
                n_pc += 1;
                let summary = format!(
                    "{}(exit {}, {} warnings)",
                    stock.out.replace('\n', " "),
                    stock.rc,
                    stock.err.matches('\n').count()
                );
                let verdict = if stock == patched {
                    n_pc_same += 1;
                    "same"
                } else {
                    fail.push(format!(
                        "postconf mynetworks {kernel} {proto} {style} differs: diff -r {}/",
                        cdir.display()
                    ));
                    "DIFFERENT"
                };
                println!("{kernel:<7} {proto:<14} {style:<7} {summary:<52} {verdict}");
                if kernel == "noipv6" && proto == "all" {
                    let seen: Vec<&str> = stock
                        .err
                        .lines()
                        .filter(|l| l.contains("disabling IPv6"))
                        .collect();
                    if !seen.is_empty() {
                        shim_seen = seen.join("\n");
                    }
                }
            }
        }
    }
    if shim_seen.is_empty() {
        fail.push("the no-IPv6 shim had no effect on stock postconf".into());
    }
    println!("without IPv6 in the kernel both warn: {shim_seen}");
    println!(
        "postconf mynetworks: {n_pc} combinations, {n_pc_same} identical (stdout, stderr, exit status); files: {}/postconf/",
        t.work.display()
    );
}

#[test]
fn postconf_mynetworks() {
    let all: Vec<Trees> = postfix_versions().into_iter().map(trees).collect();
    let shim = c_shim("fault_shim.c");
    let mut fail = Vec::new();
    for t in &all {
        let before = fail.len();
        postconf_matrix(t, &shim, &mut fail);
        if fail.len() == before {
            println!(
                "release-check: Postfix {}: postconf mynetworks: patched equals stock on this \
                 kernel and without IPv6",
                t.version
            );
        }
    }
    assert_no_failures(&fail);
}
