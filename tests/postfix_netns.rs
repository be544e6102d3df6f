//! The pfinet-patched Postfix against stock Postfix of the same release, for
//! every supported release (tests/common postfix_versions()), in network
//! namespaces (root only; CI runs as root). Both trees of a release come
//! from `scripts/postfix-pfinet.sh --version VERSION`, run once
//! per release (it is idempotent; when it fails, the tests fail).
//!
//! * `postconf_mynetworks_patched_equals_stock`: the real `postconf`
//!   binaries of both trees (argv[0] "postconf" for both, stdout and stderr
//!   merged in order, and the exit code), `postconf -c DIR -h mynetworks`,
//!   in the namespace topologies of tests/netns_mynetworks.rs (their
//!   `ip -batch` text is read from that file, so the two cannot drift
//!   apart; the big one is built by a copy of its generator), for every
//!   inet_protocols (all, ipv4, ipv6) × mynetworks_style (host, subnet,
//!   class) × inet_interfaces (all, loopback-only, two addresses of the
//!   topology, an address that is not on the host): zero differences.
//!   Prints `postfix netns postconf: N comparisons, 0 differences`.
//! * `smtp_relay_decisions_patched_equal_stock`: a real mail server. A
//!   server namespace with a bridge, two client namespaces on it (one
//!   inside the server's subnets, one outside, IPv4 and IPv6 each); the
//!   patched and the stock Postfix (master, smtpd, cleanup,
//!   trivial-rewrite, anvil, postlogd from their tree, own config and
//!   queue directories) each run in such a setup; every client, over IPv4
//!   and IPv6, opens an SMTP session (a small client here, in a thread
//!   moved into the client namespace) and tries relaying and address
//!   literals. Relay is accepted from inside, refused from outside (554
//!   5.7.1 Relay access denied), and every reply line of the patched
//!   server equals stock's. Prints the decisions table.
//! * `match_config_equals_smtpd`: the same setup, stock Postfix of the
//!   oldest release, with a mynetworks that uses a `$parameter`, a `/file`
//!   (a `!` address and an IPv6 network) and a `cidr:` table: each client's
//!   relay decision by the real smtpd (`permit_mynetworks`) equals `pfinet
//!   match --config CONF mynetworks CLIENT` (YES: relayed), which also names
//!   the file line or cidr rule that decided.
//!
//! Everything stays inside the namespaces created here; every process
//! started is stopped (the master's process group is killed by a guard,
//! also on panic), every namespace deleted.

mod common;

use common::netns::*;
use common::repo;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

// ---------------------------------------------------------------------------
// The trees

struct Trees {
    stock: PathBuf,
    patched: PathBuf,
}

/// Runs scripts/postfix-pfinet.sh once per release and test process (both
/// tests share it; the script itself takes a lock).
fn trees(version: &str) -> &'static Trees {
    static T: Mutex<Vec<(String, &'static Trees)>> = Mutex::new(Vec::new());
    let mut all = T.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, t)) = all.iter().find(|(v, _)| v == version) {
        return t;
    }
    let t: &'static Trees = Box::leak(Box::new(build_trees(version)));
    all.push((version.to_string(), t));
    t
}

