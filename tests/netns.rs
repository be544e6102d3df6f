//! inet_addr_local() in network namespaces (root only; CI runs as root).
//!
//! Each test builds one topology in a fresh namespace (`ip netns`, named
//! `pft-<pid>-<n>`, deleted by a guard even when the test fails), then for
//! each of Postfix's Linux lookup methods (getifaddrs, SIOCGIFCONF,
//! SIOCGIFCONF + /proc/net/if_inet6) and each protocol list:
//!
//! 1. stock Postfix's own test driver (src/util/inet_addr_local.c built with
//!    -DTEST, per method; c_tests/stock_ial_method.c for the non-default
//!    methods) prints what the kernel says (`ip -o addr`, `ip -o link`),
//!    within each method's known limits (see [`expected`]);
//! 2. pfinet's driver (c_tests/inet_addr_local.c, `-m METHOD`, and without
//!    -m for the compiled-in getifaddrs) prints exactly what the stock
//!    driver prints: stdout and stderr merged in order, and the exit code,
//!    with the same argv[0].
//!
//! Everything stays inside the namespaces: nothing is sent anywhere.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::io::Write;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// argv[0] of every driver run: Postfix's messages start with it.
const ARGV0: &str = "inet_addr_local";

fn require_root() {
    // SAFETY: geteuid() has no preconditions.
    let euid = unsafe { libc::geteuid() };
    assert!(
        euid == 0,
        "tests/netns.rs must run as root (euid is {euid}): it creates network \
         namespaces with `ip netns`; run `sudo cargo test --test netns` (CI runs as root)"
    );
    let ok = Command::new("ip")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(ok, "`ip` (iproute2) is missing: run scripts/apt-setup.sh");
}

// ---------------------------------------------------------------------------
// Namespaces

/// A network namespace that is deleted when dropped (also on panic).
struct Netns {
    name: String,
}

fn ip(args: &[&str], stdin: Option<&[u8]>) -> String {
    ip_with_stderr(args, stdin).0
}

/// `ip args` (must succeed): its stdout and its stderr.
fn ip_with_stderr(args: &[&str], stdin: Option<&[u8]>) -> (String, String) {
    let mut child = Command::new("ip")
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ip");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "ip {} failed: {stderr}",
        args.join(" "),
    );
    (String::from_utf8(out.stdout).unwrap(), stderr)
}

/// A netlink dump (`ip -n NS -o link|addr show`). When the kernel changes
/// the list during the dump (addrconf adding a link-local address, say),
/// ip says "Dump was interrupted and may be inconsistent." on stderr but
/// still succeeds: such a dump is thrown away and taken again.
fn ip_dump(ns: &Netns, what: &str) -> String {
    for _ in 0..100 {
        let (out, err) = ip_with_stderr(&["-n", &ns.name, "-o", what, "show"], None);
        if err.is_empty() {
            return out;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!(
        "ip -n {} -o {what} show: every dump was interrupted",
        ns.name
    )
}

/// Delete `pft-<pid>-<n>` namespaces left by test processes that no longer
/// exist (a killed run cannot run its guards).
fn sweep_stale() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        for line in ip(&["netns", "list"], None).lines() {
            let name = line.split_whitespace().next().unwrap_or("");
            let Some(pid) = name
                .strip_prefix("pft-")
                .and_then(|r| r.split('-').next())
                .and_then(|p| p.parse::<u32>().ok())
            else {
                continue;
            };
            if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = Command::new("ip").args(["netns", "del", name]).status();
            }
        }
    });
}

