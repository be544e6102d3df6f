//! cidr_table - the compiled cidr table patched Postfix's dict_cidr keeps
//!
//! pfinet's additions to Postfix's C interface, declared in the patched
//! cidr_match.h and called by the patched dict_cidr.c: instead of a linked
//! list of CIDR_MATCH entries, dict_cidr_open() builds one `CIDR_TABLE`:
//!
//! `cidr_table_open_compiled(mapname, st)` maps the table's compiled file
//! (`crate::cidr_file`) when it matches; `cidr_table_read(mapname, fd)`
//! parses the table with pfinet's readllines() and dict_cidr_parse_rule()
//! (`crate::dict_cidr`); otherwise `cidr_table_create()`,
//! `cidr_table_add(table, info, value, lineno)` per rule dict_cidr parsed
//! and `cidr_table_finish(table, mapname)` build it. `cidr_table_lookup(
//! table, key)` answers with the first matching rule's value (through
//! `crate::addr_index`), `cidr_table_free(table)` releases it.
//!
//! DIAGNOSTICS: as dict_cidr (`cidr map MAP, line N: ...`, logged through
//! Postfix's msg_warn()); fatal `cidr table: too many rules` and `cidr
//! table: too much result text`; a null argument or a call out of order
//! (`table already finished`, `table not finished`) is msg_panic(), as is
//! an internal error (the panic boundary, `crate::ffi`).

use libc::{c_char, c_int};

use crate::addr_index::CidrRule;
use crate::cidr_match::abi::{
    CIDR_MATCH, CIDR_MATCH_ABYTES, CIDR_MATCH_OP_ENDIF, CIDR_MATCH_OP_IF, IPV6,
};
use crate::cidr_match::{CidrPattern, Family};
use crate::diag::HostDiag;
use crate::dict_cidr::{Compiled, Loader, TooLarge, load};
use crate::ffi::{Handle, Required};
use crate::{ffi, host};

/// A cidr table being loaded, then compiled; or a compiled file.
pub enum CIDR_TABLE {
    /// Between cidr_table_create() and cidr_table_finish().
    Loading(Loader),
    /// After cidr_table_finish().
    Compiled(Compiled),
    /// From cidr_table_open_compiled().
    Mapped(crate::cidr_file::MappedTable),
}

impl Handle for CIDR_TABLE {}

/// `CIDR_TABLE *cidr_table_open_compiled(const char *mapname, const
/// struct stat *st)`: the compiled file of table `mapname`
/// (`mapname.pfinet`, see `crate::cidr_file`), whose `stat()` is
/// `st`, when it exists and matches; its warnings are logged as the
/// parse would log them, and the table is finished. Null: parse the
/// table (after one warning, when a compiled file exists but is not
/// used; inline `{...}` tables have none).
///
/// # Safety
/// `mapname` is a C string; `st` points to a `struct stat`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cidr_table_open_compiled(
    mapname: *const c_char,
    st: *const libc::stat,
) -> *mut CIDR_TABLE {
    const F: &str = "cidr_table_open_compiled";
    ffi::postfix_boundary(F, || {
        // SAFETY: the caller passes a C string.
        let mapname = unsafe { ffi::bytes(mapname) }.required_by(F, "map name");
        // SAFETY: the caller passes a struct stat.
        let st = unsafe { st.as_ref() }.required_by(F, "stat");
        if mapname.first() == Some(&b'{') {
            return std::ptr::null_mut();
        }
        // struct stat's field types differ between platforms.
        #[allow(clippy::unnecessary_cast)]
        let source = crate::cidr_file::Source {
            dev: st.st_dev as u64,
            ino: st.st_ino as u64,
            size: st.st_size as u64,
            mtime: st.st_mtime as i64,
            mtime_nsec: st.st_mtime_nsec as i64,
            uid: st.st_uid,
        };
        match crate::cidr_file::open(mapname, &source, IPV6) {
            Ok(Some((table, warnings))) => {
                for w in warnings {
                    host::warn(&w);
                }
                CIDR_TABLE::Mapped(table).into_raw()
            }
            Ok(None) => std::ptr::null_mut(),
            Err(not_used) => {
                host::warn(&not_used.warning(mapname));
                std::ptr::null_mut()
            }
        }
    })
}

