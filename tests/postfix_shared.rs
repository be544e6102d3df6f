//! Postfix as distributions build it: `make makefiles shared=yes
//! dynamicmaps=yes pie=yes` with Debian's compiler and linker flags and
//! `PFINET_OBJ` (scripts/postfix-shared.sh builds the tree; Postfix 3.10.13
//! here, 3.7.11 through Debian's bookworm package, scripts/debian-package.sh).
//!
//! - `pfinet_is_linked_once_into_libpostfix_util`: libpostfix-util.so
//!   defines and exports every name of pfinet's Postfix build (libpfinet.map
//!   less its standalone part) and holds pfinet's code; no other shared
//!   library, plugin or program defines one of those names or holds any Rust
//!   code; no ELF file exports or imports a Rust-internal name (`_ZN…`,
//!   `_R…`, `rust_*`, `__rust*`); and Debian's hardening survives (PIE
//!   programs, RELRO, BIND_NOW, no executable stack).
//! - `shared_postfix_answers_as_stock`: the shared build's `postconf -h
//!   mynetworks` (every inet_protocols × mynetworks_style) and `postmap -q`
//!   on a cidr table (IPv4 and IPv6 rules, negation, if/endif, a rule with
//!   host bits set, addresses in and out) print exactly what stock Postfix
//!   3.10.13 (scripts/stock-postfix.sh) prints, warnings included.

mod common;

use common::{repo, run_as, run_as_env, script_result};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const VERSION: &str = "3.10.13";

fn shared_tree() -> &'static Path {
    static T: OnceLock<PathBuf> = OnceLock::new();
    T.get_or_init(|| script_result("postfix-shared.sh", &["--version", VERSION]))
}

/// The names pfinet's Postfix build exports: libpfinet.map's global list up
/// to its standalone-only part (what `make postfix-object` keeps global).
fn postfix_exports() -> BTreeSet<String> {
    let map = std::fs::read_to_string(repo().join("libpfinet.map")).unwrap();
    let global = map.split_once("global:").expect("global:").1;
    let postfix = global.split_once("/* standalone only").expect("marker").0;
    let names: BTreeSet<String> = postfix
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_suffix(';'))
        .map(str::to_string)
        .collect();
    for sym in common::replaced_symbols() {
        assert!(names.contains(&sym), "libpfinet.map lacks {sym}");
    }
    names
}

/// `nm` output lines (`[value] type name`) of `file`, with `args`.
fn nm(file: &Path, args: &[&str]) -> Vec<(char, String)> {
    let out = Command::new("nm")
        .args(args)
        .arg("--plugin=/dev/null") // no LTO plugin: Rust objects' bitcode is not its business
        .arg(file)
        .output()
        .expect("nm");
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() || err.contains("no symbols"),
        "nm {args:?} {}: {err}",
        file.display()
    );
    text.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace().rev();
            let name = w.next()?.to_string();
            let kind = w.next()?.chars().next()?;
            Some((kind, name))
        })
        .collect()
}

fn rust_internal(name: &str) -> bool {
    let name = name.split('@').next().unwrap();
    name.starts_with("_ZN")
        || name.starts_with("_R")
        || name.starts_with("rust_")
        || name.starts_with("__rust")
}

