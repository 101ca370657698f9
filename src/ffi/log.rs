//! The host log callback: the library's `tracing` records, forwarded to one log thread.
//!
//! A `tracing` layer (installed as the global subscriber by the first
//! `wps_set_log_callback`, never behind the host's back) formats records of the
//! `webpubsub_client` target on whatever thread logs them and puts them on a bounded queue;
//! one library thread takes them off and calls the host. Host code thus never runs on a
//! runtime thread, and a slow callback loses records (counted, and reported in the next
//! record) instead of slowing the client. The core redacts tokens from what it logs.

use super::dispatch::{lock, UserData};
use super::guard::thread_role;
use super::options::wps_free_fn;
use super::result::*;
use super::strings::{wps_str, Scratch};
use std::ffi::c_void;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tracing::subscriber::Interest;
use tracing::{Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// Take the level from the `AZURE_LOG_LEVEL` environment variable (`error`, `warning`,
/// `info`, `verbose`); logging is off when it is unset or unknown.
pub const WPS_LOG_LEVEL_FROM_ENV: u32 = 0;
/// Errors only.
pub const WPS_LOG_LEVEL_ERROR: u32 = 1;
/// Warnings and errors.
pub const WPS_LOG_LEVEL_WARN: u32 = 2;
/// Informational records (connects, drops, recoveries) and above.
pub const WPS_LOG_LEVEL_INFO: u32 = 3;
/// Debug records and above.
pub const WPS_LOG_LEVEL_DEBUG: u32 = 4;
/// Everything.
pub const WPS_LOG_LEVEL_TRACE: u32 = 5;

/// Records waiting for the log thread before new ones are dropped.
const QUEUE: usize = 4096;

/// Receives one log record: `level` is a `WPS_LOG_LEVEL_*` value (1-5), `target` the
/// module that logged (e.g. `webpubsub_client::client::driver`), `message` the text with
/// its fields (`key=value`). Both strings are borrowed for the call. Runs on the library's
/// log thread, one record at a time; the rules for callbacks apply (no blocking calls of
/// the library, no unwinding).
#[allow(non_camel_case_types)]
pub type wps_log_fn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, level: u32, target: wps_str, message: wps_str)>;

struct LogSink {
    callback: unsafe extern "C" fn(*mut c_void, u32, wps_str, wps_str),
    user_data: UserData,
    free_user_data: wps_free_fn,
}

impl Drop for LogSink {
    fn drop(&mut self) {
        if let Some(free) = self.free_user_data.take() {
            let user_data = self.user_data;
            let _ = std::panic::catch_unwind(move || unsafe { free(user_data.0) });
        }
    }
}

struct Record {
    level: u32,
    target: &'static str,
    message: String,
}

#[derive(Default)]
struct LogState {
    sink: Option<Arc<LogSink>>,
    thread: Option<JoinHandle<()>>,
}

static STATE: Mutex<LogState> = Mutex::new(LogState { sink: None, thread: None });
/// The queue's sending side, used by the layer; `None` when no log thread runs.
static SENDER: Mutex<Option<SyncSender<Record>>> = Mutex::new(None);
static MAX_LEVEL: AtomicU32 = AtomicU32::new(0);
static DROPPED: AtomicU64 = AtomicU64::new(0);
static SUBSCRIBER: OnceLock<Result<(), String>> = OnceLock::new();

fn level_value(level: &Level) -> u32 {
    match *level {
        Level::ERROR => WPS_LOG_LEVEL_ERROR,
        Level::WARN => WPS_LOG_LEVEL_WARN,
        Level::INFO => WPS_LOG_LEVEL_INFO,
        Level::DEBUG => WPS_LOG_LEVEL_DEBUG,
        Level::TRACE => WPS_LOG_LEVEL_TRACE,
    }
}

fn is_ours(target: &str) -> bool {
    target == "webpubsub_client" || target.starts_with("webpubsub_client::")
}

/// Formats a record's fields: the message first, then `key=value` pairs.
#[derive(Default)]
struct Fields(String, String);

impl tracing::field::Visit for Fields {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        } else {
            let _ = write!(self.1, " {}={}", field.name(), value);
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.1, " {}={:?}", field.name(), value);
        }
    }
}

struct ForwardLayer;

