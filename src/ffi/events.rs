//! Listeners and `wps_event`: how the core's events reach C callbacks.
//!
//! One callback type serves every event: a listener names the kinds it wants with a bit
//! mask, and receives a flat `wps_event` whose fields depend on the kind. Events are
//! converted once per event (only if some listener wants the kind), into the dispatcher's
//! scratch buffer, and the same struct is passed to every interested listener.

use super::client::wps_client;
use super::dispatch::{lock, Mailbox, UserData};
use super::error::{wps_error, WpsError};
use super::guard::{arg_ref, write_out};
use super::options::wps_free_fn;
use super::result::*;
use super::strings::{wps_str, Piece, Scratch};
use crate::{ClientState, Data, Event};
use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A client state, one of the `WPS_STATE_*` values.
#[allow(non_camel_case_types)]
pub type wps_state = u32;
/// Not started, or stopped; `wps_client_start` may be called.
pub const WPS_STATE_STOPPED: wps_state = 0;
/// Opening the first connection.
pub const WPS_STATE_CONNECTING: wps_state = 1;
/// Connected; operations are sent at once.
pub const WPS_STATE_CONNECTED: wps_state = 2;
/// The reliable connection dropped and is being recovered (same connection id, nothing
/// lost); operations wait.
pub const WPS_STATE_RECOVERING: wps_state = 3;
/// The connection was lost for good; a new one is being opened; operations wait.
pub const WPS_STATE_RECONNECTING: wps_state = 4;
/// `stop` is closing the connection.
pub const WPS_STATE_STOPPING: wps_state = 5;

/// The type of a message payload, one of the `WPS_DATA_TYPE_*` values.
#[allow(non_camel_case_types)]
pub type wps_data_type = u32;
/// UTF-8 text.
pub const WPS_DATA_TYPE_TEXT: wps_data_type = 1;
/// One JSON value, as UTF-8 text.
pub const WPS_DATA_TYPE_JSON: wps_data_type = 2;
/// Raw bytes.
pub const WPS_DATA_TYPE_BINARY: wps_data_type = 3;
/// A serialized `google.protobuf.Any`, as raw bytes.
pub const WPS_DATA_TYPE_PROTOBUF: wps_data_type = 4;

/// A new connection is established (not raised by a recovery): `connection_id`, `user_id`
/// (absent for anonymous connections).
pub const WPS_EVENT_CONNECTED: u32 = 1 << 0;
/// The connection is lost for good (recovery impossible or failed, or `stop` closed it):
/// `connection_id` (absent if never established), `message`, `close_code` when a close
/// frame arrived.
pub const WPS_EVENT_DISCONNECTED: u32 = 1 << 1;
/// The client stopped and will not reconnect until started again. No fields.
pub const WPS_EVENT_STOPPED: u32 = 1 << 2;
/// A message from the application server: `data_type`, `data`, `data_len`,
/// `sequence_id` (reliable protocol).
pub const WPS_EVENT_SERVER_MESSAGE: u32 = 1 << 3;
/// A message from a joined group: `group`, `from_user_id` (absent if the publisher has no
/// user id), `data_type`, `data`, `data_len`, `sequence_id` (reliable protocol).
pub const WPS_EVENT_GROUP_MESSAGE: u32 = 1 << 4;
/// Joining a group again on a new connection failed: `group`, `error`.
pub const WPS_EVENT_REJOIN_GROUP_FAILED: u32 = 1 << 5;
/// The public state changed: `previous_state`, `current_state`.
pub const WPS_EVENT_STATE_CHANGED: u32 = 1 << 6;
/// The reliable connection dropped and recovery began: `connection_id`, `close_code` when a
/// close frame arrived.
pub const WPS_EVENT_RECOVERING: u32 = 1 << 7;
/// The connection was recovered; nothing sent to it is lost: `connection_id`, `elapsed_ms`
/// (from the drop to the recovered socket).
pub const WPS_EVENT_RECOVERED: u32 = 1 << 8;
/// Callbacks fell behind: the event queue is full and the client paused reading from the
/// socket until it drains: `queued`.
pub const WPS_EVENT_SLOW_CONSUMER: u32 = 1 << 9;
/// Every event kind this version knows.
pub const WPS_EVENT_ALL: u32 = (1 << 10) - 1;

