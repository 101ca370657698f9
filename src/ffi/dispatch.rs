//! Dispatchers: the threads on which callbacks run.
//!
//! Each client has a [`Mailbox`]: its event receiver (from the core), the completions of its
//! asynchronous calls, and its listeners. A mailbox is served by exactly one [`Worker`]
//! thread, so a client's callbacks run in order and never concurrently. A worker is either
//! dedicated to one client (the default) or one of the process-wide shared pool (a client is
//! assigned to one pool thread for life, which keeps its order without a thread per client).
//!
//! Nothing polls: the core calls the receiver's ready hook when the event queue goes from
//! empty to non-empty (or closes), and a completion is posted with a wake-up; both put the
//! mailbox on its worker's run queue. A worker drains a mailbox until the receiver reports
//! `Empty` (so the next event fires the hook again), in batches so that one busy client
//! cannot starve the others of a shared thread.
//!
//! A mailbox ends (its listeners' finalizers run, on its worker) once the core closed the
//! event queue (the client was freed and its task ended) or the library shut down, and every
//! asynchronous call has delivered its completion.

use super::error::WpsError;
use super::events::{self, ListenerSet};
use super::guard::thread_role;
use super::operations::wps_op_result;
use super::result::WPS_RESULT_STOPPED;
use super::strings::Scratch;
use crate::{EventReceiver, TryRecvError};
use std::collections::VecDeque;
use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};

/// Events delivered from one mailbox before a shared worker turns to the next one.
const BATCH: usize = 256;

/// Locks a mutex, ignoring poisoning: every critical section here leaves consistent state,
/// and a panic in one must not wedge the dispatcher.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// A host pointer (`user_data`) moved between threads. The host promised, by passing it,
/// that the library may hand it back to its callbacks on library threads.
#[derive(Clone, Copy)]
pub(crate) struct UserData(pub *mut c_void);

// SAFETY: the library never dereferences it; it only passes it back to the host's callbacks,
// whose documented contract is to be callable on library threads.
unsafe impl Send for UserData {}
unsafe impl Sync for UserData {}

/// A completion waiting to be delivered to its callback.
struct Completion {
    callback: unsafe extern "C" fn(*mut c_void, u32, *const wps_op_result, *const WpsError),
    user_data: UserData,
    outcome: Result<Option<wps_op_result>, WpsError>,
}

impl Completion {
    fn fire(self) {
        let call = || unsafe {
            match &self.outcome {
                Ok(result) => (self.callback)(
                    self.user_data.0,
                    0,
                    result.as_ref().map_or(std::ptr::null(), |r| r),
                    std::ptr::null(),
                ),
                Err(error) => (self.callback)(self.user_data.0, error.code(), std::ptr::null(), error),
            }
        };
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(call));
    }
}

#[derive(Default)]
struct Inbox {
    completions: VecDeque<Completion>,
    /// Asynchronous calls started and not yet completed: the mailbox lives until they are.
    pending: usize,
}

/// The dispatch side of one client. See the module docs.
pub(crate) struct Mailbox {
    pub(crate) id: u64,
    worker: Arc<Worker>,
    receiver: Mutex<Option<EventReceiver>>,
    inbox: Mutex<Inbox>,
    pub(crate) listeners: Mutex<ListenerSet>,
    /// `wps_client_free` was called: no new event callback starts.
    freed: AtomicBool,
    /// The library shut down: no more events will come, end after the last completion.
    detached: AtomicBool,
    finished: AtomicBool,
    /// Keeps the mailbox alive until it ends, whoever else lets go of it first.
    keep_alive: Mutex<Option<Arc<Mailbox>>>,
    /// Called once when the mailbox ends (unregisters it from the runtime).
    on_finish: Mutex<Option<Box<dyn FnOnce() + Send>>>,
}

