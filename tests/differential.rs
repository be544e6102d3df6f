//! Differential test: generated cases (scripts/gen_cases.py, fixed seeds)
//! through c_tests/driver.c built against stock Postfix and against pfinet;
//! zero differences in decisions, parsed fields and message texts.

mod common;

use common::*;

fn generate(seed: u32, count: u32, ipv6: bool) -> Vec<u8> {
    let mut cmd = std::process::Command::new("python3");
    cmd.arg(repo().join("scripts/gen_cases.py")).args([
        "--seed",
        &seed.to_string(),
        "--count",
        &count.to_string(),
    ]);
    if !ipv6 {
        cmd.arg("--no-ipv6");
    }
    let out = cmd.output().expect("python3 scripts/gen_cases.py");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn differential(v: &Variant, seed: u32, count: u32) {
    let cases = generate(seed, count, v.ipv6);
    let ncases = cases
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    assert!(ncases >= count as usize, "generator made {ncases} cases");
    let stock = stock_program("driver.c", v.ipv6);
    let ours = pfinet_program("driver.c", v, Link::Static);
    let (want, want_rc) = run(&stock, &["batch"], &cases, None);
    let (got, got_rc) = run(&ours, &["batch"], &cases, None);
    let lines = want.lines().count();
    let differing = want
        .lines()
        .zip(got.lines())
        .filter(|(a, b)| a != b)
        .count()
        + want.lines().count().abs_diff(got.lines().count());
    eprintln!(
        "differential [{}]: {ncases} cases, {lines} output lines, {differing} differences",
        v.name
    );
    assert_eq!(want_rc, 0, "stock driver failed");
    assert_eq!(got_rc, want_rc);
    assert!(differing == 0, "{}", first_differences(&want, &got, 10));
}

#[test]
fn hundred_thousand_cases_ipv6_build() {
    differential(default_variant(), 1, 100_000);
}

#[test]
fn cases_no_ipv6_build() {
    differential(noipv6_variant(), 2, 50_000);
}
