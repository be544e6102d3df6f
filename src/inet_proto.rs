//! inet_proto - convert protocol names to assorted constants
//!
//! `const INET_PROTO_INFO *inet_proto_init(const char *context, const char
//! *protocols)` turns Postfix's `inet_protocols` value ("all", "ipv4",
//! "ipv6", separated by white space and/or commas) into the global
//! `inet_proto_table`: `ai_family` (PF_UNSPEC, PF_INET or PF_INET6) and the
//! zero-terminated vectors `ai_family_list`, `dns_atype_list` and
//! `sa_family_list`, in Postfix's order (IPv4 before IPv6). A second call
//! replaces and frees the previous table (src/util/inet_proto.c).
//!
//! Without IPv6 support compiled in (no `has_ipv6` feature, Postfix's
//! NO_IPV6), "all" means IPv4 and "ipv6" is an unknown name.
//!
//! DIAGNOSTICS: unknown name: fatal (see name_mask). A requested family
//! whose socket() fails with EAFNOSUPPORT or EPROTONOSUPPORT is dropped
//! with "CONTEXT: disabling IPv6 name/address support: ERROR" (or IPv4);
//! any other socket() error is fatal, "socket: ERROR".

use crate::host::strerror;
use crate::name_mask::name_mask;

/// INET_PROTO_MASK_IPV4.
pub const MASK_IPV4: u32 = 1 << 0;
/// INET_PROTO_MASK_IPV6.
pub const MASK_IPV6: u32 = 1 << 1;

/// DNS record types (arpa/nameser.h).
pub const T_A: u32 = 1;
/// The DNS AAAA record type.
pub const T_AAAA: u32 = 28;

/// Postfix's proto_table for a build with or without IPv6.
pub fn proto_table(ipv6: bool) -> &'static [(&'static [u8], u32)] {
    if ipv6 {
        &[
            (b"all", MASK_IPV4 | MASK_IPV6),
            (b"ipv6", MASK_IPV6),
            (b"ipv4", MASK_IPV4),
        ]
    } else {
        &[(b"all", MASK_IPV4), (b"ipv4", MASK_IPV4)]
    }
}

/// The four results, without their terminating zeros.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InetProtoInfo {
    /// PF_UNSPEC, PF_INET or PF_INET6.
    pub ai_family: u32,
    /// PF_INET and/or PF_INET6 (without the terminating zero).
    pub ai_family_list: Vec<u32>,
    /// T_AAAA and/or T_A.
    pub dns_atype_list: Vec<u32>,
    /// AF_INET6 and/or AF_INET.
    pub sa_family_list: Vec<u8>,
}

/// Everything inet_proto_init() says and decides, in order.
#[derive(Debug, PartialEq, Eq)]
pub struct InetProto {
    /// msg_info lines (only logged under msg_verbose).
    pub verbose: Vec<Vec<u8>>,
    /// msg_warn lines.
    pub warnings: Vec<Vec<u8>>,
    /// Fatal text; when set, `info` is meaningless.
    pub fatal: Option<Vec<u8>>,
    /// The result (as INET_PROTO_INFO).
    pub info: InetProtoInfo,
}

/// Outcome of trying `socket(family, SOCK_STREAM, 0)`: `Ok` or the errno.
pub type Probe = dyn Fn(Family) -> Result<(), i32>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// A protocol family to probe with socket().
pub enum Family {
    /// PF_INET.
    Inet,
    /// PF_INET6.
    Inet6,
}

/// The vectors Postfix builds for a protocol mask.
pub fn info_for_mask(mask: u32) -> InetProtoInfo {
    let (pf4, pf6) = (libc::PF_INET as u32, libc::PF_INET6 as u32);
    let (af4, af6) = (libc::AF_INET as u8, libc::AF_INET6 as u8);
    let both = MASK_IPV4 | MASK_IPV6;
    let (ai_family, fam, atype, sa) = match mask {
        m if m == MASK_IPV6 => (pf6, vec![pf6], vec![T_AAAA], vec![af6]),
        m if m == both => (
            libc::PF_UNSPEC as u32,
            vec![pf4, pf6],
            vec![T_A, T_AAAA],
            vec![af4, af6],
        ),
        m if m == MASK_IPV4 => (pf4, vec![pf4], vec![T_A], vec![af4]),
        _ => (libc::PF_UNSPEC as u32, vec![], vec![], vec![]),
    };
    InetProtoInfo {
        ai_family,
        ai_family_list: fam,
        dns_atype_list: atype,
        sa_family_list: sa,
    }
}

