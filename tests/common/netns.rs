//! Network namespaces for the root-only tests (tests/netns.rs,
//! tests/netns_mynetworks.rs): a [`Netns`] guard (`ip netns`, named
//! `pft-<pid>-<n>`, deleted when dropped, also on panic; namespaces of dead
//! test processes are swept), programs run inside one (setns(2) in the
//! child: cheaper than `ip netns exec`), the kernel's view of its links and
//! addresses (`ip -o link`, `ip -o addr`) once it has settled, and the
//! topologies the tests share (`ip -batch` lines).
//!
//! Everything stays inside the namespaces: nothing is sent anywhere.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Fails the test unless it runs as root with iproute2 installed; `test`
/// is the test target's name (`netns`, `netns_mynetworks`).
pub fn require_root(test: &str) {
    // SAFETY: geteuid() has no preconditions.
    let euid = unsafe { libc::geteuid() };
    assert!(
        euid == 0,
        "tests/{test}.rs must run as root (euid is {euid}): it creates network \
         namespaces with `ip netns`; run `sudo cargo test --test {test}` (CI runs as root)"
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
pub struct Netns {
    pub name: String,
    /// /run/netns/<name>, open: what the children setns(2) into.
    fd: Option<File>,
}

pub fn ip(args: &[&str], stdin: Option<&[u8]>) -> String {
    ip_with_stderr(args, stdin).0
}

/// `ip args` (must succeed): its stdout and its stderr.
pub fn ip_with_stderr(args: &[&str], stdin: Option<&[u8]>) -> (String, String) {
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
pub fn ip_dump(ns: &Netns, what: &str) -> String {
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
    /// `batch` (`ip -batch` commands) run in it. Does not wait: see
    /// [`Netns::settled_snapshot`].
    pub fn new(batch: &str) -> Netns {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        // SAFETY: geteuid() has no preconditions.
        assert!(
            unsafe { libc::geteuid() } == 0,
            "network namespaces need root"
        );
        sweep_stale();
        let name = format!(
            "pft-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        ip(&["netns", "add", &name], None);
        let mut ns = Netns { name, fd: None };
        let path = format!("/run/netns/{}", ns.name);
        ns.fd = Some(File::open(&path).unwrap_or_else(|e| panic!("open {path}: {e}")));
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

    /// `argv` in the namespace (must succeed): its stdout.
    pub fn exec_ok(&self, argv: &[&str]) -> String {
        let (out, code) = self.run(argv[0], Path::new(argv[0]), &argv[1..]);
        assert!(
            code == 0,
            "{argv:?} in {} failed ({code}): {out}",
            self.name
        );
        out
    }

    /// `prog args` in the namespace, with argv[0] = `argv0` (Postfix's
    /// messages start with it); stdout and stderr merged in order (one
    /// pipe), and the exit code (-1: killed by a signal).
    pub fn run(&self, argv0: &str, prog: &Path, args: &[&str]) -> (String, i32) {
        let fd = self.fd.as_ref().expect("namespace is open").as_raw_fd();
        let (mut reader, writer) = super::pipe();
        let mut cmd = Command::new(prog);
        cmd.arg0(argv0)
            .args(args)
            .stdin(Stdio::null())
            .stderr(writer.try_clone().expect("dup"))
            .stdout(writer);
        // SAFETY: between fork and exec the child only makes the setns()
        // system call (async-signal-safe) on a descriptor that the parent
        // keeps open until the child has been waited for.
        unsafe {
            cmd.pre_exec(move || {
                if libc::setns(fd, libc::CLONE_NEWNET) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("run {} in {}: {e}", prog.display(), self.name));
        drop(cmd); // our copies of the pipe's write end: EOF when the child exits
        let mut out = Vec::new();
        reader.read_to_end(&mut out).expect("read child output");
        let status = child.wait().expect("wait");
        (
            String::from_utf8(out).expect("program output is text"),
            status.code().unwrap_or(-1),
        )
    }

    /// A [`Command`] for `prog` that runs in the namespace (setns(2) in
    /// the child, as [`Netns::run`] does), for programs that keep running
    /// (servers): the caller spawns and stops it. The namespace must
    /// outlive the spawn.
    pub fn command(&self, prog: &Path) -> Command {
        let fd = self.fd.as_ref().expect("namespace is open").as_raw_fd();
        let mut cmd = Command::new(prog);
        // SAFETY: as in run(): only setns() between fork and exec, on a
        // descriptor that this Netns keeps open.
        unsafe {
            cmd.pre_exec(move || {
                if libc::setns(fd, libc::CLONE_NEWNET) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        cmd
    }

    /// Moves the calling thread (only it) into the namespace: the sockets
    /// it creates afterwards live there. For a thread of its own that ends
    /// when its work there is done.
    pub fn enter_current_thread(&self) {
        let fd = self.fd.as_ref().expect("namespace is open").as_raw_fd();
        // SAFETY: setns() on an open namespace descriptor; CLONE_NEWNET
        // may be joined by one thread of a multi-threaded process.
        let rc = unsafe { libc::setns(fd, libc::CLONE_NEWNET) };
        assert!(
            rc == 0,
            "setns into {}: {}",
            self.name,
            std::io::Error::last_os_error()
        );
    }

    /// The kernel's view, once it has settled (see [`Snapshot::unsettled`]).
    pub fn settled_snapshot(&self) -> Snapshot {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut last: Option<Snapshot> = None;
        loop {
            let s = Snapshot::take(self);
            // Settled: nothing pending, and the same view twice, 100 ms
            // apart (a link's carrier can still be coming up).
            let why = s.unsettled().or_else(|| match &last {
                Some(l) if *l == s => None,
                Some(l) => Some(format!("still changing: {}", s.changes(l))),
                None => Some("first look".to_string()),
            });
            last = Some(s.clone());
            match why {
                None => return s,
                Some(why) if Instant::now() > deadline => {
                    panic!("namespace {} did not settle: {why}", self.name)
                }
                Some(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        self.fd = None;
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
pub struct IfLink {
    pub name: String,
    /// A veth's peer, as `ip` names it after the `@` (`vb@va`: `va`).
    pub peer: Option<String>,
    pub flags: Vec<String>,
}

impl IfLink {
    pub fn has(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ip {
    V4([u8; 4]),
    V6([u8; 16]),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addr {
    pub ifindex: u32,
    /// The local address (not the peer of a point-to-point address).
    pub local: Ip,
    pub prefix: u32,
    /// IPv4 only: the address label (SIOCGIFCONF's ifr_name).
    pub label: String,
    pub tentative: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub links: BTreeMap<u32, IfLink>,
    /// In `ip -o addr` order: links by index, each link's IPv4 addresses
    /// then its IPv6 addresses, each family in the kernel's list order.
    pub addrs: Vec<Addr>,
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
    pub fn take(ns: &Netns) -> Snapshot {
        let mut links = BTreeMap::new();
        // 2: vb@va: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 ...
        for line in ip_dump(ns, "link").lines() {
            let mut t = line.split_whitespace();
            let idx = ifindex(t.next().unwrap());
            let name = t.next().unwrap().trim_end_matches(':');
            let (name, peer) = match name.split_once('@') {
                Some((n, p)) => (n.to_string(), Some(p.to_string())),
                None => (name.to_string(), None),
            };
            let flags = t.next().unwrap();
            let flags = flags
                .trim_start_matches('<')
                .trim_end_matches('>')
                .split(',')
                .filter(|f| !f.is_empty())
                .map(String::from)
                .collect();
            links.insert(idx, IfLink { name, peer, flags });
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

    pub fn link(&self, a: &Addr) -> &IfLink {
        &self.links[&a.ifindex]
    }

    /// How many IPv4 and IPv6 addresses.
    pub fn counts(&self) -> (usize, usize) {
        let v4 = self
            .addrs
            .iter()
            .filter(|a| matches!(a.local, Ip::V4(_)))
            .count();
        (v4, self.addrs.len() - v4)
    }

    /// What differs from `before`, one line per link or address that
    /// appeared, went or changed (for a fixture that moved under a test).
    pub fn changes(&self, before: &Snapshot) -> String {
        let mut out = String::new();
        for (idx, l) in &before.links {
            match self.links.get(idx) {
                None => out += &format!("link {} went\n", l.name),
                Some(now) if now != l => {
                    out += &format!("link {}: {:?} -> {:?}\n", l.name, l.flags, now.flags)
                }
                Some(_) => {}
            }
        }
        for (idx, l) in &self.links {
            if !before.links.contains_key(idx) {
                out += &format!("link {} appeared: {:?}\n", l.name, l.flags);
            }
        }
        for a in &before.addrs {
            if !self.addrs.contains(a) {
                out += &format!("address went: {a:?} ({})\n", text(&a.local));
            }
        }
        for a in &self.addrs {
            if !before.addrs.contains(a) {
                out += &format!("address appeared: {a:?} ({})\n", text(&a.local));
            }
        }
        if out.is_empty() && self != before {
            out += "same links and addresses, other order\n";
        }
        out
    }

    /// Why the kernel may still change the namespace by itself, if it
    /// may: a veth that is up, with its peer up, but has no carrier yet
    /// (the kernel's linkwatch work gives it LOWER_UP some time later,
    /// much later under load, and `ip` shows NO-CARRIER beside LOWER_UP
    /// until the operational state follows); a link that has carrier but
    /// no IPv6 link-local address yet (addrconf adds it from the linkwatch
    /// work, asynchronously, some time after `ip link set up`); or a
    /// tentative address (none should be: DAD is off).
    pub fn unsettled(&self) -> Option<String> {
        for l in self.links.values() {
            let peer_up = l
                .peer
                .as_ref()
                .and_then(|p| self.links.values().find(|o| &o.name == p))
                .is_some_and(|p| p.has("UP"));
            let carrier = l.has("LOWER_UP") && !l.has("NO-CARRIER");
            if l.has("UP") && peer_up && !carrier {
                return Some(format!("{} is waiting for its carrier", l.name));
            }
        }
        for (idx, l) in &self.links {
            // veth reports NO-CARRIER and LOWER_UP together while its carrier
            // comes up.
            if l.has("NO-CARRIER") && l.has("LOWER_UP") {
                return Some(format!("{} is getting its carrier", l.name));
            }
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
pub fn text(a: &Ip) -> String {
    match a {
        Ip::V4(b) => pfinet::internal::inet_pton::ntop4(b),
        Ip::V6(b) => pfinet::internal::inet_pton::ntop6(b),
    }
}

/// The netmask of a prefix length, from first principles: `prefix` one
/// bits, then zero bits.
pub fn mask<const N: usize>(prefix: u32) -> [u8; N] {
    let mut m = [0u8; N];
    for (i, byte) in m.iter_mut().enumerate() {
        let bits = prefix.saturating_sub(8 * i as u32).min(8);
        *byte = if bits == 0 { 0 } else { 0xffu8 << (8 - bits) };
    }
    m
}

pub fn mask_of(local: &Ip, prefix: u32) -> Ip {
    match local {
        Ip::V4(_) => Ip::V4(mask(prefix)),
        Ip::V6(_) => Ip::V6(mask(prefix)),
    }
}

pub fn unspecified(a: &Ip) -> bool {
    match a {
        Ip::V4(b) => b.iter().all(|&x| x == 0),
        Ip::V6(b) => b.iter().all(|&x| x == 0),
    }
}

// ---------------------------------------------------------------------------
// Topologies (`ip -batch` lines; the family of `addr add` follows from the
// address)

/// lo up; a veth pair va/vb, both ends up, with IPv4 /8 /24 /30 (a
/// point-to-point peer) /31 /32 /0, a secondary address and a labelled
/// alias, and IPv6 /0 /33 /64 /96 /120 (peer) /127 /128, IPv4-mapped and
/// IPv4-compatible addresses and a hand-made link-local address; the
/// kernel adds fe80:: addresses to both ends.
pub const BASIC: &str = "\
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
pub fn down() -> String {
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
pub const DUPLICATE: &str = "\
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

pub const LOOPBACK_ONLY: &str = "link set lo up\n";

/// 10,000 IPv4 addresses (prefix lengths 8..32) and 10,000 IPv6 addresses
/// (prefix lengths 1..128) on one link.
pub fn big() -> String {
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

/// argv[0] of every mynetworks program (postconf and pfinet's twin): their
/// messages start with it.
pub const POSTCONF: &str = "postconf";
/// The inet_protocols values the topology tests run.
pub const PROTOCOLS: [&str; 3] = ["all", "ipv4", "ipv6"];
/// The mynetworks_style values the topology tests run.
pub const STYLES: [&str; 3] = ["host", "subnet", "class"];

/// 5,000 IPv4 addresses (classes A to D, prefix lengths 1 to 32) and 5,000
/// IPv6 addresses (global and ULA, prefix lengths 1 to 128) on one link.
pub fn big_batch() -> String {
    const FIRST: [u32; 15] = [
        10, 1, 100, 126, 128, 150, 172, 191, 192, 198, 203, 223, 224, 230, 239,
    ];
    let mut b = String::from("link set lo up\nlink add va type veth peer name vb\n");
    for i in 0u32..5_000 {
        let (f, n) = (FIRST[(i % 15) as usize], i / 15);
        let a = std::net::Ipv4Addr::from(
            (f << 24) | ((n & 255) << 16) | ((n >> 8) << 8) | (i % 251 + 1),
        );
        b += &format!("addr add {a}/{} dev va\n", 1 + i % 32);
    }
    for i in 0u32..5_000 {
        let head = if i % 10 == 3 { "fd00" } else { "2001:db8" };
        b += &format!(
            "addr add {head}:{:x}:{:x}::{:x}/{} dev va nodad\n",
            i >> 8,
            i & 255,
            (i * 13) % 65535 + 1,
            1 + i % 128
        );
    }
    b + "link set va up\nlink set vb up\n"
}
