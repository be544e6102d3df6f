//! inet_pton, inet_ntop - text/binary address conversion as glibc does it
//!
//! Postfix hands address text to the C library's `inet_pton(3)` and prints
//! addresses with `inet_ntop(3)`; what it accepts and prints is therefore
//! glibc's. This module is a line-by-line port of glibc's implementation
//! (resolv/inet_pton.c and resolv/inet_ntop.c, from BIND), so that pfinet
//! accepts exactly the same strings and prints exactly the same text as
//! stock Postfix on Debian. Rust's own `FromStr for Ipv6Addr` and its
//! `Display` differ in corner cases, so they are not used for Postfix-facing
//! work. Unit tests compare both directions against the C library.
//!
//! Functions: [`pton4`], [`pton6`] (text to bytes, `None` where inet_pton
//! returns 0) and [`ntop4`], [`ntop6`] (bytes to text).
//!
//! A Postfix built without IPv6 (NO_IPV6) replaces inet_pton() for the whole
//! program with its own (src/util/sys_compat.c) on top of inet_addr(3),
//! which accepts far more: 1- to 4-part numbers in decimal, octal or hex,
//! and anything after white space. [`postfix_noipv6_pton4`] is that
//! function, with glibc's inet_addr() ported too.

/// inet_pton(AF_INET, src): four decimal octets, no leading zeros.
pub fn pton4(src: &[u8]) -> Option<[u8; 4]> {
    let digit = |i: usize| {
        let v = src.get(i)?.wrapping_sub(b'0');
        (v < 10).then_some(u32::from(v))
    };
    // Four octets of one to three digits, separated by dots. glibc refuses
    // a digit after a leading 0 and a value over 255 (so a fourth digit).
    // The octets collect in a register.
    let (mut word, mut i) = (0u32, 0usize);
    for k in 0..4 {
        if k > 0 {
            if src.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let mut octet = digit(i)?;
        i += 1;
        if let Some(d) = digit(i) {
            if octet == 0 {
                return None;
            }
            octet = octet * 10 + d;
            i += 1;
            if let Some(d) = digit(i) {
                octet = octet * 10 + d;
                i += 1;
                if octet > 255 || digit(i).is_some() {
                    return None;
                }
            }
        }
        word = word << 8 | octet;
    }
    (i == src.len()).then(|| word.to_be_bytes())
}

/// Each byte's value as a hex digit (plus 16 for an uppercase one), or
/// 0xff.
const HEX_VALUE: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = match c as u8 {
            b'0'..=b'9' => c as u8 - b'0',
            b'a'..=b'f' => c as u8 - b'a' + 10,
            b'A'..=b'F' => c as u8 - b'A' + 10 + 16,
            _ => 0xff,
        };
        c += 1;
    }
    t
};

fn hex_digit_value(ch: u8) -> Option<u32> {
    let v = HEX_VALUE[usize::from(ch)];
    (v != 0xff).then_some(u32::from(v & 15))
}

/// inet_pton(AF_INET6, src), including `::` compression and a trailing
/// dotted quad.
pub fn pton6(src: &[u8]) -> Option<[u8; 16]> {
    pton6_form(src).map(|(bytes, _)| bytes)
}

/// How IPv6 text that inet_pton() accepted was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// The number of 16-bit groups written (a dotted quad counts two).
    pub groups: u32,
    /// Where "::" stands: the number of groups before it.
    pub gap: Option<u32>,
    /// A group with a leading zero or an uppercase digit.
    pub unusual_digits: bool,
    /// Ends in a dotted quad.
    pub dotted: bool,
}

/// [`pton6`], and how the text was written (for telling inet_ntop()'s
/// form without printing it).
pub fn pton6_form(src: &[u8]) -> Option<([u8; 16], Written)> {
    match pton6_groups(src) {
        Groups::Done(result) => result,
        Groups::Dotted => pton6_glibc(src),
    }
}

/// What [`pton6_groups`] makes of some text.
enum Groups {
    /// The answer (None: inet_pton() refuses the text).
    Done(Option<([u8; 16], Written)>),
    /// The text has a '.': glibc's own algorithm decides.
    Dotted,
}

