//! `wps_options`: the builder of a client's options and credential.
//!
//! It maps one setter to each field of the core's `ClientOptions`, checks values when they
//! are set (so the error points at the setter), and holds the credential: a fixed URL or a
//! host callback. `wps_client_new` copies it, so one options object can build many clients.

use super::dispatch::UserData;
use super::error::WpsError;
use super::guard::{arg_bytes, arg_mut, arg_str};
use super::result::*;
use super::runtime::RuntimeEntry;
use crate::{ClientOptions, Credential, Protocol, RetryMode, RetryPolicy};
use std::ffi::{c_char, c_void};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A finalizer for a `user_data` pointer, called exactly once when the library no longer
/// needs it. Where it runs is documented by the function that took it.
#[allow(non_camel_case_types)]
pub type wps_free_fn = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

/// The subprotocol, one of the `WPS_PROTOCOL_*` values.
#[allow(non_camel_case_types)]
pub type wps_protocol = u32;
/// `json.reliable.webpubsub.azure.v1` (the default): sequence ids, acks and connection
/// recovery without message loss.
pub const WPS_PROTOCOL_JSON_RELIABLE: wps_protocol = 1;
/// `json.webpubsub.azure.v1`: no recovery; a dropped connection means a new connection.
pub const WPS_PROTOCOL_JSON: wps_protocol = 2;

/// How retry delays grow, one of the `WPS_RETRY_MODE_*` values.
#[allow(non_camel_case_types)]
pub type wps_retry_mode = u32;
/// Every delay is the initial delay.
pub const WPS_RETRY_MODE_FIXED: wps_retry_mode = 1;
/// The initial delay, doubled for each attempt, capped at the maximum delay.
pub const WPS_RETRY_MODE_EXPONENTIAL: wps_retry_mode = 2;

/// Where a client's callbacks run, one of the `WPS_DISPATCHER_*` values.
#[allow(non_camel_case_types)]
pub type wps_dispatcher = u32;
/// A thread of its own for each client (the default).
pub const WPS_DISPATCHER_DEDICATED: wps_dispatcher = 0;
/// One thread of the process-wide shared pool (sized by `wps_runtime_configure`), assigned
/// to the client for its whole life, so its callbacks still run in order. For many clients
/// in one process (thousands) without a thread each. A slow callback delays the other
/// clients on the same pool thread.
pub const WPS_DISPATCHER_SHARED: wps_dispatcher = 1;

/// Where a credential callback puts the client access URL it produced. Opaque; only valid
/// during the callback that received it.
pub struct wps_url_out {
    url: Option<String>,
    error: Option<String>,
}

/// Produces a client access URL (with a fresh access token; `ws://`, `wss://`, `http://` or
/// `https://`): it calls `wps_url_out_set(out, url)` and returns true, or returns false (optionally after
/// `wps_url_out_set_error(out, message)`) to fail the connection attempt.
///
/// Called on every start and every reconnect (not on recovery, which reuses the last URL),
/// on a library thread (the runtime's blocking pool), never concurrently with itself for one
/// client; it may be called concurrently for different clients built from the same options.
/// It may block (e.g. on an HTTP request to the application server), which delays only that
/// client's connection attempt.
#[allow(non_camel_case_types)]
pub type wps_credential_fn = Option<unsafe extern "C" fn(user_data: *mut c_void, out: *mut wps_url_out) -> bool>;

/// The host's credential callback and its finalizer; shared by the options and every client
/// built from them, finalized when the last one lets go.
pub(crate) struct CredentialCallback {
    callback: unsafe extern "C" fn(*mut c_void, *mut wps_url_out) -> bool,
    user_data: UserData,
    free_user_data: wps_free_fn,
}

