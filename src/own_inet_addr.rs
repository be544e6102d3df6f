//! own_inet_addr - determine if IP address belongs to this mail system
//!
//! `INET_ADDR_LIST *own_inet_addr_list(void)` and `own_inet_mask_list()`
//! return the addresses this mail system receives mail on, and their
//! netmasks, from the `inet_interfaces` parameter: `all` (every interface
//! address of the enabled protocols), `loopback-only` (127/8 and ::1), or a
//! list of host names and addresses (`[...]` allowed), separated by white
//! space or commas, each resolved with getaddrinfo() for the enabled
//! families (inet_addr_host), duplicates removed, and each one's netmask
//! taken from the local interface that has that address.
//! `int own_inet_addr(struct sockaddr *)` tells whether an address is in
//! the list. `proxy_inet_addr_list()` and `proxy_inet_addr()` do the same
//! for `proxy_interfaces` (no netmasks). Lists are computed once per
//! process, on first use (src/global/own_inet_addr.c).
//!
//! Postfix finds each explicit address's netmask by scanning all local
//! addresses (time quadratic in their number); pfinet indexes the local
//! addresses once, with the same result (the first local match).
//!
//! DIAGNOSTICS: fatal errors "could not find any active network
//! interfaces", "config variable inet_interfaces: host not found: HOST",
//! "parameter inet_interfaces: no local interface found for ADDR",
//! "config variable proxy_interfaces: host not found: HOST"; inet_addr_host
//! logs "inet_addr_host: skipping address family N for host \"HOST\"" and
//! warns "inet_addr_host: skipping address family N: ERROR". With all
//! protocols disabled the lists are empty (logged under msg_verbose).

use std::collections::HashMap;

use crate::diag::{Diag, Fatal};
use crate::fast_hash::FastHash;
use crate::inet_addr_list::AddrList;
use crate::inet_addr_local::{Config, Method, run};
use crate::inet_proto::InetProtoInfo;
use crate::name_mask::mystrtok;
use crate::sockaddr::SockAddr;
use crate::sys::Sys;

/// inet_interfaces = all.
pub const INET_INTERFACES_ALL: &[u8] = b"all";
/// inet_interfaces = loopback-only.
pub const INET_INTERFACES_LOCAL: &[u8] = b"loopback-only";
const SEP: &[u8] = b" \t,";

/// What the computations need from their caller.
pub struct Ctx<'a> {
    /// inet_proto_init()'s result.
    pub proto: &'a InetProtoInfo,
    /// The inet_addr_local lookup method.
    pub config: Config,
    /// The build's HAS_IPV6.
    pub ipv6: bool,
    /// The system calls.
    pub sys: &'a mut dyn Sys,
    /// Where messages go.
    pub diag: &'a mut dyn Diag,
    /// A new, empty list of the caller's kind (for Postfix's temporaries).
    pub new_list: fn() -> Box<dyn AddrList>,
    /// socket() probe results per family, for this computation: Postfix
    /// probes once per address; the kernel's answer for a family does not
    /// change within one computation, so it is asked once (the warnings
    /// for each address stay).
    pub probed: Vec<(u16, Result<(), i32>)>,
}

impl Ctx<'_> {
    fn local(
        &mut self,
        addrs: &mut dyn AddrList,
        masks: &mut dyn AddrList,
    ) -> Result<usize, Fatal> {
        let families = self.proto.ai_family_list.clone();
        self.local_of(&families, addrs, masks)
    }

    /// inet_addr_local() for `families` (a sublist of the enabled ones).
    fn local_of(
        &mut self,
        families: &[u32],
        addrs: &mut dyn AddrList,
        masks: &mut dyn AddrList,
    ) -> Result<usize, Fatal> {
        run(
            families,
            addrs,
            Some(masks),
            self.config,
            self.ipv6,
            self.sys,
            self.diag,
        )
    }
}

/// sock_addr_in_loopback(): 127/8 or ::1.
pub fn in_loopback(sa: &SockAddr) -> bool {
    match sa {
        SockAddr::V4(a) => a[0] == 127,
        SockAddr::V6 { addr, .. } => *addr == std::net::Ipv6Addr::LOCALHOST.octets(),
        SockAddr::Other(_) => false,
    }
}

