//! ffi - the one panic boundary and the handle convention every export uses
//!
//! Every `extern "C"` function of pfinet runs its body through
//! [`postfix_boundary`] (Postfix names: a panic becomes Postfix's
//! `msg_panic`, which aborts, as Postfix does on an internal error) or
//! [`api_boundary`] / [`api_call`] (the `pfinet_*` API: a panic becomes an
//! error value and the process goes on). No panic unwinds into C.
//!
//! The handle convention, for every object and out-parameter handed to or
//! from C (the types are in `handle`, below `host`, re-exported here):
//!
//! - an opaque object lives in a `Box`: [`Handle::into_raw`] hands it out,
//!   [`Handle::try_ref`] / [`Handle::try_mut`] borrow it back (None for
//!   null), [`Handle::free`] releases it (null is fine);
//! - a pointer argument is checked once, in unsafe code at the export, and
//!   becomes a typed value the safe code takes: a C string ([`bytes`]), a
//!   zero-terminated array ([`zero_terminated`]), an out-parameter
//!   ([`OutPtr`], written with a safe `write`), a text buffer ([`OutBuf`],
//!   filled with a safe `put`);
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
use std::panic::{AssertUnwindSafe, catch_unwind};

use libc::c_char;

pub use crate::handle::{Handle, OutBuf, OutPtr, write_opt};

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

/// The items of a zero-terminated C array (such as Postfix's
/// `unsigned *addr_family_list`) before the terminating zero
/// (`T::default()`).
///
/// # Safety
/// `p` points to an array of `T` that ends with a zero, and nothing
/// changes the array during the call.
pub unsafe fn zero_terminated<T: Copy + Default + PartialEq>(mut p: *const T) -> Vec<T> {
    let mut out = Vec::new();
    loop {
        // SAFETY: the caller's contract: p has not gone past the
        // terminating zero, so it points at an item of the array.
        let item = unsafe { p.read() };
        if item == T::default() {
            return out;
        }
        out.push(item);
        // SAFETY: item is not the terminating zero, so the array goes on
        // after it: p + 1 is still inside the array.
        p = unsafe { p.add(1) };
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
