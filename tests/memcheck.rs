//! Memory checks: the C tests (c_tests/driver.c on Postfix's inputs and
//! ours, standalone and with the Postfix host binding, plus c_tests/api.c
//! and the own_inet_addr driver) run under gcc's AddressSanitizer +
//! UndefinedBehaviorSanitizer and under valgrind's memcheck. Every finding
//! is an error, definite leaks included; outputs must still equal stock
//! Postfix's. The C side is instrumented by the sanitizers; libpfinet.a
//! itself is checked by valgrind (and by the sanitizer runtime's malloc,
//! free and leak tracking, which see its allocations too).

mod common;

use common::driver_cases::{CHECKER_EXIT, Checker, compare_checked};
use common::*;

#[test]
fn driver_under_asan_ubsan() {
    compare_checked(
        default_variant(),
        Link::Static,
        &Checker::asan_ubsan("driver-default-asan"),
    );
}

#[test]
fn postfix_binding_driver_under_asan_ubsan() {
    compare_checked(
        postfix_variant(),
        Link::Static,
        &Checker::asan_ubsan("driver-postfix-asan"),
    );
}

#[test]
fn driver_under_valgrind() {
    compare_checked(
        default_variant(),
        Link::Static,
        &Checker::valgrind("driver-default-valgrind"),
    );
}

#[test]
fn postfix_binding_driver_under_valgrind() {
    compare_checked(
        postfix_variant(),
        Link::Static,
        &Checker::valgrind("driver-postfix-valgrind"),
    );
}

/// c_tests/api.c and c_tests/own_inet_addr.c (the pfinet_* API; the
/// own_inet_addr lists at msg_verbose 10) under both checkers.
#[test]
fn api_and_own_inet_addr_under_both_checkers() {
    for (checker, name) in [
        (Checker::asan_ubsan("api-asan"), "asan"),
        (Checker::valgrind("api-valgrind"), "valgrind"),
    ] {
        let api =
            pfinet_program_sanitized("api.c", default_variant(), Link::Static, checker.sanitizer);
        let (out, rc) = run_under(&checker.wrapper, &api, &[], b"", None);
        assert!(
            rc == 0 && out.ends_with(" passed, 0 failed\n"),
            "api.c under {name}: exit {rc}\n{out}\n{}",
            checker.reports()
        );
        let own = pfinet_program_sanitized(
            "own_inet_addr.c",
            default_variant(),
            Link::Static,
            checker.sanitizer,
        );
        let (want, want_rc) = run(
            &pfinet_program("own_inet_addr.c", default_variant(), Link::Static),
            &["all", "all"],
            b"",
            None,
        );
        let (got, got_rc) = run_under(&checker.wrapper, &own, &["all", "all"], b"", None);
        assert!(
            got_rc != CHECKER_EXIT && (want.as_str(), want_rc) == (got.as_str(), got_rc),
            "own_inet_addr under {name}: exit {got_rc}\n{got}\n{}",
            checker.reports()
        );
    }
}

/// The checkers fail a run for each kind of fault the tests above rely on
/// them to find (and pass a clean one).
#[test]
fn checkers_catch_leaks_overflows_and_undefined_behaviour() {
    for (checker, faults) in [
        (
            Checker::asan_ubsan("selftest-asan"),
            &["leak", "overflow", "undefined"][..],
        ),
        (
            Checker::valgrind("selftest-valgrind"),
            &["leak", "overflow"][..],
        ),
    ] {
        let exe = pfinet_program_sanitized(
            "checker_selftest.c",
            default_variant(),
            Link::Static,
            checker.sanitizer,
        );
        assert_eq!(
            run_under(&checker.wrapper, &exe, &["none"], b"", None).1,
            0,
            "{}",
            checker.reports()
        );
        for fault in faults {
            let (out, rc) = run_under(&checker.wrapper, &exe, &[fault], b"", None);
            assert_eq!(
                rc, CHECKER_EXIT,
                "{fault} under {:?}: {out}",
                checker.wrapper
            );
        }
    }
}
