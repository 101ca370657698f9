#!/usr/bin/env python3
"""Python contenders: the official client (azure-messaging-webpubsubclient) and our binding
(webpubsub_client), each through its sync or asyncio API. Both have the official SDK's API,
so one program drives either with the same calls (a tiny adapter covers naming differences).

Usage: bench.py <seq|pipe|faf|latency|recovery|memory|scale> --impl official|ours
       --api sync|aio --endpoint http://HOST:PORT [--server-pid PID] [--reps N]
       [--duration S] [--size BYTES] [--count N] [--window N] [--clients N] [--drops N]
Prints one JSON line (see bench/README.md). Every client uses default options.
"""

import asyncio
import gc
import inspect
import json
import os
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

GROUP = "bench"
WAIT_S = 20.0


# --- command line, meters, control surface ----------------------------------------------------

def parse_args(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    args = {"workload": argv[1]}
    rest = argv[2:]
    for name, value in zip(rest[::2], rest[1::2]):
        args[name.lstrip("-")] = value
    return args


ARGS = parse_args(sys.argv)


def arg(name, default):
    value = ARGS.get(name)
    return default if value is None else type(default)(value)


CONTENDER = {("official", "sync"): "py-official", ("official", "aio"): "py-official-aio",
             ("ours", "sync"): "py-ours", ("ours", "aio"): "py-ours-aio"}[(arg("impl", "ours"), arg("api", "sync"))]
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid=None):
    try:
        with open(f"/proc/{pid or 'self'}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    except (OSError, IndexError, ValueError):
        return None


def rss_kib():
    gc.collect()
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Meter:
    """Wall time and the CPU of this process and of the server over one repetition."""

    def __init__(self):
        self.server_pid = arg("server-pid", 0) or None
        self.t0 = time.perf_counter()
        self.self0 = cpu_seconds()
        self.server0 = cpu_seconds(self.server_pid) if self.server_pid else None

    def elapsed(self):
        return time.perf_counter() - self.t0

    def finish(self, rep):
        elapsed = self.elapsed()
        rep["elapsed_s"] = elapsed
        rep["client_cpu"] = (cpu_seconds() - self.self0) / elapsed
        if self.server0 is not None:
            after = cpu_seconds(self.server_pid)
            if after is not None:
                rep["server_cpu"] = (after - self.server0) / elapsed
        return elapsed


def control(method, path):
    endpoint = arg("endpoint", "http://127.0.0.1:8080").rstrip("/")
    request = urllib.request.Request(endpoint + path, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def mint_url(user):
    hub = arg("hub", "bench")
    return control("GET", f"/_emulator/client-access-url?hub={hub}&userId={user}"
                          "&role=webpubsub.joinLeaveGroup&role=webpubsub.sendToGroup")["url"]


def drop_connection(connection_id):
    control("POST", f"/_emulator/connections/{connection_id}/drop")


def payload(index, size):
    return f"{index:012d}" + "x" * (size - 12)


def quantile(sorted_values, q):
    rank = max(1, min(len(sorted_values), -int(-q * len(sorted_values) // 1)))
    return sorted_values[rank - 1]


def latency_rep(samples):
    samples.sort()
    return {"p50_us": quantile(samples, 0.5) * 1e6, "p99_us": quantile(samples, 0.99) * 1e6,
            "p999_us": quantile(samples, 0.999) * 1e6, "max_us": samples[-1] * 1e6,
            "mean_us": sum(samples) / len(samples) * 1e6, "samples": len(samples)}


def recovery_rep(samples):
    ordered = sorted(samples)
    return {"p50_ms": quantile(ordered, 0.5) * 1e3, "max_ms": ordered[-1] * 1e3, "drops": len(samples),
            "samples_ms": [s * 1e3 for s in samples]}


def scale_rep(meter, n, connect_s, times, rss_growth_kib, received):
    """The one repetition of the scale workload (sync and asyncio alike)."""
    r = {}
    meter.finish(r)
    r.update({"clients": n, "connect_s": connect_s, "connect_rate": n / connect_s,
              "broadcast_ms_p50": quantile(sorted(times), 0.5), "broadcast_ms": times,
              "kib_per_client": rss_growth_kib / n, "received": received})
    return r


def count_for(rate):
    return int(max(1000, min(5_000_000, rate * arg("duration", 2.0))))


# --- the client library, and the few names that differ between the two ------------------------

def client_class():
    if arg("impl", "ours") == "official":
        if arg("api", "sync") == "sync":
            from azure.messaging.webpubsubclient import WebPubSubClient
        else:
            from azure.messaging.webpubsubclient.aio import WebPubSubClient
    else:
        if arg("api", "sync") == "sync":
            from webpubsub_client import WebPubSubClient
        else:
            from webpubsub_client.aio import WebPubSubClient
    return WebPubSubClient


WebPubSubClient = client_class()


OFFICIAL = arg("impl", "ours") == "official"
AIO = arg("api", "sync") == "aio"


def subscribe(client, event, callback):
    """Registers the plain function `callback` for `event` ("group-message", "connected");
    returns an awaitable for the official asyncio client, whose `subscribe` is a coroutine
    and which only takes coroutine functions (it runs each call as a task). Our asyncio
    client takes plain functions, which run in order on the loop."""
    if OFFICIAL and AIO:
        async def handler(e):
            callback(e)
        return client.subscribe(event, handler)
    register = client.on if hasattr(client, "on") else client.subscribe
    return register(event, callback)


def many_client(url):
    """A client of one of the many-client workloads: ours on the shared dispatcher pool
    (a thread per client is the default), as advised for thousands of clients."""
    return WebPubSubClient(url) if OFFICIAL else WebPubSubClient(url, dispatcher="shared")


class Sequence:
    """Counts received payload indexes and checks they come exactly once, in order."""

    def __init__(self):
        self.next = 0
        self.received = 0
        self.out_of_order = 0
        self.last = -1

    def see(self, index):
        self.received += 1
        self.last = index
        if index == self.next:
            self.next += 1
        else:
            self.out_of_order += 1
            self.next = max(self.next, index + 1)

    def result(self, sent):
        return {"lost": max(0, sent - self.received), "out_of_order": self.out_of_order}


# --- sync API ----------------------------------------------------------------------------------

class SyncReceiver:
    """A receiving client: its group messages update a Sequence under a condition."""

    def __init__(self, user):
        self.cond = threading.Condition()
        self.seq = Sequence()
        self.connection_id = None
        self.client = WebPubSubClient(mint_url(user))
        subscribe(self.client, "group-message", self.on_message)
        subscribe(self.client, "connected", self.on_connected)
        self.client.open()
        self.client.join_group(GROUP)

    def on_connected(self, e):
        self.connection_id = e.connection_id

    def on_message(self, e):
        index = int(e.data[:12])
        with self.cond:
            self.seq.see(index)
            self.cond.notify_all()

    def wait(self, predicate):
        with self.cond:
            if not self.cond.wait_for(predicate, WAIT_S):
                raise RuntimeError(f"timed out: received {self.seq.received} messages")


def sync_sender(user="sender"):
    client = WebPubSubClient(mint_url(user))
    client.open()
    return client


def sync_seq():
    client = sync_sender()
    data, reps = payload(0, arg("size", 64)), []
    for rep in range(arg("reps", 5) + 1):
        duration = arg("duration", 2.0) / (2 if rep == 0 else 1)
        meter, count, stalled, stall_s = Meter(), 0, 0, 0.0
        while meter.elapsed() < duration:
            t0 = time.perf_counter()
            client.send_to_group(GROUP, data, "text")
            took = time.perf_counter() - t0
            if took > 1.0:  # an ack missed by the waiter: the send waited for its timeout
                stalled, stall_s = stalled + 1, stall_s + took
            count += 1
        r = {"messages": count, "stalls": stalled}
        elapsed = meter.finish(r)
        r["rate"] = count / elapsed
        if stalled and elapsed > stall_s:
            r["rate_without_stalls"] = (count - stalled) / (elapsed - stall_s)
        if rep:
            reps.append(r)
    client.close()
    return reps, {}


def sync_pipe():
    """Up to `window` acked sends in flight through `begin_send_to_group` (futures), where
    the sync API has it (ours); the official sync API has no way to pipeline."""
    client = sync_sender()
    if not hasattr(client, "begin_send_to_group"):
        raise RuntimeError("the sync API sends one message at a time; pipelining is measured with the aio API")
    data, window, reps = payload(0, arg("size", 64)), arg("window", 1000), []
    slots = threading.Semaphore(window)
    failures = []

    def done(future):
        if future.exception() is not None:
            failures.append(future.exception())
        slots.release()

    for rep in range(arg("reps", 5) + 1):
        duration = arg("duration", 2.0) / (2 if rep == 0 else 1)
        meter, sent = Meter(), 0
        while meter.elapsed() < duration:
            slots.acquire()
            client.begin_send_to_group(GROUP, data, "text").add_done_callback(done)
            sent += 1
        for _ in range(window):
            slots.acquire()
        for _ in range(window):
            slots.release()
        if failures:
            raise failures[0]
        r = {"messages": sent}
        r["rate"] = sent / meter.finish(r)
        if rep:
            reps.append(r)
    client.close()
    return reps, {"window": window}


def sync_faf():
    size = arg("size", 64)
    receiver, sender = SyncReceiver("receiver"), sync_sender()
    sent, count, reps = 0, arg("count", 0), []
    for rep in range(arg("reps", 5) + 1):
        n = arg("warmup", 2000) if rep == 0 else count
        meter = Meter()
        for _ in range(n):
            sender.send_to_group(GROUP, payload(sent, size), "text", ack=False)
            sent += 1
        receiver.wait(lambda: receiver.seq.received >= sent)
        r = {"messages": n}
        r["rate"] = n / meter.finish(r)
        if rep == 0:
            count = count or count_for(r["rate"])
            continue
        r.update(receiver.seq.result(sent))
        reps.append(r)
    sender.close()
    receiver.client.close()
    return reps, {"size": size}


def sync_latency():
    size, count = arg("size", 64), arg("count", 10000)
    receiver, sender = SyncReceiver("receiver"), sync_sender()
    sent, reps = 0, []
    for rep in range(arg("reps", 3) + 1):
        n = count // 5 if rep == 0 else count
        samples, meter = [], Meter()
        for _ in range(n):
            data, index = payload(sent, size), sent
            t0 = time.perf_counter()
            sender.send_to_group(GROUP, data, "text", ack=False)
            receiver.wait(lambda: receiver.seq.last == index)
            samples.append(time.perf_counter() - t0)
            sent += 1
        r = latency_rep(samples)
        meter.finish(r)
        if rep:
            reps.append(r)
    return reps, {"out_of_order": receiver.seq.out_of_order}


def sync_recovery():
    receiver, sender = SyncReceiver("receiver"), sync_sender()
    burst, sent, samples, meter = arg("burst", 20), 0, [], Meter()
    for _ in range(arg("drops", 20)):
        for _ in range(burst):
            sender.send_to_group(GROUP, payload(sent, 64), "text", ack=False)
            sent += 1
        receiver.wait(lambda: receiver.seq.received >= sent)
        t0 = time.perf_counter()
        drop_connection(receiver.connection_id)
        sender.send_to_group(GROUP, payload(sent, 64), "text", ack=False)
        sent += 1
        receiver.wait(lambda: receiver.seq.received >= sent)
        samples.append(time.perf_counter() - t0)
        time.sleep(0.02)
    r = recovery_rep(samples)
    meter.finish(r)
    r.update(receiver.seq.result(sent))
    return [r], {"burst": burst}


def sync_start_many(url, n, join=None, on_message=None):
    def start(_):
        client = many_client(url)
        if on_message:
            subscribe(client, "group-message", on_message)
        client.open()
        if join:
            client.join_group(join)
        return client

    with ThreadPoolExecutor(max_workers=min(64, n)) as pool:
        return list(pool.map(start, range(n)))


def sync_memory():
    n, url = arg("clients", 1000), mint_url("many")
    warm = sync_start_many(url, 1)
    time.sleep(0.2)
    before, t0 = rss_kib(), time.perf_counter()
    clients = sync_start_many(url, n)
    connect_s = time.perf_counter() - t0
    time.sleep(arg("settle", 2.0))
    after = rss_kib()
    del warm, clients
    return [{"kib_per_client": (after - before) / n, "clients": n, "rss_before_kib": before,
             "rss_after_kib": after, "connect_s": connect_s}], {}


def sync_scale():
    n, broadcasts, url = arg("clients", 10000), arg("broadcasts", 5), mint_url("many")
    cond, received = threading.Condition(), [0]

    def on_message(_):
        with cond:
            received[0] += 1
            if received[0] % n == 0:
                cond.notify_all()

    before, t0 = rss_kib(), time.perf_counter()
    clients = sync_start_many(url, n, "scale", on_message)
    connect_s = time.perf_counter() - t0
    sender = sync_sender()
    time.sleep(0.5)
    after, times, meter = rss_kib(), [], Meter()
    for b in range(broadcasts):
        t = time.perf_counter()
        sender.send_to_group("scale", payload(b, 64), "text", ack=False)
        with cond:
            if not cond.wait_for(lambda: received[0] >= (b + 1) * n, WAIT_S):
                raise RuntimeError(f"broadcast {b}: {received[0]} of {(b + 1) * n} receipts")
        times.append((time.perf_counter() - t) * 1e3)
    r = scale_rep(meter, n, connect_s, times, after - before, received[0])
    del clients
    return [r], {}


# --- asyncio API -------------------------------------------------------------------------------

class AioReceiver:
    """A receiving asyncio client: its group messages update a Sequence and wake waiters."""

    def __init__(self):
        self.seq = Sequence()
        self.changed = asyncio.Event()
        self.connection_id = None
        self.client = None

    async def start(self, user):
        self.client = WebPubSubClient(mint_url(user))

        def on_message(e):
            self.seq.see(int(e.data[:12]))
            self.changed.set()

        def on_connected(e):
            self.connection_id = e.connection_id

        await maybe_await(subscribe(self.client, "group-message", on_message))
        await maybe_await(subscribe(self.client, "connected", on_connected))
        await self.client.open()
        await self.client.join_group(GROUP)
        return self

    async def wait(self, predicate):
        deadline = time.perf_counter() + WAIT_S
        while not predicate():
            self.changed.clear()
            if predicate():
                break
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise RuntimeError(f"timed out: received {self.seq.received} messages")
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass


async def maybe_await(value):
    if inspect.isawaitable(value):
        await value


async def aio_sender(user="sender"):
    client = WebPubSubClient(mint_url(user))
    await client.open()
    return client


async def aio_seq():
    client = await aio_sender()
    data, reps = payload(0, arg("size", 64)), []
    for rep in range(arg("reps", 5) + 1):
        duration = arg("duration", 2.0) / (2 if rep == 0 else 1)
        meter, count = Meter(), 0
        while meter.elapsed() < duration:
            await client.send_to_group(GROUP, data, "text")
            count += 1
        r = {"messages": count}
        r["rate"] = count / meter.finish(r)
        if rep:
            reps.append(r)
    await client.close()
    return reps, {}


async def aio_pipe():
    """Up to `window` acked sends in flight, as tasks (the asyncio way to pipeline)."""
    client = await aio_sender()
    data, window, reps = payload(0, arg("size", 64)), arg("window", 1000), []
    for rep in range(arg("reps", 5) + 1):
        duration = arg("duration", 2.0) / (2 if rep == 0 else 1)
        meter, pending, acked = Meter(), set(), 0
        while True:
            sending = meter.elapsed() < duration
            while sending and len(pending) < window:
                pending.add(asyncio.ensure_future(client.send_to_group(GROUP, data, "text")))
            if not pending:
                break
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
            acked += len(done)
        r = {"messages": acked}
        r["rate"] = acked / meter.finish(r)
        if rep:
            reps.append(r)
    await client.close()
    return reps, {"window": window}


async def aio_faf():
    size = arg("size", 64)
    receiver = await AioReceiver().start("receiver")
    sender = await aio_sender()
    sent, count, reps = 0, arg("count", 0), []
    for rep in range(arg("reps", 5) + 1):
        n = arg("warmup", 2000) if rep == 0 else count
        meter = Meter()
        for _ in range(n):
            await sender.send_to_group(GROUP, payload(sent, size), "text", ack=False)
            sent += 1
        await receiver.wait(lambda: receiver.seq.received >= sent)
        r = {"messages": n}
        r["rate"] = n / meter.finish(r)
        if rep == 0:
            count = count or count_for(r["rate"])
            continue
        r.update(receiver.seq.result(sent))
        reps.append(r)
    await sender.close()
    await receiver.client.close()
    return reps, {"size": size}


async def aio_latency():
    size, count = arg("size", 64), arg("count", 10000)
    receiver = await AioReceiver().start("receiver")
    sender = await aio_sender()
    sent, reps = 0, []
    for rep in range(arg("reps", 3) + 1):
        n = count // 5 if rep == 0 else count
        samples, meter = [], Meter()
        for _ in range(n):
            data, index = payload(sent, size), sent
            t0 = time.perf_counter()
            await sender.send_to_group(GROUP, data, "text", ack=False)
            await receiver.wait(lambda: receiver.seq.last == index)
            samples.append(time.perf_counter() - t0)
            sent += 1
        r = latency_rep(samples)
        meter.finish(r)
        if rep:
            reps.append(r)
    return reps, {"out_of_order": receiver.seq.out_of_order}


async def aio_recovery():
    receiver = await AioReceiver().start("receiver")
    sender = await aio_sender()
    burst, sent, samples, meter = arg("burst", 20), 0, [], Meter()
    loop = asyncio.get_running_loop()
    for _ in range(arg("drops", 20)):
        for _ in range(burst):
            await sender.send_to_group(GROUP, payload(sent, 64), "text", ack=False)
            sent += 1
        await receiver.wait(lambda: receiver.seq.received >= sent)
        t0 = time.perf_counter()
        await loop.run_in_executor(None, drop_connection, receiver.connection_id)
        await sender.send_to_group(GROUP, payload(sent, 64), "text", ack=False)
        sent += 1
        await receiver.wait(lambda: receiver.seq.received >= sent)
        samples.append(time.perf_counter() - t0)
        await asyncio.sleep(0.02)
    r = recovery_rep(samples)
    meter.finish(r)
    r.update(receiver.seq.result(sent))
    return [r], {"burst": burst}


async def aio_start_many(url, n, join=None, on_message=None):
    gate = asyncio.Semaphore(64)

    async def start():
        async with gate:
            client = many_client(url)
            if on_message:
                await maybe_await(subscribe(client, "group-message", on_message))
            await client.open()
            if join:
                await client.join_group(join)
            return client

    return await asyncio.gather(*(start() for _ in range(n)))


async def aio_memory():
    n, url = arg("clients", 1000), mint_url("many")
    warm = await aio_start_many(url, 1)
    await asyncio.sleep(0.2)
    before, t0 = rss_kib(), time.perf_counter()
    clients = await aio_start_many(url, n)
    connect_s = time.perf_counter() - t0
    await asyncio.sleep(arg("settle", 2.0))
    after = rss_kib()
    del warm, clients
    return [{"kib_per_client": (after - before) / n, "clients": n, "rss_before_kib": before,
             "rss_after_kib": after, "connect_s": connect_s}], {}


async def aio_scale():
    n, broadcasts, url = arg("clients", 10000), arg("broadcasts", 5), mint_url("many")
    received, changed = [0], asyncio.Event()

    def on_message(_):
        received[0] += 1
        if received[0] % n == 0:
            changed.set()

    before, t0 = rss_kib(), time.perf_counter()
    clients = await aio_start_many(url, n, "scale", on_message)
    connect_s = time.perf_counter() - t0
    sender = await aio_sender()
    await asyncio.sleep(0.5)
    after, times, meter = rss_kib(), [], Meter()
    for b in range(broadcasts):
        t = time.perf_counter()
        changed.clear()
        await sender.send_to_group("scale", payload(b, 64), "text", ack=False)
        while received[0] < (b + 1) * n:
            await asyncio.wait_for(changed.wait(), WAIT_S)
            changed.clear()
        times.append((time.perf_counter() - t) * 1e3)
    r = scale_rep(meter, n, connect_s, times, after - before, received[0])
    del clients
    return [r], {}


# --- main --------------------------------------------------------------------------------------

def main():
    workload = ARGS["workload"]
    try:
        if not AIO:
            reps, info = globals()[f"sync_{workload}"]()
        else:
            reps, info = asyncio.run(globals()[f"aio_{workload}"]())
        line = {"contender": CONTENDER, "workload": workload, "reps": reps, "info": info}
    except Exception as e:  # one JSON line whatever happened
        line = {"contender": CONTENDER, "workload": workload, "error": f"{type(e).__name__}: {e}"}
    print(json.dumps(line), flush=True)
    # Clients and their threads are left to the exit: the measurement is done.
    os._exit(0)


if __name__ == "__main__":
    main()
