//! `postmap -q - cidr:TABLE`, stock vs patched, on the trees
//! scripts/postfix-pfinet.sh builds (`<cache>/<version>-pfinet/{stock,
//! patched}`; tests/common/postfix_trees.rs: a missing tree, or one built
//! from another libpfinet.a than this checkout's, fails the test), for
//! every supported release (common::postfix_versions()).
//!
//! scripts/gen_cidr_tables.py writes 200 random tables (valid and broken
//! rules, '!', if/endif, comments, continuation lines) with 60-80 keys
//! each, looked up with `postmap -q - cidr:TABLE` (argv[0] "postmap" on
//! both sides): stdout, stderr (the warnings of dict_cidr_open) and exit
//! status must be the same. Then each table is compiled (`pfinet compile`,
//! which refuses tables with a NUL byte) and the patched postmap, now
//! mapping TABLE.pfinet and replaying its warnings, must give stock's
//! output again; and once more after the table is touched (a stale
//! compiled file: one warning more, the table parsed, the same answers).
//! The run must exercise enough: more than 1000 answers and 500 warnings,
//! more than 150 tables compiled, more than 10 with a NUL byte. Files:
//! `<cache>/<version>-pfinet/cidr-tables/`.

mod common;

use common::postfix_trees::{Trees, assert_no_failures, backdate, clean_command, lock, trees};
use common::{postfix_versions, repo};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// `postmap -c CONF -q - cidr:TABLE < KEYS` with argv[0] "postmap":
/// stdout, and stderr with the exit status appended as a line (as the
/// former script kept them, in TABLE-less-.cidr.SIDE.{out,err}).
fn postmap(postmap: &Path, conf: &Path, table: &Path, keys: &Path) -> (Vec<u8>, Vec<u8>) {
    let keys = std::fs::File::open(keys).unwrap_or_else(|e| panic!("{}: {e}", keys.display()));
    let o = clean_command(postmap)
        .arg0("postmap")
        .arg("-c")
        .arg(conf)
        .args(["-q", "-"])
        .arg(format!("cidr:{}", table.display()))
        .stdin(keys)
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", postmap.display()));
    let rc = {
        use std::os::unix::process::ExitStatusExt;
        o.status
            .code()
            .unwrap_or_else(|| 128 + o.status.signal().unwrap_or(0))
    };
    let mut err = o.stderr;
    err.extend_from_slice(format!("{rc}\n").as_bytes());
    (o.stdout, err)
}

fn with_ext(t: &Path, ext: &str) -> PathBuf {
    PathBuf::from(format!("{}.{ext}", t.display()))
}

fn lines(b: &[u8]) -> usize {
    b.iter().filter(|c| **c == b'\n').count()
}

struct Counts {
    tables: usize,
    same: usize,
    found: usize,
    warn: usize,
    compiled: usize,
    compiled_same: usize,
    stale: usize,
    nul: usize,
}

