//! mynetworks - generate patterns for my own interface addresses
//!
//! `const char *mynetworks(void)` returns the default value of Postfix's
//! `mynetworks` parameter: one pattern per address of own_inet_addr_list(),
//! by `mynetworks_style`: `host` (/32, /128), `subnet` (the interface's
//! netmask) or `class` (the natural A/B/C/D mask for IPv4; for IPv6 class
//! means subnet). Host bits are cleared; IPv6 patterns are `[addr]/len`;
//! every pattern is followed by a space; repeated patterns are dropped,
//! keeping the first. `mynetworks_host()` is the same with style `host`.
//! Each result is computed once per process (src/global/mynetworks.c).
//!
//! DIAGNOSTICS: fatal "bad mynetworks_style value: VALUE; specify exactly
//! one value", `unknown mynetworks mask style value "X" in "VALUE"`,
//! "mynetworks_core: unknown address class: A.B.C.D" (class E); with all
//! protocols disabled the result is empty (logged under msg_verbose);
//! "mynetworks_core: RESULT" under msg_verbose.

use crate::diag::{Diag, Fatal};
use crate::inet_addr_list::AddrList;
use crate::sockaddr::SockAddr;
use std::fmt::Write;

use crate::inet_pton::{ntop4, ntop4_text, ntop6};
use crate::mask_addr::mask_addr;
use crate::name_mask::name_mask;

/// mynetworks_style = class.
pub const STYLE_CLASS: u32 = 1 << 0;
/// mynetworks_style = subnet.
pub const STYLE_SUBNET: u32 = 1 << 1;
/// mynetworks_style = host.
pub const STYLE_HOST: u32 = 1 << 2;

const MASK_STYLES: &[(&[u8], u32)] = &[
    (b"class", STYLE_CLASS),
    (b"subnet", STYLE_SUBNET),
    (b"host", STYLE_HOST),
];

/// The pattern for one IPv4 address and netmask, or the fatal text.
pub fn ipv4_pattern(addr: [u8; 4], mask: [u8; 4], style: u32) -> Result<String, String> {
    let a = u32::from_be_bytes(addr);
    let (mask, shift) = match style {
        STYLE_CLASS => match a {
            _ if a & 0x8000_0000 == 0 => (0xff00_0000u32, 24),
            _ if a & 0xc000_0000 == 0x8000_0000 => (0xffff_0000, 16),
            _ if a & 0xe000_0000 == 0xc000_0000 => (0xffff_ff00, 8),
            _ if a & 0xf000_0000 == 0xe000_0000 => (0xf000_0000, 28),
            _ => {
                return Err(format!(
                    "mynetworks_core: unknown address class: {}",
                    ntop4(&addr)
                ));
            }
        },
        // Postfix counts left shifts until the mask is zero: the length is
        // 32 minus the trailing zero bits, and the network is addr & mask.
        STYLE_SUBNET => {
            let m = u32::from_be_bytes(mask);
            (m, if m == 0 { 32 } else { m.trailing_zeros() })
        }
        _ => (u32::MAX, 0),
    };
    let net = ntop4_text(&(a & mask).to_be_bytes());
    let mut text = String::with_capacity(net.as_bytes().len() + 3);
    // Writing to a String cannot fail.
    let _ = write!(text, "{net}/{}", 32 - shift);
    Ok(text)
}

/// The prefix length Postfix reads from an IPv6 netmask: whole 0xff bytes,
/// then the bits of the first other byte up to its lowest set bit.
pub fn ipv6_prefix(mask: &[u8; 16]) -> u32 {
    let mut len = 0;
    for &b in mask {
        if b == 0xff {
            len += 8;
        } else {
            if b != 0 {
                len += 8 - b.trailing_zeros();
            }
            break;
        }
    }
    len
}

/// The pattern for one IPv6 address and netmask.
pub fn ipv6_pattern(addr: [u8; 16], mask: &[u8; 16], style: u32) -> String {
    let len = if style == STYLE_HOST {
        128
    } else {
        ipv6_prefix(mask)
    };
    let mut net = addr;
    mask_addr(&mut net, len).expect("len <= 128");
    format!("[{}]/{len}", ntop6(&net))
}

