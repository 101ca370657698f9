//! Shared pieces of the Rust benchmark contenders: the command line every contender program
//! accepts (see `bench/README.md`), payloads, the process meters read from /proc, statistics,
//! and a minimal HTTP client for the emulator's control surface.
//!
//! Every contender prints exactly one JSON line on stdout:
//! `{"contender": ..., "workload": ..., "reps": [{metric: value, ...}, ...], "info": {...}}`
//! or `{"contender": ..., "workload": ..., "error": "..."}`; `bench/run.py` aggregates them.

use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::future::Future;
use std::time::{Duration, Instant};

pub mod control;
pub mod proc;

/// The group every throughput workload publishes to (the hub is per run).
pub const GROUP: &str = "bench";

/// The parsed command line: `<workload> [--name value]...`.
#[derive(Debug, Clone)]
pub struct Args {
    pub workload: String,
    values: HashMap<String, String>,
}

impl Args {
    pub fn parse() -> Args {
        let mut args = std::env::args().skip(1);
        let workload = args.next().unwrap_or_default();
        Self::with_options(workload, args)
    }

    /// Only `--name value` options (no workload).
    pub fn parse_options() -> Args {
        Self::with_options(String::new(), std::env::args().skip(1))
    }

    fn with_options(workload: String, mut args: impl Iterator<Item = String>) -> Args {
        let mut values = HashMap::new();
        while let Some(name) = args.next() {
            let Some(name) = name.strip_prefix("--") else {
                fail_usage(&format!("unexpected argument {name:?}"));
            };
            let value = args.next().unwrap_or_else(|| fail_usage(&format!("--{name} needs a value")));
            values.insert(name.to_string(), value);
        }
        Args { workload, values }
    }

    pub fn str(&self, name: &str, default: &str) -> String {
        self.values.get(name).cloned().unwrap_or_else(|| default.to_string())
    }

    pub fn num<T: std::str::FromStr>(&self, name: &str, default: T) -> T {
        match self.values.get(name) {
            None => default,
            Some(v) => v.parse().unwrap_or_else(|_| fail_usage(&format!("--{name}: {v:?} is not a number"))),
        }
    }

    pub fn required(&self, name: &str) -> String {
        self.values.get(name).cloned().unwrap_or_else(|| fail_usage(&format!("--{name} is required")))
    }

    /// Seconds per measured repetition of the time-bounded workloads.
    pub fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.num("duration", 2.0))
    }

    /// The length of repetition `rep` of a time-bounded workload: repetition 0 is the
    /// half-length warm-up that is not reported.
    pub fn rep_duration(&self, rep: usize) -> Duration {
        if rep == 0 {
            self.duration() / 2
        } else {
            self.duration()
        }
    }

    /// The PID whose CPU time is reported as the server's (emulator or ceiling relay).
    pub fn server_pid(&self) -> Option<u32> {
        self.values.get("server-pid").and_then(|v| v.parse().ok())
    }
}

fn fail_usage(message: &str) -> ! {
    eprintln!("usage: <program> <seq|pipe|faf|latency|recovery|memory|scale> --endpoint URL [--server-pid PID] [--reps N] [--duration S] [--size BYTES] [--count N] [--window N] [--clients N] [--drops N]\nerror: {message}");
    std::process::exit(2);
}

/// A text payload of exactly `size` bytes (at least 12) that starts with its index as 12
/// zero-padded digits, so a receiver can check for loss, duplicates and order.
pub fn payload(index: u64, size: usize) -> String {
    let mut s = format!("{index:012}");
    s.extend(std::iter::repeat_n('x', size.saturating_sub(12)));
    s
}

/// The index a [`payload`] starts with.
pub fn payload_index(text: &str) -> Option<u64> {
    text.get(..12)?.parse().ok()
}

/// Checks that received indexes arrive exactly once and in order.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sequence {
    pub next: u64,
    pub received: u64,
    pub out_of_order: u64,
}

impl Sequence {
    pub fn see(&mut self, index: u64) {
        self.received += 1;
        if index == self.next {
            self.next += 1;
        } else {
            self.out_of_order += 1;
            self.next = self.next.max(index + 1);
        }
    }
}

/// Receipts counted by receiver tasks; the main task waits until a target count is reached.
#[derive(Default)]
pub struct Progress {
    received: std::sync::atomic::AtomicU64,
    target: std::sync::atomic::AtomicU64,
    reached: tokio::sync::Notify,
}

impl Progress {
    /// Counts one receipt.
    pub fn add(&self, n: u64) {
        use std::sync::atomic::Ordering::SeqCst;
        let now = self.received.fetch_add(n, SeqCst) + n;
        let target = self.target.load(SeqCst);
        if target > 0 && now >= target && now - n < target {
            self.reached.notify_one();
        }
    }

