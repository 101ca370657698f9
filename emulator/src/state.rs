//! Hubs, logical connections, groups and users.
//!
//! A *logical connection* ([`Conn`]) outlives its WebSocket transports: a reliable connection
//! that drops keeps its groups, permissions, ackId history and replay buffer for the recovery
//! window, and a recovering transport attaches to it again. Everything sent to a connection goes
//! through its [`Outbox`], one ordered queue that is also the replay buffer.
//!
//! Lock order: a hub's lock, then a connection's lock; never the other way round.

use crate::config::EmulatorConfig;
use crate::events::{EventRecord, RecordStats, RecordedEvent};
use crate::protocol::{self, DataFrame, DataType};
use crate::roles::Permissions;
use bytes::Bytes;
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, Notify};

/// One frame queued for a connection.
#[derive(Debug)]
pub(crate) enum OutFrame {
    Text(Bytes),
    /// A text frame written verbatim, not necessarily valid UTF-8 (fault injection).
    Raw(Bytes),
    /// Written as a Close frame; the transport ends after it.
    Close {
        code: u16,
        reason: String,
    },
}

#[derive(Debug)]
pub(crate) struct Entry {
    /// Sequence id of a data message on a reliable connection; 0 for everything else (acks,
    /// system messages, data on non-reliable connections), which is dropped once written.
    pub seq: u64,
    pub frame: OutFrame,
    /// When it was queued, kept only while a delivery delay is set.
    pub at: Option<Instant>,
}

/// The ordered outbound queue of a logical connection. `entries[..cursor]` have been handed to
/// the current transport. Data entries of a reliable connection stay until the client
/// acknowledges them, so the same queue is the replay buffer.
#[derive(Debug)]
pub(crate) struct Outbox {
    pub entries: VecDeque<Entry>,
    pub cursor: usize,
    pub next_seq: u64,
    pub acked: u64,
    pub unacked: usize,
    pub unacked_bytes: usize,
}

impl Outbox {
    pub fn new() -> Self {
        Self { entries: VecDeque::new(), cursor: 0, next_seq: 1, acked: 0, unacked: 0, unacked_bytes: 0 }
    }

    /// Drops entries from the front that are no longer needed: written non-data entries and
    /// acknowledged data.
    pub fn trim(&mut self) {
        while let Some(front) = self.entries.front() {
            let done = if front.seq == 0 { self.cursor > 0 } else { front.seq <= self.acked };
            if !done {
                break;
            }
            let e = self.entries.pop_front().expect("front exists");
            if e.seq != 0 {
                self.unacked -= 1;
                self.unacked_bytes -= frame_len(&e.frame);
            }
            self.cursor = self.cursor.saturating_sub(1);
        }
    }

    /// Prepares the queue for a new transport: only unacknowledged data is replayed, in order.
    pub fn rewind(&mut self) {
        self.entries.retain(|e| e.seq != 0);
        self.cursor = 0;
    }

    pub fn unwritten(&self) -> usize {
        self.entries.len() - self.cursor
    }
}

fn frame_len(f: &OutFrame) -> usize {
    match f {
        OutFrame::Text(b) | OutFrame::Raw(b) => b.len(),
        OutFrame::Close { .. } => 0,
    }
}

/// `disconnected` with `reason`, then a close frame: how the service closes a connection.
fn closing_entries(code: u16, reason: &str) -> [Entry; 2] {
    [
        Entry { seq: 0, frame: OutFrame::Text(protocol::disconnected(reason)), at: None },
        Entry { seq: 0, frame: OutFrame::Close { code, reason: reason.to_string() }, at: None },
    ]
}

/// Commands a transport obeys immediately, ahead of anything queued.
#[derive(Debug)]
pub(crate) enum Kill {
    /// Close the socket without a close frame (`reset`: with a TCP RST).
    Drop { reset: bool },
    /// Stop reading and writing but keep the socket open.
    Blackhole,
}

#[derive(Debug)]
pub(crate) struct TransportCtl {
    pub gen: u64,
    pub kill: mpsc::UnboundedSender<Kill>,
}

