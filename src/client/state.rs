//! The client's public state and a lock-free cell the driver publishes it through.

use std::sync::atomic::{AtomicU8, Ordering};

/// Where the client is in its life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ClientState {
    /// Not started, or stopped. `start` may be called.
    Stopped = 0,
    /// `start` is opening the first connection.
    Connecting = 1,
    /// Connected; operations are sent at once.
    Connected = 2,
    /// The reliable connection dropped; the client is recovering it (same connection id,
    /// no message lost). Operations wait.
    Recovering = 3,
    /// The connection was lost for good; the client is opening a new one. Operations wait.
    Reconnecting = 4,
    /// `stop` is closing the connection.
    Stopping = 5,
}

impl ClientState {
    fn from_u8(value: u8) -> Self {
        match value {
            1 => ClientState::Connecting,
            2 => ClientState::Connected,
            3 => ClientState::Recovering,
            4 => ClientState::Reconnecting,
            5 => ClientState::Stopping,
            _ => ClientState::Stopped,
        }
    }

    /// A stable lower-case name, e.g. `"recovering"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientState::Stopped => "stopped",
            ClientState::Connecting => "connecting",
            ClientState::Connected => "connected",
            ClientState::Recovering => "recovering",
            ClientState::Reconnecting => "reconnecting",
            ClientState::Stopping => "stopping",
        }
    }
}

impl std::fmt::Display for ClientState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Marks a stopped client whose `start` is queued but not yet taken up by the driver.
const START_REQUESTED: u8 = 0x80;

/// The current state, written by the driver and read by any thread.
///
/// A `start` takes effect when it is called: it marks a stopped client as starting at once,
/// so the client reads as connecting and operations issued next wait for the connection,
/// even before the driver sees the request. The driver's next state change clears the mark.
#[derive(Debug, Default)]
pub(crate) struct StateCell(AtomicU8);

impl StateCell {
    pub(crate) fn get(&self) -> ClientState {
        let value = self.0.load(Ordering::Acquire);
        if value & START_REQUESTED != 0 {
            return ClientState::Connecting;
        }
        ClientState::from_u8(value)
    }

    /// Stores `state` (clearing a start request) and returns the previous state as the
    /// driver last set it.
    pub(crate) fn replace(&self, state: ClientState) -> ClientState {
        ClientState::from_u8(self.0.swap(state as u8, Ordering::AcqRel) & !START_REQUESTED)
    }

    /// Marks a stopped client as starting; false if it is not stopped (the driver then
    /// answers the start itself, refusing it or taking it once it has stopped).
    pub(crate) fn request_start(&self) -> bool {
        let stopped = ClientState::Stopped as u8;
        self.0.compare_exchange(stopped, stopped | START_REQUESTED, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }

    /// Withdraws a mark of [`request_start`](Self::request_start) whose request could not be queued.
    pub(crate) fn withdraw_start(&self) {
        let stopped = ClientState::Stopped as u8;
        let _ = self.0.compare_exchange(stopped | START_REQUESTED, stopped, Ordering::AcqRel, Ordering::Acquire);
    }

    /// Whether a start is marked and the driver has not taken it up yet.
    pub(crate) fn start_requested(&self) -> bool {
        self.0.load(Ordering::Acquire) & START_REQUESTED != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_requested_start_reads_as_connecting_until_the_driver_moves() {
        let cell = StateCell::default();
        assert!(cell.request_start());
        assert!(!cell.request_start(), "marked once");
        assert_eq!(cell.get(), ClientState::Connecting);
        assert!(cell.start_requested());
        assert_eq!(cell.replace(ClientState::Connecting), ClientState::Stopped, "the driver saw it stopped");
        assert!(!cell.start_requested());
        assert!(!cell.request_start(), "only a stopped client is marked");
        cell.replace(ClientState::Stopped);
        assert!(cell.request_start());
        cell.withdraw_start();
        assert_eq!(cell.get(), ClientState::Stopped);
    }
}
