//! getifaddrs - interface addresses by getifaddrs(3) (HAVE_GETIFADDRS)
//!
//! Both families, with real netmasks. Interfaces that are not up, entries
//! without an address, other families and the unspecified address are
//! skipped; an entry without a netmask is skipped with the warning
//! "ignoring interface with null netmask, address family N" (a null mask
//! would match everyone in mynetworks). The netmask takes the address's
//! family, as Postfix fixes it.
//!
//! DIAGNOSTICS: a failing getifaddrs() is fatal,
//! "inet_addr_local\[getifaddrs\]: getifaddrs: ERROR".

use super::{Event, m};
use crate::sockaddr::SockAddr;
use crate::sys::Ifaddr;

/// The lookup for one family, on a getifaddrs() result (or its errno).
pub fn lookup(
    af: i32,
    masks: bool,
    ipv6: bool,
    list: &Result<Vec<Ifaddr>, i32>,
    events: &mut Vec<Event>,
) {
    let list = match list {
        Ok(list) => list,
        Err(e) => {
            let text = format!("inet_addr_local[getifaddrs]: getifaddrs: {}", m(*e));
            return events.push(Event::Fatal(text.into_bytes()));
        }
    };
    for ifa in list {
        let Some(sa) = ifa.addr else { continue };
        if ifa.flags & libc::IFF_UP as u32 == 0
            || (af != libc::AF_UNSPEC && i32::from(sa.family()) != af)
        {
            continue;
        }
        let Some(mask) = ifa.netmask else {
            let text = format!(
                "ignoring interface with null netmask, address family {}",
                sa.family()
            );
            events.push(Event::Warn(text.into_bytes()));
            continue;
        };
        let wanted = match sa {
            SockAddr::V4(_) => !sa.is_unspecified(),
            SockAddr::V6 { .. } => ipv6 && !sa.is_unspecified(),
            SockAddr::Other(_) => false,
        };
        if wanted {
            events.push(Event::Addr(sa));
            if masks {
                events.push(Event::Mask(mask));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Config, Event, inet_addr_local};
    use super::*;
    use crate::sys::{FakeSys, Ifaddr};

    const UP: u32 = libc::IFF_UP as u32;
    const M24: SockAddr = SockAddr::V4([255, 255, 255, 0]);

    fn entry(flags: u32, addr: Option<SockAddr>, netmask: Option<SockAddr>) -> Ifaddr {
        Ifaddr {
            flags,
            addr,
            netmask,
        }
    }

    fn run(list: Result<Vec<Ifaddr>, i32>, families: &[i32], masks: bool) -> Vec<Event> {
        let families: Vec<u32> = families.iter().map(|&f| f as u32).collect();
        inet_addr_local(
            &families,
            masks,
            Config::named(b"getifaddrs").unwrap(),
            true,
            &mut FakeSys {
                ifaddrs: Some(list),
                ..FakeSys::default()
            },
        )
    }

    #[test]
    fn skips_down_unspecified_and_other_families_warns_on_null_mask() {
        let a = SockAddr::V4([192, 0, 2, 1]);
        let b = SockAddr::V4([192, 0, 2, 2]);
        let six = SockAddr::V6 {
            addr: [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
            scope_id: 0,
        };
        let list = vec![
            entry(UP, Some(SockAddr::Other(17)), None),
            entry(0, Some(b), Some(M24)),
            entry(UP, None, None),
            entry(UP, Some(SockAddr::V4([0; 4])), Some(M24)),
            entry(UP, Some(a), Some(M24)),
            entry(UP, Some(b), None),
            entry(
                UP,
                Some(six),
                Some(SockAddr::V6 {
                    addr: [0xff; 16],
                    scope_id: 0,
                }),
            ),
        ];
        let ev = run(Ok(list.clone()), &[libc::AF_INET], true);
        assert_eq!(
            ev,
            vec![
                Event::Addr(a),
                Event::Mask(M24),
                Event::Warn(
                    format!(
                        "ignoring interface with null netmask, address family {}",
                        libc::AF_INET
                    )
                    .into_bytes()
                ),
                Event::VerboseInfo(b"inet_addr_local: configured 1 IPv4 addresses".to_vec()),
            ]
        );
        let ev = run(Ok(list), &[libc::AF_INET6, libc::AF_INET], false);
        assert_eq!(ev[0], Event::Addr(six));
        assert_eq!(
            ev[1],
            Event::VerboseInfo(b"inet_addr_local: configured 1 IPv6 addresses".to_vec())
        );
        assert_eq!(ev[2], Event::Addr(a));
    }

    #[test]
    fn failure_is_fatal_and_unknown_family_panics() {
        assert_eq!(
            run(Err(libc::ENOMEM), &[libc::AF_INET], true),
            vec![Event::Fatal(
                b"inet_addr_local[getifaddrs]: getifaddrs: Cannot allocate memory".to_vec()
            )]
        );
        assert_eq!(
            run(Ok(vec![]), &[99], true),
            vec![Event::Panic(
                b"inet_addr_local: unknown address family 99".to_vec()
            )]
        );
    }
}