/// inet_pton(AF_INET6) for text without a dotted quad, a group at a time:
/// one to four hex digits, then ':', "::" (once) or the end. This is the
/// same language glibc's character-at-a-time loop accepts
/// ([`pton6_glibc`], which the tests hold it to), in about half the time.
fn pton6_groups(src: &[u8]) -> Groups {
    let refuse = Groups::Done(None);
    let n = src.len();
    let (mut acc, mut groups, mut gap) = (0u128, 0u32, None);
    let mut unusual_digits = false;
    let mut i = 0;
    if n == 0 {
        return refuse;
    }
    if src[0] == b':' {
        if n < 2 || src[1] != b':' {
            return refuse;
        }
        gap = Some(0);
        i = 2;
    }
    while i < n {
        let first = HEX_VALUE[usize::from(src[i])];
        if first == 0xff {
            return if src[i] == b'.' {
                Groups::Dotted
            } else {
                refuse
            };
        }
        let (mut val, mut k) = (u32::from(first & 15), i + 1);
        unusual_digits |= first & 16 != 0;
        while k < n && k < i + 4 {
            let d = HEX_VALUE[usize::from(src[k])];
            if d == 0xff {
                break;
            }
            val = val << 4 | u32::from(d & 15);
            unusual_digits |= d & 16 != 0 || first & 15 == 0;
            k += 1;
        }
        if groups == 8 {
            return refuse;
        }
        acc = acc << 16 | u128::from(val);
        groups += 1;
        i = k;
        if i == n {
            break;
        }
        if src[i] != b':' {
            return if src[i] == b'.' {
                Groups::Dotted
            } else {
                refuse
            };
        }
        i += 1;
        if i == n {
            return refuse;
        }
        if src[i] == b':' {
            if gap.is_some() {
                return refuse;
            }
            gap = Some(groups);
            i += 1;
        }
    }
    let written = Written {
        groups,
        gap,
        unusual_digits,
        dotted: false,
    };
    Groups::Done(expand(acc, groups, gap).map(|bytes| (bytes, written)))
}

/// The address from `groups` 16-bit groups in `acc`, with "::" after the
/// first `gap` of them standing for the missing ones (at least one).
fn expand(acc: u128, groups: u32, gap: Option<u32>) -> Option<[u8; 16]> {
    match gap {
        None => (groups == 8).then(|| acc.to_be_bytes()),
        Some(_) if groups == 8 => None,
        Some(head) => {
            let tail_bits = 16 * (groups - head);
            let tail = acc & !(u128::MAX << tail_bits);
            Some(
                match head {
                    0 => tail,
                    _ => (acc >> tail_bits) << (128 - 16 * head) | tail,
                }
                .to_be_bytes(),
            )
        }
    }
}

/// glibc's inet_pton6(), character at a time, for text with a dotted quad.
fn pton6_glibc(src: &[u8]) -> Option<([u8; 16], Written)> {
    // glibc's algorithm, with the 16-bit groups collected in a register
    // (`acc`, `groups` of them) and the position of "::" kept as the
    // number of groups before it.
    let mut acc: u128 = 0;
    let mut groups = 0u32;
    let mut colon: Option<u32> = None;
    let mut i = 0usize;
    let (mut unusual_digits, mut leading_zero, mut dotted) = (false, false, false);

    // Leading :: requires some special handling.
    if src.is_empty() {
        return None;
    }
    if src[0] == b':' {
        i += 1;
        if i == src.len() || src[i] != b':' {
            return None;
        }
    }
    let mut curtok = i;
    let mut xdigits_seen = 0;
    let mut val: u32 = 0;
    while i < src.len() {
        let ch = src[i];
        i += 1;
        if let Some(digit) = hex_digit_value(ch) {
            // At most four digits: the group fits in 16 bits.
            if xdigits_seen == 4 {
                return None;
            }
            unusual_digits |= leading_zero || ch.is_ascii_uppercase();
            leading_zero = xdigits_seen == 0 && digit == 0;
            val = (val << 4) | digit;
            xdigits_seen += 1;
            continue;
        }
        if ch == b':' {
            curtok = i;
            if xdigits_seen == 0 {
                if colon.is_some() {
                    return None;
                }
                colon = Some(groups);
                continue;
            } else if i == src.len() || groups == 8 {
                return None;
            }
            acc = acc << 16 | u128::from(val);
            groups += 1;
            xdigits_seen = 0;
            leading_zero = false;
            val = 0;
            continue;
        }
        if ch == b'.' && groups <= 6 {
            if let Some(v4) = pton4(&src[curtok..]) {
                acc = acc << 32 | u128::from(u32::from_be_bytes(v4));
                groups += 2;
                xdigits_seen = 0;
                dotted = true;
                break;
            }
        }
        return None;
    }
    if xdigits_seen > 0 {
        if groups == 8 {
            return None;
        }
        acc = acc << 16 | u128::from(val);
        groups += 1;
    }
    let written = Written {
        groups,
        gap: colon,
        unusual_digits,
        dotted,
    };
    // Replace :: with zeros; :: must stand for at least one group.
    expand(acc, groups, colon).map(|bytes| (bytes, written))
}

