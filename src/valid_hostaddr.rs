//! valid_hostaddr - verify numerical address syntax
//!
//! `valid_hostaddr(addr, gripe)`, `valid_ipv4_hostaddr(addr, gripe)` and
//! `valid_ipv6_hostaddr(addr, gripe)` from src/util/valid_hostname.c:
//! Postfix's own strict checks for text that comes from the network
//! (dotted quads with 4 octets, and eight-field IPv6 with at most one `::`
//! and an optional trailing dotted quad). They return 1 when the text is
//! acceptable, 0 when not. `valid_hostaddr()` picks IPv6 when the text has
//! a ':'. (valid_hostname() and valid_hostport() stay in Postfix.)
//!
//! DIAGNOSTICS: with gripe set, the reason is logged as a warning with
//! Postfix's texts, e.g. "valid_ipv4_hostaddr: invalid octet value: ADDR"
//! (the address is cut at 100 bytes, as Postfix's "%.100s").

/// Postfix's "%.100s".
pub fn p100(s: &[u8]) -> &[u8] {
    &s[..s.len().min(100)]
}

/// ISALNUM(): ASCII letters and digits only.
fn isalnum(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}

fn grumble(func: &str, what: &str, addr: &[u8]) -> Vec<u8> {
    [func.as_bytes(), b": ", what.as_bytes(), b": ", p100(addr)].concat()
}

/// valid_hostaddr(): `Err` holds the warning text.
pub fn valid_hostaddr(addr: &[u8]) -> Result<(), Vec<u8>> {
    if addr.is_empty() {
        return Err(b"valid_hostaddr: empty address".to_vec());
    }
    if addr.contains(&b':') {
        valid_ipv6_hostaddr(addr)
    } else {
        valid_ipv4_hostaddr(addr)
    }
}

/// valid_ipv4_hostaddr(): `Err` holds the warning text.
pub fn valid_ipv4_hostaddr(addr: &[u8]) -> Result<(), Vec<u8>> {
    const F: &str = "valid_ipv4_hostaddr";
    let (mut in_byte, mut byte_count, mut byte_val) = (false, 0, 0u32);
    for (i, &ch) in addr.iter().enumerate() {
        if ch.is_ascii_digit() {
            if !in_byte {
                in_byte = true;
                byte_val = 0;
                byte_count += 1;
            }
            byte_val = byte_val * 10 + u32::from(ch - b'0');
            if byte_val > 255 {
                return Err(grumble(F, "invalid octet value", addr));
            }
        } else if ch == b'.' {
            if !in_byte || i + 1 == addr.len() {
                return Err(grumble(F, "misplaced dot", addr));
            }
            // XXX Allow 0.0.0.0 but not 0.1.2.3
            if byte_count == 1 && byte_val == 0 && addr.iter().any(|c| !b"0.".contains(c)) {
                return Err(grumble(F, "bad initial octet value", addr));
            }
            in_byte = false;
        } else {
            return Err(grumble(
                F,
                &format!("invalid character {ch}(decimal)"),
                addr,
            ));
        }
    }
    if byte_count != 4 {
        return Err(grumble(F, "invalid octet count", addr));
    }
    Ok(())
}

/// valid_ipv6_hostaddr(): `Err` holds the warning text.
pub fn valid_ipv6_hostaddr(addr: &[u8]) -> Result<(), Vec<u8>> {
    const F: &str = "valid_ipv6_hostaddr";
    let at = |i: usize| addr.get(i).copied().unwrap_or(0);
    let (mut null_field, mut field, mut len, mut cp) = (0, 0, 0usize, 0usize);
    loop {
        match at(cp) {
            0 => {
                return if field < 2 {
                    Err(grumble(F, "too few `:' in IPv6 address", addr))
                } else if len == 0 && null_field != field - 1 {
                    Err(grumble(F, "bad null last field in IPv6 address", addr))
                } else {
                    Ok(())
                };
            }
            b'.' => {
                if !(2..=6).contains(&field) {
                    return Err(grumble(F, "malformed IPv4-in-IPv6 address", addr));
                }
                return valid_ipv4_hostaddr(&addr[cp - len..]);
            }
            b':' => {
                if field == 0 && len == 0 && isalnum(at(cp + 1)) {
                    return Err(grumble(F, "bad null first field in IPv6 address", addr));
                }
                field += 1;
                if field > 7 {
                    return Err(grumble(F, "too many `:' in IPv6 address", addr));
                }
                cp += 1;
                len = 0;
                if at(cp) == b':' {
                    if null_field > 0 {
                        return Err(grumble(F, "too many `::' in IPv6 address", addr));
                    }
                    null_field = field;
                }
            }
            ch => {
                len = addr[cp..]
                    .iter()
                    .take_while(|c| c.is_ascii_hexdigit())
                    .count();
                if len > 4 {
                    return Err(grumble(F, "malformed IPv6 address", addr));
                }
                if len == 0 {
                    return Err(grumble(
                        F,
                        &format!("invalid character {ch}(decimal) in IPv6 address"),
                        addr,
                    ));
                }
                cp += len;
            }
        }
    }
}

