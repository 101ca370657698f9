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

/// The current state, written by the driver and read by any thread.
#[derive(Debug, Default)]
pub(crate) struct StateCell(AtomicU8);

impl StateCell {
    pub(crate) fn get(&self) -> ClientState {
        ClientState::from_u8(self.0.load(Ordering::Acquire))
    }

    /// Stores `state` and returns the previous one.
    pub(crate) fn replace(&self, state: ClientState) -> ClientState {
        ClientState::from_u8(self.0.swap(state as u8, Ordering::AcqRel))
    }
}
