//! pfinet_match_list_*, pfinet_cidr_table_* - compiled lists for C programs
//!
//! The C face of `crate::addr_index`: build a match list (the address
//! patterns of a Postfix match list such as mynetworks) or a cidr table
//! (the rules of a `cidr:` table, without their values) once, then look up
//! addresses, as text or binary, in time that does not grow with the list;
//! the answer names the deciding entry. Objects are freed with their
//! `_free` function, which accepts NULL. Errors come back as
//! `pfinet_status`; nothing ends the process. `pfinet_namadr_list_*` do
//! the same for lists that also match host names (Postfix's namadr lists:
//! mynetworks as smtpd uses it, debug_peer_list, ...).

use libc::{c_char, c_int, size_t};

use crate::addr_index::{CidrRule, CidrTable, MatchList, Step};
use crate::api::pfinet_status::{self, *};
use crate::cidr_match::Family;
use crate::dict_cidr::parse_rule;
use crate::ffi::{Handle, OutBuf, OutPtr, Required, api_boundary, api_call, bytes, write_opt};
use crate::name_index::NamadrList;

const IPV6: bool = cfg!(feature = "has_ipv6");

/// A compiled match list (opaque).
pub struct pfinet_match_list(MatchList);

impl Handle for pfinet_match_list {}

/// A compiled namadr list: host-name and address patterns (opaque).
pub struct pfinet_namadr_list(NamadrList);

impl Handle for pfinet_namadr_list {}

/// Postfix's MATCH_FLAG_PARENT (match_list.h): a host-name pattern
/// `domain` also matches names below it (else only `.domain` does).
pub const PFINET_MATCH_FLAG_PARENT: c_int = 1;

/// Postfix's MATCH_FLAG_RETURN (match_list.h): accepted and ignored (it
/// says how Postfix reports errors; pfinet returns them).
pub const PFINET_MATCH_FLAG_RETURN: c_int = 2;

/// A compiled cidr table (opaque).
pub struct pfinet_cidr_table(CidrTable);

impl Handle for pfinet_cidr_table {}

/// `count` C strings at `texts`.
///
/// # Safety
/// `texts` points to `count` C strings (or is null when `count` is 0).
unsafe fn strings<'a>(texts: *const *const c_char, count: size_t) -> Option<Vec<&'a [u8]>> {
    if count == 0 {
        return Some(Vec::new());
    }
    if texts.is_null() {
        return None;
    }
    // SAFETY: the caller vouches for `count` pointers at `texts`.
    let ptrs = unsafe { std::slice::from_raw_parts(texts, count) };
    // SAFETY: each is a C string, per the caller.
    ptrs.iter().map(|&p| unsafe { bytes(p) }).collect()
}

/// A binary address: AF_INET with 4 bytes or AF_INET6 with 16.
///
/// # Safety
/// `addr` is null or readable for the family's size.
unsafe fn binary(family: c_int, addr: *const u8) -> Option<(Family, [u8; 16])> {
    let (family, n) = match family {
        libc::AF_INET => (Family::V4, 4),
        libc::AF_INET6 => (Family::V6, 16),
        _ => return None,
    };
    if addr.is_null() {
        return None;
    }
    let mut out = [0u8; 16];
    // SAFETY: the caller vouches for n readable bytes.
    out[..n].copy_from_slice(unsafe { std::slice::from_raw_parts(addr, n) });
    Some((family, out))
}

/// The body of the list constructors: read `count` pattern texts, build
/// with `build`, hand the result out in `*out`; inside `name`'s panic
/// boundary.
///
/// # Safety
/// `patterns` holds `count` C strings; `out` is null or writable.
unsafe fn new_handle<T: Handle>(
    name: &str,
    patterns: *const *const c_char,
    count: size_t,
    out: *mut *mut T,
    build: impl FnOnce(&[&[u8]]) -> Result<T, pfinet_status>,
) -> pfinet_status {
    api_call(name, || {
        // SAFETY: the caller's contract.
        let texts = unsafe { strings(patterns, count) }.required()?;
        // SAFETY: the caller passes a writable pointer or null.
        let mut out = unsafe { OutPtr::from_raw(out) }.required()?;
        out.write(build(&texts)?.into_raw());
        Ok(PFINET_OK)
    })
}

/// Drop a handle the API handed out (NULL is fine), inside `name`'s panic
/// boundary.
///
/// # Safety
/// `handle` is null or came from [`Handle::into_raw`], and is not used
/// afterwards.
unsafe fn free_handle<T: Handle>(name: &str, handle: *mut T) {
    // SAFETY: the caller's contract is Handle::free()'s.
    api_boundary(name, (), || unsafe { T::free(handle) })
}

