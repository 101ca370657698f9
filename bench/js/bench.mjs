// The official JS client contender: @azure/web-pubsub-client (with the `ws` package as its
// WebSocket under Node) with default options, against the emulator.
//
// Usage: node --expose-gc bench.mjs <seq|pipe|faf|latency|recovery|memory|scale>
//        --endpoint http://HOST:PORT [--server-pid PID] [--reps N] [--duration S]
//        [--size BYTES] [--count N] [--window N] [--clients N] [--drops N]
// Prints one JSON line (see bench/README.md). Promise-returning sends are kept up to
// `--window` in flight (1000) where a JS program would not await each one: acked pipelining
// and fire-and-forget publishing.

import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { WebPubSubClient } from "@azure/web-pubsub-client";

const GROUP = "bench";
const WAIT_MS = 20000;
const CONTENDER = "js-official";

const argv = process.argv.slice(2);
const workload = argv[0];
const args = {};
for (let i = 1; i + 1 < argv.length; i += 2) args[argv[i].replace(/^--/, "")] = argv[i + 1];
const num = (name, fallback) => (args[name] === undefined ? fallback : Number(args[name]));
const now = () => performance.now() / 1000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- meters and control surface ------------------------------------------------------------

const TICKS = 100; // USER_HZ on Linux
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid ?? "self"}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return null;
  }
}

function rssKib() {
  if (global.gc) global.gc();
  const line = readFileSync("/proc/self/status", "utf8").split("\n").find((l) => l.startsWith("VmRSS:"));
  return Number(line.split(/\s+/)[1]);
}

class Meter {
  constructor() {
    this.serverPid = num("server-pid", 0) || null;
    this.t0 = now();
    this.self0 = cpuSeconds();
    this.server0 = this.serverPid ? cpuSeconds(this.serverPid) : null;
  }
  elapsed() {
    return now() - this.t0;
  }
  finish(rep) {
    const elapsed = this.elapsed();
    rep.elapsed_s = elapsed;
    rep.client_cpu = (cpuSeconds() - this.self0) / elapsed;
    if (this.server0 !== null) rep.server_cpu = (cpuSeconds(this.serverPid) - this.server0) / elapsed;
    return elapsed;
  }
}

