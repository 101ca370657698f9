//! One WebSocket transport of a logical connection: the read loop (client requests), the
//! write loop (the connection's outbox), and what happens when the transport ends.
//!
//! Both loops run as futures of one task (no cross-task hand-off per frame). The writer
//! drains everything queued, feeds it into the WebSocket buffer and flushes once, so a burst
//! of messages costs one write syscall. How a transport ends decides the fate of the logical
//! connection: a client close frame or a protocol violation ends it; an abrupt drop of a
//! reliable connection keeps it for the recovery window.

use crate::events::RecordedEvent;
use crate::http::close_reason;
use crate::protocol::{self, AckError, ClientMessage, DataFrame, ParseError, Payload};
use crate::roles::Permission;
use crate::state::{Conn, Faults, Hub, Kill, OutFrame, Shared, TransportCtl};
use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use std::os::fd::{BorrowedFd, RawFd};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::error::{Error as WsError, ProtocolError};
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::{Frame, Utf8Bytes};
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

type Ws = WebSocketStream<TokioIo<Upgraded>>;

/// What the upgraded socket is for.
pub(crate) enum Start {
    New(Arc<Conn>, Vec<String>),
    Recover(Arc<Conn>),
    /// Accept, send `disconnected`, close with 1008.
    Refuse(String),
}

/// Why a transport stopped.
enum End {
    /// The client sent a close frame: the logical connection ends.
    ClientClosed,
    /// EOF, reset or I/O error without a close frame: recoverable.
    Gone,
    /// The client broke the protocol: `disconnected` + close with this code; the logical
    /// connection ends.
    Violation(u16, String),
    /// The writer sent a queued close frame.
    SentClose,
    Kill(Kill),
    Shutdown,
}

fn ws_config(shared: &Shared) -> WebSocketConfig {
    let c = &shared.config;
    let mut w = WebSocketConfig::default();
    w.read_buffer_size = c.read_buffer_size;
    w.write_buffer_size = c.write_buffer_size;
    w.max_message_size = Some(c.max_message_size);
    w.max_frame_size = Some(c.max_message_size);
    w
}

/// Runs one upgraded socket to its end.
pub(crate) async fn run(shared: Arc<Shared>, hub: Arc<Hub>, io: TokioIo<Upgraded>, fd: RawFd, start: Start) {
    let ws = WebSocketStream::from_raw_socket(io, Role::Server, Some(ws_config(&shared))).await;
    let conn = match start {
        Start::Refuse(reason) => {
            tracing::debug!(%reason, "recovery refused");
            let (mut sink, mut stream) = ws.split();
            close_with(&mut sink, &mut stream, 1008, &reason).await;
            return;
        }
        Start::New(conn, groups) => {
            hub.register(&conn, &groups);
            conn
        }
        Start::Recover(conn) => conn,
    };
    let (kill_tx, mut kill_rx) = mpsc::unbounded_channel();
    let gen = attach(&conn, kill_tx, shared.config.connected_on_recovery);
    tracing::debug!(connection = %conn.id, gen, "transport attached");
    let mut shutdown = shared.shutdown.subscribe();
    let (mut sink, mut stream) = ws.split();
    let end = if *shutdown.borrow() {
        End::Shutdown
    } else {
        tokio::select! {
            e = read_loop(&shared, &hub, &conn, &mut stream) => e,
            e = write_loop(&shared, &conn, &mut sink) => e,
            k = kill_rx.recv() => k.map(End::Kill).unwrap_or(End::Gone),
            _ = shutdown.changed() => End::Shutdown,
        }
    };
    match end {
        End::ClientClosed => {
            let _ = sink.flush().await; // the automatic close reply
            detach(&conn, gen);
            shared.end_conn(&hub, &conn, None);
        }
        End::Violation(code, reason) => {
            tracing::debug!(connection = %conn.id, code, %reason, "protocol violation");
            detach(&conn, gen);
            shared.end_conn(&hub, &conn, None);
            close_with(&mut sink, &mut stream, code, &reason).await;
        }
        End::SentClose => {
            let ended = detach(&conn, gen);
            if !ended {
                keep_or_end(&shared, &hub, &conn, gen);
            }
            drain_after_close(&mut stream).await;
        }
        End::Gone | End::Shutdown => {
            detach(&conn, gen);
            keep_or_end(&shared, &hub, &conn, gen);
        }
        End::Kill(Kill::Drop { reset }) => {
            if reset {
                set_linger_zero(fd);
            }
            detach(&conn, gen);
            keep_or_end(&shared, &hub, &conn, gen);
        }
        End::Kill(Kill::Blackhole) => {
            let (held_tx, held_rx) = mpsc::unbounded_channel();
            {
                let mut st = conn.lock();
                st.blackholed = true;
                st.blackhole_kill = Some(held_tx);
            }
            detach(&conn, gen);
            keep_or_end(&shared, &hub, &conn, gen);
            if let Ok(ws) = stream.reunite(sink) {
                blackhole(&shared, &conn, ws, held_rx, fd).await;
            }
        }
    }
}