/// The Postfix-named `extern "C"` functions and `#[repr(C)]` types of this module.
#[allow(unsafe_code)] // the Postfix-named C functions
pub mod abi {
    use crate::ffi::{self, Required};
    use crate::host;
    use libc::{c_char, c_int};

    /// Do not log why an address is rejected.
    pub const DONT_GRIPE: c_int = 0;
    /// Log why an address is rejected.
    pub const DO_GRIPE: c_int = 1;

    /// Shared body: run `check`, warn when griping, return 1 or 0.
    ///
    /// # Safety
    /// `addr` is null or a C string.
    pub(crate) unsafe fn report(
        func: &str,
        addr: *const c_char,
        gripe: c_int,
        check: fn(&[u8]) -> Result<(), Vec<u8>>,
    ) -> c_int {
        ffi::postfix_boundary(func, || {
            // SAFETY: the caller's contract: a C string or null.
            let addr = unsafe { ffi::bytes(addr) }.required_by(func, "address");
            match check(addr) {
                Ok(()) => 1,
                Err(text) => {
                    if gripe != 0 {
                        host::warn(&text);
                    }
                    0
                }
            }
        })
    }

    /// Postfix: `int valid_hostaddr(const char *addr, int gripe)`.
    ///
    /// # Safety
    /// `addr` is a C string.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn valid_hostaddr(addr: *const c_char, gripe: c_int) -> c_int {
        // SAFETY: the caller passes a C string (or null).
        unsafe { report("valid_hostaddr", addr, gripe, super::valid_hostaddr) }
    }

    /// Postfix: `int valid_ipv4_hostaddr(const char *addr, int gripe)`.
    ///
    /// # Safety
    /// `addr` is a C string.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn valid_ipv4_hostaddr(addr: *const c_char, gripe: c_int) -> c_int {
        // SAFETY: the caller passes a C string (or null).
        unsafe {
            report(
                "valid_ipv4_hostaddr",
                addr,
                gripe,
                super::valid_ipv4_hostaddr,
            )
        }
    }

    /// Postfix: `int valid_ipv6_hostaddr(const char *addr, int gripe)`.
    ///
    /// # Safety
    /// `addr` is a C string.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn valid_ipv6_hostaddr(addr: *const c_char, gripe: c_int) -> c_int {
        // SAFETY: the caller passes a C string (or null).
        unsafe {
            report(
                "valid_ipv6_hostaddr",
                addr,
                gripe,
                super::valid_ipv6_hostaddr,
            )
        }
    }
}

pub(crate) use abi::report;

#[cfg(test)]
mod tests {
    use super::*;

    fn why(r: Result<(), Vec<u8>>) -> String {
        String::from_utf8(r.unwrap_err()).unwrap()
    }

    #[test]
    fn first_principles() {
        assert!(valid_ipv4_hostaddr(b"0.0.0.0").is_ok());
        assert_eq!(
            why(valid_ipv4_hostaddr(b"0.1.2.3")),
            "valid_ipv4_hostaddr: bad initial octet value: 0.1.2.3"
        );
        assert_eq!(
            why(valid_ipv4_hostaddr(b"1.2.3.")),
            "valid_ipv4_hostaddr: misplaced dot: 1.2.3."
        );
        assert!(valid_ipv6_hostaddr(b"::1").is_ok());
        assert!(valid_ipv6_hostaddr(b"::ffff:1.2.3.4").is_ok());
        assert_eq!(
            why(valid_ipv6_hostaddr(b":1::2")),
            "valid_ipv6_hostaddr: bad null first field in IPv6 address: :1::2"
        );
        assert_eq!(why(valid_hostaddr(b"")), "valid_hostaddr: empty address");
    }
}
