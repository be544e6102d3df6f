//! `mynetworks` and `own_inet_addr` against stock Postfix 3.7.11 in network
//! namespaces (root only; CI runs as root).
//!
//! Each topology is built in a fresh namespace (tests/common/netns.rs: `ip
//! -batch`, DAD off, IPv6 addresses `nodad`, waits until the kernel has
//! added its link-local addresses; the guard deletes the namespace even
//! when the test fails). In it:
//!
//! 1. for every inet_protocols (all, ipv4, ipv6) × mynetworks_style (host,
//!    subnet, class) × inet_interfaces (all, loopback-only, an explicit
//!    list of two addresses of the topology, an address that is not on
//!    the host, and the topology's own extra lists), stock `postconf -c
//!    DIR -h mynetworks` (DIR/main.cf holds the three parameters and
//!    myhostname) and pfinet's twin c_tests/mynetworks.c print the same
//!    (stdout and stderr merged in order, with argv[0] "postconf" for
//!    both) and exit with the same code: fatal errors included (a class E
//!    address with `mynetworks_style = class`, an interface address that
//!    is not local, an address of a disabled family, a bad style or
//!    protocol name);
//!    the `pfinet` command, `pfinet mynetworks --config DIR -h` (argv[0]
//!    "postconf" too), prints the same and exits with the same code, except
//!    2 where Postfix's fatal error exits 1;
//! 2. for a few (inet_protocols, inet_interfaces) pairs, Postfix's own
//!    own_inet_addr test driver (msg_verbose 10: every list append is
//!    logged, so the order is checked too) and pfinet's twin
//!    c_tests/own_inet_addr.c print the same;
//! 3. so that the comparison rests on stock runs that did what the topology
//!    is about, stock's answers for inet_interfaces = all and loopback-only
//!    are checked against the kernel's view (`ip -o addr`, see [`model`]),
//!    and a few others (explicit lists: their order) against values worked
//!    out by hand.
//!
//! The big topology (5,000 IPv4 + 5,000 IPv6 addresses) runs fewer
//! combinations: every interface dump costs a good part of a second there.
//! Postfix's msg_fatal() sleeps a second before it exits, so the cases of a
//! topology run eight at a time (two in the big one). One test runs every
//! topology, two at a time, and prints a line per topology and the total:
//! `netns mynetworks: N comparisons, 0 differences` (visible with
//! --nocapture). PFINET_NETNS_ONLY=name,... runs only those topologies;
//! PFINET_NETNS_SHOW=1 prints every case with stock's answer.
//!
//! Everything stays inside the namespaces: nothing is sent anywhere (the
//! few host names other than localhost, in the loopback topology, fail to
//! resolve there: no route leads out).

mod common;

use common::netns::*;
use common::*;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// argv[0] of both own_inet_addr drivers.
const OWN: &str = "own_inet_addr";

// ---------------------------------------------------------------------------
// The programs

struct Tools {
    /// Stock Postfix's postconf.
    postconf: PathBuf,
    /// c_tests/mynetworks.c against libpfinet.a.
    mynetworks: PathBuf,
    /// global/own_inet_addr.c -DTEST against stock Postfix's libraries.
    own_stock: PathBuf,
    /// c_tests/own_inet_addr.c against libpfinet.a.
    own_pfinet: PathBuf,
    /// The `pfinet` command (`pfinet mynetworks --config DIR -h`).
    cli: PathBuf,
}

fn tools() -> &'static Tools {
    static T: OnceLock<Tools> = OnceLock::new();
    T.get_or_init(|| {
        let postconf = stock_tree(true).join("bin/postconf");
        assert!(postconf.exists(), "{} is missing", postconf.display());
        Tools {
            postconf,
            mynetworks: pfinet_program("mynetworks.c", default_variant(), Link::Static),
            own_stock: stock_postfix_driver(
                "global/own_inet_addr.c",
                "own_inet_addr",
                &["-Dvar_inet_interfaces=drv_var_inet_interfaces"],
                true,
            ),
            own_pfinet: pfinet_program("own_inet_addr.c", default_variant(), Link::Static),
            cli: PathBuf::from(env!("CARGO_BIN_EXE_pfinet")),
        }
    })
}

/// A directory for main.cf files, removed when dropped.
struct WorkDir(PathBuf);

