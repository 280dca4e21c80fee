"""Hostile and malformed input against the real app, model and index.

Never a 500: odd but well-formed text is searched and echoed back only as JSON data; bad
input gets a 4xx with the error envelope {"error": {"code", "message"}} and a message a
person can act on. test_api.py already covers the basic cases of API.md (empty q, 501
characters, k=0/51/"ten", one bad value per filter, "not json", text/plain); these are the
rest. The question text never reaches a log.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time

import httpx
import pytest

LIMIT = 500  # Settings.max_query_chars default; the tests read the live value from settings


def assert_error(response, status: int | None = None, code: str | None = None) -> dict:
    """A 4xx JSON error envelope with a readable message; returns the error object."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    if status is not None:
        assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"]
    message = error["message"]
    assert isinstance(message, str) and len(message) >= 10, message
    assert "Traceback" not in message and 'File "' not in message
    if code is not None:
        assert error["code"] == code, error
    return error


def assert_search_ok(response, q: str) -> dict:
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["query"]["q"] == q
    assert isinstance(body["results"], list)
    return body


# ------------------------------------------------------------------ empty and long text


@pytest.mark.parametrize("blank", ["\u3000\u3000", "\n\r\t\v\f", "\u00a0\u2003\u2029"])
def test_unicode_whitespace_only_is_an_empty_query(client, blank):
    assert_error(client.get("/search", params={"q": blank}), 422, "empty_query")
    assert_error(client.post("/ask", json={"question": blank}), 422, "empty_query")


def test_empty_values_in_the_raw_query_string(client):
    assert_error(client.get("/search?q="), 422, "empty_query")
    assert_error(client.get("/search?q=%20%20%20"), 422, "empty_query")
    assert_error(client.get("/search?q=+++"), 422, "empty_query")


@pytest.mark.parametrize("char", ["x", "拐", "🙂"])
def test_ten_thousand_characters(client, settings, char):
    text = char * 10_000
    # httpx refuses URLs over 64 KiB: 10,000 percent-encoded CJK or emoji would be 90-120 KiB
    q = text if char.isascii() else text[:5000]
    error = assert_error(client.get("/search", params={"q": q}), 422, "query_too_long")
    assert str(len(q)) in error["message"] and str(settings.max_query_chars) in error["message"]
    response = client.post("/ask", json={"question": text})
    if len(json.dumps({"question": text}).encode()) > settings.max_body_bytes:
        assert_error(response, 413, "body_too_large")  # refused before it is even parsed
    else:
        assert_error(response, 422, "query_too_long")


def test_the_limit_itself_is_accepted(client, settings):
    q = "反" * settings.max_query_chars
    assert_search_ok(client.get("/search", params={"q": q, "k": 1, "mode": "keyword"}), q)


# ------------------------------------------------------------------ odd but valid text


ODD_QUERIES = {
    "escape": "\x1b[31m trafficking \x1b[0m",
    "bidi override": "\u202etrafficking children\u202c",
    "zero width": "拐\u200b卖\ufeff",
    "emoji": "🚸👶 child trafficking 🆘",
    "mixed scripts": "公安部 DNA數據庫 трафик الاتجار अवैध 인신매매",
    "combining marks": "tra\u0301ffi\u0308cking",
    "sql injection": "' OR 1=1 --",
    "sql injection 2": "'; DROP TABLE passages; --",
    "path traversal": "../../etc/passwd",
    "json": '{"question": "x"}',
    "format string": "%s%s%s%n {0} ${jndi:ldap://x}",
    "replacement chars": "\ufffd\ufffd",
}


@pytest.mark.parametrize("q", ODD_QUERIES.values(), ids=ODD_QUERIES.keys())
@pytest.mark.parametrize("mode", ["hybrid", "keyword"])
def test_odd_text_is_searched_and_echoed_as_data(client, q, mode):
    assert_search_ok(client.get("/search", params={"q": q, "k": 3, "mode": mode}), q)


@pytest.mark.parametrize("q", ["反拐\x1b教育", "\u202ewho rescues children\u202c", "🚸 拐卖 🆘"])
def test_odd_text_is_answered(client, q):
    response = client.post("/ask", json={"question": q})
    assert response.status_code == 200, response.text[:300]
    assert isinstance(response.json()["answer"], str)


@pytest.mark.parametrize("raw", ["%ff%fe", "%c0%80", "%ed%a0%80", "%f4%90%80%80"])
def test_invalid_percent_encoded_utf8_is_refused_like_a_lone_surrogate(client, raw):
    """%ff%fe, an overlong NUL, a UTF-16 surrogate in UTF-8, past U+10FFFF: none is UTF-8.
    Starlette would decode them to U+FFFD and search that; refused as /ask refuses a lone
    surrogate (issue 15)."""
    response = client.get(f"/search?q=a{raw}b&k=2")
    assert response.request.url.raw_path == f"/search?q=a{raw}b&k=2".encode()  # sent as is
    error = assert_error(response, 422, "invalid_text")
    assert "UTF-8" in error["message"]


