//! `webpubsub-emulator`: a local, protocol-faithful Azure Web PubSub service.
//!
//! It speaks the JSON client subprotocols (`json.webpubsub.azure.v1`,
//! `json.reliable.webpubsub.azure.v1`) with access tokens, permissions, sequence ids, replay on
//! recovery and ackId de-duplication; serves the data-plane REST API the server SDKs call; and
//! lets tests inject faults (abrupt drops, refused recoveries, failed acks, lost acks, delayed
//! or paused delivery, half-open sockets, malformed frames).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use webpubsub_emulator::{Emulator, EmulatorConfig, TokenOptions};
//! let emu = Emulator::start(EmulatorConfig::default()).await?;
//! let url = emu.client_access_url("chat", TokenOptions::user("alice").role("webpubsub.joinLeaveGroup"));
//! // connect a client to `url`, then e.g.
//! emu.wait_for_connections(1, std::time::Duration::from_secs(5)).await;
//! for c in emu.connections() { emu.drop_connection(&c.connection_id); }
//! emu.shutdown().await;
//! # Ok(()) }
//! ```

// Request handlers return `Result<_, Response>` so a refusal is the HTTP answer itself; the
// response type is large, but these are cold paths and boxing would only add noise.
#![allow(clippy::result_large_err)]

mod auth;
mod config;
mod connection;
mod control;
mod endpoint;
mod events;
mod faults;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod http;
mod protocol;
mod rest;
mod roles;
mod server;
mod state;

pub use config::{EmulatorConfig, DEFAULT_ACCESS_KEY};
pub use events::RecordedEvent;
pub use faults::InjectError;
pub use protocol::DataType;
pub use roles::{Pattern, Permission, Permissions, RoleError};
pub use state::ConnectionInfo;

/// Low-level pieces exposed for tests and tools (token minting and checking).
pub mod token {
    pub use crate::auth::{
        audience_matches, client_claims, normalize_url, parse_token_minutes, sign, verify, TokenError,
        MAX_TOKEN_MINUTES,
    };
}

use state::Shared;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// What goes into a client access token minted by [`Emulator::client_access_url`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenOptions {
    /// `sub`; `None` is an anonymous connection (`userId: null`).
    pub user_id: Option<String>,
    /// `role` claims, e.g. `webpubsub.joinLeaveGroup`, `webpubsub.sendToGroup.room1`,
    /// `webpubsub.joinLeaveGroups.room.*`.
    pub roles: Vec<String>,
    /// `webpubsub.group`: groups joined at connect time.
    pub groups: Vec<String>,
    /// Token lifetime (default one hour; beyond the range of `exp` it saturates to the far
    /// future). A zero or negative lifetime can be had with [`TokenOptions::expired`].
    pub expires_in: Duration,
    /// Makes the token already expired by this much (for tests of refused tokens).
    pub expired_by: Option<Duration>,
}

impl Default for TokenOptions {
    fn default() -> Self {
        Self {
            user_id: None,
            roles: Vec::new(),
            groups: Vec::new(),
            expires_in: Duration::from_secs(3600),
            expired_by: None,
        }
    }
}

impl TokenOptions {
    /// An anonymous token without roles.
    pub fn anonymous() -> Self {
        Self::default()
    }
    /// A token for user `id`.
    pub fn user(id: impl Into<String>) -> Self {
        Self { user_id: Some(id.into()), ..Self::default() }
    }
    pub fn role(mut self, role: impl Into<String>) -> Self {
        self.roles.push(role.into());
        self
    }
    /// `webpubsub.joinLeaveGroup` and `webpubsub.sendToGroup`: every group operation.
    pub fn all_group_roles(self) -> Self {
        self.role("webpubsub.joinLeaveGroup").role("webpubsub.sendToGroup")
    }
    pub fn group(mut self, group: impl Into<String>) -> Self {
        self.groups.push(group.into());
        self
    }
    pub fn expires_in(mut self, d: Duration) -> Self {
        self.expires_in = d;
        self
    }
    /// A token whose `exp` lies `by` in the past.
    pub fn expired(mut self, by: Duration) -> Self {
        self.expired_by = Some(by);
        self
    }

