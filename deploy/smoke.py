"""The checks `make image-test` runs against the image's pod (app behind its nginx), over HTTP.

Why a script of its own: every check is one function that fails with what it saw, and the
whole run is bounded (about 15 s once the app is ready). Standard library only: it runs on
the host's bare Python, before or without the project's virtualenv.

    python3 deploy/smoke.py --proxy http://127.0.0.1:PORT --metrics http://127.0.0.1:PORT2
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

# Pinned questions and the passage each must find first (the plan's "Tuanyuan" platform).
QUESTIONS = {
    "zh": ("公安部儿童失踪信息紧急发布平台", "2.2.2.1.6"),
    "en": ("Who builds the Tuanyuan emergency platform for missing children?", "2.2.2.1.6"),
}
HEADER_TIMEOUT_S = 10  # nginx.conf client_header_timeout
BODY_LIMIT = 16 * 1024  # nginx.conf client_max_body_size, the app's ATP_MAX_BODY_BYTES
IDLE_CONNECTIONS = 500
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


def request(url: str, data: bytes | None = None, timeout: float = 10.0) -> Reply:
    """One HTTP request; an error status is a reply like any other."""
    headers = {"Content-Type": "application/json"} if data is not None else {}
    req = urllib.request.Request(url, data=data, headers=headers)
    try:
        with OPENER.open(req, timeout=timeout) as response:
            return Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, dict(error.headers), error.read())


def wait_ready(base: str, timeout_s: float) -> float:
    """Seconds until /readyz through the proxy answers 200."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        try:
            if request(base + "/readyz", timeout=2).status == 200:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"/readyz not 200 through the proxy within {timeout_s:.0f} s")


def check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def search_finds_pinned_passages(base: str, _metrics: str) -> str:
    found = []
    for lang, (question, expected) in QUESTIONS.items():
        reply = request(base + "/search?" + urllib.parse.urlencode({"q": question, "k": 5}))
        check(reply.status == 200, f"/search {lang}: {reply.status} {reply.body[:200]!r}")
        ids = [hit["passage"]["id"] for hit in reply.json()["results"]]
        check(ids[:1] == [expected], f"/search {lang}: top {ids[:3]}, expected {expected}")
        found.append(f"{lang} -> {expected}")
    return ", ".join(found)


def metrics_only_on_the_metrics_port(base: str, metrics: str) -> str:
    public = request(base + "/metrics")
    check(public.status == 404, f"/metrics on the public port: {public.status}")
    scraped = request(metrics + "/metrics")
    check(scraped.status == 200, f"/metrics on the metrics port: {scraped.status}")
    check(b"# TYPE" in scraped.body, "the metrics port does not answer Prometheus text")
    other = request(metrics + "/search?q=x")
    check(other.status == 404, f"the metrics port serves more than /metrics: {other.status}")
    return "public 404, metrics port 200"


def proxy_refuses_large_bodies(base: str, _metrics: str) -> str:
    """The limit sits where the app's does: a byte over 16 KiB is refused, a body just under
    it reaches the app (which refuses the question as too long, not the body)."""

    def ask(size: int) -> tuple[int, Reply]:
        body = json.dumps({"question": ""}).encode()
        body = json.dumps({"question": "x" * (size - len(body))}).encode()
        return len(body), request(base + "/ask", data=body)

    over, refused = ask(BODY_LIMIT + 1)
    check(refused.status == 413, f"{over}-byte body: {refused.status}")
    check(refused.json()["error"]["code"] == "body_too_large", f"413 body: {refused.body!r}")
    under, passed = ask(BODY_LIMIT - 400)
    code = passed.json()["error"]["code"] if passed.status >= 400 else None
    check(code == "query_too_long", f"{under}-byte body: {passed.status} {passed.body[:200]!r}")
    return f"{over} bytes -> 413, {under} bytes -> the app's {passed.status} {code}"


