//! ffi - the one panic boundary and the handle convention every export uses
//!
//! Every `extern "C"` function of pfinet runs its body through
//! [`postfix_boundary`] (Postfix names: a panic becomes Postfix's
//! `msg_panic`, which aborts, as Postfix does on an internal error) or
//! [`api_boundary`] / [`api_call`] (the `pfinet_*` API: a panic becomes an
//! error value and the process goes on). No panic unwinds into C.
//!
//! The handle convention, for every object and out-parameter handed to or
//! from C:
//!
//! - an opaque object lives in a `Box`: [`Handle::into_raw`] hands it out,
//!   [`Handle::try_ref`] / [`Handle::try_mut`] borrow it back (None for
//!   null), [`Handle::free`] releases it (null is fine);
//! - a pointer argument is checked once, in unsafe code at the export, and
//!   becomes a typed value the safe code takes: a C string ([`bytes`]), an
//!   out-parameter ([`OutPtr`], written with a safe `write`), a text
//!   buffer ([`OutBuf`], filled with a safe `put`);
//! - a null required argument gives the function's documented error:
//!   [`Required::required`] turns None into the status API's
//!   [`Status::NULL`] (with `?` inside [`api_call`]), and
//!   [`Required::required_by`] into Postfix's msg_panic ([`null_arg`]).
//!
//! With the test-only cargo feature `test_panic_hook` (never in a release
//! build), the exported function named by the environment variable
//! `PFINET_TEST_PANIC` panics inside its boundary, so that tests can show
//! what each export does with a panic (tests/panic_boundary.rs).

use std::ffi::CStr;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::NonNull;

use libc::{c_char, size_t};

use crate::host;

/// Run `body` for the Postfix-named function `name`; a panic inside is
/// reported as Postfix's `msg_panic("name: internal error: ...")`.
pub fn postfix_boundary<T>(name: &str, body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(|| {
        injected_panic(name);
        body()
    })) {
        Ok(v) => v,
        Err(cause) => host::panic(format!("{name}: internal error: {}", why(&cause)).as_bytes()),
    }
}

/// Run `body` for the `pfinet_*` function `name`; a panic becomes
/// `on_panic`.
pub fn api_boundary<T>(name: &str, on_panic: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(|| {
        injected_panic(name);
        body()
    }))
    .unwrap_or(on_panic)
}

/// The status codes of a C API whose functions return one: the values
/// for a null required argument and for a caught panic.
pub trait Status: Copy {
    /// A required pointer argument was null.
    const NULL: Self;
    /// A bug (a caught panic).
    const INTERNAL: Self;
}

/// Run the body of the status-returning function `name`: `Err(status)`
/// returns early with that status (a null argument through
/// [`Required::required`] and `?`), a panic becomes [`Status::INTERNAL`].
pub fn api_call<S: Status>(name: &str, body: impl FnOnce() -> Result<S, S>) -> S {
    api_boundary(name, S::INTERNAL, || body().unwrap_or_else(|status| status))
}

/// What a required pointer argument checked for null gives.
pub trait Required<T> {
    /// The value, or the status API's [`Status::NULL`].
    fn required<S: Status>(self) -> Result<T, S>;
    /// The value, or Postfix's msg_panic "`func`: null `arg` argument".
    fn required_by(self, func: &str, arg: &str) -> T;
}

impl<T> Required<T> for Option<T> {
    fn required<S: Status>(self) -> Result<T, S> {
        self.ok_or(S::NULL)
    }

    fn required_by(self, func: &str, arg: &str) -> T {
        self.unwrap_or_else(|| null_arg(func, arg))
    }
}

/// An opaque object handed to C in a `Box`. Implement it (no methods) for
/// every such type; its exports use only these methods to create, borrow
/// and release it.
pub trait Handle: Sized {
    /// Hand `self` to C: never null; release it with [`Handle::free`].
    fn into_raw(self) -> *mut Self {
        Box::into_raw(Box::new(self))
    }

    /// Borrow the object at `p`; None for null.
    ///
    /// # Safety
    /// `p` is null or came from [`Handle::into_raw`], has not been freed,
    /// and is not changed while the reference lives.
    unsafe fn try_ref<'a>(p: *const Self) -> Option<&'a Self> {
        // SAFETY: the caller's contract: null or a live Box's object.
        unsafe { p.as_ref() }
    }

    /// Borrow the object at `p` mutably; None for null.
    ///
    /// # Safety
    /// As [`Handle::try_ref`], and nothing else uses the object while the
    /// reference lives.
    unsafe fn try_mut<'a>(p: *mut Self) -> Option<&'a mut Self> {
        // SAFETY: the caller's contract: null or a live Box's object,
        // used by no one else.
        unsafe { p.as_mut() }
    }

    /// Release the object at `p`; null is ignored.
    ///
    /// # Safety
    /// `p` is null or came from [`Handle::into_raw`], and is not used
    /// afterwards.
    unsafe fn free(p: *mut Self) {
        if !p.is_null() {
            // SAFETY: the caller's contract: a live Box, given up here.
            drop(unsafe { Box::from_raw(p) });
        }
    }
}

/// A C out-parameter (`T *out`), checked not null once; written and read
/// by safe code.
pub struct OutPtr<'a, T: Copy> {
    p: NonNull<T>,
    _out: PhantomData<&'a mut T>,
}

