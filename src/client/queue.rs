//! The queue of operations from the callers to the driver.
//!
//! A request enters the queue the moment its operation's future is created, so the order on
//! the wire is the order of creation even when callers outpace the connection. Memory stays
//! bounded by admission: a fire-and-forget send completes only once fewer than `capacity`
//! requests are ahead of it (acked operations wait for their ack anyway, and callers hold
//! their futures).

use super::operation::OpRequest;
use std::future::poll_fn;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::sync::{mpsc, Notify};
use tokio::time::Instant;

struct Admission {
    /// Requests ever queued; a request's ticket is the count before it.
    queued: AtomicU64,
    /// Requests ever taken by the driver.
    taken: AtomicU64,
    /// Callers waiting for admission; the driver notifies only when there are some.
    waiting: AtomicUsize,
    notify: Notify,
    capacity: u64,
}

/// The callers' side. Requests are boxed so the queue's preallocated slots stay small.
pub(crate) struct OpSender {
    tx: mpsc::UnboundedSender<Box<OpRequest>>,
    admission: Arc<Admission>,
}

/// The driver's side.
pub(crate) struct OpReceiver {
    rx: mpsc::UnboundedReceiver<Box<OpRequest>>,
    admission: Arc<Admission>,
    /// A request the driver took but will handle later; it comes out first again.
    held: Option<Box<OpRequest>>,
}

pub(crate) fn op_queue(capacity: usize) -> (OpSender, OpReceiver) {
    let (tx, rx) = mpsc::unbounded_channel();
    let admission = Arc::new(Admission {
        queued: AtomicU64::new(0),
        taken: AtomicU64::new(0),
        waiting: AtomicUsize::new(0),
        notify: Notify::new(),
        capacity: capacity.max(1) as u64,
    });
    (OpSender { tx, admission: admission.clone() }, OpReceiver { rx, admission, held: None })
}

/// The driver is gone.
#[derive(Debug)]
pub(crate) struct Closed;

impl OpSender {
    /// Queues a request at once; returns its ticket for [`admitted`](Self::admitted).
    pub(crate) fn push(&self, request: Box<OpRequest>) -> Result<u64, Closed> {
        let ticket = self.admission.queued.fetch_add(1, Ordering::AcqRel);
        self.tx.send(request).map_err(|_| Closed)?;
        Ok(ticket)
    }

    /// Waits until fewer than `capacity` requests are ahead of `ticket`; `false` when the
    /// deadline passed first.
    pub(crate) async fn admitted(&self, ticket: u64, deadline: Instant) -> bool {
        let admission = &self.admission;
        let admitted = || ticket < admission.taken.load(Ordering::Acquire) + admission.capacity;
        if admitted() {
            return true;
        }
        admission.waiting.fetch_add(1, Ordering::AcqRel);
        let result = loop {
            let notified = admission.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if admitted() {
                break true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                break admitted();
            }
        };
        admission.waiting.fetch_sub(1, Ordering::AcqRel);
        result
    }
}

impl OpReceiver {
    fn taken(&self) {
        self.admission.taken.fetch_add(1, Ordering::AcqRel);
        if self.admission.waiting.load(Ordering::Acquire) > 0 {
            self.admission.notify.notify_waiters();
        }
    }

    /// Puts a taken request back, to be received again before any other. One at a time.
    pub(crate) fn hold(&mut self, request: Box<OpRequest>) {
        debug_assert!(self.held.is_none(), "one request is held at a time");
        self.held = Some(request);
    }

    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Box<OpRequest>>> {
        if let Some(request) = self.held.take() {
            return Poll::Ready(Some(request));
        }
        let polled = self.rx.poll_recv(cx);
        if let Poll::Ready(Some(_)) = polled {
            self.taken();
        }
        polled
    }

    pub(crate) async fn recv(&mut self) -> Option<Box<OpRequest>> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    pub(crate) fn try_recv(&mut self) -> Option<Box<OpRequest>> {
        if let Some(request) = self.held.take() {
            return Some(request);
        }
        let request = self.rx.try_recv().ok()?;
        self.taken();
        Some(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn request() -> Box<OpRequest> {
        Box::new(OpRequest { frame: "x".into(), ack: None, deadline: Instant::now() })
    }

    #[tokio::test]
    async fn admits_within_capacity_and_waits_beyond_it() {
        let (tx, mut rx) = op_queue(2);
        let tickets: Vec<u64> = (0..3).map(|_| tx.push(request()).unwrap()).collect();
        let soon = Instant::now() + Duration::from_millis(20);
        assert!(tx.admitted(tickets[1], soon).await);
        assert!(!tx.admitted(tickets[2], soon).await, "two requests are ahead of the third");
        let waiter = tokio::spawn(async move { tx.admitted(2, Instant::now() + Duration::from_secs(10)).await });
        tokio::task::yield_now().await;
        assert!(rx.recv().await.is_some());
        assert!(waiter.await.unwrap(), "taking one request admits the third");
    }

    #[tokio::test]
    async fn a_held_request_comes_out_first() {
        let (tx, mut rx) = op_queue(4);
        tx.push(request()).unwrap();
        tx.push(Box::new(OpRequest { frame: "second".into(), ack: None, deadline: Instant::now() })).unwrap();
        let first = rx.recv().await.unwrap();
        rx.hold(first);
        assert_eq!(rx.recv().await.unwrap().frame.as_str(), "x");
        let again = rx.try_recv().unwrap();
        rx.hold(again);
        assert_eq!(rx.try_recv().unwrap().frame.as_str(), "second");
        assert!(rx.try_recv().is_none());
    }

    #[tokio::test]
    async fn a_gone_driver_refuses_requests() {
        let (tx, rx) = op_queue(1);
        drop(rx);
        assert!(tx.push(request()).is_err());
    }
}