/// Compile `count` match-list patterns (each may start with `!`; IPv6 in
/// `[...]` as Postfix requires). Dictionary patterns (`type:table`) are
/// kept in their place for the caller (see pfinet_match_list_lookup()).
///
/// # Safety
/// `patterns` holds `count` C strings; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pfinet_match_list_new(
    patterns: *const *const c_char,
    count: size_t,
    out: *mut *mut pfinet_match_list,
) -> pfinet_status {
    // SAFETY: the caller's contract is new_handle()'s.
    unsafe {
        new_handle("pfinet_match_list_new", patterns, count, out, |texts| {
            MatchList::new(texts, IPV6)
                .map(pfinet_match_list)
                .ok_or(PFINET_ERR_SPACE)
        })
    }
}

/// Report a step: PFINET_OK when a pattern matches (the list says yes),
/// PFINET_NO_MATCH when a negated pattern matches or none does (`*entry`
/// = the pattern, or `(size_t)-1`), PFINET_ERR_SYNTAX for a malformed
/// pattern a lookup reached (Postfix's text in `err`; the list answers no),
/// PFINET_DICTIONARY for a `type:table` pattern the caller must look up.
fn report(step: Step, out: LookupOut<'_>) -> pfinet_status {
    let LookupOut {
        mut from,
        mut entry,
        mut err,
    } = out;
    let (at, status) = match step {
        Step::Match { entry, negated } => {
            (entry, if negated { PFINET_NO_MATCH } else { PFINET_OK })
        }
        Step::Error { entry, text } => {
            err.put(&text);
            (entry, PFINET_ERR_SYNTAX)
        }
        Step::Dictionary { entry, next } => {
            from.write(next);
            (entry, PFINET_DICTIONARY)
        }
        Step::NoMatch => (usize::MAX, PFINET_NO_MATCH),
    };
    write_opt(&mut entry, at);
    status
}

/// The out-parameters of a list lookup.
struct LookupOut<'a> {
    /// Where to continue (read, and written on PFINET_DICTIONARY).
    from: OutPtr<'a, size_t>,
    /// The deciding entry (may be NULL).
    entry: Option<OutPtr<'a, size_t>>,
    /// Postfix's text for a malformed pattern.
    err: OutBuf<'a>,
}

/// The out-parameters of a list lookup: `from` (required), `entry` and
/// the error buffer.
///
/// # Safety
/// `from` is null or writable; `entry` null or writable; `err` null or
/// writable for `err_len` bytes; all for `'a`.
unsafe fn lookup_outs<'a>(
    from: *mut size_t,
    entry: *mut size_t,
    err: *mut c_char,
    err_len: size_t,
) -> Result<LookupOut<'a>, pfinet_status> {
    // SAFETY: the caller's contract: `from` null or writable.
    let from = unsafe { OutPtr::from_raw(from) }.required()?;
    // SAFETY: the caller's contract: `entry` null or writable.
    let entry = unsafe { OutPtr::from_raw(entry) };
    // SAFETY: the caller's contract: `err` null or writable for `err_len`.
    let err = unsafe { OutBuf::from_raw(err, err_len) };
    Ok(LookupOut { from, entry, err })
}

/// Look up address text `addr` from `*from` (0 for a new lookup). On
/// PFINET_DICTIONARY, `*entry` is the `type:table` pattern and `*from`
/// where to continue when it does not decide. See report() above for the
/// other results. `entry` and `err` may be NULL.
///
/// # Safety
/// `list` came from pfinet_match_list_new(); `addr` is a C string; `from`
/// is writable; `entry` null or writable; `err` null or writable for
/// `err_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pfinet_match_list_lookup(
    list: *const pfinet_match_list,
    addr: *const c_char,
    from: *mut size_t,
    entry: *mut size_t,
    err: *mut c_char,
    err_len: size_t,
) -> pfinet_status {
    api_call("pfinet_match_list_lookup", || {
        // SAFETY: the caller passes a live list or null.
        let list = unsafe { pfinet_match_list::try_ref(list) };
        // SAFETY: the caller passes a C string or null.
        let addr = unsafe { bytes(addr) };
        let (list, addr) = (list.required()?, addr.required()?);
        // SAFETY: the caller's contract.
        let out = unsafe { lookup_outs(from, entry, err, err_len) }?;
        let step = list.0.lookup(addr, out.from.read());
        Ok(report(step, out))
    })
}

