#!/usr/bin/env python3
"""The benchmark harness: builds and installs every contender, runs every workload for
every contender against a fresh emulator (or, for the ceiling, a fresh raw relay), and writes
bench/RESULTS.md and bench/results.json.

    bench/run.sh                      # everything (about half an hour on 2 cores)
    bench/run.sh --quick              # smoke test: fewer repetitions and messages
    bench/run.sh --workloads seq,latency --contenders rust,ceiling,js-official

Each contender is a small program (bench/rust, bench/c, bench/python, bench/js) that runs one
workload with warm-up and repetitions and prints one JSON line; this script only builds,
starts servers, runs programs, and aggregates (medians over repetitions and rounds).
"""

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")).resolve() / "release"
BUILD = BENCH / ".build"
VENV = BENCH / ".venv"
VENV_PY = VENV / "bin" / "python"
LOGS = BENCH / "logs"


# --- contenders and workloads --------------------------------------------------------------------

CONTENDERS = {
    # name: (label, server kind, command prefix builder)
    "ceiling": ("Ceiling (raw tokio-tungstenite + raw relay)", "ceiling", lambda: [str(TARGET / "bench-ceiling")]),
    "ceiling-1t": ("Ceiling, single-threaded client and relay", "ceiling-1t", lambda: [str(TARGET / "bench-ceiling")]),
    "rust": ("Ours: Rust API", "emulator", lambda: [str(TARGET / "bench-ours")]),
    "rust-1t": ("Ours: Rust API, current-thread runtime", "emulator", lambda: [str(TARGET / "bench-ours")]),
    "c": ("Ours: C ABI", "emulator", lambda: [str(BUILD / "bench-c")]),
    "py-ours": ("Ours: Python binding (sync)", "emulator",
                lambda: [str(VENV_PY), str(BENCH / "python" / "bench.py")]),
    "py-ours-aio": ("Ours: Python binding (asyncio)", "emulator",
                    lambda: [str(VENV_PY), str(BENCH / "python" / "bench.py")]),
    "py-official": ("Official Python (sync)", "emulator",
                    lambda: [str(VENV_PY), str(BENCH / "python" / "bench.py")]),
    "py-official-aio": ("Official Python (asyncio)", "emulator",
                        lambda: [str(VENV_PY), str(BENCH / "python" / "bench.py")]),
    "js-official": ("Official JS (Node)", "emulator",
                    lambda: ["node", "--expose-gc", str(BENCH / "js" / "bench.mjs")]),
}
# Options after the workload's (the Rust contenders also get `--runtime`, see run_one).
EXTRA_FLAGS = {
    "ceiling-1t": ["--runtime", "current"],
    "rust-1t": ["--runtime", "current"],
    "py-ours": ["--impl", "ours", "--api", "sync"],
    "py-ours-aio": ["--impl", "ours", "--api", "aio"],
    "py-official": ["--impl", "official", "--api", "sync"],
    "py-official-aio": ["--impl", "official", "--api", "aio"],
}

# key: (title, program workload, full parameters, quick parameters)
WORKLOADS = {
    "seq": ("1. Sequential acked sends (64 B)", "seq", {"reps": 5, "duration": 3}, {"reps": 2, "duration": 0.5}),
    "pipe": ("2. Pipelined acked sends (64 B, up to 1000 in flight)", "pipe",
             {"reps": 5, "duration": 3, "window": 1000}, {"reps": 2, "duration": 0.5, "window": 1000}),
    "faf": ("3. Fire-and-forget publish -> group -> receiver (64 B)", "faf",
            {"reps": 5, "duration": 3, "size": 64}, {"reps": 2, "duration": 0.5, "size": 64}),
    "latency": ("4. Round-trip latency sender -> group -> receiver (64 B)", "latency",
                {"reps": 3, "count": 10000, "size": 64}, {"reps": 1, "count": 1000, "size": 64}),
    "recovery": ("5. Recovery after an abrupt drop: first message after recovery", "recovery",
                 {"drops": 20}, {"drops": 5}),
    "memory": ("6. Resident memory per idle connected client (1,000 clients)", "memory",
               {"clients": 1000}, {"clients": 1000}),
    "scale": ("7. Scale: 10,000 clients in one process, each receiving a group broadcast", "scale",
              {"clients": 10000, "broadcasts": 5}, {"clients": 1000, "broadcasts": 3}),
    "faf1k": ("8a. Fire-and-forget publish (1 KB)", "faf", {"reps": 5, "duration": 3, "size": 1024},
              {"reps": 2, "duration": 0.5, "size": 1024}),
    "faf64k": ("8b. Fire-and-forget publish (64 KB)", "faf", {"reps": 5, "duration": 3, "size": 65536},
               {"reps": 2, "duration": 0.5, "size": 65536}),
}

