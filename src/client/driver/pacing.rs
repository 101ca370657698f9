//! Pacing of attempts across sockets that die young, so that no behaviour of the service
//! makes the client connect faster than its policies allow.
//!
//! A socket that closes before [`stable_connection_time`](crate::ClientOptions::stable_connection_time) (the service took
//! the upgrade, perhaps sent `connected`, then closed) did not give a working connection:
//! after a new connection dies young the reconnect backoff goes on from where it was, and
//! after a recovered socket dies young recovery goes on in the same window, after a pause.

use crate::client::RetryPolicy;
use std::time::Duration;
use tokio::time::Instant;

/// What the driver remembers between sockets to pace its attempts.
#[derive(Debug, Default)]
pub(super) struct Pacing {
    /// Failed attempts under the reconnect policy since a connection last proved stable;
    /// connections that died young are among them.
    failures: u32,
    /// When the current socket opened.
    opened: Option<Instant>,
    /// The end of the recovery window under way, kept while recovered sockets die young.
    recovery_deadline: Option<Instant>,
}

impl Pacing {
    /// A new logical connection opened: its first drop gets a recovery window of its own.
    /// The reconnect backoff is kept until the connection proves stable.
    pub(super) fn connection_opened(&mut self) {
        self.opened = Some(Instant::now());
        self.recovery_deadline = None;
    }

    /// A recovery reopened the logical connection.
    pub(super) fn socket_recovered(&mut self) {
        self.opened = Some(Instant::now());
    }

    /// The socket closed. Whether it died young; one that lived resets the backoff and ends
    /// the recovery window under way.
    pub(super) fn socket_closed(&mut self, stable_after: Duration) -> bool {
        let young = self.opened.take().is_some_and(|at| at.elapsed() < stable_after);
        if !young {
            self.failures = 0;
            self.recovery_deadline = None;
        }
        young
    }

    /// One more failed attempt: the delay before the next, or `None` when `policy` allows
    /// no more.
    pub(super) fn attempt_failed(&mut self, policy: &RetryPolicy) -> Option<Duration> {
        self.failures = self.failures.saturating_add(1);
        policy.allows(self.failures).then(|| policy.delay(self.failures))
    }

    /// The window of a recovery starting now, and the pause before its first attempt: the
    /// window under way, after `interval`, while recovered sockets die young; otherwise a
    /// new window and no pause.
    pub(super) fn recovery_window(&mut self, window: Duration, interval: Duration) -> (Instant, Duration) {
        let (deadline, pause) = match self.recovery_deadline {
            Some(deadline) => (deadline, interval),
            None => (Instant::now() + window, Duration::ZERO),
        };
        self.recovery_deadline = Some(deadline);
        (deadline, pause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STABLE: Duration = Duration::from_secs(1);

    fn policy() -> RetryPolicy {
        let mut policy = RetryPolicy::exponential(Some(3), Duration::from_millis(100), Duration::from_secs(1));
        policy.jitter = false;
        policy
    }

    /// Pretends the current socket opened `ago`.
    fn opened(pacing: &mut Pacing, ago: Duration) {
        pacing.opened = Some(Instant::now() - ago);
    }

    #[test]
    fn young_deaths_keep_the_backoff_growing_and_count_against_the_retries() {
        let mut pacing = Pacing::default();
        let mut delays = Vec::new();
        for _ in 0..4 {
            pacing.connection_opened();
            assert!(pacing.socket_closed(STABLE));
            delays.push(pacing.attempt_failed(&policy()).map(|d| d.as_millis()));
        }
        assert_eq!(delays, [Some(100), Some(200), Some(400), None]);
    }

    #[test]
    fn a_connection_that_lived_resets_the_backoff() {
        let mut pacing = Pacing::default();
        pacing.attempt_failed(&policy());
        pacing.attempt_failed(&policy());
        pacing.connection_opened();
        opened(&mut pacing, STABLE);
        assert!(!pacing.socket_closed(STABLE));
        assert_eq!(pacing.attempt_failed(&policy()), Some(Duration::from_millis(100)));
    }

    #[test]
    fn recovery_continues_its_window_while_recovered_sockets_die_young() {
        let (window, interval) = (Duration::from_secs(30), Duration::from_secs(1));
        let mut pacing = Pacing::default();
        pacing.connection_opened();
        assert!(pacing.socket_closed(STABLE));
        let (deadline, pause) = pacing.recovery_window(window, interval);
        assert_eq!(pause, Duration::ZERO);
        pacing.socket_recovered();
        assert!(pacing.socket_closed(STABLE));
        assert_eq!(pacing.recovery_window(window, interval), (deadline, interval));
        // A recovered socket that worked: the next drop gets a window of its own.
        pacing.socket_recovered();
        opened(&mut pacing, STABLE);
        assert!(!pacing.socket_closed(STABLE));
        let (next, pause) = pacing.recovery_window(window * 2, interval);
        assert!(next >= deadline + window && pause.is_zero());
        // So does a new connection, however young the last socket was.
        pacing.socket_recovered();
        assert!(pacing.socket_closed(STABLE));
        pacing.connection_opened();
        assert!(pacing.recovery_window(window, interval).1.is_zero());
    }
}