/// glibc's inet_addr() (inet_aton_end): parts separated by '.', each as C
/// numbers (0x hex, 0 octal), the last part filling the remaining bytes;
/// white space ends the text and what follows it is ignored.
pub fn inet_addr(src: &[u8]) -> Option<[u8; 4]> {
    const MAX: [u64; 4] = [0xffff_ffff, 0xff_ffff, 0xffff, 0xff];
    let mut bytes = [0u8; 4];
    let mut nparts = 0;
    let mut cp = 0;
    let at = |i: usize| src.get(i).copied().unwrap_or(0);
    let val = loop {
        if !at(cp).is_ascii_digit() {
            return None;
        }
        let (val, used) = strtoul0(&src[cp..])?;
        cp += used;
        if at(cp) != b'.' {
            break val;
        }
        if nparts > 2 || val > 0xff {
            return None;
        }
        bytes[nparts] = val as u8;
        nparts += 1;
        cp += 1;
    };
    let c = at(cp);
    if c != 0 && !matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        return None;
    }
    if val > MAX[nparts] {
        return None;
    }
    let word = u32::from_be_bytes(bytes) | val as u32;
    Some(word.to_be_bytes())
}

/// strtoul(s, &end, 0) for text that starts with a digit: the value (None
/// when it exceeds 32 bits, as inet_aton rejects it) and the bytes used.
fn strtoul0(s: &[u8]) -> Option<(u64, usize)> {
    let (base, start) =
        if s.len() >= 3 && s[0] == b'0' && (s[1] | 0x20) == b'x' && s[2].is_ascii_hexdigit() {
            (16, 2)
        } else if s[0] == b'0' {
            (8, 0)
        } else {
            (10, 0)
        };
    let mut val: u64 = 0;
    let mut i = start;
    while let Some(d) = s.get(i).and_then(|&c| (c as char).to_digit(base)) {
        val = val
            .saturating_mul(u64::from(base))
            .saturating_add(u64::from(d));
        i += 1;
    }
    (val <= 0xffff_ffff).then_some((val, i))
}

/// Postfix's own inet_pton(AF_INET) in a NO_IPV6 build: inet_addr(), where
/// the INADDR_NONE result counts only for the text "255.255.255.255".
pub fn postfix_noipv6_pton4(src: &[u8]) -> Option<[u8; 4]> {
    match inet_addr(src) {
        Some([255, 255, 255, 255]) if src != b"255.255.255.255" => None,
        r => r,
    }
}

/// An address text of at most 46 bytes (INET6_ADDRSTRLEN), made without
/// allocating.
#[derive(Clone, Copy)]
pub struct AddrText {
    buf: [u8; 46],
    len: usize,
}

impl AddrText {
    fn new() -> AddrText {
        AddrText {
            buf: [0; 46],
            len: 0,
        }
    }

    fn push(&mut self, b: u8) {
        self.buf[self.len] = b;
        self.len += 1;
    }