def test_a_lone_percent_is_just_a_character(client):
    assert_search_ok(client.get("/search?q=a%b&k=1"), "a%b")


@pytest.mark.parametrize("q", ["反拐\x00教育", "\x00"])
def test_nul_is_refused_alike_on_search_and_ask(client, q):
    for response in (
        client.get("/search", params={"q": q}),
        client.post("/ask", json={"question": q}),
    ):
        error = assert_error(response, 422, "invalid_text")
        assert "NUL" in error["message"]


HTML = "<img src=x onerror=alert(1)>"


def test_html_is_echoed_only_as_json_string_data(client):
    response = client.get("/search", params={"q": HTML, "k": 2})
    body = assert_search_ok(response, HTML)
    assert response.headers["content-type"] == "application/json"
    assert not response.text.lstrip().startswith("<")
    # the only place the markup appears is the JSON string that echoes the query
    assert response.text.count("onerror") == 1 and body["query"]["q"] == HTML
    for path in ("/passages/" + HTML, "/agencies/" + HTML + "/passages"):
        response = client.get(path)
        assert_error(response, 404)
        assert response.headers["content-type"] == "application/json"
    for response in (
        client.get("/search", params={"q": "x", "agency": HTML}),
        client.post("/ask", json={"question": HTML}),
        client.post("/ask", json={"question": "x", "lang": HTML}),
    ):
        assert response.headers["content-type"] == "application/json"
        json.loads(response.text)


# ------------------------------------------------------------------ k and the filters


@pytest.mark.parametrize("k", [-1, 10**9, 10**30, 2.5, "abc", "1e3", "0x10", "", "5 5"])
def test_bad_k(client, k):
    error = assert_error(client.get("/search", params={"q": "反拐", "k": k}), 422)
    assert error["code"] == "invalid_request" and error["message"].startswith("k")


@pytest.mark.parametrize("k", [1, 50, "007", " 5 "])
def test_k_edges(client, k):
    """Pydantic reads "007" and " 5 " as integers: lenient, harmless."""
    body = assert_search_ok(client.get("/search", params={"q": "反拐", "k": k}), "反拐")
    assert body["query"]["k"] == int(k) and len(body["results"]) <= int(k)


ALLOWED = {
    "lang": ["auto", "zh-Hans", "zh-Hant", "en"],
    "role": ["lead", "cooperating", "any"],
    "kind": ["principle", "goal", "measure", "bullet", "guarantee"],
    "mode": ["hybrid", "dense", "keyword"],
}


@pytest.mark.parametrize("name", ALLOWED)
@pytest.mark.parametrize("value", ["xx", "HYBRID", "zh_Hans", "lead ", "\x00", "' OR 1=1 --"])
def test_unknown_filter_value_names_the_allowed_values(client, name, value):
    error = assert_error(client.get("/search", params={"q": "反拐", name: value}), 422)
    assert error["code"] == "invalid_request" and name in error["message"]
    for allowed in ALLOWED[name]:
        assert allowed in error["message"], error["message"]


def test_unknown_role_on_agency_passages(client):
    error = assert_error(client.get("/agencies/mps/passages", params={"role": "boss"}), 422)
    assert all(r in error["message"] for r in ALLOWED["role"])


@pytest.mark.parametrize("agency", ["nasa", "MPS ' OR 1=1 --", "公安部门外", "\x00", "x" * 5000])
def test_unknown_agency_lists_the_ids(client, engine, agency):
    error = assert_error(
        client.get("/search", params={"q": "反拐", "agency": agency}), 422, "unknown_agency"
    )
    assert all(a.id in error["message"] for a in engine.agencies)
    assert len(error["message"]) < 2000, "the message quotes a bounded part of the input"


def test_unknown_lang_on_ask_names_the_allowed_values(client):
    error = assert_error(client.post("/ask", json={"question": "反拐", "lang": "fr"}), 422)
    assert all(v in error["message"] for v in ALLOWED["lang"])


def test_unknown_extra_query_parameter_is_accepted_and_ignored(client):
    """Extra query parameters are ignored (FastAPI's default), not refused."""
    plain = client.get("/search", params={"q": "打拐DNA信息库", "k": 5})
    extra = client.get(
        "/search", params={"q": "打拐DNA信息库", "k": 5, "foo": "bar", "debug": "1", "Q": "x"}
    )
    assert_search_ok(extra, "打拐DNA信息库")
    assert extra.json() == plain.json()


