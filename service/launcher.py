"""Start the real server from code: the tests and the benchmark launch it only through here.

`atp serve` as a child process on a free loopback port: wait for /readyz, stop it. The
standard library only, so importing this loads neither the app nor the engine (nor torch).

    with Server(env={"ATP_ENCODER_THREADS": "1"}) as server:
        urllib.request.urlopen(server.base + "/search?q=反拐")
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
APP_FACTORY = "service.app:create_app"
READY_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 15.0
LOG_TAIL_CHARS = 4000

# loopback never goes through a proxy, whatever http_proxy says
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# How `atp serve` runs uvicorn (service/cli.py; with serve_limits and the connection guard
# of service/serving.py). uvicorn's own access log would record query strings, so off: the
# app logs method, path, status and latency as one JSON line (logger atp.access, stdout).
SERVE_OPTIONS: dict[str, object] = {
    # uvloop: the same guarded h11 protocol on a libuv event loop; bench/http_stack.py
    # measures it against asyncio's loop and httptools (bench/RESULTS.md, HTTP stack)
    "loop": "uvloop",
    "access_log": False,
    "ws": "none",  # no WebSockets here: one protocol less to attack
    # the request line and headers h11 buffers before refusing with 400 (h11's default made
    # explicit): a 500-character Chinese question percent-encoded in the URL is 4.5 KB
    "h11_max_incomplete_event_size": 16 * 1024,
    "server_header": False,
}
# `atp serve`'s logging (uvicorn's log_config): errors on stderr, one line per message every
# 10 s at most, so a flood of one event (refused accepts, timed-out connections, bad
# requests) cannot fill the disk; the access log, one JSON line per request, on stdout.
LOG_CONFIG: dict[str, object] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"rate_limited": {"()": "service.serving.RateLimited", "interval_s": 10.0}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "line": {"format": "%(message)s"},
    },
    "handlers": {
        "errors": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": "plain",
            "filters": ["rate_limited"],
        },
        "access": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "line",
        },
    },
    "loggers": {
        "uvicorn": {"handlers": ["errors"], "level": "INFO", "propagate": False},
        "asyncio": {"handlers": ["errors"], "level": "WARNING", "propagate": False},
        "atp": {"handlers": ["errors"], "level": "INFO", "propagate": False},
        "atp.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    },
}
# Files the server holds open besides its connections: model, index, logs, pipes.
OWN_FILES = 128


def serve_limits(max_connections: int, backlog: int, open_files: int) -> tuple[int, int]:
    """(connections, backlog) that fit in ``open_files``, or accept() fails and asyncio logs
    each failure. asyncio accepts up to ``backlog`` connections at each turn of its loop,
    and a connection reaches the cap's check two turns later and the file of one it closes
    goes a turn after that: the cap leaves room for four backlogs and the server's own
    files (a full test run on a busy machine overflowed with room for two)."""
    backlog = max(16, min(backlog, open_files // 16))
    return max(16, min(max_connections, open_files - 4 * backlog - OWN_FILES)), backlog


def server_argv(host: str, port: int) -> list[str]:
    """The server's command line: `atp serve`, exactly as a user starts it."""
    return [sys.executable, "-m", "service.cli", "serve", "--host", host, "--port", str(port)]


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS says is free now (another process could take it before we bind)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def get_readyz(base: str, timeout: float = 2.0) -> tuple[int, dict]:
    """(status, JSON body) of GET /readyz; (0, {}) while nothing answers."""
    try:
        with _opener.open(base + "/readyz", timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read() or b"{}")
        except ValueError:
            return exc.code, {}
    except (OSError, ValueError):
        return 0, {}


def is_loading(status: int, body: dict) -> bool:
    """Whether /readyz says the engine is still loading (rather than ready or failed): error
    code `loading`, or a `not_ready` whose message says loading."""
    if status == 0:
        return True  # not listening yet
    error = body.get("error") or {}
    return status == 503 and (
        error.get("code") == "loading" or str(error.get("message", "")).startswith("loading")
    )


class ServerError(RuntimeError):
    """The server exited, could not load, or was not ready in time; the message ends with
    the tail of its log."""


class Server:
    """`atp serve` in a child process on a free loopback port.

    As a context manager it starts, waits until /readyz is 200 and stops on exit. For a
    server expected to fail loading: ``Server(env).start().wait(settled=True)``.
    """

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        log_path: Path | None = None,
        open_files: int | None = None,
        argv: Callable[[str, int], list[str]] | None = None,
    ) -> None:
        self.env = {**os.environ, **(env or {})}
        self.argv = argv or server_argv  # another command only to measure against atp serve
        self.open_files = open_files  # a lower limit on open files for the server process
        self.host = host
        self.port = port or free_port(host)
        self.base = f"http://{host}:{self.port}"
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.started: float | None = None  # perf_counter at spawn
        self.answered: float | None = None  # perf_counter of the first HTTP answer
        self._log: IO[bytes] | None = None

    def start(self) -> Server:
        # a file, not a pipe: a pipe nobody reads fills up and stalls the server; stop() closes it
        self._log = (
            self.log_path.open("w+b") if self.log_path else tempfile.TemporaryFile()  # noqa: SIM115
        )
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            self.argv(self.host, self.port),
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=self._limit_open_files if self.open_files else None,
        )
        return self

    def _limit_open_files(self) -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files, self.open_files))

    def wait(
        self, timeout: float = READY_TIMEOUT_S, *, settled: bool = False, poll: float = 0.05
    ) -> tuple[int, dict]:
        """Poll /readyz until it is 200, or with ``settled`` until loading has ended either
        way; returns its (status, body). Raises ServerError if the process dies, loading
        fails (when waiting for ready) or time runs out."""
        assert self.process is not None, "start() first"
        deadline = time.perf_counter() + timeout
        while True:
            if self.process.poll() is not None:
                self._fail(f"the server exited with {self.process.returncode}")
            status, body = get_readyz(self.base)
            if status and self.answered is None:
                self.answered = time.perf_counter()
            if status == 200 or (settled and not is_loading(status, body)):
                return status, body
            if not is_loading(status, body):
                message = (body.get("error") or {}).get("message", "")
                self._fail(f"the server cannot load (/readyz {status}: {message})")
            if time.perf_counter() > deadline:
                self._fail(f"/readyz not {'settled' if settled else 200} in {timeout:.0f} s")
            time.sleep(poll)

    def log(self, tail_chars: int = LOG_TAIL_CHARS) -> str:
        """The end of what the server printed."""
        if self._log is None or self._log.closed:
            return self.log_path.read_text(errors="replace")[-tail_chars:] if self.log_path else ""
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-tail_chars:]

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Terminate, wait, kill if it will not go; idempotent."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)
        if self._log is not None:
            self._log.close()

    def _fail(self, what: str) -> None:
        log = self.log()
        self.stop()
        raise ServerError(f"{what}; its log ends:\n{log}")

    def __enter__(self) -> Server:
        self.start()
        try:
            self.wait()
        except BaseException:  # an interrupt too: never leave the child behind
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
