//! procnet_ifinet6 - IPv6 addresses from /proc/net/if_inet6 (old Linux)
//!
//! Used for IPv6 when HAS_PROCNET_IFINET6 is set and getifaddrs(3) is not
//! (IPv4 then comes from SIOCGIFCONF). Each line is read as Postfix reads
//! it (fgets() with an 8192-byte buffer): 32 hex digits of address, then,
//! as sscanf(" %*x %x"), the interface index and the prefix length (hex).
//! Interfaces are not checked for being up. Postfix appends a mask even
//! when the caller passed no mask list (it would crash); pfinet skips it.
//!
//! DIAGNOSTICS: a malformed line (or a prefix longer than 128) gives
//! "unexpected data in /proc/net/if_inet6 - skipping IPv6 configuration"
//! and ends the scan (addresses of earlier lines stay); a file that cannot
//! be read gives "can't open /proc/net/if_inet6 (ERROR) - skipping IPv6
//! configuration".

use super::{Event, m};
use crate::mask_addr::mask_addr;
use crate::sockaddr::SockAddr;
use crate::sys::Sys;

/// The file Linux lists its IPv6 addresses in.
pub const PATH: &str = "/proc/net/if_inet6";

/// stdio's BUFSIZ: fgets() returns at most BUFSIZ - 1 bytes per call.
const BUFSIZ: usize = 8192;

/// ial_procnet_ifinet6(): the events for this host's IPv6 addresses.
pub fn lookup(sys: &mut dyn Sys, events: &mut Vec<Event>) {
    match sys.read_file(PATH) {
        Ok(data) => parse(&data, events),
        Err(e) => {
            let text = format!("can't open {PATH} ({}) - skipping IPv6 configuration", m(e));
            events.push(Event::Warn(text.into_bytes()));
        }
    }
}

/// The file's contents as fgets() hands them out: lines (with their
/// newline), cut at BUFSIZ - 1 bytes.
fn fgets_chunks(mut data: &[u8]) -> impl Iterator<Item = &[u8]> {
    std::iter::from_fn(move || {
        if data.is_empty() {
            return None;
        }
        let mut n = data
            .iter()
            .position(|&c| c == b'\n')
            .map_or(data.len(), |i| i + 1);
        n = n.min(BUFSIZ - 1);
        let (chunk, rest) = data.split_at(n);
        data = rest;
        Some(chunk)
    })
}

/// Parse the whole file into events.
pub fn parse(data: &[u8], events: &mut Vec<Event>) {
    for line in fgets_chunks(data) {
        match parse_line(line) {
            Some((addr, plen)) => {
                let mut mask = [0xffu8; 16];
                mask_addr(&mut mask, plen).expect("plen <= 128");
                events.push(Event::Addr(SockAddr::V6 { addr, scope_id: 0 }));
                events.push(Event::Mask(SockAddr::V6 {
                    addr: mask,
                    scope_id: 0,
                }));
            }
            None => {
                let text = format!("unexpected data in {PATH} - skipping IPv6 configuration");
                return events.push(Event::Warn(text.into_bytes()));
            }
        }
    }
}

/// hex_decode() of 32 digits, then sscanf(" %*x %x"); None when Postfix
/// gives up on the line.
pub fn parse_line(line: &[u8]) -> Option<([u8; 16], u32)> {
    let digits = line.get(..32)?;
    let mut addr = [0u8; 16];
    for (i, pair) in digits.chunks(2).enumerate() {
        let hex = |c: u8| (c as char).to_digit(16);
        addr[i] = (hex(pair[0])? << 4 | hex(pair[1])?) as u8;
    }
    let rest = &line[32..];
    let rest = &rest[..rest.iter().position(|&c| c == 0).unwrap_or(rest.len())];
    let (_, at) = scan_hex(rest, 0)?;
    let (plen, _) = scan_hex(rest, at)?;
    (plen <= 128).then_some((addr, plen))
}

