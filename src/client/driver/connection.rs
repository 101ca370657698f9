//! The connected loop: one poll function that reads, writes and runs the timers of an open
//! socket, so the driver needs no locks, no extra tasks and no per-message wakeups.
//!
//! Each poll: (1) a `stop` ends the loop; (2) frames are read while the event queue has
//! room, decoded and settled in batches; (3) due timers request a ping or sequence ack, or
//! declare the socket dead; (4) resends, acks, pings and queued operations are written, then
//! flushed once. Every branch that returns `Pending` has registered the waker.

use super::*;
use crate::client::events::{GroupMessage, ServerMessage};
use crate::protocol::{AckError, MessageSource};
use crate::SendMessageError;
use std::pin::Pin;
use tokio::time::Sleep;

/// Most frames handled per direction in one poll, so neither starves the other.
const BATCH: usize = 256;

/// A timer armed on demand, allocated the first time it is armed (an idle connection never
/// arms some of them).
#[derive(Default)]
struct Timer {
    sleep: Option<Pin<Box<Sleep>>>,
    armed: bool,
}

impl Timer {
    fn arm(&mut self, at: Instant) {
        match &mut self.sleep {
            Some(sleep) => sleep.as_mut().reset(at),
            None => self.sleep = Some(Box::pin(tokio::time::sleep_until(at))),
        }
        self.armed = true;
    }

    /// Whether the timer fired (it is then disarmed).
    fn fired(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(sleep) = self.sleep.as_mut().filter(|_| self.armed) else { return false };
        if sleep.as_mut().poll(cx).is_pending() {
            return false;
        }
        self.armed = false;
        true
    }
}

/// Per-connection state of the loop.
struct Loop {
    /// The next keep-alive duty: a ping, or the receive deadline (half-open detection),
    /// whichever comes first.
    keepalive: Timer,
    next_ping: Option<Instant>,
    /// Sequence acks and the sweep of abandoned operations; armed only when needed.
    tick: Timer,
    last_received: Instant,
    ack_now: bool,
    ping_now: bool,
    flush_pending: bool,
    /// The service sent a close frame: stop writing, read until the socket ends.
    closing: bool,
    close_code: Option<u16>,
    close_reason: Option<String>,
    /// This socket's `connected` message arrived (a new connection's before the loop, a
    /// recovered one's perhaps in it); a socket has one, later ones are ignored.
    connected_seen: bool,
}

impl Driver {
    /// Runs an open socket until it ends; `connected_seen` when its `connected` message was
    /// already read (a new connection), not for a recovered socket.
    pub(super) async fn run_connection(&mut self, ws: &mut WsStream, connected_seen: bool) -> ConnectionEnd {
        let options = &self.shared.options;
        let now = Instant::now();
        let mut state = Loop {
            keepalive: Timer::default(),
            next_ping: options.keep_alive_interval.map(|interval| now + interval),
            tick: Timer::default(),
            last_received: now,
            ack_now: false,
            ping_now: false,
            // Writes queued before the loop (resends, rejoins) go out at once.
            flush_pending: true,
            closing: false,
            close_code: None,
            close_reason: None,
            connected_seen,
        };
        self.arm_keepalive(&mut state);
        // After a recovery: tell the service at once what arrived before the drop.
        state.ack_now = self.sequence.has_news();
        if !self.pending.is_empty() {
            state.tick.arm(now + options.sequence_ack_interval);
        }
        poll_fn(|cx| self.poll_connection(cx, ws, &mut state)).await
    }

    fn poll_connection(&mut self, cx: &mut Context<'_>, ws: &mut WsStream, state: &mut Loop) -> Poll<ConnectionEnd> {
        if self.inbox.poll_stop(cx).is_ready() {
            return Poll::Ready(ConnectionEnd::Stop);
        }
        let mut batch = Vec::new();
        let read = self.poll_read(cx, ws, state, &mut batch);
        let timers = if read.is_pending() { self.poll_timers(cx, state, &mut batch) } else { Poll::Pending };
        self.events.push_all(&mut batch);
        if read.is_ready() {
            return read;
        }
        if timers.is_ready() {
            return timers;
        }
        self.poll_write(cx, ws, state)
    }

    fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        ws: &mut WsStream,
        state: &mut Loop,
        batch: &mut Vec<Event>,
    ) -> Poll<ConnectionEnd> {
        let mut room = 0usize;
        let mut frames = 0;
        let end = loop {
            if frames == BATCH {
                // More may be buffered without a new readiness event: come back soon.
                cx.waker().wake_by_ref();
                break None;
            }
            if room == 0 {
                // Queue what this batch produced so far, so the room is counted exactly.
                self.events.push_all(batch);
                match self.events.poll_room(cx) {
                    Poll::Ready(n) => room = n,
                    Poll::Pending => {
                        // Not reading is our choice, not silence of the peer.
                        state.last_received = Instant::now();
                        break None;
                    }
                }
            }
            match ws.poll_next_unpin(cx) {
                Poll::Pending => break None,
                Poll::Ready(Some(Ok(message))) => {
                    frames += 1;
                    if self.handle_message(message, state, batch) {
                        room -= 1;
                    }
                }
                Poll::Ready(Some(Err(error))) => break Some(error.to_string()),
                Poll::Ready(None) => {
                    break Some(state.close_reason.take().unwrap_or_else(|| "the connection was closed".into()))
                }
            }
        };
        if frames > 0 {
            state.last_received = Instant::now();
        }
        match end {
            Some(reason) => Poll::Ready(ConnectionEnd::Lost { close_code: state.close_code, reason }),
            None => Poll::Pending,
        }
    }

    /// Handles one frame; `true` when it produced a data event.
    fn handle_message(&mut self, message: Message, state: &mut Loop, batch: &mut Vec<Event>) -> bool {
        match message {
            Message::Text(text) => self.handle_text(&text, state, batch),
            Message::Binary(_) => {
                tracing::warn!("binary frame on a JSON connection ignored");
                false
            }
            // tungstenite queued the pong; make sure it is flushed.
            Message::Ping(_) => {
                state.flush_pending = true;
                false
            }
            Message::Close(frame) => {
                // tungstenite answers the close; nothing else may be written now.
                state.closing = true;
                if let Some(frame) = frame {
                    state.close_code = Some(frame.code.into());
                    state.close_reason = Some(frame.reason.to_string()).filter(|r| !r.is_empty());
                }
                false
            }
            Message::Pong(_) | Message::Frame(_) => false,
        }
    }

    fn handle_text(&mut self, text: &str, state: &mut Loop, batch: &mut Vec<Event>) -> bool {
        let message = match decode_service_message(text) {
            Ok(message) => message,
            Err(error) => {
                tracing::warn!(%error, "malformed frame from the service ignored");
                return false;
            }
        };
        match message {
            ServiceMessage::Message { source, data, sequence_id } => {
                if let (true, Some(id)) = (self.shared.options.protocol.is_reliable(), sequence_id) {
                    let fresh = self.sequence.receive(id, text.len());
                    if self.sequence.ack_due(self.shared.options.sequence_ack_threshold) {
                        state.ack_now = true;
                    }
                    self.arm_tick(state);
                    if !fresh {
                        tracing::trace!(sequence_id = id, "duplicate message dropped");
                        return false;
                    }
                }
                batch.push(match source {
                    MessageSource::Group { group, from_user_id } => {
                        Event::GroupMessage(GroupMessage { group, from_user_id, data, sequence_id })
                    }
                    MessageSource::Server => Event::ServerMessage(ServerMessage { data, sequence_id }),
                });
                true
            }
            ServiceMessage::Ack { ack_id, success, error } => {
                self.resolve_ack(ack_id, success, error, batch);
                false
            }
            ServiceMessage::Connected { connection_id, reconnection_token, .. } => {
                // The service may send `connected` again on a recovered socket: it only
                // refreshes the token. Any other `connected` cannot be trusted to replace it.
                let first = !std::mem::replace(&mut state.connected_seen, true);
                match self.session.as_mut() {
                    Some(session) if first && session.connection_id == connection_id => {
                        if let Some(token) = reconnection_token {
                            session.reconnection_token = Some(token);
                        }
                    }
                    _ => tracing::warn!(%connection_id, first, "unexpected `connected` message ignored"),
                }
                false
            }
            ServiceMessage::Disconnected { message } => {
                tracing::info!(message = message.as_deref().unwrap_or(""), "the service is closing the connection");
                self.service_goodbye = message;
                false
            }
            ServiceMessage::Pong => false,
            ServiceMessage::Unknown { kind } => {
                tracing::debug!(%kind, "message of unknown type ignored");
                false
            }
        }
    }

    fn resolve_ack(&mut self, ack_id: u64, success: bool, error: Option<AckError>, batch: &mut Vec<Event>) {
        let Some(pending) = self.pending.remove(ack_id) else {
            tracing::debug!(ack_id, "ack for no pending operation ignored");
            return;
        };
        let outcome = match error {
            _ if success => AckOutcome::Success { duplicate: false },
            Some(error) if error.name == "Duplicate" => AckOutcome::Success { duplicate: true },
            Some(error) => AckOutcome::Refused(error),
            None => AckOutcome::Refused(AckError {
                name: "Unknown".into(),
                message: "the service reported a failure without details".into(),
            }),
        };
        if let (AckOutcome::Success { .. }, Some(change)) = (&outcome, &pending.group_change) {
            match change {
                GroupChange::Join(group) => self.joined.insert(group.clone()),
                GroupChange::Leave(group) => self.joined.remove(group),
            };
        }
        match (pending.waiter, outcome) {
            (Waiter::Caller(reply), outcome) => {
                let _ = reply.send(outcome);
            }
            (Waiter::Rejoin { group, .. }, AckOutcome::Refused(error)) => {
                tracing::warn!(%group, name = %error.name, "rejoining a group failed");
                self.joined.remove(&group);
                let error = SendMessageError { ack_id: Some(ack_id), name: error.name, message: error.message };
                batch.push(Event::RejoinGroupFailed { group, error: error.into() });
            }
            (Waiter::Rejoin { .. }, _) => {}
        }
    }

    fn arm_tick(&self, state: &mut Loop) {
        if !state.tick.armed {
            state.tick.arm(Instant::now() + self.shared.options.sequence_ack_interval);
        }
    }

    /// Arms the keep-alive timer for the next ping or the receive deadline.
    fn arm_keepalive(&self, state: &mut Loop) {
        let deadline = self.shared.options.keep_alive_timeout.map(|timeout| state.last_received + timeout);
        if let Some(at) = [state.next_ping, deadline].into_iter().flatten().min() {
            state.keepalive.arm(at);
        }
    }

    fn poll_timers(&mut self, cx: &mut Context<'_>, state: &mut Loop, batch: &mut Vec<Event>) -> Poll<ConnectionEnd> {
        let options = &self.shared.options;
        if state.keepalive.fired(cx) {
            let now = Instant::now();
            if let (Some(at), Some(interval)) = (state.next_ping, options.keep_alive_interval) {
                if now >= at {
                    state.ping_now = true;
                    state.next_ping = Some(now + interval);
                }
            }
            if let Some(timeout) = options.keep_alive_timeout {
                if now >= state.last_received + timeout {
                    tracing::warn!(
                        ?timeout,
                        "nothing received within the keep-alive timeout; treating the socket as dropped"
                    );
                    return Poll::Ready(ConnectionEnd::Lost {
                        close_code: None,
                        reason: format!("nothing received for {timeout:?}"),
                    });
                }
            }
            self.arm_keepalive(state);
            let _ = state.keepalive.fired(cx);
        }
        if state.tick.fired(cx) {
            state.ack_now = true;
            for (ack_id, abandoned) in self.pending.remove_abandoned() {
                if let Waiter::Rejoin { group, .. } = abandoned.waiter {
                    tracing::warn!(%group, "rejoining a group timed out");
                    self.joined.remove(&group);
                    batch.push(Event::RejoinGroupFailed { group, error: Error::Timeout { ack_id: Some(ack_id) } });
                }
            }
            if !self.pending.is_empty() {
                self.arm_tick(state);
                let _ = state.tick.fired(cx);
            }
        }
        Poll::Pending
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, ws: &mut WsStream, state: &mut Loop) -> Poll<ConnectionEnd> {
        if state.closing {
            return Poll::Pending;
        }
        let close_code = state.close_code;
        let lost = |error: tokio_tungstenite::tungstenite::Error| {
            Poll::Ready(ConnectionEnd::Lost { close_code, reason: error.to_string() })
        };
        let mut wrote = 0;
        while wrote < BATCH {
            match ws.poll_ready_unpin(cx) {
                Poll::Pending => break,
                Poll::Ready(Err(error)) => return lost(error),
                Poll::Ready(Ok(())) => {}
            }
            let frame = if let Some(frame) = self.resend.pop_front() {
                frame
            } else if std::mem::take(&mut state.ack_now) {
                match self.sequence.take_ack() {
                    Some(sequence_id) => encode(&Request::SequenceAck { sequence_id }),
                    None => continue,
                }
            } else if std::mem::take(&mut state.ping_now) {
                encode(&Request::Ping)
            } else {
                match self.ops.poll_recv(cx) {
                    Poll::Pending => break,
                    Poll::Ready(None) => {
                        self.inbox.exiting = true;
                        return Poll::Ready(ConnectionEnd::Stop);
                    }
                    Poll::Ready(Some(op)) => match self.accept(*op, state) {
                        Some(frame) => frame,
                        None => continue,
                    },
                }
            };
            if let Err(error) = ws.start_send_unpin(Message::Text(frame)) {
                return lost(error);
            }
            wrote += 1;
        }
        if wrote == BATCH {
            cx.waker().wake_by_ref();
        }
        if wrote > 0 || state.flush_pending {
            match ws.poll_flush_unpin(cx) {
                Poll::Ready(Ok(())) => state.flush_pending = false,
                Poll::Ready(Err(error)) => return lost(error),
                Poll::Pending => state.flush_pending = true,
            }
        }
        Poll::Pending
    }

    /// Takes an operation from the queue; its frame, unless nobody waits for it any more.
    fn accept(&mut self, op: OpRequest, state: &mut Loop) -> Option<Utf8Bytes> {
        let OpRequest { frame, ack, deadline } = op;
        let Some(ack) = ack else {
            return (Instant::now() < deadline).then_some(frame);
        };
        if ack.reply.is_closed() {
            return None;
        }
        match self.pending.insert(ack.ack_id, frame.clone(), Waiter::Caller(ack.reply), ack.group_change) {
            Ok(()) => {
                self.arm_tick(state);
                Some(frame)
            }
            Err(Waiter::Caller(reply)) => {
                let _ = reply.send(AckOutcome::AckIdInUse);
                None
            }
            Err(Waiter::Rejoin { .. }) => None,
        }
    }
}
