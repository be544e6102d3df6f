//! `pfinet match --config DIR PARAMETER ADDRESS [HOSTNAME]` against stock
//! Postfix.
//!
//! A main.cf whose mynetworks uses a `$parameter`, a `/file`, a `cidr:`
//! table, an `inline:` table and a `hash:` table (made with stock postmap),
//! with a negated pattern and a malformed one at the end. The value is the
//! one stock `postconf -c DIR -x -h mynetworks` prints (pfinet asks it,
//! through PFINET_POSTCONF); the decision is compared with stock Postfix's
//! own namadr_list test program, which runs namadr_list_match() with real
//! dictionaries (the function smtpd's permit_mynetworks calls, with the
//! parent-domain style mynetworks has by default) on that value, for
//! addresses at and around every network, with and without a host name.
//! The explanation must name the entry, and for a table entry the line of
//! the cidr rule or the inline key that decided.

mod common;

use common::*;
use std::path::{Path, PathBuf};

fn pfinet() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_pfinet"))
}

/// Runs `prog args` without cargo's LD_LIBRARY_PATH (stock programs use
/// their own libraries): stdout, stderr, exit status.
fn run_clean(prog: &Path, args: &[&str], env: &[(&str, &Path)]) -> (String, String, i32) {
    let mut cmd = std::process::Command::new(prog);
    cmd.args(args).env_remove("LD_LIBRARY_PATH");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

fn setup(tree: &Path) -> PathBuf {
    let dir = repo().join(format!("target/match-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let d = dir.display().to_string();
    std::fs::write(
        dir.join("office"),
        "# office networks\n192.0.2.0/25\n198.51.100.0/24\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("relay.cidr"),
        "# relay clients\nif 10.0.0.0/8\n!10.1.0.0/16 OK\nendif\n[2001:db8:1::]/48 OK\n",
    )
    .unwrap();
    std::fs::write(dir.join("more"), "203.0.113.7 OK\nbackup.example.net OK\n").unwrap();
    std::fs::write(
        dir.join("main.cf"),
        format!(
            "office = {d}/office\n\
             mynetworks = 127.0.0.0/8 [::1]/128 !192.0.2.64/26 $office\n    \
             cidr:{d}/relay.cidr inline:{{ 203.0.113.5=OK, mail.example.com=OK }}\n    \
             hash:{d}/more example.org 172.16.1.1/12\n"
        ),
    )
    .unwrap();
    let (out, err, code) = run_clean(
        &tree.join("bin/postmap"),
        &["-c", &d, &format!("hash:{d}/more")],
        &[],
    );
    assert_eq!(code, 0, "postmap: {out}{err}");
    dir
}

#[test]
fn match_config_equals_stock_namadr_list() {
    let tree = stock_tree(true);
    let postconf = tree.join("bin/postconf");
    let stock = stock_postfix_driver("global/namadr_list.c", "namadr_list", &[], true);
    let dir = setup(&tree);
    let d = dir.display().to_string();
    let (value, err, code) = run_clean(&postconf, &["-c", &d, "-x", "-h", "mynetworks"], &[]);
    assert_eq!(code, 0, "{err}");
    let value = value.trim().to_string();
    assert!(value.contains("/office") && !value.contains('$'), "{value}");

    let addrs = [
        "127.0.0.1",
        "::1",
        "192.0.2.1",
        "192.0.2.64",
        "192.0.2.100",
        "192.0.2.127",
        "192.0.2.128",
        "198.51.100.0",
        "198.51.100.255",
        "10.0.0.1",
        "10.1.2.3",
        "10.255.255.255",
        "9.255.255.255",
        "2001:db8:1::5",
        "2001:db8:2::5",
        "203.0.113.5",
        "203.0.113.7",
        "203.0.113.8",
        "172.16.0.1",
        "8.8.8.8",
        "2001:db8::1",
    ];
    let hosts = [
        None,
        Some("mail.example.com"),
        Some("host.example.org"),
        Some("backup.example.net"),
    ];
    let (mut compared, mut by_table) = (0, 0);
    let mut failures = Vec::new();
    for addr in addrs {
        for host in hosts {
            let h = host.unwrap_or("unknown");
            let (s_out, s_err, _) = run_clean(&stock, &[&value, h, addr], &[]);
            let mut args = vec![
                "match",
                "--postfix-version",
                "3.7",
                "--config",
                &d,
                "mynetworks",
                addr,
            ];
            args.extend(host);
            let (p_out, p_err, p_code) =
                run_clean(pfinet(), &args, &[("PFINET_POSTCONF", &postconf)]);
            let first = p_out.lines().next().unwrap_or("");
            compared += 1;
            if first != s_out.trim() {
                failures.push(format!(
                    "{h}/{addr}: stock {:?} ({s_err}), pfinet {first:?} ({p_err})",
                    s_out.trim()
                ));
                continue;
            }
            let want_code = match first.rsplit(' ').next() {
                Some("YES") => 0,
                Some("NO") => 1,
                _ => 2,
            };
            assert_eq!(p_code, want_code, "{p_out}");
            if p_out.contains(" -> ") {
                by_table += 1;
            }
        }
    }
    eprintln!(
        "pfinet match --config: {compared} clients compared with stock namadr_list, \
         {by_table} decided by a table entry"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(by_table >= 10, "{by_table}");

    // The explanation: entries numbered in the expanded list.
    let explain = |addr: &str, host: Option<&str>| {
        let mut args = vec!["match", "--config", &d, "mynetworks", addr];
        args.extend(host);
        run_clean(pfinet(), &args, &[("PFINET_POSTCONF", &postconf)]).0
    };
    assert_eq!(
        explain("10.2.3.4", None),
        format!(
            "unknown/10.2.3.4: YES\ndecided by entry 6 of 10: cidr:{d}/relay.cidr -> \
             {d}/relay.cidr line 3: !10.1.0.0/16 OK\n"
        )
    );
    assert_eq!(
        explain("198.51.100.9", None),
        format!(
            "unknown/198.51.100.9: YES\ndecided by entry 5 of 10: 198.51.100.0/24 ({d}/office, line 3)\n"
        )
    );
    assert_eq!(
        explain("8.8.4.4", Some("mail.example.com")),
        format!(
            "mail.example.com/8.8.4.4: YES\ndecided by entry 7 of 10: inline:{{ 203.0.113.5=OK, \
             mail.example.com=OK }} -> mail.example.com=OK\n"
        )
    );
}
