//! A native, reliable Azure Web PubSub client.
//!
//! The client speaks the reliable JSON subprotocol: it survives dropped connections by
//! recovering the same logical connection (no message lost, none delivered twice), acks
//! sequence ids, retries transient failures with the same ackId, and rejoins groups after a
//! reconnect. See [`WebPubSubClient`] to start.

#![warn(missing_docs)]

mod client;
mod error;
pub mod ffi;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod logging;
pub mod protocol;
mod transport;

pub use client::{
    ClientOptions, ClientState, Credential, Event, EventReceiver, GroupMessage, GroupOperation, RetryMode, RetryPolicy,
    SendEvent, SendToGroup, ServerMessage, TryRecvError, WebPubSubClient, WebPubSubResult,
};
pub use error::{Error, SendMessageError};
pub use protocol::{Data, DataType, JsonText, Protocol};
pub use transport::redact_url;
