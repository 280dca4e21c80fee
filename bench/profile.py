"""Where one search's milliseconds go: the stage profile `atp bench` runs in a fresh process.

In-process and single-threaded like one server request, through the public Searcher.search
and the encoder only: a cache-cold search minus the same search again (cache hit) is the
encode; the rest is analysis, FAISS, BM25, fusion and highlights. Also measured, so that the
report's suggestions rest on numbers: encoder threads 1 vs all cores, micro-batches of 8,
the int8 graph, the same model on PyTorch through sentence-transformers (the encoder the
service used before ONNX Runtime), the app's own overhead (ASGI, no sockets) and the size
of the model's files.

    python -m bench.profile [--repeats 1] [--json OUT]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np

from bench import emit
from bench.locustfile import QUESTIONS, unique_variant
from service.settings import Settings

K = 10  # results per search, as the load runs ask
BATCH = 8
WAIT_S = 0.0015  # the micro-batcher's bounded wait measured against none
MIB = 1024 * 1024


def p50(values: list[float]) -> float:
    return round(float(np.median(values)), 2)


def ms(fn: Callable, *args, **kwargs) -> float:
    """Wall time of one call, in milliseconds."""
    started = time.perf_counter()
    fn(*args, **kwargs)
    return (time.perf_counter() - started) * 1000


def encode_ms(encoder, batch: list[str]) -> float:
    return ms(encoder.encode, batch, prompt_name="query", normalize_embeddings=True)


def _embed(encoder, texts: list[str]) -> np.ndarray:
    return np.asarray(encoder.encode(texts, prompt_name="query", normalize_embeddings=True))


def min_cosine(a: np.ndarray, b: np.ndarray) -> float:
    """The worst agreement between two encoders' normalised vectors of the same texts."""
    return round(float(np.min(np.sum(a * b, axis=1))), 8)


def _function(fn: tuple) -> str:
    return f"{'/'.join(Path(fn[0]).parts[-2:])}:{fn[1]}({fn[2]})"


def hot_functions(run: Callable[[str], object], texts: list[str]) -> list[dict]:
    """Own time per query of the 10 hottest functions; waits on locks left out (a batching
    encoder works in another thread, which cProfile does not see)."""
    profile = cProfile.Profile()
    profile.enable()
    for text in texts:
        run(text)
    profile.disable()
    stats = pstats.Stats(profile, stream=io.StringIO())
    rows = [(fn, row) for fn, row in stats.stats.items() if "acquire" not in fn[2]]
    total = sum(row[2] for _, row in rows)  # total own time (s)
    top = sorted(rows, key=lambda item: item[1][2], reverse=True)[:10]
    return [
        {
            "function": _function(fn),
            "tottime_ms_per_query": round(row[2] * 1000 / len(texts), 2),
            "share": round(row[2] / total, 3) if total else None,
        }
        for fn, row in top
    ]


def torch_comparison(model_dir: Path, questions: list[str], onnx_vectors: np.ndarray) -> dict:
    """The same model on PyTorch through sentence-transformers, one thread; an optional
    comparison (the build extra), so a failure is reported rather than raised."""
    try:
        started = time.perf_counter()
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(1)
        model = SentenceTransformer(str(model_dir), device="cpu")
        load_s = time.perf_counter() - started
        batches = [questions[i : i + BATCH] for i in range(0, len(questions) - BATCH + 1, BATCH)]
        return {
            "import_and_load_s": round(load_s, 2),
            "encode_p50_ms": p50([encode_ms(model, [q]) for q in questions]),
            "encode_p50_ms_per_query_batch8": p50([encode_ms(model, b) / len(b) for b in batches]),
            "min_cosine_to_onnx": min_cosine(_embed(model, questions), onnx_vectors),
        }
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}


def int8_comparison(encoder_class, model_dir: Path, questions, onnx_vectors) -> dict:
    """The int8 graph exported beside the float32 one (ATP_ENCODER=onnx-int8), one thread."""
    try:
        int8 = encoder_class(model_dir, threads=1, int8=True)
        return {
            "encode_p50_ms": p50([encode_ms(int8, [q]) for q in questions]),
            "min_cosine_to_float32": min_cosine(_embed(int8, questions), onnx_vectors),
            "file_mib": round(int8.path.stat().st_size / MIB, 1),
        }
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}


def model_files(model_dir: Path, onnx_path: Path) -> dict:
    """What the served graph weighs, and how much of it is the token-embedding matrix."""
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    vocab, hidden = int(config["vocab_size"]), int(config["hidden_size"])
    graph = [f for f in onnx_path.parent.iterdir() if f.name.startswith(onnx_path.name)]
    return {
        "onnx_float32_mib": round(sum(f.stat().st_size for f in graph) / MIB, 1),
        "vocab_size": vocab,
        "hidden_size": hidden,
        "embedding_matrix_float32_mib": round(vocab * hidden * 4 / MIB, 1),
    }