/// An event, as passed to a `wps_event_fn`. Which fields are set depends on `kind` (see the
/// `WPS_EVENT_*` constants); the others are zero, NULL or absent. Fields are only ever
/// appended in later versions, never reordered.
///
/// Ownership: the struct and everything it points to are borrowed for the duration of the
/// callback; copy what you keep.
#[repr(C)]
pub struct wps_event {
    /// One `WPS_EVENT_*` bit.
    pub kind: u32,
    /// The connection's id (connected, disconnected, recovering, recovered).
    pub connection_id: wps_str,
    /// The user id of the connection (connected).
    pub user_id: wps_str,
    /// The service's or the client's explanation (disconnected).
    pub message: wps_str,
    /// The group (group message, rejoin failed).
    pub group: wps_str,
    /// The publisher's user id (group message).
    pub from_user_id: wps_str,
    /// `WPS_DATA_TYPE_*` of `data` (messages), else 0.
    pub data_type: wps_data_type,
    /// The payload (messages): UTF-8 for text and JSON, raw bytes otherwise, followed by a
    /// NUL not counted in `data_len`. NULL for other events.
    pub data: *const u8,
    /// The payload's length in bytes.
    pub data_len: usize,
    /// The service's sequence id of the message, if `has_sequence_id`.
    pub sequence_id: u64,
    /// Whether `sequence_id` is set (messages on the reliable protocol).
    pub has_sequence_id: bool,
    /// The WebSocket close code, if `has_close_code` (disconnected, recovering).
    pub close_code: u16,
    /// Whether `close_code` is set.
    pub has_close_code: bool,
    /// The state before (state changed).
    pub previous_state: wps_state,
    /// The state now (state changed).
    pub current_state: wps_state,
    /// Milliseconds from the drop to the recovered socket (recovered).
    pub elapsed_ms: u64,
    /// Events queued when reading paused (slow consumer).
    pub queued: usize,
    /// Why rejoining failed (rejoin group failed), else NULL. Borrowed.
    pub error: *const wps_error,
}

/// A listener callback. `event` is borrowed for the duration of the call.
///
/// Runs on the client's dispatcher thread, in event order, never concurrently with another
/// callback of the same client. It may call any function of the library, including
/// `wps_client_stop`, `wps_client_free` and the `_async` operations, except the blocking
/// ones (`wps_client_start`, blocking operations, `wps_shutdown`), which return
/// `WPS_RESULT_ILLEGAL_STATE` here. It must not unwind (C++ exceptions, longjmp) into the
/// library.
#[allow(non_camel_case_types)]
pub type wps_event_fn = Option<unsafe extern "C" fn(user_data: *mut c_void, event: *const wps_event)>;

/// The state as its `WPS_STATE_*` value.
pub(crate) fn state_value(state: ClientState) -> wps_state {
    match state {
        ClientState::Stopped => WPS_STATE_STOPPED,
        ClientState::Connecting => WPS_STATE_CONNECTING,
        ClientState::Connected => WPS_STATE_CONNECTED,
        ClientState::Recovering => WPS_STATE_RECOVERING,
        ClientState::Reconnecting => WPS_STATE_RECONNECTING,
        ClientState::Stopping => WPS_STATE_STOPPING,
    }
}

fn data_type_value(data: &Data) -> wps_data_type {
    match data {
        Data::Text(_) => WPS_DATA_TYPE_TEXT,
        Data::Json(_) => WPS_DATA_TYPE_JSON,
        Data::Binary(_) => WPS_DATA_TYPE_BINARY,
        Data::Protobuf(_) => WPS_DATA_TYPE_PROTOBUF,
    }
}

/// The `WPS_EVENT_*` bit of an event; 0 for kinds this layer does not know yet.
pub(crate) fn kind_of(event: &Event) -> u32 {
    match event {
        Event::Connected { .. } => WPS_EVENT_CONNECTED,
        Event::Disconnected { .. } => WPS_EVENT_DISCONNECTED,
        Event::Stopped => WPS_EVENT_STOPPED,
        Event::ServerMessage(_) => WPS_EVENT_SERVER_MESSAGE,
        Event::GroupMessage(_) => WPS_EVENT_GROUP_MESSAGE,
        Event::RejoinGroupFailed { .. } => WPS_EVENT_REJOIN_GROUP_FAILED,
        Event::StateChanged { .. } => WPS_EVENT_STATE_CHANGED,
        Event::Recovering { .. } => WPS_EVENT_RECOVERING,
        Event::Recovered { .. } => WPS_EVENT_RECOVERED,
        Event::SlowConsumer { .. } => WPS_EVENT_SLOW_CONSUMER,
        #[allow(unreachable_patterns)]
        _ => 0,
    }
}

