//! sys - the system calls behind pfinet, behind a seam
//!
//! [`Sys`] is what pfinet asks of the system: getifaddrs(3), a datagram
//! socket for interface ioctls, a file's contents (inet_addr_local), and
//! getaddrinfo(3) plus a socket() probe (inet_addr_host, for
//! inet_interfaces). [`System`] is the real thing; tests substitute a
//! simulated kernel, which is how SIOCGLIFCONF (Solaris, absent on Linux)
//! is tested. This folder holds the only unsafe code behind these
//! modules, and nothing above it calls the kernel directly:
//!
//! - `seam`: the [`Sys`] and [`IoctlSocket`] traits, [`Ifaddr`]; the fake
//!   used by unit tests;
//! - `netlink` (Linux): getifaddrs over rtnetlink;
//! - `solaris`: SIOCGLIFCONF/SIOCGLIFNETMASK (the raw calls only on
//!   Solaris and illumos);
//! - `ioctl`: the ioctl socket (SIOCGIFCONF, SIOCGIFNETMASK);
//! - `system`: [`System`], getaddrinfo(3), the C library's getifaddrs(3);
//! - `mmap`: read-only file mappings and plain-data views of their bytes
//!   (compiled cidr tables).
//!
//! No C functions. Errors are errno or EAI_* values; no diagnostics.

pub mod ioctl;
pub mod mmap;
#[cfg(target_os = "linux")]
pub mod netlink;
pub mod seam;
pub mod solaris;
pub mod system;

#[cfg(test)]
pub use seam::FakeSys;
pub use seam::{Ifaddr, IoctlSocket, Sys};
pub use system::{System, libc_getaddrinfo, libc_getifaddrs};
