//! The Rust API contender: `webpubsub-client` with default options against the emulator.
//!
//! Usage: `bench-ours <workload> --endpoint http://127.0.0.1:PORT [options]` (see
//! `bench/README.md`). Every client gets its URL from the emulator's control surface; drops
//! go through it too, as for every other contender.

use futures_util::StreamExt;
use serde_json::{json, Map, Value};
use std::collections::VecDeque;
use std::future::IntoFuture;
use std::sync::Arc;
use std::time::{Duration, Instant};
use webpubsub_bench::control::Control;
use webpubsub_bench::*;
use webpubsub_client::{ClientOptions, Credential, Data, Event, EventReceiver, WebPubSubClient};

type Result<T> = std::result::Result<T, String>;

const CONTENDER: &str = "rust";
const WAIT: Duration = Duration::from_secs(20);

struct Ctx {
    args: Args,
    control: Control,
    hub: String,
}

impl Ctx {
    /// A started client of `user`, with default options.
    async fn client(&self, user: &str) -> Result<(WebPubSubClient, EventReceiver)> {
        let url = self.control.client_access_url(&self.hub, user).await?;
        let (client, events) =
            WebPubSubClient::with_options(Credential::url(url), ClientOptions::default()).map_err(|e| e.to_string())?;
        client.start().await.map_err(|e| e.to_string())?;
        Ok((client, events))
    }
}

fn text_of(data: &Data) -> Option<&str> {
    match data {
        Data::Text(t) => Some(t),
        _ => None,
    }
}

/// The payload index of a group message event.
fn index_of(event: &Event) -> Option<u64> {
    match event {
        Event::GroupMessage(m) => text_of(&m.data).and_then(payload_index),
        _ => None,
    }
}

async fn seq(ctx: &Ctx) -> Result<(Vec<Map<String, Value>>, Value)> {
    let (client, _events) = ctx.client("sender").await?;
    let payload = payload(0, ctx.args.num("size", 64));
    let mut reps = Vec::new();
    for rep in 0..=ctx.args.num("reps", 5) {
        let duration = ctx.args.rep_duration(rep);
        let meter = Meter::start(ctx.args.server_pid());
        let mut count = 0u64;
        while meter.elapsed() < duration {
            client.send_to_group(GROUP, Data::text(payload.clone())).await.map_err(|e| e.to_string())?;
            count += 1;
        }
        let r = rate_rep(&meter, count);
        if rep > 0 {
            reps.push(r);
        }
    }
    client.stop().await;
    Ok((reps, json!({})))
}

async fn pipe(ctx: &Ctx) -> Result<(Vec<Map<String, Value>>, Value)> {
    let (client, _events) = ctx.client("sender").await?;
    let payload = payload(0, ctx.args.num("size", 64));
    let window: usize = ctx.args.num("window", 1000);
    let mut reps = Vec::new();
    for rep in 0..=ctx.args.num("reps", 5) {
        let duration = ctx.args.rep_duration(rep);
        let meter = Meter::start(ctx.args.server_pid());
        // A window of queued sends; acks come back in order, so waiting for the oldest is
        // enough (a `FuturesUnordered` would poll every completion, at about 20% more CPU).
        let mut in_flight = VecDeque::with_capacity(window);
        let (mut acked, mut sending) = (0u64, true);
        loop {
            // Reading the clock once per ack would cost a few percent of this loop.
            if acked % 64 == 0 {
                sending = meter.elapsed() < duration;
            }
            while sending && in_flight.len() < window {
                in_flight.push_back(client.send_to_group(GROUP, Data::text(payload.clone())).into_future());
            }
            match in_flight.pop_front() {
                Some(send) => {
                    send.await.map_err(|e| e.to_string())?;
                    acked += 1;
                }
                None => break,
            }
        }
        let r = rate_rep(&meter, acked);
        if rep > 0 {
            reps.push(r);
        }
    }
    client.stop().await;
    Ok((reps, json!({"window": window})))
}

/// Consumes a receiver's events in a task: checks indexes, counts group messages.
fn spawn_receiver(mut events: EventReceiver, progress: Arc<Progress>, order: Arc<std::sync::Mutex<Sequence>>) {
    tokio::spawn(async move {
        let mut sequence = Sequence::default();
        while let Some(event) = events.recv().await {
            if let Some(i) = index_of(&event) {
                sequence.see(i);
                *order.lock().unwrap() = sequence;
                progress.add(1);
            }
        }
    });
}

