//! pfinet's `#[repr(C)]` twins of Postfix's structs (CIDR_MATCH,
//! INET_ADDR_LIST, INET_PROTO_INFO) have Postfix's layout, proven with
//! Postfix's own headers: for every tree of every supported release,
//! c_tests/layout_check.c is compiled (gcc -Wall -Wextra -Werror, the
//! tree's own -I and -D flags from scripts/stock-postfix.sh) with the
//! pfinet_layout.h that pfinet::layout::c_header() gives for the cargo
//! features mirroring the tree's sys_defs.h (examples/layout.rs, built by a
//! nested cargo), and its `_Static_assert`s compare every size, alignment,
//! field offset, field size and constant.
//!
//! The releases are POSTFIX_VERSIONS of scripts/postfix-versions.sh. A
//! release whose tree is missing is built by scripts/stock-postfix.sh;
//! when that fails, the test fails: nothing is skipped. The check is not
//! vacuous: a perturbed offset must fail to compile, and every field
//! pfinet_layout.h names must be asserted in layout_check.c.

mod common;

use common::{postfix_versions, repo, script_result, words};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The trees scripts/stock-postfix.sh builds for each release, and the pfinet
/// features that mirror what sys_defs.h defines there (the IPv6 tree:
/// HAS_IPV6 and HAVE_GETIFADDRS; -DNO_IPV6: neither matters to a layout
/// but HAS_IPV6, which is off).
const TREES: &[(&str, &[&str])] = &[
    ("stock", &["has_ipv6", "have_getifaddrs"]),
    ("stock-noipv6", &["have_getifaddrs"]),
];

/// Differences the check finds today: (tree, the failed assertion's text),
/// each a pfinet bug kept visible until fixed. A tree with a listed
/// difference must fail with exactly these assertions, no other; when one
/// is fixed the test fails until its line here is deleted. None today (the
/// last one: without has_ipv6, pfinet stored libc's 128-byte
/// sockaddr_storage in INET_ADDR_LIST.addrs, where Postfix's -DNO_IPV6
/// build walks its own 16-byte one; fixed by pfinet_sockaddr_storage).
const KNOWN: &[(&str, &str)] = &[];

