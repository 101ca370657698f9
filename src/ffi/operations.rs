//! Operations (join, leave, send to group, send event), each in a blocking form and an
//! `_async` form with a completion callback.
//!
//! Both forms call the core's `into_future()` on the calling thread, which queues the
//! request at once: operations keep the order in which the calls were made, whichever form
//! and thread later waits for them. The blocking form then waits on the calling thread; the
//! async form polls once (so anything refused before sending, e.g. a too large message, is
//! returned by the call itself) and hands the rest to the runtime, whose result is
//! delivered on the client's dispatcher.

use super::client::{wps_client, ClientInner};
use super::error::{wps_error, WpsError};
use super::events::{
    wps_data_type, WPS_DATA_TYPE_BINARY, WPS_DATA_TYPE_JSON, WPS_DATA_TYPE_PROTOBUF, WPS_DATA_TYPE_TEXT,
};
use super::guard::{arg_bytes, arg_ref, arg_str, ensure_may_block, utf8, write_out};
use super::result::*;
use crate::{Data, Error, JsonText, WebPubSubResult};
use std::ffi::{c_char, c_void};
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// `wps_client_send_to_group` flag: the sending connection itself does not receive the
/// message.
pub const WPS_SEND_NO_ECHO: u32 = 1 << 0;
/// Send flag: send without an ack id; the call completes once the message is queued, with
/// no delivery guarantee (`ack_id` 0 in the result).
pub const WPS_SEND_FIRE_AND_FORGET: u32 = 1 << 1;

/// The outcome of a successful operation.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct wps_op_result {
    /// The ack id the operation used; 0 for fire-and-forget sends.
    pub ack_id: u64,
    /// The service answered `Duplicate`: this ack id had been executed already (e.g. by an
    /// attempt whose ack was lost). The operation took effect exactly once.
    pub duplicated: bool,
}

/// The completion callback of an `_async` call, fired exactly once on the client's
/// dispatcher thread (never inside the `_async` call itself). `result` is `WPS_RESULT_OK`
/// with `op_result` set (NULL for start and stop) and `error` NULL, or a failure with
/// `error` set and `op_result` NULL. Both pointers are borrowed for the duration of the
/// call. The same rules as for listeners apply (see `wps_event_fn`).
#[allow(non_camel_case_types)]
pub type wps_completion_fn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        result: wps_result,
        op_result: *const wps_op_result,
        error: *const wps_error,
    ),
>;

type OpFuture = Pin<Box<dyn Future<Output = Result<WebPubSubResult, Error>> + Send>>;

fn op_result(result: WebPubSubResult) -> wps_op_result {
    wps_op_result { ack_id: result.ack_id.unwrap_or(0), duplicated: result.duplicated }
}

/// A payload from its type and bytes; text and JSON must be UTF-8, JSON must be one valid
/// JSON value.
unsafe fn data_arg(data_type: wps_data_type, data: *const u8, len: usize) -> Result<Data, WpsError> {
    let bytes = arg_bytes(data, len, "data")?;
    match data_type {
        WPS_DATA_TYPE_TEXT => Ok(Data::Text(utf8(bytes, "data")?.to_owned())),
        WPS_DATA_TYPE_JSON => JsonText::parse(utf8(bytes, "data")?)
            .map(Data::Json)
            .map_err(|e| WpsError::invalid_argument(format!("data is not valid JSON: {e}"))),
        WPS_DATA_TYPE_BINARY => Ok(Data::Binary(bytes.to_vec())),
        WPS_DATA_TYPE_PROTOBUF => Ok(Data::Protobuf(bytes.to_vec())),
        other => Err(WpsError::invalid_argument(format!("unknown data type {other}"))),
    }
}

fn check_flags(flags: u32, allowed: u32, what: &str) -> Result<(), WpsError> {
    if flags & !allowed != 0 {
        return Err(WpsError::invalid_argument(format!("flags {flags:#x} include flags {what} does not support")));
    }
    Ok(())
}

/// Applies the ack id and timeout arguments (0: the client's defaults) to a builder.
macro_rules! with_common {
    ($builder:expr, $ack_id:expr, $timeout_ms:expr) => {{
        let mut builder = $builder;
        if $ack_id != 0 {
            builder = builder.ack_id($ack_id);
        }
        if $timeout_ms != 0 {
            builder = builder.timeout(Duration::from_millis($timeout_ms as u64));
        }
        builder
    }};
}

/// An operation's arguments, converted and checked.
enum Op {
    Join(String),
    Leave(String),
    SendToGroup { group: String, data: Data, flags: u32 },
    SendEvent { event: String, data: Data, flags: u32 },
}