/// Step "cidr: tables" of the former script, for one release; failures
/// are collected, the report printed as it goes.
fn cidr_tables(t: &Trees, fail: &mut Vec<String>) -> Counts {
    println!(
        "== Postfix {}: cidr: tables, stock vs patched postmap -q",
        t.version
    );
    let pfinet = Path::new(env!("CARGO_BIN_EXE_pfinet"));
    // Keys are bytes, not all UTF-8: without SMTPUTF8 postmap takes them all.
    let ctconf = t.work.join("cidr-conf");
    std::fs::create_dir_all(&ctconf).unwrap();
    std::fs::write(
        ctconf.join("main.cf"),
        "compatibility_level = 3.6\nsmtputf8_enable = no\n",
    )
    .unwrap();
    backdate(&ctconf.join("main.cf"), 3600);
    let ct = t.work.join("cidr-tables");
    if ct.exists() {
        std::fs::remove_dir_all(&ct).unwrap();
    }
    std::fs::create_dir_all(&ct).unwrap();
    let generated = Command::new("python3")
        .arg(repo().join("scripts/gen_cidr_tables.py"))
        .args(["--seed", "1", "--count", "200"])
        .arg(&ct)
        .status()
        .expect("python3");
    assert!(
        generated.success(),
        "cannot generate cidr tables (scripts/gen_cidr_tables.py)"
    );
    let mut tables: Vec<PathBuf> = std::fs::read_dir(&ct)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with('t') && n.ends_with(".cidr")
        })
        .collect();
    tables.sort();

    let mut c = Counts {
        tables: 0,
        same: 0,
        found: 0,
        warn: 0,
        compiled: 0,
        compiled_same: 0,
        stale: 0,
        nul: 0,
    };
    let stock_postmap = t.stock.join("src/postmap/postmap");
    let patched_postmap = t.patched.join("src/postmap/postmap");
    for table in &tables {
        let stem = table.with_extension("");
        let keys = with_ext(&stem, "keys");
        let mut runs = Vec::new();
        for (side, exe) in [("stock", &stock_postmap), ("patched", &patched_postmap)] {
            let (out, err) = postmap(exe, &ctconf, table, &keys);
            std::fs::write(with_ext(&stem, &format!("{side}.out")), &out).unwrap();
            std::fs::write(with_ext(&stem, &format!("{side}.err")), &err).unwrap();
            runs.push((out, err));
        }
        let (stock_out, stock_err) = &runs[0];
        c.tables += 1;
        if runs[0] == runs[1] {
            c.same += 1;
        } else {
            let f = |x: &str| with_ext(&stem, x).display().to_string();
            fail.push(format!(
                "postmap -q on {} differs: diff {} {}; diff {} {}",
                table.display(),
                f("stock.out"),
                f("patched.out"),
                f("stock.err"),
                f("patched.err")
            ));
        }

        // The compiled file: same output; when stale, one warning more.
        let text = std::fs::read(table).unwrap();
        let compile = Command::new(pfinet)
            .arg("compile")
            .arg(table)
            .stdout(Stdio::null())
            .output()
            .expect("run pfinet compile");
        std::fs::write(with_ext(&stem, "compile.err"), &compile.stderr).unwrap();
        let compile_err = String::from_utf8_lossy(&compile.stderr);
        if !text.contains(&0) {
            if !compile.status.success() {
                fail.push(format!("pfinet compile {}: {compile_err}", table.display()));
            }
        } else {
            // A NUL byte: parsed by stock's code in the patched Postfix
            // (above), and not compiled.
            c.nul += 1;
            if compile.status.success() || !compile_err.contains("holds a NUL byte") {
                fail.push(format!(
                    "pfinet compile {} (a NUL byte) did not refuse it: {compile_err}",
                    table.display()
                ));
            }
        }
        let compiled = with_ext(table, "pfinet");
        if !compiled.is_file() {
            continue;
        }
        c.compiled += 1;
        for state in ["fresh", "stale"] {
            let mut want = stock_err.clone();
            if state == "stale" {
                backdate(table, 60);
                let mut w = format!(
                    "postmap: warning: cidr map {t}: not using {c}: does not match the table \
                     (changed since it was compiled?)\n",
                    t = table.display(),
                    c = compiled.display()
                )
                .into_bytes();
                w.extend_from_slice(stock_err);
                std::fs::write(with_ext(&stem, "stale.want"), &w).unwrap();
                want = w;
            }
            let (out, err) = postmap(&patched_postmap, &ctconf, table, &keys);
            std::fs::write(with_ext(&stem, &format!("{state}.out")), &out).unwrap();
            std::fs::write(with_ext(&stem, &format!("{state}.err")), &err).unwrap();
            if &out == stock_out && err == want {
                if state == "fresh" {
                    c.compiled_same += 1;
                } else {
                    c.stale += 1;
                }
            } else {
                let want_file = if state == "stale" {
                    with_ext(&stem, "stale.want")
                } else {
                    with_ext(&stem, "stock.err")
                };
                fail.push(format!(
                    "postmap -q with {state} {} differs from stock: diff {} {}; diff {} {}",
                    compiled.display(),
                    with_ext(&stem, "stock.out").display(),
                    with_ext(&stem, &format!("{state}.out")).display(),
                    want_file.display(),
                    with_ext(&stem, &format!("{state}.err")).display()
                ));
            }
        }
        // Counted over the compiled tables, as the former script did (its
        // loop went on to the next table before counting an uncompiled
        // one): the counts stay comparable.
        c.found += lines(stock_out);
        c.warn += String::from_utf8_lossy(stock_err)
            .lines()
            .filter(|l| l.contains("warning"))
            .count();
    }
    // The run must have exercised both answers and warnings.
    if c.found <= 1000 || c.warn <= 500 {
        fail.push(format!(
            "cidr tables: too few answers ({}) or warnings ({}) to compare",
            c.found, c.warn
        ));
    }
    if c.compiled <= 150 {
        fail.push(format!(
            "cidr tables: only {} of {} compiled",
            c.compiled, c.tables
        ));
    }
    if c.nul <= 10 {
        fail.push(format!(
            "cidr tables: only {} with a NUL byte (stock's parser in the patched Postfix)",
            c.nul
        ));
    }
    println!(
        "cidr tables: {} tables ({} with a NUL byte), {} identical (answers: {}, warnings: {}); \
         compiled: {}, identical mapped: {}, stale refused with one warning: {}; files: {}/",
        c.tables,
        c.nul,
        c.same,
        c.found,
        c.warn,
        c.compiled,
        c.compiled_same,
        c.stale,
        ct.display()
    );
    c
}

#[test]
fn postfix_cidr_tables() {
    let all: Vec<Trees> = postfix_versions().into_iter().map(trees).collect();
    let mut fail = Vec::new();
    for t in &all {
        let _lock = lock(t);
        let before = fail.len();
        let c = cidr_tables(t, &mut fail);
        if fail.len() == before {
            // One line per check for scripts/test.sh's closing summary.
            println!(
                "release-check: Postfix {}: cidr tables: postmap -q identical on {}/{} \
                 ({} answers, {} warnings), {}/{} compiled mapped",
                t.version, c.same, c.tables, c.found, c.warn, c.compiled_same, c.compiled
            );
        }
    }
    assert_no_failures(&fail);
}
