//! The driver: one task per client that owns the connection and moves through the states.
//!
//! ```text
//! Stopped ─start─▶ Connecting ─connected─▶ Connected ◀──────────────┐
//!                                            │ drop (not 1008)      │ socket reopened
//!                                            ├──────────▶ Recovering┘
//!                                            │ 1008, or recovery failed
//!                                            └──────────▶ Reconnecting ─connected─▶ Connected
//! any state ─stop─▶ Stopping ─▶ Stopped
//! ```
//!
//! Every wait outside the connected loop is raced against the control channel (see
//! [`Inbox::guard`]), so `stop` is honoured in every state. The connected loop itself is a
//! hand-written poll function (see `connection.rs`) that reads, writes and keeps timers in
//! one task without locks.

mod connection;
mod pacing;

use super::acks::{AckOutcome, GroupChange, PendingAcks, Waiter};
use super::control::Control;
use super::events::{Event, EventQueue};
use super::operation::OpRequest;
use super::queue::OpReceiver;
use super::sequence::SequenceTracker;
use super::{lock, ClientState, Credential, Shared};
use crate::protocol::{decode_service_message, encode_request, Request, ServiceMessage};
use crate::transport::{self, ConnectError, TransportOptions, WsStream};
use crate::Error;
use futures_util::{SinkExt, StreamExt};
use pacing::Pacing;
use std::collections::{BTreeSet, VecDeque};
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

/// Close code with which the service says a connection cannot be recovered.
const POLICY_VIOLATION: u16 = 1008;

/// A `stop` (or the last handle going away) interrupted what the driver was waiting for.
#[derive(Debug)]
struct Stopping;

/// The control mailbox, watched during every wait.
struct Inbox {
    shared: Arc<Shared>,
    stop_waiters: Vec<oneshot::Sender<()>>,
    /// Every handle is gone: stop, then end the task.
    exiting: bool,
}

impl Inbox {
    /// Ready when a stop arrives. A `start` meanwhile is refused: the client is started.
    fn poll_stop(&mut self, cx: &mut Context<'_>) -> Poll<Stopping> {
        loop {
            match self.shared.mailbox.poll_recv(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    self.exiting = true;
                    return Poll::Ready(Stopping);
                }
                Poll::Ready(Some(Control::Stop(reply))) => {
                    self.stop_waiters.push(reply);
                    return Poll::Ready(Stopping);
                }
                Poll::Ready(Some(Control::Start(reply))) => {
                    let _ = reply.send(Err(Error::IllegalState("the client is already started".into())));
                }
            }
        }
    }

    async fn recv(&self) -> Option<Control> {
        self.shared.mailbox.recv().await
    }

    /// Runs `fut` unless a stop arrives first.
    async fn guard<F: Future>(&mut self, fut: F) -> Result<F::Output, Stopping> {
        let mut fut = pin!(fut);
        poll_fn(|cx| {
            if let Poll::Ready(stop) = self.poll_stop(cx) {
                return Poll::Ready(Err(stop));
            }
            fut.as_mut().poll(cx).map(Ok)
        })
        .await
    }
}

impl Drop for Inbox {
    /// However the task ends (even dropped by a runtime shutting down), waiters of `start`
    /// and `stop` are answered and later requests refused.
    fn drop(&mut self) {
        self.shared.mailbox.close_receiver();
    }
}

/// The logical connection: what recovery needs.
struct Session {
    connection_id: String,
    reconnection_token: Option<String>,
    /// The client access URL it was opened with, less its access token
    /// ([`transport::recovery_base`]); recovery adds its parameters to it.
    recovery_base: String,
}

/// A socket whose `connected` message arrived.
struct Established {
    ws: WsStream,
    url: String,
    connection_id: String,
    user_id: Option<String>,
    reconnection_token: Option<String>,
}

/// Why the connected loop ended.
enum ConnectionEnd {
    Stop,
    Lost { close_code: Option<u16>, reason: String },
}

pub(crate) struct Driver {
    shared: Arc<Shared>,
    credential: Credential,
    transport: TransportOptions,
    inbox: Inbox,
    ops: OpReceiver,
    events: Arc<EventQueue>,
    /// Requests written (or about to be) and waiting for their ack.
    pending: PendingAcks,
    /// Frames of pending requests to write before new operations (resends, rejoins).
    resend: VecDeque<Utf8Bytes>,
    /// Groups joined through this client, rejoined on a new connection.
    joined: BTreeSet<String>,
    sequence: SequenceTracker,
    session: Option<Session>,
    /// The `disconnected` message of the current socket, if the service sent one.
    service_goodbye: Option<String>,
    pacing: Pacing,
}