    fn push_dec(&mut self, v: u8) {
        if v >= 100 {
            self.push(b'0' + v / 100);
        }
        if v >= 10 {
            self.push(b'0' + v / 10 % 10);
        }
        self.push(b'0' + v % 10);
    }

    fn push_hex(&mut self, w: u16) {
        // Lowercase, without leading zeros ("0" for zero).
        let digits = (19 - w.leading_zeros()).max(4) / 4;
        for k in (0..digits).rev() {
            self.push(b"0123456789abcdef"[usize::from((w >> (4 * k)) & 0xf)]);
        }
    }

    /// The text.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl std::fmt::Display for AddrText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The text is ASCII by construction.
        f.write_str(std::str::from_utf8(self.as_bytes()).unwrap_or_default())
    }
}

/// inet_ntop(AF_INET, src): dotted decimal.
pub fn ntop4(src: &[u8; 4]) -> String {
    ntop4_text(src).to_string()
}

/// [`ntop4`] without allocating.
pub fn ntop4_text(src: &[u8; 4]) -> AddrText {
    let mut t = AddrText::new();
    for (i, &b) in src.iter().enumerate() {
        if i != 0 {
            t.push(b'.');
        }
        t.push_dec(b);
    }
    t
}

/// inet_ntop(AF_INET6, src): the longest run (of at least two) of zero
/// words becomes `::` (the first such run on a tie); `::a.b.c.d` and
/// `::ffff:a.b.c.d` print the last 32 bits as a dotted quad.
pub fn ntop6(src: &[u8; 16]) -> String {
    ntop6_text(src).to_string()
}

/// The 16-bit words of an IPv6 address, and the run of zero words that
/// inet_ntop() writes as "::" (start, length): the longest, the first of
/// equally long ones, none shorter than two.
pub fn ntop6_zero_run(src: &[u8; 16]) -> (Option<(usize, usize)>, [u16; 8]) {
    let words: [u16; 8] = std::array::from_fn(|i| u16::from_be_bytes([src[2 * i], src[2 * i + 1]]));
    let mut best: Option<(usize, usize)> = None;
    let mut cur: Option<(usize, usize)> = None;
    let longer = |best: Option<(usize, usize)>, l: usize| best.is_none_or(|(_, len)| l > len);
    for (i, &w) in words.iter().enumerate() {
        if w == 0 {
            cur = Some(match cur {
                None => (i, 1),
                Some((b, l)) => (b, l + 1),
            });
        } else if let Some(run) = cur.take().filter(|&(_, l)| longer(best, l)) {
            best = Some(run);
        }
    }
    if let Some(run) = cur.filter(|&(_, l)| longer(best, l)) {
        best = Some(run);
    }
    (best.filter(|&(_, len)| len >= 2), words)
}

/// [`ntop6`] without allocating.
pub fn ntop6_text(src: &[u8; 16]) -> AddrText {
    let (best, words) = ntop6_zero_run(src);
    let (best_base, best_len) = match best {
        Some((b, l)) => (Some(b), l),
        None => (None, 0),
    };
    let mut out = AddrText::new();
    let mut i = 0;
    while i < 8 {
        if let Some(b) = best_base.filter(|&b| i >= b && i < b + best_len) {
            if i == b {
                out.push(b':');
            }
            i += 1;
            continue;
        }
        if i != 0 {
            out.push(b':');
        }
        if i == 6
            && best_base == Some(0)
            && (best_len == 6 || (best_len == 5 && words[5] == 0xffff))
        {
            let four = ntop4_text(&[src[12], src[13], src[14], src[15]]);
            for &b in four.as_bytes() {
                out.push(b);
            }
            return out;
        }
        out.push_hex(words[i]);
        i += 1;
    }
    if best_base.is_some_and(|b| b + best_len == 8) {
        out.push(b':');
    }
    out
}

#[cfg(test)]
#[allow(unsafe_code)] // the C library as the tests' oracle
mod tests {
    //! The oracle is the C library itself: glibc's inet_pton/inet_ntop.
    use super::*;
    use std::ffi::CString;

