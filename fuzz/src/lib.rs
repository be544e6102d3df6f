//! What the differential fuzz targets share: stock Postfix's functions
//! (renamed `stock_*` by build.rs), the capture of both sides' messages,
//! and the comparison.
//!
//! Both sides report through the same Postfix msg(3) code (pfinet is built
//! with its `postfix` feature), so one msg_output() callback records the
//! messages of either side as text, level included. A fatal or panic
//! message is a failure when it comes in process (the target aborts with
//! the messages so far); targets whose input can be fatal run it in a child
//! process ([`in_child`]), where the callback ends the child as msg_fatal()
//! would, without its one-second sleep.
#![allow(non_camel_case_types)]

use std::ffi::{CStr, CString, c_char, c_int, c_uint};
use std::fmt::Debug;
use std::io::Read;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Mutex, Once};

pub use pfinet::internal::cidr_match::abi::CIDR_MATCH;
pub use pfinet::internal::host::VSTRING;
pub use pfinet::internal::inet_addr_list::abi::INET_ADDR_LIST;
pub use pfinet::internal::inet_proto::INET_PROTO_INFO;

/// Stock Postfix 3.7.11, built by build.rs.
pub mod stock {
    use super::*;
    unsafe extern "C" {
        pub fn stock_cidr_match_parse(
            ip: *mut CIDR_MATCH,
            pattern: *mut c_char,
            r#match: c_int,
            why: *mut VSTRING,
        ) -> *mut VSTRING;
        pub fn stock_cidr_match_parse_if(
            ip: *mut CIDR_MATCH,
            pattern: *mut c_char,
            r#match: c_int,
            why: *mut VSTRING,
        ) -> *mut VSTRING;
        pub fn stock_cidr_match_endif(ip: *mut CIDR_MATCH);
        pub fn stock_cidr_match_execute(
            list: *mut CIDR_MATCH,
            addr: *const c_char,
        ) -> *mut CIDR_MATCH;
        pub fn stock_valid_hostaddr(addr: *const c_char, gripe: c_int) -> c_int;
        pub fn stock_valid_ipv4_hostaddr(addr: *const c_char, gripe: c_int) -> c_int;
        pub fn stock_valid_ipv6_hostaddr(addr: *const c_char, gripe: c_int) -> c_int;
        pub fn stock_valid_mailhost_addr(addr: *const c_char, gripe: c_int) -> *const c_char;
        pub fn stock_valid_mailhost_literal(addr: *const c_char, gripe: c_int) -> c_int;
        pub fn stock_inet_proto_init(
            context: *const c_char,
            protocols: *const c_char,
        ) -> *const INET_PROTO_INFO;
        pub static stock_inet_proto_table: *const INET_PROTO_INFO;
        pub fn stock_inet_addr_list_init(list: *mut INET_ADDR_LIST);
        pub fn stock_inet_addr_list_free(list: *mut INET_ADDR_LIST);
        pub fn stock_inet_addr_local(
            addrs: *mut INET_ADDR_LIST,
            masks: *mut INET_ADDR_LIST,
            families: *mut c_uint,
        ) -> c_int;
    }
}

unsafe extern "C" {
    fn msg_output(f: extern "C" fn(c_int, *const c_char));
    static mut msg_verbose: c_int;
    pub fn vstring_alloc(len: isize) -> *mut VSTRING;
    pub fn vstring_strcpy(vp: *mut VSTRING, text: *const c_char) -> *mut VSTRING;
    pub fn vstring_free(vp: *mut VSTRING) -> *mut VSTRING;
    fn pfinet_fuzz_vstring_str(vp: *mut VSTRING) -> *const c_char;
    /// c/helpers.c: match_hostaddr() on a MATCH_FLAG_RETURN list, stock's
    /// (patched = 0) or the patched match_ops.c's calling pfinet.
    pub fn pfinet_fuzz_match_hostaddr(
        patched: c_int,
        addr: *const c_char,
        pattern: *const c_char,
        error: *mut c_int,
    ) -> c_int;
}

/// Postfix's DO_GRIPE.
pub const DO_GRIPE: c_int = 1;

const LEVELS: [&str; 5] = ["info", "warning", "error", "fatal", "panic"];
const MSG_FATAL: c_int = 3;

static MESSAGES: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// The pipe to the parent when running in a child of [`in_child`], else -1.
static CHILD_FD: AtomicI32 = AtomicI32::new(-1);

fn messages() -> std::sync::MutexGuard<'static, Vec<String>> {
    MESSAGES.lock().unwrap_or_else(|e| e.into_inner())
}

fn write_fd(fd: c_int, text: &str) {
    let mut bytes = text.as_bytes();
    while !bytes.is_empty() {
        // SAFETY: writes from a live buffer of that length.
        let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if n <= 0 {
            return;
        }
        bytes = &bytes[n as usize..];
    }
}

/// The messages of a child as one text, then its exit code.
fn child_report(code: &str) -> String {
    let mut text: String = messages().iter().map(|m| format!("{m}\n")).collect();
    text += code;
    text
}

