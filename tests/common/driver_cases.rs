//! The C driver's cases (c_tests/driver.c): Postfix's own test inputs and
//! ours, each run through the driver built against stock Postfix and the
//! one built against pfinet, outputs compared (tests/c_tests.rs; under
//! sanitizers and valgrind in tests/memcheck.rs).

use super::*;
use std::path::{Path, PathBuf};

/// One driver run: arguments, standard input, working directory.
struct Case {
    name: String,
    args: Vec<String>,
    stdin: Vec<u8>,
    cwd: Option<PathBuf>,
}

fn case(name: &str, args: &[&str], stdin: Vec<u8>, cwd: Option<&Path>) -> Case {
    Case {
        name: name.to_string(),
        args: args.iter().map(|s| s.to_string()).collect(),
        stdin,
        cwd: cwd.map(Path::to_path_buf),
    }
}

pub fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// namadr_list.in's address cases as batch `H` lines: each line runs
/// `./namadr_list PATTERNS HOSTNAME ADDR`; every pattern of the list that
/// is not a file name or a dictionary becomes `H ADDR<tab>PATTERN`, as
/// match_list hands it to match_hostaddr() (leading `!` stripped).
fn namadr_cases(src: &Path) -> Vec<u8> {
    let text = String::from_utf8(read(&src.join("global/namadr_list.in"))).unwrap();
    let mut out = String::new();
    for line in text.lines().filter(|l| l.starts_with("./namadr_list ")) {
        let rest = &line["./namadr_list ".len()..];
        let (patterns, tail) = if let Some(q) = rest.strip_prefix('\'') {
            let end = q.find('\'').unwrap();
            (&q[..end], &q[end + 1..])
        } else {
            rest.split_at(rest.find(' ').unwrap())
        };
        let Some(addr) = tail.split_whitespace().nth(1) else {
            continue;
        };
        for p in patterns.split([' ', ',']).filter(|p| !p.is_empty()) {
            let p = p.trim_start_matches('!');
            if !p.starts_with('/') {
                out += &format!("H {addr}\t{p}\n");
            }
        }
    }
    out.into_bytes()
}

fn cases(stock: &Path, ipv6: bool) -> Vec<Case> {
    let util = stock.join("src/util");
    let inputs = repo().join("c_tests/inputs");
    let mut v = vec![
        case(
            "dict_cidr",
            &["cidr", "dict_cidr.map"],
            read(&util.join("dict_cidr.in")),
            Some(&util),
        ),
        case(
            "miss_endif_cidr",
            &["cidr", "miss_endif_cidr.map"],
            b"get 1.2.3.5\n".to_vec(),
            Some(&util),
        ),
        case(
            "valid_hostname",
            &["valid"],
            read(&util.join("valid_hostname.in")),
            None,
        ),
        case(
            "namadr_list",
            &["batch"],
            namadr_cases(&stock.join("src")),
            None,
        ),
        case(
            "inet_addr_list",
            &["batch"],
            {
                let words = String::from_utf8(read(&util.join("inet_addr_list.in"))).unwrap();
                format!(
                    "L {}\n",
                    words.split_whitespace().collect::<Vec<_>>().join(" ")
                )
                .into_bytes()
            },
            None,
        ),
        case(
            "batch-edge",
            &["batch"],
            read(&inputs.join("batch-edge.txt")),
            None,
        ),
        case(
            "cidr-edge",
            &["cidr", "cidr-edge.map"],
            read(&inputs.join("cidr-edge.in")),
            Some(&inputs),
        ),
        case(
            "cidr-eof",
            &["cidr", "cidr-eof.map"],
            read(&inputs.join("cidr-eof.in")),
            Some(&inputs),
        ),
        case(
            "cidr-indent",
            &["cidr", "cidr-indent.map"],
            read(&inputs.join("cidr-indent.in")),
            Some(&inputs),
        ),
        case(
            "mailhost",
            &["mailhost"],
            read(&inputs.join("mailhost.in")),
            None,
        ),
        case("valid", &["valid"], read(&inputs.join("valid.in")), None),
        case(
            "verbose-proto",
            &["-v", "proto", "ipv4", "all"],
            Vec::new(),
            None,
        ),
        case("unknown-proto", &["proto", "ipv4, bogus"], Vec::new(), None),
        case("unknown-proto-case", &["proto", "IPv4"], Vec::new(), None),
    ];
    if ipv6 {
        let args = String::from_utf8(read(&inputs.join("proto.args"))).unwrap();
        let mut a = vec!["proto"];
        a.extend(args.lines());
        v.push(case("proto", &a, Vec::new(), None));
        v.push(case(
            "batch-proto-ipv6",
            &["batch"],
            read(&inputs.join("batch-proto-ipv6.txt")),
            None,
        ));
    } else {
        v.push(case(
            "proto-ipv6-unknown",
            &["proto", "ipv6"],
            Vec::new(),
            None,
        ));
    }
    v
}