    unsafe extern "C" {
        fn inet_pton(af: i32, src: *const libc::c_char, dst: *mut libc::c_void) -> i32;
        fn inet_ntop(
            af: i32,
            src: *const libc::c_void,
            dst: *mut libc::c_char,
            size: u32,
        ) -> *const libc::c_char;
    }

    fn libc_pton(af: i32, s: &[u8]) -> Option<Vec<u8>> {
        let c = CString::new(s).ok()?;
        let mut buf = [0u8; 16];
        // SAFETY: `c` is NUL-terminated and `buf` holds 16 bytes, enough
        // for either family.
        let rc = unsafe { inet_pton(af, c.as_ptr(), buf.as_mut_ptr().cast()) };
        let n = if af == libc::AF_INET { 4 } else { 16 };
        (rc == 1).then(|| buf[..n].to_vec())
    }

    fn libc_ntop(af: i32, b: &[u8]) -> String {
        let mut out = [0 as libc::c_char; 64];
        // SAFETY: `b` holds an address of the family's size and `out` is
        // larger than INET6_ADDRSTRLEN.
        let p = unsafe { inet_ntop(af, b.as_ptr().cast(), out.as_mut_ptr(), 64) };
        assert!(!p.is_null());
        // SAFETY: inet_ntop returned `out`, now NUL-terminated.
        unsafe { std::ffi::CStr::from_ptr(p) }
            .to_string_lossy()
            .into_owned()
    }

    use crate::test_rng::Rng;

    fn random_text(r: &mut Rng) -> Vec<u8> {
        const ALPHABET: &[u8] = b"0123456789abcdefABCDEFxg:.::..%/ ";
        let len = r.below(48);
        (0..len)
            .map(|_| ALPHABET[r.below(ALPHABET.len())])
            .collect()
    }

    fn random_v6_bytes(r: &mut Rng) -> [u8; 16] {
        let mut b = [0u8; 16];
        for w in 0..8 {
            // Many zero words, so that `::` runs of every length occur.
            if r.below(2) == 0 {
                let v = r.next() as u16;
                b[2 * w..2 * w + 2].copy_from_slice(&v.to_be_bytes());
            }
        }
        if r.below(8) == 0 {
            b[10] = 0xff;
            b[11] = 0xff;
        }
        b
    }

    #[test]
    fn pton4_agrees_with_libc_on_dotted_digits() {
        // Mostly digits and dots, short: near-misses of dotted quads
        // (leading zeros, 256 and over, four digits, missing or extra
        // octets, doubled or trailing dots).
        let mut r = Rng(0x05ee_d0fd_0775);
        let mut valid = 0;
        for _ in 0..300_000 {
            let mut s = Vec::new();
            for k in 0..3 + r.below(3) {
                if k > 0 {
                    s.extend_from_slice([&b"."[..], b".", b".", b"..", b"x"][r.below(5)]);
                }
                let digits = [0, 1, 1, 2, 2, 3, 3, 3, 4][r.below(9)];
                for d in 0..digits {
                    // Leading zeros now and then; 2 and 5 often (249..256).
                    let pool: &[u8] = if d == 0 { b"0122225" } else { b"0123455556789" };
                    s.push(pool[r.below(pool.len())]);
                }
            }
            let want = libc_pton(libc::AF_INET, &s);
            valid += usize::from(want.is_some());
            assert_eq!(pton4(&s).map(|a| a.to_vec()), want, "{s:?}");
        }
        assert!(valid > 1_000, "only {valid} valid addresses drawn");
    }

