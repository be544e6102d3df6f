//! sockaddr - the socket addresses pfinet's lists and the system share
//!
//! [`SockAddr`] is what Postfix keeps of a `struct sockaddr_in` or
//! `struct sockaddr_in6` in an INET_ADDR_LIST, read from the bytes a
//! kernel or the C library hands out ([`SockAddr::from_bytes`]). It sits
//! below both [`crate::sys`] (which produces them) and the address lists
//! (which keep them). No C functions; no diagnostics.

/// A socket address as Postfix keeps it in an INET_ADDR_LIST: the fields
/// that matter of a `sockaddr_in` or `sockaddr_in6` (port and flow label
/// are always zero in the lists pfinet builds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SockAddr {
    /// AF_INET: the address bytes.
    V4([u8; 4]),
    /// AF_INET6.
    V6 {
        /// The address bytes.
        addr: [u8; 16],
        /// sin6_scope_id.
        scope_id: u32,
    },
    /// Another family, as a kernel may report for a netmask.
    Other(u16),
}

impl SockAddr {
    /// Read a socket address from its bytes in memory (Linux and Solaris
    /// layout: sa_family first, sin_addr at 4, sin6_addr at 8, scope at 24;
    /// `family` overrides the stored family, as Postfix's netmask fix-ups
    /// do). Missing bytes read as zero.
    pub fn from_bytes(b: &[u8], family: Option<u16>) -> SockAddr {
        let byte = |i: usize| b.get(i).copied().unwrap_or(0);
        let family = family.unwrap_or_else(|| u16::from_ne_bytes([byte(0), byte(1)]));
        if family == libc::AF_INET as u16 {
            SockAddr::V4([byte(4), byte(5), byte(6), byte(7)])
        } else if family == libc::AF_INET6 as u16 {
            SockAddr::V6 {
                addr: std::array::from_fn(|i| byte(8 + i)),
                scope_id: u32::from_ne_bytes([byte(24), byte(25), byte(26), byte(27)]),
            }
        } else {
            SockAddr::Other(family)
        }
    }

    /// The address family number (AF_INET, AF_INET6, ...).
    pub fn family(&self) -> u16 {
        match self {
            SockAddr::V4(_) => libc::AF_INET as u16,
            SockAddr::V6 { .. } => libc::AF_INET6 as u16,
            SockAddr::Other(f) => *f,
        }
    }

    /// The all-zero address (INADDR_ANY, IN6_IS_ADDR_UNSPECIFIED).
    pub fn is_unspecified(&self) -> bool {
        match self {
            SockAddr::V4(a) => *a == [0; 4],
            SockAddr::V6 { addr, .. } => *addr == [0; 16],
            SockAddr::Other(_) => false,
        }
    }

    /// Postfix's SOCKADDR_TO_HOSTADDR() text: inet_ntop, no scope.
    pub fn hostaddr(&self) -> String {
        match self {
            SockAddr::V4(a) => crate::inet_pton::ntop4(a),
            SockAddr::V6 { addr, .. } => crate::inet_pton::ntop6(addr),
            SockAddr::Other(_) => String::new(),
        }
    }
}
