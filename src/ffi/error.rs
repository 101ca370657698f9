//! `wps_error`: the details of a failure, owned by the caller once written to `error_out`.

use super::guard::{arg_ref, write_out};
use super::result::*;
use crate::Error;
use std::ffi::{c_char, CString};

/// The details of a failed call or operation: its `wps_result` code, a message, and, when
/// they apply, the operation's ack id, the service's error name and an HTTP status.
///
/// Ownership: a `wps_error` written to an `error_out` parameter belongs to the caller, who
/// frees it with `wps_error_free`. One passed to a callback (`wps_completion_fn`, the
/// `error` field of `wps_event`) is borrowed for the duration of the call only.
/// Threads: immutable; its accessors may be called from any thread.
#[derive(Debug)]
pub struct wps_error {
    code: wps_result,
    message: CString,
    ack_id: Option<u64>,
    name: Option<CString>,
    http_status: u16,
}

/// The Rust name of `wps_error`, used inside the library.
/// cbindgen:ignore
pub(crate) type WpsError = wps_error;

/// A C string from text that may contain NUL bytes (they would cut it short): each NUL is
/// shown as `\0`.
pub(crate) fn c_string(text: impl Into<String>) -> CString {
    let text = text.into();
    CString::new(text).unwrap_or_else(|e| {
        let escaped = String::from_utf8_lossy(&e.into_vec()).replace('\0', "\\0");
        CString::new(escaped).expect("NULs were escaped")
    })
}

impl wps_error {
    /// An error with a code and a message.
    pub(crate) fn new(code: wps_result, message: impl Into<String>) -> Self {
        wps_error { code, message: c_string(message), ack_id: None, name: None, http_status: 0 }
    }

    pub(crate) fn null_argument(name: &str) -> Self {
        Self::new(WPS_RESULT_NULL_ARGUMENT, format!("{name} must not be NULL"))
    }

    pub(crate) fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(WPS_RESULT_INVALID_ARGUMENT, message)
    }

    /// The library was shut down (`wps_shutdown`) after this client was created.
    pub(crate) fn shut_down() -> Self {
        Self::new(WPS_RESULT_STOPPED, "the library was shut down (wps_shutdown); create a new client")
    }

    pub(crate) fn from_panic(payload: Box<dyn std::any::Any + Send>) -> Self {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Self::new(WPS_RESULT_PANIC, format!("internal error (library bug): {what}"))
    }

    pub(crate) fn code(&self) -> wps_result {
        self.code
    }

    #[cfg(test)]
    pub(crate) fn message(&self) -> &str {
        self.message.to_str().unwrap_or("")
    }

    /// Returns the code, and hands the error to the caller through `error_out` if not NULL.
    ///
    /// # Safety
    /// `error_out` is NULL or valid for a pointer write.
    pub(crate) unsafe fn report(self, error_out: *mut *mut wps_error) -> wps_result {
        let code = self.code;
        if !error_out.is_null() {
            write_out(error_out, Box::into_raw(Box::new(self)));
        }
        code
    }
}

impl From<Error> for wps_error {
    fn from(error: Error) -> Self {
        let ack_id = error.ack_id();
        let mut name = None;
        let mut http_status = 0;
        let code = match &error {
            Error::InvalidArgument(_) => WPS_RESULT_INVALID_ARGUMENT,
            Error::InvalidUrl(_) => WPS_RESULT_INVALID_URL,
            Error::MessageTooLarge { .. } => WPS_RESULT_MESSAGE_TOO_LARGE,
            Error::SendMessage(e) => {
                name = Some(c_string(e.name.clone()));
                WPS_RESULT_SERVICE_ERROR
            }
            Error::Timeout { .. } => WPS_RESULT_TIMEOUT,
            Error::Stopped { .. } => WPS_RESULT_STOPPED,
            Error::ConnectionLost { .. } => WPS_RESULT_CONNECTION_LOST,
            Error::Connect { status, .. } => {
                http_status = status.unwrap_or(0);
                WPS_RESULT_CONNECT_FAILED
            }
            Error::Credential(_) => WPS_RESULT_CREDENTIAL_FAILED,
            Error::IllegalState(_) => WPS_RESULT_ILLEGAL_STATE,
            #[allow(unreachable_patterns)]
            _ => WPS_RESULT_INTERNAL,
        };
        wps_error { code, message: c_string(error.to_string()), ack_id, name, http_status }
    }
}

/// The `wps_result` code of `error` (never `WPS_RESULT_OK`).
///
/// Ownership: `error` is borrowed. Threads: any. NULL: returns `WPS_RESULT_NULL_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn wps_error_code(error: *const wps_error) -> wps_result {
    ffi_guard!({
        match arg_ref(error, "error") {
            Ok(error) => error.code,
            Err(e) => e.code(),
        }
    })
}

