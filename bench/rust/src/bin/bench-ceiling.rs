//! The ceiling contender: raw tokio-tungstenite clients sending the same JSON frames as the
//! Web PubSub clients, to `ceiling-server` (a raw relay without the Web PubSub protocol). It
//! measures what this machine can do at best: no protocol state, no acks of received
//! messages, no per-message allocation beyond the frame, writes batched (feed every queued
//! frame, then one flush), TCP_NODELAY, and the main task reads the receiving socket itself
//! (no hop between tasks).
//!
//! Usage: `bench-ceiling <workload> --endpoint ws://127.0.0.1:PORT [options]` (see
//! `bench/README.md`); `--buffer BYTES` sets the WebSocket read/write buffers (default 4096).

use futures_util::{FutureExt, SinkExt, StreamExt};
use serde_json::{json, Map, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;
use webpubsub_bench::*;

type Ws = WebSocketStream<TcpStream>;
type Result<T> = std::result::Result<T, String>;

const CONTENDER: &str = "ceiling";
const WAIT: Duration = Duration::from_secs(20);

struct Ctx {
    args: Args,
    endpoint: String,
    config: WebSocketConfig,
}

impl Ctx {
    async fn connect(&self, room: &str) -> Result<Ws> {
        let url = format!("{}/?room={room}", self.endpoint);
        let host = self.endpoint.trim_start_matches("ws://");
        let tcp = TcpStream::connect(host).await.map_err(|e| format!("connect {host}: {e}"))?;
        tcp.set_nodelay(true).map_err(|e| e.to_string())?;
        let (ws, _) = tokio_tungstenite::client_async_with_config(url, tcp, Some(self.config))
            .await
            .map_err(|e| e.to_string())?;
        Ok(ws)
    }
}

/// The frame our client sends for `sendToGroup` (same field order and sizes).
fn publish_frame(out: &mut String, ack_id: Option<u64>, data: &str) {
    out.clear();
    out.push_str("{\"type\":\"sendToGroup\",\"group\":\"");
    out.push_str(GROUP);
    out.push('"');
    if let Some(id) = ack_id {
        out.push_str(",\"ackId\":");
        out.push_str(&id.to_string());
    }
    out.push_str(",\"noEcho\":false,\"dataType\":\"text\",\"data\":\"");
    out.push_str(data);
    out.push_str("\"}");
}

/// The payload index in a delivered frame (`..."data":"000000000042xxx...`).
fn delivered_index(text: &str) -> Option<u64> {
    let start = text.find("\"data\":\"")? + 8;
    payload_index(&text[start..])
}

fn ack_of(message: &Message) -> Option<u64> {
    match message {
        Message::Text(t) => {
            let t = t.as_str();
            let start = t.find("\"ackId\":")? + 8;
            let digits = t[start..].bytes().take_while(u8::is_ascii_digit).count();
            t[start..start + digits].parse().ok()
        }
        _ => None,
    }
}

async fn next_text(ws: &mut Ws) -> Result<String> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => return Ok(t.as_str().to_string()),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e.to_string()),
            None => return Err("connection closed".into()),
        }
    }
}

async fn seq(ctx: &Ctx) -> Result<(Vec<Map<String, Value>>, Value)> {
    let mut ws = ctx.connect("seq").await?;
    let payload = payload(0, ctx.args.num("size", 64));
    let mut frame = String::new();
    let mut ack_id = 0u64;
    let mut reps = Vec::new();
    for rep in 0..=ctx.args.num("reps", 5) {
        let duration = ctx.args.rep_duration(rep);
        let meter = Meter::start(ctx.args.server_pid());
        let mut count = 0u64;
        while meter.elapsed() < duration {
            ack_id += 1;
            publish_frame(&mut frame, Some(ack_id), &payload);
            ws.send(Message::text(frame.as_str())).await.map_err(|e| e.to_string())?;
            loop {
                let message = ws.next().await.ok_or("closed")?.map_err(|e| e.to_string())?;
                if ack_of(&message) == Some(ack_id) {
                    break;
                }
            }
            count += 1;
        }
        let r = rate_rep(&meter, count);
        if rep > 0 {
            reps.push(r);
        }
    }
    Ok((reps, json!({})))
}

