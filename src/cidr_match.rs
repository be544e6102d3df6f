//! cidr_match - CIDR-style pattern matching
//!
//! `cidr_match_parse(ip, pattern, match, why)` parses `addr`, `addr/len`,
//! `[addr]`, `[addr]/len` or `[addr/len]` into a `CIDR_MATCH`, destroying
//! the pattern text as Postfix does (it writes NULs where it splits).
//! `cidr_match_parse_if()` does the same for an `if` line,
//! `cidr_match_endif()` makes an `endif` entry, and
//! `cidr_match_execute(list, addr)` walks a linked list of entries (with
//! if/endif blocks) and returns the first that matches, or null
//! (src/util/cidr_match.c). A pattern with ':' is IPv6, others are IPv4;
//! without IPv6 support (no `has_ipv6` feature) every pattern is IPv4 and
//! `CIDR_MATCH` holds 4 address bytes instead of 16.
//!
//! DIAGNOSTICS: a bad pattern returns the `why` VSTRING (allocated when
//! null) with Postfix's text: `missing ']' character after "[PAT"`,
//! `garbage after "[PAT]"`, `bad mask value in "NET/MASK"`,
//! `bad mask length in "NET/MASK"`, `bad network value in "NET/MASK"`,
//! `non-null host address bits in "NET/MASK", perhaps you should use
//! "NET2/LEN" instead`, `bad address pattern: "PAT"`.

use crate::inet_pton::{ntop4, ntop6, postfix_noipv6_pton4, pton4, pton6};
use crate::mask_addr::mask_addr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
/// An address family as cidr_match sees it (Postfix's CIDR_MATCH_ADDR_FAMILY).
pub enum Family {
    /// IPv4: 4 address bytes.
    V4,
    /// IPv6: 16 address bytes.
    V6,
}

impl Family {
    /// CIDR_MATCH_ADDR_FAMILY(): IPv6 when the text has a ':' (and the
    /// build has IPv6).
    pub fn of(text: &[u8], ipv6: bool) -> Family {
        if ipv6 && text.contains(&b':') {
            Family::V6
        } else {
            Family::V4
        }
    }

    /// Address bytes of this family: 4 or 16.
    pub fn bytes(self) -> usize {
        match self {
            Family::V4 => 4,
            Family::V6 => 16,
        }
    }

    /// Address bits of this family: 32 or 128.
    pub fn bits(self) -> u8 {
        (self.bytes() * 8) as u8
    }

    /// inet_pton() for this family, as the Postfix build has it: glibc's,
    /// or in a build without IPv6 Postfix's own inet_addr()-based one.
    pub fn pton(self, text: &[u8], ipv6: bool) -> Option<[u8; 16]> {
        let mut out = [0u8; 16];
        match self {
            Family::V4 if !ipv6 => out[..4].copy_from_slice(&postfix_noipv6_pton4(text)?),
            Family::V4 => out[..4].copy_from_slice(&pton4(text)?),
            Family::V6 => out = pton6(text)?,
        }
        Some(out)
    }

    /// [`Family::of`] and [`Family::pton`] in one: the family and bytes
    /// of address text, if it converts. With IPv6 no ':' is looked for:
    /// text that inet_pton(AF_INET) accepts has none, and text that
    /// inet_pton(AF_INET6) accepts has one.
    pub fn parse(text: &[u8], ipv6: bool) -> Option<(Family, [u8; 16])> {
        if !ipv6 {
            return Some((Family::V4, Family::V4.pton(text, false)?));
        }
        if let Some(a) = pton4(text) {
            let mut out = [0u8; 16];
            out[..4].copy_from_slice(&a);
            return Some((Family::V4, out));
        }
        Some((Family::V6, pton6(text)?))
    }

    /// inet_ntop() for this family.
    pub fn ntop(self, bytes: &[u8; 16]) -> String {
        match self {
            Family::V4 => ntop4(&[bytes[0], bytes[1], bytes[2], bytes[3]]),
            Family::V6 => ntop6(bytes),
        }
    }
}

/// A parsed pattern: what cidr_match_parse() stores in a CIDR_MATCH.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CidrPattern {
    /// The pattern's address family.
    pub family: Family,
    /// Network bytes; only the first `family.bytes()` are meaningful.
    pub net: [u8; 16],
    /// The network mask bytes; only the first `family.bytes()` are meaningful.
    pub mask: [u8; 16],
    /// The mask length (Postfix keeps it in an unsigned char).
    pub mask_shift: u8,
}