/// A human-readable, NUL-terminated UTF-8 message describing `error`. It never contains an
/// access token.
///
/// Ownership: the string belongs to `error` and lives as long as it; do not free it.
/// Threads: any. NULL: returns NULL.
#[no_mangle]
pub unsafe extern "C" fn wps_error_message(error: *const wps_error) -> *const c_char {
    ffi_guard!({
        match error.as_ref() {
            Some(error) => error.message.as_ptr(),
            None => std::ptr::null(),
        }
    })
}

/// The ack id of the operation that failed, when it had one (fire-and-forget sends and
/// non-operation failures have none). Retrying an operation with this ack id is idempotent:
/// the service deduplicates by ack id.
///
/// `*ack_id_out` is written only when this returns true. Ownership: both pointers borrowed.
/// Threads: any. NULL: returns false (and writes nothing) if either pointer is NULL.
#[no_mangle]
pub unsafe extern "C" fn wps_error_ack_id(error: *const wps_error, ack_id_out: *mut u64) -> bool {
    ffi_guard!({
        match (error.as_ref(), ack_id_out.is_null()) {
            (Some(wps_error { ack_id: Some(id), .. }), false) => {
                ack_id_out.write(*id);
                true
            }
            _ => false,
        }
    })
}

/// The service's error name when the service refused the operation
/// (`WPS_RESULT_SERVICE_ERROR`), e.g. `"Forbidden"` or `"InternalServerError"`; NULL for
/// every other error.
///
/// Ownership: the string belongs to `error`; do not free it. Threads: any. NULL: returns NULL.
#[no_mangle]
pub unsafe extern "C" fn wps_error_name(error: *const wps_error) -> *const c_char {
    ffi_guard!({
        match error.as_ref().and_then(|e| e.name.as_ref()) {
            Some(name) => name.as_ptr(),
            None => std::ptr::null(),
        }
    })
}

/// The HTTP status with which the service refused the WebSocket upgrade (e.g. 401 for a
/// bad token) for `WPS_RESULT_CONNECT_FAILED`; 0 when there is none.
///
/// Ownership: borrowed. Threads: any. NULL: returns 0.
#[no_mangle]
pub unsafe extern "C" fn wps_error_http_status(error: *const wps_error) -> u16 {
    ffi_guard!({ error.as_ref().map_or(0, |e| e.http_status) })
}

/// Frees an error written to an `error_out` parameter. NULL is ignored. Never free an error
/// received in a callback (it is borrowed), and never free one twice.
///
/// Threads: any.
#[no_mangle]
pub unsafe extern "C" fn wps_error_free(error: *mut wps_error) {
    ffi_guard!({
        if !error.is_null() {
            drop(Box::from_raw(error));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SendMessageError;

    #[test]
    fn core_errors_map_to_codes_and_details() {
        let e = wps_error::from(Error::SendMessage(SendMessageError {
            ack_id: Some(7),
            name: "Forbidden".into(),
            message: "no permission".into(),
        }));
        assert_eq!(e.code(), WPS_RESULT_SERVICE_ERROR);
        assert_eq!(e.name.as_ref().unwrap().to_str().unwrap(), "Forbidden");
        assert_eq!(e.ack_id, Some(7));
        let e = wps_error::from(Error::Connect { status: Some(401), message: "no".into() });
        assert_eq!((e.code(), e.http_status), (WPS_RESULT_CONNECT_FAILED, 401));
        assert_eq!(wps_error::from(Error::MessageTooLarge { size: 2, limit: 1 }).code(), WPS_RESULT_MESSAGE_TOO_LARGE);
        assert_eq!(wps_error::from(Error::ConnectionLost { ack_id: 3 }).ack_id, Some(3));
    }

    #[test]
    fn messages_with_nul_bytes_are_escaped_not_cut() {
        let e = wps_error::new(WPS_RESULT_INVALID_ARGUMENT, "a\0b");
        assert_eq!(e.message(), "a\\0b");
    }

    #[test]
    fn accessors_tolerate_null() {
        unsafe {
            assert_eq!(wps_error_code(std::ptr::null()), WPS_RESULT_NULL_ARGUMENT);
            assert!(wps_error_message(std::ptr::null()).is_null());
            assert!(wps_error_name(std::ptr::null()).is_null());
            assert_eq!(wps_error_http_status(std::ptr::null()), 0);
            let mut id = 0;
            assert!(!wps_error_ack_id(std::ptr::null(), &mut id));
            wps_error_free(std::ptr::null_mut());
        }
    }
}