def asgi_overhead(settings: Settings, engine, questions: list[str]) -> dict:
    """The app in-process (httpx ASGITransport, no uvicorn, no sockets), cache-warm: what
    FastAPI, validation, middleware and the thread hop add to Searcher.search; and the
    event-loop side's hottest functions (cProfile sees the loop thread, not the worker)."""
    from service.app import create_app

    app = create_app(settings, engine=engine)
    searcher = engine.searcher
    for q in questions:
        searcher.search(q, k=K)  # embeddings cached: the encode is out of the picture
    direct = [ms(searcher.search, q, k=K) for q in questions]

    async def drive(rounds: int, path: str = "/search") -> list[float]:
        out = []
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            for _ in range(rounds):
                for q in questions:
                    started = time.perf_counter()
                    response = await client.get(path, params={"q": q, "k": K})
                    response.raise_for_status()
                    out.append((time.perf_counter() - started) * 1000)
        return out

    asyncio.run(drive(1))  # warm-up
    via_app = asyncio.run(drive(2))
    healthz = asyncio.run(drive(2, "/healthz"))  # the floor: client, routing, middleware
    profile = cProfile.Profile()
    profile.enable()
    asyncio.run(drive(1))
    profile.disable()
    stats = pstats.Stats(profile, stream=io.StringIO())
    waits = ("select", "poll", "acquire", "_run_once")  # the loop idling for the worker
    top = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)  # own time
    framework = [
        {
            "function": _function(fn),
            "tottime_ms_per_request": round(row[2] * 1000 / len(questions), 3),
        }
        for fn, row in top
        if not any(w in fn[2] for w in waits) and "httpx" not in fn[0]  # not the client
    ][:10]
    return {
        "search_in_process_p50_ms": p50(direct),
        "search_via_app_p50_ms": p50(via_app),
        "app_overhead_p50_ms": round(p50(via_app) - p50(direct), 2),
        "healthz_via_app_p50_ms": p50(healthz),
        "framework_cumulative": framework,
    }


def cpu_ms(fn: Callable, *args, **kwargs) -> float:
    """CPU time of one call in this process (all threads), in milliseconds."""
    started = time.process_time()
    fn(*args, **kwargs)
    return (time.process_time() - started) * 1000


def thread_settings(encoder_class, model_dir: Path, texts: list[str], rounds: int = 2) -> dict:
    """ONNX Runtime's intra-op threads on this machine: 1, all cores, all cores spinning;
    one question alone and batches of 8, wall and CPU per question, interleaved."""
    import onnxruntime

    cores = len(os.sched_getaffinity(0))
    variants = {"threads_1": (1, "0"), f"threads_{cores}": (cores, "0")}
    variants[f"threads_{cores}_spinning"] = (cores, "1")
    encoders = {}
    for name, (threads, spin) in variants.items():
        encoder = encoder_class(model_dir, threads=1)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        options.add_session_config_entry("session.intra_op.allow_spinning", spin)
        encoder.session = onnxruntime.InferenceSession(
            str(encoder.path), options, providers=["CPUExecutionProvider"]
        )
        encoders[name] = encoder
    out = {name: {"alone_ms": [], "alone_cpu_ms": [], "batch8_ms": [], "batch8_cpu_ms": []}
           for name in encoders}  # fmt: skip
    batches = [texts[i : i + BATCH] for i in range(0, len(texts) - BATCH + 1, BATCH)]
    for _ in range(rounds):
        for name, encoder in encoders.items():
            row = out[name]
            for t in texts:
                row["alone_ms"].append(encode_ms(encoder, [t]))
                row["alone_cpu_ms"].append(cpu_ms(encoder.encode, [t]))
            for b in batches:
                row["batch8_ms"].append(encode_ms(encoder, b) / len(b))
                row["batch8_cpu_ms"].append(cpu_ms(encoder.encode, b) / len(b))
    return {name: {k: p50(v) for k, v in row.items()} for name, row in out.items()}


