//! inet_addr_local - determine all IP addresses (and netmasks) of this host
//!
//! `int inet_addr_local(INET_ADDR_LIST *addr_list, INET_ADDR_LIST
//! *mask_list, unsigned *addr_family_list)` appends the address of every
//! active interface of each family in the zero-terminated family list (in
//! that order) to `addr_list` and, when `mask_list` is not null, its netmask
//! at the same index; it returns the number of addresses appended
//! (src/util/inet_addr_local.c). Postfix needs these to avoid mail loops,
//! to recognise user@\[address\] as local and, with the masks, to compute
//! mynetworks.
//!
//! The lookup method is chosen at compile time as Postfix's sys_defs.h
//! chooses it: getifaddrs(3) ([`getifaddrs`], HAVE_GETIFADDRS, both
//! families); SIOCGLIFCONF ([`siocglif`], HAS_SIOCGLIF, Solaris); the
//! classic SIOCGIFCONF ([`siocgif`], where IPv6 addresses get a /128 mask);
//! /proc/net/if_inet6 ([`procnet_ifinet6`], HAS_PROCNET_IFINET6) for IPv6.
//! `pfinet_inet_addr_local_method()` runs a named method in any build, for
//! tests; the system calls sit behind [`crate::sys::Sys`] so that tests can also
//! simulate a kernel.
//!
//! DIAGNOSTICS: "ignoring interface with null netmask, address family N"
//! (getifaddrs), the /proc/net/if_inet6 warnings, fatal errors when the
//! system calls fail, "inet_addr_local: configured N IPv4 addresses" with
//! msg_verbose, and a panic for an unknown family, all as Postfix.

pub mod getifaddrs;
pub mod procnet_ifinet6;
pub mod siocgif;
pub mod siocglif;

use crate::diag::{Diag, Fatal};
use crate::inet_addr_list::AddrList;
use crate::sockaddr::SockAddr;
use crate::sys;
use crate::sys::Sys;

/// What a lookup reports, in the order Postfix would act on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// inet_addr_list_append() to the address list.
    Addr(SockAddr),
    /// inet_addr_list_append() to the mask list (only made when a mask
    /// list was given).
    Mask(SockAddr),
    /// msg_warn().
    Warn(Vec<u8>),
    /// msg_warn(), but only under msg_verbose.
    VerboseWarn(Vec<u8>),
    /// msg_info(), only under msg_verbose.
    VerboseInfo(Vec<u8>),
    /// msg_fatal(): the lookup ends here.
    Fatal(Vec<u8>),
    /// msg_panic(): the lookup ends here.
    Panic(Vec<u8>),
}

/// Which lookup methods a build has: Postfix's HAVE_GETIFADDRS,
/// HAS_SIOCGLIF and HAS_PROCNET_IFINET6 (none: SIOCGIFCONF).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Config {
    /// HAVE_GETIFADDRS: getifaddrs(3) for both families.
    pub getifaddrs: bool,
    /// HAS_SIOCGLIF: SIOCGLIFCONF (Solaris).
    pub siocglif: bool,
    /// HAS_PROCNET_IFINET6: IPv6 from /proc/net/if_inet6.
    pub procnet_ifinet6: bool,
    /// getifaddrs from the C library even where pfinet reads the kernel's
    /// tables itself (the method "getifaddrs-libc", for fault injection
    /// through a getifaddrs() shim).
    pub libc_getifaddrs: bool,
}

/// One lookup method for one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// getifaddrs(3).
    Getifaddrs,
    /// SIOCGLIFCONF and SIOCGLIFNETMASK.
    Siocglif,
    /// SIOCGIFCONF and SIOCGIFNETMASK.
    Siocgif,
    /// /proc/net/if_inet6 (IPv6 only).
    ProcnetIfinet6,
}