async function control(method, path) {
  const endpoint = (args.endpoint ?? "http://127.0.0.1:8080").replace(/\/$/, "");
  const res = await fetch(endpoint + path, { method });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} -> HTTP ${res.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

async function mintUrl(user) {
  const hub = args.hub ?? "bench";
  const q = `hub=${hub}&userId=${user}&role=webpubsub.joinLeaveGroup&role=webpubsub.sendToGroup`;
  return (await control("GET", `/_emulator/client-access-url?${q}`)).url;
}

const payload = (index, size) => String(index).padStart(12, "0") + "x".repeat(size - 12);

function quantile(sorted, q) {
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
}

function latencyRep(samples) {
  samples.sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return {
    p50_us: quantile(samples, 0.5) * 1e6,
    p99_us: quantile(samples, 0.99) * 1e6,
    p999_us: quantile(samples, 0.999) * 1e6,
    max_us: samples[samples.length - 1] * 1e6,
    mean_us: mean * 1e6,
    samples: samples.length,
  };
}

const countFor = (rate) => Math.floor(Math.max(1000, Math.min(5e6, rate * num("duration", 2))));

// --- clients -------------------------------------------------------------------------------

async function started(user) {
  const client = new WebPubSubClient(await mintUrl(user));
  await client.start();
  return client;
}

/** A receiving client: checks payload indexes; `wait(pred)` resolves once pred() holds. */
class Receiver {
  constructor() {
    this.next = 0;
    this.received = 0;
    this.outOfOrder = 0;
    this.last = -1;
    this.connectionId = null;
    this.waiter = null;
  }
  async start(user) {
    this.client = new WebPubSubClient(await mintUrl(user));
    this.client.on("connected", (e) => (this.connectionId = e.connectionId));
    this.client.on("group-message", (e) => {
      const index = Number(e.message.data.slice(0, 12));
      this.received++;
      this.last = index;
      if (index === this.next) this.next++;
      else {
        this.outOfOrder++;
        this.next = Math.max(this.next, index + 1);
      }
      if (this.waiter && this.waiter.pred()) {
        const w = this.waiter;
        this.waiter = null;
        w.resolve();
      }
    });
    await this.client.start();
    await this.client.joinGroup(GROUP);
    return this;
  }
  wait(pred) {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out: received ${this.received} messages`)), WAIT_MS);
      this.waiter = { pred, resolve: () => (clearTimeout(timer), resolve()) };
    });
  }
  result(sent) {
    return { lost: Math.max(0, sent - this.received), out_of_order: this.outOfOrder };
  }
}

/** Calls `start()` while `more()` holds, keeping up to `window` promises in flight. */
function pump(window, more, start) {
  return new Promise((resolve, reject) => {
    let inFlight = 0;
    let done = 0;
    const fill = () => {
      while (inFlight < window && more()) {
        inFlight++;
        start().then(() => {
          inFlight--;
          done++;
          fill();
        }, reject);
      }
      if (inFlight === 0) resolve(done);
    };
    fill();
  });
}

// --- workloads -----------------------------------------------------------------------------

async function seq() {
  const client = await started("sender");
  const data = payload(0, num("size", 64));
  const reps = [];
  for (let rep = 0; rep <= num("reps", 5); rep++) {
    const duration = num("duration", 2) / (rep === 0 ? 2 : 1);
    const meter = new Meter();
    let count = 0;
    while (meter.elapsed() < duration) {
      await client.sendToGroup(GROUP, data, "text");
      count++;
    }
    const r = { messages: count };
    r.rate = count / meter.finish(r);
    if (rep) reps.push(r);
  }
  client.stop();
  return [reps, {}];
}

async function pipe() {
  const client = await started("sender");
  const data = payload(0, num("size", 64));
  const window = num("window", 1000);
  const reps = [];
  for (let rep = 0; rep <= num("reps", 5); rep++) {
    const duration = num("duration", 2) / (rep === 0 ? 2 : 1);
    const meter = new Meter();
    const acked = await pump(window, () => meter.elapsed() < duration, () => client.sendToGroup(GROUP, data, "text"));
    const r = { messages: acked };
    r.rate = acked / meter.finish(r);
    if (rep) reps.push(r);
  }
  client.stop();
  return [reps, { window }];
}

async function faf() {
  const size = num("size", 64);
  const window = num("window", 1000);
  const receiver = await new Receiver().start("receiver");
  const sender = await started("sender");
  let sent = 0;
  let count = num("count", 0);
  const reps = [];
  for (let rep = 0; rep <= num("reps", 5); rep++) {
    const n = rep === 0 ? num("warmup", 2000) : count;
    const meter = new Meter();
    const end = sent + n;
    await pump(window, () => sent < end, () => sender.sendToGroup(GROUP, payload(sent++, size), "text", { fireAndForget: true }));
    await receiver.wait(() => receiver.received >= sent);
    const r = { messages: n };
    r.rate = n / meter.finish(r);
    if (rep === 0) {
      count = count || countFor(r.rate);
      continue;
    }
    Object.assign(r, receiver.result(sent));
    reps.push(r);
  }
  sender.stop();
  receiver.client.stop();
  return [reps, { size, window }];
}

async function latency() {
  const size = num("size", 64);
  const count = num("count", 10000);
  const receiver = await new Receiver().start("receiver");
  const sender = await started("sender");
  let sent = 0;
  const reps = [];
  for (let rep = 0; rep <= num("reps", 3); rep++) {
    const n = rep === 0 ? Math.floor(count / 5) : count;
    const samples = [];
    const meter = new Meter();
    for (let i = 0; i < n; i++) {
      const index = sent++;
      const t0 = now();
      const arrived = receiver.wait(() => receiver.last === index);
      await sender.sendToGroup(GROUP, payload(index, size), "text", { fireAndForget: true });
      await arrived;
      samples.push(now() - t0);
    }
    const r = latencyRep(samples);
    meter.finish(r);
    if (rep) reps.push(r);
  }
  return [reps, { out_of_order: receiver.outOfOrder }];
}

async function recovery() {
  const receiver = await new Receiver().start("receiver");
  const sender = await started("sender");
  const burst = num("burst", 20);
  const samples = [];
  let sent = 0;
  const meter = new Meter();
  for (let d = 0; d < num("drops", 20); d++) {
    for (let i = 0; i < burst; i++) await sender.sendToGroup(GROUP, payload(sent++, 64), "text", { fireAndForget: true });
    await receiver.wait(() => receiver.received >= sent);
    const t0 = now();
    await control("POST", `/_emulator/connections/${receiver.connectionId}/drop`);
    await sender.sendToGroup(GROUP, payload(sent++, 64), "text", { fireAndForget: true });
    await receiver.wait(() => receiver.received >= sent);
    samples.push(now() - t0);
    await sleep(20);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const r = {
    p50_ms: quantile(sorted, 0.5) * 1e3,
    max_ms: sorted[sorted.length - 1] * 1e3,
    drops: samples.length,
    samples_ms: samples.map((s) => s * 1e3),
  };
  meter.finish(r);
  Object.assign(r, receiver.result(sent));
  return [[r], { burst }];
}

/** Starts `n` clients of one URL, 64 at a time; with `join`, each joins that group. */
async function startMany(url, n, join, onMessage) {
  const clients = [];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      const client = new WebPubSubClient(url);
      if (onMessage) client.on("group-message", onMessage);
      await client.start();
      if (join) await client.joinGroup(join);
      clients.push(client);
    }
  };
  await Promise.all(Array.from({ length: Math.min(64, n) }, worker));
  return clients;
}

async function memory() {
  const n = num("clients", 1000);
  const url = await mintUrl("many");
  const warm = await startMany(url, 1);
  await sleep(200);
  const before = rssKib();
  const t0 = now();
  const clients = await startMany(url, n);
  const connectS = now() - t0;
  await sleep(num("settle", 2) * 1000);
  const after = rssKib();
  const r = { kib_per_client: (after - before) / n, clients: n, rss_before_kib: before, rss_after_kib: after, connect_s: connectS };
  return [[r], { kept: warm.length + clients.length }];
}

async function scale() {
  const n = num("clients", 10000);
  const broadcasts = num("broadcasts", 5);
  const url = await mintUrl("many");
  let received = 0;
  let waiter = null;
  const onMessage = () => {
    received++;
    if (waiter && received >= waiter.target) {
      const w = waiter;
      waiter = null;
      w.resolve();
    }
  };
  const before = rssKib();
  const t0 = now();
  const clients = await startMany(url, n, "scale", onMessage);
  const connectS = now() - t0;
  const sender = await started("sender");
  await sleep(500);
  const after = rssKib();
  const times = [];
  const meter = new Meter();
  for (let b = 0; b < broadcasts; b++) {
    const target = (b + 1) * n;
    const t = now();
    const all = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`broadcast ${b}: ${received} of ${target} receipts`)), WAIT_MS);
      waiter = { target, resolve: () => (clearTimeout(timer), resolve()) };
    });
    await sender.sendToGroup("scale", payload(b, 64), "text", { fireAndForget: true });
    await all;
    times.push((now() - t) * 1e3);
  }
  const r = {};
  meter.finish(r);
  Object.assign(r, {
    clients: n,
    connect_s: connectS,
    connect_rate: n / connectS,
    broadcast_ms_p50: quantile([...times].sort((a, b) => a - b), 0.5),
    broadcast_ms: times,
    kib_per_client: (after - before) / n,
    received,
  });
  return [[r], { kept: clients.length }];
}

const workloads = { seq, pipe, faf, latency, recovery, memory, scale };

async function main() {
  let line;
  try {
    if (!workloads[workload]) throw new Error(`unknown workload ${workload}`);
    const [reps, info] = await workloads[workload]();
    line = { contender: CONTENDER, workload, reps, info };
  } catch (e) {
    line = { contender: CONTENDER, workload, error: String(e?.message ?? e) };
  }
  process.stdout.write(JSON.stringify(line) + "\n", () => process.exit(0));
}

main();