/// inet_addr_host(): append the addresses of `hostname` (a name, an
/// address, or `[address]`) in the enabled families; the number appended.
pub fn inet_addr_host(list: &mut dyn AddrList, hostname: &[u8], ctx: &mut Ctx) -> usize {
    let bracketed =
        hostname.len() >= 2 && hostname[0] == b'[' && hostname[hostname.len() - 1] == b']';
    let hname = if bracketed {
        &hostname[1..hostname.len() - 1]
    } else {
        hostname
    };
    let Ok(found) = ctx.sys.getaddrinfo(hname, ctx.proto.ai_family as i32) else {
        return 0;
    };
    let mut count = 0;
    for sa in found {
        let family = sa.family();
        if !ctx
            .proto
            .sa_family_list
            .iter()
            .any(|&f| u16::from(f) == family)
        {
            let text = [
                format!("inet_addr_host: skipping address family {family} for host \"").as_bytes(),
                hostname,
                b"\"",
            ]
            .concat();
            ctx.diag.info(&text);
            continue;
        }
        let probe = match ctx.probed.iter().find(|(f, _)| *f == family) {
            Some((_, r)) => *r,
            None => {
                let r = ctx.sys.stream_socket(i32::from(family));
                ctx.probed.push((family, r));
                r
            }
        };
        if let Err(e) = probe {
            let text = [
                format!("inet_addr_host: skipping address family {family}: ").as_bytes(),
                &crate::host::strerror(e),
            ]
            .concat();
            ctx.diag.warn(&text);
            continue;
        }
        list.append(&sa);
        count += 1;
    }
    count
}

/// Append every `hosts` entry's addresses; fatal for one that has none.
fn add_hosts(
    list: &mut dyn AddrList,
    hosts: &[u8],
    param: &str,
    ctx: &mut Ctx,
) -> Result<(), Fatal> {
    for host in mystrtok(hosts, SEP) {
        if inet_addr_host(list, host, ctx) == 0 {
            let text = [
                format!("config variable {param}: host not found: ").as_bytes(),
                host,
            ]
            .concat();
            return Err(ctx.diag.fatal(&text));
        }
    }
    list.uniq(ctx.diag)
}

/// The local-address index. Its keys are this host's own interface
/// addresses, not input from the network.
type AddrIndex = HashMap<(u16, [u8; 16]), usize, FastHash>;

/// Key for "same family and address" (SOCK_ADDR_EQ_ADDR).
fn addr_key(sa: &SockAddr) -> (u16, [u8; 16]) {
    let k = sa.key();
    let mut addr = [0; 16];
    addr[..k.addr.len()].copy_from_slice(k.addr);
    (k.family, addr)
}

/// The families whose local addresses own_inet_addr_init() reads for
/// explicit `addrs`. Postfix reads every enabled family, but only local
/// addresses equal to an explicit one are used, and those are in the
/// explicit addresses' families; the local list is a concatenation per
/// family, so each one's first local match is the same in the shorter
/// list. Reading a family that no explicit address has is skipped only
/// where reading it can log nothing: pfinet's own getifaddrs (the
/// kernel's tables, where every address has a netmask), without
/// msg_verbose (whose address counts would differ). What remains
/// different from stock is the kernel failing to list a skipped family:
/// Postfix's fatal error, where pfinet goes on (with the 10,000 addresses
/// of the benchmark, reading IPv6 needlessly is a quarter of the time).
fn needed_families(addrs: &dyn AddrList, ctx: &Ctx) -> Vec<u32> {
    let all = &ctx.proto.ai_family_list;
    let silent = |f: u32| {
        let method = if f == libc::AF_INET as u32 {
            ctx.config.ipv4()
        } else {
            ctx.config.ipv6()
        };
        method == Method::Getifaddrs && !ctx.config.libc_getifaddrs
    };
    if ctx.diag.verbose() != 0 || !all.iter().all(|&f| silent(f)) {
        return all.clone();
    }
    let mut used = Vec::new();
    for i in 0..addrs.len() {
        let f = u32::from(addrs.get(i).family());
        if !used.contains(&f) {
            used.push(f);
            if used.len() == all.len() {
                break;
            }
        }
    }
    all.iter().copied().filter(|f| used.contains(f)).collect()
}

