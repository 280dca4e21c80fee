"""Micro-batching of query encodings: concurrent questions share one forward pass.

On two cores one short query costs about as much CPU as several in a batch, so under
load a single encoder thread that takes every waiting question at once serves far more
requests than threads that each encode one, and it never runs two encodes that fight
over the same cores. With ``max_wait_s``, under load (the last batch held more than one
question) the worker waits that long after a batch's first question for others on their
way; a lone question never waits.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

import numpy as np

EncodeBatch = Callable[[list[str]], np.ndarray]
# No wait by default: at 8 clients the batches that queue while the encoder runs were as
# large with a 1.5 ms wait as without (bench/profile.py batcher_wait, bench/RESULTS.md).
MAX_WAIT_S = 0.0


class MicroBatcher:
    """Collects texts from many threads; one worker encodes them in batches."""

    def __init__(
        self, encode_batch: EncodeBatch, *, max_batch: int = 16, max_wait_s: float = MAX_WAIT_S
    ) -> None:
        self._encode_batch = encode_batch
        self._max_batch = max_batch
        self._max_wait_s = max_wait_s
        self._pending: queue.SimpleQueue[tuple[str, Future, float]] = queue.SimpleQueue()
        self._worker = threading.Thread(target=self._run, name="query-encoder", daemon=True)
        self._worker.start()

    def encode(self, text: str) -> np.ndarray:
        """The embedding of one text (shape (1, dim)); blocks until its batch is done."""
        future: Future = Future()
        self._pending.put((text, future, time.monotonic()))
        return future.result()

    def _take(self, busy: bool) -> list[tuple[str, Future, float]]:
        """The first waiting question (blocking), then what is waiting; when busy, also what
        arrives within max_wait_s of the first one's arrival."""
        batch = [self._pending.get()]
        deadline = batch[0][2] + (self._max_wait_s if busy else 0.0)
        while len(batch) < self._max_batch:
            left = deadline - time.monotonic()
            try:
                batch.append(
                    self._pending.get(timeout=left) if left > 0 else self._pending.get_nowait()
                )
            except queue.Empty:
                break
        return batch

    def _run(self) -> None:
        busy = False
        while True:
            batch = self._take(busy)
            busy = len(batch) > 1
            texts = list(dict.fromkeys(text for text, _, _ in batch))
            try:
                vectors = self._encode_batch(texts)
            except Exception as exc:  # hand the failure to every waiting caller
                for _, future, _ in batch:
                    future.set_exception(exc)
                continue
            row = {text: i for i, text in enumerate(texts)}
            for text, future, _ in batch:
                future.set_result(vectors[row[text] : row[text] + 1])
