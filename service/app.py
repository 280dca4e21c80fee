"""The HTTP API of docs/API.md: an app factory, a lifespan that loads once, thin routes."""

import ipaddress
import json
import logging
import threading
import time
from collections.abc import Callable
from contextlib import asynccontextmanager, suppress
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import parse_qsl

import anyio
from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    generate_latest,
    start_http_server,
)
from prometheus_fastapi_instrumentator import Instrumentator
from pydantic import BaseModel
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import ClientDisconnect

from corpus.models import Kind, Passage
from index.roles import RoleFilter
from index.search import Lang, Mode
from service import exports, usecases
from service.engine import Engine, load_engine
from service.errors import ApiError, ErrorCode, error_response, without_paths
from service.page import LANG_COOKIE, MANIFEST, VERSIONED, Pages
from service.schemas import (
    AgenciesResponse,
    AgencyPassagesResponse,
    AskResponse,
    ErrorResponse,
    Obligation,
    OverviewResponse,
    PassagesResponse,
    PlanResponse,
    RoleCounts,
    SearchResponse,
    agency_counts,
    ask_request,
    ask_response,
    overview_response,
    plan_response,
    question_text,
    search_response,
)
from service.settings import ROOT, Settings

log = logging.getLogger("atp.access")
STATIC_DIR = ROOT / "service" / "static"
GZIP_MIN_BYTES = 1000  # below about a packet, compression saves no round trip
ERRORS = {
    400: {"model": ErrorResponse},
    404: {"model": ErrorResponse},
    413: {"model": ErrorResponse},
    422: {"model": ErrorResponse},
    503: {"model": ErrorResponse},
}
# not `from __future__ import annotations`: the routes' types are built from the settings
# inside create_app, and FastAPI must see them as objects, not as names to look up

# The page loads only its own script, style sheet, manifest and service worker and calls
# only this API; nothing may frame it. Swagger UI (/docs) also sets inline styles.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; manifest-src 'self'; worker-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
DOCS_CSP = PAGE_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",  # the page's address holds the question
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}
LOGGED_PATH_CHARS = 200
# Responses to a question hold it: no browser or proxy cache may keep them (the page keeps
# what it has seen itself). Versioned static files never change; the rest revalidates.
IMMUTABLE = "public, max-age=31536000, immutable"
PRIVATE_PATHS = ("/ask", "/search")


def is_loopback(host: str) -> bool:
    """Whether a client address is this machine's (127.0.0.0/8, ::1). Pure."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cache_policy(path: str) -> str:
    """The Cache-Control of a response by its path. Pure."""
    if path.startswith(VERSIONED):
        return IMMUTABLE
    if path in PRIVATE_PATHS:
        return "no-store"
    return "no-cache"


def default_headers(path: str) -> dict[str, str]:
    """The security headers and Cache-Control of a response by its path. Pure."""
    csp = DOCS_CSP if path.startswith("/docs") else PAGE_CSP
    return {**SECURITY_HEADERS, "content-security-policy": csp, "cache-control": cache_policy(path)}


class DefaultHeaders:
    """The headers of default_headers on every response, where it sets none of its own."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        defaults = default_headers(scope["path"])

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in defaults.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)


