//! host - where pfinet's diagnostics and `why` strings go
//!
//! Postfix's modules report through `msg_info(3)`, `msg_warn`, `msg_fatal`
//! and `msg_panic`, honour the global `msg_verbose`, and return error text
//! in a `VSTRING`. This module is the one place that knows where those go:
//!
//! * with the `postfix` feature, to Postfix's own functions in libutil.a, so
//!   that syslog, `msg_verbose`, fatal cleanup and exit codes behave as in
//!   Postfix;
//! * standalone, to stderr as `prog: text`, `prog: warning: text`,
//!   `prog: fatal: text` (then `_exit(1)`, as Postfix's msg_fatal ends the
//!   process, without its one-second sleep) and `prog: panic: text` (then
//!   `abort()`), where `prog` is argv\[0\] unless `pfinet_msg_tag()` set it.
//!   `VSTRING` is then pfinet's own opaque string, read with
//!   `pfinet_vstring_str()` and freed with `pfinet_vstring_free()`.
//!
//! Text is bytes, not UTF-8: Postfix prints input as it came.

use libc::c_char;

/// Postfix's variable-length string: with the `postfix` feature, Postfix's
/// own `struct VSTRING`, known here only by pointer.
#[cfg(feature = "postfix")]
#[repr(C)]
pub struct VSTRING {
    _opaque: [u8; 0],
    _not_send: std::marker::PhantomData<*mut u8>,
}

/// Postfix's variable-length string: standalone, pfinet's own, opaque to C.
#[cfg(not(feature = "postfix"))]
pub struct VSTRING {
    text: std::ffi::CString,
}

#[cfg(not(feature = "postfix"))]
impl crate::handle::Handle for VSTRING {}

/// C text for a byte string: Postfix texts never hold NUL, so cut at one.
fn c_text(text: &[u8]) -> std::ffi::CString {
    let end = text.iter().position(|&b| b == 0).unwrap_or(text.len());
    std::ffi::CString::new(&text[..end]).expect("NUL removed above")
}

#[cfg(feature = "postfix")]
mod binding {
    use super::*;
    use libc::c_int;

    unsafe extern "C" {
        static msg_verbose: c_int;
        fn msg_info(fmt: *const c_char, ...);
        fn msg_warn(fmt: *const c_char, ...);
        fn msg_fatal(fmt: *const c_char, ...) -> !;
        fn msg_panic(fmt: *const c_char, ...) -> !;
        fn vstring_alloc(len: isize) -> *mut VSTRING;
        fn vstring_strcpy(vp: *mut VSTRING, src: *const c_char) -> *mut VSTRING;
        /// c_src/postfix_glue.c: Postfix's var_* global, or null.
        fn pfinet_postfix_param(which: c_int) -> *const c_char;
    }

    /// A parameter's value: Postfix's global, as main.cf set it (the
    /// default when the program has no such global or it is unset).
    pub fn param(p: super::Param) -> Vec<u8> {
        let which = match p {
            super::Param::InetInterfaces => 0,
            super::Param::ProxyInterfaces => 1,
            super::Param::MynetworksStyle => 2,
        };
        // SAFETY: the glue returns null or one of Postfix's parameter
        // strings, set by its configuration code; Postfix is single-threaded.
        let v = unsafe { pfinet_postfix_param(which) };
        if v.is_null() {
            return p.default_value().to_vec();
        }
        // SAFETY: not null, so a C string (see above).
        unsafe { std::ffi::CStr::from_ptr(v) }.to_bytes().to_vec()
    }

    /// Postfix's msg_verbose.
    pub fn verbose() -> i32 {
        // SAFETY: Postfix's msg_verbose is a plain int that Postfix itself
        // reads without synchronisation; Postfix is single-threaded.
        unsafe { msg_verbose }
    }

    const FMT: &[u8] = b"%s\0";

    /// Postfix's msg_info().
    pub fn info(text: &[u8]) {
        let t = c_text(text);
        // SAFETY: "%s" with one valid NUL-terminated string argument.
        unsafe { msg_info(FMT.as_ptr().cast(), t.as_ptr()) }
    }

    /// Postfix's msg_warn().
    pub fn warn(text: &[u8]) {
        let t = c_text(text);
        // SAFETY: as in info().
        unsafe { msg_warn(FMT.as_ptr().cast(), t.as_ptr()) }
    }

    /// Postfix's msg_fatal(): does not return.
    pub fn fatal(text: &[u8]) -> ! {
        let t = c_text(text);
        // SAFETY: as in info(); msg_fatal does not return.
        unsafe { msg_fatal(FMT.as_ptr().cast(), t.as_ptr()) }
    }

    /// Postfix's msg_panic(): does not return.
    pub fn panic(text: &[u8]) -> ! {
        let t = c_text(text);
        // SAFETY: as in info(); msg_panic does not return.
        unsafe { msg_panic(FMT.as_ptr().cast(), t.as_ptr()) }
    }

    /// vstring_sprintf(why ? why : (why = vstring_alloc(20)), "%s", text)
    ///
    /// # Safety
    /// `why` is null or a live Postfix VSTRING.
    pub unsafe fn why_set(why: *mut VSTRING, text: &[u8]) -> *mut VSTRING {
        let t = c_text(text);
        let why = if why.is_null() {
            // SAFETY: vstring_alloc() has no preconditions and never
            // returns null (it is fatal instead).
            unsafe { vstring_alloc(20) }
        } else {
            why
        };
        // SAFETY: the caller vouches for `why`, or it is the fresh one.
        unsafe { vstring_strcpy(why, t.as_ptr()) }
    }
}

