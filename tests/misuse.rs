//! Impossible arguments (c_tests/misuse.c), stock Postfix as the oracle:
//!
//! - out-of-range values: where Postfix has a msg_panic (mask_addr with
//!   more bits than bytes, inet_addr_local with an unknown address family,
//!   inet_addr_list_uniq on addresses of an unknown family), pfinet prints
//!   the same "misuse: panic: ..." text and aborts; where Postfix just
//!   returns, pfinet returns the same;
//! - null pointers: where stock Postfix dies of a segmentation fault,
//!   pfinet reports Postfix-style "misuse: panic: FUNCTION: null ARGUMENT
//!   argument" and aborts (src/ffi.rs null_arg), and where stock survives
//!   a null (it never dereferences it), so does pfinet.
//!
//! Each case runs in the stock program, the pfinet one (standalone) and
//! the pfinet one with the Postfix host binding (Postfix's msg_panic).

mod common;

use common::*;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[derive(Debug, PartialEq, Eq, Clone)]
struct Outcome {
    stdout: String,
    stderr: String,
    exit: Option<i32>,
    signal: Option<i32>,
}

fn run_case(exe: &Path, case: &str) -> Outcome {
    let o = Command::new(exe)
        .arg(case)
        .stdin(Stdio::null())
        .output()
        .expect("spawn");
    Outcome {
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        exit: o.status.code(),
        signal: o.status.signal(),
    }
}

/// pfinet's documented answer to a null pointer: Postfix's panic form.
fn is_null_arg_panic(o: &Outcome) -> bool {
    let text = o.stderr.strip_prefix("misuse: panic: ").unwrap_or("");
    o.signal == Some(libc::SIGABRT)
        && o.stdout.is_empty()
        && text.lines().count() == 1
        && text.contains(": null ")
        && text.ends_with(" argument\n")
}

#[test]
fn impossible_arguments_behave_as_stock_postfix() {
    let stock = stock_program("misuse.c", true);
    let ours: Vec<PathBuf> = [default_variant(), postfix_variant()]
        .into_iter()
        .map(|v| pfinet_program("misuse.c", v, Link::Static))
        .collect();
    let list = run_case(&stock, "list").stdout;
    let cases: Vec<&str> = list.lines().collect();
    assert!(cases.len() >= 30, "{list}");
    // Postfix's msg_panic sleeps a second before abort(): run in parallel.
    let results: Vec<(String, Outcome, Vec<Outcome>)> = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .iter()
            .map(|case| {
                let (stock, ours) = (&stock, &ours);
                s.spawn(move || {
                    let want = run_case(stock, case);
                    let got = ours.iter().map(|exe| run_case(exe, case)).collect();
                    (case.to_string(), want, got)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut failures = Vec::new();
    let (mut same, mut null_checked, mut panics) = (0, 0, 0);
    for (case, want, got) in &results {
        let crashed = want.signal == Some(libc::SIGSEGV);
        for (g, build) in got.iter().zip(["standalone", "postfix binding"]) {
            let ok = if crashed {
                is_null_arg_panic(g)
            } else {
                g == want
            };
            if !ok {
                failures.push(format!(
                    "{case} ({build}):\n  stock:  {want:?}\n  pfinet: {g:?}"
                ));
            }
        }
        if crashed {
            null_checked += 1;
        } else {
            same += 1;
            panics += usize::from(want.signal == Some(libc::SIGABRT));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The cases are what the test claims: some of each kind.
    assert!(
        panics >= 4 && null_checked >= 15,
        "{panics} panics, {null_checked} crashes"
    );
    println!(
        "misuse: {same} cases as stock ({panics} of them Postfix's msg_panic), \
         {null_checked} null pointers where stock crashes: pfinet's null-argument panic"
    );
}