/// pfinet_match_list_lookup() for a binary address: `family` AF_INET with
/// 4 bytes at `addr`, or AF_INET6 with 16. Another family is
/// PFINET_ERR_SYNTAX.
///
/// # Safety
/// As pfinet_match_list_lookup(); `addr` readable for the family's size.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pfinet_match_list_lookup_binary(
    list: *const pfinet_match_list,
    family: c_int,
    addr: *const u8,
    from: *mut size_t,
    entry: *mut size_t,
    err: *mut c_char,
    err_len: size_t,
) -> pfinet_status {
    api_call("pfinet_match_list_lookup_binary", || {
        // SAFETY: the caller's contract.
        let list = unsafe { pfinet_match_list::try_ref(list) }.required()?;
        // SAFETY: the caller's contract.
        let out = unsafe { lookup_outs(from, entry, err, err_len) }?;
        if addr.is_null() {
            return Err(PFINET_ERR_NULL);
        }
        // SAFETY: addr is readable for the family's size.
        let (family, bytes) = unsafe { binary(family, addr) }.ok_or(PFINET_ERR_SYNTAX)?;
        let step = list.0.lookup_bytes(family, &bytes, out.from.read());
        Ok(report(step, out))
    })
}

/// Free a match list (NULL is fine).
///
/// # Safety
/// `list` came from pfinet_match_list_new() and is not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pfinet_match_list_free(list: *mut pfinet_match_list) {
    // SAFETY: the caller's contract is free_handle()'s.
    unsafe { free_handle("pfinet_match_list_free", list) }
}

/// Compile `count` patterns of a namadr list (host names and addresses,
/// each may start with `!`, case-folded as Postfix keeps them). `flags`:
/// PFINET_MATCH_FLAG_PARENT and/or PFINET_MATCH_FLAG_RETURN (Postfix's
/// list flags as they are); another bit is PFINET_ERR_SYNTAX. Dictionary
/// patterns are kept in their place for the caller.
///
/// # Safety
/// `patterns` holds `count` C strings; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pfinet_namadr_list_new(
    patterns: *const *const c_char,
    count: size_t,
    flags: c_int,
    out: *mut *mut pfinet_namadr_list,
) -> pfinet_status {
    // SAFETY: the caller's contract is new_handle()'s.
    unsafe {
        new_handle("pfinet_namadr_list_new", patterns, count, out, |texts| {
            if flags & !(PFINET_MATCH_FLAG_PARENT | PFINET_MATCH_FLAG_RETURN) != 0 {
                return Err(PFINET_ERR_SYNTAX);
            }
            let parent = flags & PFINET_MATCH_FLAG_PARENT != 0;
            NamadrList::new(texts, parent, IPV6)
                .map(pfinet_namadr_list)
                .ok_or(PFINET_ERR_SPACE)
        })
    }
}

/// Look up host name `name` and address text `addr` (both case-folded, as
/// Postfix's match_list_match() passes them) from `*from` (0 for a new
/// lookup): the results of pfinet_match_list_lookup(), for the first
/// pattern that matches the name (match_hostname()) or the address
/// (match_hostaddr()), the name first. On PFINET_DICTIONARY the caller
/// looks up the table with both, as Postfix does, and continues at `*from`.
///
/// # Safety
/// `list` came from pfinet_namadr_list_new(); `name` and `addr` are C
/// strings; `from` is writable; `entry` null or writable; `err` null or
/// writable for `err_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pfinet_namadr_list_lookup(
    list: *const pfinet_namadr_list,
    name: *const c_char,
    addr: *const c_char,
    from: *mut size_t,
    entry: *mut size_t,
    err: *mut c_char,
    err_len: size_t,
) -> pfinet_status {
    api_call("pfinet_namadr_list_lookup", || {
        // SAFETY: the caller passes a live list or null.
        let list = unsafe { pfinet_namadr_list::try_ref(list) };
        // SAFETY: the caller passes C strings or null.
        let name = unsafe { bytes(name) };
        // SAFETY: as above.
        let addr = unsafe { bytes(addr) };
        let (list, name, addr) = (list.required()?, name.required()?, addr.required()?);
        // SAFETY: the caller's contract.
        let out = unsafe { lookup_outs(from, entry, err, err_len) }?;
        let step = list.0.lookup(name, addr, out.from.read());
        Ok(report(step, out))
    })
}

/// Free a namadr list (NULL is fine).
///
/// # Safety
/// `list` came from pfinet_namadr_list_new() and is not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pfinet_namadr_list_free(list: *mut pfinet_namadr_list) {
    // SAFETY: the caller's contract is free_handle()'s.
    unsafe { free_handle("pfinet_namadr_list_free", list) }
}

