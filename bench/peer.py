"""The peer `atp bench` compares the service with: txtai, dense, same model and passages.

A well-kept library's semantic search set up as its documentation suggests: a txtai
``Embeddings`` over the same sentence-transformers folder the index was built with (e5's
``query: `` / ``passage: `` instructions), indexing every passage's zh-Hans and English text
(two rows per passage; a passage scores its better row), one torch thread, in-process, no
HTTP. Measured: the time of one search for the cache-cold runs' never-seen questions, and
Recall@5 and MRR@10 on the evaluation's held-out test split (eval/data, ranx, as `atp eval`
scores it), next to the service's own on the same questions in the same process.

    python -m bench.peer [--passes 2] [--json OUT]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import time

import numpy as np

from bench import emit
from bench.locustfile import QUESTIONS, unique_variant
from service.settings import Settings

K = 10
METRICS = ("recall@5", "mrr@10")


def _passage_ranking(found: list[tuple[str, float]], k: int = K) -> dict[str, float]:
    """Rows ``<passage id>|<lang>`` -> the top k passages by their best row."""
    best: dict[str, float] = {}
    for row, score in found:
        pid = row.rsplit("|", 1)[0]
        best.setdefault(pid, float(score))  # rows come best first
    top = list(best.items())[:k]
    return {pid: float(len(top) - i) for i, (pid, _) in enumerate(top)}


def _scored(run: dict, split: str) -> dict[str, float]:
    from eval.run import load_qrels, load_questions, score

    ids = [q.id for q in load_questions() if q.split == split and q.ranked]
    metrics = score(run, load_qrels(split), ids)
    return {m: round(metrics[m], 3) for m in METRICS} | {"questions": len(ids)}


def measure(passes: int = 2, offset: int = 9_500_000, split: str = "test") -> dict:
    started = time.perf_counter()
    import torch
    from txtai import Embeddings

    from corpus.build import load_passages
    from eval.run import load_questions

    torch.set_num_threads(1)
    settings = Settings(encoder_threads=1)
    passages = load_passages(settings.corpus_dir)
    embeddings = Embeddings(
        path=str(settings.model_dir),
        method="sentence-transformers",
        instructions={"query": "query: ", "data": "passage: "},
    )
    built = time.perf_counter()
    rows = [(f"{p.id}|zh", p.text.zh_hans, None) for p in passages]
    rows += [(f"{p.id}|en", p.text.en, None) for p in passages]
    embeddings.index(rows)
    index_s = time.perf_counter() - built
    load_s = built - started

    def search(text: str) -> dict[str, float]:
        return _passage_ranking(embeddings.search(text, 2 * K))

    for _, question in QUESTIONS[:3]:  # warm-up
        search(question)
    latencies, n = [], offset
    for _ in range(passes):
        for script, question in QUESTIONS:
            text = unique_variant(script, question, n)
            n += 1
            t0 = time.perf_counter()
            search(text)
            latencies.append((time.perf_counter() - t0) * 1000)

    questions = [q for q in load_questions() if q.split == split and q.ranked]
    peer_run = {q.id: search(q.text) for q in questions}
    service = _service_quality(settings, questions, split)
    return {
        "txtai": importlib.metadata.version("txtai"),
        "rows": len(rows),
        "queries": len(latencies),
        "p50_ms": round(float(np.median(latencies)), 2),
        "p99_ms": round(float(np.percentile(latencies, 99)), 2),
        "torch_threads": torch.get_num_threads(),
        "load_s": round(load_s, 2),
        "index_s": round(index_s, 2),
        "split": split,
        "quality": _scored(peer_run, split),
        "service_quality": service,
    }


def _service_quality(settings: Settings, questions: list, split: str) -> dict:
    """The service's own ranking of the same questions (hybrid, as served, and dense)."""
    from eval.run import run_queries
    from service.engine import load_engine

    searcher = load_engine(settings).searcher
    return {
        mode: _scored(run_queries(searcher, questions, mode=mode), split)
        for mode in ("hybrid", "dense")
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=2, help="passes over the questions")
    parser.add_argument("--json", help="write the result to this file")
    args = parser.parse_args()
    emit(measure(passes=args.passes), args.json)


if __name__ == "__main__":
    main()