def foreign_hosts_are_refused(base: str, _metrics: str) -> str:
    """The proxy passes the client's Host on, and the app serves only its own names."""
    req = urllib.request.Request(base + "/healthz", headers={"Host": "attacker.example"})
    try:
        with OPENER.open(req, timeout=10) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    check(status == 400, f"Host attacker.example: {status}")
    return "Host attacker.example -> 400"


def proxy_hides_its_version(base: str, _metrics: str) -> str:
    server = request(base + "/healthz").headers.get("Server", "")
    check(server in ("", "nginx"), f"Server header gives a version: {server!r}")
    return f"Server: {server!r}"


def slow_headers_are_cut_off(base: str, _metrics: str) -> str:
    """Slowloris: half a request's headers, then silence: nginx must hang up."""
    host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
    started = time.monotonic()
    with socket.create_connection((host, port), timeout=HEADER_TIMEOUT_S + 10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        try:
            closed = sock.recv(1024) == b""
        except TimeoutError:
            closed = False
        except ConnectionResetError:  # reset_timedout_connection
            closed = True
    took = time.monotonic() - started
    check(closed and took < HEADER_TIMEOUT_S + 5, f"half-sent headers still open after {took:.1f}s")
    return f"closed after {took:.1f} s"


def idle_connections_do_not_starve_requests(base: str, _metrics: str) -> str:
    host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
    idle = [socket.create_connection((host, port), timeout=5) for _ in range(IDLE_CONNECTIONS)]
    try:
        started = time.monotonic()
        question, _ = QUESTIONS["zh"]
        reply = request(base + "/search?" + urllib.parse.urlencode({"q": question}), timeout=5)
        took = time.monotonic() - started
    finally:
        for sock in idle:
            sock.close()
    check(reply.status == 200 and took < 1.0, f"/search beside idle: {reply.status}, {took:.2f}s")
    return f"{IDLE_CONNECTIONS} idle connections open, /search in {took * 1000:.0f} ms"


def one_client_is_rate_limited(base: str, _metrics: str) -> str:
    """Last: it spends this client's burst. 60 back-to-back requests outrun 10/s + 20."""
    replies = [request(base + "/healthz") for _ in range(60)]
    limited = [r for r in replies if r.status == 429]
    check(limited, f"60 requests, statuses {sorted({r.status for r in replies})}: none limited")
    check(limited[0].headers.get("Retry-After") == "1", f"429 headers: {limited[0].headers}")
    check(limited[0].json()["error"]["code"] == "rate_limited", f"429 body: {limited[0].body!r}")
    check(all(r.status in (200, 429) for r in replies), "statuses other than 200 and 429")
    return f"{len(limited)} of 60 answered 429 with Retry-After"


CHECKS: list[Callable[[str, str], str]] = [
    search_finds_pinned_passages,
    metrics_only_on_the_metrics_port,
    proxy_refuses_large_bodies,
    foreign_hosts_are_refused,
    proxy_hides_its_version,
    slow_headers_are_cut_off,
    idle_connections_do_not_starve_requests,
    one_client_is_rate_limited,
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="check the image's pod over HTTP")
    parser.add_argument("--proxy", required=True, help="base URL of the proxy's public port")
    parser.add_argument("--metrics", required=True, help="base URL of the proxy's metrics port")
    parser.add_argument("--ready-timeout", type=float, default=180.0)
    args = parser.parse_args(argv)
    ready_s = wait_ready(args.proxy, args.ready_timeout)
    print(f"ok   ready through the proxy in {ready_s:.1f} s")
    failed = 0
    for run in CHECKS:
        try:
            print(f"ok   {run.__name__}: {run(args.proxy, args.metrics)}")
        except (AssertionError, OSError, ValueError, KeyError) as exc:
            failed += 1
            print(f"FAIL {run.__name__}: {exc}")
    print(json.dumps({"ready_s": round(ready_s, 1), "failed": failed}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
