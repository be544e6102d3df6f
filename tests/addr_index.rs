//! Compiled match lists and cidr tables (src/addr_index.rs) against stock
//! Postfix's in-order walk: c_tests/index_diff.c, linked with stock
//! Postfix (addr_match_list_*, dict_cidr) and loading libpfinet.so, builds
//! random lists (IPv4 and IPv6, negations, exact and bracketed forms,
//! malformed patterns, if/if !/endif blocks) and compares every lookup.
//! CI runs 400,000 lookups per supported Postfix release (the stock side
//! linked with each release's libraries); `scripts/index-diff.sh` runs
//! the long version. The namadr mode does the same for lists that also
//! match host names (namadr_list_init(), with and without
//! MATCH_FLAG_PARENT): 200,000 (name, address) lookups per release here.

mod common;

use common::*;

#[test]
fn compiled_lists_equal_stock_walk() {
    for version in postfix_versions() {
        let exe = stock_program_of("index_diff.c", &version);
        let so = default_variant().dir.join("libpfinet.so");
        let (out, code) = run(
            &exe,
            &[so.to_str().unwrap(), "1", "2000", "200", "1000"],
            b"",
            None,
        );
        eprint!("index diff (Postfix {version}): {out}");
        assert_eq!(code, 0, "{version}: {out}");
        assert!(out.contains("400000 lookups compared"), "{version}: {out}");
        assert!(out.ends_with(", 0 differences\n"), "{version}: {out}");
        println!(
            "release-check: Postfix {version}: index differential: 400000 match list lookups, \
             compiled equals stock's walk"
        );
    }
}

#[test]
fn compiled_namadr_lists_equal_stock_walk() {
    for version in postfix_versions() {
        let exe = stock_program_of("index_diff.c", &version);
        let so = default_variant().dir.join("libpfinet.so");
        let (out, code) = run(
            &exe,
            &[so.to_str().unwrap(), "2", "1000", "200", "1000", "namadr"],
            b"",
            None,
        );
        eprint!("index diff (Postfix {version}): {out}");
        assert_eq!(code, 0, "{version}: {out}");
        assert!(
            out.contains("namadr: 1000 lists, 200000 lookups compared"),
            "{version}: {out}"
        );
        assert!(out.ends_with(", 0 differences\n"), "{version}: {out}");
        println!(
            "release-check: Postfix {version}: index differential (namadr): 200000 lookups, \
             compiled equals stock's walk"
        );
    }
}
