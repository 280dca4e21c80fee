"""Micro-batching of query encodings: concurrent questions share one forward pass.

On two cores one short query costs about as much CPU as several in a batch, so under
load a single encoder thread that takes every waiting question at once serves far more
requests than threads that each encode one, and it never runs two encodes that fight
over the same cores.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future

import numpy as np

EncodeBatch = Callable[[list[str]], np.ndarray]


class MicroBatcher:
    """Collects texts from many threads; one worker encodes them in batches."""

    def __init__(self, encode_batch: EncodeBatch, *, max_batch: int = 16) -> None:
        self._encode_batch = encode_batch
        self._max_batch = max_batch
        self._pending: queue.SimpleQueue[tuple[str, Future]] = queue.SimpleQueue()
        self._worker = threading.Thread(target=self._run, name="query-encoder", daemon=True)
        self._worker.start()

    def encode(self, text: str) -> np.ndarray:
        """The embedding of one text (shape (1, dim)); blocks until its batch is done."""
        future: Future = Future()
        self._pending.put((text, future))
        return future.result()

    def _run(self) -> None:
        while True:
            batch = [self._pending.get()]  # block for the first, then take what is waiting
            while len(batch) < self._max_batch:
                try:
                    batch.append(self._pending.get_nowait())
                except queue.Empty:
                    break
            texts = list(dict.fromkeys(text for text, _ in batch))
            try:
                vectors = self._encode_batch(texts)
            except Exception as exc:  # hand the failure to every waiting caller
                for _, future in batch:
                    future.set_exception(exc)
                continue
            row = {text: i for i, text in enumerate(texts)}
            for text, future in batch:
                future.set_result(vectors[row[text] : row[text] + 1])
