//! solaris - SIOCGLIFCONF and SIOCGLIFNETMASK (Solaris, illumos)
//!
//! The Solaris/illumos successor of SIOCGIFCONF lists the addresses of
//! every family as `struct lifreq` records (376 bytes on illumos amd64,
//! `lifr_addr` at offset 40); SIOCGLIFNETMASK answers one record's netmask
//! in place. [`siocglifconf`] and [`siocglifnetmask`] are the buffer
//! handling around the two ioctls, compiled everywhere and unit-tested on
//! Linux against a mocked kernel ([`LifIoctl`]); only the raw ioctl(2)
//! calls (`Fd`, written from illumos's <net/if.h> and <sys/sockio.h>,
//! amd64 request numbers) are compiled on Solaris and illumos alone.
//! inet_addr_local's siocglif method reads the records.
//!
//! DIAGNOSTICS: none; errors are errno values (EINVAL for a buffer larger
//! than `lifc_len` can say).

use libc::c_int;

/// sizeof(struct lifreq) and offsetof(struct lifreq, lifr_addr) (illumos).
pub const LIFREQ_SIZE: usize = 376;
/// Offset of lifr_addr in struct lifreq.
pub const LIFR_ADDR: usize = 40;

/// The raw ioctl(2) calls on a socket: the kernel (`Fd`) or a mock.
pub trait LifIoctl {
    /// ioctl(SIOCGLIFCONF) with `struct lifconf` { lifc_family =
    /// AF_UNSPEC, lifc_flags = 0, lifc_len = `buf.len()` (which fits a
    /// c_int), lifc_buf = `buf` }: the `lifc_len` the kernel sets.
    fn lifconf(&mut self, buf: &mut [u8]) -> Result<c_int, i32>;
    /// ioctl(SIOCGLIFNETMASK) on one `struct lifreq`, in place.
    fn lifnetmask(&mut self, lifreq: &mut [u8; LIFREQ_SIZE]) -> Result<(), i32>;
}

/// SIOCGLIFCONF with a buffer of `len` bytes: the bytes the kernel filled
/// (never more than `len`).
pub fn siocglifconf(k: &mut dyn LifIoctl, len: usize) -> Result<Vec<u8>, i32> {
    c_int::try_from(len).map_err(|_| libc::EINVAL)?;
    let mut buf = vec![0u8; len];
    let filled = k.lifconf(&mut buf)?;
    buf.truncate(usize::try_from(filled).unwrap_or(0).min(len));
    Ok(buf)
}

/// SIOCGLIFNETMASK on a copy of one `struct lifreq` (cut or padded with
/// zeros to its size): the record the kernel returned.
pub fn siocglifnetmask(k: &mut dyn LifIoctl, lifreq: &[u8]) -> Result<Vec<u8>, i32> {
    let mut req = [0u8; LIFREQ_SIZE];
    let n = lifreq.len().min(LIFREQ_SIZE);
    req[..n].copy_from_slice(&lifreq[..n]);
    k.lifnetmask(&mut req)?;
    Ok(req.to_vec())
}

/// A socket of the running Solaris or illumos kernel.
#[cfg(any(target_os = "illumos", target_os = "solaris"))]
pub struct Fd(pub c_int);

#[cfg(any(target_os = "illumos", target_os = "solaris"))]
mod raw {
    use super::{Fd, LIFREQ_SIZE, LifIoctl};
    use libc::{c_char, c_int};

    #[repr(C)]
    struct lifconf {
        lifc_family: libc::sa_family_t,
        lifc_flags: c_int,
        lifc_len: c_int,
        lifc_buf: *mut c_char,
    }

    const SIOCGLIFCONF: u32 = 0xc010_69a5;
    const SIOCGLIFNETMASK: u32 = 0xc078_697d;

    fn errno() -> i32 {
        std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
    }

    impl LifIoctl for Fd {
        fn lifconf(&mut self, buf: &mut [u8]) -> Result<c_int, i32> {
            let mut lifc = lifconf {
                lifc_family: libc::AF_UNSPEC as libc::sa_family_t,
                lifc_flags: 0,
                lifc_len: c_int::try_from(buf.len()).map_err(|_| libc::EINVAL)?,
                lifc_buf: buf.as_mut_ptr().cast(),
            };
            // SAFETY: the kernel writes at most lifc_len bytes into buf,
            // which lives through the call.
            if unsafe { libc::ioctl(self.0, SIOCGLIFCONF as _, &mut lifc) } < 0 {
                return Err(errno());
            }
            Ok(lifc.lifc_len)
        }