fn build_trees(version: &str) -> Trees {
    let began = Instant::now();
    let log = repo().join(format!("target/postfix_netns-script-{version}.log"));
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    let out = Command::new("bash")
        .arg(repo().join("scripts/postfix-pfinet.sh"))
        .args(["--version", version])
        // cargo sets it for test processes; Postfix's makedefs refuses to
        // build under it.
        .env_remove("LD_LIBRARY_PATH")
        .current_dir(repo())
        .stdin(Stdio::null())
        .output()
        .expect("run scripts/postfix-pfinet.sh");
    let mut text = out.stdout.clone();
    text.extend_from_slice(b"\n--- stderr ---\n");
    text.extend_from_slice(&out.stderr);
    std::fs::write(&log, &text).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let tail: Vec<&str> = stdout.lines().rev().take(15).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    assert!(
        out.status.success(),
        "scripts/postfix-pfinet.sh --version {version} failed ({}); log: {}\n{}\n{}",
        out.status,
        log.display(),
        tail.join("\n"),
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .rev()
            .take(15)
            .collect::<Vec<_>>()
            .join("\n")
    );
    eprintln!(
        "postfix netns: scripts/postfix-pfinet.sh --version {version}: ok in {:.1} s ({})",
        began.elapsed().as_secs_f64(),
        stdout
            .lines()
            .last()
            .unwrap_or("")
            .chars()
            .take(120)
            .collect::<String>()
    );
    let base = std::env::var_os("PFINET_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".cache/postfix"));
    let work = base.join(format!("{version}-pfinet"));
    let t = Trees {
        stock: work.join("stock"),
        patched: work.join("patched"),
    };
    for tree in [&t.stock, &t.patched] {
        for p in ["bin/postconf", "libexec/master", "libexec/smtpd"] {
            let f = tree.join(p);
            assert!(f.is_file(), "{} is missing after the script", f.display());
        }
    }
    t
}

fn require_root() {
    // SAFETY: geteuid() has no preconditions.
    let euid = unsafe { libc::geteuid() };
    assert!(
        euid == 0,
        "tests/postfix_netns.rs must run as root (euid is {euid}): it builds Postfix with \
         scripts/postfix-pfinet.sh (apt, useradd), creates network namespaces and runs a \
         mail server; run `sudo cargo test --test postfix_netns`"
    );
    common::netns::require_root("postfix_netns");
}

/// A scratch directory, removed when dropped; directories of dead test
/// processes (`<pid>-...`) are swept first.
struct Scratch(PathBuf);

impl Scratch {
    fn new(root: &Path, what: &str) -> Scratch {
        for e in std::fs::read_dir(root).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let pid = name.split('-').next().unwrap_or("");
            if pid.parse::<u32>().is_ok() && !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
        let d = root.join(format!("{}-{what}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Scratch(d)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes `text` to `path`, an hour old: Postfix waits before it reads a
/// main.cf that was changed a moment ago.
fn write_old(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    let hour_ago = SystemTime::now() - Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(path)
        .and_then(|f| f.set_modified(hour_ago))
        .unwrap_or_else(|e| panic!("backdate {}: {e}", path.display()));
}

/// None of `names` (the namespaces a test made; the other test of this
/// process may be running) is left.
fn no_namespace_left(names: &[String]) {
    let left: Vec<String> = ip(&["netns", "list"], None)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| names.iter().any(|m| m == n))
        .map(String::from)
        .collect();
    assert!(!names.is_empty());
    assert!(left.is_empty(), "namespaces left behind: {left:?}");
}

// ---------------------------------------------------------------------------
// Part A: postconf -h mynetworks

/// The `ip -batch` text of `const NAME: &str = "\` in
/// tests/netns_mynetworks.rs.
fn batch_from_netns_mynetworks(name: &str) -> String {
    const SRC: &str = include_str!("netns_mynetworks.rs");
    let head = format!("const {name}: &str = \"\\\n");
    let start = SRC
        .find(&head)
        .unwrap_or_else(|| panic!("tests/netns_mynetworks.rs has no {head:?}"))
        + head.len();
    let len = SRC[start..].find("\";\n").expect("end of the batch");
    let body = &SRC[start..start + len];
    assert!(
        !body.contains('\\') && !body.contains('"'),
        "{name}: unexpected escapes"
    );
    body.to_string()
}

struct Topo {
    name: &'static str,
    batch: String,
    /// The explicit two-address inet_interfaces list (the first list of
    /// the topology in tests/netns_mynetworks.rs).
    two: &'static str,
    /// An address that is not on the host.
    absent: &'static str,
    /// Workers: the big topology's runs are CPU-bound, the others mostly
    /// sleep (msg_fatal sleeps a second).
    workers: usize,
}

fn topologies() -> Vec<Topo> {
    let t = |name, batch: String, two, absent, workers| Topo {
        name,
        batch,
        two,
        absent,
        workers,
    };
    vec![
        t(
            "big",
            big_batch(),
            "10.0.0.1, [2001:db8::1]",
            "203.0.113.9",
            2,
        ),
        t(
            "loopback",
            LOOPBACK_ONLY.into(),
            "127.0.0.1, [::1]",
            "203.0.113.9",
            6,
        ),
        t(
            "ipv4-classes",
            batch_from_netns_mynetworks("IPV4_CLASSES"),
            "192.0.2.1, [::1]",
            "203.0.113.9",
            6,
        ),
        t(
            "class-e",
            batch_from_netns_mynetworks("CLASS_E"),
            "240.0.0.1, [2001:db8::1]",
            "203.0.113.9",
            6,
        ),
        t(
            "ipv6",
            batch_from_netns_mynetworks("IPV6"),
            "192.0.2.1, [2001:db8::1]",
            "203.0.113.9",
            6,
        ),
        t(
            "multi",
            batch_from_netns_mynetworks("MULTI"),
            "192.0.2.3, [2001:db8::3]",
            "203.0.113.9",
            6,
        ),
        t("down", down(), "192.0.2.1, [2001:db8::1]", "198.18.0.9", 6),
    ]
}

#[derive(Debug, Clone)]
struct Case {
    protocols: &'static str,
    style: &'static str,
    interfaces: String,
}

type Answer = (String, i32);

struct TopoResult {
    name: &'static str,
    netns: String,
    took: Duration,
    cases: Vec<(Case, Answer, Answer)>,
}

fn run_postconf_topology(t: &Topo, trees: &Trees, root: &Path) -> TopoResult {
    let began = Instant::now();
    let ns = Netns::new(&t.batch);
    let snap = ns.settled_snapshot();
    for a in t
        .two
        .split([',', ' '])
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_matches(['[', ']']))
    {
        assert!(
            snap.addrs.iter().any(|x| text(&x.local) == a),
            "{}: {a} of {:?} is not on the host",
            t.name,
            t.two
        );
    }
    assert!(
        !snap.addrs.iter().any(|x| text(&x.local) == t.absent),
        "{}: {} is on the host",
        t.name,
        t.absent
    );
    let work = Scratch::new(root, t.name);
    let mut cases = Vec::new();
    for i in ["all", "loopback-only", t.two, t.absent] {
        for p in PROTOCOLS {
            for s in STYLES {
                cases.push(Case {
                    protocols: p,
                    style: s,
                    interfaces: i.to_string(),
                });
            }
        }
    }
    let stock = trees.stock.join("bin/postconf");
    let patched = trees.patched.join("bin/postconf");
    let next = AtomicUsize::new(0);
    let answers: Mutex<Vec<(usize, Answer, Answer)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..t.workers {
            scope.spawn(|| {
                loop {
                    let n = next.fetch_add(1, Ordering::SeqCst);
                    let Some(c) = cases.get(n) else { break };
                    let dir = work.0.join(n.to_string());
                    std::fs::create_dir_all(&dir).unwrap();
                    write_old(
                        &dir.join("main.cf"),
                        &format!(
                            "myhostname = test.example\ninet_protocols = {}\n\
                             mynetworks_style = {}\ninet_interfaces = {}\n",
                            c.protocols, c.style, c.interfaces
                        ),
                    );
                    write_old(&dir.join("master.cf"), "");
                    let d = dir.to_str().unwrap();
                    let args = ["-c", d, "-h", "mynetworks"];
                    let s = ns.run(POSTCONF, &stock, &args);
                    let p = ns.run(POSTCONF, &patched, &args);
                    answers.lock().unwrap().push((n, s, p));
                }
            });
        }
    });
    let mut answers = answers.into_inner().unwrap();
    answers.sort_by_key(|a| a.0);
    let after = Snapshot::take(&ns);
    assert!(
        after == snap,
        "{}: the namespace changed while postconf ran (flaky fixture):\n{}",
        t.name,
        after.changes(&snap)
    );
    TopoResult {
        name: t.name,
        netns: ns.name.clone(),
        took: began.elapsed(),
        cases: answers
            .into_iter()
            .map(|(n, s, p)| (cases[n].clone(), s, p))
            .collect(),
    }
}

#[test]
fn postconf_mynetworks_patched_equals_stock() {
    require_root();
    for version in common::postfix_versions() {
        postconf_mynetworks(&version);
    }
}

fn postconf_mynetworks(version: &str) {
    let began = Instant::now();
    let trees = trees(version);
    let script = began.elapsed();
    let root = repo().join(format!("target/postfix_netns/{version}"));
    std::fs::create_dir_all(&root).unwrap();
    let topos = topologies();
    let results: Mutex<Vec<Result<TopoResult, String>>> = Mutex::new(Vec::new());
    let a_began = Instant::now();
    // Every topology at once: the big one keeps both CPUs busy, the others
    // mostly wait for msg_fatal()'s sleep.
    std::thread::scope(|scope| {
        for t in &topos {
            let results = &results;
            let root = &root;
            scope.spawn(move || {
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    run_postconf_topology(t, trees, root)
                }))
                .map_err(|e| {
                    let why = e
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_else(|| "panic".into());
                    format!("[{}] topology failed: {why}", t.name)
                });
                results.lock().unwrap().push(r);
            });
        }
    });
    let results = results.into_inner().unwrap();
    let mut report = Vec::new();
    let (mut total, mut diffs, mut fatal) = (0, 0, 0);
    let mut by_name: BTreeMap<&str, &TopoResult> = BTreeMap::new();
    for r in &results {
        match r {
            Err(why) => report.push(why.clone()),
            Ok(tr) => {
                by_name.insert(tr.name, tr);
                let mut d = 0;
                for (c, s, p) in &tr.cases {
                    total += 1;
                    if s.1 != 0 {
                        fatal += 1;
                    }
                    if s.0.is_empty() {
                        report.push(format!("[{}] stock printed nothing for {c:?}", tr.name));
                    }
                    if s != p {
                        d += 1;
                        if d <= 8 {
                            report.push(format!(
                                "[{}] patched differs from stock: inet_protocols = {:?}, \
                                 mynetworks_style = {:?}, inet_interfaces = {:?}\n  stock   \
                                 (exit {}): {:?}\n  patched (exit {}): {:?}",
                                tr.name,
                                c.protocols,
                                c.style,
                                c.interfaces,
                                s.1,
                                s.0.chars().take(400).collect::<String>(),
                                p.1,
                                p.0.chars().take(400).collect::<String>()
                            ));
                        }
                    }
                }
                diffs += d;
                eprintln!(
                    "postfix netns postconf (Postfix {version}, {}): {} comparisons, {d} \
                     differences, {:.1} s",
                    tr.name,
                    tr.cases.len(),
                    tr.took.as_secs_f64()
                );
            }
        }
    }
    // The comparison rests on stock runs that did what they are about.
    let expect = |topo: &str, p: &str, s: &str, i: &str, out: &str, code: i32| {
        let tr = by_name.get(topo)?;
        let (_, st, _) = tr
            .cases
            .iter()
            .find(|(c, _, _)| c.protocols == p && c.style == s && c.interfaces == i)
            .expect("case");
        (st.0 != out || st.1 != code).then(|| {
            format!(
                "[{topo}] stock postconf for ({p}, {s}, {i}): exit {}, {:?}; expected exit \
                 {code}, {out:?}",
                st.1, st.0
            )
        })
    };
    report.extend(
        [
            expect(
                "loopback",
                "all",
                "host",
                "all",
                "127.0.0.1/32 [::1]/128\n",
                0,
            ),
            expect(
                "loopback",
                "ipv4",
                "subnet",
                "loopback-only",
                "127.0.0.0/8\n",
                0,
            ),
            expect(
                "loopback",
                "all",
                "subnet",
                "203.0.113.9",
                "postconf: fatal: parameter inet_interfaces: no local interface found for \
                 203.0.113.9\n",
                1,
            ),
            expect(
                "class-e",
                "all",
                "class",
                "all",
                "postconf: fatal: mynetworks_core: unknown address class: 255.255.255.254\n",
                1,
            ),
            expect(
                "multi",
                "all",
                "subnet",
                "192.0.2.3, [2001:db8::3]",
                "192.0.2.0/24 [2001:db8::]/64\n",
                0,
            ),
        ]
        .into_iter()
        .flatten(),
    );
    eprintln!(
        "postfix netns postconf (Postfix {version}): {total} comparisons, {diffs} differences \
         ({} topologies, {fatal} fatal on stock; {:.1} s, script {:.1} s)",
        by_name.len(),
        a_began.elapsed().as_secs_f64(),
        script.as_secs_f64()
    );
    no_namespace_left(
        &by_name
            .values()
            .map(|t| t.netns.clone())
            .collect::<Vec<_>>(),
    );
    assert!(
        report.is_empty(),
        "Postfix {version}:\n{}",
        report.join("\n\n")
    );
    assert_eq!(by_name.len(), topos.len());
    assert_eq!(total, topos.len() * 36);
    println!(
        "release-check: Postfix {version}: postconf in namespaces: {total} comparisons in {} \
         topologies, 0 differences",
        topos.len()
    );
}