    fn lifetime_secs(&self) -> i64 {
        // Saturating: `Duration::MAX` means "never" rather than wrapping into the past.
        let secs = |d: Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
        match self.expired_by {
            Some(by) => -secs(by),
            None => secs(self.expires_in),
        }
    }
}

/// A running emulator. Dropping it stops it (connections are closed abruptly); prefer
/// [`Emulator::shutdown`] to wait for that.
#[derive(Debug)]
pub struct Emulator {
    shared: Arc<Shared>,
    host: String,
    port: u16,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl Emulator {
    /// Binds `config.host:config.port` (port 0 picks a free one) and starts serving on the
    /// current tokio runtime.
    pub async fn start(config: EmulatorConfig) -> std::io::Result<Self> {
        if config.access_key.len() < 32
            || config.access_key.contains(';')
            || config.access_key.chars().any(char::is_control)
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the access key must be at least 32 bytes without ';' or control characters",
            ));
        }
        let listener = TcpListener::bind((config.host.as_str(), config.port)).await?;
        let port = listener.local_addr()?.port();
        let host = match config.host.as_str() {
            "0.0.0.0" | "" => "127.0.0.1".to_string(),
            "::" => "[::1]".to_string(),
            h if h.contains(':') && !h.starts_with('[') => format!("[{h}]"),
            h => h.to_string(),
        };
        let shared = Arc::new(Shared::new(config));
        let server = tokio::spawn(server::serve(listener, shared.clone()));
        Ok(Self { shared, host, port, server: Some(server) })
    }

    pub fn config(&self) -> &EmulatorConfig {
        &self.shared.config
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://HOST:PORT`
    pub fn endpoint(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }

    /// `Endpoint=http://HOST:PORT;AccessKey=...;Version=1.0;`, what server SDKs take.
    pub fn connection_string(&self) -> String {
        format!("Endpoint={};AccessKey={};Version=1.0;", self.endpoint(), self.shared.config.access_key)
    }

    /// A client access token for `hub`, signed like the server SDKs sign it.
    pub fn client_access_token(&self, hub: &str, opts: &TokenOptions) -> String {
        let aud = format!("{}/client/hubs/{hub}", self.endpoint());
        let claims =
            auth::client_claims(&aud, opts.user_id.as_deref(), &opts.roles, &opts.groups, opts.lifetime_secs());
        auth::sign(&claims, &self.shared.config.access_key)
    }

    /// `ws://HOST:PORT/client/hubs/{hub}?access_token=...`
    pub fn client_access_url(&self, hub: &str, opts: TokenOptions) -> String {
        let token = self.client_access_token(hub, &opts);
        format!("ws://{}:{}/client/hubs/{hub}?access_token={token}", self.host, self.port)
    }

    /// A REST bearer token for `url` (the full request URL), as the server SDKs make it.
    pub fn rest_token(&self, url: &str) -> String {
        let mut claims = serde_json::Map::new();
        claims.insert("aud".into(), url.into());
        claims.insert("exp".into(), (auth::now_secs() + 3600).into());
        auth::sign(&claims, &self.shared.config.access_key)
    }

    /// Every logical connection (attached or waiting for recovery), sorted by hub and id.
    pub fn connections(&self) -> Vec<ConnectionInfo> {
        self.shared.connection_infos(None)
    }

    /// One connection, if it exists.
    pub fn connection(&self, id: &str) -> Option<ConnectionInfo> {
        self.shared.find(id).map(|(_, c)| c.info())
    }

    /// Polls [`Emulator::connections`] until `pred` holds or `timeout` passes.
    pub async fn wait_until(&self, timeout: Duration, mut pred: impl FnMut(&[ConnectionInfo]) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if pred(&self.connections()) {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Waits until at least `n` connections are attached.
    pub async fn wait_for_connections(&self, n: usize, timeout: Duration) -> bool {
        self.wait_until(timeout, |c| c.iter().filter(|c| c.attached).count() >= n).await
    }

    /// Drops the connection's transport abruptly with a TCP reset, no close frame. A reliable
    /// connection stays recoverable. Returns whether a transport was attached.
    pub fn drop_connection(&self, id: &str) -> bool {
        self.shared.drop_connection(id, true)
    }

    /// Like [`Emulator::drop_connection`] but with a plain FIN instead of a reset.
    pub fn drop_connection_gracelessly(&self, id: &str) -> bool {
        self.shared.drop_connection(id, false)
    }

    /// Drops every attached transport (of one hub, or of all). Returns how many.
    pub fn drop_all(&self, hub: Option<&str>) -> usize {
        self.shared.drop_all(hub, true)
    }

    /// Sends `disconnected` with `reason`, then a close frame with `code`. 1008 also ends the
    /// logical connection; other codes keep a reliable connection recoverable.
    pub fn close_connection(&self, id: &str, code: u16, reason: &str) -> bool {
        self.shared.close_connection(id, code, reason)
    }

    /// Refuses the next `n` recovery attempts (any connection) with `disconnected` + 1008.
    pub fn refuse_recoveries(&self, n: u64) {
        self.shared.refuse_recoveries(n)
    }

    /// Answers the next `n` requests that carry an ackId with `InternalServerError` without
    /// executing them, so a retry with the same ackId executes.
    pub fn fail_acks(&self, n: u64) {
        self.shared.fail_acks(n)
    }

    /// The next acked operation of connection `id` (or of any connection) is executed, then the
    /// transport is reset before its ack is written: the "ack lost by a drop" case.
    pub fn drop_before_next_ack(&self, id: Option<&str>) -> bool {
        self.shared.drop_before_next_ack(id)
    }

    /// Holds every frame to the connection for `delay` (zero removes the delay).
    pub fn delay_delivery(&self, id: &str, delay: Duration) -> bool {
        self.shared.delay_delivery(id, delay)
    }

    /// Stops writing frames to the connection (they queue; WebSocket pings continue).
    pub fn pause_delivery(&self, id: &str) -> bool {
        self.shared.set_paused(id, true)
    }

    pub fn resume_delivery(&self, id: &str) -> bool {
        self.shared.set_paused(id, false)
    }

    /// Stops reading and writing on the connection's socket but keeps it open: a half-open
    /// connection as the client sees it. The logical connection counts as dropped (its
    /// recovery window starts); a recovery replaces the black-holed socket.
    pub fn blackhole(&self, id: &str) -> bool {
        self.shared.blackhole(id)
    }

    /// A `from:"server"` message to one connection (`Some(id)`) or every connection of `hub`.
    /// `data` is the payload as a REST body would carry it: UTF-8 text, JSON text, or raw bytes
    /// for binary. Returns how many connections it was queued for.
    pub fn inject_server_message(
        &self,
        hub: &str,
        connection_id: Option<&str>,
        data_type: DataType,
        data: impl AsRef<[u8]>,
    ) -> Result<usize, InjectError> {
        self.shared.inject_server_message(hub, connection_id, data_type, data.as_ref())
    }

    /// A group message (`fromUserId: null`, as from a REST group send).
    pub fn inject_group_message(
        &self,
        hub: &str,
        group: &str,
        data_type: DataType,
        data: impl AsRef<[u8]>,
    ) -> Result<usize, InjectError> {
        self.shared.inject_group_message(hub, group, data_type, data.as_ref())
    }

    /// Queues a text frame with exactly these bytes (need not be JSON or even UTF-8).
    pub fn inject_raw_frame(&self, id: &str, frame: impl AsRef<[u8]>) -> bool {
        self.shared.inject_raw_frame(id, frame.as_ref())
    }

    /// Client events received so far (oldest first).
    pub fn events(&self) -> Vec<RecordedEvent> {
        self.shared.events()
    }

    /// Clears the record and its dropped count.
    pub fn clear_events(&self) {
        self.shared.clear_events();
    }

    /// How many events were dropped from the record (oldest first) since the last clear,
    /// because it held more than `max_recorded_events` events or `max_recorded_event_bytes`.
    pub fn dropped_events(&self) -> u64 {
        self.shared.dropped_events()
    }

    /// Turns echo mode on or off: each client event is answered with a server message.
    pub fn set_echo_events(&self, on: bool) {
        self.shared.echo.store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// Stops accepting, drops every connection and waits for the listener to close.
    pub async fn shutdown(mut self) {
        let _ = self.shared.shutdown.send(true);
        if let Some(s) = self.server.take() {
            let _ = s.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.shared.shutdown.send(true);
    }
}