impl Op {
    /// Queues the operation (see the module docs) and returns the future of its outcome.
    fn start(self, inner: &ClientInner, ack_id: u64, timeout_ms: u32) -> OpFuture {
        let client = &inner.client;
        let _context = inner.runtime.handle.enter();
        match self {
            Op::Join(group) => with_common!(client.join_group(group), ack_id, timeout_ms).into_future(),
            Op::Leave(group) => with_common!(client.leave_group(group), ack_id, timeout_ms).into_future(),
            Op::SendToGroup { group, data, flags } => {
                with_common!(client.send_to_group(group, data), ack_id, timeout_ms)
                    .no_echo(flags & WPS_SEND_NO_ECHO != 0)
                    .fire_and_forget(flags & WPS_SEND_FIRE_AND_FORGET != 0)
                    .into_future()
            }
            Op::SendEvent { event, data, flags } => with_common!(client.send_event(event, data), ack_id, timeout_ms)
                .fire_and_forget(flags & WPS_SEND_FIRE_AND_FORGET != 0)
                .into_future(),
        }
    }
}

/// The blocking form: waits on the calling thread.
unsafe fn run_blocking(
    client: *mut wps_client,
    what: &str,
    op: impl FnOnce() -> Result<Op, WpsError>,
    ack_id: u64,
    timeout_ms: u32,
    result_out: *mut wps_op_result,
) -> Result<(), WpsError> {
    let inner = &arg_ref(client, "client")?.inner;
    let op = op()?;
    ensure_may_block(what)?;
    inner.runtime.ensure_alive()?;
    let future = op.start(inner, ack_id, timeout_ms);
    let result = super::wait::block_on(&inner.runtime.handle, future).map_err(WpsError::from)?;
    write_out(result_out, op_result(result));
    Ok(())
}

/// The `_async` form: see the module docs.
unsafe fn run_async(
    client: *mut wps_client,
    op: impl FnOnce() -> Result<Op, WpsError>,
    ack_id: u64,
    timeout_ms: u32,
    callback: wps_completion_fn,
    user_data: *mut c_void,
) -> Result<(), WpsError> {
    let inner = &arg_ref(client, "client")?.inner;
    let op = op()?;
    inner.runtime.ensure_alive()?;
    let mut future = op.start(inner, ack_id, timeout_ms);
    let first = {
        let _context = inner.runtime.handle.enter();
        future.as_mut().poll(&mut Context::from_waker(Waker::noop()))
    };
    let first = match first {
        // Refused locally (invalid, too large, client stopped): reported by this call, not
        // by the callback. Outcomes from the service always go through the callback, even
        // if they were already there, so where a result arrives never depends on timing.
        Poll::Ready(Err(error)) if refused_locally(&error) => return Err(error.into()),
        other => other,
    };
    let pending = callback.map(|cb| inner.mailbox.begin_completion(cb, user_data));
    match first {
        Poll::Ready(outcome) => {
            if let Some(pending) = pending {
                pending.complete(outcome.map(|r| Some(op_result(r))).map_err(WpsError::from));
            }
        }
        Poll::Pending => drop(inner.runtime.handle.spawn(async move {
            let outcome = future.await;
            if let Some(pending) = pending {
                pending.complete(outcome.map(|r| Some(op_result(r))).map_err(WpsError::from));
            }
        })),
    }
    Ok(())
}

/// Errors the core returns before (or instead of) sending anything.
fn refused_locally(error: &Error) -> bool {
    matches!(
        error,
        Error::InvalidArgument(_)
            | Error::InvalidUrl(_)
            | Error::MessageTooLarge { .. }
            | Error::Stopped { .. }
            | Error::IllegalState(_)
    )
}

fn group_op(group: *const c_char, make: fn(String) -> Op) -> impl FnOnce() -> Result<Op, WpsError> {
    move || unsafe { Ok(make(arg_str(group, "group")?.to_owned())) }
}

fn send_to_group_op(
    group: *const c_char,
    data_type: wps_data_type,
    data: *const u8,
    len: usize,
    flags: u32,
) -> impl FnOnce() -> Result<Op, WpsError> {
    move || unsafe {
        let group = arg_str(group, "group")?.to_owned();
        check_flags(flags, WPS_SEND_NO_ECHO | WPS_SEND_FIRE_AND_FORGET, "send_to_group")?;
        Ok(Op::SendToGroup { group, data: data_arg(data_type, data, len)?, flags })
    }
}

fn send_event_op(
    event: *const c_char,
    data_type: wps_data_type,
    data: *const u8,
    len: usize,
    flags: u32,
) -> impl FnOnce() -> Result<Op, WpsError> {
    move || unsafe {
        let event = arg_str(event, "event")?.to_owned();
        check_flags(flags, WPS_SEND_FIRE_AND_FORGET, "send_event")?;
        Ok(Op::SendEvent { event, data: data_arg(data_type, data, len)?, flags })
    }
}