// ---------------------------------------------------------------------------
// Part B: a real mail server

/// The server's addresses (on its bridge), an inside client in the same
/// subnets, and an outside client whose addresses are in no subnet of the
/// server (a /32 and a /128 on the same bridge, with on-link routes both
/// ways).
const SERVER4: &str = "192.0.2.1";
const SERVER6: &str = "2001:db8:77:1::1";
const INSIDE4: &str = "192.0.2.10";
const INSIDE6: &str = "2001:db8:77:1::10";
const OUTSIDE4: &str = "198.51.100.20";
const OUTSIDE6: &str = "2001:db8:99::20";

/// A server namespace with a bridge, and the two client namespaces whose
/// eth0 is a port of it.
struct Lan {
    inside: Netns,
    outside: Netns,
    server: Netns,
}

fn lan() -> Lan {
    let inside = Netns::new("");
    let outside = Netns::new("");
    let server = Netns::new(&format!(
        "link set lo up
link add br0 type bridge
link add pin type veth peer name eth0 netns {}
link add pout type veth peer name eth0 netns {}
link set pin master br0
link set pout master br0
addr add {SERVER4}/24 dev br0
addr add {SERVER6}/64 dev br0 nodad
link set br0 up
link set pin up
link set pout up
",
        inside.name, outside.name
    ));
    ip(
        &["-n", &inside.name, "-batch", "-"],
        Some(
            format!(
                "link set lo up
addr add {INSIDE4}/24 dev eth0
addr add {INSIDE6}/64 dev eth0 nodad
link set eth0 up
"
            )
            .as_bytes(),
        ),
    );
    ip(
        &["-n", &outside.name, "-batch", "-"],
        Some(
            format!(
                "link set lo up
addr add {OUTSIDE4}/32 dev eth0
addr add {OUTSIDE6}/128 dev eth0 nodad
link set eth0 up
route add 192.0.2.0/24 dev eth0
route add 2001:db8:77:1::/64 dev eth0
"
            )
            .as_bytes(),
        ),
    );
    ip(
        &["-n", &server.name, "-batch", "-"],
        Some(
            format!(
                "route add {OUTSIDE4}/32 dev br0
route add {OUTSIDE6}/128 dev br0
"
            )
            .as_bytes(),
        ),
    );
    for ns in [&inside, &outside, &server] {
        ns.settled_snapshot();
    }
    Lan {
        inside,
        outside,
        server,
    }
}

