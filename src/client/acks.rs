//! Operations waiting for their ack, and ackId allocation.

use crate::protocol::AckError;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Utf8Bytes;

/// How an acked request ended, as the driver reports it to the waiting operation.
#[derive(Debug)]
pub(crate) enum AckOutcome {
    /// Executed; `true` when the service answered `Duplicate` (executed before).
    Success { duplicate: bool },
    /// The service refused it.
    Refused(AckError),
    /// The connection was replaced before the ack came; the outcome is unknown.
    ConnectionLost,
    /// `stop` was called.
    Stopped,
    /// The caller supplied an ackId that another pending operation uses.
    AckIdInUse,
}

/// Who waits for an ack.
#[derive(Debug)]
pub(crate) enum Waiter {
    /// A caller of an operation.
    Caller(oneshot::Sender<AckOutcome>),
    /// The driver itself, rejoining a group on a new connection.
    Rejoin { group: String, deadline: tokio::time::Instant },
}

/// How a successful ack changes the set of joined groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GroupChange {
    Join(String),
    Leave(String),
}

/// A request written to the connection and not yet acked.
#[derive(Debug)]
pub(crate) struct Pending {
    /// The encoded request, resent as is (same ackId) after recovery.
    pub frame: Utf8Bytes,
    pub waiter: Waiter,
    /// Join/leave: safe to send again on a new connection.
    pub group_change: Option<GroupChange>,
    /// Write order, so resends keep the original order.
    order: u64,
}

impl Pending {
    /// A caller's join or leave: safe to send again on a new connection (a publish is not,
    /// and a rejoin is issued afresh).
    pub(crate) fn resendable_on_new_connection(&self) -> bool {
        matches!(self.waiter, Waiter::Caller(_)) && self.group_change.is_some()
    }

    /// Whether nobody waits any more (the caller timed out or went away).
    pub(crate) fn abandoned(&self, now: tokio::time::Instant) -> bool {
        match &self.waiter {
            Waiter::Caller(reply) => reply.is_closed(),
            Waiter::Rejoin { deadline, .. } => now >= *deadline,
        }
    }
}

/// Hashes ackIds: small, mostly sequential integers, so one multiplication spreads them
/// well, at a fraction of the cost of the default SipHash on this hot path.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct AckIdHasher(u64);

impl Hasher for AckIdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The requests written and awaiting an ack, by ackId.
#[derive(Debug, Default)]
pub(crate) struct PendingAcks {
    by_id: HashMap<u64, Pending, BuildHasherDefault<AckIdHasher>>,
    next_order: u64,
}

impl PendingAcks {
    /// Registers a written request. Fails when `ack_id` is already pending for a live waiter.
    pub(crate) fn insert(
        &mut self,
        ack_id: u64,
        frame: Utf8Bytes,
        waiter: Waiter,
        group_change: Option<GroupChange>,
    ) -> Result<(), Waiter> {
        if self.by_id.get(&ack_id).is_some_and(|p| !p.abandoned(tokio::time::Instant::now())) {
            return Err(waiter);
        }
        self.next_order += 1;
        self.by_id.insert(ack_id, Pending { frame, waiter, group_change, order: self.next_order });
        Ok(())
    }

    pub(crate) fn remove(&mut self, ack_id: u64) -> Option<Pending> {
        self.by_id.remove(&ack_id)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Removes and returns the pending requests that match, oldest first.
    pub(crate) fn remove_where(&mut self, mut matches: impl FnMut(&Pending) -> bool) -> Vec<Pending> {
        let ids: Vec<u64> = self.by_id.iter().filter(|(_, p)| matches(p)).map(|(id, _)| *id).collect();
        let mut removed: Vec<Pending> = ids.into_iter().filter_map(|id| self.by_id.remove(&id)).collect();
        removed.sort_by_key(|p| p.order);
        removed
    }

    /// The ackIds in use.
    pub(crate) fn ids(&self) -> impl Iterator<Item = u64> + '_ {
        self.by_id.keys().copied()
    }

    /// The frames of every pending request, oldest first, to resend after recovery.
    pub(crate) fn frames_ordered(&self) -> Vec<Utf8Bytes> {
        let mut all: Vec<_> = self.by_id.values().collect();
        all.sort_by_key(|p| p.order);
        all.into_iter().map(|p| p.frame.clone()).collect()
    }

    /// Removes the requests nobody waits for any more.
    pub(crate) fn remove_abandoned(&mut self) -> Vec<(u64, Pending)> {
        let now = tokio::time::Instant::now();
        let ids: Vec<u64> = self.by_id.iter().filter(|(_, p)| p.abandoned(now)).map(|(id, _)| *id).collect();
        ids.into_iter().filter_map(|id| self.by_id.remove(&id).map(|p| (id, p))).collect()
    }
}

/// Hands out ackIds: 1, 2, 3, ... per client, never reused, skipping the ids that callers
/// chose themselves on the current connection (the service would answer `Duplicate` for them
/// and the new operation would silently not run).
#[derive(Debug)]
pub(crate) struct AckIdAllocator {
    next: u64,
    chosen_by_callers: HashSet<u64>,
}

impl Default for AckIdAllocator {
    fn default() -> Self {
        AckIdAllocator { next: 1, chosen_by_callers: HashSet::new() }
    }
}

impl AckIdAllocator {
    pub(crate) fn allocate(&mut self) -> u64 {
        loop {
            let id = self.next;
            self.next = self.next.wrapping_add(1).max(1);
            if !self.chosen_by_callers.contains(&id) {
                return id;
            }
        }
    }

    /// Records an id a caller supplied.
    pub(crate) fn reserve(&mut self, id: u64) {
        if id >= self.next {
            self.chosen_by_callers.insert(id);
        }
    }

    /// A new connection has a fresh ackId history on the service.
    pub(crate) fn new_connection(&mut self) {
        self.chosen_by_callers.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocator_counts_from_one_and_skips_caller_ids() {
        let mut ids = AckIdAllocator::default();
        ids.reserve(2);
        assert_eq!([ids.allocate(), ids.allocate(), ids.allocate()], [1, 3, 4]);
        ids.new_connection();
        ids.reserve(1); // already handed out: nothing to skip
        assert_eq!(ids.allocate(), 5);
    }

    #[test]
    fn pending_rejects_live_duplicates_and_keeps_order() {
        let mut pending = PendingAcks::default();
        let (tx1, _rx1) = oneshot::channel();
        let (tx2, rx2) = oneshot::channel();
        pending.insert(7, "a".into(), Waiter::Caller(tx1), None).unwrap();
        pending.insert(3, "b".into(), Waiter::Caller(tx2), None).unwrap();
        let (tx3, _rx3) = oneshot::channel();
        assert!(pending.insert(7, "c".into(), Waiter::Caller(tx3), None).is_err());
        assert_eq!(pending.frames_ordered(), ["a", "b"]);
        drop(rx2);
        let gone = pending.remove_abandoned();
        assert_eq!(gone.len(), 1);
        let (tx4, _rx4) = oneshot::channel();
        pending.insert(3, "d".into(), Waiter::Caller(tx4), None).unwrap();
        let order: Vec<Utf8Bytes> = pending.remove_where(|_| true).into_iter().map(|p| p.frame).collect();
        assert_eq!(order, ["a", "d"]);
        assert!(pending.is_empty());
    }
}
