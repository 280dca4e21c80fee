"""What a hostile client, a bad network and a broken disk do (issue 15), each attack
reproduced on loopback against the real model, index and server, bounded in count and time.

Work: a long question costs a few short ones, and the cut loses nothing on dev.
"""

from __future__ import annotations

import statistics
import time

import pytest

from corpus.build import load_agencies
from eval.run import load_qrels, load_questions, run_queries, score
from index.model.folder import MAX_SEQ_LENGTH
from index.model.onnx import OnnxEncoder
from index.search import Searcher
from service import usecases
from service.engine import Engine

SHORT = "医护人员发现疑似拐卖儿童怎么办"  # a typical question: 15 characters, 18 tokens


# ------------------------------------------------------------------ work per question


def long_question(engine, chars: int, salt: int) -> str:
    """``chars`` characters of the plan's own Chinese, different for every salt (so the
    query cache never answers it)."""
    text = "".join(p.text.zh_hans for p in engine.passages)
    start = (salt * 37) % (len(text) - chars)
    return f"{salt}：" + text[start : start + chars - len(str(salt)) - 1]


def median_ms(search, questions: list[str]) -> float:
    times = []
    for question in questions:
        started = time.perf_counter()
        search(question)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def test_a_500_character_question_costs_at_most_3_short_ones(settings, engine):
    """Uncut, a 500-character Chinese question cost about 10x a short one (issue 15); the
    encoder now cuts a question to ATP_MAX_QUERY_TOKENS. Same path as /search, cache missed."""

    def search(question):
        return usecases.search(engine, question, k=10)

    search(SHORT + "？")  # warm
    shorts, longs = [], []
    for round_ in range(3):  # interleaved, so a busy neighbour slows both alike
        salt = 1000 * round_
        shorts.append(median_ms(search, [f"{SHORT}（{salt + i}）" for i in range(7)]))
        longs.append(
            median_ms(
                search,
                [long_question(engine, settings.max_query_chars, salt + i) for i in range(7)],
            )
        )
    assert len(long_question(engine, settings.max_query_chars, 1)) == settings.max_query_chars
    short_ms, long_ms = statistics.median(shorts), statistics.median(longs)
    ratio = long_ms / short_ms
    print(f"short {short_ms:.1f} ms, {settings.max_query_chars} characters {long_ms:.1f} ms")
    assert ratio <= 3.0, f"a 500-character question costs {ratio:.1f}x a short one"


@pytest.mark.slow
def test_the_question_cut_moves_nothing_on_dev(settings, engine):
    """The cut was chosen on dev only: retrieval (hybrid, dense) and /ask's decision to
    answer are the same with the cut as without it, and the cut does touch dev questions."""
    uncut_encoder = OnnxEncoder(
        settings.model_dir, threads=settings.encoder_threads, max_query_tokens=MAX_SEQ_LENGTH
    )
    uncut = Searcher(
        engine.passages, load_agencies(settings.corpus_dir), engine.searcher.index, uncut_encoder
    )
    dev = [q for q in load_questions() if q.split == "dev"]
    tokenizer = uncut_encoder.tokenizer
    cut = [
        q for q in dev if len(tokenizer.encode("query: " + q.text).ids) > settings.max_query_tokens
    ]
    assert cut, "no dev question is long enough to be cut: this test would show nothing"
    qrels, answerable = load_qrels("dev"), [q.id for q in dev if q.answerable]
    for mode in ("hybrid", "dense"):
        served = score(run_queries(engine.searcher, dev, mode=mode), qrels, answerable)
        whole = score(run_queries(uncut, dev, mode=mode), qrels, answerable)
        assert {m: round(v, 3) for m, v in served.items()} == {
            m: round(v, 3) for m, v in whole.items()
        }, mode
    uncut_engine = Engine(
        engine.passages, engine.agencies, uncut, engine.answer_rules, engine.facts, 0.0
    )
    for q in dev:
        served = usecases.ask(engine, q.text, "auto").answer.answered
        assert usecases.ask(uncut_engine, q.text, "auto").answer.answered == served, q.id
