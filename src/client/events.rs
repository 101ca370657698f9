//! What the client reports, and the bounded, ordered queue that carries it to the consumer.
//!
//! Data events (group and server messages) are admitted only while the queue has room; when
//! it is full the driver stops reading from the socket (backpressure instead of loss or
//! unbounded memory) and reports [`Event::SlowConsumer`] once. Life-cycle events are rare and
//! always admitted, so the driver never blocks on them.

use super::ClientState;
use crate::protocol::Data;
use crate::Error;
use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// A message from a group this client belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMessage {
    /// The group it was published to.
    pub group: String,
    /// The publisher's user id, when it has one.
    pub from_user_id: Option<String>,
    /// The payload.
    pub data: Data,
    /// The service's sequence id (reliable protocol only).
    pub sequence_id: Option<u64>,
}

/// A message from the application server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerMessage {
    /// The payload.
    pub data: Data,
    /// The service's sequence id (reliable protocol only).
    pub sequence_id: Option<u64>,
}

/// Something the client reports, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A new connection is established (not raised again by a recovery).
    Connected {
        /// The service's id of the connection.
        connection_id: String,
        /// The user id from the access token, if any.
        user_id: Option<String>,
    },
    /// The connection is lost for good (recovery impossible or failed, or `stop` closed it).
    Disconnected {
        /// The id of the lost connection, if it had been established.
        connection_id: Option<String>,
        /// The service's `disconnected` message, or what the client observed.
        message: Option<String>,
        /// The WebSocket close code, if a close frame arrived.
        close_code: Option<u16>,
    },
    /// The client stopped and will not reconnect until `start` is called.
    Stopped,
    /// A message from the application server.
    ServerMessage(ServerMessage),
    /// A message from a joined group.
    GroupMessage(GroupMessage),
    /// Joining a group again on a new connection failed.
    RejoinGroupFailed {
        /// The group.
        group: String,
        /// Why it failed.
        error: Error,
    },
    /// The public state changed.
    StateChanged {
        /// The state before.
        previous: ClientState,
        /// The state now.
        current: ClientState,
    },
    /// The reliable connection dropped and the client is recovering it.
    Recovering {
        /// The connection being recovered.
        connection_id: String,
        /// The close code of the drop, if a close frame arrived.
        close_code: Option<u16>,
    },
    /// The connection was recovered; nothing sent to it is lost.
    Recovered {
        /// The recovered connection.
        connection_id: String,
        /// Time from the drop to the recovered socket.
        elapsed: Duration,
    },
    /// The consumer fell behind: the queue reached its capacity and the client paused
    /// reading from the socket until it drains (the service buffers meanwhile, and closes the
    /// connection if its own buffer overflows).
    SlowConsumer {
        /// Events queued when the pause began.
        queued: usize,
    },
}

/// Life-cycle events may pass a full queue by this much before reconnecting waits too.
const LIFECYCLE_HEADROOM: usize = 64;

struct QueueState {
    items: VecDeque<Event>,
    /// Events moved into the receiver's own buffer by its last refill. They still count
    /// against the capacity until the receiver refills again (its buffer is empty then).
    lent: usize,
    /// The driver is gone: after the queue drains, `recv` returns `None`.
    closed: bool,
    /// The receiver is gone: events are discarded.
    receiver_dropped: bool,
    /// The driver is pausing reads until there is room.
    paused: bool,
    consumer_waker: Option<Waker>,
    producer_waker: Option<Waker>,
    ready_hook: Option<Arc<dyn Fn() + Send + Sync>>,
}

/// The queue shared by the driver (producer) and the [`EventReceiver`] (consumer).
pub(crate) struct EventQueue {
    state: Mutex<QueueState>,
    readable: Condvar,
    capacity: usize,
}

impl EventQueue {
    pub(crate) fn new(capacity: usize) -> Arc<Self> {
        Arc::new(EventQueue {
            state: Mutex::new(QueueState {
                items: VecDeque::new(),
                lent: 0,
                closed: false,
                receiver_dropped: false,
                paused: false,
                consumer_waker: None,
                producer_waker: None,
                ready_hook: None,
            }),
            readable: Condvar::new(),
            capacity: capacity.max(1),
        })
    }

