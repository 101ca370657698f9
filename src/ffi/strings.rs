//! `wps_str`, the borrowed strings handed to callbacks, and the per-thread scratch buffer
//! they are built in.
//!
//! Callbacks get `(ptr, len)` views with a NUL after the last byte, so C code can use them
//! as C strings and bindings can copy exactly `len` bytes. Building them needs contiguous
//! NUL-terminated copies; each dispatcher (and the log thread) reuses one growing buffer for
//! that, so delivering an event allocates nothing once the buffer has grown.

use std::ffi::c_char;

/// A borrowed UTF-8 string: `len` bytes at `ptr`, followed by a NUL that `len` does not
/// count. `ptr` is NULL when the value is absent (then `len` is 0); an empty but present
/// string has a non-NULL `ptr` pointing at a NUL.
///
/// Ownership: borrowed, valid only during the callback that received it; copy what you keep.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct wps_str {
    /// The first byte, or NULL when absent.
    pub ptr: *const c_char,
    /// The length in bytes, without the trailing NUL.
    pub len: usize,
}

impl wps_str {
    /// An absent string.
    pub(crate) const NONE: wps_str = wps_str { ptr: std::ptr::null(), len: 0 };
}

/// Where a piece was appended to a [`Scratch`] buffer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Piece {
    offset: usize,
    len: usize,
}

impl Piece {
    /// The piece's length without its NUL.
    pub(crate) fn len(self) -> usize {
        self.len
    }
}

/// A reusable buffer of NUL-terminated pieces. Append every piece first, then resolve them
/// into pointers: appending may move the buffer.
#[derive(Default)]
pub(crate) struct Scratch {
    buf: Vec<u8>,
}

impl Scratch {
    /// Empties the buffer, keeping its capacity.
    pub(crate) fn clear(&mut self) {
        self.buf.clear();
    }

    /// Appends `bytes` plus a NUL.
    pub(crate) fn push(&mut self, bytes: &[u8]) -> Piece {
        let offset = self.buf.len();
        self.buf.reserve(bytes.len() + 1);
        self.buf.extend_from_slice(bytes);
        self.buf.push(0);
        Piece { offset, len: bytes.len() }
    }

    /// Appends an optional string.
    pub(crate) fn push_opt(&mut self, text: Option<&str>) -> Option<Piece> {
        text.map(|t| self.push(t.as_bytes()))
    }

    /// The pointer to a piece's first byte; valid until the next `push` or `clear`.
    pub(crate) fn ptr(&self, piece: Piece) -> *const u8 {
        // In bounds: every piece lies inside the buffer (it has at least its NUL).
        self.buf[piece.offset..].as_ptr()
    }

    /// A piece as a `wps_str`; `None` gives the absent string.
    pub(crate) fn str(&self, piece: Option<Piece>) -> wps_str {
        match piece {
            Some(p) => wps_str { ptr: self.ptr(p).cast(), len: p.len },
            None => wps_str::NONE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn pieces_are_nul_terminated_and_survive_growth() {
        let mut scratch = Scratch::default();
        let a = scratch.push_opt(Some("conn-1"));
        let none = scratch.push_opt(None);
        let empty = scratch.push(b"");
        let big = scratch.push(&vec![b'x'; 10_000]);
        let (a, empty, big, none) =
            (scratch.str(a), scratch.str(Some(empty)), scratch.str(Some(big)), scratch.str(none));
        unsafe {
            assert_eq!(CStr::from_ptr(a.ptr).to_str().unwrap(), "conn-1");
            assert_eq!(a.len, 6);
            assert_eq!(*empty.ptr, 0);
            assert_eq!(empty.len, 0);
            assert_eq!(big.len, 10_000);
            assert_eq!(*big.ptr.add(10_000), 0);
        }
        assert!(none.ptr.is_null() && none.len == 0);
        let capacity = scratch.buf.capacity();
        scratch.clear();
        scratch.push(b"again");
        assert_eq!(scratch.buf.capacity(), capacity, "the buffer is reused");
    }
}