/// The string and byte fields of an event, appended to the scratch buffer.
#[derive(Default)]
struct Pieces {
    connection_id: Option<Piece>,
    user_id: Option<Piece>,
    message: Option<Piece>,
    group: Option<Piece>,
    from_user_id: Option<Piece>,
    data: Option<Piece>,
}

fn empty_event(kind: u32) -> wps_event {
    wps_event {
        kind,
        connection_id: wps_str::NONE,
        user_id: wps_str::NONE,
        message: wps_str::NONE,
        group: wps_str::NONE,
        from_user_id: wps_str::NONE,
        data_type: 0,
        data: std::ptr::null(),
        data_len: 0,
        sequence_id: 0,
        has_sequence_id: false,
        close_code: 0,
        has_close_code: false,
        previous_state: 0,
        current_state: 0,
        elapsed_ms: 0,
        queued: 0,
        error: std::ptr::null(),
    }
}

/// Converts an event. Its strings live in `scratch`, its error (if any) in `error`; the
/// result is valid while both are untouched.
pub(crate) fn convert(event: &Event, scratch: &mut Scratch, error: &mut Option<WpsError>) -> wps_event {
    scratch.clear();
    let mut e = empty_event(kind_of(event));
    let mut p = Pieces::default();
    let set_close = |e: &mut wps_event, code: &Option<u16>| {
        e.close_code = code.unwrap_or(0);
        e.has_close_code = code.is_some();
    };
    match event {
        Event::Connected { connection_id, user_id } => {
            p.connection_id = scratch.push_opt(Some(connection_id));
            p.user_id = scratch.push_opt(user_id.as_deref());
        }
        Event::Disconnected { connection_id, message, close_code } => {
            p.connection_id = scratch.push_opt(connection_id.as_deref());
            p.message = scratch.push_opt(message.as_deref());
            set_close(&mut e, close_code);
        }
        Event::ServerMessage(m) => {
            e.data_type = data_type_value(&m.data);
            p.data = Some(scratch.push(m.data.as_bytes()));
            e.sequence_id = m.sequence_id.unwrap_or(0);
            e.has_sequence_id = m.sequence_id.is_some();
        }
        Event::GroupMessage(m) => {
            p.group = scratch.push_opt(Some(&m.group));
            p.from_user_id = scratch.push_opt(m.from_user_id.as_deref());
            e.data_type = data_type_value(&m.data);
            p.data = Some(scratch.push(m.data.as_bytes()));
            e.sequence_id = m.sequence_id.unwrap_or(0);
            e.has_sequence_id = m.sequence_id.is_some();
        }
        Event::RejoinGroupFailed { group, error: cause } => {
            p.group = scratch.push_opt(Some(group));
            *error = Some(WpsError::from(cause.clone()));
        }
        Event::StateChanged { previous, current } => {
            e.previous_state = state_value(*previous);
            e.current_state = state_value(*current);
        }
        Event::Recovering { connection_id, close_code } => {
            p.connection_id = scratch.push_opt(Some(connection_id));
            set_close(&mut e, close_code);
        }
        Event::Recovered { connection_id, elapsed } => {
            p.connection_id = scratch.push_opt(Some(connection_id));
            e.elapsed_ms = elapsed.as_millis().min(u64::MAX as u128) as u64;
        }
        Event::SlowConsumer { queued } => e.queued = *queued,
        _ => {}
    }
    e.connection_id = scratch.str(p.connection_id);
    e.user_id = scratch.str(p.user_id);
    e.message = scratch.str(p.message);
    e.group = scratch.str(p.group);
    e.from_user_id = scratch.str(p.from_user_id);
    if let Some(data) = p.data {
        e.data = scratch.ptr(data);
        e.data_len = data.len();
    }
    e.error = error.as_ref().map_or(std::ptr::null(), |e| e as *const WpsError);
    e
}