impl WorkDir {
    fn new(topology: &str) -> WorkDir {
        let root = repo().join("target/netns_mynetworks");
        // Left by test processes that were killed: `<pid>-<topology>`.
        for e in std::fs::read_dir(&root).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let pid = name.split('-').next().unwrap_or("");
            if !pid.is_empty() && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
        let d = root.join(format!("{}-{topology}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        WorkDir(d)
    }

    /// DIR/main.cf and an empty DIR/master.cf (else postconf warns), both
    /// an hour old: Postfix waits before it reads a main.cf that was
    /// changed a moment ago.
    fn config(&self, n: usize, case: &Case) -> PathBuf {
        let dir = self.0.join(n.to_string());
        std::fs::create_dir_all(&dir).unwrap();
        let main_cf = format!(
            "myhostname = test.example\ninet_protocols = {}\nmynetworks_style = {}\n\
             inet_interfaces = {}\n",
            case.protocols, case.style, case.interfaces
        );
        let hour_ago = SystemTime::now() - Duration::from_secs(3600);
        for (f, text) in [("main.cf", main_cf.as_str()), ("master.cf", "")] {
            let path = dir.join(f);
            std::fs::write(&path, text).unwrap();
            std::fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|file| file.set_modified(hour_ago))
                .unwrap_or_else(|e| panic!("backdate {}: {e}", path.display()));
        }
        dir
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// ---------------------------------------------------------------------------
// Cases

#[derive(Debug, Clone, PartialEq, Eq)]
struct Case {
    protocols: String,
    style: String,
    interfaces: String,
}

fn case(protocols: &str, style: &str, interfaces: &str) -> Case {
    Case {
        protocols: protocols.into(),
        style: style.into(),
        interfaces: interfaces.into(),
    }
}

/// Every protocols × style combination for each inet_interfaces value.
fn matrix(interfaces: &[String]) -> Vec<Case> {
    let mut v = Vec::new();
    for i in interfaces {
        for p in PROTOCOLS {
            for s in STYLES {
                v.push(case(p, s, i));
            }
        }
    }
    v
}

/// A stock answer worked out by hand: stdout+stderr, exit code.
struct Oracle {
    case: Case,
    output: String,
    code: i32,
}

fn oracle(p: &str, s: &str, i: &str, output: &str, code: i32) -> Oracle {
    Oracle {
        case: case(p, s, i),
        output: output.into(),
        code,
    }
}

struct Topology {
    name: &'static str,
    batch: String,
    /// Checks that the kernel made what the topology is about; returns
    /// inet_interfaces values that depend on what it made (link-local
    /// addresses), for the full matrix.
    fixture: fn(&Snapshot) -> Vec<String>,
    /// inet_interfaces values for the full protocols × styles matrix, after
    /// "all" and "loopback-only": the explicit two-address list first.
    lists: Vec<String>,
    /// An address that is not on the host.
    absent: &'static str,
    /// Other mynetworks cases (bad styles, odd protocol lists, ...).
    extra: Vec<Case>,
    /// (inet_protocols, inet_interfaces) for the own_inet_addr drivers, on
    /// top of (all, all), (ipv4, all), (ipv6, all), (all, loopback-only)
    /// and (all, first of `lists`) that every topology gets.
    own: Vec<(String, String)>,
    oracles: Vec<Oracle>,
    /// Big: only the cases in `extra` (and the oracles), no matrix.
    big: bool,
}

impl Topology {
    fn new(name: &'static str, batch: &str, fixture: fn(&Snapshot) -> Vec<String>) -> Self {
        Topology {
            name,
            batch: batch.into(),
            fixture,
            lists: Vec::new(),
            absent: "203.0.113.9",
            extra: Vec::new(),
            own: Vec::new(),
            oracles: Vec::new(),
            big: false,
        }
    }

    fn lists(mut self, l: &[&str]) -> Self {
        self.lists = l.iter().map(|s| s.to_string()).collect();
        self
    }

    fn extra(mut self, cases: Vec<Case>) -> Self {
        self.extra.extend(cases);
        self
    }

    fn own(mut self, pairs: &[(&str, &str)]) -> Self {
        self.own
            .extend(pairs.iter().map(|(p, i)| (p.to_string(), i.to_string())));
        self
    }

    fn oracles(mut self, o: Vec<Oracle>) -> Self {
        self.oracles.extend(o);
        self
    }
}

// ---------------------------------------------------------------------------
// Running one topology

#[derive(Default)]
struct Outcome {
    mynetworks: usize,
    /// Of those, also compared with `pfinet mynetworks --config DIR -h`.
    cli: usize,
    /// Stock mynetworks answers also checked against [`model`].
    modelled: usize,
    own: usize,
    /// Cases where pfinet differs from stock, described.
    differences: Vec<String>,
    /// Everything else that went wrong (fixture, oracle, namespace).
    problems: Vec<String>,
}

/// At most this many differing cases are described per topology.
const SHOWN: usize = 12;

fn describe(what: &str, stock: &(String, i32), ours: &(String, i32)) -> String {
    let mut s = format!("{what}: exit {} (stock) vs {} (pfinet)\n", stock.1, ours.1);
    s += &first_differences(&stock.0, &ours.0, 4);
    if stock.0.lines().count() <= 3 && ours.0.lines().count() <= 3 {
        let _ = write!(
            s,
            "  stock output:  {:?}\n  pfinet output: {:?}\n",
            stock.0, ours.0
        );
    }
    s
}

/// One program pair to compare.
enum Job<'a> {
    Mynetworks(&'a Case),
    Own(&'a str, &'a str),
}

/// A program's output and exit code.
type Run = (String, i32);

/// Stock's answer, pfinet's twin's, and (mynetworks jobs) the pfinet
/// command's.
type Answers = (Run, Run, Option<Run>);

/// `jobs` run by `workers` threads at once, answers in `jobs` order.
/// Postfix's msg_fatal() sleeps a second before it exits, and many cases
/// are fatal: running several at a time hides that.
fn run_jobs(ns: &Netns, work: &WorkDir, jobs: &[Job], workers: usize) -> Vec<Answers> {
    let tools = tools();
    let next = AtomicUsize::new(0);
    let answers = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let n = next.fetch_add(1, Ordering::SeqCst);
                    let Some(job) = jobs.get(n) else { break };
                    let pair = match job {
                        Job::Mynetworks(c) => {
                            let dir = work.config(n, c);
                            let dir = dir.to_str().unwrap();
                            (
                                ns.run(POSTCONF, &tools.postconf, &["-c", dir, "-h", "mynetworks"]),
                                ns.run(
                                    POSTCONF,
                                    &tools.mynetworks,
                                    &[&c.protocols, &c.style, &c.interfaces],
                                ),
                                Some(ns.run(
                                    POSTCONF,
                                    &tools.cli,
                                    &["mynetworks", "--config", dir, "-h"],
                                )),
                            )
                        }
                        Job::Own(p, i) => (
                            ns.run(OWN, &tools.own_stock, &[p, i]),
                            ns.run(OWN, &tools.own_pfinet, &[p, i]),
                            None,
                        ),
                    };
                    answers.lock().unwrap().push((n, pair));
                }
            });
        }
    });
    let mut answers = answers.into_inner().unwrap();
    answers.sort_by_key(|a| a.0);
    answers.into_iter().map(|a| a.1).collect()
}