impl Driver {
    pub(crate) fn new(shared: Arc<Shared>, credential: Credential, ops: OpReceiver, events: Arc<EventQueue>) -> Self {
        let options = &shared.options;
        let transport = TransportOptions::new(
            options.protocol,
            options.headers.clone(),
            options.user_agent.clone(),
            options.extra_ca_certificates_pem.clone(),
        );
        let inbox_shared = shared.clone();
        Driver {
            shared,
            credential,
            transport,
            inbox: Inbox { shared: inbox_shared, stop_waiters: Vec::new(), exiting: false },
            ops,
            events,
            pending: PendingAcks::default(),
            resend: VecDeque::new(),
            joined: BTreeSet::new(),
            sequence: SequenceTracker::default(),
            session: None,
            service_goodbye: None,
            pacing: Pacing::default(),
        }
    }

    /// The task body: alternates between waiting for `start` and running a session.
    ///
    /// Idle clients are mostly this future, so its size is watched by a test; the large
    /// futures of connecting and closing are boxed and freed once done.
    pub(crate) async fn run(mut self) {
        while let Some(start) = self.wait_for_start().await {
            self.run_session(start).await;
            if self.inbox.exiting {
                break;
            }
        }
        self.events.close();
        tracing::debug!("client task ended");
    }

    fn set_state(&self, state: ClientState) {
        let previous = self.shared.state.replace(state);
        if previous != state {
            tracing::debug!(%previous, current = %state, "state changed");
            self.events.push(Event::StateChanged { previous, current: state });
        }
    }

    /// Stopped: answers stops at once, fails operations, and waits for a start. Once a start
    /// is requested (see `StateCell::request_start`), operations wait for its connection
    /// instead: they were issued after it.
    async fn wait_for_start(&mut self) -> Option<oneshot::Sender<Result<(), Error>>> {
        loop {
            let starting = self.shared.state.start_requested();
            tokio::select! {
                biased;
                control = self.inbox.recv() => match control {
                    None => return None,
                    Some(Control::Start(reply)) => return Some(reply),
                    Some(Control::Stop(reply)) => { let _ = reply.send(()); }
                },
                Some(op) = self.ops.recv(), if !starting => match self.shared.state.start_requested() {
                    true => self.ops.hold(op),
                    false => fail_op(*op, || AckOutcome::Stopped),
                },
            }
        }
    }

    /// One started period: from `start` until the client is stopped again.
    async fn run_session(&mut self, start: oneshot::Sender<Result<(), Error>>) {
        self.set_state(ClientState::Connecting);
        self.pacing = Pacing::default();
        let attempt = Box::pin(establish(&self.credential, &self.transport, self.shared.options.connect_timeout));
        let established = match self.inbox.guard(attempt).await {
            Err(Stopping) => {
                let _ = start.send(Err(Error::Stopped { ack_id: None }));
                return Box::pin(self.finish_stop(None)).await;
            }
            Ok(Err(error)) => {
                tracing::warn!(%error, "start failed");
                self.set_state(ClientState::Stopped);
                let _ = start.send(Err(error));
                return;
            }
            Ok(Ok(established)) => established,
        };
        // State and `connected` event first: whoever `start` wakes sees them.
        let mut ws = self.begin_connection(established);
        let _ = start.send(Ok(()));
        // A socket opened by a recovery has not had its `connected` message yet.
        let mut recovered = false;
        loop {
            self.set_state(ClientState::Connected);
            let (close_code, reason) = match self.run_connection(&mut ws, !recovered).await {
                ConnectionEnd::Stop => return Box::pin(self.finish_stop(Some(ws))).await,
                ConnectionEnd::Lost { close_code, reason } => (close_code, reason),
            };
            drop(ws);
            let young = self.pacing.socket_closed(self.shared.options.stable_connection_time());
            tracing::info!(close_code, %reason, young, "connection dropped");
            if self.recoverable(close_code) {
                // Boxed like every rare phase: the idle client's task stays small.
                match Box::pin(self.recover(close_code)).await {
                    Err(Stopping) => return Box::pin(self.finish_stop(None)).await,
                    Ok(Some(socket)) => {
                        (ws, recovered) = (socket, true);
                        continue;
                    }
                    Ok(None) => {}
                }
            }
            self.lose_connection(close_code, reason);
            if !self.shared.options.auto_reconnect {
                return Box::pin(self.finish_stop(None)).await;
            }
            self.set_state(ClientState::Reconnecting);
            match Box::pin(self.reconnect(young)).await {
                Ok(Some(established)) => (ws, recovered) = (self.begin_connection(established), false),
                Ok(None) | Err(Stopping) => return Box::pin(self.finish_stop(None)).await,
            }
        }
    }