        fn lifnetmask(&mut self, lifreq: &mut [u8; LIFREQ_SIZE]) -> Result<(), i32> {
            // SAFETY: SIOCGLIFNETMASK reads and writes one struct lifreq,
            // which `lifreq` holds (8-byte alignment is not required by
            // the kernel's copyin).
            if unsafe { libc::ioctl(self.0, SIOCGLIFNETMASK as _, lifreq.as_mut_ptr()) } < 0 {
                return Err(errno());
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    //! A mocked SIOCGLIFCONF kernel: what it is asked, what it answers.
    use super::*;

    struct Mock {
        /// The bytes the kernel has (written up to the buffer's length).
        data: Vec<u8>,
        /// The lifc_len it sets (None: the bytes it wrote).
        says: Option<c_int>,
        /// Fail with this errno.
        errno: Option<i32>,
        asked: Vec<usize>,
    }

    impl Mock {
        fn new(data: Vec<u8>) -> Mock {
            Mock {
                data,
                says: None,
                errno: None,
                asked: Vec::new(),
            }
        }
    }

    impl LifIoctl for Mock {
        fn lifconf(&mut self, buf: &mut [u8]) -> Result<c_int, i32> {
            self.asked.push(buf.len());
            if let Some(e) = self.errno {
                return Err(e);
            }
            let n = self.data.len().min(buf.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            Ok(self.says.unwrap_or(n as c_int))
        }
        fn lifnetmask(&mut self, lifreq: &mut [u8; LIFREQ_SIZE]) -> Result<(), i32> {
            if let Some(e) = self.errno {
                return Err(e);
            }
            self.asked.push(lifreq.len());
            lifreq[LIFR_ADDR..LIFR_ADDR + 8].copy_from_slice(&[2, 0, 0, 0, 255, 255, 255, 0]);
            Ok(())
        }
    }

    #[test]
    fn conf_returns_what_the_kernel_filled() {
        let mut k = Mock::new(vec![7; 2 * LIFREQ_SIZE]);
        assert_eq!(
            siocglifconf(&mut k, 4 * LIFREQ_SIZE),
            Ok(vec![7; 2 * LIFREQ_SIZE])
        );
        assert_eq!(k.asked, [4 * LIFREQ_SIZE]);
        // A tight fit: the kernel fills the whole buffer.
        assert_eq!(siocglifconf(&mut k, 100), Ok(vec![7; 100]));
    }

    #[test]
    fn conf_length_is_bounded_by_the_buffer() {
        let mut k = Mock::new(vec![1; 64]);
        k.says = Some(1 << 20);
        assert_eq!(siocglifconf(&mut k, 64).map(|b| b.len()), Ok(64));
        k.says = Some(-1);
        assert_eq!(siocglifconf(&mut k, 64), Ok(Vec::new()));
    }

    #[test]
    fn conf_errors_are_the_kernels() {
        let mut k = Mock::new(Vec::new());
        k.errno = Some(libc::EINVAL);
        assert_eq!(siocglifconf(&mut k, 1024), Err(libc::EINVAL));
        k.errno = None;
        // A length lifc_len cannot hold is EINVAL before any call.
        assert_eq!(
            siocglifconf(&mut k, c_int::MAX as usize + 1),
            Err(libc::EINVAL)
        );
        assert_eq!(k.asked, [1024]);
    }

    #[test]
    fn netmask_sends_one_whole_record() {
        let mut k = Mock::new(Vec::new());
        let mut short = vec![0u8; LIFR_ADDR];
        short[..3].copy_from_slice(b"ne0");
        let reply = siocglifnetmask(&mut k, &short).unwrap();
        assert_eq!(reply.len(), LIFREQ_SIZE);
        assert_eq!(&reply[..3], b"ne0");
        assert_eq!(&reply[LIFR_ADDR + 4..LIFR_ADDR + 8], [255, 255, 255, 0]);
        let long = vec![9u8; LIFREQ_SIZE + 10];
        assert_eq!(siocglifnetmask(&mut k, &long).unwrap()[LIFREQ_SIZE - 1], 9);
        k.errno = Some(libc::ENXIO);
        assert_eq!(siocglifnetmask(&mut k, &short), Err(libc::ENXIO));
    }
}