fn run_topology(t: &Topology) -> Outcome {
    let mut o = Outcome::default();
    let ns = Netns::new(&t.batch);
    let snap = ns.settled_snapshot();
    let dynamic = (t.fixture)(&snap);
    assert!(
        !snap.addrs.iter().any(|a| text(&a.local) == t.absent),
        "{}: {} is on the host",
        t.name,
        t.absent
    );
    let work = WorkDir::new(t.name);

    let mut cases = Vec::new();
    if !t.big {
        let mut lists: Vec<String> = vec!["all".into(), "loopback-only".into()];
        lists.extend(t.lists.iter().cloned());
        lists.push(t.absent.into());
        lists.extend(dynamic);
        cases = matrix(&lists);
    }
    for c in t.extra.iter().chain(t.oracles.iter().map(|o| &o.case)) {
        if !cases.contains(c) {
            cases.push(c.clone());
        }
    }

    let mut own: Vec<(String, String)> = Vec::new();
    let first = t.lists.first().map(String::as_str);
    let defaults = [
        ("all", Some("all")),
        ("ipv4", Some("all")),
        ("ipv6", Some("all")),
        ("all", Some("loopback-only")),
        ("all", first),
    ];
    // Big: each run logs 10,000 appends; (all, all) is enough there.
    for (p, i) in &defaults[..if t.big { 1 } else { defaults.len() }] {
        if let Some(i) = i {
            own.push((p.to_string(), i.to_string()));
        }
    }
    for pair in &t.own {
        if !own.contains(pair) {
            own.push(pair.clone());
        }
    }

    let mut jobs: Vec<Job> = cases.iter().map(Job::Mynetworks).collect();
    jobs.extend(own.iter().map(|(p, i)| Job::Own(p, i)));
    // The big topology's runs are CPU-bound; the others mostly sleep.
    let answers = run_jobs(&ns, &work, &jobs, if t.big { 2 } else { 8 });

    // PFINET_NETNS_SHOW=1: print every case and stock's answer.
    let show = std::env::var_os("PFINET_NETNS_SHOW").is_some();
    for (job, (stock, ours, cli)) in jobs.iter().zip(&answers) {
        if show {
            let what = match job {
                Job::Mynetworks(c) => format!("{:?} {:?} {:?}", c.protocols, c.style, c.interfaces),
                Job::Own(p, i) => format!("own_inet_addr {p:?} {i:?}"),
            };
            let out: String = stock.0.chars().take(2000).collect();
            eprintln!("[{}] {what} -> exit {}\n{out}", t.name, stock.1);
        }
        match job {
            Job::Mynetworks(c) => {
                o.mynetworks += 1;
                if stock != ours {
                    o.differences.push(describe(
                        &format!(
                            "mynetworks: inet_protocols = {:?}, mynetworks_style = {:?}, \
                             inet_interfaces = {:?}",
                            c.protocols, c.style, c.interfaces
                        ),
                        stock,
                        ours,
                    ));
                }
                // The pfinet command: the same text; exit 2 where Postfix's
                // fatal error exits 1.
                if let Some(cli) = cli {
                    o.cli += 1;
                    let code = if stock.1 == 1 { 2 } else { stock.1 };
                    if (&cli.0, cli.1) != (&stock.0, code) {
                        o.differences.push(describe(
                            &format!("pfinet mynetworks --config, {c:?}"),
                            stock,
                            cli,
                        ));
                    }
                }
                if stock.0.is_empty() {
                    o.problems.push(format!("stock printed nothing for {c:?}"));
                }
                // Stock against the kernel, where that is simple to work out.
                if PROTOCOLS.contains(&c.protocols.as_str())
                    && STYLES.contains(&c.style.as_str())
                    && ["all", "loopback-only"].contains(&c.interfaces.as_str())
                {
                    o.modelled += 1;
                    let want = model(&snap, &c.protocols, &c.style, c.interfaces == "all");
                    if *stock != want {
                        o.problems.push(format!(
                            "stock postconf for {c:?} does not print what the kernel's view \
                             gives: exit {}, {:?}; expected exit {}, {:?}",
                            stock.1, stock.0, want.1, want.0
                        ));
                    }
                }
                if let Some(w) = t
                    .oracles
                    .iter()
                    .find(|w| w.case == **c)
                    .filter(|w| stock.0 != w.output || stock.1 != w.code)
                {
                    o.problems.push(format!(
                        "stock postconf for {c:?}: exit {}, {:?}; worked out by hand: \
                         exit {}, {:?}",
                        stock.1, stock.0, w.code, w.output
                    ));
                }
            }
            Job::Own(p, i) => {
                o.own += 1;
                if stock != ours {
                    o.differences.push(describe(
                        &format!("own_inet_addr {p:?} {i:?}"),
                        stock,
                        ours,
                    ));
                }
                let appended = stock.0.contains("inet_addr_list_append");
                let skipped = stock.0.contains("all network protocols are disabled");
                if !appended && !skipped && !stock.0.contains("fatal") && *i != "loopback-only" {
                    o.problems.push(format!(
                        "stock own_inet_addr {p:?} {i:?} logged no list append: {:?}",
                        stock.0
                    ));
                }
            }
        }
    }

    let after = Snapshot::take(&ns);
    if after != snap {
        o.problems.push(format!(
            "namespace {} changed while the programs ran {FLAKY}:\n{}",
            ns.name,
            after.changes(&snap)
        ));
    }
    o
}

