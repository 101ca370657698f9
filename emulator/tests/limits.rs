//! Resource limits: a client or an HTTP caller must not be able to freeze the emulator or grow
//! its memory without bound (worst-case wildcard roles, large recorded events, oversize, slow
//! or half-sent HTTP requests).
mod common;
use common::*;
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use webpubsub_emulator::{Emulator, EmulatorConfig, TokenOptions};

/// An emulator on a runtime of its own that is shut down without waiting for its tasks, so a
/// handler that spins forever fails the test instead of hanging it in the runtime's drop.
struct Isolated {
    emu: Option<Emulator>,
    rt: Option<tokio::runtime::Runtime>,
}

impl Isolated {
    async fn start(cfg: EmulatorConfig) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let emu = rt.spawn(Emulator::start(cfg)).await.unwrap().expect("emulator starts");
        Self { emu: Some(emu), rt: Some(rt) }
    }

    fn emu(&self) -> &Emulator {
        self.emu.as_ref().expect("running")
    }
}

impl Drop for Isolated {
    fn drop(&mut self) {
        drop(self.emu.take());
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

#[tokio::test]
async fn worst_case_wildcard_roles_are_answered_promptly() {
    let iso = Isolated::start(EmulatorConfig::default()).await;
    let emu = iso.emu();
    let opts =
        TokenOptions::user("u").role("webpubsub.sendToGroups.*a*a*a*a*a").role("webpubsub.joinLeaveGroups.**a**a*a");
    let mut c = Client::reliable(emu, "h", opts).await;
    // Every prefix of the name matches the stars, and only the last character fails: the
    // case that made a backtracking matcher try ~n^5 splits.
    let near_miss = format!("{}b", "a".repeat(1023));
    let all_a = "a".repeat(1024);
    let steps = [
        (json!({"type":"sendToGroup","group":near_miss,"data":1,"ackId":1}), Some("Forbidden")),
        (json!({"type":"joinGroup","group":near_miss,"ackId":2}), Some("Forbidden")),
        (json!({"type":"sendToGroup","group":all_a,"data":1,"ackId":3}), None),
        (json!({"type":"joinGroup","group":all_a,"ackId":4}), None),
    ];
    for (i, (request, error)) in steps.into_iter().enumerate() {
        let started = Instant::now();
        c.send(request).await;
        let ack = tokio::time::timeout(Duration::from_secs(2), c.recv_ack(i as u64 + 1))
            .await
            .unwrap_or_else(|_| panic!("no ack for request {} within 2 s", i + 1));
        match error {
            Some(name) => assert_eq!(ack["error"]["name"], name, "{ack}"),
            None => assert_eq!(ack["success"], true, "{ack}"),
        }
        assert!(started.elapsed() < Duration::from_secs(1), "request {} took {:?}", i + 1, started.elapsed());
    }
    assert_eq!(http(emu, "GET", "/api/health", &[], b"").await.status, 200);
}

#[tokio::test]
async fn recorded_events_are_bounded_by_bytes_oldest_dropped_first() {
    const SIZE: usize = 100_000;
    let emu = emulator_with(|c| c.max_recorded_event_bytes = 3 * SIZE).await;
    let mut c = Client::reliable(&emu, "h", TokenOptions::user("u")).await;
    for i in 0..5u64 {
        let data = format!("{i}{}", "x".repeat(SIZE - 1));
        c.send(json!({"type":"event","event":"big","dataType":"text","data":data,"ackId":i + 1})).await;
        assert_eq!(c.recv_ack(i + 1).await["success"], true);
    }
    let ev = emu.events();
    let firsts: Vec<u8> = ev.iter().map(|e| e.data[0]).collect();
    assert_eq!(firsts, b"234".to_vec(), "the two oldest were dropped");
    assert!(ev.iter().all(|e| e.data.len() == SIZE));
    assert_eq!(emu.dropped_events(), 2);

    let r = http(&emu, "GET", "/_emulator/events?hub=h", &[], b"").await;
    assert_eq!(r.json().as_array().unwrap().len(), 3);
    assert_eq!(r.header("x-emulator-dropped-events"), Some("2"));
    let stats = http(&emu, "GET", "/_emulator/events/stats", &[], b"").await.json();
    assert_eq!(
        stats,
        json!({"recorded": 3, "bytes": 3 * SIZE, "dropped": 2,
                             "maxEvents": 100_000, "maxBytes": 3 * SIZE})
    );

    // An event larger than the whole bound is dropped and counted; it does not flush the record.
    let huge = "y".repeat(3 * SIZE + 1);
    c.send(json!({"type":"event","event":"huge","dataType":"text","data":huge,"ackId":9})).await;
    assert_eq!(c.recv_ack(9).await["success"], true);
    assert_eq!(emu.events().iter().map(|e| e.event.as_str()).collect::<Vec<_>>(), ["big"; 3]);
    assert_eq!(emu.dropped_events(), 3);

    assert_eq!(http(&emu, "DELETE", "/_emulator/events", &[], b"").await.json(), json!({"cleared": 3, "dropped": 3}));
    assert_eq!(emu.dropped_events(), 0, "a clear starts a new record");

    // The count bound still applies and is counted the same way.
    let emu = emulator_with(|c| c.max_recorded_events = 2).await;
    let mut c = Client::reliable(&emu, "h", TokenOptions::user("u")).await;
    for i in 0..3u64 {
        c.send(json!({"type":"event","event":format!("e{i}"),"data":i,"ackId":i + 1})).await;
        c.recv_ack(i + 1).await;
    }
    let names: Vec<String> = emu.events().into_iter().map(|e| e.event).collect();
    assert_eq!((names, emu.dropped_events()), (vec!["e1".to_string(), "e2".to_string()], 1));
}

/// Writes `head` and `body` on a fresh socket and returns it. The body may be refused (and the
/// socket closed) before it is all written: that is not an error here.
async fn send_raw(emu: &Emulator, head: &str, body: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", emu.port())).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    let _ = s.write_all(body).await;
    s
}

/// Reads what the server sends until it closes or `wait` passes; returns the bytes, and whether
/// the server closed the connection.
async fn read_until_closed(s: &mut TcpStream, wait: Duration) -> (Vec<u8>, bool) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Err(_) => return (got, false),
            Ok(Ok(0)) | Ok(Err(_)) => return (got, true),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

fn status_of(response: &[u8]) -> Option<u16> {
    let text = String::from_utf8_lossy(response);
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

#[tokio::test]
async fn oversize_bodies_get_413_without_being_read_and_the_emulator_stays_healthy() {
    let emu = emulator().await;
    let port = emu.port();
    // A declared 64 MiB body is refused at once: only 64 KiB of it is ever sent.
    for path in ["/_emulator/connections/nope/raw", "/_emulator/hubs/h/server-message", "/api/hubs/h/:send", "/nowhere"]
    {
        let head = format!("POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\n\r\n", 64 << 20);
        let mut s = send_raw(&emu, &head, &vec![b'a'; 64 * 1024]).await;
        let (resp, _) = read_until_closed(&mut s, Duration::from_secs(3)).await;
        assert_eq!(status_of(&resp), Some(413), "{path}: {}", String::from_utf8_lossy(&resp));
    }
    // Without a Content-Length (chunked), the body is cut off at the limit.
    let head = format!(
        "POST /_emulator/connections/nope/raw HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    let mut s = send_raw(&emu, &head, b"").await;
    let chunk = format!("{:x}\r\n{}\r\n", 256 * 1024, "a".repeat(256 * 1024));
    for _ in 0..8 {
        if s.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let (resp, _) = read_until_closed(&mut s, Duration::from_secs(3)).await;
    assert_eq!(status_of(&resp), Some(413), "{}", String::from_utf8_lossy(&resp));

    // The REST payload limit itself (1 MiB) still fits.
    let v = "api-version=2024-12-01";
    let exact = vec![b'a'; 1024 * 1024];
    assert_eq!(rest(&emu, "POST", &format!("/api/hubs/h/:send?{v}"), Some("text/plain"), &exact).await.status, 202);
    assert_eq!(http(&emu, "GET", "/api/health", &[], b"").await.status, 200);
    let c = Client::reliable(&emu, "h", TokenOptions::user("u")).await;
    assert!(emu.connection(&c.connection_id).is_some());
}

#[tokio::test]
async fn a_half_sent_request_head_is_closed_after_the_header_timeout() {
    let emu = emulator_with(|c| c.http_header_timeout = Duration::from_secs(1)).await;
    let head = format!("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n", emu.port());
    let started = Instant::now();
    let mut s = send_raw(&emu, &head, b"").await;
    let (_, closed) = read_until_closed(&mut s, Duration::from_secs(4)).await;
    assert!(closed, "the emulator kept a half-sent request open for {:?}", started.elapsed());
    assert!(started.elapsed() >= Duration::from_millis(900), "closed before the timeout: {:?}", started.elapsed());
    // A complete request is still answered.
    assert_eq!(http(&emu, "GET", "/api/health", &[], b"").await.status, 200);
}

#[tokio::test]
async fn a_slow_body_is_answered_408_after_the_body_timeout() {
    let emu = emulator_with(|c| c.http_body_timeout = Duration::from_secs(1)).await;
    let port = emu.port();
    let v = "api-version=2024-12-01";
    let send_path = format!("/api/hubs/h/:send?{v}");
    let auth = format!("Bearer {}", emu.rest_token(&format!("{}{send_path}", emu.endpoint())));
    for (path, extra) in [
        ("/_emulator/connections/nope/raw".to_string(), String::new()),
        (send_path, format!("Authorization: {auth}\r\nContent-Type: text/plain\r\n")),
    ] {
        let head = format!("POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 100\r\n{extra}\r\n");
        let started = Instant::now();
        let mut s = send_raw(&emu, &head, b"only ten..").await;
        let (resp, _) = read_until_closed(&mut s, Duration::from_secs(4)).await;
        assert_eq!(status_of(&resp), Some(408), "{path}: {}", String::from_utf8_lossy(&resp));
        assert!(started.elapsed() < Duration::from_secs(3), "{path}: {:?}", started.elapsed());
    }
}
