"""Micro-batching and one-pass serialisation change no answer: a question's ranking is the
same whether it was encoded alone or with batch-mates of other lengths, and /search sends
the response model's own JSON."""

from __future__ import annotations

import random

import numpy as np

from bench.locustfile import QUESTIONS, unique_variant
from service.schemas import SearchResponse

LONG = "请问" + "医护人员发现疑似被拐卖的妇女儿童应该怎么办？" * 6  # cut at the token limit


def top(searcher, vector: np.ndarray, k: int = 10) -> list[tuple[str, float]]:
    dense = searcher.dense_scores(vector[None, :]).scores
    order = np.argsort(-dense, kind="stable")[:k]
    return [(searcher.passages[i].id, float(dense[i])) for i in order]


def test_a_question_ranks_the_same_alone_and_with_any_batch_mates(engine):
    searcher, encoder = engine.searcher, engine.searcher.encoder
    texts = [unique_variant(s, q, 31_000 + i) for i, (s, q) in enumerate(QUESTIONS)] + [LONG]
    alone = {t: encoder.encode([t], prompt_name="query")[0] for t in texts}
    rng = random.Random(16)
    for size in (2, 3, 5, 8, 16):
        batch = rng.sample(texts, size)
        for text, vector in zip(batch, encoder.encode(batch, prompt_name="query"), strict=True):
            assert float(vector @ alone[text]) > 0.999999, text
            got, want = top(searcher, vector), top(searcher, alone[text])
            assert [p for p, _ in got] == [p for p, _ in want], text
            assert max(abs(a - b) for (_, a), (_, b) in zip(got, want, strict=True)) < 1e-6


def test_search_sends_the_response_models_json_once(client):
    response = client.get("/search", params={"q": "拐卖儿童 报告", "k": 3})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    model = SearchResponse.model_validate_json(response.content)
    assert response.content == model.model_dump_json(by_alias=True).encode()
    assert set(response.json()["results"][0]["highlights"]) == {"zh-Hant", "zh-Hans", "en"}