/// Run every case through the stock driver and the pfinet one; all equal.
pub fn compare(v: &Variant, link: Link) {
    compare_checked(v, link, &Checker::plain());
}

/// How the pfinet driver is checked: its build, a program that runs it
/// (valgrind), and the directory where the checker writes its reports
/// (shown when a case fails). The checker's own exit code (86) differs
/// from every exit code of the driver.
pub struct Checker {
    pub sanitizer: Sanitizer,
    pub wrapper: Vec<String>,
    pub log_dir: Option<PathBuf>,
}

pub const CHECKER_EXIT: i32 = 86;

impl Checker {
    pub fn plain() -> Checker {
        Checker {
            sanitizer: Sanitizer::None,
            wrapper: Vec::new(),
            log_dir: None,
        }
    }

    /// A fresh, empty report directory target/variants/checks/<name>.
    pub fn log_dir(name: &str) -> PathBuf {
        let d = repo().join("target/variants/checks").join(name);
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// gcc's AddressSanitizer (with LeakSanitizer) and
    /// UndefinedBehaviorSanitizer: any finding ends the program with
    /// CHECKER_EXIT and a report in the log directory.
    pub fn asan_ubsan(name: &str) -> Checker {
        let dir = Checker::log_dir(name);
        let common = format!(
            "exitcode={CHECKER_EXIT}:log_path={}",
            dir.join("report").display()
        );
        Checker {
            sanitizer: Sanitizer::AddressUndefined,
            wrapper: vec![
                "env".into(),
                format!("ASAN_OPTIONS={common}:detect_leaks=1:abort_on_error=0"),
                format!("UBSAN_OPTIONS={common}:halt_on_error=1:print_stacktrace=1"),
                format!("LSAN_OPTIONS=suppressions={}", suppressions("lsan.supp")),
            ],
            log_dir: Some(dir),
        }
    }

    /// valgrind's memcheck: invalid accesses, uninitialised values and
    /// definite leaks end the program with CHECKER_EXIT.
    pub fn valgrind(name: &str) -> Checker {
        let dir = Checker::log_dir(name);
        Checker {
            sanitizer: Sanitizer::None,
            wrapper: [
                "valgrind",
                "--quiet",
                "--leak-check=full",
                "--errors-for-leak-kinds=definite,possible",
                "--show-leak-kinds=definite,possible",
                &format!("--error-exitcode={CHECKER_EXIT}"),
                &format!("--suppressions={}", suppressions("valgrind.supp")),
                &format!("--log-file={}/report.%p", dir.display()),
            ]
            .map(String::from)
            .to_vec(),
            log_dir: Some(dir),
        }
    }

    /// What the checker reported (empty when it found nothing).
    pub fn reports(&self) -> String {
        let Some(dir) = &self.log_dir else {
            return String::new();
        };
        let mut text = String::new();
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            text += &std::fs::read_to_string(e.path()).unwrap_or_default();
        }
        text.chars().take(6000).collect()
    }
}

/// c_tests/checks/<name>: the suppression files (see their comments).
fn suppressions(name: &str) -> String {
    repo()
        .join("c_tests/checks")
        .join(name)
        .display()
        .to_string()
}

/// compare() with the pfinet driver built and run under `checker`.
pub fn compare_checked(v: &Variant, link: Link, checker: &Checker) {
    let stock = stock_program("driver.c", v.ipv6);
    let ours = pfinet_program_sanitized("driver.c", v, link, checker.sanitizer);
    let mut failures = String::new();
    for c in cases(&stock_tree(v.ipv6), v.ipv6) {
        let args: Vec<&str> = c.args.iter().map(String::as_str).collect();
        let (want, want_rc) = run(&stock, &args, &c.stdin, c.cwd.as_deref());
        let (got, got_rc) = run_under(&checker.wrapper, &ours, &args, &c.stdin, c.cwd.as_deref());
        assert!(
            want.lines().count() > 0,
            "{}: stock printed nothing",
            c.name
        );
        if want != got || want_rc != got_rc {
            failures += &format!(
                "{} (exit {want_rc} vs {got_rc}):\n{}",
                c.name,
                first_differences(&want, &got, 5)
            );
        }
    }
    assert!(
        failures.is_empty(),
        "variant {} {link:?} {:?}:\n{failures}\n{}",
        v.name,
        checker.sanitizer,
        checker.reports()
    );
}