/// Remembered ackIds, oldest forgotten first beyond a cap.
///
/// A B-tree rather than a hash set: clients number their requests upwards, so inserting the
/// newest and forgetting the oldest touch the two ends of the tree, which stay in cache; a
/// hash set of 100,000 ids misses the cache on nearly every removal.
#[derive(Debug, Default)]
pub(crate) struct AckHistory {
    set: BTreeSet<u64>,
    order: VecDeque<u64>,
}

impl AckHistory {
    pub fn contains(&self, id: u64) -> bool {
        self.set.contains(&id)
    }
    pub fn insert(&mut self, id: u64, cap: usize) {
        if self.set.insert(id) {
            self.order.push_back(id);
            while self.order.len() > cap {
                if let Some(old) = self.order.pop_front() {
                    self.set.remove(&old);
                }
            }
        }
    }
}

#[derive(Debug)]
pub(crate) struct ConnState {
    pub perms: Permissions,
    pub groups: HashSet<String>,
    pub acks: AckHistory,
    pub out: Outbox,
    pub transport: Option<TransportCtl>,
    /// Bumped on every attach, so stale transports and timers recognise themselves.
    pub gen: u64,
    pub ended: bool,
    pub paused: bool,
    pub blackholed: bool,
    /// Reaches the task holding a black-holed socket (it is no longer the transport), so a
    /// drop can still cut it.
    pub blackhole_kill: Option<mpsc::UnboundedSender<Kill>>,
    pub delay: Duration,
    pub drop_before_ack: bool,
    pub reconnection_token: Option<String>,
}

/// A logical connection.
#[derive(Debug)]
pub(crate) struct Conn {
    pub id: Arc<str>,
    pub hub: String,
    pub user_id: Option<String>,
    pub reliable: bool,
    pub subprotocol: &'static str,
    pub st: Mutex<ConnState>,
    /// Wakes the writer of the attached transport.
    pub wake: Notify,
    /// Wakes publishers held back by this connection's backlog.
    pub space: Notify,
    /// Mirror of the pending count (unacked for reliable, unwritten otherwise).
    pub pressure: AtomicUsize,
    /// Mirror of the unacknowledged bytes (reliable only).
    pub pressure_bytes: AtomicUsize,
    /// Attached, not paused, not black-holed: only then does it apply backpressure.
    pub flowing: AtomicBool,
}

/// Outcome of queueing a data message.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Pushed {
    Queued,
    Skipped,
    Overflow,
}

impl Conn {
    pub fn lock(&self) -> MutexGuard<'_, ConnState> {
        self.st.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether this receiver's backlog should hold its publishers back.
    pub fn congested(&self, cfg: &EmulatorConfig) -> bool {
        self.flowing.load(Ordering::Relaxed)
            && (self.pressure.load(Ordering::Relaxed) >= cfg.backpressure_threshold
                || self.pressure_bytes.load(Ordering::Relaxed) >= cfg.backpressure_threshold_bytes)
    }

    fn update_flow(&self, st: &ConnState) {
        let pending = if self.reliable { st.out.unacked } else { st.out.unwritten() };
        self.pressure.store(pending, Ordering::Relaxed);
        self.pressure_bytes.store(if self.reliable { st.out.unacked_bytes } else { 0 }, Ordering::Relaxed);
        self.flowing.store(st.transport.is_some() && !st.paused && !st.blackholed, Ordering::Relaxed);
    }

    /// Queues a non-data frame (ack, pong, system message, raw frame).
    pub fn push_control(&self, frame: OutFrame) {
        let mut st = self.lock();
        if st.ended {
            return;
        }
        let at = (!st.delay.is_zero()).then(Instant::now);
        st.out.entries.push_back(Entry { seq: 0, frame, at });
        let wake = st.out.unwritten() == 1;
        self.update_flow(&st);
        drop(st);
        if wake {
            self.wake.notify_one();
        }
    }

