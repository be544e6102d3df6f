//! pfinet_* - the C API for programs that are not Postfix
//!
//! The same core as the Postfix names, but no function ends the process:
//! every error comes back as a `pfinet_status` plus text in a caller's
//! buffer, and every panic is caught and returned as PFINET_ERR_INTERNAL.
//! Objects are created by `pfinet_*_new`/`_parse` and released by the
//! matching `_free`, which accepts NULL.
//!
//! Functions: pfinet_version(), pfinet_inet_protocols(),
//! pfinet_valid_hostaddr(), pfinet_valid_mailhost_literal(),
//! pfinet_cidr_parse(), pfinet_cidr_match(), pfinet_cidr_free(),
//! pfinet_match_hostaddr(), pfinet_mynetworks(); standalone builds also
//! have the `VSTRING`, diagnostics and parameter helpers
//! pfinet_vstring_str(), pfinet_vstring_free(), pfinet_msg_tag(),
//! pfinet_set_msg_verbose() and pfinet_set_param().

use libc::{c_char, c_uint, size_t};

use crate::cidr_match::{CidrPattern, parse_str};
use crate::ffi::{api_boundary, bytes};
use crate::inet_proto::{MASK_IPV4, MASK_IPV6, inet_proto, socket_probe};

/// Result codes of the pfinet_* API.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum pfinet_status {
    /// Success (or: the address matched).
    PFINET_OK = 0,
    /// The address did not match (pfinet_cidr_match, pfinet_match_hostaddr).
    PFINET_NO_MATCH = 1,
    /// The input text was rejected; the buffer says why, in Postfix's words.
    PFINET_ERR_SYNTAX = 2,
    /// A required pointer argument was NULL.
    PFINET_ERR_NULL = 3,
    /// The system failed (e.g. socket() for a protocol probe).
    PFINET_ERR_SYSTEM = 4,
    /// A bug in pfinet (a caught panic).
    PFINET_ERR_INTERNAL = 5,
    /// The output buffer is too small (it holds as much as fits), or a
    /// list is too long to compile.
    PFINET_ERR_SPACE = 6,
    /// A match-list lookup reached a `type:table` pattern, which the caller
    /// looks up itself (pfinet_match_list_lookup()).
    PFINET_DICTIONARY = 7,
}

use pfinet_status::*;

/// IPv4 bit of pfinet_inet_protocols()'s mask.
pub const PFINET_PROTO_IPV4: c_uint = 1;
/// IPv6 bit of pfinet_inet_protocols()'s mask.
pub const PFINET_PROTO_IPV6: c_uint = 2;

/// Copy `text` into the caller's buffer as a C string, cut to fit.
pub(crate) fn put_text(buf: *mut c_char, len: size_t, text: &[u8]) {
    if buf.is_null() || len == 0 {
        return;
    }
    let n = text.len().min(len - 1);
    // SAFETY: the caller gave `len` writable bytes at `buf`; n < len.
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), n);
        buf.add(n).write(0);
    }
}

/// The library version, e.g. "0.1.0".
#[unsafe(no_mangle)]
pub extern "C" fn pfinet_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Parse an `inet_protocols` value as Postfix does and probe the kernel:
/// `*mask` gets PFINET_PROTO_IPV4 and/or PFINET_PROTO_IPV6 for the families
/// that are on. An unknown name is PFINET_ERR_SYNTAX with Postfix's fatal
/// text; a family the kernel lacks is dropped and Postfix's warning is put
/// in `warn` (empty when none); another socket error is PFINET_ERR_SYSTEM.
///
/// # Safety
/// `protocols` is a C string, `mask` writable, `warn`/`err` null or
/// writable for `warn_len`/`err_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pfinet_inet_protocols(
    protocols: *const c_char,
    mask: *mut c_uint,
    warn: *mut c_char,
    warn_len: size_t,
    err: *mut c_char,
    err_len: size_t,
) -> pfinet_status {
    api_boundary("pfinet_inet_protocols", PFINET_ERR_INTERNAL, || {
        // SAFETY: the caller passes a C string or null.
        let Some(protocols) = (unsafe { bytes(protocols) }) else {
            return PFINET_ERR_NULL;
        };
        if mask.is_null() {
            return PFINET_ERR_NULL;
        }
        let r = inet_proto(
            b"inet_protocols",
            protocols,
            cfg!(feature = "has_ipv6"),
            &socket_probe,
        );
        put_text(warn, warn_len, &r.warnings.join(&b'\n'));
        if let Some(text) = r.fatal {
            put_text(err, err_len, &text);
            return if text.starts_with(b"socket: ") {
                PFINET_ERR_SYSTEM
            } else {
                PFINET_ERR_SYNTAX
            };
        }
        let mut m = 0;
        if r.info.dns_atype_list.contains(&crate::inet_proto::T_A) {
            m |= MASK_IPV4;
        }
        if r.info.dns_atype_list.contains(&crate::inet_proto::T_AAAA) {
            m |= MASK_IPV6;
        }
        // SAFETY: mask is writable (checked not null).
        unsafe { *mask = m };
        PFINET_OK
    })
}