impl CidrPattern {
    /// cidr_match_entry() without the match/negation step: whether the
    /// address bytes fall in this network.
    pub fn contains(&self, addr: &[u8; 16]) -> bool {
        entry_contains(
            &self.net,
            &self.mask,
            self.family.bytes(),
            self.family.bits(),
            self.mask_shift,
            addr,
        )
    }

    /// cidr_match_execute() for a one-entry list with a positive match.
    pub fn matches_text(&self, addr: &[u8], ipv6: bool) -> bool {
        match Family::parse(addr, ipv6) {
            Some((family, bytes)) => family == self.family && self.contains(&bytes),
            None => false,
        }
    }
}

/// The comparison loop of cidr_match_entry(), on raw entry fields.
pub fn entry_contains(
    net: &[u8],
    mask: &[u8],
    byte_count: usize,
    bit_count: u8,
    shift: u8,
    addr: &[u8],
) -> bool {
    let n = byte_count.min(net.len()).min(mask.len()).min(addr.len());
    if shift < bit_count {
        (0..n).all(|i| addr[i] & mask[i] == net[i])
    } else {
        (0..n).all(|i| addr[i] == net[i])
    }
}

/// The C string in `buf`: the bytes before the first NUL.
fn cstr(buf: &[u8]) -> &[u8] {
    &buf[..buf.iter().position(|&b| b == 0).unwrap_or(buf.len())]
}

/// Postfix's split_at(): cut the C string at `buf[from..]` at the first
/// `delim`, writing a NUL there; returns the index after it.
fn split_at(buf: &mut [u8], from: usize, delim: u8) -> Option<usize> {
    let at = from + cstr(&buf[from..]).iter().position(|&b| b == delim)?;
    buf[at] = 0;
    Some(at + 1)
}

/// Postfix's alldig(): non-empty and ASCII digits only.
pub fn alldig(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(u8::is_ascii_digit)
}

/// `(unsigned char) atoi(s)` for a string of digits, as glibc computes it:
/// strtol saturates at LONG_MAX, the int conversion keeps the low bits.
fn atoi_uchar(digits: &[u8]) -> u8 {
    let mut v: u64 = 0;
    for d in digits {
        v = v.saturating_mul(10).saturating_add(u64::from(d - b'0'));
    }
    v.min(i64::MAX as u64) as u8
}

/// cidr_match_parse(): parse the C string in `pattern`, writing NULs into
/// it where Postfix's split_at() does. `Err` holds the `why` text.
pub fn parse(pattern: &mut [u8], ipv6: bool) -> Result<CidrPattern, Vec<u8>> {
    let mut start = 0;
    let mask_search;
    if pattern.first() == Some(&b'[') {
        start = 1;
        match split_at(pattern, start, b']') {
            None => {
                return Err([
                    b"missing ']' character after \"[",
                    cstr(&pattern[start..]),
                    b"\"",
                ]
                .concat());
            }
            Some(after) => {
                let rest = cstr(&pattern[after..]);
                if rest.first() == Some(&b'/') {
                    mask_search = after;
                } else if !rest.is_empty() {
                    return Err([b"garbage after \"[", cstr(&pattern[start..]), b"]\""].concat());
                } else {
                    mask_search = start;
                }
            }
        }
    } else {
        mask_search = start;
    }

    if let Some(mask_at) = split_at(pattern, mask_search, b'/') {
        let (net_text, mask_text) = (cstr(&pattern[start..]), cstr(&pattern[mask_at..]));
        let family = Family::of(net_text, ipv6);
        // Postfix assigns mask_shift = atoi(mask), an unsigned char, only
        // once the digits check passed.
        let shift = if alldig(mask_text) {
            atoi_uchar(mask_text)
        } else {
            0
        };
        let net = if !alldig(mask_text) {
            Err("bad mask value")
        } else if shift > family.bits() {
            Err("bad mask length")
        } else {
            family.pton(net_text, ipv6).ok_or("bad network value")
        };
        let net =
            net.map_err(|e| [e.as_bytes(), b" in \"", net_text, b"/", mask_text, b"\""].concat())?;
        let n = family.bytes();
        let mut mask = [0u8; 16];
        if shift > 0 {
            mask[..n].fill(0xff);
            mask_addr(&mut mask[..n], u32::from(shift)).expect("shift <= bits");
        }
        if (0..n).any(|i| net[i] & !mask[i] != 0) {
            let mut fixed = net;
            mask_addr(&mut fixed[..n], u32::from(shift)).expect("shift <= bits");
            return Err([
                b"non-null host address bits in \"",
                net_text,
                b"/",
                mask_text,
                b"\", perhaps you should use \"",
                family.ntop(&fixed).as_bytes(),
                format!("/{shift}\" instead").as_bytes(),
            ]
            .concat());
        }
        Ok(CidrPattern {
            family,
            net,
            mask,
            mask_shift: shift,
        })
    } else {
        let text = cstr(&pattern[start..]);
        let family = Family::of(text, ipv6);
        let net = family
            .pton(text, ipv6)
            .ok_or_else(|| [b"bad address pattern: \"", text, b"\""].concat())?;
        let mut mask = [0u8; 16];
        mask[..family.bytes()].fill(0xff);
        Ok(CidrPattern {
            family,
            net,
            mask,
            mask_shift: family.bits(),
        })
    }
}