    /// Queues a data message, giving it the next sequence id on a reliable connection.
    pub fn push_data(&self, df: &DataFrame, cfg: &EmulatorConfig) -> Pushed {
        let mut st = self.lock();
        if st.ended {
            return Pushed::Skipped;
        }
        let (seq, frame) = if self.reliable {
            if st.out.unacked + 1 > cfg.max_unacked_messages || st.out.unacked_bytes + df.len() > cfg.max_unacked_bytes
            {
                return Pushed::Overflow;
            }
            let seq = st.out.next_seq;
            st.out.next_seq += 1;
            let frame = df.sequenced(seq);
            st.out.unacked += 1;
            st.out.unacked_bytes += frame.len();
            (seq, frame)
        } else {
            if st.out.unwritten() + 1 > cfg.max_unacked_messages {
                return Pushed::Overflow;
            }
            (0, df.plain())
        };
        let at = (!st.delay.is_zero()).then(Instant::now);
        st.out.entries.push_back(Entry { seq, frame: OutFrame::Text(frame), at });
        let wake = st.out.unwritten() == 1;
        self.update_flow(&st);
        drop(st);
        if wake {
            self.wake.notify_one();
        }
        Pushed::Queued
    }

    /// Applies a client `sequenceAck`.
    pub fn sequence_ack(&self, id: u64) {
        let mut st = self.lock();
        if id > st.out.acked {
            st.out.acked = id;
            st.out.trim();
        }
        self.update_flow(&st);
        drop(st);
        self.space.notify_waiters();
    }

    /// Ends the logical connection: nothing more is queued, and an attached transport gets
    /// `disconnected` (when `close` is given) and a close frame.
    pub fn end(&self, close: Option<(u16, &str)>) {
        let mut st = self.lock();
        if st.ended {
            return;
        }
        st.ended = true;
        st.out.entries.clear();
        st.out.cursor = 0;
        st.out.unacked = 0;
        st.out.unacked_bytes = 0;
        if let (Some((code, reason)), true) = (close, st.transport.is_some()) {
            st.out.entries.extend(closing_entries(code, reason));
        } else if let Some(t) = &st.transport {
            let _ = t.kill.send(Kill::Drop { reset: false });
        }
        st.paused = false;
        st.delay = Duration::ZERO;
        self.update_flow(&st);
        drop(st);
        self.wake.notify_one();
        self.space.notify_waiters();
    }

    /// Closes the current transport with `disconnected` + a close frame but keeps the logical
    /// connection (recoverable, for reliable connections). Returns false when not attached.
    pub fn close_transport(&self, code: u16, reason: &str) -> bool {
        let mut st = self.lock();
        if st.ended || st.transport.is_none() {
            return false;
        }
        // Close ahead of queued traffic, as a service instance going away would; queued data
        // stays in the replay buffer.
        let cursor = st.out.cursor;
        for (i, e) in closing_entries(code, reason).into_iter().enumerate() {
            st.out.entries.insert(cursor + i, e);
        }
        st.paused = false;
        st.delay = Duration::ZERO;
        self.update_flow(&st);
        drop(st);
        self.wake.notify_one();
        true
    }

    /// Sends an immediate command to the attached transport, or to the black-holed socket.
    pub fn kill(&self, k: Kill) -> bool {
        let st = self.lock();
        if st.ended {
            return false;
        }
        match (&st.transport, &st.blackhole_kill) {
            (Some(t), _) => t.kill.send(k).is_ok(),
            (None, Some(held)) => held.send(k).is_ok(),
            (None, None) => false,
        }
    }

    pub fn info(&self) -> ConnectionInfo {
        let st = self.lock();
        let mut groups: Vec<String> = st.groups.iter().cloned().collect();
        groups.sort();
        ConnectionInfo {
            connection_id: self.id.to_string(),
            hub: self.hub.clone(),
            user_id: self.user_id.clone(),
            groups,
            reliable: self.reliable,
            attached: st.transport.is_some() && !st.blackholed,
            subprotocol: self.subprotocol.to_string(),
            paused: st.paused,
            blackholed: st.blackholed,
            unacked: st.out.unacked,
        }
    }
}

