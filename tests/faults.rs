//! Fault injection (root), stock Postfix as the oracle: the same programs
//! built against stock Postfix and against pfinet run under the same
//! fault, and must print the same (stdout and stderr, in order) and exit
//! the same way, within a timeout (nothing hangs):
//!
//! - no IPv6 in the kernel (socket(AF_INET6) fails with EAFNOSUPPORT),
//!   getifaddrs() failing (ENOMEM, EACCES), the loopback interface's
//!   addresses with a null netmask: the LD_PRELOAD shim c_tests/
//!   fault_shim.c;
//! - /proc/net/if_inet6 absent, unreadable (a directory), empty, or holding
//!   garbage, for the /proc/net/if_inet6 lookup method: a mount namespace
//!   (unshare -m) with a tmpfs over the program's /proc/PID/net;
//! - 50,000 addresses (25,000 IPv4 + 25,000 IPv6) from getifaddrs() (the
//!   shim again), timed.
//!
//! pfinet's getifaddrs method reads the kernel's netlink tables itself on
//! Linux (src/netlink.rs, equal to glibc's getifaddrs() in every namespace
//! topology of tests/netns.rs): the shim fails its netlink socket where it
//! fails getifaddrs(), and for what only a getifaddrs() result can hold
//! (null netmasks, made-up addresses) pfinet runs with the method
//! "getifaddrs-libc";
//! - a network namespace with no interface up.
//!
//! The programs: Postfix's own inet_addr_local and own_inet_addr test
//! drivers against c_tests/inet_addr_local.c and own_inet_addr.c, and
//! c_tests/driver.c's `proto`. Each fault must show in stock's output (its
//! evidence), so that no comparison passes because the fault did nothing.

mod common;

use common::ial::{Method, build_stock};
use common::netns::{Netns, require_root};
use common::*;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// Seconds before a run counts as hung (timeout(1) exits 124).
const TIMEOUT: &str = "60";

/// Runs: a program pair and the arguments both sides get.
type Runs<'a> = [(&'a Pair, &'a [&'a str])];

/// A program built twice, run with the same argv[0] and arguments.
struct Pair {
    argv0: &'static str,
    stock: PathBuf,
    pfinet: PathBuf,
    /// Arguments the pfinet program takes before the common ones.
    pfinet_prefix: Vec<&'static str>,
}

struct Programs {
    ial: Pair,
    ial_procnet: Pair,
    /// pfinet with getifaddrs() from the C library (what the shim changes).
    ial_libc: Pair,
    own: Pair,
    proto: Pair,
    shim: PathBuf,
}

/// Built once per test process (the tests run in parallel).
fn programs() -> &'static Programs {
    static P: std::sync::OnceLock<Programs> = std::sync::OnceLock::new();
    P.get_or_init(build_programs)
}

fn build_programs() -> Programs {
    let v = default_variant();
    Programs {
        ial: Pair {
            argv0: "inet_addr_local",
            stock: build_stock(Method::Getifaddrs),
            pfinet: pfinet_program("inet_addr_local.c", v, Link::Static),
            pfinet_prefix: vec![],
        },
        ial_procnet: Pair {
            argv0: "inet_addr_local",
            stock: build_stock(Method::Procnet),
            pfinet: pfinet_program("inet_addr_local.c", v, Link::Static),
            pfinet_prefix: vec!["-m", "procnet"],
        },
        ial_libc: Pair {
            argv0: "inet_addr_local",
            stock: build_stock(Method::Getifaddrs),
            pfinet: pfinet_program("inet_addr_local.c", v, Link::Static),
            pfinet_prefix: vec!["-m", "getifaddrs-libc"],
        },
        own: Pair {
            argv0: "own_inet_addr",
            stock: stock_postfix_driver(
                "global/own_inet_addr.c",
                "own_inet_addr",
                &["-Dvar_inet_interfaces=drv_var_inet_interfaces"],
                true,
            ),
            pfinet: pfinet_program("own_inet_addr.c", v, Link::Static),
            pfinet_prefix: vec![],
        },
        proto: Pair {
            argv0: "driver",
            stock: stock_program("driver.c", true),
            pfinet: pfinet_program("driver.c", v, Link::Static),
            pfinet_prefix: vec![],
        },
        shim: c_shim("fault_shim.c"),
    }
}

/// Where and how a run happens.
#[derive(Default, Clone, Copy)]
struct Env<'a> {
    /// PFINET_FAULT for the LD_PRELOAD shim.
    fault: Option<&'a str>,
    /// Shell commands run in a fresh mount namespace before the program
    /// (`$$` is the program's pid).
    setup: Option<&'a str>,
    netns: Option<&'a Netns>,
}

