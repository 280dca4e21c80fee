"""How `atp bench` measures: the server process and its sampler, the locust driver, and the
helper processes (baseline, stage profile, index build), each bounded by a timeout.

Everything runs on loopback. The server starts through service.launcher like every test's;
locust runs headless in a second process (bench/locustfile.py), so its CPU shows apart
from the server's.
"""

from __future__ import annotations

import contextlib
import csv
import importlib.metadata
import importlib.util
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
import psutil

from bench.locustfile import QUESTIONS
from bench.scenarios import Scenario, cold_offset
from service.launcher import ROOT, Server

LOCUSTFILE = ROOT / "bench" / "locustfile.py"
MIB = 1024 * 1024
SAMPLE_INTERVAL_S = 0.1  # how often the server's RSS is sampled
READY_TIMEOUT_S = 180.0
HELPER_TIMEOUT_S = 300.0  # baseline and stage profile
INDEX_BUILD_TIMEOUT_S = 900.0
QUIET_ENV = {"HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


def pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 2) if values else None


def _git(*args: str) -> str:
    try:
        out = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False
        )
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def machine_info() -> dict:
    """The machine, the code and the libraries a run was measured on."""
    cpu_model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": cpu_model,
        "memory_mib": round(psutil.virtual_memory().total / MIB),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "git_commit": commit + ("+dirty" if dirty else ""),
        "python": platform.python_version(),
        "onnxruntime": _version("onnxruntime"),
        "torch": _version("torch"),  # the baseline's and the stage profile's comparison
        "platform": platform.platform(),
        "uvicorn_extras": {
            name: importlib.util.find_spec(name) is not None for name in ("uvloop", "httptools")
        },
    }


class Sampler(threading.Thread):
    """Samples a process tree's RSS every `interval` seconds until stopped."""

    def __init__(self, pid: int, interval: float = SAMPLE_INTERVAL_S) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self.window_peak = 0
        self._halt = threading.Event()

    def tree(self) -> list[psutil.Process]:
        try:
            return [self.process, *self.process.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def rss(self) -> int:
        total = 0
        for proc in self.tree():
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                total += proc.memory_info().rss
        return total

    def cpu_seconds(self) -> float:
        total = 0.0
        for proc in self.tree():
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                times = proc.cpu_times()
                total += times.user + times.system
        return total

    def reset_window(self) -> None:
        self.window_peak = 0

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            rss = self.rss()
            self.peak = max(self.peak, rss)
            self.window_peak = max(self.window_peak, rss)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)


class MeasuredServer:
    """The real server with its RSS and CPU time sampled from spawn to stop, and its cold
    start (spawn -> /readyz 200) timed. A context manager."""

    def __init__(self, workdir: Path, timeout: float = READY_TIMEOUT_S) -> None:
        self.server = Server(QUIET_ENV, log_path=workdir / "server.log")
        self.timeout = timeout
        self.cold_start: dict = {}
        self.sampler: Sampler | None = None

    @property
    def base(self) -> str:
        return self.server.base

    def __enter__(self) -> MeasuredServer:
        self.server.start()
        self.sampler = Sampler(self.server.process.pid)
        self.sampler.start()
        try:
            _, ready = self.server.wait(timeout=self.timeout)
        except BaseException:
            self.sampler.stop()
            raise
        started = self.server.started
        self.cold_start = {
            "ready_s": round(time.perf_counter() - started, 2),
            "listening_s": round(self.server.answered - started, 2),
            "engine_load_s": ready.get("load_seconds"),
            "rss_at_ready_mib": round(self.sampler.rss() / MIB, 1),
        }
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.server.stop(timeout=20)
        finally:
            self.sampler.stop()


def prewarm(base: str) -> None:
    """Send every fixed question once so the warm runs find their embeddings cached."""
    with httpx.Client(base_url=base, timeout=30.0) as client:
        for _, question in QUESTIONS:
            client.get("/search", params={"q": question, "k": 10}).raise_for_status()


