//! valid_mailhost_addr() and valid_mailhost_literal().
//!
//! Input: one flag byte (bit 0: DO_GRIPE), then the text (up to a NUL).
//! Compared: where valid_mailhost_addr()'s result points into the text
//! (or that it is null), valid_mailhost_literal()'s result, every warning.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pfinet::internal::valid_mailhost_addr::abi as pf;
use pfinet_fuzz::{check, gripe_and_text, side, stock::*};
use std::ffi::c_char;

fn offset(text: *const c_char, result: *const c_char) -> Option<isize> {
    // SAFETY: a non-null result points into `text` (both sides' contract;
    // offset_from is only computed for the comparison).
    (!result.is_null()).then(|| unsafe { result.offset_from(text) })
}

fuzz_target!(|data: &[u8]| {
    let Some((gripe, text)) = gripe_and_text(data) else {
        return;
    };
    let t = text.as_ptr();
    // SAFETY: C strings; the functions only read them.
    let stock = side(|| unsafe {
        (
            offset(t, stock_valid_mailhost_addr(t, gripe)),
            stock_valid_mailhost_literal(t, gripe),
        )
    });
    // SAFETY: as above.
    let pfinet = side(|| unsafe {
        (
            offset(t, pf::valid_mailhost_addr(t, gripe)),
            pf::valid_mailhost_literal(t, gripe),
        )
    });
    check("valid_mailhost", data, &stock, &pfinet);
});