impl Netns {
    /// A new namespace where DAD is off (set before any link exists, so
    /// that every link inherits it, link-local addresses included), then
    /// `batch` (`ip -batch` commands) run in it. Waits until the kernel
    /// has finished on its own (see [`Snapshot::settled`]).
    fn new(batch: &str) -> Netns {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        require_root();
        sweep_stale();
        let name = format!(
            "pft-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        ip(&["netns", "add", &name], None);
        let ns = Netns { name };
        ns.exec_ok(&[
            "sh",
            "-c",
            "echo 0 >/proc/sys/net/ipv6/conf/all/accept_dad && \
             echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad",
        ]);
        if !batch.trim().is_empty() {
            ip(&["-n", &ns.name, "-batch", "-"], Some(batch.as_bytes()));
        }
        ns
    }

    fn exec_ok(&self, argv: &[&str]) -> String {
        let mut args = vec!["netns", "exec", &self.name];
        args.extend_from_slice(argv);
        ip(&args, None)
    }

    /// `prog args` in the namespace, with argv[0] = [`ARGV0`]; stdout and
    /// stderr merged in order (one pipe), and the exit code.
    fn run(&self, prog: &Path, args: &[&str]) -> (String, i32) {
        let out = Command::new("ip")
            .args(["netns", "exec", &self.name, "bash", "-c"])
            .arg(r#"exec -a "$0" "$@" 2>&1"#)
            .arg(ARGV0)
            .arg(prog)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .expect("run ip netns exec");
        assert!(
            out.stderr.is_empty(),
            "ip netns exec {} {}: {}",
            self.name,
            prog.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8(out.stdout).expect("driver output is text"),
            out.status.code().unwrap_or(-1),
        )
    }

    /// The kernel's view, once it has settled.
    fn settled_snapshot(&self) -> Snapshot {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let s = Snapshot::take(self);
            match s.unsettled() {
                None => return s,
                Some(why) if Instant::now() > deadline => {
                    panic!("namespace {} did not settle: {why}", self.name)
                }
                Some(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let ok = Command::new("ip")
            .args(["netns", "del", &self.name])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("warning: could not delete network namespace {}", self.name);
        }
    }
}

// ---------------------------------------------------------------------------
// The kernel's view: `ip -o link`, `ip -o addr`

#[derive(Debug, Clone, PartialEq, Eq)]
struct IfLink {
    name: String,
    flags: Vec<String>,
}

impl IfLink {
    fn has(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Ip {
    V4([u8; 4]),
    V6([u8; 16]),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Addr {
    ifindex: u32,
    /// The local address (not the peer of a point-to-point address).
    local: Ip,
    prefix: u32,
    /// IPv4 only: the address label (SIOCGIFCONF's ifr_name).
    label: String,
    tentative: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Snapshot {
    links: BTreeMap<u32, IfLink>,
    /// In `ip -o addr` order: links by index, each link's IPv4 addresses
    /// then its IPv6 addresses, each family in the kernel's list order.
    addrs: Vec<Addr>,
}

fn ifindex(tok: &str) -> u32 {
    tok.trim_end_matches(':')
        .parse()
        .unwrap_or_else(|_| panic!("bad ifindex {tok:?}"))
}

fn split_prefix(tok: &str) -> (&str, u32) {
    let (a, p) = tok
        .split_once('/')
        .unwrap_or_else(|| panic!("no prefix length in {tok:?}"));
    (a, p.parse().unwrap())
}

impl Snapshot {
    fn take(ns: &Netns) -> Snapshot {
        let mut links = BTreeMap::new();
        // 2: vb@va: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 ...
        for line in ip_dump(ns, "link").lines() {
            let mut t = line.split_whitespace();
            let idx = ifindex(t.next().unwrap());
            let name = t.next().unwrap().trim_end_matches(':');
            let name = name.split('@').next().unwrap().to_string();
            let flags = t.next().unwrap();
            let flags = flags
                .trim_start_matches('<')
                .trim_end_matches('>')
                .split(',')
                .filter(|f| !f.is_empty())
                .map(String::from)
                .collect();
            links.insert(idx, IfLink { name, flags });
        }
        let mut addrs = Vec::new();
        // 3: va    inet 10.20.30.40 peer 10.20.30.41/30 scope global va\  valid_lft ...
        // 3: va    inet6 2001:db8::1/64 scope global nodad \  valid_lft ...
        for line in ip_dump(ns, "addr").lines() {
            let head = line.split('\\').next().unwrap();
            let t: Vec<&str> = head.split_whitespace().collect();
            let idx = ifindex(t[0]);
            let (local, prefix) = if t[4] == "peer" {
                (t[3], split_prefix(t[5]).1)
            } else {
                split_prefix(t[3])
            };
            let local = match t[2] {
                "inet" => Ip::V4(local.parse::<Ipv4Addr>().unwrap().octets()),
                "inet6" => Ip::V6(local.parse::<Ipv6Addr>().unwrap().octets()),
                f => panic!("unexpected family {f} in {line:?}"),
            };
            let label = match local {
                Ip::V4(_) => t.last().unwrap().to_string(),
                Ip::V6(_) => String::new(),
            };
            addrs.push(Addr {
                ifindex: idx,
                local,
                prefix,
                label,
                tentative: t.contains(&"tentative"),
            });
        }
        Snapshot { links, addrs }
    }

    fn link(&self, a: &Addr) -> &IfLink {
        &self.links[&a.ifindex]
    }

    /// How many IPv4 and IPv6 addresses.
    fn counts(&self) -> (usize, usize) {
        let v4 = self
            .addrs
            .iter()
            .filter(|a| matches!(a.local, Ip::V4(_)))
            .count();
        (v4, self.addrs.len() - v4)
    }

    /// Why the kernel may still change the namespace by itself, if it
    /// may: a link that has carrier but no IPv6 link-local address yet
    /// (addrconf adds it from the linkwatch work, asynchronously, some time
    /// after `ip link set up`), or a tentative address (none should be:
    /// DAD is off).
    fn unsettled(&self) -> Option<String> {
        for (idx, l) in &self.links {
            let waiting = l.has("LOWER_UP")
                && !l.has("LOOPBACK")
                && !self.addrs.iter().any(|a| {
                    a.ifindex == *idx
                        && matches!(a.local, Ip::V6(b) if b[0] == 0xfe && b[1] & 0xc0 == 0x80)
                });
            if waiting {
                return Some(format!("{} has no link-local address yet", l.name));
            }
        }
        self.addrs
            .iter()
            .find(|a| a.tentative)
            .map(|a| format!("tentative address {}", text(&a.local)))
    }
}

// ---------------------------------------------------------------------------
// What each method must report

/// glibc's inet_ntop text (getnameinfo(NI_NUMERICHOST) prints the same,
/// plus a %scope that Postfix cuts off).
fn text(a: &Ip) -> String {
    match a {
        Ip::V4(b) => pfinet::inet_pton::ntop4(b),
        Ip::V6(b) => pfinet::inet_pton::ntop6(b),
    }
}

/// The netmask of a prefix length, from first principles: `prefix` one
/// bits, then zero bits.
fn mask<const N: usize>(prefix: u32) -> [u8; N] {
    let mut m = [0u8; N];
    for (i, byte) in m.iter_mut().enumerate() {
        let bits = prefix.saturating_sub(8 * i as u32).min(8);
        *byte = if bits == 0 { 0 } else { 0xffu8 << (8 - bits) };
    }
    m
}

fn mask_of(local: &Ip, prefix: u32) -> Ip {
    match local {
        Ip::V4(_) => Ip::V4(mask(prefix)),
        Ip::V6(_) => Ip::V6(mask(prefix)),
    }
}

fn unspecified(a: &Ip) -> bool {
    match a {
        Ip::V4(b) => b.iter().all(|&x| x == 0),
        Ip::V6(b) => b.iter().all(|&x| x == 0),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Getifaddrs,
    Siocgif,
    Procnet,
}

const METHODS: [Method; 3] = [Method::Getifaddrs, Method::Siocgif, Method::Procnet];

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Getifaddrs => "getifaddrs",
            Method::Siocgif => "siocgif",
            Method::Procnet => "procnet",
        }
    }
}

/// One part of the driver's stdout: in this order, or in any order.
struct Segment {
    lines: Vec<String>,
    ordered: bool,
}

/// The stock driver's whole output: its stderr lines (all written before
/// the first stdout line), its stdout segments, its exit code.
struct Expected {
    stderr: Vec<String>,
    stdout: Vec<Segment>,
    code: i32,
}

/// What the stock driver prints for `method` and `protocols` (the driver's
/// argument; None: no argument, which means "all"), from the kernel's view.
///
/// - getifaddrs: the addresses of links that are UP (IFF_UP, carrier or
///   not), both families, real masks, in netlink dump order: for each
///   family, links by index, each link's addresses in list order: the
///   order of `ip -o addr` within the family.
/// - siocgif (SIOCGIFCONF + SIOCGIFNETMASK): IPv4 only; Linux's SIOCGIFCONF
///   reports no IPv6 address even on an AF_INET6 socket. It reports every
///   IPv4 address of every link, *including links that are down*
///   (inet_gifconf() walks each device's address list without looking at
///   IFF_UP), in device-list order (= ifindex order for links created in
///   the namespace) then list order: again `ip -o addr` order. The mask is
///   what SIOCGIFNETMASK answers for (label, address): the mask of the
///   *first* address on the list with that label and that local address
///   (10.0.0.1/8 and 10.0.0.1/16 on one link both get 255.0.0.0).
/// - procnet: IPv4 as siocgif; IPv6 from /proc/net/if_inet6: every IPv6
///   address of every link, up or down, in the kernel's address hash
///   order (so compared as a multiset), masks from the prefix length.
fn expected(snap: &Snapshot, method: Method, protocols: Option<&str>) -> Expected {
    let raw = protocols.unwrap_or("all");
    let words: Vec<&str> = raw
        .split([',', ' ', '\t'])
        .filter(|w| !w.is_empty())
        .collect();
    let all = words.contains(&"all");
    let (v4, v6) = (
        all || words.contains(&"ipv4"),
        all || words.contains(&"ipv6"),
    );
    let line = |a: &Addr, m: Ip| format!("{}/{}", text(&a.local), text(&m));
    // inet_proto_init()'s name_mask() logs each word it knows (verbose).
    let mut stderr: Vec<String> = words
        .iter()
        .map(|w| format!("{ARGV0}: name_mask: {w}"))
        .collect();
    let mut stdout = Vec::new();
    let mut total = 0;
    for (want, is_v4, fam) in [(v4, true, "IPv4"), (v6, false, "IPv6")] {
        if !want {
            continue;
        }
        let of_family = snap
            .addrs
            .iter()
            .filter(move |a| matches!(a.local, Ip::V4(_)) == is_v4)
            .filter(|a| !unspecified(&a.local));
        let seg = match (method, is_v4) {
            (Method::Getifaddrs, _) => Segment {
                lines: of_family
                    .filter(|a| snap.link(a).has("UP"))
                    .map(|a| line(a, mask_of(&a.local, a.prefix)))
                    .collect(),
                ordered: true,
            },
            (Method::Siocgif | Method::Procnet, true) => Segment {
                lines: of_family
                    .map(|a| {
                        let first = snap
                            .addrs
                            .iter()
                            .find(|b| b.label == a.label && b.local == a.local)
                            .unwrap();
                        line(a, mask_of(&a.local, first.prefix))
                    })
                    .collect(),
                ordered: true,
            },
            (Method::Siocgif, false) => Segment {
                lines: Vec::new(),
                ordered: true,
            },
            (Method::Procnet, false) => Segment {
                lines: of_family
                    .map(|a| line(a, mask_of(&a.local, a.prefix)))
                    .collect(),
                ordered: false,
            },
        };
        stderr.push(format!(
            "{ARGV0}: inet_addr_local: configured {} {fam} addresses",
            seg.lines.len()
        ));
        total += seg.lines.len();
        stdout.push(seg);
    }
    let code = match total {
        0 => {
            stderr.push(format!(
                "{ARGV0}: fatal: cannot find any active network interfaces"
            ));
            stdout.clear();
            1
        }
        1 => {
            stderr.push(format!(
                "{ARGV0}: warning: found only one active network interface"
            ));
            0
        }
        _ => 0,
    };
    Expected {
        stderr,
        stdout,
        code,
    }
}

/// Where `got` differs from `want` (None: it does not).
fn check(want: &Expected, got: &str, code: i32) -> Option<String> {
    let lines: Vec<&str> = got.lines().collect();
    let mut problems = Vec::new();
    if code != want.code {
        problems.push(format!("exit code {code}, expected {}", want.code));
    }
    let n = want.stderr.len().min(lines.len());
    if lines.len() < want.stderr.len() || lines[..n].iter().zip(&want.stderr).any(|(a, b)| a != b) {
        problems.push(format!(
            "messages:\n{}",
            differences(&want.stderr.join("\n"), &lines[..n].join("\n"), 5)
        ));
    }
    let mut rest = &lines[n..];
    for (i, seg) in want.stdout.iter().enumerate() {
        let k = seg.lines.len().min(rest.len());
        let (got_seg, tail) = rest.split_at(k);
        rest = tail;
        let same = if seg.ordered {
            got_seg == seg.lines.as_slice() && k == seg.lines.len()
        } else {
            let mut a: Vec<&str> = got_seg.to_vec();
            let mut b: Vec<&str> = seg.lines.iter().map(String::as_str).collect();
            a.sort_unstable();
            b.sort_unstable();
            a == b
        };
        if !same {
            problems.push(format!(
                "address segment {} ({}):\n{}",
                i + 1,
                if seg.ordered { "ordered" } else { "any order" },
                differences(&seg.lines.join("\n"), &got_seg.join("\n"), 8)
            ));
        }
    }
    if !rest.is_empty() {
        problems.push(format!("unexpected extra lines, from {:?}", rest[0]));
    }
    (!problems.is_empty()).then(|| problems.join("\n"))
}

/// The first `max` differing lines, labelled.
fn differences(want: &str, got: &str, max: usize) -> String {
    let (a, b): (Vec<_>, Vec<_>) = (want.lines().collect(), got.lines().collect());
    let mut out = format!("  ({} lines expected, {} got)\n", a.len(), b.len());
    let mut shown = 0;
    for i in 0..a.len().max(b.len()) {
        let (x, y) = (
            a.get(i).copied().unwrap_or("<none>"),
            b.get(i).copied().unwrap_or("<none>"),
        );
        if x != y {
            out += &format!(
                "  line {}: expected {x:?}\n          got      {y:?}\n",
                i + 1
            );
            shown += 1;
            if shown == max {
                break;
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// The drivers

fn words_of(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
        .split_whitespace()
        .map(String::from)
        .collect()
}

/// Stock Postfix's inet_addr_local test driver for one lookup method:
/// getifaddrs is src/util/inet_addr_local.c itself with -DTEST, as the
/// `inet_addr_local:` target of src/util/Makefile builds it (sys_defs.h
/// picks getifaddrs for Linux with glibc >= 2.4); the others are
/// c_tests/stock_ial_method.c, which includes it after undoing that
/// choice. Built without optimisation so that every ial_* function stays
/// a symbol: the build checks which ones are in, and that the program's
/// inet_addr_local() is the one compiled here, not libutil.a's.
fn build_stock(method: Method) -> PathBuf {
    let tree = stock_tree(true);
    let util = tree.join("src/util");
    let dir = repo().join("target/variants/exe");
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join(format!("inet_addr_local-stock-{}", method.name()));
    let mut args: Vec<String> = vec!["-g".into(), "-O0".into(), "-w".into(), "-DTEST".into()];
    args.extend(words_of(&tree.join("driver.cflags")));
    match method {
        Method::Getifaddrs => args.push(util.join("inet_addr_local.c").display().to_string()),
        m => {
            args.push(format!("-I{}", util.display()));
            args.push(format!("-DPFINET_IAL_{}", m.name().to_uppercase()));
            args.push(
                repo()
                    .join("c_tests/stock_ial_method.c")
                    .display()
                    .to_string(),
            );
        }
    }
    args.extend(words_of(&tree.join("driver.libs")));
    args.push("-Wl,--trace-symbol=inet_addr_local".into());
    let o = Command::new("cc")
        .args(&args)
        .arg("-o")
        .arg(&out)
        .output()
        .expect("run cc");
    let trace =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "cc {}\n{trace}", args.join(" "));
    // ld: <object>: definition of inet_addr_local
    let defs: Vec<&str> = trace
        .lines()
        .filter(|l| l.ends_with("definition of inet_addr_local"))
        .collect();
    assert!(
        defs.len() == 1 && !defs[0].contains(".a("),
        "{}: inet_addr_local() must come from the driver's own object, not an \
         archive member; link trace:\n{trace}",
        out.display()
    );
    let nm = Command::new("nm").arg(&out).output().expect("run nm");
    let syms = String::from_utf8_lossy(&nm.stdout).into_owned();
    let has = |f: &str| syms.lines().any(|l| l.split_whitespace().last() == Some(f));
    let want: &[(&str, bool)] = match method {
        Method::Getifaddrs => &[
            ("ial_getifaddrs", true),
            ("ial_siocgif", false),
            ("ial_procnet_ifinet6", false),
        ],
        Method::Siocgif => &[
            ("ial_getifaddrs", false),
            ("ial_siocgif", true),
            ("ial_procnet_ifinet6", false),
        ],
        Method::Procnet => &[
            ("ial_getifaddrs", false),
            ("ial_siocgif", true),
            ("ial_procnet_ifinet6", true),
        ],
    };
    for (f, present) in want {
        assert_eq!(
            has(f),
            *present,
            "{}: {f} should{} be in it",
            out.display(),
            if *present { "" } else { " not" }
        );
    }
    out
}

struct Drivers {
    stock: Vec<(Method, PathBuf)>,
    /// c_tests/inet_addr_local.c against libpfinet.a, or why not.
    pfinet: Result<PathBuf, String>,
}

impl Drivers {
    fn stock(&self, m: Method) -> &Path {
        &self.stock.iter().find(|(x, _)| *x == m).unwrap().1
    }
}

fn drivers() -> &'static Drivers {
    static D: OnceLock<Drivers> = OnceLock::new();
    D.get_or_init(|| {
        let stock = METHODS.iter().map(|&m| (m, build_stock(m))).collect();
        let pfinet = if repo().join("c_tests/inet_addr_local.c").exists() {
            std::panic::catch_unwind(|| {
                pfinet_program("inet_addr_local.c", default_variant(), Link::Static)
            })
            .map_err(|e| {
                e.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "panic".into())
            })
        } else {
            Err("c_tests/inet_addr_local.c does not exist (yet)".into())
        };
        Drivers { stock, pfinet }
    })
}

// ---------------------------------------------------------------------------
// The test of one topology

/// Protocol arguments: None is no argument at all; the last one lists the
/// families backwards (Postfix still looks up IPv4 first).
const PROTOCOLS: [Option<&str>; 5] = [
    None,
    Some("all"),
    Some("ipv4"),
    Some("ipv6"),
    Some("ipv6, ipv4"),
];

/// The big topology runs only the three that matter (each run is long).
const BIG_PROTOCOLS: [Option<&str>; 3] = [Some("all"), Some("ipv4"), Some("ipv6")];

/// Builds the topology, checks that the kernel made what the test is
/// about (`fixture`), then runs every driver as the module comment says.
fn check_topology(topology: &str, batch: &str, protocols: &[Option<&str>], fixture: fn(&Snapshot)) {
    require_root();
    let d = drivers();
    let ns = Netns::new(batch);
    let snap = ns.settled_snapshot();
    fixture(&snap);
    let mut failures = Vec::new();
    let (mut stock_runs, mut pfinet_runs) = (0, 0);
    for &method in &METHODS {
        let stock = d.stock(method);
        for &p in protocols {
            let args: Vec<&str> = p.into_iter().collect();
            let what = format!(
                "{topology}: {} {}",
                method.name(),
                p.unwrap_or("(no argument)")
            );
            let (out, code) = ns.run(stock, &args);
            stock_runs += 1;

            // 1. stock against the kernel
            if let Some(why) = check(&expected(&snap, method, p), &out, code) {
                failures.push(format!("stock driver vs kernel, {what}:\n{why}"));
            }

            // 2. pfinet against stock, with -m and (getifaddrs) without
            let Ok(pfinet) = &d.pfinet else { continue };
            let mut runs = vec![["-m", method.name()].to_vec()];
            if method == Method::Getifaddrs {
                runs.push(Vec::new());
            }
            for mut pargs in runs {
                pargs.extend(&args);
                let (pout, pcode) = ns.run(pfinet, &pargs);
                pfinet_runs += 1;
                if (pout.as_str(), pcode) != (out.as_str(), code) {
                    failures.push(format!(
                        "pfinet vs stock, {what} (pfinet args {pargs:?}): exit {pcode} vs stock {code}\n{}",
                        first_differences(&out, &pout, 8)
                    ));
                }
            }
        }
    }
    if let Err(why) = &d.pfinet {
        failures.push(format!("pfinet driver not built: {why}"));
    }
    eprintln!(
        "topology {topology}: {} addresses, {stock_runs} stock runs checked against \
         the kernel, {pfinet_runs} pfinet runs against stock",
        snap.addrs.len()
    );
    let after = Snapshot::take(&ns);
    if after != snap {
        failures.push(format!(
            "namespace {} changed while the drivers ran (flaky fixture)",
            ns.name
        ));
    }
    assert!(
        failures.is_empty(),
        "{} failure(s) in topology {topology}:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

// ---------------------------------------------------------------------------
// Topologies (`ip -batch` lines; the family of `addr add` follows from the
// address)

/// lo up; a veth pair va/vb, both ends up, with IPv4 /8 /24 /30 (a
/// point-to-point peer) /31 /32 /0, a secondary address and a labelled
/// alias, and IPv6 /0 /33 /64 /96 /120 (peer) /127 /128, IPv4-mapped and
/// IPv4-compatible addresses and a hand-made link-local address; the
/// kernel adds fe80:: addresses to both ends.
const BASIC: &str = "\
link set lo up
link add va type veth peer name vb
addr add 10.1.2.3/8 dev va
addr add 192.0.2.1/24 dev va
addr add 192.0.2.77/24 dev va
addr add 10.20.30.40 peer 10.20.30.41/30 dev va
addr add 198.51.100.6/31 dev vb
addr add 203.0.113.9/32 dev vb label vb:x
addr add 100.64.0.1/0 dev vb
addr add 2001:db8::1/64 dev va nodad
addr add 2001:db8:2::3/128 dev va nodad
addr add 2001:db8:3::1 peer 2001:db8:3::2/120 dev va nodad
addr add ::ffff:192.0.2.5/96 dev va nodad
addr add ::1.2.3.4/96 dev va nodad
addr add 2001:db8:1::2/127 dev vb nodad
addr add 2001:db8:8000::4/33 dev vb nodad
addr add 2001:db8:0:1::/0 dev vb nodad
addr add fe80::beef/64 dev vb nodad
addr add 2001:db8:0:0:1:0:0:1/64 dev vb nodad
link set va up
link set vb up
";

/// basic, plus a veth pair vc/vd that is down (never up) with IPv4 and
/// IPv6 addresses on both ends, and a pair ve/vf where ve is up but has no
/// carrier (its peer is down): IFF_UP, not RUNNING.
fn down() -> String {
    BASIC.to_string()
        + "\
link add vc type veth peer name vd
addr add 172.16.5.5/24 dev vc
addr add 2001:db8:c::5/64 dev vc nodad
addr add 172.16.6.6/28 dev vd
addr add 2001:db8:d::6/80 dev vd nodad
link add ve type veth peer name vf
link set ve up
addr add 172.17.6.6/20 dev ve
addr add 2001:db8:e::6/96 dev ve nodad
"
}

/// The same IPv4 and IPv6 address on two links (with the same and with
/// other prefix lengths), and one IPv4 address twice on one link with two
/// prefix lengths (IPv6 refuses that).
const DUPLICATE: &str = "\
link set lo up
link add va type veth peer name vb
addr add 192.0.2.10/24 dev va
addr add 192.0.2.10/24 dev vb
addr add 198.51.100.1/24 dev va
addr add 198.51.100.1/28 dev vb
addr add 10.0.0.1/8 dev va
addr add 10.0.0.1/16 dev va
addr add 10.0.0.1/24 dev vb label vb:dup
addr add 2001:db8::10/64 dev va nodad
addr add 2001:db8::10/64 dev vb nodad
addr add 2001:db8:5::1/48 dev va nodad
addr add 2001:db8:5::1/112 dev vb nodad
link set va up
link set vb up
";

const LOOPBACK_ONLY: &str = "link set lo up\n";

/// 10,000 IPv4 addresses (prefix lengths 8..32) and 10,000 IPv6 addresses
/// (prefix lengths 1..128) on one link.
fn big() -> String {
    let mut b = String::from("link set lo up\nlink add va type veth peer name vb\n");
    for i in 0u32..10_000 {
        let a = Ipv4Addr::from((10 << 24) | (i << 8) | ((i * 7) % 254 + 1));
        b += &format!("addr add {a}/{} dev va\n", 8 + i % 25);
    }
    for i in 0u32..10_000 {
        b += &format!(
            "addr add 2001:db8:{:x}:{:x}::{:x}/{} dev va nodad\n",
            i >> 8,
            i & 255,
            (i * 13) % 65535 + 1,
            1 + i % 128
        );
    }
    b + "link set va up\nlink set vb up\n"
}

#[test]
fn basic() {
    check_topology("basic", BASIC, &PROTOCOLS, |s| {
        // lo + 7 IPv4; ::1 + 10 IPv6 + the 2 fe80:: the kernel adds
        assert_eq!(s.counts(), (8, 13), "{s:#?}");
        assert!(s.links.values().all(|l| l.has("UP")), "{s:#?}");
    });
}

#[test]
fn down_links() {
    check_topology("down", &down(), &PROTOCOLS, |s| {
        let down: Vec<&Addr> = s.addrs.iter().filter(|a| !s.link(a).has("UP")).collect();
        assert!(
            down.iter().any(|a| matches!(a.local, Ip::V4(_)))
                && down.iter().any(|a| matches!(a.local, Ip::V6(_))),
            "no address of either family on a down link: {s:#?}"
        );
        assert!(
            s.addrs
                .iter()
                .any(|a| s.link(a).has("UP") && !s.link(a).has("LOWER_UP")),
            "no address on an up link without carrier: {s:#?}"
        );
    });
}

#[test]
fn duplicate() {
    check_topology("duplicate", DUPLICATE, &PROTOCOLS, |s| {
        for v6 in [false, true] {
            let twice = s.addrs.iter().any(|a| {
                matches!(a.local, Ip::V6(_)) == v6
                    && s.addrs
                        .iter()
                        .any(|b| b.local == a.local && b.ifindex != a.ifindex)
            });
            assert!(twice, "no duplicate (IPv6: {v6}) across links: {s:#?}");
        }
    });
}

#[test]
fn loopback_only() {
    check_topology("loopback-only", LOOPBACK_ONLY, &PROTOCOLS, |s| {
        assert_eq!(s.counts(), (1, 1), "{s:#?}");
    });
}

/// lo down and nothing else: no address at all (lo gets 127.0.0.1 and ::1
/// only when it comes up), so every method ends in the fatal error.
#[test]
fn empty() {
    check_topology("empty", "", &PROTOCOLS, |s| {
        assert_eq!(s.counts(), (0, 0), "{s:#?}");
        assert!(s.links.values().all(|l| !l.has("UP")), "{s:#?}");
    });
}

#[test]
fn big_10000_each() {
    check_topology("big", &big(), &BIG_PROTOCOLS, |s| {
        // + 127.0.0.1; + ::1 and 2 fe80::
        assert_eq!(s.counts(), (10_001, 10_003));
    });
}

/// The helpers' own arithmetic, so that a kernel comparison never rests on
/// a wrong expectation.
#[test]
fn masks_and_text() {
    assert_eq!(text(&Ip::V4(mask(0))), "0.0.0.0");
    assert_eq!(text(&Ip::V4(mask(8))), "255.0.0.0");
    assert_eq!(text(&Ip::V4(mask(30))), "255.255.255.252");
    assert_eq!(text(&Ip::V4(mask(31))), "255.255.255.254");
    assert_eq!(text(&Ip::V4(mask(32))), "255.255.255.255");
    assert_eq!(text(&Ip::V6(mask(0))), "::");
    assert_eq!(text(&Ip::V6(mask(33))), "ffff:ffff:8000::");
    assert_eq!(text(&Ip::V6(mask(64))), "ffff:ffff:ffff:ffff::");
    assert_eq!(
        text(&Ip::V6(mask(127))),
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"
    );
    assert_eq!(
        text(&Ip::V6(mask(128))),
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
    );
    let mapped: Ipv6Addr = "::ffff:192.0.2.5".parse().unwrap();
    assert_eq!(text(&Ip::V6(mapped.octets())), "::ffff:192.0.2.5");
}
