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
use crate::ffi::{self, Handle, OutBuf, OutPtr, Required, api_boundary, api_call, bytes};
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

impl ffi::Status for pfinet_status {
    const NULL: pfinet_status = PFINET_ERR_NULL;
    const INTERNAL: pfinet_status = PFINET_ERR_INTERNAL;
}

/// IPv4 bit of pfinet_inet_protocols()'s mask.
pub const PFINET_PROTO_IPV4: c_uint = 1;
/// IPv6 bit of pfinet_inet_protocols()'s mask.
pub const PFINET_PROTO_IPV6: c_uint = 2;

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
    api_call("pfinet_inet_protocols", || {
        // SAFETY: the caller passes a C string or null.
        let protocols = unsafe { bytes(protocols) }.required()?;
        // SAFETY: the caller passes a writable c_uint or null.
        let mut mask = unsafe { OutPtr::from_raw(mask) }.required()?;
        // SAFETY: the caller passes a writable buffer of warn_len bytes or null.
        let mut warn = unsafe { OutBuf::from_raw(warn, warn_len) };
        // SAFETY: the caller passes a writable buffer of err_len bytes or null.
        let mut err = unsafe { OutBuf::from_raw(err, err_len) };
        let r = inet_proto(
            b"inet_protocols",
            protocols,
            cfg!(feature = "has_ipv6"),
            &socket_probe,
        );
        warn.put(&r.warnings.join(&b'\n'));
        if let Some(text) = r.fatal {
            err.put(&text);
            return Err(if text.starts_with(b"socket: ") {
                PFINET_ERR_SYSTEM
            } else {
                PFINET_ERR_SYNTAX
            });
        }
        let mut m = 0;
        if r.info.dns_atype_list.contains(&crate::inet_proto::T_A) {
            m |= MASK_IPV4;
        }
        if r.info.dns_atype_list.contains(&crate::inet_proto::T_AAAA) {
            m |= MASK_IPV6;
        }
        mask.write(m);
        Ok(PFINET_OK)
    })
}

