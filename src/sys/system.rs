//! system - the running kernel and C library behind [`Sys`]
//!
//! [`System`] answers [`Sys`] with the real calls: getifaddrs over
//! rtnetlink on Linux ([`crate::sys::netlink`]), the C library's
//! getifaddrs(3) elsewhere ([`libc_getifaddrs`]), getaddrinfo(3) (with
//! glibc's numeric fast path done here, [`libc_getaddrinfo`] for the rest),
//! socket(2) for the ioctl socket ([`crate::sys::ioctl`]) and the probe,
//! and file reads as Postfix's fopen()/fgets() see them. Errors are errno
//! or EAI_* values.

use crate::sockaddr::SockAddr;
use crate::sys::ioctl::Socket;
use crate::sys::seam::{Ifaddr, IoctlSocket, Sys};

/// The running kernel.
pub struct System;

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// A socket address at `p`: `len` bytes read into a zeroed buffer.
///
/// # Safety
/// `p` is readable for `len` bytes.
unsafe fn sockaddr_at(p: *const u8, len: usize, family: Option<u16>) -> SockAddr {
    let mut buf = [0u8; 32];
    let n = len.min(buf.len());
    // SAFETY: the caller vouches for `len` readable bytes; n <= len.
    unsafe { std::ptr::copy_nonoverlapping(p, buf.as_mut_ptr(), n) };
    SockAddr::from_bytes(&buf, family)
}

/// Copy `len` bytes at `p` (null: none).
///
/// # Safety
/// `p` is null or readable for `len` bytes.
unsafe fn copy(p: *const u8, len: usize) -> Vec<u8> {
    if p.is_null() {
        return Vec::new();
    }
    // SAFETY: the caller vouches for `len` readable bytes.
    unsafe { std::slice::from_raw_parts(p, len) }.to_vec()
}

fn sa_len(family: i32) -> usize {
    if family == libc::AF_INET6 {
        std::mem::size_of::<libc::sockaddr_in6>()
    } else if family == libc::AF_INET {
        std::mem::size_of::<libc::sockaddr_in>()
    } else {
        std::mem::size_of::<libc::sockaddr>()
    }
}

/// getaddrinfo()'s answer for a plain numeric address of the family
/// asked for, without the call: glibc tries inet_aton() and then
/// inet_pton(AF_INET6) on the text and returns the one address found
/// (scope 0 without a "%" suffix). Only texts that inet_pton() accepts
/// take this path (for them inet_aton() gives the same address); anything
/// else, including a family mismatch, goes to getaddrinfo() itself.
fn numeric_host(host: &[u8], family: i32) -> Option<SockAddr> {
    let wants = |f: i32| family == libc::AF_UNSPEC || family == f;
    if let Some(a) = crate::inet_pton::pton4(host) {
        return wants(libc::AF_INET).then_some(SockAddr::V4(a));
    }
    let addr = crate::inet_pton::pton6(host)?;
    wants(libc::AF_INET6).then_some(SockAddr::V6 { addr, scope_id: 0 })
}

/// getaddrinfo(3) itself: `host` in `family`, SOCK_STREAM.
pub fn libc_getaddrinfo(host: &[u8], family: i32) -> Result<Vec<SockAddr>, i32> {
    let host = std::ffi::CString::new(host).map_err(|_| libc::EAI_NONAME)?;
    // SAFETY: addrinfo is plain data; all-zero is a valid hints value.
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_family = family;
    hints.ai_socktype = libc::SOCK_STREAM;
    let mut res: *mut libc::addrinfo = std::ptr::null_mut();
    // SAFETY: host and hints are valid; res receives a list freed below.
    let err = unsafe { libc::getaddrinfo(host.as_ptr(), std::ptr::null(), &hints, &mut res) };
    if err != 0 {
        return Err(err);
    }
    let mut out = Vec::new();
    let mut p = res;
    while !p.is_null() {
        // SAFETY: p is an entry of the list getaddrinfo returned;
        // ai_addr holds ai_addrlen bytes.
        let ai = unsafe { &*p };
        // SAFETY: as above: ai_addr holds ai_addrlen bytes (or is null).
        let bytes = unsafe { copy(ai.ai_addr.cast(), ai.ai_addrlen as usize) };
        out.push(SockAddr::from_bytes(&bytes, None));
        p = ai.ai_next;
    }
    // SAFETY: res came from getaddrinfo and is freed once.
    unsafe { libc::freeaddrinfo(res) };
    Ok(out)
}