/// `CIDR_TABLE *cidr_table_read(const char *mapname, int fd)`: the
/// table `mapname`, open as `fd` (read from its start with pread(), so
/// the caller's offset does not move), parsed by pfinet, with
/// Postfix's warnings, as dict_cidr_open()'s own loop would (the same
/// readllines() and dict_cidr_parse_rule(), which pfinet has too). Null,
/// having logged nothing: let dict_cidr_open() parse it, because `fd`
/// is not a file (an inline `{...}` table), cannot be read, or the
/// table holds a NUL byte (Postfix releases warn differently about it).
///
/// # Safety
/// `mapname` is a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cidr_table_read(mapname: *const c_char, fd: c_int) -> *mut CIDR_TABLE {
    const F: &str = "cidr_table_read";
    ffi::postfix_boundary(F, || {
        // SAFETY: the caller passes a C string.
        let mapname = unsafe { ffi::bytes(mapname) }.required_by(F, "map name");
        let Some(data) = read_fd(fd) else {
            return std::ptr::null_mut();
        };
        if data.contains(&0) {
            return std::ptr::null_mut();
        }
        match load(mapname, &data, IPV6, &mut HostDiag) {
            Ok(table) => CIDR_TABLE::Compiled(table).into_raw(),
            Err(TooLarge::Rules) => host::fatal(b"cidr table: too many rules"),
            Err(TooLarge::Values) => host::fatal(b"cidr table: too much result text"),
        }
    })
}

/// All of open file `fd` from its start (pread: the offset stays),
/// into a buffer of the file's size (one byte more, to see the end).
fn read_fd(fd: c_int) -> Option<Vec<u8>> {
    if fd < 0 {
        return None;
    }
    // SAFETY: an all-zero struct stat is valid; fstat() fills it or
    // fails (a bad fd: EBADF).
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: st is a writable struct stat.
    if unsafe { libc::fstat(fd, &mut st) } != 0 {
        return None;
    }
    let mut data: Vec<u8> = Vec::with_capacity(usize::try_from(st.st_size).ok()? + 1);
    loop {
        if data.len() == data.capacity() {
            data.reserve(data.capacity().max(4096));
        }
        let spare = data.spare_capacity_mut();
        // SAFETY: spare is writable for its length; pread() writes at
        // most that many bytes there.
        let n = unsafe {
            libc::pread(
                fd,
                spare.as_mut_ptr().cast(),
                spare.len(),
                data.len() as libc::off_t,
            )
        };
        match n {
            0 => return Some(data),
            // SAFETY: pread() initialized the first n spare bytes.
            n if n > 0 => unsafe { data.set_len(data.len() + n as usize) },
            _ if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted => {}
            _ => return None,
        }
    }
}

/// `CIDR_TABLE *cidr_table_create(void)`: an empty table to load.
#[unsafe(no_mangle)]
pub extern "C" fn cidr_table_create() -> *mut CIDR_TABLE {
    ffi::postfix_boundary("cidr_table_create", || {
        CIDR_TABLE::Loading(Loader::default()).into_raw()
    })
}

/// `void cidr_table_add(CIDR_TABLE *table, const CIDR_MATCH *info,
/// const char *value, int lineno)`: the rule dict_cidr_parse_rule()
/// parsed (the table copies what it keeps).
///
/// # Safety
/// `table` came from cidr_table_create() and is still loading; `info`
/// is a parsed CIDR_MATCH; `value` is a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cidr_table_add(
    table: *mut CIDR_TABLE,
    info: *const CIDR_MATCH,
    value: *const c_char,
    lineno: c_int,
) {
    const F: &str = "cidr_table_add";
    ffi::postfix_boundary(F, || {
        // SAFETY: the caller passes a live table from cidr_table_create().
        let table = unsafe { CIDR_TABLE::try_mut(table) }.required_by(F, "table");
        let CIDR_TABLE::Loading(loader) = table else {
            host::panic(b"cidr_table_add: table already finished")
        };
        // SAFETY: the caller passes a parsed CIDR_MATCH.
        let info = unsafe { info.as_ref() }.required_by(F, "CIDR_MATCH");
        // SAFETY: the caller passes a C string.
        let value = unsafe { ffi::bytes(value) }.required_by(F, "value");
        let line = usize::try_from(lineno).unwrap_or(0);
        if let Err(why) = loader.add(rule(info), value, line) {
            host::fatal(match why {
                TooLarge::Rules => b"cidr table: too many rules",
                TooLarge::Values => b"cidr table: too much result text",
            });
        }
    })
}