# What each workload reports: (metric, unit, higher is better, with ratio columns).
METRICS = {
    "seq": [("rate", "msg/s", True, True)],
    "pipe": [("rate", "msg/s", True, True)],
    "faf": [("rate", "msg/s", True, True)],
    "faf1k": [("rate", "msg/s", True, True)],
    "faf64k": [("rate", "msg/s", True, True)],
    "latency": [("p50_us", "µs", False, True), ("p99_us", "µs", False, True), ("p999_us", "µs", False, False)],
    "recovery": [("p50_ms", "ms", False, True), ("max_ms", "ms", False, False)],
    "memory": [("kib_per_client", "KiB", False, True)],
    "scale": [("broadcast_ms_p50", "ms", False, True), ("connect_rate", "conn/s", True, False),
              ("kib_per_client", "KiB", False, False)],
}

# Combinations that cannot run, with the reason shown in the results.
NOT_APPLICABLE = {
    ("pipe", "py-official"): "its sync API sends one message at a time (pipelining: see its asyncio client)",
    ("scale", "py-official"): "not attempted: with 1,000 clients (a thread per callback) it took 60 s to connect "
                              "(join acks missed by its waiter, see workload 1) and up to 40 s per broadcast",
}

TIMEOUT_S = {"scale": 900, "memory": 600}


# --- small helpers -------------------------------------------------------------------------------

def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(cmd, cwd=ROOT, env=None, check=True):
    log("$ " + " ".join(str(c) for c in cmd))
    result = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env)
    if check and result.returncode != 0:
        sys.exit(f"bench: command failed ({result.returncode}): {' '.join(str(c) for c in cmd)}")
    return result.returncode == 0


def cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def system_busy_seconds():
    """CPU seconds all cores spent busy so far (from /proc/stat)."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# --- build and install ---------------------------------------------------------------------------

def build(contenders):
    run(["cargo", "build", "--release", "-p", "webpubsub-client", "-p", "webpubsub-emulator", "-p", "webpubsub-bench"])
    if "c" in contenders:
        header = ROOT / "include" / "webpubsub_client.h"
        if not header.exists():
            return {"c": "include/webpubsub_client.h is missing (the C ABI is not merged)"}
        BUILD.mkdir(exist_ok=True)
        if not run(["gcc", "-O2", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-pthread", BENCH / "c" / "bench.c",
                    "-I", ROOT / "include", "-L", TARGET, "-lwebpubsub_client", f"-Wl,-rpath,{TARGET}",
                    "-o", BUILD / "bench-c"], check=False):
            return {"c": "bench/c/bench.c did not compile (see the log)"}
    return {}


def python_binding_env():
    """Environment that lets the venv import our binding (bindings/python), if present."""
    env = dict(os.environ)
    env["WEBPUBSUB_CLIENT_LIBRARY"] = str(TARGET / "libwebpubsub_client.so")
    binding = ROOT / "bindings" / "python"
    paths = [str(p) for p in (binding / "src", binding) if p.exists()]
    if paths:
        env["PYTHONPATH"] = os.pathsep.join(paths + [env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def install(contenders):
    unavailable = {}
    if any(c.startswith("py-") for c in contenders):
        if not VENV_PY.exists() and not run([sys.executable, "-m", "venv", VENV], check=False):
            # Debian ships venv support separately.
            shutil.rmtree(VENV, ignore_errors=True)
            if shutil.which("apt-get") and os.geteuid() == 0:
                run(["apt-get", "update", "-qq"])
                run(["apt-get", "install", "-y", "-qq", "python3-venv"])
            run([sys.executable, "-m", "venv", VENV])
        run([VENV_PY, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r",
             BENCH / "python" / "requirements.txt"])
        probe = subprocess.run([str(VENV_PY), "-c", "import webpubsub_client, webpubsub_client.aio"],
                               env=python_binding_env(), capture_output=True, text=True)
        if probe.returncode != 0:
            reason = "our Python binding is not importable: " + (probe.stderr.strip().splitlines() or ["?"])[-1]
            unavailable.update({"py-ours": reason, "py-ours-aio": reason})
    if "js-official" in contenders:
        if shutil.which("node") is None or shutil.which("npm") is None:
            unavailable["js-official"] = "node and npm are required"
        else:
            run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=BENCH / "js")
    return unavailable


def versions():
    found = {}
    try:
        out = subprocess.run([str(VENV_PY), "-m", "pip", "show", "azure-messaging-webpubsubclient"],
                             capture_output=True, text=True).stdout
        found["azure-messaging-webpubsubclient"] = next(
            (l.split(":", 1)[1].strip() for l in out.splitlines() if l.startswith("Version:")), None)
    except OSError:
        pass
    package = BENCH / "js" / "node_modules" / "@azure" / "web-pubsub-client" / "package.json"
    if package.exists():
        found["@azure/web-pubsub-client"] = json.loads(package.read_text())["version"]
    for tool, cmd in (("rustc", ["rustc", "--version"]), ("node", ["node", "--version"]), ("gcc", ["gcc", "-dumpversion"])):
        try:
            found[tool] = subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
        except OSError:
            pass
    found["python"] = platform.python_version()
    return found


# --- servers -------------------------------------------------------------------------------------

class Server:
    """A fresh emulator or ceiling relay process for one run."""

    def __init__(self, kind):
        self.kind = kind
        if kind == "emulator":
            cmd = [str(TARGET / "webpubsub-emulator"), "--port", "0"]
        else:
            cmd = [str(TARGET / "ceiling-server"), "--port", "0",
                   "--runtime", "current" if kind == "ceiling-1t" else "multi"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.endpoint = None
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            if line.startswith("Endpoint="):
                self.endpoint = line.split("=", 1)[1].split(";")[0]
                break
            if line.startswith("Listening="):
                self.endpoint = "ws://" + line.split("=", 1)[1].strip()
                break
        if not self.endpoint:
            self.stop()
            sys.exit(f"bench: the {kind} did not start")

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --- running -------------------------------------------------------------------------------------

def run_one(workload, contender, quick, round_no, runtime):
    title, program_workload, full, short = WORKLOADS[workload]
    params = dict(short if quick else full)
    label, kind, command = CONTENDERS[contender]
    server = Server(kind)
    cmd = command() + [program_workload, "--endpoint", server.endpoint, "--server-pid", str(server.pid),
                       "--hub", f"{workload}{round_no}"]
    cmd += EXTRA_FLAGS.get(contender, [])
    if contender in ("rust", "ceiling"):
        cmd += ["--runtime", runtime]
    for name, value in params.items():
        cmd += [f"--{name}", str(value)]
    env = python_binding_env() if contender.startswith("py-") else None
    cwd = BENCH / "js" if contender == "js-official" else ROOT
    LOGS.mkdir(exist_ok=True)
    stderr_path = LOGS / f"{workload}-{contender}-{round_no}.stderr"
    log(f"{workload} / {contender} (round {round_no + 1})")
    busy0, server0, children0, t0 = system_busy_seconds(), cpu_seconds(server.pid), resource.getrusage(
        resource.RUSAGE_CHILDREN), time.time()
    try:
        with open(stderr_path, "w") as stderr:
            out = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True,
                                 timeout=TIMEOUT_S.get(workload, 300)).stdout
        lines = [l for l in out.splitlines() if l.startswith("{")]
        result = json.loads(lines[-1]) if lines else {"error": f"no result line (see {stderr_path.relative_to(ROOT)})"}
    except subprocess.TimeoutExpired:
        result = {"error": f"timed out after {TIMEOUT_S.get(workload, 300)} s"}
    wall = time.time() - t0
    server_cpu = (cpu_seconds(server.pid) or 0) - (server0 or 0)
    server.stop()
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    program_cpu = (children1.ru_utime + children1.ru_stime) - (children0.ru_utime + children0.ru_stime) - server_cpu
    # Busy CPU of everything else on the machine while this ran: noise, if large.
    result["background_cores"] = max(0.0, (system_busy_seconds() - busy0 - program_cpu - server_cpu) / wall)
    result["server_cpu_whole_run"] = server_cpu / wall
    result["wall_s"] = wall
    result["round"] = round_no
    if "error" in result:
        log(f"  failed: {result['error']}")
    return result


def median(values):
    values = [v for v in values if isinstance(v, (int, float))]
    return statistics.median(values) if values else None


def aggregate(results):
    """{workload: {contender: summary}} with medians of every numeric metric over all reps."""
    summary = {}
    for (workload, contender), runs in results.items():
        reps = [rep for run in runs for rep in run.get("reps", [])]
        errors = [run["error"] for run in runs if "error" in run]
        s = {"reps": len(reps), "background_cores": median([r.get("background_cores") for r in runs])}
        if errors and not reps:
            s["error"] = errors[0]
        keys = {k for rep in reps for k, v in rep.items() if isinstance(v, (int, float))}
        for key in keys:
            s[key] = median([rep.get(key) for rep in reps])
        if workload == "recovery" and reps:
            s["max_ms"] = max(rep["max_ms"] for rep in reps)
        if any(k in keys for k in ("lost", "out_of_order")):
            s["lost_total"] = sum(rep.get("lost", 0) for rep in reps)
            s["out_of_order_total"] = sum(rep.get("out_of_order", 0) for rep in reps)
        summary.setdefault(workload, {})[contender] = s
    return summary


# --- report --------------------------------------------------------------------------------------

def fmt(value, unit=""):
    if value is None:
        return "–"
    if unit in ("msg/s", "conn/s"):
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def ratio(value, reference):
    if value is None or not reference:
        return "–"
    r = value / reference
    return f"{r:.2f}×" if 0.1 <= r < 100 else f"{r:.2g}×"


def best(summary_w, contenders, metric, higher):
    values = [summary_w[c][metric] for c in contenders if c in summary_w and summary_w[c].get(metric) is not None]
    if not values:
        return None
    return max(values) if higher else min(values)


CEILINGS = ["ceiling", "ceiling-1t"]
# Both runtimes are ordinary ways to run the Rust API; like the ceiling, it is judged by the
# better of the two.
RUSTS = ["rust", "rust-1t"]


def ceiling_of(per, metric, higher):
    """The ceiling's figure: the better of the multi-threaded and the single-threaded one."""
    return best(per, CEILINGS, metric, higher)


