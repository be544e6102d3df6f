//! Postfix's own unit tests, stock vs patched, on the trees
//! scripts/postfix-pfinet.sh builds (`<cache>/<version>-pfinet/{stock,
//! patched}`; tests/common/postfix_trees.rs: a missing tree, or one built
//! from another libpfinet.a than this checkout's, fails the test), for
//! every supported release (common::postfix_versions()).
//!
//! - Every test of the "tests" targets in src/util and src/global (group
//!   targets expanded: the leaf targets of Makefile.in, `leaf_targets`),
//!   run by name (`make -s TARGET`) in both trees, as user nobody (several
//!   .ref files expect a non-root user), each with a private /tmp (a tmpfs
//!   in a mount namespace of its own, `unshare`) and with MAIL_CONFIG
//!   pointing at a prepared, backdated main.cf. Both trees run in
//!   parallel.
//! - The TEST drivers of the replaced files that "make tests" does not run
//!   (inet_proto, inet_addr_local, inet_addr_list with other input,
//!   valid_mailhost_addr, own_inet_addr, mynetworks): the same arguments in
//!   both trees, output (stdout and stderr, merged) and exit status
//!   compared.
//!
//! One line per test: name, stock result, patched result. Failure: a test
//! that passes on stock and not on patched, the two trees listing
//! different tests, a driver whose output differs (or that builds on stock
//! and not on patched), or a required test (inet_addr_list_test,
//! dict_cidr_test, ...) that does not pass on both.
//!
//! Needs root (runuser, unshare) and the `postfix` user and `postdrop`
//! group Postfix's defaults name (scripts/postfix-pfinet.sh creates them):
//! Postfix's test drivers call mail_params_init(), which exits (3.7.11:
//! crashes) without them. Logs: `<cache>/<version>-pfinet/logs/`.

mod common;

use common::postfix_trees::{Trees, assert_no_failures, backdate, clean_command, lock, trees};
use common::postfix_versions;
use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The user the tests run as.
const TEST_USER: &str = "nobody";

/// Tests that must pass on both trees (issue 5).
const REQUIRED_TESTS: &[&str] = &[
    "util/inet_addr_list_test",
    "util/dict_cidr_test",
    "util/dict_cidr_file_test",
    "util/miss_endif_cidr_test",
    "util/dict_inline_cidr_test",
    "util/valid_hostname_test",
    "global/namadr_list_test",
    "global/server_acl_test",
];

/// The TEST drivers of the replaced files that "make tests" does not run:
/// (directory, program, arguments as a shell would read them; "<": the
/// addresses of MAILHOST_INPUT on stdin).
const DRIVERS: &[(&str, &str, &str)] = &[
    ("util", "inet_proto", "all ipv4 ipv6 'ipv6, ipv4'"),
    ("util", "inet_proto", "bogus"),
    ("util", "inet_addr_local", "all"),
    ("util", "inet_addr_local", "ipv4"),
    ("util", "inet_addr_local", "ipv6"),
    (
        "util",
        "inet_addr_list",
        "127.0.0.1 ::1 192.0.2.1 127.0.0.1 ::ffff:10.0.0.1 ::1 10.0.0.1",
    ),
    ("global", "valid_mailhost_addr", "<"),
    ("global", "own_inet_addr", "all all"),
    ("global", "own_inet_addr", "ipv4 all"),
    ("global", "own_inet_addr", "all '127.0.0.1, [::1]'"),
    ("global", "mynetworks", "all subnet all"),
    ("global", "mynetworks", "all class all"),
    ("global", "mynetworks", "all host all"),
    ("global", "mynetworks", "ipv4 subnet all"),
    ("global", "mynetworks", "ipv6 subnet all"),
];

const MAILHOST_INPUT: &str = "1.2.3.4
[1.2.3.4]
IPv6:::1
ipv6:fe80::1
::1
1.2.3
256.1.1.1
IPv6:1:2:3:4:5:6:7:8:9
IPv6:1.2.3.4
IPv6:::ffff:1.2.3.4
[IPv6:2001:db8::1]
foo
";