fn user_ids(user: &str, group: &str) -> (u32, u32, u32) {
    let u = std::ffi::CString::new(user).unwrap();
    let g = std::ffi::CString::new(group).unwrap();
    // SAFETY: getpwnam/getgrnam with NUL-terminated names; the results are
    // read at once (the tests do not call them elsewhere concurrently in
    // a way that matters: the values are the same).
    unsafe {
        let pw = libc::getpwnam(u.as_ptr());
        assert!(
            !pw.is_null(),
            "no user {user}: run scripts/postfix-pfinet.sh"
        );
        let gr = libc::getgrnam(g.as_ptr());
        assert!(
            !gr.is_null(),
            "no group {group}: run scripts/postfix-pfinet.sh"
        );
        ((*pw).pw_uid, (*pw).pw_gid, (*gr).gr_gid)
    }
}

/// Config, queue and data directories of one Postfix instance.
fn postfix_dirs(dir: &Path, tree: &Path, extra: &dyn Fn(&Path) -> String) -> PathBuf {
    use std::os::unix::fs::{PermissionsExt, chown};
    let (uid, gid, postdrop) = user_ids("postfix", "postdrop");
    let mode =
        |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    mode(dir, 0o755);
    let conf = dir.join("conf");
    let queue = dir.join("queue");
    let data = dir.join("data");
    for d in [&conf, &queue, &data] {
        std::fs::create_dir_all(d).unwrap();
    }
    mode(&conf, 0o755);
    mode(&queue, 0o755);
    chown(&data, Some(uid), Some(gid)).unwrap();
    mode(&data, 0o700);
    for d in [
        "active", "bounce", "corrupt", "defer", "deferred", "flush", "hold", "incoming", "private",
        "saved", "trace",
    ] {
        let p = queue.join(d);
        std::fs::create_dir(&p).unwrap();
        chown(&p, Some(uid), Some(gid)).unwrap();
        mode(&p, 0o700);
    }
    std::fs::create_dir(queue.join("pid")).unwrap();
    for (d, m) in [("public", 0o710), ("maildrop", 0o730)] {
        let p = queue.join(d);
        std::fs::create_dir(&p).unwrap();
        chown(&p, Some(uid), Some(postdrop)).unwrap();
        mode(&p, m);
    }
    let d = |p: &Path| p.to_str().unwrap().to_string();
    write_old(
        &conf.join("main.cf"),
        &format!(
            "# tests/postfix_netns.rs
compatibility_level = 3.6
myhostname = server.example
mydomain = example
myorigin = $myhostname
mydestination = server.example
inet_interfaces = {SERVER4}, [{SERVER6}]
inet_protocols = all
mynetworks_style = subnet
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
local_recipient_maps = inline:{{ user=ok }}
alias_maps =
smtpd_peername_lookup = no
smtpd_error_sleep_time = 0
queue_directory = {}
data_directory = {}
daemon_directory = {}
command_directory = {}
mail_owner = postfix
setgid_group = postdrop
default_privs = nobody
maillog_file = {}
maillog_file_prefixes = {}
{}",
            d(&queue),
            d(&data),
            d(&tree.join("libexec")),
            d(&tree.join("bin")),
            d(&dir.join("maillog")),
            d(dir),
            extra(&conf),
        ),
    );
    write_old(
        &conf.join("master.cf"),
        "# tests/postfix_netns.rs: smtpd on port 25 and the services it needs
25        inet  n       -       n       -       -       smtpd
cleanup   unix  n       -       n       -       0       cleanup
rewrite   unix  -       -       n       -       -       trivial-rewrite
anvil     unix  -       -       n       -       1       anvil
postlog   unix-dgram n  -       n       -       1       postlogd
",
    );
    conf
}