/// `void cidr_table_finish(CIDR_TABLE *table, const char *mapname)`:
/// the end of the table: `cidr map MAP, line N: IF has no matching
/// ENDIF` for each `if` left open, innermost first; then the table
/// answers lookups. A finished table (also one from
/// cidr_table_open_compiled() or cidr_table_read()) stays as it is.
///
/// # Safety
/// `table` came from cidr_table_create(); `mapname` is a C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cidr_table_finish(table: *mut CIDR_TABLE, mapname: *const c_char) {
    const F: &str = "cidr_table_finish";
    ffi::postfix_boundary(F, || {
        // SAFETY: the caller passes a live table from cidr_table_create().
        let table = unsafe { CIDR_TABLE::try_mut(table) }.required_by(F, "table");
        // SAFETY: the caller passes a C string.
        let mapname = unsafe { ffi::bytes(mapname) }.required_by(F, "map name");
        match std::mem::replace(table, CIDR_TABLE::Loading(Loader::default())) {
            CIDR_TABLE::Loading(loader) => {
                *table = CIDR_TABLE::Compiled(loader.finish(mapname, IPV6, &mut HostDiag))
            }
            // cidr_table_open_compiled() and cidr_table_read() return
            // finished tables.
            finished => *table = finished,
        }
    })
}

/// `const char *cidr_table_lookup(CIDR_TABLE *table, const char
/// *key)`: the lookup result of the first rule that matches address
/// text `key`, or null. The result lives as long as the table.
///
/// # Safety
/// `table` came from cidr_table_create() and was finished; `key` is a
/// C string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cidr_table_lookup(
    table: *const CIDR_TABLE,
    key: *const c_char,
) -> *const c_char {
    const F: &str = "cidr_table_lookup";
    ffi::postfix_boundary(F, || {
        // SAFETY: the caller passes a finished table from cidr_table_create().
        let table = unsafe { CIDR_TABLE::try_ref(table) }.required_by(F, "table");
        let view = match table {
            CIDR_TABLE::Compiled(t) => t.view(),
            CIDR_TABLE::Mapped(t) => t.view(),
            CIDR_TABLE::Loading(_) => host::panic(b"cidr_table_lookup: table not finished"),
        };
        // SAFETY: the caller passes a C string.
        let key = unsafe { ffi::bytes(key) }.required_by(F, "key");
        // The result ends with its NUL (View::lookup), so it is a C string.
        view.lookup(key)
            .map_or(std::ptr::null(), |v| v.as_ptr().cast())
    })
}

/// `void cidr_table_free(CIDR_TABLE *table)` (null is fine).
///
/// # Safety
/// `table` came from cidr_table_create() and is not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cidr_table_free(table: *mut CIDR_TABLE) {
    // SAFETY: null or a table from cidr_table_create() (or the other
    // constructors), not used again.
    ffi::postfix_boundary("cidr_table_free", || unsafe { CIDR_TABLE::free(table) })
}

/// A parsed entry as the compiled tables take it.
fn rule(e: &CIDR_MATCH) -> CidrRule {
    let family = if i32::from(e.addr_family) == libc::AF_INET6 {
        Family::V6
    } else {
        Family::V4
    };
    let (mut net, mut mask) = ([0u8; 16], [0u8; 16]);
    let n = usize::from(e.addr_byte_count).min(CIDR_MATCH_ABYTES);
    net[..n].copy_from_slice(&e.net_bytes[..n]);
    mask[..n].copy_from_slice(&e.mask_bytes[..n]);
    let p = CidrPattern {
        family,
        net,
        mask,
        mask_shift: e.mask_shift,
    };
    match e.op {
        CIDR_MATCH_OP_IF => CidrRule::If(p, e.r#match != 0),
        CIDR_MATCH_OP_ENDIF => CidrRule::Endif,
        _ => CidrRule::Match(p, e.r#match != 0),
    }
}
