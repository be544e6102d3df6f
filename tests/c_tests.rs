//! C tests: c_tests/driver.c built against include/pfinet.h and linked
//! with libpfinet.a and with libpfinet.so (and a no-IPv6 build, and the
//! Postfix host binding), fed Postfix's own test inputs and ours. The
//! expected output is the same driver built against stock Postfix from
//! Debian's source package, run on the same input: never pfinet's own.

mod common;

use common::*;
use std::path::{Path, PathBuf};

/// One driver run: arguments, standard input, working directory.
struct Case {
    name: String,
    args: Vec<String>,
    stdin: Vec<u8>,
    cwd: Option<PathBuf>,
}

fn case(name: &str, args: &[&str], stdin: Vec<u8>, cwd: Option<&Path>) -> Case {
    Case {
        name: name.to_string(),
        args: args.iter().map(|s| s.to_string()).collect(),
        stdin,
        cwd: cwd.map(Path::to_path_buf),
    }
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// namadr_list.in's address cases as batch `H` lines: each line runs
/// `./namadr_list PATTERNS HOSTNAME ADDR`; every pattern of the list that
/// is not a file name or a dictionary becomes `H ADDR<tab>PATTERN`, as
/// match_list hands it to match_hostaddr() (leading `!` stripped).
fn namadr_cases(src: &Path) -> Vec<u8> {
    let text = String::from_utf8(read(&src.join("global/namadr_list.in"))).unwrap();
    let mut out = String::new();
    for line in text.lines().filter(|l| l.starts_with("./namadr_list ")) {
        let rest = &line["./namadr_list ".len()..];
        let (patterns, tail) = if let Some(q) = rest.strip_prefix('\'') {
            let end = q.find('\'').unwrap();
            (&q[..end], &q[end + 1..])
        } else {
            rest.split_at(rest.find(' ').unwrap())
        };
        let Some(addr) = tail.split_whitespace().nth(1) else {
            continue;
        };
        for p in patterns.split([' ', ',']).filter(|p| !p.is_empty()) {
            let p = p.trim_start_matches('!');
            if !p.starts_with('/') {
                out += &format!("H {addr}\t{p}\n");
            }
        }
    }
    out.into_bytes()
}

fn cases(stock: &Path, ipv6: bool) -> Vec<Case> {
    let util = stock.join("src/util");
    let inputs = repo().join("c_tests/inputs");
    let mut v = vec![
        case(
            "dict_cidr",
            &["cidr", "dict_cidr.map"],
            read(&util.join("dict_cidr.in")),
            Some(&util),
        ),
        case(
            "miss_endif_cidr",
            &["cidr", "miss_endif_cidr.map"],
            b"get 1.2.3.5\n".to_vec(),
            Some(&util),
        ),
        case(
            "valid_hostname",
            &["valid"],
            read(&util.join("valid_hostname.in")),
            None,
        ),
        case(
            "namadr_list",
            &["batch"],
            namadr_cases(&stock.join("src")),
            None,
        ),
        case(
            "inet_addr_list",
            &["batch"],
            {
                let words = String::from_utf8(read(&util.join("inet_addr_list.in"))).unwrap();
                format!(
                    "L {}\n",
                    words.split_whitespace().collect::<Vec<_>>().join(" ")
                )
                .into_bytes()
            },
            None,
        ),
        case(
            "batch-edge",
            &["batch"],
            read(&inputs.join("batch-edge.txt")),
            None,
        ),
        case(
            "cidr-edge",
            &["cidr", "cidr-edge.map"],
            read(&inputs.join("cidr-edge.in")),
            Some(&inputs),
        ),
        case(
            "cidr-eof",
            &["cidr", "cidr-eof.map"],
            read(&inputs.join("cidr-eof.in")),
            Some(&inputs),
        ),
        case(
            "cidr-indent",
            &["cidr", "cidr-indent.map"],
            read(&inputs.join("cidr-indent.in")),
            Some(&inputs),
        ),
        case(
            "mailhost",
            &["mailhost"],
            read(&inputs.join("mailhost.in")),
            None,
        ),
        case("valid", &["valid"], read(&inputs.join("valid.in")), None),
        case(
            "verbose-proto",
            &["-v", "proto", "ipv4", "all"],
            Vec::new(),
            None,
        ),
        case("unknown-proto", &["proto", "ipv4, bogus"], Vec::new(), None),
        case("unknown-proto-case", &["proto", "IPv4"], Vec::new(), None),
    ];
    if ipv6 {
        let args = String::from_utf8(read(&inputs.join("proto.args"))).unwrap();
        let mut a = vec!["proto"];
        a.extend(args.lines());
        v.push(case("proto", &a, Vec::new(), None));
        v.push(case(
            "batch-proto-ipv6",
            &["batch"],
            read(&inputs.join("batch-proto-ipv6.txt")),
            None,
        ));
    } else {
        v.push(case(
            "proto-ipv6-unknown",
            &["proto", "ipv6"],
            Vec::new(),
            None,
        ));
    }
    v
}

/// Run every case through the stock driver and the pfinet one; all equal.
fn compare(v: &Variant, link: Link) {
    let stock = stock_program("driver.c", v.ipv6);
    let ours = pfinet_program("driver.c", v, link);
    let mut failures = String::new();
    for c in cases(&stock_tree(v.ipv6), v.ipv6) {
        let args: Vec<&str> = c.args.iter().map(String::as_str).collect();
        let (want, want_rc) = run(&stock, &args, &c.stdin, c.cwd.as_deref());
        let (got, got_rc) = run(&ours, &args, &c.stdin, c.cwd.as_deref());
        assert!(
            want.lines().count() > 0,
            "{}: stock printed nothing",
            c.name
        );
        if want != got || want_rc != got_rc {
            failures += &format!(
                "{} (exit {want_rc} vs {got_rc}):\n{}",
                c.name,
                first_differences(&want, &got, 5)
            );
        }
    }
    assert!(
        failures.is_empty(),
        "variant {} {link:?}:\n{failures}",
        v.name
    );
}

#[test]
fn static_library_equals_stock_postfix() {
    compare(default_variant(), Link::Static);
}

#[test]
fn shared_library_equals_stock_postfix() {
    compare(default_variant(), Link::Shared);
}

#[test]
fn no_ipv6_build_equals_stock_postfix_without_ipv6() {
    compare(noipv6_variant(), Link::Static);
}

#[test]
fn postfix_binding_equals_stock_postfix() {
    compare(postfix_variant(), Link::Static);
}

/// The stock driver reproduces Postfix's own reference outputs, so the
/// comparisons above stand on Postfix's tests (dict_cidr.ref etc.).
#[test]
fn stock_driver_reproduces_postfix_reference_files() {
    let tree = stock_tree(true);
    let util = tree.join("src/util");
    let stock = stock_program("driver.c", true);
    for (map, input, reference) in [
        (
            "dict_cidr.map",
            read(&util.join("dict_cidr.in")),
            "dict_cidr.ref",
        ),
        (
            "miss_endif_cidr.map",
            b"get 1.2.3.5\n".to_vec(),
            "miss_endif_cidr.ref",
        ),
    ] {
        let (got, _) = run(&stock, &["cidr", map], &input, Some(&util));
        let want: String = String::from_utf8(read(&util.join(reference)))
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with("owner="))
            .map(|l| l.replace("./dict_open", "driver") + "\n")
            .collect();
        assert_eq!(got, want, "{reference}");
    }
    let (got, _) = run(
        &stock,
        &["valid"],
        &read(&util.join("valid_hostname.in")),
        None,
    );
    let want: String = String::from_utf8(read(&util.join("valid_hostname.ref")))
        .unwrap()
        .lines()
        .filter(|l| !l.contains("warning: valid_hostname:"))
        .map(|l| l.replace("./valid_hostname", "driver") + "\n")
        .collect();
    assert_eq!(got, want, "valid_hostname.ref");
}

