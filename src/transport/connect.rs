//! One WebSocket connection attempt.

use super::socket::Socket;
use crate::protocol::Protocol;
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::WebSocketStream;

/// The socket of a connection. Boxed: the stream is large, and the client's task moves it
/// through several states; a pointer keeps that task small for idle clients.
pub(crate) type WsStream = Box<WebSocketStream<Socket>>;

/// What a connection attempt needs besides the URL.
#[derive(Debug)]
pub(crate) struct TransportOptions {
    pub protocol: Protocol,
    pub headers: Vec<(String, String)>,
    pub user_agent: String,
    pub extra_ca_pem: Option<Vec<u8>>,
    tls: std::sync::OnceLock<Result<Arc<rustls::ClientConfig>, String>>,
}

impl TransportOptions {
    pub(crate) fn new(
        protocol: Protocol,
        headers: Vec<(String, String)>,
        user_agent: String,
        extra_ca_pem: Option<Vec<u8>>,
    ) -> Self {
        TransportOptions { protocol, headers, user_agent, extra_ca_pem, tls: std::sync::OnceLock::new() }
    }

    fn tls(&self) -> Result<Arc<rustls::ClientConfig>, String> {
        self.tls.get_or_init(|| super::tls::client_config(self.extra_ca_pem.as_deref())).clone()
    }
}

/// Why a connection attempt failed.
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum ConnectError {
    /// The URL or a header cannot be used; retrying will not help.
    #[error("{0}")]
    Invalid(String),
    /// The service answered the upgrade with an HTTP error status.
    #[error("the service refused the WebSocket upgrade with HTTP {status}")]
    Refused { status: u16 },
    /// Network, TLS or protocol failure; worth retrying.
    #[error("{0}")]
    Io(String),
}

impl ConnectError {
    /// HTTP status of a refused upgrade.
    pub(crate) fn status(&self) -> Option<u16> {
        match self {
            ConnectError::Refused { status } => Some(*status),
            _ => None,
        }
    }
}

/// WebSocket buffers sized for many mostly idle connections: 4 KiB chunks still move
/// dozens of small frames per system call, and the write buffer grows only while used.
fn websocket_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        .max_message_size(Some(64 << 20))
        .max_frame_size(Some(16 << 20))
}

/// Opens a WebSocket to `url` (`http(s)://` taken as `ws(s)://`), offering exactly one
/// subprotocol.
pub(crate) async fn connect(url: &str, options: &TransportOptions) -> Result<WsStream, ConnectError> {
    let url = super::url::websocket_url(url);
    let url: &str = &url;
    let redacted = super::redact_url(url);
    let mut request = url
        .into_client_request()
        .map_err(|e| ConnectError::Invalid(format!("cannot use URL {redacted}: {}", strip_url(e.to_string(), url))))?;
    let headers = request.headers_mut();
    headers.insert("sec-websocket-protocol", HeaderValue::from_static(options.protocol.name()));
    let user_agent = HeaderValue::from_str(&options.user_agent)
        .map_err(|_| ConnectError::Invalid("user agent is not a valid header value".into()))?;
    headers.insert("user-agent", user_agent);
    for (name, value) in &options.headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| ConnectError::Invalid(format!("invalid header name {name:?}")))?;
        let value = HeaderValue::from_str(value)
            .map_err(|_| ConnectError::Invalid(format!("invalid value for header {name}")))?;
        headers.insert(name, value);
    }

    let uri = request.uri().clone();
    let secure = match uri.scheme_str() {
        Some("wss") => true,
        Some("ws") => false,
        _ => {
            return Err(ConnectError::Invalid(format!(
                "URL {redacted} must start with ws://, wss://, http:// or https://"
            )))
        }
    };
    let host = uri.host().ok_or_else(|| ConnectError::Invalid(format!("URL {redacted} has no host")))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = uri.port_u16().unwrap_or(if secure { 443 } else { 80 });

    let tcp = TcpStream::connect((host, port))
        .await
        .map_err(|e| ConnectError::Io(format!("TCP connect to {host}:{port}: {e}")))?;
    // Small frames must leave at once: the protocol is request/ack, latency matters.
    tcp.set_nodelay(true).map_err(|e| ConnectError::Io(e.to_string()))?;
    let socket = if secure {
        let config = options.tls().map_err(ConnectError::Invalid)?;
        let name = rustls::pki_types::ServerName::try_from(host.to_owned())
            .map_err(|_| ConnectError::Invalid(format!("URL {redacted} has an invalid host name")))?;
        let tls = tokio_rustls::TlsConnector::from(config)
            .connect(name, tcp)
            .await
            .map_err(|e| ConnectError::Io(format!("TLS handshake with {host}:{port}: {e}")))?;
        Socket::Tls(Box::new(tls))
    } else {
        Socket::Plain(tcp)
    };
    let (ws, _response) = tokio_tungstenite::client_async_with_config(request, socket, Some(websocket_config()))
        .await
        .map_err(|e| match e {
            tokio_tungstenite::tungstenite::Error::Http(response) => {
                ConnectError::Refused { status: response.status().as_u16() }
            }
            other => ConnectError::Io(strip_url(other.to_string(), url)),
        })?;
    Ok(Box::new(ws))
}

/// Error texts of the libraries could quote the URL; keep the token out of them.
fn strip_url(message: String, url: &str) -> String {
    message.replace(url, &super::redact_url(url))
}