/// What stock `postconf -h mynetworks` prints for inet_interfaces = all
/// (`all`) or loopback-only, worked out from the kernel's view: for each
/// enabled family (IPv4 first), the addresses of links that are up in `ip
/// -o addr` order (getifaddrs() order, as tests/netns.rs checks), except
/// 0.0.0.0 and ::; loopback-only keeps 127/8 and ::1. Each becomes
/// `net/len` (IPv4) or `[net]/len` (IPv6) with host bits cleared: host is
/// /32 and /128, subnet the interface's prefix length, class the natural
/// mask for IPv4 (A /8, B /16, C /24, D /4; anything else is fatal) and
/// the prefix length for IPv6. Duplicates after the first are dropped.
fn model(snap: &Snapshot, protocols: &str, style: &str, all: bool) -> (String, i32) {
    let fatal = |text: String| (format!("{POSTCONF}: fatal: {text}\n"), 1);
    let families: &[bool] = match protocols {
        "all" => &[true, false],
        "ipv4" => &[true],
        "ipv6" => &[false],
        p => panic!("model: protocols {p:?}"),
    };
    let found: Vec<&Addr> = families
        .iter()
        .flat_map(|&v4| {
            snap.addrs.iter().filter(move |a| {
                matches!(a.local, Ip::V4(_)) == v4
                    && snap.link(a).has("UP")
                    && !unspecified(&a.local)
            })
        })
        .collect();
    if found.is_empty() {
        return fatal("could not find any active network interfaces".into());
    }
    let mut patterns: Vec<String> = Vec::new();
    for a in found {
        let loopback = match a.local {
            Ip::V4(b) => b[0] == 127,
            Ip::V6(b) => b == std::net::Ipv6Addr::LOCALHOST.octets(),
        };
        if !all && !loopback {
            continue;
        }
        let p = match (&a.local, style) {
            (Ip::V4(_), "host") => format!("{}/32", text(&a.local)),
            (Ip::V6(_), "host") => format!("[{}]/128", text(&a.local)),
            (Ip::V4(b), "class") => {
                let len = match b[0] {
                    0..=127 => 8,
                    128..=191 => 16,
                    192..=223 => 24,
                    224..=239 => 4,
                    _ => {
                        return fatal(format!(
                            "mynetworks_core: unknown address class: {}",
                            text(&a.local)
                        ));
                    }
                };
                format!("{}/{len}", text(&and(&a.local, len)))
            }
            (Ip::V4(_), _) => format!("{}/{}", text(&and(&a.local, a.prefix)), a.prefix),
            (Ip::V6(_), _) => format!("[{}]/{}", text(&and(&a.local, a.prefix)), a.prefix),
        };
        if !patterns.contains(&p) {
            patterns.push(p);
        }
    }
    (patterns.join(" ") + "\n", 0)
}

/// `a` with all but its first `len` bits cleared.
fn and(a: &Ip, len: u32) -> Ip {
    match (a, mask_of(a, len)) {
        (Ip::V4(x), Ip::V4(m)) => Ip::V4(std::array::from_fn(|i| x[i] & m[i])),
        (Ip::V6(x), Ip::V6(m)) => Ip::V6(std::array::from_fn(|i| x[i] & m[i])),
        _ => unreachable!(),
    }
}

// ---------------------------------------------------------------------------
// Helpers for fixtures

fn has(s: &Snapshot, addr: &str, prefix: u32) -> bool {
    s.addrs
        .iter()
        .any(|a| text(&a.local) == addr && a.prefix == prefix)
}

fn assert_has(s: &Snapshot, want: &[(&str, u32)]) {
    for (a, p) in want {
        assert!(has(s, a, *p), "the kernel has no {a}/{p}: {s:#?}");
    }
}

/// The kernel-made fe80:: address of link `name`.
fn link_local_of(s: &Snapshot, name: &str) -> String {
    s.addrs
        .iter()
        .filter(|a| s.link(a).name == name)
        .map(|a| text(&a.local))
        .find(|t| t.starts_with("fe80::") && t != "fe80::beef")
        .unwrap_or_else(|| panic!("{name} has no automatic link-local address: {s:#?}"))
}

// ---------------------------------------------------------------------------
// Topologies

