//! Test helpers: a raw tokio-tungstenite client speaking the JSON subprotocols, and a tiny
//! HTTP/1.1 client for the REST API and the control surface. Nothing here is mocked: every test
//! talks to a real emulator over real sockets.
#![allow(dead_code)]

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use webpubsub_emulator::{Emulator, EmulatorConfig, TokenOptions};

pub const RELIABLE: &str = "json.reliable.webpubsub.azure.v1";
pub const PLAIN: &str = "json.webpubsub.azure.v1";
pub const T: Duration = Duration::from_secs(5);

/// An emulator with short windows suitable for tests.
pub async fn emulator() -> Emulator {
    emulator_with(|_| {}).await
}

pub async fn emulator_with(f: impl FnOnce(&mut EmulatorConfig)) -> Emulator {
    let mut cfg = EmulatorConfig { recovery_window: Duration::from_secs(2), ..EmulatorConfig::default() };
    f(&mut cfg);
    Emulator::start(cfg).await.expect("emulator starts")
}

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub struct Client {
    pub ws: Ws,
    pub url: String,
    pub subprotocol: String,
    pub connection_id: String,
    pub user_id: Value,
    pub reconnection_token: Option<String>,
}

/// Opens a WebSocket offering `protocols`; returns the socket or the HTTP status of a refusal.
pub async fn open(url: &str, protocols: &[&str], headers: &[(&str, &str)]) -> Result<(Ws, Option<String>), u16> {
    let mut req = url.into_client_request().expect("valid url");
    if !protocols.is_empty() {
        req.headers_mut().insert("Sec-WebSocket-Protocol", protocols.join(", ").parse().unwrap());
    }
    for (k, v) in headers {
        let name = tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(k.as_bytes()).unwrap();
        req.headers_mut().insert(name, v.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((ws, resp)) => {
            let p = resp.headers().get("sec-websocket-protocol").map(|v| v.to_str().unwrap().to_string());
            Ok((ws, p))
        }
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => Err(resp.status().as_u16()),
        Err(e) => panic!("unexpected connect error: {e}"),
    }
}

impl Client {
    /// Connects and waits for `connected`.
    pub async fn connect(url: &str, subprotocol: &str) -> Client {
        let (ws, chosen) =
            open(url, &[subprotocol], &[]).await.unwrap_or_else(|s| panic!("connect refused with HTTP {s}"));
        assert_eq!(chosen.as_deref(), Some(subprotocol));
        let mut c = Client {
            ws,
            url: url.to_string(),
            subprotocol: subprotocol.to_string(),
            connection_id: String::new(),
            user_id: Value::Null,
            reconnection_token: None,
        };
        let m = c.recv().await;
        assert_eq!(m["type"], "system", "{m}");
        assert_eq!(m["event"], "connected", "{m}");
        c.connection_id = m["connectionId"].as_str().unwrap().to_string();
        c.user_id = m["userId"].clone();
        c.reconnection_token = m["reconnectionToken"].as_str().map(str::to_string);
        c
    }

    pub async fn reliable(emu: &Emulator, hub: &str, opts: TokenOptions) -> Client {
        Client::connect(&emu.client_access_url(hub, opts), RELIABLE).await
    }

    pub async fn plain(emu: &Emulator, hub: &str, opts: TokenOptions) -> Client {
        Client::connect(&emu.client_access_url(hub, opts), PLAIN).await
    }

    /// The recovery URL: the original URL plus the awps_* parameters (as the SDKs build it).
    pub fn recovery_url(&self) -> String {
        format!(
            "{}&awps_connection_id={}&awps_reconnection_token={}",
            self.url,
            self.connection_id,
            urlencode(self.reconnection_token.as_deref().unwrap_or(""))
        )
    }

    /// Opens a recovery transport for this logical connection (no `connected` expected).
    pub async fn recover(&mut self) {
        let (ws, _) = open(&self.recovery_url(), &[&self.subprotocol], &[]).await.expect("recovery upgrade accepted");
        self.ws = ws;
    }

    pub async fn send(&mut self, v: Value) {
        self.ws.send(Message::Text(v.to_string().into())).await.expect("send");
    }

    pub async fn send_text(&mut self, s: &str) {
        self.ws.send(Message::Text(s.to_string().into())).await.expect("send");
    }

    /// Next JSON message (skips WebSocket control frames); panics after 5 s or on close.
    pub async fn recv(&mut self) -> Value {
        match self.next_event(T).await {
            Some(Event::Json(v)) => v,
            other => panic!("expected a message, got {other:?}"),
        }
    }

    /// Next message or close, or `None` after `wait`.
    pub async fn next_event(&mut self, wait: Duration) -> Option<Event> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let m = match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => return None,
                Ok(None) => return Some(Event::Gone("stream ended".into())),
                Ok(Some(Err(e))) => return Some(Event::Gone(e.to_string())),
                Ok(Some(Ok(m))) => m,
            };
            match m {
                Message::Text(t) => {
                    return Some(Event::Json(
                        serde_json::from_str(t.as_str()).unwrap_or_else(|_| Value::String(format!("RAW:{t}"))),
                    ))
                }
                Message::Binary(b) => return Some(Event::Binary(b.to_vec())),
                Message::Close(f) => return Some(Event::Closed(f.map(|f| (u16::from(f.code), f.reason.to_string())))),
                _ => continue,
            }
        }
    }

    /// Asserts nothing arrives within `wait`.
    pub async fn expect_silence(&mut self, wait: Duration) {
        if let Some(e) = self.next_event(wait).await {
            panic!("expected silence, got {e:?}");
        }
    }

    /// Reads until the close frame; returns (messages before it, close code, reason).
    pub async fn expect_close(&mut self) -> (Vec<Value>, u16, String) {
        let mut msgs = Vec::new();
        loop {
            match self.next_event(T).await {
                Some(Event::Json(v)) => msgs.push(v),
                Some(Event::Closed(Some((code, reason)))) => return (msgs, code, reason),
                other => panic!("expected a close frame, got {other:?} after {msgs:?}"),
            }
        }
    }

    /// Waits for the transport to end without a close frame (an abrupt drop).
    /// Messages that arrive first are skipped; a close frame fails the test.
    pub async fn expect_drop(&mut self) {
        loop {
            match self.next_event(T).await {
                Some(Event::Gone(_)) => return,
                Some(Event::Json(_)) => continue,
                other => panic!("expected an abrupt drop, got {other:?}"),
            }
        }
    }

    pub async fn join(&mut self, group: &str, ack_id: u64) -> Value {
        self.send(json!({"type":"joinGroup","group":group,"ackId":ack_id})).await;
        self.recv_ack(ack_id).await
    }

    /// Reads until the ack with `ack_id` arrives (other messages are discarded).
    pub async fn recv_ack(&mut self, ack_id: u64) -> Value {
        loop {
            let m = self.recv().await;
            if m["type"] == "ack" && m["ackId"] == ack_id {
                return m;
            }
        }
    }

    /// Closes with a normal close frame.
    pub async fn close(mut self) {
        let _ = self
            .ws
            .close(Some(tokio_tungstenite::tungstenite::protocol::CloseFrame {
                code: CloseCode::Normal,
                reason: "bye".into(),
            }))
            .await;
        let _ = tokio::time::timeout(T, async { while let Some(Ok(_)) = self.ws.next().await {} }).await;
    }
}