/// The C library's getifaddrs(3), every entry. On Linux pfinet asks the
/// kernel itself ([`crate::sys::netlink`], same entries, a fraction of the
/// time); tests compare the two.
pub fn libc_getifaddrs() -> Result<Vec<Ifaddr>, i32> {
    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs writes a list head we free below.
    if unsafe { libc::getifaddrs(&mut head) } < 0 {
        return Err(errno());
    }
    let mut out = Vec::new();
    let mut p = head;
    while !p.is_null() {
        // SAFETY: p is a live entry of the list getifaddrs returned;
        // ifa_addr/ifa_netmask are null or point to socket addresses
        // of at least the size of their family (the netmask is read
        // with the address's family, as Postfix does: glibc stores
        // both in storage large enough for sockaddr_in6).
        let ifa = unsafe { &*p };
        let (addr, netmask) = if ifa.ifa_addr.is_null() {
            (None, None)
        } else {
            // SAFETY: as above: ifa_addr points to a socket address.
            let family = i32::from(unsafe { (*ifa.ifa_addr).sa_family });
            let len = sa_len(family);
            let m = (!ifa.ifa_netmask.is_null()).then(|| {
                // SAFETY: as above: the netmask is as large as the address.
                unsafe { sockaddr_at(ifa.ifa_netmask.cast(), len, Some(family as u16)) }
            });
            // SAFETY: as above: the address holds `len` bytes.
            (
                Some(unsafe { sockaddr_at(ifa.ifa_addr.cast(), len, None) }),
                m,
            )
        };
        out.push(Ifaddr {
            flags: ifa.ifa_flags,
            addr,
            netmask,
        });
        p = ifa.ifa_next;
    }
    // SAFETY: head came from getifaddrs and is freed once.
    unsafe { libc::freeifaddrs(head) };
    Ok(out)
}

impl Sys for System {
    fn getifaddrs(&mut self, families: &[i32]) -> Result<Vec<Ifaddr>, i32> {
        #[cfg(target_os = "linux")]
        return crate::sys::netlink::getifaddrs(families);
        #[cfg(not(target_os = "linux"))]
        return self.libc_getifaddrs(families);
    }

    fn libc_getifaddrs(&mut self, families: &[i32]) -> Result<Vec<Ifaddr>, i32> {
        Ok(libc_getifaddrs()?
            .into_iter()
            .filter(|e| {
                e.addr
                    .as_ref()
                    .is_some_and(|a| families.contains(&i32::from(a.family())))
            })
            .collect())
    }

    fn ioctl_socket(&mut self, af: i32) -> Result<Box<dyn IoctlSocket>, i32> {
        // SAFETY: socket() has no memory preconditions.
        let fd = unsafe { libc::socket(af, libc::SOCK_DGRAM, 0) };
        if fd < 0 {
            return Err(errno());
        }
        use std::os::fd::FromRawFd;
        // SAFETY: fd is a fresh, open descriptor that nobody else owns.
        Ok(Box::new(Socket(unsafe {
            std::os::fd::OwnedFd::from_raw_fd(fd)
        })))
    }

    /// As Postfix reads with fopen() and fgets(): only opening can fail;
    /// a read error ends the data as the end of the file would (so a
    /// directory reads as empty).
    fn read_file(&mut self, path: &str) -> Result<Vec<u8>, i32> {
        use std::io::Read;
        let mut file =
            std::fs::File::open(path).map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))?;
        let mut data = Vec::new();
        // On a read error, the bytes read before it are in `data`.
        let _ = file.read_to_end(&mut data);
        Ok(data)
    }

    fn getaddrinfo(&mut self, host: &[u8], family: i32) -> Result<Vec<SockAddr>, i32> {
        if let Some(sa) = numeric_host(host, family) {
            return Ok(vec![sa]);
        }
        libc_getaddrinfo(host, family)
    }

    fn stream_socket(&mut self, family: i32) -> Result<(), i32> {
        // SAFETY: socket() has no memory preconditions; the descriptor is
        // closed right away.
        let fd = unsafe { libc::socket(family, libc::SOCK_STREAM, 0) };
        if fd < 0 {
            return Err(errno());
        }
        // SAFETY: fd is ours and open.
        unsafe { libc::close(fd) };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts near the numeric forms: the fast path must give exactly what
    /// getaddrinfo() gives, or leave the text to it.
    fn texts() -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = [
            "1.2.3.4",
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.",
            "0x1.2.3.4",
            "1.2.3.4 ",
            " 1.2.3.4",
            "127.1",
            "::",
            "::1",
            "::ffff:1.2.3.4",
            "2001:db8::1",
            "2001:DB8::1",
            "fe80::1%1",
            "fe80::1%lo",
            "1::2::3",
            "::1.2.3",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8:9",
            "[::1]",
            "localhost",
            "",
            "1.2.3.4%1",
            "0:0:0:0:0:0:1.2.3.4",
            "12345::1",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let alphabet = b"0123456789abcdefx:.%";
        for _ in 0..3000 {
            let mut t = Vec::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            for k in 0..(seed % 16) {
                t.push(alphabet[((seed >> (4 + k * 3)) % alphabet.len() as u64) as usize]);
            }
            out.push(t);
        }
        out
    }

    #[test]
    fn numeric_fast_path_equals_getaddrinfo() {
        let mut taken = 0;
        for text in texts() {
            for family in [libc::AF_UNSPEC, libc::AF_INET, libc::AF_INET6] {
                if let Some(sa) = numeric_host(&text, family) {
                    taken += 1;
                    assert_eq!(
                        libc_getaddrinfo(&text, family),
                        Ok(vec![sa]),
                        "{:?} family {family}",
                        String::from_utf8_lossy(&text)
                    );
                }
            }
        }
        assert!(taken > 20, "fast path taken only {taken} times");
    }
}
