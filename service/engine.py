"""Everything heavy the service needs, loaded once: corpus, model, index, searcher."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from corpus.build import corpus_fingerprint, load_agencies, load_passages
from corpus.models import Agency, Passage
from index.aliases import AliasTable
from index.artifacts import load_index
from index.search import Searcher
from service.settings import ROOT, Settings

log = logging.getLogger("atp.engine")
CALIBRATION = ROOT / "eval" / "calibration.json"
DEFAULT_ANSWER_MIN_SCORE = {"zh": 0.0, "en": 0.0}  # until `atp eval` calibrates them


@dataclass(frozen=True)
class Engine:
    passages: list[Passage]
    agencies: list[Agency]
    aliases: AliasTable
    searcher: Searcher
    answer_min_score: dict[str, float]  # per side: "zh" or "en"
    load_seconds: float

    def answer_threshold(self, lang: str) -> float:
        return self.answer_min_score["en" if lang == "en" else "zh"]

    def passage(self, passage_id: str) -> Passage | None:
        index = self.searcher.by_id.get(passage_id)
        return None if index is None else self.passages[index]


def calibrated_min_score(path: Path = CALIBRATION) -> dict[str, float]:
    if path.exists():
        return dict(json.loads(path.read_text())["answer_min_score"])
    return dict(DEFAULT_ANSWER_MIN_SCORE)


def load_engine(settings: Settings) -> Engine:
    """Load corpus, model and index, checking that they belong together."""
    import torch

    from index.convert_e5 import load_encoder

    started = time.perf_counter()
    torch.set_num_threads(settings.torch_threads)
    passages = load_passages(settings.corpus_dir)
    agencies = load_agencies(settings.corpus_dir)
    index = load_index(
        settings.index_dir,
        corpus_sha256=corpus_fingerprint(settings.corpus_dir),
        passage_ids=[p.id for p in passages],
        model_dir=settings.model_dir,
    )
    encoder = load_encoder(settings.model_dir)
    searcher = Searcher(passages, agencies, index, encoder, cache_size=settings.query_cache_size)
    searcher.search("预热 warm-up", k=1)  # first call pays lazy init; not the first user
    fixed = settings.answer_min_score
    min_score = calibrated_min_score() if fixed is None else {"zh": fixed, "en": fixed}
    took = time.perf_counter() - started
    log.info("engine loaded in %.2fs: %d passages", took, len(passages))
    return Engine(passages, agencies, searcher.aliases, searcher, min_score, round(took, 3))