    pub fn received(&self) -> u64 {
        self.received.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Waits until `target` receipts in total were counted; false after `timeout`.
    pub async fn wait_for(&self, target: u64, timeout: Duration) -> bool {
        use std::sync::atomic::Ordering::SeqCst;
        self.target.store(target, SeqCst);
        let deadline = tokio::time::Instant::now() + timeout;
        while self.received.load(SeqCst) < target {
            if tokio::time::timeout_at(deadline, self.reached.notified()).await.is_err() {
                return self.received.load(SeqCst) >= target;
            }
        }
        true
    }
}

/// Wall time plus the CPU time of this process and of the server, over one repetition.
pub struct Meter {
    started: Instant,
    self_cpu: f64,
    server_cpu: Option<f64>,
    server_pid: Option<u32>,
}

impl Meter {
    pub fn start(server_pid: Option<u32>) -> Meter {
        Meter {
            started: Instant::now(),
            self_cpu: proc::cpu_seconds(None).unwrap_or(0.0),
            server_cpu: server_pid.and_then(|p| proc::cpu_seconds(Some(p))),
            server_pid,
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// `elapsed_s`, and `client_cpu` / `server_cpu` as fractions of one core.
    pub fn finish(&self, rep: &mut Map<String, Value>) -> f64 {
        let elapsed = self.started.elapsed().as_secs_f64();
        let self_cpu = proc::cpu_seconds(None).unwrap_or(0.0) - self.self_cpu;
        rep.insert("elapsed_s".into(), json!(elapsed));
        rep.insert("client_cpu".into(), json!(self_cpu / elapsed));
        if let (Some(before), Some(after)) = (self.server_cpu, self.server_pid.and_then(|p| proc::cpu_seconds(Some(p))))
        {
            rep.insert("server_cpu".into(), json!((after - before) / elapsed));
        }
        elapsed
    }
}

/// One repetition of a throughput workload: `count` messages over the meter's time.
pub fn rate_rep(meter: &Meter, count: u64) -> Map<String, Value> {
    let mut rep = Map::new();
    let elapsed = meter.finish(&mut rep);
    rep.insert("rate".into(), json!(count as f64 / elapsed));
    rep.insert("messages".into(), json!(count));
    rep
}

/// The `q`-quantile (0..=1) of sorted samples (nearest rank).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Latency percentiles in microseconds of `samples` (seconds), as one repetition.
pub fn latency_rep(mut samples: Vec<f64>) -> Map<String, Value> {
    samples.sort_by(f64::total_cmp);
    let us = |q: f64| quantile(&samples, q) * 1e6;
    let mean = samples.iter().sum::<f64>() / samples.len().max(1) as f64;
    let mut rep = Map::new();
    rep.insert("p50_us".into(), json!(us(0.50)));
    rep.insert("p99_us".into(), json!(us(0.99)));
    rep.insert("p999_us".into(), json!(us(0.999)));
    rep.insert("max_us".into(), json!(us(1.0)));
    rep.insert("mean_us".into(), json!(mean * 1e6));
    rep.insert("samples".into(), json!(samples.len()));
    rep
}

/// Recovery times (seconds) as one repetition: p50 and max in milliseconds.
pub fn recovery_rep(mut samples: Vec<f64>) -> Map<String, Value> {
    let ms: Vec<f64> = samples.iter().map(|s| s * 1e3).collect();
    samples.sort_by(f64::total_cmp);
    let mut rep = Map::new();
    rep.insert("p50_ms".into(), json!(quantile(&samples, 0.5) * 1e3));
    rep.insert("max_ms".into(), json!(quantile(&samples, 1.0) * 1e3));
    rep.insert("drops".into(), json!(samples.len()));
    rep.insert("samples_ms".into(), json!(ms));
    rep
}

/// How many messages a repetition of about `duration` needs at `rate` per second.
pub fn count_for(rate: f64, duration: Duration, min: u64, max: u64) -> u64 {
    ((rate * duration.as_secs_f64()) as u64).clamp(min, max)
}

/// The Tokio runtime of a contender: `--runtime multi` (default: what `#[tokio::main]`
/// builds, one worker per core) or `--runtime current` (everything on the main thread).
pub fn runtime(args: &Args) -> tokio::runtime::Runtime {
    let mut builder = match args.str("runtime", "multi").as_str() {
        "current" => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    builder.enable_all().build().expect("a Tokio runtime")
}

/// What a workload returns: its reported repetitions and extra information.
pub type Outcome = Result<(Vec<Map<String, Value>>, Value), String>;

/// Runs a contender's workload on the runtime `--runtime` asks for and prints its one result
/// line. The workload runs as a spawned task, as application code in a Tokio program does
/// (on a worker thread of the multi-thread runtime), not on the thread of `block_on`.
pub fn execute(contender: &str, args: &Args, workload: impl Future<Output = Outcome> + Send + 'static) {
    let runtime = runtime(args);
    let outcome = runtime.block_on(async move {
        tokio::spawn(workload).await.unwrap_or_else(|e| Err(format!("the workload panicked: {e}")))
    });
    let line = match outcome {
        Ok((reps, info)) => json!({"contender": contender, "workload": args.workload, "reps": reps, "info": info}),
        Err(error) => json!({"contender": contender, "workload": args.workload, "error": error}),
    };
    println!("{line}");
    runtime.shutdown_timeout(Duration::from_millis(100));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_carry_their_index_and_size() {
        for size in [12, 64, 1024] {
            let p = payload(42, size);
            assert_eq!(p.len(), size);
            assert_eq!(payload_index(&p), Some(42));
        }
        assert_eq!(payload_index("12345"), None);
    }

    #[test]
    fn sequence_counts_gaps_and_duplicates_as_out_of_order() {
        let mut s = Sequence::default();
        for i in [0, 1, 3, 3, 4] {
            s.see(i);
        }
        assert_eq!((s.received, s.next, s.out_of_order), (5, 5, 2));
    }

    #[test]
    fn quantiles_use_the_nearest_rank() {
        let sorted: Vec<f64> = (1..=1000).map(f64::from).collect();
        assert_eq!(quantile(&sorted, 0.5), 500.0);
        assert_eq!(quantile(&sorted, 0.99), 990.0);
        assert_eq!(quantile(&sorted, 0.999), 999.0);
        assert_eq!(quantile(&sorted, 1.0), 1000.0);
    }
}
