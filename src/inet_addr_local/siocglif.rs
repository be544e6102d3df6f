//! siocglif - interface addresses by ioctl(SIOCGLIFCONF) (HAS_SIOCGLIF)
//!
//! The Solaris/illumos successor of SIOCGIFCONF: both families, netmasks by
//! SIOCGLIFNETMASK (taken as the kernel returns them). Records are
//! `struct lifreq` (376 bytes on illumos amd64, lifr_addr at offset 40);
//! records of other families and unspecified addresses are skipped. Linux
//! has no such ioctl: there [`crate::sys::System`] answers ENOTTY, and the
//! tests drive this code with a simulated kernel (the ioctls themselves
//! are [`crate::sys::solaris`]).
//!
//! DIAGNOSTICS: fatal "inet_addr_local\[siocglif\]: address family was N,
//! must be AF_INET (2) or AF_INET6 (M)", "... ioctl SIOCGLIFCONF: ERROR",
//! "... ioctl(SIOCGLIFNETMASK): ERROR"; see also ial_socket().

use super::{Event, conf_loop, ial_socket, m};
use crate::sockaddr::SockAddr;
use crate::sys::Sys;

pub use crate::sys::solaris::{LIFR_ADDR, LIFREQ_SIZE};

const NAME: &str = "inet_addr_local[siocglif]";

