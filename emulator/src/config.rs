//! Emulator settings. Every limit of the service that a test may want to shrink (recovery
//! window, replay-buffer size, ping interval) is a field here.

use std::time::Duration;

/// The access key Microsoft's emulator uses by default; also ours.
pub const DEFAULT_ACCESS_KEY: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH";

/// Configuration of one emulator instance. Build it with `..Default::default()`.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Address to bind (default `127.0.0.1`).
    pub host: String,
    /// Port to bind; 0 picks a free one (default 0 for the library, 8080 for the CLI).
    pub port: u16,
    /// The access key: tokens are HS256-signed with its UTF-8 bytes.
    pub access_key: String,
    /// Answer every client `event` with a `from:"server"` message carrying the same data.
    pub echo_events: bool,
    /// How long a dropped reliable connection stays recoverable (service: 30 s).
    pub recovery_window: Duration,
    /// WebSocket Ping frame interval; `None` disables pings (service default 20 s).
    pub ws_ping_interval: Option<Duration>,
    /// Unacknowledged messages a reliable connection may have before it is closed with 1008
    /// (service: 1000). Also the cap on unwritten messages of a non-reliable connection.
    pub max_unacked_messages: usize,
    /// Unacknowledged bytes before the same 1008 close (service: 16 MB).
    pub max_unacked_bytes: usize,
    /// Largest client WebSocket message accepted; larger ones close with 1009 (service: 1 MB).
    pub max_message_size: usize,
    /// Send `connected` again after a successful recovery (with a fresh reconnection token).
    /// The cloud *may* do this and clients must cope; Microsoft's emulator does not, so off.
    pub connected_on_recovery: bool,
    /// When a receiver has this many messages pending (unacknowledged on a reliable connection,
    /// unwritten otherwise) and is actively being written to, the emulator stops reading from a
    /// client that publishes to it, for at most `backpressure_max_wait` per message, so a
    /// fire-and-forget publisher is slowed to its subscribers' pace (TCP backpressure) instead
    /// of overflowing their buffers. Paused, black-holed and detached receivers never apply it.
    pub backpressure_threshold: usize,
    /// The same in bytes of unacknowledged messages (reliable receivers), so that large
    /// messages hold a publisher back before the receiver reaches `max_unacked_bytes`.
    pub backpressure_threshold_bytes: usize,
    /// Longest a publisher is held back by one slow receiver.
    pub backpressure_max_wait: Duration,
    /// Per-connection WebSocket read buffer; eagerly allocated, so it sets the memory cost of
    /// an idle connection.
    pub read_buffer_size: usize,
    /// Bytes buffered before a write syscall within one batch.
    pub write_buffer_size: usize,
    /// Events kept for [`crate::Emulator::events`]; the oldest are dropped beyond this.
    pub max_recorded_events: usize,
    /// Payload bytes kept for [`crate::Emulator::events`]; the oldest events are dropped
    /// beyond this, so a client sending large events cannot grow the emulator without bound.
    pub max_recorded_event_bytes: usize,
    /// ackIds remembered per logical connection for `Duplicate` detection (oldest forgotten).
    pub max_remembered_ack_ids: usize,
    /// Largest HTTP request body on any route (REST and control). A larger declared
    /// `Content-Length` is answered 413 before any of the body is read; a larger chunked body
    /// is cut off at this size. Slightly above the 1 MiB payload limit of REST sends.
    pub max_http_body_size: usize,
    /// How long a client may take to send a complete HTTP request head (also how long an idle
    /// keep-alive connection is kept); the connection is closed after it.
    pub http_header_timeout: Duration,
    /// How long a handler waits for a request body to arrive completely (408 after it).
    pub http_body_timeout: Duration,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 0,
            access_key: DEFAULT_ACCESS_KEY.into(),
            echo_events: false,
            recovery_window: Duration::from_secs(30),
            ws_ping_interval: Some(Duration::from_secs(20)),
            max_unacked_messages: 1000,
            max_unacked_bytes: 16 * 1024 * 1024,
            max_message_size: 1024 * 1024,
            connected_on_recovery: false,
            backpressure_threshold: 512,
            backpressure_threshold_bytes: 4 * 1024 * 1024,
            backpressure_max_wait: Duration::from_secs(2),
            read_buffer_size: 4 * 1024,
            write_buffer_size: 64 * 1024,
            max_recorded_events: 100_000,
            max_recorded_event_bytes: 16 * 1024 * 1024,
            max_remembered_ack_ids: 100_000,
            max_http_body_size: 1024 * 1024 + 64 * 1024,
            http_header_timeout: Duration::from_secs(30),
            http_body_timeout: Duration::from_secs(30),
        }
    }
}