/// parse() on a copy, leaving the caller's text alone.
pub fn parse_str(pattern: &[u8], ipv6: bool) -> Result<CidrPattern, Vec<u8>> {
    parse(&mut pattern.to_vec(), ipv6)
}

/// The Postfix-named `extern "C"` functions and `#[repr(C)]` types of this module.
#[allow(unsafe_code)] // the Postfix-named C functions
pub mod abi {
    use super::*;
    use crate::ffi;
    use crate::host::{self, VSTRING};
    use libc::{c_char, c_int};

    /// Address bytes in a CIDR_MATCH: 16 with IPv6 support, else 4.
    #[cfg(feature = "has_ipv6")]
    pub const CIDR_MATCH_ABYTES: usize = 16;
    /// Address bytes in a CIDR_MATCH: 16 with IPv6 support, else 4.
    #[cfg(not(feature = "has_ipv6"))]
    pub const CIDR_MATCH_ABYTES: usize = 4;

    /// Match this pattern.
    pub const CIDR_MATCH_OP_MATCH: c_int = 1;
    /// Increase if/endif nesting on match.
    pub const CIDR_MATCH_OP_IF: c_int = 2;
    /// Decrease if/endif nesting on match.
    pub const CIDR_MATCH_OP_ENDIF: c_int = 3;
    /// Request positive match.
    pub const CIDR_MATCH_TRUE: c_int = 1;
    /// Request negative match.
    pub const CIDR_MATCH_FALSE: c_int = 0;

    pub(crate) const IPV6: bool = cfg!(feature = "has_ipv6");

    /// Postfix's CIDR_MATCH: one parsed pattern, member of a linked list.
    #[repr(C)]
    pub struct CIDR_MATCH {
        /// operation, match or control flow
        pub op: c_int,
        /// positive or negative match
        pub r#match: c_int,
        /// network portion
        pub net_bytes: [u8; CIDR_MATCH_ABYTES],
        /// network mask
        pub mask_bytes: [u8; CIDR_MATCH_ABYTES],
        /// AF_XXX
        pub addr_family: u8,
        /// typically, 4 or 16
        pub addr_byte_count: u8,
        /// optimization
        pub addr_bit_count: u8,
        /// optimization
        pub mask_shift: u8,
        /// next entry
        pub next: *mut CIDR_MATCH,
        /// block terminator
        pub block_end: *mut CIDR_MATCH,
    }

    fn af(family: Family) -> u8 {
        match family {
            Family::V4 => libc::AF_INET as u8,
            Family::V6 => libc::AF_INET6 as u8,
        }
    }