/// A snapshot of one logical connection, for tests and the control surface.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionInfo {
    pub connection_id: String,
    /// The hub, lower-cased.
    pub hub: String,
    pub user_id: Option<String>,
    pub groups: Vec<String>,
    /// Reliable subprotocol (recoverable, sequenced).
    pub reliable: bool,
    /// A live transport is attached (false while waiting for recovery or black-holed).
    pub attached: bool,
    pub subprotocol: String,
    pub paused: bool,
    pub blackholed: bool,
    /// Data messages sent but not yet acknowledged (reliable connections).
    pub unacked: usize,
}

impl serde::Serialize for DataType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[derive(Debug, Default)]
struct HubState {
    conns: HashMap<Arc<str>, Arc<Conn>>,
    groups: HashMap<String, Vec<Arc<Conn>>>,
    users: HashMap<String, Vec<Arc<Conn>>>,
    /// REST AddUserToGroup: applies to the user's current and future connections.
    user_groups: HashMap<String, HashSet<String>>,
}

/// One hub (names are case-insensitive; stored lower-cased).
#[derive(Debug)]
pub(crate) struct Hub {
    pub name: String,
    st: RwLock<HubState>,
}

/// What a dispatch found out about its receivers.
#[derive(Debug, Default)]
pub(crate) struct Delivery {
    pub delivered: usize,
    pub overflowed: Vec<Arc<Conn>>,
    /// Flowing receivers whose backlog is over the backpressure threshold.
    pub congested: Vec<Arc<Conn>>,
}