/// Shared body of the syntax checks.
fn check(
    name: &str,
    addr: *const c_char,
    err: *mut c_char,
    err_len: size_t,
    f: impl FnOnce(&[u8]) -> Result<(), Vec<u8>>,
) -> pfinet_status {
    api_boundary(name, PFINET_ERR_INTERNAL, || {
        // SAFETY: the caller passes a C string or null.
        let Some(addr) = (unsafe { bytes(addr) }) else {
            return PFINET_ERR_NULL;
        };
        match f(addr) {
            Ok(()) => PFINET_OK,
            Err(text) => {
                put_text(err, err_len, &text);
                PFINET_ERR_SYNTAX
            }
        }
    })
}

/// Postfix's valid_hostaddr(): PFINET_OK, or PFINET_ERR_SYNTAX with the
/// warning Postfix would log.
///
/// # Safety
/// `addr` is a C string; `err` null or writable for `err_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pfinet_valid_hostaddr(
    addr: *const c_char,
    err: *mut c_char,
    err_len: size_t,
) -> pfinet_status {
    check(
        "pfinet_valid_hostaddr",
        addr,
        err,
        err_len,
        crate::valid_hostaddr::valid_hostaddr,
    )
}

/// Postfix's valid_mailhost_literal() (`[1.2.3.4]`, `[IPv6:...]`).
///
/// # Safety
/// As pfinet_valid_hostaddr().
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pfinet_valid_mailhost_literal(
    addr: *const c_char,
    err: *mut c_char,
    err_len: size_t,
) -> pfinet_status {
    check("pfinet_valid_mailhost_literal", addr, err, err_len, |a| {
        crate::valid_mailhost_addr::valid_mailhost_literal(a, cfg!(feature = "has_ipv6"))
    })
}

/// A parsed CIDR pattern (opaque).
pub struct pfinet_cidr {
    pattern: CidrPattern,
}

/// Parse a CIDR pattern as Postfix's cidr_match_parse() does; on success
/// `*out` is a new object to release with pfinet_cidr_free().
///
/// # Safety
/// `pattern` is a C string, `out` writable, `err` null or writable for
/// `err_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pfinet_cidr_parse(
    pattern: *const c_char,
    out: *mut *mut pfinet_cidr,
    err: *mut c_char,
    err_len: size_t,
) -> pfinet_status {
    api_boundary("pfinet_cidr_parse", PFINET_ERR_INTERNAL, || {
        // SAFETY: the caller passes a C string or null.
        let Some(pattern) = (unsafe { bytes(pattern) }) else {
            return PFINET_ERR_NULL;
        };
        if out.is_null() {
            return PFINET_ERR_NULL;
        }
        match parse_str(pattern, cfg!(feature = "has_ipv6")) {
            Ok(pattern) => {
                // SAFETY: out is writable (checked not null).
                unsafe { *out = Box::into_raw(Box::new(pfinet_cidr { pattern })) };
                PFINET_OK
            }
            Err(text) => {
                put_text(err, err_len, &text);
                PFINET_ERR_SYNTAX
            }
        }
    })
}