    /// Whether a drop can be recovered: reliable protocol, a reconnection token, not 1008.
    fn recoverable(&self, close_code: Option<u16>) -> bool {
        self.shared.options.protocol.is_reliable()
            && close_code != Some(POLICY_VIOLATION)
            && self.session.as_ref().is_some_and(|s| s.reconnection_token.is_some())
    }

    /// Takes a new connection into use: fresh sequence ids and ackId history, resends of
    /// pending joins/leaves, rejoins, and the `connected` event.
    fn begin_connection(&mut self, established: Established) -> WsStream {
        let Established { ws, url, connection_id, user_id, reconnection_token } = established;
        tracing::info!(%connection_id, "connected");
        self.pacing.connection_opened();
        self.sequence.reset();
        self.service_goodbye = None;
        {
            let mut ids = lock(&self.shared.ack_ids);
            ids.new_connection();
            // Pending joins/leaves are resent with their ids: keep those ids out of reach.
            self.pending.ids().for_each(|id| ids.reserve(id));
        }
        *lock(&self.shared.connection) = Some((connection_id.clone(), user_id.clone()));
        let recovery_base = transport::recovery_base(&url).unwrap_or(url);
        self.session = Some(Session { connection_id: connection_id.clone(), reconnection_token, recovery_base });

        // Rejoins first, then the joins and leaves that were pending, in their order.
        let resend = self.pending.frames_ordered();
        if self.shared.options.auto_rejoin_groups {
            let deadline = Instant::now() + self.shared.options.operation_timeout;
            for group in self.joined.clone() {
                let ack_id = lock(&self.shared.ack_ids).allocate();
                let frame = encode(&Request::JoinGroup { group: group.clone(), ack_id: Some(ack_id) });
                let waiter = Waiter::Rejoin { group: group.clone(), deadline };
                if self.pending.insert(ack_id, frame.clone(), waiter, Some(GroupChange::Join(group))).is_ok() {
                    self.resend.push_back(frame);
                }
            }
        }
        self.resend.extend(resend);
        self.set_state(ClientState::Connected);
        self.events.push(Event::Connected { connection_id, user_id });
        ws
    }

    /// The logical connection is gone for good: report it and settle pending operations.
    /// Joins and leaves stay pending (they are safe to send again on a new connection); a
    /// publish may or may not have been executed, so it fails with `ConnectionLost`.
    fn lose_connection(&mut self, close_code: Option<u16>, reason: String) {
        self.resend.clear();
        for lost in self.pending.remove_where(|p| !p.resendable_on_new_connection()) {
            if let Waiter::Caller(reply) = lost.waiter {
                let _ = reply.send(AckOutcome::ConnectionLost);
            }
        }
        let session = self.session.take();
        *lock(&self.shared.connection) = None;
        let message = self.service_goodbye.take().unwrap_or(reason);
        self.events.push(Event::Disconnected {
            connection_id: session.map(|s| s.connection_id),
            message: Some(message),
            close_code,
        });
    }