/// pfinet_layout.h for a feature set, in a directory of its own.
fn layout_header(features: &[&str]) -> PathBuf {
    let out = Command::new(env!("CARGO"))
        .current_dir(repo())
        .args([
            "run",
            "--quiet",
            "--example",
            "layout",
            "--no-default-features",
        ])
        .args(["--features", &features.join(",")])
        .arg("--target-dir")
        .arg(repo().join("target/variants"))
        .output()
        .expect("run cargo");
    assert!(
        out.status.success(),
        "cargo run --example layout --features {features:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = repo()
        .join("target/variants/layout")
        .join(features.join("+"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("pfinet_layout.h"), &out.stdout).unwrap();
    dir
}

/// gcc's verdict on layout_check.c with the header in `include` against
/// `tree`: Ok, or the compiler's messages.
fn compile(tree: &Path, include: &Path) -> Result<(), String> {
    let out = Command::new("gcc")
        .args(["-Wall", "-Wextra", "-Werror", "-fsyntax-only"])
        .arg(format!("-I{}", include.display()))
        .arg(format!("-I{}", tree.join("src/util").display()))
        .args(words(&tree.join("driver.cflags")))
        .arg(repo().join("c_tests/layout_check.c"))
        .output()
        .expect("run gcc");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Whether Postfix `version` (MAJOR.MINOR.PATCH) is MAJOR.MINOR or later.
fn release_at_least(version: &str, major: u32, minor: u32) -> bool {
    let mut n = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (n.next().unwrap_or(0), n.next().unwrap_or(0)) >= (major, minor)
}

/// Every (release, tree, features) to check; a tree that cannot be had
/// fails here.
fn trees() -> Vec<(String, PathBuf, Vec<&'static str>)> {
    let mut v = Vec::new();
    for version in postfix_versions() {
        let cache = script_result("stock-postfix.sh", &["--version", &version]);
        for (name, features) in TREES {
            let mut features = features.to_vec();
            // Postfix 3.11's own no-IPv6 sockaddr_storage starts with
            // ss_family (Cargo.toml: emulated_ss_family).
            if !features.contains(&"has_ipv6") && release_at_least(&version, 3, 11) {
                features.push("emulated_ss_family");
            }
            let tree = cache.join(name);
            assert!(
                tree.join("src/util/cidr_match.h").is_file()
                    && tree.join("driver.cflags").is_file(),
                "Postfix {version}: no complete stock tree at {} (scripts/stock-postfix.sh --version {version})",
                tree.display()
            );
            v.push((format!("{version}/{name}"), tree, features));
        }
    }
    v
}

#[test]
fn struct_layouts_equal_postfix_headers() {
    let mut checked = 0;
    for (label, tree, features) in trees() {
        let include = layout_header(&features);
        let name = tree.file_name().unwrap().to_str().unwrap();
        let known: Vec<&str> = KNOWN
            .iter()
            .filter(|(t, _)| *t == name)
            .map(|(_, m)| *m)
            .collect();
        match compile(&tree, &include) {
            Ok(()) if known.is_empty() => println!(
                "layout: Postfix {label}: CIDR_MATCH, INET_ADDR_LIST, INET_PROTO_INFO \
                 as pfinet's (features {features:?})"
            ),
            Ok(()) => {
                panic!("{label}: the known differences {known:?} are gone: delete them from KNOWN")
            }
            Err(e) => {
                let errors: Vec<&str> = e.lines().filter(|l| l.contains("error:")).collect();
                let expected = errors.len() == known.len()
                    && known
                        .iter()
                        .all(|k| errors.iter().filter(|l| l.contains(k)).count() == 1);
                assert!(
                    expected,
                    "{label} (pfinet features {features:?}): the layouts differ:\n{e}"
                );
                for k in &known {
                    println!("layout: Postfix {label}: KNOWN DIFFERENCE (a pfinet bug): {k}");
                }
                println!(
                    "layout: Postfix {label}: everything else as pfinet's (features {features:?})"
                );
            }
        }
        checked += 1;
    }
    assert_eq!(checked, postfix_versions().len() * TREES.len());
    for version in postfix_versions() {
        println!(
            "release-check: Postfix {version}: struct layouts: CIDR_MATCH, INET_ADDR_LIST, \
             INET_PROTO_INFO as the stock headers' ({} trees)",
            TREES.len()
        );
    }
}

/// The `#define` names of a pfinet_layout.h.
fn defines(header: &str) -> Vec<(String, String)> {
    header
        .lines()
        .filter_map(|l| l.strip_prefix("#define PFINET_"))
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            Some((f.next()?.to_string(), f.next()?.to_string()))
        })
        .collect()
}

#[test]
fn every_field_is_asserted() {
    let header = pfinet::layout::c_header();
    let check = std::fs::read_to_string(repo().join("c_tests/layout_check.c")).unwrap();
    let mut fields = 0;
    for (name, _) in defines(&header) {
        let asserted = if let Some(tf) = name.strip_prefix("OFFSETOF_") {
            let (t, f) = tf.split_once("__").expect("T__F");
            check.contains(&format!("SAME_FIELD({t}, {f});"))
        } else if let Some(tf) = name.strip_prefix("SIZEOF_").filter(|n| n.contains("__")) {
            let (t, f) = tf.split_once("__").unwrap();
            check.contains(&format!("SAME_FIELD({t}, {f});"))
        } else if let Some(t) = name
            .strip_prefix("SIZEOF_")
            .or(name.strip_prefix("ALIGNOF_"))
        {
            check.contains(&format!("SAME_TYPE({t});")) || check.contains(&format!("PFINET_{name}"))
        } else if let Some(c) = name.strip_prefix("VALUE_") {
            check.contains(&format!("SAME_VALUE({c});"))
        } else {
            check.contains(&format!("PFINET_{name}"))
        };
        assert!(
            asserted,
            "c_tests/layout_check.c does not check PFINET_{name}"
        );
        fields += usize::from(name.starts_with("OFFSETOF_"));
    }
    assert!(fields >= 17, "only {fields} fields in pfinet_layout.h");
}

/// The check can fail: one offset off by one, in a copy of the header, and
/// the compilation against the first tree fails on exactly that field.
#[test]
fn a_changed_offset_fails_to_compile() {
    let (label, tree, features) = trees().remove(0);
    let good = layout_header(&features);
    let text = std::fs::read_to_string(good.join("pfinet_layout.h")).unwrap();
    let name = "PFINET_OFFSETOF_CIDR_MATCH__next";
    let (_, value) = defines(&text)
        .into_iter()
        .find(|(n, _)| format!("PFINET_{n}") == name)
        .expect("CIDR_MATCH.next in pfinet_layout.h");
    let off: usize = value.parse().unwrap();
    let bad = good.join("perturbed");
    std::fs::create_dir_all(&bad).unwrap();
    let perturbed = text.replace(
        &format!("#define {name} {off}\n"),
        &format!("#define {name} {}\n", off + 1),
    );
    assert_ne!(perturbed, text);
    std::fs::write(bad.join("pfinet_layout.h"), perturbed).unwrap();
    compile(&tree, &good).unwrap_or_else(|e| panic!("{label}: {e}"));
    let err = compile(&tree, &bad).expect_err("a wrong offset of CIDR_MATCH.next compiled");
    assert!(
        err.contains("offsetof(CIDR_MATCH, next) differs from pfinet"),
        "{label}: {err}"
    );
    println!(
        "layout: {name} = {} instead of {off}: gcc refuses it",
        off + 1
    );
}
