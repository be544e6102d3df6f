//! siocgif - interface addresses by ioctl(SIOCGIFCONF), the classic way
//!
//! IPv4 addresses with their netmasks (SIOCGIFNETMASK, family fixed to
//! AF_INET); IPv6 addresses, where a kernel reports them, with a /128 mask
//! (SIOCGIFNETMASK is unreliable for IPv6). Linux reports IPv4 only. The
//! unspecified address is skipped. Records are `struct ifreq` as Linux
//! lays them out (no sa_len).
//!
//! DIAGNOSTICS: fatal "inet_addr_local\[siocgif\]: ioctl SIOCGIFCONF: ERROR"
//! and "... ioctl SIOCGIFNETMASK: ERROR"; see also ial_socket().

use super::{Event, conf_loop, ial_socket, m};
use crate::sockaddr::SockAddr;
use crate::sys::Sys;

/// sizeof(struct ifreq), and the offset of ifr_addr in it.
pub const IFREQ_SIZE: usize = std::mem::size_of::<libc::ifreq>();
/// Offset of ifr_addr in struct ifreq.
pub const IFR_ADDR: usize = libc::IFNAMSIZ;

const NAME: &str = "inet_addr_local[siocgif]";

/// ial_siocgif(): the events for family `af` (masks when `masks`).
pub fn lookup(af: i32, masks: bool, ipv6: bool, sys: &mut dyn Sys, events: &mut Vec<Event>) {
    let Some(mut sock) = ial_socket(af, ipv6, sys, events) else {
        return;
    };
    let Some(data) = conf_loop(NAME, "SIOCGIFCONF", events, |len| sock.siocgifconf(len)) else {
        return;
    };
    for ifr in data.chunks(IFREQ_SIZE) {
        let sa = SockAddr::from_bytes(ifr.get(IFR_ADDR..).unwrap_or(&[]), None);
        if i32::from(sa.family()) != af || sa.is_unspecified() {
            continue;
        }
        match sa {
            SockAddr::V4(_) => {
                events.push(Event::Addr(sa));
                if masks {
                    match sock.siocgifnetmask(ifr) {
                        Ok(reply) => {
                            let mask = SockAddr::from_bytes(
                                reply.get(IFR_ADDR..).unwrap_or(&[]),
                                Some(af as u16),
                            );
                            events.push(Event::Mask(mask));
                        }
                        Err(e) => {
                            let text = format!("{NAME}: ioctl SIOCGIFNETMASK: {}", m(e));
                            return events.push(Event::Fatal(text.into_bytes()));
                        }
                    }
                }
            }
            SockAddr::V6 { scope_id, .. } if ipv6 => {
                events.push(Event::Addr(sa));
                if masks {
                    // XXX Assume /128 for everything (as Postfix).
                    events.push(Event::Mask(SockAddr::V6 {
                        addr: [0xff; 16],
                        scope_id,
                    }));
                }
            }
            _ => {}
        }
    }
}