/// Joins `group`, so this client receives its messages, and blocks until the service acks.
///
/// `ack_id`: 0 for the client's next ack id, or an id to reuse (retrying a failed attempt with
/// its ack id is idempotent). `timeout_ms`: 0 for the client's operation timeout. The
/// operation survives connection recovery (it is resent with the same ack id).
/// `*result_out` (may be NULL) is written only on success. On failure `*error_out` (may be
/// NULL) receives an error to free with `wps_error_free`; it has the ack id and, for
/// `WPS_RESULT_SERVICE_ERROR`, the service's error name (e.g. `Forbidden`).
///
/// Returns `WPS_RESULT_OK`, `WPS_RESULT_NULL_ARGUMENT`, `WPS_RESULT_INVALID_UTF8`,
/// `WPS_RESULT_INVALID_ARGUMENT` (a group name empty, whitespace only or over 1024 characters,
/// counted as Unicode scalar values, not bytes; an ack id in use),
/// `WPS_RESULT_SERVICE_ERROR`, `WPS_RESULT_TIMEOUT`, `WPS_RESULT_STOPPED`,
/// `WPS_RESULT_ILLEGAL_STATE` (on a dispatcher thread: use the `_async` form in callbacks).
/// `group` is borrowed for the call. Threads: any thread except dispatcher threads.
#[no_mangle]
pub unsafe extern "C" fn wps_client_join_group(
    client: *mut wps_client,
    group: *const c_char,
    ack_id: u64,
    timeout_ms: u32,
    result_out: *mut wps_op_result,
    error_out: *mut *mut wps_error,
) -> wps_result {
    ffi_guard!(error_out = error_out, {
        run_blocking(client, "wps_client_join_group", group_op(group, Op::Join), ack_id, timeout_ms, result_out)
    })
}

/// `wps_client_join_group` without blocking: `callback` (may be NULL) fires exactly once
/// on the client's dispatcher with the outcome. A request refused locally (NULL, invalid
/// UTF-8 or arguments, too large, client stopped or shut down) is returned by this call,
/// with `*error_out` set as for the blocking form, and then the callback is never called;
/// every outcome from the service (success, service error, timeout, ...) goes through the
/// callback.
/// Threads: any, including callbacks.
#[no_mangle]
pub unsafe extern "C" fn wps_client_join_group_async(
    client: *mut wps_client,
    group: *const c_char,
    ack_id: u64,
    timeout_ms: u32,
    callback: wps_completion_fn,
    user_data: *mut c_void,
    error_out: *mut *mut wps_error,
) -> wps_result {
    ffi_guard!(error_out = error_out, {
        run_async(client, group_op(group, Op::Join), ack_id, timeout_ms, callback, user_data)
    })
}

/// Leaves `group` and blocks until the service acks. Arguments, results and threads as for
/// `wps_client_join_group`.
#[no_mangle]
pub unsafe extern "C" fn wps_client_leave_group(
    client: *mut wps_client,
    group: *const c_char,
    ack_id: u64,
    timeout_ms: u32,
    result_out: *mut wps_op_result,
    error_out: *mut *mut wps_error,
) -> wps_result {
    ffi_guard!(error_out = error_out, {
        run_blocking(client, "wps_client_leave_group", group_op(group, Op::Leave), ack_id, timeout_ms, result_out)
    })
}

/// `wps_client_leave_group` without blocking; as `wps_client_join_group_async`.
#[no_mangle]
pub unsafe extern "C" fn wps_client_leave_group_async(
    client: *mut wps_client,
    group: *const c_char,
    ack_id: u64,
    timeout_ms: u32,
    callback: wps_completion_fn,
    user_data: *mut c_void,
    error_out: *mut *mut wps_error,
) -> wps_result {
    ffi_guard!(error_out = error_out, {
        run_async(client, group_op(group, Op::Leave), ack_id, timeout_ms, callback, user_data)
    })
}

/// Publishes `len` bytes at `data` (NULL allowed when `len` is 0; copied) of type
/// `data_type` (`WPS_DATA_TYPE_*`; text and JSON must be UTF-8, JSON one valid JSON value)
/// to `group`, and blocks until the service acks it (or, with `WPS_SEND_FIRE_AND_FORGET`,
/// until it is queued). `flags`: `WPS_SEND_NO_ECHO`, `WPS_SEND_FIRE_AND_FORGET`.
///
/// Returns, besides those of `wps_client_join_group`: `WPS_RESULT_MESSAGE_TOO_LARGE` (the
/// encoded message exceeds 1 MB; nothing was sent), `WPS_RESULT_CONNECTION_LOST` (the
/// connection was replaced before the ack: the outcome is unknown), and
/// `WPS_RESULT_INVALID_ARGUMENT` for invalid JSON, an unknown data type or unknown flags.
/// Other arguments, results and threads as for `wps_client_join_group`.
#[no_mangle]
pub unsafe extern "C" fn wps_client_send_to_group(
    client: *mut wps_client,
    group: *const c_char,
    data_type: wps_data_type,
    data: *const u8,
    len: usize,
    flags: u32,
    ack_id: u64,
    timeout_ms: u32,
    result_out: *mut wps_op_result,
    error_out: *mut *mut wps_error,
) -> wps_result {
    ffi_guard!(error_out = error_out, {
        let op = send_to_group_op(group, data_type, data, len, flags);
        run_blocking(client, "wps_client_send_to_group", op, ack_id, timeout_ms, result_out)
    })
}