    /// # Safety
    /// `ip` is writable, `pattern` a writable C string, `why` null or a
    /// live VSTRING of the host binding.
    unsafe fn parse_into(
        func: &str,
        ip: *mut CIDR_MATCH,
        pattern: *mut c_char,
        r#match: c_int,
        why: *mut VSTRING,
    ) -> *mut VSTRING {
        if ip.is_null() {
            ffi::null_arg(func, "CIDR_MATCH");
        }
        if pattern.is_null() {
            ffi::null_arg(func, "pattern");
        }
        // SAFETY: pattern is a writable C string: its bytes before the NUL
        // may be rewritten, as Postfix's parser does.
        let len = unsafe { libc::strlen(pattern) };
        // SAFETY: as above: `len` bytes before the NUL, writable.
        let text = unsafe { std::slice::from_raw_parts_mut(pattern.cast::<u8>(), len) };
        match parse(text, IPV6) {
            // SAFETY: the caller vouches for `why`.
            Err(reason) => unsafe { host::why_set(why, &reason) },
            Ok(p) => {
                let n = p.family.bytes();
                // SAFETY: ip is writable (not null, caller's contract).
                let ip = unsafe { &mut *ip };
                ip.op = CIDR_MATCH_OP_MATCH;
                ip.r#match = r#match;
                ip.net_bytes[..n].copy_from_slice(&p.net[..n]);
                ip.mask_bytes[..n].copy_from_slice(&p.mask[..n]);
                ip.addr_family = af(p.family);
                ip.addr_byte_count = n as u8;
                ip.addr_bit_count = p.family.bits();
                ip.mask_shift = p.mask_shift;
                ip.next = std::ptr::null_mut();
                ip.block_end = std::ptr::null_mut();
                std::ptr::null_mut()
            }
        }
    }