impl CredentialCallback {
    fn call(&self) -> Result<String, String> {
        let mut out = wps_url_out { url: None, error: None };
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe {
            (self.callback)(self.user_data.0, &mut out)
        }))
        .unwrap_or(false);
        match (ok, out.url) {
            (true, Some(url)) => Ok(url),
            (true, None) => Err("the credential callback returned true without calling wps_url_out_set".into()),
            (false, _) => Err(out.error.unwrap_or_else(|| "the credential callback returned false".into())),
        }
    }
}

/// Calls a finalizer exactly once, when dropped.
struct Finalizer(unsafe extern "C" fn(*mut c_void), UserData);

impl Drop for Finalizer {
    fn drop(&mut self) {
        let (free, user_data) = (self.0, self.1);
        let _ = std::panic::catch_unwind(move || unsafe { free(user_data.0) });
    }
}

impl Drop for CredentialCallback {
    fn drop(&mut self) {
        let Some(free) = self.free_user_data.take() else { return };
        let finalizer = Finalizer(free, self.user_data);
        // Host code never runs on a runtime worker thread: when the last client lets go
        // there (its task ended), the finalizer runs on the blocking pool instead. If the
        // runtime is shutting down and drops that job, the finalizer runs as it is dropped.
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => drop(handle.spawn_blocking(move || drop(finalizer))),
            Err(_) => drop(finalizer),
        }
    }
}

#[derive(Clone)]
enum CredentialSource {
    Url(String),
    Callback(Arc<CredentialCallback>),
}

/// A builder of client options. Create with `wps_options_new`, set what differs from the
/// defaults, pass to `wps_client_new` (which copies it), free with `wps_options_free`.
///
/// Every `wps_options_set_*` / `wps_options_add_*` function: `options` is borrowed and must
/// not be NULL (`WPS_RESULT_NULL_ARGUMENT`); strings and bytes are copied; values are
/// checked when set, and a refused value (`WPS_RESULT_INVALID_ARGUMENT`, ...) leaves the
/// options unchanged; no callback is triggered; clients already built are not affected.
///
/// Threads: any, but one options object must not be used by two threads at once.
pub struct wps_options {
    core: ClientOptions,
    credential: Option<CredentialSource>,
    dispatcher: wps_dispatcher,
}

/// What `wps_client_new` builds a client from.
pub(crate) struct ClientSetup {
    pub credential: Credential,
    pub options: ClientOptions,
    pub shared_dispatcher: bool,
}

impl wps_options {
    /// The credential and options for one new client in `runtime`.
    pub(crate) fn setup(&self, runtime: &Arc<RuntimeEntry>) -> Result<ClientSetup, WpsError> {
        let credential = match &self.credential {
            None => {
                return Err(WpsError::invalid_argument(
                    "the options have no credential: call wps_options_set_url or wps_options_set_credential",
                ))
            }
            Some(CredentialSource::Url(url)) => Credential::url(url.clone()),
            Some(CredentialSource::Callback(callback)) => {
                let callback = callback.clone();
                let runtime = Arc::downgrade(runtime);
                // One call at a time per client, even if a stopped attempt's call is still
                // running when the next start asks again.
                let serial = Arc::new(Mutex::new(()));
                Credential::provider(move || {
                    let (callback, serial, runtime) = (callback.clone(), serial.clone(), runtime.clone());
                    async move {
                        let in_flight = runtime.upgrade().map(|r| r.blocking_call());
                        let call = tokio::task::spawn_blocking(move || {
                            let _in_flight = in_flight;
                            let _one_at_a_time = serial.lock().unwrap_or_else(|e| e.into_inner());
                            callback.call()
                        });
                        call.await.unwrap_or_else(|_| Err("the credential callback did not complete".into()))
                    }
                })
            }
        };
        Ok(ClientSetup {
            credential,
            options: self.core.clone(),
            shared_dispatcher: self.dispatcher == WPS_DISPATCHER_SHARED,
        })
    }
}

fn millis(ms: u32) -> Duration {
    Duration::from_millis(ms as u64)
}