/// Shared body of the syntax checks.
///
/// # Safety
/// `addr` is null or a C string; `err` null or writable for `err_len`
/// bytes.
unsafe fn check(
    name: &str,
    addr: *const c_char,
    err: *mut c_char,
    err_len: size_t,
    f: impl FnOnce(&[u8]) -> Result<(), Vec<u8>>,
) -> pfinet_status {
    api_call(name, || {
        // SAFETY: the caller passes a C string or null.
        let addr = unsafe { bytes(addr) }.required()?;
        // SAFETY: the caller passes a writable buffer of err_len bytes or null.
        let mut err = unsafe { OutBuf::from_raw(err, err_len) };
        match f(addr) {
            Ok(()) => Ok(PFINET_OK),
            Err(text) => {
                err.put(&text);
                Ok(PFINET_ERR_SYNTAX)
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
    // SAFETY: the caller's contract is check()'s.
    unsafe {
        check(
            "pfinet_valid_hostaddr",
            addr,
            err,
            err_len,
            crate::valid_hostaddr::valid_hostaddr,
        )
    }
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
    // SAFETY: the caller's contract is check()'s.
    unsafe {
        check("pfinet_valid_mailhost_literal", addr, err, err_len, |a| {
            crate::valid_mailhost_addr::valid_mailhost_literal(a, cfg!(feature = "has_ipv6"))
        })
    }
}

/// A parsed CIDR pattern (opaque).
pub struct pfinet_cidr {
    pattern: CidrPattern,
}

impl Handle for pfinet_cidr {}

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
    api_call("pfinet_cidr_parse", || {
        // SAFETY: the caller passes a C string or null.
        let pattern = unsafe { bytes(pattern) }.required()?;
        // SAFETY: the caller passes a writable pointer or null.
        let mut out = unsafe { OutPtr::from_raw(out) }.required()?;
        // SAFETY: the caller passes a writable buffer of err_len bytes or null.
        let mut err = unsafe { OutBuf::from_raw(err, err_len) };
        match parse_str(pattern, cfg!(feature = "has_ipv6")) {
            Ok(pattern) => {
                out.write(pfinet_cidr { pattern }.into_raw());
                Ok(PFINET_OK)
            }
            Err(text) => {
                err.put(&text);
                Ok(PFINET_ERR_SYNTAX)
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
    api_call("pfinet_cidr_match", || {
        // SAFETY: the caller passes a C string or null.
        let addr = unsafe { bytes(addr) }.required()?;
        // SAFETY: null or a live object from pfinet_cidr_parse().
        let cidr = unsafe { pfinet_cidr::try_ref(cidr) }.required()?;
        Ok(
            if cidr.pattern.matches_text(addr, cfg!(feature = "has_ipv6")) {
                PFINET_OK
            } else {
                PFINET_NO_MATCH
            },
        )
    })
}

/// Release a pattern from pfinet_cidr_parse(); NULL is ignored.
///
/// # Safety
/// `cidr` is NULL or from pfinet_cidr_parse(), and not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pfinet_cidr_free(cidr: *mut pfinet_cidr) {
    // SAFETY: null or an object from pfinet_cidr_parse(), not used again.
    api_boundary("pfinet_cidr_free", (), || unsafe {
        pfinet_cidr::free(cidr)
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
    api_call("pfinet_match_hostaddr", || {
        // SAFETY: the caller passes a C string or null.
        let a = unsafe { bytes(addr) };
        // SAFETY: the caller passes a C string or null.
        let p = unsafe { bytes(pattern) };
        let (a, p) = (a.required()?, p.required()?);
        // SAFETY: the caller passes a writable buffer of err_len bytes or null.
        let mut err = unsafe { OutBuf::from_raw(err, err_len) };
        if crate::match_ops::is_dictionary(p) {
            err.put(b"dictionary patterns are not supported here");
            return Ok(PFINET_ERR_SYNTAX);
        }
        Ok(
            match crate::match_ops::match_hostaddr(a, p, cfg!(feature = "has_ipv6")) {
                Ok(true) => PFINET_OK,
                Ok(false) => PFINET_NO_MATCH,
                Err(text) => {
                    err.put(&text);
                    PFINET_ERR_SYNTAX
                }
            },
        )
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
    api_call("pfinet_mynetworks", || {
        // SAFETY: the caller passes C strings or null.
        let protocols = unsafe { bytes(protocols) };
        // SAFETY: as above.
        let style = unsafe { bytes(style) };
        // SAFETY: as above.
        let interfaces = unsafe { bytes(interfaces) };
        let (protocols, style, interfaces) = (
            protocols.required()?,
            style.required()?,
            interfaces.required()?,
        );
        // SAFETY: the caller passes writable buffers of these lengths or null.
        let mut out = unsafe { OutBuf::from_raw(out, out_len) };
        // SAFETY: as above.
        let mut warn = unsafe { OutBuf::from_raw(warn, warn_len) };
        // SAFETY: as above.
        let mut err = unsafe { OutBuf::from_raw(err, err_len) };
        let mut diag = Collect::default();
        let result = crate::mynetworks::compute(protocols, style, interfaces, &mut diag);
        let notes: Vec<&[u8]> = diag
            .messages
            .iter()
            .filter(|(l, _)| matches!(l, Level::Info | Level::Warning))
            .map(|(_, t)| t.as_slice())
            .collect();
        warn.put(&notes.join(&b'\n'));
        Ok(match result {
            Ok(value) => {
                out.put(&value);
                if value.len() >= out_len {
                    PFINET_ERR_SPACE
                } else {
                    PFINET_OK
                }
            }
            Err(text) => {
                err.put(&text);
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
        })
    })
}

#[cfg(not(feature = "postfix"))]
mod standalone {
    use super::*;
    use crate::ffi::Handle;
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
            // SAFETY: the caller passes null or a live VSTRING from pfinet.
            match unsafe { VSTRING::try_ref(vp) } {
                Some(vp) => host::why_str(vp),
                None => std::ptr::null(),
            }
        })
    }

    /// Release a VSTRING from pfinet (Postfix's vstring_free()); NULL is
    /// ignored.
    ///
    /// # Safety
    /// `vp` is NULL or a VSTRING from pfinet, not used afterwards.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn pfinet_vstring_free(vp: *mut VSTRING) {
        // SAFETY: the caller passes null or a VSTRING from pfinet, not
        // used again.
        api_boundary("pfinet_vstring_free", (), || unsafe { VSTRING::free(vp) })
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
