//! match_hostaddr(): stock Postfix's against the one a Postfix built with
//! pfinet has (stock's match_ops.c with patches/postfix-pfinet.patch, which
//! calls pfinet's match_hostaddr_literal() for the address part).
//!
//! Input: one flag byte (bits 0-1: msg_verbose), the client address, a NUL,
//! the pattern (up to the next NUL). Dictionary patterns (type:table) are
//! skipped: that code is the same C on both sides. Compared: the result,
//! list->error, every message (the verbose trace and match_error()'s
//! warning).
#![no_main]
use libfuzzer_sys::fuzz_target;
use pfinet_fuzz::{c_text, check, fields, pfinet_fuzz_match_hostaddr, set_verbose, side};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let parts = fields(rest);
    let (addr, pattern) = (c_text(parts[0]), c_text(parts.get(1).unwrap_or(&&b""[..])));
    // Postfix's MATCH_DICTIONARY().
    let p = pattern.as_bytes();
    if p.first() != Some(&b'[') && p.contains(&b':') {
        return;
    }
    set_verbose(libc::c_int::from(flags & 3));
    let run = |patched| {
        side(|| {
            let mut error = 0;
            // SAFETY: C strings and an int to write.
            let rc = unsafe {
                pfinet_fuzz_match_hostaddr(patched, addr.as_ptr(), pattern.as_ptr(), &mut error)
            };
            (rc, error)
        })
    };
    let (stock, pfinet) = (run(0), run(1));
    set_verbose(0);
    check("match_hostaddr", data, &stock, &pfinet);
});
