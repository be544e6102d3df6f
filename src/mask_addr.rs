//! mask_addr - mask off a variable-length address
//!
//! `void mask_addr(unsigned char *addr_bytes, unsigned addr_byte_count,
//! unsigned network_bits)` keeps the first `network_bits` bits of the
//! address and clears the rest (src/util/mask_addr.c).
//!
//! DIAGNOSTICS: a bit count larger than the address is a panic,
//! "mask_addr: address byte count %d too small for bit count %d".

/// Clear every bit of `addr` after the first `network_bits`.
pub fn mask_addr(addr: &mut [u8], network_bits: u32) -> Result<(), Vec<u8>> {
    if network_bits as u64 > addr.len() as u64 * 8 {
        return Err(format!(
            "mask_addr: address byte count {} too small for bit count {}",
            addr.len() as u32 as i32,
            network_bits as i32
        )
        .into_bytes());
    }
    let whole = (network_bits / 8) as usize;
    let rest = network_bits % 8;
    let mut p = whole;
    if rest != 0 {
        addr[p] &= (!0u32 << (8 - rest)) as u8;
        p += 1;
    }
    addr[p..].fill(0);
    Ok(())
}

/// The Postfix-named `extern "C"` functions and `#[repr(C)]` types of this module.
#[allow(unsafe_code)] // the Postfix-named C functions
pub mod abi {
    use crate::{ffi, host};

    /// Postfix: `void mask_addr(unsigned char *, unsigned, unsigned)`.
    ///
    /// # Safety
    /// `addr_bytes` points to `addr_byte_count` writable bytes.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn mask_addr(
        addr_bytes: *mut u8,
        addr_byte_count: libc::c_uint,
        network_bits: libc::c_uint,
    ) {
        ffi::postfix_boundary("mask_addr", || {
            if addr_bytes.is_null() && addr_byte_count > 0 {
                ffi::null_arg("mask_addr", "address");
            }
            let bytes = if addr_byte_count == 0 {
                &mut [][..]
            } else {
                // SAFETY: the caller passes addr_byte_count writable bytes,
                // as Postfix's own callers do; the pointer is not null.
                unsafe { std::slice::from_raw_parts_mut(addr_bytes, addr_byte_count as usize) }
            };
            if let Err(text) = super::mask_addr(bytes, network_bits) {
                host::panic(&text);
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_from_first_principles() {
        let mut a = [0xffu8; 4];
        mask_addr(&mut a, 20).unwrap();
        assert_eq!(a, [0xff, 0xff, 0xf0, 0]);
        let mut b = [0xabu8; 16];
        mask_addr(&mut b, 128).unwrap();
        assert_eq!(b, [0xab; 16]);
        mask_addr(&mut b, 0).unwrap();
        assert_eq!(b, [0; 16]);
        let mut c = [0xffu8; 4];
        mask_addr(&mut c, 1).unwrap();
        assert_eq!(c, [0x80, 0, 0, 0]);
    }

    #[test]
    fn too_many_bits_is_postfix_panic_text() {
        let mut a = [0u8; 4];
        assert_eq!(
            mask_addr(&mut a, 33).unwrap_err(),
            b"mask_addr: address byte count 4 too small for bit count 33"
        );
    }
}