async fn faf(ctx: &Ctx) -> Result<(Vec<Map<String, Value>>, Value)> {
    let size = ctx.args.num("size", 64);
    let (receiver, events) = ctx.client("receiver").await?;
    receiver.join_group(GROUP).await.map_err(|e| e.to_string())?;
    let (sender, _sender_events) = ctx.client("sender").await?;
    let progress = Arc::new(Progress::default());
    let order = Arc::new(std::sync::Mutex::new(Sequence::default()));
    spawn_receiver(events, progress.clone(), order.clone());
    let mut next = 0u64;
    let mut count: u64 = ctx.args.num("count", 0);
    let mut reps = Vec::new();
    for rep in 0..=ctx.args.num("reps", 5) {
        let n = if rep == 0 { ctx.args.num("warmup", 2000u64) } else { count };
        let meter = Meter::start(ctx.args.server_pid());
        for _ in 0..n {
            let data = Data::text(payload(next, size));
            next += 1;
            sender.send_to_group(GROUP, data).fire_and_forget(true).await.map_err(|e| e.to_string())?;
        }
        if !progress.wait_for(next, WAIT).await {
            return Err(format!("received {} of {next} messages", progress.received()));
        }
        let mut r = Map::new();
        let elapsed = meter.finish(&mut r);
        let rate = n as f64 / elapsed;
        if rep == 0 && count == 0 {
            count = count_for(rate, ctx.args.duration(), 1000, 5_000_000);
        }
        let order = *order.lock().unwrap();
        r.insert("rate".into(), json!(rate));
        r.insert("messages".into(), json!(n));
        r.insert("lost".into(), json!(next.saturating_sub(order.received)));
        r.insert("out_of_order".into(), json!(order.out_of_order));
        if rep > 0 {
            reps.push(r);
        }
    }
    sender.stop().await;
    receiver.stop().await;
    Ok((reps, json!({"size": size})))
}

/// Reads events until the group message with payload index `index`.
async fn receive_index(events: &mut EventReceiver, index: u64, sequence: &mut Sequence) -> Result<()> {
    loop {
        let event =
            tokio::time::timeout(WAIT, events.recv()).await.map_err(|_| format!("message {index} not received"))?;
        let event = event.ok_or("the receiver ended")?;
        if let Some(i) = index_of(&event) {
            sequence.see(i);
            if i == index {
                return Ok(());
            }
        }
    }
}

async fn latency(ctx: &Ctx) -> Result<(Vec<Map<String, Value>>, Value)> {
    let (receiver, mut events) = ctx.client("receiver").await?;
    receiver.join_group(GROUP).await.map_err(|e| e.to_string())?;
    let (sender, _sender_events) = ctx.client("sender").await?;
    let size = ctx.args.num("size", 64);
    let count: u64 = ctx.args.num("count", 10_000);
    let mut sequence = Sequence::default();
    let mut next = 0u64;
    let mut reps = Vec::new();
    for rep in 0..=ctx.args.num("reps", 3) {
        let n = if rep == 0 { count / 5 } else { count };
        let mut samples = Vec::with_capacity(n as usize);
        let meter = Meter::start(ctx.args.server_pid());
        for _ in 0..n {
            let data = Data::text(payload(next, size));
            let t0 = Instant::now();
            sender.send_to_group(GROUP, data).fire_and_forget(true).await.map_err(|e| e.to_string())?;
            receive_index(&mut events, next, &mut sequence).await?;
            samples.push(t0.elapsed().as_secs_f64());
            next += 1;
        }
        let mut r = latency_rep(samples);
        meter.finish(&mut r);
        if rep > 0 {
            reps.push(r);
        }
    }
    Ok((reps, json!({"out_of_order": sequence.out_of_order})))
}