def targets(summary):
    """The targets of issue #6, evaluated on the median figures of this run."""
    def get(workload, contender, metric):
        per = summary.get(workload, {})
        if contender == "ceiling":
            return ceiling_of(per, metric, metric == "rate")
        if contender == "rust":
            # Higher is better for rates only; for times and memory lower is.
            return best({c: s for c, s in per.items() if "error" not in s}, RUSTS, metric, metric == "rate")
        return per.get(contender, {}).get(metric)

    checks = []

    def check(name, value, limit, ok, detail):
        checks.append({"target": name, "measured": value, "limit": limit,
                       "met": (None if value is None or limit is None else bool(ok(value, limit))), "detail": detail})

    ceiling_seq = get("seq", "ceiling", "rate")
    rust_seq = get("seq", "rust", "rate")
    check("W1: Rust API sequential rate >= 85% of the ceiling's", rust_seq and ceiling_seq and rust_seq / ceiling_seq,
          0.85, lambda v, l: v >= l, f"{fmt(rust_seq)} vs {fmt(ceiling_seq)} msg/s")
    best_official_py = best(summary.get("seq", {}), ["py-official", "py-official-aio"], "rate", True)
    best_ours_py = best(summary.get("seq", {}), ["py-ours", "py-ours-aio"], "rate", True)
    check("W1: our Python binding >= 3x the best official Python client",
          best_ours_py and best_official_py and best_ours_py / best_official_py, 3.0, lambda v, l: v >= l,
          f"{fmt(best_ours_py)} vs {fmt(best_official_py)} msg/s")
    rust_pipe, ceiling_pipe = get("pipe", "rust", "rate"), get("pipe", "ceiling", "rate")
    check("W2: Rust API pipelined >= 200,000 msg/s", rust_pipe, 200_000, lambda v, l: v >= l, f"{fmt(rust_pipe)} msg/s")
    check("W2: Rust API pipelined >= 50% of the ceiling's", rust_pipe and ceiling_pipe and rust_pipe / ceiling_pipe,
          0.5, lambda v, l: v >= l, f"{fmt(rust_pipe)} vs {fmt(ceiling_pipe)} msg/s")
    rust_faf, ceiling_faf = get("faf", "rust", "rate"), get("faf", "ceiling", "rate")
    rust_runs = [summary.get("faf", {}).get(c, {}) for c in RUSTS if c in summary.get("faf", {})]
    lossless = bool(rust_runs) and all(r.get("lost_total") == 0 and r.get("out_of_order_total") == 0 for r in rust_runs)
    check("W3: Rust API receive rate >= 50% of the ceiling's relay rate, zero loss",
          rust_faf and ceiling_faf and lossless and rust_faf / ceiling_faf, 0.5, lambda v, l: v >= l,
          f"{fmt(rust_faf)} vs {fmt(ceiling_faf)} msg/s"
          + ("" if rust_faf is None else (", no loss, in order" if lossless else ", LOSS OR REORDERING")))
    rust_p99, ceiling_p99 = get("latency", "rust", "p99_us"), get("latency", "ceiling", "p99_us")
    check("W4: Rust API p99 <= 1.5x the ceiling's p99", rust_p99 and ceiling_p99 and rust_p99 / ceiling_p99, 1.5,
          lambda v, l: v <= l, f"{fmt(rust_p99)} vs {fmt(ceiling_p99)} µs")
    rust_rec = get("recovery", "rust", "p50_ms")
    check("W5: Rust API recovery p50 <= 5 ms", rust_rec, 5.0, lambda v, l: v <= l, f"{fmt(rust_rec)} ms")
    rust_mem = get("memory", "rust", "kib_per_client")
    check("W6: Rust API <= 12 KiB per idle client", rust_mem, 12.0, lambda v, l: v <= l, f"{fmt(rust_mem)} KiB")
    scale = summary.get("scale", {}).get("rust", {})
    works = "error" not in scale and scale.get("received") is not None
    check(f"W7: {scale.get('clients', 10000):,.0f} Rust API clients in one process connect and receive a broadcast",
          1.0 if works else (0.0 if scale else None),
          1.0, lambda v, l: v >= l, scale.get("error") or (f"{fmt(scale.get('connect_rate'))} conn/s, broadcast "
                                                            f"p50 {fmt(scale.get('broadcast_ms_p50'))} ms" if scale else ""))
    return checks