fn positive_ms(ms: u32, what: &str) -> Result<Duration, WpsError> {
    if ms == 0 {
        Err(WpsError::invalid_argument(format!("{what} must be greater than zero")))
    } else {
        Ok(millis(ms))
    }
}

/// Runs a setter body on `options`, returning its code.
unsafe fn set(options: *mut wps_options, body: impl FnOnce(&mut wps_options) -> Result<(), WpsError>) -> wps_result {
    match arg_mut(options, "options").and_then(body) {
        Ok(()) => WPS_RESULT_OK,
        Err(e) => e.code(),
    }
}

fn retry_policy(
    max_retries: i64,
    initial_delay_ms: u32,
    max_delay_ms: u32,
    mode: wps_retry_mode,
    jitter: bool,
) -> Result<RetryPolicy, WpsError> {
    let max_retries = match max_retries {
        -1 => None,
        n if (0..=u32::MAX as i64).contains(&n) => Some(n as u32),
        n => {
            return Err(WpsError::invalid_argument(format!(
                "max_retries must be -1 (unlimited) or 0..=4294967295, got {n}"
            )))
        }
    };
    if max_delay_ms < initial_delay_ms {
        return Err(WpsError::invalid_argument("max_delay_ms must not be smaller than initial_delay_ms"));
    }
    let mut policy = RetryPolicy::exponential(max_retries, millis(initial_delay_ms), millis(max_delay_ms));
    policy.mode = match mode {
        WPS_RETRY_MODE_FIXED => RetryMode::Fixed,
        WPS_RETRY_MODE_EXPONENTIAL => RetryMode::Exponential,
        other => return Err(WpsError::invalid_argument(format!("unknown retry mode {other}"))),
    };
    policy.jitter = jitter;
    Ok(policy)
}

/// Creates options with the defaults of the official SDKs (reliable JSON protocol,
/// auto-reconnect and auto-rejoin on, 30 s operation timeout, ...) and no credential.
///
/// `*options_out` is written only on success; the caller owns the result and frees it with
/// `wps_options_free`. Threads: any. NULL: `WPS_RESULT_NULL_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn wps_options_new(options_out: *mut *mut wps_options) -> wps_result {
    ffi_guard!({
        if options_out.is_null() {
            return WPS_RESULT_NULL_ARGUMENT;
        }
        let options =
            wps_options { core: ClientOptions::default(), credential: None, dispatcher: WPS_DISPATCHER_DEDICATED };
        options_out.write(Box::into_raw(Box::new(options)));
        WPS_RESULT_OK
    })
}

/// Frees options. Clients built from them are not affected (they hold copies). A credential
/// callback's finalizer runs here if no client uses it any more. NULL is ignored.
///
/// Threads: any.
#[no_mangle]
pub unsafe extern "C" fn wps_options_free(options: *mut wps_options) {
    ffi_guard!({
        if !options.is_null() {
            drop(Box::from_raw(options));
        }
    })
}

/// Uses a fixed client access URL (`ws://`, `wss://`, `http://` or `https://`, usually
/// with an `access_token`; `http(s)://` connects as `ws(s)://`), replacing any earlier URL or
/// credential callback. The string is copied. The token is never logged.
///
/// Returns `WPS_RESULT_NULL_ARGUMENT`, `WPS_RESULT_INVALID_UTF8`, or
/// `WPS_RESULT_INVALID_URL` when it does not parse as such a URL.
#[no_mangle]
pub unsafe extern "C" fn wps_options_set_url(options: *mut wps_options, url: *const c_char) -> wps_result {
    ffi_guard!({
        set(options, |o| {
            let url = arg_str(url, "url")?;
            let parsed = url::Url::parse(url).map_err(|e| {
                WpsError::new(WPS_RESULT_INVALID_URL, format!("the client access URL does not parse: {e}"))
            })?;
            if !matches!(parsed.scheme(), "ws" | "wss" | "http" | "https") || !parsed.has_host() {
                return Err(WpsError::new(
                    WPS_RESULT_INVALID_URL,
                    "the client access URL must be ws://, wss://, http:// or https:// with a host",
                ));
            }
            o.credential = Some(CredentialSource::Url(url.to_owned()));
            Ok(())
        })
    })
}