    fn lock(&self) -> MutexGuard<'_, QueueState> {
        super::lock(&self.state)
    }

    /// How many data events may be pushed now. When none, registers `cx` to be woken when
    /// there is room, and queues one [`Event::SlowConsumer`].
    pub(crate) fn poll_room(&self, cx: &mut Context<'_>) -> Poll<usize> {
        let mut state = self.lock();
        if state.receiver_dropped {
            return Poll::Ready(usize::MAX);
        }
        let held = state.items.len() + state.lent;
        if held < self.capacity {
            return Poll::Ready(self.capacity - held);
        }
        state.producer_waker = Some(cx.waker().clone());
        if !state.paused {
            state.paused = true;
            let queued = held;
            tracing::warn!(queued, "event consumer is slow: pausing reads until it catches up");
            self.append(state, std::iter::once(Event::SlowConsumer { queued }));
        }
        Poll::Pending
    }

    /// Waits until life-cycle events fit again (the consumer drained below capacity + headroom).
    pub(crate) async fn lifecycle_room(&self) {
        poll_fn(|cx| {
            let mut state = self.lock();
            if state.receiver_dropped || state.items.len() + state.lent < self.capacity + LIFECYCLE_HEADROOM {
                Poll::Ready(())
            } else {
                state.producer_waker = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }

    /// Appends an event (a data event only after [`poll_room`](Self::poll_room) said yes).
    pub(crate) fn push(&self, event: Event) {
        self.append(self.lock(), std::iter::once(event));
    }

    /// Appends a batch of events under one lock, leaving `events` empty.
    pub(crate) fn push_all(&self, events: &mut Vec<Event>) {
        if !events.is_empty() {
            self.append(self.lock(), events.drain(..));
        }
    }

    fn append(&self, mut state: MutexGuard<'_, QueueState>, events: impl Iterator<Item = Event>) {
        if state.receiver_dropped {
            return;
        }
        let was_empty = state.items.is_empty();
        state.items.extend(events);
        let waker = state.consumer_waker.take();
        let hook = if was_empty { state.ready_hook.clone() } else { None };
        drop(state);
        self.readable.notify_one();
        if let Some(waker) = waker {
            waker.wake();
        }
        if let Some(hook) = hook {
            hook();
        }
    }

    /// No more events will come.
    pub(crate) fn close(&self) {
        let mut state = self.lock();
        state.closed = true;
        let waker = state.consumer_waker.take();
        let hook = state.ready_hook.clone();
        drop(state);
        self.readable.notify_all();
        if let Some(waker) = waker {
            waker.wake();
        }
        if let Some(hook) = hook {
            hook();
        }
    }

    /// Removes up to `max` events into `out`; `false` once the queue is closed and empty.
    /// Moves up to `max` events into the receiver's (empty) buffer `out`; `false` once the
    /// queue is closed and empty.
    fn take(&self, state: &mut QueueState, out: &mut VecDeque<Event>, max: usize) -> bool {
        let n = state.items.len().min(max);
        out.extend(state.items.drain(..n));
        let freed = std::mem::replace(&mut state.lent, n);
        if state.items.len() + n < self.capacity / 2 + 1 {
            state.paused = false;
        }
        if freed > 0 || n > 0 {
            if let Some(waker) = state.producer_waker.take() {
                waker.wake();
            }
        }
        n > 0 || !state.closed
    }
}

/// The consumer side of a client's events: ordered, bounded, single consumer.
///
/// Keep receiving: when the queue is full the client stops reading from the service. Dropping
/// the receiver discards all further events.
pub struct EventReceiver {
    queue: Arc<EventQueue>,
    buffer: VecDeque<Event>,
}

/// Why [`EventReceiver::try_recv`] returned no event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TryRecvError {
    /// Nothing queued right now.
    #[error("no event queued")]
    Empty,
    /// The client is gone and every event was received.
    #[error("the client is gone")]
    Closed,
}

impl EventReceiver {
    pub(crate) fn new(queue: Arc<EventQueue>) -> Self {
        EventReceiver { queue, buffer: VecDeque::new() }
    }

    /// Takes up to `max` events at once (one lock for the batch). Returns `false` when the
    /// client is gone and all events were taken.
    fn refill(&mut self, state: &mut QueueState, max: usize) -> bool {
        debug_assert!(self.buffer.is_empty());
        self.queue.take(state, &mut self.buffer, max)
    }

    /// How many events are queued now.
    pub fn len(&self) -> usize {
        self.buffer.len() + self.queue.lock().items.len()
    }

    /// Whether no event is queued now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The next event; `None` when the client is gone and all events were received.
    pub async fn recv(&mut self) -> Option<Event> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for the next event.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        if let Some(event) = self.buffer.pop_front() {
            return Poll::Ready(Some(event));
        }
        let queue = self.queue.clone();
        let mut state = queue.lock();
        if !self.refill(&mut state, 256) {
            return Poll::Ready(None);
        }
        match self.buffer.pop_front() {
            Some(event) => Poll::Ready(Some(event)),
            None => {
                state.consumer_waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    /// The next event if one is queued.
    pub fn try_recv(&mut self) -> Result<Event, TryRecvError> {
        if let Some(event) = self.buffer.pop_front() {
            return Ok(event);
        }
        let queue = self.queue.clone();
        let mut state = queue.lock();
        let open = self.refill(&mut state, 256);
        self.buffer.pop_front().ok_or(if open { TryRecvError::Empty } else { TryRecvError::Closed })
    }

    /// Blocks the thread until the next event, or until `timeout` passes (`Err(Empty)`).
    /// Must not be called on an async runtime thread.
    pub fn recv_blocking(&mut self, timeout: Option<Duration>) -> Result<Event, TryRecvError> {
        if let Some(event) = self.buffer.pop_front() {
            return Ok(event);
        }
        let deadline = timeout.map(|t| std::time::Instant::now() + t);
        let queue = self.queue.clone();
        let mut state = queue.lock();
        loop {
            if !self.refill(&mut state, 256) {
                return Err(TryRecvError::Closed);
            }
            if let Some(event) = self.buffer.pop_front() {
                return Ok(event);
            }
            state = match deadline {
                None => queue.readable.wait(state).unwrap_or_else(|e| e.into_inner()),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(std::time::Instant::now());
                    if left.is_zero() {
                        return Err(TryRecvError::Empty);
                    }
                    queue.readable.wait_timeout(state, left).unwrap_or_else(|e| e.into_inner()).0
                }
            };
        }
    }

    /// Registers a function called (on the producing thread) whenever the queue goes from
    /// empty to non-empty, and when it closes. Lets a scheduler poll many receivers without a
    /// thread each. The hook must be quick and must not call back into the receiver.
    pub fn set_ready_hook(&mut self, hook: impl Fn() + Send + Sync + 'static) {
        let mut state = self.queue.lock();
        let ready = !state.items.is_empty() || state.closed;
        state.ready_hook = Some(Arc::new(hook));
        let hook = state.ready_hook.clone();
        drop(state);
        if ready {
            if let Some(hook) = hook {
                hook();
            }
        }
    }
}

impl Drop for EventReceiver {
    fn drop(&mut self) {
        let mut state = self.queue.lock();
        state.receiver_dropped = true;
        state.items.clear();
        state.ready_hook = None;
        if let Some(waker) = state.producer_waker.take() {
            waker.wake();
        }
    }
}

impl std::fmt::Debug for EventReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventReceiver").field("capacity", &self.queue.capacity).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    fn noop_cx() -> Context<'static> {
        Context::from_waker(Waker::noop())
    }

    #[test]
    fn delivers_in_order_and_closes() {
        let queue = EventQueue::new(8);
        let mut rx = EventReceiver::new(queue.clone());
        queue.push(Event::Stopped);
        queue.push(Event::SlowConsumer { queued: 1 });
        assert_eq!(rx.try_recv(), Ok(Event::Stopped));
        assert_eq!(rx.try_recv(), Ok(Event::SlowConsumer { queued: 1 }));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        queue.close();
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    }

    #[test]
    fn full_queue_pauses_and_signals_once() {
        let queue = EventQueue::new(2);
        let mut rx = EventReceiver::new(queue.clone());
        queue.push(Event::Stopped);
        queue.push(Event::Stopped);
        assert!(queue.poll_room(&mut noop_cx()).is_pending());
        assert!(queue.poll_room(&mut noop_cx()).is_pending());
        let events: Vec<_> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
        assert_eq!(events, [Event::Stopped, Event::Stopped, Event::SlowConsumer { queued: 2 }]);
        assert!(queue.poll_room(&mut noop_cx()).is_ready());
    }

    #[test]
    fn events_in_the_receivers_buffer_still_count_against_the_capacity() {
        let queue = EventQueue::new(4);
        let mut rx = EventReceiver::new(queue.clone());
        for _ in 0..4 {
            queue.push(Event::Stopped);
        }
        assert_eq!(rx.try_recv(), Ok(Event::Stopped)); // takes all four into its buffer
        assert!(queue.poll_room(&mut noop_cx()).is_pending(), "three are still unconsumed");
        let _slow_signal_and_rest: Vec<_> = (0..3).map(|_| rx.try_recv().unwrap()).collect();
        assert_eq!(rx.try_recv(), Ok(Event::SlowConsumer { queued: 4 }));
        // Only the signal, just taken, is still counted until the next refill.
        assert_eq!(queue.poll_room(&mut noop_cx()), Poll::Ready(3));
    }

    #[test]
    fn dropped_receiver_discards_and_never_blocks() {
        let queue = EventQueue::new(1);
        drop(EventReceiver::new(queue.clone()));
        queue.push(Event::Stopped);
        assert!(queue.poll_room(&mut noop_cx()).is_ready());
    }

    #[test]
    fn blocking_receive_wakes_on_push_and_times_out() {
        let queue = EventQueue::new(4);
        let mut rx = EventReceiver::new(queue.clone());
        assert_eq!(rx.recv_blocking(Some(Duration::from_millis(10))), Err(TryRecvError::Empty));
        let producer = std::thread::spawn({
            let queue = queue.clone();
            move || queue.push(Event::Stopped)
        });
        assert_eq!(rx.recv_blocking(None), Ok(Event::Stopped));
        producer.join().unwrap();
    }

    #[test]
    fn ready_hook_fires_on_first_event_only() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let queue = EventQueue::new(4);
        let mut rx = EventReceiver::new(queue.clone());
        let calls = Arc::new(AtomicUsize::new(0));
        rx.set_ready_hook({
            let calls = calls.clone();
            move || {
                calls.fetch_add(1, Ordering::SeqCst);
            }
        });
        queue.push(Event::Stopped);
        queue.push(Event::Stopped);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