/// inet_proto_init()'s logic, with the socket() probe supplied.
pub fn inet_proto(context: &[u8], protocols: &[u8], ipv6_build: bool, probe: &Probe) -> InetProto {
    let parsed = name_mask(context, proto_table(ipv6_build), protocols);
    let mut out = InetProto {
        verbose: parsed.verbose,
        warnings: Vec::new(),
        fatal: parsed.fatal,
        info: info_for_mask(0),
    };
    if out.fatal.is_some() {
        return out;
    }
    let mut mask = parsed.mask;
    for (bit, family, name) in [
        (MASK_IPV6, Family::Inet6, "IPv6"),
        (MASK_IPV4, Family::Inet, "IPv4"),
    ] {
        if mask & bit == 0 {
            continue;
        }
        match probe(family) {
            Ok(()) => {}
            Err(e) if e == libc::EAFNOSUPPORT || e == libc::EPROTONOSUPPORT => {
                out.warnings.push(
                    [
                        context,
                        format!(": disabling {name} name/address support: ").as_bytes(),
                        &strerror(e),
                    ]
                    .concat(),
                );
                mask &= !bit;
            }
            Err(e) => {
                out.fatal = Some([b"socket: ".as_slice(), &strerror(e)].concat());
                return out;
            }
        }
    }
    out.info = info_for_mask(mask);
    out
}

/// The real probe: open and close a stream socket of the family.
pub fn socket_probe(family: Family) -> Result<(), i32> {
    use nix::sys::socket::{AddressFamily, SockFlag, SockType, socket};
    let af = match family {
        Family::Inet => AddressFamily::Inet,
        Family::Inet6 => AddressFamily::Inet6,
    };
    socket(af, SockType::Stream, SockFlag::empty(), None)
        .map(drop)
        .map_err(|e| e as i32)
}

/// The Postfix-named `extern "C"` functions and `#[repr(C)]` types of this module.
#[allow(unsafe_code)]
// the Postfix-named C functions
pub mod abi {
    use super::*;
    use crate::{ffi, host};
    use libc::{c_char, c_uint};
    use std::mem::MaybeUninit;

    /// Postfix's INET_PROTO_INFO.
    #[repr(C)]
    pub struct INET_PROTO_INFO {
        /// PF_UNSPEC, PF_INET, or PF_INET6
        pub ai_family: c_uint,
        /// PF_INET and/or PF_INET6, zero-terminated
        pub ai_family_list: *mut c_uint,
        /// T_AAAA and/or T_A, zero-terminated
        pub dns_atype_list: *mut c_uint,
        /// AF_INET6 and/or AF_INET, zero-terminated
        pub sa_family_list: *mut u8,
    }

    /// The table built by the last inet_proto_init() call, or null.
    #[unsafe(no_mangle)]
    pub static mut inet_proto_table: *mut INET_PROTO_INFO = std::ptr::null_mut();

    /// `items` and a terminating zero (`T::default()`) in a malloc'ed
    /// array.
    fn vector<T: Copy + Default>(items: &[T]) -> *mut T {
        let n = items.len() + 1;
        let p = ffi::xmalloc::<T>(n);
        // SAFETY: p is a fresh malloc'ed block (so aligned for T; not null:
        // xmalloc does not return on failure) of n items of T, used by
        // nothing else; seen as MaybeUninit, its uninitialised items are
        // valid.
        let slots = unsafe { std::slice::from_raw_parts_mut(p.cast::<MaybeUninit<T>>(), n) };
        for (slot, item) in slots.iter_mut().zip(items.iter().chain([&T::default()])) {
            slot.write(*item);
        }
        p
    }

    fn build(info: &InetProtoInfo) -> *mut INET_PROTO_INFO {
        let pf = ffi::xmalloc::<INET_PROTO_INFO>(1);
        // SAFETY: pf is a fresh allocation for one INET_PROTO_INFO.
        unsafe {
            pf.write(INET_PROTO_INFO {
                ai_family: info.ai_family,
                ai_family_list: vector(&info.ai_family_list),
                dns_atype_list: vector(&info.dns_atype_list),
                sa_family_list: vector(&info.sa_family_list),
            })
        };
        pf
    }

    /// # Safety
    /// `pf` came from build() and is not used again.
    unsafe fn free(pf: *mut INET_PROTO_INFO) {
        // SAFETY: the caller's contract: pf is a live table from build().
        let table = unsafe { &*pf };
        let blocks: [*mut libc::c_void; 4] = [
            table.ai_family_list.cast(),
            table.dns_atype_list.cast(),
            table.sa_family_list.cast(),
            pf.cast(),
        ];
        for block in blocks {
            // SAFETY: build() got each of the four from ffi::xmalloc
            // (malloc), and each is freed once, here; the table itself
            // goes last, after its vectors were read out of it.
            unsafe { libc::free(block) };
        }
    }