async fn recovery(ctx: &Ctx) -> Result<(Vec<Map<String, Value>>, Value)> {
    let (receiver, mut events) = ctx.client("receiver").await?;
    receiver.join_group(GROUP).await.map_err(|e| e.to_string())?;
    let (sender, _sender_events) = ctx.client("sender").await?;
    let burst: u64 = ctx.args.num("burst", 20);
    let mut sequence = Sequence::default();
    let mut next = 0u64;
    let mut samples = Vec::new();
    let mut reported = Vec::new();
    let meter = Meter::start(ctx.args.server_pid());
    for _ in 0..ctx.args.num("drops", 20u32) {
        for _ in 0..burst {
            sender
                .send_to_group(GROUP, Data::text(payload(next, 64)))
                .fire_and_forget(true)
                .await
                .map_err(|e| e.to_string())?;
            next += 1;
        }
        receive_index(&mut events, next - 1, &mut sequence).await?;
        let id = receiver.connection_id().ok_or("the receiver has no connection id")?;
        let t0 = Instant::now();
        ctx.control.drop_connection(&id).await?;
        sender
            .send_to_group(GROUP, Data::text(payload(next, 64)))
            .fire_and_forget(true)
            .await
            .map_err(|e| e.to_string())?;
        // The marker can only arrive through the recovered connection.
        loop {
            let event =
                tokio::time::timeout(WAIT, events.recv()).await.map_err(|_| "marker not received")?.ok_or("ended")?;
            if let Event::Recovered { elapsed, .. } = &event {
                reported.push(elapsed.as_secs_f64() * 1e3);
            }
            if let Some(i) = index_of(&event) {
                sequence.see(i);
                if i == next {
                    break;
                }
            }
        }
        samples.push(t0.elapsed().as_secs_f64());
        next += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut r = recovery_rep(samples);
    meter.finish(&mut r);
    r.insert("lost".into(), json!(next.saturating_sub(sequence.received)));
    r.insert("out_of_order".into(), json!(sequence.out_of_order));
    Ok((vec![r], json!({"burst": burst, "reported_recovered_ms": reported})))
}

/// Starts `n` clients of the same URL, 64 at a time; with `join`, each joins `group`.
async fn start_many(ctx: &Ctx, n: usize, join: Option<&str>) -> Result<Vec<(WebPubSubClient, EventReceiver)>> {
    let url = ctx.control.client_access_url(&ctx.hub, "many").await?;
    let mut started = futures_util::stream::iter(0..n)
        .map(|_| {
            let url = url.clone();
            async move {
                let (client, events) = WebPubSubClient::with_options(Credential::url(url), ClientOptions::default())
                    .map_err(|e| e.to_string())?;
                client.start().await.map_err(|e| e.to_string())?;
                if let Some(group) = join {
                    client.join_group(group).await.map_err(|e| e.to_string())?;
                }
                Ok::<_, String>((client, events))
            }
        })
        .buffer_unordered(64);
    let mut clients = Vec::with_capacity(n);
    while let Some(client) = started.next().await {
        clients.push(client?);
    }
    Ok(clients)
}

async fn memory(ctx: &Ctx) -> Result<(Vec<Map<String, Value>>, Value)> {
    let n: usize = ctx.args.num("clients", 1000);
    let _warm = start_many(ctx, 1, None).await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = proc::rss_kib().unwrap_or(0);
    let t0 = Instant::now();
    let clients = start_many(ctx, n, None).await?;
    let connect_s = t0.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs_f64(ctx.args.num("settle", 2.0))).await;
    let after = proc::rss_kib().unwrap_or(0);
    let mut r = Map::new();
    r.insert("kib_per_client".into(), json!((after.saturating_sub(before)) as f64 / n as f64));
    r.insert("clients".into(), json!(n));
    r.insert("rss_before_kib".into(), json!(before));
    r.insert("rss_after_kib".into(), json!(after));
    r.insert("connect_s".into(), json!(connect_s));
    drop(clients);
    Ok((vec![r], json!({})))
}

async fn scale(ctx: &Ctx) -> Result<(Vec<Map<String, Value>>, Value)> {
    let n: usize = ctx.args.num("clients", 10_000);
    let broadcasts: u64 = ctx.args.num("broadcasts", 5);
    let before = proc::rss_kib().unwrap_or(0);
    let t0 = Instant::now();
    let clients = start_many(ctx, n, Some("scale")).await?;
    let connect_s = t0.elapsed().as_secs_f64();
    let progress = Arc::new(Progress::default());
    let mut handles = Vec::with_capacity(n);
    for (client, mut events) in clients {
        let progress = progress.clone();
        handles.push(client);
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                if matches!(event, Event::GroupMessage(_)) {
                    progress.add(1);
                }
            }
        });
    }
    let (sender, _sender_events) = ctx.client("sender").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = proc::rss_kib().unwrap_or(0);
    let mut times = Vec::new();
    let meter = Meter::start(ctx.args.server_pid());
    for b in 0..broadcasts {
        let t = Instant::now();
        sender
            .send_to_group("scale", Data::text(payload(b, 64)))
            .fire_and_forget(true)
            .await
            .map_err(|e| e.to_string())?;
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
    drop(handles);
    Ok((vec![r], json!({})))
}

fn main() {
    let args = Args::parse();
    proc::raise_fd_limit();
    let ctx =
        Ctx { control: Control::new(&args.required("endpoint")), hub: args.str("hub", "bench"), args: args.clone() };
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
