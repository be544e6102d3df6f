//! Thread safety (README.md, "Threads"): c_tests/threads.c calls every
//! function the README lists as thread-safe from 8 threads at once, 200
//! rounds each, and compares each result with the one the main thread got
//! alone first. Run plain and built with gcc's ThreadSanitizer (which sees
//! the C side and pfinet's calls into the C library; pfinet's Rust code
//! itself is not instrumented).

mod common;

use common::*;

fn stress(san: Sanitizer, threads: &str, rounds: &str) {
    let exe = pfinet_program_sanitized("threads.c", default_variant(), Link::Static, san);
    let (out, rc) = run(&exe, &[threads, rounds], b"", None);
    assert!(
        rc == 0 && out.contains(": all equal\n") && !out.contains("WARNING"),
        "{san:?}: exit {rc}\n{out}"
    );
    println!("{san:?}: {}", out.trim());
}

#[test]
fn thread_safe_functions_under_stress() {
    stress(Sanitizer::None, "8", "200");
}

#[test]
fn thread_safe_functions_under_thread_sanitizer() {
    stress(Sanitizer::Thread, "4", "20");
}

/// The ThreadSanitizer build reports a plain data race (and exits 66).
#[test]
fn thread_sanitizer_catches_a_race() {
    let exe = pfinet_program_sanitized(
        "checker_selftest.c",
        default_variant(),
        Link::Static,
        Sanitizer::Thread,
    );
    assert_eq!(run(&exe, &["none"], b"", None).1, 0);
    let (out, rc) = run(&exe, &["race"], b"", None);
    assert!(rc == 66 && out.contains("data race"), "exit {rc}: {out}");
}