impl Config {
    /// The choice compiled into this library (cargo features).
    pub fn compiled() -> Config {
        Config {
            getifaddrs: cfg!(feature = "have_getifaddrs"),
            siocglif: cfg!(feature = "has_siocglif"),
            procnet_ifinet6: cfg!(feature = "has_procnet_ifinet6"),
            libc_getifaddrs: false,
        }
    }

    /// A configuration by the name of its method: "getifaddrs",
    /// "getifaddrs-libc", "siocglif", "siocgif" or "procnet" (IPv6 from
    /// /proc, IPv4 by SIOCGIFCONF).
    pub fn named(name: &[u8]) -> Option<Config> {
        let none = Config::default();
        match name {
            b"getifaddrs" => Some(Config {
                getifaddrs: true,
                ..none
            }),
            b"siocglif" => Some(Config {
                siocglif: true,
                ..none
            }),
            b"getifaddrs-libc" => Some(Config {
                getifaddrs: true,
                libc_getifaddrs: true,
                ..none
            }),
            b"siocgif" => Some(none),
            b"procnet" => Some(Config {
                procnet_ifinet6: true,
                ..none
            }),
            _ => None,
        }
    }

    /// The method for IPv4, in Postfix's order of preference.
    pub fn ipv4(self) -> Method {
        if self.getifaddrs {
            Method::Getifaddrs
        } else if self.siocglif {
            Method::Siocglif
        } else {
            Method::Siocgif
        }
    }

    /// The method for IPv6, in Postfix's order of preference.
    pub fn ipv6(self) -> Method {
        if self.getifaddrs {
            Method::Getifaddrs
        } else if self.procnet_ifinet6 {
            Method::ProcnetIfinet6
        } else if self.siocglif {
            Method::Siocglif
        } else {
            Method::Siocgif
        }
    }
}

/// The C library's text for an errno (Postfix's `%m`).
fn m(errno: i32) -> String {
    String::from_utf8_lossy(&crate::host::strerror(errno)).into_owned()
}

/// ial_socket(): a datagram socket for ioctls; when IPv6 is not in the
/// kernel, nothing (with a warning under msg_verbose); else fatal.
fn ial_socket(
    af: i32,
    ipv6: bool,
    sys: &mut dyn Sys,
    events: &mut Vec<Event>,
) -> Option<Box<dyn sys::IoctlSocket>> {
    match sys.ioctl_socket(af) {
        Ok(sock) => Some(sock),
        Err(e) => {
            let text = format!("inet_addr_local[socket]: socket: {}", m(e)).into_bytes();
            events.push(if ipv6 && af == libc::AF_INET6 {
                Event::VerboseWarn(text)
            } else {
                Event::Fatal(text)
            });
            None
        }
    }
}

/// The SIOCGIFCONF/SIOCGLIFCONF buffer loop: start with 1024 bytes; on
/// EINVAL (too small, Solaris) or a result filling half the buffer or more
/// (a tight fit, BSD), double it and ask again. Other errors are fatal,
/// "NAME: ioctl REQUEST: ERROR".
fn conf_loop(
    name: &str,
    request: &str,
    events: &mut Vec<Event>,
    mut ioctl: impl FnMut(usize) -> Result<Vec<u8>, i32>,
) -> Option<Vec<u8>> {
    let mut avail = 1024usize;
    loop {
        match ioctl(avail) {
            Err(e) if e == libc::EINVAL => {}
            Err(e) => {
                events.push(Event::Fatal(
                    format!("{name}: ioctl {request}: {}", m(e)).into_bytes(),
                ));
                return None;
            }
            Ok(data) if data.len() < avail / 2 => return Some(data),
            Ok(_) => {}
        }
        avail = avail.checked_mul(2)?;
    }
}

/// Whether the events end with a fatal error or panic.
fn ended(events: &[Event]) -> bool {
    matches!(events.last(), Some(Event::Fatal(_) | Event::Panic(_)))
}

