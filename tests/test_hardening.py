"""What a hostile client, a bad network and a broken disk do (issue 15), each attack
reproduced on loopback against the real model, index and server, bounded in count and time.

Work: a long question costs a few short ones, and the cut loses nothing on dev.
Integrity: a flipped byte in any model file, or a tampered checksum list, refuses to serve
(index files and the index switch: tests/test_failures.py).
Connections: thousands of idle sockets, more than the server has open files, and clients
that trickle a request (slowloris) neither keep real requests out nor flood the log.
Overload: 503 with Retry-After instead of a queue; RSS bounded through a flood.
Headers, hosts, HEAD, docs, metrics, bounded errors; privacy: the access log and telemetry.
"""

from __future__ import annotations

import json
import os
import re
import resource
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import test_web

from corpus.build import load_agencies
from eval.run import load_qrels, load_questions, run_queries, score
from index.model.folder import (
    MAX_SEQ_LENGTH,
    STAMP_FILE,
    ModelCorruptError,
    ModelMissingError,
    parse_sums,
    tree_files,
)
from index.model.onnx import ONNX_STAMP, ONNX_SUMS, OnnxEncoder
from index.search import Searcher
from service import usecases
from service.engine import Engine
from service.launcher import Server

chromium_path, browser = test_web.chromium_path, test_web.browser  # its browser fixtures
SHORT = "医护人员发现疑似拐卖儿童怎么办"  # a typical question: 15 characters, 18 tokens


# ------------------------------------------------------------------ work per question


def long_question(engine, chars: int, salt: int) -> str:
    """``chars`` characters of the plan's own Chinese, different for every salt (so the
    query cache never answers it)."""
    text = "".join(p.text.zh_hans for p in engine.passages)
    start = (salt * 37) % (len(text) - chars)
    return f"{salt}：" + text[start : start + chars - len(str(salt)) - 1]


def median_ms(search, questions: list[str]) -> float:
    """Median CPU milliseconds of the whole process (the encoder's threads too) per search:
    what a question costs the server, whatever else runs on the machine."""
    times = []
    for question in questions:
        started = time.process_time()
        search(question)
        times.append((time.process_time() - started) * 1000)
    return statistics.median(times)


def test_a_500_character_question_costs_at_most_3_short_ones(settings, engine):
    """Uncut, a 500-character Chinese question cost about 10x a short one (issue 15); the
    encoder now cuts a question to ATP_MAX_QUERY_TOKENS. Same path as /search, cache missed."""

    def search(question):
        return usecases.search(engine, question, k=10)

    search(SHORT + "？")  # warm
    shorts, longs = [], []
    for round_ in range(3):  # interleaved, so a busy neighbour slows both alike
        salt = 1000 * round_
        shorts.append(median_ms(search, [f"{SHORT}（{salt + i}）" for i in range(7)]))
        longs.append(
            median_ms(
                search,
                [long_question(engine, settings.max_query_chars, salt + i) for i in range(7)],
            )
        )
    assert len(long_question(engine, settings.max_query_chars, 1)) == settings.max_query_chars
    short_ms, long_ms = statistics.median(shorts), statistics.median(longs)
    ratio = long_ms / short_ms
    print(f"CPU: short {short_ms:.1f} ms, {settings.max_query_chars} characters {long_ms:.1f} ms")
    assert ratio <= 3.0, f"a 500-character question costs {ratio:.1f}x a short one"