fn loopback() -> Topology {
    Topology::new("loopback", LOOPBACK_ONLY, |s| {
        assert_eq!(s.counts(), (1, 1), "{s:#?}");
        vec![]
    })
    .lists(&["127.0.0.1, [::1]"])
    .extra(
        [
            // Styles: name_mask() matches case-sensitively ("HOST" is
            // unknown); the value must set exactly one style bit ("subnet,
            // subnet" does, "host subnet" does not).
            ("all", "HOST", "all"),
            ("all", "Subnet", "all"),
            ("all", "host subnet", "all"),
            ("all", "host,class", "all"),
            ("all", "subnet, subnet", "all"),
            ("all", "bogus", "all"),
            ("all", "", "all"),
            ("ipv4", "", "all"),
            // Protocol lists.
            ("ipv6, ipv4", "subnet", "all"),
            ("ipv4 ipv6", "host", "all"),
            ("IPv4", "host", "all"),
            ("ipv4, ipv4", "host", "all"),
            ("", "host", "all"),
            ("", "bogus", "all"),
            ("", "subnet", "203.0.113.9"),
            ("bogus", "host", "all"),
            ("all, ipv4", "host", "all"),
            // Interface lists.
            ("all", "subnet", "localhost"),
            ("ipv4", "subnet", "localhost"),
            ("ipv6", "subnet", "localhost"),
            ("all", "host", "127.0.0.1 127.0.0.1,[::1] ::1, [::1]"),
            ("all", "host", "[127.0.0.1]"),
            ("all", "host", "127.0.0.2"),
            ("all", "host", "0.0.0.0"),
            ("all", "host", "[::]"),
            ("all", "host", "::1 127.0.0.1 203.0.113.9"),
            ("all", "host", "Loopback-Only"),
            ("all", "host", "[::ffff:127.0.0.1]"),
            ("all", "host", "1.2.3.4.5"),
            ("all", "host", "[2001:db8::1"),
        ]
        .iter()
        .map(|(p, s, i)| case(p, s, i))
        .collect(),
    )
    .own(&[
        ("all", "localhost"),
        ("all", "127.0.0.1 127.0.0.1,[::1] ::1, [::1]"),
        ("ipv4", "[::1]"),
        ("all", "203.0.113.9"),
        ("", "all"),
    ])
    .oracles(vec![
        oracle("all", "host", "all", "127.0.0.1/32 [::1]/128\n", 0),
        oracle("all", "class", "all", "127.0.0.0/8 [::1]/128\n", 0),
        oracle("ipv4", "subnet", "loopback-only", "127.0.0.0/8\n", 0),
        oracle(
            "all",
            "subnet",
            "203.0.113.9",
            "postconf: fatal: parameter inet_interfaces: no local interface found for \
             203.0.113.9\n",
            1,
        ),
        oracle("", "host", "all", "\n", 0),
    ])
}

/// IPv4 addresses of every class (A with /8, /1, /31, and 127/8 on an
/// ordinary link; B with /16, /32, /1, /20; C with /24, /31, /32, /27; D
/// with /4 and /32) on two links.
const IPV4_CLASSES: &str = "\
link set lo up
link add va type veth peer name vb
addr add 10.1.2.3/8 dev va
addr add 1.2.3.4/1 dev va
addr add 100.64.1.3/31 dev va
addr add 127.1.2.3/8 dev va
addr add 172.16.5.4/16 dev va
addr add 150.1.2.3/32 dev va
addr add 128.0.0.1/1 dev va
addr add 191.255.1.1/20 dev vb
addr add 192.0.2.1/24 dev vb
addr add 198.51.100.7/31 dev vb
addr add 203.0.113.5/32 dev vb
addr add 223.255.255.1/27 dev vb
addr add 224.1.2.3/4 dev vb
addr add 239.255.0.1/32 dev vb
link set va up
link set vb up
";

fn ipv4_classes() -> Topology {
    let all_v4 = "203.0.113.5 1.2.3.4, 224.1.2.3 10.1.2.3 150.1.2.3 192.0.2.1 \
                  239.255.0.1 128.0.0.1 100.64.1.3 172.16.5.4 191.255.1.1 \
                  198.51.100.7 223.255.255.1 127.1.2.3 1.2.3.4";
    Topology::new("ipv4-classes", IPV4_CLASSES, |s| {
        assert_has(
            s,
            &[
                ("10.1.2.3", 8),
                ("1.2.3.4", 1),
                ("100.64.1.3", 31),
                ("150.1.2.3", 32),
                ("192.0.2.1", 24),
                ("198.51.100.7", 31),
                ("203.0.113.5", 32),
                ("224.1.2.3", 4),
                ("239.255.0.1", 32),
            ],
        );
        let ll = link_local_of(s, "va");
        vec![format!("224.1.2.3 [{ll}]")]
    })
    .lists(&["192.0.2.1, [::1]", all_v4, "127.1.2.3 127.0.0.1"])
    .own(&[("all", all_v4), ("ipv4", "224.1.2.3, 10.1.2.3")])
    .oracles(vec![
        // lo first, then 127.1.2.3 on va.
        oracle(
            "ipv4",
            "host",
            "loopback-only",
            "127.0.0.1/32 127.1.2.3/32\n",
            0,
        ),
        // Explicit lists come out in inet_addr_list_uniq()'s sort order:
        // s_addr (network byte order) subtracted as host integers, so on
        // this little-endian host the last byte counts most.
        oracle(
            "ipv4",
            "host",
            "10.1.2.3 192.0.2.1",
            "192.0.2.1/32 10.1.2.3/32\n",
            0,
        ),
        oracle(
            "ipv4",
            "subnet",
            "150.1.2.3, 1.2.3.4",
            "150.1.2.3/32 0.0.0.0/1\n",
            0,
        ),
        oracle(
            "ipv4",
            "class",
            "224.1.2.3 128.0.0.1",
            "128.0.0.0/16 224.0.0.0/4\n",
            0,
        ),
    ])
}

/// A class E address: `mynetworks_style = class` is fatal for IPv4.
const CLASS_E: &str = "\
link set lo up
link add va type veth peer name vb
addr add 192.0.2.1/24 dev va
addr add 240.0.0.1/4 dev va
addr add 255.255.255.254/32 dev vb
addr add 2001:db8::1/64 dev vb nodad
link set va up
link set vb up
";