#[cfg(not(feature = "postfix"))]
mod binding {
    use super::*;
    use std::io::Write;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicI32, Ordering};

    static VERBOSE: AtomicI32 = AtomicI32::new(0);
    static TAG: Mutex<Option<Vec<u8>>> = Mutex::new(None);
    static PARAMS: Mutex<Vec<(super::Param, Vec<u8>)>> = Mutex::new(Vec::new());

    /// A parameter's value: set by pfinet_set_param(), else the default.
    pub fn param(p: super::Param) -> Vec<u8> {
        let params = PARAMS.lock().unwrap_or_else(|e| e.into_inner());
        params
            .iter()
            .find(|(q, _)| *q == p)
            .map_or_else(|| p.default_value().to_vec(), |(_, v)| v.clone())
    }

    /// Sets a main.cf parameter (pfinet_set_param()).
    pub fn set_param(p: super::Param, value: &[u8]) {
        let mut params = PARAMS.lock().unwrap_or_else(|e| e.into_inner());
        params.retain(|(q, _)| *q != p);
        params.push((p, value.to_vec()));
    }

    /// Postfix's msg_verbose.
    pub fn verbose() -> i32 {
        VERBOSE.load(Ordering::Relaxed)
    }

    /// Sets msg_verbose (pfinet_set_msg_verbose()).
    pub fn set_verbose(level: i32) {
        VERBOSE.store(level, Ordering::Relaxed)
    }

    /// Sets the program name that starts each message (pfinet_msg_tag()).
    pub fn set_tag(tag: &[u8]) {
        *TAG.lock().unwrap_or_else(|e| e.into_inner()) = Some(tag.to_vec());
    }

    fn tag() -> Vec<u8> {
        use std::os::unix::ffi::OsStrExt;
        if let Some(t) = TAG.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            return t;
        }
        std::env::args_os()
            .next()
            .map(|a| a.as_bytes().to_vec())
            .unwrap_or_else(|| b"pfinet".to_vec())
    }

    /// One line, written in one call so lines from threads do not mix.
    /// Like Postfix's msg_vprintf(), every byte that is not printable
    /// ASCII is shown as '?' (printable(text, '?')).
    fn emit(level: Option<&str>, text: &[u8]) {
        let mut line = tag();
        line.extend_from_slice(b": ");
        if let Some(level) = level {
            line.extend_from_slice(level.as_bytes());
            line.extend_from_slice(b": ");
        }
        line.extend(
            text.iter()
                .map(|&c| if (0x20..0x7f).contains(&c) { c } else { b'?' }),
        );
        line.push(b'\n');
        let _ = std::io::stderr().lock().write_all(&line);
    }

    /// msg_info(): `PROG: text` on stderr.
    pub fn info(text: &[u8]) {
        emit(None, text)
    }

    /// msg_warn(): `PROG: warning: text` on stderr.
    pub fn warn(text: &[u8]) {
        emit(Some("warning"), text)
    }

    /// msg_fatal(): `PROG: fatal: text` on stderr, then exit status 1.
    pub fn fatal(text: &[u8]) -> ! {
        emit(Some("fatal"), text);
        // SAFETY: _exit ends the process at once, as Postfix's msg_fatal.
        unsafe { libc::_exit(1) }
    }

    /// msg_panic(): `PROG: panic: text` on stderr, then abort.
    pub fn panic(text: &[u8]) -> ! {
        emit(Some("panic"), text);
        std::process::abort()
    }

    /// # Safety
    /// `why` is null or a VSTRING that pfinet handed out and not yet freed.
    pub unsafe fn why_set(why: *mut VSTRING, text: &[u8]) -> *mut VSTRING {
        use crate::handle::Handle;
        let text = c_text(text);
        // SAFETY: the caller vouches that `why` is null or a live pfinet
        // VSTRING.
        match unsafe { VSTRING::try_mut(why) } {
            Some(vp) => {
                vp.text = text;
                why
            }
            None => VSTRING { text }.into_raw(),
        }
    }

    /// The text of a pfinet VSTRING, as a C string that lives as long as
    /// it (Postfix's vstring_str()).
    pub fn why_str(why: &VSTRING) -> *const c_char {
        why.text.as_ptr()
    }
}

pub use binding::*;

/// Postfix configuration parameters that pfinet reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    /// inet_interfaces (var_inet_interfaces)
    InetInterfaces,
    /// proxy_interfaces (var_proxy_interfaces)
    ProxyInterfaces,
    /// mynetworks_style (var_mynetworks_style)
    MynetworksStyle,
}

impl Param {
    /// The parameter with this main.cf name, if pfinet reads it.
    pub fn by_name(name: &[u8]) -> Option<Param> {
        match name {
            b"inet_interfaces" => Some(Param::InetInterfaces),
            b"proxy_interfaces" => Some(Param::ProxyInterfaces),
            b"mynetworks_style" => Some(Param::MynetworksStyle),
            _ => None,
        }
    }

    /// The default of a standalone build: Postfix's defaults ("all", "",
    /// and "host", the mynetworks_style of compatibility_level 2 and up).
    pub fn default_value(self) -> &'static [u8] {
        match self {
            Param::InetInterfaces => b"all",
            Param::ProxyInterfaces => b"",
            Param::MynetworksStyle => b"host",
        }
    }
}

/// The C library's text for an errno, as Postfix's `%m` prints it.
pub fn strerror(errno: i32) -> Vec<u8> {
    let mut buf = [0 as libc::c_char; 256];
    // SAFETY: buf is writable for its length; strerror_r (XSI) writes a
    // NUL-terminated string into it or fails without writing.
    let rc = unsafe { libc::strerror_r(errno, buf.as_mut_ptr(), buf.len()) };
    if rc != 0 {
        return format!("Unknown error {errno}").into_bytes();
    }
    // SAFETY: on success buf holds a NUL-terminated string.
    unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) }
        .to_bytes()
        .to_vec()
}