    /// Postfix: `VSTRING *cidr_match_parse(CIDR_MATCH *ip, char *pattern,
    /// int match, VSTRING *why)`. Null on success.
    ///
    /// # Safety
    /// `ip` points to a CIDR_MATCH, `pattern` to a writable C string, `why`
    /// is null or a VSTRING of the host binding.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn cidr_match_parse(
        ip: *mut CIDR_MATCH,
        pattern: *mut c_char,
        r#match: c_int,
        why: *mut VSTRING,
    ) -> *mut VSTRING {
        // SAFETY: the caller's contract is parse_into()'s.
        ffi::postfix_boundary("cidr_match_parse", || unsafe {
            parse_into("cidr_match_parse", ip, pattern, r#match, why)
        })
    }

    /// Postfix: `VSTRING *cidr_match_parse_if(CIDR_MATCH *ip, char
    /// *pattern, int match, VSTRING *why)`: as cidr_match_parse(), but the
    /// entry opens an if block.
    ///
    /// # Safety
    /// As cidr_match_parse().
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn cidr_match_parse_if(
        ip: *mut CIDR_MATCH,
        pattern: *mut c_char,
        r#match: c_int,
        why: *mut VSTRING,
    ) -> *mut VSTRING {
        ffi::postfix_boundary("cidr_match_parse_if", || {
            // SAFETY: the caller's contract is parse_into()'s.
            let ret = unsafe { parse_into("cidr_match_parse_if", ip, pattern, r#match, why) };
            if ret.is_null() {
                // SAFETY: parse_into() checked ip and wrote it.
                unsafe { (*ip).op = CIDR_MATCH_OP_IF };
            }
            ret
        })
    }

    /// Postfix: `void cidr_match_endif(CIDR_MATCH *ip)`.
    ///
    /// # Safety
    /// `ip` points to a writable CIDR_MATCH.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn cidr_match_endif(ip: *mut CIDR_MATCH) {
        ffi::postfix_boundary("cidr_match_endif", || {
            if ip.is_null() {
                ffi::null_arg("cidr_match_endif", "CIDR_MATCH");
            }
            // SAFETY: ip is writable; all-zero bytes are a valid CIDR_MATCH
            // (null pointers, zero numbers).
            unsafe { std::ptr::write_bytes(ip, 0, 1) };
            // SAFETY: ip is writable and now a valid CIDR_MATCH.
            unsafe { (*ip).op = CIDR_MATCH_OP_ENDIF };
        })
    }

    /// Postfix: `CIDR_MATCH *cidr_match_execute(CIDR_MATCH *list, const
    /// char *addr)`: the first entry that matches, or null.
    ///
    /// # Safety
    /// `list` is null or a well-formed list built with the functions above
    /// (`next` and `block_end` links as dict_cidr makes them); `addr` is a
    /// C string.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn cidr_match_execute(
        list: *mut CIDR_MATCH,
        addr: *const c_char,
    ) -> *mut CIDR_MATCH {
        ffi::postfix_boundary("cidr_match_execute", || {
            // SAFETY: the caller passes a C string.
            let addr = unsafe { ffi::bytes(addr) }
                .unwrap_or_else(|| ffi::null_arg("cidr_match_execute", "address"));
            let Some((family, bytes)) = Family::parse(addr, IPV6) else {
                return std::ptr::null_mut();
            };
            let family = af(family);
            // cidr_match_entry() after the family test: true when the entry
            // contains the address and is positive, or does not and is negated.
            let hit = |e: &CIDR_MATCH| {
                e.addr_family == family
                    && entry_contains(
                        &e.net_bytes,
                        &e.mask_bytes,
                        usize::from(e.addr_byte_count),
                        e.addr_bit_count,
                        e.mask_shift,
                        &bytes,
                    ) == (e.r#match != 0)
            };
            let mut entry = list;
            while !entry.is_null() {
                // SAFETY: entries of a well-formed list are live CIDR_MATCHes.
                let e = unsafe { &*entry };
                match e.op {
                    CIDR_MATCH_OP_MATCH if hit(e) => return entry,
                    CIDR_MATCH_OP_IF if !hit(e) => {
                        // An IF without matching ENDIF has no end-of-block entry.
                        if e.block_end.is_null() {
                            return std::ptr::null_mut();
                        }
                        entry = e.block_end;
                    }
                    _ => {}
                }
                // SAFETY: as above; `entry` is live.
                entry = unsafe { (*entry).next };
            }
            std::ptr::null_mut()
        })
    }
}

pub use abi::CIDR_MATCH;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_is_of_then_pton() {
        // Family::parse() skips the ':' scan; the definition is the scan
        // (dict_cidr's strchr) followed by that family's inet_pton().
        const ALPHABET: &[u8] = b"0123459abfF::...x";
        let mut r = crate::test_rng::Rng(77);
        for n in 0..200_000 {
            let len = r.below(24);
            let mut t: Vec<u8> = (0..len)
                .map(|_| ALPHABET[r.below(ALPHABET.len())])
                .collect();
            if n % 4 == 0 {
                t = format!(
                    "{}.{}.{}.{}",
                    r.below(300),
                    r.below(300),
                    r.below(9),
                    r.below(256)
                )
                .into_bytes();
            } else if n % 4 == 1 {
                t = format!(
                    "{:x}::{:x}:{}.{}.0.1",
                    r.below(70000),
                    r.below(9),
                    r.below(300),
                    r.below(9)
                )
                .into_bytes();
            }
            for ipv6 in [true, false] {
                let f = Family::of(&t, ipv6);
                let want = f.pton(&t, ipv6).map(|b| (f, b));
                assert_eq!(Family::parse(&t, ipv6), want, "{t:?} ipv6={ipv6}");
            }
        }
    }

    fn err(p: &str) -> String {
        String::from_utf8(parse_str(p.as_bytes(), true).unwrap_err()).unwrap()
    }

    #[test]
    fn destroys_pattern_like_split_at() {
        let mut p = b"[1.2.3.0]/24".to_vec();
        parse(&mut p, true).unwrap();
        assert_eq!(p, b"[1.2.3.0\0/24".map(|c| if c == b'/' { 0 } else { c }));
    }

    #[test]
    fn unsigned_char_mask_shift() {
        // (unsigned char) atoi("288") == 32: accepted as /32.
        assert_eq!(parse_str(b"1.2.3.4/288", true).unwrap().mask_shift, 32);
        assert_eq!(
            err("1.2.3.4/99999999999999999999"),
            "bad mask length in \"1.2.3.4/99999999999999999999\""
        );
    }

    #[test]
    fn messages() {
        assert_eq!(err("[1.2.3.4"), "missing ']' character after \"[1.2.3.4\"");
        assert_eq!(err("[1.2.3.4]x"), "garbage after \"[1.2.3.4]\"");
        assert_eq!(err("1.2.3.4/"), "bad mask value in \"1.2.3.4/\"");
        assert_eq!(err("1.2.3.4/33"), "bad mask length in \"1.2.3.4/33\"");
        assert_eq!(err("1.2.3/8"), "bad network value in \"1.2.3/8\"");
        assert_eq!(
            err("1.2.3.4/24"),
            "non-null host address bits in \"1.2.3.4/24\", perhaps you should use \"1.2.3.0/24\" instead"
        );
        assert_eq!(err("foo"), "bad address pattern: \"foo\"");
    }
}