    /// Recovering: reopens the same logical connection within the recovery window. `None`
    /// when recovery is impossible or the window ran out. While recovered sockets die young
    /// the window is the one under way and every attempt waits `recovery_interval` first,
    /// so a service that accepts recoveries and closes them at once cannot make this spin.
    async fn recover(&mut self, close_code: Option<u16>) -> Result<Option<WsStream>, Stopping> {
        let options = &self.shared.options;
        let Some(session) = &self.session else { return Ok(None) };
        let connection_id = session.connection_id.clone();
        let url = match transport::recovery_url(
            &session.recovery_base,
            &connection_id,
            session.reconnection_token.as_deref().unwrap_or_default(),
        ) {
            Ok(url) => url,
            Err(error) => {
                tracing::warn!(%error, "cannot build the recovery URL");
                return Ok(None);
            }
        };
        self.set_state(ClientState::Recovering);
        self.events.push(Event::Recovering { connection_id: connection_id.clone(), close_code });
        let started = Instant::now();
        let (connect_timeout, interval) = (options.connect_timeout, options.recovery_interval);
        let (deadline, mut pause) = self.pacing.recovery_window(options.recovery_window, interval);
        let mut attempt = 0u32;
        loop {
            if !pause.is_zero() {
                let pause = pause.min(deadline.saturating_duration_since(Instant::now()));
                self.inbox.guard(tokio::time::sleep(pause)).await?;
            }
            pause = interval;
            attempt += 1;
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                tracing::warn!(attempts = attempt - 1, "recovery window ran out");
                return Ok(None);
            }
            let try_once =
                Box::pin(tokio::time::timeout(connect_timeout.min(left), transport::connect(&url, &self.transport)));
            match self.inbox.guard(try_once).await? {
                Ok(Ok(ws)) => {
                    let elapsed = started.elapsed();
                    tracing::info!(%connection_id, ?elapsed, attempt, "connection recovered");
                    self.service_goodbye = None;
                    self.pacing.socket_recovered();
                    self.resend = self.pending.frames_ordered().into();
                    self.events.push(Event::Recovered { connection_id, elapsed });
                    return Ok(Some(ws));
                }
                Ok(Err(error)) if is_permanent(&error) => {
                    tracing::warn!(%error, "recovery refused");
                    return Ok(None);
                }
                Ok(Err(error)) => tracing::debug!(%error, attempt, "recovery attempt failed"),
                Err(_) => tracing::debug!(attempt, "recovery attempt timed out"),
            }
        }
    }

    /// Reconnecting: new connections with a fresh URL, under the reconnect policy. `None`
    /// when the policy gives up. The first attempt is immediate only after a connection that
    /// worked: one that died `young` was a failed attempt too, and the backoff goes on.
    async fn reconnect(&mut self, young: bool) -> Result<Option<Established>, Stopping> {
        let policy = self.shared.options.reconnect_retry.clone();
        if young {
            let Some(delay) = self.pacing.attempt_failed(&policy) else {
                tracing::warn!("the connection closed right after it opened; reconnect gives up");
                return Ok(None);
            };
            tracing::warn!(?delay, "the connection closed right after it opened; reconnecting after a delay");
            self.inbox.guard(tokio::time::sleep(delay)).await?;
        }
        loop {
            self.inbox.guard(self.events.lifecycle_room()).await?;
            let attempt = Box::pin(establish(&self.credential, &self.transport, self.shared.options.connect_timeout));
            match self.inbox.guard(attempt).await? {
                Ok(established) => return Ok(Some(established)),
                Err(error) => {
                    let Some(delay) = self.pacing.attempt_failed(&policy) else {
                        tracing::warn!(%error, "reconnect failed; giving up");
                        return Ok(None);
                    };
                    tracing::warn!(%error, ?delay, "reconnect attempt failed");
                    self.inbox.guard(tokio::time::sleep(delay)).await?;
                }
            }
        }
    }

    /// Stopping: closes the socket, fails everything pending, reports, answers `stop`.
    async fn finish_stop(&mut self, ws: Option<WsStream>) {
        self.set_state(ClientState::Stopping);
        // Queued operations are not sent, except fire-and-forget ones on an open socket: the
        // caller was told they were accepted, as the official clients write them at once.
        let mut accepted = Vec::new();
        while let Some(op) = self.ops.try_recv() {
            match (&op.ack, &ws) {
                (None, Some(_)) => accepted.push(op.frame),
                _ => fail_op(*op, || AckOutcome::Stopped),
            }
        }
        if let Some(mut ws) = ws {
            Box::pin(close_gracefully(&mut ws, accepted)).await;
        }
        for pending in self.pending.remove_where(|_| true) {
            if let Waiter::Caller(reply) = pending.waiter {
                let _ = reply.send(AckOutcome::Stopped);
            }
        }
        self.resend.clear();
        if let Some(session) = self.session.take() {
            self.events.push(Event::Disconnected {
                connection_id: Some(session.connection_id),
                message: Some("the client was stopped".into()),
                close_code: Some(CloseCode::Normal.into()),
            });
        }
        *lock(&self.shared.connection) = None;
        self.set_state(ClientState::Stopped);
        self.events.push(Event::Stopped);
        for waiter in self.inbox.stop_waiters.drain(..) {
            let _ = waiter.send(());
        }
        tracing::info!("stopped");
    }
}