/// Compile `count` cidr-table rules. A bad rule is PFINET_ERR_SYNTAX with
/// dict_cidr's reason in `err` and its index in `*bad` (may be NULL).
///
/// # Safety
/// `rules` holds `count` C strings; `out` is writable; `bad` null or
/// writable; `err` null or writable for `err_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pfinet_cidr_table_new(
    rules: *const *const c_char,
    count: size_t,
    out: *mut *mut pfinet_cidr_table,
    bad: *mut size_t,
    err: *mut c_char,
    err_len: size_t,
) -> pfinet_status {
    // SAFETY: the caller passes a writable `bad` or null.
    let mut bad = unsafe { OutPtr::from_raw(bad) };
    // SAFETY: the caller passes a writable `err` of err_len bytes or null.
    let mut err = unsafe { OutBuf::from_raw(err, err_len) };
    let build = |texts: &[&[u8]]| {
        let mut parsed = Vec::with_capacity(texts.len());
        let mut nesting = 0usize;
        for (i, text) in texts.iter().enumerate() {
            match parse_rule(text.trim_ascii_start(), nesting, IPV6).map(|(rule, _)| rule) {
                Ok(rule) => {
                    match rule {
                        CidrRule::If(..) => nesting += 1,
                        CidrRule::Endif => nesting -= 1,
                        CidrRule::Match(..) => {}
                    }
                    parsed.push(rule);
                }
                Err(text) => {
                    err.put(&text);
                    write_opt(&mut bad, i);
                    return Err(PFINET_ERR_SYNTAX);
                }
            }
        }
        CidrTable::new(&parsed, IPV6)
            .map(pfinet_cidr_table)
            .ok_or(PFINET_ERR_SPACE)
    };
    // SAFETY: the caller's contract is new_handle()'s.
    unsafe { new_handle("pfinet_cidr_table_new", rules, count, out, build) }
}

fn found(hit: Option<usize>, mut entry: Option<OutPtr<'_, size_t>>) -> pfinet_status {
    write_opt(&mut entry, hit.unwrap_or(usize::MAX));
    if hit.is_some() {
        PFINET_OK
    } else {
        PFINET_NO_MATCH
    }
}

/// The rule cidr_match_execute() stops at for address text `addr`:
/// PFINET_OK with its index in `*entry` (may be NULL), or PFINET_NO_MATCH.
///
/// # Safety
/// `table` came from pfinet_cidr_table_new(); `addr` is a C string;
/// `entry` null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pfinet_cidr_table_lookup(
    table: *const pfinet_cidr_table,
    addr: *const c_char,
    entry: *mut size_t,
) -> pfinet_status {
    api_call("pfinet_cidr_table_lookup", || {
        // SAFETY: the caller passes a live table or null.
        let table = unsafe { pfinet_cidr_table::try_ref(table) };
        // SAFETY: the caller passes a C string or null.
        let addr = unsafe { bytes(addr) };
        let (table, addr) = (table.required()?, addr.required()?);
        // SAFETY: the caller passes a writable size_t or null.
        let entry = unsafe { OutPtr::from_raw(entry) };
        Ok(found(table.0.lookup(addr), entry))
    })
}

/// pfinet_cidr_table_lookup() for a binary address (AF_INET, 4 bytes, or
/// AF_INET6, 16 bytes); another family is PFINET_ERR_SYNTAX.
///
/// # Safety
/// As pfinet_cidr_table_lookup(); `addr` readable for the family's size.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pfinet_cidr_table_lookup_binary(
    table: *const pfinet_cidr_table,
    family: c_int,
    addr: *const u8,
    entry: *mut size_t,
) -> pfinet_status {
    api_call("pfinet_cidr_table_lookup_binary", || {
        // SAFETY: the caller's contract.
        let table = unsafe { pfinet_cidr_table::try_ref(table) }.required()?;
        if addr.is_null() {
            return Err(PFINET_ERR_NULL);
        }
        // SAFETY: addr is readable for the family's size.
        let (family, bytes) = unsafe { binary(family, addr) }.ok_or(PFINET_ERR_SYNTAX)?;
        // SAFETY: the caller passes a writable size_t or null.
        let entry = unsafe { OutPtr::from_raw(entry) };
        Ok(found(table.0.lookup_bytes(family, &bytes), entry))
    })
}

/// Free a cidr table (NULL is fine).
///
/// # Safety
/// `table` came from pfinet_cidr_table_new() and is not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pfinet_cidr_table_free(table: *mut pfinet_cidr_table) {
    // SAFETY: the caller's contract is free_handle()'s.
    unsafe { free_handle("pfinet_cidr_table_free", table) }
}