/// Uses a callback that produces a fresh client access URL on every start and reconnect
/// (see `wps_credential_fn`), replacing any earlier URL or callback.
///
/// On success the library owns `user_data`: `free_user_data` (may be NULL) is called exactly
/// once, after the callback's last invocation, when neither these options nor any client
/// built from them needs it any more (on the thread calling `wps_options_free` /
/// `wps_client_free` / `wps_shutdown`, or a library thread). When this fails nothing is
/// taken. Returns `WPS_RESULT_NULL_ARGUMENT` if `options` or `callback` is NULL.
#[no_mangle]
pub unsafe extern "C" fn wps_options_set_credential(
    options: *mut wps_options,
    callback: wps_credential_fn,
    user_data: *mut c_void,
    free_user_data: wps_free_fn,
) -> wps_result {
    ffi_guard!({
        set(options, |o| {
            let callback = callback.ok_or_else(|| WpsError::null_argument("callback"))?;
            let callback = CredentialCallback { callback, user_data: UserData(user_data), free_user_data };
            o.credential = Some(CredentialSource::Callback(Arc::new(callback)));
            Ok(())
        })
    })
}

/// Sets the credential callback's URL. The string is copied; a second call replaces the
/// first. Only valid inside the credential callback that received `out`.
///
/// Returns `WPS_RESULT_NULL_ARGUMENT` or `WPS_RESULT_INVALID_UTF8`.
#[no_mangle]
pub unsafe extern "C" fn wps_url_out_set(out: *mut wps_url_out, url: *const c_char) -> wps_result {
    ffi_guard!({
        let result = arg_mut(out, "out").and_then(|out| {
            out.url = Some(arg_str(url, "url")?.to_owned());
            Ok(())
        });
        result.err().map_or(WPS_RESULT_OK, |e| e.code())
    })
}

/// Explains why the credential callback fails (it then returns false). The message becomes
/// part of the `WPS_RESULT_CREDENTIAL_FAILED` error. Only valid inside the callback.
///
/// Returns `WPS_RESULT_NULL_ARGUMENT` or `WPS_RESULT_INVALID_UTF8`.
#[no_mangle]
pub unsafe extern "C" fn wps_url_out_set_error(out: *mut wps_url_out, message: *const c_char) -> wps_result {
    ffi_guard!({
        let result = arg_mut(out, "out").and_then(|out| {
            out.error = Some(arg_str(message, "message")?.to_owned());
            Ok(())
        });
        result.err().map_or(WPS_RESULT_OK, |e| e.code())
    })
}

/// Sets the subprotocol: `WPS_PROTOCOL_JSON_RELIABLE` (default) or `WPS_PROTOCOL_JSON`.
/// Returns `WPS_RESULT_INVALID_ARGUMENT` for other values.
#[no_mangle]
pub unsafe extern "C" fn wps_options_set_protocol(options: *mut wps_options, protocol: wps_protocol) -> wps_result {
    ffi_guard!({
        set(options, |o| {
            o.core.protocol = match protocol {
                WPS_PROTOCOL_JSON_RELIABLE => Protocol::JsonReliable,
                WPS_PROTOCOL_JSON => Protocol::Json,
                other => return Err(WpsError::invalid_argument(format!("unknown protocol {other}"))),
            };
            Ok(())
        })
    })
}

/// Whether to open a new connection when the old one is lost for good (default true).
#[no_mangle]
pub unsafe extern "C" fn wps_options_set_auto_reconnect(options: *mut wps_options, enabled: bool) -> wps_result {
    ffi_guard!({
        set(options, |o| {
            o.core.auto_reconnect = enabled;
            Ok(())
        })
    })
}

