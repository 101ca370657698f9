//! The boundary every exported function goes through, and the argument checks it uses.
//!
//! Every `extern "C"` function body is exactly one `ffi_guard!` invocation (a test below
//! scans the sources to make sure). The macro wraps the *body*, not the item, so cbindgen
//! still sees a plain `extern "C" fn` and needs no macro expansion (rustls-ffi's
//! `ffi_panic_boundary!` style). It catches panics, so none unwinds into C (which would
//! abort the host), and turns them into `WPS_RESULT_PANIC` or a safe default.
//!
//! The second form, `ffi_guard!(error_out = e, { ... })`, takes a body returning
//! `Result<(), WpsError>` and reports a failure as its code plus, when `e` is not NULL, a
//! `wps_error` written to `*e`. Argument helpers (`arg_ref`, `arg_str`, ...) return
//! `Result`s so a body checks NULL and UTF-8 with `?`.

use super::error::{wps_error, WpsError};
use super::result::*;
use std::ffi::{c_char, CStr};
use std::panic::AssertUnwindSafe;

/// The value an exported function returns when its body panicked.
pub(crate) trait PanicDefault {
    fn panic_default() -> Self;
}

impl PanicDefault for u32 {
    /// Every `u32`-returning export returns a `wps_result`.
    fn panic_default() -> Self {
        WPS_RESULT_PANIC
    }
}

impl PanicDefault for () {
    fn panic_default() -> Self {}
}

impl PanicDefault for bool {
    fn panic_default() -> Self {
        false
    }
}

impl PanicDefault for u16 {
    fn panic_default() -> Self {
        0
    }
}

impl<T> PanicDefault for *const T {
    fn panic_default() -> Self {
        std::ptr::null()
    }
}

impl<T> PanicDefault for *mut T {
    fn panic_default() -> Self {
        std::ptr::null_mut()
    }
}

/// Runs an export's body, turning a panic into the return type's default.
pub(crate) fn boundary<R: PanicDefault>(body: impl FnOnce() -> R) -> R {
    std::panic::catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|_| R::panic_default())
}

/// Runs an export's fallible body; a failure (or panic) is returned as its code and, when
/// `error_out` is not NULL, written to `*error_out` as a new `wps_error`.
///
/// # Safety
/// `error_out` is NULL or valid for a pointer write.
pub(crate) unsafe fn boundary_with_error(
    error_out: *mut *mut wps_error,
    body: impl FnOnce() -> Result<(), WpsError>,
) -> wps_result {
    let outcome =
        std::panic::catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|payload| Err(WpsError::from_panic(payload)));
    match outcome {
        Ok(()) => WPS_RESULT_OK,
        Err(error) => error.report(error_out),
    }
}

/// The one guard every exported function body consists of. See the module docs.
macro_rules! ffi_guard {
    (error_out = $error_out:expr, $body:block) => {
        $crate::ffi::guard::boundary_with_error($error_out, move || -> Result<(), $crate::ffi::error::WpsError> {
            $body
        })
    };
    ($body:block) => {
        $crate::ffi::guard::boundary(move || $body)
    };
}

/// A shared reference from a pointer argument, or `NULL_ARGUMENT` naming it.
///
/// # Safety
/// `ptr` is NULL or points to a live `T` for `'a`.
pub(crate) unsafe fn arg_ref<'a, T>(ptr: *const T, name: &str) -> Result<&'a T, WpsError> {
    ptr.as_ref().ok_or_else(|| WpsError::null_argument(name))
}

/// A mutable reference from a pointer argument, or `NULL_ARGUMENT` naming it.
///
/// # Safety
/// `ptr` is NULL or points to a live `T` not aliased for `'a`.
pub(crate) unsafe fn arg_mut<'a, T>(ptr: *mut T, name: &str) -> Result<&'a mut T, WpsError> {
    ptr.as_mut().ok_or_else(|| WpsError::null_argument(name))
}

/// A string argument: NUL-terminated and strict UTF-8 (never repaired).
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that lives for `'a`.
pub(crate) unsafe fn arg_str<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, WpsError> {
    if ptr.is_null() {
        return Err(WpsError::null_argument(name));
    }
    utf8(CStr::from_ptr(ptr).to_bytes(), name)
}

/// Checks that `bytes` are UTF-8, with an error that names the argument and the offset.
pub(crate) fn utf8<'a>(bytes: &'a [u8], name: &str) -> Result<&'a str, WpsError> {
    std::str::from_utf8(bytes).map_err(|e| {
        WpsError::new(
            WPS_RESULT_INVALID_UTF8,
            format!("{name} is not valid UTF-8 (invalid byte at offset {})", e.valid_up_to()),
        )
    })
}

