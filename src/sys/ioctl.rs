//! ioctl - the interface ioctls on a datagram socket
//!
//! [`Socket`] is the running kernel's [`IoctlSocket`]: SIOCGIFCONF and
//! SIOCGIFNETMASK (`struct ifreq` records as Linux lays them out), and,
//! on Solaris and illumos, SIOCGLIFCONF and SIOCGLIFNETMASK through
//! [`crate::sys::solaris`]; elsewhere those answer ENOTTY, as a kernel
//! without them would. Errors are errno values.

use std::os::fd::OwnedFd;

use crate::sys::seam::IoctlSocket;
#[cfg(any(target_os = "illumos", target_os = "solaris"))]
use crate::sys::solaris;

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Copy `len` bytes at `p`.
///
/// # Safety
/// `p` is readable for `len` bytes.
unsafe fn copy(p: *const u8, len: usize) -> Vec<u8> {
    // SAFETY: the caller vouches for `len` readable bytes.
    unsafe { std::slice::from_raw_parts(p, len) }.to_vec()
}

/// A datagram socket for the interface ioctls (closed on drop).
pub struct Socket(pub OwnedFd);

impl Socket {
    fn fd(&self) -> i32 {
        use std::os::fd::AsRawFd;
        self.0.as_raw_fd()
    }
}

impl IoctlSocket for Socket {
    fn siocgifconf(&mut self, len: usize) -> Result<Vec<u8>, i32> {
        let mut buf = vec![0u8; len];
        // SAFETY: ifconf is plain data; all-zero is valid.
        let mut ifc: libc::ifconf = unsafe { std::mem::zeroed() };
        ifc.ifc_len = i32::try_from(len).map_err(|_| libc::EINVAL)?;
        ifc.ifc_ifcu.ifcu_buf = buf.as_mut_ptr().cast();
        // SAFETY: SIOCGIFCONF writes at most ifc_len bytes into buf, which
        // lives through the call.
        if unsafe { libc::ioctl(self.fd(), libc::SIOCGIFCONF, &mut ifc) } < 0 {
            return Err(errno());
        }
        buf.truncate(usize::try_from(ifc.ifc_len).unwrap_or(0).min(len));
        Ok(buf)
    }

    fn siocgifnetmask(&mut self, ifreq: &[u8]) -> Result<Vec<u8>, i32> {
        // SAFETY: ifreq is plain data; all-zero is valid.
        let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
        let n = ifreq.len().min(std::mem::size_of::<libc::ifreq>());
        // SAFETY: n bytes fit in req.
        unsafe { std::ptr::copy_nonoverlapping(ifreq.as_ptr(), (&raw mut req).cast::<u8>(), n) };
        // SAFETY: SIOCGIFNETMASK reads and writes one struct ifreq.
        if unsafe { libc::ioctl(self.fd(), libc::SIOCGIFNETMASK, &mut req) } < 0 {
            return Err(errno());
        }
        // SAFETY: req is a plain struct of this size.
        Ok(unsafe { copy((&raw const req).cast(), std::mem::size_of::<libc::ifreq>()) })
    }

    #[cfg(any(target_os = "illumos", target_os = "solaris"))]
    fn siocglifconf(&mut self, len: usize) -> Result<Vec<u8>, i32> {
        solaris::siocglifconf(&mut solaris::Fd(self.fd()), len)
    }

    #[cfg(any(target_os = "illumos", target_os = "solaris"))]
    fn siocglifnetmask(&mut self, lifreq: &[u8]) -> Result<Vec<u8>, i32> {
        solaris::siocglifnetmask(&mut solaris::Fd(self.fd()), lifreq)
    }

    /// No SIOCGLIFCONF outside Solaris and illumos: the kernel would say
    /// "inappropriate ioctl".
    #[cfg(not(any(target_os = "illumos", target_os = "solaris")))]
    fn siocglifconf(&mut self, _len: usize) -> Result<Vec<u8>, i32> {
        Err(libc::ENOTTY)
    }

    #[cfg(not(any(target_os = "illumos", target_os = "solaris")))]
    fn siocglifnetmask(&mut self, _lifreq: &[u8]) -> Result<Vec<u8>, i32> {
        Err(libc::ENOTTY)
    }
}