/// Whether to join again, on a new connection, the groups this client joined (default true).
#[no_mangle]
pub unsafe extern "C" fn wps_options_set_auto_rejoin_groups(options: *mut wps_options, enabled: bool) -> wps_result {
    ffi_guard!({
        set(options, |o| {
            o.core.auto_rejoin_groups = enabled;
            Ok(())
        })
    })
}

/// The retry policy of operations that failed transiently (the service answered e.g.
/// `InternalServerError`); retries always reuse the operation's ack id, so they never
/// publish twice. `max_retries`: -1 for unlimited (still bounded by the operation timeout),
/// else the number of retries after the first attempt. `mode`: `WPS_RETRY_MODE_*`. `jitter`
/// randomizes each delay within 50-100 %. Default: 3 retries, exponential from 800 ms to
/// 30 s, jittered.
///
/// Returns `WPS_RESULT_INVALID_ARGUMENT` for `max_retries < -1`, an unknown mode, or
/// `max_delay_ms < initial_delay_ms`.
#[no_mangle]
pub unsafe extern "C" fn wps_options_set_message_retry(
    options: *mut wps_options,
    max_retries: i64,
    initial_delay_ms: u32,
    max_delay_ms: u32,
    mode: wps_retry_mode,
    jitter: bool,
) -> wps_result {
    ffi_guard!({
        set(options, |o| {
            o.core.message_retry = retry_policy(max_retries, initial_delay_ms, max_delay_ms, mode, jitter)?;
            Ok(())
        })
    })
}

/// The retry policy of reconnecting after a connection was lost for good; parameters as for
/// `wps_options_set_message_retry`. Default: unlimited, exponential from 1 s to 30 s,
/// jittered.
#[no_mangle]
pub unsafe extern "C" fn wps_options_set_reconnect_retry(
    options: *mut wps_options,
    max_retries: i64,
    initial_delay_ms: u32,
    max_delay_ms: u32,
    mode: wps_retry_mode,
    jitter: bool,
) -> wps_result {
    ffi_guard!({
        set(options, |o| {
            o.core.reconnect_retry = retry_policy(max_retries, initial_delay_ms, max_delay_ms, mode, jitter)?;
            Ok(())
        })
    })
}

/// How long to try recovering a dropped reliable connection before giving up and
/// reconnecting (default 30000 ms). 0 disables recovery.
#[no_mangle]
pub unsafe extern "C" fn wps_options_set_recovery_window_ms(options: *mut wps_options, ms: u32) -> wps_result {
    ffi_guard!({
        set(options, |o| {
            o.core.recovery_window = millis(ms);
            Ok(())
        })
    })
}

/// The pause between recovery attempts (default 1000 ms).
#[no_mangle]
pub unsafe extern "C" fn wps_options_set_recovery_interval_ms(options: *mut wps_options, ms: u32) -> wps_result {
    ffi_guard!({
        set(options, |o| {
            o.core.recovery_interval = millis(ms);
            Ok(())
        })
    })
}

/// The bound of one connection attempt: TCP, TLS, upgrade and the service's `connected`
/// message (default 10000 ms). Must be > 0, else `WPS_RESULT_INVALID_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn wps_options_set_connect_timeout_ms(options: *mut wps_options, ms: u32) -> wps_result {
    ffi_guard!({
        set(options, |o| {
            o.core.connect_timeout = positive_ms(ms, "connect timeout")?;
            Ok(())
        })
    })
}

/// The default bound of one operation, from the call to its ack, retries and recovery
/// included (default 30000 ms); a call's own `timeout_ms` overrides it. Must be > 0.
#[no_mangle]
pub unsafe extern "C" fn wps_options_set_operation_timeout_ms(options: *mut wps_options, ms: u32) -> wps_result {
    ffi_guard!({
        set(options, |o| {
            o.core.operation_timeout = positive_ms(ms, "operation timeout")?;
            Ok(())
        })
    })
}

