//! handle - opaque objects and out-parameters handed between C and pfinet
//!
//! The types of the handle convention (see `ffi`, which re-exports them
//! and adds the panic boundary and the null-argument errors): [`Handle`]
//! for objects handed to C in a `Box`, [`OutPtr`] for a `T *out`
//! parameter, [`OutBuf`] for a `char *buf, size_t len` text buffer. Each
//! is made once from a raw pointer in unsafe code (whose contract the
//! caller states), and used by safe code after that. Below `host` (whose
//! standalone `VSTRING` is a [`Handle`]) and `ffi`. No C functions; no
//! diagnostics.

use std::marker::PhantomData;
use std::ptr::NonNull;

use libc::{c_char, size_t};

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