class AccessLog:
    """One JSON line per request: method, path (never the query string: it holds the
    question), status, milliseconds. Outermost, so refused requests are logged too."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, status = time.perf_counter(), 500  # 500 unless the app answers

        async def noting_status(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_status)
        finally:
            line = {
                "method": scope["method"],
                "path": scope["path"][:LOGGED_PATH_CHARS],
                "status": status,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            }
            log.info(json.dumps(line))


class HeadAsGet:
    """HEAD answered as GET without the body (RFC 9110 asks every server for both); FastAPI
    routes answer GET only."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            return await self.app(scope, receive, send)

        async def headers_only(message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class BodyLimit:
    """Refuse request bodies over a size with 413, whether or not Content-Length is sent."""

    def __init__(self, app, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self.max_bytes:
            return await _send_too_large(send, self.max_bytes)
        seen, too_large, started = 0, False, False

        async def limited_receive():
            nonlocal seen, too_large
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                too_large = True
                raise _TooLarge
            return message

        async def guarded_send(message) -> None:
            nonlocal started
            # FastAPI turns any error while reading the body into its own 400: drop that
            # answer, the 413 below replaces it
            if too_large and not started:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        with suppress(_TooLarge):
            await self.app(scope, limited_receive, guarded_send)
        if too_large and not started:
            await _send_too_large(send, self.max_bytes)


class _TooLarge(Exception):
    pass


async def _send_too_large(send, max_bytes: int) -> None:
    response = error_response(413, ErrorCode.BODY_TOO_LARGE, f"request body over {max_bytes} bytes")
    await send({"type": "http.response.start", "status": 413, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


def json_response(model: BaseModel) -> Response:
    """A response model as JSON, built and checked once: returned as a model, FastAPI would
    validate it against the route's response_model again before serialising it."""
    return Response(model.model_dump_json(by_alias=True), media_type="application/json")


class Overloaded(Exception):
    """Every search thread is busy and ATP_MAX_PENDING searches already wait for one."""


def utf8_query(request: Request) -> None:
    """Starlette decodes the query string leniently (a byte that is not UTF-8 becomes
    U+FFFD), so a broken question would pass as text: decode it strictly, and refuse it as
    /ask refuses a lone surrogate."""
    raw = request.scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(raw, keep_blank_values=True, errors="surrogateescape"):
        for text in (name, value):
            broken = next((i for i, c in enumerate(text) if "\udc80" <= c <= "\udcff"), None)
            if broken is not None:
                raise ApiError(
                    422,
                    ErrorCode.INVALID_TEXT,
                    f"{name[:40]!r} is not valid UTF-8 text (a broken byte at character "
                    f"{broken + 1}): send it percent-encoded as UTF-8",
                )


def get_engine(request: Request) -> Engine:
    engine = request.app.state.engine
    if engine is None:
        raise not_ready(request.app)
    return engine


def not_ready(app: FastAPI) -> ApiError:
    """503 while loading, or with the reason loading failed (without the server's paths)."""
    if app.state.load_error is None:
        return ApiError(503, ErrorCode.LOADING, "loading the model and index; retry shortly")
    return ApiError(
        503,
        ErrorCode.LOAD_FAILED,
        f"the model and index could not be loaded: {app.state.load_error}",
    )


EngineDep = Annotated[Engine, Depends(get_engine)]


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the app; pass an already loaded engine to share one across test apps."""
    settings = settings or Settings()
    Question = question_text(settings.max_query_chars, "q")
    AskRequest = ask_request(settings.max_query_chars)

    registry = CollectorRegistry()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.engine, app.state.load_error = engine, None
        if engine is None:  # load in the background so /healthz answers at once
            threading.Thread(target=_load, args=(app, settings), daemon=True).start()
        metrics_server = None
        if settings.metrics_port:  # a port of its own, on loopback only
            metrics_server, _ = start_http_server(
                settings.metrics_port, addr="127.0.0.1", registry=registry
            )
        yield
        app.state.engine = None
        if metrics_server is not None:
            metrics_server.shutdown()

    app = FastAPI(
        title="ATP Search",
        version="0.1.0",
        description="Search and Q&A over China's Action Plan Against Human Trafficking "
        "(2021–2030), in Simplified and Traditional Chinese and English.",
        lifespan=lifespan,
        docs_url=None,  # served below from installed files, not a CDN
        redoc_url=None,
        dependencies=[Depends(utf8_query)],
    )
    app.state.settings = settings
    app.state.engine, app.state.load_error = engine, None
    app.state.limiter = anyio.CapacityLimiter(settings.search_threads)
    searches = Counter(
        "atp_searches",
        "Searches by mode and detected language",
        ["endpoint", "mode", "lang"],
        registry=registry,
    )
    no_answer = Counter(
        "atp_no_answer", "Questions the plan does not seem to cover", registry=registry
    )
    overloaded = Counter(
        "atp_overloaded", "Searches refused with 503 because the server was busy", registry=registry
    )
    instrumentator = Instrumentator(registry=registry, excluded_handlers=["/metrics"])
    instrumentator.instrument(app)

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        """GET /metrics of the contract: to this machine always (the operator's own
        scraper, `curl` on the host), to other machines only with ATP_METRICS_PUBLIC: it
        tells load and error rates. A proxy in front must not pass it (deploy/nginx.conf)."""
        client = request.client.host if request.client else ""
        if not (settings.metrics_public or is_loopback(client)):
            raise StarletteHTTPException(404)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    # innermost first: each add_middleware wraps what is there
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
        )
    # compressed inside HeadAsGet, so a HEAD says the length a GET sends; level 6: most of
    # level 9's saving on JSON and HTML at a fraction of its CPU
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES, compresslevel=6)
    app.add_middleware(HeadAsGet)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.trusted_hosts)
    app.add_middleware(DefaultHeaders)
    app.add_middleware(AccessLog)
    _install_error_handlers(app, settings)

    async def off_loop(fn: Callable, *args, **kwargs):
        """Run a search on a search thread, or refuse it at once when too many wait: a
        bounded queue answers 503 in microseconds instead of seconds later."""
        if app.state.limiter.statistics().tasks_waiting >= settings.max_pending:
            overloaded.inc()
            raise Overloaded
        return await anyio.to_thread.run_sync(
            lambda: fn(*args, **kwargs), limiter=app.state.limiter
        )

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], responses={503: {"model": ErrorResponse}})
    async def readyz(request: Request) -> dict:
        engine = get_engine(request)
        return {
            "status": "ready",
            "passages": len(engine.passages),
            "load_seconds": engine.load_seconds,
        }

    @app.get("/search", response_model=SearchResponse, tags=["search"], responses=ERRORS)
    async def search(
        engine: EngineDep,
        q: Annotated[Question, Query(description="question or phrase, Chinese or English")],
        k: Annotated[int, Query(ge=1, le=50, description="number of results")] = 10,
        lang: Annotated[Lang, Query()] = "auto",
        agency: Annotated[str | None, Query(description="agency id, name or alias")] = None,
        role: Annotated[RoleFilter, Query()] = "any",
        kind: Annotated[Kind | None, Query()] = None,
        mode: Annotated[Mode, Query()] = "hybrid",
    ) -> Response:
        result, filters = await off_loop(
            usecases.search,
            engine,
            q,
            k=k,
            mode=mode,
            lang=lang,
            agency=agency,
            role=role,
            kind=kind,
        )
        searches.labels("search", mode, result.query.lang).inc()
        return json_response(
            search_response(
                result, k, q=q, filters={"agency": filters.agency, "role": role, "kind": kind}
            )
        )

    @app.post("/ask", response_model=AskResponse, tags=["search"], responses=ERRORS)
    async def ask(engine: EngineDep, body: AskRequest) -> Response:
        reply = await off_loop(usecases.ask, engine, body.question, body.lang)
        searches.labels("ask", "hybrid", reply.query_lang).inc()
        if not reply.answer.answered:
            no_answer.inc()
        return json_response(ask_response(reply, engine.roles))

    @app.get("/passages/{passage_id}", response_model=Passage, tags=["browse"], responses=ERRORS)
    async def passage(engine: EngineDep, passage_id: str) -> Passage:
        found = engine.passage(passage_id)
        if found is None:
            raise ApiError(
                404,
                ErrorCode.UNKNOWN_PASSAGE,
                f"no passage with id {passage_id[:40]!r}; ids look like '2.1.2.3'",
            )
        return found

    @app.get("/agencies", response_model=AgenciesResponse, tags=["browse"], responses=ERRORS)
    async def agencies(engine: EngineDep) -> AgenciesResponse:
        return AgenciesResponse(agencies=[agency_counts(a, engine.roles) for a in engine.agencies])

    @app.get(
        "/agencies/{agency_id}/passages",
        response_model=AgencyPassagesResponse,
        tags=["browse"],
        responses=ERRORS,
    )
    async def agency_passages(
        request: Request,
        engine: EngineDep,
        agency_id: str,
        role: Annotated[RoleFilter, Query()] = "any",
        format: Annotated[ListFormat, Query(description="json, csv or md (Markdown)")] = "json",
    ) -> AgencyPassagesResponse:
        try:
            agency, found = usecases.obligations(engine, agency_id, role)
        except usecases.UnknownAgencyError as exc:
            raise ApiError(404, ErrorCode.UNKNOWN_AGENCY, str(exc)) from None
        lead, cooperating = engine.roles.counts(agency.id)
        if format != "json":
            return obligations_file(engine, agency, found, format, str(request.base_url))
        return AgencyPassagesResponse(
            agency=agency.ref(),
            role=role,
            counts=RoleCounts(lead=lead, cooperating=cooperating),
            results=[Obligation(role=r, passage=p) for r, p in found],
        )

    _install_browse_and_export(app, EngineDep, question_text(settings.max_query_chars, "q"))

    if STATIC_DIR.exists():
        pages = Pages.build(STATIC_DIR, max_query_chars=settings.max_query_chars)
        static = StaticFiles(directory=STATIC_DIR)
        # the page asks for /static/v/<version>/...: cached for good (a new build is a new
        # version); /static/... stays for links and tools that name a file
        app.mount(pages.static_prefix.rstrip("/"), static, name="static-versioned")
        app.mount("/static", static, name="static")

        @app.get("/", include_in_schema=False)
        async def page(request: Request) -> Response:
            lang, body = pages.page(
                request.cookies.get(LANG_COOKIE), request.headers.get("accept-language")
            )
            return Response(
                body,
                media_type="text/html; charset=utf-8",
                headers={
                    "vary": "Accept-Language, Cookie",
                    "content-language": lang,
                    # the service worker keeps only a page whose files it holds
                    "x-static-version": pages.version,
                },
            )

        @app.get(MANIFEST, include_in_schema=False)
        async def web_manifest(request: Request, lang: str | None = None) -> Response:
            chosen, body = pages.manifest(lang, request.headers.get("accept-language"))
            return Response(
                body,
                media_type="application/manifest+json",
                headers={"vary": "Accept-Language", "content-language": chosen},
            )

        @app.get("/sw.js", include_in_schema=False)
        async def service_worker() -> Response:
            # at the root, so the worker's scope is the whole site; revalidated (no-cache)
            return Response(pages.worker, media_type="text/javascript; charset=utf-8")

    if settings.docs:
        _install_docs(app)
    return app


# ---------------------------------------------------------------- browsing and exports

ListFormat = Literal["json", "csv", "md"]
GLOSSARY = ROOT / "corpus" / "source" / "glossary.json"
CSV_TYPE = "text/csv; charset=utf-8"
MARKDOWN_TYPE = "text/markdown; charset=utf-8"
TMX_TYPE = "application/x-tmx+xml"
TBX_TYPE = "application/x-tbx+xml"


def _download(body: str | bytes, media_type: str, filename: str) -> Response:
    disposition = f'attachment; filename="{filename}"'
    return Response(body, media_type=media_type, headers={"Content-Disposition": disposition})


def obligations_file(engine: Engine, agency, found, format: ListFormat, base: str) -> Response:
    """An agency's list as CSV (a download) or Markdown (shown, to copy)."""
    if format == "csv":
        body = exports.obligations_csv(found, base)
        return _download(body, CSV_TYPE, f"atp-{agency.id}-passages.csv")
    counts = engine.roles.counts(agency.id)
    body = exports.obligations_markdown(agency.ref(), found, counts, engine.facts.title, base)
    return Response(body, media_type=MARKDOWN_TYPE)


def _install_browse_and_export(app: FastAPI, EngineDep, Question) -> None:
    """The whole plan to read, who does what per part, and the files translators import."""

    @app.get("/plan", response_model=PlanResponse, tags=["browse"], responses=ERRORS)
    async def plan(
        engine: EngineDep,
        q: Annotated[Question | None, Query(description="words to mark in the passages")] = None,
    ) -> PlanResponse:
        marks = None
        if q is not None:
            query = engine.searcher.analyse(q)
            marks = exports.word_marks(engine.passages, query.zh_tokens, query.en_tokens)
        return plan_response(engine.facts.title, exports.plan_tree(engine.passages), marks)

    @app.get("/passages", response_model=PassagesResponse, tags=["browse"], responses=ERRORS)
    async def all_passages(engine: EngineDep) -> PassagesResponse:
        return PassagesResponse(passages=engine.passages)

    @app.get("/overview", response_model=OverviewResponse, tags=["browse"], responses=ERRORS)
    async def overview(engine: EngineDep) -> OverviewResponse:
        return overview_response(*exports.overview(engine.passages, engine.agencies))

    @app.get(
        "/export/tmx",
        tags=["export"],
        responses={**ERRORS, 200: {"content": {TMX_TYPE: {}}}},
        response_class=Response,
    )
    async def export_tmx(engine: EngineDep) -> Response:
        body = await anyio.to_thread.run_sync(exports.plan_tmx, engine.passages, engine.facts.title)
        return _download(body, TMX_TYPE, "atp-action-plan-2021-2030.tmx")

    @app.get(
        "/export/glossary.tbx",
        tags=["export"],
        responses={**ERRORS, 200: {"content": {TBX_TYPE: {}}}},
        response_class=Response,
    )
    async def export_tbx(engine: EngineDep) -> Response:
        terms, notes = exports.read_glossary(GLOSSARY)
        body = exports.glossary_tbx(terms, notes, engine.passages, engine.facts.title)
        return _download(body, TBX_TYPE, "atp-glossary.tbx")


DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>ATP Search API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
"""
DOCS_INIT = """window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
"""


def _install_docs(app: FastAPI) -> None:
    """/docs: Swagger UI 5 (it reads OpenAPI 3.1) from the files the fastapi-offline package
    ships, so the page works offline, its version is pinned with the project's, and no
    script comes from a CDN; our own page and start-up script, so none is inline (CSP)."""
    assets = Path(str(files("fastapi_offline") / "static"))

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(DOCS_PAGE)

    @app.get("/docs/init.js", include_in_schema=False)
    async def docs_init() -> Response:
        return Response(DOCS_INIT, media_type="text/javascript")

    @app.get("/docs/swagger-ui.css", include_in_schema=False)
    async def docs_css() -> FileResponse:
        return FileResponse(assets / "swagger-ui.css")

    @app.get("/docs/swagger-ui-bundle.js", include_in_schema=False)
    async def docs_js() -> FileResponse:
        return FileResponse(assets / "swagger-ui-bundle.js")


def _load(app: FastAPI, settings: Settings) -> None:
    try:
        app.state.engine = load_engine(settings)
    except Exception as exc:  # reported by /readyz; the process stays up for diagnosis
        reason = f"{type(exc).__name__}: {exc}"
        logging.getLogger("atp.engine").error("loading failed: %s", reason)
        folders = {
            "ATP_MODEL_DIR": settings.model_dir,
            "ATP_INDEX_DIR": settings.index_dir,
            "ATP_CORPUS_DIR": settings.corpus_dir,
            "the project folder": ROOT,
        }
        app.state.load_error = without_paths(reason, folders)


MESSAGE_CHARS = 500  # no error message echoes a client's input without bound


def _install_error_handlers(app: FastAPI, settings: Settings) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message)

    @app.exception_handler(Overloaded)
    async def busy(_: Request, exc: Overloaded) -> JSONResponse:
        return error_response(
            503,
            ErrorCode.OVERLOADED,
            f"the server is busy; retry in {settings.retry_after_s} s",
            headers={"Retry-After": str(settings.retry_after_s)},
        )

    @app.exception_handler(ClientDisconnect)
    async def gone(_: Request, exc: ClientDisconnect) -> Response:
        return Response(status_code=400)  # nobody is left to read an answer

    @app.exception_handler(usecases.UnknownAgencyError)
    async def unknown_agency(_: Request, exc: usecases.UnknownAgencyError) -> JSONResponse:
        return error_response(422, ErrorCode.UNKNOWN_AGENCY, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        own = [e for e in errors if e.get("type") in ErrorCode._value2member_map_]
        if own:  # a check of ours (service.schemas), with its code and message
            return error_response(422, ErrorCode(own[0]["type"]), own[0]["msg"])
        problems = []
        for err in errors:
            where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "body"))
            problems.append(f"{where[:60] or 'request'}: {err.get('msg', 'invalid')[:200]}")
        message = "; ".join(problems)
        if len(message) > MESSAGE_CHARS:
            message = message[: MESSAGE_CHARS - 1] + "…"
        return error_response(422, ErrorCode.INVALID_REQUEST, message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        bad = exc.__cause__  # FastAPI's "error parsing the body", raised from the real one
        if isinstance(bad, UnicodeDecodeError):
            return error_response(
                422,
                ErrorCode.INVALID_TEXT,
                f"the request body is not valid UTF-8 text (a broken byte at byte "
                f"{bad.start + 1}): send it as UTF-8",
            )
        code = {
            400: ErrorCode.BAD_REQUEST,
            404: ErrorCode.NOT_FOUND,
            405: ErrorCode.METHOD_NOT_ALLOWED,
        }.get(exc.status_code, ErrorCode.HTTP_ERROR)
        # keep the exception's headers: a 405 must say which methods are allowed (RFC 9110)
        return error_response(exc.status_code, code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        logging.getLogger("atp.error").exception("unhandled %s", type(exc).__name__)
        # answered outside the middleware, so the security headers are added here
        return error_response(
            500,
            ErrorCode.INTERNAL_ERROR,
            "unexpected error; it has been logged",
            headers={**SECURITY_HEADERS, "content-security-policy": PAGE_CSP},
        )
