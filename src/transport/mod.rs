//! Opening WebSocket connections to the service: URLs, TLS, the upgrade request.
//!
//! Nothing here knows about the Web PubSub protocol beyond the subprotocol name and the
//! recovery query parameters.

mod connect;
mod socket;
mod tls;
mod url;

pub use self::url::redact_url;
pub(crate) use self::url::{recovery_base, recovery_url};
pub(crate) use connect::{connect, ConnectError, TransportOptions, WsStream};
