"""The unit tier: pure logic over a slice of the real corpus, with a tiny fake encoder.

No model folder is read (`ATP_MODEL_DIR` may point nowhere): the fake encoder hashes
character bigrams into a small vector, enough for the code paths, not for quality.
"""

from __future__ import annotations

import itertools
import zlib
from pathlib import Path

import numpy as np
import pytest

from corpus.build import load_agencies, load_passages
from index.artifacts import build_index, load_index
from index.search import Searcher
from service.answer import NoAnswerRule
from service.engine import Engine
from service.facts import load_facts
from service.settings import Settings

DIM = 64
SLICE = 24  # passages: the preamble, principles, goals and the first measures


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.unit)


class FakeEncoder:
    """Character-bigram hashing, normalised: similar strings get similar vectors."""

    def get_embedding_dimension(self) -> int:
        return DIM

    def encode(self, texts, prompt_name=None, normalize_embeddings=True, batch_size=None):
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            for a, b in itertools.pairwise(text):
                out[row, zlib.crc32((a + b).encode()) % DIM] += 1.0
            out[row] /= max(np.linalg.norm(out[row]), 1e-9)
        return out


@pytest.fixture(scope="session")
def passages():
    return load_passages()[:SLICE]


@pytest.fixture(scope="session")
def agencies():
    return load_agencies()


@pytest.fixture(scope="session")
def searcher(passages, agencies, tmp_path_factory):
    folder = tmp_path_factory.mktemp("unit-index") / "index"
    no_model = folder.parent / "no-model"
    background = ["明天天气怎么样", "how do I bake bread", "附近有什么好吃的餐厅"]
    build_index(
        passages,
        agencies,
        FakeEncoder(),
        folder,
        corpus_sha256="unit",
        model_dir=no_model,
        background=background,
    )
    ids = [p.id for p in passages]
    index = load_index(folder, corpus_sha256="unit", passage_ids=ids, model_dir=no_model)
    return Searcher(passages, agencies, index, FakeEncoder(), cache_size=64)


@pytest.fixture(scope="session")
def engine(searcher):
    rules = {side: NoAnswerRule(-1.0) for side in ("zh", "en")}  # answers everything
    facts = load_facts(Settings().corpus_dir, searcher.passages)
    return Engine(searcher.passages, list(searcher.aliases.agencies), searcher, rules, facts, 0.0)