def _machine_busy_seconds() -> float:
    """CPU seconds all processes on the machine have used since boot."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def _locust_csv(prefix: Path) -> dict:
    """Locust's own aggregate row, kept next to the exact figures as a cross-check."""
    path = Path(f"{prefix}_stats.csv")
    if not path.exists():
        return {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row.get("Name") == "Aggregated":
                return {
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "p50_ms": float(row["50%"]),
                    "p95_ms": float(row["95%"]),
                    "p99_ms": float(row["99%"]),
                    "rps": round(float(row["Requests/s"]), 2),
                }
    return {}


def _locust_argv(scenario: Scenario, base: str, csv_prefix: Path) -> list[str]:
    return [
        *(sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"),
        *("-u", str(scenario.users), "-r", str(scenario.users)),
        *("--run-time", f"{scenario.seconds}s", "--host", base),
        *("--csv", str(csv_prefix), "--only-summary", "--loglevel", "ERROR"),
        *("--exit-code-on-error", "0"),
    ]


def run_scenario(server: MeasuredServer, scenario: Scenario, index: int, workdir: Path) -> dict:
    """One headless locust run in a separate process; exact percentiles from its samples."""
    name = f"{index:02d}-{scenario.endpoint}-{scenario.mode}-{scenario.cache}-c{scenario.users}"
    name += "-paced" if scenario.rate else ""
    samples_path = workdir / f"{name}.json"
    csv_prefix = workdir / name
    env = {
        **os.environ,
        "BENCH_ENDPOINT": scenario.endpoint,
        "BENCH_CACHE": scenario.cache,
        "BENCH_MODE": scenario.mode,
        "BENCH_OFFSET": str(cold_offset(index)),
        "BENCH_SEED": str(2021 + index),
        "BENCH_SAMPLES": str(samples_path),
        "BENCH_MAX_REQUESTS": str(scenario.max_requests),
        "BENCH_USER_RATE": str(scenario.rate / scenario.users) if scenario.rate else "",
    }
    sampler = server.sampler
    cpu_before = sampler.cpu_seconds()
    machine_before = _machine_busy_seconds()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    sampler.reset_window()
    started = time.perf_counter()
    with (workdir / f"{name}.log").open("wb") as log:
        done = subprocess.run(
            _locust_argv(scenario, server.base, csv_prefix),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=scenario.seconds + 90,
            check=False,
        )
    wall = time.perf_counter() - started
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = sampler.cpu_seconds() - cpu_before
    client_cpu = (children_after.ru_utime + children_after.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    # whatever else ran on the machine meanwhile (other users, this process's own threads)
    other_cpu = max(_machine_busy_seconds() - machine_before - server_cpu - client_cpu, 0.0)
    if done.returncode != 0 or not samples_path.exists():
        log_text = (workdir / f"{name}.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(
            f"locust failed for {scenario.label} (rc {done.returncode}):\n{log_text}"
        )
    samples = json.loads(samples_path.read_text())["samples"]
    ok = [lat for _, lat, good in samples if good]
    errors = sum(1 for *_, good in samples if not good)
    if samples:
        first = min(start for start, _, _ in samples)
        last = max(start + lat / 1000 for start, lat, _ in samples)
        duration = max(last - first, 1e-6)
    else:
        duration = float(scenario.seconds)
    result = {
        "endpoint": "/ask" if scenario.endpoint == "ask" else "/search",
        "mode": scenario.mode,
        "cache": scenario.cache,
        "users": scenario.users,
        "offered_rps": scenario.rate,
        "seconds": scenario.seconds,
        "wall_s": round(wall, 1),
        "requests": len(samples),
        "errors": errors,
        "rps": round(len(ok) / duration, 2),
        "p50_ms": pct(ok, 50),
        "p95_ms": pct(ok, 95),
        "p99_ms": pct(ok, 99),
        "max_ms": round(max(ok), 1) if ok else None,
        "server_cpu_ms_per_req": round(server_cpu * 1000 / max(len(samples), 1), 2),
        "server_cpu_util": round(server_cpu / duration, 2),  # cores busy on average
        "client_cpu_util": round(client_cpu / max(wall, 1e-6), 2),
        "other_cpu_util": round(other_cpu / max(wall, 1e-6), 2),
        "peak_rss_mib": round(sampler.window_peak / MIB, 1),
        "locust": _locust_csv(csv_prefix),
    }
    print(
        f"  {scenario.label:32s} n={result['requests']:5d} err={errors} "
        f"rps={result['rps']:6.1f} p50={result['p50_ms']} p95={result['p95_ms']} "
        f"p99={result['p99_ms']} ms  server cpu/req={result['server_cpu_ms_per_req']} ms",
        flush=True,
    )
    return result


def http_stacks(workdir: Path, rounds: int = 12, block: int = 100) -> dict:
    """A cache-warm /search, one client on one kept-alive connection per server, on each
    HTTP stack of bench/http_stack.py (the same app), all up at once and taken in turns of
    ``block`` requests, so a neighbour's load falls on every stack alike: p50 and the
    server's CPU per request."""
    import http.client
    import urllib.parse

    from bench import http_stack

    paths = ["/search?" + urllib.parse.urlencode({"q": q, "k": 10}) for _, q in QUESTIONS]
    with contextlib.ExitStack() as stack:
        sides = {}
        for name, (protocol, loop) in http_stack.STACKS.items():
            server = Server(QUIET_ENV, argv=http_stack.argv(protocol, loop))
            server.log_path = workdir / f"http-{protocol}-{loop}.log"
            stack.enter_context(server)
            connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
            stack.callback(connection.close)
            sides[name] = (connection, psutil.Process(server.process.pid), [], [0.0])

        def get(connection: http.client.HTTPConnection, path: str) -> None:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status} from {path}")

        for connection, *_ in sides.values():
            for path in paths:  # embeddings cached, connection open
                get(connection, path)
        names = list(sides)
        for r in range(rounds):  # each round in another order: no stack always goes first
            for name in names[r % len(names) :] + names[: r % len(names)]:
                connection, process, latencies, cpu = sides[name]
                before = sum(process.cpu_times()[:2])
                for i in range(block):
                    started = time.perf_counter()
                    get(connection, paths[(r * block + i) % len(paths)])
                    latencies.append((time.perf_counter() - started) * 1000)
                cpu[0] += sum(process.cpu_times()[:2]) - before
    out = {
        name: {
            "requests": len(latencies),
            "p50_ms": pct(latencies, 50),
            "server_cpu_ms_per_req": round(cpu[0] * 1000 / len(latencies), 2),
        }
        for name, (_, _, latencies, cpu) in sides.items()
    }
    print(f"  HTTP stacks: {out}", flush=True)
    return out


def _run_json_helper(module: str, args: list[str], out: Path) -> dict:
    """`python -m module ... --json out` in a fresh process; its JSON."""
    cmd = [sys.executable, "-m", module, *args, "--json", str(out)]
    with (out.with_suffix(".log")).open("wb") as log:
        done = subprocess.run(
            cmd,
            cwd=ROOT,
            env={**os.environ, **QUIET_ENV},
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=HELPER_TIMEOUT_S,
            check=False,
        )
    if done.returncode != 0 or not out.exists():
        tail = out.with_suffix(".log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{module} failed (rc {done.returncode}):\n{tail}")
    return json.loads(out.read_text())


def run_baseline(workdir: Path, passes: int) -> dict:
    return _run_json_helper("bench.baseline", ["--passes", str(passes)], workdir / "baseline.json")


def run_floor(workdir: Path, offset: int, passes: int, name: str) -> dict:
    """The bare encode (bench/floor.py), one thread, on the cold runs' kind of questions."""
    args = ["--passes", str(passes), "--offset", str(offset)]
    return _run_json_helper("bench.floor", args, workdir / f"{name}.json")


def run_peer(workdir: Path, passes: int) -> dict:
    """txtai over the same model and passages (bench/peer.py); optional: a failure is
    reported in the results rather than raised."""
    try:
        return _run_json_helper("bench.peer", ["--passes", str(passes)], workdir / "peer.json")
    except (RuntimeError, subprocess.SubprocessError) as exc:
        return {"error": str(exc)[-300:]}


def run_stages(workdir: Path, repeats: int) -> dict:
    return _run_json_helper("bench.profile", ["--repeats", str(repeats)], workdir / "stages.json")


def time_index_build(workdir: Path) -> dict:
    """`atp index build` into a temporary folder; the real index is not touched."""
    target = workdir / "index-build"
    env = {**os.environ, **QUIET_ENV, "ATP_INDEX_DIR": str(target)}
    log_path = workdir / "index-build.log"
    with log_path.open("wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "index", "build"],  # the command users run
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        sampler = Sampler(process.pid, interval=0.2)
        sampler.start()
        try:
            rc = process.wait(timeout=INDEX_BUILD_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
            rc = -9
        took = time.perf_counter() - started
        sampler.stop()
    text = log_path.read_text(errors="replace")
    if rc != 0:
        raise RuntimeError(f"atp index build failed (rc {rc}):\n{text[-2000:]}")
    views = re.search(r"index: (\d+) views", text)
    shutil.rmtree(target, ignore_errors=True)
    return {
        "seconds": round(took, 1),
        "views": int(views.group(1)) if views else None,
        "peak_rss_mib": round(sampler.peak / MIB, 1),
        "measured": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
