//! Client options, with the official SDKs' defaults, and the credential.

use crate::protocol::Protocol;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// How delays grow between attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryMode {
    /// Every delay is `initial_delay`.
    Fixed,
    /// `initial_delay`, doubled per attempt, capped at `max_delay`.
    Exponential,
}

/// When and how often to retry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt; `None` retries without limit.
    pub max_retries: Option<u32>,
    /// Delay before the first retry.
    pub initial_delay: Duration,
    /// Upper bound of any delay.
    pub max_delay: Duration,
    /// Fixed or exponential growth.
    pub mode: RetryMode,
    /// Randomize each delay within [50 %, 100 %] so that many clients do not retry in step.
    pub jitter: bool,
}

impl RetryPolicy {
    /// A policy with the given limits, exponential growth and jitter.
    pub fn exponential(max_retries: Option<u32>, initial_delay: Duration, max_delay: Duration) -> Self {
        RetryPolicy { max_retries, initial_delay, max_delay, mode: RetryMode::Exponential, jitter: true }
    }

    /// A policy with a constant delay and no jitter.
    pub fn fixed(max_retries: Option<u32>, delay: Duration) -> Self {
        RetryPolicy { max_retries, initial_delay: delay, max_delay: delay, mode: RetryMode::Fixed, jitter: false }
    }

    /// Never retry.
    pub fn none() -> Self {
        Self::fixed(Some(0), Duration::ZERO)
    }

    /// The delay before retry number `retry` (1 for the first retry).
    pub fn delay(&self, retry: u32) -> Duration {
        let base = match self.mode {
            RetryMode::Fixed => self.initial_delay,
            RetryMode::Exponential => {
                let factor = 2u32.saturating_pow(retry.saturating_sub(1).min(31));
                self.initial_delay.saturating_mul(factor)
            }
        }
        .min(self.max_delay);
        if self.jitter && !base.is_zero() {
            base.mul_f64(rand::random_range(0.5..=1.0))
        } else {
            base
        }
    }

    /// Whether retry number `retry` (1 for the first) is allowed.
    pub fn allows(&self, retry: u32) -> bool {
        self.max_retries.is_none_or(|max| retry <= max)
    }
}

/// Options of a client. Every field has the official SDKs' default; see [`Default`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientOptions {
    /// The subprotocol. Default: reliable JSON.
    pub protocol: Protocol,
    /// Open a new connection when the old one is lost for good. Default: on.
    pub auto_reconnect: bool,
    /// Join again, on a new connection, the groups this client joined. Default: on.
    pub auto_rejoin_groups: bool,
    /// Retries of operations that failed transiently (`InternalServerError`), always with the
    /// same ackId. Default: 3 retries, exponential from 0.8 s, capped at 30 s, jittered.
    pub message_retry: RetryPolicy,
    /// Reconnect attempts after a connection is lost for good. The first attempt is
    /// immediate after a connection that worked; a connection that closed within
    /// [`stable_connection_time`](Self::stable_connection_time) counts as a failed attempt,
    /// so the backoff keeps growing. Default: unlimited, exponential from 1 s, capped at
    /// 30 s, jittered.
    pub reconnect_retry: RetryPolicy,
    /// How long to try recovering a dropped reliable connection. Default: 30 s.
    pub recovery_window: Duration,
    /// Pause between recovery attempts, also after a recovered socket that closed within
    /// [`stable_connection_time`](Self::stable_connection_time) (the recovery then goes on
    /// in the same window). Default: 1 s.
    pub recovery_interval: Duration,
    /// Bound of one connection attempt (TCP, TLS, upgrade, and the `connected` message).
    /// Default: 10 s.
    pub connect_timeout: Duration,
    /// Bound of one operation, from the call to its ack, retries and recovery included.
    /// Default: 30 s.
    pub operation_timeout: Duration,
    /// Interval of application-level pings while connected; `None` disables. Default: 20 s.
    pub keep_alive_interval: Option<Duration>,
    /// Treat the connection as dropped when nothing arrived for this long (half-open
    /// detection); `None` disables. Default: 120 s.
    pub keep_alive_timeout: Option<Duration>,
    /// Interval of cumulative `sequenceAck`s, sent only when something new arrived.
    /// Default: 1 s.
    pub sequence_ack_interval: Duration,
    /// Send a `sequenceAck` at once after this many unacknowledged messages. Default: 300.
    pub sequence_ack_threshold: u32,
    /// Events queued for the consumer before the client stops reading from the socket.
    /// Default: 4096.
    pub event_queue_capacity: usize,
    /// Operations queued for the connection before callers wait. Default: 1024.
    pub operation_queue_capacity: usize,
    /// Extra HTTP headers of the WebSocket upgrade request.
    pub headers: Vec<(String, String)>,
    /// The `User-Agent` header. Default: `webpubsub-client-rust/<version>`.
    pub user_agent: String,
    /// Extra trusted CA certificates (PEM) for `wss://`, on top of the system's roots.
    pub extra_ca_certificates_pem: Option<Vec<u8>>,
}