async fn pipe(ctx: &Ctx) -> Result<(Vec<Map<String, Value>>, Value)> {
    let mut ws = ctx.connect("pipe").await?;
    let payload = payload(0, ctx.args.num("size", 64));
    let window: u64 = ctx.args.num("window", 1000);
    let mut frame = String::new();
    let mut next_id = 0u64;
    let mut reps = Vec::new();
    for rep in 0..=ctx.args.num("reps", 5) {
        let duration = ctx.args.rep_duration(rep);
        let meter = Meter::start(ctx.args.server_pid());
        let (mut sent, mut acked) = (0u64, 0u64);
        loop {
            let sending = meter.elapsed() < duration;
            if !sending && acked == sent {
                break;
            }
            while sending && sent - acked < window {
                next_id += 1;
                sent += 1;
                publish_frame(&mut frame, Some(next_id), &payload);
                ws.feed(Message::text(frame.as_str())).await.map_err(|e| e.to_string())?;
            }
            ws.flush().await.map_err(|e| e.to_string())?;
            let first = ws.next().await.ok_or("closed")?.map_err(|e| e.to_string())?;
            acked += ack_of(&first).is_some() as u64;
            while let Some(Some(next)) = ws.next().now_or_never() {
                acked += ack_of(&next.map_err(|e| e.to_string())?).is_some() as u64;
            }
        }
        let r = rate_rep(&meter, acked);
        if rep > 0 {
            reps.push(r);
        }
    }
    Ok((reps, json!({"window": window})))
}

/// A receiver task that checks indexes and counts receipts.
fn spawn_receiver(mut ws: Ws, progress: Arc<Progress>, order: Arc<std::sync::Mutex<Sequence>>) {
    tokio::spawn(async move {
        let mut sequence = Sequence::default();
        while let Some(Ok(message)) = ws.next().await {
            let mut batch = 0;
            if let Message::Text(t) = &message {
                if let Some(i) = delivered_index(t.as_str()) {
                    sequence.see(i);
                    batch += 1;
                }
            }
            // Count what is already buffered in one go.
            while let Some(Some(Ok(Message::Text(t)))) = ws.next().now_or_never() {
                if let Some(i) = delivered_index(t.as_str()) {
                    sequence.see(i);
                    batch += 1;
                }
            }
            if batch > 0 {
                *order.lock().unwrap() = sequence;
                progress.add(batch);
            }
        }
    });
}

async fn faf(ctx: &Ctx) -> Result<(Vec<Map<String, Value>>, Value)> {
    let size = ctx.args.num("size", 64);
    let room = format!("faf{size}");
    let receiver = ctx.connect(&room).await?;
    let mut sender = ctx.connect(&room).await?;
    let progress = Arc::new(Progress::default());
    let order = Arc::new(std::sync::Mutex::new(Sequence::default()));
    spawn_receiver(receiver, progress.clone(), order.clone());
    let mut frame = String::new();
    let mut next = 0u64;
    let mut count: u64 = ctx.args.num("count", 0);
    let mut reps = Vec::new();
    for rep in 0..=ctx.args.num("reps", 5) {
        let n = if rep == 0 { ctx.args.num("warmup", 2000u64) } else { count };
        let meter = Meter::start(ctx.args.server_pid());
        for _ in 0..n {
            publish_frame(&mut frame, None, &payload(next, size));
            next += 1;
            sender.feed(Message::text(frame.as_str())).await.map_err(|e| e.to_string())?;
        }
        sender.flush().await.map_err(|e| e.to_string())?;
        if !progress.wait_for(next, WAIT).await {
            return Err(format!("received {} of {next} messages", progress.received()));
        }
        let mut r = Map::new();
        let elapsed = meter.finish(&mut r);
        let rate = n as f64 / elapsed;
        if rep == 0 && count == 0 {
            count = count_for(rate, ctx.args.duration(), 1000, 5_000_000);
        }
        let order = order.lock().unwrap();
        r.insert("rate".into(), json!(rate));
        r.insert("messages".into(), json!(n));
        r.insert("lost".into(), json!(next.saturating_sub(order.received)));
        r.insert("out_of_order".into(), json!(order.out_of_order));
        if rep > 0 {
            reps.push(r);
        }
    }
    Ok((reps, json!({"size": size})))
}