/// Whether `addr` (text) falls in the pattern: PFINET_OK or
/// PFINET_NO_MATCH (also for text that is not an address).
///
/// # Safety
/// `cidr` came from pfinet_cidr_parse(); `addr` is a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pfinet_cidr_match(
    cidr: *const pfinet_cidr,
    addr: *const c_char,
) -> pfinet_status {
    api_boundary("pfinet_cidr_match", PFINET_ERR_INTERNAL, || {
        // SAFETY: the caller passes a C string or null.
        let Some(addr) = (unsafe { bytes(addr) }) else {
            return PFINET_ERR_NULL;
        };
        if cidr.is_null() {
            return PFINET_ERR_NULL;
        }
        // SAFETY: a live object from pfinet_cidr_parse().
        let cidr = unsafe { &*cidr };
        if cidr.pattern.matches_text(addr, cfg!(feature = "has_ipv6")) {
            PFINET_OK
        } else {
            PFINET_NO_MATCH
        }
    })
}

/// Release a pattern from pfinet_cidr_parse(); NULL is ignored.
///
/// # Safety
/// `cidr` is NULL or from pfinet_cidr_parse(), and not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pfinet_cidr_free(cidr: *mut pfinet_cidr) {
    api_boundary("pfinet_cidr_free", (), || {
        if !cidr.is_null() {
            // SAFETY: it came from Box::into_raw in pfinet_cidr_parse().
            drop(unsafe { Box::from_raw(cidr) });
        }
    })
}

/// One match-list address pattern against an address, as Postfix's
/// match_hostaddr(): PFINET_OK (match), PFINET_NO_MATCH, or
/// PFINET_ERR_SYNTAX with the text Postfix would report for the pattern.
/// `type:table` patterns are PFINET_ERR_SYNTAX ("dictionary patterns are
/// not supported here").
///
/// # Safety
/// `addr` and `pattern` are C strings; `err` null or writable for
/// `err_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pfinet_match_hostaddr(
    addr: *const c_char,
    pattern: *const c_char,
    err: *mut c_char,
    err_len: size_t,
) -> pfinet_status {
    api_boundary("pfinet_match_hostaddr", PFINET_ERR_INTERNAL, || {
        // SAFETY: the caller passes C strings or null.
        let (Some(a), Some(p)) = (unsafe { bytes(addr) }, unsafe { bytes(pattern) }) else {
            return PFINET_ERR_NULL;
        };
        if crate::match_ops::is_dictionary(p) {
            put_text(err, err_len, b"dictionary patterns are not supported here");
            return PFINET_ERR_SYNTAX;
        }
        match crate::match_ops::match_hostaddr(a, p, cfg!(feature = "has_ipv6")) {
            Ok(true) => PFINET_OK,
            Ok(false) => PFINET_NO_MATCH,
            Err(text) => {
                put_text(err, err_len, &text);
                PFINET_ERR_SYNTAX
            }
        }
    })
}