/// Yields own_inet_addr_list() and own_inet_mask_list() as vectors.
pub type OwnLists<'a> =
    dyn FnMut(&mut dyn Diag) -> Result<(Vec<SockAddr>, Vec<SockAddr>), Fatal> + 'a;

/// mynetworks_core(): `style` is the value to use, `var_style` the
/// parameter's value for the error text, `families_enabled` whether any
/// protocol is on; `lists` yields own_inet_addr_list() and
/// own_inet_mask_list() (computed on demand, after the style is checked).
pub fn mynetworks_core(
    style: &[u8],
    var_style: &[u8],
    families_enabled: bool,
    ipv6: bool,
    diag: &mut dyn Diag,
    lists: &mut OwnLists,
) -> Result<Vec<u8>, Fatal> {
    if !families_enabled {
        if diag.verbose() != 0 {
            diag.info(b"skipping mynetworks setting - all network protocols are disabled");
        }
        return Ok(Vec::new());
    }
    let parsed = name_mask(b"mynetworks mask style", MASK_STYLES, style);
    if diag.verbose() != 0 {
        parsed.verbose.iter().for_each(|l| diag.info(l));
    }
    if let Some(text) = parsed.fatal {
        return Err(diag.fatal(&text));
    }
    if parsed.mask.count_ones() != 1 {
        let text = [
            b"bad mynetworks_style value: ",
            var_style,
            b"; specify exactly one value",
        ]
        .concat();
        return Err(diag.fatal(&text));
    }
    let (addrs, masks) = lists(diag)?;
    let mut patterns: Vec<String> = Vec::with_capacity(addrs.len());
    for (sa, ma) in addrs
        .iter()
        .zip(masks.iter().chain(std::iter::repeat(&SockAddr::Other(0))))
    {
        match (sa, ma) {
            (SockAddr::V4(a), _) => {
                let m = match ma {
                    SockAddr::V4(m) => *m,
                    _ => [0; 4],
                };
                patterns
                    .push(ipv4_pattern(*a, m, parsed.mask).map_err(|t| diag.fatal(t.as_bytes()))?);
            }
            (SockAddr::V6 { addr, .. }, _) if ipv6 => {
                let m = match ma {
                    SockAddr::V6 { addr, .. } => *addr,
                    _ => [0; 16],
                };
                patterns.push(ipv6_pattern(*addr, &m, parsed.mask));
            }
            _ => {
                let text = format!(
                    "mynetworks_core: skipping unknown address family {}",
                    sa.family()
                );
                diag.warn(text.as_bytes());
            }
        }
    }
    // Keep the first of repeated patterns, in order: Postfix runs its
    // duplicate filter (been_here_fixed(), which logs "been_here: PATTERN:
    // 0" or ": 1" under msg_verbose) only when there is more than one.
    let filter = patterns.len() > 1;
    let mut seen = std::collections::HashSet::with_capacity(patterns.len());
    let mut result = Vec::new();
    for p in patterns {
        let repeated = !seen.insert(p.clone());
        if filter && diag.verbose() != 0 {
            let status = if repeated { "1" } else { "0" };
            diag.info(format!("been_here: {p}: {status}").as_bytes());
        }
        if !repeated {
            result.extend_from_slice(p.as_bytes());
            result.push(b' ');
        }
    }
    if diag.verbose() != 0 {
        diag.info(&[b"mynetworks_core: ".as_slice(), &result].concat());
    }
    Ok(result)
}