def test_repeated_parameter_takes_the_last_value(client):
    body = assert_search_ok(client.get("/search?q=a&q=%E5%8F%8D%E6%8B%90&k=1"), "反拐")
    assert body["query"]["k"] == 1


# ------------------------------------------------------------------ /ask bodies


def test_one_megabyte_json_body_is_413(client, settings):
    body = json.dumps({"question": "拐" * 350_000}).encode()
    assert len(body) > 1_000_000
    error = assert_error(
        client.post("/ask", content=body, headers={"content-type": "application/json"}),
        413,
        "body_too_large",
    )
    assert str(settings.max_body_bytes) in error["message"]


def chunks(total: int, size: int = 4096):
    """A JSON body of `total` bytes, streamed: httpx then sends it chunked."""
    yield b'{"question": "'
    sent = 16
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size
    yield b'"}'


def test_chunked_body_over_the_limit_is_413(client, settings):
    response = client.post(
        "/ask",
        content=chunks(4 * settings.max_body_bytes),
        headers={"content-type": "application/json"},
    )
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert_error(response, 413, "body_too_large")


def test_chunked_body_over_the_limit_is_413_over_a_real_socket(live_server, settings):
    """Through uvicorn's HTTP parser: the body arrives in pieces with no Content-Length."""
    with httpx.Client(base_url=live_server, timeout=30) as http:
        response = http.post(
            "/ask",
            content=chunks(4 * settings.max_body_bytes),
            headers={"content-type": "application/json"},
        )
        assert "content-length" not in response.request.headers
        assert_error(response, 413, "body_too_large")
        # the server is still fine afterwards
        assert http.get("/healthz").status_code == 200


def test_a_utf8_byte_order_mark_is_tolerated(client):
    body = b'\xef\xbb\xbf{"question": "\xe5\x8f\x8d\xe6\x8b\x90"}'
    response = client.post("/ask", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text[:300]


def test_small_chunked_body_is_accepted(client):
    def small():
        yield b'{"question": '
        yield '"反拐教育"}'.encode()

    response = client.post("/ask", content=small(), headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text[:300]


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"question": "\xe5\x8f\x8d\xe6\x8b\x90"}', "text/plain"),
        (b"question=%E5%8F%8D%E6%8B%90", "application/x-www-form-urlencoded"),
        (
            b'--b\r\nContent-Disposition: form-data; name="question"\r\n\r\nhello\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
        ),
        (b'{"question": "x"}', "application/xml"),
        (b'{"question": "x"}', ""),
    ],
    ids=["text/plain", "form", "multipart", "xml", "no content-type"],
)
def test_wrong_content_type_on_ask(client, content, content_type):
    headers = {"content-type": content_type} if content_type else {}
    response = client.post("/ask", content=content, headers=headers)
    error = assert_error(response, 422, "invalid_request")
    assert "object" in error["message"]  # "Input should be a valid dictionary or object"


@pytest.mark.parametrize(
    "body",
    [
        b'["how do I report trafficking"]',
        b"42",
        b"-1.5e300",
        b'"just a string"',
        b"null",
        b"true",
        b"{}",
        b'{"question": null}',
        b'{"question": 42}',
        b'{"question": ["a", "b"]}',
        b'{"question": {"$ne": ""}}',
        b'{"question": "x", "lang": null}',
        b'{"question": "x", "k": 999}',
    ],
)
def test_wrong_json_shapes_on_ask(client, body):
    response = client.post("/ask", content=body, headers={"content-type": "application/json"})
    assert_error(response, 422, "invalid_request")


@pytest.mark.parametrize(
    "body",
    [
        b'{"question": "\xe5\x8f\x8d\xe6',  # truncated
        b"{'question': 'x'}",  # single quotes
        b'{"question": "x",}',  # trailing comma
        b'{"question": "\xff\xfe"}',  # not UTF-8
        b'{"question": "x"} {"question": "y"}',  # two documents
        b"\x00\x00\x00",
        b'{"question": NaN}',
        b"[" * 5000 + b"]" * 5000,  # deep nesting
    ],
    ids=["truncated", "quotes", "comma", "not-utf8", "two", "nul", "nan", "deep"],
)
def test_invalid_json_on_ask(client, body):
    """422 with the JSON error's position; 422 invalid_text when the bytes are not UTF-8, cut
    mid-character too (as /search says of its query string); 400 "There was an error parsing
    the body" (FastAPI's own answer) when they nest deeper than Python's recursion limit."""
    response = client.post("/ask", content=body, headers={"content-type": "application/json"})
    code = assert_error(response)["code"]
    broken_utf8 = (b'{"question": "\xff\xfe"}', b'{"question": "\xe5\x8f\x8d\xe6')
    if body in broken_utf8:
        assert code == "invalid_text"
    else:
        assert code in ("invalid_request", "bad_request")