/// A running master (`master -c CONF -d`: in the foreground, in a process
/// group of its own). Dropping it stops the master (SIGTERM: it
/// terminates its process group), then kills whatever of its group is
/// left and waits until none is.
struct Master {
    child: Child,
    pgid: i32,
}

impl Master {
    fn start(ns: &Netns, tree: &Path, conf: &Path) -> Master {
        let child = ns
            .command(&tree.join("libexec/master"))
            .arg0("master")
            .args(["-c", conf.to_str().unwrap(), "-d"])
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start master");
        let pgid = child.id() as i32;
        Master { child, pgid }
    }

    fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }
}

impl Drop for Master {
    fn drop(&mut self) {
        // SAFETY: signals to the master we started and to its process
        // group (the master's pid: it was made a group leader).
        unsafe {
            if self.exited().is_none() {
                libc::kill(self.child.id() as i32, libc::SIGTERM);
            }
            let deadline = Instant::now() + Duration::from_secs(5);
            while self.exited().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            libc::kill(-self.pgid, libc::SIGKILL);
            let _ = self.child.wait();
            let deadline = Instant::now() + Duration::from_secs(5);
            while libc::kill(-self.pgid, 0) == 0 && Instant::now() < deadline {
                libc::kill(-self.pgid, libc::SIGKILL);
                std::thread::sleep(Duration::from_millis(20));
            }
            if libc::kill(-self.pgid, 0) == 0 {
                eprintln!(
                    "warning: processes of group {} are still running",
                    self.pgid
                );
            }
        }
    }
}

