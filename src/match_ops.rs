//! match_ops - the address-literal part of Postfix's match_hostaddr()
//!
//! Postfix's `match_hostaddr(list, addr, pattern)` (src/util/match_ops.c)
//! answers whether a client address matches one pattern of a match list
//! (mynetworks, smtpd access lists, debug_peer_list...). Dictionary
//! patterns (`type:table`) stay in Postfix's C; everything else is here:
//!
//! `int match_hostaddr_literal(const char *addr, const char *pattern,
//! VSTRING **why)`: rejects addresses with characters other than hex
//! digits, '.' and ':'; matches the exact string or `[addr]`; skips, as
//! Postfix does, IPv4 against IPv6, patterns without ':' or '/', plain
//! IPv4 addresses and junk; otherwise parses the pattern with
//! cidr_match_parse() and matches the address against it. Returns 1 on a
//! match, else 0.
//!
//! DIAGNOSTICS: a malformed net/mask pattern returns 0 and sets `*why` to a
//! new VSTRING with cidr_match_parse()'s text; the caller then sets
//! `list->error = DICT_ERR_RETRY` and reports it with match_error(), which
//! warns or is fatal by the list's flags, exactly as stock Postfix.

use crate::cidr_match::parse_str;

const V4_ADDR_STRING_CHARS: &[u8] = b"01234567890.";
const V6_ADDR_STRING_CHARS: &[u8] = b"01234567890.abcdefABCDEF:";

fn only(s: &[u8], set: &[u8]) -> bool {
    s.iter().all(|c| set.contains(c))
}

/// Postfix's MATCH_DICTIONARY(): the pattern names a `type:table`.
pub fn is_dictionary(pattern: &[u8]) -> bool {
    pattern.first() != Some(&b'[') && pattern.contains(&b':')
}

/// match_hostaddr()'s first test: only an address made of hex digits,
/// '.' and ':' is compared with anything (also with tables).
pub fn is_address_text(addr: &[u8]) -> bool {
    only(addr, V6_ADDR_STRING_CHARS)
}

/// match_hostaddr() for a non-dictionary pattern: `Ok(matched)`, or the
/// cidr_match_parse() error text.
pub fn match_hostaddr(addr: &[u8], pattern: &[u8], ipv6: bool) -> Result<bool, Vec<u8>> {
    if !is_address_text(addr) {
        return Ok(false);
    }
    // Exact match with the address, or with [address].
    if pattern.first() != Some(&b'[') {
        if addr == pattern {
            return Ok(true);
        }
    } else if pattern[1..].strip_prefix(addr) == Some(b"]") {
        return Ok(true);
    }
    // Light-weight tests before expensive operations (see Postfix).
    let has_colon = |s: &[u8]| s.contains(&b':');
    if has_colon(addr) != has_colon(pattern)
        || !pattern.iter().any(|c| b":/".contains(c))
        || only(pattern, V4_ADDR_STRING_CHARS)
        || !pattern
            .iter()
            .all(|c| V6_ADDR_STRING_CHARS.contains(c) || b"[]/".contains(c))
    {
        return Ok(false);
    }
    Ok(parse_str(pattern, ipv6)?.matches_text(addr, ipv6))
}

/// The Postfix-named `extern "C"` functions and `#[repr(C)]` types of this module.
#[allow(unsafe_code)] // the Postfix-named C functions
pub mod abi {
    use crate::ffi::{self, OutPtr, Required};
    use crate::host::{self, VSTRING};
    use libc::{c_char, c_int};

    /// The non-dictionary part of Postfix's match_hostaddr(): 1 on a match,
    /// else 0; on a malformed pattern 0 with `*why` set to a new VSTRING
    /// (Postfix's, with the `postfix` binding) holding the reason.
    ///
    /// # Safety
    /// `addr` and `pattern` are C strings; `why` points to a VSTRING
    /// pointer, which is overwritten only on error.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn match_hostaddr_literal(
        addr: *const c_char,
        pattern: *const c_char,
        why: *mut *mut VSTRING,
    ) -> c_int {
        const F: &str = "match_hostaddr_literal";
        ffi::postfix_boundary(F, || {
            // SAFETY: the caller passes C strings.
            let a = unsafe { ffi::bytes(addr) }.required_by(F, "address");
            // SAFETY: as above.
            let p = unsafe { ffi::bytes(pattern) }.required_by(F, "pattern");
            // SAFETY: the caller passes a writable VSTRING pointer.
            let mut why = unsafe { OutPtr::from_raw(why) }.required_by(F, "why");
            match super::match_hostaddr(a, p, cfg!(feature = "has_ipv6")) {
                Ok(hit) => c_int::from(hit),
                Err(text) => {
                    // SAFETY: a null VSTRING: why_set() makes a fresh one.
                    why.write(unsafe { host::why_set(std::ptr::null_mut(), &text) });
                    0
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postfix_namadr_cases() {
        // Expected values follow from Postfix's documented rules (and are
        // checked against stock Postfix by the differential tests).
        assert_eq!(
            match_hostaddr(b"168.100.3.2", b"168.100.3.0/28", true),
            Ok(true)
        );
        assert_eq!(
            match_hostaddr(b"168.100.3.16", b"168.100.3.0/28", true),
            Ok(false)
        );
        assert_eq!(
            match_hostaddr(b"168.100.3.2", b"[168.100.3.2]", true),
            Ok(true)
        );
        assert_eq!(
            match_hostaddr(b"168.100.3.16", b"168.100.3.0/98", true).unwrap_err(),
            b"bad mask length in \"168.100.3.0/98\""
        );
        assert_eq!(
            match_hostaddr(
                b"2001:240:5c7:0:2d0:b7ff:fe88:2ca8",
                b"[2001:240:5c7::]/64",
                true
            ),
            Ok(true)
        );
        assert_eq!(match_hostaddr(b"127.0.0.1", b"be.be", true), Ok(false));
    }
}
