//! Sequence-id bookkeeping of a reliable connection: deduplication and cumulative acks.

/// Unacknowledged bytes after which an ack goes out at once, whatever the message count:
/// the service drops a connection whose unacknowledged messages exceed 16 MB, which 300
/// messages of 64 KB would.
pub(crate) const ACK_AFTER_BYTES: usize = 1 << 20;

/// Tracks the highest sequence id received and what the service has been told.
///
/// Survives recovery (the same logical connection) and is reset for a new connection.
#[derive(Debug, Default)]
pub(crate) struct SequenceTracker {
    /// Highest sequence id received.
    last: u64,
    /// Something arrived (new or duplicate) since the last `sequenceAck`: the service may
    /// not know `last` yet, e.g. after it replayed older messages on recovery.
    changed: bool,
    /// New messages since the last `sequenceAck`.
    unacked: u32,
    /// Their size in bytes (as framed).
    unacked_bytes: usize,
}

impl SequenceTracker {
    /// Records a received id of a `bytes`-long frame; `true` when the message is new and
    /// must be delivered.
    pub(crate) fn receive(&mut self, sequence_id: u64, bytes: usize) -> bool {
        self.changed = true;
        if sequence_id <= self.last {
            return false;
        }
        self.last = sequence_id;
        self.unacked = self.unacked.saturating_add(1);
        self.unacked_bytes = self.unacked_bytes.saturating_add(bytes);
        true
    }

    /// Whether enough messages (or bytes) are unacknowledged to ack without waiting for the
    /// timer.
    pub(crate) fn ack_due(&self, threshold: u32) -> bool {
        self.changed && (self.unacked >= threshold || self.unacked_bytes >= ACK_AFTER_BYTES)
    }

    /// Whether something arrived since the last ack.
    pub(crate) fn has_news(&self) -> bool {
        self.changed && self.last > 0
    }

    /// The id to acknowledge, if anything changed since the last ack.
    pub(crate) fn take_ack(&mut self) -> Option<u64> {
        if !self.changed || self.last == 0 {
            return None;
        }
        self.changed = false;
        self.unacked = 0;
        self.unacked_bytes = 0;
        Some(self.last)
    }

    /// Forgets everything: a new connection numbers from 1 again.
    pub(crate) fn reset(&mut self) {
        *self = SequenceTracker::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivers_new_ids_and_drops_replayed_ones() {
        let mut seq = SequenceTracker::default();
        assert!(seq.receive(1, 10));
        assert!(seq.receive(2, 10));
        assert!(!seq.receive(2, 10));
        assert!(!seq.receive(1, 10));
        assert!(seq.receive(5, 10), "gaps are allowed: ids only need to increase");
        assert!(!seq.receive(3, 10));
    }

    #[test]
    fn acks_are_cumulative_and_only_when_changed() {
        let mut seq = SequenceTracker::default();
        assert_eq!(seq.take_ack(), None);
        seq.receive(1, 10);
        seq.receive(2, 10);
        assert_eq!(seq.take_ack(), Some(2));
        assert_eq!(seq.take_ack(), None);
        // A replayed duplicate re-announces the high-water mark.
        seq.receive(2, 10);
        assert_eq!(seq.take_ack(), Some(2));
    }

    #[test]
    fn early_ack_after_threshold_unacked_messages() {
        let mut seq = SequenceTracker::default();
        for id in 1..=299 {
            seq.receive(id, 10);
        }
        assert!(!seq.ack_due(300));
        seq.receive(300, 10);
        assert!(seq.ack_due(300));
        assert_eq!(seq.take_ack(), Some(300));
        assert!(!seq.ack_due(300));
    }

    #[test]
    fn early_ack_after_a_megabyte_of_large_messages() {
        let mut seq = SequenceTracker::default();
        for id in 1..=15 {
            seq.receive(id, 64 * 1024);
        }
        assert!(!seq.ack_due(300));
        seq.receive(16, 64 * 1024);
        assert!(seq.ack_due(300), "16 x 64 KiB reach 1 MiB");
    }

    #[test]
    fn reset_starts_over() {
        let mut seq = SequenceTracker::default();
        seq.receive(10, 10);
        seq.reset();
        assert!(seq.receive(1, 10));
    }
}