/// Every ELF file of the tree's programs and libraries.
fn elf_files(tree: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["bin", "libexec", "lib"] {
        for entry in std::fs::read_dir(tree.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let mut magic = [0u8; 4];
            let is_elf = std::fs::File::open(&path)
                .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
                .is_ok()
                && magic == *b"\x7fELF";
            if is_elf {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn readelf(args: &[&str], file: &Path) -> String {
    let out = Command::new("readelf")
        .args(args)
        .arg(file)
        .output()
        .expect("readelf");
    assert!(out.status.success(), "readelf {args:?} {}", file.display());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn pfinet_is_linked_once_into_libpostfix_util() {
    let tree = shared_tree();
    let exports = postfix_exports();
    let util = tree.join("lib/libpostfix-util.so");
    let files = elf_files(tree);
    assert!(files.contains(&util), "no {}", util.display());
    assert!(
        files.len() > 40,
        "only {} ELF files in {}",
        files.len(),
        tree.display()
    );

    // libpostfix-util.so: every name, exported (dynamic symbol table).
    let util_dyn: BTreeSet<String> = nm(&util, &["-D", "--defined-only"])
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    let missing: Vec<&String> = exports.difference(&util_dyn).collect();
    assert!(missing.is_empty(), "libpostfix-util.so lacks {missing:?}");
    let stray: Vec<&String> = util_dyn
        .iter()
        .filter(|n| n.starts_with("pfinet_") && !exports.contains(*n))
        .collect();
    assert!(stray.is_empty(), "libpostfix-util.so exports {stray:?}");
    // ... and pfinet's code is in it: its Rust functions (local symbols of
    // the unstripped library) and Postfix's names as functions in .text.
    let util_all = nm(&util, &["--defined-only"]);
    let pfinet_fns = util_all
        .iter()
        .filter(|(k, n)| (*k == 't' || *k == 'T') && rust_internal(n) && n.contains("pfinet"))
        .count();
    assert!(
        pfinet_fns > 100,
        "libpostfix-util.so holds {pfinet_fns} pfinet functions"
    );

    let mut report = Vec::new();
    for file in &files {
        let name = file.strip_prefix(tree).unwrap().display().to_string();
        // No file exports or imports Rust's internals.
        let rust_dyn: Vec<String> = nm(file, &["-D"])
            .into_iter()
            .map(|(_, n)| n)
            .filter(|n| rust_internal(n))
            .collect();
        assert!(rust_dyn.is_empty(), "{name}: dynamic symbols {rust_dyn:?}");
        if *file == util {
            continue;
        }
        // No other file holds a copy: none of pfinet's names defined, in
        // either symbol table, and no Rust code at all.
        let all = nm(file, &["--defined-only"]);
        let copies: Vec<&String> = all
            .iter()
            .map(|(_, n)| n)
            .filter(|n| exports.contains(*n) || rust_internal(n))
            .take(5)
            .collect();
        assert!(copies.is_empty(), "{name} defines {copies:?}");
        let size = std::fs::metadata(file).unwrap().len();
        report.push(format!("{name} {size}"));
    }

    // Debian's hardening flags held (they apply to pfinet's object too).
    for file in &files {
        let name = file.strip_prefix(tree).unwrap().display().to_string();
        let headers = readelf(&["-lW"], file);
        let dynamic = readelf(&["-dW"], file);
        assert!(headers.contains("GNU_RELRO"), "{name}: no RELRO");
        assert!(dynamic.contains("BIND_NOW"), "{name}: not BIND_NOW");
        let stack = headers
            .lines()
            .find(|l| l.contains("GNU_STACK"))
            .unwrap_or_else(|| panic!("{name}: no GNU_STACK"));
        assert!(!stack.contains("RWE"), "{name}: executable stack: {stack}");
        if !name.starts_with("lib/") {
            assert!(
                readelf(&["-hW"], file).contains("DYN (Position-Independent Executable"),
                "{name}: not PIE"
            );
        }
    }
    let util_size = std::fs::metadata(&util).unwrap().len();
    println!(
        "shared build {VERSION}: {} ELF files; libpostfix-util.so {util_size} bytes, exports all {} names, {pfinet_fns} pfinet functions; no other file holds pfinet or Rust code",
        files.len(),
        exports.len()
    );
}

/// A Postfix configuration directory with `main.cf` = `lines`, backdated
/// (Postfix waits for a main.cf younger than a couple of seconds).
fn config(dir: &Path, lines: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let main_cf = dir.join("main.cf");
    // mail_owner and setgid_group: accounts every Debian system has (the
    // defaults, postfix and postdrop, may not exist on a build host).
    let base = "myhostname = host.example.com\nmail_owner = daemon\nsetgid_group = mail\n";
    std::fs::write(&main_cf, format!("{base}{lines}")).unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&main_cf)
        .unwrap()
        .set_modified(old)
        .unwrap();
}

const CIDR_TABLE: &str = "\
# IPv4 and IPv6, if/endif, a rule with host bits set, negation last
192.0.2.0/24            REJECT ipv4 net
1.2.3.4/24              REJECT host bits
[2001:db8::]/32         REJECT ipv6 net
if 203.0.113.0/24
203.0.113.128/25        REJECT upper half
endif
if ![2001:db8:1::]/48
[2001:db8::1]           DUNNO single
endif
!198.51.100.0/24        OK outside 198.51.100
";

const ADDRESSES: &[&str] = &[
    "192.0.2.1",
    "192.0.2.255",
    "198.51.100.7",
    "10.0.0.1",
    "1.2.3.4",
    "2001:db8::1",
    "2001:db8:1::1",
    "2001:db9::1",
    "203.0.113.1",
    "203.0.113.200",
    "::1",
];

#[test]
fn shared_postfix_answers_as_stock() {
    let shared = shared_tree();
    let stock = script_result("stock-postfix.sh", &["--version", VERSION]).join("stock");
    let lib = shared.join("lib");
    let env: &[(&str, &Path)] = &[("LD_LIBRARY_PATH", &lib)];
    let dir = std::env::temp_dir().join(format!("pfinet-shared-{}", std::process::id()));
    let mut compared = 0;
    let mut differences = Vec::new();
    let mut outputs = Vec::new();
    let mut compare = |what: String, prog: &str, args: &[&str], cwd: &Path| {
        let want = run_as(prog, &stock.join("bin").join(prog), args, Some(cwd));
        let got = run_as_env(prog, &shared.join("bin").join(prog), args, Some(cwd), env);
        compared += 1;
        if want != got {
            differences.push(format!("{what}:\n  stock:  {want:?}\n  shared: {got:?}"));
        }
        outputs.push((what, want));
    };

    for protocols in ["all", "ipv4", "ipv6"] {
        for style in ["host", "subnet", "class"] {
            let conf = dir.join(format!("{protocols}-{style}"));
            config(
                &conf,
                &format!("inet_protocols = {protocols}\nmynetworks_style = {style}\n"),
            );
            let c = conf.to_str().unwrap();
            compare(
                format!("postconf mynetworks {protocols} {style}"),
                "postconf",
                &["-c", c, "-h", "mynetworks"],
                &dir,
            );
        }
    }

    let conf = dir.join("cidr");
    config(&conf, "");
    std::fs::write(dir.join("table.cidr"), CIDR_TABLE).unwrap();
    let table = format!("cidr:{}", dir.join("table.cidr").display());
    for addr in ADDRESSES {
        compare(
            format!("postmap -q {addr} {table}"),
            "postmap",
            &["-c", conf.to_str().unwrap(), "-q", addr, &table],
            &dir,
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    // The comparisons compared answers, not two identical failures: what
    // the rules say, from first principles.
    let answer = |what: &str| {
        let found = outputs.iter().find(|(w, _)| w.starts_with(what));
        found.unwrap_or_else(|| panic!("no {what}")).1.clone()
    };
    for (what, want) in [
        ("postconf mynetworks ipv4 host", "127.0.0.1/32"),
        ("postconf mynetworks all subnet", "127.0.0.0/8 "),
        ("postconf mynetworks ipv6 subnet", "[::1]/128"),
        ("postmap -q 192.0.2.1 ", "REJECT ipv4 net\n"),
        ("postmap -q 10.0.0.1 ", "OK outside 198.51.100\n"),
        ("postmap -q 2001:db8::1 ", "REJECT ipv6 net\n"),
        ("postmap -q 203.0.113.200 ", "REJECT upper half\n"),
        (
            "postmap -q 1.2.3.4 ",
            "non-null host address bits in \"1.2.3.4/24\"",
        ),
    ] {
        let (text, code) = answer(what);
        assert!(text.contains(want) && code == 0, "{what}: {text:?} {code}");
    }
    for miss in ["postmap -q 2001:db9::1 ", "postmap -q 198.51.100.7 "] {
        let (text, code) = answer(miss);
        assert!(
            code == 1 && !text.contains("fatal"),
            "{miss}: {text:?} {code}"
        );
    }
    assert!(
        differences.is_empty(),
        "{} of {compared} differ:\n{}",
        differences.len(),
        differences.join("\n")
    );
    println!("shared build {VERSION} vs stock: {compared} comparisons, 0 differences");
}
