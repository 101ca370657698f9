//! The mailbox of `start`/`stop` requests from the handles to the driver.
//!
//! These requests are rare, so a locked queue does; unlike a channel it allocates nothing
//! while empty, which matters for thousands of idle clients.

use crate::Error;
use futures_util::task::AtomicWaker;
use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll};
use tokio::sync::oneshot;

/// A request from a handle to the driver, other than an operation.
pub(crate) enum Control {
    Start(oneshot::Sender<Result<(), Error>>),
    Stop(oneshot::Sender<()>),
}

#[derive(Default)]
struct State {
    queue: VecDeque<Control>,
    /// The last handle is gone: the driver stops and ends.
    senders_gone: bool,
    /// The driver is gone: requests are refused.
    receiver_gone: bool,
}

/// Many senders (the handles), one receiver (the driver).
#[derive(Default)]
pub(crate) struct Mailbox {
    state: Mutex<State>,
    waker: AtomicWaker,
}

impl Mailbox {
    fn lock(&self) -> MutexGuard<'_, State> {
        super::lock(&self.state)
    }

    /// Queues a request; gives it back when the driver is gone.
    pub(crate) fn send(&self, control: Control) -> Result<(), Control> {
        let mut state = self.lock();
        if state.receiver_gone {
            return Err(control);
        }
        state.queue.push_back(control);
        drop(state);
        self.waker.wake();
        Ok(())
    }

    /// The last handle went away.
    pub(crate) fn close_senders(&self) {
        self.lock().senders_gone = true;
        self.waker.wake();
    }

    /// The driver went away: pending requests are dropped (their waiters see it), later
    /// ones are refused.
    pub(crate) fn close_receiver(&self) {
        let mut state = self.lock();
        state.receiver_gone = true;
        let pending = std::mem::take(&mut state.queue);
        drop(state);
        drop(pending);
    }

    /// The next request; `None` once every handle is gone.
    pub(crate) fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<Control>> {
        self.waker.register(cx.waker());
        let mut state = self.lock();
        match state.queue.pop_front() {
            Some(control) => Poll::Ready(Some(control)),
            None if state.senders_gone => Poll::Ready(None),
            None => Poll::Pending,
        }
    }

    pub(crate) async fn recv(&self) -> Option<Control> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }
}