fn class_e() -> Topology {
    Topology::new("class-e", CLASS_E, |s| {
        assert_has(s, &[("240.0.0.1", 4), ("255.255.255.254", 32)]);
        vec![]
    })
    .lists(&[
        "240.0.0.1, [2001:db8::1]",
        "192.0.2.1 [2001:db8::1]",
        "255.255.255.254",
    ])
    .own(&[("all", "240.0.0.1, [2001:db8::1]")])
    .oracles(vec![
        // vb (ifindex 2) comes before va: its class E address is the first.
        oracle(
            "all",
            "class",
            "all",
            "postconf: fatal: mynetworks_core: unknown address class: 255.255.255.254\n",
            1,
        ),
        oracle(
            "all",
            "class",
            "240.0.0.1, [2001:db8::1]",
            "postconf: fatal: mynetworks_core: unknown address class: 240.0.0.1\n",
            1,
        ),
        oracle(
            "ipv4",
            "class",
            "255.255.255.254",
            "postconf: fatal: mynetworks_core: unknown address class: 255.255.255.254\n",
            1,
        ),
        oracle(
            "ipv4",
            "subnet",
            "all",
            "127.0.0.0/8 255.255.255.254/32 192.0.2.0/24 240.0.0.0/4\n",
            0,
        ),
    ])
}

/// IPv6: global, ULA, link-local (the kernel's and a hand-made one),
/// /127, /128, /33, IPv4-mapped (/128 and /96), one IPv4 address.
const IPV6: &str = "\
link set lo up
link add va type veth peer name vb
addr add 192.0.2.1/24 dev va
addr add 2001:db8::1/64 dev va nodad
addr add fd12:3456:789a:1::1/64 dev va nodad
addr add 2001:db8:1::3/127 dev va nodad
addr add ::ffff:198.51.100.9/96 dev va nodad
addr add fd00:abcd::5/48 dev vb nodad
addr add 2001:db8:2::3/128 dev vb nodad
addr add 2001:db8:8000::4/33 dev vb nodad
addr add ::ffff:192.0.2.1/128 dev vb nodad
addr add fe80::beef/64 dev vb nodad
link set va up
link set vb up
";

fn ipv6() -> Topology {
    Topology::new("ipv6", IPV6, |s| {
        assert_has(
            s,
            &[
                ("2001:db8::1", 64),
                ("fd12:3456:789a:1::1", 64),
                ("2001:db8:1::3", 127),
                ("2001:db8:2::3", 128),
                ("2001:db8:8000::4", 33),
                ("::ffff:192.0.2.1", 128),
                ("fe80::beef", 64),
            ],
        );
        let (a, b) = (link_local_of(s, "va"), link_local_of(s, "vb"));
        vec![
            format!("[{a}]"),
            format!("{b}, [fe80::beef] 2001:db8::1"),
            format!("[{a}%va] [fe80::beef%vb]"),
        ]
    })
    .lists(&[
        "192.0.2.1, [2001:db8::1]",
        "[2001:db8:8000::4] [fd00:abcd::5] 2001:db8:1::3 [2001:db8:2::3] \
         fd12:3456:789a:1::1 [::1] 2001:db8::1",
        "[::ffff:192.0.2.1]",
        "::ffff:198.51.100.9, 192.0.2.1",
    ])
    .own(&[
        ("all", "[::ffff:192.0.2.1]"),
        ("ipv6", "fe80::beef"),
        ("all", "[fe80::beef%vb]"),
    ])
    .oracles(vec![
        // ::1; then vb (ifindex 2) before va; each link's IPv6 addresses
        // newest first, global scope before the kernel's fe80::.
        oracle(
            "ipv6",
            "subnet",
            "all",
            "[::1]/128 [::ffff:192.0.2.1]/128 [2001:db8:8000::]/33 [2001:db8:2::3]/128 \
             [fd00:abcd::]/48 [fe80::]/64 [::ffff:0.0.0.0]/96 [2001:db8:1::2]/127 \
             [fd12:3456:789a:1::]/64 [2001:db8::]/64\n",
            0,
        ),
        oracle("ipv6", "subnet", "[fe80::beef]", "[fe80::]/64\n", 0),
        oracle(
            "all",
            "subnet",
            "[::ffff:192.0.2.1]",
            "[::ffff:192.0.2.1]/128\n",
            0,
        ),
    ])
}

/// Several addresses per link, the same network on two and three links,
/// the same address on two links (same and other prefix lengths).
const MULTI: &str = "\
link set lo up
link add va type veth peer name vb
link add vc type veth peer name vd
addr add 192.0.2.1/24 dev va
addr add 192.0.2.2/24 dev va
addr add 10.0.0.1/8 dev va
addr add 198.51.100.1/24 dev va
addr add 192.0.2.3/24 dev vb
addr add 172.16.0.1/12 dev vb
addr add 198.51.100.1/28 dev vb
addr add 192.0.2.4/25 dev vc
addr add 10.99.0.1/16 dev vc
addr add 172.16.1.1/24 dev vc
addr add 2001:db8::1/64 dev va nodad
addr add 2001:db8::2/64 dev va nodad
addr add 2001:db8:5::1/48 dev va nodad
addr add 2001:db8::3/64 dev vb nodad
addr add 2001:db8:5::1/112 dev vb nodad
addr add 2001:db8:0:1::1/64 dev vc nodad
addr add 2001:db8::4/64 dev vd nodad
link set va up
link set vb up
link set vc up
link set vd up
";