/// One registered listener. Dropping the last reference runs its finalizer, so the
/// finalizer always follows the last invocation.
pub(crate) struct Listener {
    id: u64,
    mask: u32,
    callback: unsafe extern "C" fn(*mut c_void, *const wps_event),
    user_data: UserData,
    free_user_data: wps_free_fn,
    removed: AtomicBool,
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Some(free) = self.free_user_data.take() {
            let user_data = self.user_data;
            let _ = std::panic::catch_unwind(move || unsafe { free(user_data.0) });
        }
    }
}

/// A client's listeners, copied on write so the dispatcher takes a snapshot without
/// allocating.
#[derive(Default)]
pub(crate) struct ListenerSet {
    list: Arc<Vec<Arc<Listener>>>,
    next_id: u64,
    closed: bool,
}

impl ListenerSet {
    /// Ends the set (the client is gone) and returns its listeners for finalization.
    pub(crate) fn close(&mut self) -> Arc<Vec<Arc<Listener>>> {
        self.closed = true;
        std::mem::take(&mut self.list)
    }
}

/// Calls every listener interested in `event`, unless the client was freed.
pub(crate) fn deliver(mailbox: &Mailbox, event: Event, scratch: &mut Scratch) {
    if mailbox.is_freed() {
        return;
    }
    let kind = kind_of(&event);
    let listeners = lock(&mailbox.listeners).list.clone();
    if !listeners.iter().any(|l| l.mask & kind != 0) {
        return;
    }
    let mut error = None;
    let raw = convert(&event, scratch, &mut error);
    for listener in listeners.iter() {
        // Checked just before each call: after wps_client_remove_listener or
        // wps_client_free returned, no new invocation starts.
        if listener.mask & kind == 0 || listener.removed.load(Ordering::SeqCst) || mailbox.is_freed() {
            continue;
        }
        let call = || unsafe { (listener.callback)(listener.user_data.0, &raw) };
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(call));
    }
}

/// Registers a listener for the events whose `WPS_EVENT_*` bits are in `event_mask`
/// (`WPS_EVENT_ALL` for every kind). Listeners may be added at any time, also from inside a
/// callback; a listener added from a callback receives the events after the current one.
/// Listeners of one event are called in the order they were added.
///
/// On success the library owns `user_data` until `free_user_data` (may be NULL) is called:
/// exactly once, after the listener's last invocation, when it is removed
/// (`wps_client_remove_listener`), or when the client ends after `wps_client_free` (on the
/// dispatcher thread), or at `wps_shutdown`. `*listener_id_out` (may be NULL) receives an
/// id > 0 for `wps_client_remove_listener`, written only on success. When this fails nothing
/// is taken and the finalizer is not called.
///
/// Returns `WPS_RESULT_NULL_ARGUMENT` (client or callback NULL),
/// `WPS_RESULT_INVALID_ARGUMENT` (mask 0 or unknown bits), `WPS_RESULT_STOPPED` (the library
/// was shut down). Threads: any, including callbacks.
#[no_mangle]
pub unsafe extern "C" fn wps_client_add_listener(
    client: *mut wps_client,
    event_mask: u32,
    callback: wps_event_fn,
    user_data: *mut c_void,
    free_user_data: wps_free_fn,
    listener_id_out: *mut u64,
) -> wps_result {
    ffi_guard!({
        let result = (|| {
            let client = arg_ref(client, "client")?;
            let callback = callback.ok_or_else(|| WpsError::null_argument("callback"))?;
            if event_mask == 0 || event_mask & !WPS_EVENT_ALL != 0 {
                return Err(WpsError::invalid_argument(format!(
                    "event mask {event_mask:#x} is empty or has unknown bits"
                )));
            }
            let mut set = lock(&client.inner.mailbox.listeners);
            if set.closed {
                return Err(WpsError::shut_down());
            }
            set.next_id += 1;
            let id = set.next_id;
            let listener = Arc::new(Listener {
                id,
                mask: event_mask,
                callback,
                user_data: UserData(user_data),
                free_user_data,
                removed: AtomicBool::new(false),
            });
            let mut list = Vec::with_capacity(set.list.len() + 1);
            list.extend(set.list.iter().cloned());
            list.push(listener);
            let old = std::mem::replace(&mut set.list, Arc::new(list));
            drop(set);
            drop(old);
            Ok(id)
        })();
        match result {
            Ok(id) => {
                write_out(listener_id_out, id);
                WPS_RESULT_OK
            }
            Err(e) => e.code(),
        }
    })
}