/// What `postconf -h mynetworks` would print on this host for these
/// settings, computed afresh with the compiled-in lookup method; messages
/// in `diag`. `Err` holds the fatal text.
pub fn compute(
    protocols: &[u8],
    style: &[u8],
    interfaces: &[u8],
    diag: &mut crate::diag::Collect,
) -> Result<Vec<u8>, Vec<u8>> {
    use crate::inet_proto::{inet_proto, socket_probe};
    use crate::own_inet_addr::{Ctx, own_inet_addr_init};
    let ipv6 = cfg!(feature = "has_ipv6");
    let proto = inet_proto(b"inet_protocols", protocols, ipv6, &socket_probe);
    proto.warnings.iter().for_each(|w| diag.warn(w));
    if let Some(text) = proto.fatal {
        diag.fatal(&text);
        return Err(text);
    }
    let mut lists = |diag: &mut dyn Diag| {
        let (mut addrs, mut masks) = (Vec::new(), Vec::new());
        let mut ctx = Ctx {
            proto: &proto.info,
            config: crate::inet_addr_local::Config::compiled(),
            ipv6,
            sys: &mut crate::sys::System,
            diag,
            new_list: || Box::new(Vec::<SockAddr>::new()),
            probed: Vec::new(),
        };
        own_inet_addr_init(interfaces, &mut addrs, &mut masks, &mut ctx).map(|()| (addrs, masks))
    };
    let enabled = !proto.info.ai_family_list.is_empty();
    match mynetworks_core(style, style, enabled, ipv6, diag, &mut lists) {
        Ok(mut value) => {
            if value.last() == Some(&b' ') {
                value.pop();
            }
            Ok(value)
        }
        Err(Fatal) => Err(diag.error().unwrap_or(b"mynetworks failed").to_vec()),
    }
}

/// Read an address list into a vector.
pub fn to_vec(list: &dyn AddrList) -> Vec<SockAddr> {
    (0..list.len()).map(|i| list.get(i)).collect()
}

/// The Postfix-named `extern "C"` functions and `#[repr(C)]` types of this module.
#[allow(unsafe_code)]
// the Postfix-named C functions
pub mod abi {
    use super::*;
    use crate::diag::HostDiag;
    use crate::ffi;
    use crate::host::{self, Param};
    use crate::inet_addr_list::abi::CList;
    use crate::inet_proto::abi::inet_proto_info;
    use crate::own_inet_addr::abi::{own_inet_addr_list, own_inet_mask_list};
    use libc::c_char;
    use std::sync::OnceLock;

    /// mynetworks_core() inside Postfix: its globals, its diagnostics.
    fn core(style: &[u8]) -> Vec<u8> {
        let var_style = host::param(Param::MynetworksStyle);
        let enabled = !inet_proto_info().ai_family_list.is_empty();
        let mut lists = |_: &mut dyn Diag| {
            // SAFETY: own_inet_addr_list() returns pfinet's initialised
            // static, which nothing else uses while it is read here
            // (Postfix is single-threaded).
            let addrs = to_vec(&CList(unsafe { &mut *own_inet_addr_list() }));
            // SAFETY: as above, for own_inet_mask_list()'s static.
            let masks = to_vec(&CList(unsafe { &mut *own_inet_mask_list() }));
            Ok((addrs, masks))
        };
        // HostDiag ends the process on a fatal error.
        mynetworks_core(
            style,
            &var_style,
            enabled,
            cfg!(feature = "has_ipv6"),
            &mut HostDiag,
            &mut lists,
        )
        .unwrap_or_default()
    }

    /// A result kept for the life of the process, as a C string.
    fn keep(
        cell: &'static OnceLock<std::ffi::CString>,
        make: impl FnOnce() -> Vec<u8>,
    ) -> *const c_char {
        cell.get_or_init(|| std::ffi::CString::new(make()).unwrap_or_default())
            .as_ptr()
    }

    /// Postfix: `const char *mynetworks(void)`.
    #[unsafe(no_mangle)]
    pub extern "C" fn mynetworks() -> *const c_char {
        static RESULT: OnceLock<std::ffi::CString> = OnceLock::new();
        ffi::postfix_boundary("mynetworks", || {
            keep(&RESULT, || core(&host::param(Param::MynetworksStyle)))
        })
    }

