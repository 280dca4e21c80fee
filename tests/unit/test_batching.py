"""How concurrent questions are grouped for the encoder: length-bucketed runs and the
bounded wait of the micro-batcher. Pure logic, a fake encode."""

from __future__ import annotations

import itertools
import threading
import time

import numpy as np
import pytest

from index.batcher import MicroBatcher
from index.model.onnx import RUN_COST_TOKENS, plan_runs


def cost(runs: list[list[int]], lengths: list[int], run_cost: int) -> int:
    return sum(run_cost + len(run) * max(lengths[i] for i in run) for run in runs)


def brute_force(lengths: list[int], max_batch: int, run_cost: int) -> int:
    """The least cost over every split of the texts sorted by length."""
    ordered = sorted(range(len(lengths)), key=lambda i: lengths[i])
    best = None
    for cuts in itertools.product([False, True], repeat=len(ordered) - 1):
        runs, run = [], [ordered[0]]
        for i, cut in zip(ordered[1:], cuts, strict=True):
            if cut:
                runs.append(run)
                run = []
            run.append(i)
        runs.append(run)
        if max(len(r) for r in runs) <= max_batch:
            c = cost(runs, lengths, run_cost)
            best = c if best is None else min(best, c)
    return best


@pytest.mark.parametrize(
    "lengths",
    [[20, 21, 22, 20, 64, 15, 18, 23], [5, 6, 7, 8, 60, 61], [30] * 9, [12], [64, 9, 64, 9]],
)
def test_runs_cover_every_text_once_at_the_least_cost(lengths):
    runs = plan_runs(lengths, max_batch=8)
    assert sorted(i for run in runs for i in run) == list(range(len(lengths)))
    assert all(1 <= len(run) <= 8 for run in runs)
    assert cost(runs, lengths, RUN_COST_TOKENS) == brute_force(lengths, 8, RUN_COST_TOKENS)


def test_a_long_question_does_not_pad_short_ones_but_similar_ones_share_a_run():
    runs = plan_runs([16, 17, 18, 16, 64, 17, 16, 18], max_batch=16)
    assert sorted(map(sorted, runs)) == [[0, 1, 2, 3, 5, 6, 7], [4]]
    assert plan_runs([20, 22], max_batch=16) == [[0, 1]]
    assert plan_runs([20, 22], max_batch=1) == [[0], [1]]  # int8: one text per run
    assert plan_runs([], max_batch=8) == []


class Recorder:
    """A fake encode that records its batches; its first call waits for ``gate``."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.gate = threading.Event()

    def __call__(self, texts: list[str]) -> np.ndarray:
        if not self.batches:
            self.gate.wait(5)
        self.batches.append(list(texts))
        return np.array([[float(len(t))] for t in texts], dtype=np.float32)


def in_thread(batcher: MicroBatcher, text: str, delay: float = 0.0) -> threading.Thread:
    thread = threading.Thread(target=lambda: (time.sleep(delay), batcher.encode(text)))
    thread.start()
    return thread


def test_a_lone_question_never_waits():
    recorder = Recorder()
    recorder.gate.set()
    batcher = MicroBatcher(recorder, max_wait_s=0.5)
    started = time.perf_counter()
    assert batcher.encode("abc")[0, 0] == 3.0
    assert time.perf_counter() - started < 0.25, "a question alone must not wait"
    assert recorder.batches == [["abc"]]


def test_under_load_the_batcher_waits_for_questions_on_their_way():
    recorder = Recorder()
    batcher = MicroBatcher(recorder, max_wait_s=0.3)
    first = in_thread(batcher, "a")  # held at the gate ...
    time.sleep(0.05)
    queued = [in_thread(batcher, t) for t in ("bb", "cc")]  # ... while two queue up
    time.sleep(0.05)
    recorder.gate.set()
    for t in (first, *queued):
        t.join()
    assert recorder.batches == [["a"], ["bb", "cc"]]  # a batch of two: the batcher is busy
    late = in_thread(batcher, "late", delay=0.1)
    assert batcher.encode("now")[0, 0] == 3.0
    late.join()
    assert recorder.batches[-1] == ["now", "late"], "the wait gathered the second question"
