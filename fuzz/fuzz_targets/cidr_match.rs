//! cidr_match_parse(), cidr_match_parse_if(), cidr_match_endif() and
//! cidr_match_execute(), on a small rule list as dict_cidr builds one.
//!
//! Input: the address to look up, then rules, each after a NUL: one op
//! byte, then the pattern. Op bits 0-1: 0 or 3 cidr_match_parse(), 1
//! cidr_match_parse_if() (an IF), 2 cidr_match_endif() (an ENDIF; one
//! without an open IF is dropped, as dict_cidr drops it); bit 2: match is
//! CIDR_MATCH_FALSE; bit 3: pass a VSTRING for the error text instead of
//! null. Rules that do not parse are dropped; the rest are linked (next,
//! and block_end from each IF to its ENDIF) and the address is looked up.
//! Compared: each rule's error text or every field of its CIDR_MATCH
//! (zeroed before), whether the passed VSTRING came back, and which rule
//! cidr_match_execute() returns.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pfinet::internal::cidr_match::abi as pf;
use pfinet_fuzz::{CIDR_MATCH, VSTRING, c_text, check, fields, side, stock::*, take_vstring};
use pfinet_fuzz::{vstring_alloc, vstring_strcpy};
use std::ffi::{c_char, c_int};

const MAX_RULES: usize = 16;

type Parse =
    unsafe extern "C" fn(*mut CIDR_MATCH, *mut c_char, c_int, *mut VSTRING) -> *mut VSTRING;

/// One implementation's four functions.
struct Cidr {
    parse: Parse,
    parse_if: Parse,
    endif: unsafe extern "C" fn(*mut CIDR_MATCH),
    execute: unsafe extern "C" fn(*mut CIDR_MATCH, *const c_char) -> *mut CIDR_MATCH,
}

const STOCK: Cidr = Cidr {
    parse: stock_cidr_match_parse,
    parse_if: stock_cidr_match_parse_if,
    endif: stock_cidr_match_endif,
    execute: stock_cidr_match_execute,
};

const PFINET: Cidr = Cidr {
    parse: pf::cidr_match_parse,
    parse_if: pf::cidr_match_parse_if,
    endif: pf::cidr_match_endif,
    execute: pf::cidr_match_execute,
};

fn describe(m: &CIDR_MATCH) -> String {
    format!(
        "op={} match={} family={} bytes={} bits={} shift={} net={:02x?} mask={:02x?} next={} block_end={}",
        m.op,
        m.r#match,
        m.addr_family,
        m.addr_byte_count,
        m.addr_bit_count,
        m.mask_shift,
        m.net_bytes,
        m.mask_bytes,
        !m.next.is_null(),
        !m.block_end.is_null()
    )
}

/// Parse one rule: its description (or error) and the entry if it parsed.
///
/// # Safety
/// The functions of `c` are cidr_match's.
unsafe fn rule(c: &Cidr, op: u8, pattern: &[u8]) -> (String, Option<Box<CIDR_MATCH>>) {
    // SAFETY: all-zero bytes are a valid CIDR_MATCH (null pointers).
    let mut m: Box<CIDR_MATCH> = Box::new(unsafe { std::mem::zeroed() });
    if op & 3 == 2 {
        // SAFETY: a writable CIDR_MATCH.
        unsafe { (c.endif)(&mut *m) };
        return (describe(&m), Some(m));
    }
    let mut text = c_text(pattern).into_bytes_with_nul();
    let matches = c_int::from(op & 4 == 0);
    // SAFETY: a fresh VSTRING holding some text, or null.
    let why = if op & 8 != 0 {
        unsafe { vstring_strcpy(vstring_alloc(10), c"old text".as_ptr()) }
    } else {
        std::ptr::null_mut()
    };
    let parse = if op & 3 == 1 { c.parse_if } else { c.parse };
    // SAFETY: a writable CIDR_MATCH and C string, a VSTRING or null.
    let err = unsafe { parse(&mut *m, text.as_mut_ptr().cast(), matches, why) };
    if err.is_null() {
        if !why.is_null() {
            // SAFETY: ours, unused by the callee after it returned.
            unsafe { pfinet_fuzz::vstring_free(why) };
        }
        return (describe(&m), Some(m));
    }
    let same = err == why;
    // SAFETY: a live VSTRING; `why` is that one when same, else freed here.
    let text = unsafe { take_vstring(err) };
    if !why.is_null() && !same {
        // SAFETY: ours, not returned.
        unsafe { pfinet_fuzz::vstring_free(why) };
    }
    (format!("error (same VSTRING: {same}): {text}"), None)
}

/// Build the rule list as dict_cidr does and look the address up.
fn run(c: &Cidr, addr: &[u8], rules: &[&[u8]]) -> (Vec<String>, Option<usize>) {
    let mut out = Vec::new();
    let mut entries: Vec<Box<CIDR_MATCH>> = Vec::new();
    let mut open_ifs = Vec::new();
    for r in rules.iter().take(MAX_RULES) {
        let Some((&op, pattern)) = r.split_first() else {
            continue;
        };
        if op & 3 == 2 && open_ifs.is_empty() {
            out.push("ENDIF without IF".to_string());
            continue;
        }
        // SAFETY: cidr_match's functions.
        let (text, entry) = unsafe { rule(c, op, pattern) };
        out.push(text);
        let Some(entry) = entry else { continue };
        match entry.op {
            pf::CIDR_MATCH_OP_IF => open_ifs.push(entries.len()),
            pf::CIDR_MATCH_OP_ENDIF => {
                let i = open_ifs.pop().expect("checked above");
                entries[i].block_end = &*entry as *const CIDR_MATCH as *mut CIDR_MATCH;
            }
            _ => {}
        }
        if let Some(last) = entries.last_mut() {
            last.next = &*entry as *const CIDR_MATCH as *mut CIDR_MATCH;
        }
        entries.push(entry);
    }
    let head = entries
        .first_mut()
        .map_or(std::ptr::null_mut(), |e| &mut **e as *mut CIDR_MATCH);
    let addr = c_text(addr);
    // SAFETY: a list linked as dict_cidr links it (or null), a C string.
    let hit = unsafe { (c.execute)(head, addr.as_ptr()) };
    let index = entries.iter().position(|e| std::ptr::eq(&**e, hit));
    if !hit.is_null() && index.is_none() {
        out.push("execute returned a pointer outside the list".to_string());
    }
    (out, index)
}

fuzz_target!(|data: &[u8]| {
    let parts = fields(data);
    let (addr, rules) = parts.split_first().expect("split yields one part");
    let stock = side(|| run(&STOCK, addr, rules));
    let pfinet = side(|| run(&PFINET, addr, rules));
    check("cidr_match", data, &stock, &pfinet);
});