    /// Postfix: `const char *mynetworks_host(void)`.
    #[unsafe(no_mangle)]
    pub extern "C" fn mynetworks_host() -> *const c_char {
        static RESULT: OnceLock<std::ffi::CString> = OnceLock::new();
        ffi::postfix_boundary("mynetworks_host", || keep(&RESULT, || core(b"host")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_styles_from_first_principles() {
        let a = [192, 0, 2, 77];
        assert_eq!(
            ipv4_pattern(a, [255, 255, 255, 0], STYLE_SUBNET).unwrap(),
            "192.0.2.0/24"
        );
        assert_eq!(
            ipv4_pattern(a, [255, 255, 255, 0], STYLE_HOST).unwrap(),
            "192.0.2.77/32"
        );
        assert_eq!(
            ipv4_pattern(a, [255, 255, 255, 0], STYLE_CLASS).unwrap(),
            "192.0.2.0/24"
        );
        assert_eq!(
            ipv4_pattern([10, 1, 2, 3], [255, 255, 255, 254], STYLE_SUBNET).unwrap(),
            "10.1.2.2/31"
        );
        assert_eq!(
            ipv4_pattern([172, 16, 1, 1], [0; 4], STYLE_CLASS).unwrap(),
            "172.16.0.0/16"
        );
        assert_eq!(
            ipv4_pattern([224, 1, 2, 3], [0; 4], STYLE_CLASS).unwrap(),
            "224.0.0.0/4"
        );
        assert_eq!(
            ipv4_pattern([240, 0, 0, 1], [0; 4], STYLE_CLASS).unwrap_err(),
            "mynetworks_core: unknown address class: 240.0.0.1"
        );
        // A non-contiguous mask: length from the lowest set bit, network
        // from the mask itself (Postfix's arithmetic).
        assert_eq!(
            ipv4_pattern([10, 255, 255, 255], [255, 0, 255, 0], STYLE_SUBNET).unwrap(),
            "10.0.255.0/24"
        );
    }

    #[test]
    fn ipv6_prefixes() {
        let mut m = [0u8; 16];
        m[..4].fill(0xff);
        m[4] = 0x80;
        assert_eq!(ipv6_prefix(&m), 33);
        let a = crate::inet_pton::pton6(b"2001:db8:ffff:ffff::1").unwrap();
        assert_eq!(ipv6_pattern(a, &m, STYLE_SUBNET), "[2001:db8:8000::]/33");
        assert_eq!(ipv6_pattern(a, &m, STYLE_CLASS), "[2001:db8:8000::]/33");
        assert_eq!(
            ipv6_pattern(a, &m, STYLE_HOST),
            "[2001:db8:ffff:ffff::1]/128"
        );
    }

    #[test]
    fn duplicate_filter_logs_as_been_here() {
        // global/mynetworks.c filters duplicates with been_here_fixed()
        // when it made more than one pattern; been_here.c logs
        // "been_here: %s: %d" (1: seen before) under msg_verbose.
        let run = |addrs: &[[u8; 4]], masks: &[[u8; 4]]| {
            let mut diag = crate::diag::Collect {
                verbose: 1,
                ..Default::default()
            };
            let a: Vec<SockAddr> = addrs.iter().map(|a| SockAddr::V4(*a)).collect();
            let m: Vec<SockAddr> = masks.iter().map(|m| SockAddr::V4(*m)).collect();
            let mut lists = |_: &mut dyn Diag| Ok((a.clone(), m.clone()));
            let r = mynetworks_core(b"subnet", b"subnet", true, true, &mut diag, &mut lists);
            let logged: Vec<String> = diag
                .messages
                .iter()
                .map(|(_, t)| String::from_utf8_lossy(t).into_owned())
                .filter(|t| t.starts_with("been_here") || t.starts_with("mynetworks_core"))
                .collect();
            (String::from_utf8(r.unwrap()).unwrap(), logged)
        };
        let m8 = [255, 0, 0, 0];
        let m24 = [255, 255, 255, 0];
        assert_eq!(
            run(
                &[[127, 0, 0, 1], [192, 0, 2, 1], [192, 0, 2, 77]],
                &[m8, m24, m24]
            ),
            (
                "127.0.0.0/8 192.0.2.0/24 ".to_string(),
                vec![
                    "been_here: 127.0.0.0/8: 0".to_string(),
                    "been_here: 192.0.2.0/24: 0".to_string(),
                    "been_here: 192.0.2.0/24: 1".to_string(),
                    "mynetworks_core: 127.0.0.0/8 192.0.2.0/24 ".to_string(),
                ]
            )
        );
        assert_eq!(
            run(&[[127, 0, 0, 1]], &[m8]).1,
            vec!["mynetworks_core: 127.0.0.0/8 ".to_string()]
        );
    }
}