def run_cost(encoder, rounds: int = 5) -> dict:
    """What one session.run costs beyond its tokens: runs of b copies of an L-token text,
    fitted as c0 + c1 * b * L (ms); c0 / c1 is RUN_COST_TOKENS's measure."""
    text = "加强源头治理，完善以社区为基础的预防拐卖人口犯罪网络，实施网格化管理。" * 4
    ids = encoder.tokenizer.encode("query: " + text).ids
    rows = []
    for length in (8, 16, 24, 32):  # the questions' range (cut at 64 tokens)
        for b in (1, 2, 4):
            feed = {
                "input_ids": np.array([ids[:length]] * b, dtype=np.int64),
                "attention_mask": np.ones((b, length), dtype=np.int64),
            }
            encoder.session.run(None, feed)
            took = [cpu_ms(encoder.session.run, None, feed) for _ in range(rounds)]
            rows.append((b * length, float(np.median(took))))
    tokens, costs = np.array(rows).T
    c1, c0 = np.polyfit(tokens, costs, 1)
    from index.model.onnx import RUN_COST_TOKENS

    return {
        "run_ms": round(float(c0), 2),
        "per_token_ms": round(float(c1), 3),
        "run_overhead_tokens": round(float(c0 / c1), 1),
        "used": RUN_COST_TOKENS,
    }


def bucketing(encoder, texts: list[str], rounds: int = 1) -> dict:
    """Mixed-length batches of 8 (the cold questions and a few cut at the token limit): one
    run padded to the longest vs the planned length buckets; CPU per question, and how far
    a batched vector is from the same question encoded alone."""
    import index.model.onnx as onnx_module

    rng = np.random.default_rng(16)
    pool = texts + ["请问" + t * 5 for t in texts[:4]]
    batches = [list(rng.choice(pool, BATCH, replace=False)) for _ in range(8)]
    alone = {t: encoder.encode([t])[0] for t in pool}
    planned = onnx_module.plan_runs
    variants = {"one_padded_run": lambda lengths, _m: [list(range(len(lengths)))]}
    variants["length_buckets"] = planned
    out: dict = {}
    try:
        for name, planner in variants.items():
            onnx_module.plan_runs = planner
            costs, cosines = [], []
            for _ in range(rounds):
                for b in batches:
                    costs.append(cpu_ms(encoder.encode, b) / len(b))
                    vectors = encoder.encode(b)
                    cosines += [float(v @ alone[t]) for v, t in zip(vectors, b, strict=True)]
            out[name] = {"cpu_ms_per_question": p50(costs), "mean": round(float(np.mean(costs)), 2)}
            out[name]["min_cosine_to_alone"] = round(min(cosines), 9)
    finally:
        onnx_module.plan_runs = planned
    return out


def same_answers(searcher, texts: list[str]) -> dict:
    """Top 10 of each question's dense ranking encoded alone vs in a batch of 8 others."""
    encoder = searcher.encoder
    same, worst = 0, 0.0
    for i, text in enumerate(texts):
        mates = [text, *(texts[(i + j) % len(texts)] for j in range(1, BATCH))]
        batched = encoder.encode(mates)[0]
        alone = encoder.encode([text])[0]
        a = searcher.dense_scores(alone[None, :]).scores
        b = searcher.dense_scores(batched[None, :]).scores
        top_a, top_b = np.argsort(-a, kind="stable")[:K], np.argsort(-b, kind="stable")[:K]
        same += bool(np.array_equal(top_a, top_b))
        worst = max(worst, float(np.max(np.abs(a[top_a] - b[top_a]))))
    return {"questions": len(texts), "same_top10": same, "max_score_diff": worst}


def batcher_wait(searcher, texts: list[str], users: int = 8, seconds: float = 6.0) -> dict:
    """8 threads searching never-seen questions back to back through Searcher.search (no
    HTTP): the batcher's bounded wait against none, side by side; searches/s, CPU per
    search and the mean batch size."""
    import threading

    batcher = searcher._batcher  # the engine's own batcher; only its wait is varied
    sizes: list[int] = []
    encode_batch = batcher._encode_batch

    def recording(batch: list[str]):
        sizes.append(len(batch))
        return encode_batch(batch)

    batcher._encode_batch = recording
    chosen, out = batcher._max_wait_s, {}
    counter = iter(range(10**9))
    try:
        for name, wait in (("no_wait", 0.0), (f"wait_{WAIT_S * 1000:g}ms", WAIT_S)) * 2:
            batcher._max_wait_s = wait
            sizes.clear()
            done = []
            stop = time.perf_counter() + seconds / 2

            def user(stop: float = stop, done: list = done) -> None:
                while time.perf_counter() < stop:
                    n = next(counter)
                    searcher.search(texts[n % len(texts)] + f" {n}", k=K)
                    done.append(1)

            threads = [threading.Thread(target=user) for _ in range(users)]
            started, cpu = time.perf_counter(), time.process_time()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            row = out.setdefault(name, {"searches_per_s": [], "cpu_ms": [], "batch": []})
            row["searches_per_s"].append(len(done) / wall)
            row["cpu_ms"].append(cpu * 1000 / max(len(done), 1))
            row["batch"].append(float(np.mean(sizes)) if sizes else 0.0)
    finally:
        batcher._max_wait_s, batcher._encode_batch = chosen, encode_batch
    return {
        name: {k: round(float(np.mean(v)), 2) for k, v in row.items()} for name, row in out.items()
    }