/// Runs its arguments as the test user, with MAIL_CONFIG, and with a /tmp
/// of its own (a tmpfs in a private mount namespace): namadr_list_test
/// writes /tmp/junk, which the stock and the patched run would share, and
/// which a leftover owned by another user would make fail. Trees that live
/// under /tmp themselves (a checkout in /tmp, PFINET_CACHE=/tmp/...) are
/// bound back into the private /tmp, so the tests still find them.
/// Arguments: the paths to keep, the user, the config directory, then the
/// command.
const AS_TEST_USER: &str = r#"
keep=$1 user=$2 conf=$3; shift 3
real=$(mktemp -d /run/pfinet-tmp.XXXXXX) || exit 125
mount --bind /tmp "$real" || exit 125
mount -t tmpfs -o mode=1777 pfinet-tmp /tmp || exit 125
for p in $keep; do
    case $p in
    /tmp/?*)
        top=${p#/tmp/}
        top=${top%%/*}
        if [ ! -d "/tmp/$top" ]; then
            mkdir "/tmp/$top" && mount --bind "$real/$top" "/tmp/$top" || exit 125
        fi ;;
    esac
done
exec runuser -u "$user" -- env MAIL_CONFIG="$conf" "$@""#;

/// The command `args` as the test user (see AS_TEST_USER), in `dir`.
fn as_test_user(t: &Trees, conf: &Path, dir: &Path, args: &[&str]) -> Command {
    let keep = format!(
        "{} {} {} {}",
        common::repo().display(),
        t.base.display(),
        t.work.display(),
        conf.display()
    );
    let mut cmd = clean_command("unshare");
    cmd.args(["--mount", "--propagation", "private", "--", "sh", "-c"])
        .arg(AS_TEST_USER)
        .arg("sh")
        .arg(keep)
        .arg(TEST_USER)
        .arg(conf)
        .args(args)
        .current_dir(dir);
    cmd
}

/// Runs `cmd` with stdout and stderr both written to `log` (in order, as
/// `>log 2>&1` does) and `input` on stdin (none: /dev/null); its exit
/// status as a shell reports it (128 + the signal when killed).
fn run_logged(cmd: &mut Command, log: &Path, input: Option<&str>) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    let f = File::create(log).unwrap_or_else(|e| panic!("{}: {e}", log.display()));
    cmd.stdout(f.try_clone().unwrap())
        .stderr(f)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("run {cmd:?}: {e}"));
    if let Some(text) = input {
        let mut stdin = child.stdin.take().unwrap();
        let _ = stdin.write_all(text.as_bytes());
    }
    let status = child.wait().expect("wait");
    status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}

/// Leaf test targets of "make tests" in a Makefile.in, in order: a target
/// without a recipe (dict_pcre_tests, name_mask_tests, ...) stands for its
/// prerequisites; "all" is skipped; each test once (3.10's "tests" lists
/// dict_test, and dict_tests again).
fn leaf_targets(makefile_in: &Path) -> Vec<String> {
    let text =
        std::fs::read(makefile_in).unwrap_or_else(|e| panic!("{}: {e}", makefile_in.display()));
    let text = String::from_utf8_lossy(&text).replace("\\\n", " ");
    let lines: Vec<&str> = text.split('\n').collect();
    // target -> (prerequisites, has a recipe); the first rule wins.
    let mut rules: HashMap<&str, (Vec<&str>, bool)> = HashMap::new();
    for (i, line) in lines.iter().enumerate() {
        let name_len = line
            .find(|c: char| !(c.is_ascii_alphanumeric() || "_.-".contains(c)))
            .unwrap_or(line.len());
        if name_len == 0 {
            continue;
        }
        let rest = line[name_len..].trim_start();
        let Some(deps) = rest.strip_prefix(':') else {
            continue;
        };
        if deps.starts_with('=') {
            continue; // "name := value"
        }
        let recipe = lines.get(i + 1).is_some_and(|l| l.starts_with('\t'));
        rules
            .entry(&line[..name_len])
            .or_insert_with(|| (deps.split_whitespace().collect(), recipe));
    }
    fn leaves<'a>(
        t: &'a str,
        rules: &HashMap<&'a str, (Vec<&'a str>, bool)>,
        out: &mut Vec<&'a str>,
    ) {
        match rules.get(t) {
            Some((deps, false)) => {
                for d in deps.iter().filter(|d| **d != "all") {
                    leaves(d, rules, out);
                }
            }
            _ => out.push(t),
        }
    }
    let mut all = Vec::new();
    leaves("tests", &rules, &mut all);
    let mut seen: Vec<String> = Vec::new();
    for t in all {
        if !seen.iter().any(|s| s == t) {
            seen.push(t.to_string());
        }
    }
    seen
}

/// Every leaf test of src/util and src/global in `tree`, as the test user:
/// ("dir/target", passed), in order; each one's output in
/// logs/<name>/<dir>-<target>.log, the list in logs/tests-<name>.txt.
fn run_tests(t: &Trees, conf: &Path, tree: &Path, name: &str) -> Vec<(String, bool)> {
    let logs = t.work.join("logs");
    std::fs::create_dir_all(logs.join(name)).unwrap();
    let mut results = Vec::new();
    let mut list = String::new();
    for d in ["util", "global"] {
        let dir = tree.join("src").join(d);
        for target in leaf_targets(&dir.join("Makefile.in")) {
            let log = logs.join(name).join(format!("{d}-{target}.log"));
            let mut cmd = as_test_user(
                t,
                conf,
                &dir,
                &[
                    "timeout",
                    "--kill-after=10",
                    "180",
                    "make",
                    "-s",
                    &target,
                    "MAKELEVEL=",
                ],
            );
            let pass = run_logged(&mut cmd, &log, None) == 0;
            list += &format!("{d}/{target} {}\n", if pass { "pass" } else { "FAIL" });
            results.push((format!("{d}/{target}"), pass));
        }
    }
    std::fs::write(logs.join(format!("tests-{name}.txt")), list).unwrap();
    results
}

/// The words of `args` as `eval` reads them here: blanks separate words,
/// single quotes group.
fn shell_words(args: &str) -> Vec<String> {
    let (mut words, mut cur, mut quoted, mut any) = (Vec::new(), String::new(), false, false);
    for c in args.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            ' ' | '\t' if !quoted => {
                if any {
                    words.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            _ => {
                cur.push(c);
                any = true;
            }
        }
    }
    assert!(!quoted, "unbalanced quote in {args:?}");
    if any {
        words.push(cur);
    }
    words
}

/// logs/<side>/driver-<prog>-<args, each other than [A-Za-z0-9] as _>.out
fn driver_out(t: &Trees, side: &str, prog: &str, args: &str) -> PathBuf {
    let args: String = args
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    t.work
        .join("logs")
        .join(side)
        .join(format!("driver-{prog}-{args}.out"))
}

/// One driver in one tree: "n/a" when it does not build there, else
/// "exit N" and its output (logs/<side>/<key>.out).
fn run_driver(
    t: &Trees,
    conf: &Path,
    tree: &Path,
    side: &str,
    (dir, prog, args): (&str, &str, &str),
) -> (String, Vec<u8>) {
    let out = driver_out(t, side, prog, args);
    let build_log = PathBuf::from(format!("{}.build", out.display()));
    let rc_file = PathBuf::from(format!("{}.rc", out.display()));
    let src = tree.join("src").join(dir);
    let built = run_logged(
        &mut as_test_user(t, conf, &src, &["make", "-s", prog, "MAKELEVEL="]),
        &build_log,
        None,
    ) == 0;
    if !built {
        std::fs::write(&rc_file, "n/a\n").unwrap();
        std::fs::write(&out, "").unwrap();
        return ("n/a".into(), Vec::new());
    }
    let exe = format!("./{prog}");
    let mut argv = vec!["timeout", "60", exe.as_str()];
    let words = if args == "<" {
        Vec::new()
    } else {
        shell_words(args)
    };
    argv.extend(words.iter().map(String::as_str));
    let input = (args == "<").then_some(MAILHOST_INPUT);
    let rc = run_logged(&mut as_test_user(t, conf, &src, &argv), &out, input);
    std::fs::write(&rc_file, format!("exit {rc}\n")).unwrap();
    (format!("exit {rc}"), std::fs::read(&out).unwrap())
}

/// Counts of one release's run, for the release-check line.
struct Counts {
    tests: usize,
    both: usize,
    stock_fail: usize,
    drivers: usize,
    drivers_same: usize,
    drivers_pfinet_only: usize,
}

/// Step "Postfix's unit tests" of the former script, for one release;
/// failures are collected, the report printed as it goes.
fn unit_tests(t: &Trees, fail: &mut Vec<String>) -> Counts {
    println!(
        "== Postfix {}: Postfix's unit tests (src/util, src/global), stock vs patched",
        t.version
    );
    let logs = t.work.join("logs");
    for side in ["stock", "patched"] {
        std::fs::create_dir_all(logs.join(side)).unwrap();
    }

    // Configuration for the tests: main.cf (backdated: Postfix waits for a
    // main.cf younger than a couple of seconds) and a queue directory that
    // mail_params_init() can chdir to.
    let conf = t.work.join("conf");
    let queue = t.work.join("queue");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::create_dir_all(&queue).unwrap();
    let main_cf = conf.join("main.cf");
    std::fs::write(
        &main_cf,
        format!(
            "# written by tests/postfix_unit_tests.rs for Postfix's unit tests\n\
             myhostname = host.example.com\n\
             queue_directory = {}\n\
             compatibility_level = 3.6\n",
            queue.display()
        ),
    )
    .unwrap();
    backdate(&main_cf, 3600);
    let sh = |script: &str, args: &[&Path]| {
        let st = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("sh")
            .args(args)
            .status()
            .expect("sh");
        assert!(st.success(), "{script} {args:?} failed");
    };
    sh("chmod -R a+rX \"$1\" \"$2\"", &[&conf, &queue]);
    // The test trees belong to the test user (tests build drivers and
    // write .tmp files next to them).
    sh(
        &format!("chown -R {TEST_USER}: \"$1\" \"$2\" && chmod a+x \"$3\" \"$4\""),
        &[&t.stock, &t.patched, &t.work, &t.base],
    );

    let began = std::time::Instant::now();
    let (stock, patched) = std::thread::scope(|s| {
        let stock = s.spawn(|| run_tests(t, &conf, &t.stock, "stock"));
        let patched = s.spawn(|| run_tests(t, &conf, &t.patched, "patched"));
        (stock.join().unwrap(), patched.join().unwrap())
    });
    println!(
        "tests ran in {}s (both trees in parallel); logs: {}/{{stock,patched}}/",
        began.elapsed().as_secs(),
        logs.display()
    );

    // The drivers, with the same arguments in both trees; their output
    // must be the same. "n/a" for stock: the driver does not link there
    // (stock 3.7.11's own_inet_addr and mynetworks drivers define var_*
    // that libglobal.a's mail_params.o defines too).
    let mut drivers: Vec<(String, String, String)> = Vec::new();
    for &drv in DRIVERS {
        let (s_rc, s_out) = run_driver(t, &conf, &t.stock, "stock", drv);
        let (p_rc, p_out) = run_driver(t, &conf, &t.patched, "patched", drv);
        let (dir, prog, args) = drv;
        let key_out = |side: &str| driver_out(t, side, prog, args);
        let (s, p) = if p_rc == "n/a" {
            (s_rc, "does not build".to_string())
        } else if s_rc == "n/a" {
            ("n/a".to_string(), p_rc)
        } else if s_rc == p_rc && s_out == p_out {
            let lines = p_out.iter().filter(|b| **b == b'\n').count();
            (s_rc, format!("same ({lines} lines)"))
        } else {
            (
                s_rc,
                format!(
                    "DIFFERENT ({p_rc}; diff {} {})",
                    key_out("stock").display(),
                    key_out("patched").display()
                ),
            )
        };
        let label = format!("driver:{dir}/{prog} {args}");
        drivers.push((label, s, p));
    }

    // The table.
    println!("\n{:<44} {:<10} patched", "test", "stock");
    println!("{:<44} {:<10} -------", "----", "-----");
    let (mut n_tests, mut n_both, mut n_stock_fail, mut regress) = (0, 0, 0, Vec::new());
    let word = |p: bool| if p { "pass" } else { "FAIL" };
    for (name, s_pass) in &stock {
        let p_res = patched
            .iter()
            .find(|(n, _)| n == name)
            .map_or("missing", |(_, p)| word(*p));
        let p_pass = p_res == "pass";
        n_tests += 1;
        let mut note = if *s_pass && p_pass {
            n_both += 1;
            String::new()
        } else if *s_pass {
            regress.push(name.clone());
            "  <-- REGRESSION".to_string()
        } else if p_pass {
            n_stock_fail += 1;
            "  (fails on stock only)".to_string()
        } else {
            n_stock_fail += 1;
            "  (fails on stock too)".to_string()
        };
        if REQUIRED_TESTS.contains(&name.as_str()) {
            note += "  [required]";
        }
        println!("{name:<44} {:<10} {p_res}{note}", word(*s_pass));
    }
    let names = |v: &[(String, bool)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    if names(&stock) != names(&patched) {
        fail.push("the stock and patched trees have different test lists".into());
    }
    println!();
    let (mut n_drv, mut n_drv_same, mut n_drv_na) = (0, 0, 0);
    for (label, s, p) in &drivers {
        n_drv += 1;
        if p.starts_with("same") {
            n_drv_same += 1;
        } else if p == "exit 0" {
            n_drv_na += 1;
        } else {
            fail.push(format!("driver {label}: stock {s}, patched {p}"));
        }
        println!("{label:<44} {s:<10} {p}");
    }
    for r in &regress {
        let (d, name) = r.split_once('/').unwrap();
        fail.push(format!(
            "{r} passes on stock, not on patched (log: {}/patched/{d}-{name}.log)",
            logs.display()
        ));
    }
    for r in REQUIRED_TESTS {
        for (side, results) in [("stock", &stock), ("patched", &patched)] {
            if !results.iter().any(|(n, p)| n == r && *p) {
                fail.push(format!("required test {r} does not pass on {side}"));
            }
        }
    }
    println!();
    println!(
        "tests: {n_tests}; pass on both: {n_both}; fail on stock: {n_stock_fail}; regressions: {}",
        regress.len()
    );
    println!(
        "drivers of the replaced files: {n_drv}; same output: {n_drv_same}; build only with pfinet: {n_drv_na}"
    );
    Counts {
        tests: n_tests,
        both: n_both,
        stock_fail: n_stock_fail,
        drivers: n_drv,
        drivers_same: n_drv_same,
        drivers_pfinet_only: n_drv_na,
    }
}

/// The users and groups the tests need (scripts/postfix-pfinet.sh creates
/// `postfix` and `postdrop`).
fn require_root_and_users() {
    // SAFETY: geteuid() has no preconditions.
    let euid = unsafe { libc::geteuid() };
    assert!(
        euid == 0,
        "tests/postfix_unit_tests.rs must run as root (runuser, unshare; euid is {euid})"
    );
    for (db, name) in [
        ("passwd", TEST_USER),
        ("passwd", "postfix"),
        ("group", "postdrop"),
    ] {
        let found = Command::new("getent")
            .args([db, name])
            .stdout(Stdio::null())
            .status()
            .expect("getent")
            .success();
        assert!(
            found,
            "no {db} entry {name}: run scripts/postfix-pfinet.sh (it creates the postfix user \
             and the postdrop group Postfix's test drivers look up)"
        );
    }
}

#[test]
fn postfix_unit_tests() {
    require_root_and_users();
    let all: Vec<Trees> = postfix_versions().into_iter().map(trees).collect();
    let mut fail = Vec::new();
    for t in &all {
        let _lock = lock(t);
        let before = fail.len();
        let c = unit_tests(t, &mut fail);
        if fail.len() == before {
            println!(
                "Postfix {}: {}/{} Postfix tests pass on both trees (the {} others fail on stock); \
                 {} driver runs identical, {} only with pfinet (of {})",
                t.version,
                c.both,
                c.tests,
                c.stock_fail,
                c.drivers_same,
                c.drivers_pfinet_only,
                c.drivers
            );
            // One line per check for scripts/test.sh's closing summary.
            println!(
                "release-check: Postfix {}: unit tests: {}/{} pass on stock and patched \
                 (the {} others fail on stock), {} test driver runs identical",
                t.version, c.both, c.tests, c.stock_fail, c.drivers_same
            );
        }
    }
    assert_no_failures(&fail);
}