impl Mailbox {
    /// A mailbox for a client's events, served by `worker`.
    pub(crate) fn new(
        id: u64,
        worker: Arc<Worker>,
        receiver: EventReceiver,
        on_finish: Box<dyn FnOnce() + Send>,
    ) -> Arc<Self> {
        let mailbox = Arc::new(Mailbox {
            id,
            worker,
            receiver: Mutex::new(Some(receiver)),
            inbox: Mutex::new(Inbox::default()),
            listeners: Mutex::new(ListenerSet::default()),
            freed: AtomicBool::new(false),
            detached: AtomicBool::new(false),
            finished: AtomicBool::new(false),
            keep_alive: Mutex::new(None),
            on_finish: Mutex::new(Some(on_finish)),
        });
        *lock(&mailbox.keep_alive) = Some(mailbox.clone());
        let weak: Weak<Mailbox> = Arc::downgrade(&mailbox);
        // Set under the receiver's lock: a hook firing at once only queues the mailbox, and
        // the worker reads the receiver after this returns.
        if let Some(receiver) = lock(&mailbox.receiver).as_mut() {
            receiver.set_ready_hook(move || {
                if let Some(mailbox) = weak.upgrade() {
                    mailbox.schedule();
                }
            });
        }
        mailbox
    }

    fn schedule(self: Arc<Self>) {
        let worker = self.worker.clone();
        worker.schedule(self);
    }

    /// `wps_client_free` was called.
    pub(crate) fn mark_freed(&self) {
        self.freed.store(true, Ordering::SeqCst);
    }

    pub(crate) fn is_freed(&self) -> bool {
        self.freed.load(Ordering::SeqCst)
    }

    /// The library shut down: deliver what is queued, then end.
    pub(crate) fn detach(self: Arc<Self>) {
        self.detached.store(true, Ordering::SeqCst);
        self.schedule();
    }

    /// Registers an asynchronous call whose completion `callback` will receive.
    pub(crate) fn begin_completion(
        self: &Arc<Self>,
        callback: unsafe extern "C" fn(*mut c_void, u32, *const wps_op_result, *const WpsError),
        user_data: *mut c_void,
    ) -> PendingCompletion {
        lock(&self.inbox).pending += 1;
        PendingCompletion { mailbox: self.clone(), callback, user_data: UserData(user_data), done: false }
    }

    /// Delivers completions and events; `true` once the mailbox has ended.
    fn process(self: &Arc<Self>, scratch: &mut Scratch) -> bool {
        if self.finished.load(Ordering::SeqCst) {
            return true;
        }
        let mut receiver = lock(&self.receiver);
        let mut closed = receiver.is_none();
        loop {
            let next = lock(&self.inbox).completions.pop_front();
            let Some(completion) = next else { break };
            // A completion is posted after the events its operation caused were queued (a
            // stop's `stopped`, for instance): deliver those first, so callbacks keep the
            // order in which things happened.
            if let Some(rx) = receiver.as_mut() {
                let queued = rx.len();
                closed |= deliver_events(self, rx, queued, scratch).closed;
            }
            completion.fire();
        }
        if let Some(rx) = receiver.as_mut() {
            let delivered = deliver_events(self, rx, BATCH, scratch);
            closed |= delivered.closed;
            if delivered.count == BATCH {
                // More may be queued: come back after the other mailboxes.
                drop(receiver);
                self.clone().schedule();
                return false;
            }
        }
        if !(closed || self.detached.load(Ordering::SeqCst)) {
            return false;
        }
        {
            let inbox = lock(&self.inbox);
            if inbox.pending > 0 || !inbox.completions.is_empty() {
                return false;
            }
        }
        // The end: no event and no completion can come any more.
        *receiver = None;
        drop(receiver);
        self.finished.store(true, Ordering::SeqCst);
        let listeners = lock(&self.listeners).close();
        // Finalizers run here, on the dispatcher, after each listener's last invocation.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(listeners)));
        if let Some(on_finish) = lock(&self.on_finish).take() {
            on_finish();
        }
        let me = lock(&self.keep_alive).take();
        drop(me);
        true
    }
}

/// What [`deliver_events`] did.
struct Delivered {
    count: usize,
    /// The client's task ended: no event will come any more.
    closed: bool,
}