@pytest.mark.slow
def test_the_question_cut_moves_nothing_on_dev(settings, engine):
    """The cut was chosen on dev only: retrieval (hybrid, dense) and /ask's decision to
    answer are the same with the cut as without it, and the cut does touch dev questions."""
    uncut_encoder = OnnxEncoder(
        settings.model_dir, threads=settings.encoder_threads, max_query_tokens=MAX_SEQ_LENGTH
    )
    uncut = Searcher(
        engine.passages, load_agencies(settings.corpus_dir), engine.searcher.index, uncut_encoder
    )
    dev = [q for q in load_questions() if q.split == "dev"]
    tokenizer = uncut_encoder.tokenizer
    cut = [
        q for q in dev if len(tokenizer.encode("query: " + q.text).ids) > settings.max_query_tokens
    ]
    assert cut, "no dev question is long enough to be cut: this test would show nothing"
    qrels, answerable = load_qrels("dev"), [q.id for q in dev if q.answerable]
    for mode in ("hybrid", "dense"):
        served = score(run_queries(engine.searcher, dev, mode=mode), qrels, answerable)
        whole = score(run_queries(uncut, dev, mode=mode), qrels, answerable)
        assert {m: round(v, 3) for m, v in served.items()} == {
            m: round(v, 3) for m, v in whole.items()
        }, mode
    uncut_engine = Engine(
        engine.passages, engine.agencies, uncut, engine.answer_rules, engine.facts, 0.0
    )
    for q in dev:
        served = usecases.ask(engine, q.text, "auto").answer.answered
        assert usecases.ask(uncut_engine, q.text, "auto").answer.answered == served, q.id


# ------------------------------------------------------------------ integrity


def flip_one_byte(path: Path) -> None:
    """XOR the middle byte of a real file (never of a symlink's target)."""
    assert not path.is_symlink()
    with path.open("r+b") as fh:
        fh.seek(path.stat().st_size // 2)
        byte = fh.read(1)
        fh.seek(-1, 1)
        fh.write(bytes([byte[0] ^ 0xFF]))


def model_copy(settings, tmp_path: Path, damaged: str | None = None) -> Path:
    """The real model folder as symlinks to its files, except ``damaged``: a real copy with
    one byte flipped."""
    copy = tmp_path / "model"
    source = settings.model_dir
    for folder in [p for p in source.rglob("*") if p.is_dir()]:
        (copy / folder.relative_to(source)).mkdir(parents=True, exist_ok=True)
    for name in tree_files(source):
        if name == damaged:
            shutil.copyfile(source / name, copy / name)
            flip_one_byte(copy / name)
        else:
            (copy / name).symlink_to(source / name)
    return copy


@pytest.mark.slow
def test_a_flipped_byte_in_any_model_file_is_refused(settings, tmp_path):
    """Every file the export checksummed, the weights and the stamps alike: a flipped byte
    used to change 18 of 40 top answers with /readyz 200 (issue 15)."""
    names = sorted(parse_sums((settings.model_dir / ONNX_SUMS).read_text()))
    assert {"onnx/model.onnx.data", "model.safetensors", "tokenizer.json"} <= set(names)
    stamps = {STAMP_FILE, ONNX_STAMP}  # read first, to tell a stale export from a current one
    for name in names:
        copy = model_copy(settings, tmp_path / name.replace("/", "_"), damaged=name)
        with pytest.raises(ModelMissingError) as caught:
            OnnxEncoder(copy)
        if name in stamps:
            assert "other weights" in str(caught.value) and "atp model build" in str(caught.value)
        else:
            assert isinstance(caught.value, ModelCorruptError)
            assert f"{name} does not match its checksum" in str(caught.value)
            assert "atp model build --force" in str(caught.value)
        shutil.rmtree(copy)


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (lambda text: "", "is not in the checksum list"),
        (lambda text: text + "0" * 64 + "  onnx/gone.data\n", "onnx/gone.data is missing"),
        (lambda text: text + "not a checksum line\n", "cannot be read"),
    ],
    ids=["emptied", "a file too many", "malformed"],
)
def test_a_tampered_model_checksum_list_is_refused(settings, tmp_path, tamper, reason):
    copy = model_copy(settings, tmp_path)
    sums = copy / ONNX_SUMS
    text = sums.read_text()
    sums.unlink()  # the symlink, not the real list
    sums.write_text(tamper(text))
    with pytest.raises(ModelCorruptError, match=reason):
        OnnxEncoder(copy)


def unready(env: dict) -> dict:
    """The /readyz error of a real server that is expected to fail loading."""
    server = Server(env).start()
    try:
        status, body = server.wait(timeout=90, settled=True)
        assert status == 503, body
        assert httpx.get(server.base + "/healthz").status_code == 200, "still up"
        return body["error"]
    finally:
        server.stop()


