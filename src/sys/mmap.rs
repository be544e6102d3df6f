//! mmap - read-only file mappings, and plain data seen as bytes
//!
//! [`Mapping`] is a private read-only mapping of an open file (mmap(2),
//! MAP_POPULATE), unmapped when dropped; its bytes
//! are an ordinary slice. [`bytes_of`] and [`array_of`] reinterpret arrays
//! of plain integers ([`Plain`]: every bit pattern is a value) as bytes and
//! back, in native byte order: how a compiled cidr table is written and
//! then read in place from its mapping (cidr_file).
//!
//! DIAGNOSTICS: none; mmap(2)'s error comes back as an `std::io::Error`.

use std::os::fd::AsRawFd;

/// A file mapped read-only (private, never written), unmapped on drop.
pub struct Mapping {
    ptr: *mut libc::c_void,
    len: usize,
}

impl Mapping {
    /// Map the first `len` bytes (more than 0) of open file `file`.
    pub fn map(file: &std::fs::File, len: usize) -> std::io::Result<Mapping> {
        // SAFETY: a new read-only private mapping of an open file; the
        // kernel picks the address. MAP_POPULATE reads it in now.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_PRIVATE | libc::MAP_POPULATE,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Mapping { ptr, len })
    }

    /// The mapped bytes.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: ptr..ptr+len is a live read-only mapping (until Drop).
        unsafe { std::slice::from_raw_parts(self.ptr.cast::<u8>(), self.len) }
    }

    /// The mapping's length.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the mapping is empty (never: mmap(2) refuses length 0).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the mapping came from mmap() with this length and is not
        // used after this.
        unsafe { libc::munmap(self.ptr, self.len) };
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for u8 {}
    impl Sealed for u32 {}
    impl Sealed for u128 {}
}

/// Integer types every bit pattern of which is a value, without padding.
pub trait Plain: Copy + sealed::Sealed {}
impl Plain for u8 {}
impl Plain for u32 {}
impl Plain for u128 {}

/// A plain array's bytes (native byte order).
pub fn bytes_of<T: Plain>(a: &[T]) -> &[u8] {
    // SAFETY: u8 has no alignment or validity requirement; the slice
    // covers exactly the array's memory (Plain: no padding).
    unsafe { std::slice::from_raw_parts(a.as_ptr().cast::<u8>(), std::mem::size_of_val(a)) }
}

/// `bytes` as an array of T, or None when they are not aligned for T or
/// not a whole number of items.
pub fn array_of<T: Plain>(bytes: &[u8]) -> Option<&[T]> {
    // SAFETY: T is Plain: every bit pattern is a valid T; align_to puts
    // only whole, aligned items in the middle part.
    let (head, items, tail) = unsafe { bytes.align_to::<T>() };
    (head.is_empty() && tail.is_empty()).then_some(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_arrays_round_trip() {
        let a = [1u32, 0xdead_beef, 7];
        let b = bytes_of(&a);
        assert_eq!(b.len(), 12);
        assert_eq!(&b[4..8], &0xdead_beefu32.to_ne_bytes());
        assert_eq!(array_of::<u32>(b), Some(&a[..]));
        assert_eq!(array_of::<u32>(&b[..11]), None);
        assert_eq!(array_of::<u32>(&b[1..5]), None);
    }

    #[test]
    fn a_mapping_reads_the_file() {
        use std::io::Write;
        let path = std::env::temp_dir().join(format!("pfinet-mmap-{}", std::process::id()));
        std::fs::File::create(&path)
            .unwrap()
            .write_all(b"mapped")
            .unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let map = Mapping::map(&file, 6).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(map.bytes(), b"mapped");
        assert_eq!(map.len(), 6);
    }
}
