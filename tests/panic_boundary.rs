//! The panic boundary (src/ffi.rs), export by export: with pfinet built
//! with the test-only feature test_panic_hook, PFINET_TEST_PANIC=NAME makes
//! the exported function NAME panic inside its boundary. c_tests/
//! panic_boundary.c calls NAME with valid arguments in a child process:
//!
//! - a Postfix-named function ends as Postfix ends on an internal error:
//!   msg_panic's "prog: panic: NAME: internal error: ..." and abort()
//!   (SIGABRT), never an unwind into C and never Rust's "panic in a function
//!   that cannot unwind";
//! - a pfinet_* function returns its documented error value and the
//!   process goes on.
//!
//! The list of exports comes from libpfinet.a itself (nm), so a new export
//! without a case here fails.

mod common;

use common::*;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

/// Exported functions without a panic boundary, and why.
const NO_BOUNDARY: &[&str] = &[
    // Returns a pointer to a static string; no code that can panic.
    "pfinet_version",
];

/// What a pfinet_* export returns after a panic (its documentation).
const API_ON_PANIC: &[(&str, &str)] = &[
    ("pfinet_inet_protocols", "5"), // PFINET_ERR_INTERNAL
    ("pfinet_valid_hostaddr", "5"),
    ("pfinet_valid_mailhost_literal", "5"),
    ("pfinet_cidr_parse", "5"),
    ("pfinet_cidr_match", "5"),
    ("pfinet_match_hostaddr", "5"),
    ("pfinet_mynetworks", "5"),
    ("pfinet_set_param", "-1"),
    ("pfinet_vstring_str", "null"),
    ("pfinet_match_list_new", "5"),
    ("pfinet_match_list_lookup", "5"),
    ("pfinet_match_list_lookup_binary", "5"),
    ("pfinet_namadr_list_new", "5"),
    ("pfinet_namadr_list_lookup", "5"),
    ("pfinet_cidr_table_new", "5"),
    ("pfinet_cidr_table_lookup", "5"),
    ("pfinet_cidr_table_lookup_binary", "5"),
    // void functions: they return, nothing else happens.
    ("pfinet_cidr_free", "0"),
    ("pfinet_match_list_free", "0"),
    ("pfinet_namadr_list_free", "0"),
    ("pfinet_cidr_table_free", "0"),
    ("pfinet_vstring_free", "0"),
    ("pfinet_msg_tag", "0"),
    ("pfinet_set_msg_verbose", "0"),
];

/// The unmangled functions defined by pfinet's own objects in libpfinet.a.
fn exports(v: &Variant) -> Vec<String> {
    let out = Command::new("nm")
        .args(["-A", "-g", "--defined-only"])
        .arg(v.dir.join("libpfinet.a"))
        .stderr(Stdio::null())
        .output()
        .expect("nm");
    let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            // ARCHIVE:MEMBER:ADDRESS TYPE NAME
            let f: Vec<&str> = l.split_whitespace().collect();
            let own = f.first()?.contains(":pfinet.");
            let unmangled = f.len() == 3 && !f[2].starts_with("_ZN") && !f[2].starts_with("_R");
            (own && unmangled && f[1] == "T").then(|| f[2].to_string())
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

struct Outcome {
    stdout: String,
    stderr: String,
    status: std::process::ExitStatus,
}

fn call(exe: &std::path::Path, name: &str, armed: bool) -> Outcome {
    let mut cmd = Command::new(exe);
    cmd.arg(name)
        .stdin(Stdio::null())
        .env_remove("PFINET_TEST_PANIC");
    if armed {
        cmd.env("PFINET_TEST_PANIC", name);
    }
    let o = cmd.output().expect("spawn");
    Outcome {
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        status: o.status,
    }
}

#[test]
fn no_panic_unwinds_into_c() {
    let v = variant(
        "panichook",
        &["has_ipv6", "have_getifaddrs", "test_panic_hook"],
    );
    let exe = pfinet_program("panic_boundary.c", v, Link::Static);
    let names = exports(v);
    assert!(names.len() > 30, "too few exports found: {names:?}");
    // The same functions as symbols.txt lists (all of them: this build is
    // standalone), less its one global.
    let mut listed = common::symbols::names(
        &common::symbols::read(repo()),
        &[
            common::symbols::Group::Replaced,
            common::symbols::Group::Added,
            common::symbols::Group::Api,
            common::symbols::Group::Standalone,
        ],
    );
    listed.retain(|n| n != "inet_proto_table");
    listed.sort();
    assert_eq!(names, listed, "libpfinet.a's functions vs symbols.txt");
    let mut failures = Vec::new();
    let (mut aborted, mut returned) = (0, 0);
    for name in names.iter().filter(|n| !NO_BOUNDARY.contains(&n.as_str())) {
        // Unarmed, the call returns normally: the hook is what panics.
        let calm = call(&exe, name, false);
        if !calm.status.success() || !calm.stdout.starts_with(&format!("{name} returned ")) {
            failures.push(format!(
                "{name} unarmed: {:?} {}{}",
                calm.status, calm.stdout, calm.stderr
            ));
            continue;
        }
        let got = call(&exe, name, true);
        if got.stderr.contains("cannot unwind") {
            failures.push(format!("{name}: a panic reached the C ABI: {}", got.stderr));
        }
        match API_ON_PANIC.iter().find(|(n, _)| n == name) {
            Some((_, value)) => {
                let want = format!("{name} returned {value}\n");
                if !got.status.success() || got.stdout != want {
                    failures.push(format!(
                        "{name}: want exit 0 and {want:?}, got {:?} {:?} {}",
                        got.status, got.stdout, got.stderr
                    ));
                }
                returned += 1;
            }
            None => {
                let want = format!(
                    "panic_boundary: panic: {name}: internal error: panic injected by test_panic_hook"
                );
                let last = got.stderr.lines().last().unwrap_or("");
                if got.status.signal() != Some(libc::SIGABRT)
                    || last != want
                    || !got.stdout.is_empty()
                {
                    failures.push(format!(
                        "{name}: want SIGABRT after {want:?}, got {:?}, stdout {:?}, stderr {:?}",
                        got.status, got.stdout, got.stderr
                    ));
                }
                aborted += 1;
            }
        }
    }
    for (name, _) in API_ON_PANIC {
        assert!(names.iter().any(|n| n == name), "{name} is not exported");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!(
        "panic boundary: {aborted} Postfix-named exports abort with msg_panic's text, \
         {returned} pfinet_* exports return their error value"
    );
}