impl Hub {
    fn new(name: String) -> Self {
        Self { name, st: RwLock::new(HubState::default()) }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HubState> {
        self.st.read().unwrap_or_else(|e| e.into_inner())
    }
    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HubState> {
        self.st.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a new logical connection with its initial groups (token claim plus the user's
    /// REST-assigned groups).
    pub fn register(&self, conn: &Arc<Conn>, groups: &[String]) {
        let mut h = self.write();
        h.conns.insert(conn.id.clone(), conn.clone());
        let mut all: Vec<String> = groups.to_vec();
        if let Some(u) = &conn.user_id {
            h.users.entry(u.clone()).or_default().push(conn.clone());
            if let Some(ug) = h.user_groups.get(u) {
                all.extend(ug.iter().cloned());
            }
        }
        for g in all {
            join_locked(&mut h, conn, &g);
        }
    }

    /// Removes an ended logical connection from every index.
    pub fn remove(&self, conn: &Conn) {
        let mut h = self.write();
        if h.conns.get(&conn.id).is_some_and(|c| std::ptr::eq(&**c, conn)) {
            h.conns.remove(&conn.id);
        }
        if let Some(u) = &conn.user_id {
            if let Some(list) = h.users.get_mut(u) {
                list.retain(|c| !std::ptr::eq(&**c, conn));
                if list.is_empty() {
                    h.users.remove(u);
                }
            }
        }
        let groups: Vec<String> = conn.lock().groups.drain().collect();
        for g in groups {
            remove_member(&mut h, &g, conn);
        }
    }

    pub fn get(&self, id: &str) -> Option<Arc<Conn>> {
        self.read().conns.get(id).cloned()
    }

    pub fn all(&self) -> Vec<Arc<Conn>> {
        self.read().conns.values().cloned().collect()
    }

    pub fn join(&self, conn: &Arc<Conn>, group: &str) {
        join_locked(&mut self.write(), conn, group);
    }

    pub fn leave(&self, conn: &Conn, group: &str) {
        let mut h = self.write();
        if conn.lock().groups.remove(group) {
            remove_member(&mut h, group, conn);
        }
    }

    pub fn leave_all(&self, conn: &Conn) {
        let mut h = self.write();
        let groups: Vec<String> = conn.lock().groups.drain().collect();
        for g in groups {
            remove_member(&mut h, &g, conn);
        }
    }

    pub fn group_exists(&self, group: &str) -> bool {
        self.read().groups.get(group).is_some_and(|m| !m.is_empty())
    }

    pub fn user_conns(&self, user: &str) -> Vec<Arc<Conn>> {
        self.read().users.get(user).cloned().unwrap_or_default()
    }

    pub fn group_conns(&self, group: &str) -> Vec<Arc<Conn>> {
        self.read().groups.get(group).cloned().unwrap_or_default()
    }

    pub fn add_user_to_group(&self, user: &str, group: &str) {
        let mut h = self.write();
        h.user_groups.entry(user.to_string()).or_default().insert(group.to_string());
        let conns = h.users.get(user).cloned().unwrap_or_default();
        for c in conns {
            join_locked(&mut h, &c, group);
        }
    }

    pub fn remove_user_from_group(&self, user: &str, group: &str) {
        let mut h = self.write();
        if let Some(set) = h.user_groups.get_mut(user) {
            set.remove(group);
        }
        let conns = h.users.get(user).cloned().unwrap_or_default();
        for c in conns {
            if c.lock().groups.remove(group) {
                remove_member(&mut h, group, &c);
            }
        }
    }

    pub fn remove_user_from_all_groups(&self, user: &str) {
        let mut h = self.write();
        h.user_groups.remove(user);
        let conns = h.users.get(user).cloned().unwrap_or_default();
        for c in conns {
            let groups: Vec<String> = c.lock().groups.drain().collect();
            for g in groups {
                remove_member(&mut h, &g, &c);
            }
        }
    }

    /// Queues `df` for every member of `group`, except `skip` (noEcho) and `excluded` ids.
    pub fn send_to_group(
        &self,
        group: &str,
        df: &DataFrame,
        skip: Option<&Conn>,
        excluded: &[String],
        cfg: &EmulatorConfig,
    ) -> Delivery {
        let h = self.read();
        let mut d = Delivery::default();
        if let Some(members) = h.groups.get(group) {
            for c in members {
                if skip.is_some_and(|s| std::ptr::eq(s, &**c)) || excluded.iter().any(|e| **e == *c.id) {
                    continue;
                }
                deliver(c, df, cfg, &mut d);
            }
        }
        d
    }

    pub fn send_to_all(&self, df: &DataFrame, excluded: &[String], cfg: &EmulatorConfig) -> Delivery {
        let h = self.read();
        let mut d = Delivery::default();
        for c in h.conns.values() {
            if !excluded.iter().any(|e| **e == *c.id) {
                deliver(c, df, cfg, &mut d);
            }
        }
        d
    }

    pub fn send_to_user(&self, user: &str, df: &DataFrame, cfg: &EmulatorConfig) -> Delivery {
        let h = self.read();
        let mut d = Delivery::default();
        for c in h.users.get(user).map(Vec::as_slice).unwrap_or_default() {
            deliver(c, df, cfg, &mut d);
        }
        d
    }

    pub fn send_to_conn(&self, id: &str, df: &DataFrame, cfg: &EmulatorConfig) -> Option<Delivery> {
        let c = self.get(id)?;
        let mut d = Delivery::default();
        deliver(&c, df, cfg, &mut d);
        Some(d)
    }
}

fn deliver(c: &Arc<Conn>, df: &DataFrame, cfg: &EmulatorConfig, d: &mut Delivery) {
    match c.push_data(df, cfg) {
        Pushed::Queued => {
            d.delivered += 1;
            if c.congested(cfg) {
                d.congested.push(c.clone());
            }
        }
        Pushed::Overflow => d.overflowed.push(c.clone()),
        Pushed::Skipped => {}
    }
}

fn join_locked(h: &mut HubState, conn: &Arc<Conn>, group: &str) {
    if conn.lock().groups.insert(group.to_string()) {
        h.groups.entry(group.to_string()).or_default().push(conn.clone());
    }
}

fn remove_member(h: &mut HubState, group: &str, conn: &Conn) {
    if let Some(m) = h.groups.get_mut(group) {
        m.retain(|c| !std::ptr::eq(&**c, conn));
        if m.is_empty() {
            h.groups.remove(group);
        }
    }
}

/// One-shot fault counters shared by all connections.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    pub refuse_recoveries: AtomicU64,
    pub fail_acks: AtomicU64,
    /// `drop_before_next_ack(None)`: the next acked operation of any connection.
    pub drop_before_ack_any: AtomicBool,
}

impl Faults {
    /// Takes one unit from a counter if it is positive.
    pub fn take(counter: &AtomicU64) -> bool {
        counter.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1)).is_ok()
    }
}