/// Attaches a transport: kills a previous one, rewinds the outbox for replay.
fn attach(conn: &Conn, kill: mpsc::UnboundedSender<Kill>, connected_on_recovery: bool) -> u64 {
    let mut st = conn.lock();
    if let Some(old) = st.transport.take() {
        let _ = old.kill.send(Kill::Drop { reset: false });
    }
    st.gen += 1;
    let gen = st.gen;
    let recovering = gen > 1;
    st.transport = Some(TransportCtl { gen, kill });
    st.blackholed = false;
    // Ends the task holding a black-holed socket, if any.
    st.blackhole_kill = None;
    if recovering {
        st.out.rewind();
        if connected_on_recovery {
            let token = crate::endpoint::random_hex(24);
            let frame = protocol::connected(&conn.id, conn.user_id.as_deref(), Some(&token));
            st.reconnection_token = Some(token);
            st.out.entries.push_front(crate::state::Entry { seq: 0, frame: OutFrame::Text(frame), at: None });
        }
    }
    conn.flowing.store(!st.paused, Ordering::Relaxed);
    drop(st);
    conn.wake.notify_one();
    gen
}

/// Marks the transport `gen` as gone. Returns whether the logical connection has ended.
fn detach(conn: &Conn, gen: u64) -> bool {
    let mut st = conn.lock();
    if st.transport.as_ref().is_some_and(|t| t.gen == gen) {
        st.transport = None;
    }
    conn.flowing.store(false, Ordering::Relaxed);
    let ended = st.ended;
    drop(st);
    conn.space.notify_waiters();
    ended
}

/// After an abrupt end: a reliable connection waits for recovery, anything else ends.
fn keep_or_end(shared: &Arc<Shared>, hub: &Arc<Hub>, conn: &Arc<Conn>, gen: u64) {
    if conn.lock().ended {
        return;
    }
    if !conn.reliable || *shared.shutdown.borrow() {
        shared.end_conn(hub, conn, None);
        return;
    }
    let (shared, hub, conn) = (shared.clone(), hub.clone(), conn.clone());
    let window = shared.config.recovery_window;
    tokio::spawn(async move {
        let mut shutdown = shared.shutdown.subscribe();
        tokio::select! {
            _ = tokio::time::sleep(window) => {}
            _ = shutdown.changed() => {}
        }
        let expired = {
            let st = conn.lock();
            !st.ended && st.gen == gen && st.transport.is_none()
        };
        if expired {
            tracing::debug!(connection = %conn.id, "recovery window expired");
            shared.end_conn(&hub, &conn, None);
        }
    });
}

fn set_linger_zero(fd: RawFd) {
    // SAFETY: the socket is still owned by the transport being torn down (its stream has not
    // been dropped yet), so the descriptor is open and refers to that socket.
    let fd = unsafe { BorrowedFd::borrow_raw(fd) };
    let _ = socket2::SockRef::from(&fd).set_linger(Some(Duration::ZERO));
}