/// `wps_client_send_to_group` without blocking; as `wps_client_join_group_async`. The
/// payload is copied before this returns.
#[no_mangle]
pub unsafe extern "C" fn wps_client_send_to_group_async(
    client: *mut wps_client,
    group: *const c_char,
    data_type: wps_data_type,
    data: *const u8,
    len: usize,
    flags: u32,
    ack_id: u64,
    timeout_ms: u32,
    callback: wps_completion_fn,
    user_data: *mut c_void,
    error_out: *mut *mut wps_error,
) -> wps_result {
    ffi_guard!(error_out = error_out, {
        let op = send_to_group_op(group, data_type, data, len, flags);
        run_async(client, op, ack_id, timeout_ms, callback, user_data)
    })
}

/// Sends the event `event` with a payload to the application server (its event handler),
/// and blocks until the service acks it (or, with `WPS_SEND_FIRE_AND_FORGET`, the only flag
/// allowed here, until it is queued). Payload, arguments, results and threads as for
/// `wps_client_send_to_group`.
#[no_mangle]
pub unsafe extern "C" fn wps_client_send_event(
    client: *mut wps_client,
    event: *const c_char,
    data_type: wps_data_type,
    data: *const u8,
    len: usize,
    flags: u32,
    ack_id: u64,
    timeout_ms: u32,
    result_out: *mut wps_op_result,
    error_out: *mut *mut wps_error,
) -> wps_result {
    ffi_guard!(error_out = error_out, {
        let op = send_event_op(event, data_type, data, len, flags);
        run_blocking(client, "wps_client_send_event", op, ack_id, timeout_ms, result_out)
    })
}

/// `wps_client_send_event` without blocking; as `wps_client_join_group_async`.
#[no_mangle]
pub unsafe extern "C" fn wps_client_send_event_async(
    client: *mut wps_client,
    event: *const c_char,
    data_type: wps_data_type,
    data: *const u8,
    len: usize,
    flags: u32,
    ack_id: u64,
    timeout_ms: u32,
    callback: wps_completion_fn,
    user_data: *mut c_void,
    error_out: *mut *mut wps_error,
) -> wps_result {
    ffi_guard!(error_out = error_out, {
        let op = send_event_op(event, data_type, data, len, flags);
        run_async(client, op, ack_id, timeout_ms, callback, user_data)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_are_checked_by_type() {
        unsafe {
            let json = b"{\"a\":1}";
            assert!(matches!(data_arg(WPS_DATA_TYPE_JSON, json.as_ptr(), json.len()), Ok(Data::Json(_))));
            let bad = b"{a:1}";
            let e = data_arg(WPS_DATA_TYPE_JSON, bad.as_ptr(), bad.len()).unwrap_err();
            assert_eq!(e.code(), WPS_RESULT_INVALID_ARGUMENT);
            assert!(e.message().contains("JSON"));
            let latin1 = b"caf\xe9";
            assert_eq!(data_arg(WPS_DATA_TYPE_TEXT, latin1.as_ptr(), 4).unwrap_err().code(), WPS_RESULT_INVALID_UTF8);
            assert!(matches!(data_arg(WPS_DATA_TYPE_BINARY, latin1.as_ptr(), 4), Ok(Data::Binary(b)) if b.len() == 4));
            assert!(matches!(data_arg(WPS_DATA_TYPE_TEXT, std::ptr::null(), 0), Ok(Data::Text(t)) if t.is_empty()));
            assert_eq!(data_arg(9, latin1.as_ptr(), 4).unwrap_err().code(), WPS_RESULT_INVALID_ARGUMENT);
        }
    }

    #[test]
    fn unknown_flags_are_refused() {
        assert!(check_flags(WPS_SEND_NO_ECHO, WPS_SEND_FIRE_AND_FORGET, "send_event").is_err());
        assert!(check_flags(
            WPS_SEND_NO_ECHO | WPS_SEND_FIRE_AND_FORGET,
            WPS_SEND_NO_ECHO | WPS_SEND_FIRE_AND_FORGET,
            "x"
        )
        .is_ok());
    }
}