    #[test]
    fn pton6_agrees_with_libc_on_colon_groups() {
        // Groups of zero to five hex digits (upper and lower case, leading
        // zeros) joined by ':', "::" or ":::", sometimes ending in a
        // dotted quad: near-misses of every rule inet_pton6() has.
        let mut r = Rng(0x6_6006);
        let mut valid = 0;
        for _ in 0..300_000 {
            let mut s = Vec::new();
            if r.below(6) == 0 {
                s.extend_from_slice([&b":"[..], b"::"][r.below(2)]);
            }
            for k in 0..r.below(10) {
                if k > 0 {
                    s.extend_from_slice([&b":"[..], b":", b":", b"::", b":::"][r.below(5)]);
                }
                for _ in 0..[0, 1, 1, 2, 3, 4, 4, 5][r.below(8)] {
                    s.push(b"0000123abcfABF9"[r.below(15)]);
                }
            }
            match r.below(8) {
                0 => s.extend_from_slice(b"1.2.3.4"),
                1 => s.extend_from_slice(b":192.0.2.33"),
                2 => s.extend_from_slice(b"::"),
                3 => s.push(b':'),
                _ => {}
            }
            let want = libc_pton(libc::AF_INET6, &s);
            valid += usize::from(want.is_some());
            assert_eq!(
                pton6(&s).map(|a| a.to_vec()),
                want,
                "{:?}",
                String::from_utf8_lossy(&s)
            );
        }
        assert!(valid > 10_000, "only {valid} valid addresses drawn");
    }

    #[test]
    fn pton_agrees_with_libc_on_random_text() {
        let mut r = Rng(0x9e3779b97f4a7c15);
        for _ in 0..300_000 {
            let s = random_text(&mut r);
            assert_eq!(
                pton4(&s).map(|a| a.to_vec()),
                libc_pton(libc::AF_INET, &s),
                "{s:?}"
            );
            assert_eq!(
                pton6(&s).map(|a| a.to_vec()),
                libc_pton(libc::AF_INET6, &s),
                "{s:?}"
            );
        }
    }

    #[test]
    fn pton_agrees_with_libc_on_printed_addresses() {
        let mut r = Rng(42);
        for _ in 0..50_000 {
            let b = random_v6_bytes(&mut r);
            for text in [libc_ntop(libc::AF_INET6, &b), ntop6(&b)] {
                assert_eq!(pton6(text.as_bytes()), Some(b), "{text}");
            }
        }
    }

    #[test]
    fn ntop_agrees_with_libc() {
        let mut r = Rng(7);
        for _ in 0..100_000 {
            let b = random_v6_bytes(&mut r);
            assert_eq!(ntop6(&b), libc_ntop(libc::AF_INET6, &b));
            let v4 = (r.next() as u32).to_be_bytes();
            assert_eq!(ntop4(&v4), libc_ntop(libc::AF_INET, &v4));
        }
    }

    #[test]
    fn inet_addr_agrees_with_libc() {
        unsafe extern "C" {
            fn inet_aton(cp: *const libc::c_char, inp: *mut u32) -> i32;
        }
        let mut r = Rng(99);
        const ALPHABET: &[u8] = b"0123456789xXaAfFgG. \t-+";
        for _ in 0..300_000 {
            let len = r.below(24);
            let s: Vec<u8> = (0..len)
                .map(|_| ALPHABET[r.below(ALPHABET.len())])
                .collect();
            let c = CString::new(s.clone()).unwrap();
            let mut word = 0u32;
            // SAFETY: c is a NUL-terminated string, word is writable.
            let ok = unsafe { inet_aton(c.as_ptr(), &mut word) } == 1;
            let want = ok.then(|| word.to_ne_bytes());
            assert_eq!(
                super::inet_addr(&s),
                want,
                "{:?}",
                String::from_utf8_lossy(&s)
            );
        }
    }

    #[test]
    fn known_corner_cases() {
        // From first principles (RFC 4291 text forms, glibc's rules).
        assert_eq!(pton4(b"01.2.3.4"), None);
        assert_eq!(pton4(b"1.2.3"), None);
        assert_eq!(pton6(b"1:2:3:4:5:6:7::8"), None);
        assert_eq!(pton6(b"::"), Some([0; 16]));
        assert_eq!(pton6(b":::"), None);
        assert_eq!(pton6(b"1:"), None);
        assert_eq!(ntop6(&pton6(b"::ffff:1.2.3.4").unwrap()), "::ffff:1.2.3.4");
        assert_eq!(ntop6(&pton6(b"::1.2.3.4").unwrap()), "::1.2.3.4");
        assert_eq!(ntop6(&pton6(b"::1").unwrap()), "::1");
        assert_eq!(ntop6(&pton6(b"1:0:0:2:0:0:0:3").unwrap()), "1:0:0:2::3");
    }
}