/// Sends `disconnected` and a close frame with `code`, then waits briefly for the client.
async fn close_with(sink: &mut SplitSink<Ws, Message>, stream: &mut SplitStream<Ws>, code: u16, reason: &str) {
    let _ = sink.feed(text_message(protocol::disconnected(reason))).await;
    let _ = sink
        .send(Message::Close(Some(CloseFrame { code: CloseCode::from(code), reason: close_reason(reason).into() })))
        .await;
    drain_after_close(stream).await;
}

/// Reads (and discards) until the client answers our close or goes away, for at most 2 s,
/// so the socket is not reset under data the client is still sending.
async fn drain_after_close(stream: &mut SplitStream<Ws>) {
    let _ =
        tokio::time::timeout(Duration::from_secs(2), async { while let Some(Ok(_)) = stream.next().await {} }).await;
}

/// Holds a black-holed socket open, reading and discarding whatever arrives, until the client
/// gives up on it, a recovery replaces it, a drop cuts it, or the emulator stops.
async fn blackhole(shared: &Shared, conn: &Conn, mut ws: Ws, mut kill: mpsc::UnboundedReceiver<Kill>, fd: RawFd) {
    tracing::debug!(connection = %conn.id, "black-holed");
    let mut shutdown = shared.shutdown.subscribe();
    let mut buf = vec![0u8; 4096];
    loop {
        tokio::select! {
            r = ws.get_mut().read(&mut buf) => match r {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            },
            k = kill.recv() => match k {
                // Dropping the socket closes it (with a reset if asked): the client sees the
                // cut at once instead of waiting for its keep-alive timeout.
                Some(Kill::Drop { reset }) => {
                    if reset {
                        set_linger_zero(fd);
                    }
                    return;
                }
                Some(Kill::Blackhole) => {}
                // A recovery attached a new transport.
                None => return,
            },
            _ = shutdown.changed() => return,
        }
    }
}

fn text_message(b: Bytes) -> Message {
    // Frames queued as Text are JSON this crate produced or validated, so valid UTF-8.
    debug_assert!(std::str::from_utf8(&b).is_ok());
    // SAFETY: see above; every `OutFrame::Text` is built from `&str`/serde_json output or
    // from text that was checked to be UTF-8 (raw injections use `OutFrame::Raw`).
    Message::Text(unsafe { Utf8Bytes::from_bytes_unchecked(b) })
}

enum Out {
    Text(Bytes),
    Raw(Bytes),
    Close(u16, String),
}

async fn write_loop(shared: &Shared, conn: &Conn, sink: &mut SplitSink<Ws, Message>) -> End {
    let mut batch: Vec<Out> = Vec::with_capacity(64);
    let period = shared.config.ws_ping_interval;
    let mut ping = tokio::time::interval_at(
        tokio::time::Instant::now() + period.unwrap_or(Duration::from_secs(3600)),
        period.unwrap_or(Duration::from_secs(3600)),
    );
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let mut due: Option<Instant> = None;
        let mut relieved = false;
        {
            let mut st = conn.lock();
            if !st.paused && !st.blackholed {
                let delay = st.delay;
                let now = (!delay.is_zero()).then(Instant::now);
                while st.out.cursor < st.out.entries.len() && batch.len() < 1024 {
                    let e = &st.out.entries[st.out.cursor];
                    if let (Some(now), Some(at)) = (now, e.at) {
                        if at + delay > now {
                            due = Some(at + delay);
                            break;
                        }
                    }
                    batch.push(match &e.frame {
                        OutFrame::Text(b) => Out::Text(b.clone()),
                        OutFrame::Raw(b) => Out::Raw(b.clone()),
                        OutFrame::Close { code, reason } => Out::Close(*code, reason.clone()),
                    });
                    st.out.cursor += 1;
                }
                st.out.trim();
                let pending = if conn.reliable { st.out.unacked } else { st.out.unwritten() };
                relieved = pending < conn.pressure.swap(pending, Ordering::Relaxed);
                if conn.reliable {
                    conn.pressure_bytes.store(st.out.unacked_bytes, Ordering::Relaxed);
                }
            }
        }
        if relieved {
            // Written (non-reliable) or trimmed (acked data that waited behind an unwritten
            // frame): publishers held back by this connection may go on.
            conn.space.notify_waiters();
        }
        if batch.is_empty() {
            tokio::select! {
                _ = conn.wake.notified() => {}
                _ = ping.tick(), if period.is_some() => {
                    if sink.send(Message::Ping(Bytes::new())).await.is_err() {
                        return End::Gone;
                    }
                }
                _ = tokio::time::sleep_until(due.map(tokio::time::Instant::from_std).unwrap_or_else(tokio::time::Instant::now)), if due.is_some() => {}
            }
            continue;
        }
        for item in batch.drain(..) {
            let r = match item {
                Out::Text(b) => sink.feed(text_message(b)).await,
                Out::Raw(b) => sink.feed(Message::Frame(Frame::message(b, OpCode::Data(Data::Text), true))).await,
                Out::Close(code, reason) => {
                    let _ = sink
                        .send(Message::Close(Some(CloseFrame {
                            code: CloseCode::from(code),
                            reason: close_reason(&reason).into(),
                        })))
                        .await;
                    return End::SentClose;
                }
            };
            if r.is_err() {
                return End::Gone;
            }
        }
        if sink.flush().await.is_err() {
            return End::Gone;
        }
    }
}