/// The interval of application-level pings while connected (default 20000 ms); 0 disables.
#[no_mangle]
pub unsafe extern "C" fn wps_options_set_keep_alive_interval_ms(options: *mut wps_options, ms: u32) -> wps_result {
    ffi_guard!({
        set(options, |o| {
            o.core.keep_alive_interval = (ms > 0).then(|| millis(ms));
            Ok(())
        })
    })
}

/// Treat the connection as dropped (and recover it) when nothing arrived for this long,
/// which detects half-open sockets (default 120000 ms); 0 disables.
#[no_mangle]
pub unsafe extern "C" fn wps_options_set_keep_alive_timeout_ms(options: *mut wps_options, ms: u32) -> wps_result {
    ffi_guard!({
        set(options, |o| {
            o.core.keep_alive_timeout = (ms > 0).then(|| millis(ms));
            Ok(())
        })
    })
}

/// The interval of cumulative sequence acks, sent only when something new arrived
/// (default 1000 ms). Must be > 0.
#[no_mangle]
pub unsafe extern "C" fn wps_options_set_sequence_ack_interval_ms(options: *mut wps_options, ms: u32) -> wps_result {
    ffi_guard!({
        set(options, |o| {
            o.core.sequence_ack_interval = positive_ms(ms, "sequence ack interval")?;
            Ok(())
        })
    })
}

/// Send a sequence ack at once after this many unacknowledged messages (default 300).
/// Must be > 0.
#[no_mangle]
pub unsafe extern "C" fn wps_options_set_sequence_ack_threshold(
    options: *mut wps_options,
    messages: u32,
) -> wps_result {
    ffi_guard!({
        set(options, |o| {
            if messages == 0 {
                return Err(WpsError::invalid_argument("the sequence ack threshold must be greater than zero"));
            }
            o.core.sequence_ack_threshold = messages;
            Ok(())
        })
    })
}

/// How many events may wait for the dispatcher before the client stops reading from the
/// socket (backpressure; a `WPS_EVENT_SLOW_CONSUMER` event reports it) (default 4096).
/// Must be > 0.
#[no_mangle]
pub unsafe extern "C" fn wps_options_set_event_queue_capacity(
    options: *mut wps_options,
    capacity: usize,
) -> wps_result {
    ffi_guard!({
        set(options, |o| {
            if capacity == 0 {
                return Err(WpsError::invalid_argument("the event queue capacity must be at least 1"));
            }
            o.core.event_queue_capacity = capacity;
            Ok(())
        })
    })
}

/// How many operations may wait for the connection before callers wait (default 1024).
/// Must be > 0.
#[no_mangle]
pub unsafe extern "C" fn wps_options_set_operation_queue_capacity(
    options: *mut wps_options,
    capacity: usize,
) -> wps_result {
    ffi_guard!({
        set(options, |o| {
            if capacity == 0 {
                return Err(WpsError::invalid_argument("the operation queue capacity must be at least 1"));
            }
            o.core.operation_queue_capacity = capacity;
            Ok(())
        })
    })
}

/// Adds an HTTP header to the WebSocket upgrade request. Both strings are copied. Returns
/// `WPS_RESULT_INVALID_ARGUMENT` when they are not a valid header name and value.
#[no_mangle]
pub unsafe extern "C" fn wps_options_add_header(
    options: *mut wps_options,
    name: *const c_char,
    value: *const c_char,
) -> wps_result {
    ffi_guard!({
        set(options, |o| {
            use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
            let (name, value) = (arg_str(name, "name")?, arg_str(value, "value")?);
            HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| WpsError::invalid_argument(format!("invalid header name {name:?}")))?;
            HeaderValue::from_str(value)
                .map_err(|_| WpsError::invalid_argument(format!("invalid value for header {name:?}")))?;
            o.core.headers.push((name.to_owned(), value.to_owned()));
            Ok(())
        })
    })
}