impl<S: Subscriber> Layer<S> for ForwardLayer {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if is_ours(metadata.target()) {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>, _: Context<'_, S>) -> bool {
        is_ours(metadata.target()) && level_value(metadata.level()) <= MAX_LEVEL.load(Ordering::Relaxed)
    }

    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let metadata = event.metadata();
        let mut fields = Fields::default();
        event.record(&mut fields);
        let Fields(mut message, rest) = fields;
        message.push_str(&rest);
        let record = Record { level: level_value(metadata.level()), target: metadata.target(), message };
        if let Some(sender) = lock(&SENDER).as_ref() {
            if let Err(TrySendError::Full(_)) = sender.try_send(record) {
                DROPPED.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

fn deliver(scratch: &mut Scratch, level: u32, target: &str, message: &str) {
    let sink = lock(&STATE).sink.clone();
    let Some(sink) = sink else { return };
    scratch.clear();
    let (t, m) = (scratch.push(target.as_bytes()), scratch.push(message.as_bytes()));
    let (target, message) = (scratch.str(Some(t)), scratch.str(Some(m)));
    let call = || unsafe { (sink.callback)(sink.user_data.0, level, target, message) };
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(call));
}

fn run(records: Receiver<Record>) {
    // The log callback follows the callback rules: blocking calls (and wps_shutdown, which
    // would join this very thread) are refused here.
    thread_role::mark_dispatcher();
    let mut scratch = Scratch::default();
    while let Ok(record) = records.recv() {
        let dropped = DROPPED.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            let note = format!("{dropped} log records were dropped: the log callback is slower than the library logs");
            deliver(&mut scratch, WPS_LOG_LEVEL_WARN, "webpubsub_client::ffi::log", &note);
        }
        deliver(&mut scratch, record.level, record.target, &record.message);
    }
}

/// Ends the log thread (after it delivered what is queued) and removes the callback;
/// `true` if the thread ended before the deadline.
pub(crate) fn shut_down(deadline: Instant) -> bool {
    let (thread, sink) = {
        let mut state = lock(&STATE);
        MAX_LEVEL.store(0, Ordering::SeqCst);
        (state.thread.take(), state.sink.take())
    };
    // Dropping the only sender lets the thread drain the queue and end.
    drop(lock(&SENDER).take());
    let mut ended = true;
    if let Some(thread) = thread {
        while !thread.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        ended = thread.is_finished();
        if ended {
            let _ = thread.join();
        }
    }
    // After the thread's last call (if it ended): the finalizer runs here, else when the
    // thread lets go of its reference.
    drop(sink);
    ended
}

/// Sends the library's log records to `callback` (see `wps_log_fn`), replacing any earlier
/// callback, or removes the callback when `callback` is NULL (then `user_data` and
/// `free_user_data` are ignored). `max_level`: the most verbose `WPS_LOG_LEVEL_*` to
/// forward (1-5), or `WPS_LOG_LEVEL_FROM_ENV` (0) to follow `AZURE_LOG_LEVEL`. Only records
/// of this library are forwarded; access and reconnection tokens never appear in them.
///
/// The first call installs the library's `tracing` subscriber as the process's global one;
/// if the host process already installed another (a Rust host), this returns
/// `WPS_RESULT_ILLEGAL_STATE`. Returns `WPS_RESULT_INVALID_ARGUMENT` for a level above 5.
///
/// On success the library owns `user_data`: `free_user_data` (may be NULL) is called
/// exactly once after the callback's last invocation, when it is replaced or removed (on
/// the calling thread or the log thread) or at `wps_shutdown`. When this fails, nothing is
/// taken. Threads: any; the callback runs on the library's log thread.
#[no_mangle]
pub unsafe extern "C" fn wps_set_log_callback(
    callback: wps_log_fn,
    user_data: *mut c_void,
    free_user_data: wps_free_fn,
    max_level: u32,
) -> wps_result {
    ffi_guard!({
        if max_level > WPS_LOG_LEVEL_TRACE {
            return WPS_RESULT_INVALID_ARGUMENT;
        }
        let Some(callback) = callback else {
            let old = {
                let mut state = lock(&STATE);
                MAX_LEVEL.store(0, Ordering::SeqCst);
                state.sink.take()
            };
            drop(old);
            return WPS_RESULT_OK;
        };
        let installed = SUBSCRIBER.get_or_init(|| {
            use tracing_subscriber::prelude::*;
            tracing::subscriber::set_global_default(tracing_subscriber::registry().with(ForwardLayer))
                .map_err(|e| e.to_string())
        });
        if installed.is_err() {
            return WPS_RESULT_ILLEGAL_STATE;
        }
        let level = match max_level {
            WPS_LOG_LEVEL_FROM_ENV => crate::logging::level_from_env().as_ref().map_or(0, level_value),
            level => level,
        };
        let old = {
            let mut state = lock(&STATE);
            if state.thread.is_none() {
                let (sender, records) = sync_channel(QUEUE);
                match std::thread::Builder::new().name("wps-log".into()).spawn(move || run(records)) {
                    Ok(thread) => state.thread = Some(thread),
                    Err(_) => return WPS_RESULT_INTERNAL,
                }
                *lock(&SENDER) = Some(sender);
            }
            let sink = LogSink { callback, user_data: UserData(user_data), free_user_data };
            let old = state.sink.replace(Arc::new(sink));
            MAX_LEVEL.store(level, Ordering::SeqCst);
            old
        };
        drop(old);
        WPS_RESULT_OK
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_library_is_forwarded_and_levels_map() {
        assert!(is_ours("webpubsub_client") && is_ours("webpubsub_client::client::driver"));
        assert!(!is_ours("webpubsub_client_other") && !is_ours("tokio::runtime"));
        assert_eq!(level_value(&Level::ERROR), WPS_LOG_LEVEL_ERROR);
        assert_eq!(level_value(&Level::TRACE), WPS_LOG_LEVEL_TRACE);
    }

    #[test]
    fn invalid_levels_are_refused() {
        assert_eq!(unsafe { wps_set_log_callback(None, std::ptr::null_mut(), None, 6) }, WPS_RESULT_INVALID_ARGUMENT);
        assert_eq!(unsafe { wps_set_log_callback(None, std::ptr::null_mut(), None, 0) }, WPS_RESULT_OK);
    }
}