/// A byte-range argument `(ptr, len)`; `ptr` may be NULL only when `len` is 0.
///
/// # Safety
/// When `len > 0`, `ptr` points to `len` readable bytes that live for `'a`.
pub(crate) unsafe fn arg_bytes<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a [u8], WpsError> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(WpsError::new(WPS_RESULT_NULL_ARGUMENT, format!("{name} is NULL but its length is {len}")));
    }
    if len > isize::MAX as usize {
        return Err(WpsError::new(WPS_RESULT_INVALID_ARGUMENT, format!("{name} length {len} is too large")));
    }
    Ok(std::slice::from_raw_parts(ptr, len))
}

/// Checks an out-parameter before any work is done, so a NULL one fails the call early
/// instead of after a side effect.
pub(crate) fn out_param<T>(ptr: *mut T, name: &str) -> Result<(), WpsError> {
    if ptr.is_null() {
        Err(WpsError::null_argument(name))
    } else {
        Ok(())
    }
}

/// Writes an out-parameter if it is not NULL.
///
/// # Safety
/// `ptr` is NULL or valid for a write of `T`.
pub(crate) unsafe fn write_out<T>(ptr: *mut T, value: T) {
    if !ptr.is_null() {
        ptr.write(value);
    }
}

/// Marks the calling thread as a dispatcher thread, or tells whether it is one.
pub(crate) mod thread_role {
    use std::cell::Cell;

    thread_local! {
        static DISPATCHER: Cell<bool> = const { Cell::new(false) };
    }

    /// Called once at the start of every dispatcher thread.
    pub(crate) fn mark_dispatcher() {
        DISPATCHER.with(|d| d.set(true));
    }

    /// Whether the current thread runs callbacks of clients.
    pub(crate) fn is_dispatcher() -> bool {
        DISPATCHER.with(|d| d.get())
    }
}