/// own_inet_addr_init(): fill the (empty) lists from `interfaces`.
pub fn own_inet_addr_init(
    interfaces: &[u8],
    addrs: &mut dyn AddrList,
    masks: &mut dyn AddrList,
    ctx: &mut Ctx,
) -> Result<(), Fatal> {
    const NONE_ACTIVE: &[u8] = b"could not find any active network interfaces";
    if ctx.proto.ai_family_list.is_empty() {
        if ctx.diag.verbose() != 0 {
            ctx.diag
                .info(b"skipping inet_interfaces setting - all network protocols are disabled");
        }
        return Ok(());
    }
    if interfaces == INET_INTERFACES_ALL {
        if ctx.local(addrs, masks)? == 0 {
            return Err(ctx.diag.fatal(NONE_ACTIVE));
        }
    } else if interfaces == INET_INTERFACES_LOCAL {
        let (mut local_addrs, mut local_masks) = ((ctx.new_list)(), (ctx.new_list)());
        if ctx.local(&mut *local_addrs, &mut *local_masks)? == 0 {
            return Err(ctx.diag.fatal(NONE_ACTIVE));
        }
        for i in 0..local_addrs.len() {
            let sa = local_addrs.get(i);
            if in_loopback(&sa) {
                addrs.append(&sa);
                masks.append(&local_masks.get(i));
            }
        }
    } else {
        add_hosts(addrs, interfaces, "inet_interfaces", ctx)?;
        let (mut local_addrs, mut local_masks) = ((ctx.new_list)(), (ctx.new_list)());
        let needed = needed_families(&*addrs, ctx);
        let mut found = ctx.local_of(&needed, &mut *local_addrs, &mut *local_masks)?;
        if found == 0 && needed != ctx.proto.ai_family_list {
            // Which fatal error: none at all, or none for this address.
            found = ctx.local(&mut *local_addrs, &mut *local_masks)?;
        }
        if found == 0 {
            return Err(ctx.diag.fatal(NONE_ACTIVE));
        }
        // The first local interface with each address (Postfix scans the
        // local list from its start for every explicit address).
        let mut first = AddrIndex::with_capacity_and_hasher(local_addrs.len(), Default::default());
        for i in 0..local_addrs.len() {
            first.entry(addr_key(&local_addrs.get(i))).or_insert(i);
        }
        for v in 0..addrs.len() {
            let sa = addrs.get(v);
            match first.get(&addr_key(&sa)) {
                Some(&i) => masks.append(&local_masks.get(i)),
                None => {
                    let text = format!(
                        "parameter inet_interfaces: no local interface found for {}",
                        sa.hostaddr()
                    );
                    return Err(ctx.diag.fatal(text.as_bytes()));
                }
            }
        }
    }
    Ok(())
}

/// proxy_inet_addr_init(): fill the (empty) list from `proxy_interfaces`.
pub fn proxy_inet_addr_init(
    proxy_interfaces: &[u8],
    list: &mut dyn AddrList,
    ctx: &mut Ctx,
) -> Result<(), Fatal> {
    add_hosts(list, proxy_interfaces, "proxy_interfaces", ctx)
}

/// Whether `addr` is in the list (SOCK_ADDR_EQ_ADDR).
pub fn contains(list: &dyn AddrList, addr: &SockAddr) -> bool {
    (0..list.len()).any(|i| list.get(i).eq_addr(addr))
}

/// The Postfix-named `extern "C"` functions and `#[repr(C)]` types of this module.
#[allow(unsafe_code)]
// the Postfix-named C functions
pub mod abi {
    use super::*;
    use crate::diag::HostDiag;
    use crate::ffi;
    use crate::host::{self, Param};
    use crate::inet_addr_list::abi::{
        CList, INET_ADDR_LIST, TempList, copy_in, core_addr, inet_addr_list_init,
    };
    use crate::inet_proto::abi::inet_proto_info;
    use libc::{c_int, sockaddr};

    const EMPTY: INET_ADDR_LIST = INET_ADDR_LIST {
        used: 0,
        size: 0,
        addrs: std::ptr::null_mut(),
    };
    static mut SAVED_ADDR_LIST: INET_ADDR_LIST = EMPTY;
    static mut SAVED_MASK_LIST: INET_ADDR_LIST = EMPTY;
    static mut SAVED_PROXY_LIST: INET_ADDR_LIST = EMPTY;

