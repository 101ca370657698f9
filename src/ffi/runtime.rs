//! The process-wide Tokio runtime, the shared dispatcher pool, and `wps_shutdown`.
//!
//! The runtime is created lazily by the first `wps_client_new` and lives until
//! `wps_shutdown`, after which the next `wps_client_new` creates a new one. Each client keeps
//! an `Arc<RuntimeEntry>` of the runtime it was made in, so that after a shutdown it answers
//! `WPS_RESULT_STOPPED` instead of touching a dead runtime.

use super::client::ClientInner;
use super::dispatch::{lock, Mailbox, Worker};
use super::error::WpsError;
use super::guard::ensure_may_block;
use super::result::*;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Sizes chosen by `wps_runtime_configure`; 0 means the default.
#[derive(Debug, Clone, Copy, Default)]
struct Config {
    worker_threads: u32,
    shared_dispatcher_threads: u32,
}

struct Global {
    config: Config,
    live: Option<Live>,
}

/// The current runtime and what belongs to it.
struct Live {
    runtime: tokio::runtime::Runtime,
    entry: Arc<RuntimeEntry>,
}

static GLOBAL: Mutex<Global> =
    Mutex::new(Global { config: Config { worker_threads: 0, shared_dispatcher_threads: 0 }, live: None });

/// The shared dispatcher pool: clients are assigned round-robin, each to one thread for life.
struct SharedPool {
    workers: Vec<Arc<Worker>>,
    next: AtomicUsize,
}

/// What clients need of the runtime they were created in.
pub(crate) struct RuntimeEntry {
    pub(crate) handle: tokio::runtime::Handle,
    alive: AtomicBool,
    config: Config,
    clients: Mutex<HashMap<u64, Weak<ClientInner>>>,
    mailboxes: Mutex<HashMap<u64, Weak<Mailbox>>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    pool: Mutex<Option<SharedPool>>,
    /// Host callbacks running on the blocking pool (credential callbacks); a shutdown that
    /// leaves some behind has timed out.
    blocking_in_flight: AtomicUsize,
}

impl RuntimeEntry {
    /// Fails with `STOPPED` once the runtime was shut down.
    pub(crate) fn ensure_alive(&self) -> Result<(), WpsError> {
        if self.alive.load(Ordering::SeqCst) {
            Ok(())
        } else {
            Err(WpsError::shut_down())
        }
    }

    pub(crate) fn is_alive(&self) -> bool {
        self.alive.load(Ordering::SeqCst)
    }

    /// A dispatcher for a new client: a new dedicated thread, or a thread of the shared pool.
    pub(crate) fn worker(&self, shared: bool) -> Result<Arc<Worker>, WpsError> {
        let spawn_failed =
            |e: std::io::Error| WpsError::new(WPS_RESULT_INTERNAL, format!("cannot start a dispatcher thread: {e}"));
        if !shared {
            let (worker, thread) = Worker::spawn(true).map_err(spawn_failed)?;
            let mut threads = lock(&self.threads);
            // Reap dedicated threads of clients that ended, so churn does not accumulate them.
            let (done, running): (Vec<_>, Vec<_>) =
                std::mem::take(&mut *threads).into_iter().partition(|t| t.is_finished());
            *threads = running;
            threads.push(thread);
            drop(threads);
            for t in done {
                let _ = t.join();
            }
            return Ok(worker);
        }
        let mut pool = lock(&self.pool);
        if pool.is_none() {
            let n = match self.config.shared_dispatcher_threads {
                0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
                n => n as usize,
            };
            let mut workers = Vec::with_capacity(n);
            for _ in 0..n {
                let (worker, thread) = Worker::spawn(false).map_err(spawn_failed)?;
                lock(&self.threads).push(thread);
                workers.push(worker);
            }
            *pool = Some(SharedPool { workers, next: AtomicUsize::new(0) });
        }
        let pool = pool.as_ref().expect("created above");
        let i = pool.next.fetch_add(1, Ordering::Relaxed) % pool.workers.len();
        Ok(pool.workers[i].clone())
    }

    pub(crate) fn register(&self, client: &Arc<ClientInner>, mailbox: &Arc<Mailbox>) {
        lock(&self.clients).insert(client.id, Arc::downgrade(client));
        lock(&self.mailboxes).insert(mailbox.id, Arc::downgrade(mailbox));
    }

    pub(crate) fn unregister_client(&self, id: u64) {
        lock(&self.clients).remove(&id);
    }

    pub(crate) fn unregister_mailbox(&self, id: u64) {
        lock(&self.mailboxes).remove(&id);
    }

    /// Counts a host callback running on the blocking pool while the guard lives.
    pub(crate) fn blocking_call(self: &Arc<Self>) -> BlockingCall {
        self.blocking_in_flight.fetch_add(1, Ordering::SeqCst);
        BlockingCall(self.clone())
    }
}

/// See [`RuntimeEntry::blocking_call`].
pub(crate) struct BlockingCall(Arc<RuntimeEntry>);

