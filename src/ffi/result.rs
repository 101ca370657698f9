//! `wps_result`: the status every fallible function returns, with stable numbers.
//!
//! The values are plain `uint32_t` constants, not a C enum type: cbindgen's newer enum output
//! (C23 fixed underlying types) breaks cgo and cffi, and plain integers are read the same way
//! by every binding. Numbers are never reused or renumbered; new results are appended.

/// The status of a call: `WPS_RESULT_OK` (0) or one of the `WPS_RESULT_*` failures.
/// Details of a failure, when the function has a `wps_error **error_out` parameter, are in
/// the `wps_error` written there.
#[allow(non_camel_case_types)]
pub type wps_result = u32;

/// Success.
pub const WPS_RESULT_OK: wps_result = 0;
/// A required pointer argument was NULL. Nothing was done.
pub const WPS_RESULT_NULL_ARGUMENT: wps_result = 1;
/// A string argument is not valid UTF-8 (strings are never repaired). Nothing was done.
pub const WPS_RESULT_INVALID_UTF8: wps_result = 2;
/// An argument is out of range or malformed (empty group name, invalid JSON, unknown flag,
/// zero timeout where one is required, ...). Nothing was done.
pub const WPS_RESULT_INVALID_ARGUMENT: wps_result = 3;
/// The library hit an internal bug (a Rust panic) and stopped it at the boundary. The
/// object involved should be considered unusable.
pub const WPS_RESULT_PANIC: wps_result = 4;
/// The call does not fit the current state: `wps_client_start` on a started client, a
/// blocking call on a dispatcher thread, `wps_runtime_configure` after the runtime started.
pub const WPS_RESULT_ILLEGAL_STATE: wps_result = 5;
/// The operation did not complete within its timeout. Retrying with the same ack id (see
/// `wps_error_ack_id`) is safe: the service deduplicates.
pub const WPS_RESULT_TIMEOUT: wps_result = 6;
/// The client is stopped, was stopped (or freed) while the operation was pending, or the
/// library was shut down.
pub const WPS_RESULT_STOPPED: wps_result = 7;
/// The service refused the operation: its ack carried an error. `wps_error_name` gives the
/// service's error name (e.g. `Forbidden`), `wps_error_ack_id` the ack id.
pub const WPS_RESULT_SERVICE_ERROR: wps_result = 8;
/// The connection was replaced by a new one (not recovered) before the ack arrived, so
/// whether the service executed the message is unknown. It is not retried automatically.
pub const WPS_RESULT_CONNECTION_LOST: wps_result = 9;
/// Opening the connection failed (network, TLS, HTTP refusal: see `wps_error_http_status`).
pub const WPS_RESULT_CONNECT_FAILED: wps_result = 10;
/// The encoded message is larger than the service accepts (1 MB). Nothing was sent.
pub const WPS_RESULT_MESSAGE_TOO_LARGE: wps_result = 11;
/// The client access URL cannot be used.
pub const WPS_RESULT_INVALID_URL: wps_result = 12;
/// The credential callback failed to provide a client access URL.
pub const WPS_RESULT_CREDENTIAL_FAILED: wps_result = 13;
/// No such item (e.g. an unknown listener id).
pub const WPS_RESULT_NOT_FOUND: wps_result = 14;
/// An unexpected failure inside the library (e.g. a thread could not be started).
pub const WPS_RESULT_INTERNAL: wps_result = 15;

/// The text of every result, in number order.
const TEXTS: [&str; 16] = [
    "ok\0",
    "a required pointer argument was NULL\0",
    "a string argument is not valid UTF-8\0",
    "invalid argument\0",
    "internal panic (library bug)\0",
    "illegal state for this call\0",
    "timed out\0",
    "the client is stopped\0",
    "the service refused the operation\0",
    "the connection was lost before the ack arrived\0",
    "connect failed\0",
    "message too large\0",
    "invalid client access URL\0",
    "the credential callback failed\0",
    "not found\0",
    "internal error\0",
];

/// The text for a result code, or for codes this version does not know.
#[cfg(test)]
fn text(result: wps_result) -> &'static str {
    let with_nul = TEXTS.get(result as usize).copied().unwrap_or("unknown result\0");
    &with_nul[..with_nul.len() - 1]
}

/// A short, static, English description of `result`, e.g. `"timed out"`, for logs. Unknown
/// codes (from a newer library) give `"unknown result"`.
///
/// Ownership: the string is static; never free it. Threads: any. Never NULL.
#[no_mangle]
pub extern "C" fn wps_result_str(result: wps_result) -> *const std::ffi::c_char {
    ffi_guard!({
        let with_nul = TEXTS.get(result as usize).copied().unwrap_or("unknown result\0");
        with_nul.as_ptr().cast()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_is_nul_terminated_and_codes_are_dense() {
        for t in TEXTS {
            assert!(t.ends_with('\0') && !t[..t.len() - 1].contains('\0'));
        }
        assert_eq!(TEXTS.len() as u32, WPS_RESULT_INTERNAL + 1);
        assert_eq!(text(WPS_RESULT_TIMEOUT), "timed out");
        assert_eq!(text(9999), "unknown result");
        let s = unsafe { std::ffi::CStr::from_ptr(wps_result_str(9999)) };
        assert_eq!(s.to_str().unwrap(), "unknown result");
    }
}