/// Removes every header added with `wps_options_add_header`.
#[no_mangle]
pub unsafe extern "C" fn wps_options_clear_headers(options: *mut wps_options) -> wps_result {
    ffi_guard!({
        set(options, |o| {
            o.core.headers.clear();
            Ok(())
        })
    })
}

/// Sets the `User-Agent` header (default `webpubsub-client-rust/<version>`). Copied.
/// Returns `WPS_RESULT_INVALID_ARGUMENT` when it is not a valid header value.
#[no_mangle]
pub unsafe extern "C" fn wps_options_set_user_agent(
    options: *mut wps_options,
    user_agent: *const c_char,
) -> wps_result {
    ffi_guard!({
        set(options, |o| {
            let user_agent = arg_str(user_agent, "user_agent")?;
            tokio_tungstenite::tungstenite::http::HeaderValue::from_str(user_agent)
                .map_err(|_| WpsError::invalid_argument("the user agent is not a valid header value"))?;
            o.core.user_agent = user_agent.to_owned();
            Ok(())
        })
    })
}

/// Trusts these CA certificates (PEM, one or more) for `wss://` on top of the system's
/// roots. The bytes are copied; `len` 0 removes them. Returns `WPS_RESULT_INVALID_ARGUMENT`
/// when the bytes hold no valid PEM certificate.
#[no_mangle]
pub unsafe extern "C" fn wps_options_set_extra_ca_pem(
    options: *mut wps_options,
    pem: *const u8,
    len: usize,
) -> wps_result {
    ffi_guard!({
        set(options, |o| {
            let pem = arg_bytes(pem, len, "pem")?;
            if pem.is_empty() {
                o.core.extra_ca_certificates_pem = None;
                return Ok(());
            }
            use rustls::pki_types::pem::PemObject;
            let certs: Result<Vec<_>, _> = rustls::pki_types::CertificateDer::pem_slice_iter(pem).collect();
            match certs {
                Ok(certs) if !certs.is_empty() => {}
                _ => return Err(WpsError::invalid_argument("the PEM data holds no valid certificate")),
            }
            o.core.extra_ca_certificates_pem = Some(pem.to_vec());
            Ok(())
        })
    })
}