/// The first line of the reply to each command (the banner first).
type Session = Vec<(String, String)>;

fn read_reply(r: &mut BufReader<TcpStream>) -> Result<String, String> {
    let mut first = None;
    loop {
        let mut line = String::new();
        let n = r.read_line(&mut line).map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err("connection closed".into());
        }
        let line = line.trim_end().to_string();
        let more = line.as_bytes().get(3) == Some(&b'-');
        let first = first.get_or_insert(line);
        if !more {
            return Ok(first.clone());
        }
    }
}

/// One SMTP session from `client` to `server`:25, in a thread moved into
/// the client's namespace; retries connecting until `deadline` (the
/// master may still be starting). Returns the replies and the client's
/// address as the server sees it.
fn smtp_session(
    client: &Netns,
    server: IpAddr,
    rcpts: &[String],
    deadline: Instant,
) -> Result<(Session, IpAddr), String> {
    std::thread::scope(|s| {
        s.spawn(|| {
            client.enter_current_thread();
            let to = SocketAddr::new(server, 25);
            let stream = loop {
                match TcpStream::connect_timeout(&to, Duration::from_secs(5)) {
                    Ok(st) => break st,
                    Err(e) if Instant::now() > deadline => {
                        return Err(format!("connect to {to} from {}: {e}", client.name));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(50)),
                }
            };
            stream
                .set_read_timeout(Some(Duration::from_secs(30)))
                .unwrap();
            let local = stream.local_addr().unwrap().ip();
            let mut w = stream.try_clone().unwrap();
            let mut r = BufReader::new(stream);
            let mut session = vec![("(banner)".to_string(), read_reply(&mut r)?)];
            let mut cmds = vec![
                "EHLO client.example".to_string(),
                "MAIL FROM:<a@client.example>".to_string(),
            ];
            cmds.extend(rcpts.iter().map(|a| format!("RCPT TO:<{a}>")));
            cmds.push("QUIT".into());
            for c in cmds {
                w.write_all(format!("{c}\r\n").as_bytes())
                    .map_err(|e| format!("write: {e}"))?;
                let reply = read_reply(&mut r).map_err(|e| format!("{c}: {e}"))?;
                session.push((c, reply));
            }
            Ok((session, local))
        })
        .join()
        .unwrap()
    })
}

fn rcpts() -> Vec<String> {
    [
        "b@elsewhere.example".to_string(),
        format!("user@[IPv6:{SERVER6}]"),
        format!("nobody@[IPv6:{SERVER6}]"),
        "user@[IPv6:2001:db8:77:1:0:0:0:1]".to_string(),
        format!("user@[{SERVER4}]"),
        format!("user@[IPv6:::ffff:{SERVER4}]"),
        format!("b@[IPv6:{OUTSIDE6}]"),
        format!("b@[{OUTSIDE4}]"),
        "x@[IPv6:2001:db8::1::2]".to_string(),
        format!("x@[{SERVER6}]"),
    ]
    .to_vec()
}

/// Per (client, family): the session; and the server's mynetworks.
struct ServerRun {
    /// The instance's directory (removed when the run is dropped) and its
    /// config directory.
    _dir: Scratch,
    conf: PathBuf,
    mynetworks: (String, i32),
    sessions: Vec<((&'static str, &'static str), Session)>,
    took: Duration,
}