def write_report(summary, results, meta, selected_workloads, selected_contenders):
    checks = targets(summary)
    lines = ["# Benchmark results", ""]
    lines.append(f"Measured {meta['date']} on {meta['cpu']} with **{meta['cores']} cores** and {meta['memory_gib']} GiB, "
                 f"Linux {meta['kernel']}; mode `{meta['mode']}`, {meta['rounds']} round(s); commit `{meta['commit']}`.")
    lines.append(f"Command: `{meta['command']}`. Load average before/after: {meta['load_before']} / {meta['load_after']}.")
    lines.append("Versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items() if v) + ".")
    noisy = [f"{w}/{c}" for w, per in summary.items() for c, s in per.items() if (s.get("background_cores") or 0) > 0.25]
    if noisy:
        lines += ["", f"**Warning: other processes used CPU during {len(noisy)} of the runs** (more than a quarter of a "
                      "core beside the contender and its server; see `background_cores` in results.json): these "
                      "figures are noisy. Rerun on a quiet machine."]
    lines += ["", "Figures are medians over repetitions (each after a warm-up); every contender talks to a fresh "
                  "emulator process running the same binary (the ceiling to a fresh raw relay), with the same "
                  "payloads. Ratios divide a contender's figure by the reference's: above 1 is more for rates, "
                  "and for times and memory above 1 is more as well (worse); against official Python the "
                  "reference is the better of its sync and asyncio clients. *Server CPU* is the emulator's (or "
                  "the relay's) CPU during the measured repetitions, in cores (1.00 = one core busy); *client "
                  "CPU* the contender process's.", ""]

    lines += ["## Targets", "", "| Target | Measured | Limit | Met | Detail |", "|---|---|---|---|---|"]
    for c in checks:
        met = "–" if c["met"] is None else ("yes" if c["met"] else "**no**")
        lines.append(f"| {c['target']} | {fmt(c['measured'])} | {fmt(c['limit'])} | {met} | {c['detail']} |")

    for workload in selected_workloads:
        per = summary.get(workload, {})
        title = WORKLOADS[workload][0]
        lines += ["", f"## {title}", ""]
        metrics = METRICS[workload]
        head = ["Contender"]
        for metric, unit, higher, ratios in metrics:
            head.append(f"{metric} ({unit})")
            if ratios:
                head += [f"{metric} vs official Python", "vs official JS", "vs ceiling"]
        head += ["server CPU", "client CPU", "notes"]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for contender in selected_contenders:
            s = per.get(contender)
            label = CONTENDERS[contender][0]
            if s is None:
                reason = NOT_APPLICABLE.get((workload, contender), meta["unavailable"].get(contender, "not run"))
                lines.append(f"| {label} | " + " | ".join(["–"] * (len(head) - 2)) + f" | {reason} |")
                continue
            if "error" in s:
                lines.append(f"| {label} | " + " | ".join(["–"] * (len(head) - 2)) + f" | failed: {s['error'][:200]} |")
                continue
            row = [label]
            for metric, unit, higher, ratios in metrics:
                value = s.get(metric)
                row.append(fmt(value, unit))
                if ratios:
                    py = best(per, ["py-official", "py-official-aio"], metric, higher)
                    js = per.get("js-official", {}).get(metric)
                    ceiling = ceiling_of(per, metric, higher)
                    row += [ratio(value, py), ratio(value, js), ratio(value, ceiling)]
            row += [fmt(s.get("server_cpu")), fmt(s.get("client_cpu")), notes(workload, s)]
            lines.append("| " + " | ".join(row) + " |")

    lines += ["", "## Notes on method", "", (BENCH / "METHOD.md").read_text().strip()]
    findings = BENCH / "FINDINGS.md"
    if findings.exists():
        lines += ["", findings.read_text().strip()]
    (BENCH / "RESULTS.md").write_text("\n".join(lines) + "\n")
    payload = {"meta": meta, "targets": checks, "summary": summary,
               "runs": {f"{w}/{c}": runs for (w, c), runs in results.items()}}
    (BENCH / "results.json").write_text(json.dumps(payload, indent=1) + "\n")


def notes(workload, s):
    parts = []
    if "lost_total" in s:
        parts.append("no loss" if s["lost_total"] == 0 else f"**{s['lost_total']} lost**")
        if s.get("out_of_order_total"):
            parts.append(f"{s['out_of_order_total']} out of order")
    if s.get("stalls"):
        parts.append(f"median {s['stalls']:.0f} sends per repetition waited for the ack timeout (30 s) although "
                     "the ack had arrived (the official sync client's missed wake-up)"
                     + (f"; {fmt(s['rate_without_stalls'], 'msg/s')} msg/s without them" if s.get("rate_without_stalls") else ""))
    if workload == "scale" and s.get("clients"):
        parts.append(f"{s['clients']:,.0f} clients, {fmt(s.get('connect_s'))} s to connect")
    if workload == "latency" and s.get("samples"):
        parts.append(f"{s['samples']:,.0f} samples/rep")
    if (s.get("background_cores") or 0) > 0.25:
        parts.append(f"noisy ({s['background_cores']:.2f} cores busy elsewhere)")
    return ", ".join(parts)


# --- main ----------------------------------------------------------------------------------------

def rewrite_report():
    saved = json.loads((BENCH / "results.json").read_text())
    results = {tuple(key.split("/", 1)): runs for key, runs in saved["runs"].items()}
    workloads = [w for w in WORKLOADS if any(w == key[0] for key in results)]
    contenders = [c for c in CONTENDERS if any(c == key[1] for key in results)]
    write_report(aggregate(results), results, saved["meta"], workloads, contenders)
    log(f"rewrote {(BENCH / 'RESULTS.md').relative_to(ROOT)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="few repetitions and messages (smoke test)")
    parser.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated, of: " + ", ".join(WORKLOADS))
    parser.add_argument("--contenders", default=",".join(CONTENDERS),
                        help="comma-separated, of: " + ", ".join(CONTENDERS))
    parser.add_argument("--rounds", type=int, default=1,
                        help="run the whole matrix this many times, interleaved (medians pool all rounds)")
    parser.add_argument("--runtime", choices=["multi", "current"], default="multi",
                        help="Tokio runtime of the Rust contenders and the ceiling (default: multi-thread, "
                             "as #[tokio::main] builds)")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite RESULTS.md from results.json (e.g. after editing FINDINGS.md)")
    parser.add_argument("--skip-build", action="store_true", help="use what is built and installed already")
    args = parser.parse_args()
    if args.report_only:
        return rewrite_report()
    workloads = [w for w in args.workloads.split(",") if w]
    contenders = [c for c in args.contenders.split(",") if c]
    for name, known in (("workload", WORKLOADS), ("contender", CONTENDERS)):
        for item in (workloads if name == "workload" else contenders):
            if item not in known:
                sys.exit(f"bench: unknown {name} {item!r} (known: {', '.join(known)})")

    unavailable = {}
    if not args.skip_build:
        unavailable.update(build(contenders))
        unavailable.update(install(contenders))
    elif any(c.startswith("py-ours") for c in contenders):
        probe = subprocess.run([str(VENV_PY), "-c", "import webpubsub_client"], env=python_binding_env(),
                               capture_output=True)
        if probe.returncode != 0:
            unavailable.update({"py-ours": "our Python binding is not importable",
                                "py-ours-aio": "our Python binding is not importable"})
    fd_limit = raise_fd_limit()
    if fd_limit < 21000 and "scale" in workloads:
        log(f"note: the open-file limit is {fd_limit}; 10,000 clients need about 10,100 in each process")

    meta = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?"),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "kernel": platform.release(),
        "mode": "quick" if args.quick else "full",
        "rounds": args.rounds,
        "rust_runtime": args.runtime,
        "command": "bench/run.sh " + " ".join(sys.argv[1:]),
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                 text=True).stdout.strip() or "?",
        "load_before": " ".join(open("/proc/loadavg").read().split()[:3]),
        "versions": versions(),
        "unavailable": unavailable,
    }
    results = {}
    for round_no in range(args.rounds):
        for workload in workloads:
            for contender in contenders:
                if contender in unavailable or (workload, contender) in NOT_APPLICABLE:
                    continue
                results.setdefault((workload, contender), []).append(run_one(workload, contender, args.quick, round_no,
                                                                            args.runtime))
    meta["load_after"] = " ".join(open("/proc/loadavg").read().split()[:3])
    summary = aggregate(results)
    write_report(summary, results, meta, workloads, contenders)
    log(f"wrote {(BENCH / 'RESULTS.md').relative_to(ROOT)} and {(BENCH / 'results.json').relative_to(ROOT)}")
    for c in targets(summary):
        log(f"  {'MET ' if c['met'] else 'MISS' if c['met'] is False else '  - '} {c['target']}: {c['detail']}")


if __name__ == "__main__":
    main()