/// Delivers up to `max` queued events of `mailbox` to its listeners.
fn deliver_events(mailbox: &Mailbox, rx: &mut EventReceiver, max: usize, scratch: &mut Scratch) -> Delivered {
    let mut count = 0;
    while count < max {
        match rx.try_recv() {
            Ok(event) => {
                events::deliver(mailbox, event, scratch);
                count += 1;
            }
            Err(TryRecvError::Empty) => break,
            Err(TryRecvError::Closed) => return Delivered { count, closed: true },
        }
    }
    Delivered { count, closed: false }
}

impl Drop for Mailbox {
    fn drop(&mut self) {
        // Normally emptied when the mailbox ended; this covers a mailbox that never ran.
        let listeners = lock(&self.listeners).close();
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(listeners)));
    }
}

/// An asynchronous call whose completion has not been delivered yet. Completing it (or
/// dropping it, when the runtime shut down under it) posts the completion exactly once.
pub(crate) struct PendingCompletion {
    mailbox: Arc<Mailbox>,
    callback: unsafe extern "C" fn(*mut c_void, u32, *const wps_op_result, *const WpsError),
    user_data: UserData,
    done: bool,
}

impl PendingCompletion {
    /// Posts the outcome to the client's dispatcher.
    pub(crate) fn complete(mut self, outcome: Result<Option<wps_op_result>, WpsError>) {
        self.post(outcome);
    }

    fn post(&mut self, outcome: Result<Option<wps_op_result>, WpsError>) {
        if std::mem::replace(&mut self.done, true) {
            return;
        }
        let completion = Completion { callback: self.callback, user_data: self.user_data, outcome };
        {
            let mut inbox = lock(&self.mailbox.inbox);
            inbox.completions.push_back(completion);
            inbox.pending -= 1;
        }
        self.mailbox.clone().schedule();
    }
}

impl Drop for PendingCompletion {
    fn drop(&mut self) {
        self.post(Err(WpsError::new(WPS_RESULT_STOPPED, "the library shut down before the operation completed")));
    }
}

#[derive(Default)]
struct RunQueue {
    queue: VecDeque<Arc<Mailbox>>,
    exit: bool,
    /// The thread has ended: scheduling is ignored (a queued mailbox would keep its worker
    /// alive through a reference cycle).
    exited: bool,
}

/// One dispatcher thread's run queue.
pub(crate) struct Worker {
    state: Mutex<RunQueue>,
    wake: Condvar,
    /// Serves one client and ends with it.
    dedicated: bool,
}

impl Worker {
    /// Starts a dispatcher thread.
    pub(crate) fn spawn(dedicated: bool) -> std::io::Result<(Arc<Worker>, std::thread::JoinHandle<()>)> {
        let worker = Arc::new(Worker { state: Mutex::new(RunQueue::default()), wake: Condvar::new(), dedicated });
        let name = if dedicated { "wps-dispatch" } else { "wps-dispatch-pool" };
        let thread = std::thread::Builder::new().name(name.into()).spawn({
            let worker = worker.clone();
            move || worker.run()
        })?;
        Ok((worker, thread))
    }

    fn schedule(&self, mailbox: Arc<Mailbox>) {
        let mut state = lock(&self.state);
        if state.exited {
            drop(state);
            return;
        }
        state.queue.push_back(mailbox);
        drop(state);
        self.wake.notify_one();
    }

    /// Lets a pool thread end once its run queue is empty.
    pub(crate) fn request_exit(&self) {
        lock(&self.state).exit = true;
        self.wake.notify_all();
    }

    fn run(&self) {
        self.serve();
        let stale = {
            let mut state = lock(&self.state);
            state.exited = true;
            std::mem::take(&mut state.queue)
        };
        drop(stale);
    }

    fn serve(&self) {
        thread_role::mark_dispatcher();
        let mut scratch = Scratch::default();
        loop {
            let next = {
                let mut state = lock(&self.state);
                loop {
                    if let Some(mailbox) = state.queue.pop_front() {
                        break Some(mailbox);
                    }
                    if state.exit {
                        break None;
                    }
                    state = self.wake.wait(state).unwrap_or_else(|e| e.into_inner());
                }
            };
            let Some(mailbox) = next else { return };
            let ended = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| mailbox.process(&mut scratch)))
                .unwrap_or(false);
            drop(mailbox);
            if ended && self.dedicated {
                return;
            }
        }
    }
}