/// The namespaces of the LANs made (also by runs that failed).
static LAN_NAMES: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Runs a server of `tree` in a LAN of its own; `extra` writes files into
/// the config directory and gives lines for the end of main.cf.
fn run_server(
    build: &'static str,
    tree: &Path,
    root: &Path,
    extra: &dyn Fn(&Path) -> String,
) -> Result<ServerRun, String> {
    let began = Instant::now();
    let lan = lan();
    LAN_NAMES
        .lock()
        .unwrap()
        .extend([&lan.inside, &lan.outside, &lan.server].map(|n| n.name.clone()));
    let dir = Scratch::new(root, build);
    let conf = postfix_dirs(&dir.0, tree, extra);
    let c = conf.to_str().unwrap();
    let mynetworks = lan.server.run(
        POSTCONF,
        &tree.join("bin/postconf"),
        &["-c", c, "-h", "mynetworks"],
    );
    let mut master = Master::start(&lan.server, tree, &conf);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut sessions = Vec::new();
    let rcpts = rcpts();
    let log = || std::fs::read_to_string(dir.0.join("maillog")).unwrap_or_default();
    for (who, client, local4, local6) in [
        ("inside", &lan.inside, INSIDE4, INSIDE6),
        ("outside", &lan.outside, OUTSIDE4, OUTSIDE6),
    ] {
        for (fam, server, local) in [("IPv4", SERVER4, local4), ("IPv6", SERVER6, local6)] {
            let r = smtp_session(client, server.parse().unwrap(), &rcpts, deadline);
            let (session, from) = r.map_err(|e| {
                format!(
                    "{build}: {who} client over {fam}: {e}; master {:?}; maillog:\n{}",
                    master.exited(),
                    log()
                )
            })?;
            if from != local.parse::<IpAddr>().unwrap() {
                return Err(format!(
                    "{build}: {who} client over {fam} connected from {from}, not {local}"
                ));
            }
            sessions.push(((who, fam), session));
        }
    }
    if let Some(st) = master.exited() {
        return Err(format!(
            "{build}: master exited ({st}); maillog:\n{}",
            log()
        ));
    }
    drop(master);
    Ok(ServerRun {
        _dir: dir,
        conf,
        mynetworks,
        sessions,
        took: began.elapsed(),
    })
}

#[test]
fn smtp_relay_decisions_patched_equal_stock() {
    require_root();
    for version in common::postfix_versions() {
        smtp_relay_decisions(&version);
    }
}

fn smtp_relay_decisions(version: &str) {
    let trees = trees(version);
    let began = Instant::now();
    let root = std::env::temp_dir().join(format!("pfinet-postfix_netns-{version}"));
    std::fs::create_dir_all(&root).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // One after the other: each in a LAN of its own, nothing shared.
    let stock = run_server("stock", &trees.stock, &root, &|_| String::new());
    let patched = run_server("patched", &trees.patched, &root, &|_| String::new());
    no_namespace_left(&LAN_NAMES.lock().unwrap());
    let stock = stock.unwrap_or_else(|e| panic!("{e}"));
    let patched = patched.unwrap_or_else(|e| panic!("{e}"));

    let mut problems = Vec::new();
    eprintln!(
        "postfix netns smtp (Postfix {version}): server mynetworks (stock, exit {}): {}",
        stock.mynetworks.1,
        stock.mynetworks.0.trim_end()
    );
    if stock.mynetworks != patched.mynetworks {
        problems.push(format!(
            "mynetworks differ: stock {:?}, patched {:?}",
            stock.mynetworks, patched.mynetworks
        ));
    }
    eprintln!(
        "{:<8} {:<5} {:<42} {:<60} patched",
        "client", "via", "command", "stock reply"
    );
    let (mut n, mut same) = (0, 0);
    for ((key, s), (pkey, p)) in stock.sessions.iter().zip(&patched.sessions) {
        assert_eq!(key, pkey);
        for ((cmd, sr), (pcmd, pr)) in s.iter().zip(p) {
            assert_eq!(cmd, pcmd);
            n += 1;
            let verdict = if sr == pr {
                same += 1;
                "same".to_string()
            } else {
                problems.push(format!(
                    "{} client over {}: {cmd}: stock {sr:?}, patched {pr:?}",
                    key.0, key.1
                ));
                format!("DIFFERENT: {pr}")
            };
            eprintln!("{:<8} {:<5} {:<42} {:<60} {verdict}", key.0, key.1, cmd, sr);
        }
        if s.len() != p.len() {
            problems.push(format!("{key:?}: sessions of different length"));
        }
    }
    // What the setup is about, on stock (and so on patched).
    let reply = |who: &str, fam: &str, rcpt: &str| -> String {
        let (_, s) = stock
            .sessions
            .iter()
            .find(|(k, _)| k.0 == who && k.1 == fam)
            .unwrap();
        let c = format!("RCPT TO:<{rcpt}>");
        s.iter().find(|(cmd, _)| *cmd == c).unwrap().1.clone()
    };
    for fam in ["IPv4", "IPv6"] {
        for rcpt in [
            "b@elsewhere.example".to_string(),
            format!("b@[IPv6:{OUTSIDE6}]"),
            format!("b@[{OUTSIDE4}]"),
        ] {
            let r = reply("inside", fam, &rcpt);
            if !r.starts_with("250 ") {
                problems.push(format!(
                    "inside client over {fam}: {rcpt}: not accepted: {r}"
                ));
            }
            let r = reply("outside", fam, &rcpt);
            if !(r.starts_with("554 5.7.1 ") && r.contains("Relay access denied")) {
                problems.push(format!(
                    "outside client over {fam}: {rcpt}: not refused: {r}"
                ));
            }
        }
        for who in ["inside", "outside"] {
            let rcpt = format!("user@[IPv6:{SERVER6}]");
            let r = reply(who, fam, &rcpt);
            if !r.starts_with("250 ") {
                problems.push(format!(
                    "{who} client over {fam}: {rcpt}: not accepted: {r}"
                ));
            }
        }
    }
    eprintln!(
        "postfix netns smtp (Postfix {version}): {n} replies compared, {same} identical, {} \
         differences (stock {:.1} s, patched {:.1} s, {:.1} s in all)",
        n - same,
        stock.took.as_secs_f64(),
        patched.took.as_secs_f64(),
        began.elapsed().as_secs_f64()
    );
    assert!(
        problems.is_empty(),
        "Postfix {version}:\n{}",
        problems.join("\n")
    );
    assert_eq!(n, 4 * (rcpts().len() + 4));
    println!(
        "release-check: Postfix {version}: SMTP relay: {n} replies of a real smtpd, patched \
         equals stock"
    );
}

