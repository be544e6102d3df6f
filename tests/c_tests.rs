//! C tests: c_tests/driver.c built against include/pfinet.h and linked
//! with libpfinet.a and with libpfinet.so (and a no-IPv6 build, and the
//! Postfix host binding), fed Postfix's own test inputs and ours. The
//! expected output is the same driver built against stock Postfix from
//! Debian's source package, run on the same input: never pfinet's own.

mod common;

use common::driver_cases::{compare, read};
use common::*;

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
    let functions = replaced_symbols()
        .into_iter()
        .filter(|s| s != "inet_proto_table");
    for f in functions
        .chain(["match_hostaddr_literal", "pfinet_inet_addr_local_method"].map(String::from))
    {
        assert_eq!(kind(&f).as_deref(), Some("T"), "{f}");
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