@pytest.mark.parametrize("question", ["\ud800", "反拐\udfff教育", "a\ud83d"])
def test_lone_surrogates_in_json_are_refused_not_crashed(client, question):
    """JSON's \\ud800 escape decodes to a lone surrogate, which is not text (no UTF-8):
    it used to crash OpenCC inside the search (500)."""
    body = json.dumps({"question": question}).encode()  # ASCII: the escape, not the char
    response = client.post("/ask", content=body, headers={"content-type": "application/json"})
    error = assert_error(response, 422, "invalid_text")
    assert "surrogate" in error["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"question": "x", "lang": "\ud800"},
        {"question": "x", "\ud800": 1},
        {"\udfff": "x"},
    ],
)
def test_lone_surrogates_elsewhere_in_the_body(client, body):
    response = client.post(
        "/ask", content=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    assert_error(response, 422)


def test_a_proper_surrogate_pair_escape_is_an_emoji(client):
    body = json.dumps({"question": "🚸 child trafficking"}).encode()
    assert b"\\ud83d\\udeb8" in body
    response = client.post("/ask", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text[:300]


def test_wrong_methods_get_405_with_allow(client):
    for method, path in (("GET", "/ask"), ("DELETE", "/search"), ("PUT", "/passages/2.1")):
        response = client.request(method, "/" + path.lstrip("/"))
        assert_error(response, 405, "method_not_allowed")
        assert response.headers["allow"]


# ------------------------------------------------------------------ logs keep no question

SECRET = "Zorblax-7731 我女儿被拐卖"
CLIENT_LOGGERS = ("httpx", "httpcore")  # the test's own HTTP client logs the URLs it sends


def assert_no_secret(records) -> None:
    for record in records:
        if record.name.split(".")[0].startswith(CLIENT_LOGGERS):
            continue
        for text in (record.getMessage(), repr(record.args), repr(record.__dict__)):
            assert "zorblax" not in text.casefold(), (record.name, text)
            assert "拐卖" not in text and "%E6%8B%90" not in text.upper(), (record.name, text)


def test_access_log_never_contains_the_query(client, caplog):
    with caplog.at_level(logging.DEBUG):
        client.get("/search", params={"q": SECRET, "k": 2})
        client.post("/ask", json={"question": SECRET})
        client.get("/search", params={"q": SECRET, "k": 0})  # an error path too
    access = [r for r in caplog.records if r.name == "atp.access"]
    assert len(access) == 3, "the access log is captured"
    assert {json.loads(r.getMessage())["path"] for r in access} == {"/search", "/ask"}
    assert_no_secret(caplog.records)


def test_uvicorn_logs_never_contain_the_query(engine, settings, caplog, monkeypatch):
    """A real uvicorn configured exactly as `atp serve` configures it, run in-process so that
    caplog (on the root logger) receives whatever uvicorn's loggers emit. No handler is added
    to uvicorn.access: uvicorn logs access lines only if that logger has handlers, so adding
    one would switch on what `access_log=False` switches off. Were `atp serve`'s options
    (service.launcher.SERVE_OPTIONS) to drop `access_log=False`, uvicorn.access would
    propagate to caplog and this test would fail."""
    import uvicorn

    from service.app import create_app
    from service.launcher import SERVE_OPTIONS

    options = dict(SERVE_OPTIONS)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    access_logger = logging.getLogger("uvicorn.access")
    monkeypatch.setattr(access_logger, "propagate", access_logger.propagate)  # restored after
    monkeypatch.setattr(access_logger, "handlers", list(access_logger.handlers))
    config = uvicorn.Config(
        create_app(settings, engine=engine),
        host="127.0.0.1",
        port=port,
        log_config=None,  # leave pytest's logging alone: uvicorn's loggers propagate to root
        **options,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    with caplog.at_level(logging.DEBUG):
        thread.start()
        try:
            deadline = time.monotonic() + 30
            while not server.started and time.monotonic() < deadline:
                time.sleep(0.05)
            assert server.started
            base = f"http://127.0.0.1:{port}"
            response = httpx.get(f"{base}/search", params={"q": SECRET, "k": 2}, timeout=60)
            assert response.status_code == 200
            httpx.post(f"{base}/ask", json={"question": SECRET}, timeout=60)
            httpx.get(f"{base}/search", params={"q": SECRET * 100}, timeout=60)
        finally:
            server.should_exit = True
            thread.join(timeout=15)
    assert any(r.name.startswith("uvicorn") for r in caplog.records), "uvicorn is captured"
    assert sum(r.name == "atp.access" for r in caplog.records) == 3
    assert_no_secret(caplog.records)
