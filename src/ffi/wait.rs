//! Blocking the caller's thread on a future, for the blocking forms of the C ABI.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;
use std::time::{Duration, Instant};

/// How long a waiting caller keeps its CPU before parking. An ack on a nearby service comes
/// back within tens of microseconds, and waking a parked thread costs about as much again;
/// yielding meanwhile leaves the CPU to the runtime's threads when they need it.
const SPIN: Duration = Duration::from_micros(50);

struct Signal {
    woken: AtomicBool,
    thread: Thread,
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

/// Runs `future` to completion on the calling thread (not a runtime thread), inside the
/// runtime's context so that its timers work.
pub(crate) fn block_on<F: Future>(runtime: &tokio::runtime::Handle, future: F) -> F::Output {
    let _context = runtime.enter();
    let signal = Arc::new(Signal { woken: AtomicBool::new(false), thread: std::thread::current() });
    let waker = Waker::from(signal.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        let spin_until = Instant::now() + SPIN;
        while !signal.woken.swap(false, Ordering::Acquire) {
            if Instant::now() < spin_until {
                std::thread::yield_now();
            } else {
                std::thread::park();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_for_a_future_completed_by_a_runtime_task() {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel();
        runtime.spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            tx.send(7).unwrap();
        });
        assert_eq!(block_on(runtime.handle(), rx), Ok(7));
        // Timers work inside the future too.
        block_on(runtime.handle(), async { tokio::time::sleep(Duration::from_millis(5)).await });
    }
}