/// Chooses where the client's callbacks run: `WPS_DISPATCHER_DEDICATED` (default) or
/// `WPS_DISPATCHER_SHARED`. Returns `WPS_RESULT_INVALID_ARGUMENT` for other values.
#[no_mangle]
pub unsafe extern "C" fn wps_options_set_dispatcher(
    options: *mut wps_options,
    dispatcher: wps_dispatcher,
) -> wps_result {
    ffi_guard!({
        set(options, |o| {
            if dispatcher != WPS_DISPATCHER_DEDICATED && dispatcher != WPS_DISPATCHER_SHARED {
                return Err(WpsError::invalid_argument(format!("unknown dispatcher mode {dispatcher}")));
            }
            o.dispatcher = dispatcher;
            Ok(())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setters_validate_and_apply() {
        unsafe {
            let mut options = std::ptr::null_mut();
            assert_eq!(wps_options_new(&mut options), WPS_RESULT_OK);
            assert_eq!(wps_options_set_connect_timeout_ms(options, 0), WPS_RESULT_INVALID_ARGUMENT);
            assert_eq!(wps_options_set_connect_timeout_ms(options, 1500), WPS_RESULT_OK);
            assert_eq!((*options).core.connect_timeout, Duration::from_millis(1500));
            assert_eq!(
                wps_options_set_message_retry(options, -2, 1, 2, WPS_RETRY_MODE_FIXED, false),
                WPS_RESULT_INVALID_ARGUMENT
            );
            assert_eq!(
                wps_options_set_message_retry(options, 5, 10, 5, WPS_RETRY_MODE_FIXED, false),
                WPS_RESULT_INVALID_ARGUMENT
            );
            assert_eq!(wps_options_set_message_retry(options, -1, 10, 50, 9, false), WPS_RESULT_INVALID_ARGUMENT);
            assert_eq!(
                wps_options_set_reconnect_retry(options, -1, 10, 50, WPS_RETRY_MODE_FIXED, false),
                WPS_RESULT_OK
            );
            assert_eq!((*options).core.reconnect_retry.max_retries, None);
            assert_eq!((*options).core.reconnect_retry.mode, RetryMode::Fixed);
            assert_eq!(wps_options_set_keep_alive_interval_ms(options, 0), WPS_RESULT_OK);
            assert_eq!((*options).core.keep_alive_interval, None);
            assert_eq!(wps_options_set_url(options, c"not a url".as_ptr()), WPS_RESULT_INVALID_URL);
            assert_eq!(wps_options_set_url(options, c"ftp://h/x".as_ptr()), WPS_RESULT_INVALID_URL);
            assert_eq!(
                wps_options_set_url(options, c"ws://127.0.0.1:1/client/hubs/h?access_token=x".as_ptr()),
                WPS_RESULT_OK
            );
            assert_eq!(
                wps_options_add_header(options, c"bad name".as_ptr(), c"v".as_ptr()),
                WPS_RESULT_INVALID_ARGUMENT
            );
            assert_eq!(wps_options_add_header(options, c"x-test".as_ptr(), c"v".as_ptr()), WPS_RESULT_OK);
            assert_eq!(wps_options_set_extra_ca_pem(options, b"nope".as_ptr(), 4), WPS_RESULT_INVALID_ARGUMENT);
            assert_eq!(wps_options_set_protocol(options, 0), WPS_RESULT_INVALID_ARGUMENT);
            assert_eq!(wps_options_set_dispatcher(options, 7), WPS_RESULT_INVALID_ARGUMENT);
            assert_eq!(wps_options_set_protocol(std::ptr::null_mut(), WPS_PROTOCOL_JSON), WPS_RESULT_NULL_ARGUMENT);
            assert_eq!(wps_options_set_credential(options, None, std::ptr::null_mut(), None), WPS_RESULT_NULL_ARGUMENT);
            wps_options_free(options);
            wps_options_free(std::ptr::null_mut());
            assert_eq!(wps_options_new(std::ptr::null_mut()), WPS_RESULT_NULL_ARGUMENT);
        }
    }

    static FREED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    unsafe extern "C" fn count_free(_: *mut c_void) {
        FREED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    unsafe extern "C" fn give_url(_: *mut c_void, out: *mut wps_url_out) -> bool {
        wps_url_out_set(out, c"ws://h/x".as_ptr()) == WPS_RESULT_OK
    }

    #[test]
    fn credential_callback_is_called_and_finalized_once() {
        unsafe {
            let mut options = std::ptr::null_mut();
            wps_options_new(&mut options);
            assert_eq!(
                wps_options_set_credential(options, Some(give_url), std::ptr::null_mut(), Some(count_free)),
                WPS_RESULT_OK
            );
            let Some(CredentialSource::Callback(cb)) = (*options).credential.clone() else {
                panic!("callback expected")
            };
            assert_eq!(cb.call().unwrap(), "ws://h/x");
            wps_options_free(options);
            assert_eq!(FREED.load(std::sync::atomic::Ordering::SeqCst), 0, "still used by `cb`");
            drop(cb);
            assert_eq!(FREED.load(std::sync::atomic::Ordering::SeqCst), 1);
        }
    }

    #[test]
    fn options_without_credential_are_refused() {
        let options =
            wps_options { core: ClientOptions::default(), credential: None, dispatcher: WPS_DISPATCHER_DEDICATED };
        let runtime = super::super::runtime::current().unwrap();
        assert_eq!(options.setup(&runtime).err().unwrap().code(), WPS_RESULT_INVALID_ARGUMENT);
    }
}