/// The link line the README gives is the one cargo reports.
#[test]
fn native_static_libs_are_what_cargo_reports() {
    let out = std::process::Command::new(env!("CARGO"))
        .current_dir(repo())
        .args([
            "rustc",
            "--lib",
            "--quiet",
            "--crate-type",
            "staticlib",
            "--target-dir",
        ])
        .arg(repo().join("target/variants/nsl"))
        .args(["--", "--print", "native-static-libs"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    let line = text
        .lines()
        .find(|l| l.contains("native-static-libs:"))
        .expect("native-static-libs line");
    let libs: Vec<String> = line
        .split("native-static-libs:")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .map(String::from)
        .collect();
    assert_eq!(libs, native_static_libs());
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    assert!(
        readme.contains(&libs.join(" ")),
        "README.md must give the link line: {}",
        libs.join(" ")
    );
}

/// The pfinet_* API from C, static and shared: errors are values.
#[test]
fn pfinet_api_from_c() {
    for link in [Link::Static, Link::Shared] {
        let exe = pfinet_program("api.c", default_variant(), link);
        let (out, rc) = run(&exe, &[], b"", None);
        assert_eq!(rc, 0, "{out}");
        assert!(out.ends_with(" passed, 0 failed\n"), "{out}");
    }
}

/// Done-when of the foundation: the Postfix symbols are defined in
/// libpfinet.a (functions as text, inet_proto_table as data).
#[test]
fn static_library_defines_postfix_symbols() {
    let v = default_variant();
    let out = std::process::Command::new("nm")
        .args(["-g", "--defined-only"])
        .arg(v.dir.join("libpfinet.a"))
        .output()
        .expect("nm");
    let text = String::from_utf8_lossy(&out.stdout);
    let kind = |name: &str| {
        text.lines()
            .filter_map(|l| {
                l.split_whitespace()
                    .collect::<Vec<_>>()
                    .get(1..3)
                    .map(|v| (v[0].to_string(), v[1].to_string()))
            })
            .find(|(_, n)| n == name)
            .map(|(k, _)| k)
    };
    let functions = REPLACED_SYMBOLS
        .iter()
        .filter(|s| **s != "inet_proto_table");
    for f in functions.chain(["match_hostaddr_literal", "pfinet_inet_addr_local_method"].iter()) {
        assert_eq!(kind(f).as_deref(), Some("T"), "{f}");
    }
    assert!(
        matches!(kind("inet_proto_table").as_deref(), Some("B" | "D")),
        "inet_proto_table"
    );
}

/// own_inet_addr_list() (inet_interfaces) at msg_verbose 10, where every
/// list append is logged: c_tests/own_inet_addr.c against Postfix's own
/// driver (global/own_inet_addr.c -DTEST; its var_inet_interfaces is
/// renamed, since in 3.7.11 it clashes with mail_params.o's). On this
/// host's own interfaces; the namespace tests cover other topologies.
#[test]
fn own_inet_addr_driver_equals_stock() {
    let stock = stock_postfix_driver(
        "global/own_inet_addr.c",
        "own_inet_addr",
        &["-Dvar_inet_interfaces=drv_var_inet_interfaces"],
        true,
    );
    let ours = pfinet_program("own_inet_addr.c", default_variant(), Link::Static);
    let cases: &[&[&str]] = &[
        &["all", "all"],
        &["ipv4", "all"],
        &["ipv6", "all"],
        &["all", "loopback-only"],
        &["all", "127.0.0.1, [::1] localhost"],
        &["all", "127.0.0.1,127.0.0.1,[::1]"],
        &["ipv4", "[::1]"],
        &["all", "203.0.113.9"],
        &["all", "nosuch.invalid"],
        &["", "all"],
    ];
    for args in cases {
        let want = run_as("own_inet_addr", &stock, args, None);
        let got = run_as("own_inet_addr", &ours, args, None);
        assert!(!want.0.is_empty(), "{args:?}: stock printed nothing");
        assert_eq!(want, got, "{args:?}");
    }
}