impl ClientOptions {
    /// How long a connection must stay open to count as working: the longest of 1 s,
    /// `reconnect_retry.initial_delay` and `recovery_interval`.
    ///
    /// One that closes sooner (the service accepted the upgrade, perhaps sent `connected`,
    /// then closed) is a failed attempt: it counts against `reconnect_retry.max_retries`, and
    /// the next attempt waits the policy's next delay; a recovered socket that closes sooner
    /// makes the recovery go on in the same window after `recovery_interval`. So no service
    /// behaviour makes the client connect faster than its policies allow. Only after a
    /// connection that worked is the first attempt immediate and the backoff reset.
    pub fn stable_connection_time(&self) -> Duration {
        Duration::from_secs(1).max(self.reconnect_retry.initial_delay).max(self.recovery_interval)
    }
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            protocol: Protocol::JsonReliable,
            auto_reconnect: true,
            auto_rejoin_groups: true,
            message_retry: RetryPolicy::exponential(Some(3), Duration::from_millis(800), Duration::from_secs(30)),
            reconnect_retry: RetryPolicy::exponential(None, Duration::from_secs(1), Duration::from_secs(30)),
            recovery_window: Duration::from_secs(30),
            recovery_interval: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(10),
            operation_timeout: Duration::from_secs(30),
            keep_alive_interval: Some(Duration::from_secs(20)),
            keep_alive_timeout: Some(Duration::from_secs(120)),
            sequence_ack_interval: Duration::from_secs(1),
            sequence_ack_threshold: 300,
            event_queue_capacity: 4096,
            operation_queue_capacity: 1024,
            headers: Vec::new(),
            user_agent: concat!("webpubsub-client-rust/", env!("CARGO_PKG_VERSION")).to_owned(),
            extra_ca_certificates_pem: None,
        }
    }
}

type UrlFuture = Pin<Box<dyn Future<Output = Result<String, String>> + Send>>;

/// Where the client gets its client access URL.
///
/// A plain URL is used as is. A provider is asked for a fresh URL (with a fresh access token)
/// on every start and every reconnect; recovery reuses the last URL, since the service ignores
/// the access token of a recovery request.
#[derive(Clone)]
pub struct Credential(CredentialKind);

#[derive(Clone)]
enum CredentialKind {
    Url(String),
    Provider(Arc<dyn Fn() -> UrlFuture + Send + Sync>),
}

impl Credential {
    /// A fixed client access URL. Here, as for a provider's URLs, `http(s)://` connects as
    /// `ws(s)://`.
    pub fn url(url: impl Into<String>) -> Self {
        Credential(CredentialKind::Url(url.into()))
    }

    /// A function that returns a fresh client access URL each time it is called.
    pub fn provider<F, Fut, E>(provider: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, E>> + Send + 'static,
        E: std::fmt::Display,
    {
        Credential(CredentialKind::Provider(Arc::new(move || {
            let fut = provider();
            Box::pin(async move { fut.await.map_err(|e| e.to_string()) })
        })))
    }

    /// Gets a client access URL.
    pub(crate) async fn client_access_url(&self) -> Result<String, String> {
        match &self.0 {
            CredentialKind::Url(url) => Ok(url.clone()),
            CredentialKind::Provider(provider) => provider().await,
        }
    }
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            CredentialKind::Url(url) => f.debug_tuple("Url").field(&crate::transport::redact_url(url)).finish(),
            CredentialKind::Provider(_) => f.write_str("Provider(..)"),
        }
    }
}

impl From<&str> for Credential {
    fn from(url: &str) -> Self {
        Credential::url(url)
    }
}

impl From<String> for Credential {
    fn from(url: String) -> Self {
        Credential::url(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_delays_double_and_cap() {
        let mut policy = RetryPolicy::exponential(Some(5), Duration::from_millis(100), Duration::from_millis(350));
        policy.jitter = false;
        let delays: Vec<_> = (1..=4).map(|n| policy.delay(n).as_millis()).collect();
        assert_eq!(delays, [100, 200, 350, 350]);
        assert!(policy.allows(5) && !policy.allows(6));
    }

    #[test]
    fn jitter_stays_within_half_and_full_delay() {
        let policy = RetryPolicy::exponential(None, Duration::from_millis(1000), Duration::from_secs(60));
        for _ in 0..200 {
            let d = policy.delay(2);
            assert!(d >= Duration::from_millis(1000) && d <= Duration::from_millis(2000), "{d:?}");
        }
        assert!(policy.allows(u32::MAX));
    }

    #[test]
    fn fixed_and_none_policies() {
        assert_eq!(RetryPolicy::fixed(Some(2), Duration::from_secs(1)).delay(7), Duration::from_secs(1));
        assert!(!RetryPolicy::none().allows(1));
    }

    #[test]
    fn the_stable_time_is_at_least_a_second_and_follows_the_policies() {
        let mut options = ClientOptions::default();
        assert_eq!(options.stable_connection_time(), Duration::from_secs(1));
        options.reconnect_retry = RetryPolicy::fixed(None, Duration::from_millis(10));
        options.recovery_interval = Duration::from_millis(10);
        assert_eq!(options.stable_connection_time(), Duration::from_secs(1));
        options.recovery_interval = Duration::from_secs(3);
        assert_eq!(options.stable_connection_time(), Duration::from_secs(3));
    }
}