    /// Postfix's inet_proto_info(): the current table, read into the core
    /// form; when there is none yet, inet_proto_init("default protocol
    /// setting", DEF_INET_PROTOCOLS) first, as Postfix's macro does.
    pub fn inet_proto_info() -> InetProtoInfo {
        // SAFETY: the table is null or built by build(); Postfix is
        // single-threaded.
        let mut pf = unsafe { inet_proto_table };
        if pf.is_null() {
            let def = [default_protocols(cfg!(feature = "has_ipv6")), b"\0"].concat();
            // SAFETY: both arguments are NUL-terminated.
            pf = unsafe {
                inet_proto_init(c"default protocol setting".as_ptr(), def.as_ptr().cast())
            }
            .cast_mut();
        }
        // SAFETY: pf is a live table from build() (inet_proto_init() does
        // not return otherwise), which only inet_proto_init() replaces;
        // Postfix is single-threaded.
        let pf = unsafe { &*pf };
        InetProtoInfo {
            ai_family: pf.ai_family,
            // SAFETY: build() ends each vector with a zero.
            ai_family_list: unsafe { ffi::zero_terminated(pf.ai_family_list) },
            // SAFETY: build() ends this vector with a zero too.
            dns_atype_list: unsafe { ffi::zero_terminated(pf.dns_atype_list) },
            // SAFETY: build() ends this vector with a zero too.
            sa_family_list: unsafe { ffi::zero_terminated(pf.sa_family_list) },
        }
    }

    /// Postfix: `const INET_PROTO_INFO *inet_proto_init(const char *context,
    /// const char *protocols)`.
    ///
    /// # Safety
    /// Both arguments are NUL-terminated strings. Not thread-safe: it
    /// replaces the global table, as in Postfix.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn inet_proto_init(
        context: *const c_char,
        protocols: *const c_char,
    ) -> *const INET_PROTO_INFO {
        ffi::postfix_boundary("inet_proto_init", || {
            // SAFETY: the caller passes C strings (or null, see below).
            let context = unsafe { ffi::bytes(context) };
            // SAFETY: as above.
            let protocols = unsafe { ffi::bytes(protocols) };
            // Postfix's first step is mystrdup(protocols), whose own panic
            // this is.
            let protocols =
                protocols.unwrap_or_else(|| host::panic(b"mystrdup: null pointer argument"));
            let r = inet_proto(
                context.unwrap_or_default(),
                protocols,
                cfg!(feature = "has_ipv6"),
                &socket_probe,
            );
            // Postfix reads `context` only for a warning or an unknown
            // name's fatal text: a null one crashes it there and only there.
            let names_context = !r.warnings.is_empty()
                || r.fatal
                    .as_ref()
                    .is_some_and(|t| !t.starts_with(b"socket: "));
            if context.is_none() && names_context {
                ffi::null_arg("inet_proto", "context");
            }
            if host::verbose() != 0 {
                r.verbose.iter().for_each(|l| host::info(l));
            }
            r.warnings.iter().for_each(|w| host::warn(w));
            if let Some(text) = &r.fatal {
                host::fatal(text);
            }
            let pf = build(&r.info);
            let table = &raw mut inet_proto_table;
            // SAFETY: Postfix's table is a process global that only
            // inet_proto_init() writes; Postfix is single-threaded.
            let old = unsafe { std::ptr::replace(table, pf) };
            if !old.is_null() {
                // SAFETY: the old table came from build(), and no longer
                // being the global, it is not used again.
                unsafe { free(old) };
            }
            pf.cast_const()
        })
    }
}

pub use abi::INET_PROTO_INFO;

/// Postfix's DEF_INET_PROTOCOLS: "all" with IPv6 support, else "ipv4".
pub fn default_protocols(ipv6: bool) -> &'static [u8] {
    if ipv6 { b"all" } else { b"ipv4" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(_: Family) -> Result<(), i32> {
        Ok(())
    }

    #[test]
    fn vectors_as_postfix_builds_them() {
        let r = inet_proto(b"c", b"all", true, &ok);
        assert_eq!(r.info.ai_family, libc::PF_UNSPEC as u32);
        assert_eq!(
            r.info.ai_family_list,
            vec![libc::PF_INET as u32, libc::PF_INET6 as u32]
        );
        assert_eq!(r.info.dns_atype_list, vec![1, 28]);
        let r = inet_proto(b"c", b"all", false, &ok);
        assert_eq!(r.info.ai_family, libc::PF_INET as u32);
        let r = inet_proto(b"c", b"ipv6", false, &ok);
        assert_eq!(r.fatal.unwrap(), b"unknown c value \"ipv6\" in \"ipv6\"");
    }

    #[test]
    fn unsupported_family_is_dropped_with_warning() {
        let no6 = |f: Family| {
            if f == Family::Inet6 {
                Err(libc::EAFNOSUPPORT)
            } else {
                Ok(())
            }
        };
        let r = inet_proto(b"inet_protocols", b"all", true, &no6);
        assert_eq!(r.info.ai_family_list, vec![libc::PF_INET as u32]);
        assert_eq!(
            r.warnings,
            vec![b"inet_protocols: disabling IPv6 name/address support: Address family not supported by protocol".to_vec()]
        );
        let broken = |_: Family| Err(libc::EMFILE);
        assert_eq!(
            inet_proto(b"c", b"ipv4", true, &broken).fatal.unwrap(),
            b"socket: Too many open files"
        );
    }
}