/// The `mynetworks` value Postfix would compute on this host for these
/// settings (`inet_protocols`, `mynetworks_style`, `inet_interfaces`), as
/// `postconf -h mynetworks` prints it (patterns separated by one space).
/// Computed afresh on every call. Errors that Postfix reports as fatal come
/// back as PFINET_ERR_SYNTAX (bad settings) or PFINET_ERR_SYSTEM (no
/// interfaces, names not found, addresses not on this host) with Postfix's
/// text in `err`; warnings and informational messages go to `warn`, one per
/// line.
///
/// # Safety
/// The strings are C strings; each buffer is null or writable for its
/// length.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pfinet_mynetworks(
    protocols: *const c_char,
    style: *const c_char,
    interfaces: *const c_char,
    out: *mut c_char,
    out_len: size_t,
    warn: *mut c_char,
    warn_len: size_t,
    err: *mut c_char,
    err_len: size_t,
) -> pfinet_status {
    use crate::diag::{Collect, Level};
    api_boundary("pfinet_mynetworks", PFINET_ERR_INTERNAL, || {
        // SAFETY: the caller passes C strings or null.
        let args = unsafe { (bytes(protocols), bytes(style), bytes(interfaces)) };
        let (Some(protocols), Some(style), Some(interfaces)) = args else {
            return PFINET_ERR_NULL;
        };
        let mut diag = Collect::default();
        let result = crate::mynetworks::compute(protocols, style, interfaces, &mut diag);
        let notes: Vec<&[u8]> = diag
            .messages
            .iter()
            .filter(|(l, _)| matches!(l, Level::Info | Level::Warning))
            .map(|(_, t)| t.as_slice())
            .collect();
        put_text(warn, warn_len, &notes.join(&b'\n'));
        match result {
            Ok(value) => {
                put_text(out, out_len, &value);
                if value.len() >= out_len {
                    PFINET_ERR_SPACE
                } else {
                    PFINET_OK
                }
            }
            Err(text) => {
                put_text(err, err_len, &text);
                let settings = [
                    &b"bad mynetworks_style"[..],
                    b"unknown mynetworks",
                    b"unknown inet_protocols",
                ];
                if settings.iter().any(|p| text.starts_with(p)) {
                    PFINET_ERR_SYNTAX
                } else {
                    PFINET_ERR_SYSTEM
                }
            }
        }
    })
}

#[cfg(not(feature = "postfix"))]
mod standalone {
    use super::*;
    use crate::host::{self, VSTRING};
    use libc::c_int;

    /// The text of a VSTRING returned by cidr_match_parse() or
    /// match_hostaddr_literal() (Postfix's vstring_str()).
    ///
    /// # Safety
    /// `vp` is a live VSTRING from pfinet.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn pfinet_vstring_str(vp: *const VSTRING) -> *const c_char {
        api_boundary("pfinet_vstring_str", std::ptr::null(), || {
            if vp.is_null() {
                return std::ptr::null();
            }
            // SAFETY: the caller vouches for vp.
            unsafe { host::why_str(vp) }
        })
    }

    /// Release a VSTRING from pfinet (Postfix's vstring_free()); NULL is
    /// ignored.
    ///
    /// # Safety
    /// `vp` is NULL or a VSTRING from pfinet, not used afterwards.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn pfinet_vstring_free(vp: *mut VSTRING) {
        // SAFETY: the caller vouches for vp.
        api_boundary("pfinet_vstring_free", (), || unsafe { host::why_free(vp) })
    }

    /// Set the program name in diagnostics ("prog: warning: ..."); the
    /// default is argv\[0\].
    ///
    /// # Safety
    /// `tag` is a C string.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn pfinet_msg_tag(tag: *const c_char) {
        api_boundary("pfinet_msg_tag", (), || {
            // SAFETY: the caller passes a C string or null.
            if let Some(t) = unsafe { bytes(tag) } {
                host::set_tag(t);
            }
        })
    }

    /// Set a Postfix parameter that pfinet reads in a standalone build
    /// (inside Postfix they come from main.cf): "inet_interfaces",
    /// "proxy_interfaces" or "mynetworks_style". Returns 0, or -1 for an
    /// unknown name or a null argument. Set them before the first call
    /// that reads them: own_inet_addr_list() and mynetworks() compute their
    /// results once per process, as in Postfix.
    ///
    /// # Safety
    /// `name` and `value` are C strings.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn pfinet_set_param(name: *const c_char, value: *const c_char) -> c_int {
        api_boundary("pfinet_set_param", -1, || {
            // SAFETY: the caller passes C strings or null.
            let (Some(name), Some(value)) = (unsafe { bytes(name) }, unsafe { bytes(value) })
            else {
                return -1;
            };
            match host::Param::by_name(name) {
                Some(p) => {
                    host::set_param(p, value);
                    0
                }
                None => -1,
            }
        })
    }

    /// Postfix's msg_verbose for a standalone build.
    #[unsafe(no_mangle)]
    pub extern "C" fn pfinet_set_msg_verbose(level: c_int) {
        api_boundary("pfinet_set_msg_verbose", (), || host::set_verbose(level))
    }
}
