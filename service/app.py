"""The HTTP API of docs/API.md: an app factory, a lifespan that loads once, thin routes."""

import json
import logging
import threading
import time
from collections.abc import Callable
from contextlib import asynccontextmanager, suppress
from typing import Annotated

import anyio
from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CollectorRegistry, Counter
from prometheus_fastapi_instrumentator import Instrumentator
from starlette.exceptions import HTTPException as StarletteHTTPException

from corpus.models import Kind, Passage
from index.roles import RoleFilter
from index.search import Lang, Mode
from service import usecases
from service.engine import Engine, load_engine
from service.errors import ApiError, ErrorCode, error_response, without_paths
from service.schemas import (
    AgenciesResponse,
    AgencyPassagesResponse,
    AskResponse,
    ErrorResponse,
    Obligation,
    RoleCounts,
    SearchResponse,
    agency_counts,
    ask_request,
    ask_response,
    question_text,
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
# not `from __future__ import annotations`: the routes' types are built from the settings
# inside create_app, and FastAPI must see them as objects, not as names to look up


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
    _install_access_log(app)

    async def off_loop(fn: Callable, *args, **kwargs):
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
    ) -> SearchResponse:
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
        return search_response(
            result, k, q=q, filters={"agency": filters.agency, "role": role, "kind": kind}
        )

    @app.post("/ask", response_model=AskResponse, tags=["search"], responses=ERRORS)
    async def ask(engine: EngineDep, body: AskRequest) -> AskResponse:
        reply = await off_loop(usecases.ask, engine, body.question, body.lang)
        searches.labels("ask", "hybrid", reply.query_lang).inc()
        if not reply.answer.answered:
            no_answer.inc()
        return ask_response(reply, engine.roles)

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
        engine: EngineDep,
        agency_id: str,
        role: Annotated[RoleFilter, Query()] = "any",
    ) -> AgencyPassagesResponse:
        try:
            agency, found = usecases.obligations(engine, agency_id, role)
        except usecases.UnknownAgencyError as exc:
            raise ApiError(404, ErrorCode.UNKNOWN_AGENCY, str(exc)) from None
        lead, cooperating = engine.roles.counts(agency.id)
        return AgencyPassagesResponse(
            agency=agency.ref(),
            role=role,
            counts=RoleCounts(lead=lead, cooperating=cooperating),
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
        reason = f"{type(exc).__name__}: {exc}"
        logging.getLogger("atp.engine").error("loading failed: %s", reason)
        folders = {
            "ATP_MODEL_DIR": settings.model_dir,
            "ATP_INDEX_DIR": settings.index_dir,
            "ATP_CORPUS_DIR": settings.corpus_dir,
            "the project folder": ROOT,
        }
        app.state.load_error = without_paths(reason, folders)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message)

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
            problems.append(f"{where or 'request'}: {err.get('msg', 'invalid')}")
        return error_response(422, ErrorCode.INVALID_REQUEST, "; ".join(problems))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
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
        return error_response(500, ErrorCode.INTERNAL_ERROR, "unexpected error; it has been logged")


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