/// State shared by the server, every connection task and the [`crate::Emulator`] handle.
#[derive(Debug)]
pub(crate) struct Shared {
    pub config: EmulatorConfig,
    hubs: RwLock<HashMap<String, Arc<Hub>>>,
    pub faults: Faults,
    events: Mutex<EventRecord>,
    pub echo: AtomicBool,
    pub shutdown: tokio::sync::watch::Sender<bool>,
    /// Reasons of service-initiated closes of reliable connections, kept for the recovery
    /// window: the official clients try to recover even after a `disconnected` + close, and
    /// report the *last* `disconnected` message they saw, so a refused recovery repeats it.
    closed: Mutex<HashMap<String, (String, Instant)>>,
}

impl Shared {
    pub fn new(config: EmulatorConfig) -> Self {
        let echo = AtomicBool::new(config.echo_events);
        let events = EventRecord::new(config.max_recorded_events, config.max_recorded_event_bytes);
        Self {
            config,
            hubs: RwLock::new(HashMap::new()),
            faults: Faults::default(),
            events: Mutex::new(events),
            echo,
            shutdown: tokio::sync::watch::channel(false).0,
            closed: Mutex::new(HashMap::new()),
        }
    }

    /// The hub named `name` (case-insensitive), created on first use.
    pub fn hub(&self, name: &str) -> Arc<Hub> {
        let key = name.to_ascii_lowercase();
        if let Some(h) = self.hubs.read().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return h.clone();
        }
        self.hubs
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.clone())
            .or_insert_with(|| Arc::new(Hub::new(key)))
            .clone()
    }

    pub fn hubs(&self) -> Vec<Arc<Hub>> {
        self.hubs.read().unwrap_or_else(|e| e.into_inner()).values().cloned().collect()
    }

    /// Finds a logical connection by id in any hub.
    pub fn find(&self, id: &str) -> Option<(Arc<Hub>, Arc<Conn>)> {
        self.hubs().into_iter().find_map(|h| h.get(id).map(|c| (h.clone(), c)))
    }

    fn event_record(&self) -> MutexGuard<'_, EventRecord> {
        self.events.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn record_event(&self, e: RecordedEvent) {
        self.event_record().push(e);
    }

    pub fn events(&self) -> Vec<RecordedEvent> {
        self.event_record().snapshot()
    }

    /// The recorded events together with the record's stats, read under one lock.
    pub fn events_with_stats(&self) -> (Vec<RecordedEvent>, RecordStats) {
        let record = self.event_record();
        (record.snapshot(), record.stats())
    }

    pub fn event_stats(&self) -> RecordStats {
        self.event_record().stats()
    }

    pub fn dropped_events(&self) -> u64 {
        self.event_stats().dropped
    }

    pub fn clear_events(&self) -> RecordStats {
        self.event_record().clear()
    }

    /// Ends a logical connection for good and forgets it.
    pub fn end_conn(&self, hub: &Hub, conn: &Conn, close: Option<(u16, &str)>) {
        if let (Some((_, reason)), true) = (close, conn.reliable) {
            let window = self.config.recovery_window;
            let mut closed = self.closed.lock().unwrap_or_else(|e| e.into_inner());
            closed.retain(|_, (_, at)| at.elapsed() < window);
            closed.insert(conn.id.to_string(), (reason.to_string(), Instant::now()));
        }
        conn.end(close);
        hub.remove(conn);
    }

    /// The reason a recently closed connection was closed with, if within the recovery window.
    pub fn closed_reason(&self, id: &str) -> Option<String> {
        let closed = self.closed.lock().unwrap_or_else(|e| e.into_inner());
        closed.get(id).filter(|(_, at)| at.elapsed() < self.config.recovery_window).map(|(r, _)| r.clone())
    }

    /// Ends connections whose replay buffer overflowed (1008, not recoverable).
    pub fn end_overflowed(&self, hub: &Hub, conns: &[Arc<Conn>]) {
        for c in conns {
            tracing::info!(connection = %c.id, "buffer overflow: closing with 1008");
            self.end_conn(
                hub,
                c,
                Some((1008, "The connection's message buffer overflowed (too many unacknowledged messages).")),
            );
        }
    }
}
