"""Everything heavy the service needs, loaded once: corpus, model, index, searcher."""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path

from corpus.build import corpus_fingerprint, load_agencies, load_passages
from corpus.models import Agency, Passage
from index.aliases import AliasTable
from index.artifacts import load_index
from index.search import Searcher
from service.answer import NoAnswerRule
from service.settings import ROOT, Settings

log = logging.getLogger("atp.engine")
CALIBRATION = ROOT / "eval" / "calibration.json"


@dataclass(frozen=True)
class Engine:
    passages: list[Passage]
    agencies: list[Agency]
    aliases: AliasTable
    searcher: Searcher
    answer_rules: dict[str, NoAnswerRule]  # per side: "zh" or "en"
    load_seconds: float

    def answer_rule(self, lang: str) -> NoAnswerRule:
        return self.answer_rules["en" if lang == "en" else "zh"]

    def passage(self, passage_id: str) -> Passage | None:
        index = self.searcher.by_id.get(passage_id)
        return None if index is None else self.passages[index]


def answer_rules(
    path: Path = CALIBRATION, min_coverage: float | None = None
) -> dict[str, NoAnswerRule]:
    """The no-answer rule per side, as `atp eval` calibrated it on dev (eval/calibration.json);
    ``min_coverage`` overrides the calibrated coverage threshold of both sides."""
    calibration = json.loads(path.read_text()) if path.exists() else {}
    coverage = calibration.get("answer_min_score", {})
    evidence = calibration.get("keyword_evidence", {})
    return {
        side: NoAnswerRule(
            coverage.get(side, 0.0) if min_coverage is None else min_coverage,
            evidence.get(side, math.inf),
        )
        for side in ("zh", "en")
    }


def load_query_encoder(settings: Settings):
    """The model questions are embedded with: ONNX Runtime, float32 by default or int8 (no
    torch in the server), or sentence-transformers on PyTorch (the same vectors as ONNX
    float32)."""
    if settings.encoder in ("onnx", "onnx-int8"):
        from index.model.onnx import OnnxEncoder

        int8 = settings.encoder == "onnx-int8"
        return OnnxEncoder(settings.model_dir, threads=settings.encoder_threads, int8=int8)
    import torch

    from index.model.folder import load_encoder

    torch.set_num_threads(settings.encoder_threads)
    return load_encoder(settings.model_dir)


def load_engine(settings: Settings) -> Engine:
    """Load corpus, model and index, checking that they belong together."""
    started = time.perf_counter()
    passages = load_passages(settings.corpus_dir)
    agencies = load_agencies(settings.corpus_dir)
    index = load_index(
        settings.index_dir,
        corpus_sha256=corpus_fingerprint(settings.corpus_dir),
        passage_ids=[p.id for p in passages],
        model_dir=settings.model_dir,
    )
    encoder = load_query_encoder(settings)
    searcher = Searcher(passages, agencies, index, encoder, cache_size=settings.query_cache_size)
    searcher.search("预热 warm-up", k=1)  # first call pays lazy init; not the first user
    rules = answer_rules(min_coverage=settings.answer_min_score)
    took = time.perf_counter() - started
    log.info("engine loaded in %.2fs: %d passages", took, len(passages))
    return Engine(passages, agencies, searcher.aliases, searcher, rules, round(took, 3))
