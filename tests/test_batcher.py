"""Micro-batched query encodings equal one-at-a-time ones, under real concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from index.batcher import MicroBatcher

TEXTS = [
    "医护人员发现疑似拐卖儿童怎么办",
    "What must a hotel receptionist do about a suspected trafficked child?",
    "婚姻登記工作人員發現疑似被拐賣婦女怎麼辦",
    "DNA",
    "who runs the national anti-trafficking DNA database and who helps them?",
] * 4


def test_concurrent_batches_match_single_encodes(engine):
    encoder = engine.searcher.encoder
    batches: list[int] = []

    def encode_batch(texts: list[str]) -> np.ndarray:
        batches.append(len(texts))
        return encoder.encode(texts, prompt_name="query", normalize_embeddings=True)

    batcher = MicroBatcher(encode_batch)
    with ThreadPoolExecutor(max_workers=8) as pool:
        batched = list(pool.map(batcher.encode, TEXTS))
    for text, vector in zip(TEXTS, batched, strict=True):
        alone = encoder.encode([text], prompt_name="query", normalize_embeddings=True)
        assert float(vector[0] @ alone[0]) > 0.9999, text
    assert max(batches) > 1, "concurrent questions should share a forward pass"


def test_a_failing_encode_reaches_every_caller():
    def broken(texts: list[str]) -> np.ndarray:
        raise RuntimeError("encoder down")

    batcher = MicroBatcher(broken)
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(batcher.encode, t) for t in TEXTS[:4]]
    for future in futures:
        assert isinstance(future.exception(), RuntimeError)
