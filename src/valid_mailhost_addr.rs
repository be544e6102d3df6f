//! valid_mailhost_addr - validate RFC 2821 numerical address
//!
//! `const char *valid_mailhost_addr(const char *addr, int gripe)` accepts
//! a dotted quad or `IPv6:` (any case) followed by an IPv6 address, and
//! returns a pointer to the bare address, or null.
//! `int valid_mailhost_literal(const char *addr, int gripe)` accepts the
//! same inside `[` and `]`, the address literal form Postfix's SMTP server
//! requires (src/global/valid_mailhost_addr.c).
//!
//! DIAGNOSTICS: with gripe set, warnings with Postfix's texts:
//! "valid_mailhost_literal: '[' expected at start: TEXT", "']' expected at
//! end", "unexpected text after ']'", "too much text" (46 bytes or more
//! inside the brackets; 16 without IPv6 support), and those of
//! valid_ipv4_hostaddr()/valid_ipv6_hostaddr().

use crate::valid_hostaddr::{p100, valid_ipv4_hostaddr, valid_ipv6_hostaddr};

/// RFC 2821's "IPv6:" tag.
pub const IPV6_COL: &[u8] = b"IPv6:";

/// MAI_HOSTADDR_STRSIZE: INET6_ADDRSTRLEN, or INET_ADDRSTRLEN without IPv6.
pub fn hostaddr_strsize(ipv6: bool) -> usize {
    if ipv6 { 46 } else { 16 }
}

/// valid_mailhost_addr(): the offset of the bare address, or the warning.
pub fn valid_mailhost_addr(addr: &[u8]) -> Result<usize, Vec<u8>> {
    let tagged =
        addr.len() >= IPV6_COL.len() && addr[..IPV6_COL.len()].eq_ignore_ascii_case(IPV6_COL);
    if tagged {
        valid_ipv6_hostaddr(&addr[IPV6_COL.len()..]).map(|()| IPV6_COL.len())
    } else {
        valid_ipv4_hostaddr(addr).map(|()| 0)
    }
}

/// valid_mailhost_literal(): `Err` holds the warning.
pub fn valid_mailhost_literal(addr: &[u8], ipv6: bool) -> Result<(), Vec<u8>> {
    let say = |what: &str| {
        [
            b"valid_mailhost_literal: ",
            what.as_bytes(),
            b": ",
            p100(addr),
        ]
        .concat()
    };
    if addr.first() != Some(&b'[') {
        return Err(say("'[' expected at start"));
    }
    let Some(last) = addr.iter().position(|&c| c == b']') else {
        return Err(say("']' expected at end"));
    };
    if last + 1 < addr.len() {
        return Err(say("unexpected text after ']'"));
    }
    if last > hostaddr_strsize(ipv6) {
        return Err(say("too much text"));
    }
    valid_mailhost_addr(&addr[1..last]).map(drop)
}

/// The Postfix-named `extern "C"` functions and `#[repr(C)]` types of this module.
#[allow(unsafe_code)] // the Postfix-named C functions
pub mod abi {
    use crate::{ffi, host};
    use libc::{c_char, c_int};

    /// Postfix: `const char *valid_mailhost_addr(const char *addr, int
    /// gripe)`: the address after any "IPv6:" tag, or null.
    ///
    /// # Safety
    /// `addr` is a C string.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn valid_mailhost_addr(
        addr: *const c_char,
        gripe: c_int,
    ) -> *const c_char {
        ffi::postfix_boundary("valid_mailhost_addr", || {
            // SAFETY: the caller passes a C string.
            let text = unsafe { ffi::bytes(addr) }
                .unwrap_or_else(|| ffi::null_arg("valid_mailhost_addr", "address"));
            match super::valid_mailhost_addr(text) {
                // SAFETY: the offset lies within the string.
                Ok(offset) => unsafe { addr.add(offset) },
                Err(why) => {
                    if gripe != 0 {
                        host::warn(&why);
                    }
                    std::ptr::null()
                }
            }
        })
    }

    /// Postfix: `int valid_mailhost_literal(const char *addr, int gripe)`.
    ///
    /// # Safety
    /// `addr` is a C string.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn valid_mailhost_literal(addr: *const c_char, gripe: c_int) -> c_int {
        // SAFETY: the caller passes a C string (or null).
        unsafe {
            crate::valid_hostaddr::report("valid_mailhost_literal", addr, gripe, |a| {
                super::valid_mailhost_literal(a, cfg!(feature = "has_ipv6"))
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals() {
        assert!(valid_mailhost_literal(b"[IPv6:::1]", true).is_ok());
        assert!(valid_mailhost_literal(b"[ipv6:::1]", true).is_ok());
        assert!(valid_mailhost_literal(b"[1.2.3.4]", true).is_ok());
        assert_eq!(valid_mailhost_addr(b"IPV6:::1"), Ok(5));
        assert_eq!(
            valid_mailhost_literal(b"[1.2.3.4]x", true).unwrap_err(),
            b"valid_mailhost_literal: unexpected text after ']': [1.2.3.4]x"
        );
        assert_eq!(
            valid_mailhost_literal(b"[::1]", true).unwrap_err(),
            b"valid_ipv4_hostaddr: invalid character 58(decimal): ::1"
        );
    }
}