fn multi() -> Topology {
    Topology::new("multi", MULTI, |s| {
        assert_has(s, &[("198.51.100.1", 24), ("198.51.100.1", 28)]);
        assert_has(s, &[("2001:db8:5::1", 48), ("2001:db8:5::1", 112)]);
        vec![]
    })
    .lists(&[
        "192.0.2.3, [2001:db8::3]",
        "198.51.100.1 [2001:db8:5::1]",
        "192.0.2.4 192.0.2.3 192.0.2.2 192.0.2.1 10.99.0.1 10.0.0.1 172.16.1.1 \
         172.16.0.1 [2001:db8::4] [2001:db8::3] 2001:db8::2 2001:db8::1",
    ])
    .own(&[("all", "198.51.100.1 [2001:db8:5::1] 192.0.2.4 10.0.0.1")])
    .oracles(vec![
        // The mask of an explicit address is that of its first local
        // occurrence: vb (ifindex 2) comes before va.
        oracle(
            "all",
            "subnet",
            "198.51.100.1 [2001:db8:5::1]",
            "198.51.100.0/28 [2001:db8:5::]/112\n",
            0,
        ),
    ])
}

/// IPv6 only: loopback down (so no 127.0.0.1 or ::1 is up) and a link
/// pair with IPv6 addresses alone. An explicit IPv4 address then meets no
/// IPv4 address at all: with inet_protocols = ipv4 Postfix finds no active
/// interface; with all it finds IPv6 ones, and no local interface for the
/// address (pfinet reads only the families the explicit addresses have,
/// and must then still tell these two apart).
const IPV6_ONLY: &str = "\
link add va type veth peer name vb
addr add 2001:db8:6::1/64 dev va nodad
addr add fd00:6::2/48 dev vb nodad
link set va up
link set vb up
";

fn ipv6_only() -> Topology {
    Topology::new("ipv6-only", IPV6_ONLY, |s| {
        assert_eq!(s.counts().0, 0, "{s:#?}");
        assert_has(s, &[("2001:db8:6::1", 64), ("fd00:6::2", 48)]);
        vec![]
    })
    .lists(&[
        "[2001:db8:6::1], fd00:6::2",
        "192.0.2.1",
        "192.0.2.1 [2001:db8:6::1]",
        "[2001:db8:6::1] 192.0.2.1",
    ])
    .own(&[("all", "192.0.2.1"), ("all", "[fd00:6::2]")])
    .oracles(vec![
        oracle(
            "all",
            "subnet",
            "[2001:db8:6::1], fd00:6::2",
            "[2001:db8:6::]/64 [fd00:6::]/48\n",
            0,
        ),
        oracle(
            "ipv4",
            "host",
            "192.0.2.1",
            "postconf: fatal: could not find any active network interfaces\n",
            1,
        ),
        oracle(
            "all",
            "host",
            "192.0.2.1",
            "postconf: fatal: parameter inet_interfaces: no local interface found for \
             192.0.2.1\n",
            1,
        ),
    ])
}

/// tests/netns.rs's `down` topology: links that are down (never up) with
/// addresses of both families, a link that is up without carrier, and
/// the basic topology's /0, point-to-point, IPv4-compatible and labelled
/// addresses.
fn down_links() -> Topology {
    let mut t = Topology::new("down", "", |s| {
        let down: Vec<String> = s
            .addrs
            .iter()
            .filter(|a| !s.link(a).has("UP"))
            .map(|a| text(&a.local))
            .collect();
        assert!(
            down.contains(&"172.16.5.5".to_string()) && down.contains(&"2001:db8:c::5".to_string()),
            "{s:#?}"
        );
        vec![]
    })
    .lists(&[
        "192.0.2.1, [2001:db8::1]",
        "172.16.5.5",
        "[2001:db8:d::6]",
        "172.17.6.6 [2001:db8:e::6]",
        "100.64.0.1, 2001:db8:0:1::",
        "10.20.30.40 203.0.113.9 [::1.2.3.4]",
    ])
    .own(&[("all", "172.16.5.5"), ("all", "172.17.6.6 [2001:db8:e::6]")])
    .oracles(vec![oracle(
        "all",
        "subnet",
        "100.64.0.1, 2001:db8:0:1::",
        "0.0.0.0/0 [::]/0\n",
        0,
    )]);
    t.batch = down();
    t.absent = "198.18.0.9";
    t
}

/// Addresses of the big topology, listed explicitly: every 10th IPv4 and
/// IPv6 address (1,000), in an order that is neither sorted nor the
/// kernel's.
fn big_list() -> String {
    let batch = big_batch();
    let addrs: Vec<&str> = batch
        .lines()
        .filter_map(|l| l.strip_prefix("addr add "))
        .map(|l| l.split('/').next().unwrap())
        .collect();
    let mut picked: Vec<String> = addrs
        .iter()
        .step_by(10)
        .map(|a| {
            if a.contains(':') {
                format!("[{a}]")
            } else {
                a.to_string()
            }
        })
        .collect();
    // A fixed shuffle.
    let n = picked.len();
    for i in 0..n {
        picked.swap(i, (i * 7919 + 13) % n);
    }
    picked.join(" ")
}

fn big() -> Topology {
    let list = big_list();
    let two = "10.0.0.1, [2001:db8::1]";
    let mut extra = matrix(&["all".to_string()]);
    for p in PROTOCOLS {
        extra.push(case(p, "subnet", "loopback-only"));
        extra.push(case(p, "class", two));
    }
    for st in STYLES {
        extra.push(case("all", st, &list));
    }
    extra.extend([
        case("ipv4", "class", &list),
        case("ipv6", "subnet", &list),
        case("all", "subnet", "203.0.113.9"),
    ]);
    let mut t = Topology::new("big", "", |s| {
        assert_eq!(s.counts(), (5_001, 5_003), "the big topology");
        vec![]
    })
    .extra(extra);
    t.batch = big_batch();
    t.big = true;
    t.own = vec![("all".into(), list)];
    t.lists = vec![two.into()];
    t
}

