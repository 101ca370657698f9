//! `wps_client`: creating, starting, stopping and freeing clients.

use super::dispatch::Mailbox;
use super::error::{wps_error, WpsError};
use super::events::{state_value, wps_state};
use super::guard::{arg_ref, ensure_may_block, out_param};
use super::operations::wps_completion_fn;
use super::options::wps_options;
use super::result::*;
use super::runtime::{self, RuntimeEntry};
use crate::WebPubSubClient;
use std::ffi::c_void;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A Web PubSub client. Opaque; create with `wps_client_new`, free with `wps_client_free`.
///
/// Threads: every function taking a `wps_client *` may be called from any thread, also
/// concurrently, and from inside the client's own callbacks (except the blocking ones, see
/// each function), until `wps_client_free` is called.
pub struct wps_client {
    pub(crate) inner: Arc<ClientInner>,
}

/// What a client handle holds. Kept apart from the handle so `wps_shutdown` can reach live
/// clients through weak references.
pub(crate) struct ClientInner {
    pub(crate) id: u64,
    pub(crate) client: WebPubSubClient,
    pub(crate) mailbox: Arc<Mailbox>,
    pub(crate) runtime: Arc<RuntimeEntry>,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn create(options: &wps_options) -> Result<Arc<ClientInner>, WpsError> {
    let runtime = runtime::current()?;
    let setup = options.setup(&runtime)?;
    let (client, receiver) = {
        let _context = runtime.handle.enter();
        WebPubSubClient::with_options(setup.credential, setup.options).map_err(WpsError::from)?
    };
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let worker = runtime.worker(setup.shared_dispatcher)?;
    let on_finish = {
        let runtime = Arc::downgrade(&runtime);
        Box::new(move || {
            if let Some(runtime) = runtime.upgrade() {
                runtime.unregister_mailbox(id);
            }
        })
    };
    let mailbox = Mailbox::new(id, worker, receiver, on_finish);
    let inner = Arc::new(ClientInner { id, client, mailbox, runtime });
    inner.runtime.register(&inner, &inner.mailbox);
    Ok(inner)
}

/// Creates a client (stopped) from `options`, which are copied: they may be changed or freed
/// afterwards and may build more clients. Starts the library's runtime on first use, and the
/// client's dispatcher thread (or assigns it to the shared pool, see
/// `wps_options_set_dispatcher`).
///
/// `*client_out` is written only on success; the caller owns the client and frees it with
/// `wps_client_free`. On failure, `*error_out` (if not NULL) receives an error the caller
/// frees with `wps_error_free`.
///
/// Returns `WPS_RESULT_NULL_ARGUMENT`, `WPS_RESULT_INVALID_ARGUMENT` (no credential, an
/// invalid option), `WPS_RESULT_INTERNAL` (no thread or runtime could be started).
/// Threads: any, including callbacks. Callbacks triggered: none.
#[no_mangle]
pub unsafe extern "C" fn wps_client_new(
    options: *const wps_options,
    client_out: *mut *mut wps_client,
    error_out: *mut *mut wps_error,
) -> wps_result {
    ffi_guard!(error_out = error_out, {
        let options = arg_ref(options, "options")?;
        out_param(client_out, "client_out")?;
        let inner = create(options)?;
        client_out.write(Box::into_raw(Box::new(wps_client { inner })));
        Ok(())
    })
}

/// Frees a client: stops it (in the background: this does not block) and releases it.
///
/// After this returns no new event callback of the client starts (one already running may
/// finish); completion callbacks of operations still pending fire exactly once, with
/// `WPS_RESULT_STOPPED` (or their result, if it arrived first); then every listener's
/// finalizer is called exactly once, on the client's dispatcher thread. May be called from
/// inside a callback of this very client: the teardown then finishes after that callback
/// returns. The pointer must not be used afterwards. NULL is ignored.
///
/// Threads: any, including callbacks.
#[no_mangle]
pub unsafe extern "C" fn wps_client_free(client: *mut wps_client) {
    ffi_guard!({
        if client.is_null() {
            return;
        }
        let inner = Box::from_raw(client).inner;
        inner.mailbox.mark_freed();
        inner.runtime.unregister_client(inner.id);
        if inner.runtime.is_alive() {
            let handle = inner.runtime.handle.clone();
            // Dropping the last handle after the stop ends the client's task, which closes
            // its event queue; the dispatcher then finishes the teardown.
            let stopped = inner.client.stop();
            drop(handle.spawn(async move {
                stopped.await;
                drop(inner);
            }));
        }
    })
}

/// Connects, and blocks until the service confirmed the connection or this attempt failed
/// (it does not retry by itself; once connected, drops are recovered or reconnected
/// automatically).
///
/// Returns `WPS_RESULT_OK`, `WPS_RESULT_CONNECT_FAILED` (`wps_error_http_status` tells an
/// HTTP refusal, e.g. 401), `WPS_RESULT_INVALID_URL`, `WPS_RESULT_CREDENTIAL_FAILED`,
/// `WPS_RESULT_ILLEGAL_STATE` (already started, or called on a dispatcher thread: use
/// `wps_client_start_async` in callbacks), `WPS_RESULT_STOPPED` (stopped meanwhile, or the
/// library was shut down). `*error_out` as for `wps_client_new`.
///
/// Threads: any thread except dispatcher threads. Callbacks triggered (on the dispatcher):
/// state-changed, connected.
#[no_mangle]
pub unsafe extern "C" fn wps_client_start(client: *mut wps_client, error_out: *mut *mut wps_error) -> wps_result {
    ffi_guard!(error_out = error_out, {
        let inner = &arg_ref(client, "client")?.inner;
        ensure_may_block("wps_client_start")?;
        inner.runtime.ensure_alive()?;
        super::wait::block_on(&inner.runtime.handle, inner.client.start()).map_err(WpsError::from)
    })
}

/// Connects without blocking; `callback` (may be NULL) fires exactly once on the client's
/// dispatcher thread with the outcome `wps_client_start` would return (`op_result` NULL).
/// If this returns an error, the callback is never called.
///
/// The start takes effect when this is called: once it returns OK, a stopped client reads
/// `WPS_STATE_CONNECTING`, and operations issued next (blocking or not) wait for the
/// connection as during a blocking start, instead of failing with `WPS_RESULT_STOPPED`.
///
/// Returns `WPS_RESULT_NULL_ARGUMENT` or `WPS_RESULT_STOPPED` (library shut down).
/// `user_data` is passed to the callback untouched. Threads: any, including callbacks.
#[no_mangle]
pub unsafe extern "C" fn wps_client_start_async(
    client: *mut wps_client,
    callback: wps_completion_fn,
    user_data: *mut c_void,
) -> wps_result {
    ffi_guard!({
        let Some(client) = client.as_ref() else { return WPS_RESULT_NULL_ARGUMENT };
        let inner = &client.inner;
        if !inner.runtime.is_alive() {
            return WPS_RESULT_STOPPED;
        }
        let pending = callback.map(|cb| inner.mailbox.begin_completion(cb, user_data));
        // Queued here, on the caller's thread: a later stop cannot overtake it.
        let started = inner.client.start();
        drop(inner.runtime.handle.spawn(async move {
            let outcome = started.await;
            if let Some(pending) = pending {
                pending.complete(outcome.map(|()| None).map_err(WpsError::from));
            }
        }));
        WPS_RESULT_OK
    })
}

/// Stops: closes the connection, cancels any recovery or reconnect, fails pending
/// operations with `WPS_RESULT_STOPPED`, and blocks until the client is stopped. Works in
/// every state and is idempotent; `wps_client_start` may be called again afterwards.
///
/// May be called from inside a callback (it does not wait for the dispatcher; the
/// resulting events are delivered after the callback returns). Returns `WPS_RESULT_OK`,
/// `WPS_RESULT_NULL_ARGUMENT`, or `WPS_RESULT_ILLEGAL_STATE` inside a credential callback
/// (a runtime thread). After `wps_shutdown` it returns `WPS_RESULT_OK` at once (the client
/// is stopped already). Threads: any, including callbacks. Callbacks triggered (on the
/// dispatcher, after this returns or after the current callback): completions of pending
/// operations, disconnected, state-changed, stopped.
#[no_mangle]
pub unsafe extern "C" fn wps_client_stop(client: *mut wps_client) -> wps_result {
    ffi_guard!({
        let Some(client) = client.as_ref() else { return WPS_RESULT_NULL_ARGUMENT };
        let inner = &client.inner;
        if !inner.runtime.is_alive() {
            // wps_shutdown already stopped it.
            return WPS_RESULT_OK;
        }
        if tokio::runtime::Handle::try_current().is_ok() {
            return WPS_RESULT_ILLEGAL_STATE;
        }
        super::wait::block_on(&inner.runtime.handle, inner.client.stop());
        WPS_RESULT_OK
    })
}

/// Stops without blocking; `callback` (may be NULL) fires exactly once on the dispatcher
/// with `WPS_RESULT_OK` once the client is stopped. If this returns an error, the callback
/// is never called. Returns `WPS_RESULT_NULL_ARGUMENT` or `WPS_RESULT_STOPPED` (library
/// shut down). Threads: any, including callbacks.
#[no_mangle]
pub unsafe extern "C" fn wps_client_stop_async(
    client: *mut wps_client,
    callback: wps_completion_fn,
    user_data: *mut c_void,
) -> wps_result {
    ffi_guard!({
        let Some(client) = client.as_ref() else { return WPS_RESULT_NULL_ARGUMENT };
        let inner = &client.inner;
        if !inner.runtime.is_alive() {
            return WPS_RESULT_STOPPED;
        }
        let pending = callback.map(|cb| inner.mailbox.begin_completion(cb, user_data));
        // Queued here, on the caller's thread, in call order with starts.
        let stopped = inner.client.stop();
        drop(inner.runtime.handle.spawn(async move {
            stopped.await;
            if let Some(pending) = pending {
                pending.complete(Ok(None));
            }
        }));
        WPS_RESULT_OK
    })
}

/// The client's current state (`WPS_STATE_*`), written to `*state_out` on success.
/// Returns `WPS_RESULT_NULL_ARGUMENT`. Threads: any, including callbacks.
#[no_mangle]
pub unsafe extern "C" fn wps_client_state(client: *const wps_client, state_out: *mut wps_state) -> wps_result {
    ffi_guard!({
        match (client.as_ref(), state_out.is_null()) {
            (Some(client), false) => {
                state_out.write(state_value(client.inner.client.state()));
                WPS_RESULT_OK
            }
            _ => WPS_RESULT_NULL_ARGUMENT,
        }
    })
}