/// One scanf("%x") conversion into an unsigned int, starting at `at`:
/// white space, an optional sign, an optional 0x, hex digits (computed as
/// strtoul, saturating, negated for '-', truncated to 32 bits). Returns
/// the value and the position after it.
pub fn scan_hex(s: &[u8], mut at: usize) -> Option<(u32, usize)> {
    while s
        .get(at)
        .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
    {
        at += 1;
    }
    let negative = match s.get(at) {
        Some(b'-') => {
            at += 1;
            true
        }
        Some(b'+') => {
            at += 1;
            false
        }
        _ => false,
    };
    let digit = |c: Option<&u8>| c.and_then(|&c| (c as char).to_digit(16));
    if s.get(at) == Some(&b'0') && matches!(s.get(at + 1), Some(b'x' | b'X')) {
        // "0x" counts as a prefix only when a hex digit follows; else the
        // conversion is the "0" alone.
        if digit(s.get(at + 2)).is_some() {
            at += 2;
        } else {
            return Some((0, at + 2));
        }
    }
    let start = at;
    let mut value: u64 = 0;
    let mut overflow = false;
    while let Some(d) = digit(s.get(at)) {
        match value
            .checked_mul(16)
            .and_then(|v| v.checked_add(u64::from(d)))
        {
            Some(v) => value = v,
            None => overflow = true,
        }
        at += 1;
    }
    if at == start {
        return None;
    }
    let value = if overflow {
        u64::MAX
    } else if negative {
        value.wrapping_neg()
    } else {
        value
    };
    Some((value as u32, at))
}

#[cfg(test)]
#[allow(unsafe_code)] // the C library as the tests' oracle
mod tests {
    use super::*;

    unsafe extern "C" {
        fn sscanf(s: *const libc::c_char, format: *const libc::c_char, ...) -> libc::c_int;
    }

    /// glibc's sscanf(s, " %*x %x") as the oracle.
    fn libc_scan(s: &[u8]) -> Option<u32> {
        let c = std::ffi::CString::new(s).ok()?;
        let mut v: libc::c_uint = 0;
        // SAFETY: NUL-terminated input and format; one unsigned int out.
        let n = unsafe { sscanf(c.as_ptr(), c" %*x %x".as_ptr(), &mut v) };
        (n == 1).then_some(v)
    }

    fn ours(s: &[u8]) -> Option<u32> {
        let (_, at) = scan_hex(s, 0)?;
        scan_hex(s, at).map(|(v, _)| v)
    }

    #[test]
    fn scan_agrees_with_glibc_sscanf() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        const ALPHABET: &[u8] = b"0123456789abcdefABCDEFxXg +-\t\n";
        for _ in 0..200_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 24) as usize;
            let s: Vec<u8> = (0..len)
                .map(|i| ALPHABET[((seed >> (i % 8 * 8)) as usize + i * 7) % ALPHABET.len()])
                .collect();
            assert_eq!(ours(&s), libc_scan(&s), "{:?}", String::from_utf8_lossy(&s));
        }
        for s in [
            &b" 01 80"[..],
            b" 1 100000080",
            b" 1 -ffffff80",
            b" 0x 40",
            b" 0xg 40",
            b"0x1 0x40",
            b" 1 ffffffffffffffffff",
        ] {
            assert_eq!(ours(s), libc_scan(s), "{:?}", String::from_utf8_lossy(s));
        }
    }

    #[test]
    fn kernel_lines() {
        let mut ev = Vec::new();
        parse(b"00000000000000000000000000000001 01 80 10 80       lo\nfe800000000000003027eafffebe710c 02 40 20 c0       vb\n", &mut ev);
        let mut lo = [0u8; 16];
        lo[15] = 1;
        let mut m64 = [0u8; 16];
        m64[..8].fill(0xff);
        assert_eq!(
            ev[0],
            Event::Addr(SockAddr::V6 {
                addr: lo,
                scope_id: 0
            })
        );
        assert_eq!(
            ev[1],
            Event::Mask(SockAddr::V6 {
                addr: [0xff; 16],
                scope_id: 0
            })
        );
        assert_eq!(
            ev[3],
            Event::Mask(SockAddr::V6 {
                addr: m64,
                scope_id: 0
            })
        );
    }

    #[test]
    fn bad_line_stops_with_warning_and_keeps_earlier_ones() {
        let mut ev = Vec::new();
        parse(b"00000000000000000000000000000001 01 80 10 80 lo\n0000 01 80\n00000000000000000000000000000002 01 80\n", &mut ev);
        assert_eq!(ev.len(), 3);
        assert_eq!(
            ev[2],
            Event::Warn(
                b"unexpected data in /proc/net/if_inet6 - skipping IPv6 configuration".to_vec()
            )
        );
        let mut ev = Vec::new();
        parse(b"00000000000000000000000000000001 01 81\n", &mut ev);
        assert!(matches!(ev[..], [Event::Warn(_)]), "prefix 0x81 > 128");
    }
}