async fn read_loop(shared: &Shared, hub: &Hub, conn: &Arc<Conn>, stream: &mut SplitStream<Ws>) -> End {
    loop {
        let msg = match stream.next().await {
            None => return End::Gone,
            Some(Ok(m)) => m,
            Some(Err(e)) => {
                return match e {
                    WsError::Capacity(_) => End::Violation(
                        1009,
                        format!("Message too large: the limit is {} bytes.", shared.config.max_message_size),
                    ),
                    WsError::Utf8(_) => End::Violation(1007, "Text frame is not valid UTF-8.".into()),
                    WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => End::Gone,
                    WsError::Protocol(p) => End::Violation(1002, format!("WebSocket protocol error: {p}")),
                    _ => End::Gone,
                };
            }
        };
        match msg {
            Message::Text(text) => match process(shared, hub, conn, text.as_str()) {
                Step::Continue => {}
                Step::Wait(target) => wait_for_space(shared, &target).await,
                Step::End(e) => return e,
            },
            Message::Binary(_) => {
                return End::Violation(1003, "Binary frames are not supported on JSON subprotocols.".into())
            }
            Message::Close(_) => return End::ClientClosed,
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
        }
    }
}

/// Holds a publisher back while `target` has a large backlog (see
/// [`crate::EmulatorConfig::backpressure_threshold`]).
async fn wait_for_space(shared: &Shared, target: &Conn) {
    let cfg = &shared.config;
    let deadline = tokio::time::Instant::now() + cfg.backpressure_max_wait;
    loop {
        let notified = target.space.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if !target.congested(cfg) {
            return;
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            return;
        }
    }
}

enum Step {
    Continue,
    Wait(Arc<Conn>),
    End(End),
}

type OpResult = Result<Option<Arc<Conn>>, (AckError, String)>;