/// inet_addr_local(): the events for the families in `families` (AF_INET,
/// AF_INET6 numbers), with masks when `masks`; `ipv6` is the build's
/// HAS_IPV6.
pub fn inet_addr_local(
    families: &[u32],
    masks: bool,
    config: Config,
    ipv6: bool,
    sys: &mut dyn Sys,
) -> Vec<Event> {
    // Postfix calls getifaddrs() once per family; one snapshot of just
    // the families asked for serves all of them here (the kernel's address
    // dump dominates the cost).
    let dumped: Vec<i32> = families.iter().map(|&f| f as i32).collect();
    let mut snapshot = None;
    let mut events = Vec::new();
    for &family in families {
        let (method, name) = if family == libc::AF_INET as u32 {
            (config.ipv4(), "IPv4")
        } else if ipv6 && family == libc::AF_INET6 as u32 {
            (config.ipv6(), "IPv6")
        } else {
            events.push(Event::Panic(
                format!("inet_addr_local: unknown address family {}", family as i32).into_bytes(),
            ));
            return events;
        };
        let start = events.len();
        let af = family as i32;
        match method {
            Method::Getifaddrs => {
                let list = snapshot.get_or_insert_with(|| {
                    if config.libc_getifaddrs {
                        sys.libc_getifaddrs(&dumped)
                    } else {
                        sys.getifaddrs(&dumped)
                    }
                });
                getifaddrs::lookup(af, masks, ipv6, list, &mut events)
            }
            Method::Siocglif => siocglif::lookup(af, masks, ipv6, sys, &mut events),
            Method::Siocgif => siocgif::lookup(af, masks, ipv6, sys, &mut events),
            Method::ProcnetIfinet6 => procnet_ifinet6::lookup(sys, &mut events),
        }
        if ended(&events) {
            return events;
        }
        let found = events[start..]
            .iter()
            .filter(|e| matches!(e, Event::Addr(_)))
            .count();
        events.push(Event::VerboseInfo(
            format!("inet_addr_local: configured {found} {name} addresses").into_bytes(),
        ));
    }
    events
}

/// Act on the events in order: append to the lists, report the messages.
/// Returns the number of addresses appended, as inet_addr_local() does.
pub fn replay(
    events: &[Event],
    addrs: &mut dyn AddrList,
    mut masks: Option<&mut dyn AddrList>,
    diag: &mut dyn Diag,
) -> Result<usize, Fatal> {
    let mut count = 0;
    for e in events {
        match e {
            Event::Addr(addr) => {
                addrs.append(addr);
                count += 1;
            }
            Event::Mask(mask) => {
                if let Some(list) = masks.as_deref_mut() {
                    list.append(mask);
                }
            }
            Event::Warn(t) => diag.warn(t),
            Event::VerboseWarn(t) if diag.verbose() != 0 => diag.warn(t),
            Event::VerboseInfo(t) if diag.verbose() != 0 => diag.info(t),
            Event::Fatal(t) => return Err(diag.fatal(t)),
            Event::Panic(t) => return Err(diag.panic(t)),
            _ => {}
        }
    }
    Ok(count)
}

/// inet_addr_local() on any lists: look up, then [`replay`].
pub fn run(
    families: &[u32],
    addrs: &mut dyn AddrList,
    masks: Option<&mut dyn AddrList>,
    config: Config,
    ipv6: bool,
    sys: &mut dyn Sys,
    diag: &mut dyn Diag,
) -> Result<usize, Fatal> {
    let events = inet_addr_local(families, masks.is_some(), config, ipv6, sys);
    replay(&events, addrs, masks, diag)
}

/// The Postfix-named `extern "C"` functions and `#[repr(C)]` types of this module.
#[allow(unsafe_code)]
// the Postfix-named C functions
pub mod abi {
    use super::*;
    use crate::diag::HostDiag;
    use crate::inet_addr_list::abi::{CList, INET_ADDR_LIST};
    use crate::{ffi, host};
    use libc::{c_char, c_int, c_uint};