    /// One of the statics as a list.
    ///
    /// # Safety
    /// `p` is one of this module's statics, not otherwise borrowed now.
    unsafe fn saved(p: *mut INET_ADDR_LIST) -> CList<'static> {
        // SAFETY: the caller's contract; Postfix is single-threaded.
        CList(unsafe { &mut *p })
    }

    fn new_list() -> Box<dyn AddrList> {
        Box::new(TempList::default())
    }

    /// Run `f` with a context for Postfix's globals and host binding.
    fn with_ctx<T>(f: impl FnOnce(&mut Ctx) -> T) -> T {
        let proto = inet_proto_info();
        let mut ctx = Ctx {
            proto: &proto,
            config: Config::compiled(),
            ipv6: cfg!(feature = "has_ipv6"),
            sys: &mut crate::sys::System,
            diag: &mut HostDiag,
            new_list,
            probed: Vec::new(),
        };
        f(&mut ctx)
    }

    /// (Re)initialise a saved list, freeing an earlier allocation.
    ///
    /// # Safety
    /// `list` is one of this module's statics.
    unsafe fn reset(list: *mut INET_ADDR_LIST) {
        // SAFETY: the caller's contract: one of this module's statics, not
        // borrowed now (Postfix is single-threaded).
        let addrs = unsafe { (*list).addrs };
        // SAFETY: the statics hold null or storage from ffi::xmalloc /
        // ffi::xrealloc (malloc), freed once: inet_addr_list_init() below
        // replaces the pointer without reading it.
        unsafe { libc::free(addrs.cast()) };
        // SAFETY: the caller's contract: `list` points to an
        // INET_ADDR_LIST.
        unsafe { inet_addr_list_init(list) };
    }

    /// Compute the saved lists when the address list is empty, as Postfix
    /// does (so an empty result is computed again on every call).
    ///
    /// The statics are only touched here and in the exported functions
    /// below; Postfix is single-threaded (see the README). So none of them
    /// is borrowed while one of these functions runs.
    fn ensure_own() {
        let (a, m) = (&raw mut SAVED_ADDR_LIST, &raw mut SAVED_MASK_LIST);
        // SAFETY: a static of this module, not borrowed now (see above).
        if unsafe { (*a).used } == 0 {
            // SAFETY: one of this module's statics.
            unsafe { reset(a) };
            // SAFETY: one of this module's statics.
            unsafe { reset(m) };
            let interfaces = host::param(Param::InetInterfaces);
            // HostDiag ends the process on a fatal error.
            let _ = with_ctx(|ctx| {
                // SAFETY: a static of this module, borrowed only here.
                let mut addrs = unsafe { saved(a) };
                // SAFETY: another static, borrowed only here.
                let mut masks = unsafe { saved(m) };
                own_inet_addr_init(&interfaces, &mut addrs, &mut masks, ctx)
            });
        }
    }

    /// As ensure_own(), for the proxy list.
    fn ensure_proxy() {
        let p = &raw mut SAVED_PROXY_LIST;
        let value = host::param(Param::ProxyInterfaces);
        // SAFETY: a static of this module, not borrowed now (see
        // ensure_own()); the borrow ends before reset() changes it.
        let list = unsafe { &*p };
        let (used, unset) = (list.used, list.addrs.is_null());
        if !value.is_empty() && used == 0 {
            // SAFETY: one of this module's statics.
            unsafe { reset(p) };
            let _ = with_ctx(|ctx| {
                // SAFETY: a static of this module, borrowed only here.
                let mut list = unsafe { saved(p) };
                proxy_inet_addr_init(&value, &mut list, ctx)
            });
        } else if unset {
            // SAFETY: one of this module's statics.
            unsafe { reset(p) };
        }
    }

    /// # Safety
    /// `addr` points to a sockaddr_in or sockaddr_in6.
    unsafe fn core_of(func: &str, addr: *const sockaddr) -> SockAddr {
        if addr.is_null() {
            ffi::null_arg(func, "address");
        }
        // SAFETY: not null; the caller vouches that addr points to at
        // least a struct sockaddr.
        let family = unsafe { (*addr).sa_family };
        let len = if i32::from(family) == libc::AF_INET6 {
            std::mem::size_of::<libc::sockaddr_in6>()
        } else {
            std::mem::size_of::<libc::sockaddr_in>()
        };
        // SAFETY: the caller vouches for a sockaddr_in or sockaddr_in6, so
        // `len` readable bytes, which a sockaddr_storage holds.
        let ss = unsafe { copy_in(addr, len) };
        core_addr(&ss)
    }

    /// Postfix: `int own_inet_addr(struct sockaddr *addr)`.
    ///
    /// # Safety
    /// `addr` points to a sockaddr_in or sockaddr_in6. Not thread-safe.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn own_inet_addr(addr: *mut sockaddr) -> c_int {
        ffi::postfix_boundary("own_inet_addr", || {
            // SAFETY: the caller's contract.
            let sa = unsafe { core_of("own_inet_addr", addr) };
            ensure_own();
            let list = &raw mut SAVED_ADDR_LIST;
            // SAFETY: one of this module's statics, initialised by
            // ensure_own() and not borrowed now.
            c_int::from(contains(&unsafe { saved(list) }, &sa))
        })
    }

    /// Postfix: `INET_ADDR_LIST *own_inet_addr_list(void)`.
    #[unsafe(no_mangle)]
    pub extern "C" fn own_inet_addr_list() -> *mut INET_ADDR_LIST {
        ffi::postfix_boundary("own_inet_addr_list", || {
            ensure_own();
            &raw mut SAVED_ADDR_LIST
        })
    }

    /// Postfix: `INET_ADDR_LIST *own_inet_mask_list(void)`.
    #[unsafe(no_mangle)]
    pub extern "C" fn own_inet_mask_list() -> *mut INET_ADDR_LIST {
        ffi::postfix_boundary("own_inet_mask_list", || {
            ensure_own();
            &raw mut SAVED_MASK_LIST
        })
    }

    /// Postfix: `int proxy_inet_addr(struct sockaddr *addr)`.
    ///
    /// # Safety
    /// `addr` points to a sockaddr_in or sockaddr_in6. Not thread-safe.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn proxy_inet_addr(addr: *mut sockaddr) -> c_int {
        ffi::postfix_boundary("proxy_inet_addr", || {
            if host::param(Param::ProxyInterfaces).is_empty() {
                return 0;
            }
            // SAFETY: the caller's contract.
            let sa = unsafe { core_of("proxy_inet_addr", addr) };
            ensure_proxy();
            let list = &raw mut SAVED_PROXY_LIST;
            // SAFETY: one of this module's statics, initialised by
            // ensure_proxy() and not borrowed now.
            c_int::from(contains(&unsafe { saved(list) }, &sa))
        })
    }

    /// Postfix: `INET_ADDR_LIST *proxy_inet_addr_list(void)`.
    #[unsafe(no_mangle)]
    pub extern "C" fn proxy_inet_addr_list() -> *mut INET_ADDR_LIST {
        ffi::postfix_boundary("proxy_inet_addr_list", || {
            ensure_proxy();
            &raw mut SAVED_PROXY_LIST
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Collect, Level};
    use crate::inet_proto::info_for_mask;
    use crate::sys::{FakeSys, Ifaddr};

    fn v4(s: &str) -> SockAddr {
        SockAddr::V4(crate::inet_pton::pton4(s.as_bytes()).unwrap())
    }

    fn host() -> FakeSys {
        let up = libc::IFF_UP as u32;
        let e = |a: &str, m: &str| Ifaddr {
            flags: up,
            addr: Some(v4(a)),
            netmask: Some(v4(m)),
        };
        FakeSys {
            ifaddrs: Some(Ok(vec![
                e("127.0.0.1", "255.0.0.0"),
                e("192.0.2.1", "255.255.255.0"),
                e("192.0.2.1", "255.255.0.0"),
                e("198.51.100.7", "255.255.255.128"),
            ])),
            names: vec![(b"mail.example", vec![v4("198.51.100.7"), v4("192.0.2.1")])],
            ..FakeSys::default()
        }
    }

    fn compute(interfaces: &str) -> (Vec<SockAddr>, Vec<SockAddr>, Collect) {
        let proto = info_for_mask(crate::inet_proto::MASK_IPV4);
        let mut sys = host();
        let mut diag = Collect::default();
        let (mut a, mut m) = (Vec::new(), Vec::new());
        let mut ctx = Ctx {
            proto: &proto,
            config: Config::named(b"getifaddrs").unwrap(),
            ipv6: true,
            sys: &mut sys,
            diag: &mut diag,
            new_list: || Box::new(Vec::<SockAddr>::new()),
            probed: Vec::new(),
        };
        let _ = own_inet_addr_init(interfaces.as_bytes(), &mut a, &mut m, &mut ctx);
        (a, m, diag)
    }

    #[test]
    fn explicit_hosts_take_the_first_local_mask_and_drop_duplicates() {
        let (a, m, d) = compute("mail.example, [192.0.2.1]\t198.51.100.7");
        assert_eq!(d.error(), None);
        // uniq sorted the list (3.7.11's comparator; these sort plainly).
        assert_eq!(a, vec![v4("192.0.2.1"), v4("198.51.100.7")]);
        assert_eq!(m, vec![v4("255.255.255.0"), v4("255.255.255.128")]);
    }

    #[test]
    fn loopback_only_and_fatal_texts() {
        let (a, m, _) = compute("loopback-only");
        assert_eq!((a, m), (vec![v4("127.0.0.1")], vec![v4("255.0.0.0")]));
        let (_, _, d) = compute("203.0.113.9");
        assert_eq!(
            d.error(),
            Some(&b"parameter inet_interfaces: no local interface found for 203.0.113.9"[..])
        );
        let (_, _, d) = compute("nosuch.example");
        assert_eq!(
            d.error(),
            Some(&b"config variable inet_interfaces: host not found: nosuch.example"[..])
        );
        let (_, _, d) = compute("::1");
        assert_eq!(
            d.messages[0],
            (
                Level::Info,
                b"inet_addr_host: skipping address family 10 for host \"::1\"".to_vec()
            )
        );
    }
}