/// Handles one client text frame.
fn process(shared: &Shared, hub: &Hub, conn: &Arc<Conn>, text: &str) -> Step {
    let msg = match protocol::parse(text) {
        Ok(m) => m,
        Err(ParseError::Malformed(m)) => return Step::End(End::Violation(1007, m)),
        Err(ParseError::Invalid { ack_id: Some(id), message }) => {
            conn.push_control(OutFrame::Text(protocol::ack(id, Some((AckError::BadRequest, &message)))));
            return Step::Continue;
        }
        Err(ParseError::Invalid { ack_id: None, message }) => return Step::End(End::Violation(1007, message)),
    };
    match msg {
        ClientMessage::Ping => {
            conn.push_control(OutFrame::Text(protocol::pong()));
            Step::Continue
        }
        ClientMessage::SequenceAck { sequence_id } => {
            if conn.reliable {
                conn.sequence_ack(sequence_id);
            }
            Step::Continue
        }
        ClientMessage::JoinGroup { group, ack_id } => acked(shared, conn, ack_id, || {
            require(conn, Permission::JoinLeaveGroup, &group)?;
            hub.join(conn, &group);
            Ok(None)
        }),
        ClientMessage::LeaveGroup { group, ack_id } => acked(shared, conn, ack_id, || {
            require(conn, Permission::JoinLeaveGroup, &group)?;
            hub.leave(conn, &group);
            Ok(None)
        }),
        ClientMessage::SendToGroup { group, ack_id, no_echo, data_type, data } => acked(shared, conn, ack_id, || {
            require(conn, Permission::SendToGroup, &group)?;
            let df = DataFrame::group(&group, conn.user_id.as_deref(), data_type, data.get().as_bytes());
            let d = hub.send_to_group(&group, &df, no_echo.then_some(&**conn), &[], &shared.config);
            shared.end_overflowed(hub, &d.overflowed);
            // Never wait for our own backlog: our acks arrive on the socket we would stop reading.
            Ok(d.congested.into_iter().find(|c| !Arc::ptr_eq(c, conn)))
        }),
        ClientMessage::Event { event, ack_id, data_type, data } => acked(shared, conn, ack_id, || {
            let payload = Payload { data_type, json: Bytes::copy_from_slice(data.get().as_bytes()) };
            shared.record_event(RecordedEvent {
                hub: hub.name.clone(),
                connection_id: conn.id.to_string(),
                user_id: conn.user_id.clone(),
                event: event.to_string(),
                data_type,
                data: payload.to_body(),
            });
            if shared.echo.load(Ordering::Relaxed) {
                let df = DataFrame::server(data_type, &payload.json);
                if let Some(d) = hub.send_to_conn(&conn.id, &df, &shared.config) {
                    shared.end_overflowed(hub, &d.overflowed);
                }
            }
            Ok(None)
        }),
    }
}

fn require(conn: &Conn, perm: Permission, group: &str) -> Result<(), (AckError, String)> {
    if conn.lock().perms.check(perm, Some(group)) {
        Ok(())
    } else {
        let what = match perm {
            Permission::JoinLeaveGroup => "join or leave",
            Permission::SendToGroup => "send to",
        };
        Err((AckError::Forbidden, format!("The connection has no permission to {what} group {group:?}.")))
    }
}

/// Runs an operation with the ackId rules: Duplicate for a processed id, injected
/// InternalServerError without executing, record the id only after success, one ack per
/// request that has an ackId, and the "ack lost by a drop" fault.
fn acked(shared: &Shared, conn: &Arc<Conn>, ack_id: Option<u64>, op: impl FnOnce() -> OpResult) -> Step {
    let Some(id) = ack_id else {
        // Without an ackId a refused operation is dropped silently (PROTOCOL.md 5).
        return match op() {
            Ok(Some(c)) => Step::Wait(c),
            _ => Step::Continue,
        };
    };
    if conn.lock().acks.contains(id) {
        conn.push_control(OutFrame::Text(protocol::ack(
            id,
            Some((AckError::Duplicate, &protocol::duplicate_message(id))),
        )));
        return Step::Continue;
    }
    if Faults::take(&shared.faults.fail_acks) {
        conn.push_control(OutFrame::Text(protocol::ack(
            id,
            Some((AckError::InternalServerError, "Injected failure: the operation was not executed.")),
        )));
        return Step::Continue;
    }
    let result = op();
    let drop_now = {
        let mut st = conn.lock();
        if result.is_ok() {
            st.acks.insert(id, shared.config.max_remembered_ack_ids);
        }
        let mine = std::mem::take(&mut st.drop_before_ack);
        mine || shared.faults.drop_before_ack_any.swap(false, Ordering::AcqRel)
    };
    if drop_now {
        tracing::debug!(connection = %conn.id, ack_id = id, "dropping before the ack (injected)");
        return Step::End(End::Kill(Kill::Drop { reset: true }));
    }
    match result {
        Ok(congested) => {
            conn.push_control(OutFrame::Text(protocol::ack(id, None)));
            congested.map(Step::Wait).unwrap_or(Step::Continue)
        }
        Err((e, message)) => {
            conn.push_control(OutFrame::Text(protocol::ack(id, Some((e, &message)))));
            Step::Continue
        }
    }
}
