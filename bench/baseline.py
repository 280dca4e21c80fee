"""The naive baseline `atp bench` compares the service with: the least one could write.

SentenceTransformer on CPU + faiss.IndexFlatIP over the zh-Hans text of every passage
(e5 ``passage: `` prompt), queries encoded one at a time with ``query: ``, in one
single-threaded loop (torch.set_num_threads(1)), no cache, no BM25, no HTTP.
The queries are the benchmark's questions with the same unique suffixes the cache-cold
load runs use, so both sides encode the same texts.

    python -m bench.baseline [--passes 3] [--json OUT]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from bench import emit
from bench.locustfile import QUESTIONS, unique_variant
from service.settings import Settings


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def run(passes: int = 3, k: int = 10, offset: int = 9_000_000) -> dict:
    started = time.perf_counter()
    import faiss
    import torch
    from sentence_transformers import SentenceTransformer

    from corpus.build import load_passages

    torch.set_num_threads(1)
    settings = Settings()
    model = SentenceTransformer(str(settings.model_dir), device="cpu")
    passages = load_passages(settings.corpus_dir)
    load_seconds = time.perf_counter() - started

    built = time.perf_counter()
    texts = ["passage: " + p.text.zh_hans for p in passages]
    embeddings = model.encode(texts, batch_size=16, normalize_embeddings=True)
    index = faiss.IndexFlatIP(embeddings.shape[1])
    index.add(np.asarray(embeddings, dtype=np.float32))
    index_seconds = time.perf_counter() - built

    def query(text: str) -> None:
        vec = model.encode(["query: " + text], normalize_embeddings=True)
        index.search(np.asarray(vec, dtype=np.float32), k)

    for _, question in QUESTIONS[:3]:  # warm-up: first calls pay lazy initialisation
        query(question)
    latencies: list[float] = []
    n = offset
    for _ in range(passes):
        for script, question in QUESTIONS:
            text = unique_variant(script, question, n)
            n += 1
            t0 = time.perf_counter()
            query(text)
            latencies.append((time.perf_counter() - t0) * 1000)
    return {
        "queries": len(latencies),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "mean_ms": round(float(np.mean(latencies)), 2),
        "torch_threads": torch.get_num_threads(),
        "passages": len(passages),
        "load_seconds": round(load_seconds, 2),
        "index_seconds": round(index_seconds, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=3, help="passes over the questions")
    parser.add_argument("--json", help="write the result to this file")
    args = parser.parse_args()
    emit(run(passes=args.passes), args.json)


if __name__ == "__main__":
    main()