/// What mynetworks says for each client of the LAN, by the entry named:
/// the inside IPv4 client is excluded by a `!` line of the /file, the
/// inside IPv6 client is in its network, the outside IPv4 client is in the
/// cidr table (through an `if` block), the outside IPv6 client nowhere.
fn match_config_files(conf: &Path) -> String {
    let c = conf.display();
    write_old(
        &conf.join("office"),
        &format!("# office\n!{INSIDE4}\n[2001:db8:77:1::]/64\n"),
    );
    write_old(
        &conf.join("clients.cidr"),
        "# clients\nif 198.51.100.0/24\n198.51.100.0/28 OK\n198.51.100.16/28 OK\nendif\n",
    );
    format!(
        "office = {c}/office\nmynetworks = 127.0.0.0/8 [::1]/128 $office cidr:{c}/clients.cidr\n"
    )
}

#[test]
fn match_config_equals_smtpd() {
    require_root();
    let versions = common::postfix_versions();
    let version = &versions[0];
    let trees = trees(version);
    let root = std::env::temp_dir().join(format!("pfinet-match-config-{version}"));
    std::fs::create_dir_all(&root).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let run = run_server("stock", &trees.stock, &root, &match_config_files);
    no_namespace_left(&LAN_NAMES.lock().unwrap());
    let run = run.unwrap_or_else(|e| panic!("{e}"));
    let conf = run.conf.to_str().unwrap();
    let postconf = trees.stock.join("bin/postconf");
    let mut decided = Vec::new();
    for ((who, fam), session) in &run.sessions {
        let client = match (*who, *fam) {
            ("inside", "IPv4") => INSIDE4,
            ("inside", _) => INSIDE6,
            (_, "IPv4") => OUTSIDE4,
            _ => OUTSIDE6,
        };
        let relay = &session
            .iter()
            .find(|(cmd, _)| cmd == "RCPT TO:<b@elsewhere.example>")
            .unwrap()
            .1;
        let relayed = relay.starts_with("250 ");
        assert!(
            relayed || relay.contains("Relay access denied"),
            "{client}: {relay}"
        );
        let out = Command::new(env!("CARGO_BIN_EXE_pfinet"))
            .args(["match", "--config", conf, "mynetworks", client])
            .env("PFINET_POSTCONF", &postconf)
            .env_remove("LD_LIBRARY_PATH")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let yes = text.starts_with(&format!("unknown/{client}: YES"));
        assert_eq!(
            yes, relayed,
            "{client}: smtpd {relay:?}, pfinet match --config:\n{text}"
        );
        eprintln!(
            "match --config vs smtpd: {client}: smtpd {relay}; pfinet: {}",
            text.replace('\n', " | ")
        );
        decided.push((client, text));
    }
    // Each client by the entry the setup means.
    let by = |client: &str| &decided.iter().find(|(c, _)| *c == client).unwrap().1;
    assert!(by(INSIDE4).contains("/office, line 2)"), "{}", by(INSIDE4));
    assert!(by(INSIDE6).contains("/office, line 3)"), "{}", by(INSIDE6));
    assert!(
        by(OUTSIDE4).contains("clients.cidr line 4: 198.51.100.16/28 OK"),
        "{}",
        by(OUTSIDE4)
    );
    assert!(
        by(OUTSIDE6).contains("no entry matched"),
        "{}",
        by(OUTSIDE6)
    );
}
