//! Fan-out benchmark of webpubsub-emulator: one publisher sends fire-and-forget `sendToGroup`
//! messages (64-byte text, `noEcho`) on a reliable JSON connection; N subscribers on reliable
//! connections receive them and send cumulative `sequenceAck`s. Clients are raw
//! tokio-tungstenite sockets in this process; the emulator runs as a child process (the release
//! binary next to this one) so its CPU time can be read from /proc.
//!
//! Usage: emulator-bench [--subscribers N[,N...]] [--messages M] [--in-process] [--idle N]

use futures_util::{SinkExt, StreamExt};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncBufReadExt;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const HUB: &str = "bench";
const GROUP: &str = "fanout";
const ACK_EVERY: u64 = 128;

struct Target {
    port: u16,
    pid: Option<u32>,
}

fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f[11].parse::<u64>().ok()? + f[12].parse::<u64>().ok()?)
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Opens `n` idle reliable connections and reports the emulator's resident memory per connection.
async fn idle_round(target: &Target, n: usize) {
    let Some(pid) = target.pid else {
        println!("--idle needs the child-process mode");
        return;
    };
    let before = rss_kib(pid).unwrap_or(0);
    let mut conns = Vec::with_capacity(n);
    let u = url(target.port, "idle", &[], &["idle-group".to_string()]);
    for _ in 0..n {
        conns.push(connect(&u).await);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = rss_kib(pid).unwrap_or(0);
    println!(
        "idle connections={n}: emulator RSS {} KiB -> {} KiB, {:.1} KiB per connection",
        before,
        after,
        (after.saturating_sub(before)) as f64 / n as f64
    );
    drop(conns);
}

fn ticks_per_sec() -> f64 {
    // SAFETY: sysconf has no preconditions.
    (unsafe { libc::sysconf(libc::_SC_CLK_TCK) }) as f64
}

fn url(port: u16, user: &str, roles: &[String], groups: &[String]) -> String {
    let aud = format!("http://127.0.0.1:{port}/client/hubs/{HUB}");
    let claims = webpubsub_emulator::token::client_claims(&aud, Some(user), roles, groups, 3600);
    let token = webpubsub_emulator::token::sign(&claims, webpubsub_emulator::DEFAULT_ACCESS_KEY);
    format!("ws://127.0.0.1:{port}/client/hubs/{HUB}?access_token={token}")
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(url: &str) -> Ws {
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert("Sec-WebSocket-Protocol", "json.reliable.webpubsub.azure.v1".parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.expect("connect");
    let first = ws.next().await.unwrap().unwrap();
    assert!(first.to_text().unwrap().contains("\"connected\""), "{first:?}");
    ws
}

/// Reads the trailing `"sequenceId":N}` without parsing the whole message.
fn sequence_id(text: &str) -> Option<u64> {
    let i = text.rfind("\"sequenceId\":")?;
    text[i + 13..].trim_end_matches('}').parse().ok()
}

async fn run_round(target: &Target, subscribers: usize, messages: u64) -> (f64, Option<f64>) {
    let received = Arc::new(AtomicU64::new(0));
    let mut subs = Vec::new();
    for i in 0..subscribers {
        let ws = connect(&url(target.port, &format!("sub{i}"), &[], &[GROUP.to_string()])).await;
        let received = received.clone();
        subs.push(tokio::spawn(async move {
            let (mut tx, mut rx) = ws.split();
            let (mut got, mut last_acked) = (0u64, 0u64);
            while got < messages {
                match rx.next().await {
                    Some(Ok(Message::Text(t))) => {
                        if let Some(seq) = sequence_id(t.as_str()) {
                            got += 1;
                            if seq - last_acked >= ACK_EVERY || got == messages {
                                last_acked = seq;
                                let ack = format!("{{\"type\":\"sequenceAck\",\"sequenceId\":{seq}}}");
                                tx.send(Message::Text(ack.into())).await.expect("ack");
                            }
                        }
                    }
                    Some(Ok(Message::Close(f))) => panic!("subscriber closed by the emulator: {f:?}"),
                    Some(Ok(_)) => {}
                    other => panic!("subscriber stream ended: {other:?}"),
                }
            }
            received.fetch_add(got, Ordering::Relaxed);
            let _ = tx.close().await;
        }));
    }
    let roles = vec![format!("webpubsub.sendToGroup.{GROUP}")];
    let mut publisher = connect(&url(target.port, "publisher", &roles, &[])).await;
    let data = "x".repeat(64);
    let frame = format!(
        "{{\"type\":\"sendToGroup\",\"group\":\"{GROUP}\",\"dataType\":\"text\",\"data\":\"{data}\",\"noEcho\":true}}"
    );
    let cpu0 = target.pid.and_then(cpu_ticks);
    let t0 = Instant::now();
    for i in 0..messages {
        publisher.feed(Message::Text(frame.clone().into())).await.expect("publish");
        if i % 64 == 63 {
            publisher.flush().await.expect("flush");
        }
    }
    publisher.flush().await.expect("flush");
    for s in subs {
        tokio::time::timeout(Duration::from_secs(300), s).await.expect("subscribers finish").expect("subscriber ok");
    }
    let elapsed = t0.elapsed().as_secs_f64();
    let cpu = match (cpu0, target.pid.and_then(cpu_ticks)) {
        (Some(a), Some(b)) => Some((b - a) as f64 / ticks_per_sec()),
        _ => None,
    };
    assert_eq!(received.load(Ordering::Relaxed), messages * subscribers as u64);
    let _ = publisher.close(None).await;
    (elapsed, cpu)
}

fn main() {
    let mut subscribers = vec![1usize, 100];
    let mut messages: Option<u64> = None;
    let mut in_process = false;
    let mut idle: Option<usize> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--subscribers" => {
                subscribers = args.next().expect("value").split(',').map(|s| s.parse().expect("number")).collect()
            }
            "--messages" => messages = Some(args.next().expect("value").parse().expect("number")),
            "--in-process" => in_process = true,
            "--idle" => idle = Some(args.next().expect("value").parse().expect("number")),
            "-h" | "--help" => {
                println!("emulator-bench [--subscribers 1,100] [--messages M] [--in-process] [--idle N]");
                return;
            }
            other => panic!("unknown argument {other}"),
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async move {
        let mut child = None;
        let mut _emu = None;
        let target = if in_process {
            let emu = webpubsub_emulator::Emulator::start(webpubsub_emulator::EmulatorConfig {
                ws_ping_interval: None,
                ..Default::default()
            })
            .await
            .unwrap();
            let t = Target { port: emu.port(), pid: None };
            _emu = Some(emu);
            t
        } else {
            let exe = std::env::current_exe().unwrap().with_file_name("webpubsub-emulator");
            assert!(
                exe.exists(),
                "{} not found: build it with `cargo build --release -p webpubsub-emulator`",
                exe.display()
            );
            let mut c = tokio::process::Command::new(&exe)
                .args(["--port", "0", "--ping-interval-secs", "0"])
                .stdout(Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .expect("spawn emulator");
            let mut lines = tokio::io::BufReader::new(c.stdout.take().unwrap()).lines();
            let mut port = 0;
            while let Some(l) = lines.next_line().await.unwrap() {
                if let Some(ep) = l.strip_prefix("Endpoint=http://127.0.0.1:") {
                    port = ep.split(';').next().unwrap().parse().unwrap();
                    break;
                }
            }
            let pid = c.id();
            child = Some(c);
            Target { port, pid }
        };
        println!(
            "emulator: {} (pid {:?}); 64-byte text, reliable JSON, fire-and-forget sendToGroup, noEcho",
            if in_process { "in-process" } else { "child process" },
            target.pid
        );
        if let Some(n) = idle {
            idle_round(&target, n).await;
        }
        for &n in &subscribers {
            let m = messages.unwrap_or(if n == 1 { 1_000_000 } else { 50_000 });
            run_round(&target, n, 10_000.min(m)).await; // warm-up
            let (secs, cpu) = run_round(&target, n, m).await;
            let deliveries = m * n as u64;
            print!(
                "subscribers={n:<4} messages={m:<8} {:>10.0} msg/s published  {:>10.0} deliveries/s",
                m as f64 / secs,
                deliveries as f64 / secs
            );
            match cpu {
                Some(c) => println!(
                    "  emulator CPU {:.2} s = {:.2} us/message, {:.3} us/delivery ({:.0}% of one core)",
                    c,
                    c * 1e6 / m as f64,
                    c * 1e6 / deliveries as f64,
                    100.0 * c / secs
                ),
                None => println!(),
            }
        }
        if let Some(mut c) = child {
            let _ = c.kill().await;
        }
    });
}