/// Output (stdout and stderr merged) and exit code of `prog args`.
fn run(p: &Programs, env: Env, argv0: &str, prog: &Path, args: &[&str]) -> (String, i32) {
    let mut argv: Vec<OsString> = vec![TIMEOUT.into()];
    if env.setup.is_some() {
        argv.extend(["unshare".into(), "-m".into()]);
    }
    let script = match env.setup {
        Some(s) => format!("{s} && exec -a \"$0\" \"$@\" 2>&1"),
        None => "exec -a \"$0\" \"$@\" 2>&1".into(),
    };
    argv.extend(["bash".into(), "-c".into(), script.into(), argv0.into()]);
    argv.push(prog.into());
    argv.extend(args.iter().map(OsString::from));
    let mut cmd = match env.netns {
        Some(ns) => ns.command(Path::new("timeout")),
        None => Command::new("timeout"),
    };
    cmd.args(&argv).stdin(Stdio::null()).stderr(Stdio::null());
    if let Some(f) = env.fault {
        cmd.env("LD_PRELOAD", &p.shim).env("PFINET_FAULT", f);
    }
    let out = cmd.output().expect("spawn timeout");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

/// One fault: runs each (pair, arguments) on both sides; returns the
/// failures (a difference, a hang, or no `evidence` of the fault in any
/// stock output) and the run times.
fn check(
    p: &Programs,
    name: &str,
    env: Env,
    runs: &Runs,
    evidence: &str,
) -> (Vec<String>, Vec<String>) {
    let mut failures = Vec::new();
    let mut times = Vec::new();
    let mut seen = false;
    for (pair, args) in runs {
        let t = Instant::now();
        let (want, want_rc) = run(p, env, pair.argv0, &pair.stock, args);
        let stock_time = t.elapsed();
        let pargs: Vec<&str> = pair
            .pfinet_prefix
            .iter()
            .chain(args.iter())
            .copied()
            .collect();
        let t = Instant::now();
        let (got, got_rc) = run(p, env, pair.argv0, &pair.pfinet, &pargs);
        times.push(format!(
            "{} {}: stock {:.2}s, pfinet {:.2}s",
            pair.argv0,
            args.join(" "),
            stock_time.as_secs_f64(),
            t.elapsed().as_secs_f64()
        ));
        seen |= want.contains(evidence);
        if want_rc == 124 || got_rc == 124 {
            failures.push(format!("{name}: {} {args:?} hung", pair.argv0));
        } else if (want.as_str(), want_rc) != (got.as_str(), got_rc) {
            failures.push(format!(
                "{name}: {} {args:?}: exit {want_rc} (stock) vs {got_rc} (pfinet)\n{}",
                pair.argv0,
                first_differences(&want, &got, 6)
            ));
        }
    }
    if !seen {
        failures.push(format!(
            "{name}: stock never printed {evidence:?}: the fault had no effect"
        ));
    }
    (failures, times)
}

#[test]
fn shim_faults_as_stock() {
    require_root("faults");
    let p = programs();
    let all: &[&str] = &["all"];
    let ipv4: &[&str] = &["ipv4"];
    let own: &[&str] = &["all", "all"];
    let proto: &[&str] = &["proto", "all"];
    let cases: &[(&str, &Runs, &str)] = &[
        (
            "noipv6",
            &[(&p.proto, proto), (&p.ial, all), (&p.own, own)],
            "disabling IPv6 name/address support: Address family not supported",
        ),
        (
            "getifaddrs=ENOMEM",
            &[(&p.ial, all), (&p.ial, ipv4), (&p.own, own)],
            "getifaddrs: Cannot allocate memory",
        ),
        (
            "getifaddrs=EACCES",
            &[(&p.ial, all), (&p.own, own)],
            "getifaddrs: Permission denied",
        ),
        // Null netmasks exist only in getifaddrs() results (the kernel's
        // tables always have a prefix length): pfinet's getifaddrs method
        // reads them from the C library here ("getifaddrs-libc").
        (
            "null-netmask",
            &[(&p.ial_libc, all), (&p.ial_libc, ipv4)],
            "ignoring interface with null netmask, address family 10",
        ),
        (
            "noipv6,null-netmask",
            &[(&p.ial_libc, all)],
            "ignoring interface with null netmask, address family 2",
        ),
    ];
    let mut failures = Vec::new();
    for (fault, runs, evidence) in cases {
        let env = Env {
            fault: Some(fault),
            ..Env::default()
        };
        failures.extend(check(p, fault, env, runs, evidence).0);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// What the tmpfs over /proc/PID/net holds as if_inet6: absent, a
/// directory (open succeeds, read fails: EISDIR), or a file's contents.
fn procnet_cases() -> Vec<(&'static str, Option<String>, &'static str)> {
    let lo = "00000000000000000000000000000001 01 80 10 80       lo\n";
    let doc = "20010db800ff00000000000000000001 02 40 00 80     eth0\n";
    vec![
        (
            "absent",
            None,
            "can't open /proc/net/if_inet6 (No such file or directory)",
        ),
        ("directory", Some("mkdir".into()), "inet_addr_local"),
        ("empty", Some(String::new()), "inet_addr_local"),
        (
            "valid",
            Some(format!("{lo}{doc}")),
            "2001:db8:ff::1/ffff:ffff:ffff:ffff::",
        ),
        (
            "garbage",
            Some("garbage\n".into()),
            "unexpected data in /proc/net/if_inet6",
        ),
        (
            "garbage-after-valid",
            Some(format!("{doc}zz{}", &lo[2..])),
            "unexpected data",
        ),
        (
            "prefix-too-long",
            Some(doc.replace(" 40 ", " 81 ")),
            "unexpected data",
        ),
        ("no-newline", Some(doc.trim_end().into()), "2001:db8:ff::1"),
        (
            "nul-byte",
            Some(doc.replace(" 02 ", " 02\0")),
            "inet_addr_local",
        ),
        (
            "line-longer-than-bufsiz",
            Some(format!("{}{}\n", doc.trim_end(), " ".repeat(9000))),
            "unexpected data",
        ),
        (
            "binary",
            Some((0u8..=255).map(char::from).collect()),
            "unexpected data",
        ),
    ]
}

#[test]
fn proc_net_if_inet6_faults_as_stock() {
    require_root("faults");
    let p = programs();
    let dir = repo().join("target/variants/faults");
    std::fs::create_dir_all(&dir).unwrap();
    let mut failures = Vec::new();
    for (name, content, evidence) in procnet_cases() {
        let put = match &content {
            None => String::new(),
            Some(m) if m == "mkdir" => " && mkdir /proc/$$/net/if_inet6".into(),
            Some(text) => {
                let f = dir.join(name);
                std::fs::write(&f, text.as_bytes()).unwrap();
                format!(" && cp {} /proc/$$/net/if_inet6", f.display())
            }
        };
        let setup = format!("mount -t tmpfs pfinet-faults /proc/$$/net{put}");
        let env = Env {
            setup: Some(&setup),
            ..Env::default()
        };
        let runs: &Runs = &[(&p.ial_procnet, &["all"]), (&p.ial_procnet, &["ipv6"])];
        failures.extend(check(p, &format!("if_inet6 {name}"), env, runs, evidence).0);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn namespace_without_interfaces_as_stock() {
    require_root("faults");
    let p = programs();
    let ns = Netns::new("");
    let env = Env {
        netns: Some(&ns),
        ..Env::default()
    };
    let runs: &Runs = &[
        (&p.ial, &["all"]),
        (&p.ial_procnet, &["all"]),
        (&p.own, &["all", "all"]),
        (&p.own, &["ipv4", "loopback-only"]),
    ];
    let (failures, _) = check(
        p,
        "no interface up",
        env,
        runs,
        "find any active network interfaces",
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// 50,000 addresses from getifaddrs() (the shim's extra-addresses; the
/// kernel takes minutes to make as many, see tests/netns.rs for 20,000
/// real ones): the lists, inet_addr_list_uniq's sort of them included, and
/// the time each side takes.
#[test]
fn fifty_thousand_addresses_as_stock() {
    require_root("faults");
    let p = programs();
    let env = Env {
        fault: Some("extra-addresses=50000"),
        ..Env::default()
    };
    // Made-up addresses exist only in getifaddrs() results: pfinet reads
    // them from the C library here (tests/netns.rs and netns_mynetworks.rs
    // have 20,000 real ones, through the kernel's tables).
    let runs: &Runs = &[(&p.ial_libc, &["all"])];
    // The last of the 25,000 IPv6 addresses, with its /41 netmask.
    let last = "2001:db8::61a8/ffff:ffff:ff80::";
    let (failures, times) = check(p, "50,000 addresses", env, runs, last);
    eprintln!("50,000 addresses: {}", times.join("; "));
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