impl Drop for BlockingCall {
    fn drop(&mut self) {
        self.0.blocking_in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The runtime, created now if there is none.
pub(crate) fn current() -> Result<Arc<RuntimeEntry>, WpsError> {
    let mut global = lock(&GLOBAL);
    if let Some(live) = &global.live {
        return Ok(live.entry.clone());
    }
    let config = global.config;
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.enable_all().thread_name("wps-runtime");
    if config.worker_threads > 0 {
        builder.worker_threads(config.worker_threads as usize);
    }
    let runtime =
        builder.build().map_err(|e| WpsError::new(WPS_RESULT_INTERNAL, format!("cannot start the runtime: {e}")))?;
    let entry = Arc::new(RuntimeEntry {
        handle: runtime.handle().clone(),
        alive: AtomicBool::new(true),
        config,
        clients: Mutex::new(HashMap::new()),
        mailboxes: Mutex::new(HashMap::new()),
        threads: Mutex::new(Vec::new()),
        pool: Mutex::new(None),
        blocking_in_flight: AtomicUsize::new(0),
    });
    global.live = Some(Live { runtime, entry: entry.clone() });
    Ok(entry)
}

/// Waits until every thread has ended or the deadline passed; joins those that ended.
/// Returns whether all ended.
fn join_all(threads: Vec<JoinHandle<()>>, deadline: Instant) -> bool {
    let mut pending = threads;
    loop {
        let (done, running): (Vec<_>, Vec<_>) = pending.into_iter().partition(|t| t.is_finished());
        for t in done {
            let _ = t.join();
        }
        pending = running;
        if pending.is_empty() {
            return true;
        }
        if Instant::now() >= deadline {
            // Left detached: they end on their own when their callback returns.
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn remaining(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}

/// Ends the current runtime; `true` if everything finished before the deadline.
fn shut_down_live(live: Live, deadline: Instant) -> bool {
    let Live { runtime, entry } = live;
    // 1. Stop every live client gracefully (close frames, pending operations fail STOPPED).
    let clients: Vec<Arc<ClientInner>> = lock(&entry.clients).values().filter_map(Weak::upgrade).collect();
    let stops = futures_util::future::join_all(clients.iter().map(|c| c.client.stop()));
    let stopped = runtime.block_on(async { tokio::time::timeout(remaining(deadline), stops).await.is_ok() });
    drop(clients);
    // 2. The runtime: drops every task (a pending asynchronous call's completion is posted
    // with STOPPED when its task is dropped).
    entry.alive.store(false, Ordering::SeqCst);
    runtime.shutdown_timeout(remaining(deadline));
    // 3. Every mailbox delivers what is queued, then ends (listener finalizers run).
    let mailboxes: Vec<Arc<Mailbox>> = lock(&entry.mailboxes).values().filter_map(Weak::upgrade).collect();
    for mailbox in mailboxes {
        mailbox.detach();
    }
    if let Some(pool) = lock(&entry.pool).take() {
        for worker in pool.workers {
            worker.request_exit();
        }
    }
    let threads = std::mem::take(&mut *lock(&entry.threads));
    let joined = join_all(threads, deadline);
    stopped && joined && entry.blocking_in_flight.load(Ordering::SeqCst) == 0
}

/// Sets the sizes of the runtime the library creates with the first client:
/// `worker_threads` Tokio worker threads (0: one per CPU) and `shared_dispatcher_threads`
/// threads in the shared dispatcher pool used by clients with `WPS_DISPATCHER_SHARED`
/// (0: one per CPU).
///
/// Returns `WPS_RESULT_ILLEGAL_STATE` once the runtime exists (after the first
/// `wps_client_new`, until `wps_shutdown`). Threads: any, but not concurrently with
/// `wps_client_new` or `wps_shutdown`.
#[no_mangle]
pub extern "C" fn wps_runtime_configure(worker_threads: u32, shared_dispatcher_threads: u32) -> wps_result {
    ffi_guard!({
        let mut global = lock(&GLOBAL);
        if global.live.is_some() {
            return WPS_RESULT_ILLEGAL_STATE;
        }
        global.config = Config { worker_threads, shared_dispatcher_threads };
        WPS_RESULT_OK
    })
}

/// Stops everything the library runs, for a clean exit or before unloading the library:
/// stops every live client (as `wps_client_stop` would), shuts the runtime down, lets every
/// dispatcher deliver what is queued (pending asynchronous calls complete with
/// `WPS_RESULT_STOPPED`), calls every listener's finalizer for clients already freed or
/// still alive, joins the dispatcher threads, and ends the log thread (removing the log
/// callback and calling its finalizer).
///
/// Clients not yet freed stay valid handles: they report `WPS_RESULT_STOPPED` for every
/// call, and must still be freed with `wps_client_free`. A later `wps_client_new` starts a
/// new runtime.
///
/// Returns `WPS_RESULT_TIMEOUT` if all this could not finish within `timeout_ms`
/// milliseconds (for example a callback that does not return); what did not finish is left
/// to end on its own. Returns `WPS_RESULT_ILLEGAL_STATE` when called from a callback (a
/// dispatcher thread), which it would wait for.
///
/// Threads: any thread that is not a dispatcher; not concurrently with other calls of the
/// library. Callbacks it can trigger: completions (`WPS_RESULT_STOPPED`), pending events
/// (disconnected, state-changed, stopped), listener and log finalizers.
#[no_mangle]
pub extern "C" fn wps_shutdown(timeout_ms: u32) -> wps_result {
    ffi_guard!({
        if let Err(e) = ensure_may_block("wps_shutdown") {
            return e.code();
        }
        let deadline = Instant::now() + Duration::from_millis(timeout_ms as u64);
        let live = lock(&GLOBAL).live.take();
        let mut complete = true;
        if let Some(live) = live {
            complete &= shut_down_live(live, deadline);
        }
        complete &= super::log::shut_down(deadline);
        if complete {
            WPS_RESULT_OK
        } else {
            WPS_RESULT_TIMEOUT
        }
    })
}
