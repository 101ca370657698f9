//! The errors of the client's operations.

use std::fmt;

/// A service-reported failure of an operation: the ack carried `success: false`.
///
/// Retrying with the same [`ack_id`](Self::ack_id) is always safe: the service deduplicates
/// by ackId and answers `Duplicate` (which counts as success) if it already executed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendMessageError {
    /// The ackId the operation used, to retry it idempotently.
    pub ack_id: Option<u64>,
    /// The service's error name, e.g. `Forbidden` or `InternalServerError`.
    pub name: String,
    /// The service's explanation.
    pub message: String,
}

impl fmt::Display for SendMessageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the service refused the operation: {}: {}", self.name, self.message)?;
        if let Some(id) = self.ack_id {
            write!(f, " (ackId {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for SendMessageError {}

/// Everything that can go wrong in the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument is unusable (empty group name, ackId already in use, ...).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The client access URL cannot be used.
    #[error("invalid client access URL: {0}")]
    InvalidUrl(String),
    /// The encoded message is larger than the service accepts; nothing was sent.
    #[error("message of {size} bytes exceeds the service limit of {limit} bytes")]
    MessageTooLarge {
        /// Encoded size of the rejected message.
        size: usize,
        /// The limit ([`crate::protocol::MAX_CLIENT_MESSAGE_BYTES`]).
        limit: usize,
    },
    /// The service refused the operation (after any retries of transient failures).
    #[error(transparent)]
    SendMessage(#[from] SendMessageError),
    /// The operation did not complete within its timeout.
    #[error("operation timed out{}", ack_suffix(*.ack_id))]
    Timeout {
        /// The ackId to retry with, when the operation had one.
        ack_id: Option<u64>,
    },
    /// The client is stopped, or was stopped while the operation was pending.
    #[error("the client is stopped{}", ack_suffix(*.ack_id))]
    Stopped {
        /// The ackId of the interrupted operation, when it had one.
        ack_id: Option<u64>,
    },
    /// The connection was replaced by a new one (not recovered) before the ack arrived, so
    /// whether the service executed the message is unknown. It is not retried automatically:
    /// ackIds are per connection, and a resend on a new one could publish twice.
    #[error("the connection was lost before the ack arrived; the outcome is unknown (ackId {ack_id})")]
    ConnectionLost {
        /// The ackId the message was sent with.
        ack_id: u64,
    },
    /// Opening the connection failed.
    #[error("connect failed: {message}")]
    Connect {
        /// The HTTP status of a refused upgrade (e.g. 401 for a bad token).
        status: Option<u16>,
        /// What went wrong; never contains an access token.
        message: String,
    },
    /// The credential callback failed to produce a client access URL.
    #[error("the credential failed to provide a client access URL: {0}")]
    Credential(String),
    /// The call does not fit the client's current state (e.g. `start` while started).
    #[error("illegal state: {0}")]
    IllegalState(String),
}

fn ack_suffix(ack_id: Option<u64>) -> String {
    ack_id.map(|id| format!(" (ackId {id})")).unwrap_or_default()
}

impl Error {
    /// The ackId of the operation this error belongs to, if it had one.
    pub fn ack_id(&self) -> Option<u64> {
        match self {
            Error::SendMessage(e) => e.ack_id,
            Error::Timeout { ack_id } | Error::Stopped { ack_id } => *ack_id,
            Error::ConnectionLost { ack_id } => Some(*ack_id),
            _ => None,
        }
    }
}