/// ial_siocglif(): the events for family `af` (masks when `masks`).
pub fn lookup(af: i32, masks: bool, ipv6: bool, sys: &mut dyn Sys, events: &mut Vec<Event>) {
    if af != libc::AF_INET && af != libc::AF_INET6 {
        let text = format!(
            "{NAME}: address family was {af}, must be AF_INET ({}) or AF_INET6 ({})",
            libc::AF_INET,
            libc::AF_INET6
        );
        return events.push(Event::Fatal(text.into_bytes()));
    }
    let Some(mut sock) = ial_socket(af, ipv6, sys, events) else {
        return;
    };
    let Some(data) = conf_loop(NAME, "SIOCGLIFCONF", events, |len| sock.siocglifconf(len)) else {
        return;
    };
    for lifr in data.chunks(LIFREQ_SIZE) {
        let sa = SockAddr::from_bytes(lifr.get(LIFR_ADDR..).unwrap_or(&[]), None);
        if i32::from(sa.family()) != af {
            continue;
        }
        if (af == libc::AF_INET || ipv6) && sa.is_unspecified() {
            continue;
        }
        events.push(Event::Addr(sa));
        if masks {
            match sock.siocglifnetmask(lifr) {
                Ok(reply) => events.push(Event::Mask(SockAddr::from_bytes(
                    reply.get(LIFR_ADDR..).unwrap_or(&[]),
                    None,
                ))),
                Err(e) => {
                    let text = format!("{NAME}: ioctl(SIOCGLIFNETMASK): {}", m(e));
                    return events.push(Event::Fatal(text.into_bytes()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! A simulated SIOCGLIFCONF kernel: records in the illumos layout.
    use super::super::{Config, Event, inet_addr_local};
    use super::*;
    use crate::sys::{FakeSys, IoctlSocket};

    /// Kernel behaviour to simulate.
    #[derive(Clone, Copy)]
    enum Fit {
        /// EINVAL when the buffer cannot hold every record (Solaris).
        Einval,
        /// Fill what fits and return that length (BSD-like tight fit).
        Truncate,
    }

    #[derive(Clone)]
    struct Kernel {
        records: Vec<(SockAddr, SockAddr)>,
        fit: Fit,
        mask_errno: Option<i32>,
        calls: std::rc::Rc<std::cell::RefCell<Vec<usize>>>,
    }

    fn sockaddr_bytes(sa: &SockAddr) -> Vec<u8> {
        let mut b = vec![0u8; 32];
        b[0..2].copy_from_slice(&sa.family().to_ne_bytes());
        match sa {
            SockAddr::V4(a) => b[4..8].copy_from_slice(a),
            SockAddr::V6 { addr, .. } => b[8..24].copy_from_slice(addr),
            SockAddr::Other(_) => {}
        }
        b
    }

    fn record(sa: &SockAddr) -> Vec<u8> {
        let mut r = vec![0u8; LIFREQ_SIZE];
        r[..3].copy_from_slice(b"ne0");
        r[LIFR_ADDR..LIFR_ADDR + 32].copy_from_slice(&sockaddr_bytes(sa));
        r
    }

    impl IoctlSocket for Kernel {
        fn siocgifconf(&mut self, _: usize) -> Result<Vec<u8>, i32> {
            Err(libc::ENOTTY)
        }
        fn siocgifnetmask(&mut self, _: &[u8]) -> Result<Vec<u8>, i32> {
            Err(libc::ENOTTY)
        }
        fn siocglifconf(&mut self, len: usize) -> Result<Vec<u8>, i32> {
            self.calls.borrow_mut().push(len);
            let all: Vec<u8> = self.records.iter().flat_map(|(a, _)| record(a)).collect();
            match self.fit {
                Fit::Einval if all.len() > len => Err(libc::EINVAL),
                _ => Ok(all[..all.len().min(len / LIFREQ_SIZE * LIFREQ_SIZE)].to_vec()),
            }
        }
        fn siocglifnetmask(&mut self, lifreq: &[u8]) -> Result<Vec<u8>, i32> {
            if let Some(e) = self.mask_errno {
                return Err(e);
            }
            let addr = SockAddr::from_bytes(&lifreq[LIFR_ADDR..], None);
            let (_, mask) = self
                .records
                .iter()
                .find(|(a, _)| *a == addr)
                .ok_or(libc::ENXIO)?;
            let mut r = lifreq.to_vec();
            r[LIFR_ADDR..LIFR_ADDR + 32].copy_from_slice(&sockaddr_bytes(mask));
            Ok(r)
        }
    }

    fn v4(i: u32) -> SockAddr {
        SockAddr::V4((0x0a00_0000 | i).to_be_bytes())
    }

    fn v6(i: u16) -> SockAddr {
        let mut addr = [0u8; 16];
        addr[0] = 0x20;
        addr[1] = 0x01;
        addr[14..].copy_from_slice(&i.to_be_bytes());
        SockAddr::V6 { addr, scope_id: 0 }
    }

    fn kernel(
        n: u32,
        fit: Fit,
        mask_errno: Option<i32>,
    ) -> (FakeSys, std::rc::Rc<std::cell::RefCell<Vec<usize>>>) {
        let mask4 = SockAddr::V4([255, 255, 255, 0]);
        let mut mask6 = [0u8; 16];
        mask6[..8].fill(0xff);
        let mut records = vec![(SockAddr::V4([0; 4]), mask4), (SockAddr::Other(99), mask4)];
        for i in 1..=n {
            records.push((v4(i), mask4));
            records.push((
                v6(i as u16),
                SockAddr::V6 {
                    addr: mask6,
                    scope_id: 0,
                },
            ));
        }
        let calls = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let k = Kernel {
            records,
            fit,
            mask_errno,
            calls: calls.clone(),
        };
        let sim = FakeSys {
            ioctl: Some(Box::new(move || Box::new(k.clone()))),
            ..FakeSys::default()
        };
        (sim, calls)
    }

    fn run(sim: &mut FakeSys, families: &[u32]) -> Vec<Event> {
        inet_addr_local(
            families,
            true,
            Config::named(b"siocglif").unwrap(),
            true,
            sim,
        )
    }

    #[test]
    fn grows_on_einval_and_on_tight_fit() {
        for fit in [Fit::Einval, Fit::Truncate] {
            // 2 + 2*20 records of 376 bytes need 15792 bytes: the buffer
            // doubles 1024 -> 32768, where the answer fills less than half.
            let (mut sim, calls) = kernel(20, fit, None);
            let events = run(&mut sim, &[libc::AF_INET as u32, libc::AF_INET6 as u32]);
            let addrs: Vec<_> = events
                .iter()
                .filter_map(|e| {
                    if let Event::Addr(a) = e {
                        Some(*a)
                    } else {
                        None
                    }
                })
                .collect();
            let want: Vec<_> = (1..=20)
                .map(v4)
                .chain((1..=20).map(|i| v6(i as u16)))
                .collect();
            assert_eq!(addrs, want);
            assert_eq!(
                events
                    .iter()
                    .filter(|e| matches!(e, Event::Mask(_)))
                    .count(),
                40
            );
            assert_eq!(calls.borrow()[..6], [1024, 2048, 4096, 8192, 16384, 32768]);
        }
    }

    #[test]
    fn skips_other_families_and_unspecified() {
        let (mut sim, _) = kernel(1, Fit::Einval, None);
        let events = run(&mut sim, &[libc::AF_INET as u32]);
        assert_eq!(
            events,
            vec![
                Event::Addr(v4(1)),
                Event::Mask(SockAddr::V4([255, 255, 255, 0])),
                Event::VerboseInfo(b"inet_addr_local: configured 1 IPv4 addresses".to_vec()),
            ]
        );
    }

    #[test]
    fn netmask_failure_is_fatal_after_the_address() {
        let (mut sim, _) = kernel(1, Fit::Einval, Some(libc::ENXIO));
        assert_eq!(
            run(&mut sim, &[libc::AF_INET as u32]),
            vec![
                Event::Addr(v4(1)),
                Event::Fatal(
                    b"inet_addr_local[siocglif]: ioctl(SIOCGLIFNETMASK): No such device or address"
                        .to_vec()
                ),
            ]
        );
    }

    #[test]
    fn linux_has_no_siocglifconf() {
        let events = inet_addr_local(
            &[libc::AF_INET as u32],
            true,
            Config::named(b"siocglif").unwrap(),
            true,
            &mut crate::sys::System,
        );
        if cfg!(target_os = "linux") {
            assert_eq!(
                events,
                vec![Event::Fatal(b"inet_addr_local[siocglif]: ioctl SIOCGLIFCONF: Inappropriate ioctl for device".to_vec())]
            );
        }
    }
}