    /// The C family list (zero-terminated) as a vector.
    ///
    /// # Safety
    /// `list` is a zero-terminated array.
    pub unsafe fn families(func: &str, list: *const c_uint) -> Vec<u32> {
        if list.is_null() {
            ffi::null_arg(func, "address family list");
        }
        // SAFETY: not null; the caller vouches for the terminating zero.
        unsafe { ffi::zero_terminated(list) }
    }

    /// inet_addr_local() on Postfix's lists with the host's diagnostics.
    ///
    /// # Safety
    /// `addr_list` (and `mask_list` unless null) are initialised lists,
    /// distinct from each other; `addr_family_list` is zero-terminated.
    pub unsafe fn run_c(
        func: &str,
        addr_list: *mut INET_ADDR_LIST,
        mask_list: *mut INET_ADDR_LIST,
        addr_family_list: *const c_uint,
        config: Config,
    ) -> c_int {
        if addr_list.is_null() {
            ffi::null_arg(func, "address list");
        }
        // SAFETY: the caller's contract.
        let families = unsafe { families(func, addr_family_list) };
        // SAFETY: not null; the caller vouches for an initialised list that
        // nothing else uses during the call.
        let addrs = unsafe { &mut *addr_list };
        // SAFETY: null, or an initialised list distinct from addr_list
        // (the caller's contract), so the two borrows do not overlap.
        let masks = unsafe { mask_list.as_mut() };
        let mut masks = masks.map(CList);
        let masks = masks.as_mut().map(|m| m as &mut dyn AddrList);
        let ipv6 = cfg!(feature = "has_ipv6");
        // HostDiag ends the process on a fatal error: Err does not return.
        run(
            &families,
            &mut CList(addrs),
            masks,
            config,
            ipv6,
            &mut sys::System,
            &mut HostDiag,
        )
        .unwrap_or(0) as c_int
    }

    /// Postfix: `int inet_addr_local(INET_ADDR_LIST *addr_list,
    /// INET_ADDR_LIST *mask_list, unsigned *addr_family_list)`.
    ///
    /// # Safety
    /// `addr_list` (and `mask_list` unless null) are initialised lists;
    /// `addr_family_list` is zero-terminated (e.g. inet_proto_info()'s
    /// ai_family_list).
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn inet_addr_local(
        addr_list: *mut INET_ADDR_LIST,
        mask_list: *mut INET_ADDR_LIST,
        addr_family_list: *mut c_uint,
    ) -> c_int {
        ffi::postfix_boundary("inet_addr_local", || {
            // SAFETY: the caller's contract is run_c()'s.
            unsafe {
                run_c(
                    "inet_addr_local",
                    addr_list,
                    mask_list,
                    addr_family_list,
                    Config::compiled(),
                )
            }
        })
    }

    /// inet_addr_local() with the lookup method named by `method`
    /// ("getifaddrs", "siocgif", "procnet", "siocglif") instead of the
    /// compiled-in one, so that tests can run every method in one build.
    /// Behaves as inet_addr_local() otherwise (including its fatal errors);
    /// an unknown method name is a panic.
    ///
    /// # Safety
    /// As inet_addr_local(); `method` is a C string.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn pfinet_inet_addr_local_method(
        addr_list: *mut INET_ADDR_LIST,
        mask_list: *mut INET_ADDR_LIST,
        addr_family_list: *mut c_uint,
        method: *const c_char,
    ) -> c_int {
        const F: &str = "pfinet_inet_addr_local_method";
        ffi::postfix_boundary(F, || {
            // SAFETY: the caller passes a C string.
            let name = unsafe { ffi::bytes(method) }.unwrap_or_else(|| ffi::null_arg(F, "method"));
            let config = Config::named(name).unwrap_or_else(|| {
                host::panic(&[F.as_bytes(), b": unknown lookup method: ", name].concat())
            });
            // SAFETY: the caller's contract is run_c()'s.
            unsafe { run_c(F, addr_list, mask_list, addr_family_list, config) }
        })
    }
}