async fn latency(ctx: &Ctx) -> Result<(Vec<Map<String, Value>>, Value)> {
    let mut receiver = ctx.connect("latency").await?;
    let mut sender = ctx.connect("latency").await?;
    let size = ctx.args.num("size", 64);
    let count: u64 = ctx.args.num("count", 10_000);
    let mut frame = String::new();
    let mut next = 0u64;
    let mut reps = Vec::new();
    for rep in 0..=ctx.args.num("reps", 3) {
        let n = if rep == 0 { count / 5 } else { count };
        let mut samples = Vec::with_capacity(n as usize);
        let meter = Meter::start(ctx.args.server_pid());
        for _ in 0..n {
            publish_frame(&mut frame, None, &payload(next, size));
            let t0 = Instant::now();
            sender.send(Message::text(frame.as_str())).await.map_err(|e| e.to_string())?;
            loop {
                let text = next_text(&mut receiver).await?;
                if delivered_index(&text) == Some(next) {
                    break;
                }
            }
            samples.push(t0.elapsed().as_secs_f64());
            next += 1;
        }
        let mut r = latency_rep(samples);
        meter.finish(&mut r);
        if rep > 0 {
            reps.push(r);
        }
    }
    Ok((reps, json!({})))
}

async fn recovery(ctx: &Ctx) -> Result<(Vec<Map<String, Value>>, Value)> {
    let ctx = Arc::new(Ctx { args: ctx.args.clone(), endpoint: ctx.endpoint.clone(), config: ctx.config });
    let mut sender = ctx.connect("recovery").await?;
    let (tx, mut rx) = mpsc::unbounded_channel::<u64>();
    let receiving = ctx.clone();
    let mut first = Some(ctx.connect("recovery").await?);
    tokio::spawn(async move {
        loop {
            let mut ws = match first.take() {
                Some(ws) => ws,
                None => match receiving.connect("recovery").await {
                    Ok(ws) => ws,
                    Err(_) => continue,
                },
            };
            while let Some(Ok(message)) = ws.next().await {
                if let Message::Text(t) = message {
                    if let Some(i) = delivered_index(t.as_str()) {
                        if tx.send(i).is_err() {
                            return;
                        }
                    }
                }
            }
        }
    });
    let burst: u64 = ctx.args.num("burst", 20);
    let mut frame = String::new();
    let mut sequence = Sequence::default();
    let mut next = 0u64;
    let mut samples = Vec::new();
    let meter = Meter::start(ctx.args.server_pid());
    for _ in 0..ctx.args.num("drops", 20u32) {
        for _ in 0..burst {
            publish_frame(&mut frame, None, &payload(next, 64));
            next += 1;
            sender.feed(Message::text(frame.as_str())).await.map_err(|e| e.to_string())?;
        }
        sender.flush().await.map_err(|e| e.to_string())?;
        while sequence.received < next {
            sequence
                .see(tokio::time::timeout(WAIT, rx.recv()).await.map_err(|_| "burst not received")?.ok_or("ended")?);
        }
        let t0 = Instant::now();
        sender.send(Message::text("__drop__")).await.map_err(|e| e.to_string())?;
        while next_text(&mut sender).await? != "__dropped__" {}
        publish_frame(&mut frame, None, &payload(next, 64));
        next += 1;
        sender.send(Message::text(frame.as_str())).await.map_err(|e| e.to_string())?;
        sequence.see(tokio::time::timeout(WAIT, rx.recv()).await.map_err(|_| "marker not received")?.ok_or("ended")?);
        samples.push(t0.elapsed().as_secs_f64());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut r = recovery_rep(samples);
    meter.finish(&mut r);
    r.insert("lost".into(), json!(next - sequence.received));
    r.insert("out_of_order".into(), json!(sequence.out_of_order));
    Ok((vec![r], json!({"burst": burst})))
}

/// Opens `n` connections to `room`, 64 at a time, each served by a task that reads it.
async fn open_many(ctx: &Ctx, room: &str, n: usize, progress: Option<Arc<Progress>>) -> Result<Vec<mpsc::Sender<()>>> {
    let mut keep = Vec::with_capacity(n);
    let mut opened = futures_util::stream::iter(0..n).map(|_| ctx.connect(room)).buffer_unordered(64);
    while let Some(ws) = opened.next().await {
        let mut ws = ws?;
        let progress = progress.clone();
        let (stop, mut stopped) = mpsc::channel::<()>(1);
        keep.push(stop);
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    m = ws.next() => match m {
                        Some(Ok(Message::Text(_))) => if let Some(p) = &progress { p.add(1) },
                        Some(Ok(_)) => {}
                        _ => return,
                    },
                    _ = stopped.recv() => return,
                }
            }
        });
    }
    Ok(keep)
}