/// Removes a listener. After this returns no new invocation of it starts (one already
/// running on the dispatcher may finish); its finalizer is called exactly once after its
/// last invocation: here, if it is not running, else on the dispatcher when that
/// invocation returns. May be called from inside a callback, also the listener's own.
///
/// Returns `WPS_RESULT_NOT_FOUND` for an unknown or already removed id,
/// `WPS_RESULT_NULL_ARGUMENT` for a NULL client. Threads: any, including callbacks.
#[no_mangle]
pub unsafe extern "C" fn wps_client_remove_listener(client: *mut wps_client, listener_id: u64) -> wps_result {
    ffi_guard!({
        let Some(client) = client.as_ref() else { return WPS_RESULT_NULL_ARGUMENT };
        let mut set = lock(&client.inner.mailbox.listeners);
        let Some(index) = set.list.iter().position(|l| l.id == listener_id) else {
            return WPS_RESULT_NOT_FOUND;
        };
        let mut list: Vec<Arc<Listener>> = set.list.iter().cloned().collect();
        let removed = list.remove(index);
        removed.removed.store(true, Ordering::SeqCst);
        let old = std::mem::replace(&mut set.list, Arc::new(list));
        drop(set);
        // Outside the lock: the finalizer may call back into the library.
        drop(old);
        drop(removed);
        WPS_RESULT_OK
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{GroupMessage, ServerMessage};
    use std::ffi::CStr;
    use std::time::Duration;

    #[test]
    fn group_messages_convert_with_nul_terminated_fields() {
        let event = Event::GroupMessage(GroupMessage {
            group: "g1".into(),
            from_user_id: None,
            data: Data::Text("hello".into()),
            sequence_id: Some(42),
        });
        let mut scratch = Scratch::default();
        let mut error = None;
        let e = convert(&event, &mut scratch, &mut error);
        assert_eq!(e.kind, WPS_EVENT_GROUP_MESSAGE);
        unsafe {
            assert_eq!(CStr::from_ptr(e.group.ptr).to_str().unwrap(), "g1");
            assert_eq!(e.data_len, 5);
            assert_eq!(*e.data.add(5), 0);
            assert_eq!(std::slice::from_raw_parts(e.data, 5), b"hello");
        }
        assert!(e.from_user_id.ptr.is_null());
        assert!(e.connection_id.ptr.is_null());
        assert_eq!((e.sequence_id, e.has_sequence_id, e.data_type), (42, true, WPS_DATA_TYPE_TEXT));
    }

    #[test]
    fn other_kinds_convert() {
        let mut scratch = Scratch::default();
        let mut error = None;
        let e = convert(
            &Event::ServerMessage(ServerMessage { data: Data::Binary(vec![0, 1, 0]), sequence_id: None }),
            &mut scratch,
            &mut error,
        );
        assert_eq!(
            (e.kind, e.data_type, e.data_len, e.has_sequence_id),
            (WPS_EVENT_SERVER_MESSAGE, WPS_DATA_TYPE_BINARY, 3, false)
        );
        let e = convert(
            &Event::Disconnected { connection_id: None, message: Some("bye".into()), close_code: Some(1008) },
            &mut scratch,
            &mut error,
        );
        assert_eq!((e.close_code, e.has_close_code), (1008, true));
        assert_eq!(e.message.len, 3);
        let e = convert(
            &Event::Recovered { connection_id: "c".into(), elapsed: Duration::from_millis(1500) },
            &mut scratch,
            &mut error,
        );
        assert_eq!(e.elapsed_ms, 1500);
        let e = convert(
            &Event::StateChanged { previous: ClientState::Connected, current: ClientState::Recovering },
            &mut scratch,
            &mut error,
        );
        assert_eq!((e.previous_state, e.current_state), (WPS_STATE_CONNECTED, WPS_STATE_RECOVERING));
        let e = convert(
            &Event::RejoinGroupFailed { group: "g".into(), error: crate::Error::Timeout { ack_id: Some(3) } },
            &mut scratch,
            &mut error,
        );
        assert!(!e.error.is_null());
        assert_eq!(unsafe { (*e.error).code() }, WPS_RESULT_TIMEOUT);
        assert_eq!(kind_of(&Event::SlowConsumer { queued: 1 }) & WPS_EVENT_ALL, WPS_EVENT_SLOW_CONSUMER);
    }
}