impl<'a, T: Copy> OutPtr<'a, T> {
    /// The out-parameter at `p`; None for null.
    ///
    /// # Safety
    /// `p` is null or valid for reads and writes of a `T` (aligned) for
    /// `'a`, and nothing else uses it meanwhile.
    pub unsafe fn from_raw(p: *mut T) -> Option<OutPtr<'a, T>> {
        NonNull::new(p).map(|p| OutPtr {
            p,
            _out: PhantomData,
        })
    }

    /// `*out = value`.
    pub fn write(&mut self, value: T) {
        // SAFETY: from_raw's contract: p is writable for a T.
        unsafe { self.p.as_ptr().write(value) }
    }

    /// `*out` (for in-out parameters).
    pub fn read(&self) -> T {
        // SAFETY: from_raw's contract: p is readable for a T.
        unsafe { self.p.as_ptr().read() }
    }
}

/// Write `value` to an optional out-parameter (nothing when it is null).
pub fn write_opt<T: Copy>(out: &mut Option<OutPtr<'_, T>>, value: T) {
    if let Some(out) = out {
        out.write(value);
    }
}

/// A caller's text buffer (`char *buf, size_t len`): null or empty takes
/// nothing.
pub struct OutBuf<'a> {
    buf: *mut u8,
    len: usize,
    _out: PhantomData<&'a mut [u8]>,
}

impl<'a> OutBuf<'a> {
    /// The buffer of `len` bytes at `buf`.
    ///
    /// # Safety
    /// `buf` is null or writable for `len` bytes for `'a`, and nothing
    /// else uses them meanwhile.
    pub unsafe fn from_raw(buf: *mut c_char, len: size_t) -> OutBuf<'a> {
        OutBuf {
            buf: buf.cast(),
            len: if buf.is_null() { 0 } else { len },
            _out: PhantomData,
        }
    }

    /// Copy `text` into the buffer as a C string, cut to fit (nothing when
    /// the buffer is null or empty).
    pub fn put(&mut self, text: &[u8]) {
        if self.len == 0 {
            return;
        }
        let n = text.len().min(self.len - 1);
        // SAFETY: from_raw's contract: `len` writable bytes at `buf`;
        // n < len.
        unsafe { std::ptr::copy_nonoverlapping(text.as_ptr(), self.buf, n) };
        // SAFETY: as above: n < len, so buf + n is inside the buffer.
        let end = unsafe { self.buf.add(n) };
        // SAFETY: end is one of the buffer's writable bytes.
        unsafe { end.write(0) };
    }
}

/// Test-only: panic when `name` is the function PFINET_TEST_PANIC names.
#[cfg(feature = "test_panic_hook")]
fn injected_panic(name: &str) {
    if std::env::var_os("PFINET_TEST_PANIC").is_some_and(|v| v == name) {
        panic!("panic injected by test_panic_hook");
    }
}

#[cfg(not(feature = "test_panic_hook"))]
#[inline(always)]
fn injected_panic(_name: &str) {}

fn why(cause: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = cause.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = cause.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    }
}

/// The bytes of a C string, or `None` for a null pointer.
///
/// # Safety
/// `p` is null or points to a NUL-terminated string that outlives `'a`.
pub unsafe fn bytes<'a>(p: *const c_char) -> Option<&'a [u8]> {
    if p.is_null() {
        None
    } else {
        // SAFETY: the caller vouches that `p` is a live C string.
        Some(unsafe { CStr::from_ptr(p) }.to_bytes())
    }
}

/// Postfix dereferences its arguments without checking; pfinet checks and
/// reports a null one as Postfix would report any impossible input.
pub fn null_arg(func: &str, arg: &str) -> ! {
    host::panic(format!("{func}: null {arg} argument").as_bytes())
}

/// Postfix's mymalloc(): memory for `n` items of `T`, or Postfix's fatal
/// "mymalloc: insufficient memory for N bytes: ERROR". Free with
/// `libc::free`.
pub fn xmalloc<T>(n: usize) -> *mut T {
    let len = n.saturating_mul(std::mem::size_of::<T>()).max(1);
    // SAFETY: malloc has no preconditions; null is checked below.
    let p = unsafe { libc::malloc(len) };
    if p.is_null() {
        out_of_memory("mymalloc", len);
    }
    p.cast()
}

/// Postfix's myrealloc() for `n` items of `T`.
///
/// # Safety
/// `p` came from [`xmalloc`] or [`xrealloc`] and is not used afterwards.
pub unsafe fn xrealloc<T>(p: *mut T, n: usize) -> *mut T {
    let len = n.saturating_mul(std::mem::size_of::<T>()).max(1);
    // SAFETY: the caller vouches that p is a live malloc'ed block.
    let q = unsafe { libc::realloc(p.cast(), len) };
    if q.is_null() {
        out_of_memory("myrealloc", len);
    }
    q.cast()
}

fn out_of_memory(func: &str, len: usize) -> ! {
    let err = host::strerror(std::io::Error::last_os_error().raw_os_error().unwrap_or(0));
    let mut text = format!("{func}: insufficient memory for {len} bytes: ").into_bytes();
    text.extend_from_slice(&err);
    host::fatal(&text)
}