/// Answers an operation that will not be sent.
fn fail_op(op: OpRequest, outcome: impl FnOnce() -> AckOutcome) {
    if let Some(ack) = op.ack {
        let _ = ack.reply.send(outcome());
    }
}

/// Encodes a request the driver itself sends.
fn encode(request: &Request) -> Utf8Bytes {
    let mut text = String::with_capacity(64);
    encode_request(request, &mut text);
    Utf8Bytes::from(text)
}

/// A refusal that retrying the same recovery request will not change.
fn is_permanent(error: &ConnectError) -> bool {
    match error {
        ConnectError::Invalid(_) => true,
        ConnectError::Refused { status } => (400..500).contains(status) && *status != 408 && *status != 429,
        ConnectError::Io(_) => false,
    }
}

/// Opens a new connection: fresh URL from the credential, socket, then the `connected`
/// message, all within `timeout`. Callers box this future: it is large and only lives
/// while connecting, and keeping it inline would make every idle client's task carry it.
async fn establish(
    credential: &Credential,
    transport: &TransportOptions,
    timeout: Duration,
) -> Result<Established, Error> {
    let work = async {
        let url = credential.client_access_url().await.map_err(Error::Credential)?;
        let redacted = transport::redact_url(&url);
        tracing::debug!(url = %redacted, "connecting");
        let mut ws = transport::connect(&url, transport).await.map_err(|e| match e {
            ConnectError::Invalid(message) => Error::InvalidUrl(message),
            other => Error::Connect { status: other.status(), message: other.to_string() },
        })?;
        loop {
            let frame = ws.next().await;
            let text = match frame {
                Some(Ok(Message::Text(text))) => text,
                Some(Ok(Message::Close(close))) => {
                    let detail = close.map(|c| format!("{} {}", u16::from(c.code), c.reason)).unwrap_or_default();
                    return Err(Error::Connect { status: None, message: format!("closed before connected: {detail}") });
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(Error::Connect { status: None, message: e.to_string() }),
                None => return Err(Error::Connect { status: None, message: "closed before connected".into() }),
            };
            match decode_service_message(&text) {
                Ok(ServiceMessage::Connected { connection_id, user_id, reconnection_token }) => {
                    return Ok(Established { ws, url, connection_id, user_id, reconnection_token });
                }
                Ok(ServiceMessage::Disconnected { message }) => {
                    return Err(Error::Connect {
                        status: None,
                        message: message.unwrap_or_else(|| "disconnected".into()),
                    });
                }
                Ok(other) => tracing::debug!(?other, "message before `connected` ignored"),
                Err(error) => tracing::warn!(%error, "malformed frame before `connected` ignored"),
            }
        }
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(result) => result,
        Err(_) => Err(Error::Connect { status: None, message: format!("no connection within {timeout:?}") }),
    }
}

/// Writes `last_frames`, then a normal close, and waits briefly for the service's answer.
async fn close_gracefully(ws: &mut WsStream, last_frames: Vec<Utf8Bytes>) {
    let close = async {
        for frame in last_frames {
            if ws.feed(Message::Text(frame)).await.is_err() {
                return;
            }
        }
        let frame = CloseFrame { code: CloseCode::Normal, reason: "".into() };
        if ws.send(Message::Close(Some(frame))).await.is_ok() {
            while let Some(Ok(_)) = ws.next().await {}
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), close).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An idle connected client costs its task's future plus buffers; keep the future small.
    #[tokio::test]
    async fn the_task_future_stays_small() {
        let shared = Arc::new(Shared {
            options: Default::default(),
            mailbox: Default::default(),
            state: Default::default(),
            connection: Default::default(),
            ack_ids: Default::default(),
        });
        let (_ops_tx, ops_rx) = crate::client::queue::op_queue(1);
        let driver = Driver::new(shared, Credential::url("ws://unused"), ops_rx, EventQueue::new(1));
        let size = std::mem::size_of_val(&driver.run());
        assert!(size <= 1536, "the client task future grew to {size} bytes");
    }
}