/// Fails calls that would wait on something only a dispatcher thread or the runtime can
/// provide: on a dispatcher thread (the waited-for events may need this very thread to drain
/// them) and on runtime threads (blocking there stalls or panics the runtime).
pub(crate) fn ensure_may_block(what: &str) -> Result<(), WpsError> {
    if thread_role::is_dispatcher() {
        return Err(WpsError::new(
            WPS_RESULT_ILLEGAL_STATE,
            format!("{what} blocks and cannot be called from a callback (a dispatcher thread); use the _async form"),
        ));
    }
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(WpsError::new(
            WPS_RESULT_ILLEGAL_STATE,
            format!("{what} blocks and cannot be called on a library runtime thread"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    unsafe fn code_of(error_out: *mut wps_error) -> wps_result {
        let code = (*error_out).code();
        drop(Box::from_raw(error_out));
        code
    }

    #[test]
    fn strings_must_be_present_and_strict_utf8() {
        unsafe {
            assert_eq!(arg_str(std::ptr::null(), "group").unwrap_err().code(), WPS_RESULT_NULL_ARGUMENT);
            let bad = b"ab\xffcd\0";
            let error = arg_str(bad.as_ptr().cast(), "group").unwrap_err();
            assert_eq!(error.code(), WPS_RESULT_INVALID_UTF8);
            assert!(error.message().contains("offset 2"), "{}", error.message());
            let good = "grüße\0";
            assert_eq!(arg_str(good.as_ptr().cast(), "group").unwrap(), "grüße");
        }
    }

    #[test]
    fn bytes_allow_null_only_when_empty() {
        unsafe {
            assert_eq!(arg_bytes(std::ptr::null(), 0, "data").unwrap(), b"");
            assert_eq!(arg_bytes(std::ptr::null(), 3, "data").unwrap_err().code(), WPS_RESULT_NULL_ARGUMENT);
            let data = [1u8, 2, 3];
            assert_eq!(arg_bytes(data.as_ptr(), 2, "data").unwrap(), &[1, 2]);
        }
    }

    #[test]
    fn references_and_out_params_reject_null() {
        unsafe {
            assert_eq!(arg_ref::<u32>(std::ptr::null(), "client").unwrap_err().code(), WPS_RESULT_NULL_ARGUMENT);
            assert_eq!(arg_mut::<u32>(std::ptr::null_mut(), "options").unwrap_err().code(), WPS_RESULT_NULL_ARGUMENT);
            let mut v = 7u32;
            assert_eq!(*arg_ref(&v as *const u32, "v").unwrap(), 7);
            assert!(out_param(std::ptr::null_mut::<u32>(), "out").is_err());
            write_out(std::ptr::null_mut::<u32>(), 1);
            write_out(&mut v as *mut u32, 9);
            assert_eq!(v, 9);
        }
    }

    #[test]
    fn guard_turns_panics_into_results_and_defaults() {
        let r: u32 = boundary(|| panic!("boom"));
        assert_eq!(r, WPS_RESULT_PANIC);
        let p: *const u8 = boundary(|| panic!("boom"));
        assert!(p.is_null());
        let b: bool = boundary(|| panic!("boom"));
        assert!(!b);
        unsafe {
            let mut error: *mut wps_error = std::ptr::null_mut();
            let r = boundary_with_error(&mut error, || panic!("kaputt"));
            assert_eq!(r, WPS_RESULT_PANIC);
            assert!((*error).message().contains("kaputt"));
            assert_eq!(code_of(error), WPS_RESULT_PANIC);
        }
    }

    #[test]
    fn errors_are_written_only_on_failure_and_only_when_asked() {
        unsafe {
            let mut error: *mut wps_error = std::ptr::null_mut();
            assert_eq!(boundary_with_error(&mut error, || Ok(())), WPS_RESULT_OK);
            assert!(error.is_null());
            let r = boundary_with_error(std::ptr::null_mut(), || Err(WpsError::null_argument("x")));
            assert_eq!(r, WPS_RESULT_NULL_ARGUMENT);
            let r = boundary_with_error(&mut error, || Err(WpsError::null_argument("client")));
            assert_eq!(r, WPS_RESULT_NULL_ARGUMENT);
            assert!((*error).message().contains("client"));
            assert_eq!(code_of(error), WPS_RESULT_NULL_ARGUMENT);
        }
    }

    #[test]
    fn blocking_is_refused_on_dispatcher_threads() {
        assert!(ensure_may_block("x").is_ok());
        std::thread::spawn(|| {
            thread_role::mark_dispatcher();
            assert_eq!(ensure_may_block("wps_client_start").unwrap_err().code(), WPS_RESULT_ILLEGAL_STATE);
        })
        .join()
        .unwrap();
    }

    /// Every `extern "C"` function in `src/ffi` must be an exported `wps_` function whose body
    /// is one `ffi_guard!`: nothing may bypass the panic boundary.
    #[test]
    fn every_export_goes_through_the_guard() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ffi");
        let needle = format!("extern \"{}\" fn ", "C");
        let mut files = vec![dir];
        let mut checked = std::collections::BTreeSet::new();
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            // Test helpers (callbacks written in Rust) are not exports.
            let tests_marker = format!("#[cfg(test)]\n{}", "mod tests");
            let mut rest = text.split(tests_marker.as_str()).next().unwrap_or_default();
            while let Some(at) = rest.find(&needle) {
                let after = &rest[at + needle.len()..];
                let name: String = after.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                assert!(
                    name.starts_with("wps_"),
                    "{}: exported function {name:?} lacks the wps_ prefix",
                    path.display()
                );
                let preceding = &rest[..at];
                let attrs = &preceding[preceding.len().saturating_sub(200)..];
                assert!(attrs.contains("#[no_mangle]"), "{}: {name} is not #[no_mangle]", path.display());
                let open = after.find('{').unwrap_or_else(|| panic!("{name} has no body"));
                let body = after[open + 1..].trim_start();
                assert!(
                    body.starts_with("ffi_guard!("),
                    "{}: the body of {name} does not start with ffi_guard!",
                    path.display()
                );
                checked.insert(name);
                rest = after;
            }
        }
        // Cross-check with the header: every declared function was found (and guarded).
        let header = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("include/webpubsub_client.h"),
        )
        .unwrap();
        let declared: std::collections::BTreeSet<String> = header
            .lines()
            .filter(|l| l.contains('(') && !l.starts_with("//") && !l.starts_with("typedef") && !l.starts_with(' '))
            .filter_map(|l| {
                l.split('(').next()?.split_whitespace().last().map(|n| n.trim_start_matches('*').to_string())
            })
            .filter(|n| n.starts_with("wps_"))
            .collect();
        assert!(declared.len() >= 50, "the header scan found only {} functions", declared.len());
        assert_eq!(declared, checked, "the header and the scanned exports differ");
    }
}
