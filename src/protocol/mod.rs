//! The Web PubSub JSON subprotocols (`json.webpubsub.azure.v1` and
//! `json.reliable.webpubsub.azure.v1`): message types and their codec.
//!
//! This module knows nothing about sockets. [`Request`] is what a client sends,
//! [`ServiceMessage`] is what the service sends; both can be encoded and decoded so the
//! codec can be tested by round trip. Decoding follows the protocol's forward-compatibility
//! rules: unknown fields are ignored, unknown message types decode to
//! [`ServiceMessage::Unknown`], and `type`/`dataType`/`from` match case-insensitively.

mod data;
mod decode;
mod encode;
mod json_text;

pub use data::{Data, DataType};
pub use decode::{decode_request, decode_service_message, DecodeError};
pub use encode::{encode_request, encode_service_message};
pub use json_text::{JsonText, JsonTextError};

/// Largest client-to-service WebSocket message the service accepts (1 MB).
pub const MAX_CLIENT_MESSAGE_BYTES: usize = 1024 * 1024;

/// The subprotocols a client can speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Protocol {
    /// `json.reliable.webpubsub.azure.v1`: sequence ids, acks and connection recovery.
    JsonReliable,
    /// `json.webpubsub.azure.v1`: no recovery; a drop means a new connection.
    Json,
}

impl Protocol {
    /// The `Sec-WebSocket-Protocol` name of this subprotocol.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::JsonReliable => "json.reliable.webpubsub.azure.v1",
            Protocol::Json => "json.webpubsub.azure.v1",
        }
    }

    /// Whether the service keeps the connection recoverable and numbers its messages.
    pub fn is_reliable(self) -> bool {
        matches!(self, Protocol::JsonReliable)
    }
}

/// A message a client sends to the service.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// Join a group; the service acks when `ack_id` is set.
    JoinGroup {
        /// The group.
        group: String,
        /// Asks for an ack and lets the service deduplicate retries.
        ack_id: Option<u64>,
    },
    /// Leave a group; the service acks when `ack_id` is set.
    LeaveGroup {
        /// The group.
        group: String,
        /// Asks for an ack and lets the service deduplicate retries.
        ack_id: Option<u64>,
    },
    /// Publish to a group.
    SendToGroup {
        /// The group.
        group: String,
        /// Asks for an ack and lets the service deduplicate retries.
        ack_id: Option<u64>,
        /// Keep the message from the sending connection.
        no_echo: bool,
        /// The payload.
        data: Data,
    },
    /// Send a user event to the application server (upstream).
    Event {
        /// The event name.
        event: String,
        /// Asks for an ack and lets the service deduplicate retries.
        ack_id: Option<u64>,
        /// The payload.
        data: Data,
    },
    /// Cumulative acknowledgement: every message up to `sequence_id` was received.
    SequenceAck {
        /// The highest sequence id received.
        sequence_id: u64,
    },
    /// Application-level keep-alive; the service answers [`ServiceMessage::Pong`].
    Ping,
}

/// Why an operation failed, as the service reported it in an ack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckError {
    /// The error name, e.g. `Forbidden`, `InternalServerError`, `Duplicate`. An open set.
    pub name: String,
    /// The service's human-readable explanation.
    pub message: String,
}

/// Where a data message came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageSource {
    /// Published to a group the connection belongs to.
    Group {
        /// The group.
        group: String,
        /// The publisher's user id, when it has one.
        from_user_id: Option<String>,
    },
    /// Sent by the application server (REST API or an event handler's response).
    Server,
}

/// A message the service sends to a client.
#[derive(Debug, Clone, PartialEq)]
pub enum ServiceMessage {
    /// The outcome of a request that carried an ackId.
    Ack {
        /// The request's ackId.
        ack_id: u64,
        /// Whether it was executed.
        success: bool,
        /// Why not, when it was not.
        error: Option<AckError>,
    },
    /// A group or server message.
    Message {
        /// Group or server.
        source: MessageSource,
        /// The payload.
        data: Data,
        /// Set on reliable connections only.
        sequence_id: Option<u64>,
    },
    /// The connection is established (and, on reliable connections, recoverable).
    Connected {
        /// The service's id of the connection.
        connection_id: String,
        /// The user id of the access token, when it has one.
        user_id: Option<String>,
        /// The secret that lets a reliable connection be recovered.
        reconnection_token: Option<String>,
    },
    /// The service is about to close the connection.
    Disconnected {
        /// Why, when the service says.
        message: Option<String>,
    },
    /// The answer to [`Request::Ping`].
    Pong,
    /// A well-formed message of a type this client does not know; ignored by design.
    Unknown {
        /// Its `type` (or `system/<event>`).
        kind: String,
    },
}
