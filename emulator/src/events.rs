//! The record of client `event` messages. There is no upstream handler, so events are kept
//! for tests to read back; the record is bounded by count and by payload bytes (oldest dropped
//! first, and counted) so a client sending large events cannot grow the emulator without bound.

use crate::protocol::DataType;
use std::collections::VecDeque;

/// A client `event` the emulator received (there is no upstream handler to send it to).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedEvent {
    pub hub: String,
    pub connection_id: String,
    pub user_id: Option<String>,
    pub event: String,
    pub data_type: DataType,
    /// The payload as body bytes: UTF-8 text, JSON text, or the decoded binary bytes.
    #[serde(skip)]
    pub data: Vec<u8>,
}

impl RecordedEvent {
    /// The data as text (text and json payloads).
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.data).ok()
    }
}

/// Size and losses of the record, for the control surface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RecordStats {
    pub recorded: usize,
    pub bytes: usize,
    pub dropped: u64,
}

/// Recorded events, oldest first, within `max_events` and `max_bytes` of payload.
#[derive(Debug)]
pub(crate) struct EventRecord {
    events: VecDeque<RecordedEvent>,
    bytes: usize,
    dropped: u64,
    max_events: usize,
    max_bytes: usize,
}

impl EventRecord {
    pub fn new(max_events: usize, max_bytes: usize) -> Self {
        Self { events: VecDeque::new(), bytes: 0, dropped: 0, max_events, max_bytes }
    }

    /// Appends `e`, then drops the oldest events until both bounds hold again. An event larger
    /// than `max_bytes` on its own could never fit: it is dropped (and counted) at once rather
    /// than flushing the whole record.
    pub fn push(&mut self, e: RecordedEvent) {
        if e.data.len() > self.max_bytes {
            self.dropped += 1;
            return;
        }
        self.bytes += e.data.len();
        self.events.push_back(e);
        while self.events.len() > self.max_events || self.bytes > self.max_bytes {
            let Some(old) = self.events.pop_front() else { break };
            self.bytes -= old.data.len();
            self.dropped += 1;
        }
    }

    pub fn snapshot(&self) -> Vec<RecordedEvent> {
        self.events.iter().cloned().collect()
    }

    pub fn stats(&self) -> RecordStats {
        RecordStats { recorded: self.events.len(), bytes: self.bytes, dropped: self.dropped }
    }

    /// Empties the record and resets the dropped count; returns what it held before.
    pub fn clear(&mut self) -> RecordStats {
        let before = self.stats();
        self.events.clear();
        self.bytes = 0;
        self.dropped = 0;
        before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: &str, len: usize) -> RecordedEvent {
        RecordedEvent {
            hub: "h".into(),
            connection_id: "c".into(),
            user_id: None,
            event: name.into(),
            data_type: DataType::Binary,
            data: vec![0; len],
        }
    }

    #[test]
    fn oldest_events_go_first_under_either_bound() {
        let mut r = EventRecord::new(3, 100);
        for (i, len) in [40, 40, 10, 10].into_iter().enumerate() {
            r.push(event(&format!("e{i}"), len));
        }
        // Count bound: e0 goes.
        assert_eq!(r.stats(), RecordStats { recorded: 3, bytes: 60, dropped: 1 });
        r.push(event("e4", 60));
        // Byte bound: 120 > 100, so e1 goes (e2, e3, e4 = 80 bytes).
        let names: Vec<String> = r.snapshot().into_iter().map(|e| e.event).collect();
        assert_eq!(names, ["e2", "e3", "e4"]);
        assert_eq!(r.stats(), RecordStats { recorded: 3, bytes: 80, dropped: 2 });
        r.push(event("huge", 101));
        assert_eq!(r.stats(), RecordStats { recorded: 3, bytes: 80, dropped: 3 }, "the record is kept");
        assert_eq!(r.clear(), RecordStats { recorded: 3, bytes: 80, dropped: 3 });
        assert_eq!(r.stats(), RecordStats { recorded: 0, bytes: 0, dropped: 0 });
    }
}