def test_the_server_refuses_a_damaged_model(settings, tmp_path):
    copy = model_copy(settings, tmp_path, damaged="onnx/model.onnx.data")
    error = unready({"ATP_MODEL_DIR": str(copy)})
    assert error["code"] == "load_failed"
    assert "ModelCorruptError" in error["message"]
    assert "onnx/model.onnx.data does not match its checksum" in error["message"]
    assert "atp model build --force" in error["message"]
    assert str(tmp_path) not in error["message"], "no server paths in a response body"


def test_the_server_refuses_an_index_whose_checksum_list_was_emptied(settings, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(settings.index_dir, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    (copy / "manifest.json").write_text(json.dumps({**manifest, "files": {}}))
    error = unready({"ATP_INDEX_DIR": str(copy)})
    assert error["code"] == "load_failed"
    assert "IndexCorruptError" in error["message"]
    assert "not in the checksum list" in error["message"]
    assert str(tmp_path) not in error["message"]


# ------------------------------------------------------------------ connections

IDLE = 3500  # issue 15: about 20,000 idle connections took the service down


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`atp serve` with its default limits, logging to a file the tests read whole."""
    log_path = tmp_path_factory.mktemp("served") / "server.log"
    with Server(log_path=log_path) as server:
        yield server


def server_log(server: Server) -> str:
    return server.log_path.read_text(errors="replace")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def allow_open_files(count: int) -> None:
    """This test process needs a socket per idle connection."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 256:
        if hard != resource.RLIM_INFINITY and hard < count + 256:
            pytest.skip(f"this process may open only {hard} files")
        resource.setrlimit(resource.RLIMIT_NOFILE, (count + 256, hard))


def open_idle(server: Server, count: int) -> list[socket.socket]:
    """``count`` connections that never send a byte."""
    allow_open_files(count)
    sockets = []
    for _ in range(count):
        sockets.append(socket.create_connection((server.host, server.port), timeout=10))
    return sockets


def closed_by_server(sockets: list[socket.socket], wait: float = 0.2) -> list[bool]:
    """For each socket, whether the server has closed it (end of stream or reset)."""
    with selectors.DefaultSelector() as selector:
        for sock in sockets:
            selector.register(sock, selectors.EVENT_READ)
        readable = {key.fileobj for key, _ in selector.select(timeout=wait)}
    closed = []
    for sock in sockets:
        if sock not in readable:
            closed.append(False)
            continue
        try:
            closed.append(sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b"")
        except BlockingIOError:
            closed.append(False)
        except OSError:  # reset: the server aborted it
            closed.append(True)
    return closed


def timed_search(server: Server) -> float:
    """Seconds a real search takes on a new connection; it must succeed."""
    started = time.perf_counter()
    response = httpx.get(server.base + "/search", params={"q": "拐卖儿童 报告"}, timeout=10)
    took = time.perf_counter() - started
    assert response.status_code == 200, response.text[:200]
    return took


@pytest.mark.slow
def test_thousands_of_idle_connections_do_not_keep_a_request_out(served):
    before = len(server_log(served))
    idle = open_idle(served, IDLE)
    try:
        time.sleep(0.5)  # let the server accept them all
        took = timed_search(served)
        assert took < 1.0, f"a real request took {took:.2f} s behind {IDLE} idle connections"
        still_open = closed_by_server(idle).count(False)
        rss = rss_mib(served.process.pid)
        print(f"{IDLE} idle: search in {took * 1000:.0f} ms, server RSS {rss:.0f} MiB")
        assert still_open == IDLE, "under the cap, idle connections wait for their deadline"
    finally:
        for s in idle:
            s.close()
    assert "Traceback" not in server_log(served)[before:]


OPEN_FILES = 2048


@pytest.mark.slow
def test_more_idle_connections_than_open_files_neither_block_nor_flood_the_log(tmp_path):
    """The server may open 2,048 files and gets 3,500 idle connections: the cap, kept below
    the file limit, closes the ones that waited longest, so accept() never fails (asyncio
    logged a traceback per refused accept: 870 MB in 2.3 minutes) and requests get in."""
    log_path = tmp_path / "server.log"
    started = time.monotonic()
    with Server(log_path=log_path, open_files=OPEN_FILES) as server:
        idle = open_idle(server, IDLE)
        try:
            time.sleep(0.5)
            took = timed_search(server)
            assert took < 1.0, f"a real request took {took:.2f} s"
            closed = closed_by_server(idle).count(True)
            assert closed >= IDLE - OPEN_FILES, "the oldest idle connections were closed"
            assert timed_search(server) < 1.0
        finally:
            for s in idle:
                s.close()
        log = log_path.read_text(errors="replace")
    seconds = time.monotonic() - started
    assert "out of system resource" not in log and "Traceback" not in log
    assert log.count("connection limit") <= 1 + seconds / 10, "rate-limited: a line per 10 s"
    assert len(log) < 64_000, f"{len(log)} characters of log"


@pytest.mark.slow
def test_a_request_trickled_a_byte_a_second_is_cut_off(served, settings):
    """Slowloris: half the headers, 10 of 100 body bytes, or a second request's headers on
    a kept-alive connection, each continued a byte a second: every one is closed once
    ATP_REQUEST_TIMEOUT_S has passed (issue 15: still open after 90 s), well within 30 s."""
    before = len(server_log(served))
    host = f"Host: {served.host}\r\n".encode()
    heads = {
        "half the headers": b"GET /healthz HTTP/1.1\r\n" + host,
        "10 of 100 body bytes": b"POST /ask HTTP/1.1\r\n" + host + b"Content-Type: "
        b"application/json\r\nContent-Length: 100\r\n\r\n" + b'{"question"',
    }
    attacks = {name: socket.create_connection((served.host, served.port)) for name in heads}
    for name, head in heads.items():
        attacks[name].sendall(head)
    kept = socket.create_connection((served.host, served.port), timeout=10)
    kept.sendall(b"GET /healthz HTTP/1.1\r\n" + host + b"\r\n")
    assert kept.recv(4096).startswith(b"HTTP/1.1 200"), "the first request is served"
    kept.sendall(b"GET /healthz HTTP/1.1\r\n")
    attacks["a second request, slowly"] = kept
    pending = {name: b"X-Slow: " + b"z" * 60 for name in attacks}
    started, closed_after = time.monotonic(), {}
    while len(closed_after) < len(attacks) and time.monotonic() - started < 40:
        for name, sock in attacks.items():
            if name in closed_after:
                continue
            if closed_by_server([sock], wait=0)[0]:
                closed_after[name] = time.monotonic() - started
                continue
            try:
                sock.sendall(pending[name][:1])
                pending[name] = pending[name][1:]
            except OSError:
                closed_after[name] = time.monotonic() - started
        time.sleep(1.0)
    for sock in attacks.values():
        sock.close()
    print("closed after (s):", {k: round(v, 1) for k, v in closed_after.items()})
    assert set(closed_after) == set(attacks), (
        f"still open after 40 s: {set(attacks) - set(closed_after)}"
    )
    for name, after in closed_after.items():
        assert after <= min(30.0, settings.request_timeout_s + 3), (name, after)
        assert after >= settings.request_timeout_s - 3, f"{name} closed before its deadline"
    assert timed_search(served) < 1.0
    log = server_log(served)[before:]
    assert "Traceback" not in log and "ERROR" not in log, log[-2000:]


# ------------------------------------------------------------------ overload

# The acceptance run is 2 minutes at c=32; the suite floods for 30 s. Recorded run,
# `ATP_FLOOD_SECONDS=120 python -m pytest -s tests/test_hardening.py -k rss_stays` on the
# 2-core machine (load average 7): 4788 searches, all 200; RSS 621 MiB at the start, peak
# 790 MiB, 790 at the end.
FLOOD_SECONDS = float(os.environ.get("ATP_FLOOD_SECONDS", "30"))
FLOOD_CLIENTS = 32


def flood(server: Server, questions, seconds: float, clients: int) -> tuple[Counter, float]:
    """``clients`` closed-loop clients asking ``questions(i)`` for ``seconds``; returns the
    statuses seen and the server's peak RSS (MiB), sampled every 0.2 s."""
    statuses: Counter = Counter()
    retry_after: set[str | None] = set()
    peak, stop = rss_mib(server.process.pid), time.monotonic() + seconds
    lock = threading.Lock()

    def client(number: int) -> None:
        with httpx.Client(base_url=server.base, timeout=30) as http:
            i = 0
            while time.monotonic() < stop:
                response = http.get("/search", params={"q": questions(number * 100_000 + i)})
                i += 1
                with lock:
                    statuses[response.status_code] += 1
                    if response.status_code == 503:
                        assert response.json()["error"]["code"] == "overloaded"
                        retry_after.add(response.headers.get("retry-after"))

    with ThreadPoolExecutor(clients) as pool:
        running = [pool.submit(client, n) for n in range(clients)]
        while not all(f.done() for f in running):
            peak = max(peak, rss_mib(server.process.pid))
            time.sleep(0.2)
        for f in running:
            f.result()
    assert retry_after <= {"1"}, retry_after
    return statuses, peak


def test_overload_is_refused_at_once_with_retry_after(engine, settings):
    """One search thread and room for two waiting: 24 clients asking long questions get
    200 or 503 overloaded with Retry-After (issue 15: an unbounded queue), nothing else."""
    env = {"ATP_SEARCH_THREADS": "1", "ATP_MAX_PENDING": "2"}
    with Server(env) as server:
        statuses, _ = flood(
            server, lambda i: long_question(engine, settings.max_query_chars, i), 8, 24
        )
        assert set(statuses) == {200, 503}, statuses
        assert timed_search(server) < 1.0
    print("statuses:", dict(statuses))


@pytest.mark.slow
def test_rss_stays_under_1_gb_through_a_flood_of_long_questions(engine, settings):
    """Issue 15: at c=32, 500-character questions drove RSS from 680 MB to 1.2 GB, never
    released. Default settings; every question new (the cache never answers)."""
    with Server() as server:
        start = rss_mib(server.process.pid)
        statuses, peak = flood(
            server,
            lambda i: long_question(engine, settings.max_query_chars, i),
            FLOOD_SECONDS,
            FLOOD_CLIENTS,
        )
        end = rss_mib(server.process.pid)
    print(
        f"{FLOOD_SECONDS:.0f} s at c={FLOOD_CLIENTS}: {dict(statuses)}; RSS {start:.0f} MiB "
        f"at the start, peak {peak:.0f}, {end:.0f} at the end"
    )
    assert statuses[200] > 0 and set(statuses) <= {200, 503}
    assert peak < 1024, f"peak RSS {peak:.0f} MiB"


# ------------------------------------------------------------------ headers, hosts, HEAD


@pytest.fixture(scope="module")
def app_client(settings, engine):
    """The real app on TestClient, with a route that fails, to see a 500 too."""
    from fastapi.testclient import TestClient

    from service.app import create_app

    app = create_app(settings, engine=engine)

    @app.get("/fails-for-the-test", include_in_schema=False)
    async def fails():
        raise RuntimeError("on purpose")

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


REQUESTS = {
    "page": ("GET", "/", {}),
    "search": ("GET", "/search?q=反拐", {}),
    "ask": ("POST", "/ask", {"json": {"question": "拐卖儿童怎么办"}}),
    "static": ("GET", "/static/app.js", {}),
    "docs": ("GET", "/docs", {}),
    "openapi": ("GET", "/openapi.json", {}),
    "404": ("GET", "/no-such-page", {}),
    "405": ("DELETE", "/search", {}),
    "413": ("POST", "/ask", {"content": b"x" * 100_000}),
    "422": ("GET", "/search?q=", {}),
    "400 host": ("GET", "/", {"headers": {"host": "attacker.example"}}),
    "500": ("GET", "/fails-for-the-test", {}),
    "head": ("HEAD", "/", {}),
}


@pytest.mark.parametrize("name", REQUESTS)
def test_every_response_carries_the_security_headers(app_client, name):
    method, path, options = REQUESTS[name]
    response = app_client.request(method, path, **options)
    assert response.status_code == int(name[:3]) if name[0].isdigit() else 200
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    policy = dict(p.strip().split(" ", 1) for p in headers["content-security-policy"].split(";"))
    assert policy["default-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert policy["script-src"] == "'self'", "no inline or foreign script anywhere"


def test_the_page_loads_only_what_its_policy_allows():
    """Every script, style sheet and icon of the page is its own (or a data: icon)."""
    from service.app import STATIC_DIR

    html = (STATIC_DIR / "index.html").read_text()
    assert "<script>" not in html and " style=" not in html and "<style" not in html
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        # tel: is the emergency line's link (issue 14): it calls, it loads nothing
        assert url.startswith(("/", "#", "data:", "tel:")), url


def test_head_is_answered_as_get_without_a_body(app_client):
    for path in ("/", "/search?q=反拐", "/readyz", "/static/style.css", "/docs"):
        for encoding in ("identity", "gzip"):  # a HEAD says what the GET sends, compressed or not
            headers = {"accept-encoding": encoding}
            got, head = (
                app_client.get(path, headers=headers),
                app_client.head(path, headers=headers),
            )
            assert head.status_code == got.status_code == 200, path
            assert head.content == b""
            assert head.headers["content-length"] == got.headers["content-length"], path
            assert head.headers.get("content-encoding") == got.headers.get("content-encoding")
        plain = app_client.get(path, headers={"accept-encoding": "identity"})
        assert plain.headers["content-length"] == str(len(plain.content)), path


def test_hosts_default_to_this_machine_and_can_be_set(settings):
    from service.settings import Settings

    assert Settings(allowed_hosts=[], host="10.0.0.5").trusted_hosts == [
        "10.0.0.5",
        "127.0.0.1",
        "localhost",
    ]
    assert Settings(allowed_hosts=["search.example.org"]).trusted_hosts == ["search.example.org"]


def test_docs_are_served_from_the_installed_package_not_a_cdn(app_client, settings, engine):
    from fastapi.testclient import TestClient

    from service.app import create_app

    page = app_client.get("/docs").text
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert urls and all(url.startswith("/docs/") for url in urls), urls
    for url in urls:
        assert app_client.get(url).status_code == 200, url
    assert app_client.get("/redoc").status_code == 404, "ReDoc would load from a CDN"
    off = TestClient(create_app(settings.model_copy(update={"docs": False}), engine=engine))
    assert off.get("/docs").status_code == 404
    assert off.get("/openapi.json").status_code == 200, "the contract's document stays"


def test_metrics_are_off_the_public_port_unless_asked(app_client, settings, engine):
    """Other machines get 404 (TestClient's client is not a loopback address); the
    contract's GET /metrics still answers this machine (a real server on 127.0.0.1)."""
    from fastapi.testclient import TestClient

    from service.app import create_app, is_loopback
    from service.launcher import free_port

    assert app_client.get("/metrics").status_code == 404
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("127.8.0.1")
    assert not is_loopback("10.0.0.1") and not is_loopback("testclient")
    with Server() as server:
        local = httpx.get(server.base + "/metrics")
        assert local.status_code == 200 and "atp_searches_total" in local.text
    port = free_port()
    apart = settings.model_copy(update={"metrics_port": port})
    with TestClient(create_app(apart, engine=engine)) as client:
        client.get("/search", params={"q": "反拐"})
        assert client.get("/metrics").status_code == 404
        text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        assert "atp_searches_total" in text and "atp_overloaded_total" in text


@pytest.mark.parametrize(
    ("method", "path", "options"),
    [
        ("POST", "/ask", {"json": {"question": "x", "k" * 10_000: 1}}),
        ("GET", "/passages/" + "x" * 10_000, {}),
        ("GET", "/agencies/" + "y" * 10_000 + "/passages", {}),
        ("GET", "/search", {"params": {"q": "x", "agency": "z" * 10_000}}),
        ("GET", "/search", {"params": {"q": "x", "k" * 10_000: "1", "mode": "m" * 10_000}}),
        ("GET", "/" + "p" * 10_000, {}),
    ],
    ids=["ask field", "passage", "agency path", "agency param", "params", "route"],
)
def test_errors_echo_no_input_without_bound(app_client, method, path, options):
    response = app_client.request(method, path, **options)
    assert 400 <= response.status_code < 500
    assert len(response.json()["error"]["message"]) <= 600, response.text[:200]


def test_a_failed_load_names_no_server_path(settings, tmp_path):
    """Every folder the reason could name becomes its setting's name."""
    from fastapi.testclient import TestClient

    from service.app import create_app

    missing = settings.model_copy(update={"index_dir": tmp_path / "gone"})
    with TestClient(create_app(missing)) as client:
        deadline = time.monotonic() + 60
        while client.get("/readyz").json()["error"]["code"] == "loading":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        message = client.get("/readyz").json()["error"]["message"]
    assert "ATP_INDEX_DIR" in message and str(tmp_path) not in message
    assert "/work" not in message and "/root" not in message


# ------------------------------------------------------------------ privacy

SECRET = "秘密的问题XYZZY"


def test_one_json_access_line_per_request_and_no_question_anywhere(served):
    before = len(server_log(served))
    calls = [
        ("GET", f"/search?q={SECRET}&k=2", None, 200),
        ("POST", "/ask", {"question": SECRET}, 200),
        ("GET", f"/search?q={SECRET}&k=0", None, 422),
        ("HEAD", "/", None, 200),
        ("GET", "/no-such-page?q=" + SECRET, None, 404),
    ]
    for method, path, body, status in calls:
        assert httpx.request(method, served.base + path, json=body).status_code == status
    time.sleep(0.3)
    log = server_log(served)[before:]
    assert SECRET not in log and "XYZZY" not in log
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert [(x["method"], x["path"], x["status"]) for x in lines] == [
        (method, path.split("?")[0], status) for method, path, _, status in calls
    ]
    assert all(set(x) == {"method", "path", "status", "ms"} and x["ms"] >= 0 for x in lines)


def cache_files(home: Path) -> list[str]:
    return sorted(str(p.relative_to(home)) for p in home.rglob("*") if p.is_file())


def test_onnx_runtime_writes_no_telemetry_files(tmp_path):
    """ONNX Runtime keeps a device id and an event queue under ~/.cache/Microsoft unless
    ORT_DISABLE_TELEMETRY is set before it is imported; the project sets it. First shown
    to happen without it (so this test can fail), then a real server and its searches."""
    bare = tmp_path / "bare"
    bare.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("ORT_DISABLE_TELEMETRY", "CI")}
    subprocess.run(
        [sys.executable, "-c", "import onnxruntime"], env={**env, "HOME": str(bare)}, check=True
    )
    assert any("Microsoft" in name for name in cache_files(bare)), "the control shows nothing"
    home = tmp_path / "home"
    home.mkdir()
    with Server({"HOME": str(home), "ORT_DISABLE_TELEMETRY": "", "CI": ""}) as server:
        assert timed_search(server) < 5
        httpx.post(server.base + "/ask", json={"question": "拐卖儿童怎么办"}, timeout=30)
    assert not [name for name in cache_files(home) if "Microsoft" in name], cache_files(home)


# ------------------------------------------------------------------ in a real browser


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/", "/docs"])
def test_the_page_and_the_docs_work_under_their_policy(browser, served, path):
    """Chromium enforces the Content-Security-Policy: nothing is refused, and each renders."""
    context = browser.new_context()
    try:
        page = context.new_page()
        refused: list[str] = []
        page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else 0)
        page.on("pageerror", lambda exc: refused.append(str(exc)))
        page.goto(served.base + path)
        if path == "/":
            page.get_by_label(re.compile("search", re.I)).fill(SHORT)
            page.keyboard.press("Enter")
            page.wait_for_selector("#view .results .card", timeout=60_000)
        else:
            page.wait_for_selector(".swagger-ui .info .title", timeout=60_000)
            assert "ATP Search" in page.inner_text(".swagger-ui .info .title")
            page.wait_for_selector(".opblock", timeout=60_000)
        assert not refused, refused
    finally:
        context.close()


# ------------------------------------------------------------------ the README's Security section


def test_every_setting_is_documented_and_every_documented_one_exists():
    from service.settings import Settings

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    named = set(re.findall(r"`ATP_([A-Z0-9_]+)`", readme))
    fields = {name.upper() for name in Settings.model_fields}
    assert fields - named == set(), "settings missing from README.md"
    assert named - fields == set(), "README.md names settings that do not exist"
    security = readme.split("## Security", 1)[1].split("\n## ", 1)[0]
    for limit in ("MAX_CONNECTIONS", "REQUEST_TIMEOUT_S", "MAX_PENDING", "ALLOWED_HOSTS"):
        assert f"`ATP_{limit}`" in security