async fn memory(ctx: &Ctx) -> Result<(Vec<Map<String, Value>>, Value)> {
    let n: usize = ctx.args.num("clients", 1000);
    let _warm = open_many(ctx, "memory", 1, None).await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = proc::rss_kib().unwrap_or(0);
    let t0 = Instant::now();
    let _conns = open_many(ctx, "memory", n, None).await?;
    let connect_s = t0.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs_f64(ctx.args.num("settle", 2.0))).await;
    let after = proc::rss_kib().unwrap_or(0);
    let mut r = Map::new();
    r.insert("kib_per_client".into(), json!((after.saturating_sub(before)) as f64 / n as f64));
    r.insert("clients".into(), json!(n));
    r.insert("rss_before_kib".into(), json!(before));
    r.insert("rss_after_kib".into(), json!(after));
    r.insert("connect_s".into(), json!(connect_s));
    Ok((vec![r], json!({})))
}

async fn scale(ctx: &Ctx) -> Result<(Vec<Map<String, Value>>, Value)> {
    let n: usize = ctx.args.num("clients", 10_000);
    let broadcasts: u64 = ctx.args.num("broadcasts", 5);
    let progress = Arc::new(Progress::default());
    let before = proc::rss_kib().unwrap_or(0);
    let t0 = Instant::now();
    let _conns = open_many(ctx, "scale", n, Some(progress.clone())).await?;
    let connect_s = t0.elapsed().as_secs_f64();
    let mut sender = ctx.connect("scale").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = proc::rss_kib().unwrap_or(0);
    let mut frame = String::new();
    let mut times = Vec::new();
    let meter = Meter::start(ctx.args.server_pid());
    for b in 0..broadcasts {
        publish_frame(&mut frame, None, &payload(b, 64));
        let t = Instant::now();
        sender.send(Message::text(frame.as_str())).await.map_err(|e| e.to_string())?;
        let target = (b + 1) * n as u64;
        if !progress.wait_for(target, WAIT).await {
            return Err(format!("broadcast {b}: {} of {target} receipts", progress.received()));
        }
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let mut r = Map::new();
    meter.finish(&mut r);
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    r.insert("clients".into(), json!(n));
    r.insert("connect_s".into(), json!(connect_s));
    r.insert("connect_rate".into(), json!(n as f64 / connect_s));
    r.insert("broadcast_ms_p50".into(), json!(quantile(&sorted, 0.5)));
    r.insert("broadcast_ms".into(), json!(times));
    r.insert("kib_per_client".into(), json!((after.saturating_sub(before)) as f64 / n as f64));
    r.insert("received".into(), json!(progress.received()));
    Ok((vec![r], json!({})))
}

fn main() {
    let args = Args::parse();
    proc::raise_fd_limit();
    let buffer: usize = args.num("buffer", 4096);
    let ctx = Ctx {
        endpoint: args.required("endpoint").trim_end_matches('/').to_string(),
        config: WebSocketConfig::default().read_buffer_size(buffer).write_buffer_size(buffer),
        args: args.clone(),
    };
    execute(CONTENDER, &args, async move { run(&ctx).await });
}

async fn run(ctx: &Ctx) -> Outcome {
    match ctx.args.workload.as_str() {
        "seq" => seq(ctx).await,
        "pipe" => pipe(ctx).await,
        "faf" => faf(ctx).await,
        "latency" => latency(ctx).await,
        "recovery" => recovery(ctx).await,
        "memory" => memory(ctx).await,
        "scale" => scale(ctx).await,
        other => Err(format!("unknown workload {other:?}")),
    }
}
