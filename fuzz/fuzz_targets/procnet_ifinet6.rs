//! The /proc/net/if_inet6 parser: inet_addr_local() for IPv6 with the
//! HAS_PROCNET_IFINET6 method, reading the fuzz input as the file.
//!
//! Input: one flag byte, then the file's contents (any bytes). Flag bit 0:
//! the file cannot be opened, with errno ENOENT, EACCES, EMFILE or ENOMEM
//! by bits 1-2; bits 4-5: msg_verbose. Stock: inet_addr_local.c built with
//! HAS_PROCNET_IFINET6 (c/stock_procnet.c), its fopen() of the path
//! handed the input. pfinet: its inet_addr_local core (what the
//! inet_addr_local() export runs) with the procnet method and a Sys whose
//! read_file() returns the input. Compared: the return value, the address
//! and mask lists (every sockaddr byte, used and size), every message.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pfinet::internal::diag::HostDiag;
use pfinet::internal::inet_addr_list::SockAddr;
use pfinet::internal::inet_addr_list::abi::{self as pf_list, CList};
use pfinet::internal::inet_addr_local::{self as ial, procnet_ifinet6};
use pfinet::internal::sys::{Ifaddr, IoctlSocket, Sys};
use pfinet_fuzz::{INET_ADDR_LIST, check, list_entries, set_verbose, side, stock::*};
use std::ffi::{CStr, c_char, c_int, c_uint};
use std::sync::Mutex;

const ERRNOS: [c_int; 4] = [libc::ENOENT, libc::EACCES, libc::EMFILE, libc::ENOMEM];

/// The file as both sides see it: its bytes, or the errno of its open().
static FILE: Mutex<Result<Vec<u8>, c_int>> = Mutex::new(Ok(Vec::new()));

/// Stock's fopen() (c/stock_procnet.c): the fuzz input for the path.
///
/// # Safety
/// `path` and `mode` are C strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pfinet_fuzz_procnet_fopen(
    path: *const c_char,
    mode: *const c_char,
) -> *mut libc::FILE {
    // SAFETY: the caller passes C strings.
    let path = unsafe { CStr::from_ptr(path) };
    assert_eq!(path.to_bytes(), procnet_ifinet6::PATH.as_bytes());
    let file = FILE.lock().unwrap_or_else(|e| e.into_inner());
    match &*file {
        Err(errno) => {
            // SAFETY: sets this thread's errno, as a failed fopen() would.
            unsafe { *libc::__errno_location() = *errno };
            std::ptr::null_mut()
        }
        // SAFETY: opens a real empty file (fmemopen() wants a size > 0).
        Ok(data) if data.is_empty() => unsafe { libc::fopen(c"/dev/null".as_ptr(), mode) },
        // SAFETY: the buffer stays in FILE, unchanged, until the next input;
        // stock closes the stream before inet_addr_local() returns.
        Ok(data) => unsafe { libc::fmemopen(data.as_ptr() as *mut _, data.len(), mode) },
    }
}

/// pfinet's system seam: the same file; nothing else is used.
struct InputSys;

impl Sys for InputSys {
    fn getifaddrs(&mut self, _families: &[i32]) -> Result<Vec<Ifaddr>, i32> {
        Err(libc::ENOSYS)
    }
    fn ioctl_socket(&mut self, _af: i32) -> Result<Box<dyn IoctlSocket>, i32> {
        Err(libc::ENOSYS)
    }
    fn read_file(&mut self, path: &str) -> Result<Vec<u8>, i32> {
        assert_eq!(path, procnet_ifinet6::PATH);
        FILE.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
    fn getaddrinfo(&mut self, _host: &[u8], _family: i32) -> Result<Vec<SockAddr>, i32> {
        Err(libc::EAI_SYSTEM)
    }
    fn stream_socket(&mut self, _family: i32) -> Result<(), i32> {
        Err(libc::ENOSYS)
    }
}

fn lists(count: c_int, addrs: &INET_ADDR_LIST, masks: &INET_ADDR_LIST) -> String {
    format!(
        "count={count} addrs used={} size={} {:?} masks used={} size={} {:?}",
        addrs.used,
        addrs.size,
        list_entries(addrs),
        masks.used,
        masks.size,
        list_entries(masks)
    )
}

fn stock() -> String {
    let mut families: [c_uint; 2] = [libc::AF_INET6 as c_uint, 0];
    // SAFETY: all-zero lists, initialised, used, freed.
    unsafe {
        let (mut a, mut m): (INET_ADDR_LIST, INET_ADDR_LIST) = std::mem::zeroed();
        stock_inet_addr_list_init(&mut a);
        stock_inet_addr_list_init(&mut m);
        let n = stock_inet_addr_local(&mut a, &mut m, families.as_mut_ptr());
        let text = lists(n, &a, &m);
        stock_inet_addr_list_free(&mut a);
        stock_inet_addr_list_free(&mut m);
        text
    }
}

fn pfinet() -> String {
    let config = ial::Config::named(b"procnet").expect("a method");
    // SAFETY: all-zero lists, initialised, used, freed.
    unsafe {
        let (mut a, mut m): (INET_ADDR_LIST, INET_ADDR_LIST) = std::mem::zeroed();
        pf_list::inet_addr_list_init(&mut a);
        pf_list::inet_addr_list_init(&mut m);
        let n = ial::run(
            &[libc::AF_INET6 as u32],
            &mut CList(&mut a),
            Some(&mut CList(&mut m)),
            config,
            true,
            &mut InputSys,
            &mut HostDiag,
        )
        .expect("HostDiag ends the process on a fatal error");
        let text = lists(n as c_int, &a, &m);
        pf_list::inet_addr_list_free(&mut a);
        pf_list::inet_addr_list_free(&mut m);
        text
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, contents)) = data.split_first() else {
        return;
    };
    *FILE.lock().unwrap_or_else(|e| e.into_inner()) = if flags & 1 != 0 {
        Err(ERRNOS[usize::from(flags >> 1 & 3)])
    } else {
        Ok(contents.to_vec())
    };
    set_verbose(c_int::from(flags >> 4 & 3));
    let (s, p) = (side(stock), side(pfinet));
    set_verbose(0);
    check("procnet_ifinet6", data, &s, &p);
});