def stage_profile(repeats: int = 1) -> dict:
    """Every stage measurement, in this (fresh) process."""
    settings = Settings(encoder_threads=1)  # the stage profile is single-threaded
    startup: dict[str, float] = {}  # the cold start, step by step
    started = time.perf_counter()
    from service.engine import load_engine

    startup["import_service_s"] = time.perf_counter() - started
    started = time.perf_counter()
    engine = load_engine(settings)
    load_s = time.perf_counter() - started
    startup["load_engine_total_s"] = load_s
    engine_imports_torch = "torch" in sys.modules or "sentence_transformers" in sys.modules
    searcher = engine.searcher
    encoder = searcher.encoder
    onnx_encoder = type(encoder)  # the server's own encoder class
    texts = [
        unique_variant(script, q, 7_000_000 + i + r * 1000)
        for r in range(repeats)
        for i, (script, q) in enumerate(QUESTIONS)
    ]

    from service.schemas import search_response

    cold = [ms(searcher.search, t, k=K) for t in texts]
    warm = [ms(searcher.search, t, k=K) for t in texts]  # same texts: embedding cached
    keyword = [ms(searcher.search, t, k=K, mode="keyword") for t in texts]
    results = [searcher.search(t, k=K) for t in texts]
    serialize = [ms(lambda r: search_response(r, K).model_dump_json(), r) for r in results]
    plain = [q for _, q in QUESTIONS]
    batches = [plain[i : i + BATCH] for i in range(0, len(plain) - BATCH + 1, BATCH)]

    encode_1 = [encode_ms(encoder, [t]) for t in plain]
    cores = len(os.sched_getaffinity(0))
    all_cores = onnx_encoder(settings.model_dir, threads=cores)
    encode_all = [encode_ms(all_cores, [t]) for t in plain]
    del all_cores
    batch8 = [encode_ms(encoder, b) / len(b) for b in batches]
    tokens = [len(encoder.tokenizer.encode("query: " + t).ids) for t in plain]
    tokens_cold = [len(encoder.tokenizer.encode("query: " + t).ids) for t in texts[: len(plain)]]
    vectors = _embed(encoder, plain)

    first = texts[: len(plain)]
    hot_encode = hot_functions(  # the encode path itself, in this thread
        lambda t: encoder.encode([t + " 再"], prompt_name="query", normalize_embeddings=True),
        first,
    )
    hot = hot_functions(lambda t: searcher.search(t, k=K), first)  # embedding cached
    hot_keyword = hot_functions(lambda t: searcher.search(t + " 又", k=K, mode="keyword"), first)
    return {
        "queries": len(texts),
        "k": K,
        "engine_load_s": round(load_s, 2),
        "startup": {k: round(v, 2) for k, v in startup.items()},
        "engine_imports_torch": engine_imports_torch,
        "encoder": settings.encoder,
        "search_cold_p50_ms": p50(cold),
        "search_warm_p50_ms": p50(warm),
        "encode_share_cold": round(1 - np.median(warm) / np.median(cold), 3),
        "keyword_p50_ms": p50(keyword),
        "serialize_p50_ms": p50(serialize),
        "encode_p50_ms_threads_1": p50(encode_1),
        f"encode_p50_ms_threads_{cores}": p50(encode_all),
        "encode_p50_ms_per_query_batch8": p50(batch8),
        "tokens_mean_fixed": round(float(np.mean(tokens)), 1),
        "tokens_mean_cold_variant": round(float(np.mean(tokens_cold)), 1),
        "model_files": model_files(settings.model_dir, encoder.path),
        "int8_encoder": int8_comparison(onnx_encoder, settings.model_dir, plain, vectors),
        "torch_encoder": torch_comparison(settings.model_dir, plain, vectors),
        "hot_functions_encode": hot_encode,
        "hot_functions": hot,
        "hot_functions_keyword": hot_keyword,
        "asgi": asgi_overhead(settings, engine, plain),
        "thread_settings": thread_settings(onnx_encoder, settings.model_dir, texts[:8]),
        "run_cost": run_cost(encoder),
        "bucketing": bucketing(encoder, texts[: len(plain)]),
        "same_answers": same_answers(searcher, texts[: len(plain)]),
        "batcher_wait": batcher_wait(searcher, texts[: len(plain)]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1, help="passes over the questions")
    parser.add_argument("--json", help="write the result to this file")
    args = parser.parse_args()
    emit(stage_profile(repeats=args.repeats), args.json)


if __name__ == "__main__":
    main()
