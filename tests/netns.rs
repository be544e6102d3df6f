//! inet_addr_local() in network namespaces (root only; CI runs as root).
//!
//! Each test builds one topology in a fresh namespace (tests/common/netns.rs:
//! `ip netns`, named `pft-<pid>-<n>`, deleted by a guard even when the test
//! fails), then for
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
//!    with the same argv[0];
//! 3. pfinet's rtnetlink reading of the interface tables (src/netlink.rs,
//!    which its getifaddrs method uses) equals the C library's
//!    getifaddrs(), entry for entry, for IPv4, IPv6 and both;
//! 4. the `pfinet` command, `pfinet interfaces --protocols P --method M`,
//!    prints the stock driver's address/mask lines (without the driver's
//!    own messages) and exits 0.
//!
//! Everything stays inside the namespaces: nothing is sent anywhere.

mod common;

use common::ial::{METHODS, Method, build_stock};
use common::netns::*;
use common::*;
use std::net::Ipv6Addr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// argv[0] of every driver run: Postfix's messages start with it.
const ARGV0: &str = "inet_addr_local";

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
    require_root("netns");
    let d = drivers();
    let ns = Netns::new(batch);
    let snap = ns.settled_snapshot();
    fixture(&snap);
    let mut failures = Vec::new();
    let (mut stock_runs, mut pfinet_runs, mut cli_runs) = (0, 0, 0);
    for &method in &METHODS {
        let stock = d.stock(method);
        for &p in protocols {
            let args: Vec<&str> = p.into_iter().collect();
            let what = format!(
                "{topology}: {} {}",
                method.name(),
                p.unwrap_or("(no argument)")
            );
            let (out, code) = ns.run(ARGV0, stock, &args);
            stock_runs += 1;

            // 1. stock against the kernel
            if let Some(why) = check(&expected(&snap, method, p), &out, code) {
                failures.push(format!("stock driver vs kernel, {what}:\n{why}"));
            }

            // 2. the pfinet command: stock's address/mask lines (stock's
            //    driver adds messages: msg_verbose is on, and it complains
            //    about zero or one address), exit 0
            let cli_protocols = p.unwrap_or("all");
            let cli_args = [
                "interfaces",
                "--protocols",
                cli_protocols,
                "--method",
                method.name(),
            ];
            let (cout, ccode) =
                ns.run("pfinet", Path::new(env!("CARGO_BIN_EXE_pfinet")), &cli_args);
            cli_runs += 1;
            let lines: String = out
                .lines()
                .filter(|l| !l.starts_with(&format!("{ARGV0}: ")))
                .map(|l| format!("{l}\n"))
                .collect();
            if (cout.as_str(), ccode) != (lines.as_str(), 0) {
                failures.push(format!(
                    "pfinet interfaces vs stock, {what}: exit {ccode}\n{}",
                    first_differences(&lines, &cout, 8)
                ));
            }

            // 3. pfinet against stock, with -m and (getifaddrs) without
            let Ok(pfinet) = &d.pfinet else { continue };
            let mut runs = vec![["-m", method.name()].to_vec()];
            if method == Method::Getifaddrs {
                runs.push(Vec::new());
            }
            for mut pargs in runs {
                pargs.extend(&args);
                let (pout, pcode) = ns.run(ARGV0, pfinet, &pargs);
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
    failures.extend(netlink_vs_libc(&ns));
    eprintln!(
        "topology {topology}: {} addresses, {stock_runs} stock runs checked against \
         the kernel, {pfinet_runs} pfinet driver runs and {cli_runs} `pfinet interfaces` \
         runs against stock",
        snap.addrs.len()
    );
    let after = Snapshot::take(&ns);
    if after != snap {
        failures.push(format!(
            "namespace {} changed while the drivers ran (flaky fixture):\n{}",
            ns.name,
            after.changes(&snap)
        ));
    }
    assert!(
        failures.is_empty(),
        "{} failure(s) in topology {topology}:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Step 3: pfinet::internal::sys::netlink::getifaddrs() against glibc's getifaddrs()
/// (its entries of the same families, in order), inside the namespace.
fn netlink_vs_libc(ns: &Netns) -> Vec<String> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                ns.enter_current_thread();
                let libc = pfinet::internal::sys::libc_getifaddrs();
                let mut failures = Vec::new();
                for families in [
                    vec![libc::AF_INET],
                    vec![libc::AF_INET6],
                    vec![libc::AF_INET, libc::AF_INET6],
                ] {
                    let want = libc.clone().map(|all| {
                        let mut kept = Vec::new();
                        for &f in &families {
                            kept.extend(
                                all.iter()
                                    .filter(|e| e.addr.is_some_and(|a| i32::from(a.family()) == f))
                                    .cloned(),
                            );
                        }
                        kept
                    });
                    let got = pfinet::internal::sys::netlink::getifaddrs(&families);
                    if got != want {
                        failures.push(format!(
                            "netlink vs libc getifaddrs, families {families:?}: {} vs {} entries\n\
                             first netlink: {:?}\nfirst libc: {:?}",
                            got.as_ref().map_or(0, Vec::len),
                            want.as_ref().map_or(0, Vec::len),
                            got.as_ref().map(|v| v.iter().take(3).collect::<Vec<_>>()),
                            want.as_ref().map(|v| v.iter().take(3).collect::<Vec<_>>()),
                        ));
                    }
                }
                failures
            })
            .join()
            .expect("netlink comparison thread")
    })
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
