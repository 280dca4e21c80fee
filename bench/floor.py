"""The floor `atp bench` measures the service against: the bare query encode.

The served ONNX graph (service/engine.py's encoder, float32 unless ATP_ENCODER says
otherwise), one intra-op thread, one question per call, in a fresh process with nothing
else: no HTTP, no search, no cache. The questions are the cache-cold runs' own: the fixed
questions with request numbers of as many digits appended (bench/locustfile.py
unique_variant), so both sides encode texts of the same lengths. No service on this model
can answer a new question for less CPU per core than this.

    python -m bench.floor [--passes 3] [--offset N] [--json OUT]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from bench import emit
from bench.locustfile import QUESTIONS, unique_variant
from service.settings import Settings


def measure(passes: int = 3, offset: int = 8_000_000) -> dict:
    """p50 and mean wall and CPU time of one encode, one thread, over never-seen questions."""
    from service.engine import load_query_encoder

    settings = Settings(encoder_threads=1)
    encoder = load_query_encoder(settings)
    for _, question in QUESTIONS[:4]:  # first calls pay lazy initialisation
        encoder.encode([question], prompt_name="query")
    wall, cpu, n = [], [], offset
    for _ in range(passes):
        for script, question in QUESTIONS:
            text = unique_variant(script, question, n)
            n += 1
            started, started_cpu = time.perf_counter(), time.thread_time()
            encoder.encode([text], prompt_name="query")
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
    return {
        "queries": len(wall),
        "threads": 1,
        "encoder": settings.encoder,
        "p50_ms": round(float(np.median(wall)), 2),
        "mean_ms": round(float(np.mean(wall)), 2),
        "cpu_p50_ms": round(float(np.median(cpu)), 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=3, help="passes over the questions")
    parser.add_argument("--offset", type=int, default=8_000_000, help="first request number")
    parser.add_argument("--json", help="write the result to this file")
    args = parser.parse_args()
    emit(measure(args.passes, args.offset), args.json)


if __name__ == "__main__":
    main()
