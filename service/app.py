"""The HTTP API of docs/API.md: an app factory, a lifespan that loads once, thin routes."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from contextlib import asynccontextmanager, suppress
from typing import Annotated, Literal

import anyio
from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CollectorRegistry, Counter
from prometheus_fastapi_instrumentator import Instrumentator
from starlette.exceptions import HTTPException as StarletteHTTPException

from corpus.models import Agency, Passage
from index.search import LANGS, Filters
from service.answer import NOTICE, compose_answer
from service.engine import Engine, load_engine
from service.obligations import counts, obligations
from service.schemas import (
    AgenciesResponse,
    AgencyCounts,
    AgencyPassagesResponse,
    AskRequest,
    AskResponse,
    Citation,
    ErrorResponse,
    Obligation,
    RoleCounts,
    SearchResponse,
    search_hit,
    search_response,
)
from service.settings import ROOT, Settings

log = logging.getLogger("atp.access")
STATIC_DIR = ROOT / "service" / "static"
ERRORS = {
    400: {"model": ErrorResponse},
    404: {"model": ErrorResponse},
    413: {"model": ErrorResponse},
    422: {"model": ErrorResponse},
    503: {"model": ErrorResponse},
}


class ApiError(Exception):
    """A client error with a message a person can act on."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


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
    response = error_response(413, "body_too_large", f"request body over {max_bytes} bytes")
    await send({"type": "http.response.start", "status": 413, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


def get_engine(request: Request) -> Engine:
    engine = request.app.state.engine
    if engine is None:
        reason = request.app.state.load_error or "the model and index are still loading"
        raise ApiError(503, "not_ready", reason)
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def check_question(text: str, max_chars: int, field: str) -> str:
    if not text or not text.strip():
        raise ApiError(422, "empty_query", f"{field} is empty: type a question or a phrase")
    if len(text) > max_chars:
        raise ApiError(
            422,
            "query_too_long",
            f"{field} has {len(text)} characters; the limit is {max_chars}: shorten it",
        )
    if not text.isascii():
        try:  # JSON's "\ud800" escape decodes to a lone surrogate, which no UTF-8 can hold
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ApiError(
                422,
                "invalid_text",
                f"{field} is not valid Unicode text (a lone surrogate at character "
                f"{exc.start + 1}): send it as UTF-8",
            ) from None
    return text


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the app; pass an already loaded engine to share one across test apps."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.engine, app.state.load_error = engine, None
        if engine is None:  # load in the background so /healthz answers at once
            threading.Thread(target=_load, args=(app, settings), daemon=True).start()
        yield
        app.state.engine = None

    app = FastAPI(
        title="ATP Search",
        version="0.1.0",
        description="Search and Q&A over China's Action Plan Against Human Trafficking "
        "(2021–2030), in Simplified and Traditional Chinese and English.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine, app.state.load_error = engine, None
    app.state.limiter = anyio.CapacityLimiter(settings.search_threads)
    registry = CollectorRegistry()
    searches = Counter(
        "atp_searches",
        "Searches by mode and detected language",
        ["endpoint", "mode", "lang"],
        registry=registry,
    )
    no_answer = Counter(
        "atp_no_answer", "Questions the plan does not seem to cover", registry=registry
    )
    Instrumentator(registry=registry, excluded_handlers=["/metrics"]).instrument(app).expose(
        app, include_in_schema=False
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
        )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    _install_error_handlers(app)
    _declare_checked_limits(app, settings)
    _install_access_log(app)

    async def off_loop(fn: Callable, *args, **kwargs):
        return await anyio.to_thread.run_sync(
            lambda: fn(*args, **kwargs), limiter=app.state.limiter
        )

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], responses={503: {"model": ErrorResponse}})
    async def readyz(request: Request):
        engine = request.app.state.engine
        if engine is None:
            reason = request.app.state.load_error or "loading model and index"
            return error_response(503, "not_ready", reason)
        return {
            "status": "ready",
            "passages": len(engine.passages),
            "load_seconds": engine.load_seconds,
        }

    @app.get("/search", response_model=SearchResponse, tags=["search"], responses=ERRORS)
    async def search(
        engine: EngineDep,
        # limits documented here, checked by check_question (for its codes and messages);
        # Query as a default: a postponed Annotated[...] could not see the local `settings`
        q: str = Query(
            description="question or phrase, Chinese or English",
            json_schema_extra={
                "minLength": 1,
                "maxLength": settings.max_query_chars,
                "pattern": r"\S",
            },
        ),
        k: Annotated[int, Query(ge=1, le=50, description="number of results")] = 10,
        lang: Annotated[Literal["auto", "zh-Hans", "zh-Hant", "en"], Query()] = "auto",
        agency: Annotated[str | None, Query(description="agency id, name or alias")] = None,
        role: Annotated[Literal["lead", "cooperating", "any"], Query()] = "any",
        kind: Annotated[
            Literal["principle", "goal", "measure", "bullet", "guarantee"] | None, Query()
        ] = None,
        mode: Annotated[Literal["hybrid", "dense", "keyword"], Query()] = "hybrid",
    ) -> SearchResponse:
        check_question(q, settings.max_query_chars, "q")
        agency_id = _agency_id(engine, agency) if agency else None
        filters = Filters(agency=agency_id, role=role, kind=kind)
        result = await off_loop(
            engine.searcher.search, q, k=k, mode=mode, lang=lang, filters=filters
        )
        searches.labels("search", mode, result.query.lang).inc()
        return search_response(
            result, k, q=q, filters={"agency": agency_id, "role": role, "kind": kind}
        )

    @app.post("/ask", response_model=AskResponse, tags=["search"], responses=ERRORS)
    async def ask(engine: EngineDep, body: AskRequest) -> AskResponse:
        check_question(body.question, settings.max_query_chars, "question")
        if body.lang not in LANGS:
            raise ApiError(
                422, "unknown_lang", f"unknown lang {body.lang!r}; allowed: {', '.join(LANGS)}"
            )
        result = await off_loop(engine.searcher.search, body.question, k=5, lang=body.lang)
        from index.text import answer_language

        script = body.lang if body.lang != "auto" else answer_language(result.query.text)
        answer = compose_answer(result, script, engine.answer_rule(result.query.lang))
        searches.labels("ask", "hybrid", result.query.lang).inc()
        if not answer.answered:
            no_answer.inc()
        by_id = {h.passage.id: h.passage for h in answer.hits}
        return AskResponse(
            answer=answer.text,
            lang=script,
            answered=answer.answered,
            citations=answer.citations,
            citation_details=[
                Citation(id=i, citation=by_id[i].citation.get(script)) for i in answer.citations
            ],
            results=[search_hit(rank, hit) for rank, hit in enumerate(answer.hits, 1)],
            notice=NOTICE[script],
            agencies=[_agency_counts(engine, a) for a in result.query.agencies],
        )

    @app.get("/passages/{passage_id}", response_model=Passage, tags=["browse"], responses=ERRORS)
    async def passage(engine: EngineDep, passage_id: str) -> Passage:
        found = engine.passage(passage_id)
        if found is None:
            raise ApiError(
                404,
                "unknown_passage",
                f"no passage with id {passage_id!r}; ids look like '2.1.2.3'",
            )
        return found

    @app.get("/agencies", response_model=AgenciesResponse, tags=["browse"], responses=ERRORS)
    async def agencies(engine: EngineDep) -> AgenciesResponse:
        return AgenciesResponse(agencies=[_agency_counts(engine, a) for a in engine.agencies])

    @app.get(
        "/agencies/{agency_id}/passages",
        response_model=AgencyPassagesResponse,
        tags=["browse"],
        responses=ERRORS,
    )
    async def agency_passages(
        engine: EngineDep,
        agency_id: str,
        role: Annotated[Literal["lead", "cooperating", "any"], Query()] = "any",
    ) -> AgencyPassagesResponse:
        agency = engine.aliases.resolve(agency_id)
        if agency is None:
            raise ApiError(404, "unknown_agency", _unknown_agency(engine, agency_id))
        found = obligations(engine.passages, agency.id, role)
        lead, coop = counts(engine.passages, agency)
        return AgencyPassagesResponse(
            agency=agency.ref(),
            role=role,
            counts=RoleCounts(lead=lead, cooperating=coop),
            results=[Obligation(role=r, passage=p) for r, p in found],
        )

    if STATIC_DIR.exists():
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

        @app.get("/", include_in_schema=False)
        async def page() -> FileResponse:
            return FileResponse(STATIC_DIR / "index.html")

    return app


def _load(app: FastAPI, settings: Settings) -> None:
    try:
        app.state.engine = load_engine(settings)
    except Exception as exc:  # reported by /readyz; the process stays up for diagnosis
        app.state.load_error = f"{type(exc).__name__}: {exc}"
        logging.getLogger("atp.engine").error("loading failed: %s", app.state.load_error)


def _agency_counts(engine: Engine, agency: Agency) -> AgencyCounts:
    lead, coop = counts(engine.passages, agency)
    return AgencyCounts(**agency.model_dump(), lead_count=lead, cooperating_count=coop)


def _agency_id(engine: Engine, name: str) -> str:
    agency = engine.aliases.resolve(name)
    if agency is None:
        raise ApiError(422, "unknown_agency", _unknown_agency(engine, name))
    return agency.id


def _unknown_agency(engine: Engine, name: str) -> str:
    ids = ", ".join(a.id for a in engine.agencies)
    return f"unknown agency {name[:80]!r}; use an id, a Chinese or English name: {ids}"


def _declare_checked_limits(app: FastAPI, settings: Settings) -> None:
    """Put in /openapi.json what `ask` checks by hand (for its own codes and messages), so
    that a request the schema calls valid is one the service accepts."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = generate()
            ask = schema["components"]["schemas"]["AskRequest"]["properties"]
            ask["question"].update(minLength=1, maxLength=settings.max_query_chars, pattern=r"\S")
            ask["lang"]["enum"] = list(LANGS)
        return app.openapi_schema

    app.openapi = openapi


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "body"))
            problems.append(f"{where or 'request'}: {err.get('msg', 'invalid')}")
        return error_response(422, "invalid_request", "; ".join(problems))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}.get(
            exc.status_code, "http_error"
        )
        # keep the exception's headers: a 405 must say which methods are allowed (RFC 9110)
        return error_response(exc.status_code, code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        logging.getLogger("atp.error").exception("unhandled %s", type(exc).__name__)
        return error_response(500, "internal_error", "unexpected error; it has been logged")


def _install_access_log(app: FastAPI) -> None:
    """One JSON line per request: method, path, status, latency. Never the query string."""

    @app.middleware("http")
    async def access_log(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        log.info(
            json.dumps(
                {
                    "method": request.method,
                    "path": request.url.path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                }
            )
        )
        return response
