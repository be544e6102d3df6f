//! valid_hostaddr(), valid_ipv4_hostaddr(), valid_ipv6_hostaddr().
//!
//! Input: one flag byte (bit 0: DO_GRIPE), then the address text (up to a
//! NUL). Compared: the three results and every warning.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pfinet::internal::valid_hostaddr::abi as pf;
use pfinet_fuzz::{check, gripe_and_text, side, stock::*};

fuzz_target!(|data: &[u8]| {
    let Some((gripe, addr)) = gripe_and_text(data) else {
        return;
    };
    let a = addr.as_ptr();
    // SAFETY: C strings; the functions only read them.
    let stock = side(|| unsafe {
        [
            stock_valid_hostaddr(a, gripe),
            stock_valid_ipv4_hostaddr(a, gripe),
            stock_valid_ipv6_hostaddr(a, gripe),
        ]
    });
    // SAFETY: as above.
    let pfinet = side(|| unsafe {
        [
            pf::valid_hostaddr(a, gripe),
            pf::valid_ipv4_hostaddr(a, gripe),
            pf::valid_ipv6_hostaddr(a, gripe),
        ]
    });
    check("valid_hostaddr", data, &stock, &pfinet);
});