extern "C" fn capture(level: c_int, text: *const c_char) {
    // SAFETY: msg_vprintf() passes its formatted, NUL-terminated buffer.
    let text = unsafe { CStr::from_ptr(text) }.to_string_lossy();
    let name = LEVELS.get(level as usize).copied().unwrap_or("level?");
    messages().push(format!("{name}: {text}"));
    if level < MSG_FATAL {
        return;
    }
    let fd = CHILD_FD.load(Ordering::Relaxed);
    if fd >= 0 {
        write_fd(fd, &child_report("exit 1 (msg_fatal)"));
        // SAFETY: ends the child at once, as msg_fatal() would.
        unsafe { libc::_exit(1) }
    }
    // No panic across C frames: report and abort (libFuzzer saves the input).
    eprintln!(
        "pfinet-fuzz: unexpected {name} in process; messages: {:#?}",
        messages()
    );
    std::process::abort();
}

/// Install the message capture (once).
pub fn init() {
    static ONCE: Once = Once::new();
    // SAFETY: registers a callback with the right signature; single thread.
    ONCE.call_once(|| unsafe { msg_output(capture) });
}

/// Postfix's msg_verbose, which both sides read.
pub fn set_verbose(level: c_int) {
    // SAFETY: a plain int that Postfix reads; the fuzz loop is one thread.
    unsafe { msg_verbose = level };
}

/// A side's answer and the messages it logged meanwhile.
#[derive(Debug, PartialEq)]
pub struct Side<R> {
    pub result: R,
    pub messages: Vec<String>,
}

/// Run one side in process, recording its messages.
pub fn side<R>(f: impl FnOnce() -> R) -> Side<R> {
    init();
    messages().clear();
    let result = f();
    let messages = std::mem::take(&mut *messages());
    Side { result, messages }
}

/// Fail (libFuzzer then keeps the input as a crash) when stock and pfinet
/// differ.
pub fn check<R: Debug + PartialEq>(target: &str, input: &[u8], stock: &Side<R>, pfinet: &Side<R>) {
    if stock != pfinet {
        panic!(
            "{target}: stock Postfix and pfinet differ on input {:?}\nstock:  {stock:#?}\npfinet: {pfinet:#?}",
            String::from_utf8_lossy(input)
        );
    }
}

/// Run `f` in a child process: its messages, then "result TEXT" (what `f`
/// returned) or the exit of a fatal error. For inputs that can be fatal.
pub fn in_child(f: impl FnOnce() -> String) -> String {
    init();
    let mut fds = [0 as c_int; 2];
    // SAFETY: pipe() fills two descriptors.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0, "pipe");
    // SAFETY: the child only runs `f` and the capture, then _exit()s.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork");
    if pid == 0 {
        // SAFETY: the child's copy of the read end.
        unsafe { libc::close(fds[0]) };
        CHILD_FD.store(fds[1], Ordering::Relaxed);
        messages().clear();
        let result = f();
        write_fd(fds[1], &child_report(&format!("result {result}")));
        // SAFETY: ends the child without the parent's exit handlers.
        unsafe { libc::_exit(0) }
    }
    // SAFETY: the parent's copy of the write end.
    unsafe { libc::close(fds[1]) };
    // SAFETY: fds[0] is an open descriptor that File now owns.
    let mut pipe: std::fs::File = unsafe { std::os::fd::FromRawFd::from_raw_fd(fds[0]) };
    let mut text = String::new();
    pipe.read_to_string(&mut text).expect("read from child");
    let mut status = 0;
    // SAFETY: waits for our own child.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    text + &format!("\nstatus {status:#x}")
}

/// The C string of a fuzz input: its bytes up to the first NUL.
pub fn c_text(bytes: &[u8]) -> CString {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    CString::new(&bytes[..end]).expect("cut at the NUL")
}

/// The input of the address-syntax targets: a flag byte (bit 0: DO_GRIPE,
/// else 0), then the text up to a NUL.
pub fn gripe_and_text(data: &[u8]) -> Option<(c_int, CString)> {
    let (&flags, text) = data.split_first()?;
    Some((c_int::from(flags & 1) * DO_GRIPE, c_text(text)))
}

/// The parts of a fuzz input between NUL bytes.
pub fn fields(bytes: &[u8]) -> Vec<&[u8]> {
    bytes.split(|&b| b == 0).collect()
}

/// The text of a VSTRING, then free it.
///
/// # Safety
/// `vp` is a live Postfix VSTRING, not used again.
pub unsafe fn take_vstring(vp: *mut VSTRING) -> String {
    // SAFETY: the caller's contract; vstring_str() of a live VSTRING.
    unsafe {
        let text = CStr::from_ptr(pfinet_fuzz_vstring_str(vp))
            .to_string_lossy()
            .into_owned();
        vstring_free(vp);
        text
    }
}

/// The addresses in a list (sockaddr bytes by family), for comparison.
pub fn list_entries(list: &INET_ADDR_LIST) -> Vec<String> {
    (0..list.used.max(0) as usize)
        .map(|i| {
            // SAFETY: an initialised list holds `used` entries at addrs.
            let ss = unsafe { &*list.addrs.add(i) };
            let len = match ss.ss_family as c_int {
                libc::AF_INET => size_of::<libc::sockaddr_in>(),
                libc::AF_INET6 => size_of::<libc::sockaddr_in6>(),
                _ => size_of::<libc::sockaddr_storage>(),
            };
            // SAFETY: `len` bytes of a sockaddr_storage.
            let bytes = unsafe {
                std::slice::from_raw_parts((ss as *const libc::sockaddr_storage).cast::<u8>(), len)
            };
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        })
        .collect()
}