// ---------------------------------------------------------------------------
// The test

/// A topology's place in the list, name, run time, and outcome (or why it
/// stopped).
type Finished = (usize, &'static str, Duration, Result<Outcome, String>);

/// [`run_topology`] (a panic becomes the error), run again in a new
/// namespace, up to [`ATTEMPTS`] times in all, while the kernel changed the
/// namespace under the programs: their answers were then taken from two
/// different states, and compare nothing. Each retry is reported.
fn run_with_retry(t: &Topology) -> Result<Outcome, String> {
    let mut attempt = 1;
    loop {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_topology(t))).map_err(
            |e| {
                e.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "panic".into())
            },
        );
        let moved = match &r {
            Ok(o) => o.problems.iter().find(|p| p.contains(FLAKY)),
            Err(_) => None,
        };
        match moved {
            Some(why) if attempt < ATTEMPTS => {
                eprintln!(
                    "netns mynetworks ({}): attempt {attempt}: {why}; again",
                    t.name
                );
                attempt += 1;
            }
            _ => return r,
        }
    }
}

/// How many times a topology is built when the kernel moves under it.
const ATTEMPTS: usize = 3;

/// The mark of a problem that says the namespace changed during a run.
const FLAKY: &str = "(flaky fixture)";

#[test]
fn mynetworks_and_own_inet_addr_equal_stock() {
    require_root("netns_mynetworks");
    let start = Instant::now();
    let _ = tools();
    let built = start.elapsed();
    // The big one first: it is the longest.
    let mut topologies: Vec<fn() -> Topology> = vec![
        big,
        loopback,
        ipv4_classes,
        class_e,
        ipv6,
        multi,
        ipv6_only,
        down_links,
    ];
    // PFINET_NETNS_ONLY=name,name: only these topologies (while debugging).
    if let Ok(only) = std::env::var("PFINET_NETNS_ONLY") {
        let only: Vec<&str> = only.split(',').collect();
        topologies.retain(|make| only.contains(&make().name));
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Finished>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::SeqCst);
                    let Some(make) = topologies.get(k) else { break };
                    let t = make();
                    let began = Instant::now();
                    let r = run_with_retry(&t);
                    results
                        .lock()
                        .unwrap()
                        .push((k, t.name, began.elapsed(), r));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|r| r.0);

    let (mut total, mut mynet, mut own, mut diffs, mut modelled) = (0, 0, 0, 0, 0);
    let mut cli = 0;
    let mut report = String::new();
    for (_, name, took, r) in &results {
        match r {
            Ok(o) => {
                let n = o.mynetworks + o.own + o.cli;
                total += n;
                mynet += o.mynetworks;
                modelled += o.modelled;
                own += o.own;
                cli += o.cli;
                diffs += o.differences.len();
                eprintln!(
                    "netns mynetworks ({name}): {n} comparisons ({} mynetworks, {} \
                     own_inet_addr, {} pfinet command), {} differences; {} stock answers \
                     checked against the kernel; {:.1} s",
                    o.mynetworks,
                    o.own,
                    o.cli,
                    o.differences.len(),
                    o.modelled,
                    took.as_secs_f64()
                );
                for d in o.differences.iter().take(SHOWN) {
                    let _ = writeln!(report, "[{name}] pfinet differs from stock, {d}");
                }
                if o.differences.len() > SHOWN {
                    let _ = writeln!(
                        report,
                        "[{name}] ... and {} more differing cases\n",
                        o.differences.len() - SHOWN
                    );
                }
                for p in &o.problems {
                    let _ = writeln!(report, "[{name}] {p}\n");
                }
            }
            Err(why) => {
                eprintln!(
                    "netns mynetworks ({name}): FAILED after {:.1} s",
                    took.as_secs_f64()
                );
                let _ = writeln!(report, "[{name}] topology failed: {why}\n");
            }
        }
    }
    eprintln!(
        "netns mynetworks: {total} comparisons ({mynet} mynetworks, {own} own_inet_addr, \
         {cli} pfinet command), \
         {diffs} differences; {modelled} stock answers checked against the kernel; {} \
         topologies, {:.1} s (programs built in {:.1} s)",
        results.len(),
        start.elapsed().as_secs_f64(),
        built.as_secs_f64()
    );

    // No namespace of this process may be left behind.
    let prefix = format!("pft-{}-", std::process::id());
    let left: Vec<String> = ip(&["netns", "list"], None)
        .lines()
        .filter(|l| l.starts_with(&prefix))
        .map(String::from)
        .collect();
    assert!(left.is_empty(), "namespaces left behind: {left:?}");

    assert!(report.is_empty(), "\n{report}");
    assert!(total > 0);
}

/// The topologies' own consistency (no namespace needed).
#[test]
fn topologies_are_well_formed() {
    let list = big_list();
    assert_eq!(list.split(' ').count(), 1_000);
    let mut sorted: Vec<&str> = list.split(' ').collect();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), 1_000, "big_list has duplicates");
    let batch = big_batch();
    let mut addrs: Vec<&str> = batch
        .lines()
        .filter_map(|l| l.strip_prefix("addr add "))
        .map(|l| l.split('/').next().unwrap())
        .collect();
    assert_eq!(addrs.len(), 10_000);
    addrs.sort_unstable();
    addrs.dedup();
    assert_eq!(addrs.len(), 10_000, "big_batch has duplicate addresses");
}
