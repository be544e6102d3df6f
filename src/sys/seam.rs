//! seam - what pfinet asks of the system, as traits
//!
//! [`Sys`] is what inet_addr_local, own_inet_addr and mynetworks need from
//! the system: getifaddrs(3) entries ([`Ifaddr`]), a datagram socket for
//! the interface ioctls ([`IoctlSocket`]), a file's contents, and
//! getaddrinfo(3) plus a socket() probe. [`crate::sys::System`] is the
//! running kernel; unit tests substitute `FakeSys` (and their own
//! [`IoctlSocket`]s: a simulated kernel). No unsafe code; no diagnostics
//! (errors are errno or EAI_* values).

use crate::sockaddr::SockAddr;

/// One getifaddrs(3) entry: flags, address, and the netmask read as the
/// address's family (as Postfix reads it after fixing sa_family).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ifaddr {
    /// ifa_flags.
    pub flags: u32,
    /// ifa_addr, if any.
    pub addr: Option<SockAddr>,
    /// ifa_netmask, if any.
    pub netmask: Option<SockAddr>,
}

/// An ioctl socket: SIOCGIFCONF/SIOCGIFNETMASK and the Solaris
/// SIOCGLIFCONF/SIOCGLIFNETMASK. Buffers are raw records in the kernel's
/// layout (`struct ifreq`, `struct lifreq`).
pub trait IoctlSocket {
    /// SIOCGIFCONF with a buffer of `len` bytes: the bytes filled.
    fn siocgifconf(&mut self, len: usize) -> Result<Vec<u8>, i32>;
    /// SIOCGIFNETMASK on a copy of one `struct ifreq`: the result record.
    fn siocgifnetmask(&mut self, ifreq: &[u8]) -> Result<Vec<u8>, i32>;
    /// SIOCGLIFCONF (lifc_family AF_UNSPEC) with a buffer of `len` bytes.
    fn siocglifconf(&mut self, len: usize) -> Result<Vec<u8>, i32>;
    /// SIOCGLIFNETMASK on a copy of one `struct lifreq`.
    fn siocglifnetmask(&mut self, lifreq: &[u8]) -> Result<Vec<u8>, i32>;
}

/// What inet_addr_local needs from the system. Errors are errno values.
pub trait Sys {
    /// getifaddrs(3)'s entries of the address families in `families`.
    fn getifaddrs(&mut self, families: &[i32]) -> Result<Vec<Ifaddr>, i32>;
    /// The same from the C library's getifaddrs(3) itself, where
    /// [`Sys::getifaddrs`] reads the kernel's tables directly (Linux): what
    /// an LD_PRELOAD shim of getifaddrs() can change (fault injection).
    fn libc_getifaddrs(&mut self, families: &[i32]) -> Result<Vec<Ifaddr>, i32> {
        self.getifaddrs(families)
    }
    /// socket(af, SOCK_DGRAM, 0).
    fn ioctl_socket(&mut self, af: i32) -> Result<Box<dyn IoctlSocket>, i32>;
    /// A file's contents; Err only when it cannot be opened.
    fn read_file(&mut self, path: &str) -> Result<Vec<u8>, i32>;
    /// getaddrinfo(host, NULL, {ai_family = family, ai_socktype =
    /// SOCK_STREAM}): the addresses in order, or the EAI_* error.
    fn getaddrinfo(&mut self, host: &[u8], family: i32) -> Result<Vec<SockAddr>, i32>;
    /// socket(family, SOCK_STREAM, 0), closed at once.
    fn stream_socket(&mut self, family: i32) -> Result<(), i32>;
}

/// A simulated system for unit tests: getifaddrs() answers from a list,
/// ioctl sockets come from a factory, names resolve as numeric addresses or
/// from a table; what a test leaves unset fails as a missing facility would.
#[cfg(test)]
#[derive(Default)]
pub struct FakeSys {
    /// What getifaddrs() answers (None: ENOSYS).
    pub ifaddrs: Option<Result<Vec<Ifaddr>, i32>>,
    /// Makes the sockets the ioctl lookups use (None: ENOSYS).
    pub ioctl: Option<Box<dyn Fn() -> Box<dyn IoctlSocket>>>,
    /// Host names and their addresses.
    pub names: Vec<(&'static [u8], Vec<SockAddr>)>,
}

#[cfg(test)]
impl Sys for FakeSys {
    fn getifaddrs(&mut self, _: &[i32]) -> Result<Vec<Ifaddr>, i32> {
        self.ifaddrs.clone().unwrap_or(Err(libc::ENOSYS))
    }
    fn ioctl_socket(&mut self, _af: i32) -> Result<Box<dyn IoctlSocket>, i32> {
        self.ioctl.as_ref().map(|make| make()).ok_or(libc::ENOSYS)
    }
    fn read_file(&mut self, _: &str) -> Result<Vec<u8>, i32> {
        Err(libc::ENOENT)
    }
    fn getaddrinfo(&mut self, host: &[u8], _: i32) -> Result<Vec<SockAddr>, i32> {
        if let Some(a) = crate::inet_pton::pton4(host) {
            return Ok(vec![SockAddr::V4(a)]);
        }
        if let Some(addr) = crate::inet_pton::pton6(host) {
            return Ok(vec![SockAddr::V6 { addr, scope_id: 0 }]);
        }
        self.names
            .iter()
            .find(|(n, _)| *n == host)
            .map(|(_, a)| a.clone())
            .ok_or(libc::EAI_NONAME)
    }
    fn stream_socket(&mut self, _: i32) -> Result<(), i32> {
        Ok(())
    }
}