#[derive(Debug)]
pub enum Event {
    Json(Value),
    Binary(Vec<u8>),
    Closed(Option<(u16, String)>),
    Gone(String),
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A minimal HTTP/1.1 response.
#[derive(Debug)]
pub struct HttpResp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Sends one HTTP/1.1 request (Connection: close) to the emulator.
pub async fn http(
    emu: &Emulator,
    method: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> HttpResp {
    let mut s = TcpStream::connect(("127.0.0.1", emu.port())).await.unwrap();
    let mut req = format!(
        "{method} {path_and_query} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nContent-Length: {}\r\n",
        emu.port(),
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(T, s.read_to_end(&mut raw)).await.expect("HTTP response in time").unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("header end");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    HttpResp { status, headers, body: raw[split + 4..].to_vec() }
}

/// A REST call signed the way the Python/JS server SDKs sign it (aud = full request URL).
pub async fn rest(
    emu: &Emulator,
    method: &str,
    path_and_query: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> HttpResp {
    let url = format!("{}{}", emu.endpoint(), path_and_query);
    let auth = format!("Bearer {}", emu.rest_token(&url));
    let mut headers = vec![("Authorization", auth.as_str())];
    if let Some(ct) = content_type {
        headers.push(("Content-Type", ct));
    }
    http(emu, method, path_and_query, &headers, body).await
}

/// The `exp` claim of a token signed with the default key (checked like the emulator checks it).
pub fn token_exp(token: &str) -> i64 {
    let claims =
        webpubsub_emulator::token::verify(token, webpubsub_emulator::DEFAULT_ACCESS_KEY).expect("a valid token");
    claims["exp"].as_i64().expect("exp is an integer")
}

/// Seconds since the Unix epoch.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}
