//! The emulator's REST API end to end: fuzzed method, path, query, Content-Type and body go
//! over a real socket to an emulator running in this process, with a Bearer token correctly
//! signed for the request URL. No request may crash a handler (a panic aborts the process),
//! be refused as unauthorized (the token is right), or get a 5xx other than 501 (the
//! emulator's "not supported").
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;
use webpubsub_emulator::{Emulator, EmulatorConfig};

struct Server {
    _runtime: tokio::runtime::Runtime,
    emulator: Emulator,
    /// One keep-alive connection, reopened when the emulator closes it.
    socket: Mutex<Option<TcpStream>>,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
        let config = EmulatorConfig { access_key: webpubsub_fuzz::KEY.into(), ..EmulatorConfig::default() };
        let emulator = runtime.block_on(Emulator::start(config)).expect("the emulator starts");
        Server { _runtime: runtime, emulator, socket: Mutex::new(None) }
    })
}

const METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"];
const CONTENT_TYPES: [Option<&str>; 5] =
    [Some("text/plain"), Some("application/json"), Some("application/octet-stream"), None, Some("text/xml")];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Line 1: a selector (method and Content-Type); line 2: path and query; the rest: the body.
    let [selector, target, body] = webpubsub_fuzz::fields::<3>(text);
    let selector = selector.bytes().fold(0usize, |a, b| a.wrapping_mul(31).wrapping_add(usize::from(b)));
    let method = METHODS[selector % METHODS.len()];
    let content_type = CONTENT_TYPES[(selector / METHODS.len()) % CONTENT_TYPES.len()];
    let target = request_target(target);

    let s = server();
    let host = format!("127.0.0.1:{}", s.emulator.port());
    let token = s.emulator.rest_token(&format!("http://{host}{target}"));
    let mut request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(ct) = content_type {
        request.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);

    let status = exchange(s, request.as_bytes(), method == "HEAD");
    assert_ne!(status, 401, "{method} {target}: a correctly signed token was refused");
    assert!(!(500..600).contains(&status) || status == 501, "{method} {target}: status {status}");
});

/// The path and query as an HTTP request target: a leading `/`, and every byte a URI may not
/// carry raw percent-encoded (`%` itself is kept, so escapes reach the emulator as given).
fn request_target(raw: &str) -> String {
    let mut out = String::from("/");
    for &b in raw.strip_prefix('/').unwrap_or(raw).as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Sends one request and reads its response; returns the status code.
fn exchange(s: &Server, request: &[u8], head: bool) -> u16 {
    let mut socket = s.socket.lock().unwrap_or_else(|e| e.into_inner());
    // A connection the emulator closed after the previous answer fails here or on reading the
    // headers; one retry on a fresh connection tells that apart from a real failure.
    for attempt in 0..2 {
        if socket.is_none() {
            let stream = TcpStream::connect(("127.0.0.1", s.emulator.port())).expect("connect to the emulator");
            stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
            stream.set_nodelay(true).expect("nodelay");
            *socket = Some(stream);
        }
        let stream = socket.as_mut().expect("connected");
        match stream.write_all(request).map_err(|e| e.to_string()).and_then(|()| read_response(stream, head)) {
            Ok((status, keep_alive)) => {
                if !keep_alive {
                    *socket = None;
                }
                return status;
            }
            Err(e) => {
                *socket = None;
                assert!(attempt == 0, "no answer from the emulator: {e}");
            }
        }
    }
    unreachable!()
}

fn read_response(stream: &mut TcpStream, head: bool) -> Result<(u16, bool), String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed before a response".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let headers = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
    let status: u16 = headers.get(9..12).and_then(|s| s.parse().ok()).ok_or("no status line")?;
    let length: usize = headers
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(Ok(0), |v| v.trim().parse())
        .map_err(|_| "bad content-length")?;
    let body_len = if head || status == 204 || status == 304 { 0 } else { length };
    while buf.len() < header_end + body_len {
        let n = stream.read(&mut chunk).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed inside a body".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok((status, !headers.contains("connection: close")))
}
